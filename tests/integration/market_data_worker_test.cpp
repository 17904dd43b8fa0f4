// `hft market-data-worker` as a real process (support/worker_fixture.hpp): exactly once through crashes and
// outages, closed candles final, poison to the DLQ, a clean SIGTERM.

#include "hft/bus/dead_letter.hpp"
#include "hft/store/kline_repository.hpp"
#include "support/worker_fixture.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <functional>
#include <future>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace hft::test;

namespace {

// As the worker's connections overlap batches: `first` is upserted and, while its transaction is still open,
// `second` on another connection, which waits on the row `first` holds; then both commit in that order. Returns
// the candle's stored state as the fixture reads it.
hft::domain::kline store_overlapping(const worker_fixture& f, const hft::domain::kline& first,
                                     const hft::domain::kline& second) {
    const auto dsn = f.pg.dsn(f.database);
    pqxx::connection first_connection(dsn);
    pqxx::connection second_connection(dsn);
    pqxx::connection observer(dsn);
    pqxx::work first_tx{first_connection};
    hft::store::upsert_klines(first_tx, std::vector{first});
    const int second_pid = second_connection.backendpid();
    auto second_committed = std::async(std::launch::async, [&] {
        pqxx::work second_tx{second_connection};
        hft::store::upsert_klines(second_tx, std::vector{second});
        second_tx.commit();
    });
    REQUIRE(eventually([&] {
        pqxx::nontransaction tx{observer};
        return tx.exec_params("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                              second_pid)[0][0].as<bool>(false);
    }));
    first_tx.commit();
    second_committed.get();
    auto stored = f.stored().at(first.open_time);
    stored.received_ns = first.received_ns;  // not stored
    return stored;
}

}  // namespace

TEST_CASE("worker stores every published kline exactly once with identical OHLCV", "[integration][worker]") {
    worker_fixture f;
    const auto klines = closed_klines(0, 1000);
    f.publish(klines);
    f.worker.start();
    f.require_stored(1000);
    f.require_stored_exactly(klines);
    f.require_clean_exit();
    CHECK(f.dlq_messages() == 0);
    CHECK_THAT(f.worker.log(), Catch::Contains("durable 'market-data-worker' on stream KLINE"));
    CHECK_THAT(f.worker.log(), !Catch::Contains("password"));
}

TEST_CASE("a closed candle is never overwritten by a later open update or an older one", "[integration][worker]") {
    worker_fixture f;
    f.worker.start();
    const auto closed = closed_kline(1);
    f.publish({closed});
    f.require_stored(1);

    auto reopened = closed;  // a late in-progress update of the same candle with other values
    reopened.is_closed = false;
    reopened.event_time += 5000;
    reopened.close = dec("23140");
    auto older = closed;  // an earlier closed state (a stale redelivery) with other values
    older.event_time -= 1000;
    older.trade_count = 1;
    const auto marker = closed_kline(2);
    f.publish({reopened, older, marker});
    f.require_stored(2);
    f.require_stored_exactly({closed, marker});
    f.require_clean_exit();
}

TEST_CASE("overlapping batches leave a candle closed, or at its newest open state, in either commit order",
          "[integration][worker]") {
    worker_fixture f;
    const auto closed_and_reopened = [](int i) {
        const auto closed = closed_kline(i);
        auto reopened = closed;  // a late in-progress update of the same candle with other values
        reopened.is_closed = false;
        reopened.event_time += 5000;
        reopened.close = dec("23140");
        return std::pair{closed, reopened};
    };
    const auto older_and_newer = [](int i) {
        auto older = closed_kline(i);
        older.is_closed = false;
        older.event_time = older.open_time + 1000;
        auto newer = older;
        newer.event_time += 1000;
        newer.close = dec("23140");
        newer.trade_count += 1;
        return std::pair{older, newer};
    };

    const auto [closed_1, reopened_1] = closed_and_reopened(1);
    CHECK(store_overlapping(f, closed_1, reopened_1) == closed_1);
    const auto [closed_2, reopened_2] = closed_and_reopened(2);
    CHECK(store_overlapping(f, reopened_2, closed_2) == closed_2);
    const auto [older_3, newer_3] = older_and_newer(3);
    CHECK(store_overlapping(f, older_3, newer_3) == newer_3);
    const auto [older_4, newer_4] = older_and_newer(4);
    CHECK(store_overlapping(f, newer_4, older_4) == newer_4);
}

TEST_CASE("worker stores every closed kline exactly once after being killed mid-batch", "[integration][worker]") {
    worker_fixture f({.batch_size = 200});
    const auto klines = closed_klines(0, 5000);
    f.publish(klines);
    f.worker.start();
    f.require_stored(1);
    f.worker.kill();
    const int before_restart = f.stored_count();
    CHECK(before_restart < 5000);
    f.worker.start();
    f.require_stored(5000);
    f.require_stored_exactly(klines);
    f.require_clean_exit();
    CHECK(f.dlq_messages() == 0);
}

TEST_CASE("worker loses no kline when PostgreSQL restarts mid-stream", "[integration][worker]") {
    worker_fixture f;
    f.require_exactly_once_across([&](const std::function<void()>& publish_second_half) {
        f.pg.stop();
        publish_second_half();  // NATS keeps them while the database is away
        REQUIRE(eventually([&] { return f.worker.log().find("paused fetching until PostgreSQL answers") != std::string::npos; }));
        f.pg.start();
    });
    CHECK_THAT(f.worker.log(), Catch::Contains("answers again"));
}

TEST_CASE("worker loses no kline when nats-server restarts mid-stream", "[integration][worker]") {
    worker_fixture f;
    f.require_exactly_once_across([&](const std::function<void()>& publish_second_half) {
        f.nats.restart();
        publish_second_half();
    });
}

TEST_CASE("poison messages go to the DLQ with their reason and the rest of the batch is stored",
          "[integration][worker]") {
    worker_fixture f;
    auto insane = closed_kline(3);
    insane.low = dec("99999");  // above the high
    const auto good = closed_klines(10, 20);
    std::vector<std::pair<std::string, std::string>> messages{{"{not json", "poison-1"},
                                                              {hft::codec::encode(insane), "poison-2"}};
    for (const auto& k : good) {
        messages.emplace_back(hft::codec::encode(k),
                              hft::bus::kline_msg_id(k.exchange, k.symbol, k.interval, k.open_time, true, k.event_time));
    }
    f.publish_raw(messages);
    f.worker.start();
    f.require_stored(20);
    REQUIRE(eventually([&] { return f.dlq_messages() == 2; }));
    f.require_stored_exactly(good);

    const auto [bad_json_reason, bad_json_body] = f.dead_letter(1, hft::bus::dlq_reason_header);
    CHECK_THAT(bad_json_reason, Catch::StartsWith("undecodable kline event"));
    CHECK(bad_json_body == "{not json");
    const auto [insane_reason, insane_body] = f.dead_letter(2, hft::bus::dlq_reason_header);
    CHECK_THAT(insane_reason, Catch::Contains("low"));
    CHECK(insane_body == hft::codec::encode(insane));
    CHECK(f.dead_letter(1, hft::bus::dlq_stream_header).first == "KLINE");
    CHECK(f.dead_letter(1, hft::bus::dlq_subject_header).first == "kline.data.binanceus.BTCUSDT.1m");
    CHECK(f.dead_letter(1, hft::bus::dlq_sequence_header).first == "1");
    CHECK(f.dead_letter(2, hft::bus::dlq_deliveries_header).first == "1");
    f.require_clean_exit();
}

TEST_CASE("SIGTERM makes the worker settle its batch and exit 0 with every stored kline acked",
          "[integration][worker]") {
    worker_fixture f;
    f.worker.start();
    f.publish(closed_klines(0, 300));
    f.require_stored(300);
    f.require_clean_exit();
    CHECK_THAT(f.worker.log(), Catch::Contains("totals"));
    const auto consumer = f.consumer_state();
    CHECK(consumer.ack_pending == 0);
    CHECK(consumer.pending == 0);
    CHECK(consumer.redelivered == 0);
}
