// `hft migrate` against a real PostgreSQL started by the harness, driven through the real binary.

#include "hft/store/kline_repository.hpp"
#include "hft/store/migrator.hpp"
#include "support/postgres_instance.hpp"
#include "support/samples.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <span>
#include <thread>
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

    // Relations (tables, sequences, indexes), columns, constraints, index definitions, triggers and
    // functions of the public schema: what "the same schema" means. schema_migrations is the migrator's
    // own bookkeeping and is left out.
    std::string schema(const std::string& database) const {
        auto connection = connect(database);
        pqxx::nontransaction tx{connection};
        std::string text;
        for (const auto& row : tx.exec(
                 "SELECT * FROM ("
                 " SELECT 'relation ' || relname || ' ' || relkind::text FROM pg_class"
                 "  WHERE relnamespace = 'public'::regnamespace"
                 " UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' ||"
                 "  is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns"
                 "  WHERE table_schema = 'public'"
                 " UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' ||"
                 "  pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                 " UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'"
                 " UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
                 " UNION ALL SELECT 'function ' || pg_get_functiondef(oid) FROM pg_proc"
                 "  WHERE pronamespace = 'public'::regnamespace"
                 ") AS catalog(line) WHERE line NOT LIKE '%schema_migrations%' ORDER BY 1")) {
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
                             "create_trading_state", "client_order_id_charset"}) {
        CHECK_THAT(status.output, Catch::Contains(name));
    }
    CHECK_THAT(status.output, Catch::Contains("6 migrations, 0 pending"));
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

    const auto all = f.hft({"migrate", "--databaseName=market_data", "--action", "down", "--steps", "all"});
    INFO(all.output);
    REQUIRE(all.exit_code == 0);
    CHECK_THAT(all.output, Catch::Contains("reverted 0001_create_kline_subscriptions"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 0);
    const auto nothing = f.hft({"migrate", "--databaseName=market_data", "--action", "down"});
    CHECK(nothing.exit_code == 0);
    CHECK_THAT(nothing.output, Catch::Contains("nothing applied, nothing to revert"));
}

TEST_CASE("every down migration exactly reverses its up migration", "[integration][migrate]") {
    migrate_fixture f;
    for (const std::string set : {"market_data", "order_engine"}) {
        INFO(set);
        const auto database = set == "market_data" ? f.market_data : f.order_engine;
        REQUIRE(hft::store::ensure_database(f.pg.dsn(database)));
        const auto migrations = hft::store::embedded_migrations(set);
        hft::store::migrator migrator(f.pg.dsn(database), set, migrations);
        // schemas[i]: the schema with the first i migrations applied.
        std::vector<std::string> schemas{f.schema(database)};
        for (const auto& m : migrations) {
            REQUIRE(migrator.up(1).size() == 1);
            schemas.push_back(f.schema(database));
            INFO(m.up_filename());
            CHECK(schemas.back() != schemas[schemas.size() - 2]);
        }
        for (auto level = migrations.size(); level > 0; --level) {
            const auto reverted = migrator.down(1);
            REQUIRE(reverted.size() == 1);
            INFO("after reverting " << reverted[0].up_filename());
            CHECK(f.schema(database) == schemas[level - 1]);
        }
        CHECK(migrator.down(1).empty());
    }
}

