/* store/s3_get — large gets of the S3 store, in parallel ranged GETs.
 *
 * A get that may be larger than s->get_split bytes (a whole object, or a
 * range of more than that) starts with one GET of its first get_split
 * bytes.  When that reply's first bytes arrive (the on_body hook, in the
 * caller's thread), its Content-Range tells the object's size.  If there
 * is more to read, the destination is allocated once at its full size
 * (whole gets) and up to parts_in_flight-1 threads fetch the rest in
 * ranges of get_part bytes, each range straight into its slice of the
 * destination, taking the next range from a shared cursor; meanwhile the
 * first reply streams into the front slice.  When the first GET ends, the
 * calling thread takes ranges too, then joins the threads.  An object that
 * fits the first GET costs one request, as a plain GET does.
 *
 * Consistency: every later range, and every retry of the first GET,
 * carries If-Match with the first reply's ETag, and every reply must name
 * the same object size, so an object replaced during the read fails with
 * SM_ERR_IO ("changed while it was read", marked retriable): never a mix
 * of old and new bytes.  A server that ignores Range (a 200) or sends no
 * ETag gets one plain GET instead.  Each range is one sm_s3_call, so it is
 * retried on its own under the store's backoff rules.
 *
 * Threads: the range threads touch only their own slices, the cursor and
 * first error (under mu) and the store's handle pool (locked).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "store/s3_int.h"

#define MAX_THREADS 63 /* parts_in_flight is at most 64 */

typedef struct pget {
    sm_s3_store_t *s;
    const char *key;
    uint64_t start;    /* object offset of the first byte wanted */
    uint64_t want_end; /* exclusive end asked for (UINT64_MAX: the whole object) */
    size_t first_len;  /* bytes the first GET asks for */
    size_t max_bytes;  /* whole gets: limit (0 = out->limit only) */
    sm_buf_t *out;     /* whole gets: the destination */
    uint8_t *dst;      /* range gets: the destination */
    /* what the first reply told */
    bool known;     /* a 206 with Content-Range arrived */
    bool no_split;  /* it had no ETag: no parallel ranges */
    uint64_t total; /* object size */
    uint64_t end;   /* exclusive end of what is read */
    uint8_t *base;  /* where byte `start` goes */
    char etag[128];
    /* the ranges after the first */
    pthread_mutex_t mu;
    uint64_t next; /* offset of the next range to take */
    bool stop;
    sm_err_t rc; /* first failure of a range, with err */
    sm_error_t err;
    pthread_t threads[MAX_THREADS];
    int nthreads;
} pget;

static sm_err_t changed(pget *g, sm_error_t *e)
{
    char uri[SM_STORE_KEY_MAX + 128];
    sm_s3_uri(g->s, g->key, uri, sizeof uri);
    sm_err_t rc = sm_error_set(e, SM_ERR_IO,
                               "%s: the object changed while it was read (ETag %s no longer "
                               "matches); read it again",
                               uri, g->etag);
    if (e)
        e->retriable = true;
    return rc;
}

/* One range [off, off+n) into its slice, If-Match the first reply. */
static sm_err_t fetch_range(pget *g, uint64_t off, size_t n, sm_error_t *e)
{
    char range[64];
    snprintf(range, sizeof range, "bytes=%" PRIu64 "-%" PRIu64, off, off + n - 1);
    sm_s3_call_t c = {.method = "GET",
                      .key = g->key,
                      .range = range,
                      .if_match = g->etag,
                      .dst = g->base + (off - g->start),
                      .dst_len = n,
                      .dst_skip = off};
    sm_err_t rc = sm_s3_call(g->s, &c, e);
    if (rc)
        return rc;
    if (c.status == 412 || sm_s3_missing_key(&c))
        return changed(g, e);
    if (c.status != 206 && c.status != 200)
        return sm_s3_call_fail(g->s, &c, e);
    uint64_t size =
        c.status == 206 ? (c.has_range_total ? c.range_total : UINT64_MAX) : c.content_length;
    if (size != g->total || (c.etag[0] && strcmp(c.etag, g->etag) != 0))
        return changed(g, e);
    if (c.got != n) {
        char uri[SM_STORE_KEY_MAX + 128];
        sm_s3_uri(g->s, g->key, uri, sizeof uri);
        return sm_error_set(e, SM_ERR_CORRUPT, "%s: ranged GET %s returned %zu bytes", uri, range,
                            c.got);
    }
    return SM_OK;
}

