#!/usr/bin/env python3
"""`scripts/bench stream`: the reference's streaming phase on a real Kafka
broker, smelt beside kcat (the client-side ceiling) and Spark 4 Structured
Streaming, in one run.

  compare.py SMELT_BIN BOOTSTRAP WORK_DIR [SPARK_PYTHON JARS_DIR]

Environment: BENCH_STREAM_EVENTS (default 1,000,000) for the throughput
part; BENCH_STREAM_RATE (10,000/s) and BENCH_STREAM_SECONDS (30) for the
latency part (BENCH_STREAM_SECONDS=600 is the 10-minute memory run);
BENCH_STREAM_SPARK=0 leaves Spark out.

1. Throughput: `smelt produce` writes N events to a fresh topic (one
   partition, as the reference); then each engine reads all of it once:
   kcat -C -e to /dev/null, `smelt stream` (trigger available-now, the
   reference query, committed to its Delta sink), Spark (the reference
   query, availableNow, memory sink).  Wall time of each (Spark's JVM start
   reported apart), peak RSS of the process tree.
2. Latency: each engine streams a topic while `smelt produce --rate R`
   sends R*S events stamped with the wall clock; latency = when the batch
   holding an event has been committed (smelt: Delta sink + live table;
   Spark: the memory sink) minus the event's
   timestamp.  Spark runs the reference query unchanged; its progress
   reports give each batch's offset range and finish time, matched with
   the events' timestamps read back with kcat.  smelt's RSS is sampled
   every second for flatness.
The per-country totals of every run are compared: counts exactly, sums to
the cent.  Exits 1 when an engine disagrees.
"""
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from procmon import PeakRss  # noqa: E402

SCHEMA = "struct<event_id:bigint,timestamp:timestamp,pays:string,montant:double,type:string>"


def project(work, name, topic, starting):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "models", "streaming"), exist_ok=True)
    with open(os.path.join(SRC, "examples/northwind/models/streaming/ventes_par_pays.sql")) as f:
        sql = f.read()
    with open(os.path.join(d, "models", "streaming", "ventes_par_pays.sql"), "w") as f:
        f.write(sql)
    with open(os.path.join(d, "smelt.yaml"), "w") as f:
        f.write(f"lake: ./lake\nstreams:\n  ventes:\n    type: kafka\n    topic: {topic}\n"
                f"    format: json\n    schema: \"{SCHEMA}\"\n    timestamp_field: timestamp\n"
                f"    starting_offsets: {starting}\n")
    return d


def produce(smelt, bs, topic, count, rate=0, seed=7):
    t = time.time()
    r = subprocess.run([smelt, "produce", "--bootstrap", bs, "--topic", topic, "--count", str(count),
                        "--rate", str(rate), "--seed", str(seed)], capture_output=True, text=True)
    if r.returncode != 0 or f"acked {count}," not in r.stdout + r.stderr:
        sys.exit(f"smelt produce failed:\n{r.stdout}{r.stderr}")
    return time.time() - t


def timed(cmd, cwd=None, stdout=subprocess.DEVNULL):
    t = time.time()
    err_f = tempfile.TemporaryFile("w+")  # read after the exit: never blocks the child
    p = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=err_f, text=True)
    out = p.stdout.read() if stdout == subprocess.PIPE else ""
    _, status, ru = os.wait4(p.pid, 0)
    err_f.seek(0)
    err = err_f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err}")
    return time.time() - t, ru.ru_maxrss, out


def smelt_totals(smelt, proj):
    r = subprocess.run([smelt, "sql", "--format", "json",
                        "SELECT pays, nb_transactions, total_ventes_live FROM gold.ventes_par_pays_live"],
                       cwd=proj, capture_output=True, text=True, check=True)
    rows = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return {r["pays"]: [r["nb_transactions"], round(r["total_ventes_live"] * 100)] for r in rows}


def metrics_line(text):
    for line in text.splitlines():
        if " events/s, " in line and "latency" in line:
            return line
    return ""


def field(line, before, after):
    try:
        return float(line.split(before, 1)[1].split(after, 1)[0].strip().split()[0])
    except (IndexError, ValueError):
        return -1.0