TEST_CASE("status on a database never migrated shows every migration pending and creates nothing",
          "[integration][migrate]") {
    migrate_fixture f;
    const auto database = f.pg.create_database("market_data");
    f.write_config(f.pg.dsn(database), f.pg.dsn(f.order_engine));
    const auto status = f.hft({"migrate", "--databaseName=market_data", "--action", "status"});
    INFO(status.output);
    REQUIRE(status.exit_code == 0);
    const auto known = hft::store::embedded_migrations("market_data").size();
    CHECK_THAT(status.output, Catch::Contains(fmt::format("{} migrations, {} pending", known, known)));
    CHECK(f.count(database, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == 0);
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
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM schema_migrations") == 6);
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
    CHECK_THAT(result.output, Catch::Contains("0002_create_symbol_mappings.up.sql was edited after it was applied "
                                              "(checksum "));
    CHECK_THAT(result.output, Catch::Contains("restore the file and put the change in a new migration"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == 2);
    CHECK(f.count(f.market_data, "SELECT count(*) FROM pg_tables WHERE tablename = 'market_klines'") == 0);

    // status shows the drift and says so in its exit code; so it does for a version no file knows.
    const auto status = f.hft({"migrate", "--databaseName=market_data", "--action", "status", "--migrations-dir",
                               copy.string()});
    INFO(status.output);
    CHECK(status.exit_code == 1);
    CHECK_THAT(status.output, Catch::Contains("EDITED AFTER APPLY"));
    std::filesystem::remove(copy / "0002_create_symbol_mappings.up.sql");
    std::filesystem::remove(copy / "0002_create_symbol_mappings.down.sql");
    const auto missing = f.hft({"migrate", "--databaseName=market_data", "--action", "status", "--migrations-dir",
                                copy.string()});
    INFO(missing.output);
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.output, Catch::Contains("APPLIED, FILE MISSING"));
}

TEST_CASE("a failing migration is rolled back whole and named", "[integration][migrate]") {
    migrate_fixture f;
    // --migrations-dir also accepts the migrations/ root that holds one folder per database.
    const auto root = f.dir / "migrations";
    std::filesystem::create_directories(root);
    std::filesystem::copy(std::filesystem::path(HFT_SOURCE_DIR) / "migrations" / "market_data", root / "market_data");
    const auto known = hft::store::embedded_migrations("market_data");
    const auto next = fmt::format("{:04}_broken", known.back().version + 1);
    std::ofstream(root / "market_data" / (next + ".up.sql"))
        << "CREATE TABLE half_done (x int);\nSELECT no_such_column FROM market_klines;\n";
    std::ofstream(root / "market_data" / (next + ".down.sql")) << "DROP TABLE half_done;\n";

    const auto result = f.hft({"migrate", "--databaseName=market_data", "--migrations-dir", root.string()});
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains(next + ".up.sql failed and was rolled back"));
    CHECK_THAT(result.output, Catch::Contains("no_such_column"));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM schema_migrations") == static_cast<int>(known.size()));
    CHECK(f.count(f.market_data, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'") == 0);
}

TEST_CASE("a second migrate run waits for the first one's lock, then finds nothing to do", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    // This connection plays the first run: it holds the lock every run of this database takes.
    auto holder = f.connect(f.market_data);
    pqxx::nontransaction lock{holder};
    const auto key = hft::store::migration_lock_key("market_data");
    lock.exec_params("SELECT pg_advisory_lock($1)", key);

    spawn_options options;
    options.log_file = f.dir / "second.log";
    child_process second({HFT_EXECUTABLE, "--config", f.config.string(), "migrate", "--databaseName=market_data"},
                         options);
    const bool waiting =
        eventually([&] { return read_file(options.log_file).find("waiting for it to finish") != std::string::npos; });
    INFO(read_file(options.log_file));
    REQUIRE(waiting);
    CHECK(second.running());

    lock.exec_params("SELECT pg_advisory_unlock($1)", key);
    REQUIRE(second.wait_for_exit(std::chrono::seconds(60)) == std::optional<int>(0));
    CHECK_THAT(read_file(options.log_file), Catch::Contains("up to date, nothing to apply"));
}

TEST_CASE("ensure_database creates a missing database exactly once when raced", "[integration][migrate]") {
    auto& pg = postgres_instance::shared();
    const auto database = pg.unique_database_name("raced");
    std::atomic<int> created{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i) {
        racers.emplace_back([&] {
            try {
                if (hft::store::ensure_database(pg.dsn(database))) ++created;
            } catch (const std::exception&) {
                ++failed;
            }
        });
    }
    for (auto& racer : racers) racer.join();
    CHECK(failed == 0);
    CHECK(created == 1);
    CHECK_FALSE(hft::store::ensure_database(pg.dsn(database)));
}

TEST_CASE("migrate works for a user who may not enter the postgres database, and explains what it cannot do",
          "[integration][migrate]") {
    migrate_fixture f;
    const auto role = f.pg.unique_database_name("limited");
    const auto owned = f.pg.unique_database_name("market_data");
    auto admin = f.connect("postgres");
    {
        pqxx::nontransaction tx{admin};
        tx.exec("CREATE ROLE " + tx.quote_name(role) + " LOGIN");
        tx.exec("CREATE DATABASE " + tx.quote_name(owned) + " OWNER " + tx.quote_name(role));
        tx.exec("REVOKE CONNECT ON DATABASE postgres FROM PUBLIC");
    }
    const auto as_role = [&](const std::string& database) {
        return fmt::format("postgres://{}@127.0.0.1:{}/{}?sslmode=disable", role, f.pg.port(), database);
    };

    // The database exists: no need for the maintenance database at all.
    f.write_config(as_role(owned), f.pg.dsn(f.order_engine));
    const auto migrated = f.hft({"migrate", "--databaseName=market_data"});
    INFO(migrated.output);
    CHECK(migrated.exit_code == 0);

    // Missing and not creatable from here: say so and how to fix it.
    f.write_config(as_role(f.market_data), f.pg.dsn(f.order_engine));
    const auto unreachable = f.hft({"migrate", "--databaseName=market_data"});
    INFO(unreachable.output);
    CHECK(unreachable.exit_code == 1);
    CHECK_THAT(unreachable.output, Catch::Contains("does not exist and cannot be created"));

    // Allowed in, but not allowed to create databases.
    {
        pqxx::nontransaction tx{admin};
        tx.exec("GRANT CONNECT ON DATABASE postgres TO PUBLIC");
    }
    const auto refused = f.hft({"migrate", "--databaseName=market_data"});
    INFO(refused.output);
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.output, Catch::Contains("permission denied to create database"));
    CHECK_THAT(refused.output, Catch::Contains("grant the user CREATEDB"));
}

TEST_CASE("migrate explains an unreachable server without showing the password", "[integration][migrate]") {
    migrate_fixture f;
    const auto dsn = fmt::format("postgres://hft:TopSecretPw42@127.0.0.1:{}/market_data", free_port());
    f.write_config(dsn, dsn);
    const auto result = f.hft({"migrate", "--databaseName=market_data"});
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("cannot connect to PostgreSQL at 127.0.0.1:"));
    CHECK_THAT(result.output, Catch::Contains("(database market_data, user hft): Connection refused"));
    CHECK_THAT(result.output, Catch::Contains("try scripts/infra up"));
    CHECK_THAT(result.output, !Catch::Contains("TopSecretPw42"));
}

