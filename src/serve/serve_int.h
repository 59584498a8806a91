/*
 * serve/serve_int.h — private to src/serve/: the route table, the request
 * and response records passed from the HTTP layer (server.c) through the
 * request checks (request.c) to the handlers (pages.c, api.c), the
 * dashboard snapshots and their refresher thread (refresh.c), metrics, and
 * the rendering helpers shared by pages.c and report.c.
 *
 * A request (sm_req_t) belongs to the connection thread handling it; its
 * arena holds every string derived from it and the provider's answers,
 * and is freed when the request completes.
 */
#ifndef SM_SERVE_INT_H
#define SM_SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "serve/html.h"
#include "serve/json.h"
#include "serve/provider.h"
#include "serve/serve.h"

/* Routes; also the `route` label of the metrics (bounded cardinality). */
typedef enum sm_route {
    R_DASHBOARD = 0,
    R_LAKE,
    R_TABLE,
    R_STREAM,
    R_SQL,
    R_RUNS,
    R_STATIC,
    R_API_HEALTH,
    R_API_DASHBOARD,
    R_API_TABLES,
    R_API_TABLE,
    R_API_ROWS,
    R_API_QUERY,
    R_API_QUERY_CHART,
    R_API_STREAM,
    R_API_EVENTS,
    R_API_RUNS,
    R_API_CHART,
    R_API_LINEAGE,
    R_API_STREAMS,
    R_API_TARGETS,
    R_METRICS,
    R_OTHER, /* no such route (404) or refused before routing */
    R__COUNT
} sm_route_t;

#define SM_NAME_MAX 128 /* layer / table name bytes */

/* A parsed request path.  Names are [A-Za-z0-9_-]{1,127}. */
typedef struct sm_path {
    sm_route_t route;
    char layer[SM_NAME_MAX], table[SM_NAME_MAX];
    char chart[32]; /* R_API_CHART: top_countries, segments, categories, live */
    char asset[32]; /* R_STATIC: style.css, app.js, favicon.svg */
} sm_path_t;

/* Parses a raw (not percent-decoded) request path.  Returns 400 when the
 * path is malformed (no leading '/', '%', "..", "//", backslash, control
 * bytes, over 1024 bytes), 404 when it names no route, else 0 and fills p. */
int sm_serve_route(const char *raw, sm_path_t *p);
/* The route's metric label ("/lake/{layer}/{table}"). */
const char *sm_serve_route_name(sm_route_t r);
/* True when the route takes POST (else GET and HEAD). */
bool sm_serve_route_is_post(sm_route_t r);
/* True for /api/... and /metrics (errors answered as JSON/text). */
bool sm_serve_route_is_api(sm_route_t r);

/* ---- metrics ---------------------------------------------------------- */

#define SM_METRIC_NSTATUS 20
#define SM_METRIC_NBUCKETS 10

typedef struct sm_metrics {
    pthread_mutex_t mu;
    uint64_t count[R__COUNT][SM_METRIC_NSTATUS];
    uint64_t bucket[R__COUNT][SM_METRIC_NBUCKETS]; /* cumulative at render */
    double sum[R__COUNT];
    uint64_t n[R__COUNT];
    int64_t started_ms;
} sm_metrics_t;

void sm_metrics_init(sm_metrics_t *m);
void sm_metrics_destroy(sm_metrics_t *m);
void sm_metrics_observe(sm_metrics_t *m, sm_route_t r, unsigned status, double seconds);
/* Appends the text exposition: request counters, latency histogram,
 * process gauges, then the provider's gauges (may be NULL). */
sm_err_t sm_metrics_render(sm_metrics_t *m, const sm_prov_gauge_list_t *g, unsigned sse_clients,
                           sm_buf_t *out, sm_error_t *e);

/* ---- server, requests, responses ------------------------------------- */

typedef struct sm_serve_conn sm_serve_conn_t; /* watchdog record (server.c) */

/* ---- dashboard snapshots (refresh.c) ----------------------------------- */

/* An immutable, reference-counted result of the provider's dashboard call:
 * the dashboard itself (in its own arena) and the /api/dashboard body,
 * serialised once.  When the provider failed, rc/msg hold its error and
 * the rest is empty.  Shared by any number of request threads. */
typedef struct sm_serve_snap {
    atomic_uint refs;
    sm_err_t rc;
    char msg[SM_ERROR_MSG_MAX];
    sm_arena_t arena;
    sm_prov_dashboard_t dash;
    sm_buf_t json;
    uint64_t data_version;
    int64_t built_ns; /* monotonic */
} sm_serve_snap_t;

