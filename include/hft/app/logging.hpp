#pragma once

// Process logging: one stderr sink (journald and containers collect stderr), text or JSON lines, and
// redaction of anything that looks like a credential in every message as a last line of defence.
//
//   text: 2026-11-28T06:13:56.123Z info market-data-gateway: message
//   json: {"ts":"2026-11-28T06:13:56.123Z","level":"info","service":"market-data-gateway","msg":"message"}
//
// Timestamps are UTC with milliseconds. With log.show_caller, the source location of SPDLOG_* macro calls is
// added (text: "service file.cpp:12: message", json: "caller":"file.cpp:12"). Text lines stay single lines:
// control characters in a message are escaped (\n, \r, \x1b), so a message cannot forge a second line.

#include "hft/app/config.hpp"
#include "hft/app/redact.hpp"

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

namespace hft::app {

/// Makes a stderr logger named `service_name` the spdlog default, with the level and format of `config`,
/// and gives every logger registered later the same format. Call once at start-up, before other threads log.
void init_logging(const log_config& config, std::string_view service_name);

/// The formatter init_logging installs, for extra sinks and tests: redacts, then writes text or JSON.
std::unique_ptr<spdlog::formatter> make_log_formatter(const log_config& config, std::string_view service_name);

/// The spdlog level for a config level name; throws config_error for an unknown name.
spdlog::level::level_enum to_spdlog_level(std::string_view level);

}  // namespace hft::app
