#pragma once

// The skeleton every JetStream-consuming service shares (market_data_worker, strategy_runner, order_engine):
//
//   consumer_loop    the service's stop(): every pause it hands out ends at once; setting up streams and durables
//                    retried with backoff until NATS answers; the periodic stats line.
//   durable_fetcher  one durable pull consumer fetched on a blocking lane of its own; a NATS outage is logged once
//                    and waited out with backoff.
//   message_settler  ack / NAK with the service's redelivery delay / dead letter with a reason, counted; on stop,
//                    the wait (bounded by the shutdown timeout) for dead letters still in flight.
//
// What differs between the services (how a batch or one message is handled, their stats line, their metrics)
// stays with them. Everything here runs on the service's executor except the calls on the lanes.

#include "hft/app/blocking_lane.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "hft/core/backoff.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hft::services {

/// Redelivery delay after a transient failure: nak_delay * 2^(deliveries - 1), capped at one hour.
std::chrono::milliseconds redelivery_delay(std::chrono::milliseconds nak_delay, std::uint64_t deliveries);

enum class settlement_kind { ack, nak, dead_letter };

/// What a handled message gets.
struct settlement {
    settlement_kind kind = settlement_kind::ack;
    std::chrono::milliseconds delay{0};  ///< nak: redeliver after this
    std::string reason;                  ///< dead_letter: the Hft-Dlq-Reason

    friend bool operator==(const settlement&, const settlement&) = default;
};

class consumer_loop {
public:
    explicit consumer_loop(boost::asio::any_io_executor executor);
    consumer_loop(const consumer_loop&) = delete;
    consumer_loop& operator=(const consumer_loop&) = delete;

    boost::asio::any_io_executor executor() const { return executor_; }
    bool stopping() const noexcept { return stopping_; }
    /// From now on every pause returns at once, and the ones waiting end. Call on the executor.
    void stop();

    /// Waits `delay` on `timer` unless stopping.
    boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::milliseconds delay);

    /// Runs `attempt` (streams, durables, buckets) on `lane` until it no longer throws bus::nats_error, with
    /// backoff; the first failure is logged as "cannot <what>: ...". False when stopped first.
    boost::asio::awaitable<bool> set_up(app::blocking_lane& lane, std::string_view what,
                                        const std::function<void()>& attempt);

    /// Calls `report` every `interval` until stop(); nothing when `interval` is not positive.
    boost::asio::awaitable<void> stats_loop(std::chrono::milliseconds interval, std::function<void()> report);

private:
    boost::asio::any_io_executor executor_;
    bool stopping_ = false;
    std::set<boost::asio::steady_timer*> waiting_;  ///< timers a pause is waiting on
};

class durable_fetcher {
public:
    /// `name` names the durable in log lines (stream/durable); `log_prefix` starts them (e.g. "<strategy id>: ").
    durable_fetcher(consumer_loop& loop, std::string name, std::string log_prefix = {});
    durable_fetcher(const durable_fetcher&) = delete;
    durable_fetcher& operator=(const durable_fetcher&) = delete;

    /// consumer_loop::set_up on this fetcher's lane; `bind` ensures what the durable needs and binds it.
    boost::asio::awaitable<bool> set_up(const std::function<std::unique_ptr<bus::pull_consumer>()>& bind);
    /// The durable, bound elsewhere on a lane (for a service that sets up all its durables at once).
    void attach(std::unique_ptr<bus::pull_consumer> consumer) { consumer_ = std::move(consumer); }

    /// Up to `max` messages, waiting up to `timeout` for the first. While NATS does not answer: empty, after a
    /// pause that grows with backoff.
    boost::asio::awaitable<std::vector<bus::message>> fetch(int max, std::chrono::milliseconds timeout);

    /// For the owner's other blocking bus calls, queued behind the fetches.
    app::blocking_lane& lane() noexcept { return lane_; }
    /// A fetch still running must not outlive main(): the owner joins the lane before its state goes.
    void join() { lane_.join(); }

private:
    consumer_loop& loop_;
    std::string name_;
    std::string log_prefix_;
    // The consumer is only touched from the lane, declared after it so that the lane (joining its thread) is
    // destroyed first.
    std::unique_ptr<bus::pull_consumer> consumer_;
    app::blocking_lane lane_;
    boost::asio::steady_timer pause_timer_;
    core::backoff backoff_;
    bool outage_ = false;
};

/// Messages settled since start.
struct settled_counts {
    std::uint64_t acked = 0;
    std::uint64_t naked = 0;          ///< a dead letter the DLQ did not ack included (its original is NAKed)
    std::uint64_t dead_lettered = 0;  ///< dead letters the DLQ stream acked
};

class message_settler : public std::enable_shared_from_this<message_settler> {
public:
    /// Dead letters go out with `dead_letters`, which must outlive the settler. A NAK for a dead letter the DLQ
    /// did not take waits redelivery_delay(nak_delay, deliveries); `on_dead_lettered` runs for each one it took.
    message_settler(boost::asio::any_io_executor executor, bus::publisher& dead_letters, int max_deliver,
                    std::chrono::milliseconds nak_delay, std::chrono::milliseconds shutdown_timeout,
                    std::function<void()> on_dead_lettered = {});

    void settle(bus::message message, settlement verdict);
    void dead_letter(bus::message message, std::string reason);

    /// Waits up to the shutdown timeout for the dead letters still in flight; warns about those left.
    boost::asio::awaitable<void> drain();

    const settled_counts& counts() const noexcept { return counts_; }

private:
    bus::publisher& dead_letters_;
    int max_deliver_;
    std::chrono::milliseconds nak_delay_;
    std::chrono::milliseconds shutdown_timeout_;
    std::function<void()> on_dead_lettered_;
    boost::asio::steady_timer drain_timer_;
    std::size_t in_flight_ = 0;
    settled_counts counts_;
};

}  // namespace hft::services
