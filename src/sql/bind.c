/* sql/bind — names, scopes and types: a query's syntax tree becomes a
 * logical plan (sql/plan_int.h).
 *
 * Scopes: a FROM item yields a list of visible columns, each with a
 * qualifier (the alias, else the table's last name part, and the full
 * `layer.table`).  Names resolve case-insensitively as in Spark; a name
 * found twice with different columns is ambiguous.  JOIN ... USING puts
 * the merged column first and hides the two originals from `*` and from
 * unqualified names (they stay reachable as t.col).
 *
 * CTEs: each reference binds the CTE's query again, so a CTE used twice is
 * computed twice (simple and always correct; materializing is a later
 * optimisation).  Uncorrelated scalar, EXISTS and IN subqueries inside
 * expressions are run while binding and replaced by their value (NOT IN by
 * the value list).  EXISTS / NOT EXISTS / IN as WHERE conjuncts become semi
 * and anti joins, correlated or not: correlated equalities become join
 * keys, other correlated conjuncts the join's residual predicate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"
#include "core/str.h"
#include "sql/bind_int.h"
#include "sql/plan_int.h"

/* ---- errors, memory ---------------------------------------------------- */

sm_err_t sm_bind_err(sm_sql_pos_t pos, sm_error_t *e, sm_err_t code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos.line)
        return sm_error_set(e, code, "line %u, column %u: %s", pos.line, pos.col, msg);
    return sm_error_set(e, code, "%s", msg);
}

/* Prefixes the position to an error from a lower layer (once). */
static sm_err_t at(sm_sql_pos_t pos, sm_err_t rc, sm_error_t *e)
{
    if (rc && e && pos.line && strncmp(e->msg, "line ", 5) != 0)
        sm_error_wrap(e, "line %u, column %u", pos.line, pos.col);
    return rc;
}

static uint32_t new_cid(binder_t *b)
{
    return b->q->next_cid++;
}

static void *bal(binder_t *b, size_t n)
{
    return sm_qctx_alloc(b->q, n ? n : 1);
}

#define NEWA(b, T, n) ((T *)bal((b), sizeof(T) * (size_t)(n)))

static char *ast_text(binder_t *b, const sm_sql_expr_t *x)
{
    sm_buf_t buf = SM_BUF_INIT;
    char *s = NULL;
    if (sm_sql_print_expr(&buf, x, NULL) == SM_OK)
        s = sm_qctx_strdup(b->q, buf.data ? (const char *)buf.data : "");
    sm_buf_free(&buf);
    return s;
}

sm_lp_t *sm_bind_lp_new(binder_t *b, sm_lp_kind_t kind, size_t ncols)
{
    sm_lp_t *lp = bal(b, sizeof *lp);
    if (!lp)
        return NULL;
    lp->kind = kind;
    lp->ncols = ncols;
    lp->cols = NEWA(b, sm_lcol_t, ncols ? ncols : 1);
    return lp->cols ? lp : NULL;
}

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "binding");
}

/* ---- scopes ------------------------------------------------------------ */

static bool eqi(const char *a, const char *b)
{
    return a && b && sm_str_eq_nocase(sm_str_c(a), sm_str_c(b));
}

/* Finds a column in one scope: *hit the match (NULL none), *ambig set
 * when two different columns match. */
static void scope_find(const scope_t *s, const sm_sql_name_t *n, const scol_t **hit, bool *ambig,
                       const scol_t **other)
{
    *hit = NULL;
    *ambig = false;
    for (size_t i = 0; i < s->n; i++) {
        const scol_t *c = &s->c[i];
        bool m = false;
        if (n->nparts == 1)
            m = !c->hidden && eqi(c->name, n->parts[0].name);
        else if (n->nparts == 2)
            m = eqi(c->name, n->parts[1].name) && eqi(c->qual, n->parts[0].name);
        else if (n->nparts == 3 && c->qual2) {
            char q2[512];
            snprintf(q2, sizeof q2, "%s.%s", n->parts[0].name, n->parts[1].name);
            m = eqi(c->name, n->parts[2].name) && eqi(c->qual2, q2);
        }
        if (!m)
            continue;
        if (*hit && (*hit)->cid != c->cid) {
            *ambig = true;
            *other = c;
            return;
        }
        if (!*hit)
            *hit = c;
    }
}

static sm_err_t unknown_column(binder_t *b, const scope_t *s, const sm_sql_expr_t *x, sm_error_t *e)
{
    const sm_sql_name_t *n = &x->u.column;
    const char *name = n->parts[n->nparts - 1].name;
    const char *cands[256];
    size_t nc = 0;
    for (const scope_t *t = s; t; t = t->outer)
        for (size_t i = 0; i < t->n && nc < 256; i++)
            if (!t->c[i].hidden)
                cands[nc++] = t->c[i].name;
    const char *best = sm_str_did_you_mean(sm_str_c(name), cands, nc);
    char full[512] = "";
    for (size_t i = 0; i < n->nparts; i++) {
        size_t l = strlen(full);
        snprintf(full + l, sizeof full - l, "%s%s", i ? "." : "", n->parts[i].name);
    }
    if (best)
        return sm_bind_err(x->pos, e, SM_ERR_NOT_FOUND,
                           "unknown column \"%s\" (did you mean \"%s\"?)", full, best);
    return sm_bind_err(x->pos, e, SM_ERR_NOT_FOUND, "unknown column \"%s\"", full);
}

/* Resolves a column reference through the scope and its outer scopes. */
static sm_err_t resolve(ectx_t *x, const sm_sql_expr_t *a, const scol_t **out, sm_error_t *e)
{
    const sm_sql_name_t *n = &a->u.column;
    int depth = 0;
    for (const scope_t *s = x->sc; s; s = s->outer, depth++) {
        const scol_t *hit, *other = NULL;
        bool ambig;
        if (n->nparts > 3)
            break;
        scope_find(s, n, &hit, &ambig, &other);
        if (ambig)
            return sm_bind_err(
                a->pos, e, SM_ERR_INVALID, "column \"%s\" is ambiguous (could be %s%s%s or %s%s%s)",
                n->parts[n->nparts - 1].name, hit->qual ? hit->qual : "", hit->qual ? "." : "",
                hit->name, other->qual ? other->qual : "", other->qual ? "." : "", other->name);
        if (hit) {
            if (depth > 0) {
                if (!x->allow_outer)
                    x->b->saw_outer = true;
                x->used_outer = true;
            } else
                x->used_inner = true;
            *out = hit;
            return SM_OK;
        }
    }
    return unknown_column(x->b, x->sc, a, e);
}

static sm_err_t col_ref(binder_t *b, const scol_t *c, sm_expr_t **out, sm_error_t *e)
{
    return sm_expr_column(&b->q->pool, c->cid, c->type, c->nullable, c->name, out, e);
}