/* Takes ranges from the cursor until none is left or one failed. */
static void take_ranges(pget *g)
{
    for (;;) {
        pthread_mutex_lock(&g->mu);
        if (g->stop || g->next >= g->end) {
            pthread_mutex_unlock(&g->mu);
            return;
        }
        uint64_t off = g->next;
        size_t n = g->end - off < g->s->get_part ? (size_t)(g->end - off) : g->s->get_part;
        g->next += n;
        pthread_mutex_unlock(&g->mu);
        sm_error_t sub;
        sm_err_t rc = fetch_range(g, off, n, &sub);
        if (rc) {
            pthread_mutex_lock(&g->mu);
            if (!g->rc) {
                g->rc = rc;
                g->err = sub;
            }
            g->stop = true;
            pthread_mutex_unlock(&g->mu);
            return;
        }
    }
}

static void *range_thread(void *arg)
{
    take_ranges(arg);
    return NULL;
}

/* The on_body hook of the first GET: learns the size, makes room, points
 * the reply at its slice and starts the range threads. */
static sm_err_t first_body(sm_s3_call_t *c, void *arg, sm_error_t *e)
{
    pget *g = arg;
    if (c->status != 206 || !c->has_range_total)
        return SM_OK; /* a 200: the whole object comes in this reply */
    if (g->known) {   /* a retry of the first GET, with If-Match */
        if (c->range_total != g->total)
            return changed(g, e);
        if (g->out)
            c->dst_len =
                (size_t)(g->end - g->start < g->first_len ? g->end - g->start : g->first_len);
        return SM_OK;
    }
    g->known = true;
    g->total = c->range_total;
    g->end = g->want_end < g->total ? g->want_end : g->total;
    if (!c->etag[0] || strcspn(c->etag, "\r\n\t") != strlen(c->etag))
        g->no_split = true; /* nothing (usable) to hold the later ranges to */
    if (g->out) {
        char uri[SM_STORE_KEY_MAX + 128];
        size_t limit = g->max_bytes ? g->max_bytes : g->out->limit;
        if ((limit && g->total > limit) || g->total >= SIZE_MAX) {
            sm_s3_uri(g->s, g->key, uri, sizeof uri);
            return sm_error_set(e, SM_ERR_LIMIT, "%s: GET: the object is larger than %zu bytes",
                                uri, limit ? limit : (size_t)SIZE_MAX - 1);
        }
        if (!g->no_split) {
            sm_err_t rc = sm_buf_reserve(g->out, (size_t)g->total, e); /* len is 0 here */
            if (rc) {
                sm_s3_uri(g->s, g->key, uri, sizeof uri);
                sm_error_wrap(e, "%s: GET of %" PRIu64 " bytes", uri, g->total);
                return rc;
            }
            sm_s3_huge_pages(g->out->data, (size_t)g->total);
            /* from here on the reply goes straight into its slice */
            c->out = NULL;
            c->out_max = 0;
            c->dst = g->out->data;
            c->dst_len = (size_t)(g->total < g->first_len ? g->total : g->first_len);
            c->dst_skip = 0;
        }
        g->base = g->out->data;
    } else {
        g->base = g->dst;
    }
    memcpy(g->etag, c->etag, sizeof g->etag);
    g->etag[sizeof g->etag - 1] = '\0';
    if (g->no_split)
        return SM_OK;
    c->if_match = g->etag; /* a retry must see the same object */
    g->next = g->start + g->first_len;
    if (g->next >= g->end)
        return SM_OK;
    uint64_t parts = (g->end - g->next + g->s->get_part - 1) / g->s->get_part;
    int want = g->s->parts_in_flight - 1;
    if (want > MAX_THREADS)
        want = MAX_THREADS;
    if ((uint64_t)want > parts)
        want = (int)parts;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&g->threads[g->nthreads], NULL, range_thread, g) != 0)
            break; /* fewer threads: the caller's thread takes the rest */
        g->nthreads++;
    }
    return SM_OK;
}

/* Runs the first GET, the ranges and the joins.  On SM_OK the call's
 * status says what came: 206 (g->known: the ranges are all in), 200 (the
 * server ignored Range), or an error status for the caller to judge. */
