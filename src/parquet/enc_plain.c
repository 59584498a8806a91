/*
 * parquet/enc_plain.c — PLAIN values, INT96 timestamps, decimal and
 * narrowing conversions.
 */
#include "parquet/encoding.h"

#include <string.h>

#include "core/mem.h"

#define MICROS_PER_DAY 86400000000LL
#define NANOS_PER_DAY 86400000000000ULL

/* Checks that in[pos..len) holds `need` bytes. */
static sm_err_t need_bytes(size_t len, size_t pos, size_t need, const char *what, size_t n,
                           sm_error_t *e)
{
    if (pos > len || len - pos < need)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "PLAIN %s: %zu values need %zu bytes at offset %zu, only %zu left",
                            what, n, need, pos, pos > len ? (size_t)0 : len - pos);
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* Booleans                                                          */
/* ---------------------------------------------------------------- */

/* Loads up to 8 bytes at p (nbytes of them) into a little-endian word. */
static uint64_t load_part(const uint8_t *p, size_t nbytes)
{
    uint64_t w = 0;
    memcpy(&w, p, nbytes < 8 ? nbytes : 8);
    return w;
}

/* Copies n bits from src at bit so to dst at bit dof, keeping the other
 * bits of dst.  Reads only bytes holding source bits, writes only bytes
 * holding destination bits. */
static void copy_bits(const uint8_t *src, size_t so, uint8_t *dst, size_t dof, size_t n)
{
    while (n) {
        size_t k = n < 56 ? n : 56;
        unsigned ss = (unsigned)(so & 7), ds = (unsigned)(dof & 7);
        uint64_t v = load_part(src + so / 8, (ss + k + 7) / 8) >> ss;
        uint64_t mask = (((uint64_t)1 << k) - 1);
        v &= mask;
        size_t nb = (ds + k + 7) / 8;
        uint64_t d = load_part(dst + dof / 8, nb);
        d = (d & ~(mask << ds)) | (v << ds);
        memcpy(dst + dof / 8, &d, nb);
        so += k;
        dof += k;
        n -= k;
    }
}

static sm_err_t check_bools(size_t len, size_t pos, size_t bit_off, size_t n, sm_error_t *e)
{
    size_t bits;
    if (__builtin_add_overflow(bit_off, n, &bits))
        return sm_error_set(e, SM_ERR_CORRUPT, "PLAIN BOOLEAN: bit range overflows");
    return need_bytes(len, pos, bits / 8 + (bits % 8 != 0), "BOOLEAN", n, e);
}

sm_err_t sm_pq_plain_get_bools(const uint8_t *in, size_t len, size_t pos, size_t bit_off, size_t n,
                               uint8_t *out, sm_error_t *e)
{
    sm_err_t rc = check_bools(len, pos, bit_off, n, e);
    if (rc)
        return rc;
    const uint8_t *p = in + pos + bit_off / 8;
    unsigned s = (unsigned)(bit_off & 7);
    size_t i = 0;
    for (; s && i < n; i++, s = (s + 1) & 7) {
        out[i] = (*p >> s) & 1;
        if (s == 7)
            p++;
    }
    for (; i + 8 <= n; i += 8, p++) {
        uint64_t x = (*p * 0x0101010101010101ULL) & 0x8040201008040201ULL;
        x = ((x + 0x7f7f7f7f7f7f7f7fULL) >> 7) & 0x0101010101010101ULL;
        memcpy(out + i, &x, 8);
    }
    for (unsigned b = 0; i < n; i++, b++)
        out[i] = (*p >> b) & 1;
    return SM_OK;
}

sm_err_t sm_pq_plain_get_bool_bits(const uint8_t *in, size_t len, size_t pos, size_t bit_off,
                                   size_t n, uint8_t *bitmap, size_t out_off, sm_error_t *e)
{
    sm_err_t rc = check_bools(len, pos, bit_off, n, e);
    if (rc)
        return rc;
    copy_bits(in + pos, bit_off, bitmap, out_off, n);
    return SM_OK;
}

