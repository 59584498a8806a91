/* exec/op_window — window functions over one window (operator.h).
 *
 * The child is sorted by (partition keys, order keys) with sm_op_sort
 * (which spills), then read one partition at a time.  A partition's rows
 * are kept in memory, or written to a spill file once the budget refuses
 * them.  While they arrive, the argument columns of frame functions are
 * copied aside (and peer groups numbered when a RANGE frame needs them);
 * when the partition is complete their results are computed in memory.
 * Rows then stream out with the results appended; row_number, rank,
 * dense_rank and ntile are computed on the way out, so they need no
 * per-row memory (ntile only needs the partition's row count).
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "exec/agg.h"
#include "exec/op_int.h"
#include "exec/spill.h"

typedef struct wfn {
    sm_win_fn_t f;
    sm_type_t *type;
    bool is_agg;
    sm_agg_kind_t agg;
    sm_acc_t acc;
    sm_vector_t *arg, *def, *res;
} wfn_t;

typedef struct window {
    sm_op_t *op;
    uint32_t *part;
    size_t npart;
    sm_sort_key_t *order;
    size_t norder;
    wfn_t *fns;
    size_t nfns;
    sm_type_t *in_schema;
    bool need_peers, need_rank;
    /* pending input */
    sm_batch_t *pend;
    size_t pend_at;
    sm_buf_t pk, ok;
    uint32_t *poffs, *ooffs;
    sm_buf_t cur_pk, last_ok;
    bool have_cur, input_done;
    /* the partition */
    sm_rows_t rows;
    sm_spill_t *spill;
    size_t n, reserved;
    uint32_t *peer_start, *peer_end;
    size_t peer_cap;
    /* emission */
    bool emitting;
    size_t emit_b, emit_i;
    int64_t rank, dense;
    sm_buf_t prev_ok;
    sm_buf_t ek;
    uint32_t *eoffs;
} window_t;

/* ---- partition buffer -------------------------------------------------------------- */

static void part_reset(window_t *w)
{
    sm_rows_free(&w->rows);
    sm_spill_close(w->spill);
    w->spill = NULL;
    w->n = 0;
    if (w->reserved)
        sm_op_mem_release(w->op, w->reserved);
    w->reserved = 0;
    for (size_t i = 0; i < w->nfns; i++) {
        if (w->fns[i].arg)
            sm_vector_reset(w->fns[i].arg);
        if (w->fns[i].def)
            sm_vector_reset(w->fns[i].def);
        if (w->fns[i].res)
            sm_vector_reset(w->fns[i].res);
    }
    w->emitting = false;
    w->emit_b = w->emit_i = 0;
}

static sm_err_t spill_out(window_t *w, sm_batch_t *b, sm_error_t *e)
{
    uint64_t before = sm_spill_bytes(w->spill);
    sm_err_t rc = sm_spill_write(w->spill, b, e);
    w->op->stats.spill_bytes += sm_spill_bytes(w->spill) - before;
    return rc;
}

/* Adds a batch (taken over) to the partition. */
static sm_err_t part_add(window_t *w, sm_batch_t *b, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < w->nfns; i++) {
        wfn_t *f = &w->fns[i];
        if (f->arg)
            rc = sm_vector_append_range(f->arg, b->cols[f->f.arg], 0, b->nrows, e);
        if (!rc && f->def)
            rc = sm_vector_append_range(f->def, b->cols[f->f.default_col], 0, b->nrows, e);
    }
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    w->n += b->nrows;
    if (w->spill) {
        rc = spill_out(w, b, e);
        sm_batch_free(b);
        return rc;
    }
    size_t bytes = sm_batch_bytes(b);
    if ((rc = sm_rows_add(&w->rows, b, e)))
        return rc;
    if (sm_op_mem_try(w->op, bytes)) {
        w->reserved += bytes;
        return SM_OK;
    }
    /* Over budget: this partition goes to disk. */
    if ((rc = sm_spill_new(sm_exec_tmpdir(w->op->ctx), &w->spill, e)))
        return rc;
    w->op->stats.spill_files++;
    for (size_t i = 0; !rc && i < w->rows.nb; i++)
        rc = spill_out(w, w->rows.b[i], e);
    sm_rows_free(&w->rows);
    if (w->reserved)
        sm_op_mem_release(w->op, w->reserved);
    w->reserved = 0;
    return rc;
}

