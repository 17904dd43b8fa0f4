DROP TABLE fills;
