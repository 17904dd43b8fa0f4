// `hft market-data-worker` as a real process against a private nats-server (the KLINE stream name is fixed,
// so each test gets its own server) and its own migrated database on the shared PostgreSQL.

#include "hft/bus/connection.hpp"
#include "hft/bus/dead_letter.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/store/kline_repository.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/process.hpp"
#include "support/samples.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace hft::test;

namespace {

// The closed 1m candle number `i` of one market: distinct open times and prices, so a row in the wrong place
// or with another message's values shows.
hft::domain::kline closed_kline(int i) {
    auto k = sample_kline();
    k.open_time += std::int64_t{60000} * i;
    k.close_time = k.open_time + 59999;
    k.event_time = k.close_time + 2;
    k.close = dec(fmt::format("2314{}.{:02}", i % 8, i % 100));  // within [low, high]
    k.base_volume = dec(fmt::format("{}.{:06}", i, i % 1000000));
    k.trade_count = i;
    return k;
}

std::vector<hft::domain::kline> closed_klines(int first, int count) {
    std::vector<hft::domain::kline> klines;
    for (int i = first; i < first + count; ++i) klines.push_back(closed_kline(i));
    return klines;
}

// One test's world: a private nats-server, a migrated database, a config.yml and the worker process.
struct worker_fixture {
    nats_server_instance nats;
    postgres_instance& pg = postgres_instance::shared();
    std::filesystem::path dir = make_temp_dir("hft-worker-test");
    std::string database = pg.unique_database_name("market_data");
    std::filesystem::path config = dir / "config.yml";
    boost::asio::io_context ioc;
    hft::bus::connection bus{ioc.get_executor(), hft::bus::connection_options{.url = nats.url(),
                                                                               .name = "worker-test",
                                                                               .reconnect_wait = 100ms,
                                                                               .reconnect_jitter = 50ms}};
    hft::bus::publisher publisher{bus};
    hft_service worker{"market-data-worker", config, dir, "worker"};

    explicit worker_fixture(int batch_size = 100) {
        std::ofstream(config) << fmt::format(
            "log:\n  log_level: info\n"
            "graceful_shutdown_timeout: 10s\n"
            "nats_jetstream:\n  url: {}\n"
            "market_data_worker:\n  batch_size: {}\n  batch_timeout: 50ms\n  ack_wait: 2s\n  max_deliver: 5\n"
            "  nak_delay: 200ms\n  stats_interval: 1s\n"
            "database:\n  market_data:\n    dsn: {}\n",
            nats.url(), batch_size, pg.dsn(database));
        ::chmod(config.c_str(), 0600);
        const auto migrated = run_command({HFT_EXECUTABLE, "--config", config.string(), "migrate",
                                           "--databaseName=market_data"});
        INFO(migrated.output);
        REQUIRE(migrated.exit_code == 0);
        // As the gateway would: klines can be published before any worker runs (the config's defaults match).
        bus.ensure_stream(hft::bus::kline_stream_spec());
    }
    ~worker_fixture() {
        if (worker.running()) worker.kill();
        std::filesystem::remove_all(dir);
    }

    // Publishes raw payloads on kline subjects and runs the io_context until JetStream acked every one.
    void publish_raw(const std::vector<std::pair<std::string, std::string>>& payloads_and_ids) {
        std::size_t next = 0;
        std::size_t acked = 0;
        std::vector<std::string> errors;
        const auto subject = hft::bus::kline_subject("binanceus", "BTCUSDT", "1m");
        const auto pump = [&] {
            while (next < payloads_and_ids.size() && publisher.can_publish()) {
                const auto& [payload, id] = payloads_and_ids[next++];
                publisher.publish(subject, payload, id, [&](hft::bus::publish_result result) {
                    if (!result.ok()) errors.push_back(result.error);
                    ++acked;
                });
            }
        };
        publisher.on_capacity(pump);
        pump();
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (acked < payloads_and_ids.size() && std::chrono::steady_clock::now() < deadline) {
            ioc.restart();
            ioc.run_for(20ms);
        }
        REQUIRE(acked == payloads_and_ids.size());
        INFO((errors.empty() ? std::string() : errors.front()));
        REQUIRE(errors.empty());
    }

    void publish(const std::vector<hft::domain::kline>& klines) {
        std::vector<std::pair<std::string, std::string>> messages;
        for (const auto& k : klines) {
            messages.emplace_back(hft::codec::encode(k), hft::bus::kline_msg_id(k.exchange, k.symbol, k.interval,
                                                                                 k.open_time, k.is_closed, k.event_time));
        }
        publish_raw(messages);
    }

    int stored_count() const {
        pqxx::connection connection(pg.dsn(database));
        pqxx::nontransaction tx{connection};
        return tx.exec("SELECT count(*) FROM market_klines")[0][0].as<int>();
    }

