#!/usr/bin/env python3
"""Prints the JSON lines of a benchmark as one table, peers side by side.
Reads JSON objects with engine, phase, codec, rows, seconds, bytes,
peak_rss_kb from standard input."""
import json
import sys

rows = [json.loads(l) for l in sys.stdin if l.strip().startswith("{")]
print(f"| {'phase':6} | {'codec':7} | {'engine':8} | {'Mrows/s':>8} | {'MB/s':>8} | {'seconds':>8} | {'file MB':>8} | {'peak MB':>8} |")
print("|" + "|".join("-" * w for w in (8, 9, 10, 10, 10, 10, 10, 10)) + "|")
for r in rows:
    s = max(r["seconds"], 1e-9)
    mb = r["bytes"] / 1e6
    print(f"| {r['phase']:6} | {r['codec']:7} | {r['engine']:8} | {r['rows'] / s / 1e6:8.2f} | "
          f"{mb / s:8.1f} | {s:8.3f} | {mb:8.1f} | {r['peak_rss_kb'] / 1024:8.1f} |")
