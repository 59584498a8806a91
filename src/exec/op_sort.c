/* exec/op_sort — stable external merge sort and top-N (operator.h).
 *
 * Rows are ordered by their key encoding (op_int.h: memcmp order honours
 * ASC/DESC and NULLS FIRST/LAST), ties by arrival, which makes the sort
 * stable.  Input is buffered with its keys; when the budget refuses more,
 * the buffer is sorted and written to a spill file as a run.  At the end
 * the runs (and the last buffer, written as a run too once anything
 * spilled) are merged with a heap, MAX_FANIN at a time. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "exec/op_int.h"
#include "exec/spill.h"

#define MAX_FANIN 64

/* A row to sort: pfx[0] and pfx[1] are its key's first 16 bytes read
 * big-endian (zeros past the end), so that entries whose prefixes differ
 * compare as integers in the keys' memcmp order (a one-column key of a
 * number is 9 bytes); the rest of the key decides ties. */
typedef struct entry {
    uint64_t pfx[2];
    const uint8_t *key;
    uint32_t len;
    uint64_t ref;
} entry_t;

static void key_prefix(entry_t *x)
{
    uint8_t b[16] = {0};
    memcpy(b, x->key, x->len < 16 ? x->len : 16);
    for (int h = 0; h < 2; h++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | b[8 * h + i];
        x->pfx[h] = v;
    }
}

