"""Differential test: random tables and random queries, run by smelt's SQL
engine (through tests/sql/sql_run) and by DuckDB over the same Parquet
files; the results must agree (as multisets, or in order when the query
has a total ORDER BY), numbers within a relative tolerance.

Spark vs DuckDB differences kept out of the generated SQL:
  - NULL ordering: every ORDER BY key says NULLS FIRST / NULLS LAST
    (Spark's default is NULLS FIRST for ASC, DuckDB's NULLS LAST);
  - integer `/` (Spark: double; old DuckDB: integer) is not generated;
  - empty strings are not generated (CSV cannot tell them from NULL);
  - sum of ints is bigint in Spark, hugeint in DuckDB: compared as numbers.

usage: duckdb_diff.py SQL_RUN LAKE SEED QUERIES
"""
import csv
import io
import math
import random
import subprocess
import sys

import duckdb

sqlrun, lake, seed, nqueries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
STRS = ["a", "b", "c", "dd", "e f", "Zed"]


def maybe_null(f, p=0.1):
    return "NULL" if rng.random() < p else f()


def make_table(name, nrows, cols):
    rows = []
    for i in range(nrows):
        vals = [str(i)]
        for kind in cols:
            if kind == "key":
                vals.append(maybe_null(lambda: str(rng.randint(0, 9))))
            elif kind == "int":
                vals.append(maybe_null(lambda: str(rng.randint(-5, 20))))
            elif kind == "str":
                vals.append(maybe_null(lambda: "'%s'" % rng.choice(STRS)))
            elif kind == "dbl":
                vals.append(maybe_null(lambda: "%.3fD" % rng.uniform(-100, 100)))
        rows.append("(" + ", ".join(vals) + ")")
    names = ["id"] + [c for c in COLNAMES[name]]
    sql = "CREATE TABLE %s AS SELECT * FROM VALUES %s AS v(%s)" % (name, ", ".join(rows), ", ".join(names))
    subprocess.run([sqlrun, lake, "-e", sql], check=True, stdout=subprocess.DEVNULL)


COLNAMES = {"t1": ["k", "a", "s", "x"], "t2": ["k", "b", "s"]}
make_table("t1", 300, ["key", "int", "str", "dbl"])
make_table("t2", 120, ["key", "int", "str"])
t0_cut = 0 if rng.random() < 0.5 else 5  # t0: empty, or a few rows of t2
subprocess.run([sqlrun, lake, "-e", "CREATE TABLE t0 AS SELECT * FROM t2 WHERE id < %d" % t0_cut],
               check=True, stdout=subprocess.DEVNULL)

con = duckdb.connect()
for t in ["t1", "t2"]:
    con.execute("CREATE VIEW %s AS SELECT * FROM read_parquet('%s/default/%s/*.parquet')" % (t, lake, t))
con.execute("CREATE VIEW t0 AS SELECT * FROM t2 WHERE id < %d" % t0_cut)


def num():
    return str(rng.randint(-3, 15))


def pred(t="t1", depth=0):
    q = t + "."
    atoms = [
        lambda: "%sk = %d" % (q, rng.randint(0, 9)),
        lambda: "%sk <> %d" % (q, rng.randint(0, 9)),
        lambda: "%ss = '%s'" % (q, rng.choice(STRS)),
        lambda: "%ss IN ('%s', '%s')" % (q, rng.choice(STRS), rng.choice(STRS)),
        lambda: "%ss IS NULL" % q,
        lambda: "%sk IS NOT NULL" % q,
        lambda: "%sid < %d" % (q, rng.randint(0, 300)),
        lambda: "%sid BETWEEN %d AND %d" % (q, rng.randint(0, 100), rng.randint(100, 300)),
        lambda: "%ss LIKE '%s%%'" % (q, rng.choice("abdeZ")),
    ]
    if t == "t1":
        atoms += [
            lambda: "t1.a > %s" % num(),
            lambda: "t1.a <= %s" % num(),
            lambda: "t1.a IS NULL",
            lambda: "t1.x < %d.5" % rng.randint(-100, 100),
            lambda: "NOT (t1.a < %s)" % num(),
            lambda: "t1.a + t1.k > %s" % num(),
        ]
    else:
        atoms += [lambda: "t2.b > %s" % num(), lambda: "t2.b IS NOT NULL"]
    if depth < 2 and rng.random() < 0.4:
        op = rng.choice(["AND", "OR"])
        return "(%s %s %s)" % (pred(t, depth + 1), op, pred(t, depth + 1))
    return rng.choice(atoms)()


