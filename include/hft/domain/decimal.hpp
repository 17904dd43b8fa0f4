#pragma once

// Exact fixed-point decimal for prices and quantities: a signed 128-bit mantissa and a scale (the number of
// fractional digits, 0..18). Value = mantissa * 10^-scale. Never a double anywhere.
//
// Invariant: |mantissa| <= 10^38 - 1 (38 significant digits). The bound is symmetric, so negate() and abs()
// can never overflow, and every value prints in at most max_string_length characters.
//
// There are deliberately no operator+, operator- or operator*: money code must decide what an overflow or an
// inexact product means, so arithmetic is only available as checked_* functions returning expected.

#include "hft/domain/expected.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace hft::domain {

/// Signed 128-bit integer (a GCC/Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ using int128 = __int128;
/// Unsigned 128-bit integer.
__extension__ using uint128 = unsigned __int128;

/// Why a decimal could not be parsed or computed.
enum class decimal_error : std::uint8_t {
    empty,                     ///< the input string is empty
    invalid_character,         ///< whitespace, '+', a second '.', hex, or any other non-digit
    missing_digits,            ///< no digit before or after the '.' ("", "-", ".5", "5.")
    not_finite,                ///< NaN or infinity spelled out ("nan", "inf", "Infinity")
    exponent,                  ///< scientific notation ("1e5", "1E-3"); exchanges send plain decimals
    too_many_fraction_digits,  ///< more than 18 digits after the '.'
    too_many_digits,           ///< more than 38 significant digits
    overflow,                  ///< an arithmetic result does not fit 38 significant digits
    inexact,                   ///< the exact result needs more than the requested or maximum scale
    division_by_zero,          ///< divisor is zero
    invalid_scale,             ///< a requested scale outside 0..18
    invalid_step,              ///< a tick or step size that is not greater than zero
};

/// A human-readable message, e.g. "exponent notation is not allowed".
std::string_view to_string(decimal_error error) noexcept;

/// How to drop digits. Directions are named after the magnitude (down/up) or the number line (floor/ceiling).
enum class rounding : std::uint8_t {
    down,       ///< toward zero (truncate)
    up,         ///< away from zero
    floor,      ///< toward negative infinity
    ceiling,    ///< toward positive infinity
    half_even,  ///< to nearest, ties to the even neighbour (banker's rounding)
    half_up,    ///< to nearest, ties away from zero
};

/// Exact fixed-point number; see the file comment for the representation and its bounds.
class decimal {
public:
    static constexpr int max_scale = 18;
    static constexpr int max_digits = 38;
    /// 10^38 - 1: the largest mantissa magnitude.
    static constexpr int128 max_mantissa = static_cast<int128>(10'000'000'000'000'000'000ULL) *
                                               static_cast<int128>(10'000'000'000'000'000'000ULL) -
                                           1;
    /// Longest output of to_chars/to_string: sign, 38 digits and a '.'.
    static constexpr std::size_t max_string_length = 40;

    /// Zero with scale 0.
    constexpr decimal() noexcept = default;

    /// Exact parse of a plain decimal: optional '-', digits, optional '.' followed by digits. No allocation.
    static expected<decimal, decimal_error> parse(std::string_view text) noexcept;
    static constexpr decimal from_integer(std::int64_t value) noexcept { return decimal{value, 0}; }
    /// mantissa * 10^-scale; fails on a scale outside 0..18 or a mantissa beyond 38 digits.
    static expected<decimal, decimal_error> from_raw(int128 mantissa, int scale) noexcept;

    constexpr int128 mantissa() const noexcept { return mantissa_; }
    constexpr int scale() const noexcept { return scale_; }

    constexpr bool is_zero() const noexcept { return mantissa_ == 0; }
    constexpr bool is_negative() const noexcept { return mantissa_ < 0; }
    constexpr bool is_positive() const noexcept { return mantissa_ > 0; }
    /// -1, 0 or 1.
    constexpr int signum() const noexcept { return (mantissa_ > 0) - (mantissa_ < 0); }
    constexpr decimal negate() const noexcept { return decimal{-mantissa_, scale_}; }
    constexpr decimal abs() const noexcept { return mantissa_ < 0 ? negate() : *this; }
    /// The same value with trailing fractional zeros removed ("1.500" -> "1.5", "0.00" -> "0").
    decimal normalized() const noexcept;