/* <0, 0, >0: key order, then arrival (ref). */
static inline int entry_cmp(const entry_t *a, const entry_t *b)
{
    if (a->pfx[0] != b->pfx[0])
        return a->pfx[0] < b->pfx[0] ? -1 : 1;
    if (a->pfx[1] != b->pfx[1])
        return a->pfx[1] < b->pfx[1] ? -1 : 1;
    if (a->len > 16 || b->len > 16 || a->len != b->len) {
        int c = sm_key_cmp(a->key, a->len, b->key, b->len);
        if (c)
            return c;
    }
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* Sorts a[0..n) with entry_cmp (a merge sort: insertion sort of short
 * runs, then merges through tmp, which has room for n entries). */
static void sort_entries(entry_t *a, entry_t *tmp, size_t n)
{
    enum { RUN = 24 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            entry_t x = a[i];
            size_t j = i;
            for (; j > lo && entry_cmp(&a[j - 1], &x) > 0; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
    }
    entry_t *src = a, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            if (mid == hi || entry_cmp(&src[mid - 1], &src[mid]) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *src); /* already in order */
                continue;
            }
            while (i < mid && j < hi)
                dst[k++] = entry_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            memcpy(dst + k, src + i, (mid - i) * sizeof *src);
            k += mid - i;
            memcpy(dst + k, src + j, (hi - j) * sizeof *src);
        }
        entry_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* ---- a sorted buffer ------------------------------------------------------------- */

typedef struct sbuf {
    sm_rows_t rows;
    sm_buf_t *keys; /* one per batch */
    uint32_t **offs;
    size_t capk;
    entry_t *ent;
    size_t nent;
} sbuf_t;

static void sbuf_free(sbuf_t *s)
{
    for (size_t i = 0; i < s->rows.nb; i++) {
        sm_buf_free(&s->keys[i]);
        sm_free(s->offs[i]);
    }
    sm_free(s->keys);
    sm_free(s->offs);
    sm_free(s->ent);
    sm_rows_free(&s->rows);
    memset(s, 0, sizeof *s);
}

/* Adds a batch with its keys; returns the bytes it holds. */
static sm_err_t sbuf_add(sbuf_t *s, sm_batch_t *b, const sm_sort_key_t *keys, size_t nkeys,
                         size_t *bytes, sm_error_t *e)
{
    if (s->rows.nb == s->capk) {
        size_t cap = s->capk ? s->capk * 2 : 16;
        sm_buf_t *k = sm_realloc(s->keys, cap * sizeof *k);
        if (k)
            s->keys = k;
        uint32_t **o = k ? sm_realloc(s->offs, cap * sizeof *o) : NULL;
        if (o)
            s->offs = o;
        if (!k || !o) {
            sm_batch_free(b);
            return sm_error_nomem(e, "sort keys");
        }
        s->capk = cap;
    }
    size_t i = s->rows.nb;
    uint32_t *offs = sm_malloc((b->nrows + 1) * sizeof *offs);
    sm_buf_t kb = SM_BUF_INIT;
    sm_err_t rc = offs ? sm_keys_sort(b, keys, nkeys, &kb, offs, e) : sm_error_nomem(e, "sort");
    if (!rc)
        rc = sm_rows_add(&s->rows, b, e);
    else
        sm_batch_free(b);
    if (rc) {
        sm_free(offs);
        sm_buf_free(&kb);
        return rc;
    }
    s->keys[i] = kb;
    s->offs[i] = offs;
    *bytes = sm_batch_bytes(b) + kb.cap + (b->nrows + 1) * (4 + 2 * sizeof(entry_t));
    return SM_OK;
}

static sm_err_t sbuf_sort(sbuf_t *s, sm_error_t *e)
{
    sm_free(s->ent);
    s->ent = sm_malloc((s->rows.rows ? s->rows.rows : 1) * sizeof *s->ent);
    entry_t *tmp = s->ent ? sm_malloc((s->rows.rows ? s->rows.rows : 1) * sizeof *tmp) : NULL;
    if (!tmp)
        return sm_error_nomem(e, "sort entries");
    size_t n = 0;
    for (size_t i = 0; i < s->rows.nb; i++)
        for (size_t r = 0; r < s->rows.b[i]->nrows; r++) {
            entry_t *x = &s->ent[n++];
            x->key = s->keys[i].data + s->offs[i][r];
            x->len = s->offs[i][r + 1] - s->offs[i][r];
            key_prefix(x);
            x->ref = SM_REF(i, r);
        }
    s->nent = n;
    sort_entries(s->ent, tmp, n);
    sm_free(tmp);
    return SM_OK;
}

/* Rows [at, at + n) of the sorted order as a new batch. */
static sm_err_t sbuf_emit(const sbuf_t *s, sm_type_t *schema, size_t at, size_t n, sm_batch_t **out,
                          sm_error_t *e)
{
    *out = NULL;
    uint64_t *refs = sm_malloc((n ? n : 1) * sizeof *refs);
    sm_batch_t *b = NULL;
    sm_err_t rc = refs ? sm_batch_new(schema, n, &b, e) : sm_error_nomem(e, "sort output");
    for (size_t k = 0; !rc && k < n; k++)
        refs[k] = s->ent[at + k].ref;
    if (!rc)
        rc = sm_gather(b, 0, &s->rows, NULL, b->ncols, refs, n, e);
    if (!rc)
        b->nrows = n;
    sm_free(refs);
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

/* ---- merging runs ----------------------------------------------------------------- */

typedef struct run {
    sm_spill_t *f;
    sm_batch_t *b;
    sm_buf_t keys;
    uint32_t *offs;
    size_t pos;
} run_t;

typedef struct merger {
    run_t *runs;
    size_t nruns;
    size_t *heap; /* run indexes */
    size_t nheap;
    sm_type_t *schema;
    const sm_sort_key_t *keys;
    size_t nkeys;
} merger_t;

static void run_clear(run_t *r)
{
    sm_batch_free(r->b);
    r->b = NULL;
    sm_free(r->offs);
    r->offs = NULL;
}

/* Loads the next non-empty batch of a run; r->b NULL at the end. */
static sm_err_t run_load(merger_t *m, run_t *r, sm_error_t *e)
{
    for (;;) {
        run_clear(r);
        sm_err_t rc = sm_spill_read(r->f, m->schema, &r->b, e);
        if (rc || !r->b)
            return rc;
        if (!r->b->nrows)
            continue;
        r->offs = sm_malloc((r->b->nrows + 1) * sizeof *r->offs);
        if (!r->offs)
            return sm_error_nomem(e, "merge keys");
        r->pos = 0;
        return sm_keys_sort(r->b, m->keys, m->nkeys, &r->keys, r->offs, e);
    }
}

static int run_less(const merger_t *m, size_t a, size_t b)
{
    const run_t *x = &m->runs[a], *y = &m->runs[b];
    int c = sm_key_cmp(x->keys.data + x->offs[x->pos], x->offs[x->pos + 1] - x->offs[x->pos],
                       y->keys.data + y->offs[y->pos], y->offs[y->pos + 1] - y->offs[y->pos]);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(merger_t *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->nheap && run_less(m, m->heap[l], m->heap[s]))
            s = l;
        if (r < m->nheap && run_less(m, m->heap[r], m->heap[s]))
            s = r;
        if (s == i)
            return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[s];
        m->heap[s] = t;
        i = s;
    }
}

static void merger_free(merger_t *m)
{
    for (size_t i = 0; i < m->nruns; i++) {
        run_clear(&m->runs[i]);
        sm_buf_free(&m->runs[i].keys);
        sm_spill_close(m->runs[i].f);
    }
    sm_free(m->runs);
    sm_free(m->heap);
    memset(m, 0, sizeof *m);
}

/* Takes over the files (closed also on failure). */
static sm_err_t merger_init(merger_t *m, sm_spill_t **files, size_t n, sm_type_t *schema,
                            const sm_sort_key_t *keys, size_t nkeys, sm_error_t *e)
{
    memset(m, 0, sizeof *m);
    m->schema = schema;
    m->keys = keys;
    m->nkeys = nkeys;
    m->runs = sm_calloc(n ? n : 1, sizeof *m->runs);
    m->heap = sm_calloc(n ? n : 1, sizeof *m->heap);
    if (!m->runs || !m->heap) {
        for (size_t i = 0; i < n; i++)
            sm_spill_close(files[i]);
        merger_free(m);
        return sm_error_nomem(e, "merge");
    }
    m->nruns = n;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n; i++)
        m->runs[i].f = files[i];
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(rc = sm_spill_rewind(files[i], e)))
            rc = run_load(m, &m->runs[i], e);
        if (!rc && m->runs[i].b)
            m->heap[m->nheap++] = i;
    }
    for (size_t i = m->nheap; !rc && i-- > 0;)
        sift_down(m, i);
    if (rc)
        merger_free(m);
    return rc;
}

