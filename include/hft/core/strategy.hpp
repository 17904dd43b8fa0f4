#pragma once

// A strategy is a pure function of (state, closed kline, fills learned) -> (new state, decisions), so the live
// service and a backtest run the same code. The caller owns persistence: it stores the state after each kline
// and sends the decisions' orders; their ids are deterministic, so re-evaluating a kline after a crash resends
// the same orders, which the order engine deduplicates.

#include "hft/core/strategies/grid.hpp"
#include "hft/core/strategies/lazy_grid.hpp"
#include "hft/core/strategies/sma_cross.hpp"
#include "hft/core/strategy_types.hpp"
#include "hft/domain/kline.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hft::core {

enum class strategy_kind : std::uint8_t { sma_cross, grid, lazy_grid };

/// "sma_cross", "grid" or "lazy_grid".
std::string_view to_string(strategy_kind kind) noexcept;
std::optional<strategy_kind> parse_strategy_kind(std::string_view text) noexcept;

/// The kind is the params' alternative, so the two cannot disagree.
using strategy_params = std::variant<sma_cross_params, grid_params, lazy_grid_params>;

/// One configured strategy instance.
struct strategy_config {
    std::string id;  ///< validate_strategy_id's rules; prefixes every order id
    std::string exchange;
    std::string symbol;    ///< canonical form, as klines carry it
    std::string interval;  ///< e.g. "1m"
    std::string user_id;
    strategy_params params;
    bool enabled = true;

    strategy_kind kind() const noexcept { return static_cast<strategy_kind>(params.index()); }
};

/// The first rule the config breaks, naming the field (the kind's params fields by their own names).
expected<void, domain::field_error> validate(const strategy_config& config);

/// Everything a strategy remembers between klines.
struct strategy_state {
    std::optional<std::int64_t> last_open_time;  ///< of the last kline evaluated
    std::variant<sma_cross_state, grid_state, lazy_grid_state> kind_state;
};

strategy_state initial_state(const strategy_config& config);

/// What on_kline did with a kline.
enum class kline_outcome : std::uint8_t {
    evaluated,     ///< decisions were appended
    not_closed,    ///< the candle is still forming: only closed klines drive a strategy
    stale,         ///< open_time is not after the last evaluated kline (a redelivery or an older candle)
    other_market,  ///< exchange, symbol or interval differ from the config
};

/// Evaluates one kline: appends at least one decision (a hold says why) when it is evaluated, nothing otherwise.
/// `out` is not cleared, so a caller reusing one vector keeps the per-kline path free of allocations.
/// On an arithmetic error (overflow) the state may be partly updated: the caller must discard it.
expected<kline_outcome, domain::decimal_error> on_kline(const strategy_config& config, strategy_state& state,
                                                        const domain::kline& k, std::vector<decision>& out);

/// Applies a fill reported by the order engine; false if the order is not one of the strategy's open orders.
expected<bool, domain::decimal_error> on_fill(strategy_state& state, const fill_report& fill);

}  // namespace hft::core