    // Every stored row as the kline fields the worker writes, keyed by open time in milliseconds.
    std::map<std::int64_t, hft::domain::kline> stored() const {
        pqxx::connection connection(pg.dsn(database));
        pqxx::nontransaction tx{connection};
        std::map<std::int64_t, hft::domain::kline> rows;
        for (const auto& row : tx.exec(
                 "SELECT exchange, symbol, \"interval\", (extract(epoch FROM open_time) * 1000)::bigint,"
                 " (extract(epoch FROM close_time) * 1000)::bigint, open_price::text, high_price::text,"
                 " low_price::text, close_price::text, base_volume::text, quote_volume::text,"
                 " taker_base_volume::text, taker_quote_volume::text, trade_count, is_closed,"
                 " (extract(epoch FROM event_time) * 1000)::bigint, source FROM market_klines")) {
            hft::domain::kline k;
            k.exchange = row[0].as<std::string>();
            k.symbol = row[1].as<std::string>();
            k.interval = row[2].as<std::string>();
            k.open_time = row[3].as<std::int64_t>();
            k.close_time = row[4].as<std::int64_t>();
            k.open = dec(row[5].as<std::string>());
            k.high = dec(row[6].as<std::string>());
            k.low = dec(row[7].as<std::string>());
            k.close = dec(row[8].as<std::string>());
            k.base_volume = dec(row[9].as<std::string>());
            k.quote_volume = dec(row[10].as<std::string>());
            k.taker_base_volume = dec(row[11].as<std::string>());
            k.taker_quote_volume = dec(row[12].as<std::string>());
            k.trade_count = row[13].as<std::int64_t>();
            k.is_closed = row[14].as<bool>();
            k.event_time = row[15].as<std::int64_t>();
            k.source = *hft::domain::parse_kline_source(row[16].as<std::string>());
            rows.emplace(k.open_time, k);
        }
        return rows;
    }

    // Each kline is stored once (rows are keyed by candle) with exactly its values; received_ns is not stored.
    void require_stored_exactly(const std::vector<hft::domain::kline>& klines) const {
        const auto rows = stored();
        REQUIRE(rows.size() == klines.size());
        for (auto expected : klines) {
            const auto found = rows.find(expected.open_time);
            REQUIRE(found != rows.end());
            expected.received_ns = 0;
            INFO("open_time " << expected.open_time);
            CHECK(found->second == expected);
        }
    }

    // SIGTERM; fails with the worker's log unless it exits 0 within the shutdown bound.
    void require_clean_exit() {
        const auto code = worker.stop(15s);
        if (code != 0) FAIL("exit code " << (code ? std::to_string(*code) : "none") << "; worker log:\n" << worker.log());
    }

    // Fails with the worker's log when `count` rows are not there within a minute.
    void require_stored(int count) const {
        if (!eventually([&] { return stored_count() >= count; }, 60s)) {
            FAIL("stored " << stored_count() << " of " << count << " klines; worker log:\n" << worker.log());
        }
    }

    // Publishes 1000 klines, starts the worker and, once it stores, runs `outage`, which publishes 1000 more
    // at its chosen moment; every one of the 2000 must end up stored exactly once and nothing dead-lettered.
    void require_exactly_once_across(const std::function<void(const std::function<void()>&)>& outage) {
        auto all = closed_klines(0, 2000);
        const std::vector first(all.begin(), all.begin() + 1000);
        const std::vector second(all.begin() + 1000, all.end());
        publish(first);
        worker.start();
        require_stored(1);
        outage([&] { publish(second); });
        require_stored(2000);
        require_stored_exactly(all);
        require_clean_exit();
        CHECK(dlq_messages() == 0);
    }

    std::uint64_t dlq_messages() const {
        jsStreamInfo* raw = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        hft::bus::check(js_GetStreamInfo(&raw, bus.jetstream(), "DLQ", nullptr, &code), "js_GetStreamInfo", code);
        hft::bus::stream_info_ptr info(raw);
        return info->State.Msgs;
    }

    struct consumer_counts {
        std::int64_t ack_pending;
        std::uint64_t pending;
        std::int64_t redelivered;
    };
    // The durable's counters: delivered but unacked, not yet delivered, redelivered.
    consumer_counts consumer_state() const {
        jsConsumerInfo* raw = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        hft::bus::check(js_GetConsumerInfo(&raw, bus.jetstream(), "KLINE", "market-data-worker", nullptr, &code),
                        "js_GetConsumerInfo", code);
        hft::bus::consumer_info_ptr info(raw);
        return {info->NumAckPending, info->NumPending, info->NumRedelivered};
    }

    // The DLQ message at `sequence`: its header `name` and its body.
    std::pair<std::string, std::string> dead_letter(std::uint64_t sequence, const char* name) const {
        natsMsg* raw = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        hft::bus::check(js_GetMsg(&raw, bus.jetstream(), "DLQ", sequence, nullptr, &code), "js_GetMsg", code);
        hft::bus::msg_ptr message(raw);
        const char* value = nullptr;
        natsMsgHeader_Get(raw, name, &value);
        return {value != nullptr ? value : "",
                std::string(natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw)))};
    }
};

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
    worker_fixture f(200);
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
