// hft market-data-gateway as an operator meets it when something it needs is missing or slow: it says what is
// unreachable and where, keeps retrying instead of exiting (no crash loop under systemd), and still stops
// cleanly on SIGTERM.

#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/service_fixture.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <fstream>

using namespace hft;
using namespace std::chrono_literals;

namespace {

// A migrated market_data database with one enabled subscription: sim BTCUSDT 1m.
void migrate_with_one_subscription(const std::string& dsn) {
    const auto migrate_config = test::make_temp_dir("hft-gateway") / "migrate.yml";
    test::write_private_config(migrate_config, "database:\n  market_data:\n    dsn: " + dsn + "\n");
    test::require_migrated(migrate_config, "market_data");
    REQUIRE(test::run_command({"psql", dsn, "-qc",
                               "INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) VALUES "
                               "('sim', 'BTCUSDT', 'btcusdt', 'BTC_USDT');"
                               "INSERT INTO kline_subscriptions (exchange, symbol, \"interval\") VALUES "
                               "('sim', 'BTCUSDT', '1m')"})
                .exit_code == 0);
}

struct waiting_gateway {
    /// `tuning`: more market_data_gateway settings, as indented YAML lines.
    waiting_gateway(const std::string& nats_url, const std::string& dsn, int exchange_port,
                    std::string_view tuning = "")
        : dir(test::make_temp_dir("hft-gateway")) {
        std::ofstream(dir / "config.yml") << "nats_jetstream:\n  url: " << nats_url << "\n"
                                          << "database:\n  market_data:\n    dsn: " << dsn << "\n"
                                          << "exchanges:\n  sim:\n    stream_url: ws://127.0.0.1:" << exchange_port
                                          << "\n    market_data_url: http://127.0.0.1:" << exchange_port << "\n"
                                          << "market_data_gateway:\n  reconnect_min: 100ms\n  reconnect_max: 500ms\n"
                                          << tuning;
        gateway.emplace("market-data-gateway", dir / "config.yml", dir, "gateway");
        gateway->start();
    }

    /// Waits for `text` in the log; fails the check with the whole log when it never comes.
    void says(std::string_view text) {
        if (!test::eventually([&] { return gateway->log().find(text) != std::string::npos; }, 30s)) {
            FAIL_CHECK("the gateway never said \"" << text << "\"; its log:\n" << gateway->log());
        }
    }

    std::filesystem::path dir;
    std::optional<test::hft_service> gateway;
};

}  // namespace

TEST_CASE("the gateway waits for an unreachable NATS, database and exchange and exits 0 on SIGTERM",
          "[integration][market-data]") {
    auto& pg = test::postgres_instance::shared();
    test::nats_server_instance nats;
    const auto database = pg.unique_database_name("market_data");
    const auto closed_port = test::free_port();

    SECTION("NATS") {
        waiting_gateway w("nats://127.0.0.1:" + std::to_string(closed_port), pg.dsn(database), closed_port);
        w.says("cannot set up the KLINE stream");
        CHECK(w.gateway->running());
        CHECK(w.gateway->stop() == 0);
    }
    SECTION("PostgreSQL") {
        waiting_gateway w(nats.url(), "postgres://hft@127.0.0.1:" + std::to_string(closed_port) + "/market_data",
                          closed_port);
        w.says("cannot read subscriptions from 127.0.0.1:" + std::to_string(closed_port));
        w.says("retrying in");
        CHECK(w.gateway->running());
        CHECK(w.gateway->stop() == 0);
    }
    SECTION("a database that was never migrated") {
        const auto empty = pg.create_database("market_data_empty");
        waiting_gateway w(nats.url(), pg.dsn(empty), closed_port);
        w.says("run hft migrate --databaseName=market_data");
        CHECK(w.gateway->stop() == 0);
    }
    SECTION("the exchange") {
        migrate_with_one_subscription(pg.dsn(database));
        waiting_gateway w(nats.url(), pg.dsn(database), closed_port);
        w.says("sim: cannot connect to ws://127.0.0.1:" + std::to_string(closed_port) + "/stream");
        w.says("(attempt 3)");
        CHECK(w.gateway->running());
        CHECK(w.gateway->stop() == 0);
    }
}

TEST_CASE("the gateway exits 0 on SIGTERM while PostgreSQL has not answered a subscription reload yet",
          "[integration][market-data]") {
    auto& pg = test::postgres_instance::shared();
    test::nats_server_instance nats;
    const auto dsn = pg.dsn(pg.unique_database_name("market_data"));
    migrate_with_one_subscription(dsn);
    waiting_gateway w(nats.url(), dsn, test::free_port(), "  reload_interval: 100ms\n");
    w.says("sim: cannot connect to");  // the plan is loaded and the venue's feed runs

    // The next reload waits for this lock.
    pqxx::connection locker(dsn);
    pqxx::work lock(locker);
    lock.exec("LOCK TABLE kline_subscriptions IN ACCESS EXCLUSIVE MODE");
    const auto reload_waits = [&] {
        pqxx::connection observer(dsn);
        return pqxx::nontransaction(observer)
                   .exec1("SELECT count(*) FROM pg_locks WHERE NOT granted AND "
                          "relation = 'kline_subscriptions'::regclass")[0]
                   .as<int>() > 0;
    };
    REQUIRE(test::eventually(reload_waits));
    w.gateway->terminate();
    w.says("signal 15");
    // PostgreSQL answers the reload only well after the stop began: a gateway that did not wait for it would be
    // past its last log line by then, with the reload's completion stranded on a lane it had joined.
    lock.exec("SELECT pg_sleep(1)");
    lock.abort();
    const auto exit_code = w.gateway->wait_for_exit();
    INFO(w.gateway->log());
    CHECK(exit_code == 0);
}
