/* sql/plan — logical plan → physical operators.
 *
 * Bottom-up, each logical node is planned with the set of column ids its
 * parent needs (projection pushdown: scans read only those columns).  The
 * result is an operator and its layout: the cid of each output column
 * (SM_CID_NONE for helper columns such as computed keys).  Expressions
 * are then mapped in place from cids to positions of that layout.
 *
 * Rules applied on the way:
 *   - a FILTER right above a SCAN hands its simple conjuncts (column op
 *     literal, IS [NOT] NULL, IN literals) to the scan, which skips files by
 *     partition values and statistics and row groups by Parquet
 *     statistics; the filter still runs;
 *   - join keys that are not plain columns, aggregate arguments, window
 *     and sort keys are computed by a projection inserted below;
 *   - hash joins build on the side with fewer estimated rows (inner and
 *     outer joins), semi/anti joins build on the subquery side;
 *   - ORDER BY + LIMIT is a top-N;
 *   - before planning, an expression of a projection over a chain of INNER
 *     and LEFT joins that reads only one joined (right) input, is strict,
 *     deterministic and cannot fail, moves into a projection over that
 *     input (upper(c.country) per customer, not per order line).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sql/plan_int.h"

typedef struct pres {
    sm_op_t *op;
    uint32_t *lay;
    size_t n;
    double est;
    sm_xnode_t *x;
} pres_t;

typedef struct planner {
    sm_qctx_t *q;
    size_t ncids;
} planner_t;

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "planning");
}

static uint8_t *set_new(planner_t *p)
{
    return sm_qctx_alloc(p->q, p->ncids + 1);
}

static void set_add(planner_t *p, uint8_t *s, uint32_t cid)
{
    if (cid < p->ncids)
        s[cid] = 1;
}

static bool set_has(planner_t *p, const uint8_t *s, uint32_t cid)
{
    return cid < p->ncids && s[cid];
}

static void refs(planner_t *p, const sm_expr_t *x, uint8_t *s)
{
    if (!x)
        return;
    if (x->kind == SM_EXPR_COLUMN) {
        set_add(p, s, x->u.col.index);
        return;
    }
    for (uint32_t i = 0; i < x->nargs; i++)
        refs(p, x->args[i], s);
}

static uint8_t *set_copy(planner_t *p, const uint8_t *need)
{
    uint8_t *s = set_new(p);
    if (s && need)
        memcpy(s, need, p->ncids);
    return s;
}

/* ---- mapping cids to positions, in place ---------------------------------- */

typedef struct seen {
    const sm_expr_t **v;
    size_t n, cap;
} seen_t;

static sm_err_t collect_cols(const sm_expr_t *x, seen_t *s, sm_error_t *e)
{
    if (x->kind == SM_EXPR_COLUMN) {
        for (size_t i = 0; i < s->n; i++)
            if (s->v[i] == x)
                return SM_OK;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            const sm_expr_t **nv = sm_realloc(s->v, cap * sizeof *nv);
            if (!nv)
                return nomem(e);
            s->v = nv;
            s->cap = cap;
        }
        s->v[s->n++] = x;
        return SM_OK;
    }
    for (uint32_t i = 0; i < x->nargs; i++) {
        sm_err_t rc = collect_cols(x->args[i], s, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t remap(sm_expr_t *x, const uint32_t *lay, size_t n, sm_error_t *e)
{
    seen_t s = {0};
    if (!x)
        return SM_OK;
    sm_err_t rc = collect_cols(x, &s, e);
    for (size_t i = 0; i < s.n && !rc; i++) {
        sm_expr_t *c = (sm_expr_t *)s.v[i];
        size_t k = 0;
        while (k < n && lay[k] != c->u.col.index)
            k++;
        if (k == n)
            rc = sm_error_set(e, SM_ERR_INTERNAL, "planner: column %s (#%u) is not available",
                              c->u.col.name ? c->u.col.name : "?", c->u.col.index);
        else
            c->u.col.index = (uint32_t)k;
    }
    sm_free(s.v);
    return rc;
}

/* ---- explain nodes ------------------------------------------------------- */

static sm_xnode_t *xnode(planner_t *p, sm_op_t *op, double est, const char *text, sm_xnode_t *k0,
                         sm_xnode_t *k1)
{
    sm_xnode_t *x = sm_qctx_alloc(p->q, sizeof *x);
    if (!x)
        return NULL;
    x->text = sm_qctx_strdup(p->q, text);
    x->est = est;
    x->op = op;
    x->kids = sm_qctx_alloc(p->q, 2 * sizeof *x->kids);
    if (!x->text || !x->kids)
        return NULL;
    if (k0)
        x->kids[x->nkids++] = k0;
    if (k1)
        x->kids[x->nkids++] = k1;
    return x;
}

static void fmt_exprs(sm_buf_t *b, sm_expr_t *const *xs, size_t n)
{
    sm_buf_append_str(b, "[", NULL);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sm_buf_append_str(b, ", ", NULL);
        sm_expr_format(xs[i], b, NULL);
    }
    sm_buf_append_str(b, "]", NULL);
}

/* ---- projections ------------------------------------------------------------ */

/* Puts a projection over r computing xs (already mapped to r's layout),
 * with layout cids. */
static sm_err_t project(planner_t *p, pres_t *r, sm_expr_t **xs, const char **names,
                        const uint32_t *cids, size_t n, sm_error_t *e)
{
    sm_op_t *op = NULL;
    sm_err_t rc = sm_op_project_new(p->q, r->op, xs, names, n, &op, e);
    r->op = NULL;
    if (rc)
        return rc;
    uint32_t *lay = sm_qctx_alloc(p->q, (n ? n : 1) * sizeof *lay);
    if (!lay) {
        sm_op_free(op);
        return nomem(e);
    }
    memcpy(lay, cids, n * sizeof *lay);
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_append_str(&b, "Project ", NULL);
    fmt_exprs(&b, xs, n);
    sm_xnode_t *x = xnode(p, op, r->est, b.data ? (char *)b.data : "Project", r->x, NULL);
    sm_buf_free(&b);
    r->op = op;
    r->lay = lay;
    r->n = n;
    r->x = x;
    if (!x)
        return nomem(e);
    return SM_OK;
}

/* Makes r produce exactly cols (in order, with their names). */
static sm_err_t exact(planner_t *p, pres_t *r, const sm_lcol_t *cols, size_t n, sm_error_t *e)
{
    bool same = r->n == n;
    for (size_t i = 0; same && i < n; i++)
        same = r->lay[i] == cols[i].cid && strcmp(r->op->schema->fields[i].name, cols[i].name) == 0;
    if (same)
        return SM_OK;
    sm_expr_t **xs = sm_qctx_alloc(p->q, (n ? n : 1) * sizeof *xs);
    const char **names = sm_qctx_alloc(p->q, (n ? n : 1) * sizeof *names);
    uint32_t *cids = sm_qctx_alloc(p->q, (n ? n : 1) * sizeof *cids);
    if (!xs || !names || !cids)
        return nomem(e);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < r->n && r->lay[k] != cols[i].cid)
            k++;
        if (k == r->n)
            return sm_error_set(e, SM_ERR_INTERNAL, "planner: column %s is not available",
                                cols[i].name);
        const sm_field_t *f = &r->op->schema->fields[k];
        sm_err_t rc =
            sm_expr_column(&p->q->pool, (uint32_t)k, f->type, f->nullable, cols[i].name, &xs[i], e);
        if (rc)
            return rc;
        names[i] = cols[i].name;
        cids[i] = cols[i].cid;
    }
    return project(p, r, xs, names, cids, n, e);
}

