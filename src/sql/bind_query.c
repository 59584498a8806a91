/* sql/bind_query — FROM items, SELECT, VALUES, set operations, CTEs and
 * the semi/anti joins of EXISTS / IN conditions (see bind.c's header). */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "sql/bind_int.h"

#define NEWA(b, T, n) ((T *)sm_qctx_alloc((b)->q, sizeof(T) * ((size_t)(n) != 0 ? (size_t)(n) : 1)))

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "binding");
}

static bool eqi(const char *a, const char *b)
{
    return a && b && sm_str_eq_nocase(sm_str_c(a), sm_str_c(b));
}

static sm_err_t scope_push(binder_t *b, scope_t *s, const scol_t *c, sm_error_t *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        scol_t *nc = NEWA(b, scol_t, cap);
        if (!nc)
            return nomem(e);
        if (s->n)
            memcpy(nc, s->c, s->n * sizeof *nc);
        s->c = nc;
        s->cap = cap;
    }
    s->c[s->n++] = *c;
    return SM_OK;
}

static sm_err_t scope_of_lp(binder_t *b, const sm_lp_t *lp, const char *qual, const char *qual2,
                            scope_t *s, sm_error_t *e)
{
    for (size_t i = 0; i < lp->ncols; i++) {
        scol_t c = {
            qual, qual2, lp->cols[i].name, lp->cols[i].cid, lp->cols[i].type, lp->cols[i].nullable,
            false};
        sm_err_t rc = scope_push(b, s, &c, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* ---- expression helpers -------------------------------------------------- */

/* Does x reference a cid of cols (any / all)? */
static void refs(const sm_expr_t *x, const sm_lp_t *lp, bool *any_in, bool *any_out)
{
    if (x->kind == SM_EXPR_COLUMN) {
        bool in = false;
        for (size_t i = 0; i < lp->ncols && !in; i++)
            in = lp->cols[i].cid == x->u.col.index;
        if (in)
            *any_in = true;
        else
            *any_out = true;
        return;
    }
    for (uint32_t i = 0; i < x->nargs; i++)
        refs(x->args[i], lp, any_in, any_out);
}

static bool only_in(const sm_expr_t *x, const sm_lp_t *lp)
{
    bool in = false, out = false;
    refs(x, lp, &in, &out);
    return in && !out;
}

#define MAX_CONJUNCTS 256

/* The conditions of a WHERE joined by AND, left to right, into conj (at
 * most max).  When slots run short the rest of an AND stays one condition:
 * none is ever dropped. */
static void split_where(const sm_sql_expr_t *x, const sm_sql_expr_t **conj, size_t *n, size_t max)
{
    if (x->kind == SM_SQL_EXPR_BINARY && x->u.binary.op == SM_SQL_BINOP_AND && *n + 2 <= max) {
        split_where(x->u.binary.left, conj, n, max - 1); /* leaves a slot for the right */
        split_where(x->u.binary.right, conj, n, max);
        return;
    }
    conj[(*n)++] = x;
}

static sm_err_t and_all(binder_t *b, sm_expr_t **xs, size_t n, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_t *acc = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!acc) {
            acc = xs[i];
            continue;
        }
        sm_err_t rc = sm_expr_binary(&b->q->pool, SM_OP_AND, acc, xs[i], &acc, e);
        if (rc)
            return rc;
    }
    *out = acc;
    return SM_OK;
}

/* The bound conditions joined by AND, left to right, into out (at most
 * max); as split_where, the rest of an AND stays one condition when slots
 * run short, never dropped. */
static void split_and(sm_expr_t *x, sm_expr_t **out, size_t *n, size_t max)
{
    if (x->kind == SM_EXPR_AND && *n + 2 <= max) {
        split_and(x->args[0], out, n, max - 1); /* leaves a slot for the right */
        split_and(x->args[1], out, n, max);
        return;
    }
    out[(*n)++] = x;
}

static sm_err_t add_filter(binder_t *b, sm_lp_t **node, sm_expr_t *pred, sm_error_t *e)
{
    if (!pred)
        return SM_OK;
    if (pred->type->kind != SM_TYPE_BOOL && pred->type->kind != SM_TYPE_NULL)
        return sm_error_set(e, SM_ERR_INVALID, "a condition must be boolean, not %s",
                            sm_type_kind_name(pred->type->kind));
    sm_lp_t *f = sm_bind_lp_new(b, SM_LP_FILTER, 0);
    if (!f)
        return nomem(e);
    f->in[0] = *node;
    f->cols = (*node)->cols;
    f->ncols = (*node)->ncols;
    f->u.pred = pred;
    *node = f;
    return SM_OK;
}

/* Casts a and b to their common type (comparison rules). */
static sm_err_t coerce_pair(binder_t *b, sm_expr_t **a, sm_expr_t **c, sm_sql_pos_t pos,
                            sm_error_t *e)
{
    if (sm_type_equal_ex((*a)->type, (*c)->type, SM_TYPE_EQ_IGNORE_NULLABLE))
        return SM_OK;
    sm_type_t *t = NULL;
    sm_err_t rc = sm_expr_common_type((*a)->type, (*c)->type, true, &t, e);
    if (rc)
        return sm_bind_err(pos, e, rc, "%s", e ? e->msg : "no common type");
    if (!sm_qctx_keep_type(b->q, t))
        return nomem(e);
    rc = sm_expr_cast(&b->q->pool, *a, t, false, a, e);
    if (!rc)
        rc = sm_expr_cast(&b->q->pool, *c, t, false, c, e);
    return rc;
}

/* ---- FROM ------------------------------------------------------------------ */

static sm_err_t bind_from(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                          sm_error_t *e);

/* Renames a node's columns (t(a, b) / WITH t(a, b)). */
static sm_err_t rename_cols(binder_t *b, sm_lp_t *lp, const sm_sql_ident_t *names, size_t n,
                            sm_sql_pos_t pos, sm_error_t *e)
{
    if (!n)
        return SM_OK;
    if (n != lp->ncols)
        return sm_bind_err(pos, e, SM_ERR_INVALID, "%zu column names given for %zu columns", n,
                           lp->ncols);
    sm_lcol_t *c = NEWA(b, sm_lcol_t, n);
    if (!c)
        return nomem(e);
    for (size_t i = 0; i < n; i++) {
        c[i] = lp->cols[i];
        c[i].name = names[i].name;
    }
    lp->cols = c;
    return SM_OK;
}

static sm_err_t lake_error(binder_t *b, const char *name, sm_sql_pos_t pos, sm_error_t *e)
{
    char **names = NULL;
    size_t n = 0;
    const char *best = NULL;
    char hint[300] = "";
    if (sm_lake_list_tables(b->q->lake, &names, &n, NULL) == SM_OK) {
        best = sm_str_did_you_mean(sm_str_c(name), (const char *const *)names, n);
        if (!best && !strchr(name, '.')) {
            /* compare a bare name with the tables' own names */
            const char **shorts = sm_calloc(n ? n : 1, sizeof *shorts);
            if (shorts) {
                for (size_t i = 0; i < n; i++) {
                    const char *d = strchr(names[i], '.');
                    shorts[i] = d ? d + 1 : names[i];
                }
                const char *s = sm_str_did_you_mean(sm_str_c(name), shorts, n);
                for (size_t i = 0; s && i < n; i++)
                    if (shorts[i] == s)
                        best = names[i];
                sm_free(shorts);
            }
        }
        if (best)
            snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", best);
        sm_lake_names_free(names, n);
    }
    return sm_bind_err(pos, e, SM_ERR_NOT_FOUND, "table \"%s\" not found%s", name, hint);
}

/* A scan node of every column of a snapshot, with new column ids. */
static sm_err_t snapshot_scan(binder_t *b, sm_store_t *st, const sm_delta_snapshot_t *snap,
                              const char *label, sm_lp_t **out, sm_error_t *e)
{
    const sm_type_t *ts = snap->schema;
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_SCAN, ts->nfields);
    if (!lp)
        return nomem(e);
    lp->u.scan.store = st;
    lp->u.scan.snap = snap;
    lp->u.scan.tschema = snap->schema;
    lp->u.scan.tcol = NEWA(b, uint32_t, ts->nfields);
    lp->u.scan.label = sm_qctx_strdup(b->q, label);
    if (!lp->u.scan.tcol || !lp->u.scan.label)
        return nomem(e);
    for (uint32_t i = 0; i < ts->nfields; i++) {
        lp->cols[i] = (sm_lcol_t){b->q->next_cid++, ts->fields[i].name, ts->fields[i].type, true};
        lp->u.scan.tcol[i] = i;
    }
    *out = lp;
    return SM_OK;
}

