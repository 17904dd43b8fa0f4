#include "hft/core/order_lifecycle.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using hft::core::advance;
using hft::core::order_progress;
using hft::domain::order_status;
using hft::test::dec;

namespace {

order_progress at(order_status status, const char* filled) { return {status, dec(filled)}; }

}  // namespace

TEST_CASE("an order moves forward through new, partial fills and filled", "[core][order-lifecycle]") {
    const auto quantity = dec("1");
    auto state = at(order_status::pending_new, "0");
    state = advance(state, quantity, at(order_status::new_, "0")).value().value();
    CHECK(state == at(order_status::new_, "0"));
    state = advance(state, quantity, at(order_status::partially_filled, "0.4")).value().value();
    CHECK(state == at(order_status::partially_filled, "0.4"));
    state = advance(state, quantity, at(order_status::filled, "1")).value().value();
    CHECK(state == at(order_status::filled, "1"));
}

TEST_CASE("stale and repeated reports change nothing", "[core][order-lifecycle]") {
    const auto quantity = dec("1");
    const auto partial = at(order_status::partially_filled, "0.4");
    CHECK_FALSE(advance(partial, quantity, at(order_status::new_, "0")).value());
    CHECK_FALSE(advance(partial, quantity, partial).value());
    const auto filled = at(order_status::filled, "1");
    CHECK_FALSE(advance(filled, quantity, filled).value());
    CHECK_FALSE(advance(filled, quantity, at(order_status::partially_filled, "0.4")).value());
}

TEST_CASE("an unknown outcome resolves to whatever the exchange reports", "[core][order-lifecycle]") {
    const auto quantity = dec("1");
    const auto unknown = at(order_status::unknown, "0");
    CHECK(advance(unknown, quantity, at(order_status::new_, "0")).value() == at(order_status::new_, "0"));
    CHECK(advance(unknown, quantity, at(order_status::rejected, "0")).value() == at(order_status::rejected, "0"));
    CHECK(advance(unknown, quantity, at(order_status::filled, "1")).value() == at(order_status::filled, "1"));
}

TEST_CASE("a fill on an order still called NEW makes it partially filled", "[core][order-lifecycle]") {
    CHECK(advance(at(order_status::new_, "0"), dec("1"), at(order_status::new_, "0.25")).value() ==
          at(order_status::partially_filled, "0.25"));
}

TEST_CASE("reports that contradict what is known are errors", "[core][order-lifecycle]") {
    const auto quantity = dec("1");
    CHECK(advance(at(order_status::new_, "0"), quantity, at(order_status::partially_filled, "1.5")).error() ==
          "the exchange reports 1.5 filled of an order for 1");
    CHECK(advance(at(order_status::new_, "0"), quantity, at(order_status::filled, "0.5")).error() ==
          "the exchange reports FILLED with 0.5 of 1");
    CHECK(advance(at(order_status::canceled, "0.2"), quantity, at(order_status::filled, "1")).error() ==
          "the order is CANCELED with 0.2 filled, but the exchange reports FILLED with 1");
}
