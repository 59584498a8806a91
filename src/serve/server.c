/* serve/server — libmicrohttpd wiring: limits, authentication, routing to
 * the handlers, security headers, live event streams, the header-deadline
 * watchdog, and the blocking sm_serve_run. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "serve/serve_int.h"

#define CSP                                                                                        \
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define HEADER_MEMORY (32 * 1024) /* request line + headers: larger gets 431 */
#define MAX_SSE_CLIENTS 16

struct sm_serve_conn {
    int fd;
    int64_t start_ns;
    atomic_bool head_done;
    bool shut;
    sm_serve_conn_t *prev, *next;
};

/* ---- small helpers ----------------------------------------------------- */

void sm_serve_prov_lock(sm_serve_t *s)
{
    if (!s->prov.vt->thread_safe)
        pthread_mutex_lock(&s->prov_mu);
}

void sm_serve_prov_unlock(sm_serve_t *s)
{
    if (!s->prov.vt->thread_safe)
        pthread_mutex_unlock(&s->prov_mu);
}

static const char *mhd_lookup(void *ctx, sm_req_kind_t kind, const char *key)
{
    enum MHD_ValueKind k = kind == SM_REQ_HEADER   ? MHD_HEADER_KIND
                           : kind == SM_REQ_COOKIE ? MHD_COOKIE_KIND
                                                   : MHD_GET_ARGUMENT_KIND;
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, k, key);
}

/* MHD's unescaping is turned off: routes see the raw path (so "%2e%2e"
 * cannot turn into ".." behind our back); query values are decoded by
 * sm_req_arg. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    sm_serve_t *s = cls;
    if (s->log)
        sm_logv(s->log, SM_LOG_DEBUG, "serve", fmt, ap);
}

/* ---- header-deadline watchdog (slowloris) ------------------------------ */

static sm_serve_conn_t *conn_rec(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? (sm_serve_conn_t *)ci->socket_context : NULL;
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    sm_serve_t *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        sm_serve_conn_t *r = sm_calloc(1, sizeof *r);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = r;
        if (!r || !ci) {
            sm_free(r);
            *socket_context = NULL;
            return;
        }
        r->fd = ci->connect_fd;
        r->start_ns = sm_clock_mono_ns();
        pthread_mutex_lock(&s->conn_mu);
        r->next = s->conns;
        if (s->conns)
            s->conns->prev = r;
        s->conns = r;
        pthread_mutex_unlock(&s->conn_mu);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* libmicrohttpd notifies before it closes the socket, so the
         * watchdog (which holds conn_mu while it shuts sockets down) never
         * touches a descriptor that was closed and reused. */
        sm_serve_conn_t *r = *socket_context;
        if (!r)
            return;
        pthread_mutex_lock(&s->conn_mu);
        if (r->prev)
            r->prev->next = r->next;
        else
            s->conns = r->next;
        if (r->next)
            r->next->prev = r->prev;
        pthread_mutex_unlock(&s->conn_mu);
        sm_free(r);
        *socket_context = NULL;
    }
}

static void *watchdog_main(void *arg)
{
    sm_serve_t *s = arg;
    int64_t limit = (int64_t)s->header_timeout_ms * 1000000;
    unsigned tick_ms = s->header_timeout_ms / 8;
    if (tick_ms < 10)
        tick_ms = 10;
    if (tick_ms > 250)
        tick_ms = 250;
    struct timespec ts = {.tv_sec = tick_ms / 1000, .tv_nsec = (long)(tick_ms % 1000) * 1000000};
    while (!atomic_load(&s->stopping)) {
        nanosleep(&ts, NULL);
        int64_t now = sm_clock_mono_ns();
        pthread_mutex_lock(&s->conn_mu);
        for (sm_serve_conn_t *r = s->conns; r; r = r->next) {
            if (!r->shut && !atomic_load(&r->head_done) && now - r->start_ns > limit) {
                shutdown(r->fd, SHUT_RDWR);
                r->shut = true;
                sm_log_info(s->log, "serve",
                            "closed a connection that sent no complete request "
                            "head within %u ms",
                            s->header_timeout_ms);
            }
        }
        pthread_mutex_unlock(&s->conn_mu);
    }
    return NULL;
}

