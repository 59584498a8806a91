#!/usr/bin/env python3
"""The reference notebook (shared/SEED.md) on PySpark 4, timed phase by
phase — the yardstick of `scripts/bench reference`.

  notebook.py JARS_DIR OUT [TOPIC START_OFFSET N_EVENTS]

  (PostgreSQL from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)

OUT is a local directory (phases 1, 2, 4 written there) or `s3a:` — then,
as the notebook does, bronze/silver/gold go to s3a://bronze/{table}/{date},
s3a://silver/master_ventes/{date}, s3a://gold/rfm_analysis/{date} on the S3
server of AWS_ENDPOINT_URL (hadoop-aws; AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY).  With TOPIC, phase 3 too, on the broker of
SMELT_KAFKA_BOOTSTRAP: N_EVENTS notebook events are produced to TOPIC (by
Spark's Kafka writer, without the notebook's 0.1 s pauses), then read back
from partition 0's START_OFFSET (the events produced before belong to the
other side of the benchmark) by Structured Streaming, trigger availableNow,
grouped by pays in complete mode into the memory table vue_streaming_pays.

Prints JSON lines: {"phase": ..., "seconds": ...} per phase, then one
{"gold": {...}} with total revenue, the top 3 countries, the segment counts
and (phase 3) the live table and the per-country totals that were sent.
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

    s3 = out == "s3a:"
    # Delta, JDBC, Kafka and (for S3) hadoop-aws with its AWS SDK bundle, as
    # the notebook loads them; writing locally the 700 MB bundle is left
    # out: it alone adds ~15 s to Spark's start (spark.jars are copied).
    jars = [j for j in sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
            if s3 or not os.path.basename(j).startswith(("bundle-", "hadoop-aws-", "analyticsaccelerator-"))]
    b = SparkSession.builder
    if s3:
        env = os.environ
        for k, v in {"endpoint": env["AWS_ENDPOINT_URL"], "access.key": env["AWS_ACCESS_KEY_ID"],
                     "secret.key": env["AWS_SECRET_ACCESS_KEY"], "path.style.access": "true",
                     "connection.ssl.enabled": "false", "endpoint.region": env.get("AWS_REGION", "us-east-1"),
                     "impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}.items():
            b = b.config(f"spark.hadoop.fs.s3a.{k}", v)
    spark = (
        b.master("local[2]")
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

    def path(layer):
        return f"s3a://{layer}" if s3 else f"{out}/{layer}"
    tables = ["orders", "order_details", "products", "customers", "employees", "categories"]
    for name in tables:
        df = spark.read.jdbc(url=url, table=name, properties=props)
        df = df.withColumn("_ingestion_timestamp", F.current_timestamp()).withColumn("_source", F.lit("postgresql"))
        df.write.mode("overwrite").parquet(f"{path('bronze')}/{name}/{today}")
    emit({"phase": "bronze", "seconds": time.time() - t})

    # Phase 2 — Silver: line_total, upper(country), the master view.
    t = time.time()
    b = {n: spark.read.parquet(f"{path('bronze')}/{n}/{today}") for n in tables}
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
    master.write.mode("overwrite").parquet(f"{path('silver')}/master_ventes/{today}")
    emit({"phase": "silver", "seconds": time.time() - t})

    live, sent = None, None
    if len(sys.argv) > 3:
        live, sent = phase3(spark, F, *sys.argv[3:6])

    # Phase 4 — Gold: KPIs and the RFM table.
    t = time.time()
    m = spark.read.parquet(f"{path('silver')}/master_ventes/{today}")
    total = m.agg(F.sum("montant_final").alias("total")).collect()[0]["total"]
    top3 = m.groupBy("pays").agg(F.sum("montant_final").alias("revenue")).orderBy(F.desc("revenue")).limit(3).collect()
    rfm = m.groupBy("client").agg(
        F.max("order_date").alias("last_order"),
        F.countDistinct("order_id").alias("frequency"),
        F.sum("montant_final").alias("monetary"),
    ).withColumn("segment", F.when(F.col("monetary") > 5000, "VIP").otherwise("Standard"))
    rfm.write.mode("overwrite").parquet(f"{path('gold')}/rfm_analysis/{today}")
    segs = {r["segment"]: r["count"] for r in spark.read.parquet(f"{path('gold')}/rfm_analysis/{today}").groupBy("segment").count().collect()}
    emit({"phase": "gold", "seconds": time.time() - t})
    emit({"gold": {
        "total_revenue": total,
        "top3": [[r["pays"], r["revenue"]] for r in top3],
        "vip": segs.get("VIP", 0),
        "standard": segs.get("Standard", 0),
        "live": live,
        "sent": sent,
    }})
    spark.stop()


def phase3(spark, F, topic, start, n):
    """Phase 3: n events produced to topic, then streamed from partition 0's
    offset `start` (availableNow, complete) into vue_streaming_pays.
    Returns (live rows [pays, count, cents], sent rows likewise), sorted."""
    import random
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType
    bootstrap = os.environ["SMELT_KAFKA_BOOTSTRAP"]
    t = time.time()
    rnd = random.Random(20240501)
    events, sent = [], {}
    base = dt.datetime.now(dt.timezone.utc)
    for i in range(int(n)):
        pays = rnd.choice(["FRANCE", "GERMANY", "USA", "UK"])
        montant = round(rnd.uniform(10.0, 100.0), 2)
        ts = (base + dt.timedelta(milliseconds=i)).isoformat()
        events.append((pays, json.dumps({"event_id": int(start) + i + 1, "timestamp": ts, "pays": pays,
                                         "montant": montant, "type": "vente_web"})))
        c, cents = sent.get(pays, (0, 0))
        sent[pays] = (c + 1, cents + round(montant * 100))
    (spark.createDataFrame(events, "key string, value string").write.format("kafka")
     .option("kafka.bootstrap.servers", bootstrap).option("topic", topic).save())
    emit({"phase": "produce", "seconds": time.time() - t})
    t = time.time()
    schema = StructType([StructField("event_id", LongType()), StructField("timestamp", StringType()),
                         StructField("pays", StringType()), StructField("montant", DoubleType()),
                         StructField("type", StringType())])
    q = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap)
         .option("subscribe", topic).option("startingOffsets", json.dumps({topic: {"0": int(start)}}))
         .load()
         .select(F.from_json(F.col("value").cast("string"), schema).alias("d")).select("d.*")
         .groupBy("pays").agg(F.sum("montant").alias("total_ventes_live"),
                              F.count("*").alias("nb_transactions"))
         .writeStream.outputMode("complete").format("memory").queryName("vue_streaming_pays")
         .trigger(availableNow=True).start())
    q.awaitTermination()
    live = sorted([r["pays"], r["nb_transactions"], round(r["total_ventes_live"] * 100)]
                  for r in spark.sql("SELECT * FROM vue_streaming_pays").collect())
    emit({"phase": "stream", "seconds": time.time() - t})
    return live, sorted([p, c, cents] for p, (c, cents) in sent.items())


if __name__ == "__main__":
    main()
