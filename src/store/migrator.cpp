#include "hft/store/migrator.hpp"

#include "hft/app/digest.hpp"
#include "hft/app/redact.hpp"
#include "hft/store/embedded_migrations.hpp"
#include "connection_info.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace hft::store {
namespace {

struct parsed_name {
    int version = 0;
    std::string name;
    bool up = false;
};

// NNNN_snake_name.up.sql / .down.sql; hand-parsed to keep the accepted shape obvious.
std::optional<parsed_name> parse_filename(std::string_view filename) {
    constexpr std::string_view up_suffix = ".up.sql";
    constexpr std::string_view down_suffix = ".down.sql";
    parsed_name parsed;
    std::string_view stem;
    if (filename.ends_with(up_suffix)) {
        parsed.up = true;
        stem = filename.substr(0, filename.size() - up_suffix.size());
    } else if (filename.ends_with(down_suffix)) {
        stem = filename.substr(0, filename.size() - down_suffix.size());
    } else {
        return std::nullopt;
    }
    if (stem.size() < 6 || stem[4] != '_') return std::nullopt;
    for (int i = 0; i < 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(stem[i]))) return std::nullopt;
        parsed.version = parsed.version * 10 + (stem[i] - '0');
    }
    parsed.name = std::string(stem.substr(5));
    const bool snake = std::all_of(parsed.name.begin(), parsed.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!snake || parsed.version == 0) return std::nullopt;
    return parsed;
}

// The migrator wraps every file in its own transaction; a file's own BEGIN/COMMIT would end it early.
bool has_transaction_control(std::string_view sql) {
    std::istringstream lines{std::string(sql)};
    for (std::string line; std::getline(lines, line);) {
        std::string upper;
        for (char c : line) {
            if (!std::isspace(static_cast<unsigned char>(c))) upper.push_back(static_cast<char>(std::toupper(c)));
        }
        if (upper.starts_with("BEGIN;") || upper.starts_with("BEGINTRANSACTION") || upper.starts_with("COMMIT;") ||
            upper.starts_with("ROLLBACK;") || upper.starts_with("STARTTRANSACTION")) {
            return true;
        }
    }
    return false;
}

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// The DSN's keywords; a DSN libpq cannot parse is a migration_error.
std::map<std::string, std::string> parse_conninfo(const std::string& dsn) {
    try {
        return parse_dsn(dsn);
    } catch (const std::invalid_argument& e) {
        throw migration_error(e.what());
    }
}

std::unique_ptr<pqxx::connection> connect(const std::string& conninfo, const std::string& shown_target) {
    try {
        return std::make_unique<pqxx::connection>(conninfo);
    } catch (const pqxx::broken_connection& e) {
        const auto reason = connection_failure_reason(e.what());
        throw migration_error(fmt::format("cannot connect to PostgreSQL at {}: {}; {}", shown_target, reason,
                                          connection_failure_hint(reason)));
    }
}

void create_schema_migrations(pqxx::connection& connection) {
    pqxx::nontransaction tx{connection};
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY CHECK (version > 0),"
        " name TEXT NOT NULL,"
        " checksum TEXT NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
}

// The applied versions; none when schema_migrations does not exist yet (nothing was ever applied).
std::vector<applied_migration> read_applied(pqxx::connection& connection) {
    pqxx::nontransaction tx{connection};
    if (tx.exec("SELECT to_regclass('schema_migrations') IS NULL")[0][0].as<bool>()) return {};
    const auto rows = tx.exec(
        "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM schema_migrations ORDER BY version");
    std::vector<applied_migration> applied;
    for (const auto& row : rows) {
        applied.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                           row[3].as<std::string>()});
    }
    return applied;
}

