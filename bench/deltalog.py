"""The current data files of a Delta table, for the benchmarks' peers that
read smelt's tables as plain Parquet: adds minus removes replayed from the
JSON commits of _delta_log (enough for the benchmark's few-commit tables;
a table with a checkpoint is refused rather than misread)."""
import json
import os
import sys
import urllib.parse


def delta_files(table_dir):
    log = os.path.join(table_dir, "_delta_log")
    names = sorted(n for n in os.listdir(log) if n.endswith(".json"))
    if any(n.endswith(".checkpoint.parquet") for n in os.listdir(log)):
        sys.exit(f"{table_dir}: checkpoints are not read by this script")
    live = {}
    for n in names:
        with open(os.path.join(log, n)) as f:
            for line in f:
                a = json.loads(line)
                if "add" in a:
                    live[a["add"]["path"]] = True
                elif "remove" in a:
                    live.pop(a["remove"]["path"], None)
    return [os.path.join(table_dir, urllib.parse.unquote(p)) for p in live]
