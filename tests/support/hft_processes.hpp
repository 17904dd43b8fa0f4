#pragma once

// The real `hft` binary as test fixtures: the exchange-sim on a free port, and services started from a
// config file, killed (-9), stopped (SIGTERM) and restarted the way an operator or a crash would.

#include "support/process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hft::test {

/// `hft exchange-sim --listen 127.0.0.1:<free port> <flags>`, ready once its REST answers.
struct sim_process {
    explicit sim_process(std::vector<std::string> flags);

    std::string log() const { return read_file(process->log_file()); }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port); }
    std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port); }

    std::uint16_t port;
    std::optional<child_process> process;
    bool ready = false;
};

/// `hft --config <config> <subcommand>` with its output in `<dir>/<name>.log` (appended across restarts).
class hft_service {
public:
    hft_service(std::string subcommand, std::filesystem::path config, const std::filesystem::path& dir,
                std::string name);

    void start();
    /// SIGKILL: no drain, no flush, as in a crash.
    void kill();
    /// SIGTERM and the exit code (nullopt when it did not exit within `timeout`).
    std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /// stop() in two steps, for a test that acts while the service drains: SIGTERM, then the exit code.
    void terminate();
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    bool running() { return process_ && process_->running(); }
    /// The port of this run's /metrics, /healthz and /readyz (tests give every service a free one), once it logged it.
    std::optional<std::uint16_t> ops_port() const;
    /// Every run's output so far, the current one included.
    std::string log() const;

private:
    std::string subcommand_;
    std::filesystem::path config_;
    std::filesystem::path log_file_;
    int starts_ = 0;
    std::optional<child_process> process_;
};

}  // namespace hft::test
