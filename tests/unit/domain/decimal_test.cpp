#include "hft/domain/decimal.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

using hft::domain::decimal;
using hft::domain::decimal_error;
using hft::domain::int128;
using hft::domain::rounding;

CATCH_REGISTER_ENUM(hft::domain::decimal_error, hft::domain::decimal_error::empty,
                    hft::domain::decimal_error::invalid_character, hft::domain::decimal_error::missing_digits,
                    hft::domain::decimal_error::not_finite, hft::domain::decimal_error::exponent,
                    hft::domain::decimal_error::too_many_fraction_digits, hft::domain::decimal_error::too_many_digits,
                    hft::domain::decimal_error::overflow, hft::domain::decimal_error::inexact,
                    hft::domain::decimal_error::division_by_zero, hft::domain::decimal_error::invalid_scale,
                    hft::domain::decimal_error::invalid_step)

using hft::test::dec;

namespace {

decimal_error rejection(std::string_view text) {
    INFO("parsing \"" << text << "\"");
    auto parsed = decimal::parse(text);
    REQUIRE_FALSE(parsed.has_value());
    return parsed.error();
}

decimal_error failure(const hft::expected<decimal, decimal_error>& result) {
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

decimal success(const hft::expected<decimal, decimal_error>& result) {
    if (!result) FAIL("unexpected error: " << hft::domain::to_string(result.error()));
    return *result;
}

// Catch cannot print __int128; compare mantissas through this instead.
bool same_representation(const decimal& value, int128 mantissa, int scale) {
    return value.mantissa() == mantissa && value.scale() == scale;
}

const decimal max_value = success(decimal::from_raw(decimal::max_mantissa, 0));

}  // namespace

TEST_CASE("decimal parses exchange strings exactly and keeps their scale", "[domain][decimal]") {
    CHECK(same_representation(dec("0"), 0, 0));
    CHECK(same_representation(dec("920"), 920, 0));
    CHECK(same_representation(dec("23148.80000000"), 2314880000000, 8));
    CHECK(same_representation(dec("0.00001000"), 1000, 8));
    CHECK(same_representation(dec("0.0010"), 10, 4));
    CHECK(same_representation(dec("-1.5"), -15, 1));
    CHECK(same_representation(dec("23148.8"), 231488, 1));
    CHECK(same_representation(dec("0.00001"), 1, 5));
    CHECK(same_representation(dec("0.881378"), 881378, 6));
    CHECK(same_representation(dec("1000000000000.12345678"), static_cast<int128>(10000000000001234567ULL) * 10 + 8, 8));
    CHECK(same_representation(dec("-0"), 0, 0));
    CHECK(same_representation(dec("007.50"), 750, 2));
}

TEST_CASE("decimal prints the canonical form with trailing zeros trimmed", "[domain][decimal]") {
    CHECK(dec("920").to_string() == "920");
    CHECK(dec("23148.80000000").to_string() == "23148.8");
    CHECK(dec("0.00001000").to_string() == "0.00001");
    CHECK(dec("0.0010").to_string() == "0.001");
    CHECK(dec("-1.5").to_string() == "-1.5");
    CHECK(dec("100").to_string() == "100");
    CHECK(dec("1.000").to_string() == "1");
    CHECK(dec("-0.000").to_string() == "0");
    CHECK(dec("0.000000000000000001").to_string() == "0.000000000000000001");
    CHECK(max_value.to_string() == "99999999999999999999999999999999999999");
    CHECK(max_value.negate().to_string() == "-99999999999999999999999999999999999999");
    CHECK(dec("-99999999999999999999.999999999999999999").to_string() == "-99999999999999999999.999999999999999999");
}

TEST_CASE("decimal prints a fixed number of fractional digits for the exchange", "[domain][decimal]") {
    CHECK(dec("0.16").to_string(8).value() == "0.16000000");
    CHECK(dec("920").to_string(2).value() == "920.00");
    CHECK(dec("920").to_string(0).value() == "920");
    CHECK(dec("0").to_string(3).value() == "0.000");
    CHECK(dec("-1.50").to_string(1).value() == "-1.5");
    CHECK(max_value.to_string(18).value() == "99999999999999999999999999999999999999.000000000000000000");
    CHECK(dec("1.25").to_string(1).error() == decimal_error::inexact);
    CHECK(dec("1.25").to_string(19).error() == decimal_error::invalid_scale);
    CHECK(dec("1.25").to_string(-1).error() == decimal_error::invalid_scale);
}

TEST_CASE("decimal streams its canonical form and reports a short buffer", "[domain][decimal]") {
    std::ostringstream out;
    out << dec("-23148.80000000");
    CHECK(out.str() == "-23148.8");

    std::array<char, 4> small{};
    CHECK(dec("12345").to_chars(small.data(), small.data() + small.size()) == nullptr);
    CHECK(dec("1234").to_chars(small.data(), small.data() + small.size()) == small.data() + 4);
}

TEST_CASE("decimal rejects an empty string", "[domain][decimal]") { CHECK(rejection("") == decimal_error::empty); }

TEST_CASE("decimal rejects whitespace", "[domain][decimal]") {
    for (const auto* text : {" 1", "1 ", "1 .5", "\t1", "1\n", " "}) {
        CHECK(rejection(text) == decimal_error::invalid_character);
    }
    CHECK(rejection(std::string_view("1\0", 2)) == decimal_error::invalid_character);
}

TEST_CASE("decimal rejects a plus sign", "[domain][decimal]") {
    CHECK(rejection("+1") == decimal_error::invalid_character);
    CHECK(rejection("+0.5") == decimal_error::invalid_character);
}

TEST_CASE("decimal rejects NaN and infinity", "[domain][decimal]") {
    for (const auto* text : {"NaN", "nan", "-nan", "NAN", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF"}) {
        CHECK(rejection(text) == decimal_error::not_finite);
    }
}

TEST_CASE("decimal rejects an exponent", "[domain][decimal]") {
    for (const auto* text : {"1e5", "1E-3", "1.5e3", "-2E+10", "1e", "0.00001e0"}) {
        CHECK(rejection(text) == decimal_error::exponent);
    }
}

TEST_CASE("decimal rejects hex and garbage", "[domain][decimal]") {
    for (const auto* text : {"0x1A", "0X10", "abc", "1,5", "1.2.3", "--1", "1-", "$1", "e5", "1_000", "\xd9\xa1"}) {
        CHECK(rejection(text) == decimal_error::invalid_character);
    }
}

TEST_CASE("decimal requires a digit on both sides of the point", "[domain][decimal]") {
    for (const auto* text : {".5", "5.", "-", ".", "-.5", "-5."}) {
        CHECK(rejection(text) == decimal_error::missing_digits);
    }
}

TEST_CASE("decimal rejects more than 18 fractional digits", "[domain][decimal]") {
    CHECK(same_representation(dec("0.000000000000000001"), 1, 18));
    CHECK(rejection("0.0000000000000000001") == decimal_error::too_many_fraction_digits);
    CHECK(rejection("1.0000000000000000000") == decimal_error::too_many_fraction_digits);
}

TEST_CASE("decimal rejects more than 38 significant digits", "[domain][decimal]") {
    CHECK(dec("99999999999999999999999999999999999999") == max_value);
    CHECK(dec("-99999999999999999999999999999999999999") == max_value.negate());
    CHECK(rejection("100000000000000000000000000000000000000") == decimal_error::too_many_digits);
    CHECK(rejection("340282366920938463463374607431768211456") == decimal_error::too_many_digits);
    CHECK(rejection("99999999999999999999999.9999999999999999") == decimal_error::too_many_digits);
    // Leading zeros are not significant.
    CHECK(dec("0000000000000000000000000000000000000000001") == decimal::from_integer(1));
    CHECK(same_representation(dec("00000000000000000000000.000000000000000001"), 1, 18));
}

TEST_CASE("decimal errors have distinct human messages", "[domain][decimal]") {
    std::unordered_set<std::string_view> messages;
    for (int i = 0; i <= static_cast<int>(decimal_error::invalid_step); ++i) {
        const auto message = hft::domain::to_string(static_cast<decimal_error>(i));
        CHECK_FALSE(message.empty());
        messages.insert(message);
    }
    CHECK(messages.size() == static_cast<std::size_t>(decimal_error::invalid_step) + 1);
    CHECK(hft::domain::to_string(decimal_error::exponent) == "exponent notation is not allowed");
}

TEST_CASE("decimal compares numerically across scales", "[domain][decimal]") {
    CHECK(dec("1.0") == dec("1.00"));
    CHECK(dec("1") == dec("1.000000000000000000"));
    CHECK(dec("0") == dec("-0.000"));
    CHECK(dec("0.1") < dec("0.10001"));
    CHECK(dec("-1.5") < dec("-1.49"));
    CHECK(dec("-0.001") < dec("0"));
    CHECK(dec("23148.8") > dec("23148.79999999"));
    CHECK(dec("2") != dec("2.0000001"));
    CHECK((dec("1.0") <=> dec("1.00")) == std::weak_ordering::equivalent);
    CHECK((dec("920") <=> dec("919.99")) == std::weak_ordering::greater);
}

TEST_CASE("decimal compares values whose alignment would overflow", "[domain][decimal]") {
    const auto tiny = dec("0.000000000000000001");
    CHECK(max_value > tiny);
    CHECK(tiny < max_value);
    CHECK(max_value.negate() < tiny.negate());
    CHECK(tiny.negate() > max_value.negate());
    CHECK(max_value > dec("99999999999999999999.999999999999999999"));
    CHECK(max_value.negate() < dec("-99999999999999999999.999999999999999999"));
    CHECK(max_value != tiny);
}

TEST_CASE("decimal adds and subtracts exactly", "[domain][decimal]") {
    const auto sum = success(dec("0.1").checked_add(dec("0.2")));
    CHECK(sum == dec("0.3"));
    CHECK(same_representation(sum, 3, 1));
    CHECK(success(dec("23148.8").checked_sub(dec("0.00001"))) == dec("23148.79999"));
    CHECK(success(dec("1.5").checked_sub(dec("2.25"))) == dec("-0.75"));
    CHECK(success(dec("-1.5").checked_add(dec("1.50"))).is_zero());
    CHECK(success(dec("0.00001000").checked_add(dec("920"))).scale() == 8);
}

TEST_CASE("decimal addition reports overflow at the edges", "[domain][decimal]") {
    const auto one = decimal::from_integer(1);
    CHECK(failure(max_value.checked_add(one)) == decimal_error::overflow);
    CHECK(failure(max_value.negate().checked_sub(one)) == decimal_error::overflow);
    CHECK(success(max_value.checked_sub(one)) == dec("99999999999999999999999999999999999998"));
    CHECK(success(max_value.checked_add(max_value.negate())).is_zero());
    CHECK(failure(max_value.checked_add(dec("0.5"))) == decimal_error::overflow);
    // The exact sum fits once trailing zeros are dropped, so it is returned at a smaller scale.
    const auto sum = success(dec("9999999999999999999999999999999999999.5").checked_add(dec("0.5")));
    CHECK(sum == dec("10000000000000000000000000000000000000"));
    CHECK(sum.scale() == 0);
}

TEST_CASE("decimal multiplies exactly", "[domain][decimal]") {
    CHECK(success(dec("920").checked_mul(dec("30"))) == dec("27600"));
    const auto notional = success(dec("23148.80000000").checked_mul(dec("0.00001000")));
    CHECK(notional == dec("0.231488"));
    CHECK(notional.scale() == 16);
    CHECK(success(dec("1.5").checked_mul(dec("-2"))) == dec("-3"));
    CHECK(success(dec("-1.5").checked_mul(dec("-1.5"))) == dec("2.25"));
    CHECK(success(dec("0").checked_mul(max_value)).is_zero());
    CHECK(success(max_value.checked_mul(dec("1.0"))) == max_value);
}

TEST_CASE("decimal multiplication beyond 18 fractional digits is exact or rounds explicitly", "[domain][decimal]") {
    const auto a = dec("0.0000000001");
    CHECK(failure(a.checked_mul(a)) == decimal_error::inexact);
    CHECK(success(a.checked_mul(a, rounding::half_even)).is_zero());
    CHECK(success(a.checked_mul(a, rounding::up)) == dec("0.000000000000000001"));
    CHECK(success(a.negate().checked_mul(a, rounding::floor)) == dec("-0.000000000000000001"));
    CHECK(success(a.negate().checked_mul(a, rounding::ceiling)).is_zero());
    // 21 fractional digits whose last three are zeros: still exact.
    CHECK(same_representation(success(dec("0.000000000100").checked_mul(dec("0.00000010"))), 10, 18));
}

TEST_CASE("decimal multiplication detects overflow and survives 256-bit intermediates", "[domain][decimal]") {
    const auto big = dec("10000000000000000000");
    CHECK(failure(big.checked_mul(big)) == decimal_error::overflow);
    CHECK(failure(max_value.checked_mul(dec("2"))) == decimal_error::overflow);
    // Mantissas 10^19 each: the 10^38 product exceeds 128 bits before it is scaled back to 18 digits.
    const auto ten = dec("10.000000000000000000");
    const auto hundred = success(ten.checked_mul(ten));
    CHECK(hundred == dec("100"));
    CHECK(hundred.scale() == 18);
    const auto third = dec("0.333333333333333333");
    CHECK(success(third.checked_mul(dec("3.000000000000000000"), rounding::half_even)) ==
          dec("0.999999999999999999"));
}

TEST_CASE("decimal divides to a requested scale with explicit rounding", "[domain][decimal]") {
    const auto one = decimal::from_integer(1);
    const auto two = decimal::from_integer(2);
    const auto three = decimal::from_integer(3);
    CHECK(success(one.checked_div(three, 8, rounding::half_even)).to_string() == "0.33333333");
    CHECK(success(two.checked_div(three, 8, rounding::half_even)).to_string() == "0.66666667");
    CHECK(success(two.checked_div(three, 8, rounding::down)).to_string() == "0.66666666");
    CHECK(success(two.negate().checked_div(three, 8, rounding::floor)).to_string() == "-0.66666667");
    CHECK(success(two.negate().checked_div(three, 8, rounding::ceiling)).to_string() == "-0.66666666");
    CHECK(success(dec("10").checked_div(dec("4"), 0, rounding::half_even)) == two);
    CHECK(success(dec("14").checked_div(dec("4"), 0, rounding::half_even)) == dec("4"));
    CHECK(success(dec("27600").checked_div(dec("30"), 2, rounding::down)) == dec("920"));
    CHECK(success(dec("27600").checked_div(dec("30"), 2, rounding::down)).scale() == 2);
    CHECK(success(dec("0.231488").checked_div(dec("0.00001"), 8, rounding::down)) == dec("23148.8"));
    CHECK(success(max_value.checked_div(max_value, 18, rounding::down)) == one);
    CHECK(failure(one.checked_div(decimal{}, 2, rounding::down)) == decimal_error::division_by_zero);
    CHECK(failure(one.checked_div(three, 19, rounding::down)) == decimal_error::invalid_scale);
    CHECK(failure(max_value.checked_div(dec("0.000000000000000001"), 0, rounding::down)) == decimal_error::overflow);
}

TEST_CASE("decimal quantizes with every rounding mode", "[domain][decimal]") {
    // The table of java.math.RoundingMode, which names the same six modes.
    struct row {
        const char* value;
        std::array<int, 6> expected;  // down, up, floor, ceiling, half_even, half_up
    };
    const std::array<row, 11> rows{{
        {"5.5", {5, 6, 5, 6, 6, 6}},
        {"2.5", {2, 3, 2, 3, 2, 3}},
        {"1.6", {1, 2, 1, 2, 2, 2}},
        {"1.1", {1, 2, 1, 2, 1, 1}},
        {"1.0", {1, 1, 1, 1, 1, 1}},
        {"0.0", {0, 0, 0, 0, 0, 0}},
        {"-1.0", {-1, -1, -1, -1, -1, -1}},
        {"-1.1", {-1, -2, -2, -1, -1, -1}},
        {"-1.6", {-1, -2, -2, -1, -2, -2}},
        {"-2.5", {-2, -3, -3, -2, -2, -3}},
        {"-5.5", {-5, -6, -6, -5, -6, -6}},
    }};
    const std::array<rounding, 6> in_table_order{rounding::down,    rounding::up,        rounding::floor,
                                                 rounding::ceiling, rounding::half_even, rounding::half_up};
    for (const auto& r : rows) {
        for (std::size_t m = 0; m < in_table_order.size(); ++m) {
            INFO(r.value << " with mode #" << m);
            const auto rounded = success(dec(r.value).quantize(0, in_table_order[m]));
            CHECK(rounded == decimal::from_integer(r.expected[m]));
            CHECK(rounded.scale() == 0);
        }
    }
}

TEST_CASE("decimal quantize breaks ties to even only on exact halves", "[domain][decimal]") {
    CHECK(success(dec("0.125").quantize(2, rounding::half_even)) == dec("0.12"));
    CHECK(success(dec("0.135").quantize(2, rounding::half_even)) == dec("0.14"));
    CHECK(success(dec("0.1250001").quantize(2, rounding::half_even)) == dec("0.13"));
    CHECK(success(dec("-0.125").quantize(2, rounding::half_even)) == dec("-0.12"));
    CHECK(success(dec("-0.125").quantize(2, rounding::half_up)) == dec("-0.13"));
    CHECK(success(dec("0.1249999").quantize(2, rounding::half_up)) == dec("0.12"));
}

TEST_CASE("decimal quantize pads to a larger scale and checks its limits", "[domain][decimal]") {
    const auto padded = success(dec("1.5").quantize(3, rounding::down));
    CHECK(same_representation(padded, 1500, 3));
    CHECK(padded.to_string(3).value() == "1.500");
    CHECK(failure(max_value.quantize(1, rounding::down)) == decimal_error::overflow);
    CHECK(failure(dec("1.5").quantize(19, rounding::down)) == decimal_error::invalid_scale);
    CHECK(failure(dec("1.5").quantize(-1, rounding::down)) == decimal_error::invalid_scale);
    CHECK(success(max_value.quantize(0, rounding::up)) == max_value);
}

TEST_CASE("decimal quantizes prices to a tick size and quantities to a step size", "[domain][decimal]") {
    const auto price = dec("1234.567");
    const auto tick = dec("0.05");
    const auto floored = success(price.quantize_to_step(tick, rounding::floor));
    CHECK(floored == dec("1234.55"));
    CHECK(floored.scale() == 2);
    CHECK(success(price.quantize_to_step(tick, rounding::ceiling)) == dec("1234.60"));
    CHECK(success(price.quantize_to_step(tick, rounding::half_even)) == dec("1234.55"));
    CHECK(success(price.negate().quantize_to_step(tick, rounding::floor)) == dec("-1234.60"));
    CHECK(success(price.negate().quantize_to_step(tick, rounding::down)) == dec("-1234.55"));
    CHECK(success(dec("0.123456").quantize_to_step(dec("0.001"), rounding::down)) == dec("0.123"));
    CHECK(success(dec("1").quantize_to_step(dec("0.3"), rounding::half_even)) == dec("0.9"));
    CHECK(success(price.quantize_to_step(dec("5"), rounding::down)) == dec("1230"));
    CHECK(success(dec("0.075").quantize_to_step(tick, rounding::half_even)) == dec("0.10"));
    CHECK(success(dec("0.025").quantize_to_step(tick, rounding::half_even)).is_zero());
    CHECK(success(dec("1234.55").quantize_to_step(tick, rounding::up)) == dec("1234.55"));
    CHECK(success(dec("30").quantize_to_step(dec("0.00100000"), rounding::down)).to_string(8).value() == "30.00000000");
    CHECK(failure(price.quantize_to_step(decimal{}, rounding::floor)) == decimal_error::invalid_step);
    CHECK(failure(price.quantize_to_step(dec("-0.01"), rounding::floor)) == decimal_error::invalid_step);
    CHECK(failure(max_value.quantize_to_step(dec("0.1"), rounding::down)) == decimal_error::overflow);
}

TEST_CASE("decimal checks whether it is a multiple of a step", "[domain][decimal]") {
    CHECK(dec("1234.55").is_multiple_of(dec("0.05")));
    CHECK_FALSE(dec("1234.56").is_multiple_of(dec("0.05")));
    CHECK(dec("0").is_multiple_of(dec("0.05")));
    CHECK(dec("1.000").is_multiple_of(dec("0.001")));
    CHECK(dec("-0.10").is_multiple_of(dec("0.05")));
    CHECK(dec("30").is_multiple_of(dec("0.00100000")));
    CHECK(max_value.is_multiple_of(dec("0.000000000000000001")));
    CHECK_FALSE(dec("1").is_multiple_of(decimal{}));
    CHECK_FALSE(dec("1").is_multiple_of(dec("-1")));
}

TEST_CASE("decimal converts to integer units exactly or not at all", "[domain][decimal]") {
    CHECK(dec("1234.55").to_units(2) == std::optional<std::int64_t>{123455});
    CHECK(dec("1234.55").to_units(4) == std::optional<std::int64_t>{12345500});
    CHECK(dec("1234.50").to_units(1) == std::optional<std::int64_t>{12345});
    CHECK(dec("-0.00001").to_units(8) == std::optional<std::int64_t>{-1000});
    CHECK_FALSE(dec("1234.55").to_units(1).has_value());
    CHECK(dec("9223372036854775807").to_units(0) == std::numeric_limits<std::int64_t>::max());
    CHECK(dec("-9223372036854775808").to_units(0) == std::numeric_limits<std::int64_t>::min());
    CHECK_FALSE(dec("9223372036854775808").to_units(0).has_value());
    CHECK_FALSE(max_value.to_units(18).has_value());
    CHECK_FALSE(dec("1").to_units(19).has_value());
    CHECK_FALSE(dec("1").to_units(-1).has_value());
}

TEST_CASE("decimal from_raw checks scale and mantissa", "[domain][decimal]") {
    CHECK(same_representation(success(decimal::from_raw(15, 1)), 15, 1));
    CHECK(success(decimal::from_raw(-decimal::max_mantissa, 18)) < decimal{});
    CHECK(failure(decimal::from_raw(decimal::max_mantissa + 1, 0)) == decimal_error::overflow);
    CHECK(failure(decimal::from_raw(-decimal::max_mantissa - 1, 0)) == decimal_error::overflow);
    CHECK(failure(decimal::from_raw(1, 19)) == decimal_error::invalid_scale);
    CHECK(failure(decimal::from_raw(1, -1)) == decimal_error::invalid_scale);
}

TEST_CASE("decimal sign helpers never overflow", "[domain][decimal]") {
    CHECK(decimal{}.is_zero());
    CHECK(decimal{}.signum() == 0);
    CHECK(decimal::from_integer(-3).signum() == -1);
    CHECK(decimal::from_integer(std::numeric_limits<std::int64_t>::min()).abs().to_string() == "9223372036854775808");
    CHECK(dec("2.5").is_positive());
    CHECK(dec("-2.5").is_negative());
    CHECK(dec("-2.5").abs() == dec("2.5"));
    CHECK(max_value.negate().abs() == max_value);
    CHECK(same_representation(dec("-2.500").negate(), 2500, 3));
    CHECK(same_representation(dec("-2.500").normalized(), -25, 1));
    CHECK(same_representation(dec("0.000").normalized(), 0, 0));
}

TEST_CASE("decimal hash agrees with equality across scales", "[domain][decimal]") {
    const std::hash<decimal> hash;
    CHECK(hash(dec("1")) == hash(dec("1.0")));
    CHECK(hash(dec("1")) == hash(dec("1.000000000000000000")));
    CHECK(hash(dec("0")) == hash(dec("-0.000")));
    CHECK(hash(dec("23148.80000000")) == hash(dec("23148.8")));
    CHECK(hash(dec("-1.5")) != hash(dec("1.5")));

    std::unordered_set<decimal> prices{dec("920"), dec("920.00"), dec("920.000000"), dec("920.5")};
    CHECK(prices.size() == 2);
    CHECK(prices.count(dec("920.50")) == 1);
}

TEST_CASE("decimal text round-trips for ten thousand random values", "[domain][decimal]") {
    std::mt19937_64 random{20240611};
    std::uniform_int_distribution<int> digit_count{1, decimal::max_digits};
    std::uniform_int_distribution<int> digit{0, 9};
    std::uniform_int_distribution<int> scale_of{0, decimal::max_scale};
    for (int i = 0; i < 10'000; ++i) {
        int128 mantissa = 0;
        for (int d = digit_count(random); d > 0; --d) mantissa = mantissa * 10 + digit(random);
        if (random() % 2 == 0) mantissa = -mantissa;
        const auto value = success(decimal::from_raw(mantissa, scale_of(random)));

        const auto canonical = value.to_string();
        INFO("value " << canonical);
        const auto reparsed = dec(canonical);
        REQUIRE(reparsed == value);
        REQUIRE(reparsed.to_string() == canonical);

        const auto fixed = value.to_string(value.scale()).value();
        REQUIRE(same_representation(dec(fixed), value.mantissa(), value.scale()));
        REQUIRE(std::hash<decimal>{}(reparsed) == std::hash<decimal>{}(value));
    }
}

TEST_CASE("decimal round-trips every price and volume of a real minute-kline file", "[domain][decimal]") {
    std::ifstream csv{HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv"};
    REQUIRE(csv.is_open());
    std::string line;
    std::getline(csv, line);
    REQUIRE(line == "open_time_ms,open,high,low,close,volume");
    std::size_t values = 0;
    while (std::getline(csv, line)) {
        std::string_view rest{line};
        rest.remove_prefix(rest.find(',') + 1);
        std::vector<decimal> row;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto field = rest.substr(0, comma);
            const auto parsed = decimal::parse(field);
            if (!parsed || parsed->to_string() != field) FAIL("does not round-trip: " << field << " in " << line);
            row.push_back(*parsed);
            ++values;
            rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
        }
        REQUIRE(row.size() == 5);
        REQUIRE(row[2] <= row[0]);
        REQUIRE(row[0] <= row[1]);
    }
    CHECK(values == 30'240 * 5);
}
