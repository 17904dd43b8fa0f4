#include "hft/bus/dead_letter.hpp"

#include "hft/app/digest.hpp"

#include <catch2/catch.hpp>

#include <string>

using hft::bus::fit_dead_letter;
using hft::bus::message_headers;

namespace {

const message_headers sample_headers{{hft::bus::dlq_reason_header, "undecodable kline event: not JSON"},
                                     {hft::bus::dlq_stream_header, "KLINE"},
                                     {hft::bus::dlq_subject_header, "kline.data.sim.BTCUSDT.1m"},
                                     {hft::bus::dlq_sequence_header, "17"},
                                     {hft::bus::dlq_deliveries_header, "1"}};
const std::string msg_id = "KLINE.17";
constexpr std::size_t max_payload = 4096;

std::string header(const message_headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return "(absent)";
}

}  // namespace

TEST_CASE("a dead letter that fits under max_payload carries its payload whole and no size or digest",
          "[bus][dead_letter]") {
    auto headers = sample_headers;
    const std::string payload(1000, 'x');
    CHECK(fit_dead_letter(payload, msg_id, headers, max_payload) == payload);
    CHECK(headers == sample_headers);
}

TEST_CASE("a payload too large for a dead letter with its headers is cut to fit, with its size and SHA-256",
          "[bus][dead_letter]") {
    std::string payload(max_payload - 100, 'x');
    payload.back() = 'y';  // the part that is cut
    auto headers = sample_headers;
    const auto kept = fit_dead_letter(payload, msg_id, headers, max_payload);
    CHECK(kept.size() < payload.size());
    CHECK(kept.size() > max_payload - 600);
    CHECK(payload.starts_with(kept));
    CHECK(header(headers, hft::bus::dlq_original_size_header) == std::to_string(payload.size()));
    CHECK(header(headers, hft::bus::dlq_original_sha256_header) == hft::app::sha256_hex(payload));
    CHECK(header(headers, hft::bus::dlq_reason_header) == "undecodable kline event: not JSON");
}

TEST_CASE("a payload kept whole fits under max_payload with its headers, and one byte more is cut",
          "[bus][dead_letter]") {
    std::size_t whole = 0;
    for (std::size_t size = max_payload; size > 0; --size) {
        auto headers = sample_headers;
        if (fit_dead_letter(std::string(size, 'x'), msg_id, headers, max_payload).size() == size) {
            whole = size;
            break;
        }
    }
    // NATS counts "NATS/1.0\r\n", "Name: Value\r\n" per header (Nats-Msg-Id included) and a final "\r\n".
    std::size_t header_bytes = 10 + 2 + std::string("Nats-Msg-Id: KLINE.17\r\n").size();
    for (const auto& [name, value] : sample_headers) header_bytes += name.size() + 2 + value.size() + 2;
    CHECK(whole + header_bytes <= max_payload);
    CHECK(whole + header_bytes > max_payload - 100);
    auto headers = sample_headers;
    CHECK(fit_dead_letter(std::string(whole + 1, 'x'), msg_id, headers, max_payload).size() < whole + 1);
}

TEST_CASE("a dead letter whose headers alone exceed max_payload keeps nothing of its payload", "[bus][dead_letter]") {
    auto headers = sample_headers;
    CHECK(fit_dead_letter("payload", msg_id, headers, 100).empty());
}
