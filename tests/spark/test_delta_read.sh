#!/usr/bin/env bash
# Spark + delta-spark read a Delta table smelt wrote (partitions, appends, an
# idempotent txn replay, a dynamic partition overwrite, a checkpoint at
# version 10) with the same rows — also when starting from the checkpoint alone.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
source "$SMELT_SOURCE_DIR/tests/spark/lib.sh"
check "delta_gen builds the table" bash -c "'$SMELT_BUILD_DIR/tests/interop/delta_gen' '$dir' > '$dir/expected.jsonl' 2>/dev/null"
cp -r "$dir/sales" "$dir/from-checkpoint"
rm -f "$dir"/from-checkpoint/_delta_log/0000000000000000000[0-9].json
check "the checkpoint at version 10 exists" test -f "$dir/from-checkpoint/_delta_log/00000000000000000010.checkpoint.parquet"
spark "Spark reads smelt's table, from the log and from the checkpoint alone" \
  delta-read "$jars" "$dir/expected.jsonl" "$dir/sales" "$dir/from-checkpoint"
tier_done
