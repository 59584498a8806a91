#!/usr/bin/env bash
# The PostgreSQL source (src/connect/pg_*) against a real PostgreSQL: start a
# private server in a temporary directory, load Northwind, make a 1M-row
# table, time psql's binary \copy of it, then run pg_check (every value
# compared with PostgreSQL's text, aggregates, bounded memory, a backend
# killed mid-COPY, unsupported types, wrong passwords).
# Usage: test_pg.sh [PATH/TO/connect_pg_check]
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
check_bin=${1:-${SMELT_BUILD_DIR:-.}/tests/connect_pg_check}
[[ -x "$check_bin" ]] || { echo "pg_check not built: $check_bin" >&2; exit 1; }

# Not under /root: the server runs as an unprivileged user that must reach it.
state=$(mktemp -d /tmp/smelt-test-connect-pg.XXXXXX)
cleanup() {
  "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

out=$(timeout 600 "$svc" install 2>&1)
rc=$?
if [[ $rc -eq 69 ]]; then tier_skip "postgres install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
if [[ $rc -ne 0 ]]; then
  echo "$out" >&2
  tier_skip "postgres install failed (exit $rc)"
fi
if ! timeout 180 "$svc" start "$state" >/dev/null; then
  tail -n 20 "$state/postgres.log" >&2
  tier_skip "postgres did not start"
fi
out=$(timeout 300 "$svc" load-northwind "$state" 2>&1)
expect_eq "load-northwind exits 0" "$?" 0

source "$state/postgres.env"
export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
export PGCONNECT_TIMEOUT=10
q() { timeout 300 psql -X -w -q -v ON_ERROR_STOP=1 "$@"; }

q -c "DROP TABLE IF EXISTS smelt_bench_1m;
      CREATE TABLE smelt_bench_1m AS
        SELECT i::int8 AS id, i * 0.25::float8 AS x, md5(i::text) || md5((i + 1)::text) AS s,
               DATE '2000-01-01' + (i % 20000) AS d
        FROM generate_series(1, 1000000) AS i;" && q -c "VACUUM ANALYZE smelt_bench_1m"
expect_eq "1M-row table created" "$?" 0
t0=$(date +%s.%N)
q -c "\\copy (SELECT * FROM smelt_bench_1m) to /dev/null (format binary)"
t1=$(date +%s.%N)
psql_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

# ASan keeps freed blocks in quarantine (256 MB by default), which would
# read as RSS growth in the bounded-memory check: keep it small.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
timeout 900 "$check_bin" "$psql_s"
expect_eq "pg_check passes" "$?" 0
tier_done
