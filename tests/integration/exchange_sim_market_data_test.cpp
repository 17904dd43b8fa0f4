// exchange-sim's market data over real sockets: the simulator runs in-process on its own io_context thread, the
// test talks to it through test::sync_ws_client and test::http_get like any client would.

#include "hft/exchange/sim/exchange_sim.hpp"

#include "hft/domain/decimal.hpp"
#include "hft/exchange/sim/clock.hpp"
#include "hft/exchange/sim/market_data.hpp"
#include "hft/exchange/sim/wire.hpp"
#include "hft/testing/sync_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr std::int64_t sim_start_ms = 1'699'999'980'000;  // a whole minute, so replay row k opens at start + k min

class running_sim {
public:
    explicit running_sim(exchange::sim::sim_options options) {
        options.start_time_ms = sim_start_ms;
        sim_ = std::make_unique<exchange::sim::exchange_sim>(ioc_, std::move(options));
        sim_->start();
        port_ = sim_->port();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~running_sim() { stop(); }

    void stop() {
        if (!thread_.joinable()) return;
        boost::asio::post(ioc_, [this] {
            sim_->stop();
            wait_for_clients(std::chrono::steady_clock::now() + 5s);
        });
        thread_.join();
    }

    std::uint16_t port() const { return port_; }

private:
    // Bounded: clients that never answer the close frame must not hold the test.
    void wait_for_clients(std::chrono::steady_clock::time_point give_up) {
        if (sim_->connection_count() == 0 || std::chrono::steady_clock::now() >= give_up) {
            ioc_.stop();
            return;
        }
        poll_.expires_after(10ms);
        poll_.async_wait([this, give_up](const boost::system::error_code& ec) {
            if (!ec) wait_for_clients(give_up);
        });
    }

    boost::asio::io_context ioc_;
    boost::asio::steady_timer poll_{ioc_};
    std::unique_ptr<exchange::sim::exchange_sim> sim_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

exchange::sim::sim_options fast_options() {
    exchange::sim::sim_options o;
    o.symbols = {"BTCUSDT", "BTCUSDC"};
    o.intervals = {"1s"};
    o.speed_milli = 60'000;  // a 1s candle every ~17 ms of wall time
    return o;
}

// Reads until a message satisfies `match`, or fails the test after `limit` messages or a read timeout.
json read_until(test::sync_ws_client& client, const std::function<bool(const json&)>& match, int limit = 2000) {
    for (int i = 0; i < limit; ++i) {
        auto text = client.read(5s);
        REQUIRE(text.has_value());
        auto j = json::parse(*text, nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        if (match(j)) return j;
    }
    FAIL("no matching message within " << limit << " messages");
    return {};
}

void check_kline_shape(const json& event) {
    REQUIRE(event["e"] == "kline");
    CHECK(event["E"].is_number_integer());
    const auto& k = event["k"];
    for (const char* key : {"t", "T", "f", "L", "n"}) CHECK(k[key].is_number_integer());
    for (const char* key : {"s", "i", "o", "c", "h", "l", "v", "q", "V", "Q", "B"}) CHECK(k[key].is_string());
    CHECK(k["x"].is_boolean());
    auto units = [&](const char* key) {
        auto d = domain::decimal::parse(k[key].get<std::string>());
        REQUIRE(d.has_value());
        CHECK(d->scale() == 8);
        return *d;
    };
    CHECK(units("l") <= units("o"));
    CHECK(units("l") <= units("c"));
    CHECK(units("o") <= units("h"));
    CHECK(units("c") <= units("h"));
    CHECK_FALSE(units("v").is_negative());
}

}  // namespace

TEST_CASE("a /stream client subscribes, gets the ack, updates and a closed candle that REST also returns",
          "[integration][exchange-sim]") {
    running_sim sim(fast_options());
    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/stream"));
    REQUIRE(client.send(R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1s"],"id":1})"));
    auto ack = client.read(5s);
    REQUIRE(ack.has_value());
    CHECK(*ack == R"({"result":null,"id":1})");

    int open_updates = 0;
    auto closed = read_until(client, [&](const json& j) {
        REQUIRE(j["stream"] == "btcusdt@kline_1s");
        check_kline_shape(j["data"]);
        if (!j["data"]["k"]["x"].get<bool>()) ++open_updates;
        return j["data"]["k"]["x"].get<bool>() && open_updates > 0;
    })["data"]["k"];
    CHECK(open_updates > 0);

    REQUIRE(client.send(R"({"method":"LIST_SUBSCRIPTIONS","id":3})"));
    auto list = read_until(client, [](const json& j) { return j.contains("id"); });
    CHECK(list == json::parse(R"({"result":["btcusdt@kline_1s"],"id":3})"));

    REQUIRE(client.send(R"({"method":"SUBSCRIBE","params":["ethusdt@kline_1s"],"id":4})"));
    auto error = read_until(client, [](const json& j) { return j.contains("id"); });
    CHECK(error["code"] == 2);
    CHECK(error["id"] == 4);
    // The connection survives an invalid request.
    read_until(client, [](const json& j) { return j.contains("stream"); });

    auto start = std::to_string(closed["t"].get<std::int64_t>());
    auto rest = test::http_get("127.0.0.1", sim.port(),
                               "/api/v3/klines?symbol=BTCUSDT&interval=1s&startTime=" + start + "&limit=1");
    REQUIRE(rest.status == 200);
    auto rows = json::parse(rest.body);
    REQUIRE(rows.size() == 1);
    const auto& row = rows[0];
    CHECK(row[0] == closed["t"]);
    CHECK(row[1] == closed["o"]);
    CHECK(row[2] == closed["h"]);
    CHECK(row[3] == closed["l"]);
    CHECK(row[4] == closed["c"]);
    CHECK(row[5] == closed["v"]);
    CHECK(row[6] == closed["T"]);
    CHECK(row[7] == closed["q"]);
    CHECK(row[8] == closed["n"]);
    client.close();
}

TEST_CASE("a raw /ws stream replays the CSV exactly on closed frames with rebased times",
          "[integration][exchange-sim]") {
    const std::string csv = HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv";
    auto rows = exchange::sim::load_kline_csv(csv);
    REQUIRE(rows.has_value());
    auto options = fast_options();
    options.symbols = {"BTCUSDT"};
    options.intervals = {"1m"};
    options.replay_files = {csv};
    options.speed_milli = 600'000;  // a 1m candle every 100 ms
    running_sim sim(options);

    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1m"));
    int seen = 0;
    read_until(client, [&](const json& j) {
        check_kline_shape(j);
        const auto& k = j["k"];
        if (!k["x"].get<bool>()) return false;
        auto index = (k["t"].get<std::int64_t>() - sim_start_ms) / 60'000;
        REQUIRE(index >= 0);
        const auto& row = (*rows)[static_cast<std::size_t>(index)];
        CHECK(k["t"] == sim_start_ms + index * 60'000);
        CHECK(k["T"] == sim_start_ms + index * 60'000 + 59'999);
        CHECK(k["o"] == exchange::sim::format_units(row.open));
        CHECK(k["h"] == exchange::sim::format_units(row.high));
        CHECK(k["l"] == exchange::sim::format_units(row.low));
        CHECK(k["c"] == exchange::sim::format_units(row.close));
        CHECK(k["v"] == exchange::sim::format_units(row.volume));
        return ++seen == 3;
    });

    auto rest = test::http_get("127.0.0.1", sim.port(), "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000");
    REQUIRE(rest.status == 200);
    auto klines = json::parse(rest.body);
    REQUIRE(klines.size() >= 3);
    for (std::size_t k = 0; k < klines.size(); ++k) {
        CHECK(klines[k][0] == sim_start_ms + static_cast<std::int64_t>(k) * 60'000);
        CHECK(klines[k][4] == exchange::sim::format_units((*rows)[k].close));
    }
    client.close();
}

TEST_CASE("REST answers Binance and Tokocrypto shapes and JSON errors", "[integration][exchange-sim]") {
    running_sim sim(fast_options());
    auto time = test::http_get("127.0.0.1", sim.port(), "/open/v1/common/time");
    REQUIRE(time.status == 200);
    auto t = json::parse(time.body);
    CHECK(t["code"] == 0);
    CHECK(t["msg"] == "success");
    CHECK(t["data"].is_null());
    CHECK(t["timestamp"].get<std::int64_t>() >= sim_start_ms);

    auto symbols = json::parse(test::http_get("127.0.0.1", sim.port(), "/open/v1/common/symbols").body);
    REQUIRE(symbols["data"]["list"].size() == 2);
    const auto& first = symbols["data"]["list"][0];
    CHECK(first["symbol"] == "BTC_USDT");
    CHECK(first["baseAsset"] == "BTC");
    CHECK(first["quoteAsset"] == "USDT");
    CHECK(first["filters"][0]["tickSize"] == "0.01");
    CHECK(symbols["data"]["list"][1]["symbol"] == "BTC_USDC");

    auto bad_symbol = test::http_get("127.0.0.1", sim.port(), "/api/v3/klines?symbol=NOPE&interval=1s");
    CHECK(bad_symbol.status == 400);
    CHECK(json::parse(bad_symbol.body) == json::parse(R"({"code":-1121,"msg":"Invalid symbol."})"));
    auto bad_interval = test::http_get("127.0.0.1", sim.port(), "/api/v3/klines?symbol=BTCUSDT&interval=7m");
    CHECK(json::parse(bad_interval.body)["code"] == -1120);
    auto bad_limit = test::http_get("127.0.0.1", sim.port(), "/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=x");
    CHECK(json::parse(bad_limit.body)["code"] == -1100);
    auto missing = test::http_get("127.0.0.1", sim.port(), "/api/v3/klines?interval=1s");
    CHECK(json::parse(missing.body)["code"] == -1102);

    CHECK(test::http_get("127.0.0.1", sim.port(), "/nowhere").status == 404);
    auto wrong_method = test::http_request_sync("127.0.0.1", sim.port(), "DELETE", "/open/v1/common/time");
    CHECK(wrong_method.status == 405);
    auto huge = test::http_request_sync("127.0.0.1", sim.port(), "POST", "/api/v3/klines", std::string(100'000, 'x'));
    CHECK(huge.status == 413);
    CHECK(json::parse(huge.body)["code"] == 413);
}

TEST_CASE("drop-every cuts websocket connections without a close frame", "[integration][exchange-sim]") {
    auto options = fast_options();
    options.drop_every = 300ms;
    running_sim sim(options);
    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1s"));
    for (int i = 0; i < 10'000 && client.read(3s); ++i) {
    }
    CHECK(client.closed());
    CHECK_FALSE(client.closed_with_frame());
}

TEST_CASE("a client that stops reading misses the pings and is disconnected", "[integration][exchange-sim]") {
    auto options = fast_options();
    options.speed_milli = 1000;  // little traffic: the idle timeout, not the queue limit, must end it
    options.ping_interval = 300ms;
    options.pong_timeout = 300ms;
    running_sim sim(options);

    test::sync_ws_client silent;
    REQUIRE(silent.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1s"));
    test::sync_ws_client reader;
    REQUIRE(reader.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1s"));
    // The reader answers pings (Beast does while a read is pending) for longer than the idle timeout.
    auto until = std::chrono::steady_clock::now() + 1500ms;
    while (std::chrono::steady_clock::now() < until) REQUIRE(reader.read(2s).has_value());
    CHECK_FALSE(reader.closed());

    // The silent client read nothing for 1.5 s, far past the 600 ms idle timeout: what is buffered drains, then
    // the connection is gone.
    for (int i = 0; i < 1000 && silent.read(2s); ++i) {
    }
    CHECK(silent.closed());
    CHECK(silent.error() != "Operation timed out");
    reader.close();
}

TEST_CASE("stopping the sim sends serverShutdown and closes with going_away", "[integration][exchange-sim]") {
    running_sim sim(fast_options());
    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/stream?streams=btcusdt@kline_1s/btcusdc@kline_1s"));
    auto first = client.read(5s);
    REQUIRE(first.has_value());
    CHECK(json::parse(*first)["stream"].get<std::string>().find("@kline_1s") != std::string::npos);
    std::thread stopper([&] { sim.stop(); });
    auto shutdown = read_until(client, [](const json& j) { return j.contains("e") && j["e"] == "serverShutdown"; });
    CHECK(shutdown["E"].is_number_integer());
    CHECK_FALSE(client.read(5s).has_value());
    CHECK(client.closed_with_frame());
    CHECK(client.close_code() == 1001);
    stopper.join();
}

TEST_CASE("stall-every silences the stream for stall-for without closing it", "[integration][exchange-sim]") {
    auto options = fast_options();
    options.stall_every = 300ms;
    options.stall_for = 400ms;
    running_sim sim(options);
    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1s"));
    // Frames normally arrive every ~4 ms; a stall shows as one long gap, after which frames resume.
    auto longest = std::chrono::steady_clock::duration::zero();
    auto last = std::chrono::steady_clock::now();
    auto until = last + 1500ms;
    while (std::chrono::steady_clock::now() < until) {
        REQUIRE(client.read(2s).has_value());
        auto now = std::chrono::steady_clock::now();
        longest = std::max(longest, now - last);
        last = now;
    }
    CHECK(longest >= 300ms);
    CHECK_FALSE(client.closed());
    client.close();
}

TEST_CASE("malformed-rate 1 replaces every kline frame with a broken one", "[integration][exchange-sim]") {
    auto options = fast_options();
    options.malformed_per_million = 1'000'000;
    running_sim sim(options);
    test::sync_ws_client client;
    REQUIRE(client.connect("127.0.0.1", sim.port(), "/ws/btcusdt@kline_1s"));
    for (int i = 0; i < 40; ++i) {
        auto text = client.read(5s);
        REQUIRE(text.has_value());
        auto j = json::parse(*text, nullptr, false);
        bool broken = j.is_discarded() || j["e"] != "kline" || j["k"]["o"].is_number() ||
                      domain::decimal::parse(j["k"]["h"].get<std::string>()).value() <
                          domain::decimal::parse(j["k"]["l"].get<std::string>()).value();
        CHECK(broken);
    }
    client.close();
}
