#!/usr/bin/env bash
# Crash safety of Delta commits: tests/delta/delta_crash appends batches in a
# loop and is killed with SIGKILL at random moments; after every kill the
# table must read as exactly one committed version (snapshot loads, rows are
# the sum of the committed batches, no partial commit file).  Then several
# processes commit at once.
#   test_crash.sh local   — the local store (>= 100 kills)
#   test_crash.sh s3      — MinIO (scripts/services/minio); skipped when it
#                           cannot start (a failure under CI=true)
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BUILD_DIR:=$PWD}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
mode=${1:-local}
bin=${DELTA_CRASH:-$SMELT_BUILD_DIR/tests/delta_crash}
[[ -x $bin ]] || { echo "FAIL: delta_crash not built ($bin)" >&2; exit 1; }
rows=20

state=$(mktemp -d "${TMPDIR:-/tmp}/smelt-test-crash.XXXXXX")
svc=$SMELT_SOURCE_DIR/scripts/services/minio
writer=
cleanup() {
  [[ -n $writer ]] && kill -9 "$writer" 2>/dev/null
  [[ $mode == s3 ]] && "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $mode == s3 ]]; then
  [[ -x $svc ]] || tier_skip "scripts/services/minio is not there"
  out=$(timeout 2400 "$svc" install --no-mc 2>&1) || tier_skip "minio could not be installed: $(tail -n 3 <<<"$out")"
  timeout 180 "$svc" start "$state" >/dev/null 2>"$state/start.err" ||
    tier_skip "minio did not start: $(tail -n 3 "$state/start.err")"
  set -a
  source "$state/minio.env"
  set +a
  timeout 120 "$svc" mkbuckets "$state" smelt-delta-crash >/dev/null 2>&1 ||
    tier_skip "minio: could not make a bucket"
  loc=s3://smelt-delta-crash/t$$
  kills_wanted=60
  budget=90
else
  loc=$state/lake
  kills_wanted=100
  budget=60
fi

# Kill the writer at random moments, check after every kill.
kills=0
start=$SECONDS
last=
while ((kills < kills_wanted && SECONDS - start < budget)); do
  "$bin" write "$loc" t "$rows" 2>"$state/writer.err" &
  writer=$!
  sleep "0.$(printf '%02d' $((RANDOM % 30 + 3)))"
  kill -9 "$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  writer=
  if grep -q FAIL "$state/writer.err"; then
    echo "FAIL: the writer failed: $(cat "$state/writer.err")" >&2
    tier_failed=$((tier_failed + 1))
    break
  fi
  kills=$((kills + 1))
  if ! last=$("$bin" check "$loc" t "$rows" 2>&1); then
    echo "FAIL after kill $kills: $last" >&2
    tier_failed=$((tier_failed + 1))
    break
  fi
done
echo "$mode: $kills kills in $((SECONDS - start)) s; last check: $last"
check "at least $kills_wanted kills ($kills)" test "$kills" -ge "$kills_wanted"
version=$(awk '{print $2}' <<<"$last")
check "the table moved on between kills (version ${version:-?})" test "${version:--1}" -ge 10

# Several processes commit at once.
check "concurrent commits from 4 processes" "$bin" concurrent "$loc" concurrent 4 10
tier_done