/* Appends computed columns xs (mapped to r's layout) to r: the result
 * keeps r's columns first; *pos[i] receives the position of xs[i].  Plain
 * columns are used where they are. */
static sm_err_t extend(planner_t *p, pres_t *r, sm_expr_t **xs, size_t n, uint32_t *pos,
                       sm_error_t *e)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        if (xs[i]->kind != SM_EXPR_COLUMN)
            extra++;
    if (!extra) {
        for (size_t i = 0; i < n; i++)
            pos[i] = xs[i]->u.col.index;
        return SM_OK;
    }
    size_t w = r->n, m = w + extra;
    sm_expr_t **all = sm_qctx_alloc(p->q, m * sizeof *all);
    const char **names = sm_qctx_alloc(p->q, m * sizeof *names);
    uint32_t *cids = sm_qctx_alloc(p->q, m * sizeof *cids);
    if (!all || !names || !cids)
        return nomem(e);
    for (size_t i = 0; i < w; i++) {
        const sm_field_t *f = &r->op->schema->fields[i];
        sm_err_t rc =
            sm_expr_column(&p->q->pool, (uint32_t)i, f->type, f->nullable, f->name, &all[i], e);
        if (rc)
            return rc;
        names[i] = f->name;
        cids[i] = r->lay[i];
    }
    size_t k = w;
    for (size_t i = 0; i < n; i++) {
        if (xs[i]->kind == SM_EXPR_COLUMN) {
            pos[i] = xs[i]->u.col.index;
            continue;
        }
        char nm[32];
        snprintf(nm, sizeof nm, "__k%zu", k);
        all[k] = xs[i];
        names[k] = sm_qctx_strdup(p->q, nm);
        cids[k] = SM_CID_NONE;
        pos[i] = (uint32_t)k++;
    }
    return project(p, r, all, names, cids, m, e);
}

/* ---- per node ----------------------------------------------------------------- */

static sm_err_t plan(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r, sm_error_t *e);

static bool lit_col(const sm_expr_t *x, const sm_lp_t *scan, uint32_t *tcol)
{
    if (x->kind != SM_EXPR_COLUMN)
        return false;
    for (size_t i = 0; i < scan->ncols; i++)
        if (scan->cols[i].cid == x->u.col.index) {
            *tcol = scan->u.scan.tcol[i];
            return true;
        }
    return false;
}

/* A one-row (or n-row) vector of literal values for a scan predicate. */
static sm_err_t lit_vec(planner_t *p, const sm_type_t *ct, sm_expr_t *const *lits, size_t n,
                        const sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *v = NULL;
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (lits[i]->kind != SM_EXPR_LITERAL || lits[i]->u.lit.is_null ||
            !sm_type_equal_ex(lits[i]->type, ct, SM_TYPE_EQ_IGNORE_NULLABLE))
            return SM_OK;
    sm_err_t rc = sm_vector_new((sm_type_t *)ct, n, &v, e);
    for (size_t i = 0; i < n && !rc; i++)
        rc = sm_value_append(v, &lits[i]->u.lit, e);
    if (!rc)
        rc = sm_qctx_keep_vec(p->q, v, e);
    else
        sm_vector_free(v);
    if (!rc)
        *out = v;
    return rc;
}

static sm_err_t push_preds(planner_t *p, sm_lp_t *scan, sm_expr_t *pred, sm_error_t *e)
{
    sm_expr_t *conj[128];
    size_t nc = 0;
    sm_expr_t *stack[128];
    size_t sp = 0;
    stack[sp++] = pred;
    while (sp) {
        sm_expr_t *x = stack[--sp];
        if (x->kind == SM_EXPR_AND && sp + 2 <= 128) {
            stack[sp++] = x->args[1];
            stack[sp++] = x->args[0];
        } else if (nc < 128)
            conj[nc++] = x;
    }
    sm_scan_pred_t *ps = sm_qctx_alloc(p->q, (nc + 1) * sizeof *ps);
    size_t np = 0;
    if (!ps)
        return nomem(e);
    for (size_t i = 0; i < nc; i++) {
        sm_expr_t *x = conj[i];
        uint32_t tc;
        sm_pq_pred_op_t op;
        const sm_vector_t *vals = NULL;
        sm_err_t rc = SM_OK;
        if (x->kind == SM_EXPR_CMP && x->nargs == 2) {
            static const int OPS[] = {[SM_OP_EQ] = SM_PQ_PRED_EQ,
                                      [SM_OP_LT] = SM_PQ_PRED_LT,
                                      [SM_OP_LE] = SM_PQ_PRED_LE,
                                      [SM_OP_GT] = SM_PQ_PRED_GT,
                                      [SM_OP_GE] = SM_PQ_PRED_GE};
            static const int FLIP[] = {[SM_PQ_PRED_EQ] = SM_PQ_PRED_EQ,
                                       [SM_PQ_PRED_LT] = SM_PQ_PRED_GT,
                                       [SM_PQ_PRED_LE] = SM_PQ_PRED_GE,
                                       [SM_PQ_PRED_GT] = SM_PQ_PRED_LT,
                                       [SM_PQ_PRED_GE] = SM_PQ_PRED_LE};
            if (x->u.op != SM_OP_EQ && x->u.op != SM_OP_LT && x->u.op != SM_OP_LE &&
                x->u.op != SM_OP_GT && x->u.op != SM_OP_GE)
                continue;
            op = (sm_pq_pred_op_t)OPS[x->u.op];
            sm_expr_t *c = x->args[0], *l = x->args[1];
            if (!lit_col(c, scan, &tc)) {
                c = x->args[1];
                l = x->args[0];
                if (!lit_col(c, scan, &tc))
                    continue;
                op = (sm_pq_pred_op_t)FLIP[op];
            }
            rc = lit_vec(p, scan->u.scan.tschema->fields[tc].type, &l, 1, &vals, e);
        } else if (x->kind == SM_EXPR_IS_NULL && lit_col(x->args[0], scan, &tc)) {
            op = x->u.negated ? SM_PQ_PRED_IS_NOT_NULL : SM_PQ_PRED_IS_NULL;
            ps[np++] = (sm_scan_pred_t){tc, op, NULL};
            continue;
        } else if (x->kind == SM_EXPR_IN && !x->u.negated && x->nargs >= 2 &&
                   lit_col(x->args[0], scan, &tc)) {
            op = SM_PQ_PRED_IN;
            rc = lit_vec(p, scan->u.scan.tschema->fields[tc].type, x->args + 1, x->nargs - 1, &vals,
                         e);
        } else
            continue;
        if (rc)
            return rc;
        if (vals)
            ps[np++] = (sm_scan_pred_t){tc, op, vals};
    }
    scan->u.scan.preds = ps;
    scan->u.scan.npreds = np;
    return SM_OK;
}

