/*
 * stream — smelt's streaming engine: SQL over a Kafka topic, run as
 * micro-batches, written exactly once to a Delta table and to a live
 * in-memory table (SEED.md phase 3: `vue_streaming_pays`).
 *
 * Sources (smelt.yaml, section `streams`):
 *
 *   streams:
 *     ventes:                                 # a stream source
 *       type: kafka
 *       topic: ventes-temps-reel
 *       format: json
 *       schema: "struct<event_id:bigint,timestamp:timestamp,pays:string,
 *                montant:double,type:string>"
 *       timestamp_field: timestamp            # event time (a timestamp column)
 *       starting_offsets: earliest            # earliest | latest | ISO-8601 time
 *       watermark: 10s                        # optional: event-time delay
 *     ventes_par_pays:                        # optional settings of a model
 *       type: model
 *       sink: gold.ventes_par_pays_live       # default gold.<model>_live
 *       output_mode: complete                 # complete | update | append
 *       trigger: available-now                # available-now | interval:5s | continuous
 *       watermark: 10s                        # overrides the source's
 *       late_events: drop                     # drop (counted) | layer.table
 *       dead_letters: gold._dead_letters_ventes_par_pays
 *       log_retention: 1d                     # the sink's delta.logRetentionDuration
 *       file_retention: 1h                    # its delta.deletedFileRetentionDuration
 *       vacuum: 1h                            # vacuum the sink this often (off by default)
 *
 * Bootstrap servers come from the kafka.bootstrap setting
 * (SMELT_KAFKA_BOOTSTRAP).  With none, the CLI starts librdkafka's
 * in-process mock cluster: its data then lives only as long as the process.
 *
 * Queries (a streaming model, models/streaming/<name>.sql) have the shape
 *     SELECT [window(ts, 'size'[, 'slide']),] keys..., aggregates...
 *     FROM <source> [WHERE predicate] [GROUP BY [window(...),] keys...]
 * with aggregates sum, count, count(*), min, max, avg of numeric (and, for
 * min/max, date/timestamp) arguments; keys, arguments and the predicate
 * are any scalar SQL expression (exec/expr.h, Spark's rules).  Without
 * aggregates and GROUP BY the query is a projection (append only).  The
 * window is Spark's: tumbling (slide = size) or sliding, windows starting
 * at multiples of the slide since the epoch; in the output it becomes two
 * columns `window_start`, `window_end` (timestamps) — flat, so every Delta
 * reader sees plain columns.
 *
 * Watermarks: not SQL (Spark's withWatermark is an API call); a
 * `watermark: DURATION` field on the source or the model.  The watermark
 * used by batch b is max(event time of batches < b) - delay; events of
 * batch b older than it are late: counted and dropped, or appended to the
 * `late_events` table.  After batch b updates the state, windows whose end
 * is <= the new watermark are final: output once in append mode, and their
 * state is dropped in append and update modes (complete keeps everything).
 *
 * Output modes: complete — the whole result, the Delta sink is overwritten
 * each batch; update — the groups changed by the batch, appended to the
 * sink with a `_batch_id` column (the latest row per key is current);
 * append — final windows only (windowed aggregations with a watermark), or
 * every row of a projection.
 *
 * Exactly once (Spark's design), under the lake's `_smelt/streams/<query>/`:
 *   offsets/<batch>.json  written put-if-absent BEFORE the batch changes
 *                         anything: per partition the range [start, end)
 *   state/<batch>.parquet the aggregation state after the batch (groups
 *                         and accumulators; max event time in its metadata)
 *   the sink commit       carries txn(appId = query, version = batch) in
 *                         the same Delta commit as the data; the dead-letter
 *                         and late-event tables carry the same txn.
 * On restart: L = the last offsets entry, C = the sink's txn version.  If
 * C >= L the stream resumes at L's end with state/L; otherwise batches
 * C+1..L are re-run on exactly their recorded ranges (Kafka is immutable,
 * decoding and aggregation deterministic) starting from state/C, and L is
 * committed with its txn — writes that had already landed (dead letters,
 * late events) are skipped by Delta.  (C < L-1 happens when the sink is
 * committed less often than batches run: sink_interval_ms; offsets and
 * state files are kept from C on.)  Nothing is lost and nothing is
 * counted twice, whatever the crash point.
 *
 * Dead letters (bad JSON, wrong types, missing NOT NULL fields) go to a
 * Delta table (raw, partition, offset, reason, batch_id) and the stream
 * goes on.
 *
 * Ownership: sm_stream_t owns its consumer, state, query and copies of
 * every option string; the lake and the source in the options are borrowed
 * and must outlive it.  sm_stream_live returns a batch the caller frees.
 * Threads: one thread drives a stream (open, step, run, free); any thread
 * may call sm_stream_live, sm_stream_metrics and sm_stream_cancel at any
 * time (they take the stream's mutex).
 */