static sm_err_t load_pending(window_t *w, sm_error_t *e)
{
    for (;;) {
        sm_batch_free(w->pend);
        w->pend = NULL;
        sm_err_t rc = sm_op_next(w->op->children[0], &w->pend, e);
        if (rc)
            return rc;
        if (!w->pend) {
            w->input_done = true;
            return SM_OK;
        }
        if (!w->pend->nrows)
            continue;
        size_t n = w->pend->nrows;
        uint32_t *p = sm_realloc(w->poffs, (n + 1) * 4),
                 *o = p ? sm_realloc(w->ooffs, (n + 1) * 4) : NULL;
        if (p)
            w->poffs = p;
        if (o)
            w->ooffs = o;
        if (!p || !o)
            return sm_error_nomem(e, "window keys");
        w->pend_at = 0;
        if ((rc = sm_keys_cols(w->pend, w->part, w->npart, &w->pk, w->poffs, e)))
            return rc;
        return sm_keys_sort(w->pend, w->order, w->norder, &w->ok, w->ooffs, e);
    }
}

static bool same_part(const window_t *w, size_t r)
{
    return sm_key_cmp(w->pk.data + w->poffs[r], w->poffs[r + 1] - w->poffs[r], w->cur_pk.data,
                      w->cur_pk.len) == 0;
}

