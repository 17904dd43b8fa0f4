#pragma once

// The statements on a hot path run prepared: PostgreSQL parses and plans them once per connection rather than on
// every call, which is most of a small statement's time (docs/PERFORMANCE.md: the order-entry risk read takes
// 0.49 ms planned each time, 0.06 ms prepared). libpqxx 6 sends a definition to the server on its first use on a
// connection, so after a reconnect (store::database opens a new pqxx::connection) it is prepared again by itself.

#include <pqxx/pqxx>

#include <string>
#include <utility>

namespace hft::store::detail {

/// Runs `sql`, prepared under `name` on the transaction's connection. `sql` must be the same text at every call
/// with that name (libpqxx refuses a different definition).
template <class... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const std::string& name, const std::string& sql,
                           Args&&... args) {
    tx.conn().prepare(name, sql);  // only a lookup once the connection knows `name`
    return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace hft::store::detail
