#pragma once

// Asynchronous JetStream publishing with Nats-Msg-Id dedup and a bound on un-acked messages.
//
// Threading: publish(), can_publish(), in_flight() and on_capacity() are called on the connection's
// executor. nats.c reports acks on its own thread; the ack handler only posts the result onto the executor,
// where `on_done` runs. When in_flight() reaches max_in_flight, publish() refuses (on_done gets an error)
// instead of blocking: callers check can_publish() and resume from the on_capacity() callback. The nats.c
// MaxPending is the same bound, and our count drops only after nats.c's, so its StallWait never blocks.

#include "hft/bus/connection.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hft::bus {

struct publish_result {
    std::uint64_t sequence = 0;  ///< stream sequence (of the original message when duplicate)
    bool duplicate = false;      ///< the server already had this Nats-Msg-Id within the duplicate window
    std::string error;           ///< empty on success
    bool ok() const noexcept { return error.empty(); }
};

/// Header name and value pairs, in order.
using message_headers = std::vector<std::pair<std::string, std::string>>;

struct publisher_options {
    std::size_t max_in_flight = 1024;
    std::chrono::milliseconds ack_timeout{10000};  ///< a publish without an ack by then fails with a timeout
};

class publisher {
public:
    using done_handler = std::function<void(publish_result)>;

    /// Makes its own JetStream context on `bus` (whose ack handler is this publisher). `bus` must outlive it.
    explicit publisher(connection& bus, publisher_options options = {});
    /// Drops un-acked publishes without running their handlers; call flush() first to wait for them.
    ~publisher();
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    /// Publishes `payload` on `subject` with Nats-Msg-Id `msg_id` (empty: none). `on_done` runs on the executor
    /// exactly once: with the ack, or with an error (including "at capacity" when !can_publish()).
    void publish(std::string_view subject, std::string_view payload, std::string_view msg_id, done_handler on_done);
    /// The same with message headers (e.g. a dead letter's reason).
    void publish(std::string_view subject, std::string_view payload, std::string_view msg_id,
                 const message_headers& headers, done_handler on_done);

    /// The most bytes one message may carry, headers included, as the server last announced it (max_payload);
    /// NATS's default of 1 MiB before the first connection. A publish beyond it fails.
    std::size_t max_payload() const noexcept;

    bool can_publish() const noexcept;
    std::size_t in_flight() const noexcept;
    /// Runs `handler` on the executor whenever a slot frees after the publisher was full.
    void on_capacity(std::function<void()> handler);

    /// Waits up to `timeout` for every outstanding ack; returns whether all came. BLOCKS the calling thread:
    /// for shutdown, off the hot path (the acks' on_done still run on the executor afterwards).
    bool flush(std::chrono::milliseconds timeout);

    struct state;

private:
    std::shared_ptr<state> state_;
    natsConnection* connection_;
    void* closure_ = nullptr;
    js_ptr js_;
};

}  // namespace hft::bus
