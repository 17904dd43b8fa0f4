#include "hft/core/strategy_types.hpp"

#include <charconv>

namespace hft::core {

using domain::field_error;

std::string_view to_string(trade_action action) noexcept {
    switch (action) {
        case trade_action::buy: return "BUY";
        case trade_action::sell: return "SELL";
        case trade_action::hold: return "HOLD";
    }
    return "HOLD";
}

std::string order_id_for(std::string_view strategy_id, std::int64_t kline_open_time, std::size_t decision_index) {
    char digits[24];  // int64 and size_t need at most 20 characters
    std::string id;
    id.reserve(strategy_id.size() + 1 + 20 + 1 + 3);
    id.append(strategy_id).push_back('-');
    id.append(digits, std::to_chars(digits, digits + sizeof digits, kline_open_time).ptr).push_back('-');
    id.append(digits, std::to_chars(digits, digits + sizeof digits, decision_index).ptr);
    return id;
}

expected<void, field_error> validate_strategy_id(std::string_view strategy_id) noexcept {
    const auto fail = [](std::string_view message) { return unexpected(field_error{"id", message}); };
    if (strategy_id.empty()) return fail("must not be blank");
    if (strategy_id.size() > max_strategy_id_length) return fail("must be at most 40 characters");
    for (const char c : strategy_id) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '_' || c == '-' || c == '.' || c == ':';
        if (!allowed) return fail("may only contain A-Z a-z 0-9 _ - . :");
    }
    return {};
}

const std::string& decision_sink::order(trade_action action, domain::decimal quantity,
                                        std::optional<domain::decimal> limit_price, std::string_view reason,
                                        std::optional<int> grid_level) {
    auto& d = out_.emplace_back();
    d.action = action;
    d.type = limit_price ? domain::order_type::limit : domain::order_type::market;
    d.quantity = quantity;
    d.limit_price = limit_price;
    d.order_id = order_id_for(strategy_id_, open_time_, orders_++);
    d.reason = reason;
    d.grid_level = grid_level;
    return d.order_id;
}

void decision_sink::hold(std::string_view reason) {
    auto& d = out_.emplace_back();
    d.reason = reason;
}

}  // namespace hft::core
