// The trading pipeline end to end with real processes: hft exchange-sim -> market-data-gateway -> JetStream ->
// strategy (one instance of each kind) -> JetStream -> order-engine-gateway -> exchange-sim, and the fills back
// through ORDER_UPDATE to the strategies. Every test ends with the same audit, against what the exchange says:
// each order a strategy decided is in the order engine's book, reached the exchange at most once (duplicates
// must be 0), ended terminal or still open exactly as the exchange has it (nothing left PENDING_NEW or
// UNKNOWN), its fills are the exchange's trades one for one, and the positions add up to the account's BTC.

#include "hft/codec/place_order.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/prometheus_text.hpp"
#include "support/service_fixture.hpp"
#include "support/stream_contents.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <functional>
#include <iostream>
#include <map>
#include <set>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;
namespace tk = hft::exchange::tokocrypto;

namespace {

const std::vector<std::string> markets{"BTC_USDT", "BTC_USDC"};
const std::string api_key = "trading-test-key";
const domain::decimal initial_btc = *domain::decimal::parse("10");

// The audit asks the same faulty exchange the engine uses: a 5xx, a lost answer or a 429 is asked again (after
// Retry-After), up to a bound; only a definitive answer counts.
template <class T>
boost::asio::awaitable<tk::result<T>> answered(std::function<boost::asio::awaitable<tk::result<T>>()> call) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    std::optional<tk::result<T>> last;
    for (int attempt = 0; attempt < 30; ++attempt) {
        last.emplace(co_await call());
        if (*last || last->error().kind == tk::failure_kind::rejected) break;
        const std::chrono::milliseconds retry_after = last->error().retry_after;
        timer.expires_after(std::max(retry_after, std::chrono::milliseconds(200)));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return std::move(*last);
}

// What one run came to; printed for the closing notes, asserted on by require_exactly_once.
struct audit {
    std::size_t decided = 0;              ///< distinct place-order commands the strategies published
    std::size_t commands_doubled = 0;     ///< order ids present more than once on ORDER_ENGINE
    std::size_t recorded = 0;             ///< decided orders in the order engine's book
    std::size_t placed = 0;               ///< orders on the exchange
    std::size_t duplicated = 0;           ///< client ids the exchange holds more than once
    std::size_t strangers = 0;            ///< exchange orders the book does not know
    std::size_t rejected = 0;             ///< REJECTED in the book (by the exchange, a filter or risk)
    std::size_t filled = 0;               ///< FILLED in the book
    std::size_t unsettled = 0;            ///< PENDING_NEW or UNKNOWN left
    std::size_t status_mismatches = 0;    ///< book status differs from the exchange's
    std::size_t fills = 0;                ///< fills in the book
    std::size_t fill_mismatches = 0;      ///< fills the exchange does not report identically (or not at all)
    domain::decimal positions_btc;        ///< sum of the book's positions
    domain::decimal exchange_btc_change;  ///< the account's BTC (free + locked) minus what it started with
    std::string first_problem;

    std::string describe(std::string_view scenario) const {
        return fmt::format(
            "{}: decided {} (doubled commands {}), recorded {}, placed {}, duplicated {}, strangers {}, filled {}, "
            "rejected {}, unsettled {}, status mismatches {}, fills {} (mismatched {}), positions {} BTC vs "
            "exchange {} BTC{}",
            scenario, decided, commands_doubled, recorded, placed, duplicated, strangers, filled, rejected, unsettled,
            status_mismatches, fills, fill_mismatches, positions_btc.to_string(), exchange_btc_change.to_string(),
            first_problem.empty() ? "" : "; first problem: " + first_problem);
    }
};

class trading_world {
public:
    explicit trading_world(std::vector<std::string> sim_faults = {})
        : dir_(test::make_temp_dir("hft-trading")),
          market_database_(pg().unique_database_name("market_data")),
          order_database_(pg().unique_database_name("order_engine")),
          sim_(sim_flags(std::move(sim_faults))),
          http_port_(static_cast<std::uint16_t>(test::free_port())) {
        REQUIRE(sim_.ready);
        write_config();
        for (const auto* name : {"market_data", "order_engine"}) test::require_migrated(config_, name);
        insert_markets();
        services_.emplace("gateway", test::hft_service("market-data-gateway", config_, dir_, "gateway"));
        services_.emplace("worker", test::hft_service("market-data-worker", config_, dir_, "worker"));
        services_.emplace("engine", test::hft_service("order-engine-gateway", config_, dir_, "engine"));
        services_.emplace("strategy", test::hft_service("strategy", config_, dir_, "strategy"));
    }

