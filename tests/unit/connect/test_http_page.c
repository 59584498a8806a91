/* Tests of connect/http's pure parts: a page body into JSON lines, the Link
 * header's rel="next", and relative URL resolution. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "connect/http.h"
#include "core/mem.h"

static sm_err_t parse(const char *body, const char *key, const char *next_field, sm_buf_t *out,
                      uint64_t *n, char *next, sm_error_t *e)
{
    return sm_http_page_parse((const uint8_t *)body, strlen(body), key, next_field, "page 1", out,
                              n, next, 256, e);
}

static void test_forms(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    uint64_t n = 0;
    char next[256];
    CHECK_OK(parse("[{\"a\":1},{\"a\":2, \"b\":[1]}]", NULL, NULL, &b, &n, next, &e), &e);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR((const char *)b.data, "{\"a\":1}\n{\"a\":2,\"b\":[1]}\n");
    sm_buf_reset(&b);
    CHECK_OK(parse("{\"a\":1}\n\n  {\"a\":2}\r\n", NULL, NULL, &b, &n, next, &e), &e);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR((const char *)b.data, "{\"a\":1}\n{\"a\":2}\n");
    sm_buf_reset(&b);
    CHECK_OK(parse("{\"result\":{\"items\":[{\"x\":\"\\u00e9\"}]},\"links\":{\"next\":\"/p2\"}}",
                   "result.items", "links.next", &b, &n, next, &e),
             &e);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(next, "/p2");
    CHECK_EQ_STR((const char *)b.data, "{\"x\":\"\xc3\xa9\"}\n");
    sm_buf_reset(&b);
    /* a last page: next is null, records empty */
    CHECK_OK(parse("{\"data\":[],\"next\":null}", "data", "next", &b, &n, next, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_STR(next, "");
    sm_buf_free(&b);
}

static void test_errors(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    uint64_t n;
    char next[256];
    CHECK_EQ_INT(parse("[1, 2]", NULL, NULL, &b, &n, next, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "page 1: record 1 is a JSON value, not an object");
    CHECK_EQ_INT(parse("{\"a\":1}\n{\"a\":", NULL, NULL, &b, &n, next, &e), SM_ERR_PARSE);
    CHECK(strncmp(e.msg, "page 1:2:", 9) == 0);
    CHECK_EQ_INT(parse("{\"rows\":[]}", "data.x", "next", &b, &n, next, &e), SM_OK);
    CHECK_EQ_INT(parse("[{\"a\":1}]", "data", NULL, &b, &n, next, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "page 1: expected an object with \"data\"");
    CHECK_EQ_INT(parse("{\"data\":{}}", "data", NULL, &b, &n, next, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "page 1: expected a JSON array of records under data");
    CHECK_EQ_INT(parse("{\"data\":[],\"next\":3}", "data", "next", &b, &n, next, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "page 1: \"next\" is not a URL string");
    /* the output's size limit */
    sm_buf_free(&b);
    b.limit = 10;
    CHECK_EQ_INT(parse("[{\"a\":123456789}]", NULL, NULL, &b, &n, next, &e), SM_ERR_LIMIT);
    sm_buf_free(&b);
}

static void test_link(void)
{
    char next[128];
    const char *v = "<https://api.x/items?page=1>; rel=\"first\", "
                    "<https://api.x/items?page=3>; rel=\"prev next\"; title=\"a, b\"";
    CHECK(sm_http_link_next(v, strlen(v), next, sizeof next));
    CHECK_EQ_STR(next, "https://api.x/items?page=3");
    v = "</p2>;REL=Next";
    CHECK(sm_http_link_next(v, strlen(v), next, sizeof next));
    CHECK_EQ_STR(next, "/p2");
    v = "</p1>; rel=prev, </p0>; rel=\"nextish\"";
    CHECK(!sm_http_link_next(v, strlen(v), next, sizeof next));
    v = "</p2; rel=next"; /* no closing '>' */
    CHECK(!sm_http_link_next(v, strlen(v), next, sizeof next));
    v = "<http://a/very/long/url>; rel=next";
    CHECK(!sm_http_link_next(v, strlen(v), next, 8)); /* does not fit */
}

static void test_resolve(void)
{
    char out[128];
    CHECK(sm_http_resolve("http://h:8/a/b?x=1", "/c?p=2", out, sizeof out));
    CHECK_EQ_STR(out, "http://h:8/c?p=2");
    CHECK(sm_http_resolve("http://h:8/a/b?x=1", "?p=2", out, sizeof out));
    CHECK_EQ_STR(out, "http://h:8/a/b?p=2");
    CHECK(sm_http_resolve("http://h:8/a/b?x=1", "c", out, sizeof out));
    CHECK_EQ_STR(out, "http://h:8/a/c");
    CHECK(sm_http_resolve("http://h", "c", out, sizeof out));
    CHECK_EQ_STR(out, "http://h/c");
    CHECK(sm_http_resolve("https://h/a", "//g/x", out, sizeof out));
    CHECK_EQ_STR(out, "https://g/x");
    CHECK(sm_http_resolve("https://h/a", "http://o/z", out, sizeof out));
    CHECK_EQ_STR(out, "http://o/z");
    CHECK(!sm_http_resolve("/relative", "x", out, sizeof out));
    CHECK(!sm_http_resolve("http://h/", "a-long-reference", out, 10));
}

int main(void)
{
    RUN(test_forms);
    RUN(test_errors);
    RUN(test_link);
    RUN(test_resolve);
    return check_summary();
}