sm_err_t sm_pq_plain_put_bools(const uint8_t *vals, size_t n, sm_buf_t *out, sm_error_t *e)
{
    size_t nbytes = n / 8 + (n % 8 != 0);
    sm_err_t rc = sm_buf_reserve(out, nbytes, e);
    if (rc)
        return rc;
    uint8_t *w = out->data + out->len;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, t;
        memcpy(&x, vals + i, 8);
        t = ((x & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | x; /* bit 7: byte != 0 */
        t = (t >> 7) & 0x0101010101010101ULL;
        *w++ = (uint8_t)((t * 0x0102040810204080ULL) >> 56);
    }
    if (i < n) {
        uint8_t b = 0;
        for (unsigned k = 0; i < n; i++, k++)
            b |= (uint8_t)((vals[i] != 0) << k);
        *w++ = b;
    }
    out->len += nbytes;
    out->data[out->len] = 0;
    return SM_OK;
}

sm_err_t sm_pq_plain_put_bool_bits(const uint8_t *bitmap, size_t bit_off, size_t n, sm_buf_t *out,
                                   sm_error_t *e)
{
    size_t nbytes = n / 8 + (n % 8 != 0);
    sm_err_t rc = sm_buf_reserve(out, nbytes, e);
    if (rc)
        return rc;
    uint8_t *w = out->data + out->len;
    memset(w, 0, nbytes);
    copy_bits(bitmap, bit_off, w, 0, n);
    out->len += nbytes;
    out->data[out->len] = 0;
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* Fixed width                                                       */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_plain_get_fixed(const uint8_t *in, size_t len, size_t *pos, size_t n, size_t width,
                               void *out, sm_error_t *e)
{
    size_t need;
    if (!sm_size_mul(n, width, &need))
        return sm_error_set(e, SM_ERR_CORRUPT, "PLAIN: %zu values of %zu bytes overflow", n, width);
    sm_err_t rc = need_bytes(len, *pos, need, "fixed-width", n, e);
    if (rc)
        return rc;
    if (need)
        memcpy(out, in + *pos, need);
    *pos += need;
    return SM_OK;
}

sm_err_t sm_pq_plain_get_i32(const uint8_t *in, size_t len, size_t *pos, size_t n, int32_t *out,
                             sm_error_t *e)
{
    return sm_pq_plain_get_fixed(in, len, pos, n, 4, out, e);
}

sm_err_t sm_pq_plain_get_i64(const uint8_t *in, size_t len, size_t *pos, size_t n, int64_t *out,
                             sm_error_t *e)
{
    return sm_pq_plain_get_fixed(in, len, pos, n, 8, out, e);
}

sm_err_t sm_pq_plain_get_float(const uint8_t *in, size_t len, size_t *pos, size_t n, float *out,
                               sm_error_t *e)
{
    return sm_pq_plain_get_fixed(in, len, pos, n, 4, out, e);
}

sm_err_t sm_pq_plain_get_double(const uint8_t *in, size_t len, size_t *pos, size_t n, double *out,
                                sm_error_t *e)
{
    return sm_pq_plain_get_fixed(in, len, pos, n, 8, out, e);
}

sm_err_t sm_pq_plain_put_fixed(const void *vals, size_t n, size_t width, sm_buf_t *out,
                               sm_error_t *e)
{
    size_t bytes;
    if (!sm_size_mul(n, width, &bytes))
        return sm_error_set(e, SM_ERR_LIMIT, "PLAIN: %zu values of %zu bytes overflow", n, width);
    return sm_buf_append(out, vals, bytes, e);
}

/* ---------------------------------------------------------------- */
/* INT96                                                             */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_int96_to_micros(const uint8_t b[12], int64_t *out, sm_error_t *e)
{
    uint64_t nanos;
    uint32_t ujd;
    memcpy(&nanos, b, 8);
    memcpy(&ujd, b + 8, 4);
    if (nanos >= NANOS_PER_DAY)
        return sm_error_set(e, SM_ERR_CORRUPT, "INT96: nanoseconds-of-day %llu out of range",
                            (unsigned long long)nanos);
    __int128 us = ((__int128)(int32_t)ujd - SM_PQ_JULIAN_EPOCH_DAY) * MICROS_PER_DAY +
                  (__int128)(nanos / 1000);
    if (us < INT64_MIN || us > INT64_MAX)
        return sm_error_set(e, SM_ERR_OVERFLOW,
                            "INT96: Julian day %d does not fit int64 microseconds",
                            (int)(int32_t)ujd);
    *out = (int64_t)us;
    return SM_OK;
}

void sm_pq_int96_from_micros(int64_t micros, uint8_t b[12])
{
    int64_t days = micros / MICROS_PER_DAY, rem = micros % MICROS_PER_DAY;
    if (rem < 0) {
        rem += MICROS_PER_DAY;
        days -= 1;
    }
    uint64_t nanos = (uint64_t)rem * 1000;
    int32_t jd = (int32_t)(days + SM_PQ_JULIAN_EPOCH_DAY);
    memcpy(b, &nanos, 8);
    memcpy(b + 8, &jd, 4);
}

sm_err_t sm_pq_plain_get_int96_micros(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                      int64_t *out, sm_error_t *e)
{
    size_t need;
    if (!sm_size_mul(n, 12, &need))
        return sm_error_set(e, SM_ERR_CORRUPT, "PLAIN INT96: %zu values overflow", n);
    sm_err_t rc = need_bytes(len, *pos, need, "INT96", n, e);
    if (rc)
        return rc;
    const uint8_t *p = in + *pos;
    for (size_t i = 0; i < n; i++, p += 12) {
        rc = sm_pq_int96_to_micros(p, &out[i], e);
        if (rc)
            return sm_error_wrap(e, "PLAIN INT96 value %zu at offset %zu", i, *pos + 12 * i);
    }
    *pos += need;
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* BYTE_ARRAY                                                        */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_plain_scan_binary(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                 uint32_t *starts, uint32_t *lens, sm_error_t *e)
{
    size_t p = *pos;
    if (p > len)
        return sm_error_set(e, SM_ERR_CORRUPT, "PLAIN BYTE_ARRAY: offset %zu past the end", p);
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        if (len - p < 4)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "PLAIN BYTE_ARRAY value %zu: length at offset %zu truncated", i, p);
        memcpy(&l, in + p, 4);
        p += 4;
        if (l > len - p)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "PLAIN BYTE_ARRAY value %zu at offset %zu: length %u runs past "
                                "the end (%zu bytes left)",
                                i, p - 4, l, len - p);
        if (p > UINT32_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "PLAIN BYTE_ARRAY: page larger than 4 GiB");
        if (starts)
            starts[i] = (uint32_t)p;
        if (lens)
            lens[i] = l;
        p += l;
    }
    *pos = p;
    return SM_OK;
}

