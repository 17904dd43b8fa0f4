#pragma once

// What every service process serves besides its work: the operations endpoint (obs::ops_server on
// port.<service>_metrics) with the readiness checks all services share, and the series describing the process.
//
//   nats       the bus connection is up
//   postgres   each configured database answers SELECT 1 (probed every ops.postgres_probe_interval on a lane
//              of its own, so a hung server never blocks the io_context)
//   consumers  no durable consumer of this process has more than ops.max_consumer_lag messages waiting
//
// The subcommand adds its service's own checks (venues connected, ...) before start().

#include "hft/obs/ops_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace hft::app {
struct config;
}

namespace hft::bus {
class connection;
}

namespace hft::services {

/// A database whose reachability /readyz reports, by its config name (market_data, order_engine).
struct probed_database {
    std::string name;
    std::string dsn;
};

/// The configured databases among `names`, for service_ops (an absent one is not probed).
std::vector<probed_database> configured_databases(const app::config& cfg, std::initializer_list<std::string_view> names);

class service_ops {
public:
    /// `service` names the process in hft_build_info; `port` is its port.<service>_metrics. `bus` must outlive this.
    service_ops(boost::asio::io_context& ioc, const app::config& cfg, std::string_view service, std::uint16_t port,
                bus::connection& bus, std::vector<probed_database> databases);
    ~service_ops();
    service_ops(const service_ops&) = delete;
    service_ops& operator=(const service_ops&) = delete;

    void add_check(std::string name, obs::readiness_check check);
    /// Listens (logging the address) and starts probing PostgreSQL. Throws when the port is unusable.
    void start();
    /// The service is draining after a signal: /readyz fails from now on ("stopping"), /metrics still answers.
    void draining();
    void stop();
    std::uint16_t port() const noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::services
