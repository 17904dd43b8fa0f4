#pragma once

// The operations endpoint of a service process, on its own port (port.<service>_metrics, ops.bind):
//
//   GET /metrics   the registry in Prometheus text format 0.0.4
//   GET /healthz   200 {"status":"alive"} while the process serves
//   GET /readyz    200 {"status":"ready","checks":{...}} when every readiness check passes, else 503 with
//                  {"status":"not ready","checks":{"nats":"ok","postgres":"unreachable",...}}
//
// Checks are plain functions evaluated on the io_context thread at each request, so they read the service's
// state directly; each returns nullopt when fine, or a short reason.

#include "hft/obs/metrics.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace hft::net {
class server;
}

namespace hft::obs {

using readiness_check = std::function<std::optional<std::string>()>;

struct ops_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0 picks a free port; see ops_server::port()
};

/// The verdict /readyz gives: ready when every check passed; `checks` in registration order, "ok" or a reason.
struct readiness {
    bool ready = true;
    std::vector<std::pair<std::string, std::string>> checks;
};

class ops_server {
public:
    ops_server(boost::asio::io_context& ioc, ops_options options, registry& metrics = default_registry());
    ~ops_server();
    ops_server(const ops_server&) = delete;
    ops_server& operator=(const ops_server&) = delete;

    /// Adds a readiness check; also exported as the gauge hft_ready_check{check="<name>"} (1 passing, 0 failing).
    void add_check(std::string name, readiness_check check);
    readiness evaluate() const;

    /// Binds and serves. Throws boost::system::system_error when the address is unusable.
    void start();
    void stop();
    std::uint16_t port() const noexcept;

private:
    struct named_check {
        std::string name;
        readiness_check check;
    };
    registry& metrics_;
    std::vector<named_check> checks_;
    scrape_callbacks gauges_;
    std::unique_ptr<net::server> server_;
};

}  // namespace hft::obs
