#include "hft/domain/interval.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

using hft::domain::kline_interval;
using hft::domain::length_ms;
using hft::domain::parse_kline_interval;

TEST_CASE("kline interval parses every Binance interval and prints it back", "[domain][interval]") {
    for (const std::string_view text :
         {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}) {
        INFO(text);
        const auto interval = parse_kline_interval(text);
        REQUIRE(interval.has_value());
        CHECK(hft::domain::to_string(*interval) == text);
    }
}

TEST_CASE("kline interval tells a minute from a month", "[domain][interval]") {
    CHECK(parse_kline_interval("1m") == kline_interval::m1);
    CHECK(parse_kline_interval("1M") == kline_interval::mo1);
}

TEST_CASE("kline interval rejects anything else", "[domain][interval]") {
    for (const std::string_view text : {"", "1", "m", "2m", "1H", "1D", "1W", "60s", " 1m", "1m ", "1mo", "1y"}) {
        INFO(text);
        CHECK_FALSE(parse_kline_interval(text).has_value());
    }
}

TEST_CASE("kline interval knows its length except for the calendar month", "[domain][interval]") {
    CHECK(length_ms(kline_interval::s1) == std::optional<std::int64_t>{1'000});
    CHECK(length_ms(kline_interval::m1) == std::optional<std::int64_t>{60'000});
    CHECK(length_ms(kline_interval::m15) == std::optional<std::int64_t>{900'000});
    CHECK(length_ms(kline_interval::h12) == std::optional<std::int64_t>{43'200'000});
    CHECK(length_ms(kline_interval::d3) == std::optional<std::int64_t>{259'200'000});
    CHECK(length_ms(kline_interval::w1) == std::optional<std::int64_t>{604'800'000});
    CHECK_FALSE(length_ms(kline_interval::mo1).has_value());
}

TEST_CASE("candles open on the UTC grid: multiples of the length, Mondays for weeks, firsts for months",
          "[domain][interval]") {
    using hft::domain::is_candle_open;
    constexpr std::int64_t march_1_2023 = 1677628800000;  // a Wednesday, midnight UTC
    constexpr std::int64_t day = 86'400'000;
    CHECK(is_candle_open(kline_interval::m1, march_1_2023 + 60'000));
    CHECK_FALSE(is_candle_open(kline_interval::m1, march_1_2023 + 30'000));
    CHECK(is_candle_open(kline_interval::h4, march_1_2023 + 4 * 3'600'000));
    CHECK_FALSE(is_candle_open(kline_interval::h4, march_1_2023 + 3'600'000));
    CHECK(is_candle_open(kline_interval::d3, march_1_2023 + day));
    CHECK_FALSE(is_candle_open(kline_interval::d3, march_1_2023 + 1));
    CHECK(is_candle_open(kline_interval::w1, march_1_2023 + 5 * day));       // Monday 2023-03-06
    CHECK_FALSE(is_candle_open(kline_interval::w1, march_1_2023 + day));     // Thursday, the epoch's weekday
    CHECK(is_candle_open(kline_interval::mo1, march_1_2023));
    CHECK_FALSE(is_candle_open(kline_interval::mo1, march_1_2023 + day));
    CHECK(is_candle_open(kline_interval::mo1, 0));
    CHECK_FALSE(is_candle_open(kline_interval::mo1, -2'678'400'000));        // 1969-12-01: before the calendar
    CHECK_FALSE(is_candle_open(kline_interval::mo1, 253'402'300'800'000));  // 10000-01-01: after it
    CHECK(is_candle_open(kline_interval::m1, -60'000));
}

TEST_CASE("the candle containing a time opens on the grid at or before it", "[domain][interval]") {
    using hft::domain::candle_open_containing;
    constexpr std::int64_t march_1_2023 = 1677628800000;
    constexpr std::int64_t day = 86'400'000;
    CHECK(candle_open_containing(kline_interval::m1, march_1_2023 + 90'000) == march_1_2023 + 60'000);
    CHECK(candle_open_containing(kline_interval::m1, march_1_2023) == march_1_2023);
    CHECK(candle_open_containing(kline_interval::w1, march_1_2023) == march_1_2023 - 2 * day);  // Monday 02-27
    CHECK(candle_open_containing(kline_interval::w1, march_1_2023 + 5 * day) == march_1_2023 + 5 * day);
    CHECK(candle_open_containing(kline_interval::mo1, march_1_2023 + 10 * day + 5) == march_1_2023);
    CHECK(candle_open_containing(kline_interval::m1, -1) == -60'000);
}

TEST_CASE("a candle closes on the millisecond before the next one opens", "[domain][interval]") {
    using hft::domain::candle_close_time;
    constexpr std::int64_t march_1_2023 = 1677628800000;
    CHECK(candle_close_time(kline_interval::m1, march_1_2023) == std::optional<std::int64_t>{march_1_2023 + 59'999});
    CHECK(candle_close_time(kline_interval::d1, march_1_2023) ==
          std::optional<std::int64_t>{march_1_2023 + 86'399'999});
    CHECK(candle_close_time(kline_interval::mo1, march_1_2023) == std::optional<std::int64_t>{1680307199999});
    CHECK(candle_close_time(kline_interval::mo1, 1706745600000) == std::optional<std::int64_t>{1709251199999});
    CHECK(candle_close_time(kline_interval::mo1, 1701388800000) == std::optional<std::int64_t>{1704067199999});
    CHECK_FALSE(candle_close_time(kline_interval::m1, std::numeric_limits<std::int64_t>::max() - 10).has_value());
    CHECK_FALSE(candle_close_time(kline_interval::mo1, 253'402'300'800'000).has_value());
}
