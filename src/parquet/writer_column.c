/* The encoder of one column chunk: levels and values → pages, the chunk's
 * dictionary, and min/max statistics. */
#include <math.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"
#include "parquet/encoding.h"
#include "parquet/writer_int.h"

/* ---- statistics --------------------------------------------------------- */

static void stat_reset(sm_pq_stat_t *s)
{
    s->has = false;
    s->nulls = s->values = 0;
    sm_buf_reset(&s->bmin);
    sm_buf_reset(&s->bmax);
}

static void stat_free(sm_pq_stat_t *s)
{
    sm_buf_free(&s->bmin);
    sm_buf_free(&s->bmax);
}

static inline void stat_i(sm_pq_stat_t *s, int64_t x)
{
    if (!s->has) {
        s->min.i = s->max.i = x;
        s->has = true;
    } else if (x < s->min.i) {
        s->min.i = x;
    } else if (x > s->max.i) {
        s->max.i = x;
    }
}

static inline void stat_d(sm_pq_stat_t *s, double x)
{
    if (isnan(x))
        return;
    if (!s->has) {
        s->min.d = s->max.d = x;
        s->has = true;
    } else if (x < s->min.d) {
        s->min.d = x;
    } else if (x > s->max.d) {
        s->max.d = x;
    }
}

