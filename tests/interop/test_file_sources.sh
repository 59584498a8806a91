#!/usr/bin/env bash
# smelt's CSV and JSON lines readers agree with DuckDB's read_csv and
# read_json on generated files (quotes, embedded line breaks, CRLF, NULLs,
# unicode, nested JSON, missing keys), and CSV → Parquet → back keeps them.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (pyarrow, duckdb) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
dump=$SMELT_BUILD_DIR/tests/interop/files_dump
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for seed in 1 2 3; do
  check "files agree with duckdb (seed $seed)" "$py" "$SMELT_SOURCE_DIR/tests/interop/files_compare.py" "$dump" "$dir" "$seed"
done
tier_done