static sm_err_t bind_lake_table(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                                sm_error_t *e)
{
    const sm_sql_name_t *n = &t->u.table.name;
    char name[1024] = "";
    sm_err_t rc;
    if (!b->q->lake)
        return sm_bind_err(t->pos, e, SM_ERR_NOT_FOUND, "table \"%s\" not found (no lake)",
                           n->parts[n->nparts - 1].name);
    if (n->nparts == 2 && eqi(n->parts[0].name, "delta"))
        snprintf(name, sizeof name, "delta.`%s`", n->parts[1].name);
    else
        for (size_t i = 0; i < n->nparts; i++) {
            size_t l = strlen(name);
            snprintf(name + l, sizeof name - l, "%s%s", i ? "." : "", n->parts[i].name);
        }
    sm_delta_at_t atv = {SM_DELTA_AT_LATEST, 0, 0};
    if (t->u.table.travel != SM_SQL_TRAVEL_NONE) {
        if (t->u.table.travel == SM_SQL_TRAVEL_VERSION) {
            atv.kind = SM_DELTA_AT_VERSION;
            rc = sm_bind_const_int(b, t->u.table.as_of, "VERSION AS OF", &atv.version, e);
            if (rc)
                return rc;
        } else {
            scope_t empty = {0};
            ectx_t x = {.b = b, .sc = &empty, .clause = "TIMESTAMP AS OF"};
            sm_expr_t *ex;
            sm_value_t v;
            rc = sm_bind_expr(&x, t->u.table.as_of, &ex, e);
            if (!rc && ex->type->kind != SM_TYPE_TIMESTAMP_TZ)
                rc = sm_expr_cast(&b->q->pool, ex, sm_type_timestamp_tz(), false, &ex, e);
            if (!rc) {
                sm_expr_ctx_reset(&b->q->ectx);
                rc = sm_expr_eval_const(ex, &b->q->ectx, &v, e);
            }
            if (rc)
                return rc;
            if (v.is_null)
                return sm_bind_err(t->u.table.as_of->pos, e, SM_ERR_INVALID,
                                   "TIMESTAMP AS OF needs a timestamp, not NULL");
            atv.kind = SM_DELTA_AT_TIMESTAMP;
            atv.timestamp_ms = v.u.i / 1000;
        }
    }
    sm_lake_table_t *lt = sm_qctx_alloc(b->q, sizeof *lt);
    if (!lt)
        return nomem(e);
    rc = sm_lake_resolve(b->q->lake, name, lt, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "%s", e ? e->msg : "bad table name");
    rc = sm_qctx_keep_table(b->q, lt, e);
    if (rc)
        return rc;
    sm_delta_snapshot_t *snap = NULL;
    rc = sm_delta_snapshot_load(lt->store, lt->prefix, &atv, &snap, e);
    if (rc == SM_ERR_NOT_FOUND && atv.kind == SM_DELTA_AT_LATEST)
        return lake_error(b, name, t->pos, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "%s: %s", name, e ? e->msg : "cannot load");
    rc = sm_qctx_keep_snap(b->q, snap, e);
    if (rc)
        return rc;
    const char *qual = t->alias.name ? t->alias.name : n->parts[n->nparts - 1].name;
    const char *qual2 = NULL;
    if (!t->alias.name && n->nparts >= 2) {
        char q2[512];
        snprintf(q2, sizeof q2, "%s.%s", n->parts[n->nparts - 2].name,
                 n->parts[n->nparts - 1].name);
        qual2 = sm_qctx_strdup(b->q, q2);
    }
    sm_lp_t *lp = NULL;
    rc = snapshot_scan(b, lt->store, snap, lt->name ? lt->name : name, &lp, e);
    if (!rc)
        rc = rename_cols(b, lp, t->col_aliases, t->ncol_aliases, t->pos, e);
    if (rc)
        return rc;
    *node = lp;
    return scope_of_lp(b, lp, qual, qual2, sc, e);
}

static sm_err_t bind_cte_ref(binder_t *b, cte_ent_t *c, const sm_sql_table_t *t, sm_lp_t **node,
                             scope_t *sc, sm_error_t *e)
{
    cte_ent_t *saved = b->ctes;
    sm_lp_t *lp = NULL;
    if (++b->depth > 64) {
        b->depth--;
        return sm_bind_err(t->pos, e, SM_ERR_LIMIT, "CTEs nest too deeply");
    }
    b->ctes = c->env;
    scope_t *saved_outer = b->outer;
    b->outer = NULL;
    sm_err_t rc = sm_bind_query_in(b, c->def->query, &lp, e);
    b->outer = saved_outer;
    b->ctes = saved;
    b->depth--;
    if (rc)
        return rc;
    rc = rename_cols(b, lp, c->def->cols, c->def->ncols, t->pos, e);
    if (!rc)
        rc = rename_cols(b, lp, t->col_aliases, t->ncol_aliases, t->pos, e);
    if (rc)
        return rc;
    *node = lp;
    return scope_of_lp(b, lp, t->alias.name ? t->alias.name : c->def->name.name, NULL, sc, e);
}

/* read_csv('path' [, header => bool] [, delimiter => 'c']) and
 * read_json('path'): one file, its schema inferred now (connect/files),
 * its rows read when the query runs. */
static sm_err_t bind_read_file(binder_t *b, const sm_sql_table_t *t, bool csv, sm_lp_t **node,
                               scope_t *sc, sm_error_t *e)
{
    const char *fn = csv ? "read_csv" : "read_json";
    if (t->u.func.nargs < 1 || t->u.func.args[0]->kind != SM_SQL_EXPR_LITERAL ||
        t->u.func.args[0]->u.lit.kind != SM_SQL_LIT_STRING)
        return sm_bind_err(t->pos, e, SM_ERR_INVALID, "%s takes a file name (a string) first", fn);
    bool no_header = false;
    char delim = 0;
    for (size_t i = 1; i < t->u.func.nargs; i++) {
        const sm_sql_expr_t *a = t->u.func.args[i];
        const sm_sql_expr_t *v = a->kind == SM_SQL_EXPR_NAMED_ARG ? a->u.named.value : NULL;
        const char *name = v ? a->u.named.name : "";
        if (csv && v && eqi(name, "header") && v->kind == SM_SQL_EXPR_LITERAL &&
            v->u.lit.kind == SM_SQL_LIT_BOOL)
            no_header = !v->u.lit.b;
        else if (csv && v && (eqi(name, "delimiter") || eqi(name, "sep")) &&
                 v->kind == SM_SQL_EXPR_LITERAL && v->u.lit.kind == SM_SQL_LIT_STRING &&
                 v->u.lit.text.n == 1)
            delim = v->u.lit.text.p[0];
        else
            return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s: unknown option (%s)", fn,
                               csv ? "header => true|false, delimiter => 'c'" : "none are known");
    }
    const sm_str_t path = t->u.func.args[0]->u.lit.text;
    char *p = sm_qctx_alloc(b->q, path.n + 1);
    if (!p)
        return nomem(e);
    memcpy(p, path.p, path.n);
    if (!p[0] || p[strlen(p) - 1] == '/')
        return sm_bind_err(t->pos, e, SM_ERR_INVALID, "%s: \"%s\" is not a file name", fn, p);
    char *slash = strrchr(p, '/');
    char *loc = sm_qctx_strdup(b->q, p), *key = slash ? slash + 1 : p;
    if (!loc)
        return nomem(e);
    if (!slash)
        strcpy(loc, ".");
    else if (slash == p)
        strcpy(loc, "/");
    else
        loc[slash - p] = 0;
    sm_store_t *st = NULL;
    sm_err_t rc = sm_store_open(loc, &st, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "%s: %s", fn, e ? e->msg : "cannot open");
    if ((rc = sm_qctx_keep_store(b->q, st, e)))
        return rc;
    sm_file_format_t fmt = SM_FILE_CSV;
    if (!csv) {
        fmt = SM_FILE_JSONL;
        if (sm_str_ends_with(sm_str_c(key), sm_str_c(".json")) &&
            (rc = sm_file_format_detect(st, key, &fmt, e)))
            return sm_bind_err(t->pos, e, rc, "%s: %s", fn, e ? e->msg : "cannot read");
    }
    sm_file_opts_t o = {.no_header = no_header, .delimiter = delim};
    sm_file_source_t *src = NULL;
    rc = sm_file_source_open(st, key, fmt, &o, &src, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "%s: %s", fn, e ? e->msg : "cannot read");
    sm_type_t *ts = sm_qctx_keep_type(b->q, sm_type_ref(sm_file_source_schema(src)));
    sm_file_source_close(src);
    if (!ts)
        return nomem(e);
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_FILE, ts->nfields);
    if (!lp)
        return nomem(e);
    lp->u.file.store = st;
    lp->u.file.key = key;
    lp->u.file.format = (int)fmt;
    lp->u.file.no_header = no_header;
    lp->u.file.delimiter = delim;
    lp->u.file.schema = ts;
    lp->u.file.label = p;
    for (uint32_t i = 0; i < ts->nfields; i++)
        lp->cols[i] = (sm_lcol_t){b->q->next_cid++, ts->fields[i].name, ts->fields[i].type, true};
    rc = rename_cols(b, lp, t->col_aliases, t->ncol_aliases, t->pos, e);
    if (rc)
        return rc;
    *node = lp;
    return scope_of_lp(b, lp, t->alias.name ? t->alias.name : fn, NULL, sc, e);
}

static sm_err_t bind_table_func(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                                sm_error_t *e)
{
    const sm_sql_name_t *n = &t->u.func.name;
    const char *fn = n->parts[n->nparts - 1].name;
    if (eqi(fn, "read_csv") || eqi(fn, "read_json"))
        return bind_read_file(b, t, eqi(fn, "read_csv"), node, sc, e);
    if (!eqi(fn, "read_parquet"))
        return sm_bind_err(t->pos, e, SM_ERR_UNSUPPORTED,
                           "table function %s is not supported (read_parquet, read_csv and "
                           "read_json are)",
                           fn);
    if (t->u.func.nargs != 1 || t->u.func.args[0]->kind != SM_SQL_EXPR_LITERAL ||
        t->u.func.args[0]->u.lit.kind != SM_SQL_LIT_STRING)
        return sm_bind_err(t->pos, e, SM_ERR_INVALID,
                           "read_parquet takes one string: a file, directory or glob");
    const sm_str_t path = t->u.func.args[0]->u.lit.text;
    char *p = sm_qctx_alloc(b->q, path.n + 1);
    if (!p)
        return nomem(e);
    memcpy(p, path.p, path.n);
    /* split: store location = the directories before any wildcard */
    size_t wild = strcspn(p, "*?[");
    size_t cut = 0;
    for (size_t i = 0; i < wild && p[i]; i++)
        if (p[i] == '/')
            cut = i;
    bool is_file = p[wild] == 0 && sm_str_ends_with(sm_str_c(p), sm_str_c(".parquet"));
    char *loc, *pat;
    if (p[wild] == 0 && !is_file) {
        loc = p;
        pat = "";
    } else {
        loc = sm_qctx_alloc(b->q, cut + 2);
        if (!loc)
            return nomem(e);
        memcpy(loc, p, cut ? cut : 1);
        if (!cut)
            loc[0] = p[0] == '/' ? '/' : '.';
        pat = p + cut + (p[cut] == '/' ? 1 : 0);
    }
    sm_store_t *st = NULL;
    sm_err_t rc = sm_store_open(loc, &st, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "read_parquet: %s", e ? e->msg : "cannot open");
    rc = sm_qctx_keep_store(b->q, st, e);
    if (rc)
        return rc;
    sm_scan_files_t *files = sm_qctx_alloc(b->q, sizeof *files);
    if (!files)
        return nomem(e);
    rc = sm_scan_files_glob(st, pat, files, e);
    if (rc)
        return sm_bind_err(t->pos, e, rc, "%s", e ? e->msg : "read_parquet");
    rc = sm_qctx_on_free(b->q, (void (*)(void *))sm_scan_files_free, files, e);
    if (rc)
        return rc;
    const sm_type_t *ts = files->schema;
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_SCAN, ts->nfields);
    if (!lp)
        return nomem(e);
    lp->u.scan.store = st;
    lp->u.scan.files = files;
    lp->u.scan.tschema = files->schema;
    lp->u.scan.tcol = NEWA(b, uint32_t, ts->nfields);
    lp->u.scan.label = p;
    if (!lp->u.scan.tcol)
        return nomem(e);
    for (uint32_t i = 0; i < ts->nfields; i++) {
        lp->cols[i] = (sm_lcol_t){b->q->next_cid++, ts->fields[i].name, ts->fields[i].type, true};
        lp->u.scan.tcol[i] = i;
    }
    rc = rename_cols(b, lp, t->col_aliases, t->ncol_aliases, t->pos, e);
    if (rc)
        return rc;
    *node = lp;
    return scope_of_lp(b, lp, t->alias.name ? t->alias.name : "read_parquet", NULL, sc, e);
}

