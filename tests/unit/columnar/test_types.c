#include "check.h"

#include <stdlib.h>

#include "columnar/types.h"
#include "core/mem.h"

static char name_buf[512];

static const char *name_of(const sm_type_t *t)
{
    return sm_type_name(t, name_buf, sizeof name_buf);
}

static void test_fixed_kinds(void)
{
    CHECK_EQ_STR(name_of(sm_type_bool()), "boolean");
    CHECK_EQ_STR(name_of(sm_type_int8()), "tinyint");
    CHECK_EQ_STR(name_of(sm_type_int16()), "smallint");
    CHECK_EQ_STR(name_of(sm_type_int32()), "int");
    CHECK_EQ_STR(name_of(sm_type_int64()), "bigint");
    CHECK_EQ_STR(name_of(sm_type_float32()), "float");
    CHECK_EQ_STR(name_of(sm_type_float64()), "double");
    CHECK_EQ_STR(name_of(sm_type_date()), "date");
    CHECK_EQ_STR(name_of(sm_type_timestamp()), "timestamp_ntz");
    CHECK_EQ_STR(name_of(sm_type_timestamp_tz()), "timestamp");
    CHECK_EQ_STR(name_of(sm_type_string()), "string");
    CHECK_EQ_STR(name_of(sm_type_binary()), "binary");
    CHECK_EQ_STR(name_of(sm_type_null()), "void");
    /* Singletons: the same object, free is a no-op, copy returns itself. */
    CHECK(sm_type_int64() == sm_type_int64());
    sm_type_free(sm_type_int64());
    CHECK(sm_type_copy(sm_type_int64()) == sm_type_int64());
    CHECK(sm_type_of_kind(SM_TYPE_DECIMAL) == NULL);
    CHECK(sm_type_of_kind(SM_TYPE_STRUCT) == NULL);
    CHECK(sm_type_of_kind(SM_TYPE_DATE) == sm_type_date());
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_BOOL), 0);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_INT8), 1);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_INT16), 2);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_DATE), 4);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_FLOAT32), 4);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_TIMESTAMP_TZ), 8);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_DECIMAL), 16);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_STRING), 0);
    CHECK_EQ_INT(sm_type_byte_width(SM_TYPE_LIST), 0);
    CHECK(sm_type_is_numeric(SM_TYPE_DECIMAL));
    CHECK(!sm_type_is_numeric(SM_TYPE_DATE));
    CHECK(sm_type_is_integer(SM_TYPE_INT16));
}

static void test_decimal(void)
{
    sm_type_t *d = sm_type_decimal(10, 2);
    CHECK_EQ_STR(name_of(d), "decimal(10,2)");
    CHECK_EQ_INT(d->precision, 10);
    CHECK_EQ_INT(d->scale, 2);
    sm_type_t *d2 = sm_type_decimal(38, 38);
    CHECK_EQ_STR(name_of(d2), "decimal(38,38)");
    CHECK(!sm_type_equal(d, d2));
    sm_type_t *d3 = sm_type_decimal(10, 2);
    CHECK(sm_type_equal(d, d3));
    CHECK(sm_type_decimal(0, 0) == NULL);
    CHECK(sm_type_decimal(39, 0) == NULL);
    CHECK(sm_type_decimal(5, 6) == NULL);
    CHECK(sm_type_decimal(5, -1) == NULL);
    sm_type_free(d);
    sm_type_free(d2);
    sm_type_free(d3);
}

