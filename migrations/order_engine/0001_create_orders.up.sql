-- Every order the engine accepted, persisted as PENDING_NEW before anything reaches the exchange.
-- request_id and order_id make a retried request idempotent; client_order_id (derived from order_id) lets
-- an ambiguous send be resolved by asking the exchange. `version` is bumped on every update, for
-- optimistic concurrency between the HTTP path, the command consumer and status sync.
CREATE TABLE orders (
    order_id          VARCHAR(64) PRIMARY KEY CHECK (order_id ~ '^[A-Za-z0-9_.:-]+$'),
    request_id        VARCHAR(64) NOT NULL UNIQUE CHECK (request_id ~ '^[A-Za-z0-9_.:-]+$'),
    client_order_id   VARCHAR(64) NOT NULL UNIQUE CHECK (client_order_id ~ '^[A-Za-z0-9_]+$'),
    exchange_order_id VARCHAR(64) CHECK (exchange_order_id <> ''),
    user_id           VARCHAR(64) NOT NULL CHECK (btrim(user_id) <> ''),
    strategy_id       VARCHAR(64),
    exchange          VARCHAR(20) NOT NULL CHECK (exchange ~ '^[a-z0-9_]+$'),
    symbol            VARCHAR(30) NOT NULL CHECK (symbol ~ '^[A-Z0-9]+$'),
    side              VARCHAR(4)  NOT NULL CHECK (side IN ('BUY', 'SELL')),
    type              VARCHAR(6)  NOT NULL CHECK (type IN ('LIMIT', 'MARKET')),
    time_in_force     VARCHAR(3)  CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')),
    price             NUMERIC     CHECK (price > 0),
    quantity          NUMERIC     NOT NULL CHECK (quantity > 0),
    filled_quantity   NUMERIC     NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0),
    avg_fill_price    NUMERIC     CHECK (avg_fill_price > 0),
    fee               NUMERIC     NOT NULL DEFAULT 0 CHECK (fee >= 0),
    fee_asset         VARCHAR(20),
    status            VARCHAR(16) NOT NULL CHECK (status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED', 'FILLED',
                                                             'CANCELED', 'REJECTED', 'EXPIRED', 'UNKNOWN')),
    reason            TEXT,
    source            VARCHAR(64) NOT NULL CHECK (btrim(source) <> ''),
    requested_at      TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ,
    sent_at           TIMESTAMPTZ,
    acknowledged_at   TIMESTAMPTZ,
    filled_at         TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    version           INTEGER     NOT NULL DEFAULT 1 CHECK (version > 0),
    -- A LIMIT order has a price; a MARKET order has none (its fills say what it paid).
    CHECK ((type = 'LIMIT') = (price IS NOT NULL)),
    CHECK (filled_quantity <= quantity),
    CHECK (status <> 'FILLED' OR filled_quantity = quantity),
    CHECK ((filled_quantity = 0) = (avg_fill_price IS NULL)),
    CHECK (expires_at IS NULL OR expires_at > requested_at)
);

CREATE UNIQUE INDEX orders_exchange_order_id ON orders (exchange, exchange_order_id)
    WHERE exchange_order_id IS NOT NULL;
CREATE INDEX orders_user_recent ON orders (user_id, created_at DESC);
CREATE INDEX orders_strategy_recent ON orders (strategy_id, created_at DESC) WHERE strategy_id IS NOT NULL;
-- Status sync and start-up reconciliation walk the non-terminal orders.
CREATE INDEX orders_open ON orders (exchange, status)
    WHERE status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED', 'UNKNOWN');
