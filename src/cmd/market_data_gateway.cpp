// Placeholder until the market-data gateway lands.
#include "hft/cmd/cli.hpp"

namespace hft::cmd {

command add_market_data_gateway(CLI::App& root, const global_options&) {
    auto* sub = root.add_subcommand("market-data-gateway", "not built yet");
    return command{sub, [] { return 2; }};
}

}  // namespace hft::cmd
