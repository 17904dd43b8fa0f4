// Placeholder until the market-data worker lands.
#include "hft/cmd/cli.hpp"

namespace hft::cmd {

command add_market_data_worker(CLI::App& root, const global_options&) {
    auto* sub = root.add_subcommand("market-data-worker", "not built yet");
    return command{sub, [] { return 2; }};
}

}  // namespace hft::cmd
