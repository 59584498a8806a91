"""Generates CSV / JSON files, reads them with smelt (files_dump) and with
DuckDB (read_csv / read_json), and compares the values row by row.

    files_compare.py FILES_DUMP DIR SEED
Exits non-zero naming the first difference.
"""
import datetime
import json
import math
import random
import subprocess
import sys

import duckdb


def gen_csv(path, rng, rows):
    words = ["plain", "with,comma", 'with "quote"', "multi\nline", "é€ unicode", "  pad  ", "x"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,name,amount,day,flag,ts\r\n")
        for i in range(rows):
            name = rng.choice(words) if rng.random() > 0.1 else None
            amount = None if rng.random() < 0.1 else round(rng.uniform(-1e6, 1e6), 3)
            day = None if rng.random() < 0.1 else (datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))).isoformat()
            flag = rng.choice(["true", "false", ""])
            ts = (datetime.datetime(2021, 1, 1) + datetime.timedelta(seconds=rng.randrange(10**8))).isoformat(sep=" ")
            cells = [str(i), "" if name is None else '"' + name.replace('"', '""') + '"',
                     "" if amount is None else repr(amount), day or "", flag, ts]
            f.write(",".join(cells) + "\r\n")


def gen_jsonl(path, rng, rows):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            o = {"id": i}
            if rng.random() > 0.2:
                o["s"] = rng.choice(["a", "b\"q", "é", "line\nbreak"])
            if rng.random() > 0.2:
                o["v"] = rng.choice([1, 2.5, -3, 1e10])
            if rng.random() > 0.3:
                o["pt"] = {"x": rng.randrange(100), "y": rng.choice([None, "t"])}
            if rng.random() > 0.3:
                o["tags"] = [rng.randrange(10) for _ in range(rng.randrange(4))]
            f.write(json.dumps(o, ensure_ascii=rng.random() < 0.5) + "\n")


def norm(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, datetime.datetime):
        return v.replace(tzinfo=None).isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str) and v.endswith("Z") and "T" in v:
        return datetime.datetime.fromisoformat(v[:-1]).isoformat()
    return v


def smelt_rows(dump, path):
    out = subprocess.run([dump, path], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    return lines[0], [json.loads(line) for line in lines[1:]]


def compare(name, ours, theirs, cols):
    if len(ours) != len(theirs):
        sys.exit(f"{name}: {len(ours)} rows, duckdb has {len(theirs)}")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        for c, x in zip(cols, b):
            got, want = norm(a.get(c)), norm(x)
            if isinstance(got, (int, float)) and isinstance(want, (int, float)):
                if math.isclose(got, want, rel_tol=1e-9):
                    continue
            if got != want:
                sys.exit(f"{name}: row {i} column {c}: smelt {got!r}, duckdb {want!r}")


def main():
    dump, d, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    csv_path, jl_path = f"{d}/gen.csv", f"{d}/gen.jsonl"
    gen_csv(csv_path, rng, 3000)
    gen_jsonl(jl_path, rng, 3000)
    con = duckdb.connect()
    schema, ours = smelt_rows(dump, csv_path)
    rel = con.sql(f"select * from read_csv('{csv_path}', header=true, quote='\"', escape='\"', "
                  "timestampformat='%Y-%m-%d %H:%M:%S')")
    compare("csv", ours, rel.fetchall(), rel.columns)
    print("csv:", schema)
    schema, ours = smelt_rows(dump, jl_path)
    rel = con.sql(f"select * from read_json('{jl_path}', format='newline_delimited')")
    theirs = rel.fetchall()
    # DuckDB orders nothing differently; its struct values are dicts
    compare("jsonl", ours, theirs, rel.columns)
    print("jsonl:", schema)


main()