sm_err_t sm_bind_lcol_ref(binder_t *b, const sm_lcol_t *c, sm_expr_t **out, sm_error_t *e)
{
    return sm_expr_column(&b->q->pool, c->cid, c->type, c->nullable, c->name, out, e);
}

/* ---- literals and types -------------------------------------------------- */

static sm_err_t bind_literal(binder_t *b, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    const sm_sql_literal_t *l = &a->u.lit;
    sm_expr_pool_t *p = &b->q->pool;
    sm_value_t v = {0};
    sm_err_t rc;
    switch (l->kind) {
    case SM_SQL_LIT_NULL:
        v = sm_value_null(SM_TYPE_NULL);
        return sm_expr_literal(p, &v, NULL, out, e);
    case SM_SQL_LIT_BOOL:
        v = sm_value_bool(l->b);
        break;
    case SM_SQL_LIT_TINYINT:
        v = sm_value_int(SM_TYPE_INT8, l->i);
        break;
    case SM_SQL_LIT_SMALLINT:
        v = sm_value_int(SM_TYPE_INT16, l->i);
        break;
    case SM_SQL_LIT_INT:
        v = sm_value_i32((int32_t)l->i);
        break;
    case SM_SQL_LIT_BIGINT:
        v = sm_value_i64(l->i);
        break;
    case SM_SQL_LIT_FLOAT:
        v = sm_value_f32((float)l->d);
        break;
    case SM_SQL_LIT_DOUBLE:
        v = sm_value_f64(l->d);
        break;
    case SM_SQL_LIT_DECIMAL: {
        int digits = 0, scale = 0;
        bool frac = false;
        for (size_t i = 0; i < l->text.n; i++) {
            char c = l->text.p[i];
            if (c == '.')
                frac = true;
            else if (c >= '0' && c <= '9') {
                digits++;
                scale += frac;
            } else if (c == 'e' || c == 'E')
                break;
        }
        int prec = digits < 1 ? 1 : digits;
        if (prec < scale)
            prec = scale;
        if (prec > SM_DECIMAL_MAX_PRECISION) {
            double d;
            rc = sm_parse_double(l->text.p, l->text.n, &d, e);
            if (rc)
                return at(a->pos, rc, e);
            v = sm_value_f64(d);
            break;
        }
        sm_i128 u;
        rc = sm_parse_decimal(l->text.p, l->text.n, prec, scale, &u, e);
        if (rc)
            return at(a->pos, rc, e);
        v = sm_value_decimal(u, prec, scale);
        break;
    }
    case SM_SQL_LIT_STRING:
        v = sm_value_str(l->text.p, l->text.n);
        break;
    case SM_SQL_LIT_BINARY:
        v = sm_value_str(l->text.p, l->text.n);
        v.kind = SM_TYPE_BINARY;
        break;
    case SM_SQL_LIT_DATE: {
        int32_t d;
        rc = sm_parse_date(l->text.p, l->text.n, &d, e);
        if (rc)
            return at(a->pos, rc, e);
        v = sm_value_date(d);
        break;
    }
    case SM_SQL_LIT_TIMESTAMP:
    case SM_SQL_LIT_TIMESTAMP_NTZ: {
        int64_t us;
        bool zone;
        rc = sm_parse_timestamp(l->text.p, l->text.n, &us, &zone, e);
        if (rc)
            return at(a->pos, rc, e);
        v = sm_value_int(l->kind == SM_SQL_LIT_TIMESTAMP ? SM_TYPE_TIMESTAMP_TZ : SM_TYPE_TIMESTAMP,
                         us);
        break;
    }
    case SM_SQL_LIT_INTERVAL:
    default:
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED,
                           "INTERVAL literals are not supported yet");
    }
    return at(a->pos, sm_expr_literal(p, &v, NULL, out, e), e);
}

sm_err_t sm_bind_type(binder_t *b, const sm_sql_type_t *t, sm_type_t **out, sm_error_t *e)
{
    sm_buf_t buf = SM_BUF_INIT;
    sm_err_t rc = sm_sql_print_type(&buf, t, e);
    if (!rc) {
        rc = sm_type_parse((const char *)buf.data, buf.len, out, e);
        if (rc)
            rc = sm_bind_err(t->pos, e, SM_ERR_INVALID, "unknown type \"%s\"", (char *)buf.data);
    }
    sm_buf_free(&buf);
    if (!rc && !sm_qctx_keep_type(b->q, sm_type_ref(*out))) {
        sm_type_free(*out);
        return nomem(e);
    }
    if (!rc)
        sm_type_free(*out); /* the context keeps one reference */
    return rc;
}

/* ---- aggregates and windows by name -------------------------------------- */

typedef struct agg_name {
    const char *name;
    sm_agg_kind_t kind;
} agg_name_t;

static const agg_name_t AGGS[] = {
    {"count", SM_AGG_COUNT},
    {"sum", SM_AGG_SUM},
    {"avg", SM_AGG_AVG},
    {"mean", SM_AGG_AVG},
    {"min", SM_AGG_MIN},
    {"max", SM_AGG_MAX},
    {"stddev", SM_AGG_STDDEV_SAMP},
    {"std", SM_AGG_STDDEV_SAMP},
    {"stddev_samp", SM_AGG_STDDEV_SAMP},
    {"stddev_pop", SM_AGG_STDDEV_POP},
    {"variance", SM_AGG_VAR_SAMP},
    {"var_samp", SM_AGG_VAR_SAMP},
    {"var_pop", SM_AGG_VAR_POP},
    {"percentile_approx", SM_AGG_PERCENTILE_APPROX},
    {"approx_percentile", SM_AGG_PERCENTILE_APPROX},
    {"first", SM_AGG_FIRST},
    {"first_value", SM_AGG_FIRST},
    {"any_value", SM_AGG_FIRST},
    {"last", SM_AGG_LAST},
    {"last_value", SM_AGG_LAST},
    {"collect_list", SM_AGG_COLLECT_LIST},
    {"array_agg", SM_AGG_COLLECT_LIST},
};

static const char *fname(const sm_sql_expr_t *a)
{
    const sm_sql_name_t *n = &a->u.func.name;
    return n->nparts ? n->parts[n->nparts - 1].name : "";
}

static int agg_kind_of(const char *name)
{
    for (size_t i = 0; i < sizeof AGGS / sizeof AGGS[0]; i++)
        if (eqi(AGGS[i].name, name))
            return (int)AGGS[i].kind;
    return -1;
}

static bool is_agg_call(const sm_sql_expr_t *a)
{
    return a->kind == SM_SQL_EXPR_FUNC && !a->u.func.over && agg_kind_of(fname(a)) >= 0;
}

