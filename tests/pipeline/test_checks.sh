#!/usr/bin/env bash
# Data-quality checks of `smelt run` over a CSV file source: a failing check
# commits nothing (the table keeps its last good version) and says which
# check, how many rows and examples; quarantine sets exactly the bad rows
# aside (python3 computes them from the CSV independently); a file source
# re-run the same day replaces that day; config errors are file:line:col.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d /tmp/smelt-checks-XXXXXX)
trap 'rm -rf "$dir"' EXIT
p=$dir/project
mkdir -p "$p/data" "$p/models/silver" "$p/models/gold"
cat >"$p/data/customers.csv" <<'CSV'
customer_id,name
ALFKI,Alfreds
ANATR,Ana Trujillo
BERGS,Berglunds
CSV
cat >"$p/data/orders.csv" <<'CSV'
order_id,customer_id,country,amount
1,ALFKI,FR,10.5
2,ANATR,DE,20
3,BERGS,FR,7.25
4,ALFKI,DE,3
CSV
cat >"$p/models/silver/orders.sql" <<'SQL'
SELECT order_id, customer_id, country, amount FROM bronze.orders
SQL
cat >"$p/models/gold/by_country.sql" <<'SQL'
SELECT country, sum(amount) AS revenue FROM silver.orders GROUP BY country
SQL
write_yaml() { # $1: on_fail of the row checks
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  orders:
    type: files
    format: csv
    path: data/orders.csv
  customers:
    type: files
    path: data/customers.csv
models:
  silver.orders:
    checks:
      - not_null: [customer_id, country]
        on_fail: $1
      - unique: [order_id]
        on_fail: $1
      - accepted_values: {column: country, values: [FR, DE]}
        on_fail: $1
      - relationships: {column: customer_id, to: bronze.customers, field: customer_id}
        on_fail: $1
      - row_count: {min: 1, max: 100}
      - sql: SELECT * FROM this WHERE amount < 0
        name: no_negative_amount
        on_fail: $1
  gold.by_country:
    checks:
      - row_count: {min: 1}
YAML
}
write_yaml fail
out=$("$smelt" --project "$p" run --format csv 2>"$dir/err"); rc=$?
expect_eq "a clean run exits 0" "$rc" 0
expect_eq "every table is committed" "$(cut -d, -f1,2,4,5 <<<"$out")" "table,rows,version,status
bronze.orders,4,0,ok
bronze.customers,3,0,ok
silver.orders,4,0,ok
gold.by_country,2,0,ok"
expect_eq "the checks pass and are listed" "$(grep '^silver' <<<"$out" | cut -d, -f6-)" \
  '"not_null(customer_id, country) pass; unique(order_id) pass; accepted_values(country) pass; relationships(customer_id -> bronze.customers.customer_id) pass; row_count(1..100) pass; no_negative_amount pass"'
check "no staging table is left" test ! -e "$dir/lake/_smelt/stage_"*

# bad rows: a duplicate id, a NULL country, an unknown country, an orphan
# customer, a negative amount
cat >"$p/data/orders.csv" <<'CSV'
order_id,customer_id,country,amount
1,ALFKI,FR,10.5
2,ANATR,DE,20
2,BERGS,FR,7.25
4,ALFKI,,3
5,ZZZZZ,FR,1
6,ANATR,ES,2
7,BERGS,DE,-4
8,ALFKI,DE,9
CSV
out=$("$smelt" --project "$p" run --format csv 2>"$dir/err"); rc=$?
expect_eq "a failing check makes the run exit 1" "$rc" 1
err=$(cat "$dir/err")
expect_eq "the error names the model, the check, where, the count and examples" \
  "$(grep -o 'silver.orders: check .*' <<<"$err")" \
  "silver.orders: check not_null(customer_id, country) at $p/smelt.yaml:13:9 failed: 1 bad row, e.g. (4, ALFKI, NULL, 3.0) (4 more failing checks); nothing committed"
expect_eq "the summary shows every check's outcome" "$(grep '^silver' <<<"$out" | cut -d, -f5-)" \
  'failed,"not_null(customer_id, country) fail 1 (e.g. (4, ALFKI, NULL, 3.0)); unique(order_id) fail 2 (e.g. 2, 2); accepted_values(country) fail 1 (e.g. ES); relationships(customer_id -> bronze.customers.customer_id) fail 1 (e.g. ZZZZZ); row_count(1..100) pass; no_negative_amount fail 1 (e.g. (7, BERGS, DE, -4.0))"'
expect_eq "the model downstream is skipped" "$(grep '^gold' <<<"$out" | cut -d, -f1,5)" "gold.by_country,skipped"
hist=$("$smelt" --lake "$dir/lake" history --format csv silver.orders | tail -n +2 | wc -l)
expect_eq "silver.orders keeps its last good version (no new commit)" "$hist" 1
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*) AS n, sum(amount) AS s FROM silver.orders")
expect_eq "its rows are the previous run's" "$out" "n,s
4,40.75"
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*) AS n FROM silver.orders VERSION AS OF 0")
expect_eq "version 0 is still the current data" "$out" "n
4"
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT status, checks IS NOT NULL AS c, error LIKE '%not_null(customer_id, country)%' AS named FROM _smelt.runs WHERE model = 'silver.orders' ORDER BY started_at DESC, status LIMIT 1")
expect_eq "_smelt.runs records the failure and the checks" "$out" "status,c,named
failed,true,true"
check "no staging table is left after a failure" test ! -e "$dir/lake/_smelt/stage_"*

