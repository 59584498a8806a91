#!/usr/bin/env bash
# DELETE / UPDATE / MERGE INTO on a smelt Delta table: delta-rs reads every
# version with the same rows as smelt (time travel included), the log names
# the operations with their metrics, and DuckDB running the same MERGE on
# the same data gets the same rows.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/tmp/smelt-peers.log) ||
  tier_skip "python peers (deltalake, duckdb) could not be installed: $(tail -1 /tmp/smelt-peers.log)"
run=$SMELT_BUILD_DIR/tests/sql/sql_run
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
lake=$dir/lake
mkdir -p "$lake"
ids() { local v=() i; for ((i = $1; i <= $2; i++)); do v+=("($i)"); done; (IFS=,; echo "VALUES ${v[*]}"); }
merge="MERGE INTO t USING s ON t.id = s.id
  WHEN MATCHED AND s.qty IS NULL THEN DELETE
  WHEN MATCHED THEN UPDATE SET qty = t.qty + s.qty, note = s.note
  WHEN NOT MATCHED AND s.id < 100 THEN INSERT (id, g, qty, note) VALUES (s.id, s.g, s.qty, 'new')"

# v0, v1: two appends over three partitions
check "smelt creates the table" "$run" "$lake" -e "
  CREATE TABLE t PARTITIONED BY (g) AS
    SELECT id, CASE WHEN id % 3 = 0 THEN 'x' WHEN id % 3 = 1 THEN 'y' ELSE 'z' END AS g,
           CAST(id * 10 AS bigint) AS qty, concat('n', CAST(id AS string)) AS note
    FROM $(ids 1 30) AS r(id);
  INSERT INTO t SELECT id, 'w', CAST(id AS bigint), NULL FROM $(ids 31 40) AS r(id)"
# v2: DELETE touching some files only (NULL note rows stay: three-valued)
check "smelt DELETE" "$run" "$lake" -e "DELETE FROM t WHERE (qty > 250 AND g <> 'x') OR note = 'n5'"
# v3: UPDATE with expressions and a partition column change
check "smelt UPDATE" "$run" "$lake" -e "UPDATE t SET qty = qty * 2 + id, g = 'v' WHERE g = 'w' AND id % 2 = 0"
# v4: MERGE
check "smelt MERGE" "$run" "$lake" -e "
  CREATE TABLE s AS SELECT * FROM VALUES
    (1, 'y', 5, 'one'), (2, 'z', CAST(NULL AS int), 'two'), (36, 'w', 1, 'p36'),
    (50, 'x', 7, 'fifty'), (200, 'x', 8, 'big') AS v(id, g, qty, note);
  $merge"

for v in 1 2 3 4; do
  "$run" "$lake" -e "SELECT id, g, qty, note FROM t VERSION AS OF $v ORDER BY id" > "$dir/smelt_v$v.csv" ||
    echo "smelt cannot read version $v" >&2
done
"$run" "$lake" -e "SELECT id, g, qty, note FROM s ORDER BY id" > "$dir/source.csv"

cat > "$dir/compare.py" <<'PY'
import csv, json, os, sys
from deltalake import DeltaTable
import duckdb

d, table, merge = sys.argv[1], sys.argv[2], sys.argv[3]
bad = []

def smelt_rows(path):
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        return [tuple(None if c == "" else c for c in row) for row in r]

def norm(rows):
    return sorted(tuple(None if c is None else str(c) for c in row) for row in rows)

def delta_rows(version):
    t = DeltaTable(table, version=version).to_pyarrow_table()
    return norm(zip(*(t.column(c).to_pylist() for c in ("id", "g", "qty", "note"))))

for v in (1, 2, 3, 4):
    want = norm(smelt_rows(f"{d}/smelt_v{v}.csv"))
    got = delta_rows(v)
    if got != want or not want:
        diff = sorted(set(got) ^ set(want))[:5]
        bad.append(f"version {v}: delta-rs {len(got)} rows vs smelt {len(want)}; differing {diff}")
    else:
        print(f"version {v}: delta-rs and smelt agree on {len(got)} rows")

ops = {h["version"]: h for h in DeltaTable(table).history()}
for v, op, metric in ((2, "DELETE", "numDeletedRows"), (3, "UPDATE", "numUpdatedRows"),
                      (4, "MERGE", "numTargetRowsUpdated")):
    h = ops.get(v, {})
    if h.get("operation") != op or metric not in (h.get("operationMetrics") or {}):
        bad.append(f"version {v}: history says {h.get('operation')} {h.get('operationMetrics')}")
# copy-on-write: the DELETE rewrote only files holding deleted rows
log2 = [json.loads(l) for l in open(f"{table}/_delta_log/00000000000000000002.json")]
removed = [a["remove"] for a in log2 if "remove" in a]
parts = {r["partitionValues"]["g"] for r in removed}
if "x" in parts or not removed:
    bad.append(f"DELETE removed files of partitions {sorted(parts)} (x has no deleted row)")

# DuckDB runs the same MERGE on version 3 and the same source
con = duckdb.connect()
t3 = DeltaTable(table, version=3).to_pyarrow_table()
con.execute("CREATE TABLE t (id INTEGER, g VARCHAR, qty BIGINT, note VARCHAR)")
con.execute("INSERT INTO t SELECT id, g, qty, note FROM t3")
con.execute("CREATE TABLE s (id INTEGER, g VARCHAR, qty INTEGER, note VARCHAR)")
for row in smelt_rows(f"{d}/source.csv"):
    con.execute("INSERT INTO s VALUES (?, ?, ?, ?)", row)
con.execute(merge)
got = norm(con.execute("SELECT id, g, qty, note FROM t").fetchall())
want = norm(smelt_rows(f"{d}/smelt_v4.csv"))
if got != want:
    bad.append(f"MERGE: DuckDB {len(got)} rows vs smelt {len(want)}; differing "
               f"{sorted(set(got) ^ set(want))[:5]}")
else:
    print(f"MERGE: DuckDB and smelt agree on {len(got)} rows")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.stdout.flush()
os._exit(1 if bad else 0)
PY
check "delta-rs and DuckDB agree with smelt after DELETE, UPDATE and MERGE" \
  "$py" "$dir/compare.py" "$dir" "$lake/default/t" "$merge"
tier_done
