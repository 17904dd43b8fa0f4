// Klines that cannot be right (core::check_plausible) never reach market_klines: the real market-data worker
// dead-letters each with its reason and stores the rest of its batch.

#include "hft/bus/dead_letter.hpp"
#include "support/worker_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace hft::test;

namespace {

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t day_ms = 86'400'000;

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A closed sim BTCUSDT candle of `interval` opening at `open_time` and spanning `length_ms`.
hft::domain::kline sim_candle(std::string_view interval, std::int64_t open_time, std::int64_t length_ms) {
    auto k = sample_kline();
    k.exchange = "sim";
    k.interval = std::string(interval);
    k.open_time = open_time;
    k.close_time = open_time + length_ms - 1;
    k.event_time = k.close_time + 1;
    return k;
}

struct poison {
    std::string subject;
    hft::domain::kline kline;
    std::string reason;  ///< what its Hft-Dlq-Reason must say
};

}  // namespace

TEST_CASE("worker dead-letters klines that cannot be right for their subject, interval, clock or column, and "
          "stores the rest",
          "[integration][worker][plausibility]") {
    worker_fixture f({.max_open_time_behind = "720h"});
    const auto now = wall_clock_ms();
    const auto last_closed_minute = now - now % minute_ms - minute_ms;
    const auto sim_1m = hft::bus::kline_subject("sim", "BTCUSDT", "1m");

    std::vector<poison> poisons;
    auto evil = sim_candle("1m", last_closed_minute, minute_ms);
    evil.exchange = "evil";
    poisons.push_back({sim_1m, evil, "implausible kline: exchange \"evil\" is not the subject's \"sim\""});
    auto ether = sim_candle("1m", last_closed_minute, minute_ms);
    ether.symbol = "ETHUSDT";
    poisons.push_back({sim_1m, ether, "implausible kline: symbol \"ETHUSDT\" is not the subject's \"BTCUSDT\""});
    const auto hour_on_a_minute_subject = sim_candle("1h", now - now % 3'600'000 - 3'600'000, 3'600'000);
    poisons.push_back(
        {sim_1m, hour_on_a_minute_subject, "implausible kline: interval \"1h\" is not the subject's \"1m\""});
    const auto day_spanning_a_minute = sim_candle("1d", now - now % day_ms, minute_ms);
    poisons.push_back({hft::bus::kline_subject("sim", "BTCUSDT", "1d"), day_spanning_a_minute,
                       "implausible kline: close_time " + std::to_string(day_spanning_a_minute.close_time) + " is not " +
                           std::to_string(day_spanning_a_minute.open_time + day_ms - 1) + ", the last millisecond"});
    const auto half_a_minute_off = sim_candle("1m", last_closed_minute - 30'000, minute_ms);
    poisons.push_back({sim_1m, half_a_minute_off, "is not where a 1m candle opens"});
    const auto year_2500 = sim_candle("1m", 16725225600000, minute_ms);
    poisons.push_back({sim_1m, year_2500,
                       "implausible kline: open_time 16725225600000 (2500-01-01T00:00:00.000Z) is more than 5m ahead "
                       "of the clock"});
    const auto older_than_a_month = sim_candle("1m", last_closed_minute - 31 * day_ms, minute_ms);
    poisons.push_back({sim_1m, older_than_a_month, "is more than 720h behind the clock"});
    auto thirty_eight_digits = sim_candle("1m", last_closed_minute, minute_ms);
    thirty_eight_digits.open = thirty_eight_digits.high = thirty_eight_digits.low = thirty_eight_digits.close =
        dec("12345678901234567890123456789012345678");
    poisons.push_back({sim_1m, thirty_eight_digits, "more than NUMERIC(38,18) holds"});

    const std::vector good{sim_candle("1m", last_closed_minute - 2 * minute_ms, minute_ms),
                           sim_candle("1m", last_closed_minute - minute_ms, minute_ms),
                           sim_candle("1m", last_closed_minute, minute_ms)};
    std::map<std::string, std::string> reason_by_payload;
    for (std::size_t i = 0; i < poisons.size(); ++i) {
        const auto payload = hft::codec::encode(poisons[i].kline);
        reason_by_payload[payload] = poisons[i].reason;
        f.publish_raw({{payload, "poison-" + std::to_string(i)}}, poisons[i].subject);
    }
    std::vector<std::pair<std::string, std::string>> good_messages;
    for (std::size_t i = 0; i < good.size(); ++i) {
        good_messages.emplace_back(hft::codec::encode(good[i]), "good-" + std::to_string(i));
    }
    f.publish_raw(good_messages, sim_1m);

    f.worker.start();
    f.require_stored(3);
    if (!eventually([&] { return f.dlq_messages() == poisons.size(); })) {
        FAIL(f.dlq_messages() << " dead letters of " << poisons.size() << "; worker log:\n" << f.worker.log());
    }
    f.require_stored_exactly(good);
    for (std::uint64_t sequence = 1; sequence <= poisons.size(); ++sequence) {
        const auto [reason, body] = f.dead_letter(sequence, hft::bus::dlq_reason_header);
        INFO("dead letter " << sequence << ": " << reason);
        REQUIRE(reason_by_payload.count(body) == 1);
        CHECK_THAT(reason, Catch::Contains(reason_by_payload.at(body)));
    }
    const auto dead_lettered = static_cast<double>(poisons.size());
    CHECK(eventually([&] { return f.worker_metric("hft_worker_dead_lettered_total") == dead_lettered; }));
    f.require_clean_exit();
}
