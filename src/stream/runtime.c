/* stream/runtime — the micro-batch loop: gather messages, write the
 * offsets log, fold into the state, write state, dead letters, late rows
 * and the sink exactly once, publish the live table and metrics. */
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "delta/snapshot.h"
#include "delta/vacuum.h"
#include "delta/write.h"
#include "stream/stream_int.h"

#define DEFAULT_MAX_BATCH 100000
#define KEEP_BATCHES 100                /* checkpoint files kept (Spark's minBatchesToRetain) */
#define PRUNE_MAX 64                    /* checkpoint batches deleted per batch at most */
#define TRIM_EVERY_NS 2000000000LL      /* hand free heap pages back this often */
#define SHRINK_ROWS (4 * SM_BATCH_ROWS) /* a batch's buffers are kept up to this */

struct sm_stream {
    char *id, *sink, *dead, *late, *topic, *bootstrap, *client_id;
    sm_stream_output_t output;
    sm_stream_trigger_t trigger;
    int64_t delay_us; /* watermark delay; 0 none */
    size_t max_batch, max_poll;
    volatile int *cancel;
    void (*on_batch)(void *ctx, const sm_stream_batch_info_t *info);
    void *batch_ctx;
    sm_log_t *log;
    sm_stream_crash_t crash;
    int64_t crash_batch;
    const sm_stream_source_t *src;
    sm_lake_t *lake;
    sm_kafka_conf_t kconf;
    sm_kafka_consumer_t *cons;
    sm_kafka_json_decoder_t *dec;
    sm_kafka_batch_t kb;
    sm_batch_t *rows;
    sm_kafka_dead_letters_t dl;
    int64_t *kts; /* Kafka timestamps (ms) of the gathered messages */
    size_t nkts, kts_cap;
    sm_squery_t *q;
    sq_state_t state;
    sm_expr_ctx_t ctx;
    sm_lake_table_t ckpt;
    char dir[512];
    int64_t batch;   /* next batch id */
    int64_t wm_us;   /* watermark for the next batch; INT64_MIN none */
    sq_range_t *pos; /* next offset per partition */
    size_t npos;
    bool broken; /* a batch failed half-way: recover before the next */
    bool last_rerun;
    int64_t sink_interval_ms; /* complete mode: least time between sink commits */
    int64_t sink_batch;       /* the last batch committed to the sink; -1 none */
    int64_t sink_commit_ns;   /* monotonic time of that commit; 0 never */
    bool sink_behind;         /* batches ran since (their result is not in the sink) */
    int64_t pruned;           /* checkpoint files of batches below this one are deleted */
    int64_t log_retention_ms, file_retention_ms; /* sink properties asked for; 0 default */
    sm_delta_kv_t sink_cfg[2]; /* to set with the next sink commit (recover decides) */
    char sink_cfg_val[2][48];
    size_t nsink_cfg;
    int64_t vacuum_ms; /* vacuum the sink this often; 0 never */
    int64_t vacuum_ns; /* monotonic time of the last vacuum (or of open) */
    /* shared with readers */
    pthread_mutex_t mu;
    sm_batch_t *live;
    uint64_t version;
    sm_stream_metrics_t m;
    double busy_s;
    double *lat; /* the last SM_STREAM_LATENCY_SAMPLES latencies, a ring */
    size_t nlat, lat_i;
    sq_latency_t *lat_run; /* every latency of this process's run */
};

/* ---- small helpers ---------------------------------------------------------- */

static bool cancelled(const sm_stream_t *s)
{
    return s->cancel && *s->cancel;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static sm_err_t table_txn(sm_stream_t *s, const char *name, int64_t *ver, sm_error_t *e)
{
    *ver = -1;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *snap = NULL;
    sm_err_t rc = sm_lake_resolve(s->lake, name, &t, e);
    if (!rc) {
        rc = sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, e);
        if (rc == SM_ERR_NOT_FOUND)
            rc = SM_OK;
        else if (!rc)
            *ver = sm_delta_snapshot_txn_version(snap, s->id);
    }
    sm_delta_snapshot_free(snap);
    sm_lake_table_free(&t);
    return rc;
}

/* A duration as a Delta interval ("interval 1 hours"): the largest unit
 * that divides it. */
static void delta_interval(int64_t ms, char out[48])
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"days", 86400000LL},
                 {"hours", 3600000LL},
                 {"minutes", 60000LL},
                 {"seconds", 1000LL},
                 {"milliseconds", 1LL}};
    size_t i = 0;
    while (ms % units[i].ms)
        i++;
    snprintf(out, 48, "interval %" PRId64 " %s", ms / units[i].ms, units[i].unit);
}

/* Which table properties the next sink commit sets (stream.h): the
 * defaults when the sink does not exist yet, else the ones asked for that
 * the table does not have. */
static sm_err_t plan_sink_config(sm_stream_t *s, sm_error_t *e)
{
    s->nsink_cfg = 0;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *snap = NULL;
    sm_err_t rc = sm_lake_resolve(s->lake, s->sink, &t, e);
    if (!rc) {
        rc = sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, e);
        if (rc == SM_ERR_NOT_FOUND)
            rc = SM_OK;
    }
    if (rc)
        goto out;
    const char *keys[] = {"delta.logRetentionDuration", "delta.deletedFileRetentionDuration"};
    int64_t want[] = {s->log_retention_ms, s->file_retention_ms};
    if (!snap) {
        want[0] = want[0] ? want[0] : SM_STREAM_SINK_LOG_RETENTION_MS;
        if (s->output == SM_STREAM_COMPLETE)
            want[1] = want[1] ? want[1] : SM_STREAM_SINK_FILE_RETENTION_MS;
    }
    for (size_t i = 0; i < 2; i++) {
        const char *have = snap ? sm_delta_snapshot_config(snap, keys[i]) : NULL;
        int64_t have_ms;
        if (want[i] <= 0 || (have && sm_delta_parse_interval(have, &have_ms) && have_ms == want[i]))
            continue;
        delta_interval(want[i], s->sink_cfg_val[s->nsink_cfg]);
        s->sink_cfg[s->nsink_cfg] =
            (sm_delta_kv_t){.key = (char *)keys[i], .value = s->sink_cfg_val[s->nsink_cfg]};
        s->nsink_cfg++;
    }