#ifndef SM_STREAM_STREAM_H
#define SM_STREAM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "connect/kafka.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "lake/lake.h"

/* ---- sources and model settings (smelt.yaml) ---------------------------- */

typedef struct sm_stream_source {
    char *name;
    char *topic;
    sm_type_t *schema;           /* STRUCT (owned reference) */
    char *timestamp_field;       /* NULL: event time = the Kafka message timestamp */
    sm_kafka_start_kind_t start; /* EARLIEST, LATEST or TIMESTAMP */
    int64_t start_ts_ms;
    int64_t watermark_ms; /* -1: none */
} sm_stream_source_t;

typedef enum sm_stream_trigger_kind {
    SM_STREAM_AVAILABLE_NOW = 0, /* what is there at start, then stop */
    SM_STREAM_INTERVAL,          /* one batch every interval_ms */
    SM_STREAM_CONTINUOUS,        /* small batches as fast as events arrive */
} sm_stream_trigger_kind_t;

typedef struct sm_stream_trigger {
    sm_stream_trigger_kind_t kind;
    int64_t interval_ms;
} sm_stream_trigger_t;

typedef enum sm_stream_output {
    SM_STREAM_COMPLETE = 0,
    SM_STREAM_UPDATE,
    SM_STREAM_APPEND,
} sm_stream_output_t;

typedef struct sm_stream_model_conf {
    char *name; /* the model (query id) */
    char *sink; /* NULL: default */
    bool has_output, has_trigger;
    sm_stream_output_t output;
    sm_stream_trigger_t trigger;
    int64_t watermark_ms;      /* -1: the source's */
    char *late_table;          /* NULL: drop */
    char *dead_letters;        /* NULL: default */
    int64_t log_retention_ms;  /* log_retention: the sink's log retention; 0 default */
    int64_t file_retention_ms; /* file_retention: its deleted-file retention; 0 default */
    int64_t vacuum_ms;         /* vacuum: vacuum the sink this often; 0 never */
} sm_stream_model_conf_t;

typedef struct sm_stream_conf {
    sm_stream_source_t *sources;
    size_t nsources;
    sm_stream_model_conf_t *models;
    size_t nmodels;
} sm_stream_conf_t;

/* Reads the `streams` section of cfg into *out (zeroed first; an absent
 * section gives no sources).  Errors name file:line:column
 * (SM_ERR_INVALID, SM_ERR_PARSE for a bad schema, SM_ERR_NOMEM); *out is
 * empty then.  Free with sm_stream_conf_free. */
sm_err_t sm_stream_conf_load(const sm_config_t *cfg, sm_stream_conf_t *out, sm_error_t *e);
void sm_stream_conf_free(sm_stream_conf_t *c);
const sm_stream_source_t *sm_stream_conf_source(const sm_stream_conf_t *c, const char *name);
const sm_stream_model_conf_t *sm_stream_conf_model(const sm_stream_conf_t *c, const char *name);

/* "available-now", "interval:5s" (any duration: 250ms, 5s, 1m), "continuous".
 * SM_ERR_INVALID naming the text otherwise. */
sm_err_t sm_stream_trigger_parse(const char *text, sm_stream_trigger_t *out, sm_error_t *e);
/* "complete", "update", "append". */
sm_err_t sm_stream_output_parse(const char *text, sm_stream_output_t *out, sm_error_t *e);
const char *sm_stream_output_name(sm_stream_output_t o);
/* A duration as Spark writes window sizes: "10 seconds", "1 minute",
 * "500 milliseconds", "2 hours", "1 day" (singular or plural, optional
 * space), and the short forms 10s, 250ms, 5m, 1h, 1d.  Must be > 0. */
sm_err_t sm_stream_duration_parse(const char *text, int64_t *ms, sm_error_t *e);

/* The stream source a model reads: the name after FROM, copied into out
 * (cap bytes).  SM_ERR_PARSE for bad SQL, SM_ERR_INVALID when the query
 * is not one SELECT ... FROM <name>. */