static const char *PRED_OPS[] = {"=", "<", "<=", ">", ">=", "IN", "IS NULL", "IS NOT NULL"};

static sm_err_t plan_scan(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r, sm_error_t *e)
{
    uint32_t *tcols = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *tcols);
    uint32_t *lay = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *lay);
    size_t n = 0;
    if (!tcols || !lay)
        return nomem(e);
    for (size_t i = 0; i < lp->ncols; i++)
        if (set_has(p, need, lp->cols[i].cid)) {
            tcols[n] = lp->u.scan.tcol[i];
            lay[n++] = lp->cols[i].cid;
        }
    sm_scan_files_t files = {0};
    sm_err_t rc;
    if (lp->u.scan.snap) {
        rc = sm_scan_files_delta(lp->u.scan.snap, lp->u.scan.preds, lp->u.scan.npreds, &files, e);
        if (rc)
            return rc;
    } else {
        files = *lp->u.scan.files;
        memset(lp->u.scan.files, 0, sizeof *lp->u.scan.files);
    }
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_printf(&b, NULL, "Scan %s files=%zu/%zu columns=[", lp->u.scan.label, files.nfiles,
                  files.nfiles_total);
    for (size_t i = 0; i < n; i++)
        sm_buf_printf(&b, NULL, "%s%s", i ? ", " : "", lp->u.scan.tschema->fields[tcols[i]].name);
    sm_buf_append_str(&b, "]", NULL);
    if (lp->u.scan.npreds) {
        sm_buf_append_str(&b, " pushed=[", NULL);
        for (size_t i = 0; i < lp->u.scan.npreds; i++) {
            const sm_scan_pred_t *sp = &lp->u.scan.preds[i];
            sm_buf_printf(&b, NULL, "%s%s %s", i ? ", " : "",
                          lp->u.scan.tschema->fields[sp->column].name, PRED_OPS[sp->op]);
            if (sp->values && sp->values->len) {
                sm_value_t v;
                if (sm_value_from_vector(sp->values, 0, &v, NULL) == SM_OK) {
                    sm_buf_append_str(&b, " ", NULL);
                    sm_value_format_sql(&v, &b, NULL);
                }
                if (sp->values->len > 1)
                    sm_buf_append_str(&b, ", ...", NULL);
            }
        }
        sm_buf_append_str(&b, "]", NULL);
    }
    double est = (double)files.est_rows;
    rc = sm_op_scan_new(&p->q->exec, lp->u.scan.store, &files, tcols, n, lp->u.scan.preds,
                        lp->u.scan.npreds, &r->op, e);
    if (!rc) {
        r->lay = lay;
        r->n = n;
        r->est = est;
        r->x = xnode(p, r->op, est, b.data ? (char *)b.data : "Scan", NULL, NULL);
        if (!r->x)
            rc = nomem(e);
    }
    sm_buf_free(&b);
    return rc;
}

static sm_err_t plan_values(planner_t *p, sm_lp_t *lp, pres_t *r, sm_error_t *e)
{
    sm_err_t rc;
    sm_batch_t *copy = NULL;
    sm_type_t *schema = lp->u.values.schema;
    sm_type_t *own = NULL;
    size_t rows = 1;
    if (!lp->u.values.b) { /* SELECT without FROM: one row, no columns */
        own = sm_type_struct(NULL, 0);
        if (!own)
            return nomem(e);
        schema = own;
        rc = sm_batch_new(schema, 1, &copy, e);
        if (!rc)
            copy->nrows = 1;
    } else {
        sm_batch_t *src = lp->u.values.b[0];
        rows = src->nrows;
        if (src->ncols) {
            size_t *idx = sm_qctx_alloc(p->q, src->ncols * sizeof *idx);
            if (!idx)
                return nomem(e);
            for (size_t i = 0; i < src->ncols; i++)
                idx[i] = i;
            rc = sm_batch_project(src, idx, src->ncols, &copy, e);
        } else {
            rc = sm_batch_new(schema, 1, &copy, e);
            if (!rc)
                copy->nrows = src->nrows;
        }
    }
    if (rc) {
        sm_type_free(own);
        return rc;
    }
    rc = sm_op_values_new(&p->q->exec, schema, &copy, 1, &r->op, e);
    sm_type_free(own);
    if (rc)
        return rc;
    r->lay = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *r->lay);
    if (!r->lay)
        return nomem(e);
    for (size_t i = 0; i < lp->ncols; i++)
        r->lay[i] = lp->cols[i].cid;
    r->n = lp->ncols;
    r->est = (double)rows;
    char t[64];
    snprintf(t, sizeof t, "Values rows=%zu", rows);
    r->x = xnode(p, r->op, r->est, t, NULL, NULL);
    return r->x ? SM_OK : nomem(e);
}

/* read_csv / read_json: the file is opened when the operator is (with the
 * schema inferred at bind time) and streamed batch by batch. */
typedef struct file_src {
    sm_store_t *store;
    char *key;
    sm_file_format_t format;
    sm_file_opts_t opts;
    sm_file_source_t *src;
} file_src_t;

static sm_err_t fsrc_open(void *arg, sm_error_t *e)
{
    file_src_t *f = arg;
    sm_file_source_close(f->src);
    f->src = NULL;
    return sm_file_source_open(f->store, f->key, f->format, &f->opts, &f->src, e);
}

static sm_err_t fsrc_next(void *arg, sm_batch_t **out, sm_error_t *e)
{
    file_src_t *f = arg;
    *out = NULL;
    return f->src ? sm_file_source_next(f->src, out, e) : SM_OK;
}

static void fsrc_close(void *arg)
{
    file_src_t *f = arg;
    sm_file_source_close(f->src);
    f->src = NULL;
}

static void fsrc_free(void *arg)
{
    file_src_t *f = arg;
    fsrc_close(f);
    sm_free(f->key);
    sm_free(f);
}

static sm_err_t plan_file(planner_t *p, sm_lp_t *lp, pres_t *r, sm_error_t *e)
{
    file_src_t *f = sm_calloc(1, sizeof *f);
    if (!f || !(f->key = sm_strdup(lp->u.file.key))) {
        sm_free(f);
        return nomem(e);
    }
    f->store = lp->u.file.store;
    f->format = (sm_file_format_t)lp->u.file.format;
    f->opts.schema = lp->u.file.schema;
    f->opts.no_header = lp->u.file.no_header;
    f->opts.delimiter = lp->u.file.delimiter;
    sm_source_cb_t cb = {f, fsrc_open, fsrc_next, fsrc_close, fsrc_free};
    sm_err_t rc = sm_op_source_new(&p->q->exec, lp->u.file.schema, &cb, &r->op, e);
    if (rc)
        return rc;
    r->lay = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *r->lay);
    if (!r->lay)
        return nomem(e);
    for (size_t i = 0; i < lp->ncols; i++)
        r->lay[i] = lp->cols[i].cid;
    r->n = lp->ncols;
    r->est = 1000;
    char t[300];
    snprintf(t, sizeof t, "ReadFile %s format=%s", lp->u.file.label,
             sm_file_format_name(f->format));
    r->x = xnode(p, r->op, r->est, t, NULL, NULL);
    return r->x ? SM_OK : nomem(e);
}

