/* Bit packing and the RLE / bit-packed hybrid (parquet/encoding). */
#include "check.h"

#include <stdlib.h>

#include "core/mem.h"
#include "parquet/encoding.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint32_t mask_of(int bw)
{
    return (uint32_t)(((uint64_t)1 << bw) - 1);
}

static void test_bit_width(void)
{
    CHECK_EQ_INT(sm_pq_bit_width(0), 0);
    CHECK_EQ_INT(sm_pq_bit_width(1), 1);
    CHECK_EQ_INT(sm_pq_bit_width(2), 2);
    CHECK_EQ_INT(sm_pq_bit_width(3), 2);
    CHECK_EQ_INT(sm_pq_bit_width(7), 3);
    CHECK_EQ_INT(sm_pq_bit_width(255), 8);
    CHECK_EQ_INT(sm_pq_bit_width(256), 9);
    CHECK_EQ_INT(sm_pq_bit_width(UINT32_MAX), 32);
    CHECK_EQ_INT(sm_pq_bit_width(UINT64_MAX), 64);
}

/* Encodings.md: 0..7 at bit width 3 bit-pack to 10001000 11000110 11111010. */
static void test_spec_example(void)
{
    uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7}, out[8];
    uint8_t packed[3];
    sm_pq_pack32(v, 8, 3, packed);
    CHECK_EQ_INT(packed[0], 0x88);
    CHECK_EQ_INT(packed[1], 0xC6);
    CHECK_EQ_INT(packed[2], 0xFA);

    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_pq_rle_encode(v, 8, 3, &b, &e), &e);
    uint8_t expect[] = {0x03, 0x88, 0xC6, 0xFA};
    CHECK_EQ_INT(b.len, 4);
    CHECK(b.len == 4 && memcmp(b.data, expect, 4) == 0);
    CHECK_OK(sm_pq_rle_decode32(expect, 4, 3, out, 8, &e), &e);
    CHECK(memcmp(out, v, sizeof v) == 0);
    sm_buf_free(&b);
}

static void test_exact_runs(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    uint32_t z[5] = {0};
    /* Bit width 0 still writes a run header (hardwood#901). */
    CHECK_OK(sm_pq_rle_encode(z, 5, 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 1);
    CHECK_EQ_INT(b.data[0], 10);
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_rle_encode(z, 0, 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 0);

    /* 1000 equal values: one RLE run, varint(2000) + 1 value byte. */
    uint32_t *v = malloc(1000 * sizeof *v);
    for (int i = 0; i < 1000; i++)
        v[i] = 17;
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_rle_encode(v, 1000, 5, &b, &e), &e);
    uint8_t expect[] = {0xD0, 0x0F, 17};
    CHECK(b.len == 3 && memcmp(b.data, expect, 3) == 0);

    /* 3 distinct values then 20 equal: one literal group (3 + 5 borrowed),
     * then an RLE run of 15. */
    v[0] = 1, v[1] = 2, v[2] = 3;
    for (int i = 3; i < 23; i++)
        v[i] = 9;
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_rle_encode(v, 23, 4, &b, &e), &e);
    CHECK_EQ_INT(b.len, 1 + 4 + 1 + 1);
    CHECK_EQ_INT(b.data[0], 0x03);
    CHECK_EQ_INT(b.data[5], 30);
    CHECK_EQ_INT(b.data[6], 9);
    uint32_t out[23];
    CHECK_OK(sm_pq_rle_decode32(b.data, b.len, 4, out, 23, &e), &e);
    CHECK(memcmp(out, v, sizeof out) == 0);

    /* A short final run after whole groups is RLE: 8 literals + 3 equal. */
    for (int i = 0; i < 8; i++)
        v[i] = (uint32_t)i;
    v[8] = v[9] = v[10] = 6;
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_rle_encode(v, 11, 3, &b, &e), &e);
    CHECK_EQ_INT(b.len, 4 + 2);
    CHECK_EQ_INT(b.data[4], 6);
    CHECK_EQ_INT(b.data[5], 6);

    /* 32-bit values: RLE value is 4 LE bytes. */
    for (int i = 0; i < 9; i++)
        v[i] = 0xDEADBEEFu;
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_rle_encode(v, 9, 32, &b, &e), &e);
    uint8_t e32[] = {18, 0xEF, 0xBE, 0xAD, 0xDE};
    CHECK(b.len == 5 && memcmp(b.data, e32, 5) == 0);
    free(v);
    sm_buf_free(&b);
}

/* Decodes n values of b with random chunk sizes, skips and output types;
 * compares with v. */
