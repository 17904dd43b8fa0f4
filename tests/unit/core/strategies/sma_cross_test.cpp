#include "strategy_test_support.hpp"

#include <catch2/catch.hpp>

using namespace hft::core;
using namespace hft::core::testing;

namespace {

strategy_config sma_config(average_kind average = average_kind::simple) {
    return config_for(
        sma_cross_params{average, 2, 3, dec("0.5"), {.tick_size = dec("0.01"), .step_size = dec("0.001")}}, "sma");
}

/// Closes 12, 11, 10, 13, 14: fast(2) 11.5 > slow(3) 11.33 first on the fourth kline.
std::vector<std::vector<decision>> feed(const strategy_config& config, strategy_state& state,
                                        std::initializer_list<const char*> closes, int first_minute = 0) {
    std::vector<std::vector<decision>> per_kline;
    int minute = first_minute;
    for (const auto* close : closes) per_kline.push_back(decide(config, state, closed_kline(minute++, close)));
    return per_kline;
}

}  // namespace

TEST_CASE("sma_cross buys once on the kline where the fast average crosses above the slow one",
          "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    const auto decisions = feed(config, state, {"12", "11", "10", "13", "14"});

    CHECK(decisions[0].front().reason == "warming up");
    CHECK(decisions[1].front().reason == "warming up");
    CHECK(decisions[2].front().reason == "no cross");  // fast 10.5 < slow 11: the first relation, not a cross
    REQUIRE(decisions[3].size() == 1);                 // fast (10+13)/2 = 11.5 > slow (11+10+13)/3 = 11.33
    const auto& buy = decisions[3].front();
    CHECK(buy.action == trade_action::buy);
    CHECK(buy.type == hft::domain::order_type::market);
    CHECK(buy.quantity == dec("0.5"));
    CHECK(buy.reason == "golden cross");
    CHECK(buy.order_id == "sma-" + std::to_string(minute_open_time(3)) + "-0");
    CHECK(decisions[4].front().action == trade_action::hold);  // still above: no second buy
}

TEST_CASE("sma_cross sells only what fills reported, on the death cross", "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    const auto decisions = feed(config, state, {"12", "11", "10", "13", "14"});
    const auto buy_id = decisions[3].front().order_id;

    REQUIRE(on_fill(state, {buy_id, dec("0.3"), dec("13"), false}).value());
    REQUIRE(on_fill(state, {buy_id, dec("0.2"), dec("13.01"), true}).value());
    CHECK_FALSE(on_fill(state, {"someone-else", dec("1"), dec("13"), true}).value());

    // fast (14+8)/2 = 11 < slow (13+14+8)/3 = 11.67: death cross
    const auto sell = decide(config, state, closed_kline(5, "8"));
    REQUIRE(sell.size() == 1);
    CHECK(sell.front().action == trade_action::sell);
    CHECK(sell.front().quantity == dec("0.5"));
    CHECK(sell.front().reason == "death cross");
}

TEST_CASE("sma_cross holds on the death cross while its buy has no reported fill", "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    feed(config, state, {"12", "11", "10", "13", "14"});
    const auto death = decide(config, state, closed_kline(5, "8"));
    CHECK(death.front().action == trade_action::hold);
    CHECK(death.front().reason == "cross while an order is open");
}

TEST_CASE("sma_cross holds on exactly equal averages and keeps the last relation", "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    // 10, 10, 10: fast 10 = slow 10; then 9: fast 9.5 < slow 9.67, the first relation, so no cross
    const auto decisions = feed(config, state, {"10", "10", "10", "9"});
    CHECK(decisions[2].front().reason == "averages equal");
    CHECK(decisions[3].front().reason == "no cross");
}

TEST_CASE("sma_cross counts a difference below the averages' 18-digit rounding as a cross", "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    // 3, 1, 1: fast 1 < slow 1.67. Then 1.000000000000000001: fast exceeds slow by 1e-18 / 6, which both round
    // away at 18 digits (they would read 1 and 1), yet the averages differ: a golden cross.
    const auto decisions = feed(config, state, {"3", "1", "1", "1.000000000000000001"});
    CHECK(decisions[2].front().reason == "no cross");
    CHECK(decisions[3].front().reason == "golden cross");
}

TEST_CASE("sma_cross with exponential averages warms up for the slow period and then trades its crosses",
          "[strategy][sma_cross]") {
    const auto config = sma_config(average_kind::exponential);
    auto state = initial_state(config);
    // ema(2) alpha 2/3, ema(3) alpha 1/2, both seeded 12:
    //   11 -> fast 12 - 2/3 = 11.333..., slow 11.5;  10 -> fast 10.444..., slow 10.75 (defined: below)
    //   13 -> fast 10.444... + 2.555.../1.5 = 12.148..., slow 11.875: golden cross
    const auto decisions = feed(config, state, {"12", "11", "10", "13"});
    CHECK(decisions[1].front().reason == "warming up");
    CHECK(decisions[2].front().reason == "no cross");
    CHECK(decisions[3].front().action == trade_action::buy);
}

TEST_CASE("a strategy skips forming, repeated, older and foreign klines without deciding", "[strategy]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    std::vector<decision> out;
    REQUIRE(on_kline(config, state, closed_kline(1, "10"), out).value() == kline_outcome::evaluated);

    auto forming = closed_kline(2, "11");
    forming.is_closed = false;
    CHECK(on_kline(config, state, forming, out).value() == kline_outcome::not_closed);
    CHECK(on_kline(config, state, closed_kline(1, "10"), out).value() == kline_outcome::stale);
    CHECK(on_kline(config, state, closed_kline(0, "10"), out).value() == kline_outcome::stale);
    auto foreign = closed_kline(2, "11");
    foreign.symbol = "BTCUSDC";
    CHECK(on_kline(config, state, foreign, out).value() == kline_outcome::other_market);
    CHECK(out.size() == 1);  // only the first kline's hold
}

TEST_CASE("re-evaluating a kline from the state before it gives the same orders with the same ids",
          "[strategy][sma_cross]") {
    const auto config = sma_config();
    auto state = initial_state(config);
    feed(config, state, {"12", "11", "10"});
    auto replayed = state;
    const auto first = decide(config, state, closed_kline(3, "13"));
    const auto second = decide(config, replayed, closed_kline(3, "13"));
    CHECK(first == second);
    CHECK(first.front().action == trade_action::buy);
}

TEST_CASE("sma_cross params are refused naming the broken field", "[strategy][sma_cross]") {
    const symbol_rules rules{.tick_size = dec("0.01"), .step_size = dec("0.001")};
    CHECK(validate(sma_cross_params{average_kind::simple, 0, 3, dec("1"), rules}).error().field == "fast_period");
    CHECK(validate(sma_cross_params{average_kind::simple, 3, 3, dec("1"), rules}).error().field == "slow_period");
    CHECK(validate(sma_cross_params{average_kind::simple, 2, 3, dec("0"), rules}).error().field == "quantity");
    CHECK(validate(sma_cross_params{average_kind::simple, 2, 3, dec("0.0005"), rules}).error().message ==
          "must be a multiple of step_size");
    const symbol_rules no_tick{.tick_size = dec("0"), .step_size = dec("1")};
    CHECK(validate(sma_cross_params{average_kind::simple, 2, 3, dec("1"), no_tick}).error().field == "tick_size");
    CHECK(validate(config_for(sma_cross_params{average_kind::simple, 2, 3, dec("1"), rules}, "bad id"))
              .error()
              .field == "id");
}
