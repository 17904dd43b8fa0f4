#pragma once

// A JetStream pull subscription on an existing durable consumer (DESIGN §2) and the messages it fetches.
//
// Pull requests are our own, not nats.c's natsSubscription_Fetch: the nats.c Debian 12 ships (3.4.1) writes
// past its message array when a fetch starts with messages left by an earlier, expired request, which is
// exactly what reconnecting after a nats-server restart produces (fixed upstream in 3.10, nats.c #749).
// Each fetch publishes requests to $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> with a reply subject of its
// own under this consumer's inbox, so a status (404 no messages, 408 expired) is matched to its request and
// a late message from an expired one is simply taken by the next fetch.
//
// A durable deleted under a running service (`nats consumer rm`, a restore) is created again with the spec it
// was bound with, from the start of the stream (every effect downstream is idempotent), and logged: nats-server
// 2.9 leaves a pull request to a deleted durable unanswered, so a consumer that fetched nothing for
// existence_check_interval asks whether its durable still exists.
//
// Threading: fetch() BLOCKS (up to its timeout), so it runs on an app::blocking_lane, never on the io_context.
// One fetch at a time per pull_consumer. A fetched message may be acked, NAKed or terminated from any
// thread: those are fire-and-forget publishes on the connection.

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
    /// A message delivered on `connection` by a pull request; `metrics` (may be null) counts its ack, nak
    /// and term. Throws nats_error when it carries no JetStream metadata.
    message(natsConnection* connection, msg_ptr native, const detail::consumer_metrics* metrics = nullptr);

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
    bool reply(const char* body);

    natsConnection* connection_;
    msg_ptr native_;
    delivery_metadata metadata_;
    const detail::consumer_metrics* metrics_ = nullptr;
};

class pull_consumer {
public:
    /// How long a consumer that fetches nothing goes before it checks that its durable still exists.
    static constexpr std::chrono::seconds existence_check_interval{5};

    /// Binds to the durable consumer `spec.durable` on `stream` (create it first with
    /// connection::ensure_consumer(stream, spec)). Blocks for one request/reply; throws nats_error when NATS is
    /// unreachable or the consumer is missing, std::runtime_error when it is not a pull consumer on
    /// spec.filter_subject. `bus` must outlive it.
    pull_consumer(connection& bus, const std::string& stream, consumer_spec spec);
    pull_consumer(const pull_consumer&) = delete;
    pull_consumer& operator=(const pull_consumer&) = delete;

    /// Up to `max` messages: returns as soon as some have arrived and the consumer has no more pending, waiting
    /// up to `timeout` for the first. Empty when nothing arrived, and when its durable had to be created again.
    /// Throws nats_error when NATS is not connected, when JetStream answers a request with a refusal (503 no
    /// responders) or when the durable's stream no longer exists. BLOCKS; see above.
    std::vector<message> fetch(int max, std::chrono::milliseconds timeout);

private:
    /// first_messages: no_wait with expires, which JetStream serves as soon as it has any message and ends
    /// when it has no more (nats.c's Fetch asks the same). whole_batch: served until `batch` or expiry.
    enum class request_kind { first_messages, whole_batch };
    /// Publishes a pull request for `batch` messages, expiring just before `expires` (0: no expiry, which with
    /// first_messages means answered at once with what is pending); returns its number.
    std::uint64_t request(std::size_t batch, std::chrono::milliseconds expires, request_kind kind);
    /// Adds delivered messages to `into` until it holds `max`, request number `request` ends or `deadline`
    /// passes (a deadline already past takes only what has arrived).
    void collect(std::vector<message>& into, std::size_t max, std::uint64_t request,
                 std::chrono::steady_clock::time_point deadline);
    /// Creates the durable again when JetStream no longer has it.
    void recreate_if_deleted();

    connection& bus_;
    std::string stream_;
    consumer_spec spec_;
    std::chrono::steady_clock::time_point confirmed_;  ///< when the durable was last known to exist
    natsConnection* connection_;
    std::string next_subject_;  ///< $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>
    std::string inbox_;         ///< request n's replies arrive on inbox_.n
    struct unsubscribe_and_destroy {
        void operator()(natsSubscription* subscription) const noexcept;
    };
    // Unsubscribing only drops this process's inbox; the durable consumer stays for the next process.
    std::unique_ptr<natsSubscription, unsubscribe_and_destroy> subscription_;
    std::uint64_t requests_ = 0;
    const detail::consumer_metrics* metrics_;
};

/// Every durable consumer this process has bound, with the messages that waited for it after its last fetch
/// (0 once a fetch came back empty): the consumer lag /readyz and hft_jetstream_consumer_pending report.
std::vector<std::pair<std::string, std::uint64_t>> consumer_lags();

}  // namespace hft::bus
