-- Append-only history of every order state change, with the payload that caused it.
CREATE TABLE order_events (
    id         BIGSERIAL   PRIMARY KEY,
    order_id   VARCHAR(64) NOT NULL REFERENCES orders (order_id),
    event_type VARCHAR(32) NOT NULL CHECK (event_type ~ '^[a-z_]+$'),
    status     VARCHAR(16) NOT NULL CHECK (status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED', 'FILLED',
                                                      'CANCELED', 'REJECTED', 'EXPIRED', 'UNKNOWN')),
    payload    JSONB       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX order_events_by_order ON order_events (order_id, id);

CREATE FUNCTION order_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'order_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER order_events_append_only
    BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_are_append_only();

CREATE TRIGGER order_events_no_truncate
    BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION order_events_are_append_only();
