/* store/s3 — the object store on S3 (AWS, MinIO, any S3-compatible server).
 *
 * Object <key> of a store at s3://bucket/prefix is the S3 object
 * "prefix/key" (just "key" for a whole bucket).  Settings come from
 * sm_store_opts_t, else the AWS_* environment (store.h).  Requests run in
 * s3_http.c (signing, retries); this file maps S3's answers onto the
 * store's semantics:
 *   get        GET; 404 NoSuchKey → SM_ERR_NOT_FOUND; large objects in
 *              parallel ranges (s3_get.c)
 *   get_range  GET with Range (parallel ranges above get_split bytes); 206
 *              (or a 200 whose head we keep); 416 past
 *              the end → 0 bytes (a short read)
 *   put        PUT; put_if_absent adds If-None-Match: * (412 →
 *              SM_ERR_EXISTS; 409 ConditionalRequestConflict is retried)
 *   head       HEAD; delete DELETE (204 and 404 both fine)
 *   list       ListObjectsV2 with start-after (next_token = last key), keys
 *              url-encoded by the server and decoded here
 * Keys S3 returns that break our key rules ("a//b", "dir/") are not listed.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/s3_int.h"

#define DEFAULT_PART (8u * 1024 * 1024)
#define MIN_PART (5u * 1024 * 1024)
#define MAX_PART (5ull * 1024 * 1024 * 1024)
#define DEFAULT_GET_SPLIT (16u * 1024 * 1024)
#define MIN_GET_PART (64u * 1024)

static const sm_store_ops_t s3_ops;

static sm_s3_store_t *S3(sm_store_t *st)
{
    return (sm_s3_store_t *)st;
}

static void uri_of(sm_s3_store_t *s, const char *key, char *buf, size_t cap)
{
    sm_s3_uri(s, key, buf, cap);
}

/* ---- objects ---- */

sm_err_t sm_s3_not_found(sm_s3_store_t *s, const char *key, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no object '%s'", s->base.location, key);
}

bool sm_s3_missing_key(const sm_s3_call_t *c)
{
    return c->status == 404 && strcmp(c->code, "NoSuchBucket") != 0;
}

static sm_err_t s3_get(sm_store_t *st, const char *key, size_t max_bytes, sm_buf_t *out,
                       sm_error_t *e)
{
    return sm_s3_get_object(S3(st), key, max_bytes, out, e);
}

static sm_err_t s3_head(sm_store_t *st, const char *key, sm_store_info_t *out, sm_error_t *e)
{
    sm_s3_store_t *s = S3(st);
    sm_s3_call_t c = {.method = "HEAD", .key = key};
    sm_err_t rc = sm_s3_call(s, &c, e);
    if (rc)
        return rc;
    if (c.status == 200) {
        out->size = c.content_length;
        out->mtime_ms = c.mtime_ms;
        return SM_OK;
    }
    return sm_s3_missing_key(&c) ? sm_s3_not_found(s, key, e) : sm_s3_call_fail(s, &c, e);
}

