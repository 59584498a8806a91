/* Unit tests for parquet/thrift: the compact protocol reader, skipper and
 * writer, against hand-assembled byte sequences. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"
#include "parquet/thrift.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__})
#define NBYTES(...) sizeof((const uint8_t[]){__VA_ARGS__})

static int same(const sm_buf_t *b, const uint8_t *want, size_t n)
{
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        fprintf(stderr, "  got:");
        for (size_t i = 0; i < b->len; i++)
            fprintf(stderr, " %02x", b->data[i]);
        fprintf(stderr, "\n  want:");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02x", want[i]);
        fprintf(stderr, "\n");
        return 0;
    }
    return 1;
}
#define CHECK_BYTES(buf, ...) CHECK(same((buf), BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__)))

static void test_zigzag_varints(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_i32(&w, 0);
    sm_pq_tw_i32(&w, -1);
    sm_pq_tw_i32(&w, 1);
    sm_pq_tw_i32(&w, -2);
    sm_pq_tw_i32(&w, -64);
    sm_pq_tw_i32(&w, -65);
    sm_pq_tw_i32(&w, 64);
    CHECK_OK(sm_pq_tw_status(&w), &e);
    CHECK_BYTES(&b, 0x00, 0x01, 0x02, 0x03, 0x7f, 0x81, 0x01, 0x80, 0x01);

    /* extremes of every width, written then read back */
    sm_buf_reset(&b);
    const int64_t v64[] = {INT64_MIN, INT64_MAX, -1, 0, 1, INT32_MIN, INT32_MAX, 300, -300};
    for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++)
        sm_pq_tw_i64(&w, v64[i]);
    sm_pq_tw_i32(&w, INT32_MIN);
    sm_pq_tw_i32(&w, INT32_MAX);
    sm_pq_tw_i16(&w, INT16_MIN);
    sm_pq_tw_i16(&w, INT16_MAX);
    sm_pq_tw_i8(&w, -128);
    sm_pq_tw_i8(&w, 127);
    CHECK_OK(sm_pq_tw_status(&w), &e);
    /* INT64_MIN zigzags to all ones: ten bytes, the last 0x01 */
    CHECK_EQ_INT(b.data[0], 0xff);
    CHECK_EQ_INT(b.data[9], 0x01);

    sm_pq_tr_t r;
    sm_pq_tr_init(&r, b.data, b.len);
    for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
        int64_t x = 42;
        CHECK_OK(sm_pq_tr_int(&r, SM_PQ_TC_I64, &x, &e), &e);
        CHECK(x == v64[i]);
    }
    int32_t x32;
    CHECK_OK(sm_pq_tr_i32(&r, SM_PQ_TC_I32, &x32, &e), &e);
    CHECK_EQ_INT(x32, INT32_MIN);
    CHECK_OK(sm_pq_tr_i32(&r, SM_PQ_TC_I32, &x32, &e), &e);
    CHECK_EQ_INT(x32, INT32_MAX);
    int16_t x16;
    CHECK_OK(sm_pq_tr_i16(&r, SM_PQ_TC_I16, &x16, &e), &e);
    CHECK_EQ_INT(x16, INT16_MIN);
    CHECK_OK(sm_pq_tr_i16(&r, SM_PQ_TC_I16, &x16, &e), &e);
    CHECK_EQ_INT(x16, INT16_MAX);
    int8_t x8;
    CHECK_OK(sm_pq_tr_i8(&r, SM_PQ_TC_I8, &x8, &e), &e);
    CHECK_EQ_INT(x8, -128);
    CHECK_OK(sm_pq_tr_i8(&r, SM_PQ_TC_I8, &x8, &e), &e);
    CHECK_EQ_INT(x8, 127);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), b.len);
    /* nothing left: a clean truncation error */
    CHECK_EQ_INT(sm_pq_tr_i32(&r, SM_PQ_TC_I32, &x32, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "truncated") && strstr(e.msg, "offset"));
    sm_buf_free(&b);
}

