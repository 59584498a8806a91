/*
 * Fuzz target for parquet/encoding decoders.
 *
 * Byte 0 picks the decoder (low 3 bits) and a parameter p (high 5 bits:
 * bit width, value width or mode); the rest is the encoded input.
 *   0 RLE-hybrid → uint32, bw = p (31 means 32), get/skip mix, then a
 *     round trip of the decoded values through the encoder
 *   1 RLE-hybrid with a length prefix → uint8 (bw p%9) or uint16 (p%17)
 *   2 / 3 DELTA_BINARY_PACKED INT32 / INT64
 *   4 DELTA_LENGTH_BYTE_ARRAY   5 DELTA_BYTE_ARRAY
 *   6 PLAIN (BYTE_ARRAY, BOOLEAN, INT96, FLBA by p%4)
 *   7 BYTE_STREAM_SPLIT of width p+1, and unpack64 at bw 2p
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/encoding.h"

#define MAXN 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t o32[MAXN], r32[MAXN];
static uint64_t o64[MAXN];
static int32_t offs[MAXN + 1];
static uint8_t o8[MAXN * 32];

static const size_t chunks[] = {1, 7, 64, 300, 8, 3, 1000};

static void fuzz_rle32(const uint8_t *in, size_t len, int bw)
{
    sm_pq_rle_decoder_t d;
    if (sm_pq_rle_init(&d, in, len, bw, NULL))
        return;
    size_t n = 0;
    for (size_t c = 0; n < MAXN; c++) {
        size_t k = chunks[c % 7];
        if (k > MAXN - n)
            k = MAXN - n;
        sm_err_t rc =
            (c % 5 == 4) ? sm_pq_rle_skip(&d, k, NULL) : sm_pq_rle_get32(&d, o32 + n, k, NULL);
        if (rc)
            break;
        if (c % 5 == 4)
            memset(o32 + n, 0, k * 4);
        n += k;
    }
    for (size_t i = 0; i < n; i++)
        if (bw < 32 && (o32[i] >> bw))
            abort(); /* decoded values must fit the bit width */
    sm_buf_t b = SM_BUF_INIT;
    if (sm_pq_rle_encode(o32, n, bw, &b, NULL))
        abort();
    if (sm_pq_rle_decode32(b.data, b.len, bw, r32, n, NULL) || memcmp(r32, o32, n * 4))
        abort();
    sm_buf_free(&b);
}

static void fuzz_rle_small(const uint8_t *in, size_t len, int p)
{
    sm_pq_rle_decoder_t d;
    size_t used;
    int wide = p & 1, bw = wide ? p % 17 : p % 9;
    if (sm_pq_rle_init_prefixed(&d, in, len, bw, &used, NULL))
        return;
    if (used > len)
        abort();
    for (size_t c = 0, n = 0; n < MAXN; c++) {
        size_t k = chunks[c % 7];
        if (k > MAXN - n)
            k = MAXN - n;
        sm_err_t rc = wide ? sm_pq_rle_get16(&d, (uint16_t *)o8 + n, k, NULL)
                           : sm_pq_rle_get8(&d, o8 + n, k, NULL);
        if (rc)
            break;
        n += k;
    }
}

static void fuzz_delta(const uint8_t *in, size_t len, int is64)
{
    sm_pq_delta_decoder_t d;
    if (sm_pq_delta_init(&d, in, len, is64, NULL))
        return;
    size_t n = 0;
    for (size_t c = 0; n < MAXN && d.left; c++) {
        size_t k = chunks[c % 7];
        if (k > MAXN - n)
            k = MAXN - n;
        if (k > d.left)
            k = (size_t)d.left;
        sm_err_t rc = (c % 4 == 3) ? sm_pq_delta_skip(&d, k, NULL)
                      : is64       ? sm_pq_delta_get64(&d, (int64_t *)o64, k, NULL)
                                   : sm_pq_delta_get32(&d, (int32_t *)o32, k, NULL);
        if (rc)
            return;
        n += k;
    }
    size_t end;
    if (d.left < 100000 && !sm_pq_delta_finish(&d, &end, NULL) && end > len)
        abort();
}

