// `hft strategy` as a real process in a service fixture (support/service_fixture.hpp): klines in on KLINE,
// place-order commands out on ORDER_ENGINE, fills in on ORDER_UPDATE.

#include "hft/bus/subjects.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/store/kline_repository.hpp"
#include "support/hft_processes.hpp"
#include "support/process.hpp"
#include "support/samples.hpp"
#include "support/service_fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace hft::test;

namespace {

constexpr std::int64_t base_open_time = 1699999980000;  // 2023-11-14T22:13:00Z, a minute boundary

std::int64_t open_time_of(int minute) { return base_open_time + std::int64_t{60000} * minute; }

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Closed 1m candle `minute` of binanceus BTCUSDT with every price at `close`, received now.
hft::domain::kline candle(int minute, std::string_view close) {
    auto k = sample_kline();
    k.open_time = open_time_of(minute);
    k.close_time = k.open_time + 59999;
    k.event_time = k.close_time + 1;
    k.open = k.high = k.low = k.close = dec(close);
    k.received_ns = now_ns();
    return k;
}

// Fast 2 / slow 3 simple averages, quantity 1: small enough to compute every cross by hand.
const std::string sma_strategy = R"(
  - id: sma
    kind: sma_cross
    exchange: binanceus
    symbol: btcusdt
    interval: 1m
    user_id: user-1
    params:
      fast: "2"
      slow: "3"
      quantity: "1"
      tick_size: "0.01"
      step_size: "0.001"
)";

// 100 slots between 100 and 200: a first close at 200 buys at every one of them, one kline, 100 orders.
const std::string grid_strategy = R"(
  - id: grid
    kind: grid
    exchange: binanceus
    symbol: BTCUSDT
    interval: 1m
    user_id: user-1
    params:
      lower: "100"
      upper: "200"
      levels: "101"
      quantity: "1"
      tick_size: "0.01"
      step_size: "0.001"
)";

struct published_order {
    std::string msg_id;
    hft::domain::place_order_command command;
};

struct strategy_fixture : service_fixture {
    hft_service strategy{"strategy", config, dir, "strategy"};

    explicit strategy_fixture(const std::string& strategies) : service_fixture("strategy") {
        configure("strategy:\n  max_open_time_behind: 876000h\n"  // the candles are of 2023, whenever the test runs
                  "strategies:" + strategies);
        execute("INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) "
                "VALUES ('binanceus', 'BTCUSDT', 'btcusdt', 'BTC_USDT')");
        // As the gateway and the order engine would: the streams exist before the strategy runs.
        bus.ensure_stream(hft::bus::kline_stream_spec());
        bus.ensure_stream(hft::bus::order_engine_stream_spec());
        bus.ensure_stream(hft::bus::order_update_stream_spec());
    }
    ~strategy_fixture() {
        if (strategy.running()) strategy.kill();
    }

    // The order engine's report that `order_id` filled completely, published with Nats-Msg-Id `msg_id`.
    void publish_filled(const std::string& order_id, std::string_view price, const std::string& msg_id) {
        hft::domain::order_update update;
        auto& o = update.order;
        o.order_id = o.request_id = o.client_order_id = order_id;
        o.user_id = "user-1";
        o.strategy_id = "sma";
        o.exchange = "binanceus";
        o.symbol = "BTCUSDT";
        o.side = hft::domain::order_side::buy;
        o.type = hft::domain::order_type::market;
        o.quantity = o.filled_quantity = dec("1");
        o.avg_fill_price = dec(price);
        o.status = hft::domain::order_status::filled;
        o.source = "strategy";
        o.requested_at = o.created_at = o.updated_at = base_open_time;
        update.fill = hft::domain::fill{"t-1", dec(price), dec("1"), dec("0"), "BTC", false, base_open_time};
        publish_all({{hft::bus::order_update_subject("binanceus", "BTCUSDT"), hft::codec::encode(update),
                      msg_id}});
    }

    void store_history(const std::vector<hft::domain::kline>& klines) {
        pqxx::connection connection(pg.dsn(database));
        pqxx::work tx{connection};
        hft::store::upsert_klines(tx, klines);
        tx.commit();
    }

