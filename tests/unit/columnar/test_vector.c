#include "check.h"

#include <math.h>
#include <stdlib.h>

#include "columnar/vector.h"
#include "core/mem.h"

static sm_vector_t *new_vec(sm_type_t *t, size_t cap)
{
    sm_error_t e;
    sm_vector_t *v = NULL;
    CHECK_OK(sm_vector_new(t, cap, &v, &e), &e);
    return v;
}

static sm_i128 dec_max(void)
{
    sm_i128 x = 1;
    for (int i = 0; i < 38; i++)
        x *= 10;
    return x - 1;
}

static void test_fixed_kinds(void)
{
    sm_error_t e;
    sm_vector_t *v;

    v = new_vec(sm_type_int8(), 0);
    CHECK_EQ_INT(v->len, 0);
    CHECK_EQ_INT(v->width, 1);
    CHECK_OK(sm_vector_append_i8(v, -128, &e), &e);
    CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_OK(sm_vector_append_i8(v, 127, &e), &e);
    CHECK_EQ_INT(v->len, 3);
    CHECK_EQ_INT(v->null_count, 1);
    CHECK_EQ_INT(sm_vector_get_i8(v, 0), -128);
    CHECK(sm_vector_is_null(v, 1));
    CHECK_EQ_INT(sm_vector_get_i8(v, 1), 0); /* null rows hold zeros */
    CHECK_EQ_INT(sm_vector_get_i8(v, 2), 127);
    CHECK(!sm_vector_is_null(v, 2));
    sm_vector_free(v);

    v = new_vec(sm_type_int16(), 1);
    CHECK_OK(sm_vector_append_i16(v, INT16_MIN, &e), &e);
    CHECK_OK(sm_vector_append_i16(v, INT16_MAX, &e), &e);
    CHECK_EQ_INT(sm_vector_get_i16(v, 0), INT16_MIN);
    CHECK_EQ_INT(sm_vector_get_i16(v, 1), INT16_MAX);
    CHECK(v->validity == NULL); /* no nulls, no bitmap */
    sm_vector_free(v);

    v = new_vec(sm_type_date(), 4);
    CHECK_OK(sm_vector_append_i32(v, -719162, &e), &e);
    CHECK_EQ_INT(sm_vector_get_i32(v, 0), -719162);
    /* wrong width is refused, not written */
    CHECK_EQ_INT(sm_vector_append_i64(v, 1, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "8-byte value to a date vector") != NULL);
    CHECK_EQ_INT(sm_vector_append_bool(v, true, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_vector_append_str(v, "x", &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_vector_append_list(v, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_vector_append_struct(v, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(v->len, 1);
    sm_vector_free(v);

    v = new_vec(sm_type_timestamp_tz(), 0);
    CHECK_OK(sm_vector_append_i64(v, INT64_MIN, &e), &e);
    CHECK_OK(sm_vector_append_i64(v, INT64_MAX, &e), &e);
    CHECK(sm_vector_get_i64(v, 0) == INT64_MIN);
    CHECK(sm_vector_get_i64(v, 1) == INT64_MAX);
    sm_vector_free(v);

    v = new_vec(sm_type_float32(), 0);
    CHECK_OK(sm_vector_append_f32(v, 1.5f, &e), &e);
    CHECK_OK(sm_vector_append_f32(v, NAN, &e), &e);
    CHECK(sm_vector_get_f32(v, 0) == 1.5f);
    CHECK(isnan(sm_vector_get_f32(v, 1)));
    sm_vector_free(v);

    v = new_vec(sm_type_float64(), 0);
    CHECK_OK(sm_vector_append_f64(v, -0.1, &e), &e);
    CHECK(sm_vector_get_f64(v, 0) == -0.1);
    sm_vector_free(v);

    sm_type_t *dt = sm_type_decimal(38, 0);
    v = new_vec(dt, 0);
    CHECK_EQ_INT(v->width, 16);
    CHECK_OK(sm_vector_append_i128(v, dec_max(), &e), &e);
    CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_OK(sm_vector_append_i128(v, -dec_max(), &e), &e);
    CHECK(sm_vector_get_i128(v, 0) == dec_max());
    CHECK(sm_vector_get_i128(v, 1) == 0);
    CHECK(sm_vector_get_i128(v, 2) == -dec_max());
    /* little-endian two's complement, as Arrow's decimal128 */
    /* 10^38-1 = 0x4B3B4CA85A86C47A098A223FFFFFFFFF */
    CHECK_EQ_INT(v->values[0], 0xff);
    CHECK_EQ_INT(v->values[15], 0x4b);
    CHECK_EQ_INT(v->values[32], 0x01);
    CHECK_EQ_INT(v->values[47], 0xb4);
    sm_vector_free(v);
    sm_type_free(dt);
}

static void test_bool_bits(void)
{
    sm_error_t e;
    sm_vector_t *v = new_vec(sm_type_bool(), 3);
    for (int i = 0; i < 100; i++) {
        if (i % 7 == 3)
            CHECK_OK(sm_vector_append_null(v, &e), &e);
        else
            CHECK_OK(sm_vector_append_bool(v, i % 3 == 0, &e), &e);
    }
    CHECK_EQ_INT(v->len, 100);
    CHECK_EQ_INT(v->null_count, 14);
    int bad = 0;
    for (int i = 0; i < 100; i++) {
        if (sm_vector_is_null(v, (size_t)i) != (i % 7 == 3))
            bad++;
        else if (i % 7 != 3 && sm_vector_get_bool(v, (size_t)i) != (i % 3 == 0))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* LSB-first packing: rows 0 and 6 true, row 3 null -> 0b01000001, validity 0b11110111 */
    CHECK_EQ_INT(v->values[0], 0x41);
    CHECK_EQ_INT(v->validity[0], 0xf7);
    /* A slice starting mid-byte. */
    sm_vector_t *s = NULL;
    CHECK_OK(sm_vector_slice(v, 5, 20, &s, &e), &e);
    CHECK_EQ_INT(s->null_count, 3); /* rows 10, 17, 24 */
    bad = 0;
    for (int i = 0; i < 20; i++) {
        int r = i + 5;
        if (sm_vector_is_null(s, (size_t)i) != (r % 7 == 3))
            bad++;
        else if (r % 7 != 3 && sm_vector_get_bool(s, (size_t)i) != (r % 3 == 0))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    sm_vector_t *c = NULL;
    CHECK_OK(sm_vector_copy(s, &c, &e), &e);
    CHECK_EQ_INT(c->offset, 0);
    CHECK(sm_vector_equal(c, s));
    CHECK(sm_vector_is_builder(c));
    CHECK(!sm_vector_is_builder(s));
    CHECK_EQ_INT(sm_vector_append_bool(s, true, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_vector_append_null(s, &e), SM_ERR_INVALID);
    CHECK_OK(sm_vector_append_bool(c, true, &e), &e);
    CHECK_EQ_INT(c->len, 21);
    sm_vector_free(c);
    sm_vector_free(s);
    sm_vector_free(v);
}

static void test_strings(void)
{
    sm_error_t e;
    sm_vector_t *v = new_vec(sm_type_string(), 2);
    CHECK(v->offsets != NULL && v->offsets[0] == 0);
    CHECK_OK(sm_vector_append_str(v, "", &e), &e);
    CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_OK(sm_vector_append_str(v, "héllo", &e), &e);
    size_t big_n = 1 << 20;
    char *big = malloc(big_n);
    for (size_t i = 0; i < big_n; i++)
        big[i] = (char)('a' + i % 26);
    CHECK_OK(sm_vector_append_bytes(v, big, big_n, &e), &e);
    CHECK_OK(sm_vector_append_str(v, "z", &e), &e);
    CHECK_EQ_INT(v->len, 5);
    CHECK_EQ_INT(v->null_count, 1);
    size_t n;
    const char *s = sm_vector_get_str(v, 0, &n);
    CHECK_EQ_INT(n, 0);
    CHECK(s != NULL);
    sm_vector_get_str(v, 1, &n);
    CHECK_EQ_INT(n, 0);
    s = sm_vector_get_str(v, 2, &n);
    CHECK(n == 6 && memcmp(s, "héllo", 6) == 0);
    s = sm_vector_get_str(v, 3, &n);
    CHECK(n == big_n && memcmp(s, big, big_n) == 0);
    s = sm_vector_get_str(v, 4, &n);
    CHECK(n == 1 && s[0] == 'z');
    CHECK_EQ_INT(v->data_len, 6 + big_n + 1);

    /* slice: offsets need not start at 0 */
    sm_vector_t *sl = NULL;
    CHECK_OK(sm_vector_slice(v, 2, 3, &sl, &e), &e);
    CHECK_EQ_INT(sl->null_count, 0);
    s = sm_vector_get_str(sl, 0, &n);
    CHECK(n == 6 && memcmp(s, "héllo", 6) == 0);
    sm_vector_t *c = NULL;
    CHECK_OK(sm_vector_copy(sl, &c, &e), &e);
    CHECK_EQ_INT(c->offsets[0], 0);
    CHECK_EQ_INT(c->data_len, 6 + big_n + 1);
    CHECK(sm_vector_equal(c, sl));
    sm_vector_free(c);
    sm_vector_free(sl);

    /* empty slice at the end, one-row slice */
    CHECK_OK(sm_vector_slice(v, 5, 0, &sl, &e), &e);
    CHECK_EQ_INT(sl->len, 0);
    sm_vector_free(sl);
    CHECK_OK(sm_vector_slice(v, 1, 1, &sl, &e), &e);
    CHECK_EQ_INT(sl->null_count, 1);
    CHECK(sm_vector_is_null(sl, 0));
    sm_vector_free(sl);
    CHECK_EQ_INT(sm_vector_slice(v, 4, 2, &sl, &e), SM_ERR_INVALID);
    CHECK(sl == NULL);
    CHECK_EQ_INT(sm_vector_slice(v, 6, 0, &sl, &e), SM_ERR_INVALID);

    /* reset keeps memory, and old nulls do not linger */
    size_t cap = v->cap, dcap = v->data_cap;
    sm_vector_reset(v);
    CHECK_EQ_INT(v->len, 0);
    CHECK_EQ_INT(v->null_count, 0);
    CHECK_EQ_INT(v->data_len, 0);
    CHECK_EQ_INT(v->cap, cap);
    CHECK_EQ_INT(v->data_cap, dcap);
    CHECK_OK(sm_vector_append_str(v, "a", &e), &e);
    CHECK_OK(sm_vector_append_str(v, "b", &e), &e);
    CHECK(!sm_vector_is_null(v, 1));
    s = sm_vector_get_str(v, 1, &n);
    CHECK(n == 1 && s[0] == 'b');
    CHECK_EQ_INT(v->null_count, 0);

    /* hard limit on string bytes, checked before allocating */
    CHECK_EQ_INT(sm_vector_reserve_data(v, SM_VECTOR_MAX_BYTES, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(v->len, 2);
    free(big);
    sm_vector_free(v);

    /* binary with zero bytes */
    v = new_vec(sm_type_binary(), 0);
    CHECK_OK(sm_vector_append_bytes(v, "\0\1\0", 3, &e), &e);
    const uint8_t *p = sm_vector_get_bytes(v, 0, &n);
    CHECK(n == 3 && p[0] == 0 && p[1] == 1 && p[2] == 0);
    sm_vector_free(v);
}

static void test_lists_and_maps(void)
{
    sm_error_t e;
    sm_type_t *lt = sm_type_list(sm_type_int32());
    sm_vector_t *v = new_vec(lt, 0);
    sm_vector_t *c = sm_vector_child(v, 0);
    /* [[1,2],[],NULL,[3,NULL]] */
    CHECK_OK(sm_vector_append_i32(c, 1, &e), &e);
    CHECK_OK(sm_vector_append_i32(c, 2, &e), &e);
    CHECK_OK(sm_vector_append_list(v, &e), &e);
    CHECK_OK(sm_vector_append_list(v, &e), &e);
    CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_OK(sm_vector_append_i32(c, 3, &e), &e);
    CHECK_OK(sm_vector_append_null(c, &e), &e);
    CHECK_OK(sm_vector_append_list(v, &e), &e);
    CHECK_EQ_INT(v->len, 4);
    CHECK_EQ_INT(v->null_count, 1);
    size_t a, b;
    sm_vector_list_range(v, 0, &a, &b);
    CHECK(a == 0 && b == 2);
    sm_vector_list_range(v, 1, &a, &b);
    CHECK(a == 2 && b == 2);
    sm_vector_list_range(v, 2, &a, &b);
    CHECK(a == 2 && b == 2);
    CHECK(sm_vector_is_null(v, 2));
    sm_vector_list_range(v, 3, &a, &b);
    CHECK(a == 2 && b == 4);
    CHECK(sm_vector_is_null(c, 3));

    /* slice + copy rebases offsets and copies only the needed elements */
    sm_vector_t *s = NULL, *cp = NULL;
    CHECK_OK(sm_vector_slice(v, 1, 3, &s, &e), &e);
    CHECK_EQ_INT(s->null_count, 1);
    CHECK_OK(sm_vector_copy(s, &cp, &e), &e);
    CHECK(sm_vector_equal(cp, s));
    CHECK_EQ_INT(cp->offsets[0], 0);
    CHECK_EQ_INT(cp->offsets[3], 2);
    CHECK_EQ_INT(sm_vector_child(cp, 0)->len, 2);
    CHECK_EQ_INT(sm_vector_child(cp, 0)->null_count, 1);
    sm_vector_free(cp);
    sm_vector_free(s);

    /* append_from between builders, from a view */
    sm_vector_t *d = new_vec(lt, 0);
    CHECK_OK(sm_vector_append_from(d, v, 3, &e), &e);
    CHECK_OK(sm_vector_append_from(d, v, 2, &e), &e);
    CHECK_OK(sm_vector_append_from(d, v, 0, &e), &e);
    CHECK_EQ_INT(d->len, 3);
    CHECK_EQ_INT(d->null_count, 1);
    sm_vector_list_range(d, 2, &a, &b);
    CHECK(a == 2 && b == 4);
    CHECK_EQ_INT(sm_vector_get_i32(sm_vector_child(d, 0), 3), 2);
    CHECK(!sm_vector_equal(d, v));
    sm_vector_truncate(d, 1);
    CHECK_EQ_INT(d->len, 1);
    CHECK_EQ_INT(d->null_count, 0);
    CHECK_EQ_INT(sm_vector_child(d, 0)->len, 2);
    /* type mismatch */
    sm_vector_t *iv = new_vec(sm_type_int32(), 0);
    CHECK_EQ_INT(sm_vector_append_from(iv, v, 0, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "cannot append array<int> rows to a int vector") != NULL);
    CHECK_EQ_INT(sm_vector_append_range(d, v, 3, 2, &e), SM_ERR_INVALID);
    sm_vector_free(iv);
    sm_vector_free(d);
    sm_vector_free(v);
    sm_type_free(lt);

    /* map<string,int>: {a -> 1, b -> NULL}, {}, NULL */
    sm_type_t *mt = sm_type_map(sm_type_string(), sm_type_int32());
    v = new_vec(mt, 0);
    CHECK_EQ_INT(v->nchildren, 1);
    sm_vector_t *ent = sm_vector_child(v, 0);
    CHECK_EQ_INT(ent->type->kind, SM_TYPE_STRUCT);
    sm_vector_t *k = sm_vector_child(ent, 0), *val = sm_vector_child(ent, 1);
    CHECK_OK(sm_vector_append_str(k, "a", &e), &e);
    CHECK_OK(sm_vector_append_i32(val, 1, &e), &e);
    CHECK_OK(sm_vector_append_struct(ent, &e), &e);
    CHECK_OK(sm_vector_append_str(k, "b", &e), &e);
    CHECK_OK(sm_vector_append_null(val, &e), &e);
    CHECK_OK(sm_vector_append_struct(ent, &e), &e);
    CHECK_OK(sm_vector_append_list(v, &e), &e);
    CHECK_OK(sm_vector_append_list(v, &e), &e);
    CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_EQ_INT(v->len, 3);
    CHECK_EQ_INT(ent->len, 2);
    /* struct row closed too early is refused */
    CHECK_OK(sm_vector_append_str(k, "c", &e), &e);
    CHECK_EQ_INT(sm_vector_append_struct(ent, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "field 'value' has 2 rows, expected 3") != NULL);
    sm_vector_truncate(k, 2);
    sm_vector_t *mc = NULL;
    CHECK_OK(sm_vector_copy(v, &mc, &e), &e);
    CHECK(sm_vector_equal(mc, v));
    sm_vector_free(mc);
    sm_vector_free(v);
    sm_type_free(mt);
}

static void test_structs(void)
{
    sm_error_t e;
    sm_type_t *st = sm_type_struct(
        (sm_field_t[]){{"a", sm_type_int64(), true}, {"b", sm_type_list(sm_type_string()), true}},
        2);
    sm_vector_t *v = new_vec(st, 0);
    sm_vector_t *a = sm_vector_child(v, 0), *b = sm_vector_child(v, 1);
    for (int i = 0; i < 10; i++) {
        if (i % 4 == 1) {
            CHECK_OK(sm_vector_append_null(v, &e), &e);
            continue;
        }
        CHECK_OK(sm_vector_append_i64(a, i, &e), &e);
        for (int j = 0; j < i % 3; j++)
            CHECK_OK(sm_vector_append_str(sm_vector_child(b, 0), "xy", &e), &e);
        CHECK_OK(sm_vector_append_list(b, &e), &e);
        CHECK_OK(sm_vector_append_struct(v, &e), &e);
    }
    CHECK_EQ_INT(v->len, 10);
    CHECK_EQ_INT(a->len, 10);
    CHECK_EQ_INT(b->len, 10);
    CHECK_EQ_INT(v->null_count, 3);
    CHECK(sm_vector_is_null(v, 5));
    CHECK(sm_vector_is_null(a, 5)); /* a null struct appends nulls to its fields */
    CHECK_EQ_INT(sm_vector_get_i64(a, 6), 6);

    sm_vector_t *s = NULL;
    CHECK_OK(sm_vector_slice(v, 3, 5, &s, &e), &e);
    CHECK_EQ_INT(s->null_count, 1);
    CHECK(sm_vector_is_null(s, 2));
    /* struct row i is child row i in a slice too */
    CHECK_EQ_INT(sm_vector_get_i64(sm_vector_child(s, 0), 1), 4);
    size_t x, y;
    sm_vector_list_range(sm_vector_child(s, 1), 1, &x, &y);
    CHECK_EQ_INT(y - x, 1);
    sm_vector_t *c = NULL;
    CHECK_OK(sm_vector_copy(s, &c, &e), &e);
    CHECK(sm_vector_equal(c, s));
    sm_vector_t *s2 = NULL;
    CHECK_OK(sm_vector_slice(s, 1, 2, &s2, &e), &e); /* slice of a slice */
    CHECK_EQ_INT(sm_vector_get_i64(sm_vector_child(s2, 0), 0), 4);
    CHECK(sm_vector_is_null(s2, 1));
    sm_vector_free(s2);

    /* reset a view: it becomes an empty builder */
    sm_vector_reset(s);
    CHECK(sm_vector_is_builder(s));
    CHECK_EQ_INT(s->len, 0);
    CHECK_OK(sm_vector_append_null(s, &e), &e);
    CHECK_OK(sm_vector_append_i64(sm_vector_child(s, 0), 42, &e), &e);
    CHECK_OK(sm_vector_append_list(sm_vector_child(s, 1), &e), &e);
    CHECK_OK(sm_vector_append_struct(s, &e), &e);
    CHECK_EQ_INT(s->len, 2);
    CHECK_EQ_INT(sm_vector_get_i64(sm_vector_child(s, 0), 1), 42);
    sm_vector_free(s);
    sm_vector_free(c);
    sm_vector_free(v);
    sm_type_free(st);
}

static void test_null_kind_and_edges(void)
{
    sm_error_t e;
    sm_vector_t *v = new_vec(sm_type_null(), 0);
    CHECK_EQ_INT(sm_vector_append_i32(v, 1, &e), SM_ERR_INVALID);
    for (int i = 0; i < 20; i++)
        CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_EQ_INT(v->null_count, 20);
    CHECK(sm_vector_is_null(v, 19));
    sm_vector_t *c = NULL;
    CHECK_OK(sm_vector_copy(v, &c, &e), &e);
    CHECK(sm_vector_equal(v, c));
    sm_vector_free(c);
    sm_vector_free(v);

    /* empty vector: copy, slice, equal */
    v = new_vec(sm_type_string(), 0);
    CHECK_OK(sm_vector_copy(v, &c, &e), &e);
    CHECK(sm_vector_equal(v, c));
    CHECK_EQ_INT(c->len, 0);
    sm_vector_free(c);
    sm_vector_free(v);

    CHECK_EQ_INT(sm_vector_new(NULL, 0, &v, &e), SM_ERR_INVALID);
    CHECK(v == NULL);

    /* all nulls everywhere */
    sm_type_t *dt = sm_type_decimal(5, 2);
    v = new_vec(dt, 0);
    for (int i = 0; i < 17; i++)
        CHECK_OK(sm_vector_append_null(v, &e), &e);
    CHECK_EQ_INT(v->null_count, 17);
    sm_vector_t *s = NULL;
    CHECK_OK(sm_vector_slice(v, 9, 8, &s, &e), &e);
    CHECK_EQ_INT(s->null_count, 8);
    sm_vector_free(s);
    sm_vector_free(v);
    sm_type_free(dt);

    /* set_len after filling the buffer directly */
    v = new_vec(sm_type_int32(), 100);
    for (int i = 0; i < 100; i++)
        ((int32_t *)(void *)v->values)[i] = i * i;
    CHECK_OK(sm_vector_set_len(v, 100, &e), &e);
    CHECK_EQ_INT(sm_vector_get_i32(v, 99), 9801);
    CHECK_EQ_INT(sm_vector_set_len(v, v->cap + 1, &e), SM_ERR_INVALID);
    sm_vector_free(v);
}

static void test_wrap(void)
{
    sm_error_t e;
    int64_t vals[5] = {1, 2, 3, 4, 5};
    uint8_t valid[1] = {0x1b}; /* rows 2 null */
    sm_vector_t *v = NULL;
    CHECK_OK(sm_vector_wrap(sm_type_int64(), 5, valid, vals, NULL, NULL, 0, &v, &e), &e);
    CHECK_EQ_INT(v->null_count, 1);
    CHECK(sm_vector_is_null(v, 2));
    CHECK_EQ_INT(sm_vector_get_i64(v, 4), 5);
    CHECK_EQ_INT(sm_vector_append_i64(v, 6, &e), SM_ERR_INVALID);
    vals[4] = 50; /* zero-copy */
    CHECK_EQ_INT(sm_vector_get_i64(v, 4), 50);
    sm_vector_free(v);

    int32_t offs[4] = {0, 3, 3, 8};
    const char *data = "abcdefgh";
    CHECK_OK(
        sm_vector_wrap(sm_type_string(), 3, NULL, NULL, offs, (const uint8_t *)data, 8, &v, &e),
        &e);
    size_t n;
    const char *s = sm_vector_get_str(v, 2, &n);
    CHECK(n == 5 && memcmp(s, "defgh", 5) == 0);
    sm_vector_reset(v); /* drops the borrowed buffers, frees nothing of ours */
    CHECK_OK(sm_vector_append_str(v, "own", &e), &e);
    s = sm_vector_get_str(v, 0, &n);
    CHECK(n == 3 && memcmp(s, "own", 3) == 0);
    sm_vector_free(v);

    int32_t bad1[4] = {0, 5, 3, 8};
    CHECK_EQ_INT(
        sm_vector_wrap(sm_type_string(), 3, NULL, NULL, bad1, (const uint8_t *)data, 8, &v, &e),
        SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "offset 2 (3)") != NULL);
    int32_t bad2[4] = {0, 3, 3, 9};
    CHECK_EQ_INT(
        sm_vector_wrap(sm_type_string(), 3, NULL, NULL, bad2, (const uint8_t *)data, 8, &v, &e),
        SM_ERR_CORRUPT);
    int32_t bad3[2] = {-1, 0};
    CHECK_EQ_INT(
        sm_vector_wrap(sm_type_binary(), 1, NULL, NULL, bad3, (const uint8_t *)data, 8, &v, &e),
        SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_vector_wrap(sm_type_int32(), 3, NULL, NULL, NULL, NULL, 0, &v, &e),
                 SM_ERR_INVALID);
    sm_type_t *lt = sm_type_list(sm_type_int32());
    CHECK_EQ_INT(sm_vector_wrap(lt, 0, NULL, NULL, NULL, NULL, 0, &v, &e), SM_ERR_INVALID);
    sm_type_free(lt);
}

/* Builds list<struct<k:string, v:decimal(20,3)>> with nulls. */
static sm_err_t build_nested(sm_type_t *t, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *v = NULL;
    sm_err_t rc = sm_vector_new(t, 2, &v, e);
    if (rc)
        return rc;
    sm_vector_t *st = sm_vector_child(v, 0);
    for (int i = 0; i < 40 && !rc; i++) {
        if (i % 5 == 4) {
            rc = sm_vector_append_null(v, e);
            continue;
        }
        for (int j = 0; j < i % 4 && !rc; j++) {
            if (j == 2) {
                rc = sm_vector_append_null(st, e);
                continue;
            }
            rc = sm_vector_append_str(sm_vector_child(st, 0), "some key text", e);
            if (!rc)
                rc = sm_vector_append_i128(sm_vector_child(st, 1), (sm_i128)i * 1000 + j, e);
            if (!rc)
                rc = sm_vector_append_struct(st, e);
        }
        if (!rc)
            rc = sm_vector_append_list(v, e);
    }
    if (rc) {
        sm_vector_free(v);
        return rc;
    }
    *out = v;
    return SM_OK;
}

static void test_alloc_failures(void)
{
    sm_error_t e;
    sm_type_t *t = sm_type_list(sm_type_struct(
        (sm_field_t[]){{"k", sm_type_string(), true}, {"v", sm_type_decimal(20, 3), true}}, 2));
    sm_vector_t *v = NULL;
    sm_mem_fail_after(0);
    CHECK_OK(build_nested(t, &v, &e), &e);
    long allocs = sm_mem_fail_after(0);
    CHECK(allocs > 10);
    int bad = 0;
    for (long k = 1; k <= allocs; k++) {
        sm_vector_t *w = NULL;
        sm_mem_fail_after(k);
        sm_err_t rc = build_nested(t, &w, &e);
        sm_mem_fail_after(0);
        if (rc != SM_ERR_NOMEM)
            bad++;
        sm_vector_free(w);
    }
    CHECK_EQ_INT(bad, 0);

    /* copy and slice under failure: v stays intact */
    sm_vector_t *c = NULL;
    sm_mem_fail_after(0);
    CHECK_OK(sm_vector_copy(v, &c, &e), &e);
    allocs = sm_mem_fail_after(0);
    sm_vector_free(c);
    for (long k = 1; k <= allocs; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_vector_copy(v, &c, &e);
        sm_mem_fail_after(0);
        CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        CHECK(c == NULL);
    }
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_vector_slice(v, 1, 3, &c, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(3);
    CHECK_EQ_INT(sm_vector_slice(v, 1, 3, &c, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);

    /* append_range failing half way leaves dst as it was */
    sm_vector_t *d = NULL;
    CHECK_OK(sm_vector_new(t, 0, &d, &e), &e);
    CHECK_OK(sm_vector_append_range(d, v, 0, 3, &e), &e);
    sm_vector_t *before = NULL;
    CHECK_OK(sm_vector_copy(d, &before, &e), &e);
    for (long k = 1; k <= 8; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_vector_append_range(d, v, 3, 37, &e);
        sm_mem_fail_after(0);
        if (rc) {
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            CHECK(sm_vector_equal(d, before));
        } else {
            sm_vector_truncate(d, 3);
        }
    }
    CHECK_OK(sm_vector_append_range(d, v, 3, 37, &e), &e);
    CHECK(sm_vector_equal(d, v));
    sm_vector_free(before);
    sm_vector_free(d);
    sm_vector_free(v);
    sm_type_free(t);
}

static void test_equal(void)
{
    sm_error_t e;
    sm_vector_t *a = new_vec(sm_type_float64(), 0), *b = new_vec(sm_type_float64(), 0);
    CHECK_OK(sm_vector_append_f64(a, NAN, &e), &e);
    CHECK_OK(sm_vector_append_f64(b, NAN, &e), &e);
    CHECK_OK(sm_vector_append_f64(a, 0.0, &e), &e);
    CHECK_OK(sm_vector_append_f64(b, -0.0, &e), &e);
    CHECK(sm_vector_equal(a, b));
    CHECK_OK(sm_vector_append_null(a, &e), &e);
    CHECK_OK(sm_vector_append_f64(b, 0, &e), &e);
    CHECK(!sm_vector_equal(a, b));
    sm_vector_free(a);
    sm_vector_free(b);
    a = new_vec(sm_type_int32(), 0);
    b = new_vec(sm_type_date(), 0);
    CHECK(!sm_vector_equal(a, b)); /* same width, different kinds */
    sm_vector_free(a);
    sm_vector_free(b);
}

int main(void)
{
    RUN(test_fixed_kinds);
    RUN(test_bool_bits);
    RUN(test_strings);
    RUN(test_lists_and_maps);
    RUN(test_structs);
    RUN(test_null_kind_and_edges);
    RUN(test_wrap);
    RUN(test_alloc_failures);
    RUN(test_equal);
    return check_summary();
}
