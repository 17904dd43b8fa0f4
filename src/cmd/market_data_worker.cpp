// `hft market-data-worker`: wires the config, a NATS connection and services::market_data_worker onto one
// io_context. Behaviour lives in src/services/market_data_worker/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/bus/connection.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/services/market_data_worker.hpp"

#include <spdlog/spdlog.h>

namespace hft::cmd {
namespace {

int run_market_data_worker(const global_options& globals) {
    const auto cfg = app::load_config(globals.config_path);
    init_service_logging(globals, cfg.log, "market-data-worker");
    for (const auto& warning : cfg.warnings) spdlog::warn("{}", warning);
    const auto& nats = cfg.require_nats_jetstream();

    app::service_runtime runtime("market-data-worker");
    bus::connection bus(runtime.executor(), bus::connection_options{.url = nats.url, .name = "hft-market-data-worker"},
                        [](bus::connection_event event) {
                            if (event == bus::connection_event::disconnected) {
                                spdlog::warn("NATS disconnected; reconnecting");
                            } else if (event == bus::connection_event::reconnected) {
                                spdlog::info("NATS reconnected");
                            }
                        });
    services::market_data_worker worker(runtime.executor(), bus, cfg);
    return runtime.run(worker.run(), [&] { worker.stop(); });
}

}  // namespace

command add_market_data_worker(CLI::App& root, const global_options& globals) {
    auto* sub = root.add_subcommand("market-data-worker", "Store JetStream klines in PostgreSQL, exactly once");
    return command{sub, [&globals] { return run_market_data_worker(globals); }};
}

}  // namespace hft::cmd