    static test::postgres_instance& pg() { return test::postgres_instance::shared(); }
    test::hft_service& service(const std::string& name) { return services_.at(name); }
    test::sim_process& sim() { return sim_; }
    std::uint16_t http_port() const { return http_port_; }

    void start_all() {
        for (auto& [name, s] : services_) s.start();
    }

    std::string logs() {
        std::string text = "==== sim\n" + sim_.log();
        for (auto& [name, s] : services_) text += "==== " + name + "\n" + s.log();
        return text;
    }

    pqxx::connection orders_db() const { return pqxx::connection(pg().dsn(order_database_)); }

    /// Orders in the book, or 0 while the database is unreachable.
    std::size_t order_count(std::string_view where = "TRUE") const {
        try {
            auto c = orders_db();
            pqxx::read_transaction tx(c);
            return tx.exec1("SELECT count(*) FROM orders WHERE " + std::string(where))[0].as<std::size_t>();
        } catch (const std::exception&) {
            return 0;
        }
    }

    /// Waits until the book holds `more` orders matching `where` than it does now.
    bool orders_grow_by(std::size_t more, std::string_view where = "TRUE", std::chrono::milliseconds timeout = 60s) {
        const auto start = order_count(where);
        return test::eventually([&] { return order_count(where) >= start + more; }, timeout);
    }

    /// The kill switch through the HTTP API, as an operator would flip it.
    test::sync_http_result set_trading_state(std::string_view scope, std::string_view state) {
        const auto body = json{{"scope", scope}, {"state", state}, {"reason", "trading pipeline test"}}.dump();
        return test::http_request_sync("127.0.0.1", http_port_, "PUT", "/order-engine/v1/trading-state", body, 5s,
                                       {{"X-API-Key", api_key}, {"Content-Type", "application/json"}});
    }

    /// Orders on the exchange for the paper account, all markets.
    std::vector<tk::exchange_order> exchange_orders() {
        std::vector<tk::exchange_order> all;
        with_exchange([&](tk::rest_client& client) -> boost::asio::awaitable<void> {
            for (const auto& market : markets) {
                auto orders = co_await answered<std::vector<tk::exchange_order>>(
                    [&] { return client.all_orders(market, 0); });
                REQUIRE(orders);
                all.insert(all.end(), orders->begin(), orders->end());
            }
        });
        return all;
    }

    /// Stops the strategies (no more decisions), lets the engine resolve every ambiguous order, cancels what is
    /// still open (a canceled order cannot fill behind the audit's back), stops the engine and audits.
    audit settle_and_audit() {
        if (service("strategy").running()) CHECK(service("strategy").stop() == 0);
        // Every order must leave PENDING_NEW / UNKNOWN: the engine resolves them by client id.
        if (!test::eventually([&] { return order_count("status IN ('PENDING_NEW', 'UNKNOWN')") == 0; }, 60s)) {
            FAIL("orders stayed PENDING_NEW or UNKNOWN\n" << logs());
        }
        const bool all_closed = test::eventually(
            [&] {
                for (const auto& id : open_order_ids()) {
                    test::http_request_sync("127.0.0.1", http_port_, "DELETE",
                                            "/order-engine/v1/orders/" + id + "?user_id=paper", {}, 5s,
                                            {{"X-API-Key", api_key}});
                }
                return open_order_ids().empty();
            },
            60s);
        if (!all_closed) FAIL("open orders could not be canceled\n" << logs());
        if (service("engine").running()) CHECK(service("engine").stop() == 0);
        return run_audit();
    }

private:
    static constexpr auto poll_interval = 300ms;

