// `hft migrate` against a real PostgreSQL started by the harness, driven through the real binary.

#include "hft/store/kline_repository.hpp"
#include "support/postgres_instance.hpp"
#include "support/samples.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/stat.h>

#include <fstream>
#include <span>
#include <tuple>

using namespace hft::test;

namespace {

// One test's world: its own databases on the shared server, its own config.yml in a temp dir.
struct migrate_fixture {
    postgres_instance& pg = postgres_instance::shared();
    std::filesystem::path dir = make_temp_dir("hft-migrate-test");
    std::string market_data = pg.unique_database_name("market_data");
    std::string order_engine = pg.unique_database_name("order_engine");
    std::filesystem::path config = dir / "config.yml";

    migrate_fixture() { write_config(pg.dsn(market_data), pg.dsn(order_engine)); }
    ~migrate_fixture() { std::filesystem::remove_all(dir); }

    void write_config(const std::string& market_data_dsn, const std::string& order_engine_dsn) const {
        std::ofstream(config) << fmt::format("database:\n  market_data:\n    dsn: {}\n  order_engine:\n    dsn: {}\n",
                                             market_data_dsn, order_engine_dsn);
        ::chmod(config.c_str(), 0600);
    }

    command_result hft(std::vector<std::string> args) const {
        args.insert(args.begin(), {HFT_EXECUTABLE, "--config", config.string()});
        return run_command(args);
    }

    pqxx::connection connect(const std::string& database) const { return pqxx::connection(pg.dsn(database)); }

    int count(const std::string& database, const std::string& sql) const {
        auto connection = connect(database);
        pqxx::nontransaction tx{connection};
        return tx.exec(sql)[0][0].as<int>();
    }

    // Tables, columns, constraints and indexes: what "the same schema" means.
    std::string schema(const std::string& database) const {
        auto connection = connect(database);
        pqxx::nontransaction tx{connection};
        std::string text;
        for (const auto& row : tx.exec(
                 "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
                 "coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' "
                 "UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
                 "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
                 "UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")) {
            text += row[0].as<std::string>() + "\n";
        }
        return text;
    }
};

void require_rejected(pqxx::connection& connection, const std::string& sql) {
    INFO(sql);
    pqxx::work tx{connection};
    REQUIRE_THROWS_AS(tx.exec(sql), pqxx::sql_error);
}

}  // namespace

TEST_CASE("migrate creates a missing database and applies every migration", "[integration][migrate]") {
    migrate_fixture f;
    const auto result = f.hft({"migrate", "--databaseName=market_data"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.output, Catch::Contains("created database"));
    CHECK_THAT(result.output, Catch::Contains("applied 0003_create_market_klines.up.sql"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 3);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM market_klines") == 0);
}

TEST_CASE("migrate run twice leaves the same schema and the second run changes nothing", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=order_engine"}).exit_code == 0);
    const auto before = f.schema(f.order_engine);
    const auto again = f.hft({"migrate", "--databaseName=order_engine"});
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK_THAT(again.output, Catch::Contains("up to date, nothing to apply"));
    CHECK(f.schema(f.order_engine) == before);
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM trading_state") == 1);
}

TEST_CASE("migrate status lists every migration as applied", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=order_engine"}).exit_code == 0);
    const auto status = f.hft({"migrate", "--databaseName=order_engine", "--action", "status"});
    INFO(status.output);
    REQUIRE(status.exit_code == 0);
    for (const char* name : {"create_orders", "create_order_events", "create_fills", "create_positions",
                             "create_trading_state"}) {
        CHECK_THAT(status.output, Catch::Contains(name));
    }
    CHECK_THAT(status.output, Catch::Contains("5 migrations, 0 pending"));
    CHECK_THAT(status.output, !Catch::Contains("pending "));
}

TEST_CASE("migrate down reverts the newest migrations and up applies them again", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    const auto schema = f.schema(f.market_data);

    const auto one = f.hft({"migrate", "--databaseName=market_data", "--action", "down"});
    INFO(one.output);
    REQUIRE(one.exit_code == 0);
    CHECK_THAT(one.output, Catch::Contains("reverted 0003_create_market_klines"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM pg_tables WHERE tablename = 'market_klines'") == 0);

    REQUIRE(f.hft({"migrate", "--databaseName=market_data", "--action", "down", "--steps", "2"}).exit_code == 0);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 0);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> "
                                 "'schema_migrations'") == 0);

    REQUIRE(f.hft({"migrate", "--databaseName=market_data", "--steps", "1"}).exit_code == 0);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 1);
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    CHECK(f.schema(f.market_data) == schema);
}

