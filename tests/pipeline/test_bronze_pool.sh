#!/usr/bin/env bash
# smelt run reuses its PostgreSQL connections across the tables of a run
# (pipeline/bronze.c, connect/pg_pool.c): the server's own log
# (log_connections) shows one connection for a --jobs 1 run of eight
# tables and at most two for --jobs 2; a table that fails before its COPY
# (missing) or during it (PostgreSQL raises an error mid-stream) does not
# spoil the tables after it, which land whole (checked against PostgreSQL's
# own sums), while the failed ones commit nothing.  A table whose COPY
# loses the connection (the backend is terminated mid-stream) fails alone:
# the lost connection is dropped and the next table opens a fresh one; a
# connection the server drops while it waits in the pool between tables is
# replaced too, and its next table lands.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
dir=$(mktemp -d /tmp/smelt-bronze-pool-XXXXXX)
chmod 755 "$dir" # the server runs as its own user
cleanup() { "$svc" stop "$dir/state" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
tier_pg_start "$dir" northwind
export PGCONNECT_TIMEOUT=10
q() { timeout 120 psql -X -w -q -v ON_ERROR_STOP=1 "$@"; }

q -c "ALTER SYSTEM SET log_connections = on" && q -c "SELECT pg_reload_conf()" >/dev/null
expect_eq "log_connections on" "$?" 0
# PostgreSQL fails this one's COPY at row 1,500, after rows went out
q -c "CREATE VIEW bad_view AS SELECT i, 1 / (1500 - i) AS x FROM generate_series(1, 3000) AS i"
expect_eq "view created" "$?" 0
# this one's backend terminates itself at row 2,000
q -c "CREATE VIEW kill_view AS SELECT i, CASE WHEN i = 2000 THEN pg_terminate_backend(pg_backend_pid()) END AS k
      FROM generate_series(1, 3000) AS i"
expect_eq "kill view created" "$?" 0
log=$dir/state/postgres.log
# smelt's connections since the log had `from` lines (both sources use the
# PG* variables: they share the pool's connections)
smelt_conns() { tail -n +"$(($1 + 1))" "$log" | grep -c 'connection authorized.*application_name=smelt'; }

mkdir -p "$dir/project"
cat >"$dir/project/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  northwind:
    type: postgres
    tables: [orders, order_details, no_such_table, products, bad_view, customers, employees, categories]
  killer:
    type: postgres
    tables:
      - kill_view
      - name: products
        as: products_again
YAML
want="bronze.orders,830,ok
bronze.order_details,2155,ok
bronze.no_such_table,,failed
bronze.products,77,ok
bronze.bad_view,,failed
bronze.customers,91,ok
bronze.employees,9,ok
bronze.categories,8,ok
bronze.kill_view,,failed
bronze.products_again,77,ok"
for jobs in 1 2; do
  from=$(wc -l <"$log")
  out=$(timeout 300 "$smelt" --project "$dir/project" run --jobs "$jobs" --format csv 2>"$dir/err"); rc=$?
  expect_eq "run --jobs $jobs: exits 1 (three tables failed)" "$rc" 1
  expect_eq "run --jobs $jobs: every other table lands" \
    "$(tail -n +2 <<<"$out" | cut -d, -f1,2,5 | sed 's/,-1,/,,/')" "$want"
  check "run --jobs $jobs: the missing table is named" grep -q 'no_such_table.*does not exist' "$dir/err"
  check "run --jobs $jobs: the mid-COPY error is named" grep -q 'bad_view.*division by zero' "$dir/err"
  check "run --jobs $jobs: the lost connection is named" grep -q 'kill_view.*connection lost during COPY' "$dir/err"
  n=$(smelt_conns "$from")
  if [[ $jobs == 1 ]]; then
    expect_eq "run --jobs 1: ten tables on one PostgreSQL connection, and one more after it was lost" "$n" 2
  else
    check "run --jobs 2: ten tables on two PostgreSQL connections, one more after the loss (got $n)" \
      test "$n" -ge 2 -a "$n" -le 3
  fi
done

# the tables after the failures hold what PostgreSQL holds
for t in products customers categories products_again; do
  case $t in
  products | products_again) expr="count(*), sum(product_id), sum(units_in_stock), count(quantity_per_unit)" ;;
  customers) expr="count(*), sum(length(company_name)), count(region)" ;;
  categories) expr="count(*), sum(length(category_name)), sum(length(description))" ;;
  esac
  want=$(q -At -c "SELECT $expr FROM ${t%_again}" | tr '|' ',')
  got=$(timeout 120 "$smelt" --lake "$dir/lake" sql --format csv "SELECT $expr FROM bronze.$t" | tail -1)
  expect_eq "bronze.$t holds what PostgreSQL holds" "$got" "$want"
