/*
 * exec/operator — the vectorized physical operators of the SQL executor.
 *
 * An operator is a small C vtable with a fixed lifecycle (PostgreSQL's
 * ExecInit/ExecProcNode/ExecEnd, DuckDB's physical operators):
 *
 *     sm_op_open(op)            prepares run-time state (opens children)
 *     sm_op_next(op, &batch)    SM_OK and a batch, or SM_OK and NULL at end
 *     sm_op_close(op)           releases run-time state (closes children)
 *     sm_op_free(op)            closes if needed, frees op and its children
 *
 * Operators pull batches from their children (the pull model).  They do not
 * evaluate expressions: the planner inserts a projection that computes key,
 * argument and FILTER-mask columns before an aggregate, join, sort or
 * window, and every operator here names its inputs by column index.
 *
 * Ownership: an operator owns its children (constructors take them over,
 * also when they fail) and holds a reference to its output schema.  A batch
 * returned by sm_op_next belongs to the caller, who frees it with
 * sm_batch_free; it may borrow buffers from the operator that produced it
 * (or from that operator's children), which stay valid until that operator
 * is closed.  The execution context (sm_exec_ctx_t: memory budget, thread
 * pool, temp dir, ANSI flag) is borrowed and must outlive every operator
 * that uses it.
 *
 * Memory: operators that buffer rows (aggregate, join build, sort, window,
 * set operations) reserve what they hold from the query's sm_budget_t.  When
 * a reservation fails they spill to temp files (exec/spill.h): hash
 * aggregate and hash join partition by hash (hybrid hash aggregation, grace
 * hash join), sort writes sorted runs and merges them, window buffers a
 * partition on disk.  Documented limits: nested-loop joins (no keys) and
 * intersect/except keep their build side in memory.
 *
 * Stats: each operator counts rows and batches it returned, the time spent
 * in its next() (including its children: the EXPLAIN ANALYZE convention),
 * current and peak memory it reserved and bytes it spilled.
 *
 * Threads: each operator is driven by one thread at a time (not always the
 * same one: a caller may open a tree on one thread and pull it on another,
 * one after the other).  Operators may use the context's pool internally
 * (hash aggregate partitions, the aggregates of a keyless aggregate, hash
 * join probe; a hash join opens and reads its build side on the pool while
 * its probe side opens, so two subtrees may be driven at once); callbacks
 * they call from pool workers say so.
 */
#ifndef SM_EXEC_OPERATOR_H
#define SM_EXEC_OPERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/types.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"

/* ---- memory budget ------------------------------------------------------ */

/* Bytes a query's operators may hold at once (setting `memory.budget`).
 * Reservations are atomic: operators running on pool workers share it. */
typedef struct sm_budget {
    size_t limit; /* 0 = unlimited */
    size_t used;  /* accessed atomically */
    size_t peak;  /* accessed atomically */
} sm_budget_t;

void sm_budget_init(sm_budget_t *b, size_t limit);
/* Reserves n bytes if they fit under the limit and returns true; returns
 * false (reserving nothing) otherwise.  b == NULL always succeeds. */
bool sm_budget_try_reserve(sm_budget_t *b, size_t n);
/* Reserves n bytes even past the limit (memory an operator cannot avoid). */
void sm_budget_force_reserve(sm_budget_t *b, size_t n);
void sm_budget_release(sm_budget_t *b, size_t n);
size_t sm_budget_used(const sm_budget_t *b);

/* ---- execution context -------------------------------------------------- */

typedef struct sm_exec_ctx {
    sm_budget_t *budget; /* NULL: unlimited */
    sm_pool_t *pool;     /* NULL: everything on the calling thread */
    const char *tmpdir;  /* spill directory; NULL: $TMPDIR, else /tmp */
    bool ansi;           /* Spark ANSI mode: overflow is an error, not NULL */
} sm_exec_ctx_t;

/* ---- the operator interface -------------------------------------------- */

