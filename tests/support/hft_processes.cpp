#include "support/hft_processes.hpp"

#include "hft/testing/sync_client.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>

namespace hft::test {

using namespace std::chrono_literals;

sim_process::sim_process(std::vector<std::string> flags) : port(static_cast<std::uint16_t>(free_port())) {
    std::vector<std::string> argv{HFT_EXECUTABLE, "exchange-sim", "--listen", "127.0.0.1:" + std::to_string(port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    spawn_options options;
    options.log_file = make_temp_dir("hft-exchange-sim") / "sim.log";
    process.emplace(std::move(argv), options);
    ready = eventually([&] { return test::http_get("127.0.0.1", port, "/api/v3/ping", 500ms).status == 200; }, 20s);
}

hft_service::hft_service(std::string subcommand, std::filesystem::path config, const std::filesystem::path& dir,
                         std::string name)
    : subcommand_(std::move(subcommand)), config_(std::move(config)), log_file_(dir / (name + ".log")) {}

void hft_service::start() {
    // child_process truncates its log; keep every run's output in one file so a failure shows the whole story.
    const auto run_log = log_file_.string() + "." + std::to_string(++starts_);
    spawn_options options;
    options.log_file = run_log;
    // Tests run services side by side: each takes a free port for /metrics and says which (see ops_port()).
    for (const auto* port : {"HFT_PORT_MARKET_DATA_GATEWAY_METRICS", "HFT_PORT_MARKET_DATA_WORKER_METRICS",
                             "HFT_PORT_STRATEGY_METRICS", "HFT_PORT_ORDER_ENGINE_GATEWAY_METRICS"}) {
        options.environment[port] = "0";
    }
    process_.emplace(std::vector<std::string>{HFT_EXECUTABLE, "--config", config_.string(), subcommand_}, options);
    std::ofstream(log_file_, std::ios::app) << "---- start " << starts_ << " (" << run_log << ")\n";
}

std::optional<std::uint16_t> hft_service::ops_port() const {
    if (!process_) return std::nullopt;
    const auto text = read_file(process_->log_file());
    constexpr std::string_view marker = "metrics and health on http://";
    const auto at = text.find(marker);
    if (at == std::string::npos) return std::nullopt;
    const auto colon = text.find(':', at + marker.size());
    if (colon == std::string::npos) return std::nullopt;
    return static_cast<std::uint16_t>(std::strtoul(text.c_str() + colon + 1, nullptr, 10));
}

std::string hft_service::log() const {
    auto text = read_file(log_file_);
    if (process_) text += read_file(process_->log_file());
    return text;
}

void hft_service::kill() {
    if (!process_) return;
    process_->signal(SIGKILL);
    process_->wait_for_exit(10s);
    std::ofstream(log_file_, std::ios::app) << read_file(process_->log_file()) << "---- killed with SIGKILL\n";
    process_.reset();
}

std::optional<int> hft_service::stop(std::chrono::milliseconds timeout) {
    terminate();
    return wait_for_exit(timeout);
}

void hft_service::terminate() {
    if (process_) process_->signal(SIGTERM);
}

std::optional<int> hft_service::wait_for_exit(std::chrono::milliseconds timeout) {
    if (!process_) return std::nullopt;
    auto code = process_->wait_for_exit(timeout);
    std::ofstream(log_file_, std::ios::app) << read_file(process_->log_file()) << "---- stopped with SIGTERM\n";
    process_.reset();
    return code;
}

}  // namespace hft::test
