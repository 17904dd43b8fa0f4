#include "hft/bus/pull_consumer.hpp"

#include "bus_metrics.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace hft::bus {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

using metadata_ptr = std::unique_ptr<jsMsgMetaData, nats_deleter<&jsMsgMetaData_Destroy>>;

namespace {

using counter_of = obs::counter* detail::consumer_metrics::*;

bool counted(const detail::consumer_metrics* metrics, counter_of which, bool taken) {
    if (taken && metrics != nullptr) (metrics->*which)->inc();
    return taken;
}

struct reply_status {
    std::string code;  ///< "404", "408", "409", "503", ...
    std::string description;
};

// A pull request's status reply (no messages, expired, refused) carries a Status header and no data.
std::optional<reply_status> status_of(natsMsg* message) {
    const char* code = nullptr;
    if (natsMsg_GetDataLength(message) > 0 || natsMsgHeader_Get(message, "Status", &code) != NATS_OK ||
        code == nullptr) {
        return std::nullopt;
    }
    const char* description = nullptr;
    natsMsgHeader_Get(message, "Description", &description);
    return reply_status{std::string(code).substr(0, 3), description != nullptr ? description : ""};
}

// The request number a reply on `inbox`.<n> answers; 0 for anything else.
std::uint64_t request_number(std::string_view subject, std::string_view inbox) {
    std::uint64_t number = 0;
    if (subject.size() <= inbox.size() + 1 || !subject.starts_with(inbox) || subject[inbox.size()] != '.') return 0;
    const auto digits = subject.substr(inbox.size() + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    return error == std::errc{} && end == digits.data() + digits.size() ? number : 0;
}

}  // namespace

message::message(natsConnection* connection, msg_ptr native, const detail::consumer_metrics* metrics)
    : connection_(connection), native_(std::move(native)), metrics_(metrics) {
    jsMsgMetaData* raw = nullptr;
    check(natsMsg_GetMetaData(&raw, native_.get()), "natsMsg_GetMetaData");
    const metadata_ptr metadata(raw);
    metadata_.stream = metadata->Stream != nullptr ? metadata->Stream : "";
    metadata_.stream_sequence = metadata->Sequence.Stream;
    metadata_.deliveries = metadata->NumDelivered;
    if (metrics_ == nullptr) return;
    metrics_->messages->inc();
    if (metadata_.deliveries > 1) metrics_->redeliveries->inc();
    metrics_->pending->set(static_cast<double>(metadata->NumPending));
    const std::chrono::system_clock::time_point stored(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(metadata->Timestamp)));
    metrics_->delivery_seconds->observe(std::chrono::system_clock::now() - stored);
}

std::string_view message::subject() const noexcept { return natsMsg_GetSubject(native_.get()); }

std::string_view message::data() const noexcept {
    const char* data = natsMsg_GetData(native_.get());
    return data == nullptr ? std::string_view{}
                           : std::string_view(data, static_cast<std::size_t>(natsMsg_GetDataLength(native_.get())));
}

std::optional<std::string> message::header(const char* key) const {
    const char* value = nullptr;
    if (natsMsgHeader_Get(native_.get(), key, &value) != NATS_OK || value == nullptr) return std::nullopt;
    return std::string(value);
}

// The JetStream acknowledgement protocol: a body published on the message's reply subject.
bool message::reply(const char* body) {
    return natsConnection_PublishString(connection_, natsMsg_GetReply(native_.get()), body) == NATS_OK;
}

bool message::ack() { return counted(metrics_, &detail::consumer_metrics::acks, reply("+ACK")); }

bool message::nak(std::chrono::milliseconds delay) {
    const std::string body =
        delay > std::chrono::milliseconds::zero()
            ? "-NAK {\"delay\":" + std::to_string(std::chrono::nanoseconds(delay).count()) + "}"
            : "-NAK";
    return counted(metrics_, &detail::consumer_metrics::naks, reply(body.c_str()));
}

bool message::term() { return counted(metrics_, &detail::consumer_metrics::terms, reply("+TERM")); }

bool message::in_progress() { return reply("+WPI"); }

pull_consumer::pull_consumer(connection& bus, const std::string& stream, consumer_spec spec)
    : bus_(bus),
      stream_(stream),
      spec_(std::move(spec)),
      confirmed_(steady_clock::now()),
      connection_(bus.native()),
      next_subject_("$JS.API.CONSUMER.MSG.NEXT." + stream + "." + spec_.durable),
      metrics_(detail::consumer_metrics_for(spec_.durable)) {
    const auto& durable = spec_.durable;
    const auto& filter_subject = spec_.filter_subject;
    const std::string name = stream + "/" + durable;
    jsErrCode js_code = static_cast<jsErrCode>(0);
    jsConsumerInfo* raw_info = nullptr;
    const natsStatus status = js_GetConsumerInfo(&raw_info, bus.jetstream(), stream.c_str(), durable.c_str(),
                                                 nullptr, &js_code);
    const consumer_info_ptr info(raw_info);
    check(status, "js_GetConsumerInfo " + name, js_code);
    const jsConsumerConfig& config = *info->Config;
    if (config.DeliverSubject != nullptr || filter_subject != (config.FilterSubject ? config.FilterSubject : "")) {
        throw std::runtime_error("consumer " + name + " is not a pull consumer on " + filter_subject +
                                 "; bind to the consumer connection::ensure_consumer made");
    }

    natsInbox* raw_inbox = nullptr;
    check(natsInbox_Create(&raw_inbox), "natsInbox_Create");
    inbox_ = raw_inbox;
    natsInbox_Destroy(raw_inbox);
    natsSubscription* raw = nullptr;
    check(natsConnection_SubscribeSync(&raw, connection_, (inbox_ + ".*").c_str()), "subscribe to " + name);
    subscription_.reset(raw);
}

