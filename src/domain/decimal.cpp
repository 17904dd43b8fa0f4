#include "hft/domain/decimal.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <ostream>

namespace hft::domain {

namespace {

constexpr std::array<uint128, 39> make_powers_of_ten() {
    std::array<uint128, 39> powers{};
    powers[0] = 1;
    for (std::size_t i = 1; i < powers.size(); ++i) powers[i] = powers[i - 1] * 10;
    return powers;
}

constexpr auto pow10 = make_powers_of_ten();

constexpr uint128 max_magnitude = static_cast<uint128>(decimal::max_mantissa);

constexpr uint128 magnitude_of(int128 value) noexcept {
    return value < 0 ? static_cast<uint128>(0) - static_cast<uint128>(value) : static_cast<uint128>(value);
}

constexpr bool valid_scale(int scale) noexcept { return scale >= 0 && scale <= decimal::max_scale; }

// Unsigned 256-bit integer: wide enough for any intermediate here (a 38-digit mantissa times 10^36 is < 2^256),
// so mul, div and step quantization are exact instead of failing on a transient overflow.
struct u256 {
    uint128 hi = 0;
    uint128 lo = 0;

    friend bool operator==(const u256&, const u256&) = default;
    friend auto operator<=>(const u256& a, const u256& b) {
        return a.hi != b.hi ? a.hi <=> b.hi : a.lo <=> b.lo;
    }
};

constexpr u256 widen(uint128 value) noexcept { return u256{0, value}; }

u256 multiply(uint128 a, uint128 b) noexcept {
    const uint128 a0 = static_cast<std::uint64_t>(a);
    const uint128 a1 = a >> 64;
    const uint128 b0 = static_cast<std::uint64_t>(b);
    const uint128 b1 = b >> 64;
    const uint128 p00 = a0 * b0;
    const uint128 p01 = a0 * b1;
    const uint128 p10 = a1 * b0;
    const uint128 p11 = a1 * b1;
    const uint128 middle = (p00 >> 64) + static_cast<std::uint64_t>(p01) + static_cast<std::uint64_t>(p10);
    return u256{p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64),
                (middle << 64) | static_cast<std::uint64_t>(p00)};
}

// Callers guarantee the product stays below 2^256.
u256 multiply(const u256& a, uint128 b) noexcept {
    u256 product = multiply(a.lo, b);
    product.hi += a.hi * b;
    return product;
}

u256 add(const u256& a, const u256& b) noexcept {
    const uint128 lo = a.lo + b.lo;
    return u256{a.hi + b.hi + (lo < a.lo ? 1 : 0), lo};
}

// Requires a >= b.
u256 subtract(const u256& a, const u256& b) noexcept {
    return u256{a.hi - b.hi - (a.lo < b.lo ? 1 : 0), a.lo - b.lo};
}

struct division {
    u256 quotient;
    u256 remainder;
};

// A u256 as four 64-bit limbs, least significant first: the digits of the long division below.
using limbs = std::array<std::uint64_t, 4>;

constexpr uint128 join(std::uint64_t high, std::uint64_t low) noexcept {
    return (static_cast<uint128>(high) << 64) | low;
}

constexpr limbs to_limbs(const u256& value) noexcept {
    return {static_cast<std::uint64_t>(value.lo), static_cast<std::uint64_t>(value.lo >> 64),
            static_cast<std::uint64_t>(value.hi), static_cast<std::uint64_t>(value.hi >> 64)};
}

constexpr u256 from_limbs(const limbs& value) noexcept {
    return u256{join(value[3], value[2]), join(value[1], value[0])};
}

std::size_t significant_limbs(const limbs& value) noexcept {
    std::size_t count = value.size();
    while (count > 0 && value[count - 1] == 0) --count;
    return count;
}

// A one-limb divisor: short division, each step a 128-by-64 division whose quotient fits 64 bits.
division divide_by_limb(const limbs& dividend, std::size_t length, std::uint64_t divisor) noexcept {
    limbs quotient{};
    std::uint64_t remainder = 0;
    for (std::size_t i = length; i-- > 0;) {
        const uint128 current = join(remainder, dividend[i]);
        quotient[i] = static_cast<std::uint64_t>(current / divisor);
        remainder = static_cast<std::uint64_t>(current - static_cast<uint128>(quotient[i]) * divisor);
    }
    return {from_limbs(quotient), widen(remainder)};
}

// Knuth's Algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit limbs: each quotient limb is estimated from the top limbs
// with one 128-by-64 division and corrected at most twice, so a 256-bit quotient costs at most four estimates.
// Requires n >= 2 divisor limbs and dividend >= divisor (so m >= n).
division divide_long(const limbs& dividend, std::size_t m, const limbs& divisor, std::size_t n) noexcept {
    // Normalize: shift both left until the divisor's top bit is set, which makes each estimate at most two too
    // large. The dividend gains a limb for the bits shifted out of its top.
    const int shift = __builtin_clzll(divisor[n - 1]);
    const auto shifted = [shift](const limbs& value, std::size_t i) {
        if (shift == 0) return value[i];
        return (value[i] << shift) | (i == 0 ? 0 : value[i - 1] >> (64 - shift));
    };
    limbs v{};
    for (std::size_t i = 0; i < n; ++i) v[i] = shifted(divisor, i);
    std::array<std::uint64_t, 5> u{};
    for (std::size_t i = 0; i < m; ++i) u[i] = shifted(dividend, i);
    u[m] = shift == 0 ? 0 : dividend[m - 1] >> (64 - shift);

    const std::uint64_t top = v[n - 1];
    const std::uint64_t next = v[n - 2];
    limbs quotient{};
    for (std::size_t j = m - n + 1; j-- > 0;) {
        // Estimate from the top two limbs, then correct with the third (at most two steps).
        const uint128 numerator = join(u[j + n], u[j + n - 1]);
        uint128 estimate = numerator / top;
        uint128 rest = numerator - estimate * top;
        while (estimate >> 64 != 0 || estimate * next > join(static_cast<std::uint64_t>(rest), u[j + n - 2])) {
            --estimate;
            rest += top;
            if (rest >> 64 != 0) break;
        }
        // u[j .. j+n] -= estimate * v.
        std::uint64_t carry = 0;
        std::uint64_t borrow = 0;
        for (std::size_t i = 0; i <= n; ++i) {
            const uint128 product = (i < n ? estimate * v[i] : 0) + carry;
            carry = static_cast<std::uint64_t>(product >> 64);
            const auto low = static_cast<std::uint64_t>(product);
            const std::uint64_t before = u[j + i];
            u[j + i] = before - low - borrow;
            borrow = before < low || before - low < borrow ? 1 : 0;
        }
        // The estimate was still one too large (rare): add the divisor back.
        if (borrow != 0) {
            --estimate;
            std::uint64_t add_carry = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const uint128 sum = static_cast<uint128>(u[j + i]) + v[i] + add_carry;
                u[j + i] = static_cast<std::uint64_t>(sum);
                add_carry = static_cast<std::uint64_t>(sum >> 64);
            }
            u[j + n] += add_carry;
        }
        quotient[j] = static_cast<std::uint64_t>(estimate);
    }