    std::vector<std::string> open_order_ids() const {
        std::vector<std::string> ids;
        try {
            auto c = orders_db();
            pqxx::read_transaction tx(c);
            for (const auto& r : tx.exec("SELECT order_id FROM orders WHERE status IN ('NEW', 'PARTIALLY_FILLED')")) {
                ids.emplace_back(r[0].c_str());
            }
        } catch (const std::exception&) {
            ids.emplace_back();  // unknown while the database is unreachable: not empty, so the caller waits
        }
        return ids;
    }

    template <class Work>
    void with_exchange(Work work) {
        boost::asio::io_context io;
        auto origin = net::http_origin::parse(sim_.http_url());
        REQUIRE(origin);
        tk::rest_client client(io.get_executor(), *origin, tk::credentials{"paper-key", "paper-secret"});
        auto done = boost::asio::co_spawn(io, work(client), boost::asio::use_future);
        io.run();
        done.get();
    }

    static std::vector<std::string> sim_flags(std::vector<std::string> faults) {
        std::vector<std::string> flags{"--symbols", "BTCUSDT,BTCUSDC", "--intervals", "1s", "--speed", "10",
                                       "--seed", "11"};
        flags.insert(flags.end(), faults.begin(), faults.end());
        return flags;
    }

    // The sim's current BTCUSDT price (once its first candle closed), so the bounded grid straddles it.
    domain::decimal last_price() const {
        json rows;
        REQUIRE(test::eventually([&] {
            const auto reply = test::http_get("127.0.0.1", sim_.port, "/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=1");
            rows = json::parse(reply.body, nullptr, false);
            return reply.status == 200 && rows.is_array() && !rows.empty();
        }, 10s));
        return *domain::decimal::parse(rows.back()[4].get<std::string>());
    }

    void write_config() {
        const auto price = last_price();
        const auto lower = price.checked_mul(*domain::decimal::parse("0.995"), domain::rounding::down)->quantize(0, domain::rounding::down).value();
        const auto upper = price.checked_mul(*domain::decimal::parse("1.005"), domain::rounding::up)->quantize(0, domain::rounding::up).value();
        config_ = dir_ / "config.yml";
        test::write_private_config(config_, fmt::format(
            "log:\n  log_level: info\n"
            "graceful_shutdown_timeout: 10s\n"
            "api_keys:\n  - name: test\n    key: {api_key}\n"
            "  - name: retired\n    key: retired-key\n    active: false\n"
            "  - name: old\n    key: expired-key\n    expired_at: 2020-01-01\n"
            "port:\n  order_engine_gateway_http: {http_port}\n"
            "nats_jetstream:\n  url: {nats}\n"
            "database:\n  market_data:\n    dsn: {market}\n  order_engine:\n    dsn: {orders}\n"
            "exchanges:\n  sim:\n    stream_url: {ws}\n    market_data_url: {http}\n    base_url: {http}\n"
            "    accounts:\n      paper:\n        api_key: paper-key\n        api_secret: paper-secret\n"
            "market_data_gateway:\n  idle_timeout: 2s\n  reconnect_min: 100ms\n  reconnect_max: 1s\n"
            "  stats_interval: 5s\n"
            // The sim's clock runs 10 times faster: its candles open ahead of the wall clock.
            "market_data_worker:\n  ack_wait: 3s\n  nak_delay: 200ms\n  stats_interval: 5s\n"
            "  max_open_time_ahead: 24h\n"
            "order_engine_gateway:\n  poll_interval: {poll}ms\n  unknown_retry: 300ms\n  ack_wait: 5s\n"
            "  trading_state_refresh: 200ms\n  stats_interval: 5s\n"
            "  risk:\n    max_order_notional: \"5000\"\n    max_open_orders: 200\n"
            "strategy:\n  ack_wait: 5s\n  stats_interval: 5s\n  max_open_time_ahead: 24h\n"
            "strategies:\n"
            "  - id: cross\n    kind: sma_cross\n    exchange: sim\n    symbol: BTCUSDT\n    interval: 1s\n"
            "    user_id: paper\n    params:\n      average: ema\n      fast: \"2\"\n      slow: \"5\"\n"
            "      quantity: \"0.01\"\n"
            "  - id: grid\n    kind: grid\n    exchange: sim\n    symbol: BTCUSDT\n    interval: 1s\n"
            "    user_id: paper\n    params:\n      lower: \"{lower}\"\n      upper: \"{upper}\"\n      levels: \"11\"\n"
            "      quantity: \"0.001\"\n"
            "  - id: lazy\n    kind: lazy_grid\n    exchange: sim\n    symbol: BTCUSDC\n    interval: 1s\n"
            "    user_id: paper\n    params:\n      step_percent: \"0.05\"\n      base_quantity: \"0.001\"\n"
            "      budget: \"300\"\n      buy_fee_rate: \"0.001\"\n      sell_fee_rate: \"0.001\"\n",
            fmt::arg("api_key", api_key), fmt::arg("http_port", http_port_), fmt::arg("nats", nats_.url()),
            fmt::arg("market", pg().dsn(market_database_)), fmt::arg("orders", pg().dsn(order_database_)),
            fmt::arg("ws", sim_.ws_url()), fmt::arg("http", sim_.http_url()),
            fmt::arg("poll", poll_interval.count()), fmt::arg("lower", lower.to_string()),
            fmt::arg("upper", upper.to_string())));
    }

