/* exec/op_base — the operator lifecycle, memory budget, sources, limit,
 * union all, EXPLAIN ANALYZE (operator.h). */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "exec/op_int.h"
#include "exec/operator.h"

/* ---- budget ------------------------------------------------------------------ */

void sm_budget_init(sm_budget_t *b, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

static void bump_peak(size_t *peak, size_t now)
{
    size_t p = __atomic_load_n(peak, __ATOMIC_RELAXED);
    while (now > p &&
           !__atomic_compare_exchange_n(peak, &p, now, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

bool sm_budget_try_reserve(sm_budget_t *b, size_t n)
{
    if (!b)
        return true;
    size_t u = __atomic_load_n(&b->used, __ATOMIC_RELAXED);
    for (;;) {
        if (b->limit && (u + n > b->limit || u + n < u))
            return false;
        if (__atomic_compare_exchange_n(&b->used, &u, u + n, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            break;
    }
    bump_peak(&b->peak, u + n);
    return true;
}

void sm_budget_force_reserve(sm_budget_t *b, size_t n)
{
    if (!b)
        return;
    size_t now = __atomic_add_fetch(&b->used, n, __ATOMIC_RELAXED);
    bump_peak(&b->peak, now);
}

void sm_budget_release(sm_budget_t *b, size_t n)
{
    if (b)
        __atomic_sub_fetch(&b->used, n, __ATOMIC_RELAXED);
}

size_t sm_budget_used(const sm_budget_t *b)
{
    return b ? __atomic_load_n(&b->used, __ATOMIC_RELAXED) : 0;
}

bool sm_op_mem_try(sm_op_t *op, size_t n)
{
    if (!sm_budget_try_reserve(op->ctx ? op->ctx->budget : NULL, n))
        return false;
    size_t now = __atomic_add_fetch(&op->stats.mem_cur, n, __ATOMIC_RELAXED);
    bump_peak(&op->stats.mem_peak, now);
    return true;
}

void sm_op_mem_force(sm_op_t *op, size_t n)
{
    sm_budget_force_reserve(op->ctx ? op->ctx->budget : NULL, n);
    size_t now = __atomic_add_fetch(&op->stats.mem_cur, n, __ATOMIC_RELAXED);
    bump_peak(&op->stats.mem_peak, now);
}

void sm_op_mem_release(sm_op_t *op, size_t n)
{
    sm_budget_release(op->ctx ? op->ctx->budget : NULL, n);
    __atomic_sub_fetch(&op->stats.mem_cur, n, __ATOMIC_RELAXED);
}

/* ---- lifecycle ----------------------------------------------------------------- */

sm_err_t sm_op_make(const sm_op_vtable_t *vt, const sm_exec_ctx_t *ctx, sm_type_t *schema,
                    sm_op_t **children, size_t nchildren, void *impl, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_op_t *op = sm_calloc(1, sizeof *op);
    sm_op_t **ch = nchildren ? sm_calloc(nchildren, sizeof *ch) : NULL;
    if (!op || (nchildren && !ch) || !schema) {
        sm_free(ch);
        if (impl && vt->destroy) {
            sm_op_t tmp = {.vt = vt, .ctx = ctx, .impl = impl};
            vt->destroy(&tmp);
        }
        sm_free(op);
        for (size_t i = 0; i < nchildren; i++)
            sm_op_free(children[i]);
        return schema ? sm_error_nomem(e, "operator") : sm_error_nomem(e, "operator schema");
    }
    op->vt = vt;
    op->ctx = ctx;
    op->schema = sm_type_ref(schema);
    for (size_t i = 0; i < nchildren; i++)
        ch[i] = children[i];
    op->children = ch;
    op->nchildren = nchildren;
    op->impl = impl;
    *out = op;
    return SM_OK;
}

sm_err_t sm_op_open(sm_op_t *op, sm_error_t *e)
{
    int64_t t0 = sm_op_now();
    if (op->phase == 1)
        sm_op_close(op);
    memset(&op->stats, 0, sizeof op->stats);
    op->phase = 1;
    sm_err_t rc = op->vt->open ? op->vt->open(op, e) : SM_OK;
    for (size_t i = 0; !op->vt->open && !rc && i < op->nchildren; i++)
        rc = sm_op_open(op->children[i], e);
    op->stats.time_ns += sm_op_now() - t0;
    if (rc)
        sm_op_close(op);
    return rc;
}

sm_err_t sm_op_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    if (op->phase != 1)
        return sm_error_set(e, SM_ERR_INTERNAL, "%s: next() on an operator that is not open",
                            op->vt->name);
    int64_t t0 = sm_op_now();
    sm_err_t rc = op->vt->next(op, out, e);
    op->stats.time_ns += sm_op_now() - t0;
    if (rc) {
        sm_batch_free(*out);
        *out = NULL;
        return rc;
    }
    if (*out) {
        op->stats.rows_out += (*out)->nrows;
        op->stats.batches_out++;
    }
    return SM_OK;
}

void sm_op_close(sm_op_t *op)
{
    if (!op || op->phase != 1)
        return;
    if (op->vt->close)
        op->vt->close(op);
    for (size_t i = 0; i < op->nchildren; i++)
        sm_op_close(op->children[i]);
    op->phase = 2;
}

void sm_op_free(sm_op_t *op)
{
    if (!op)
        return;
    sm_op_close(op);
    for (size_t i = 0; i < op->nchildren; i++)
        sm_op_free(op->children[i]);
    if (op->vt->destroy)
        op->vt->destroy(op);
    sm_free(op->children);
    sm_type_free(op->schema);
    sm_free(op);
}

static sm_err_t explain(const sm_op_t *op, int depth, sm_buf_t *out, sm_error_t *e)
{
    const sm_op_stats_t *s = &op->stats;
    sm_err_t rc =
        sm_buf_printf(out, e,
                      "%*s%s rows=%llu batches=%llu time=%.3fms peak_mem=%zuB "
                      "spilled=%lluB spill_files=%llu\n",
                      2 * depth, "", op->vt->name, (unsigned long long)s->rows_out,
                      (unsigned long long)s->batches_out, (double)s->time_ns / 1e6, s->mem_peak,
                      (unsigned long long)s->spill_bytes, (unsigned long long)s->spill_files);
    for (size_t i = 0; !rc && i < op->nchildren; i++)
        rc = explain(op->children[i], depth + 1, out, e);
    return rc;
}

sm_err_t sm_op_explain(const sm_op_t *op, sm_buf_t *out, sm_error_t *e)
{
    return explain(op, 0, out, e);
}

sm_err_t sm_op_collect(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_batch_t *res = NULL, *b = NULL;
    sm_err_t rc = sm_batch_new(op->schema, 0, &res, e);
    if (!rc)
        rc = sm_op_open(op, e);
    while (!rc) {
        if ((rc = sm_op_next(op, &b, e)) || !b)
            break;
        for (size_t c = 0; !rc && c < b->ncols; c++)
            rc = sm_vector_append_range(res->cols[c], b->cols[c], 0, b->nrows, e);
        if (!rc)
            res->nrows += b->nrows;
        sm_batch_free(b);
        b = NULL;
    }
    sm_op_close(op);
    if (rc) {
        sm_batch_free(res);
        return rc;
    }
    *out = res;
    return SM_OK;
}

/* ---- callback source ------------------------------------------------------------ */

static sm_err_t src_open(sm_op_t *op, sm_error_t *e)
{
    sm_source_cb_t *cb = op->impl;
    return cb->open ? cb->open(cb->arg, e) : SM_OK;
}
static sm_err_t src_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    sm_source_cb_t *cb = op->impl;
    return cb->next(cb->arg, out, e);
}
static void src_close(sm_op_t *op)
{
    sm_source_cb_t *cb = op->impl;
    if (cb->close)
        cb->close(cb->arg);
}
static void src_destroy(sm_op_t *op)
{
    sm_source_cb_t *cb = op->impl;
    if (cb->free_arg)
        cb->free_arg(cb->arg);
    sm_free(cb);
}
static const sm_op_vtable_t src_vt = {"Scan", src_open, src_next, src_close, src_destroy};

sm_err_t sm_op_source_new(const sm_exec_ctx_t *ctx, sm_type_t *schema, const sm_source_cb_t *cb,
                          sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_source_cb_t *c = sm_malloc(sizeof *c);
    if (!c) {
        if (cb->free_arg)
            cb->free_arg(cb->arg);
        return sm_error_nomem(e, "scan operator");
    }
    *c = *cb;
    return sm_op_make(&src_vt, ctx, schema, NULL, 0, c, out, e);
}

/* ---- values ------------------------------------------------------------------------ */

typedef struct values {
    sm_batch_t **b;
    size_t n, at;
} values_t;

static sm_err_t val_open(sm_op_t *op, sm_error_t *e)
{
    ((values_t *)op->impl)->at = 0;
    return SM_OK;
}
static sm_err_t val_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    values_t *v = op->impl;
    while (v->at < v->n && v->b[v->at]->nrows == 0)
        v->at++;
    if (v->at >= v->n)
        return SM_OK;
    sm_batch_t *b = v->b[v->at++];
    return sm_batch_slice(b, 0, b->nrows, out, e);
}
static void val_destroy(sm_op_t *op)
{
    values_t *v = op->impl;
    for (size_t i = 0; i < v->n; i++)
        sm_batch_free(v->b[i]);
    sm_free(v->b);
    sm_free(v);
}
static const sm_op_vtable_t val_vt = {"Values", val_open, val_next, NULL, val_destroy};

sm_err_t sm_op_values_new(const sm_exec_ctx_t *ctx, sm_type_t *schema, sm_batch_t **batches,
                          size_t n, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    values_t *v = sm_calloc(1, sizeof *v);
    if (v)
        v->b = sm_calloc(n ? n : 1, sizeof *v->b);
    if (!v || !v->b) {
        sm_free(v);
        for (size_t i = 0; i < n; i++)
            sm_batch_free(batches[i]);
        return sm_error_nomem(e, "values operator");
    }
    for (size_t i = 0; i < n; i++)
        v->b[i] = batches[i];
    v->n = n;
    for (size_t i = 0; i < n; i++)
        if (batches[i]->ncols != schema->nfields) {
            val_destroy(&(sm_op_t){.impl = v});
            return sm_error_set(e, SM_ERR_INVALID, "values: batch %zu has %zu columns, not %u", i,
                                batches[i]->ncols, schema->nfields);
        }
    return sm_op_make(&val_vt, ctx, schema, NULL, 0, v, out, e);
}

/* ---- limit -------------------------------------------------------------------------- */

typedef struct limit {
    uint64_t limit, offset;
    uint64_t skipped, emitted;
} limit_t;

static sm_err_t lim_open(sm_op_t *op, sm_error_t *e)
{
    limit_t *l = op->impl;
    l->skipped = l->emitted = 0;
    return sm_op_open(op->children[0], e);
}

static sm_err_t lim_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    limit_t *l = op->impl;
    for (;;) {
        if (l->limit != SM_LIMIT_NONE && l->emitted >= l->limit)
            return SM_OK;
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op->children[0], &b, e);
        if (rc || !b)
            return rc;
        size_t from = 0;
        if (l->skipped < l->offset) {
            uint64_t skip = l->offset - l->skipped;
            from = skip < b->nrows ? (size_t)skip : b->nrows;
            l->skipped += from;
        }
        size_t n = b->nrows - from;
        if (l->limit != SM_LIMIT_NONE && n > l->limit - l->emitted)
            n = (size_t)(l->limit - l->emitted);
        if (n == 0) {
            sm_batch_free(b);
            continue;
        }
        l->emitted += n;
        if (from == 0 && n == b->nrows) {
            *out = b;
            return SM_OK;
        }
        sm_batch_t *s = NULL;
        rc = sm_batch_slice(b, from, n, &s, e);
        if (!rc) {
            /* The slice borrows b: copy so b can go. */
            rc = sm_batch_new(op->schema, n, out, e);
            for (size_t c = 0; !rc && c < s->ncols; c++)
                rc = sm_vector_append_range((*out)->cols[c], s->cols[c], 0, n, e);
            if (!rc)
                (*out)->nrows = n;
        }
        sm_batch_free(s);
        sm_batch_free(b);
        return rc;
    }
}

static void lim_destroy(sm_op_t *op)
{
    sm_free(op->impl);
}
static const sm_op_vtable_t lim_vt = {"Limit", lim_open, lim_next, NULL, lim_destroy};

sm_err_t sm_op_limit_new(const sm_exec_ctx_t *ctx, sm_op_t *child, uint64_t limit, uint64_t offset,
                         sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    limit_t *l = sm_calloc(1, sizeof *l);
    if (!l) {
        sm_op_free(child);
        return sm_error_nomem(e, "limit operator");
    }
    l->limit = limit;
    l->offset = offset;
    return sm_op_make(&lim_vt, ctx, child->schema, &child, 1, l, out, e);
}

/* ---- union all ------------------------------------------------------------------------ */

static sm_err_t uni_open(sm_op_t *op, sm_error_t *e)
{
    *(size_t *)op->impl = 0;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < op->nchildren; i++)
        rc = sm_op_open(op->children[i], e);
    return rc;
}