/* The refresher: one background thread per server that rebuilds the
 * snapshot when the provider's data_version changes (checked every
 * poll_ms) or when it is max_age_ms old, and swaps it in under mu. */
typedef struct sm_serve_refresh {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* signalled on a new snapshot and on stop */
    sm_serve_snap_t *cur; /* guarded by mu; NULL before the first build */
    bool stop;            /* guarded by mu */
    bool started;
    pthread_t thread;
    unsigned poll_ms, max_age_ms, first_wait_ms;
    atomic_uint_fast64_t builds; /* snapshots built so far (tests) */
} sm_serve_refresh_t;

struct sm_serve {
    struct MHD_Daemon *mhd;
    sm_provider_t prov;
    pthread_mutex_t prov_mu;
    sm_metrics_t metrics;
    char token[SM_SERVE_TOKEN_MAX + 1]; /* "" = none */
    bool token_generated;
    bool loopback;
    uint16_t port;
    char host[64]; /* as given, for the announcement */
    size_t max_body;
    unsigned header_timeout_ms, sse_poll_ms, sse_heartbeat_ms;
    atomic_bool stopping;
    atomic_uint sse_clients;
    sm_log_t *log;
    /* header-deadline watchdog */
    pthread_mutex_t conn_mu;
    sm_serve_conn_t *conns;
    pthread_t watchdog;
    bool watchdog_started;
    sm_serve_refresh_t refresh;
};

/* Sets up s->refresh (no thread yet): poll_ms 0 = 250. */
void sm_serve_refresh_init(sm_serve_t *s, unsigned poll_ms);
/* Starts the refresher thread (none when the provider has no dashboard).
 * SM_ERR_IO when the thread cannot start. */
sm_err_t sm_serve_refresh_start(sm_serve_t *s, sm_error_t *e);
/* Stops and joins the thread and drops the snapshot.  Call once no request
 * can run any more; safe when the thread never started. */
void sm_serve_refresh_destroy(sm_serve_t *s);
/* A reference to the current snapshot in *out (release it with
 * sm_serve_snap_release).  Never waits for a rebuild, except before the
 * first snapshot exists: then it waits at most first_wait_ms and fails
 * with SM_ERR_TIMEOUT.  Without a refresher thread (a server that was
 * never started: the fuzz target) the snapshot is built here.  When the
 * provider's dashboard call failed, returns its code and message.
 * SM_ERR_UNSUPPORTED when the provider has no dashboard. */
sm_err_t sm_serve_snap_get(sm_serve_t *s, sm_serve_snap_t **out, sm_error_t *e);
/* Drops a reference.  NULL ok. */
void sm_serve_snap_release(sm_serve_snap_t *sn);
/* The /api/dashboard body for d (api.c). */
sm_err_t sm_serve_dashboard_json(const sm_prov_dashboard_t *d, sm_buf_t *out, sm_error_t *e);

/* Where a request's header, cookie and query values come from. */
typedef enum sm_req_kind { SM_REQ_HEADER, SM_REQ_COOKIE, SM_REQ_ARG } sm_req_kind_t;
/* The raw value of key (header names case-insensitive), or NULL.  The
 * string lives as long as the request. */
typedef const char *(*sm_req_lookup_fn)(void *ctx, sm_req_kind_t kind, const char *key);

#define SM_SERVE_RESPONSE_LIMIT (64u * 1024 * 1024)

typedef struct sm_req {
    sm_serve_t *srv;
    struct MHD_Connection *conn; /* NULL outside server.c's HTTP layer */
    sm_req_lookup_fn lookup;
    void *lookup_ctx;
    sm_path_t path;
    bool is_head;
    bool is_api_path; /* the raw path starts with /api/ (JSON errors) */
    sm_buf_t body;    /* POST body, limited to srv->max_body */
    bool body_too_big;
    bool started; /* headers checked, handler may run */
    int64_t t0_ns;
    unsigned status; /* final status, for the metrics */
    sm_arena_t arena;
} sm_req_t;

typedef struct sm_resp {
    unsigned status;   /* 0 = 200 */
    const char *ctype; /* NULL = text/html */
    sm_buf_t body;
    const char *location;
    char cookie[SM_SERVE_TOKEN_MAX + 96];
    const char *allow;
    bool www_auth;
    bool cacheable; /* static assets */
    bool sse;       /* answer with the live event stream instead */
    /* When set, the body is this snapshot's JSON (sent without a copy);
     * the response holds a reference until it is sent or dropped. */
    sm_serve_snap_t *snap_body;
} sm_resp_t;

