/*
 * parquet/enc_delta.c — DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and
 * DELTA_BYTE_ARRAY.
 *
 * All delta arithmetic is unsigned (mod 2^64, or mod 2^32 for INT32
 * streams) as the format requires wrap-around.  Skipping a miniblock of
 * width 0 costs O(1) however many values it claims, so a tiny hostile
 * stream cannot make a reader spin.
 */
#include "parquet/encoding.h"

#include <string.h>

#include "core/mem.h"

#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
#define DELTA_MB_SIZE (DELTA_BLOCK / DELTA_MINIBLOCKS)

static uint64_t unzigzag(uint64_t u)
{
    return (u >> 1) ^ (0 - (u & 1));
}

static uint64_t zigzag(uint64_t v)
{
    return (v << 1) ^ (0 - (v >> 63));
}

/* ---------------------------------------------------------------- */
/* Decoder                                                           */
/* ---------------------------------------------------------------- */

/* Private state kept in the public struct:
 *   pending (not a field): deltas not yet decoded = left - buffered -
 *   first_pending; computed where needed. */

static uint64_t deltas_pending(const sm_pq_delta_decoder_t *d)
{
    return d->left - (d->buf_len - d->buf_pos) - (uint64_t)d->first_pending;
}

sm_err_t sm_pq_delta_init(sm_pq_delta_decoder_t *d, const uint8_t *data, size_t len, int is64,
                          sm_error_t *e)
{
    memset(d, 0, sizeof *d);
    d->data = data;
    d->len = len;
    d->is64 = is64 ? 1 : 0;
    uint64_t bs, mbs, total, first;
    size_t p = 0;
    if (sm_pq_uleb_get(data, len, &p, &bs, e) || sm_pq_uleb_get(data, len, &p, &mbs, e) ||
        sm_pq_uleb_get(data, len, &p, &total, e) || sm_pq_uleb_get(data, len, &p, &first, e))
        return sm_error_wrap(e, "DELTA_BINARY_PACKED header");
    if (bs == 0 || bs % 128 != 0)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED header: block size %llu is not a multiple of 128",
                            (unsigned long long)bs);
    if (bs > SM_PQ_DELTA_MAX_BLOCK)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "DELTA_BINARY_PACKED header: block size %llu above %d",
                            (unsigned long long)bs, SM_PQ_DELTA_MAX_BLOCK);
    if (mbs == 0 || mbs > SM_PQ_DELTA_MAX_MINIBLOCKS || bs % mbs != 0 || (bs / mbs) % 8 != 0)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED header: %llu miniblocks per block of %llu",
                            (unsigned long long)mbs, (unsigned long long)bs);
    if (total > SIZE_MAX / 16)
        return sm_error_set(e, SM_ERR_CORRUPT, "DELTA_BINARY_PACKED header: %llu values",
                            (unsigned long long)total);
    d->block_size = (uint32_t)bs;
    d->miniblocks = (uint32_t)mbs;
    d->mb_size = (uint32_t)(bs / mbs);
    d->total = d->left = total;
    d->last = unzigzag(first);
    d->first_pending = total > 0;
    d->mb_index = d->miniblocks; /* a block header comes next */
    d->pos = d->end = p;
    return SM_OK;
}

/* Starts the next miniblock, reading a block header first if needed. */
static sm_err_t next_miniblock(sm_pq_delta_decoder_t *d, sm_error_t *e)
{
    if (d->mb_index + 1 >= d->miniblocks) {
        size_t at = d->pos;
        uint64_t md;
        if (sm_pq_uleb_get(d->data, d->len, &d->pos, &md, e))
            return sm_error_wrap(e, "DELTA_BINARY_PACKED block header");
        d->min_delta = unzigzag(md);
        if (d->len - d->pos < d->miniblocks)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "DELTA_BINARY_PACKED block at offset %zu: %u bit widths "
                                "truncated",
                                at, d->miniblocks);
        memcpy(d->widths, d->data + d->pos, d->miniblocks);
        d->pos += d->miniblocks;
        d->mb_index = 0;
    } else {
        d->mb_index++;
    }
    unsigned w = d->widths[d->mb_index], maxw = d->is64 ? 64 : 32;
    if (w > maxw)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED miniblock before offset %zu: bit width %u "
                            "exceeds %u",
                            d->pos, w, maxw);
    d->mb_left = d->mb_size;
    /* The stream ends after the last miniblock holding values (its
     * padding included, if present). */
    size_t span = (size_t)d->mb_size / 8 * w, avail = d->len - d->pos;
    d->end = d->pos + (span < avail ? span : avail);
    return SM_OK;
}