out:
    sm_delta_snapshot_free(snap);
    sm_lake_table_free(&t);
    return rc;
}

/* Vacuums the sink when vacuum_ms has passed since the last time: its
 * data files that no version within the table's retention needs (delta/
 * vacuum.h; the log is cleaned after checkpoints already).  A failure is
 * logged: the stream goes on. */
static void vacuum_sink(sm_stream_t *s)
{
    int64_t now = sm_clock_mono_ns();
    if (s->vacuum_ms <= 0 || now - s->vacuum_ns < s->vacuum_ms * 1000000)
        return;
    s->vacuum_ns = now;
    sm_lake_table_t t = {0};
    sm_delta_vacuum_result_t r = {0};
    sm_delta_vacuum_opts_t vo = {.retain_hours = -1, .log_retain_hours = -1};
    sm_error_t e;
    if (sm_lake_resolve(s->lake, s->sink, &t, &e) ||
        sm_delta_vacuum(t.store, t.prefix, &vo, &r, &e))
        sm_log_warn(s->log, "stream", "%s: vacuum of the sink %s: %s", s->id, s->sink, e.msg);
    else if (r.nfiles)
        sm_log_info(s->log, "stream",
                    "%s: vacuum of the sink %s deleted %zu files (%" PRIu64 " bytes)", s->id,
                    s->sink, r.nfiles, r.bytes);
    sm_delta_vacuum_result_free(&r);
    sm_lake_table_free(&t);
}

static sm_err_t write_table(sm_stream_t *s, const char *name, const sm_batch_t *b,
                            sm_delta_mode_t mode, int64_t batch, int64_t *version, sm_error_t *e)
{
    sm_lake_table_t t = {0};
    sm_delta_write_t *w = NULL;
    sm_delta_write_result_t res = {0};
    sm_delta_write_opts_t o = {.mode = mode,
                               .txn_app_id = s->id,
                               .txn_version = batch,
                               .operation = "STREAMING UPDATE",
                               .table_name = name};
    bool sink = name == s->sink;
    if (sink && s->nsink_cfg) {
        o.set_config = s->sink_cfg;
        o.nset_config = s->nsink_cfg;
    }
    sm_err_t rc = sm_lake_resolve(s->lake, name, &t, e);
    if (!rc)
        rc = sm_delta_write_open(t.store, t.prefix, b->schema, &o, &w, e);
    if (!rc && b->nrows)
        rc = sm_delta_write_batch(w, b, e);
    if (!rc) {
        rc = sm_delta_write_commit(w, &res, e);
        w = NULL;
    }
    sm_delta_write_abort(w);
    sm_lake_table_free(&t);
    if (!rc && sink && res.version >= 0)
        s->nsink_cfg = 0; /* set */
    if (!rc && res.checkpoint_error[0])
        sm_log_warn(s->log, "stream", "%s: %s", name, res.checkpoint_error);
    if (version)
        *version = rc ? -1 : res.version;
    return rc ? sm_error_wrap(e, "%s", name) : SM_OK;
}

/* ---- Kafka ------------------------------------------------------------------- */

static sm_err_t open_consumer(sm_stream_t *s, const sq_range_t *pos, size_t npos, bool at_end,
                              sm_error_t *e)
{
    sm_kafka_consumer_free(s->cons);
    s->cons = NULL;
    sm_kafka_offset_t offs[SQ_MAX_PARTITIONS];
    sm_kafka_consume_opts_t o = {.conf = s->kconf,
                                 .topic = s->topic,
                                 .start = s->src->start,
                                 .start_ts_ms = s->src->start_ts_ms,
                                 .max_messages = s->max_poll};
    if (!o.max_messages || o.max_messages > s->max_batch)
        o.max_messages = s->max_batch < SM_BATCH_ROWS ? s->max_batch : SM_BATCH_ROWS;
    if (npos) {
        for (size_t i = 0; i < npos && i < SQ_MAX_PARTITIONS; i++)
            offs[i] = (sm_kafka_offset_t){pos[i].partition, at_end ? pos[i].end : pos[i].start};
        o.start = SM_KAFKA_START_OFFSETS;
        o.offsets = offs;
        o.noffsets = npos;
    }
    sm_err_t rc = sm_kafka_consumer_new(&o, &s->cons, e);
    if (rc)
        return rc;
    /* remember where each partition starts */
    size_t n = sm_kafka_consumer_npartitions(s->cons);
    if (n > SQ_MAX_PARTITIONS)
        return sm_error_set(e, SM_ERR_LIMIT, "topic %s has more than %d partitions", s->topic,
                            SQ_MAX_PARTITIONS);
    sq_range_t *np = sm_calloc(n + 1, sizeof *np);
    if (!np)
        return sm_error_nomem(e, "stream positions");
    for (size_t i = 0; i < n; i++) {
        int32_t p = sm_kafka_consumer_partition(s->cons, i);
        int64_t off = sm_kafka_consumer_next_offset(s->cons, p);
        np[i] = (sq_range_t){p, off, off};
    }
    sm_free(s->pos);
    s->pos = np;
    s->npos = n;
    return SM_OK;
}

static sm_err_t kts_push(sm_stream_t *s, int64_t ms, sm_error_t *e)
{
    if (s->nkts == s->kts_cap) {
        size_t nc = s->kts_cap ? s->kts_cap * 2 : 4096;
        int64_t *n = sm_realloc(s->kts, nc * sizeof *n);
        if (!n)
            return sm_error_nomem(e, "stream timestamps");
        s->kts = n;
        s->kts_cap = nc;
    }
    s->kts[s->nkts++] = ms;
    return SM_OK;
}

/* Decodes the messages of s->kb whose offset is below the limit of their
 * partition (limit NULL: all), updating the ranges in o. */
