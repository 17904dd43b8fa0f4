#include "hft/core/symbol_rules.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace hft::core;
using hft::domain::order_type;
using hft::test::dec;

namespace {

// Tokocrypto's BTC_IDR (ccxt's 2026 fixture).
symbol_rules btc_idr() {
    return {.symbol = "BTC_IDR",
            .base_asset = "BTC",
            .quote_asset = "IDR",
            .order_types = {"LIMIT", "MARKET"},
            .min_price = dec("1"),
            .max_price = dec("10000000000"),
            .tick_size = dec("1"),
            .min_qty = dec("0.00001"),
            .max_qty = dec("3"),
            .step_size = dec("0.00001"),
            .min_notional = dec("20000"),
            .max_notional = dec("9000000000")};
}

filter_failure limit_failure(const symbol_rules& rules, const char* price, const char* quantity) {
    const auto checked = check_filters(rules, order_type::limit, dec(price), dec(quantity));
    REQUIRE_FALSE(checked);
    return checked.error();
}

}  // namespace

TEST_CASE("an order inside every filter passes", "[core][symbol_rules]") {
    CHECK(check_filters(btc_idr(), order_type::limit, dec("1000000000"), dec("0.001")));
    CHECK(check_filters(btc_idr(), order_type::market, std::nullopt, dec("0.001"), dec("1000000000")));
}

TEST_CASE("a limit price off the tick breaks PRICE_FILTER, worded like the exchange", "[core][symbol_rules]") {
    const auto failure = limit_failure(btc_idr(), "1000000000.5", "0.001");
    CHECK(failure.filter == symbol_filter::price_filter);
    CHECK(failure.breach == filter_breach::off_step);
    CHECK(failure.message == "Filter failure: PRICE_FILTER: price 1000000000.5 is not a multiple of 1");
}

TEST_CASE("a limit price outside its bounds breaks PRICE_FILTER below or above", "[core][symbol_rules]") {
    const auto low = limit_failure(btc_idr(), "0.5", "3");
    CHECK(low.filter == symbol_filter::price_filter);
    CHECK(low.breach == filter_breach::below_minimum);
    CHECK(low.message == "Filter failure: PRICE_FILTER: price 0.5 is below 1");
    const auto high = limit_failure(btc_idr(), "10000000001", "0.001");
    CHECK(high.breach == filter_breach::above_maximum);
    CHECK(high.message == "Filter failure: PRICE_FILTER: price 10000000001 is above 10000000000");
}

TEST_CASE("a limit order without a price is refused before any filter", "[core][symbol_rules]") {
    const auto checked = check_filters(btc_idr(), order_type::limit, std::nullopt, dec("0.001"));
    REQUIRE_FALSE(checked);
    CHECK(checked.error().filter == symbol_filter::price_filter);
    CHECK(checked.error().breach == filter_breach::missing);
    CHECK(checked.error().message == "a LIMIT order needs a price");
}

TEST_CASE("a quantity outside its bounds or off the step breaks LOT_SIZE", "[core][symbol_rules]") {
    const auto small = limit_failure(btc_idr(), "1000000000", "0.000001");
    CHECK(small.filter == symbol_filter::lot_size);
    CHECK(small.breach == filter_breach::below_minimum);
    CHECK(small.message == "Filter failure: LOT_SIZE: quantity 0.000001 is below 0.00001");
    const auto large = limit_failure(btc_idr(), "1000000000", "4");
    CHECK(large.breach == filter_breach::above_maximum);
    CHECK(large.message == "Filter failure: LOT_SIZE: quantity 4 is above 3");
    const auto off_step = limit_failure(btc_idr(), "1000000000", "0.000015");
    CHECK(off_step.breach == filter_breach::off_step);
    CHECK(off_step.message == "Filter failure: LOT_SIZE: quantity 0.000015 is not a multiple of 0.00001");
}

TEST_CASE("a limit order worth too little or too much breaks NOTIONAL", "[core][symbol_rules]") {
    const auto cheap = limit_failure(btc_idr(), "1000", "0.001");
    CHECK(cheap.filter == symbol_filter::notional);
    CHECK(cheap.breach == filter_breach::below_minimum);
    CHECK(cheap.message == "Filter failure: NOTIONAL: notional 1 is below 20000");
    const auto dear = limit_failure(btc_idr(), "10000000000", "1");
    CHECK(dear.breach == filter_breach::above_maximum);
    CHECK(dear.message == "Filter failure: NOTIONAL: notional 10000000000 is above 9000000000");
}

