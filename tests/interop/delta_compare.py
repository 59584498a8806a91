#!/usr/bin/env python3
"""Reads a Delta table smelt wrote with delta-rs (the `deltalake` package)
and compares its rows with the expected JSON lines.

  delta_compare.py TABLE_DIR EXPECTED.jsonl
"""
import json
import os
import sys

from deltalake import DeltaTable


def main():
    path, jpath = sys.argv[1:3]
    dt = DeltaTable(path)
    rows = dt.to_pyarrow_table().to_pylist()
    got = {}
    for r in rows:
        got[r["id"]] = {
            "id": r["id"],
            "country": r["country"],
            "amount": str(r["amount"]),
            "day": r["day"].isoformat(),
            "note": r["note"],
        }
    with open(jpath) as f:
        want = {}
        for line in f:
            if line.strip():
                o = json.loads(line)
                want[o["id"]] = o
    diffs = []
    if len(rows) != len(want):
        diffs.append(f"row count: delta-rs {len(rows)} vs expected {len(want)}")
    for k, v in want.items():
        if got.get(k) != v:
            diffs.append(f"id {k}: delta-rs {got.get(k)} vs expected {v}")
        if len(diffs) > 10:
            break
    print(f"delta-rs: version {dt.version()}, {len(rows)} rows")
    if diffs:
        for d in diffs:
            print("  " + d, file=sys.stderr)
    else:
        print("ok")
    # deltalake's native runtime sometimes aborts while the interpreter shuts
    # down ("terminate called without an active exception"): the verdict is
    # in, so leave without running that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
