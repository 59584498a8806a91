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

/* With a pool and some computed output, up to PROJ_CHUNK input batches are
 * projected at once, one per pool worker (each worker has its own
 * evaluation context), and come out in input order; a failure reports the
 * error of the first failing batch, as the serial projection would. */
#define PROJ_CHUNK 8

typedef struct proj {
    sm_expr_t **x;
    size_t n;
    sm_expr_ctx_t ctx;
    bool ctx_live;
    int64_t now_us;
    size_t nin;
    int *taken;    /* per worker, per input column: output that took it over, or -1 */
    bool computed; /* some output is not a plain input column */
    /* run time, parallel: one context per pool slot, the output queue */
    sm_pool_t *pool;
    sm_expr_ctx_t *wctx;
    unsigned nw;
    sm_batch_t *q[PROJ_CHUNK];
    size_t qn, qat;
    bool done;
} proj_t;

static sm_err_t proj_open(sm_op_t *op, sm_error_t *e)
{
    proj_t *p = op->impl;
    sm_err_t rc = sm_op_open(op->children[0], e);
    if (rc)
        return rc;
    sm_expr_ctx_init(&p->ctx, op->ctx->ansi, p->now_us);
    p->ctx_live = true;
    p->qn = p->qat = 0;
    p->done = false;
    sm_pool_t *pool = op->ctx->pool;
    unsigned nw = pool ? sm_pool_slots(pool) : 0;
    if (pool && p->computed && nw > 1) {
        p->wctx = sm_calloc(nw, sizeof *p->wctx);
        int *t = sm_calloc(nw * (p->nin ? p->nin : 1), sizeof *t);
        if (!p->wctx || !t) {
            sm_free(t);
            sm_free(p->wctx);
            p->wctx = NULL;
            return sm_error_nomem(e, "projection");
        }
        sm_free(p->taken);
        p->taken = t;
        for (unsigned w = 0; w < nw; w++)
            sm_expr_ctx_init(&p->wctx[w], op->ctx->ansi, p->now_us);
        p->nw = nw;
        p->pool = pool;
    }
    return SM_OK;
}

/* Projects input batch b (freed) into *out with evaluation context ctx and
 * scratch taken (one int per input column). */
static sm_err_t project_batch(sm_op_t *op, sm_expr_ctx_t *ctx, int *taken, sm_batch_t *b,
                              sm_batch_t **out, sm_error_t *e)
{
    proj_t *p = op->impl;
    sm_vector_t **cols = NULL;
    sm_err_t rc = SM_OK;
    *out = NULL;
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
    sm_expr_ctx_reset(ctx);
    /* computed columns first: they read the input columns taken below */
    for (size_t i = 0; i < p->n && !rc; i++) {
        const sm_expr_t *x = p->x[i];
        if (x->kind == SM_EXPR_COLUMN && x->u.col.index < b->ncols)
            continue;
        sm_vector_t *v = NULL;
        rc = sm_expr_eval(x, b, NULL, 0, ctx, &v, e);
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
            taken[c] = (int)i;
        } else {
            rc = sm_vector_copy(cols[taken[c]], &cols[i], e);
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

typedef struct ptask {
    sm_op_t *op;
    sm_batch_t *in, *out;
    sm_err_t rc;
    sm_error_t err;
} ptask_t;

/* Pool callback: projects the batches [begin, end) with worker's context;
 * each keeps its own result, so the callback itself never fails. */
static sm_err_t ptask_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    (void)e;
    ptask_t *ts = arg;
    proj_t *p = ts[begin].op->impl;
    for (size_t i = begin; i < end; i++) {
        sm_batch_t *b = ts[i].in;
        ts[i].in = NULL;
        ts[i].rc = project_batch(ts[i].op, &p->wctx[worker], p->taken + (size_t)worker * p->nin, b,
                                 &ts[i].out, &ts[i].err);
    }
    return SM_OK;
}

/* Parallel projection: refills the queue from up to PROJ_CHUNK input
 * batches (done at the input's end). */
static sm_err_t proj_fill(sm_op_t *op, sm_error_t *e)
{
    proj_t *p = op->impl;
    ptask_t ts[PROJ_CHUNK];
    size_t n = 0;
    sm_err_t rc = SM_OK;
    p->qn = p->qat = 0;
    while (n < PROJ_CHUNK) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(op->children[0], &b, e)))
            break;
        if (!b) {
            p->done = true;
            break;
        }
        ts[n++] = (ptask_t){.op = op, .in = b};
    }
    if (!rc && n)
        rc = sm_pool_for(p->pool, n, 1, ptask_fn, ts, NULL, e);
    for (size_t i = 0; i < n && !rc; i++) {
        if (ts[i].rc) {
            rc = ts[i].rc;
            if (e)
                *e = ts[i].err;
        }
    }
    for (size_t i = 0; i < n; i++) {
        sm_batch_free(ts[i].in);
        if (rc)
            sm_batch_free(ts[i].out);
        else
            p->q[p->qn++] = ts[i].out;
    }
    return rc;
}

static sm_err_t proj_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    proj_t *p = op->impl;
    *out = NULL;
    if (!p->pool) {
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op->children[0], &b, e);
        if (rc || !b)
            return rc;
        return project_batch(op, &p->ctx, p->taken, b, out, e);
    }
    if (p->qat == p->qn && !p->done) {
        sm_err_t rc = proj_fill(op, e);
        if (rc)
            return rc;
    }
    if (p->qat < p->qn)
        *out = p->q[p->qat++];
    return SM_OK;
}

static void proj_close(sm_op_t *op)
{
    proj_t *p = op->impl;
    if (p->ctx_live)
        sm_expr_ctx_free(&p->ctx);
    p->ctx_live = false;
    for (unsigned w = 0; p->wctx && w < p->nw; w++)
        sm_expr_ctx_free(&p->wctx[w]);
    sm_free(p->wctx);
    p->wctx = NULL;
    p->nw = 0;
    p->pool = NULL;
    for (size_t i = p->qat; i < p->qn; i++)
        sm_batch_free(p->q[i]);
    p->qn = p->qat = 0;
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
    p->nin = nin;
    p->now_us = q->now_us;
    for (size_t i = 0; i < n; i++)
        if (!(exprs[i]->kind == SM_EXPR_COLUMN && exprs[i]->u.col.index < nin))
            p->computed = true;
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
