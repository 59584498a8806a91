#!/usr/bin/env bash
# The whole reference pipeline on the real stack (issue #9): `smelt services
# up` on free loopback ports, examples/northwind (models unchanged, pointed at
# the stack with the fragment `services up` writes) run into the three MinIO
# buckets, the gold numbers checked against PostgreSQL computing the same SQL
# on the source, events produced to the real broker and streamed into the
# live table and its Delta sink (checked against kcat reading the topic), and
# `smelt serve` answering the same numbers over HTTP.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
svcdir=$SMELT_SOURCE_DIR/scripts/services
state=$(mktemp -d /tmp/smelt-stack-e2e-XXXXXX)
chmod 755 "$state"
serve_pid=
cleanup() {
  [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  timeout 300 "$smelt" services down --purge --state "$state" >/dev/null 2>&1
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v kcat >/dev/null 2>&1 || tier_skip "kcat is not installed"
command -v curl >/dev/null 2>&1 || tier_skip "curl is not installed"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg=$(free_port) kafka=$(free_port) minio=$(free_port)
if ! timeout 1800 "$smelt" services up --state "$state" --pg-port "$pg" --kafka-port "$kafka" \
    --minio-port "$minio" >"$state/up.out" 2>"$state/up.err"; then
  if grep -q "registry\|unreachable\|could not be reached" "$state/up.err"; then
    tier_skip "a service could not be installed: $(tail -1 "$state/up.err")"
  fi
  cat "$state/up.err" >&2
  echo "FAILED: smelt services up"
  exit 1
fi
bootstrap=127.0.0.1:$kafka
mc() { timeout 60 "$svcdir/minio" mc "$state" "$@"; }
psql_q() { timeout 60 "$svcdir/postgres" psql "$state" -d app -X -A -t -F ' ' -v ON_ERROR_STOP=1 -c "$1"; }

# The example as shipped, its lake moved to the buckets: the fragment first,
# then examples/northwind/smelt.yaml with only its local `lake:` replaced.
proj=$state/northwind
cp -r "$SMELT_SOURCE_DIR/examples/northwind" "$proj"
rm -rf "$proj/lake"
{
  cat "$state/smelt.yaml"
  sed 's|^lake: .*|lake: s3://gold/lake|' "$SMELT_SOURCE_DIR/examples/northwind/smelt.yaml"
  printf 'layers:\n  bronze: s3://bronze\n  silver: s3://silver\n  gold: s3://gold\n'
} >"$proj/smelt.yaml"
S() { "$smelt" --project "$proj" "$@"; }

# ---- batch: bronze -> silver -> gold into MinIO --------------------------
out=$(timeout 600 "$smelt" --project "$proj" run --format csv 2>"$state/run.err"); rc=$?
expect_eq "smelt run exits 0 against the stack" "$rc" 0
[[ $rc -eq 0 ]] || { cat "$state/run.err" >&2; echo "$out" >&2; }
for t in orders,830 order_details,2155 products,77 customers,91 employees,9 categories,8; do
  check "bronze.${t%,*}: ${t#*,} rows ingested" grep -q "^bronze.${t%,*},${t#*,}," <<<"$out"
done
check "silver.master_ventes built" grep -q "^silver.master_ventes,2155,.*,ok$" <<<"$out"
check "gold.rfm_analysis built" grep -q "^gold.rfm_analysis,.*,ok$" <<<"$out"
check "no model failed" test "$(grep -c ',ok$' <<<"$out")" -eq "$(tail -n +2 <<<"$out" | grep -c '^[a-z_]*\.')"

# Objects in each bucket, as MinIO itself lists them: a Delta log and
# Parquet files per layer.
for b in bronze silver gold; do
  mc ls --recursive "local/$b" >"$state/ls.$b" 2>&1
  expect_eq "mc lists bucket $b" "$?" 0
  check "bucket $b holds Delta logs" grep -q "_delta_log/00000000000000000000.json" "$state/ls.$b"
  check "bucket $b holds Parquet files" grep -q "\.parquet$" "$state/ls.$b"
done
check "bronze bucket holds orders" grep -q "orders/_delta_log/" "$state/ls.bronze"
check "silver bucket holds master_ventes" grep -q "master_ventes/_delta_log/" "$state/ls.silver"
check "gold bucket holds rfm_analysis" grep -q "rfm_analysis/_delta_log/" "$state/ls.gold"

# ---- gold numbers against PostgreSQL on the source -----------------------
# The master view, recomputed by PostgreSQL from the Northwind tables
# (montant_final in numeric: Spark/smelt round a 32-bit float product, so a
# line may differ by a cent; totals get a tolerance, counts none).
master="WITH m AS (SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,
  round((od.unit_price * od.quantity * (1 - od.discount))::numeric, 2) AS mf
  FROM order_details od LEFT JOIN orders o USING (order_id) LEFT JOIN customers c USING (customer_id))"
pg_total=$(psql_q "$master SELECT sum(mf), count(DISTINCT order_id), count(DISTINCT client) FROM m")
expect_eq "psql computes the KPIs" "$?" 0
pg_top=$(psql_q "$master SELECT pays, sum(mf) FROM m GROUP BY pays ORDER BY 2 DESC LIMIT 3")
pg_seg=$(psql_q "$master SELECT segment, count(*) FROM (SELECT client, CASE WHEN sum(mf) > 5000 THEN 'VIP' ELSE 'Standard' END AS segment FROM m GROUP BY client) r GROUP BY segment ORDER BY segment DESC")
sm_total=$(S sql --format csv "SELECT total_revenue, orders, customers FROM gold.total_revenue" | tail -n +2 | tr ',' ' ')
sm_top=$(S sql --format csv "SELECT pays, revenue FROM gold.top_countries ORDER BY revenue DESC LIMIT 3" | tail -n +2 | tr ',' ' ')
sm_seg=$(S sql --format csv "SELECT segment, count(*) FROM gold.rfm_analysis GROUP BY segment ORDER BY segment DESC" | tail -n +2 | tr ',' ' ')
echo "PostgreSQL: total $pg_total; top 3 $(tr '\n' ';' <<<"$pg_top") segments $(tr '\n' ';' <<<"$pg_seg")"
echo "smelt:      total $sm_total; top 3 $(tr '\n' ';' <<<"$sm_top") segments $(tr '\n' ';' <<<"$sm_seg")"
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= t) }'; }
check "total revenue within 1.00 of PostgreSQL's" near "$(cut -d' ' -f1 <<<"$sm_total")" "$(cut -d' ' -f1 <<<"$pg_total")" 1.00
expect_eq "orders and customers as PostgreSQL counts them" "$(cut -d' ' -f2- <<<"$sm_total")" "$(cut -d' ' -f2- <<<"$pg_total")"
expect_eq "top 3 countries as PostgreSQL ranks them" "$(cut -d' ' -f1 <<<"$sm_top")" "$(cut -d' ' -f1 <<<"$pg_top")"
for i in 1 2 3; do
  check "top country $i revenue within 0.50" near "$(sed -n "${i}p" <<<"$sm_top" | cut -d' ' -f2)" \
    "$(sed -n "${i}p" <<<"$pg_top" | cut -d' ' -f2)" 0.50
