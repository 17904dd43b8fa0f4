#pragma once

// Bounded grid: `levels` prices from `lower` to `upper`, arithmetic or geometric. Slot i buys
// `quantity` with a LIMIT at level i while that level is below the close, and once fills are reported sells
// what it holds with a LIMIT at level i + 1; when the sell has filled, the slot re-arms its buy on the next
// kline. Slots are independent, so a range-bound market is harvested level by level.

#include "hft/core/strategy_types.hpp"
#include "hft/domain/kline.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hft::core {

enum class grid_spacing : std::uint8_t {
    arithmetic,  ///< equal price differences
    geometric,   ///< equal price ratios
};

/// Most levels a grid may have: each slot can order once per kline, within max_decisions_per_kline.
inline constexpr std::size_t max_grid_levels = 500;

struct grid_params {
    domain::decimal lower;  ///< > 0
    domain::decimal upper;  ///< > lower
    std::size_t levels = 0;  ///< 2..max_grid_levels, including both bounds
    grid_spacing spacing = grid_spacing::arithmetic;
    domain::decimal quantity;  ///< bought per slot; a positive multiple of the step size
    symbol_rules rules;
};

/// Also refuses a grid whose levels collapse onto the same tick.
expected<void, domain::field_error> validate(const grid_params& params);

/// The level prices, ascending, each the nearest multiple of the tick (half-even); the ends are lower and upper
/// quantized. Geometric levels use the ratio (upper / lower)^(1 / (levels - 1)), found by bisection at 18 digits.
expected<std::vector<domain::decimal>, domain::decimal_error> grid_level_prices(const grid_params& params);

enum class grid_slot_status : std::uint8_t {
    idle,     ///< nothing open, nothing held: arms its buy when its level is below the close
    buying,   ///< a buy is open
    holding,  ///< bought (from reported fills), its sell not yet sent
    selling,  ///< a sell is open
};

struct grid_slot {
    domain::decimal buy_price;   ///< level i
    domain::decimal sell_price;  ///< level i + 1
    grid_slot_status status = grid_slot_status::idle;
    std::string order_id;   ///< the open order, while buying or selling
    domain::decimal held;   ///< base bought and not yet sold, from fills

    friend bool operator==(const grid_slot&, const grid_slot&) = default;
};

struct grid_state {
    std::vector<grid_slot> slots;  ///< levels - 1, lowest first
};

/// Expects validated params.
grid_state initial_state(const grid_params& params);

expected<void, domain::decimal_error> on_kline(const grid_params& params, grid_state& state, const domain::kline& k,
                                               decision_sink& sink);

expected<bool, domain::decimal_error> on_fill(grid_state& state, const fill_report& fill);

}  // namespace hft::core
