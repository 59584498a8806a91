/*
 * tests/serve/test_api — the HTTP server in-process on 127.0.0.1 (port 0)
 * over the fake provider, driven by libcurl and raw sockets: every route's
 * status and JSON shape, authentication, limits (body, headers, slow
 * clients), path traversal, read-only SQL, metrics, live events.  Every
 * network operation has a timeout.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/clock.h"
#include "core/mem.h"
#include "fake_provider.h"
#include "serve/serve.h"

#define TOKEN "test-token-0123456789abcdef"

static fake_t *g_fake;
static sm_provider_t g_prov;
static sm_serve_t *g_srv;     /* no token */
static sm_serve_t *g_tok_srv; /* with TOKEN */

typedef struct resp {
    long status;
    sm_buf_t body, headers;
} resp_t;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    sm_buf_t *b = ud;
    return sm_buf_append(b, p, size * n, NULL) == SM_OK ? size * n : 0;
}

/* One request.  extra: NULL-terminated header lines.  body may be NULL. */
static resp_t req(sm_serve_t *s, const char *method, const char *path, const char *body,
                  const char *const *extra)
{
    resp_t r = {0};
    size_t cap = strlen(path) + 64;
    char *url = sm_malloc(cap);
    snprintf(url, cap, "http://127.0.0.1:%u%s", sm_serve_port(s), path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    for (size_t i = 0; extra && extra[i]; i++)
        h = curl_slist_append(h, extra[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    else
        r.status = -1;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    sm_free(url);
    if (!r.body.data)
        sm_buf_append_str(&r.body, "", NULL);
    if (!r.headers.data)
        sm_buf_append_str(&r.headers, "", NULL);
    return r;
}

static resp_t get(const char *path)
{
    return req(g_srv, "GET", path, NULL, NULL);
}

static const char *JSON_CT[] = {"Content-Type: application/json", NULL};

static resp_t post_json(const char *path, const char *body)
{
    return req(g_srv, "POST", path, body, JSON_CT);
}

static void resp_free(resp_t *r)
{
    sm_buf_free(&r->body);
    sm_buf_free(&r->headers);
}

static const char *body(const resp_t *r)
{
    return (const char *)r->body.data;
}

static bool has_header(const resp_t *r, const char *needle)
{
    return strcasestr((const char *)r->headers.data, needle) != NULL;
}

static json_t *parse(const resp_t *r)
{
    return json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
}

/* ---- pages --------------------------------------------------------------- */

static void test_pages(void)
{
    const char *pages[] = {
        "/",     "/lake",           "/lake/silver/master_ventes",           "/stream", "/sql",
        "/runs", "/sql?q=SELECT+1", "/lake/silver/master_ventes?offset=100"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        resp_t r = get(pages[i]);
        CHECK_EQ_INT(r.status, 200);
        CHECK(has_header(&r, "content-type: text/html; charset=utf-8"));
        CHECK(has_header(&r, "content-security-policy: default-src 'none'; img-src 'self' data:; "
                             "style-src 'self'; script-src 'self'; connect-src 'self'"));
        CHECK(has_header(&r, "frame-ancestors 'none'"));
        CHECK(has_header(&r, "x-content-type-options: nosniff"));
        CHECK(has_header(&r, "referrer-policy: no-referrer"));
        CHECK(has_header(&r, "cache-control: no-store"));
        CHECK(strstr(body(&r), "<!DOCTYPE html>") != NULL);
        CHECK(strstr(body(&r), "</html>") != NULL);
        /* no inline script or style anywhere (CSP would block it) */
        CHECK(strstr(body(&r), "<script>") == NULL);
        CHECK(strstr(body(&r), "style=") == NULL);
        CHECK(strstr(body(&r), "<style") == NULL);
        resp_free(&r);
    }
    /* the dashboard shows the provider's numbers and escapes hostile text */
    resp_t r = get("/");
    CHECK(strstr(body(&r), "data-value=\"1265793.04\">1,265,793.04<") != NULL);
    CHECK(strstr(body(&r), ">830<") != NULL);
    CHECK(strstr(body(&r), ">89<") != NULL);
    CHECK(strstr(body(&r), ">44.9%<") != NULL);
    CHECK(
        strstr(body(&r), "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;"));
    CHECK(strstr(body(&r), "<script>alert") == NULL);
    CHECK(strstr(body(&r), "Waiting for live data") != NULL);
    CHECK(strstr(body(&r), "data-live=\"/api/stream/events\"") != NULL);
    resp_free(&r);
    /* HEAD: headers only */
    r = req(g_srv, "HEAD", "/", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(r.body.len, 0);
    resp_free(&r);
    /* the console refuses writes server-side too (no JS) */
    r = get("/sql?q=DROP+TABLE+silver.master_ventes");
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "id=\"sql-error\"") != NULL);
    CHECK(strstr(body(&r), "read-only") != NULL);
    resp_free(&r);
    /* preview paging: second page links back */
    r = get("/lake/silver/master_ventes?offset=100");
    CHECK(strstr(body(&r), "Rows 101\xE2\x80\x93"
                           "120 of 120") != NULL);
    CHECK(strstr(body(&r), "href=\"/lake/silver/master_ventes?offset=50\"") != NULL);
    CHECK(strstr(body(&r), "next disabled") != NULL);
    resp_free(&r);
    r = get("/lake/silver/nope");
    CHECK_EQ_INT(r.status, 404);
    CHECK(strstr(body(&r), "no table silver.nope") != NULL);
    resp_free(&r);
}

static void test_assets(void)
{
    struct {
        const char *path, *ctype;
    } a[] = {{"/static/style.css", "content-type: text/css"},
             {"/static/app.js", "content-type: text/javascript"},
             {"/static/favicon.svg", "content-type: image/svg+xml"}};
    for (size_t i = 0; i < 3; i++) {
        resp_t r = get(a[i].path);
        CHECK_EQ_INT(r.status, 200);
        CHECK(has_header(&r, a[i].ctype));
        CHECK(r.body.len > 100);
        resp_free(&r);
    }
    resp_t r = get("/static/nope.js");
    CHECK_EQ_INT(r.status, 404);
    resp_free(&r);
}

/* ---- JSON API ------------------------------------------------------------ */

static void test_api_shapes(void)
{
    resp_t r = get("/api/health");
    json_t *j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(has_header(&r, "content-type: application/json"));
    CHECK(j && !strcmp(json_string_value(json_object_get(j, "status")), "ok"));
    CHECK(json_is_false(json_object_get(j, "auth")));
    json_decref(j);
    resp_free(&r);

    r = get("/api/dashboard");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    json_t *k = json_object_get(j, "kpis");
    CHECK(json_real_value(json_object_get(k, "total_revenue")) == FAKE_TOTAL_REVENUE);
    CHECK_EQ_INT(json_integer_value(json_object_get(k, "orders")), FAKE_ORDERS);
    CHECK_EQ_INT(json_integer_value(json_object_get(k, "customers")), FAKE_CUSTOMERS);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "top_countries")), 12);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "segments")), 2);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "categories")), 8);
    json_t *rfm = json_object_get(j, "rfm");
    CHECK_EQ_INT(json_array_size(json_object_get(rfm, "columns")), 5);
    CHECK_EQ_STR(
        json_string_value(json_array_get(json_array_get(json_object_get(rfm, "rows"), 2), 0)),
        FAKE_HOSTILE);
    /* < > & are \u escapes in the raw text */
    CHECK(strstr(body(&r), "\\u003cscript\\u003e") != NULL);
    json_decref(j);
    resp_free(&r);

    r = get("/api/tables");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tables")), 4);
    CHECK_EQ_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "tables"), 2), "name")),
        "master_ventes");
    json_decref(j);
    resp_free(&r);

    r = get("/api/tables/silver/master_ventes");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "schema")), 4);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "history")), 3);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "files_list")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "rows")), FAKE_PREVIEW_ROWS);
    json_decref(j);
    resp_free(&r);

    r = get("/api/tables/silver/master_ventes/rows?offset=100&limit=50");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "row_count")), 20);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "total_rows")), FAKE_PREVIEW_ROWS);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "rows")), 20);
    CHECK_EQ_INT(
        json_integer_value(json_array_get(json_array_get(json_object_get(j, "rows"), 0), 0)),
        10348);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "columns")), 4);
    json_decref(j);
    resp_free(&r);

    r = get("/api/tables/silver/master_ventes/rows?offset=3&limit=1");
    j = parse(&r);
    CHECK_EQ_STR(
        json_string_value(json_array_get(json_array_get(json_object_get(j, "rows"), 0), 1)),
        FAKE_HOSTILE);
    json_decref(j);
    resp_free(&r);

    /* time travel: version 1 holds 2 * FAKE_ROWS_PER_VERSION rows fewer */
    r = get("/api/tables/silver/master_ventes/rows?offset=0&limit=500&version=1");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "version")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "total_rows")),
                 FAKE_PREVIEW_ROWS - 2 * FAKE_ROWS_PER_VERSION);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "row_count")),
                 FAKE_PREVIEW_ROWS - 2 * FAKE_ROWS_PER_VERSION);
    json_decref(j);
    resp_free(&r);
    r = get("/api/tables/silver/master_ventes/rows?version=9");
    CHECK_EQ_INT(r.status, 404);
    resp_free(&r);
    r = get("/lake/silver/master_ventes?version=1&offset=50");
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "As of version 1") != NULL);
    CHECK(strstr(body(&r), "data-version=\"1\"") != NULL);
    /* the pager keeps the version; 120 - 2 * 30 rows at version 1 */
    CHECK(strstr(body(&r), "href=\"/lake/silver/master_ventes?offset=0&version=1\"") != NULL);
    CHECK(strstr(body(&r), "Rows 51\xE2\x80\x93"
                           "60 of 60") != NULL);
    resp_free(&r);
    r = get("/lake/silver/master_ventes");
    CHECK(strstr(body(&r), "href=\"/lake/silver/master_ventes?version=2\"") != NULL);
    CHECK(strstr(body(&r), "As of version") == NULL);
    resp_free(&r);

    const char *bad[] = {"/api/tables/silver/master_ventes/rows?limit=501",
                         "/api/tables/silver/master_ventes/rows?offset=-1",
                         "/api/tables/silver/master_ventes/rows?offset=abc",
                         "/api/tables/silver/master_ventes/rows?offset=%zz",
                         "/api/tables/silver/master_ventes/rows?version=-1",
                         "/api/tables/silver/master_ventes/rows?version=x"};
    for (size_t i = 0; i < 6; i++) {
        r = get(bad[i]);
        j = parse(&r);
        CHECK_EQ_INT(r.status, 400);
        CHECK(json_is_string(json_object_get(json_object_get(j, "error"), "message")));
        json_decref(j);
        resp_free(&r);
    }
    r = get("/api/tables/silver/unknown");
    CHECK_EQ_INT(r.status, 404);
    resp_free(&r);

    r = get("/api/stream");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "topic")), "ventes-temps-reel");
    CHECK(json_is_array(json_object_get(j, "live")));
    json_decref(j);
    resp_free(&r);

    r = get("/api/runs");
    j = parse(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "runs")), 3);
    CHECK(json_is_null(json_object_get(json_array_get(json_object_get(j, "runs"), 2), "rows")));
    json_decref(j);
    resp_free(&r);

    /* the lineage of the fake's runs: 5 bronze -> silver -> 2 gold */
    r = get("/api/lineage");
    CHECK_EQ_INT(r.status, 200);
    j = parse(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "nodes")), 8);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "edges")), 7);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "columns")), 3);
    {
        size_t i;
        json_t *n;
        bool found = false;
        json_array_foreach(json_object_get(j, "nodes"), i, n)
        {
            if (!strcmp(json_string_value(json_object_get(n, "id")), "silver.master_ventes")) {
                found = true;
                CHECK(!strcmp(json_string_value(json_object_get(n, "layer")), "silver"));
                CHECK_EQ_INT(json_integer_value(json_object_get(n, "column")), 1);
            }
        }
        CHECK(found);
        json_t *ed;
        size_t to_silver = 0;
        json_array_foreach(json_object_get(j, "edges"), i, ed)
        {
            to_silver +=
                !strcmp(json_string_value(json_object_get(ed, "to")), "silver.master_ventes");
        }
        CHECK_EQ_INT(to_silver, 5);
    }
    json_decref(j);
    resp_free(&r);
    r = get("/runs");
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\"") != NULL);
    CHECK(strstr(body(&r), "data-edges=\"7\"") != NULL);
    resp_free(&r);

    r = get("/api/charts/top_countries.svg");
    CHECK_EQ_INT(r.status, 200);
    CHECK(has_header(&r, "content-type: image/svg+xml"));
    size_t bars = 0;
    for (const char *p = body(&r); (p = strstr(p, "<rect class=\"bar")); p++)
        bars++;
    CHECK_EQ_INT(bars, 10);
    resp_free(&r);
    const char *charts[] = {"/api/charts/segments.svg", "/api/charts/categories.svg",
                            "/api/charts/live.svg"};
    for (size_t i = 0; i < 3; i++) {
        r = get(charts[i]);
        CHECK_EQ_INT(r.status, 200);
        CHECK(strncmp(body(&r), "<svg", 4) == 0);
        resp_free(&r);
    }
    r = get("/api/charts/nope.svg");
    CHECK_EQ_INT(r.status, 404);
    CHECK(has_header(&r, "content-type: application/json"));
    resp_free(&r);
    r = get("/api/nope");
    CHECK_EQ_INT(r.status, 404);
    CHECK(has_header(&r, "content-type: application/json"));
    resp_free(&r);
    r = get("/nope");
    CHECK_EQ_INT(r.status, 404);
    CHECK(has_header(&r, "content-type: text/html"));
    resp_free(&r);
}

