#pragma once

// Which closed klines a market-data feed missed. The gateway records every closed candle it sees; when the
// next closed candle of a stream is not the one right after the last, or when it reconnects after an
// outage, the range in between must be backfilled over REST before the stream is trusted again. Each missing
// candle is reported once, whichever call finds it first.

#include "hft/domain/kline.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace hft::core {

/// Candles to fetch: open times from `first_open_time` to `last_open_time`, both included.
struct kline_range {
    std::string exchange;
    std::string symbol;
    std::string interval;
    std::int64_t first_open_time = 0;
    std::int64_t last_open_time = 0;

    friend bool operator==(const kline_range&, const kline_range&) = default;
};

class kline_gap_tracker {
public:
    /// Records a closed candle and returns the candles between the previous closed one and it, if any.
    /// Open (still forming) klines and repeats of an older candle change nothing and report no gap.
    std::optional<kline_range> on_kline(const domain::kline& k);
    /// The same for a closed candle known by its stream and open time.
    std::optional<kline_range> on_closed(const std::string& exchange, const std::string& symbol,
                                         const std::string& interval, std::int64_t open_time);

    /// The closed candles a stream should have produced by `now_ms` but did not: from the one after the
    /// last seen to the last one that closed before `now_ms`. Nothing for a stream never seen, or for 1M.
    /// The range counts as reported: the stream goes on from its end, so neither the next closed candle nor
    /// the next call reports those candles again.
    std::optional<kline_range> missing_until(const std::string& exchange, const std::string& symbol,
                                             const std::string& interval, std::int64_t now_ms);

    /// Starts a stream from a closed candle stored earlier (e.g. the newest in market_klines at start-up), so the
    /// candles that closed while nothing was listening are reported as missing. Never moves a stream back.
    void seed(const std::string& exchange, const std::string& symbol, const std::string& interval,
              std::int64_t last_closed_open_time);

    std::optional<std::int64_t> last_closed_open_time(const std::string& exchange, const std::string& symbol,
                                                      const std::string& interval) const;

private:
    using stream_key = std::tuple<std::string, std::string, std::string>;
    std::map<stream_key, std::int64_t> last_closed_;
};

}  // namespace hft::core
