#include "hft/bus/dead_letter.hpp"

#include "hft/bus/subjects.hpp"
#include "hft/obs/metrics.hpp"

#include <algorithm>
#include <utility>

namespace hft::bus {

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

void publish_dead_letter(publisher& sender, const message& original, std::string_view reason,
                         publisher::done_handler on_done) {
    const auto& metadata = original.metadata();
    obs::default_registry()
        .counter("hft_dead_letters_total", "Messages sent to the DLQ stream because they can never succeed",
                 {{"stream", metadata.stream}})
        .inc();
    sender.publish(dlq_subject(metadata.stream), original.data(),
                   metadata.stream + "." + std::to_string(metadata.stream_sequence),
                   dead_letter_headers(original, reason), std::move(on_done));
}

}  // namespace hft::bus
