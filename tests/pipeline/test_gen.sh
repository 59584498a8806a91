#!/usr/bin/env bash
# smelt gen northwind: scale 3 into a real PostgreSQL (tables created by the
# generator), then the example project runs unchanged on it: bronze holds
# the generator's counts and gold.total_revenue equals PostgreSQL's own sum;
# the same seed straight into bronze gives the same tables.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
dir=$(mktemp -d /tmp/smelt-gen-XXXXXX)
chmod 755 "$dir" # the server runs as its own user
cleanup() { "$svc" stop "$dir/state" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
tier_pg_start "$dir"

# generate into the empty database: the six tables are created
out=$("$smelt" gen northwind --scale 3 --seed 7 --to postgres --format csv); rc=$?
expect_eq "gen --to postgres exits 0" "$rc" 0
counts=$(tail -n +2 <<<"$out" | grep -v '^total,' | cut -d, -f1,2)
lines=$(grep '^order_details,' <<<"$counts" | cut -d, -f2)
expect_eq "the fixed and scaled counts" "$(grep -v order_details <<<"$counts")" "categories,8
products,77
employees,9
customers,273
orders,2490"
check "about 2155 lines per scale unit ($lines)" test "$lines" -gt 6000 -a "$lines" -lt 7000
for t in categories products employees customers orders order_details; do
  want=$(grep "^$t," <<<"$counts" | cut -d, -f2)
  expect_eq "PostgreSQL holds the rows of $t" "$(psql -At -c "select count(*) from $t")" "$want"
done
expect_eq "order_details.order_id has the real type" \
  "$(psql -At -c "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'order_details'::regclass and attname = 'order_id'")" smallint
expect_eq "every line's order exists" \
  "$(psql -At -c "select count(*) from order_details d left join orders o using (order_id) where o.order_id is null")" 0

# a second load without --replace refuses; with it, the same rows again
err=$("$smelt" gen northwind --scale 3 --seed 7 --to postgres 2>&1 >/dev/null); rc=$?
expect_eq "a second load without --replace fails" "$rc" 1
check "the error says why" grep -q "already has rows" <<<"$err"
"$smelt" gen northwind --scale 3 --seed 7 --to postgres --replace >/dev/null; rc=$?
expect_eq "--replace reloads" "$rc" 0
expect_eq "the same rows after --replace" "$(psql -At -c "select count(*) from order_details")" "$lines"

# the example project, unchanged, on the generated database
cp -r "$SMELT_SOURCE_DIR/examples/northwind" "$dir/project"
rm -rf "$dir/project/lake"
out=$("$smelt" --project "$dir/project" --lake "$dir/lake" run --format csv 2>"$dir/run.err"); rc=$?
for t in categories products employees customers orders order_details; do
  want=$(grep "^$t," <<<"$counts" | cut -d, -f2)
  got=$(grep "^bronze.$t," <<<"$out" | cut -d, -f2)
  expect_eq "bronze.$t holds the generator's rows" "$got" "$want"
done
check "silver.master_ventes was built" grep -q "^silver.master_ventes,$lines," <<<"$out"
smelt_rev=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT total_revenue FROM gold.total_revenue" | tail -1)
pg_rev=$(psql -At -c "select sum(round((unit_price * quantity * (1 - discount))::numeric, 2)) from order_details")
check "gold.total_revenue ($smelt_rev) is PostgreSQL's sum ($pg_rev) within 0.5%" \
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b > 0 and abs(a - b) / b < 0.005 else 1)" "$smelt_rev" "$pg_rev"
smelt_cust=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT customers FROM gold.total_revenue" | tail -1)
pg_cust=$(psql -At -c "select count(distinct c.company_name) from order_details d join orders o using (order_id) join customers c using (customer_id)")
expect_eq "gold.total_revenue counts PostgreSQL's buying customers" "$smelt_cust" "$pg_cust"

# the same seed straight into bronze: the same counts and the same revenue
"$smelt" --lake "$dir/lake2" gen northwind --scale 3 --seed 7 >/dev/null; rc=$?
expect_eq "gen --to bronze exits 0" "$rc" 0
declare -A probe=(
  [customers]="count(*), count(DISTINCT company_name), min(customer_id), max(customer_id)"
  [orders]="count(*), min(order_date), max(order_date), round(sum(freight), 2)"
  [order_details]="count(*), sum(quantity), sum(product_id)")
for t in customers orders order_details; do
  q="SELECT ${probe[$t]} FROM bronze.$t"
  expect_eq "bronze.$t: the PostgreSQL path and the direct path agree" \
    "$("$smelt" --lake "$dir/lake2" sql --format csv "$q" | tail -1)" "$("$smelt" --lake "$dir/lake" sql --format csv "$q" | tail -1)"
done
q="SELECT round(sum(od.unit_price * od.quantity * (1 - od.discount)), 2) FROM bronze.order_details od"
expect_eq "the lines' revenue agrees between both paths" \
  "$("$smelt" --lake "$dir/lake2" sql --format csv "$q" | tail -1)" "$("$smelt" --lake "$dir/lake" sql --format csv "$q" | tail -1)"
tier_done
