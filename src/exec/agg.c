/* exec/agg — aggregate accumulators (agg.h). */
#include "exec/agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/text.h"
#include "core/hash.h"
#include "core/mem.h"
#include "exec/op_int.h"

static const char *kind_name(sm_agg_kind_t k)
{
    static const char *names[] = {"count(1)",
                                  "count",
                                  "sum",
                                  "avg",
                                  "min",
                                  "max",
                                  "stddev_samp",
                                  "stddev_pop",
                                  "var_samp",
                                  "var_pop",
                                  "percentile_approx",
                                  "first",
                                  "last",
                                  "collect_list"};
    return k < SM_AGG__COUNT ? names[k] : "?";
}

static bool orderable(sm_type_kind_t k)
{
    return !sm_type_is_nested(k) && k != SM_TYPE__COUNT;
}

sm_err_t sm_agg_result_type(sm_agg_kind_t kind, const sm_type_t *arg, sm_type_t **out,
                            sm_error_t *e)
{
    *out = NULL;
    if (kind == SM_AGG_COUNT_STAR || kind == SM_AGG_COUNT) {
        *out = sm_type_int64();
        return SM_OK;
    }
    if (!arg)
        return sm_error_set(e, SM_ERR_INVALID, "%s needs an argument", kind_name(kind));
    sm_type_kind_t k = arg->kind;
    char tn[64];
    switch (kind) {
    case SM_AGG_SUM:
        if (sm_type_is_integer(k))
            *out = sm_type_int64();
        else if (k == SM_TYPE_FLOAT32 || k == SM_TYPE_FLOAT64)
            *out = sm_type_float64();
        else if (k == SM_TYPE_DECIMAL)
            *out = sm_type_decimal(arg->precision + 10 > 38 ? 38 : arg->precision + 10, arg->scale);
        break;
    case SM_AGG_AVG:
        if (sm_type_is_integer(k) || k == SM_TYPE_FLOAT32 || k == SM_TYPE_FLOAT64)
            *out = sm_type_float64();
        else if (k == SM_TYPE_DECIMAL)
            *out = sm_type_decimal(arg->precision + 4 > 38 ? 38 : arg->precision + 4,
                                   arg->scale + 4 > 38 ? 38 : arg->scale + 4);
        break;
    case SM_AGG_STDDEV_SAMP:
    case SM_AGG_STDDEV_POP:
    case SM_AGG_VAR_SAMP:
    case SM_AGG_VAR_POP:
        if (sm_type_is_numeric(k))
            *out = sm_type_float64();
        break;
    case SM_AGG_MIN:
    case SM_AGG_MAX:
        if (orderable(k))
            *out = sm_type_ref((sm_type_t *)arg);
        break;
    case SM_AGG_FIRST:
    case SM_AGG_LAST:
        *out = sm_type_ref((sm_type_t *)arg);
        break;
    case SM_AGG_PERCENTILE_APPROX:
        if (sm_type_is_numeric(k) || k == SM_TYPE_DATE || k == SM_TYPE_TIMESTAMP ||
            k == SM_TYPE_TIMESTAMP_TZ)
            *out = sm_type_ref((sm_type_t *)arg);
        break;
    case SM_AGG_COLLECT_LIST:
        if (!sm_type_is_nested(k) && k != SM_TYPE_NULL)
            *out = sm_type_list_ex(sm_type_ref((sm_type_t *)arg), false);
        break;
    default:
        break;
    }
    if (!*out && (k == SM_TYPE_DECIMAL || kind == SM_AGG_COLLECT_LIST) &&
        (kind == SM_AGG_SUM || kind == SM_AGG_AVG || kind == SM_AGG_MIN || kind == SM_AGG_MAX ||
         kind == SM_AGG_FIRST || kind == SM_AGG_LAST || kind == SM_AGG_PERCENTILE_APPROX ||
         (kind == SM_AGG_COLLECT_LIST && !sm_type_is_nested(k) && k != SM_TYPE_NULL)))
        return sm_error_nomem(e, "aggregate result type");
    if (!*out)
        return sm_error_set(e, SM_ERR_INVALID, "%s does not take an argument of type %s",
                            kind_name(kind), sm_type_name(arg, tn, sizeof tn));
    return SM_OK;
}

/* ---- setup ------------------------------------------------------------------------ */

static bool is_welford(sm_agg_kind_t k)
{
    return k >= SM_AGG_STDDEV_SAMP && k <= SM_AGG_VAR_POP;
}
static bool is_var_kind(sm_type_kind_t k)
{
    return k == SM_TYPE_STRING || k == SM_TYPE_BINARY || sm_type_is_nested(k);
}

/* One slot of the DISTINCT pair set: used says it holds (g, v). */
struct sm_acc_pair {
    int64_t v;
    uint32_t g;
    uint32_t used;
};

/* The dense DISTINCT array: it may cover at most this many values, and at
 * most the larger of DENSE_FREE and DENSE_PER values per value held (past
 * either, its values move to the pair set). */
#define DENSE_MAX ((uint64_t)1 << 25)
#define DENSE_FREE ((uint64_t)1 << 18)
#define DENSE_PER 16

/* Kinds whose DISTINCT values are compared as integers (pairs set). */
static bool pair_kind(sm_type_kind_t k)
{
    return sm_type_is_integer(k) || k == SM_TYPE_DATE || k == SM_TYPE_TIMESTAMP ||
           k == SM_TYPE_TIMESTAMP_TZ;
}

static size_t pair_slot(const sm_acc_t *a, uint32_t g, int64_t v)
{
    uint64_t h = sm_hash_u64((uint64_t)v + (uint64_t)g * UINT64_C(0x9e3779b97f4a7c15));
    return (size_t)h & (a->pairs_cap - 1);
}