/* The join node of l and r on the bound condition `on` (NULL: none):
 * equalities between a side's columns become hash keys (appended to
 * lk/rk, which hold nk USING keys already and have room for cap), other
 * conditions on one side only are pushed below the join where the join
 * type allows, the rest is the residual predicate. */
static sm_err_t join_node(binder_t *b, sm_join_type_t jt, sm_lp_t *l, sm_lp_t *r, sm_expr_t *on,
                          sm_expr_t **lk, sm_expr_t **rk, size_t nk, size_t cap, sm_lp_t **out,
                          sm_error_t *e)
{
    bool semi = jt == SM_JOIN_SEMI || jt == SM_JOIN_ANTI;
    bool lnull = jt == SM_JOIN_RIGHT || jt == SM_JOIN_FULL;
    bool rnull = jt == SM_JOIN_LEFT || jt == SM_JOIN_FULL;
    sm_expr_t **resid = NEWA(b, sm_expr_t *, cap), **lf = NEWA(b, sm_expr_t *, cap),
              **rf = NEWA(b, sm_expr_t *, cap);
    size_t nres = 0, nlf = 0, nrf = 0;
    sm_err_t rc = SM_OK;
    if (!resid || !lf || !rf)
        return nomem(e);
    if (on) {
        sm_expr_t *conj[MAX_CONJUNCTS];
        size_t nc = 0;
        split_and(on, conj, &nc, MAX_CONJUNCTS);
        for (size_t i = 0; i < nc; i++) {
            sm_expr_t *c = conj[i];
            if (c->kind == SM_EXPR_CMP && c->u.op == SM_OP_EQ && nk < cap) {
                sm_expr_t *a = c->args[0], *d = c->args[1];
                if (only_in(a, l) && only_in(d, r)) {
                    lk[nk] = a;
                    rk[nk++] = d;
                    continue;
                }
                if (only_in(a, r) && only_in(d, l)) {
                    lk[nk] = d;
                    rk[nk++] = a;
                    continue;
                }
            }
            bool push_l = (jt == SM_JOIN_INNER || jt == SM_JOIN_RIGHT) && only_in(c, l);
            bool push_r = (jt == SM_JOIN_INNER || jt == SM_JOIN_LEFT || semi) && only_in(c, r);
            if (push_l && nlf < cap)
                lf[nlf++] = c;
            else if (push_r && nrf < cap)
                rf[nrf++] = c;
            else if (nres < cap)
                resid[nres++] = c;
        }
    }
    sm_expr_t *p;
    if (nlf) {
        if ((rc = and_all(b, lf, nlf, &p, e)) || (rc = add_filter(b, &l, p, e)))
            return rc;
    }
    if (nrf) {
        if ((rc = and_all(b, rf, nrf, &p, e)) || (rc = add_filter(b, &r, p, e)))
            return rc;
    }
    sm_lp_t *j = sm_bind_lp_new(b, SM_LP_JOIN, semi ? l->ncols : l->ncols + r->ncols);
    if (!j)
        return nomem(e);
    j->in[0] = l;
    j->in[1] = r;
    for (size_t i = 0; i < l->ncols; i++) {
        j->cols[i] = l->cols[i];
        j->cols[i].nullable |= lnull;
    }
    if (!semi)
        for (size_t i = 0; i < r->ncols; i++) {
            j->cols[l->ncols + i] = r->cols[i];
            j->cols[l->ncols + i].nullable |= rnull;
        }
    j->u.join.type = jt;
    j->u.join.lk = lk;
    j->u.join.rk = rk;
    j->u.join.nk = nk;
    if (nres && (rc = and_all(b, resid, nres, &j->u.join.resid, e)))
        return rc;
    *out = j;
    return SM_OK;
}

static sm_err_t bind_join(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                          sm_error_t *e)
{
    sm_lp_t *l = NULL, *r = NULL;
    scope_t ls = {0}, rs = {0};
    sm_err_t rc = bind_from(b, t->u.join.left, &l, &ls, e);
    if (!rc)
        rc = bind_from(b, t->u.join.right, &r, &rs, e);
    if (rc)
        return rc;
    sm_sql_join_kind_t jk = t->u.join.kind;
    static const sm_join_type_t JT[] = {
        [SM_SQL_JOIN_INNER] = SM_JOIN_INNER, [SM_SQL_JOIN_LEFT] = SM_JOIN_LEFT,
        [SM_SQL_JOIN_RIGHT] = SM_JOIN_RIGHT, [SM_SQL_JOIN_FULL] = SM_JOIN_FULL,
        [SM_SQL_JOIN_CROSS] = SM_JOIN_INNER, [SM_SQL_JOIN_SEMI] = SM_JOIN_SEMI,
        [SM_SQL_JOIN_ANTI] = SM_JOIN_ANTI,   [SM_SQL_JOIN_COMMA] = SM_JOIN_INNER,
    };
    sm_join_type_t jt = JT[jk];
    bool semi = jt == SM_JOIN_SEMI || jt == SM_JOIN_ANTI;
    bool lnull = jt == SM_JOIN_RIGHT || jt == SM_JOIN_FULL;
    bool rnull = jt == SM_JOIN_LEFT || jt == SM_JOIN_FULL;
    /* combined scope for ON */
    scope_t all = {0};
    all.outer = b->outer;
    for (size_t i = 0; i < ls.n && !rc; i++)
        rc = scope_push(b, &all, &ls.c[i], e);
    for (size_t i = 0; i < rs.n && !rc; i++)
        rc = scope_push(b, &all, &rs.c[i], e);
    if (rc)
        return rc;
    size_t cap = MAX_CONJUNCTS + t->u.join.nusing; /* every condition fits each list */
    sm_expr_t **lk = NEWA(b, sm_expr_t *, cap), **rk = NEWA(b, sm_expr_t *, cap);
    size_t nk = 0;
    if (!lk || !rk)
        return nomem(e);
    /* USING: keys and merged columns */
    scope_t merged = {0};
    sm_expr_t **coal = NULL;
    if (t->u.join.nusing) {
        coal = NEWA(b, sm_expr_t *, t->u.join.nusing);
        if (!coal)
            return nomem(e);
    }
    for (size_t u = 0; u < t->u.join.nusing; u++) {
        const sm_sql_ident_t *id = &t->u.join.using_[u];
        scol_t *lc = NULL, *rc2 = NULL;
        for (size_t i = 0; i < ls.n; i++)
            if (!ls.c[i].hidden && eqi(ls.c[i].name, id->name)) {
                if (lc && lc->cid != ls.c[i].cid)
                    return sm_bind_err(id->pos, e, SM_ERR_INVALID,
                                       "USING column \"%s\" is ambiguous on the left side",
                                       id->name);
                lc = &ls.c[i];
            }
        for (size_t i = 0; i < rs.n; i++)
            if (!rs.c[i].hidden && eqi(rs.c[i].name, id->name)) {
                if (rc2 && rc2->cid != rs.c[i].cid)
                    return sm_bind_err(id->pos, e, SM_ERR_INVALID,
                                       "USING column \"%s\" is ambiguous on the right side",
                                       id->name);
                rc2 = &rs.c[i];
            }
        if (!lc || !rc2)
            return sm_bind_err(id->pos, e, SM_ERR_NOT_FOUND,
                               "USING column \"%s\" is not on the %s side of the join", id->name,
                               lc ? "right" : "left");
        sm_expr_t *a, *c;
        rc = sm_expr_column(&b->q->pool, lc->cid, lc->type, lc->nullable, lc->name, &a, e);
        if (!rc)
            rc = sm_expr_column(&b->q->pool, rc2->cid, rc2->type, rc2->nullable, rc2->name, &c, e);
        if (!rc)
            rc = coerce_pair(b, &a, &c, id->pos, e);
        if (rc)
            return rc;
        lk[nk] = a;
        rk[nk] = c;
        nk++;
        scol_t m = jt == SM_JOIN_RIGHT ? *rc2 : *lc;
        m.hidden = false;
        if (jt == SM_JOIN_FULL) {
            sm_expr_t *x1, *x2, *pair[2];
            rc = sm_expr_column(&b->q->pool, lc->cid, lc->type, true, lc->name, &x1, e);
            if (!rc)
                rc = sm_expr_column(&b->q->pool, rc2->cid, rc2->type, true, rc2->name, &x2, e);
            if (!rc)
                rc = coerce_pair(b, &x1, &x2, id->pos, e);
            pair[0] = x1;
            pair[1] = x2;
            if (!rc)
                rc = sm_expr_coalesce(&b->q->pool, pair, 2, &coal[u], e);
            if (rc)
                return rc;
            m.cid = b->q->next_cid++;
            m.type = coal[u]->type;
            m.qual = NULL;
        }
        m.nullable = m.nullable || (jt == SM_JOIN_RIGHT ? lnull : rnull);
        rc = scope_push(b, &merged, &m, e);
        if (rc)
            return rc;
        lc->hidden = true;
        rc2->hidden = true;
    }
    sm_expr_t *on = NULL;
    if (t->u.join.on) {
        ectx_t x = {.b = b, .sc = &all, .clause = "a join condition"};
        rc = sm_bind_expr(&x, t->u.join.on, &on, e);
        if (rc)
            return rc;
        if (on->type->kind != SM_TYPE_BOOL)
            return sm_bind_err(t->u.join.on->pos, e, SM_ERR_INVALID,
                               "a join condition must be boolean");
    }
    sm_lp_t *j = NULL;
    rc = join_node(b, jt, l, r, on, lk, rk, nk, cap, &j, e);
    if (rc)
        return rc;
    *node = j;
    /* FULL JOIN USING: the merged columns are coalesced in a projection */
    if (jt == SM_JOIN_FULL && t->u.join.nusing) {
        size_t nu = t->u.join.nusing;
        sm_lp_t *pr = sm_bind_lp_new(b, SM_LP_PROJECT, nu + j->ncols);
        if (!pr)
            return nomem(e);
        pr->u.exprs = NEWA(b, sm_expr_t *, nu + j->ncols);
        if (!pr->u.exprs)
            return nomem(e);
        for (size_t u = 0; u < nu; u++) {
            pr->u.exprs[u] = coal[u];
            pr->cols[u] = (sm_lcol_t){merged.c[u].cid, merged.c[u].name, coal[u]->type, true};
        }
        for (size_t i = 0; i < j->ncols; i++) {
            rc = sm_bind_lcol_ref(b, &j->cols[i], &pr->u.exprs[nu + i], e);
            if (rc)
                return rc;
            pr->cols[nu + i] = j->cols[i];
        }
        pr->in[0] = j;
        *node = pr;
    }
    /* the scope: merged USING columns first, then the rest */
    for (size_t i = 0; i < merged.n && !rc; i++)
        rc = scope_push(b, sc, &merged.c[i], e);
    for (size_t i = 0; i < ls.n && !rc; i++) {
        scol_t c = ls.c[i];
        c.nullable |= lnull;
        rc = scope_push(b, sc, &c, e);
    }
    if (!semi)
        for (size_t i = 0; i < rs.n && !rc; i++) {
            scol_t c = rs.c[i];
            c.nullable |= rnull;
            rc = scope_push(b, sc, &c, e);
        }
    return rc;
}

