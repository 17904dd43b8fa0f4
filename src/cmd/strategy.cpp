// `hft strategy`: wires the config, a NATS connection and services::strategy_runner onto one io_context.
// Behaviour lives in src/services/strategy/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/service_ops.hpp"
#include "hft/services/strategy_runner.hpp"

namespace hft::cmd {
namespace {

int run_strategy(const global_options& globals) {
    const auto cfg = load_service_config(globals, "strategy");
    const auto& nats = cfg.require_nats_jetstream();

    app::service_runtime runtime;
    bus::connection bus(runtime.executor(),
                        bus::connection_options{.url = nats.url, .name = "hft-strategy", .send_asap = true},
                        log_bus_event);
    services::strategy_runner runner(runtime.executor(), bus, cfg);
    services::service_ops ops(runtime.io_context(), cfg, "strategy", cfg.port.strategy_metrics, bus,
                              services::configured_databases(cfg, {"market_data"}));
    ops.start();
    return runtime.run(runner.run(), [&] {
        ops.draining();
        runner.stop();
    });
}

}  // namespace

command add_strategy(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("strategy", "Run strategies on closed klines and publish orders");
    return command{sub, [&globals] { return run_strategy(globals); }};
}

}  // namespace hft::cmd
