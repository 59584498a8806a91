#!/usr/bin/env bash
# Spark reads the Parquet files smelt writes (every type, nested ones, NULLs,
# extremes; several writer options) exactly as smelt meant them.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
source "$SMELT_SOURCE_DIR/tests/spark/lib.sh"
check "pq_gen writes every variant" bash -c "'$SMELT_BUILD_DIR/tests/interop/pq_gen' '$dir' 3000 42 >/dev/null"
spark "Spark reads every file smelt wrote" parquet "$jars" "$dir"
tier_done
