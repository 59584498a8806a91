/* Fuzz target: one HTTP request through the web UI's request handling
 * (serve/request.c: routing, host/token/origin checks, method and body
 * checks, then every page and API handler) over the fake provider, with
 * no socket: the server is created offline and sm_serve_precheck /
 * sm_serve_dispatch are called directly.
 *
 * Input layout: byte 0 picks the method (bits 0-2: GET, HEAD, POST, PUT,
 * DELETE, OPTIONS, "", garbage) and the server (bit 3: the one with an
 * access token).  Then, as text lines ending in '\n': the request target
 * (path, optional "?query"), header lines "Name: value" up to an empty
 * line, and the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "fake_provider.h"
#include "serve/serve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN "fuzz-token-0123456789abcdef"
#define MAX_FIELDS 64

typedef struct field {
    sm_req_kind_t kind;
    char *key, *val;
} field_t;

typedef struct fields {
    field_t f[MAX_FIELDS];
    size_t n;
} fields_t;

static const char *look(void *ctx, sm_req_kind_t kind, const char *key)
{
    fields_t *fs = ctx;
    for (size_t i = 0; i < fs->n; i++)
        if (fs->f[i].kind == kind && (kind == SM_REQ_HEADER ? strcasecmp(fs->f[i].key, key)
                                                            : strcmp(fs->f[i].key, key)) == 0)
            return fs->f[i].val;
    return NULL;
}

static void add(fields_t *fs, sm_req_kind_t kind, char *key, char *val)
{
    if (fs->n < MAX_FIELDS)
        fs->f[fs->n++] = (field_t){kind, key, val};
}

/* Splits "a=b&c" (in place) into query arguments (libmicrohttpd gives
 * "c" the empty value). */
static void parse_query(fields_t *fs, char *q)
{
    while (q && *q) {
        char *amp = strchr(q, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(q, '=');
        if (eq)
            *eq = '\0';
        add(fs, SM_REQ_ARG, q, eq ? eq + 1 : q + strlen(q));
        q = amp ? amp + 1 : NULL;
    }
}

/* Splits a Cookie header value "a=b; c=d" (in place). */
static void parse_cookies(fields_t *fs, char *c)
{
    while (c && *c) {
        char *semi = strchr(c, ';');
        if (semi)
            *semi = '\0';
        while (*c == ' ')
            c++;
        char *eq = strchr(c, '=');
        if (eq) {
            *eq = '\0';
            add(fs, SM_REQ_COOKIE, c, eq + 1);
        }
        c = semi ? semi + 1 : NULL;
    }
}

static sm_serve_t *g_srv[2];

static void init(void)
{
    static fake_t *fake;
    static sm_provider_t prov;
    if (g_srv[0])
        return;
    fake = fake_new();
    prov = fake_provider(fake);
    sm_error_t e;
    sm_serve_opts_t o = {.listen = "127.0.0.1:0"};
    sm_serve_opts_t ot = {.listen = "127.0.0.1:0", .token = TOKEN};
    if (sm_serve_new_offline(&o, &prov, &g_srv[0], &e) ||
        sm_serve_new_offline(&ot, &prov, &g_srv[1], &e))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET",    "HEAD",    "POST", "PUT",
                                    "DELETE", "OPTIONS", "",     "G\x01T"};
    if (size < 1)
        return 0;
    init();
    sm_serve_t *srv = g_srv[(data[0] >> 3) & 1];
    const char *method = methods[data[0] & 7];
    char *text = malloc(size); /* NUL-terminated copy of the rest */
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t tlen = size - 1;

    fields_t fs = {0};
    char *p = text, *end = text + tlen;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *target = p;
    p = nl ? nl + 1 : end;
    if (nl)
        *nl = '\0';
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        *nl = '\0';
        char *line = p;
        p = nl + 1;
        if (!*line)
            break; /* the body follows */
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *val = colon + 1;
        while (*val == ' ')
            val++;
        add(&fs, SM_REQ_HEADER, line, val);
        if (!strcasecmp(line, "Cookie"))
            parse_cookies(&fs, val);
    }
    const uint8_t *body = (const uint8_t *)p;
    size_t blen = p < end ? (size_t)(end - p) : 0;
    /* the URL libmicrohttpd hands over has no query string */
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        parse_query(&fs, q + 1);
    }

    sm_req_t rq = {0};
    rq.srv = srv;
    rq.lookup = look;
    rq.lookup_ctx = &fs;
    rq.body.limit = srv->max_body;
    sm_arena_init(&rq.arena, 16 * 1024);
    sm_resp_t rs = {0};
    if (!sm_serve_precheck(&rq, target, method, &rs)) {
        sm_buf_reset(&rs.body);
        if (blen && sm_buf_append(&rq.body, body, blen, NULL) != SM_OK)
            sm_serve_fail(&rq, 413, "request body too large", &rs);
        else
            sm_serve_dispatch(&rq, &rs);
    }
    /* every answer is a status in 200..599 with a type */
    unsigned st = rs.status ? rs.status : 200;
    if (st < 200 || st > 599 || (!rs.sse && rs.status >= 400 && !rs.ctype))
        abort();
    if (rs.snap_body && !rs.snap_body->json.len)
        abort(); /* a snapshot body is never empty */
    sm_serve_snap_release(rs.snap_body);
    sm_buf_free(&rs.body);
    sm_buf_free(&rq.body);
    sm_arena_free(&rq.arena);
    free(text);
    return 0;
}
