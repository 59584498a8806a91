/* DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY. */
#include "check.h"

#include <stdlib.h>

#include "core/mem.h"
#include "parquet/encoding.h"

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Encodings.md example 1 (1..5) with a real block size of 128. */
static void test_spec_example1(void)
{
    int32_t v[5] = {1, 2, 3, 4, 5}, out[5];
    uint8_t expect[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_delta_encode32(v, 5, &b, &e), &e);
    CHECK(b.len == sizeof expect && memcmp(b.data, expect, sizeof expect) == 0);
    sm_pq_delta_decoder_t d;
    CHECK_OK(sm_pq_delta_init(&d, expect, sizeof expect, 0, &e), &e);
    CHECK_EQ_INT(d.total, 5);
    CHECK_OK(sm_pq_delta_get32(&d, out, 5, &e), &e);
    CHECK(memcmp(out, v, sizeof v) == 0);
    size_t end = 0;
    CHECK_OK(sm_pq_delta_finish(&d, &end, &e), &e);
    CHECK_EQ_INT(end, sizeof expect);
    CHECK(sm_pq_delta_get32(&d, out, 1, &e) == SM_ERR_CORRUPT);
    sm_buf_free(&b);
}

/* Example 2 (7,5,3,1,2,3,4,5): min delta -2, width 2, 0,0,0,3,3,3,3. */
static void test_spec_example2(void)
{
    int64_t v[8] = {7, 5, 3, 1, 2, 3, 4, 5}, out[8];
    uint8_t expect[] = {0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00,
                        0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_delta_encode64(v, 8, &b, &e), &e);
    CHECK(b.len == sizeof expect && memcmp(b.data, expect, sizeof expect) == 0);
    sm_pq_delta_decoder_t d;
    CHECK_OK(sm_pq_delta_init(&d, expect, sizeof expect, 1, &e), &e);
    CHECK_OK(sm_pq_delta_get64(&d, out, 3, &e), &e);
    CHECK_OK(sm_pq_delta_skip(&d, 2, &e), &e);
    CHECK_OK(sm_pq_delta_get64(&d, out + 5, 3, &e), &e);
    CHECK(out[0] == 7 && out[2] == 3 && out[5] == 3 && out[7] == 5);
    size_t end;
    CHECK_OK(sm_pq_delta_finish(&d, &end, &e), &e);
    CHECK_EQ_INT(end, sizeof expect);
    /* the padding of the last miniblock may be missing */
    CHECK_OK(sm_pq_delta_init(&d, expect, 12, 1, &e), &e);
    CHECK_OK(sm_pq_delta_get64(&d, out, 8, &e), &e);
    CHECK(out[7] == 5);
    CHECK(sm_pq_delta_get32(&d, NULL, 0, &e) == SM_ERR_INVALID);
    sm_buf_free(&b);
}

static void gen64(int64_t *v, size_t n, int pat)
{
    for (size_t i = 0; i < n; i++) {
        switch (pat) {
        case 0:
            v[i] = (int64_t)rnd();
            break;
        case 1: /* wrap-around: extremes alternate */
            v[i] = (i % 2) ? INT64_MAX : INT64_MIN;
            break;
        case 2:
            v[i] = (int64_t)(1000 + 3 * i);
            break;
        case 3:
            v[i] = (int64_t)(rnd() % 100) - 50;
            break;
        default:
            v[i] = (i % 3 == 0) ? INT64_MIN : (int64_t)(rnd() % 7);
        }
    }
}

static int check_stream64(const uint8_t *data, size_t len, const int64_t *v, size_t n)
{
    sm_pq_delta_decoder_t d;
    sm_error_t e;
    if (sm_pq_delta_init(&d, data, len, 1, &e) || d.total != n)
        return 0;
    int64_t *out = malloc((n + 1) * 8);
    size_t i = 0;
    int ok = 1;
    while (ok && i < n) {
        size_t k = 1 + rnd() % 150;
        if (k > n - i)
            k = n - i;
        if (rnd() % 4 == 0) {
            ok = sm_pq_delta_skip(&d, k, &e) == SM_OK;
        } else {
            ok = sm_pq_delta_get64(&d, out, k, &e) == SM_OK && memcmp(out, v + i, k * 8) == 0;
        }
        i += k;
    }
    size_t end = 0;
    ok = ok && sm_pq_delta_finish(&d, &end, &e) == SM_OK && end == len;
    if (!ok)
        fprintf(stderr, "delta64 n=%zu failed at %zu: %s\n", n, i, e.msg);
    free(out);
    return ok;
}

