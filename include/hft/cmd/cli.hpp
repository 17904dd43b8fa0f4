#pragma once

// The `hft` command line: global options, one subcommand per service. main() only calls run().

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace hft::cmd {

/// Options every subcommand shares; parsed before the subcommand runs.
struct global_options {
    std::string config_path = "config.yml";
    std::string log_level;   ///< overrides config log.log_level when set
    std::string log_format;  ///< overrides config log.format when set (text|json)
};

/// A registered subcommand: its CLI11 node and the function that runs it once it was chosen.
struct command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

/// Starts logging for `service`: the config's log section, overridden by --log-level / --log-format.
void init_service_logging(const global_options& globals, app::log_config base, std::string_view service);

/// For a long-running service: loads the config, starts its logging and logs the config's warnings.
app::config load_service_config(const global_options& globals, std::string_view service);

/// A NATS connection event handler that logs losing and regaining the connection, and says so plainly when the
/// server refused the credentials.
void log_bus_event(bus::connection_event event, const std::string& reason);

/// Each subcommand lives in src/cmd/<name>.cpp and registers itself on the root app.
command add_migrate(CLI::App& root, const global_options& globals);
command add_exchange_sim(CLI::App& root, const global_options& globals);
command add_market_data_gateway(CLI::App& root, const global_options& globals);
command add_market_data_worker(CLI::App& root, const global_options& globals);
command add_strategy(CLI::App& root, const global_options& globals);
command add_order_engine_gateway(CLI::App& root, const global_options& globals);

/// Parses argv, runs the chosen subcommand and returns the process exit code.
int run(int argc, char** argv);

}  // namespace hft::cmd
