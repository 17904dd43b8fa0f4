#include "hft/bus/subjects.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace hft::bus;

TEST_CASE("kline subjects upper-case the symbol and keep the token order", "[bus]") {
    CHECK(kline_subject("binance", "btcusdt", "1m") == "kline.data.binance.BTCUSDT.1m");
    CHECK(kline_subject("tokocrypto", "ETHUSDT", "1h") == "kline.data.tokocrypto.ETHUSDT.1h");
}

TEST_CASE("a kline subject reads back as the market it names", "[bus]") {
    const auto subject = kline_subject("sim", "btcusdt", "1m");
    const auto market = parse_kline_subject(subject);
    REQUIRE(market.has_value());
    CHECK(*market == hft::domain::kline_market{"sim", "BTCUSDT", "1m"});
}

TEST_CASE("a subject that is not kline.data with three tokens names no market", "[bus]") {
    for (const auto* subject : {"kline.data", "kline.data.", "kline.data.sim.BTCUSDT", "kline.data.sim.BTC.USDT.1m",
                                "kline.data..BTCUSDT.1m", "kline.data.sim..1m", "kline.data.sim.BTCUSDT.",
                                "order_engine.order_update.sim.BTCUSDT", "kline.datum.sim.BTCUSDT.1m"}) {
        INFO(subject);
        CHECK_FALSE(parse_kline_subject(subject).has_value());
    }
}

TEST_CASE("order engine subjects are fixed and order updates name exchange and symbol", "[bus]") {
    CHECK(place_order_subject() == "order_engine.place_order");
    CHECK(cancel_order_subject() == "order_engine.cancel_order");
    CHECK(order_update_subject("binance", "btcusdt") == "order_engine.order_update.binance.BTCUSDT");
}

TEST_CASE("dead letter subjects lower-case the stream name", "[bus]") {
    CHECK(dlq_subject("KLINE") == "dlq.kline");
    CHECK(dlq_subject("ORDER_ENGINE") == "dlq.order_engine");
}

TEST_CASE("closed kline message ids ignore the event time so gateways dedupe", "[bus]") {
    const auto a = kline_msg_id("binance", "btcusdt", "1m", 1700000000000, true, 1700000059999);
    const auto b = kline_msg_id("binance", "BTCUSDT", "1m", 1700000000000, true, 1700000060123);
    CHECK(a == "binance.BTCUSDT.1m.1700000000000.closed");
    CHECK(a == b);
}

TEST_CASE("open kline message ids carry the event time", "[bus]") {
    CHECK(kline_msg_id("binance", "BTCUSDT", "1m", 1700000000000, false, 1700000001234) ==
          "binance.BTCUSDT.1m.1700000000000.1700000001234");
    CHECK(kline_msg_id("binance", "BTCUSDT", "1m", 1, false, 2) !=
          kline_msg_id("binance", "BTCUSDT", "1m", 1, false, 3));
}

TEST_CASE("subject tokens with dots, wildcards, whitespace or nothing are rejected", "[bus]") {
    CHECK_THROWS_AS(kline_subject("bin.ance", "BTCUSDT", "1m"), std::invalid_argument);
    CHECK_THROWS_AS(kline_subject("binance", "BTC*", "1m"), std::invalid_argument);
    CHECK_THROWS_AS(kline_subject("binance", "BTCUSDT", ">"), std::invalid_argument);
    CHECK_THROWS_AS(kline_subject("binance", "BTC USDT", "1m"), std::invalid_argument);
    CHECK_THROWS_AS(kline_subject("binance", "", "1m"), std::invalid_argument);
    CHECK_THROWS_AS(order_update_subject("binance", "BTC\tUSDT"), std::invalid_argument);
    CHECK_THROWS_AS(dlq_subject(""), std::invalid_argument);
    CHECK_THROWS_AS(kline_msg_id("binance", "BTC.USDT", "1m", 1, true, 2), std::invalid_argument);
    CHECK_THROWS_WITH(kline_subject("binance", "BTC.USDT", "1m"), Catch::Contains("symbol"));
}
