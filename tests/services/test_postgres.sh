#!/usr/bin/env bash
# scripts/services/postgres: install, start on a free port, load Northwind,
# query it over TCP with the password, restart (data kept), stop, purge.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/postgres

# Under /tmp: the server runs as an unprivileged user that must reach it.
state=$(mktemp -d /tmp/smelt-test-pg.XXXXXX)
cleanup() {
  "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every listener on PORT is on the loopback interface.
only_loopback() {
  local addrs
  addrs=$(ss -ltnH "sport = :$1" | awk '{print $4}')
  [[ -n "$addrs" ]] || return 1
  ! grep -vqE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):' <<<"$addrs"
}
port_closed() { ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

out=$("$svc" install 2>&1)
rc=$?
if [[ $rc -eq 69 ]]; then tier_skip "postgres install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
if [[ $rc -ne 0 ]]; then
  echo "$out" >&2
  expect_eq "postgres install exits 0" "$rc" 0
  tier_done
  exit 1
fi

env_out=$(timeout 180 "$svc" start "$state")
expect_eq "start exits 0" "$?" 0
check "start prints SMELT_PG_PORT" grep -qE '^SMELT_PG_PORT=[0-9]+$' <<<"$env_out"
check "start prints PGHOST=127.0.0.1" grep -qx 'PGHOST=127.0.0.1' <<<"$env_out"
expect_eq "env file holds what start printed" "$(cat "$state/postgres.env" 2>/dev/null)" "$env_out"
(
  source "$state/postgres.env"
  export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
  "$svc" status "$state" | grep -q "running (pid [0-9]*) on 127.0.0.1:$PGPORT" || exit 10
  only_loopback "$PGPORT" || exit 11
  [[ -S "$state/pgsock/.s.PGSQL.$PGPORT" ]] || exit 12
  [[ "$PGUSER/$PGPASSWORD/$PGDATABASE" == postgres/postgres/app ]] || exit 13
)
expect_eq "status, loopback-only listener, socket and reference credentials" "$?" 0

source "$state/postgres.env"
port=$SMELT_PG_PORT
q() { PGPASSWORD=postgres PGCONNECT_TIMEOUT=5 psql -X -w -h 127.0.0.1 -p "$port" -U postgres -d app -tAc "$1"; }

expect_eq "a query over TCP answers" "$(q 'SELECT 40 + 2')" 42
check "a wrong password is refused" bash -c \
  "! PGPASSWORD=wrong psql -X -w -h 127.0.0.1 -p $port -U postgres -d app -c 'SELECT 1' >/dev/null 2>&1"

out=$(timeout 300 "$svc" load-northwind "$state" 2>&1)
expect_eq "load-northwind exits 0" "$?" 0
check "load-northwind verifies the counts" grep -q 'rows verified' <<<"$out"
counts() {
  q "SELECT (SELECT count(*) FROM orders) || ' ' || (SELECT count(*) FROM order_details) || ' ' ||
            (SELECT count(*) FROM products) || ' ' || (SELECT count(*) FROM customers) || ' ' ||
            (SELECT count(*) FROM employees) || ' ' || (SELECT count(*) FROM categories)"
}
expect_eq "Northwind row counts" "$(counts)" "830 2155 77 91 9 8"
out=$(timeout 120 "$svc" load-northwind "$state" 2>&1)
expect_eq "a second load-northwind exits 0" "$?" 0
check "a second load-northwind loads nothing" grep -q 'already loaded' <<<"$out"
expect_eq "counts unchanged after the second load" "$(counts)" "830 2155 77 91 9 8"

out=$(timeout 60 "$svc" start "$state" 2>/dev/null)
expect_eq "start while running exits 0" "$?" 0
expect_eq "start while running keeps the port" "$out" "$env_out"

pid=$(head -n 1 "$state/pg/postmaster.pid")
timeout 120 "$svc" stop "$state" >/dev/null 2>&1
expect_eq "stop exits 0" "$?" 0
check "the server process is gone" bash -c "! kill -0 $pid 2>/dev/null"
check "nothing listens on the port" port_closed "$port"
"$svc" status "$state" >/dev/null
expect_eq "status of a stopped server exits 3" "$?" 3
check "stop keeps the data" test -f "$state/pg/PG_VERSION"

timeout 180 "$svc" start "$state" >/dev/null 2>&1
expect_eq "restart exits 0" "$?" 0
expect_eq "restart reuses the free port" "$(sed -n 's/^SMELT_PG_PORT=//p' "$state/postgres.env")" "$port"
expect_eq "data survives a restart" "$(counts)" "830 2155 77 91 9 8"

timeout 120 "$svc" purge "$state" >/dev/null 2>&1
expect_eq "purge exits 0" "$?" 0
check "purge deletes the data" test ! -e "$state/pg"
check "nothing listens after purge" port_closed "$port"
tier_done
