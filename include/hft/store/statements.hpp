#pragma once

// SQL the services run, as named constants: one place to read every statement, all parameterized.

#include <string_view>

namespace hft::store::sql {

/// Upserts a batch of klines given as 17 parallel arrays (one per column; see store/kline_repository.cpp):
/// $1 exchange, $2 symbol, $3 interval, $4 open_time ms, $5 close_time ms, $6..$9 open/high/low/close,
/// $10..$13 base/quote/taker base/taker quote volume, $14 trade_count, $15 is_closed, $16 event_time ms,
/// $17 source. Decimals travel as text into NUMERIC, exactly. The batch must hold one row per candle.
/// Rules (domain::supersedes): a closed candle is final; a closed update beats an open one; among open
/// updates the newer event_time wins, so a late, stale update changes nothing.
inline constexpr std::string_view upsert_klines = R"sql(
INSERT INTO market_klines (exchange, symbol, "interval", open_time, close_time,
                           open_price, high_price, low_price, close_price,
                           base_volume, quote_volume, taker_base_volume, taker_quote_volume,
                           trade_count, is_closed, event_time, source)
SELECT exchange, symbol, "interval",
       timestamptz 'epoch' + open_ms * interval '1 millisecond',
       timestamptz 'epoch' + close_ms * interval '1 millisecond',
       open_price, high_price, low_price, close_price,
       base_volume, quote_volume, taker_base_volume, taker_quote_volume,
       trade_count, is_closed, timestamptz 'epoch' + event_ms * interval '1 millisecond', source
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
            $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[],
            $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[],
            $14::bigint[], $15::boolean[], $16::bigint[], $17::text[])
     AS batch(exchange, symbol, "interval", open_ms, close_ms, open_price, high_price, low_price, close_price,
              base_volume, quote_volume, taker_base_volume, taker_quote_volume, trade_count, is_closed,
              event_ms, source)
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