    // The remainder is the low n limbs, shifted back.
    limbs remainder{};
    for (std::size_t i = 0; i < n; ++i) {
        remainder[i] = shift == 0 ? u[i] : (u[i] >> shift) | (u[i + 1] << (64 - shift));
    }
    return {from_limbs(quotient), from_limbs(remainder)};
}

// Out of line, so that divide() keeps its common 128-bit case small enough to inline. Requires divisor != 0.
[[gnu::noinline]] division divide_wide(const u256& dividend, const u256& divisor) noexcept {
    if (dividend < divisor) return {u256{}, dividend};
    const auto u = to_limbs(dividend);
    const auto v = to_limbs(divisor);
    const auto n = significant_limbs(v);
    return n == 1 ? divide_by_limb(u, significant_limbs(u), v[0]) : divide_long(u, significant_limbs(u), v, n);
}

// Requires divisor != 0.
division divide(const u256& dividend, const u256& divisor) noexcept {
    if (dividend.hi == 0 && divisor.hi == 0) {
        return {widen(dividend.lo / divisor.lo), widen(dividend.lo % divisor.lo)};
    }
    return divide_wide(dividend, divisor);
}

// Quotient of a magnitude division, adjusted by the rounding mode; `negative` is the sign of the exact result.
u256 round_quotient(const division& parts, const u256& divisor, bool negative, rounding mode) noexcept {
    if (parts.remainder == u256{}) return parts.quotient;
    bool increment = false;
    switch (mode) {
        case rounding::down: increment = false; break;
        case rounding::up: increment = true; break;
        case rounding::floor: increment = negative; break;
        case rounding::ceiling: increment = !negative; break;
        case rounding::half_up: increment = add(parts.remainder, parts.remainder) >= divisor; break;
        case rounding::half_even: {
            const auto twice = add(parts.remainder, parts.remainder);
            increment = twice > divisor || (twice == divisor && (parts.quotient.lo & 1) != 0);
            break;
        }
    }
    return increment ? add(parts.quotient, widen(1)) : parts.quotient;
}

}  // namespace