static sm_err_t take(sm_stream_t *s, sq_offsets_t *o, const sq_range_t *limit, uint64_t *events,
                     sm_error_t *e)
{
    for (size_t i = 0; i < s->kb.n; i++) {
        const sm_kafka_msg_t *m = &s->kb.msgs[i];
        size_t k = 0;
        while (k < o->n && o->ranges[k].partition != m->partition)
            k++;
        if (k == o->n)
            continue; /* not a partition of ours */
        if (limit && m->offset >= limit[k].end)
            continue;
        if (m->offset < o->ranges[k].end)
            continue; /* already taken (should not happen) */
        o->ranges[k].end = m->offset + 1;
        static const uint8_t empty[1] = {0};
        sm_err_t rc =
            sm_kafka_json_decode(s->dec, m->value ? m->value : empty, m->value ? m->value_len : 0,
                                 m->partition, m->offset, s->rows, &s->dl, NULL, e);
        if (!rc)
            rc = kts_push(s, m->timestamp_ms, e);
        if (rc)
            return rc;
        (*events)++;
    }
    return SM_OK;
}

/* A batch far above the usual size (after a stall or a backlog) leaves
 * buffers sized for it: give them back instead of keeping that high-water
 * mark for the rest of a run that lasts for days (on failure to make the
 * new, small batch, the big one is kept: nothing is lost). */
static void shrink_buffers(sm_stream_t *s)
{
    sm_batch_t *fresh = NULL;
    if (s->rows->nrows > SHRINK_ROWS && sm_batch_new(s->rows->schema, 0, &fresh, NULL) == SM_OK) {
        sm_batch_free(s->rows);
        s->rows = fresh;
    }
    if (s->kts_cap > SHRINK_ROWS) {
        sm_free(s->kts);
        s->kts = NULL;
        s->nkts = s->kts_cap = 0;
    }
}

static void gather_reset(sm_stream_t *s, sq_offsets_t *o)
{
    shrink_buffers(s);
    sm_batch_reset(s->rows);
    sm_kafka_dead_letters_reset(&s->dl);
    s->nkts = 0;
    for (size_t i = 0; i < o->n; i++)
        o->ranges[i].end = o->ranges[i].start;
}

/* A new batch from the current positions. */
static sm_err_t gather(sm_stream_t *s, int max_wait_ms, sq_offsets_t *o, uint64_t *events,
                       sm_error_t *e)
{
    *events = 0;
    o->n = s->npos;
    for (size_t i = 0; i < s->npos; i++)
        o->ranges[i] = (sq_range_t){s->pos[i].partition, s->pos[i].end, s->pos[i].end};
    gather_reset(s, o);
    int64_t deadline = sm_clock_mono_ns() + (int64_t)max_wait_ms * 1000000;
    for (;;) {
        int wait = 0;
        int64_t left = (deadline - sm_clock_mono_ns()) / 1000000;
        if (*events == 0 && left > 0)
            wait = (int)(left > 200 ? 200 : left);
        if (s->trigger.kind == SM_STREAM_AVAILABLE_NOW) /* no waiting once at the end */
            wait = sm_kafka_consumer_at_end(s->cons) ? 0 : 200;
        sm_err_t rc = sm_kafka_consumer_poll(s->cons, &s->kb, wait, e);
        if (!rc)
            rc = take(s, o, NULL, events, e);
        sm_kafka_batch_reset(&s->kb);
        if (rc)
            return rc;
        if (*events >= s->max_batch || cancelled(s))
            break;
        if (s->trigger.kind == SM_STREAM_AVAILABLE_NOW) {
            if (sm_kafka_consumer_at_end(s->cons))
                break;
            continue;
        }
        if (*events > 0 && s->kb.n == 0)
            break;
        if (*events == 0 && sm_clock_mono_ns() >= deadline)
            break;
        if (*events > 0 && sm_clock_mono_ns() >= deadline)
            break;
    }
    /* messages beyond what we took stay unread: the consumer's positions
     * equal the ranges' ends (every polled message was taken) */
    return SM_OK;
}

/* Re-reads exactly the recorded range of o (after a crash). */
static sm_err_t gather_range(sm_stream_t *s, sq_offsets_t *o, uint64_t *events, sm_error_t *e)
{
    *events = 0;
    sq_range_t *want = sm_calloc(o->n + 1, sizeof *want);
    if (!want)
        return sm_error_nomem(e, "ranges");
    memcpy(want, o->ranges, o->n * sizeof *want);
    gather_reset(s, o);
    sm_err_t rc = SM_OK;
    int64_t deadline = sm_clock_mono_ns() + 600LL * 1000000000;
    for (;;) {
        bool done = true;
        for (size_t i = 0; i < o->n; i++)
            if (o->ranges[i].end < want[i].end)
                done = false;
        if (done)
            break;
        if (cancelled(s)) {
            rc = sm_error_set(e, SM_ERR_CANCELLED, "cancelled while re-reading batch %" PRId64,
                              o->batch);
            break;
        }
        if (sm_clock_mono_ns() > deadline) {
            rc = sm_error_set(e, SM_ERR_TIMEOUT,
                              "batch %" PRId64 ": the recorded offsets could not be read again "
                              "within 10 minutes (were they deleted from the topic?)",
                              o->batch);
            break;
        }
        rc = sm_kafka_consumer_poll(s->cons, &s->kb, 200, e);
        if (!rc)
            rc = take(s, o, want, events, e);
        sm_kafka_batch_reset(&s->kb);
        if (rc)
            break;
        /* a gap (compacted or deleted offsets) ends a partition early */
        for (size_t i = 0; i < o->n; i++) {
            int64_t next = sm_kafka_consumer_next_offset(s->cons, o->ranges[i].partition);
            if (next >= want[i].end && o->ranges[i].end < want[i].end)
                o->ranges[i].end = want[i].end;
        }
    }
    sm_free(want);
    return rc;
}

/* ---- one batch --------------------------------------------------------------- */

