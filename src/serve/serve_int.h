/*
 * serve/serve_int.h — private to src/serve/: the route table, the request
 * and response records passed from the HTTP layer (server.c) to the
 * handlers (pages.c, api.c), metrics, and the rendering helpers shared by
 * pages.c and report.c.
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
};

typedef struct sm_req {
    sm_serve_t *srv;
    struct MHD_Connection *conn;
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
} sm_resp_t;

/* The value of query argument key, percent-decoded into rq's arena; NULL
 * when absent; "" when malformed (a bad %-escape) or out of memory. */
const char *sm_req_arg(sm_req_t *rq, const char *key);

/* Provider calls go through these (one call at a time). */
void sm_serve_prov_lock(sm_serve_t *s);
void sm_serve_prov_unlock(sm_serve_t *s);

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
