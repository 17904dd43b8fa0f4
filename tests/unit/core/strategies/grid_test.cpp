#include "strategy_test_support.hpp"

#include <catch2/catch.hpp>

using namespace hft::core;
using namespace hft::core::testing;

namespace {

const symbol_rules cent_rules{.tick_size = dec("0.01"), .step_size = dec("0.001")};

grid_params grid_of(const char* lower, const char* upper, std::size_t levels,
                    grid_spacing spacing = grid_spacing::arithmetic) {
    return {dec(lower), dec(upper), levels, spacing, dec("0.5"), cent_rules};
}

std::vector<hft::domain::decimal> prices(std::initializer_list<const char*> texts) {
    std::vector<hft::domain::decimal> out;
    for (const auto* text : texts) out.push_back(dec(text));
    return out;
}

}  // namespace

TEST_CASE("arithmetic grid levels are equally spaced and rounded to the tick", "[strategy][grid]") {
    CHECK(grid_level_prices(grid_of("100", "130", 4)).value() == prices({"100", "110", "120", "130"}));
    // 1 + 1/3 = 1.333... -> 1.33, 1 + 2/3 = 1.666... -> 1.67
    CHECK(grid_level_prices(grid_of("1", "2", 4)).value() == prices({"1", "1.33", "1.67", "2"}));
}

TEST_CASE("geometric grid levels share one ratio", "[strategy][grid]") {
    // ratio (800 / 100)^(1/3) = 2
    CHECK(grid_level_prices(grid_of("100", "800", 4, grid_spacing::geometric)).value() ==
          prices({"100", "200", "400", "800"}));
    // ratio sqrt(2) = 1.41421356...: 141.421356... -> 141.42
    CHECK(grid_level_prices(grid_of("100", "200", 3, grid_spacing::geometric)).value() ==
          prices({"100", "141.42", "200"}));
}

TEST_CASE("grid buys with limits at every level below the first close and none above it", "[strategy][grid]") {
    const auto config = config_for(grid_of("100", "130", 4), "grid");
    auto state = initial_state(config);
    const auto first = decide(config, state, closed_kline(0, "115"));
    REQUIRE(first.size() == 2);
    CHECK(first[0].action == trade_action::buy);
    CHECK(first[0].type == hft::domain::order_type::limit);
    CHECK(first[0].limit_price == dec("100"));
    CHECK(first[0].grid_level == 0);
    CHECK(first[1].limit_price == dec("110"));
    CHECK(first[1].order_id == "grid-" + std::to_string(minute_open_time(0)) + "-1");
    // nothing filled yet: the open buys are not repeated
    CHECK(decide(config, state, closed_kline(1, "105")).front().reason == "no grid slot to arm");
}

TEST_CASE("grid sells a filled level one level up and re-arms its buy once the sell has filled",
          "[strategy][grid]") {
    const auto config = config_for(grid_of("100", "130", 4), "grid");
    auto state = initial_state(config);
    const auto buy_id = decide(config, state, closed_kline(0, "115")).front().order_id;

    REQUIRE(on_fill(state, {buy_id, dec("0.5"), dec("100"), true}).value());
    const auto sell = decide(config, state, closed_kline(1, "101"));
    REQUIRE(sell.size() == 1);
    CHECK(sell[0].action == trade_action::sell);
    CHECK(sell[0].limit_price == dec("110"));
    CHECK(sell[0].quantity == dec("0.5"));

    REQUIRE(on_fill(state, {sell[0].order_id, dec("0.5"), dec("110"), true}).value());
    const auto rearmed = decide(config, state, closed_kline(2, "112"));
    REQUIRE(rearmed.size() == 1);
    CHECK(rearmed[0].action == trade_action::buy);
    CHECK(rearmed[0].limit_price == dec("100"));
}

TEST_CASE("grid sells only the part of a canceled buy that was reported filled", "[strategy][grid]") {
    const auto config = config_for(grid_of("100", "130", 4), "grid");
    auto state = initial_state(config);
    const auto buy_id = decide(config, state, closed_kline(0, "105")).front().order_id;
    REQUIRE(on_fill(state, {buy_id, dec("0.2"), dec("100"), false}).value());
    CHECK(decide(config, state, closed_kline(1, "104")).front().action == trade_action::hold);  // still open
    REQUIRE(on_fill(state, {buy_id, dec("0"), dec("0"), true}).value());  // canceled with 0.2 filled
    const auto sell = decide(config, state, closed_kline(2, "104"));
    CHECK(sell.front().action == trade_action::sell);
    CHECK(sell.front().quantity == dec("0.2"));
}

TEST_CASE("grid params are refused naming the broken field", "[strategy][grid]") {
    CHECK(validate(grid_of("0", "130", 4)).error().field == "lower");
    CHECK(validate(grid_of("130", "130", 4)).error().field == "upper");
    CHECK(validate(grid_of("100", "130", 1)).error().field == "levels");
    // 1.02 - 1 over 4 gaps is 0.005 per level: 1.005 and 1.00 share a tick
    CHECK(validate(grid_of("1", "1.02", 5)).error().message ==
          "are too many for the range: two levels round to the same tick");
    CHECK(validate(grid_of("100", "130", 4)));
}