done
check "the failed tables committed nothing" test ! -e "$dir/lake/bronze/no_such_table/_delta_log/00000000000000000000.json" -a \
  ! -e "$dir/lake/bronze/bad_view/_delta_log/00000000000000000000.json" -a \
  ! -e "$dir/lake/bronze/kill_view/_delta_log/00000000000000000000.json"

# the Delta writer cannot open (the column changed type since the last
# run: the table's schema no longer matches): that table fails, opening
# it on the writer thread while the COPY had begun; the next lands
q -c "CREATE TABLE clash AS SELECT 1::int AS a"
expect_eq "clash table created" "$?" 0
mkdir -p "$dir/project3"
cat >"$dir/project3/smelt.yaml" <<YAML
lake: $dir/lake3
sources:
  pg:
    type: postgres
    tables: [clash, products]
YAML
out=$(timeout 300 "$smelt" --project "$dir/project3" run --jobs 1 --format csv bronze.clash); rc=$?
expect_eq "clash lands first" "$rc,$(tail -1 <<<"$out" | cut -d, -f1,2,5)" "0,bronze.clash,1,ok"
q -c "ALTER TABLE clash ALTER a TYPE text"
out=$(timeout 300 "$smelt" --project "$dir/project3" run --jobs 1 --format csv 2>"$dir/err3"); rc=$?
expect_eq "a schema clash fails the run" "$rc" 1
expect_eq "the clash fails alone" "$(tail -n +2 <<<"$out" | cut -d, -f1,2,5 | sed 's/,-1,/,,/')" "bronze.clash,,failed
bronze.products,77,ok"
check "the clash is named" grep -q 'bronze.clash.*does not match the table' "$dir/err3"
got=$(timeout 60 "$smelt" --lake "$dir/lake3" history --format csv --limit 1 bronze.clash | tail -1 | cut -d, -f1)
expect_eq "the clash committed nothing" "$got" 0

# the server drops the idle connection between two tables: a view read on
# another connection (a second key: its url differs) terminates every
# other smelt backend; the next table of the first key still lands
q -c "CREATE VIEW kill_idle AS SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity
      WHERE application_name = 'smelt' AND pid <> pg_backend_pid()"
expect_eq "kill_idle view created" "$?" 0
mkdir -p "$dir/project2"
cat >"$dir/project2/smelt.yaml" <<YAML
lake: $dir/lake2
sources:
  first:
    type: postgres
    tables: [products]
  other:
    type: postgres
    url: "host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER"
    tables: [kill_idle]
  again:
    type: postgres
    tables:
      - name: customers
        as: customers_after_kill
YAML
from=$(wc -l <"$log")
out=$(timeout 300 "$smelt" --project "$dir/project2" run --jobs 1 --format csv 2>"$dir/err2"); rc=$?
expect_eq "run after an idle kill exits 0" "$rc" 0
expect_eq "every table lands" "$(tail -n +2 <<<"$out" | cut -d, -f1,2,5)" "bronze.products,77,ok
bronze.kill_idle,1,ok
bronze.customers_after_kill,91,ok"
got=$(timeout 120 "$smelt" --lake "$dir/lake2" sql --format csv "SELECT killed FROM bronze.kill_idle" | tail -1)
expect_eq "the view terminated the idle connection" "$got" 1
expect_eq "three connections: the first, the other key's, the replacement" "$(smelt_conns "$from")" 3
tier_done
