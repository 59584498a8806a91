/* serve/router — raw request paths to routes, with strict validation. */
#include <string.h>

#include "serve/serve_int.h"

static const struct {
    const char *name;
    bool post, api;
} ROUTES[R__COUNT] = {
    [R_DASHBOARD] = {"/", false, false},
    [R_LAKE] = {"/lake", false, false},
    [R_TABLE] = {"/lake/{layer}/{table}", false, false},
    [R_STREAM] = {"/stream", false, false},
    [R_SQL] = {"/sql", false, false},
    [R_RUNS] = {"/runs", false, false},
    [R_STATIC] = {"/static/{asset}", false, false},
    [R_API_HEALTH] = {"/api/health", false, true},
    [R_API_DASHBOARD] = {"/api/dashboard", false, true},
    [R_API_TABLES] = {"/api/tables", false, true},
    [R_API_TABLE] = {"/api/tables/{layer}/{table}", false, true},
    [R_API_ROWS] = {"/api/tables/{layer}/{table}/rows", false, true},
    [R_API_QUERY] = {"/api/query", true, true},
    [R_API_QUERY_CHART] = {"/api/query/chart", true, true},
    [R_API_STREAM] = {"/api/stream", false, true},
    [R_API_EVENTS] = {"/api/stream/events", false, true},
    [R_API_RUNS] = {"/api/runs", false, true},
    [R_API_CHART] = {"/api/charts/{chart}.svg", false, true},
    [R_API_LINEAGE] = {"/api/lineage", false, true},
    [R_API_STREAMS] = {"/api/streams", false, true},
    [R_API_TARGETS] = {"/api/query/targets", false, true},
    [R_METRICS] = {"/metrics", false, true},
    [R_OTHER] = {"other", false, false},
};

const char *sm_serve_route_name(sm_route_t r)
{
    return r < R__COUNT ? ROUTES[r].name : "other";
}

bool sm_serve_route_is_post(sm_route_t r)
{
    return r < R__COUNT && ROUTES[r].post;
}

bool sm_serve_route_is_api(sm_route_t r)
{
    return r < R__COUNT && ROUTES[r].api;
}

#define MAX_SEGS 8
#define MAX_PATH 1024

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= SM_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void copy_name(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static bool seg_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

int sm_serve_route(const char *raw, sm_path_t *p)
{
    memset(p, 0, sizeof *p);
    p->route = R_OTHER;
    size_t len = strlen(raw);
    if (len == 0 || raw[0] != '/' || len > MAX_PATH)
        return 400;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        /* No escapes at all: no route needs one, and refusing them rules
         * out encoded traversal (%2e%2e, %2f, %5c, %00) entirely. */
        if (c < 0x21 || c >= 0x7f || c == '%' || c == '\\')
            return 400;
        if (c == '/' && i + 1 < len && raw[i + 1] == '/')
            return 400;
    }
    const char *seg[MAX_SEGS];
    size_t segn[MAX_SEGS], nseg = 0;
    const char *q = raw + 1, *end = raw + len;
    while (q < end) {
        const char *slash = memchr(q, '/', (size_t)(end - q));
        size_t n = slash ? (size_t)(slash - q) : (size_t)(end - q);
        if ((n == 1 && q[0] == '.') || (n == 2 && q[0] == '.' && q[1] == '.'))
            return 400;
        if (n > 0) { /* a trailing slash leaves an empty last segment: ignored */
            if (nseg == MAX_SEGS)
                return 404;
            seg[nseg] = q;
            segn[nseg++] = n;
        }
        q += n + 1;
    }
#define IS(i, lit) seg_is(seg[i], segn[i], lit)
    if (nseg == 0) {
        p->route = R_DASHBOARD;
    } else if (IS(0, "lake")) {
        if (nseg == 1)
            p->route = R_LAKE;
        else if (nseg == 3 && name_ok(seg[1], segn[1]) && name_ok(seg[2], segn[2]))
            p->route = R_TABLE;
    } else if (nseg == 1 && IS(0, "stream")) {
        p->route = R_STREAM;
    } else if (nseg == 1 && IS(0, "sql")) {
        p->route = R_SQL;
    } else if (nseg == 1 && IS(0, "runs")) {
        p->route = R_RUNS;
    } else if (nseg == 1 && IS(0, "metrics")) {
        p->route = R_METRICS;
    } else if (nseg == 2 && IS(0, "static") && segn[1] < sizeof p->asset) {
        copy_name(p->asset, sizeof p->asset, seg[1], segn[1]);
        if (sm_serve_asset(p->asset))
            p->route = R_STATIC;
    } else if (IS(0, "api") && nseg >= 2) {
        if (nseg == 2 && IS(1, "health"))
            p->route = R_API_HEALTH;
        else if (nseg == 2 && IS(1, "dashboard"))
            p->route = R_API_DASHBOARD;
        else if (nseg == 2 && IS(1, "tables"))
            p->route = R_API_TABLES;
        else if (IS(1, "tables") && (nseg == 4 || (nseg == 5 && IS(4, "rows"))) &&
                 name_ok(seg[2], segn[2]) && name_ok(seg[3], segn[3]))
            p->route = nseg == 4 ? R_API_TABLE : R_API_ROWS;
        else if (nseg == 2 && IS(1, "query"))
            p->route = R_API_QUERY;
        else if (nseg == 3 && IS(1, "query") && IS(2, "chart"))
            p->route = R_API_QUERY_CHART;
        else if (nseg == 2 && IS(1, "stream"))
            p->route = R_API_STREAM;
        else if (nseg == 3 && IS(1, "stream") && IS(2, "events"))
            p->route = R_API_EVENTS;
        else if (nseg == 2 && IS(1, "runs"))
            p->route = R_API_RUNS;
        else if (nseg == 2 && IS(1, "lineage"))
            p->route = R_API_LINEAGE;
        else if (nseg == 2 && IS(1, "streams"))
            p->route = R_API_STREAMS;
        else if (nseg == 3 && IS(1, "query") && IS(2, "targets"))
            p->route = R_API_TARGETS;
        else if (nseg == 3 && IS(1, "charts") && segn[2] > 4 && segn[2] < sizeof p->chart &&
                 memcmp(seg[2] + segn[2] - 4, ".svg", 4) == 0) {
            copy_name(p->chart, sizeof p->chart, seg[2], segn[2] - 4);
            if (!strcmp(p->chart, "top_countries") || !strcmp(p->chart, "segments") ||
                !strcmp(p->chart, "categories") || !strcmp(p->chart, "live"))
                p->route = R_API_CHART;
        }
    }
#undef IS
    if (p->route == R_TABLE || p->route == R_API_TABLE || p->route == R_API_ROWS) {
        size_t li = p->route == R_TABLE ? 1 : 2;
        copy_name(p->layer, sizeof p->layer, seg[li], segn[li]);
        copy_name(p->table, sizeof p->table, seg[li + 1], segn[li + 1]);
    }
    return p->route == R_OTHER ? 404 : 0;
}