/* Does the tree hold an aggregate call outside subqueries and windows? */
bool sm_bind_ast_has_agg(const sm_sql_expr_t *a)
{
    if (!a)
        return false;
    switch (a->kind) {
    case SM_SQL_EXPR_FUNC:
        if (is_agg_call(a))
            return true;
        if (a->u.func.over) {
            for (size_t i = 0; i < a->u.func.nargs; i++)
                if (sm_bind_ast_has_agg(a->u.func.args[i]))
                    return true;
            for (size_t i = 0; i < a->u.func.over->npartition; i++)
                if (sm_bind_ast_has_agg(a->u.func.over->partition[i]))
                    return true;
            for (size_t i = 0; i < a->u.func.over->norder; i++)
                if (sm_bind_ast_has_agg(a->u.func.over->order[i].expr))
                    return true;
            return false;
        }
        for (size_t i = 0; i < a->u.func.nargs; i++)
            if (sm_bind_ast_has_agg(a->u.func.args[i]))
                return true;
        return false;
    case SM_SQL_EXPR_UNARY:
        return sm_bind_ast_has_agg(a->u.unary.arg);
    case SM_SQL_EXPR_BINARY:
        return sm_bind_ast_has_agg(a->u.binary.left) || sm_bind_ast_has_agg(a->u.binary.right);
    case SM_SQL_EXPR_IS:
        return sm_bind_ast_has_agg(a->u.is.arg) || sm_bind_ast_has_agg(a->u.is.other);
    case SM_SQL_EXPR_BETWEEN:
        return sm_bind_ast_has_agg(a->u.between.arg) || sm_bind_ast_has_agg(a->u.between.low) ||
               sm_bind_ast_has_agg(a->u.between.high);
    case SM_SQL_EXPR_IN_LIST:
        for (size_t i = 0; i < a->u.in.nlist; i++)
            if (sm_bind_ast_has_agg(a->u.in.list[i]))
                return true;
        return sm_bind_ast_has_agg(a->u.in.arg);
    case SM_SQL_EXPR_IN_QUERY:
        return sm_bind_ast_has_agg(a->u.in.arg);
    case SM_SQL_EXPR_LIKE:
        return sm_bind_ast_has_agg(a->u.like.arg) || sm_bind_ast_has_agg(a->u.like.pattern);
    case SM_SQL_EXPR_CASE:
        if (sm_bind_ast_has_agg(a->u.case_.operand) || sm_bind_ast_has_agg(a->u.case_.else_))
            return true;
        for (size_t i = 0; i < a->u.case_.nwhens; i++)
            if (sm_bind_ast_has_agg(a->u.case_.whens[i]) ||
                sm_bind_ast_has_agg(a->u.case_.thens[i]))
                return true;
        return false;
    case SM_SQL_EXPR_CAST:
        return sm_bind_ast_has_agg(a->u.cast.arg);
    default:
        return false;
    }
}

/* ---- expressions --------------------------------------------------------- */

static sm_err_t bx(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e);

static sm_err_t const_value(binder_t *b, sm_expr_t *x, sm_sql_pos_t pos, sm_value_t *v,
                            sm_error_t *e)
{
    sm_expr_ctx_reset(&b->q->ectx);
    return at(pos, sm_expr_eval_const(x, &b->q->ectx, v, e), e);
}

/* A constant integer argument (ntile(5), lag offsets, LIMIT). */
sm_err_t sm_bind_const_int(binder_t *b, const sm_sql_expr_t *a, const char *what, int64_t *out,
                           sm_error_t *e)
{
    scope_t empty = {0};
    ectx_t x = {.b = b, .sc = &empty, .clause = what};
    sm_expr_t *ex;
    sm_value_t v;
    sm_err_t rc = bx(&x, a, &ex, e);
    if (rc)
        return rc;
    rc = const_value(b, ex, a->pos, &v, e);
    if (rc)
        return rc;
    if (v.is_null || !sm_type_is_integer(v.kind))
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s must be an integer constant", what);
    *out = v.u.i;
    return SM_OK;
}

static sm_err_t bind_args(ectx_t *x, sm_sql_expr_t *const *args, size_t n, sm_expr_t ***out,
                          sm_error_t *e)
{
    sm_expr_t **v = NEWA(x->b, sm_expr_t *, n ? n : 1);
    if (!v)
        return nomem(e);
    for (size_t i = 0; i < n; i++) {
        sm_err_t rc = bx(x, args[i], &v[i], e);
        if (rc)
            return rc;
    }
    *out = v;
    return SM_OK;
}

/* Runs a subquery that must not be correlated; *out is its result (owned
 * by the caller) and *lp its plan's columns. */
static sm_err_t run_subquery(ectx_t *x, const sm_sql_query_t *sq, sm_sql_pos_t pos,
                             sm_batch_t **out, sm_lp_t **lpo, sm_error_t *e)
{
    binder_t *b = x->b;
    sm_lp_t *lp = NULL;
    sm_op_t *op = NULL;
    bool saved = b->saw_outer;
    scope_t *saved_outer = b->outer;
    b->saw_outer = false;
    b->outer = x->sc;
    sm_err_t rc = sm_bind_query_in(b, sq, &lp, e);
    bool corr = b->saw_outer;
    b->saw_outer = saved;
    b->outer = saved_outer;
    if (rc)
        return rc;
    if (corr)
        return sm_bind_err(pos, e, SM_ERR_UNSUPPORTED,
                           "correlated subqueries are only supported as EXISTS / IN conditions of "
                           "WHERE (with equality correlation)");
    rc = sm_plan_build(b->q, lp, &op, NULL, e);
    if (rc)
        return rc;
    rc = sm_plan_collect(op, out, e);
    sm_op_free(op);
    *lpo = lp;
    return rc;
}

static sm_err_t bind_scalar_subquery(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out,
                                     sm_error_t *e)
{
    sm_batch_t *res = NULL;
    sm_lp_t *lp = NULL;
    sm_err_t rc;
    if (x->joins && !x->agg && !x->in_agg_arg) {
        bool handled = false;
        rc = sm_bind_scalar_join(x, a, out, &handled, e);
        if (rc || handled)
            return rc;
    }
    rc = run_subquery(x, a->u.query, a->pos, &res, &lp, e);
    if (rc)
        return rc;
    if (lp->ncols != 1) {
        sm_batch_free(res);
        return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                           "a scalar subquery must return one column, not %zu", lp->ncols);
    }
    if (res->nrows > 1) {
        size_t n = res->nrows;
        sm_batch_free(res);
        return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                           "a scalar subquery returned more than one row (%zu)", n);
    }
    sm_value_t v = sm_value_null(lp->cols[0].type->kind);
    if (res->nrows == 1) {
        rc = sm_value_from_vector(res->cols[0], 0, &v, e);
        if (rc) {
            sm_batch_free(res);
            return at(a->pos, rc, e);
        }
    }
    rc = sm_expr_literal(&x->b->q->pool, &v, lp->cols[0].type, out, e);
    sm_batch_free(res);
    return at(a->pos, rc, e);
}

