/* serve/request — one request from its head to its answer, independent of
 * the HTTP library: path routing, host/token/origin checks, method and
 * body checks, then the page or API handler.  server.c feeds it from
 * libmicrohttpd; the fuzz target feeds it directly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "serve/serve_int.h"

#define COOKIE_NAME "smelt_token"

unsigned sm_serve_status_for(sm_err_t code)
{
    switch (code) {
    case SM_OK:
        return 200;
    case SM_ERR_NOT_FOUND:
        return 404;
    case SM_ERR_INVALID:
    case SM_ERR_PARSE:
        return 400;
    case SM_ERR_UNSUPPORTED:
        return 501;
    case SM_ERR_LIMIT:
        return 413;
    case SM_ERR_TIMEOUT:
        return 504;
    default:
        return 500;
    }
}

static const char *lookup(sm_req_t *rq, sm_req_kind_t kind, const char *key)
{
    return rq->lookup ? rq->lookup(rq->lookup_ctx, kind, key) : NULL;
}

const char *sm_req_arg(sm_req_t *rq, const char *key)
{
    const char *raw = lookup(rq, SM_REQ_ARG, key);
    if (!raw)
        return NULL;
    sm_buf_t out = SM_BUF_INIT;
    out.limit = SM_SERVE_MAX_BODY;
    const char *res = "";
    if (sm_html_url_decode(raw, strlen(raw), &out, NULL) == SM_OK)
        res = sm_arena_strndup(&rq->arena, out.data ? (char *)out.data : "", out.len);
    sm_buf_free(&out);
    return res ? res : "";
}

void sm_serve_fail(sm_req_t *rq, unsigned status, const char *msg, sm_resp_t *rs)
{
    sm_buf_reset(&rs->body);
    sm_serve_snap_release(rs->snap_body);
    rs->snap_body = NULL;
    rs->status = status;
    rs->body.limit = SM_SERVE_RESPONSE_LIMIT;
    rs->sse = false;
    bool api = rq->path.route != R_OTHER ? sm_serve_route_is_api(rq->path.route) : rq->is_api_path;
    if (api) {
        rs->ctype = "application/json";
        (void)sm_serve_error_json(&rs->body, status, msg, NULL, NULL);
    } else {
        rs->ctype = "text/html; charset=utf-8";
        (void)sm_serve_error_page(&rs->body, status, msg, NULL);
    }
}

/* ---- authentication and request checks --------------------------------- */

static bool token_ok(sm_serve_t *s, const char *given)
{
    return given && sm_str_secure_eq(sm_str_c(given), sm_str_c(s->token));
}

static bool authorized(sm_req_t *rq)
{
    sm_serve_t *s = rq->srv;
    if (!s->token[0])
        return true;
    const char *h = lookup(rq, SM_REQ_HEADER, "Authorization");
    if (h && sm_str_starts_with_nocase(sm_str_c(h), SM_STR_LIT("Bearer "))) {
        sm_str_t t = sm_str_trim(sm_str_make(h + 7, strlen(h + 7)));
        if (sm_str_secure_eq(t, sm_str_c(s->token)))
            return true;
    }
    return token_ok(s, lookup(rq, SM_REQ_COOKIE, COOKIE_NAME));
}

/* Without a token, only loopback host names are answered, so a web page
 * elsewhere cannot reach the server by rebinding its DNS name to 127.0.0.1. */
