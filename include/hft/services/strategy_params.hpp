#pragma once

// config.yml's strategy entries (params as written, strings) -> core::strategy_config. Pure, so every message a
// user can get is unit-tested. Messages name the file, line and key, and say how to fix it:
//   config.yml:12: strategies[0].params.fast is missing; sma_cross needs it (a whole number of klines, e.g. "9")
//
// Params per kind (decimals as strings; tick_size and step_size are optional everywhere and, when both are
// absent, come from the exchange's symbol rules at start):
//   lazy_grid: step_percent, base_quantity, budget, buy_fee_rate ("0"), sell_fee_rate ("0"), max_long_levels (0)
//   grid:      lower, upper, levels, spacing (arithmetic | geometric, default arithmetic), quantity
//   sma_cross: average (sma | ema, default sma), fast, slow, quantity

#include "hft/app/config.hpp"
#include "hft/core/strategy.hpp"
#include "hft/domain/expected.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace hft::services {

/// Where an instance is written, for messages: "config.yml:12: strategies[0]".
struct instance_site {
    std::filesystem::path source{"config.yml"};
    std::size_t index = 0;
    int line = 0;

    /// "config.yml:12: strategies[0]<suffix>"
    std::string describe(std::string_view suffix = {}) const;
};

/// The tick and step written in params: nullopt when neither is (the exchange's rules apply), an error when
/// only one is, or one is not a positive decimal.
expected<std::optional<core::symbol_rules>, std::string> configured_rules(const app::strategy_instance_config& instance,
                                                                          const instance_site& site);

/// The instance as the core runs it, on the canonical `symbol` with `rules`. Refuses unknown params, missing
/// required ones, malformed values and whatever core::validate refuses, each error naming its key.
expected<core::strategy_config, std::string> to_strategy_config(const app::strategy_instance_config& instance,
                                                                const instance_site& site, std::string symbol,
                                                                core::symbol_rules rules);

}  // namespace hft::services
