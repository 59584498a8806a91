/*
 * sql/bind_int — the binder's private state, shared by bind.c
 * (expressions, aggregates, windows) and bind_query.c (FROM, SELECT, set
 * operations, VALUES, CTEs, subquery joins).  Everything lives in the
 * query context's arena.  One thread.
 */
#ifndef SM_SQL_BIND_INT_H
#define SM_SQL_BIND_INT_H

#include "sql/plan_int.h"

/* A column visible in a scope. */
typedef struct scol {
    const char *qual;  /* alias or table name (NULL: none) */
    const char *qual2; /* "layer.table" for 3-part names (NULL: none) */
    const char *name;
    uint32_t cid;
    sm_type_t *type;
    bool nullable;
    bool hidden; /* USING originals: not for * nor unqualified names */
} scol_t;

typedef struct scope {
    scol_t *c;
    size_t n, cap;
    struct scope *outer; /* the enclosing query's scope (correlation) */
} scope_t;

/* Aggregation state of one SELECT. */
typedef struct aggc {
    scope_t *in; /* the scope below the aggregate */
    size_t nkeys;
    sm_expr_t **keys;
    char **key_text;
    uint32_t *key_src; /* cid of a plain column key, else SM_CID_NONE */
    uint32_t *key_cid; /* output */
    sm_lagg_t *aggs;
    char **agg_text;
    uint32_t *agg_cid;
    sm_type_t **agg_type;
    size_t naggs, capaggs;
} aggc_t;

/* Window nodes collected while binding a select list. */
typedef struct winc {
    sm_lp_t **w;
    size_t n, cap;
} winc_t;

typedef struct alias {
    const char *name;
    const sm_sql_expr_t *ast;
    bool busy; /* being expanded (stops alias cycles) */
} alias_t;

typedef struct cte_ent {
    const sm_sql_cte_t *def;
    struct cte_ent *env;  /* the CTEs visible to its definition */
    struct cte_ent *next; /* the next visible CTE */
} cte_ent_t;

typedef struct binder {
    sm_qctx_t *q;
    cte_ent_t *ctes;
    scope_t *outer; /* scope a subquery being bound may correlate with */
    bool saw_outer; /* a column resolved through an outer scope */
    int depth;
} binder_t;

/* A LEFT JOIN a correlated scalar subquery became, waiting to be put on
 * the node of the SELECT that is being bound. */
typedef struct pjoin {
    sm_lp_t *right;
    sm_expr_t **lk, **rk;
    size_t nk;
    struct pjoin *next;
} pjoin_t;

/* How an expression is bound. */
typedef struct ectx {
    binder_t *b;
    scope_t *sc;
    aggc_t *agg;        /* aggregate mode: columns must be keys or in aggregates */
    winc_t *win;        /* window functions allowed (collected here) */
    const char *clause; /* "WHERE", ... for messages */
    alias_t *aliases;   /* select aliases usable as names (HAVING, ORDER BY) */
    size_t naliases;
    bool in_agg_arg;
    bool allow_outer;            /* outer columns are expected (decorrelation) */
    bool used_outer, used_inner; /* set by resolution */
    pjoin_t **joins;             /* correlated scalar subqueries may add joins here */
} ectx_t;

sm_err_t sm_bind_err(sm_sql_pos_t pos, sm_error_t *e, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sm_lp_t *sm_bind_lp_new(binder_t *b, sm_lp_kind_t kind, size_t ncols);
sm_err_t sm_bind_expr(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e);
sm_err_t sm_bind_const_int(binder_t *b, const sm_sql_expr_t *a, const char *what, int64_t *out,
                           sm_error_t *e);
sm_err_t sm_bind_type(binder_t *b, const sm_sql_type_t *t, sm_type_t **out, sm_error_t *e);
sm_err_t sm_bind_lcol_ref(binder_t *b, const sm_lcol_t *c, sm_expr_t **out, sm_error_t *e);
sm_err_t sm_bind_chain_windows(binder_t *b, winc_t *wc, sm_lp_t **node, sm_error_t *e);
/* A correlated scalar subquery (one aggregate, equality correlation) as a
 * LEFT JOIN on an aggregate grouped by the correlation keys: *out is the
 * value's column.  *handled false: not that shape (or not correlated). */
sm_err_t sm_bind_scalar_join(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, bool *handled,
                             sm_error_t *e);
/* Does the tree hold an aggregate call outside subqueries and windows? */
bool sm_bind_ast_has_agg(const sm_sql_expr_t *a);
/* Binds a query in the binder's current CTE environment and outer scope. */
sm_err_t sm_bind_query_in(binder_t *b, const sm_sql_query_t *q, sm_lp_t **out, sm_error_t *e);

/* ---- for DML statements (dml*.c) ---- */
/* A scan of every column of snap (its files as the snapshot lists them)
 * with new column ids, its columns added to sc under qual / qual2. */
sm_err_t sm_bind_snapshot_scan(binder_t *b, sm_store_t *st, const sm_delta_snapshot_t *snap,
                               const char *label, const char *qual, const char *qual2,
                               sm_lp_t **out, scope_t *sc, sm_error_t *e);
/* A FROM item (table, subquery, table function, join) and its scope. */
sm_err_t sm_bind_from_item(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                           sm_error_t *e);
/* Adds the columns of lp to sc under qual (NULL: unqualified only). */
sm_err_t sm_bind_scope_add(binder_t *b, const sm_lp_t *lp, const char *qual, scope_t *sc,
                           sm_error_t *e);
sm_err_t sm_bind_scope_push(binder_t *b, scope_t *sc, const scol_t *c, sm_error_t *e);
/* A join node of l and r on the bound condition on (NULL: a cross join):
 * hash keys from equalities, one-side conditions pushed down, a residual. */
sm_err_t sm_bind_join_node(binder_t *b, sm_join_type_t jt, sm_lp_t *l, sm_lp_t *r, sm_expr_t *on,
                           sm_lp_t **out, sm_error_t *e);

#endif
