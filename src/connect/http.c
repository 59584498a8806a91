/* connect/http — paginated JSON HTTP APIs as JSON lines (contract in
 * connect/http.h). */
#include "connect/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_MAX_BYTES (64ll << 20)
#define DEFAULT_MAX_PAGES 10000
#define MAX_BACKOFF_MS 5000
#define MAX_HEADER_LINE 8192

/* ---- page parsing (pure) ------------------------------------------------- */

/* The value at a dotted path of an object ("result.items"). */
static json_t *get_path(json_t *obj, const char *path)
{
    char part[256];
    const char *p = path;
    while (obj && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part || !json_is_object(obj))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        obj = json_object_get(obj, part);
        p += n + (dot ? 1 : 0);
    }
    return obj;
}

static sm_err_t append_records(json_t *arr, const char *name, sm_buf_t *out, uint64_t *records,
                               sm_error_t *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_object(v))
            return sm_error_set(e, SM_ERR_PARSE, "%s: record %zu is a JSON %s, not an object", name,
                                i + 1,
                                json_is_array(v)    ? "array"
                                : json_is_string(v) ? "string"
                                                    : "value");
        char *s = json_dumps(v, JSON_COMPACT);
        if (!s)
            return sm_error_nomem(e, "http page");
        sm_err_t rc = sm_buf_append_str(out, s, e);
        free(s); /* jansson's allocator */
        if (!rc)
            rc = sm_buf_append_byte(out, '\n', e);
        if (rc)
            return rc == SM_ERR_LIMIT
                       ? sm_error_set(e, rc, "%s: the records exceed the size limit", name)
                       : rc;
        (*records)++;
    }
    return SM_OK;
}

/* JSON lines: each non-blank line one object (validated here, so that a
 * bad body fails with its line). */
static sm_err_t parse_lines(const uint8_t *body, size_t len, const char *name, sm_buf_t *out,
                            uint64_t *records, sm_error_t *e)
{
    size_t line = 1;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && body[j] != '\n')
            j++;
        size_t a = i, b = j;
        while (a < b && (body[a] == ' ' || body[a] == '\t' || body[a] == '\r'))
            a++;
        while (b > a && (body[b - 1] == ' ' || body[b - 1] == '\t' || body[b - 1] == '\r'))
            b--;
        if (b > a) {
            json_error_t je;
            json_t *v = json_loadb((const char *)body + a, b - a, JSON_REJECT_DUPLICATES, &je);
            if (!v || !json_is_object(v)) {
                json_decref(v);
                return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%d: %s", name, line, v ? 1 : je.column,
                                    v ? "expected a JSON object per line" : je.text);
            }
            json_decref(v);
            sm_err_t rc = sm_buf_append(out, body + a, b - a, e);
            if (!rc)
                rc = sm_buf_append_byte(out, '\n', e);
            if (rc)
                return rc;
            (*records)++;
        }
        i = j + 1;
        line++;
    }
    return SM_OK;
}

sm_err_t sm_http_page_parse(const uint8_t *body, size_t len, const char *records_key,
                            const char *next_field, const char *name, sm_buf_t *out,
                            uint64_t *records, char *next, size_t cap, sm_error_t *e)
{
    *records = 0;
    if (next && cap)
        next[0] = '\0';
    json_error_t je;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    sm_err_t rc = SM_OK;
    if (!root) {
        /* not one JSON document: JSON lines, unless the records are under a key */
        if (records_key)
            return sm_error_set(e, SM_ERR_PARSE, "%s:%d:%d: invalid JSON: %s", name, je.line,
                                je.column, je.text);
        return parse_lines(body, len, name, out, records, e);
    }
    json_t *arr = root;
    if (json_is_object(root)) {
        if (records_key) {
            arr = get_path(root, records_key);
        } else if (next_field && strcmp(next_field, "link") != 0) {
            arr = NULL; /* an object page needs records: to find its array */
        } else {
            /* a single object: one record (a JSON-lines body of one line) */
            json_decref(root);
            return parse_lines(body, len, name, out, records, e);
        }
        if (next && cap && next_field && strcmp(next_field, "link") != 0) {
            json_t *n = get_path(root, next_field);
            if (json_is_string(n))
                snprintf(next, cap, "%s", json_string_value(n));
            else if (n && !json_is_null(n))
                rc = sm_error_set(e, SM_ERR_PARSE, "%s: \"%s\" is not a URL string", name,
                                  next_field);
        }
        if (!rc && (!arr || json_is_null(arr)) && records_key)
            arr = NULL; /* no records key: an empty page */
        else if (!rc && !arr)
            rc = sm_error_set(e, SM_ERR_PARSE,
                              "%s: the page is an object; say where its records are (records: key)",
                              name);
    } else if (records_key) {
        rc = sm_error_set(e, SM_ERR_PARSE, "%s: expected an object with \"%s\"", name, records_key);
    }
    if (!rc && arr && !json_is_array(arr))
        rc = sm_error_set(e, SM_ERR_PARSE, "%s: expected a JSON array of records%s%s", name,
                          records_key ? " under " : "", records_key ? records_key : "");
    if (!rc && arr)
        rc = append_records(arr, name, out, records, e);
    json_decref(root);
    return rc;
}

