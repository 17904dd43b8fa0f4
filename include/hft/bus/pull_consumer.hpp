#pragma once

// A JetStream pull subscription on an existing durable consumer (DESIGN §2) and the messages it fetches.
//
// Threading: fetch() BLOCKS (up to its timeout), so it runs on an app::blocking_lane, never on the io_context.
// One fetch at a time per pull_consumer (nats.c refuses concurrent fetches). A fetched message may be acked,
// NAKed or terminated from any thread: those are fire-and-forget publishes on the connection.

#include "hft/bus/connection.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hft::bus {

namespace detail {
struct consumer_metrics;
}

/// Where a delivered message sits in its stream and how often it was delivered (nats.c metadata).
struct delivery_metadata {
    std::string stream;
    std::uint64_t stream_sequence = 0;
    std::uint64_t deliveries = 0;  ///< 1 on the first delivery
};

/// One delivered JetStream message. Destroying it without ack/nak/term leaves it to be redelivered after
/// the consumer's ack_wait.
class message {
public:
    /// `metrics` (may be null) counts this message's ack, nak and term.
    explicit message(msg_ptr native, const detail::consumer_metrics* metrics = nullptr);

    std::string_view subject() const noexcept;
    std::string_view data() const noexcept;
    /// The first value of header `key`, if present.
    std::optional<std::string> header(const char* key) const;
    const delivery_metadata& metadata() const noexcept { return metadata_; }

    // Each returns whether nats.c took the reply (false e.g. while NATS is down and the reconnect buffer is
    // full). A lost reply only means a redelivery after ack_wait, so callers count it and move on.

    /// The effect is durable: never deliver it again.
    bool ack();
    /// Deliver it again after `delay` (0: as soon as possible).
    bool nak(std::chrono::milliseconds delay);
    /// It can never succeed: never deliver it again.
    bool term();
    /// Still working on it: restart the ack_wait timer.
    bool in_progress();

private:
    msg_ptr native_;
    delivery_metadata metadata_;
    const detail::consumer_metrics* metrics_ = nullptr;
};

class pull_consumer {
public:
    /// Binds to the durable consumer `durable` on `stream` whose filter is `filter_subject` (create it first
    /// with connection::ensure_consumer; binding never creates or deletes it). Blocks for one request/reply;
    /// throws nats_error when NATS is unreachable or the consumer is missing.
    pull_consumer(connection& bus, const std::string& stream, const std::string& durable,
                  const std::string& filter_subject);
    pull_consumer(const pull_consumer&) = delete;
    pull_consumer& operator=(const pull_consumer&) = delete;

    /// Up to `max` messages: returns as soon as some are available and no more are pending, else waits up to
    /// `timeout` for the batch to fill. Empty when nothing arrived. Throws nats_error on other failures (NATS
    /// down, consumer deleted). BLOCKS; see the header comment.
    std::vector<message> fetch(int max, std::chrono::milliseconds timeout);

private:
    // Destroyed without unsubscribing: the bound durable consumer stays on the server for the next process.
    std::unique_ptr<natsSubscription, nats_deleter<&natsSubscription_Destroy>> subscription_;
    const detail::consumer_metrics* metrics_;
};

/// Every durable consumer this process has bound, with the messages that waited for it after its last fetch
/// (0 once a fetch came back empty): the consumer lag /readyz and hft_jetstream_consumer_pending report.
std::vector<std::pair<std::string, std::uint64_t>> consumer_lags();

}  // namespace hft::bus
