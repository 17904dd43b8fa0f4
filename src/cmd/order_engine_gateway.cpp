// `hft order-engine-gateway`: wires the config, a NATS connection, services::order_engine (commands, execution,
// status sync) and services::order_http_api (the HTTP front door) onto one io_context. Behaviour lives in
// src/services/order_engine/ and src/services/order_http_api/.

#include "service_process.hpp"

#include "hft/services/order_engine.hpp"
#include "hft/services/order_http_api.hpp"

#include <spdlog/spdlog.h>

namespace hft::cmd {
namespace {

int run_order_engine_gateway(const global_options& globals) {
    service_process process(globals, {.name = "order-engine-gateway",
                                      .send_asap = true,
                                      .metrics_port = &app::port_config::order_engine_gateway_metrics,
                                      .databases = {"order_engine", "market_data"}});
    const auto& cfg = process.config();
    services::order_engine engine(process.executor(), process.bus(), cfg);
    services::order_http_api api(process.io_context(), engine, cfg);
    api.start();
    spdlog::info("order API listening on http://{}:{}", cfg.order_engine_gateway.http_bind, api.port());
    process.ops().add_check("order_engine", [&engine]() -> std::optional<std::string> {
        if (engine.ready()) return std::nullopt;
        return std::string("open orders not reconciled yet, or its last database call failed");
    });
    return process.run(engine, [&api] { api.stop(); });
}

}  // namespace

command add_order_engine_gateway(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("order-engine-gateway",
                                    "Validate, risk-check, execute and track orders (JetStream commands and HTTP)");
    return command{sub, [&globals] { return run_order_engine_gateway(globals); }};
}

}  // namespace hft::cmd
