#!/usr/bin/env python3
"""Apache Spark (PySpark + delta-spark, from scripts/peers/spark) as smelt's
peer.  One Spark session per call; every value is compared exactly.

  spark_interop.py parquet JARS DIR
      Spark reads every DIR/*.parquet (tests/interop/pq_gen) and its rows
      must equal DIR/*.jsonl, compared as tests/interop/pq_compare.py does.
  spark_interop.py delta-read JARS EXPECTED.jsonl TABLE...
      Spark + delta-spark read each Delta TABLE smelt wrote
      (tests/interop/delta_gen): same rows as EXPECTED.
  spark_interop.py delta-write JARS OUT
      Spark writes Delta tables under OUT (partitioned, many commits, Spark's
      own checkpoint, INT96 and micros timestamps, timestamp_ntz, decimals,
      a delete and a replaceWhere overwrite) and dumps its own reading of
      each to OUT/<table>.spark.jsonl, normalised (see norm()).
  spark_interop.py compare SPARK.jsonl SMELT.jsonl
      (no Spark) compares smelt's `sql --format json` with Spark's rows.
"""
import datetime as dt
import decimal
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))


def fail(diffs, what):
    print(f"{what}: {len(diffs)} differences", file=sys.stderr)
    for d in diffs[:20]:
        print("  " + d, file=sys.stderr)


def cmd_parquet(jars, d):
    import pq_compare
    from sparklib import session

    spark = session(jars, "smelt-parquet-read")
    bad = 0
    files = sorted(glob.glob(os.path.join(d, "*.parquet")))
    if not files:
        print(f"no parquet files in {d}", file=sys.stderr)
        return 1
    for path in files:
        with open(path[: -len(".parquet")] + ".jsonl") as f:
            want = [json.loads(l, parse_float=decimal.Decimal) for l in f if l.strip()]
        table = spark.read.parquet(path).toArrow()
        rows = table.to_pylist()
        diffs = []
        if len(rows) != len(want):
            diffs.append(f"row count: spark {len(rows)} vs smelt {len(want)}")
        names = [f.name for f in table.schema]
        if want and names != list(want[0].keys()):
            diffs.append(f"columns: spark {names} vs smelt {list(want[0].keys())}")
        for r, (a, j) in enumerate(zip(rows, want)):
            for f in table.schema:
                pq_compare.eq(f.type, a.get(f.name), j.get(f.name), f"row {r} {f.name}", diffs)
            if len(diffs) > 20:
                break
        if diffs:
            fail(diffs, f"spark {path}")
            bad += 1
        else:
            print(f"ok spark {os.path.basename(path)}: {len(rows)} rows")
    spark.stop()
    return 1 if bad else 0


def cmd_delta_read(jars, expected, tables):
    from sparklib import session

    with open(expected) as f:
        want = {}
        for line in f:
            if line.strip():
                o = json.loads(line)
                want[o["id"]] = o
    spark = session(jars, "smelt-delta-read")
    bad = 0
    for t in tables:
        rows = spark.read.format("delta").load(t).collect()
        got = {
            r["id"]: {
                "id": r["id"],
                "country": r["country"],
                "amount": str(r["amount"]),
                "day": r["day"].isoformat(),
                "note": r["note"],
            }
            for r in rows
        }
        diffs = []
        if len(rows) != len(want):
            diffs.append(f"row count: spark {len(rows)} vs expected {len(want)}")
        for k, v in want.items():
            if got.get(k) != v:
                diffs.append(f"id {k}: spark {got.get(k)} vs expected {v}")
            if len(diffs) > 10:
                break
        if diffs:
            fail(diffs, f"spark {t}")
            bad += 1
        else:
            print(f"ok spark {t}: {len(rows)} rows")
    spark.stop()
    return 1 if bad else 0


