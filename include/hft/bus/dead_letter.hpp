#pragma once

// Dead letters (DESIGN §2, §6): a message that can never succeed is published on the DLQ stream's dlq.<stream>
// subject with headers saying why and where it came from, and terminated in its own stream only after the DLQ
// acked it, so a crash in between repeats the dead letter instead of losing it, and the Nats-Msg-Id
// <stream>.<sequence> lets the server drop the repeat.
//
// The payload goes unchanged when it fits: the server's max_payload counts the headers too, so a message near
// that limit cannot be copied whole. Then its first bytes go, with its size and SHA-256 in headers (the whole
// message stays in its own stream until the stream's max_age). A dead letter the DLQ did not ack is an alarm: an
// error line naming the stream, sequence and both reasons, hft_dead_letter_failures_total, and the original is
// NAKed to be tried again on its next delivery. hft_dead_letters_total counts only what the DLQ acked.

#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace hft::bus {

inline constexpr const char* dlq_reason_header = "Hft-Dlq-Reason";
inline constexpr const char* dlq_stream_header = "Hft-Dlq-Stream";
inline constexpr const char* dlq_subject_header = "Hft-Dlq-Subject";
inline constexpr const char* dlq_sequence_header = "Hft-Dlq-Sequence";
inline constexpr const char* dlq_deliveries_header = "Hft-Dlq-Deliveries";
/// Only on a dead letter whose payload was cut to fit: the original payload's size in bytes and its SHA-256.
inline constexpr const char* dlq_original_size_header = "Hft-Dlq-Original-Size";
inline constexpr const char* dlq_original_sha256_header = "Hft-Dlq-Original-Sha256";

/// The headers of `original`'s dead letter. Line breaks in `reason` become spaces (a header is one line).
message_headers dead_letter_headers(const message& original, std::string_view reason);

/// What of `payload` a dead letter carrying `headers` and the Nats-Msg-Id `msg_id` can hold under the server's
/// `max_payload` (headers count), a few bytes to spare: all of it when it fits; else its longest prefix that fits
/// once the original size and SHA-256 headers are added to `headers`. Empty when even the headers do not fit (the
/// publish then fails).
std::string_view fit_dead_letter(std::string_view payload, std::string_view msg_id, message_headers& headers,
                                 std::size_t max_payload);

/// Exposes hft_dead_letters_total and hft_dead_letter_failures_total of `stream` at 0 before its first dead letter,
/// so that an alarm on their increase sees the first one. For a service at start, for the stream it consumes.
void expose_dead_letter_metrics(const std::string& stream);

/// When the dead letter of a message cannot be published: the original is NAKed with `delay`; on a delivery at or
/// beyond `max_deliver` (the consumer's) it will not come again, which the error line says.
struct dead_letter_retry {
    std::chrono::milliseconds delay{0};
    int max_deliver = 1;
};

/// Publishes `original`'s dead letter with `sender` and settles `original`: terminated once the DLQ acked,
/// else NAKed as `retry` says. `on_settled(dead_lettered)` runs on the executor afterwards.
void dead_letter(publisher& sender, message original, std::string reason, dead_letter_retry retry,
                 std::function<void(bool dead_lettered)> on_settled);

}  // namespace hft::bus
