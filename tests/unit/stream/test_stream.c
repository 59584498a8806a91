/* Unit tests of the streaming engine over librdkafka's mock cluster:
 * reference totals computed independently from the seed, output modes,
 * windows and watermarks with late events, dead letters, and crashes at
 * every point of a batch followed by a restart (exactly once). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "delta/snapshot.h"
#include "parquet/reader.h"
#include "stream/stream.h"

#define REF_SQL                                                                                    \
    "SELECT pays, sum(montant) AS total_ventes_live, count(*) AS nb_transactions FROM ventes "     \
    "GROUP BY pays"

static sm_kafka_mock_t *mock;
static sm_kafka_conf_t kconf;
static char lakedir[256];
static int topic_seq;

static void fresh_lake(void)
{
    snprintf(lakedir, sizeof lakedir, "/tmp/smelt-stream-test-%d-%d", (int)getpid(), ++topic_seq);
    (void)check_rm_tree(lakedir);
}

static void rm_lake(void)
{
    (void)check_rm_tree(lakedir);
}

static sm_stream_source_t ref_source(const char *topic, sm_type_t *schema)
{
    sm_stream_source_t s = {.name = "ventes",
                            .topic = (char *)topic,
                            .schema = schema,
                            .timestamp_field = "timestamp",
                            .start = SM_KAFKA_START_EARLIEST,
                            .watermark_ms = -1};
    return s;
}

/* expected per-country count and cents of events first..last for seed */
static void expect_totals(uint64_t seed, int64_t first, int64_t last, int64_t cnt[4],
                          int64_t cents[4])
{
    memset(cnt, 0, 4 * sizeof *cnt);
    memset(cents, 0, 4 * sizeof *cents);
    for (int64_t id = first; id <= last; id++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(seed, id, 0, &ev);
        cnt[ev.pays]++;
        cents[ev.pays] += ev.montant_cents;
    }
}

static void produce(const char *topic, uint64_t seed, int64_t start, uint64_t count)
{
    sm_error_t e;
    sm_kafka_produce_opts_t po = {.conf = kconf,
                                  .topic = topic,
                                  .count = count,
                                  .seed = seed,
                                  .start_id = start,
                                  .start_id_set = true,
                                  .ts_base_ms = 1714557600000};
    sm_kafka_produce_summary_t sum;
    CHECK_OK(sm_kafka_produce_events(&po, &sum, &e), &e);
    CHECK_EQ_INT(sum.acked, count);
}

/* Reads every row of a Delta table of the lake (all live files). */
static sm_batch_t **read_table(const char *name, size_t *nb)
{
    sm_error_t e;
    sm_lake_t *lake = NULL;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *snap = NULL;
    sm_batch_t **out = NULL;
    *nb = 0;
    if (sm_lake_open(lakedir, NULL, &lake, &e) || sm_lake_resolve(lake, name, &t, &e) ||
        sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, &e)) {
        fprintf(stderr, "read_table %s: %s\n", name, e.msg);
        goto out;
    }
    out = calloc(1024, sizeof *out);
    for (size_t i = 0; i < snap->nfiles; i++) {
        char key[1024];
        snprintf(key, sizeof key, "%s/%s", t.prefix, snap->files[i].path);
        sm_pq_reader_t *r = NULL;
        if (sm_pq_reader_open(t.store, key, NULL, &r, &e)) {
            fprintf(stderr, "read_table %s: %s\n", key, e.msg);
            continue;
        }
        sm_batch_t *b;
        while (!sm_pq_reader_next(r, &b, &e) && b && *nb < 1024)
            out[(*nb)++] = b;
        sm_pq_reader_close(r);
    }
out:
    sm_delta_snapshot_free(snap);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return out;
}

static void free_batches(sm_batch_t **b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sm_batch_free(b[i]);
    free(b);
}

static int country_index(const char *p, size_t n)
{
    for (int i = 0; i < 4; i++)
        if (strlen(sm_kafka_countries[i]) == n && memcmp(sm_kafka_countries[i], p, n) == 0)
            return i;
    return -1;
}

/* Checks a (pays, total, count) result against the expectation. */
static void check_ref_rows(sm_batch_t *const *bs, size_t nb, const int64_t cnt[4],
                           const int64_t cents[4])
{
    int64_t gc[4] = {0}, gs[4] = {0};
    size_t rows = 0;
    for (size_t k = 0; k < nb; k++) {
        const sm_batch_t *b = bs[k];
        for (size_t r = 0; r < b->nrows; r++, rows++) {
            size_t len;
            const char *p = sm_vector_get_str(b->cols[0], r, &len);
            int i = country_index(p, len);
            CHECK(i >= 0);
            if (i < 0)
                continue;
            gs[i] += llround(sm_vector_get_f64(b->cols[1], r) * 100);
            gc[i] += sm_vector_get_i64(b->cols[2], r);
        }
    }
    int expected_rows = 0;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(gc[i], cnt[i]);
        CHECK_EQ_INT(gs[i], cents[i]);
        expected_rows += cnt[i] > 0;
    }
    CHECK_EQ_INT(rows, expected_rows);
}

