#!/usr/bin/env bash
# A Delta table written by smelt (partitions, appends, an idempotent txn
# replay, a dynamic partition overwrite) reads the same in delta-rs.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (deltalake) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check "delta_gen builds the table" bash -c "'$SMELT_BUILD_DIR/tests/interop/delta_gen' '$dir' > '$dir/expected.jsonl'"
check "delta-rs reads the same rows" "$py" "$SMELT_SOURCE_DIR/tests/interop/delta_compare.py" "$dir/sales" "$dir/expected.jsonl"
# delta-rs must also be able to start from smelt's checkpoint alone
cp -r "$dir/sales" "$dir/from-checkpoint"
rm -f "$dir"/from-checkpoint/_delta_log/0000000000000000000[0-9].json
check "the checkpoint at version 10 exists" test -f "$dir/from-checkpoint/_delta_log/00000000000000000010.checkpoint.parquet"
check "delta-rs reads the table from smelt's checkpoint" "$py" "$SMELT_SOURCE_DIR/tests/interop/delta_compare.py" "$dir/from-checkpoint" "$dir/expected.jsonl"
tier_done
