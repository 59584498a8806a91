/* BYTE_STREAM_SPLIT (parquet/encoding). */
#include "check.h"

#include <stdlib.h>

#include "parquet/encoding.h"

/* Encodings.md: AA BB CC DD | 00 11 22 33 | A3 B4 C5 D6 split into
 * AA 00 A3 BB 11 B4 CC 22 C5 DD 33 D6. */
static void test_spec_example(void)
{
    uint8_t v[12] = {0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6};
    uint8_t expect[12] = {0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_bss_put(v, 3, 4, &b, &e), &e);
    CHECK(b.len == 12 && memcmp(b.data, expect, 12) == 0);
    float f[3];
    CHECK_OK(sm_pq_bss_get(expect, 12, 4, 0, 3, f, &e), &e);
    CHECK(memcmp(f, v, 12) == 0);
    uint8_t one[4];
    CHECK_OK(sm_pq_bss_get(expect, 12, 4, 2, 1, one, &e), &e);
    CHECK(memcmp(one, v + 8, 4) == 0);
    sm_buf_free(&b);
}

static void test_round_trips(void)
{
    sm_error_t e;
    uint64_t s = 88172645463325252ULL;
    for (size_t width = 1; width <= 17; width++) {
        size_t n = 37 + width;
        uint8_t *v = malloc(n * width), *o = malloc(n * width);
        for (size_t i = 0; i < n * width; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            v[i] = (uint8_t)s;
        }
        sm_buf_t b = SM_BUF_INIT;
        CHECK_OK(sm_pq_bss_put(v, n, width, &b, &e), &e);
        CHECK_EQ_INT(b.len, n * width);
        CHECK_OK(sm_pq_bss_get(b.data, b.len, width, 0, n, o, &e), &e);
        CHECK(memcmp(o, v, n * width) == 0);
        /* in batches */
        for (size_t start = 0; start < n; start += 10) {
            size_t k = n - start < 10 ? n - start : 10;
            CHECK_OK(sm_pq_bss_get(b.data, b.len, width, start, k, o, &e), &e);
            CHECK(memcmp(o, v + start * width, k * width) == 0);
        }
        CHECK(sm_pq_bss_get(b.data, b.len, width, n - 1, 2, o, &e) == SM_ERR_CORRUPT);
        if (width > 1)
            CHECK(sm_pq_bss_get(b.data, b.len - 1, width, 0, 1, o, &e) == SM_ERR_CORRUPT);
        free(v);
        free(o);
        sm_buf_free(&b);
    }
    uint8_t x[1];
    CHECK(sm_pq_bss_get(x, 0, 0, 0, 0, x, &e) == SM_ERR_INVALID);
    CHECK_OK(sm_pq_bss_get(x, 0, 8, 0, 0, x, &e), &e);
    CHECK(sm_pq_bss_get(x, 0, 8, 0, 1, x, &e) == SM_ERR_CORRUPT);
}

int main(void)
{
    RUN(test_spec_example);
    RUN(test_round_trips);
    return check_summary();
}