/* Grows the pair set so that `more` further pairs fit under its load
 * factor (3/4).  SM_ERR_NOMEM leaves it as it was. */
static sm_err_t pairs_reserve(sm_acc_t *a, size_t more, sm_error_t *e)
{
    size_t cap = a->pairs_cap;
    while ((a->pairs_n + more) * 4 > cap * 3)
        cap *= 2;
    if (cap == a->pairs_cap)
        return SM_OK;
    size_t old = a->pairs_cap;
    /* probed before written, in random order: pages written now */
    struct sm_acc_pair *o = a->pairs, *nw = sm_calloc_touched(cap, sizeof *nw);
    if (!nw)
        return sm_error_nomem(e, "distinct values");
    a->pairs = nw;
    a->pairs_cap = cap;
    for (size_t i = 0; i < old; i++) {
        /* the new slots are random writes: load them some pairs ahead */
        if (i + 16 < old && o[i + 16].used)
            __builtin_prefetch(&nw[pair_slot(a, o[i + 16].g, o[i + 16].v)], 1);
        if (!o[i].used)
            continue;
        size_t h = pair_slot(a, o[i].g, o[i].v);
        while (nw[h].used)
            h = (h + 1) & (cap - 1);
        nw[h] = o[i];
    }
    sm_free(o);
    a->var_bytes += (cap - old) * sizeof *nw;
    return SM_OK;
}

/* Adds (g, v) to the pair set, which has room for it; *fresh says whether
 * it was absent. */
static void pairs_put(sm_acc_t *a, uint32_t g, int64_t v, bool *fresh)
{
    size_t h = pair_slot(a, g, v);
    for (;; h = (h + 1) & (a->pairs_cap - 1)) {
        struct sm_acc_pair *p = &a->pairs[h];
        if (!p->used) {
            *p = (struct sm_acc_pair){.v = v, .g = g, .used = 1};
            a->pairs_n++;
            *fresh = true;
            return;
        }
        if (p->v == v && p->g == g) {
            *fresh = false;
            return;
        }
    }
}

/* Gives up the dense array: its pairs move to the pair set. */
static sm_err_t dense_drop(sm_acc_t *a, sm_error_t *e)
{
    sm_err_t rc = pairs_reserve(a, a->dense_n, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < a->dense_cap; i++)
        if (a->dense[i]) {
            bool fresh;
            pairs_put(a, a->dense[i] - 1, (int64_t)((uint64_t)a->dense_lo + i), &fresh);
        }
    sm_free(a->dense);
    a->var_bytes -= a->dense_cap * sizeof *a->dense;
    a->dense = NULL;
    a->dense_cap = a->dense_n = 0;
    a->dense_off = true;
    return SM_OK;
}

/* Makes the dense array cover v: grown (at least doubled) when that keeps
 * it within its limits; *ok is false when it would not. */
static sm_err_t dense_cover(sm_acc_t *a, int64_t v, bool *ok, sm_error_t *e)
{
    *ok = false;
    uint64_t limit = DENSE_PER * ((uint64_t)a->dense_n + 1);
    if (limit < DENSE_FREE)
        limit = DENSE_FREE;
    if (limit > DENSE_MAX)
        limit = DENSE_MAX;
    if (!a->dense) {
        uint32_t *d = sm_calloc(1024, sizeof *d);
        if (!d)
            return sm_error_nomem(e, "distinct values");
        a->dense = d;
        a->dense_cap = 1024;
        /* room on both sides of the first value, as far as int64 allows */
        uint64_t below = (uint64_t)v - (uint64_t)INT64_MIN;
        a->dense_lo = (int64_t)((uint64_t)v - (below < 512 ? below : 512));
        uint64_t room = (uint64_t)INT64_MAX - (uint64_t)a->dense_lo + 1;
        if (room && room < a->dense_cap)
            a->dense_cap = (size_t)room;
        a->var_bytes += 1024 * sizeof *d;
        *ok = true;
        return SM_OK;
    }
    uint64_t lo = (uint64_t)a->dense_lo, cap = a->dense_cap;
    bool down = v < a->dense_lo;
    /* the span the array must cover: old values and v */
    uint64_t need = down ? lo + cap - (uint64_t)v : (uint64_t)v - lo + 1;
    if (need > limit || need == 0)
        return SM_OK;
    uint64_t ncap = 2 * cap > need ? 2 * cap : need;
    if (ncap > limit)
        ncap = limit;
    /* keep within int64: downwards no lower than INT64_MIN, upwards no
     * higher than INT64_MAX */
    if (down) {
        uint64_t below = (uint64_t)v - (uint64_t)INT64_MIN, extra = ncap - need;
        ncap = need + (extra < below ? extra : below);
    } else {
        uint64_t room = (uint64_t)INT64_MAX - lo + 1;
        if (room && ncap > room)
            ncap = room;
    }
    /* Upwards (values arriving in ascending order, the common case) the
     * array is reallocated in place where it can be (a large block is
     * remapped, not copied) and only the new part zeroed; downwards the old
     * values move up in the same block. */
    uint32_t *d = sm_realloc(a->dense, (size_t)ncap * sizeof *d);
    if (!d)
        return sm_error_nomem(e, "distinct values");
    if (down) {
        size_t at = (size_t)(ncap - cap);
        memmove(d + at, d, cap * sizeof *d);
        memset(d, 0, at * sizeof *d);
    } else {
        memset(d + cap, 0, (size_t)(ncap - cap) * sizeof *d);
    }
    a->dense = d;
    a->var_bytes += (ncap - cap) * sizeof *d;
    a->dense_cap = (size_t)ncap;
    if (down)
        a->dense_lo = (int64_t)(lo + cap - ncap);
    *ok = true;
    return SM_OK;
}