typedef struct sm_op_stats {
    uint64_t rows_out;
    uint64_t batches_out;
    int64_t time_ns;      /* inside open + next, children included */
    size_t mem_cur;       /* bytes reserved now (atomic) */
    size_t mem_peak;      /* most bytes reserved at once (atomic) */
    uint64_t spill_bytes; /* bytes written to spill files */
    uint64_t spill_files;
} sm_op_stats_t;

typedef struct sm_op sm_op_t;

typedef struct sm_op_vtable {
    const char *name; /* "HashAggregate", "Sort", ... */
    sm_err_t (*open)(sm_op_t *op, sm_error_t *e);
    sm_err_t (*next)(sm_op_t *op, sm_batch_t **out, sm_error_t *e);
    /* Releases run-time state; must be safe after a failed open/next. */
    void (*close)(sm_op_t *op);
    /* Frees the operator's parameters (after close).  May be NULL. */
    void (*destroy)(sm_op_t *op);
} sm_op_vtable_t;

struct sm_op {
    const sm_op_vtable_t *vt;
    sm_type_t *schema;  /* output schema (STRUCT), a reference */
    sm_op_t **children; /* owned */
    size_t nchildren;
    const sm_exec_ctx_t *ctx; /* borrowed */
    sm_op_stats_t stats;
    int phase;  /* 0 new, 1 open, 2 closed */
    void *impl; /* the operator's own state */
};

/* Base constructor for operator implementations: an operator with vtable
 * vt, output schema (a new reference is taken), taking over nchildren
 * children (freed also on failure) and impl (freed with vt->destroy on
 * failure, if non-NULL).  SM_ERR_NOMEM. */
sm_err_t sm_op_make(const sm_op_vtable_t *vt, const sm_exec_ctx_t *ctx, sm_type_t *schema,
                    sm_op_t **children, size_t nchildren, void *impl, sm_op_t **out, sm_error_t *e);

/* Opens op (and, through it, its children).  On failure the operator is
 * closed again and may only be freed. */
sm_err_t sm_op_open(sm_op_t *op, sm_error_t *e);
/* The next batch (owned by the caller) in *out, or NULL at the end.  On
 * failure *out is NULL; the caller closes or frees the tree. */
sm_err_t sm_op_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e);
/* Releases run-time state (spill files, buffered rows, memory reservations)
 * of op and its children.  Idempotent. */
void sm_op_close(sm_op_t *op);
/* Closes and frees op and its children.  NULL ok. */
void sm_op_free(sm_op_t *op);

/* Memory accounting for implementations: reserves n bytes of op's budget
 * (false when it does not fit: time to spill), or forcibly; release. */
bool sm_op_mem_try(sm_op_t *op, size_t n);
void sm_op_mem_force(sm_op_t *op, size_t n);
void sm_op_mem_release(sm_op_t *op, size_t n);

/* EXPLAIN ANALYZE: the tree as indented lines
 *   "HashAggregate rows=1000 batches=1 time=12.3ms peak_mem=64KiB spilled=0B"
 * appended to out.  SM_ERR_NOMEM / SM_ERR_LIMIT from the buffer. */
sm_err_t sm_op_explain(const sm_op_t *op, sm_buf_t *out, sm_error_t *e);

/* Test and tool helper: opens op, pulls every batch and concatenates them
 * into one compact batch (*out, owned by the caller; an empty batch when
 * there were no rows), then closes op. */
sm_err_t sm_op_collect(sm_op_t *op, sm_batch_t **out, sm_error_t *e);

/* ---- sources ------------------------------------------------------------ */

/* A source driven by callbacks (a Parquet/Delta scan built by the planner).
 * next returns SM_OK with *out NULL at the end; batches it returns belong to
 * the operator's consumer.  open and close may be NULL; free_arg (may be
 * NULL) releases arg when the operator is freed (also on failure of the
 * constructor). */
typedef struct sm_source_cb {
    void *arg;
    sm_err_t (*open)(void *arg, sm_error_t *e);
    sm_err_t (*next)(void *arg, sm_batch_t **out, sm_error_t *e);
    void (*close)(void *arg);
    void (*free_arg)(void *arg);
} sm_source_cb_t;

