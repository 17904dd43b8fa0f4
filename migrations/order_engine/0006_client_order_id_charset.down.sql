-- Fails while an order holds a client order id with . : / or -, rather than deleting it.
ALTER TABLE orders DROP CONSTRAINT orders_client_order_id_check;
ALTER TABLE orders ADD CONSTRAINT orders_client_order_id_check CHECK (client_order_id ~ '^[A-Za-z0-9_]+$');