static int decode_matches(const uint8_t *data, size_t len, int bw, const uint32_t *v, size_t n)
{
    sm_pq_rle_decoder_t d;
    sm_error_t e;
    if (sm_pq_rle_init(&d, data, len, bw, &e))
        return 0;
    uint32_t *o32 = malloc((n + 9) * 4);
    uint16_t *o16 = malloc((n + 1) * 2);
    uint8_t *o8 = malloc(n + 1);
    size_t i = 0;
    int ok = 1;
    while (i < n && ok) {
        size_t k = 1 + rnd() % (rnd() % 2 ? 7 : 300);
        if (k > n - i)
            k = n - i;
        int mode = (int)(rnd() % 4);
        if (mode == 0) {
            ok = sm_pq_rle_skip(&d, k, &e) == SM_OK;
        } else if (mode == 1 && bw <= 8) {
            ok = sm_pq_rle_get8(&d, o8, k, &e) == SM_OK;
            for (size_t j = 0; ok && j < k; j++)
                ok = o8[j] == v[i + j];
        } else if (mode == 2 && bw <= 16) {
            ok = sm_pq_rle_get16(&d, o16, k, &e) == SM_OK;
            for (size_t j = 0; ok && j < k; j++)
                ok = o16[j] == v[i + j];
        } else {
            ok = sm_pq_rle_get32(&d, o32, k, &e) == SM_OK;
            for (size_t j = 0; ok && j < k; j++)
                ok = o32[j] == v[i + j];
        }
        if (!ok)
            fprintf(stderr, "bw %d n %zu: mismatch/error at %zu: %s\n", bw, n, i, e.msg);
        i += k;
    }
    /* Asking past the end must fail cleanly (padding may hold < 8 more). */
    if (ok && sm_pq_rle_get32(&d, o32, 9, &e) == SM_OK)
        ok = 0;
    free(o32);
    free(o16);
    free(o8);
    return ok;
}

static void fill(uint32_t *v, size_t n, int bw, int pattern)
{
    uint32_t m = mask_of(bw);
    for (size_t i = 0; i < n; i++) {
        if (pattern == 0)
            v[i] = (uint32_t)rnd() & m;
        else if (pattern == 1) /* long runs */
            v[i] = (i / 37) % 3 == 0 ? m : (uint32_t)(i / 50) & m;
        else /* runs of random lengths 1..20 */
            v[i] = (i == 0 || rnd() % 10 < 2) ? (uint32_t)rnd() & m : v[i - 1];
    }
}

static void test_round_trips(void)
{
    static const size_t lens[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1000, 4097};
    uint32_t *v = malloc(4097 * sizeof *v);
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    int bad = 0;
    for (int bw = 0; bw <= 32; bw++)
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
            for (int pat = 0; pat < 3; pat++) {
                size_t n = lens[li];
                fill(v, n, bw, pat);
                sm_buf_reset(&b);
                if (sm_pq_rle_encode(v, n, bw, &b, &e) != SM_OK) {
                    bad++;
                    continue;
                }
                if (b.len > sm_pq_rle_max_size(n, bw))
                    bad++;
                if (!decode_matches(b.data, b.len, bw, v, n))
                    bad++;
                if (bw <= 16) { /* the 16-bit encoder writes the same bytes */
                    sm_buf_t b16 = SM_BUF_INIT;
                    uint16_t *v16 = malloc((n + 1) * 2);
                    for (size_t i = 0; i < n; i++)
                        v16[i] = (uint16_t)v[i];
                    CHECK_OK(sm_pq_rle_encode16(v16, n, bw, &b16, &e), &e);
                    CHECK(b16.len == b.len && (n == 0 || memcmp(b16.data, b.data, b.len) == 0));
                    free(v16);
                    sm_buf_free(&b16);
                }
                if (bw <= 8) {
                    sm_buf_t b8 = SM_BUF_INIT;
                    uint8_t *v8 = malloc(n + 1);
                    for (size_t i = 0; i < n; i++)
                        v8[i] = (uint8_t)v[i];
                    CHECK_OK(sm_pq_rle_encode8(v8, n, bw, &b8, &e), &e);
                    CHECK(b8.len == b.len && (n == 0 || memcmp(b8.data, b.data, b.len) == 0));
                    free(v8);
                    sm_buf_free(&b8);
                }
            }
    CHECK_EQ_INT(bad, 0);
    free(v);
    sm_buf_free(&b);
}

