#!/usr/bin/env python3
"""The reference notebook (shared/SEED.md, phases 1, 2 and 4) on PySpark 4,
writing locally instead of to S3, timed phase by phase — the yardstick of
`scripts/bench reference`.

  notebook.py JARS_DIR OUT_DIR
  (PostgreSQL from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)

Prints JSON lines: {"phase": ..., "seconds": ...} per phase, then one
{"gold": {...}} with total revenue, the top 3 countries and the VIP count.
"""
import datetime as dt
import glob
import json
import os
import sys
import time

T0 = time.time()


def emit(o):
    print(json.dumps(o), flush=True)


def main():
    jars_dir, out = sys.argv[1:3]
    os.environ.setdefault("PYSPARK_PYTHON", os.path.realpath(sys.executable))
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    # Delta, JDBC and Kafka as the notebook loads them; writing locally (not
    # to S3) this benchmark leaves out hadoop-aws's 700 MB AWS SDK bundle,
    # which alone adds ~15 s to Spark's start (spark.jars are copied).
    jars = [j for j in sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
            if not os.path.basename(j).startswith(("bundle-", "hadoop-aws-", "analyticsaccelerator-"))]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("DataLake_Northwind_Reference")
        .config("spark.driver.memory", "1g")
        .config("spark.jars", ",".join(jars))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    emit({"phase": "startup", "seconds": time.time() - T0})

    # Phase 1 — Bronze: JDBC read of the six tables, two technical columns,
    # Parquet (Snappy) per table and day, mode overwrite.
    t = time.time()
    env = os.environ
    url = f"jdbc:postgresql://{env.get('PGHOST', '127.0.0.1')}:{env.get('PGPORT', '5432')}/{env.get('PGDATABASE', 'app')}"
    props = {"user": env.get("PGUSER", "postgres"), "password": env.get("PGPASSWORD", "postgres"),
             "driver": "org.postgresql.Driver"}
    today = dt.date.today().isoformat()
    tables = ["orders", "order_details", "products", "customers", "employees", "categories"]
    for name in tables:
        df = spark.read.jdbc(url=url, table=name, properties=props)
        df = df.withColumn("_ingestion_timestamp", F.current_timestamp()).withColumn("_source", F.lit("postgresql"))
        df.write.mode("overwrite").parquet(f"{out}/bronze/{name}/{today}")
    emit({"phase": "bronze", "seconds": time.time() - t})

    # Phase 2 — Silver: line_total, upper(country), the master view.
    t = time.time()
    b = {n: spark.read.parquet(f"{out}/bronze/{n}/{today}") for n in tables}
    details = b["order_details"].withColumn(
        "line_total", F.round(F.col("unit_price") * F.col("quantity") * (1 - F.col("discount")), 2))
    customers = b["customers"].withColumn("country", F.upper(F.col("country")))
    master = (
        details.join(b["orders"], "order_id", "left")
        .join(b["products"], "product_id", "left")
        .join(b["categories"], "category_id", "left")
        .join(customers, "customer_id", "left")
        .select(
            "order_id", "order_date",
            F.col("company_name").alias("client"),
            F.col("country").alias("pays"),
            F.col("product_name").alias("produit"),
            F.col("category_name").alias("categorie"),
            details["quantity"], details["unit_price"],
            F.col("line_total").alias("montant_final"),
        )
    )
    master.write.mode("overwrite").parquet(f"{out}/silver/master_ventes/{today}")
    emit({"phase": "silver", "seconds": time.time() - t})

    # Phase 4 — Gold: KPIs and the RFM table.
    t = time.time()
    m = spark.read.parquet(f"{out}/silver/master_ventes/{today}")
    total = m.agg(F.sum("montant_final").alias("total")).collect()[0]["total"]
    top3 = m.groupBy("pays").agg(F.sum("montant_final").alias("revenue")).orderBy(F.desc("revenue")).limit(3).collect()
    rfm = m.groupBy("client").agg(
        F.max("order_date").alias("last_order"),
        F.countDistinct("order_id").alias("frequency"),
        F.sum("montant_final").alias("monetary"),
    ).withColumn("segment", F.when(F.col("monetary") > 5000, "VIP").otherwise("Standard"))
    rfm.write.mode("overwrite").parquet(f"{out}/gold/rfm_analysis/{today}")
    segs = {r["segment"]: r["count"] for r in spark.read.parquet(f"{out}/gold/rfm_analysis/{today}").groupBy("segment").count().collect()}
    emit({"phase": "gold", "seconds": time.time() - t})
    emit({"gold": {
        "total_revenue": total,
        "top3": [[r["pays"], r["revenue"]] for r in top3],
        "vip": segs.get("VIP", 0),
        "standard": segs.get("Standard", 0),
    }})
    spark.stop()


if __name__ == "__main__":
    main()
