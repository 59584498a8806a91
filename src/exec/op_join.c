/* exec/op_join — hash join (and nested loop when there are no keys),
 * parallel probe, grace spilling (operator.h).
 *
 * The build side is read into a row store (with a pool, by a pool task
 * while the opening thread opens the probe side, so that the build sides
 * of a chain of joins are read at the same time); its rows are chained per
 * key (ht64 for one bigint key, else a byte-key table of the key encoding)
 * with next[] links.  Probe batches are processed a chunk at a time over
 * the pool; each produces its own output batches, queued in input order.
 * Columns the spec does not keep are not copied into the output (unless a
 * residual filter needs the full pairs first).
 * Rows of the build side whose key is NULL are never inserted; a preserved
 * side's unmatched rows come out NULL-extended (probe side: after each
 * batch; build side: after the probe input ends, from match flags).
 *
 * When the build side outgrows the budget, both inputs are partitioned by
 * key hash into NPART spill files each and every partition pair is joined
 * by a child join of the same kind reading the files (deeper hash bits,
 * up to MAX_DEPTH levels, past which the budget is ignored). */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/hashtable.h"
#include "core/mem.h"
#include "exec/op_int.h"
#include "exec/spill.h"

#define NPART 16
#define MAX_DEPTH 4
#define CHUNK_BATCHES 8
#define NONE UINT32_MAX

typedef struct jslot {
    int64_t key;
    uint32_t head;  /* build row + 1; 0 = empty slot */
    uint32_t count; /* rows with this key (saturating): 1 spares the chain walk */
} jslot_t;

typedef struct join {
    sm_op_t *op;
    sm_join_type_t type;
    uint32_t *lk, *rk;
    size_t nkeys;
    bool build_left;
    sm_join_filter_fn filter;
    void *filter_arg;
    int depth;
    sm_type_t *pairs_schema;
    size_t nl, nr;
    bool fast64;
    bool str1;     /* one STRING/BINARY key: the table is keyed by raw bytes */
    bool dup_keys; /* byte-key table: some key has several build rows */
    /* spec->keep (NULL: every column comes out): keepf flags each column of
     * the full layout, outc lists the nout flagged ones in order. */
    uint8_t *keepf;
    uint32_t *outc;
    size_t nout;
    /* run time: build side */
    sm_rows_t build;
    uint64_t *refs;
    uint32_t *next;
    uint8_t *matched;
    size_t nbuild;
    /* One integer key: open addressing with linear probing over mask + 1
     * slots, or (dense) slot key - kmin when the build keys span at most
     * as many values as the hashed table would have slots (surrogate keys
     * 1..n): no hashing, and probe keys in order touch slots in order. */
    struct jslot *slots;
    size_t mask;
    bool dense;
    int64_t kmin;
    uint64_t span; /* dense: slots cover keys kmin .. kmin + span - 1 */
    sm_ht_t *ht;
    size_t reserved;
    /* output queue */
    sm_batch_t **q;
    size_t qn, qat, qcap;
    bool probe_done, final_done;
    size_t final_at;
    /* grace */
    bool grace;
    sm_spill_t *bf[NPART], *pf[NPART];
    size_t gpart;
    sm_op_t *sub;
} join_t;

/* ---- helpers ---------------------------------------------------------------------- */

static sm_op_t *probe_child(const join_t *j)
{
    return j->op->children[j->build_left ? 1 : 0];
}
static sm_op_t *build_child(const join_t *j)
{
    return j->op->children[j->build_left ? 0 : 1];
}
static const uint32_t *probe_keys(const join_t *j)
{
    return j->build_left ? j->rk : j->lk;
}
static const uint32_t *build_keys(const join_t *j)
{
    return j->build_left ? j->lk : j->rk;
}
static bool left_kept(sm_join_type_t t)
{
    return t == SM_JOIN_LEFT || t == SM_JOIN_FULL;
}
static bool right_kept(sm_join_type_t t)
{
    return t == SM_JOIN_RIGHT || t == SM_JOIN_FULL;
}
static bool semi_anti(sm_join_type_t t)
{
    return t == SM_JOIN_SEMI || t == SM_JOIN_ANTI;
}
/* The probe side's unmatched rows come out. */
static bool probe_kept(const join_t *j)
{
    return j->build_left ? right_kept(j->type) : left_kept(j->type);
}
static bool build_kept(const join_t *j)
{
    return j->build_left ? left_kept(j->type) : right_kept(j->type);
}
static bool need_marks(const join_t *j)
{
    return build_kept(j) || (j->build_left && semi_anti(j->type));
}

static uint64_t key_hash64(int64_t k)
{
    return sm_hash_u64((uint64_t)k);
}

/* Whether one key of this kind takes the integer path (fast64): every
 * fixed-width integer, date and timestamp, read widened to int64. */
static bool int_key_kind(sm_type_kind_t k)
{
    return sm_type_is_integer(k) || k == SM_TYPE_DATE || k == SM_TYPE_TIMESTAMP ||
           k == SM_TYPE_TIMESTAMP_TZ;
}

/* Row r of an integer-path key column, widened. */
static int64_t int_key(const sm_vector_t *v, size_t r)
{
    switch (v->width) {
    case 1:
        return sm_vector_get_i8(v, r);
    case 2:
        return sm_vector_get_i16(v, r);
    case 4:
        return sm_vector_get_i32(v, r);
    default:
        return sm_vector_get_i64(v, r);
    }
}

/* Rows [0, n) of an integer-path key column, widened into out. */
static void int_keys(const sm_vector_t *v, size_t n, int64_t *out)
{
    switch (v->width) {
    case 4: {
        const int32_t *p = (const int32_t *)(const void *)v->values + v->offset;
        for (size_t r = 0; r < n; r++)
            out[r] = p[r];
        break;
    }
    case 8:
        memcpy(out, (const int64_t *)(const void *)v->values + v->offset, n * sizeof *out);
        break;
    default:
        for (size_t r = 0; r < n; r++)
            out[r] = int_key(v, r);
        break;
    }
}
/* The slot that holds key, or the empty slot where it would go; NULL when
 * a dense table cannot hold it (so it has no rows). */