static void test_pack_unpack(void)
{
    uint32_t v[203], o[203];
    uint64_t v64[203], o64[203];
    uint8_t buf[203 * 8 + 8];
    sm_error_t e;
    for (int bw = 0; bw <= 64; bw++) {
        for (size_t n = 0; n <= 203; n += (n < 20 ? 1 : 61)) {
            uint64_t m = bw == 64 ? UINT64_MAX : (((uint64_t)1 << bw) - 1);
            for (size_t i = 0; i < n; i++)
                v64[i] = rnd() & m;
            size_t bytes = (n * (size_t)bw + 7) / 8;
            sm_pq_pack64(v64, n, bw, buf);
            CHECK_OK(sm_pq_unpack64(buf, bytes, bw, o64, n, &e), &e);
            CHECK(n == 0 || memcmp(o64, v64, n * 8) == 0);
            if (bytes)
                CHECK(sm_pq_unpack64(buf, bytes - 1, bw, o64, n, &e) == SM_ERR_CORRUPT);
            if (bw <= 32) {
                for (size_t i = 0; i < n; i++)
                    v[i] = (uint32_t)v64[i];
                uint8_t buf2[203 * 4 + 8];
                sm_pq_pack32(v, n, bw, buf2);
                CHECK(bytes == 0 || memcmp(buf2, buf, bytes) == 0);
                CHECK_OK(sm_pq_unpack32(buf2, bytes, bw, o, n, &e), &e);
                CHECK(n == 0 || memcmp(o, v, n * 4) == 0);
            }
        }
    }
    CHECK(sm_pq_unpack32(buf, 10, 33, o, 1, &e) == SM_ERR_INVALID);
}