static void test_query(void)
{
    resp_t r = post_json("/api/query", "{\"sql\": \"SELECT pays, sum(x) FROM t GROUP BY pays\"}");
    json_t *j = parse(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "row_count")), 12);
    CHECK_EQ_STR(json_string_value(
                     json_object_get(json_array_get(json_object_get(j, "columns"), 1), "type")),
                 "double");
    CHECK(json_is_false(json_object_get(j, "truncated")));
    json_decref(j);
    resp_free(&r);

    r = post_json("/api/query", "{\"sql\": \"SELECT 1\", \"max_rows\": 3}");
    j = parse(&r);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "row_count")), 3);
    CHECK(json_is_true(json_object_get(j, "truncated")));
    json_decref(j);
    resp_free(&r);

    /* writes are refused before reaching the provider */
    const char *writes[] = {"{\"sql\": \"DROP TABLE silver.master_ventes\"}",
                            "{\"sql\": \"INSERT INTO t VALUES (1)\"}",
                            "{\"sql\": \"SELECT 1; DELETE FROM t\"}",
                            "{\"sql\": \"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x\"}",
                            "{\"sql\": \"  /* hi */ update t set a = 1\"}",
                            "{\"sql\": \"\"}"};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        r = post_json("/api/query", writes[i]);
        j = parse(&r);
        CHECK_EQ_INT(r.status, 400);
        const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        CHECK(m && (strstr(m, "read-only") || strstr(m, "one statement") || strstr(m, "empty")));
        json_decref(j);
        resp_free(&r);
    }
    /* a query error carries its position */
    r = post_json("/api/query", "{\"sql\": \"SELECT syntax_error\"}");
    j = parse(&r);
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "error"), "line")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "error"), "column")), 8);
    json_decref(j);
    resp_free(&r);
    /* an unknown table in the user's SQL is the user's mistake: 400 */
    r = post_json("/api/query", "{\"sql\": \"SELECT * FROM no_such_table\"}");
    CHECK_EQ_INT(r.status, 400);
    resp_free(&r);
    /* malformed bodies */
    const char *bad[] = {"not json",
                         "{\"sql\": 3}",
                         "[1]",
                         "{\"sql\": \"SELECT 1\", \"max_rows\": 0}",
                         "{\"sql\": \"SELECT 1\", \"sql\": \"SELECT 2\"}",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = post_json("/api/query", bad[i]);
        CHECK_EQ_INT(r.status, 400);
        resp_free(&r);
    }
    /* chart of a result */
    r = post_json("/api/query/chart", "{\"sql\": \"SELECT pays, revenue FROM t\"}");
    CHECK_EQ_INT(r.status, 200);
    CHECK(has_header(&r, "content-type: image/svg+xml"));
    CHECK(strstr(body(&r), "revenue by pays") != NULL);
    resp_free(&r);
    r = post_json("/api/query/chart", "{\"sql\": \"DELETE FROM t\"}");
    CHECK_EQ_INT(r.status, 400);
    resp_free(&r);
    /* wrong content type, wrong methods */
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    r = req(g_srv, "POST", "/api/query", "sql=SELECT+1", form);
    CHECK_EQ_INT(r.status, 415);
    resp_free(&r);
    r = get("/api/query");
    CHECK_EQ_INT(r.status, 405);
    CHECK(has_header(&r, "allow: POST"));
    resp_free(&r);
    r = post_json("/api/tables", "{}");
    CHECK_EQ_INT(r.status, 405);
    CHECK(has_header(&r, "allow: GET, HEAD"));
    resp_free(&r);
    const char *methods[] = {"PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"};
    for (size_t i = 0; i < 5; i++) {
        r = req(g_srv, methods[i], "/", NULL, NULL);
        CHECK_EQ_INT(r.status, 405);
        resp_free(&r);
    }
    /* a cross-site POST is refused */
    const char *cross[] = {"Content-Type: application/json", "Origin: http://evil.example", NULL};
    r = req(g_srv, "POST", "/api/query", "{\"sql\": \"SELECT 1\"}", cross);
    CHECK_EQ_INT(r.status, 403);
    resp_free(&r);
}

