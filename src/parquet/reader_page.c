/* parquet/reader_page — one column chunk: pages, levels and values (see
 * reader_int.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "parquet/reader_int.h"

/* ---- messages ----------------------------------------------------------- */

static sm_err_t col_fail(sm_pqr_col_t *col, sm_error_t *e, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sm_err_t col_fail(sm_pqr_col_t *col, sm_error_t *e, sm_err_t code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm_error_set(e, code, "%s: column \"%s\", row group %u, page at offset %llu: %s",
                        col->file, col->leaf->path, col->rg, (unsigned long long)col->page_off,
                        msg);
}

/* Prefixes the column context to an error from a lower layer. */
static sm_err_t col_wrap(sm_pqr_col_t *col, sm_error_t *e, sm_err_t rc)
{
    if (!e)
        return rc;
    sm_error_wrap(e, "%s: column \"%s\", row group %u, page at offset %llu", col->file,
                  col->leaf->path, col->rg, (unsigned long long)col->page_off);
    return rc;
}

/* ---- streams -------------------------------------------------------------- */

sm_err_t sm_pqr_stream_init(sm_pqr_stream_t *s, const sm_pq_leaf_t *leaf, size_t cap,
                            size_t max_bytes, sm_error_t *e)
{
    memset(s, 0, sizeof *s);
    sm_err_t rc = sm_vector_new(leaf->type, cap, &s->vals, e);
    if (rc)
        return rc;
    s->data.limit = max_bytes;
    if (cap) {
        if (leaf->max_def > 0 && !(s->def = sm_malloc(cap * sizeof *s->def)))
            goto nomem;
        if (leaf->max_rep > 0 && !(s->rep = sm_malloc(cap * sizeof *s->rep)))
            goto nomem;
        s->cap = cap;
    }
    return SM_OK;
nomem:
    sm_pqr_stream_free(s);
    return sm_error_nomem(e, "parquet level stream");
}

void sm_pqr_stream_free(sm_pqr_stream_t *s)
{
    sm_free(s->codes);
    sm_dict_unref(s->dict);
    sm_free(s->def);
    sm_free(s->rep);
    sm_vector_free(s->vals);
    sm_buf_free(&s->data);
    memset(s, 0, sizeof *s);
}

void sm_pqr_stream_seal(sm_pqr_stream_t *s)
{
    sm_vector_t *v = s->vals;
    if (!v || !sm_type_has_offsets(v->type->kind) || v->type->kind == SM_TYPE_LIST ||
        v->type->kind == SM_TYPE_MAP)
        return;
    if (!s->data.data)
        return;
    sm_free(v->data);
    v->data_len = s->data.len;
    v->data_cap = s->data.cap;
    v->data = sm_buf_detach(&s->data, &v->data_len);
}

static sm_err_t stream_grow(sm_pqr_stream_t *s, bool has_def, bool has_rep, size_t more, size_t max,
                            sm_error_t *e)
{
    if (s->n + more <= s->cap)
        return SM_OK;
    if (more > max || s->n + more > max)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "more than %zu level entries in one batch of one column", max);
    size_t cap = s->cap * 2 > s->n + more ? s->cap * 2 : s->n + more;
    if (cap < 1024)
        cap = 1024;
    if (has_def) {
        uint16_t *p = sm_realloc(s->def, cap * sizeof *p);
        if (!p)
            return sm_error_nomem(e, "parquet level stream");
        s->def = p;
    }
    if (has_rep) {
        uint16_t *p = sm_realloc(s->rep, cap * sizeof *p);
        if (!p)
            return sm_error_nomem(e, "parquet level stream");
        s->rep = p;
    }
    s->cap = cap;
    return SM_OK;
}

/* ---- levels ----------------------------------------------------------------- */

static sm_err_t levels_get(sm_pqr_levels_t *l, uint16_t *out, size_t n, sm_error_t *e)
{
    if (l->kind == 0) {
        memset(out, 0, n * sizeof *out);
        return SM_OK;
    }
    if (l->kind == 1)
        return sm_pq_rle_get16(&l->rle, out, n, e);
    /* BIT_PACKED: values packed from the most significant bit. */
    uint64_t need = l->bp_bit + (uint64_t)n * (uint64_t)l->bw;
    if (need > (uint64_t)l->bp_len * 8)
        return sm_error_set(e, SM_ERR_CORRUPT, "BIT_PACKED levels run past their %zu bytes",
                            l->bp_len);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int b = 0; b < l->bw; b++, l->bp_bit++)
            v = (v << 1) | ((l->bp[l->bp_bit >> 3] >> (7 - (l->bp_bit & 7))) & 1u);
        out[i] = (uint16_t)v;
    }
    return SM_OK;
}

/* Sets up a v1 level stream at data[*pos..len); advances *pos. */
static sm_err_t levels_init_v1(sm_pqr_col_t *col, sm_pqr_levels_t *l, int enc, int max_level,
                               int64_t count, const uint8_t *data, size_t len, size_t *pos,
                               sm_error_t *e)
{
    memset(l, 0, sizeof *l);
    if (max_level == 0)
        return SM_OK;
    l->bw = sm_pq_bit_width((uint64_t)max_level);
    if (enc == SM_PQ_ENC_RLE) {
        size_t used = 0;
        sm_err_t rc = sm_pq_rle_init_prefixed(&l->rle, data + *pos, len - *pos, l->bw, &used, e);
        if (rc)
            return col_wrap(col, e, rc);
        l->kind = 1;
        *pos += used;
        return SM_OK;
    }
    if (enc == SM_PQ_ENC_BIT_PACKED) {
        uint64_t bytes = ((uint64_t)count * (uint64_t)l->bw + 7) / 8;
        if (bytes > len - *pos)
            return col_fail(col, e, SM_ERR_CORRUPT,
                            "BIT_PACKED levels need %llu bytes, page has %zu",
                            (unsigned long long)bytes, len - *pos);
        l->kind = 2;
        l->bp = data + *pos;
        l->bp_len = (size_t)bytes;
        *pos += (size_t)bytes;
        return SM_OK;
    }
    return col_fail(col, e, SM_ERR_UNSUPPORTED, "level encoding %s is not supported",
                    sm_pq_encoding_name(enc));
}

