#!/usr/bin/env bash
# Files other writers produce are read by smelt with the values pyarrow
# reads: pyarrow with a matrix of options (format versions, page v1/v2,
# dictionary on/off, every codec, DELTA_* and BYTE_STREAM_SPLIT encodings,
# tiny pages and row groups, no statistics, INT96, legacy nesting, page
# indexes and bloom filters) and DuckDB with its codecs, row group sizes and
# nested types; TIME and INTERVAL columns are refused with a clear error.
# The files and their expected outcomes come from pq_peers_gen.py; the
# comparison is the corpus tier's (tests/corpus/pq_compare.py, pq_dump).
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (pyarrow, duckdb) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
dump=${1:-${PQ_DUMP:-$SMELT_BUILD_DIR/tests/pq_dump}} # argument: the pq_dump binary
[[ -x $dump ]] || { echo "FAIL: pq_dump not built ($dump)" >&2; exit 1; }
gen="$SMELT_SOURCE_DIR/tests/interop/pq_peers_gen.py"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check "pyarrow and DuckDB write the files" "$py" "$gen" gen "$dir"
# default batches, and small ones that split pages and records
check "smelt reads every file as pyarrow does" "$py" "$gen" compare "$dump" "$dir" --batch 0 --batch 7
tier_done
