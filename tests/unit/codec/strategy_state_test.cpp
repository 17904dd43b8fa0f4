#include "hft/codec/strategy_state.hpp"

#include "unit/core/strategies/strategy_test_support.hpp"

#include <catch2/catch.hpp>

using namespace hft::core;
using namespace hft::core::testing;
using hft::codec::decode_strategy_state;
using hft::codec::encode;

namespace {

strategy_config sma_config(average_kind average) {
    return config_for(
        sma_cross_params{average, 2, 3, dec("0.5"), {.tick_size = dec("0.01"), .step_size = dec("0.001")}}, "sma");
}

strategy_config grid_config() {
    return config_for(grid_params{dec("100"), dec("130"), 4, grid_spacing::arithmetic, dec("0.5"),
                                  {.tick_size = dec("0.01"), .step_size = dec("0.001")}},
                      "grid");
}

/// Runs `closes` through a strategy, then through a copy restored from its JSON, and compares what both decide.
void check_restored_state_decides_alike(const strategy_config& config, std::initializer_list<const char*> closes,
                                        const char* next_close) {
    auto state = initial_state(config);
    int minute = 0;
    for (const auto* close : closes) {
        const auto decisions = decide(config, state, closed_kline(minute++, close));
        if (decisions.front().action != trade_action::hold) {
            REQUIRE(on_fill(state, {decisions.front().order_id, dec("0.5"), dec(close), true}).value());
        }
    }
    const auto decoded = decode_strategy_state(config, encode(state));
    REQUIRE(decoded.has_value());
    auto restored = *decoded;
    CHECK(restored.last_open_time == state.last_open_time);
    CHECK(decide(config, restored, closed_kline(minute, next_close)) ==
          decide(config, state, closed_kline(minute, next_close)));
}

}  // namespace

TEST_CASE("an sma_cross state restored from its JSON decides like the original", "[strategy][codec]") {
    check_restored_state_decides_alike(sma_config(average_kind::simple), {"12", "11", "10", "13", "14"}, "8");
    check_restored_state_decides_alike(sma_config(average_kind::exponential), {"12", "11", "10", "13", "14"}, "8");
}

TEST_CASE("a grid state restored from its JSON keeps its slots' orders and holdings", "[strategy][codec]") {
    check_restored_state_decides_alike(grid_config(), {"115", "101"}, "112");
}

TEST_CASE("a lazy_grid state restored from its JSON keeps its anchor and bought levels", "[strategy][codec]") {
    const auto config = config_for(lazy_grid_params{dec("0.01"), dec("1"), dec("1000"), dec("0"), dec("0.003322"), 0,
                                                     {.tick_size = dec("0.01"), .step_size = dec("1")}},
                                   "lazy");
    check_restored_state_decides_alike(config, {"100", "98.5"}, "99.5");
}

TEST_CASE("a stored state of another kind or another grid shape is refused naming the field", "[strategy][codec]") {
    const auto sma_json = encode(initial_state(sma_config(average_kind::simple)));
    CHECK(decode_strategy_state(grid_config(), sma_json).error().field == "kind");

    auto wider = grid_config();
    std::get<grid_params>(wider.params).levels = 5;
    CHECK(decode_strategy_state(wider, encode(initial_state(grid_config()))).error().field == "slots");
}