def q_filter():
    cols = rng.sample(["t1.id", "t1.k", "t1.a", "t1.s", "t1.x"], rng.randint(1, 4))
    return "SELECT %s FROM t1 WHERE %s" % (", ".join(cols), pred()), False


def q_project():
    exprs = rng.sample([
        "t1.a + t1.k", "t1.a * 2 - 1", "coalesce(t1.a, 0)", "CASE WHEN t1.a > 5 THEN 'hi' WHEN t1.a IS NULL THEN 'none' ELSE 'lo' END",
        "upper(t1.s)", "length(t1.s)", "abs(t1.a)", "t1.x * 2", "t1.a % 3", "t1.s || 'x'", "t1.k = t1.a",
        "-t1.a", "t1.a BETWEEN 1 AND 5",
    ], rng.randint(1, 5))
    return "SELECT t1.id, %s FROM t1" % ", ".join(exprs), False


def q_group():
    aggs = rng.sample(["count(*)", "sum(t1.a)", "min(t1.s)", "max(t1.x)", "avg(t1.a)", "count(DISTINCT t1.s)",
                       "count(t1.a)", "max(t1.a) - min(t1.a)", "sum(t1.x)"], rng.randint(1, 4))
    key = rng.choice(["t1.k", "t1.s", "t1.k, t1.s", "t1.a % 3"])
    where = " WHERE " + pred() if rng.random() < 0.5 else ""
    having = " HAVING count(*) > %d" % rng.randint(0, 10) if rng.random() < 0.3 else ""
    return "SELECT %s, %s FROM t1%s GROUP BY %s%s" % (key, ", ".join(aggs), where, key, having), False


def q_join():
    kind = rng.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
    right = rng.choice(["t2", "t0"])
    extra = " AND %s.b > %s" % (right, num()) if rng.random() < 0.3 else ""
    where = " WHERE " + pred() if rng.random() < 0.4 and kind in ("JOIN", "LEFT JOIN") else ""
    return ("SELECT t1.id, t1.a, %s.id, %s.b, %s.s, upper(%s.s) FROM t1 %s %s ON t1.k = %s.k%s%s"
            % (right, right, right, right, kind, right, right, extra, where)), False


def q_join_agg():
    return ("SELECT t2.s, count(*), sum(t1.a), max(t2.b) FROM t1 JOIN t2 ON t1.k = t2.k GROUP BY t2.s"), False


def q_order():
    keys = rng.sample(["t1.k", "t1.a", "t1.s", "t1.x"], rng.randint(1, 3))
    parts = ["%s %s NULLS %s" % (k, rng.choice(["ASC", "DESC"]), rng.choice(["FIRST", "LAST"])) for k in keys]
    limit = " LIMIT %d" % rng.randint(0, 40) if rng.random() < 0.7 else ""
    offset = " OFFSET %d" % rng.randint(0, 10) if limit and rng.random() < 0.3 else ""
    return "SELECT t1.id, %s FROM t1 ORDER BY %s, t1.id%s%s" % (", ".join(keys), ", ".join(parts), limit, offset), True


