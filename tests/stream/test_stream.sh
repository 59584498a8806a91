#!/usr/bin/env bash
# Streaming integration tier against a real Apache Kafka broker
# (scripts/services/kafka) in a temporary state directory:
#   1. smelt produce → smelt stream (available-now): the Delta sink holds
#      the exact per-country totals (computed independently from the seed)
#   2. kcat as an independent producer: same check against awk's totals
#   3. exactly once: `smelt stream --trigger continuous` is killed with
#      SIGKILL at random moments (>= 20 times) while events flow; after the
#      last restart the sink equals the exact totals of everything produced
#   4. the broker is stopped and restarted mid-stream: the stream waits,
#      reconnects and loses nothing
#   5. a topic salted with malformed events: the stream keeps going and the
#      dead-letter table holds exactly the bad ones
#   6. throughput and end-to-end latency at 10,000 events/s (printed)
# SMELT_STREAM_KILLS=N changes the number of kills (default 20).
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BUILD_DIR:=$PWD}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/kafka
smelt=${SMELT_BIN:-$SMELT_BUILD_DIR/smelt}
check_bin=${STREAM_CHECK:-$SMELT_BUILD_DIR/tests/stream/stream_check}
[[ -x "$check_bin" ]] || { echo "FAILED: $check_bin not built" >&2; exit 1; }
"$smelt" stream --help >/dev/null 2>&1 || { echo "FAILED: $smelt has no stream command" >&2; exit 1; }
command -v kcat >/dev/null 2>&1 || tier_skip "kcat is not installed"

state=$(mktemp -d /tmp/smelt-stream-it.XXXXXX)
chmod 755 "$state"
bg_pids=()
cleanup() {
  for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  timeout 120 "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tier_kafka_start "$state"
bs=$SMELT_KAFKA_BOOTSTRAP
export SMELT_LOG_LEVEL=error

# A project whose stream source `ventes` reads topic $2, in directory $1.
project() {
  local dir=$1 topic=$2
  mkdir -p "$dir/models/streaming"
  cp "$SMELT_SOURCE_DIR/examples/northwind/models/streaming/ventes_par_pays.sql" "$dir/models/streaming/"
  cat >"$dir/smelt.yaml" <<EOF
lake: $dir/lake
streams:
  ventes:
    type: kafka
    topic: $topic
    format: json
    schema: "struct<event_id:bigint,timestamp:timestamp,pays:string,montant:double,type:string>"
    timestamp_field: timestamp
    starting_offsets: earliest
EOF
}
stream() { (cd "$1" && shift && timeout 300 "$smelt" stream "$@"); }
sink_totals() { "$check_bin" table "$1/lake" gold.ventes_par_pays_live | sed '/^rows /d'; }

# ---- 1. smelt produce -> smelt stream ------------------------------------
p1=$state/p1
project "$p1" t1-$$
timeout 120 "$smelt" produce --topic t1-$$ --count 20000 --rate 0 --seed 11 >"$state/p1.out" 2>&1
expect_eq "produce 20000 events" "$?" 0
check "all acked" grep -q "sent 20000, acked 20000, failed 0" "$state/p1.out"
stream "$p1" >"$state/s1.out" 2>&1
expect_eq "stream available-now exits 0" "$?" 0
expect_eq "sink totals = seed totals" "$(sink_totals "$p1")" "$("$check_bin" expect 11 1 20000)"
check "the live table is printed" grep -q "total_ventes_live" "$state/s1.out"
timeout 120 "$smelt" produce --topic t1-$$ --count 5000 --rate 0 --seed 11 --start-id 20001 >/dev/null 2>&1
stream "$p1" >"$state/s1b.out" 2>&1
expect_eq "a second run adds only the new events" "$(sink_totals "$p1")" "$("$check_bin" expect 11 1 25000)"

# ---- 2. kcat as an independent producer ------------------------------------
p2=$state/p2
project "$p2" t2-$$
awk 'BEGIN {
  split("FRANCE GERMANY USA UK", c, " ")
  for (i = 1; i <= 3000; i++) {
    p = c[(i * 7) % 4 + 1]; cents = 1000 + (i * 37) % 9001
    printf "{\"event_id\": %d, \"timestamp\": \"2024-05-01T10:%02d:%02dZ\", \"pays\": \"%s\", \"montant\": %d.%02d, \"type\": \"vente_web\"}\n", i, (i / 60) % 60, i % 60, p, cents / 100, cents % 100
  }
}' >"$state/kcat.in"
want2=$(awk '{ match($0, /"pays": "[A-Z]+"/); p = substr($0, RSTART + 9, RLENGTH - 10)
               match($0, /"montant": [0-9.]+/); m = substr($0, RSTART + 11, RLENGTH - 11)
               split(m, a, "."); n[p]++; s[p] += a[1] * 100 + a[2] }
             END { split("FRANCE GERMANY UK USA", k, " "); for (i = 1; i <= 4; i++) printf "%s %d %d\n", k[i], n[k[i]], s[k[i]] }' "$state/kcat.in")
timeout 60 kcat -b "$bs" -P -t t2-$$ -l "$state/kcat.in"
expect_eq "kcat produces" "$?" 0
stream "$p2" >"$state/s2.out" 2>&1
expect_eq "stream of kcat's events exits 0" "$?" 0
expect_eq "sink totals = awk's totals" "$(sink_totals "$p2")" "$want2"

