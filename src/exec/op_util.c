/* exec/op_util — key encoding, row stores and gather (op_int.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "exec/op_int.h"

/* ---- keys ------------------------------------------------------------------ */

static void be64(uint8_t *p, uint64_t x)
{
    for (int k = 7; k >= 0; k--) {
        p[k] = (uint8_t)x;
        x >>= 8;
    }
}

static uint64_t dbl_bits(double d)
{
    if (d != d)
        return UINT64_MAX; /* NaN above everything */
    if (d == 0)
        d = 0.0; /* -0.0 == 0.0 */
    uint64_t u;
    memcpy(&u, &d, 8);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

/* Value bytes of a valid row (ascending). */
static sm_err_t put_value(sm_buf_t *b, const sm_vector_t *v, size_t i, sm_error_t *e)
{
    uint8_t tmp[16];
    sm_err_t rc;
    switch (v->type->kind) {
    case SM_TYPE_NULL:
        return SM_OK;
    case SM_TYPE_BOOL:
        return sm_buf_append_byte(b, sm_vector_get_bool(v, i), e);
    case SM_TYPE_INT8:
        be64(tmp, (uint64_t)(int64_t)sm_vector_get_i8(v, i) ^ (UINT64_C(1) << 63));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_INT16:
        be64(tmp, (uint64_t)(int64_t)sm_vector_get_i16(v, i) ^ (UINT64_C(1) << 63));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        be64(tmp, (uint64_t)(int64_t)sm_vector_get_i32(v, i) ^ (UINT64_C(1) << 63));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        be64(tmp, (uint64_t)sm_vector_get_i64(v, i) ^ (UINT64_C(1) << 63));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_FLOAT32:
        be64(tmp, dbl_bits((double)sm_vector_get_f32(v, i)));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_FLOAT64:
        be64(tmp, dbl_bits(sm_vector_get_f64(v, i)));
        return sm_buf_append(b, tmp, 8, e);
    case SM_TYPE_DECIMAL: {
        sm_u128 u = (sm_u128)sm_vector_get_i128(v, i) ^ ((sm_u128)1 << 127);
        be64(tmp, (uint64_t)(u >> 64));
        be64(tmp + 8, (uint64_t)u);
        return sm_buf_append(b, tmp, 16, e);
    }
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(v, i, &n);
        if ((rc = sm_buf_reserve(b, 2 * n + 2, e)))
            return rc;
        uint8_t *d = b->data + b->len;
        if (n && !memchr(p, 0, n)) { /* the common case: nothing to escape */
            memcpy(d, p, n);
            d += n;
        } else {
            for (size_t k = 0; k < n; k++) {
                *d++ = p[k];
                if (p[k] == 0)
                    *d++ = 0xff;
            }
        }
        *d++ = 0;
        *d++ = 0;
        b->len = (size_t)(d - b->data);
        return SM_OK;
    }
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; k < v->nchildren; k++)
            if ((rc = sm_key_put(b, v->children[k], i, false, true, e)))
                return rc;
        return SM_OK;
    case SM_TYPE_LIST: {
        size_t s, t;
        sm_vector_list_range(v, i, &s, &t);
        for (size_t k = s; k < t; k++) {
            if ((rc = sm_buf_append_byte(b, 1, e)) ||
                (rc = sm_key_put(b, v->children[0], k, false, true, e)))
                return rc;
        }
        return sm_buf_append_byte(b, 0, e);
    }
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "cannot compare values of type %s",
                            sm_type_kind_name(v->type->kind));
    }
}

sm_err_t sm_key_put(sm_buf_t *b, const sm_vector_t *v, size_t i, bool desc, bool nulls_first,
                    sm_error_t *e)
{
    if (v->type->kind == SM_TYPE_NULL || sm_vector_is_null(v, i))
        return sm_buf_append_byte(b, nulls_first ? 0 : 2, e);
    sm_err_t rc = sm_buf_append_byte(b, 1, e);
    if (rc)
        return rc;
    size_t at = b->len;
    if ((rc = put_value(b, v, i, e)))
        return rc;
    if (desc)
        for (size_t k = at; k < b->len; k++)
            b->data[k] = (uint8_t)~b->data[k];
    return SM_OK;
}

