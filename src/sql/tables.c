/* sm_sql_list_tables: the tables a statement reads (see sql/parser.h). */
#include <string.h>

#include "sql/parser.h"

/* CTE names visible at a point of the tree, innermost first. */
typedef struct scope {
    const sm_sql_cte_t *ctes;
    size_t n;
    const struct scope *up;
} scope_t;

typedef struct lister {
    sm_arena_t *a;
    sm_sql_name_t *out;
    size_t n, cap;
    sm_error_t *e;
    sm_err_t rc;
} lister_t;

static void walk_expr(lister_t *l, const sm_sql_expr_t *x, const scope_t *sc);
static void walk_query(lister_t *l, const sm_sql_query_t *q, const scope_t *sc);

static bool in_scope(const scope_t *sc, const sm_sql_name_t *name)
{
    if (name->nparts != 1)
        return false;
    sm_str_t n = sm_str_c(name->parts[0].name);
    for (; sc; sc = sc->up)
        for (size_t k = 0; k < sc->n; k++)
            if (sm_str_eq_nocase(n, sm_str_c(sc->ctes[k].name.name)))
                return true;
    return false;
}

static bool same_name(const sm_sql_name_t *a, const sm_sql_name_t *b)
{
    if (a->nparts != b->nparts)
        return false;
    for (size_t k = 0; k < a->nparts; k++)
        if (!sm_str_eq_nocase(sm_str_c(a->parts[k].name), sm_str_c(b->parts[k].name)))
            return false;
    return true;
}

static void add(lister_t *l, const sm_sql_name_t *name)
{
    if (l->rc)
        return;
    for (size_t k = 0; k < l->n; k++)
        if (same_name(&l->out[k], name))
            return;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        sm_sql_name_t *na = sm_arena_alloc(l->a, ncap * sizeof *na);
        if (!na) {
            l->rc = sm_error_nomem(l->e, "table list");
            return;
        }
        if (l->n)
            memcpy(na, l->out, l->n * sizeof *na);
        l->out = na;
        l->cap = ncap;
    }
    l->out[l->n++] = *name;
}

static void walk_exprs(lister_t *l, sm_sql_expr_t *const *xs, size_t n, const scope_t *sc)
{
    for (size_t k = 0; k < n; k++)
        walk_expr(l, xs[k], sc);
}

static void walk_sorts(lister_t *l, const sm_sql_sort_t *s, size_t n, const scope_t *sc)
{
    for (size_t k = 0; k < n; k++)
        walk_expr(l, s[k].expr, sc);
}

static void walk_expr(lister_t *l, const sm_sql_expr_t *x, const scope_t *sc)
{
    if (!x || l->rc)
        return;
    switch (x->kind) {
    case SM_SQL_EXPR_LITERAL:
    case SM_SQL_EXPR_COLUMN:
    case SM_SQL_EXPR_STAR:
        break;
    case SM_SQL_EXPR_UNARY:
        walk_expr(l, x->u.unary.arg, sc);
        break;
    case SM_SQL_EXPR_BINARY:
        walk_expr(l, x->u.binary.left, sc);
        walk_expr(l, x->u.binary.right, sc);
        break;
    case SM_SQL_EXPR_IS:
        walk_expr(l, x->u.is.arg, sc);
        walk_expr(l, x->u.is.other, sc);
        break;
    case SM_SQL_EXPR_BETWEEN:
        walk_expr(l, x->u.between.arg, sc);
        walk_expr(l, x->u.between.low, sc);
        walk_expr(l, x->u.between.high, sc);
        break;
    case SM_SQL_EXPR_IN_LIST:
    case SM_SQL_EXPR_IN_QUERY:
        walk_expr(l, x->u.in.arg, sc);
        walk_exprs(l, x->u.in.list, x->u.in.nlist, sc);
        if (x->u.in.query)
            walk_query(l, x->u.in.query, sc);
        break;
    case SM_SQL_EXPR_EXISTS:
    case SM_SQL_EXPR_SUBQUERY:
        walk_query(l, x->u.query, sc);
        break;
    case SM_SQL_EXPR_LIKE:
        walk_expr(l, x->u.like.arg, sc);
        walk_expr(l, x->u.like.pattern, sc);
        walk_expr(l, x->u.like.escape, sc);
        break;
    case SM_SQL_EXPR_CASE:
        walk_expr(l, x->u.case_.operand, sc);
        walk_exprs(l, x->u.case_.whens, x->u.case_.nwhens, sc);
        walk_exprs(l, x->u.case_.thens, x->u.case_.nwhens, sc);
        walk_expr(l, x->u.case_.else_, sc);
        break;
    case SM_SQL_EXPR_CAST:
        walk_expr(l, x->u.cast.arg, sc);
        break;
    case SM_SQL_EXPR_FUNC:
        walk_exprs(l, x->u.func.args, x->u.func.nargs, sc);
        walk_expr(l, x->u.func.filter, sc);
        if (x->u.func.over) {
            walk_exprs(l, x->u.func.over->partition, x->u.func.over->npartition, sc);
            walk_sorts(l, x->u.func.over->order, x->u.func.over->norder, sc);
            walk_expr(l, x->u.func.over->start.offset, sc);
            walk_expr(l, x->u.func.over->end.offset, sc);
        }
        break;
    case SM_SQL_EXPR_NAMED_ARG:
        walk_expr(l, x->u.named.value, sc);
        break;
    case SM_SQL_EXPR_SUBSCRIPT:
        walk_expr(l, x->u.subscript.arg, sc);
        walk_expr(l, x->u.subscript.index, sc);
        break;
    case SM_SQL_EXPR_FIELD:
        walk_expr(l, x->u.field.arg, sc);
        break;
    }
}

