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

}  // namespace hft::domain
