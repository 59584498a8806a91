-- comments /* and */ nested
/* outer /* inner */ still */ EXPLAIN ANALYZE SELECT type, date, year, count, value, key FROM t;
SHOW TABLES IN bronze LIKE 'o*'; DESCRIBE TABLE EXTENDED bronze.orders; DESC t;;
