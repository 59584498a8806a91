/*
 * sql/query — the entry point that runs SQL text against a lake: parse,
 * bind (names, types), plan (operators) and execute.  Used by `smelt sql`,
 * the web console and `smelt run` (models).
 *
 * Statements:
 *   SELECT / VALUES / WITH ... / set operations      rows
 *   EXPLAIN [ANALYZE] <query>                         one row per plan line
 *                                                     (column "plan")
 *   SHOW TABLES [IN layer] [LIKE 'pat*']              namespace, tableName
 *   DESCRIBE t                                        col_name, data_type, comment
 *   CREATE [OR REPLACE] TABLE t [PARTITIONED BY (..)] AS <query>
 *   CREATE TABLE [IF NOT EXISTS] t (col type, ...)   an empty table
 *   INSERT INTO t <query> / INSERT OVERWRITE t <query>   by position
 *   DELETE FROM t [WHERE c]                           num_affected_rows
 *   UPDATE t SET c = e, ... [WHERE c]                 num_affected_rows
 *   MERGE INTO t USING s ON c WHEN ...                num_affected_rows,
 *                 num_updated_rows, num_deleted_rows, num_inserted_rows
 * (DML rewrites the touched files in one Delta commit: sql/dml_int.h;
 * res.version is -1 when nothing changed and nothing was committed).
 * In read-only
 * mode (opts.read_only: the web console) everything but queries, EXPLAIN,
 * SHOW and DESCRIBE is refused before anything runs.
 *
 * Errors are one line naming the place: "line 3, column 14: unknown column
 * "contry" (did you mean "country"?)".
 *
 * Ownership: results (sm_query_result_t) own their schema reference and
 * batches: sm_query_result_free.  A planned query (sm_query_t) owns its
 * operator tree, snapshots and expression memory: sm_query_free.  The lake
 * and the pool in opts are borrowed and must outlive the call / query.
 * Threads: one query is driven by one thread; its operators may use
 * opts.pool; several queries may run at once on different threads.
 */
#ifndef SM_SQL_QUERY_H
#define SM_SQL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "exec/operator.h"
#include "lake/lake.h"

typedef struct sm_query_opts {
    bool read_only;      /* refuse anything but queries */
    bool legacy_arith;   /* Spark's non-ANSI mode (overflow wraps, x/0 is NULL) */
    sm_pool_t *pool;     /* NULL: everything on the calling thread */
    size_t memory_limit; /* operator memory budget in bytes; 0: unlimited */
    /* A budget shared with other queries running at once (the jobs of
     * `smelt run`), borrowed: it must outlive the query; memory_limit is
     * then ignored.  NULL: the query has a budget of memory_limit alone. */
    sm_budget_t *budget;
    const char *tmpdir; /* spill files; NULL: $TMPDIR or /tmp */
    int64_t now_us;     /* current_timestamp(); 0: the clock */
    uint64_t max_rows;  /* collect mode: stop with SM_ERR_LIMIT beyond; 0: none */
} sm_query_opts_t;

/* Receives each result batch (borrowed: valid during the call).  A
 * non-zero return stops the query with that error. */
typedef sm_err_t (*sm_query_batch_fn)(void *arg, const sm_batch_t *batch, sm_error_t *e);

typedef struct sm_query_result {
    sm_type_t *schema;    /* result columns; NULL for statements without rows */
    sm_batch_t **batches; /* collect mode (on_batch NULL) */
    size_t nbatches;
    uint64_t rows;     /* rows returned, or written by CREATE / INSERT */
    int64_t version;   /* writes: the committed Delta version; else -1 */
    char message[256]; /* writes: "inserted 12 rows into gold.t (version 3)" */
} sm_query_result_t;

/* Runs every statement of `sql` (separated by ';') in order; the result is
 * that of the last statement: its batches go to on_batch (when not NULL)
 * or are collected into res.  opts may be NULL (defaults).  lake may be
 * NULL for queries that name no table.  On failure res holds nothing (it
 * is reset) and e names the statement's problem. */
sm_err_t sm_query_run(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                      sm_query_batch_fn on_batch, void *arg, sm_query_result_t *res, sm_error_t *e);

/* Checks every statement of `sql` without running it: parses, binds and
 * plans queries (and those of CREATE ... AS, INSERT, EXPLAIN), and binds
 * and plans DELETE / UPDATE / MERGE on the first file of their table (a
 * MERGE source query does run, to be collected).  Nothing is written.
 * Tables named must exist for their statement to be checked.  For editors
 * and the binder's fuzz target; SM_OK or the first statement's error. */
sm_err_t sm_query_check(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                        sm_error_t *e);

/* Frees the batches and schema of a result (res itself is the caller's);
 * safe on a zeroed or already freed result. */
void sm_query_result_free(sm_query_result_t *res);

/* ---- streaming: plan one query, pull its operator ------------------------ */

typedef struct sm_query sm_query_t;

/* Plans a single SELECT / VALUES / WITH query (no other statement).  The
 * root operator is not opened yet. */
sm_err_t sm_query_plan(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                       sm_query_t **out, sm_error_t *e);
/* The root operator (owned by q: open, next, close it; do not free). */
sm_op_t *sm_query_root(sm_query_t *q);
/* The result schema (borrowed from q). */
sm_type_t *sm_query_schema(const sm_query_t *q);
/* EXPLAIN text of the plan; with per-operator stats when analyzed (after
 * the root was run). */
sm_err_t sm_query_explain(const sm_query_t *q, bool analyzed, sm_buf_t *out, sm_error_t *e);
/* Frees the operators and everything the query holds.  NULL ok. */
void sm_query_free(sm_query_t *q);

#endif
