/* store/s3_http — one S3 request over libcurl: URL, SigV4 signing (curl's
 * CURLOPT_AWS_SIGV4), response capture, retries with backoff and jitter.
 *
 * Signing notes for libcurl 7.88: it signs host, x-amz-date and the
 * x-amz-* headers we add, and takes the query string as it is in the URL
 * as the canonical query, so callers pass queries already sorted and
 * encoded ("uploads=" rather than "uploads").  We send
 * "x-amz-content-sha256: UNSIGNED-PAYLOAD" (MinIO and S3 require the
 * header); the body is protected by TLS, and by Content-Length.  We never
 * add an empty header to suppress one (curl would sign it), so large PUTs
 * go with curl's own "Expect: 100-continue", waited for at most 1 s.
 *
 * A call may carry an on_body hook (s3_get.c's parallel gets): it runs at
 * the first bytes of a 2xx body, with the headers parsed, and may redirect
 * the rest of the body or fail the call.
 *
 * Handles: a store keeps up to SM_S3_POOL_MAX idle easy handles (each
 * with its live connections) under pool_mu; a request takes one, or makes
 * one, and gives it back.  Nothing else is shared between threads.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "store/s3_int.h"

#define BACKOFF_CAP_MS 5000

/* ---- handles ---- */

static CURL *pool_take(sm_s3_store_t *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->pool_mu);
    if (s->pool_count > 0)
        h = s->pool[--s->pool_count];
    pthread_mutex_unlock(&s->pool_mu);
    return h ? h : curl_easy_init();
}

static void pool_give(sm_s3_store_t *s, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&s->pool_mu);
    if (s->pool_count < SM_S3_POOL_MAX) {
        s->pool[s->pool_count++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->pool_mu);
    if (h)
        curl_easy_cleanup(h);
}

void sm_s3_pool_free(sm_s3_store_t *s)
{
    for (size_t i = 0; i < s->pool_count; i++)
        curl_easy_cleanup(s->pool[i]);
    s->pool_count = 0;
}

/* ---- buffers ---- */

void sm_s3_huge_pages(void *p, size_t n)
{
    const uintptr_t huge = 2u * 1024 * 1024;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
}

/* ---- names ---- */

char *sm_s3_full_key(const sm_s3_store_t *s, const char *key)
{
    size_t a = strlen(s->prefix), b = strlen(key);
    char *k = sm_malloc(a + b + 2);
    if (!k)
        return NULL;
    memcpy(k, s->prefix, a);
    size_t o = a;
    if (a > 0)
        k[o++] = '/';
    memcpy(k + o, key, b + 1);
    return k;
}

void sm_s3_uri(const sm_s3_store_t *s, const char *key, char *buf, size_t cap)
{
    const char *p = s->prefix;
    if (!key)
        snprintf(buf, cap, "s3://%s%s%s", s->bucket, *p ? "/" : "", p);
    else
        snprintf(buf, cap, "s3://%s/%s%s%s", s->bucket, p, *p ? "/" : "", key);
}

/* base_url + "/" + encoded full key + "?" + query. */
static sm_err_t make_url(sm_s3_store_t *s, const sm_s3_call_t *c, sm_buf_t *url, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_str(url, s->base_url, e);
    if (!rc)
        rc = sm_buf_append_byte(url, '/', e);
    if (!rc && c->key) {
        char *full = sm_s3_full_key(s, c->key);
        rc =
            full ? sm_s3_url_encode(url, full, strlen(full), true, e) : sm_error_nomem(e, "S3 key");
        sm_free(full);
    }
    if (!rc && c->query && *c->query)
        rc = sm_buf_printf(url, e, "?%s", c->query);
    return rc;
}

/* ---- response capture ---- */

typedef struct xfer {
    sm_s3_call_t *c;
    CURL *h;
    sm_buf_t err;    /* error body (bounded, cut silently) */
    size_t body_off; /* upload cursor */
    bool over_limit;
    bool overflow_dst; /* a ranged reply longer than asked */
    sm_err_t nomem;
    bool hooked;      /* on_body ran in this attempt */
    sm_err_t hook_rc; /* its failure, with hook_err */
    sm_error_t hook_err;
} xfer;