sm_err_t sm_op_source_new(const sm_exec_ctx_t *ctx, sm_type_t *schema, const sm_source_cb_t *cb,
                          sm_op_t **out, sm_error_t *e);

/* A source over an in-memory list of batches (tests, VALUES, materialized
 * CTEs).  Takes over the n batches (all of schema `schema`; freed also on
 * failure).  Returns zero-copy views of them, so it may be opened again
 * after close; empty batches are skipped. */
sm_err_t sm_op_values_new(const sm_exec_ctx_t *ctx, sm_type_t *schema, sm_batch_t **batches,
                          size_t n, sm_op_t **out, sm_error_t *e);

/* ---- limit, union ------------------------------------------------------ */

#define SM_LIMIT_NONE UINT64_MAX

/* Skips `offset` rows, then returns at most `limit` rows (SM_LIMIT_NONE:
 * all); stops pulling from the child once the limit is reached. */
sm_err_t sm_op_limit_new(const sm_exec_ctx_t *ctx, sm_op_t *child, uint64_t limit, uint64_t offset,
                         sm_op_t **out, sm_error_t *e);

/* UNION ALL of n children with equal column types (names from the first);
 * children are read one after the other.  SM_ERR_INVALID on a mismatch. */
sm_err_t sm_op_union_all_new(const sm_exec_ctx_t *ctx, sm_op_t **children, size_t n, sm_op_t **out,
                             sm_error_t *e);

/* ---- sort --------------------------------------------------------------- */

/* One ORDER BY key: strings and binary compare by unsigned bytes, floats
 * with NaN above everything and -0.0 == 0.0, booleans false < true. */
typedef struct sm_sort_key {
    uint32_t col;
    bool desc;
    bool nulls_first;
} sm_sort_key_t;

/* Spark's default null placement: NULLS FIRST for ASC, NULLS LAST for DESC. */
static inline sm_sort_key_t sm_sort_key_default(uint32_t col, bool desc)
{
    sm_sort_key_t k = {col, desc, !desc};
    return k;
}

/* A stable multi-key sort of the child's rows, spilling sorted runs to disk
 * when the budget is exceeded (external merge sort).  Keys may be of any
 * kind except MAP.  nkeys may be 0 (keeps the input order). */
sm_err_t sm_op_sort_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const sm_sort_key_t *keys,
                        size_t nkeys, sm_op_t **out, sm_error_t *e);

/* ORDER BY ... LIMIT limit OFFSET offset with a bounded heap of
 * limit + offset rows (stable: among equal keys, earlier rows win). */
sm_err_t sm_op_topn_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const sm_sort_key_t *keys,
                        size_t nkeys, uint64_t limit, uint64_t offset, sm_op_t **out,
                        sm_error_t *e);

/* ---- hash aggregate ------------------------------------------------------ */

typedef enum sm_agg_kind {
    SM_AGG_COUNT_STAR, /* count(*): bigint */
    SM_AGG_COUNT,      /* count(x): non-NULL rows, bigint */
    SM_AGG_SUM,        /* int kinds -> bigint; decimal(p,s) -> decimal(min(38,p+10),s);
                          float/double -> double */
    SM_AGG_AVG,        /* -> double; decimal(p,s) -> decimal(min(38,p+4), min(38,s+4)) */
    SM_AGG_MIN,
    SM_AGG_MAX,
    SM_AGG_STDDEV_SAMP, /* stddev, std: NULL for fewer than 2 rows */
    SM_AGG_STDDEV_POP,
    SM_AGG_VAR_SAMP, /* variance */
    SM_AGG_VAR_POP,
    SM_AGG_PERCENTILE_APPROX, /* exact: the value at rank max(1, ceil(p * n)) */
    SM_AGG_FIRST,
    SM_AGG_LAST,
    SM_AGG_COLLECT_LIST, /* array<T> of the non-NULL values, input order */
    SM_AGG__COUNT
} sm_agg_kind_t;

