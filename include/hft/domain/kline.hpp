#pragma once

// A normalized candle, the same for every venue and for both live (websocket) and backfilled (REST) data.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hft::domain {

/// Where a kline came from.
enum class kline_source : std::uint8_t {
    ws,        ///< the exchange's websocket stream
    backfill,  ///< REST backfill after a gap
};

/// "ws" or "backfill".
std::string_view to_string(kline_source source) noexcept;
std::optional<kline_source> parse_kline_source(std::string_view text) noexcept;

/// The market a kline belongs to: the exchange, the canonical symbol and the interval, as a kline subject
/// (kline.data.<exchange>.<SYMBOL>.<interval>) names them. Views: whatever they view must outlive it.
struct kline_market {
    std::string_view exchange;
    std::string_view symbol;
    std::string_view interval;

    friend bool operator==(const kline_market&, const kline_market&) = default;
};

/// One candle. Times are milliseconds since the Unix epoch (UTC) unless the name says otherwise.
struct kline {
    std::string exchange;  ///< e.g. "tokocrypto"
    std::string symbol;    ///< canonical form, e.g. "TKOIDR"
    std::string interval;  ///< wire text of a kline_interval, e.g. "1m"
    std::int64_t open_time = 0;
    std::int64_t close_time = 0;  ///< last millisecond of the candle (Binance: open_time + length - 1)
    decimal open;
    decimal high;
    decimal low;
    decimal close;
    decimal base_volume;
    decimal quote_volume;
    decimal taker_base_volume;
    decimal taker_quote_volume;
    std::int64_t trade_count = 0;
    bool is_closed = false;        ///< false while the candle is still forming
    std::int64_t event_time = 0;   ///< the exchange's event time
    std::int64_t received_ns = 0;  ///< local clock when the frame came off the socket (latency measurement)
    kline_source source = kline_source::ws;

    /// Field-wise; decimals compare numerically (1.0 == 1.00).
    friend bool operator==(const kline&, const kline&) = default;
};

/// The first sanity rule `k` breaks, in this order: exchange, symbol and interval set and known; times
/// non-negative and open_time < close_time; prices > 0; low <= high; open and close within [low, high];
/// volumes >= 0; trade_count >= 0. Zero-volume candles with o = h = l = c are valid.
expected<void, field_error> validate(const kline& k) noexcept;

/// Whether `incoming` should replace `stored`, two states of the same candle: a closed candle is final,
/// a closed update beats an open one, and among open updates the later event time wins (ties replace, so
/// a repeated delivery is harmless). The store's upsert applies the same rule in SQL.
bool supersedes(const kline& incoming, const kline& stored) noexcept;

}  // namespace hft::domain