def spark_proc(work, py, jars, bs, topic, mode, *extra):
    log = open(os.path.join(work, f"spark-{mode}.log"), "w")
    return subprocess.Popen([py, os.path.join(HERE, "spark_stream.py"), jars, bs, topic, mode, *extra],
                            stdout=subprocess.PIPE, stderr=log, text=True)


def read_json_lines(p, until):
    """Reads p's JSON lines until one has key `until`; returns them merged."""
    got = {}
    for line in p.stdout:
        if line.strip().startswith("{"):
            got.update(json.loads(line))
            if until in got:
                break
    return got


def event_times(bs, topic):
    """offset -> the event's own timestamp (ms), read back with kcat."""
    r = subprocess.run(["kcat", "-C", "-b", bs, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"],
                       capture_output=True, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        off, _, js = line.partition(" ")
        try:
            ts = json.loads(js)["timestamp"]
        except (ValueError, KeyError):
            continue
        out[int(off)] = dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000.0
    return out


def spark_latency(bs, topic, batches):
    """p50, p99 of (finish of the batch holding an event) - (its timestamp)."""
    ts = event_times(bs, topic)
    lat = sorted(done - ts[o] for lo, hi, done in batches for o in range(lo, hi) if o in ts)
    if not lat:
        return -1.0, -1.0
    return lat[int((len(lat) - 1) * 0.50)], lat[int((len(lat) - 1) * 0.99)]


def agree(name, got, want, problems):
    for k in sorted(set(got) | set(want)):
        g, w = got.get(k), want.get(k)
        if not g or not w or g[0] != w[0] or abs(g[1] - w[1]) > 1:
            problems.append(f"{name}: {k}: {g} != {w}")


def main():
    smelt, bs, work = sys.argv[1:4]
    spark = sys.argv[4:6] if len(sys.argv) >= 6 else None
    if os.environ.get("BENCH_STREAM_SPARK") == "0":  # e.g. for the 10-minute memory run
        spark = None
    n = int(os.environ.get("BENCH_STREAM_EVENTS", "1000000"))
    rate = int(os.environ.get("BENCH_STREAM_RATE", "10000"))
    secs = int(os.environ.get("BENCH_STREAM_SECONDS", "30"))
    tag = str(os.getpid())
    problems = []

    # ---- 1. throughput ------------------------------------------------------
    topic = f"bench-tp-{tag}"
    t_prod = produce(smelt, bs, topic, n)
    t_kcat, rss_kcat, _ = timed(["kcat", "-C", "-b", bs, "-t", topic, "-o", "beginning", "-e", "-q"])
    proj = project(work, "tp", topic, "earliest")
    t_smelt, rss_smelt, out = timed([smelt, "stream", "--bootstrap", bs], cwd=proj, stdout=subprocess.PIPE)
    totals = smelt_totals(smelt, proj)
    if sum(v[0] for v in totals.values()) != n:
        problems.append(f"smelt stream counted {sum(v[0] for v in totals.values())} events, not {n}")
    sp = None
    if spark:
        t = time.time()
        p = spark_proc(work, spark[0], spark[1], bs, topic, "throughput")
        mon = PeakRss(p.pid)
        sp = read_json_lines(p, "events")
        p.wait()
        sp["wall"] = time.time() - t
        sp["peak"] = mon.stop()
        if "events" not in sp:
            sys.exit(f"spark_stream.py throughput failed; see {work}/spark-throughput.log")
        agree("smelt vs Spark (throughput)", totals, {k: v for k, v in sp["totals"].items()}, problems)

    # ---- 2. latency at a fixed rate -----------------------------------------
    count = rate * secs
    topic_l = f"bench-lat-{tag}"
    produce(smelt, bs, topic_l, 1, seed=99)  # creates the topic; event 1 of another seed
    proj_l = project(work, "lat", topic_l, "latest")
    # its output goes to files: a pipe nobody reads until the end fills up
    # and stalls the stream
    s_out = open(os.path.join(work, "smelt-latency.out"), "w+")
    s_err = open(os.path.join(work, "smelt-latency.err"), "w+")
    s = subprocess.Popen([smelt, "stream", "--bootstrap", bs, "--trigger", "continuous"], cwd=proj_l,
                         stdout=s_out, stderr=s_err, text=True)
    time.sleep(3)
    mon = PeakRss(s.pid, period=1.0)
    produce(smelt, bs, topic_l, count, rate=rate, seed=8)
    time.sleep(2)
    s.send_signal(signal.SIGINT)
    s.wait(timeout=120)
    s_out.seek(0)
    s_err.seek(0)
    out_l, err_l = s_out.read(), s_err.read()
    mon.stop()
    line = metrics_line(out_l)
    if not line:
        sys.exit(f"smelt stream (continuous) printed no metrics:\n{out_l}{err_l}")
    lat_smelt = (field(line, "latency p50", "ms"), field(line, "ms p99", "ms"))
    got_l = smelt_totals(smelt, proj_l)
    rss_series = [kb for _, kb in mon.samples]
    lat_spark = None
    if spark:
        topic_s = f"bench-lat-spark-{tag}"
        produce(smelt, bs, topic_s, 1, seed=99)
        stop = os.path.join(work, "spark-stop")
        p = spark_proc(work, spark[0], spark[1], bs, topic_s, "latency", stop, str(count))
        monp = PeakRss(p.pid)
        ready = read_json_lines(p, "ready")
        if not ready.get("ready"):
            sys.exit(f"spark_stream.py latency did not start; see {work}/spark-latency.log")
        produce(smelt, bs, topic_s, count, rate=rate, seed=8)
        open(stop, "w").close()
        lat_spark = read_json_lines(p, "events")
        p.wait()
        lat_spark["peak"] = monp.stop()
        lat_spark["p50_ms"], lat_spark["p99_ms"] = spark_latency(bs, topic_s, lat_spark.get("batches", []))
        agree("smelt vs Spark (latency run)", got_l, lat_spark.get("totals", {}), problems)

    # ---- the table ----------------------------------------------------------
    mb = lambda kb: f"{kb / 1024:.1f}"  # noqa: E731
    print(f"produced {n:,} events in {t_prod:.2f} s ({n / t_prod:,.0f} events/s, smelt produce)")
    print()
    print(f"| {'throughput, ' + format(n, ',') + ' events':34} | {'kcat':>10} | {'smelt':>10} | {'Spark':>10} |")
    print("|" + "|".join("-" * w for w in (36, 12, 12, 12)) + "|")
    print(f"| {'events/s':34} | {n / t_kcat:10,.0f} | {n / t_smelt:10,.0f} | "
          f"{(n / sp['seconds'] if sp else 0):10,.0f} |")
    print(f"| {'seconds (Spark: query only)':34} | {t_kcat:10.2f} | {t_smelt:10.2f} | "
          f"{(sp['seconds'] if sp else 0):10.2f} |")
    if sp:
        print(f"| {'Spark JVM start + session, s':34} | {'':>10} | {'':>10} | {sp['startup']:10.2f} |")
    print(f"| {'peak RSS MB':34} | {mb(rss_kcat):>10} | {mb(rss_smelt):>10} | "
          f"{(mb(sp['peak']) if sp else '-'):>10} |")
    print()
    print(f"smelt: {n / t_smelt / (n / t_kcat) * 100:.0f} % of kcat's rate"
          + (f", {sp['seconds'] / t_smelt:.1f}x Spark's" if sp else ""))
    print()
    print(f"| {'latency at ' + format(rate, ',') + ' events/s, ' + str(secs) + ' s':34} | {'smelt':>10} | {'Spark':>10} |")
    print("|" + "|".join("-" * w for w in (36, 12, 12)) + "|")
    print(f"| {'p50 ms':34} | {lat_smelt[0]:10.1f} | {(lat_spark['p50_ms'] if lat_spark else -1):10.1f} |")
    print(f"| {'p99 ms':34} | {lat_smelt[1]:10.1f} | {(lat_spark['p99_ms'] if lat_spark else -1):10.1f} |")
    print(f"| {'peak RSS MB':34} | {mb(max(rss_series or [0])):>10} | "
          f"{(mb(lat_spark['peak']) if lat_spark else '-'):>10} |")
    if rss_series:
        q = max(1, len(rss_series) // 10)
        print(f"smelt RSS over the latency run (MB, every {len(rss_series) // 10 or 1} s): "
              + " ".join(mb(kb) for kb in rss_series[::q]))
    if problems:
        print("\nDISAGREEMENT:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("\nper-country totals agree across engines")


if __name__ == "__main__":
    main()
