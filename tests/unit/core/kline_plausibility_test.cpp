#include "hft/core/kline_plausibility.hpp"

#include "hft/domain/interval.hpp"
#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace std::chrono_literals;
using hft::core::check_plausible;
using hft::core::kline_time_window;
using hft::domain::kline;
using hft::domain::kline_market;
using hft::test::dec;
using hft::test::sample_kline;

namespace {

const kline_market sample_market{"binanceus", "BTCUSDT", "1m"};
const kline_time_window five_minutes_ahead_ten_years_behind{5min, 87600h};
constexpr std::int64_t day_ms = 86'400'000;

// The sample candle's close plus a second: when the gateway would have published it.
std::int64_t sample_now() { return sample_kline().close_time + 1000; }

// Why `k` on the sample market is implausible a second after the sample closed; empty when it is plausible.
std::string reason_of(const kline& k, const kline_time_window& window = five_minutes_ahead_ten_years_behind,
                      std::int64_t now_ms = sample_now()) {
    const auto checked = check_plausible(k, kline_market{k.exchange, k.symbol, k.interval}, now_ms, window);
    return checked ? std::string() : checked.error();
}

// The sample candle moved to `interval`, opening at `open_time`, closing at its right last millisecond.
kline candle(std::string_view interval, std::int64_t open_time) {
    auto k = sample_kline();
    k.interval = std::string(interval);
    k.open_time = open_time;
    k.close_time = *hft::domain::candle_close_time(*hft::domain::parse_kline_interval(interval), open_time);
    k.event_time = k.close_time + 1;
    return k;
}

}  // namespace

TEST_CASE("a real candle on its own subject is plausible", "[core][plausibility]") {
    CHECK(check_plausible(sample_kline(), sample_market, sample_now(), five_minutes_ahead_ten_years_behind));
}

TEST_CASE("a kline whose payload names another exchange, symbol or interval than its subject is implausible",
          "[core][plausibility]") {
    const auto k = sample_kline();
    const auto reason = [&](const kline_market& subject) {
        const auto checked = check_plausible(k, subject, sample_now(), five_minutes_ahead_ten_years_behind);
        return checked ? std::string() : checked.error();
    };
    CHECK(reason({"evil", "BTCUSDT", "1m"}) == "exchange \"binanceus\" is not the subject's \"evil\"");
    CHECK(reason({"binanceus", "ETHUSDT", "1m"}) == "symbol \"BTCUSDT\" is not the subject's \"ETHUSDT\"");
    CHECK(reason({"binanceus", "btcusdt", "1m"}) == "symbol \"BTCUSDT\" is not the subject's \"btcusdt\"");
    CHECK(reason({"binanceus", "BTCUSDT", "1h"}) == "interval \"1m\" is not the subject's \"1h\"");
}

TEST_CASE("a kline that breaks a sanity rule is refused for it before anything else", "[core][plausibility]") {
    auto k = sample_kline();
    k.low = dec("99999");  // above the high
    CHECK(reason_of(k) == "high: must not be below low");
}

