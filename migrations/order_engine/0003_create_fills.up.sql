-- Executions reported by the exchange. Trade ids are unique per market on Binance-style venues, so
-- (exchange, symbol, trade_id) is the key that makes a fill seen twice (poll and stream, reconnect)
-- count once.
CREATE TABLE fills (
    id         BIGSERIAL   PRIMARY KEY,
    exchange   VARCHAR(20) NOT NULL,
    symbol     VARCHAR(30) NOT NULL,
    trade_id   VARCHAR(64) NOT NULL CHECK (trade_id <> ''),
    order_id   VARCHAR(64) NOT NULL REFERENCES orders (order_id),
    side       VARCHAR(4)  NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price      NUMERIC     NOT NULL CHECK (price > 0),
    quantity   NUMERIC     NOT NULL CHECK (quantity > 0),
    fee        NUMERIC     NOT NULL DEFAULT 0 CHECK (fee >= 0),
    fee_asset  VARCHAR(20),
    is_maker   BOOLEAN     NOT NULL,
    trade_time TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (exchange, symbol, trade_id)
);

CREATE INDEX fills_by_order ON fills (order_id);
