/* sql/plan_ops — the operators that evaluate bound expressions (filter,
 * projection) and the join residual predicate callback. */
#include <string.h>

#include "core/mem.h"
#include "sql/plan_int.h"

/* ---- filter ------------------------------------------------------------ */

typedef struct filt {
    sm_expr_t *pred;
    sm_expr_ctx_t ctx;
    bool ctx_live;
    uint32_t *sel;
    size_t cap;
    int64_t now_us;
} filt_t;

static sm_err_t filt_open(sm_op_t *op, sm_error_t *e)
{
    filt_t *f = op->impl;
    sm_err_t rc = sm_op_open(op->children[0], e);
    if (rc)
        return rc;
    sm_expr_ctx_init(&f->ctx, op->ctx->ansi, f->now_us);
    f->ctx_live = true;
    return SM_OK;
}

static sm_err_t filt_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    filt_t *f = op->impl;
    *out = NULL;
    for (;;) {
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op->children[0], &b, e);
        if (rc || !b)
            return rc;
        if (b->nrows == 0) {
            sm_batch_free(b);
            continue;
        }
        if (b->nrows > f->cap) {
            uint32_t *s = sm_realloc(f->sel, b->nrows * sizeof *s);
            if (!s) {
                sm_batch_free(b);
                return sm_error_nomem(e, "filter selection");
            }
            f->sel = s;
            f->cap = b->nrows;
        }
        size_t n = 0;
        sm_expr_ctx_reset(&f->ctx);
        rc = sm_expr_filter(f->pred, b, NULL, 0, &f->ctx, f->sel, &n, e);
        if (rc) {
            sm_batch_free(b);
            return rc;
        }
        if (n == b->nrows) {
            *out = b;
            return SM_OK;
        }
        if (n == 0) {
            sm_batch_free(b);
            continue;
        }
        sm_vector_t **cols = sm_calloc(b->ncols ? b->ncols : 1, sizeof *cols);
        if (!cols) {
            sm_batch_free(b);
            return sm_error_nomem(e, "filter batch");
        }
        for (size_t c = 0; c < b->ncols && !rc; c++)
            rc = sm_expr_gather(b->cols[c], f->sel, n, &cols[c], e);
        if (rc) {
            for (size_t c = 0; c < b->ncols; c++)
                sm_vector_free(cols[c]);
            sm_free(cols);
            sm_batch_free(b);
            return rc;
        }
        if (b->ncols) {
            rc = sm_batch_from_vectors(b->schema, cols, b->ncols, out, e);
        } else {
            rc = sm_batch_new(b->schema, 1, out, e);
            if (!rc)
                (*out)->nrows = n;
        }
        sm_free(cols);
        sm_batch_free(b);
        return rc;
    }
}

static void filt_close(sm_op_t *op)
{
    filt_t *f = op->impl;
    if (f->ctx_live)
        sm_expr_ctx_free(&f->ctx);
    f->ctx_live = false;
    sm_free(f->sel);
    f->sel = NULL;
    f->cap = 0;
    sm_op_close(op->children[0]);
}

static void filt_destroy(sm_op_t *op)
{
    sm_free(op->impl);
    op->impl = NULL;
}

static const sm_op_vtable_t FILTER_VT = {"Filter", filt_open, filt_next, filt_close, filt_destroy};

sm_err_t sm_op_filter_new(sm_qctx_t *q, sm_op_t *child, sm_expr_t *pred, sm_op_t **out,
                          sm_error_t *e)
{
    filt_t *f = sm_calloc(1, sizeof *f);
    if (!f) {
        sm_op_free(child);
        return sm_error_nomem(e, "filter");
    }
    f->pred = pred;
    f->now_us = q->now_us;
    return sm_op_make(&FILTER_VT, &q->exec, child->schema, &child, 1, f, out, e);
}

/* ---- projection -------------------------------------------------------- */

typedef struct proj {
    sm_expr_t **x;
    size_t n;
    sm_expr_ctx_t ctx;
    bool ctx_live;
    int64_t now_us;
    int *taken; /* per output: input column it took over, or -1 */
} proj_t;

static sm_err_t proj_open(sm_op_t *op, sm_error_t *e)
{
    proj_t *p = op->impl;
    sm_err_t rc = sm_op_open(op->children[0], e);
    if (rc)
        return rc;
    sm_expr_ctx_init(&p->ctx, op->ctx->ansi, p->now_us);
    p->ctx_live = true;
    return SM_OK;
}