    /// Exact sum at scale max(a, b); a smaller scale only if that is what makes the exact sum fit.
    expected<decimal, decimal_error> checked_add(const decimal& other) const noexcept;
    expected<decimal, decimal_error> checked_sub(const decimal& other) const noexcept;
    /// Exact product at scale a + b; fails with `inexact` if that exceeds 18 and dropped digits are not zero.
    expected<decimal, decimal_error> checked_mul(const decimal& other) const noexcept;
    /// Product at scale min(a + b, 18), rounding the digits beyond 18 with `mode`.
    expected<decimal, decimal_error> checked_mul(const decimal& other, rounding mode) const noexcept;
    /// this / other at exactly `scale` fractional digits, rounded with `mode`.
    expected<decimal, decimal_error> checked_div(const decimal& other, int scale, rounding mode) const noexcept;

    /// The value at exactly `scale` fractional digits, padding with zeros or rounding with `mode`.
    expected<decimal, decimal_error> quantize(int scale, rounding mode) const noexcept;
    /// The nearest multiple of `step` in direction `mode`, at the step's scale (price 1234.567, tick 0.05,
    /// floor -> 1234.55). `step` must be greater than zero.
    expected<decimal, decimal_error> quantize_to_step(const decimal& step, rounding mode) const noexcept;
    /// True if this is an exact multiple of `step`; false for a step that is not greater than zero.
    bool is_multiple_of(const decimal& step) const noexcept;

    /// Exact order of a * a_factor against b * b_factor, never overflowing: compares two quotients such as
    /// sum_a / n_a and sum_b / n_b cross-multiplied (sum_a * n_b against sum_b * n_a), without dividing.
    static std::weak_ordering compare_multiples(const decimal& a, std::uint64_t a_factor, const decimal& b,
                                                std::uint64_t b_factor) noexcept;

    /// Exact count of 10^-scale units (price 1234.55 at scale 2 -> 123455); nullopt if digits would be lost,
    /// the count does not fit int64, or scale is outside 0..18.
    std::optional<std::int64_t> to_units(int scale) const noexcept;

    /// Canonical plain form, trailing fractional zeros trimmed: "920", "23148.8", "0.00001", "-1.5".
    std::string to_string() const;
    /// Exactly `scale` fractional digits ("0.16000000" at 8); fails with `inexact` rather than round.
    expected<std::string, decimal_error> to_string(int scale) const;
    /// Writes the canonical form to [first, last) without allocating; returns the end, or nullptr if the range
    /// is shorter than needed (max_string_length always suffices).
    char* to_chars(char* first, char* last) const noexcept;

    /// Numeric equality across scales: 1.0 == 1.00.
    friend bool operator==(const decimal& a, const decimal& b) noexcept { return compare(a, b) == 0; }
    /// Weak, not strong: 1.0 and 1.00 are equivalent yet have different scale().
    friend std::weak_ordering operator<=>(const decimal& a, const decimal& b) noexcept {
        return compare(a, b) <=> 0;
    }

private:
    constexpr decimal(int128 mantissa, int scale) noexcept
        : mantissa_(mantissa), scale_(static_cast<std::int8_t>(scale)) {}

    /// Negative, zero or positive like strcmp; never overflows.
    static int compare(const decimal& a, const decimal& b) noexcept;

    int128 mantissa_ = 0;
    std::int8_t scale_ = 0;
};

/// Writes the canonical form (for test output and logs).
std::ostream& operator<<(std::ostream& out, const decimal& value);

}  // namespace hft::domain

/// Consistent with operator==: hashes the normalized (trailing-zero-free) representation.
template <>
struct std::hash<hft::domain::decimal> {
    std::size_t operator()(const hft::domain::decimal& value) const noexcept;
};