/* Adds (g, v) to the DISTINCT state; *fresh says whether it was absent.
 * While the values stay in a compact range, dense[v - dense_lo] holds
 * 1 + the first group seen with v, and only pairs of v with other groups
 * go to the pair set. */
static sm_err_t pair_add(sm_acc_t *a, uint32_t g, int64_t v, bool *fresh, sm_error_t *e)
{
    sm_err_t rc;
    if (!a->dense_off && g != UINT32_MAX) {
        bool ok = true;
        if ((!a->dense || v < a->dense_lo || (uint64_t)v - (uint64_t)a->dense_lo >= a->dense_cap) &&
            (rc = dense_cover(a, v, &ok, e)))
            return rc;
        if (ok) {
            uint32_t *d = &a->dense[(uint64_t)v - (uint64_t)a->dense_lo];
            if (!*d) {
                *d = g + 1;
                a->dense_n++;
                *fresh = true;
                return SM_OK;
            }
            if (*d == g + 1) {
                *fresh = false;
                return SM_OK;
            }
        } else if ((rc = dense_drop(a, e))) {
            return rc;
        }
    }
    if ((rc = pairs_reserve(a, 1, e)))
        return rc;
    pairs_put(a, g, v, fresh);
    return SM_OK;
}

/* The hash of a DISTINCT key of the `seen` table: the group's 4 bytes and
 * the value's bytes, hashed as the value's bytes under a seed of the group
 * (so that a string's key hashes without being copied first). */
static uint64_t seen_hash_of(uint32_t g, const void *p, size_t n, uint64_t seed)
{
    return sm_hash_bytes(n ? p : "", n, seed + g * UINT64_C(0x9e3779b97f4a7c15));
}

static uint64_t seen_hash(const void *key, size_t n, uint64_t seed)
{
    uint32_t g;
    memcpy(&g, key, 4);
    return seen_hash_of(g, (const uint8_t *)key + 4, n - 4, seed);
}

sm_err_t sm_acc_init(sm_acc_t *a, const sm_agg_spec_t *spec, const sm_type_t *in_type, bool ansi,
                     sm_error_t *e)
{
    memset(a, 0, sizeof *a);
    a->spec = *spec;
    a->spec.name = NULL;
    a->ansi = ansi;
    sm_err_t rc = sm_agg_result_type(spec->kind, spec->kind == SM_AGG_COUNT_STAR ? NULL : in_type,
                                     &a->out_type, e);
    if (rc)
        return rc;
    a->in_type = in_type ? sm_type_ref((sm_type_t *)in_type) : NULL;
    sm_type_kind_t ik = in_type ? in_type->kind : SM_TYPE_NULL;
    switch (spec->kind) {
    case SM_AGG_SUM:
    case SM_AGG_AVG:
        a->w = ik == SM_TYPE_DECIMAL ? 16 : 8;
        break;
    case SM_AGG_MIN:
    case SM_AGG_MAX:
    case SM_AGG_FIRST:
    case SM_AGG_LAST:
        if (!is_var_kind(ik))
            a->w = ik == SM_TYPE_BOOL ? 1 : (size_t)sm_type_byte_width(ik);
        break;
    default:
        break;
    }
    if (spec->distinct && spec->kind != SM_AGG_COUNT_STAR && pair_kind(ik)) {
        a->pairs_cap = 1024;
        if (!(a->pairs = sm_calloc(a->pairs_cap, sizeof *a->pairs))) {
            sm_acc_free(a);
            return sm_error_nomem(e, "distinct values");
        }
        a->var_bytes += a->pairs_cap * sizeof *a->pairs;
    } else if (spec->distinct && spec->kind != SM_AGG_COUNT_STAR) {
        sm_ht_opts_t o = {.hash = seen_hash};
        if ((rc = sm_ht_new(&a->seen, &o, e))) {
            sm_acc_free(a);
            return rc;
        }
    }
    return SM_OK;
}

static bool uses_vb(const sm_acc_t *a)
{
    sm_agg_kind_t k = a->spec.kind;
    if (k == SM_AGG_PERCENTILE_APPROX || k == SM_AGG_COLLECT_LIST)
        return true;
    return (k == SM_AGG_MIN || k == SM_AGG_MAX || k == SM_AGG_FIRST || k == SM_AGG_LAST) &&
           a->in_type && is_var_kind(a->in_type->kind);
}

void sm_acc_free(sm_acc_t *a)
{
    if (a->vb)
        for (size_t g = 0; g < a->ngroups; g++)
            sm_buf_free(&a->vb[g]);
    sm_free(a->vb);
    sm_free(a->n);
    sm_free(a->val);
    sm_free(a->mean);
    sm_free(a->m2);
    sm_free(a->ovf);
    sm_ht_free(a->seen);
    sm_free(a->pairs);
    sm_free(a->dense);
    sm_free(a->hs);
    sm_buf_free(&a->scratch);
    sm_type_free(a->in_type);
    sm_type_free(a->out_type);
    memset(a, 0, sizeof *a);
}

size_t sm_acc_group_bytes(const sm_acc_t *a)
{
    size_t s = 8 + 1 + a->w;
    if (is_welford(a->spec.kind))
        s += 16;
    if (uses_vb(a))
        s += sizeof(sm_buf_t);
    return s;
}

static sm_err_t grow_arr(void **p, size_t old, size_t cap, size_t w, sm_error_t *e)
{
    if (!w)
        return SM_OK;
    void *q = sm_realloc(*p, cap * w);
    if (!q)
        return sm_error_nomem(e, "aggregate states");
    memset((uint8_t *)q + old * w, 0, (cap - old) * w);
    *p = q;
    return SM_OK;
}