static void test_nested(void)
{
    sm_type_t *t = sm_type_struct(
        (sm_field_t[]){{"a", sm_type_int32(), true},
                       {"b", sm_type_list(sm_type_string()), false},
                       {"c", sm_type_map(sm_type_string(), sm_type_decimal(5, 1)), true},
                       {"my col", sm_type_struct(NULL, 0), true},
                       {"x`y", sm_type_timestamp(), true}},
        5);
    CHECK(t != NULL);
    CHECK_EQ_STR(name_of(t), "struct<a:int,b:array<string>,c:map<string,decimal(5,1)>,"
                             "`my col`:struct<>,`x``y`:timestamp_ntz>");
    CHECK_EQ_INT(t->nfields, 5);
    CHECK(!t->fields[1].nullable);
    CHECK(sm_type_list_elem(t->fields[1].type) == sm_type_string());
    CHECK(sm_type_map_key(t->fields[2].type) == sm_type_string());
    CHECK_EQ_INT(sm_type_map_value(t->fields[2].type)->precision, 5);
    /* map entries: key not null, value nullable */
    const sm_type_t *entries = t->fields[2].type->fields[0].type;
    CHECK_EQ_INT(entries->kind, SM_TYPE_STRUCT);
    CHECK(!entries->fields[0].nullable);
    CHECK(entries->fields[1].nullable);
    CHECK_EQ_INT(sm_type_field_index(t, "b", 1, false), 1);
    CHECK_EQ_INT(sm_type_field_index(t, "B", 1, false), -1);
    CHECK_EQ_INT(sm_type_field_index(t, "B", 1, true), 1);
    CHECK_EQ_INT(sm_type_field_index(t, "zz", 2, true), -1);

    /* copy and refs */
    sm_type_t *c = sm_type_copy(t);
    CHECK(c != t);
    CHECK(sm_type_equal(c, t));
    sm_type_t *r = sm_type_ref(t);
    CHECK(r == t);
    sm_type_free(r);
    CHECK_EQ_STR(name_of(t), name_of(c)); /* still alive after one unref */

    /* equality details */
    sm_type_t *l1 = sm_type_list_ex(sm_type_int32(), true);
    sm_type_t *l2 = sm_type_list_ex(sm_type_int32(), false);
    CHECK(!sm_type_equal(l1, l2));
    CHECK(sm_type_equal_ex(l1, l2, SM_TYPE_EQ_IGNORE_NULLABLE));
    sm_type_t *s1 = sm_type_struct((sm_field_t[]){{"a", sm_type_int32(), true}}, 1);
    sm_type_t *s2 = sm_type_struct((sm_field_t[]){{"b", sm_type_int32(), true}}, 1);
    CHECK(!sm_type_equal(s1, s2));
    CHECK(sm_type_equal_ex(s1, s2, SM_TYPE_EQ_IGNORE_NAMES));
    CHECK(!sm_type_equal(s1, l1));
    sm_type_free(l1);
    sm_type_free(l2);
    sm_type_free(s1);
    sm_type_free(s2);
    sm_type_free(c);
    sm_type_free(t);

    /* NULL children propagate without leaks */
    CHECK(sm_type_list(NULL) == NULL);
    CHECK(sm_type_map(sm_type_string(), NULL) == NULL);
    CHECK(sm_type_map(NULL, sm_type_decimal(3, 1)) == NULL);
    CHECK(sm_type_struct((sm_field_t[]){{"a", sm_type_decimal(3, 1), true}, {"b", NULL, true}},
                         2) == NULL);
    CHECK(sm_type_struct((sm_field_t[]){{NULL, sm_type_decimal(3, 1), true}}, 1) == NULL);
}

static void roundtrip(const char *in, const char *expect)
{
    sm_error_t e;
    sm_type_t *t = NULL;
    CHECK_OK(sm_type_parse(in, strlen(in), &t, &e), &e);
    if (!t)
        return;
    CHECK_EQ_STR(name_of(t), expect);
    sm_type_t *t2 = NULL;
    CHECK_OK(sm_type_parse(name_buf, strlen(name_buf), &t2, &e), &e);
    CHECK(sm_type_equal(t, t2));
    sm_type_free(t2);
    sm_type_free(t);
}

static void test_parse(void)
{
    roundtrip("bigint", "bigint");
    roundtrip("LONG", "bigint");
    roundtrip("integer", "int");
    roundtrip(" Int ", "int");
    roundtrip("short", "smallint");
    roundtrip("byte", "tinyint");
    roundtrip("real", "float");
    roundtrip("double", "double");
    roundtrip("boolean", "boolean");
    roundtrip("string", "string");
    roundtrip("binary", "binary");
    roundtrip("date", "date");
    roundtrip("timestamp", "timestamp");
    roundtrip("timestamp_ltz", "timestamp");
    roundtrip("TIMESTAMP_NTZ", "timestamp_ntz");
    roundtrip("void", "void");
    roundtrip("decimal", "decimal(10,0)");
    roundtrip("decimal(7)", "decimal(7,0)");
    roundtrip("numeric( 38 , 10 )", "decimal(38,10)");
    roundtrip("dec(1,1)", "decimal(1,1)");
    roundtrip("array<int>", "array<int>");
    roundtrip("array < array<string> >", "array<array<string>>");
    roundtrip("map<string,int>", "map<string,int>");
    roundtrip("map<int, array<map<string,double>>>", "map<int,array<map<string,double>>>");
    roundtrip("struct<a:int,b:string>", "struct<a:int,b:string>");
    roundtrip("struct<a int, b struct<c: date>>", "struct<a:int,b:struct<c:date>>");
    roundtrip("struct<>", "struct<>");
    roundtrip("struct<`a b`:int,`c``d`:long>", "struct<`a b`:int,`c``d`:bigint>");
    roundtrip("struct<1x:int>", "struct<1x:int>");

    sm_error_t e;
    sm_type_t *t = NULL;
    const char *s = "struct<id:bigint NOT NULL,name:string>";
    CHECK_OK(sm_type_parse(s, strlen(s), &t, &e), &e);
    CHECK(t && !t->fields[0].nullable && t->fields[1].nullable);
    sm_type_free(t);

    /* Only `len` bytes are read. */
    CHECK_OK(sm_type_parse("intXYZ", 3, &t, &e), &e);
    CHECK(t == sm_type_int32());
}

static void bad(const char *in, const char *msg_part)
{
    sm_error_t e;
    sm_type_t *t = (sm_type_t *)1;
    sm_err_t rc = sm_type_parse(in, strlen(in), &t, &e);
    CHECK_EQ_INT(rc, SM_ERR_PARSE);
    CHECK(t == NULL);
    if (!strstr(e.msg, msg_part)) {
        fprintf(stderr, "parse '%s': message '%s' lacks '%s'\n", in, e.msg, msg_part);
        CHECK(0);
    }
}