static void walk_table(lister_t *l, const sm_sql_table_t *t, const scope_t *sc)
{
    if (!t || l->rc)
        return;
    switch (t->kind) {
    case SM_SQL_TABLE_NAME:
        if (!in_scope(sc, &t->u.table.name))
            add(l, &t->u.table.name);
        walk_expr(l, t->u.table.as_of, sc);
        break;
    case SM_SQL_TABLE_FUNC:
        walk_exprs(l, t->u.func.args, t->u.func.nargs, sc);
        break;
    case SM_SQL_TABLE_QUERY:
        walk_query(l, t->u.query, sc);
        break;
    case SM_SQL_TABLE_JOIN:
        walk_table(l, t->u.join.left, sc);
        walk_table(l, t->u.join.right, sc);
        walk_expr(l, t->u.join.on, sc);
        break;
    }
}

static void walk_body(lister_t *l, const sm_sql_body_t *b, const scope_t *sc)
{
    if (l->rc)
        return;
    switch (b->kind) {
    case SM_SQL_BODY_SELECT: {
        const sm_sql_select_t *s = &b->u.select;
        walk_table(l, s->from, sc);
        for (size_t k = 0; k < s->nitems; k++)
            walk_expr(l, s->items[k].expr, sc);
        walk_expr(l, s->where, sc);
        walk_exprs(l, s->group_by, s->ngroup_by, sc);
        walk_expr(l, s->having, sc);
        break;
    }
    case SM_SQL_BODY_VALUES:
        for (size_t k = 0; k < b->u.values.nrows; k++)
            walk_exprs(l, b->u.values.rows[k].values, b->u.values.rows[k].nvalues, sc);
        break;
    case SM_SQL_BODY_SETOP:
        walk_body(l, b->u.setop.left, sc);
        walk_body(l, b->u.setop.right, sc);
        break;
    case SM_SQL_BODY_QUERY:
        walk_query(l, b->u.query, sc);
        break;
    }
}

static void walk_query(lister_t *l, const sm_sql_query_t *q, const scope_t *sc)
{
    if (!q || l->rc)
        return;
    /* A CTE sees the CTEs before it (they are not recursive); the body
     * sees them all. */
    for (size_t k = 0; k < q->nctes; k++) {
        scope_t before = {.ctes = q->ctes, .n = k, .up = sc};
        walk_query(l, q->ctes[k].query, &before);
    }
    scope_t all = {.ctes = q->ctes, .n = q->nctes, .up = sc};
    walk_body(l, q->body, &all);
    walk_sorts(l, q->order_by, q->norder_by, &all);
    walk_expr(l, q->limit, &all);
    walk_expr(l, q->offset, &all);
}

static void walk_stmt(lister_t *l, const sm_sql_stmt_t *s)
{
    switch (s->kind) {
    case SM_SQL_STMT_QUERY:
        walk_query(l, s->u.query, NULL);
        break;
    case SM_SQL_STMT_CREATE_TABLE:
        walk_query(l, s->u.create.as_query, NULL);
        break;
    case SM_SQL_STMT_INSERT:
        for (size_t k = 0; k < s->u.insert.npartition; k++)
            walk_expr(l, s->u.insert.partition[k].value, NULL);
        walk_query(l, s->u.insert.query, NULL);
        break;
    case SM_SQL_STMT_DELETE:
        walk_expr(l, s->u.delete_.where, NULL);
        break;
    case SM_SQL_STMT_UPDATE:
        for (size_t k = 0; k < s->u.update.nset; k++)
            walk_expr(l, s->u.update.set[k].value, NULL);
        walk_expr(l, s->u.update.where, NULL);
        break;
    case SM_SQL_STMT_MERGE:
        walk_table(l, s->u.merge.source, NULL);
        walk_expr(l, s->u.merge.on, NULL);
        for (size_t k = 0; k < s->u.merge.nclauses; k++) {
            const sm_sql_merge_clause_t *c = &s->u.merge.clauses[k];
            walk_expr(l, c->cond, NULL);
            for (size_t j = 0; j < c->nassigns; j++)
                walk_expr(l, c->assigns[j].value, NULL);
            walk_exprs(l, c->values, c->nvalues, NULL);
        }
        break;
    case SM_SQL_STMT_EXPLAIN:
        walk_stmt(l, s->u.explain.stmt);
        break;
    case SM_SQL_STMT_SHOW_TABLES:
    case SM_SQL_STMT_DESCRIBE:
        break;
    }
}

sm_err_t sm_sql_list_tables(sm_sql_ast_t *ast, const sm_sql_stmt_t *st, sm_sql_name_t **out,
                            size_t *n, sm_error_t *e)
{
    lister_t l = {.a = &ast->arena, .e = e};
    walk_stmt(&l, st);
    if (l.rc) {
        *out = NULL;
        *n = 0;
        return l.rc;
    }
    *out = l.out;
    *n = l.n;
    return SM_OK;
}
