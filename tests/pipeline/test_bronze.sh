#!/usr/bin/env bash
# smelt run against a real PostgreSQL holding Northwind: the six tables land
# in bronze with the reference's row counts and technical columns; a re-run
# the same day replaces that day's partition; failures commit nothing.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
dir=$(mktemp -d /tmp/smelt-bronze-XXXXXX)
chmod 755 "$dir" # the server runs as its own user
cleanup() { "$svc" stop "$dir/state" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
tier_pg_start "$dir" northwind
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/dev/null) || tier_skip "python peers (deltalake) could not be installed"

mkdir -p "$dir/project"
cat >"$dir/project/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  northwind:
    type: postgres
    tables: [orders, order_details, products, customers, employees, categories]
YAML
out=$("$smelt" --project "$dir/project" run --format csv); rc=$?
expect_eq "smelt run exits 0" "$rc" 0
expect_eq "the summary names every table" "$(cut -d, -f1,2,4,5 <<<"$out")" "table,rows,version,status
bronze.orders,830,0,ok
bronze.order_details,2155,0,ok
bronze.products,77,0,ok
bronze.customers,91,0,ok
bronze.employees,9,0,ok
bronze.categories,8,0,ok"

# delta-rs reads the rows PostgreSQL holds: counts, a sum and the technical columns
cat >"$dir/check.py" <<'PY'
import os, sys
from deltalake import DeltaTable
lake, want_sum = sys.argv[1], sys.argv[2]
t = DeltaTable(f"{lake}/bronze/order_details").to_pyarrow_table()
s = sum(r["unit_price"] * r["quantity"] for r in t.select(["unit_price", "quantity"]).to_pylist())
src = set(t.column("_source").to_pylist())
days = set(str(d) for d in t.column("_ingestion_date").to_pylist())
ok = t.num_rows == 2155 and abs(s - float(want_sum)) < 0.01 and src == {"postgresql"} and len(days) == 1
print(t.num_rows, round(s, 2), want_sum, src, days)
sys.stdout.flush()
os._exit(0 if ok else 1)
PY
want=$(psql -At -c "select round(sum(unit_price*quantity)::numeric, 2) from order_details")
check "delta-rs reads bronze.order_details as PostgreSQL has it" "$py" "$dir/check.py" "$dir/lake" "$want"

# a same-day re-run replaces today's partition: still 830 rows, version 1
"$smelt" --project "$dir/project" run --format csv bronze.orders >/dev/null
out=$("$smelt" --lake "$dir/lake" describe --files --format csv bronze.orders | tail -n +2 | wc -l)
expect_eq "one file after the re-run" "$out" 1
out=$("$smelt" --lake "$dir/lake" history --format json bronze.orders | grep -o '"version":[0-9]*\|"added":[0-9]*\|"removed":[0-9]*' | tr '\n' ' ')
expect_eq "the re-run replaced today's file" "$out" '"version":1 "added":1 "removed":1 "version":0 "added":1 "removed":0 '


# incremental: only rows past the high-water mark, which rides in the commit
cat >"$dir/project/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  northwind:
    type: postgres
    tables:
      - name: orders
        as: orders_incremental
        mode: incremental
        column: order_id
YAML
out=$("$smelt" --project "$dir/project" run --format csv bronze.orders_incremental | cut -d, -f1,2,5)
expect_eq "the first incremental run takes every row" "$out" "table,rows,status
bronze.orders_incremental,830,ok"
psql -qc "INSERT INTO orders (order_id, customer_id) VALUES (30001, 'ALFKI'), (30002, 'ANATR')"
out=$("$smelt" --project "$dir/project" run --format csv bronze.orders_incremental | cut -d, -f1,2,5)
expect_eq "the next run takes only the new rows" "$out" "table,rows,status
bronze.orders_incremental,2,ok"
out=$("$smelt" --project "$dir/project" run --format csv bronze.orders_incremental | cut -d, -f1,2,5)
expect_eq "a run with nothing new takes nothing" "$out" "table,rows,status
bronze.orders_incremental,0,ok"
out=$("$smelt" --project "$dir/project" sql --format csv "SELECT count(*) AS n, max(order_id) AS hi FROM bronze.orders_incremental")
expect_eq "bronze holds every row once" "$out" "n,hi
832,30002"
psql -qc "DELETE FROM orders WHERE order_id > 30000"

# failures: an unknown table, then a server that is down — nothing committed
cat >"$dir/project/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  northwind:
    type: postgres
    tables: [orders, no_such_table]
YAML
err=$("$smelt" --project "$dir/project" run 2>&1 >/dev/null); rc=$?
expect_eq "a missing source table fails the run" "$rc" 1
check "the error names the table" grep -q "no_such_table" <<<"$err"
check "no bronze.no_such_table was created" test ! -d "$dir/lake/bronze/no_such_table"
"$svc" stop "$dir/state" >/dev/null 2>&1
err=$("$smelt" --project "$dir/project" run bronze.orders 2>&1 >/dev/null); rc=$?
expect_eq "a stopped server fails the run" "$rc" 1
check "the error says where it tried" grep -q "127.0.0.1:$PGPORT" <<<"$err"
v=$("$smelt" --lake "$dir/lake" history --format csv --limit 1 bronze.orders | tail -1 | cut -d, -f1)
# every run is in _smelt.runs, the failures with their reason
cat >"$dir/runs.py" <<'PY'
import os, sys
from deltalake import DeltaTable
t = DeltaTable(f"{sys.argv[1]}/_smelt/runs").to_pyarrow_table().to_pylist()
failed = [r for r in t if r["status"] == "failed"]
ok = (len(t) == 6 + 1 + 3 + 2 + 1 and len(failed) == 2
      and all("no_such_table" in r["error"] or "127.0.0.1" in r["error"] for r in failed)
      and all(r["inputs"][0].startswith("postgres:northwind.") for r in t))
print(len(t), [(r["model"], r["status"]) for r in failed])
sys.stdout.flush()
os._exit(0 if ok else 1)
PY
check "_smelt.runs records every table of every run" "$py" "$dir/runs.py" "$dir/lake"
# (the run before committed orders as version 2: each table commits on its own)
expect_eq "bronze.orders keeps its last good version" "$v" 2
tier_done