done
expect_eq "customers per segment as PostgreSQL counts them" "$sm_seg" "$pg_seg"

# ---- stream: produce to the real broker, stream into the live table -----
count=500
out=$(timeout 120 "$smelt" --project "$proj" produce --count "$count" --seed 4242 2>&1); rc=$?
expect_eq "smelt produce exits 0" "$rc" 0
[[ $rc -eq 0 ]] || echo "$out" >&2
timeout 120 kcat -b "$bootstrap" -C -t ventes-temps-reel -o beginning -e -q >"$state/kcat.out" 2>"$state/kcat.err"
expect_eq "kcat consumes the topic to its end" "$?" 0
expect_eq "kcat sees $count events" "$(wc -l <"$state/kcat.out")" "$count"
# "PAYS COUNT CENTS" per country, from the raw JSON (as tests/kafka does).
want=$(awk '
  match($0, /"pays": *"[A-Z]+"/) {
    s = substr($0, RSTART, RLENGTH); sub(/.*: *"/, "", s); p = substr(s, 1, length(s) - 1)
    if (!match($0, /"montant": *[0-9]+(\.[0-9]+)?/)) next
    m = substr($0, RSTART, RLENGTH); sub(/.*: */, "", m)
    n = split(m, parts, "."); frac = (n > 1) ? parts[2] : "0"
    while (length(frac) < 2) frac = frac "0"
    cnt[p]++; sum[p] += parts[1] * 100 + substr(frac, 1, 2)
  }
  END { for (p in cnt) printf "%s %d %d\n", p, cnt[p], sum[p] }' "$state/kcat.out" | sort)
out=$(timeout 300 "$smelt" --project "$proj" stream --trigger available-now 2>&1); rc=$?
expect_eq "smelt stream (available-now) exits 0" "$rc" 0
echo "$out" | head -5
live="SELECT pays, nb_transactions, CAST(round(total_ventes_live * 100) AS BIGINT) AS cents FROM gold.ventes_par_pays_live ORDER BY pays"
got=$(S sql --format csv "$live" | tail -n +2 | tr ',' ' ')
expect_eq "the live Delta sink has kcat's per-country counts and sums" "$got" "$want"
mc ls --recursive local/gold >"$state/ls.gold2" 2>&1
check "the live sink is a Delta table in the gold bucket" grep -q "ventes_par_pays_live/_delta_log/" "$state/ls.gold2"
# A second available-now run finds nothing new: exactly once.
timeout 300 "$smelt" --project "$proj" stream --trigger available-now >/dev/null 2>&1
got=$(S sql --format csv "$live" | tail -n +2 | tr ',' ' ')
expect_eq "a second stream run counts nothing twice" "$got" "$want"

# ---- smelt serve: the dashboard over HTTP --------------------------------
port=$(free_port)
"$smelt" --project "$proj" serve --listen "127.0.0.1:$port" >"$state/serve.out" 2>&1 &
serve_pid=$!
up=0
for _ in $(seq 1 100); do
  if curl -fsS -m 2 "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.2
done
expect_eq "smelt serve answers /api/health" "$up" 1
[[ $up -eq 1 ]] || cat "$state/serve.out" >&2
curl -fsS -m 30 "http://127.0.0.1:$port/api/dashboard" >"$state/dashboard.json"
expect_eq "GET /api/dashboard" "$?" 0
curl -fsS -m 30 "http://127.0.0.1:$port/api/tables/gold/ventes_par_pays_live/rows" >"$state/live.json"
expect_eq "GET /api/tables/gold/ventes_par_pays_live/rows" "$?" 0
# The numbers, found by name (fields added later are ignored): total
# revenue, the top 3 countries and the segments from the dashboard, the live
# per-country totals from the dashboard if it has them, else from the rows
# of the live table.
dash=$(python3 - "$state/dashboard.json" "$state/live.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows_doc = json.load(open(sys.argv[2]))
def pairs(v):
    out = []
    for r in v if isinstance(v, list) else []:
        if isinstance(r, dict):
            k = r.get("label", r.get("pays", r.get("segment")))
            n = r.get("value", r.get("revenue", r.get("customers", r.get("count"))))
            if k is not None and n is not None:
                out.append((k, float(n)))
    return out
def table(doc):
    """[{col: value}] from {columns, rows} (columns as names or objects)."""
    if isinstance(doc, dict) and "rows" in doc:
        cols = [c["name"] if isinstance(c, dict) else c for c in doc.get("columns", [])]
        return [dict(zip(cols, r)) if isinstance(r, list) else r for r in doc["rows"]]
    return []
k = d.get("kpis", {})
print("total %.2f" % float(k.get("total_revenue", d.get("total_revenue", "nan"))))
for p, r in sorted(pairs(d.get("top_countries")), key=lambda x: -x[1])[:3]:
    print("top %s %.2f" % (p, r))
for s, n in sorted(pairs(d.get("segments")), reverse=True):
    print("seg %s %d" % (s, n))
live = d.get("live")
live = table(live) if isinstance(live, dict) else (live if isinstance(live, list) and live else table(rows_doc))
for r in sorted(live, key=lambda r: r["pays"]):
    print("live %s %d %d" % (r["pays"], int(r["nb_transactions"]), round(float(r["total_ventes_live"]) * 100)))
PY
)
echo "$dash"
check "dashboard total revenue within 0.01 of the gold table" near \
  "$(sed -n 's/^total //p' <<<"$dash")" "$(cut -d' ' -f1 <<<"$sm_total")" 0.01
expect_eq "dashboard top 3 countries" "$(sed -n 's/^top \([A-Z]*\) .*/\1/p' <<<"$dash")" "$(cut -d' ' -f1 <<<"$pg_top")"
expect_eq "dashboard customers per segment" "$(sed -n 's/^seg //p' <<<"$dash")" "$pg_seg"
expect_eq "served live totals are what was produced" "$(sed -n 's/^live //p' <<<"$dash")" "$want"

kill "$serve_pid" 2>/dev/null
wait "$serve_pid" 2>/dev/null
serve_pid=
timeout 300 "$smelt" services down --purge --state "$state" >/dev/null 2>&1
expect_eq "services down --purge exits 0" "$?" 0
tier_done