static inline void stat_q(sm_pq_stat_t *s, sm_i128 x)
{
    if (!s->has) {
        s->min.q = s->max.q = x;
        s->has = true;
    } else if (x < s->min.q) {
        s->min.q = x;
    } else if (x > s->max.q) {
        s->max.q = x;
    }
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* The first 8 bytes of p as a big-endian number, zero-padded: when the keys
 * of two values differ, they order the values as bytes_cmp does. */
static inline uint64_t bytes_key(const uint8_t *p, size_t n)
{
    uint64_t k = 0;
    if (n >= 8) {
        memcpy(&k, p, 8);
        return __builtin_bswap64(k);
    }
    for (size_t i = 0; i < n; i++)
        k |= (uint64_t)p[i] << (56 - 8 * i);
    return k;
}

static sm_err_t stat_b_slow(sm_pq_stat_t *s, const uint8_t *p, size_t n, uint64_t k, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (!s->has || bytes_cmp(p, n, s->bmin.data, s->bmin.len) < 0) {
        sm_buf_reset(&s->bmin);
        rc = sm_buf_append(&s->bmin, p, n, e);
        s->kmin = k;
    }
    if (!rc && (!s->has || bytes_cmp(p, n, s->bmax.data, s->bmax.len) > 0)) {
        sm_buf_reset(&s->bmax);
        rc = sm_buf_append(&s->bmax, p, n, e);
        s->kmax = k;
    }
    s->has = true;
    return rc;
}

/* Widens the bounds with one value; the 8-byte keys settle most values
 * without a byte comparison. */
static inline sm_err_t stat_b(sm_pq_stat_t *s, const uint8_t *p, size_t n, sm_error_t *e)
{
    uint64_t k = bytes_key(p, n);
    if (s->has && k > s->kmin && k < s->kmax)
        return SM_OK;
    return stat_b_slow(s, p, n, k, e);
}

/* Merges chunk statistics into the file's. */
static sm_err_t stat_merge(sm_pq_stat_t *into, const sm_pq_stat_t *from, sm_pq_type_t phys,
                           sm_error_t *e)
{
    into->nulls += from->nulls;
    into->values += from->values;
    if (!from->has)
        return SM_OK;
    switch (phys) {
    case SM_PQ_FLOAT:
    case SM_PQ_DOUBLE:
        stat_d(into, from->min.d);
        stat_d(into, from->max.d);
        return SM_OK;
    case SM_PQ_FIXED_LEN_BYTE_ARRAY:
        stat_q(into, from->min.q);
        stat_q(into, from->max.q);
        return SM_OK;
    case SM_PQ_BYTE_ARRAY: {
        sm_err_t rc = stat_b(into, from->bmin.data, from->bmin.len, e);
        return rc ? rc : stat_b(into, from->bmax.data, from->bmax.len, e);
    }
    default:
        stat_i(into, from->min.i);
        stat_i(into, from->max.i);
        return SM_OK;
    }
}

/* The PLAIN bytes of a bound, into an arena (for the footer) or a buffer. */
static sm_err_t bound_bytes(const sm_pq_colw_t *c, const sm_pq_stat_t *s, bool is_max,
                            uint8_t tmp[16], const uint8_t **p, size_t *n, sm_error_t *e)
{
    switch (c->leaf->physical) {
    case SM_PQ_BOOLEAN:
        tmp[0] = (uint8_t)(is_max ? s->max.i : s->min.i);
        *p = tmp;
        *n = 1;
        return SM_OK;
    case SM_PQ_INT32: {
        int32_t v = (int32_t)(is_max ? s->max.i : s->min.i);
        memcpy(tmp, &v, 4);
        *p = tmp;
        *n = 4;
        return SM_OK;
    }
    case SM_PQ_INT64:
        memcpy(tmp, is_max ? &s->max.i : &s->min.i, 8);
        *p = tmp;
        *n = 8;
        return SM_OK;
    case SM_PQ_FLOAT: {
        double d = is_max ? s->max.d : s->min.d;
        float f = (float)d;
        if (f == 0.0f) /* spec: min -0.0, max +0.0 */
            f = is_max ? 0.0f : -0.0f;
        memcpy(tmp, &f, 4);
        *p = tmp;
        *n = 4;
        return SM_OK;
    }
    case SM_PQ_DOUBLE: {
        double d = is_max ? s->max.d : s->min.d;
        if (d == 0.0)
            d = is_max ? 0.0 : -0.0;
        memcpy(tmp, &d, 8);
        *p = tmp;
        *n = 8;
        return SM_OK;
    }
    case SM_PQ_FIXED_LEN_BYTE_ARRAY:
        *n = (size_t)c->leaf->type_length;
        *p = tmp;
        return sm_pq_decimal_to_be(is_max ? s->max.q : s->min.q, *n, tmp, e);
    default: /* BYTE_ARRAY */
        *p = is_max ? s->bmax.data : s->bmin.data;
        *n = is_max ? s->bmax.len : s->bmin.len;
        return SM_OK;
    }
}

/* ---- lifecycle ----------------------------------------------------------- */

#define DEFAULT_PAGE_BYTES (1u << 20)
#define DEFAULT_DICT_BYTES (1u << 20)
#define DCACHE_BITS 10
#define DCACHE_SLOTS (1u << DCACHE_BITS)
#define BCACHE_BITS 10
#define BCACHE_SLOTS (1u << BCACHE_BITS)
/* the direct map of integer dictionaries: a window of DMAP_SPAN values
 * (at most 4 MiB per column), starting DMAP_BELOW under the chunk's first */
#define DMAP_SPAN (UINT64_C(1) << 20)
#define DMAP_BELOW (INT64_C(1) << 16)

static inline uint64_t load8(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t load4(const uint8_t *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Whether n bytes at a and b are equal: strings of at most 16 bytes (most
 * dictionary values) by two loads of each, overlapping, never past n. */
static inline bool bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n >= 8) {
        if (n > 16)
            return memcmp(a, b, n) == 0;
        return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4)
        return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    /* bytes 0, n/2 and n-1 cover every byte of 1 to 3 */
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* The hash of byte-string dictionaries (and of their caches): strings of at
 * most 16 bytes mixed inline from the same loads as bytes_eq, longer ones by
 * XXH3.  Any n bytes give one hash; a collision costs a comparison only. */
static inline uint64_t dict_hash(const uint8_t *p, size_t n)
{
    uint64_t lo, hi;
    if (n >= 8) {
        if (n > 16)
            return sm_hash_bytes(p, n, 0);
        lo = load8(p);
        hi = load8(p + n - 8);
    } else if (n >= 4) {
        lo = load4(p);
        hi = load4(p + n - 4);
    } else {
        lo = n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
        hi = 0;
    }
    return sm_hash_u64(sm_hash_u64(lo ^ (uint64_t)n << 59) ^ hi);
}

static uint64_t dict_hash_fn(const void *key, size_t n, uint64_t seed)
{
    (void)seed;
    return dict_hash(key, n);
}

static bool dictionary_allowed(const sm_pq_colw_t *c)
{
    return !c->opts->no_dictionary && c->leaf->physical != SM_PQ_BOOLEAN;
}

sm_err_t sm_pq_colw_init(sm_pq_colw_t *c, const sm_pq_leaf_t *leaf, const sm_pq_writer_opts_t *opts,
                         sm_pq_codec_t *codec, sm_error_t *e)
{
    memset(c, 0, sizeof *c);
    c->leaf = leaf;
    c->opts = opts;
    c->codec = codec;
    c->dict_on = dictionary_allowed(c);
    if (!c->dict_on)
        return SM_OK;
    c->dcache_gen = 1;
    if (leaf->physical == SM_PQ_BYTE_ARRAY || leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY) {
        if (!(c->bcache = sm_calloc(BCACHE_SLOTS, sizeof *c->bcache)))
            return sm_error_nomem(e, "parquet dictionary cache");
        sm_ht_opts_t ho = {.hash = dict_hash_fn};
        return sm_ht_new(&c->dictb, &ho, e);
    }
    if (!(c->dcache = sm_calloc(DCACHE_SLOTS, sizeof *c->dcache)))
        return sm_error_nomem(e, "parquet dictionary cache");
    c->dmap_ok = leaf->physical == SM_PQ_INT32 || leaf->physical == SM_PQ_INT64;
    return sm_ht64_new(&c->dict64, 0, 0, e);
}

void sm_pq_colw_free(sm_pq_colw_t *c)
{
    sm_buf_free(&c->def);
    sm_buf_free(&c->rep);
    sm_buf_free(&c->plain);
    sm_buf_free(&c->idx);
    sm_buf_free(&c->dict_plain);
    sm_buf_free(&c->pages);
    sm_buf_free(&c->scratch);
    sm_buf_free(&c->comp);
    sm_buf_free(&c->packed);
    sm_buf_free(&c->dict_page);
    sm_ht64_free(c->dict64);
    sm_free(c->dcache);
    sm_free(c->bcache);
    sm_free(c->dmap);
    sm_ht_free(c->dictb);
    stat_free(&c->chunk);
    stat_free(&c->file);
    memset(c, 0, sizeof *c);
}

size_t sm_pq_colw_buffered(const sm_pq_colw_t *c)
{
    return c->pages.len + c->plain.len + c->idx.len + c->dict_plain.len + c->def.len +
           c->def_run * sizeof(uint16_t) + c->rep.len;
}

/* ---- values -------------------------------------------------------------- */

/* Appends into room reserved beforehand (sm_buf_reserve). */
static inline void put_raw(sm_buf_t *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Looks a value up in the dictionary (adding it), appending its index
 * (room for it was reserved).  *is_new says whether the value was new to
 * the chunk (only new values need to widen the statistics). */
/* Grows the direct map to at least `need` entries (<= DMAP_SPAN), zeroed. */
static sm_err_t dmap_grow(sm_pq_colw_t *c, size_t need, sm_error_t *e)
{
    size_t n = c->dmap_len ? c->dmap_len * 2 : 4096;
    if (n < need)
        n = need;
    if (n > DMAP_SPAN)
        n = DMAP_SPAN;
    uint32_t *m = sm_realloc(c->dmap, n * sizeof *m);
    if (!m)
        return sm_error_nomem(e, "parquet dictionary map");
    memset(m + c->dmap_len, 0, (n - c->dmap_len) * sizeof *m);
    c->dmap = m;
    c->dmap_len = n;
    return SM_OK;
}

/* The dictionary slot of an integer in the direct map's window, or NULL
 * when the value is outside it (then it lives in dict64). */
static inline sm_err_t dmap_slot(sm_pq_colw_t *c, uint64_t bits, uint32_t **slot, sm_error_t *e)
{
    *slot = NULL;
    int64_t key =
        c->leaf->physical == SM_PQ_INT32 ? (int64_t)(int32_t)(uint32_t)bits : (int64_t)bits;
    if (!c->dmap_set) {
        c->dmap_base = key >= INT64_MIN + DMAP_BELOW ? key - DMAP_BELOW : INT64_MIN;
        c->dmap_set = true;
    }
    if (key < c->dmap_base)
        return SM_OK;
    uint64_t off = (uint64_t)key - (uint64_t)c->dmap_base;
    if (off >= DMAP_SPAN)
        return SM_OK;
    if (off >= c->dmap_len) {
        sm_err_t rc = dmap_grow(c, (size_t)off + 1, e);
        if (rc)
            return rc;
    }
    *slot = &c->dmap[off];
    return SM_OK;
}

static inline sm_err_t dict_fixed(sm_pq_colw_t *c, uint64_t bits, const void *plain, size_t width,
                                  bool *is_new, sm_error_t *e)
{
    sm_err_t rc;
    uint32_t ix, *m = NULL;
    /* an integer in the direct map's window: one array access */
    if (c->dmap_ok && (rc = dmap_slot(c, bits, &m, e)))
        return rc;
    if (m) {
        if ((*is_new = *m == 0)) {
            if ((rc = sm_buf_append(&c->dict_plain, plain, width, e)))
                return rc;
            *m = ++c->dict_count; /* index + 1 */
        }
        ix = *m - 1;
        put_raw(&c->idx, &ix, sizeof ix);
        return SM_OK;
    }
    /* another value met recently is found in the cache without a table
     * lookup */
    sm_pq_dcache_t *ce = &c->dcache[(bits * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - DCACHE_BITS)];
    if (ce->gen == c->dcache_gen && ce->bits == bits) {
        *is_new = false;
        put_raw(&c->idx, &ce->ix, sizeof ce->ix);
        return SM_OK;
    }
    uint64_t *slot;
    if ((rc = sm_ht64_insert(c->dict64, (int64_t)bits, &slot, is_new, e)))
        return rc;
    if (*is_new) {
        if ((rc = sm_buf_append(&c->dict_plain, plain, width, e))) {
            /* the table must not keep a value the dictionary lacks */
            sm_ht64_remove(c->dict64, (int64_t)bits, NULL);
            return rc;
        }
        *slot = c->dict_count++;
    }
    ix = (uint32_t)*slot;
    *ce = (sm_pq_dcache_t){.bits = bits, .ix = ix, .gen = c->dcache_gen};
    put_raw(&c->idx, &ix, sizeof ix);
    return SM_OK;
}

static inline sm_err_t dict_bytes(sm_pq_colw_t *c, const uint8_t *p, size_t n, bool length_prefix,
                                  bool *is_new, sm_error_t *e)
{
    /* a value met recently is found in the cache: its hash, length and
     * bytes (kept in dict_plain) compared, without a table lookup */
    uint64_t h = dict_hash(p, n);
    sm_pq_bcache_t *ce = &c->bcache[h >> (64 - BCACHE_BITS)];
    if (ce->gen == c->dcache_gen && ce->hash == h && ce->len == n &&
        bytes_eq(c->dict_plain.data + ce->off, p, n)) {
        *is_new = false;
        put_raw(&c->idx, &ce->ix, sizeof ce->ix);
        return SM_OK;
    }
    uint64_t *slot;
    sm_err_t rc = sm_ht_insert_hashed(c->dictb, p, n, h, &slot, is_new, e);
    if (rc)
        return rc;
    size_t before = c->dict_plain.len;
    if (*is_new) {
        if (length_prefix) {
            uint32_t len = (uint32_t)n;
            if ((rc = sm_buf_append(&c->dict_plain, &len, 4, e)))
                goto undo;
        }
        size_t off = c->dict_plain.len;
        if ((rc = sm_buf_append(&c->dict_plain, p, n, e)))
            goto undo;
        *slot = c->dict_count++ | (uint64_t)(off < UINT32_MAX ? off : UINT32_MAX) << 32;
    }
    uint32_t ix = (uint32_t)*slot, off = (uint32_t)(*slot >> 32);
    if (off != UINT32_MAX && n <= UINT32_MAX)
        *ce = (sm_pq_bcache_t){
            .hash = h, .off = off, .len = (uint32_t)n, .ix = ix, .gen = c->dcache_gen};
    put_raw(&c->idx, &ix, sizeof ix);
    return SM_OK;
undo: /* out of memory: the table must not keep a value the dictionary lacks */
    sm_ht_remove(c->dictb, p, n, NULL);
    c->dict_plain.len = before;
    return rc;
}

static sm_err_t flush_page(sm_pq_colw_t *c, sm_error_t *e);

/* The dictionary outgrew its budget: the open page is closed as a
 * dictionary page, then the rest of the chunk is PLAIN. */
static sm_err_t dict_fallback(sm_pq_colw_t *c, sm_error_t *e)
{
    sm_err_t rc = flush_page(c, e);
    c->dict_on = false;
    return rc;
}

#define ROW(i) (idx ? (size_t)idx[i] : start + (i))

/* Fixed-width values: one loop per (width, dictionary) pair, with the
 * statistics widened by every PLAIN value or by every new dictionary
 * entry (a value already in the chunk's dictionary was counted then). */
#define ADD_FIXED(T, GET, STAT, BITS_T)                                                            \
    do {                                                                                           \
        if (c->dict_on) {                                                                          \
            /* a run of one value repeats its index without a lookup */                            \
            BITS_T prev = 0;                                                                       \
            uint32_t prev_ix = UINT32_MAX;                                                         \
            for (size_t i = 0; i < nv && !rc; i++) {                                               \
                T x = (T)(GET);                                                                    \
                BITS_T bits;                                                                       \
                memcpy(&bits, &x, sizeof x);                                                       \
                if (bits == prev && prev_ix != UINT32_MAX) {                                       \
                    put_raw(&c->idx, &prev_ix, sizeof prev_ix);                                    \
                    continue;                                                                      \
                }                                                                                  \
                bool is_new = false;                                                               \
                rc = dict_fixed(c, (uint64_t)bits, &x, sizeof x, &is_new, e);                      \
                if (is_new)                                                                        \
                    STAT(st, x);                                                                   \
                prev = bits;                                                                       \
                memcpy(&prev_ix, c->idx.data + c->idx.len - sizeof prev_ix, sizeof prev_ix);       \
            }                                                                                      \
        } else {                                                                                   \
            T *out = (T *)(void *)(c->plain.data + c->plain.len);                                  \
            for (size_t i = 0; i < nv; i++) {                                                      \
                T x = (T)(GET);                                                                    \
                memcpy(out + i, &x, sizeof x);                                                     \
                STAT(st, x);                                                                       \
            }                                                                                      \
            c->plain.len += nv * sizeof(T);                                                        \
        }                                                                                          \
    } while (0)

static sm_err_t add_bytes(sm_pq_colw_t *c, const sm_vector_t *v, const uint32_t *idx, size_t start,
                          size_t nv, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_pq_stat_t *st = &c->chunk;
    if (c->dict_on) {
        /* a run of one value repeats its index without a lookup */
        const uint8_t *prev = NULL;
        size_t prev_n = 0;
        uint32_t prev_ix = 0;
        for (size_t i = 0; i < nv && !rc; i++) {
            size_t n;
            const uint8_t *p = sm_vector_get_bytes(v, ROW(i), &n);
            if (prev && n == prev_n && bytes_eq(p, prev, n)) {
                put_raw(&c->idx, &prev_ix, sizeof prev_ix);
                continue;
            }
            bool is_new = false;
            if (!(rc = dict_bytes(c, p, n, true, &is_new, e)) && is_new)
                rc = stat_b(st, p, n, e);
            if (!rc) {
                prev = p;
                prev_n = n;
                memcpy(&prev_ix, c->idx.data + c->idx.len - sizeof prev_ix, sizeof prev_ix);
            }
        }
        return rc;
    }
    /* PLAIN: 4-byte length + bytes per value, into room reserved once */
    size_t total = 4 * nv;
    if (idx) {
        for (size_t i = 0; i < nv; i++) {
            size_t r = v->offset + idx[i];
            total += (size_t)(v->offsets[r + 1] - v->offsets[r]);
        }
    } else if (nv) {
        total += (size_t)(v->offsets[v->offset + start + nv] - v->offsets[v->offset + start]);
    }
    if ((rc = sm_buf_reserve(&c->plain, total, e)))
        return rc;
    uint8_t *out = c->plain.data + c->plain.len;
    for (size_t i = 0; i < nv && !rc; i++) {
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(v, ROW(i), &n);
        uint32_t len = (uint32_t)n;
        memcpy(out, &len, 4);
        memcpy(out + 4, p, n);
        out += 4 + n;
        rc = stat_b(st, p, n, e);
    }
    c->plain.len = (size_t)(out - c->plain.data);
    return rc;
}

static sm_err_t add_values(sm_pq_colw_t *c, const sm_vector_t *v, const uint32_t *idx, size_t start,
                           size_t nv, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_pq_stat_t *st = &c->chunk;
    size_t dict_limit = c->opts->dictionary_bytes ? c->opts->dictionary_bytes : DEFAULT_DICT_BYTES;
    sm_type_kind_t kind = c->leaf->type->kind;
    /* room for every index or fixed-width value of this call up front, so
     * the loops below append without checks */
    size_t width = c->leaf->physical == SM_PQ_INT32 || c->leaf->physical == SM_PQ_FLOAT ? 4
                   : c->leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY ? (size_t)c->leaf->type_length
                                                                     : 8;
    if (c->dict_on ? (rc = sm_buf_reserve(&c->idx, nv * sizeof(uint32_t), e))
                   : (c->leaf->physical != SM_PQ_BYTE_ARRAY && c->leaf->physical != SM_PQ_BOOLEAN &&
                      (rc = sm_buf_reserve(&c->plain, nv * width, e))))
        return rc;
    switch (c->leaf->physical) {
    case SM_PQ_BOOLEAN: {
        /* one byte per value here; bit-packed when the page is flushed */
        if ((rc = sm_buf_reserve(&c->plain, nv, e)))
            return rc;
        uint8_t *out = c->plain.data + c->plain.len;
        for (size_t i = 0; i < nv; i++) {
            bool b = sm_vector_get_bool(v, ROW(i));
            out[i] = b;
            stat_i(st, b);
        }
        c->plain.len += nv;
        return SM_OK;
    }
    case SM_PQ_INT32:
        switch (kind) {
        case SM_TYPE_INT8:
            ADD_FIXED(int32_t, sm_vector_get_i8(v, ROW(i)), stat_i, uint32_t);
            break;
        case SM_TYPE_INT16:
            ADD_FIXED(int32_t, sm_vector_get_i16(v, ROW(i)), stat_i, uint32_t);
            break;
        case SM_TYPE_DECIMAL:
            ADD_FIXED(int32_t, sm_vector_get_i128(v, ROW(i)), stat_i, uint32_t);
            break;
        default:
            ADD_FIXED(int32_t, sm_vector_get_i32(v, ROW(i)), stat_i, uint32_t);
            break;
        }
        break;
    case SM_PQ_INT64:
        if (kind == SM_TYPE_DECIMAL)
            ADD_FIXED(int64_t, sm_vector_get_i128(v, ROW(i)), stat_i, uint64_t);
        else
            ADD_FIXED(int64_t, sm_vector_get_i64(v, ROW(i)), stat_i, uint64_t);
        break;
    case SM_PQ_FLOAT:
        ADD_FIXED(float, sm_vector_get_f32(v, ROW(i)), stat_d, uint32_t);
        break;
    case SM_PQ_DOUBLE:
        ADD_FIXED(double, sm_vector_get_f64(v, ROW(i)), stat_d, uint64_t);
        break;
    case SM_PQ_FIXED_LEN_BYTE_ARRAY: { /* decimals of precision > 18 */
        size_t w = (size_t)c->leaf->type_length;
        uint8_t be[16];
        for (size_t i = 0; i < nv && !rc; i++) {
            sm_i128 q = sm_vector_get_i128(v, ROW(i));
            if ((rc = sm_pq_decimal_to_be(q, w, be, e)))
                break;
            bool is_new = true;
            if (c->dict_on)
                rc = dict_bytes(c, be, w, false, &is_new, e);
            else
                put_raw(&c->plain, be, w);
            if (is_new)
                stat_q(st, q);
        }
        break;
    }
    case SM_PQ_BYTE_ARRAY:
        rc = add_bytes(c, v, idx, start, nv, e);
        break;
    default:
        return sm_error_set(e, SM_ERR_INTERNAL, "parquet writer: physical type %d",
                            c->leaf->physical);
    }
    /* a dictionary that holds most of the values seen pays off little: give
     * it up early (unique keys, measurements) instead of at its size limit */
    size_t seen = (size_t)c->chunk.values;
    if (!rc && c->dict_on &&
        (c->dict_plain.len > dict_limit || (seen >= 16384 && c->dict_count > seen / 2)))
        rc = dict_fallback(c, e);
    return rc;
}

/* Stores the pending run of max_def levels in def (before levels that are
 * not all max_def, or before a page of mixed levels is encoded). */
static sm_err_t def_store_run(sm_pq_colw_t *c, sm_error_t *e)
{
    size_t n = c->def_run;
    if (!n)
        return SM_OK;
    sm_err_t rc = sm_buf_reserve(&c->def, n * sizeof(uint16_t), e);
    if (rc)
        return rc;
    uint16_t *d = (uint16_t *)(c->def.data + c->def.len);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint16_t)c->leaf->max_def;
    c->def.len += n * sizeof(uint16_t);
    c->def_run = 0;
    return SM_OK;
}

sm_err_t sm_pq_colw_add(sm_pq_colw_t *c, const uint16_t *def, const uint16_t *rep, size_t n,
                        size_t rows, const sm_vector_t *v, const uint32_t *idx, size_t start,
                        size_t nv, sm_error_t *e)
{
    sm_err_t rc;
    const sm_pq_leaf_t *leaf = c->leaf;
    if (leaf->max_def > 0) {
        if (!def) { /* every level is max_def: counted, stored only if needed */
            c->def_run += n;
        } else if ((rc = def_store_run(c, e)) ||
                   (rc = sm_buf_append(&c->def, def, n * sizeof *def, e))) {
            return rc;
        }
    }
    if (leaf->max_rep > 0 && (rc = sm_buf_append(&c->rep, rep, n * sizeof *rep, e)))
        return rc;
    c->page_levels += n;
    c->page_nulls += n - nv;
    c->page_rows += rows;
    c->chunk.nulls += (int64_t)(n - nv);
    c->chunk.values += (int64_t)n;
    return add_values(c, v, idx, start, nv, e);
}

/* ---- pages ---------------------------------------------------------------- */

static sm_err_t encode_levels(const sm_buf_t *lv, size_t n, int max, bool prefixed, sm_buf_t *out,
                              sm_error_t *e)
{
    int bw = sm_pq_bit_width((uint64_t)max);
    const uint16_t *v = (const uint16_t *)lv->data;
    return prefixed ? sm_pq_rle_encode16_prefixed(v, n, bw, out, e)
                    : sm_pq_rle_encode16(v, n, bw, out, e);
}

/* Appends header + body to c->pages. */
static sm_err_t emit_page(sm_pq_colw_t *c, sm_pq_page_header_t *ph, const sm_buf_t *body_head,
                          const uint8_t *body, size_t body_len, sm_error_t *e)
{
    sm_err_t rc = sm_pq_page_header_encode(ph, &c->pages, e);
    if (!rc && body_head && body_head->len)
        rc = sm_buf_append(&c->pages, body_head->data, body_head->len, e);
    if (!rc && body_len)
        rc = sm_buf_append(&c->pages, body, body_len, e);
    return rc;
}

static sm_err_t flush_page(sm_pq_colw_t *c, sm_error_t *e)
{
    if (c->page_levels == 0)
        return SM_OK;
    const sm_pq_leaf_t *leaf = c->leaf;
    bool dict = c->dict_on;
    sm_buf_t *levels = &c->scratch;
    sm_buf_reset(levels);
    sm_buf_reset(&c->comp);
    sm_err_t rc = SM_OK;
    bool v2 = c->opts->page_v2;
    size_t rep_len = 0, def_len = 0;
    if (leaf->max_rep > 0) {
        rc = encode_levels(&c->rep, c->page_levels, leaf->max_rep, !v2, levels, e);
        rep_len = levels->len;
    }
    if (!rc && leaf->max_def > 0) {
        if (c->def.len == 0) /* no nulls on the page: one run of max_def */
            rc = sm_pq_rle_encode_repeat((uint32_t)leaf->max_def, c->page_levels,
                                         sm_pq_bit_width((uint64_t)leaf->max_def), !v2, levels, e);
        else if (!(rc = def_store_run(c, e)))
            rc = encode_levels(&c->def, c->page_levels, leaf->max_def, !v2, levels, e);
        def_len = levels->len - rep_len;
    }
    if (rc)
        return rc;
    /* values: RLE_DICTIONARY indices or PLAIN */
    sm_buf_t *values = &c->packed;
    sm_buf_reset(values);
    if (dict) {
        size_t nidx = c->idx.len / sizeof(uint32_t);
        int bw = sm_pq_bit_width(c->dict_count ? c->dict_count - 1 : 0);
        if (!(rc = sm_buf_append_byte(values, (uint8_t)bw, e)))
            rc = sm_pq_rle_encode((const uint32_t *)c->idx.data, nidx, bw, values, e);
    }
    if (!rc && leaf->physical == SM_PQ_BOOLEAN)
        rc = sm_pq_plain_put_bools(c->plain.data, c->plain.len, values, e);
    bool packed = dict || leaf->physical == SM_PQ_BOOLEAN;
    const uint8_t *vals = packed ? values->data : c->plain.data;
    size_t vals_len = packed ? values->len : c->plain.len;
    /* uncompressed pages go from the level and value buffers straight to
     * the chunk's pages, without a copy through the codec */
    bool raw = sm_pq_codec_id(c->codec) == SM_PQ_CODEC_UNCOMPRESSED;
    sm_pq_page_header_t ph = {0};
    size_t uncompressed = 0, compressed = 0;
    if (rc)
        goto out;
    if (!v2) {
        /* v1: the whole body (levels + values) is compressed */
        if (raw) {
            uncompressed = compressed = levels->len + vals_len;
        } else {
            if ((rc = sm_buf_append(levels, vals, vals_len, e)) ||
                (rc = sm_pq_codec_compress(c->codec, levels->data, levels->len, &c->comp, e)))
                goto out;
            uncompressed = levels->len;
            compressed = c->comp.len;
        }
        ph.type = SM_PQ_PAGE_DATA;
        ph.has_data_page_header = true;
        ph.data_page_header = (sm_pq_data_page_header_t){
            .num_values = (int32_t)c->page_levels,
            .encoding = dict ? SM_PQ_ENC_RLE_DICTIONARY : SM_PQ_ENC_PLAIN,
            .definition_level_encoding = SM_PQ_ENC_RLE,
            .repetition_level_encoding = SM_PQ_ENC_RLE};
    } else {
        /* v2: levels stay uncompressed, values are compressed */
        if (!raw && (rc = sm_pq_codec_compress(c->codec, vals, vals_len, &c->comp, e)))
            goto out;
        uncompressed = levels->len + vals_len;
        compressed = levels->len + (raw ? vals_len : c->comp.len);
        ph.type = SM_PQ_PAGE_DATA_V2;
        ph.has_data_page_header_v2 = true;
        ph.data_page_header_v2 = (sm_pq_data_page_header_v2_t){
            .num_values = (int32_t)c->page_levels,
            .num_nulls = (int32_t)c->page_nulls,
            .num_rows = (int32_t)c->page_rows,
            .encoding = dict ? SM_PQ_ENC_RLE_DICTIONARY : SM_PQ_ENC_PLAIN,
            .definition_levels_byte_length = (int32_t)def_len,
            .repetition_levels_byte_length = (int32_t)rep_len,
            .has_is_compressed = true,
            .is_compressed = sm_pq_codec_id(c->codec) != SM_PQ_CODEC_UNCOMPRESSED};
    }
    if (uncompressed > INT32_MAX || compressed > INT32_MAX) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "parquet writer: column \"%s\": a page exceeds 2 GiB",
                          leaf->path);
        goto out;
    }
    ph.uncompressed_page_size = (int32_t)uncompressed;
    ph.compressed_page_size = (int32_t)compressed;
    size_t before = c->pages.len;
    if (raw)
        rc = emit_page(c, &ph, levels, vals, vals_len, e);
    else
        rc = emit_page(c, &ph, v2 ? levels : NULL, c->comp.data, c->comp.len, e);
    if (rc)
        goto out;
    c->pages_uncompressed += (int64_t)(c->pages.len - before - compressed + uncompressed);
    c->chunk_levels += (int64_t)c->page_levels;
    if (dict) {
        c->dict_pages++;
        c->dict_in_chunk = true;
    } else {
        c->plain_pages++;
    }
    c->page_levels = c->page_nulls = c->page_rows = 0;
    sm_buf_reset(&c->def);
    c->def_run = 0;
    sm_buf_reset(&c->rep);
    sm_buf_reset(&c->plain);
    sm_buf_reset(&c->idx);
out:
    return rc;
}

