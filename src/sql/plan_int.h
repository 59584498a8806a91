/*
 * sql/plan_int — the logical plan shared by the binder (bind*.c), the
 * planner (plan*.c) and the query entry point (query.c).  Private to sql/.
 *
 * The binder turns a statement's syntax tree into a tree of logical nodes
 * (sm_lp_t).  Every column a node produces has a query-wide column id
 * (cid).  Bound expressions (exec/expr.h) refer to columns by cid: the
 * COLUMN nodes' u.col.index holds a cid until the planner maps it, in
 * place, to the position of that column in the physical operator's input.
 * Hence the rule the binder keeps: an expression tree belongs to exactly
 * one logical node, and each logical node is planned exactly once (a CTE
 * referenced twice is bound twice).
 *
 * Ownership: everything (nodes, arrays, names) lives in the query's arena
 * (sm_qctx_t.arena); types are held by references listed in the context;
 * expression nodes live in the context's expression pool; snapshots and
 * resolved tables are owned by the context.  Threads: one thread.
 */
#ifndef SM_SQL_PLAN_INT_H
#define SM_SQL_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "exec/expr.h"
#include "exec/op_scan.h"
#include "exec/operator.h"
#include "lake/lake.h"
#include "connect/files.h"
#include "sql/ast.h"

#define SM_CID_NONE UINT32_MAX

typedef struct sm_lcol {
    uint32_t cid;
    const char *name;
    sm_type_t *type; /* held by the context */
    bool nullable;
} sm_lcol_t;

typedef enum sm_lp_kind {
    SM_LP_SCAN,     /* a Delta table or read_parquet files */
    SM_LP_VALUES,   /* in-memory batches */
    SM_LP_FILTER,   /* pred */
    SM_LP_PROJECT,  /* exprs[ncols] */
    SM_LP_JOIN,     /* join */
    SM_LP_AGG,      /* agg: keys then aggregates */
    SM_LP_WINDOW,   /* win: child columns then one function */
    SM_LP_SORT,     /* sort (+ limit: top-N) */
    SM_LP_LIMIT,    /* limit */
    SM_LP_DISTINCT, /* every column */
    SM_LP_UNION,    /* UNION ALL of in[0], in[1] */
    SM_LP_SETOP,    /* INTERSECT / EXCEPT */
    SM_LP_FILE,     /* a CSV / JSON file (read_csv, read_json): file */
} sm_lp_kind_t;

typedef struct sm_lagg {
    sm_agg_kind_t kind;
    sm_expr_t *arg;    /* NULL for count(*) */
    sm_expr_t *filter; /* NULL: none */
    bool distinct, ignore_nulls;
    double pct;
} sm_lagg_t;

typedef struct sm_lsort {
    sm_expr_t *x;
    bool desc, nulls_first;
} sm_lsort_t;

typedef struct sm_lp sm_lp_t;
struct sm_lp {
    sm_lp_kind_t kind;
    sm_lp_t *in[2];
    sm_lcol_t *cols;
    size_t ncols;
    union {
        struct {
            sm_store_t *store;
            const sm_delta_snapshot_t *snap; /* NULL: files */
            sm_scan_files_t *files;          /* read_parquet (taken at plan time) */
            sm_type_t *tschema;              /* the table's schema */
            uint32_t *tcol;                  /* table column of each output column */
            sm_scan_pred_t *preds;           /* pushed down (planner) */
            size_t npreds;
            const char *label; /* table name for EXPLAIN */
        } scan;
        struct {
            sm_batch_t **b;
            size_t nb;
            sm_type_t *schema;
        } values;
        struct {
            sm_store_t *store; /* held by the context */
            const char *key;
            int format; /* sm_file_format_t */
            bool no_header;
            char delimiter;    /* 0: the default */
            sm_type_t *schema; /* inferred at bind time (held by the context) */
            const char *label;
        } file;
        sm_expr_t *pred;
        sm_expr_t **exprs;
        struct {
            sm_join_type_t type;
            sm_expr_t **lk, **rk;
            size_t nk;
            sm_expr_t *resid;
        } join;
        struct {
            sm_expr_t **keys;
            size_t nkeys;
            sm_lagg_t *aggs;
            size_t naggs;
        } agg;
        struct {
            sm_expr_t **part;
            size_t npart;
            sm_lsort_t *order;
            size_t norder;
            sm_win_fn_t fn;
            sm_expr_t *arg, *deflt;
        } win;
        struct {
            sm_lsort_t *keys;
            size_t nkeys;
            uint64_t limit, offset; /* limit SM_LIMIT_NONE: a plain sort */
        } sort;
        struct {
            uint64_t limit, offset;
        } limit;
        struct {
            sm_setop_kind_t kind;
            bool all;
        } setop;
    } u;
};

/* What the physical plan remembers of each operator, for EXPLAIN. */
typedef struct sm_xnode sm_xnode_t;
struct sm_xnode {
    const char *text; /* "HashJoin INNER keys=[...]" */
    double est;
    sm_op_t *op; /* borrowed: the operator it describes */
    sm_xnode_t **kids;
    size_t nkids;
};

/* The state of one statement: binder + planner + run. */
typedef struct sm_qctx {
    sm_arena_t arena;
    sm_expr_pool_t pool;
    sm_lake_t *lake;
    sm_exec_ctx_t exec;
    sm_budget_t budget;
    sm_expr_ctx_t ectx; /* constant folding, scalar subqueries */
    int64_t now_us;
    uint32_t next_cid;
    sm_type_t **types; /* references to release */
    size_t ntypes, captypes;
    sm_delta_snapshot_t **snaps;
    size_t nsnaps, capsnaps;
    sm_lake_table_t **tables;
    size_t ntables, captables;
    sm_store_t **stores; /* stores opened for read_parquet */
    size_t nstores, capstores;
    sm_vector_t **vecs; /* literal vectors of pushed-down predicates */
    size_t nvecs, capvecs;
    struct sm_qctx_cleanup {
        void (*fn)(void *);
        void *arg;
    } * cleanups; /* run in reverse order when the context is freed */
    size_t ncleanups, capcleanups;
    const char *sql; /* the statement's text (messages) */
    bool dry_run;    /* DML: bind and plan (on the first file), run and commit nothing */
} sm_qctx_t;