static sm_err_t bind_from(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                          sm_error_t *e)
{
    switch (t->kind) {
    case SM_SQL_TABLE_NAME: {
        const sm_sql_name_t *n = &t->u.table.name;
        if (n->nparts == 1 && t->u.table.travel == SM_SQL_TRAVEL_NONE)
            for (cte_ent_t *c = b->ctes; c; c = c->next)
                if (eqi(c->def->name.name, n->parts[0].name))
                    return bind_cte_ref(b, c, t, node, sc, e);
        return bind_lake_table(b, t, node, sc, e);
    }
    case SM_SQL_TABLE_FUNC:
        return bind_table_func(b, t, node, sc, e);
    case SM_SQL_TABLE_QUERY: {
        sm_lp_t *lp = NULL;
        scope_t *saved_outer = b->outer;
        b->outer = NULL; /* no LATERAL: FROM subqueries do not see outer columns */
        sm_err_t rc = sm_bind_query_in(b, t->u.query, &lp, e);
        b->outer = saved_outer;
        if (!rc)
            rc = rename_cols(b, lp, t->col_aliases, t->ncol_aliases, t->pos, e);
        if (rc)
            return rc;
        *node = lp;
        return scope_of_lp(b, lp, t->alias.name, NULL, sc, e);
    }
    case SM_SQL_TABLE_JOIN:
        return bind_join(b, t, node, sc, e);
    }
    return sm_bind_err(t->pos, e, SM_ERR_INTERNAL, "unknown FROM item");
}

/* ---- EXISTS / IN conditions as semi and anti joins ------------------------ */

static const sm_sql_select_t *simple_select(const sm_sql_query_t *q)
{
    if (!q || q->nctes || q->limit || q->offset || q->body->kind != SM_SQL_BODY_SELECT)
        return NULL;
    const sm_sql_select_t *s = &q->body->u.select;
    if (!s->from || s->ngroup_by || s->group_all || s->having)
        return NULL;
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].expr->kind != SM_SQL_EXPR_STAR &&
            s->items[i].expr->kind == SM_SQL_EXPR_FUNC && (s->items[i].expr->u.func.over))
            return NULL;
    return s;
}

static bool select_has_agg(const sm_sql_select_t *s);

/* Tries to turn a WHERE conjunct into a semi/anti join on *node. */
static sm_err_t where_subquery(binder_t *b, sm_lp_t **node, scope_t *sc, const sm_sql_expr_t *c,
                               bool *done, sm_error_t *e)
{
    bool neg = false;
    const sm_sql_expr_t *s = c;
    *done = false;
    if (s->kind == SM_SQL_EXPR_UNARY && s->u.unary.op == SM_SQL_UNOP_NOT) {
        neg = true;
        s = s->u.unary.arg;
    }
    const sm_sql_query_t *q;
    bool is_in = false;
    if (s->kind == SM_SQL_EXPR_EXISTS)
        q = s->u.query;
    else if (s->kind == SM_SQL_EXPR_IN_QUERY) {
        q = s->u.in.query;
        is_in = true;
        if (s->u.in.negated)
            neg = !neg;
        if (neg)
            return SM_OK; /* NOT IN: NULL semantics; evaluated as a value list */
    } else
        return SM_OK;
    const sm_sql_select_t *sel = simple_select(q);
    if (!sel || select_has_agg(sel) || (is_in && sel->nitems != 1) ||
        (is_in && sel->items[0].expr->kind == SM_SQL_EXPR_STAR))
        return SM_OK;
    /* bind the inner FROM with the outer scope visible */
    sm_lp_t *r = NULL;
    scope_t rs = {0};
    scope_t *saved_outer = b->outer;
    b->outer = NULL;
    sm_err_t rc = bind_from(b, sel->from, &r, &rs, e);
    b->outer = saved_outer;
    if (rc)
        return rc;
    rs.outer = sc;
    sm_expr_t *lk[64], *rk[64], *inner[256], *resid[256];
    size_t nk = 0, ni = 0, nr = 0;
    if (is_in) {
        ectx_t ox = {.b = b, .sc = sc, .clause = "IN"};
        ectx_t ix = {.b = b, .sc = &rs, .clause = "IN"};
        ix.sc = &(scope_t){rs.c, rs.n, rs.cap, NULL};
        rc = sm_bind_expr(&ox, s->u.in.arg, &lk[0], e);
        if (!rc)
            rc = sm_bind_expr(&ix, sel->items[0].expr, &rk[0], e);
        if (!rc)
            rc = coerce_pair(b, &lk[0], &rk[0], s->pos, e);
        if (rc)
            return rc;
        nk = 1;
    }
    if (sel->where) {
        const sm_sql_expr_t *conj[MAX_CONJUNCTS];
        size_t nc = 0;
        split_where(sel->where, conj, &nc, MAX_CONJUNCTS);
        for (size_t i = 0; i < nc; i++) {
            ectx_t x = {.b = b, .sc = &rs, .clause = "WHERE", .allow_outer = true};
            sm_expr_t *ex;
            rc = sm_bind_expr(&x, conj[i], &ex, e);
            if (rc)
                return rc;
            if (!x.used_outer) {
                if (ni < 256)
                    inner[ni++] = ex;
                continue;
            }
            const sm_sql_expr_t *cj = conj[i];
            if (cj->kind == SM_SQL_EXPR_BINARY && cj->u.binary.op == SM_SQL_BINOP_EQ && nk < 64) {
                ectx_t xl = {.b = b, .sc = &rs, .allow_outer = true};
                ectx_t xr = xl;
                sm_expr_t *a, *d;
                rc = sm_bind_expr(&xl, cj->u.binary.left, &a, e);
                if (!rc)
                    rc = sm_bind_expr(&xr, cj->u.binary.right, &d, e);
                if (rc)
                    return rc;
                bool l_out = xl.used_outer && !xl.used_inner,
                     l_in = xl.used_inner && !xl.used_outer;
                bool r_out = xr.used_outer && !xr.used_inner,
                     r_in = xr.used_inner && !xr.used_outer;
                if ((l_out && r_in) || (l_in && r_out)) {
                    sm_expr_t *o = l_out ? a : d, *in = l_out ? d : a;
                    rc = coerce_pair(b, &o, &in, cj->pos, e);
                    if (rc)
                        return rc;
                    lk[nk] = o;
                    rk[nk++] = in;
                    continue;
                }
            }
            if (nr < 256)
                resid[nr++] = ex;
        }
    }
    sm_expr_t *p;
    if (ni && ((rc = and_all(b, inner, ni, &p, e)) || (rc = add_filter(b, &r, p, e))))
        return rc;
    sm_lp_t *j = sm_bind_lp_new(b, SM_LP_JOIN, 0);
    if (!j)
        return nomem(e);
    j->in[0] = *node;
    j->in[1] = r;
    j->cols = (*node)->cols;
    j->ncols = (*node)->ncols;
    j->u.join.type = neg ? SM_JOIN_ANTI : SM_JOIN_SEMI;
    j->u.join.lk = NEWA(b, sm_expr_t *, nk);
    j->u.join.rk = NEWA(b, sm_expr_t *, nk);
    if (!j->u.join.lk || !j->u.join.rk)
        return nomem(e);
    memcpy(j->u.join.lk, lk, nk * sizeof *lk);
    memcpy(j->u.join.rk, rk, nk * sizeof *rk);
    j->u.join.nk = nk;
    if (nr && (rc = and_all(b, resid, nr, &j->u.join.resid, e)))
        return rc;
    *node = j;
    *done = true;
    return SM_OK;
}

/* ---- correlated scalar subqueries ---------------------------------------- */

static sm_sql_expr_t *ast_and(binder_t *b, sm_sql_expr_t *l, sm_sql_expr_t *r)
{
    if (!l)
        return r;
    sm_sql_expr_t *x = sm_sql_expr_new(&b->q->arena, SM_SQL_EXPR_BINARY, l->pos);
    if (!x)
        return NULL;
    x->u.binary.op = SM_SQL_BINOP_AND;
    x->u.binary.left = l;
    x->u.binary.right = r;
    return x;
}