static sm_err_t bind_exists_value(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    sm_batch_t *res = NULL;
    sm_lp_t *lp = NULL;
    sm_err_t rc = run_subquery(x, a->u.query, a->pos, &res, &lp, e);
    if (rc)
        return rc;
    sm_value_t v = sm_value_bool(res->nrows > 0);
    sm_batch_free(res);
    return sm_expr_literal(&x->b->q->pool, &v, NULL, out, e);
}

/* x [NOT] IN (subquery) evaluated first: the value list. */
static sm_err_t bind_in_values(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    sm_batch_t *res = NULL;
    sm_lp_t *lp = NULL;
    sm_expr_t *arg, **list = NULL;
    sm_err_t rc = bx(x, a->u.in.arg, &arg, e);
    if (rc)
        return rc;
    rc = run_subquery(x, a->u.in.query, a->pos, &res, &lp, e);
    if (rc)
        return rc;
    if (lp->ncols != 1) {
        rc = sm_bind_err(a->pos, e, SM_ERR_INVALID,
                         "an IN subquery must return one column, not %zu", lp->ncols);
        goto out;
    }
    if (res->nrows > 1000000) {
        rc = sm_bind_err(a->pos, e, SM_ERR_LIMIT,
                         "the IN subquery returned %zu rows (at most 1000000 here)", res->nrows);
        goto out;
    }
    if (res->nrows == 0) {
        /* x IN () is false, x NOT IN () true, even for a NULL x */
        sm_value_t v = sm_value_bool(a->u.in.negated);
        rc = sm_expr_literal(&x->b->q->pool, &v, NULL, out, e);
        goto out;
    }
    list = sm_calloc(res->nrows, sizeof *list);
    if (!list) {
        rc = nomem(e);
        goto out;
    }
    for (size_t i = 0; i < res->nrows && !rc; i++) {
        sm_value_t v;
        rc = sm_value_from_vector(res->cols[0], i, &v, e);
        if (!rc)
            rc = sm_expr_literal(&x->b->q->pool, &v, lp->cols[0].type, &list[i], e);
    }
    if (!rc)
        rc = at(a->pos, sm_expr_in(&x->b->q->pool, arg, list, res->nrows, a->u.in.negated, out, e),
                e);
out:
    sm_free(list);
    sm_batch_free(res);
    return rc;
}

/* A window function call: a new LP_WINDOW node (linked later) and a
 * reference to its result column. */
static sm_err_t bind_window(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e);

static sm_err_t bind_agg(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    binder_t *b = x->b;
    aggc_t *g = x->agg;
    const char *name = fname(a);
    if (x->in_agg_arg)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                           "aggregate function %s cannot be nested in another aggregate", name);
    if (!g)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "aggregate function %s is not allowed in %s",
                           name, x->clause ? x->clause : "this place");
    char *text = ast_text(b, a);
    if (!text)
        return nomem(e);
    for (size_t i = 0; i < g->naggs; i++)
        if (strcmp(g->agg_text[i], text) == 0)
            return sm_expr_column(&b->q->pool, g->agg_cid[i], g->agg_type[i], true, text, out, e);
    if (g->naggs == g->capaggs) {
        size_t cap = g->capaggs ? g->capaggs * 2 : 8;
        sm_lagg_t *na = NEWA(b, sm_lagg_t, cap);
        char **nt = NEWA(b, char *, cap);
        uint32_t *nc = NEWA(b, uint32_t, cap);
        sm_type_t **ny = NEWA(b, sm_type_t *, cap);
        if (!na || !nt || !nc || !ny)
            return nomem(e);
        if (g->naggs) {
            memcpy(na, g->aggs, g->naggs * sizeof *na);
            memcpy(nt, g->agg_text, g->naggs * sizeof *nt);
            memcpy(nc, g->agg_cid, g->naggs * sizeof *nc);
            memcpy(ny, g->agg_type, g->naggs * sizeof *ny);
        }
        g->aggs = na;
        g->agg_text = nt;
        g->agg_cid = nc;
        g->agg_type = ny;
        g->capaggs = cap;
    }
    sm_lagg_t ag = {0};
    ag.kind = (sm_agg_kind_t)agg_kind_of(name);
    ag.distinct = a->u.func.distinct;
    ectx_t ax = *x;
    ax.agg = NULL;
    ax.sc = g->in;
    ax.in_agg_arg = true;
    ax.win = NULL;
    ax.clause = "an aggregate's argument";
    size_t nargs = a->u.func.nargs;
    sm_err_t rc;
    if (a->u.func.star) {
        if (ag.kind != SM_AGG_COUNT)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s(*) is not allowed", name);
        ag.kind = SM_AGG_COUNT_STAR;
    } else {
        size_t maxa = ag.kind == SM_AGG_PERCENTILE_APPROX                   ? 3
                      : (ag.kind == SM_AGG_FIRST || ag.kind == SM_AGG_LAST) ? 2
                      : ag.kind == SM_AGG_COUNT                             ? 64
                                                                            : 1;
        size_t mina = ag.kind == SM_AGG_PERCENTILE_APPROX ? 2 : 1;
        if (nargs < mina || nargs > maxa)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                               "function %s takes %zu argument%s, not %zu", name, mina,
                               mina == 1 ? "" : "s", nargs);
        if (ag.kind == SM_AGG_COUNT && nargs > 1)
            return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED,
                               "count with several arguments is not supported yet");
        rc = bx(&ax, a->u.func.args[0], &ag.arg, e);
        if (rc)
            return rc;
        if (ag.kind == SM_AGG_COUNT && ag.arg->type->kind == SM_TYPE_NULL) {
            /* count(NULL) is 0: keep a typed column */
            sm_expr_t *c;
            rc = sm_expr_cast(&b->q->pool, ag.arg, sm_type_int32(), false, &c, e);
            if (rc)
                return rc;
            ag.arg = c;
        }
        if (ag.kind == SM_AGG_PERCENTILE_APPROX) {
            sm_expr_t *pe;
            sm_value_t pv;
            rc = bx(&ax, a->u.func.args[1], &pe, e);
            if (!rc)
                rc = const_value(b, pe, a->u.func.args[1]->pos, &pv, e);
            if (rc)
                return rc;
            double p = pv.kind == SM_TYPE_DECIMAL ? (double)pv.u.dec / 1e0 : pv.u.d;
            if (pv.kind == SM_TYPE_DECIMAL) {
                p = (double)pv.u.dec;
                for (int s = 0; s < pv.scale; s++)
                    p /= 10;
            } else if (sm_type_is_integer(pv.kind))
                p = (double)pv.u.i;
            if (pv.is_null || p < 0 || p > 1)
                return sm_bind_err(a->u.func.args[1]->pos, e, SM_ERR_INVALID,
                                   "percentile_approx: the percentage must be between 0 and 1");
            ag.pct = p;
        }
        if ((ag.kind == SM_AGG_FIRST || ag.kind == SM_AGG_LAST) && nargs == 2) {
            sm_expr_t *ie;
            sm_value_t iv;
            rc = bx(&ax, a->u.func.args[1], &ie, e);
            if (!rc)
                rc = const_value(b, ie, a->u.func.args[1]->pos, &iv, e);
            if (rc)
                return rc;
            ag.ignore_nulls = iv.kind == SM_TYPE_BOOL && !iv.is_null && iv.u.b;
        }
    }
    if (a->u.func.filter) {
        ectx_t fx = ax;
        fx.clause = "FILTER";
        rc = bx(&fx, a->u.func.filter, &ag.filter, e);
        if (rc)
            return rc;
        if (ag.filter->type->kind != SM_TYPE_BOOL)
            return sm_bind_err(a->u.func.filter->pos, e, SM_ERR_INVALID,
                               "FILTER (WHERE ...) needs a boolean condition");
    }
    sm_type_t *rt = NULL;
    rc = sm_agg_result_type(ag.kind, ag.arg ? ag.arg->type : NULL, &rt, e);
    if (rc)
        return at(a->pos, rc, e);
    if (!sm_qctx_keep_type(b->q, rt))
        return nomem(e);
    g->aggs[g->naggs] = ag;
    g->agg_text[g->naggs] = text;
    g->agg_cid[g->naggs] = new_cid(b);
    g->agg_type[g->naggs] = rt;
    g->naggs++;
    return sm_expr_column(&b->q->pool, g->agg_cid[g->naggs - 1], rt, true, text, out, e);
}