sm_err_t sm_acc_grow(sm_acc_t *a, size_t ngroups, sm_error_t *e)
{
    if (ngroups <= a->ngroups)
        return SM_OK;
    if (ngroups > a->cap) {
        size_t cap = a->cap ? a->cap : 16;
        while (cap < ngroups)
            cap *= 2;
        sm_err_t rc;
        bool wf = is_welford(a->spec.kind);
        if ((rc = grow_arr((void **)&a->n, a->cap, cap, 8, e)) ||
            (rc = grow_arr((void **)&a->ovf, a->cap, cap, 1, e)) ||
            (rc = grow_arr((void **)&a->val, a->cap, cap, a->w, e)) ||
            (rc = grow_arr((void **)&a->mean, a->cap, cap, wf ? 8 : 0, e)) ||
            (rc = grow_arr((void **)&a->m2, a->cap, cap, wf ? 8 : 0, e)) ||
            (rc = grow_arr((void **)&a->vb, a->cap, cap, uses_vb(a) ? sizeof(sm_buf_t) : 0, e)))
            return rc;
        a->cap = cap;
    }
    a->ngroups = ngroups;
    return SM_OK;
}

void sm_acc_reset(sm_acc_t *a, size_t g)
{
    a->n[g] = 0;
    a->ovf[g] = 0;
    if (a->w)
        memset(a->val + g * a->w, 0, a->w);
    if (a->mean)
        a->mean[g] = a->m2[g] = 0;
    if (a->vb)
        sm_buf_reset(&a->vb[g]);
}

/* ---- comparisons ------------------------------------------------------------------ */

static int cmp_dbl(double x, double y)
{
    bool nx = x != x, ny = y != y;
    if (nx || ny)
        return nx - ny;
    return x < y ? -1 : x > y;
}

int sm_acc_cmp_fixed(sm_type_kind_t kind, const void *x, const void *y)
{
    switch (kind) {
    case SM_TYPE_BOOL:
    case SM_TYPE_INT8: {
        int8_t a, b;
        memcpy(&a, x, 1);
        memcpy(&b, y, 1);
        return a < b ? -1 : a > b;
    }
    case SM_TYPE_INT16: {
        int16_t a, b;
        memcpy(&a, x, 2);
        memcpy(&b, y, 2);
        return a < b ? -1 : a > b;
    }
    case SM_TYPE_INT32:
    case SM_TYPE_DATE: {
        int32_t a, b;
        memcpy(&a, x, 4);
        memcpy(&b, y, 4);
        return a < b ? -1 : a > b;
    }
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        int64_t a, b;
        memcpy(&a, x, 8);
        memcpy(&b, y, 8);
        return a < b ? -1 : a > b;
    }
    case SM_TYPE_FLOAT32: {
        float a, b;
        memcpy(&a, x, 4);
        memcpy(&b, y, 4);
        return cmp_dbl(a, b);
    }
    case SM_TYPE_FLOAT64: {
        double a, b;
        memcpy(&a, x, 8);
        memcpy(&b, y, 8);
        return cmp_dbl(a, b);
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 a, b;
        memcpy(&a, x, 16);
        memcpy(&b, y, 16);
        return a < b ? -1 : a > b;
    }
    default:
        return 0;
    }
}

/* ---- update ------------------------------------------------------------------------ */

static double as_double(const sm_vector_t *v, size_t i)
{
    switch (v->type->kind) {
    case SM_TYPE_INT8:
        return sm_vector_get_i8(v, i);
    case SM_TYPE_INT16:
        return sm_vector_get_i16(v, i);
    case SM_TYPE_INT32:
        return sm_vector_get_i32(v, i);
    case SM_TYPE_INT64:
        return (double)sm_vector_get_i64(v, i);
    case SM_TYPE_FLOAT32:
        return sm_vector_get_f32(v, i);
    case SM_TYPE_FLOAT64:
        return sm_vector_get_f64(v, i);
    case SM_TYPE_DECIMAL:
        return (double)sm_vector_get_i128(v, i) / pow(10.0, v->type->scale);
    default:
        return 0;
    }
}

static int64_t as_i64(const sm_vector_t *v, size_t i)
{
    switch (v->type->kind) {
    case SM_TYPE_INT8:
        return sm_vector_get_i8(v, i);
    case SM_TYPE_INT16:
        return sm_vector_get_i16(v, i);
    case SM_TYPE_INT32:
        return sm_vector_get_i32(v, i);
    default:
        return sm_vector_get_i64(v, i);
    }
}

/* Raw value bytes of a valid fixed-width row (BOOL as one byte). */
static const void *raw(const sm_vector_t *v, size_t i, uint8_t *tmp)
{
    if (v->type->kind == SM_TYPE_BOOL) {
        tmp[0] = sm_vector_get_bool(v, i);
        return tmp;
    }
    return v->values + (v->offset + i) * v->width;
}

static sm_err_t overflow(sm_acc_t *a, sm_error_t *e)
{
    char tn[64];
    return sm_error_set(e, SM_ERR_OVERFLOW, "%s overflows %s (ANSI mode)", kind_name(a->spec.kind),
                        sm_type_name(a->out_type, tn, sizeof tn));
}

