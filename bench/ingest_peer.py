#!/usr/bin/env python3
"""The ceiling of the `ingest` benchmark (scripts/bench): psql reading the
tables as binary COPY into /dev/null, the same bytes smelt decodes.

  ingest_peer.py seq TABLE=ROWS...        one psql session copies the tables
      one after another (`\\timing on` times each \\copy, without psql's
      start-up); one JSON line per table, then a total with the session's
      wall time (one start-up and connection, as smelt's one process)
  ingest_peer.py par JOBS TABLE=ROWS...   JOBS psql sessions at once, each
      copying tables from a shared queue (largest first), as `smelt run
      --jobs JOBS` ingests them; one JSON line per table (its \\copy time
      under that contention) and a total with the wall time of all

Connection settings come from the PG* environment variables.
"""
import json
import re
import resource
import subprocess
import sys
import threading
import time


def copy_cmd(t):
    return f"\\copy (SELECT * FROM {t}) TO '/dev/null' (FORMAT binary)\n"


def session(tables):
    """Runs one psql session copying tables; returns their \\copy seconds."""
    script = "\\timing on\n" + "".join(copy_cmd(t) for t in tables)
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=script,
                       stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"psql: exited {p.returncode}")
    times = [float(m) / 1000 for m in re.findall(r"^Time: ([0-9.]+) ms", p.stdout, re.M)]
    if len(times) != len(tables):
        sys.exit(f"psql: {len(times)} timings for {len(tables)} tables:\n{p.stdout}")
    return times


def peak_kb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def emit(step, rows, seconds, **extra):
    print(json.dumps({"engine": "psql", "step": step, "rows": rows, "seconds": seconds, **extra}))


def seq(specs):
    t0 = time.perf_counter()
    times = session([t for t, _ in specs])
    wall = time.perf_counter() - t0
    for (t, rows), s in zip(specs, times):
        emit(t, rows, s)
    emit("total", sum(r for _, r in specs), wall, peak_rss_kb=peak_kb())


def par(jobs, specs):
    queue = sorted(specs, key=lambda s: -s[1])
    lock = threading.Lock()
    got = {}

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                t, _ = queue.pop(0)
            got[t] = session([t])[0]

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    for t, rows in specs:
        emit(t, rows, got[t])
    emit("total", sum(r for _, r in specs), wall, peak_rss_kb=peak_kb())


if __name__ == "__main__":
    mode = sys.argv[1]
    args = sys.argv[3:] if mode == "par" else sys.argv[2:]
    specs = [(a.split("=")[0], int(a.split("=")[1])) for a in args]
    if mode == "seq":
        seq(specs)
    else:
        par(int(sys.argv[2]), specs)
