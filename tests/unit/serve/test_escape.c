/* Unit tests for serve's escaping (HTML, attributes, JSON, SVG text),
 * number formatting, URL coding, the JSON writer, the route parser and
 * the read-only SQL check. */
#include <math.h>

#include "check.h"
#include "core/mem.h"
#include "serve/html.h"
#include "serve/json.h"
#include "serve/serve.h"
#include "serve/serve_int.h"
#include "xmlcheck.h"

static const char *HOSTILE[] = {
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' onload='x",
    "</title><svg onload=alert(1)>",
    "&lt;already&gt; &amp;",
    "]]><![CDATA[",
    "\xe2\x80\xa8line\xe2\x80\xa9sep",
    "a\000b", /* an embedded NUL (octal: a hex escape would eat the b) */
    "\x01\x02\x1b[31m\x7f",
    "\xff\xfe\xc0\xaf overlong",
    "\xed\xa0\x80 surrogate",
    "日本語 ✓ emoji 😀",
    "",
};
#define NHOSTILE (sizeof HOSTILE / sizeof HOSTILE[0])

static char *html(const char *s, size_t n)
{
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_html_escape(&b, s, n, NULL), (&(sm_error_t){0}));
    if (!b.data)
        sm_buf_append_str(&b, "", NULL);
    return (char *)sm_buf_detach(&b, NULL);
}

static void test_html_escape(void)
{
    char *s = html("<a href=\"x\">'&'</a>", 19);
    CHECK_EQ_STR(s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    sm_free(s);
    s = html("a\x00"
             "b\x01\tc\n",
             7);
    CHECK_EQ_STR(s, "a\xEF\xBF\xBD"
                    "b\xEF\xBF\xBD\tc\n");
    sm_free(s);
    s = html("\xff ok \xe2\x82", 7); /* invalid and truncated sequences */
    CHECK_EQ_STR(s, "\xEF\xBF\xBD ok \xEF\xBF\xBD");
    sm_free(s);
    s = html("日本 ✓", 10);
    CHECK_EQ_STR(s, "日本 ✓");
    sm_free(s);
    /* every hostile string: no raw markup characters survive, result is
     * valid UTF-8 and well-formed inside an element and an attribute */
    for (size_t i = 0; i < NHOSTILE; i++) {
        size_t n = i == 7 ? 3 : strlen(HOSTILE[i]);
        s = html(HOSTILE[i], n);
        CHECK(strpbrk(s, "<>\"'") == NULL);
        CHECK(sm_str_utf8_valid(sm_str_c(s), NULL));
        sm_buf_t doc = SM_BUF_INIT;
        sm_buf_printf(&doc, NULL, "<svg a=\"%s\"><text>%s</text></svg>", s, s);
        const char *why = xml_check((char *)doc.data, doc.len);
        if (why)
            fprintf(stderr, "hostile %zu: %s\n", i, why);
        CHECK(why == NULL);
        sm_buf_free(&doc);
        sm_free(s);
    }
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_html_str(&b, NULL, NULL), (&(sm_error_t){0}));
    CHECK_EQ_INT(b.len, 0);
    b.limit = 4;
    CHECK_EQ_INT(sm_html_str(&b, "<<<<", NULL), SM_ERR_LIMIT);
    sm_buf_free(&b);
    /* the checker itself rejects broken XML */
    CHECK(xml_check("<a><b></a>", 10) != NULL);
    CHECK(xml_check("<a>&foo;</a>", 12) != NULL);
    CHECK(xml_check("<a x=\"<\"/>", 10) != NULL);
    CHECK(xml_check("<a/><b/>", 8) != NULL);
    CHECK(xml_check("<a>\x01</a>", 8) != NULL);
    CHECK(xml_check("<a x=\"1\"><b/>t &amp; u</a>", 26) == NULL);
}

static void test_url(void)
{
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_html_url_encode(&b, "a b/c?d=e&f%~_.-", 16, NULL), (&(sm_error_t){0}));
    CHECK_EQ_STR((char *)b.data, "a%20b%2Fc%3Fd%3De%26f%25~_.-");
    sm_buf_reset(&b);
    CHECK_OK(sm_html_url_decode("a+b%2Fc%3d%C3%A9", 16, &b, NULL), (&(sm_error_t){0}));
    CHECK_EQ_STR((char *)b.data, "a b/c=é");
    const char *bad[] = {"%", "%4", "%zz", "%00", "a%0"};
    for (size_t i = 0; i < 5; i++) {
        sm_buf_reset(&b);
        CHECK_EQ_INT(sm_html_url_decode(bad[i], strlen(bad[i]), &b, NULL), SM_ERR_INVALID);
    }
    sm_buf_reset(&b);
    b.limit = 3;
    CHECK_EQ_INT(sm_html_url_decode("abcd", 4, &b, NULL), SM_ERR_LIMIT);
    sm_buf_free(&b);
}

