#include "hft/core/risk.hpp"

#include <algorithm>
#include <sstream>

namespace hft::core {
namespace {

using domain::decimal;

unexpected<risk_rejection> reject(std::string code, std::string message) {
    return unexpected(risk_rejection{std::move(code), std::move(message)});
}

}  // namespace

std::string_view to_string(trading_state state) noexcept {
    switch (state) {
        case trading_state::active: return "ACTIVE";
        case trading_state::reducing: return "REDUCING";
        case trading_state::halted: return "HALTED";
    }
    return "HALTED";
}

std::optional<trading_state> parse_trading_state(std::string_view text) noexcept {
    if (text == "ACTIVE") return trading_state::active;
    if (text == "REDUCING") return trading_state::reducing;
    if (text == "HALTED") return trading_state::halted;
    return std::nullopt;
}

bool order_rate_limiter::try_take(std::int64_t now_ms) {
    if (per_second_ <= 0) return true;
    if (last_ms_ >= 0 && now_ms > last_ms_) {
        tokens_ = std::min<double>(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_second_ / 1000.0);
    }
    last_ms_ = std::max(last_ms_, now_ms);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

expected<void, risk_rejection> check_risk(const risk_limits& limits, const exposure& book, const risk_order& order,
                                          order_rate_limiter* rate, std::int64_t now_ms) {
    const bool buy = order.side == domain::order_side::buy;
    if (book.state == trading_state::halted) {
        return reject("TRADING_HALTED", "trading is HALTED: no new orders until it is set back to ACTIVE");
    }
    if (book.state == trading_state::reducing && (buy || order.quantity > book.position)) {
        return reject("REDUCE_ONLY", "trading is REDUCING: only sells of at most the " + book.position.to_string() +
                                         " held are accepted");
    }
    if (limits.daily_loss_limit && buy) {
        const auto floor = decimal{}.checked_sub(*limits.daily_loss_limit);
        if (floor && book.realized_pnl_today <= *floor) {
            return reject("DAILY_LOSS_LIMIT", "today's realized PnL " + book.realized_pnl_today.to_string() +
                                                  " reached the daily loss limit of " +
                                                  limits.daily_loss_limit->to_string() + "; only sells are accepted");
        }
    }
    if (limits.max_open_orders && book.open_orders >= *limits.max_open_orders) {
        return reject("MAX_OPEN_ORDERS",
                      std::to_string(book.open_orders) + " orders are open, the limit is " +
                          std::to_string(*limits.max_open_orders));
    }
    const auto notional = order.price.checked_mul(order.quantity, domain::rounding::ceiling);
    if (!notional) return reject("ORDER_TOO_LARGE", "price * quantity overflows");
    if (limits.max_order_notional && *notional > *limits.max_order_notional) {
        return reject("MAX_ORDER_NOTIONAL", "order notional " + notional->to_string() + " exceeds the limit of " +
                                                limits.max_order_notional->to_string());
    }
    if (limits.max_position && buy) {
        const auto committed = book.position.checked_add(book.pending_buys);
        const auto after = committed ? committed->checked_add(order.quantity) : committed;
        if (!after || *after > *limits.max_position) {
            return reject("MAX_POSITION", "holding " + book.position.to_string() + " with " +
                                              book.pending_buys.to_string() + " on open buys, buying " +
                                              order.quantity.to_string() + " would exceed the limit of " +
                                              limits.max_position->to_string());
        }
    }
    if (rate != nullptr && !rate->try_take(now_ms)) {
        std::ostringstream message;
        message << "more than " << limits.orders_per_second << " orders per second (burst " << limits.order_burst
                << ")";
        return reject("ORDER_RATE", message.str());
    }
    return {};
}

}  // namespace hft::core