std::string_view to_string(decimal_error error) noexcept {
    switch (error) {
        case decimal_error::empty: return "empty string is not a decimal";
        case decimal_error::invalid_character: return "invalid character (allowed: digits, one '.', a leading '-')";
        case decimal_error::missing_digits: return "a digit is required before and after the decimal point";
        case decimal_error::not_finite: return "NaN and infinity are not decimals";
        case decimal_error::exponent: return "exponent notation is not allowed";
        case decimal_error::too_many_fraction_digits: return "more than 18 fractional digits";
        case decimal_error::too_many_digits: return "more than 38 significant digits";
        case decimal_error::overflow: return "result does not fit 38 significant digits";
        case decimal_error::inexact: return "result is not exact at the requested scale";
        case decimal_error::division_by_zero: return "division by zero";
        case decimal_error::invalid_scale: return "scale must be between 0 and 18";
        case decimal_error::invalid_step: return "step must be greater than zero";
    }
    return "unknown decimal error";
}

namespace {

// Significant digits go into a uint64 while they fit (19 digits) and only then into 128 bits: exchange numbers
// are almost always short, and 64-bit multiply-add is much cheaper than the 128-bit one.
struct digit_accumulator {
    std::uint64_t narrow = 0;
    uint128 wide = 0;
    int significant = 0;

    // False once a 39th significant digit arrives.
    bool push(unsigned digit) noexcept {
        if (significant == 0 && digit == 0) return true;
        ++significant;
        if (significant <= 19) {
            narrow = narrow * 10 + digit;
            return true;
        }
        if (significant > decimal::max_digits) return false;
        if (significant == 20) wide = narrow;
        wide = wide * 10 + digit;
        return true;
    }

