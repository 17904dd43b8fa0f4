// `hft order-engine-gateway`: wires the config, a NATS connection, services::order_engine (commands, execution,
// status sync) and services::order_http_api (the HTTP front door) onto one io_context. Behaviour lives in
// src/services/order_engine/ and src/services/order_http_api/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/service_ops.hpp"
#include "hft/services/order_engine.hpp"
#include "hft/services/order_http_api.hpp"

#include <spdlog/spdlog.h>

namespace hft::cmd {
namespace {

int run_order_engine_gateway(const global_options& globals) {
    const auto cfg = load_service_config(globals, "order-engine-gateway");
    const auto& nats = cfg.require_nats_jetstream();

    app::service_runtime runtime;
    bus::connection bus(runtime.executor(),
                        bus::connection_options{.url = nats.url, .name = "hft-order-engine-gateway", .send_asap = true},
                        log_bus_event);
    services::order_engine engine(runtime.executor(), bus, cfg);
    services::order_http_api api(runtime.io_context(), engine, cfg);
    api.start();
    spdlog::info("order API listening on http://{}:{}", cfg.order_engine_gateway.http_bind, api.port());
    services::service_ops ops(runtime.io_context(), cfg, "order-engine-gateway", cfg.port.order_engine_gateway_metrics, bus,
                              services::configured_databases(cfg, {"order_engine", "market_data"}));
    ops.add_check("order_engine", [&engine]() -> std::optional<std::string> {
        if (engine.ready()) return std::nullopt;
        return std::string("open orders not reconciled yet, or its last database call failed");
    });
    ops.start();
    return runtime.run(engine.run(), [&] {
        ops.draining();
        api.stop();
        engine.stop();
    });
}

}  // namespace

command add_order_engine_gateway(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("order-engine-gateway",
                                    "Validate, risk-check, execute and track orders (JetStream commands and HTTP)");
    return command{sub, [&globals] { return run_order_engine_gateway(globals); }};
}

}  // namespace hft::cmd
