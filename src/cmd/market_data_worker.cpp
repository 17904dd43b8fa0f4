// `hft market-data-worker`: wires the config, a NATS connection and services::market_data_worker onto one
// io_context. Behaviour lives in src/services/market_data_worker/.

#include "service_process.hpp"

#include "hft/services/market_data_worker.hpp"

namespace hft::cmd {
namespace {

int run_market_data_worker(const global_options& globals) {
    service_process process(globals, {.name = "market-data-worker",
                                      .metrics_port = &app::port_config::market_data_worker_metrics,
                                      .databases = {"market_data"}});
    services::market_data_worker worker(process.executor(), process.bus(), process.config());
    process.ops().add_check("worker", [&worker] { return worker.readiness(); });
    return process.run(worker);
}

}  // namespace

command add_market_data_worker(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("market-data-worker", "Store JetStream klines in PostgreSQL, exactly once");
    return command{sub, [&globals] { return run_market_data_worker(globals); }};
}

}  // namespace hft::cmd