    void insert_markets() {
        pqxx::connection c(pg().dsn(market_database_));
        pqxx::work tx(c);
        tx.exec("INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) VALUES "
                "('sim', 'BTCUSDT', 'btcusdt', 'BTC_USDT'), ('sim', 'BTCUSDC', 'btcusdc', 'BTC_USDC')");
        tx.exec("INSERT INTO kline_subscriptions (exchange, symbol, \"interval\", payload) VALUES "
                "('sim', 'BTCUSDT', '1s', '{}'), ('sim', 'BTCUSDC', '1s', '{}')");
        tx.commit();
    }

    // Place-order commands on ORDER_ENGINE: how many times each order id was published (and kept).
    std::map<std::string, int> decided_orders() {
        std::map<std::string, int> counts;
        for (const auto& m : test::stream_contents(nats_.url(), "ORDER_ENGINE")) {
            if (m.subject != "order_engine.place_order") continue;
            if (const auto command = codec::decode_place_order(m.data)) ++counts[command->order_id];
        }
        return counts;
    }

    audit run_audit() {
        audit a;
        auto note = [&](std::string problem) {
            if (a.first_problem.empty()) a.first_problem = std::move(problem);
        };
        const auto decided = decided_orders();
        a.decided = decided.size();
        for (const auto& [id, count] : decided) {
            if (count > 1) ++a.commands_doubled;
        }

        struct book_order {
            std::string status;
            std::string client_id;
            std::string filled;
        };
        std::map<std::string, book_order> book;  // by order id
        std::map<std::string, std::string> order_of_client;
        std::map<std::string, std::tuple<std::string, std::string, std::string>> book_fills;  // trade id -> p, q, fee
        auto c = orders_db();
        pqxx::read_transaction tx(c);
        for (const auto& r : tx.exec("SELECT order_id, status, client_order_id, filled_quantity::text FROM orders")) {
            book[r[0].c_str()] = {r[1].c_str(), r[2].c_str(), r[3].c_str()};
            order_of_client[r[2].c_str()] = r[0].c_str();
        }
        for (const auto& r : tx.exec("SELECT symbol, trade_id, price::text, quantity::text, fee::text FROM fills")) {
            book_fills[std::string(r[0].c_str()) + "/" + r[1].c_str()] = {r[2].c_str(), r[3].c_str(), r[4].c_str()};
        }
        a.fills = book_fills.size();
        a.positions_btc = *domain::decimal::parse(tx.exec1("SELECT coalesce(sum(quantity), 0)::text FROM positions")[0].c_str());

        for (const auto& [id, count] : decided) {
            if (book.contains(id)) {
                ++a.recorded;
            } else {
                note("decided order " + id + " is not in the book");
            }
        }
        for (const auto& [id, order] : book) {
            if (order.status == "PENDING_NEW" || order.status == "UNKNOWN") ++a.unsettled;
            if (order.status == "REJECTED") ++a.rejected;
            if (order.status == "FILLED") ++a.filled;
        }

        std::map<std::string, int> placed_per_client;
        std::vector<std::pair<std::string, tk::exchange_order>> known;  // canonical symbol, order
        for (const auto& o : exchange_orders()) {
            ++a.placed;
            if (++placed_per_client[o.client_id] == 2) {
                ++a.duplicated;
                note("client id " + o.client_id + " is on the exchange twice");
            }
            const auto owner = order_of_client.find(o.client_id);
            if (owner == order_of_client.end()) {
                ++a.strangers;
                note("exchange order " + std::to_string(o.order_id) + " (" + o.client_id + ") is not in the book");
                continue;
            }
            const auto& mine = book.at(owner->second);
            if (mine.status != domain::to_string(o.status) ||
                !(*domain::decimal::parse(mine.filled) == o.executed_quantity)) {
                ++a.status_mismatches;
                note(fmt::format("{}: book says {} filled {}, exchange says {} filled {}", owner->second, mine.status,
                                 mine.filled, domain::to_string(o.status), o.executed_quantity.to_string()));
            }
            known.emplace_back(o.symbol, o);
        }

        std::size_t exchange_trades = 0;
        with_exchange([&](tk::rest_client& client) -> boost::asio::awaitable<void> {
            for (const auto& [symbol, order] : known) {
                if (order.executed_quantity.is_zero()) continue;
                auto trades = co_await answered<std::vector<tk::exchange_trade>>(
                    [&] { return client.trades(symbol, order.order_id); });
                REQUIRE(trades);
                for (const auto& t : *trades) {
                    ++exchange_trades;
                    const auto canonical = symbol.substr(0, symbol.find('_')) + symbol.substr(symbol.find('_') + 1);
                    const auto it = book_fills.find(canonical + "/" + t.trade_id);
                    if (it == book_fills.end() || !(*domain::decimal::parse(std::get<0>(it->second)) == t.price) ||
                        !(*domain::decimal::parse(std::get<1>(it->second)) == t.quantity) ||
                        !(*domain::decimal::parse(std::get<2>(it->second)) == t.fee)) {
                        ++a.fill_mismatches;
                        note("exchange trade " + t.trade_id + " of " + symbol + " differs or is missing in fills");
                    }
                }
            }
        });
        if (exchange_trades != a.fills) {
            ++a.fill_mismatches;
            note(fmt::format("the exchange reports {} trades, the book {} fills", exchange_trades, a.fills));
        }

        with_exchange([&](tk::rest_client& client) -> boost::asio::awaitable<void> {
            auto balances = co_await answered<std::vector<tk::asset_balance>>([&] { return client.balances(); });
            REQUIRE(balances);
            for (const auto& b : *balances) {
                if (b.asset == "BTC") {
                    a.exchange_btc_change = *(*b.free.checked_add(b.locked)).checked_sub(initial_btc);
                }
            }
        });
        return a;
    }

