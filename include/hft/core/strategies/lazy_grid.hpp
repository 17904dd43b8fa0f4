#pragma once

// Lazy grid. The first closed kline sets the anchor; level L's price is anchor * (1 + step)^L. When
// the close falls through negative levels, each newly crossed level gets a LIMIT buy of `base_quantity` at its
// price (within `budget` and `max_long_levels`); a level bought (per reported fills) gets a LIMIT sell at
// level L + 1 grossed up for the sell fee. With nothing bought or open, a close above the anchor re-anchors.

#include "hft/core/strategy_types.hpp"
#include "hft/domain/kline.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hft::core {

struct lazy_grid_params {
    domain::decimal step;             ///< fraction between levels, 0 < step < 1 (0.005 = 0.5 %)
    domain::decimal base_quantity;    ///< bought per level; a positive multiple of the step size
    domain::decimal budget;           ///< quote currency: most that open buys and holdings may cost, with fees
    domain::decimal buy_fee_rate;     ///< 0 <= rate < 1
    domain::decimal sell_fee_rate;    ///< 0 <= rate < 1
    std::size_t max_long_levels = 0;  ///< levels bought or buying at once; 0 means no limit
    symbol_rules rules;
};

expected<void, domain::field_error> validate(const lazy_grid_params& params) noexcept;

enum class lazy_level_status : std::uint8_t { buying, holding, selling };

struct lazy_grid_position {
    int level = 0;
    lazy_level_status status = lazy_level_status::buying;
    std::string order_id;  ///< the open order, while buying or selling
    domain::decimal held;  ///< from reported fills
    domain::decimal cost;  ///< price * quantity * (1 + buy fee) committed against the budget

    friend bool operator==(const lazy_grid_position&, const lazy_grid_position&) = default;
};

struct lazy_grid_state {
    std::optional<domain::decimal> anchor;
    int last_level = 0;
    std::vector<lazy_grid_position> positions;
};

lazy_grid_state initial_state(const lazy_grid_params& params);

expected<void, domain::decimal_error> on_kline(const lazy_grid_params& params, lazy_grid_state& state,
                                               const domain::kline& k, decision_sink& sink);

expected<bool, domain::decimal_error> on_fill(lazy_grid_state& state, const fill_report& fill);

}  // namespace hft::core