/* Appends up to max rows in merged order to out (a builder batch). */
static sm_err_t merger_fill(merger_t *m, sm_batch_t *out, size_t max, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    while (!rc && out->nrows < max && m->nheap) {
        run_t *r = &m->runs[m->heap[0]];
        for (size_t c = 0; !rc && c < out->ncols; c++)
            rc = sm_vector_append_from(out->cols[c], r->b->cols[c], r->pos, e);
        if (rc)
            break;
        out->nrows++;
        if (++r->pos >= r->b->nrows) {
            if ((rc = run_load(m, r, e)))
                break;
            if (!r->b) {
                m->heap[0] = m->heap[--m->nheap];
            }
        }
        if (m->nheap)
            sift_down(m, 0);
    }
    return rc;
}

/* ---- the sort operator ------------------------------------------------------------- */

typedef struct sorter {
    sm_sort_key_t *keys;
    size_t nkeys;
    sbuf_t buf;
    size_t reserved;
    sm_spill_t **runs;
    size_t nruns, caprun;
    merger_t m;
    bool merging, consumed;
    size_t at;
} sorter_t;

static sm_err_t add_run(sm_op_t *op, sm_spill_t *f, sm_error_t *e)
{
    sorter_t *s = op->impl;
    if (s->nruns == s->caprun) {
        size_t cap = s->caprun ? 2 * s->caprun : 16;
        sm_spill_t **p = sm_realloc(s->runs, cap * sizeof *p);
        if (!p) {
            sm_spill_close(f);
            return sm_error_nomem(e, "sort runs");
        }
        s->runs = p;
        s->caprun = cap;
    }
    s->runs[s->nruns++] = f;
    op->stats.spill_files++;
    return SM_OK;
}