sm_err_t sm_keys_sort(const sm_batch_t *batch, const sm_sort_key_t *keys, size_t nkeys, sm_buf_t *b,
                      uint32_t *offs, sm_error_t *e)
{
    sm_buf_reset(b);
    for (size_t r = 0; r < batch->nrows; r++) {
        offs[r] = (uint32_t)b->len;
        for (size_t k = 0; k < nkeys; k++) {
            sm_err_t rc =
                sm_key_put(b, batch->cols[keys[k].col], r, keys[k].desc, keys[k].nulls_first, e);
            if (rc)
                return rc;
        }
        if (b->len > UINT32_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "sort keys of one batch exceed 4 GiB");
    }
    offs[batch->nrows] = (uint32_t)b->len;
    return SM_OK;
}

sm_err_t sm_keys_cols(const sm_batch_t *batch, const uint32_t *cols, size_t ncols, sm_buf_t *b,
                      uint32_t *offs, sm_error_t *e)
{
    sm_buf_reset(b);
    for (size_t r = 0; r < batch->nrows; r++) {
        offs[r] = (uint32_t)b->len;
        for (size_t k = 0; k < ncols; k++) {
            sm_err_t rc = sm_key_put(b, batch->cols[cols[k]], r, false, true, e);
            if (rc)
                return rc;
        }
        if (b->len > UINT32_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "keys of one batch exceed 4 GiB");
    }
    offs[batch->nrows] = (uint32_t)b->len;
    return SM_OK;
}

bool sm_keys_any_null(const sm_batch_t *batch, const uint32_t *cols, size_t ncols, size_t r)
{
    for (size_t k = 0; k < ncols; k++) {
        const sm_vector_t *v = batch->cols[cols[k]];
        if (v->type->kind == SM_TYPE_NULL || sm_vector_is_null(v, r))
            return true;
    }
    return false;
}

/* ---- row stores --------------------------------------------------------------- */

static size_t vec_bytes(const sm_vector_t *v)
{
    size_t n = v->len, s = sizeof *v;
    if (v->validity)
        s += (n + 7) / 8;
    if (v->width)
        s += n * v->width;
    else if (v->type->kind == SM_TYPE_BOOL)
        s += (n + 7) / 8;
    if (v->offsets) {
        s += (n + 1) * 4;
        if (n && (v->type->kind == SM_TYPE_STRING || v->type->kind == SM_TYPE_BINARY))
            s += (size_t)(v->offsets[v->offset + n] - v->offsets[v->offset]);
    }
    for (uint32_t k = 0; k < v->nchildren; k++)
        s += vec_bytes(v->children[k]);
    return s;
}

size_t sm_batch_bytes(const sm_batch_t *b)
{
    size_t s = sizeof *b;
    for (size_t c = 0; c < b->ncols; c++)
        s += vec_bytes(b->cols[c]);
    return s;
}

sm_err_t sm_rows_add(sm_rows_t *s, sm_batch_t *batch, sm_error_t *e)
{
    if (s->nb == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        sm_batch_t **p = sm_realloc(s->b, cap * sizeof *p);
        if (!p) {
            sm_batch_free(batch);
            return sm_error_nomem(e, "row store");
        }
        s->b = p;
        s->cap = cap;
    }
    if (s->nb >= UINT32_MAX) {
        sm_batch_free(batch);
        return sm_error_set(e, SM_ERR_LIMIT, "too many batches in one operator");
    }
    s->b[s->nb++] = batch;
    s->rows += batch->nrows;
    s->bytes += sm_batch_bytes(batch);
    return SM_OK;
}

void sm_rows_free(sm_rows_t *s)
{
    for (size_t i = 0; i < s->nb; i++)
        sm_batch_free(s->b[i]);
    sm_free(s->b);
    memset(s, 0, sizeof *s);
}