// Holds the session-level advisory lock for one run; released on scope exit (or when the session ends).
class migration_lock {
public:
    migration_lock(pqxx::connection& connection, std::string_view database)
        : connection_(connection), key_(migration_lock_key(database)) {
        pqxx::nontransaction tx{connection_};
        // Try first, so a run that has to wait says why it seems to hang.
        if (!tx.exec_params("SELECT pg_try_advisory_lock($1)", key_)[0][0].as<bool>()) {
            spdlog::info("another hft migrate is running on database {}; waiting for it to finish", database);
            tx.exec_params("SELECT pg_advisory_lock($1)", key_);
        }
    }
    ~migration_lock() {
        try {
            pqxx::nontransaction tx{connection_};
            tx.exec_params("SELECT pg_advisory_unlock($1)", key_);
        } catch (...) {
            // The lock dies with the session anyway; a failed unlock must not mask the original error.
        }
    }
    migration_lock(const migration_lock&) = delete;
    migration_lock& operator=(const migration_lock&) = delete;

private:
    pqxx::connection& connection_;
    std::int64_t key_;
};

void run_in_transaction(pqxx::connection& connection, const migration& m, bool applying) {
    const auto& sql = applying ? m.up_sql : m.down_sql;
    const auto filename = applying ? m.up_filename() : fmt::format("{:04}_{}.down.sql", m.version, m.name);
    spdlog::debug("{} {}", applying ? "applying" : "reverting", filename);
    try {
        pqxx::work tx{connection};
        tx.exec(sql);
        if (applying) {
            tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                           m.name, m.checksum);
        } else {
            tx.exec_params("DELETE FROM schema_migrations WHERE version = $1", m.version);
        }
        tx.commit();
    } catch (const pqxx::sql_error& e) {
        throw migration_error(fmt::format("{} failed and was rolled back: {}", filename, e.what()));
    }
}

}  // namespace

// One key per database name: migrating market_data never waits for order_engine. (PostgreSQL scopes
// advisory locks to the current database anyway; the name keeps the key meaningful in pg_locks.)
std::int64_t migration_lock_key(std::string_view database) {
    return static_cast<std::int64_t>(fnv1a(fmt::format("hft.migrate.{}", database)) >> 1);
}

std::string migration::up_filename() const { return fmt::format("{:04}_{}.up.sql", version, name); }

std::string_view to_string(migration_state state) {
    switch (state) {
        case migration_state::pending: return "pending";
        case migration_state::applied: return "applied";
        case migration_state::edited_after_apply: return "EDITED AFTER APPLY";
        case migration_state::missing_file: return "APPLIED, FILE MISSING";
    }
    return "unknown";
}

std::vector<migration> assemble_migrations(const std::vector<migration_file>& files) {
    std::map<int, migration> by_version;
    std::map<int, std::pair<bool, bool>> seen;  // version -> (has up, has down)
    for (const auto& file : files) {
        const auto parsed = parse_filename(file.filename);
        if (!parsed) {
            throw migration_error(fmt::format(
                "{}: not a migration file name; expected NNNN_snake_case_name.up.sql or .down.sql (NNNN > 0000)",
                file.filename));
        }
        if (has_transaction_control(file.content)) {
            throw migration_error(fmt::format(
                "{}: contains BEGIN/COMMIT/ROLLBACK; remove it, every file already runs in its own transaction",
                file.filename));
        }
        auto& m = by_version[parsed->version];
        auto& [has_up, has_down] = seen[parsed->version];
        if (!m.name.empty() && m.name != parsed->name) {
            throw migration_error(fmt::format("{}: version {:04} is already used by {:04}_{}; give it a new number",
                                              file.filename, parsed->version, parsed->version, m.name));
        }
        if ((parsed->up && has_up) || (!parsed->up && has_down)) {
            throw migration_error(fmt::format("{}: appears twice", file.filename));
        }
        m.version = parsed->version;
        m.name = parsed->name;
        if (parsed->up) {
            has_up = true;
            m.up_sql = file.content;
            m.checksum = app::sha256_hex(file.content);
        } else {
            has_down = true;
            m.down_sql = file.content;
        }
    }
    std::vector<migration> result;
    for (auto& [version, m] : by_version) {
        const auto [has_up, has_down] = seen[version];
        if (!has_up) throw migration_error(fmt::format("{:04}_{}.down.sql has no .up.sql twin", version, m.name));
        if (!has_down) {
            throw migration_error(fmt::format("{}: has no .down.sql twin; every migration must be reversible",
                                              m.up_filename()));
        }
        result.push_back(std::move(m));
    }
    return result;
}

