#include "bus_metrics.hpp"

#include "hft/bus/pull_consumer.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace hft::bus::detail {

publish_metrics publish_metrics_for(std::string_view subject_prefix) {
    auto& r = obs::default_registry();
    const obs::labels series{{"subject", std::string(subject_prefix)}};
    return publish_metrics{
        .publishes = &r.counter("hft_jetstream_publishes_total", "JetStream publishes started", series),
        .acks = &r.counter("hft_jetstream_publish_acks_total", "JetStream publishes acknowledged (stored)", series),
        .duplicates = &r.counter("hft_jetstream_publish_duplicates_total",
                                 "Acknowledged publishes the server had already stored (same Nats-Msg-Id)", series),
        .failures = &r.counter("hft_jetstream_publish_failures_total",
                               "JetStream publishes that failed (no ack, timeout, at capacity)", series),
        .ack_seconds = &r.histogram("hft_jetstream_publish_ack_seconds", "JetStream publish to its ack",
                                    obs::latency_buckets_seconds(), series),
    };
}

namespace {

std::mutex consumers_mutex;
std::map<std::string, std::unique_ptr<consumer_metrics>, std::less<>> consumers_by_durable;

}  // namespace

const consumer_metrics* consumer_metrics_for(const std::string& durable) {
    std::lock_guard lock(consumers_mutex);
    auto& slot = consumers_by_durable[durable];
    if (slot) return slot.get();
    auto& r = obs::default_registry();
    const obs::labels series{{"durable", durable}};
    slot = std::make_unique<consumer_metrics>(consumer_metrics{
        .messages = &r.counter("hft_jetstream_messages_total", "Messages fetched, redeliveries included", series),
        .redeliveries = &r.counter("hft_jetstream_redeliveries_total",
                                   "Messages fetched again (not acked in time, or NAKed)", series),
        .acks = &r.counter("hft_jetstream_acks_total", "Messages acknowledged (their effect is durable)", series),
        .naks = &r.counter("hft_jetstream_naks_total", "Messages NAKed for a later redelivery", series),
        .terms = &r.counter("hft_jetstream_terms_total", "Messages terminated (never delivered again)", series),
        .pending = &r.gauge("hft_jetstream_consumer_pending",
                            "Messages waiting for this consumer after the last fetch (consumer lag)", series),
        .delivery_seconds = &r.histogram("hft_jetstream_delivery_seconds",
                                         "From a message being stored in its stream to this consumer fetching it",
                                         obs::latency_buckets_seconds(), series),
    });
    return slot.get();
}

}  // namespace hft::bus::detail

namespace hft::bus {

std::vector<std::pair<std::string, std::uint64_t>> consumer_lags() {
    std::lock_guard lock(detail::consumers_mutex);
    std::vector<std::pair<std::string, std::uint64_t>> lags;
    for (const auto& [durable, metrics] : detail::consumers_by_durable)
        lags.emplace_back(durable, static_cast<std::uint64_t>(metrics->pending->value()));
    return lags;
}

}  // namespace hft::bus
