SELECT a OR b AND NOT c = d + e * f, x::decimal(10,2), TRY_CAST(y AS array<map<string,struct<a:int>>>),
 -1.5e3D + 10L * 3Y - 2S / 1.5BD % 7 DIV 2, 'it''s' || "dq" || r'raw\n' || '\u00e9\t', X'CAFE',
 a IS NOT DISTINCT FROM b, c NOT BETWEEN 1 AND 2, d NOT IN (1, 2), e IN (SELECT 1), NOT EXISTS (SELECT 1),
 f NOT LIKE 'a!%' ESCAPE '!', g ILIKE 'x', h RLIKE '^a', CASE i WHEN 1 THEN 'a' ELSE 'b' END,
 DATE '2026-01-01' + INTERVAL 3 DAYS, TIMESTAMP '2026-01-01 00:00:00' - INTERVAL '1-2' YEAR TO MONTH,
 extract(YEAR FROM d), arr[0].f, m['k'], a <=> b, a & b | c ^ ~d, (SELECT max(x) FROM t) FROM t;