# ---- 3. exactly once under SIGKILL -----------------------------------------
p3=$state/p3
project "$p3" t3-$$
n3=60000
timeout 200 "$smelt" produce --topic t3-$$ --count $n3 --rate 2000 --seed 33 >"$state/p3.out" 2>&1 &
prod=$!
bg_pids+=("$prod")
kills=${SMELT_STREAM_KILLS:-20}
for ((k = 1; k <= kills; k++)); do
  (cd "$p3" && exec "$smelt" stream --trigger continuous --max-batch 3000) >>"$state/s3.out" 2>&1 &
  sp=$!
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 120) / 100 }')"
  kill -9 "$sp" 2>/dev/null
  wait "$sp" 2>/dev/null
done
wait "$prod"
expect_eq "producer under kills exits 0" "$?" 0
check "producer: all acked" grep -q "sent $n3, acked $n3, failed 0" "$state/p3.out"
stream "$p3" >"$state/s3-final.out" 2>&1
expect_eq "final available-now run exits 0" "$?" 0
expect_eq "after $kills SIGKILLs the sink holds exactly every event once" "$(sink_totals "$p3")" "$("$check_bin" expect 33 1 $n3)"
reruns=$(grep -c "re-run after a restart" "$state/s3.out" "$state/s3-final.out" | awk -F: '{ s += $2 } END { print s + 0 }')
echo "exactly-once: $kills kills, $reruns batches re-run after a crash"

# ---- 4. broker restart mid-stream ------------------------------------------
p4=$state/p4
project "$p4" t4-$$
n4=20000
timeout 300 "$smelt" produce --topic t4-$$ --count $n4 --rate 1000 --seed 44 >"$state/p4.out" 2>&1 &
prod=$!
bg_pids+=("$prod")
# the producer creates the topic; the stream starts once it exists
for _ in $(seq 100); do
  kcat -b "$SMELT_KAFKA_BOOTSTRAP" -L -t "t4-$$" 2>/dev/null | grep -q "partition 0" && break
  sleep 0.1
done
(cd "$p4" && exec timeout 300 "$smelt" stream --trigger interval:500ms) >"$state/s4.out" 2>&1 &
sp=$!
bg_pids+=("$sp")
sleep 5
timeout 120 "$svc" stop "$state" >/dev/null 2>&1
sleep 5
if ! timeout 300 "$svc" start "$state" --port "$SMELT_KAFKA_PORT" >"$state/start2.out" 2>&1; then
  cat "$state/start2.out" >&2
  echo "FAIL: kafka restart" >&2
  tier_failed=$((tier_failed + 1))
fi
wait "$prod"
expect_eq "producer across the broker restart exits 0" "$?" 0
check "producer: all acked across the restart" grep -q "sent $n4, acked $n4, failed 0" "$state/p4.out"
sleep 3
kill -INT "$sp" 2>/dev/null
wait "$sp"
rc=$?
[[ $rc -eq 0 ]] || { echo "---- the stream's output:" >&2; tail -20 "$state/s4.out" >&2; }
expect_eq "the stream stops cleanly after the restart" "$rc" 0
stream "$p4" >"$state/s4-final.out" 2>&1
expect_eq "nothing lost across the broker restart" "$(sink_totals "$p4")" "$("$check_bin" expect 44 1 $n4)"

# ---- 5. dead letters ---------------------------------------------------------
p5=$state/p5
project "$p5" t5-$$
timeout 120 "$smelt" produce --topic t5-$$ --count 1000 --rate 0 --seed 55 >/dev/null 2>&1
printf '%s\n' 'not json' '{"event_id": "x"}' '{"event_id": 9, "timestamp": "yesterday", "pays": "UK", "montant": 1.0, "type": "t"}' \
  '{"event_id": 10, "timestamp": "2024-05-01T10:00:00Z", "pays": "UK", "montant": "cher", "type": "t"}' '[1,2' >"$state/bad.in"
timeout 60 kcat -b "$bs" -P -t t5-$$ -l "$state/bad.in"
timeout 120 "$smelt" produce --topic t5-$$ --count 1000 --rate 0 --seed 55 --start-id 1001 >/dev/null 2>&1
stream "$p5" >"$state/s5.out" 2>&1
expect_eq "salted stream exits 0" "$?" 0
expect_eq "good events all counted" "$(sink_totals "$p5")" "$("$check_bin" expect 55 1 2000)"
expect_eq "dead letters: exactly the 5 bad ones" "$("$check_bin" count "$p5/lake" gold._dead_letters_ventes_par_pays)" "rows 5"

# ---- 6. throughput and latency at 10,000 events/s ----------------------------
p6=$state/p6
project "$p6" t6-$$
timeout 60 "$smelt" produce --topic t6-$$ --count 1 --seed 66 >/dev/null 2>&1 # creates the topic
(cd "$p6" && exec timeout 120 "$smelt" stream --trigger continuous) >"$state/s6.out" 2>&1 &
sp=$!
bg_pids+=("$sp")
sleep 2
timeout 120 "$smelt" produce --topic t6-$$ --count 199999 --start-id 2 --rate 10000 --seed 66 >"$state/p6.out" 2>&1
sleep 2
kill -INT "$sp" 2>/dev/null
wait "$sp"
expect_eq "sink totals at 10,000 events/s" "$(sink_totals "$p6")" "$("$check_bin" expect 66 1 200000)"
echo "bench: producer: $(cat "$state/p6.out")"
echo "bench: stream: $(grep 'events/s' "$state/s6.out" | tail -n 1)"
tier_done