    uint128 value() const noexcept { return significant <= 19 ? narrow : wide; }
};

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool equals_ignoring_case(std::string_view text, std::string_view lower) noexcept {
    if (text.size() != lower.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
        if (c != lower[i]) return false;
    }
    return true;
}

// Only runs on a rejected input, so the diagnosis costs nothing on the happy path.
decimal_error classify_rejection(std::string_view text, char offending, bool saw_digit) noexcept {
    if (saw_digit && (offending == 'e' || offending == 'E')) return decimal_error::exponent;
    auto word = text;
    if (!word.empty() && (word.front() == '-' || word.front() == '+')) word.remove_prefix(1);
    if (equals_ignoring_case(word, "nan") || equals_ignoring_case(word, "inf") ||
        equals_ignoring_case(word, "infinity")) {
        return decimal_error::not_finite;
    }
    return decimal_error::invalid_character;
}

constexpr bool fits(const u256& magnitude) noexcept { return magnitude.hi == 0 && magnitude.lo <= max_magnitude; }

struct scaled {
    u256 magnitude;
    int scale;
};

// Drops trailing zeros while the magnitude does not fit 38 digits (the value stays exact, only the scale shrinks).
// Out of line: nearly every result fits without it, and make() stays lean for them.
[[gnu::noinline]] scaled trim_to_fit(scaled value) noexcept {
    while (value.scale > 0 && !fits(value.magnitude)) {
        const auto parts = divide(value.magnitude, widen(10));
        if (parts.remainder != u256{}) break;
        value = {parts.quotient, value.scale - 1};
    }
    return value;
}

// Builds a decimal from a sign and a magnitude at `scale`. With `may_trim`, trailing zeros are dropped when that is
// what makes the magnitude fit.
expected<decimal, decimal_error> make(bool negative, u256 magnitude, int scale, bool may_trim) noexcept {
    if (!fits(magnitude)) {
        if (!may_trim) return unexpected(decimal_error::overflow);
        const auto trimmed = trim_to_fit({magnitude, scale});
        if (!fits(trimmed.magnitude)) return unexpected(decimal_error::overflow);
        magnitude = trimmed.magnitude;
        scale = trimmed.scale;
    }
    const auto mantissa = static_cast<int128>(magnitude.lo);
    return decimal::from_raw(negative ? -mantissa : mantissa, scale);
}

// Writes sign, digits and the point for magnitude * 10^-scale, keeping every fractional digit.
char* format(bool negative, uint128 magnitude, int scale, char* first, char* last) noexcept {
    std::array<char, decimal::max_digits + 1> digits;
    char* const digits_end = digits.data() + digits.size();
    char* cursor = digits_end;
    auto emit = [&cursor](std::uint64_t chunk, int min_width) {
        int width = 0;
        do {
            *--cursor = static_cast<char>('0' + chunk % 10);
            chunk /= 10;
            ++width;
        } while (chunk != 0 || width < min_width);
    };
    // One 128-bit division splits the magnitude into two 64-bit halves; the digit loop then stays 64-bit.
    constexpr auto ten_pow_19 = static_cast<std::uint64_t>(10'000'000'000'000'000'000ULL);
    if (magnitude >> 64 == 0) {
        emit(static_cast<std::uint64_t>(magnitude), 1);
    } else {
        emit(static_cast<std::uint64_t>(magnitude % ten_pow_19), 19);
        emit(static_cast<std::uint64_t>(magnitude / ten_pow_19), 1);
    }
    const auto count = static_cast<int>(digits_end - cursor);
    const int integer_digits = count > scale ? count - scale : 0;
    const int leading_zeros = count > scale ? 0 : scale - count;
    const auto needed = static_cast<std::size_t>((negative ? 1 : 0) + (integer_digits == 0 ? 1 : integer_digits) +
                                                 (scale > 0 ? 1 + scale : 0));
    if (static_cast<std::size_t>(last - first) < needed) return nullptr;

    char* out = first;
    if (negative) *out++ = '-';
    if (integer_digits == 0) {
        *out++ = '0';
    } else {
        out = std::copy(cursor, cursor + integer_digits, out);
        cursor += integer_digits;
    }
    if (scale > 0) {
        *out++ = '.';
        out = std::fill_n(out, leading_zeros, '0');
        out = std::copy(cursor, digits_end, out);
    }
    return out;
}

}  // namespace

expected<decimal, decimal_error> decimal::parse(std::string_view text) noexcept {
    const char* p = text.data();
    const char* const end = p + text.size();
    if (p == end) return unexpected(decimal_error::empty);

    const bool negative = *p == '-';
    if (negative) ++p;

    digit_accumulator digits;
    const char* const integer_begin = p;
    for (; p != end && is_digit(*p); ++p) {
        if (!digits.push(static_cast<unsigned>(*p - '0'))) return unexpected(decimal_error::too_many_digits);
    }
    const bool has_integer_digits = p != integer_begin;

    int scale = 0;
    bool has_point = false;
    if (p != end && *p == '.') {
        has_point = true;
        for (++p; p != end && is_digit(*p); ++p) {
            if (++scale > max_scale) return unexpected(decimal_error::too_many_fraction_digits);
            if (!digits.push(static_cast<unsigned>(*p - '0'))) return unexpected(decimal_error::too_many_digits);
        }
    }
    if (p != end) return unexpected(classify_rejection(text, *p, has_integer_digits || scale > 0));
    if (!has_integer_digits || (has_point && scale == 0)) return unexpected(decimal_error::missing_digits);

    const auto magnitude = static_cast<int128>(digits.value());
    return decimal{negative ? -magnitude : magnitude, scale};
}

