#include "hft/bus/pull_consumer.hpp"

#include "bus_metrics.hpp"

#include <chrono>
#include <utility>

namespace hft::bus {

using metadata_ptr = std::unique_ptr<jsMsgMetaData, nats_deleter<&jsMsgMetaData_Destroy>>;

namespace {

using counter_of = obs::counter* detail::consumer_metrics::*;

bool counted(const detail::consumer_metrics* metrics, counter_of which, bool taken) {
    if (taken && metrics != nullptr) (metrics->*which)->inc();
    return taken;
}

}  // namespace

message::message(msg_ptr native, const detail::consumer_metrics* metrics)
    : native_(std::move(native)), metrics_(metrics) {
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

bool message::ack() {
    return counted(metrics_, &detail::consumer_metrics::acks, natsMsg_Ack(native_.get(), nullptr) == NATS_OK);
}

bool message::nak(std::chrono::milliseconds delay) {
    return counted(metrics_, &detail::consumer_metrics::naks,
                   natsMsg_NakWithDelay(native_.get(), delay.count(), nullptr) == NATS_OK);
}

bool message::term() {
    return counted(metrics_, &detail::consumer_metrics::terms, natsMsg_Term(native_.get(), nullptr) == NATS_OK);
}

bool message::in_progress() { return natsMsg_InProgress(native_.get(), nullptr) == NATS_OK; }

pull_consumer::pull_consumer(connection& bus, const std::string& stream, const std::string& durable,
                             const std::string& filter_subject)
    : metrics_(detail::consumer_metrics_for(durable)) {
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = stream.c_str();
    options.Consumer = durable.c_str();  // bind only: the consumer's config is connection::ensure_consumer's job
    options.ManualAck = true;
    jsErrCode js_code = static_cast<jsErrCode>(0);
    natsSubscription* raw = nullptr;
    const natsStatus status =
        js_PullSubscribe(&raw, bus.jetstream(), filter_subject.c_str(), durable.c_str(), nullptr, &options, &js_code);
    subscription_.reset(raw);
    check(status, "js_PullSubscribe " + stream + "/" + durable, js_code);
}

std::vector<message> pull_consumer::fetch(int max, std::chrono::milliseconds timeout) {
    natsMsgList list{nullptr, 0};
    jsErrCode js_code = static_cast<jsErrCode>(0);
    const natsStatus status = natsSubscription_Fetch(&list, subscription_.get(), max, timeout.count(), &js_code);
    if (status == NATS_TIMEOUT) {  // nothing arrived: the consumer is caught up
        metrics_->pending->set(0);
        return {};
    }
    check(status, "natsSubscription_Fetch", js_code);
    std::vector<message> messages;
    messages.reserve(static_cast<std::size_t>(list.Count));
    // Take every message out of the list first, so a metadata failure below still frees each one.
    std::vector<msg_ptr> owned;
    owned.reserve(static_cast<std::size_t>(list.Count));
    for (int i = 0; i < list.Count; ++i) {
        owned.emplace_back(list.Msgs[i]);
        list.Msgs[i] = nullptr;
    }
    natsMsgList_Destroy(&list);
    for (auto& native : owned) messages.emplace_back(std::move(native), metrics_);
    return messages;
}

}  // namespace hft::bus
