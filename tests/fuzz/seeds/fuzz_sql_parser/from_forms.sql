SELECT DISTINCT t.*, x.`a``b` FROM delta.`s3://bucket/p/t` VERSION AS OF 3 AS t
JOIN read_csv('f.csv', header => true, delim => ';') AS c(a, b) ON t.a = c.a
LEFT SEMI JOIN (SELECT * FROM u) q USING (k), read_parquet('/x/*.parquet') p
CROSS JOIN (VALUES (1, 'a'), (2, 'b')) AS v(n, s) FULL OUTER JOIN w TIMESTAMP AS OF '2026-01-01' ON TRUE;
