#!/usr/bin/env bash
# The reference pipeline end to end with `smelt run` on examples/northwind:
# PostgreSQL Northwind into bronze, then silver.master_ventes and every gold
# model, and their numbers match PostgreSQL computing the same SQL (counts
# exactly, money within a float tolerance: the models use Spark's 32-bit
# float arithmetic on PostgreSQL `real` columns).  `smelt sql` reads them.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
models=$SMELT_SOURCE_DIR/examples/northwind/models
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
dir=$(mktemp -d /tmp/smelt-nwmodels-XXXXXX)
chmod 755 "$dir"
cleanup() { "$svc" stop "$dir/state" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
tier_pg_start "$dir" northwind

mkdir -p "$dir/project"
# the example project as it is, with its lake in the scratch directory
sed "s|^lake: .*|lake: $dir/lake|" "$SMELT_SOURCE_DIR/examples/northwind/smelt.yaml" >"$dir/project/smelt.yaml"
cp -r "$models" "$dir/project/"
out=$("$smelt" --project "$dir/project" run --format csv); rc=$?
expect_eq "smelt run exits 0" "$rc" 0
for t in bronze.orders silver.master_ventes gold.total_revenue gold.top_countries gold.rfm_analysis \
         gold.revenue_by_category gold.rfm_scores; do
  check "$t was built" grep -q "^$t,.*,ok$" <<<"$out"
done
out=$("$smelt" --project "$dir/project" run); rc=$?
check "the text dashboard shows the total revenue" grep -q "== Total revenue" <<<"$out"
check "the text dashboard says there is no live data yet" grep -q "No live data yet" <<<"$out"
q() { "$smelt" --project "$dir/project" sql --format csv "$1" | tail -n +2; }
pg() { psql -X -At -F, -c "$1"; }

# the silver view in PostgreSQL, with the same float arithmetic
master="(SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,
          cat.category_name AS categorie,
          round((od.unit_price * od.quantity * (1 - od.discount))::numeric, 2) AS montant_final
        FROM order_details od LEFT JOIN orders o ON od.order_id = o.order_id
        LEFT JOIN products p ON od.product_id = p.product_id
        LEFT JOIN categories cat ON p.category_id = cat.category_id
        LEFT JOIN customers c ON o.customer_id = c.customer_id) m"

expect_eq "silver.master_ventes rows" "$(q 'SELECT count(*), count(DISTINCT order_id) FROM silver.master_ventes')" \
  "$(pg "SELECT count(*), count(DISTINCT order_id) FROM $master")"

# numbers compared within a tolerance: "a,b" lines, numeric fields
close() { # got want tolerance
  python3 - "$1" "$2" "$3" <<'PY'
import sys
got, want, tol = sys.argv[1].splitlines(), sys.argv[2].splitlines(), float(sys.argv[3])
def num(x):
    try: return float(x)
    except ValueError: return None
ok = len(got) == len(want)
for g, w in zip(got, want):
    for a, b in zip(g.split(","), w.split(",")):
        na, nb = num(a), num(b)
        if (na is None) != (nb is None) or (na is None and a != b) or (na is not None and abs(na - nb) > tol):
            ok = False
if not ok:
    print("got:\n" + "\n".join(got) + "\nwant:\n" + "\n".join(want), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
check "gold.total_revenue matches PostgreSQL" close \
  "$(q 'SELECT total_revenue, orders, customers FROM gold.total_revenue')" \
  "$(pg "SELECT sum(montant_final), count(DISTINCT order_id), count(DISTINCT client) FROM $master")" 1.0
check "gold.top_countries matches PostgreSQL" close \
  "$(q 'SELECT pays, revenue FROM gold.top_countries ORDER BY revenue DESC')" \
  "$(pg "SELECT pays, sum(montant_final) AS r FROM $master GROUP BY pays ORDER BY r DESC LIMIT 10")" 0.5
check "gold.revenue_by_category matches PostgreSQL" close \
  "$(q 'SELECT categorie, revenue FROM gold.revenue_by_category ORDER BY categorie')" \
  "$(pg "SELECT categorie, sum(montant_final) FROM $master GROUP BY categorie ORDER BY categorie COLLATE \"C\"")" 0.5
check "gold.rfm_analysis matches PostgreSQL" close \
  "$(q "SELECT count(*), sum(frequency), sum(monetary), sum(CASE WHEN segment = 'VIP' THEN 1 ELSE 0 END) FROM gold.rfm_analysis")" \
  "$(pg "SELECT count(*), sum(f), sum(s), count(*) FILTER (WHERE s > 5000) FROM (SELECT client, count(DISTINCT order_id) f, sum(montant_final) s FROM $master GROUP BY client) x")" 1.0
check "gold.rfm_scores has a row and 1..5 scores per client" close \
  "$(q 'SELECT count(*), min(r_score), max(r_score), min(m_score), max(m_score), sum(frequency) FROM gold.rfm_scores')" \
  "$(pg "SELECT count(*), 1, 5, 1, 5, sum(f) FROM (SELECT client, count(DISTINCT order_id) f FROM $master GROUP BY client) x")" 0
check "gold.rfm_scores recency matches PostgreSQL" close \
  "$(q 'SELECT min(recency_days), max(recency_days), sum(recency_days) FROM gold.rfm_scores')" \
  "$(pg "SELECT min(r), max(r), sum(r) FROM (SELECT client, (SELECT max(order_date) FROM orders) - max(order_date) AS r FROM $master GROUP BY client) x")" 0
# the web UI and the report show the gold numbers
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$smelt" --project "$dir/project" serve --listen "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
want=$(q 'SELECT total_revenue, orders, customers FROM gold.total_revenue')
got=$(curl -sf "http://127.0.0.1:$port/api/dashboard" | python3 -c 'import json,sys; k=json.load(sys.stdin)["kpis"]; print("%r,%d,%d" % (k["total_revenue"], k["orders"], k["customers"]))')
check "the dashboard API shows gold.total_revenue" close "$got" "$want" 0.01
n=$(curl -sf "http://127.0.0.1:$port/api/tables" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tables"]))')
expect_eq "the lake browser lists every table (6 bronze, 1 silver, 5 gold, _smelt.runs)" "$n" 13
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
check "smelt report writes the dashboard" "$smelt" --project "$dir/project" report --out "$dir/dashboard.html"
check "the report shows the top country" grep -q "USA" "$dir/dashboard.html"
tier_done