static sm_err_t plan_join(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r, sm_error_t *e)
{
    uint8_t *n2 = set_copy(p, need);
    if (!n2)
        return nomem(e);
    for (size_t i = 0; i < lp->u.join.nk; i++) {
        refs(p, lp->u.join.lk[i], n2);
        refs(p, lp->u.join.rk[i], n2);
    }
    refs(p, lp->u.join.resid, n2);
    /* each side keeps at least one column: joins pair rows of columns */
    for (int k = 0; k < 2; k++) {
        const sm_lp_t *in = lp->in[k];
        bool any = false;
        for (size_t i = 0; i < in->ncols && !any; i++)
            any = set_has(p, n2, in->cols[i].cid);
        if (!any && in->ncols)
            set_add(p, n2, in->cols[0].cid);
    }
    pres_t L = {0}, R = {0};
    sm_err_t rc = plan(p, lp->in[0], n2, &L, e);
    if (rc)
        return rc;
    rc = plan(p, lp->in[1], n2, &R, e);
    if (rc) {
        sm_op_free(L.op);
        return rc;
    }
    size_t nk = lp->u.join.nk;
    uint32_t *lk = sm_qctx_alloc(p->q, (nk + 1) * sizeof *lk);
    uint32_t *rk = sm_qctx_alloc(p->q, (nk + 1) * sizeof *rk);
    if (!lk || !rk) {
        rc = nomem(e);
        goto fail;
    }
    for (size_t i = 0; i < nk && !rc; i++) {
        rc = remap(lp->u.join.lk[i], L.lay, L.n, e);
        if (!rc)
            rc = remap(lp->u.join.rk[i], R.lay, R.n, e);
    }
    if (!rc)
        rc = extend(p, &L, lp->u.join.lk, nk, lk, e);
    if (!rc)
        rc = extend(p, &R, lp->u.join.rk, nk, rk, e);
    if (rc)
        goto fail;
    sm_join_type_t jt = lp->u.join.type;
    bool semi = jt == SM_JOIN_SEMI || jt == SM_JOIN_ANTI;
    size_t nout = semi ? L.n : L.n + R.n;
    uint32_t *lay = sm_qctx_alloc(p->q, (L.n + R.n + 1) * sizeof *lay);
    if (!lay) {
        rc = nomem(e);
        goto fail;
    }
    memcpy(lay, L.lay, L.n * sizeof *lay);
    memcpy(lay + L.n, R.lay, R.n * sizeof *lay);
    /* Columns only the join needs (keys, the residual's) do not come out:
     * the join does not copy them. */
    uint8_t *keep = semi ? NULL : sm_qctx_alloc(p->q, L.n + R.n + 1);
    uint32_t *olay = semi ? lay : sm_qctx_alloc(p->q, (L.n + R.n + 1) * sizeof *olay);
    if (!semi && (!keep || !olay)) {
        rc = nomem(e);
        goto fail;
    }
    if (!semi) {
        nout = 0;
        for (size_t i = 0; i < L.n + R.n; i++)
            if ((keep[i] = set_has(p, need, lay[i])))
                olay[nout++] = lay[i];
        if (!nout && L.n + R.n) {
            keep[0] = 1; /* each output row needs a column */
            olay[nout++] = lay[0];
        }
    }
    sm_join_spec_t spec = {0};
    spec.keep = L.n + R.n ? keep : NULL;
    spec.type = nk == 0 && jt == SM_JOIN_INNER ? SM_JOIN_CROSS : jt;
    if (nk == 0 && jt == SM_JOIN_INNER && lp->u.join.resid)
        spec.type = SM_JOIN_INNER;
    spec.left_keys = lk;
    spec.right_keys = rk;
    spec.nkeys = nk;
    spec.build_left = !semi && nk && L.est < R.est;
    if (lp->u.join.resid) {
        sm_join_pred_t *jp = NULL;
        rc = remap(lp->u.join.resid, lay, L.n + R.n, e);
        if (!rc)
            rc = sm_join_pred_new(p->q, lp->u.join.resid, &jp, e);
        if (rc)
            goto fail;
        spec.filter = sm_join_pred_eval;
        spec.filter_arg = jp;
    }
    static const char *JN[] = {"INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "CROSS"};
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_printf(&b, NULL, "%s %s", nk ? "HashJoin" : "NestedLoopJoin", JN[spec.type]);
    if (nk)
        sm_buf_printf(&b, NULL, " build=%s", spec.build_left ? "left" : "right");
    if (nk) {
        sm_buf_append_str(&b, " keys=", NULL);
        fmt_exprs(&b, lp->u.join.lk, nk);
        sm_buf_append_str(&b, "=", NULL);
        fmt_exprs(&b, lp->u.join.rk, nk);
    }
    if (lp->u.join.resid) {
        sm_buf_append_str(&b, " filter=", NULL);
        sm_expr_format(lp->u.join.resid, &b, NULL);
    }
    double est = nk == 0 && !semi     ? L.est * R.est
                 : semi               ? L.est * 0.5
                 : jt == SM_JOIN_LEFT ? (L.est > R.est ? L.est : R.est)
                                      : (L.est > R.est ? L.est : R.est);
    if (est < 1)
        est = 1;
    sm_xnode_t *lx = L.x, *rx = R.x;
    rc = sm_op_hash_join_new(&p->q->exec, L.op, R.op, &spec, &r->op, e);
    L.op = R.op = NULL;
    if (!rc) {
        r->lay = olay;
        r->n = nout;
        r->est = est;
        r->x = xnode(p, r->op, est, b.data ? (char *)b.data : "Join", lx, rx);
        if (!r->x)
            rc = nomem(e);
    }
    sm_buf_free(&b);
    return rc;
fail:
    sm_op_free(L.op);
    sm_op_free(R.op);
    return rc;
}

static sm_err_t plan_agg(planner_t *p, sm_lp_t *lp, pres_t *r, sm_error_t *e)
{
    uint8_t *n2 = set_new(p);
    if (!n2)
        return nomem(e);
    size_t nk = lp->u.agg.nkeys, na = lp->u.agg.naggs;
    for (size_t i = 0; i < nk; i++)
        refs(p, lp->u.agg.keys[i], n2);
    for (size_t i = 0; i < na; i++) {
        refs(p, lp->u.agg.aggs[i].arg, n2);
        refs(p, lp->u.agg.aggs[i].filter, n2);
    }
    pres_t c = {0};
    sm_err_t rc = plan(p, lp->in[0], n2, &c, e);
    if (rc)
        return rc;
    /* projection: keys, arguments, filters */
    size_t m = nk + 2 * na;
    sm_expr_t **xs = sm_qctx_alloc(p->q, (m + 1) * sizeof *xs);
    const char **names = sm_qctx_alloc(p->q, (m + 1) * sizeof *names);
    uint32_t *cids = sm_qctx_alloc(p->q, (m + 1) * sizeof *cids);
    uint32_t *keys = sm_qctx_alloc(p->q, (nk + 1) * sizeof *keys);
    sm_agg_spec_t *specs = sm_qctx_alloc(p->q, (na + 1) * sizeof *specs);
    if (!xs || !names || !cids || !keys || !specs) {
        sm_op_free(c.op);
        return nomem(e);
    }
    size_t k = 0;
    for (size_t i = 0; i < nk && !rc; i++) {
        rc = remap(lp->u.agg.keys[i], c.lay, c.n, e);
        xs[k] = lp->u.agg.keys[i];
        names[k] = lp->cols[i].name;
        cids[k] = SM_CID_NONE;
        keys[i] = (uint32_t)k++;
    }
    for (size_t i = 0; i < na && !rc; i++) {
        sm_lagg_t *a = &lp->u.agg.aggs[i];
        specs[i].kind = a->kind;
        specs[i].arg = -1;
        specs[i].filter = -1;
        specs[i].distinct = a->distinct;
        specs[i].ignore_nulls = a->ignore_nulls;
        specs[i].percentile = a->pct;
        specs[i].accuracy = 10000;
        specs[i].name = lp->cols[nk + i].name;
        if (a->arg) {
            rc = remap(a->arg, c.lay, c.n, e);
            xs[k] = a->arg;
            names[k] = "__arg";
            cids[k] = SM_CID_NONE;
            specs[i].arg = (int32_t)k++;
        }
        if (!rc && a->filter) {
            rc = remap(a->filter, c.lay, c.n, e);
            xs[k] = a->filter;
            names[k] = "__filter";
            cids[k] = SM_CID_NONE;
            specs[i].filter = (int32_t)k++;
        }
    }
    if (!rc)
        rc = project(p, &c, xs, names, cids, k, e);
    if (rc) {
        sm_op_free(c.op);
        return rc;
    }
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_append_str(&b, "HashAggregate keys=", NULL);
    fmt_exprs(&b, lp->u.agg.keys, nk);
    sm_buf_append_str(&b, " aggs=[", NULL);
    for (size_t i = 0; i < na; i++)
        sm_buf_printf(&b, NULL, "%s%s", i ? ", " : "", lp->cols[nk + i].name);
    sm_buf_append_str(&b, "]", NULL);
    double est = nk ? c.est * 0.2 : 1;
    if (est < 1)
        est = 1;
    sm_xnode_t *cx = c.x;
    rc = sm_op_hash_agg_new(&p->q->exec, c.op, keys, nk, specs, na, &r->op, e);
    if (!rc) {
        r->lay = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *r->lay);
        if (r->lay)
            for (size_t i = 0; i < lp->ncols; i++)
                r->lay[i] = lp->cols[i].cid;
        r->n = lp->ncols;
        r->est = est;
        r->x = xnode(p, r->op, est, b.data ? (char *)b.data : "HashAggregate", cx, NULL);
        if (!r->lay || !r->x)
            rc = nomem(e);
    }
    sm_buf_free(&b);
    return rc;
}