/* Decodes up to 64 more deltas into d->buf as absolute values. */
static sm_err_t refill(sm_pq_delta_decoder_t *d, sm_error_t *e)
{
    if (d->mb_left == 0) {
        sm_err_t rc = next_miniblock(d, e);
        if (rc)
            return rc;
    }
    uint64_t pending = deltas_pending(d);
    size_t cnt = 64;
    if (cnt > d->mb_left)
        cnt = d->mb_left;
    if (cnt > pending)
        cnt = (size_t)pending;
    int w = d->widths[d->mb_index];
    size_t avail = d->len - d->pos;
    sm_err_t rc;
    if (d->is64) {
        rc = sm_pq_unpack64(d->data + d->pos, avail, w, d->buf, cnt, e);
        if (rc)
            return sm_error_wrap(e, "DELTA_BINARY_PACKED miniblock at offset %zu", d->pos);
        uint64_t v = d->last, md = d->min_delta;
        for (size_t i = 0; i < cnt; i++) {
            v += md + d->buf[i];
            d->buf[i] = v;
        }
        d->last = v;
    } else {
        uint32_t tmp[64];
        rc = sm_pq_unpack32(d->data + d->pos, avail, w, tmp, cnt, e);
        if (rc)
            return sm_error_wrap(e, "DELTA_BINARY_PACKED miniblock at offset %zu", d->pos);
        uint32_t v = (uint32_t)d->last, md = (uint32_t)d->min_delta;
        for (size_t i = 0; i < cnt; i++) {
            v += md + tmp[i];
            d->buf[i] = v;
        }
        d->last = v;
    }
    size_t bytes = cnt * (size_t)w / 8;
    d->pos += bytes < avail ? bytes : avail;
    d->mb_left -= (uint32_t)cnt;
    d->buf_pos = 0;
    d->buf_len = (unsigned)cnt;
    return SM_OK;
}

static sm_err_t check_left(const sm_pq_delta_decoder_t *d, size_t n, sm_error_t *e)
{
    if (n > d->left)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED: %zu values requested, only %llu left in the "
                            "stream",
                            n, (unsigned long long)d->left);
    return SM_OK;
}

#define DEF_DELTA_GET(NAME, T, IS64)                                                               \
    sm_err_t NAME(sm_pq_delta_decoder_t *d, T *out, size_t n, sm_error_t *e)                       \
    {                                                                                              \
        if (d->is64 != (IS64))                                                                     \
            return sm_error_set(e, SM_ERR_INVALID, "DELTA_BINARY_PACKED: wrong integer width");    \
        sm_err_t rc = check_left(d, n, e);                                                         \
        if (rc)                                                                                    \
            return rc;                                                                             \
        size_t done = 0;                                                                           \
        if (n && d->first_pending) {                                                               \
            out[done++] = (T)d->last;                                                              \
            d->first_pending = 0;                                                                  \
            d->left--;                                                                             \
        }                                                                                          \
        while (done < n) {                                                                         \
            if (d->buf_pos == d->buf_len) {                                                        \
                rc = refill(d, e);                                                                 \
                if (rc)                                                                            \
                    return rc;                                                                     \
            }                                                                                      \
            size_t k = d->buf_len - d->buf_pos;                                                    \
            if (k > n - done)                                                                      \
                k = n - done;                                                                      \
            for (size_t i = 0; i < k; i++)                                                         \
                out[done + i] = (T)d->buf[d->buf_pos + i];                                         \
            d->buf_pos += (unsigned)k;                                                             \
            d->left -= k;                                                                          \
            done += k;                                                                             \
        }                                                                                          \
        return SM_OK;                                                                              \
    }

DEF_DELTA_GET(sm_pq_delta_get32, int32_t, 0)
DEF_DELTA_GET(sm_pq_delta_get64, int64_t, 1)