typedef struct sm_agg_spec {
    sm_agg_kind_t kind;
    int32_t arg;       /* input column; -1 for count(*) */
    int32_t filter;    /* BOOL mask column (FILTER (WHERE ...)): a row counts
                          when it is TRUE; -1 = none */
    bool distinct;     /* aggregate distinct non-NULL values only */
    bool ignore_nulls; /* first/last: skip NULLs (first(x, true)) */
    double percentile; /* percentile_approx: 0..1 */
    int32_t accuracy;  /* percentile_approx: > 0 (default 10000); unused by
                          the exact method */
    const char *name;  /* output column name (copied); NULL: the kind's name */
} sm_agg_spec_t;

/* The result type of an aggregate over an argument of type arg (NULL for
 * count(*)).  A new reference in *out.  SM_ERR_INVALID for an argument
 * type the aggregate does not take (sum of strings, min of a map). */
sm_err_t sm_agg_result_type(sm_agg_kind_t kind, const sm_type_t *arg, sm_type_t **out,
                            sm_error_t *e);

/* GROUP BY keys[0..nkeys) with aggregates aggs[0..naggs).  Output: the key
 * columns, then one column per aggregate.  With nkeys == 0 the result is one
 * row even for empty input.  NULL keys form one group.  Groups come out in
 * no particular order.  The work is split by key hash over the context's
 * pool (each worker owns the groups of its partitions: no merge step), and
 * groups that do not fit the budget spill to disk by hash (hybrid hash
 * aggregation, repartitioned recursively).  Errors: SM_ERR_OVERFLOW from
 * sum in ANSI mode ("sum overflows bigint in group ..."). */
sm_err_t sm_op_hash_agg_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const uint32_t *keys,
                            size_t nkeys, const sm_agg_spec_t *aggs, size_t naggs, sm_op_t **out,
                            sm_error_t *e);

/* SELECT DISTINCT: a hash aggregate grouping by every column. */
sm_err_t sm_op_distinct_new(const sm_exec_ctx_t *ctx, sm_op_t *child, sm_op_t **out, sm_error_t *e);

/* INTERSECT / EXCEPT of two inputs with equal column types (rows compare
 * NULL-safe, as in Spark).  all = false: distinct rows (INTERSECT,
 * EXCEPT); all = true: INTERSECT ALL (min of the counts) and EXCEPT ALL
 * (left count minus right count).  The right side is held in memory. */
typedef enum sm_setop_kind { SM_SETOP_INTERSECT, SM_SETOP_EXCEPT } sm_setop_kind_t;
sm_err_t sm_op_setop_new(const sm_exec_ctx_t *ctx, sm_setop_kind_t kind, bool all, sm_op_t *left,
                         sm_op_t *right, sm_op_t **out, sm_error_t *e);

/* ---- hash join ----------------------------------------------------------- */

typedef enum sm_join_type {
    SM_JOIN_INNER,
    SM_JOIN_LEFT,
    SM_JOIN_RIGHT,
    SM_JOIN_FULL,
    SM_JOIN_SEMI, /* LEFT SEMI: left rows with a match, left columns only */
    SM_JOIN_ANTI, /* LEFT ANTI: left rows without a match */
    SM_JOIN_CROSS,
} sm_join_type_t;

/* The residual predicate of a join (ON a.k = b.k AND <residual>).  pairs
 * holds candidate pairs (the left columns, then the right columns: the
 * join's full output layout, also for SEMI/ANTI); the callback writes the
 * indexes of the pairs that pass (strictly increasing) to sel (room for
 * pairs->nrows) and their count to *nsel.  It may be called from pool
 * workers at the same time: `worker` (< sm_pool_slots(pool), 0 without a
 * pool) lets it keep one evaluation context per worker. */
typedef sm_err_t (*sm_join_filter_fn)(void *arg, const sm_batch_t *pairs, unsigned worker,
                                      uint32_t *sel, size_t *nsel, sm_error_t *e);

