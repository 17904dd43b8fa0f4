#include "hft/cmd/cli.hpp"

#include "hft/app/config.hpp"
#include "hft/app/logging.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <string_view>
#include <vector>

namespace hft::cmd {

void init_service_logging(const global_options& globals, app::log_config base, std::string_view service) {
    if (!globals.log_level.empty()) base.log_level = app::parse_log_level(globals.log_level, "--log-level");
    if (!globals.log_format.empty()) base.format = app::parse_log_format(globals.log_format, "--log-format");
    app::init_logging(base, service);
}

app::config load_service_config(const global_options& globals, std::string_view service) {
    auto cfg = app::load_config(globals.config_path);
    init_service_logging(globals, cfg.log, service);
    for (const auto& warning : cfg.warnings) spdlog::warn("{}", warning);
    return cfg;
}

void log_bus_event(bus::connection_event event, const std::string& reason) {
    if (bus::is_authorization_failure(reason)) {
        spdlog::error("NATS refused this service's credentials ({}): the token or user:password in "
                      "nats_jetstream.url (or HFT_NATS_JETSTREAM_URL) does not match the server's authorization; "
                      "fix it and restart the service",
                      reason);
    } else if (event == bus::connection_event::disconnected) {
        spdlog::warn("NATS disconnected{}; reconnecting", reason.empty() ? "" : " (" + reason + ")");
    } else if (event == bus::connection_event::reconnected) {
        spdlog::info("NATS reconnected");
    } else if (event == bus::connection_event::refused) {
        spdlog::error("NATS refused an operation ({}); check this service's permissions on the server", reason);
    } else if (event == bus::connection_event::closed) {
        spdlog::error("NATS connection closed for good{}; restart the service",
                      reason.empty() ? "" : " (" + reason + ")");
    }
}

int run(int argc, char** argv) {
    CLI::App root{"hft: an event-driven crypto trading service", "hft"};
    root.set_version_flag("--version", "hft " HFT_VERSION);
    root.require_subcommand(1);

    global_options globals;
    root.add_option("--config", globals.config_path, "Path to config.yml")
        ->envname("HFT_CONFIG")
        ->capture_default_str();
    root.add_option("--log-level", globals.log_level, "trace|debug|info|warn|error|critical|off (overrides config)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    root.add_option("--log-format", globals.log_format, "text|json (overrides config)")
        ->check(CLI::IsMember({"text", "json"}));

    std::vector<command> commands;
    commands.push_back(add_migrate(root, globals));
    commands.push_back(add_exchange_sim(root, globals));
    commands.push_back(add_market_data_gateway(root, globals));
    commands.push_back(add_market_data_worker(root, globals));
    commands.push_back(add_strategy(root, globals));
    commands.push_back(add_order_engine_gateway(root, globals));

    try {
        root.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return root.exit(e);
    }

    for (const auto& c : commands) {
        if (!c.app->parsed()) continue;
        try {
            return c.run();
        } catch (const app::config_error& e) {
            std::cerr << e.what() << '\n';
            return 78;  // EX_CONFIG
        } catch (const std::exception& e) {
            spdlog::critical("{}: {}", c.app->get_name(), e.what());
            return 1;
        }
    }
    return 0;
}

}  // namespace hft::cmd