static sm_err_t run(pget *g, sm_s3_call_t *c, sm_error_t *e)
{
    char range[64];
    snprintf(range, sizeof range, "bytes=%" PRIu64 "-%" PRIu64, g->start,
             g->start + g->first_len - 1);
    c->method = "GET";
    c->key = g->key;
    c->range = range;
    c->on_body = first_body;
    c->on_body_arg = g;
    sm_err_t rc = sm_s3_call(g->s, c, e);
    c->range = NULL;
    if (!rc && c->status == 206 && g->known && !g->no_split)
        take_ranges(g);
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_mutex_unlock(&g->mu);
    for (int i = 0; i < g->nthreads; i++)
        pthread_join(g->threads[i], NULL);
    g->nthreads = 0;
    if (rc)
        return rc;
    if (c->status == 206) {
        if (!g->known) {
            char uri[SM_STORE_KEY_MAX + 128];
            sm_s3_uri(g->s, g->key, uri, sizeof uri);
            return sm_error_set(e, SM_ERR_CORRUPT, "%s: ranged GET: a 206 without Content-Range",
                                uri);
        }
        if (g->rc) {
            if (e)
                *e = g->err;
            return g->rc;
        }
        uint64_t first_want = g->end - g->start < g->first_len ? g->end - g->start : g->first_len;
        size_t got = g->out && g->no_split ? g->out->len : c->got;
        if (got != first_want) {
            char uri[SM_STORE_KEY_MAX + 128];
            sm_s3_uri(g->s, g->key, uri, sizeof uri);
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "%s: ranged GET returned %zu bytes, expected %" PRIu64, uri, got,
                                first_want);
        }
    }
    return SM_OK;
}

static sm_err_t plain_get(sm_s3_store_t *s, const char *key, size_t max_bytes, sm_buf_t *out,
                          sm_error_t *e)
{
    sm_buf_reset(out);
    sm_s3_call_t c = {.method = "GET", .key = key, .out = out, .out_max = max_bytes};
    sm_err_t rc = sm_s3_call(s, &c, e);
    if (rc)
        return rc;
    if (c.status == 200)
        return SM_OK;
    return sm_s3_missing_key(&c) ? sm_s3_not_found(s, key, e) : sm_s3_call_fail(s, &c, e);
}

static sm_err_t pget_init(pget *g, sm_s3_store_t *s, const char *key, sm_error_t *e)
{
    memset(g, 0, sizeof *g);
    g->s = s;
    g->key = key;
    g->first_len = s->get_split;
    if (pthread_mutex_init(&g->mu, NULL) != 0)
        return sm_error_set(e, SM_ERR_IO, "%s: GET of '%s': pthread_mutex_init failed",
                            s->base.location, key);
    return SM_OK;
}

sm_err_t sm_s3_get_object(sm_s3_store_t *s, const char *key, size_t max_bytes, sm_buf_t *out,
                          sm_error_t *e)
{
    if (s->get_split == SIZE_MAX)
        return plain_get(s, key, max_bytes, out, e);
    pget g;
    sm_err_t rc = pget_init(&g, s, key, e);
    if (rc)
        return rc;
    g.want_end = UINT64_MAX;
    g.max_bytes = max_bytes;
    g.out = out;
    sm_buf_reset(out);
    sm_s3_call_t c = {.out = out, .out_max = max_bytes};
    if ((rc = run(&g, &c, e)))
        goto out;
    if (c.status == 206 && g.no_split && g.end > g.start + g.first_len) {
        rc = plain_get(s, key, max_bytes, out, e); /* no ETag: one GET */
    } else if (c.status == 206 && !g.no_split) {
        out->len = (size_t)g.total; /* every slice is in */
        out->data[out->len] = '\0';
    } else if (c.status == 416) { /* an empty object has no byte 0 */
        rc = plain_get(s, key, max_bytes, out, e);
    } else if (c.status != 206 && c.status != 200) {
        rc = sm_s3_missing_key(&c) ? sm_s3_not_found(s, key, e) : sm_s3_call_fail(s, &c, e);
    }
out:
    pthread_mutex_destroy(&g.mu);
    if (rc)
        sm_buf_reset(out);
    return rc;
}

sm_err_t sm_s3_get_range_split(sm_s3_store_t *s, const char *key, uint64_t offset, size_t len,
                               uint8_t *dst, size_t *got, uint64_t *size, bool *fallback,
                               sm_error_t *e)
{
    *got = 0;
    *fallback = false;
    pget g;
    sm_err_t rc = pget_init(&g, s, key, e);
    if (rc)
        return rc;
    g.start = offset;
    g.want_end = offset + len; /* the caller checked it does not overflow */
    g.dst = dst;
    sm_s3_call_t c = {.dst = dst, .dst_len = g.first_len, .dst_skip = offset};
    if ((rc = run(&g, &c, e)))
        goto out;
    if (c.status == 206) {
        if (g.no_split && g.end > g.start + g.first_len) {
            *fallback = true;
        } else {
            *got = (size_t)(g.end - g.start);
            *size = g.total;
        }
    } else if (c.status == 200) {
        *fallback = true;         /* the server ignored Range: we kept only the front */
    } else if (c.status == 416) { /* offset at or past the end */
        *size = c.has_range_total ? c.range_total : offset;
    } else {
        rc = sm_s3_missing_key(&c) ? sm_s3_not_found(s, key, e) : sm_s3_call_fail(s, &c, e);
    }
out:
    pthread_mutex_destroy(&g.mu);
    return rc;
}
