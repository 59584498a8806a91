#!/usr/bin/env bash
# The web UI's stream monitor (/api/streams, the stream page) against a
# real Kafka broker (scripts/services/kafka): smelt produces 300 events to
# a 2-partition topic plus 3 bad messages (kcat), `smelt stream` consumes
# them (2 micro-batches), 120 more events arrive, then `smelt serve` must
# report the topic's end offsets exactly as kcat reads them, the stream's
# committed offsets (where it stopped), lag 120, the 3 dead letters and a
# rate.  A serve without a broker says so on the page and in the API.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BIN:=$PWD/smelt}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/kafka
[[ -x "$SMELT_BIN" ]] || { echo "FAILED: $SMELT_BIN not built" >&2; exit 1; }
command -v kcat >/dev/null 2>&1 || tier_skip "kcat is not installed"
command -v jq >/dev/null 2>&1 || tier_skip "jq is not installed"

state=$(mktemp -d /tmp/smelt-kafka-serve.XXXXXX)
serve_pid=
stop_serve() {
  if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  serve_pid=
}
cleanup() {
  stop_serve
  timeout 120 "$svc" stop "$state/k" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tier_kafka_start "$state/k"
bs=$SMELT_KAFKA_BOOTSTRAP
topic=ventes-temps-reel # the default source of the example's streaming model

mkdir -p "$state/p/models/streaming"
cp "$SMELT_SOURCE_DIR/examples/northwind/models/streaming/ventes_par_pays.sql" "$state/p/models/streaming/"
printf 'lake: %s\n' "$state/p/lake" >"$state/p/smelt.yaml"
S() { timeout 300 "$SMELT_BIN" --project "$state/p" "$@"; }

# kcat's end offset of one partition
end_offset() { kcat -b "$bs" -Q -t "$topic:$1:-1" 2>/dev/null | awk '{print $NF}'; }

S produce --bootstrap "$bs" --topic "$topic" --partitions 2 --count 300 --rate 0 >"$state/p1.out" 2>&1
expect_eq "produce 300 events" "$?" 0
for i in 1 2 3; do printf 'not json %d\n' "$i"; done | kcat -b "$bs" -P -t "$topic" -p 0
expect_eq "kcat produces 3 bad messages" "$?" 0
S stream --bootstrap "$bs" --max-batch 200 >"$state/stream.out" 2>&1
expect_eq "smelt stream consumes them" "$?" 0
c0=$(end_offset 0)
c1=$(end_offset 1)
expect_eq "303 messages consumed" "$((c0 + c1))" 303

S produce --bootstrap "$bs" --topic "$topic" --count 120 --start-id 301 --rate 0 >"$state/p2.out" 2>&1
expect_eq "produce 120 more" "$?" 0
h0=$(end_offset 0)
h1=$(end_offset 1)
expect_eq "423 messages in the topic" "$((h0 + h1))" 423

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SMELT_KAFKA_BOOTSTRAP=$bs "$SMELT_BIN" --project "$state/p" serve --listen "127.0.0.1:$port" \
  >"$state/serve.log" 2>&1 &
serve_pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.1; done
curl -sf -m 30 "$base/api/streams" >"$state/streams.json"
expect_eq "GET /api/streams" "$?" 0
J() { jq -r "$1" "$state/streams.json"; }
expect_eq "broker state" "$(J .kafka.state)" ok
expect_eq "topic end offset p0 (kcat)" "$(J ".topics[] | select(.name == \"$topic\") | .partitions[0].high")" "$h0"
expect_eq "topic end offset p1 (kcat)" "$(J ".topics[] | select(.name == \"$topic\") | .partitions[1].high")" "$h1"
expect_eq "topic low offsets" "$(J ".topics[] | select(.name == \"$topic\") | [.partitions[].low] | join(\",\")")" "0,0"
expect_eq "stream listed" "$(J '.streams[0].name')" ventes_par_pays
expect_eq "stream topic" "$(J '.streams[0].topic')" "$topic"
expect_eq "committed p0" "$(J '.streams[0].partitions[0].committed')" "$c0"
expect_eq "committed p1" "$(J '.streams[0].partitions[1].committed')" "$c1"
expect_eq "committed total" "$(J '.streams[0].committed')" 303
expect_eq "lag p0" "$(J '.streams[0].partitions[0].lag')" "$((h0 - c0))"
expect_eq "lag total" "$(J '.streams[0].lag')" 120
expect_eq "last batch" "$(J '.streams[0].batch')" 1
expect_eq "dead letters" "$(J '.streams[0].dead_letters')" 3
check "a rate" jq -e '.streams[0].events_per_s > 0' "$state/streams.json" >/dev/null
# the dashboard's live card (/api/stream) follows the project's stream: its
# topic and sink, and the batches of its offsets log
curl -sf -m 30 "$base/api/stream" >"$state/stream.json"
expect_eq "GET /api/stream" "$?" 0
expect_eq "live card topic" "$(jq -r .topic "$state/stream.json")" "$topic"
expect_eq "live card batches" "$(jq -r .batches "$state/stream.json")" 2
expect_eq "live card events (valid ones)" "$(jq -r .events "$state/stream.json")" 300
check "live card state" jq -e '.state == "running" or .state == "idle"' "$state/stream.json" >/dev/null
# time travel in the lake browser, on the real lake: the sink as of version
# 0 (its first batch) against the latest; a version it does not have is 404
sum_tx() { jq '[.rows[][2]] | add' "$1"; }
curl -sf -m 30 "$base/api/tables/gold/ventes_par_pays_live/rows?limit=100&version=0" >"$state/v0.json"
expect_eq "GET rows as of version 0" "$?" 0
curl -sf -m 30 "$base/api/tables/gold/ventes_par_pays_live/rows?limit=100" >"$state/vlast.json"
expect_eq "the latest rows count every valid event" "$(sum_tx "$state/vlast.json")" 300
v0=$(sum_tx "$state/v0.json")
check "version 0 counts the first batch only" test "$v0" -gt 0 -a "$v0" -lt 300
expect_eq "version 0 is said" "$(jq -r .version "$state/v0.json")" 0
expect_eq "a version the sink lacks is 404" \
  "$(curl -s -o /dev/null -w '%{http_code}' -m 30 "$base/api/tables/gold/ventes_par_pays_live/rows?version=999")" 404
check "a latency" jq -e '.streams[0].latency_ms >= 0' "$state/streams.json" >/dev/null
page=$(curl -sf -m 30 "$base/stream")
check "the page shows the topic" grep -q 'id="topics"' <<<"$page"
check "the page shows the lag" grep -q '<td class="num">120</td>' <<<"$page"
stop_serve

# no broker configured: an explicit state, never an error page
SMELT_KAFKA_BOOTSTRAP= "$SMELT_BIN" --project "$state/p" serve --listen "127.0.0.1:$port" \
  >"$state/serve2.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.1; done
curl -sf -m 30 "$base/api/streams" >"$state/streams.json"
expect_eq "GET /api/streams without a broker" "$?" 0
expect_eq "no broker state" "$(J .kafka.state)" "no broker configured"
expect_eq "committed still read from the lake" "$(J '.streams[0].committed')" 303
expect_eq "lag unknown" "$(J '.streams[0].lag')" null
code=$(curl -s -m 30 -o "$state/page.html" -w '%{http_code}' "$base/stream")
expect_eq "stream page answers 200" "$code" 200
check "says no broker" grep -q "No Kafka broker configured" "$state/page.html"
stop_serve

tier_done