sm_err_t sm_pq_delta_skip(sm_pq_delta_decoder_t *d, size_t n, sm_error_t *e)
{
    sm_err_t rc = check_left(d, n, e);
    if (rc)
        return rc;
    if (n && d->first_pending) {
        d->first_pending = 0;
        d->left--;
        n--;
    }
    while (n) {
        if (d->buf_pos < d->buf_len) {
            size_t k = d->buf_len - d->buf_pos;
            if (k > n)
                k = n;
            d->buf_pos += (unsigned)k;
            d->left -= k;
            n -= k;
            continue;
        }
        if (d->mb_left == 0) {
            rc = next_miniblock(d, e);
            if (rc)
                return rc;
        }
        if (d->widths[d->mb_index] == 0) { /* no bytes: every delta is min_delta */
            uint64_t k = n < d->mb_left ? n : d->mb_left;
            d->last += k * d->min_delta;
            if (!d->is64)
                d->last = (uint32_t)d->last;
            d->mb_left -= (uint32_t)k;
            d->left -= k;
            n -= (size_t)k;
            continue;
        }
        rc = refill(d, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

sm_err_t sm_pq_delta_finish(sm_pq_delta_decoder_t *d, size_t *end, sm_error_t *e)
{
    sm_err_t rc = sm_pq_delta_skip(d, (size_t)d->left, e);
    if (rc)
        return rc;
    *end = d->end;
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* Encoder                                                           */
/* ---------------------------------------------------------------- */

/* deltas[0..cnt) of one block, already in unsigned wrap-around form;
 * `sbits` is 32 or 64 (signedness of the minimum). */
static uint8_t *put_block(uint8_t *w, uint64_t *dl, size_t cnt, int sbits)
{
    int64_t min = 0;
    for (size_t i = 0; i < cnt; i++) {
        int64_t s = sbits == 32 ? (int64_t)(int32_t)(uint32_t)dl[i] : (int64_t)dl[i];
        if (i == 0 || s < min)
            min = s;
    }
    w += sm_pq_uleb_put(w, zigzag((uint64_t)min));
    uint8_t *widths = w;
    w += DELTA_MINIBLOCKS;
    for (size_t i = 0; i < cnt; i++) {
        dl[i] -= (uint64_t)min;
        if (sbits == 32)
            dl[i] = (uint32_t)dl[i];
    }
    for (size_t m = 0; m < DELTA_MINIBLOCKS; m++) {
        size_t a = m * DELTA_MB_SIZE, b = a + DELTA_MB_SIZE;
        if (a >= cnt) {
            widths[m] = 0;
            continue;
        }
        uint64_t all = 0, vals[DELTA_MB_SIZE] = {0};
        for (size_t i = a; i < b && i < cnt; i++) {
            all |= dl[i];
            vals[i - a] = dl[i];
        }
        int bw = sm_pq_bit_width(all);
        widths[m] = (uint8_t)bw;
        sm_pq_pack64(vals, DELTA_MB_SIZE, bw, w);
        w += (size_t)DELTA_MB_SIZE / 8 * (size_t)bw;
    }
    return w;
}

static sm_err_t delta_encode(const void *v, size_t n, int is64, sm_buf_t *out, sm_error_t *e)
{
    size_t blocks = n > 1 ? (n - 2) / DELTA_BLOCK + 1 : 0, max;
    if (!sm_size_mul(blocks, 10 + DELTA_MINIBLOCKS + DELTA_BLOCK * 8, &max) || max > SIZE_MAX - 64)
        return sm_error_set(e, SM_ERR_LIMIT, "DELTA_BINARY_PACKED: %zu values too many", n);
    sm_err_t rc = sm_buf_reserve(out, max + 64, e);
    if (rc)
        return rc;
    const int32_t *v32 = v;
    const int64_t *v64 = v;
#define VAL(i) (is64 ? (uint64_t)v64[i] : (uint64_t)(uint32_t)v32[i])
    uint8_t *w = out->data + out->len, *start = w;
    w += sm_pq_uleb_put(w, DELTA_BLOCK);
    w += sm_pq_uleb_put(w, DELTA_MINIBLOCKS);
    w += sm_pq_uleb_put(w, n);
    uint64_t first = n ? (is64 ? (uint64_t)v64[0] : (uint64_t)(int64_t)v32[0]) : 0;
    w += sm_pq_uleb_put(w, zigzag(first));
    uint64_t dl[DELTA_BLOCK];
    for (size_t i = 1; i < n;) {
        size_t cnt = 0;
        for (; cnt < DELTA_BLOCK && i < n; cnt++, i++) {
            dl[cnt] = VAL(i) - VAL(i - 1);
            if (!is64)
                dl[cnt] = (uint32_t)dl[cnt];
        }
        w = put_block(w, dl, cnt, is64 ? 64 : 32);
    }
#undef VAL
    out->len += (size_t)(w - start);
    out->data[out->len] = 0;
    return SM_OK;
}

sm_err_t sm_pq_delta_encode32(const int32_t *v, size_t n, sm_buf_t *out, sm_error_t *e)
{
    return delta_encode(v, n, 0, out, e);
}

sm_err_t sm_pq_delta_encode64(const int64_t *v, size_t n, sm_buf_t *out, sm_error_t *e)
{
    return delta_encode(v, n, 1, out, e);
}

/* ---------------------------------------------------------------- */
/* DELTA_LENGTH_BYTE_ARRAY                                           */
/* ---------------------------------------------------------------- */

/* Decodes a whole INT32 delta stream of at most max_values values into a
 * new array of count + 1 entries (values at [1..count]); *end = offset past
 * the stream. */
static sm_err_t read_int32s(const uint8_t *data, size_t len, size_t max_values, const char *what,
                            int32_t **arr, size_t *count, size_t *end, sm_error_t *e)
{
    sm_pq_delta_decoder_t dd;
    sm_err_t rc = sm_pq_delta_init(&dd, data, len, 0, e);
    if (rc)
        return sm_error_wrap(e, "%s", what);
    if (dd.total > max_values)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: %llu values, at most %zu expected", what,
                            (unsigned long long)dd.total, max_values);
    size_t n = (size_t)dd.total;
    int32_t *a = sm_malloc((n + 1) * sizeof *a);
    if (!a)
        return sm_error_nomem(e, what);
    a[0] = 0;
    rc = sm_pq_delta_get32(&dd, a + 1, n, e);
    if (!rc)
        rc = sm_pq_delta_finish(&dd, end, e);
    if (rc) {
        sm_free(a);
        return sm_error_wrap(e, "%s", what);
    }
    for (size_t i = 1; i <= n; i++)
        if (a[i] < 0) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: value %zu is negative (%d)", what, i - 1,
                              (int)a[i]);
            sm_free(a);
            return rc;
        }
    *arr = a;
    *count = n;
    return SM_OK;
}

sm_err_t sm_pq_dlba_init(sm_pq_dlba_decoder_t *d, const uint8_t *data, size_t len,
                         size_t max_values, sm_error_t *e)
{
    memset(d, 0, sizeof *d);
    size_t end, n;
    int32_t *offs;
    sm_err_t rc =
        read_int32s(data, len, max_values, "DELTA_LENGTH_BYTE_ARRAY lengths", &offs, &n, &end, e);
    if (rc)
        return rc;
    /* lengths -> offsets, bounded by the bytes that follow */
    size_t avail = len - end, sum = 0;
    for (size_t i = 1; i <= n; i++) {
        sum += (size_t)offs[i];
        if (sum > avail) {
            sm_free(offs);
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "DELTA_LENGTH_BYTE_ARRAY: value %zu runs past the end (bytes "
                                "start at offset %zu, %zu available)",
                                i - 1, end, avail);
        }
        if (sum > INT32_MAX) {
            sm_free(offs);
            return sm_error_set(e, SM_ERR_OVERFLOW,
                                "DELTA_LENGTH_BYTE_ARRAY: values exceed int32 offsets");
        }
        offs[i] = (int32_t)sum;
    }
    d->bytes = data + end;
    d->offsets = offs;
    d->count = n;
    d->end = end + sum;
    return SM_OK;
}

