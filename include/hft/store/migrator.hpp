#pragma once

// Versioned, checksummed schema migrations (`hft migrate`).
//
// Files are migrations/<database>/NNNN_name.up.sql with a NNNN_name.down.sql twin, compiled into the binary
// (or read from a directory in development). Applied versions are recorded in schema_migrations with the
// SHA-256 of their .up.sql; a run refuses to start when an applied file was edited since. Each file runs in
// one transaction together with its schema_migrations row, and a session advisory lock serializes
// concurrent runs, so the second waits and then finds nothing to do.
//
// The planning half (validating files, deciding what up/down/status mean) is pure and unit-tested; the
// migrator class is the thin PostgreSQL half.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hft::store {

/// A migration problem worded for the user: which file or version, what is wrong, how to fix it.
class migration_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct migration_file {
    std::string filename;  ///< NNNN_name.up.sql or NNNN_name.down.sql
    std::string content;
};

struct migration {
    int version = 0;
    std::string name;
    std::string up_sql;
    std::string down_sql;
    std::string checksum;  ///< SHA-256 hex of up_sql

    std::string up_filename() const;
};

/// A row of schema_migrations.
struct applied_migration {
    int version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;
};

enum class migration_state { pending, applied, edited_after_apply, missing_file };

struct migration_status {
    int version = 0;
    std::string name;
    migration_state state = migration_state::pending;
    std::string applied_at;  ///< empty while pending
};

std::string_view to_string(migration_state state);

/// Pairs up/down files and validates names and versions; throws migration_error naming the file.
std::vector<migration> assemble_migrations(const std::vector<migration_file>& files);

/// The migrations compiled into the binary for `database` (market_data | order_engine).
std::vector<migration> embedded_migrations(std::string_view database);

/// The migrations in `directory` (the folder of one database, e.g. migrations/market_data).
std::vector<migration> migrations_from_directory(const std::filesystem::path& directory);

/// The pg_advisory_lock key a run on `database` holds: a stable hash of "hft.migrate.<database>".
std::int64_t migration_lock_key(std::string_view database);

/// Every known and every applied version, in version order.
std::vector<migration_status> plan_status(const std::vector<migration>& known,
                                          const std::vector<applied_migration>& applied);

/// Throws migration_error when an applied migration's file was edited (naming the file and both checksums)
/// or is missing.
void verify_applied(const std::vector<migration>& known, const std::vector<applied_migration>& applied);

/// The pending migrations to apply, oldest first; all of them when `steps` is empty. A pending version
/// below the newest applied one (branches merged out of order) is applied too, in version order.
std::vector<migration> plan_up(const std::vector<migration>& known, const std::vector<applied_migration>& applied,
                               std::optional<int> steps);

/// The applied migrations to revert, newest first; `steps` of them.
std::vector<migration> plan_down(const std::vector<migration>& known, const std::vector<applied_migration>& applied,
                                 int steps);

/// The connection string for the `postgres` maintenance database on the same server with the same
/// credentials, and the database `dsn` names (libpq's default, the user name, when it names none).
struct maintenance_target {
    std::string conninfo;
    std::string database;
};
maintenance_target maintenance_target_for(const std::string& dsn);

/// Creates the database named by `dsn` when it does not exist; returns whether it created it. Connects to
/// the `postgres` maintenance database only when `dsn` itself cannot be reached; tolerates another process
/// creating the database at the same moment.
bool ensure_database(const std::string& dsn);

class migrator {
public:
    /// `database` names the migrations set (and the advisory lock); `dsn` says where it lives.
    migrator(std::string dsn, std::string database, std::vector<migration> migrations);

    /// Applies pending migrations (all, or `steps`); returns those applied.
    std::vector<migration> up(std::optional<int> steps = std::nullopt);
    /// Reverts the newest `steps` applied migrations; returns those reverted.
    std::vector<migration> down(int steps = 1);
    /// Read-only: takes no lock and creates nothing (a never-migrated database shows everything pending).
    std::vector<migration_status> status();

private:
    enum class direction { up, down };
    template <class Plan>
    std::vector<migration> run(direction way, Plan plan);

    std::string dsn_;
    std::string database_;
    std::vector<migration> migrations_;
};

}  // namespace hft::store