static jslot_t *slot_of(const join_t *j, int64_t key)
{
    if (j->dense) {
        uint64_t d = (uint64_t)key - (uint64_t)j->kmin;
        return d < j->span ? &j->slots[d] : NULL;
    }
    size_t h = (size_t)key_hash64(key) & j->mask;
    while (j->slots[h].head && j->slots[h].key != key)
        h = (h + 1) & j->mask;
    return &j->slots[h];
}

/* Hints the slot of key into the cache. */
static void slot_prefetch(const join_t *j, int64_t key)
{
    if (j->dense) {
        uint64_t d = (uint64_t)key - (uint64_t)j->kmin;
        if (d < j->span)
            __builtin_prefetch(&j->slots[d]);
    } else {
        __builtin_prefetch(&j->slots[key_hash64(key) & j->mask]);
    }
}

/* Sizes the integer-key table for the n build rows: dense when the valid
 * keys span no more values than the hashed table's slots. */
static sm_err_t int_table(join_t *j, size_t n, sm_error_t *e)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    const uint32_t *bk = build_keys(j);
    bool any = false;
    int64_t lo = 0, hi = 0;
    for (size_t b = 0; b < j->build.nb; b++) {
        const sm_batch_t *bt = j->build.b[b];
        const sm_vector_t *v = bt->cols[bk[0]];
        for (size_t r = 0; r < bt->nrows; r++) {
            if (sm_vector_is_null(v, r))
                continue;
            int64_t k = int_key(v, r);
            if (!any || k < lo)
                lo = k;
            if (!any || k > hi)
                hi = k;
            any = true;
        }
    }
    uint64_t span = any ? (uint64_t)hi - (uint64_t)lo : 0;
    j->dense = any && span < cap;
    j->kmin = lo;
    j->span = j->dense ? span + 1 : 0;
    size_t slots = j->dense ? (size_t)j->span : cap;
    if (!(j->slots = sm_calloc(slots, sizeof *j->slots)))
        return sm_error_nomem(e, "join hash table");
    j->mask = cap - 1;
    return SM_OK;
}

static unsigned part_of(uint64_t h, int depth)
{
    return (unsigned)(h >> (44 - 4 * depth)) & (NPART - 1);
}

static sm_err_t queue(join_t *j, sm_batch_t *b, sm_error_t *e)
{
    if (!b->nrows) {
        sm_batch_free(b);
        return SM_OK;
    }
    if (j->qn == j->qcap) {
        size_t cap = j->qcap ? 2 * j->qcap : 16;
        sm_batch_t **p = sm_realloc(j->q, cap * sizeof *p);
        if (!p) {
            sm_batch_free(b);
            return sm_error_nomem(e, "join output queue");
        }
        j->q = p;
        j->qcap = cap;
    }
    j->q[j->qn++] = b;
    return SM_OK;
}

/* ---- building --------------------------------------------------------------------- */

static sm_err_t build_table(join_t *j, sm_error_t *e)
{
    size_t n = j->build.rows;
    j->nbuild = n;
    j->refs = sm_malloc((n ? n : 1) * sizeof *j->refs);
    j->next = sm_malloc((n ? n : 1) * sizeof *j->next);
    j->matched = sm_calloc(n ? n : 1, 1);
    if (!j->refs || !j->next || !j->matched)
        return sm_error_nomem(e, "join build side");
    size_t i = 0;
    for (size_t b = 0; b < j->build.nb; b++)
        for (size_t r = 0; r < j->build.b[b]->nrows; r++)
            j->refs[i++] = SM_REF(b, r);
    if (!j->nkeys)
        return SM_OK;
    sm_err_t rc;
    const uint32_t *bk = build_keys(j);
    if (j->fast64) {
        if ((rc = int_table(j, n, e)))
            return rc;
    } else {
        /* One string key: the keys are the build rows' own bytes, which
         * live as long as the table. */
        sm_ht_opts_t o = {.initial_count = n, .borrow_keys = j->str1};
        if ((rc = sm_ht_new(&j->ht, &o, e)))
            return rc;
    }
    sm_buf_t kb = SM_BUF_INIT;
    uint32_t *offs = NULL;
    i = 0;
    rc = SM_OK;
    for (size_t b = 0; !rc && b < j->build.nb; b++) {
        const sm_batch_t *bt = j->build.b[b];
        if (!j->fast64 && !j->str1) {
            uint32_t *o = sm_realloc(offs, (bt->nrows + 1) * sizeof *o);
            if (!o) {
                rc = sm_error_nomem(e, "join keys");
                break;
            }
            offs = o;
            if ((rc = sm_keys_cols(bt, bk, j->nkeys, &kb, offs, e)))
                break;
        }
        for (size_t r = 0; !rc && r < bt->nrows; r++, i++) {
            j->next[i] = NONE;
            if (sm_keys_any_null(bt, bk, j->nkeys, r))
                continue;
            if (j->fast64) {
                if (r + 16 < bt->nrows)
                    slot_prefetch(j, int_key(bt->cols[bk[0]], r + 16));
                int64_t key = int_key(bt->cols[bk[0]], r);
                jslot_t *sl = slot_of(j, key); /* never NULL: kmin..max fit */
                j->next[i] = sl->head ? sl->head - 1 : NONE;
                sl->key = key;
                sl->head = (uint32_t)i + 1;
                if (sl->count < UINT32_MAX)
                    sl->count++;
                continue;
            }
            uint64_t *slot;
            bool fresh;
            if (j->str1) {
                size_t kn;
                const uint8_t *kp = sm_vector_get_bytes(bt->cols[bk[0]], r, &kn);
                rc = sm_ht_insert(j->ht, kn ? kp : (const uint8_t *)"", kn, &slot, &fresh, e);
            } else {
                rc =
                    sm_ht_insert(j->ht, kb.data + offs[r], offs[r + 1] - offs[r], &slot, &fresh, e);
            }
            if (rc)
                break;
            j->next[i] = fresh ? NONE : (uint32_t)(*slot - 1);
            if (!fresh)
                j->dup_keys = true;
            *slot = i + 1;
        }
    }
    sm_buf_free(&kb);
    sm_free(offs);
    return rc;
}

