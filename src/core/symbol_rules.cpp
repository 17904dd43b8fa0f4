#include "hft/core/symbol_rules.hpp"

#include <string_view>

namespace hft::core {
namespace {

using domain::decimal;

unexpected<filter_failure> fails(symbol_filter filter, filter_breach breach, std::string message) {
    return unexpected(filter_failure{filter, breach, std::move(message)});
}

// "Filter failure: <FILTER>: <name> <value> <what> <bound>", like the exchange's own wording.
unexpected<filter_failure> breaks(symbol_filter filter, std::string_view filter_name, filter_breach breach,
                                  std::string_view name, const decimal& value, std::string_view what,
                                  const decimal& bound) {
    std::string message = "Filter failure: ";
    message.append(filter_name).append(": ").append(name).append(" ").append(value.to_string());
    message.append(" ").append(what).append(" ").append(bound.to_string());
    return fails(filter, breach, std::move(message));
}

// min <= value <= max and (value - min) a multiple of step, each bound disabled by a zero.
expected<void, filter_failure> check_range(symbol_filter filter, std::string_view filter_name, std::string_view name,
                                           const decimal& value, const decimal& min, const decimal& max,
                                           const decimal& step) {
    if (!min.is_zero() && value < min) {
        return breaks(filter, filter_name, filter_breach::below_minimum, name, value, "is below", min);
    }
    if (!max.is_zero() && value > max) {
        return breaks(filter, filter_name, filter_breach::above_maximum, name, value, "is above", max);
    }
    if (!step.is_zero()) {
        const auto offset = value.checked_sub(min);
        if (!offset || !offset->is_multiple_of(step)) {
            return breaks(filter, filter_name, filter_breach::off_step, name, value, "is not a multiple of", step);
        }
    }
    return {};
}

}  // namespace

expected<void, domain::field_error> validate_increments(const symbol_rules& rules) noexcept {
    if (!rules.tick_size.is_positive()) return unexpected(domain::field_error{"tick_size", "must be greater than 0"});
    if (!rules.step_size.is_positive()) return unexpected(domain::field_error{"step_size", "must be greater than 0"});
    return {};
}

expected<void, filter_failure> check_filters(const symbol_rules& rules, domain::order_type type,
                                             const std::optional<decimal>& price, const decimal& quantity,
                                             const std::optional<decimal>& reference_price) {
    if (!rules.trading_enabled) {
        return fails(symbol_filter::trading, filter_breach::closed, rules.symbol + " is not open for trading");
    }
    const bool limit = type == domain::order_type::limit;
    if (limit) {
        if (!price) return fails(symbol_filter::price_filter, filter_breach::missing, "a LIMIT order needs a price");
        if (auto fits = check_range(symbol_filter::price_filter, filter_types::price, "price", *price, rules.min_price,
                                    rules.max_price, rules.tick_size);
            !fits) {
            return fits;
        }
    }
    if (auto fits = check_range(symbol_filter::lot_size, filter_types::lot_size, "quantity", quantity, rules.min_qty,
                                rules.max_qty, rules.step_size);
        !fits) {
        return fits;
    }
    const auto& notional_price = limit ? price : reference_price;
    if (!notional_price || !(limit || rules.notional_applies_to_market)) return {};
    const auto notional = notional_price->checked_mul(quantity);
    if (!notional) {
        return fails(symbol_filter::notional, filter_breach::overflow,
                     "Filter failure: " + std::string(filter_types::notional) + ": price * quantity overflows");
    }
    return check_notional(rules, *notional);
}

expected<void, filter_failure> check_notional(const symbol_rules& rules, const decimal& notional) {
    return check_range(symbol_filter::notional, filter_types::notional, "notional", notional, rules.min_notional,
                       rules.max_notional, {});
}

}  // namespace hft::core
