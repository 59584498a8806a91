/*
 * sql/dml_int — DELETE, UPDATE and MERGE INTO on Delta tables (dml.c,
 * dml_merge.c), copy-on-write as Delta Lake does it:
 *
 *   - the candidate files are those whose partition values and statistics
 *     do not rule out a matching row (sm_plan_prune_files);
 *   - each candidate is read on its own (a one-file view of the snapshot)
 *     once to count the rows the statement changes; a file with none is
 *     left alone, a file whose rows are all deleted is only removed, any
 *     other is rewritten (rows kept + rows changed) by streaming it through
 *     a plan into the Delta writer — memory is bounded by a batch, and for
 *     MERGE by the source, which is collected once (the hash-build side);
 *   - the removes of the replaced files and the adds of the new ones go in
 *     ONE commit on top of the version read (SM_DELTA_REWRITE), so a
 *     concurrent change of the table's data is a clean SM_ERR_CONFLICT;
 *     a statement that changes nothing commits nothing (version -1).
 *
 * Predicates are three-valued: a row where the condition is NULL is not
 * deleted / updated / matched.  Everything lives in the statement's query
 * context (sm_qctx_t); one thread.
 */
#ifndef SM_SQL_DML_INT_H
#define SM_SQL_DML_INT_H

#include <stdint.h>

#include "delta/write.h"
#include "sql/bind_int.h"

/* What a DML statement did. */
typedef struct sm_dml_result {
    int64_t version; /* committed version; -1: nothing changed, nothing committed */
    int64_t deleted, updated, inserted, copied;
    int64_t files_removed, files_added;
    const char *table; /* display name (query arena) */
} sm_dml_result_t;

/* The table a statement changes, at the version it reads. */
typedef struct sm_dml_target {
    sm_lake_table_t *lt;
    const sm_delta_snapshot_t *snap;
    const char *name;         /* display name */
    const char *qual, *qual2; /* the names its columns are qualified by */
} sm_dml_target_t;

/* The rewrite of a table being built: the writer (opened on the first
 * rows) and the files it replaces. */
typedef struct sm_dml_rewrite {
    sm_qctx_t *q;
    const sm_dml_target_t *t;
    sm_delta_write_t *w;
    sm_delta_file_t *removed; /* one slot per live file; path NULL: kept */
    size_t nremoved;
    const char *operation; /* "DELETE", "UPDATE", "MERGE" */
    char metrics[512];     /* operationMetrics, filled before the commit */
    const char *params;    /* operationParameters */
} sm_dml_rewrite_t;

/* Loads the target (latest snapshot); SM_ERR_NOT_FOUND at pos when the
 * table does not exist. */
sm_err_t sm_dml_target_load(sm_qctx_t *q, const sm_sql_name_t *n, const sm_sql_ident_t *alias,
                            sm_sql_pos_t pos, sm_dml_target_t *t, sm_error_t *e);
/* A scan node of the target: every file (fi SIZE_MAX) or only file fi of
 * the snapshot, its columns (new ids) added to sc. */
sm_err_t sm_dml_scan(binder_t *b, const sm_dml_target_t *t, size_t fi, sm_lp_t **out, scope_t *sc,
                     sm_error_t *e);
/* Indexes (in t->snap->files) of the files that may hold rows where pred
 * (AST, NULL: every file) is TRUE; *idx is a query-arena array. */
sm_err_t sm_dml_candidates(binder_t *b, const sm_dml_target_t *t, const sm_sql_expr_t *pred,
                           size_t **idx, size_t *n, sm_error_t *e);
/* Binds a condition (NULL AST: TRUE) in sc as "coalesce(cond, false)":
 * a non-null BOOLEAN. */
sm_err_t sm_dml_bind_cond(binder_t *b, scope_t *sc, const sm_sql_expr_t *a, const char *clause,
                          sm_expr_t **out, sm_error_t *e);
/* Binds value for table column col (cast to its type as INSERT does). */
sm_err_t sm_dml_bind_value(binder_t *b, scope_t *sc, const sm_sql_expr_t *a, const sm_field_t *col,
                           sm_expr_t **out, sm_error_t *e);
/* The index of column `name` of the target's schema (case-insensitive),
 * or SM_ERR_NOT_FOUND at pos. */
sm_err_t sm_dml_column(const sm_dml_target_t *t, const sm_sql_name_t *name, sm_sql_pos_t pos,
                       uint32_t *out, sm_error_t *e);
/* Runs op and counts its rows and the TRUE values of its BOOLEAN column
 * `col` (SIZE_MAX: none). */
sm_err_t sm_dml_count(sm_op_t *op, size_t col, int64_t *rows, int64_t *trues, sm_error_t *e);

void sm_dml_rewrite_init(sm_dml_rewrite_t *rw, sm_qctx_t *q, const sm_dml_target_t *t,
                         const char *operation);
/* Marks file fi of the snapshot as replaced. */
void sm_dml_rewrite_remove(sm_dml_rewrite_t *rw, size_t fi);
/* Runs op (rows of the table's schema) into the new files; *rows counts
 * them. */
sm_err_t sm_dml_rewrite_rows(sm_dml_rewrite_t *rw, sm_op_t *op, int64_t *rows, sm_error_t *e);
/* Commits (nothing when nothing was removed or written: r->version -1);
 * frees the writer whatever happens. */
sm_err_t sm_dml_rewrite_commit(sm_dml_rewrite_t *rw, sm_dml_result_t *r, sm_error_t *e);
void sm_dml_rewrite_abort(sm_dml_rewrite_t *rw);
/* operationParameters {"predicate": "<sql>"} (plus extra JSON members,
 * NULL: none) as a query-arena string. */
const char *sm_dml_params(sm_qctx_t *q, const sm_sql_expr_t *pred, const char *extra);

sm_err_t sm_dml_delete(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e);
sm_err_t sm_dml_update(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e);
sm_err_t sm_dml_merge(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e);

#endif
