#pragma once

// The bus's Prometheus series (src/bus only). Every publisher and pull consumer counts what it does under a
// low-cardinality label: a publisher by its subject's first token (kline, order_engine, dlq), a consumer
// by its durable name. The series live in obs::default_registry() for the whole process, so holding raw
// pointers to them is safe.

#include "hft/obs/metrics.hpp"

#include <string>
#include <string_view>

namespace hft::bus::detail {

struct publish_metrics {
    obs::counter* publishes;
    obs::counter* acks;
    obs::counter* duplicates;
    obs::counter* failures;
    obs::histogram* ack_seconds;
};

struct consumer_metrics {
    obs::counter* messages;
    obs::counter* redeliveries;
    obs::counter* acks;
    obs::counter* naks;
    obs::counter* terms;
    obs::gauge* pending;
    obs::histogram* delivery_seconds;
};

/// The series for publishes on subjects starting with `subject_prefix` (the text before the first dot).
publish_metrics publish_metrics_for(std::string_view subject_prefix);
/// The series for the durable consumer `durable`; the object lives as long as the process.
const consumer_metrics* consumer_metrics_for(const std::string& durable);

}  // namespace hft::bus::detail