static void release(sm_op_t *op)
{
    sorter_t *s = op->impl;
    sbuf_free(&s->buf);
    if (s->reserved)
        sm_op_mem_release(op, s->reserved);
    s->reserved = 0;
}

/* Sorts the buffer and writes it out as a run. */
static sm_err_t spill_buffer(sm_op_t *op, sm_error_t *e)
{
    sorter_t *s = op->impl;
    sm_spill_t *f = NULL;
    sm_err_t rc = sbuf_sort(&s->buf, e);
    if (!rc)
        rc = sm_spill_new(sm_exec_tmpdir(op->ctx), &f, e);
    for (size_t at = 0; !rc && at < s->buf.nent; at += SM_BATCH_ROWS) {
        size_t n = s->buf.nent - at < SM_BATCH_ROWS ? s->buf.nent - at : SM_BATCH_ROWS;
        sm_batch_t *b = NULL;
        if (!(rc = sbuf_emit(&s->buf, op->schema, at, n, &b, e)))
            rc = sm_spill_write(f, b, e);
        sm_batch_free(b);
    }
    if (!rc)
        op->stats.spill_bytes += sm_spill_bytes(f);
    release(op);
    if (rc) {
        sm_spill_close(f);
        return rc;
    }
    return add_run(op, f, e);
}

/* Merges runs MAX_FANIN at a time until at most MAX_FANIN are left. */
static sm_err_t reduce_runs(sm_op_t *op, sm_error_t *e)
{
    sorter_t *s = op->impl;
    sm_err_t rc = SM_OK;
    while (!rc && s->nruns > MAX_FANIN) {
        merger_t m;
        sm_spill_t *f = NULL;
        if ((rc = sm_spill_new(sm_exec_tmpdir(op->ctx), &f, e)))
            break;
        /* The merged run takes the place of the first: ties between runs
         * go to the earlier run, which keeps the sort stable. */
        rc = merger_init(&m, s->runs, MAX_FANIN, op->schema, s->keys, s->nkeys, e);
        memmove(s->runs + 1, s->runs + MAX_FANIN, (s->nruns - MAX_FANIN) * sizeof *s->runs);
        s->nruns -= MAX_FANIN - 1;
        s->runs[0] = NULL;
        while (!rc) {
            sm_batch_t *b = NULL;
            if ((rc = sm_batch_new(op->schema, SM_BATCH_ROWS, &b, e)))
                break;
            rc = merger_fill(&m, b, SM_BATCH_ROWS, e);
            size_t n = b->nrows;
            if (!rc && n)
                rc = sm_spill_write(f, b, e);
            sm_batch_free(b);
            if (!n)
                break;
        }
        merger_free(&m);
        if (!rc) {
            op->stats.spill_bytes += sm_spill_bytes(f);
            op->stats.spill_files++;
            s->runs[0] = f;
        } else {
            sm_spill_close(f);
            memmove(s->runs, s->runs + 1, (s->nruns - 1) * sizeof *s->runs);
            s->nruns--;
        }
    }
    return rc;
}

static sm_err_t sort_consume(sm_op_t *op, sm_error_t *e)
{
    sorter_t *s = op->impl;
    sm_err_t rc;
    for (;;) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(op->children[0], &b, e)))
            return rc;
        if (!b)
            break;
        if (!b->nrows) {
            sm_batch_free(b);
            continue;
        }
        size_t bytes = 0;
        if ((rc = sbuf_add(&s->buf, b, s->keys, s->nkeys, &bytes, e)))
            return rc;
        if (sm_op_mem_try(op, bytes)) {
            s->reserved += bytes;
        } else {
            sm_op_mem_force(op, bytes);
            s->reserved += bytes;
            if ((rc = spill_buffer(op, e)))
                return rc;
        }
    }
    if (s->nruns) {
        if (s->buf.rows.rows && (rc = spill_buffer(op, e)))
            return rc;
        if ((rc = reduce_runs(op, e)))
            return rc;
        rc = merger_init(&s->m, s->runs, s->nruns, op->schema, s->keys, s->nkeys, e);
        s->nruns = 0;
        s->merging = true;
        return rc;
    }
    return sbuf_sort(&s->buf, e);
}