/* ---- probing ------------------------------------------------------------------------ */

typedef struct probe_task {
    join_t *j;
    sm_batch_t *b;
    sm_batch_t **out;
    size_t nout, capout;
} probe_task_t;

static sm_err_t task_emit(probe_task_t *t, sm_batch_t *b, sm_error_t *e)
{
    if (!b->nrows) {
        sm_batch_free(b);
        return SM_OK;
    }
    if (t->nout == t->capout) {
        size_t cap = t->capout ? 2 * t->capout : 8;
        sm_batch_t **p = sm_realloc(t->out, cap * sizeof *p);
        if (!p) {
            sm_batch_free(b);
            return sm_error_nomem(e, "join output");
        }
        t->out = p;
        t->capout = cap;
    }
    t->out[t->nout++] = b;
    return SM_OK;
}

/* Columns of the probe side start at probe0 of a pairs batch. */
static size_t probe0(const join_t *j)
{
    return j->build_left ? j->nl : 0;
}
static size_t build0(const join_t *j)
{
    return j->build_left ? 0 : j->nl;
}

/* Whether pr lists every row of pb once, in order. */
static bool all_rows(const sm_batch_t *pb, const uint32_t *pr, size_t n)
{
    if (n != pb->nrows)
        return false;
    for (size_t k = 0; k < n; k++)
        if (pr[k] != k)
            return false;
    return true;
}

/* Whether column c of the full layout is filled in a pairs batch: every
 * column when some are dropped only after the filter ran. */
static bool copied(const join_t *j, size_t c)
{
    return !j->keepf || j->filter || j->keepf[c];
}

/* Gathers the build rows refs[0..n) into the build columns of b (which
 * start at column b0), those that are copied. */
static sm_err_t gather_build(join_t *j, sm_batch_t *b, size_t b0, const uint64_t *refs, size_t n,
                             sm_error_t *e)
{
    size_t nb = j->build_left ? j->nl : j->nr;
    if (!j->keepf)
        return sm_gather(b, b0, &j->build, NULL, nb, refs, n, e);
    sm_err_t rc = SM_OK;
    for (uint32_t c = 0; !rc && c < nb; c++)
        if (copied(j, b0 + c))
            rc = sm_gather(b, b0 + c, &j->build, &c, 1, refs, n, e);
    return rc;
}

/* Turns b (of the full layout, taken over) into an output batch: the kept
 * columns re-labelled with the output schema, the others freed. */
static sm_err_t to_output(join_t *j, sm_batch_t *b, sm_batch_t **out, sm_error_t *e)
{
    sm_vector_t **cols = b->cols;
    size_t nc = b->ncols;
    b->cols = NULL;
    b->ncols = 0;
    sm_batch_free(b);
    if (j->outc) {
        /* k <= c: cols[k] was already moved down or freed */
        size_t k = 0;
        for (size_t c = 0; c < nc; c++) {
            if (k < j->nout && j->outc[k] == c)
                cols[k++] = cols[c];
            else
                sm_vector_free(cols[c]);
        }
        nc = j->nout;
    }
    sm_err_t rc = sm_batch_from_vectors(j->op->schema, cols, nc, out, e);
    sm_free(cols);
    return rc;
}

/* Candidate pairs: probe rows pr[k] with build rows br[k].  With `take`
 * (pr is every row of pb in order and pb's columns are not needed after),
 * pb's builder columns move into the pairs instead of being copied; pb
 * keeps empty builders in their place. */
