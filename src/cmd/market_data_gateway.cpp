// `hft market-data-gateway`: wires the config, a NATS connection and services::market_data_gateway onto one
// io_context. Behaviour lives in src/services/market_data_gateway/.

#include "service_process.hpp"

#include "hft/services/market_data_gateway.hpp"

#include <spdlog/spdlog.h>

namespace hft::cmd {
namespace {

int run_market_data_gateway(const global_options& globals) {
    service_process process(globals, {.name = "market-data-gateway",
                                      .metrics_port = &app::port_config::market_data_gateway_metrics,
                                      .databases = {"market_data"}});
    process.config().database.get("market_data");  // a missing DSN is a config error now, not a retry loop later
    services::market_data_gateway gateway(process.executor(), process.bus(), process.config());
    process.ops().add_check("gateway", [&gateway] { return gateway.readiness(); });
    const int code = process.run(gateway);
    const auto stats = gateway.stats();
    spdlog::info("totals: {} frames, {} klines, published {}, acked {} ({} duplicates), failed {}, "
                 "malformed {}, reconnects {}, backfilled {}",
                 stats.frames, stats.klines, stats.published, stats.acked, stats.duplicates, stats.publish_failed,
                 stats.malformed, stats.reconnects, stats.backfilled);
    return code;
}

}  // namespace

command add_market_data_gateway(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("market-data-gateway", "Stream exchange klines into JetStream");
    return command{sub, [&globals] { return run_market_data_gateway(globals); }};
}

}  // namespace hft::cmd