TEST_CASE("the filters are checked in the exchange's order: price, then quantity, then notional",
          "[core][symbol_rules]") {
    CHECK(limit_failure(btc_idr(), "0.5", "4").filter == symbol_filter::price_filter);
    CHECK(limit_failure(btc_idr(), "1000", "4").filter == symbol_filter::lot_size);
}

TEST_CASE("a market order is valued at its reference price, and not at all without one", "[core][symbol_rules]") {
    const auto cheap = check_filters(btc_idr(), order_type::market, std::nullopt, dec("0.001"), dec("1000"));
    REQUIRE_FALSE(cheap);
    CHECK(cheap.error().filter == symbol_filter::notional);
    CHECK(cheap.error().message == "Filter failure: NOTIONAL: notional 1 is below 20000");
    CHECK(check_filters(btc_idr(), order_type::market, std::nullopt, dec("0.001")));
}

TEST_CASE("a market order ignores its price, and NOTIONAL when the rules exempt market orders",
          "[core][symbol_rules]") {
    CHECK(check_filters(btc_idr(), order_type::market, dec("0.5"), dec("0.001"), dec("1000000000")));
    auto exempt = btc_idr();
    exempt.notional_applies_to_market = false;
    CHECK(check_filters(exempt, order_type::market, std::nullopt, dec("0.001"), dec("1000")));
    CHECK(check_filters(exempt, order_type::limit, dec("1000"), dec("0.001")).error().filter ==
          symbol_filter::notional);
    CHECK(check_filters(exempt, order_type::market, std::nullopt, dec("4"), dec("1000")).error().filter ==
          symbol_filter::lot_size);
}

TEST_CASE("a symbol closed for trading refuses every order first", "[core][symbol_rules]") {
    auto closed = btc_idr();
    closed.trading_enabled = false;
    const auto checked = check_filters(closed, order_type::limit, dec("1000000000"), dec("0.001"));
    REQUIRE_FALSE(checked);
    CHECK(checked.error().filter == symbol_filter::trading);
    CHECK(checked.error().breach == filter_breach::closed);
    CHECK(checked.error().message == "BTC_IDR is not open for trading");
}

TEST_CASE("a zero bound or increment disables its check", "[core][symbol_rules]") {
    const symbol_rules unbounded{.symbol = "ANY"};
    CHECK(check_filters(unbounded, order_type::limit, dec("0.123456789"), dec("123456789.1")));
    CHECK(check_filters(unbounded, order_type::market, std::nullopt, dec("0.000000001"), dec("0.000000001")));
}

TEST_CASE("the tick and step count from the minimum, as on the exchange", "[core][symbol_rules]") {
    const symbol_rules offset{.symbol = "ODD", .min_price = dec("0.5"), .tick_size = dec("1"),
                              .min_qty = dec("0.3"), .step_size = dec("0.5")};
    CHECK(check_filters(offset, order_type::limit, dec("1.5"), dec("0.8")));
    CHECK(limit_failure(offset, "2", "0.8").breach == filter_breach::off_step);
    CHECK(limit_failure(offset, "1.5", "1").filter == symbol_filter::lot_size);
}

TEST_CASE("a notional too large for a decimal breaks NOTIONAL instead of overflowing", "[core][symbol_rules]") {
    const symbol_rules unbounded{.symbol = "ANY"};
    const auto huge = dec("10000000000000000000000000");
    const auto checked = check_filters(unbounded, order_type::limit, huge, huge);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().filter == symbol_filter::notional);
    CHECK(checked.error().breach == filter_breach::overflow);
    CHECK(checked.error().message == "Filter failure: NOTIONAL: price * quantity overflows");
}

TEST_CASE("an order sized by what it spends is checked on NOTIONAL alone", "[core][symbol_rules]") {
    CHECK(check_notional(btc_idr(), dec("20000")));
    const auto low = check_notional(btc_idr(), dec("19999"));
    REQUIRE_FALSE(low);
    CHECK(low.error().breach == filter_breach::below_minimum);
    CHECK(low.error().message == "Filter failure: NOTIONAL: notional 19999 is below 20000");
    CHECK(check_notional(btc_idr(), dec("9000000001")).error().breach == filter_breach::above_maximum);
}

TEST_CASE("quantizing to the rules needs a tick and a step above zero", "[core][symbol_rules]") {
    CHECK(validate_increments({.tick_size = dec("0.01"), .step_size = dec("0.001")}));
    CHECK(validate_increments({.tick_size = dec("0"), .step_size = dec("0.001")}).error().field == "tick_size");
    CHECK(validate_increments({.tick_size = dec("0.01"), .step_size = dec("-1")}).error().field == "step_size");
}