static sm_err_t make_pairs(join_t *j, sm_batch_t *pb, bool take, const uint32_t *pr,
                           const uint32_t *br, size_t n, sm_batch_t **out, sm_error_t *e)
{
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_batch_new(j->pairs_schema, n, &b, e);
    size_t np = pb->ncols, p0 = probe0(j), b0 = build0(j);
    take = take && all_rows(pb, pr, n);
    for (size_t c = 0; !rc && c < np; c++) {
        sm_vector_t *v = pb->cols[c];
        if (!copied(j, p0 + c))
            continue;
        if (take && v->len == n && !sm_type_is_nested(v->type->kind) && sm_vector_is_builder(v)) {
            pb->cols[c] = b->cols[p0 + c];
            b->cols[p0 + c] = v;
            continue;
        }
        rc = sm_gather_vec(b->cols[p0 + c], v, pr, n, e);
    }
    uint64_t *refs = rc ? NULL : sm_malloc((n ? n : 1) * sizeof *refs);
    if (!rc && !refs)
        rc = sm_error_nomem(e, "join pairs");
    for (size_t k = 0; !rc && k < n; k++)
        refs[k] = j->refs[br[k]];
    rc = rc ? rc : gather_build(j, b, b0, refs, n, e);
    sm_free(refs);
    if (!rc)
        b->nrows = n;
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

/* Rows of one side alone: probe rows (pb, rows) or build rows (idx). */
static sm_err_t one_side(join_t *j, const sm_batch_t *pb, const uint32_t *rows, size_t n,
                         sm_batch_t **out, sm_error_t *e)
{
    sm_batch_t *b = NULL;
    bool sa = semi_anti(j->type);
    sm_err_t rc = sm_batch_new(sa ? j->op->schema : j->pairs_schema, n, &b, e);
    bool probe_is_left = !j->build_left;
    bool this_left = pb ? probe_is_left : !probe_is_left;
    size_t c0 = this_left ? 0 : j->nl, nc = this_left ? j->nl : j->nr;
    if (!rc && pb) {
        for (size_t c = 0; !rc && c < nc; c++)
            if (sa || copied(j, c0 + c))
                rc = sm_gather_vec(b->cols[c0 + c], pb->cols[c], rows, n, e);
    } else if (!rc) {
        uint64_t *refs = sm_malloc((n ? n : 1) * sizeof *refs);
        if (!refs)
            rc = sm_error_nomem(e, "join output");
        for (size_t k = 0; !rc && k < n; k++)
            refs[k] = j->refs[rows[k]];
        if (!rc)
            rc = gather_build(j, b, c0, refs, n, e);
        sm_free(refs);
    }
    if (!rc && !sa) {
        size_t o0 = this_left ? j->nl : 0, on = this_left ? j->nr : j->nl;
        for (size_t c = 0; !rc && c < on; c++)
            if (copied(j, o0 + c))
                rc = sm_append_nulls(b->cols[o0 + c], n, e);
    }
    if (!rc)
        b->nrows = n;
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    if (sa) {
        *out = b;
        return SM_OK;
    }
    return to_output(j, b, out, e);
}

static void mark(join_t *j, uint32_t bi)
{
    __atomic_store_n(&j->matched[bi], 1, __ATOMIC_RELAXED);
}

/* Filters and emits one chunk of candidate pairs. */
static sm_err_t flush_pairs(probe_task_t *t, unsigned worker, uint32_t *pr, uint32_t *br, size_t n,
                            uint8_t *pmatched, uint32_t *sel, sm_error_t *e)
{
    join_t *j = t->j;
    if (!n)
        return SM_OK;
    bool marks = need_marks(j);
    bool emit_pairs = !semi_anti(j->type);
    if (!j->filter && !emit_pairs) {
        for (size_t k = 0; k < n; k++) {
            pmatched[pr[k]] = 1;
            if (marks)
                mark(j, br[k]);
        }
        return SM_OK;
    }
    sm_batch_t *pairs = NULL;
    /* Without a filter every candidate pair is a match, so when they cover
     * the whole probe batch nothing reads its columns afterwards. */
    sm_err_t rc = make_pairs(j, t->b, !j->filter, pr, br, n, &pairs, e);
    if (rc)
        return rc;
    size_t nsel = n;
    if (j->filter) {
        rc = j->filter(j->filter_arg, pairs, worker, sel, &nsel, e);
        if (!rc && nsel > n)
            rc = sm_error_set(e, SM_ERR_INTERNAL, "join filter selected %zu of %zu pairs", nsel, n);
        if (rc) {
            sm_batch_free(pairs);
            return rc;
        }
    } else {
        for (size_t k = 0; k < n; k++)
            sel[k] = (uint32_t)k;
    }
    for (size_t k = 0; k < nsel; k++) {
        pmatched[pr[sel[k]]] = 1;
        if (marks)
            mark(j, br[sel[k]]);
    }
    if (!emit_pairs || nsel == 0) {
        sm_batch_free(pairs);
        return SM_OK;
    }
    if (nsel == n) {
        sm_batch_t *o = NULL;
        if ((rc = to_output(j, pairs, &o, e)))
            return rc;
        return task_emit(t, o, e);
    }
    sm_batch_t *o = NULL;
    rc = sm_batch_new(j->op->schema, nsel, &o, e);
    for (size_t c = 0; !rc && c < o->ncols; c++)
        rc = sm_gather_vec(o->cols[c], pairs->cols[j->outc ? j->outc[c] : c], sel, nsel, e);
    sm_batch_free(pairs);
    if (!rc) {
        o->nrows = nsel;
        return task_emit(t, o, e);
    }
    sm_batch_free(o);
    return rc;
}

static sm_err_t probe_batch(probe_task_t *t, unsigned worker, sm_error_t *e)
{
    join_t *j = t->j;
    const sm_batch_t *pb = t->b;
    size_t n = pb->nrows;
    const uint32_t *pk = probe_keys(j);
    uint32_t *pr = sm_malloc(SM_BATCH_ROWS * 4), *br = sm_malloc(SM_BATCH_ROWS * 4),
             *sel = sm_malloc(SM_BATCH_ROWS * 4), *rows = sm_malloc((n ? n : 1) * 4);
    uint8_t *pmatched = sm_calloc(n ? n : 1, 1);
    uint32_t *offs = NULL;
    int64_t *keys64 = NULL;
    uint64_t *hashes = NULL;
    const sm_vector_t *sv = j->str1 ? pb->cols[pk[0]] : NULL;
    sm_buf_t kb = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    size_t m = 0;
    if (!pr || !br || !sel || !rows || !pmatched) {
        rc = sm_error_nomem(e, "join probe");
        goto out;
    }
    bool fast_exist = semi_anti(j->type) && !j->filter && !need_marks(j);
    if (sv) {
        /* One string key: hashes of the raw bytes, all first, so that the
         * loop below can prefetch slots some rows ahead. */
        if (!(hashes = sm_malloc((n ? n : 1) * sizeof *hashes))) {
            rc = sm_error_nomem(e, "join probe keys");
            goto out;
        }
        const uint8_t *pp = NULL;
        size_t pn = 0;
        for (size_t r = 0; r < n; r++) {
            size_t kn;
            const uint8_t *kp = sm_vector_get_bytes(sv, r, &kn);
            /* a run of equal keys (order lines of one order) hashes once */
            if (r && kn == pn && (!kn || memcmp(kp, pp, kn) == 0)) {
                hashes[r] = hashes[r - 1];
                continue;
            }
            hashes[r] = sm_ht_hash(j->ht, kp, kn);
            pp = kp;
            pn = kn;
        }
    } else if (j->nkeys && !j->fast64) {
        if (!(offs = sm_malloc((n + 1) * sizeof *offs))) {
            rc = sm_error_nomem(e, "join probe keys");
            goto out;
        }
        if ((rc = sm_keys_cols(pb, pk, j->nkeys, &kb, offs, e)))
            goto out;
    }
    const sm_vector_t *kv = j->fast64 ? pb->cols[pk[0]] : NULL;
    if (kv) {
        if (!(keys64 = sm_malloc((n ? n : 1) * sizeof *keys64))) {
            rc = sm_error_nomem(e, "join probe keys");
            goto out;
        }
        int_keys(kv, n, keys64);
    }
    /* Rows often repeat the previous row's key (order lines of one order):
     * the previous non-NULL key's lookup is reused then. */
    bool have_prev = false;
    size_t prev = 0;
    uint32_t prev_head = NONE, prev_count = 0;
    for (size_t r = 0; r < n && !rc; r++) {
        /* count 1 spares the chain walk: every key of a byte-key table
         * without duplicates has one row (fast64 finds it per slot) */
        uint32_t head = NONE, count = j->nkeys && !j->fast64 && !j->dup_keys ? 1 : 0;
        if (!j->nkeys) {
            head = j->nbuild ? 0 : NONE;
        } else if (j->fast64) {
            if (r + 48 < n)
                slot_prefetch(j, keys64[r + 48]);
            if (!sm_vector_is_null(kv, r)) {
                int64_t key = keys64[r];
                if (have_prev && keys64[prev] == key) {
                    head = prev_head;
                    count = prev_count;
                } else {
                    const jslot_t *sl = slot_of(j, key);
                    if (sl && sl->head) {
                        head = sl->head - 1;
                        count = sl->count;
                    }
                }
                have_prev = true;
                prev = r;
                prev_head = head;
                prev_count = count;
            }
        } else if (sv) {
            if (r + 16 < n)
                sm_ht_prefetch(j->ht, hashes[r + 16]);
            if (r + 8 < n)
                sm_ht_prefetch_key(j->ht, hashes[r + 8]);
            if (!sm_vector_is_null(sv, r)) {
                size_t kn, pn;
                const uint8_t *kp = sm_vector_get_bytes(sv, r, &kn);
                const uint8_t *pp = have_prev ? sm_vector_get_bytes(sv, prev, &pn) : NULL;
                if (pp && pn == kn && memcmp(kp, pp, kn) == 0) {
                    head = prev_head;
                } else {
                    uint64_t *s =
                        sm_ht_find_hashed(j->ht, kn ? kp : (const uint8_t *)"", kn, hashes[r]);
                    if (s)
                        head = (uint32_t)(*s - 1);
                }
                have_prev = true;
                prev = r;
                prev_head = head;
            }
        } else if (!sm_keys_any_null(pb, pk, j->nkeys, r)) {
            size_t kn = offs[r + 1] - offs[r];
            if (have_prev && offs[prev + 1] - offs[prev] == kn &&
                memcmp(kb.data + offs[r], kb.data + offs[prev], kn) == 0) {
                head = prev_head;
            } else {
                uint64_t *s = sm_ht_find(j->ht, kb.data + offs[r], kn);
                if (s)
                    head = (uint32_t)(*s - 1);
            }
            have_prev = true;
            prev = r;
            prev_head = head;
        }
        if (head == NONE)
            continue;
        if (fast_exist) {
            pmatched[r] = 1;
            continue;
        }
        for (uint32_t bi = head; bi != NONE; bi = count == 1           ? NONE
                                                  : j->nkeys           ? j->next[bi]
                                                  : bi + 1 < j->nbuild ? bi + 1
                                                                       : NONE) {
            pr[m] = (uint32_t)r;
            br[m++] = bi;
            if (m == SM_BATCH_ROWS) {
                if ((rc = flush_pairs(t, worker, pr, br, m, pmatched, sel, e)))
                    goto out;
                m = 0;
            }
        }
    }
    if (!rc)
        rc = flush_pairs(t, worker, pr, br, m, pmatched, sel, e);
    /* Probe rows decided now: unmatched of a preserved side, semi, anti. */
    bool want_unmatched = probe_kept(j) || (!j->build_left && j->type == SM_JOIN_ANTI);
    bool want_matched = !j->build_left && j->type == SM_JOIN_SEMI;
    if (!rc && (want_unmatched || want_matched)) {
        size_t k = 0;
        for (size_t r = 0; r < n; r++)
            if (pmatched[r] == (want_matched ? 1 : 0))
                rows[k++] = (uint32_t)r;
        for (size_t at = 0; !rc && at < k; at += SM_BATCH_ROWS) {
            size_t c = k - at < SM_BATCH_ROWS ? k - at : SM_BATCH_ROWS;
            sm_batch_t *o = NULL;
            if (!(rc = one_side(j, pb, rows + at, c, &o, e)))
                rc = task_emit(t, o, e);
        }
    }
out:
    sm_free(pr);
    sm_free(br);
    sm_free(sel);
    sm_free(rows);
    sm_free(pmatched);
    sm_free(offs);
    sm_free(keys64);
    sm_free(hashes);
    sm_buf_free(&kb);
    return rc;
}

static sm_err_t probe_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    probe_task_t *ts = arg;
    for (size_t i = begin; i < end; i++) {
        sm_err_t rc = probe_batch(&ts[i], worker, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Probes the next chunk of probe batches; sets probe_done at the end. */
static sm_err_t probe_chunk(join_t *j, sm_error_t *e)
{
    sm_pool_t *pool = j->op->ctx ? j->op->ctx->pool : NULL;
    probe_task_t ts[CHUNK_BATCHES];
    memset(ts, 0, sizeof ts);
    size_t n = 0;
    sm_err_t rc = SM_OK;
    while (n < (pool ? CHUNK_BATCHES : 1)) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(probe_child(j), &b, e)))
            break;
        if (!b) {
            j->probe_done = true;
            break;
        }
        if (!b->nrows) {
            sm_batch_free(b);
            continue;
        }
        ts[n].j = j;
        ts[n++].b = b;
    }
    if (!rc && n)
        rc = sm_pool_for(n > 1 ? pool : NULL, n, 1, probe_fn, ts, NULL, e);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < ts[i].nout; k++) {
            if (!rc)
                rc = queue(j, ts[i].out[k], e);
            else
                sm_batch_free(ts[i].out[k]);
        }
        sm_free(ts[i].out);
        sm_batch_free(ts[i].b);
    }
    return rc;
}

