#include "hft/domain/interval.hpp"

#include <array>
#include <chrono>
#include <limits>

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

constexpr std::int64_t week = 7 * day;
constexpr std::int64_t monday_offset = 4 * day;  // 1970-01-01 was a Thursday
constexpr std::int64_t year_10000_ms = 253'402'300'800'000;  // 10000-01-01T00:00:00Z

// The remainder of t / step in [0, step), also for t < 0.
constexpr std::int64_t floor_mod(std::int64_t t, std::int64_t step) noexcept {
    const auto r = t % step;
    return r < 0 ? r + step : r;
}

// Where the month containing `time_ms` starts, and the next one; nullopt beyond the calendar's reach.
struct month_bounds {
    std::int64_t start;
    std::int64_t next;
};
std::optional<month_bounds> month_of(std::int64_t time_ms) noexcept {
    using namespace std::chrono;
    if (time_ms < 0 || time_ms >= year_10000_ms) return std::nullopt;
    const year_month_day date{floor<days>(sys_time<milliseconds>{milliseconds{time_ms}})};
    const year_month first = date.year() / date.month();
    const auto start_of = [](year_month ym) {
        return sys_time<milliseconds>{sys_days{ym / 1}}.time_since_epoch().count();
    };
    return month_bounds{start_of(first), start_of(first + months{1})};
}

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

bool is_candle_open(kline_interval interval, std::int64_t open_time) noexcept {
    switch (interval) {
        case kline_interval::d3: return floor_mod(open_time, day) == 0;
        case kline_interval::w1: return floor_mod(open_time, week) == monday_offset;
        case kline_interval::mo1: {
            const auto month = month_of(open_time);
            return month && month->start == open_time;
        }
        default: {
            const auto length = length_ms(interval);
            return length && floor_mod(open_time, *length) == 0;
        }
    }
}

std::int64_t candle_open_containing(kline_interval interval, std::int64_t time_ms) noexcept {
    switch (interval) {
        case kline_interval::w1: return time_ms - floor_mod(time_ms - monday_offset, week);
        case kline_interval::mo1: {
            const auto month = month_of(time_ms);
            return month ? month->start : time_ms;
        }
        default: {
            const auto length = length_ms(interval);
            return length ? time_ms - floor_mod(time_ms, *length) : time_ms;
        }
    }
}

std::optional<std::int64_t> candle_close_time(kline_interval interval, std::int64_t open_time) noexcept {
    if (interval == kline_interval::mo1) {
        const auto month = month_of(open_time);
        if (!month) return std::nullopt;
        return month->next - 1;
    }
    const auto length = length_ms(interval);
    if (!length || open_time > std::numeric_limits<std::int64_t>::max() - *length) return std::nullopt;
    return open_time + *length - 1;
}

}  // namespace hft::domain
