/* stream/state — the aggregation state of a streaming query: one group per
 * (window, keys) with its accumulators, in a hash table over an encoded key.
 *
 * Encoded key: win_start (8 bytes) then per key a null byte (0 null, 1
 * valid) and the value: integers, dates and timestamps as int64, floats as
 * a double with -0.0 folded into 0.0 and every NaN into one (Spark groups
 * them together), booleans as one byte, decimals as 16 bytes, strings and
 * binaries as a 4-byte length and the bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "stream/stream_int.h"

#define SQ_MAX_GROUPS (64u * 1024 * 1024)

static sm_err_t encode(sm_buf_t *b, int64_t win, const sm_value_t *keys, size_t n, sm_error_t *e)
{
    sm_buf_reset(b);
    sm_err_t rc = sm_buf_append(b, &win, 8, e);
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_value_t *v = &keys[i];
        uint8_t valid = !v->is_null;
        rc = sm_buf_append(b, &valid, 1, e);
        if (rc || v->is_null)
            continue;
        switch (v->kind) {
        case SM_TYPE_BOOL: {
            uint8_t x = v->u.b;
            rc = sm_buf_append(b, &x, 1, e);
            break;
        }
        case SM_TYPE_FLOAT32:
        case SM_TYPE_FLOAT64: {
            double d = v->u.d;
            if (d == 0)
                d = 0.0;
            if (isnan(d))
                d = NAN;
            rc = sm_buf_append(b, &d, 8, e);
            break;
        }
        case SM_TYPE_DECIMAL:
            rc = sm_buf_append(b, &v->u.dec, 16, e);
            break;
        case SM_TYPE_STRING:
        case SM_TYPE_BINARY: {
            uint32_t len = (uint32_t)v->u.s.n;
            rc = sm_buf_append(b, &len, 4, e);
            if (!rc)
                rc = sm_buf_append(b, v->u.s.p, v->u.s.n, e);
            break;
        }
        default:
            rc = sm_buf_append(b, &v->u.i, 8, e);
            break;
        }
    }
    return rc;
}

sm_err_t sq_state_init(sq_state_t *st, const sm_squery_t *q, sm_error_t *e)
{
    memset(st, 0, sizeof *st);
    st->q = q;
    st->max_event_us = INT64_MIN;
    sm_ht_opts_t o = {.initial_count = 64, .max_count = SQ_MAX_GROUPS};
    return sm_ht_new(&st->ht, &o, e);
}

void sq_state_clear(sq_state_t *st)
{
    for (size_t i = 0; i < st->n; i++)
        sm_free(st->groups[i]);
    st->n = 0;
    if (st->ht)
        sm_ht_clear(st->ht);
    st->max_event_us = INT64_MIN;
}

void sq_state_free(sq_state_t *st)
{
    sq_state_clear(st);
    sm_free(st->groups);
    sm_ht_free(st->ht);
    sm_buf_free(&st->kbuf);
    memset(st, 0, sizeof *st);
}

/* A new group holding copies of the keys; NULL when out of memory. */
static sq_group_t *group_new(const sm_squery_t *q, int64_t win, const sm_value_t *keys)
{
    size_t bytes = sizeof(sq_group_t) + q->nkeys * sizeof(sm_value_t) + q->naggs * sizeof(sq_acc_t);
    for (size_t i = 0; i < q->nkeys; i++)
        if (!keys[i].is_null && (keys[i].kind == SM_TYPE_STRING || keys[i].kind == SM_TYPE_BINARY))
            bytes += keys[i].u.s.n + 1;
    sq_group_t *g = sm_calloc(1, bytes);
    if (!g)
        return NULL;
    g->win_start = win;
    g->keys = (sm_value_t *)(g + 1);
    g->acc = (sq_acc_t *)(g->keys + q->nkeys);
    char *p = (char *)(g->acc + q->naggs);
    for (size_t i = 0; i < q->nkeys; i++) {
        g->keys[i] = keys[i];
        if (!keys[i].is_null &&
            (keys[i].kind == SM_TYPE_STRING || keys[i].kind == SM_TYPE_BINARY)) {
            if (keys[i].u.s.n)
                memcpy(p, keys[i].u.s.p, keys[i].u.s.n);
            g->keys[i].u.s.p = p;
            p += keys[i].u.s.n + 1;
        }
    }
    return g;
}