static sm_err_t uni_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    size_t *at = op->impl;
    while (*at < op->nchildren) {
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op->children[*at], &b, e);
        if (rc)
            return rc;
        if (b) {
            /* Re-label with the union's schema (names of the first input). */
            sm_vector_t **cols = b->cols;
            size_t n = b->ncols;
            b->cols = NULL;
            b->ncols = 0;
            sm_batch_free(b);
            sm_err_t rc2 = sm_batch_from_vectors(op->schema, cols, n, out, e);
            sm_free(cols);
            return rc2;
        }
        (*at)++;
    }
    return SM_OK;
}

static void uni_destroy(sm_op_t *op)
{
    sm_free(op->impl);
}
static const sm_op_vtable_t uni_vt = {"UnionAll", uni_open, uni_next, NULL, uni_destroy};

sm_err_t sm_op_union_all_new(const sm_exec_ctx_t *ctx, sm_op_t **children, size_t n, sm_op_t **out,
                             sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    if (n == 0)
        return sm_error_set(e, SM_ERR_INVALID, "union all of no inputs");
    for (size_t i = 1; i < n && !rc; i++)
        if (!sm_type_equal_ex(children[0]->schema, children[i]->schema,
                              SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE))
            rc = sm_error_set(e, SM_ERR_INVALID, "union all: input %zu has other column types", i);
    sm_type_t *schema = NULL;
    if (!rc) {
        /* Nullable where any input is. */
        schema = sm_type_copy(children[0]->schema);
        if (!schema)
            rc = sm_error_nomem(e, "union schema");
        for (size_t i = 1; !rc && i < n; i++)
            for (uint32_t f = 0; f < schema->nfields; f++)
                schema->fields[f].nullable |= children[i]->schema->fields[f].nullable;
    }
    size_t *at = rc ? NULL : sm_calloc(1, sizeof *at);
    if (!rc && !at)
        rc = sm_error_nomem(e, "union operator");
    if (rc) {
        sm_type_free(schema);
        for (size_t i = 0; i < n; i++)
            sm_op_free(children[i]);
        return rc;
    }
    rc = sm_op_make(&uni_vt, ctx, schema, children, n, at, out, e);
    sm_type_free(schema);
    return rc;
}