static sm_err_t sort_open(sm_op_t *op, sm_error_t *e)
{
    sorter_t *s = op->impl;
    s->consumed = s->merging = false;
    s->at = 0;
    return sm_op_open(op->children[0], e);
}

static sm_err_t sort_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    sorter_t *s = op->impl;
    sm_err_t rc;
    if (!s->consumed) {
        if ((rc = sort_consume(op, e)))
            return rc;
        s->consumed = true;
    }
    if (s->merging) {
        sm_batch_t *b = NULL;
        if ((rc = sm_batch_new(op->schema, SM_BATCH_ROWS, &b, e)))
            return rc;
        if ((rc = merger_fill(&s->m, b, SM_BATCH_ROWS, e)) || !b->nrows) {
            sm_batch_free(b);
            return rc;
        }
        *out = b;
        return SM_OK;
    }
    if (s->at >= s->buf.nent)
        return SM_OK;
    size_t n = s->buf.nent - s->at < SM_BATCH_ROWS ? s->buf.nent - s->at : SM_BATCH_ROWS;
    if ((rc = sbuf_emit(&s->buf, op->schema, s->at, n, out, e)))
        return rc;
    s->at += n;
    return SM_OK;
}

static void sort_close(sm_op_t *op)
{
    sorter_t *s = op->impl;
    release(op);
    merger_free(&s->m);
    for (size_t i = 0; i < s->nruns; i++)
        sm_spill_close(s->runs[i]);
    sm_free(s->runs);
    s->runs = NULL;
    s->nruns = s->caprun = 0;
}

static void sort_destroy(sm_op_t *op)
{
    sorter_t *s = op->impl;
    if (s)
        sm_free(s->keys);
    sm_free(s);
}

static const sm_op_vtable_t sort_vt = {"Sort", sort_open, sort_next, sort_close, sort_destroy};

static sm_err_t check_keys(const sm_type_t *schema, const sm_sort_key_t *keys, size_t nkeys,
                           sm_error_t *e)
{
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k].col >= schema->nfields)
            return sm_error_set(e, SM_ERR_INVALID, "sort key %zu: column %u out of range", k,
                                keys[k].col);
        if (schema->fields[keys[k].col].type->kind == SM_TYPE_MAP)
            return sm_error_set(e, SM_ERR_INVALID, "cannot sort by a map column (key %zu)", k);
    }
    return SM_OK;
}

sm_err_t sm_op_sort_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const sm_sort_key_t *keys,
                        size_t nkeys, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = check_keys(child->schema, keys, nkeys, e);
    sorter_t *s = rc ? NULL : sm_calloc(1, sizeof *s);
    if (!rc && s)
        s->keys = sm_calloc(nkeys + 1, sizeof *s->keys);
    if (!rc && (!s || !s->keys))
        rc = sm_error_nomem(e, "sort");
    if (rc) {
        sort_destroy(&(sm_op_t){.impl = s});
        sm_op_free(child);
        return rc;
    }
    memcpy(s->keys, keys, nkeys * sizeof *keys);
    s->nkeys = nkeys;
    return sm_op_make(&sort_vt, ctx, child->schema, &child, 1, s, out, e);
}

/* ---- top-N --------------------------------------------------------------------------- */

typedef struct hent {
    uint8_t *key;
    uint32_t len;
    uint64_t seq;
    uint64_t ref;
} hent_t;

typedef struct topn {
    sm_sort_key_t *keys;
    size_t nkeys;
    uint64_t limit, offset, k;
    hent_t *heap;
    size_t nheap, hcap;
    sm_rows_t rows;
    size_t reserved;
    bool consumed;
    size_t at;
} topn_t;

static int hent_cmp(const hent_t *a, const hent_t *b)
{
    int c = sm_key_cmp(a->key, a->len, b->key, b->len);
    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}
static int hent_qcmp(const void *x, const void *y)
{
    return hent_cmp(x, y);
}