    // Every command on ORDER_ENGINE, in stream order.
    std::vector<published_order> orders() const {
        const auto info = stream_info("ORDER_ENGINE");
        jsErrCode code = static_cast<jsErrCode>(0);
        std::vector<published_order> result;
        for (auto sequence = info->State.FirstSeq; info->State.Msgs > 0 && sequence <= info->State.LastSeq;
             ++sequence) {
            natsMsg* raw = nullptr;
            hft::bus::check(js_GetMsg(&raw, bus.jetstream(), "ORDER_ENGINE", sequence, nullptr, &code), "js_GetMsg",
                            code);
            const hft::bus::msg_ptr message(raw);
            const char* id = nullptr;
            natsMsgHeader_Get(raw, "Nats-Msg-Id", &id);
            auto command = hft::codec::decode_place_order(
                std::string_view(natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw))));
            REQUIRE(command.has_value());
            result.push_back({id != nullptr ? id : "", std::move(*command)});
        }
        return result;
    }

    // Whether the durable has acked everything its stream holds for it.
    bool settled(const char* stream, const char* durable) const {
        jsConsumerInfo* raw = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        if (js_GetConsumerInfo(&raw, bus.jetstream(), stream, durable, nullptr, &code) != NATS_OK) return false;
        const hft::bus::consumer_info_ptr info(raw);
        return info->NumPending == 0 && info->NumAckPending == 0;
    }

    void require_settled(const char* stream, const char* durable) const {
        if (!eventually([&] { return settled(stream, durable); }, 60s)) {
            FAIL(durable << " did not ack everything; strategy log:\n" << strategy.log());
        }
    }

    void require_orders(std::size_t count) const {
        if (!eventually([&] { return orders().size() >= count; }, 90s)) {
            FAIL(orders().size() << " of " << count << " orders; strategy log:\n" << strategy.log());
        }
    }

    void require_clean_exit() {
        const auto code = strategy.stop(15s);
        if (code != 0) FAIL("exit code " << (code ? std::to_string(*code) : "none") << "; log:\n" << strategy.log());
    }
};

std::string order_id(std::string_view strategy, int minute, int index) {
    return fmt::format("{}-{}-{}", strategy, open_time_of(minute), index);
}

}  // namespace

TEST_CASE("strategy publishes one place-order command per decision with the kline's deterministic order id",
          "[integration][strategy]") {
    strategy_fixture f(sma_strategy);
    f.strategy.start();
    // 10, 11, 12: the averages are defined with fast above; 5: a death cross without a position (a hold);
    // 20: fast 12.5 over slow 12.33, a golden cross: buy 1 at market.
    f.publish({candle(1, "10"), candle(2, "11"), candle(3, "12"), candle(4, "5"), candle(5, "20")});
    f.require_orders(1);
    f.require_settled("KLINE", "strategy-sma");
    const auto orders = f.orders();
    REQUIRE(orders.size() == 1);
    const auto& [msg_id, command] = orders[0];
    CHECK(msg_id == order_id("sma", 5, 0));
    CHECK(command.order_id == order_id("sma", 5, 0));
    CHECK(command.request_id == command.order_id);
    CHECK(command.side == hft::domain::order_side::buy);
    CHECK(command.type == hft::domain::order_type::market);
    CHECK(command.quantity == dec("1"));
    CHECK_FALSE(command.price.has_value());
    CHECK(command.user_id == "user-1");
    CHECK(command.exchange == "binanceus");
    CHECK(command.symbol == "BTCUSDT");
    CHECK(command.source == "strategy");
    CHECK(command.strategy_id == "sma");
    CHECK(command.kline_open_time == open_time_of(5));
    CHECK(command.requested_at > 0);
    f.require_clean_exit();
    CHECK_THAT(f.strategy.log(), Catch::Contains("BUY MARKET 1 @ market order " + order_id("sma", 5, 0)));
}

TEST_CASE("forming and stale klines produce no order and stale ones only feed the averages", "[integration][strategy]") {
    strategy_fixture f(sma_strategy);
    f.strategy.start();
    auto stale = candle(5, "20");  // would be the golden cross of the test above
    stale.received_ns -= std::chrono::nanoseconds(10min).count();
    auto forming = candle(6, "30");
    forming.is_closed = false;
    f.publish({candle(1, "10"), candle(2, "11"), candle(3, "12"), candle(4, "5"), stale, forming});
    f.require_settled("KLINE", "strategy-sma");
    CHECK(f.orders().empty());
    // The stale 20 entered the averages (fast now above slow): 1, 1 is a death cross, 30 the next golden cross.
    f.publish({candle(6, "1"), candle(7, "1"), candle(8, "30")});
    f.require_orders(1);
    f.require_settled("KLINE", "strategy-sma");
    const auto orders = f.orders();
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].msg_id == order_id("sma", 8, 0));
    f.require_clean_exit();
    CHECK_THAT(f.strategy.log(), Catch::Contains("over max_kline_age: indicators only, no trading"));
}

TEST_CASE("a kline from the year 2500 is terminated with a log line and neither trades nor makes later klines "
          "stale",
          "[integration][strategy]") {
    strategy_fixture f(sma_strategy);
    f.strategy.start();
    auto year_2500 = candle(5, "20");  // would be the golden cross of the first test
    year_2500.open_time = 16725225600000;
    year_2500.close_time = year_2500.open_time + 59999;
    year_2500.event_time = year_2500.close_time + 1;
    f.publish({candle(1, "10"), candle(2, "11"), candle(3, "12"), candle(4, "5"), year_2500});
    f.require_settled("KLINE", "strategy-sma");
    CHECK(f.orders().empty());
    f.publish({candle(5, "20")});
    f.require_orders(1);
    CHECK(f.orders()[0].msg_id == order_id("sma", 5, 0));
    f.require_clean_exit();
    CHECK_THAT(f.strategy.log(), Catch::Contains("implausible kline on kline.data.binanceus.BTCUSDT.1m (#5), "
                                                 "terminated: open_time 16725225600000 (2500-01-01T00:00:00.000Z) is "
                                                 "more than 5m ahead of the clock"));
}

