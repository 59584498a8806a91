#!/usr/bin/env bash
# The starter projects under examples/ run, and their gold numbers equal what
# pyarrow computes from the same input files.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d /tmp/smelt-starters-XXXXXX)
trap 'rm -rf "$dir"' EXIT
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/dev/null) || tier_skip "python peers (pyarrow) could not be installed"

# starter-files: CSV + JSON lines + Parquet → silver join → gold aggregate
cp -r "$SMELT_SOURCE_DIR/examples/starter-files" "$dir/files"
rm -rf "$dir/files/lake"
out=$(cd "$dir/files" && "$smelt" run --format csv 2>&1); rc=$?
expect_eq "starter-files runs" "$rc" 0
expect_eq "every table is built" "$(cut -d, -f1,2,5 <<<"$out")" "table,rows,status
bronze.customers,5,ok
bronze.orders,7,ok
bronze.products,3,ok
silver.order_lines,7,ok
gold.revenue_by_country,4,ok"
got=$(cd "$dir/files" && "$smelt" sql --format csv "SELECT * FROM gold.revenue_by_country ORDER BY country")
cat >"$dir/oracle.py" <<'PY'
import csv, json, sys, collections
import pyarrow.parquet as pq
d = sys.argv[1] + "/data"
cust = {r["customer_id"]: r for r in csv.DictReader(open(f"{d}/customers.csv"), delimiter=";")}
prod = {r["product_id"]: r for r in pq.read_table(f"{d}/products.parquet").to_pylist()}
g = collections.defaultdict(list)
for line in open(f"{d}/orders.jsonl"):
    o = json.loads(line)
    c, p = cust[o["customer_id"]], prod[o["product_id"]]
    g[c["country"].strip().upper()].append((o["quantity"] * p["unit_price"], o["customer_id"], int(o["order_date"][5:7])))
print("country,revenue,orders,customers,avg_order,last_month")
for k in sorted(g):
    a = [x[0] for x in g[k]]
    print(f"{k},{round(sum(a), 2)},{len(a)},{len({x[1] for x in g[k]})},{round(sum(a) / len(a), 2)},{max(x[2] for x in g[k])}")
PY
expect_eq "gold equals pyarrow's computation over the input files" "$got" "$("$py" "$dir/oracle.py" "$dir/files")"
tier_done
