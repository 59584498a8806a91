/* Tests of the CSV reader (connect/csv.c) and the file source. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "files_check.h"
#include "parquet/writer.h"

static void test_basic_inference(void)
{
    EXPECT_READ("id,name,price,ok,day,at\n"
                "1,alice,1.5,true,2024-01-31,2024-01-31T10:00:00\n"
                "2,bob,2,FALSE,2024-02-01,2024-02-01 11:30:00.5\n",
                SM_FILE_CSV, NULL,
                "struct<id:int,name:string,price:double,ok:boolean,day:date,at:timestamp>",
                "{\"id\":1,\"name\":\"alice\",\"price\":1.5,\"ok\":true,\"day\":\"2024-01-31\","
                "\"at\":\"2024-01-31T10:00:00Z\"}\n"
                "{\"id\":2,\"name\":\"bob\",\"price\":2.0,\"ok\":false,\"day\":\"2024-02-01\","
                "\"at\":\"2024-02-01T11:30:00.5Z\"}\n");
}

static void test_quotes(void)
{
    /* embedded delimiter, doubled quotes, embedded CRLF and LF, quoted empty */
    EXPECT_READ("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line1\r\nline2\",\"\"\r\n\"l\nm\",\r\n",
                SM_FILE_CSV, NULL, "struct<a:string,b:string>",
                "{\"a\":\"x,y\",\"b\":\"say \\\"hi\\\"\"}\n"
                "{\"a\":\"line1\\r\\nline2\",\"b\":\"\"}\n"
                "{\"a\":\"l\\nm\",\"b\":null}\n");
    /* a quote inside an unquoted field is a plain byte */
    EXPECT_READ("a\nab\"c\n", SM_FILE_CSV, NULL, "struct<a:string>", "{\"a\":\"ab\\\"c\"}\n");
    /* backslash escapes */
    sm_file_opts_t o = {.escape = '\\'};
    EXPECT_READ("a,b\n\"x\\\"y\",\"p\\\\q\"\n", SM_FILE_CSV, &o, "struct<a:string,b:string>",
                "{\"a\":\"x\\\"y\",\"b\":\"p\\\\q\"}\n");
    EXPECT_FAIL("a,b\n\"x\"y,1\n", SM_FILE_CSV, NULL, SM_ERR_PARSE,
                "t.csv:2:4: unexpected character after a closing quote (a quote inside a "
                "quoted field must be doubled)");
    EXPECT_FAIL("a,b\n1,2\n3,\"open\n4,5\n", SM_FILE_CSV, NULL, SM_ERR_PARSE,
                "t.csv:3:3: unterminated quoted field");
}

static void test_lines(void)
{
    /* BOM, empty lines, CR-only line ends, no final line break */
    EXPECT_READ("\xEF\xBB\xBFx,y\n\n1,2\r\r\n3,4\r\n\n5,6", SM_FILE_CSV, NULL,
                "struct<x:int,y:int>", "{\"x\":1,\"y\":2}\n{\"x\":3,\"y\":4}\n{\"x\":5,\"y\":6}\n");
    /* trailing delimiter on header and rows */
    EXPECT_READ("a,b,\n1,2,\n3,4\n", SM_FILE_CSV, NULL, "struct<a:int,b:int>",
                "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n");
    /* empty file, header only */
    EXPECT_READ("", SM_FILE_CSV, NULL, "struct<>", "");
    EXPECT_READ("a,b\n", SM_FILE_CSV, NULL, "struct<a:string,b:string>", "");
    /* one column, one row, no line break */
    EXPECT_READ("v\n7", SM_FILE_CSV, NULL, "struct<v:int>", "{\"v\":7}\n");
    /* comments, no header, tab delimiter, custom null */
    sm_file_opts_t o = {.no_header = true, .delimiter = '\t', .comment = '#', .null_value = "NA"};
    EXPECT_READ("# a comment\n1\tNA\n#x\n2\t\"NA\"\n", SM_FILE_CSV, &o,
                "struct<_c0:int,_c1:string>",
                "{\"_c0\":1,\"_c1\":null}\n{\"_c0\":2,\"_c1\":\"NA\"}\n");
    /* empty and repeated header names */
    EXPECT_READ("a,,a\n1,2,3\n", SM_FILE_CSV, NULL, "struct<a:int,_c1:int,a_2:int>",
                "{\"a\":1,\"_c1\":2,\"a_2\":3}\n");
}

