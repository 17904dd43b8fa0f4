#pragma once

// A symbol's exchange rules, whatever the venue: what a venue adapter reads its symbol list into, what the order
// engine checks an order against before sending it, what the exchange-sim enforces, and the tick and step the
// strategies quantize to. The filters are the Binance family's PRICE_FILTER, LOT_SIZE and NOTIONAL.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"
#include "hft/domain/validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::core {

/// The `filterType` each filter goes by on the wire and in the exchanges' messages.
namespace filter_types {
inline constexpr std::string_view price = "PRICE_FILTER";
inline constexpr std::string_view lot_size = "LOT_SIZE";
inline constexpr std::string_view notional = "NOTIONAL";
}  // namespace filter_types

/// Every member has a default, so a designated initializer names only what it sets.
struct symbol_rules {
    std::string symbol{};  ///< as the venue spells it in orders: BTC_USDT on Tokocrypto
    std::string base_asset{};
    std::string quote_asset{};
    bool trading_enabled = true;
    std::vector<std::string> order_types{};  ///< as the venue lists them: "LIMIT", "MARKET", ...
    // A zero disables its check, as on the exchange.
    domain::decimal min_price{}, max_price{}, tick_size{};  ///< PRICE_FILTER
    domain::decimal min_qty{}, max_qty{}, step_size{};      ///< LOT_SIZE
    domain::decimal min_notional{}, max_notional{};         ///< NOTIONAL: price * quantity
    bool notional_applies_to_market = true;                 ///< whether MARKET orders are held to NOTIONAL too
};

/// What quantizing prices and quantities to the rules needs: a tick and a step greater than zero.
expected<void, domain::field_error> validate_increments(const symbol_rules& rules) noexcept;

/// The check an order fails, in the order they are made.
enum class symbol_filter : std::uint8_t {
    trading,       ///< the symbol is open for trading
    price_filter,  ///< PRICE_FILTER (LIMIT orders only)
    lot_size,      ///< LOT_SIZE
    notional,      ///< NOTIONAL
};

/// How the order fails it.
enum class filter_breach : std::uint8_t {
    closed,         ///< trading is disabled
    missing,        ///< a LIMIT order without a price
    below_minimum,
    above_maximum,
    off_step,  ///< not on the grid of the tick (step) counted from the minimum
    overflow,  ///< price * quantity does not fit a decimal
};

struct filter_failure {
    symbol_filter filter = symbol_filter::trading;
    filter_breach breach = filter_breach::closed;
    std::string message;  ///< worded like the exchange: "Filter failure: LOT_SIZE: quantity 0.000001 is below 0.00001"
};

/// The first check an order fails. MARKET orders are checked on quantity and, with `reference_price` (what the
/// order is valued at) and when the rules apply NOTIONAL to them, on notional.
expected<void, filter_failure> check_filters(const symbol_rules& rules, domain::order_type type,
                                             const std::optional<domain::decimal>& price,
                                             const domain::decimal& quantity,
                                             const std::optional<domain::decimal>& reference_price = std::nullopt);

/// NOTIONAL alone, for an order sized by what it spends (a MARKET buy of a quote amount).
expected<void, filter_failure> check_notional(const symbol_rules& rules, const domain::decimal& notional);

}  // namespace hft::core