static void test_round_trip64(void)
{
    static const size_t lens[] = {0, 1, 2, 3, 31, 32, 33, 127, 128, 129, 130, 257, 1000};
    int64_t v[1000];
    sm_error_t e;
    int bad = 0;
    for (int pat = 0; pat < 5; pat++)
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            gen64(v, n, pat);
            sm_buf_t b = SM_BUF_INIT;
            CHECK_OK(sm_pq_delta_encode64(v, n, &b, &e), &e);
            if (!check_stream64(b.data, b.len, v, n))
                bad++;
            sm_buf_free(&b);
        }
    CHECK_EQ_INT(bad, 0);
}

static void test_round_trip32(void)
{
    static const size_t lens[] = {0, 1, 2, 33, 128, 129, 1000};
    int32_t v[1000], out[1000];
    sm_error_t e;
    for (int pat = 0; pat < 4; pat++)
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            for (size_t i = 0; i < n; i++)
                v[i] = pat == 0   ? (int32_t)rnd()
                       : pat == 1 ? ((i % 2) ? INT32_MAX : INT32_MIN)
                       : pat == 2 ? (int32_t)i
                                  : -(int32_t)(rnd() % 1000);
            sm_buf_t b = SM_BUF_INIT;
            CHECK_OK(sm_pq_delta_encode32(v, n, &b, &e), &e);
            sm_pq_delta_decoder_t d;
            CHECK_OK(sm_pq_delta_init(&d, b.data, b.len, 0, &e), &e);
            CHECK_OK(sm_pq_delta_get32(&d, out, n, &e), &e);
            CHECK(n == 0 || memcmp(out, v, n * 4) == 0);
            size_t end;
            CHECK_OK(sm_pq_delta_finish(&d, &end, &e), &e);
            CHECK_EQ_INT(end, b.len);
            /* widths never exceed 32 for INT32 */
            CHECK(sm_pq_delta_init(&d, b.data, b.len, 1, &e) == SM_OK);
            sm_buf_free(&b);
        }
}

static void test_truncations(void)
{
    int64_t v[300], out[300];
    gen64(v, 300, 3);
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_delta_encode64(v, 300, &b, &e), &e);
    int fails = 0;
    for (size_t l = 0; l < b.len; l++) {
        uint8_t *copy = malloc(l + 1);
        memcpy(copy, b.data, l);
        sm_pq_delta_decoder_t d;
        sm_err_t rc = sm_pq_delta_init(&d, copy, l, 1, &e);
        if (!rc)
            rc = sm_pq_delta_get64(&d, out, 300, &e);
        if (rc) {
            fails++;
            CHECK(strstr(e.msg, "offset") != NULL);
        } else {
            CHECK(memcmp(out, v, sizeof v) == 0);
        }
        free(copy);
    }
    CHECK(fails > 0);
    sm_buf_free(&b);
}

static void test_bad_headers(void)
{
    sm_pq_delta_decoder_t d;
    sm_error_t e;
    uint8_t bs100[] = {100, 4, 1, 0};
    CHECK(sm_pq_delta_init(&d, bs100, 4, 0, &e) == SM_ERR_CORRUPT);
    uint8_t mb0[] = {0x80, 0x01, 0, 1, 0};
    CHECK(sm_pq_delta_init(&d, mb0, 5, 0, &e) == SM_ERR_CORRUPT);
    uint8_t mb3[] = {0x80, 0x01, 3, 1, 0};
    CHECK(sm_pq_delta_init(&d, mb3, 5, 0, &e) == SM_ERR_CORRUPT);
    uint8_t huge_block[] = {0x80, 0x80, 0x80, 0x01, 4, 1, 0};
    CHECK(sm_pq_delta_init(&d, huge_block, 7, 0, &e) == SM_ERR_UNSUPPORTED);
    /* width 33 in an INT32 stream */
    uint8_t w33[] = {0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 33, 0, 0, 0};
    int32_t out[2];
    CHECK_OK(sm_pq_delta_init(&d, w33, sizeof w33, 0, &e), &e);
    CHECK(sm_pq_delta_get32(&d, out, 2, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "bit width 33") != NULL);
    /* unused miniblock widths may be anything */
    uint8_t junk[] = {0x80, 0x01, 0x04, 0x02, 0x00, 0x02, 0, 200, 201, 202};
    CHECK_OK(sm_pq_delta_init(&d, junk, sizeof junk, 0, &e), &e);
    CHECK_OK(sm_pq_delta_get32(&d, out, 2, &e), &e);
    CHECK(out[0] == 0 && out[1] == 1);
    /* more values than the stream holds */
    CHECK_OK(sm_pq_delta_init(&d, junk, sizeof junk, 0, &e), &e);
    CHECK(sm_pq_delta_get32(&d, out, 3, &e) == SM_ERR_CORRUPT);
    /* a hostile count of 2^40 width-0 values ends in an error, quickly */
    uint8_t many[] = {0x80, 0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00, 0x02, 0, 0, 0, 0};
    CHECK_OK(sm_pq_delta_init(&d, many, sizeof many, 1, &e), &e);
    int64_t o64[10];
    CHECK_OK(sm_pq_delta_get64(&d, o64, 10, &e), &e);
    CHECK(o64[9] == 9);
    size_t end;
    CHECK(sm_pq_delta_finish(&d, &end, &e) == SM_ERR_CORRUPT);
}