/* ---- context (query.c) ---- */
sm_type_t *sm_qctx_keep_type(sm_qctx_t *q, sm_type_t *t); /* takes over t; NULL on NOMEM */
sm_err_t sm_qctx_keep_snap(sm_qctx_t *q, sm_delta_snapshot_t *s, sm_error_t *e);
sm_err_t sm_qctx_keep_table(sm_qctx_t *q, sm_lake_table_t *t, sm_error_t *e);
sm_err_t sm_qctx_keep_store(sm_qctx_t *q, sm_store_t *s, sm_error_t *e);
sm_err_t sm_qctx_keep_vec(sm_qctx_t *q, sm_vector_t *v, sm_error_t *e);
void *sm_qctx_alloc(sm_qctx_t *q, size_t n); /* zeroed; NULL on NOMEM */
/* Calls fn(arg) when the context is freed (fn is called at once if this
 * fails with SM_ERR_NOMEM). */
sm_err_t sm_qctx_on_free(sm_qctx_t *q, void (*fn)(void *), void *arg, sm_error_t *e);
char *sm_qctx_strdup(sm_qctx_t *q, const char *s);
/* Resolves a table name in the lake and loads its latest snapshot, both
 * kept by the context; *snap NULL (and SM_OK) when the table does not
 * exist yet. */
sm_err_t sm_qctx_load_table(sm_qctx_t *q, const sm_sql_name_t *n, sm_lake_table_t **lt,
                            sm_delta_snapshot_t **snap, sm_error_t *e);

/* ---- binder (bind.c) ---- */
/* Binds a query (SELECT, VALUES, set operations, WITH ...) into *out. */
sm_err_t sm_bind_query(sm_qctx_t *q, const sm_sql_query_t *query, sm_lp_t **out, sm_error_t *e);

/* ---- planner (plan.c) ---- */
/* Plans a logical tree into operators producing exactly root's columns in
 * order.  *xout (may be NULL) receives the EXPLAIN tree. */
sm_err_t sm_plan_build(sm_qctx_t *q, sm_lp_t *root, sm_op_t **out, sm_xnode_t **xout,
                       sm_error_t *e);
/* The files of a snapshot scan node that may hold rows where pred (bound
 * on the scan's columns, NULL: none) is TRUE, by partition values and
 * statistics (DML: the files to rewrite).  *out is filled (free with
 * sm_scan_files_free).  The scan keeps no pushed predicates. */
sm_err_t sm_plan_prune_files(sm_qctx_t *q, sm_lp_t *scan, sm_expr_t *pred, sm_scan_files_t *out,
                             sm_error_t *e);
/* The output schema of a logical node (a new reference). */
sm_type_t *sm_plan_schema(const sm_lp_t *lp);
/* EXPLAIN text of a plan tree: with stats when analyzed. */
sm_err_t sm_plan_explain(const sm_xnode_t *x, bool analyzed, sm_buf_t *out, sm_error_t *e);

/* ---- operators evaluating expressions (plan_ops.c) ---- */
/* Rows of child where pred is TRUE.  pred's columns are child positions. */
sm_err_t sm_op_filter_new(sm_qctx_t *q, sm_op_t *child, sm_expr_t *pred, sm_op_t **out,
                          sm_error_t *e);
/* n computed columns (names[i]).  exprs' columns are child positions. */
sm_err_t sm_op_project_new(sm_qctx_t *q, sm_op_t *child, sm_expr_t **exprs, const char **names,
                           size_t n, sm_op_t **out, sm_error_t *e);
/* A join residual predicate as an sm_join_filter_fn + arg (arg lives in
 * the query arena; its evaluation contexts are released by
 * sm_join_pred_free). */
typedef struct sm_join_pred sm_join_pred_t;
sm_err_t sm_join_pred_new(sm_qctx_t *q, sm_expr_t *pred, sm_join_pred_t **out, sm_error_t *e);
sm_err_t sm_join_pred_eval(void *arg, const sm_batch_t *pairs, unsigned worker, uint32_t *sel,
                           size_t *nsel, sm_error_t *e);

/* Runs an operator tree to completion into one batch (*out owned by the
 * caller). */
sm_err_t sm_plan_collect(sm_op_t *op, sm_batch_t **out, sm_error_t *e);

/* ---- pipelining a sink (plan_feed.c) ---- */
/* Takes over batch b (frees it, also on failure). */
typedef sm_err_t (*sm_plan_sink_fn)(void *arg, sm_batch_t *b, sm_error_t *e);
/* Pulls every batch of op (opened by the caller, who closes it afterwards)
 * and hands the non-empty ones, in order, to sink on the calling thread.
 * With a pool, a pool task pulls the tree while the sink works on earlier
 * batches (at most a few batches wait between them); when no pool thread
 * has started that task by the time the sink needs a batch, the calling
 * thread pulls the rest itself.  Returns the tree's error or the sink's
 * (which stops the pulling), SM_ERR_NOMEM. */
sm_err_t sm_plan_feed(sm_pool_t *pool, sm_op_t *op, sm_plan_sink_fn sink, void *arg, sm_error_t *e);

#endif