static void test_spec_example_varint(void)
{
    /* 50399 as a plain varint is DF 89 03 (the spec's example); as a
     * zigzag i32 it is 2 * 50399 = 100798. */
    sm_pq_tr_t r;
    sm_error_t e;
    int64_t v;
    /* zigzag(x) = DF 89 03 = 50399 -> x = -25200 */
    sm_pq_tr_init(&r, BYTES(0xdf, 0x89, 0x03), 3);
    CHECK_OK(sm_pq_tr_int(&r, SM_PQ_TC_I32, &v, &e), &e);
    CHECK_EQ_INT(v, -25200);
}

static void test_bad_varints(void)
{
    sm_pq_tr_t r;
    sm_error_t e;
    int64_t v;
    /* 11 continuation bytes */
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    sm_pq_tr_init(&r, eleven, sizeof eleven);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I64, &v, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 0") != NULL);
    /* 10th byte carrying more than one bit */
    const uint8_t wide[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    sm_pq_tr_init(&r, wide, sizeof wide);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I64, &v, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "overflows") != NULL);
    /* runs off the end */
    sm_pq_tr_init(&r, BYTES(0x80, 0x80), 2);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I64, &v, &e), SM_ERR_CORRUPT);
    /* an i32 that does not fit 32 bits */
    sm_pq_tr_init(&r, BYTES(0x80, 0x80, 0x80, 0x80, 0x20), 5);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I32, &v, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "out of range") != NULL);
    /* an i16 holding 40000 */
    sm_pq_tr_init(&r, BYTES(0x80, 0xf1, 0x04), 3);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I16, &v, &e), SM_ERR_CORRUPT);
    /* a value read as i8 that does not fit (written as i32 300) */
    int8_t x8;
    sm_pq_tr_init(&r, BYTES(0xd8, 0x04), 2);
    CHECK_EQ_INT(sm_pq_tr_i8(&r, SM_PQ_TC_I32, &x8, &e), SM_ERR_CORRUPT);
    /* an integer read from a binary-typed slot */
    sm_pq_tr_init(&r, BYTES(0x00), 1);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_BINARY, &v, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "expected an integer") != NULL);
    /* empty input */
    sm_pq_tr_init(&r, NULL, 0);
    CHECK_EQ_INT(sm_pq_tr_int(&r, SM_PQ_TC_I64, &v, &e), SM_ERR_CORRUPT);
}

static void test_field_headers(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field_i32(&w, 1, 7);      /* delta 1: 0x15 */
    sm_pq_tw_field_i32(&w, 16, 7);     /* delta 15: 0xF5 */
    sm_pq_tw_field_i32(&w, 40, 7);     /* delta 24: long form 05 50 */
    sm_pq_tw_field_i32(&w, 3, 7);      /* backwards: long form 05 06 */
    sm_pq_tw_field_i32(&w, -1, 7);     /* negative id: long form 05 01 */
    sm_pq_tw_field_bool(&w, 2, true);  /* delta 3 from -1: 0x31 */
    sm_pq_tw_field_bool(&w, 3, false); /* 0x12 */
    sm_pq_tw_struct_end(&w);
    CHECK_OK(sm_pq_tw_status(&w), &e);
    CHECK_BYTES(&b, 0x15, 0x0e, 0xf5, 0x0e, 0x05, 0x50, 0x0e, 0x05, 0x06, 0x0e, 0x05, 0x01, 0x0e,
                0x31, 0x12, 0x00);

    sm_pq_tr_t r;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_struct_begin(&r, &e), &e);
    const int16_t ids[] = {1, 16, 40, 3, -1};
    for (int i = 0; i < 5; i++) {
        int t;
        int16_t id;
        int32_t v;
        CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
        CHECK_EQ_INT(t, SM_PQ_TC_I32);
        CHECK_EQ_INT(id, ids[i]);
        CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
        CHECK_EQ_INT(v, 7);
    }
    int t;
    int16_t id;
    bool bv;
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(t, SM_PQ_TC_BOOL);
    CHECK_EQ_INT(id, 2);
    CHECK_OK(sm_pq_tr_bool(&r, &bv, &e), &e);
    CHECK(bv == true);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(t, SM_PQ_TC_BOOL);
    CHECK_EQ_INT(id, 3);
    CHECK_OK(sm_pq_tr_bool(&r, &bv, &e), &e);
    CHECK(bv == false);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(t, SM_PQ_TC_STOP);
    sm_pq_tr_struct_end(&r);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), b.len);
    sm_buf_free(&b);
}