/* ---- limits and hostile requests ------------------------------------------ */

static void test_limits(void)
{
    /* body over 64 KiB: 413, with and without Content-Length */
    size_t n = 70 * 1024;
    char *big = sm_malloc(n + 32);
    memcpy(big, "{\"sql\": \"SELECT '", 17);
    memset(big + 17, 'a', n);
    memcpy(big + 17 + n, "'\"}", 4);
    resp_t r = post_json("/api/query", big);
    CHECK_EQ_INT(r.status, 413);
    resp_free(&r);
    const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    r = req(g_srv, "POST", "/api/query", big, chunked);
    CHECK_EQ_INT(r.status, 413);
    resp_free(&r);
    sm_free(big);
    /* a body just under the limit is read */
    r = post_json("/api/query", "{\"sql\": \"SELECT 2\"}");
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);

    /* header bomb: ~200 KiB of headers */
    const char *hs[201];
    char *store = sm_malloc(200 * 1100);
    for (int i = 0; i < 200; i++) {
        char *h = store + i * 1100;
        snprintf(h, 1100, "X-Bomb-%d: ", i);
        size_t l = strlen(h);
        memset(h + l, 'b', 1000);
        h[l + 1000] = '\0';
        hs[i] = h;
    }
    hs[200] = NULL;
    r = req(g_srv, "GET", "/", NULL, hs);
    CHECK(r.status == 431 || r.status == 413 || r.status == -1);
    resp_free(&r);
    sm_free(store);
    /* one huge URL */
    char *url = sm_malloc(40000);
    strcpy(url, "/sql?q=");
    memset(url + 7, 'x', 39990);
    url[39997] = '\0';
    r = get(url);
    if (!(r.status == 414 || r.status == 431 || r.status == 413 || r.status == -1))
        fprintf(stderr, "  long URL -> %ld\n", r.status);
    CHECK(r.status == 414 || r.status == 431 || r.status == 413 || r.status == -1);
    resp_free(&r);
    sm_free(url);
    /* still serving */
    r = get("/api/health");
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
}

