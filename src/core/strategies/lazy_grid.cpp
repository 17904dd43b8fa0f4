#include "hft/core/strategies/lazy_grid.hpp"

#include <algorithm>

namespace hft::core {

using domain::decimal;
using domain::decimal_error;
using domain::field_error;
using domain::rounding;

namespace {

constexpr decimal one = decimal::from_integer(1);

/// anchor * (1 + step)^level at 18 digits (half-even per product), before any tick rounding.
expected<decimal, decimal_error> level_price(const lazy_grid_params& params, const decimal& anchor, int level) {
    auto growth = one.checked_add(params.step);
    auto factor = expected<decimal, decimal_error>(one);
    for (int i = 0; growth && factor && i < (level < 0 ? -level : level); ++i) {
        factor = factor->checked_mul(*growth, rounding::half_even);
    }
    if (!growth) return growth;
    if (!factor) return factor;
    return level < 0 ? anchor.checked_div(*factor, decimal::max_scale, rounding::half_even)
                     : anchor.checked_mul(*factor, rounding::half_even);
}

/// The level whose band [price(L), price(L + 1)) holds `close`, walking from `from`.
expected<int, decimal_error> level_of(const lazy_grid_params& params, const decimal& anchor, const decimal& close,
                                      int from) {
    int level = from;
    for (;;) {
        const auto low = level_price(params, anchor, level);
        if (!low) return unexpected(low.error());
        if (close < *low) {
            --level;
            continue;
        }
        const auto high = level_price(params, anchor, level + 1);
        if (!high) return unexpected(high.error());
        if (close < *high) return level;
        ++level;
    }
}

}  // namespace

expected<void, field_error> validate(const lazy_grid_params& params) noexcept {
    const auto fail = [](std::string_view field, std::string_view message) {
        return unexpected(field_error{field, message});
    };
    if (auto rules = validate_increments(params.rules); !rules) return rules;
    if (!params.step.is_positive() || params.step >= one) return fail("step", "must be between 0 and 1");
    if (!params.base_quantity.is_positive()) return fail("base_quantity", "must be greater than 0");
    if (!params.base_quantity.is_multiple_of(params.rules.step_size)) {
        return fail("base_quantity", "must be a multiple of step_size");
    }
    if (!params.budget.is_positive()) return fail("budget", "must be greater than 0");
    if (params.buy_fee_rate.is_negative() || params.buy_fee_rate >= one) {
        return fail("buy_fee_rate", "must be at least 0 and below 1");
    }
    if (params.sell_fee_rate.is_negative() || params.sell_fee_rate >= one) {
        return fail("sell_fee_rate", "must be at least 0 and below 1");
    }
    return {};
}

lazy_grid_state initial_state(const lazy_grid_params&) { return {}; }

expected<void, decimal_error> on_kline(const lazy_grid_params& params, lazy_grid_state& state, const domain::kline& k,
                                       decision_sink& sink) {
    if (!state.anchor || (state.positions.empty() && k.close > *state.anchor)) {
        state.anchor = k.close;
        state.last_level = 0;
        sink.hold("anchored at the close");
        return {};
    }
    const auto level = level_of(params, *state.anchor, k.close, state.last_level);
    if (!level) return unexpected(level.error());

    decimal committed;
    for (const auto& position : state.positions) {
        const auto sum = committed.checked_add(position.cost);
        if (!sum) return unexpected(sum.error());
        committed = *sum;
    }
    for (int l = std::min(state.last_level - 1, -1); l >= *level; --l) {
        const bool taken = std::any_of(state.positions.begin(), state.positions.end(),
                                       [l](const auto& position) { return position.level == l; });
        const bool at_limit = params.max_long_levels != 0 && state.positions.size() >= params.max_long_levels;
        if (taken || at_limit) continue;
        auto price = level_price(params, *state.anchor, l);
        if (price) price = price->quantize_to_step(params.rules.tick_size, rounding::floor);
        auto cost = price ? price->checked_mul(params.base_quantity) : price;
        if (cost) cost = cost->checked_mul(one.checked_add(params.buy_fee_rate).value(), rounding::ceiling);
        auto total = cost ? committed.checked_add(*cost) : cost;
        if (!total) return unexpected(total.error());
        if (*total > params.budget) break;
        committed = *total;
        const auto& id = sink.order(trade_action::buy, params.base_quantity, *price, "lazy grid buy", l);
        state.positions.push_back({l, lazy_level_status::buying, id, {}, *cost});
    }
    // A level holding less than one step (a fee's remainder after its sell) cannot be sold: it is free again.
    std::erase_if(state.positions, [&](const lazy_grid_position& position) {
        if (position.status != lazy_level_status::holding) return false;
        const auto quantity = position.held.quantize_to_step(params.rules.step_size, rounding::down);
        return quantity && quantity->is_zero();
    });
    for (auto& position : state.positions) {
        if (position.status != lazy_level_status::holding) continue;
        const auto quantity = position.held.quantize_to_step(params.rules.step_size, rounding::down);
        auto price = level_price(params, *state.anchor, position.level + 1);
        if (price) price = price->checked_div(one.checked_sub(params.sell_fee_rate).value(), decimal::max_scale,
                                              rounding::ceiling);
        if (price) price = price->quantize_to_step(params.rules.tick_size, rounding::ceiling);
        if (!quantity) return unexpected(quantity.error());
        if (!price) return unexpected(price.error());
        if (!quantity->is_positive()) continue;
        position.order_id = sink.order(trade_action::sell, *quantity, *price, "lazy grid take profit", position.level);
        position.status = lazy_level_status::selling;
    }
    state.last_level = *level;
    if (sink.no_orders()) sink.hold("no new level crossed");
    return {};
}

expected<bool, decimal_error> on_fill(lazy_grid_state& state, const fill_report& fill) {
    const auto found = std::find_if(state.positions.begin(), state.positions.end(), [&](const auto& position) {
        return position.status != lazy_level_status::holding && position.order_id == fill.order_id;
    });
    if (found == state.positions.end()) return false;
    const bool buying = found->status == lazy_level_status::buying;
    const auto held = buying ? found->held.checked_add(fill.quantity) : found->held.checked_sub(fill.quantity);
    if (!held) return unexpected(held.error());
    found->held = *held;
    if (!fill.order_closed) return true;
    found->order_id.clear();
    if (found->held.is_positive()) {
        found->status = lazy_level_status::holding;
    } else {
        state.positions.erase(found);  // sold out, or a buy that never filled: the level is free again
    }
    return true;
}

}  // namespace hft::core
