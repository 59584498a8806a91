/*
 * parquet/enc_bss.c — BYTE_STREAM_SPLIT: byte k of value i lives at
 * k * N + i, for N values of `width` bytes.  Widths 4 and 8 (FLOAT, INT32,
 * DOUBLE, INT64) have unrolled loops; other FLBA widths a generic one.
 */
#include "parquet/encoding.h"

#include <string.h>

#include "core/mem.h"

sm_err_t sm_pq_bss_get(const uint8_t *data, size_t len, size_t width, size_t start, size_t n,
                       void *out, sm_error_t *e)
{
    if (width == 0)
        return sm_error_set(e, SM_ERR_INVALID, "BYTE_STREAM_SPLIT: value width 0");
    if (len % width != 0)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "BYTE_STREAM_SPLIT: %zu bytes is not a multiple of the %zu-byte "
                            "value width",
                            len, width);
    size_t total = len / width;
    if (start > total || n > total - start)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "BYTE_STREAM_SPLIT: values %zu..%zu requested, the stream holds %zu",
                            start, start + n, total);
    const uint8_t *s = data + start;
    uint8_t *o = out;
    if (width == 4) {
        const uint8_t *s0 = s, *s1 = s + total, *s2 = s + 2 * total, *s3 = s + 3 * total;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = (uint32_t)s0[i] | (uint32_t)s1[i] << 8 | (uint32_t)s2[i] << 16 |
                         (uint32_t)s3[i] << 24;
            memcpy(o + 4 * i, &v, 4);
        }
    } else if (width == 8) {
        const uint8_t *st[8];
        for (int k = 0; k < 8; k++)
            st[k] = s + (size_t)k * total;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = 0;
            for (int k = 0; k < 8; k++)
                v |= (uint64_t)st[k][i] << (8 * k);
            memcpy(o + 8 * i, &v, 8);
        }
    } else {
        for (size_t k = 0; k < width; k++) {
            const uint8_t *sk = s + k * total;
            for (size_t i = 0; i < n; i++)
                o[i * width + k] = sk[i];
        }
    }
    return SM_OK;
}

sm_err_t sm_pq_bss_put(const void *vals, size_t n, size_t width, sm_buf_t *out, sm_error_t *e)
{
    size_t bytes;
    if (width == 0)
        return sm_error_set(e, SM_ERR_INVALID, "BYTE_STREAM_SPLIT: value width 0");
    if (!sm_size_mul(n, width, &bytes))
        return sm_error_set(e, SM_ERR_LIMIT, "BYTE_STREAM_SPLIT: %zu values overflow", n);
    sm_err_t rc = sm_buf_reserve(out, bytes, e);
    if (rc)
        return rc;
    const uint8_t *v = vals;
    uint8_t *w = out->data + out->len;
    for (size_t k = 0; k < width; k++) {
        uint8_t *wk = w + k * n;
        for (size_t i = 0; i < n; i++)
            wk[i] = v[i * width + k];
    }
    out->len += bytes;
    out->data[out->len] = 0;
    return SM_OK;
}