static void test_traversal(void)
{
    const char *paths[] = {"/../../etc/passwd",
                           "/static/../../etc/passwd",
                           "/static/../serve.h",
                           "/%2e%2e/%2e%2e/etc/passwd",
                           "/static/%2e%2e%2fserve.h",
                           "/static/..%2fserve.h",
                           "/static/%2fetc%2fpasswd",
                           "/static/style.css%00.js",
                           "/lake/..%2f..%2fetc/passwd",
                           "/lake/../../etc/passwd",
                           "/static//etc/passwd",
                           "/static/.%2e/serve.h",
                           "/static/..\\..\\serve.h",
                           "/static/./style.css",
                           "/lake/silver/master_ventes/../../../etc/passwd",
                           "/api/tables/../../etc/passwd"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        resp_t r = get(paths[i]);
        CHECK(r.status == 400 || r.status == 404);
        if (r.status != 400 && r.status != 404)
            fprintf(stderr, "  path %s -> %ld\n", paths[i], r.status);
        CHECK(strstr(body(&r), "root:") == NULL);
        CHECK(strstr(body(&r), "sm_serve") == NULL);
        resp_free(&r);
    }
}

static void test_host_check(void)
{
    const char *evil[] = {"Host: evil.example", NULL};
    resp_t r = req(g_srv, "GET", "/api/health", NULL, evil);
    CHECK_EQ_INT(r.status, 403);
    resp_free(&r);
    const char *local[] = {"Host: localhost:1234", NULL};
    r = req(g_srv, "GET", "/api/health", NULL, local);
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
}