static void test_format(void)
{
    char s[64];
    sm_html_fmt_num(1265793.04, 2, s, sizeof s);
    CHECK_EQ_STR(s, "1,265,793.04");
    sm_html_fmt_num(-1234567, 0, s, sizeof s);
    CHECK_EQ_STR(s, "-1,234,567");
    sm_html_fmt_num(-0.001, 2, s, sizeof s);
    CHECK_EQ_STR(s, "0.00");
    sm_html_fmt_num(999, 0, s, sizeof s);
    CHECK_EQ_STR(s, "999");
    sm_html_fmt_num(NAN, 2, s, sizeof s);
    CHECK_EQ_STR(s, "n/a");
    sm_html_fmt_num(1e300, 2, s, sizeof s);
    CHECK_EQ_STR(s, "1e+300");
    sm_html_fmt_compact(950, s, sizeof s);
    CHECK_EQ_STR(s, "950");
    sm_html_fmt_compact(1234.5, s, sizeof s);
    CHECK_EQ_STR(s, "1.23k");
    sm_html_fmt_compact(245584.61, s, sizeof s);
    CHECK_EQ_STR(s, "246k");
    sm_html_fmt_compact(-3.46e6, s, sizeof s);
    CHECK_EQ_STR(s, "-3.46M");
    sm_html_fmt_compact(999999, s, sizeof s);
    CHECK_EQ_STR(s, "1.00M");
    sm_html_fmt_compact(2.5, s, sizeof s);
    CHECK_EQ_STR(s, "2.50");
    sm_html_fmt_compact(INFINITY, s, sizeof s);
    CHECK_EQ_STR(s, "n/a");
    sm_html_fmt_bytes(512, s, sizeof s);
    CHECK_EQ_STR(s, "512 B");
    sm_html_fmt_bytes(1536, s, sizeof s);
    CHECK_EQ_STR(s, "1.5 KiB");
    sm_html_fmt_bytes(-1, s, sizeof s);
    CHECK_EQ_STR(s, "-");
    sm_html_fmt_time(1732500000000, s, sizeof s);
    CHECK_EQ_STR(s, "2024-11-25 02:00:00 UTC");
    sm_html_fmt_time(-1, s, sizeof s);
    CHECK_EQ_STR(s, "-");
}

static void test_json(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_jw_t w;
    sm_jw_init(&w, &b, NULL);
    sm_jw_obj(&w);
    sm_jw_key(&w, "s");
    sm_jw_str(&w, "<\"\\\n\x01&>\xe2\x80\xa8\xff");
    sm_jw_key(&w, "a");
    sm_jw_arr(&w);
    sm_jw_int(&w, -5);
    sm_jw_uint(&w, 18446744073709551615ULL);
    sm_jw_double(&w, 0.1);
    sm_jw_double(&w, 3);
    sm_jw_double(&w, NAN);
    sm_jw_bool(&w, true);
    sm_jw_null(&w);
    sm_jw_str(&w, NULL);
    sm_jw_obj(&w);
    sm_jw_end(&w);
    sm_jw_end(&w);
    sm_jw_end(&w);
    CHECK_OK(sm_jw_finish(&w), (&(sm_error_t){0}));
    CHECK_EQ_STR((char *)b.data, "{\"s\":\"\\u003c\\\"\\\\\\n\\u0001\\u0026\\u003e\\u2028\\ufffd\","
                                 "\"a\":[-5,18446744073709551615,0.1,3,null,true,null,null,{}]}");
    /* misuse is an error, not broken output */
    sm_buf_reset(&b);
    sm_jw_init(&w, &b, NULL);
    sm_jw_obj(&w);
    sm_jw_int(&w, 1); /* value where a key is due */
    CHECK_EQ_INT(sm_jw_finish(&w), SM_ERR_INTERNAL);
    sm_buf_reset(&b);
    sm_jw_init(&w, &b, NULL);
    sm_jw_arr(&w);
    CHECK_EQ_INT(sm_jw_finish(&w), SM_ERR_INTERNAL); /* left open */
    sm_buf_reset(&b);
    sm_jw_init(&w, &b, NULL);
    for (int i = 0; i < 40; i++)
        sm_jw_arr(&w);
    CHECK_EQ_INT(sm_jw_finish(&w), SM_ERR_LIMIT);
    sm_buf_reset(&b);
    sm_jw_init(&w, &b, NULL);
    sm_jw_end(&w);
    CHECK_EQ_INT(sm_jw_finish(&w), SM_ERR_INTERNAL);
    /* hostile strings always give valid JSON string literals */
    for (size_t i = 0; i < NHOSTILE; i++) {
        sm_buf_reset(&b);
        size_t n = i == 7 ? 3 : strlen(HOSTILE[i]);
        CHECK_OK(sm_jw_escape(&b, HOSTILE[i], n, NULL), (&(sm_error_t){0}));
        CHECK(strpbrk((char *)b.data + 1, "<>&") == NULL);
        CHECK(sm_str_utf8_valid(sm_str_make((char *)b.data, b.len), NULL));
        for (size_t k = 0; k < b.len; k++)
            CHECK(b.data[k] >= 0x20);
    }
    sm_buf_free(&b);
}