static void test_nested_struct_ids(void)
{
    /* the last field id is saved and restored around a nested struct */
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field_i32(&w, 5, 1);           /* 0x55 02 */
    sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, 6); /* 0x1c */
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field_i32(&w, 1, 2); /* 0x15 04: delta from 0 inside */
    sm_pq_tw_struct_end(&w);      /* 00 */
    sm_pq_tw_field_i32(&w, 7, 3); /* 0x15 06: delta from 6 outside */
    sm_pq_tw_struct_end(&w);
    CHECK_BYTES(&b, 0x55, 0x02, 0x1c, 0x15, 0x04, 0x00, 0x15, 0x06, 0x00);

    sm_pq_tr_t r;
    int t;
    int16_t id;
    int32_t v;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_struct_begin(&r, &e), &e);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 5);
    CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 6);
    CHECK_EQ_INT(t, SM_PQ_TC_STRUCT);
    CHECK_OK(sm_pq_tr_struct_begin(&r, &e), &e);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 1);
    CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
    CHECK_EQ_INT(v, 2);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(t, SM_PQ_TC_STOP);
    sm_pq_tr_struct_end(&r);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 7);
    CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
    CHECK_EQ_INT(v, 3);
    sm_buf_free(&b);
}

static void test_lists(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_I32, 14); /* short form: E5 */
    for (int i = 0; i < 14; i++)
        sm_pq_tw_i32(&w, i);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_I32, 20); /* long form: F5 14 */
    for (int i = 0; i < 20; i++)
        sm_pq_tw_i32(&w, -i);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_BINARY, 0); /* empty: 08 */
    CHECK_OK(sm_pq_tw_status(&w), &e);
    CHECK_EQ_INT(b.data[0], 0xe5);
    CHECK_EQ_INT(b.data[15], 0xf5);
    CHECK_EQ_INT(b.data[16], 20);
    CHECK_EQ_INT(b.data[b.len - 1], 0x08);

    sm_pq_tr_t r;
    int elem;
    uint32_t n;
    int32_t v;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
    CHECK_EQ_INT(elem, SM_PQ_TC_I32);
    CHECK_EQ_INT(n, 14);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_OK(sm_pq_tr_i32(&r, elem, &v, &e), &e);
        CHECK_EQ_INT(v, i);
    }
    sm_pq_tr_list_end(&r);
    CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
    CHECK_EQ_INT(n, 20);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_OK(sm_pq_tr_i32(&r, elem, &v, &e), &e);
        CHECK_EQ_INT(v, -(int)i);
    }
    sm_pq_tr_list_end(&r);
    CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(elem, SM_PQ_TC_BINARY);
    sm_pq_tr_list_end(&r);
    CHECK_EQ_INT(r.depth, 0);
    sm_buf_free(&b);

    /* a count larger than the bytes left */
    sm_pq_tr_init(&r, BYTES(0xf5, 0x64, 0x00, 0x00), 4);
    CHECK_EQ_INT(sm_pq_tr_list_begin(&r, &elem, &n, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "cannot fit") != NULL);
    /* a count near 2^32 */
    sm_pq_tr_init(&r, BYTES(0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f), 6);
    CHECK_EQ_INT(sm_pq_tr_list_begin(&r, &elem, &n, &e), SM_ERR_CORRUPT);
    /* doubles need 8 bytes each: 2 doubles in 15 bytes cannot fit */
    uint8_t dbl[17] = {0x27};
    sm_pq_tr_init(&r, dbl, 16);
    CHECK_EQ_INT(sm_pq_tr_list_begin(&r, &elem, &n, &e), SM_ERR_CORRUPT);
    sm_pq_tr_init(&r, dbl, 17); /* 1 + 16 bytes: fits */
    CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
    CHECK_EQ_INT(elem, SM_PQ_TC_DOUBLE);
    CHECK_EQ_INT(n, 2);
    /* an unknown element type */
    sm_pq_tr_init(&r, BYTES(0x1e, 0x00), 2);
    CHECK_EQ_INT(sm_pq_tr_list_begin(&r, &elem, &n, &e), SM_ERR_CORRUPT);
}

