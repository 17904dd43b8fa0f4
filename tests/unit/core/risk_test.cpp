#include "hft/core/risk.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using namespace hft::core;
using hft::domain::order_side;
using hft::test::dec;

namespace {

risk_order buy(const char* quantity, const char* price) { return {order_side::buy, dec(quantity), dec(price)}; }
risk_order sell(const char* quantity, const char* price) { return {order_side::sell, dec(quantity), dec(price)}; }

std::string code_of(const risk_limits& limits, const exposure& book, const risk_order& order) {
    const auto checked = check_risk(limits, book, order, nullptr, 0);
    return checked ? "OK" : checked.error().code;
}

}  // namespace

TEST_CASE("HALTED refuses every order and REDUCING only sells of what is held", "[core][risk]") {
    risk_limits none;
    exposure book;
    book.position = dec("0.5");
    book.state = trading_state::halted;
    CHECK(code_of(none, book, sell("0.1", "100")) == "TRADING_HALTED");
    book.state = trading_state::reducing;
    CHECK(code_of(none, book, buy("0.1", "100")) == "REDUCE_ONLY");
    CHECK(code_of(none, book, sell("0.6", "100")) == "REDUCE_ONLY");
    CHECK(code_of(none, book, sell("0.5", "100")) == "OK");
    book.state = trading_state::active;
    CHECK(code_of(none, book, buy("0.1", "100")) == "OK");
}

TEST_CASE("each limit refuses the order that would break it, naming the limit", "[core][risk]") {
    risk_limits limits;
    limits.max_order_notional = dec("1000");
    limits.max_position = dec("1");
    limits.max_open_orders = 3;
    limits.daily_loss_limit = dec("50");
    exposure book;
    book.position = dec("0.6");
    book.pending_buys = dec("0.2");

    CHECK(code_of(limits, book, buy("0.2", "100")) == "OK");  // 0.6 + 0.2 + 0.2 = 1
    const auto too_big = check_risk(limits, book, buy("0.3", "100"), nullptr, 0);
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().code == "MAX_POSITION");
    CHECK(too_big.error().message ==
          "holding 0.6 with 0.2 on open buys, buying 0.3 would exceed the limit of 1");
    CHECK(code_of(limits, book, sell("0.5", "2500")) == "MAX_ORDER_NOTIONAL");  // 1250 > 1000
    book.open_orders = 3;
    CHECK(code_of(limits, book, sell("0.1", "100")) == "MAX_OPEN_ORDERS");
    book.open_orders = 0;
    book.realized_pnl_today = dec("-50");
    CHECK(code_of(limits, book, buy("0.1", "100")) == "DAILY_LOSS_LIMIT");
    CHECK(code_of(limits, book, sell("0.1", "100")) == "OK");  // selling down is still allowed
}

TEST_CASE("the order rate limiter allows a burst, then refills over time", "[core][risk]") {
    risk_limits limits;
    limits.orders_per_second = 2;
    limits.order_burst = 2;
    order_rate_limiter rate(limits.orders_per_second, limits.order_burst);
    const exposure book;
    CHECK(check_risk(limits, book, buy("1", "1"), &rate, 1000));
    CHECK(check_risk(limits, book, buy("1", "1"), &rate, 1000));
    const auto third = check_risk(limits, book, buy("1", "1"), &rate, 1000);
    REQUIRE_FALSE(third);
    CHECK(third.error() == risk_rejection{"ORDER_RATE", "more than 2 orders per second (burst 2)"});
    CHECK(check_risk(limits, book, buy("1", "1"), &rate, 1500));  // half a second refills one token
    CHECK_FALSE(check_risk(limits, book, buy("1", "1"), &rate, 1500));
}

TEST_CASE("trading states round-trip through their names", "[core][risk]") {
    for (const auto state : {trading_state::active, trading_state::reducing, trading_state::halted}) {
        CHECK(parse_trading_state(to_string(state)) == state);
    }
    CHECK_FALSE(parse_trading_state("active"));
}