static sm_err_t plan_window(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r,
                            sm_error_t *e)
{
    uint8_t *n2 = set_copy(p, need);
    if (!n2)
        return nomem(e);
    size_t np = lp->u.win.npart, no = lp->u.win.norder;
    for (size_t i = 0; i < np; i++)
        refs(p, lp->u.win.part[i], n2);
    for (size_t i = 0; i < no; i++)
        refs(p, lp->u.win.order[i].x, n2);
    refs(p, lp->u.win.arg, n2);
    refs(p, lp->u.win.deflt, n2);
    pres_t c = {0};
    sm_err_t rc = plan(p, lp->in[0], n2, &c, e);
    if (rc)
        return rc;
    size_t m = np + no + 2;
    sm_expr_t **xs = sm_qctx_alloc(p->q, m * sizeof *xs);
    uint32_t *pos = sm_qctx_alloc(p->q, m * sizeof *pos);
    sm_sort_key_t *ok = sm_qctx_alloc(p->q, (no + 1) * sizeof *ok);
    if (!xs || !pos || !ok) {
        sm_op_free(c.op);
        return nomem(e);
    }
    size_t k = 0;
    for (size_t i = 0; i < np; i++)
        xs[k++] = lp->u.win.part[i];
    for (size_t i = 0; i < no; i++)
        xs[k++] = lp->u.win.order[i].x;
    if (lp->u.win.arg)
        xs[k++] = lp->u.win.arg;
    if (lp->u.win.deflt)
        xs[k++] = lp->u.win.deflt;
    for (size_t i = 0; i < k && !rc; i++)
        rc = remap(xs[i], c.lay, c.n, e);
    if (!rc)
        rc = extend(p, &c, xs, k, pos, e);
    if (rc) {
        sm_op_free(c.op);
        return rc;
    }
    for (size_t i = 0; i < no; i++)
        ok[i] =
            (sm_sort_key_t){pos[np + i], lp->u.win.order[i].desc, lp->u.win.order[i].nulls_first};
    sm_win_fn_t fn = lp->u.win.fn;
    size_t at = np + no;
    if (lp->u.win.arg)
        fn.arg = (int32_t)pos[at++];
    if (lp->u.win.deflt)
        fn.default_col = (int32_t)pos[at++];
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_printf(&b, NULL, "Window %s partition=", fn.name);
    fmt_exprs(&b, lp->u.win.part, np);
    sm_buf_append_str(&b, " order=[", NULL);
    for (size_t i = 0; i < no; i++) {
        if (i)
            sm_buf_append_str(&b, ", ", NULL);
        sm_expr_format(lp->u.win.order[i].x, &b, NULL);
        if (lp->u.win.order[i].desc)
            sm_buf_append_str(&b, " DESC", NULL);
    }
    sm_buf_append_str(&b, "]", NULL);
    sm_xnode_t *cx = c.x;
    uint32_t *lay = sm_qctx_alloc(p->q, (c.n + 2) * sizeof *lay);
    if (!lay) {
        sm_op_free(c.op);
        sm_buf_free(&b);
        return nomem(e);
    }
    memcpy(lay, c.lay, c.n * sizeof *lay);
    lay[c.n] = lp->cols[lp->ncols - 1].cid;
    size_t nl = c.n + 1;
    double est = c.est;
    rc = sm_op_window_new(&p->q->exec, c.op, pos, np, ok, no, &fn, 1, &r->op, e);
    if (!rc) {
        r->lay = lay;
        r->n = nl;
        r->est = est;
        r->x = xnode(p, r->op, est, b.data ? (char *)b.data : "Window", cx, NULL);
        if (!r->x)
            rc = nomem(e);
    }
    sm_buf_free(&b);
    return rc;
}