expected<decimal, decimal_error> decimal::from_raw(int128 mantissa, int scale) noexcept {
    if (!valid_scale(scale)) return unexpected(decimal_error::invalid_scale);
    if (mantissa > max_mantissa || mantissa < -max_mantissa) return unexpected(decimal_error::overflow);
    return decimal{mantissa, scale};
}

decimal decimal::normalized() const noexcept {
    if (mantissa_ == 0) return decimal{};
    int scale = scale_;
    // 64-bit division is several times cheaper than the 128-bit library call, and nearly every value fits.
    using narrow_limits = std::numeric_limits<std::int64_t>;
    if (mantissa_ >= narrow_limits::min() && mantissa_ <= narrow_limits::max()) {
        auto narrow = static_cast<std::int64_t>(mantissa_);
        while (scale > 0 && narrow % 10 == 0) {
            narrow /= 10;
            --scale;
        }
        return decimal{narrow, scale};
    }
    auto mantissa = mantissa_;
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        --scale;
    }
    return decimal{mantissa, scale};
}

int decimal::compare(const decimal& a, const decimal& b) noexcept {
    if (a.scale_ == b.scale_) return (a.mantissa_ > b.mantissa_) - (a.mantissa_ < b.mantissa_);
    const int sign_a = a.signum();
    const int sign_b = b.signum();
    if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
    if (sign_a == 0) return 0;
    // Align the smaller scale up. If that overflows, its magnitude exceeds 1.7e38 > any mantissa, so the
    // aligned operand is the larger in magnitude and the common sign decides.
    if (a.scale_ < b.scale_) {
        int128 aligned = 0;
        if (__builtin_mul_overflow(a.mantissa_, static_cast<int128>(pow10[b.scale_ - a.scale_]), &aligned)) {
            return sign_a;
        }
        return (aligned > b.mantissa_) - (aligned < b.mantissa_);
    }
    int128 aligned = 0;
    if (__builtin_mul_overflow(b.mantissa_, static_cast<int128>(pow10[a.scale_ - b.scale_]), &aligned)) {
        return -sign_b;
    }
    return (a.mantissa_ > aligned) - (a.mantissa_ < aligned);
}

expected<decimal, decimal_error> decimal::checked_add(const decimal& other) const noexcept {
    // Same scale is the common case (a running sum of one market's prices): a plain add, when it fits.
    if (scale_ == other.scale_) {
        int128 sum = 0;
        if (!__builtin_add_overflow(mantissa_, other.mantissa_, &sum) && magnitude_of(sum) <= max_magnitude) {
            return decimal{sum, scale_};
        }
    }
    const int scale = std::max(scale_, other.scale_);
    const auto x = multiply(magnitude_of(mantissa_), pow10[scale - scale_]);
    const auto y = multiply(magnitude_of(other.mantissa_), pow10[scale - other.scale_]);
    const bool x_negative = mantissa_ < 0;
    if (x_negative == (other.mantissa_ < 0)) return make(x_negative, add(x, y), scale, true);
    if (x >= y) return make(x_negative, subtract(x, y), scale, true);
    return make(!x_negative, subtract(y, x), scale, true);
}

expected<decimal, decimal_error> decimal::checked_sub(const decimal& other) const noexcept {
    return checked_add(other.negate());
}

