#include "check.h"

#include <math.h>

#include "columnar/print.h"
#include "columnar/text.h"
#include "core/mem.h"

static sm_type_t *basic_schema(void)
{
    return sm_type_struct((sm_field_t[]){{"id", sm_type_int64(), true},
                                         {"name", sm_type_string(), true},
                                         {"price", sm_type_decimal(6, 2), true},
                                         {"ok", sm_type_bool(), true}},
                          4);
}

static sm_batch_t *basic_batch(sm_type_t *s)
{
    sm_error_t e;
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(s, 4, &b, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"1", "alice", "12.5", "true"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"22", NULL, NULL, "false"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){NULL, "日本語", "-0.05", NULL}, &e), &e);
    return b;
}

static const char *render(sm_print_format_t f, const sm_type_t *s, const sm_batch_t *const *bs,
                          size_t n, const sm_print_opts_t *o)
{
    static sm_buf_t out;
    sm_error_t e;
    sm_buf_free(&out);
    CHECK_OK(sm_print_batches(f, s, bs, n, o, &out, &e), &e);
    return out.data ? (const char *)out.data : "";
}

static void test_table(void)
{
    sm_type_t *s = basic_schema();
    sm_batch_t *b = basic_batch(s);
    const sm_batch_t *bs[] = {b, b};
    CHECK_EQ_STR(render(SM_PRINT_TABLE, s, bs, 1, NULL), "+------+--------+-------+-------+\n"
                                                         "|   id | name   | price | ok    |\n"
                                                         "+------+--------+-------+-------+\n"
                                                         "|    1 | alice  | 12.50 | true  |\n"
                                                         "|   22 | NULL   |  NULL | false |\n"
                                                         "| NULL | 日本語 | -0.05 | NULL  |\n"
                                                         "+------+--------+-------+-------+\n"
                                                         "(3 rows)\n");
    /* several batches, no header, no footer */
    sm_print_opts_t o = {.no_header = true, .no_footer = true};
    CHECK_EQ_STR(render(SM_PRINT_TABLE, s, bs, 2, &o), "+------+--------+-------+-------+\n"
                                                       "|    1 | alice  | 12.50 | true  |\n"
                                                       "|   22 | NULL   |  NULL | false |\n"
                                                       "| NULL | 日本語 | -0.05 | NULL  |\n"
                                                       "|    1 | alice  | 12.50 | true  |\n"
                                                       "|   22 | NULL   |  NULL | false |\n"
                                                       "| NULL | 日本語 | -0.05 | NULL  |\n"
                                                       "+------+--------+-------+-------+\n");
    /* no rows at all */
    CHECK_EQ_STR(render(SM_PRINT_TABLE, s, NULL, 0, NULL), "+----+------+-------+----+\n"
                                                           "| id | name | price | ok |\n"
                                                           "+----+------+-------+----+\n"
                                                           "(0 rows)\n");
    sm_batch_t *one = NULL;
    sm_error_t e;
    CHECK_OK(sm_batch_slice(b, 0, 1, &one, &e), &e);
    const sm_batch_t *ones[] = {one};
    CHECK_EQ_STR(render(SM_PRINT_TABLE, s, ones, 1, NULL), "+----+-------+-------+------+\n"
                                                           "| id | name  | price | ok   |\n"
                                                           "+----+-------+-------+------+\n"
                                                           "|  1 | alice | 12.50 | true |\n"
                                                           "+----+-------+-------+------+\n"
                                                           "(1 row)\n");
    sm_batch_free(one);
    sm_batch_free(b);
    sm_type_free(s);

    /* truncation (UTF-8 aware), control characters, wide and combining */
    s = sm_type_struct((sm_field_t[]){{"a long column name", sm_type_string(), true}}, 1);
    CHECK_OK(sm_batch_new(s, 0, &b, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"abcdefghij"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"日本語日本語"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"a\nb\tc\x01"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"e\xcc\x81t\xc3\xa9"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"bad\xff"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){""}, &e), &e);
    const sm_batch_t *tb[] = {b};
    sm_print_opts_t narrow = {.max_width = 7};
    CHECK_EQ_STR(render(SM_PRINT_TABLE, s, tb, 1, &narrow), "+---------+\n"
                                                            "| a long… |\n"
                                                            "+---------+\n"
                                                            "| abcdef… |\n"
                                                            "| 日本語… |\n"
                                                            "| a\\nb\\t… |\n"
                                                            "| e\xcc\x81t\xc3\xa9     |\n"
                                                            "| bad\xef\xbf\xbd    |\n"
                                                            "|         |\n"
                                                            "+---------+\n"
                                                            "(6 rows)\n");
    CHECK_EQ_INT(sm_print_display_width("日本語", strlen("日本語")), 6);
    CHECK_EQ_INT(sm_print_display_width("e\xcc\x81", 3), 1);
    CHECK_EQ_INT(sm_print_display_width("\xf0\x9f\x98\x80", 4), 2); /* emoji */
    CHECK_EQ_INT(sm_print_display_width("\xf0\x9f\x98", 3), 3);     /* truncated: 3 bad bytes */
    CHECK_EQ_INT(sm_print_display_width("", 0), 0);
    sm_batch_free(b);
    sm_type_free(s);
}

