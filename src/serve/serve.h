/*
 * serve — smelt's own web UI: an HTTP server (libmicrohttpd) with the
 * dashboard, lake browser, stream monitor, SQL console, runs/lineage
 * pages, their JSON API (docs/api.md), Prometheus metrics at /metrics,
 * and the self-contained HTML report.
 *
 * Security model (see docs/api.md):
 *   - binds to loopback by default; binding anything else needs an access
 *     token (given, or generated and announced once).  With a token every
 *     request must carry it (Authorization: Bearer, or the cookie set by
 *     visiting /?token=...); compared in constant time.  Without a token
 *     the Host header must name a loopback host (DNS-rebinding defence).
 *   - every byte of outside data that reaches a page is escaped; a strict
 *     Content-Security-Policy allows only smelt's own CSS/JS files;
 *   - bounded everything: header memory, bodies (64 KiB), a deadline for
 *     a request's headers (slowloris), idle timeouts, a connection limit,
 *     paths limited to a fixed route table (no file is ever served from
 *     disk; '%', "..", "//" and control bytes in a path are refused);
 *   - the SQL console is read-only (provider contract) and non-SELECT
 *     statements are refused before they reach the provider.
 *
 * Threads: one thread per connection (libmicrohttpd), provider calls
 * serialised by a mutex unless the provider is thread-safe
 * (serve/provider.h), and one refresher thread that rebuilds the
 * dashboard snapshot off the request path (serve/refresh.c).  sm_serve_start/stop/run are
 * called from one controlling thread; sm_serve_port/token from any.
 */
#ifndef SM_SERVE_SERVE_H
#define SM_SERVE_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "serve/provider.h"

#define SM_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"
#define SM_SERVE_MAX_BODY (64 * 1024)
#define SM_SERVE_TOKEN_MAX 128

typedef struct sm_serve_opts {
    const char *listen;         /* "HOST:PORT", "[V6]:PORT"; NULL = default.
                                 * Port 0 picks a free port (sm_serve_port). */
    const char *token;          /* access token; NULL = none on loopback,
                                 * generated when binding elsewhere */
    bool require_token;         /* generate a token even on loopback */
    unsigned max_connections;   /* 0 = 64 */
    unsigned idle_timeout_s;    /* idle connection timeout; 0 = 30 */
    unsigned header_timeout_ms; /* whole request head deadline; 0 = 10000 */
    unsigned sse_poll_ms;       /* live-data check interval; 0 = 500 */
    unsigned refresh_poll_ms;   /* how often the refresher checks the data
                                 * version of the dashboard; 0 = 250 */
    unsigned sse_heartbeat_ms;  /* SSE keep-alive comment; 0 = 10000 */
    size_t max_body;            /* 0 = SM_SERVE_MAX_BODY (also the maximum) */
    sm_log_t *log;              /* NULL = quiet */
    FILE *announce;             /* sm_serve_run prints the URL (and a
                                 * generated token) here; NULL = stderr */
    atomic_bool *stop;          /* sm_serve_run returns once *stop is true */
} sm_serve_opts_t;

typedef struct sm_serve sm_serve_t;

/* Starts serving in background threads.  The provider (and its context)
 * must outlive the server.  Fails with SM_ERR_INVALID for a bad listen
 * address or token, SM_ERR_IO when the address cannot be bound (in use,
 * not ours), SM_ERR_NOMEM.  *out is NULL on failure. */
sm_err_t sm_serve_start(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_serve_t **out,
                        sm_error_t *e);

/* The port actually bound (useful with port 0). */
uint16_t sm_serve_port(const sm_serve_t *s);

/* The access token in force, or NULL when none is required. */
const char *sm_serve_token(const sm_serve_t *s);

/* Stops accepting, ends live streams, waits for every connection thread
 * and frees the server.  NULL ok. */
void sm_serve_stop(sm_serve_t *s);

/* Starts the server, announces "smelt serve: http://HOST:PORT/" (with
 * "?token=..." when a token was generated — the only time it is shown),
 * and blocks until SIGINT or SIGTERM arrives or opts->stop becomes true;
 * then stops cleanly and returns SM_OK.  The two signals are blocked in
 * the calling thread while it runs (and restored afterwards), so call it
 * before starting other threads that should not receive them. */
sm_err_t sm_serve_run(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_error_t *e);

/* Renders the dashboard as one self-contained HTML document (inline CSS
 * and SVG, no script, no outside reference) into out.  Fails when the
 * provider's dashboard call fails (its error, wrapped) or on buffer
 * errors; out may then hold part of the page. */
sm_err_t sm_serve_report(const sm_provider_t *p, sm_buf_t *out, sm_error_t *e);

/* Fills out with a fresh random token: 2*nbytes hex digits (nbytes 8..48)
 * from the kernel's CSPRNG.  SM_ERR_IO when getrandom fails. */
sm_err_t sm_serve_gen_token(size_t nbytes, char *out, size_t cap, sm_error_t *e);

/* Second line of defence for the SQL console: true when sql is one
 * statement beginning with SELECT, WITH, VALUES, SHOW, DESCRIBE/DESC or
 * EXPLAIN and names no writing keyword (INSERT, UPDATE, DELETE, MERGE,
 * DROP, CREATE, ALTER, TRUNCATE, ...) outside string literals, quoted
 * identifiers and comments.  When false, why (cap bytes, may be NULL)
 * says what was refused and at which offset. */
bool sm_serve_sql_readonly(const char *sql, size_t len, char *why, size_t cap);

#endif