static void read_headers(xfer *x);

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    sm_s3_call_t *c = x->c;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300 || c->error_in_200) {
        size_t room = SM_S3_ERRBODY_MAX - x->err.len;
        size_t k = n < room ? n : room;
        if (k > 0 && sm_buf_append(&x->err, ptr, k, NULL) != SM_OK)
            x->nomem = SM_ERR_NOMEM;
        return n;
    }
    if (c->on_body && !x->hooked) {
        x->hooked = true;
        c->status = status;
        read_headers(x);
        sm_error_clear(&x->hook_err);
        if ((x->hook_rc = c->on_body(c, c->on_body_arg, &x->hook_err)) != SM_OK)
            return 0;
    }
    if (c->dst) {
        const char *p = ptr;
        size_t left = n;
        if (status == 200 && c->dst_skip > 0) { /* the server ignored Range */
            size_t drop = c->dst_skip < left ? (size_t)c->dst_skip : left;
            c->dst_skip -= drop;
            p += drop;
            left -= drop;
        }
        size_t room = c->dst_len - c->got;
        if (left > room) {
            if (status == 206) {
                x->overflow_dst = true;
                return 0;
            }
            left = room; /* a 200 carries the rest of the object: drop it */
        }
        memcpy(c->dst + c->got, p, left);
        c->got += left;
        return n;
    }
    if (c->out) {
        if (c->out_max && c->out->len + n > c->out_max) {
            x->over_limit = true;
            return 0;
        }
        sm_error_t sub;
        curl_off_t cl = -1;
        if (c->out->len == 0 &&
            curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
            cl > 0 && (!c->out_max || (uint64_t)cl <= c->out_max) && (uint64_t)cl < SIZE_MAX) {
            if (sm_buf_reserve(c->out, (size_t)cl, NULL) == SM_OK) /* one allocation */
                sm_s3_huge_pages(c->out->data, (size_t)cl);
        }
        sm_err_t rc = sm_buf_append(c->out, ptr, n, &sub);
        if (rc) {
            if (rc == SM_ERR_LIMIT)
                x->over_limit = true;
            else
                x->nomem = rc;
            return 0;
        }
    }
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t room = size * nitems, left = x->c->body_len - x->body_off;
    size_t k = left < room ? left : room;
    if (k > 0)
        memcpy(buf, (const char *)x->c->body + x->body_off, k);
    x->body_off += k;
    return k;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
    xfer *x = ud;
    if (origin != SEEK_SET || off < 0 || (uint64_t)off > x->c->body_len)
        return CURL_SEEKFUNC_FAIL;
    x->body_off = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static const char *header(CURL *h, const char *name)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd)
        return NULL;
    return hd->value;
}

static void read_headers(xfer *x)
{
    sm_s3_call_t *c = x->c;
    const char *v;
    curl_off_t cl = -1;
    if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0) {
        c->content_length = (uint64_t)cl;
        c->has_length = true;
    }
    if ((v = header(x->h, "Last-Modified"))) {
        time_t t = curl_getdate(v, NULL);
        if (t != -1)
            c->mtime_ms = (int64_t)t * 1000;
    }
    if ((v = header(x->h, "ETag"))) {
        size_t n = strlen(v);
        if (n >= sizeof c->etag)
            n = sizeof c->etag - 1;
        memcpy(c->etag, v, n);
        c->etag[n] = '\0';
    }
    if ((v = header(x->h, "Content-Range"))) { /* "bytes a-b/N", or "bytes *\/N" on a 416 */
        const char *slash = strrchr(v, '/');
        if (slash && slash[1] >= '0' && slash[1] <= '9') {
            char *end = NULL;
            unsigned long long t = strtoull(slash + 1, &end, 10);
            if (end && (*end == '\0' || *end == ' ' || *end == '\r')) {
                c->range_total = t;
                c->has_range_total = true;
            }
        }
    }
}

/* ---- one attempt ---- */