typedef struct sm_join_spec {
    sm_join_type_t type;
    const uint32_t *left_keys; /* nkeys columns of the left input */
    const uint32_t *right_keys;
    size_t nkeys;             /* 0: nested loop (CROSS, or a non-equi join) */
    bool build_left;          /* hash the left input, stream the right */
    sm_join_filter_fn filter; /* NULL: no residual predicate */
    void *filter_arg;
    /* NULL: every column comes out.  Else one flag per column of the full
     * layout (left columns, then right): only flagged columns come out, in
     * that order (at least one must be); the others are not copied when
     * there is no filter (the filter still sees the full layout).  Ignored
     * for SEMI and ANTI. */
    const uint8_t *keep;
} sm_join_spec_t;

/* An equi-join with SQL equality (NULL keys never match; key column types
 * must be equal).  Output: left columns then right columns (SEMI, ANTI:
 * left only; spec->keep may drop some), columns of the side that may be NULL-extended nullable;
 * batches of at most SM_BATCH_ROWS rows.  The build side is held in a hash
 * table; when it outgrows the budget both sides are partitioned to disk by
 * key hash and joined partition by partition (grace hash join).  The probe
 * side is processed in parallel over the context's pool. */
sm_err_t sm_op_hash_join_new(const sm_exec_ctx_t *ctx, sm_op_t *left, sm_op_t *right,
                             const sm_join_spec_t *spec, sm_op_t **out, sm_error_t *e);

/* ---- window ------------------------------------------------------------- */

typedef enum sm_win_kind {
    SM_WIN_ROW_NUMBER, /* int */
    SM_WIN_RANK,       /* int */
    SM_WIN_DENSE_RANK, /* int */
    SM_WIN_NTILE,      /* int; n buckets, the first (rows mod n) get one extra */
    SM_WIN_LAG,        /* arg's type; offset n, default column or NULL */
    SM_WIN_LEAD,
    SM_WIN_FIRST_VALUE, /* over the frame */
    SM_WIN_LAST_VALUE,
    SM_WIN_SUM, /* over the frame, types as the aggregates */
    SM_WIN_COUNT,
    SM_WIN_COUNT_STAR,
    SM_WIN_AVG,
    SM_WIN_MIN,
    SM_WIN_MAX,
} sm_win_kind_t;

typedef enum sm_bound_kind {
    SM_BOUND_UNBOUNDED_PRECEDING,
    SM_BOUND_PRECEDING, /* n PRECEDING */
    SM_BOUND_CURRENT_ROW,
    SM_BOUND_FOLLOWING, /* n FOLLOWING */
    SM_BOUND_UNBOUNDED_FOLLOWING,
} sm_bound_kind_t;

typedef struct sm_win_frame {
    bool is_default; /* Spark's default: RANGE UNBOUNDED PRECEDING TO CURRENT
                        ROW with ORDER BY, the whole partition without */
    bool rows;       /* ROWS (else RANGE: only UNBOUNDED and CURRENT ROW
                        bounds; CURRENT ROW spans its peers) */
    sm_bound_kind_t start, end;
    int64_t start_n, end_n; /* for n PRECEDING / n FOLLOWING (>= 0) */
} sm_win_frame_t;

typedef struct sm_win_fn {
    sm_win_kind_t kind;
    int32_t arg;         /* argument column; -1 for ranking and count(*) */
    int64_t n;           /* ntile buckets (> 0); lag/lead offset (default 1) */
    int32_t default_col; /* lag/lead default value column; -1: NULL */
    bool ignore_nulls;   /* first_value/last_value IGNORE NULLS */
    sm_win_frame_t frame;
    const char *name; /* output column name (copied) */
} sm_win_fn_t;

/* Window functions over one window (PARTITION BY part ORDER BY order).
 * Output: the child's columns (sorted by partition and order keys), then
 * one column per function.  The rows are sorted with sm_op_sort (spilling)
 * and each partition is buffered, on disk when it outgrows the budget.
 * Ranking functions are computed while rows stream out; frame functions
 * keep their argument values for one partition in memory. */
sm_err_t sm_op_window_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const uint32_t *part,
                          size_t npart, const sm_sort_key_t *order, size_t norder,
                          const sm_win_fn_t *fns, size_t nfns, sm_op_t **out, sm_error_t *e);

#endif
