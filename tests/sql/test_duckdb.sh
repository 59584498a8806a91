#!/usr/bin/env bash
# Differential test: random tables (written as Delta by smelt) and random
# queries (filters, joins, GROUP BY, ORDER BY/LIMIT, subqueries, windows,
# set operations) give the same results in smelt and in DuckDB reading the
# same Parquet files.  Several seeds.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (duckdb) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
dir=$(mktemp -d /tmp/smelt-sqldiff-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for seed in 1 2 3 4 5; do
  mkdir -p "$dir/lake$seed"
  check "smelt and DuckDB agree (seed $seed)" "$py" "$SMELT_SOURCE_DIR/tests/sql/duckdb_diff.py" \
    "$SMELT_BUILD_DIR/tests/sql/sql_run" "$dir/lake$seed" "$seed" 120
done
tier_done