static sm_err_t plan_sort(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r, sm_error_t *e)
{
    uint8_t *n2 = set_copy(p, need);
    if (!n2)
        return nomem(e);
    size_t nk = lp->u.sort.nkeys;
    for (size_t i = 0; i < nk; i++)
        refs(p, lp->u.sort.keys[i].x, n2);
    pres_t c = {0};
    sm_err_t rc = plan(p, lp->in[0], n2, &c, e);
    if (rc)
        return rc;
    sm_expr_t **xs = sm_qctx_alloc(p->q, (nk + 1) * sizeof *xs);
    uint32_t *pos = sm_qctx_alloc(p->q, (nk + 1) * sizeof *pos);
    sm_sort_key_t *keys = sm_qctx_alloc(p->q, (nk + 1) * sizeof *keys);
    if (!xs || !pos || !keys) {
        sm_op_free(c.op);
        return nomem(e);
    }
    for (size_t i = 0; i < nk && !rc; i++) {
        xs[i] = lp->u.sort.keys[i].x;
        rc = remap(xs[i], c.lay, c.n, e);
    }
    if (!rc)
        rc = extend(p, &c, xs, nk, pos, e);
    if (rc) {
        sm_op_free(c.op);
        return rc;
    }
    for (size_t i = 0; i < nk; i++)
        keys[i] = (sm_sort_key_t){pos[i], lp->u.sort.keys[i].desc, lp->u.sort.keys[i].nulls_first};
    uint64_t lim = lp->u.sort.limit, off = lp->u.sort.offset;
    sm_buf_t b = SM_BUF_INIT;
    sm_buf_append_str(&b, lim != SM_LIMIT_NONE ? "TopN " : "Sort ", NULL);
    sm_buf_append_str(&b, "[", NULL);
    for (size_t i = 0; i < nk; i++) {
        if (i)
            sm_buf_append_str(&b, ", ", NULL);
        sm_expr_format(xs[i], &b, NULL);
        if (keys[i].desc)
            sm_buf_append_str(&b, " DESC", NULL);
    }
    sm_buf_append_str(&b, "]", NULL);
    if (lim != SM_LIMIT_NONE)
        sm_buf_printf(&b, NULL, " limit=%" PRIu64, lim);
    if (off)
        sm_buf_printf(&b, NULL, " offset=%" PRIu64, off);
    double est = c.est;
    if (lim != SM_LIMIT_NONE && (double)lim < est)
        est = (double)lim;
    sm_xnode_t *cx = c.x;
    if (lim != SM_LIMIT_NONE)
        rc = sm_op_topn_new(&p->q->exec, c.op, keys, nk, lim, off, &r->op, e);
    else {
        rc = sm_op_sort_new(&p->q->exec, c.op, keys, nk, &r->op, e);
        if (!rc && off)
            rc = sm_op_limit_new(&p->q->exec, r->op, SM_LIMIT_NONE, off, &r->op, e);
    }
    if (!rc) {
        r->lay = c.lay;
        r->n = c.n;
        r->est = est;
        r->x = xnode(p, r->op, est, b.data ? (char *)b.data : "Sort", cx, NULL);
        if (!r->x)
            rc = nomem(e);
    }
    sm_buf_free(&b);
    return rc;
}

static sm_err_t plan(planner_t *p, sm_lp_t *lp, const uint8_t *need, pres_t *r, sm_error_t *e)
{
    sm_err_t rc;
    memset(r, 0, sizeof *r);
    switch (lp->kind) {
    case SM_LP_SCAN:
        return plan_scan(p, lp, need, r, e);
    case SM_LP_VALUES:
        return plan_values(p, lp, r, e);
    case SM_LP_FILE:
        return plan_file(p, lp, r, e);
    case SM_LP_FILTER: {
        uint8_t *n2 = set_copy(p, need);
        if (!n2)
            return nomem(e);
        refs(p, lp->u.pred, n2);
        if (lp->in[0]->kind == SM_LP_SCAN && (rc = push_preds(p, lp->in[0], lp->u.pred, e)))
            return rc;
        pres_t c;
        rc = plan(p, lp->in[0], n2, &c, e);
        if (rc)
            return rc;
        rc = remap(lp->u.pred, c.lay, c.n, e);
        if (rc) {
            sm_op_free(c.op);
            return rc;
        }
        sm_buf_t b = SM_BUF_INIT;
        sm_buf_append_str(&b, "Filter ", NULL);
        sm_expr_format(lp->u.pred, &b, NULL);
        rc = sm_op_filter_new(p->q, c.op, lp->u.pred, &r->op, e);
        if (!rc) {
            r->lay = c.lay;
            r->n = c.n;
            r->est = c.est * 0.5 < 1 ? 1 : c.est * 0.5;
            r->x = xnode(p, r->op, r->est, b.data ? (char *)b.data : "Filter", c.x, NULL);
            if (!r->x)
                rc = nomem(e);
        }
        sm_buf_free(&b);
        return rc;
    }
    case SM_LP_PROJECT: {
        uint8_t *n2 = set_new(p);
        size_t n = 0;
        sm_expr_t **xs = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *xs);
        const char **names = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *names);
        uint32_t *cids = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *cids);
        if (!n2 || !xs || !names || !cids)
            return nomem(e);
        for (size_t i = 0; i < lp->ncols; i++)
            if (set_has(p, need, lp->cols[i].cid)) {
                refs(p, lp->u.exprs[i], n2);
                xs[n] = lp->u.exprs[i];
                names[n] = lp->cols[i].name;
                cids[n++] = lp->cols[i].cid;
            }
        pres_t c;
        rc = plan(p, lp->in[0], n2, &c, e);
        if (rc)
            return rc;
        for (size_t i = 0; i < n && !rc; i++)
            rc = remap(xs[i], c.lay, c.n, e);
        if (!rc)
            rc = project(p, &c, xs, names, cids, n, e);
        if (rc) {
            sm_op_free(c.op);
            return rc;
        }
        *r = c;
        return SM_OK;
    }
    case SM_LP_JOIN:
        return plan_join(p, lp, need, r, e);
    case SM_LP_AGG:
        return plan_agg(p, lp, r, e);
    case SM_LP_WINDOW:
        return plan_window(p, lp, need, r, e);
    case SM_LP_SORT:
        return plan_sort(p, lp, need, r, e);
    case SM_LP_LIMIT: {
        pres_t c;
        rc = plan(p, lp->in[0], need, &c, e);
        if (rc)
            return rc;
        char t[96];
        snprintf(t, sizeof t, "Limit %" PRIu64 " offset=%" PRIu64, lp->u.limit.limit,
                 lp->u.limit.offset);
        if (lp->u.limit.limit == SM_LIMIT_NONE)
            snprintf(t, sizeof t, "Offset %" PRIu64, lp->u.limit.offset);
        rc = sm_op_limit_new(&p->q->exec, c.op, lp->u.limit.limit, lp->u.limit.offset, &r->op, e);
        if (rc)
            return rc;
        r->lay = c.lay;
        r->n = c.n;
        r->est = (double)lp->u.limit.limit < c.est ? (double)lp->u.limit.limit : c.est;
        r->x = xnode(p, r->op, r->est, t, c.x, NULL);
        return r->x ? SM_OK : nomem(e);
    }
    case SM_LP_DISTINCT: {
        uint8_t *n2 = set_new(p);
        if (!n2)
            return nomem(e);
        for (size_t i = 0; i < lp->ncols; i++)
            set_add(p, n2, lp->cols[i].cid);
        pres_t c;
        rc = plan(p, lp->in[0], n2, &c, e);
        if (!rc)
            rc = exact(p, &c, lp->cols, lp->ncols, e);
        if (rc) {
            sm_op_free(c.op);
            return rc;
        }
        rc = sm_op_distinct_new(&p->q->exec, c.op, &r->op, e);
        if (rc)
            return rc;
        r->lay = c.lay;
        r->n = c.n;
        r->est = c.est * 0.5 < 1 ? 1 : c.est * 0.5;
        r->x = xnode(p, r->op, r->est, "Distinct", c.x, NULL);
        return r->x ? SM_OK : nomem(e);
    }
    case SM_LP_UNION:
    case SM_LP_SETOP: {
        pres_t s[2];
        for (int k = 0; k < 2; k++) {
            sm_lp_t *in = lp->in[k];
            uint8_t *n2 = set_new(p);
            if (!n2)
                rc = nomem(e);
            else {
                for (size_t i = 0; i < in->ncols; i++)
                    set_add(p, n2, in->cols[i].cid);
                rc = plan(p, in, n2, &s[k], e);
                if (!rc)
                    rc = exact(p, &s[k], in->cols, in->ncols, e);
            }
            if (rc) {
                if (k == 1)
                    sm_op_free(s[0].op);
                return rc;
            }
        }
        sm_xnode_t *x0 = s[0].x, *x1 = s[1].x;
        double est = s[0].est + s[1].est;
        const char *t;
        if (lp->kind == SM_LP_UNION) {
            sm_op_t *kids[2] = {s[0].op, s[1].op};
            rc = sm_op_union_all_new(&p->q->exec, kids, 2, &r->op, e);
            t = "UnionAll";
        } else {
            rc = sm_op_setop_new(&p->q->exec, lp->u.setop.kind, lp->u.setop.all, s[0].op, s[1].op,
                                 &r->op, e);
            t = lp->u.setop.kind == SM_SETOP_INTERSECT
                    ? (lp->u.setop.all ? "IntersectAll" : "Intersect")
                    : (lp->u.setop.all ? "ExceptAll" : "Except");
            est = s[0].est;
        }
        if (rc)
            return rc;
        r->lay = sm_qctx_alloc(p->q, (lp->ncols + 1) * sizeof *r->lay);
        if (!r->lay)
            return nomem(e);
        for (size_t i = 0; i < lp->ncols; i++)
            r->lay[i] = lp->cols[i].cid;
        r->n = lp->ncols;
        r->est = est;
        r->x = xnode(p, r->op, est, t, x0, x1);
        return r->x ? SM_OK : nomem(e);
    }
    }
    return sm_error_set(e, SM_ERR_INTERNAL, "planner: unknown node");
}