static sm_err_t check_count(size_t next, size_t count, size_t n, const char *what, sm_error_t *e)
{
    if (n > count - next)
        return sm_error_set(e, SM_ERR_CORRUPT, "%s: %zu values requested, only %zu left", what, n,
                            count - next);
    return SM_OK;
}

sm_err_t sm_pq_dlba_get(sm_pq_dlba_decoder_t *d, size_t n, int32_t *offsets, sm_buf_t *data,
                        sm_error_t *e)
{
    sm_err_t rc = check_count(d->next, d->count, n, "DELTA_LENGTH_BYTE_ARRAY", e);
    if (rc)
        return rc;
    size_t a = (size_t)d->offsets[d->next], total = (size_t)d->offsets[d->next + n] - a;
    if (data->len > INT32_MAX || total > (size_t)INT32_MAX - data->len)
        return sm_error_set(e, SM_ERR_OVERFLOW,
                            "DELTA_LENGTH_BYTE_ARRAY: %zu bytes of values exceed int32 offsets",
                            total);
    rc = sm_buf_reserve(data, total, e);
    if (rc)
        return rc;
    if (total)
        memcpy(data->data + data->len, d->bytes + a, total);
    int32_t shift = (int32_t)data->len - (int32_t)a;
    for (size_t i = 0; i <= n; i++)
        offsets[i] = d->offsets[d->next + i] + shift;
    data->len += total;
    data->data[data->len] = 0;
    d->next += n;
    return SM_OK;
}

