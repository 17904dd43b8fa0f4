-- Candles, one row per (exchange, symbol, interval, open_time). Prices and volumes are exact NUMERIC;
-- times are TIMESTAMPTZ (millisecond precision, readable in psql). No partitioning: nothing to create by
-- hand before the first insert. The upsert in include/hft/store/statements.hpp never lets a stale or
-- non-closed update overwrite a closed candle.
CREATE TABLE market_klines (
    exchange           VARCHAR(20) NOT NULL CHECK (exchange ~ '^[a-z0-9_]+$'),
    symbol             VARCHAR(30) NOT NULL CHECK (symbol ~ '^[A-Z0-9]+$'),
    "interval"         VARCHAR(10) NOT NULL
        CHECK ("interval" IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M')),
    open_time          TIMESTAMPTZ NOT NULL,
    close_time         TIMESTAMPTZ NOT NULL,
    open_price         NUMERIC     NOT NULL,
    high_price         NUMERIC     NOT NULL,
    low_price          NUMERIC     NOT NULL,
    close_price        NUMERIC     NOT NULL,
    base_volume        NUMERIC     NOT NULL CHECK (base_volume >= 0),
    quote_volume       NUMERIC     NOT NULL CHECK (quote_volume >= 0),
    taker_base_volume  NUMERIC     NOT NULL CHECK (taker_base_volume >= 0),
    taker_quote_volume NUMERIC     NOT NULL CHECK (taker_quote_volume >= 0),
    trade_count        BIGINT      NOT NULL CHECK (trade_count >= 0),
    is_closed          BOOLEAN     NOT NULL,
    event_time         TIMESTAMPTZ NOT NULL,
    source             VARCHAR(10) NOT NULL CHECK (source IN ('ws', 'backfill')),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, symbol, "interval", open_time),
    CHECK (close_time > open_time),
    CHECK (low_price > 0),
    CHECK (low_price <= LEAST(open_price, close_price)),
    CHECK (high_price >= GREATEST(open_price, close_price))
);

-- Strategies warm up from the latest closed candles of one market.
CREATE INDEX market_klines_closed_recent ON market_klines (exchange, symbol, "interval", open_time DESC)
    WHERE is_closed;