/* Build rows decided after probing: preserved unmatched, semi, anti. */
static sm_err_t final_chunk(join_t *j, sm_error_t *e)
{
    bool want_matched = j->build_left && j->type == SM_JOIN_SEMI;
    bool want = build_kept(j) || (j->build_left && semi_anti(j->type));
    if (!want) {
        j->final_done = true;
        return SM_OK;
    }
    uint32_t rows[SM_BATCH_ROWS];
    size_t k = 0;
    while (j->final_at < j->nbuild && k < SM_BATCH_ROWS) {
        size_t i = j->final_at++;
        if ((j->matched[i] != 0) == want_matched)
            rows[k++] = (uint32_t)i;
    }
    if (j->final_at >= j->nbuild)
        j->final_done = true;
    if (!k)
        return SM_OK;
    sm_batch_t *o = NULL;
    sm_err_t rc = one_side(j, NULL, rows, k, &o, e);
    return rc ? rc : queue(j, o, e);
}

/* ---- grace partitioning ---------------------------------------------------------------- */

typedef struct parter {
    sm_spill_t **f;
    sm_batch_t *pend[NPART];
    uint32_t *sel[NPART];
    size_t nsel[NPART];
} parter_t;

static sm_err_t part_flush(join_t *j, parter_t *p, unsigned k, sm_error_t *e)
{
    if (!p->pend[k] || !p->pend[k]->nrows)
        return SM_OK;
    sm_err_t rc = SM_OK;
    if (!p->f[k] && (rc = sm_spill_new(sm_exec_tmpdir(j->op->ctx), &p->f[k], e)))
        return rc;
    uint64_t before = sm_spill_bytes(p->f[k]);
    rc = sm_spill_write(p->f[k], p->pend[k], e);
    j->op->stats.spill_bytes += sm_spill_bytes(p->f[k]) - before;
    sm_batch_reset(p->pend[k]);
    return rc;
}

