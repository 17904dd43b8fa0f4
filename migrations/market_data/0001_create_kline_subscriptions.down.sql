DROP TABLE kline_subscriptions;