/* ---- Link header (RFC 8288) -------------------------------------------- */

static bool rel_has_next(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && isspace((unsigned char)v[i]))
            i++;
        size_t s = i;
        while (i < n && !isspace((unsigned char)v[i]))
            i++;
        if (i - s == 4 && strncasecmp(v + s, "next", 4) == 0)
            return true;
    }
    return false;
}

bool sm_http_link_next(const char *value, size_t len, char *next, size_t cap)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (isspace((unsigned char)value[i]) || value[i] == ','))
            i++;
        if (i >= len || value[i] != '<')
            return false;
        size_t us = ++i;
        while (i < len && value[i] != '>')
            i++;
        if (i >= len)
            return false;
        size_t ue = i++;
        bool is_next = false;
        /* parameters until the next ',' outside quotes */
        while (i < len && value[i] != ',') {
            if (value[i] != ';') {
                if (isspace((unsigned char)value[i])) {
                    i++;
                    continue;
                }
                return false;
            }
            i++;
            while (i < len && isspace((unsigned char)value[i]))
                i++;
            size_t ks = i;
            while (i < len && value[i] != '=' && value[i] != ';' && value[i] != ',' &&
                   !isspace((unsigned char)value[i]))
                i++;
            size_t ke = i;
            while (i < len && isspace((unsigned char)value[i]))
                i++;
            const char *vs = NULL;
            size_t vn = 0;
            if (i < len && value[i] == '=') {
                i++;
                while (i < len && isspace((unsigned char)value[i]))
                    i++;
                if (i < len && value[i] == '"') {
                    vs = value + ++i;
                    while (i < len && value[i] != '"')
                        i += (value[i] == '\\' && i + 1 < len) ? 2 : 1;
                    if (i >= len)
                        return false;
                    vn = (size_t)(value + i - vs);
                    i++;
                } else {
                    vs = value + i;
                    while (i < len && value[i] != ';' && value[i] != ',' &&
                           !isspace((unsigned char)value[i]))
                        i++;
                    vn = (size_t)(value + i - vs);
                }
            }
            if (ke - ks == 3 && strncasecmp(value + ks, "rel", 3) == 0 && vs &&
                rel_has_next(vs, vn))
                is_next = true;
        }
        if (is_next) {
            if (!cap || ue - us >= cap)
                return false;
            memcpy(next, value + us, ue - us);
            next[ue - us] = '\0';
            return true;
        }
    }
    return false;
}

bool sm_http_resolve(const char *base, const char *ref, char *out, size_t cap)
{
    const char *scheme = strstr(base, "://");
    if (!scheme)
        return false;
    int n;
    if (strstr(ref, "://")) {
        n = snprintf(out, cap, "%s", ref);
    } else {
        const char *host = scheme + 3;
        const char *path = host + strcspn(host, "/?#");
        if (ref[0] == '/' && ref[1] == '/') {
            n = snprintf(out, cap, "%.*s%s", (int)(scheme + 1 - base), base, ref);
        } else if (ref[0] == '/') {
            n = snprintf(out, cap, "%.*s%s", (int)(path - base), base, ref);
        } else if (ref[0] == '?') {
            size_t plen = strcspn(path, "?#");
            n = snprintf(out, cap, "%.*s%s", (int)(path + plen - base), base, ref);
        } else {
            size_t plen = strcspn(path, "?#");
            const char *dir = path;
            for (const char *c = path; c < path + plen; c++)
                if (*c == '/')
                    dir = c + 1;
            if (dir == path) /* no path: "/ref" */
                n = snprintf(out, cap, "%.*s/%s", (int)(path - base), base, ref);
            else
                n = snprintf(out, cap, "%.*s%s", (int)(dir - base), base, ref);
        }
    }
    return n >= 0 && (size_t)n < cap;
}

