// `hft market-data-worker`: wires the config, a NATS connection and services::market_data_worker onto one
// io_context. Behaviour lives in src/services/market_data_worker/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/service_ops.hpp"
#include "hft/services/market_data_worker.hpp"

namespace hft::cmd {
namespace {

int run_market_data_worker(const global_options& globals) {
    const auto cfg = load_service_config(globals, "market-data-worker");
    const auto& nats = cfg.require_nats_jetstream();

    app::service_runtime runtime;
    bus::connection bus(runtime.executor(), bus::connection_options{.url = nats.url, .name = "hft-market-data-worker"},
                        log_bus_event);
    services::market_data_worker worker(runtime.executor(), bus, cfg);
    services::service_ops ops(runtime.io_context(), cfg, "market-data-worker", cfg.port.market_data_worker_metrics, bus,
                              services::configured_databases(cfg, {"market_data"}));
    ops.add_check("worker", [&worker] { return worker.readiness(); });
    ops.start();
    return runtime.run(worker.run(), [&] {
        ops.draining();
        worker.stop();
    });
}

}  // namespace

command add_market_data_worker(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("market-data-worker", "Store JetStream klines in PostgreSQL, exactly once");
    return command{sub, [&globals] { return run_market_data_worker(globals); }};
}

}  // namespace hft::cmd
