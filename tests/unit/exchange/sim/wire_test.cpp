#include "hft/exchange/sim/wire.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace hft::exchange::sim;
using nlohmann::json;

namespace {

kline_update sample() {
    kline_update u;
    u.symbol = "BTCUSDT";
    u.interval = "1m";
    u.event_time = 1677628830000;
    u.open_time = 1677628800000;
    u.close_time = 1677628859999;
    u.first_trade_id = 100;
    u.last_trade_id = 141;
    u.trade_count = 42;
    u.open = 2'314'048'000'000;
    u.high = 2'315'077'000'000;
    u.low = 2'312'852'000'000;
    u.close = 2'314'231'000'000;
    u.volume = 213'177'700;
    u.quote_volume = 4'933'000'000'000;
    u.taker_base_volume = 100'000'000;
    u.taker_quote_volume = 2'314'000'000'000;
    return u;
}

bool exists(std::string_view name) { return name == "btcusdt@kline_1m" || name == "btcusdc@kline_1m"; }

}  // namespace

TEST_CASE("kline event has Binance's exact keys and types", "[exchange][sim]") {
    auto text = kline_event_json(sample());
    auto j = json::parse(text);
    REQUIRE(j.size() == 4);
    CHECK(j["e"] == "kline");
    CHECK(j["E"].is_number_integer());
    CHECK(j["E"] == 1677628830000);
    CHECK(j["s"] == "BTCUSDT");
    const auto& k = j["k"];
    REQUIRE(k.size() == 17);
    for (const char* key : {"t", "T", "f", "L", "n"}) CHECK(k[key].is_number_integer());
    for (const char* key : {"s", "i", "o", "c", "h", "l", "v", "q", "V", "Q", "B"}) CHECK(k[key].is_string());
    CHECK(k["x"].is_boolean());
    CHECK(k["t"] == 1677628800000);
    CHECK(k["T"] == 1677628859999);
    CHECK(k["i"] == "1m");
    CHECK(k["o"] == "23140.48000000");
    CHECK(k["h"] == "23150.77000000");
    CHECK(k["l"] == "23128.52000000");
    CHECK(k["c"] == "23142.31000000");
    CHECK(k["v"] == "2.13177700");
    CHECK(k["n"] == 42);
    CHECK(k["x"] == false);
    CHECK(k["B"] == "0");
    // Key order as Binance sends it, for byte-level golden comparisons by consumers.
    CHECK(text.rfind("{\"e\":\"kline\",\"E\":1677628830000,\"s\":\"BTCUSDT\",\"k\":{\"t\":", 0) == 0);
}

TEST_CASE("combined frame wraps the event under its stream name", "[exchange][sim]") {
    auto u = sample();
    u.closed = true;
    auto j = json::parse(combined_json(u.stream_name(), kline_event_json(u)));
    CHECK(j["stream"] == "btcusdt@kline_1m");
    CHECK(j["data"]["k"]["x"] == true);
}

TEST_CASE("REST kline row is Binance's array shape", "[exchange][sim]") {
    auto j = json::parse(rest_kline_row(sample()).dump());
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 12);
    CHECK(j[0] == 1677628800000);
    CHECK(j[1] == "23140.48000000");
    CHECK(j[4] == "23142.31000000");
    CHECK(j[5] == "2.13177700");
    CHECK(j[6] == 1677628859999);
    CHECK(j[7].is_string());
    CHECK(j[8] == 42);
    CHECK(j[11] == "0");
}

TEST_CASE("format_units prints exactly eight decimals", "[exchange][sim]") {
    CHECK(format_units(0) == "0.00000000");
    CHECK(format_units(1) == "0.00000001");
    CHECK(format_units(100'000'000) == "1.00000000");
    CHECK(format_units(-150'000'000) == "-1.50000000");
}

TEST_CASE("SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE answer as Binance does", "[exchange][sim]") {
    subscriptions subs;
    CHECK(handle_control_message(R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1m"],"id":1})", subs, exists) ==
          R"({"result":null,"id":1})");
    CHECK(subs.has("btcusdt@kline_1m"));
    CHECK(json::parse(handle_control_message(R"({"method":"SUBSCRIBE","params":["btcusdc@kline_1m"],"id":"a-2"})",
                                             subs, exists)) == json::parse(R"({"result":null,"id":"a-2"})"));
    CHECK(json::parse(handle_control_message(R"({"method":"LIST_SUBSCRIPTIONS","id":3})", subs, exists)) ==
          json::parse(R"({"result":["btcusdt@kline_1m","btcusdc@kline_1m"],"id":3})"));
    CHECK(json::parse(handle_control_message(R"({"method":"UNSUBSCRIBE","params":["btcusdt@kline_1m"],"id":4})",
                                             subs, exists)) == json::parse(R"({"result":null,"id":4})"));
    CHECK(subs.streams == std::vector<std::string>{"btcusdc@kline_1m"});
    CHECK(json::parse(handle_control_message(R"({"method":"GET_PROPERTY","params":["combined"],"id":5})", subs,
                                             exists))["result"] == false);
    handle_control_message(R"({"method":"SET_PROPERTY","params":["combined",true],"id":6})", subs, exists);
    CHECK(subs.combined);
}

TEST_CASE("invalid control messages get a code and keep subscriptions unchanged", "[exchange][sim]") {
    subscriptions subs;
    auto unknown = json::parse(handle_control_message(
        R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1m","ethusdt@kline_1m"],"id":9})", subs, exists));
    CHECK(unknown["code"] == 2);
    CHECK(unknown["id"] == 9);
    CHECK(unknown["msg"].get<std::string>().rfind("Invalid request: ", 0) == 0);
    CHECK(subs.streams.empty());  // all or nothing

    CHECK(json::parse(handle_control_message("not json", subs, exists))["code"] == 3);
    CHECK(json::parse(handle_control_message("[1,2]", subs, exists))["code"] == 2);
    CHECK(json::parse(handle_control_message(R"({"method":"FLY","id":1})", subs, exists))["code"] == 2);
    CHECK(json::parse(handle_control_message(R"({"method":"SUBSCRIBE","params":"x","id":1})", subs, exists))["code"] ==
          2);
    CHECK(json::parse(handle_control_message(R"({"method":"SUBSCRIBE","params":[1],"id":1})", subs, exists))["code"] ==
          2);
    CHECK(json::parse(handle_control_message(R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1m"],"id":1.5})",
                                             subs, exists))["code"] == 2);
    CHECK(subs.streams.empty());
}

TEST_CASE("malformed frames are each broken in their own way", "[exchange][sim]") {
    auto u = sample();
    CHECK(json::parse(malformed_frame(u, malformed_kind::truncated, false), nullptr, false).is_discarded());
    CHECK(json::parse(malformed_frame(u, malformed_kind::truncated, true), nullptr, false).is_discarded());
    auto wrong = json::parse(malformed_frame(u, malformed_kind::wrong_type, true));
    CHECK(wrong["data"]["k"]["o"].is_number());
    auto inverted = json::parse(malformed_frame(u, malformed_kind::high_below_low, false));
    CHECK(std::stod(inverted["k"]["h"].get<std::string>()) < std::stod(inverted["k"]["l"].get<std::string>()));
    auto unknown = json::parse(malformed_frame(u, malformed_kind::unknown_event, false));
    CHECK(unknown["e"] != "kline");
}
