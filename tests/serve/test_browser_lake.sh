#!/usr/bin/env bash
# e2e/browser_lake — the web UI over a REAL demo lake with a live stream,
# in Debian's chromium driven by playwright-core (tests/serve/browser_lake.cjs):
#   1. a copy of examples/northwind with its lake in a temp dir:
#      `smelt gen northwind --scale 2 --to bronze`, then `smelt run`;
#      a real Kafka broker (scripts/services/kafka) and the project's
#      `streams:` source on a fresh topic; `smelt serve` on a free port
#      with kafka.bootstrap set (SMELT_KAFKA_BOOTSTRAP).
#   2. the expected dashboard numbers, computed without smelt: DuckDB over
#      the Parquet files of the Delta tables as delta-rs lists them
#      (scripts/peers/python), from silver.master_ventes (and the gold
#      tables as written), into expected.json.
#   3. the browser script checks every page against them, produces events
#      (smelt produce) and runs `smelt stream` while the dashboard is open,
#      and compares the live chart with kcat's reading of the topic.
# Screenshots: $SMELT_BUILD_DIR/tests/serve/artifacts-lake/.
# Under CI=true a missing peer (chromium, playwright-core, Kafka, kcat,
# the Python peers) fails instead of skipping.
: "${SMELT_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SMELT_BUILD_DIR:=$PWD}"
here=$SMELT_SOURCE_DIR/tests/serve
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=${SMELT_BIN:-$SMELT_BUILD_DIR/smelt}
svc=$SMELT_SOURCE_DIR/scripts/services/kafka
[[ -x "$smelt" ]] || { echo "FAILED: $smelt not built" >&2; exit 1; }

command -v node >/dev/null || tier_skip "node is not installed"
command -v kcat >/dev/null || tier_skip "kcat is not installed"
modules=$(bash "$here/install-browser.sh") || tier_skip "chromium or playwright-core unavailable"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/dev/null) || tier_skip "the Python peers (duckdb, deltalake) are unavailable"

