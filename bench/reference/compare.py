#!/usr/bin/env python3
"""`scripts/bench reference`: the reference notebook on PySpark 4
(bench/reference/notebook.py) against smelt running examples/northwind, on
the same servers, side by side.

  compare.py SMELT_BIN JARS_DIR WORK_DIR [STATE_DIR [N_EVENTS]]

With STATE_DIR (a `smelt services up` stack; its smelt.env already in the
environment) both sides use the real stack: PostgreSQL, MinIO and Kafka.
smelt first: `smelt run` with bronze/silver/gold in the three buckets
(under the prefix smelt/), `smelt produce --count N` to ventes-temps-reel
(created beforehand, untimed, by `smelt produce --count 0`, and the broker
warmed by one event to a scratch topic),
`smelt stream --trigger available-now` into gold.ventes_par_pays_live.  Then
the notebook: s3a://{bronze,silver,gold}/..., N more events to the same
topic and Structured Streaming from offset N into vue_streaming_pays.  kcat
reads both halves of the topic back: each side's live totals must be what
was produced.  Without STATE_DIR: phases 1, 2, 4 on local files, PostgreSQL
only (PG* variables).

Wall time of each phase and of the whole (Spark: the process, JVM start
included; smelt: the commands), peak memory = the highest sum of RSS over
each process tree (python driver + java; each smelt command) sampled from
/proc every 100 ms — the servers, shared by both, are not counted.  Then the
gold numbers of each, which must agree (Spark is the oracle): exits 1 when
they do not, after printing the differences.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from procmon import PeakRss  # noqa: E402


TOPIC = "ventes-temps-reel"


def run_spark(jars, out, extra=()):
    t0 = time.time()
    target = "s3a:" if extra else out
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "notebook.py"), jars, target, *extra],
                         stdout=subprocess.PIPE, stderr=open(os.path.join(out + ".log"), "w"), text=True)
    mon = PeakRss(p.pid)
    lines = p.stdout.read().splitlines()
    rc = p.wait()
    wall = time.time() - t0
    peak = mon.stop()
    if rc != 0:
        sys.exit(f"notebook.py failed ({rc}); see {out}.log")
    phases, gold = {}, None
    for l in lines:
        o = json.loads(l)
        if "phase" in o:
            phases[o["phase"]] = o["seconds"]
        elif "gold" in o:
            gold = o["gold"]
    return phases, wall, peak, gold


def smelt_cmd(argv):
    """Runs one smelt command; returns (stdout, wall s, peak RSS kB: the
    tree's sampled peak or, for runs shorter than a sample, wait4's)."""
    t0 = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mon = PeakRss(p.pid)
    out = p.stdout.read()
    err = p.stderr.read()  # small: read after stdout without a deadlock
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.time() - t0
    peak = max(mon.stop(), ru.ru_maxrss)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv[3:5])} failed:\n{err}")
    return out, wall, peak


def run_smelt(smelt, project, lake):
    argv = [smelt, "--project", project] + (["--lake", lake] if lake else []) + ["run"]
    out, wall, peak = smelt_cmd(argv)
    phases = {"bronze": 0.0, "silver": 0.0, "gold": 0.0}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].split(".")[0] in phases:
            try:
                phases[cells[0].split(".")[0]] += float(cells[2])
            except ValueError:
                pass
    return phases, wall, peak, out


def smelt_sql(smelt, lake, q):
    where = ["--lake", lake] if not lake.startswith("project:") else ["--project", lake[8:]]
    r = subprocess.run([smelt, *where, "sql", "--format", "json", q],
                       capture_output=True, text=True, check=True)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def kcat_totals(offset, count):
    """[pays, count, cents] per country of `count` events from `offset` of
    partition 0, as kcat (an independent client) reads them."""
    r = subprocess.run(["kcat", "-b", os.environ["SMELT_KAFKA_BOOTSTRAP"], "-C", "-t", TOPIC, "-p", "0",
                        "-o", str(offset), "-c", str(count), "-e", "-q"],
                       capture_output=True, text=True, timeout=120, check=True)
    tot = {}
    for line in r.stdout.splitlines():
        ev = json.loads(line)
        c, cents = tot.get(ev["pays"], (0, 0))
        tot[ev["pays"]] = (c + 1, cents + round(ev["montant"] * 100))
    return sorted([p, c, cents] for p, (c, cents) in tot.items())


def main():
    smelt, jars, work = sys.argv[1:4]
    state = sys.argv[4] if len(sys.argv) > 4 else None
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 50
    os.makedirs(work, exist_ok=True)
    project = os.path.join(work, "northwind")
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(os.path.join(SRC, "examples", "northwind"), project)
    if not state:
        lake = os.path.join(work, "lake")
        s_ph, s_wall, s_peak, s_gold = run_spark(jars, os.path.join(work, "spark"))
        m_ph, m_wall, m_peak, _ = run_smelt(smelt, project, lake)
    else:
        # examples/northwind as shipped, its lake in the buckets.
        shutil.rmtree(os.path.join(project, "lake"), ignore_errors=True)
        with open(os.path.join(project, "smelt.yaml")) as f:
            conf = f.read()
        with open(os.path.join(state, "smelt.yaml")) as f:
            frag = f.read()
        conf = "\n".join("lake: s3://gold/smelt/lake" if l.startswith("lake:") else l for l in conf.splitlines())
        with open(os.path.join(project, "smelt.yaml"), "w") as f:
            f.write(frag + conf + "\nlayers:\n  bronze: s3://bronze/smelt\n  silver: s3://silver/smelt\n"
                    "  gold: s3://gold/smelt\n")
        lake = "project:" + project
        m_ph, m_wall, m_peak, _ = run_smelt(smelt, project, None)
        base = [smelt, "--project", project]
        # Untimed, before either side's phase 3: the topic is made, so both
        # write to an existing topic; and one event goes to a scratch topic,
        # because the first idempotent producer on a fresh broker waits
        # ~0.5 s for the broker's first block of producer ids (librdkafka
        # logs COORDINATOR_LOAD_IN_PROGRESS and retries) — a once-per-broker
        # cost that whichever side ran first would pay alone.
        smelt_cmd(base + ["produce", "--count", "0", "--topic", TOPIC])
        smelt_cmd(base + ["produce", "--count", "1", "--topic", "bench-warm-up"])
        _, m_ph["produce"], pk1 = smelt_cmd(base + ["produce", "--count", str(n), "--topic", TOPIC])
        _, m_ph["stream"], pk2 = smelt_cmd(base + ["stream", "--trigger", "available-now"])
        m_wall += m_ph["produce"] + m_ph["stream"]
        m_peak = max(m_peak, pk1, pk2)
        s_ph, s_wall, s_peak, s_gold = run_spark(jars, os.path.join(work, "spark"), (TOPIC, str(n), str(n)))
    m_total = smelt_sql(smelt, lake, "SELECT total_revenue FROM gold.total_revenue")[0]["total_revenue"]
    m_top = smelt_sql(smelt, lake, "SELECT pays, revenue FROM gold.top_countries ORDER BY revenue DESC LIMIT 3")
    m_seg = {r["segment"]: r["n"] for r in smelt_sql(
        smelt, lake, "SELECT segment, count(*) AS n FROM gold.rfm_analysis GROUP BY segment")}

    print(f"| {'phase':14} | {'Spark s':>8} | {'smelt s':>8} | {'speed-up':>9} |")
    print("|" + "|".join("-" * w for w in (16, 10, 10, 11)) + "|")
    rows = [("JVM/startup", s_ph.get("startup", 0), None), ("1 bronze", s_ph["bronze"], m_ph["bronze"]),
            ("2 silver", s_ph["silver"], m_ph["silver"])]
    if state:
        rows += [(f"3 produce {n}", s_ph["produce"], m_ph["produce"]),
                 ("3 stream", s_ph["stream"], m_ph["stream"])]
    rows += [("4 gold", s_ph["gold"], m_ph["gold"]), ("end to end", s_wall, m_wall)]
    for name, s, m in rows:
        ms = f"{m:8.3f}" if m is not None else f"{'-':>8}"
        su = f"{s / m:8.0f}x" if m else f"{'-':>9}"
        print(f"| {name:14} | {s:8.3f} | {ms} | {su} |")
    print(f"| {'peak RSS MB':14} | {s_peak / 1024:8.1f} | {m_peak / 1024:8.1f} | {s_peak / max(m_peak, 1):8.0f}x |")
    print()
    print("gold numbers (Spark is the oracle):")
    m_top3 = [[r["pays"], float(r["revenue"])] for r in m_top]
    print(f"  total revenue   Spark {s_gold['total_revenue']!r:>22}  smelt {float(m_total)!r}")
    for i in range(3):
        sp = s_gold["top3"][i] if i < len(s_gold["top3"]) else None
        sm = m_top3[i] if i < len(m_top3) else None
        print(f"  top {i + 1}           Spark {sp}  smelt {sm}")
    print(f"  VIP customers   Spark {s_gold['vip']}  smelt {m_seg.get('VIP', 0)}   "
          f"(Standard: Spark {s_gold['standard']}, smelt {m_seg.get('Standard', 0)})")
    diffs = []
    if round(s_gold["total_revenue"], 2) != round(float(m_total), 2):
        diffs.append("total revenue")
    if [p for p, _ in s_gold["top3"]] != [p for p, _ in m_top3] or any(
            round(a[1], 2) != round(b[1], 2) for a, b in zip(s_gold["top3"], m_top3)):
        diffs.append("top 3 countries")
    if s_gold["vip"] != m_seg.get("VIP", 0) or s_gold["standard"] != m_seg.get("Standard", 0):
        diffs.append("segments")
    if state:
        m_live = sorted([r["pays"], int(r["nb_transactions"]), round(float(r["total_ventes_live"]) * 100)]
                        for r in smelt_sql(smelt, lake, "SELECT * FROM gold.ventes_par_pays_live"))
        k_smelt, k_spark = kcat_totals(0, n), kcat_totals(n, n)
        print(f"  live (smelt)    {m_live}")
        print(f"     kcat 0..{n - 1:<5} {k_smelt}")
        print(f"  live (Spark)    {s_gold['live']}")
        print(f"     kcat {n}..{2 * n - 1:<4} {k_spark}  (sent: {s_gold['sent']})")
        if m_live != k_smelt:
            diffs.append("smelt's live totals")
        if s_gold["live"] != k_spark or s_gold["sent"] != k_spark:
            diffs.append("Spark's live totals")
    if diffs:
        if not state:
            line_totals(smelt, lake, os.path.join(work, "spark"))
        print("DIFFERENT from Spark: " + ", ".join(diffs))
        return 1
    print("gold numbers agree")
    return 0


def line_totals(smelt, lake, spark_out):
    """On a difference: which master-view rows' montant_final differ."""
    try:
        import glob
        import pyarrow.parquet as pq
        files = glob.glob(os.path.join(spark_out, "silver", "master_ventes", "*", "*.parquet"))
        sp = {}
        for f in files:
            for r in pq.read_table(f).to_pylist():
                sp[(r["order_id"], r["produit"])] = r["montant_final"]
        sm = smelt_sql(smelt, lake, "SELECT order_id, produit, montant_final, unit_price, quantity FROM silver.master_ventes")
        bad = [(r, sp.get((r["order_id"], r["produit"]))) for r in sm
               if sp.get((r["order_id"], r["produit"])) is None
               or abs(float(r["montant_final"]) - sp[(r["order_id"], r["produit"])]) > 1e-9]
        print(f"  master view: {len(bad)} of {len(sm)} montant_final differ, e.g.:")
        for r, s in bad[:5]:
            print(f"    order {r['order_id']} {r['produit']!r}: smelt {r['montant_final']} Spark {s}"
                  f" (unit_price {r['unit_price']}, quantity {r['quantity']})")
    except Exception as ex:  # diagnostics only
        print(f"  (line totals not compared: {ex})")


if __name__ == "__main__":
    sys.exit(main())