/* The group of (win, keys), created when new. */
static sm_err_t group_get(sq_state_t *st, int64_t win, const sm_value_t *keys, sq_group_t **out,
                          sm_error_t *e)
{
    sm_err_t rc = encode(&st->kbuf, win, keys, st->q->nkeys, e);
    if (rc)
        return rc;
    uint64_t *slot = sm_ht_find(st->ht, st->kbuf.data, st->kbuf.len);
    if (slot) {
        *out = st->groups[*slot];
        return SM_OK;
    }
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 64;
        sq_group_t **ng = sm_realloc(st->groups, nc * sizeof *ng);
        if (!ng)
            return sm_error_nomem(e, "stream state");
        st->groups = ng;
        st->cap = nc;
    }
    sq_group_t *g = group_new(st->q, win, keys);
    if (!g)
        return sm_error_nomem(e, "stream group");
    bool is_new;
    rc = sm_ht_insert(st->ht, st->kbuf.data, st->kbuf.len, &slot, &is_new, e);
    if (rc) {
        sm_free(g);
        return rc == SM_ERR_LIMIT
                   ? sm_error_set(e, rc, "more than %u groups in the stream state", SQ_MAX_GROUPS)
                   : rc;
    }
    *slot = st->n;
    st->groups[st->n++] = g;
    *out = g;
    return SM_OK;
}

static sm_err_t acc_update(const sq_agg_t *ag, sq_acc_t *a, const sm_value_t *v, sm_error_t *e)
{
    if (ag->kind == SQ_COUNT_STAR) {
        a->n++;
        return SM_OK;
    }
    if (v->is_null)
        return SM_OK;
    bool isf = v->kind == SM_TYPE_FLOAT32 || v->kind == SM_TYPE_FLOAT64;
    switch (ag->kind) {
    case SQ_COUNT:
        a->n++;
        break;
    case SQ_SUM:
        if (ag->as_int) {
            if (__builtin_add_overflow(a->i, v->u.i, &a->i))
                return sm_error_set(e, SM_ERR_OVERFLOW, "sum overflows bigint");
        } else {
            a->d += isf ? v->u.d : (double)v->u.i;
        }
        a->n++;
        break;
    case SQ_AVG:
        a->d += isf ? v->u.d : (double)v->u.i;
        a->n++;
        break;
    case SQ_MIN:
    case SQ_MAX: {
        bool mn = ag->kind == SQ_MIN;
        if (ag->as_int) {
            if (!a->n || (mn ? v->u.i < a->i : v->u.i > a->i))
                a->i = v->u.i;
        } else {
            /* NaN is larger than everything (Spark) */
            double d = v->u.d, cur = a->d;
            bool better = !a->n || (mn ? (isnan(cur) ? !isnan(d) : d < cur)
                                       : (isnan(d) ? !isnan(cur) : (!isnan(cur) && d > cur)));
            if (better)
                a->d = d;
        }
        a->n++;
        break;
    }
    default:
        break;
    }
    return SM_OK;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t m = a % b;
    return m < 0 ? m + b : m;
}

sm_err_t sq_state_update(sq_state_t *st, const sm_batch_t *in, const uint32_t *sel, size_t nsel,
                         const int64_t *ts, int64_t batch, sm_expr_ctx_t *ctx, sm_error_t *e)
{
    const sm_squery_t *q = st->q;
    sm_vector_t *kv[SQ_MAX_ITEMS_STATE], *av[SQ_MAX_ITEMS_STATE];
    sm_value_t keys[SQ_MAX_ITEMS_STATE];
    sm_err_t rc = SM_OK;
    if (q->nkeys > SQ_MAX_ITEMS_STATE || q->naggs > SQ_MAX_ITEMS_STATE)
        return sm_error_set(e, SM_ERR_LIMIT, "too many keys or aggregates");
    size_t n = sel ? nsel : in->nrows;
    for (size_t i = 0; i < q->nkeys; i++)
        if ((rc = sm_expr_eval(q->keys[i], in, sel, nsel, ctx, &kv[i], e)))
            return rc;
    for (size_t i = 0; i < q->naggs; i++) {
        av[i] = NULL;
        if (q->aggs[i].arg && (rc = sm_expr_eval(q->aggs[i].arg, in, sel, nsel, ctx, &av[i], e)))
            return rc;
    }
    for (size_t r = 0; r < n; r++) {
        size_t row = sel ? sel[r] : r;
        for (size_t i = 0; i < q->nkeys; i++)
            if ((rc = sm_value_from_vector(kv[i], row, &keys[i], e)))
                return rc;
        int64_t first = 0, last = 0, step = 1;
        if (q->windowed) {
            if (!ts || ts[row] == INT64_MIN)
                continue; /* no event time: in no window (Spark) */
            last = ts[row] - floor_mod(ts[row], q->win_slide_us);
            first = last;
            while (first - q->win_slide_us > ts[row] - q->win_size_us)
                first -= q->win_slide_us;
            step = q->win_slide_us;
        }
        for (int64_t w = first; w <= last; w += step) {
            sq_group_t *g = NULL;
            if ((rc = group_get(st, w, keys, &g, e)))
                return rc;
            g->updated = batch;
            for (size_t i = 0; i < q->naggs; i++) {
                sm_value_t v = sm_value_null(SM_TYPE_NULL);
                if (av[i] && (rc = sm_value_from_vector(av[i], row, &v, e)))
                    return rc;
                if ((rc = acc_update(&q->aggs[i], &g->acc[i], &v, e)))
                    return rc;
            }
        }
    }
    return SM_OK;
}

