#pragma once

// What the order engine offers its front doors (the HTTP API, and through it tests and operators). The HTTP
// layer authenticates, decodes and maps errors to status codes; the engine validates against the exchange,
// checks risk, persists and executes. Keeping this seam abstract lets the HTTP contract be unit-tested with
// an in-memory implementation while the real one (services/order_engine) runs against PostgreSQL, NATS and
// the exchange.

#include "hft/core/risk.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"
#include "hft/domain/order_record.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hft::services {

/// Every way a request can fail; the HTTP layer maps each to one status code.
enum class order_error_kind {
    invalid_request,   ///< 400: a field is missing or wrong (the message names it)
    unknown_exchange,  ///< 400: no exchanges.<name> configured
    unknown_symbol,    ///< 400: the symbol is in no form of the exchange's symbol_mappings
    no_account,        ///< 400: no credentials for this user on this exchange
    filter_failed,     ///< 400: tick size, step size, min/max quantity or notional
    risk_rejected,     ///< 422: a risk limit or the trading state refused it (code names which)
    duplicate,         ///< 409: request_id or order_id already known; `existing` is that order
    not_found,         ///< 404
    not_cancelable,    ///< 409: the order is already terminal
    unavailable,       ///< 503: database, bus or exchange unreachable right now; retry later
};

struct order_error {
    order_error_kind kind = order_error_kind::invalid_request;
    std::string code;     ///< stable and machine-readable: INVALID_FIELD, DUPLICATE_ORDER, MAX_ORDER_NOTIONAL...
    std::string message;  ///< for a person: what is wrong and how to fix it
    std::optional<domain::order_record> existing;  ///< for duplicate (and not_cancelable): the order as it is
    std::chrono::milliseconds retry_after{0};  ///< for unavailable: the exchange rate-limits the account this long
};

template <class T>
using order_result = expected<T, order_error>;

struct order_query {
    std::optional<std::string> user_id;
    std::optional<std::string> symbol;  ///< any form; compared in canonical form
    std::optional<domain::order_status> status;
    int limit = 100;  ///< 1..1000, newest first
};

/// One row of trading_state: scope is "global", "user:<id>" or "strategy:<id>"; the strictest scope wins.
struct trading_state_entry {
    std::string scope;
    core::trading_state state = core::trading_state::active;
    std::string reason;
    std::string updated_by;
    std::int64_t updated_at = 0;
};

class order_service {
public:
    virtual ~order_service() = default;

    /// Validates, risk-checks, persists as PENDING_NEW, sends to the exchange and returns the order once the
    /// exchange answered (NEW, FILLED, REJECTED...) or the outcome became UNKNOWN. `command` is already decoded
    /// and stamped (requested_at set) but not validated.
    virtual boost::asio::awaitable<order_result<domain::order_record>> place(domain::place_order_command command) = 0;

    /// Validates the command and queues it on order_engine.place_order (Nats-Msg-Id = order_id); returns once
    /// JetStream acknowledged it. The engine's consumer then places it as place() would.
    virtual boost::asio::awaitable<order_result<void>> submit(domain::place_order_command command) = 0;

    virtual boost::asio::awaitable<order_result<domain::order_record>> get(std::string order_id) = 0;
    virtual boost::asio::awaitable<order_result<std::vector<domain::order_record>>> list(order_query query) = 0;

    /// Asks the exchange to cancel; returns the order as it is afterwards.
    virtual boost::asio::awaitable<order_result<domain::order_record>> cancel(domain::cancel_order_command command) = 0;

    virtual boost::asio::awaitable<order_result<std::vector<trading_state_entry>>> trading_states() = 0;
    /// Changes the kill switch for `entry.scope`; effective for the next order.
    virtual boost::asio::awaitable<order_result<trading_state_entry>> set_trading_state(trading_state_entry entry) = 0;

    /// Ready: database and bus reachable and start-up reconciliation done.
    virtual bool ready() const = 0;
};

}  // namespace hft::services
