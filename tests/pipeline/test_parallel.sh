#!/usr/bin/env bash
# smelt run in parallel: a diamond, a chain that breaks, an independent chain
# and two heavy models, run with --jobs 2 and --jobs 1.  The independent
# branches complete, the model downstream of the broken one is skipped, every
# table keeps the version it should (read from its _delta_log, not from
# smelt), _smelt.runs holds one record per table, the summary keeps the
# dependency order, the two heavy models ran at the same time with --jobs 2
# (their started_at/seconds intervals in _smelt.runs overlap) and nothing
# overlapped with --jobs 1, and a status line is drawn on a terminal only.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d /tmp/smelt-parallel-XXXXXX)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$dir"' EXIT
p=$dir/project
mkdir -p "$p/data" "$p/models/silver" "$p/models/gold"
python3 -c 'print("n"); [print(i) for i in range(1, 1801)]' >"$p/data/nums.csv"
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  nums:
    type: files
    format: csv
    path: data/nums.csv
YAML
m=$p/models
echo 'SELECT count(*) AS c FROM bronze.nums p CROSS JOIN bronze.nums q WHERE (p.n * 7 + q.n) % 13 = 0' >"$m/silver/heavy_1.sql"
echo 'SELECT count(*) AS c FROM bronze.nums p CROSS JOIN bronze.nums q WHERE (p.n * 5 + q.n) % 11 = 0' >"$m/silver/heavy_2.sql"
echo 'SELECT n FROM bronze.nums WHERE n % 2 = 0' >"$m/silver/m_a.sql"
echo 'SELECT n FROM silver.m_a WHERE n < 100' >"$m/silver/m_b.sql"
echo 'SELECT n FROM silver.m_a WHERE n >= 100' >"$m/silver/m_c.sql"
echo 'SELECT count(*) AS c, sum(n) AS s FROM (SELECT n FROM silver.m_b UNION ALL SELECT n FROM silver.m_c) u' >"$m/gold/m_d.sql"
echo 'SELECT n FROM bronze.nums WHERE n <= 10' >"$m/silver/x1.sql"
echo 'SELECT n * 2 AS m FROM silver.x1' >"$m/silver/x2.sql"
echo 'SELECT sum(m) AS s FROM silver.x2' >"$m/gold/x3.sql"
echo 'SELECT n FROM bronze.nums WHERE n > 5' >"$m/silver/y1.sql"
echo 'SELECT count(*) AS c FROM silver.y1' >"$m/gold/y2.sql"
order="bronze.nums
silver.heavy_1
silver.heavy_2
silver.m_a
silver.m_b
silver.m_c
silver.x1
silver.x2
silver.y1
gold.m_d
gold.x3
gold.y2"