sm_err_t sm_stream_model_source(const char *sql, char *out, size_t cap, sm_error_t *e);

/* The reference source (SEED.md phase 3) named `name`: topic
 * ventes-temps-reel, the event schema, event time `timestamp`, from the
 * earliest offset, no watermark.  Free with sm_stream_source_free.
 * SM_ERR_NOMEM only. */
sm_err_t sm_stream_source_default(const char *name, sm_stream_source_t *out, sm_error_t *e);
void sm_stream_source_free(sm_stream_source_t *s);

/* ---- a running streaming query ----------------------------------------- */

/* Crash points for tests: the step returns SM_ERR_CANCELLED there, as if
 * the process had been killed. */
typedef enum sm_stream_crash {
    SM_STREAM_CRASH_NONE = 0,
    SM_STREAM_CRASH_AFTER_OFFSETS, /* offsets log written, nothing else */
    SM_STREAM_CRASH_AFTER_STATE,   /* state and dead letters written, no sink commit */
    SM_STREAM_CRASH_AFTER_COMMIT,  /* sink committed, live table not updated */
} sm_stream_crash_t;

/* What one micro-batch did (passed to on_batch). */
typedef struct sm_stream_batch_info {
    int64_t batch_id;
    bool rerun;           /* a batch recorded before a crash, run again */
    uint64_t events;      /* messages read */
    uint64_t rows_in;     /* decoded rows */
    uint64_t dead;        /* dead letters */
    uint64_t late;        /* rows behind the watermark */
    uint64_t rows_out;    /* rows written to the sink */
    int64_t sink_version; /* committed Delta version; -1 when already there */
    double duration_ms;
    int64_t lag;          /* messages left in the topic; -1 unknown */
    int64_t watermark_ms; /* -1: none */
} sm_stream_batch_info_t;

typedef struct sm_stream_opts {
    const char *query_id;             /* checkpoint folder and txn appId */
    const char *sql;                  /* the model */
    const sm_stream_source_t *source; /* borrowed */
    sm_kafka_conf_t kafka;            /* strings borrowed during open */
    sm_lake_t *lake;                  /* borrowed */
    const char *sink;                 /* layer.table; NULL = gold.<query_id>_live */
    const char *dead_letters;         /* NULL = <sink layer>._dead_letters_<query_id> */
    const char *late_table;           /* NULL = drop late rows (counted) */
    sm_stream_output_t output;
    sm_stream_trigger_t trigger;
    int64_t watermark_ms;     /* -1 = the source's; 0 = none */
    size_t max_batch_events;  /* messages per micro-batch; 0 = 100000 */
    size_t max_poll_messages; /* per consumer poll; 0 = SM_BATCH_ROWS */
    /* Complete mode: the Delta sink is committed at most this often (the
     * live table still changes every batch); 0 = every batch; -1 = the
     * default: 1000 ms for the continuous trigger, else every batch.  A
     * sink overwritten 100 times a second grows its log (a tombstone per
     * version) faster than checkpoints can keep up with. */
    int64_t sink_interval_ms;
    /* The sink's housekeeping (docs/streaming.md "Long runs").  A sink the
     * stream creates gets delta.logRetentionDuration = log_retention_ms
     * (0 = 1 day) and, in complete mode, delta.deletedFileRetentionDuration
     * = file_retention_ms (0 = 1 hour); on an existing sink only the ones
     * given (non-zero) are set, once, when the table says otherwise.
     * vacuum_ms > 0 vacuums the sink's unreferenced data files that often
     * (the table's retention; never by default). */
    int64_t log_retention_ms;
    int64_t file_retention_ms;
    int64_t vacuum_ms;
    volatile int *cancel; /* may be NULL; nonzero stops sm_stream_run */
    void (*on_batch)(void *ctx, const sm_stream_batch_info_t *info);
    void *batch_ctx;
    sm_log_t *log;
    sm_stream_crash_t crash; /* tests */
    int64_t crash_batch;     /* the batch at which to crash */
} sm_stream_opts_t;

typedef struct sm_stream sm_stream_t;

#define SM_STREAM_SINK_LOG_RETENTION_MS (86400000LL) /* 1 day */
#define SM_STREAM_SINK_FILE_RETENTION_MS (3600000LL) /* 1 hour (complete mode) */