TEST_CASE("concurrent migrate runs apply each migration exactly once", "[integration][migrate]") {
    migrate_fixture f;
    std::vector<child_process> runs;
    for (int i = 0; i < 3; ++i) {
        spawn_options options;
        options.log_file = f.dir / fmt::format("run{}.log", i);
        runs.emplace_back(std::vector<std::string>{HFT_EXECUTABLE, "--config", f.config.string(), "migrate",
                                                   "--databaseName=order_engine"},
                          options);
    }
    for (auto& run : runs) {
        const auto exit_code = run.wait_for_exit(std::chrono::seconds(120));
        INFO(read_file(run.log_file()));
        REQUIRE(exit_code == std::optional<int>(0));
    }
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM schema_migrations") == 5);
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM trading_state") == 1);
}

TEST_CASE("migrate refuses to run when an applied migration file was edited", "[integration][migrate]") {
    migrate_fixture f;
    const auto copy = f.dir / "market_data";
    std::filesystem::copy(std::filesystem::path(HFT_SOURCE_DIR) / "migrations" / "market_data", copy);
    REQUIRE(f.hft({"migrate", "--databaseName=market_data", "--migrations-dir", copy.string(), "--steps", "2"})
                .exit_code == 0);

    std::ofstream(copy / "0002_create_symbol_mappings.up.sql", std::ios::app) << "\n-- edited later\n";
    const auto result = f.hft({"migrate", "--databaseName=market_data", "--migrations-dir", copy.string()});
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("0002_create_symbol_mappings.up.sql was edited after it was applied"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 2);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM pg_tables WHERE tablename = 'market_klines'") == 0);
}

TEST_CASE("migrate explains an unreachable server without showing the password", "[integration][migrate]") {
    migrate_fixture f;
    const auto dsn = fmt::format("postgres://hft:TopSecretPw42@127.0.0.1:{}/market_data", free_port());
    f.write_config(dsn, dsn);
    const auto result = f.hft({"migrate", "--databaseName=market_data"});
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("cannot connect to PostgreSQL at postgres://hft:***@127.0.0.1"));
    CHECK_THAT(result.output, !Catch::Contains("TopSecretPw42"));
}

TEST_CASE("seed 000's INSERT statements work exactly as written", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    auto connection = f.connect(f.market_data);
    pqxx::work tx{connection};
    // Copied verbatim from seed 000's README, "6) Seed market_data".
    tx.exec(R"sql(INSERT INTO kline_subscriptions
(id, exchange, symbol, "interval", payload, created_at, updated_at)
VALUES
('2675c22f-d94b-4ede-bb27-5b6c375a1089', 'tokocrypto', 'TKO_IDR', '1m', '{"id": 1, "method": "SUBSCRIBE", "params": ["tkoidr@kline_1m"]}'::jsonb, '2026-02-22 13:46:45.903', '2026-02-22 13:46:45.903');)sql");
    tx.exec(R"sql(INSERT INTO symbol_mappings
(id, exchange, symbol, kline_symbol, order_symbol, created_at, updated_at)
VALUES
('4494faed-468c-46b5-b7ca-389419ad63ad', 'tokocrypto', 'TKOIDR', 'tkoidr', 'TKO_IDR', '2026-02-22 14:36:22.978', '2026-02-22 14:36:22.978');)sql");
    tx.commit();
    CHECK(f.count(f.market_data, "SELECT count(*) FROM kline_subscriptions WHERE enabled") == 1);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM symbol_mappings WHERE order_symbol = 'TKO_IDR'") == 1);
}

