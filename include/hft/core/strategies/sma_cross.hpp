#pragma once

// Moving-average crossover: buy `quantity` at market on the kline where the fast average closes above the slow
// one (golden cross), sell the whole position at market where it closes below (death cross). Nothing happens
// until both averages are defined (warm-up), and at most one order is in flight. Simple averages compare exactly
// (see compare_averages): equal means equal sums per period, and any difference, however small, is a relation.

#include "hft/core/indicators.hpp"
#include "hft/core/strategy_types.hpp"
#include "hft/domain/kline.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace hft::core {

struct sma_cross_params {
    average_kind average = average_kind::simple;
    std::size_t fast_period = 0;  ///< >= 1
    std::size_t slow_period = 0;  ///< > fast_period
    domain::decimal quantity;     ///< bought on a golden cross; a positive multiple of the step size
    symbol_rules rules;
};

expected<void, domain::field_error> validate(const sma_cross_params& params) noexcept;

struct sma_cross_state {
    moving_average fast;
    moving_average slow;
    std::optional<bool> fast_above;  ///< the last strict relation of the two averages, once both are defined
    domain::decimal position;        ///< base asset held, from reported fills only
    std::optional<std::string> open_order_id;
    trade_action open_order_action = trade_action::hold;  ///< the side of open_order_id
};

sma_cross_state initial_state(const sma_cross_params& params);

/// One closed, fresh kline of the strategy's market (the caller filters; see strategy.hpp).
expected<void, domain::decimal_error> on_kline(const sma_cross_params& params, sma_cross_state& state,
                                               const domain::kline& k, decision_sink& sink);

/// Applies a fill of the open order; false if the report is about another order.
expected<bool, domain::decimal_error> on_fill(sma_cross_state& state, const fill_report& fill);

}  // namespace hft::core
