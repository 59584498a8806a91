#!/usr/bin/env python3
"""Writes Parquet files with other writers' options, for smelt to read.

usage: pq_peers_gen.py gen OUT_DIR
       pq_peers_gen.py compare PQ_DUMP OUT_DIR [--batch N]...

pyarrow writes one table of many types (every integer width signed and
unsigned, floats with NaN/inf/-0.0, decimals of several precisions,
strings with empty and multibyte values, large_string, binary, dates,
timestamps ms/us/ns with and without a zone, dictionary-typed columns,
structs, lists, maps, nesting to depth 3, NULLs everywhere) with a matrix of
options: format version 1.0/2.4/2.6, data page v1/v2, dictionary on/off,
every codec, the DELTA_* and BYTE_STREAM_SPLIT encodings where pyarrow
allows them, tiny pages and row groups, statistics off.  DuckDB writes its
own table (its nested types included) with each of its codecs and row group
sizes.

OUT_DIR/expected.txt lists every file with its expected outcome, in the
format of tests/corpus/pq_compare.py ("NAME ok" or "NAME refused: TEXT"):
this file is where the outcomes are stated.

`compare` runs tests/corpus/pq_compare.py over OUT_DIR with that list,
rendering UUID extension values (DuckDB's UUID columns, which smelt reads
as their 16 bytes) as the hex of those bytes.
"""
import datetime
import decimal
import math
import os
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 2500