std::vector<migration> embedded_migrations(std::string_view database) {
    std::vector<migration_file> files;
    for (const auto& file : embedded_migration_files()) {
        if (file.database == database) files.push_back({std::string(file.filename), std::string(file.content)});
    }
    if (files.empty()) {
        throw migration_error(fmt::format("no migrations for database \"{}\"; valid names: market_data, order_engine",
                                          database));
    }
    return assemble_migrations(files);
}

std::vector<migration> migrations_from_directory(const std::filesystem::path& directory) {
    if (!std::filesystem::is_directory(directory)) {
        throw migration_error(fmt::format("{} is not a directory of migrations", directory.string()));
    }
    std::vector<migration_file> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        files.push_back({entry.path().filename().string(), content.str()});
    }
    if (files.empty()) {
        throw migration_error(fmt::format("{} holds no .sql migration files; give the folder of one database, "
                                          "e.g. migrations/market_data",
                                          directory.string()));
    }
    return assemble_migrations(files);
}

std::vector<migration_status> plan_status(const std::vector<migration>& known,
                                          const std::vector<applied_migration>& applied) {
    std::map<int, migration_status> rows;
    for (const auto& m : known) rows[m.version] = {m.version, m.name, migration_state::pending, ""};
    for (const auto& a : applied) {
        auto it = rows.find(a.version);
        if (it == rows.end()) {
            rows[a.version] = {a.version, a.name, migration_state::missing_file, a.applied_at};
            continue;
        }
        const auto& m = *std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.version == a.version; });
        it->second.state = m.checksum == a.checksum ? migration_state::applied : migration_state::edited_after_apply;
        it->second.applied_at = a.applied_at;
    }
    std::vector<migration_status> result;
    for (auto& [version, row] : rows) result.push_back(std::move(row));
    return result;
}

void verify_applied(const std::vector<migration>& known, const std::vector<applied_migration>& applied) {
    for (const auto& row : plan_status(known, applied)) {
        if (row.state == migration_state::edited_after_apply) {
            const auto& file = *std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.version == row.version; });
            const auto& recorded = *std::find_if(applied.begin(), applied.end(), [&](const auto& a) { return a.version == row.version; });
            throw migration_error(fmt::format(
                "{} was edited after it was applied (checksum {:.12} recorded, {:.12} now); restore the file and "
                "put the change in a new migration",
                file.up_filename(), recorded.checksum, file.checksum));
        }
        if (row.state == migration_state::missing_file) {
            throw migration_error(fmt::format(
                "version {:04} ({}) is applied in the database but no migration file has it; this binary is older "
                "than the schema: use the hft version that applied it",
                row.version, row.name));
        }
    }
}

std::vector<migration> plan_up(const std::vector<migration>& known, const std::vector<applied_migration>& applied,
                               std::optional<int> steps) {
    std::vector<migration> pending;
    for (const auto& m : known) {
        const bool done = std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.version == m.version; });
        if (!done) pending.push_back(m);
    }
    if (steps && static_cast<std::size_t>(*steps) < pending.size()) pending.resize(static_cast<std::size_t>(*steps));
    return pending;
}

std::vector<migration> plan_down(const std::vector<migration>& known, const std::vector<applied_migration>& applied,
                                 int steps) {
    std::vector<migration> reverting;
    for (auto it = applied.rbegin(); it != applied.rend() && static_cast<int>(reverting.size()) < steps; ++it) {
        const auto m = std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.version == it->version; });
        if (m == known.end()) {
            throw migration_error(fmt::format("cannot revert version {:04} ({}): no migration file has it",
                                              it->version, it->name));
        }
        reverting.push_back(*m);
    }
    return reverting;
}

maintenance_target maintenance_target_for(const std::string& dsn) {
    maintenance_target target;
    for (const auto& [keyword, value] : parse_conninfo(dsn)) {
        if (keyword == "dbname") {
            target.database = value;
            continue;
        }
        // key='value' with ' and \ escaped, as libpq's conninfo grammar requires.
        std::string quoted;
        for (char c : value) {
            if (c == '\'' || c == '\\') quoted.push_back('\\');
            quoted.push_back(c);
        }
        target.conninfo += fmt::format("{}='{}' ", keyword, quoted);
    }
    if (target.database.empty()) {
        throw migration_error("the database DSN names no database; end it with /market_data or /order_engine");
    }
    target.conninfo += "dbname='postgres'";
    return target;
}