/* ---- expressions computed below joins -------------------------------------------- */

/* Whether x may be computed on a join's input rather than on its output:
 * deterministic, never failing, made of columns, literals, NULL-in-NULL-out
 * functions, casts and arithmetic.  *strict is set when x is NULL whenever
 * a column it reads is NULL, so that on the NULL-extended rows of an outer
 * join it is NULL, as it would be computed above the join. */
static bool pushable(const sm_expr_t *x, bool *strict)
{
    *strict = false;
    switch (x->kind) {
    case SM_EXPR_COLUMN:
        *strict = true;
        return true;
    case SM_EXPR_LITERAL:
        return true;
    case SM_EXPR_CALL: {
        /* calls are all marked may_fail: the function table says which
         * never fail */
        const sm_func_t *fn = x->u.call.fn;
        if (!fn || !(fn->flags & SM_FUNC_NEVER_FAILS) || !(fn->flags & SM_FUNC_NULL_IN_NULL_OUT) ||
            (fn->flags & (SM_FUNC_NONDETERMINISTIC | SM_FUNC_AGGREGATE | SM_FUNC_WINDOW)))
            return false;
        break;
    }
    case SM_EXPR_ARITH:
    case SM_EXPR_CAST:
        if (x->may_fail)
            return false;
        break;
    default:
        return false;
    }
    for (uint32_t i = 0; i < x->nargs; i++) {
        bool s;
        if (!pushable(x->args[i], &s))
            return false;
        *strict = *strict || s;
    }
    return true;
}

/* Whether every column x reads is an output column of lp. */
static bool reads_only(const sm_expr_t *x, const sm_lp_t *lp)
{
    if (x->kind == SM_EXPR_COLUMN) {
        for (size_t i = 0; i < lp->ncols; i++)
            if (lp->cols[i].cid == x->u.col.index)
                return true;
        return false;
    }
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!reads_only(x->args[i], lp))
            return false;
    return true;
}

/* Appends column c to the columns of lp (arena). */
static sm_err_t add_col(sm_qctx_t *q, sm_lp_t *lp, const sm_lcol_t *c, sm_error_t *e)
{
    sm_lcol_t *cols = sm_qctx_alloc(q, (lp->ncols + 1) * sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "planning");
    memcpy(cols, lp->cols, lp->ncols * sizeof *cols);
    cols[lp->ncols] = *c;
    lp->cols = cols;
    lp->ncols++;
    return SM_OK;
}

/* The projections push_one added (their columns: their input's, then the
 * pushed expressions), which take further expressions for the same input. */
typedef struct pushed {
    sm_lp_t **v;
    size_t n, cap;
} pushed_t;

static bool was_pushed(const pushed_t *pd, const sm_lp_t *lp)
{
    for (size_t k = 0; k < pd->n; k++)
        if (pd->v[k] == lp)
            return true;
    return false;
}

/* Expression i of the projection pr, when it reads only the right input
 * of one of the INNER and LEFT joins found going down pr's input through
 * left inputs (a chain of lookup joins), is computed by a projection
 * added over that input: once per row of the (usually small) joined side
 * instead of once per output row, and the joins carry its result instead
 * of its arguments. */
