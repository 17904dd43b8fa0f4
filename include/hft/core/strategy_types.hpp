#pragma once

// The vocabulary every strategy kind shares: decisions out, fills in, the symbol's rules (whose tick and step
// prices and quantities are quantized to), and the deterministic order ids that make a replayed kline produce the
// same orders again.

#include "hft/core/symbol_rules.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"
#include "hft/domain/validation.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::core {

enum class trade_action : std::uint8_t { buy, sell, hold };

/// "BUY", "SELL" or "HOLD".
std::string_view to_string(trade_action action) noexcept;

/// What a strategy wants after one closed kline. A hold carries only its reason.
struct decision {
    trade_action action = trade_action::hold;
    domain::order_type type = domain::order_type::market;
    domain::decimal quantity;                    ///< a multiple of the symbol's step; zero for a hold
    std::optional<domain::decimal> limit_price;  ///< a multiple of the tick, for LIMIT orders only
    std::string order_id;                        ///< order_id_for(strategy, kline, index); empty for a hold
    std::string_view reason;                     ///< static text, e.g. "golden cross"
    std::optional<int> grid_level;               ///< the grid level a grid order belongs to

    friend bool operator==(const decision&, const decision&) = default;
};

/// A fill the order engine reported for one of the strategy's orders. Positions move only on these.
struct fill_report {
    std::string order_id;
    domain::decimal quantity;  ///< filled by this report (not cumulative)
    domain::decimal price;
    bool order_closed = false;  ///< the order reached a terminal status (filled, canceled, rejected, expired)
};

/// Longest strategy id for which every order id fits domain::max_id_length: "<id>-<19 digits>-<3 digits>".
inline constexpr std::size_t max_strategy_id_length = domain::max_id_length - 1 - 19 - 1 - 3;
/// Most orders one kline may produce (the decision index has at most three digits).
inline constexpr std::size_t max_decisions_per_kline = 1000;

/// "<strategy_id>-<open_time>-<index>", e.g. "grid-btc-1677628800000-2": the same kline and decision index
/// always name the same order, so a strategy that re-evaluates a kline after a restart cannot order twice.
/// Expects a strategy id accepted by validate_strategy_id, a non-negative open time and index < 1000.
std::string order_id_for(std::string_view strategy_id, std::int64_t kline_open_time, std::size_t decision_index);

/// The strategy id rules that make order_id_for's result a valid domain order id.
expected<void, domain::field_error> validate_strategy_id(std::string_view strategy_id) noexcept;

/// Collects one kline's decisions, numbering the orders with their deterministic ids.
class decision_sink {
public:
    decision_sink(std::string_view strategy_id, std::int64_t kline_open_time, std::vector<decision>& out) noexcept
        : strategy_id_(strategy_id), open_time_(kline_open_time), out_(out) {}

    /// Appends an order and returns its id (for the strategy's book of open orders).
    const std::string& order(trade_action action, domain::decimal quantity, std::optional<domain::decimal> limit_price,
                             std::string_view reason, std::optional<int> grid_level = std::nullopt);
    void hold(std::string_view reason);
    /// True when no order was emitted for this kline yet.
    bool no_orders() const noexcept { return orders_ == 0; }

private:
    std::string_view strategy_id_;
    std::int64_t open_time_;
    std::vector<decision>& out_;
    std::size_t orders_ = 0;
};

}  // namespace hft::core
