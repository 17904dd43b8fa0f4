#pragma once

// Dead letters (DESIGN §2, §6): a message that can never succeed is published, payload unchanged, on the DLQ
// stream's dlq.<stream> subject with headers saying why and where it came from. The caller terminates the
// original only after this publish is acked, so a crash in between repeats the dead letter instead of
// losing it, and the Nats-Msg-Id <stream>.<sequence> lets the server drop the repeat.

#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"

#include <string>
#include <string_view>

namespace hft::bus {

inline constexpr const char* dlq_reason_header = "Hft-Dlq-Reason";
inline constexpr const char* dlq_stream_header = "Hft-Dlq-Stream";
inline constexpr const char* dlq_subject_header = "Hft-Dlq-Subject";
inline constexpr const char* dlq_sequence_header = "Hft-Dlq-Sequence";
inline constexpr const char* dlq_deliveries_header = "Hft-Dlq-Deliveries";

/// The headers of `original`'s dead letter. Line breaks in `reason` become spaces (a header is one line).
message_headers dead_letter_headers(const message& original, std::string_view reason);

/// Publishes `original`'s dead letter with `sender`; `on_done` runs on the executor with the DLQ ack or error.
void publish_dead_letter(publisher& sender, const message& original, std::string_view reason,
                         publisher::done_handler on_done);

}  // namespace hft::bus
