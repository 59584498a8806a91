/* Tests of the JSON lines and JSON array readers (connect/jsonl*.c). */
#include <stdio.h>
#include <stdlib.h>

#include "files_check.h"

static void test_inference(void)
{
    EXPECT_READ(
        "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"],\"pos\":{\"x\":1,\"y\":2.5}}\n"
        "\n"
        "{\"id\":2,\"extra\":true,\"pos\":{\"z\":null,\"x\":1.5},\"tags\":[]}\r\n"
        "{\"name\":null,\"id\":3,\"tags\":null}\n",
        SM_FILE_JSONL, NULL,
        "struct<id:bigint,name:string,tags:array<string>,pos:struct<x:double,y:double,"
        "z:string>,extra:boolean>",
        "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"],\"pos\":{\"x\":1.0,\"y\":2.5,\"z\":null},"
        "\"extra\":null}\n"
        "{\"id\":2,\"name\":null,\"tags\":[],\"pos\":{\"x\":1.5,\"y\":null,\"z\":null},"
        "\"extra\":true}\n"
        "{\"id\":3,\"name\":null,\"tags\":null,\"pos\":null,\"extra\":null}\n");
}

static void test_widening(void)
{
    /* int + double → double; mixed → string keeps the JSON text */
    EXPECT_READ("{\"a\":1,\"b\":1,\"c\":[1,2.5],\"d\":{\"k\":1}}\n"
                "{\"a\":2.5,\"b\":\"x\",\"c\":[3],\"d\":5}\n",
                SM_FILE_JSONL, NULL, "struct<a:double,b:string,c:array<double>,d:string>",
                "{\"a\":1.0,\"b\":\"1\",\"c\":[1.0,2.5],\"d\":\"{\\\"k\\\":1}\"}\n"
                "{\"a\":2.5,\"b\":\"x\",\"c\":[3.0],\"d\":\"5\"}\n");
    /* only nulls and empty arrays → string; huge integers → double */
    EXPECT_READ("{\"n\":null,\"e\":[],\"big\":99999999999999999999}\n", SM_FILE_JSONL, NULL,
                "struct<n:string,e:array<string>,big:double>",
                "{\"n\":null,\"e\":[],\"big\":1.0E20}\n");
    /* escapes, unicode, surrogate pairs */
    EXPECT_READ("{\"s\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"}\n", SM_FILE_JSONL, NULL,
                "struct<s:string>", "{\"s\":\"a\\\"b\\\\c/\\n\xc3\xa9\xf0\x9f\x98\x80\"}\n");
    EXPECT_READ("", SM_FILE_JSONL, NULL, "struct<>", "");
}

static void test_explicit_schema(void)
{
    sm_error_t e;
    sm_type_t *t = NULL;
    const char *ty = "struct<id:int,amount:decimal(10,2),day:date,at:timestamp,"
                     "m:map<string,int>,l:array<struct<q:int>>,B:boolean>";
    CHECK_OK(sm_type_parse(ty, strlen(ty), &t, &e), &e);
    sm_file_opts_t o = {.schema = t, .name = "ev.jsonl"};
    EXPECT_READ(
        "{\"id\":1,\"amount\":12.345,\"day\":\"2024-01-02\",\"at\":\"2024-01-02T03:04:05+01:00\","
        "\"m\":{\"a\":1,\"b\":null},\"l\":[{\"q\":1},null],\"b\":true,\"zzz\":[1,{}]}\n",
        SM_FILE_JSONL, &o, ty,
        "{\"id\":1,\"amount\":12.35,\"day\":\"2024-01-02\",\"at\":\"2024-01-02T02:04:05Z\","
        "\"m\":{\"a\":1,\"b\":null},\"l\":[{\"q\":1},null],\"B\":true}\n");
    EXPECT_FAIL("{\"id\":1}\n{\"id\":\"x\"}\n", SM_FILE_JSONL, &o, SM_ERR_PARSE,
                "ev.jsonl:2:7: expected a number for field \"id\" (int), got \"\\\"x\\\"\"");
    EXPECT_FAIL("{\"id\":1,\"l\":[{\"q\":1.5}]}\n", SM_FILE_JSONL, &o, SM_ERR_PARSE,
                "ev.jsonl:1:19: expected a number for field \"l.q\" (int), got \"1.5\"");
    EXPECT_FAIL("{\"id\":3000000000}\n", SM_FILE_JSONL, &o, SM_ERR_PARSE,
                "ev.jsonl:1:7: value out of range for field \"id\" (int), got \"3000000000\"");
    EXPECT_FAIL("{\"amount\":123456789012}\n", SM_FILE_JSONL, &o, SM_ERR_PARSE,
                "ev.jsonl:1:11: value out of range for field \"amount\" (decimal(10,2)), got "
                "\"123456789012\"");
    sm_type_free(t);
}