/* ---- authentication ------------------------------------------------------- */

static void test_auth(void)
{
    sm_serve_t *s = g_tok_srv;
    CHECK_EQ_STR(sm_serve_token(s), TOKEN);
    CHECK(sm_serve_token(g_srv) == NULL);
    const char *paths[] = {"/",        "/lake",          "/api/health", "/api/tables",
                           "/metrics", "/static/app.js", "/nope"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        resp_t r = req(s, "GET", paths[i], NULL, NULL);
        CHECK_EQ_INT(r.status, 401);
        CHECK(has_header(&r, "www-authenticate: Bearer"));
        resp_free(&r);
    }
    const char *wrong[] = {"Authorization: Bearer test-token-0123456789abcdeX", NULL};
    const char *shorter[] = {"Authorization: Bearer test-token", NULL};
    const char *right[] = {"Authorization: Bearer " TOKEN, NULL};
    const char *cookie[] = {"Cookie: smelt_token=" TOKEN, NULL};
    const char *bad_cookie[] = {"Cookie: smelt_token=nope", NULL};
    resp_t r = req(s, "GET", "/api/tables", NULL, wrong);
    CHECK_EQ_INT(r.status, 401);
    resp_free(&r);
    r = req(s, "GET", "/api/tables", NULL, shorter);
    CHECK_EQ_INT(r.status, 401);
    resp_free(&r);
    r = req(s, "GET", "/api/tables", NULL, bad_cookie);
    CHECK_EQ_INT(r.status, 401);
    resp_free(&r);
    r = req(s, "GET", "/api/tables", NULL, right);
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
    r = req(s, "GET", "/", NULL, cookie);
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
    /* the token link sets the cookie and redirects */
    r = req(s, "GET", "/?token=" TOKEN, NULL, NULL);
    CHECK_EQ_INT(r.status, 303);
    CHECK(has_header(&r, "location: /"));
    CHECK(has_header(&r, "set-cookie: smelt_token=" TOKEN "; Path=/; HttpOnly; SameSite=Strict"));
    resp_free(&r);
    r = req(s, "GET", "/?token=wrong", NULL, NULL);
    CHECK_EQ_INT(r.status, 401);
    CHECK(!has_header(&r, "set-cookie"));
    resp_free(&r);
    /* with a token, any Host is fine (the token is the defence) */
    const char *host[] = {"Host: smelt.example", "Authorization: Bearer " TOKEN, NULL};
    r = req(s, "GET", "/api/health", NULL, host);
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
}

static void test_start_errors(void)
{
    sm_serve_t *s = NULL;
    sm_error_t e;
    const char *bad[] = {"nonsense", "127.0.0.1", "127.0.0.1:99999", "example.com:80",
                         "[::1:80",  ":80",       "127.0.0.1:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_serve_opts_t o = {.listen = bad[i]};
        CHECK_EQ_INT(sm_serve_start(&o, &g_prov, &s, &e), SM_ERR_INVALID);
        CHECK(s == NULL);
    }
    sm_serve_opts_t o = {.listen = "127.0.0.1:0", .token = "short"};
    CHECK_EQ_INT(sm_serve_start(&o, &g_prov, &s, &e), SM_ERR_INVALID);
    o.token = "has space in the token value";
    CHECK_EQ_INT(sm_serve_start(&o, &g_prov, &s, &e), SM_ERR_INVALID);
    /* port in use */
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", sm_serve_port(g_srv));
    o = (sm_serve_opts_t){.listen = listen};
    CHECK_EQ_INT(sm_serve_start(&o, &g_prov, &s, &e), SM_ERR_IO);
    /* binding beyond loopback generates a token */
    o = (sm_serve_opts_t){.listen = "0.0.0.0:0"};
    if (sm_serve_start(&o, &g_prov, &s, &e) == SM_OK) {
        CHECK(sm_serve_token(s) != NULL && strlen(sm_serve_token(s)) == 48);
        sm_serve_stop(s);
    }
    o = (sm_serve_opts_t){.listen = "127.0.0.1:0", .require_token = true};
    CHECK_OK(sm_serve_start(&o, &g_prov, &s, &e), &e);
    CHECK(sm_serve_token(s) != NULL);
    sm_serve_stop(s);
    sm_serve_stop(NULL);
}

/* ---- metrics --------------------------------------------------------------- */

