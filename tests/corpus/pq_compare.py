#!/usr/bin/env python3
"""Compares smelt's Parquet reader (tests/corpus/pq_dump) with pyarrow.

usage: pq_compare.py PQ_DUMP CORPUS_DIR EXPECTED_LIST [--batch N]... [--only NAME]

Every *.parquet file under CORPUS_DIR (recursively) must be named in
EXPECTED_LIST, one per line:
    <path relative to CORPUS_DIR>  ok
    <path relative to CORPUS_DIR>  refused: <substring of smelt's error>
    <path relative to CORPUS_DIR>  unverified: <why pyarrow cannot check it>
`unverified` means pq_dump must read the file but pyarrow cannot, so the
values are not compared.  `ok` means pq_dump reads the file and prints the same canonical values as
pyarrow (see pq_dump.c for the rendering); `refused` means pq_dump fails
cleanly with a message containing the substring.  A crash, a difference or
a file missing from the list is a failure.  Prints one line per failure
and a summary; exit status 1 on any failure.
"""
import decimal
import json
import math
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

decimal.getcontext().prec = 100


def map_type(t):
    """The type pyarrow data is cast to before canonical rendering."""
    if pa.types.is_timestamp(t) or pa.types.is_date64(t):
        return pa.int64()
    if pa.types.is_date32(t):
        return pa.int32()
    if pa.types.is_float16(t):
        return pa.float32()
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return map_type(t.value_type)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        f = t.value_field
        return pa.list_(pa.field(f.name, map_type(f.type), f.nullable))
    if pa.types.is_map(t):
        return pa.map_(pa.field(t.key_field.name, map_type(t.key_type), False),
                       pa.field(t.item_field.name, map_type(t.item_type), t.item_field.nullable))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, map_type(f.type), f.nullable) for f in t])
    return t


def fmt_decimal(v, scale):
    unscaled = int(v.scaleb(scale))
    neg = unscaled < 0
    digits = str(abs(unscaled))
    if scale > 0:
        digits = digits.rjust(scale + 1, "0")
        digits = digits[:-scale] + "." + digits[-scale:]
    return ("-" if neg else "") + digits


def canon(t, v):
    """Canonical value of v (after map_type casting) of original type t."""
    if v is None:
        return None
    if pa.types.is_dictionary(t):
        return canon(t.value_type, v)
    if pa.types.is_timestamp(t):
        return {"s": v * 1000000, "ms": v * 1000, "us": v, "ns": v // 1000}[t.unit]
    if pa.types.is_date64(t):
        return v // 86400000
    if pa.types.is_floating(t):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return float(v)
    if pa.types.is_uint64(t):
        return str(v)
    if pa.types.is_decimal(t):
        return fmt_decimal(v, t.scale)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return v.hex()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [canon(t.value_type, x) for x in v]
    if pa.types.is_map(t):
        return [[canon(t.key_type, k), canon(t.item_type, x)] for k, x in v]
    if pa.types.is_struct(t):
        return {f.name: canon(f.type, v[f.name]) for f in t}
    return v


def pyarrow_rows(path):
    table = pq.read_table(path, coerce_int96_timestamp_unit="us")
    cols = []
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        mapped = col.cast(map_type(t), safe=False) if map_type(t) != t else col
        cols.append((name, t, mapped.to_pylist()))
    rows = []
    for i in range(table.num_rows):
        rows.append({name: canon(t, vals[i]) for name, t, vals in cols})
    return rows


def norm(v):
    """JSON floats for integers-as-floats etc.: compare ints and floats by value."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v


def first_diff(a, b, path="row"):
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: {a!r} vs pyarrow {b!r}"
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()) and set(a.keys()) != set(b.keys()):
            return f"{path}: keys {list(a.keys())} vs pyarrow {list(b.keys())}"
        for k in a:
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs pyarrow {len(b)}: {a!r:.200} vs {b!r:.200}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if a != b:
        return f"{path}: {a!r} vs pyarrow {b!r}"
    return None


def run_dump(dump, path, batch):
    args = [dump, "--batch", str(batch), path] if batch else [dump, path]
    p = subprocess.run(args, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def check_file(dump, path, expect, batches):
    """Returns None when the outcome matches expect, else a reason."""
    for batch in batches:
        rc, out, err = run_dump(dump, path, batch)
        if rc not in (0, 1) or "Sanitizer" in err or "runtime error" in err:
            return f"crashed (exit {rc}, batch {batch}): {err.strip()[:600]}"
        if rc == 1:
            msg = err.strip().splitlines()[-1] if err.strip() else ""
            if expect.startswith("refused:"):
                want = expect[len("refused:"):].strip()
                if want not in msg:
                    return f"refused with {msg!r}, expected a message containing {want!r}"
                continue
            return f"refused (batch {batch}): {msg}"
        if expect.startswith("refused:"):
            return "read fine, but the list says " + expect
        if expect.startswith("unverified"):
            continue
        ours = [json.loads(line) for line in out.decode("utf-8", "surrogateescape").splitlines()]
        try:
            theirs = pyarrow_rows(path)
        except Exception as ex:  # noqa: BLE001 - any pyarrow failure
            return f"pyarrow cannot read it ({ex}); mark it refused or fix the list"
        if len(ours) != len(theirs):
            return f"{len(ours)} rows vs pyarrow {len(theirs)} (batch {batch})"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            d = first_diff(norm(a), norm(b), f"row {i}")
            if d:
                return f"differs (batch {batch}): {d[:600]}"
    return None


def main():
    argv = sys.argv[1:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dump, corpus, listfile = argv[:3]
    batches, only = [], None
    rest = argv[3:]
    while rest:
        if rest[0] == "--batch":
            batches.append(int(rest[1]))
            rest = rest[2:]
        elif rest[0] == "--only":
            only = rest[1]
            rest = rest[2:]
        else:
            print(f"unknown argument {rest[0]}", file=sys.stderr)
            return 2
    batches = batches or [0]
    expected = {}
    with open(listfile, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, outcome = line.partition(" ")
            expected[name] = outcome.strip()
    files = []
    for root, _, names in os.walk(corpus):
        for n in names:
            if n.endswith(".parquet"):
                files.append(os.path.relpath(os.path.join(root, n), corpus))
    files.sort()
    failures = 0
    counts = {"ok": 0, "refused": 0, "unverified": 0}
    for rel in files:
        if only and only not in rel:
            continue
        expect = expected.get(rel)
        if expect is None:
            print(f"FAIL {rel}: not in {os.path.basename(listfile)}")
            failures += 1
            continue
        reason = check_file(dump, os.path.join(corpus, rel), expect, batches)
        if reason:
            print(f"FAIL {rel}: {reason}")
            failures += 1
        else:
            kind = expect.split(":")[0].split()[0]
            counts[kind] = counts.get(kind, 0) + 1
    for name in sorted(set(expected) - set(files)):
        if not only:
            print(f"FAIL {name}: listed but not in the corpus")
            failures += 1
    print(f"{os.path.basename(listfile)}: {counts['ok']} read and equal to pyarrow, "
          f"{counts['unverified']} read (pyarrow cannot), "
          f"{counts['refused']} refused as expected, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
