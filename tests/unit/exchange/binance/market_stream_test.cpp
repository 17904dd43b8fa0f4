#include "hft/exchange/binance/market_stream.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hft::exchange::binance;
using hft::test::dec;
using hft::test::read_fixture;

TEST_CASE("kline stream names are the lower-cased stream symbol and the interval", "[exchange][binance]") {
    CHECK(kline_stream_name("tkoidr", "1m") == "tkoidr@kline_1m");
    CHECK(kline_stream_name("BTCUSDT", "1s") == "btcusdt@kline_1s");
}

TEST_CASE("stream requests carry the method, every stream and the id", "[exchange][binance]") {
    const std::vector<std::string> streams{"btcusdt@kline_1m", "btcusdc@kline_1m"};
    const auto request = nlohmann::json::parse(stream_request("SUBSCRIBE", streams, 7));
    CHECK(request == nlohmann::json::parse(
                         R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1m","btcusdc@kline_1m"],"id":7})"));
}

TEST_CASE("a stored subscription payload names the streams it subscribes", "[exchange][binance]") {
    // A kline_subscriptions payload as operators write it, spaces included.
    const auto streams = subscribed_streams(R"({"id": 1, "method": "SUBSCRIBE", "params": ["tkoidr@kline_1m"]})");
    REQUIRE(streams);
    CHECK(*streams == std::vector<std::string>{"tkoidr@kline_1m"});
}

TEST_CASE("a payload that is not a SUBSCRIBE request is refused with the reason", "[exchange][binance]") {
    CHECK(subscribed_streams("not json").error() == "payload is not a JSON object");
    CHECK(subscribed_streams(R"({"method":"UNSUBSCRIBE","params":["a@kline_1m"]})").error().find("SUBSCRIBE") !=
          std::string::npos);
    CHECK(subscribed_streams(R"({"method":"SUBSCRIBE","params":[]})").error().find("params") != std::string::npos);
    CHECK(subscribed_streams(R"({"method":"SUBSCRIBE","params":[1]})").error().find("params") != std::string::npos);
}

TEST_CASE("the kline history target names symbol, interval, inclusive times and limit", "[exchange][binance]") {
    CHECK(klines_history_target("btcusdt", "1m", 1000, 61000, 1000) ==
          "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1000&endTime=61000&limit=1000");
}

TEST_CASE("the documented kline history answer becomes closed backfill klines", "[exchange][binance]") {
    const auto klines = parse_klines_history(read_fixture("binance/rest_klines_doc_example.json"), "binance",
                                             "BNBBTC", "1w");
    REQUIRE(klines);
    REQUIRE(klines->size() == 1);
    const auto& k = klines->front();
    CHECK(k.exchange == "binance");
    CHECK(k.symbol == "BNBBTC");
    CHECK(k.interval == "1w");
    CHECK(k.open_time == 1499040000000);
    CHECK(k.close_time == 1499644799999);
    CHECK(k.open == dec("0.01634790"));
    CHECK(k.high == dec("0.80000000"));
    CHECK(k.low == dec("0.01575800"));
    CHECK(k.close == dec("0.01577100"));
    CHECK(k.base_volume == dec("148976.11427815"));
    CHECK(k.quote_volume == dec("2434.19055334"));
    CHECK(k.trade_count == 308);
    CHECK(k.taker_base_volume == dec("1756.87402397"));
    CHECK(k.taker_quote_volume == dec("28.46694368"));
    CHECK(k.is_closed);
    CHECK(k.event_time == k.close_time);
    CHECK(k.source == hft::domain::kline_source::backfill);
}

TEST_CASE("a kline history answer with one bad row is refused as a whole, naming the row", "[exchange][binance]") {
    const auto row = [](std::string_view open) {
        return std::string(R"([1499040000000,")") + std::string(open) +
               R"(","0.8","0.01","0.02","1",1499644799999,"1",3,"0.5","0.01","0"])";
    };
    CHECK(parse_klines_history("[" + row("0.02") + "," + row("1e5") + "]", "binance", "BNBBTC", "1w").error() ==
          "kline history row 1: open is not an exact decimal");
    CHECK(parse_klines_history("[" + row("0.9") + "]", "binance", "BNBBTC", "1w").error().starts_with(
        "kline history row 0:"));  // open above high
    CHECK(parse_klines_history(R"({"code":-1121,"msg":"Invalid symbol."})", "binance", "X", "1m").error() ==
          "kline history is not an array");
    CHECK(parse_klines_history("[[1,2]]", "binance", "X", "1m").error().find("row 0") != std::string::npos);
    CHECK(parse_klines_history("", "binance", "X", "1m").error() == "kline history is not JSON");
}
