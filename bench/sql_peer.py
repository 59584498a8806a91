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

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deltalog import delta_files  # noqa: E402

lake, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


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

from northwind_sql import steps as northwind_steps  # noqa: E402

steps = northwind_steps(lambda a, b: f"date_diff('day', {a}, {b})")
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