static sm_stream_opts_t ref_opts(sm_lake_t *lake, const sm_stream_source_t *src, const char *id)
{
    sm_stream_opts_t o = {.query_id = id,
                          .sql = REF_SQL,
                          .source = src,
                          .kafka = kconf,
                          .lake = lake,
                          .output = SM_STREAM_COMPLETE,
                          .trigger = {SM_STREAM_AVAILABLE_NOW, 0},
                          .watermark_ms = -1};
    return o;
}

static void run_available_now(const sm_stream_opts_t *o, sm_err_t want)
{
    sm_error_t e;
    sm_stream_t *s = NULL;
    sm_err_t rc = sm_stream_open(o, &s, &e);
    if (!rc)
        rc = sm_stream_run(s, &e);
    if (rc != want)
        fprintf(stderr, "stream: got %d want %d: %s\n", rc, want, rc ? e.msg : "");
    CHECK_EQ_INT(rc, want);
    sm_stream_free(s);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_reference_available_now(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "ref-available-now";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    produce(topic, 42, 1, 500);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "ventes_par_pays");
    sm_stream_t *s = NULL;
    CHECK_OK(sm_stream_open(&o, &s, &e), &e);
    CHECK_EQ_STR(sm_stream_sink(s), "gold.ventes_par_pays_live");
    CHECK_EQ_STR(sm_stream_dead_letters(s), "gold._dead_letters_ventes_par_pays");
    CHECK_OK(sm_stream_run(s, &e), &e);
    int64_t cnt[4], cents[4];
    expect_totals(42, 1, 500, cnt, cents);
    sm_batch_t *live = NULL;
    uint64_t version = 0;
    sm_stream_metrics_t m;
    CHECK_OK(sm_stream_live(s, &live, &version, &m, &e), &e);
    CHECK(live != NULL);
    CHECK(version >= 1);
    if (live)
        check_ref_rows(&live, 1, cnt, cents);
    CHECK_EQ_INT(m.events_total, 500);
    CHECK_EQ_INT(m.dead_letters_total, 0);
    CHECK_EQ_INT(m.lag, 0);
    CHECK(m.latency_p50_ms >= 0);
    CHECK(m.latency_p99_ms >= m.latency_p50_ms);
    /* the whole run's histogram agrees with the recent ring to its bucket (events
     * stamped long ago land in the overflow bucket, reported as the max) */
    CHECK(m.latency_run_p50_ms >= m.latency_p50_ms - 1e-9);
    if (m.latency_p50_ms < 99000)
        CHECK(m.latency_run_p50_ms <= m.latency_p50_ms + 10.0 + 1e-9);
    else
        CHECK(m.latency_run_p50_ms >= 100000);
    CHECK(m.latency_run_p99_ms >= m.latency_run_p50_ms);
    CHECK(!m.running);
    sm_batch_free(live);
    sm_stream_free(s);
    size_t nb;
    sm_batch_t **bs = read_table("gold.ventes_par_pays_live", &nb);
    check_ref_rows(bs, nb, cnt, cents);
    free_batches(bs, nb);

    /* more events, run again: resumes where it stopped, state carried over */
    produce(topic, 42, 501, 300);
    run_available_now(&o, SM_OK);
    expect_totals(42, 1, 800, cnt, cents);
    bs = read_table("gold.ventes_par_pays_live", &nb);
    check_ref_rows(bs, nb, cnt, cents);
    free_batches(bs, nb);
    /* nothing new: nothing changes */
    run_available_now(&o, SM_OK);
    bs = read_table("gold.ventes_par_pays_live", &nb);
    check_ref_rows(bs, nb, cnt, cents);
    free_batches(bs, nb);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

static int batches_seen;
static void count_batch(void *ctx, const sm_stream_batch_info_t *info)
{
    (void)ctx;
    (void)info;
    batches_seen++;
}

/* Crash at every point of batch k, restart, and the sink must equal the
 * exact totals: nothing lost, nothing counted twice. */
static void test_exactly_once_crashes(void)
{
    sm_error_t e;
    static const sm_stream_crash_t points[] = {
        SM_STREAM_CRASH_AFTER_OFFSETS, SM_STREAM_CRASH_AFTER_STATE, SM_STREAM_CRASH_AFTER_COMMIT};
    sm_type_t *schema = sm_kafka_event_schema(false);
    for (int pi = 0; pi < 3; pi++) {
        for (int64_t k = 0; k < 3; k++) {
            fresh_lake();
            char topic[64];
            snprintf(topic, sizeof topic, "crash-%d-%d", pi, (int)k);
            CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 2, 1, &e), &e);
            produce(topic, 7, 1, 400);
            sm_stream_source_t src = ref_source(topic, schema);
            sm_lake_t *lake = NULL;
            CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
            sm_stream_opts_t o = ref_opts(lake, &src, "q");
            o.max_batch_events = 100;
            o.crash = points[pi];
            o.crash_batch = k;
            run_available_now(&o, SM_ERR_CANCELLED);
            /* restart, more data arrives meanwhile */
            produce(topic, 7, 401, 150);
            o.crash = SM_STREAM_CRASH_NONE;
            batches_seen = 0;
            o.on_batch = count_batch;
            run_available_now(&o, SM_OK);
            CHECK(batches_seen >= 1);
            int64_t cnt[4], cents[4];
            expect_totals(7, 1, 550, cnt, cents);
            size_t nb;
            sm_batch_t **bs = read_table("gold.q_live", &nb);
            check_ref_rows(bs, nb, cnt, cents);
            free_batches(bs, nb);
            sm_lake_close(lake);
            rm_lake();
        }
    }
    sm_type_free(schema);
}

