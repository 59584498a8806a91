#!/usr/bin/env python3
"""The pyarrow side of `make bench parquet`: the same table shape as
bench/parquet.c, written and read on one thread, one JSON line per phase.
  parquet_peer.py write PATH ROWS CODEC | read PATH CODEC
"""
import json
import os
import resource
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
CATS = ["FRANCE", "GERMANY", "USA", "UK", "BRAZIL", "JAPAN", "ITALY", "SPAIN"]


def table(base, n):
    ids = pa.array(range(base, base + n), pa.int64())
    uid = pc.binary_join_element_wise("u", pc.utf8_lpad(pc.cast(pc.multiply(ids, 7919), pa.string()), 12, "0"), "")
    return pa.table({
        "id": ids,
        "x": pc.multiply(pc.cast(ids, pa.float64()), 0.25),
        "cat": pc.take(pa.array(CATS), pc.bit_wise_and(ids, 7)),
        "uid": uid,
        "day": pc.cast(pc.add(pc.cast(pc.remainder(ids, 3650), pa.int32()), pa.scalar(18000, pa.int32())), pa.date32()),
        "n": pa.array([None if i % 10 == 0 else i % 1000 for i in range(base, base + n)], pa.int32()),
    })


def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        rows, codec = int(sys.argv[3]), sys.argv[4]
        # one chunk of 1Mi rows at a time, as smelt streams; only writing is timed
        t = 0.0
        w = None
        for b in range(0, rows, 1 << 20):
            c = table(b, min(1 << 20, rows - b))
            t0 = time.perf_counter()
            if w is None:
                # zstd at level 1, Arrow's default, stated so the table compares like with
                # like (smelt's default zstd level is 1 too)
                w = pq.ParquetWriter(path, c.schema, compression=None if codec == "none" else codec,
                                     compression_level=1 if codec == "zstd" else None,
                                     use_dictionary=True)
            w.write_table(c)
            t += time.perf_counter() - t0
        t0 = time.perf_counter()
        w.close()
        # durable, as smelt's store makes every file it writes (fsync of the
        # file and of its directory before it counts as written)
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        t += time.perf_counter() - t0
        print(json.dumps({"engine": "pyarrow", "phase": "write", "codec": codec, "rows": rows,
                          "seconds": round(t, 4), "bytes": os.path.getsize(path), "peak_rss_kb": peak()}))
    else:
        codec = sys.argv[3]
        t0 = time.perf_counter()
        t = pq.read_table(path, use_threads=False)
        el = time.perf_counter() - t0
        print(json.dumps({"engine": "pyarrow", "phase": "read", "codec": codec, "rows": t.num_rows,
                          "seconds": round(el, 4), "bytes": os.path.getsize(path), "peak_rss_kb": peak()}))


if __name__ == "__main__":
    main()
