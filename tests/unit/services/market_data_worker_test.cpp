// The market-data worker's pure decisions: decoding, redelivery delays and each message's settlement.

#include "hft/codec/kline_event.hpp"
#include "hft/services/market_data_worker.hpp"
#include "support/samples.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using hft::services::settle;
using hft::services::settlement;
using hft::services::settlement_kind;
using hft::services::store_outcome;

namespace {

const std::string sample_subject = "kline.data.binanceus.BTCUSDT.1m";
const hft::core::kline_time_window one_minute_ahead_ten_years_behind{1min, 87600h};

// A message as the worker decodes it a second after the sample candle closed.
hft::expected<hft::domain::kline, std::string> decode(std::string_view subject, std::string_view payload) {
    const auto now_ms = hft::test::sample_kline().close_time + 1000;
    return hft::services::decode_kline_message(subject, payload, now_ms, one_minute_ahead_ten_years_behind);
}

}  // namespace

TEST_CASE("a kline event decodes into the kline it encodes", "[unit][services][worker]") {
    const auto kline = hft::test::sample_kline();
    const auto decoded = decode(sample_subject, hft::codec::encode(kline));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == kline);
}

TEST_CASE("bad JSON and an insane kline are refused with a reason", "[unit][services][worker]") {
    const auto bad_json = decode(sample_subject, "{not json");
    REQUIRE_FALSE(bad_json.has_value());
    CHECK_THAT(bad_json.error(), Catch::StartsWith("undecodable kline event: "));

    auto insane = hft::test::sample_kline();
    insane.low = hft::test::dec("99999");  // above the high
    const auto refused = decode(sample_subject, hft::codec::encode(insane));
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error(), Catch::Contains("low"));
}

TEST_CASE("a kline that cannot be right for its subject or the clock is refused as implausible",
          "[unit][services][worker]") {
    const auto payload = hft::codec::encode(hft::test::sample_kline());
    const auto other_symbol = decode("kline.data.binanceus.ETHUSDT.1m", payload);
    REQUIRE_FALSE(other_symbol.has_value());
    CHECK(other_symbol.error() == "implausible kline: symbol \"BTCUSDT\" is not the subject's \"ETHUSDT\"");

    auto future = hft::test::sample_kline();
    future.open_time += 3'600'000;
    future.close_time += 3'600'000;
    const auto ahead = decode(sample_subject, hft::codec::encode(future));
    REQUIRE_FALSE(ahead.has_value());
    CHECK_THAT(ahead.error(), Catch::StartsWith("implausible kline: open_time") && Catch::Contains("ahead"));
}

TEST_CASE("a kline on a subject that names no market is refused", "[unit][services][worker]") {
    const auto refused = decode("kline.data.binanceus", hft::codec::encode(hft::test::sample_kline()));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == "subject kline.data.binanceus is not kline.data.<exchange>.<SYMBOL>.<interval>");
}

TEST_CASE("the redelivery delay doubles per delivery and stops at one hour", "[unit][services][worker]") {
    using hft::services::redelivery_delay;
    CHECK(redelivery_delay(1s, 1) == 1s);
    CHECK(redelivery_delay(1s, 2) == 2s);
    CHECK(redelivery_delay(1s, 4) == 8s);
    CHECK(redelivery_delay(250ms, 3) == 1s);
    CHECK(redelivery_delay(1s, 0) == 1s);
    CHECK(redelivery_delay(1s, 1000) == 1h);
    CHECK(redelivery_delay(2h, 1) == 1h);
}

TEST_CASE("every kline of a committed batch is acked", "[unit][services][worker]") {
    const store_outcome committed;
    CHECK(settle(committed, 0, 1, 5, 1s) == settlement{});
    CHECK(settle(committed, 7, 5, 5, 1s) == settlement{});
}

TEST_CASE("a kline the database refused goes to the DLQ and the rest of its batch is acked",
          "[unit][services][worker]") {
    store_outcome outcome;
    outcome.rejected.emplace(1, "new row violates check constraint");
    CHECK(settle(outcome, 0, 1, 5, 1s).kind == settlement_kind::ack);
    const auto refused = settle(outcome, 1, 1, 5, 1s);
    CHECK(refused.kind == settlement_kind::dead_letter);
    CHECK(refused.reason == "rejected by the database: new row violates check constraint");
    CHECK(settle(outcome, 2, 1, 5, 1s).kind == settlement_kind::ack);
}

TEST_CASE("while the database is unavailable a batch is NAKed with a growing delay", "[unit][services][worker]") {
    const store_outcome unavailable{true, "lost the PostgreSQL connection", {}};
    CHECK(settle(unavailable, 0, 1, 5, 1s) == settlement{settlement_kind::nak, 1s, {}});
    CHECK(settle(unavailable, 0, 3, 5, 1s) == settlement{settlement_kind::nak, 4s, {}});
}

TEST_CASE("on its last delivery a kline the database could not take goes to the DLQ instead of being dropped",
          "[unit][services][worker]") {
    const store_outcome unavailable{true, "lost the PostgreSQL connection", {}};
    const auto last = settle(unavailable, 0, 5, 5, 1s);
    CHECK(last.kind == settlement_kind::dead_letter);
    CHECK(last.reason == "database unavailable after 5 deliveries: lost the PostgreSQL connection");
}