static void test_bool_lists(void)
{
    sm_pq_tr_t r;
    sm_error_t e;
    int elem;
    uint32_t n;
    bool v;
    /* element code 2 (spec) and 1 (Java); element bytes 1 true, 0/2 false */
    const uint8_t spec[] = {0x32, 0x01, 0x00, 0x02};
    const uint8_t java[] = {0x31, 0x01, 0x00, 0x02};
    const uint8_t *both[] = {spec, java};
    for (int k = 0; k < 2; k++) {
        sm_pq_tr_init(&r, both[k], 4);
        CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
        CHECK_EQ_INT(elem, SM_PQ_TC_BOOL);
        CHECK_EQ_INT(n, 3);
        CHECK_OK(sm_pq_tr_bool(&r, &v, &e), &e);
        CHECK(v);
        CHECK_OK(sm_pq_tr_bool(&r, &v, &e), &e);
        CHECK(!v);
        CHECK_OK(sm_pq_tr_bool(&r, &v, &e), &e);
        CHECK(!v);
    }
    /* skipping a struct holding a list<bool> in either form */
    const uint8_t st[] = {0x19, 0x31, 0x01, 0x00, 0x19, 0x22, 0x02, 0x01, 0x00};
    sm_pq_tr_init(&r, st, sizeof st);
    CHECK_OK(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), sizeof st);
    /* a bad bool byte */
    sm_pq_tr_init(&r, BYTES(0x12, 0x07), 2);
    CHECK_OK(sm_pq_tr_list_begin(&r, &elem, &n, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_bool(&r, &v, &e), SM_ERR_CORRUPT);

    /* the writer writes 1/2 elements under the spec's element code 2 */
    sm_buf_t b = SM_BUF_INIT;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_BOOL_FALSE, 2);
    sm_pq_tw_bool(&w, true);
    sm_pq_tw_bool(&w, false);
    CHECK_BYTES(&b, 0x22, 0x01, 0x02);
    sm_buf_free(&b);
}

