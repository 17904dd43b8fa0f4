#pragma once

// SQL the services run, as named constants: one place to read every statement, all parameterized.

#include <string_view>

namespace hft::store::sql {

/// Upserts one kline. Times are epoch milliseconds ($4 open, $5 close, $16 event), decimals are text.
/// Rules: a closed candle is final (nothing overwrites it); a closed update beats an open one; among open
/// updates the newer event_time wins, so a late, stale update changes nothing.
/// $1 exchange, $2 symbol, $3 interval, $6..$9 open/high/low/close, $10..$13 base/quote/taker base/taker
/// quote volume, $14 trade_count, $15 is_closed, $17 source.
inline constexpr std::string_view upsert_kline = R"sql(
INSERT INTO market_klines (exchange, symbol, "interval", open_time, close_time,
                           open_price, high_price, low_price, close_price,
                           base_volume, quote_volume, taker_base_volume, taker_quote_volume,
                           trade_count, is_closed, event_time, source)
VALUES ($1, $2, $3,
        timestamptz 'epoch' + $4::bigint * interval '1 millisecond',
        timestamptz 'epoch' + $5::bigint * interval '1 millisecond',
        $6::numeric, $7::numeric, $8::numeric, $9::numeric,
        $10::numeric, $11::numeric, $12::numeric, $13::numeric,
        $14, $15, timestamptz 'epoch' + $16::bigint * interval '1 millisecond', $17)
ON CONFLICT (exchange, symbol, "interval", open_time) DO UPDATE SET
    close_time = EXCLUDED.close_time,
    open_price = EXCLUDED.open_price,
    high_price = EXCLUDED.high_price,
    low_price = EXCLUDED.low_price,
    close_price = EXCLUDED.close_price,
    base_volume = EXCLUDED.base_volume,
    quote_volume = EXCLUDED.quote_volume,
    taker_base_volume = EXCLUDED.taker_base_volume,
    taker_quote_volume = EXCLUDED.taker_quote_volume,
    trade_count = EXCLUDED.trade_count,
    is_closed = EXCLUDED.is_closed,
    event_time = EXCLUDED.event_time,
    source = EXCLUDED.source,
    updated_at = now()
WHERE NOT market_klines.is_closed
  AND (EXCLUDED.is_closed OR EXCLUDED.event_time >= market_klines.event_time)
)sql";

}  // namespace hft::store::sql