/* ---- output --------------------------------------------------------------- */

static int group_cmp(const void *pa, const void *pb, void *arg)
{
    const sm_squery_t *sort_q = arg;
    const sq_group_t *a = *(sq_group_t *const *)pa, *b = *(sq_group_t *const *)pb;
    if (a->win_start != b->win_start)
        return a->win_start < b->win_start ? -1 : 1;
    for (size_t i = 0; i < sort_q->nkeys; i++) {
        const sm_value_t *x = &a->keys[i], *y = &b->keys[i];
        if (x->is_null || y->is_null) {
            if (x->is_null != y->is_null)
                return x->is_null ? -1 : 1;
            continue;
        }
        int c = sm_value_cmp(x, y);
        if (c)
            return c;
    }
    return 0;
}

static bool chosen(const sm_squery_t *q, const sq_group_t *g, sq_emit_t what, int64_t batch,
                   int64_t wm)
{
    switch (what) {
    case SQ_EMIT_UPDATED:
        return g->updated == batch;
    case SQ_EMIT_FINAL:
        return q->windowed && wm != INT64_MIN && g->win_start + q->win_size_us <= wm;
    default:
        return true;
    }
}

static sm_err_t append_agg(sm_vector_t *col, const sq_agg_t *ag, const sq_acc_t *a, sm_error_t *e)
{
    if (ag->kind == SQ_COUNT || ag->kind == SQ_COUNT_STAR)
        return sm_vector_append_i64(col, a->n, e);
    if (!a->n)
        return sm_vector_append_null(col, e);
    if (ag->kind == SQ_AVG)
        return sm_vector_append_f64(col, a->d / (double)a->n, e);
    sm_type_kind_t k = ag->out_type->kind;
    if (k == SM_TYPE_FLOAT64)
        return sm_vector_append_f64(col, a->d, e);
    if (k == SM_TYPE_FLOAT32)
        return sm_vector_append_f32(col, (float)a->d, e);
    sm_value_t v = sm_value_int(k, a->i);
    return sm_value_append(col, &v, e);
}