/* Max-heap: the worst kept row on top. */
static void heap_down(hent_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && hent_cmp(&h[l], &h[s]) > 0)
            s = l;
        if (r < n && hent_cmp(&h[r], &h[s]) > 0)
            s = r;
        if (s == i)
            return;
        hent_t t = h[i];
        h[i] = h[s];
        h[s] = t;
        i = s;
    }
}
static void heap_up(hent_t *h, size_t i)
{
    while (i) {
        size_t p = (i - 1) / 2;
        if (hent_cmp(&h[i], &h[p]) <= 0)
            return;
        hent_t t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static void topn_release(sm_op_t *op)
{
    topn_t *t = op->impl;
    for (size_t i = 0; i < t->nheap; i++)
        sm_free(t->heap[i].key);
    sm_free(t->heap);
    t->heap = NULL;
    t->nheap = t->hcap = 0;
    sm_rows_free(&t->rows);
    if (t->reserved)
        sm_op_mem_release(op, t->reserved);
    t->reserved = 0;
}

/* Copies the kept rows into fresh batches so the old ones can go. */
static sm_err_t topn_compact(sm_op_t *op, sm_error_t *e)
{
    topn_t *t = op->impl;
    sm_rows_t fresh = {0};
    sm_err_t rc = SM_OK;
    uint64_t *refs = sm_malloc((t->nheap ? t->nheap : 1) * sizeof *refs);
    if (!refs)
        return sm_error_nomem(e, "top-n");
    for (size_t i = 0; i < t->nheap; i++)
        refs[i] = t->heap[i].ref;
    for (size_t at = 0; !rc && at < t->nheap; at += SM_BATCH_ROWS) {
        size_t n = t->nheap - at < SM_BATCH_ROWS ? t->nheap - at : SM_BATCH_ROWS;
        sm_batch_t *b = NULL;
        if (!(rc = sm_batch_new(op->schema, n, &b, e)))
            rc = sm_gather(b, 0, &t->rows, NULL, b->ncols, refs + at, n, e);
        if (!rc) {
            b->nrows = n;
            rc = sm_rows_add(&fresh, b, e);
        } else {
            sm_batch_free(b);
        }
        for (size_t k = 0; !rc && k < n; k++)
            t->heap[at + k].ref = SM_REF(fresh.nb - 1, k);
    }
    sm_free(refs);
    if (rc) {
        sm_rows_free(&fresh);
        return rc;
    }
    sm_rows_free(&t->rows);
    t->rows = fresh;
    size_t want = t->rows.bytes + t->nheap * 64;
    if (want > t->reserved)
        sm_op_mem_force(op, want - t->reserved);
    else
        sm_op_mem_release(op, t->reserved - want);
    t->reserved = want;
    return SM_OK;
}

static sm_err_t topn_consume(sm_op_t *op, sm_error_t *e)
{
    topn_t *t = op->impl;
    sm_buf_t kb = SM_BUF_INIT;
    uint32_t *offs = NULL;
    uint64_t seq = 0;
    sm_err_t rc = SM_OK;
    while (!rc) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(op->children[0], &b, e)) || !b)
            break;
        if (!b->nrows || !t->k) {
            sm_batch_free(b);
            continue;
        }
        uint32_t *o = sm_realloc(offs, (b->nrows + 1) * sizeof *o);
        if (!o) {
            sm_batch_free(b);
            rc = sm_error_nomem(e, "top-n keys");
            break;
        }
        offs = o;
        if ((rc = sm_keys_sort(b, t->keys, t->nkeys, &kb, offs, e))) {
            sm_batch_free(b);
            break;
        }
        size_t bi = t->rows.nb, used = 0;
        if ((rc = sm_rows_add(&t->rows, b, e)))
            break;
        for (size_t r = 0; !rc && r < b->nrows; r++, seq++) {
            hent_t x = {kb.data + offs[r], offs[r + 1] - offs[r], seq, SM_REF(bi, r)};
            if (t->nheap == t->k && hent_cmp(&x, &t->heap[0]) >= 0)
                continue;
            uint8_t *copy = sm_malloc(x.len ? x.len : 1);
            if (!copy) {
                rc = sm_error_nomem(e, "top-n key");
                break;
            }
            memcpy(copy, x.key, x.len);
            x.key = copy;
            used++;
            if (t->nheap == t->k) {
                sm_free(t->heap[0].key);
                t->heap[0] = x;
                heap_down(t->heap, t->nheap, 0);
            } else {
                if (t->nheap == t->hcap) {
                    size_t ncap = t->hcap ? t->hcap * 2 : 1024;
                    if (ncap > t->k)
                        ncap = (size_t)t->k;
                    hent_t *h =
                        ncap > SIZE_MAX / sizeof *h ? NULL : sm_realloc(t->heap, ncap * sizeof *h);
                    if (!h) {
                        sm_free(copy);
                        rc = sm_error_nomem(e, "top-n heap");
                        break;
                    }
                    t->heap = h;
                    t->hcap = ncap;
                }
                t->heap[t->nheap++] = x;
                heap_up(t->heap, t->nheap - 1);
            }
        }
        if (!rc && t->rows.rows > 2 * t->nheap + SM_BATCH_ROWS)
            rc = topn_compact(op, e);
        else if (!rc) {
            size_t want = t->rows.bytes + t->nheap * 64;
            if (want > t->reserved) {
                sm_op_mem_force(op, want - t->reserved);
                t->reserved = want;
            }
        }
    }
    sm_buf_free(&kb);
    sm_free(offs);
    if (!rc && t->nheap)
        qsort(t->heap, t->nheap, sizeof *t->heap, hent_qcmp);
    return rc;
}

