#!/usr/bin/env bash
# Files smelt's Parquet writer produces are read identically by pyarrow and
# DuckDB (every type, nested ones, NULLs, extremes; several writer options).
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (pyarrow, duckdb) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check "pq_gen writes every variant" "$SMELT_BUILD_DIR/tests/interop/pq_gen" "$dir" 7000 42
for f in "$dir"/*.parquet; do
  for engine in pyarrow duckdb; do
    check "$engine reads $(basename "$f")" "$py" "$SMELT_SOURCE_DIR/tests/interop/pq_compare.py" "$f" "${f%.parquet}.jsonl" "$engine"
  done
done
tier_done
