#!/usr/bin/env python3
"""The `sql` benchmark's Spark peer: Spark 4 local[2] runs the Northwind
models (bench/northwind_sql.py, the SQL DuckDB runs too) over the same
bronze Parquet files smelt reads, writing Parquet outputs.
Usage: sql_spark.py LAKE OUT_DIR (run with the Spark venv's python).
Prints one JSON line per step (engine, step, rows, seconds) and a total
one: the wall time from the session's start (JVM included, like smelt's
whole process) and the peak RSS of the whole process tree (python + JVM).
Spark gets the machine's two cores, a 2 GiB driver and 2 shuffle
partitions (its default of 200 only slows it down here)."""
import json
import os
import sys
import time

T0 = time.perf_counter()
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from deltalog import delta_files  # noqa: E402
from northwind_sql import steps as northwind_steps  # noqa: E402
from procmon import PeakRss  # noqa: E402

TABLES = ["orders", "order_details", "products", "customers", "employees", "categories"]


def main():
    lake, out = sys.argv[1], sys.argv[2]
    os.environ.setdefault("PYSPARK_PYTHON", os.path.realpath(sys.executable))
    mon = PeakRss(os.getpid())
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("northwind_models")
             .config("spark.driver.memory", "2g")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for t in TABLES:
        d = os.path.join(lake, "bronze", t)
        spark.read.option("basePath", d).parquet(*delta_files(d)).createOrReplaceTempView(f"bronze_{t}")
    for name, sql in northwind_steps(lambda a, b: f"datediff({b}, {a})"):
        path = os.path.join(out, name)
        t0 = time.perf_counter()
        spark.sql(sql).write.mode("overwrite").option("compression", "snappy").parquet(path)
        secs = time.perf_counter() - t0
        df = spark.read.parquet(path)
        if name == "silver.master_ventes":
            df.createOrReplaceTempView("silver_master_ventes")
        print(json.dumps({"engine": "spark", "step": name, "rows": df.count(), "seconds": secs}), flush=True)
        if name == "gold.total_revenue":
            rev = df.collect()[0]["total_revenue"]
            print(json.dumps({"engine": "spark", "check": "total_revenue", "value": rev}), flush=True)
    spark.stop()
    print(json.dumps({"engine": "spark", "step": "total", "seconds": time.perf_counter() - T0,
                      "peak_rss_kb": mon.stop()}), flush=True)


if __name__ == "__main__":
    main()
