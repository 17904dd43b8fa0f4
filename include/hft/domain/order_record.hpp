#pragma once

// An order as the order engine knows it (one `orders` row), and the change events it publishes: the state
// after every transition and, when the change is an execution, the fill that caused it (DESIGN §3, §5).

#include "hft/domain/decimal.hpp"
#include "hft/domain/order.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace hft::domain {

/// One execution reported by the exchange; `trade_id` is unique per exchange and symbol.
struct fill {
    std::string trade_id;
    decimal price;
    decimal quantity;
    decimal fee;
    std::string fee_asset;
    bool is_maker = false;
    std::int64_t time = 0;  ///< ms since the epoch

    friend bool operator==(const fill&, const fill&) = default;
};

/// Times are milliseconds since the Unix epoch (UTC).
struct order_record {
    std::string order_id;
    std::string request_id;
    std::string client_order_id;  ///< what the exchange knows the order by, derived from order_id
    std::optional<std::string> exchange_order_id;
    std::string user_id;
    std::optional<std::string> strategy_id;
    std::string exchange;
    std::string symbol;  ///< canonical form (TKOIDR)
    order_side side = order_side::buy;
    order_type type = order_type::limit;
    std::optional<domain::time_in_force> time_in_force;
    std::optional<decimal> price;  ///< LIMIT only
    decimal quantity;
    decimal filled_quantity;
    std::optional<decimal> avg_fill_price;  ///< once something filled
    decimal fee;
    std::optional<std::string> fee_asset;
    order_status status = order_status::pending_new;
    std::optional<std::string> reason;  ///< why it was rejected, or what made it UNKNOWN
    std::string source;
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> sent_at;
    std::optional<std::int64_t> acknowledged_at;
    std::optional<std::int64_t> filled_at;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    int version = 1;  ///< bumped on every change

    friend bool operator==(const order_record&, const order_record&) = default;
};

/// Published on order_engine.order_update.<exchange>.<SYMBOL> after each committed change of an order.
struct order_update {
    order_record order;
    std::optional<domain::fill> fill;  ///< present when this change is an execution

    friend bool operator==(const order_update&, const order_update&) = default;
};

/// A request to cancel one order, published on order_engine.cancel_order.
struct cancel_order_command {
    std::string request_id;
    std::string order_id;
    std::string user_id;  ///< must own the order
    std::int64_t requested_at = 0;

    friend bool operator==(const cancel_order_command&, const cancel_order_command&) = default;
};

/// The first rule `command` breaks: every id by validate_id; requested_at set.
expected<void, field_error> validate(const cancel_order_command& command) noexcept;

}  // namespace hft::domain