/* The value of query argument key, percent-decoded into rq's arena; NULL
 * when absent; "" when malformed (a bad %-escape) or out of memory. */
const char *sm_req_arg(sm_req_t *rq, const char *key);

/* Checks a request head (path, Host, token, method, POST headers).
 * Returns true when it refused the request: rs then holds the answer.
 * Otherwise rq->path is set and the handler may run once the body (if
 * any) is in rq->body. */
bool sm_serve_precheck(sm_req_t *rq, const char *url, const char *method, sm_resp_t *rs);
/* Runs the page or API handler for rq: rs holds the answer (an error page
 * or JSON error when the handler failed), or rs->sse is set. */
void sm_serve_dispatch(sm_req_t *rq, sm_resp_t *rs);
/* Replaces rs's body with an error answer (JSON for the API). */
void sm_serve_fail(sm_req_t *rq, unsigned status, const char *msg, sm_resp_t *rs);

/* A server with no HTTP listener and no threads, for driving
 * sm_serve_precheck/sm_serve_dispatch directly (the fuzz target); the
 * dashboard snapshot is built on first use.  Free with sm_serve_stop. */
sm_err_t sm_serve_new_offline(const sm_serve_opts_t *opts, const sm_provider_t *p, sm_serve_t **out,
                              sm_error_t *e);

/* Provider calls go through these (one call at a time unless the provider
 * is thread_safe, when they do nothing). */
void sm_serve_prov_lock(sm_serve_t *s);
void sm_serve_prov_unlock(sm_serve_t *s);

/* Runs a console query on target (NULL, "" or "lake": the lake; else an
 * id of the provider's targets) after the read-only guard.  On a query
 * error fills *pos. */
sm_err_t sm_serve_run_sql(sm_serve_t *s, const char *target, const char *sql, size_t max_rows,
                          sm_prov_result_t *r, sm_prov_pos_t *pos, sm_error_t *e);

/* HTTP status for a provider error code. */
unsigned sm_serve_status_for(sm_err_t code);

/* Handlers: fill rs; on failure return the error (the caller answers with
 * an error page or JSON error for sm_serve_status_for(code)). */
sm_err_t sm_serve_page(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e);
sm_err_t sm_serve_api(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e);
/* Error bodies. */
sm_err_t sm_serve_error_page(sm_buf_t *b, unsigned status, const char *msg, sm_error_t *e);
sm_err_t sm_serve_error_json(sm_buf_t *b, unsigned status, const char *msg,
                             const sm_prov_pos_t *pos, sm_error_t *e);

/* One live-stream event ("event: live\ndata: {...}\n\n") for status st. */
sm_err_t sm_serve_sse_event(const sm_prov_stream_t *st, sm_buf_t *out, sm_error_t *e);

/* ---- rendering shared by pages and the report ------------------------- */

/* The dashboard body: KPI tiles, four charts, RFM table.  st may be NULL
 * (no stream information: the live panel waits). */
sm_err_t sm_serve_render_dashboard(sm_buf_t *b, const sm_prov_dashboard_t *d,
                                   const sm_prov_stream_t *st, bool live_updates, sm_error_t *e);
/* The live revenue chart (bars, or the "waiting for live data" panel). */
sm_err_t sm_serve_render_live_chart(sm_buf_t *b, const sm_prov_stream_t *st, sm_error_t *e);
/* A result as an HTML table (at most max_rows rows). */
sm_err_t sm_serve_render_result(sm_buf_t *b, const sm_prov_result_t *r, size_t max_rows,
                                sm_error_t *e);
/* A text grid as an HTML table. */
sm_err_t sm_serve_render_grid(sm_buf_t *b, const sm_prov_grid_t *g, sm_error_t *e);
/* The first two columns of r as a bar chart (labels from column 0, values
 * from column 1, at most SM_SVG_MAX_ITEMS rows). */
sm_err_t sm_serve_result_chart(sm_buf_t *b, const sm_prov_result_t *r, sm_arena_t *a,
                               sm_error_t *e);

/* Embedded assets (generated at build time from src/serve/assets/). */
typedef struct sm_serve_asset {
    const char *name, *ctype;
    const unsigned char *data;
    size_t len;
} sm_serve_asset_t;
const sm_serve_asset_t *sm_serve_asset(const char *name);

#endif
