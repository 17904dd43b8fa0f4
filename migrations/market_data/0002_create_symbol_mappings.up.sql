-- One canonical symbol per market (`symbol`, e.g. TKOIDR) and its two exchange forms: the stream form
-- (`kline_symbol`, tkoidr) and the order form (`order_symbol`, TKO_IDR). Same columns as seed 000.
CREATE TABLE symbol_mappings (
    id           VARCHAR     PRIMARY KEY DEFAULT gen_random_uuid()::text,
    exchange     VARCHAR(20) NOT NULL CHECK (exchange ~ '^[a-z0-9_]+$'),
    symbol       VARCHAR(30) NOT NULL CHECK (symbol ~ '^[A-Z0-9]+$'),
    kline_symbol VARCHAR(30) NOT NULL CHECK (kline_symbol ~ '^[a-z0-9]+$'),
    order_symbol VARCHAR(30) NOT NULL CHECK (order_symbol ~ '^[A-Z0-9_]+$'),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (exchange, symbol),
    UNIQUE (exchange, kline_symbol),
    UNIQUE (exchange, order_symbol)
);