/* ---- gather ------------------------------------------------------------------- */

sm_err_t sm_vector_need_validity(sm_vector_t *v, sm_error_t *e)
{
    if (v->validity)
        return SM_OK;
    size_t n = (v->cap + 7) / 8;
    v->validity = sm_malloc(n ? n : 1);
    if (!v->validity)
        return sm_error_nomem(e, "vector validity");
    memset(v->validity, 0xff, n ? n : 1);
    return SM_OK;
}

sm_err_t sm_append_nulls(sm_vector_t *dst, size_t n, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (dst->type->kind == SM_TYPE_STRUCT || dst->type->kind == SM_TYPE_LIST ||
        dst->type->kind == SM_TYPE_MAP) {
        for (size_t k = 0; k < n && !rc; k++)
            rc = sm_vector_append_null(dst, e);
        return rc;
    }
    if (!n)
        return SM_OK;
    if ((rc = sm_vector_reserve(dst, n, e)) || (rc = sm_vector_need_validity(dst, e)))
        return rc;
    size_t d = dst->len;
    for (size_t k = 0; k < n; k++)
        sm_bit_clear(dst->validity, d + k);
    if (dst->width)
        memset(dst->values + d * dst->width, 0, n * dst->width);
    else if (dst->type->kind == SM_TYPE_BOOL)
        for (size_t k = 0; k < n; k++)
            sm_bit_clear(dst->values, d + k);
    if (dst->offsets)
        for (size_t k = 1; k <= n; k++)
            dst->offsets[d + k] = dst->offsets[d];
    dst->len += n;
    dst->null_count += n;
    return SM_OK;
}

/* One source row per output row: (vector, row) pairs. */
typedef struct src_row {
    const sm_vector_t *v;
    size_t i;
} src_row_t;

