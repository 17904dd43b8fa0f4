// `hft strategy`: wires the config, a NATS connection and services::strategy_runner onto one io_context.
// Behaviour lives in src/services/strategy/.

#include "service_process.hpp"

#include "hft/services/strategy_runner.hpp"

namespace hft::cmd {
namespace {

int run_strategy(const global_options& globals) {
    service_process process(globals, {.name = "strategy",
                                      .send_asap = true,
                                      .metrics_port = &app::port_config::strategy_metrics,
                                      .databases = {"market_data"}});
    services::strategy_runner runner(process.executor(), process.bus(), process.config());
    return process.run(runner);
}

}  // namespace

command add_strategy(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("strategy", "Run strategies on closed klines and publish orders");
    return command{sub, [&globals] { return run_strategy(globals); }};
}

}  // namespace hft::cmd
