// Dead letters through a real nats-server, as every consumer (worker, order engine) sends them: a poison message
// near the server's max_payload still reaches the DLQ, the original is terminated only once the DLQ acked, and
// hft_dead_letters_total counts what the DLQ holds while a dead letter it refused is alarmed and tried again.

#include "hft/app/digest.hpp"
#include "hft/bus/dead_letter.hpp"
#include "support/worker_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using namespace hft::test;

namespace {

// Small, so the test moves little data; the server's default is 1 MiB.
constexpr std::size_t max_payload = 64 * 1024;

const std::map<std::string, std::string> kline_stream{{"stream", "KLINE"}};
const std::map<std::string, std::string> worker_durable{{"durable", "market-data-worker"}};

void require_dead_letters(const worker_fixture& f, std::uint64_t count) {
    if (!eventually([&] { return f.dlq_messages() == count; }, 60s)) {
        FAIL(f.dlq_messages() << " dead letters of " << count << "; worker log:\n" << f.worker.log());
    }
}

}  // namespace

TEST_CASE("a poison message just under the server's max payload is dead-lettered cut to fit, with its size and "
          "SHA-256",
          "[integration][worker][dead_letter]") {
    worker_fixture f({.nats_max_payload = max_payload});
    std::string poison(max_payload - 200, 'x');  // fits the stream alone, not the DLQ with its headers
    poison.replace(0, 9, "not json:");
    f.publish_raw({{poison, "poison"}});
    f.publish(closed_klines(0, 3));
    f.worker.start();
    f.require_stored(3);
    require_dead_letters(f, 1);

    const auto [size, body] = f.dead_letter(1, hft::bus::dlq_original_size_header);
    CHECK(size == std::to_string(poison.size()));
    CHECK(f.dead_letter(1, hft::bus::dlq_original_sha256_header).first == hft::app::sha256_hex(poison));
    CHECK(body.size() < poison.size());
    CHECK(body.size() > max_payload - 1024);
    CHECK(poison.starts_with(body));
    CHECK_THAT(f.dead_letter(1, hft::bus::dlq_reason_header).first, Catch::StartsWith("undecodable kline event"));
    CHECK(f.dead_letter(1, hft::bus::dlq_sequence_header).first == "1");

    // Terminated at its first delivery, once the DLQ had it: nothing NAKed, nothing left pending.
    CHECK(f.dead_letter(1, hft::bus::dlq_deliveries_header).first == "1");
    CHECK(eventually([&] { return f.worker_metric("hft_jetstream_terms_total", worker_durable) == 1; }));
    CHECK(f.worker_metric("hft_jetstream_naks_total", worker_durable) == 0);
    CHECK(f.consumer_state().ack_pending == 0);
    CHECK(eventually([&] { return f.worker_metric("hft_dead_letters_total", kline_stream) == 1; }));
    CHECK(f.worker_metric("hft_dead_letter_failures_total", kline_stream) == 0);
    f.require_clean_exit();
    CHECK_THAT(f.worker.log(), Catch::Contains("its first " + std::to_string(body.size()) + " bytes go to the DLQ"));
}

TEST_CASE("a dead letter the DLQ does not acknowledge is alarmed and NAKed, and counted once the DLQ has it",
          "[integration][worker][dead_letter]") {
    worker_fixture f({.max_deliver = 10, .nak_delay = "1s"});
    f.publish(closed_klines(0, 1));
    f.worker.start();
    f.require_stored(1);
    jsErrCode code = static_cast<jsErrCode>(0);
    hft::bus::check(js_DeleteStream(f.bus.jetstream(), "DLQ", nullptr, &code), "js_DeleteStream", code);

    f.publish_raw({{"{not json", "poison"}});
    if (!eventually([&] { return f.worker_metric("hft_dead_letter_failures_total", kline_stream) >= 1; })) {
        FAIL("no dead letter failure counted; worker log:\n" << f.worker.log());
    }
    CHECK(f.worker_metric("hft_dead_letters_total", kline_stream) == 0);
    CHECK_THAT(f.worker.log(), Catch::Contains("could not dead-letter KLINE #2 (kline.data.binanceus.BTCUSDT.1m, "
                                               "dead-lettered because: undecodable kline event") &&
                                   Catch::Contains("NAKed to be tried again on its next delivery"));

    f.bus.ensure_stream(hft::bus::dlq_stream_spec());
    require_dead_letters(f, 1);
    CHECK(f.dead_letter(1, hft::bus::dlq_sequence_header).first == "2");
    CHECK(std::stoi(f.dead_letter(1, hft::bus::dlq_deliveries_header).first) >= 2);
    CHECK(eventually([&] { return f.worker_metric("hft_dead_letters_total", kline_stream) == 1; }));
    // NAKed while the DLQ was away, terminated once it had the dead letter.
    CHECK(eventually([&] { return f.worker_metric("hft_jetstream_terms_total", worker_durable) == 1; }));
    CHECK(f.worker_metric("hft_jetstream_naks_total", worker_durable) >= 1);
    CHECK(f.consumer_state().ack_pending == 0);
    f.require_clean_exit();
}