static bool metric_line_ok(const char *l, size_t n)
{
    if (n == 0)
        return true;
    if (l[0] == '#')
        return n > 7 && (!strncmp(l, "# HELP ", 7) || !strncmp(l, "# TYPE ", 7));
    size_t i = 0;
    while (i < n && (isalnum((unsigned char)l[i]) || l[i] == '_' || l[i] == ':'))
        i++;
    if (i == 0)
        return false;
    if (i < n && l[i] == '{') {
        bool in_q = false;
        for (i++; i < n; i++) {
            if (in_q && l[i] == '\\')
                i++;
            else if (l[i] == '"')
                in_q = !in_q;
            else if (!in_q && l[i] == '}')
                break;
        }
        if (i >= n)
            return false;
        i++;
    }
    if (i >= n || l[i] != ' ')
        return false;
    char *end;
    strtod(l + i + 1, &end);
    return end == l + n || !strncmp(l + i + 1, "+Inf", 4) || !strncmp(l + i + 1, "NaN", 3);
}

static void test_metrics(void)
{
    resp_t r = get("/metrics");
    CHECK_EQ_INT(r.status, 200);
    CHECK(has_header(&r, "content-type: text/plain; version=0.0.4"));
    const char *b = body(&r);
    CHECK(strstr(b, "# TYPE smelt_http_requests_total counter") != NULL);
    CHECK(strstr(b, "smelt_http_requests_total{route=\"/\",code=\"200\"}") != NULL);
    CHECK(strstr(b, "smelt_http_requests_total{route=\"/api/query\",code=\"400\"}") != NULL);
    CHECK(strstr(b, "smelt_http_requests_total{route=\"other\",code=\"404\"}") != NULL);
    CHECK(strstr(b, "smelt_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"}") != NULL);
    CHECK(strstr(b, "smelt_http_request_duration_seconds_count{route=\"/\"}") != NULL);
    CHECK(strstr(b, "smelt_lake_tables 4") != NULL);
    CHECK(strstr(b, "smelt_table_rows{table=\"silver.master_ventes\"} 120") != NULL);
    CHECK(strstr(b, "smelt_table_rows{table=\"we\\\"ird\\\\name\\n\"} 7") != NULL);
    CHECK(strstr(b, "bad name") == NULL);
    /* one HELP/TYPE per family */
    const char *first = strstr(b, "# TYPE smelt_table_rows");
    CHECK(first && strstr(first + 1, "# TYPE smelt_table_rows") == NULL);
    /* every line is valid exposition text */
    int bad = 0;
    for (const char *p = b; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!metric_line_ok(p, n)) {
            fprintf(stderr, "  bad metrics line: %.*s\n", (int)n, p);
            bad++;
        }
        p += n + (nl ? 1 : 0);
    }
    CHECK_EQ_INT(bad, 0);
    resp_free(&r);
}

/* ---- raw sockets: slow clients, live events --------------------------------- */

static int connect_port(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* True when the peer closed fd (EOF or reset) within ms. */
static bool closed_within(int fd, int ms)
{
    int64_t end = sm_clock_mono_ns() + (int64_t)ms * 1000000;
    char buf[4096];
    while (sm_clock_mono_ns() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                return true;
        }
    }
    return false;
}

static void test_slowloris(void)
{
    sm_serve_opts_t o = {.listen = "127.0.0.1:0", .header_timeout_ms = 1000, .idle_timeout_s = 5};
    sm_serve_t *s = NULL;
    sm_error_t e;
    CHECK_OK(sm_serve_start(&o, &g_prov, &s, &e), &e);
    if (!s)
        return;
    int fd = connect_port(sm_serve_port(s));
    CHECK(fd >= 0);
    /* trickle a request head, one byte every 100 ms: never idle, never done */
    const char *head =
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    int64_t t0 = sm_clock_mono_ns();
    bool closed = false;
    for (size_t i = 0; i < strlen(head) && !closed; i++) {
        if (send(fd, head + i, 1, MSG_NOSIGNAL) != 1) {
            closed = true;
            break;
        }
        if (i == 5) { /* a normal client is served meanwhile */
            resp_t r = req(s, "GET", "/api/health", NULL, NULL);
            CHECK_EQ_INT(r.status, 200);
            resp_free(&r);
        }
        closed = closed_within(fd, 100);
    }
    if (!closed)
        closed = closed_within(fd, 2000);
    double secs = (double)(sm_clock_mono_ns() - t0) / 1e9;
    CHECK(closed);
    CHECK(secs < 4.0);
    CHECK(secs > 0.8);
    if (fd >= 0)
        close(fd);
    /* a silent connection is closed too */
    fd = connect_port(sm_serve_port(s));
    CHECK(closed_within(fd, 3000));
    close(fd);
    resp_t r = req(s, "GET", "/api/health", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    resp_free(&r);
    sm_serve_stop(s);
}

/* Reads from fd until buf holds `needle` count times, or ms pass. */
static bool read_until(int fd, sm_buf_t *buf, const char *needle, int count, int ms)
{
    int64_t end = sm_clock_mono_ns() + (int64_t)ms * 1000000;
    while (sm_clock_mono_ns() < end) {
        int seen = 0;
        for (const char *p = buf->data ? (const char *)buf->data : ""; (p = strstr(p, needle)); p++)
            seen++;
        if (seen >= count)
            return true;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            char tmp[4096];
            ssize_t n = recv(fd, tmp, sizeof tmp, 0);
            if (n <= 0)
                return false;
            sm_buf_append(buf, tmp, (size_t)n, NULL);
        }
    }
    return false;
}

