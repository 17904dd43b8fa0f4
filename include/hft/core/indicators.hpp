#pragma once

// Moving averages over exact decimals, each updated in O(1) per closed kline without allocating.
//
// Rounding: an average is the only inexact quantity, so it is rounded once per update to average_scale (18)
// fractional digits, half-even. The SMA keeps an exact running sum and divides it on read (compare_averages
// cross-multiplies instead, exactly); the EMA carries its
// rounded value forward: ema' = ema + round_18_half_even((close - ema) * 2 / (period + 1)).

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace hft::core {

inline constexpr int average_scale = 18;
inline constexpr domain::rounding average_rounding = domain::rounding::half_even;

/// Mean of the last `period` values: an exact running sum over a ring of the window.
class simple_moving_average {
public:
    /// `period` >= 1; the window is allocated here, once.
    explicit simple_moving_average(std::size_t period);

    expected<void, domain::decimal_error> add(const domain::decimal& value) noexcept;
    bool ready() const noexcept { return count_ >= window_.size(); }
    std::size_t period() const noexcept { return window_.size(); }
    /// sum / period rounded to average_scale; nullopt until `period` values arrived (or on overflow).
    std::optional<domain::decimal> value() const noexcept;
    /// The exact sum of the window.
    const domain::decimal& sum() const noexcept { return sum_; }
    /// The values in the window, oldest first (for persisting the state; replay them with add to restore).
    std::vector<domain::decimal> window() const;

private:
    std::vector<domain::decimal> window_;
    std::size_t next_ = 0;   ///< ring slot the next value overwrites
    std::size_t count_ = 0;  ///< values seen, saturating at the period
    domain::decimal sum_;
};

/// Exponential moving average with alpha = 2 / (period + 1), seeded with the first value (no SMA seed, so the
/// state is two numbers); counted as defined once `period` values arrived, when the seed's weight has faded.
class exponential_moving_average {
public:
    /// `period` >= 1.
    explicit exponential_moving_average(std::size_t period);
    /// Resumes from a persisted value and count.
    exponential_moving_average(std::size_t period, std::optional<domain::decimal> value, std::size_t count);

    expected<void, domain::decimal_error> add(const domain::decimal& value) noexcept;
    bool ready() const noexcept { return count_ >= period_; }
    std::size_t period() const noexcept { return period_; }
    std::size_t count() const noexcept { return count_; }
    /// The current average; nullopt until ready.
    std::optional<domain::decimal> value() const noexcept { return ready() ? value_ : std::nullopt; }
    /// The running value even before it is ready (for persisting).
    const std::optional<domain::decimal>& running_value() const noexcept { return value_; }

private:
    std::size_t period_;
    domain::decimal denominator_;  ///< period + 1
    std::optional<domain::decimal> value_;
    std::size_t count_ = 0;
};

enum class average_kind : std::uint8_t { simple, exponential };

/// One of the two averages, chosen at run time by a strategy's params.
class moving_average {
public:
    moving_average(average_kind kind, std::size_t period);

    expected<void, domain::decimal_error> add(const domain::decimal& value) noexcept;
    bool ready() const noexcept;
    std::optional<domain::decimal> value() const noexcept;
    average_kind kind() const noexcept;

    const std::variant<simple_moving_average, exponential_moving_average>& average() const noexcept {
        return average_;
    }
    std::variant<simple_moving_average, exponential_moving_average>& average() noexcept { return average_; }

private:
    std::variant<simple_moving_average, exponential_moving_average> average_;
};

/// How `a` relates to `b`; nullopt until both are ready. Two simple averages compare exactly, each sum multiplied
/// by the other's period, so no division and no rounding: averages differing below average_scale still differ.
/// Otherwise the values compare.
std::optional<std::weak_ordering> compare_averages(const moving_average& a, const moving_average& b) noexcept;

}  // namespace hft::core