static sm_err_t part_batch(join_t *j, parter_t *p, const sm_batch_t *b, const uint32_t *keys,
                           sm_error_t *e)
{
    size_t n = b->nrows;
    sm_err_t rc = SM_OK;
    sm_buf_t kb = SM_BUF_INIT;
    uint32_t *offs = NULL;
    for (unsigned k = 0; k < NPART; k++) {
        uint32_t *s = sm_realloc(p->sel[k], (n ? n : 1) * 4);
        if (!s)
            return sm_error_nomem(e, "join partitioning");
        p->sel[k] = s;
        p->nsel[k] = 0;
    }
    if (!j->fast64) {
        if (!(offs = sm_malloc((n + 1) * sizeof *offs)))
            return sm_error_nomem(e, "join partitioning");
        rc = sm_keys_cols(b, keys, j->nkeys, &kb, offs, e);
    }
    for (size_t r = 0; !rc && r < n; r++) {
        unsigned k = 0;
        if (!sm_keys_any_null(b, keys, j->nkeys, r)) {
            uint64_t h = j->fast64 ? key_hash64(int_key(b->cols[keys[0]], r))
                                   : sm_hash_bytes(kb.data + offs[r], offs[r + 1] - offs[r], 0);
            k = part_of(h, j->depth);
        }
        p->sel[k][p->nsel[k]++] = (uint32_t)r;
    }
    for (unsigned k = 0; !rc && k < NPART; k++) {
        if (!p->nsel[k])
            continue;
        if (!p->pend[k] && (rc = sm_batch_new(b->schema, SM_BATCH_ROWS, &p->pend[k], e)))
            break;
        for (size_t c = 0; !rc && c < b->ncols; c++)
            rc = sm_gather_vec(p->pend[k]->cols[c], b->cols[c], p->sel[k], p->nsel[k], e);
        if (!rc)
            p->pend[k]->nrows += p->nsel[k];
        if (!rc && p->pend[k]->nrows >= SM_BATCH_ROWS)
            rc = part_flush(j, p, k, e);
    }
    sm_buf_free(&kb);
    sm_free(offs);
    return rc;
}

static void parter_free(parter_t *p)
{
    for (unsigned k = 0; k < NPART; k++) {
        sm_batch_free(p->pend[k]);
        sm_free(p->sel[k]);
    }
}

/* Reads all of child into the files f (NPART of them). */
static sm_err_t part_all(join_t *j, sm_op_t *child, const uint32_t *keys, sm_rows_t *already,
                         sm_spill_t **f, sm_error_t *e)
{
    parter_t p = {.f = f};
    sm_err_t rc = SM_OK;
    for (size_t i = 0; already && !rc && i < already->nb; i++)
        rc = part_batch(j, &p, already->b[i], keys, e);
    if (already)
        sm_rows_free(already);
    while (!rc) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(child, &b, e)) || !b)
            break;
        rc = part_batch(j, &p, b, keys, e);
        sm_batch_free(b);
    }
    for (unsigned k = 0; !rc && k < NPART; k++)
        rc = part_flush(j, &p, k, e);
    for (unsigned k = 0; !rc && k < NPART; k++)
        if (f[k]) {
            rc = sm_spill_rewind(f[k], e);
            j->op->stats.spill_files++;
        }
    parter_free(&p);
    return rc;
}

/* A source reading a spill file (owned). */
typedef struct fsrc {
    sm_spill_t *f;
    sm_type_t *schema;
} fsrc_t;

static sm_err_t fsrc_next(void *arg, sm_batch_t **out, sm_error_t *e)
{
    fsrc_t *s = arg;
    *out = NULL;
    return s->f ? sm_spill_read(s->f, s->schema, out, e) : SM_OK;
}
static void fsrc_free(void *arg)
{
    fsrc_t *s = arg;
    sm_spill_close(s->f);
    sm_type_free(s->schema);
    sm_free(s);
}

static sm_err_t file_source(const sm_exec_ctx_t *ctx, sm_type_t *schema, sm_spill_t *f,
                            sm_op_t **out, sm_error_t *e)
{
    fsrc_t *s = sm_calloc(1, sizeof *s);
    if (!s) {
        sm_spill_close(f);
        return sm_error_nomem(e, "spill source");
    }
    s->f = f;
    s->schema = sm_type_ref(schema);
    sm_source_cb_t cb = {.arg = s, .next = fsrc_next, .free_arg = fsrc_free};
    return sm_op_source_new(ctx, schema, &cb, out, e);
}

static sm_err_t join_make(const sm_exec_ctx_t *ctx, sm_op_t *left, sm_op_t *right,
                          const sm_join_spec_t *spec, int depth, sm_op_t **out, sm_error_t *e);

