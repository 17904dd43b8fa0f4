#pragma once

// A spot position (long only) moved by fills: quantity held, average cost per unit, realized PnL and fees,
// all exact. Fees are charged in the asset the fill delivers (Tokocrypto and Binance: the base asset on a
// buy, the quote asset on a sell), so a buy adds what was received, and every fee is valued in the quote
// asset. Realized PnL is net of fees: (sell price - average cost) * quantity - fees.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"

#include <string>
#include <string_view>

namespace hft::core {

struct position {
    domain::decimal quantity;      ///< base asset held
    domain::decimal avg_cost;      ///< quote per base unit, fees of the buys included
    domain::decimal realized_pnl;  ///< quote, net of the fees
    domain::decimal fees_paid;     ///< quote value of every fee

    friend bool operator==(const position&, const position&) = default;
};

struct position_fill {
    domain::order_side side = domain::order_side::buy;
    domain::decimal price;
    domain::decimal quantity;
    domain::decimal fee;
    std::string fee_asset;  ///< base, quote, or another asset (e.g. a discount token), valued at zero here
};

/// Digits kept for avg_cost (quote per unit); rounded half-even.
inline constexpr int avg_cost_scale = 12;

/// The position after `fill` of market `base`/`quote`. Selling more than is held is an error (spot is long
/// only), and so is arithmetic that would overflow; the position is then unchanged.
expected<position, std::string> apply_fill(const position& before, const position_fill& fill, std::string_view base,
                                           std::string_view quote);

/// Unrealized PnL at `mark`: (mark - avg_cost) * quantity.
expected<domain::decimal, std::string> unrealized_pnl(const position& p, const domain::decimal& mark);

}  // namespace hft::core
