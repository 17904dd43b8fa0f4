// Order entry after quiet spells, with the real processes: `hft order-engine-gateway` trading on `hft exchange-sim`
// whose HTTP keep-alive timeout is cut to 1 s. The exchange closes an idle order-entry connection; an order (or a
// cancel) that comes later must still reach it, never end UNKNOWN or REJECTED for having used a stale connection.
// And a request that surely never reached the exchange is told apart from one whose fate is unknown.

#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/samples.hpp"
#include "support/service_fixture.hpp"
#include "support/tcp_states.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <poll.h>
#include <sys/socket.h>

#include <optional>
#include <string>

using namespace hft;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace tk = hft::exchange::tokocrypto;

namespace {

constexpr auto api_key = "order-entry-idle-key";

// The sim (1 s keep-alive timeout), NATS, two migrated databases and the order engine process.
class trading_venue {
public:
    explicit trading_venue(std::string_view keep_warm)
        : sim_({"--symbols", "BTCUSDT", "--account", "trader:trader-secret:USDT=10000,BTC=1", "--http-idle-timeout",
                "1"}),
          http_port_(static_cast<std::uint16_t>(test::free_port())),
          engine_("order-engine-gateway", dir_ / "config.yml", dir_, "engine") {
        REQUIRE(sim_.ready);
        const auto config = dir_ / "config.yml";
        test::write_private_config(config, fmt::format(
            "api_keys:\n  - name: test\n    key: {key}\n"
            "port:\n  order_engine_gateway_http: {http_port}\n"
            "nats_jetstream:\n  url: {nats}\n"
            "database:\n  market_data:\n    dsn: {market}\n  order_engine:\n    dsn: {orders}\n"
            "exchanges:\n  tokocrypto:\n    api_key: trader\n    api_secret: trader-secret\n    base_url: {sim}\n"
            "    order_entry_keep_warm: {keep_warm}\n"
            "order_engine_gateway:\n  poll_interval: 200ms\n  unknown_retry: 200ms\n",
            fmt::arg("key", api_key), fmt::arg("http_port", http_port_), fmt::arg("nats", nats_.url()),
            fmt::arg("market", pg().dsn(market_database_)), fmt::arg("orders", pg().dsn(orders_database_)),
            fmt::arg("sim", sim_.http_url()), fmt::arg("keep_warm", keep_warm)));
        for (const auto* name : {"market_data", "order_engine"}) test::require_migrated(config, name);
        pqxx::connection market(pg().dsn(market_database_));
        pqxx::work tx(market);
        tx.exec("INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) "
                "VALUES ('tokocrypto', 'BTCUSDT', 'btcusdt', 'BTC_USDT')");
        tx.commit();
        engine_.start();
        const bool ready = test::eventually(
            [&] { return test::http_get("127.0.0.1", http_port_, "/readyz", 1s).status == 200; }, 60s);
        INFO(engine_.log());
        REQUIRE(ready);
    }

    ~trading_venue() {
        engine_.stop(10s);
        std::filesystem::remove_all(dir_);
    }

    // A synchronous place through the HTTP API: its answer once the exchange answered.
    test::sync_http_result place(const std::string& order_id, std::string_view type, std::optional<std::string> price) {
        json body{{"request_id", "req-" + order_id}, {"order_id", order_id}, {"user_id", "alice"},
                  {"exchange", "tokocrypto"}, {"symbol", "BTCUSDT"}, {"type", type}, {"side", "BUY"},
                  {"quantity", "0.01"}, {"source", "test"}};
        if (price) body["price"] = *price;
        return test::http_request_sync("127.0.0.1", http_port_, "POST", "/order-engine/v1/orders", body.dump(), 30s,
                                       {{"X-API-Key", api_key}, {"Content-Type", "application/json"}});
    }

    test::sync_http_result cancel(const std::string& order_id) {
        return test::http_request_sync("127.0.0.1", http_port_, "DELETE",
                                       "/order-engine/v1/orders/" + order_id + "?user_id=alice", {}, 30s,
                                       {{"X-API-Key", api_key}});
    }

    // The engine's connections to the exchange in `state` (the engine is the only client of the sim here).
    std::size_t engine_connections(test::tcp_state state) const { return test::tcp_connections_to(sim_.port, state); }

    // Until the exchange has closed every connection the engine keeps to it for idleness.
    bool all_closed_by_exchange() const {
        return test::eventually([&] {
            return engine_connections(test::tcp_state::established) == 0 &&
                   engine_connections(test::tcp_state::close_wait) > 0;
        });
    }

