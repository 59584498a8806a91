#!/usr/bin/env bash
# Expired-log clean-up (delta/cleanup.h) seen by other readers.
# tests/delta/cleanup_gen builds a table of 28 one-row appends with
# delta.checkpointInterval 5 and a log retention of 1 ms: smelt's writer
# checkpoints every 5 commits and deletes the log before the newest
# expired checkpoint.  Then:
#   - the log holds no commit below 20, and a checkpoint at 25;
#   - smelt reads the latest version and version 26, and version 3 fails
#     with "was cleaned up" (cleanup_gen checks with smelt's reader);
#   - delta-rs reads the latest version and version 26 with the same rows,
#     and refuses version 3;
#   - DuckDB's delta extension (delta_scan) reads the latest version.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers-cleanup.log) ||
  tier_skip "python peers (duckdb, deltalake) could not be installed: $(tail -1 /tmp/smelt-peers-cleanup.log)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

check "cleanup_gen builds the table and smelt reads it" \
  bash -c "'$CLEANUP_GEN' '$dir' > '$dir/expected.jsonl' 2> '$dir/gen.err'"
cat "$dir/gen.err"
check "smelt's error for a cleaned-up version says so" grep -q "cleaned up" "$dir/gen.err"
log=$dir/t/_delta_log
check "a checkpoint at version 25" test -f "$log/00000000000000000025.checkpoint.parquet"
check "_last_checkpoint is there" test -f "$log/_last_checkpoint"
old=$(find "$log" -name '000000000000000000[01][0-9].*' | wc -l)
expect_eq "no log file below version 20 is left" "$old" 0
expect_eq "no data file was deleted" "$(find "$dir/t" -maxdepth 1 -name '*.parquet' | wc -l)" 28

cat >"$dir/peers.py" <<'PY'
import glob, json, os, sys
import duckdb, duckdb_extension_delta
from deltalake import DeltaTable

path, jpath = sys.argv[1:3]
want = sorted((json.loads(l)["id"], json.loads(l)["note"]) for l in open(jpath) if l.strip())
problems = []

def rows(tbl):
    return sorted((r["id"], r["note"]) for r in tbl.to_pylist())

got = rows(DeltaTable(path).to_pyarrow_table())
if got != want:
    problems.append("delta-rs latest: %d rows, expected %d" % (len(got), len(want)))
got = rows(DeltaTable(path, version=26).to_pyarrow_table())
if got != want[:27]:
    problems.append("delta-rs version 26: %d rows, expected 27" % len(got))
try:
    DeltaTable(path, version=3).to_pyarrow_table()
    problems.append("delta-rs read version 3, which was cleaned up")
except Exception as ex:
    print("delta-rs on version 3: %s" % str(ex).splitlines()[0])

pkg = os.path.dirname(duckdb_extension_delta.__file__)
ext = glob.glob(os.path.join(pkg, "extensions", "*", "delta.duckdb_extension"))
if not ext:
    problems.append("no delta.duckdb_extension under " + pkg)
else:
    con = duckdb.connect(config={"allow_unsigned_extensions": "true",
                                 "autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    con.execute("LOAD '%s'" % ext[0].replace("'", "''"))
    got = sorted(con.execute("SELECT id, note FROM delta_scan('%s')" % path.replace("'", "''")).fetchall())
    if got != want:
        problems.append("duckdb delta_scan: %d rows, expected %d" % (len(got), len(want)))
for p in problems:
    print("  " + p, file=sys.stderr)
print("ok" if not problems else "DIFFERENT")
sys.stdout.flush()
sys.stderr.flush()
os._exit(0 if not problems else 1)  # skip deltalake's native teardown
PY
check "delta-rs and DuckDB read the cleaned table as smelt wrote it" \
  "$py" "$dir/peers.py" "$dir/t" "$dir/expected.jsonl"
tier_done