sm_err_t sm_bind_scalar_join(ectx_t *x, const sm_sql_expr_t *a, sm_expr_t **out, bool *handled,
                             sm_error_t *e)
{
    binder_t *b = x->b;
    const sm_sql_query_t *q = a->u.query;
    *handled = false;
    const sm_sql_select_t *sel = simple_select(q);
    if (!sel || !sel->where || sel->nitems != 1 || sel->items[0].expr->kind == SM_SQL_EXPR_STAR ||
        !sm_bind_ast_has_agg(sel->items[0].expr))
        return SM_OK;
    /* classify the WHERE conjuncts against the inner FROM */
    sm_lp_t *r0 = NULL;
    scope_t rs = {0};
    scope_t *saved_outer = b->outer;
    b->outer = NULL;
    sm_err_t rc = bind_from(b, sel->from, &r0, &rs, e);
    b->outer = saved_outer;
    if (rc)
        return rc;
    rs.outer = x->sc;
    const sm_sql_expr_t *stack[128], *conj[128];
    size_t sp = 0, nc = 0;
    stack[sp++] = sel->where;
    while (sp) {
        const sm_sql_expr_t *c = stack[--sp];
        if (c->kind == SM_SQL_EXPR_BINARY && c->u.binary.op == SM_SQL_BINOP_AND && sp + 2 <= 128) {
            stack[sp++] = c->u.binary.right;
            stack[sp++] = c->u.binary.left;
        } else if (nc < 128)
            conj[nc++] = c;
    }
    const sm_sql_expr_t *okeys[32], *ikeys[32];
    size_t nk = 0;
    sm_sql_expr_t *inner_where = NULL;
    for (size_t i = 0; i < nc; i++) {
        ectx_t cx = {.b = b, .sc = &rs, .allow_outer = true};
        sm_expr_t *ex;
        rc = sm_bind_expr(&cx, conj[i], &ex, e);
        if (rc)
            return rc;
        if (!cx.used_outer) {
            inner_where = ast_and(b, inner_where, (sm_sql_expr_t *)conj[i]);
            if (!inner_where)
                return nomem(e);
            continue;
        }
        const sm_sql_expr_t *c = conj[i];
        if (c->kind != SM_SQL_EXPR_BINARY || c->u.binary.op != SM_SQL_BINOP_EQ || nk == 32)
            return SM_OK; /* not equality correlation: left to the general path */
        ectx_t xl = {.b = b, .sc = &rs, .allow_outer = true}, xr = xl;
        sm_expr_t *dl, *dr;
        if ((rc = sm_bind_expr(&xl, c->u.binary.left, &dl, e)) ||
            (rc = sm_bind_expr(&xr, c->u.binary.right, &dr, e)))
            return rc;
        bool l_out = xl.used_outer && !xl.used_inner, r_in = xr.used_inner && !xr.used_outer;
        bool l_in = xl.used_inner && !xl.used_outer, r_out = xr.used_outer && !xr.used_inner;
        if (l_out && r_in) {
            okeys[nk] = c->u.binary.left;
            ikeys[nk++] = c->u.binary.right;
        } else if (l_in && r_out) {
            okeys[nk] = c->u.binary.right;
            ikeys[nk++] = c->u.binary.left;
        } else
            return SM_OK;
    }
    if (!nk)
        return SM_OK; /* uncorrelated: evaluated once */
    /* SELECT ikeys..., item FROM from WHERE inner GROUP BY ikeys */
    sm_sql_query_t *gq = sm_sql_query_new(&b->q->arena, q->pos);
    sm_sql_body_t *body = sm_sql_body_new(&b->q->arena, SM_SQL_BODY_SELECT, q->pos);
    sm_sql_select_item_t *items = NEWA(b, sm_sql_select_item_t, nk + 1);
    sm_sql_expr_t **gb = NEWA(b, sm_sql_expr_t *, nk);
    if (!gq || !body || !items || !gb)
        return nomem(e);
    for (size_t i = 0; i < nk; i++) {
        items[i].expr = (sm_sql_expr_t *)ikeys[i];
        gb[i] = (sm_sql_expr_t *)ikeys[i];
    }
    items[nk] = sel->items[0];
    body->u.select.items = items;
    body->u.select.nitems = nk + 1;
    body->u.select.from = sel->from;
    body->u.select.where = inner_where;
    body->u.select.group_by = gb;
    body->u.select.ngroup_by = nk;
    gq->body = body;
    sm_lp_t *g = NULL;
    b->outer = NULL;
    rc = sm_bind_query_in(b, gq, &g, e);
    b->outer = saved_outer;
    if (rc)
        return rc;
    pjoin_t *pj = sm_qctx_alloc(b->q, sizeof *pj);
    if (!pj)
        return nomem(e);
    pj->right = g;
    pj->nk = nk;
    pj->lk = NEWA(b, sm_expr_t *, nk);
    pj->rk = NEWA(b, sm_expr_t *, nk);
    if (!pj->lk || !pj->rk)
        return nomem(e);
    for (size_t i = 0; i < nk; i++) {
        ectx_t ox = {.b = b, .sc = x->sc, .clause = "a subquery's correlation"};
        if ((rc = sm_bind_expr(&ox, okeys[i], &pj->lk[i], e)) ||
            (rc = sm_bind_lcol_ref(b, &g->cols[i], &pj->rk[i], e)) ||
            (rc = coerce_pair(b, &pj->lk[i], &pj->rk[i], okeys[i]->pos, e)))
            return rc;
    }
    pj->next = *x->joins;
    *x->joins = pj;
    sm_lcol_t vc = g->cols[nk];
    vc.nullable = true;
    rc = sm_bind_lcol_ref(b, &vc, out, e);
    if (rc)
        return rc;
    /* count(...) of no row is 0, not NULL */
    const sm_sql_expr_t *it = sel->items[0].expr;
    if (it->kind == SM_SQL_EXPR_FUNC &&
        sm_str_eq_nocase(sm_str_c(it->u.func.name.parts[it->u.func.name.nparts - 1].name),
                         sm_str_c("count"))) {
        sm_value_t zero = sm_value_i64(0);
        sm_expr_t *z, *pair[2];
        if ((rc = sm_expr_literal(&b->q->pool, &zero, NULL, &z, e)))
            return rc;
        pair[0] = *out;
        pair[1] = z;
        rc = sm_expr_coalesce(&b->q->pool, pair, 2, out, e);
    }
    *handled = true;
    return rc;
}

/* Puts the pending subquery joins on node (LEFT JOINs, in binding order). */
static sm_err_t apply_joins(binder_t *b, sm_lp_t **node, pjoin_t **list, sm_error_t *e)
{
    pjoin_t *rev = NULL;
    while (*list) {
        pjoin_t *p = *list;
        *list = p->next;
        p->next = rev;
        rev = p;
    }
    for (pjoin_t *p = rev; p; p = p->next) {
        sm_lp_t *l = *node, *r = p->right;
        sm_lp_t *j = sm_bind_lp_new(b, SM_LP_JOIN, l->ncols + r->ncols);
        if (!j)
            return nomem(e);
        j->in[0] = l;
        j->in[1] = r;
        memcpy(j->cols, l->cols, l->ncols * sizeof *j->cols);
        for (size_t i = 0; i < r->ncols; i++) {
            j->cols[l->ncols + i] = r->cols[i];
            j->cols[l->ncols + i].nullable = true;
        }
        j->u.join.type = SM_JOIN_LEFT;
        j->u.join.lk = p->lk;
        j->u.join.rk = p->rk;
        j->u.join.nk = p->nk;
        *node = j;
    }
    return SM_OK;
}

/* ---- SELECT ----------------------------------------------------------------- */

static bool select_has_agg(const sm_sql_select_t *s);

typedef struct item {
    const sm_sql_expr_t *ast; /* NULL: a star column */
    scol_t col;               /* star column */
    const char *name;
    sm_expr_t *x;
    uint32_t cid;
    sm_sql_pos_t pos;
} item_t;

static bool any_agg(const sm_sql_select_t *s, const sm_sql_query_t *q);

static bool select_has_agg(const sm_sql_select_t *s)
{
    return any_agg(s, NULL);
}

static const char *item_name(binder_t *b, const sm_sql_select_item_t *it)
{
    if (it->alias.name)
        return it->alias.name;
    const sm_sql_expr_t *x = it->expr;
    if (x->kind == SM_SQL_EXPR_COLUMN)
        return x->u.column.parts[x->u.column.nparts - 1].name;
    sm_buf_t buf = SM_BUF_INIT;
    const char *s = "?column?";
    if (sm_sql_print_expr(&buf, x, NULL) == SM_OK && buf.data) {
        char *d = sm_qctx_strdup(b->q, (const char *)buf.data);
        if (d)
            s = d;
    }
    sm_buf_free(&buf);
    return s;
}

static sm_err_t eval_count(binder_t *b, const sm_sql_expr_t *a, const char *what, uint64_t *out,
                           sm_error_t *e)
{
    int64_t v;
    sm_err_t rc = sm_bind_const_int(b, a, what, &v, e);
    if (rc)
        return rc;
    if (v < 0)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s must not be negative", what);
    *out = (uint64_t)v;
    return SM_OK;
}

static sm_err_t mk_project(binder_t *b, sm_lp_t **node, sm_expr_t **xs, sm_lcol_t *cols, size_t n,
                           sm_error_t *e)
{
    sm_lp_t *p = sm_bind_lp_new(b, SM_LP_PROJECT, 0);
    if (!p)
        return nomem(e);
    p->in[0] = *node;
    p->cols = cols;
    p->ncols = n;
    p->u.exprs = xs;
    *node = p;
    return SM_OK;
}

/* ORDER BY + LIMIT/OFFSET on top of node.  keys were bound already. */
static sm_err_t add_sort_limit(binder_t *b, sm_lp_t **node, sm_lsort_t *keys, size_t nkeys,
                               const sm_sql_query_t *q, sm_error_t *e)
{
    uint64_t limit = SM_LIMIT_NONE, offset = 0;
    sm_err_t rc;
    if (q && q->limit && (rc = eval_count(b, q->limit, "LIMIT", &limit, e)))
        return rc;
    if (q && q->offset && (rc = eval_count(b, q->offset, "OFFSET", &offset, e)))
        return rc;
    if (nkeys) {
        sm_lp_t *s = sm_bind_lp_new(b, SM_LP_SORT, 0);
        if (!s)
            return nomem(e);
        s->in[0] = *node;
        s->cols = (*node)->cols;
        s->ncols = (*node)->ncols;
        s->u.sort.keys = keys;
        s->u.sort.nkeys = nkeys;
        s->u.sort.limit = limit;
        s->u.sort.offset = offset;
        *node = s;
        return SM_OK;
    }
    if (limit == SM_LIMIT_NONE && offset == 0)
        return SM_OK;
    sm_lp_t *l = sm_bind_lp_new(b, SM_LP_LIMIT, 0);
    if (!l)
        return nomem(e);
    l->in[0] = *node;
    l->cols = (*node)->cols;
    l->ncols = (*node)->ncols;
    l->u.limit.limit = limit;
    l->u.limit.offset = offset;
    *node = l;
    return SM_OK;
}

static bool sort_dir(const sm_sql_sort_t *s, bool *nulls_first)
{
    bool desc = s->dir == SM_SQL_SORT_DESC;
    *nulls_first = s->nulls == SM_SQL_NULLS_DEFAULT ? !desc : s->nulls == SM_SQL_NULLS_FIRST;
    return desc;
}