static void offsets_of(const char **s, size_t n, int32_t *offs, char *data)
{
    offs[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]);
        memcpy(data + offs[i], s[i], l);
        offs[i + 1] = offs[i] + (int32_t)l;
    }
}

static void test_dlba(void)
{
    const char *s[4] = {"Hello", "World", "Foobar", "ABCDEF"};
    int32_t offs[5], o[5];
    char data[64];
    offsets_of(s, 4, offs, data);
    sm_buf_t b = SM_BUF_INIT, out = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_dlba_encode(offs, (uint8_t *)data, 4, &b, &e), &e);
    CHECK(b.len > 22 && memcmp(b.data + b.len - 22, "HelloWorldFoobarABCDEF", 22) == 0);
    sm_pq_dlba_decoder_t d;
    CHECK_OK(sm_pq_dlba_init(&d, b.data, b.len, 4, &e), &e);
    CHECK_EQ_INT(d.count, 4);
    CHECK_EQ_INT(d.end, b.len);
    CHECK(memcmp(d.bytes + d.offsets[2], "Foobar", 6) == 0); /* zero-copy view */
    CHECK_OK(sm_buf_append(&out, "#", 1, &e), &e);
    CHECK_OK(sm_pq_dlba_get(&d, 1, o, &out, &e), &e);
    CHECK(o[0] == 1 && o[1] == 6);
    CHECK_OK(sm_pq_dlba_skip(&d, 1, &e), &e);
    CHECK_OK(sm_pq_dlba_get(&d, 2, o, &out, &e), &e);
    CHECK(o[0] == 6 && o[1] == 12 && o[2] == 18);
    CHECK_EQ_STR((char *)out.data, "#HelloFoobarABCDEF");
    CHECK(sm_pq_dlba_get(&d, 1, o, &out, &e) == SM_ERR_CORRUPT);
    sm_pq_dlba_free(&d);

    CHECK(sm_pq_dlba_init(&d, b.data, b.len, 3, &e) == SM_ERR_LIMIT);
    for (size_t l = 0; l < b.len; l++) {
        uint8_t *copy = malloc(l + 1);
        memcpy(copy, b.data, l);
        CHECK(sm_pq_dlba_init(&d, copy, l, 4, &e) != SM_OK);
        free(copy);
    }
    sm_mem_fail_after(1);
    CHECK(sm_pq_dlba_init(&d, b.data, b.len, 4, &e) == SM_ERR_NOMEM);
    sm_mem_fail_after(0);

    /* a negative length */
    int32_t neg[2] = {3, -1};
    sm_buf_t nb = SM_BUF_INIT;
    CHECK_OK(sm_pq_delta_encode32(neg, 2, &nb, &e), &e);
    CHECK_OK(sm_buf_append(&nb, "abcdef", 6, &e), &e);
    CHECK(sm_pq_dlba_init(&d, nb.data, nb.len, 10, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "negative") != NULL);

    /* empty stream */
    sm_buf_reset(&nb);
    CHECK_OK(sm_pq_dlba_encode(offs, (uint8_t *)data, 0, &nb, &e), &e);
    CHECK_OK(sm_pq_dlba_init(&d, nb.data, nb.len, 0, &e), &e);
    CHECK_EQ_INT(d.count, 0);
    CHECK_OK(sm_pq_dlba_get(&d, 0, o, &out, &e), &e);
    sm_pq_dlba_free(&d);
    sm_buf_free(&nb);
    sm_buf_free(&b);
    sm_buf_free(&out);
}

