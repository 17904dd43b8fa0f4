#include "hft/store/order_repository.hpp"

#include "prepared.hpp"

#include <pqxx/pqxx>

#include <stdexcept>

namespace hft::store {
namespace {

using domain::decimal;
using domain::order_record;
using domain::order_status;

// Times travel as integer milliseconds both ways; NULL stays NULL.
#define HFT_MS(column) "(extract(epoch FROM " column ") * 1000)::bigint"
#define HFT_TS(param) "(timestamptz 'epoch' + " param "::bigint * interval '1 millisecond')"

constexpr const char* order_columns =
    "order_id, request_id, client_order_id, exchange_order_id, user_id, strategy_id, exchange, symbol, side, type, "
    "time_in_force, price::text, quantity::text, filled_quantity::text, avg_fill_price::text, fee::text, fee_asset, "
    "status, reason, source, " HFT_MS("requested_at") ", " HFT_MS("expires_at") ", " HFT_MS("sent_at") ", "
    HFT_MS("acknowledged_at") ", " HFT_MS("filled_at") ", " HFT_MS("created_at") ", " HFT_MS("updated_at") ", version";

// Reads of one statement and writes of one statement (data-modifying CTEs) run without BEGIN and COMMIT: a single
// statement is atomic and sees one snapshot on its own, and the order-entry path saves a round trip per call.

constexpr const char* open_statuses = "('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED', 'UNKNOWN')";

decimal decimal_of(const pqxx::field& field) {
    auto parsed = decimal::parse(field.c_str());
    // NUMERIC columns hold what domain::decimal wrote; anything else is a corrupt row.
    if (!parsed) throw std::runtime_error(std::string(field.name()) + " \"" + field.c_str() + "\" is not a decimal");
    return *parsed;
}

std::optional<std::string> optional_text(const pqxx::field& field) {
    if (field.is_null()) return std::nullopt;
    return field.as<std::string>();
}

std::optional<std::int64_t> optional_ms(const pqxx::field& field) {
    if (field.is_null()) return std::nullopt;
    return field.as<std::int64_t>();
}

template <class T, class Parse>
T enum_of(const pqxx::field& field, Parse parse) {
    const auto parsed = parse(field.c_str());
    if (!parsed) throw std::runtime_error(std::string(field.name()) + " \"" + field.c_str() + "\" is not known");
    return *parsed;
}

order_record order_of(const pqxx::row& row) {
    order_record o;
    o.order_id = row[0].as<std::string>();
    o.request_id = row[1].as<std::string>();
    o.client_order_id = row[2].as<std::string>();
    o.exchange_order_id = optional_text(row[3]);
    o.user_id = row[4].as<std::string>();
    o.strategy_id = optional_text(row[5]);
    o.exchange = row[6].as<std::string>();
    o.symbol = row[7].as<std::string>();
    o.side = enum_of<domain::order_side>(row[8], domain::parse_order_side);
    o.type = enum_of<domain::order_type>(row[9], domain::parse_order_type);
    if (!row[10].is_null()) o.time_in_force = enum_of<domain::time_in_force>(row[10], domain::parse_time_in_force);
    if (!row[11].is_null()) o.price = decimal_of(row[11]);
    o.quantity = decimal_of(row[12]);
    o.filled_quantity = decimal_of(row[13]);
    if (!row[14].is_null()) o.avg_fill_price = decimal_of(row[14]);
    o.fee = decimal_of(row[15]);
    o.fee_asset = optional_text(row[16]);
    o.status = enum_of<order_status>(row[17], domain::parse_order_status);
    o.reason = optional_text(row[18]);
    o.source = row[19].as<std::string>();
    o.requested_at = row[20].as<std::int64_t>();
    o.expires_at = optional_ms(row[21]);
    o.sent_at = optional_ms(row[22]);
    o.acknowledged_at = optional_ms(row[23]);
    o.filled_at = optional_ms(row[24]);
    o.created_at = row[25].as<std::int64_t>();
    o.updated_at = row[26].as<std::int64_t>();
    o.version = row[27].as<int>();
    return o;
}

std::optional<std::string> text_of(const std::optional<decimal>& value) {
    if (!value) return std::nullopt;
    return value->to_string();
}

std::optional<std::string> text_of(const std::optional<std::int64_t>& value) {
    if (!value) return std::nullopt;
    return std::to_string(*value);
}

std::optional<order_record> select_order(pqxx::transaction_base& tx, const std::string& order_id, bool for_update) {
    static const std::string select = std::string("SELECT ") + order_columns + " FROM orders WHERE order_id = $1";
    static const std::string lock = select + " FOR UPDATE";
    const auto rows = tx.exec_prepared(for_update ? detail::prepared(tx, "select_order_for_update", lock)
                                                  : detail::prepared(tx, "select_order", select),
                                       order_id);
    if (rows.empty()) return std::nullopt;
    return order_of(rows[0]);
}

std::optional<order_record> select_duplicate(pqxx::transaction_base& tx, const std::string& request_id,
                                             const std::string& order_id) {
    static const std::string sql =
        std::string("SELECT ") + order_columns + " FROM orders WHERE request_id = $1 OR order_id = $2 LIMIT 1";
    const auto rows = tx.exec_prepared(detail::prepared(tx, "select_duplicate", sql), request_id, order_id);
    if (rows.empty()) return std::nullopt;
    return order_of(rows[0]);
}

decimal checked(expected<decimal, domain::decimal_error> value, const char* what) {
    if (!value) throw std::runtime_error(std::string(what) + ": " + std::string(domain::to_string(value.error())));
    return *value;
}

// Volume-weighted average of what filled so far and the new fill, 12 fractional digits, half-even.
decimal average_price(const order_record& order, const domain::fill& fill, const decimal& filled_after) {
    const auto before = order.avg_fill_price.value_or(decimal{});
    const auto cost_before = checked(before.checked_mul(order.filled_quantity, domain::rounding::half_even), "average price");
    const auto cost_fill = checked(fill.price.checked_mul(fill.quantity, domain::rounding::half_even), "average price");
    const auto cost = checked(cost_before.checked_add(cost_fill), "average price");
    return checked(cost.checked_div(filled_after, 12, domain::rounding::half_even), "average price").normalized();
}

}  // namespace

pending_insert insert_pending_order(pqxx::connection& connection, const order_record& order) {
    pqxx::nontransaction tx{connection};
    // One statement inserts the order and its `created` event. ON CONFLICT DO NOTHING covers both unique keys: a
    // concurrent duplicate is then read back below.
    static const std::string sql =
        std::string("WITH inserted AS (INSERT INTO orders (order_id, request_id, client_order_id, user_id, strategy_id, exchange, symbol, "
                    "side, type, time_in_force, price, quantity, status, source, requested_at, expires_at, sent_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::numeric, $12::numeric, 'PENDING_NEW', $13, ") +
        HFT_TS("$14") + ", " + HFT_TS("$15") + ", " + HFT_TS("$16") + ") ON CONFLICT DO NOTHING RETURNING " +
        order_columns +
        "), created AS (INSERT INTO order_events (order_id, event_type, status, payload) SELECT order_id, 'created', "
        "'PENDING_NEW', jsonb_strip_nulls(jsonb_build_object('request_id', $2::text, 'source', $13::text, "
        "'strategy_id', $5::text)) FROM inserted) SELECT * FROM inserted";
    const auto inserted = tx.exec_prepared(
        detail::prepared(tx, "insert_pending_order", sql), order.order_id, order.request_id, order.client_order_id,
        order.user_id, order.strategy_id, order.exchange, order.symbol, std::string(domain::to_string(order.side)),
        std::string(domain::to_string(order.type)),
        order.time_in_force ? std::optional<std::string>(domain::to_string(*order.time_in_force)) : std::nullopt,
        text_of(order.price), order.quantity.to_string(), order.source, std::to_string(order.requested_at),
        text_of(order.expires_at), text_of(order.sent_at));
    if (inserted.empty()) {
        auto existing = select_duplicate(tx, order.request_id, order.order_id);
        if (!existing) throw std::runtime_error("order " + order.order_id + " conflicts with a row that is not there");
        return {std::move(*existing), false};
    }
    return {order_of(inserted[0]), true};
}

std::optional<order_record> find_order(pqxx::connection& connection, const std::string& order_id) {
    pqxx::nontransaction tx{connection};
    return select_order(tx, order_id, false);
}

std::optional<order_record> find_duplicate(pqxx::connection& connection, const std::string& request_id,
                                           const std::string& order_id) {
    pqxx::nontransaction tx{connection};
    return select_duplicate(tx, request_id, order_id);
}

std::optional<order_record> transition_order(pqxx::connection& connection, const std::string& order_id,
                                             int expected_version, const order_transition& change) {
    pqxx::nontransaction tx{connection};
    const auto status = std::string(domain::to_string(change.status));
    // One statement moves the order and appends its event.
    static const std::string sql =
        std::string("WITH updated AS (UPDATE orders SET status = $3, exchange_order_id = COALESCE($4, exchange_order_id), "
                    "reason = COALESCE($5, reason), sent_at = COALESCE(") +
        HFT_TS("$6") + ", sent_at), acknowledged_at = COALESCE(" + HFT_TS("$7") +
        ", acknowledged_at), updated_at = now(), version = version + 1 "
        "WHERE order_id = $1 AND version = $2 RETURNING " + order_columns +
        "), event AS (INSERT INTO order_events (order_id, event_type, status, payload) SELECT order_id, $8, $3, "
        "jsonb_strip_nulls(jsonb_build_object('exchange_order_id', $4::text, 'reason', $5::text)) FROM updated) "
        "SELECT * FROM updated";
    const auto updated = tx.exec_prepared(detail::prepared(tx, "transition_order", sql), order_id,
                                          std::to_string(expected_version), status, change.exchange_order_id,
                                          change.reason, text_of(change.sent_at), text_of(change.acknowledged_at),
                                          change.event_type);
    if (updated.empty()) return std::nullopt;
    return order_of(updated[0]);
}

fill_outcome record_fill(pqxx::connection& connection, const std::string& order_id, const domain::fill& fill,
                         const fill_market& market) {
    pqxx::work tx{connection};
    auto order = select_order(tx, order_id, true);
    if (!order) throw std::runtime_error("fill " + fill.trade_id + " names order " + order_id + ", which is unknown");
    const auto side = std::string(domain::to_string(order->side));
    const auto fresh = tx.exec_params(
        "INSERT INTO fills (exchange, symbol, trade_id, order_id, side, price, quantity, fee, fee_asset, is_maker, "
        "trade_time) VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8::numeric, $9, $10::boolean, " HFT_TS("$11")
        ") ON CONFLICT (exchange, symbol, trade_id) DO NOTHING RETURNING id",
        order->exchange, order->symbol, fill.trade_id, order_id, side, fill.price.to_string(), fill.quantity.to_string(),
        fill.fee.to_string(), fill.fee_asset.empty() ? std::nullopt : std::optional<std::string>(fill.fee_asset),
        std::string(fill.is_maker ? "true" : "false"), std::to_string(fill.time));
    fill_outcome outcome;
    if (fresh.empty()) {
        outcome.order = std::move(*order);
        return outcome;  // already counted; the transaction rolls back unchanged
    }

    const auto filled = checked(order->filled_quantity.checked_add(fill.quantity), "filled quantity");
    if (filled > order->quantity) {
        throw std::runtime_error("fill " + fill.trade_id + " would fill " + filled.to_string() + " of order " + order_id +
                                 " for " + order->quantity.to_string());
    }
    const auto average = average_price(*order, fill, filled);
    const auto fee = checked(order->fee.checked_add(fill.fee), "fee");
    // Fully filled is FILLED whatever came before; a late fill of a canceled order keeps it canceled.
    auto status = order->status;
    if (filled == order->quantity) {
        status = order_status::filled;
    } else if (!domain::is_terminal(status)) {
        status = order_status::partially_filled;
    }

    // The position, read under lock so two fills of one market never interleave.
    core::position before;
    const auto held = tx.exec_params(
        "SELECT quantity::text, avg_cost::text, realized_pnl::text, fees_paid::text FROM positions "
        "WHERE user_id = $1 AND exchange = $2 AND symbol = $3 FOR UPDATE",
        order->user_id, order->exchange, order->symbol);
    if (!held.empty()) {
        before = {decimal_of(held[0][0]), decimal_of(held[0][1]), decimal_of(held[0][2]), decimal_of(held[0][3])};
    }
    const core::position_fill moved{order->side, fill.price, fill.quantity, fill.fee, fill.fee_asset};
    auto after = core::apply_fill(before, moved, market.base_asset, market.quote_asset);
    if (after) {
        outcome.position = *after;
        outcome.realized_pnl = checked(after->realized_pnl.checked_sub(before.realized_pnl), "realized PnL");
        tx.exec_params(
            "INSERT INTO positions (user_id, exchange, symbol, quantity, avg_cost, realized_pnl, fees_paid) "
            "VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6::numeric, $7::numeric) "
            "ON CONFLICT (user_id, exchange, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, "
            "avg_cost = EXCLUDED.avg_cost, realized_pnl = EXCLUDED.realized_pnl, fees_paid = EXCLUDED.fees_paid, "
            "updated_at = now()",
            order->user_id, order->exchange, order->symbol, after->quantity.to_string(), after->avg_cost.to_string(),
            after->realized_pnl.to_string(), after->fees_paid.to_string());
    } else {
        // The account held more than this engine tracked (bought elsewhere): the fill and the order still count,
        // the position is left as it was rather than going negative.
        outcome.position = before;
        outcome.note = "position unchanged: " + after.error();
    }

    const auto updated = tx.exec_params(
        std::string("UPDATE orders SET filled_quantity = $2::numeric, avg_fill_price = $3::numeric, fee = $4::numeric, "
                    "fee_asset = COALESCE(fee_asset, $5), status = $6::text, filled_at = CASE WHEN $6::text = 'FILLED' THEN ") +
            HFT_TS("$7") + " ELSE filled_at END, updated_at = now(), version = version + 1 WHERE order_id = $1 "
            "RETURNING " + order_columns,
        order_id, filled.to_string(), average.to_string(), fee.to_string(),
        fill.fee_asset.empty() ? std::nullopt : std::optional<std::string>(fill.fee_asset),
        std::string(domain::to_string(status)), std::to_string(fill.time));
    tx.exec_params(
        "INSERT INTO order_events (order_id, event_type, status, payload) VALUES ($1, 'fill', $2, "
        "jsonb_strip_nulls(jsonb_build_object('trade_id', $3::text, 'price', $4::numeric, 'quantity', $5::numeric, "
        "'fee', $6::numeric, 'fee_asset', $7::text, 'is_maker', $8::boolean, 'time', $9::bigint, "
        "'realized_pnl', $10::numeric, 'note', $11::text)))",
        order_id, std::string(domain::to_string(status)), fill.trade_id, fill.price.to_string(), fill.quantity.to_string(),
        fill.fee.to_string(), fill.fee_asset, std::string(fill.is_maker ? "true" : "false"), std::to_string(fill.time),
        outcome.realized_pnl.to_string(), outcome.note);
    outcome.order = order_of(updated[0]);
    outcome.recorded = true;
    tx.commit();
    return outcome;
}

std::vector<order_record> list_open_orders(pqxx::connection& connection) {
    pqxx::nontransaction tx{connection};
    std::vector<order_record> orders;
    for (const auto& row : tx.exec(std::string("SELECT ") + order_columns + " FROM orders WHERE status IN " +
                                   open_statuses + " ORDER BY created_at, order_id")) {
        orders.push_back(order_of(row));
    }
    return orders;
}

std::vector<order_record> list_orders(pqxx::connection& connection, const order_filter& filter) {
    pqxx::nontransaction tx{connection};
    std::vector<order_record> orders;
    const auto status = filter.status ? std::optional<std::string>(domain::to_string(*filter.status)) : std::nullopt;
    for (const auto& row : tx.exec_params(
             std::string("SELECT ") + order_columns +
                 " FROM orders WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR exchange = $2) "
                 "AND ($3::text IS NULL OR symbol = $3) AND ($4::text IS NULL OR status = $4) "
                 "ORDER BY created_at DESC, order_id DESC LIMIT $5::int",
             filter.user_id, filter.exchange, filter.symbol, status, std::to_string(filter.limit))) {
        orders.push_back(order_of(row));
    }
    return orders;
}

core::exposure load_exposure(pqxx::connection& connection, const std::string& user_id, const std::string& exchange,
                             const std::string& symbol, const std::optional<std::string>& strategy_id) {
    pqxx::nontransaction tx{connection};
    static const std::string sql =
        std::string("SELECT "
                    "(SELECT COALESCE(max(quantity), 0)::text FROM positions "
                    "  WHERE user_id = $1 AND exchange = $2 AND symbol = $3), "
                    "(SELECT COALESCE(sum(quantity - filled_quantity), 0)::text FROM orders "
                    "  WHERE user_id = $1 AND exchange = $2 AND symbol = $3 AND side = 'BUY' AND status IN ") +
        open_statuses +
        "   AND ($4::text IS NULL OR strategy_id = $4)), "
        "(SELECT count(*) FROM orders WHERE user_id = $1 AND status IN " + open_statuses +
        "   AND ($4::text IS NULL OR strategy_id = $4)), "
        // Each fill event carries what it realized; a day is a UTC day.
        "(SELECT COALESCE(sum((e.payload->>'realized_pnl')::numeric), 0)::text FROM order_events e "
        "  JOIN orders o ON o.order_id = e.order_id WHERE o.user_id = $1 AND e.event_type = 'fill' "
        "  AND ($4::text IS NULL OR o.strategy_id = $4) "
        "  AND e.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";
    const auto row =
        tx.exec_prepared1(detail::prepared(tx, "load_exposure", sql), user_id, exchange, symbol, strategy_id);
    core::exposure book;
    book.position = decimal_of(row[0]);
    book.pending_buys = decimal_of(row[1]);
    book.open_orders = row[2].as<int>();
    book.realized_pnl_today = decimal_of(row[3]);
    return book;
}

std::vector<trading_state_row> load_trading_states(pqxx::connection& connection) {
    pqxx::nontransaction tx{connection};
    std::vector<trading_state_row> rows;
    for (const auto& row : tx.exec("SELECT scope, state, COALESCE(reason, ''), COALESCE(updated_by, ''), " HFT_MS(
             "updated_at") " FROM trading_state ORDER BY scope")) {
        rows.push_back({row[0].as<std::string>(), enum_of<core::trading_state>(row[1], core::parse_trading_state),
                        row[2].as<std::string>(), row[3].as<std::string>(), row[4].as<std::int64_t>()});
    }
    return rows;
}

trading_state_row save_trading_state(pqxx::connection& connection, const trading_state_row& row) {
    pqxx::work tx{connection};
    const auto stored = tx.exec_params1(
        "INSERT INTO trading_state (scope, state, reason, updated_by, updated_at) VALUES ($1, $2, $3, $4, now()) "
        "ON CONFLICT (scope) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, "
        "updated_by = EXCLUDED.updated_by, updated_at = now() RETURNING " HFT_MS("updated_at"),
        row.scope, std::string(core::to_string(row.state)), row.reason, row.updated_by);
    auto saved = row;
    saved.updated_at = stored[0].as<std::int64_t>();
    tx.commit();
    return saved;
}

}  // namespace hft::store