expected<decimal, decimal_error> decimal::checked_mul(const decimal& other) const noexcept {
    const auto product = multiply(magnitude_of(mantissa_), magnitude_of(other.mantissa_));
    const bool negative = (mantissa_ < 0) != (other.mantissa_ < 0);
    const int scale = scale_ + other.scale_;
    if (scale <= max_scale) return make(negative, product, scale, true);
    const auto divisor = widen(pow10[scale - max_scale]);
    const auto parts = divide(product, divisor);
    if (parts.remainder != u256{}) return unexpected(decimal_error::inexact);
    return make(negative, parts.quotient, max_scale, true);
}

expected<decimal, decimal_error> decimal::checked_mul(const decimal& other, rounding mode) const noexcept {
    const auto product = multiply(magnitude_of(mantissa_), magnitude_of(other.mantissa_));
    const bool negative = (mantissa_ < 0) != (other.mantissa_ < 0);
    const int scale = scale_ + other.scale_;
    if (scale <= max_scale) return make(negative, product, scale, true);
    const auto divisor = widen(pow10[scale - max_scale]);
    return make(negative, round_quotient(divide(product, divisor), divisor, negative, mode), max_scale, true);
}

expected<decimal, decimal_error> decimal::checked_div(const decimal& other, int scale, rounding mode) const noexcept {
    if (!valid_scale(scale)) return unexpected(decimal_error::invalid_scale);
    if (other.mantissa_ == 0) return unexpected(decimal_error::division_by_zero);
    // (a / 10^sa) / (b / 10^sb) at scale s is a * 10^(s - sa + sb) / b; the exponent lies in -18..36.
    const int exponent = scale - scale_ + other.scale_;
    u256 dividend = widen(magnitude_of(mantissa_));
    u256 divisor = widen(magnitude_of(other.mantissa_));
    if (exponent >= 0) {
        dividend = multiply(dividend, pow10[exponent]);
    } else {
        divisor = multiply(divisor, pow10[-exponent]);
    }
    const bool negative = (mantissa_ < 0) != (other.mantissa_ < 0);
    return make(negative, round_quotient(divide(dividend, divisor), divisor, negative, mode), scale, false);
}

expected<decimal, decimal_error> decimal::quantize(int scale, rounding mode) const noexcept {
    if (!valid_scale(scale)) return unexpected(decimal_error::invalid_scale);
    const bool negative = mantissa_ < 0;
    const auto magnitude = widen(magnitude_of(mantissa_));
    if (scale >= scale_) return make(negative, multiply(magnitude, pow10[scale - scale_]), scale, false);
    const auto divisor = widen(pow10[scale_ - scale]);
    return make(negative, round_quotient(divide(magnitude, divisor), divisor, negative, mode), scale, false);
}

expected<decimal, decimal_error> decimal::quantize_to_step(const decimal& step, rounding mode) const noexcept {
    if (step.mantissa_ <= 0) return unexpected(decimal_error::invalid_step);
    const int common = std::max(scale_, step.scale_);
    const auto value = multiply(widen(magnitude_of(mantissa_)), pow10[common - scale_]);
    const auto unit = multiply(widen(static_cast<uint128>(step.mantissa_)), pow10[common - step.scale_]);
    const bool negative = mantissa_ < 0;
    const auto steps = round_quotient(divide(value, unit), unit, negative, mode);
    // steps <= value / unit + 1 and unit >= step mantissa, so the product stays far below 2^256.
    return make(negative, multiply(steps, static_cast<uint128>(step.mantissa_)), step.scale_, false);
}

bool decimal::is_multiple_of(const decimal& step) const noexcept {
    if (step.mantissa_ <= 0) return false;
    const int common = std::max(scale_, step.scale_);
    const auto value = multiply(widen(magnitude_of(mantissa_)), pow10[common - scale_]);
    const auto unit = multiply(widen(static_cast<uint128>(step.mantissa_)), pow10[common - step.scale_]);
    return divide(value, unit).remainder == u256{};
}