/* ---- transport --------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct xfer {
    sm_buf_t body;
    char link[SM_HTTP_MAX_URL];
    bool has_link;
    bool too_big;
} xfer_t;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    size_t len = size * n;
    if (sm_buf_append(&x->body, p, len, NULL) != SM_OK) {
        x->too_big = true;
        return 0; /* aborts the transfer */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    size_t len = size * n;
    if (len > 5 && strncasecmp(p, "link:", 5) == 0 && !x->has_link && len < MAX_HEADER_LINE) {
        size_t s = 5, end = len;
        while (end > s && (p[end - 1] == '\r' || p[end - 1] == '\n'))
            end--;
        x->has_link = sm_http_link_next(p + s, end - s, x->link, sizeof x->link);
    }
    return len;
}

/* The URL for messages: no query string (it may hold a key). */
static void safe_url(const char *url, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)strcspn(url, "?#"), url);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One GET with retries; x->body holds the body (its limit: what is left of
 * max_bytes). */
static sm_err_t get_page(CURL *h, const char *url, const sm_http_opts_t *o, struct curl_slist *hdrs,
                         uint64_t page, xfer_t *x, uint64_t *attempts, sm_error_t *e)
{
    char shown[512];
    safe_url(url, shown, sizeof shown);
    int64_t backoff = o->backoff_ms > 0 ? o->backoff_ms : 200;
    for (int attempt = 0;; attempt++) {
        size_t limit = x->body.limit;
        sm_buf_free(&x->body);
        x->body.limit = limit;
        x->has_link = false;
        x->too_big = false;
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                         (long)(o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS));
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "smelt");
        CURLcode cc = curl_easy_perform(h);
        (*attempts)++;
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (x->too_big)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "%s page %llu: the responses exceed max_bytes (%lld bytes)", shown,
                                (unsigned long long)page, (long long)o->max_bytes);
        bool transient = cc != CURLE_OK || status >= 500 || status == 429;
        if (!transient && status >= 200 && status < 300)
            return SM_OK;
        if (!transient || attempt >= o->retries) {
            if (cc != CURLE_OK)
                return sm_error_set(e, cc == CURLE_OPERATION_TIMEDOUT ? SM_ERR_TIMEOUT : SM_ERR_IO,
                                    "%s page %llu: %s after %d attempt%s", shown,
                                    (unsigned long long)page, curl_easy_strerror(cc), attempt + 1,
                                    attempt ? "s" : "");
            return sm_error_set(e, SM_ERR_IO, "%s page %llu: HTTP %ld after %d attempt%s", shown,
                                (unsigned long long)page, status, attempt + 1, attempt ? "s" : "");
        }
        sleep_ms(backoff);
        backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
    }
}

static sm_err_t page_url(const char *url, const char *param, uint64_t page, char *out, size_t cap,
                         sm_error_t *e)
{
    int n = snprintf(out, cap, "%s%c%s=%llu", url, strchr(url, '?') ? '&' : '?', param,
                     (unsigned long long)page);
    if (n < 0 || (size_t)n >= cap)
        return sm_error_set(e, SM_ERR_LIMIT, "the page URL is longer than %zu bytes", cap);
    return SM_OK;
}

