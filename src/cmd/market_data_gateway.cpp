// `hft market-data-gateway`: wires the config, a NATS connection and services::market_data_gateway onto one
// io_context. Behaviour lives in src/services/market_data_gateway/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/service_ops.hpp"
#include "hft/services/market_data_gateway.hpp"

#include <spdlog/spdlog.h>

namespace hft::cmd {
namespace {

int run_market_data_gateway(const global_options& globals) {
    const auto cfg = load_service_config(globals, "market-data-gateway");
    const auto& nats = cfg.require_nats_jetstream();
    cfg.database.get("market_data");  // a missing DSN is a config error now, not a retry loop later

    app::service_runtime runtime;
    bus::connection bus(runtime.executor(), bus::connection_options{.url = nats.url, .name = "hft-market-data-gateway"},
                        log_bus_event);
    services::market_data_gateway gateway(runtime.executor(), bus, cfg);
    services::service_ops ops(runtime.io_context(), cfg, "market-data-gateway", cfg.port.market_data_gateway_metrics, bus,
                              services::configured_databases(cfg, {"market_data"}));
    ops.add_check("gateway", [&gateway] { return gateway.readiness(); });
    ops.start();
    const int code = runtime.run(gateway.run(), [&] {
        ops.draining();
        gateway.stop();
    });
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
