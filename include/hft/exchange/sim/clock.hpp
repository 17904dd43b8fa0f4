#pragma once

// The simulator's market clock: starts at a wall-clock instant and runs `speed` times faster than the wall
// clock from then on. One clock drives every symbol, the websocket events and the REST answers alike.

#include "hft/domain/expected.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hft::exchange::sim {

/// Speed as an exact ratio in thousandths ("60" -> 60000, "0.5" -> 500); no floating point in the clock.
expected<std::int64_t, std::string> parse_speed_milli(std::string_view text);

class sim_clock {
public:
    /// `start_market_ms`: market time at start (normally the wall clock's Unix ms); `speed_milli` > 0.
    sim_clock(std::int64_t start_market_ms, std::int64_t speed_milli) noexcept
        : start_market_ms_(start_market_ms), speed_milli_(speed_milli) {}

    /// Market time after `elapsed` wall time since the start.
    std::int64_t market_ms(std::chrono::microseconds elapsed) const noexcept;
    /// Wall time since the start at which market time reaches `market_ms` (rounded up; zero if already past).
    std::chrono::microseconds wall_elapsed_at(std::int64_t market_ms) const noexcept;

    std::int64_t start_market_ms() const noexcept { return start_market_ms_; }
    std::int64_t speed_milli() const noexcept { return speed_milli_; }

private:
    std::int64_t start_market_ms_;
    std::int64_t speed_milli_;
};

/// Largest multiple of `step` not above `t` (Binance aligns candle open times to the epoch).
constexpr std::int64_t align_down(std::int64_t t, std::int64_t step) noexcept {
    auto r = t % step;
    return r < 0 ? t - r - step : t - r;
}

}  // namespace hft::exchange::sim
