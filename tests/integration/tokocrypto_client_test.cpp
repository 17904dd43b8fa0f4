// The Tokocrypto REST adapter against the real `hft exchange-sim` over a socket: signing, symbol rules,
// placing, finding, cancelling, fills and balances, and how each failure is classified.

#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "support/hft_processes.hpp"
#include "support/samples.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace hft;
using namespace hft::exchange::tokocrypto;
using namespace std::chrono_literals;
using test::dec;

namespace {

const credentials trader{"trader", "trader-secret"};

struct adapter {
    explicit adapter(std::vector<std::string> faults = {}, credentials account = trader)
        : sim([&] {
              std::vector<std::string> flags{"--symbols", "BTCUSDT", "--account", "trader:trader-secret:USDT=10000,BTC=1"};
              flags.insert(flags.end(), faults.begin(), faults.end());
              return flags;
          }()),
          client(io.get_executor(), *net::http_origin::parse(sim.http_url()), std::move(account)) {
        REQUIRE(sim.ready);
    }

    // Runs one client call to completion on the test's io_context.
    template <class T>
    T run(boost::asio::awaitable<T> call) {
        std::optional<T> outcome;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await std::move(call)); },
            [](std::exception_ptr error) {
                if (error) std::rethrow_exception(error);
            });
        io.restart();
        io.run();
        return std::move(*outcome);
    }

    static new_order limit_buy(std::string client_id, std::string price) {
        return {"BTC_USDT", domain::order_side::buy, domain::order_type::limit, dec(price), dec("0.01"),
                std::nullopt, std::move(client_id)};
    }

    test::sim_process sim;
    boost::asio::io_context io;
    rest_client client;
};

}  // namespace

TEST_CASE("the adapter places, finds and cancels a resting limit order on the sim", "[integration][tokocrypto]") {
    adapter a;
    const auto rules = a.run(a.client.rules("BTC_USDT"));
    REQUIRE(rules);
    CHECK(rules->tick_size == dec("0.01"));

    const auto placed = a.run(a.client.place_order(adapter::limit_buy("resting-1", "1000.00")));
    REQUIRE(placed);
    CHECK(placed->status == domain::order_status::new_);
    CHECK(placed->client_id == "resting-1");

    const auto found = a.run(a.client.find_by_client_id("BTC_USDT", "resting-1", 0));
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->order_id == placed->order_id);
    const auto open = a.run(a.client.open_orders("BTC_USDT"));
    REQUIRE(open);
    CHECK(std::any_of(open->begin(), open->end(), [&](const exchange_order& o) { return o.order_id == placed->order_id; }));

    const auto canceled = a.run(a.client.cancel_order("BTC_USDT", placed->order_id));
    REQUIRE(canceled);
    CHECK(canceled->status == domain::order_status::canceled);
    CHECK(a.run(a.client.query_order("BTC_USDT", placed->order_id))->status == domain::order_status::canceled);
    CHECK_FALSE(a.run(a.client.find_by_client_id("BTC_USDT", "never-sent", 0)).value().has_value());
}

TEST_CASE("symbol rules are due until fetched, then cached, and the order-entry connection opens ahead of an order",
          "[integration][tokocrypto]") {
    adapter a;
    CHECK(a.client.rules_due());
    CHECK_FALSE(a.client.cached_rules("BTC_USDT"));
    REQUIRE(a.run(a.client.refresh_rules()));
    CHECK_FALSE(a.client.rules_due());
    const auto cached = a.client.cached_rules("BTC_USDT");
    REQUIRE(cached);
    CHECK(cached->tick_size == dec("0.01"));
    CHECK(a.run(a.client.open_entry()));
}

TEST_CASE("a market buy through the adapter fills and shows up in trades and balances", "[integration][tokocrypto]") {
    adapter a;
    const auto filled = a.run(a.client.place_order(
        {"BTC_USDT", domain::order_side::buy, domain::order_type::market, std::nullopt, dec("0.01"), std::nullopt, "mkt-1"}));
    REQUIRE(filled);
    CHECK(filled->status == domain::order_status::filled);
    CHECK(filled->executed_quantity == dec("0.01"));
    const auto trades = a.run(a.client.trades("BTC_USDT", filled->order_id));
    REQUIRE(trades);
    REQUIRE_FALSE(trades->empty());
    const auto balances = a.run(a.client.balances());
    REQUIRE(balances);
    const auto btc = std::find_if(balances->begin(), balances->end(), [](const asset_balance& b) { return b.asset == "BTC"; });
    REQUIRE(btc != balances->end());
    CHECK(btc->free > dec("1"));  // bought, minus a fee charged in BTC
}

TEST_CASE("the adapter tells a definitive reject from an unknown outcome and backs off after a 429",
          "[integration][tokocrypto]") {
    SECTION("a wrong secret is rejected for good") {
        adapter a({}, credentials{"trader", "not-the-secret"});
        const auto placed = a.run(a.client.place_order(adapter::limit_buy("bad-sig", "1000.00")));
        REQUIRE_FALSE(placed);
        CHECK(placed.error().kind == failure_kind::rejected);
        CHECK(placed.error().describe().find("not-the-secret") == std::string::npos);
    }
    SECTION("a 503 is an unknown outcome") {
        adapter a({"--error-rate", "1"});
        const auto placed = a.run(a.client.place_order(adapter::limit_buy("five-oh-three", "1000.00")));
        REQUIRE_FALSE(placed);
        CHECK(placed.error().kind == failure_kind::ambiguous);
    }
    SECTION("an answer lost after the order was accepted is an unknown outcome that reconciliation resolves") {
        adapter a({"--lost-answer-rate", "1"});
        const auto placed = a.run(a.client.place_order(adapter::limit_buy("lost-1", "1000.00")));
        REQUIRE_FALSE(placed);
        CHECK(placed.error().kind == failure_kind::ambiguous);
        const auto found = a.run(a.client.find_by_client_id("BTC_USDT", "lost-1", 0));
        REQUIRE(found);
        CHECK(found->has_value());
    }
    SECTION("a client id an open order already has is an unknown outcome, and that order is found by client id "
            "however long before the lookup window it was placed") {
        adapter a({"--unique-client-ids"});
        const auto first = a.run(a.client.place_order(adapter::limit_buy("placed-before", "1000.00")));
        REQUIRE(first);
        const auto again = a.run(a.client.place_order(adapter::limit_buy("placed-before", "1000.00")));
        REQUIRE_FALSE(again);
        CHECK(again.error().kind == failure_kind::ambiguous);
        CHECK(again.error().code == -2010);
        // The window starts after the order was placed, as for an order re-created in a restored database.
        const auto found = a.run(a.client.find_by_client_id("BTC_USDT", "placed-before", first->create_time + 1));
        REQUIRE(found);
        REQUIRE(found->has_value());
        CHECK((*found)->order_id == first->order_id);
        CHECK((*found)->status == domain::order_status::new_);
    }
    SECTION("a 429 makes the adapter wait Retry-After before it sends anything again") {
        adapter a({"--rate-limit-rate", "1", "--retry-after", "30"});
        const auto first = a.run(a.client.place_order(adapter::limit_buy("limited-1", "1000.00")));
        REQUIRE_FALSE(first);
        CHECK(first.error().kind == failure_kind::rate_limited);
        CHECK(first.error().retry_after == 30s);
        const auto second = a.run(a.client.balances());
        REQUIRE_FALSE(second);
        CHECK(second.error().kind == failure_kind::rate_limited);
        CHECK(second.error().http_status == 0);  // refused locally: no request reached the exchange
    }
}
