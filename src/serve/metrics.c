/* serve/metrics — request counters, a latency histogram and gauges in
 * the Prometheus text exposition format (version 0.0.4). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "serve/serve_int.h"

static const unsigned STATUS[SM_METRIC_NSTATUS - 1] = {
    200, 204, 301, 303, 304, 400, 401, 403, 404, 405, 408, 413, 414, 421, 429, 431, 500, 501, 503};
static const double BUCKET[SM_METRIC_NBUCKETS - 1] = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  1.0};

void sm_metrics_init(sm_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->started_ms = sm_clock_wall_ms();
}

void sm_metrics_destroy(sm_metrics_t *m)
{
    pthread_mutex_destroy(&m->mu);
}

static int status_slot(unsigned status)
{
    for (int i = 0; i < SM_METRIC_NSTATUS - 1; i++)
        if (STATUS[i] == status)
            return i;
    return SM_METRIC_NSTATUS - 1;
}

void sm_metrics_observe(sm_metrics_t *m, sm_route_t r, unsigned status, double seconds)
{
    if (r >= R__COUNT)
        r = R_OTHER;
    int b = 0;
    while (b < SM_METRIC_NBUCKETS - 1 && seconds > BUCKET[b])
        b++;
    pthread_mutex_lock(&m->mu);
    m->count[r][status_slot(status)]++;
    m->bucket[r][b]++;
    m->sum[r] += seconds;
    m->n[r]++;
    pthread_mutex_unlock(&m->mu);
}

static bool metric_name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

/* Label values and HELP text: escape \ " and newlines (exposition format). */
static sm_err_t esc(sm_buf_t *out, const char *s, bool quote_too, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; s && s[i] && !rc; i++) {
        if (s[i] == '\\')
            rc = sm_buf_append_str(out, "\\\\", e);
        else if (s[i] == '\n')
            rc = sm_buf_append_str(out, "\\n", e);
        else if (s[i] == '"' && quote_too)
            rc = sm_buf_append_str(out, "\\\"", e);
        else
            rc = sm_buf_append_byte(out, (uint8_t)s[i], e);
    }
    return rc;
}

static sm_err_t fmt_value(sm_buf_t *out, double v, sm_error_t *e)
{
    if (isnan(v))
        return sm_buf_append_str(out, "NaN", e);
    if (isinf(v))
        return sm_buf_append_str(out, v > 0 ? "+Inf" : "-Inf", e);
    return sm_buf_printf(out, e, "%.17g", v);
}

static sm_err_t render_gauges(const sm_prov_gauge_list_t *g, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    const char *prev = NULL;
    for (size_t i = 0; g && i < g->n && !rc; i++) {
        const sm_prov_gauge_t *x = &g->gauges[i];
        if (!metric_name_ok(x->name) || (x->label_key && !metric_name_ok(x->label_key)))
            continue;
        if (!prev || strcmp(prev, x->name) != 0) {
            rc = sm_buf_printf(out, e, "# HELP %s ", x->name);
            if (!rc)
                rc = esc(out, x->help ? x->help : x->name, false, e);
            if (!rc)
                rc = sm_buf_printf(out, e, "\n# TYPE %s gauge\n", x->name);
            prev = x->name;
        }
        if (!rc)
            rc = sm_buf_append_str(out, x->name, e);
        if (!rc && x->label_key) {
            rc = sm_buf_printf(out, e, "{%s=\"", x->label_key);
            if (!rc)
                rc = esc(out, x->label_value ? x->label_value : "", true, e);
            if (!rc)
                rc = sm_buf_append_str(out, "\"}", e);
        }
        if (!rc)
            rc = sm_buf_append_byte(out, ' ', e);
        if (!rc)
            rc = fmt_value(out, x->value, e);
        if (!rc)
            rc = sm_buf_append_byte(out, '\n', e);
    }
    return rc;
}

sm_err_t sm_metrics_render(sm_metrics_t *m, const sm_prov_gauge_list_t *g, unsigned sse_clients,
                           sm_buf_t *out, sm_error_t *e)
{
    sm_metrics_t snap;
    pthread_mutex_lock(&m->mu);
    memcpy(snap.count, m->count, sizeof snap.count);
    memcpy(snap.bucket, m->bucket, sizeof snap.bucket);
    memcpy(snap.sum, m->sum, sizeof snap.sum);
    memcpy(snap.n, m->n, sizeof snap.n);
    pthread_mutex_unlock(&m->mu);

    sm_err_t rc = sm_buf_append_str(out,
                                    "# HELP smelt_http_requests_total HTTP requests answered, "
                                    "by route and status code.\n"
                                    "# TYPE smelt_http_requests_total counter\n",
                                    e);
    for (int r = 0; r < R__COUNT && !rc; r++)
        for (int s = 0; s < SM_METRIC_NSTATUS && !rc; s++) {
            if (!snap.count[r][s])
                continue;
            char code[8];
            if (s == SM_METRIC_NSTATUS - 1)
                snprintf(code, sizeof code, "other");
            else
                snprintf(code, sizeof code, "%u", STATUS[s]);
            rc = sm_buf_printf(out, e, "smelt_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                               sm_serve_route_name((sm_route_t)r), code,
                               (unsigned long long)snap.count[r][s]);
        }
    if (!rc)
        rc = sm_buf_append_str(out,
                               "# HELP smelt_http_request_duration_seconds Time to answer a "
                               "request (event streams: until they close).\n"
                               "# TYPE smelt_http_request_duration_seconds histogram\n",
                               e);
    for (int r = 0; r < R__COUNT && !rc; r++) {
        if (!snap.n[r])
            continue;
        const char *name = sm_serve_route_name((sm_route_t)r);
        uint64_t cum = 0;
        for (int b = 0; b < SM_METRIC_NBUCKETS && !rc; b++) {
            cum += snap.bucket[r][b];
            if (b < SM_METRIC_NBUCKETS - 1)
                rc = sm_buf_printf(out, e,
                                   "smelt_http_request_duration_seconds_bucket{route=\"%s\","
                                   "le=\"%g\"} %llu\n",
                                   name, BUCKET[b], (unsigned long long)cum);
            else
                rc = sm_buf_printf(out, e,
                                   "smelt_http_request_duration_seconds_bucket{route=\"%s\","
                                   "le=\"+Inf\"} %llu\n",
                                   name, (unsigned long long)cum);
        }
        if (!rc)
            rc = sm_buf_printf(out, e,
                               "smelt_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n"
                               "smelt_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                               name, snap.sum[r], name, (unsigned long long)snap.n[r]);
    }
    if (!rc)
        rc = sm_buf_printf(out, e,
                           "# HELP smelt_serve_start_time_seconds When the server started.\n"
                           "# TYPE smelt_serve_start_time_seconds gauge\n"
                           "smelt_serve_start_time_seconds %.3f\n"
                           "# HELP smelt_serve_sse_clients Live-update streams open now.\n"
                           "# TYPE smelt_serve_sse_clients gauge\n"
                           "smelt_serve_sse_clients %u\n",
                           (double)m->started_ms / 1000.0, sse_clients);
    if (!rc)
        rc = render_gauges(g, out, e);
    return rc;
}