static sm_err_t peers_add(window_t *w, size_t from, size_t to, sm_error_t *e)
{
    if (!w->need_peers)
        return SM_OK;
    size_t base = w->n;
    if (base + (to - from) > w->peer_cap) {
        size_t cap = w->peer_cap ? w->peer_cap : 1024;
        while (cap < base + (to - from))
            cap *= 2;
        uint32_t *a = sm_realloc(w->peer_start, cap * 4),
                 *b = a ? sm_realloc(w->peer_end, cap * 4) : NULL;
        if (a)
            w->peer_start = a;
        if (b)
            w->peer_end = b;
        if (!a || !b)
            return sm_error_nomem(e, "window peers");
        w->peer_cap = cap;
    }
    for (size_t r = from; r < to; r++) {
        size_t i = base + (r - from);
        const uint8_t *k = w->ok.data + w->ooffs[r];
        size_t kn = w->ooffs[r + 1] - w->ooffs[r];
        if (i == 0 || sm_key_cmp(k, kn, w->last_ok.data, w->last_ok.len) != 0)
            w->peer_start[i] = (uint32_t)i;
        else
            w->peer_start[i] = w->peer_start[i - 1];
        sm_buf_reset(&w->last_ok);
        sm_err_t rc = sm_buf_append(&w->last_ok, k, kn, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Reads the next partition; w->n == 0 at the end of the input. */
static sm_err_t fill(window_t *w, sm_error_t *e)
{
    sm_err_t rc;
    w->have_cur = false;
    for (;;) {
        if (!w->pend || w->pend_at >= w->pend->nrows) {
            if ((rc = load_pending(w, e)))
                return rc;
            if (!w->pend)
                return SM_OK;
        }
        size_t s = w->pend_at, r = s;
        if (!w->have_cur) {
            sm_buf_reset(&w->cur_pk);
            if ((rc = sm_buf_append(&w->cur_pk, w->pk.data + w->poffs[s],
                                    w->poffs[s + 1] - w->poffs[s], e)))
                return rc;
            w->have_cur = true;
        }
        while (r < w->pend->nrows && same_part(w, r))
            r++;
        if (r > s) {
            if ((rc = peers_add(w, s, r, e)))
                return rc;
            sm_batch_t *b = NULL;
            if (s == 0 && r == w->pend->nrows) {
                b = w->pend;
                w->pend = NULL;
            } else {
                rc = sm_batch_new(w->in_schema, r - s, &b, e);
                for (size_t c = 0; !rc && c < b->ncols; c++)
                    rc = sm_vector_append_range(b->cols[c], w->pend->cols[c], s, r - s, e);
                if (!rc)
                    b->nrows = r - s;
                if (rc) {
                    sm_batch_free(b);
                    return rc;
                }
            }
            if ((rc = part_add(w, b, e)))
                return rc;
            if (!w->pend) {
                /* whole batch taken: keys go with it */
                continue;
            }
        }
        w->pend_at = r;
        if (r < w->pend->nrows)
            return SM_OK;
    }
}

/* ---- frame functions ---------------------------------------------------------------- */

static void frame_of(const window_t *w, const sm_win_fn_t *f, size_t i, int64_t *lo, int64_t *hi)
{
    int64_t n = (int64_t)w->n, ii = (int64_t)i;
    sm_win_frame_t fr = f->frame;
    if (fr.is_default) {
        fr.rows = false;
        fr.start = SM_BOUND_UNBOUNDED_PRECEDING;
        fr.end = w->norder ? SM_BOUND_CURRENT_ROW : SM_BOUND_UNBOUNDED_FOLLOWING;
    }
    bool peers = !fr.rows;
    switch (fr.start) {
    case SM_BOUND_UNBOUNDED_PRECEDING:
        *lo = 0;
        break;
    case SM_BOUND_PRECEDING:
        *lo = ii - fr.start_n;
        break;
    case SM_BOUND_CURRENT_ROW:
        *lo = peers ? (w->norder ? w->peer_start[i] : 0) : ii;
        break;
    case SM_BOUND_FOLLOWING:
        *lo = ii + fr.start_n;
        break;
    default:
        *lo = n;
    }
    switch (fr.end) {
    case SM_BOUND_UNBOUNDED_FOLLOWING:
        *hi = n - 1;
        break;
    case SM_BOUND_FOLLOWING:
        *hi = ii + fr.end_n;
        break;
    case SM_BOUND_CURRENT_ROW:
        *hi = peers ? (w->norder ? w->peer_end[i] : n - 1) : ii;
        break;
    case SM_BOUND_PRECEDING:
        *hi = ii - fr.end_n;
        break;
    default:
        *hi = -1;
    }
    if (*lo < 0)
        *lo = 0;
    if (*hi > n - 1)
        *hi = n - 1;
}

/* Feeds rows [a, b) of the partition into group 0 of f's accumulator. */
static sm_err_t acc_feed(wfn_t *f, const uint32_t *seq, const uint32_t *zeros, size_t a, size_t b,
                         sm_error_t *e)
{
    if (b <= a)
        return SM_OK;
    sm_vector_t *cols[1] = {f->arg};
    sm_batch_t fake = {.ncols = 1, .cols = cols, .nrows = f->arg ? f->arg->len : 0};
    return sm_acc_update(&f->acc, &fake, seq + a, zeros, b - a, e);
}

static sm_err_t compute_agg(window_t *w, wfn_t *f, const uint32_t *seq, const uint32_t *zeros,
                            sm_error_t *e)
{
    size_t n = w->n;
    sm_err_t rc = SM_OK;
    int64_t lo, hi, plo = 0, phi = -1;
    bool fixed_lo = true;
    for (size_t i = 0; i < n; i++) {
        frame_of(w, &f->f, i, &lo, &hi);
        if (lo != 0)
            fixed_lo = false;
    }
    sm_acc_reset(&f->acc, 0);
    for (size_t i = 0; !rc && i < n; i++) {
        frame_of(w, &f->f, i, &lo, &hi);
        if (fixed_lo && hi >= phi) {
            /* growing frame: add the new rows */
            rc = acc_feed(f, seq, zeros, (size_t)(phi + 1), (size_t)(hi + 1), e);
        } else if (lo != plo || hi != phi) {
            sm_acc_reset(&f->acc, 0);
            if (hi >= lo)
                rc = acc_feed(f, seq, zeros, (size_t)lo, (size_t)hi + 1, e);
        }
        plo = lo;
        phi = hi;
        if (!rc)
            rc = sm_acc_finish(&f->acc, 0, 1, f->res, e);
    }
    return rc;
}

static sm_err_t compute(window_t *w, sm_error_t *e)
{
    size_t n = w->n;
    if (w->need_peers && n) {
        w->peer_end[n - 1] = (uint32_t)(n - 1);
        for (size_t i = n - 1; i-- > 0;)
            w->peer_end[i] =
                w->peer_start[i + 1] == w->peer_start[i] ? w->peer_end[i + 1] : (uint32_t)i;
    }
    uint32_t *seq = sm_malloc((n ? n : 1) * 4), *zeros = sm_calloc(n ? n : 1, 4);
    sm_err_t rc = seq && zeros ? SM_OK : sm_error_nomem(e, "window frames");
    for (size_t i = 0; !rc && i < n; i++)
        seq[i] = (uint32_t)i;
    for (size_t k = 0; !rc && k < w->nfns; k++) {
        wfn_t *f = &w->fns[k];
        if (!f->res)
            continue;
        if ((rc = sm_vector_reserve(f->res, n, e)))
            break;
        switch (f->f.kind) {
        case SM_WIN_LAG:
        case SM_WIN_LEAD:
            for (size_t i = 0; !rc && i < n; i++) {
                int64_t j = f->f.kind == SM_WIN_LAG ? (int64_t)i - f->f.n : (int64_t)i + f->f.n;
                if (j >= 0 && j < (int64_t)n)
                    rc = sm_vector_append_from(f->res, f->arg, (size_t)j, e);
                else if (f->def)
                    rc = sm_vector_append_from(f->res, f->def, i, e);
                else
                    rc = sm_vector_append_null(f->res, e);
            }
            break;
        case SM_WIN_FIRST_VALUE:
        case SM_WIN_LAST_VALUE:
            for (size_t i = 0; !rc && i < n; i++) {
                int64_t lo, hi, pick = -1;
                frame_of(w, &f->f, i, &lo, &hi);
                bool first = f->f.kind == SM_WIN_FIRST_VALUE;
                if (hi >= lo) {
                    if (!f->f.ignore_nulls)
                        pick = first ? lo : hi;
                    else if (first) {
                        for (int64_t j = lo; j <= hi && pick < 0; j++)
                            if (!sm_vector_is_null(f->arg, (size_t)j))
                                pick = j;
                    } else {
                        for (int64_t j = hi; j >= lo && pick < 0; j--)
                            if (!sm_vector_is_null(f->arg, (size_t)j))
                                pick = j;
                    }
                }
                rc = pick >= 0 ? sm_vector_append_from(f->res, f->arg, (size_t)pick, e)
                               : sm_vector_append_null(f->res, e);
            }
            break;
        default:
            if ((rc = sm_acc_grow(&f->acc, 1, e)))
                break;
            rc = compute_agg(w, f, seq, zeros, e);
        }
    }
    sm_free(seq);
    sm_free(zeros);
    return rc;
}

/* ---- emission ------------------------------------------------------------------------- */

static int32_t ntile_of(int64_t rn, int64_t n, int64_t buckets)
{
    int64_t q = n / buckets, rem = n % buckets;
    if (rn <= rem * (q + 1))
        return (int32_t)((rn - 1) / (q + 1) + 1);
    return (int32_t)(rem + (rn - 1 - rem * (q + 1)) / q + 1);
}

static sm_err_t emit(window_t *w, sm_batch_t *b, sm_batch_t **out, sm_error_t *e)
{
    size_t nin = b->ncols, n = b->nrows, base = w->emit_i;
    sm_vector_t **cols = sm_calloc(nin + w->nfns + 1, sizeof *cols);
    int64_t *rank = sm_malloc((n ? n : 1) * sizeof *rank),
            *dense = sm_malloc((n ? n : 1) * sizeof *dense);
    sm_err_t rc = cols && rank && dense ? SM_OK : sm_error_nomem(e, "window output");
    if (!rc && w->need_rank) {
        uint32_t *o = sm_realloc(w->eoffs, (n + 1) * 4);
        if (!o)
            rc = sm_error_nomem(e, "window keys");
        else
            w->eoffs = o;
        if (!rc)
            rc = sm_keys_sort(b, w->order, w->norder, &w->ek, w->eoffs, e);
    }
    /* Ranks continue from the previous batch of the partition. */
    for (size_t r = 0; !rc && r < n; r++) {
        int64_t rn = (int64_t)(base + r) + 1;
        if (!w->need_rank) {
            rank[r] = dense[r] = 1;
            continue;
        }
        const uint8_t *key = w->ek.data + w->eoffs[r];
        size_t kn = w->eoffs[r + 1] - w->eoffs[r];
        if (rn == 1 || sm_key_cmp(key, kn, w->prev_ok.data, w->prev_ok.len) != 0) {
            w->rank = rn;
            w->dense++;
            sm_buf_reset(&w->prev_ok);
            rc = sm_buf_append(&w->prev_ok, key, kn, e);
        }
        rank[r] = w->rank;
        dense[r] = w->dense;
    }
    for (size_t k = 0; !rc && k < w->nfns; k++) {
        wfn_t *f = &w->fns[k];
        if ((rc = sm_vector_new(f->type, n, &cols[nin + k], e)))
            break;
        if (f->res) {
            rc = sm_vector_append_range(cols[nin + k], f->res, base, n, e);
            continue;
        }
        int32_t *v = (int32_t *)(void *)cols[nin + k]->values;
        for (size_t r = 0; r < n; r++) {
            int64_t rn = (int64_t)(base + r) + 1;
            switch (f->f.kind) {
            case SM_WIN_ROW_NUMBER:
                v[r] = (int32_t)rn;
                break;
            case SM_WIN_RANK:
                v[r] = (int32_t)rank[r];
                break;
            case SM_WIN_DENSE_RANK:
                v[r] = (int32_t)dense[r];
                break;
            default:
                v[r] = ntile_of(rn, (int64_t)w->n, f->f.n);
            }
        }
        rc = sm_vector_set_len(cols[nin + k], n, e);
    }
    sm_free(rank);
    sm_free(dense);
    if (rc) {
        if (cols)
            for (size_t k = nin; k < nin + w->nfns; k++)
                sm_vector_free(cols[k]);
        sm_free(cols);
        sm_batch_free(b);
        return rc;
    }
    for (size_t c = 0; c < nin; c++) {
        cols[c] = b->cols[c];
        b->cols[c] = NULL;
    }
    b->ncols = 0;
    sm_batch_free(b);
    w->emit_i += n;
    rc = sm_batch_from_vectors(w->op->schema, cols, nin + w->nfns, out, e);
    sm_free(cols);
    return rc;
}

/* ---- operator ------------------------------------------------------------------------- */

static void win_close(sm_op_t *op)
{
    window_t *w = op->impl;
    part_reset(w);
    sm_batch_free(w->pend);
    w->pend = NULL;
    sm_buf_free(&w->pk);
    sm_buf_free(&w->ok);
    sm_buf_free(&w->cur_pk);
    sm_buf_free(&w->last_ok);
    sm_buf_free(&w->prev_ok);
    sm_buf_free(&w->ek);
    sm_free(w->poffs);
    sm_free(w->ooffs);
    sm_free(w->eoffs);
    sm_free(w->peer_start);
    sm_free(w->peer_end);
    w->poffs = w->ooffs = w->eoffs = w->peer_start = w->peer_end = NULL;
    w->peer_cap = 0;
    for (size_t i = 0; i < w->nfns; i++) {
        wfn_t *f = &w->fns[i];
        sm_vector_free(f->arg);
        sm_vector_free(f->def);
        sm_vector_free(f->res);
        f->arg = f->def = f->res = NULL;
        if (f->is_agg)
            sm_acc_free(&f->acc);
    }
}

static sm_err_t win_open(sm_op_t *op, sm_error_t *e)
{
    window_t *w = op->impl;
    w->op = op;
    w->input_done = false;
    w->need_rank = false;
    for (size_t i = 0; i < w->nfns; i++)
        if (w->fns[i].f.kind == SM_WIN_RANK || w->fns[i].f.kind == SM_WIN_DENSE_RANK)
            w->need_rank = w->norder > 0;
    sm_err_t rc = sm_op_open(op->children[0], e);
    for (size_t i = 0; !rc && i < w->nfns; i++) {
        wfn_t *f = &w->fns[i];
        const sm_type_t *in = w->in_schema;
        if (f->f.arg >= 0)
            rc = sm_vector_new(in->fields[f->f.arg].type, 0, &f->arg, e);
        if (!rc && f->f.default_col >= 0 && (f->f.kind == SM_WIN_LAG || f->f.kind == SM_WIN_LEAD))
            rc = sm_vector_new(in->fields[f->f.default_col].type, 0, &f->def, e);
        if (!rc && f->f.kind > SM_WIN_NTILE)
            rc = sm_vector_new(f->type, 0, &f->res, e);
        if (!rc && f->is_agg) {
            sm_agg_spec_t s = {f->agg, f->f.arg >= 0 ? 0 : -1, -1, false, false, 0, 0, NULL};
            rc = sm_acc_init(&f->acc, &s, f->f.arg >= 0 ? in->fields[f->f.arg].type : NULL,
                             op->ctx && op->ctx->ansi, e);
            if (rc)
                f->is_agg = false, memset(&f->acc, 0, sizeof f->acc);
        }
    }
    return rc;
}

static sm_err_t win_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    window_t *w = op->impl;
    sm_err_t rc;
    for (;;) {
        if (w->emitting) {
            sm_batch_t *b = NULL;
            if (w->spill) {
                if ((rc = sm_spill_read(w->spill, w->in_schema, &b, e)))
                    return rc;
            } else if (w->emit_b < w->rows.nb) {
                b = w->rows.b[w->emit_b];
                w->rows.b[w->emit_b++] = NULL;
            }
            if (b)
                return emit(w, b, out, e);
            part_reset(w);
        }
        if (w->input_done && !w->pend)
            return SM_OK;
        if ((rc = fill(w, e)))
            return rc;
        if (!w->n)
            return SM_OK;
        if ((rc = compute(w, e)))
            return rc;
        if (w->spill && (rc = sm_spill_rewind(w->spill, e)))
            return rc;
        w->emitting = true;
        w->emit_b = w->emit_i = 0;
        w->rank = 0;
        w->dense = 0;
    }
}

static void win_destroy(sm_op_t *op)
{
    window_t *w = op->impl;
    if (!w)
        return;
    for (size_t i = 0; w->fns && i < w->nfns; i++) {
        sm_free((char *)w->fns[i].f.name);
        sm_type_free(w->fns[i].type);
    }
    sm_free(w->fns);
    sm_free(w->part);
    sm_free(w->order);
    sm_type_free(w->in_schema);
    sm_free(w);
}

static const sm_op_vtable_t win_vt = {"Window", win_open, win_next, win_close, win_destroy};

static const char *fn_name(sm_win_kind_t k)
{
    static const char *n[] = {"row_number", "rank",        "dense_rank", "ntile", "lag",
                              "lead",       "first_value", "last_value", "sum",   "count",
                              "count(1)",   "avg",         "min",        "max"};
    return k <= SM_WIN_MAX ? n[k] : "window";
}

static sm_err_t check_fn(const sm_type_t *in, const sm_win_fn_t *f, size_t i, sm_error_t *e)
{
    bool needs_arg = f->kind >= SM_WIN_LAG && f->kind != SM_WIN_COUNT_STAR;
    if (needs_arg && (f->arg < 0 || (uint32_t)f->arg >= in->nfields))
        return sm_error_set(e, SM_ERR_INVALID, "window function %zu (%s): bad argument column", i,
                            fn_name(f->kind));
    if (f->kind == SM_WIN_NTILE && f->n <= 0)
        return sm_error_set(e, SM_ERR_INVALID,
                            "ntile: the number of buckets must be positive, got %lld",
                            (long long)f->n);
    if ((f->kind == SM_WIN_LAG || f->kind == SM_WIN_LEAD) && f->n < 0)
        return sm_error_set(e, SM_ERR_INVALID, "%s: offset must not be negative", fn_name(f->kind));
    if ((f->kind == SM_WIN_LAG || f->kind == SM_WIN_LEAD) && f->default_col >= 0 &&
        ((uint32_t)f->default_col >= in->nfields ||
         !sm_type_equal_ex(in->fields[f->default_col].type, in->fields[f->arg].type,
                           SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE)))
        return sm_error_set(e, SM_ERR_INVALID, "%s: default must have the argument's type",
                            fn_name(f->kind));
    const sm_win_frame_t *fr = &f->frame;
    if (!fr->is_default && f->kind > SM_WIN_LEAD) { /* ranking, lag, lead ignore frames */
        if (!fr->rows && (fr->start == SM_BOUND_PRECEDING || fr->start == SM_BOUND_FOLLOWING ||
                          fr->end == SM_BOUND_PRECEDING || fr->end == SM_BOUND_FOLLOWING))
            return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                "RANGE frames with an offset are not supported (function %zu)", i);
        if (fr->start == SM_BOUND_UNBOUNDED_FOLLOWING || fr->end == SM_BOUND_UNBOUNDED_PRECEDING ||
            fr->start_n < 0 || fr->end_n < 0)
            return sm_error_set(e, SM_ERR_INVALID, "invalid window frame (function %zu)", i);
    }
    return SM_OK;
}

sm_err_t sm_op_window_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const uint32_t *part,
                          size_t npart, const sm_sort_key_t *order, size_t norder,
                          const sm_win_fn_t *fns, size_t nfns, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    const sm_type_t *in = child->schema;
    sm_type_t *schema = NULL, *extra = NULL;
    sm_field_t *fl = NULL;
    sm_op_t *sorted = NULL;
    window_t *w = sm_calloc(1, sizeof *w);
    if (!w) {
        sm_op_free(child);
        return sm_error_nomem(e, "window");
    }
    w->npart = npart;
    w->norder = norder;
    w->nfns = nfns;
    w->in_schema = sm_type_ref(child->schema);
    w->part = sm_calloc(npart + 1, 4);
    w->order = sm_calloc(norder + 1, sizeof *w->order);
    w->fns = sm_calloc(nfns + 1, sizeof *w->fns);
    fl = sm_calloc(nfns + 1, sizeof *fl);
    sm_sort_key_t *all = sm_calloc(npart + norder + 1, sizeof *all);
    if (!w->part || !w->order || !w->fns || !fl || !all) {
        rc = sm_error_nomem(e, "window");
        goto out;
    }
    for (size_t k = 0; k < npart; k++) {
        if (part[k] >= in->nfields) {
            rc = sm_error_set(e, SM_ERR_INVALID, "window: partition column %u out of range",
                              part[k]);
            goto out;
        }
        w->part[k] = part[k];
        all[k] = (sm_sort_key_t){part[k], false, true};
    }
    for (size_t k = 0; k < norder; k++) {
        w->order[k] = order[k];
        all[npart + k] = order[k];
    }
    for (size_t i = 0; i < nfns; i++) {
        const sm_win_fn_t *f = &fns[i];
        if ((rc = check_fn(in, f, i, e)))
            goto out;
        wfn_t *wf = &w->fns[i];
        wf->f = *f;
        wf->f.name = sm_strdup(f->name ? f->name : fn_name(f->kind));
        if (!wf->f.name) {
            rc = sm_error_nomem(e, "window");
            goto out;
        }
        const sm_type_t *at = f->arg >= 0 ? in->fields[f->arg].type : NULL;
        switch (f->kind) {
        case SM_WIN_ROW_NUMBER:
        case SM_WIN_RANK:
        case SM_WIN_DENSE_RANK:
        case SM_WIN_NTILE:
            wf->type = sm_type_int32();
            wf->f.arg = -1;
            break;
        case SM_WIN_LAG:
        case SM_WIN_LEAD:
        case SM_WIN_FIRST_VALUE:
        case SM_WIN_LAST_VALUE:
            wf->type = sm_type_ref((sm_type_t *)at);
            if (f->kind >= SM_WIN_FIRST_VALUE)
                wf->f.default_col = -1;
            break;
        default: {
            static const sm_agg_kind_t map[] = {[SM_WIN_SUM] = SM_AGG_SUM,
                                                [SM_WIN_COUNT] = SM_AGG_COUNT,
                                                [SM_WIN_COUNT_STAR] = SM_AGG_COUNT_STAR,
                                                [SM_WIN_AVG] = SM_AGG_AVG,
                                                [SM_WIN_MIN] = SM_AGG_MIN,
                                                [SM_WIN_MAX] = SM_AGG_MAX};
            wf->is_agg = true;
            wf->agg = map[f->kind];
            if (f->kind == SM_WIN_COUNT_STAR)
                wf->f.arg = -1, at = NULL;
            if ((rc = sm_agg_result_type(wf->agg, at, &wf->type, e)))
                goto out;
        }
        }
        if (f->kind < SM_WIN_LAG)
            wf->f.default_col = -1;
        if (f->kind > SM_WIN_LEAD && !f->frame.is_default && !f->frame.rows &&
            (f->frame.start == SM_BOUND_CURRENT_ROW || f->frame.end == SM_BOUND_CURRENT_ROW))
            w->need_peers = true;
        if (f->kind > SM_WIN_LEAD && f->frame.is_default && norder)
            w->need_peers = true;
        fl[i] = (sm_field_t){(char *)wf->f.name, sm_type_ref(wf->type), true};
        if (f->kind <= SM_WIN_NTILE || f->kind == SM_WIN_COUNT || f->kind == SM_WIN_COUNT_STAR)
            fl[i].nullable = false;
    }
    extra = sm_type_struct(fl, nfns);
    memset(fl, 0, (nfns + 1) * sizeof *fl);
    schema = extra ? sm_schema_concat(in, false, extra, false) : NULL;
    if (!schema) {
        rc = sm_error_nomem(e, "window schema");
        goto out;
    }
    rc = sm_op_sort_new(ctx, child, all, npart + norder, &sorted, e);
    child = NULL;
    if (rc)
        goto out;
out:
    if (fl)
        for (size_t i = 0; i < nfns; i++)
            sm_type_free(fl[i].type);
    sm_free(fl);
    sm_free(all);
    sm_type_free(extra);
    if (rc) {
        sm_type_free(schema);
        win_destroy(&(sm_op_t){.impl = w});
        sm_op_free(child);
        return rc;
    }
    rc = sm_op_make(&win_vt, ctx, schema, &sorted, 1, w, out, e);
    sm_type_free(schema);
    return rc;
}