/* An ORDER BY key against output columns only (positions, names). */
static sm_err_t order_on_output(binder_t *b, const sm_sql_sort_t *s, const sm_lp_t *node,
                                scope_t *osc, sm_lsort_t *k, sm_error_t *e)
{
    const sm_sql_expr_t *a = s->expr;
    k->desc = sort_dir(s, &k->nulls_first);
    if (a->kind == SM_SQL_EXPR_LITERAL && a->u.lit.kind == SM_SQL_LIT_INT) {
        int64_t pos = a->u.lit.i;
        if (pos < 1 || (size_t)pos > node->ncols)
            return sm_bind_err(a->pos, e, SM_ERR_INVALID,
                               "ORDER BY position %lld is not in the select list (1 to %zu)",
                               (long long)pos, node->ncols);
        return sm_bind_lcol_ref(b, &node->cols[pos - 1], &k->x, e);
    }
    ectx_t x = {.b = b, .sc = osc, .clause = "ORDER BY"};
    return sm_bind_expr(&x, a, &k->x, e);
}

static sm_err_t bind_select(binder_t *b, const sm_sql_select_t *s, const sm_sql_query_t *q,
                            sm_lp_t **out, sm_error_t *e)
{
    sm_err_t rc;
    sm_lp_t *node = NULL;
    scope_t sc = {0};
    /* FROM */
    if (s->from) {
        rc = bind_from(b, s->from, &node, &sc, e);
        if (rc)
            return rc;
    } else {
        node = sm_bind_lp_new(b, SM_LP_VALUES, 0);
        if (!node)
            return nomem(e);
        node->u.values.nb = 1; /* one row, no columns: made by the planner */
    }
    sc.outer = b->outer;
    pjoin_t *pjoins = NULL;
    /* WHERE */
    if (s->where) {
        const sm_sql_expr_t *conj[MAX_CONJUNCTS];
        size_t nc = 0;
        split_where(s->where, conj, &nc, MAX_CONJUNCTS);
        sm_expr_t *preds[256];
        size_t np = 0;
        for (size_t i = 0; i < nc; i++) {
            bool done = false;
            rc = where_subquery(b, &node, &sc, conj[i], &done, e);
            if (rc)
                return rc;
            if (done)
                continue;
            ectx_t x = {.b = b, .sc = &sc, .clause = "WHERE", .joins = &pjoins};
            rc = sm_bind_expr(&x, conj[i], &preds[np], e);
            if (rc)
                return rc;
            if (preds[np]->type->kind != SM_TYPE_BOOL && preds[np]->type->kind != SM_TYPE_NULL)
                return sm_bind_err(conj[i]->pos, e, SM_ERR_INVALID,
                                   "WHERE needs a boolean condition, not %s",
                                   sm_type_kind_name(preds[np]->type->kind));
            np++;
        }
        if ((rc = apply_joins(b, &node, &pjoins, e)))
            return rc;
        if (np) {
            sm_expr_t *p;
            rc = and_all(b, preds, np, &p, e);
            if (!rc)
                rc = add_filter(b, &node, p, e);
            if (rc)
                return rc;
        }
    }
    /* select items, stars expanded */
    size_t nitems = 0, capi = s->nitems + 16;
    item_t *items = NEWA(b, item_t, capi);
    if (!items)
        return nomem(e);
    for (size_t i = 0; i < s->nitems; i++) {
        const sm_sql_select_item_t *it = &s->items[i];
        if (it->expr->kind == SM_SQL_EXPR_STAR) {
            const sm_sql_name_t *qn = &it->expr->u.star;
            size_t found = 0;
            for (size_t k = 0; k < sc.n; k++) {
                const scol_t *c = &sc.c[k];
                if (qn->nparts == 0 ? c->hidden
                                    : !(qn->nparts == 1 && eqi(c->qual, qn->parts[0].name)) &&
                                          !(qn->nparts == 2 && c->qual2 &&
                                            sm_str_ends_with_nocase(sm_str_c(c->qual2),
                                                                    sm_str_c(qn->parts[1].name)) &&
                                            sm_str_starts_with_nocase(sm_str_c(c->qual2),
                                                                      sm_str_c(qn->parts[0].name))))
                    continue;
                if (nitems == capi) {
                    size_t nc = capi * 2;
                    item_t *ni = NEWA(b, item_t, nc);
                    if (!ni)
                        return nomem(e);
                    memcpy(ni, items, nitems * sizeof *ni);
                    items = ni;
                    capi = nc;
                }
                items[nitems++] = (item_t){NULL, *c, c->name, NULL, 0, it->expr->pos};
                found++;
            }
            if (!found)
                return sm_bind_err(it->expr->pos, e, qn->nparts ? SM_ERR_NOT_FOUND : SM_ERR_INVALID,
                                   qn->nparts ? "unknown table \"%s\" in %s.*"
                                              : "SELECT * needs a FROM clause%s%s",
                                   qn->nparts ? qn->parts[qn->nparts - 1].name : "",
                                   qn->nparts ? qn->parts[qn->nparts - 1].name : "");
            continue;
        }
        if (nitems == capi) {
            size_t nc = capi * 2;
            item_t *ni = NEWA(b, item_t, nc);
            if (!ni)
                return nomem(e);
            memcpy(ni, items, nitems * sizeof *ni);
            items = ni;
            capi = nc;
        }
        items[nitems++] = (item_t){it->expr, {0}, item_name(b, it), NULL, 0, it->expr->pos};
    }
    alias_t *aliases = NEWA(b, alias_t, s->nitems);
    size_t naliases = 0;
    if (!aliases)
        return nomem(e);
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].alias.name)
            aliases[naliases++] = (alias_t){s->items[i].alias.name, s->items[i].expr, false};
    /* aggregation */
    bool agg_mode = s->ngroup_by || s->group_all || any_agg(s, q);
    aggc_t g = {0};
    winc_t wc = {0};
    if (agg_mode) {
        g.in = &sc;
        size_t nk = s->group_all ? nitems : s->ngroup_by;
        g.keys = NEWA(b, sm_expr_t *, nk);
        g.key_text = NEWA(b, char *, nk);
        g.key_src = NEWA(b, uint32_t, nk);
        g.key_cid = NEWA(b, uint32_t, nk);
        if (!g.keys || !g.key_text || !g.key_src || !g.key_cid)
            return nomem(e);
        for (size_t i = 0; i < nk; i++) {
            const sm_sql_expr_t *ga;
            if (s->group_all) {
                if (!items[i].ast) {
                    ga = NULL;
                } else {
                    ga = items[i].ast;
                    sm_sql_select_t one = {0};
                    sm_sql_select_item_t oi = {(sm_sql_expr_t *)ga, {0}};
                    one.items = &oi;
                    one.nitems = 1;
                    if (any_agg(&one, NULL))
                        continue;
                }
            } else
                ga = s->group_by[i];
            sm_expr_t *kx = NULL;
            if (!ga) {
                rc = sm_expr_column(&b->q->pool, items[i].col.cid, items[i].col.type,
                                    items[i].col.nullable, items[i].col.name, &kx, e);
                if (rc)
                    return rc;
                g.key_text[g.nkeys] = (char *)items[i].col.name;
            } else {
                if (!s->group_all && ga->kind == SM_SQL_EXPR_LITERAL &&
                    ga->u.lit.kind == SM_SQL_LIT_INT) {
                    int64_t pos = ga->u.lit.i;
                    if (pos < 1 || (size_t)pos > nitems)
                        return sm_bind_err(ga->pos, e, SM_ERR_INVALID,
                                           "GROUP BY position %lld is not in the select list (1 "
                                           "to %zu)",
                                           (long long)pos, nitems);
                    if (!items[pos - 1].ast) {
                        const scol_t *c = &items[pos - 1].col;
                        rc = sm_expr_column(&b->q->pool, c->cid, c->type, c->nullable, c->name, &kx,
                                            e);
                        if (rc)
                            return rc;
                        g.keys[g.nkeys] = kx;
                        g.key_text[g.nkeys] = (char *)c->name;
                        g.key_src[g.nkeys] = c->cid;
                        g.key_cid[g.nkeys] = b->q->next_cid++;
                        g.nkeys++;
                        continue;
                    }
                    ga = items[pos - 1].ast;
                    sm_sql_select_t one = {0};
                    sm_sql_select_item_t oi = {(sm_sql_expr_t *)ga, {0}};
                    one.items = &oi;
                    one.nitems = 1;
                    if (any_agg(&one, NULL))
                        return sm_bind_err(s->group_by[i]->pos, e, SM_ERR_INVALID,
                                           "GROUP BY position %lld refers to an aggregate",
                                           (long long)pos);
                }
                ectx_t x = {.b = b, .sc = &sc, .clause = "GROUP BY"};
                rc = sm_bind_expr(&x, ga, &kx, e);
                if (rc == SM_ERR_NOT_FOUND && ga->kind == SM_SQL_EXPR_COLUMN &&
                    ga->u.column.nparts == 1) {
                    for (size_t k = 0; k < naliases; k++)
                        if (eqi(aliases[k].name, ga->u.column.parts[0].name)) {
                            ga = aliases[k].ast;
                            rc = sm_bind_expr(&x, ga, &kx, e);
                            break;
                        }
                }
                if (rc)
                    return rc;
                sm_buf_t buf = SM_BUF_INIT;
                rc = sm_sql_print_expr(&buf, ga, e);
                g.key_text[g.nkeys] =
                    rc ? NULL : sm_qctx_strdup(b->q, buf.data ? (char *)buf.data : "");
                sm_buf_free(&buf);
                if (rc || !g.key_text[g.nkeys])
                    return rc ? rc : nomem(e);
            }
            g.keys[g.nkeys] = kx;
            g.key_src[g.nkeys] = kx->kind == SM_EXPR_COLUMN ? kx->u.col.index : SM_CID_NONE;
            g.key_cid[g.nkeys] = b->q->next_cid++;
            g.nkeys++;
        }
    }
    /* bind the items */
    ectx_t ix = {.b = b,
                 .sc = &sc,
                 .agg = agg_mode ? &g : NULL,
                 .win = &wc,
                 .clause = "SELECT",
                 .aliases = NULL,
                 .naliases = 0,
                 .joins = agg_mode ? NULL : &pjoins};
    for (size_t i = 0; i < nitems; i++) {
        if (items[i].ast) {
            rc = sm_bind_expr(&ix, items[i].ast, &items[i].x, e);
        } else if (agg_mode) {
            sm_sql_ident_t id = {items[i].col.name, items[i].pos, false};
            sm_sql_ident_t parts[2] = {{items[i].col.qual, items[i].pos, false}, id};
            sm_sql_expr_t fake = {.kind = SM_SQL_EXPR_COLUMN, .pos = items[i].pos};
            fake.u.column.parts = items[i].col.qual ? parts : &parts[1];
            fake.u.column.nparts = items[i].col.qual ? 2 : 1;
            rc = sm_bind_expr(&ix, &fake, &items[i].x, e);
        } else {
            const scol_t *c = &items[i].col;
            rc = sm_expr_column(&b->q->pool, c->cid, c->type, c->nullable, c->name, &items[i].x, e);
        }
        if (rc)
            return rc;
        items[i].cid = b->q->next_cid++;
    }
    /* output scope (names of the select list) */
    scope_t osc = {0};
    sm_lcol_t *ocols = NEWA(b, sm_lcol_t, nitems);
    if (!ocols)
        return nomem(e);
    for (size_t i = 0; i < nitems; i++) {
        ocols[i] = (sm_lcol_t){items[i].cid, items[i].name, items[i].x->type, items[i].x->nullable};
        scol_t c = {NULL, NULL, items[i].name, items[i].cid, items[i].x->type, items[i].x->nullable,
                    false};
        /* a selected column keeps its table's names: ORDER BY t.col */
        if (!items[i].ast) {
            c.qual = items[i].col.qual;
            c.qual2 = items[i].col.qual2;
        } else if (items[i].ast->kind == SM_SQL_EXPR_COLUMN) {
            const sm_sql_name_t *nm = &items[i].ast->u.column;
            if (nm->nparts >= 2)
                c.qual = nm->parts[nm->nparts - 2].name;
            else if (items[i].x->kind == SM_EXPR_COLUMN)
                for (size_t k = 0; k < sc.n; k++)
                    if (sc.c[k].cid == items[i].x->u.col.index) {
                        c.qual = sc.c[k].qual;
                        c.qual2 = sc.c[k].qual2;
                        break;
                    }
        }
        if ((rc = scope_push(b, &osc, &c, e)))
            return rc;
    }
    sm_lp_t tmp_out = {.cols = ocols, .ncols = nitems};
    /* ORDER BY: output names first, else input expressions (hidden) */
    size_t nord = q ? q->norder_by : 0, nhidden = 0;
    sm_lsort_t *keys = NEWA(b, sm_lsort_t, nord);
    sm_expr_t **hidden = NEWA(b, sm_expr_t *, nord);
    sm_lcol_t *hcols = NEWA(b, sm_lcol_t, nord);
    if (!keys || !hidden || !hcols)
        return nomem(e);
    for (size_t i = 0; i < nord; i++) {
        sm_error_t e2;
        const sm_sql_sort_t *so = &q->order_by[i];
        rc = order_on_output(b, so, &tmp_out, &osc, &keys[i], &e2);
        if (rc == SM_OK)
            continue;
        if (so->expr->kind == SM_SQL_EXPR_LITERAL && so->expr->u.lit.kind == SM_SQL_LIT_INT) {
            if (e)
                *e = e2;
            return rc;
        }
        ectx_t hx = ix;
        hx.clause = "ORDER BY";
        hx.aliases = aliases;
        hx.naliases = naliases;
        sm_expr_t *hxp;
        rc = sm_bind_expr(&hx, so->expr, &hxp, e);
        if (rc)
            return rc;
        if (s->distinct)
            return sm_bind_err(so->expr->pos, e, SM_ERR_INVALID,
                               "ORDER BY of a SELECT DISTINCT must use columns of the select list");
        hidden[nhidden] = hxp;
        hcols[nhidden] = (sm_lcol_t){b->q->next_cid++, "__order", hxp->type, hxp->nullable};
        rc = sm_bind_lcol_ref(b, &hcols[nhidden], &keys[i].x, e);
        if (rc)
            return rc;
        keys[i].desc = sort_dir(so, &keys[i].nulls_first);
        nhidden++;
    }
    /* HAVING */
    sm_expr_t *having = NULL;
    if (s->having) {
        if (!agg_mode)
            return sm_bind_err(s->having->pos, e, SM_ERR_INVALID,
                               "HAVING needs GROUP BY or an aggregate");
        ectx_t hx = ix;
        hx.win = NULL;
        hx.clause = "HAVING";
        hx.aliases = aliases;
        hx.naliases = naliases;
        rc = sm_bind_expr(&hx, s->having, &having, e);
        if (rc)
            return rc;
    }
    /* build: aggregate, having, windows, projection, distinct, sort, limit */
    if (agg_mode) {
        sm_lp_t *a = sm_bind_lp_new(b, SM_LP_AGG, g.nkeys + g.naggs);
        if (!a)
            return nomem(e);
        a->in[0] = node;
        for (size_t i = 0; i < g.nkeys; i++)
            a->cols[i] =
                (sm_lcol_t){g.key_cid[i], g.key_text[i], g.keys[i]->type, g.keys[i]->nullable};
        for (size_t i = 0; i < g.naggs; i++)
            a->cols[g.nkeys + i] = (sm_lcol_t){g.agg_cid[i], g.agg_text[i], g.agg_type[i], true};
        a->u.agg.keys = g.keys;
        a->u.agg.nkeys = g.nkeys;
        a->u.agg.aggs = g.aggs;
        a->u.agg.naggs = g.naggs;
        node = a;
        if (having && (rc = add_filter(b, &node, having, e)))
            return rc;
    }
    if (pjoins && (rc = apply_joins(b, &node, &pjoins, e)))
        return rc;
    if (wc.n && (rc = sm_bind_chain_windows(b, &wc, &node, e)))
        return rc;
    sm_expr_t **px = NEWA(b, sm_expr_t *, nitems + nhidden);
    sm_lcol_t *pc = NEWA(b, sm_lcol_t, nitems + nhidden);
    if (!px || !pc)
        return nomem(e);
    for (size_t i = 0; i < nitems; i++) {
        px[i] = items[i].x;
        pc[i] = ocols[i];
    }
    for (size_t i = 0; i < nhidden; i++) {
        px[nitems + i] = hidden[i];
        pc[nitems + i] = hcols[i];
    }
    if ((rc = mk_project(b, &node, px, pc, nitems + nhidden, e)))
        return rc;
    if (s->distinct) {
        sm_lp_t *d = sm_bind_lp_new(b, SM_LP_DISTINCT, 0);
        if (!d)
            return nomem(e);
        d->in[0] = node;
        d->cols = node->cols;
        d->ncols = node->ncols;
        node = d;
    }
    if ((rc = add_sort_limit(b, &node, keys, nord, q, e)))
        return rc;
    if (nhidden) {
        sm_expr_t **fx = NEWA(b, sm_expr_t *, nitems);
        if (!fx)
            return nomem(e);
        for (size_t i = 0; i < nitems; i++)
            if ((rc = sm_bind_lcol_ref(b, &ocols[i], &fx[i], e)))
                return rc;
        if ((rc = mk_project(b, &node, fx, ocols, nitems, e)))
            return rc;
    }
    *out = node;
    return SM_OK;
}

