#include "hft/exchange/sim/clock.hpp"

#include "hft/domain/decimal.hpp"

namespace hft::exchange::sim {

expected<std::int64_t, std::string> parse_speed_milli(std::string_view text) {
    auto value = domain::decimal::parse(text);
    if (!value) return unexpected<std::string>("speed '" + std::string(text) + "': " + std::string(to_string(value.error())));
    auto milli = value->to_units(3);
    if (!milli) return unexpected<std::string>("speed '" + std::string(text) + "': more than 3 decimals or too large");
    // Upper bound keeps market_ms() far from int64 overflow for years of wall time.
    if (*milli <= 0 || *milli > 1'000'000'000) return unexpected<std::string>("speed must be in (0, 1000000]");
    return *milli;
}

std::int64_t sim_clock::market_ms(std::chrono::microseconds elapsed) const noexcept {
    __extension__ using int128 = __int128;
    auto scaled = static_cast<int128>(elapsed.count()) * speed_milli_ / 1'000'000;  // us * speed / 1000 -> ms
    return start_market_ms_ + static_cast<std::int64_t>(scaled);
}

std::chrono::microseconds sim_clock::wall_elapsed_at(std::int64_t market_ms) const noexcept {
    __extension__ using int128 = __int128;
    auto delta = market_ms - start_market_ms_;
    if (delta <= 0) return std::chrono::microseconds{0};
    auto us = (static_cast<int128>(delta) * 1'000'000 + speed_milli_ - 1) / speed_milli_;
    return std::chrono::microseconds{static_cast<std::int64_t>(us)};
}

}  // namespace hft::exchange::sim
