#!/usr/bin/env bash
# Corpus tier: every Parquet file of apache/parquet-testing and of the Delta
# test tables read by smelt (tests/corpus/pq_dump) and compared with
# pyarrow, against the outcomes listed in parquet_expected*.txt.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/tier.sh"

shared=$(shared_dir) || tier_skip "no shared data folder (../shared/data)"
testing="$shared/data/parquet-testing"
delta="$shared/data/delta-tables"
[[ -d $testing ]] || tier_skip "no $testing"
dump=${PQ_DUMP:-${SMELT_BUILD_DIR:-.}/tests/pq_dump}
[[ -x $dump ]] || tier_skip "pq_dump not built ($dump)"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/dev/null | tail -n 1) || py=""
[[ -n $py && -x $py ]] && "$py" -c "import pyarrow" 2>/dev/null || tier_skip "no python with pyarrow"

# Default batches, and tiny ones so that batches split pages and records.
check "parquet-testing corpus" "$py" "$here/pq_compare.py" "$dump" "$testing" \
  "$here/parquet_expected.txt" --batch 0 --batch 3
if [[ -d $delta ]]; then
  check "delta-tables Parquet files" "$py" "$here/pq_compare.py" "$dump" "$delta" \
    "$here/parquet_expected_delta.txt"
fi
tier_done