sm_err_t sm_pq_colw_maybe_flush(sm_pq_colw_t *c, sm_error_t *e)
{
    size_t limit = c->opts->page_bytes ? c->opts->page_bytes : DEFAULT_PAGE_BYTES;
    if (c->plain.len + c->idx.len + (c->def.len + c->def_run * sizeof(uint16_t)) / 4 >= limit)
        return flush_page(c, e);
    return SM_OK;
}

/* ---- chunk ----------------------------------------------------------------- */

static sm_err_t write_out(sm_store_writer_t *out, const void *p, size_t n, sm_error_t *e)
{
    return n ? sm_store_writer_write(out, p, n, e) : SM_OK;
}

static sm_err_t stats_to_footer(const sm_pq_colw_t *c, sm_arena_t *arena, sm_pq_stats_t *ps,
                                sm_error_t *e)
{
    const sm_pq_stat_t *s = &c->chunk;
    memset(ps, 0, sizeof *ps);
    ps->has_null_count = true;
    ps->null_count = s->nulls;
    if (!s->has)
        return SM_OK;
    uint8_t tmp[16];
    const uint8_t *p;
    size_t n;
    for (int is_max = 0; is_max < 2; is_max++) {
        sm_err_t rc = bound_bytes(c, s, is_max, tmp, &p, &n, e);
        if (rc)
            return rc;
        uint8_t *copy = sm_arena_alloc(arena, n ? n : 1);
        if (!copy)
            return sm_error_nomem(e, "parquet statistics");
        if (n)
            memcpy(copy, p, n);
        sm_pq_bytes_t b = {copy, n};
        if (is_max) {
            ps->has_max_value = true;
            ps->max_value = b;
        } else {
            ps->has_min_value = true;
            ps->min_value = b;
        }
    }
    /* the deprecated signed-order fields, for old readers of numbers */
    sm_pq_type_t t = c->leaf->physical;
    if (t == SM_PQ_INT32 || t == SM_PQ_INT64 || t == SM_PQ_FLOAT || t == SM_PQ_DOUBLE) {
        ps->has_min = ps->has_max = true;
        ps->min = ps->min_value;
        ps->max = ps->max_value;
    }
    return SM_OK;
}