/* Events counted by a complete-mode sink (the sum of nb_transactions). */
static int64_t sink_events(const char *name)
{
    size_t nb;
    sm_batch_t **bs = read_table(name, &nb);
    int64_t n = 0;
    for (size_t k = 0; k < nb; k++)
        for (size_t r = 0; r < bs[k]->nrows; r++)
            n += sm_vector_get_i64(bs[k]->cols[2], r);
    free_batches(bs, nb);
    return n;
}

/* A sink committed less often than batches run (sink_interval_ms): a
 * crash leaves it several batches behind; the restart runs every missing
 * batch again from its recorded range and the sink ends exact. */
static void test_sparse_sink_crashes(void)
{
    sm_error_t e;
    static const sm_stream_crash_t points[] = {SM_STREAM_CRASH_AFTER_OFFSETS,
                                               SM_STREAM_CRASH_AFTER_STATE};
    sm_type_t *schema = sm_kafka_event_schema(false);
    for (int pi = 0; pi < 2; pi++) {
        for (int64_t k = 1; k <= 3; k += 2) {
            fresh_lake();
            char topic[64];
            snprintf(topic, sizeof topic, "sparse-%d-%d", pi, (int)k);
            CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 2, 1, &e), &e);
            produce(topic, 9, 1, 500);
            sm_stream_source_t src = ref_source(topic, schema);
            sm_lake_t *lake = NULL;
            CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
            sm_stream_opts_t o = ref_opts(lake, &src, "q");
            o.max_batch_events = 100;
            o.sink_interval_ms = 3600 * 1000; /* only the first batch commits */
            o.crash = points[pi];
            o.crash_batch = k;
            run_available_now(&o, SM_ERR_CANCELLED);
            /* batches 1..k ran (k is cut short) but only batch 0 is in the sink */
            CHECK_EQ_INT(sink_events("gold.q_live"), 100);
            produce(topic, 9, 501, 120);
            o.crash = SM_STREAM_CRASH_NONE;
            run_available_now(&o, SM_OK);
            int64_t cnt[4], cents[4];
            expect_totals(9, 1, 620, cnt, cents);
            size_t nb;
            sm_batch_t **bs = read_table("gold.q_live", &nb);
            check_ref_rows(bs, nb, cnt, cents); /* the end of the run flushed it */
            free_batches(bs, nb);
            /* a third run finds nothing new and changes nothing */
            run_available_now(&o, SM_OK);
            CHECK_EQ_INT(sink_events("gold.q_live"), 620);
            sm_lake_close(lake);
            rm_lake();
        }
    }
    sm_type_free(schema);
}

/* Files in lakedir/rel whose name ends with suffix. */
static int count_files(const char *rel, const char *suffix)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", lakedir, rel);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t l = strlen(de->d_name), sl = strlen(suffix);
        n += l > sl && strcmp(de->d_name + l - sl, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

static const char *sink_config(const char *key, char *out, size_t cap)
{
    sm_error_t e;
    sm_lake_t *lake = NULL;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *snap = NULL;
    out[0] = 0;
    if (!sm_lake_open(lakedir, NULL, &lake, &e) && !sm_lake_resolve(lake, "gold.q_live", &t, &e) &&
        !sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, &e)) {
        const char *v = sm_delta_snapshot_config(snap, key);
        snprintf(out, cap, "%s", v ? v : "");
    }
    sm_delta_snapshot_free(snap);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return out;
}

/* A long run's housekeeping: offsets and state files no restart needs are
 * deleted even when the sink lags behind the batches by more than
 * KEEP_BATCHES (before: each batch deleted only batch b-100, so a lagging
 * sink left them all behind); the sink the stream creates gets short
 * retentions as table properties, an explicit log_retention replaces the
 * default on the next commit, and vacuum deletes the replaced files. */