    std::filesystem::path dir_;
    test::nats_server_instance nats_;
    std::string market_database_;
    std::string order_database_;
    test::sim_process sim_;
    std::uint16_t http_port_;
    std::filesystem::path config_;
    std::map<std::string, test::hft_service> services_;
};

// The audit's verdict: every decided order recorded, none doubled anywhere, all settled and matching the exchange.
void require_exactly_once(trading_world& world, const audit& a, std::string_view scenario) {
    std::cout << a.describe(scenario) << std::endl;
    const bool clean = a.decided > 0 && a.recorded == a.decided && a.commands_doubled == 0 && a.duplicated == 0 &&
                       a.strangers == 0 && a.unsettled == 0 && a.status_mismatches == 0 && a.fill_mismatches == 0 &&
                       a.positions_btc == a.exchange_btc_change;
    if (!clean) FAIL(a.describe(scenario) << "\n" << world.logs());
    CHECK(a.placed > 0);
    CHECK(a.fills > 0);
}

}  // namespace

TEST_CASE("every order the strategies decide reaches the exchange once and its fills come back", "[trading]") {
    trading_world world;
    world.start_all();
    if (!world.orders_grow_by(60, "status = 'FILLED'", 90s)) FAIL("fewer than 60 orders filled\n" << world.logs());

    // What the engine and the strategies report on /metrics matches the work just seen in the database.
    const auto scrape = [&](const std::string& name) {
        const auto port = world.service(name).ops_port();
        REQUIRE(port);
        const auto reply = test::http_get("127.0.0.1", *port, "/metrics", 5s);
        REQUIRE(reply.status == 200);
        auto text = test::parse_prometheus_text(reply.body);
        INFO(reply.body);
        CHECK(text.errors.empty());
        return text;
    };
    const auto engine = scrape("engine");
    CHECK(engine.value("hft_orders_total", {{"status", "FILLED"}}) >= 60);
    CHECK(engine.value("hft_order_fills_total") >= 60);
    CHECK(engine.value("hft_exchange_request_seconds_count", {{"endpoint", "new_order"}}) > 0);
    CHECK(engine.value("hft_order_command_to_send_seconds_count") > 0);
    CHECK(engine.value("hft_jetstream_acks_total", {{"durable", "order-engine-gateway"}}) > 0);
    const auto strategy = scrape("strategy");
    CHECK(strategy.value("hft_strategy_decisions_total", {{"side", "BUY"}}) > 0);
    CHECK(strategy.value("hft_strategy_kline_to_decision_seconds_count") > 0);
    CHECK(strategy.value("hft_jetstream_publish_acks_total", {{"subject", "order_engine"}}) > 0);

    require_exactly_once(world, world.settle_and_audit(), "baseline");
}

