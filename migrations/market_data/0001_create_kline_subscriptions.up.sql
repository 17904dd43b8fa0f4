-- What the market-data gateway subscribes to. Same columns as seed 000, so its INSERT works as written;
-- `payload` is sent to the exchange verbatim (an empty object means: build it from symbol and interval).
CREATE TABLE kline_subscriptions (
    id         VARCHAR     PRIMARY KEY DEFAULT gen_random_uuid()::text,
    exchange   VARCHAR(20) NOT NULL CHECK (exchange ~ '^[a-z0-9_]+$'),
    symbol     VARCHAR(30) NOT NULL CHECK (btrim(symbol) <> ''),
    "interval" VARCHAR(10) NOT NULL
        CHECK ("interval" IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M')),
    payload    JSONB       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
    enabled    BOOLEAN     NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (exchange, symbol, "interval")
);