    // Opens a connection to the exchange, sends nothing, and returns once the exchange has closed it for
    // idleness: from then on, any connection last used before the call has been idle past the timeout too.
    bool wait_out_idle_timeout() const {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket probe(io);
        probe.connect({boost::asio::ip::make_address("127.0.0.1"), sim_.port});
        pollfd readable{probe.native_handle(), POLLIN, 0};
        if (::poll(&readable, 1, 10'000) != 1) return false;
        char byte = 0;
        return ::recv(probe.native_handle(), &byte, 1, 0) == 0;
    }

    void stop_exchange() { sim_.process.reset(); }
    std::string logs() const { return (sim_.process ? "==== sim\n" + sim_.log() : "") + "==== engine\n" + engine_.log(); }

private:
    static test::postgres_instance& pg() { return test::postgres_instance::shared(); }

    std::filesystem::path dir_ = test::make_temp_dir("hft-order-entry-idle");
    test::nats_server_instance nats_;
    std::string market_database_ = pg().unique_database_name("market_data");
    std::string orders_database_ = pg().unique_database_name("order_engine");
    test::sim_process sim_;
    std::uint16_t http_port_;
    test::hft_service engine_;
};

std::string status_of(const test::sync_http_result& answer) {
    const auto body = json::parse(answer.body, nullptr, false);
    return body.is_object() ? body.value("status", "") : "";
}

}  // namespace

TEST_CASE("an order placed, canceled and placed again after the order-entry connection idled past the exchange's "
          "keep-alive timeout reaches the exchange each time",
          "[integration][order-entry]") {
    trading_venue venue("0s");  // nothing keeps the connection open: the check before reuse must do
    REQUIRE(venue.all_closed_by_exchange());

    const auto resting = venue.place("idle-resting", "LIMIT", "1000.00");
    INFO(resting.body << "\n" << venue.logs());
    REQUIRE(resting.status == 201);
    CHECK(status_of(resting) == "NEW");

    // The open order is polled over the query connection; the order-entry one idles out alone.
    REQUIRE(test::eventually([&] { return venue.engine_connections(test::tcp_state::close_wait) > 0; }));
    const auto canceled = venue.cancel("idle-resting");
    INFO(canceled.body);
    REQUIRE(canceled.status == 200);
    CHECK(status_of(canceled) == "CANCELED");

    REQUIRE(venue.all_closed_by_exchange());
    const auto bought = venue.place("idle-market", "MARKET", std::nullopt);
    INFO(bought.body);
    REQUIRE(bought.status == 201);
    CHECK(status_of(bought) == "FILLED");
}

TEST_CASE("a kept-warm order-entry connection outlives the exchange's keep-alive timeout", "[integration][order-entry]") {
    trading_venue venue("300ms");
    // A filled order uses both connections (its trades come over the query one) and leaves nothing to poll.
    const auto bought = venue.place("warm-market", "MARKET", std::nullopt);
    INFO(bought.body);
    REQUIRE(status_of(bought) == "FILLED");
    REQUIRE(venue.wait_out_idle_timeout());
    INFO(venue.logs());
    // The query connection, idle since, is closed; the order-entry one, as idle but for the pings, is open.
    CHECK(venue.engine_connections(test::tcp_state::close_wait) == 1);
    CHECK(venue.engine_connections(test::tcp_state::established) == 1);
    const auto resting = venue.place("warm-resting", "LIMIT", "1000.00");
    REQUIRE(resting.status == 201);
    CHECK(status_of(resting) == "NEW");
}

TEST_CASE("an order sent while the exchange is down is REJECTED as never sent at once, not UNKNOWN",
          "[integration][order-entry]") {
    trading_venue venue("0s");
    const auto before = venue.place("before-outage", "LIMIT", "1000.00");  // the symbol rules are cached now
    INFO(before.body);
    REQUIRE(status_of(before) == "NEW");
    venue.stop_exchange();
    const auto refused = venue.place("exchange-down", "LIMIT", "1000.00");
    INFO(refused.body << "\n" << venue.logs());
    REQUIRE(refused.status == 201);
    CHECK(status_of(refused) == "REJECTED");
    const auto body = json::parse(refused.body, nullptr, false);
    CHECK_THAT(body.value("reason", ""), Catch::Contains("never reached the exchange") && Catch::Contains("Connection refused"));
}

TEST_CASE("the adapter reports a request it could not connect for as not sent, never ambiguous",
          "[integration][order-entry]") {
    boost::asio::io_context io;
    tk::rest_client client(io.get_executor(),
                           *net::http_origin::parse("http://127.0.0.1:" + std::to_string(test::free_port())),
                           tk::credentials{"trader", "trader-secret"});
    tk::new_order order{"BTC_USDT", domain::order_side::buy, domain::order_type::limit, test::dec("1000.00"),
                        test::dec("0.01"), std::nullopt, "never-sent"};
    auto call = client.place_order(std::move(order));
    std::optional<tk::result<tk::exchange_order>> placed;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { placed.emplace(co_await std::move(call)); },
        [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        });
    io.run_for(20s);
    REQUIRE(placed);
    REQUIRE_FALSE(*placed);
    CHECK(placed->error().kind == tk::failure_kind::not_sent);
    CHECK_THAT(placed->error().describe(), Catch::StartsWith("not sent") && Catch::Contains("Connection refused"));
}