static sm_err_t s3_get_range(sm_store_t *st, const char *key, uint64_t offset, size_t len,
                             void *dst, size_t *got, uint64_t *size, sm_error_t *e)
{
    sm_s3_store_t *s = S3(st);
    *got = 0;
    if (len == 0) { /* nothing to read: still say whether the object exists */
        sm_store_info_t info;
        sm_err_t rc = s3_head(st, key, &info, e);
        if (!rc)
            *size = info.size;
        return rc;
    }
    if (offset > UINT64_MAX - len) {
        char uri[SM_STORE_KEY_MAX + 128];
        uri_of(s, key, uri, sizeof uri);
        return sm_error_set(e, SM_ERR_INVALID, "%s: range %llu+%zu overflows", uri,
                            (unsigned long long)offset, len);
    }
    if (len > s->get_split) { /* parallel ranges (s3_get.c) */
        bool fallback = false;
        sm_err_t rc = sm_s3_get_range_split(s, key, offset, len, dst, got, size, &fallback, e);
        if (rc || !fallback)
            return rc;
    }
    char range[64];
    snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)offset,
             (unsigned long long)(offset + len - 1));
    sm_s3_call_t c = {.method = "GET",
                      .key = key,
                      .range = range,
                      .dst = dst,
                      .dst_len = len,
                      .dst_skip = offset};
    sm_err_t rc = sm_s3_call(s, &c, e);
    if (rc)
        return rc;
    if (c.status == 206 || c.status == 200) {
        *got = c.got;
        *size = c.has_range_total ? c.range_total : c.status == 200 ? c.content_length : 0;
        if (c.status == 206 && c.got < len && c.has_range_total &&
            c.got != (size_t)(c.range_total - offset)) {
            char uri[SM_STORE_KEY_MAX + 128];
            uri_of(s, key, uri, sizeof uri);
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "%s: ranged GET returned %zu bytes, expected %llu", uri, c.got,
                                (unsigned long long)(c.range_total - offset));
        }
        return SM_OK;
    }
    if (c.status == 416) { /* offset at or past the end */
        *size = c.has_range_total ? c.range_total : offset;
        return SM_OK;
    }
    return sm_s3_missing_key(&c) ? sm_s3_not_found(s, key, e) : sm_s3_call_fail(s, &c, e);
}

static sm_err_t s3_put(sm_store_t *st, const char *key, const void *data, size_t n, bool if_absent,
                       sm_error_t *e)
{
    sm_s3_store_t *s = S3(st);
    sm_s3_call_t c = {.method = "PUT",
                      .key = key,
                      .body = data,
                      .body_len = n,
                      .if_none_match = if_absent,
                      .op = if_absent ? "PUT (if absent)" : "PUT"};
    sm_err_t rc = sm_s3_call(s, &c, e);
    if (rc)
        return rc;
    if (c.status == 200 || c.status == 201 || c.status == 204)
        return SM_OK;
    if (if_absent && c.status == 412)
        return sm_error_set(e, SM_ERR_EXISTS, "%s: object '%s' already exists", s->base.location,
                            key);
    return sm_s3_call_fail(s, &c, e);
}

static sm_err_t s3_del(sm_store_t *st, const char *key, sm_error_t *e)
{
    sm_s3_store_t *s = S3(st);
    sm_s3_call_t c = {.method = "DELETE", .key = key};
    sm_err_t rc = sm_s3_call(s, &c, e);
    if (rc)
        return rc;
    if (c.status == 204 || c.status == 200 || sm_s3_missing_key(&c))
        return SM_OK;
    return sm_s3_call_fail(s, &c, e);
}

/* ---- listing ---- */

static sm_err_t query_param(sm_buf_t *q, const char *name, const char *value, sm_error_t *e)
{
    sm_err_t rc = sm_buf_printf(q, e, "%s%s=", q->len ? "&" : "", name);
    return rc ? rc : sm_s3_url_encode(q, value, strlen(value), false, e);
}

/* Moves the entries under the store's prefix into out (keys relative). */
static sm_err_t take_entries(sm_s3_store_t *s, sm_s3_listing_t *l, sm_store_list_t *out,
                             sm_error_t *e)
{
    size_t plen = strlen(s->prefix);
    if (l->count > 0 && !(out->entries = sm_calloc(l->count, sizeof *out->entries)))
        return sm_error_nomem(e, "list entries");
    for (size_t i = 0; i < l->count; i++) {
        sm_store_entry_t *src = &l->entries[i];
        const char *k = src->key;
        if (plen > 0) {
            if (strncmp(k, s->prefix, plen) != 0 || k[plen] != '/')
                continue;
            k += plen + 1;
        }
        if (sm_store_key_check(k, strlen(k), NULL) != SM_OK)
            continue;
        sm_store_entry_t *dst = &out->entries[out->count];
        if (!(dst->key = sm_strdup(k)))
            return sm_error_nomem(e, "list key");
        dst->size = src->size;
        dst->mtime_ms = src->mtime_ms;
        out->count++;
    }
    return SM_OK;
}