static void test_csv(void)
{
    sm_type_t *s = basic_schema();
    sm_batch_t *b = basic_batch(s);
    const sm_batch_t *bs[] = {b, b};
    CHECK_EQ_STR(render(SM_PRINT_CSV, s, bs, 1, NULL), "id,name,price,ok\n"
                                                       "1,alice,12.50,true\n"
                                                       "22,,,false\n"
                                                       ",日本語,-0.05,\n");
    sm_print_opts_t o = {.no_header = true};
    CHECK_EQ_STR(render(SM_PRINT_CSV, s, bs, 2, &o), "1,alice,12.50,true\n"
                                                     "22,,,false\n"
                                                     ",日本語,-0.05,\n"
                                                     "1,alice,12.50,true\n"
                                                     "22,,,false\n"
                                                     ",日本語,-0.05,\n");
    CHECK_EQ_STR(render(SM_PRINT_CSV, s, NULL, 0, NULL), "id,name,price,ok\n");
    sm_batch_free(b);
    sm_type_free(s);

    sm_error_t e;
    s = sm_type_struct(
        (sm_field_t[]){{"a,b", sm_type_string(), true}, {"say \"hi\"", sm_type_string(), true}}, 2);
    CHECK_OK(sm_batch_new(s, 0, &b, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"x,y", "he said \"no\""}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"", NULL}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"line\nbreak", "cr\r"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b,
                                 (const char *[]){
                                     " pad",
                                     "\"",
                                 },
                                 &e),
             &e);
    const sm_batch_t *one[] = {b};
    CHECK_EQ_STR(render(SM_PRINT_CSV, s, one, 1, NULL), "\"a,b\",\"say \"\"hi\"\"\"\n"
                                                        "\"x,y\",\"he said \"\"no\"\"\"\n"
                                                        "\"\",\n"
                                                        "\"line\nbreak\",\"cr\r\"\n"
                                                        "\" pad\",\"\"\"\"\n");
    sm_batch_free(b);
    sm_type_free(s);
}

