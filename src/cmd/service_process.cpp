#include "service_process.hpp"

#include <string>

namespace hft::cmd {

service_process::service_process(const global_options& globals, const service_options& options)
    : cfg_(load_service_config(globals, options.name)),
      bus_(runtime_.executor(),
           bus::connection_options{.url = cfg_.require_nats_jetstream().url,
                                   .name = "hft-" + std::string(options.name),
                                   .send_asap = options.send_asap},
           log_bus_event),
      ops_(runtime_.io_context(), cfg_, options.name, cfg_.port.*options.metrics_port, bus_,
           services::configured_databases(cfg_, options.databases)) {}

}  // namespace hft::cmd
