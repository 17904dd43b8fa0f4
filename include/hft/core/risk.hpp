#pragma once

// Pre-trade risk (DESIGN §5.5): the checks an order passes after validation and before it is persisted,
// and the run-time trading state (the kill switch). Pure: the order engine supplies the exposure it read
// from its database and the clock; nothing here does I/O.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hft::core {

/// ACTIVE trades; REDUCING only accepts orders that shrink a position (sells up to what is held); HALTED
/// accepts no new order (cancels still go through).
enum class trading_state { active, reducing, halted };

std::string_view to_string(trading_state state) noexcept;
std::optional<trading_state> parse_trading_state(std::string_view text) noexcept;

/// Per user (and optionally per strategy) limits; an absent limit is not checked.
struct risk_limits {
    std::optional<domain::decimal> max_order_notional;  ///< quote per order
    std::optional<domain::decimal> max_position;        ///< base held after the order fills
    std::optional<int> max_open_orders;
    std::optional<domain::decimal> daily_loss_limit;    ///< quote; trading stops once today's realized PnL <= -limit
    double orders_per_second = 0;                       ///< token bucket refill; 0: no rate limit
    int order_burst = 1;                                ///< token bucket size
};

/// What the order engine knows about the user's book when an order arrives.
struct exposure {
    domain::decimal position;          ///< base held
    domain::decimal pending_buys;      ///< base of open buy orders not yet filled
    int open_orders = 0;
    domain::decimal realized_pnl_today;
    trading_state state = trading_state::active;
};

struct risk_order {
    domain::order_side side = domain::order_side::buy;
    domain::decimal quantity;
    domain::decimal price;  ///< the limit price, or a reference price (last trade) for a market order
};

struct risk_rejection {
    std::string code;     ///< stable, for clients and metrics: TRADING_HALTED, MAX_ORDER_NOTIONAL, ...
    std::string message;  ///< what limit, what value

    friend bool operator==(const risk_rejection&, const risk_rejection&) = default;
};

/// Token bucket of order submissions, refilled continuously; time in milliseconds.
class order_rate_limiter {
public:
    order_rate_limiter(double per_second, int burst) : per_second_(per_second), burst_(burst), tokens_(burst) {}
    /// Takes a token when one is available at `now_ms`.
    bool try_take(std::int64_t now_ms);

private:
    double per_second_;
    int burst_;
    double tokens_;
    std::int64_t last_ms_ = -1;
};

/// The first limit `order` breaks, in the order: trading state, daily loss, open orders, order notional,
/// position. The rate limit is checked last, so a refused order does not spend a token.
expected<void, risk_rejection> check_risk(const risk_limits& limits, const exposure& book, const risk_order& order,
                                          order_rate_limiter* rate, std::int64_t now_ms);

}  // namespace hft::core
