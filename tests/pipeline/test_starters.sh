#!/usr/bin/env bash
# The starter projects under examples/ run, and their gold numbers equal what
# pyarrow (files) or python3 (the web API's JSON) computes from the same input.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d /tmp/smelt-starters-XXXXXX)
srv=
trap '[[ -n $srv ]] && { kill $srv 2>/dev/null; wait $srv 2>/dev/null; }; rm -rf "$dir"' EXIT
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

# starter-api: a web JSON API (its serve.py on a free port) → bronze → silver → gold
cp -r "$SMELT_SOURCE_DIR/examples/starter-api" "$dir/api"
rm -rf "$dir/api/lake"
python3 "$dir/api/serve.py" 0 >"$dir/api-port" &
srv=$!
for _ in $(seq 100); do [[ -s $dir/api-port ]] && break; sleep 0.1; done
port=$(head -1 "$dir/api-port")
[[ $port =~ ^[0-9]+$ ]] || { echo "FAIL: the starter's API server did not start" >&2; echo "1 failed"; exit 1; }
sed -i "s|http://127.0.0.1:8765/|http://127.0.0.1:$port/|" "$dir/api/smelt.yaml"
check "the project points at the test's server" grep -q "127.0.0.1:$port/api/orders" "$dir/api/smelt.yaml"
out=$(cd "$dir/api" && STARTER_TOKEN=demo "$smelt" run --format csv 2>&1); rc=$?
expect_eq "starter-api runs" "$rc" 0
expect_eq "every table is built" "$(cut -d, -f1,2,5 <<<"$out")" "table,rows,status
bronze.customers,12,ok
bronze.orders,37,ok
silver.orders,33,ok
gold.revenue_by_country,5,ok
gold.top_customers,11,ok"
cat >"$dir/api-oracle.py" <<'PY'
import json, sys, collections
d = sys.argv[1] + "/data"
cust = {c["customer_id"]: c for c in json.load(open(f"{d}/customers.json"))}
rows = [dict(o, amount=o["quantity"] * o["unit_price"], **{k: cust[o["customer_id"]][k] for k in ("name", "country")})
        for o in json.load(open(f"{d}/orders.json")) if o["status"] != "cancelled"]
g = collections.defaultdict(list)
for r in rows:
    g[r["country"]].append(r)
print("country,revenue,orders,customers,items")
for k in sorted(g):
    print(f"{k},{round(sum(r['amount'] for r in g[k]), 2)},{len(g[k])},{len({r['customer_id'] for r in g[k]})},{sum(r['quantity'] for r in g[k])}")
t = collections.defaultdict(list)
for r in rows:
    t[(r["name"], r["country"])].append(r)
print("name,country,revenue,orders,last_month")
for (n, c), v in sorted(t.items(), key=lambda kv: (-round(sum(r["amount"] for r in kv[1]), 2), kv[0][0])):
    print(f"{n},{c},{round(sum(r['amount'] for r in v), 2)},{len(v)},{max(int(r['ordered_at'][5:7]) for r in v)}")
PY
got=$(cd "$dir/api" && "$smelt" sql --format csv "SELECT * FROM gold.revenue_by_country ORDER BY country" &&
  "$smelt" sql --format csv "SELECT * FROM gold.top_customers ORDER BY revenue DESC, name")
expect_eq "gold equals python3's computation over the API's JSON" "$got" "$(python3 "$dir/api-oracle.py" "$dir/api")"
got=$(cd "$dir/api" && "$smelt" sql --format csv "SELECT _source, count(*) AS n FROM bronze.orders GROUP BY _source")
expect_eq "bronze rows carry _source http" "$got" "_source,n
http,37"
out=$(cd "$dir/api" && STARTER_TOKEN=wrong "$smelt" run --format csv 2>"$dir/api-err"); rc=$?
expect_eq "a wrong token fails the run" "$rc" 1
check "the error names the orders API and its HTTP status" grep -q "bronze.orders from orders: http://127.0.0.1:$port/api/orders page 1: HTTP 401" "$dir/api-err"
check "the token is never printed" bash -c "! grep -q wrong '$dir/api-err'"
expect_eq "the orders' downstream is skipped, customers still land" "$(cut -d, -f1,5 <<<"$out")" "table,status
bronze.customers,ok
bronze.orders,failed
silver.orders,skipped
gold.revenue_by_country,skipped
gold.top_customers,skipped"
tier_done
