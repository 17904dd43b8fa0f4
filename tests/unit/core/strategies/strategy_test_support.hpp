#pragma once

// Shared by the strategy tests: exact decimals from text and closed one-minute klines of one market.

#include "hft/core/strategy.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/kline.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace hft::core::testing {

inline domain::decimal dec(std::string_view text) { return domain::decimal::parse(text).value(); }

/// 2023-03-01T00:00Z plus `minute` minutes.
inline std::int64_t minute_open_time(int minute) { return 1'677'628'800'000 + std::int64_t{minute} * 60'000; }

/// A closed 1m BTCUSDT candle on "sim" whose prices are all `close`.
inline domain::kline closed_kline(int minute, std::string_view close) {
    domain::kline k;
    k.exchange = "sim";
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time = minute_open_time(minute);
    k.close_time = k.open_time + 59'999;
    k.open = k.high = k.low = k.close = dec(close);
    k.is_closed = true;
    return k;
}

inline strategy_config config_for(strategy_params params, std::string id = "test-strategy") {
    return {std::move(id), "sim", "BTCUSDT", "1m", "user-1", std::move(params), true};
}

/// Feeds one closed kline and returns only the decisions it produced.
inline std::vector<decision> decide(const strategy_config& config, strategy_state& state, const domain::kline& k) {
    std::vector<decision> out;
    const auto outcome = on_kline(config, state, k, out);
    REQUIRE(outcome.has_value());
    return out;
}

}  // namespace hft::core::testing