TEST_CASE("sma_cross sells only after the order engine reported its buy filled", "[integration][strategy]") {
    strategy_fixture f(sma_strategy);
    f.strategy.start();
    f.publish({candle(1, "10"), candle(2, "11"), candle(3, "12"), candle(4, "5"), candle(5, "20")});
    f.require_orders(1);
    // 1, 1: a death cross while the buy is still open (no fill reported): no sell. 30: a golden cross, held.
    f.publish({candle(6, "1"), candle(7, "1"), candle(8, "30")});
    f.require_settled("KLINE", "strategy-sma");
    CHECK(f.orders().size() == 1);

    f.publish_filled(order_id("sma", 5, 0), "20", "update-1");
    f.require_settled("ORDER_UPDATE", "strategy-sma-updates");
    // The same report again (as after an order engine restart) must not count twice: the sell is for exactly 1.
    f.publish_filled(order_id("sma", 5, 0), "20", "update-2");
    f.require_settled("ORDER_UPDATE", "strategy-sma-updates");
    // 1: still above; 1: fast 1 under slow 10.67, a death cross with 1 held: sell 1.
    f.publish({candle(9, "1"), candle(10, "1")});
    f.require_orders(2);
    f.require_settled("KLINE", "strategy-sma");
    const auto orders = f.orders();
    REQUIRE(orders.size() == 2);
    CHECK(orders[1].msg_id == order_id("sma", 10, 0));
    CHECK(orders[1].command.side == hft::domain::order_side::sell);
    CHECK(orders[1].command.quantity == dec("1"));
    f.require_clean_exit();
}

TEST_CASE("a strategy warms its averages up on market_klines before its first live kline", "[integration][strategy]") {
    strategy_fixture f(sma_strategy);
    f.store_history({candle(1, "10"), candle(2, "11"), candle(3, "12")});
    f.strategy.start();
    // Without the three stored candles, 5 and 20 would only warm the slow average up.
    f.publish({candle(4, "5"), candle(5, "20")});
    f.require_orders(1);
    CHECK(f.orders()[0].msg_id == order_id("sma", 5, 0));
    f.require_clean_exit();
    CHECK_THAT(f.strategy.log(), Catch::Contains("warmed up on 3 closed klines"));
}

TEST_CASE("a strategy killed while publishing re-decides the same orders on restart and the stream holds each once",
          "[integration][strategy]") {
    strategy_fixture f(grid_strategy);
    f.strategy.start();
    f.publish({candle(1, "200")});
    if (!eventually([&] { return !f.orders().empty(); }, 60s)) FAIL("no order; log:\n" << f.strategy.log());
    f.strategy.kill();  // most likely mid-kline: some of its 100 orders published, its state not saved
    const auto before = f.orders().size();
    f.strategy.start();  // the unacked kline comes back after ack_wait and is evaluated again
    f.require_orders(100);
    f.require_settled("KLINE", "strategy-grid");
    // Up again, its state read back, before it is stopped: the kill may have come after the whole kline.
    REQUIRE(eventually([&] {
        const auto log = f.strategy.log();
        const auto restarted = log.find("---- start 2");
        return restarted != std::string::npos && (log.find("state restored from", restarted) != std::string::npos ||
                                                  log.find("no saved state", restarted) != std::string::npos);
    }, 60s));
    const auto orders = f.orders();
    REQUIRE(orders.size() == 100);
    std::set<std::string> ids;
    for (const auto& o : orders) {
        CHECK(o.msg_id == o.command.order_id);
        ids.insert(o.msg_id);
    }
    CHECK(ids.size() == 100);
    for (int i = 0; i < 100; ++i) CHECK(ids.contains(order_id("grid", 1, i)));
    f.require_clean_exit();
    // Killed mid-kline, the restarted process re-decided all 100 and JetStream dropped the ones already held.
    if (before < 100) {
        CHECK_THAT(f.strategy.log(), Catch::Contains(fmt::format("orders published 100 ({} duplicates)", before)));
    }
}

TEST_CASE("a param mistake stops hft strategy with the config exit code and names the key", "[integration][strategy]") {
    std::string misspelled = sma_strategy;
    misspelled.replace(misspelled.find("fast:"), 5, "fats:");
    strategy_fixture f(misspelled);
    const auto result = run_command({HFT_EXECUTABLE, "--config", f.config.string(), "strategy"});
    INFO(result.output);
    CHECK(result.exit_code == 78);
    CHECK_THAT(result.output, Catch::Contains("config.yml:"));
    CHECK_THAT(result.output, Catch::Contains("strategies[0].params.fats is not a sma_cross parameter; use average, "
                                              "fast, slow, quantity"));
}
