#include "hft/core/position.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using hft::core::apply_fill;
using hft::core::position;
using hft::core::position_fill;
using hft::domain::order_side;
using hft::test::dec;

namespace {

position_fill fill(order_side side, const char* price, const char* quantity, const char* fee, const char* fee_asset) {
    return {side, dec(price), dec(quantity), dec(fee), fee_asset};
}

}  // namespace

TEST_CASE("two buys average their cost, and a base-asset fee shrinks what was received", "[core][position]") {
    // 0.1 BTC at 20000 with no fee, then 0.1 BTC at 22000 paying 0.0001 BTC:
    // held 0.1 + 0.0999 = 0.1999; cost 2000 + 2200 = 4200; avg 4200 / 0.1999 = 21010.505252626313...
    auto p = apply_fill(position{}, fill(order_side::buy, "20000", "0.1", "0", "BTC"), "BTC", "USDT").value();
    p = apply_fill(p, fill(order_side::buy, "22000", "0.1", "0.0001", "BTC"), "BTC", "USDT").value();
    CHECK(p.quantity == dec("0.1999"));
    CHECK(p.avg_cost == dec("21010.505252626313"));
    CHECK(p.fees_paid == dec("2.2"));  // 0.0001 BTC at 22000
    CHECK(p.realized_pnl == dec("0"));
}

TEST_CASE("a sell realizes (price - average cost) * quantity minus its quote fee", "[core][position]") {
    // Bought 1 at 100 paying 0.1 USDT: avg 100.1. Sell 0.4 at 110 paying 0.044 USDT:
    // realized (110 - 100.1) * 0.4 - 0.044 = 3.96 - 0.044 = 3.916
    auto p = apply_fill(position{}, fill(order_side::buy, "100", "1", "0.1", "USDT"), "BTC", "USDT").value();
    CHECK(p.avg_cost == dec("100.1"));
    p = apply_fill(p, fill(order_side::sell, "110", "0.4", "0.044", "USDT"), "BTC", "USDT").value();
    CHECK(p.quantity == dec("0.6"));
    CHECK(p.avg_cost == dec("100.1"));
    CHECK(p.realized_pnl == dec("3.916"));
    CHECK(p.fees_paid == dec("0.144"));
    CHECK(hft::core::unrealized_pnl(p, dec("90")).value() == dec("-6.06"));  // (90 - 100.1) * 0.6
}

TEST_CASE("selling everything resets the average cost", "[core][position]") {
    auto p = apply_fill(position{}, fill(order_side::buy, "100", "1", "0", "USDT"), "BTC", "USDT").value();
    p = apply_fill(p, fill(order_side::sell, "90", "1", "0", "USDT"), "BTC", "USDT").value();
    CHECK(p.quantity == dec("0"));
    CHECK(p.avg_cost == dec("0"));
    CHECK(p.realized_pnl == dec("-10"));
}

TEST_CASE("a spot position refuses to sell more than it holds and bad fills, and stays as it was", "[core][position]") {
    const auto p = apply_fill(position{}, fill(order_side::buy, "100", "1", "0", "USDT"), "BTC", "USDT").value();
    const auto oversold = apply_fill(p, fill(order_side::sell, "100", "1.5", "0", "USDT"), "BTC", "USDT");
    REQUIRE_FALSE(oversold);
    CHECK(oversold.error() == "a sell of 1.5 exceeds the 1 held (spot positions are long only)");
    CHECK_FALSE(apply_fill(p, fill(order_side::buy, "0", "1", "0", "USDT"), "BTC", "USDT"));
    CHECK_FALSE(apply_fill(p, fill(order_side::buy, "100", "1", "-1", "USDT"), "BTC", "USDT"));
    CHECK_FALSE(apply_fill(p, fill(order_side::buy, "100", "1", "2", "BTC"), "BTC", "USDT"));
}
