-- The kill switch: ACTIVE trades normally, REDUCING only accepts orders that shrink a position, HALTED
-- accepts nothing. Scopes: 'global', 'user:<user_id>', 'strategy:<strategy_id>'; the strictest wins.
CREATE TABLE trading_state (
    scope      VARCHAR(128) PRIMARY KEY CHECK (scope = 'global' OR scope ~ '^(user|strategy):.+$'),
    state      VARCHAR(8)   NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    reason     TEXT,
    updated_by VARCHAR(64),
    updated_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);

INSERT INTO trading_state (scope, state, reason, updated_by) VALUES ('global', 'ACTIVE', 'initial state', 'migration');