static void test_clipped_runs(void)
{
    /* RLE run of 100 threes at bit width 2: C8 01 03. */
    uint8_t in[] = {0xC8, 0x01, 0x03};
    sm_pq_rle_decoder_t d;
    sm_error_t e;
    uint8_t out[100];
    CHECK_OK(sm_pq_rle_init(&d, in, sizeof in, 2, &e), &e);
    CHECK_OK(sm_pq_rle_get8(&d, out, 10, &e), &e);
    CHECK(out[0] == 3 && out[9] == 3);
    CHECK_OK(sm_pq_rle_skip(&d, 50, &e), &e);
    CHECK_OK(sm_pq_rle_get8(&d, out, 40, &e), &e);
    CHECK(out[39] == 3);
    CHECK(sm_pq_rle_get8(&d, out, 1, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 3") != NULL);

    /* Bit-packed run claiming 2 groups at bit width 1 with only 1 byte:
     * the 8 values present decode, the 9th is an error naming the run. */
    uint8_t bp[] = {0x05, 0xA5};
    CHECK_OK(sm_pq_rle_init(&d, bp, sizeof bp, 1, &e), &e);
    CHECK_OK(sm_pq_rle_get8(&d, out, 8, &e), &e);
    CHECK(out[0] == 1 && out[1] == 0 && out[2] == 1 && out[7] == 1);
    CHECK(sm_pq_rle_get8(&d, out, 1, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "claims 16 values") != NULL);

    /* Zero-length runs are skipped, not looped on. */
    uint8_t zr[] = {0x00, 0x01, 0x00, 0x01, 0x04, 0x01};
    uint32_t o32[2];
    CHECK_OK(sm_pq_rle_decode32(zr, sizeof zr, 1, o32, 2, &e), &e);
    CHECK(o32[0] == 1 && o32[1] == 1);
}

static void test_bad_input(void)
{
    sm_error_t e;
    uint32_t out[16];
    sm_pq_rle_decoder_t d;
    uint8_t big_value[] = {0x02, 0x05}; /* value 5 at bit width 2 */
    CHECK(sm_pq_rle_decode32(big_value, 2, 2, out, 1, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "exceeds") != NULL);
    uint8_t overlong[11];
    memset(overlong, 0x80, sizeof overlong);
    CHECK(sm_pq_rle_decode32(overlong, sizeof overlong, 2, out, 1, &e) == SM_ERR_CORRUPT);
    uint8_t short_value[] = {0x02, 0x05}; /* 16-bit value needs 2 bytes */
    CHECK(sm_pq_rle_decode32(short_value, 2, 16, out, 1, &e) == SM_ERR_CORRUPT);
    CHECK(sm_pq_rle_decode32(NULL, 0, 3, out, 1, &e) == SM_ERR_CORRUPT);
    CHECK_OK(sm_pq_rle_decode32(NULL, 0, 3, out, 0, &e), &e);
    CHECK(sm_pq_rle_init(&d, big_value, 2, 33, &e) == SM_ERR_INVALID);
    CHECK_OK(sm_pq_rle_init(&d, big_value, 2, 9, &e), &e);
    uint8_t o8[1];
    CHECK(sm_pq_rle_get8(&d, o8, 1, &e) == SM_ERR_INVALID);

    uint32_t v[3] = {1, 8, 2};
    sm_buf_t b = SM_BUF_INIT;
    CHECK(sm_pq_rle_encode(v, 3, 3, &b, &e) == SM_ERR_INVALID);
    CHECK(strstr(e.msg, "index 1") != NULL);
    CHECK(sm_pq_rle_encode(v, 3, 33, &b, &e) == SM_ERR_INVALID);
    CHECK_EQ_INT(b.len, 0);

    uint32_t idx[4] = {0, 3, 4, 1};
    CHECK_OK(sm_pq_check_indices(idx, 2, 4, &e), &e);
    CHECK(sm_pq_check_indices(idx, 4, 4, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "value 2") != NULL);
    sm_buf_free(&b);
}

/* Every truncation of a valid stream either fails or (when only padding
 * was cut) still yields the right values; nothing crashes. */
static void test_truncations(void)
{
    sm_error_t e;
    for (int bw = 0; bw <= 32; bw += 1) {
        uint32_t v[150], out[150];
        fill(v, 150, bw, 2);
        sm_buf_t b = SM_BUF_INIT;
        CHECK_OK(sm_pq_rle_encode(v, 150, bw, &b, &e), &e);
        int fails = 0;
        for (size_t l = 0; l < b.len; l++) {
            uint8_t *copy = malloc(l + 1); /* exact-size copy: ASan sees overreads */
            memcpy(copy, b.data, l);
            sm_err_t rc = sm_pq_rle_decode32(copy, l, bw, out, 150, &e);
            if (rc)
                fails++;
            else
                CHECK(memcmp(out, v, sizeof v) == 0);
            free(copy);
        }
        CHECK(b.len == 0 || fails > 0);
        sm_buf_free(&b);
    }
}

static void test_prefixed(void)
{
    uint16_t lv[40];
    for (int i = 0; i < 40; i++)
        lv[i] = (uint16_t)(i % 3 == 0 ? 2 : i > 30);
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_buf_append(&b, "x", 1, &e), &e);
    CHECK_OK(sm_pq_rle_encode16_prefixed(lv, 40, 2, &b, &e), &e);
    CHECK_OK(sm_buf_append(&b, "tail", 4, &e), &e);
    uint32_t l;
    memcpy(&l, b.data + 1, 4);
    CHECK_EQ_INT(l, b.len - 1 - 4 - 4);
    sm_pq_rle_decoder_t d;
    size_t used = 0;
    CHECK_OK(sm_pq_rle_init_prefixed(&d, b.data + 1, b.len - 1, 2, &used, &e), &e);
    CHECK_EQ_INT(used, b.len - 1 - 4);
    uint16_t out[40];
    CHECK_OK(sm_pq_rle_get16(&d, out, 40, &e), &e);
    CHECK(memcmp(out, lv, sizeof lv) == 0);
    /* length runs past the end */
    CHECK(sm_pq_rle_init_prefixed(&d, b.data + 1, 6, 2, &used, &e) == SM_ERR_CORRUPT);
    CHECK(sm_pq_rle_init_prefixed(&d, b.data + 1, 3, 2, &used, &e) == SM_ERR_CORRUPT);
    sm_buf_free(&b);

    uint32_t v32[3] = {1, 0, 1};
    CHECK_OK(sm_pq_rle_encode_prefixed(v32, 3, 1, &b, &e), &e);
    CHECK_EQ_INT(b.len, 4 + 2);
    sm_buf_free(&b);
}

static void test_alloc_failure(void)
{
    uint32_t v[100];
    fill(v, 100, 7, 0);
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_mem_fail_after(1);
    CHECK(sm_pq_rle_encode(v, 100, 7, &b, &e) == SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(b.len, 0);
    b.limit = 10;
    CHECK(sm_pq_rle_encode(v, 100, 7, &b, &e) == SM_ERR_LIMIT);
    sm_buf_free(&b);
}

int main(void)
{
    RUN(test_bit_width);
    RUN(test_spec_example);
    RUN(test_exact_runs);
    RUN(test_round_trips);
    RUN(test_pack_unpack);
    RUN(test_clipped_runs);
    RUN(test_bad_input);
    RUN(test_truncations);
    RUN(test_prefixed);
    RUN(test_alloc_failure);
    return check_summary();
}
