# tests/lib/tier.sh — sourced by tier test scripts.
#
#   tier_skip "why"   the peer this test needs is unavailable: exit 77
#                     (CTest reports "Skipped") — except under CI=true, where
#                     a tier whose peer cannot start is a failure.
#   check DESC CMD... run CMD; count a pass or print DESC and count a failure
#   expect_eq DESC GOT WANT
#   tier_done         print "N passed, N failed" and exit accordingly
set -u
tier_passed=0
tier_failed=0

tier_skip() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAILED: peer unavailable under CI=true: $*" >&2
    exit 1
  fi
  echo "SKIPPED: $*"
  exit 77
}

check() {
  local desc=$1
  shift
  if "$@"; then
    tier_passed=$((tier_passed + 1))
  else
    echo "FAIL: $desc" >&2
    tier_failed=$((tier_failed + 1))
  fi
}

expect_eq() {
  if [[ "$2" == "$3" ]]; then
    tier_passed=$((tier_passed + 1))
  else
    printf 'FAIL: %s\n  got:      %q\n  expected: %q\n' "$1" "$2" "$3" >&2
    tier_failed=$((tier_failed + 1))
  fi
}

tier_done() {
  echo "$tier_passed passed, $tier_failed failed"
  [[ $tier_failed -eq 0 ]]
}

# The shared data folder beside the clone (CI has it there).
shared_dir() {
  local d
  for d in "${SMELT_SHARED_DIR:-}" "$SMELT_SOURCE_DIR/../shared" /work/shared; do
    if [[ -n "$d" && -d "$d/data" ]]; then
      (cd "$d" && pwd)
      return 0
    fi
  done
  return 1
}

# A private PostgreSQL cluster for a test (scripts/services/postgres), its
# data in DIR/state: installs the server (a failure is tier_skip), starts
# it (a failure fails the tier), loads Northwind into it when the second
# argument is "northwind", and exports its PG* variables.  DIR must be
# readable by the server's user (chmod 755).  The caller stops it
# (`scripts/services/postgres stop DIR/state`) in its cleanup trap.
tier_pg_start() {
  local dir=$1 svc=$SMELT_SOURCE_DIR/scripts/services/postgres
  "$svc" install >"$dir/install.log" 2>&1 || tier_skip "PostgreSQL could not be installed: $(tail -1 "$dir/install.log")"
  if ! "$svc" start "$dir/state" >"$dir/start.log" 2>&1; then
    cat "$dir/start.log" >&2
    echo "FAILED: PostgreSQL did not start" >&2
    exit 1
  fi
  if [[ ${2:-} == northwind ]] && ! "$svc" load-northwind "$dir/state" >"$dir/load.log" 2>&1; then
    cat "$dir/load.log" >&2
    echo "FAILED: loading Northwind into PostgreSQL" >&2
    exit 1
  fi
  set -a
  # shellcheck disable=SC1091
  . "$dir/state/postgres.env"
  set +a
}

# A real Kafka broker for a test (scripts/services/kafka), its data in DIR:
# installs it (an unreachable registry is tier_skip; any other failure
# fails), starts it, and exports SMELT_KAFKA_BOOTSTRAP.  The caller stops
# it (`scripts/services/kafka stop DIR`) in its cleanup trap.
tier_kafka_start() {
  local dir=$1 svc=$SMELT_SOURCE_DIR/scripts/services/kafka out rc
  out=$(timeout 1200 "$svc" install 2>&1)
  rc=$?
  if [[ $rc -eq 69 ]]; then tier_skip "kafka install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
  if [[ $rc -ne 0 ]]; then
    echo "$out" >&2
    echo "FAILED: kafka install exited $rc" >&2
    exit 1
  fi
  mkdir -p "$dir"
  if ! timeout 300 "$svc" start "$dir" >"$dir/start.out" 2>&1; then
    cat "$dir/start.out" >&2
    echo "FAILED: kafka start" >&2
    exit 1
  fi
  # shellcheck disable=SC1091
  source "$dir/kafka.env"
  export SMELT_KAFKA_BOOTSTRAP
}
