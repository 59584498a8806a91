#!/usr/bin/env python3
"""Helpers of the `sql` and `ingest` benchmarks (scripts/bench).

  pipeline.py run ENGINE -- CMD...   runs CMD (a `smelt run --format csv`),
      prints one JSON line per table of its summary (engine, step, rows,
      seconds) and a total line with the wall time and the child's peak RSS
  pipeline.py time ENGINE STEP ROWS -- CMD...   one JSON line: CMD's wall
      time and peak RSS (for peers run as commands, e.g. psql \\copy)
  pipeline.py table A B [C...]       reads the JSON lines on stdin, prints
      steps with each engine's seconds side by side, B/A (C/A...) ratios
      (>1: A is faster), rows/s, and peak RSS on the total line
"""
import csv
import io
import json
import resource
import subprocess
import sys
import time


def run(engine, cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        sys.exit(f"{engine}: {' '.join(cmd)} exited {p.returncode}")
    rows_total = 0
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    # the summary is the first CSV block (the dashboard follows a blank line)
    block = []
    for l in lines:
        if l.startswith("=="):
            break
        block.append(l)
    for r in csv.DictReader(io.StringIO("\n".join(block))):
        if "seconds" not in r or not r.get("table"):
            continue
        rows = int(r["rows"] or 0)
        rows_total += rows
        print(json.dumps({"engine": engine, "step": r["table"], "rows": rows,
                          "seconds": float(r["seconds"])}))
    print(json.dumps({"engine": engine, "step": "total", "rows": rows_total, "seconds": wall,
                      "peak_rss_kb": rss}))


def time_cmd(engine, step, rows, cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{engine}: {' '.join(cmd)} exited {p.returncode}")
    print(json.dumps({"engine": engine, "step": step, "rows": int(rows), "seconds": wall,
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))


def table(engines):
    a, others = engines[0], engines[1:]
    recs = [json.loads(l) for l in sys.stdin if l.strip().startswith("{")]
    steps, by = [], {}
    for r in recs:
        if "step" not in r:
            continue
        if r["step"] not in steps:
            steps.append(r["step"])
        by[(r["engine"], r["step"])] = r
    for r in recs:
        if "check" in r:
            print(f"check {r['engine']} {r['check']}: {r['value']}")
    w = max([len(s) for s in steps] + [5])
    cols = [("step", w), ("rows", 10)] + [(e + " s", 9) for e in engines] + \
        [(e + "/" + a, 12) for e in others] + [(e + " Mrows/s", 14) for e in engines] + \
        [(e + " peak MB", 14) for e in engines]
    print("| " + " | ".join(f"{c:{n}}" if i == 0 else f"{c:>{n}}" for i, (c, n) in enumerate(cols)) + " |")
    print("|" + "|".join("-" * (n + 2) for _, n in cols) + "|")
    for s in steps:
        rs = [by.get((e, s)) for e in engines]
        rows = next((r.get("rows", 0) for r in rs if r), 0)
        secs = [r["seconds"] if r else None for r in rs]
        cells = [f"{s:{w}}", f"{rows:10d}"]
        cells += [f"{x:9.3f}" if x is not None else f"{'-':>9}" for x in secs]
        cells += [f"{x / secs[0]:12.2f}" if x and secs[0] else f"{'-':>12}" for x in secs[1:]]
        cells += [f"{rows / x / 1e6:14.2f}" if x and rows else f"{'-':>14}" for x in secs]
        cells += [f"{r['peak_rss_kb'] / 1024:14.1f}" if r and "peak_rss_kb" in r else f"{'-':>14}" for r in rs]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[sys.argv.index("--") + 1:])
    elif sys.argv[1] == "time":
        time_cmd(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[sys.argv.index("--") + 1:])
    else:
        table(sys.argv[2:])
