#include "hft/core/strategies/sma_cross.hpp"

namespace hft::core {

using domain::decimal_error;
using domain::field_error;

expected<void, field_error> validate(const sma_cross_params& params) noexcept {
    const auto fail = [](std::string_view field, std::string_view message) {
        return unexpected(field_error{field, message});
    };
    if (params.fast_period < 1) return fail("fast_period", "must be at least 1");
    if (params.slow_period <= params.fast_period) return fail("slow_period", "must be greater than fast_period");
    if (auto rules = validate_increments(params.rules); !rules) return rules;
    if (!params.quantity.is_positive()) return fail("quantity", "must be greater than 0");
    if (!params.quantity.is_multiple_of(params.rules.step_size)) {
        return fail("quantity", "must be a multiple of step_size");
    }
    return {};
}

sma_cross_state initial_state(const sma_cross_params& params) {
    return {moving_average(params.average, params.fast_period), moving_average(params.average, params.slow_period),
            std::nullopt, {}, std::nullopt, trade_action::hold};
}

expected<void, decimal_error> on_kline(const sma_cross_params& params, sma_cross_state& state,
                                       const domain::kline& k, decision_sink& sink) {
    if (auto added = state.fast.add(k.close); !added) return added;
    if (auto added = state.slow.add(k.close); !added) return added;
    const auto relation = compare_averages(state.fast, state.slow);
    if (!relation) {
        sink.hold("warming up");
        return {};
    }
    if (*relation == 0) {
        sink.hold("averages equal");  // the last strict relation stands, so touching is not a cross
        return {};
    }
    const bool above = *relation > 0;
    const bool crossed = state.fast_above && *state.fast_above != above;
    state.fast_above = above;
    if (!crossed) {
        sink.hold("no cross");
        return {};
    }
    if (state.open_order_id) {
        sink.hold("cross while an order is open");
        return {};
    }
    // What is below one step (a fee's remainder) cannot be sold: it counts as flat.
    const auto sellable = state.position.quantize_to_step(params.rules.step_size, domain::rounding::down);
    if (!sellable) return unexpected(sellable.error());
    if (above) {
        if (sellable->is_positive()) {
            sink.hold("golden cross while already long");
            return {};
        }
        state.open_order_id = sink.order(trade_action::buy, params.quantity, std::nullopt, "golden cross");
        state.open_order_action = trade_action::buy;
        return {};
    }
    if (!sellable->is_positive()) {
        sink.hold("death cross without a position");
        return {};
    }
    state.open_order_id = sink.order(trade_action::sell, *sellable, std::nullopt, "death cross");
    state.open_order_action = trade_action::sell;
    return {};
}

expected<bool, decimal_error> on_fill(sma_cross_state& state, const fill_report& fill) {
    if (!state.open_order_id || *state.open_order_id != fill.order_id) return false;
    const auto position = state.open_order_action == trade_action::buy ? state.position.checked_add(fill.quantity)
                                                                        : state.position.checked_sub(fill.quantity);
    if (!position) return unexpected(position.error());
    state.position = *position;
    if (fill.order_closed) state.open_order_id.reset();
    return true;
}

}  // namespace hft::core
