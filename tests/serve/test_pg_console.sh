#!/usr/bin/env bash
# The SQL console on a PostgreSQL source (target=source:<name>) against a
# real PostgreSQL (scripts/services/postgres) with Northwind loaded:
# `smelt serve` over a project whose source is that database; answers are
# compared with psql's, writes are refused (by the console's guard, and by
# the READ ONLY transaction for a write our guard cannot see: nextval), the
# statement timeout stops a long query, errors carry line and column.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BIN:=$PWD/smelt}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
[[ -x "$SMELT_BIN" ]] || { echo "FAILED: $SMELT_BIN not built" >&2; exit 1; }
command -v curl >/dev/null || tier_skip "curl is not installed"
command -v jq >/dev/null || tier_skip "jq is not installed"

# Not under /root: the server runs as an unprivileged user that must reach it.
state=$(mktemp -d /tmp/smelt-test-serve-pg.XXXXXX)
chmod 755 "$state"
serve_pid=
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  "$svc" stop "$state/pg" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

out=$(timeout 600 "$svc" install 2>&1)
rc=$?
if [[ $rc -eq 69 ]]; then tier_skip "postgres install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
[[ $rc -eq 0 ]] || { echo "$out" >&2; tier_skip "postgres install failed (exit $rc)"; }
timeout 180 "$svc" start "$state/pg" >/dev/null || tier_skip "postgres did not start"
out=$(timeout 300 "$svc" load-northwind "$state/pg" 2>&1)
expect_eq "load-northwind exits 0" "$?" 0
source "$state/pg/postgres.env"
export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
q() { timeout 60 psql -X -w -q -At -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE SEQUENCE smelt_console_seq" || { echo "FAILED: create sequence" >&2; exit 1; }

mkdir -p "$state/p/lake"
cat >"$state/p/smelt.yaml" <<YAML
lake: $state/p/lake
sources:
  northwind:
    type: postgres
    tables: [orders]
YAML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SMELT_BIN" --project "$state/p" serve --listen "127.0.0.1:$port" >"$state/serve.log" 2>&1 &
serve_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.1; done
check "serve answers" curl -sf "$base/api/health" -o /dev/null

# POST /api/query with a target; prints "STATUS BODY"
query() { # TARGET SQL
  local body
  body=$(jq -cn --arg sql "$2" --arg t "$1" '{sql: $sql, target: $t, max_rows: 50}')
  curl -s -m 60 -o "$state/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "$body" "$base/api/query"
}

targets=$(curl -sf "$base/api/query/targets" | jq -r '[.targets[].id] | join(",")')
expect_eq "targets list the source" "$targets" "lake,source:northwind"

# an aggregate, and rows, as psql answers them
st=$(query source:northwind "SELECT count(*) AS n, sum(freight)::numeric(12,2)::text AS f FROM orders")
expect_eq "aggregate answers 200" "$st" 200
got=$(jq -r '.rows[0] | map(tostring) | join("|")' "$state/resp.json")
want=$(q -c "SELECT count(*), sum(freight)::numeric(12,2) FROM orders")
expect_eq "aggregate matches psql" "$got" "$want"
st=$(query source:northwind "SELECT order_id, customer_id, ship_country FROM orders ORDER BY order_id LIMIT 7")
expect_eq "rows answer 200" "$st" 200
got=$(jq -r '.rows[] | map(tostring) | join("|")' "$state/resp.json")
want=$(q -c "SELECT order_id, customer_id, ship_country FROM orders ORDER BY order_id LIMIT 7")
expect_eq "rows match psql" "$got" "$want"
expect_eq "column names" "$(jq -r '[.columns[].name] | join(",")' "$state/resp.json")" \
  "order_id,customer_id,ship_country"
# the row limit: 50 of 830 rows, truncated
st=$(query source:northwind "SELECT order_id FROM orders ORDER BY order_id")
expect_eq "limited query answers 200" "$st" 200
expect_eq "row limit" "$(jq -r '.row_count' "$state/resp.json")" 50
expect_eq "truncated" "$(jq -r '.truncated' "$state/resp.json")" true
# the same through the query string parameter
body=$(jq -cn '{sql: "SELECT count(*) AS n FROM orders"}')
got=$(curl -s -m 60 -H 'Content-Type: application/json' --data "$body" \
  "$base/api/query?target=source:northwind" | jq -r '.rows[0][0]')
expect_eq "target= query parameter" "$got" "$(q -c 'SELECT count(*) FROM orders')"

# writes: refused by the guard before PostgreSQL sees them
st=$(query source:northwind "INSERT INTO orders (order_id) VALUES (999999)")
expect_eq "INSERT refused" "$st" 400
check "INSERT refusal names INSERT" grep -q "INSERT" "$state/resp.json"
st=$(query source:northwind "UPDATE orders SET freight = 0")
expect_eq "UPDATE refused" "$st" 400
# ... and by the READ ONLY transaction for a write inside a SELECT
st=$(query source:northwind "SELECT nextval('smelt_console_seq')")
expect_eq "nextval refused" "$st" 400
check "refused by the read-only transaction" grep -q "read-only transaction" "$state/resp.json"
expect_eq "orders unchanged" "$(q -c 'SELECT count(*) FROM orders WHERE order_id = 999999')" 0
expect_eq "sequence untouched" "$(q -c 'SELECT last_value, is_called FROM smelt_console_seq')" "1|f"

# errors carry the position: line 2, column 3 of the text
st=$(query source:northwind "SELECT order_id,
  no_such_column FROM orders")
expect_eq "unknown column answers 400" "$st" 400
expect_eq "error line" "$(jq -r '.error.line' "$state/resp.json")" 2
expect_eq "error column" "$(jq -r '.error.column' "$state/resp.json")" 3
check "error names the column" grep -q "no_such_column" "$state/resp.json"

# the statement timeout (10 s) stops a long query
t0=$(date +%s)
st=$(query source:northwind "SELECT 1 AS x FROM pg_sleep(60)")
t1=$(date +%s)
expect_eq "long query stopped" "$st" 400
check "by the statement timeout" grep -q "statement timeout" "$state/resp.json"
check "within 30 s" test $((t1 - t0)) -lt 30

# an unknown source, and the page's selector
st=$(query source:nope "SELECT 1")
expect_eq "unknown source" "$st" 400
page=$(curl -sf "$base/sql?q=SELECT%20count(*)%20FROM%20orders&target=source:northwind")
check "page has the selector" grep -q 'option value="source:northwind" selected' <<<"$page"
check "page ran on the source" grep -q ">830<" <<<"$page"

tier_done