TEST_CASE("answers lost, 5xx and 429 from the exchange never double an order", "[trading]") {
    trading_world world({"--lost-answer-rate", "0.1", "--error-rate", "0.05", "--rate-limit-rate", "0.03",
                         "--retry-after", "1"});
    world.start_all();
    // Slower than the baseline: a strategy waits while its order is UNKNOWN, and a 429 pauses the account.
    if (!world.orders_grow_by(30, "status = 'FILLED'", 150s)) FAIL("fewer than 30 orders filled\n" << world.logs());
    require_exactly_once(world, world.settle_and_audit(), "lost answers, 5xx, 429");
}

TEST_CASE("the order engine killed -9 mid-run and a strategy restarted never double an order", "[trading]") {
    trading_world world({"--slow-rate", "0.2", "--slow-for", "0.3"});
    world.start_all();
    for (int round = 0; round < 3; ++round) {
        if (!world.orders_grow_by(15, "TRUE", 60s)) FAIL("orders stopped flowing\n" << world.logs());
        world.service("engine").kill();  // between persist and send, or send and answer: wherever it was
        world.service("engine").start();
        if (!world.orders_grow_by(10, "TRUE", 60s)) FAIL("orders stopped flowing after a restart\n" << world.logs());
        world.service("strategy").kill();
        world.service("strategy").start();
    }
    if (!world.orders_grow_by(5, "TRUE", 60s)) FAIL("the restarted strategy ordered nothing\n" << world.logs());
    require_exactly_once(world, world.settle_and_audit(), "engine kill -9 x3, strategy kill -9 x3");
}

