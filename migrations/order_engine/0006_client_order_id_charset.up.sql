-- Exchange client order ids are what Binance-family venues accept ([.A-Za-z:/0-9_-], at most 36), derived from
-- the order id; 0001 allowed only [A-Za-z0-9_], which refused every strategy order id ("grid-1-1677628800000-0").
ALTER TABLE orders DROP CONSTRAINT orders_client_order_id_check;
ALTER TABLE orders ADD CONSTRAINT orders_client_order_id_check CHECK (client_order_id ~ '^[A-Za-z0-9_.:/-]+$');
