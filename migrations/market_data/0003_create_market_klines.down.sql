DROP TABLE market_klines;