state=$(mktemp -d /tmp/smelt-browser-lake.XXXXXX)
chmod 755 "$state" # the broker may run as its own user
out="$SMELT_BUILD_DIR/tests/serve/artifacts-lake"
rm -rf "$out"
mkdir -p "$out"
serve_pid=""
cleanup() {
  # the continuous stream the browser script starts, should it be cut short
  [[ -s "$state/stream.pid" ]] && kill -9 "$(cat "$state/stream.pid")" 2>/dev/null
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  timeout 120 "$svc" stop "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Kafka ---------------------------------------------------------------
tier_kafka_start "$state"
export SMELT_LOG_LEVEL=error
topic=ventes-e2e-$$

# ---- the demo lake -------------------------------------------------------
proj=$state/proj
mkdir -p "$proj"
cp -r "$SMELT_SOURCE_DIR/examples/northwind/models" "$proj/"
# the example without its PostgreSQL source (bronze comes from smelt gen),
# plus a stream source on our topic
sed "s|^lake: .*|lake: $state/lake|; /^sources:/,/^project:/{/^project:/!d}" \
  "$SMELT_SOURCE_DIR/examples/northwind/smelt.yaml" >"$proj/smelt.yaml"
cat >>"$proj/smelt.yaml" <<EOF
streams:
  ventes:
    type: kafka
    topic: $topic
    format: json
    schema: "struct<event_id:bigint,timestamp:timestamp,pays:string,montant:double,type:string>"
    timestamp_field: timestamp
    starting_offsets: earliest
EOF
if ! timeout 300 "$smelt" --project "$proj" gen northwind --scale 2 --to bronze >"$state/gen.out" 2>&1; then
  cat "$state/gen.out" >&2
  echo "FAILED: smelt gen northwind --to bronze" >&2
  exit 1
fi
if ! timeout 600 "$smelt" --project "$proj" run >"$state/run.out" 2>&1; then
  cat "$state/run.out" >&2
  echo "FAILED: smelt run" >&2
  exit 1
fi

# ---- what the dashboard must show, computed without smelt --------------------
cat >"$state/expected.py" <<'PY'
# Two passes in two processes (DuckDB and delta-rs each bring their own
# runtime; in one process they once aborted together):
#   expected.py delta LAKE DELTA_JSON   the log as delta-rs reads it
#   expected.py duckdb DELTA_JSON OUT   DuckDB over those files; OUT = both
import json, os, sys

def delta_pass(lake, out):
    from deltalake import DeltaTable
    def uris(dt):
        return [u[7:] if u.startswith("file://") else u for u in dt.file_uris()]
    mv_dt = DeltaTable(os.path.join(lake, "silver", "master_ventes"))
    gold_top = DeltaTable(os.path.join(lake, "gold", "top_countries")).to_pyarrow_table().to_pylist()
    # the preview pages rows in the log's file order: row 50 opens page 2
    mv_rows = mv_dt.to_pyarrow_table().slice(50, 1).to_pylist()
    json.dump({
        "master_files_list": uris(mv_dt),
        "master_version": mv_dt.version(),
        "master_columns": [f.name for f in mv_dt.schema().fields],
        "master_files": len(mv_dt.file_uris()),
        "master_row50": mv_rows[0] if mv_rows else None,
        # the gold tables as smelt wrote them, read by delta-rs
        "gold_total": DeltaTable(os.path.join(lake, "gold", "total_revenue")).to_pyarrow_table().to_pylist(),
        "gold_top": sorted([[r["pays"], r["revenue"]] for r in gold_top], key=lambda x: -x[1]),
    }, open(out, "w"), default=str)

def duckdb_pass(delta_json, out):
    import duckdb
    d = json.load(open(delta_json))
    con = duckdb.connect()
    mv = "read_parquet([%s], union_by_name=true)" % ",".join("'%s'" % f for f in d.pop("master_files_list"))
    total, orders, customers = con.execute(
        f"SELECT sum(montant_final), count(DISTINCT order_id), count(DISTINCT client) FROM {mv}").fetchone()
    countries = con.execute(
        f"SELECT pays, sum(montant_final) AS r FROM {mv} GROUP BY pays ORDER BY r DESC LIMIT 10").fetchall()
    categories = con.execute(
        f"SELECT categorie, sum(montant_final) AS r FROM {mv} GROUP BY categorie ORDER BY r DESC").fetchall()
    vip, nclients = con.execute(
        f"SELECT count(*) FILTER (WHERE m > 5000), count(*) FROM "
        f"(SELECT client, sum(montant_final) AS m FROM {mv} GROUP BY client)").fetchone()
    rows = con.execute(f"SELECT count(*) FROM {mv}").fetchone()[0]
    d.update({
        "total_revenue": total, "orders": orders, "customers": customers,
        "vip": vip, "clients": nclients, "vip_share": vip / nclients,
        "countries": [[p, r] for p, r in countries],
        "categories": [[c, r] for c, r in categories],
        "master_rows": rows,
    })
    json.dump(d, open(out, "w"), default=str)

(delta_pass if sys.argv[1] == "delta" else duckdb_pass)(sys.argv[2], sys.argv[3])
PY
if ! "$py" "$state/expected.py" delta "$state/lake" "$state/delta.json" 2>"$state/expected.err" ||
  ! "$py" "$state/expected.py" duckdb "$state/delta.json" "$state/expected.json" 2>>"$state/expected.err"; then
  cat "$state/expected.err" >&2
  echo "FAILED: computing the expected numbers with delta-rs and duckdb" >&2
  exit 1
fi

cp "$state/expected.json" "$out/expected.json" # kept beside the screenshots

# ---- smelt serve -------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$smelt" --project "$proj" serve --listen "127.0.0.1:$port" >"$state/serve.out" 2>&1 &
serve_pid=$!
up=0
for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$port/api/health" >/dev/null; then up=1; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ $up -ne 1 ]]; then
  cat "$state/serve.out" >&2
  echo "FAILED: smelt serve did not answer on 127.0.0.1:$port" >&2
  exit 1
fi

SMELT_BIN=$smelt PROJECT_DIR=$proj TOPIC=$topic STREAM_PID_FILE=$state/stream.pid \
  timeout 400 node "$here/browser_lake.cjs" "$modules" "http://127.0.0.1:$port/" "$out" "$state/expected.json"
rc=$?
if ! kill -0 "$serve_pid" 2>/dev/null; then
  echo "FAIL: smelt serve died during the test" >&2
  cat "$state/serve.out" >&2
  rc=1
fi
[[ $rc -eq 0 ]] || { echo "--- serve log" >&2; tail -n 30 "$state/serve.out" >&2; }
exit $rc
