#pragma once

// One NATS connection with JetStream (DESIGN §2, §6). It never gives up: it reconnects forever with a
// jittered wait, and constructing it while NATS is down succeeds (it connects in the background).
//
// Threading: nats.c reports connection events on its own threads; the callbacks only post onto `executor`,
// so the event handler (and the connected() flag it reads) change on the executor. The stream and consumer
// management calls are request/reply round trips that BLOCK (up to api_timeout): call them at startup,
// before the io_context runs the hot path, or from a worker thread.

#include "hft/bus/nats.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hft::bus {

/// `refused`: the server turned down the credentials or an operation's permissions (the reason says which).
enum class connection_event { connected, disconnected, reconnected, closed, refused };
const char* to_string(connection_event event) noexcept;

/// Whether a disconnect or close `reason` is the server refusing the credentials (a wrong token or
/// user:password), which no reconnect can cure.
bool is_authorization_failure(std::string_view reason) noexcept;

struct connection_options {
    std::string url = "nats://127.0.0.1:4222";
    std::string name = "hft";                                ///< client name shown by the server
    std::chrono::milliseconds reconnect_wait{500};
    std::chrono::milliseconds reconnect_jitter{500};         ///< random extra wait, so clients do not stampede
    std::chrono::milliseconds api_timeout{5000};             ///< JetStream API requests (ensure_*)
    /// Write each message at once. Off, nats.c's flusher gathers writes for a millisecond, which a service moving
    /// many messages (gateway, worker) wants and a service whose few messages are on the tick-to-order path
    /// (strategy, order engine) does not: there that millisecond is most of a hop (docs/PERFORMANCE.md).
    bool send_asap = false;
};

/// A stream's wanted configuration. Storage is always file (DESIGN §2).
struct stream_spec {
    std::string name;
    std::vector<std::string> subjects;
    std::chrono::nanoseconds max_age{0};                     ///< 0: unlimited
    std::chrono::nanoseconds duplicate_window{std::chrono::minutes(2)};
    int replicas = 1;
};

/// KLINE: max_age and duplicate window from nats_jetstream.kline_max_age and .duplicate_window.
stream_spec kline_stream_spec(std::chrono::nanoseconds max_age = std::chrono::hours(24),
                              std::chrono::nanoseconds duplicate_window = std::chrono::minutes(2), int replicas = 1);
stream_spec order_engine_stream_spec(int replicas = 1);
stream_spec order_update_stream_spec(int replicas = 1);
stream_spec dlq_stream_spec(int replicas = 1);

/// A durable pull consumer with explicit acks, delivering from the start of the stream.
struct consumer_spec {
    std::string durable;
    std::string filter_subject;                              ///< empty: the whole stream
    std::chrono::nanoseconds ack_wait{std::chrono::seconds(30)};
    int max_deliver = 5;
    int max_ack_pending = 1000;
};

class connection {
public:
    /// `reason` is what the server or the socket last reported, for disconnected, closed and refused (may be empty).
    using event_handler = std::function<void(connection_event, const std::string& reason)>;

    /// Starts connecting; returns at once even when NATS is down. `on_event` runs on `executor`.
    connection(boost::asio::any_io_executor executor, connection_options options, event_handler on_event = {});
    /// Closes the connection (flushing what nats.c buffered); no event handler runs afterwards.
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Whether the connection is up, as last reported on the executor. Safe from any thread.
    bool connected() const noexcept;

    natsConnection* native() const noexcept { return connection_.get(); }
    /// The management JetStream context (no publish ack handler; the publisher makes its own).
    jsCtx* jetstream() const noexcept { return js_.get(); }
    const connection_options& options() const noexcept { return options_; }
    const boost::asio::any_io_executor& executor() const noexcept { return executor_; }

    /// Creates the stream when missing; when present, throws std::runtime_error naming every field that
    /// differs from `spec` (it never updates a stream silently). Blocks; see the header comment.
    void ensure_stream(const stream_spec& spec);
    /// Creates the durable pull consumer on `stream` when missing. When present with another filter, kind or
    /// ack policy, throws std::runtime_error naming them; differing limits (ack_wait, max_deliver,
    /// max_ack_pending) it updates in place and logs.
    void ensure_consumer(const std::string& stream, const consumer_spec& spec);

    struct state;  // shared with nats.c callbacks through a registry, never by raw pointer

private:
    boost::asio::any_io_executor executor_;
    connection_options options_;
    std::shared_ptr<state> state_;
    void* closure_ = nullptr;  ///< the registry id nats.c callbacks carry
    connection_ptr connection_;
    js_ptr js_;
};

}  // namespace hft::bus