static sm_err_t setup(sm_s3_store_t *s, xfer *x, const char *url, struct curl_slist **hdrs,
                      sm_error_t *e)
{
    CURL *h = x->h;
    sm_s3_call_t *c = x->c;
    curl_easy_reset(h);
    struct curl_slist *l = NULL, *t;
    char line[256];
#define ADD(str)                                                                                   \
    do {                                                                                           \
        if (!(t = curl_slist_append(l, (str))))                                                    \
            goto nomem;                                                                            \
        l = t;                                                                                     \
    } while (0)
    ADD("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (s->token) {
        /* built on the heap: the token may be long */
        size_t n = strlen(s->token) + 32;
        char *tl = sm_malloc(n);
        if (!tl)
            goto nomem;
        snprintf(tl, n, "x-amz-security-token: %s", s->token);
        t = curl_slist_append(l, tl);
        sm_free(tl);
        if (!t)
            goto nomem;
        l = t;
    }
    if (c->range) {
        snprintf(line, sizeof line, "Range: %s", c->range);
        ADD(line);
    }
    if (c->if_none_match)
        ADD("If-None-Match: *");
    if (c->if_match) {
        snprintf(line, sizeof line, "If-Match: %s", c->if_match);
        ADD(line);
    }
    if (c->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", c->content_type);
        ADD(line);
    }
#undef ADD
    *hdrs = l;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "smelt/" SMELT_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (s->stall_timeout_ms + 999) / 1000);
    if (s->request_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    if (s->tls_no_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (s->key_id) {
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, s->key_id);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    /* big reads: fewer callbacks and syscalls per MiB (curl's default is 16 KiB) */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    const char *m = c->method;
    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->body_len);
    } else if (strcmp(m, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body ? (const char *)c->body : "");
    } else if (strcmp(m, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    return SM_OK;
nomem:
    curl_slist_free_all(l);
    return sm_error_nomem(e, "S3 request headers");
}

static void reset_response(sm_s3_call_t *c, uint64_t skip0)
{
    c->status = 0;
    c->got = 0;
    c->dst_skip = skip0;
    c->content_length = 0;
    c->has_length = false;
    c->mtime_ms = 0;
    c->range_total = 0;
    c->has_range_total = false;
    c->etag[0] = c->code[0] = c->message[0] = '\0';
    c->over_limit = false;
    if (c->out)
        sm_buf_reset(c->out);
}

static bool curl_retriable(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_SEND_FAIL_REWIND:
        return true;
    default:
        return false;
    }
}

static uint64_t rnd64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint64_t)sm_clock_mono_ns() * 0x9E3779B97F4A7C15ull;
    return r;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

sm_err_t sm_s3_call_fail(sm_s3_store_t *s, const sm_s3_call_t *c, sm_error_t *e)
{
    char uri[SM_STORE_KEY_MAX + 128];
    sm_s3_uri(s, c->key, uri, sizeof uri);
    sm_s3_failure_t f = {.uri = uri,
                         .op = c->op ? c->op : c->method,
                         .attempts = c->attempts,
                         .status = c->status,
                         .code = c->code,
                         .message = c->message,
                         .bucket = s->bucket,
                         .key_id = s->key_id};
    return sm_s3_fail(e, &f);
}

