// The order engine in process on an io_context against a private nats-server, its own migrated order_engine and
// market_data databases on the shared PostgreSQL, and the real `hft exchange-sim` (Tokocrypto's wire protocol)
// with its trading faults. What matters is on the exchange: every order reaches it at most once.

#include "hft/bus/publisher.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/core/position.hpp"
#include "support/order_engine_fixture.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace hft;
using namespace std::chrono_literals;
using test::dec;
using test::engine_fixture;
using test::now_ms;
namespace tk = hft::exchange::tokocrypto;

using domain::order_side;
using domain::order_status;
using domain::order_type;
using services::order_error_kind;

TEST_CASE("a command carried out before it expired and delivered again afterwards is a duplicate, not expired",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    auto command = engine_fixture::command("replayed_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    command.expires_at = now_ms() + 3000;
    const auto placed = f.place(command);
    REQUIRE(placed);
    REQUIRE(f.run_until([&] { return now_ms() > *command.expires_at; }, 10s));

    const auto replayed = f.place(command);  // as a redelivery whose first ack was lost
    REQUIRE_FALSE(replayed);
    CHECK(replayed.error().kind == order_error_kind::duplicate);
    REQUIRE(replayed.error().existing);
    CHECK(replayed.error().existing->order_id == "replayed_1");
    CHECK(f.on_sim("replayed_1").size() == 1);
}

TEST_CASE("a LIMIT and a MARKET order each reach the exchange exactly once and end as the exchange reports them",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();

    const auto limit = f.place(engine_fixture::command("limit_1", order_type::limit, order_side::buy, "1000.00", "0.01"));
    INFO((limit ? std::string() : limit.error().message));
    REQUIRE(limit);
    CHECK(limit->status == order_status::new_);
    CHECK(limit->symbol == "BTCUSDT");
    CHECK(limit->client_order_id == tk::client_order_id("limit_1"));
    REQUIRE(limit->exchange_order_id);

    const auto market = f.place(engine_fixture::command("market_1", order_type::market, order_side::buy, std::nullopt, "0.01"));
    INFO((market ? std::string() : market.error().message));
    REQUIRE(market);
    CHECK(market->status == order_status::filled);
    CHECK(market->filled_quantity == dec("0.01"));
    CHECK(market->avg_fill_price);

    const auto limit_on_sim = f.on_sim("limit_1");
    REQUIRE(limit_on_sim.size() == 1);
    CHECK(std::to_string(limit_on_sim[0].order_id) == *limit->exchange_order_id);
    CHECK(f.on_sim("market_1").size() == 1);
    CHECK(f.orders_sql("SELECT count(*) FROM fills WHERE order_id = 'market_1'")[0][0].as<int>() == 1);
    // created (with sent_at, in the commit before the send) and acknowledged
    CHECK(f.orders_sql("SELECT count(*) FROM order_events WHERE order_id = 'limit_1'")[0][0].as<int>() == 2);
    CHECK(f.orders_sql("SELECT count(*) FROM orders WHERE sent_at IS NULL")[0][0].as<int>() == 0);
    // both orders' created and acknowledged, and the MARKET order's fill: each published once committed.
    CHECK(f.run_until([&] { return f.engine->stats().updates_published >= 5; }));
}

TEST_CASE("a repeated request_id or order_id is a duplicate carrying the existing order and places nothing more",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    const auto first_command = engine_fixture::command("dup_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    const auto first = f.place(first_command);
    REQUIRE(first);

    const auto again = f.place(first_command);
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == order_error_kind::duplicate);
    REQUIRE(again.error().existing);
    CHECK(again.error().existing->exchange_order_id == first->exchange_order_id);

    auto same_request = engine_fixture::command("dup_2", order_type::limit, order_side::buy, "1000.00", "0.01");
    same_request.request_id = first_command.request_id;
    const auto reused = f.place(same_request);
    REQUIRE_FALSE(reused);
    CHECK(reused.error().kind == order_error_kind::duplicate);
    CHECK(reused.error().existing->order_id == "dup_1");

    CHECK(f.on_sim("dup_1").size() == 1);
    CHECK(f.on_sim("dup_2").empty());
}

TEST_CASE("an order breaking the exchange filters is recorded as REJECTED; an unknown symbol or exchange and an expired order are refused with nothing stored",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    const auto off_tick = f.place(engine_fixture::command("tick_1", order_type::limit, order_side::buy, "1000.001", "0.01"));
    REQUIRE_FALSE(off_tick);
    CHECK(off_tick.error().kind == order_error_kind::filter_failed);
    CHECK_THAT(off_tick.error().message, Catch::Contains("PRICE_FILTER"));
    REQUIRE(off_tick.error().existing);
    CHECK(off_tick.error().existing->status == domain::order_status::rejected);
    CHECK_THAT(off_tick.error().existing->reason.value_or(""), Catch::StartsWith("FILTER_FAILED: "));
    CHECK(f.on_sim("tick_1").empty());

    auto unknown_symbol = engine_fixture::command("doge_1", order_type::limit, order_side::buy, "1.00", "10");
    unknown_symbol.symbol = "DOGEUSDT";
    CHECK(f.place(unknown_symbol).error().kind == order_error_kind::unknown_symbol);
    auto unknown_exchange = engine_fixture::command("okx_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    unknown_exchange.exchange = "okx";
    CHECK(f.place(unknown_exchange).error().kind == order_error_kind::unknown_exchange);
    auto expired = engine_fixture::command("expired_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    expired.requested_at = now_ms() - 10'000;
    expired.expires_at = expired.requested_at + 1000;
    const auto late = f.place(expired);
    REQUIRE_FALSE(late);
    CHECK(late.error().code == "ORDER_EXPIRED");
    CHECK(f.orders_sql("SELECT count(*) FROM orders")[0][0].as<int>() == 1);  // tick_1 alone
}

TEST_CASE("risk refuses an order over the notional limit, everything while HALTED, and buys while REDUCING set by SQL, recording each as REJECTED",
          "[integration][order-engine]") {
    app::risk_limits_config limits;
    limits.max_order_notional = "100";
    engine_fixture f({}, limits);
    f.start_engine();

    const auto large = f.place(engine_fixture::command("large_1", order_type::limit, order_side::buy, "20000.00", "0.01"));
    REQUIRE_FALSE(large);
    CHECK(large.error().kind == order_error_kind::risk_rejected);
    CHECK(large.error().code == "MAX_ORDER_NOTIONAL");
    REQUIRE(f.stored("large_1"));
    CHECK(large.error().existing->status == domain::order_status::rejected);
    REQUIRE(f.place(engine_fixture::command("small_1", order_type::limit, order_side::buy, "1000.00", "0.01")));

    services::trading_state_entry halt{"global", core::trading_state::halted, "test", "tester", 0};
    const auto halted = f.call(f.engine->set_trading_state(std::move(halt)));
    REQUIRE(halted);
    const auto refused = f.place(engine_fixture::command("halted_1", order_type::limit, order_side::buy, "1000.00", "0.01"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "TRADING_HALTED");

    // An operator's UPDATE takes effect without a restart, within trading_state_refresh.
    f.orders_sql("UPDATE trading_state SET state = 'REDUCING' WHERE scope = 'global'");
    std::string code;
    int attempt = 0;
    CHECK(f.run_until([&] {
        const auto r = f.place(engine_fixture::command("reducing_" + std::to_string(attempt++), order_type::limit,
                                                       order_side::buy, "1000.00", "0.01"));
        code = r ? "placed" : r.error().code;
        return code == "REDUCE_ONLY";
    }, 10s));
    CHECK(f.on_sim("halted_1").empty());
}

TEST_CASE("a lost answer leaves the order UNKNOWN until it is found by client id, with exactly one order on the exchange",
          "[integration][order-engine]") {
    engine_fixture f({"--lost-answer-rate", "1"});
    f.start_engine();
    const auto lost = f.place(engine_fixture::command("lost_1", order_type::limit, order_side::buy, "1000.00", "0.01"));
    REQUIRE(lost);
    CHECK(lost->status == order_status::unknown);
    REQUIRE(lost->reason);
    CHECK_THAT(*lost->reason, Catch::Contains("client order id"));

    REQUIRE(f.run_until([&] {
        const auto now = f.stored("lost_1");
        return now && now->status == order_status::new_;
    }));
    const auto resolved = f.stored("lost_1");
    const auto on_sim = f.on_sim("lost_1");
    REQUIRE(on_sim.size() == 1);
    CHECK(resolved->exchange_order_id == std::to_string(on_sim[0].order_id));
}

TEST_CASE("fills are recorded once and the position and realized PnL match the exchange's trades",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    const auto bought = f.place(engine_fixture::command("buy_1", order_type::market, order_side::buy, std::nullopt, "0.01"));
    REQUIRE(bought);
    REQUIRE(bought->status == order_status::filled);
    const auto sold = f.place(engine_fixture::command("sell_1", order_type::market, order_side::sell, std::nullopt, "0.005"));
    REQUIRE(sold);
    REQUIRE(sold->status == order_status::filled);

    // The expected position, from the exchange's own trades through core::apply_fill.
    core::position expected;
    std::vector<domain::fill> fills;
    for (const auto& order : {*bought, *sold}) {
        const auto trades = f.call(f.venue.trades("BTC_USDT", std::stoll(*order.exchange_order_id)));
        REQUIRE(trades);
        for (const auto& t : *trades) {
            expected = core::apply_fill(expected, {order.side, t.price, t.quantity, t.fee, t.fee_asset}, "BTC", "USDT").value();
            fills.push_back({t.trade_id, t.price, t.quantity, t.fee, t.fee_asset, t.is_maker, t.time});
        }
    }
    const auto row = f.orders_sql("SELECT quantity::text, avg_cost::text, realized_pnl::text, fees_paid::text "
                                  "FROM positions WHERE user_id = 'alice' AND symbol = 'BTCUSDT'");
    REQUIRE(row.size() == 1);
    CHECK(dec(row[0][0].c_str()) == expected.quantity);
    CHECK(dec(row[0][1].c_str()) == expected.avg_cost);
    CHECK(dec(row[0][2].c_str()) == expected.realized_pnl);
    CHECK(dec(row[0][3].c_str()) == expected.fees_paid);

    // The same trades reported again change nothing.
    pqxx::connection connection(f.pg.dsn(f.orders_database));
    const auto again = store::record_fill(connection, "buy_1", fills.front(), {"BTC", "USDT"});
    CHECK_FALSE(again.recorded);
    CHECK(f.orders_sql("SELECT count(*) FROM fills")[0][0].as<std::size_t>() == fills.size());
    CHECK(dec(f.orders_sql("SELECT quantity::text FROM positions")[0][0].c_str()) == expected.quantity);
    const auto today = store::load_exposure(connection, "alice", "tokocrypto", "BTCUSDT", std::nullopt);
    CHECK(today.realized_pnl_today == expected.realized_pnl);
}

TEST_CASE("start-up reconciliation adopts a PENDING_NEW order that reached the exchange and rejects one that never did",
          "[integration][order-engine]") {
    engine_fixture f;
    const auto pending = [&](const std::string& id) {
        domain::order_record o;
        o.order_id = id;
        o.request_id = "req-" + id;
        o.client_order_id = tk::client_order_id(id);
        o.user_id = "alice";
        o.exchange = "tokocrypto";
        o.symbol = "BTCUSDT";
        o.price = dec("1000.00");
        o.quantity = dec("0.01");
        o.source = "test";
        o.requested_at = now_ms() - 120'000;
        pqxx::connection connection(f.pg.dsn(f.orders_database));
        REQUIRE(store::insert_pending_order(connection, o).inserted);
    };
    // A crash after the send: the exchange has the order, the row still says PENDING_NEW.
    pending("crash_sent");
    tk::new_order direct{"BTC_USDT", order_side::buy, order_type::limit, dec("1000.00"),
                                                  dec("0.01"), std::nullopt, tk::client_order_id("crash_sent")};
    const auto sent = f.call(f.venue.place_order(std::move(direct)));
    REQUIRE(sent);
    // A crash before the send, long enough ago that no request for it can still be accepted.
    pending("crash_unsent");
    f.orders_sql("UPDATE orders SET created_at = now() - interval '1 minute' WHERE order_id = 'crash_unsent'");

    f.start_engine();  // ready only after reconciliation
    const auto adopted = f.stored("crash_sent");
    CHECK(adopted->status == order_status::new_);
    CHECK(adopted->exchange_order_id == std::to_string(sent->order_id));
    const auto never = f.stored("crash_unsent");
    CHECK(never->status == order_status::rejected);
    CHECK_THAT(never->reason.value_or(""), Catch::Contains("never reached the exchange"));
    CHECK(f.on_sim("crash_sent").size() == 1);
    CHECK(f.on_sim("crash_unsent").empty());
}

TEST_CASE("place-order commands from the stream are placed once, and an undecodable one is dead-lettered",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    bus::publisher sender{f.bus};
    int acked = 0;
    const auto command = engine_fixture::command("queued_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    // Twice with the same Nats-Msg-Id, as a retried publish would: JetStream keeps one.
    for (int i = 0; i < 2; ++i) {
        sender.publish(bus::place_order_subject(), codec::encode(command), command.order_id,
                       [&](bus::publish_result r) { acked += r.ok(); });
    }
    sender.publish(bus::place_order_subject(), "{not json", "garbage-1", [&](bus::publish_result r) { acked += r.ok(); });
    REQUIRE(f.run_until([&] { return acked == 3; }));
    REQUIRE(f.run_until([&] {
        const auto now = f.stored("queued_1");
        return now && now->status == order_status::new_;
    }));
    REQUIRE(f.run_until([&] { return f.engine->stats().dead_lettered == 1; }));
    CHECK(f.on_sim("queued_1").size() == 1);
}

TEST_CASE("a cancel reaches the exchange and a second cancel finds the order already terminal",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    REQUIRE(f.place(engine_fixture::command("cancel_1", order_type::limit, order_side::buy, "1000.00", "0.01")));
    domain::cancel_order_command cancel{"req-cancel_1", "cancel_1", "alice", now_ms()};
    const auto canceled = f.call(f.engine->cancel(cancel));
    INFO((canceled ? std::string() : canceled.error().message));
    REQUIRE(canceled);
    CHECK(canceled->status == order_status::canceled);
    CHECK(f.on_sim("cancel_1").at(0).status == order_status::canceled);

    const auto again = f.call(f.engine->cancel(cancel));
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == order_error_kind::not_cancelable);
    cancel.user_id = "mallory";
    CHECK(f.call(f.engine->cancel(cancel)).error().kind == order_error_kind::not_found);
}

TEST_CASE("a 429 rejects the order as not placed and further orders are declined until Retry-After has passed",
          "[integration][order-engine]") {
    engine_fixture f({"--rate-limit-rate", "1", "--retry-after", "30"});
    f.start_engine();
    const auto limited = f.place(engine_fixture::command("limited_1", order_type::limit, order_side::buy, "1000.00", "0.01"));
    REQUIRE(limited);
    CHECK(limited->status == order_status::rejected);
    CHECK_THAT(limited->reason.value_or(""), Catch::Contains("rate limit"));

    const auto declined = f.place(engine_fixture::command("limited_2", order_type::limit, order_side::buy, "1000.00", "0.01"));
    REQUIRE_FALSE(declined);
    CHECK(declined.error().kind == order_error_kind::unavailable);
    CHECK(declined.error().code == "RATE_LIMITED");
    CHECK_FALSE(f.stored("limited_2"));
}

TEST_CASE("a command declined by the account's rate limit waits it out in the engine instead of spending its deliveries",
          "[integration][order-engine]") {
    engine_fixture f({"--rate-limit-rate", "1", "--retry-after", "2"});
    // One delivery only: a command that were NAKed to wait would be dead-lettered at once.
    f.cfg.order_engine_gateway.max_deliver = 1;
    f.start_engine();
    const auto before_block = std::chrono::steady_clock::now();
    const auto limited = f.place(engine_fixture::command("limited_1", order_type::limit, order_side::buy, "1000.00", "0.01"));
    REQUIRE(limited);
    REQUIRE(limited->status == order_status::rejected);  // the 429 starts the account's 2 s block

    bus::publisher sender{f.bus};
    bool queued = false;
    auto command = engine_fixture::command("queued_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    sender.publish(bus::place_order_subject(), codec::encode(command), command.order_id,
                   [&](bus::publish_result r) { queued = r.ok(); });
    REQUIRE(f.run_until([&] { return queued; }));
    // Sent once the block ended, and answered 429 again (every request is): recorded, not dead-lettered.
    REQUIRE(f.run_until([&] { return f.stored("queued_1").has_value(); }, 15s));
    CHECK(std::chrono::steady_clock::now() - before_block >= 2s);
    REQUIRE(f.run_until([&] { return f.stored("queued_1")->status == order_status::rejected; }));
    CHECK_THAT(f.stored("queued_1")->reason.value_or(""), Catch::Contains("rate limit"));
    CHECK(f.engine->stats().dead_lettered == 0);
}

TEST_CASE("a cancel whose order_id hides a NUL byte cancels nothing, called in process or sent on the stream",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    REQUIRE(f.place(engine_fixture::command("pn-6", order_type::limit, order_side::buy, "1000.00", "0.01")));
    const std::string hidden("pn-6\0zz", 7);

    const auto refused = f.call(f.engine->cancel({"req-nul-1", hidden, "alice", now_ms()}));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == order_error_kind::invalid_request);
    CHECK_THAT(refused.error().message, Catch::StartsWith("order_id: "));

    bus::publisher sender{f.bus};
    bool queued = false;
    sender.publish(bus::cancel_order_subject(),
                   R"({"v":1,"request_id":"req-nul-2","order_id":"pn-6\u0000zz","user_id":"alice","requested_at":)" +
                       std::to_string(now_ms()) + "}",
                   "req-nul-2", [&](bus::publish_result r) { queued = r.ok(); });
    REQUIRE(f.run_until([&] { return queued && f.engine->stats().commands == 1; }));
    REQUIRE(f.run_until([&] { return f.engine->stats().dead_lettered == 1; }));
    CHECK(f.stored("pn-6")->status == order_status::new_);
    CHECK(f.on_sim("pn-6").at(0).status == order_status::new_);
}

TEST_CASE("an already expired order is refused by the queueing path, with nothing queued", "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    auto expired = engine_fixture::command("late_async_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    expired.requested_at = now_ms() - 10'000;
    expired.expires_at = expired.requested_at + 1000;
    const auto submitted = f.call(f.engine->submit(expired));
    REQUIRE_FALSE(submitted);
    CHECK(submitted.error().kind == order_error_kind::invalid_request);
    CHECK(submitted.error().code == "ORDER_EXPIRED");
    CHECK(f.engine->stats().commands == 0);
    CHECK_FALSE(f.stored("late_async_1"));
}

TEST_CASE("a corrected order that reuses a refused order's order_id is told to take a new one, and nothing is sent",
          "[integration][order-engine]") {
    engine_fixture f;
    f.start_engine();
    const auto off_tick = f.place(engine_fixture::command("fix_1", order_type::limit, order_side::buy, "1000.001", "0.01"));
    REQUIRE_FALSE(off_tick);
    CHECK(off_tick.error().kind == order_error_kind::filter_failed);

    auto corrected = engine_fixture::command("fix_1", order_type::limit, order_side::buy, "1000.00", "0.01");
    corrected.request_id = "req-fix_1-corrected";
    const auto reused = f.place(corrected);
    REQUIRE_FALSE(reused);
    CHECK(reused.error().kind == order_error_kind::duplicate);
    CHECK_THAT(reused.error().message, Catch::Contains("needs a new order_id"));
    CHECK_THAT(reused.error().message, Catch::Contains("REJECTED: FILTER_FAILED"));
    CHECK(reused.error().existing->status == order_status::rejected);
    CHECK(f.on_sim("fix_1").empty());

    auto renamed = corrected;
    renamed.order_id = "fix_1-b";
    const auto placed = f.place(renamed);
    REQUIRE(placed);
    CHECK(placed->status == order_status::new_);
}
