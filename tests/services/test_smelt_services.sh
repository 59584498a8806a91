#!/usr/bin/env bash
# `smelt services up|status|down [--purge]`: the whole stack with one command,
# on free loopback ports, then the reference pipeline's bronze layer into
# MinIO's buckets through it.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
state=$(mktemp -d /tmp/smelt-services-XXXXXX)
chmod 755 "$state"
trap '"$smelt" services down --purge --state "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg=$(free_port) kafka=$(free_port) minio=$(free_port)
if ! "$smelt" services up --state "$state" --pg-port "$pg" --kafka-port "$kafka" --minio-port "$minio" \
    >"$state/up.out" 2>"$state/up.err"; then
  if grep -q "registry\|unreachable\|could not be reached" "$state/up.err"; then
    tier_skip "a service could not be installed: $(tail -1 "$state/up.err")"
  fi
  cat "$state/up.err" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
out=$("$smelt" services status --state "$state"); rc=$?
expect_eq "status exits 0 when everything runs" "$rc" 0
check "PostgreSQL listens where asked" grep -q "PostgreSQL *running *postgresql://postgres:postgres@127.0.0.1:$pg/app" <<<"$out"
check "Kafka listens where asked" grep -q "Kafka *running *127.0.0.1:$kafka" <<<"$out"
check "MinIO listens where asked" grep -q "MinIO *running *http://127.0.0.1:$minio" <<<"$out"
check "a smelt.yaml fragment was written" grep -q "bootstrap: 127.0.0.1:$kafka" "$state/smelt.yaml"

# the reference layout: bronze tables in the bronze bucket
mkdir -p "$state/project"
cp -r "$SMELT_SOURCE_DIR/examples/northwind/models" "$state/project/"
{
  cat "$state/smelt.yaml"
  cat <<YAML
lake: s3://gold/lake
layers:
  bronze: s3://bronze
  silver: s3://silver
  gold: s3://gold
sources:
  northwind:
    type: postgres
    tables: [orders, order_details, products, customers, employees, categories]
YAML
} >"$state/project/smelt.yaml"
out=$("$smelt" --project "$state/project" run --format csv); rc=$?
expect_eq "the pipeline runs against the stack" "$rc" 0
check "orders landed in the bronze bucket" grep -q "^bronze.orders,830,.*,ok$" <<<"$out"
n=$("$smelt" --project "$state/project" describe --files --format csv bronze.orders | tail -n +2 | wc -l)
expect_eq "bronze.orders has one file in MinIO" "$n" 1

"$smelt" services down --state "$state" >/dev/null; rc=$?
expect_eq "down exits 0" "$rc" 0
"$smelt" services status --state "$state" >/dev/null; rc=$?
expect_eq "status exits 1 when stopped" "$rc" 1
check "down keeps the data" test -d "$state/pg"
"$smelt" services down --purge --state "$state" >/dev/null; rc=$?
expect_eq "down --purge exits 0" "$rc" 0
check "down --purge deletes the data" test ! -d "$state/pg"
tier_done
