#include "hft/cmd/cli.hpp"

#include "hft/app/config.hpp"
#include "hft/app/logging.hpp"
#include "hft/app/spelling.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>
#include <string>
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

namespace {

// The first word on the command line that is neither a global option nor its value: the subcommand asked for.
std::optional<std::string> requested_subcommand(const CLI::App& root, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") return std::nullopt;
        if (!arg.starts_with('-')) return std::string(arg);
        if (arg.find('=') != std::string_view::npos) continue;
        const auto* option = root.get_option_no_throw(std::string(arg));
        if (option != nullptr && option->get_type_size() > 0) ++i;  // its value follows
    }
    return std::nullopt;
}

// CLI11 answers a mistyped subcommand with "A subcommand is required" (and prints the main help for
// `hft stratgy --help`); a user deserves the word they typed and the nearest real one.
std::optional<std::string> unknown_subcommand_message(const CLI::App& root, const std::vector<command>& commands,
                                                      int argc, char** argv) {
    const auto asked = requested_subcommand(root, argc, argv);
    if (!asked) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& c : commands) {
        if (c.app->get_name() == *asked) return std::nullopt;
        names.push_back(c.app->get_name());
    }
    const auto suggestion = app::closest(*asked, names);
    return fmt::format("hft: unknown subcommand '{}'; {}", *asked,
                       suggestion ? fmt::format("did you mean '{}'?", *suggestion)
                                  : "run hft --help for the list of subcommands");
}

}  // namespace

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

    if (const auto unknown = unknown_subcommand_message(root, commands, argc, argv)) {
        std::cerr << *unknown << '\n';
        return static_cast<int>(CLI::ExitCodes::ExtrasError);
    }
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
