#!/usr/bin/env python3
"""The reference's streaming phase (SEED.md phase 3) on Spark 4 Structured
Streaming, for `scripts/bench stream`.  Prints JSON lines.

  spark_stream.py JARS_DIR BOOTSTRAP TOPIC throughput
      The reference query as written: the topic from the earliest offset,
      value parsed with the event schema, GROUP BY pays with
      sum(montant) AS total_ventes_live and count(*) AS nb_transactions,
      output mode complete, trigger availableNow, memory sink
      vue_streaming_pays.  Prints {"events", "seconds", "totals"} where
      seconds runs from start() to the end of awaitTermination() (the JVM's
      start is reported apart, as "startup").

  spark_stream.py JARS_DIR BOOTSTRAP TOPIC latency STOP_FILE EXPECTED
      End-to-end latency: the same query from the latest offset, batches
      back to back (processingTime 0).  Prints {"ready": true} once the
      query runs; after STOP_FILE appears and EXPECTED events are counted,
      {"events", "batches": [[start offset, end offset, finished ms]],
      "totals"}: an event's latency is its batch's finish time minus its
      `timestamp` (the producer's wall clock, same machine).

Spark runs local[2] (the machine's two cores) with 2 shuffle partitions
instead of the default 200, which only helps it on a stream this size.
"""
import glob
import json
import os
import sys
import time

T0 = time.time()


def emit(o):
    print(json.dumps(o), flush=True)


def session(jars_dir):
    os.environ.setdefault("PYSPARK_PYTHON", os.path.realpath(sys.executable))
    from pyspark.sql import SparkSession
    want = ("spark-sql-kafka-", "spark-token-provider-kafka-", "kafka-clients-", "commons-pool2-")
    jars = [j for j in sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
            if os.path.basename(j).startswith(want)]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("ventes_streaming_reference")
        .config("spark.driver.memory", "1g")
        .config("spark.jars", ",".join(jars))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def events(spark, bootstrap, topic, start):
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType
    schema = StructType([
        StructField("event_id", LongType()),
        StructField("timestamp", StringType()),
        StructField("pays", StringType()),
        StructField("montant", DoubleType()),
        StructField("type", StringType()),
    ])
    raw = (spark.readStream.format("kafka")
           .option("kafka.bootstrap.servers", bootstrap)
           .option("subscribe", topic)
           .option("startingOffsets", start)
           .load())
    return raw.select(F.from_json(F.col("value").cast("string"), schema).alias("d")).select("d.*")


def reference_agg(df):
    from pyspark.sql import functions as F
    return df.groupBy("pays").agg(F.sum("montant").alias("total_ventes_live"),
                                  F.count("*").alias("nb_transactions"))


def throughput(spark, bootstrap, topic):
    q = (reference_agg(events(spark, bootstrap, topic, "earliest")).writeStream
         .outputMode("complete").format("memory").queryName("vue_streaming_pays")
         .trigger(availableNow=True))
    t = time.time()
    run = q.start()
    run.awaitTermination()
    secs = time.time() - t
    rows = spark.sql("SELECT * FROM vue_streaming_pays").collect()
    totals = {r["pays"]: [r["nb_transactions"], round(r["total_ventes_live"] * 100)] for r in rows}
    emit({"events": sum(v[0] for v in totals.values()), "seconds": secs, "totals": totals})


def latency(spark, bootstrap, topic, stop_file, expected):
    """The reference query unchanged (complete mode, memory sink), batches
    back to back.  Spark does not expose when each event was counted, but
    every progress report gives a batch's Kafka offset range and when it
    finished (start timestamp + triggerExecution): the caller matches
    those ranges with the events' own timestamps (read with kcat)."""
    import datetime as dt
    q = (reference_agg(events(spark, bootstrap, topic, "latest")).writeStream
         .outputMode("complete").format("memory").queryName("vue_streaming_pays")
         .trigger(processingTime="0 seconds").start())
    deadline = time.time() + 120
    while q.lastProgress is None and time.time() < deadline:
        time.sleep(0.1)
    emit({"ready": True})
    while not os.path.exists(stop_file):
        time.sleep(0.1)
    deadline, total = time.time() + 300, 0
    while time.time() < deadline:
        total = spark.sql("SELECT coalesce(sum(nb_transactions), 0) AS n FROM vue_streaming_pays").collect()[0]["n"]
        if total >= expected:
            break
        time.sleep(0.2)
    q.stop()
    batches = []
    for p in q.recentProgress:
        p = json.loads(p.json) if hasattr(p, "json") else p
        if not p.get("numInputRows") or not p.get("sources"):
            continue
        src = p["sources"][0]
        lo = json.loads(src["startOffset"]) if isinstance(src["startOffset"], str) else src["startOffset"]
        hi = json.loads(src["endOffset"]) if isinstance(src["endOffset"], str) else src["endOffset"]
        t = dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")).timestamp() * 1000.0
        done = t + p["durationMs"]["triggerExecution"]
        batches.append([lo[topic]["0"], hi[topic]["0"], done])
    rows = spark.sql("SELECT * FROM vue_streaming_pays").collect()
    emit({"events": total, "batches": batches,
          "totals": {r["pays"]: [r["nb_transactions"], round(r["total_ventes_live"] * 100)] for r in rows}})


def main():
    jars_dir, bootstrap, topic, mode = sys.argv[1:5]
    spark = session(jars_dir)
    emit({"startup": time.time() - T0})
    if mode == "throughput":
        throughput(spark, bootstrap, topic)
    else:
        latency(spark, bootstrap, topic, sys.argv[5], int(sys.argv[6]))
    spark.stop()


if __name__ == "__main__":
    main()
