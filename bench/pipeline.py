#!/usr/bin/env python3
"""Helpers of the `sql` and `ingest` benchmarks (scripts/bench).

  pipeline.py run ENGINE -- CMD...   runs CMD (a `smelt run --format csv`),
      prints one JSON line per table of its summary (engine, step, rows,
      seconds) and a total line with the wall time and the child's peak RSS
  pipeline.py time ENGINE STEP ROWS -- CMD...   one JSON line: CMD's wall
      time and peak RSS (for peers run as commands, e.g. psql \\copy)
  pipeline.py table A B              reads the JSON lines on stdin, prints
      steps with A's and B's seconds side by side, B/A ratios (>1: A is
      faster), rows/s, and peak RSS on the total line
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


def table(a, b):
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
    print(f"| {'step':{w}} | {'rows':>10} | {a + ' s':>9} | {b + ' s':>9} | {b + '/' + a:>12} | "
          f"{a + ' Mrows/s':>14} | {b + ' Mrows/s':>14} | {a + ' peak MB':>14} | {b + ' peak MB':>14} |")
    print("|" + "|".join("-" * (n + 2) for n in (w, 10, 9, 9, 12, 14, 14, 14, 14)) + "|")
    for s in steps:
        ra, rb = by.get((a, s)), by.get((b, s))
        rows = (ra or rb or {}).get("rows", 0)
        sa = ra["seconds"] if ra else None
        sb = rb["seconds"] if rb else None
        f = lambda x: f"{x:9.3f}" if x is not None else f"{'-':>9}"
        ratio = f"{sb / sa:12.2f}" if sa and sb else f"{'-':>12}"
        rate = lambda x: f"{rows / x / 1e6:14.2f}" if x and rows else f"{'-':>14}"
        mb = lambda r: f"{r['peak_rss_kb'] / 1024:14.1f}" if r and "peak_rss_kb" in r else f"{'-':>14}"
        print(f"| {s:{w}} | {rows:10d} | {f(sa)} | {f(sb)} | {ratio} | {rate(sa)} | {rate(sb)} | "
              f"{mb(ra)} | {mb(rb)} |")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[sys.argv.index("--") + 1:])
    elif sys.argv[1] == "time":
        time_cmd(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[sys.argv.index("--") + 1:])
    else:
        table(sys.argv[2], sys.argv[3])
