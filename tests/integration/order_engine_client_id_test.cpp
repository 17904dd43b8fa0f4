// The order engine leaning on the exchange's client ids: an order the engine lost from its records (its database
// restored from an older backup) and sent again is refused by the exchange as a duplicate client id, and the engine
// adopts the order the exchange has instead of recording a refusal or placing it twice.

#include "support/order_engine_fixture.hpp"

#include <string>

using namespace hft;
using test::dec;
using test::engine_fixture;
using domain::order_side;
using domain::order_status;
using domain::order_type;
namespace tk = hft::exchange::tokocrypto;

namespace {

// CREATE/DROP DATABASE cannot run in a transaction: one statement on the server's maintenance database.
void administer(const engine_fixture& f, const std::string& statement) {
    pqxx::connection connection(f.pg.dsn("postgres"));
    pqxx::nontransaction tx{connection};
    tx.exec(statement);
}

}  // namespace

TEST_CASE("an order lost from a restored database and sent again is refused as a duplicate client id and adopted "
          "from the exchange with its fills, never rejected nor placed twice",
          "[integration][order-engine]") {
    // Binance's client-id rule, no synthetic liquidity (a partly filled order stays so), and a second account to
    // trade against.
    engine_fixture f({"--unique-client-ids", "--liquidity-levels", "0", "--account", "maker:maker-secret:USDT=10000,BTC=1"});
    tk::rest_client maker{f.io.get_executor(), *net::http_origin::parse(f.sim.http_url()),
                          tk::credentials{"maker", "maker-secret"}};
    const auto orders_db = "\"" + f.orders_database + "\"";
    const auto backup_db = "\"" + f.pg.unique_database_name("order_engine_backup") + "\"";
    administer(f, "CREATE DATABASE " + backup_db + " TEMPLATE " + orders_db);  // the backup, taken before any order

    f.start_engine();
    const auto resting_command = engine_fixture::command("kept_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    const auto resting = f.place(resting_command);
    REQUIRE(resting);
    REQUIRE(resting->status == order_status::new_);
    REQUIRE(f.call(maker.place_order({"BTC_USDT", order_side::sell, order_type::limit, dec("1100.00"), dec("0.005"),
                                      std::nullopt, "maker-1"})));
    const auto partial_command = engine_fixture::command("partial_1", order_type::limit, order_side::buy, "1100.00", "0.01");
    const auto partial = f.place(partial_command);
    REQUIRE(partial);
    REQUIRE(partial->status == order_status::partially_filled);
    REQUIRE(partial->filled_quantity == dec("0.005"));
    const auto trade_id = f.orders_sql("SELECT trade_id FROM fills WHERE order_id = 'partial_1'")[0][0].as<std::string>();
    const auto position = [&] {
        return dec(f.orders_sql("SELECT quantity::text FROM positions WHERE user_id = 'alice'")[0][0].c_str());
    };
    const auto position_before = position();

    f.stop_engine();
    administer(f, "DROP DATABASE " + orders_db + " WITH (FORCE)");
    administer(f, "CREATE DATABASE " + orders_db + " TEMPLATE " + backup_db);
    REQUIRE_FALSE(f.stored("kept_1"));
    f.start_engine();

    for (const auto* command : {&resting_command, &partial_command}) {
        const auto again = f.place(*command);
        INFO((again ? again->reason.value_or("") : again.error().message));
        REQUIRE(again);
        CHECK(again->status != order_status::rejected);
    }
    REQUIRE(f.run_until([&] {
        const auto kept = f.stored("kept_1");
        const auto filled = f.stored("partial_1");
        return kept && kept->status == order_status::new_ && filled && filled->status == order_status::partially_filled;
    }));
    const auto kept = f.stored("kept_1");
    CHECK(kept->exchange_order_id == resting->exchange_order_id);
    const auto adopted = f.stored("partial_1");
    CHECK(adopted->exchange_order_id == partial->exchange_order_id);
    CHECK(adopted->filled_quantity == dec("0.005"));
    CHECK(adopted->avg_fill_price == partial->avg_fill_price);
    const auto fills = f.orders_sql("SELECT trade_id FROM fills WHERE order_id = 'partial_1'");
    REQUIRE(fills.size() == 1);
    CHECK(fills[0][0].as<std::string>() == trade_id);
    CHECK(position() == position_before);
    CHECK(f.orders_sql("SELECT count(*) FROM order_events WHERE status = 'REJECTED'")[0][0].as<int>() == 0);
    CHECK(f.on_sim("kept_1").size() == 1);
    CHECK(f.on_sim("partial_1").size() == 1);
}
