#include "hft/domain/interval.hpp"

#include <array>

namespace hft::domain {

namespace {

struct interval_entry {
    std::string_view text;
    std::int64_t length_ms;  // 0 for the calendar month
};

constexpr std::int64_t second = 1000;
constexpr std::int64_t minute = 60 * second;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

// Indexed by kline_interval.
constexpr std::array<interval_entry, 16> intervals{{
    {"1s", second},
    {"1m", minute},
    {"3m", 3 * minute},
    {"5m", 5 * minute},
    {"15m", 15 * minute},
    {"30m", 30 * minute},
    {"1h", hour},
    {"2h", 2 * hour},
    {"4h", 4 * hour},
    {"6h", 6 * hour},
    {"8h", 8 * hour},
    {"12h", 12 * hour},
    {"1d", day},
    {"3d", 3 * day},
    {"1w", 7 * day},
    {"1M", 0},
}};

static_assert(intervals.size() == static_cast<std::size_t>(kline_interval::mo1) + 1);

}  // namespace

std::optional<kline_interval> parse_kline_interval(std::string_view text) noexcept {
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        if (intervals[i].text == text) return static_cast<kline_interval>(i);
    }
    return std::nullopt;
}

std::string_view to_string(kline_interval interval) noexcept {
    const auto index = static_cast<std::size_t>(interval);
    return index < intervals.size() ? intervals[index].text : std::string_view{"unknown"};
}

std::optional<std::int64_t> length_ms(kline_interval interval) noexcept {
    const auto index = static_cast<std::size_t>(interval);
    if (index >= intervals.size() || intervals[index].length_ms == 0) return std::nullopt;
    return intervals[index].length_ms;
}

}  // namespace hft::domain