sm_err_t sq_state_emit(const sq_state_t *st, sq_emit_t what, int64_t batch, int64_t watermark_us,
                       bool with_batch_id, sm_batch_t **out, sm_error_t *e)
{
    const sm_squery_t *q = st->q;
    *out = NULL;
    sm_type_t *schema = sm_type_ref(q->out_schema);
    if (with_batch_id) {
        sm_type_free(schema);
        const sm_type_t *s = q->out_schema;
        sm_field_t *f = sm_calloc(s->nfields + 1, sizeof *f);
        if (!f)
            return sm_error_nomem(e, "schema");
        for (uint32_t i = 0; i < s->nfields; i++)
            f[i] = (sm_field_t){s->fields[i].name, sm_type_ref(s->fields[i].type),
                                s->fields[i].nullable};
        f[s->nfields] = (sm_field_t){"_batch_id", sm_type_int64(), false};
        schema = sm_type_struct(f, s->nfields + 1);
        sm_free(f);
        if (!schema)
            return sm_error_nomem(e, "schema");
    }
    sq_group_t **sel = sm_malloc((st->n + 1) * sizeof *sel);
    size_t n = 0;
    sm_batch_t *b = NULL;
    sm_err_t rc = SM_OK;
    if (!sel) {
        rc = sm_error_nomem(e, "stream output");
        goto out;
    }
    for (size_t i = 0; i < st->n; i++)
        if (chosen(q, st->groups[i], what, batch, watermark_us))
            sel[n++] = st->groups[i];
    qsort_r(sel, n, sizeof *sel, group_cmp, (void *)q);
    if ((rc = sm_batch_new(schema, n ? n : 1, &b, e)))
        goto out;
    for (size_t r = 0; r < n && !rc; r++) {
        const sq_group_t *g = sel[r];
        size_t c = 0;
        for (size_t i = 0; i < q->nouts && !rc; i++) {
            const sq_out_t *o = &q->outs[i];
            switch (o->kind) {
            case SQ_OUT_KEY:
                rc = sm_value_append(b->cols[c++], &g->keys[o->idx], e);
                break;
            case SQ_OUT_AGG:
                rc = append_agg(b->cols[c++], &q->aggs[o->idx], &g->acc[o->idx], e);
                break;
            case SQ_OUT_WINDOW:
                rc = sm_vector_append_i64(b->cols[c++], g->win_start, e);
                if (!rc)
                    rc = sm_vector_append_i64(b->cols[c++], g->win_start + q->win_size_us, e);
                break;
            default:
                rc = sm_error_set(e, SM_ERR_INTERNAL, "projection in an aggregation");
                break;
            }
        }
        if (!rc && with_batch_id)
            rc = sm_vector_append_i64(b->cols[c], batch, e);
    }
    if (!rc)
        rc = sm_batch_sync(b, e);
out:
    sm_free(sel);
    sm_type_free(schema);
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

sm_err_t sq_state_evict(sq_state_t *st, int64_t wm, sm_error_t *e)
{
    const sm_squery_t *q = st->q;
    if (!q->windowed || wm == INT64_MIN)
        return SM_OK;
    size_t k = 0;
    bool any = false;
    for (size_t i = 0; i < st->n; i++) {
        sq_group_t *g = st->groups[i];
        if (g->win_start + q->win_size_us <= wm) {
            sm_free(g);
            any = true;
        } else {
            st->groups[k++] = g;
        }
    }
    st->n = k;
    if (!any)
        return SM_OK;
    sm_ht_clear(st->ht);
    for (size_t i = 0; i < st->n; i++) {
        uint64_t *slot;
        bool is_new;
        sm_err_t rc = encode(&st->kbuf, st->groups[i]->win_start, st->groups[i]->keys, q->nkeys, e);
        if (!rc)
            rc = sm_ht_insert(st->ht, st->kbuf.data, st->kbuf.len, &slot, &is_new, e);
        if (rc)
            return rc;
        *slot = i;
    }
    return SM_OK;
}

/* ---- state rows ------------------------------------------------------------ */

sm_err_t sq_state_to_batch(const sq_state_t *st, sm_batch_t **out, sm_error_t *e)
{
    const sm_squery_t *q = st->q;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_batch_new(q->state_schema, st->n ? st->n : 1, &b, e);
    for (size_t r = 0; r < st->n && !rc; r++) {
        const sq_group_t *g = st->groups[r];
        size_t c = 0;
        rc = sm_vector_append_i64(b->cols[c++], g->win_start, e);
        if (!rc)
            rc = sm_vector_append_i64(b->cols[c++], g->updated, e);
        for (size_t i = 0; i < q->nkeys && !rc; i++)
            rc = sm_value_append(b->cols[c++], &g->keys[i], e);
        for (size_t i = 0; i < q->naggs && !rc; i++) {
            rc = sm_vector_append_i64(b->cols[c++], g->acc[i].n, e);
            if (!rc)
                rc = sm_vector_append_i64(b->cols[c++], g->acc[i].i, e);
            if (!rc)
                rc = sm_vector_append_f64(b->cols[c++], g->acc[i].d, e);
        }
    }
    if (!rc)
        rc = sm_batch_sync(b, e);
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

sm_err_t sq_state_add_rows(sq_state_t *st, const sm_batch_t *b, sm_error_t *e)
{
    const sm_squery_t *q = st->q;
    if (b->ncols != 2 + q->nkeys + 3 * q->naggs)
        return sm_error_set(e, SM_ERR_CORRUPT, "state file has %zu columns, the query needs %zu",
                            b->ncols, 2 + q->nkeys + 3 * q->naggs);
    sm_value_t keys[SQ_MAX_ITEMS_STATE];
    for (size_t r = 0; r < b->nrows; r++) {
        size_t c = 0;
        int64_t win = sm_vector_get_i64(b->cols[c++], r);
        int64_t upd = sm_vector_get_i64(b->cols[c++], r);
        for (size_t i = 0; i < q->nkeys; i++) {
            sm_err_t rc = sm_value_from_vector(b->cols[c++], r, &keys[i], e);
            if (rc)
                return rc;
        }
        sq_group_t *g = NULL;
        sm_err_t rc = group_get(st, win, keys, &g, e);
        if (rc)
            return rc;
        g->updated = upd;
        for (size_t i = 0; i < q->naggs; i++) {
            g->acc[i].n = sm_vector_get_i64(b->cols[c++], r);
            g->acc[i].i = sm_vector_get_i64(b->cols[c++], r);
            g->acc[i].d = sm_vector_get_f64(b->cols[c++], r);
        }
    }
    return SM_OK;
}
