#!/usr/bin/env bash
# The S3 store (src/store/s3*.c) against a real MinIO server: starts MinIO
# on a free 127.0.0.1 port in a temporary state directory, makes a bucket,
# starts tests/store/faultproxy.py in front of it, runs tests/store/s3_check
# (every operation, the retry tests through the proxy), then checks that
# no multipart upload was left behind.  Skipped (failed under CI=true) when
# MinIO cannot be installed.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BUILD_DIR:=$PWD}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/minio
check_bin=${S3_CHECK_BIN:-$SMELT_BUILD_DIR/tests/store_s3_check}
[[ -x "$svc" ]] || tier_skip "scripts/services/minio is not there"
[[ -x "$check_bin" ]] || check_bin=$(find "$SMELT_BUILD_DIR" -name store_s3_check -type f | head -1)
[[ -x "$check_bin" ]] || { echo "FAIL: store_s3_check not built" >&2; exit 1; }
command -v python3 >/dev/null || tier_skip "python3 (for faultproxy.py) is not installed"

state=$(mktemp -d "${TMPDIR:-/tmp}/smelt-test-s3.XXXXXX")
proxy_pid=
cleanup() {
  [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

out=$(timeout 2400 "$svc" install --no-mc 2>&1)
rc=$?
[[ $rc -eq 69 ]] && tier_skip "minio install: registry unreachable: $(tail -n 3 <<<"$out")"
[[ $rc -eq 0 ]] || tier_skip "minio could not be installed: $(tail -n 3 <<<"$out")"
timeout 180 "$svc" start "$state" >/dev/null 2>"$state/start.err" ||
  { cat "$state/start.err" >&2; echo "FAIL: minio did not start" >&2; exit 1; }
set -a
source "$state/minio.env"
set +a
timeout 120 "$svc" mkbuckets "$state" smelt-s3-test >/dev/null 2>&1
expect_eq "mkbuckets exits 0" "$?" 0

python3 "$SMELT_SOURCE_DIR/tests/store/faultproxy.py" --upstream "$AWS_ENDPOINT_URL" \
  --port-file "$state/proxy.port" 2>"$state/proxy.log" &
proxy_pid=$!
for _ in $(seq 100); do [[ -s "$state/proxy.port" ]] && break; sleep 0.1; done
check "faultproxy started" test -s "$state/proxy.port"
proxy_url=http://127.0.0.1:$(cat "$state/proxy.port" 2>/dev/null)

S3_CHECK_BUCKET=smelt-s3-test S3_CHECK_PROXY=$proxy_url timeout 600 "$check_bin"
expect_eq "s3_check passes" "$?" 0

# Aborted and failed uploads must not linger: ListMultipartUploads is empty.
uploads=$(curl -sS --max-time 30 --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  "$AWS_ENDPOINT_URL/smelt-s3-test?uploads=")
check "ListMultipartUploads answered" grep -q "<ListMultipartUploadsResult" <<<"$uploads"
check "no multipart upload is left behind" bash -c "! grep -q '<Upload>' <<<'$uploads'"
tier_done
