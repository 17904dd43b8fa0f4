#pragma once

// `hft market-data-worker`: JetStream KLINE -> market_klines, exactly once through crashes (DESIGN §2, §6).
//
// A durable pull consumer (shared by every worker process) is fetched in batches of up to batch_size, or
// whatever arrived within batch_timeout. Each batch is one upsert transaction (a closed candle stays final,
// older updates are ignored), and its messages are acked only after the commit: a crash before the ack means
// a redelivery, which the upsert absorbs. Batches commit concurrently on `connections` PostgreSQL sessions
// (batch N+1 is inserted while batch N commits) and the next batch is fetched meanwhile. Two transactions
// upserting one candle wait on its row, and the later one checks the guard against the committed row, so
// the closed or newer state wins in either commit order; rows are locked in candle order, so two batches
// cannot deadlock.
//
// A message that can never succeed (undecodable, insane, implausible for its subject or the clock, refused by a
// table constraint) goes to the DLQ stream with its reason and is terminated once the DLQ acked it; the rest of
// its batch proceeds. When PostgreSQL is unreachable the batch is NAKed with a growing delay and fetching pauses
// until the database answers again; a message on its last delivery goes to the DLQ instead, so nothing is
// dropped silently.
// NATS outages are waited out: the connection reconnects forever and fetches are retried with backoff.

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/core/kline_plausibility.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/kline.hpp"
#include "hft/services/consumer_loop.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hft::services {

/// Counters since start.
struct worker_stats {
    std::uint64_t received = 0;        ///< messages fetched (redeliveries included)
    std::uint64_t committed = 0;       ///< klines in committed transactions
    std::uint64_t acked = 0;
    std::uint64_t naked = 0;
    std::uint64_t dead_lettered = 0;   ///< dead letters the DLQ stream acked
    std::uint64_t batches = 0;         ///< committed transactions
    std::uint64_t last_batch_size = 0;
};

// ---- the worker's decisions, pure so they are unit-tested ----

/// A message's payload as a kline that can be stored: valid, and plausible for the market its subject names at
/// `now_ms` (core::check_plausible), or why it can never be (the dead letter's reason).
expected<domain::kline, std::string> decode_kline_message(std::string_view subject, std::string_view payload,
                                                          std::int64_t now_ms, const core::kline_time_window& window);

/// What storing one batch of decoded klines came to.
struct store_outcome {
    bool database_unavailable = false;  ///< nothing is known to be stored; retry later
    std::string error;                  ///< why, when unavailable
    /// Klines (by index in the batch) the database refused for good, with its reason; the others are committed.
    std::map<std::size_t, std::string> rejected;
};

/// The fate of the decoded kline at `index` of a stored batch, delivered `deliveries` times so far: ack what
/// is committed, dead-letter what the database refused, NAK with redelivery_delay while the database is
/// unavailable, and dead-letter it on its last delivery (`deliveries` >= `max_deliver`) instead of NAKing.
settlement settle(const store_outcome& outcome, std::size_t index, std::uint64_t deliveries, int max_deliver,
                  std::chrono::milliseconds nak_delay);

// ---- the service ----

class market_data_worker {
public:
    /// `cfg` supplies market_data_worker tuning, nats_jetstream stream settings, database.market_data and
    /// graceful_shutdown_timeout (config errors throw app::config_error here). `bus` must outlive the worker.
    market_data_worker(boost::asio::any_io_executor executor, bus::connection& bus, const app::config& cfg);
    ~market_data_worker();
    market_data_worker(const market_data_worker&) = delete;
    market_data_worker& operator=(const market_data_worker&) = delete;

    /// Ensures the KLINE and DLQ streams and the durable consumer (retrying while NATS is unreachable; a
    /// conflicting existing config throws), then consumes until stop(). After stop() it commits and settles
    /// the batches in hand, waits (bounded by graceful_shutdown_timeout) for dead letters in flight and returns.
    boost::asio::awaitable<void> run();

    /// Stops fetching; run() returns once the batches in hand are settled. Call on the executor.
    void stop();

    worker_stats stats() const;

    /// "database unavailable: ..." from a failed commit until PostgreSQL answers again, else nullopt. For
    /// /readyz; call on the executor.
    std::optional<std::string> readiness() const;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::services
