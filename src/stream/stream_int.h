/*
 * stream/stream_int.h — private pieces of the streaming engine: the
 * compiled query (query.c), the aggregation state (state.c) and the
 * checkpoint files (checkpoint.c).  Not for use outside src/stream/.
 */
#ifndef SM_STREAM_INT_H
#define SM_STREAM_INT_H

#include "core/hashtable.h"
#include "exec/expr.h"
#include "store/store.h"
#include "stream/stream.h"

typedef enum sq_agg_kind {
    SQ_SUM,
    SQ_COUNT, /* count(x): non-null x */
    SQ_COUNT_STAR,
    SQ_MIN,
    SQ_MAX,
    SQ_AVG,
} sq_agg_kind_t;

typedef struct sq_agg {
    sq_agg_kind_t kind;
    sm_expr_t *arg;      /* NULL for count(*) */
    bool as_int;         /* accumulate in the int64 slot (integers, dates, timestamps) */
    sm_type_t *out_type; /* a reference */
} sq_agg_t;

typedef enum sq_out_kind {
    SQ_OUT_KEY,
    SQ_OUT_AGG,
    SQ_OUT_WINDOW, /* two columns: start, end */
    SQ_OUT_EXPR,   /* projections */
} sq_out_kind_t;

typedef struct sq_out {
    sq_out_kind_t kind;
    size_t idx;
} sq_out_t;

/* A compiled streaming query. */
typedef struct sm_squery {
    sm_expr_pool_t pool;
    sm_expr_t *where; /* NULL: none */
    bool aggregating;
    sm_expr_t **keys;
    size_t nkeys;
    sq_agg_t *aggs;
    size_t naggs;
    sm_expr_t **proj; /* projections (not aggregating) */
    size_t nproj;
    bool windowed;
    int64_t win_size_us, win_slide_us;
    int ts_col; /* event-time column of the source, or -1 */
    sq_out_t *outs;
    size_t nouts;
    sm_type_t *out_schema;   /* result columns */
    sm_type_t *state_schema; /* state file columns */
} sm_squery_t;

/* Compiles sql against a source; *out is NULL on failure (positions in the
 * message).  Free with sq_free. */
sm_err_t sq_compile(const char *sql, const sm_stream_source_t *src, sm_squery_t **out,
                    sm_error_t *e);
void sq_free(sm_squery_t *q);

/* ---- aggregation state ---------------------------------------------------- */

/* Keys and aggregates of one query, at most. */
#define SQ_MAX_ITEMS_STATE 256

typedef struct sq_acc {
    int64_t n; /* values seen (count; avg; min/max/sum "has a value") */
    int64_t i; /* integer sum / min / max */
    double d;  /* double sum / min / max */
} sq_acc_t;

typedef struct sq_group {
    int64_t win_start; /* microseconds; 0 when not windowed */
    int64_t updated;   /* last batch that changed it */
    sm_value_t *keys;  /* nkeys, strings point into the same block */
    sq_acc_t *acc;     /* naggs */
} sq_group_t;

typedef struct sq_state {
    const sm_squery_t *q;
    sm_ht_t *ht; /* encoded key -> index in groups */
    sq_group_t **groups;
    size_t n, cap;
    sm_buf_t kbuf;
    int64_t max_event_us; /* INT64_MIN: none seen */
} sq_state_t;

sm_err_t sq_state_init(sq_state_t *st, const sm_squery_t *q, sm_error_t *e);
void sq_state_free(sq_state_t *st);
void sq_state_clear(sq_state_t *st);

/* Folds the selected rows of an input batch into the state: keys and
 * arguments evaluated with ctx; ts (may be NULL when not windowed) holds
 * event times in microseconds per row.  Marks touched groups with batch. */
sm_err_t sq_state_update(sq_state_t *st, const sm_batch_t *in, const uint32_t *sel, size_t nsel,
                         const int64_t *ts, int64_t batch, sm_expr_ctx_t *ctx, sm_error_t *e);

