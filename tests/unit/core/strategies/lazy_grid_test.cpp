#include "strategy_test_support.hpp"

#include <catch2/catch.hpp>

using namespace hft::core;
using namespace hft::core::testing;

namespace {

/// 1 % levels around the anchor 100: L-1 = 100 / 1.01 = 99.0099 -> 99.00, L-2 = 100 / 1.0201 = 98.0296 -> 98.02.
lazy_grid_params one_percent(const char* budget = "1000", const char* sell_fee = "0") {
    return {dec("0.01"), dec("1"), dec(budget), dec("0"), dec(sell_fee), 0,
            {.tick_size = dec("0.01"), .step_size = dec("1")}};
}

}  // namespace

TEST_CASE("lazy_grid anchors on its first close and buys each level the close falls through",
          "[strategy][lazy_grid]") {
    const auto config = config_for(one_percent(), "lazy");
    auto state = initial_state(config);
    CHECK(decide(config, state, closed_kline(0, "100")).front().reason == "anchored at the close");
    const auto buys = decide(config, state, closed_kline(1, "98.5"));
    REQUIRE(buys.size() == 2);
    CHECK(buys[0].limit_price == dec("99"));
    CHECK(buys[0].grid_level == -1);
    CHECK(buys[1].limit_price == dec("98.02"));
    CHECK(buys[1].type == hft::domain::order_type::limit);
    CHECK(decide(config, state, closed_kline(2, "98.4")).front().reason == "no new level crossed");
}

TEST_CASE("lazy_grid sells a level only after its buy was reported filled, one level up grossed up for the fee",
          "[strategy][lazy_grid]") {
    const auto config = config_for(one_percent("1000", "0.003322"), "lazy");
    auto state = initial_state(config);
    decide(config, state, closed_kline(0, "100"));
    const auto buy_id = decide(config, state, closed_kline(1, "98.5")).front().order_id;
    // the close passed the buy price, but no fill was reported: nothing to sell
    CHECK(decide(config, state, closed_kline(2, "99.5")).front().action == trade_action::hold);

    REQUIRE(on_fill(state, {buy_id, dec("1"), dec("99"), true}).value());
    const auto sell = decide(config, state, closed_kline(3, "99.5"));
    REQUIRE(sell.size() == 1);
    CHECK(sell[0].action == trade_action::sell);
    CHECK(sell[0].limit_price == dec("100.34"));  // level 0 = 100, / (1 - 0.003322) = 100.3333 -> ceiling tick
    CHECK(sell[0].quantity == dec("1"));
}

TEST_CASE("lazy_grid buys no level that would take its commitments past the budget", "[strategy][lazy_grid]") {
    const auto config = config_for(one_percent("150"), "lazy");
    auto state = initial_state(config);
    decide(config, state, closed_kline(0, "100"));
    const auto buys = decide(config, state, closed_kline(1, "98.5"));
    REQUIRE(buys.size() == 1);  // 99 fits 150; 99 + 98.02 does not
    CHECK(buys[0].limit_price == dec("99"));
}

TEST_CASE("lazy_grid re-anchors on a higher close while it holds nothing", "[strategy][lazy_grid]") {
    const auto config = config_for(one_percent(), "lazy");
    auto state = initial_state(config);
    decide(config, state, closed_kline(0, "100"));
    CHECK(decide(config, state, closed_kline(1, "105")).front().reason == "anchored at the close");
    const auto buys = decide(config, state, closed_kline(2, "104"));  // 105 / 1.01 = 103.9603 -> 103.96
    REQUIRE(buys.size() == 1);
    CHECK(buys[0].limit_price == dec("103.96"));
}

TEST_CASE("lazy_grid params are refused naming the broken field", "[strategy][lazy_grid]") {
    auto params = one_percent();
    params.step = dec("1");
    CHECK(validate(params).error().field == "step");
    params = one_percent();
    params.base_quantity = dec("0.5");
    CHECK(validate(params).error().field == "base_quantity");
    params = one_percent();
    params.sell_fee_rate = dec("-0.1");
    CHECK(validate(params).error().field == "sell_fee_rate");
    CHECK(validate(one_percent()));
}
