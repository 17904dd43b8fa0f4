#pragma once

// Order vocabulary (side, type, time in force, status) and the place-order command that strategies and the
// HTTP API send to the order engine.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/validation.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hft::domain {

enum class order_side : std::uint8_t { buy, sell };
enum class order_type : std::uint8_t { limit, market };
enum class time_in_force : std::uint8_t {
    gtc,  ///< good till cancelled
    ioc,  ///< immediate or cancel
    fok,  ///< fill or kill
};

/// Lifecycle of an order (DESIGN §5).
enum class order_status : std::uint8_t {
    pending_new,  ///< persisted, not yet acknowledged by the exchange
    new_,         ///< "NEW": open on the exchange (`new` is a keyword)
    partially_filled,
    filled,
    canceled,
    rejected,
    expired,
    unknown,  ///< outcome ambiguous (timeout, disconnect, 5xx); resolved by querying the exchange
};

/// Wire spellings: "BUY", "LIMIT", "GTC", "PARTIALLY_FILLED"... Parsing is exact and case-sensitive.
std::string_view to_string(order_side side) noexcept;
std::string_view to_string(order_type type) noexcept;
std::string_view to_string(time_in_force tif) noexcept;
std::string_view to_string(order_status status) noexcept;
std::optional<order_side> parse_order_side(std::string_view text) noexcept;
std::optional<order_type> parse_order_type(std::string_view text) noexcept;
std::optional<time_in_force> parse_time_in_force(std::string_view text) noexcept;
std::optional<order_status> parse_order_status(std::string_view text) noexcept;

/// FILLED, CANCELED, REJECTED and EXPIRED never change again; UNKNOWN is not terminal (it must be resolved).
bool is_terminal(order_status status) noexcept;

/// Longest accepted identifier (request, order, user, strategy ids, exchange, symbol, source).
inline constexpr std::size_t max_id_length = 64;

/// The one rule for every identifier that reaches the engine, whatever the path (HTTP path, query or body, NATS
/// command): non-blank, at most 64 characters of [A-Za-z0-9_.:-]. Ids end up in SQL parameters (where a NUL would
/// silently truncate one id into another), NATS message ids, exchange client order ids and logs.
expected<void, field_error> validate_id(std::string_view field, std::string_view id) noexcept;

/// A request to place one order (DESIGN §3). Times are milliseconds since the Unix epoch (UTC).
struct place_order_command {
    std::string request_id;  ///< idempotency key of the request
    std::string order_id;    ///< our order id; the exchange client order id derives from it
    std::string user_id;
    std::string exchange;  ///< e.g. "tokocrypto"
    std::string symbol;    ///< any of the market's forms (TKOIDR, tkoidr, TKO_IDR) until the gateway resolves it
    order_type type = order_type::limit;
    order_side side = order_side::buy;
    std::optional<decimal> price;  ///< required for LIMIT, absent for MARKET
    decimal quantity;
    std::optional<::hft::domain::time_in_force> time_in_force;  ///< absent: the venue default (GTC)
    std::string source;                                         ///< free text naming the sender: "http-hit", "strategy"
    std::optional<std::string> strategy_id;
    std::int64_t requested_at = 0;  ///< 0 until stamped (a seed HTTP body carries none)
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> kline_open_time;  ///< trigger: open time of the kline a strategy acted on
    std::optional<std::int64_t> received_ns;      ///< trigger: when that kline came off the socket

    /// Field-wise; decimals compare numerically.
    friend bool operator==(const place_order_command&, const place_order_command&) = default;
};

/// The first rule `command` breaks, in field order: ids non-blank, at most 64 characters of [A-Za-z0-9_.:-];
/// LIMIT needs a price > 0 and MARKET must not carry one; quantity > 0; requested_at set; expires_at after
/// requested_at; trigger times non-negative. A time_in_force on a MARKET order is allowed and ignored.
expected<void, field_error> validate(const place_order_command& command) noexcept;

}  // namespace hft::domain