static sm_err_t bind_func(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    const char *name = fname(a);
    if (a->u.func.over)
        return bind_window(x, a, out, e);
    if (agg_kind_of(name) >= 0)
        return bind_agg(x, a, out, e);
    if (a->u.func.name.nparts > 1)
        return sm_bind_err(a->pos, e, SM_ERR_NOT_FOUND, "unknown function \"%s\"", name);
    if (a->u.func.distinct || a->u.func.filter || a->u.func.star)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                           "%s is not an aggregate function: DISTINCT, FILTER and * are not "
                           "allowed",
                           name);
    for (size_t i = 0; i < a->u.func.nargs; i++)
        if (a->u.func.args[i]->kind == SM_SQL_EXPR_NAMED_ARG)
            return sm_bind_err(a->u.func.args[i]->pos, e, SM_ERR_UNSUPPORTED,
                               "named arguments are not supported for %s", name);
    sm_expr_t **args = NULL;
    sm_err_t rc = bind_args(x, a->u.func.args, a->u.func.nargs, &args, e);
    if (rc)
        return rc;
    rc = sm_expr_call(&x->b->q->pool, name, args, a->u.func.nargs, out, e);
    if (rc == SM_ERR_NOT_FOUND && !sm_func_lookup(name, strlen(name))) {
        const char *cands[1024];
        size_t n = 0;
        for (size_t i = 0; i < sm_func_count() && n < 1024; i++)
            cands[n++] = sm_func_at(i)->name;
        for (size_t i = 0; i < sizeof AGGS / sizeof AGGS[0] && n < 1024; i++)
            cands[n++] = AGGS[i].name;
        const char *best = sm_str_did_you_mean(sm_str_c(name), cands, n);
        if (best)
            return sm_bind_err(a->pos, e, rc, "unknown function \"%s\" (did you mean \"%s\"?)",
                               name, best);
        return sm_bind_err(a->pos, e, rc, "unknown function \"%s\"", name);
    }
    return at(a->pos, rc, e);
}

static sm_err_t bind_is(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_pool_t *p = &x->b->q->pool;
    sm_expr_t *arg, *r = NULL;
    sm_err_t rc = bx(x, a->u.is.arg, &arg, e);
    if (rc)
        return rc;
    switch (a->u.is.what) {
    case SM_SQL_IS_NULL:
    case SM_SQL_IS_UNKNOWN:
        return at(a->pos, sm_expr_is_null(p, arg, a->u.is.negated, out, e), e);
    case SM_SQL_IS_TRUE:
    case SM_SQL_IS_FALSE: {
        sm_value_t f = sm_value_bool(false);
        sm_expr_t *lf, *v = arg, *pair[2];
        if (arg->type->kind != SM_TYPE_BOOL && arg->type->kind != SM_TYPE_NULL)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "IS TRUE / IS FALSE need a boolean");
        if (a->u.is.what == SM_SQL_IS_FALSE) {
            rc = sm_expr_not(p, arg, &v, e);
            if (rc)
                return at(a->pos, rc, e);
        }
        rc = sm_expr_literal(p, &f, NULL, &lf, e);
        if (rc)
            return rc;
        pair[0] = v;
        pair[1] = lf;
        rc = sm_expr_coalesce(p, pair, 2, &r, e);
        if (!rc && a->u.is.negated)
            rc = sm_expr_not(p, r, &r, e);
        if (!rc)
            *out = r;
        return at(a->pos, rc, e);
    }
    case SM_SQL_IS_DISTINCT_FROM: {
        sm_expr_t *o;
        rc = bx(x, a->u.is.other, &o, e);
        if (!rc)
            rc = sm_expr_binary(p, SM_OP_EQ_NS, arg, o, &r, e);
        if (!rc && !a->u.is.negated)
            rc = sm_expr_not(p, r, &r, e);
        if (!rc)
            *out = r;
        return at(a->pos, rc, e);
    }
    }
    return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED, "unsupported IS test");
}

static sm_err_t bind_binary(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    static const int OPS[] = {
        [SM_SQL_BINOP_OR] = SM_OP_OR,         [SM_SQL_BINOP_AND] = SM_OP_AND,
        [SM_SQL_BINOP_EQ] = SM_OP_EQ,         [SM_SQL_BINOP_NE] = SM_OP_NE,
        [SM_SQL_BINOP_LT] = SM_OP_LT,         [SM_SQL_BINOP_LE] = SM_OP_LE,
        [SM_SQL_BINOP_GT] = SM_OP_GT,         [SM_SQL_BINOP_GE] = SM_OP_GE,
        [SM_SQL_BINOP_NSEQ] = SM_OP_EQ_NS,    [SM_SQL_BINOP_BITOR] = -1,
        [SM_SQL_BINOP_BITXOR] = -1,           [SM_SQL_BINOP_BITAND] = -1,
        [SM_SQL_BINOP_ADD] = SM_OP_ADD,       [SM_SQL_BINOP_SUB] = SM_OP_SUB,
        [SM_SQL_BINOP_CONCAT] = SM_OP_CONCAT, [SM_SQL_BINOP_MUL] = SM_OP_MUL,
        [SM_SQL_BINOP_DIV] = SM_OP_DIV,       [SM_SQL_BINOP_MOD] = SM_OP_MOD,
        [SM_SQL_BINOP_IDIV] = SM_OP_IDIV,
    };
    sm_expr_t *l, *r;
    int op = OPS[a->u.binary.op];
    if (op < 0)
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED, "operator %s is not supported yet",
                           sm_sql_binop_name(a->u.binary.op));
    sm_err_t rc = bx(x, a->u.binary.left, &l, e);
    if (!rc)
        rc = bx(x, a->u.binary.right, &r, e);
    if (rc)
        return rc;
    return at(a->pos, sm_expr_binary(&x->b->q->pool, (sm_expr_op_t)op, l, r, out, e), e);
}

