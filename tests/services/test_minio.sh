#!/usr/bin/env bash
# scripts/services/minio: install (build) if missing, start on a free port,
# make buckets, PUT and GET an object with SigV4 and compare the bytes,
# check that bad credentials are refused, restart (data kept), stop, purge.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/minio

state=$(mktemp -d "${TMPDIR:-/tmp}/smelt-test-minio.XXXXXX")
cleanup() {
  "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

only_loopback() {
  local addrs
  addrs=$(ss -ltnH "sport = :$1" | awk '{print $4}')
  [[ -n "$addrs" ]] || return 1
  ! grep -vqE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):' <<<"$addrs"
}
port_closed() { ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# A cold install builds MinIO from source: several minutes on 2 cores.
out=$(timeout 2400 "$svc" install --no-mc 2>&1)
rc=$?
if [[ $rc -eq 69 ]]; then tier_skip "minio install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
if [[ $rc -ne 0 ]]; then
  echo "$out" >&2
  expect_eq "minio install exits 0" "$rc" 0
  tier_done
  exit 1
fi

env_out=$(timeout 180 "$svc" start "$state")
expect_eq "start exits 0" "$?" 0
check "start prints AWS_ENDPOINT_URL" grep -qE '^AWS_ENDPOINT_URL=http://127\.0\.0\.1:[0-9]+$' <<<"$env_out"
check "start prints the reference credentials" grep -qx 'AWS_ACCESS_KEY_ID=minioadmin' <<<"$env_out"
check "start prints AWS_REGION" grep -qx 'AWS_REGION=us-east-1' <<<"$env_out"
expect_eq "env file holds what start printed" "$(cat "$state/minio.env" 2>/dev/null)" "$env_out"
source "$state/minio.env"
port=$SMELT_MINIO_PORT
cport=$SMELT_MINIO_CONSOLE_PORT
check "status says running on the port" bash -c "'$svc' status '$state' | grep -q 'running (pid [0-9]*) on 127.0.0.1:$port'"
check "the S3 API listens on loopback only" only_loopback "$port"
check "the console listens on loopback only" only_loopback "$cport"

# s3 METHOD PATH [OUT [CURL ARGS]] — signed request; the body goes to OUT
# (default /dev/null); prints the HTTP status.
s3() {
  local method=$1 path=$2 out=${3:-/dev/null}
  shift 2
  [[ $# -gt 0 ]] && shift
  curl -sS --max-time 60 -o "$out" -w '%{http_code}' \
    --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -X "$method" "$@" "$AWS_ENDPOINT_URL$path"
}

timeout 120 "$svc" mkbuckets "$state" bronze silver gold >/dev/null 2>&1
expect_eq "mkbuckets exits 0" "$?" 0
timeout 120 "$svc" mkbuckets "$state" bronze >/dev/null 2>&1
expect_eq "mkbuckets of an existing bucket exits 0" "$?" 0
"$svc" mkbuckets "$state" Not_A_Bucket >/dev/null 2>&1
expect_eq "mkbuckets refuses a bad name" "$?" 2
list=$(curl -sS --max-time 60 --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$AWS_ENDPOINT_URL/")
for b in bronze silver gold; do
  check "ListBuckets shows $b" grep -q "<Name>$b</Name>" <<<"$list"
done

# 1 MiB + 7 bytes of random data, PUT then GET back, byte for byte.
head -c $((1024 * 1024 + 7)) /dev/urandom >"$state/object.in"
expect_eq "PUT an object" "$(s3 PUT /bronze/dir/object.bin /dev/null -T "$state/object.in")" 200
expect_eq "GET the object" "$(s3 GET /bronze/dir/object.bin "$state/object.out")" 200
check "the object comes back byte for byte" cmp -s "$state/object.in" "$state/object.out"
: >"$state/empty.in"
expect_eq "PUT an empty object" "$(s3 PUT /silver/empty /dev/null -T "$state/empty.in")" 200
expect_eq "GET the empty object" "$(s3 GET /silver/empty "$state/empty.out")" 200
check "the empty object comes back empty" cmp -s "$state/empty.in" "$state/empty.out"
expect_eq "GET a missing key is 404" "$(s3 GET /bronze/no/such/key)" 404
expect_eq "an unsigned GET is refused" \
  "$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$AWS_ENDPOINT_URL/bronze/dir/object.bin")" 403
expect_eq "a wrong secret is refused" "$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
  --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:wrong-secret" \
  "$AWS_ENDPOINT_URL/bronze/dir/object.bin")" 403

pid=$(cat "$state/minio.pid")
timeout 120 "$svc" stop "$state" >/dev/null 2>&1
expect_eq "stop exits 0" "$?" 0
check "the server process is gone" bash -c "! kill -0 $pid 2>/dev/null"
check "nothing listens on the API port" port_closed "$port"
check "nothing listens on the console port" port_closed "$cport"
"$svc" status "$state" >/dev/null
expect_eq "status of a stopped server exits 3" "$?" 3

timeout 180 "$svc" start "$state" >/dev/null 2>&1
expect_eq "restart exits 0" "$?" 0
source "$state/minio.env"
rm -f "$state/object.out"
expect_eq "GET after restart" "$(s3 GET /bronze/dir/object.bin "$state/object.out")" 200
check "data survives a restart" cmp -s "$state/object.in" "$state/object.out"
port=$SMELT_MINIO_PORT
cport=$SMELT_MINIO_CONSOLE_PORT

timeout 120 "$svc" purge "$state" >/dev/null 2>&1
expect_eq "purge exits 0" "$?" 0
check "purge deletes the data" test ! -e "$state/minio"
check "nothing listens after purge" port_closed "$port"
check "no console listens after purge" port_closed "$cport"
tier_done