sm_err_t sm_pq_plain_get_binary(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                int32_t *offsets, sm_buf_t *data, sm_error_t *e)
{
    /* Pass 1: validate and size; pass 2: copy. */
    size_t p = *pos, total = 0;
    if (p > len)
        return sm_error_set(e, SM_ERR_CORRUPT, "PLAIN BYTE_ARRAY: offset %zu past the end", p);
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        if (len - p < 4)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "PLAIN BYTE_ARRAY value %zu: length at offset %zu truncated", i, p);
        memcpy(&l, in + p, 4);
        if (l > len - p - 4)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "PLAIN BYTE_ARRAY value %zu at offset %zu: length %u runs past "
                                "the end (%zu bytes left)",
                                i, p, l, len - p - 4);
        p += 4 + (size_t)l;
        total += l;
    }
    if (data->len > INT32_MAX || total > (size_t)INT32_MAX - data->len)
        return sm_error_set(e, SM_ERR_OVERFLOW,
                            "PLAIN BYTE_ARRAY: %zu bytes of values exceed int32 offsets", total);
    sm_err_t rc = sm_buf_reserve(data, total, e);
    if (rc)
        return rc;
    uint8_t *w = data->data + data->len;
    int32_t off = (int32_t)data->len;
    offsets[0] = off;
    p = *pos;
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        memcpy(&l, in + p, 4);
        memcpy(w, in + p + 4, l);
        w += l;
        p += 4 + (size_t)l;
        off += (int32_t)l;
        offsets[i + 1] = off;
    }
    data->len += total;
    data->data[data->len] = 0;
    *pos = p;
    return SM_OK;
}

