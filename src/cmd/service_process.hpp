#pragma once

// What every service subcommand wires the same way: its config and logging, the service runtime, a NATS
// connection named hft-<service>, and the operations endpoint with the readiness checks all services share.
// The subcommand then builds its service on it, adds what is particular to it (its own checks, servers) and
// runs it:
//
//     service_process process(globals, {.name = "market-data-worker",
//                                       .metrics_port = &app::port_config::market_data_worker_metrics,
//                                       .databases = {"market_data"}});
//     services::market_data_worker worker(process.executor(), process.bus(), process.config());
//     process.ops().add_check("worker", [&worker] { return worker.readiness(); });
//     return process.run(worker);

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/service_ops.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string_view>

namespace hft::cmd {

struct service_options {
    std::string_view name;  ///< the subcommand, as the config, the logs and hft_build_info name the service
    bool send_asap = false;  ///< bus::connection_options::send_asap
    std::uint16_t app::port_config::*metrics_port = nullptr;
    std::initializer_list<std::string_view> databases;  ///< probed for /readyz when configured
};

class service_process {
public:
    service_process(const global_options& globals, const service_options& options);
    service_process(const service_process&) = delete;
    service_process& operator=(const service_process&) = delete;

    const app::config& config() const noexcept { return cfg_; }
    boost::asio::any_io_executor executor() { return runtime_.executor(); }
    boost::asio::io_context& io_context() noexcept { return runtime_.io_context(); }
    bus::connection& bus() noexcept { return bus_; }
    services::service_ops& ops() noexcept { return ops_; }

    /// Starts the operations endpoint and runs `service` until it returns; on the first signal /readyz turns
    /// "stopping", `also_stop` runs (servers in front of the service) and then service.stop().
    template <class Service>
    int run(Service& service, const std::function<void()>& also_stop = {}) {
        ops_.start();
        return runtime_.run(service.run(), [&] {
            ops_.draining();
            if (also_stop) also_stop();
            service.stop();
        });
    }

private:
    app::config cfg_;
    app::service_runtime runtime_;
    bus::connection bus_;
    services::service_ops ops_;
};

}  // namespace hft::cmd