static void test_nulls(void)
{
    EXPECT_READ("n,s\n,\n1,\"\"\n,x\n", SM_FILE_CSV, NULL, "struct<n:int,s:string>",
                "{\"n\":null,\"s\":null}\n{\"n\":1,\"s\":\"\"}\n{\"n\":null,\"s\":\"x\"}\n");
    /* all-empty column → string */
    EXPECT_READ("a,b\n1,\n2,\n", SM_FILE_CSV, NULL, "struct<a:int,b:string>",
                "{\"a\":1,\"b\":null}\n{\"a\":2,\"b\":null}\n");
}

static void test_inference_table(void)
{
    static const struct {
        const char *values; /* one column, lines separated by '|' */
        const char *type;
    } cases[] = {
        {"1|2|-3", "int"},
        {"1|2147483648", "bigint"},
        {"1|9223372036854775808", "double"},
        {"1|2.5", "double"},
        {"1e3|-.5", "double"},
        {"true|false|TRUE", "boolean"},
        {"true|1", "string"},
        {"2024-01-01|2024-02-29", "date"},
        {"2023-02-29", "string"},
        {"2024-01-01|2024-01-01T00:00:00Z", "timestamp"},
        {"2024-01-01 10:00|2024-01-01T00:00:00+02:00", "timestamp"},
        {"2024-01-01|5", "string"},
        {"NaN|1", "string"},
        {"abc", "string"},
        {"|", "string"},
        {"+7|007", "int"},
        {"1.|.5", "double"},
        {"1..2", "string"},
        {"\"12,5\"|1", "string"},
        {"\"3\"|4", "int"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[256], want[64];
        snprintf(data, sizeof data, "\"c\"\n%s\n", cases[i].values);
        for (char *p = data; *p; p++)
            if (*p == '|')
                *p = '\n';
        /* the '|' line "" becomes an empty line: skipped; that is fine */
        snprintf(want, sizeof want, "struct<c:%s>", cases[i].type);
        sm_error_t e;
        char *s = NULL, *r = NULL;
        CHECK_OK(read_mem(data, strlen(data), SM_FILE_CSV, NULL, &s, &r, &e), &e);
        if (s && strcmp(s, want) != 0)
            fprintf(stderr, "case %zu (%s)\n", i, cases[i].values);
        if (s)
            CHECK_EQ_STR(s, want);
        sm_free(s);
        sm_free(r);
    }
    /* the sample size: a row after the sample that does not fit fails */
    sm_file_opts_t o = {.infer_rows = 2};
    EXPECT_FAIL("amount\n1\n2\n12,5\n", SM_FILE_CSV, &o, SM_ERR_PARSE,
                "t.csv:4:1: row has 2 fields, expected 1");
    EXPECT_FAIL("amount\n1\n2\nx\n", SM_FILE_CSV, &o, SM_ERR_PARSE,
                "t.csv:4:1: expected a number for column \"amount\", got \"x\"");
}

static void test_value_errors(void)
{
    sm_error_t e;
    sm_type_t *schema = NULL;
    const char *ty = "struct<id:int,amount:double,day:date,n:tinyint>";
    CHECK_OK(sm_type_parse(ty, strlen(ty), &schema, &e), &e);
    sm_file_opts_t o = {.schema = schema, .name = "sales.csv"};
    EXPECT_FAIL("id,amount,day,n\n1,2.5,2024-01-01,1\n2,\"12,5\",2024-01-01,1\n", SM_FILE_CSV, &o,
                SM_ERR_PARSE,
                "sales.csv:3:3: expected a number for column \"amount\", got \"12,5\"");
    EXPECT_FAIL("id,amount,day,n\n1,2.5,2024-13-01,1\n", SM_FILE_CSV, &o, SM_ERR_PARSE,
                "sales.csv:2:7: expected a date (yyyy-MM-dd) for column \"day\", got "
                "\"2024-13-01\"");
    EXPECT_FAIL("id,amount,day,n\n1,2.5,2024-12-01,300\n", SM_FILE_CSV, &o, SM_ERR_PARSE,
                "sales.csv:2:18: value out of range for column \"n\" (tinyint), got \"300\"");
    EXPECT_FAIL("id,amount\n1,2\n", SM_FILE_CSV, &o, SM_ERR_INVALID,
                "sales.csv:1: header has 2 columns, the schema has 4");
    /* a value after an embedded newline: its own line and column */
    EXPECT_FAIL("id,amount,day,n\n\"1\",\"x\ny\",,\n", SM_FILE_CSV, &o, SM_ERR_PARSE,
                "sales.csv:2:5: expected a number for column \"amount\", got \"x\\x0ay\"");
    sm_type_free(schema);
}

typedef struct bad_log {
    int n;
    uint64_t lines[8];
    char first[256];
} bad_log_t;

static void on_bad(void *ctx, uint64_t line, const char *reason, const uint8_t *raw, size_t len)
{
    bad_log_t *log = ctx;
    if (log->n < 8)
        log->lines[log->n] = line;
    if (log->n++ == 0)
        snprintf(log->first, sizeof log->first, "%s|%.*s", reason, (int)len, (const char *)raw);
}

static void test_ragged_and_skip(void)
{
    EXPECT_FAIL("a,b\n1,2\n3\n4,5\n", SM_FILE_CSV, NULL, SM_ERR_PARSE,
                "t.csv:3:1: row has 1 fields, expected 2");
    EXPECT_FAIL("a,b\n1,2\n\n\n3,4,5\n", SM_FILE_CSV, NULL, SM_ERR_PARSE,
                "t.csv:5:1: row has 3 fields, expected 2");
    bad_log_t log = {0};
    sm_error_t e;
    sm_type_t *schema = NULL;
    CHECK_OK(sm_type_parse("struct<a:int,b:int>", 19, &schema, &e), &e);
    sm_file_opts_t o = {
        .skip_bad_rows = true, .on_bad_row = on_bad, .bad_row_ctx = &log, .schema = schema};
    const char *data = "a,b\n1,2\n3\n4,x\n5,6\n7,8,9\n";
    sm_file_source_t *src = NULL;
    CHECK_OK(sm_file_source_open_mem(data, strlen(data), "t.csv", SM_FILE_CSV, &o, &src, &e), &e);
    char *s = NULL, *r = NULL;
    if (src) {
        CHECK_OK(read_src(src, &s, &r, &e), &e);
        CHECK_EQ_STR(r, "{\"a\":1,\"b\":2}\n{\"a\":5,\"b\":6}\n");
        CHECK_EQ_INT(sm_file_source_bad_rows(src), 3);
        CHECK_EQ_INT(sm_file_source_rows(src), 2);
    }
    CHECK_EQ_INT(log.n, 3);
    CHECK_EQ_INT(log.lines[0], 3);
    CHECK_EQ_INT(log.lines[1], 4);
    CHECK_EQ_INT(log.lines[2], 6);
    CHECK_EQ_STR(log.first, "t.csv:3:1: row has 1 fields, expected 2|3\n");
    sm_free(s);
    sm_free(r);
    sm_file_source_close(src);
    sm_type_free(schema);
}

static void test_utf8_and_limits(void)
{
    EXPECT_FAIL("a,b\nok,fine\nx,ab\xff\n", SM_FILE_CSV, NULL, SM_ERR_PARSE,
                "t.csv:3:5: invalid UTF-8 (files must be UTF-8 encoded)");
    EXPECT_READ("a\n\xc3\xa9t\xc3\xa9\n", SM_FILE_CSV, NULL, "struct<a:string>",
                "{\"a\":\"\xc3\xa9t\xc3\xa9\"}\n");
    sm_file_opts_t o = {.max_field_bytes = 8};
    EXPECT_FAIL("a,b\n1,123456789\n", SM_FILE_CSV, &o, SM_ERR_LIMIT,
                "t.csv:2:3: field is longer than the limit of 8 bytes");
    sm_file_opts_t o2 = {.max_record_bytes = 16, .chunk_bytes = 4};
    EXPECT_FAIL("a,b\n1,2\n\"0123456789abcdefghij\",1\n", SM_FILE_CSV, &o2, SM_ERR_LIMIT,
                "t.csv:3: record is longer than the limit of 16 bytes");
    sm_file_opts_t o3 = {.max_columns = 3};
    EXPECT_FAIL("a,b,c,d\n", SM_FILE_CSV, &o3, SM_ERR_LIMIT,
                "t.csv:1:7: row has more than 3 fields");
    sm_file_opts_t bad = {.delimiter = '"'};
    EXPECT_FAIL("a\n", SM_FILE_CSV, &bad, SM_ERR_INVALID,
                "CSV delimiter must differ from line breaks, quote, escape and comment "
                "characters");
}

/* Every chunk size from 1 byte up gives the same rows. */
static void test_chunk_boundaries(void)
{
    const char *data = "\xEF\xBB\xBF"
                       "id,text,v\r\n"
                       "1,\"a,b\"\"c\r\nd\",1.5\r\n"
                       "\r\n"
                       "2,\xc3\xa9\xe2\x82\xac,\r"
                       "3,\"\",-2\n"
                       "4,\"\"\"\",7e2\n"
                       "5,x,";
    sm_error_t e;
    char *s0 = NULL, *r0 = NULL;
    CHECK_OK(read_mem(data, strlen(data), SM_FILE_CSV, NULL, &s0, &r0, &e), &e);
    CHECK_EQ_STR(s0, "struct<id:int,text:string,v:double>");
    CHECK_EQ_STR(r0, "{\"id\":1,\"text\":\"a,b\\\"c\\r\\nd\",\"v\":1.5}\n"
                     "{\"id\":2,\"text\":\"\xc3\xa9\xe2\x82\xac\",\"v\":null}\n"
                     "{\"id\":3,\"text\":\"\",\"v\":-2.0}\n"
                     "{\"id\":4,\"text\":\"\\\"\",\"v\":700.0}\n"
                     "{\"id\":5,\"text\":\"x\",\"v\":null}\n");
    for (size_t chunk = 1; chunk <= strlen(data) + 1; chunk++) {
        for (size_t rows = 1; rows <= 3; rows++) {
            sm_file_opts_t o = {.chunk_bytes = chunk, .batch_rows = rows};
            char *s = NULL, *r = NULL;
            CHECK_OK(read_mem(data, strlen(data), SM_FILE_CSV, &o, &s, &r, &e), &e);
            if (s && r0 && (strcmp(s, s0) || strcmp(r, r0)))
                fprintf(stderr, "chunk %zu rows %zu differs\n", chunk, rows);
            if (s) {
                CHECK_EQ_STR(s, s0);
                CHECK_EQ_STR(r, r0);
            }
            sm_free(s);
            sm_free(r);
        }
    }
    sm_free(s0);
    sm_free(r0);
}

static void test_batches(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_buf_append_str(&b, "n,s\n", &e), &e);
    for (int i = 0; i < 10000; i++)
        CHECK_OK(sm_buf_printf(&b, &e, "%d,s%d\n", i, i), &e);
    sm_file_source_t *src = NULL;
    CHECK_OK(sm_file_source_open_mem(b.data, b.len, "big.csv", SM_FILE_CSV, NULL, &src, &e), &e);
    size_t total = 0, nb = 0;
    int64_t sum = 0;
    sm_batch_t *bt = NULL;
    while (src && sm_file_source_next(src, &bt, &e) == SM_OK && bt) {
        CHECK(bt->nrows <= SM_BATCH_ROWS);
        for (size_t i = 0; i < bt->nrows; i++)
            sum += sm_vector_get_i32(bt->cols[0], i);
        total += bt->nrows;
        nb++;
        sm_batch_free(bt);
    }
    CHECK_EQ_INT(total, 10000);
    CHECK_EQ_INT(nb, 3);
    CHECK_EQ_INT(sum, 49995000);
    sm_file_source_close(src);
    sm_buf_free(&b);
}

