/* PLAIN values, INT96, decimals and narrowing (parquet/encoding). */
#include "check.h"

#include <stdlib.h>

#include "core/mem.h"
#include "parquet/encoding.h"

static void test_bools(void)
{
    uint8_t v[11] = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 7};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_plain_put_bools(v, 11, &b, &e), &e);
    CHECK_EQ_INT(b.len, 2);
    CHECK_EQ_INT(b.data[0], 0x8D);
    CHECK_EQ_INT(b.data[1], 0x05);

    uint8_t out[11];
    CHECK_OK(sm_pq_plain_get_bools(b.data, b.len, 0, 0, 11, out, &e), &e);
    for (int i = 0; i < 11; i++)
        CHECK_EQ_INT(out[i], v[i] != 0);
    /* from every bit offset */
    for (size_t off = 0; off <= 11; off++) {
        CHECK_OK(sm_pq_plain_get_bools(b.data, b.len, 0, off, 11 - off, out, &e), &e);
        for (size_t i = 0; i + off < 11; i++)
            CHECK_EQ_INT(out[i], v[i + off] != 0);
    }
    CHECK(sm_pq_plain_get_bools(b.data, b.len, 0, 5, 12, out, &e) == SM_ERR_CORRUPT);
    CHECK(sm_pq_plain_get_bools(b.data, b.len, 3, 0, 1, out, &e) == SM_ERR_CORRUPT);

    /* into a bitmap at bit 3, keeping the other bits */
    uint8_t bm[3] = {0x07, 0x00, 0xF0};
    CHECK_OK(sm_pq_plain_get_bool_bits(b.data, b.len, 0, 0, 11, bm, 3, &e), &e);
    CHECK_EQ_INT(bm[0], 0x07 | (0x8D << 3 & 0xF8));
    CHECK_EQ_INT(bm[1], (0x8D >> 5) | ((0x05 & 0x07) << 3));
    CHECK_EQ_INT(bm[2], 0xF0);

    /* bitmap -> PLAIN from an odd offset, long enough for the word loop */
    uint8_t bits[40] = {0};
    for (int i = 0; i < 300; i++)
        if ((i * 7) % 5 < 2)
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_plain_put_bool_bits(bits, 5, 290, &b, &e), &e);
    CHECK_EQ_INT(b.len, 37);
    uint8_t *all = malloc(290);
    CHECK_OK(sm_pq_plain_get_bools(b.data, b.len, 0, 0, 290, all, &e), &e);
    for (int i = 0; i < 290; i++)
        CHECK_EQ_INT(all[i], ((i + 5) * 7) % 5 < 2);
    free(all);
    sm_buf_free(&b);
}