/* Starts the child join of the next partition; false when none is left. */
static sm_err_t next_partition(join_t *j, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    while (j->gpart < NPART) {
        unsigned k = (unsigned)j->gpart++;
        sm_spill_t *bf = j->bf[k], *pf = j->pf[k];
        j->bf[k] = j->pf[k] = NULL;
        if (!bf && !pf)
            continue;
        sm_op_t *lo = NULL, *ro = NULL;
        sm_spill_t *lf = j->build_left ? bf : pf, *rf = j->build_left ? pf : bf;
        rc = file_source(j->op->ctx, j->op->children[0]->schema, lf, &lo, e);
        if (rc) {
            sm_spill_close(rf);
            return rc;
        }
        if ((rc = file_source(j->op->ctx, j->op->children[1]->schema, rf, &ro, e))) {
            sm_op_free(lo);
            return rc;
        }
        sm_join_spec_t spec = {j->type,       j->lk,     j->rk,         j->nkeys,
                               j->build_left, j->filter, j->filter_arg, j->keepf};
        if ((rc = join_make(j->op->ctx, lo, ro, &spec, j->depth + 1, &j->sub, e)))
            return rc;
        return sm_op_open(j->sub, e);
    }
    return SM_OK;
}

/* ---- operator ------------------------------------------------------------------------ */

static void join_close(sm_op_t *op)
{
    join_t *j = op->impl;
    sm_rows_free(&j->build);
    sm_free(j->refs);
    sm_free(j->next);
    sm_free(j->matched);
    j->refs = NULL;
    j->next = NULL;
    j->matched = NULL;
    sm_free(j->slots);
    sm_ht_free(j->ht);
    j->slots = NULL;
    j->dense = false;
    j->span = 0;
    j->ht = NULL;
    for (size_t i = j->qat; i < j->qn; i++)
        sm_batch_free(j->q[i]);
    sm_free(j->q);
    j->q = NULL;
    j->qn = j->qat = j->qcap = 0;
    for (int k = 0; k < NPART; k++) {
        sm_spill_close(j->bf[k]);
        sm_spill_close(j->pf[k]);
        j->bf[k] = j->pf[k] = NULL;
    }
    if (j->sub) {
        op->stats.spill_bytes += j->sub->stats.spill_bytes;
        op->stats.spill_files += j->sub->stats.spill_files;
    }
    sm_op_free(j->sub);
    j->sub = NULL;
    if (j->reserved)
        sm_op_mem_release(op, j->reserved);
    j->reserved = 0;
}

/* Opens the build side and reads it into j->build, then builds the hash
 * table — unless the build side outgrows the budget (j->grace: the rest
 * of it is partitioned later). */
static sm_err_t read_build(join_t *j, sm_error_t *e)
{
    sm_op_t *op = j->op;
    sm_err_t rc = sm_op_open(build_child(j), e);
    while (!rc) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(build_child(j), &b, e)) || !b)
            break;
        if (!b->nrows) {
            sm_batch_free(b);
            continue;
        }
        size_t bytes = sm_batch_bytes(b) + b->nrows * 48;
        if ((rc = sm_rows_add(&j->build, b, e)))
            break;
        if (sm_op_mem_try(op, bytes)) {
            j->reserved += bytes;
        } else if (j->depth >= MAX_DEPTH || !j->nkeys) {
            sm_op_mem_force(op, bytes);
            j->reserved += bytes;
        } else {
            j->grace = true; /* over budget: grace hash join */
            break;
        }
    }
    if (!rc && !j->grace)
        rc = build_table(j, e);
    return rc;
}

/* Pool task: read_build on a pool thread (while the opening thread opens
 * the probe side, which builds the joins below it). */
static sm_err_t build_task(void *arg, sm_error_t *e)
{
    return read_build(arg, e);
}

static sm_err_t join_open(sm_op_t *op, sm_error_t *e)
{
    join_t *j = op->impl;
    j->op = op;
    j->probe_done = j->final_done = j->grace = j->dup_keys = false;
    j->final_at = j->gpart = 0;
    sm_pool_t *pool = op->ctx ? op->ctx->pool : NULL;
    sm_pool_group_t *g = NULL;
    sm_err_t rc;
    if (pool && sm_pool_group_new(&g, pool, e) == SM_OK && sm_pool_submit(g, build_task, j, e)) {
        sm_pool_group_free(g);
        g = NULL;
    }
    if (g) {
        /* the two sides open at once: the build side on the pool */
        rc = sm_op_open(probe_child(j), e);
        sm_error_t be;
        sm_error_clear(&be);
        sm_err_t brc = sm_pool_wait(g, &be);
        sm_pool_group_free(g);
        if (!rc && brc) {
            rc = brc;
            if (e)
                *e = be;
        }
    } else {
        rc = sm_op_open(probe_child(j), e);
        if (!rc)
            rc = read_build(j, e);
    }
    if (rc || !j->grace)
        return rc;
    if ((rc = part_all(j, build_child(j), build_keys(j), &j->build, j->bf, e)))
        return rc;
    if ((rc = part_all(j, probe_child(j), probe_keys(j), NULL, j->pf, e)))
        return rc;
    if (j->reserved)
        sm_op_mem_release(op, j->reserved);
    j->reserved = 0;
    return next_partition(j, e);
}

static sm_err_t join_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    join_t *j = op->impl;
    sm_err_t rc;
    if (j->grace) {
        while (j->sub) {
            if ((rc = sm_op_next(j->sub, out, e)))
                return rc;
            if (*out) {
                /* Re-label with our schema (the same layout). */
                return SM_OK;
            }
            op->stats.spill_bytes += j->sub->stats.spill_bytes;
            op->stats.spill_files += j->sub->stats.spill_files;
            sm_op_free(j->sub);
            j->sub = NULL;
            if ((rc = next_partition(j, e)))
                return rc;
        }
        return SM_OK;
    }
    for (;;) {
        if (j->qat < j->qn) {
            *out = j->q[j->qat];
            j->q[j->qat++] = NULL;
            if (j->qat == j->qn)
                j->qat = j->qn = 0;
            return SM_OK;
        }
        if (!j->probe_done) {
            if ((rc = probe_chunk(j, e)))
                return rc;
        } else if (!j->final_done) {
            if ((rc = final_chunk(j, e)))
                return rc;
        } else {
            return SM_OK;
        }
    }
}

