#pragma once

// `hft market-data-gateway`: exchange kline websockets -> JetStream (DESIGN §2, §6).
//
// It reads the enabled kline_subscriptions and symbol_mappings, opens one combined-stream websocket per
// exchange, sends each stored payload verbatim (or builds the SUBSCRIBE), parses every frame, and
// publishes each kline event on kline.data.<exchange>.<SYMBOL>.<interval> with a Nats-Msg-Id, so doubled
// publishes (two gateways, a restart) are dropped by the server. Publishes are asynchronous with a bound
// on un-acked messages; the socket is not read while the bound is reached.
//
// Nothing is lost across outages: a closed candle counts as delivered only once JetStream acked it, and
// any hole in a stream's closed candles (a dropped or stalled connection, a malformed frame, a failed
// publish, the time the gateway was not running) is backfilled over REST before it is trusted again.
// Connections are re-established with jittered exponential backoff, before the exchange's 24 h cut, and
// when no frame arrived for idle_timeout. Added or removed subscriptions are picked up without a restart.

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hft::services {

/// Counters since start, summed over every venue.
struct gateway_stats {
    std::uint64_t frames = 0;          ///< websocket messages received
    std::uint64_t klines = 0;          ///< kline frames that passed every check
    std::uint64_t published = 0;       ///< publishes started (live and backfill)
    std::uint64_t acked = 0;           ///< publishes JetStream acknowledged
    std::uint64_t duplicates = 0;      ///< acked as duplicates (another gateway or a retry got there first)
    std::uint64_t publish_failed = 0;  ///< publishes that failed (a closed candle among them is backfilled)
    std::uint64_t malformed = 0;       ///< frames rejected by the parser
    std::uint64_t unknown_symbol = 0;  ///< klines for markets not in symbol_mappings
    std::uint64_t reconnects = 0;      ///< websocket connections lost or renewed
    std::uint64_t backfilled = 0;      ///< closed klines published from REST history
    std::uint64_t in_flight = 0;       ///< publishes awaiting their ack now
    std::uint64_t streams = 0;         ///< subscribed kline streams now
    std::uint64_t connected_venues = 0;
};

class market_data_gateway {
public:
    /// `cfg` supplies market_data_gateway tuning, the exchanges' endpoints, nats_jetstream stream settings,
    /// database.market_data and graceful_shutdown_timeout. `bus` must outlive the gateway.
    market_data_gateway(boost::asio::any_io_executor executor, bus::connection& bus, const app::config& cfg);
    ~market_data_gateway();
    market_data_gateway(const market_data_gateway&) = delete;
    market_data_gateway& operator=(const market_data_gateway&) = delete;

    /// Runs until stop(): retries the database, NATS and the exchanges for as long as they are unreachable.
    /// After stop() it waits for the publishes in flight (at most graceful_shutdown_timeout) and for a subscription
    /// reload PostgreSQL has not answered yet, then returns: nothing it started outlives it.
    boost::asio::awaitable<void> run();

    /// Stops reading the exchanges; run() returns once in-flight publishes are acked and a reload in progress has
    /// ended. Call on the executor.
    void stop();

    gateway_stats stats() const;

    /// Why the gateway is not ready (subscriptions not read yet, or a venue's websocket down), or nullopt when
    /// every venue is connected. For /readyz; call on the executor.
    std::optional<std::string> readiness() const;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::services