static void test_fixed(void)
{
    int32_t i32[3] = {1, -2, INT32_MIN};
    int64_t i64[2] = {INT64_MAX, -5};
    double d[2] = {1.5, -0.0};
    float f[1] = {3.25f};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_plain_put_fixed(i32, 3, 4, &b, &e), &e);
    CHECK_OK(sm_pq_plain_put_fixed(i64, 2, 8, &b, &e), &e);
    CHECK_OK(sm_pq_plain_put_fixed(d, 2, 8, &b, &e), &e);
    CHECK_OK(sm_pq_plain_put_fixed(f, 1, 4, &b, &e), &e);
    CHECK_EQ_INT(b.len, 12 + 16 + 16 + 4);
    CHECK_EQ_INT(b.data[4], 0xFE); /* -2 little endian */
    size_t pos = 0;
    int32_t o32[3];
    int64_t o64[2];
    double od[2];
    float of[1];
    CHECK_OK(sm_pq_plain_get_i32(b.data, b.len, &pos, 3, o32, &e), &e);
    CHECK_OK(sm_pq_plain_get_i64(b.data, b.len, &pos, 2, o64, &e), &e);
    CHECK_OK(sm_pq_plain_get_double(b.data, b.len, &pos, 2, od, &e), &e);
    CHECK(sm_pq_plain_get_double(b.data, b.len, &pos, 1, od, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 44") != NULL);
    CHECK_EQ_INT(pos, 44);
    CHECK_OK(sm_pq_plain_get_float(b.data, b.len, &pos, 1, of, &e), &e);
    CHECK_EQ_INT(pos, b.len);
    CHECK(memcmp(o32, i32, sizeof o32) == 0 && memcmp(o64, i64, sizeof o64) == 0);
    CHECK(memcmp(od, d, sizeof od) == 0 && of[0] == 3.25f);
    CHECK_OK(sm_pq_plain_get_i32(b.data, b.len, &pos, 0, o32, &e), &e);
    CHECK(sm_pq_plain_get_i32(b.data, b.len, &pos, 1, o32, &e) == SM_ERR_CORRUPT);
    pos = 0;
    CHECK(sm_pq_plain_get_fixed(b.data, b.len, &pos, SIZE_MAX / 2, 4, o32, &e) == SM_ERR_CORRUPT);
    /* FLBA of width 5 */
    uint8_t flba[10];
    pos = 0;
    CHECK_OK(sm_pq_plain_get_fixed(b.data, b.len, &pos, 2, 5, flba, &e), &e);
    CHECK(memcmp(flba, b.data, 10) == 0);
    sm_buf_free(&b);
}

static void test_int96(void)
{
    uint8_t v[12] = {0};
    int64_t us = 1;
    sm_error_t e;
    uint32_t jd = 2440588;
    memcpy(v + 8, &jd, 4);
    CHECK_OK(sm_pq_int96_to_micros(v, &us, &e), &e);
    CHECK_EQ_INT(us, 0);
    jd = 2440589;
    uint64_t ns = 1500;
    memcpy(v, &ns, 8);
    memcpy(v + 8, &jd, 4);
    CHECK_OK(sm_pq_int96_to_micros(v, &us, &e), &e);
    CHECK_EQ_INT(us, 86400000000LL + 1);
    /* 1969-12-31 23:59:59.999999 */
    sm_pq_int96_from_micros(-1, v);
    memcpy(&ns, v, 8);
    memcpy(&jd, v + 8, 4);
    CHECK_EQ_INT(jd, 2440587);
    CHECK_EQ_INT(ns, 86399999999000LL);
    CHECK_OK(sm_pq_int96_to_micros(v, &us, &e), &e);
    CHECK_EQ_INT(us, -1);
    /* Spark writes years past 2262 (beyond int64 nanoseconds): fine in us */
    int64_t far = 253402300799999999LL; /* 9999-12-31 23:59:59.999999 */
    sm_pq_int96_from_micros(far, v);
    CHECK_OK(sm_pq_int96_to_micros(v, &us, &e), &e);
    CHECK_EQ_INT(us, far);
    sm_pq_int96_from_micros(INT64_MIN, v);
    CHECK_OK(sm_pq_int96_to_micros(v, &us, &e), &e);
    CHECK(us == INT64_MIN);
    /* out of range */
    ns = 86400000000000ULL;
    memcpy(v, &ns, 8);
    CHECK(sm_pq_int96_to_micros(v, &us, &e) == SM_ERR_CORRUPT);
    ns = 0;
    jd = 0x7fffffff;
    memcpy(v, &ns, 8);
    memcpy(v + 8, &jd, 4);
    CHECK(sm_pq_int96_to_micros(v, &us, &e) == SM_ERR_OVERFLOW);

    /* PLAIN run of INT96 with a bad second value */
    uint8_t run[36];
    sm_pq_int96_from_micros(5, run);
    memcpy(run + 12, v, 12);
    sm_pq_int96_from_micros(7, run + 24);
    int64_t out[3];
    size_t pos = 0;
    CHECK_OK(sm_pq_plain_get_int96_micros(run, 36, &pos, 1, out, &e), &e);
    CHECK(out[0] == 5 && pos == 12);
    CHECK(sm_pq_plain_get_int96_micros(run, 36, &pos, 2, out, &e) == SM_ERR_OVERFLOW);
    CHECK(strstr(e.msg, "value 0 at offset 12") != NULL);
    CHECK_EQ_INT(pos, 12);
    CHECK(sm_pq_plain_get_int96_micros(run, 35, &pos, 2, out, &e) == SM_ERR_CORRUPT);
}

static void test_binary(void)
{
    const char *src = "ahello";
    int32_t offs[4] = {0, 0, 1, 6};
    sm_buf_t b = SM_BUF_INIT, data = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_plain_put_binary(offs, (const uint8_t *)src, 3, &b, &e), &e);
    CHECK_EQ_INT(b.len, 3 * 4 + 6);
    CHECK(memcmp(b.data + 4, "\x01\0\0\0a", 5) == 0);
    CHECK_OK(sm_buf_append(&data, "XY", 2, &e), &e);
    int32_t o[4];
    size_t pos = 0;
    CHECK_OK(sm_pq_plain_get_binary(b.data, b.len, &pos, 3, o, &data, &e), &e);
    CHECK(o[0] == 2 && o[1] == 2 && o[2] == 3 && o[3] == 8);
    CHECK_EQ_STR((char *)data.data, "XYahello");
    CHECK_EQ_INT(pos, b.len);

    uint32_t st[3], ln[3];
    pos = 0;
    CHECK_OK(sm_pq_plain_scan_binary(b.data, b.len, &pos, 3, st, ln, &e), &e);
    CHECK(st[0] == 4 && ln[0] == 0 && st[1] == 8 && ln[1] == 1 && st[2] == 13 && ln[2] == 5);

    /* every truncation fails and leaves data and pos alone */
    for (size_t l = 0; l < b.len; l++) {
        uint8_t *copy = malloc(l + 1);
        memcpy(copy, b.data, l);
        pos = 0;
        CHECK(sm_pq_plain_get_binary(copy, l, &pos, 3, o, &data, &e) == SM_ERR_CORRUPT);
        CHECK(sm_pq_plain_scan_binary(copy, l, &pos, 3, NULL, NULL, &e) == SM_ERR_CORRUPT);
        CHECK_EQ_INT(pos, 0);
        free(copy);
    }
    CHECK_EQ_INT(data.len, 8);

    /* a length of 0xFFFFFFFF */
    uint8_t huge[8] = {0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4};
    pos = 0;
    CHECK(sm_pq_plain_get_binary(huge, 8, &pos, 1, o, &data, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 0") != NULL);

    /* output bounded by the buffer limit; allocation failure */
    sm_buf_t lim = SM_BUF_INIT;
    lim.limit = 4;
    pos = 0;
    CHECK(sm_pq_plain_get_binary(b.data, b.len, &pos, 3, o, &lim, &e) == SM_ERR_LIMIT);
    sm_buf_t fresh = SM_BUF_INIT;
    sm_mem_fail_after(1);
    CHECK(sm_pq_plain_get_binary(b.data, b.len, &pos, 3, o, &fresh, &e) == SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(pos, 0);
    int32_t bad[3] = {0, 3, 1};
    CHECK(sm_pq_plain_put_binary(bad, (const uint8_t *)src, 2, &b, &e) == SM_ERR_INVALID);
    sm_buf_free(&b);
    sm_buf_free(&data);
    sm_buf_free(&lim);
    sm_buf_free(&fresh);
}

static __int128 pow10_128(int p)
{
    __int128 v = 1;
    while (p--)
        v *= 10;
    return v;
}

static void test_decimal(void)
{
    sm_error_t e;
    uint8_t be[17];
    __int128 v;
    __int128 max38 = pow10_128(38) - 1;
    CHECK_OK(sm_pq_decimal_to_be(max38, 16, be, &e), &e);
    CHECK_EQ_INT(be[0], 0x4B); /* 10^38-1 = 0x4B3B4CA85A86C47A098A223FFFFFFFFF */
    CHECK_EQ_INT(be[15], 0xFF);
    CHECK_OK(sm_pq_decimal_from_be(be, 16, &v, &e), &e);
    CHECK(v == max38);
    CHECK_OK(sm_pq_decimal_to_be(-max38, 16, be, &e), &e);
    CHECK_EQ_INT(be[0], 0xB4);
    CHECK_EQ_INT(be[15], 0x01);
    CHECK_OK(sm_pq_decimal_from_be(be, 16, &v, &e), &e);
    CHECK(v == -max38);

    uint8_t m1 = 0xFF, p128[2] = {0x00, 0x80};
    CHECK_OK(sm_pq_decimal_from_be(&m1, 1, &v, &e), &e);
    CHECK(v == -1);
    CHECK_OK(sm_pq_decimal_from_be(p128, 2, &v, &e), &e);
    CHECK(v == 128);
    CHECK_OK(sm_pq_decimal_from_be(NULL, 0, &v, &e), &e);
    CHECK(v == 0);

    /* more than 16 bytes: only sign extension allowed */
    memset(be, 0xFF, 17);
    CHECK_OK(sm_pq_decimal_from_be(be, 17, &v, &e), &e);
    CHECK(v == -1);
    be[1] = 0x7F;
    CHECK(sm_pq_decimal_from_be(be, 17, &v, &e) == SM_ERR_OVERFLOW);

    CHECK_OK(sm_pq_decimal_to_be(127, 1, be, &e), &e);
    CHECK_EQ_INT(be[0], 0x7F);
    CHECK_OK(sm_pq_decimal_to_be(-128, 1, be, &e), &e);
    CHECK_EQ_INT(be[0], 0x80);
    CHECK(sm_pq_decimal_to_be(128, 1, be, &e) == SM_ERR_OVERFLOW);
    CHECK(sm_pq_decimal_to_be(-129, 1, be, &e) == SM_ERR_OVERFLOW);
    CHECK(sm_pq_decimal_to_be(1, 0, be, &e) == SM_ERR_INVALID);
    CHECK_OK(sm_pq_decimal_to_be(-12345, 3, be, &e), &e);
    CHECK_OK(sm_pq_decimal_from_be(be, 3, &v, &e), &e);
    CHECK(v == -12345);

    static const int want[39] = {0,  1,  1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,
                                 6,  6,  7,  7,  8,  8,  9,  9,  9,  10, 10, 11, 11,
                                 11, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16};
    for (int p = 1; p <= 38; p++) {
        CHECK_EQ_INT(sm_pq_decimal_min_bytes(p), want[p]);
        /* the largest magnitude of p digits fits, both signs */
        int nb = sm_pq_decimal_min_bytes(p);
        CHECK_OK(sm_pq_decimal_to_be(pow10_128(p) - 1, (size_t)nb, be, &e), &e);
        CHECK_OK(sm_pq_decimal_to_be(-(pow10_128(p) - 1), (size_t)nb, be, &e), &e);
        if (nb > 1)
            CHECK(sm_pq_decimal_to_be(pow10_128(p) - 1, (size_t)nb - 1, be, &e) == SM_ERR_OVERFLOW);
    }
    CHECK_EQ_INT(sm_pq_decimal_min_bytes(0), 0);
    CHECK_EQ_INT(sm_pq_decimal_min_bytes(39), 0);
}

static void test_narrow(void)
{
    int32_t in[4] = {-128, 127, 0, 128};
    int8_t o8[4];
    int16_t o16[4];
    sm_error_t e;
    CHECK_OK(sm_pq_narrow_i8(in, 3, o8, &e), &e);
    CHECK(o8[0] == -128 && o8[1] == 127);
    CHECK(sm_pq_narrow_i8(in, 4, o8, &e) == SM_ERR_OVERFLOW);
    CHECK(strstr(e.msg, "index 3") != NULL);
    CHECK_OK(sm_pq_narrow_i16(in, 4, o16, &e), &e);
    CHECK(o16[3] == 128);
    int32_t big[1] = {40000};
    CHECK(sm_pq_narrow_i16(big, 1, o16, &e) == SM_ERR_OVERFLOW);
}

int main(void)
{
    RUN(test_bools);
    RUN(test_fixed);
    RUN(test_int96);
    RUN(test_binary);
    RUN(test_decimal);
    RUN(test_narrow);
    return check_summary();
}
