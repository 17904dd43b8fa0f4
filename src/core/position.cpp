#include "hft/core/position.hpp"

namespace hft::core {
namespace {

using domain::decimal;
using domain::rounding;

// Unwraps checked arithmetic; the first overflow ends the computation with one message.
struct calc {
    bool failed = false;
    decimal operator()(const expected<decimal, domain::decimal_error>& value) {
        if (!value) failed = true;
        return value.value_or(decimal{});
    }
};

}  // namespace

expected<position, std::string> apply_fill(const position& before, const position_fill& fill, std::string_view base,
                                           std::string_view quote) {
    if (!fill.price.is_positive() || !fill.quantity.is_positive() || fill.fee.signum() < 0) {
        return unexpected<std::string>("a fill needs a positive price and quantity and a fee of zero or more");
    }
    calc c;
    position after = before;
    const auto fee_in_quote = fill.fee_asset == quote  ? fill.fee
                              : fill.fee_asset == base ? c(fill.fee.checked_mul(fill.price))
                                                       : decimal{};
    after.fees_paid = c(before.fees_paid.checked_add(fee_in_quote));
    const auto notional = c(fill.price.checked_mul(fill.quantity));
    if (fill.side == domain::order_side::buy) {
        const auto received = fill.fee_asset == base ? c(fill.quantity.checked_sub(fill.fee)) : fill.quantity;
        // Fees paid in quote add to the cost; fees paid in base are already in the smaller quantity received.
        const auto paid = fill.fee_asset == quote ? c(notional.checked_add(fill.fee)) : notional;
        const auto held_cost = c(before.avg_cost.checked_mul(before.quantity, rounding::half_even));
        after.quantity = c(before.quantity.checked_add(received));
        if (!after.quantity.is_positive()) return unexpected<std::string>("a buy whose fee exceeds its quantity");
        after.avg_cost = c(c(held_cost.checked_add(paid)).checked_div(after.quantity, avg_cost_scale, rounding::half_even));
    } else {
        if (fill.quantity > before.quantity) {
            return unexpected<std::string>("a sell of " + fill.quantity.to_string() + " exceeds the " +
                                           before.quantity.to_string() + " held (spot positions are long only)");
        }
        const auto cost = c(before.avg_cost.checked_mul(fill.quantity, rounding::half_even));
        const auto gain = c(c(notional.checked_sub(cost)).checked_sub(fee_in_quote));
        after.realized_pnl = c(before.realized_pnl.checked_add(gain));
        after.quantity = c(before.quantity.checked_sub(fill.quantity));
        if (after.quantity.is_zero()) after.avg_cost = decimal{};
    }
    if (c.failed) return unexpected<std::string>("position arithmetic overflowed");
    return after;
}

expected<decimal, std::string> unrealized_pnl(const position& p, const decimal& mark) {
    const auto difference = mark.checked_sub(p.avg_cost);
    const auto pnl = difference ? difference->checked_mul(p.quantity, domain::rounding::half_even) : unexpected(difference.error());
    if (!pnl) return unexpected<std::string>("unrealized PnL overflowed");
    return *pnl;
}

}  // namespace hft::core