static void test_parse_errors(void)
{
    bad("", "expected a type at offset 0");
    bad("bigin", "unknown type at offset 0");
    bad("int int", "unexpected text after the type at offset 4");
    bad("array<int", "expected '>' at offset 9");
    bad("array<>", "expected a type at offset 6");
    bad("map<int>", "expected ',' between map key and value types at offset 7");
    bad("map<int,", "at offset 8 (end of input)");
    bad("struct<a:int", "expected ',' or '>' in struct at offset 12");
    bad("struct<a:int,>", "expected a field name at offset 13");
    bad("struct<:int>", "expected a field name at offset 7");
    bad("struct<`a:int>", "unterminated `quoted` field name at offset 7");
    bad("struct<``:int>", "empty or invalid quoted field name");
    bad("decimal(39,0)", "decimal(39,0) at offset 8");
    bad("decimal(5,6)", "precision must be 1..38");
    bad("decimal(0)", "precision");
    bad("decimal(5,", "expected a number");
    bad("decimal(5 2)", "expected ')'");
    bad("array(int)", "expected '<' at offset 5");
    bad("struct<a:foo>", "unknown type at offset 9");
    /* Deep nesting is refused, not a stack overflow. */
    char deep[2000];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "array<");
    snprintf(deep + n, sizeof deep - n, "int");
    bad(deep, "type nests too deeply");
}

static void test_alloc_failures(void)
{
    const char *s = "struct<a:int,b:map<string,array<decimal(5,2)>>,`c d`:struct<x:date>>";
    sm_error_t e;
    sm_type_t *t = NULL;
    sm_mem_fail_after(0);
    CHECK_OK(sm_type_parse(s, strlen(s), &t, &e), &e);
    long allocs = sm_mem_fail_after(0);
    CHECK(allocs > 5);
    sm_type_free(t);
    for (long k = 1; k <= allocs; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_type_parse(s, strlen(s), &t, &e);
        sm_mem_fail_after(0);
        CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        CHECK(t == NULL);
    }
    /* copy under failure */
    CHECK_OK(sm_type_parse(s, strlen(s), &t, &e), &e);
    sm_mem_fail_after(0);
    sm_type_t *c = sm_type_copy(t);
    allocs = sm_mem_fail_after(0);
    sm_type_free(c);
    for (long k = 1; k <= allocs; k++) {
        sm_mem_fail_after(k);
        c = sm_type_copy(t);
        sm_mem_fail_after(0);
        CHECK(c == NULL);
    }
    sm_type_free(t);
    /* format into a limited buffer */
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 8;
    CHECK_OK(sm_type_parse("map<string,int>", 15, &t, &e), &e);
    CHECK_EQ_INT(sm_type_format(t, &b, &e), SM_ERR_LIMIT);
    sm_buf_free(&b);
    char small[8];
    CHECK_EQ_STR(sm_type_name(t, small, sizeof small), "map<...");
    sm_type_free(t);
}

/* Random token soup never crashes the type parser or reads past len. */
static void test_garbage(void)
{
    static const char *const toks[] = {"struct", "array", "map", "decimal", "int", "string",
                                       "<",      ">",     ",",   ":",       "(",   ")",
                                       "`",      "a",     "12",  " ",       "not", "null"};
    srand(3);
    int unexpected = 0, ok = 0;
    for (int i = 0; i < 50000; i++) {
        char buf[256];
        size_t n = 0;
        int ntok = rand() % 14;
        for (int k = 0; k < ntok; k++) {
            const char *t = toks[rand() % (int)(sizeof toks / sizeof toks[0])];
            size_t l = strlen(t);
            memcpy(buf + n, t, l);
            n += l;
        }
        char *heap = malloc(n ? n : 1);
        memcpy(heap, buf, n);
        sm_error_t e;
        sm_type_t *t = NULL;
        sm_err_t rc = sm_type_parse(heap, n, &t, &e);
        if (rc == SM_OK) {
            ok++;
            /* whatever parses formats and parses back to an equal type (the
             * Spark form does not show NOT NULL) */
            sm_buf_t f = SM_BUF_INIT;
            sm_type_t *t2 = NULL;
            if (sm_type_format(t, &f, &e) || sm_type_parse((char *)f.data, f.len, &t2, &e) ||
                !sm_type_equal_ex(t, t2, SM_TYPE_EQ_IGNORE_NULLABLE))
                unexpected++;
            sm_type_free(t2);
            sm_buf_free(&f);
        } else if (rc != SM_ERR_PARSE || t != NULL) {
            unexpected++;
        }
        sm_type_free(t);
        free(heap);
    }
    CHECK_EQ_INT(unexpected, 0);
    CHECK(ok > 10);
}

int main(void)
{
    RUN(test_fixed_kinds);
    RUN(test_decimal);
    RUN(test_nested);
    RUN(test_parse);
    RUN(test_parse_errors);
    RUN(test_alloc_failures);
    RUN(test_garbage);
    return check_summary();
}
