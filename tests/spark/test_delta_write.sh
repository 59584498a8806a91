#!/usr/bin/env bash
# smelt reads the Delta tables Spark writes (partitioned, many commits,
# Spark's own checkpoint after 10 commits, INT96 and micros timestamps,
# timestamp_ntz, decimals, a delete and a replaceWhere overwrite) with the
# same rows as Spark's own reading — also from Spark's checkpoint alone.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
source "$SMELT_SOURCE_DIR/tests/spark/lib.sh"
spark "Spark writes the tables" delta-write "$jars" "$dir"
check "Spark wrote its checkpoint at version 10" test -f "$dir/int96/_delta_log/00000000000000000010.checkpoint.parquet"
cp -r "$dir/int96" "$dir/int96-checkpoint"
rm -f "$dir"/int96-checkpoint/_delta_log/0000000000000000000[0-9].json
cp "$dir/int96.spark.jsonl" "$dir/int96-checkpoint.spark.jsonl"
for t in int96 int96-checkpoint micros; do
  check "smelt reads Spark's $t table" bash -c \
    "'$SMELT_BIN' sql --format json 'SELECT * FROM delta.\`$dir/$t\`' > '$dir/$t.smelt.jsonl'"
  check "smelt's rows of $t equal Spark's" "$py" "$SMELT_SOURCE_DIR/tests/spark/spark_interop.py" compare \
    "$dir/$t.spark.jsonl" "$dir/$t.smelt.jsonl"
done
tier_done