/* Aggregates anywhere in the select list, HAVING or ORDER BY? */
static bool ast_has_agg(const sm_sql_expr_t *a)
{
    return sm_bind_ast_has_agg(a);
}

static bool any_agg(const sm_sql_select_t *s, const sm_sql_query_t *q)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (ast_has_agg(s->items[i].expr))
            return true;
    if (s->having && ast_has_agg(s->having))
        return true;
    if (q)
        for (size_t i = 0; i < q->norder_by; i++)
            if (ast_has_agg(q->order_by[i].expr))
                return true;
    return false;
}

/* ---- VALUES ----------------------------------------------------------------- */

static sm_err_t bind_values(binder_t *b, const sm_sql_body_t *body, sm_lp_t **out, sm_error_t *e)
{
    size_t nr = body->u.values.nrows;
    const sm_sql_row_t *rows = body->u.values.rows;
    size_t nc = nr ? rows[0].nvalues : 0;
    sm_err_t rc = SM_OK;
    sm_expr_t **xs = NEWA(b, sm_expr_t *, nr * nc);
    sm_type_t **types = NEWA(b, sm_type_t *, nc);
    if (!xs || !types)
        return nomem(e);
    scope_t empty = {0};
    empty.outer = b->outer;
    ectx_t x = {.b = b, .sc = &empty, .clause = "VALUES"};
    for (size_t r = 0; r < nr; r++) {
        if (rows[r].nvalues != nc)
            return sm_bind_err(body->pos, e, SM_ERR_INVALID,
                               "VALUES rows must all have %zu values (row %zu has %zu)", nc, r + 1,
                               rows[r].nvalues);
        for (size_t c = 0; c < nc; c++) {
            rc = sm_bind_expr(&x, rows[r].values[c], &xs[r * nc + c], e);
            if (rc)
                return rc;
            sm_type_t *t = xs[r * nc + c]->type;
            if (!types[c])
                types[c] = t;
            else if (!sm_type_equal_ex(types[c], t, SM_TYPE_EQ_IGNORE_NULLABLE)) {
                sm_type_t *ct = NULL;
                rc = sm_expr_common_type(types[c], t, false, &ct, e);
                if (rc)
                    return sm_bind_err(rows[r].values[c]->pos, e, rc, "VALUES column %zu: %s",
                                       c + 1, e ? e->msg : "no common type");
                if (!sm_qctx_keep_type(b->q, ct))
                    return nomem(e);
                types[c] = ct;
            }
        }
    }
    sm_field_t *f = sm_calloc(nc ? nc : 1, sizeof *f);
    char(*names)[16] = sm_calloc(nc ? nc : 1, sizeof *names);
    if (!f || !names) {
        sm_free(f);
        sm_free(names);
        return nomem(e);
    }
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_VALUES, nc);
    if (!lp) {
        sm_free(f);
        sm_free(names);
        return nomem(e);
    }
    for (size_t c = 0; c < nc; c++) {
        if (types[c]->kind == SM_TYPE_NULL)
            types[c] = sm_type_null();
        snprintf(names[c], sizeof names[c], "col%zu", c + 1);
        f[c] = (sm_field_t){names[c], sm_type_ref(types[c]), true};
        lp->cols[c] = (sm_lcol_t){b->q->next_cid++, sm_qctx_strdup(b->q, names[c]), types[c], true};
    }
    sm_type_t *schema = sm_type_struct(f, nc);
    sm_free(f);
    sm_free(names);
    if (!schema || !sm_qctx_keep_type(b->q, schema))
        return nomem(e);
    sm_batch_t *batch = NULL;
    rc = sm_batch_new(schema, nr, &batch, e);
    if (rc)
        return rc;
    for (size_t r = 0; r < nr && !rc; r++)
        for (size_t c = 0; c < nc && !rc; c++) {
            sm_expr_t *v = xs[r * nc + c];
            if (!sm_type_equal_ex(v->type, types[c], SM_TYPE_EQ_IGNORE_NULLABLE))
                rc = sm_expr_cast(&b->q->pool, v, types[c], false, &v, e);
            sm_value_t val;
            if (!rc) {
                sm_expr_ctx_reset(&b->q->ectx);
                rc = sm_expr_eval_const(v, &b->q->ectx, &val, e);
                if (rc)
                    rc = sm_bind_err(rows[r].values[c]->pos, e, rc, "%s", e ? e->msg : "");
            }
            if (!rc)
                rc = val.is_null ? sm_vector_append_null(batch->cols[c], e)
                                 : sm_value_append(batch->cols[c], &val, e);
        }
    if (!rc)
        rc = sm_batch_sync(batch, e);
    if (!rc && nc == 0)
        batch->nrows = nr;
    if (rc) {
        sm_batch_free(batch);
        return rc;
    }
    lp->u.values.b = NEWA(b, sm_batch_t *, 1);
    if (!lp->u.values.b) {
        sm_batch_free(batch);
        return nomem(e);
    }
    lp->u.values.b[0] = batch;
    lp->u.values.nb = 1;
    lp->u.values.schema = schema;
    rc = sm_qctx_on_free(b->q, (void (*)(void *))sm_batch_free, batch, e);
    if (rc)
        return rc;
    *out = lp;
    return SM_OK;
}

