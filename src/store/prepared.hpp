#pragma once

// The statements on a hot path run prepared: PostgreSQL parses and plans them once per connection rather than on
// every call, which is most of a small statement's time (docs/PERFORMANCE.md: the order-entry risk read takes
// 0.49 ms planned each time, 0.06 ms prepared). libpqxx 6 sends a definition to the server on its first use on a
// connection, so after a reconnect (store::database opens a new pqxx::connection) it is prepared again by itself.

#include <pqxx/pqxx>

#include <string>

namespace hft::store::detail {

/// Defines `sql` as prepared statement `name` on the transaction's connection and returns `name`, for
/// tx.exec_prepared / exec_prepared1. `sql` must be the same text at every call with that name (libpqxx refuses
/// a different definition); once the connection knows `name` this is only a lookup.
inline std::string prepared(pqxx::transaction_base& tx, std::string name, const std::string& sql) {
    tx.conn().prepare(name, sql);
    return name;
}

}  // namespace hft::store::detail