static sm_err_t s3_list(sm_store_t *st, const char *prefix, const char *after, size_t max_keys,
                        sm_store_list_t *out, sm_error_t *e)
{
    sm_s3_store_t *s = S3(st);
    sm_buf_t q = SM_BUF_INIT, body = SM_BUF_INIT;
    sm_s3_listing_t l = {0};
    char *full_prefix = NULL, *full_after = NULL;
    char num[32];
    sm_err_t rc;
    if (*s->prefix)
        full_prefix = sm_s3_full_key(s, prefix); /* "root/" + prefix */
    else
        full_prefix = sm_strdup(prefix);
    if (after)
        full_after = sm_s3_full_key(s, after);
    if (!full_prefix || (after && !full_after)) {
        rc = sm_error_nomem(e, "list");
        goto out;
    }
    snprintf(num, sizeof num, "%zu", max_keys);
    /* parameters in canonical (sorted) order: curl 7.88 signs the query as is */
    rc = query_param(&q, "encoding-type", "url", e);
    if (!rc)
        rc = query_param(&q, "list-type", "2", e);
    if (!rc)
        rc = query_param(&q, "max-keys", num, e);
    if (!rc && *full_prefix)
        rc = query_param(&q, "prefix", full_prefix, e);
    if (!rc && full_after)
        rc = query_param(&q, "start-after", full_after, e);
    if (rc)
        goto out;
    sm_s3_call_t c = {.method = "GET",
                      .op = "ListObjectsV2",
                      .query = (const char *)q.data,
                      .out = &body,
                      .out_max = SM_S3_XMLBODY_MAX};
    if ((rc = sm_s3_call(s, &c, e)))
        goto out;
    if (c.status != 200) {
        rc = sm_s3_call_fail(s, &c, e);
        goto out;
    }
    rc = sm_s3_parse_list(body.data ? (const char *)body.data : "", body.len, max_keys, &l, e);
    if (rc) {
        char uri[SM_STORE_KEY_MAX + 128];
        uri_of(s, NULL, uri, sizeof uri);
        sm_error_wrap(e, "%s: listing '%s'", uri, prefix);
        goto out;
    }
    if ((rc = take_entries(s, &l, out, e)))
        goto out;
    if (l.truncated) {
        size_t plen = strlen(s->prefix);
        const char *last = l.last_key;
        if (!last || (plen > 0 && (strncmp(last, s->prefix, plen) != 0 || last[plen] != '/'))) {
            rc = sm_error_set(e, SM_ERR_CORRUPT,
                              "%s: ListObjectsV2 says more keys follow but returned none",
                              s->base.location);
            goto out;
        }
        out->truncated = true;
        if (!(out->next_token = sm_strdup(plen > 0 ? last + plen + 1 : last)))
            rc = sm_error_nomem(e, "list token");
    }
out:
    sm_s3_listing_free(&l);
    sm_buf_free(&q);
    sm_buf_free(&body);
    sm_free(full_prefix);
    sm_free(full_after);
    return rc;
}

/* ---- opening ---- */

static void s3_close(sm_store_t *st)
{
    sm_s3_store_t *s = S3(st);
    sm_s3_pool_free(s);
    pthread_mutex_destroy(&s->pool_mu);
    sm_free(s->pool);
    sm_free(s->bucket);
    sm_free(s->prefix);
    sm_free(s->base_url);
    sm_free(s->region);
    sm_free(s->key_id);
    if (s->secret) {
        explicit_bzero(s->secret, strlen(s->secret));
        sm_free(s->secret);
    }
    if (s->token) {
        explicit_bzero(s->token, strlen(s->token));
        sm_free(s->token);
    }
    sm_free(s->sigv4);
    sm_free(s->base.location);
    sm_free(s);
}