static sm_err_t proj_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    proj_t *p = op->impl;
    sm_batch_t *b = NULL;
    sm_vector_t **cols = NULL;
    *out = NULL;
    sm_err_t rc = sm_op_next(op->children[0], &b, e);
    if (rc || !b)
        return rc;
    if (p->n == 0) {
        rc = sm_batch_new(op->schema, 1, out, e);
        if (!rc)
            (*out)->nrows = b->nrows;
        sm_batch_free(b);
        return rc;
    }
    cols = sm_calloc(p->n, sizeof *cols);
    if (!cols) {
        sm_batch_free(b);
        return sm_error_nomem(e, "projection");
    }
    sm_expr_ctx_reset(&p->ctx);
    /* computed columns first: they read the input columns taken below */
    for (size_t i = 0; i < p->n && !rc; i++) {
        const sm_expr_t *x = p->x[i];
        if (x->kind == SM_EXPR_COLUMN && x->u.col.index < b->ncols)
            continue;
        sm_vector_t *v = NULL;
        rc = sm_expr_eval(x, b, NULL, 0, &p->ctx, &v, e);
        if (!rc)
            rc = sm_vector_copy(v, &cols[i], e);
    }
    for (size_t i = 0; i < p->n && !rc; i++) {
        const sm_expr_t *x = p->x[i];
        if (!(x->kind == SM_EXPR_COLUMN && x->u.col.index < b->ncols))
            continue;
        uint32_t c = x->u.col.index;
        if (b->cols[c]) {
            cols[i] = b->cols[c];
            b->cols[c] = NULL;
            p->taken[c] = (int)i;
        } else {
            rc = sm_vector_copy(cols[p->taken[c]], &cols[i], e);
        }
    }
    if (!rc) {
        rc = sm_batch_from_vectors(op->schema, cols, p->n, out, e);
    } else {
        for (size_t i = 0; i < p->n; i++)
            sm_vector_free(cols[i]);
    }
    sm_free(cols);
    sm_batch_free(b);
    return rc;
}

static void proj_close(sm_op_t *op)
{
    proj_t *p = op->impl;
    if (p->ctx_live)
        sm_expr_ctx_free(&p->ctx);
    p->ctx_live = false;
    sm_op_close(op->children[0]);
}

static void proj_destroy(sm_op_t *op)
{
    proj_t *p = op->impl;
    if (p) {
        sm_free(p->taken);
        sm_free(p);
    }
    op->impl = NULL;
}

static const sm_op_vtable_t PROJECT_VT = {"Project", proj_open, proj_next, proj_close,
                                          proj_destroy};

sm_err_t sm_op_project_new(sm_qctx_t *q, sm_op_t *child, sm_expr_t **exprs, const char **names,
                           size_t n, sm_op_t **out, sm_error_t *e)
{
    sm_err_t rc;
    sm_field_t *f = sm_calloc(n ? n : 1, sizeof *f);
    proj_t *p = sm_calloc(1, sizeof *p);
    size_t nin = child->schema->nfields;
    if (p)
        p->taken = sm_calloc(nin ? nin : 1, sizeof *p->taken);
    if (!f || !p || !p->taken) {
        sm_free(f);
        if (p)
            sm_free(p->taken);
        sm_free(p);
        sm_op_free(child);
        return sm_error_nomem(e, "projection");
    }
    for (size_t i = 0; i < n; i++)
        f[i] = (sm_field_t){(char *)names[i], sm_type_ref(exprs[i]->type), exprs[i]->nullable};
    sm_type_t *schema = sm_type_struct(f, n);
    sm_free(f);
    if (!schema) {
        sm_free(p->taken);
        sm_free(p);
        sm_op_free(child);
        return sm_error_nomem(e, "projection schema");
    }
    p->x = exprs;
    p->n = n;
    p->now_us = q->now_us;
    rc = sm_op_make(&PROJECT_VT, &q->exec, schema, &child, 1, p, out, e);
    sm_type_free(schema);
    return rc;
}

/* ---- join residual predicate -------------------------------------------- */

struct sm_join_pred {
    sm_expr_t *pred;
    sm_expr_ctx_t *ctx;
    unsigned n;
};

static void jpred_free(void *arg)
{
    sm_join_pred_t *jp = arg;
    for (unsigned i = 0; i < jp->n; i++)
        sm_expr_ctx_free(&jp->ctx[i]);
    sm_free(jp->ctx);
}

sm_err_t sm_join_pred_new(sm_qctx_t *q, sm_expr_t *pred, sm_join_pred_t **out, sm_error_t *e)
{
    sm_join_pred_t *jp = sm_qctx_alloc(q, sizeof *jp);
    if (!jp)
        return sm_error_nomem(e, "join predicate");
    jp->pred = pred;
    unsigned n = q->exec.pool ? sm_pool_slots(q->exec.pool) : 1;
    jp->ctx = sm_calloc(n, sizeof *jp->ctx);
    if (!jp->ctx)
        return sm_error_nomem(e, "join predicate");
    for (unsigned i = 0; i < n; i++)
        sm_expr_ctx_init(&jp->ctx[i], q->exec.ansi, q->now_us);
    jp->n = n;
    *out = jp;
    return sm_qctx_on_free(q, jpred_free, jp, e);
}

sm_err_t sm_join_pred_eval(void *arg, const sm_batch_t *pairs, unsigned worker, uint32_t *sel,
                           size_t *nsel, sm_error_t *e)
{
    sm_join_pred_t *jp = arg;
    sm_expr_ctx_t *ctx = &jp->ctx[worker < jp->n ? worker : 0];
    sm_expr_ctx_reset(ctx);
    return sm_expr_filter(jp->pred, pairs, NULL, 0, ctx, sel, nsel, e);
}

sm_err_t sm_plan_collect(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    return sm_op_collect(op, out, e);
}