static void test_long_run_upkeep(void)
{
    sm_error_t e;
    sm_type_t *schema = sm_kafka_event_schema(false);
    fresh_lake();
    CHECK_OK(sm_kafka_mock_create_topic(mock, "upkeep", 1, 1, &e), &e);
    produce("upkeep", 5, 1, 3000);
    sm_stream_source_t src = ref_source("upkeep", schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "q");
    o.max_batch_events = 10;          /* 300 batches */
    o.sink_interval_ms = 3600 * 1000; /* the sink: batch 0, then the flush at the end */
    run_available_now(&o, SM_OK);
    const char *off = "_smelt/streams/q/offsets", *state = "_smelt/streams/q/state";
    CHECK_EQ_INT(count_files(off, ".json"), 300); /* the sink held batch 0 all along */
    char v[64];
    CHECK_EQ_STR(sink_config("delta.logRetentionDuration", v, sizeof v), "interval 1 days");
    CHECK_EQ_STR(sink_config("delta.deletedFileRetentionDuration", v, sizeof v),
                 "interval 1 hours");
    /* a restart: the sink holds batch 299; 30 batches more */
    produce("upkeep", 5, 3001, 300);
    o.log_retention_ms = 2 * 3600 * 1000;
    o.file_retention_ms = 1; /* so that vacuum may delete at once */
    o.vacuum_ms = 1;
    run_available_now(&o, SM_OK);
    /* what a restart needs: from min(sink batch, b - 100) on */
    CHECK(count_files(off, ".json") <= 102);
    CHECK(count_files(state, ".parquet") <= 102);
    CHECK(count_files(off, ".json") >= 100);
    CHECK_EQ_STR(sink_config("delta.logRetentionDuration", v, sizeof v), "interval 2 hours");
    CHECK_EQ_STR(sink_config("delta.deletedFileRetentionDuration", v, sizeof v),
                 "interval 1 milliseconds");
    /* vacuum ran after the first commit of this run: of the four files the
     * sink has had, the one replaced in the first run (tombstone older than
     * the retention) is gone */
    CHECK(count_files("gold/q_live", ".parquet") <= 3);
    CHECK_EQ_INT(sink_events("gold.q_live"), 3300);
    sm_lake_close(lake);
    rm_lake();
    sm_type_free(schema);
}

static void test_update_mode(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "update-mode";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    /* 4 messages: FRANCE, FRANCE, USA | UK */
    const char *vals[] = {
        "{\"event_id\":1,\"timestamp\":\"2024-05-01T10:00:00Z\",\"pays\":\"FRANCE\",\"montant\":10."
        "5,\"type\":\"t\"}",
        "{\"event_id\":2,\"timestamp\":\"2024-05-01T10:00:01Z\",\"pays\":\"FRANCE\",\"montant\":1."
        "25,\"type\":\"t\"}",
        "{\"event_id\":3,\"timestamp\":\"2024-05-01T10:00:02Z\",\"pays\":\"USA\",\"montant\":3,"
        "\"type\":\"t\"}",
        "{\"event_id\":4,\"timestamp\":\"2024-05-01T10:00:03Z\",\"pays\":\"UK\",\"montant\":4,"
        "\"type\":\"t\"}",
    };
    sm_kafka_raw_msg_t msgs[4];
    for (int i = 0; i < 4; i++)
        msgs[i] = (sm_kafka_raw_msg_t){NULL, 0, vals[i], strlen(vals[i]), -1};
    CHECK_OK(sm_kafka_produce_raw(&kconf, topic, msgs, 3, &e), &e);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "upd");
    o.output = SM_STREAM_UPDATE;
    run_available_now(&o, SM_OK);
    CHECK_OK(sm_kafka_produce_raw(&kconf, topic, msgs + 3, 1, &e), &e);
    run_available_now(&o, SM_OK);
    size_t nb;
    sm_batch_t **bs = read_table("gold.upd_live", &nb);
    /* batch 0: FRANCE (11.75, 2), USA (3, 1); batch 1: UK (4, 1) */
    size_t rows = 0;
    for (size_t k = 0; k < nb; k++) {
        CHECK_EQ_INT(bs[k]->ncols, 4);
        for (size_t r = 0; r < bs[k]->nrows; r++, rows++) {
            size_t len;
            const char *p = sm_vector_get_str(bs[k]->cols[0], r, &len);
            int64_t batch = sm_vector_get_i64(bs[k]->cols[3], r);
            double tot = sm_vector_get_f64(bs[k]->cols[1], r);
            int64_t n = sm_vector_get_i64(bs[k]->cols[2], r);
            if (len == 6 && !memcmp(p, "FRANCE", 6))
                CHECK(batch == 0 && tot == 11.75 && n == 2);
            else if (len == 3 && !memcmp(p, "USA", 3))
                CHECK(batch == 0 && tot == 3 && n == 1);
            else if (len == 2 && !memcmp(p, "UK", 2))
                CHECK(batch == 1 && tot == 4 && n == 1);
            else
                CHECK(!"unexpected row");
        }
    }
    CHECK_EQ_INT(rows, 3);
    free_batches(bs, nb);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

/* Tumbling 10 s windows, watermark 10 s, append mode, batches of 2
 * messages.  Times are seconds after 10:00:00.
 *   batch 0: 1 (A), 12 (A)          wm before: none; max 12 → wm 2
 *   batch 1: 5 (B), 25 (A)          5 >= 2 on time; max 25 → wm 15
 *   batch 2: 3 (A) late (3 < 15), 31 (B)   max 31 → wm 21
 *   batch 3: 14 (A) late (< 21), 45 (A)    max 45 → wm 35
 * Windows final in append mode: [0,10) after batch 1 (end 10 <= 15):
 * A:1 B:1; [10,20) after batch 2 (20 <= 21): A:1; [20,30) after batch 3
 * (30 <= 35): A:1.  [30,40) B:1 and [40,50) A:1 stay open.  Late: 2. */