/* In aggregate mode: an expression equal to a GROUP BY key. */
static bool group_match(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e,
                        sm_err_t *rc)
{
    aggc_t *g = x->agg;
    if (!g || x->in_agg_arg || !g->nkeys)
        return false;
    if (a->kind == SM_SQL_EXPR_LITERAL)
        return false;
    char *t = ast_text(x->b, a);
    if (!t)
        return false;
    for (size_t i = 0; i < g->nkeys; i++)
        if (strcmp(t, g->key_text[i]) == 0) {
            *rc = sm_expr_column(&x->b->q->pool, g->key_cid[i], g->keys[i]->type,
                                 g->keys[i]->nullable, t, out, e);
            return true;
        }
    return false;
}

static sm_err_t bind_column(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    const scol_t *c = NULL;
    aggc_t *g = x->in_agg_arg ? NULL : x->agg;
    if (g) {
        ectx_t in = *x;
        in.sc = g->in;
        sm_err_t rc = resolve(&in, a, &c, e);
        x->used_outer |= in.used_outer;
        x->used_inner |= in.used_inner;
        if (rc) {
            /* a select alias (HAVING revenue > 10) */
            if (a->u.column.nparts == 1 && x->aliases)
                for (size_t i = 0; i < x->naliases; i++)
                    if (eqi(x->aliases[i].name, a->u.column.parts[0].name) && !x->aliases[i].busy) {
                        x->aliases[i].busy = true;
                        sm_err_t r2 = bx(x, x->aliases[i].ast, out, e);
                        x->aliases[i].busy = false;
                        return r2;
                    }
            return rc;
        }
        for (size_t i = 0; i < g->nkeys; i++)
            if (g->key_src[i] == c->cid)
                return sm_expr_column(&x->b->q->pool, g->key_cid[i], g->keys[i]->type,
                                      g->keys[i]->nullable, c->name, out, e);
        if (in.used_outer)
            return col_ref(x->b, c, out, e);
        return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                           "column \"%s\" must appear in GROUP BY or be used in an aggregate "
                           "function",
                           c->name);
    }
    sm_err_t rc = resolve(x, a, &c, e);
    if (rc) {
        if (a->u.column.nparts == 1 && x->aliases)
            for (size_t i = 0; i < x->naliases; i++)
                if (eqi(x->aliases[i].name, a->u.column.parts[0].name) && !x->aliases[i].busy) {
                    x->aliases[i].busy = true;
                    sm_err_t r2 = bx(x, x->aliases[i].ast, out, e);
                    x->aliases[i].busy = false;
                    return r2;
                }
        return rc;
    }
    return col_ref(x->b, c, out, e);
}

static sm_err_t bx(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_pool_t *p = &x->b->q->pool;
    sm_err_t rc = SM_OK;
    if (group_match(x, a, out, e, &rc))
        return rc;
    switch (a->kind) {
    case SM_SQL_EXPR_LITERAL:
        return bind_literal(x->b, a, out, e);
    case SM_SQL_EXPR_COLUMN:
        return bind_column(x, a, out, e);
    case SM_SQL_EXPR_STAR:
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "* is only allowed in a select list");
    case SM_SQL_EXPR_UNARY: {
        sm_expr_t *arg;
        rc = bx(x, a->u.unary.arg, &arg, e);
        if (rc)
            return rc;
        switch (a->u.unary.op) {
        case SM_SQL_UNOP_NEG:
            return at(a->pos, sm_expr_negate(p, arg, out, e), e);
        case SM_SQL_UNOP_PLUS:
            if (!sm_type_is_numeric(arg->type->kind) && arg->type->kind != SM_TYPE_NULL)
                return sm_bind_err(a->pos, e, SM_ERR_INVALID, "unary + needs a number");
            *out = arg;
            return SM_OK;
        case SM_SQL_UNOP_NOT:
            return at(a->pos, sm_expr_not(p, arg, out, e), e);
        default:
            return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED, "operator ~ is not supported yet");
        }
    }
    case SM_SQL_EXPR_BINARY:
        return bind_binary(x, a, out, e);
    case SM_SQL_EXPR_IS:
        return bind_is(x, a, out, e);
    case SM_SQL_EXPR_BETWEEN: {
        sm_expr_t *v, *lo, *hi;
        rc = bx(x, a->u.between.arg, &v, e);
        if (!rc)
            rc = bx(x, a->u.between.low, &lo, e);
        if (!rc)
            rc = bx(x, a->u.between.high, &hi, e);
        if (rc)
            return rc;
        return at(a->pos, sm_expr_between(p, v, lo, hi, a->u.between.negated, out, e), e);
    }
    case SM_SQL_EXPR_IN_LIST: {
        sm_expr_t *v = NULL, **list = NULL;
        rc = bx(x, a->u.in.arg, &v, e);
        if (!rc)
            rc = bind_args(x, a->u.in.list, a->u.in.nlist, &list, e);
        if (rc)
            return rc;
        return at(a->pos, sm_expr_in(p, v, list, a->u.in.nlist, a->u.in.negated, out, e), e);
    }
    case SM_SQL_EXPR_IN_QUERY:
        return bind_in_values(x, a, out, e);
    case SM_SQL_EXPR_EXISTS:
        return bind_exists_value(x, a, out, e);
    case SM_SQL_EXPR_SUBQUERY:
        return bind_scalar_subquery(x, a, out, e);
    case SM_SQL_EXPR_LIKE: {
        sm_expr_t *v, *pat;
        char esc = 0;
        rc = bx(x, a->u.like.arg, &v, e);
        if (!rc)
            rc = bx(x, a->u.like.pattern, &pat, e);
        if (rc)
            return rc;
        if (a->u.like.escape) {
            const sm_sql_expr_t *es = a->u.like.escape;
            if (es->kind != SM_SQL_EXPR_LITERAL || es->u.lit.kind != SM_SQL_LIT_STRING ||
                es->u.lit.text.n != 1)
                return sm_bind_err(es->pos, e, SM_ERR_INVALID,
                                   "ESCAPE needs a one-character string");
            esc = es->u.lit.text.p[0];
        }
        static const sm_like_kind_t K[] = {SM_LIKE, SM_ILIKE, SM_RLIKE};
        return at(a->pos, sm_expr_like(p, K[a->u.like.op], v, pat, esc, a->u.like.negated, out, e),
                  e);
    }
    case SM_SQL_EXPR_CASE: {
        sm_expr_t *opnd = NULL, *els = NULL, **w = NULL, **t = NULL;
        size_t n = a->u.case_.nwhens;
        if (a->u.case_.operand && (rc = bx(x, a->u.case_.operand, &opnd, e)))
            return rc;
        rc = bind_args(x, a->u.case_.whens, n, &w, e);
        if (!rc)
            rc = bind_args(x, a->u.case_.thens, n, &t, e);
        if (!rc && a->u.case_.else_)
            rc = bx(x, a->u.case_.else_, &els, e);
        if (rc)
            return rc;
        return at(a->pos, sm_expr_case(p, opnd, w, t, n, els, out, e), e);
    }
    case SM_SQL_EXPR_CAST: {
        sm_expr_t *v;
        sm_type_t *t;
        rc = bx(x, a->u.cast.arg, &v, e);
        if (!rc)
            rc = sm_bind_type(x->b, a->u.cast.type, &t, e);
        if (rc)
            return rc;
        return at(a->pos, sm_expr_cast(p, v, t, a->u.cast.try_, out, e), e);
    }
    case SM_SQL_EXPR_FUNC:
        return bind_func(x, a, out, e);
    case SM_SQL_EXPR_NAMED_ARG:
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED, "named arguments are not supported here");
    case SM_SQL_EXPR_SUBSCRIPT:
    case SM_SQL_EXPR_FIELD:
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED,
                           "subscripts and struct fields are not supported yet");
    }
    return sm_bind_err(a->pos, e, SM_ERR_INTERNAL, "unknown expression kind");
}