sm_err_t sm_s3_call(sm_s3_store_t *s, sm_s3_call_t *c, sm_error_t *e)
{
    sm_buf_t url = SM_BUF_INIT;
    xfer x = {.c = c};
    struct curl_slist *hdrs = NULL;
    uint64_t skip0 = c->dst_skip;
    int64_t t0 = sm_clock_mono_ns();
    sm_err_t rc = make_url(s, c, &url, e);
    if (rc)
        goto out;
    if (!(x.h = pool_take(s))) {
        rc = sm_error_nomem(e, "curl handle");
        goto out;
    }
    c->attempts = 0;
    for (;;) {
        char curl_msg[CURL_ERROR_SIZE] = "";
        reset_response(c, skip0);
        sm_buf_reset(&x.err);
        x.body_off = 0;
        x.over_limit = x.overflow_dst = x.hooked = false;
        x.nomem = x.hook_rc = SM_OK;
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if ((rc = setup(s, &x, (const char *)url.data, &hdrs, e)))
            goto out;
        curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, curl_msg);
        c->attempts++;
        CURLcode cc = curl_easy_perform(x.h);
        curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, NULL);
        if (x.hook_rc) {
            rc = x.hook_rc;
            if (e)
                *e = x.hook_err;
            goto out;
        }
        if (x.nomem) {
            rc = sm_error_nomem(e, "S3 response");
            goto out;
        }
        char uri[SM_STORE_KEY_MAX + 128];
        sm_s3_uri(s, c->key, uri, sizeof uri);
        if (x.over_limit) {
            c->over_limit = true;
            rc = sm_error_set(e, SM_ERR_LIMIT, "%s: %s: the object is larger than %zu bytes", uri,
                              c->op ? c->op : c->method, c->out_max ? c->out_max : c->out->limit);
            goto out;
        }
        if (x.overflow_dst) {
            rc = sm_error_set(e, SM_ERR_CORRUPT,
                              "%s: %s: the server sent more than the %zu bytes "
                              "asked for",
                              uri, c->op ? c->op : c->method, c->dst_len);
            goto out;
        }
        bool retry;
        if (cc != CURLE_OK) {
            retry = curl_retriable(cc);
            if (!retry || c->attempts >= s->max_attempts) {
                char net[CURL_ERROR_SIZE + 64];
                snprintf(net, sizeof net, "%s", *curl_msg ? curl_msg : curl_easy_strerror(cc));
                sm_s3_failure_t f = {.uri = uri,
                                     .op = c->op ? c->op : c->method,
                                     .attempts = c->attempts,
                                     .net = net,
                                     .timed_out = cc == CURLE_OPERATION_TIMEDOUT};
                rc = sm_s3_fail(e, &f);
                if (e)
                    e->retriable = retry;
                goto out;
            }
        } else {
            curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &c->status);
            read_headers(&x);
            const char *body = x.err.data ? (const char *)x.err.data : "";
            bool is_err = c->status < 200 || c->status >= 300 ||
                          (c->error_in_200 && memmem(body, x.err.len, "<Error>", 7));
            if (is_err) {
                sm_s3_xml_get(body, x.err.len, "Code", c->code, sizeof c->code);
                sm_s3_xml_get(body, x.err.len, "Message", c->message, sizeof c->message);
                if (c->status == 200) /* an error hidden in a 200 */
                    c->status = 500;
            }
            retry = is_err && sm_s3_status_retriable(c->status, c->code);
            if (!retry)
                break;
            if (c->attempts >= s->max_attempts) {
                rc = sm_s3_call_fail(s, c, e);
                goto out;
            }
        }
        long pause = sm_s3_backoff_ms(c->attempts, s->retry_base_ms, BACKOFF_CAP_MS, rnd64());
        int64_t spent_ms = (sm_clock_mono_ns() - t0) / 1000000;
        if (spent_ms + pause > s->retry_budget_ms) {
            /* out of time: report what the last attempt saw */
            if (cc == CURLE_OK) {
                rc = sm_s3_call_fail(s, c, e);
            } else {
                sm_s3_failure_t f = {.uri = uri,
                                     .op = c->op ? c->op : c->method,
                                     .attempts = c->attempts,
                                     .net = *curl_msg ? curl_msg : curl_easy_strerror(cc),
                                     .timed_out = cc == CURLE_OPERATION_TIMEDOUT};
                rc = sm_s3_fail(e, &f);
            }
            if (e) {
                size_t n = strlen(e->msg);
                snprintf(e->msg + n, sizeof e->msg - n, " (gave up retrying after %" PRId64 " ms)",
                         spent_ms);
            }
            goto out;
        }
        sleep_ms(pause);
    }
out:
    curl_slist_free_all(hdrs);
    if (x.h) {
        curl_easy_reset(x.h);
        pool_give(s, x.h);
    }
    sm_buf_free(&x.err);
    sm_buf_free(&url);
    return rc;
}