void pull_consumer::unsubscribe_and_destroy::operator()(natsSubscription* subscription) const noexcept {
    natsSubscription_Unsubscribe(subscription);
    natsSubscription_Destroy(subscription);
}

std::vector<message> pull_consumer::fetch(int max, std::chrono::milliseconds timeout) {
    // A request published while disconnected would wait in nats.c's reconnect buffer and be served after the
    // reconnect to a fetch long gone: refuse, and let the caller back off until NATS is back.
    if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) {
        throw nats_error("pull request to " + next_subject_, NATS_CONNECTION_DISCONNECTED, "not connected");
    }
    const auto wanted = static_cast<std::size_t>(std::max(max, 1));
    const auto deadline = steady_clock::now() + timeout;
    const auto time_left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    };
    std::vector<message> messages;
    messages.reserve(wanted);
    collect(messages, wanted, 0, steady_clock::now());  // late deliveries of expired requests
    // One request that waits for the first messages and ends as soon as the consumer has no more to give (with
    // messages already in hand it must not wait at all: without expires, no_wait answers at once)...
    if (messages.size() < wanted && time_left() > 0ms) {
        const auto expires = messages.empty() ? time_left() : 0ms;
        collect(messages, wanted, request(wanted - messages.size(), expires, request_kind::first_messages),
                deadline);
    }
    // ...unless the server turned it down early, as it does while other clients' waiting requests cover what is
    // pending: then wait in line for a whole batch rather than asking again in a loop. (One that simply expired
    // ends in its last fifth: see request().)
    if (messages.empty() && time_left() > timeout / 4) {
        collect(messages, wanted, request(wanted, time_left(), request_kind::whole_batch), deadline);
    }
    if (!messages.empty()) {
        confirmed_ = steady_clock::now();
    } else {
        metrics_->pending->set(0);
        if (steady_clock::now() - confirmed_ >= existence_check_interval) recreate_if_deleted();
    }
    return messages;
}

void pull_consumer::recreate_if_deleted() {
    jsErrCode js_code = static_cast<jsErrCode>(0);
    jsConsumerInfo* raw_info = nullptr;
    const natsStatus status =
        js_GetConsumerInfo(&raw_info, bus_.jetstream(), stream_.c_str(), spec_.durable.c_str(), nullptr, &js_code);
    const consumer_info_ptr info(raw_info);
    const auto name = stream_ + "/" + spec_.durable;
    if (js_code == JSStreamNotFoundErr) {
        throw nats_error("consumer " + name, status,
                         "its stream " + stream_ + " no longer exists; restart the service, which creates its streams");
    }
    if (js_code == JSConsumerNotFoundErr) {
        spdlog::warn("consumer {} no longer exists (deleted?); creating it again, delivering from the start of the "
                     "stream",
                     name);
        bus_.ensure_consumer(stream_, spec_);
    } else {
        check(status, "js_GetConsumerInfo " + name, js_code);
    }
    confirmed_ = steady_clock::now();
}

std::uint64_t pull_consumer::request(std::size_t batch, std::chrono::milliseconds expires, request_kind kind) {
    const auto number = ++requests_;
    // The server expires a request a little before the client stops waiting, so that its 408 arrives in time.
    const auto server_expires = std::max(expires - std::min(expires / 5, 10ms), 1ms);
    const std::string expiry =
        expires > 0ms ? fmt::format(R"(,"expires":{})", std::chrono::nanoseconds(server_expires).count()) : "";
    const std::string body = fmt::format(R"({{"batch":{}{}{}}})", batch, expiry,
                                         kind == request_kind::first_messages ? R"(,"no_wait":true)" : "");
    const std::string reply = inbox_ + "." + std::to_string(number);
    check(natsConnection_PublishRequestString(connection_, next_subject_.c_str(), reply.c_str(), body.c_str()),
          "pull request to " + next_subject_);
    return number;
}

void pull_consumer::collect(std::vector<message>& into, std::size_t max, std::uint64_t request,
                            steady_clock::time_point deadline) {
    while (into.size() < max) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
        natsMsg* raw = nullptr;
        const natsStatus status =
            natsSubscription_NextMsg(&raw, subscription_.get(), std::max<int64_t>(left.count(), 0));
        if (status == NATS_TIMEOUT) return;
        check(status, "waiting for " + next_subject_);
        msg_ptr native(raw);
        const auto reply_status = status_of(native.get());
        if (!reply_status) {
            into.emplace_back(connection_, std::move(native), metrics_);
            continue;
        }
        if (request_number(natsMsg_GetSubject(native.get()), inbox_) != request) continue;  // an older request's
        if (reply_status->code == "404" || reply_status->code == "408") return;  // no messages / expired
        if (reply_status->code == "100") continue;                               // heartbeat
        if (reply_status->code == "409" && reply_status->description.find("Deleted") != std::string::npos) {
            confirmed_ = {};  // deleted while this request waited: fetch() creates it again
            return;
        }
        if (!into.empty()) return;  // keep what arrived; the next request meets the refusal again
        const natsStatus as_status = reply_status->code == "503" ? NATS_NO_RESPONDERS : NATS_ERR;
        throw nats_error("pull request to " + next_subject_, as_status,
                         "refused with " + reply_status->code + " " + reply_status->description);
    }
}

}  // namespace hft::bus