bool ensure_database(const std::string& dsn) {
    const auto target = maintenance_target_for(dsn);
    const auto target_info = parse_conninfo(dsn);
    // The common case: the database exists, and the DSN's user may not even be allowed into `postgres`.
    std::string probe_failure;
    {
        std::unique_ptr<PGconn, decltype(&PQfinish)> probe(PQconnectdb(dsn.c_str()), &PQfinish);
        if (!probe) throw migration_error("cannot connect to PostgreSQL: out of memory");
        if (PQstatus(probe.get()) == CONNECTION_OK) return false;
        probe_failure = connection_failure_reason(PQerrorMessage(probe.get()));
    }
    std::unique_ptr<pqxx::connection> connection;
    try {
        connection = std::make_unique<pqxx::connection>(target.conninfo);
    } catch (const pqxx::broken_connection& e) {
        // Both failed. A missing database we cannot create needs a person; anything else (server down, bad
        // password) is best explained by the failure about the database the user named.
        if (probe_failure.find("does not exist") != std::string::npos) {
            throw migration_error(fmt::format(
                "database {} does not exist and cannot be created from the postgres database ({}); create it by "
                "hand (CREATE DATABASE) or let the user connect to the postgres database",
                target.database, connection_failure_reason(e.what())));
        }
        throw migration_error(fmt::format("cannot connect to PostgreSQL at {}: {}; {}", describe_server(target_info),
                                          probe_failure, connection_failure_hint(probe_failure)));
    }
    pqxx::nontransaction tx{*connection};
    // Concurrent CREATE DATABASE runs collide in the catalog; one lock on the server serializes hft's own
    // runs, so the second sees the database the first one created. It is released when this connection closes.
    tx.exec_params("SELECT pg_advisory_lock($1)", migration_lock_key("create_database"));
    if (!tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", target.database).empty()) return false;
    try {
        tx.exec("CREATE DATABASE " + tx.quote_name(target.database));
        return true;
    } catch (const pqxx::insufficient_privilege& e) {
        // libpqxx 6 throws this one without its SQLSTATE (42501), so it is caught by type.
        throw migration_error(fmt::format("cannot create database {}: {}; create it by hand (CREATE DATABASE) or "
                                          "grant the user CREATEDB",
                                          target.database, connection_failure_reason(e.what())));
    } catch (const pqxx::sql_error& e) {
        // Someone else (psql, another tool) created it between our check and our CREATE: that is success.
        if (e.sqlstate() == "42P04") return false;
        throw migration_error(fmt::format("cannot create database {}: {}", target.database,
                                          connection_failure_reason(e.what())));
    }
}

migrator::migrator(std::string dsn, std::string database, std::vector<migration> migrations)
    : dsn_(std::move(dsn)), database_(std::move(database)), migrations_(std::move(migrations)) {}

std::vector<migration> migrator::up(std::optional<int> steps) {
    return run(direction::up, [&](const auto& applied) { return plan_up(migrations_, applied, steps); });
}

std::vector<migration> migrator::down(int steps) {
    return run(direction::down, [&](const auto& applied) { return plan_down(migrations_, applied, steps); });
}

template <class Plan>
std::vector<migration> migrator::run(direction way, Plan plan) {
    auto connection = connect(dsn_, describe_server(parse_conninfo(dsn_)));
    migration_lock lock(*connection, database_);
    create_schema_migrations(*connection);
    // Read under the lock: a concurrent run that finished first has already recorded its work.
    const auto applied = read_applied(*connection);
    verify_applied(migrations_, applied);
    auto planned = plan(applied);
    for (const auto& m : planned) run_in_transaction(*connection, m, way == direction::up);
    return planned;
}

std::vector<migration_status> migrator::status() {
    // Read-only and lock-free: every migration commits together with its schema_migrations row, so one
    // SELECT sees a consistent state even while another run is applying.
    auto connection = connect(dsn_, describe_server(parse_conninfo(dsn_)));
    return plan_status(migrations_, read_applied(*connection));
}

}  // namespace hft::store
