#include "hft/bus/dead_letter.hpp"

#include "hft/app/digest.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/obs/metrics.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace hft::bus {
namespace {

constexpr std::string_view msg_id_header = "Nats-Msg-Id";  // added by nats.c for a publish with a MsgId

// Bytes NATS counts for a message's headers: "NATS/1.0\r\n", "Name: Value\r\n" each, "\r\n".
std::size_t encoded_size(const message_headers& headers, std::string_view msg_id) {
    std::size_t size = 10 + 2;
    for (const auto& [name, value] : headers) size += name.size() + 2 + value.size() + 2;
    if (!msg_id.empty()) size += msg_id_header.size() + 2 + msg_id.size() + 2;
    return size;
}

// Kept free under max_payload in case the encoding counts a few bytes more than encoded_size: a dead letter that
// does not fit fails, and so would every further try.
constexpr std::size_t header_slack = 64;

obs::counter& dead_letters_total(const std::string& stream) {
    return obs::default_registry().counter("hft_dead_letters_total",
                                           "Messages the DLQ stream acknowledged as dead letters", {{"stream", stream}});
}

obs::counter& dead_letter_failures_total(const std::string& stream) {
    return obs::default_registry().counter(
        "hft_dead_letter_failures_total",
        "Dead letters the DLQ stream did not acknowledge; each original was NAKed to be tried again",
        {{"stream", stream}});
}

}  // namespace

void expose_dead_letter_metrics(const std::string& stream) {
    dead_letters_total(stream);
    dead_letter_failures_total(stream);
}

message_headers dead_letter_headers(const message& original, std::string_view reason) {
    std::string one_line(reason);
    std::replace_if(one_line.begin(), one_line.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    const auto& metadata = original.metadata();
    return {{dlq_reason_header, std::move(one_line)},
            {dlq_stream_header, metadata.stream},
            {dlq_subject_header, std::string(original.subject())},
            {dlq_sequence_header, std::to_string(metadata.stream_sequence)},
            {dlq_deliveries_header, std::to_string(metadata.deliveries)}};
}

std::string_view fit_dead_letter(std::string_view payload, std::string_view msg_id, message_headers& headers,
                                 std::size_t max_payload) {
    if (encoded_size(headers, msg_id) + header_slack + payload.size() <= max_payload) return payload;
    headers.emplace_back(dlq_original_size_header, std::to_string(payload.size()));
    headers.emplace_back(dlq_original_sha256_header, app::sha256_hex(payload));
    const auto taken = encoded_size(headers, msg_id) + header_slack;
    return payload.substr(0, max_payload > taken ? max_payload - taken : 0);
}

void dead_letter(publisher& sender, message original, std::string reason, dead_letter_retry retry,
                 std::function<void(bool dead_lettered)> on_settled) {
    // Shared with the ack handler; publish() copies the payload, so it need only outlive the ack.
    auto held = std::make_shared<message>(std::move(original));
    const auto& where = held->metadata();
    spdlog::warn("dead-lettering {} #{} ({} deliveries): {}", held->subject(), where.stream_sequence, where.deliveries,
                 reason);
    const auto msg_id = where.stream + "." + std::to_string(where.stream_sequence);
    auto headers = dead_letter_headers(*held, reason);
    const auto payload = fit_dead_letter(held->data(), msg_id, headers, sender.max_payload());
    if (payload.size() < held->data().size()) {
        spdlog::warn("{} #{} is {} bytes, more than a dead letter with its headers can carry under the server's "
                     "max_payload of {}: its first {} bytes go to the DLQ, with its size and SHA-256",
                     where.stream, where.stream_sequence, held->data().size(), sender.max_payload(), payload.size());
    }
    sender.publish(dlq_subject(where.stream), payload, msg_id, headers,
                   [held, reason = std::move(reason), retry, on_settled = std::move(on_settled)](publish_result result) {
                       const auto& what = held->metadata();
                       if (result.ok()) {
                           // Terminated only now: a crash before this line repeats the dead letter, which the DLQ
                           // dedupes.
                           held->term();
                           dead_letters_total(what.stream).inc();
                           on_settled(true);
                           return;
                       }
                       dead_letter_failures_total(what.stream).inc();
                       const bool last_delivery = what.deliveries >= static_cast<std::uint64_t>(retry.max_deliver);
                       spdlog::error(
                           "could not dead-letter {} #{} ({}, dead-lettered because: {}): {}; {}", what.stream,
                           what.stream_sequence, held->subject(), reason, result.error,
                           last_delivery
                               ? fmt::format("that was its last delivery (max_deliver {}), so it will not be tried "
                                             "again: it stays in {} until the stream's max_age (nats stream get {} {})",
                                             retry.max_deliver, what.stream, what.stream, what.stream_sequence)
                               : std::string("NAKed to be tried again on its next delivery"));
                       held->nak(retry.delay);
                       on_settled(false);
                   });
}

}  // namespace hft::bus
