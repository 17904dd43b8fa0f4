#pragma once

// The order_engine database (DESIGN §4, §5): every statement parameterized, decimals as text into NUMERIC,
// and each effect one transaction. Each function opens and commits its own transaction on `connection`, so
// the caller runs it through store::database::run on its blocking lane and never holds a transaction open
// across an exchange call.
//
// Concurrency: the HTTP path, the command consumer and status sync may touch one order at once; updates
// carry the version they were computed from (optimistic locking) and lose, returning nullopt, when another
// writer got there first. Fills are keyed by (exchange, symbol, trade_id): a fill seen twice counts once.

#include "hft/core/position.hpp"
#include "hft/core/risk.hpp"
#include "hft/domain/order_record.hpp"

#include <pqxx/connection>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hft::store {

/// What insert_pending_order came to: the order as stored, and whether this call stored it. `inserted` false
/// means request_id or order_id was already known and `order` is that existing order.
struct pending_insert {
    domain::order_record order;
    bool inserted = false;
};

/// Persists `order` (status PENDING_NEW, version 1) with its `created` event; with `order.sent_at` when the
/// caller is about to send it, so the send needs no second commit.
pending_insert insert_pending_order(pqxx::connection& connection, const domain::order_record& order);

std::optional<domain::order_record> find_order(pqxx::connection& connection, const std::string& order_id);
/// The order with this request_id or this order_id, if either is known.
std::optional<domain::order_record> find_duplicate(pqxx::connection& connection, const std::string& request_id,
                                                   const std::string& order_id);

/// A state change decided by the engine (not a fill: record_fill moves quantities).
struct order_transition {
    domain::order_status status = domain::order_status::new_;
    std::optional<std::string> exchange_order_id;  ///< kept when absent
    std::optional<std::string> reason;             ///< kept when absent
    std::optional<std::int64_t> sent_at;           ///< kept when absent
    std::optional<std::int64_t> acknowledged_at;   ///< kept when absent
    std::string event_type;                        ///< order_events.event_type: sent, acknowledged, rejected...
};

/// Applies `change` to the order if it is still at `expected_version`; the order afterwards (version + 1), or
/// nullopt when another writer changed it first (re-read and decide again).
std::optional<domain::order_record> transition_order(pqxx::connection& connection, const std::string& order_id,
                                                     int expected_version, const order_transition& change);

/// The market a fill belongs to, to move the position: base and quote asset names value the fee.
struct fill_market {
    std::string base_asset;
    std::string quote_asset;
};

struct fill_outcome {
    bool recorded = false;  ///< false: this trade_id was already recorded; nothing changed
    domain::order_record order;
    core::position position;
    domain::decimal realized_pnl;      ///< what this fill realized (quote, net of fees)
    std::optional<std::string> note;   ///< why the position was left unchanged (a sell beyond what we track)
};

/// One transaction: the fill (a no-op when its trade_id is known), the order's filled quantity, average price,
/// fee and status (PARTIALLY_FILLED, or FILLED once the whole quantity filled), the position and realized PnL
/// (core::apply_fill) and a `fill` event. Throws when the order does not exist or the fill overfills it.
fill_outcome record_fill(pqxx::connection& connection, const std::string& order_id, const domain::fill& fill,
                         const fill_market& market);

/// Orders not yet terminal (PENDING_NEW, NEW, PARTIALLY_FILLED, UNKNOWN), oldest first: what status sync and
/// start-up reconciliation walk.
std::vector<domain::order_record> list_open_orders(pqxx::connection& connection);

struct order_filter {
    std::optional<std::string> user_id;
    std::optional<std::string> exchange;
    std::optional<std::string> symbol;  ///< canonical
    std::optional<domain::order_status> status;
    int limit = 100;
};
/// Newest first.
std::vector<domain::order_record> list_orders(pqxx::connection& connection, const order_filter& filter);

/// What risk needs to know about one user's (or, with strategy_id, one strategy's) book in one market:
/// position held, unfilled open buys, open orders across markets, realized PnL since 00:00 UTC.
core::exposure load_exposure(pqxx::connection& connection, const std::string& user_id, const std::string& exchange,
                             const std::string& symbol, const std::optional<std::string>& strategy_id);

struct trading_state_row {
    std::string scope;  ///< global, user:<id>, strategy:<id>
    core::trading_state state = core::trading_state::active;
    std::string reason;
    std::string updated_by;
    std::int64_t updated_at = 0;  ///< ms
};

std::vector<trading_state_row> load_trading_states(pqxx::connection& connection);
/// Inserts or replaces the row of `row.scope` (updated_at = now); returns it as stored.
trading_state_row save_trading_state(pqxx::connection& connection, const trading_state_row& row);

}  // namespace hft::store
