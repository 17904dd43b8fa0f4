#include "hft/store/migrator.hpp"

#include "hft/app/digest.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace hft::store;

namespace {

std::vector<migration_file> three_migrations() {
    return {{"0001_first.up.sql", "CREATE TABLE a (x int);"}, {"0001_first.down.sql", "DROP TABLE a;"},
            {"0002_second.up.sql", "CREATE TABLE b (x int);"}, {"0002_second.down.sql", "DROP TABLE b;"},
            {"0005_third.up.sql", "CREATE TABLE c (x int);"}, {"0005_third.down.sql", "DROP TABLE c;"}};
}

applied_migration applied_from(const migration& m) { return {m.version, m.name, m.checksum, "2026-11-28T00:00:00Z"}; }

}  // namespace

TEST_CASE("migration files pair up into versions in order, gaps allowed", "[store][migrate]") {
    auto files = three_migrations();
    std::swap(files[0], files[5]);
    const auto migrations = assemble_migrations(files);
    REQUIRE(migrations.size() == 3);
    CHECK(migrations[0].version == 1);
    CHECK(migrations[2].version == 5);
    CHECK(migrations[2].name == "third");
    CHECK(migrations[1].up_filename() == "0002_second.up.sql");
    CHECK(migrations[0].checksum == hft::app::sha256_hex("CREATE TABLE a (x int);"));
}

TEST_CASE("a migration without a down twin is refused by name", "[store][migrate]") {
    auto files = three_migrations();
    files.pop_back();
    REQUIRE_THROWS_WITH(assemble_migrations(files), Catch::Contains("0005_third.up.sql: has no .down.sql twin"));
}

TEST_CASE("a down file without an up twin is refused", "[store][migrate]") {
    auto files = three_migrations();
    files.erase(files.begin() + 4);
    REQUIRE_THROWS_WITH(assemble_migrations(files), Catch::Contains("0005_third.down.sql has no .up.sql twin"));
}

TEST_CASE("two migrations with one version number are refused", "[store][migrate]") {
    auto files = three_migrations();
    files.push_back({"0002_other.up.sql", "SELECT 1;"});
    REQUIRE_THROWS_WITH(assemble_migrations(files), Catch::Contains("version 0002 is already used"));
}

TEST_CASE("badly named migration files are refused", "[store][migrate]") {
    for (const char* name : {"1_short.up.sql", "0001-dash.up.sql", "0001_Upper.up.sql", "0000_zero.up.sql",
                             "0001_name.sql", "0001_.up.sql"}) {
        INFO(name);
        REQUIRE_THROWS_WITH(assemble_migrations({{name, "SELECT 1;"}}), Catch::Contains("not a migration file name"));
    }
}

TEST_CASE("a migration with its own transaction control is refused", "[store][migrate]") {
    auto files = three_migrations();
    files[0].content = "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n";
    REQUIRE_THROWS_WITH(assemble_migrations(files), Catch::Contains("contains BEGIN/COMMIT/ROLLBACK"));
}

TEST_CASE("a plpgsql body's BEGIN is not transaction control", "[store][migrate]") {
    auto files = three_migrations();
    files[0].content = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND\n$$;\n";
    REQUIRE_NOTHROW(assemble_migrations(files));
}

TEST_CASE("up plans every pending migration, or only the next N", "[store][migrate]") {
    const auto known = assemble_migrations(three_migrations());
    const std::vector<applied_migration> applied{applied_from(known[0])};
    const auto all = plan_up(known, applied, std::nullopt);
    REQUIRE(all.size() == 2);
    CHECK(all[0].version == 2);
    CHECK(all[1].version == 5);
    const auto one = plan_up(known, applied, 1);
    REQUIRE(one.size() == 1);
    CHECK(one[0].version == 2);
    CHECK(plan_up(known, {applied_from(known[0]), applied_from(known[1]), applied_from(known[2])}, std::nullopt)
              .empty());
}

TEST_CASE("down plans the newest applied migrations first", "[store][migrate]") {
    const auto known = assemble_migrations(three_migrations());
    const std::vector<applied_migration> applied{applied_from(known[0]), applied_from(known[1])};
    const auto one = plan_down(known, applied, 1);
    REQUIRE(one.size() == 1);
    CHECK(one[0].version == 2);
    const auto many = plan_down(known, applied, 10);
    REQUIRE(many.size() == 2);
    CHECK(many[1].version == 1);
}

TEST_CASE("status shows applied, pending, edited and unknown versions", "[store][migrate]") {
    const auto known = assemble_migrations(three_migrations());
    auto edited = applied_from(known[1]);
    edited.checksum = std::string(64, '0');
    const std::vector<applied_migration> applied{applied_from(known[0]), edited, {9, "gone", edited.checksum, "t"}};
    const auto rows = plan_status(known, applied);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].state == migration_state::applied);
    CHECK(rows[1].state == migration_state::edited_after_apply);
    CHECK(rows[2].state == migration_state::pending);
    CHECK(rows[3].state == migration_state::missing_file);
    REQUIRE_THROWS_WITH(verify_applied(known, {applied_from(known[0]), edited}),
                        Catch::Contains("0002_second.up.sql was edited after it was applied"));
    REQUIRE_THROWS_WITH(verify_applied(known, {{9, "gone", edited.checksum, "t"}}),
                        Catch::Contains("version 0009 (gone) is applied"));
}