static void test_dba(void)
{
    const char *s[4] = {"axis", "axle", "babble", "babyhood"};
    int32_t offs[5], o[5];
    char data[64];
    offsets_of(s, 4, offs, data);
    sm_buf_t b = SM_BUF_INIT, out = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_pq_dba_encode(offs, (uint8_t *)data, 4, &b, &e), &e);
    CHECK(memcmp(b.data + b.len - 17, "axislebabbleyhood", 17) == 0);
    /* the prefix lengths 0, 2, 0, 3 come first */
    sm_pq_delta_decoder_t dd;
    int32_t pre[4];
    CHECK_OK(sm_pq_delta_init(&dd, b.data, b.len, 0, &e), &e);
    CHECK_OK(sm_pq_delta_get32(&dd, pre, 4, &e), &e);
    CHECK(pre[0] == 0 && pre[1] == 2 && pre[2] == 0 && pre[3] == 3);

    sm_pq_dba_decoder_t d;
    CHECK_OK(sm_pq_dba_init(&d, b.data, b.len, 100, &e), &e);
    CHECK_EQ_INT(d.end, b.len);
    CHECK_OK(sm_pq_dba_get(&d, 2, o, &out, &e), &e);
    CHECK(o[0] == 0 && o[1] == 4 && o[2] == 8);
    CHECK_OK(sm_pq_dba_skip(&d, 1, &e), &e);
    CHECK_OK(sm_pq_dba_get(&d, 1, o, &out, &e), &e);
    CHECK_EQ_STR((char *)out.data, "axisaxlebabyhood");
    CHECK(sm_pq_dba_get(&d, 1, o, &out, &e) == SM_ERR_CORRUPT);
    sm_pq_dba_free(&d);

    /* all at once, and value by value, agree */
    sm_buf_reset(&out);
    CHECK_OK(sm_pq_dba_init(&d, b.data, b.len, 4, &e), &e);
    for (int i = 0; i < 4; i++)
        CHECK_OK(sm_pq_dba_get(&d, 1, o, &out, &e), &e);
    CHECK_EQ_STR((char *)out.data, "axisaxlebabblebabyhood");
    sm_pq_dba_free(&d);

    /* a prefix longer than the previous value */
    sm_buf_t bad = SM_BUF_INIT;
    int32_t bpre[2] = {0, 10}, bl[3] = {0, 2, 3};
    CHECK_OK(sm_pq_delta_encode32(bpre, 2, &bad, &e), &e);
    CHECK_OK(sm_pq_dlba_encode(bl, (const uint8_t *)"abc", 2, &bad, &e), &e);
    CHECK_OK(sm_pq_dba_init(&d, bad.data, bad.len, 10, &e), &e);
    sm_buf_reset(&out);
    CHECK(sm_pq_dba_get(&d, 2, o, &out, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "prefix length 10") != NULL);
    CHECK(sm_pq_dba_skip(&d, 2, &e) == SM_ERR_CORRUPT);
    sm_pq_dba_free(&d);

    /* counts disagree */
    sm_buf_reset(&bad);
    CHECK_OK(sm_pq_delta_encode32(bpre, 1, &bad, &e), &e);
    CHECK_OK(sm_pq_dlba_encode(bl, (const uint8_t *)"abc", 2, &bad, &e), &e);
    CHECK(sm_pq_dba_init(&d, bad.data, bad.len, 10, &e) == SM_ERR_CORRUPT);

    /* truncations never crash */
    for (size_t l = 0; l < b.len; l++) {
        uint8_t *copy = malloc(l + 1);
        memcpy(copy, b.data, l);
        CHECK(sm_pq_dba_init(&d, copy, l, 4, &e) != SM_OK);
        free(copy);
    }
    /* output bounded by the caller's limit */
    CHECK_OK(sm_pq_dba_init(&d, b.data, b.len, 4, &e), &e);
    sm_buf_t lim = SM_BUF_INIT;
    lim.limit = 10;
    CHECK(sm_pq_dba_get(&d, 4, o, &lim, &e) == SM_ERR_LIMIT);
    sm_pq_dba_free(&d);
    sm_buf_free(&lim);
    sm_buf_free(&bad);
    sm_buf_free(&b);
    sm_buf_free(&out);
}

int main(void)
{
    RUN(test_spec_example1);
    RUN(test_spec_example2);
    RUN(test_round_trip64);
    RUN(test_round_trip32);
    RUN(test_truncations);
    RUN(test_bad_headers);
    RUN(test_dlba);
    RUN(test_dba);
    return check_summary();
}