static sm_err_t dead_batch(sm_stream_t *s, int64_t batch, sm_batch_t **out, sm_error_t *e)
{
    sm_type_t *t = NULL;
    static const char schema[] =
        "struct<raw:binary,partition:int,offset:bigint,reason:string,batch_id:bigint,query:string>";
    sm_err_t rc = sm_type_parse(schema, sizeof schema - 1, &t, e);
    if (!rc)
        rc = sm_batch_new(t, s->dl.n ? s->dl.n : 1, out, e);
    sm_type_free(t);
    for (size_t i = 0; i < s->dl.n && !rc; i++) {
        const sm_kafka_dead_letter_t *d = &s->dl.items[i];
        sm_vector_t **c = (*out)->cols;
        rc = sm_vector_append_bytes(c[0], d->raw, d->raw_len, e);
        if (!rc)
            rc = sm_vector_append_i32(c[1], d->partition, e);
        if (!rc)
            rc = sm_vector_append_i64(c[2], d->offset, e);
        if (!rc)
            rc = sm_vector_append_str(c[3], d->reason, e);
        if (!rc)
            rc = sm_vector_append_i64(c[4], batch, e);
        if (!rc)
            rc = sm_vector_append_str(c[5], s->id, e);
    }
    if (!rc)
        rc = sm_batch_sync(*out, e);
    return rc;
}

/* The rows sel[0..n) of the input batch as a new batch (late rows). */
static sm_err_t gather_rows(const sm_batch_t *in, const uint32_t *sel, size_t n, sm_batch_t **out,
                            sm_error_t *e)
{
    sm_vector_t *cols[256];
    if (in->ncols > 256)
        return sm_error_set(e, SM_ERR_LIMIT, "too many columns");
    for (size_t i = 0; i < in->ncols; i++) {
        sm_err_t rc = sm_expr_gather(in->cols[i], sel, n, &cols[i], e);
        if (rc) {
            while (i--)
                sm_vector_free(cols[i]);
            return rc;
        }
    }
    return sm_batch_from_vectors(in->schema, cols, in->ncols, out, e);
}

static sm_err_t project(sm_stream_t *s, const uint32_t *sel, size_t n, sm_batch_t **out,
                        sm_error_t *e)
{
    const sm_squery_t *q = s->q;
    sm_vector_t *cols[2 * SQ_MAX_ITEMS_STATE];
    size_t nc = 0;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < q->nproj && !rc; i++) {
        sm_vector_t *v;
        rc = sm_expr_eval(q->proj[i], s->rows, sel, n, &s->ctx, &v, e);
        if (!rc)
            rc = sm_expr_gather(v, sel, n, &cols[nc], e);
        if (!rc)
            nc++;
    }
    if (rc) {
        while (nc--)
            sm_vector_free(cols[nc]);
        return rc;
    }
    return sm_batch_from_vectors(q->out_schema, cols, nc, out, e);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void record_latency(sm_stream_t *s, const int64_t *ts_us, size_t n, int64_t now_ms)
{
    if (!s->lat)
        return;
    for (size_t i = 0; i < n; i++) {
        if (ts_us[i] == INT64_MIN)
            continue;
        double ms = (double)now_ms - (double)ts_us[i] / 1000.0;
        s->lat[s->lat_i] = ms;
        sq_latency_add(s->lat_run, ms);
        s->lat_i = (s->lat_i + 1) % SM_STREAM_LATENCY_SAMPLES;
        if (s->nlat < SM_STREAM_LATENCY_SAMPLES)
            s->nlat++;
    }
}

static sm_err_t crash_at(sm_stream_t *s, sm_stream_crash_t where, int64_t batch, sm_error_t *e)
{
    if (s->crash == where && s->crash_batch == batch)
        return sm_error_set(e, SM_ERR_CANCELLED, "test crash point %d at batch %" PRId64, where,
                            batch);
    return SM_OK;
}

/* Deletes the offsets and state files no restart needs: a restart needs
 * state/<sink batch> and every offsets entry after it, and the last
 * KEEP_BATCHES are kept whatever happens.  Everything below the limit goes,
 * not just batch b - KEEP_BATCHES: with a sink committed once a second
 * and a hundred batches a second, that one is often still needed when b
 * passes it (at most PRUNE_MAX files a batch, so catching up after a long
 * stretch without a sink commit never stalls a batch). */
static void prune_checkpoint(sm_stream_t *s)
{
    int64_t limit = s->batch - KEEP_BATCHES;
    if (limit > s->sink_batch)
        limit = s->sink_batch;
    for (int n = 0; s->pruned < limit && n < PRUNE_MAX; n++, s->pruned++) {
        char key[SM_STORE_KEY_MAX];
        snprintf(key, sizeof key, "%s/offsets/%" PRId64 ".json", s->dir, s->pruned);
        (void)sm_store_delete(s->ckpt.store, key, NULL);
        snprintf(key, sizeof key, "%s/state/%" PRId64 ".parquet", s->dir, s->pruned);
        (void)sm_store_delete(s->ckpt.store, key, NULL);
    }
}

/* How process() treats the sink: commit when sink_interval_ms allows,
 * always, or not at all (a re-run batch that a later one will commit). */
typedef enum sink_commit { SINK_BY_INTERVAL, SINK_ALWAYS, SINK_NEVER } sink_commit_t;