/* Compiles the query against the source's schema, loads the checkpoint
 * (re-running the last recorded batch if it was not committed), and
 * connects to Kafka.  Errors: SM_ERR_PARSE / SM_ERR_INVALID /
 * SM_ERR_UNSUPPORTED for the query ("line 1, column 8: ..."),
 * SM_ERR_CORRUPT for a bad checkpoint, SM_ERR_NETWORK, SM_ERR_NOT_FOUND
 * (no such topic).  *out is NULL on failure. */
sm_err_t sm_stream_open(const sm_stream_opts_t *opts, sm_stream_t **out, sm_error_t *e);

/* Runs at most one micro-batch: gathers messages (available-now: until the
 * end of every partition or max_batch_events; continuous: what arrives
 * within max_wait_ms and is already fetched; interval: what is fetched),
 * then writes offsets, state, dead letters and the sink.  *ran says whether
 * a batch ran (false when no message came).  Errors leave the checkpoint
 * consistent: the same stream (or a new one) can go on. */
sm_err_t sm_stream_step(sm_stream_t *s, int max_wait_ms, bool *ran, sm_error_t *e);

/* Runs batches per the trigger until the source is drained
 * (available-now), *cancel becomes nonzero, or an error that is not
 * retriable.  Broker outages are waited out (logged, retried). */
sm_err_t sm_stream_run(sm_stream_t *s, sm_error_t *e);

/* True when every partition is read to its end (for available-now). */
bool sm_stream_at_end(sm_stream_t *s);

void sm_stream_free(sm_stream_t *s);

/* For a process that runs streams for days (`smelt stream` with a
 * continuous or interval trigger): sets the C library's allocator for a
 * flat resident size, process-wide, and must be called once before any
 * thread starts.  Not for bounded runs (available-now): they have no creep to
 * prevent, and one arena is shared by all of the consumer's threads.
 * With glibc: one malloc arena
 * (librdkafka's threads otherwise get arenas of their own, and the freed
 * messages and per-batch buffers fragment them: a 10-minute run at 10,000
 * events/s went from 13 to 23 MB with a heap in use flat at 1-4 MB), and
 * a fixed mmap threshold (the dynamic one rises to the size of the
 * per-batch Parquet buffers and moves them into the arenas).  Elsewhere a
 * no-op.  Not for multi-threaded servers, where one arena is a point of
 * contention. */
#define SM_STREAM_MMAP_THRESHOLD (128 * 1024)
void sm_stream_tune_allocator(void);

/* ---- the live table and metrics (any thread) ------------------------------ */

#define SM_STREAM_LATENCY_SAMPLES 8192

typedef struct sm_stream_metrics {
    char query[128];
    bool running;
    int64_t batches;       /* batches run by this process */
    int64_t last_batch_id; /* -1: none yet */
    uint64_t events_total; /* read by this process */
    uint64_t dead_letters_total;
    uint64_t late_total;
    uint64_t rows_last;      /* rows written by the last batch */
    double events_per_s;     /* last batch: events / its duration */
    double events_per_s_avg; /* events_total / seconds spent in batches */
    double batch_ms_last, batch_ms_avg;
    double latency_p50_ms;     /* now - event time at commit, over the last */
    double latency_p99_ms;     /* SM_STREAM_LATENCY_SAMPLES events; -1 none */
    double latency_run_p50_ms; /* the same over every event of this */
    double latency_run_p99_ms; /* process's run, to 0.1 ms; -1 none */
    int64_t lag;               /* -1: unknown */
    int64_t watermark_ms;      /* -1: none */
    int64_t sink_version;      /* last committed version; -1 none */
    char last_error[256];
} sm_stream_metrics_t;

/* A deep copy of the current result (all groups for aggregations; the last
 * batch's rows for projections) in *rows (caller frees with
 * sm_batch_free; NULL before the first batch), its version (0 before the
 * first batch, then +1 per batch) and metrics (m may be NULL).  Only
 * SM_ERR_NOMEM. */
sm_err_t sm_stream_live(sm_stream_t *s, sm_batch_t **rows, uint64_t *version,
                        sm_stream_metrics_t *m, sm_error_t *e);
void sm_stream_metrics(sm_stream_t *s, sm_stream_metrics_t *m);
/* The result schema (valid while s lives). */
sm_type_t *sm_stream_schema(const sm_stream_t *s);
/* The resolved sink and dead-letter table names. */
const char *sm_stream_sink(const sm_stream_t *s);
const char *sm_stream_dead_letters(const sm_stream_t *s);

#endif