sm_err_t sm_pq_dlba_skip(sm_pq_dlba_decoder_t *d, size_t n, sm_error_t *e)
{
    sm_err_t rc = check_count(d->next, d->count, n, "DELTA_LENGTH_BYTE_ARRAY", e);
    if (rc)
        return rc;
    d->next += n;
    return SM_OK;
}

void sm_pq_dlba_free(sm_pq_dlba_decoder_t *d)
{
    sm_free(d->offsets);
    memset(d, 0, sizeof *d);
}

/* Appends the delta-encoded lengths then the bytes of n values, value i
 * being ptr(i)[0..len(i)). */
static sm_err_t put_dlba(const int32_t *lens, const uint8_t *const *ptrs, size_t n, sm_buf_t *out,
                         sm_error_t *e)
{
    size_t start = out->len, total = 0;
    sm_err_t rc = sm_pq_delta_encode32(lens, n, out, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        total += (size_t)lens[i];
    rc = sm_buf_reserve(out, total, e);
    if (rc) {
        out->len = start;
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (lens[i])
            memcpy(out->data + out->len, ptrs[i], (size_t)lens[i]);
        out->len += (size_t)lens[i];
    }
    out->data[out->len] = 0;
    return SM_OK;
}

static sm_err_t check_offsets(const int32_t *offsets, size_t n, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++)
        if (offsets[i] < 0 || offsets[i + 1] < offsets[i])
            return sm_error_set(e, SM_ERR_INVALID, "BYTE_ARRAY offsets decrease at value %zu", i);
    return SM_OK;
}

sm_err_t sm_pq_dlba_encode(const int32_t *offsets, const uint8_t *data, size_t n, sm_buf_t *out,
                           sm_error_t *e)
{
    sm_err_t rc = check_offsets(offsets, n, e);
    if (rc)
        return rc;
    int32_t *lens = sm_malloc((n ? n : 1) * sizeof *lens);
    const uint8_t **ptrs = sm_malloc((n ? n : 1) * sizeof *ptrs);
    if (!lens || !ptrs) {
        rc = sm_error_nomem(e, "DELTA_LENGTH_BYTE_ARRAY encoder");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        lens[i] = offsets[i + 1] - offsets[i];
        ptrs[i] = data + offsets[i];
    }
    rc = put_dlba(lens, ptrs, n, out, e);
out:
    sm_free(lens);
    sm_free(ptrs);
    return rc;
}

/* ---------------------------------------------------------------- */
/* DELTA_BYTE_ARRAY                                                  */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_dba_init(sm_pq_dba_decoder_t *d, const uint8_t *data, size_t len, size_t max_values,
                        sm_error_t *e)
{
    memset(d, 0, sizeof *d);
    size_t end, n;
    int32_t *pre;
    sm_err_t rc =
        read_int32s(data, len, max_values, "DELTA_BYTE_ARRAY prefix lengths", &pre, &n, &end, e);
    if (rc)
        return rc;
    rc = sm_pq_dlba_init(&d->sfx, data + end, len - end, max_values, e);
    if (rc) {
        sm_free(pre);
        return sm_error_wrap(e, "DELTA_BYTE_ARRAY suffixes at offset %zu", end);
    }
    if (d->sfx.count != n) {
        sm_free(pre);
        sm_pq_dlba_free(&d->sfx);
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "DELTA_BYTE_ARRAY: %zu prefix lengths but %zu suffixes", n,
                            d->sfx.count);
    }
    d->prefix = pre;
    d->count = n;
    d->end = end + d->sfx.end;
    return SM_OK;
}

static sm_err_t bad_prefix(size_t i, int32_t p, size_t prev, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_CORRUPT,
                        "DELTA_BYTE_ARRAY value %zu: prefix length %d longer than the previous "
                        "value (%zu bytes)",
                        i, (int)p, prev);
}