static sm_err_t process(sm_stream_t *s, const sq_offsets_t *o, uint64_t events, bool rerun,
                        sink_commit_t commit, sm_error_t *e)
{
    const sm_squery_t *q = s->q;
    int64_t b = o->batch, t0 = sm_clock_mono_ns();
    size_t nrows = s->rows->nrows;
    uint32_t *sel = sm_malloc((nrows + 1) * sizeof *sel);
    uint32_t *late = sm_malloc((nrows + 1) * sizeof *late);
    int64_t *ts = sm_malloc((nrows + 1) * sizeof *ts);
    sm_batch_t *out = NULL, *dead = NULL, *lateb = NULL;
    size_t nsel = nrows, nlate = 0;
    int64_t wm = o->watermark_us, version = -1;
    sm_err_t rc = SM_OK;
    if (!sel || !late || !ts) {
        rc = sm_error_nomem(e, "stream batch");
        goto out;
    }
    sm_expr_ctx_reset(&s->ctx);
    for (size_t r = 0; r < nrows; r++) {
        sel[r] = (uint32_t)r;
        const sm_vector_t *tc = q->ts_col >= 0 ? s->rows->cols[q->ts_col] : NULL;
        ts[r] = tc ? (sm_vector_is_null(tc, r) ? INT64_MIN : sm_vector_get_i64(tc, r)) : INT64_MIN;
    }
    if (q->where && nrows &&
        (rc = sm_expr_filter(q->where, s->rows, NULL, 0, &s->ctx, sel, &nsel, e)))
        goto out;
    /* late rows: event time behind the batch's watermark */
    if (q->aggregating && wm != INT64_MIN && q->ts_col >= 0) {
        size_t k = 0;
        for (size_t i = 0; i < nsel; i++) {
            int64_t t = ts[sel[i]];
            if (t != INT64_MIN && t < wm)
                late[nlate++] = sel[i];
            else
                sel[k++] = sel[i];
        }
        nsel = k;
    }
    for (size_t i = 0; i < nsel; i++)
        if (ts[sel[i]] != INT64_MIN && ts[sel[i]] > s->state.max_event_us)
            s->state.max_event_us = ts[sel[i]];
    int64_t new_wm = wm;
    if (s->delay_us > 0 && s->state.max_event_us != INT64_MIN) {
        int64_t cand = s->state.max_event_us - s->delay_us;
        if (new_wm == INT64_MIN || cand > new_wm)
            new_wm = cand;
    }
    sm_delta_mode_t mode = SM_DELTA_APPEND;
    if (q->aggregating) {
        if (nsel && (rc = sq_state_update(&s->state, s->rows, sel, nsel, ts, b, &s->ctx, e)))
            goto out;
        if (s->output == SM_STREAM_COMPLETE) {
            mode = SM_DELTA_OVERWRITE;
            rc = sq_state_emit(&s->state, SQ_EMIT_ALL, b, new_wm, false, &out, e);
        } else if (s->output == SM_STREAM_UPDATE) {
            rc = sq_state_emit(&s->state, SQ_EMIT_UPDATED, b, new_wm, true, &out, e);
        } else {
            rc = sq_state_emit(&s->state, SQ_EMIT_FINAL, b, new_wm, false, &out, e);
        }
        if (!rc && s->output != SM_STREAM_COMPLETE)
            rc = sq_state_evict(&s->state, new_wm, e);
        if (!rc)
            rc = sq_state_save(s->ckpt.store, s->dir, b, &s->state, e);
    } else {
        rc = project(s, sel, nsel, &out, e);
    }
    if (rc)
        goto out;
    if (s->dl.n && !(rc = dead_batch(s, b, &dead, e)))
        rc = write_table(s, s->dead, dead, SM_DELTA_APPEND, b, NULL, e);
    if (!rc && nlate && s->late && !(rc = gather_rows(s->rows, late, nlate, &lateb, e)))
        rc = write_table(s, s->late, lateb, SM_DELTA_APPEND, b, NULL, e);
    if (!rc)
        rc = crash_at(s, SM_STREAM_CRASH_AFTER_STATE, b, e);
    /* complete mode may leave the sink behind (the next commit overwrites
     * it anyway); other modes append every batch's rows */
    bool to_sink = commit == SINK_ALWAYS || mode != SM_DELTA_OVERWRITE ||
                   (commit == SINK_BY_INTERVAL &&
                    (s->sink_interval_ms <= 0 || !s->sink_commit_ns ||
                     sm_clock_mono_ns() - s->sink_commit_ns >= s->sink_interval_ms * 1000000));
    if (!rc && to_sink)
        rc = write_table(s, s->sink, out, mode, b, &version, e);
    if (!rc && to_sink)
        rc = crash_at(s, SM_STREAM_CRASH_AFTER_COMMIT, b, e);
    if (rc)
        goto out;
    /* recorded (and committed, or left for a later commit): move on */
    if (to_sink) {
        s->sink_batch = b;
        s->sink_commit_ns = sm_clock_mono_ns();
        vacuum_sink(s);
    }
    s->sink_behind = !to_sink;
    s->wm_us = new_wm;
    s->batch = b + 1;
    for (size_t i = 0; i < o->n && i < s->npos; i++)
        s->pos[i] = o->ranges[i];
    prune_checkpoint(s);
    /* live table, metrics */
    sm_batch_t *live = NULL;
    if (q->aggregating)
        rc = sq_state_emit(&s->state, SQ_EMIT_ALL, b, new_wm, false, &live, e);
    else {
        live = out;
        out = NULL;
    }
    if (rc)
        goto out;
    int64_t lag = sm_kafka_consumer_lag_cached(s->cons);
    double dur_ms = (double)(sm_clock_mono_ns() - t0) / 1e6;
    int64_t now = sm_clock_wall_ms();
    pthread_mutex_lock(&s->mu);
    sm_batch_free(s->live);
    s->live = live;
    s->version++;
    if (q->ts_col >= 0)
        record_latency(s, ts, nrows, now);
    else
        for (size_t i = 0; i < s->nkts; i++) {
            int64_t us = s->kts[i] < 0 ? INT64_MIN : s->kts[i] * 1000;
            record_latency(s, &us, 1, now);
        }
    sm_stream_metrics_t *m = &s->m;
    m->batches++;
    m->last_batch_id = b;
    m->events_total += events;
    m->dead_letters_total += s->dl.n;
    m->late_total += nlate;
    m->rows_last = live && q->aggregating ? (out ? out->nrows : 0) : (live ? live->nrows : 0);
    s->busy_s += dur_ms / 1000.0;
    m->batch_ms_last = dur_ms;
    m->batch_ms_avg = s->busy_s * 1000.0 / (double)m->batches;
    m->events_per_s = dur_ms > 0 ? (double)events / (dur_ms / 1000.0) : 0;
    m->events_per_s_avg = s->busy_s > 0 ? (double)m->events_total / s->busy_s : 0;
    m->lag = lag;
    m->watermark_ms = new_wm == INT64_MIN ? -1 : new_wm / 1000;
    if (version >= 0)
        m->sink_version = version;
    m->last_error[0] = 0;
    pthread_mutex_unlock(&s->mu);
    if (s->on_batch) {
        sm_stream_batch_info_t info = {.batch_id = b,
                                       .rerun = rerun,
                                       .events = events,
                                       .rows_in = nrows,
                                       .dead = s->dl.n,
                                       .late = nlate,
                                       .rows_out =
                                           q->aggregating ? (out ? out->nrows : 0) : live->nrows,
                                       .sink_version = version,
                                       .duration_ms = dur_ms,
                                       .lag = lag,
                                       .watermark_ms = new_wm == INT64_MIN ? -1 : new_wm / 1000};
        s->on_batch(s->batch_ctx, &info);
    }
    sm_log_debug(s->log, "stream", "%s: batch %" PRId64 " %" PRIu64 " events in %.1f ms", s->id, b,
                 events, dur_ms);
out:
    sm_free(sel);
    sm_free(late);
    sm_free(ts);
    sm_batch_free(out);
    sm_batch_free(dead);
    sm_batch_free(lateb);
    return rc;
}

