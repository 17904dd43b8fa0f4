// domain::decimal arithmetic whose intermediates need more than 128 bits: a product or a scaled dividend of up
// to 256 bits divided back down. Each row cycles through eight operand pairs of one shape, so no single value is
// predicted or folded; a row's time is per operation.

#include "hft/domain/decimal.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <utility>

namespace {

using hft::domain::decimal;
using hft::domain::rounding;

using operands = std::array<std::pair<decimal, decimal>, 8>;

operands parse_pairs(const std::array<std::pair<std::string_view, std::string_view>, 8>& texts) {
    operands out;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        out[i] = {decimal::parse(texts[i].first).value(), decimal::parse(texts[i].second).value()};
    }
    return out;
}

template <class Operation>
void run(benchmark::State& state, const operands& pairs, Operation operation) {
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& [a, b] = pairs[i++ % pairs.size()];
        auto result = operation(a, b);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}

// Price (scale 8) times quantity (scale 8): exact at scale 16, no division.
const operands& price_times_quantity() {
    static const auto pairs = parse_pairs({{{"23148.80000000", "0.00125000"},
                                            {"23150.12000000", "1.50000000"},
                                            {"0.00001234", "125000.00000000"},
                                            {"41234.56780000", "0.00001000"},
                                            {"1.00000001", "99999.99999999"},
                                            {"23148.79000000", "0.31415926"},
                                            {"9.87654321", "12.34567890"},
                                            {"65000.00000000", "2.71828182"}}});
    return pairs;
}

// An 18-digit average cost (scale 18) times a quantity (scale 8): scale 26 rounded to 18; the product fits 128 bits.
const operands& cost_times_quantity() {
    static const auto pairs = parse_pairs({{{"23148.123456789012345678", "0.00125000"},
                                            {"1.000000000000000001", "1.50000000"},
                                            {"0.333333333333333333", "125000.00000000"},
                                            {"41234.567812345678901234", "0.00001000"},
                                            {"2.718281828459045235", "99999.99999999"},
                                            {"23148.790000000000000001", "0.31415926"},
                                            {"9.876543210987654321", "12.34567890"},
                                            {"65000.000000000000000007", "2.71828182"}}});
    return pairs;
}

// Two 18-digit scale-18 factors with large integer parts: the product exceeds 128 bits before rounding to 18.
const operands& wide_product() {
    static const auto pairs = parse_pairs({{{"123456789012.123456789012345678", "98765432.987654321098765432"},
                                            {"99999999999.999999999999999999", "99999999.999999999999999999"},
                                            {"31415926535.897932384626433832", "27182818.284590452353602874"},
                                            {"1000000000.000000000000000001", "1000000000.000000000000000001"},
                                            {"77777777777.777777777777777777", "33333333.333333333333333333"},
                                            {"12345678901.234567890123456789", "10987654.321098765432109876"},
                                            {"55555555555.555555555555555555", "44444444.444444444444444444"},
                                            {"98765432109.876543210987654321", "12345678.901234567890123456"}}});
    return pairs;
}

// A price (scale 8) over a ratio (scale 18) at scale 18, as the grid strategies divide: the dividend is scaled by
// 10^28 past 128 bits, the divisor fits 64 bits.
const operands& price_over_ratio() {
    static const auto pairs = parse_pairs({{{"23148.80000000", "1.005000000000000000"},
                                            {"23150.12000000", "0.995000000000000000"},
                                            {"0.00001234", "1.000000000000000001"},
                                            {"41234.56780000", "1.010050000000000000"},
                                            {"1.00000001", "0.999000000000000000"},
                                            {"23148.79000000", "1.020100500000000000"},
                                            {"9.87654321", "3.141592653589793238"},
                                            {"65000.00000000", "2.718281828459045235"}}});
    return pairs;
}

// A 28-digit amount over a 25-digit one at scale 18: the dividend exceeds 128 bits, the divisor 64 bits.
const operands& wide_quotient() {
    static const auto pairs = parse_pairs({{{"98765432109876543210.98765432", "12345678901234567890.123456"},
                                            {"99999999999999999999.99999999", "3333333333333333333.333333"},
                                            {"31415926535897932384.62643383", "2718281828459045235.360287"},
                                            {"10000000000000000000.00000001", "10000000000000000000.000001"},
                                            {"77777777777777777777.77777777", "1234567890123456789.012345"},
                                            {"12345678901234567890.12345678", "98765432109876543210.987654"},
                                            {"55555555555555555555.55555555", "4444444444444444444.444444"},
                                            {"98765432109876543210.98765432", "1111111111111111111.111111"}}});
    return pairs;
}

void decimal_mul_exact(benchmark::State& state) {
    run(state, price_times_quantity(), [](const decimal& a, const decimal& b) { return a.checked_mul(b); });
}

void decimal_mul_rounded_narrow(benchmark::State& state) {
    run(state, cost_times_quantity(),
        [](const decimal& a, const decimal& b) { return a.checked_mul(b, rounding::half_even); });
}

void decimal_mul_rounded_wide(benchmark::State& state) {
    run(state, wide_product(), [](const decimal& a, const decimal& b) { return a.checked_mul(b, rounding::half_even); });
}

void decimal_div_scale18_narrow_divisor(benchmark::State& state) {
    run(state, price_over_ratio(), [](const decimal& a, const decimal& b) {
        return a.checked_div(b, decimal::max_scale, rounding::half_even);
    });
}

void decimal_div_scale18_wide_divisor(benchmark::State& state) {
    run(state, wide_quotient(), [](const decimal& a, const decimal& b) {
        return a.checked_div(b, decimal::max_scale, rounding::half_even);
    });
}

void decimal_div_scale8(benchmark::State& state) {
    run(state, price_times_quantity(),
        [](const decimal& a, const decimal& b) { return a.checked_div(b, 8, rounding::half_even); });
}

}  // namespace

BENCHMARK(decimal_mul_exact);
BENCHMARK(decimal_mul_rounded_narrow);
BENCHMARK(decimal_mul_rounded_wide);
BENCHMARK(decimal_div_scale8);
BENCHMARK(decimal_div_scale18_narrow_divisor);
BENCHMARK(decimal_div_scale18_wide_divisor);