static void test_json(void)
{
    sm_type_t *s = basic_schema();
    sm_batch_t *b = basic_batch(s);
    const sm_batch_t *bs[] = {b};
    CHECK_EQ_STR(render(SM_PRINT_JSON, s, bs, 1, NULL),
                 "{\"id\":1,\"name\":\"alice\",\"price\":12.50,\"ok\":true}\n"
                 "{\"id\":22,\"name\":null,\"price\":null,\"ok\":false}\n"
                 "{\"id\":null,\"name\":\"日本語\",\"price\":-0.05,\"ok\":null}\n");
    CHECK_EQ_STR(render(SM_PRINT_JSON, s, NULL, 0, NULL), "");
    sm_batch_free(b);
    sm_type_free(s);

    sm_buf_t out = SM_BUF_INIT;
    sm_error_t e;
    {
        const char *js = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f é\xff/";
        CHECK_OK(sm_print_json_string(js, strlen(js), &out, &e), &e);
    }
    CHECK_EQ_STR((char *)out.data, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f é\\ufffd/\"");
    sm_buf_reset(&out);
    CHECK_OK(sm_print_base64("", 0, &out, &e), &e);
    CHECK_OK(sm_print_base64("f", 1, &out, &e), &e);
    CHECK_OK(sm_print_base64("fo", 2, &out, &e), &e);
    CHECK_OK(sm_print_base64("foo", 3, &out, &e), &e);
    CHECK_OK(sm_print_base64("foob", 4, &out, &e), &e);
    CHECK_OK(sm_print_base64("\xff\xfe\x00", 3, &out, &e), &e);
    CHECK_EQ_STR((char *)out.data, "Zg==Zm8=Zm9vZm9vYg==//4A");
    sm_buf_free(&out);
}

/* A batch with every kind, nested values and nulls inside them. */
static sm_batch_t *rich_batch(sm_type_t **schema)
{
    sm_error_t e;
    sm_type_t *s = sm_type_struct(
        (sm_field_t[]){
            {"d", sm_type_date(), true},
            {"ts", sm_type_timestamp_tz(), true},
            {"ntz", sm_type_timestamp(), true},
            {"f", sm_type_float64(), true},
            {"r", sm_type_float32(), true},
            {"bin", sm_type_binary(), true},
            {"st",
             sm_type_struct((sm_field_t[]){{"x", sm_type_int32(), true},
                                           {"y", sm_type_list(sm_type_string()), true}},
                            2),
             true},
            {"m", sm_type_map(sm_type_int32(), sm_type_string()), true},
            {"n", sm_type_null(), true},
            {"t8", sm_type_int8(), true},
        },
        10);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(s, 0, &b, &e), &e);
    /* row 0: values */
    CHECK_OK(sm_vector_append_text(b->cols[0], "2024-02-29", 10, &e), &e);
    CHECK_OK(sm_vector_append_text(b->cols[1], "2024-01-02T03:04:05.5Z", 22, &e), &e);
    CHECK_OK(sm_vector_append_text(b->cols[2], "2024-01-02 03:04:05", 19, &e), &e);
    CHECK_OK(sm_vector_append_f64(b->cols[3], 0.1, &e), &e);
    CHECK_OK(sm_vector_append_f32(b->cols[4], 1e10f, &e), &e);
    CHECK_OK(sm_vector_append_bytes(b->cols[5], "Hi\xff", 3, &e), &e);
    sm_vector_t *st = b->cols[6], *y = sm_vector_child(st, 1);
    CHECK_OK(sm_vector_append_i32(sm_vector_child(st, 0), 1, &e), &e);
    CHECK_OK(sm_vector_append_str(sm_vector_child(y, 0), "a\"", &e), &e);
    CHECK_OK(sm_vector_append_null(sm_vector_child(y, 0), &e), &e);
    CHECK_OK(sm_vector_append_list(y, &e), &e);
    CHECK_OK(sm_vector_append_struct(st, &e), &e);
    sm_vector_t *m = b->cols[7], *ent = sm_vector_child(m, 0);
    CHECK_OK(sm_vector_append_i32(sm_vector_child(ent, 0), 1, &e), &e);
    CHECK_OK(sm_vector_append_str(sm_vector_child(ent, 1), "one", &e), &e);
    CHECK_OK(sm_vector_append_struct(ent, &e), &e);
    CHECK_OK(sm_vector_append_i32(sm_vector_child(ent, 0), 2, &e), &e);
    CHECK_OK(sm_vector_append_null(sm_vector_child(ent, 1), &e), &e);
    CHECK_OK(sm_vector_append_struct(ent, &e), &e);
    CHECK_OK(sm_vector_append_list(m, &e), &e);
    CHECK_OK(sm_vector_append_null(b->cols[8], &e), &e);
    CHECK_OK(sm_vector_append_i8(b->cols[9], -7, &e), &e);
    /* row 1: odd values, empty nested, nulls */
    CHECK_OK(sm_vector_append_i32(b->cols[0], -719162, &e), &e);
    CHECK_OK(sm_vector_append_i64(b->cols[1], -1, &e), &e);
    CHECK_OK(sm_vector_append_null(b->cols[2], &e), &e);
    CHECK_OK(sm_vector_append_f64(b->cols[3], NAN, &e), &e);
    CHECK_OK(sm_vector_append_f32(b->cols[4], -INFINITY, &e), &e);
    CHECK_OK(sm_vector_append_bytes(b->cols[5], "", 0, &e), &e);
    CHECK_OK(sm_vector_append_null(sm_vector_child(st, 0), &e), &e);
    CHECK_OK(sm_vector_append_list(y, &e), &e);
    CHECK_OK(sm_vector_append_struct(st, &e), &e);
    CHECK_OK(sm_vector_append_list(m, &e), &e);
    CHECK_OK(sm_vector_append_null(b->cols[8], &e), &e);
    CHECK_OK(sm_vector_append_null(b->cols[9], &e), &e);
    /* row 2: nulls at the top */
    for (size_t k = 0; k < b->ncols; k++)
        CHECK_OK(sm_vector_append_null(b->cols[k], &e), &e);
    CHECK_OK(sm_batch_sync(b, &e), &e);
    CHECK_EQ_INT(b->nrows, 3);
    *schema = s;
    return b;
}

