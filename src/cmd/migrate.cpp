// `hft migrate`: flags and wiring for store::migrator. Behaviour lives in src/store/migrator.cpp.

#include "hft/app/config.hpp"
#include "hft/app/redact.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/store/migrator.hpp"

#include <fmt/format.h>
#include <pqxx/except>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <limits>
#include <memory>
#include <iostream>
#include <optional>
#include <string>

namespace hft::cmd {
namespace {

struct migrate_flags {
    std::string database_name;
    std::string action = "up";
    std::string steps;  ///< a positive count, or "all"; empty means all for up and 1 for down
    std::string migrations_dir;
};

// --steps is "all" or a positive count; checked by CLI11 before any config is read.
const CLI::Validator steps_validator(
    [](std::string& text) -> std::string {
        if (text == "all") return {};
        int steps = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), steps);
        if (ec != std::errc{} || end != text.data() + text.size() || steps <= 0) {
            return "\"" + text + "\" is not a positive number or \"all\"";
        }
        return {};
    },
    "N|all");

/// nullopt means all; `fallback` applies when --steps was not given.
std::optional<int> parse_steps(const std::string& text, std::optional<int> fallback) {
    if (text.empty()) return fallback;
    if (text == "all") return std::nullopt;
    return std::stoi(text);
}

// --migrations-dir may name one database's folder or the migrations/ root that holds both.
std::filesystem::path migrations_folder(const std::filesystem::path& dir, const std::string& database) {
    if (std::filesystem::is_directory(dir / database)) return dir / database;
    return dir;
}

void print_status(const std::string& database, const std::vector<store::migration_status>& rows) {
    std::cout << fmt::format("{:<8} {:<40} {:<22} {}\n", "VERSION", "NAME", "STATE", "APPLIED AT");
    for (const auto& row : rows) {
        auto line = fmt::format("{:04}     {:<40} {:<22} {}", row.version, row.name, store::to_string(row.state),
                                row.applied_at);
        line.erase(line.find_last_not_of(' ') + 1);
        std::cout << line << '\n';
    }
    const auto pending = std::count_if(rows.begin(), rows.end(),
                                       [](const auto& r) { return r.state == store::migration_state::pending; });
    std::cout << fmt::format("{}: {} migrations, {} pending\n", database, rows.size(), pending);
}

int run_migrate(const global_options& globals, const migrate_flags& flags) {
    const auto config = app::load_config(globals.config_path);
    init_service_logging(globals, config.log, "migrate");
    for (const auto& warning : config.warnings) spdlog::warn("{}", warning);

    const auto& dsn = config.database.get(flags.database_name).dsn;
    auto migrations = flags.migrations_dir.empty()
                          ? store::embedded_migrations(flags.database_name)
                          : store::migrations_from_directory(migrations_folder(flags.migrations_dir, flags.database_name));

    if (flags.action == "status") {
        store::migrator migrator(dsn, flags.database_name, std::move(migrations));
        const auto rows = migrator.status();
        print_status(flags.database_name, rows);
        // Drift (an edited or unknown applied migration) is what `up` would refuse: say so in the exit code.
        const bool drift = std::any_of(rows.begin(), rows.end(), [](const auto& r) {
            return r.state == store::migration_state::edited_after_apply ||
                   r.state == store::migration_state::missing_file;
        });
        if (drift) std::cerr << "hft migrate: the database and the migration files disagree (see STATE above)\n";
        return drift ? 1 : 0;
    }

    // Only `up` creates a missing database: `down` on a database that does not exist is a mistake to report.
    if (flags.action == "up" && store::ensure_database(dsn)) {
        spdlog::info("created database for {}", app::redact_dsn(dsn));
    }
    store::migrator migrator(dsn, flags.database_name, std::move(migrations));

    if (flags.action == "up") {
        const auto applied = migrator.up(parse_steps(flags.steps, std::nullopt));
        for (const auto& m : applied) std::cout << fmt::format("{}: applied {}\n", flags.database_name, m.up_filename());
        if (applied.empty()) std::cout << fmt::format("{}: up to date, nothing to apply\n", flags.database_name);
        return 0;
    }
    // down reverts one migration unless told otherwise: dropping everything takes an explicit --steps all.
    const auto reverted = migrator.down(parse_steps(flags.steps, 1).value_or(std::numeric_limits<int>::max()));
    for (const auto& m : reverted) {
        std::cout << fmt::format("{}: reverted {:04}_{}\n", flags.database_name, m.version, m.name);
    }
    if (reverted.empty()) std::cout << fmt::format("{}: nothing applied, nothing to revert\n", flags.database_name);
    return 0;
}

}  // namespace

command add_migrate(CLI::App& root, const global_options& globals) {
    auto flags = std::make_shared<migrate_flags>();
    auto* sub = root.add_subcommand("migrate", "Create the database if missing and apply or revert its migrations");
    sub->add_option("--databaseName", flags->database_name, "Which database: market_data or order_engine")
        ->required()
        ->check(CLI::IsMember({"market_data", "order_engine"}));
    sub->add_option("--action", flags->action, "up, down or status")
        ->check(CLI::IsMember({"up", "down", "status"}))
        ->capture_default_str();
    sub->add_option("--steps", flags->steps, "How many migrations: a number or \"all\" (default: all for up, 1 for down)")
        ->check(steps_validator);
    sub->add_option("--migrations-dir", flags->migrations_dir,
                    "Read migrations from this folder (or its <databaseName> subfolder) instead of the ones built in "
                    "(development)");
    return command{sub, [&globals, flags] {
                       try {
                           return run_migrate(globals, *flags);
                       } catch (const store::migration_error& e) {
                           std::cerr << "hft migrate: " << e.what() << '\n';
                           return 1;
                       } catch (const pqxx::failure& e) {
                           // Unexpected server errors (connection lost mid-run...): nothing was half-applied.
                           std::cerr << "hft migrate: PostgreSQL error: " << app::redact_text(e.what()) << '\n';
                           return 1;
                       }
                   }};
}

}  // namespace hft::cmd