TEST_CASE("the kill switch stops new orders reaching the exchange until trading is active again", "[trading]") {
    trading_world world;
    world.start_all();
    REQUIRE(world.orders_grow_by(20, "status <> 'REJECTED'", 60s));

    const auto halted = world.set_trading_state("global", "HALTED");
    REQUIRE(halted.status == 200);
    // Orders already accepted before the switch may still land; after that the exchange sees nothing new while the
    // strategies keep deciding, and their orders are recorded as REJECTED with the halt as the reason.
    REQUIRE(world.orders_grow_by(5, "status = 'REJECTED' AND reason LIKE '%TRADING_HALTED%'", 60s));
    const auto placed_when_halted = world.exchange_orders().size();
    REQUIRE(world.orders_grow_by(10, "status = 'REJECTED' AND reason LIKE '%TRADING_HALTED%'", 60s));
    CHECK(world.exchange_orders().size() == placed_when_halted);

    REQUIRE(world.set_trading_state("global", "ACTIVE").status == 200);
    CHECK(test::eventually([&] { return world.exchange_orders().size() > placed_when_halted; }, 60s));
    require_exactly_once(world, world.settle_and_audit(), "kill switch");
}

TEST_CASE("the order API of the real gateway answers 201, 401, 400, 409, 404 and 413 as documented", "[trading]") {
    trading_world world;
    world.service("engine").start();
    const auto call = [&](std::string_view method, std::string target, std::string body,
                          test::http_headers headers) {
        return test::http_request_sync("127.0.0.1", world.http_port(), method, target, std::move(body), 10s, headers);
    };
    const test::http_headers with_key{{"X-API-Key", api_key}, {"Content-Type", "application/json"}};
    REQUIRE(test::eventually([&] { return call("GET", "/readyz", {}, {}).status == 200; }, 30s));

    // A body in the order API's request format, with the key in the body as some clients send it.
    const std::string place_body =
        R"({"api_key":")" + api_key + R"(","request_id":"http-1","user_id":"paper","exchange":"sim",)"
        R"("symbol":"BTC_USDT","type":"LIMIT","side":"BUY","price":"1000","quantity":"0.01","source":"http-test"})";
    const auto placed = call("POST", "/order-engine/v1/orders", place_body, {{"Content-Type", "application/json"}});
    INFO(placed.body);
    REQUIRE(placed.status == 201);
    const auto order = json::parse(placed.body);
    CHECK(order["order_id"] == "http-1");
    CHECK(order["symbol"] == "BTCUSDT");
    CHECK(order["status"] == "NEW");
    CHECK(order["price"] == "1000");

    const auto again = call("POST", "/order-engine/v1/orders", place_body, {{"Content-Type", "application/json"}});
    CHECK(again.status == 409);
    CHECK(json::parse(again.body)["order"]["order_id"] == "http-1");

    CHECK(call("GET", "/order-engine/v1/orders/http-1", {}, with_key).status == 200);
    CHECK(call("GET", "/order-engine/v1/orders/no-such-order", {}, with_key).status == 404);

    for (const test::http_headers& bad : {test::http_headers{}, test::http_headers{{"X-API-Key", "wrong"}},
                                          test::http_headers{{"X-API-Key", "retired-key"}},
                                          test::http_headers{{"X-API-Key", "expired-key"}}}) {
        const auto refused = call("GET", "/order-engine/v1/orders/http-1", {}, bad);
        CHECK(refused.status == 401);
    }
    CHECK(json::parse(call("GET", "/order-engine/v1/orders/http-1", {}, {{"X-API-Key", "retired-key"}}).body)["error"]
              ["code"] == "API_KEY_INACTIVE");
    CHECK(json::parse(call("GET", "/order-engine/v1/orders/http-1", {}, {{"X-API-Key", "expired-key"}}).body)["error"]
              ["code"] == "API_KEY_EXPIRED");

    auto negative = json::parse(place_body);
    negative["request_id"] = "http-2";
    negative["quantity"] = "-1";
    const auto invalid = call("POST", "/order-engine/v1/orders", negative.dump(), with_key);
    CHECK(invalid.status == 400);
    CHECK(json::parse(invalid.body)["error"]["field"] == "quantity");

    const auto oversized = call("POST", "/order-engine/v1/orders", std::string(200 * 1024, ' '), with_key);
    CHECK(oversized.status == 413);
    CHECK(world.order_count() == 1);
    CHECK(world.service("engine").stop() == 0);
}