static bool host_ok(sm_req_t *rq)
{
    if (rq->srv->token[0])
        return true;
    const char *h = lookup(rq, SM_REQ_HEADER, "Host");
    if (!h)
        return true; /* HTTP/1.0; libmicrohttpd refuses HTTP/1.1 without Host */
    sm_str_t host = sm_str_c(h);
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        if (!close)
            return false;
        host = sm_str_make(h + 1, (size_t)(close - h - 1));
        return sm_str_eq_c(host, "::1");
    }
    size_t colon = sm_str_find_byte(host, ':');
    if (colon != SIZE_MAX)
        host.n = colon;
    if (sm_str_eq_nocase(host, SM_STR_LIT("localhost")))
        return true;
    char tmp[64];
    struct in_addr a4;
    if (host.n == 0 || host.n >= sizeof tmp)
        return false;
    memcpy(tmp, host.p, host.n);
    tmp[host.n] = '\0';
    return inet_pton(AF_INET, tmp, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* A POST from a browser page elsewhere carries that page's Origin. */
static bool origin_ok(sm_req_t *rq)
{
    const char *o = lookup(rq, SM_REQ_HEADER, "Origin");
    const char *h = lookup(rq, SM_REQ_HEADER, "Host");
    if (!o)
        return true;
    if (!h)
        return false;
    return sm_str_starts_with(sm_str_c(o), SM_STR_LIT("http://")) && strcmp(o + 7, h) == 0;
}

/* "/?token=..." with the right token: set the cookie and drop the token
 * from the address bar.  Returns true when it answered. */
static bool token_exchange(sm_req_t *rq, sm_resp_t *rs)
{
    sm_serve_t *s = rq->srv;
    const char *given = sm_req_arg(rq, "token");
    if (!s->token[0] || !given || rq->path.route != R_DASHBOARD)
        return false;
    if (!token_ok(s, given)) {
        rs->www_auth = true;
        sm_serve_fail(rq, 401, "wrong access token", rs);
        return true;
    }
    rs->status = 303;
    rs->location = "/";
    snprintf(rs->cookie, sizeof rs->cookie,
             COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000", s->token);
    (void)sm_buf_append_str(&rs->body, "see /\n", NULL);
    rs->ctype = "text/plain; charset=utf-8";
    return true;
}

bool sm_serve_precheck(sm_req_t *rq, const char *url, const char *method, sm_resp_t *rs)
{
    bool get = !strcmp(method, "GET"), head = !strcmp(method, "HEAD"),
         post = !strcmp(method, "POST");
    rq->is_head = head;
    rq->is_api_path = strncmp(url, "/api/", 5) == 0 || !strcmp(url, "/metrics");
    int st = sm_serve_route(url, &rq->path);
    if (st == 400) {
        rq->path.route = R_OTHER;
        sm_serve_fail(rq, 400, "malformed path", rs);
        return true;
    }
    if (!host_ok(rq)) {
        sm_serve_fail(rq, 403, "this server answers only to loopback host names", rs);
        return true;
    }
    if (token_exchange(rq, rs))
        return true;
    if (!authorized(rq)) {
        rs->www_auth = true;
        sm_serve_fail(rq, 401,
                      "an access token is required (Authorization: Bearer, or open "
                      "/?token=... once)",
                      rs);
        return true;
    }
    if (st == 404) {
        rq->path.route = R_OTHER;
        sm_serve_fail(rq, 404, "no such page", rs);
        return true;
    }
    bool want_post = sm_serve_route_is_post(rq->path.route);
    if ((want_post && !post) || (!want_post && !get && !head)) {
        rs->allow = want_post ? "POST" : "GET, HEAD";
        sm_serve_fail(rq, 405, "method not allowed", rs);
        return true;
    }
    if (post) {
        const char *ct = lookup(rq, SM_REQ_HEADER, "Content-Type");
        const char *cl = lookup(rq, SM_REQ_HEADER, "Content-Length");
        uint64_t n;
        if (!origin_ok(rq)) {
            sm_serve_fail(rq, 403, "cross-origin request refused", rs);
            return true;
        }
        if (!ct || !sm_str_starts_with_nocase(sm_str_c(ct), SM_STR_LIT("application/json"))) {
            sm_serve_fail(rq, 415, "the body must be application/json", rs);
            return true;
        }
        if (cl && (sm_str_to_u64(sm_str_c(cl), &n, NULL) != SM_OK || n > rq->srv->max_body)) {
            sm_serve_fail(rq, 413, "request body too large", rs);
            return true;
        }
    }
    return false;
}

void sm_serve_dispatch(sm_req_t *rq, sm_resp_t *rs)
{
    sm_error_t e;
    sm_error_clear(&e);
    rs->body.limit = SM_SERVE_RESPONSE_LIMIT;
    sm_route_t r = rq->path.route;
    sm_err_t rc = (r == R_STATIC || !sm_serve_route_is_api(r)) ? sm_serve_page(rq, rs, &e)
                                                               : sm_serve_api(rq, rs, &e);
    if (rc) {
        unsigned st = sm_serve_status_for(rc);
        if (st >= 500)
            sm_log_warn(rq->srv->log, "serve", "%s: %s", sm_serve_route_name(r), e.msg);
        sm_serve_fail(rq, st, e.msg[0] ? e.msg : "internal error", rs);
    }
}