sm_err_t sm_http_fetch(const char *url, const sm_http_opts_t *opts, sm_http_result_t *out,
                       sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    sm_http_opts_t o = opts ? *opts : (sm_http_opts_t){0};
    if (o.max_bytes <= 0)
        o.max_bytes = DEFAULT_MAX_BYTES;
    if (o.max_pages <= 0)
        o.max_pages = DEFAULT_MAX_PAGES;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return sm_error_set(e, SM_ERR_IO, "curl_global_init failed: %s",
                            curl_easy_strerror(curl_init_rc));
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    sm_buf_t lines = SM_BUF_INIT;
    xfer_t x = {.body = SM_BUF_INIT};
    char *cur = sm_malloc(SM_HTTP_MAX_URL), *nxt = sm_malloc(SM_HTTP_MAX_URL);
    sm_err_t rc = (!h || !cur || !nxt) ? sm_error_nomem(e, "http") : SM_OK;
    hdrs = curl_slist_append(hdrs, "Accept: application/json, application/x-ndjson");
    for (size_t i = 0; !rc && i < o.nheaders; i++) {
        struct curl_slist *n = curl_slist_append(hdrs, o.headers[i]);
        if (!n)
            rc = sm_error_nomem(e, "http headers");
        else
            hdrs = n;
    }
    lines.limit = (size_t)o.max_bytes * 2 + 1024; /* records re-serialised */
    if (!rc) {
        if (o.page_param)
            rc = page_url(url, o.page_param, 1, cur, SM_HTTP_MAX_URL, e);
        else if (snprintf(cur, SM_HTTP_MAX_URL, "%s", url) >= SM_HTTP_MAX_URL)
            rc = sm_error_set(e, SM_ERR_LIMIT, "the URL is longer than %d bytes", SM_HTTP_MAX_URL);
    }
    bool json_next = o.next_field && strcmp(o.next_field, "link") != 0;
    while (!rc) {
        if (out->pages >= (uint64_t)o.max_pages) {
            char shown[512];
            safe_url(url, shown, sizeof shown);
            rc = sm_error_set(e, SM_ERR_LIMIT, "%s: more than %lld pages (max_pages)", shown,
                              (long long)o.max_pages);
            break;
        }
        uint64_t page = out->pages + 1;
        x.body.limit = (size_t)(o.max_bytes - (int64_t)out->bytes) + 1;
        if ((rc = get_page(h, cur, &o, hdrs, page, &x, &out->attempts, e)))
            break;
        out->pages++;
        out->bytes += x.body.len;
        if (out->bytes > (uint64_t)o.max_bytes) {
            char shown[512];
            safe_url(url, shown, sizeof shown);
            rc = sm_error_set(e, SM_ERR_LIMIT,
                              "%s page %llu: the responses exceed max_bytes (%lld bytes)", shown,
                              (unsigned long long)page, (long long)o.max_bytes);
            break;
        }
        char name[600], shown[512];
        safe_url(cur, shown, sizeof shown);
        snprintf(name, sizeof name, "%s page %llu", shown, (unsigned long long)page);
        uint64_t n = 0;
        rc = sm_http_page_parse(x.body.data ? x.body.data : (const uint8_t *)"", x.body.len,
                                o.records_key, json_next ? o.next_field : NULL, name, &lines, &n,
                                nxt, SM_HTTP_MAX_URL, e);
        if (rc)
            break;
        out->records += n;
        if (o.page_param) {
            if (n == 0)
                break;
            rc = page_url(url, o.page_param, page + 1, cur, SM_HTTP_MAX_URL, e);
        } else if (json_next || (o.next_field && x.has_link)) {
            const char *ref = json_next ? nxt : x.link;
            if (!ref[0])
                break;
            char resolved[SM_HTTP_MAX_URL];
            if (!sm_http_resolve(cur, ref, resolved, sizeof resolved)) {
                rc = sm_error_set(e, SM_ERR_PARSE, "%s: cannot follow the next link", name);
                break;
            }
            if (strcmp(resolved, cur) == 0) {
                rc = sm_error_set(e, SM_ERR_PARSE, "%s: the next link points to the same page",
                                  name);
                break;
            }
            snprintf(cur, SM_HTTP_MAX_URL, "%s", resolved);
        } else {
            break;
        }
    }
    if (!rc && !lines.data)
        rc = sm_buf_append_str(&lines, "", e);
    if (!rc) {
        out->jsonl = sm_buf_detach(&lines, &out->len);
    } else {
        sm_buf_free(&lines);
        uint64_t keep = out->attempts;
        memset(out, 0, sizeof *out);
        out->attempts = keep;
    }
    sm_buf_free(&x.body);
    sm_free(cur);
    sm_free(nxt);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}
