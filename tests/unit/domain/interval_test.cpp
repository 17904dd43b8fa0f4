#include "hft/domain/interval.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
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