#define BORDER                                                                                     \
    "+------------+----------------------------+---------------------+------+-----------"          \
    "+------------+-----------------+-----------------------+------+------+\n"

static void test_nested_and_kinds(void)
{
    sm_type_t *s = NULL;
    sm_batch_t *b = rich_batch(&s);
    const sm_batch_t *bs[] = {b};
    CHECK_EQ_STR(
        render(SM_PRINT_JSON, s, bs, 1, NULL),
        "{\"d\":\"2024-02-29\",\"ts\":\"2024-01-02T03:04:05.5Z\",\"ntz\":\"2024-01-02T03:04:05\","
        "\"f\":0.1,\"r\":1.0E10,\"bin\":\"SGn/\",\"st\":{\"x\":1,\"y\":[\"a\\\"\",null]},"
        "\"m\":{\"1\":\"one\",\"2\":null},\"n\":null,\"t8\":-7}\n"
        "{\"d\":\"0001-01-01\",\"ts\":\"1969-12-31T23:59:59.999999Z\",\"ntz\":null,"
        "\"f\":\"NaN\",\"r\":\"-Infinity\",\"bin\":\"\",\"st\":{\"x\":null,\"y\":[]},"
        "\"m\":{},\"n\":null,\"t8\":null}\n"
        "{\"d\":null,\"ts\":null,\"ntz\":null,\"f\":null,\"r\":null,\"bin\":null,\"st\":null,"
        "\"m\":null,\"n\":null,\"t8\":null}\n");
    CHECK_EQ_STR(render(SM_PRINT_CSV, s, bs, 1, NULL),
                 "d,ts,ntz,f,r,bin,st,m,n,t8\n"
                 "2024-02-29,2024-01-02T03:04:05.5Z,2024-01-02T03:04:05,0.1,1.0E10,SGn/,"
                 "\"{\"\"x\"\":1,\"\"y\"\":[\"\"a\\\"\"\"\",null]}\","
                 "\"{\"\"1\"\":\"\"one\"\",\"\"2\"\":null}\",,-7\n"
                 "0001-01-01,1969-12-31T23:59:59.999999Z,,NaN,-Infinity,\"\","
                 "\"{\"\"x\"\":null,\"\"y\"\":[]}\",{},,\n"
                 ",,,,,,,,,\n");
    CHECK_EQ_STR(
        render(SM_PRINT_TABLE, s, bs, 1, NULL),
        BORDER "| d          | ts                         | ntz                 |    f |         r "
               "| bin        | st              | m                     | n    |   t8 |\n" BORDER
               "| 2024-02-29 | 2024-01-02 03:04:05.5      | 2024-01-02 03:04:05 |  0.1 |    1.0E10 "
               "| [48 69 FF] | {1, [a\", null]} | {1 -> one, 2 -> null} | NULL |   -7 |\n"
               "| 0001-01-01 | 1969-12-31 23:59:59.999999 | NULL                |  NaN | -Infinity "
               "| []         | {null, []}      | {}                    | NULL | NULL |\n"
               "| NULL       | NULL                       | NULL                | NULL |      NULL "
               "| NULL       | NULL            | NULL                  | NULL | NULL |\n" BORDER
               "(3 rows)\n");
    sm_batch_free(b);
    sm_type_free(s);
}