static void test_sse(void)
{
    int fd = connect_port(sm_serve_port(g_srv));
    const char *rq = "GET /api/stream/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    CHECK(send(fd, rq, strlen(rq), MSG_NOSIGNAL) == (ssize_t)strlen(rq));
    sm_buf_t b = SM_BUF_INIT;
    CHECK(read_until(fd, &b, "event: live\n", 1, 5000));
    CHECK(strstr((char *)b.data, "text/event-stream") != NULL);
    CHECK(strstr((char *)b.data, "\"live\":[]") != NULL);
    fake_add_live(g_fake, "FRANCE", 42.5);
    CHECK(read_until(fd, &b, "event: live\n", 2, 5000));
    CHECK(strstr((char *)b.data, "{\"label\":\"FRANCE\",\"value\":42.5}") != NULL);
    fake_add_live(g_fake, "<b>UK</b>", 10);
    CHECK(read_until(fd, &b, "event: live\n", 3, 5000));
    CHECK(strstr((char *)b.data, "\\u003cb\\u003eUK") != NULL);
    /* the live chart follows */
    resp_t r = get("/api/charts/live.svg");
    CHECK(strstr(body(&r), "&lt;b&gt;UK&lt;/b&gt;") != NULL);
    size_t bars = 0;
    for (const char *p = body(&r); (p = strstr(p, "<rect class=\"bar")); p++)
        bars++;
    CHECK_EQ_INT(bars, 2);
    resp_free(&r);
    sm_buf_free(&b);
    close(fd);
}

/* Stopping the server ends open event streams promptly. */
static void test_stop_with_stream(void)
{
    sm_serve_opts_t o = {.listen = "127.0.0.1:0"};
    sm_serve_t *s = NULL;
    sm_error_t e;
    CHECK_OK(sm_serve_start(&o, &g_prov, &s, &e), &e);
    if (!s)
        return;
    int fd = connect_port(sm_serve_port(s));
    const char *rq = "GET /api/stream/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send(fd, rq, strlen(rq), MSG_NOSIGNAL);
    sm_buf_t b = SM_BUF_INIT;
    CHECK(read_until(fd, &b, "event: live\n", 1, 5000));
    int64_t t0 = sm_clock_mono_ns();
    sm_serve_stop(s);
    CHECK((sm_clock_mono_ns() - t0) < 3000000000LL);
    CHECK(closed_within(fd, 2000));
    sm_buf_free(&b);
    close(fd);
}

static void test_run_stop_flag(void)
{
    atomic_bool stop = true; /* already set: run starts, announces, stops */
    FILE *f = tmpfile();
    sm_serve_opts_t o = {
        .listen = "127.0.0.1:0", .require_token = true, .announce = f, .stop = &stop};
    sm_error_t e;
    CHECK_OK(sm_serve_run(&o, &g_prov, &e), &e);
    rewind(f);
    char line[512] = "", line2[512] = "";
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(strstr(line, "listening on http://127.0.0.1:") != NULL);
    CHECK(fgets(line2, sizeof line2, f) != NULL);
    CHECK(strstr(line2, "/?token=") != NULL);
    fclose(f);
}

/* GETs path until its body contains needle (at most ms); the last answer
 * in *out. */
static bool get_until(const char *path, const char *needle, int ms, resp_t *out)
{
    int64_t end = sm_clock_mono_ns() + (int64_t)ms * 1000000;
    for (;;) {
        *out = get(path);
        if (out->status == 200 && strstr(body(out), needle))
            return true;
        if (sm_clock_mono_ns() > end)
            return false;
        resp_free(out);
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static void test_streams(void)
{
    resp_t r = get("/api/streams");
    CHECK_EQ_INT(r.status, 200);
    json_t *j = parse(&r);
    json_t *k = json_object_get(j, "kafka");
    CHECK(!strcmp(json_string_value(json_object_get(k, "state")), "ok"));
    json_t *t = json_array_get(json_object_get(j, "topics"), 0);
    CHECK(!strcmp(json_string_value(json_object_get(t, "name")), "ventes-temps-reel"));
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "messages")), 195);
    json_t *p1 = json_array_get(json_object_get(t, "partitions"), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(p1, "low")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(p1, "high")), 80);
    json_t *st = json_array_get(json_object_get(j, "streams"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(st, "lag")), 20);
    CHECK_EQ_INT(json_integer_value(json_object_get(st, "committed")), 180);
    CHECK_EQ_INT(json_integer_value(json_object_get(st, "dead_letters")), 3);
    json_t *sp0 = json_array_get(json_object_get(st, "partitions"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(sp0, "committed")), 100);
    CHECK_EQ_INT(json_integer_value(json_object_get(sp0, "lag")), 20);
    json_decref(j);
    resp_free(&r);
    r = get("/stream");
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "id=\"topics\"") != NULL);
    CHECK(strstr(body(&r), "data-state=\"ok\"") != NULL);
    resp_free(&r);

    /* no broker: an explicit state, never an error page */
    fake_set_broker(g_fake, false);
    r = get("/api/streams");
    CHECK_EQ_INT(r.status, 200);
    j = parse(&r);
    k = json_object_get(j, "kafka");
    CHECK(!strcmp(json_string_value(json_object_get(k, "state")), "no broker configured"));
    CHECK(json_is_false(json_object_get(k, "configured")));
    CHECK_EQ_INT(json_array_size(json_object_get(j, "topics")), 0);
    st = json_array_get(json_object_get(j, "streams"), 0);
    CHECK(json_is_null(json_object_get(st, "lag")));
    CHECK_EQ_INT(json_integer_value(json_object_get(st, "committed")), 180);
    json_decref(j);
    resp_free(&r);
    r = get("/stream");
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "No Kafka broker configured") != NULL);
    CHECK(strstr(body(&r), "id=\"topics\"") == NULL);
    CHECK(strstr(body(&r), "&lt;script&gt;") == NULL || strstr(body(&r), "<script>alert") == NULL);
    resp_free(&r);
    fake_set_broker(g_fake, true);
}