static void join_destroy(sm_op_t *op)
{
    join_t *j = op->impl;
    if (!j)
        return;
    sm_free(j->lk);
    sm_free(j->rk);
    sm_free(j->keepf);
    sm_free(j->outc);
    sm_type_free(j->pairs_schema);
    sm_free(j);
}

static const sm_op_vtable_t join_vt = {"HashJoin", join_open, join_next, join_close, join_destroy};
static const sm_op_vtable_t nlj_vt = {"NestedLoopJoin", join_open, join_next, join_close,
                                      join_destroy};

/* Takes spec->keep into j->keepf and j->outc (left NULL when every column
 * is kept).  SM_ERR_INVALID when none is. */
static sm_err_t keep_columns(join_t *j, const uint8_t *keep, sm_error_t *e)
{
    size_t nall = j->nl + j->nr, k = 0;
    for (size_t c = 0; c < nall; c++)
        k += keep[c] != 0;
    if (!k)
        return sm_error_set(e, SM_ERR_INVALID, "join: no output column kept");
    if (k == nall)
        return SM_OK;
    j->keepf = sm_malloc(nall);
    j->outc = sm_malloc(k * sizeof *j->outc);
    if (!j->keepf || !j->outc)
        return sm_error_nomem(e, "join columns");
    j->nout = 0;
    for (size_t c = 0; c < nall; c++) {
        j->keepf[c] = keep[c] != 0;
        if (keep[c])
            j->outc[j->nout++] = (uint32_t)c;
    }
    return SM_OK;
}

/* The output schema when some columns are dropped (NULL: out of memory). */
static sm_type_t *out_schema(const join_t *j)
{
    sm_field_t *f = sm_calloc(j->nout, sizeof *f);
    if (!f)
        return NULL;
    for (size_t k = 0; k < j->nout; k++) {
        f[k] = j->pairs_schema->fields[j->outc[k]];
        f[k].type = sm_type_ref(f[k].type);
    }
    sm_type_t *t = sm_type_struct(f, j->nout);
    sm_free(f);
    return t;
}

static sm_err_t join_make(const sm_exec_ctx_t *ctx, sm_op_t *left, sm_op_t *right,
                          const sm_join_spec_t *spec, int depth, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    sm_type_t *schema = NULL;
    join_t *j = sm_calloc(1, sizeof *j);
    const sm_type_t *ls = left->schema, *rs = right->schema;
    if (!j) {
        rc = sm_error_nomem(e, "join");
        goto fail;
    }
    j->type = spec->type;
    j->nkeys = spec->type == SM_JOIN_CROSS ? 0 : spec->nkeys;
    j->build_left = spec->build_left;
    j->filter = spec->filter;
    j->filter_arg = spec->filter_arg;
    j->depth = depth;
    j->nl = ls->nfields;
    j->nr = rs->nfields;
    j->lk = sm_calloc(j->nkeys + 1, 4);
    j->rk = sm_calloc(j->nkeys + 1, 4);
    if (!j->lk || !j->rk) {
        rc = sm_error_nomem(e, "join");
        goto fail;
    }
    for (size_t k = 0; k < j->nkeys; k++) {
        uint32_t a = spec->left_keys[k], b = spec->right_keys[k];
        if (a >= ls->nfields || b >= rs->nfields) {
            rc = sm_error_set(e, SM_ERR_INVALID, "join key %zu: column out of range", k);
            goto fail;
        }
        if (!sm_type_equal_ex(ls->fields[a].type, rs->fields[b].type,
                              SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE)) {
            char x[64], y[64];
            rc = sm_error_set(e, SM_ERR_INVALID, "join key %zu: %s and %s differ", k,
                              sm_type_name(ls->fields[a].type, x, sizeof x),
                              sm_type_name(rs->fields[b].type, y, sizeof y));
            goto fail;
        }
        if (ls->fields[a].type->kind == SM_TYPE_MAP) {
            rc = sm_error_set(e, SM_ERR_INVALID, "join key %zu: maps cannot be compared", k);
            goto fail;
        }
        j->lk[k] = a;
        j->rk[k] = b;
    }
    j->fast64 = j->nkeys == 1 && int_key_kind(ls->fields[j->lk[0]].type->kind);
    j->str1 = j->nkeys == 1 && (ls->fields[j->lk[0]].type->kind == SM_TYPE_STRING ||
                                ls->fields[j->lk[0]].type->kind == SM_TYPE_BINARY);
    bool ln = right_kept(j->type), rn = left_kept(j->type);
    j->pairs_schema = sm_schema_concat(ls, ln, rs, rn);
    if (!j->pairs_schema) {
        rc = sm_error_nomem(e, "join schema");
        goto fail;
    }
    if (spec->keep && !semi_anti(j->type) && (rc = keep_columns(j, spec->keep, e)))
        goto fail;
    schema = semi_anti(j->type) ? sm_type_ref((sm_type_t *)ls)
             : j->outc          ? out_schema(j)
                                : sm_type_ref(j->pairs_schema);
    if (!schema) {
        rc = sm_error_nomem(e, "join schema");
        goto fail;
    }
    sm_op_t *ch[2] = {left, right};
    rc = sm_op_make(j->nkeys ? &join_vt : &nlj_vt, ctx, schema, ch, 2, j, out, e);
    sm_type_free(schema);
    return rc;
fail:
    sm_type_free(schema);
    if (j)
        join_destroy(&(sm_op_t){.impl = j});
    sm_op_free(left);
    sm_op_free(right);
    return rc;
}

sm_err_t sm_op_hash_join_new(const sm_exec_ctx_t *ctx, sm_op_t *left, sm_op_t *right,
                             const sm_join_spec_t *spec, sm_op_t **out, sm_error_t *e)
{
    return join_make(ctx, left, right, spec, 0, out, e);
}