def norm(v):
    """One text form per value, shared by Spark's rows and smelt's JSON:
    decimals exact, dates ISO, timestamps as µs since the epoch (UTC),
    floats by repr."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, decimal.Decimal):
        return "dec:" + str(v.normalize()) if v != 0 else "dec:0"
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        e = v - dt.datetime(1970, 1, 1)
        return "ts:%d" % ((e.days * 86400 + e.seconds) * 1_000_000 + e.microseconds)
    if isinstance(v, dt.date):
        return "date:" + v.isoformat()
    if isinstance(v, float):
        return "f:" + repr(v)
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


TABLES = {
    # name: (partition columns, outputTimestampType)
    "int96": (["country"], "INT96"),
    "micros": (["day"], "TIMESTAMP_MICROS"),
}


def cmd_delta_write(jars, out):
    from pyspark.sql import functions as F
    from sparklib import session

    spark = session(jars, "smelt-delta-write")
    spark.conf.set("spark.databricks.delta.properties.defaults.enableDeletionVectors", "false")
    spark.conf.set("spark.databricks.delta.writeChecksumFile.enabled", "false")
    countries = ["FRANCE", "GERMANY", "USA", "UK", "Brasil", "日本"]
    for name, (parts, tstype) in TABLES.items():
        spark.conf.set("spark.sql.parquet.outputTimestampType", tstype)
        path = os.path.join(out, name)
        # Spark checkpoints after the 10th commit (only "int96" goes that far:
        # each Spark commit costs seconds)
        for c in range(12 if name == "int96" else 3):
            base = c * 50
            df = spark.range(base, base + 50).select(
                F.col("id"),
                F.element_at(F.array(*[F.lit(x) for x in countries]), (F.col("id") % 6 + 1).cast("int")).alias("country"),
                F.expr("date_add(DATE'2024-02-27', cast(id % 5 as int))").alias("day"),
                F.expr("cast(id * 1.37 - 300 as decimal(10,2))").alias("amount"),
                F.expr("cast(id as decimal(38,10)) / 7").cast("decimal(38,10)").alias("big"),
                F.expr("timestamp_micros(1709000000123456 + id * 3600000001)").alias("ts"),
                F.expr("CASE WHEN id % 9 = 0 THEN NULL ELSE CAST(id AS double) / 3 END").alias("ratio"),
                F.expr("CASE WHEN id % 4 = 0 THEN NULL ELSE concat('note ', id) END").alias("note"),
                F.expr("id % 3 = 0").alias("flag"),
            )
            if name == "micros":
                df = df.withColumn("ntz", F.expr("to_timestamp_ntz(concat('2001-02-03 04:05:06.', lpad(cast(id as string), 6, '0')))"))
            w = df.coalesce(1).write.format("delta").mode("append").partitionBy(*parts)
            if c == 0:
                w = w.option("delta.enableDeletionVectors", "false")
            w.save(path)
        # a delete (files rewritten: remove + add) and a replaceWhere overwrite
        spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 11 = 0")
        first = parts[0]
        val = "'USA'" if first == "country" else "DATE'2024-02-28'"
        spark.read.format("delta").load(path).where(f"{first} = {val}").limit(7) \
            .withColumn("note", F.lit("replaced")).write.format("delta").mode("overwrite") \
            .option("replaceWhere", f"{first} = {val}").save(path + ".tmp")
        spark.read.format("delta").load(path + ".tmp").write.format("delta").mode("overwrite") \
            .option("replaceWhere", f"{first} = {val}").save(path)
        rows = spark.read.format("delta").load(path).collect()
        cols = spark.read.format("delta").load(path).columns
        with open(os.path.join(out, name + ".spark.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps({k: norm(r[k]) for k in cols}, ensure_ascii=False) + "\n")
        ck = glob.glob(os.path.join(path, "_delta_log", "*.checkpoint*.parquet"))
        print(f"spark wrote {name}: {len(rows)} rows, columns {cols}, checkpoints {[os.path.basename(c) for c in ck]}")
    spark.stop()
    return 0


def parse_smelt(v, like):
    """smelt's JSON value → norm() form, guided by Spark's value."""
    if v is None or like is None:
        return v if like is None else None
    if isinstance(like, str):
        if like.startswith("dec:"):
            d = decimal.Decimal(str(v))
            return "dec:" + str(d.normalize()) if d != 0 else "dec:0"
        if like.startswith("date:"):
            return "date:" + str(v)
        if like.startswith("ts:"):
            s = str(v).replace(" ", "T")
            z = s.endswith("Z")
            s = s[:-1] if z else s
            t = dt.datetime.fromisoformat(s)
            if t.tzinfo is not None:
                t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return norm(t)
        if like.startswith("f:"):
            return "f:" + repr(float(v))
    return v


def cmd_compare(spark_jsonl, smelt_jsonl):
    with open(spark_jsonl) as f:
        want = [json.loads(l) for l in f if l.strip()]
    with open(smelt_jsonl) as f:
        got = [json.loads(l, parse_float=decimal.Decimal) for l in f if l.strip()]
    diffs = []
    if len(got) != len(want):
        diffs.append(f"row count: smelt {len(got)} vs spark {len(want)}")
    if want and got and set(got[0]) != set(want[0]):
        diffs.append(f"columns: smelt {sorted(got[0])} vs spark {sorted(want[0])}")
    w = {r["id"]: r for r in want}
    for g in got:
        s = w.get(int(g["id"]))
        if s is None:
            diffs.append(f"id {g['id']}: not in spark's rows")
            continue
        for k, sv in s.items():
            gv = parse_smelt(g.get(k), sv)
            if k == "id":
                gv = int(gv)
            if gv != sv:
                diffs.append(f"id {g['id']} {k}: smelt {g.get(k)!r} vs spark {sv!r}")
        if len(diffs) > 20:
            break
    if diffs:
        fail(diffs, f"smelt {smelt_jsonl}")
        return 1
    print(f"ok smelt reads {os.path.basename(spark_jsonl)}: {len(got)} rows")
    return 0


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "parquet":
        return cmd_parquet(a[0], a[1])
    if cmd == "delta-read":
        return cmd_delta_read(a[0], a[1], a[2:])
    if cmd == "delta-write":
        return cmd_delta_write(a[0], a[1])
    if cmd == "compare":
        return cmd_compare(a[0], a[1])
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main())
