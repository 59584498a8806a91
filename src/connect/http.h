/*
 * connect/http — GET a paginated JSON HTTP API into JSON lines.
 *
 * What it is for: the `type: http` source of a pipeline project (the
 * reference's web-API exercise).  sm_http_fetch GETs the URL and follows
 * pagination, turning every page into JSON lines (one object per line)
 * appended to one buffer, which connect/files reads as JSON lines
 * (sm_file_source_open_mem: the same schema inference as a .jsonl file).
 *
 * A page (sm_http_page_parse, pure: no network) is
 *   - a JSON array of objects,                       [ {...}, {...} ]
 *   - an object holding that array under opts.records_key,  {"data": [...]}
 *     (the key may be a dotted path: "result.items"),
 *   - or JSON lines (one object per line), when neither of the above
 *     parses and records_key is not set.
 * Pagination:
 *   - next_field set: the next page's URL is that field of the page object
 *     (a dotted path; absent, null or "" ends); "link" means the Link
 *     header's rel="next" (RFC 8288), parsed by sm_http_link_next;
 *     relative URLs are resolved against the current one;
 *   - page_param set: ?<param>=1, 2, ... until a page with no records;
 *   - neither: one page.
 * Transport (libcurl): per-request timeout; retries with exponential
 * backoff (0.2 s, 0.4 s, ... capped at 5 s) on 5xx, 429, timeouts and
 * connection failures; 4xx other than 429 fail at once; max_bytes bounds
 * the sum of all response bodies (SM_ERR_LIMIT, the transfer is cut as
 * soon as it is exceeded); max_pages bounds the pages.  Header values may
 * be secrets: they are never written to errors or logs.
 *
 * Errors name the URL without its query string, the page number and what
 * was wrong: "http://h/orders page 3: HTTP 503 after 4 attempts".
 * Ownership: the caller owns the returned buffer (sm_free).  Threads: any;
 * no global state besides curl_global_init (done once, thread-safely).
 */
#ifndef SM_CONNECT_HTTP_H
#define SM_CONNECT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define SM_HTTP_MAX_URL 8192

typedef struct sm_http_opts {
    const char *records_key;    /* NULL: the page is an array / JSON lines */
    const char *next_field;     /* NULL: none; "link": the Link header */
    const char *page_param;     /* NULL: none */
    int64_t timeout_ms;         /* per request; 0 = 30 s */
    int retries;                /* extra attempts on transient failures */
    int64_t max_bytes;          /* all bodies together; 0 = 64 MiB */
    int64_t max_pages;          /* 0 = 10,000 */
    const char *const *headers; /* "Name: value" lines (borrowed) */
    size_t nheaders;
    int64_t backoff_ms; /* first retry delay; 0 = 200 ms (tests use less) */
} sm_http_opts_t;

typedef struct sm_http_result {
    uint8_t *jsonl; /* the records as JSON lines (owned: sm_free); never NULL on success */
    size_t len;
    uint64_t records;
    uint64_t pages;
    uint64_t bytes;    /* response bytes received */
    uint64_t attempts; /* requests made, retries included */
} sm_http_result_t;

/* Fetches every page of url.  On failure nothing is returned (out zeroed). */
sm_err_t sm_http_fetch(const char *url, const sm_http_opts_t *opts, sm_http_result_t *out,
                       sm_error_t *e);

/* Parses one page body: appends its records as JSON lines to `out`, counts
 * them in *records, and, when next_field names a JSON field (not "link"),
 * stores that field's string value in next (NUL-terminated, truncated to
 * cap; "" when absent or null).  `name` prefixes errors ("page 3").
 * SM_ERR_PARSE with line:column for bytes that are neither form;
 * SM_ERR_LIMIT when out's limit is exceeded. */
sm_err_t sm_http_page_parse(const uint8_t *body, size_t len, const char *records_key,
                            const char *next_field, const char *name, sm_buf_t *out,
                            uint64_t *records, char *next, size_t cap, sm_error_t *e);

/* The rel="next" target of a Link header value (RFC 8288: comma-separated
 * <uri>; param=value[; ...] entries, rel may list several relations,
 * quoted or not, any case).  Copies it to next (truncated to cap) and
 * returns true when present. */
bool sm_http_link_next(const char *value, size_t len, char *next, size_t cap);

/* Resolves a possibly relative reference against base (absolute URL,
 * "/path", "?query" or "path" relative to base's directory) into out.
 * false when the result does not fit or base is not absolute. */
bool sm_http_resolve(const char *base, const char *ref, char *out, size_t cap);

#endif