TEST_CASE("both databases' migrations are built into the binary", "[store][migrate]") {
    const auto market_data = embedded_migrations("market_data");
    const auto order_engine = embedded_migrations("order_engine");
    REQUIRE(market_data.size() >= 3);
    REQUIRE(order_engine.size() >= 5);
    CHECK(market_data[0].name == "create_kline_subscriptions");
    CHECK(order_engine[0].name == "create_orders");
    REQUIRE_THROWS_WITH(embedded_migrations("nope"), Catch::Contains("valid names: market_data, order_engine"));
}

TEST_CASE("the maintenance target keeps the credentials and swaps the database", "[store][migrate]") {
    const auto uri = maintenance_target_for("postgres://hft:pa'ss@127.0.0.1:15432/market_data?sslmode=disable");
    CHECK(uri.database == "market_data");
    CHECK_THAT(uri.conninfo, Catch::Contains("user='hft'"));
    CHECK_THAT(uri.conninfo, Catch::Contains("password='pa\\'ss'"));
    CHECK_THAT(uri.conninfo, Catch::Contains("port='15432'"));
    CHECK_THAT(uri.conninfo, Catch::EndsWith("dbname='postgres'"));

    const auto keywords = maintenance_target_for("host=127.0.0.1 dbname=order_engine user=hft");
    CHECK(keywords.database == "order_engine");

    REQUIRE_THROWS_WITH(maintenance_target_for("postgres://hft@127.0.0.1:15432"),
                        Catch::Contains("names no database"));
    REQUIRE_THROWS_WITH(maintenance_target_for("not a dsn"), Catch::Contains("DSN is not valid"));
}

TEST_CASE("up also applies a pending version older than the newest applied one", "[store][migrate]") {
    // Two branches merged out of order: 0005 was applied before 0002 existed.
    const auto known = assemble_migrations(three_migrations());
    const auto pending = plan_up(known, {applied_from(known[0]), applied_from(known[2])}, std::nullopt);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].version == 2);
}

TEST_CASE("down never plans more than what is applied, and nothing on an empty database", "[store][migrate]") {
    const auto known = assemble_migrations(three_migrations());
    CHECK(plan_down(known, {}, 1).empty());
    const auto all = plan_down(known, {applied_from(known[0]), applied_from(known[2])}, 100);
    REQUIRE(all.size() == 2);
    CHECK(all[0].version == 5);
    CHECK(all[1].version == 1);
    REQUIRE_THROWS_WITH(plan_down(known, {{7, "gone", std::string(64, '0'), "t"}}, 1),
                        Catch::Contains("cannot revert version 0007 (gone)"));
}

TEST_CASE("up with more steps than pending migrations applies what there is", "[store][migrate]") {
    const auto known = assemble_migrations(three_migrations());
    CHECK(plan_up(known, {}, 10).size() == 3);
    CHECK(plan_up(known, {}, 2).back().version == 2);
}

TEST_CASE("the migrations built into the binary are byte for byte the files in migrations/", "[store][migrate]") {
    for (const char* database : {"market_data", "order_engine"}) {
        INFO(database);
        const auto embedded = embedded_migrations(database);
        const auto on_disk = migrations_from_directory(std::filesystem::path(HFT_SOURCE_DIR) / "migrations" / database);
        REQUIRE(embedded.size() == on_disk.size());
        for (std::size_t i = 0; i < embedded.size(); ++i) {
            CHECK(embedded[i].up_filename() == on_disk[i].up_filename());
            CHECK(embedded[i].checksum == on_disk[i].checksum);
            CHECK(embedded[i].down_sql == on_disk[i].down_sql);
        }
    }
}

TEST_CASE("a migrations folder that is missing or holds no SQL is an error, not an empty plan", "[store][migrate]") {
    REQUIRE_THROWS_WITH(migrations_from_directory("/nonexistent/migrations"), Catch::Contains("is not a directory"));
    REQUIRE_THROWS_WITH(migrations_from_directory(std::filesystem::path(HFT_SOURCE_DIR) / "migrations"),
                        Catch::Contains("holds no .sql migration files"));
}

TEST_CASE("the maintenance target quotes keyword values with spaces and backslashes", "[store][migrate]") {
    const auto target = maintenance_target_for(R"(host=db.internal port=5433 dbname='market data' user=hft password='a b\\c')");
    CHECK(target.database == "market data");
    CHECK_THAT(target.conninfo, Catch::Contains(R"(password='a b\\c')"));
    CHECK_THAT(target.conninfo, Catch::Contains("host='db.internal'"));
    CHECK_THAT(target.conninfo, !Catch::Contains("market data"));
}

TEST_CASE("each database's runs take their own stable advisory lock", "[store][migrate]") {
    // Fixed values: a key that changed between versions would let an old and a new migrator run at once.
    CHECK(migration_lock_key("market_data") == 5454132543413466872);
    CHECK(migration_lock_key("order_engine") == 2746703574024833547);
}
