#include "support/hft_processes.hpp"

#include "hft/net/sync_client.hpp"

#include <csignal>
#include <fstream>

namespace hft::test {

using namespace std::chrono_literals;

sim_process::sim_process(std::vector<std::string> flags) : port(static_cast<std::uint16_t>(free_port())) {
    std::vector<std::string> argv{HFT_EXECUTABLE, "exchange-sim", "--listen", "127.0.0.1:" + std::to_string(port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    spawn_options options;
    options.log_file = make_temp_dir("hft-exchange-sim") / "sim.log";
    process.emplace(std::move(argv), options);
    ready = eventually([&] { return net::http_get("127.0.0.1", port, "/api/v3/ping", 500ms).status == 200; }, 20s);
}

hft_service::hft_service(std::string subcommand, std::filesystem::path config, const std::filesystem::path& dir,
                         std::string name)
    : subcommand_(std::move(subcommand)), config_(std::move(config)), log_file_(dir / (name + ".log")) {}

void hft_service::start() {
    // child_process truncates its log; keep every run's output in one file so a failure shows the whole story.
    const auto run_log = log_file_.string() + "." + std::to_string(++starts_);
    spawn_options options;
    options.log_file = run_log;
    process_.emplace(std::vector<std::string>{HFT_EXECUTABLE, "--config", config_.string(), subcommand_}, options);
    std::ofstream(log_file_, std::ios::app) << "---- start " << starts_ << " (" << run_log << ")\n";
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
    if (!process_) return std::nullopt;
    process_->signal(SIGTERM);
    auto code = process_->wait_for_exit(timeout);
    std::ofstream(log_file_, std::ios::app) << read_file(process_->log_file()) << "---- stopped with SIGTERM\n";
    process_.reset();
    return code;
}

}  // namespace hft::test