static void fuzz_binary(const uint8_t *in, size_t len, int dba)
{
    sm_buf_t out = SM_BUF_INIT;
    out.limit = 1 << 20;
    if (dba) {
        sm_pq_dba_decoder_t d;
        if (sm_pq_dba_init(&d, in, len, MAXN, NULL))
            return;
        if (d.end > len)
            abort();
        for (size_t c = 0; d.next < d.count; c++) {
            size_t k = chunks[c % 7];
            if (k > d.count - d.next)
                k = d.count - d.next;
            sm_err_t rc =
                (c % 3 == 2) ? sm_pq_dba_skip(&d, k, NULL) : sm_pq_dba_get(&d, k, offs, &out, NULL);
            if (rc)
                break;
        }
        sm_pq_dba_free(&d);
    } else {
        sm_pq_dlba_decoder_t d;
        if (sm_pq_dlba_init(&d, in, len, MAXN, NULL))
            return;
        if (d.end > len)
            abort();
        for (size_t c = 0; d.next < d.count; c++) {
            size_t k = chunks[c % 7];
            if (k > d.count - d.next)
                k = d.count - d.next;
            if (sm_pq_dlba_get(&d, k, offs, &out, NULL))
                break;
        }
        sm_pq_dlba_free(&d);
    }
    sm_buf_free(&out);
}

static void fuzz_plain(const uint8_t *in, size_t len, int p)
{
    size_t pos = 0, n = (size_t)p * 37 + 1;
    switch (p % 4) {
    case 0: {
        sm_buf_t out = SM_BUF_INIT;
        out.limit = 1 << 20;
        if (!sm_pq_plain_get_binary(in, len, &pos, n, offs, &out, NULL) && pos > len)
            abort();
        pos = 0;
        sm_pq_plain_scan_binary(in, len, &pos, n, (uint32_t *)o64, o32, NULL);
        sm_buf_free(&out);
        break;
    }
    case 1:
        sm_pq_plain_get_bools(in, len, 0, (size_t)p, n, o8, NULL);
        sm_pq_plain_get_bool_bits(in, len, 0, (size_t)p, n, o8, 3, NULL);
        break;
    case 2:
        sm_pq_plain_get_int96_micros(in, len, &pos, len / 12 < MAXN ? len / 12 : MAXN,
                                     (int64_t *)o64, NULL);
        break;
    default: {
        __int128 v;
        size_t nf = len / (size_t)(p + 1) / 2;
        sm_pq_plain_get_fixed(in, len, &pos, nf < MAXN ? nf : MAXN, (size_t)p + 1, o8, NULL);
        if (!sm_pq_decimal_from_be(in, len < 40 ? len : 40, &v, NULL)) {
            uint8_t be[16];
            __int128 back;
            if (sm_pq_decimal_to_be(v, 16, be, NULL) ||
                sm_pq_decimal_from_be(be, 16, &back, NULL) || back != v)
                abort();
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int kind = data[0] & 7, p = data[0] >> 3;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    /* an exact-size copy so that ASan sees any overread */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, in, len);
    switch (kind) {
    case 0:
        fuzz_rle32(copy, len, p == 31 ? 32 : p);
        break;
    case 1:
        fuzz_rle_small(copy, len, p);
        break;
    case 2:
    case 3:
        fuzz_delta(copy, len, kind == 3);
        break;
    case 4:
    case 5:
        fuzz_binary(copy, len, kind == 5);
        break;
    case 6:
        fuzz_plain(copy, len, p);
        break;
    default: {
        size_t w = (size_t)p + 1, nv = len / w;
        if (len % w == 0 && nv <= MAXN)
            sm_pq_bss_get(copy, len, w, 0, nv, o8, NULL);
        size_t n = len * 8 / (size_t)(2 * p + 1);
        if (n > MAXN)
            n = MAXN;
        sm_pq_unpack64(copy, len, 2 * p, o64, n, NULL);
        break;
    }
    }
    free(copy);
    return 0;
}