/* memcpy(d, s, n) for the short strings typical of columns, inline: two
 * overlapping fixed-size copies instead of a library call. */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n >= 16) {
        uint8_t a[16], b[16];
        memcpy(a, s, 16);
        memcpy(b, s + n - 16, 16);
        memcpy(d, a, 16);
        memcpy(d + n - 16, b, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* Rows a gather_rows call takes at most. */
#define GATHER_CHUNK 1024

/* Appends the rows src[0..n) (n <= GATHER_CHUNK) to dst. */
static sm_err_t gather_rows(sm_vector_t *dst, const src_row_t *src, size_t n, sm_error_t *e)
{
    sm_type_kind_t kind = dst->type->kind;
    sm_err_t rc;
    if (sm_type_is_nested(kind) || kind == SM_TYPE_NULL) {
        for (size_t k = 0; k < n; k++)
            if ((rc = sm_vector_append_from(dst, src[k].v, src[k].i, e)))
                return rc;
        return SM_OK;
    }
    if ((rc = sm_vector_reserve(dst, n, e)))
        return rc;
    size_t d = dst->len, nulls = 0;
    for (size_t k = 0; k < n; k++) {
        if (sm_vector_is_null(src[k].v, src[k].i)) {
            if (!dst->validity && (rc = sm_vector_need_validity(dst, e)))
                return rc;
            nulls++;
        }
    }
    if (dst->validity)
        for (size_t k = 0; k < n; k++) {
            if (sm_vector_is_null(src[k].v, src[k].i))
                sm_bit_clear(dst->validity, d + k);
            else
                sm_bit_set(dst->validity, d + k);
        }
    switch (kind) {
    case SM_TYPE_BOOL:
        for (size_t k = 0; k < n; k++) {
            if (sm_vector_get_bool(src[k].v, src[k].i))
                sm_bit_set(dst->values, d + k);
            else
                sm_bit_clear(dst->values, d + k);
        }
        break;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        /* Rows of a join's build side come in random order: the first pass
         * reads every row's offsets (independent loads that overlap) and
         * prefetches its bytes, so that the copy finds them in cache. */
        const uint8_t *ptr[GATHER_CHUNK];
        uint32_t lens[GATHER_CHUNK];
        size_t total = 0;
        for (size_t k = 0; k < n; k++) {
            size_t len;
            ptr[k] = sm_vector_get_bytes(src[k].v, src[k].i, &len);
            __builtin_prefetch(ptr[k]);
            lens[k] = (uint32_t)len;
            total += len;
        }
        if ((rc = sm_vector_reserve_data(dst, total, e)))
            return rc;
        uint8_t *out = dst->data + dst->data_len;
        int32_t *offs = dst->offsets + d + 1;
        size_t at = dst->data_len;
        for (size_t k = 0; k < n; k++) {
            copy_bytes(out, ptr[k], lens[k]);
            out += lens[k];
            at += lens[k];
            offs[k] = (int32_t)at;
        }
        dst->data_len = at;
        break;
    }
    default: {
        size_t w = dst->width;
        uint8_t *out = dst->values + d * w;
        if (w == 8)
            for (size_t k = 0; k < n; k++)
                memcpy(out + 8 * k, src[k].v->values + (src[k].v->offset + src[k].i) * 8, 8);
        else
            for (size_t k = 0; k < n; k++)
                memcpy(out + w * k, src[k].v->values + (src[k].v->offset + src[k].i) * w, w);
    }
    }
    dst->len += n;
    dst->null_count += nulls;
    return SM_OK;
}

sm_err_t sm_gather(sm_batch_t *out, size_t out_col0, const sm_rows_t *s, const uint32_t *col_map,
                   size_t ncols, const uint64_t *refs, size_t n, sm_error_t *e)
{
    src_row_t tmp[GATHER_CHUNK];
    for (size_t c = 0; c < ncols; c++) {
        size_t sc = col_map ? col_map[c] : c;
        sm_vector_t *dst = out->cols[out_col0 + c];
        for (size_t at = 0; at < n; at += GATHER_CHUNK) {
            size_t m = n - at < GATHER_CHUNK ? n - at : GATHER_CHUNK;
            for (size_t k = 0; k < m; k++) {
                uint64_t r = refs[at + k];
                tmp[k].v = s->b[SM_REF_B(r)]->cols[sc];
                tmp[k].i = SM_REF_R(r);
            }
            sm_err_t rc = gather_rows(dst, tmp, m, e);
            if (rc)
                return rc;
        }
    }
    return SM_OK;
}

sm_err_t sm_gather_vec(sm_vector_t *dst, const sm_vector_t *src, const uint32_t *sel, size_t n,
                       sm_error_t *e)
{
    src_row_t tmp[GATHER_CHUNK];
    for (size_t at = 0; at < n; at += GATHER_CHUNK) {
        size_t m = n - at < GATHER_CHUNK ? n - at : GATHER_CHUNK;
        for (size_t k = 0; k < m; k++) {
            tmp[k].v = src;
            tmp[k].i = sel[at + k];
        }
        sm_err_t rc = gather_rows(dst, tmp, m, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* ---- misc --------------------------------------------------------------------- */

sm_type_t *sm_schema_concat(const sm_type_t *a, bool null_a, const sm_type_t *b, bool null_b)
{
    size_t na = a->nfields, nb = b ? b->nfields : 0;
    sm_field_t *f = sm_calloc(na + nb + 1, sizeof *f);
    if (!f)
        return NULL;
    for (size_t i = 0; i < na; i++) {
        f[i] = a->fields[i];
        f[i].type = sm_type_ref(a->fields[i].type);
        f[i].nullable = a->fields[i].nullable || null_a;
    }
    for (size_t i = 0; i < nb; i++) {
        f[na + i] = b->fields[i];
        f[na + i].type = sm_type_ref(b->fields[i].type);
        f[na + i].nullable = b->fields[i].nullable || null_b;
    }
    sm_type_t *t = sm_type_struct(f, na + nb);
    sm_free(f);
    return t;
}

const char *sm_exec_tmpdir(const sm_exec_ctx_t *ctx)
{
    return ctx ? ctx->tmpdir : NULL;
}

int64_t sm_op_now(void)
{
    return sm_clock_mono_ns();
}