TEST_CASE("the example kline_subscriptions and symbol_mappings INSERT statements work exactly as written", "[integration][migrate]") {
    migrate_fixture f;
    REQUIRE(f.hft({"migrate", "--databaseName=market_data"}).exit_code == 0);
    auto connection = f.connect(f.market_data);
    pqxx::work tx{connection};
    // Verbatim as operators write them: explicit ids and timestamps, a quoted "interval", a jsonb payload.
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
        // Strategy order ids are their own client ids: dashes, as in grid-1-1677628800000-0, are allowed.
        tx.exec("INSERT INTO orders (order_id, request_id, client_order_id, user_id, exchange, symbol, side, type, "
                "quantity, status, source, requested_at) VALUES ('grid-1-1677628800000-0', 'grid-1-1677628800000-0', "
                "'grid-1-1677628800000-0', 'u1', 'sim', 'BTCUSDT', 'BUY', 'MARKET', 1, 'NEW', 'strategy', now())");
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
    require_rejected(connection,
                     "INSERT INTO orders (order_id, request_id, client_order_id, user_id, exchange, symbol, side, type, "
                     "price, quantity, status, source, requested_at) VALUES ('o10', 'req-o10', 'c 10', 'u1', 'sim', "
                     "'BTCUSDT', 'BUY', 'LIMIT', 100, 1, 'NEW', 'test', now())");
    require_rejected(connection, "INSERT INTO fills (exchange, symbol, trade_id, order_id, side, price, quantity, "
                                 "is_maker, trade_time) VALUES ('sim', 'BTCUSDT', 't1', 'o1', 'BUY', 100, 1, true, now())");
    require_rejected(connection, "UPDATE order_events SET status = 'FILLED'");
    require_rejected(connection, "DELETE FROM order_events");
    require_rejected(connection, "INSERT INTO positions (user_id, exchange, symbol, quantity) VALUES ('u1', 'sim', 'BTCUSDT', -1)");
    require_rejected(connection, "UPDATE trading_state SET state = 'PAUSED'");
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM order_events") == 1);
    CHECK(f.count(f.order_engine, "SELECT count(*) FROM orders") == 2);
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

TEST_CASE("a migrated database survives a PostgreSQL restart on the same port", "[integration][migrate][harness]") {
    // Its own server: restarting the shared one would cut off tests running beside this one.
    postgres_instance pg;
    const auto port = pg.port();
    const auto database = pg.unique_database_name("market_data");
    REQUIRE(hft::store::ensure_database(pg.dsn(database)));
    hft::store::migrator migrator(pg.dsn(database), "market_data", hft::store::embedded_migrations("market_data"));
    REQUIRE_FALSE(migrator.up().empty());

    pg.restart();
    INFO(pg.log());
    CHECK(pg.running());
    CHECK(pg.port() == port);
    CHECK(migrator.up().empty());
    const auto status = migrator.status();
    CHECK(std::all_of(status.begin(), status.end(),
                      [](const auto& row) { return row.state == hft::store::migration_state::applied; }));
}
