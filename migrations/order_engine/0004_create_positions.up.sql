-- Spot positions per user and market, updated in the same transaction as the fill that moves them.
-- Spot is long-only: a quantity below zero would mean selling what the account does not hold.
CREATE TABLE positions (
    user_id      VARCHAR(64) NOT NULL CHECK (btrim(user_id) <> ''),
    exchange     VARCHAR(20) NOT NULL,
    symbol       VARCHAR(30) NOT NULL,
    quantity     NUMERIC     NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    avg_cost     NUMERIC     NOT NULL DEFAULT 0 CHECK (avg_cost >= 0),
    realized_pnl NUMERIC     NOT NULL DEFAULT 0,
    fees_paid    NUMERIC     NOT NULL DEFAULT 0 CHECK (fees_paid >= 0),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, exchange, symbol),
    CHECK (quantity > 0 OR avg_cost = 0)
);