/* Whether row i should be skipped as a repeat (DISTINCT). */
static sm_err_t distinct_new(sm_acc_t *a, uint32_t g, const sm_vector_t *v, size_t i,
                             const uint64_t *hash, bool *fresh, sm_error_t *e)
{
    if (a->pairs) {
        int64_t x;
        switch (v->width) {
        case 1:
            x = sm_vector_get_i8(v, i);
            break;
        case 2:
            x = sm_vector_get_i16(v, i);
            break;
        case 4:
            x = sm_vector_get_i32(v, i);
            break;
        default:
            x = sm_vector_get_i64(v, i);
            break;
        }
        return pair_add(a, g, x, fresh, e);
    }
    sm_buf_reset(&a->scratch);
    sm_err_t rc = sm_buf_append(&a->scratch, &g, 4, e);
    /* the group's 4 bytes, then the value: a string's own bytes (equal
     * bytes, equal value), other kinds' key encoding (-0.0 == 0.0) */
    if (!rc && (v->type->kind == SM_TYPE_STRING || v->type->kind == SM_TYPE_BINARY)) {
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(v, i, &n);
        rc = sm_buf_append(&a->scratch, p, n, e);
    } else if (!rc) {
        rc = sm_key_put(&a->scratch, v, i, false, true, e);
    }
    uint64_t *slot;
    if (!rc && hash)
        rc = sm_ht_insert_hashed(a->seen, a->scratch.data, a->scratch.len, *hash, &slot, fresh, e);
    else if (!rc)
        rc = sm_ht_insert(a->seen, a->scratch.data, a->scratch.len, &slot, fresh, e);
    if (!rc && *fresh)
        a->var_bytes += a->scratch.len + 16;
    return rc;
}

static sm_err_t vb_put(sm_acc_t *a, sm_buf_t *b, const void *p, size_t n, sm_error_t *e)
{
    size_t before = b->cap;
    sm_err_t rc = sm_buf_append(b, p, n, e);
    if (b->cap > before)
        a->var_bytes += b->cap - before;
    return rc;
}

/* Feeds row i of v to group g; hash (may be NULL) is the row's hash in
 * `seen` when the caller computed it. */
static sm_err_t update_row(sm_acc_t *a, const sm_vector_t *v, size_t i, uint32_t g,
                           const uint64_t *hash, sm_error_t *e)
{
    sm_agg_kind_t k = a->spec.kind;
    bool isnull = !v || v->type->kind == SM_TYPE_NULL || sm_vector_is_null(v, i);
    sm_err_t rc;
    uint8_t tmp[16];
    if (k == SM_AGG_COUNT_STAR) {
        a->n[g]++;
        return SM_OK;
    }
    if (isnull && !((k == SM_AGG_FIRST || k == SM_AGG_LAST) && !a->spec.ignore_nulls))
        return SM_OK;
    if ((a->seen || a->pairs) && !isnull) {
        bool fresh;
        if ((rc = distinct_new(a, g, v, i, hash, &fresh, e)))
            return rc;
        if (!fresh)
            return SM_OK;
    }
    sm_type_kind_t ik = v->type->kind;
    switch (k) {
    case SM_AGG_COUNT:
        a->n[g]++;
        return SM_OK;
    case SM_AGG_SUM:
    case SM_AGG_AVG:
        a->n[g]++;
        if (ik == SM_TYPE_DECIMAL) {
            sm_i128 s, x = sm_vector_get_i128(v, i);
            memcpy(&s, a->val + 16 * g, 16);
            sm_i128 lim = sm_pow10_i128(38);
            if (a->ovf[g] || __builtin_add_overflow(s, x, &s) || s >= lim || s <= -lim) {
                if (a->ansi)
                    return overflow(a, e);
                a->ovf[g] = 1;
                return SM_OK;
            }
            memcpy(a->val + 16 * g, &s, 16);
        } else if (k == SM_AGG_SUM && sm_type_is_integer(ik)) {
            int64_t s, x = as_i64(v, i);
            memcpy(&s, a->val + 8 * g, 8);
            if (__builtin_add_overflow(s, x, &s)) {
                if (a->ansi)
                    return overflow(a, e);
                s = (int64_t)((uint64_t)s);
            }
            memcpy(a->val + 8 * g, &s, 8);
        } else {
            double s;
            memcpy(&s, a->val + 8 * g, 8);
            s += as_double(v, i);
            memcpy(a->val + 8 * g, &s, 8);
        }
        return SM_OK;
    case SM_AGG_MIN:
    case SM_AGG_MAX: {
        int sign = k == SM_AGG_MIN ? -1 : 1;
        if (a->w) {
            const void *x = raw(v, i, tmp);
            if (!a->n[g] || sm_acc_cmp_fixed(ik, x, a->val + a->w * g) * sign > 0)
                memcpy(a->val + a->w * g, x, a->w);
            a->n[g] = 1;
            return SM_OK;
        }
        sm_buf_reset(&a->scratch);
        if ((rc = sm_key_put(&a->scratch, v, i, false, true, e)))
            return rc;
        /* vb[g] = [u32 key length][key encoding][raw bytes] of the best
         * value so far. */
        sm_buf_t *b = &a->vb[g];
        uint32_t kl = 0;
        if (a->n[g])
            memcpy(&kl, b->data, 4);
        if (!a->n[g] || sm_key_cmp(a->scratch.data, a->scratch.len, b->data + 4, kl) * sign > 0) {
            size_t n;
            const uint8_t *p = sm_vector_get_bytes(v, i, &n);
            uint32_t kl32 = (uint32_t)a->scratch.len;
            sm_buf_reset(b);
            if ((rc = vb_put(a, b, &kl32, 4, e)) ||
                (rc = vb_put(a, b, a->scratch.data, a->scratch.len, e)) ||
                (rc = vb_put(a, b, p, n, e)))
                return rc;
        }
        a->n[g] = 1;
        return SM_OK;
    }
    case SM_AGG_FIRST:
    case SM_AGG_LAST:
        if (k == SM_AGG_FIRST && a->n[g])
            return SM_OK;
        a->n[g] = isnull ? 2 : 1;
        if (isnull)
            return SM_OK;
        if (a->w) {
            memcpy(a->val + a->w * g, raw(v, i, tmp), a->w);
            return SM_OK;
        }
        if (ik == SM_TYPE_STRING || ik == SM_TYPE_BINARY) {
            size_t n;
            const uint8_t *p = sm_vector_get_bytes(v, i, &n);
            sm_buf_reset(&a->vb[g]);
            return vb_put(a, &a->vb[g], p, n, e);
        }
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "first/last of nested values");
    case SM_AGG_STDDEV_SAMP:
    case SM_AGG_STDDEV_POP:
    case SM_AGG_VAR_SAMP:
    case SM_AGG_VAR_POP: {
        double x = as_double(v, i);
        a->n[g]++;
        double d = x - a->mean[g];
        a->mean[g] += d / (double)a->n[g];
        a->m2[g] += d * (x - a->mean[g]);
        return SM_OK;
    }
    case SM_AGG_PERCENTILE_APPROX:
        a->n[g]++;
        return vb_put(a, &a->vb[g], raw(v, i, tmp), (size_t)v->width, e);
    case SM_AGG_COLLECT_LIST: {
        a->n[g]++;
        if (ik == SM_TYPE_STRING || ik == SM_TYPE_BINARY) {
            size_t n;
            const uint8_t *p = sm_vector_get_bytes(v, i, &n);
            uint32_t n32 = (uint32_t)n;
            if ((rc = vb_put(a, &a->vb[g], &n32, 4, e)))
                return rc;
            return vb_put(a, &a->vb[g], p, n, e);
        }
        return vb_put(a, &a->vb[g], raw(v, i, tmp), ik == SM_TYPE_BOOL ? 1 : v->width, e);
    }
    default:
        return sm_error_set(e, SM_ERR_INTERNAL, "unknown aggregate %d", (int)k);
    }
}