def q_subquery():
    c = rng.choice([
        "t1.k IN (SELECT t2.k FROM t2 WHERE %s)" % pred("t2"),
        "t1.k NOT IN (SELECT t2.k FROM t2 WHERE t2.k IS NOT NULL AND %s)" % pred("t2"),
        "EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k AND %s)" % pred("t2"),
        "NOT EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k)",
        "t1.a > (SELECT avg(t2.b) FROM t2)",
        "t1.a > (SELECT avg(t2.b) FROM t2 WHERE t2.k = t1.k)",
        "(SELECT count(*) FROM t2 WHERE t2.k = t1.k AND %s) > 1" % pred("t2"),
    ])
    if rng.random() < 0.3:
        return ("SELECT t1.id, (SELECT max(t2.b) FROM t2 WHERE t2.k = t1.k), "
                "(SELECT count(*) FROM t2 WHERE t2.s = t1.s) FROM t1"), False
    return "SELECT t1.id, t1.k FROM t1 WHERE %s" % c, False


def q_window():
    f = rng.choice(["row_number() OVER (PARTITION BY t1.k ORDER BY t1.id)",
                    "sum(t1.a) OVER (PARTITION BY t1.k)",
                    "rank() OVER (ORDER BY t1.k NULLS FIRST)",
                    "sum(t1.a) OVER (PARTITION BY t1.s ORDER BY t1.id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
                    "lag(t1.a) OVER (PARTITION BY t1.k ORDER BY t1.id)",
                    "count(*) OVER (PARTITION BY t1.k, t1.s)"])
    return "SELECT t1.id, %s FROM t1" % f, False


def q_setop():
    op = rng.choice(["UNION ALL", "UNION", "INTERSECT", "EXCEPT"])
    return "SELECT t1.k, t1.s FROM t1 WHERE %s %s SELECT t2.k, t2.s FROM t2 WHERE %s" % (pred(), op, pred("t2")), False


def q_distinct_cte():
    return ("WITH c AS (SELECT t1.k AS k, t1.s AS s FROM t1 WHERE %s) SELECT DISTINCT c.k, c.s FROM c" % pred()), False


GENS = [q_filter, q_project, q_group, q_join, q_join_agg, q_order, q_subquery, q_window, q_setop, q_distinct_cte]
queries = [rng.choice(GENS)() for _ in range(nqueries)]
with open(lake + "/queries.sql", "w") as f:
    for q, _ in queries:
        f.write(q + "\n")
out = subprocess.run([sqlrun, lake, "-q", lake + "/queries.sql"], check=True, capture_output=True, text=True).stdout

# split smelt's output per query
results, cur, err = [], None, None
if out.endswith("\n"):
    out = out[:-1]
for line in out.split("\n"):
    if line.startswith("### "):
        if cur is not None:
            results.append((cur, err))
        rest = line[4:].split(" ", 1)
        cur, err = [], (rest[1][6:] if len(rest) > 1 else None)
    elif cur is not None:
        cur.append(line)  # an empty line is a row of one NULL
if cur is not None:
    results.append((cur, err))


def norm(v):
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        pass
    return str(v)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return str(a) == str(b)


def key(row):
    return tuple((0, "") if v is None else (1, "%.6g" % v) if isinstance(v, float) else (2, v) for v in row)


failed = 0
for i, ((q, ordered), (lines, err)) in enumerate(zip(queries, results)):
    try:
        want = [tuple(norm(v) for v in r) for r in con.execute(q).fetchall()]
    except Exception as ex:  # DuckDB refused: skip
        print("duckdb refused query %d: %s" % (i, ex))
        continue
    if err:
        print("FAIL %d: smelt error: %s\n  %s" % (i, err, q))
        failed += 1
        continue
    got = [tuple(norm(v) for v in (next(csv.reader([ln]), None) or [""])) for ln in lines]
    if not ordered:
        got.sort(key=key)
        want.sort(key=key)
    ok = len(got) == len(want) and all(len(g) == len(w) and all(same(x, y) for x, y in zip(g, w))
                                       for g, w in zip(got, want))
    if not ok:
        failed += 1
        print("FAIL %d: %s\n  smelt  (%d rows): %s\n  duckdb (%d rows): %s"
              % (i, q, len(got), got[:8], len(want), want[:8]))
print("duckdb-diff: %d passed, %d failed" % (len(queries) - failed, failed))
sys.exit(1 if failed else 0)
