#pragma once

// The order engine's integration tests share this fixture: the engine in process against the real exchange-sim.

#include "hft/bus/connection.hpp"
#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/services/order_engine.hpp"
#include "hft/store/order_repository.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/process.hpp"
#include "support/samples.hpp"
#include "support/service_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hft::test {

using namespace std::chrono_literals;

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// One test's world: a private NATS (the stream names are fixed), two migrated databases, the sim, and the engine
// running on `io` for as long as the fixture lives.
struct engine_fixture {
    explicit engine_fixture(std::vector<std::string> faults = {}, app::risk_limits_config risk = {})
        : sim([&] {
              std::vector<std::string> flags{"--symbols", "BTCUSDT", "--seed", "7", "--account",
                                             "trader:trader-secret:USDT=10000,BTC=1", "--maker-fee", "0.001",
                                             "--taker-fee", "0.002"};
              flags.insert(flags.end(), faults.begin(), faults.end());
              return flags;
          }()) {
        REQUIRE(sim.ready);
        test::write_private_config(
            config_file,
            fmt::format("nats_jetstream:\n  url: {}\ndatabase:\n  market_data:\n    dsn: {}\n  order_engine:\n    dsn: {}\n",
                        nats.url(), pg.dsn(market_database), pg.dsn(orders_database)));
        for (const auto* name : {"market_data", "order_engine"}) test::require_migrated(config_file, name);
        sql(market_database, "INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) "
                             "VALUES ('tokocrypto', 'BTCUSDT', 'btcusdt', 'BTC_USDT')");

        cfg.nats_jetstream = app::nats_jetstream_config{.url = nats.url()};
        cfg.database.market_data = app::database_config{.dsn = pg.dsn(market_database)};
        cfg.database.order_engine = app::database_config{.dsn = pg.dsn(orders_database)};
        app::exchange_config tokocrypto;
        tokocrypto.api_key = app::secret("trader");
        tokocrypto.api_secret = app::secret("trader-secret");
        tokocrypto.base_url = sim.http_url();
        cfg.exchanges.emplace("tokocrypto", tokocrypto);
        cfg.graceful_shutdown_timeout = 5s;
        cfg.order_engine_gateway.poll_interval = 200ms;
        cfg.order_engine_gateway.unknown_retry = 200ms;
        cfg.order_engine_gateway.trading_state_refresh = 100ms;
        cfg.order_engine_gateway.ack_wait = 5s;
        cfg.order_engine_gateway.risk = std::move(risk);
    }

    ~engine_fixture() {
        stop_engine();
        std::filesystem::remove_all(dir);
    }

    void start_engine() {
        engine.emplace(io.get_executor(), bus, cfg);
        engine_done = false;
        boost::asio::co_spawn(io, engine->run(), [this](std::exception_ptr error) {
            engine_done = true;
            if (error) std::rethrow_exception(error);
        });
        REQUIRE(run_until([&] { return engine->ready(); }, 30s));
    }

    void stop_engine() {
        if (!engine) return;
        engine->stop();
        run_until([&] { return engine_done; }, 30s);
        engine.reset();
    }

    // Runs the io_context until `condition` holds; false after `timeout`.
    template <class Condition>
    bool run_until(Condition condition, std::chrono::milliseconds timeout = 30s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            io.restart();
            io.run_for(20ms);
        }
        return true;
    }

    // Runs one call to completion while the engine keeps running.
    template <class T>
    T call(boost::asio::awaitable<T> work) {
        std::optional<T> outcome;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await std::move(work)); },
            [](std::exception_ptr error) {
                if (error) std::rethrow_exception(error);
            });
        REQUIRE(run_until([&] { return outcome.has_value(); }, 60s));
        return std::move(*outcome);
    }

    pqxx::result sql(const std::string& database, const std::string& statement) const {
        pqxx::connection connection(pg.dsn(database));
        pqxx::work tx{connection};
        auto result = tx.exec(statement);
        tx.commit();
        return result;
    }
    pqxx::result orders_sql(const std::string& statement) const { return sql(orders_database, statement); }

    std::optional<domain::order_record> stored(const std::string& order_id) const {
        pqxx::connection connection(pg.dsn(orders_database));
        return store::find_order(connection, order_id);
    }

    // The sim's orders (open and history) carrying the engine's client id for `order_id`.
    std::vector<exchange::tokocrypto::exchange_order> on_sim(const std::string& order_id) {
        const auto all = call(venue.all_orders("BTC_USDT", 0));
        REQUIRE(all);
        std::vector<exchange::tokocrypto::exchange_order> found;
        for (const auto& o : *all) {
            if (o.client_id == exchange::tokocrypto::client_order_id(order_id)) found.push_back(o);
        }
        return found;
    }

    // Places through the engine and returns its answer.
    services::order_result<domain::order_record> place(domain::place_order_command c) {
        return call(engine->place(std::move(c)));
    }

    static domain::place_order_command command(std::string id, domain::order_type type, domain::order_side side,
                                               std::optional<std::string> price, std::string quantity) {
        domain::place_order_command c;
        c.request_id = "req-" + id;
        c.order_id = id;
        c.user_id = "alice";
        c.exchange = "tokocrypto";
        c.symbol = "btcusdt";  // the stream form: resolved to BTCUSDT / BTC_USDT
        c.type = type;
        c.side = side;
        if (price) c.price = dec(*price);
        c.quantity = dec(quantity);
        c.source = "test";
        c.requested_at = now_ms();
        return c;
    }

    test::nats_server_instance nats;
    test::postgres_instance& pg = test::postgres_instance::shared();
    std::filesystem::path dir = test::make_temp_dir("hft-order-engine-test");
    std::filesystem::path config_file = dir / "config.yml";
    std::string market_database = pg.unique_database_name("market_data");
    std::string orders_database = pg.unique_database_name("order_engine");
    test::sim_process sim;
    app::config cfg;
    boost::asio::io_context io;
    bus::connection bus{io.get_executor(), bus::connection_options{.url = nats.url(), .name = "order-engine-test",
                                                                   .reconnect_wait = 100ms, .reconnect_jitter = 50ms}};
    exchange::tokocrypto::rest_client venue{io.get_executor(), *net::http_origin::parse(sim.http_url()),
                          exchange::tokocrypto::credentials{"trader", "trader-secret"}};
    std::optional<services::order_engine> engine;
    bool engine_done = true;
};

}  // namespace hft::test