/* Whether rows x and y of v (both non-NULL, not nested, not bool) hold
 * identical bytes. */
static bool same_value(const sm_vector_t *v, size_t x, size_t y)
{
    if (v->type->kind == SM_TYPE_STRING || v->type->kind == SM_TYPE_BINARY) {
        size_t nx, ny;
        const uint8_t *px = sm_vector_get_bytes(v, x, &nx), *py = sm_vector_get_bytes(v, y, &ny);
        return nx == ny && memcmp(px, py, nx) == 0;
    }
    size_t w = v->width;
    return memcmp(v->values + (v->offset + x) * w, v->values + (v->offset + y) * w, w) == 0;
}

/* Groups are updated in random order and their states (many groups: more
 * than the caches hold) are loaded this many rows ahead. */
#define GROUP_AHEAD 16

/* Starts loading the state of the group of row j + GROUP_AHEAD (its count
 * and, when it has one, its fixed-width value), for writing. */
static inline void group_prefetch(const sm_acc_t *a, const uint32_t *gids, size_t j, size_t n)
{
    if (j + GROUP_AHEAD < n) {
        uint32_t g = gids[j + GROUP_AHEAD];
        __builtin_prefetch(&a->n[g], 1);
        if (a->w)
            __builtin_prefetch(a->val + (size_t)g * a->w, 1);
    }
}

/* Kinds whose min/max takes the integer fast path (values compare as
 * signed integers of width 4 or 8). */
static bool minmax_int_kind(sm_type_kind_t k)
{
    return k == SM_TYPE_INT32 || k == SM_TYPE_DATE || k == SM_TYPE_INT64 ||
           k == SM_TYPE_TIMESTAMP || k == SM_TYPE_TIMESTAMP_TZ;
}

/* min/max of a 4- or 8-byte integer column without FILTER or DISTINCT:
 * what update_row does, without its per-row dispatch. */
#define MINMAX_FAST(name, T)                                                                       \
    static void name(sm_acc_t *a, const sm_vector_t *v, const uint32_t *rows,                      \
                     const uint32_t *gids, size_t n, bool max)                                     \
    {                                                                                              \
        const T *x = (const T *)(const void *)v->values + v->offset;                               \
        T *s = (T *)(void *)a->val;                                                                \
        for (size_t j = 0; j < n; j++) {                                                           \
            size_t r = rows[j];                                                                    \
            uint32_t g = gids[j];                                                                  \
            group_prefetch(a, gids, j, n);                                                         \
            if (v->null_count && sm_vector_is_null(v, r))                                          \
                continue;                                                                          \
            T y = x[r];                                                                            \
            if (!a->n[g] || (max ? y > s[g] : y < s[g]))                                           \
                s[g] = y;                                                                          \
            a->n[g] = 1;                                                                           \
        }                                                                                          \
    }
MINMAX_FAST(minmax_i32, int32_t)
MINMAX_FAST(minmax_i64, int64_t)
#undef MINMAX_FAST