TEST_CASE("market_data constraints reject invalid rows", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    auto connection = f.connect(f.market_data);
    const std::string columns =
        "INSERT INTO market_klines (exchange, symbol, \"interval\", open_time, close_time, open_price, high_price, "
        "low_price, close_price, base_volume, quote_volume, taker_base_volume, taker_quote_volume, trade_count, "
        "is_closed, event_time, source) VALUES ";
    const auto kline = [&](const std::string& values) { return columns + "(" + values + ")"; };
    const std::string t0 = "'2023-03-01 00:00:00+00'", t1 = "'2023-03-01 00:00:59.999+00'";
    {
        pqxx::work tx{connection};
        tx.exec(kline("'sim','BTCUSDT','1m'," + t0 + "," + t1 + ",1,2,0.5,1.5,0,0,0,0,0,false," + t1 + ",'ws'"));
        tx.commit();
    }
    require_rejected(connection, kline("'sim','BTCUSDT','1m'," + t1 + "," + t1 + ",-1,2,0.5,1,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','BTCUSDT','1m','2023-03-01 00:02+00'," + t1 + ",1,1,1,1,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','BTCUSDT','1m','2023-03-01 00:01+00','2023-03-01 00:02+00',1,0.5,2,1,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','BTCUSDT','1m','2023-03-01 00:01+00','2023-03-01 00:02+00',1,1,1,1,-0.1,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','BTCUSDT','7m','2023-03-01 00:01+00','2023-03-01 00:02+00',1,1,1,1,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','btcusdt','1m','2023-03-01 00:01+00','2023-03-01 00:02+00',1,1,1,1,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, kline("'sim','BTCUSDT','1m'," + t0 + "," + t1 + ",1,2,0.5,1.5,0,0,0,0,0,false," + t1 + ",'ws'"));
    require_rejected(connection, "INSERT INTO kline_subscriptions (exchange, symbol, \"interval\", payload) "
                                 "VALUES ('sim', 'BTC_USDT', '1m', '[1, 2]'::jsonb)");
    require_rejected(connection, "INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) "
                                 "VALUES ('sim', 'btc usdt', 'btcusdt', 'BTC_USDT')");
}

TEST_CASE("order_engine constraints reject invalid rows", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=order_engine"}).exit_code == 0);
    auto connection = f.connect(f.order_engine);
    const auto order = [](const std::string& id, const std::string& type, const std::string& price,
                          const std::string& quantity, const std::string& filled, const std::string& status) {
        return fmt::format(
            "INSERT INTO orders (order_id, request_id, client_order_id, user_id, exchange, symbol, side, type, price, "
            "quantity, filled_quantity, avg_fill_price, status, source, requested_at) VALUES ('{0}', 'req-{0}', "
            "'c{1}', 'u1', 'sim', 'BTCUSDT', 'BUY', '{2}', {3}, {4}, {5}, {6}, '{7}', 'test', now())",
            id, std::hash<std::string>{}(id), type, price, quantity, filled, filled == "0" ? "NULL" : "100", status);
    };
    {
        pqxx::work tx{connection};
        tx.exec(order("o1", "LIMIT", "100", "2", "0", "NEW"));
        tx.exec("INSERT INTO order_events (order_id, event_type, status) VALUES ('o1', 'accepted', 'NEW')");
        tx.exec("INSERT INTO fills (exchange, symbol, trade_id, order_id, side, price, quantity, is_maker, trade_time) "
                "VALUES ('sim', 'BTCUSDT', 't1', 'o1', 'BUY', 100, 1, true, now())");
        tx.commit();
    }
    require_rejected(connection, order("o2", "LIMIT", "-1", "2", "0", "NEW"));
    require_rejected(connection, order("o3", "LIMIT", "100", "0", "0", "NEW"));
    require_rejected(connection, order("o4", "LIMIT", "100", "2", "3", "PARTIALLY_FILLED"));
    require_rejected(connection, order("o5", "LIMIT", "100", "2", "0", "DONE"));
    require_rejected(connection, order("o6", "LIMIT", "NULL", "2", "0", "NEW"));
    require_rejected(connection, order("o7", "MARKET", "100", "2", "0", "NEW"));
    require_rejected(connection, order("o8", "LIMIT", "100", "2", "1", "FILLED"));
    require_rejected(connection,
                     "INSERT INTO orders (order_id, request_id, client_order_id, user_id, exchange, symbol, side, type, "
                     "price, quantity, status, source, requested_at) VALUES ('o9', 'req-o1', 'c9', 'u1', 'sim', "
                     "'BTCUSDT', 'BUY', 'LIMIT', 100, 1, 'NEW', 'test', now())");
    require_rejected(connection, "INSERT INTO fills (exchange, symbol, trade_id, order_id, side, price, quantity, "
                                 "is_maker, trade_time) VALUES ('sim', 'BTCUSDT', 't1', 'o1', 'BUY', 100, 1, true, now())");
    require_rejected(connection, "UPDATE order_events SET status = 'FILLED'");
    require_rejected(connection, "DELETE FROM order_events");
    require_rejected(connection, "INSERT INTO positions (user_id, exchange, symbol, quantity) VALUES ('u1', 'sim', 'BTCUSDT', -1)");
    require_rejected(connection, "UPDATE trading_state SET state = 'PAUSED'");
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM order_events") == 1);
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM orders") == 1);
}

namespace {

// One candle in several states: only the close price, closedness and event time change.
hft::domain::kline candle_state(const char* close, bool closed, std::int64_t event_time) {
    auto k = hft::test::sample_kline();
    k.exchange = "sim";
    k.open_time = 1677628800000;
    k.close_time = k.open_time + 59999;
    k.open = hft::test::dec("23100");
    k.high = hft::test::dec("23200");
    k.low = hft::test::dec("23000");
    k.close = hft::test::dec(close);
    k.base_volume = hft::test::dec("1.00000001");
    k.is_closed = closed;
    k.event_time = event_time;
    return k;
}

}  // namespace

TEST_CASE("the kline upsert never lets a stale or open update overwrite a closed candle", "[integration][store]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    auto connection = f.connect(f.market_data);
    const long long t = 1677628800000;
    const auto upsert = [&](const hft::domain::kline& k) {
        pqxx::work tx{connection};
        const auto changed = hft::store::upsert_klines(tx, std::span(&k, 1));
        tx.commit();
        return changed;
    };
    const auto stored = [&] {
        pqxx::nontransaction tx{connection};
        const auto row = tx.exec1("SELECT close_price::text, is_closed, base_volume::text FROM market_klines");
        return std::tuple{row[0].as<std::string>(), row[1].as<bool>(), row[2].as<std::string>()};
    };

    CHECK(upsert(candle_state("23101", false, t + 1000)) == 1);
    CHECK(upsert(candle_state("23102", false, t + 2000)) == 1);
    CHECK(stored() == std::tuple<std::string, bool, std::string>{"23102", false, "1.00000001"});
    CHECK(upsert(candle_state("23100.5", false, t + 1500)) == 0);  // older open update: ignored
    CHECK(std::get<0>(stored()) == "23102");
    CHECK(upsert(candle_state("23103", true, t + 60000)) == 1);  // the close wins
    CHECK(upsert(candle_state("23104", false, t + 70000)) == 0);  // a later open update cannot reopen it
    CHECK(upsert(candle_state("23105", true, t + 80000)) == 0);   // nor can a second, different close
    CHECK(stored() == std::tuple<std::string, bool, std::string>{"23103", true, "1.00000001"});
}

TEST_CASE("a batch with several states of one candle stores the winning one", "[integration][store]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    auto connection = f.connect(f.market_data);
    const long long t = 1677628800000;
    std::vector<hft::domain::kline> batch{candle_state("23101", false, t + 1000), candle_state("23103", true, t + 60000),
                                          candle_state("23102", false, t + 2000)};
    auto other_minute = candle_state("23099", true, t + 120000);
    other_minute.open_time += 60000;
    other_minute.close_time += 60000;
    batch.push_back(other_minute);
    {
        pqxx::work tx{connection};
        CHECK(hft::store::upsert_klines(tx, batch) == 2);
        tx.commit();
    }
    CHECK(f.count(f.market_data, "SELECT count(*) FROM market_klines") == 2);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM market_klines WHERE is_closed AND close_price = 23103") == 1);
}
