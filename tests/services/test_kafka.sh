#!/usr/bin/env bash
# scripts/services/kafka: install (fetch jars) if missing, start a KRaft
# broker on a free port, produce 100 keyed messages with kcat and consume
# them back exactly, restart (data kept), stop, purge.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
svc=$SMELT_SOURCE_DIR/scripts/services/kafka

state=$(mktemp -d "${TMPDIR:-/tmp}/smelt-test-kafka.XXXXXX")
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

out=$(timeout 1200 "$svc" install 2>&1)
rc=$?
if [[ $rc -eq 69 ]]; then tier_skip "kafka install: registry unreachable: $(tail -n 3 <<<"$out")"; fi
if [[ $rc -ne 0 ]]; then
  echo "$out" >&2
  expect_eq "kafka install exits 0" "$rc" 0
  tier_done
  exit 1
fi

env_out=$(timeout 300 "$svc" start "$state")
expect_eq "start exits 0" "$?" 0
check "start prints SMELT_KAFKA_BOOTSTRAP" grep -qE '^SMELT_KAFKA_BOOTSTRAP=127\.0\.0\.1:[0-9]+$' <<<"$env_out"
expect_eq "env file holds what start printed" "$(cat "$state/kafka.env" 2>/dev/null)" "$env_out"
source "$state/kafka.env"
port=$SMELT_KAFKA_PORT
cport=$SMELT_KAFKA_CONTROLLER_PORT
check "status says running on the port" bash -c "'$svc' status '$state' | grep -q 'running (pid [0-9]*) on 127.0.0.1:$port'"
check "the broker listens on loopback only" only_loopback "$port"
check "the controller listens on loopback only" only_loopback "$cport"

topic=smelt-test-$$
for i in $(seq 1 100); do printf 'k%03d:value %d %s\n' "$i" "$i" "$(printf '%*s' "$i" '' | tr ' ' x)"; done >"$state/in.txt"
timeout 60 kcat -b "$SMELT_KAFKA_BOOTSTRAP" -P -t "$topic" -K: -l "$state/in.txt" 2>"$state/kcat-p.err"
expect_eq "kcat produces 100 messages (auto-created topic)" "$?" 0

consume() {
  timeout 60 kcat -b "$SMELT_KAFKA_BOOTSTRAP" -C -t "$topic" -o beginning -e -q \
    -f '%k:%s\n' 2>"$state/kcat-c.err"
}
consume >"$state/out.txt"
expect_eq "kcat consumes to the end" "$?" 0
expect_eq "100 messages come back" "$(wc -l <"$state/out.txt")" 100
check "the messages come back exactly, in order" cmp -s "$state/in.txt" "$state/out.txt"
meta=$(timeout 30 kcat -b "$SMELT_KAFKA_BOOTSTRAP" -L -t "$topic" 2>/dev/null)
check "the topic has 1 partition" grep -q "topic \"$topic\" with 1 partitions" <<<"$meta"

pid=$(cat "$state/kafka.pid")
timeout 120 "$svc" stop "$state" >/dev/null 2>&1
expect_eq "stop exits 0" "$?" 0
check "the broker process is gone" bash -c "! kill -0 $pid 2>/dev/null"
check "nothing listens on the broker port" port_closed "$port"
check "nothing listens on the controller port" port_closed "$cport"
"$svc" status "$state" >/dev/null
expect_eq "status of a stopped broker exits 3" "$?" 3

timeout 300 "$svc" start "$state" >/dev/null 2>&1
expect_eq "restart exits 0" "$?" 0
source "$state/kafka.env"
consume >"$state/out2.txt"
check "messages survive a restart" cmp -s "$state/in.txt" "$state/out2.txt"
port=$SMELT_KAFKA_PORT
cport=$SMELT_KAFKA_CONTROLLER_PORT

timeout 120 "$svc" purge "$state" >/dev/null 2>&1
expect_eq "purge exits 0" "$?" 0
check "purge deletes the data" test ! -e "$state/kafka"
check "nothing listens after purge" port_closed "$port"
check "no controller listens after purge" port_closed "$cport"
tier_done