static void test_binary_and_double(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_binary(&w, "abc", 3);
    sm_pq_tw_binary(&w, NULL, 0);
    sm_pq_tw_double(&w, 1.0);
    sm_pq_tw_double(&w, -0.0);
    sm_pq_tw_double(&w, NAN);
    CHECK_OK(sm_pq_tw_status(&w), &e);
    CHECK_EQ_INT(b.len, 4 + 1 + 24);
    CHECK(memcmp(b.data,
                 "\x03"
                 "abc"
                 "\x00",
                 5) == 0);
    CHECK(memcmp(b.data + 5, "\x00\x00\x00\x00\x00\x00\xf0\x3f", 8) == 0);

    sm_pq_tr_t r;
    const uint8_t *p;
    size_t n;
    double d;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_binary(&r, &p, &n, &e), &e);
    CHECK_EQ_INT(n, 3);
    CHECK(p == b.data + 1 && memcmp(p, "abc", 3) == 0);
    CHECK_OK(sm_pq_tr_binary(&r, &p, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_OK(sm_pq_tr_double(&r, &d, &e), &e);
    CHECK(d == 1.0);
    CHECK_OK(sm_pq_tr_double(&r, &d, &e), &e);
    CHECK(d == 0.0 && signbit(d));
    CHECK_OK(sm_pq_tr_double(&r, &d, &e), &e);
    CHECK(isnan(d));
    CHECK_EQ_INT(sm_pq_tr_double(&r, &d, &e), SM_ERR_CORRUPT);
    sm_buf_free(&b);

    /* a binary length beyond the input */
    sm_pq_tr_init(&r, BYTES(0x05, 'a', 'b'), 3);
    CHECK_EQ_INT(sm_pq_tr_binary(&r, &p, &n, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "exceeds") != NULL);
    /* a length above INT32_MAX */
    sm_pq_tr_init(&r, BYTES(0x80, 0x80, 0x80, 0x80, 0x10), 5);
    CHECK_EQ_INT(sm_pq_tr_binary(&r, &p, &n, &e), SM_ERR_CORRUPT);
}

static void test_maps(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_map_begin(&w, SM_PQ_TC_BINARY, SM_PQ_TC_I32, 0);
    sm_pq_tw_map_begin(&w, SM_PQ_TC_BINARY, SM_PQ_TC_I32, 2);
    sm_pq_tw_binary(&w, "a", 1);
    sm_pq_tw_i32(&w, 1);
    sm_pq_tw_binary(&w, "b", 1);
    sm_pq_tw_i32(&w, -1);
    CHECK_BYTES(&b, 0x00, 0x02, 0x85, 0x01, 'a', 0x02, 0x01, 'b', 0x01);

    sm_pq_tr_t r;
    int k, v;
    uint32_t n;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_map_begin(&r, &k, &v, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    sm_pq_tr_map_end(&r);
    /* skip the second map whole */
    CHECK_OK(sm_pq_tr_skip(&r, SM_PQ_TC_MAP, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), b.len);
    sm_buf_free(&b);

    /* a map count that cannot fit */
    sm_pq_tr_init(&r, BYTES(0x05, 0x85, 0x01, 'a', 0x02), 5);
    CHECK_EQ_INT(sm_pq_tr_map_begin(&r, &k, &v, &n, &e), SM_ERR_CORRUPT);
    /* bad key type */
    sm_pq_tr_init(&r, BYTES(0x01, 0xf5, 0x01, 0x01), 4);
    CHECK_EQ_INT(sm_pq_tr_map_begin(&r, &k, &v, &n, &e), SM_ERR_CORRUPT);
}

/* A struct with an unknown field holding everything, then a known field. */
static void build_nested(sm_buf_t *b, sm_error_t *e)
{
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, b, e);
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, 5);
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field(&w, SM_PQ_TC_LIST, 1);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        sm_pq_tw_struct_begin(&w);
        sm_pq_tw_field(&w, SM_PQ_TC_MAP, 1);
        sm_pq_tw_map_begin(&w, SM_PQ_TC_BINARY, SM_PQ_TC_LIST, 1);
        sm_pq_tw_binary(&w, "key", 3);
        sm_pq_tw_list_begin(&w, SM_PQ_TC_I64, 16);
        for (int j = 0; j < 16; j++)
            sm_pq_tw_i64(&w, (int64_t)j << 40);
        sm_pq_tw_field_bool(&w, 2, i == 0);
        sm_pq_tw_field_double(&w, 3, 2.5);
        sm_pq_tw_field(&w, SM_PQ_TC_UUID, 4);
        /* the writer has no uuid call: append the 16 bytes directly */
        sm_buf_append(b, "0123456789abcdef", 16, e);
        sm_pq_tw_struct_end(&w);
    }
    sm_pq_tw_field_i8(&w, 200, -3);
    sm_pq_tw_field_empty_struct(&w, 201);
    sm_pq_tw_field(&w, SM_PQ_TC_SET, 202);
    sm_pq_tw_list_begin(&w, SM_PQ_TC_BINARY, 1);
    sm_pq_tw_binary(&w, "s", 1);
    sm_pq_tw_struct_end(&w);
    sm_pq_tw_field_i32(&w, 7, 1234);
    sm_pq_tw_struct_end(&w);
}