static sm_err_t push_one(sm_qctx_t *q, pushed_t *pd, sm_lp_t *pr, size_t i, sm_error_t *e)
{
    sm_expr_t *x = pr->u.exprs[i];
    bool strict;
    if (x->kind == SM_EXPR_COLUMN || !pushable(x, &strict) || !strict)
        return SM_OK;
    sm_lp_t *path[64];
    size_t np = 0;
    sm_lp_t *j = pr->in[0], *t = NULL;
    while (j && j->kind == SM_LP_JOIN && np < 64 &&
           (j->u.join.type == SM_JOIN_INNER || j->u.join.type == SM_JOIN_LEFT)) {
        path[np++] = j;
        if (reads_only(x, j->in[1])) {
            t = j->in[1];
            break;
        }
        if (!reads_only(x, j->in[0]))
            break;
        j = j->in[0];
    }
    if (!t)
        return SM_OK;
    sm_lp_t *jt = path[np - 1];
    sm_lcol_t nc = {q->next_cid++, pr->cols[i].name, x->type,
                    x->nullable || jt->u.join.type == SM_JOIN_LEFT};
    sm_expr_t *ref = NULL;
    sm_err_t rc = sm_expr_column(&q->pool, nc.cid, nc.type, nc.nullable, nc.name, &ref, e);
    for (size_t k = 0; k < np && !rc; k++)
        rc = add_col(q, path[k], &nc, e);
    if (rc)
        return rc;
    sm_lcol_t xc = {nc.cid, nc.name, x->type, x->nullable};
    if (was_pushed(pd, t)) {
        /* t passes its input's columns through under the same cids, which
         * x reads: one more column of t */
        sm_expr_t **xs = sm_qctx_alloc(q, (t->ncols + 1) * sizeof *xs);
        if (!xs || (rc = add_col(q, t, &xc, e)))
            return rc ? rc : sm_error_nomem(e, "planning");
        memcpy(xs, t->u.exprs, (t->ncols - 1) * sizeof *xs);
        xs[t->ncols - 1] = x;
        t->u.exprs = xs;
        pr->u.exprs[i] = ref;
        return SM_OK;
    }
    if (pd->n == pd->cap) {
        size_t cap = pd->cap ? 2 * pd->cap : 8;
        sm_lp_t **v = sm_realloc(pd->v, cap * sizeof *v);
        if (!v)
            return sm_error_nomem(e, "planning");
        pd->v = v;
        pd->cap = cap;
    }
    /* the projection over t: t's columns, then x */
    sm_lp_t *p = sm_qctx_alloc(q, sizeof *p);
    sm_lcol_t *cols = sm_qctx_alloc(q, (t->ncols + 1) * sizeof *cols);
    sm_expr_t **xs = sm_qctx_alloc(q, (t->ncols + 1) * sizeof *xs);
    if (!p || !cols || !xs)
        return sm_error_nomem(e, "planning");
    for (size_t k = 0; k < t->ncols && !rc; k++) {
        const sm_lcol_t *c = &t->cols[k];
        cols[k] = *c;
        rc = sm_expr_column(&q->pool, c->cid, c->type, c->nullable, c->name, &xs[k], e);
    }
    if (rc)
        return rc;
    cols[t->ncols] = xc;
    xs[t->ncols] = x;
    p->kind = SM_LP_PROJECT;
    p->in[0] = t;
    p->cols = cols;
    p->ncols = t->ncols + 1;
    p->u.exprs = xs;
    jt->in[1] = p;
    pd->v[pd->n++] = p;
    pr->u.exprs[i] = ref;
    return SM_OK;
}

/* push_one for every projection of the tree. */
static sm_err_t push_rec(sm_qctx_t *q, pushed_t *pd, sm_lp_t *lp, int depth, sm_error_t *e)
{
    if (!lp || depth > 1000)
        return SM_OK;
    sm_err_t rc = SM_OK;
    if (lp->kind == SM_LP_PROJECT && lp->in[0] && lp->in[0]->kind == SM_LP_JOIN)
        for (size_t i = 0; i < lp->ncols && !rc; i++)
            rc = push_one(q, pd, lp, i, e);
    for (int k = 0; k < 2 && !rc; k++)
        rc = push_rec(q, pd, lp->in[k], depth + 1, e);
    return rc;
}

static sm_err_t push_exprs(sm_qctx_t *q, sm_lp_t *root, sm_error_t *e)
{
    pushed_t pd = {0};
    sm_err_t rc = push_rec(q, &pd, root, 0, e);
    sm_free(pd.v);
    return rc;
}

sm_err_t sm_plan_build(sm_qctx_t *q, sm_lp_t *root, sm_op_t **out, sm_xnode_t **xout, sm_error_t *e)
{
    *out = NULL;
    sm_err_t prc = push_exprs(q, root, e);
    if (prc)
        return prc;
    planner_t p = {q, q->next_cid};
    pres_t r;
    uint8_t *need = set_new(&p);
    if (!need)
        return nomem(e);
    for (size_t i = 0; i < root->ncols; i++)
        set_add(&p, need, root->cols[i].cid);
    sm_err_t rc = plan(&p, root, need, &r, e);
    if (rc)
        return rc;
    rc = exact(&p, &r, root->cols, root->ncols, e);
    if (rc) {
        sm_op_free(r.op);
        return rc;
    }
    *out = r.op;
    if (xout)
        *xout = r.x;
    return SM_OK;
}

sm_type_t *sm_plan_schema(const sm_lp_t *lp)
{
    sm_field_t *f = sm_calloc(lp->ncols ? lp->ncols : 1, sizeof *f);
    if (!f)
        return NULL;
    for (size_t i = 0; i < lp->ncols; i++)
        f[i] = (sm_field_t){(char *)lp->cols[i].name, sm_type_ref(lp->cols[i].type),
                            lp->cols[i].nullable};
    sm_type_t *t = sm_type_struct(f, lp->ncols);
    sm_free(f);
    return t;
}

static sm_err_t explain_rec(const sm_xnode_t *x, bool analyzed, int depth, sm_buf_t *out,
                            sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (int i = 0; i < depth && !rc; i++)
        rc = sm_buf_append_str(out, "  ", e);
    if (!rc)
        rc = sm_buf_append_str(out, x->text, e);
    if (!rc && analyzed && x->op) {
        const sm_op_stats_t *s = &x->op->stats;
        rc = sm_buf_printf(out, e,
                           "  (est. rows %.0f; rows=%" PRIu64 " batches=%" PRIu64 " time=%.3fms",
                           x->est, s->rows_out, s->batches_out, (double)s->time_ns / 1e6);
        if (!rc && s->mem_peak)
            rc = sm_buf_printf(out, e, " peak_mem=%zuKiB", s->mem_peak / 1024);
        if (!rc && s->spill_bytes)
            rc = sm_buf_printf(out, e, " spilled=%" PRIu64 "B", s->spill_bytes);
        if (!rc)
            rc = sm_buf_append_str(out, ")", e);
    } else if (!rc)
        rc = sm_buf_printf(out, e, "  (est. rows %.0f)", x->est);
    if (!rc)
        rc = sm_buf_append_str(out, "\n", e);
    for (size_t i = 0; i < x->nkids && !rc; i++)
        rc = explain_rec(x->kids[i], analyzed, depth + 1, out, e);
    return rc;
}

sm_err_t sm_plan_explain(const sm_xnode_t *x, bool analyzed, sm_buf_t *out, sm_error_t *e)
{
    return explain_rec(x, analyzed, 0, out, e);
}

sm_err_t sm_plan_prune_files(sm_qctx_t *q, sm_lp_t *scan, sm_expr_t *pred, sm_scan_files_t *out,
                             sm_error_t *e)
{
    planner_t p = {q, q->next_cid};
    memset(out, 0, sizeof *out);
    scan->u.scan.preds = NULL;
    scan->u.scan.npreds = 0;
    sm_err_t rc = pred ? push_preds(&p, scan, pred, e) : SM_OK;
    if (!rc)
        rc =
            sm_scan_files_delta(scan->u.scan.snap, scan->u.scan.preds, scan->u.scan.npreds, out, e);
    scan->u.scan.preds = NULL; /* the per-file scans must read every row group */
    scan->u.scan.npreds = 0;
    return rc;
}