std::weak_ordering decimal::compare_multiples(const decimal& a, std::uint64_t a_factor, const decimal& b,
                                              std::uint64_t b_factor) noexcept {
    const int sign_a = a_factor == 0 ? 0 : a.signum();
    const int sign_b = b_factor == 0 ? 0 : b.signum();
    if (sign_a != sign_b || sign_a == 0) return sign_a <=> sign_b;
    // Common case, two sums of one market's prices: the products fit 128 bits at their shared scale.
    if (a.scale_ == b.scale_) {
        int128 x = 0;
        int128 y = 0;
        if (!__builtin_mul_overflow(a.mantissa_, static_cast<int128>(a_factor), &x) &&
            !__builtin_mul_overflow(b.mantissa_, static_cast<int128>(b_factor), &y)) {
            return x <=> y;
        }
    }
    // Both products have the same sign: compare magnitudes at the common scale, below 2^127 * 2^64 * 10^18 < 2^256.
    const int scale = std::max(a.scale_, b.scale_);
    const auto x = multiply(multiply(magnitude_of(a.mantissa_), a_factor), pow10[scale - a.scale_]);
    const auto y = multiply(multiply(magnitude_of(b.mantissa_), b_factor), pow10[scale - b.scale_]);
    const auto magnitude_order = x <=> y;
    return sign_a > 0 ? std::weak_ordering(magnitude_order) : std::weak_ordering(0 <=> magnitude_order);
}

std::optional<std::int64_t> decimal::to_units(int scale) const noexcept {
    if (!valid_scale(scale)) return std::nullopt;
    int128 units = 0;
    if (scale >= scale_) {
        if (__builtin_mul_overflow(mantissa_, static_cast<int128>(pow10[scale - scale_]), &units)) return std::nullopt;
    } else {
        const auto divisor = static_cast<int128>(pow10[scale_ - scale]);
        if (mantissa_ % divisor != 0) return std::nullopt;
        units = mantissa_ / divisor;
    }
    if (units > std::numeric_limits<std::int64_t>::max() || units < std::numeric_limits<std::int64_t>::min()) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(units);
}

char* decimal::to_chars(char* first, char* last) const noexcept {
    const auto canonical = normalized();
    return format(canonical.mantissa_ < 0, magnitude_of(canonical.mantissa_), canonical.scale_, first, last);
}

std::string decimal::to_string() const {
    std::array<char, max_string_length> buffer;
    char* end = to_chars(buffer.data(), buffer.data() + buffer.size());
    return std::string(buffer.data(), end);
}

expected<std::string, decimal_error> decimal::to_string(int scale) const {
    if (!valid_scale(scale)) return unexpected(decimal_error::invalid_scale);
    std::array<char, max_string_length + max_scale> buffer;
    char* const last = buffer.data() + buffer.size();
    const bool negative = mantissa_ < 0;
    const auto magnitude = magnitude_of(mantissa_);
    if (scale < scale_) {
        const auto divisor = pow10[scale_ - scale];
        if (magnitude % divisor != 0) return unexpected(decimal_error::inexact);
        return std::string(buffer.data(), format(negative, magnitude / divisor, scale, buffer.data(), last));
    }
    // Print at the own scale, then pad: scaling the mantissa up first could overflow 128 bits.
    char* end = format(negative, magnitude, scale_, buffer.data(), last);
    if (scale > scale_) {
        if (scale_ == 0) *end++ = '.';
        end = std::fill_n(end, scale - scale_, '0');
    }
    return std::string(buffer.data(), end);
}

std::ostream& operator<<(std::ostream& out, const decimal& value) {
    std::array<char, decimal::max_string_length> buffer;
    char* end = value.to_chars(buffer.data(), buffer.data() + buffer.size());
    return out.write(buffer.data(), end - buffer.data());
}

}  // namespace hft::domain

std::size_t std::hash<hft::domain::decimal>::operator()(const hft::domain::decimal& value) const noexcept {
    const auto canonical = value.normalized();
    const auto bits = static_cast<hft::domain::uint128>(canonical.mantissa());
    std::size_t seed = std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(bits));
    // boost::hash_combine's mixing step.
    const auto combine = [&seed](std::size_t h) { seed ^= h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2); };
    combine(std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(bits >> 64)));
    combine(std::hash<int>{}(canonical.scale()));
    return seed;
}
