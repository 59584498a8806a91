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
# internal error when its statistics propagation reads statistics of a
# Parquet row group (seen on max() of a hive partition column, and on the
# silver join at scale 10000); such an error invalidates the database.  So
# the steps run as they are, and only if DuckDB fails that way do they run
# again from the start, timed afresh, with that one optimizer off (said on
# stderr, as it may cost DuckDB a little time).
from northwind_sql import steps as northwind_steps  # noqa: E402

steps = northwind_steps(lambda a, b: f"date_diff('day', {a}, {b})")


def run(workaround):
    """Every step; returns the JSON lines to print (nothing is printed
    before the whole run has succeeded)."""
    lines = []
    start = time.perf_counter()
    con = duckdb.connect()
    if workaround:
        con.execute("SET disabled_optimizers = 'statistics_propagation'")
    views(con)
    for name, sql in steps:
        path = os.path.join(out, name + ".parquet")
        t0 = time.perf_counter()
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
        secs = time.perf_counter() - t0
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        if name == "silver.master_ventes":
            con.execute(f"CREATE VIEW silver_master_ventes AS SELECT * FROM read_parquet('{path}')")
        lines.append({"engine": "duckdb", "step": name, "rows": rows, "seconds": secs})
        if name == "gold.total_revenue":
            rev = con.execute(f"SELECT total_revenue FROM read_parquet('{path}')").fetchone()[0]
            lines.append({"engine": "duckdb", "check": "total_revenue", "value": rev})
    lines.append({"engine": "duckdb", "step": "total", "seconds": time.perf_counter() - start,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
    con.close()
    return lines


try:
    result = run(False)
except duckdb.InternalException as err:
    print(f"sql_peer: DuckDB {duckdb.__version__}: {str(err).splitlines()[0]}; "
          "running again with statistics_propagation disabled", file=sys.stderr)
    result = run(True)
for line in result:
    print(json.dumps(line))
sys.stdout.flush()
os._exit(0)