sm_err_t sm_pq_colw_seal(sm_pq_colw_t *c, sm_error_t *e)
{
    if (c->sealed)
        return SM_OK;
    sm_err_t rc = flush_page(c, e);
    if (rc)
        return rc;
    sm_buf_reset(&c->dict_page);
    c->dict_header_len = 0;
    if (c->dict_in_chunk) {
        sm_buf_reset(&c->comp);
        if ((rc = sm_pq_codec_compress(c->codec, c->dict_plain.data, c->dict_plain.len, &c->comp,
                                       e)))
            return rc;
        if (c->dict_plain.len > INT32_MAX || c->comp.len > INT32_MAX)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "parquet writer: column \"%s\": a dictionary page exceeds 2 GiB",
                                c->leaf->path);
        sm_pq_page_header_t ph = {.type = SM_PQ_PAGE_DICTIONARY,
                                  .uncompressed_page_size = (int32_t)c->dict_plain.len,
                                  .compressed_page_size = (int32_t)c->comp.len,
                                  .has_dictionary_page_header = true,
                                  .dictionary_page_header = {.num_values = (int32_t)c->dict_count,
                                                             .encoding = SM_PQ_ENC_PLAIN}};
        if ((rc = sm_pq_page_header_encode(&ph, &c->dict_page, e)))
            return rc;
        c->dict_header_len = c->dict_page.len;
        if ((rc = sm_buf_append(&c->dict_page, c->comp.data, c->comp.len, e)))
            return rc;
    }
    c->sealed = true;
    return SM_OK;
}