static void test_bad_json(void)
{
    EXPECT_FAIL("{\"a\":1}\n{\"a\":2,}\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:2:8: invalid JSON: expected a string key in object");
    EXPECT_FAIL("{\"a\":1}\n[1]\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:2:1: invalid JSON: expected a JSON object");
    EXPECT_FAIL("{\"a\":01}\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:7: invalid JSON: expected ',' or '}' in object");
    EXPECT_FAIL("{\"a\":\"x\xff\"}\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:8: invalid JSON: invalid UTF-8 in a string");
    EXPECT_FAIL("{\"a\":\"\\ud800\"}\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:7: invalid JSON: unpaired UTF-16 surrogate in a \\u escape");
    EXPECT_FAIL("{\"a\":1} x\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:9: invalid JSON: unexpected data after the value");
    EXPECT_FAIL("{\"a\":tru}\n", SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:6: invalid JSON: unexpected character");
    /* depth */
    char deep[400] = "{\"a\":";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    strcat(deep, "\n");
    EXPECT_FAIL(deep, SM_FILE_JSONL, NULL, SM_ERR_PARSE,
                "t.csv:1:69: invalid JSON: nesting is too deep");
    sm_file_opts_t o = {.max_record_bytes = 10, .chunk_bytes = 3};
    EXPECT_FAIL("{\"a\":1}\n{\"a\":\"0123456789\"}\n", SM_FILE_JSONL, &o, SM_ERR_LIMIT,
                "t.csv:2: record is longer than the limit of 10 bytes");
    sm_file_opts_t o2 = {.max_columns = 2};
    EXPECT_FAIL("{\"a\":1,\"b\":{\"c\":1}}\n", SM_FILE_JSONL, &o2, SM_ERR_LIMIT,
                "t.csv:1:17: more than 2 fields in the inferred schema");
}

static int nbad;
static void on_bad(void *ctx, uint64_t line, const char *reason, const uint8_t *raw, size_t len)
{
    (void)ctx;
    (void)raw;
    (void)len;
    nbad++;
    if (nbad == 1) {
        CHECK_EQ_INT(line, 2);
        CHECK_EQ_STR(reason, "t.csv:2:6: invalid JSON: unexpected character");
    }
}

static void test_skip(void)
{
    sm_file_opts_t o = {.skip_bad_rows = true, .on_bad_row = on_bad};
    nbad = 0;
    EXPECT_READ("{\"a\":1}\n{\"a\":x}\n{\"a\":2}\nnope\n", SM_FILE_JSONL, &o, "struct<a:bigint>",
                "{\"a\":1}\n{\"a\":2}\n");
    /* both passes saw the bad lines; the callback counts each pass */
    CHECK(nbad >= 2);
}

static void test_array(void)
{
    const char *data = " \xEF\xBB\xBF[ {\"a\":1,\"s\":\"x]\\\"}\"},\n"
                       "  {\"a\":2.5, \"n\":{\"k\":[1,[2]]}} ,{}\n]\n ";
    /* the BOM is only skipped at the very start: here it is not */
    EXPECT_FAIL(data, SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:1:2: invalid JSON: expected '[' (a JSON array of objects)");
    data += 1;
    sm_error_t e;
    char *s0 = NULL, *r0 = NULL;
    CHECK_OK(read_mem(data, strlen(data), SM_FILE_JSON_ARRAY, NULL, &s0, &r0, &e), &e);
    CHECK_EQ_STR(s0, "struct<a:double,s:string,n:struct<k:array<string>>>");
    CHECK_EQ_STR(r0, "{\"a\":1.0,\"s\":\"x]\\\"}\",\"n\":null}\n"
                     "{\"a\":2.5,\"s\":null,\"n\":{\"k\":[\"1\",\"[2]\"]}}\n"
                     "{\"a\":null,\"s\":null,\"n\":null}\n");
    for (size_t chunk = 1; chunk <= strlen(data) + 1; chunk++) {
        sm_file_opts_t o = {.chunk_bytes = chunk, .batch_rows = 2};
        char *s = NULL, *r = NULL;
        CHECK_OK(read_mem(data, strlen(data), SM_FILE_JSON_ARRAY, &o, &s, &r, &e), &e);
        if (s) {
            CHECK_EQ_STR(s, s0);
            CHECK_EQ_STR(r, r0);
        }
        sm_free(s);
        sm_free(r);
    }
    sm_free(s0);
    sm_free(r0);
    EXPECT_READ("[]", SM_FILE_JSON_ARRAY, NULL, "struct<>", "");
    EXPECT_FAIL("[{\"a\":1},]", SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:1:10: invalid JSON: unexpected character");
    EXPECT_FAIL("[{\"a\":1}", SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:1:9: invalid JSON: unexpected end of input in the array");
    EXPECT_FAIL("[{\"a\":1}] [", SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:1:11: invalid JSON: unexpected data after the array");
    EXPECT_FAIL("[{\"a\":1},\n 5]", SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:2:2: invalid JSON: expected a JSON object");
    EXPECT_FAIL("[{\"a\":1}\n{\"a\":2}]", SM_FILE_JSON_ARRAY, NULL, SM_ERR_PARSE,
                "t.csv:2:1: invalid JSON: expected ',' or ']' in the array");
}

static void test_jsonl_chunks(void)
{
    const char *data = "{\"a\":\"\xc3\xa9\",\"b\":[1,2]}\r\n\n{\"b\":[3],\"a\":\"z\"}\n{}";
    sm_error_t e;
    char *s0 = NULL, *r0 = NULL;
    CHECK_OK(read_mem(data, strlen(data), SM_FILE_JSONL, NULL, &s0, &r0, &e), &e);
    CHECK_EQ_STR(s0, "struct<a:string,b:array<bigint>>");
    for (size_t chunk = 1; chunk <= strlen(data) + 1; chunk++) {
        sm_file_opts_t o = {.chunk_bytes = chunk, .batch_rows = 1};
        char *s = NULL, *r = NULL;
        CHECK_OK(read_mem(data, strlen(data), SM_FILE_JSONL, &o, &s, &r, &e), &e);
        if (s) {
            CHECK_EQ_STR(s, s0);
            CHECK_EQ_STR(r, r0);
        }
        sm_free(s);
        sm_free(r);
    }
    sm_free(s0);
    sm_free(r0);
}

static void test_alloc_failures(void)
{
    const char *data = "{\"a\":1,\"b\":{\"c\":[\"x\\n\"]}}\n{\"a\":2.5,\"d\":null}\n";
    int ok = 0;
    for (long n = 1; n < 300 && !ok; n++) {
        sm_error_t e;
        char *s = NULL, *r = NULL;
        sm_mem_fail_after(n);
        sm_err_t rc = read_mem(data, strlen(data), SM_FILE_JSONL, NULL, &s, &r, &e);
        sm_mem_fail_after(0);
        if (rc == SM_OK) {
            ok = 1;
            CHECK_EQ_STR(s, "struct<a:double,b:struct<c:array<string>>,d:string>");
        } else {
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        }
        sm_free(s);
        sm_free(r);
    }
    CHECK(ok);
}

int main(void)
{
    RUN(test_inference);
    RUN(test_widening);
    RUN(test_explicit_schema);
    RUN(test_bad_json);
    RUN(test_skip);
    RUN(test_array);
    RUN(test_jsonl_chunks);
    RUN(test_alloc_failures);
    return check_summary();
}
