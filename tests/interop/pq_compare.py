#!/usr/bin/env python3
"""Compares another engine's reading of a Parquet file with the JSON lines
smelt wrote beside it (tests/interop/pq_gen.c).

  pq_compare.py FILE.parquet FILE.jsonl ENGINE     (ENGINE: pyarrow | duckdb)

Prints the first differences and exits 1 when any value differs; prints
"ok N rows" otherwise.  Values are normalised per Arrow type: floats as
float32/64 bits (NaN equal to NaN), decimals exactly, dates and timestamps
as integers, binary from base64, maps as dicts with text keys.
"""
import base64
import datetime as dt
import decimal
import json
import math
import struct
import sys

import pyarrow as pa
import pyarrow.parquet as pq

EPOCH = dt.date(1970, 1, 1)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def json_float(v):
    if isinstance(v, str):
        return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[v])
    return float(v)


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def parse_ts(s):
    """ISO-8601 with an optional Z → µs since the epoch (as UTC)."""
    z = s.endswith("Z")
    s = s[:-1] if z else s
    date, _, time = s.partition("T")
    y, m, d = (int(p) for p in date.split("-"))
    hh, mm, rest = time.split(":")
    sec, _, frac = rest.partition(".")
    days = (dt.date(y, m, d) - EPOCH).days
    us = int((frac + "000000")[:6]) if frac else 0
    return ((days * 86400 + int(hh) * 3600 + int(mm) * 60 + int(sec)) * 1_000_000) + us


def eq(t, a, j, path, diffs):
    """a: engine value (python, from to_pylist), j: JSON value."""
    if a is None or j is None:
        if a is not j and not (a is None and j is None):
            diffs.append(f"{path}: engine {a!r} vs smelt {j!r}")
        return
    ok = True
    if pa.types.is_floating(t):
        jf = json_float(j)
        if t == pa.float32():
            ok = same_float(f32(a), f32(jf))
        else:
            ok = same_float(a, jf)
    elif pa.types.is_decimal(t):
        ok = decimal.Decimal(a) == decimal.Decimal(str(j))
    elif pa.types.is_date(t):
        ok = (a - EPOCH).days == (dt.date.fromisoformat(j) - EPOCH).days
    elif pa.types.is_timestamp(t):
        if a.tzinfo is not None:
            a = a.astimezone(dt.timezone.utc).replace(tzinfo=None)
        ea = ((a.date() - EPOCH).days * 86400 + a.hour * 3600 + a.minute * 60 + a.second) * 1_000_000 + a.microsecond
        ok = ea == parse_ts(j)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        ok = bytes(a) == base64.b64decode(j)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        if not isinstance(j, list) or len(a) != len(j):
            ok = False
        else:
            for i, (x, y) in enumerate(zip(a, j)):
                eq(t.value_type, x, y, f"{path}[{i}]", diffs)
    elif pa.types.is_map(t):
        if not isinstance(j, dict) or len(a) != len(j):
            ok = False
        else:
            for k, v in a:
                key = str(k)
                if key not in j:
                    diffs.append(f"{path}: key {key!r} missing in smelt's")
                else:
                    eq(t.item_type, v, j[key], f"{path}[{key}]", diffs)
    elif pa.types.is_struct(t):
        for i in range(t.num_fields):
            f = t.field(i)
            eq(f.type, a.get(f.name), j.get(f.name), f"{path}.{f.name}", diffs)
    else:
        ok = a == j
    if not ok:
        diffs.append(f"{path}: engine {a!r} vs smelt {j!r}")


def read(path, engine):
    if engine == "pyarrow":
        return pq.read_table(path)
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        return con.sql(f"SELECT * FROM read_parquet('{path}')").to_arrow_table()
    raise SystemExit(f"unknown engine {engine}")


def check_stats(path, diffs):
    """Row-group statistics of top-level primitive columns bound the values
    and count the nulls (as pyarrow decodes them)."""
    import pyarrow.compute as pc
    f = pq.ParquetFile(path)
    md = f.metadata
    if md.created_by is None or not md.created_by.startswith("smelt version"):
        diffs.append(f"created_by is {md.created_by!r}")
    for g in range(md.num_row_groups):
        t = f.read_row_group(g)
        rg = md.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            name = col.path_in_schema
            if "." in name:
                continue
            st = col.statistics
            arr = t.column(name)
            if st is None:
                diffs.append(f"row group {g} {name}: no statistics")
                continue
            if st.null_count != arr.null_count:
                diffs.append(f"row group {g} {name}: null_count {st.null_count} vs {arr.null_count}")
            if not st.has_min_max:
                continue
            typ = arr.type
            if pa.types.is_floating(typ):
                arr = pc.filter(arr, pc.invert(pc.is_nan(arr)))
            mm = pc.min_max(arr).as_py()
            lo, hi = mm["min"], mm["max"]
            if lo is None:
                continue
            if pa.types.is_binary(typ) or pa.types.is_string(typ):
                vals = [v for v in arr.to_pylist() if v is not None]
                key = (lambda v: v.encode()) if pa.types.is_string(typ) else (lambda v: v)
                lo, hi = min(vals, key=key), max(vals, key=key)
            if st.min != lo or st.max != hi:
                if not (pa.types.is_floating(typ) and st.min == lo == 0 and st.max == hi):
                    diffs.append(f"row group {g} {name}: stats [{st.min!r}, {st.max!r}] vs values [{lo!r}, {hi!r}]")


def main():
    path, jpath, engine = sys.argv[1:4]
    table = read(path, engine)
    with open(jpath) as f:
        want = [json.loads(line, parse_float=decimal.Decimal) for line in f if line.strip()]
    rows = table.to_pylist()
    diffs = []
    if len(rows) != len(want):
        diffs.append(f"row count: engine {len(rows)} vs smelt {len(want)}")
    names = [f.name for f in table.schema]
    wnames = list(want[0].keys()) if want else names
    if names != wnames:
        diffs.append(f"columns: engine {names} vs smelt {wnames}")
    for r, (a, j) in enumerate(zip(rows, want)):
        for f in table.schema:
            eq(f.type, a.get(f.name), j.get(f.name), f"row {r} {f.name}", diffs)
        if len(diffs) > 20:
            break
    if engine == "pyarrow":
        check_stats(path, diffs)
    if diffs:
        print(f"{engine} {path}: {len(diffs)} differences", file=sys.stderr)
        for d in diffs[:20]:
            print("  " + d, file=sys.stderr)
        sys.exit(1)
    print(f"ok {engine} {path}: {len(rows)} rows")


if __name__ == "__main__":
    main()