sm_err_t sm_pq_colw_finish(sm_pq_colw_t *c, sm_store_writer_t *out, sm_arena_t *arena,
                           sm_pq_column_chunk_t *cc, sm_error_t *e)
{
    sm_err_t rc = sm_pq_colw_seal(c, e);
    if (rc)
        return rc;
    const sm_pq_leaf_t *leaf = c->leaf;
    int64_t start = (int64_t)sm_store_writer_offset(out);
    int64_t total_unc = c->pages_uncompressed, total_comp = (int64_t)c->pages.len;
    int64_t dict_offset = -1;
    if (c->dict_in_chunk) {
        if ((rc = write_out(out, c->dict_page.data, c->dict_page.len, e)))
            return rc;
        dict_offset = start;
        total_unc += (int64_t)(c->dict_header_len + c->dict_plain.len);
        total_comp += (int64_t)c->dict_page.len;
    }
    int64_t data_offset = (int64_t)sm_store_writer_offset(out);
    if ((rc = write_out(out, c->pages.data, c->pages.len, e)))
        return rc;

    /* ColumnChunk + ColumnMetaData */
    sm_pq_column_meta_t *m = &cc->meta_data;
    memset(cc, 0, sizeof *cc);
    cc->has_file_offset = true;
    cc->file_offset = 0; /* deprecated; always written (INTEROP.md 2.2) */
    cc->has_meta_data = true;
    m->type = leaf->physical;
    sm_pq_encoding_t encs[3];
    uint32_t ne = 0;
    if (c->dict_in_chunk || c->plain_pages)
        encs[ne++] = SM_PQ_ENC_PLAIN;
    encs[ne++] = SM_PQ_ENC_RLE;
    if (c->dict_pages)
        encs[ne++] = SM_PQ_ENC_RLE_DICTIONARY;
    m->encodings = sm_arena_alloc(arena, sizeof encs);
    m->encoding_stats = sm_arena_alloc(arena, 3 * sizeof *m->encoding_stats);
    if (!m->encodings || !m->encoding_stats)
        return sm_error_nomem(e, "parquet footer");
    memcpy(m->encodings, encs, ne * sizeof encs[0]);
    m->num_encodings = ne;
    /* path_in_schema: the names from the root to the leaf */
    m->path = (const char **)leaf->parts;
    m->path_len = leaf->nparts;
    m->codec = sm_pq_codec_id(c->codec);
    m->num_values = c->chunk_levels;
    m->total_uncompressed_size = total_unc;
    m->total_compressed_size = total_comp;
    m->data_page_offset = data_offset;
    if (dict_offset >= 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = dict_offset;
    }
    m->has_statistics = true;
    if ((rc = stats_to_footer(c, arena, &m->statistics, e)))
        return rc;
    m->has_encoding_stats = true;
    uint32_t ns = 0;
    if (c->dict_in_chunk)
        m->encoding_stats[ns++] =
            (sm_pq_page_enc_stats_t){SM_PQ_PAGE_DICTIONARY, SM_PQ_ENC_PLAIN, 1};
    if (c->dict_pages)
        m->encoding_stats[ns++] =
            (sm_pq_page_enc_stats_t){SM_PQ_PAGE_DATA, SM_PQ_ENC_RLE_DICTIONARY, c->dict_pages};
    if (c->plain_pages)
        m->encoding_stats[ns++] =
            (sm_pq_page_enc_stats_t){SM_PQ_PAGE_DATA, SM_PQ_ENC_PLAIN, c->plain_pages};
    m->num_encoding_stats = ns;
    if (c->opts->page_v2)
        for (uint32_t i = 0; i < ns; i++)
            if (m->encoding_stats[i].page_type == SM_PQ_PAGE_DATA)
                m->encoding_stats[i].page_type = SM_PQ_PAGE_DATA_V2;

    /* file statistics, then reset for the next row group */
    if ((rc = stat_merge(&c->file, &c->chunk, leaf->physical, e)))
        return rc;
    stat_reset(&c->chunk);
    sm_buf_reset(&c->pages);
    sm_buf_reset(&c->dict_plain);
    c->dict_count = 0;
    c->dict_in_chunk = false;
    c->dict_pages = c->plain_pages = 0;
    c->chunk_levels = c->pages_uncompressed = 0;
    c->dict_on = dictionary_allowed(c);
    if (c->dict64)
        sm_ht64_clear(c->dict64);
    if (c->dmap_set) {
        if (c->dmap_len)
            memset(c->dmap, 0, c->dmap_len * sizeof *c->dmap);
        c->dmap_set = false; /* the next chunk sets its own window */
    }
    if (++c->dcache_gen == 0) { /* generations wrapped: empty the caches */
        if (c->dcache)
            memset(c->dcache, 0, DCACHE_SLOTS * sizeof *c->dcache);
        if (c->bcache)
            memset(c->bcache, 0, BCACHE_SLOTS * sizeof *c->bcache);
        c->dcache_gen = 1;
    }
    if (c->dictb)
        sm_ht_clear(c->dictb);
    sm_buf_reset(&c->dict_page);
    c->sealed = false;
    return SM_OK;
}

void sm_pq_colw_file_stats(sm_pq_colw_t *c, sm_pq_leaf_stats_t *out)
{
    const sm_pq_stat_t *s = &c->file;
    memset(out, 0, sizeof *out);
    out->path = c->leaf->path;
    out->type = c->leaf->type;
    out->null_count = s->nulls;
    out->num_values = s->values;
    if (!s->has)
        return;
    /* keep the bounds in the scratch buffers (valid until free) */
    uint8_t tmp[16];
    const uint8_t *p;
    size_t n;
    sm_buf_reset(&c->scratch);
    sm_buf_reset(&c->comp);
    if (bound_bytes(c, s, false, tmp, &p, &n, NULL) || sm_buf_append(&c->scratch, p, n, NULL))
        return;
    if (bound_bytes(c, s, true, tmp, &p, &n, NULL) || sm_buf_append(&c->comp, p, n, NULL))
        return;
    out->has_min_max = true;
    out->min = (sm_pq_bytes_t){c->scratch.data, c->scratch.len};
    out->max = (sm_pq_bytes_t){c->comp.data, c->comp.len};
}