# quarantine: the same checks set the bad rows aside; python3 says which
write_yaml quarantine
out=$("$smelt" --project "$p" run --format csv 2>"$dir/err"); rc=$?
expect_eq "a quarantining run exits 0" "$rc" 0
expect_eq "the summary counts the quarantined rows" "$(grep '^silver' <<<"$out" | cut -d, -f1,2,5,6)" 'silver.orders,2,"ok, 6 quarantined"' 
cat >"$dir/oracle.py" <<'PY'
import csv, sys, collections
p = sys.argv[1]
cust = {r["customer_id"] for r in csv.DictReader(open(f"{p}/data/customers.csv"))}
rows = list(csv.DictReader(open(f"{p}/data/orders.csv")))
ids = collections.Counter(r["order_id"] for r in rows)
bad = set()
for i, r in enumerate(rows):
    if (not r["customer_id"] or not r["country"] or ids[r["order_id"]] > 1
            or (r["country"] and r["country"] not in ("FR", "DE"))
            or (r["customer_id"] and r["customer_id"] not in cust) or float(r["amount"]) < 0):
        bad.add(i)
good = [r for i, r in enumerate(rows) if i not in bad]
print(len(good), " ".join(sorted({rows[i]["order_id"] for i in bad}, key=int)),
      round(sum(float(r["amount"]) for r in good), 2))
PY
want=$(python3 "$dir/oracle.py" "$p")
got_good=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*), round(sum(amount), 2) FROM silver.orders" | tail -1 | tr , ' ')
got_bad=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT DISTINCT order_id FROM silver.orders_quarantine ORDER BY order_id" | tail -n +2 | tr '\n' ' ' | sed 's/ $//')
read -r w_n w_ids_and_sum <<<"$want"
expect_eq "the committed rows are exactly the good ones (python3 oracle)" \
  "$(awk '{print $1, $2}' <<<"$got_good") [$got_bad]" \
  "$(awk '{print $1, $NF}' <<<"$want") [$(awk '{$1=""; $NF=""; print}' <<<"$want" | xargs)]"
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT order_id, _check FROM silver.orders_quarantine ORDER BY order_id, _check")
expect_eq "each bad row is quarantined with the check it failed" "$out" "order_id,_check
2,unique(order_id)
2,unique(order_id)
4,\"not_null(customer_id, country)\"
5,relationships(customer_id -> bronze.customers.customer_id)
6,accepted_values(country)
7,no_negative_amount"
expect_eq "the summary of the quarantining run" "$("$smelt" --lake "$dir/lake" sql --format csv "SELECT rows FROM _smelt.runs WHERE model = 'silver.orders' AND status = 'ok' ORDER BY started_at DESC LIMIT 1" | tail -1)" 2
expect_eq "gold ran over the good rows" "$("$smelt" --lake "$dir/lake" sql --format csv "SELECT country, revenue FROM gold.by_country ORDER BY country")" "country,revenue
DE,9.0
FR,10.5"

# a file source re-run the same day replaces that day
"$smelt" --project "$p" run --format csv bronze.orders >/dev/null 2>&1
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*) AS n, count(DISTINCT _ingestion_date) AS days, min(_source) AS src FROM bronze.orders")
expect_eq "the re-run replaced today's rows" "$out" "n,days,src
8,1,csv"
out=$("$smelt" --lake "$dir/lake" history --format json bronze.orders | grep -o '"version":[0-9]*\|"removed":[0-9]*' | head -2 | tr '\n' ' ')
expect_eq "the last commit removed the day's previous file" "$out" '"version":3 "removed":1 '

# configuration errors point into smelt.yaml
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
models:
  silver.orders:
    checks:
      - not_nul: [order_id]
YAML
err=$("$smelt" --project "$p" run 2>&1 >/dev/null)
expect_eq "an unknown check kind is file:line:col" "$(grep -o 'smelt.yaml:5:[0-9]*: unknown key "not_nul".*' <<<"$err")" \
  'smelt.yaml:5:9: unknown key "not_nul" in a check (did you mean "not_null"?)'
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
models:
  silver.order:
    checks: [{row_count: {min: 1}}]
YAML
err=$("$smelt" --project "$p" run 2>&1 >/dev/null)
expect_eq "an unknown model is file:line:col" "$(grep -o 'smelt.yaml:3:3: .*' <<<"$err")" \
  'smelt.yaml:3:3: no model silver.order (expected the file models/silver/order.sql)'
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
models:
  silver.orders:
    checks:
      - row_count: {min: 1}
        severity: warn
        on_fail: quarantine
YAML
err=$("$smelt" --project "$p" run 2>&1 >/dev/null)
expect_eq "warn + quarantine is refused" "$(grep -o 'smelt.yaml:7:18: .*' <<<"$err")" \
  'smelt.yaml:7:18: severity warn keeps the rows: it cannot quarantine them'
tier_done
