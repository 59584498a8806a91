#!/usr/bin/env bash
# Kafka integration tier: a real broker (scripts/services/kafka) in a
# temporary state directory; smelt's producer sends 10,000 events, kcat (an
# independent client) checks that exactly those arrived, and smelt's
# consumer source reads them back from several start positions with the
# same totals.  Totals are per country: count and sum of montant in cents.
# SMELT_KAFKA_BENCH=N also produces N events to a scratch topic and prints
# the rate.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BUILD_DIR:=$PWD}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/kafka
check_bin=${KAFKA_CHECK:-$SMELT_BUILD_DIR/tests/kafka/kafka_check}
[[ -x "$check_bin" ]] || { echo "FAILED: $check_bin not built" >&2; exit 1; }
command -v kcat >/dev/null 2>&1 || tier_skip "kcat is not installed"

state=$(mktemp -d /tmp/smelt-kafka-it.XXXXXX)
cleanup() {
  timeout 120 "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tier_kafka_start "$state"
bs=$SMELT_KAFKA_BOOTSTRAP

topic=ventes-temps-reel-$$
count=10000
seed=20240501
ts_base=1714557600000 # event i is stamped ts_base + i - 1

# kcat's view: "PAYS COUNT CENTS" per country (sorted), then rows, and the
# event ids must be exactly 1..count.
kcat_totals() {
  awk '
    {
      if (!match($0, /"pays": "[A-Z]+"/)) { bad++; next }
      p = substr($0, RSTART + 9, RLENGTH - 10)
      if (!match($0, /"montant": [0-9]+(\.[0-9]+)?/)) { bad++; next }
      m = substr($0, RSTART + 11, RLENGTH - 11)
      n = split(m, parts, ".")
      frac = (n > 1) ? parts[2] : "0"
      while (length(frac) < 2) frac = frac "0"
      cents = parts[1] * 100 + substr(frac, 1, 2)
      cnt[p]++; sum[p] += cents; rows++
      if (match($0, /"event_id": [0-9]+/)) {
        id = substr($0, RSTART + 12, RLENGTH - 12) + 0
        if (!(id in seen)) { seen[id] = 1; uniq++ }
        if (id < lo || lo == "") lo = id
        if (id > hi) hi = id
      }
    }
    END {
      split("FRANCE GERMANY UK USA", names, " ")
      for (i = 1; i <= 4; i++) printf "%s %d %d\n", names[i], cnt[names[i]], sum[names[i]]
      printf "rows %d\ndead %d\nids %d %d %d\n", rows, bad, uniq, lo, hi
    }'
}

t0=$(date +%s.%N)
produce_out=$(timeout 300 "$check_bin" produce "$bs" "$topic" "$count" "$seed" "$ts_base" 2>"$state/produce.err")
expect_eq "smelt produces $count events" "$?" 0
cat "$state/produce.err" >&2
echo "produce: $produce_out (wall $(echo "$(date +%s.%N) - $t0" | bc) s)"
check "every event acked, topic created" grep -qE "^sent $count acked $count failed 0 created 1 " <<<"$produce_out"

meta=$(timeout 30 kcat -b "$bs" -L -t "$topic" 2>/dev/null)
check "the topic has 1 partition" grep -q "topic \"$topic\" with 1 partitions" <<<"$meta"

want=$("$check_bin" expect "$seed" 1 "$count")
timeout 120 kcat -b "$bs" -C -t "$topic" -o beginning -e -q >"$state/kcat.out" 2>"$state/kcat.err"
expect_eq "kcat consumes to the end" "$?" 0
expect_eq "kcat sees $count messages" "$(wc -l <"$state/kcat.out")" "$count"
got=$(kcat_totals <"$state/kcat.out")
expect_eq "kcat: per-country counts and sums" "$(sed '/^ids /d' <<<"$got")" "$want"
expect_eq "kcat: event ids are exactly 1..$count" "$(sed -n 's/^ids //p' <<<"$got")" "$count 1 $count"
head -n 1 "$state/kcat.out"

keys=$(timeout 120 kcat -b "$bs" -C -t "$topic" -o beginning -e -q -f '%k\n' | sort | uniq -c | awk '{print $2}' | tr '\n' ' ')
expect_eq "keys are the countries" "$keys" "FRANCE GERMANY UK USA "

consume() { timeout 200 "$check_bin" consume "$bs" "$topic" "$@" 2>>"$state/consume.err"; }

c=$(consume earliest)
expect_eq "smelt consumer from earliest exits 0" "$?" 0
expect_eq "smelt consumer: same totals as expected" "$(sed -n '1,6p' <<<"$c")" "$want"
expect_eq "smelt consumer: starts at offset 0" "$(sed -n 's/^first_offset //p' <<<"$c")" 0
expect_eq "smelt consumer: next offset is the end" "$(sed -n 's/^next_offset //p' <<<"$c")" "$count"

c=$(consume timestamp $((ts_base + 5000)))
expect_eq "from a timestamp: exits 0" "$?" 0
expect_eq "from a timestamp: events 5001..$count" "$(sed -n '1,6p' <<<"$c")" "$("$check_bin" expect "$seed" 5001 "$count")"
expect_eq "from a timestamp: first offset 5000" "$(sed -n 's/^first_offset //p' <<<"$c")" 5000

c=$(consume timestamp $((ts_base + 100000000)))
expect_eq "from a later timestamp: nothing" "$(sed -n 's/^rows //p' <<<"$c")" 0

c=$(consume offset 9990)
expect_eq "from offset 9990: exits 0" "$?" 0
expect_eq "from offset 9990: events 9991..$count" "$(sed -n '1,6p' <<<"$c")" "$("$check_bin" expect "$seed" 9991 "$count")"

c=$(consume latest)
expect_eq "from latest: exits 0" "$?" 0
expect_eq "from latest: nothing" "$(sed -n 's/^rows //p' <<<"$c")" 0
[[ -s "$state/consume.err" ]] && cat "$state/consume.err" >&2

# producing again to the existing topic does not recreate it
again=$(timeout 120 "$check_bin" produce "$bs" "$topic" 10 "$seed" "$ts_base" 2>&1)
check "a second run finds the topic" grep -qE "^sent 10 acked 10 failed 0 created 0 " <<<"$again"

# `smelt produce --count 0` only creates the topic: it exists afterwards,
# with the partitions asked for and no message; a second call finds it.
smelt_bin=${SMELT_BIN:-$SMELT_BUILD_DIR/smelt}
if [[ -x "$smelt_bin" ]]; then
  empty=empty-$$
  out=$(timeout 120 "$smelt_bin" produce --bootstrap "$bs" --topic "$empty" --partitions 3 --count 0 2>&1)
  expect_eq "produce --count 0: exits 0" "$?" 0
  expect_eq "produce --count 0: says created" "$out" "topic $empty: created, no events sent"
  meta=$(timeout 60 kcat -b "$bs" -L -t "$empty" 2>&1)
  check "kcat sees the topic with 3 partitions" grep -q "topic \"$empty\" with 3 partitions" <<<"$meta"
  n=$(timeout 60 kcat -b "$bs" -C -t "$empty" -e -q -o beginning 2>/dev/null | wc -l)
  expect_eq "produce --count 0: no message" "$n" 0
  out=$(timeout 120 "$smelt_bin" produce --bootstrap "$bs" --topic "$empty" --count 0 2>&1)
  expect_eq "produce --count 0 again: exists" "$out" "topic $empty: exists, no events sent"
  timeout 60 "$smelt_bin" produce --count 0 --duration 1 >/dev/null 2>&1
  expect_eq "--count 0 with --duration: usage error" "$?" 2
else
  echo "FAILED: $smelt_bin not built" >&2
  exit 1
fi

if [[ -n "${SMELT_KAFKA_BENCH:-}" ]]; then
  echo "bench: $(timeout 600 "$check_bin" produce "$bs" "bench-$$" "$SMELT_KAFKA_BENCH" 1 0 2>&1)"
fi
tier_done