/* ---- recovery ---------------------------------------------------------------- */

static sm_err_t seek_consumer(sm_stream_t *s, const sq_offsets_t *o, sm_error_t *e)
{
    sm_kafka_offset_t offs[SQ_MAX_PARTITIONS];
    size_t n = 0;
    for (size_t i = 0; i < o->n && n < SQ_MAX_PARTITIONS; i++)
        offs[n++] = (sm_kafka_offset_t){o->ranges[i].partition, o->ranges[i].start};
    return sm_kafka_consumer_seek(s->cons, offs, n, e);
}

/* Runs batches from..last->batch again on exactly their recorded ranges,
 * from state/(from-1), committing the last one to the sink. */
static sm_err_t rerun(sm_stream_t *s, int64_t from, sq_offsets_t *last, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (from > 0 && s->q->aggregating &&
        (rc = sq_state_load(s->ckpt.store, s->dir, from - 1, &s->state, e)))
        return rc == SM_ERR_NOT_FOUND
                   ? sm_error_set(e, SM_ERR_CORRUPT,
                                  "stream %s: the sink %s holds batch %" PRId64
                                  " but its state is gone from %s (was the sink replaced?)",
                                  s->id, s->sink, from - 1, s->dir)
                   : rc;
    for (int64_t b = from; b <= last->batch && !rc; b++) {
        sq_offsets_t ob = {0};
        sq_offsets_t *o = last;
        if (b < last->batch) {
            if ((rc = sq_offsets_read(s->ckpt.store, s->dir, b, &ob, e))) {
                if (rc == SM_ERR_NOT_FOUND)
                    rc = sm_error_set(e, SM_ERR_CORRUPT,
                                      "stream %s: the offsets log is at batch %" PRId64
                                      " but lacks batch %" PRId64 " and the sink %s holds batch "
                                      "%" PRId64 " (was the sink replaced?)",
                                      s->id, last->batch, b, s->sink, from - 1);
                break;
            }
            o = &ob;
        }
        uint64_t events;
        /* each batch from its recorded start: reading one drops what was
         * fetched past its end */
        if (b == from)
            rc = open_consumer(s, o->ranges, o->n, false, e);
        else
            rc = seek_consumer(s, o, e);
        if (!rc)
            rc = gather_range(s, o, &events, e);
        if (!rc)
            rc = process(s, o, events, true, b == last->batch ? SINK_ALWAYS : SINK_NEVER, e);
        sq_offsets_free(&ob);
    }
    if (!rc) {
        s->last_rerun = true;
        sm_log_info(s->log, "stream", "%s: re-ran batches %" PRId64 "..%" PRId64 " after a restart",
                    s->id, from, last->batch);
    }
    return rc;
}

static sm_err_t recover(sm_stream_t *s, sm_error_t *e)
{
    sq_offsets_t o;
    bool found;
    int64_t committed;
    sm_err_t rc = sq_offsets_last(s->ckpt.store, s->dir, &o, &found, NULL, e);
    if (rc)
        return rc;
    if ((rc = table_txn(s, s->sink, &committed, e)) || (rc = plan_sink_config(s, e)))
        goto out;
    sq_state_clear(&s->state);
    s->wm_us = INT64_MIN;
    s->last_rerun = false;
    if (!found) {
        if (committed >= 0) {
            rc = sm_error_set(e, SM_ERR_CORRUPT,
                              "%s: the sink holds batch %" PRId64 " of stream %s but its offsets "
                              "log %s is empty",
                              s->sink, committed, s->id, s->dir);
            goto out;
        }
        s->batch = 0;
        s->sink_batch = -1;
        s->pruned = 0;
        rc = open_consumer(s, NULL, 0, false, e);
        goto out;
    }
    s->sink_batch = committed;
    s->sink_commit_ns = 0;
    s->sink_behind = false;
    s->pruned = o.first;
    if (committed >= o.batch) {
        if (s->q->aggregating && (rc = sq_state_load(s->ckpt.store, s->dir, o.batch, &s->state, e)))
            goto out;
    } else if ((rc = rerun(s, committed + 1, &o, e))) {
        goto out;
    }
    s->batch = o.batch + 1;
    int64_t d = s->delay_us;
    s->wm_us = d > 0 && s->state.max_event_us != INT64_MIN ? s->state.max_event_us - d : INT64_MIN;
    if (o.watermark_us != INT64_MIN && (s->wm_us == INT64_MIN || o.watermark_us > s->wm_us))
        s->wm_us = o.watermark_us;
    rc = open_consumer(s, o.ranges, o.n, true, e);
out:
    sq_offsets_free(&o);
    if (!rc)
        s->broken = false;
    return rc;
}

/* ---- public ------------------------------------------------------------------ */

static char *dupx(const char *s, bool *fail)
{
    if (!s)
        return NULL;
    char *d = sm_strdup(s);
    if (!d)
        *fail = true;
    return d;
}