static sm_err_t topn_open(sm_op_t *op, sm_error_t *e)
{
    topn_t *t = op->impl;
    t->consumed = false;
    t->at = 0;
    return sm_op_open(op->children[0], e);
}

static sm_err_t topn_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    topn_t *t = op->impl;
    sm_err_t rc;
    if (!t->consumed) {
        if ((rc = topn_consume(op, e)))
            return rc;
        t->consumed = true;
        t->at = t->offset < t->nheap ? (size_t)t->offset : t->nheap;
    }
    if (t->at >= t->nheap)
        return SM_OK;
    size_t n = t->nheap - t->at < SM_BATCH_ROWS ? t->nheap - t->at : SM_BATCH_ROWS;
    uint64_t *refs = sm_malloc(n * sizeof *refs);
    if (!refs)
        return sm_error_nomem(e, "top-n output");
    for (size_t k = 0; k < n; k++)
        refs[k] = t->heap[t->at + k].ref;
    sm_batch_t *b = NULL;
    if (!(rc = sm_batch_new(op->schema, n, &b, e)))
        rc = sm_gather(b, 0, &t->rows, NULL, b->ncols, refs, n, e);
    sm_free(refs);
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    b->nrows = n;
    t->at += n;
    *out = b;
    return SM_OK;
}

static void topn_destroy(sm_op_t *op)
{
    topn_t *t = op->impl;
    if (t)
        sm_free(t->keys);
    sm_free(t);
}

static const sm_op_vtable_t topn_vt = {"TopN", topn_open, topn_next, topn_release, topn_destroy};

sm_err_t sm_op_topn_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const sm_sort_key_t *keys,
                        size_t nkeys, uint64_t limit, uint64_t offset, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = check_keys(child->schema, keys, nkeys, e);
    topn_t *t = rc ? NULL : sm_calloc(1, sizeof *t);
    if (!rc && t)
        t->keys = sm_calloc(nkeys + 1, sizeof *t->keys);
    if (!rc && (!t || !t->keys))
        rc = sm_error_nomem(e, "top-n");
    if (rc) {
        topn_destroy(&(sm_op_t){.impl = t});
        sm_op_free(child);
        return rc;
    }
    memcpy(t->keys, keys, nkeys * sizeof *keys);
    t->nkeys = nkeys;
    t->limit = limit;
    t->offset = offset;
    t->k = limit == SM_LIMIT_NONE || offset > UINT64_MAX - limit ? UINT64_MAX : limit + offset;
    return sm_op_make(&topn_vt, ctx, child->schema, &child, 1, t, out, e);
}