sm_err_t sm_bind_expr(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    return bx(x, a, out, e);
}

/* ---- windows ------------------------------------------------------------- */

static sm_err_t frame_of(binder_t *b, const sm_sql_window_t *w, sm_win_frame_t *f, sm_error_t *e)
{
    static const sm_bound_kind_t BK[] = {
        [SM_SQL_BOUND_UNBOUNDED_PRECEDING] = SM_BOUND_UNBOUNDED_PRECEDING,
        [SM_SQL_BOUND_PRECEDING] = SM_BOUND_PRECEDING,
        [SM_SQL_BOUND_CURRENT_ROW] = SM_BOUND_CURRENT_ROW,
        [SM_SQL_BOUND_FOLLOWING] = SM_BOUND_FOLLOWING,
        [SM_SQL_BOUND_UNBOUNDED_FOLLOWING] = SM_BOUND_UNBOUNDED_FOLLOWING,
    };
    memset(f, 0, sizeof *f);
    if (w->unit == SM_SQL_FRAME_NONE) {
        f->is_default = true;
        f->start = SM_BOUND_UNBOUNDED_PRECEDING;
        f->end = w->norder ? SM_BOUND_CURRENT_ROW : SM_BOUND_UNBOUNDED_FOLLOWING;
        return SM_OK;
    }
    f->rows = w->unit == SM_SQL_FRAME_ROWS;
    f->start = BK[w->start.kind];
    f->end = w->between ? BK[w->end.kind] : SM_BOUND_CURRENT_ROW;
    sm_err_t rc;
    if (w->start.offset &&
        (rc = sm_bind_const_int(b, w->start.offset, "a window frame offset", &f->start_n, e)))
        return rc;
    if (w->between && w->end.offset &&
        (rc = sm_bind_const_int(b, w->end.offset, "a window frame offset", &f->end_n, e)))
        return rc;
    if (f->start_n < 0 || f->end_n < 0)
        return sm_bind_err(w->pos, e, SM_ERR_INVALID, "window frame offsets must be >= 0");
    if (!f->rows && (f->start == SM_BOUND_PRECEDING || f->start == SM_BOUND_FOLLOWING ||
                     f->end == SM_BOUND_PRECEDING || f->end == SM_BOUND_FOLLOWING))
        return sm_bind_err(w->pos, e, SM_ERR_UNSUPPORTED,
                           "RANGE frames with offsets are not supported yet (use ROWS)");
    return SM_OK;
}

typedef struct win_name {
    const char *name;
    sm_win_kind_t kind;
    int args; /* -1: any */
} win_name_t;

static const win_name_t WINS[] = {
    {"row_number", SM_WIN_ROW_NUMBER, 0},
    {"rank", SM_WIN_RANK, 0},
    {"dense_rank", SM_WIN_DENSE_RANK, 0},
    {"ntile", SM_WIN_NTILE, 1},
    {"lag", SM_WIN_LAG, -1},
    {"lead", SM_WIN_LEAD, -1},
    {"first_value", SM_WIN_FIRST_VALUE, -1},
    {"first", SM_WIN_FIRST_VALUE, -1},
    {"last_value", SM_WIN_LAST_VALUE, -1},
    {"last", SM_WIN_LAST_VALUE, -1},
    {"sum", SM_WIN_SUM, 1},
    {"count", SM_WIN_COUNT, 1},
    {"avg", SM_WIN_AVG, 1},
    {"mean", SM_WIN_AVG, 1},
    {"min", SM_WIN_MIN, 1},
    {"max", SM_WIN_MAX, 1},
};

