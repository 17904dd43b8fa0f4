#pragma once

// A throwaway nats-server with JetStream for integration tests: 127.0.0.1 on a free port, its store
// directory under the temp dir. The port and the store survive stop()/start()/restart(), so tests can take
// NATS away mid-run and clients reconnect to the same URL and find their streams again.

#include "support/process.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace hft::test {

class nats_server_instance {
public:
    /// Picks a port and a store directory; starts the server unless `start_now` is false. `max_payload` replaces
    /// the server's limit on one message (1 MiB, headers included) when set, so a test can reach it quickly.
    explicit nats_server_instance(bool start_now = true, std::optional<std::size_t> max_payload = std::nullopt);
    ~nats_server_instance();
    nats_server_instance(const nats_server_instance&) = delete;
    nats_server_instance& operator=(const nats_server_instance&) = delete;

    /// The process-wide server, started on first use and stopped at exit.
    static nats_server_instance& shared();

    int port() const noexcept { return port_; }
    std::string url() const;

    /// Starts the server and waits until it accepts TCP connections; throws with the log tail on failure.
    void start();
    /// Graceful stop (SIGTERM, then SIGKILL); the store directory stays.
    void stop();
    void restart();
    bool running();

private:
    void wait_until_ready();

    std::filesystem::path root_;
    int port_ = 0;
    std::optional<std::size_t> max_payload_;
    int starts_ = 0;
    std::unique_ptr<child_process> server_;
};

}  // namespace hft::test