static void test_print_value(void)
{
    sm_error_t e;
    sm_vector_t *v = NULL;
    sm_type_t *dt = sm_type_decimal(38, 38);
    CHECK_OK(sm_vector_new(dt, 0, &v, &e), &e);
    sm_i128 max = sm_pow10_i128(38) - 1;
    CHECK_OK(sm_vector_append_i128(v, -max, &e), &e);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_print_value(v, 0, SM_PRINT_STYLE_JSON, &out, &e), &e);
    CHECK_EQ_STR((char *)out.data, "-0.99999999999999999999999999999999999999");
    CHECK_EQ_INT(sm_print_value(v, 1, SM_PRINT_STYLE_JSON, &out, &e), SM_ERR_INVALID);
    sm_buf_free(&out);
    sm_vector_free(v);
    sm_type_free(dt);
}

static void test_failures(void)
{
    sm_type_t *s = NULL;
    sm_batch_t *b = rich_batch(&s);
    const sm_batch_t *bs[] = {b};
    sm_error_t e;
    for (int f = SM_PRINT_TABLE; f <= SM_PRINT_JSON; f++) {
        sm_buf_t out = SM_BUF_INIT;
        sm_mem_fail_after(0);
        CHECK_OK(sm_print_batches((sm_print_format_t)f, s, bs, 1, NULL, &out, &e), &e);
        long allocs = sm_mem_fail_after(0);
        size_t full = out.len;
        sm_buf_free(&out);
        for (long k = 1; k <= allocs; k++) {
            sm_mem_fail_after(k);
            sm_err_t rc = sm_print_batches((sm_print_format_t)f, s, bs, 1, NULL, &out, &e);
            sm_mem_fail_after(0);
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            sm_buf_free(&out);
        }
        /* a bounded output buffer stops with SM_ERR_LIMIT */
        out.limit = full / 2;
        CHECK_EQ_INT(sm_print_batches((sm_print_format_t)f, s, bs, 1, NULL, &out, &e),
                     SM_ERR_LIMIT);
        sm_buf_free(&out);
    }
    /* a batch with the wrong shape */
    sm_type_t *other = sm_type_struct((sm_field_t[]){{"a", sm_type_int32(), true}}, 1);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_EQ_INT(sm_print_batches(SM_PRINT_TABLE, other, bs, 1, NULL, &out, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_print_batches(SM_PRINT_JSON, other, bs, 1, NULL, &out, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_print_batches(SM_PRINT_CSV, sm_type_int32(), bs, 1, NULL, &out, &e),
                 SM_ERR_INVALID);
    sm_buf_free(&out);
    sm_type_free(other);
    sm_batch_free(b);
    sm_type_free(s);
}

int main(void)
{
    RUN(test_table);
    RUN(test_csv);
    RUN(test_json);
    RUN(test_nested_and_kinds);
    RUN(test_print_value);
    RUN(test_failures);
    return check_summary();
}