sm_err_t sm_acc_update(sm_acc_t *a, const sm_batch_t *b, const uint32_t *rows, const uint32_t *gids,
                       size_t n, sm_error_t *e)
{
    const sm_vector_t *v = a->spec.arg >= 0 ? b->cols[a->spec.arg] : NULL;
    const sm_vector_t *m = a->spec.filter >= 0 ? b->cols[a->spec.filter] : NULL;
    sm_agg_kind_t k = a->spec.kind;
    /* Fast paths: the common shapes without filter or distinct. */
    if (!m && !a->seen && !a->pairs) {
        if (k == SM_AGG_COUNT_STAR) {
            for (size_t j = 0; j < n; j++) {
                group_prefetch(a, gids, j, n);
                a->n[gids[j]]++;
            }
            return SM_OK;
        }
        if ((k == SM_AGG_SUM || k == SM_AGG_AVG) && v->type->kind == SM_TYPE_FLOAT64) {
            const double *x = (const double *)(const void *)v->values + v->offset;
            double *s = (double *)(void *)a->val;
            if (!v->null_count) {
                for (size_t j = 0; j < n; j++) {
                    group_prefetch(a, gids, j, n);
                    s[gids[j]] += x[rows[j]];
                    a->n[gids[j]]++;
                }
                return SM_OK;
            }
        }
        if (k == SM_AGG_SUM && v->type->kind == SM_TYPE_INT64 && !v->null_count) {
            const int64_t *x = (const int64_t *)(const void *)v->values + v->offset;
            int64_t *s = (int64_t *)(void *)a->val;
            for (size_t j = 0; j < n; j++) {
                int64_t r;
                group_prefetch(a, gids, j, n);
                if (__builtin_add_overflow(s[gids[j]], x[rows[j]], &r)) {
                    if (a->ansi)
                        return overflow(a, e);
                }
                s[gids[j]] = r;
                a->n[gids[j]]++;
            }
            return SM_OK;
        }
        if (k == SM_AGG_COUNT && !v->null_count && v->type->kind != SM_TYPE_NULL) {
            for (size_t j = 0; j < n; j++) {
                group_prefetch(a, gids, j, n);
                a->n[gids[j]]++;
            }
            return SM_OK;
        }
        if ((k == SM_AGG_MIN || k == SM_AGG_MAX) && minmax_int_kind(v->type->kind)) {
            if (v->width == 4)
                minmax_i32(a, v, rows, gids, n, k == SM_AGG_MAX);
            else
                minmax_i64(a, v, rows, gids, n, k == SM_AGG_MAX);
            return SM_OK;
        }
    }
    /* count(DISTINCT x) of a 4- or 8-byte integer kind without FILTER:
     * what the loop below does, without its per-row dispatch. */
    if (!m && a->pairs && k == SM_AGG_COUNT && (v->width == 4 || v->width == 8)) {
        bool have = false;
        uint32_t lg = 0;
        int64_t lx = 0;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            group_prefetch(a, gids, j, n);
            if (v->null_count && sm_vector_is_null(v, r))
                continue;
            int64_t x = v->width == 4 ? sm_vector_get_i32(v, r) : sm_vector_get_i64(v, r);
            uint32_t g = gids[j];
            if (have && g == lg && x == lx)
                continue; /* the previous row's group and value again */
            have = true;
            lg = g;
            lx = x;
            bool fresh;
            sm_err_t rc = pair_add(a, g, x, &fresh, e);
            if (rc)
                return rc;
            a->n[g] += fresh;
        }
        return SM_OK;
    }
    /* DISTINCT: a row repeating the previous fed row's group and value
     * (identical bytes) is a repeat without a lookup. */
    bool distinct = (a->seen || a->pairs) && v && v->type->kind != SM_TYPE_NULL &&
                    !sm_type_is_nested(v->type->kind) && v->type->kind != SM_TYPE_BOOL;
    /* DISTINCT strings: every row's hash first, so that the table's slots
     * and keys can be loaded some rows ahead. */
    bool strh =
        distinct && a->seen && (v->type->kind == SM_TYPE_STRING || v->type->kind == SM_TYPE_BINARY);
    if (strh && n > a->hs_cap) {
        uint64_t *h = sm_realloc(a->hs, n * sizeof *h);
        if (!h)
            return sm_error_nomem(e, "distinct hashes");
        a->hs = h;
        a->hs_cap = n;
    }
    for (size_t j = 0; strh && j < n; j++) {
        size_t kn;
        const uint8_t *p = sm_vector_get_bytes(v, rows[j], &kn);
        a->hs[j] = seen_hash_of(gids[j], p, kn, 0);
    }
    size_t last = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        size_t r = rows[j];
        if (m &&
            (sm_vector_is_null(m, r) || m->type->kind != SM_TYPE_BOOL || !sm_vector_get_bool(m, r)))
            continue;
        if (a->pairs && a->dense_off && j + 16 < n) {
            size_t r2 = rows[j + 16];
            int64_t x2 = v->width == 4   ? sm_vector_get_i32(v, r2)
                         : v->width == 8 ? sm_vector_get_i64(v, r2)
                                         : 0;
            __builtin_prefetch(&a->pairs[pair_slot(a, gids[j + 16], x2)]);
        }
        if (distinct && !sm_vector_is_null(v, r)) {
            if (last != SIZE_MAX && gids[j] == gids[last] && same_value(v, rows[last], r))
                continue;
            last = j;
        }
        if (strh && j + 16 < n)
            sm_ht_prefetch(a->seen, a->hs[j + 16]);
        if (strh && j + 8 < n)
            sm_ht_prefetch_key(a->seen, a->hs[j + 8]);
        sm_err_t rc = update_row(a, v, r, gids[j], strh ? &a->hs[j] : NULL, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* ---- finish ------------------------------------------------------------------------ */

static int qcmp(const void *x, const void *y, void *kind)
{
    return sm_acc_cmp_fixed(*(sm_type_kind_t *)kind, x, y);
}

static sm_err_t append_raw(sm_vector_t *out, sm_type_kind_t kind, const uint8_t *p, sm_error_t *e)
{
    switch (kind) {
    case SM_TYPE_BOOL:
        return sm_vector_append_bool(out, p[0] != 0, e);
    default: {
        sm_err_t rc = sm_vector_reserve(out, 1, e);
        if (rc)
            return rc;
        memcpy(out->values + out->len * out->width, p, out->width);
        if (out->validity)
            sm_bit_set(out->validity, out->len);
        out->len++;
        return SM_OK;
    }
    }
}

/* Decimal avg: sum / n scaled up by 10^ds, rounded half away from zero. */
static bool dec_avg(sm_i128 sum, int64_t n, int ds, int prec, sm_i128 *out)
{
    sm_i128 q = sum / n, r = sum % n, p10 = sm_pow10_i128(ds), res;
    if (__builtin_mul_overflow(q, p10, &res))
        return false;
    sm_i128 rr = r * p10; /* |r| < n < 2^63, p10 <= 10^38: may overflow for huge ds */
    if (ds > 18 && r != 0) {
        /* long division digit by digit keeps within range */
        sm_i128 frac = 0, rem = r < 0 ? -r : r;
        for (int d = 0; d < ds; d++) {
            rem *= 10;
            frac = frac * 10 + rem / n;
            rem %= n;
        }
        if (rem * 2 >= n)
            frac++;
        res += r < 0 ? -frac : frac;
    } else {
        sm_i128 f = rr / n, fr = rr % n;
        if (fr < 0)
            fr = -fr;
        if (fr * 2 >= n)
            f += rr < 0 ? -1 : 1;
        res += f;
    }
    if (!sm_decimal_fits(res, prec))
        return false;
    *out = res;
    return true;
}

static sm_err_t finish_one(sm_acc_t *a, size_t g, sm_vector_t *out, sm_error_t *e)
{
    sm_agg_kind_t k = a->spec.kind;
    int64_t n = a->n[g];
    sm_type_kind_t ik = a->in_type ? a->in_type->kind : SM_TYPE_NULL;
    sm_err_t rc;
    switch (k) {
    case SM_AGG_COUNT_STAR:
    case SM_AGG_COUNT:
        return sm_vector_append_i64(out, n, e);
    case SM_AGG_SUM:
        if (!n || a->ovf[g])
            return sm_vector_append_null(out, e);
        if (ik == SM_TYPE_DECIMAL) {
            sm_i128 s;
            memcpy(&s, a->val + 16 * g, 16);
            if (!sm_decimal_fits(s, a->out_type->precision)) {
                if (a->ansi)
                    return overflow(a, e);
                return sm_vector_append_null(out, e);
            }
            return sm_vector_append_i128(out, s, e);
        }
        if (sm_type_is_integer(ik)) {
            int64_t s;
            memcpy(&s, a->val + 8 * g, 8);
            return sm_vector_append_i64(out, s, e);
        } else {
            double s;
            memcpy(&s, a->val + 8 * g, 8);
            return sm_vector_append_f64(out, s, e);
        }
    case SM_AGG_AVG:
        if (!n || a->ovf[g])
            return sm_vector_append_null(out, e);
        if (ik == SM_TYPE_DECIMAL) {
            sm_i128 s, r;
            memcpy(&s, a->val + 16 * g, 16);
            if (!dec_avg(s, n, a->out_type->scale - a->in_type->scale, a->out_type->precision,
                         &r)) {
                if (a->ansi)
                    return overflow(a, e);
                return sm_vector_append_null(out, e);
            }
            return sm_vector_append_i128(out, r, e);
        } else {
            double s;
            memcpy(&s, a->val + 8 * g, 8);
            return sm_vector_append_f64(out, s / (double)n, e);
        }
    case SM_AGG_MIN:
    case SM_AGG_MAX:
        if (!n)
            return sm_vector_append_null(out, e);
        if (a->w)
            return append_raw(out, ik, a->val + a->w * g, e);
        if (ik == SM_TYPE_STRING || ik == SM_TYPE_BINARY) {
            sm_buf_t *b = &a->vb[g];
            uint32_t kl;
            memcpy(&kl, b->data, 4);
            return sm_vector_append_bytes(out, b->data + 4 + kl, b->len - 4 - kl, e);
        }
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "min/max of nested values");
    case SM_AGG_FIRST:
    case SM_AGG_LAST:
        if (n != 1)
            return sm_vector_append_null(out, e);
        if (a->w)
            return append_raw(out, ik, a->val + a->w * g, e);
        return sm_vector_append_bytes(out, a->vb[g].data, a->vb[g].len, e);
    case SM_AGG_STDDEV_SAMP:
    case SM_AGG_VAR_SAMP:
    case SM_AGG_STDDEV_POP:
    case SM_AGG_VAR_POP: {
        bool samp = k == SM_AGG_STDDEV_SAMP || k == SM_AGG_VAR_SAMP;
        if (n == 0 || (samp && n < 2))
            return sm_vector_append_null(out, e);
        double var = a->m2[g] / (double)(samp ? n - 1 : n);
        if (var < 0)
            var = 0;
        bool sd = k == SM_AGG_STDDEV_SAMP || k == SM_AGG_STDDEV_POP;
        return sm_vector_append_f64(out, sd ? sqrt(var) : var, e);
    }
    case SM_AGG_PERCENTILE_APPROX: {
        if (!n)
            return sm_vector_append_null(out, e);
        size_t w = (size_t)sm_type_byte_width(ik);
        qsort_r(a->vb[g].data, (size_t)n, w, qcmp, &ik);
        double p = a->spec.percentile;
        int64_t rank = (int64_t)ceil(p * (double)n);
        if (rank < 1)
            rank = 1;
        if (rank > n)
            rank = n;
        return append_raw(out, ik, a->vb[g].data + (size_t)(rank - 1) * w, e);
    }
    case SM_AGG_COLLECT_LIST: {
        sm_vector_t *el = out->children[0];
        const uint8_t *p = a->vb[g].data, *end = p + a->vb[g].len;
        while (p < end) {
            if (ik == SM_TYPE_STRING || ik == SM_TYPE_BINARY) {
                uint32_t len;
                memcpy(&len, p, 4);
                rc = sm_vector_append_bytes(el, p + 4, len, e);
                p += 4 + len;
            } else {
                rc = append_raw(el, ik, p, e);
                p += ik == SM_TYPE_BOOL ? 1 : el->width;
            }
            if (rc)
                return rc;
        }
        return sm_vector_append_list(out, e);
    }
    default:
        return sm_error_set(e, SM_ERR_INTERNAL, "unknown aggregate %d", (int)k);
    }
}

sm_err_t sm_acc_finish(sm_acc_t *a, size_t g0, size_t n, sm_vector_t *out, sm_error_t *e)
{
    sm_err_t rc = sm_vector_reserve(out, n, e);
    for (size_t g = g0; !rc && g < g0 + n; g++)
        rc = finish_one(a, g, out, e);
    return rc;
}