static void test_windows_watermark(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "windows";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    static const struct {
        int sec;
        const char *k;
    } ev[] = {{1, "A"}, {12, "A"}, {5, "B"}, {25, "A"}, {3, "A"}, {31, "B"}, {14, "A"}, {45, "A"}};
    sm_kafka_raw_msg_t msgs[8];
    char vals[8][160];
    for (int i = 0; i < 8; i++) {
        snprintf(vals[i], sizeof vals[i],
                 "{\"event_id\":%d,\"timestamp\":\"2024-05-01T10:00:%02dZ\",\"pays\":\"%s\","
                 "\"montant\":1,\"type\":\"t\"}",
                 i + 1, ev[i].sec, ev[i].k);
        msgs[i] = (sm_kafka_raw_msg_t){NULL, 0, vals[i], strlen(vals[i]), -1};
    }
    CHECK_OK(sm_kafka_produce_raw(&kconf, topic, msgs, 8, &e), &e);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "win");
    o.sql = "SELECT window(timestamp, '10 seconds') AS w, pays, count(*) AS n, sum(montant) AS s "
            "FROM ventes GROUP BY window(timestamp, '10 seconds'), pays";
    o.output = SM_STREAM_APPEND;
    o.watermark_ms = 10000;
    o.max_batch_events = 2;
    o.max_poll_messages = 2;
    o.late_table = "gold.win_late";
    sm_stream_t *s = NULL;
    CHECK_OK(sm_stream_open(&o, &s, &e), &e);
    CHECK_OK(sm_stream_run(s, &e), &e);
    sm_stream_metrics_t m;
    sm_stream_metrics(s, &m);
    CHECK_EQ_INT(m.late_total, 2);
    CHECK_EQ_INT(m.batches, 4);
    CHECK_EQ_INT(m.watermark_ms, 1714557600000 + 35000);
    sm_stream_free(s);
    size_t nb;
    sm_batch_t **bs = read_table("gold.win_live", &nb);
    char got[512] = "";
    size_t rows = 0;
    /* rows sorted by file then row: collect as text and sort by start */
    char lines[16][64];
    for (size_t k = 0; k < nb; k++) {
        CHECK_EQ_INT(bs[k]->ncols, 5);
        for (size_t r = 0; r < bs[k]->nrows && rows < 16; r++, rows++) {
            size_t len;
            const char *p = sm_vector_get_str(bs[k]->cols[2], r, &len);
            int64_t st = (sm_vector_get_i64(bs[k]->cols[0], r) / 1000 - 1714557600000) / 1000;
            int64_t en = (sm_vector_get_i64(bs[k]->cols[1], r) / 1000 - 1714557600000) / 1000;
            snprintf(lines[rows], sizeof lines[rows], "%02lld-%02lld %.*s %lld;", (long long)st,
                     (long long)en, (int)len, p, (long long)sm_vector_get_i64(bs[k]->cols[3], r));
        }
    }
    qsort(lines, rows, sizeof lines[0], (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < rows; i++)
        strcat(got, lines[i]);
    CHECK_EQ_STR(got, "00-10 A 1;00-10 B 1;10-20 A 1;20-30 A 1;");
    free_batches(bs, nb);
    bs = read_table("gold.win_late", &nb);
    rows = 0;
    for (size_t k = 0; k < nb; k++)
        for (size_t r = 0; r < bs[k]->nrows; r++, rows++) {
            int64_t id = sm_vector_get_i64(bs[k]->cols[0], r);
            CHECK(id == 5 || id == 7);
        }
    CHECK_EQ_INT(rows, 2);
    free_batches(bs, nb);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

/* Sliding windows: size 10 s, slide 5 s; an event at 12 s is in [5,15)
 * and [10,20).  Complete mode shows every window. */
static void test_sliding_windows(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "sliding";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    static const int secs[] = {12, 3, 7};
    sm_kafka_raw_msg_t msgs[3];
    char vals[3][160];
    for (int i = 0; i < 3; i++) {
        snprintf(vals[i], sizeof vals[i],
                 "{\"event_id\":%d,\"timestamp\":\"2024-05-01T10:00:%02dZ\",\"pays\":\"X\","
                 "\"montant\":%d,\"type\":\"t\"}",
                 i + 1, secs[i], i + 1);
        msgs[i] = (sm_kafka_raw_msg_t){NULL, 0, vals[i], strlen(vals[i]), -1};
    }
    CHECK_OK(sm_kafka_produce_raw(&kconf, topic, msgs, 3, &e), &e);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "slide");
    o.sql = "SELECT window(timestamp, '10 seconds', '5 seconds'), sum(montant) AS s, "
            "max(event_id) AS mx FROM ventes WHERE pays = 'X' GROUP BY 1";
    sm_stream_t *s = NULL;
    CHECK_OK(sm_stream_open(&o, &s, &e), &e);
    CHECK_OK(sm_stream_run(s, &e), &e);
    sm_batch_t *live = NULL;
    CHECK_OK(sm_stream_live(s, &live, NULL, NULL, &e), &e);
    /* windows: [-5,5): 3 → s 2 mx 2; [0,10): 3,7 → 5, 3; [5,15): 7,12 → 4, 3;
     * [10,20): 12 → 1, 1 */
    char got[256] = "";
    for (size_t r = 0; live && r < live->nrows; r++) {
        char line[64];
        int64_t st = (sm_vector_get_i64(live->cols[0], r) / 1000 - 1714557600000) / 1000;
        snprintf(line, sizeof line, "%lld:%g:%lld;", (long long)st,
                 sm_vector_get_f64(live->cols[2], r),
                 (long long)sm_vector_get_i64(live->cols[3], r));
        strcat(got, line);
    }
    CHECK_EQ_STR(got, "-5:2:2;0:5:3;5:4:3;10:1:1;");
    sm_batch_free(live);
    sm_stream_free(s);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

static void test_dead_letters(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "salted";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    const char *vals[] = {
        "{\"event_id\":1,\"timestamp\":\"2024-05-01T10:00:00Z\",\"pays\":\"USA\",\"montant\":2,"
        "\"type\":\"t\"}",
        "not json at all",
        "{\"event_id\":3,\"timestamp\":\"2024-05-01T10:00:00Z\",\"pays\":\"USA\",\"montant\":"
        "\"cher\",\"type\":\"t\"}",
        "{\"event_id\":4,\"timestamp\":\"2024-05-01T10:00:00Z\",\"pays\":\"UK\",\"montant\":5,"
        "\"type\":\"t\"}",
        "{\"event_id\":5,",
    };
    sm_kafka_raw_msg_t msgs[5];
    for (int i = 0; i < 5; i++)
        msgs[i] = (sm_kafka_raw_msg_t){NULL, 0, vals[i], strlen(vals[i]), -1};
    CHECK_OK(sm_kafka_produce_raw(&kconf, topic, msgs, 5, &e), &e);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "dl");
    o.dead_letters = "silver.bad_events";
    sm_stream_t *s = NULL;
    CHECK_OK(sm_stream_open(&o, &s, &e), &e);
    CHECK_OK(sm_stream_run(s, &e), &e);
    sm_stream_metrics_t m;
    sm_stream_metrics(s, &m);
    CHECK_EQ_INT(m.dead_letters_total, 3);
    CHECK_EQ_INT(m.events_total, 5);
    sm_stream_free(s);
    size_t nb;
    sm_batch_t **bs = read_table("silver.bad_events", &nb);
    size_t rows = 0;
    for (size_t k = 0; k < nb; k++)
        for (size_t r = 0; r < bs[k]->nrows; r++, rows++) {
            int64_t off = sm_vector_get_i64(bs[k]->cols[2], r);
            size_t len;
            const uint8_t *raw = sm_vector_get_bytes(bs[k]->cols[0], r, &len);
            CHECK(off == 1 || off == 2 || off == 4);
            CHECK(len == strlen(vals[off]) && memcmp(raw, vals[off], len) == 0);
            CHECK_EQ_INT(sm_vector_get_i32(bs[k]->cols[1], r), 0);
            const char *reason = sm_vector_get_str(bs[k]->cols[3], r, &len);
            CHECK(len > 0 && reason);
        }
    CHECK_EQ_INT(rows, 3);
    free_batches(bs, nb);
    bs = read_table("gold.dl_live", &nb);
    rows = 0;
    for (size_t k = 0; k < nb; k++)
        rows += bs[k]->nrows;
    CHECK_EQ_INT(rows, 2); /* USA 2 (1 event), UK 5 */
    free_batches(bs, nb);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

static void test_projection_append(void)
{
    sm_error_t e;
    fresh_lake();
    const char *topic = "projection";
    CHECK_OK(sm_kafka_mock_create_topic(mock, topic, 1, 1, &e), &e);
    produce(topic, 3, 1, 100);
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source(topic, schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_stream_opts_t o = ref_opts(lake, &src, "big");
    o.sql = "SELECT event_id, upper(lower(pays)) AS p, montant * 2 AS double_montant FROM ventes "
            "WHERE montant >= 50 AND pays IN ('FRANCE', 'USA')";
    o.output = SM_STREAM_APPEND;
    o.sink = "silver.big_sales";
    run_available_now(&o, SM_OK);
    int64_t want = 0;
    for (int64_t id = 1; id <= 100; id++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(3, id, 0, &ev);
        want += ev.montant_cents >= 5000 && (ev.pays == 0 || ev.pays == 2);
    }
    size_t nb;
    sm_batch_t **bs = read_table("silver.big_sales", &nb);
    int64_t rows = 0;
    for (size_t k = 0; k < nb; k++) {
        CHECK_EQ_INT(bs[k]->ncols, 3);
        for (size_t r = 0; r < bs[k]->nrows; r++)
            CHECK(sm_vector_get_f64(bs[k]->cols[2], r) >= 100);
        rows += (int64_t)bs[k]->nrows;
    }
    CHECK_EQ_INT(rows, want);
    CHECK(want > 0);
    free_batches(bs, nb);
    /* complete mode makes no sense without aggregation */
    o.output = SM_STREAM_COMPLETE;
    sm_stream_t *s = NULL;
    CHECK_EQ_INT(sm_stream_open(&o, &s, &e), SM_ERR_INVALID);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

static void test_query_errors(void)
{
    sm_error_t e;
    fresh_lake();
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_stream_source_t src = ref_source("no-such-topic-x", schema);
    sm_lake_t *lake = NULL;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    static const struct {
        const char *sql;
        sm_err_t rc;
        const char *msg;
    } cases[] = {
        {"SELECT pays, sum(montnt) FROM ventes GROUP BY pays", SM_ERR_NOT_FOUND,
         "did you mean \"montant\""},
        {"SELECT pays, montant FROM ventes GROUP BY pays", SM_ERR_INVALID,
         "must appear in GROUP BY"},
        {"SELECT pays FROM other GROUP BY pays", SM_ERR_INVALID, "FROM its stream source"},
        {"SELECT pays, sum(pays) FROM ventes GROUP BY pays", SM_ERR_UNSUPPORTED, "sum() of string"},
        {"SELECT percentile(montant, 0.5) FROM ventes", SM_ERR_UNSUPPORTED,
         "not supported in streams"},
        {"SELECT window(timestamp, 'ten'), count(*) FROM ventes GROUP BY window(timestamp, 'ten')",
         SM_ERR_INVALID, "bad duration"},
        {"SELECT pays FROM ventes ORDER BY pays", SM_ERR_UNSUPPORTED, "ORDER BY"},
        {"SELECT pays, count(*) FROM ventes GROUP BY pays HAVING count(*) > 1", SM_ERR_UNSUPPORTED,
         "HAVING"},
        {"SELEC pays", SM_ERR_PARSE, "line 1"},
        {"SELECT pays, count(*) FROM ventes GROUP BY pays", SM_ERR_NOT_FOUND, "no-such-topic-x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_stream_opts_t o = ref_opts(lake, &src, "bad");
        o.sql = cases[i].sql;
        sm_stream_t *s = NULL;
        sm_err_t rc = sm_stream_open(&o, &s, &e);
        CHECK_EQ_INT(rc, cases[i].rc);
        if (rc && !strstr(e.msg, cases[i].msg))
            fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, e.msg, cases[i].msg);
        CHECK(rc && strstr(e.msg, cases[i].msg));
        CHECK(s == NULL);
    }
    /* append mode of a non-windowed aggregation */
    sm_stream_opts_t o = ref_opts(lake, &src, "bad");
    o.output = SM_STREAM_APPEND;
    sm_stream_t *s = NULL;
    CHECK_EQ_INT(sm_stream_open(&o, &s, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "append mode needs a windowed aggregation") != NULL);
    sm_lake_close(lake);
    sm_type_free(schema);
    rm_lake();
}

static void test_parsers(void)
{
    sm_error_t e;
    int64_t ms;
    CHECK_OK(sm_stream_duration_parse("10 seconds", &ms, &e), &e);
    CHECK_EQ_INT(ms, 10000);
    CHECK_OK(sm_stream_duration_parse("1 minute", &ms, &e), &e);
    CHECK_EQ_INT(ms, 60000);
    CHECK_OK(sm_stream_duration_parse("250ms", &ms, &e), &e);
    CHECK_EQ_INT(ms, 250);
    CHECK_OK(sm_stream_duration_parse(" 2 HOURS ", &ms, &e), &e);
    CHECK_EQ_INT(ms, 7200000);
    CHECK_EQ_INT(sm_stream_duration_parse("0 seconds", &ms, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_stream_duration_parse("", &ms, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_stream_duration_parse(NULL, &ms, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_stream_duration_parse("10 parsecs", &ms, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_stream_duration_parse("99999999999999999999 s", &ms, &e), SM_ERR_INVALID);
    sm_stream_trigger_t t;
    CHECK_OK(sm_stream_trigger_parse("interval:5s", &t, &e), &e);
    CHECK(t.kind == SM_STREAM_INTERVAL && t.interval_ms == 5000);
    CHECK_OK(sm_stream_trigger_parse("available-now", &t, &e), &e);
    CHECK(t.kind == SM_STREAM_AVAILABLE_NOW);
    CHECK_OK(sm_stream_trigger_parse("continuous", &t, &e), &e);
    CHECK(t.kind == SM_STREAM_CONTINUOUS);
    CHECK_EQ_INT(sm_stream_trigger_parse("interval:", &t, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_stream_trigger_parse("sometimes", &t, &e), SM_ERR_INVALID);
    sm_stream_output_t out;
    CHECK_OK(sm_stream_output_parse("update", &out, &e), &e);
    CHECK(out == SM_STREAM_UPDATE);
    CHECK_EQ_INT(sm_stream_output_parse("Complete", &out, &e), SM_ERR_INVALID);
}

static void test_conf(void)
{
    sm_error_t e;
    static const char yaml[] =
        "streams:\n"
        "  ventes:\n"
        "    type: kafka\n"
        "    topic: ventes-temps-reel\n"
        "    format: json\n"
        "    schema: "
        "\"struct<event_id:bigint,timestamp:timestamp,pays:string,montant:double,type:string>\"\n"
        "    timestamp_field: timestamp\n"
        "    starting_offsets: 2024-05-01T10:00:00Z\n"
        "    watermark: 10s\n"
        "  ventes_par_pays:\n"
        "    type: model\n"
        "    output_mode: update\n"
        "    trigger: interval:2s\n"
        "    late_events: gold.late\n"
        "    log_retention: 2h\n"
        "    file_retention: 30m\n"
        "    vacuum: 10m\n";
    sm_config_t *cfg = sm_config_new();
    CHECK_OK(sm_config_load_buffer(cfg, "smelt.yaml", yaml, sizeof yaml - 1, &e), &e);
    sm_stream_conf_t c;
    CHECK_OK(sm_stream_conf_load(cfg, &c, &e), &e);
    CHECK_EQ_INT(c.nsources, 1);
    CHECK_EQ_INT(c.nmodels, 1);
    const sm_stream_source_t *s = sm_stream_conf_source(&c, "VENTES");
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_STR(s->topic, "ventes-temps-reel");
        CHECK(s->start == SM_KAFKA_START_TIMESTAMP);
        CHECK_EQ_INT(s->start_ts_ms, 1714557600000);
        CHECK_EQ_INT(s->watermark_ms, 10000);
        CHECK_EQ_INT(s->schema->nfields, 5);
    }
    const sm_stream_model_conf_t *m = sm_stream_conf_model(&c, "ventes_par_pays");
    CHECK(m && m->has_output && m->output == SM_STREAM_UPDATE);
    CHECK(m && m->has_trigger && m->trigger.interval_ms == 2000);
    CHECK(m && m->late_table && strcmp(m->late_table, "gold.late") == 0);
    CHECK(m && m->log_retention_ms == 2 * 3600000 && m->file_retention_ms == 30 * 60000 &&
          m->vacuum_ms == 10 * 60000);
    sm_stream_conf_free(&c);
    sm_config_free(cfg);

    static const char *bad[] = {
        "streams:\n  v:\n    type: kafka\n    format: avro\n",
        "streams:\n  v:\n    type: kafka\n    schema: \"struct<a:int\"\n",
        "streams:\n  v:\n    type: kafka\n    timestamp_field: nope\n",
        "streams:\n  v:\n    type: kafka\n    starting_offsets: yesterday\n",
        "streams:\n  v:\n    type: rabbit\n",
        "streams:\n  v:\n    type: kafka\n    topik: x\n",
        "streams:\n  m:\n    type: model\n    trigger: often\n",
        "streams:\n  m:\n    type: model\n    log_retention: soon\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = sm_config_new();
        CHECK_OK(sm_config_load_buffer(cfg, "smelt.yaml", bad[i], strlen(bad[i]), &e), &e);
        sm_err_t rc = sm_stream_conf_load(cfg, &c, &e);
        CHECK(rc != SM_OK);
        CHECK(rc && strstr(e.msg, "smelt.yaml:") != NULL);
        sm_config_free(cfg);
    }
}

/* Every allocation of config loading and model inspection may fail: the
 * result is SM_ERR_NOMEM (never a crash or a leak, which ASan checks). */
static void test_alloc_failures(void)
{
    static const char yaml[] = "streams:\n"
                               "  ventes:\n"
                               "    type: kafka\n"
                               "    schema: \"struct<a:bigint,ts:timestamp>\"\n"
                               "    timestamp_field: ts\n"
                               "  m:\n"
                               "    type: model\n"
                               "    sink: gold.m\n"
                               "    late_events: gold.late\n";
    sm_error_t e;
    sm_config_t *cfg = sm_config_new();
    CHECK_OK(sm_config_load_buffer(cfg, "smelt.yaml", yaml, sizeof yaml - 1, &e), &e);
    int nomem = 0;
    for (long i = 1; i < 200; i++) {
        sm_stream_conf_t c;
        sm_mem_fail_after(i);
        sm_err_t rc = sm_stream_conf_load(cfg, &c, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        if (rc == SM_OK) {
            CHECK_EQ_INT(c.nsources, 1);
            sm_stream_conf_free(&c);
            break;
        }
        nomem++;
    }
    CHECK(nomem > 3);
    for (long i = 1; i < 500; i++) {
        char name[64];
        sm_mem_fail_after(i);
        sm_err_t rc = sm_stream_model_source(REF_SQL, name, sizeof name, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        if (rc == SM_OK) {
            CHECK_EQ_STR(name, "ventes");
            break;
        }
    }
    sm_stream_source_t d;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_stream_source_default("v", &d, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_OK(sm_stream_source_default("v", &d, &e), &e);
    sm_stream_source_free(&d);
    sm_config_free(cfg);
}

int main(void)
{
    sm_error_t e;
    if (sm_kafka_mock_start(1, &mock, &e)) {
        fprintf(stderr, "mock cluster: %s\n", e.msg);
        return 1;
    }
    kconf = (sm_kafka_conf_t){.bootstrap = sm_kafka_mock_bootstrap(mock), .timeout_ms = 10000};
    RUN(test_parsers);
    RUN(test_conf);
    RUN(test_alloc_failures);
    RUN(test_reference_available_now);
    RUN(test_update_mode);
    RUN(test_windows_watermark);
    RUN(test_sliding_windows);
    RUN(test_dead_letters);
    RUN(test_projection_append);
    RUN(test_query_errors);
    RUN(test_exactly_once_crashes);
    RUN(test_sparse_sink_crashes);
    RUN(test_long_run_upkeep);
    sm_kafka_mock_free(mock);
    return check_summary();
}