static void test_alloc_failures(void)
{
    const char *data = "a,b,c\n1,\"x\"\"y\",2024-01-01\n2,z,\n";
    int ok = 0;
    for (long n = 1; n < 200 && !ok; n++) {
        sm_error_t e;
        char *s = NULL, *r = NULL;
        sm_mem_fail_after(n);
        sm_err_t rc = read_mem(data, strlen(data), SM_FILE_CSV, NULL, &s, &r, &e);
        sm_mem_fail_after(0);
        if (rc == SM_OK) {
            ok = 1;
            CHECK_EQ_STR(r, "{\"a\":1,\"b\":\"x\\\"y\",\"c\":\"2024-01-01\"}\n"
                            "{\"a\":2,\"b\":\"z\",\"c\":null}\n");
        } else {
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        }
        sm_free(s);
        sm_free(r);
    }
    CHECK(ok);
}

/* Through a local store: detection by extension, CSV → Parquet → back. */
static void test_store_round_trip(void)
{
    char dir[] = "/tmp/smelt-files-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sm_error_t e;
    sm_store_t *st = NULL;
    CHECK_OK(sm_store_open(dir, &st, &e), &e);
    if (!st)
        return;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_buf_append_str(&b, "id,name,amount,day,flag\n", &e), &e);
    for (int i = 0; i < 5000; i++)
        CHECK_OK(sm_buf_printf(&b, &e, "%d,\"n%d, \"\"q\"\"\",%d.25,2024-01-%02d,%s\n", i, i, i,
                               i % 28 + 1, i % 3 ? "true" : ""),
                 &e);
    CHECK_OK(sm_store_put(st, "in/sales.csv", b.data, b.len, &e), &e);
    sm_file_opts_t o = {.chunk_bytes = 4096};
    sm_file_source_t *src = NULL;
    char *s1 = NULL, *r1 = NULL, *s2 = NULL, *r2 = NULL;
    CHECK_OK(sm_file_source_open(st, "in/sales.csv", SM_FILE_AUTO, &o, &src, &e), &e);
    if (src) {
        CHECK_EQ_INT(sm_file_source_format(src), SM_FILE_CSV);
        CHECK_OK(read_src(src, &s1, &r1, &e), &e);
        CHECK(sm_file_source_bytes_read(src) >= b.len);
    }
    sm_file_source_close(src);
    src = NULL;
    uint64_t rows = 0;
    CHECK_OK(sm_file_convert_ex(st, "in/sales.csv", SM_FILE_AUTO, &o, st, "out/sales.parquet", NULL,
                                &rows, &e),
             &e);
    CHECK_EQ_INT(rows, 5000);
    CHECK_OK(sm_file_source_open(st, "out/sales.parquet", SM_FILE_AUTO, NULL, &src, &e), &e);
    if (src) {
        CHECK_OK(read_src(src, &s2, &r2, &e), &e);
        CHECK_EQ_STR(s2, s1);
        CHECK(r1 && r2 && strcmp(r1, r2) == 0);
    }
    CHECK_EQ_STR(s1, "struct<id:int,name:string,amount:double,day:date,flag:boolean>");
    sm_file_source_close(src);
    /* sm_file_convert with defaults, and a missing input */
    CHECK_OK(sm_file_convert(st, "in/sales.csv", st, "out/b.parquet", NULL, &e), &e);
    CHECK_EQ_INT(sm_file_convert(st, "in/none.csv", st, "out/c.parquet", NULL, &e),
                 SM_ERR_NOT_FOUND);
    sm_store_info_t info;
    CHECK_EQ_INT(sm_store_head(st, "out/c.parquet", &info, NULL), SM_ERR_NOT_FOUND);
    /* a bad row fails the conversion and leaves no output */
    CHECK_OK(sm_store_put(st, "in/bad.csv", "a\n1\nx\n", 6, &e), &e);
    sm_file_opts_t o1 = {.infer_rows = 1};
    CHECK_EQ_INT(sm_file_convert_ex(st, "in/bad.csv", SM_FILE_CSV, &o1, st, "out/bad.parquet", NULL,
                                    NULL, &e),
                 SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "bad.csv:3:1: expected a number for column \"a\", got \"x\"");
    CHECK_EQ_INT(sm_store_head(st, "out/bad.parquet", &info, NULL), SM_ERR_NOT_FOUND);
    sm_free(s1);
    sm_free(r1);
    sm_free(s2);
    sm_free(r2);
    sm_buf_free(&b);
    sm_store_close(st);
    CHECK(check_rm_tree(dir));
}

