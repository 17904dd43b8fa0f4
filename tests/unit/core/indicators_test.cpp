#include "hft/core/indicators.hpp"

#include <catch2/catch.hpp>

#include <compare>
#include <vector>

using hft::core::average_kind;
using hft::core::compare_averages;
using hft::core::exponential_moving_average;
using hft::core::moving_average;
using hft::core::simple_moving_average;
using hft::domain::decimal;

namespace {
decimal dec(std::string_view text) { return decimal::parse(text).value(); }
}  // namespace

TEST_CASE("sma is undefined until its window is full, then the mean of the last period values",
          "[strategy][indicators]") {
    simple_moving_average sma(3);
    REQUIRE(sma.add(dec("1")));
    REQUIRE(sma.add(dec("2")));
    CHECK_FALSE(sma.value().has_value());
    REQUIRE(sma.add(dec("3")));
    CHECK(sma.value() == dec("2"));  // (1 + 2 + 3) / 3
    REQUIRE(sma.add(dec("4")));
    CHECK(sma.value() == dec("3"));  // (2 + 3 + 4) / 3: the 1 left the window
    REQUIRE(sma.add(dec("10")));
    // (3 + 4 + 10) / 3 = 5.6666..., 18 digits, the 19th (6) rounds up
    CHECK(sma.value() == dec("5.666666666666666667"));
    CHECK(sma.window() == std::vector<decimal>{dec("3"), dec("4"), dec("10")});
}

TEST_CASE("sma rounds a tie at the 19th digit to the even neighbour", "[strategy][indicators]") {
    simple_moving_average down(2), up(2);
    REQUIRE(down.add(dec("0.000000000000000001")));
    REQUIRE(down.add(dec("0")));
    CHECK(down.value() == dec("0"));  // 1e-18 / 2 = 0.5e-18 -> 0 (even)
    REQUIRE(up.add(dec("0.000000000000000003")));
    REQUIRE(up.add(dec("0")));
    CHECK(up.value() == dec("0.000000000000000002"));  // 3e-18 / 2 = 1.5e-18 -> 2e-18 (even)
}

TEST_CASE("sma replayed from its window continues with the same values", "[strategy][indicators]") {
    simple_moving_average original(3);
    for (const auto* close : {"5", "7", "9", "11"}) REQUIRE(original.add(dec(close)));
    simple_moving_average restored(3);
    for (const auto& value : original.window()) REQUIRE(restored.add(value));
    REQUIRE(original.add(dec("20")));
    REQUIRE(restored.add(dec("20")));
    CHECK(restored.value() == original.value());
    CHECK(restored.value() == dec("13.333333333333333333"));  // (9 + 11 + 20) / 3 = 13.33..., 19th digit 3 drops
}

TEST_CASE("ema starts at the first value, moves by 2/(period+1) of each gap and is defined after period values",
          "[strategy][indicators]") {
    exponential_moving_average ema(3);  // alpha = 2 / 4 = 0.5
    REQUIRE(ema.add(dec("10")));        // seed: 10
    REQUIRE(ema.add(dec("11")));        // 10 + (11 - 10) * 0.5 = 10.5
    CHECK_FALSE(ema.value().has_value());
    REQUIRE(ema.add(dec("12")));  // 10.5 + (12 - 10.5) * 0.5 = 11.25
    CHECK(ema.value() == dec("11.25"));
    REQUIRE(ema.add(dec("13")));  // 11.25 + (13 - 11.25) * 0.5 = 12.125
    CHECK(ema.value() == dec("12.125"));
}

TEST_CASE("ema rounds each step to 18 digits half-even", "[strategy][indicators]") {
    exponential_moving_average ema(2);  // alpha = 2 / 3
    REQUIRE(ema.add(dec("1")));
    REQUIRE(ema.add(dec("2")));  // 1 + (2 - 1) * 2 / 3 = 1 + 0.666666666666666667 (19th digit 6 rounds up)
    CHECK(ema.value() == dec("1.666666666666666667"));
}

TEST_CASE("ema resumed from a persisted value and count continues exactly", "[strategy][indicators]") {
    exponential_moving_average ema(3, dec("11.25"), 3);
    REQUIRE(ema.add(dec("13")));
    CHECK(ema.value() == dec("12.125"));
}

TEST_CASE("simple averages compare exactly, below the 18 digits their values are rounded to",
          "[strategy][indicators]") {
    moving_average fast(average_kind::simple, 2);
    moving_average slow(average_kind::simple, 3);
    for (const auto* close : {"1", "1"}) REQUIRE((fast.add(dec(close)) && slow.add(dec(close))));
    CHECK_FALSE(compare_averages(fast, slow).has_value());  // slow is still warming up

    REQUIRE((fast.add(dec("1")) && slow.add(dec("1"))));
    CHECK(compare_averages(fast, slow) == std::weak_ordering::equivalent);

    // fast (1 + 1.000000000000000001) / 2 exceeds slow (1 + 1 + 1.000000000000000001) / 3 by 1e-18 / 6
    REQUIRE((fast.add(dec("1.000000000000000001")) && slow.add(dec("1.000000000000000001"))));
    CHECK(fast.value() == slow.value());  // both round to 1
    CHECK(compare_averages(fast, slow) == std::weak_ordering::greater);
    CHECK(compare_averages(slow, fast) == std::weak_ordering::less);
}

TEST_CASE("simple averages of negative values and of different scales compare exactly", "[strategy][indicators]") {
    moving_average lower(average_kind::simple, 2);
    moving_average higher(average_kind::simple, 3);
    for (const auto* value : {"-1.5", "-2.25"}) REQUIRE(lower.add(dec(value)));       // -1.875
    for (const auto* value : {"-3", "0", "-2.6"}) REQUIRE(higher.add(dec(value)));  // -1.8666...
    CHECK(compare_averages(lower, higher) == std::weak_ordering::less);
    CHECK(compare_averages(higher, lower) == std::weak_ordering::greater);
}

TEST_CASE("exponential averages compare by their values", "[strategy][indicators]") {
    moving_average fast(average_kind::exponential, 1);
    moving_average slow(average_kind::exponential, 2);
    for (const auto* close : {"4", "2"}) REQUIRE((fast.add(dec(close)) && slow.add(dec(close))));
    // fast follows the last value, 2; slow 4 + (2 - 4) * 2/3 = 2.666...
    CHECK(compare_averages(fast, slow) == std::weak_ordering::less);
}