sm_err_t sm_stream_open(const sm_stream_opts_t *o, sm_stream_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!o->query_id || !o->sql || !o->source || !o->lake)
        return sm_error_set(e, SM_ERR_INVALID, "stream: query id, SQL, source and lake are needed");
    sm_stream_t *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "stream");
    pthread_mutex_init(&s->mu, NULL);
    sm_expr_ctx_init(&s->ctx, true, sm_clock_wall_ms() * 1000);
    bool fail = false;
    char buf[600];
    s->id = dupx(o->query_id, &fail);
    if (o->sink)
        s->sink = dupx(o->sink, &fail);
    else {
        snprintf(buf, sizeof buf, "gold.%s_live", o->query_id);
        s->sink = dupx(buf, &fail);
    }
    if (o->dead_letters)
        s->dead = dupx(o->dead_letters, &fail);
    else if (s->sink) {
        const char *dot = strchr(s->sink, '.');
        snprintf(buf, sizeof buf, "%.*s._dead_letters_%s", dot ? (int)(dot - s->sink) : 7,
                 dot ? s->sink : "default", o->query_id);
        s->dead = dupx(buf, &fail);
    }
    s->late = dupx(o->late_table, &fail);
    s->topic = dupx(o->source->topic, &fail);
    s->bootstrap = dupx(o->kafka.bootstrap, &fail);
    s->client_id = dupx(o->kafka.client_id, &fail);
    s->lat = sm_calloc(SM_STREAM_LATENCY_SAMPLES, sizeof *s->lat);
    s->lat_run = sm_calloc(1, sizeof *s->lat_run);
    sm_err_t rc = SM_OK;
    if (fail || !s->lat || !s->lat_run) {
        rc = sm_error_nomem(e, "stream");
        goto out;
    }
    s->kconf = o->kafka;
    s->kconf.bootstrap = s->bootstrap;
    s->kconf.client_id = s->client_id;
    s->kconf.props = NULL;
    s->output = o->output;
    s->trigger = o->trigger;
    int64_t wm = o->watermark_ms < 0 ? o->source->watermark_ms : o->watermark_ms;
    s->delay_us = wm > 0 ? wm * 1000 : 0;
    s->max_batch = o->max_batch_events ? o->max_batch_events : DEFAULT_MAX_BATCH;
    s->max_poll = o->max_poll_messages;
    s->cancel = o->cancel;
    s->on_batch = o->on_batch;
    s->batch_ctx = o->batch_ctx;
    s->log = o->log;
    s->crash = o->crash;
    s->crash_batch = o->crash_batch;
    s->src = o->source;
    s->lake = o->lake;
    s->wm_us = INT64_MIN;
    s->m.last_batch_id = -1;
    s->m.lag = -1;
    s->m.watermark_ms = -1;
    s->m.sink_version = -1;
    s->m.latency_p50_ms = s->m.latency_p99_ms = -1;
    s->m.latency_run_p50_ms = s->m.latency_run_p99_ms = -1;
    s->sink_interval_ms = o->sink_interval_ms;
    s->sink_batch = -1;
    s->log_retention_ms = o->log_retention_ms > 0 ? o->log_retention_ms : 0;
    s->file_retention_ms = o->file_retention_ms > 0 ? o->file_retention_ms : 0;
    s->vacuum_ms = o->vacuum_ms > 0 ? o->vacuum_ms : 0;
    s->vacuum_ns = sm_clock_mono_ns();
    snprintf(s->m.query, sizeof s->m.query, "%s", s->id);
    if ((rc = sq_compile(o->sql, o->source, &s->q, e)))
        goto out;
    if (!s->q->aggregating && s->output != SM_STREAM_APPEND) {
        rc = sm_error_set(e, SM_ERR_INVALID,
                          "stream %s: a query without aggregation runs in append mode only", s->id);
        goto out;
    }
    if (s->q->aggregating && s->output == SM_STREAM_APPEND && (!s->q->windowed || !s->delay_us)) {
        rc = sm_error_set(e, SM_ERR_INVALID,
                          "stream %s: append mode needs a windowed aggregation and a watermark "
                          "(set watermark: on the stream); use complete or update",
                          s->id);
        goto out;
    }
    if ((rc = sq_state_init(&s->state, s->q, e)) ||
        (rc = sm_kafka_json_decoder_new(o->source->schema, 0, &s->dec, e)) ||
        (rc = sm_batch_new(o->source->schema, 0, &s->rows, e)))
        goto out;
    if ((rc = sm_lake_resolve(s->lake, "_smelt.streams", &s->ckpt, e)))
        goto out;
    snprintf(s->dir, sizeof s->dir, "%s%s%s", s->ckpt.prefix, s->ckpt.prefix[0] ? "/" : "", s->id);
    rc = recover(s, e);
out:
    if (rc) {
        sm_stream_free(s);
        return sm_error_wrap(e, "stream %s", o->query_id);
    }
    s->m.running = true;
    *out = s;
    return SM_OK;
}

sm_err_t sm_stream_step(sm_stream_t *s, int max_wait_ms, bool *ran, sm_error_t *e)
{
    *ran = false;
    sm_err_t rc;
    if (s->broken && (rc = recover(s, e)))
        return rc;
    sq_offsets_t o = {.batch = s->batch, .watermark_us = s->wm_us};
    o.ranges = sm_calloc(s->npos + 1, sizeof *o.ranges);
    if (!o.ranges)
        return sm_error_nomem(e, "offsets");
    uint64_t events = 0;
    rc = gather(s, max_wait_ms, &o, &events, e);
    if (rc || events == 0) {
        if (rc)
            s->broken = true;
        sm_free(o.ranges);
        return rc;
    }
    rc = sq_offsets_write(s->ckpt.store, s->dir, &o, e);
    if (rc == SM_ERR_EXISTS)
        rc = sm_error_set(e, SM_ERR_CONFLICT,
                          "stream %s: batch %" PRId64 " was already recorded: is another smelt "
                          "stream running this query?",
                          s->id, o.batch);
    if (!rc)
        rc = crash_at(s, SM_STREAM_CRASH_AFTER_OFFSETS, o.batch, e);
    if (!rc)
        rc = process(s, &o, events, false, SINK_BY_INTERVAL, e);
    if (rc) {
        s->broken = true;
        pthread_mutex_lock(&s->mu);
        snprintf(s->m.last_error, sizeof s->m.last_error, "%s", e ? e->msg : sm_err_name(rc));
        pthread_mutex_unlock(&s->mu);
    } else {
        *ran = true;
    }
    sm_free(o.ranges);
    return rc;
}

bool sm_stream_at_end(sm_stream_t *s)
{
    return s->cons && sm_kafka_consumer_at_end(s->cons);
}

static bool retriable(sm_err_t rc)
{
    return rc == SM_ERR_NETWORK || rc == SM_ERR_TIMEOUT || rc == SM_ERR_IO;
}

/* Commits the current result of a complete-mode stream whose last
 * batches were left out of the sink (sink_interval_ms). */
