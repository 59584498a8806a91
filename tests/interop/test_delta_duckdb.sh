#!/usr/bin/env bash
# DuckDB's own Delta reader (the delta extension's delta_scan, delta-kernel
# based) reads the tables smelt writes.  tests/interop/delta_gen builds a
# table partitioned by country over 14 commits (appends, a txn replay, a
# dynamic partition overwrite; a checkpoint at version 10), and:
#   - delta_scan of the latest version gives exactly the rows smelt meant
#     to write (delta_gen's expected.jsonl);
#   - delta_scan of older versions (the log cut after version v: before
#     and after the overwrite, at and after the checkpoint) gives the rows
#     delta-rs reads at version v;
#   - delta_scan of the table with commits 0..9 gone (only the checkpoint
#     to start from) still gives the expected rows.
# The extension comes from the duckdb-extension-delta package that
# scripts/peers/python installs next to the matching DuckDB; it is LOADed by
# path.  A missing extension is a failure, not a skip.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers-duckdb.log) ||
  tier_skip "python peers (duckdb, deltalake) could not be installed: $(tail -1 /tmp/smelt-peers-duckdb.log)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/duckdb_delta.py" <<'PY'
"""duckdb_delta.py MODE ...
  latest TABLE EXPECTED.jsonl   delta_scan rows == expected rows (by id)
  version TABLE_CUT ORIG V      delta_scan of TABLE_CUT == delta-rs of ORIG at V
"""
import datetime
import decimal
import glob
import json
import os
import sys

import duckdb
import duckdb_extension_delta


def norm(v):
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    return v


def duck_rows(path):
    pkg = os.path.dirname(duckdb_extension_delta.__file__)
    ext = glob.glob(os.path.join(pkg, "extensions", "*", "delta.duckdb_extension"))
    if not ext:
        sys.exit("FAIL: no delta.duckdb_extension under " + pkg)
    con = duckdb.connect(config={"allow_unsigned_extensions": "true",
                                 "autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    con.execute("LOAD '%s'" % ext[0].replace("'", "''"))
    cur = con.execute("SELECT * FROM delta_scan('%s')" % path.replace("'", "''"))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, (norm(v) for v in r))) for r in cur.fetchall()]
    print("duckdb %s: %d rows from %s" % (duckdb.__version__, len(rows), os.path.basename(path)))
    return rows


def by_id(rows, keys=None):
    out = {}
    for r in rows:
        out[r["id"]] = {k: r.get(k) for k in (keys or r.keys())}
    return out


def compare(got, want, what):
    diffs = []
    if len(got) != len(want):
        diffs.append("row count: duckdb %d vs %s %d" % (len(got), what, len(want)))
    for k, v in want.items():
        if got.get(k) != v:
            diffs.append("id %s: duckdb %s vs %s %s" % (k, got.get(k), what, v))
        if len(diffs) > 10:
            break
    for d in diffs:
        print("  " + d, file=sys.stderr)
    return not diffs


def main():
    mode = sys.argv[1]
    if mode == "latest":
        path, jpath = sys.argv[2:4]
        rows = duck_rows(path)
        want = {}
        with open(jpath) as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    want[o["id"]] = o
        keys = list(next(iter(want.values())).keys())
        ok = len(rows) == len(want) and compare(by_id(rows, keys), want, "smelt")
    else:
        cut, orig, v = sys.argv[2], sys.argv[3], int(sys.argv[4])
        from deltalake import DeltaTable
        ref = [{k: norm(x) for k, x in r.items()}
               for r in DeltaTable(orig, version=v).to_pyarrow_table().to_pylist()]
        rows = duck_rows(cut)
        ok = len(rows) == len(ref) and len(ref) > 0 and compare(by_id(rows), by_id(ref),
                                                               "delta-rs@%d" % v)
    print("ok" if ok else "DIFFERENT")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if ok else 1)  # skip deltalake's native teardown (see delta_compare.py)


if __name__ == "__main__":
    main()
PY

check "the delta extension ships with the pinned DuckDB" "$py" -c "
import duckdb, duckdb_extension_delta, glob, os
p = glob.glob(os.path.join(os.path.dirname(duckdb_extension_delta.__file__), 'extensions', '*', 'delta.duckdb_extension'))
assert p, 'no delta.duckdb_extension in the package'
duckdb.connect(config={'allow_unsigned_extensions': 'true'}).execute(\"LOAD '%s'\" % p[0])"

check "delta_gen builds the table" bash -c "'$SMELT_BUILD_DIR/tests/interop/delta_gen' '$dir' > '$dir/expected.jsonl' 2>'$dir/gen.log'"
log=$dir/sales/_delta_log
check "the table has 14 commits" test -f "$log/00000000000000000013.json"
check "the checkpoint at version 10 exists" test -f "$log/00000000000000000010.checkpoint.parquet"
check "DuckDB delta_scan reads smelt's latest version" \
  "$py" "$dir/duckdb_delta.py" latest "$dir/sales" "$dir/expected.jsonl"

# Older versions: a copy of the table whose log stops at version v.
for v in 1 4 9 10 11 12; do
  cut=$dir/v$v
  cp -r "$dir/sales" "$cut"
  for f in "$cut"/_delta_log/*; do
    b=$(basename "$f")
    [[ $b =~ ^([0-9]{20})\. ]] || continue
    ((10#${BASH_REMATCH[1]} > v)) && rm -f "$f"
  done
  # _last_checkpoint names version 10: gone with it before that version
  ((v < 10)) && rm -f "$cut/_delta_log/_last_checkpoint"
  check "DuckDB delta_scan at version $v reads what delta-rs reads" \
    "$py" "$dir/duckdb_delta.py" version "$cut" "$dir/sales" "$v"
done

# From smelt's checkpoint alone.
cp -r "$dir/sales" "$dir/from-checkpoint"
rm -f "$dir"/from-checkpoint/_delta_log/0000000000000000000[0-9].json
check "DuckDB delta_scan reads the table from smelt's checkpoint" \
  "$py" "$dir/duckdb_delta.py" latest "$dir/from-checkpoint" "$dir/expected.jsonl"
tier_done
