#include "hft/services/market_data_plan.hpp"

#include <catch2/catch.hpp>

using namespace hft::services;
using hft::store::kline_subscription;

namespace {

const std::vector<hft::domain::symbol_mapping> mappings{
    {"tokocrypto", "TKOIDR", "tkoidr", "TKO_IDR"},
    {"tokocrypto", "BTCIDR", "btcidr", "BTC_IDR"},
    {"sim", "BTCUSDT", "btcusdt", "BTC_USDT"},
};

// A subscription row as operators write it: the order form as symbol, the request stored verbatim.
const kline_subscription verbatim_row{"2675c22f", "tokocrypto", "TKO_IDR", "1m",
                                  R"({"id": 1, "method": "SUBSCRIBE", "params": ["tkoidr@kline_1m"]})"};

bool mentions(const std::vector<std::string>& problems, std::string_view text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a subscription row in the order form streams its canonical symbol with the payload sent verbatim",
          "[services][market-data]") {
    const auto plan = make_plan(std::vector{verbatim_row}, mappings);
    CHECK(plan.problems.empty());
    REQUIRE(plan.venues.contains("tokocrypto"));
    const auto& streams = plan.venues.at("tokocrypto").streams;
    REQUIRE(streams.size() == 1);
    CHECK(streams[0].symbol == "TKOIDR");
    CHECK(streams[0].interval == "1m");
    CHECK(streams[0].stream_names == std::vector<std::string>{"tkoidr@kline_1m"});
    CHECK(streams[0].payload == verbatim_row.payload);
}

TEST_CASE("an empty payload leaves the request to the gateway", "[services][market-data]") {
    const auto plan = make_plan(std::vector{kline_subscription{"1", "sim", "btcusdt", "1s", "{}"}}, mappings);
    const auto& stream = plan.venues.at("sim").streams.at(0);
    CHECK(stream.symbol == "BTCUSDT");
    CHECK(stream.stream_names == std::vector<std::string>{"btcusdt@kline_1s"});
    CHECK(stream.payload.empty());
}

TEST_CASE("unusable subscription rows are left out with a problem that says how to fix them",
          "[services][market-data]") {
    const std::vector<kline_subscription> rows{
        {"a", "tokocrypto", "DOGE_IDR", "1m", "{}"},
        {"b", "tokocrypto", "BTCIDR", "1m", R"({"method":"SUBSCRIBE","params":["btcidr@kline_5m"]})"},
        {"c", "tokocrypto", "BTCIDR", "5m", "[1,2]"},
        {"d", "tokocrypto", "TKOIDR", "1m", "{}"},
        {"e", "tokocrypto", "tkoidr", "1m", "{}"},
    };
    const auto plan = make_plan(rows, mappings);
    CHECK(mentions(plan.problems, "no symbol_mappings row names DOGE_IDR"));
    CHECK(mentions(plan.problems, "payload does not subscribe btcidr@kline_1m"));
    CHECK(mentions(plan.problems, "row c"));
    CHECK(mentions(plan.problems, "another row already subscribes TKOIDR 1m"));
    REQUIRE(plan.venues.at("tokocrypto").streams.size() == 1);
    CHECK(plan.venues.at("tokocrypto").streams[0].subscription_id == "d");
}

TEST_CASE("an exchange whose subscriptions are all unusable gets no venue", "[services][market-data]") {
    const auto plan = make_plan(std::vector{kline_subscription{"a", "okx", "BTC-USDT", "1m", "{}"}}, mappings);
    CHECK(plan.venues.empty());
    CHECK(plan.problems.size() == 1);
}

TEST_CASE("the difference between two plans lists added and removed streams", "[services][market-data]") {
    const kline_subscription usdt{"1", "sim", "BTCUSDT", "1m", "{}"};
    const kline_subscription usdt_1s{"2", "sim", "BTCUSDT", "1s", "{}"};
    const auto before = make_plan(std::vector{usdt}, mappings).venues.at("sim");
    const auto after = make_plan(std::vector{usdt_1s}, mappings).venues.at("sim");
    const auto change = diff(before, after);
    REQUIRE(change.added.size() == 1);
    REQUIRE(change.removed.size() == 1);
    CHECK(change.added[0].interval == "1s");
    CHECK(change.removed[0].interval == "1m");
    CHECK(diff(before, before).empty());
}

TEST_CASE("venue endpoints come from config, else the venue's public defaults", "[services][market-data]") {
    hft::app::config cfg;
    cfg.exchanges["sim"].stream_url = "ws://127.0.0.1:9000";
    cfg.exchanges["sim"].base_url = "http://127.0.0.1:9000";
    const auto sim = endpoints_for("sim", cfg);
    REQUIRE(sim);
    CHECK(sim->stream_url == "ws://127.0.0.1:9000/stream");
    CHECK(sim->rest_url == "http://127.0.0.1:9000");

    const auto toko = endpoints_for("tokocrypto", cfg);
    REQUIRE(toko);
    CHECK(toko->stream_url == "wss://stream-cloud.tokocrypto.site/stream");
    CHECK(toko->rest_url == "https://www.tokocrypto.site");

    cfg.exchanges["binance"].stream_url = "wss://data-stream.binance.vision/stream";
    CHECK(endpoints_for("binance", cfg)->stream_url == "wss://data-stream.binance.vision/stream");

    const auto unknown = endpoints_for("okx", cfg);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().find("exchanges.okx.stream_url is missing") != std::string::npos);
}