# the last committed version of a table, from its Delta log
version() {
  local d=$dir/lake/${1%%.*}/${1#*.}/_delta_log
  [[ -d $d ]] || { echo none; return; }
  ls "$d" | sed -n 's/^0*\([0-9][0-9]*\)\.json$/\1/p; s/^0\{20\}\.json$/0/p' | sort -n | tail -1
}
versions() { for t in $order; do echo "$t $(version "$t")"; done; }

# 1. everything builds, on 2 workers
out=$(cd "$p" && "$smelt" run --jobs 2 --format csv 2>"$dir/err1"); rc=$?
expect_eq "the first run succeeds" "$rc" 0
expect_eq "every table is built, in dependency order" "$(cut -d, -f1,5 <<<"$out" | tail -n +2)" \
  "$(sed 's/$/,ok/' <<<"$order")"
expect_eq "every table is at version 0" "$(versions)" "$(sed 's/$/ 0/' <<<"$order")"

# 2. x2 breaks: x3 downstream is skipped, everything else runs again
echo 'SELECT no_such_column FROM silver.x1' >"$m/silver/x2.sql"
out=$(cd "$p" && "$smelt" run --jobs 2 --format csv 2>"$dir/err2"); rc=$?
expect_eq "a broken model fails the run" "$rc" 1
expect_eq "the summary: the order stays, x2 failed, x3 skipped" "$(cut -d, -f1,2,5 <<<"$out" | tail -n +2)" \
  "bronze.nums,1800,ok
silver.heavy_1,1,ok
silver.heavy_2,1,ok
silver.m_a,900,ok
silver.m_b,49,ok
silver.m_c,851,ok
silver.x1,10,ok
silver.x2,,failed
silver.y1,1795,ok
gold.m_d,1,ok
gold.x3,,skipped
gold.y2,1,ok"
check "the error names the model's file" grep -q "smelt run: .*models/silver/x2.sql: .*no_such_column" "$dir/err2"
expect_eq "the broken model and its downstream keep their last good version" "$(versions)" \
  "$(sed 's/$/ 1/; s/^\(silver.x2\|gold.x3\) 1$/\1 0/' <<<"$order")"
got=$(cd "$p" && "$smelt" sql --format csv "SELECT * FROM gold.m_d")
expect_eq "the diamond's end sees both branches" "$got" "c,s
900,$(python3 -c 'print(sum(range(2, 1801, 2)))')"
got=$(cd "$p" && "$smelt" sql --format csv "SELECT c FROM silver.heavy_1 UNION ALL SELECT c FROM silver.heavy_2")
want=$(python3 -c '
r = range(1, 1801)
print("c"); print(sum(1 for a in r for b in r if (a * 7 + b) % 13 == 0)); print(sum(1 for a in r for b in r if (a * 5 + b) % 11 == 0))')
expect_eq "the heavy models count what python3 counts" "$got" "$want"

# _smelt.runs: one record per table per run, what happened to each
got=$(cd "$p" && "$smelt" sql --format csv "SELECT count(DISTINCT run_id) AS runs, count(*) AS records FROM _smelt.runs")
expect_eq "two runs, one record per table each" "$got" "runs,records
2,24"
got=$(cd "$p" && "$smelt" sql --format csv "SELECT model, status, output_version, error IS NULL AS clean FROM _smelt.runs WHERE run_id IN (SELECT run_id FROM _smelt.runs WHERE status = 'failed') AND status <> 'ok' ORDER BY model")
expect_eq "the failed and the skipped are recorded" "$got" "model,status,output_version,clean
gold.x3,skipped,,false
silver.x2,failed,,false"
got=$(cd "$p" && "$smelt" sql --format csv "SELECT error FROM _smelt.runs WHERE model = 'gold.x3' AND status = 'skipped'")
expect_eq "the skip names its input" "$got" "error
skipped: its input silver.x2 did not run"

# concurrency: the heavy models' intervals overlap in the --jobs 2 run
intervals() { # run number (1-based, by time) → model,start_ms,end_ms
  (cd "$p" && "$smelt" sql --format csv "SELECT model, CAST(started_at AS string) AS s, seconds, run_id FROM _smelt.runs ORDER BY started_at") |
    python3 -c '
import csv, sys, datetime
rows = list(csv.DictReader(sys.stdin))
runs = []
for r in rows:
    if r["run_id"] not in runs:
        runs.append(r["run_id"])
want = runs[int(sys.argv[1]) - 1]
for r in rows:
    if r["run_id"] == want:
        t = datetime.datetime.fromisoformat(r["s"].replace("Z", "")[:23])
        ms = t.timestamp() * 1000
        print(r["model"], int(ms), int(ms + float(r["seconds"]) * 1000))' "$1"
}
intervals 2 >"$dir/iv2"
check "the heavy models ran at the same time with --jobs 2" python3 -c '
import sys
iv = {l.split()[0]: list(map(int, l.split()[1:])) for l in open(sys.argv[1])}
a, b = iv["silver.heavy_1"], iv["silver.heavy_2"]
print("heavy_1", a, "heavy_2", b, file=sys.stderr)
sys.exit(0 if a[0] < b[1] and b[0] < a[1] else 1)' "$dir/iv2"

# 3. --jobs 1: one at a time, in the summary's order
echo 'SELECT n * 2 AS m FROM silver.x1' >"$m/silver/x2.sql"
out=$(cd "$p" && "$smelt" run --jobs 1 --format csv 2>"$dir/err3"); rc=$?
expect_eq "the repaired run succeeds" "$rc" 0
expect_eq "x2 and x3 are back" "$(versions | grep 'x[23]')" "silver.x2 1
gold.x3 1"
intervals 3 >"$dir/iv3"
expect_eq "--jobs 1 starts them in the summary's order" "$(cut -d' ' -f1 "$dir/iv3")" "$order"
check "--jobs 1 never runs two at once" python3 -c '
import sys
iv = [list(map(int, l.split()[1:])) for l in open(sys.argv[1])]
sys.exit(0 if all(iv[i][0] >= iv[i - 1][1] - 2 for i in range(1, len(iv))) else 1)' "$dir/iv3"

# run.jobs from smelt.yaml; a bad --jobs is a usage error
printf 'run:\n  jobs: 1\n' >>"$p/smelt.yaml"
(cd "$p" && "$smelt" run --format csv silver.y1 >/dev/null 2>&1); rc=$?
expect_eq "run.jobs is a setting" "$rc" 0
(cd "$p" && "$smelt" run --jobs 0 >/dev/null 2>"$dir/err4"); rc=$?
expect_eq "--jobs 0 is refused" "$rc" 2
check "the usage error names --jobs" grep -q -- "--jobs wants a number" "$dir/err4"

# the status line: on a terminal (script(1) gives a pty), never in a pipe
check "no status line when stderr is not a terminal" bash -c "! grep -q 'running' '$dir/err1' '$dir/err2' '$dir/err3'"
if command -v script >/dev/null; then
  (cd "$p" && env -u CI TERM=dumb script -qec "'$smelt' run --jobs 2 --format csv" /dev/null >"$dir/tty" 2>&1)
  check "a terminal shows done/total and the running models" grep -aq 'smelt run: [0-9]*/12 done, running silver.heavy_' "$dir/tty"
fi
tier_done