/* Which groups to output. */
typedef enum sq_emit {
    SQ_EMIT_ALL,
    SQ_EMIT_UPDATED, /* updated == batch */
    SQ_EMIT_FINAL,   /* window end <= watermark_us */
} sq_emit_t;

/* Appends the chosen groups, sorted by window and keys, to a new batch of
 * the query's output schema (plus a _batch_id column when with_batch_id). */
sm_err_t sq_state_emit(const sq_state_t *st, sq_emit_t what, int64_t batch, int64_t watermark_us,
                       bool with_batch_id, sm_batch_t **out, sm_error_t *e);
/* Drops the groups whose window ended at or before watermark_us. */
sm_err_t sq_state_evict(sq_state_t *st, int64_t watermark_us, sm_error_t *e);

/* The state as rows of q->state_schema, and back. */
sm_err_t sq_state_to_batch(const sq_state_t *st, sm_batch_t **out, sm_error_t *e);
sm_err_t sq_state_add_rows(sq_state_t *st, const sm_batch_t *b, sm_error_t *e);

/* ---- checkpoint files ------------------------------------------------------ */

#define SQ_MAX_PARTITIONS 1024

typedef struct sq_range {
    int32_t partition;
    int64_t start, end; /* [start, end) */
} sq_range_t;

typedef struct sq_offsets {
    int64_t batch;
    sq_range_t *ranges;
    size_t n;
    int64_t watermark_us; /* used by the batch; INT64_MIN none */
    int64_t first;        /* sq_offsets_last: the lowest batch with an entry */
} sq_offsets_t;

/* <dir>/offsets/<batch>.json, put-if-absent (SM_ERR_EXISTS: another run
 * wrote it). */
sm_err_t sq_offsets_write(sm_store_t *st, const char *dir, const sq_offsets_t *o, sm_error_t *e);
/* The entry of batch `batch` (SM_ERR_NOT_FOUND when it is gone). */
sm_err_t sq_offsets_read(sm_store_t *st, const char *dir, int64_t batch, sq_offsets_t *o,
                         sm_error_t *e);
/* The entry of the highest batch (o->first: the lowest batch that has an
 * entry), or *found false.  mtimes (NULL when
 * not wanted) gets the modification times in ms of that entry and of the
 * one before it (-1 when absent): when the last two batches started. */
sm_err_t sq_offsets_last(sm_store_t *st, const char *dir, sq_offsets_t *o, bool *found,
                         int64_t mtimes[2], sm_error_t *e);
void sq_offsets_free(sq_offsets_t *o);

/* <dir>/state/<batch>.parquet with max_event_us in its metadata. */
sm_err_t sq_state_save(sm_store_t *st, const char *dir, int64_t batch, const sq_state_t *s,
                       sm_error_t *e);
sm_err_t sq_state_load(sm_store_t *st, const char *dir, int64_t batch, sq_state_t *s,
                       sm_error_t *e);

/* ---- latency.c: the whole run's end-to-end latency ---------------------- */

/* A fixed histogram of latencies in milliseconds: 0.1 ms buckets below
 * 1 s, 10 ms buckets below 100 s, one bucket above (its quantiles are
 * the largest latency seen: events replayed from long ago).  Constant memory
 * (about 160 KB) whatever the run's length; quantiles are exact to the
 * bucket (reported as its upper bound).  Owned by the stream; callers
 * hold the stream's mutex. */
#define SQ_LAT_FINE 10000  /* [0, 1000) ms by 0.1 ms */
#define SQ_LAT_COARSE 9900 /* [1000, 100000) ms by 10 ms */
#define SQ_LAT_BUCKETS (SQ_LAT_FINE + SQ_LAT_COARSE + 1)

typedef struct sq_latency {
    uint64_t n;
    double max_ms;
    uint64_t counts[SQ_LAT_BUCKETS];
} sq_latency_t;

/* Counts one latency (a negative one, from clock skew, counts as 0). */
void sq_latency_add(sq_latency_t *h, double ms);
/* The q-quantile (0 <= q <= 1) in ms; -1 when nothing was counted. */
double sq_latency_quantile(const sq_latency_t *h, double q);

#endif
