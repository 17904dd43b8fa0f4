#include "hft/store/database.hpp"

#include "connection_info.hpp"

#include <fmt/format.h>
#include <pqxx/except>

#include <stdexcept>

namespace hft::store {

bool is_transient(const std::exception& error) noexcept {
    if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) return true;
    if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) return true;
    const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error);
    if (sql == nullptr) return false;
    const std::string& state = sql->sqlstate();
    // 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 40001/40P01: serialization
    // failure and deadlock; 53: insufficient resources.
    return state.starts_with("08") || state.starts_with("57P0") || state == "40001" || state == "40P01" ||
           state.starts_with("53");
}

database::database(std::string conninfo)
    : conninfo_(std::move(conninfo)), target_(describe_server(parse_dsn(conninfo_))) {}

database::~database() = default;

pqxx::connection& database::connection() {
    if (connection_ && connection_->is_open()) return *connection_;
    connection_.reset();
    try {
        connection_ = std::make_unique<pqxx::connection>(conninfo_);
    } catch (const pqxx::broken_connection& e) {
        const auto reason = connection_failure_reason(e.what());
        throw database_unavailable(
            fmt::format("cannot connect to PostgreSQL at {}: {}; {}", target_, reason, connection_failure_hint(reason)));
    }
    return *connection_;
}

void database::drop(const std::exception& cause) {
    connection_.reset();
    throw database_unavailable(
        fmt::format("lost the PostgreSQL connection to {}: {}", target_, connection_failure_reason(cause.what())));
}

}  // namespace hft::store