static void test_router(void)
{
    sm_path_t p;
    struct {
        const char *path;
        int status;
        sm_route_t route;
    } cases[] = {
        {"/", 0, R_DASHBOARD},
        {"/lake", 0, R_LAKE},
        {"/lake/", 0, R_LAKE},
        {"/lake/silver/master_ventes", 0, R_TABLE},
        {"/lake/silver", 404, R_OTHER},
        {"/lake/sil.ver/x", 404, R_OTHER},
        {"/lake/a/b/c", 404, R_OTHER},
        {"/stream", 0, R_STREAM},
        {"/sql", 0, R_SQL},
        {"/runs", 0, R_RUNS},
        {"/metrics", 0, R_METRICS},
        {"/static/app.js", 0, R_STATIC},
        {"/static/missing.js", 404, R_OTHER},
        {"/api/health", 0, R_API_HEALTH},
        {"/api/dashboard", 0, R_API_DASHBOARD},
        {"/api/tables", 0, R_API_TABLES},
        {"/api/tables/gold/rfm_analysis", 0, R_API_TABLE},
        {"/api/tables/gold/rfm_analysis/rows", 0, R_API_ROWS},
        {"/api/tables/gold/rfm_analysis/cols", 404, R_OTHER},
        {"/api/query", 0, R_API_QUERY},
        {"/api/query/chart", 0, R_API_QUERY_CHART},
        {"/api/stream", 0, R_API_STREAM},
        {"/api/stream/events", 0, R_API_EVENTS},
        {"/api/runs", 0, R_API_RUNS},
        {"/api/charts/live.svg", 0, R_API_CHART},
        {"/api/charts/live", 404, R_OTHER},
        {"/api/charts/.svg", 404, R_OTHER},
        {"/api/charts/x.svg", 404, R_OTHER},
        {"", 400, R_OTHER},
        {"lake", 400, R_OTHER},
        {"/..", 400, R_OTHER},
        {"/lake/../etc", 400, R_OTHER},
        {"/./lake", 400, R_OTHER},
        {"/%2e%2e/x", 400, R_OTHER},
        {"/static/a%2fb", 400, R_OTHER},
        {"//etc/passwd", 400, R_OTHER},
        {"/static\\..\\x", 400, R_OTHER},
        {"/a b", 400, R_OTHER},
        {"/lake/\x01/x", 400, R_OTHER},
        {"/lake/\xc3\xa9/x", 400, R_OTHER},
        {"/a/b/c/d/e/f/g/h/i/j", 404, R_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = sm_serve_route(cases[i].path, &p);
        if (st != cases[i].status || p.route != cases[i].route)
            fprintf(stderr, "  route %s -> %d/%d\n", cases[i].path, st, p.route);
        CHECK_EQ_INT(st, cases[i].status);
        CHECK_EQ_INT(p.route, cases[i].route);
    }
    CHECK_OK(sm_serve_route("/api/tables/gold/rfm_analysis/rows", &p) ? SM_ERR_INVALID : SM_OK,
             (&(sm_error_t){0}));
    CHECK_EQ_STR(p.layer, "gold");
    CHECK_EQ_STR(p.table, "rfm_analysis");
    char longp[1100];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    CHECK_EQ_INT(sm_serve_route(longp, &p), 400);
    char name[200] = "/lake/x/";
    memset(name + 8, 'a', 150);
    name[158] = '\0';
    CHECK_EQ_INT(sm_serve_route(name, &p), 404); /* name too long */
    CHECK(sm_serve_route_is_post(R_API_QUERY) && !sm_serve_route_is_post(R_API_TABLES));
    CHECK(sm_serve_route_is_api(R_METRICS) && !sm_serve_route_is_api(R_LAKE));
}

static bool ro(const char *sql)
{
    char why[256];
    return sm_serve_sql_readonly(sql, strlen(sql), why, sizeof why);
}

static void test_sqlguard(void)
{
    CHECK(ro("SELECT 1"));
    CHECK(ro("  select * from silver.master_ventes where pays = 'DROP TABLE x'"));
    CHECK(ro("WITH t AS (SELECT 1 AS a) SELECT a FROM t;"));
    CHECK(ro("SELECT 1; -- trailing comment\n"));
    CHECK(ro("(SELECT 1) UNION ALL (SELECT 2)"));
    CHECK(ro("/* lead */ SELECT `delete` FROM t"));
    CHECK(ro("SELECT \"update\", 'it''s' FROM t"));
    CHECK(ro("SELECT 'a\\'b; drop' FROM t"));
    CHECK(ro("DESCRIBE silver.master_ventes"));
    CHECK(ro("SHOW TABLES"));
    CHECK(ro("EXPLAIN SELECT 1"));
    CHECK(ro("VALUES (1), (2)"));
    CHECK(ro("SELECT replace(client, 'a', 'b') FROM t"));
    CHECK(!ro("DROP TABLE t"));
    CHECK(!ro("drop table t"));
    CHECK(!ro("INSERT INTO t VALUES (1)"));
    CHECK(!ro("SELECT 1; DELETE FROM t"));
    CHECK(!ro("SELECT 1;; SELECT 2"));
    CHECK(!ro("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"));
    CHECK(!ro("SELECT * FROM t /* unterminated"));
    CHECK(!ro("SELECT 'unterminated"));
    CHECK(!ro("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE"));
    CHECK(!ro("CREATE TABLE t AS SELECT 1"));
    CHECK(!ro("SET spark.x = 1"));
    CHECK(!ro("'SELECT'"));
    CHECK(!ro(""));
    CHECK(!ro("   -- only a comment"));
    CHECK(!ro("; SELECT 1"));
    CHECK(!ro("SELECT * FROM t WHERE a IN (SELECT 1) OR 1 = (DELETE)"));
    char why[256];
    CHECK(!sm_serve_sql_readonly("SELECT 1; DELETE FROM t", 23, why, sizeof why));
    CHECK(strstr(why, "one statement") != NULL);
    CHECK(!sm_serve_sql_readonly("  DROP TABLE t", 14, why, sizeof why));
    CHECK_EQ_STR(why, "the console is read-only: 'DROP' at offset 2 is not allowed (only SELECT, "
                      "WITH, VALUES, SHOW, DESCRIBE, EXPLAIN)");
    CHECK(!sm_serve_sql_readonly("DROP", 4, NULL, 0)); /* why may be NULL */
    /* not NUL-terminated input: only len bytes are read */
    CHECK(sm_serve_sql_readonly("SELECT 1; DROP TABLE t", 8, NULL, 0));
}

static void test_token(void)
{
    char a[128], b[128];
    CHECK_OK(sm_serve_gen_token(24, a, sizeof a, NULL), (&(sm_error_t){0}));
    CHECK_OK(sm_serve_gen_token(24, b, sizeof b, NULL), (&(sm_error_t){0}));
    CHECK_EQ_INT(strlen(a), 48);
    CHECK(strcmp(a, b) != 0);
    CHECK(strspn(a, "0123456789abcdef") == 48);
    CHECK_EQ_INT(sm_serve_gen_token(4, a, sizeof a, NULL), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_serve_gen_token(24, a, 10, NULL), SM_ERR_INVALID);
}

int main(void)
{
    RUN(test_html_escape);
    RUN(test_url);
    RUN(test_format);
    RUN(test_json);
    RUN(test_router);
    RUN(test_sqlguard);
    RUN(test_token);
    return check_summary();
}
