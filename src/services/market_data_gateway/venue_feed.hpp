#pragma once

// One exchange's market-data connection inside the gateway: connect, subscribe, read, parse, publish,
// watch for stalls, reconnect with backoff, and backfill every hole in the closed candles over REST.
// Everything runs on the gateway's executor (one thread), so the state here needs no locks.

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/core/kline_gaps.hpp"
#include "hft/domain/kline.hpp"
#include "hft/exchange/binance/kline_frame.hpp"
#include "hft/net/http_client.hpp"
#include "hft/net/websocket_client.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/services/market_data_gateway.hpp"
#include "hft/services/market_data_plan.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hft::services::detail {

/// Wakes every coroutine waiting on it; a wait also ends by itself after its timeout. Each waiter has its own
/// timer: re-arming a shared one would cancel the other waiters.
class wakeup {
public:
    explicit wakeup(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
    void notify();
    boost::asio::awaitable<void> wait(std::chrono::milliseconds timeout);

private:
    boost::asio::any_io_executor executor_;
    std::set<boost::asio::steady_timer*> waiting_;
};

/// What every feed of one gateway shares.
struct feed_context {
    boost::asio::any_io_executor executor;
    bus::connection& bus;
    bus::publisher& publisher;
    wakeup& capacity;  ///< notified when the publisher has room again
    const app::market_data_gateway_config& tuning;
    obs::histogram& frame_to_ack_seconds;  ///< frame off the socket -> JetStream ack, per kline
};

/// A stream's last closed candle stored before start-up, keyed like the gap tracker.
struct stream_seed {
    std::string symbol;
    std::string interval;
    std::int64_t last_closed_open_time = 0;
};

class venue_feed : public std::enable_shared_from_this<venue_feed> {
public:
    venue_feed(feed_context& context, venue_plan plan, venue_endpoints endpoints, const std::vector<stream_seed>& seeds);

    /// Runs until stop(). Spawned once.
    boost::asio::awaitable<void> run();
    /// Applies a new plan for this venue: UNSUBSCRIBE removed streams and SUBSCRIBE added ones on the live
    /// connection (or at the next connect).
    void update(venue_plan next);
    void stop();

    const gateway_stats& counters() const noexcept { return counters_; }
    bool connected() const noexcept { return connection_ != nullptr && connection_->subscribed; }
    /// Time from a frame coming off the socket to JetStream's ack of its kline, since the last call.
    struct ack_latency {
        std::uint64_t count = 0;
        std::int64_t total_us = 0;
        std::int64_t max_us = 0;
    };
    ack_latency take_ack_latency() noexcept { return std::exchange(ack_latency_, {}); }

private:
    struct stream_state {
        planned_stream plan;
        std::string subject;
        bool needs_catchup = true;  ///< after a (re)connect: check what closed while nothing was listening
    };

    struct connection_state {
        std::shared_ptr<net::websocket_client> ws;
        std::chrono::steady_clock::time_point opened;
        std::chrono::steady_clock::time_point last_frame;
        bool open = true;
        bool subscribed = false;
        bool reconnect_at_once = false;  ///< a planned renewal or serverShutdown: no backoff
        std::string close_reason;        ///< set by whoever ended the connection on purpose
        std::deque<std::string> outbox;
        bool writing = false;
    };

    boost::asio::awaitable<bool> read_frames(std::shared_ptr<connection_state> connection);
    boost::asio::awaitable<void> watch(std::shared_ptr<connection_state> connection);
    boost::asio::awaitable<void> write_outbox(std::shared_ptr<connection_state> connection);
    boost::asio::awaitable<void> backfill_loop();
    boost::asio::awaitable<bool> backfill(net::http_client& rest, const core::kline_range& range);
    boost::asio::awaitable<bool> publish_all(std::vector<domain::kline> klines);
    boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::milliseconds delay);

    void on_kline(const domain::kline& k);
    void publish(const stream_state& stream, const domain::kline& k, std::function<void(bool)> then);
    void on_closed_acked(const std::string& symbol, const std::string& interval, std::int64_t open_time);
    void send(const std::shared_ptr<connection_state>& connection, std::string text);
    void subscribe(const std::shared_ptr<connection_state>& connection, const std::vector<planned_stream>& streams,
                   std::string_view method);
    void enqueue_backfill(core::kline_range range);
    stream_state* find_stream(std::string_view symbol, std::string_view interval) noexcept;
    void rebuild_streams(const std::vector<stream_state>& previous);

    feed_context& context_;
    venue_plan plan_;
    venue_endpoints endpoints_;
    std::vector<stream_state> streams_;
    core::kline_gap_tracker gaps_;
    std::deque<core::kline_range> backfill_queue_;
    std::shared_ptr<connection_state> connection_;
    exchange::binance::kline_frame_parser parser_;
    exchange::binance::frame_result frame_;
    gateway_stats counters_;
    std::set<std::string> unknown_symbols_seen_;
    ack_latency ack_latency_;
    std::uint64_t next_request_id_ = 1;
    bool stopping_ = false;
    boost::asio::steady_timer reconnect_timer_;
    boost::asio::steady_timer backfill_timer_;
    wakeup backfill_wakeup_;
};

}  // namespace hft::services::detail
