#pragma once

// `hft market-data-worker` as a real process in a service fixture (support/service_fixture.hpp), with what the
// worker tests read back: stored rows, the DLQ, the durable's counters.

#include "hft/bus/subjects.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"
#include "support/process.hpp"
#include "support/prometheus_text.hpp"
#include "support/samples.hpp"
#include "support/service_fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hft::test {

using namespace std::chrono_literals;

// The closed 1m candle number `i` of one market: distinct open times and prices, so a row in the wrong place
// or with another message's values shows.
inline hft::domain::kline closed_kline(int i) {
    auto k = sample_kline();
    k.open_time += std::int64_t{60000} * i;
    k.close_time = k.open_time + 59999;
    k.event_time = k.close_time + 2;
    k.close = dec(fmt::format("2314{}.{:02}", i % 8, i % 100));  // within [low, high]
    k.base_volume = dec(fmt::format("{}.{:06}", i, i % 1000000));
    k.trade_count = i;
    return k;
}

inline std::vector<hft::domain::kline> closed_klines(int first, int count) {
    std::vector<hft::domain::kline> klines;
    for (int i = first; i < first + count; ++i) klines.push_back(closed_kline(i));
    return klines;
}

/// What differs between worker tests.
struct worker_options {
    int batch_size = 100;
    int max_deliver = 5;
    std::string nak_delay = "200ms";
    /// The samples are candles of 2023: never too old for a test, whenever it runs.
    std::string max_open_time_behind = "876000h";
    std::optional<std::size_t> nats_max_payload = std::nullopt;  ///< the server's own limit when unset
};

// One test's world: the service fixture's server, database and config, and the worker process.
struct worker_fixture : service_fixture {
    worker_options options;
    hft_service worker{"market-data-worker", config, dir, "worker"};

    explicit worker_fixture(worker_options options_ = {})
        : service_fixture("worker", options_.nats_max_payload), options(std::move(options_)) {
        configure(fmt::format(
            "market_data_worker:\n  batch_size: {}\n  batch_timeout: 50ms\n  ack_wait: 2s\n  max_deliver: {}\n"
            "  nak_delay: {}\n  stats_interval: 1s\n  max_open_time_behind: {}\n",
            options.batch_size, options.max_deliver, options.nak_delay, options.max_open_time_behind));
        // As the gateway would: klines can be published before any worker runs (the config's defaults match).
        bus.ensure_stream(hft::bus::kline_stream_spec());
    }
    ~worker_fixture() {
        if (worker.running()) worker.kill();
    }

    // Publishes raw payloads on `subject` (the samples' by default) and runs the io_context until JetStream acked
    // every one.
    void publish_raw(const std::vector<std::pair<std::string, std::string>>& payloads_and_ids,
                     const std::string& subject = hft::bus::kline_subject("binanceus", "BTCUSDT", "1m")) {
        std::vector<bus_message> messages;
        for (const auto& [payload, id] : payloads_and_ids) messages.push_back({subject, payload, id});
        publish_all(messages);
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

    // A series of the worker's /metrics; NaN while it does not serve them or has no such series.
    double worker_metric(std::string_view name, const std::map<std::string, std::string>& labels = {}) const {
        const auto port = worker.ops_port();
        if (!port) return std::numeric_limits<double>::quiet_NaN();
        const auto reply = hft::test::http_get("127.0.0.1", *port, "/metrics", 2s);
        if (reply.status != 200) return std::numeric_limits<double>::quiet_NaN();
        return parse_prometheus_text(reply.body).value(name, labels);
    }

    std::uint64_t dlq_messages() const { return stream_info("DLQ")->State.Msgs; }

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

}  // namespace hft::test