sm_err_t sm_pq_plain_put_binary(const int32_t *offsets, const uint8_t *data, size_t n,
                                sm_buf_t *out, sm_error_t *e)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (offsets[i + 1] < offsets[i] || offsets[i] < 0)
            return sm_error_set(e, SM_ERR_INVALID, "BYTE_ARRAY offsets decrease at value %zu", i);
        total += 4 + (size_t)(offsets[i + 1] - offsets[i]);
    }
    sm_err_t rc = sm_buf_reserve(out, total, e);
    if (rc)
        return rc;
    uint8_t *w = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        uint32_t l = (uint32_t)(offsets[i + 1] - offsets[i]);
        memcpy(w, &l, 4);
        if (l)
            memcpy(w + 4, data + offsets[i], l);
        w += 4 + (size_t)l;
    }
    out->len += total;
    out->data[out->len] = 0;
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* Decimals and narrowing                                            */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_decimal_from_be(const uint8_t *b, size_t len, __int128 *out, sm_error_t *e)
{
    if (len == 0) {
        *out = 0;
        return SM_OK;
    }
    if (len > 16) {
        uint8_t sign = (b[len - 16] & 0x80) ? 0xff : 0x00;
        for (size_t i = 0; i < len - 16; i++)
            if (b[i] != sign)
                return sm_error_set(e, SM_ERR_OVERFLOW,
                                    "decimal of %zu bytes does not fit 128 bits", len);
        b += len - 16;
        len = 16;
    }
    unsigned __int128 u = (b[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < len; i++)
        u = (u << 8) | b[i];
    *out = (__int128)u;
    return SM_OK;
}

sm_err_t sm_pq_decimal_to_be(__int128 v, size_t len, uint8_t *out, sm_error_t *e)
{
    if (len < 1 || len > 16)
        return sm_error_set(e, SM_ERR_INVALID, "decimal length %zu out of range 1..16", len);
    if (len < 16) {
        __int128 lim = (__int128)((unsigned __int128)1 << (8 * len - 1));
        if (v >= lim || v < -lim)
            return sm_error_set(e, SM_ERR_OVERFLOW, "decimal value does not fit in %zu bytes", len);
    }
    unsigned __int128 u = (unsigned __int128)v;
    for (size_t i = 0; i < len; i++)
        out[len - 1 - i] = (uint8_t)(u >> (8 * i));
    return SM_OK;
}

int sm_pq_decimal_min_bytes(int precision)
{
    if (precision < 1 || precision > 38)
        return 0;
    unsigned __int128 max = 1;
    for (int i = 0; i < precision; i++)
        max *= 10;
    max -= 1; /* largest magnitude: 10^p - 1 */
    for (int n = 1; n <= 16; n++)
        if ((((unsigned __int128)1 << (8 * n - 1)) - 1) >= max)
            return n;
    return 16;
}

sm_err_t sm_pq_narrow_i8(const int32_t *in, size_t n, int8_t *out, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] < INT8_MIN || in[i] > INT8_MAX)
            return sm_error_set(e, SM_ERR_OVERFLOW, "value %d at index %zu does not fit INT(8)",
                                (int)in[i], i);
        out[i] = (int8_t)in[i];
    }
    return SM_OK;
}

sm_err_t sm_pq_narrow_i16(const int32_t *in, size_t n, int16_t *out, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] < INT16_MIN || in[i] > INT16_MAX)
            return sm_error_set(e, SM_ERR_OVERFLOW, "value %d at index %zu does not fit INT(16)",
                                (int)in[i], i);
        out[i] = (int16_t)in[i];
    }
    return SM_OK;
}
