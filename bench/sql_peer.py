#!/usr/bin/env python3
"""The `sql` benchmark's peer: DuckDB runs the Northwind models (silver
master_ventes, then every gold model) over the same bronze Parquet files
smelt reads, writing Parquet outputs.  Usage: sql_peer.py LAKE OUT_DIR.
Prints one JSON line per step (engine, step, rows, seconds) and a total
one: the wall time from connecting (file lists and views included, like
smelt's whole process) and the process's peak RSS.  The current files of each Delta table come
from replaying its _delta_log (adds minus removes; no checkpoint needed
for these one-commit tables, but checkpoints are not read: refuses them)."""
import json
import os
import resource
import sys
import time
import urllib.parse

import duckdb

lake, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def delta_files(table_dir):
    log = os.path.join(table_dir, "_delta_log")
    names = sorted(n for n in os.listdir(log) if n.endswith(".json"))
    if any(n.endswith(".checkpoint.parquet") for n in os.listdir(log)):
        sys.exit(f"{table_dir}: checkpoints are not read by this script")
    live = {}
    for n in names:
        with open(os.path.join(log, n)) as f:
            for line in f:
                a = json.loads(line)
                if "add" in a:
                    live[a["add"]["path"]] = True
                elif "remove" in a:
                    live.pop(a["remove"]["path"], None)
    return [os.path.join(table_dir, urllib.parse.unquote(p)) for p in live]


TABLES = ["orders", "order_details", "products", "customers", "employees", "categories"]


def views(con):
    for t in TABLES:
        files = delta_files(os.path.join(lake, "bronze", t))
        lst = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE VIEW bronze_{t} AS SELECT * FROM read_parquet([{lst}], hive_partitioning = true)")


# DuckDB 1.5.5 (the version its Delta extension on PyPI pins) fails with an
# internal error when its statistics propagation answers max() of a hive
# partition column; such an error invalidates the database, so probe in a
# throwaway connection and, only if it fails, turn that one optimizer off
# (said on stderr, as it may cost DuckDB a little time).
probe = duckdb.connect()
views(probe)
workaround = False
try:
    probe.execute("SELECT max(_ingestion_date) FROM bronze_order_details").fetchall()
except duckdb.Error as err:
    workaround = True
    print(f"sql_peer: DuckDB {duckdb.__version__}: {str(err).splitlines()[0]}; "
          "running with statistics_propagation disabled", file=sys.stderr)
probe.close()

start = time.perf_counter()
con = duckdb.connect()
if workaround:
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
views(con)

latest = lambda t: f"(SELECT * FROM bronze_{t} WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze_{t}))"
steps = [
    ("silver.master_ventes", f"""
WITH od AS {latest('order_details')}, o AS {latest('orders')}, p AS {latest('products')},
     cat AS {latest('categories')}, c AS {latest('customers')}
SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,
       p.product_name AS produit, cat.category_name AS categorie, od.quantity, od.unit_price,
       round(od.unit_price * od.quantity * (1 - od.discount), 2) AS montant_final
FROM od
LEFT JOIN o ON od.order_id = o.order_id
LEFT JOIN p ON od.product_id = p.product_id
LEFT JOIN cat ON p.category_id = cat.category_id
LEFT JOIN c ON o.customer_id = c.customer_id"""),
    ("gold.revenue_by_category", """
SELECT categorie, sum(montant_final) AS revenue FROM silver_master_ventes
GROUP BY categorie ORDER BY revenue DESC"""),
    ("gold.rfm_analysis", """
SELECT client, max(order_date) AS last_order, count(DISTINCT order_id) AS frequency,
       sum(montant_final) AS monetary,
       CASE WHEN sum(montant_final) > 5000 THEN 'VIP' ELSE 'Standard' END AS segment
FROM silver_master_ventes GROUP BY client"""),
    ("gold.rfm_scores", """
SELECT client, recency_days, frequency, monetary,
       ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
       ntile(5) OVER (ORDER BY frequency) AS f_score,
       ntile(5) OVER (ORDER BY monetary) AS m_score
FROM (SELECT client,
             date_diff('day', max(order_date), (SELECT max(order_date) FROM silver_master_ventes)) AS recency_days,
             count(DISTINCT order_id) AS frequency, sum(montant_final) AS monetary
      FROM silver_master_ventes GROUP BY client) AS rfm"""),
    ("gold.top_countries", """
SELECT pays, sum(montant_final) AS revenue FROM silver_master_ventes
GROUP BY pays ORDER BY revenue DESC LIMIT 10"""),
    ("gold.total_revenue", """
SELECT sum(montant_final) AS total_revenue, count(DISTINCT order_id) AS orders,
       count(DISTINCT client) AS customers FROM silver_master_ventes"""),
]
for name, sql in steps:
    path = os.path.join(out, name + ".parquet")
    t0 = time.perf_counter()
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
    secs = time.perf_counter() - t0
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
    if name == "silver.master_ventes":
        con.execute(f"CREATE VIEW silver_master_ventes AS SELECT * FROM read_parquet('{path}')")
    print(json.dumps({"engine": "duckdb", "step": name, "rows": rows, "seconds": secs}))
    if name == "gold.total_revenue":
        rev = con.execute(f"SELECT total_revenue FROM read_parquet('{path}')").fetchone()[0]
        print(json.dumps({"engine": "duckdb", "check": "total_revenue", "value": rev}))
print(json.dumps({"engine": "duckdb", "step": "total", "seconds": time.perf_counter() - start,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
sys.stdout.flush()
os._exit(0)