static void test_skip_unknown_nested(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    build_nested(&b, &e);
    sm_pq_tr_t r;
    int t;
    int16_t id;
    int32_t v;
    sm_pq_tr_init(&r, b.data, b.len);
    CHECK_OK(sm_pq_tr_struct_begin(&r, &e), &e);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 5);
    CHECK_OK(sm_pq_tr_skip(&r, t, &e), &e);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 7);
    CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
    CHECK_EQ_INT(v, 1234);
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(t, SM_PQ_TC_STOP);
    sm_pq_tr_struct_end(&r);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), b.len);
    CHECK_EQ_INT(r.depth, 0);

    /* every truncation of it fails cleanly */
    for (size_t n = 0; n < b.len; n++) {
        sm_pq_tr_init(&r, b.data, n);
        CHECK(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e) != SM_OK);
        CHECK(sm_pq_tr_offset(&r) <= n);
    }
    sm_buf_free(&b);

    /* skipping bool fields consumes no bytes; every scalar type skips */
    const uint8_t scalars[] = {0x11, 0x12, 0x13, 0x05, 0x14, 0x02, 0x15, 0x04, 0x16, 0x06, 0x17, 1,
                               2,    3,    4,    5,    6,    7,    8,    0x18, 0x01, 'x',  0x00};
    sm_pq_tr_init(&r, scalars, sizeof scalars);
    CHECK_OK(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), sizeof scalars);
}

static void test_depth_limit(void)
{
    sm_error_t e;
    sm_pq_tr_t r;
    /* 100 nested struct fields: 1C 1C 1C ... */
    uint8_t deep[200];
    memset(deep, 0x1c, 100);
    memset(deep + 100, 0x00, 100);
    sm_pq_tr_init(&r, deep, sizeof deep);
    CHECK_EQ_INT(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "nesting") != NULL);
    /* 100 nested lists of lists: 19 19 ... */
    memset(deep, 0x19, 100);
    sm_pq_tr_init(&r, deep, sizeof deep);
    CHECK_EQ_INT(sm_pq_tr_skip(&r, SM_PQ_TC_LIST, &e), SM_ERR_LIMIT);
    /* 30 nested structs are fine */
    uint8_t ok[60];
    memset(ok, 0x1c, 29);
    memset(ok + 29, 0x00, 31);
    sm_pq_tr_init(&r, ok, 59);
    CHECK_OK(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_offset(&r), 59);

    /* the writer refuses to nest deeper than the limit */
    sm_buf_t b = SM_BUF_INIT;
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, &b, &e);
    for (int i = 0; i < SM_PQ_THRIFT_MAX_DEPTH + 1; i++) {
        sm_pq_tw_struct_begin(&w);
        sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, 1);
    }
    CHECK_EQ_INT(sm_pq_tw_status(&w), SM_ERR_LIMIT);
    sm_buf_free(&b);
}

static void test_bad_headers(void)
{
    sm_error_t e;
    sm_pq_tr_t r;
    int t;
    int16_t id;
    /* unknown field types 14 and 15 */
    sm_pq_tr_init(&r, BYTES(0x1e), 1);
    sm_pq_tr_struct_begin(&r, &e);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 0") != NULL);
    sm_pq_tr_init(&r, BYTES(0x0f, 0x02), 2);
    sm_pq_tr_struct_begin(&r, &e);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_CORRUPT);
    /* delta with type 0 */
    sm_pq_tr_init(&r, BYTES(0x10), 1);
    sm_pq_tr_struct_begin(&r, &e);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_CORRUPT);
    /* long-form id out of i16 range */
    sm_pq_tr_init(&r, BYTES(0x05, 0x80, 0x80, 0x04), 4);
    sm_pq_tr_struct_begin(&r, &e);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_CORRUPT);
    /* field ids creeping past INT16_MAX by deltas */
    sm_pq_tr_init(&r, BYTES(0x05, 0xfc, 0xff, 0x03, 0x00, 0xf5), 6);
    sm_pq_tr_struct_begin(&r, &e);
    int32_t v;
    CHECK_OK(sm_pq_tr_field(&r, &t, &id, &e), &e);
    CHECK_EQ_INT(id, 32766);
    CHECK_OK(sm_pq_tr_i32(&r, t, &v, &e), &e);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_CORRUPT);
    /* a field read with no struct open */
    sm_pq_tr_init(&r, BYTES(0x15, 0x00), 2);
    CHECK_EQ_INT(sm_pq_tr_field(&r, &t, &id, &e), SM_ERR_INTERNAL);
    /* uuid truncated */
    sm_pq_tr_init(&r, BYTES(0x1d, 1, 2, 3), 4);
    CHECK(sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e) == SM_ERR_CORRUPT);
}

