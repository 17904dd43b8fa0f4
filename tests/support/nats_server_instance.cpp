#include "support/nats_server_instance.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <stdexcept>

namespace hft::test {
namespace {

constexpr const char* nats_server_binary = "/usr/sbin/nats-server";

std::string tail(const std::string& text, std::size_t max_chars = 3000) {
    return text.size() <= max_chars ? text : text.substr(text.size() - max_chars);
}

bool accepts_tcp(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

nats_server_instance::nats_server_instance(bool start_now, std::optional<std::size_t> max_payload)
    : root_(make_temp_dir("hft-test-nats")), port_(free_port()), max_payload_(max_payload) {
    if (start_now) start();
}

nats_server_instance::~nats_server_instance() {
    if (server_ && server_->running()) {
        // The store is deleted next, so there is nothing to flush.
        server_->signal(SIGKILL);
        server_->wait_for_exit(std::chrono::seconds(10));
    }
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

nats_server_instance& nats_server_instance::shared() {
    static nats_server_instance instance;
    return instance;
}

std::string nats_server_instance::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

void nats_server_instance::start() {
    if (running()) return;
    spawn_options options;
    // One log per start, so a failed restart shows its own output rather than the previous run's.
    options.log_file = root_ / ("nats-server-" + std::to_string(++starts_) + ".log");
    std::vector<std::string> argv{nats_server_binary, "-js", "-a", "127.0.0.1", "-p", std::to_string(port_), "-sd",
                                  (root_ / "store").string()};
    if (max_payload_) {
        // No command-line flag sets it.
        const auto config = root_ / "nats-server.conf";
        std::ofstream(config) << "max_payload: " << *max_payload_ << "\n";
        argv.insert(argv.end(), {"-c", config.string()});
    }
    server_ = std::make_unique<child_process>(std::move(argv), options);
    wait_until_ready();
}

void nats_server_instance::stop() {
    if (!running()) return;
    server_->signal(SIGTERM);
    if (!server_->wait_for_exit(std::chrono::seconds(20))) {
        server_->signal(SIGKILL);
        server_->wait_for_exit(std::chrono::seconds(10));
    }
}

void nats_server_instance::restart() {
    stop();
    start();
}

bool nats_server_instance::running() { return server_ && server_->running(); }

void nats_server_instance::wait_until_ready() {
    const bool ready =
        eventually([&] { return !server_->running() || accepts_tcp(port_); }, std::chrono::seconds(30));
    if (!ready || !server_->running()) {
        throw std::runtime_error("nats-server did not accept connections on port " + std::to_string(port_) +
                                 "; server log:\n" + tail(read_file(server_->log_file())));
    }
}

}  // namespace hft::test
