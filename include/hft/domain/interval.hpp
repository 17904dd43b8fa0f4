#pragma once

// Kline intervals as Binance (and Tokocrypto) name them. Inside the system a kline carries its interval as
// the wire text ("1m"); this type is for code that needs to check it or compute with its length.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hft::domain {

/// One of Binance's kline intervals `1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M`.
enum class kline_interval : std::uint8_t {
    s1,
    m1,
    m3,
    m5,
    m15,
    m30,
    h1,
    h2,
    h4,
    h6,
    h8,
    h12,
    d1,
    d3,
    w1,
    mo1,
};

/// Exact, case-sensitive match: "1m" is a minute and "1M" a month.
std::optional<kline_interval> parse_kline_interval(std::string_view text) noexcept;
/// The wire text, e.g. "15m".
std::string_view to_string(kline_interval interval) noexcept;
/// Length in milliseconds; nullopt for 1M, whose length depends on the month.
std::optional<std::int64_t> length_ms(kline_interval interval) noexcept;

// Candles sit on a UTC grid, as Binance draws it: up to 1d every multiple of the length since the epoch, 1w from
// Monday 00:00, 1M from the first of the month. Binance does not document where its 3-day cycle starts, so a 3d
// candle is only required to open at midnight (and is drawn here from the epoch, a multiple of three days).

/// Whether a candle of `interval` can open at `open_time` (ms since the epoch) on that grid. For 1M the calendar
/// covers 1970 to 9999; no time outside it is a month's start.
bool is_candle_open(kline_interval interval, std::int64_t open_time) noexcept;
/// The open time of the candle of `interval` that contains `time_ms`, for times around now (for 1M outside 1970 to
/// 9999, `time_ms` itself).
std::int64_t candle_open_containing(kline_interval interval, std::int64_t time_ms) noexcept;
/// The close time of the candle of `interval` opening at `open_time`: its last millisecond, the next candle's open
/// minus 1 ms. nullopt when that is not representable (outside 1970 to 9999 for 1M).
std::optional<std::int64_t> candle_close_time(kline_interval interval, std::int64_t open_time) noexcept;

}  // namespace hft::domain