static const sm_store_ops_t s3_ops = {
    .get = s3_get,
    .get_range = s3_get_range,
    .put = s3_put,
    .head = s3_head,
    .del = s3_del,
    .list = s3_list,
    .writer_open = sm_s3_writer_open,
    .close = s3_close,
};

/* opts value, else the first set environment variable, else NULL; "" is
 * "none". */
static const char *setting(const char *opt, const char *env1, const char *env2)
{
    const char *v = opt;
    if (!v && env1)
        v = getenv(env1);
    if (!v && env2)
        v = getenv(env2);
    if (!v || !*v)
        return NULL;
    return v;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static sm_err_t dup_opt(char **dst, const char *src, sm_error_t *e)
{
    if (!src)
        return SM_OK;
    return (*dst = sm_strdup(src)) ? SM_OK : sm_error_nomem(e, "S3 store");
}

static sm_err_t check_region(const char *region, sm_error_t *e)
{
    size_t n = strlen(region);
    if (n == 0 || n > 64 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
        return sm_error_set(e, SM_ERR_INVALID, "S3 region '%.64s' is not a region name", region);
    return SM_OK;
}

/* Builds base_url from the endpoint (or AWS) and the addressing style. */
static sm_err_t make_base(sm_s3_store_t *s, const char *endpoint, sm_store_s3_style_t style,
                          sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc;
    bool dotted = strchr(s->bucket, '.') != NULL;
    if (endpoint) {
        size_t n = strlen(endpoint);
        while (n > 0 && endpoint[n - 1] == '/')
            n--;
        size_t scheme = strncmp(endpoint, "http://", 7) == 0    ? 7
                        : strncmp(endpoint, "https://", 8) == 0 ? 8
                                                                : 0;
        if (strchr(endpoint, '@')) /* do not echo it: it may hold a password */
            return sm_error_set(e, SM_ERR_INVALID,
                                "S3 endpoint must not hold user info ('user:password@'): give "
                                "credentials as access key id and secret");
        if (!scheme || n <= scheme || strpbrk(endpoint, "?# \t\r\n"))
            return sm_error_set(e, SM_ERR_INVALID,
                                "S3 endpoint '%.200s' must be an http:// or https:// URL without "
                                "query or fragment",
                                endpoint);
        if (style == SM_STORE_S3_VIRTUAL)
            rc = sm_buf_printf(&b, e, "%.*s%s.%.*s", (int)scheme, endpoint, s->bucket,
                               (int)(n - scheme), endpoint + scheme);
        else
            rc = sm_buf_printf(&b, e, "%.*s/%s", (int)n, endpoint, s->bucket);
    } else if (style == SM_STORE_S3_PATH || (style == SM_STORE_S3_AUTO && dotted)) {
        rc = sm_buf_printf(&b, e, "https://s3.%s.amazonaws.com/%s", s->region, s->bucket);
    } else {
        rc = sm_buf_printf(&b, e, "https://%s.s3.%s.amazonaws.com", s->bucket, s->region);
    }
    if (!rc)
        s->base_url = (char *)sm_buf_detach(&b, NULL);
    sm_buf_free(&b);
    return rc;
}

static sm_err_t apply_opts(sm_s3_store_t *s, const sm_store_opts_t *o, sm_error_t *e)
{
    const char *endpoint = setting(o->endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    const char *region = setting(o->region, "AWS_REGION", "AWS_DEFAULT_REGION");
    const char *key_id = setting(o->access_key_id, "AWS_ACCESS_KEY_ID", NULL);
    const char *secret = setting(o->secret_access_key, "AWS_SECRET_ACCESS_KEY", NULL);
    const char *token = setting(o->session_token, "AWS_SESSION_TOKEN", NULL);
    if (!region)
        region = "us-east-1";
    sm_err_t rc = check_region(region, e);
    if (rc)
        return rc;
    if (!key_id != !secret)
        return sm_error_set(e, SM_ERR_INVALID, "S3 credentials incomplete: %s is set but %s is not",
                            key_id ? "the access key id" : "the secret access key",
                            key_id ? "the secret access key" : "the access key id");
    if (o->part_size && (o->part_size < MIN_PART || o->part_size > MAX_PART))
        return sm_error_set(e, SM_ERR_INVALID, "S3 part size %zu is outside 5 MiB..5 GiB",
                            o->part_size);
    if (o->get_part_size && o->get_part_size < MIN_GET_PART)
        return sm_error_set(e, SM_ERR_INVALID, "S3 get part size %zu is below 64 KiB",
                            o->get_part_size);
    if ((rc = dup_opt(&s->region, region, e)) || (rc = dup_opt(&s->key_id, key_id, e)) ||
        (rc = dup_opt(&s->secret, secret, e)) || (rc = dup_opt(&s->token, token, e)))
        return rc;
    size_t n = strlen(region) + 16;
    if (!(s->sigv4 = sm_malloc(n)))
        return sm_error_nomem(e, "S3 store");
    snprintf(s->sigv4, n, "aws:amz:%s:s3", region);
    s->tls_no_verify = o->tls_no_verify;
    s->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    s->stall_timeout_ms = o->stall_timeout_ms > 0 ? o->stall_timeout_ms : 30000;
    s->request_timeout_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : 0;
    s->max_attempts = o->max_attempts > 0 ? o->max_attempts : 5;
    s->retry_base_ms = o->retry_base_ms > 0 ? o->retry_base_ms : 100;
    s->retry_budget_ms = o->retry_budget_ms > 0 ? o->retry_budget_ms : 120000;
    s->part_size = o->part_size ? o->part_size : DEFAULT_PART;
    s->parts_in_flight = o->parts_in_flight > 0 ? o->parts_in_flight : 4;
    if (s->parts_in_flight > 64)
        s->parts_in_flight = 64;
    s->get_split = o->get_split_size ? o->get_split_size : DEFAULT_GET_SPLIT;
    s->get_part = o->get_part_size ? o->get_part_size : DEFAULT_PART;
    return make_base(s, endpoint, o->style, e);
}

sm_err_t sm_store_s3_new(const char *bucket, const char *prefix, const sm_store_opts_t *opts,
                         sm_store_t **out, sm_error_t *e)
{
    static const sm_store_opts_t defaults = {0};
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return sm_error_set(e, SM_ERR_IO, "curl_global_init failed: %s",
                            curl_easy_strerror(curl_init_rc));
    sm_s3_store_t *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "S3 store");
    if (pthread_mutex_init(&s->pool_mu, NULL) != 0) {
        sm_free(s);
        return sm_error_set(e, SM_ERR_IO, "S3 store: pthread_mutex_init failed");
    }
    s->base.ops = &s3_ops;
    sm_err_t rc = SM_OK;
    if (!(s->bucket = sm_strdup(bucket)) || !(s->prefix = sm_strdup(prefix ? prefix : "")) ||
        !(s->pool = sm_calloc(SM_S3_POOL_MAX, sizeof *s->pool))) {
        rc = sm_error_nomem(e, "S3 store");
        goto out;
    }
    size_t n = strlen(bucket) + strlen(s->prefix) + 8;
    if (!(s->base.location = sm_malloc(n))) {
        rc = sm_error_nomem(e, "S3 store");
        goto out;
    }
    snprintf(s->base.location, n, "s3://%s%s%s", bucket, *s->prefix ? "/" : "", s->prefix);
    rc = apply_opts(s, opts ? opts : &defaults, e);
out:
    if (rc) {
        s3_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return SM_OK;
}