static sm_err_t bind_window(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, sm_error_t *e)
{
    binder_t *b = x->b;
    const char *name = fname(a);
    const sm_sql_window_t *w = a->u.func.over;
    if (!x->win)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "window function %s is not allowed in %s",
                           name, x->clause ? x->clause : "this place");
    const win_name_t *wn = NULL;
    for (size_t i = 0; i < sizeof WINS / sizeof WINS[0]; i++)
        if (eqi(WINS[i].name, name))
            wn = &WINS[i];
    if (!wn)
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED, "%s is not a window function we support",
                           name);
    if (a->u.func.distinct || a->u.func.filter)
        return sm_bind_err(a->pos, e, SM_ERR_UNSUPPORTED,
                           "DISTINCT and FILTER are not supported in window functions");
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_WINDOW, 0);
    if (!lp)
        return nomem(e);
    ectx_t ax = *x;
    ax.win = NULL;
    ax.clause = "a window function's argument";
    sm_win_fn_t *fn = &lp->u.win.fn;
    fn->kind = wn->kind;
    fn->arg = -1;
    fn->default_col = -1;
    fn->n = 1;
    size_t nargs = a->u.func.nargs;
    sm_err_t rc;
    if (a->u.func.star) {
        if (fn->kind != SM_WIN_COUNT)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s(*) is not allowed", name);
        fn->kind = SM_WIN_COUNT_STAR;
    } else if (wn->args >= 0 && (size_t)wn->args != nargs) {
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "function %s takes %d argument%s, not %zu",
                           name, wn->args, wn->args == 1 ? "" : "s", nargs);
    }
    switch (fn->kind) {
    case SM_WIN_NTILE:
        rc = sm_bind_const_int(b, a->u.func.args[0], "ntile's argument", &fn->n, e);
        if (rc)
            return rc;
        if (fn->n <= 0)
            return sm_bind_err(a->u.func.args[0]->pos, e, SM_ERR_INVALID,
                               "ntile needs a positive number of buckets");
        break;
    case SM_WIN_LAG:
    case SM_WIN_LEAD:
        if (nargs < 1 || nargs > 3)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s takes 1 to 3 arguments", name);
        if ((rc = bx(&ax, a->u.func.args[0], &lp->u.win.arg, e)))
            return rc;
        if (nargs >= 2 && (rc = sm_bind_const_int(b, a->u.func.args[1], "the offset", &fn->n, e)))
            return rc;
        if (nargs == 3) {
            sm_expr_t *d;
            if ((rc = bx(&ax, a->u.func.args[2], &d, e)))
                return rc;
            if (!sm_type_equal_ex(d->type, lp->u.win.arg->type, SM_TYPE_EQ_IGNORE_NULLABLE) &&
                (rc = sm_expr_cast(&b->q->pool, d, lp->u.win.arg->type, false, &d, e)))
                return at(a->pos, rc, e);
            lp->u.win.deflt = d;
        }
        break;
    case SM_WIN_FIRST_VALUE:
    case SM_WIN_LAST_VALUE:
        if (nargs < 1 || nargs > 2)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s takes 1 or 2 arguments", name);
        if ((rc = bx(&ax, a->u.func.args[0], &lp->u.win.arg, e)))
            return rc;
        if (nargs == 2) {
            int64_t dummy = 0;
            sm_expr_t *ie;
            sm_value_t iv;
            (void)dummy;
            if ((rc = bx(&ax, a->u.func.args[1], &ie, e)) ||
                (rc = const_value(b, ie, a->u.func.args[1]->pos, &iv, e)))
                return rc;
            fn->ignore_nulls = iv.kind == SM_TYPE_BOOL && !iv.is_null && iv.u.b;
        }
        break;
    case SM_WIN_ROW_NUMBER:
    case SM_WIN_RANK:
    case SM_WIN_DENSE_RANK:
    case SM_WIN_COUNT_STAR:
        break;
    default:
        if ((rc = bx(&ax, a->u.func.args[0], &lp->u.win.arg, e)))
            return rc;
        break;
    }
    if ((fn->kind == SM_WIN_ROW_NUMBER || fn->kind == SM_WIN_RANK ||
         fn->kind == SM_WIN_DENSE_RANK || fn->kind == SM_WIN_NTILE || fn->kind == SM_WIN_LAG ||
         fn->kind == SM_WIN_LEAD) &&
        w->norder == 0)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "window function %s needs ORDER BY in OVER",
                           name);
    rc = bind_args(&ax, w->partition, w->npartition, &lp->u.win.part, e);
    if (rc)
        return rc;
    lp->u.win.npart = w->npartition;
    lp->u.win.order = NEWA(b, sm_lsort_t, w->norder ? w->norder : 1);
    if (!lp->u.win.order)
        return nomem(e);
    for (size_t i = 0; i < w->norder; i++) {
        if ((rc = bx(&ax, w->order[i].expr, &lp->u.win.order[i].x, e)))
            return rc;
        bool desc = w->order[i].dir == SM_SQL_SORT_DESC;
        lp->u.win.order[i].desc = desc;
        lp->u.win.order[i].nulls_first = w->order[i].nulls == SM_SQL_NULLS_DEFAULT
                                             ? !desc
                                             : w->order[i].nulls == SM_SQL_NULLS_FIRST;
    }
    lp->u.win.norder = w->norder;
    rc = frame_of(b, w, &fn->frame, e);
    if (rc)
        return rc;
    /* result type */
    sm_type_t *rt = NULL;
    switch (fn->kind) {
    case SM_WIN_ROW_NUMBER:
    case SM_WIN_RANK:
    case SM_WIN_DENSE_RANK:
    case SM_WIN_NTILE:
        rt = sm_type_int32();
        break;
    case SM_WIN_LAG:
    case SM_WIN_LEAD:
    case SM_WIN_FIRST_VALUE:
    case SM_WIN_LAST_VALUE:
        rt = sm_type_ref(lp->u.win.arg->type);
        break;
    default: {
        static const sm_agg_kind_t AK[] = {[SM_WIN_SUM] = SM_AGG_SUM,
                                           [SM_WIN_COUNT] = SM_AGG_COUNT,
                                           [SM_WIN_COUNT_STAR] = SM_AGG_COUNT_STAR,
                                           [SM_WIN_AVG] = SM_AGG_AVG,
                                           [SM_WIN_MIN] = SM_AGG_MIN,
                                           [SM_WIN_MAX] = SM_AGG_MAX};
        rc = sm_agg_result_type(AK[fn->kind], lp->u.win.arg ? lp->u.win.arg->type : NULL, &rt, e);
        if (rc)
            return at(a->pos, rc, e);
    }
    }
    if (!sm_qctx_keep_type(b->q, rt))
        return nomem(e);
    char *text = ast_text(b, a);
    if (!text)
        return nomem(e);
    fn->name = text;
    /* the window node's own column is its last; cols are filled when chained */
    lp->cols[0] = (sm_lcol_t){new_cid(b), text, rt, true};
    winc_t *wc = x->win;
    if (wc->n == wc->cap) {
        size_t cap = wc->cap ? wc->cap * 2 : 4;
        sm_lp_t **nw = NEWA(b, sm_lp_t *, cap);
        if (!nw)
            return nomem(e);
        if (wc->n)
            memcpy(nw, wc->w, wc->n * sizeof *nw);
        wc->w = nw;
        wc->cap = cap;
    }
    wc->w[wc->n++] = lp;
    return sm_expr_column(&b->q->pool, lp->cols[0].cid, rt, true, text, out, e);
}

/* Puts the window nodes of wc on top of node, one after the other. */
sm_err_t sm_bind_chain_windows(binder_t *b, winc_t *wc, sm_lp_t **node, sm_error_t *e)
{
    for (size_t i = 0; i < wc->n; i++) {
        sm_lp_t *w = wc->w[i], *in = *node;
        sm_lcol_t own = w->cols[0];
        w->cols = NEWA(b, sm_lcol_t, in->ncols + 1);
        if (!w->cols)
            return nomem(e);
        memcpy(w->cols, in->cols, in->ncols * sizeof *w->cols);
        w->cols[in->ncols] = own;
        w->ncols = in->ncols + 1;
        w->in[0] = in;
        *node = w;
    }
    return SM_OK;
}