/* ---- value conversion --------------------------------------------------- */

float sm_pqr_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int sh = 0;
            while (!(man & 0x400)) {
                man <<= 1;
                sh++;
            }
            man &= 0x3ff;
            bits = sign | ((uint32_t)(127 - 15 + 1 - sh) << 23) | (man << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Physical bytes per value of a fixed-width leaf (0 for BYTE_ARRAY and
 * BOOLEAN). */
static size_t phys_width(const sm_pq_leaf_t *leaf)
{
    switch (leaf->physical) {
    case SM_PQ_INT32:
    case SM_PQ_FLOAT:
        return 4;
    case SM_PQ_INT64:
    case SM_PQ_DOUBLE:
        return 8;
    case SM_PQ_INT96:
        return 12;
    case SM_PQ_FIXED_LEN_BYTE_ARRAY:
        return (size_t)leaf->type_length;
    default:
        return 0;
    }
}

/* True when raw physical values are already the columnar values. */
static bool is_identity(const sm_pq_leaf_t *leaf)
{
    if (leaf->conv != SM_PQ_CONV_NONE)
        return false;
    switch (leaf->physical) {
    case SM_PQ_INT32:
    case SM_PQ_INT64:
    case SM_PQ_FLOAT:
    case SM_PQ_DOUBLE:
        return true;
    default:
        return false;
    }
}

sm_err_t sm_pqr_convert_fixed(const sm_pq_leaf_t *leaf, const uint8_t *raw, size_t n, void *out,
                              sm_error_t *e)
{
    size_t pw = phys_width(leaf);
    switch (leaf->conv) {
    case SM_PQ_CONV_NONE:
        if (leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY)
            return sm_error_set(e, SM_ERR_INTERNAL, "FLBA is not a fixed-width columnar value");
        memcpy(out, raw, n * pw);
        return SM_OK;
    case SM_PQ_CONV_NARROW: {
        const int32_t *in = (const int32_t *)(const void *)raw;
        if (leaf->type->kind == SM_TYPE_INT8)
            return sm_pq_narrow_i8(in, n, out, e);
        return sm_pq_narrow_i16(in, n, out, e);
    }
    case SM_PQ_CONV_UINT32: {
        int64_t *o = out;
        for (size_t i = 0; i < n; i++) {
            uint32_t u;
            memcpy(&u, raw + i * 4, 4);
            o[i] = (int64_t)u;
        }
        return SM_OK;
    }
    case SM_PQ_CONV_UINT64: {
        uint8_t *o = out;
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            memcpy(&u, raw + i * 8, 8);
            sm_i128 x = (sm_i128)u;
            memcpy(o + i * 16, &x, 16);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_INT96: {
        int64_t *o = out;
        /* As Arrow and Spark: days * 86400e6 + nanoseconds / 1000, the
         * nanoseconds taken as a signed int64 (writers put values outside
         * one day there, see parquet-testing int96_from_spark). */
        for (size_t i = 0; i < n; i++) {
            int64_t nanos, us;
            uint32_t jday;
            memcpy(&nanos, raw + i * 12, 8);
            memcpy(&jday, raw + i * 12 + 8, 4);
            int64_t days = (int64_t)jday - SM_PQ_JULIAN_EPOCH_DAY;
            if (__builtin_mul_overflow(days, (int64_t)86400000000, &us) ||
                __builtin_add_overflow(us, nanos / 1000, &o[i]))
                return sm_error_set(e, SM_ERR_OVERFLOW,
                                    "INT96 timestamp (day %u) does not fit microseconds", jday);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_MILLIS: {
        int64_t *o = out;
        for (size_t i = 0; i < n; i++) {
            int64_t v;
            memcpy(&v, raw + i * 8, 8);
            if (__builtin_mul_overflow(v, (int64_t)1000, &o[i]))
                return sm_error_set(e, SM_ERR_OVERFLOW,
                                    "millisecond timestamp %lld does not fit microseconds",
                                    (long long)v);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_NANOS: {
        int64_t *o = out;
        for (size_t i = 0; i < n; i++) {
            int64_t v;
            memcpy(&v, raw + i * 8, 8);
            o[i] = floor_div(v, 1000);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_DATE_MILLIS: {
        int32_t *o = out;
        for (size_t i = 0; i < n; i++) {
            int64_t v;
            memcpy(&v, raw + i * 8, 8);
            int64_t d = floor_div(v, 86400000);
            if (d < INT32_MIN || d > INT32_MAX)
                return sm_error_set(e, SM_ERR_OVERFLOW, "date %lld ms is out of range",
                                    (long long)v);
            o[i] = (int32_t)d;
        }
        return SM_OK;
    }
    case SM_PQ_CONV_DECIMAL_INT: {
        uint8_t *o = out;
        for (size_t i = 0; i < n; i++) {
            sm_i128 x;
            if (pw == 4) {
                int32_t v;
                memcpy(&v, raw + i * 4, 4);
                x = v;
            } else {
                int64_t v;
                memcpy(&v, raw + i * 8, 8);
                x = v;
            }
            memcpy(o + i * 16, &x, 16);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_DECIMAL_BIN: {
        uint8_t *o = out;
        for (size_t i = 0; i < n; i++) {
            sm_i128 x;
            sm_err_t rc = sm_pq_decimal_from_be(raw + i * pw, pw, &x, e);
            if (rc)
                return rc;
            memcpy(o + i * 16, &x, 16);
        }
        return SM_OK;
    }
    case SM_PQ_CONV_FLOAT16: {
        float *o = out;
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, raw + i * 2, 2);
            o[i] = sm_pqr_half_to_float(h);
        }
        return SM_OK;
    }
    }
    return sm_error_set(e, SM_ERR_INTERNAL, "unknown conversion %d", (int)leaf->conv);
}

/* ---- decoding values into a dense vector ---------------------------------- */

/* Room for n more values in v (and its offsets). */
static sm_err_t vals_room(sm_vector_t *v, size_t n, sm_error_t *e)
{
    if (v->len + n <= v->cap && (v->offsets || !sm_type_has_offsets(v->type->kind)))
        return SM_OK;
    return sm_vector_reserve(v, n, e);
}

static uint8_t *scratch(sm_pqr_col_t *col, size_t bytes, sm_error_t *e)
{
    col->scratch.len = 0;
    if (sm_buf_reserve(&col->scratch, bytes ? bytes : 1, e))
        return NULL;
    return col->scratch.data;
}

/* Decodes n raw fixed-width physical values (pw bytes each) into dst. */
static sm_err_t raw_fixed(sm_pqr_col_t *col, size_t n, size_t pw, uint8_t *dst, sm_error_t *e)
{
    sm_err_t rc;
    switch (col->encoding) {
    case SM_PQ_ENC_PLAIN:
        return sm_pq_plain_get_fixed(col->vals, col->vals_len, &col->vpos, n, pw, dst, e);
    case SM_PQ_ENC_DELTA_BINARY_PACKED:
        if (col->leaf->physical == SM_PQ_INT32)
            return sm_pq_delta_get32(&col->delta, (int32_t *)(void *)dst, n, e);
        return sm_pq_delta_get64(&col->delta, (int64_t *)(void *)dst, n, e);
    case SM_PQ_ENC_BYTE_STREAM_SPLIT:
        rc = sm_pq_bss_get(col->vals, col->vals_len, pw, col->bss_next, n, dst, e);
        if (!rc)
            col->bss_next += n;
        return rc;
    case SM_PQ_ENC_DELTA_BYTE_ARRAY: { /* FLBA */
        sm_buf_t tmp = SM_BUF_INIT;
        int32_t *offs = sm_malloc((n + 1) * sizeof *offs);
        if (!offs)
            return sm_error_nomem(e, "parquet FLBA values");
        tmp.limit = col->lim->max_bytes;
        rc = sm_pq_dba_get(&col->dba, n, offs, &tmp, e);
        for (size_t i = 0; !rc && i < n; i++) {
            if ((size_t)(offs[i + 1] - offs[i]) != pw)
                rc = col_fail(col, e, SM_ERR_CORRUPT,
                              "DELTA_BYTE_ARRAY value of %d bytes in a FIXED_LEN_BYTE_ARRAY(%zu)",
                              (int)(offs[i + 1] - offs[i]), pw);
        }
        if (!rc && n)
            memcpy(dst, tmp.data, n * pw);
        sm_free(offs);
        sm_buf_free(&tmp);
        return rc;
    }
    }
    return col_fail(col, e, SM_ERR_INTERNAL, "raw_fixed: encoding %d", col->encoding);
}

/* Decodes n BYTE_ARRAY values: offsets[0..n] into s->data. */
static sm_err_t raw_binary(sm_pqr_col_t *col, size_t n, int32_t *offs, sm_buf_t *data,
                           sm_error_t *e)
{
    switch (col->encoding) {
    case SM_PQ_ENC_PLAIN:
        return sm_pq_plain_get_binary(col->vals, col->vals_len, &col->vpos, n, offs, data, e);
    case SM_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        return sm_pq_dlba_get(&col->dlba, n, offs, data, e);
    case SM_PQ_ENC_DELTA_BYTE_ARRAY:
        return sm_pq_dba_get(&col->dba, n, offs, data, e);
    }
    return col_fail(col, e, SM_ERR_INTERNAL, "raw_binary: encoding %d", col->encoding);
}

/* Decodes n values with the page's (non-dictionary) encoding and appends
 * them, converted, to v (string bytes to data). */
static sm_err_t decode_direct(sm_pqr_col_t *col, size_t n, sm_vector_t *v, sm_buf_t *data,
                              sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    sm_err_t rc;
    if (leaf->physical == SM_PQ_BOOLEAN) {
        if (col->encoding == SM_PQ_ENC_PLAIN) {
            rc = sm_pq_plain_get_bool_bits(col->vals, col->vals_len, col->vpos, col->bool_bit, n,
                                           v->values, v->len, e);
            if (!rc)
                col->bool_bit += n;
            return rc;
        }
        uint8_t *tmp = scratch(col, n, e);
        if (!tmp)
            return SM_ERR_NOMEM;
        if ((rc = sm_pq_rle_get8(&col->idx, tmp, n, e)))
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (tmp[i] > 1)
                return col_fail(col, e, SM_ERR_CORRUPT, "RLE boolean value %u", tmp[i]);
            if (tmp[i])
                sm_bit_set(v->values, v->len + i);
            else
                sm_bit_clear(v->values, v->len + i);
        }
        return SM_OK;
    }
    if (leaf->physical == SM_PQ_BYTE_ARRAY) {
        if (leaf->conv == SM_PQ_CONV_NONE) { /* STRING / BINARY */
            if (data->len != (size_t)v->offsets[v->len])
                return col_fail(col, e, SM_ERR_INTERNAL, "string offsets out of step");
            return raw_binary(col, n, v->offsets + v->len, data, e);
        }
        /* DECIMAL_BIN */
        sm_buf_t tmp = SM_BUF_INIT;
        tmp.limit = col->lim->max_bytes;
        int32_t *offs = sm_malloc((n + 1) * sizeof *offs);
        if (!offs)
            return sm_error_nomem(e, "parquet decimal values");
        rc = raw_binary(col, n, offs, &tmp, e);
        for (size_t i = 0; !rc && i < n; i++) {
            sm_i128 x;
            rc = sm_pq_decimal_from_be(tmp.data + offs[i], (size_t)(offs[i + 1] - offs[i]), &x, e);
            if (!rc)
                memcpy(v->values + (v->len + i) * 16, &x, 16);
        }
        sm_free(offs);
        sm_buf_free(&tmp);
        return rc;
    }
    size_t pw = phys_width(leaf);
    if (is_identity(leaf))
        return raw_fixed(col, n, pw, v->values + v->len * v->width, e);
    size_t bytes;
    if (!sm_size_mul(n, pw ? pw : 1, &bytes))
        return sm_error_set(e, SM_ERR_LIMIT, "too many values");
    uint8_t *raw = scratch(col, bytes, e);
    if (!raw)
        return SM_ERR_NOMEM;
    if ((rc = raw_fixed(col, n, pw, raw, e)))
        return rc;
    if (leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY && leaf->conv == SM_PQ_CONV_NONE) {
        /* FLBA → BINARY */
        if (bytes > INT32_MAX - data->len)
            return sm_error_set(e, SM_ERR_LIMIT, "string data too large");
        int32_t base = (int32_t)data->len;
        if ((rc = sm_buf_append(data, raw, bytes, e)))
            return rc;
        for (size_t i = 0; i < n; i++)
            v->offsets[v->len + i + 1] = base + (int32_t)((i + 1) * pw);
        return SM_OK;
    }
    return sm_pqr_convert_fixed(leaf, raw, n, v->values + v->len * v->width, e);
}

/* Gathers n dictionary entries by index; *idx_out: the n indices (in the
 * column's scratch, valid until its next use). */
static sm_err_t decode_dict(sm_pqr_col_t *col, size_t n, sm_vector_t *v, sm_buf_t *data,
                            const uint32_t **idx_out, sm_error_t *e)
{
    sm_vector_t *d = col->dict;
    uint32_t *idx = (uint32_t *)(void *)scratch(col, n * sizeof(uint32_t), e);
    if (!idx)
        return SM_ERR_NOMEM;
    *idx_out = idx;
    sm_err_t rc = sm_pq_rle_get32(&col->idx, idx, n, e);
    if (rc)
        return rc;
    if ((rc = sm_pq_check_indices(idx, n, (uint32_t)d->len, e)))
        return rc;
    size_t base = v->len;
    switch (v->type->kind) {
    case SM_TYPE_BOOL:
        for (size_t i = 0; i < n; i++) {
            if (sm_bit_get(d->values, idx[i]))
                sm_bit_set(v->values, base + i);
            else
                sm_bit_clear(v->values, base + i);
        }
        return SM_OK;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += (size_t)(d->offsets[idx[i] + 1] - d->offsets[idx[i]]);
        if (total > INT32_MAX - data->len || total > col->lim->max_bytes - data->len)
            return col_fail(col, e, SM_ERR_LIMIT, "string data of one batch would exceed %zu bytes",
                            col->lim->max_bytes);
        if ((rc = sm_buf_reserve(data, total + 1, e)))
            return rc;
        int32_t *o = v->offsets + base;
        uint8_t *p = data->data + data->len;
        int32_t at = (int32_t)data->len;
        for (size_t i = 0; i < n; i++) {
            int32_t a = d->offsets[idx[i]], len = d->offsets[idx[i] + 1] - a;
            if (len)
                memcpy(p, d->data + a, (size_t)len);
            p += len;
            at += len;
            o[i + 1] = at;
        }
        data->len += total;
        data->data[data->len] = 0;
        return SM_OK;
    }
    default:
        break;
    }
    switch (v->width) {
    case 1: {
        uint8_t *o = v->values + base;
        const uint8_t *s = d->values;
        for (size_t i = 0; i < n; i++)
            o[i] = s[idx[i]];
        return SM_OK;
    }
    case 2: {
        uint16_t *o = (uint16_t *)(void *)(v->values) + base;
        const uint16_t *s = (const uint16_t *)(const void *)d->values;
        for (size_t i = 0; i < n; i++)
            o[i] = s[idx[i]];
        return SM_OK;
    }
    case 4: {
        uint32_t *o = (uint32_t *)(void *)(v->values) + base;
        const uint32_t *s = (const uint32_t *)(const void *)d->values;
        for (size_t i = 0; i < n; i++)
            o[i] = s[idx[i]];
        return SM_OK;
    }
    case 8: {
        uint64_t *o = (uint64_t *)(void *)(v->values) + base;
        const uint64_t *s = (const uint64_t *)(const void *)d->values;
        for (size_t i = 0; i < n; i++)
            o[i] = s[idx[i]];
        return SM_OK;
    }
    case 16:
        for (size_t i = 0; i < n; i++)
            memcpy(v->values + (base + i) * 16, d->values + (size_t)idx[i] * 16, 16);
        return SM_OK;
    }
    return col_fail(col, e, SM_ERR_INTERNAL, "dictionary of width %d", v->width);
}

/* Starts the value decoder of the current page (lazily: pages without
 * values may have an empty value section). */
static sm_err_t values_init(sm_pqr_col_t *col, sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    int phys = leaf->physical;
    sm_err_t rc = SM_OK;
    size_t cap_values = col->vals_len * 8 + (1u << 20), used;
    col->values_ready = true;
    switch (col->encoding) {
    case SM_PQ_ENC_PLAIN:
        return SM_OK;
    case SM_PQ_ENC_PLAIN_DICTIONARY:
    case SM_PQ_ENC_RLE_DICTIONARY:
        if (!col->dict)
            return col_fail(col, e, SM_ERR_CORRUPT,
                            "dictionary-encoded page but the chunk has no dictionary page");
        if (col->vals_len < 1)
            return col_fail(col, e, SM_ERR_CORRUPT, "dictionary indices missing");
        if (col->vals[0] > 32)
            return col_fail(col, e, SM_ERR_CORRUPT, "dictionary index bit width %u", col->vals[0]);
        rc = sm_pq_rle_init(&col->idx, col->vals + 1, col->vals_len - 1, col->vals[0], e);
        break;
    case SM_PQ_ENC_RLE:
        if (phys != SM_PQ_BOOLEAN)
            goto mismatch;
        rc = sm_pq_rle_init_prefixed(&col->idx, col->vals, col->vals_len, 1, &used, e);
        break;
    case SM_PQ_ENC_DELTA_BINARY_PACKED:
        if (phys != SM_PQ_INT32 && phys != SM_PQ_INT64)
            goto mismatch;
        rc = sm_pq_delta_init(&col->delta, col->vals, col->vals_len, phys == SM_PQ_INT64, e);
        break;
    case SM_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (phys != SM_PQ_BYTE_ARRAY)
            goto mismatch;
        rc = sm_pq_dlba_init(&col->dlba, col->vals, col->vals_len, cap_values, e);
        col->dlba_live = !rc;
        break;
    case SM_PQ_ENC_DELTA_BYTE_ARRAY:
        if (phys != SM_PQ_BYTE_ARRAY && phys != SM_PQ_FIXED_LEN_BYTE_ARRAY)
            goto mismatch;
        rc = sm_pq_dba_init(&col->dba, col->vals, col->vals_len, cap_values, e);
        col->dba_live = !rc;
        break;
    case SM_PQ_ENC_BYTE_STREAM_SPLIT:
        if (phys == SM_PQ_BOOLEAN || phys == SM_PQ_BYTE_ARRAY || phys_width(leaf) == 0)
            goto mismatch;
        col->bss_next = 0;
        return SM_OK;
    default:
        return col_fail(col, e, SM_ERR_UNSUPPORTED, "value encoding %s is not supported",
                        sm_pq_encoding_name(col->encoding));
    }
    return rc ? col_wrap(col, e, rc) : SM_OK;
mismatch:
    return col_fail(col, e, SM_ERR_CORRUPT, "encoding %s cannot hold %s values",
                    sm_pq_encoding_name(col->encoding), sm_pq_type_name(phys));
}

/* Records the dictionary codes idx[0..n) of the n values being appended
 * to s (idx NULL: values not from a dictionary, so s has no codes).  Only
 * flat STRING/BINARY leaves keep codes; a second dictionary or a value
 * decoded directly ends them for the batch. */
static sm_err_t keep_codes(sm_pqr_col_t *col, sm_pqr_stream_t *s, const uint32_t *idx, size_t n,
                           sm_error_t *e)
{
    sm_type_kind_t kind = s->vals->type->kind;
    if (s->codes_state == 2 || col->leaf->max_rep > 0 ||
        (kind != SM_TYPE_STRING && kind != SM_TYPE_BINARY))
        return SM_OK;
    if (!idx || (s->codes_state == 1 && s->dict != col->dref)) {
        s->codes_state = 2;
        return SM_OK;
    }
    size_t have = s->vals->len;
    if (have + n > s->codes_cap) {
        size_t cap = s->codes_cap * 2 > have + n ? s->codes_cap * 2 : have + n;
        if (cap < s->cap)
            cap = s->cap;
        uint32_t *p = sm_realloc(s->codes, cap * sizeof *p);
        if (!p)
            return sm_error_nomem(e, "parquet dictionary codes");
        s->codes = p;
        s->codes_cap = cap;
    }
    memcpy(s->codes + have, idx, n * sizeof *idx);
    if (s->codes_state == 0) {
        s->dict = sm_dict_ref(col->dref);
        s->codes_state = 1;
    }
    return SM_OK;
}

/* Appends n decoded values of the current page to the stream. */
static sm_err_t take_values(sm_pqr_col_t *col, size_t n, sm_pqr_stream_t *s, sm_error_t *e)
{
    if (n == 0)
        return SM_OK;
    sm_err_t rc;
    if (!col->values_ready && (rc = values_init(col, e)))
        return rc;
    if ((rc = vals_room(s->vals, n, e)))
        return rc;
    const uint32_t *idx = NULL;
    if (col->encoding == SM_PQ_ENC_PLAIN_DICTIONARY || col->encoding == SM_PQ_ENC_RLE_DICTIONARY)
        rc = decode_dict(col, n, s->vals, &s->data, &idx, e);
    else
        rc = decode_direct(col, n, s->vals, &s->data, e);
    if (rc)
        return (e && e->code == rc && strstr(e->msg, "page at offset")) ? rc : col_wrap(col, e, rc);
    if ((rc = keep_codes(col, s, idx, n, e)))
        return rc;
    s->vals->len += n;
    return SM_OK;
}

/* ---- pages -------------------------------------------------------------- */

static void page_release(sm_pqr_col_t *col)
{
    if (col->dlba_live)
        sm_pq_dlba_free(&col->dlba);
    if (col->dba_live)
        sm_pq_dba_free(&col->dba);
    col->dlba_live = col->dba_live = false;
    col->values_ready = false;
    col->left = 0;
    col->vals = NULL;
    col->vals_len = col->vpos = col->bool_bit = 0;
}

/* Decompresses src[0..n) to `expected` bytes into col->page (or borrows
 * src when the chunk is uncompressed). */
static sm_err_t page_inflate(sm_pqr_col_t *col, const uint8_t *src, size_t n, size_t expected,
                             bool compressed, const uint8_t **out, sm_error_t *e)
{
    if (!compressed || col->codec_id == SM_PQ_CODEC_UNCOMPRESSED) {
        if (n != expected)
            return col_fail(col, e, SM_ERR_CORRUPT,
                            "uncompressed page of %zu bytes, header says %zu", n, expected);
        *out = src;
        return SM_OK;
    }
    if (expected > col->lim->max_page)
        return col_fail(col, e, SM_ERR_LIMIT, "page of %zu bytes exceeds the limit of %zu",
                        expected, col->lim->max_page);
    if (!col->codec) {
        sm_err_t rc = sm_pq_codec_new(col->codec_id, 0, &col->codec, e);
        if (rc)
            return col_wrap(col, e, rc);
    }
    col->page.len = 0;
    sm_err_t rc = sm_buf_reserve(&col->page, expected ? expected : 1, e);
    if (rc)
        return rc;
    if ((rc = sm_pq_codec_decompress(col->codec, src, n, col->page.data, expected, e)))
        return col_wrap(col, e, rc);
    *out = col->page.data;
    return SM_OK;
}

static size_t min_bits(const sm_pq_leaf_t *leaf)
{
    if (leaf->physical == SM_PQ_BOOLEAN)
        return 1;
    if (leaf->physical == SM_PQ_BYTE_ARRAY)
        return 32;
    size_t w = phys_width(leaf) * 8;
    return w ? w : 1;
}

static sm_err_t load_dict(sm_pqr_col_t *col, const sm_pq_page_header_t *ph, const uint8_t *body,
                          sm_error_t *e)
{
    const sm_pq_dict_page_header_t *dh = &ph->dictionary_page_header;
    if (col->dict || col->data_seen)
        return col_fail(col, e, SM_ERR_CORRUPT,
                        col->dict ? "column chunk has more than one dictionary page"
                                  : "dictionary page after data pages");
    if (dh->encoding != SM_PQ_ENC_PLAIN && dh->encoding != SM_PQ_ENC_PLAIN_DICTIONARY)
        return col_fail(col, e, SM_ERR_UNSUPPORTED, "dictionary page encoding %s",
                        sm_pq_encoding_name(dh->encoding));
    if (dh->num_values < 0)
        return col_fail(col, e, SM_ERR_CORRUPT, "negative dictionary size");
    const uint8_t *bytes;
    sm_err_t rc = page_inflate(col, body, (size_t)ph->compressed_page_size,
                               (size_t)ph->uncompressed_page_size, true, &bytes, e);
    if (rc)
        return rc;
    size_t n = (size_t)dh->num_values, len = (size_t)ph->uncompressed_page_size;
    if (n > len * 8 / min_bits(col->leaf) + 1)
        return col_fail(col, e, SM_ERR_CORRUPT, "dictionary of %zu values in %zu bytes", n, len);
    if ((rc = sm_vector_new(col->leaf->type, n, &col->dict, e)))
        return rc;
    sm_buf_t data = SM_BUF_INIT;
    data.limit = col->lim->max_bytes;
    col->encoding = SM_PQ_ENC_PLAIN;
    col->vals = bytes;
    col->vals_len = len;
    col->vpos = col->bool_bit = 0;
    col->values_ready = true;
    rc = n ? decode_direct(col, n, col->dict, &data, e) : SM_OK;
    if (rc) {
        rc = strstr(e ? e->msg : "", "page at offset") ? rc : col_wrap(col, e, rc);
        sm_buf_free(&data);
        sm_vector_free(col->dict);
        col->dict = NULL;
        page_release(col);
        return rc;
    }
    col->dict->len = n;
    if (sm_type_has_offsets(col->dict->type->kind)) {
        sm_free(col->dict->data);
        col->dict->data = sm_buf_detach(&data, &col->dict->data_len);
        col->dict->data_cap = col->dict->data_len;
    }
    sm_buf_free(&data);
    page_release(col);
    if ((rc = sm_dict_new(col->dict, &col->dref, e))) {
        sm_vector_free(col->dict);
        col->dict = NULL;
    }
    return rc;
}

static sm_err_t start_data_page(sm_pqr_col_t *col, const sm_pq_page_header_t *ph,
                                const uint8_t *body, sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    size_t csize = (size_t)ph->compressed_page_size, usize = (size_t)ph->uncompressed_page_size;
    sm_err_t rc;
    col->data_seen = true;
    if (ph->type == SM_PQ_PAGE_DATA) {
        const sm_pq_data_page_header_t *h = &ph->data_page_header;
        if (h->num_values < 0)
            return col_fail(col, e, SM_ERR_CORRUPT, "negative value count");
        const uint8_t *p;
        if ((rc = page_inflate(col, body, csize, usize, true, &p, e)))
            return rc;
        size_t pos = 0;
        if ((rc = levels_init_v1(col, &col->rep_dec, h->repetition_level_encoding, leaf->max_rep,
                                 h->num_values, p, usize, &pos, e)))
            return rc;
        if ((rc = levels_init_v1(col, &col->def_dec, h->definition_level_encoding, leaf->max_def,
                                 h->num_values, p, usize, &pos, e)))
            return rc;
        col->vals = p + pos;
        col->vals_len = usize - pos;
        col->encoding = h->encoding;
        col->left = h->num_values;
        return SM_OK;
    }
    const sm_pq_data_page_header_v2_t *h = &ph->data_page_header_v2;
    if (h->num_values < 0 || h->definition_levels_byte_length < 0 ||
        h->repetition_levels_byte_length < 0)
        return col_fail(col, e, SM_ERR_CORRUPT, "negative count in DATA_PAGE_V2 header");
    size_t rl = (size_t)h->repetition_levels_byte_length,
           dl = (size_t)h->definition_levels_byte_length;
    if (rl + dl > csize || rl + dl > usize)
        return col_fail(col, e, SM_ERR_CORRUPT, "level sections (%zu + %zu bytes) exceed the page",
                        rl, dl);
    memset(&col->rep_dec, 0, sizeof col->rep_dec);
    memset(&col->def_dec, 0, sizeof col->def_dec);
    if (leaf->max_rep > 0) {
        col->rep_dec.kind = 1;
        col->rep_dec.bw = sm_pq_bit_width((uint64_t)leaf->max_rep);
        if ((rc = sm_pq_rle_init(&col->rep_dec.rle, body, rl, col->rep_dec.bw, e)))
            return col_wrap(col, e, rc);
    }
    if (leaf->max_def > 0) {
        col->def_dec.kind = 1;
        col->def_dec.bw = sm_pq_bit_width((uint64_t)leaf->max_def);
        if ((rc = sm_pq_rle_init(&col->def_dec.rle, body + rl, dl, col->def_dec.bw, e)))
            return col_wrap(col, e, rc);
    }
    bool compressed = !h->has_is_compressed || h->is_compressed;
    const uint8_t *p;
    if ((rc = page_inflate(col, body + rl + dl, csize - rl - dl, usize - rl - dl, compressed, &p,
                           e)))
        return rc;
    col->vals = p;
    col->vals_len = usize - rl - dl;
    col->encoding = h->encoding;
    col->left = h->num_values;
    return SM_OK;
}

/* Moves to the next data page with values.  *end is set when the chunk
 * has no more pages. */
static sm_err_t next_page(sm_pqr_col_t *col, bool *end, sm_error_t *e)
{
    page_release(col);
    *end = false;
    while (col->pos < col->chunk_len &&
           (col->stop_values < 0 || col->seen_values < col->stop_values)) {
        sm_pq_page_header_t ph;
        size_t used;
        col->page_off = col->chunk_off + col->pos;
        sm_err_t rc = sm_pq_page_header_decode(col->chunk + col->pos, col->chunk_len - col->pos,
                                               NULL, &ph, &used, e);
        if (rc)
            return col_wrap(col, e, rc);
        size_t body = col->pos + used;
        if ((size_t)ph.compressed_page_size > col->chunk_len - body)
            return col_fail(col, e, SM_ERR_CORRUPT,
                            "page of %d bytes runs past the end of the column chunk",
                            ph.compressed_page_size);
        col->pos = body + (size_t)ph.compressed_page_size;
        const uint8_t *bp = col->chunk + body;
        if (col->lim->verify_crc && ph.has_crc &&
            (uint32_t)crc32(0L, bp, (uInt)ph.compressed_page_size) != ph.crc)
            return col_fail(col, e, SM_ERR_CORRUPT, "page CRC mismatch");
        switch ((int)ph.type) {
        case SM_PQ_PAGE_DICTIONARY:
            if ((rc = load_dict(col, &ph, bp, e)))
                return rc;
            continue;
        case SM_PQ_PAGE_INDEX:
            continue;
        case SM_PQ_PAGE_DATA:
        case SM_PQ_PAGE_DATA_V2:
            if ((rc = start_data_page(col, &ph, bp, e)))
                return rc;
            col->seen_values += col->left;
            if (col->left == 0) {
                page_release(col);
                continue;
            }
            return SM_OK;
        default:
            return col_fail(col, e, SM_ERR_CORRUPT, "unknown page type %d", (int)ph.type);
        }
    }
    col->page_off = col->chunk_off + col->pos;
    *end = true;
    return SM_OK;
}

/* ---- taking records ------------------------------------------------------- */

/* Checks levels and counts entries with def == max_def. */
static sm_err_t count_present(sm_pqr_col_t *col, const uint16_t *def, const uint16_t *rep, size_t m,
                              size_t *present, sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    uint16_t maxd = (uint16_t)leaf->max_def, maxr = (uint16_t)leaf->max_rep;
    size_t c = 0;
    unsigned bad = 0;
    if (def) {
        for (size_t i = 0; i < m; i++) {
            c += def[i] == maxd;
            bad |= def[i] > maxd;
        }
    } else {
        c = m;
    }
    if (rep)
        for (size_t i = 0; i < m; i++)
            bad |= rep[i] > maxr;
    if (bad)
        return col_fail(col, e, SM_ERR_CORRUPT, "a level exceeds the column's maximum (%d/%d)",
                        leaf->max_def, leaf->max_rep);
    *present = c;
    return SM_OK;
}

static sm_err_t short_chunk(sm_pqr_col_t *col, size_t missing, sm_error_t *e)
{
    return col_fail(col, e, SM_ERR_CORRUPT,
                    "column chunk ends %zu rows before the row group's row count", missing);
}

/* Columns without repetition: one entry per record. */
static sm_err_t take_flat(sm_pqr_col_t *col, size_t n, sm_pqr_stream_t *s, sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    sm_err_t rc;
    if ((rc = stream_grow(s, leaf->max_def > 0, false, n, col->lim->max_levels, e)))
        return rc;
    while (n) {
        if (col->left == 0) {
            bool end;
            if ((rc = next_page(col, &end, e)))
                return rc;
            if (end)
                return short_chunk(col, n, e);
        }
        size_t m = (uint64_t)col->left < n ? (size_t)col->left : n, c = m;
        if (leaf->max_def > 0) {
            uint16_t *d = s->def + s->n;
            if ((rc = levels_get(&col->def_dec, d, m, e)))
                return col_wrap(col, e, rc);
            if ((rc = count_present(col, d, NULL, m, &c, e)))
                return rc;
        }
        if ((rc = take_values(col, c, s, e)))
            return rc;
        s->n += m;
        col->left -= (int64_t)m;
        n -= m;
    }
    return SM_OK;
}

static sm_err_t refill(sm_pqr_col_t *col, bool *end, sm_error_t *e)
{
    sm_err_t rc;
    *end = false;
    if (col->left == 0) {
        if ((rc = next_page(col, end, e)) || *end)
            return rc;
    }
    size_t m = (uint64_t)col->left < SM_PQR_PEND_CAP ? (size_t)col->left : SM_PQR_PEND_CAP;
    if ((rc = levels_get(&col->rep_dec, col->prep, m, e)) ||
        (rc = levels_get(&col->def_dec, col->pdef, m, e)))
        return col_wrap(col, e, rc);
    col->left -= (int64_t)m;
    col->ppos = 0;
    col->plen = m;
    return SM_OK;
}

/* Repeated columns: entries until the start of record nrec + 1. */
static sm_err_t take_nested(sm_pqr_col_t *col, size_t nrec, sm_pqr_stream_t *s, sm_error_t *e)
{
    const sm_pq_leaf_t *leaf = col->leaf;
    sm_err_t rc;
    for (;;) {
        if (col->ppos == col->plen) {
            bool end;
            if ((rc = refill(col, &end, e)))
                return rc;
            if (end) {
                if (nrec)
                    return short_chunk(col, nrec, e);
                return SM_OK;
            }
        }
        size_t i = col->ppos, stop = col->plen;
        bool boundary = false;
        for (; i < stop; i++) {
            if (col->prep[i] == 0) {
                if (nrec == 0) {
                    boundary = true;
                    break;
                }
                nrec--;
                col->started = true;
            } else if (!col->started) {
                return col_fail(col, e, SM_ERR_CORRUPT,
                                "the first repetition level of the chunk is not 0");
            }
        }
        size_t m = i - col->ppos, c = 0;
        if (m) {
            if ((rc = stream_grow(s, leaf->max_def > 0, true, m, col->lim->max_levels, e)))
                return rc;
            if ((rc = count_present(col, col->pdef + col->ppos, col->prep + col->ppos, m, &c, e)))
                return rc;
            if (leaf->max_def > 0)
                memcpy(s->def + s->n, col->pdef + col->ppos, m * sizeof *s->def);
            else
                c = m;
            memcpy(s->rep + s->n, col->prep + col->ppos, m * sizeof *s->rep);
            if ((rc = take_values(col, c, s, e)))
                return rc;
            s->n += m;
            col->ppos = i;
        }
        if (boundary)
            return SM_OK;
    }
}

sm_err_t sm_pqr_col_take(sm_pqr_col_t *col, size_t nrec, sm_pqr_stream_t *s, sm_error_t *e)
{
    if (col->leaf->max_rep == 0)
        return take_flat(col, nrec, s, e);
    return take_nested(col, nrec, s, e);
}

sm_err_t sm_pqr_col_finish(sm_pqr_col_t *col, sm_error_t *e)
{
    if (col->ppos < col->plen || col->left > 0)
        return col_fail(col, e, SM_ERR_CORRUPT,
                        "column chunk holds more values than the row group's row count");
    bool end = false;
    sm_err_t rc = next_page(col, &end, e);
    if (rc)
        return rc;
    if (!end)
        return col_fail(col, e, SM_ERR_CORRUPT,
                        "column chunk holds more values than the row group's row count");
    return SM_OK;
}

sm_err_t sm_pqr_col_start(sm_pqr_col_t *col, uint32_t rg, uint8_t *chunk, size_t len, uint64_t off,
                          int codec, sm_error_t *e)
{
    sm_pqr_col_reset(col);
    if (col->codec && col->codec_id != codec) {
        sm_pq_codec_free(col->codec);
        col->codec = NULL;
    }
    col->codec_id = codec;
    col->rg = rg;
    col->chunk = chunk;
    col->chunk_len = len;
    col->chunk_off = off;
    col->page_off = off;
    col->pos = 0;
    col->stop_values = -1;
    col->seen_values = 0;
    if (codec != SM_PQ_CODEC_UNCOMPRESSED && !col->codec) {
        sm_err_t rc = sm_pq_codec_new(codec, 0, &col->codec, e);
        if (rc)
            return col_wrap(col, e, rc);
    }
    return SM_OK;
}

void sm_pqr_col_reset(sm_pqr_col_t *col)
{
    page_release(col);
    if (col->dref)
        sm_dict_unref(col->dref); /* owns col->dict */
    else
        sm_vector_free(col->dict);
    col->dict = NULL;
    col->dref = NULL;
    col->data_seen = false;
    col->started = false;
    col->ppos = col->plen = 0;
    col->chunk = NULL;
    col->chunk_len = col->pos = 0;
}

void sm_pqr_col_free(sm_pqr_col_t *col)
{
    sm_pqr_col_reset(col);
    sm_pq_codec_free(col->codec);
    col->codec = NULL;
    sm_buf_free(&col->page);
    sm_buf_free(&col->scratch);
    sm_buf_free(&col->dict_data);
}