static void test_formats(void)
{
    sm_file_format_t f;
    sm_error_t e;
    CHECK_OK(sm_file_format_detect(NULL, "a/b.CSV", &f, &e), &e);
    CHECK_EQ_INT(f, SM_FILE_CSV);
    CHECK_OK(sm_file_format_detect(NULL, "x.ndjson", &f, &e), &e);
    CHECK_EQ_INT(f, SM_FILE_JSONL);
    CHECK_OK(sm_file_format_detect(NULL, "x.parquet", &f, &e), &e);
    CHECK_EQ_INT(f, SM_FILE_PARQUET);
    CHECK_EQ_INT(sm_file_format_detect(NULL, "x.xlsx", &f, &e), SM_ERR_UNSUPPORTED);
    CHECK_OK(sm_file_format_parse("JSONL", &f, &e), &e);
    CHECK_EQ_INT(f, SM_FILE_JSONL);
    CHECK_EQ_INT(sm_file_format_parse("xml", &f, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(sm_file_format_name(SM_FILE_JSON_ARRAY), "json");
    sm_file_source_t *src = NULL;
    CHECK_EQ_INT(sm_file_source_open_mem("x", 1, NULL, SM_FILE_PARQUET, NULL, &src, &e),
                 SM_ERR_INVALID);
    CHECK(src == NULL);
}

int main(void)
{
    RUN(test_basic_inference);
    RUN(test_quotes);
    RUN(test_lines);
    RUN(test_nulls);
    RUN(test_inference_table);
    RUN(test_value_errors);
    RUN(test_ragged_and_skip);
    RUN(test_utf8_and_limits);
    RUN(test_chunk_boundaries);
    RUN(test_batches);
    RUN(test_alloc_failures);
    RUN(test_store_round_trip);
    RUN(test_formats);
    return check_summary();
}
