#pragma once

// Whether a kline that arrived on a subject can be a real candle: the one gate the market-data worker applies
// before storing and the strategy runner before trading. A kline passing domain::validate can still be wrong for
// where it arrived (another exchange, symbol or interval than its subject names), for its interval (a 1d candle
// spanning a minute, an open time off the interval's grid), for the clock (a candle in the year 2500 would sort
// as the newest forever, since closed candles are never overwritten) or for the store (more digits than
// NUMERIC(38,18) holds).

#include "hft/domain/expected.hpp"
#include "hft/domain/kline.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace hft::core {

/// How far from the wall clock a kline's open time may be.
struct kline_time_window {
    std::chrono::milliseconds max_ahead;   ///< after now: the exchange's clock running ahead of this host's
    std::chrono::milliseconds max_behind;  ///< before now: how old a candle may be (backfilled history included)
};

/// The first reason `k`, received on a subject naming `subject`, cannot be right at `now_ms` (wall clock, ms since
/// the epoch), checked in this order: domain::validate; exchange, symbol and interval equal to the subject's; open
/// time within `window` of now; close_time the candle's last millisecond (domain::candle_close_time); open time on
/// the interval's grid (domain::is_candle_open); prices and volumes with at most 20 integer digits (NUMERIC(38,18)).
/// The reason names the field and the value, for a dead letter's Hft-Dlq-Reason and a log line.
expected<void, std::string> check_plausible(const domain::kline& k, const domain::kline_market& subject,
                                            std::int64_t now_ms, const kline_time_window& window);

}  // namespace hft::core