static void test_writer_failures(void)
{
    sm_error_t e;
    sm_pq_tw_t w;
    /* a buffer limit: the error sticks, later calls do nothing */
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 4;
    sm_pq_tw_init(&w, &b, &e);
    sm_pq_tw_struct_begin(&w);
    sm_pq_tw_field_binary(&w, 1, "hello", 5);
    CHECK_EQ_INT(sm_pq_tw_status(&w), SM_ERR_LIMIT);
    size_t len = b.len;
    CHECK_EQ_INT(sm_pq_tw_i32(&w, 1), SM_ERR_LIMIT);
    CHECK_EQ_INT(sm_pq_tw_struct_end(&w), SM_ERR_LIMIT);
    CHECK_EQ_INT(b.len, len);
    sm_buf_free(&b);

    /* out of memory on the first append */
    sm_buf_t c = SM_BUF_INIT;
    sm_pq_tw_init(&w, &c, &e);
    sm_mem_fail_after(1);
    sm_pq_tw_i64(&w, 5);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(sm_pq_tw_status(&w), SM_ERR_NOMEM);
    CHECK_EQ_INT(e.code, SM_ERR_NOMEM);
    sm_buf_free(&c);

    /* misuse: a field outside a struct, an end without a begin */
    sm_buf_t d = SM_BUF_INIT;
    sm_pq_tw_init(&w, &d, &e);
    CHECK_EQ_INT(sm_pq_tw_field_i32(&w, 1, 1), SM_ERR_INTERNAL);
    sm_pq_tw_init(&w, &d, &e);
    CHECK_EQ_INT(sm_pq_tw_struct_end(&w), SM_ERR_INTERNAL);
    sm_pq_tw_init(&w, &d, NULL); /* a NULL error object is allowed */
    CHECK_EQ_INT(sm_pq_tw_list_begin(&w, 0, 1), SM_ERR_INTERNAL);
    sm_buf_free(&d);
}

/* Random bytes through the skipper: never a crash, always a bounded read. */
static void test_random_skip(void)
{
    uint32_t seed = 12345;
    uint8_t buf[64];
    sm_error_t e;
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t)(it % 64);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
        }
        sm_pq_tr_t r;
        sm_pq_tr_init(&r, buf, n);
        sm_err_t rc = sm_pq_tr_skip(&r, SM_PQ_TC_STRUCT, &e);
        CHECK(sm_pq_tr_offset(&r) <= n);
        CHECK(rc == SM_OK || e.msg[0] != '\0');
    }
}

int main(void)
{
    RUN(test_zigzag_varints);
    RUN(test_spec_example_varint);
    RUN(test_bad_varints);
    RUN(test_field_headers);
    RUN(test_nested_struct_ids);
    RUN(test_lists);
    RUN(test_bool_lists);
    RUN(test_binary_and_double);
    RUN(test_maps);
    RUN(test_skip_unknown_nested);
    RUN(test_depth_limit);
    RUN(test_bad_headers);
    RUN(test_writer_failures);
    RUN(test_random_skip);
    return check_summary();
}
