DROP TABLE order_events;
DROP FUNCTION order_events_are_append_only();
