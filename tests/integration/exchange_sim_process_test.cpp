// The real `hft exchange-sim` binary: flags, start-up log, websocket and REST on the port it was given, faults,
// and a clean exit 0 on SIGTERM.

#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <string>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;

using test::sim_process;

TEST_CASE("hft exchange-sim streams klines, serves them over REST and exits 0 on SIGTERM",
          "[integration][exchange-sim]") {
    sim_process sim({"--symbols", "BTCUSDT,BTCUSDC", "--speed", "600", "--intervals", "1s,1m", "--seed", "42"});
    REQUIRE(sim.ready);
    INFO(sim.log());
    CHECK(sim.log().find("listening on 127.0.0.1:" + std::to_string(sim.port)) != std::string::npos);

    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port, "/stream"));
    REQUIRE(client.send(R"({"method":"SUBSCRIBE","params":["btcusdc@kline_1m"],"id":1})"));
    auto ack = client.read(5s);
    REQUIRE(ack.has_value());
    CHECK(*ack == R"({"result":null,"id":1})");

    json closed;
    for (int i = 0; i < 1000 && closed.is_null(); ++i) {
        auto text = client.read(5s);
        REQUIRE(text.has_value());
        auto j = json::parse(*text);
        REQUIRE(j["stream"] == "btcusdc@kline_1m");
        if (j["data"]["k"]["x"].get<bool>()) closed = j["data"]["k"];
    }
    REQUIRE_FALSE(closed.is_null());

    auto rest = test::http_get("127.0.0.1", sim.port,
                               "/api/v3/klines?symbol=BTCUSDC&interval=1m&startTime=" +
                                   std::to_string(closed["t"].get<std::int64_t>()) + "&limit=1");
    REQUIRE(rest.status == 200);
    auto row = json::parse(rest.body).at(0);
    CHECK(row[0] == closed["t"]);
    CHECK(row[1] == closed["o"]);
    CHECK(row[2] == closed["h"]);
    CHECK(row[3] == closed["l"]);
    CHECK(row[4] == closed["c"]);
    CHECK(row[5] == closed["v"]);

    sim.process->signal(SIGTERM);
    bool shutdown_seen = false;
    for (int i = 0; i < 10'000; ++i) {
        auto text = client.read(5s);
        if (!text) break;
        auto j = json::parse(*text);
        if (j.contains("e") && j["e"] == "serverShutdown") shutdown_seen = true;
    }
    CHECK(shutdown_seen);
    CHECK(client.close_code() == 1001);
    CHECK(sim.process->wait_for_exit(10s) == 0);
}

TEST_CASE("hft exchange-sim --drop-every 1 drops websocket connections and takes new ones",
          "[integration][exchange-sim]") {
    sim_process sim({"--speed", "60", "--intervals", "1s", "--drop-every", "1"});
    REQUIRE(sim.ready);
    for (int round = 0; round < 2; ++round) {
        test::sync_ws_client client;
        REQUIRE(client.connect("127.0.0.1", sim.port, "/ws/btcusdt@kline_1s"));
        int frames = 0;
        while (client.read(3s)) ++frames;
        CHECK(frames > 0);
        CHECK(client.closed());
        CHECK_FALSE(client.closed_with_frame());
    }
    sim.process->signal(SIGINT);
    CHECK(sim.process->wait_for_exit(10s) == 0);
}

TEST_CASE("hft exchange-sim refuses bad flags with a config error", "[integration][exchange-sim]") {
    auto speed = test::run_command({HFT_EXECUTABLE, "exchange-sim", "--speed", "0"}, {}, 20s);
    CHECK(speed.exit_code == 78);
    CHECK(speed.output.find("--speed") != std::string::npos);
    auto replay = test::run_command({HFT_EXECUTABLE, "exchange-sim", "--replay", "/nonexistent/x-BTCUSDT-1m.csv"}, {}, 20s);
    CHECK(replay.exit_code == 78);
    CHECK(replay.output.find("cannot open") != std::string::npos);
}