static sm_err_t flush_sink(sm_stream_t *s, sm_error_t *e)
{
    sm_batch_t *out = NULL;
    int64_t b = s->batch - 1, version = -1;
    sm_err_t rc = sq_state_emit(&s->state, SQ_EMIT_ALL, b, s->wm_us, false, &out, e);
    if (!rc)
        rc = write_table(s, s->sink, out, SM_DELTA_OVERWRITE, b, &version, e);
    sm_batch_free(out);
    if (rc)
        return rc;
    s->sink_batch = b;
    s->sink_behind = false;
    pthread_mutex_lock(&s->mu);
    s->m.sink_version = version;
    pthread_mutex_unlock(&s->mu);
    return SM_OK;
}

/* Hands the free pages of the heap back to the system.  A stream runs for
 * days, and every batch and sink commit allocates and frees megabytes of
 * short-lived buffers between long-lived ones (the live table, the state,
 * librdkafka's queues): glibc keeps those free pages mapped, and the
 * resident size creeps up while the heap in use stays flat (1-4 MB over a
 * 10-minute run at 10,000 events/s).  malloc_trim releases them (madvise)
 * in every arena.  See also sm_stream_tune_allocator. */
static void give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void sm_stream_tune_allocator(void)
{
#ifdef __GLIBC__
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, SM_STREAM_MMAP_THRESHOLD);
#endif
}

sm_err_t sm_stream_run(sm_stream_t *s, sm_error_t *e)
{
    int64_t next_tick = sm_clock_mono_ns(), next_trim = next_tick + TRIM_EVERY_NS;
    sm_err_t rc = SM_OK;
    while (!cancelled(s)) {
        int wait = 100;
        if (s->trigger.kind == SM_STREAM_INTERVAL) {
            int64_t now = sm_clock_mono_ns();
            while (now < next_tick && !cancelled(s)) {
                int64_t left = (next_tick - now) / 1000000;
                sleep_ms(left > 100 ? 100 : (left < 1 ? 1 : left));
                now = sm_clock_mono_ns();
            }
            next_tick += s->trigger.interval_ms * 1000000;
            if (next_tick < now)
                next_tick = now + s->trigger.interval_ms * 1000000;
            wait = 50;
        }
        bool ran = false;
        rc = sm_stream_step(s, wait, &ran, e);
        if (rc == SM_ERR_CANCELLED && cancelled(s)) {
            rc = SM_OK;
            break;
        }
        if (rc && retriable(rc)) {
            sm_log_warn(s->log, "stream", "%s: %s (retrying)", s->id, e ? e->msg : sm_err_name(rc));
            sleep_ms(1000);
            rc = SM_OK;
            continue;
        }
        if (rc)
            break;
        if (s->trigger.kind == SM_STREAM_AVAILABLE_NOW && !ran && sm_stream_at_end(s))
            break;
        if (sm_clock_mono_ns() >= next_trim) {
            give_back_memory();
            next_trim = sm_clock_mono_ns() + TRIM_EVERY_NS;
        }
    }
    if (!rc && s->sink_behind && !s->broken)
        rc = flush_sink(s, e);
    pthread_mutex_lock(&s->mu);
    s->m.running = false;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void sm_stream_free(sm_stream_t *s)
{
    if (!s)
        return;
    sm_kafka_consumer_free(s->cons);
    sm_kafka_json_decoder_free(s->dec);
    sm_kafka_batch_free(&s->kb);
    sm_kafka_dead_letters_free(&s->dl);
    sm_batch_free(s->rows);
    sq_state_free(&s->state);
    sq_free(s->q);
    sm_expr_ctx_free(&s->ctx);
    sm_lake_table_free(&s->ckpt);
    sm_batch_free(s->live);
    pthread_mutex_destroy(&s->mu);
    sm_free(s->lat);
    sm_free(s->lat_run);
    sm_free(s->kts);
    sm_free(s->pos);
    sm_free(s->id);
    sm_free(s->sink);
    sm_free(s->dead);
    sm_free(s->late);
    sm_free(s->topic);
    sm_free(s->bootstrap);
    sm_free(s->client_id);
    sm_free(s);
}

static void fill_metrics(sm_stream_t *s, sm_stream_metrics_t *m)
{
    *m = s->m;
    m->latency_p50_ms = m->latency_p99_ms = -1;
    m->latency_run_p50_ms = sq_latency_quantile(s->lat_run, 0.50);
    m->latency_run_p99_ms = sq_latency_quantile(s->lat_run, 0.99);
    if (!s->nlat)
        return;
    double *tmp = sm_malloc(s->nlat * sizeof *tmp);
    if (!tmp)
        return;
    memcpy(tmp, s->lat, s->nlat * sizeof *tmp);
    qsort(tmp, s->nlat, sizeof *tmp, cmp_double);
    m->latency_p50_ms = tmp[(size_t)((double)(s->nlat - 1) * 0.50)];
    m->latency_p99_ms = tmp[(size_t)((double)(s->nlat - 1) * 0.99)];
    sm_free(tmp);
}

void sm_stream_metrics(sm_stream_t *s, sm_stream_metrics_t *m)
{
    pthread_mutex_lock(&s->mu);
    fill_metrics(s, m);
    pthread_mutex_unlock(&s->mu);
}

sm_err_t sm_stream_live(sm_stream_t *s, sm_batch_t **rows, uint64_t *version,
                        sm_stream_metrics_t *m, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *rows = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->live) {
        sm_vector_t *cols[2 * SQ_MAX_ITEMS_STATE];
        size_t n = s->live->ncols;
        for (size_t i = 0; i < n && !rc; i++)
            if ((rc = sm_vector_copy(s->live->cols[i], &cols[i], e)))
                while (i--)
                    sm_vector_free(cols[i]);
        if (!rc)
            rc = sm_batch_from_vectors(s->live->schema, cols, n, rows, e);
    }
    if (version)
        *version = s->version;
    if (m)
        fill_metrics(s, m);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

sm_type_t *sm_stream_schema(const sm_stream_t *s)
{
    return s->q->out_schema;
}

const char *sm_stream_sink(const sm_stream_t *s)
{
    return s->sink;
}

const char *sm_stream_dead_letters(const sm_stream_t *s)
{
    return s->dead;
}
