-- Subscriptions and symbol mappings for the local paper-trading setup (exchange-sim replays the
-- BTCUSDT and BTCUSDC klines in data/). Idempotent: a second run changes nothing.
INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol)
VALUES ('sim', 'BTCUSDT', 'btcusdt', 'BTC_USDT'),
       ('sim', 'BTCUSDC', 'btcusdc', 'BTC_USDC')
ON CONFLICT (exchange, symbol) DO NOTHING;

INSERT INTO kline_subscriptions (exchange, symbol, "interval", payload)
VALUES ('sim', 'BTC_USDT', '1m', '{"id": 1, "method": "SUBSCRIBE", "params": ["btcusdt@kline_1m"]}'::jsonb),
       ('sim', 'BTC_USDC', '1m', '{"id": 2, "method": "SUBSCRIBE", "params": ["btcusdc@kline_1m"]}'::jsonb)
ON CONFLICT (exchange, symbol, "interval") DO NOTHING;