sm_err_t sm_pq_dba_get(sm_pq_dba_decoder_t *d, size_t n, int32_t *offsets, sm_buf_t *data,
                       sm_error_t *e)
{
    sm_err_t rc = check_count(d->next, d->count, n, "DELTA_BYTE_ARRAY", e);
    if (rc)
        return rc;
    const int32_t *pre = d->prefix + 1 + d->next, *so = d->sfx.offsets + d->next;
    /* Pass 1: validate prefixes and size the output. */
    size_t prev = d->prev.len, total = 0;
    for (size_t i = 0; i < n; i++) {
        if ((size_t)pre[i] > prev)
            return bad_prefix(d->next + i, pre[i], prev, e);
        prev = (size_t)pre[i] + (size_t)(so[i + 1] - so[i]);
        total += prev;
        if (total > INT32_MAX)
            break;
    }
    if (data->len > INT32_MAX || total > (size_t)INT32_MAX - data->len)
        return sm_error_set(e, SM_ERR_OVERFLOW,
                            "DELTA_BYTE_ARRAY: values exceed int32 offsets (%zu bytes)", total);
    rc = sm_buf_reserve(data, total, e);
    if (rc)
        return rc;
    /* Pass 2: rebuild; the output buffer does not move any more. */
    const uint8_t *pv = d->prev.data;
    uint8_t *w = data->data + data->len;
    offsets[0] = (int32_t)data->len;
    for (size_t i = 0; i < n; i++) {
        size_t p = (size_t)pre[i], s = (size_t)(so[i + 1] - so[i]);
        if (p)
            memmove(w, pv, p);
        if (s)
            memcpy(w + p, d->sfx.bytes + so[i], s);
        pv = w;
        w += p + s;
        offsets[i + 1] = offsets[i] + (int32_t)(p + s);
    }
    if (n) {
        size_t last = (size_t)(offsets[n] - offsets[n - 1]);
        d->prev.len = 0;
        rc = sm_buf_append(&d->prev, pv, last, e);
        if (rc)
            return rc;
    }
    data->len += total;
    data->data[data->len] = 0;
    d->next += n;
    d->sfx.next += n;
    return SM_OK;
}

sm_err_t sm_pq_dba_skip(sm_pq_dba_decoder_t *d, size_t n, sm_error_t *e)
{
    sm_err_t rc = check_count(d->next, d->count, n, "DELTA_BYTE_ARRAY", e);
    if (rc)
        return rc;
    for (size_t i = 0, start = d->next; i < n; i++) {
        size_t k = start + i, p = (size_t)d->prefix[1 + k];
        if (p > d->prev.len)
            return bad_prefix(k, d->prefix[1 + k], d->prev.len, e);
        d->prev.len = p;
        int32_t a = d->sfx.offsets[k], b = d->sfx.offsets[k + 1];
        rc = sm_buf_append(&d->prev, d->sfx.bytes + a, (size_t)(b - a), e);
        if (rc)
            return rc;
        d->next = k + 1;
        d->sfx.next = k + 1;
    }
    return SM_OK;
}

void sm_pq_dba_free(sm_pq_dba_decoder_t *d)
{
    sm_free(d->prefix);
    sm_pq_dlba_free(&d->sfx);
    sm_buf_free(&d->prev);
    memset(d, 0, sizeof *d);
}

sm_err_t sm_pq_dba_encode(const int32_t *offsets, const uint8_t *data, size_t n, sm_buf_t *out,
                          sm_error_t *e)
{
    sm_err_t rc = check_offsets(offsets, n, e);
    if (rc)
        return rc;
    size_t start = out->len;
    int32_t *pre = sm_malloc((n ? n : 1) * sizeof *pre);
    int32_t *lens = sm_malloc((n ? n : 1) * sizeof *lens);
    const uint8_t **ptrs = sm_malloc((n ? n : 1) * sizeof *ptrs);
    if (!pre || !lens || !ptrs) {
        rc = sm_error_nomem(e, "DELTA_BYTE_ARRAY encoder");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = data + offsets[i];
        int32_t l = offsets[i + 1] - offsets[i], p = 0;
        if (i > 0) {
            const uint8_t *u = data + offsets[i - 1];
            int32_t ul = offsets[i] - offsets[i - 1];
            while (p < l && p < ul && u[p] == v[p])
                p++;
        }
        pre[i] = p;
        lens[i] = l - p;
        ptrs[i] = v + p;
    }
    rc = sm_pq_delta_encode32(pre, n, out, e);
    if (!rc)
        rc = put_dlba(lens, ptrs, n, out, e);
    if (rc)
        out->len = start;
out:
    sm_free(pre);
    sm_free(lens);
    sm_free(ptrs);
    return rc;
}
