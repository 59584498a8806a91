#!/usr/bin/env python3
"""Compares smelt's Delta reader (tests/delta/delta_dump) with delta-rs
(the `deltalake` package) over a corpus of Delta tables.

usage: delta_compare.py DELTA_DUMP CORPUS_DIR EXPECTED_LIST [--only NAME]

Every folder under CORPUS_DIR holding a `_delta_log/` is a table (nested
folders such as golden/<name> included) and must be named in
EXPECTED_LIST, one per line:
    <table path relative to CORPUS_DIR>  ok
    <table>  files: <why the rows cannot be compared>
    <table>  refused: <substring of smelt's error>
    <table>  unverified: <why delta-rs cannot check it>
`ok`: the version, the live files and the rows (as a multiset, in the
canonical rendering of tests/corpus/pq_compare.py) equal delta-rs's.
`files`: the corpus holds the log but not the data files: the version and
the live file list equal delta-rs's.  `refused`: delta_dump fails cleanly
with a message containing the substring.  `unverified`: smelt reads the
table but delta-rs cannot.  A crash, a difference or a table missing from
the list is a failure.  Prints one line per failure and a summary; exit
status 1 on any failure.
"""
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
from pq_compare import canon, map_type  # noqa: E402  (shared canonical rendering)

from deltalake import DeltaTable  # noqa: E402


def norm(v):
    """Numbers compare by value: integral floats become ints."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def key(row):
    return json.dumps(norm(row), sort_keys=True)


def deltars_rows(dt):
    table = dt.to_pyarrow_table()
    cols = []
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        mapped = col.cast(map_type(t), safe=False) if map_type(t) != t else col
        cols.append((name, t, mapped.to_pylist()))
    return [{name: canon(t, vals[i]) for name, t, vals in cols} for i in range(table.num_rows)]


def deltars_files(dt, path):
    # delta-rs may resolve symbolic links in the table path: strip either form
    roots = {os.path.abspath(path).rstrip("/") + "/", os.path.realpath(path).rstrip("/") + "/"}
    out = []
    for uri in dt.file_uris():
        if uri.startswith("file://"):
            uri = urllib.parse.unquote(uri[len("file://"):])
        for root in roots:
            if uri.startswith(root):
                uri = uri[len(root):]
                break
        out.append(uri)
    return sorted(out)


def run(args):
    p = subprocess.run(args, capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "replace")


def check_table(dump, path, expect):
    """None when the outcome matches expect, else the reason."""
    rc, out, err = run([dump, "--files", path])
    if rc not in (0, 1) or "Sanitizer" in err or "runtime error" in err:
        return f"crashed (exit {rc}): {err.strip()[:600]}"
    msg = err.strip().splitlines()[-1] if err.strip() else ""
    if expect.startswith("refused:"):
        want = expect[len("refused:"):].strip()
        if rc == 0:
            rc, _, err = run([dump, path])  # the log may load and the data not
            msg = err.strip().splitlines()[-1] if err.strip() else ""
            if rc == 0:
                return "read fine, but the list says " + expect
        if want not in msg:
            return f"refused with {msg!r}, expected a message containing {want!r}"
        return None
    if rc:
        return f"refused: {msg}"
    lines = out.splitlines()
    version = int(lines[0].split()[1])
    files = sorted(lines[1:])
    if expect.startswith("unverified"):
        rc, _, err = run([dump, path])
        if rc:
            return f"rows refused: {err.strip()[-300:]}"
        try:  # the log at least, when delta-rs loads it
            dt = DeltaTable(path)
            theirs = (dt.version(), deltars_files(dt, path))
        except Exception:  # noqa: BLE001
            return None
        if theirs != (version, files):
            return f"version/files differ from delta-rs: {version} vs {theirs[0]}"
        return None
    try:
        dt = DeltaTable(path)
    except Exception as ex:  # noqa: BLE001 - any delta-rs failure
        return f"delta-rs cannot load it ({str(ex)[:200]}); mark it unverified or fix the list"
    if dt.version() != version:
        return f"version {version} vs delta-rs {dt.version()}"
    theirs = deltars_files(dt, path)
    if files != theirs:
        return f"live files differ: {sorted(set(files) ^ set(theirs))[:5]}"
    if expect.startswith("files"):
        return None
    rc, out, err = run([dump, path])
    if rc:
        return f"rows refused: {err.strip()[-300:]}"
    ours = sorted(key(json.loads(line)) for line in out.splitlines())
    try:
        rows = sorted(key(r) for r in deltars_rows(dt))
    except Exception as ex:  # noqa: BLE001
        return f"delta-rs cannot read the rows ({str(ex)[:200]})"
    if len(ours) != len(rows):
        return f"{len(ours)} rows vs delta-rs {len(rows)}"
    for a, b in zip(ours, rows):
        if a != b:
            return f"rows differ: {a[:300]} vs delta-rs {b[:300]}"
    return None


def tables(corpus):
    found = []
    for root, dirs, _ in os.walk(corpus):
        if "_delta_log" in dirs:
            found.append(os.path.relpath(root, corpus))
            dirs[:] = []  # a table's folders are its data
        dirs.sort()
    return sorted(found)


def main():
    argv = sys.argv[1:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dump, corpus, listfile = argv[:3]
    only = argv[4] if len(argv) > 4 and argv[3] == "--only" else None
    expected = {}
    with open(listfile, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, outcome = line.partition(" ")
                expected[name] = outcome.strip()
    found = tables(corpus)
    failures = 0
    counts = {}
    for rel in found:
        if only and only not in rel:
            continue
        expect = expected.get(rel)
        if expect is None:
            print(f"FAIL {rel}: not in {os.path.basename(listfile)}")
            failures += 1
            continue
        reason = check_table(dump, os.path.join(corpus, rel), expect)
        if reason:
            print(f"FAIL {rel}: {reason}")
            failures += 1
        else:
            kind = expect.split(":")[0].split()[0]
            counts[kind] = counts.get(kind, 0) + 1
    for name in sorted(set(expected) - set(found)):
        if not only:
            print(f"FAIL {name}: listed but not in the corpus")
            failures += 1
    print(f"{os.path.basename(listfile)}: {counts.get('ok', 0)} read and equal to delta-rs, "
          f"{counts.get('files', 0)} with equal live files (no data files in the corpus), "
          f"{counts.get('unverified', 0)} read (delta-rs cannot), "
          f"{counts.get('refused', 0)} refused as expected, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    status = main()
    # deltalake's native runtime may abort while the interpreter shuts down:
    # the verdict is in, so leave without running that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