/* ---- set operations ---------------------------------------------------------- */

static sm_err_t bind_body(binder_t *b, const sm_sql_body_t *body, const sm_sql_query_t *q,
                          sm_lp_t **out, bool *sorted, sm_error_t *e);

/* Wraps node in a projection casting its columns to types[] with new cids. */
static sm_err_t cast_side(binder_t *b, sm_lp_t **node, sm_type_t **types, sm_error_t *e)
{
    sm_lp_t *n = *node;
    sm_expr_t **xs = NEWA(b, sm_expr_t *, n->ncols);
    sm_lcol_t *cols = NEWA(b, sm_lcol_t, n->ncols);
    if (!xs || !cols)
        return nomem(e);
    for (size_t i = 0; i < n->ncols; i++) {
        sm_err_t rc = sm_bind_lcol_ref(b, &n->cols[i], &xs[i], e);
        if (!rc && !sm_type_equal_ex(xs[i]->type, types[i], SM_TYPE_EQ_IGNORE_NULLABLE))
            rc = sm_expr_cast(&b->q->pool, xs[i], types[i], false, &xs[i], e);
        if (rc)
            return rc;
        cols[i] = (sm_lcol_t){b->q->next_cid++, n->cols[i].name, types[i], n->cols[i].nullable};
    }
    return mk_project(b, node, xs, cols, n->ncols, e);
}

static sm_err_t bind_setop(binder_t *b, const sm_sql_body_t *body, sm_lp_t **out, sm_error_t *e)
{
    sm_lp_t *l = NULL, *r = NULL;
    bool sl, sr;
    sm_err_t rc = bind_body(b, body->u.setop.left, NULL, &l, &sl, e);
    if (!rc)
        rc = bind_body(b, body->u.setop.right, NULL, &r, &sr, e);
    if (rc)
        return rc;
    static const char *const NAMES[] = {"UNION", "INTERSECT", "EXCEPT"};
    if (l->ncols != r->ncols)
        return sm_bind_err(body->pos, e, SM_ERR_INVALID,
                           "%s needs the same number of columns on both sides (%zu and %zu)",
                           NAMES[body->u.setop.op], l->ncols, r->ncols);
    size_t n = l->ncols;
    sm_type_t **types = NEWA(b, sm_type_t *, n);
    if (!types)
        return nomem(e);
    for (size_t i = 0; i < n; i++) {
        if (sm_type_equal_ex(l->cols[i].type, r->cols[i].type, SM_TYPE_EQ_IGNORE_NULLABLE)) {
            types[i] = l->cols[i].type;
            continue;
        }
        sm_type_t *t = NULL;
        rc = sm_expr_common_type(l->cols[i].type, r->cols[i].type, false, &t, e);
        if (rc)
            return sm_bind_err(body->pos, e, rc, "%s column %zu (%s): %s", NAMES[body->u.setop.op],
                               i + 1, l->cols[i].name, e ? e->msg : "");
        if (!sm_qctx_keep_type(b->q, t))
            return nomem(e);
        types[i] = t;
    }
    if ((rc = cast_side(b, &l, types, e)) || (rc = cast_side(b, &r, types, e)))
        return rc;
    sm_lp_t *u =
        sm_bind_lp_new(b, body->u.setop.op == SM_SQL_SETOP_UNION ? SM_LP_UNION : SM_LP_SETOP, n);
    if (!u)
        return nomem(e);
    u->in[0] = l;
    u->in[1] = r;
    for (size_t i = 0; i < n; i++)
        u->cols[i] = (sm_lcol_t){b->q->next_cid++, l->cols[i].name, types[i],
                                 l->cols[i].nullable || r->cols[i].nullable};
    u->u.setop.kind =
        body->u.setop.op == SM_SQL_SETOP_EXCEPT ? SM_SETOP_EXCEPT : SM_SETOP_INTERSECT;
    u->u.setop.all = body->u.setop.all;
    if (body->u.setop.op == SM_SQL_SETOP_UNION && !body->u.setop.all) {
        sm_lp_t *d = sm_bind_lp_new(b, SM_LP_DISTINCT, 0);
        if (!d)
            return nomem(e);
        d->in[0] = u;
        d->cols = u->cols;
        d->ncols = u->ncols;
        u = d;
    }
    *out = u;
    return SM_OK;
}

/* A body; when it is a SELECT, q's ORDER BY/LIMIT are applied inside
 * (*sorted = true) because they may use columns that are not selected. */
static sm_err_t bind_body(binder_t *b, const sm_sql_body_t *body, const sm_sql_query_t *q,
                          sm_lp_t **out, bool *sorted, sm_error_t *e)
{
    *sorted = false;
    switch (body->kind) {
    case SM_SQL_BODY_SELECT:
        *sorted = true;
        return bind_select(b, &body->u.select, q, out, e);
    case SM_SQL_BODY_VALUES:
        return bind_values(b, body, out, e);
    case SM_SQL_BODY_SETOP:
        return bind_setop(b, body, out, e);
    case SM_SQL_BODY_QUERY:
        return sm_bind_query_in(b, body->u.query, out, e);
    }
    return sm_bind_err(body->pos, e, SM_ERR_INTERNAL, "unknown query body");
}

sm_err_t sm_bind_query_in(binder_t *b, const sm_sql_query_t *q, sm_lp_t **out, sm_error_t *e)
{
    cte_ent_t *saved = b->ctes;
    sm_err_t rc = SM_OK;
    if (++b->depth > 128) {
        b->depth--;
        return sm_bind_err(q->pos, e, SM_ERR_LIMIT, "queries nest too deeply");
    }
    for (size_t i = 0; i < q->nctes; i++) {
        cte_ent_t *c = sm_qctx_alloc(b->q, sizeof *c);
        if (!c) {
            rc = nomem(e);
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (eqi(q->ctes[k].name.name, q->ctes[i].name.name)) {
                rc = sm_bind_err(q->ctes[i].name.pos, e, SM_ERR_INVALID,
                                 "CTE \"%s\" is defined twice", q->ctes[i].name.name);
                goto out;
            }
        c->def = &q->ctes[i];
        c->env = b->ctes;
        c->next = b->ctes;
        b->ctes = c;
    }
    bool sorted = false;
    sm_lp_t *node = NULL;
    rc = bind_body(b, q->body, q, &node, &sorted, e);
    if (rc)
        goto out;
    if (!sorted && (q->norder_by || q->limit || q->offset)) {
        scope_t osc = {0};
        rc = scope_of_lp(b, node, NULL, NULL, &osc, e);
        if (rc)
            goto out;
        sm_lsort_t *keys = NEWA(b, sm_lsort_t, q->norder_by);
        if (!keys) {
            rc = nomem(e);
            goto out;
        }
        for (size_t i = 0; i < q->norder_by && !rc; i++)
            rc = order_on_output(b, &q->order_by[i], node, &osc, &keys[i], e);
        if (!rc)
            rc = add_sort_limit(b, &node, keys, q->norder_by, q, e);
    }
    if (!rc)
        *out = node;
out:
    b->ctes = saved;
    b->depth--;
    return rc;
}

sm_err_t sm_bind_query(sm_qctx_t *q, const sm_sql_query_t *query, sm_lp_t **out, sm_error_t *e)
{
    binder_t b = {.q = q};
    return sm_bind_query_in(&b, query, out, e);
}

/* ---- entry points for DML (dml*.c) ------------------------------------------ */

sm_err_t sm_bind_snapshot_scan(binder_t *b, sm_store_t *st, const sm_delta_snapshot_t *snap,
                               const char *label, const char *qual, const char *qual2,
                               sm_lp_t **out, scope_t *sc, sm_error_t *e)
{
    sm_err_t rc = snapshot_scan(b, st, snap, label, out, e);
    return rc ? rc : scope_of_lp(b, *out, qual, qual2, sc, e);
}

sm_err_t sm_bind_from_item(binder_t *b, const sm_sql_table_t *t, sm_lp_t **node, scope_t *sc,
                           sm_error_t *e)
{
    return bind_from(b, t, node, sc, e);
}

sm_err_t sm_bind_scope_add(binder_t *b, const sm_lp_t *lp, const char *qual, scope_t *sc,
                           sm_error_t *e)
{
    return scope_of_lp(b, lp, qual, NULL, sc, e);
}

sm_err_t sm_bind_scope_push(binder_t *b, scope_t *sc, const scol_t *c, sm_error_t *e)
{
    return scope_push(b, sc, c, e);
}

sm_err_t sm_bind_join_node(binder_t *b, sm_join_type_t jt, sm_lp_t *l, sm_lp_t *r, sm_expr_t *on,
                           sm_lp_t **out, sm_error_t *e)
{
    sm_expr_t **lk = NEWA(b, sm_expr_t *, MAX_CONJUNCTS),
              **rk = NEWA(b, sm_expr_t *, MAX_CONJUNCTS);
    if (!lk || !rk)
        return nomem(e);
    return join_node(b, jt, l, r, on, lk, rk, 0, MAX_CONJUNCTS, out, e);
}
