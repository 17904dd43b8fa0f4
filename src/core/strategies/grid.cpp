#include "hft/core/strategies/grid.hpp"

namespace hft::core {

using domain::decimal;
using domain::decimal_error;
using domain::field_error;
using domain::rounding;

namespace {

constexpr int bisection_steps = 128;

/// base^exponent with each product rounded half-even to 18 digits; nullopt once it exceeds `cap`.
std::optional<decimal> bounded_power(const decimal& base, std::size_t exponent, const decimal& cap) {
    decimal power = decimal::from_integer(1);
    for (std::size_t i = 0; i < exponent; ++i) {
        const auto next = power.checked_mul(base, rounding::half_even);
        if (!next || *next > cap) return std::nullopt;
        power = *next;
    }
    return power;
}

/// The largest r at 18 digits with r^steps <= ratio, by bisection over [1, ratio].
expected<decimal, decimal_error> nth_root(const decimal& ratio, std::size_t steps) {
    decimal low = decimal::from_integer(1);
    decimal high = ratio;
    static constexpr decimal two = decimal::from_integer(2);
    for (int i = 0; i < bisection_steps; ++i) {
        auto mid = low.checked_add(high);
        if (mid) mid = mid->checked_div(two, decimal::max_scale, rounding::down);
        if (!mid) return mid;
        if (*mid == low) break;
        (bounded_power(*mid, steps, ratio) ? low : high) = *mid;
    }
    return low;
}

}  // namespace

expected<std::vector<decimal>, decimal_error> grid_level_prices(const grid_params& params) {
    const auto steps = params.levels - 1;
    const auto on_tick = [&](const expected<decimal, decimal_error>& price) {
        return price ? price->quantize_to_step(params.rules.tick_size, rounding::half_even) : price;
    };
    std::vector<decimal> prices;
    prices.reserve(params.levels);
    const auto steps_decimal = decimal::from_integer(static_cast<std::int64_t>(steps));
    const auto gap = params.upper.checked_sub(params.lower);
    const auto ratio = params.upper.checked_div(params.lower, decimal::max_scale, rounding::half_even);
    const auto root = ratio ? nth_root(*ratio, steps) : ratio;
    if (!gap) return unexpected(gap.error());
    if (!root) return unexpected(root.error());
    decimal geometric_factor = decimal::from_integer(1);
    for (std::size_t i = 0; i < params.levels; ++i) {
        expected<decimal, decimal_error> price = params.upper;
        if (i + 1 < params.levels && params.spacing == grid_spacing::arithmetic) {
            const auto offset = gap->checked_mul(decimal::from_integer(static_cast<std::int64_t>(i)));
            price = offset ? offset->checked_div(steps_decimal, decimal::max_scale, rounding::half_even) : offset;
            if (price) price = params.lower.checked_add(*price);
        } else if (i + 1 < params.levels) {
            price = params.lower.checked_mul(geometric_factor, rounding::half_even);
            const auto next_factor = geometric_factor.checked_mul(*root, rounding::half_even);
            if (!next_factor) return unexpected(next_factor.error());
            geometric_factor = *next_factor;
        }
        const auto quantized = on_tick(price);
        if (!quantized) return unexpected(quantized.error());
        prices.push_back(*quantized);
    }
    return prices;
}

expected<void, field_error> validate(const grid_params& params) {
    const auto fail = [](std::string_view field, std::string_view message) {
        return unexpected(field_error{field, message});
    };
    if (auto rules = validate_increments(params.rules); !rules) return rules;
    if (!params.lower.is_positive()) return fail("lower", "must be greater than 0");
    if (params.upper <= params.lower) return fail("upper", "must be greater than lower");
    if (params.levels < 2 || params.levels > max_grid_levels) return fail("levels", "must be between 2 and 500");
    if (!params.quantity.is_positive()) return fail("quantity", "must be greater than 0");
    if (!params.quantity.is_multiple_of(params.rules.step_size)) {
        return fail("quantity", "must be a multiple of step_size");
    }
    const auto prices = grid_level_prices(params);
    if (!prices) return fail("upper", "gives level prices beyond the decimal range");
    for (std::size_t i = 1; i < prices->size(); ++i) {
        if ((*prices)[i] <= (*prices)[i - 1] || !(*prices)[0].is_positive()) {
            return fail("levels", "are too many for the range: two levels round to the same tick");
        }
    }
    return {};
}

grid_state initial_state(const grid_params& params) {
    const auto prices = grid_level_prices(params).value();
    grid_state state;
    state.slots.reserve(prices.size() - 1);
    for (std::size_t i = 0; i + 1 < prices.size(); ++i) state.slots.push_back({prices[i], prices[i + 1], {}, {}, {}});
    return state;
}

expected<void, decimal_error> on_kline(const grid_params& params, grid_state& state, const domain::kline& k,
                                       decision_sink& sink) {
    for (std::size_t i = 0; i < state.slots.size(); ++i) {
        auto& slot = state.slots[i];
        const int level = static_cast<int>(i);
        if (slot.status == grid_slot_status::idle && slot.buy_price < k.close) {
            slot.order_id = sink.order(trade_action::buy, params.quantity, slot.buy_price, "grid buy below", level);
            slot.status = grid_slot_status::buying;
        } else if (slot.status == grid_slot_status::holding) {
            const auto quantity = slot.held.quantize_to_step(params.rules.step_size, rounding::down);
            if (!quantity) return unexpected(quantity.error());
            if (quantity->is_positive()) {
                slot.order_id = sink.order(trade_action::sell, *quantity, slot.sell_price, "grid sell above", level);
                slot.status = grid_slot_status::selling;
            } else {
                // A remainder below one step (the buy's fee left it short) cannot be sold: the slot re-arms.
                slot.held = {};
                slot.status = grid_slot_status::idle;
            }
        }
    }
    if (sink.no_orders()) sink.hold("no grid slot to arm");
    return {};
}

expected<bool, decimal_error> on_fill(grid_state& state, const fill_report& fill) {
    for (auto& slot : state.slots) {
        const bool open = slot.status == grid_slot_status::buying || slot.status == grid_slot_status::selling;
        if (!open || slot.order_id != fill.order_id) continue;
        const bool buying = slot.status == grid_slot_status::buying;
        const auto held = buying ? slot.held.checked_add(fill.quantity) : slot.held.checked_sub(fill.quantity);
        if (!held) return unexpected(held.error());
        slot.held = *held;
        if (fill.order_closed) {
            slot.order_id.clear();
            slot.status = slot.held.is_positive() ? grid_slot_status::holding : grid_slot_status::idle;
        }
        return true;
    }
    return false;
}

}  // namespace hft::core