static void test_empty_dashboard(void)
{
    fake_set_empty(g_fake, true);
    resp_t r;
    /* the refresher notices the new data version within its poll interval */
    CHECK(get_until("/", "No gold tables yet", 3000, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(body(&r), "class=\"chart empty\"") != NULL);
    resp_free(&r);
    fake_set_empty(g_fake, false);
    CHECK(get_until("/api/dashboard", "\"has_data\":true", 3000, &r));
    resp_free(&r);
}

/* A slow dashboard computation never holds up a request: the old snapshot
 * is served until the new one is in, which then replaces it. */
static void test_refresh_off_path(void)
{
    resp_t r;
    CHECK(get_until("/api/dashboard", "\"has_data\":true", 3000, &r));
    resp_free(&r);
    unsigned calls0 = fake_dashboard_calls(g_fake);
    fake_set_dashboard_delay(g_fake, 800);
    fake_set_empty(g_fake, true); /* new data version: a rebuild starts */
    int64_t end = sm_clock_mono_ns() + 5000LL * 1000000;
    while (fake_dashboard_calls(g_fake) == calls0 && sm_clock_mono_ns() < end) {
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK(fake_dashboard_calls(g_fake) > calls0); /* the rebuild is under way */
    int64_t worst = 0;
    bool saw_old = false;
    for (int i = 0; i < 10; i++) {
        int64_t t0 = sm_clock_mono_ns();
        r = get("/api/dashboard");
        int64_t dt = sm_clock_mono_ns() - t0;
        worst = dt > worst ? dt : worst;
        CHECK_EQ_INT(r.status, 200);
        saw_old |= strstr(body(&r), "\"has_data\":true") != NULL;
        resp_free(&r);
    }
    CHECK(saw_old);                 /* served from the previous snapshot */
    CHECK(worst < 400LL * 1000000); /* never waited for the 800 ms rebuild */
    CHECK(get_until("/api/dashboard", "\"has_data\":false", 5000, &r));
    resp_free(&r);
    fake_set_dashboard_delay(g_fake, 0);
    fake_set_empty(g_fake, false);
    CHECK(get_until("/api/dashboard", "\"has_data\":true", 5000, &r));
    resp_free(&r);
}

static void test_report(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_serve_report(&g_prov, &b, &e), &e);
    const char *h = (const char *)b.data;
    CHECK(strstr(h, "<style>") != NULL);
    CHECK(strstr(h, "<script") == NULL);
    CHECK(strstr(h, "href=\"/") == NULL); /* no links back to a server */
    CHECK(strstr(h, "src=") == NULL);
    CHECK(strstr(h, "1,265,793.04") != NULL);
    CHECK(strstr(h, "<svg") != NULL);
    CHECK(strstr(h, "&lt;script&gt;alert(1)") != NULL);
    sm_buf_free(&b);
    sm_provider_vt_t none = {0};
    sm_provider_t p = {&none, NULL};
    CHECK_EQ_INT(sm_serve_report(&p, &b, &e), SM_ERR_UNSUPPORTED);
    sm_buf_free(&b);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_fake = fake_new();
    g_prov = fake_provider(g_fake);
    sm_error_t e;
    sm_serve_opts_t o = {.listen = "127.0.0.1:0", .sse_poll_ms = 50};
    if (sm_serve_start(&o, &g_prov, &g_srv, &e) != SM_OK) {
        fprintf(stderr, "cannot start: %s\n", e.msg);
        return 1;
    }
    sm_serve_opts_t ot = {.listen = "127.0.0.1:0", .token = TOKEN};
    if (sm_serve_start(&ot, &g_prov, &g_tok_srv, &e) != SM_OK) {
        fprintf(stderr, "cannot start: %s\n", e.msg);
        return 1;
    }
    RUN(test_pages);
    RUN(test_assets);
    RUN(test_api_shapes);
    RUN(test_query);
    RUN(test_limits);
    RUN(test_traversal);
    RUN(test_host_check);
    RUN(test_auth);
    RUN(test_start_errors);
    RUN(test_metrics);
    RUN(test_slowloris);
    RUN(test_sse);
    RUN(test_stop_with_stream);
    RUN(test_run_stop_flag);
    RUN(test_streams);
    RUN(test_empty_dashboard);
    RUN(test_refresh_off_path);
    RUN(test_report);
    sm_serve_stop(g_srv);
    sm_serve_stop(g_tok_srv);
    fake_free(g_fake);
    curl_global_cleanup();
    return check_summary();
}