def rows_table(n):
    """The pyarrow table: deterministic values, extremes and NULLs."""
    def nul(i, k=7):
        return i % k == 3

    def col(fn, typ, k=7):
        return pa.array([None if nul(i, k) else fn(i) for i in range(n)], typ)

    words = ["", "a", "é", "日本語", "\U0001F600 emoji", "zz" * 40, "FRANCE"]
    i64 = [-(2**63), 2**63 - 1, 0, -1]
    fl = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.5]
    tz = "Europe/Paris"
    utc = datetime.timezone.utc
    base = datetime.datetime(2024, 2, 29, 12, 30, 45, 123456)
    cols = {
        "id": pa.array(range(n), pa.int64()),
        "b": col(lambda i: i % 3 == 0, pa.bool_()),
        "i8": col(lambda i: [-128, 127, 0][i % 3] if i % 5 == 0 else i % 100 - 50, pa.int8()),
        "i16": col(lambda i: [-32768, 32767][i % 2] if i % 11 == 0 else i * 7 % 30000, pa.int16()),
        "i32": col(lambda i: [-(2**31), 2**31 - 1][i % 2] if i % 13 == 0 else i * 7919, pa.int32()),
        "i64": col(lambda i: i64[i % 4] if i % 9 == 0 else i * 1000003 - 7, pa.int64()),
        "u8": col(lambda i: 255 if i % 5 == 0 else i % 200, pa.uint8()),
        "u16": col(lambda i: 65535 if i % 5 == 0 else i, pa.uint16()),
        "u32": col(lambda i: 2**32 - 1 if i % 5 == 0 else i * 3, pa.uint32()),
        "u64": col(lambda i: 2**64 - 1 if i % 5 == 0 else i * 5, pa.uint64()),
        "f32": col(lambda i: fl[i % 6] if i % 4 == 0 else i / 8.0, pa.float32()),
        "f64": col(lambda i: fl[i % 6] if i % 4 == 0 else i / 3.0, pa.float64()),
        "d5": col(lambda i: decimal.Decimal(i % 1999 - 999) / 100, pa.decimal128(5, 2)),
        "d18": col(lambda i: decimal.Decimal(i * 123456789 - 10**17) / 1000, pa.decimal128(18, 3)),
        "d38": col(lambda i: decimal.Decimal((-1) ** i * (10**37 + i)) / 10**10,
                   pa.decimal128(38, 10)),
        "s": col(lambda i: words[i % 7] + (str(i) if i % 2 else ""), pa.string()),
        "ls": col(lambda i: "large-" + str(i % 50), pa.large_string()),
        "bin": col(lambda i: bytes([i % 256, 0, 255])[: i % 4], pa.binary()),
        "day": col(lambda i: datetime.date(1970, 1, 1) + datetime.timedelta(days=i * 37 - 40000),
                   pa.date32()),
        "ts_ms": col(lambda i: base + datetime.timedelta(milliseconds=i * 1001), pa.timestamp("ms")),
        "ts_us": col(lambda i: base + datetime.timedelta(microseconds=i * 999999),
                     pa.timestamp("us", tz=tz)),
        "ts_ns": pa.array([None if nul(i) else (i * 1234567891 - 10**12) for i in range(n)],
                          pa.int64()).cast(pa.timestamp("ns")),
        "ts_ns_tz": pa.array([None if nul(i) else (i * 987654321123) for i in range(n)],
                             pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "ts_ms_utc": col(lambda i: datetime.datetime(2000, 1, 1, tzinfo=utc)
                         + datetime.timedelta(seconds=i * 3600), pa.timestamp("ms", tz="UTC")),
        "cat": pa.array([None if nul(i, 9) else ["x", "y", "zé"][i % 3] for i in range(n)],
                        pa.string()).dictionary_encode(),
        "tags": col(lambda i: [words[(i + k) % 7] if k != 1 else None for k in range(i % 4)],
                    pa.list_(pa.string())),
        "pt": col(lambda i: {"x": None if i % 5 == 0 else i / 2.0, "y": i},
                  pa.struct([("x", pa.float64()), ("y", pa.int32())])),
        "attrs": col(lambda i: [(words[k + 1], None if k == 2 else i * k) for k in range(i % 4)],
                     pa.map_(pa.string(), pa.int64())),
        "deep": col(lambda i: [{"k": str(i), "v": [j for j in range(i % 3)] if i % 6 else None}
                               for _ in range(i % 3)],
                    pa.list_(pa.struct([("k", pa.string()), ("v", pa.list_(pa.int32()))]))),
        "ll": col(lambda i: [[i, None] if k % 2 else [] for k in range(i % 3)],
                  pa.large_list(pa.list_(pa.int64()))),
    }
    return pa.table(cols)


# Columns each encoding applies to (pyarrow refuses the others).
DELTA_INT = ["i32", "i64", "u32", "u64", "id"]
DELTA_BYTES = ["s", "ls", "bin"]
BSS = ["f32", "f64"]


def pyarrow_variants():
    out = []
    codecs = ["none", "snappy", "gzip", "zstd", "lz4", "brotli"]
    for codec in codecs:
        for dpv in ["1.0", "2.0"]:
            for dic in [True, False]:
                out.append((f"pa_{codec}_v{dpv[0]}_{'dict' if dic else 'plain'}",
                            dict(compression=codec, data_page_version=dpv, use_dictionary=dic)))
    for ver in ["1.0", "2.4", "2.6"]:
        # before 2.6 nanoseconds are coerced to microseconds
        out.append((f"pa_version_{ver}", dict(version=ver, coerce_timestamps="us", allow_truncated_timestamps=True)))
        out.append((f"pa_version_{ver}_v2_small",
                    dict(version=ver, coerce_timestamps="us", allow_truncated_timestamps=True,
                         data_page_version="2.0",
                         data_page_size=512,
                         row_group_size=700, write_batch_size=64)))
    for dpv in ["1.0", "2.0"]:
        v = dpv[0]
        out.append((f"pa_delta_binary_packed_v{v}",
                    dict(use_dictionary=False, data_page_version=dpv,
                         column_encoding={c: "DELTA_BINARY_PACKED" for c in DELTA_INT})))
        out.append((f"pa_delta_length_byte_array_v{v}",
                    dict(use_dictionary=False, data_page_version=dpv,
                         column_encoding={c: "DELTA_LENGTH_BYTE_ARRAY" for c in DELTA_BYTES})))
        out.append((f"pa_delta_byte_array_v{v}",
                    dict(use_dictionary=False, data_page_version=dpv, compression="zstd",
                         column_encoding={c: "DELTA_BYTE_ARRAY" for c in DELTA_BYTES})))
        out.append((f"pa_byte_stream_split_v{v}",
                    dict(use_dictionary=False, data_page_version=dpv, compression="snappy",
                         column_encoding={c: "BYTE_STREAM_SPLIT" for c in BSS})))
    out.append(("pa_delta_small_pages",
                dict(use_dictionary=False, data_page_size=300, row_group_size=1000,
                     column_encoding={**{c: "DELTA_BINARY_PACKED" for c in DELTA_INT},
                                      **{c: "DELTA_BYTE_ARRAY" for c in DELTA_BYTES},
                                      **{c: "BYTE_STREAM_SPLIT" for c in BSS}})))
    out.append(("pa_no_statistics", dict(write_statistics=False, compression="gzip")))
    out.append(("pa_small_row_groups", dict(row_group_size=97, data_page_size=100, compression="lz4")))
    out.append(("pa_dictionary_small_pages",
                dict(use_dictionary=True, dictionary_pagesize_limit=200, data_page_size=256,
                     compression="snappy")))
    out.append(("pa_int96", dict(use_deprecated_int96_timestamps=True)))
    out.append(("pa_coerce_ms", dict(coerce_timestamps="ms", allow_truncated_timestamps=True)))
    out.append(("pa_crc", dict(write_page_checksum=True, data_page_version="2.0")))
    # BYTE_STREAM_SPLIT on integers and decimals, DELTA_BYTE_ARRAY on decimals
    out.append(("pa_byte_stream_split_all",
                dict(use_dictionary=False, column_encoding={
                    c: "BYTE_STREAM_SPLIT" for c in BSS + ["i32", "i64", "d5", "d18", "d38"]})))
    out.append(("pa_delta_byte_array_decimal",
                dict(use_dictionary=False, column_encoding={"d38": "DELTA_BYTE_ARRAY"})))
    out.append(("pa_decimal_as_integer", dict(store_decimal_as_integer=True)))
    out.append(("pa_legacy_nested", dict(use_compliant_nested_type=False)))
    out.append(("pa_page_index_bloom",
                dict(write_page_index=True, sorting_columns=[pq.SortingColumn(0)],
                     bloom_filter_options={"s": {"fpp": 0.05}})))
    return out


def write_pyarrow(out_dir, expected):
    t = rows_table(ROWS)
    for name, opts in pyarrow_variants():
        pq.write_table(t, os.path.join(out_dir, name + ".parquet"), **opts)
        expected.append((name, "ok"))
    # zero rows, and a table where one column is all NULL
    pq.write_table(t.slice(0, 0), os.path.join(out_dir, "pa_empty.parquet"))
    expected.append(("pa_empty", "ok"))
    nulls = t.select(["id", "s", "tags"]).set_column(
        1, "s", pa.nulls(ROWS, pa.string())).set_column(2, "tags", pa.nulls(ROWS, pa.list_(pa.int32())))
    pq.write_table(nulls, os.path.join(out_dir, "pa_all_null.parquet"))
    expected.append(("pa_all_null", "ok"))
    halves = pa.array([None if i % 5 == 0 else i / 4 for i in range(ROWS)], pa.float32())
    pq.write_table(t.select(["id", "f32"]).append_column("h", halves.cast(pa.float16())),
                   os.path.join(out_dir, "pa_float16.parquet"))
    expected.append(("pa_float16", "ok"))
    # what smelt cannot represent is refused, naming the column
    tm = pa.table({"t": pa.array([1, 2, None], pa.time64("us"))})
    pq.write_table(tm, os.path.join(out_dir, "pa_time.parquet"))
    expected.append(("pa_time", 'refused: column "t": the TIME type is not supported'))


DUCK_SELECT = """
SELECT i AS id,
       (i % 3 = 0) AS b,
       CASE WHEN i % 7 = 3 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS i8,
       (i * 7 % 30000)::SMALLINT AS i16,
       CASE WHEN i % 13 = 0 THEN 2147483647 ELSE i * 7919 END::INTEGER AS i32,
       CASE WHEN i % 9 = 0 THEN -9223372036854775808 ELSE i * 1000003 END::BIGINT AS i64,
       (i % 250)::UTINYINT AS u8, (i * 3)::USMALLINT AS u16, (i * 11)::UINTEGER AS u32,
       CASE WHEN i % 5 = 0 THEN 18446744073709551615 ELSE i END::UBIGINT AS u64,
       CASE WHEN i % 11 = 0 THEN 'nan'::FLOAT ELSE i / 8 END::FLOAT AS f32,
       CASE WHEN i % 11 = 0 THEN '-inf'::DOUBLE ELSE i / 3 END::DOUBLE AS f64,
       (((i % 1999) - 999) / 10)::DECIMAL(4, 1) AS d4,
       (i * 12345)::DECIMAL(18, 3) AS d18,
       (i::HUGEINT * 100000000000000000000)::DECIMAL(38, 10) AS d38,
       CASE WHEN i % 5 = 0 THEN '' WHEN i % 5 = 1 THEN 'été-' || i ELSE 'row' || i END AS s,
       CASE WHEN i % 4 = 0 THEN NULL ELSE ('\\xAA\\x00' || i::VARCHAR)::BLOB END AS bin,
       DATE '1970-01-01' + (i * 37 - 40000)::INTEGER AS day,
       TIMESTAMP '2024-02-29 12:30:45.123456' + INTERVAL (i) SECOND AS ts,
       (TIMESTAMP '2001-01-01 00:00:00' + INTERVAL (i) MINUTE)::TIMESTAMPTZ AS tstz,
       CASE WHEN i % 6 = 0 THEN NULL ELSE ['a', NULL, '日本'][1:(i % 4)] END AS tags,
       CASE WHEN i % 8 = 0 THEN NULL ELSE {'x': i / 2, 'y': CASE WHEN i % 3 = 0 THEN NULL
            ELSE i::VARCHAR END} END AS pt,
       CASE WHEN i % 7 = 0 THEN NULL ELSE MAP {'k' || (i % 3): i, 'z': NULL} END AS attrs,
       [{'k': i::VARCHAR, 'v': [i, i + 1][1:(i % 3)]}] AS deep,
       (['red', 'green', 'blue'])[1 + i % 3]::ENUM_COLORS AS color,
       ('550e8400-e29b-41d4-a716-4466554' || lpad((i % 100000)::VARCHAR, 5, '0'))::UUID AS uid,
       i::HUGEINT * 1000000000000000000000 AS huge,
       CASE WHEN i % 5 = 0 THEN [] ELSE [[i], [], NULL, [i, NULL]] END AS ll,
       {'a': {'b': CASE WHEN i % 4 = 0 THEN NULL ELSE [i] END}} AS ss
FROM range({rows}) t(i)
"""


def write_duckdb(out_dir, expected):
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    con.execute("CREATE TYPE ENUM_COLORS AS ENUM ('red', 'green', 'blue')")
    sel = DUCK_SELECT.replace("{rows}", str(ROWS))
    variants = [("duck_uncompressed", "COMPRESSION uncompressed"),
                ("duck_snappy", "COMPRESSION snappy"),
                ("duck_gzip", "COMPRESSION gzip"),
                ("duck_zstd", "COMPRESSION zstd, COMPRESSION_LEVEL 9"),
                ("duck_lz4", "COMPRESSION lz4"),
                ("duck_brotli", "COMPRESSION brotli"),
                ("duck_small_row_groups", "COMPRESSION zstd, ROW_GROUP_SIZE 300"),
                ("duck_v2", "COMPRESSION snappy, PARQUET_VERSION V2"),
                ("duck_v2_small", "COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 500")]
    for name, opts in variants:
        path = os.path.join(out_dir, name + ".parquet")
        con.execute(f"COPY ({sel}) TO '{path}' (FORMAT parquet, {opts})")
        expected.append((name, "ok"))
    path = os.path.join(out_dir, "duck_time.parquet")
    con.execute(f"COPY (SELECT TIME '12:34:56' AS t) TO '{path}' (FORMAT parquet)")
    expected.append(("duck_time", 'refused: column "t": the TIME type is not supported'))
    path = os.path.join(out_dir, "duck_interval.parquet")
    con.execute(f"COPY (SELECT INTERVAL (i) DAY AS iv FROM range(3) t(i)) TO '{path}' (FORMAT parquet)")
    expected.append(("duck_interval", 'refused: column "iv": the INTERVAL type is not supported'))


def compare(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "corpus"))
    import pq_compare  # noqa: E402 - the corpus tier's comparison

    plain_canon = pq_compare.canon

    def canon(t, v):
        if isinstance(v, uuid.UUID):
            return v.bytes.hex()
        if isinstance(t, pa.ExtensionType):
            return plain_canon(t.storage_type, v)
        return plain_canon(t, v)

    pq_compare.canon = canon
    dump, out_dir = argv[0], argv[1]
    sys.argv = ["pq_compare.py", dump, out_dir, os.path.join(out_dir, "expected.txt")] + argv[2:]
    return pq_compare.main()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2:])
    if len(sys.argv) != 3 or sys.argv[1] != "gen":
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    expected = []
    write_pyarrow(out_dir, expected)
    write_duckdb(out_dir, expected)
    with open(os.path.join(out_dir, "expected.txt"), "w", encoding="utf-8") as f:
        for name, outcome in expected:
            f.write(f"{name}.parquet {outcome}\n")
    print(f"wrote {len(expected)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
