DROP TABLE trading_state;