/* ---- responses --------------------------------------------------------- */

static void free_cb(void *p)
{
    sm_free(p);
}

static void add_security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static void snap_free_cb(void *cls)
{
    sm_serve_snap_release(cls);
}

static enum MHD_Result queue(sm_req_t *rq, sm_resp_t *rs)
{
    struct MHD_Response *r;
    if (rs->snap_body) { /* the snapshot's bytes, kept alive by the reference */
        sm_serve_snap_t *sn = rs->snap_body;
        rs->snap_body = NULL;
        r = MHD_create_response_from_buffer_with_free_callback_cls(sn->json.len, sn->json.data,
                                                                   snap_free_cb, sn);
        if (!r) {
            sm_serve_snap_release(sn);
            return MHD_NO;
        }
    } else {
        size_t len = 0;
        uint8_t *data = sm_buf_detach(&rs->body, &len);
        r = MHD_create_response_from_buffer_with_free_callback(len, data, free_cb);
        if (!r) {
            sm_free(data);
            return MHD_NO;
        }
    }
    add_security_headers(r);
    MHD_add_response_header(r, "Content-Type", rs->ctype ? rs->ctype : "text/html; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", rs->cacheable ? "public, max-age=300" : "no-store");
    if (rs->location)
        MHD_add_response_header(r, "Location", rs->location);
    if (rs->cookie[0])
        MHD_add_response_header(r, "Set-Cookie", rs->cookie);
    if (rs->allow)
        MHD_add_response_header(r, "Allow", rs->allow);
    if (rs->www_auth)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"smelt\"");
    rq->status = rs->status ? rs->status : 200;
    enum MHD_Result ok = MHD_queue_response(rq->conn, rq->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Queues an error answer. */
static enum MHD_Result fail(sm_req_t *rq, unsigned status, const char *msg)
{
    sm_resp_t rs = {0};
    sm_serve_fail(rq, status, msg, &rs);
    enum MHD_Result ok = queue(rq, &rs);
    sm_buf_free(&rs.body);
    return ok;
}

/* Queues rs (or the live stream it asks for) and frees its body. */
static enum MHD_Result answer(sm_req_t *rq, sm_resp_t *rs);

/* ---- live event stream (SSE) ------------------------------------------- */

typedef struct sse {
    sm_serve_t *s;
    sm_buf_t out;
    size_t sent;
    bool have_version;
    uint64_t version;
    int64_t next_poll_ns, last_send_ns;
    sm_arena_t arena;
} sse_t;

/* Appends an event when the live data changed since the last one. */
static void sse_poll(sse_t *x)
{
    sm_serve_t *s = x->s;
    sm_prov_stream_t st = {0};
    sm_error_t e;
    sm_arena_reset(&x->arena);
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->stream_status(s->prov.ctx, &x->arena, &st, &e);
    sm_serve_prov_unlock(s);
    if (rc || (x->have_version && st.version == x->version))
        return;
    size_t mark = x->out.len;
    if (sm_serve_sse_event(&st, &x->out, NULL) != SM_OK) {
        x->out.len = mark; /* drop a partial event */
        return;
    }
    x->have_version = true;
    x->version = st.version;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse_t *x = cls;
    (void)pos;
    for (;;) {
        if (x->sent < x->out.len) {
            size_t n = x->out.len - x->sent;
            if (n > max)
                n = max;
            memcpy(buf, x->out.data + x->sent, n);
            x->sent += n;
            x->last_send_ns = sm_clock_mono_ns();
            return (ssize_t)n;
        }
        sm_buf_reset(&x->out);
        x->sent = 0;
        if (atomic_load(&x->s->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        int64_t now = sm_clock_mono_ns();
        if (now >= x->next_poll_ns) {
            x->next_poll_ns = now + (int64_t)x->s->sse_poll_ms * 1000000;
            sse_poll(x);
            continue;
        }
        if (now - x->last_send_ns >= (int64_t)x->s->sse_heartbeat_ms * 1000000) {
            if (sm_buf_append_str(&x->out, ": keep-alive\n\n", NULL) != SM_OK)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        /* thread-per-connection: blocking here only holds this stream */
        int64_t wait = x->next_poll_ns - now;
        if (wait > 50000000)
            wait = 50000000;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)wait};
        nanosleep(&ts, NULL);
    }
}

static void sse_free(void *cls)
{
    sse_t *x = cls;
    atomic_fetch_sub(&x->s->sse_clients, 1);
    sm_buf_free(&x->out);
    sm_arena_free(&x->arena);
    sm_free(x);
}

static enum MHD_Result queue_sse(sm_req_t *rq)
{
    sm_serve_t *s = rq->srv;
    if (atomic_fetch_add(&s->sse_clients, 1) >= MAX_SSE_CLIENTS) {
        atomic_fetch_sub(&s->sse_clients, 1);
        return fail(rq, 503, "too many live-update streams open");
    }
    sse_t *x = sm_calloc(1, sizeof *x);
    if (!x) {
        atomic_fetch_sub(&s->sse_clients, 1);
        return fail(rq, 500, "out of memory");
    }
    x->s = s;
    x->out.limit = 4 * 1024 * 1024;
    x->last_send_ns = sm_clock_mono_ns();
    sm_arena_init(&x->arena, 16 * 1024);
    (void)sm_buf_append_str(&x->out, "retry: 3000\n\n", NULL);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, sse_read, x, sse_free);
    if (!r) {
        sse_free(x);
        return MHD_NO;
    }
    add_security_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    rq->status = 200;
    enum MHD_Result ok = MHD_queue_response(rq->conn, 200, r);
    MHD_destroy_response(r);
    return ok;
}

/* ---- the access handler ------------------------------------------------ */

static enum MHD_Result answer(sm_req_t *rq, sm_resp_t *rs)
{
    if (rs->sse) {
        sm_buf_free(&rs->body);
        sm_serve_snap_release(rs->snap_body);
        return queue_sse(rq);
    }
    enum MHD_Result ok = queue(rq, rs);
    sm_buf_free(&rs->body);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    sm_serve_t *s = cls;
    sm_req_t *rq = *con_cls;
    (void)version;
    if (!rq) {
        sm_serve_conn_t *cr = conn_rec(conn);
        if (cr)
            atomic_store(&cr->head_done, true);
        rq = sm_calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->srv = s;
        rq->conn = conn;
        rq->lookup = mhd_lookup;
        rq->lookup_ctx = conn;
        rq->t0_ns = sm_clock_mono_ns();
        rq->body.limit = s->max_body;
        sm_arena_init(&rq->arena, 16 * 1024);
        *con_cls = rq;
        sm_resp_t rs = {0};
        if (sm_serve_precheck(rq, url, method, &rs))
            return answer(rq, &rs); /* refused; rq->started stays false */
        rq->started = true;
        if (!strcmp(method, "POST"))
            return MHD_YES; /* the body follows */
    }
    if (!rq->started) { /* refused early: swallow whatever body still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->body_too_big &&
            sm_buf_append(&rq->body, upload_data, *upload_data_size, NULL) != SM_OK) {
            rq->body_too_big = true;
            sm_buf_free(&rq->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    rq->started = false; /* answered below: later calls only drain */
    if (rq->body_too_big)
        return fail(rq, 413, "request body too large");
    sm_resp_t rs = {0};
    sm_serve_dispatch(rq, &rs);
    return answer(rq, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sm_serve_t *s = cls;
    sm_req_t *rq = *con_cls;
    (void)toe;
    sm_serve_conn_t *cr = conn_rec(conn);
    if (cr) { /* a next request on this connection has its own deadline */
        cr->start_ns = sm_clock_mono_ns();
        atomic_store(&cr->head_done, false);
    }
    if (!rq)
        return;
    double secs = (double)(sm_clock_mono_ns() - rq->t0_ns) / 1e9;
    sm_metrics_observe(&s->metrics, rq->path.route, rq->status ? rq->status : 500, secs);
    sm_buf_free(&rq->body);
    sm_arena_free(&rq->arena);
    sm_free(rq);
    *con_cls = NULL;
}

/* ---- start, stop, run -------------------------------------------------- */

typedef struct listen_addr {
    struct sockaddr_storage ss;
    bool v6, loopback;
    uint16_t port;
    char host[64];
} listen_addr_t;

static sm_err_t parse_listen(const char *spec, listen_addr_t *la, sm_error_t *e)
{
    memset(la, 0, sizeof *la);
    sm_str_t sp = sm_str_c(spec), host, port;
    if (sp.n && sp.p[0] == '[') {
        size_t close = sm_str_find_byte(sp, ']');
        if (close == SIZE_MAX || close + 1 >= sp.n || sp.p[close + 1] != ':')
            return sm_error_set(e, SM_ERR_INVALID, "listen address '%s': expected [IPv6]:PORT",
                                spec);
        host = sm_str_sub(sp, 1, close - 1);
        port = sm_str_sub(sp, close + 2, SIZE_MAX);
        la->v6 = true;
    } else {
        size_t colon = SIZE_MAX;
        for (size_t i = 0; i < sp.n; i++)
            if (sp.p[i] == ':')
                colon = i;
        if (colon == SIZE_MAX)
            return sm_error_set(e, SM_ERR_INVALID, "listen address '%s': expected HOST:PORT", spec);
        host = sm_str_sub(sp, 0, colon);
        port = sm_str_sub(sp, colon + 1, SIZE_MAX);
    }
    uint64_t pn;
    if (sm_str_to_u64(port, &pn, NULL) != SM_OK || pn > 65535)
        return sm_error_set(e, SM_ERR_INVALID, "listen address '%s': bad port", spec);
    if (host.n == 0 || host.n >= sizeof la->host)
        return sm_error_set(e, SM_ERR_INVALID, "listen address '%s': bad host", spec);
    memcpy(la->host, host.p, host.n);
    la->host[host.n] = '\0';
    la->port = (uint16_t)pn;
    const char *numeric = strcmp(la->host, "localhost") == 0 ? "127.0.0.1" : la->host;
    if (!la->v6) {
        struct sockaddr_in *a = (struct sockaddr_in *)&la->ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(la->port);
        if (inet_pton(AF_INET, numeric, &a->sin_addr) != 1)
            return sm_error_set(e, SM_ERR_INVALID,
                                "listen address '%s': host must be an IP address or localhost",
                                spec);
        la->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&la->ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(la->port);
        if (inet_pton(AF_INET6, la->host, &a->sin6_addr) != 1)
            return sm_error_set(e, SM_ERR_INVALID, "listen address '%s': bad IPv6 address", spec);
        la->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return SM_OK;
}

static sm_err_t check_token(const char *t, sm_error_t *e)
{
    size_t n = strlen(t);
    if (n < 16 || n > SM_SERVE_TOKEN_MAX)
        return sm_error_set(e, SM_ERR_INVALID, "access token must be 16..%d characters",
                            SM_SERVE_TOKEN_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '~';
        if (!ok)
            return sm_error_set(e, SM_ERR_INVALID,
                                "access token may only use A-Z a-z 0-9 - _ . ~ (character %zu)",
                                i + 1);
    }
    return SM_OK;
}

static void destroy(sm_serve_t *s)
{
    atomic_store(&s->stopping, true);
    if (s->mhd) {
        MHD_quiesce_daemon(s->mhd);
        MHD_stop_daemon(s->mhd);
    }
    if (s->watchdog_started)
        pthread_join(s->watchdog, NULL);
    sm_serve_refresh_destroy(s);
    pthread_mutex_destroy(&s->prov_mu);
    pthread_mutex_destroy(&s->conn_mu);
    sm_metrics_destroy(&s->metrics);
    sm_free(s);
}

/* The server record with its options, token and locks; no listener and
 * no thread yet.  *la is the parsed listen address. */
static sm_err_t create(const sm_serve_opts_t *opts, const sm_provider_t *p, listen_addr_t *la_out,
                       sm_serve_t **out, sm_error_t *e)
{
    *out = NULL;
    listen_addr_t la;
    sm_err_t rc = parse_listen(opts->listen ? opts->listen : SM_SERVE_DEFAULT_LISTEN, &la, e);
    if (rc)
        return rc;
    *la_out = la;
    if (!p || !p->vt)
        return sm_error_set(e, SM_ERR_INVALID, "serve: no data provider");
    if (opts->token && (rc = check_token(opts->token, e)))
        return rc;
    sm_serve_t *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "server");
    s->prov = *p;
    pthread_mutex_init(&s->prov_mu, NULL);
    pthread_mutex_init(&s->conn_mu, NULL);
    sm_metrics_init(&s->metrics);
    sm_serve_refresh_init(s, opts->refresh_poll_ms);
    s->log = opts->log;
    s->loopback = la.loopback;
    snprintf(s->host, sizeof s->host, "%s", la.host);
    s->max_body =
        opts->max_body && opts->max_body < SM_SERVE_MAX_BODY ? opts->max_body : SM_SERVE_MAX_BODY;
    s->header_timeout_ms = opts->header_timeout_ms ? opts->header_timeout_ms : 10000;
    s->sse_poll_ms = opts->sse_poll_ms ? opts->sse_poll_ms : 500;
    s->sse_heartbeat_ms = opts->sse_heartbeat_ms ? opts->sse_heartbeat_ms : 10000;
    if (opts->token) {
        snprintf(s->token, sizeof s->token, "%s", opts->token);
    } else if (!la.loopback || opts->require_token) {
        rc = sm_serve_gen_token(24, s->token, sizeof s->token, e);
        if (rc)
            goto out;
        s->token_generated = true;
    }
    if (s->token[0]) /* never let the token reach a log line */
        (void)sm_log_add_secret(s->log, s->token, NULL);
    *out = s;
    return SM_OK;
out:
    destroy(s);
    return rc;
}

sm_err_t sm_serve_new_offline(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_serve_t **out,
                              sm_error_t *e)
{
    listen_addr_t la;
    return create(opts, p, &la, out, e);
}

sm_err_t sm_serve_start(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_serve_t **out,
                        sm_error_t *e)
{
    listen_addr_t la;
    sm_serve_t *s = NULL;
    sm_err_t rc = create(opts, p, &la, &s, e);
    if (rc)
        return rc;
    *out = NULL;
    if ((rc = sm_serve_refresh_start(s, e)))
        goto out;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG | (la.v6 ? MHD_USE_IPv6 : 0);
    unsigned idle = opts->idle_timeout_s ? opts->idle_timeout_s : 30;
    s->mhd = MHD_start_daemon(
        flags, la.port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(opts->max_connections ? opts->max_connections : 64),
        MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HEADER_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape,
        NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
    if (!s->mhd) {
        rc = sm_error_set(e, SM_ERR_IO,
                          "serve: cannot listen on %s (in use, or not an address "
                          "of this machine?)",
                          opts->listen ? opts->listen : SM_SERVE_DEFAULT_LISTEN);
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : la.port;
    if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0) {
        rc = sm_error_set(e, SM_ERR_IO, "serve: cannot start the watchdog thread");
        goto out;
    }
    s->watchdog_started = true;
    *out = s;
    return SM_OK;
out:
    destroy(s);
    return rc;
}

uint16_t sm_serve_port(const sm_serve_t *s)
{
    return s->port;
}

const char *sm_serve_token(const sm_serve_t *s)
{
    return s->token[0] ? s->token : NULL;
}

void sm_serve_stop(sm_serve_t *s)
{
    if (s)
        destroy(s);
}

sm_err_t sm_serve_run(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_error_t *e)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    sm_serve_t *s = NULL;
    sm_err_t rc = sm_serve_start(opts, p, &s, e);
    if (rc)
        goto out;
    FILE *f = opts->announce ? opts->announce : stderr;
    bool v6 = strchr(s->host, ':') != NULL;
    fprintf(f, "smelt serve: listening on http://%s%s%s:%u/\n", v6 ? "[" : "", s->host,
            v6 ? "]" : "", s->port);
    if (s->token_generated)
        fprintf(f,
                "smelt serve: access token required; open http://%s%s%s:%u/?token=%s "
                "(shown only this once)\n",
                v6 ? "[" : "", s->host, v6 ? "]" : "", s->port, s->token);
    fflush(f);
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 200000000};
    for (;;) {
        if (opts->stop && atomic_load(opts->stop))
            break;
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM)
            break;
    }
    sm_serve_stop(s);
out:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