TEST_CASE("a candle whose close time is not its interval's last millisecond is implausible", "[core][plausibility]") {
    auto one_day_spanning_a_minute = candle("1d", 1677628800000);  // 2023-03-01T00:00Z
    one_day_spanning_a_minute.close_time = one_day_spanning_a_minute.open_time + 59'999;
    CHECK(reason_of(one_day_spanning_a_minute, {5min, 87600h}, 1677628800000 + 60'000) ==
          "close_time 1677628859999 is not 1677715199999, the last millisecond of the 1d candle opening at "
          "1677628800000 (2023-03-01T00:00:00.000Z)");

    auto ends_on_the_next_open = sample_kline();
    ends_on_the_next_open.close_time += 1;
    CHECK_THAT(reason_of(ends_on_the_next_open),
               Catch::StartsWith("close_time 1677628920000 is not 1677628919999, the last"));
}

TEST_CASE("a candle opening off its interval's grid is implausible", "[core][plausibility]") {
    auto half_a_minute_late = sample_kline();
    half_a_minute_late.open_time += 30'000;
    half_a_minute_late.close_time += 30'000;
    CHECK(reason_of(half_a_minute_late) ==
          "open_time 1677628890000 (2023-03-01T00:01:30.000Z) is not where a 1m candle opens");
}

TEST_CASE("every interval has a plausible candle on its grid and none a millisecond off it", "[core][plausibility]") {
    // 2023-03-06 is a Monday and the first of a month is 2023-03-01: both at midnight UTC.
    constexpr std::int64_t monday = 1678060800000;
    const kline_time_window any_time{87600h, 87600h};
    for (const std::string_view interval :
         {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}) {
        INFO(interval);
        const std::int64_t open_time = interval == "1M" ? 1677628800000 : monday;
        CHECK(reason_of(candle(interval, open_time), any_time).empty());
        CHECK_THAT(reason_of(candle(interval, open_time + 1), any_time), Catch::EndsWith("candle opens"));
    }
}

TEST_CASE("weeks open on Monday, months on the first and three days at midnight", "[core][plausibility]") {
    const kline_time_window any_time{87600h, 87600h};
    CHECK_THAT(reason_of(candle("1w", 1677715200000), any_time),  // Thursday 2023-03-02: the epoch's weekday
               Catch::EndsWith("is not where a 1w candle opens"));
    CHECK_THAT(reason_of(candle("1M", 1677628800000 + day_ms), any_time),  // the second of March
               Catch::EndsWith("is not where a 1M candle opens"));
    CHECK(reason_of(candle("3d", 1677628800000 + day_ms), any_time).empty());
    CHECK_THAT(reason_of(candle("3d", 1677628800000 + day_ms / 2), any_time),
               Catch::EndsWith("is not where a 3d candle opens"));

    auto february_of_a_leap_year = candle("1M", 1706745600000);  // 2024-02-01
    CHECK(february_of_a_leap_year.close_time == 1709251199999);   // 2024-02-29T23:59:59.999Z
    CHECK(reason_of(february_of_a_leap_year, any_time).empty());
    february_of_a_leap_year.close_time -= day_ms;  // as if February always had 28 days
    CHECK_THAT(reason_of(february_of_a_leap_year, any_time), Catch::StartsWith("close_time 1709164799999 is not"));
}

TEST_CASE("a candle opening further ahead of the clock than the window allows is implausible",
          "[core][plausibility]") {
    const auto now = sample_kline().open_time;
    auto year_2500 = candle("1m", 16725225600000);  // 2500-01-01T00:00Z
    CHECK(reason_of(year_2500, {5min, 87600h}, now) ==
          "open_time 16725225600000 (2500-01-01T00:00:00.000Z) is more than 5m ahead of the clock");

    const auto five_minutes_ahead = candle("1m", now + 300'000);
    CHECK(reason_of(five_minutes_ahead, {5min, 87600h}, now).empty());
    CHECK(reason_of(five_minutes_ahead, {5min, 87600h}, now - 1) ==
          "open_time 1677629160000 (2023-03-01T00:06:00.000Z) is more than 5m ahead of the clock");
    CHECK(reason_of(candle("1m", now), {0ms, 87600h}, now).empty());
}

TEST_CASE("a candle opening further behind the clock than the window allows is implausible",
          "[core][plausibility]") {
    const auto k = sample_kline();
    const auto thirty_days_later = k.open_time + 30 * day_ms;
    CHECK(reason_of(k, {5min, 720h}, thirty_days_later).empty());
    CHECK(reason_of(k, {5min, 720h}, thirty_days_later + 1) ==
          "open_time 1677628860000 (2023-03-01T00:01:00.000Z) is more than 720h behind the clock");
    CHECK(reason_of(candle("1m", 0), {5min, 87600h}, k.open_time) ==
          "open_time 0 (1970-01-01T00:00:00.000Z) is more than 87600h behind the clock");
    CHECK_THAT(reason_of(k, {5min, 1500ms}, k.open_time + 1501), Catch::EndsWith("more than 1500ms behind the clock"));
}

TEST_CASE("times at the ends of the 64-bit range are refused without overflowing", "[core][plausibility]") {
    constexpr auto last = std::numeric_limits<std::int64_t>::max();
    const kline_time_window unlimited{std::chrono::milliseconds::max(), std::chrono::milliseconds::max()};
    auto end_of_time = sample_kline();
    end_of_time.open_time = last - 60'000 - 59'999;
    end_of_time.close_time = last;
    CHECK_THAT(reason_of(end_of_time, unlimited, 0), Catch::StartsWith("close_time 9223372036854775807 is not"));
    CHECK_THAT(reason_of(end_of_time, five_minutes_ahead_ten_years_behind, std::numeric_limits<std::int64_t>::min()),
               Catch::EndsWith("ahead of the clock"));
    CHECK_THAT(reason_of(sample_kline(), five_minutes_ahead_ten_years_behind, last), Catch::EndsWith("behind the clock"));
}

TEST_CASE("prices and volumes beyond NUMERIC(38,18) are implausible, up to 20 integer digits are not",
          "[core][plausibility]") {
    const auto all_prices = [](std::string_view price) {
        auto k = sample_kline();
        k.open = k.high = k.low = k.close = dec(price);
        return k;
    };
    CHECK(reason_of(all_prices("99999999999999999999.999999999999999999")).empty());
    CHECK(reason_of(all_prices("12345678901234567890123456789012345678")) ==
          "open 12345678901234567890123456789012345678 has more than 20 digits before the point, more than "
          "NUMERIC(38,18) holds");

    auto huge_volume = sample_kline();
    huge_volume.quote_volume = dec("100000000000000000000");
    CHECK(reason_of(huge_volume) ==
          "quote_volume 100000000000000000000 has more than 20 digits before the point, more than NUMERIC(38,18) holds");
    auto huge_taker_volume = sample_kline();
    huge_taker_volume.taker_quote_volume = dec("100000000000000000000.5");
    CHECK_THAT(reason_of(huge_taker_volume), Catch::StartsWith("taker_quote_volume"));
}
