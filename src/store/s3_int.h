/*
 * store/s3_int — the S3 backend's private parts (src/store/ only).
 *
 * s3_util.c holds the pure pieces, tested without a server: key and query
 * encoding, the small XML scanner for S3 responses, ISO-8601 dates, the
 * retry schedule and the wording of errors.  s3_http.c runs one signed
 * request with retries on a pooled curl handle; s3.c is the store vtable;
 * s3_writer.c the multipart writer.
 *
 * Outside bytes: every XML body is scanned with hard limits (the body's
 * own size is bounded by the caller); scanners never read past `end` and
 * always advance, so corrupt input ends in SM_ERR_PARSE, never a hang.
 * Threads: everything here is reentrant; the store's handle pool is
 * mutex-guarded (s3_http.c).
 */
#ifndef SM_STORE_S3_INT_H
#define SM_STORE_S3_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_int.h"

/* The S3 backend; bucket and prefix as in sm_location_t, opts may be NULL
 * (all defaults, from the environment). */
sm_err_t sm_store_s3_new(const char *bucket, const char *prefix, const sm_store_opts_t *opts,
                         sm_store_t **out, sm_error_t *e);

/* ---- encoding (s3_util.c) ---- */

/* Appends s[0..n) percent-encoded as S3 wants: A-Z a-z 0-9 - _ . ~ stay,
 * '/' stays when keep_slash (paths) and is %2F otherwise (query values),
 * every other byte becomes %XX with upper-case hex. */
sm_err_t sm_s3_url_encode(sm_buf_t *out, const char *s, size_t n, bool keep_slash, sm_error_t *e);

/* Decodes %XX escapes (and '+' as a space when plus_space) of s[0..n) into
 * out.  A bad escape or a %00 is SM_ERR_PARSE naming the offset. */
sm_err_t sm_s3_url_decode(sm_buf_t *out, const char *s, size_t n, bool plus_space, sm_error_t *e);

/* ---- XML (s3_util.c) ---- */

/* Finds the next element <name>...</name> (or an empty <name/>) in [p, end) and
 * sets *body and *body_len to its raw content and *next just past it.  Only
 * an exact tag name matches (<Key> not <KeyMarker>); attributes are
 * skipped.  Returns false when there is none (or it is not closed). */
bool sm_s3_xml_find(const char *p, const char *end, const char *name, const char **body,
                    size_t *body_len, const char **next);

/* Appends the text of raw XML content to out: entities (&lt; &gt; &amp;
 * &quot; &apos; &#N; &#xH;) decoded, CDATA sections copied as they are.
 * An unknown or unterminated entity, a character reference that is not a
 * Unicode scalar value or is NUL, is SM_ERR_PARSE. */
sm_err_t sm_s3_xml_text(sm_buf_t *out, const char *s, size_t n, sm_error_t *e);

/* One parsed ListObjectsV2 page.  keys are full S3 keys (prefix
 * included), decoded; owned by the struct (sm_s3_listing_free). */
typedef struct sm_s3_listing {
    sm_store_entry_t *entries;
    size_t count;
    bool truncated;
    char *next_token; /* NextContinuationToken, NULL when absent */
    char *last_key;   /* the last <Key> seen (decoded), NULL when none */
} sm_s3_listing_t;

/* Parses a ListBucketResult.  Keys are url-decoded when the response says
 * <EncodingType>url</EncodingType>.  At most max_entries entries (more is
 * SM_ERR_LIMIT); a Contents without Key or with a bad Size or
 * LastModified is SM_ERR_PARSE.  On failure *out is empty. */
sm_err_t sm_s3_parse_list(const char *xml, size_t n, size_t max_entries, sm_s3_listing_t *out,
                          sm_error_t *e);
void sm_s3_listing_free(sm_s3_listing_t *l);

/* Copies the decoded text of the first <name> element into out (size
 * cap, NUL-terminated, cut if longer); returns false when absent. */
bool sm_s3_xml_get(const char *xml, size_t n, const char *name, char *out, size_t cap);

/* ---- time (s3_util.c) ---- */

/* "2009-10-12T17:50:30.000Z" (fraction optional, any digits; Z or
 * +hh:mm / -hh:mm) into ms since the epoch.  SM_ERR_PARSE otherwise. */
sm_err_t sm_s3_parse_iso8601(const char *s, size_t n, int64_t *ms, sm_error_t *e);

/* ---- retries (s3_util.c) ---- */

/* The pause before try number attempt+1 after `attempt` failed tries
 * (attempt >= 1): exp = base_ms * 2^(attempt-1), at most cap_ms; the
 * result is exp/2 + rnd % (exp/2 + 1) ("equal jitter"), so it lies in
 * [exp/2, exp]. */
long sm_s3_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t rnd);

/* True for an HTTP status (with S3 error code, may be "") worth retrying:
 * 500, 502, 503, 504, 429, 408, 400 RequestTimeout, SlowDown and
 * InternalError whatever the status, 409 ConditionalRequestConflict. */
bool sm_s3_status_retriable(long status, const char *code);

/* ---- errors (s3_util.c) ---- */

/* What went wrong with a request, for sm_s3_fail. */
typedef struct sm_s3_failure {
    const char *uri;     /* "s3://bucket/prefix/key" (or the bucket) */
    const char *op;      /* "GET", "PUT", "CreateMultipartUpload", ... */
    int attempts;        /* tries made */
    long status;         /* HTTP status; 0 when no response */
    const char *code;    /* S3 <Code>, "" when none */
    const char *message; /* S3 <Message>, "" when none */
    const char *net;     /* transport error text when status is 0 */
    const char *bucket;  /* for "bucket does not exist" */
    const char *key_id;  /* access key id for auth errors; NULL = anonymous */
    bool timed_out;      /* the transport error was a timeout */
} sm_s3_failure_t;

/* Fills e with the one-line message for f and returns its code:
 *   403 (and 400/401 auth codes) → SM_ERR_IO "access denied ... access key id 'X'"
 *   404 NoSuchBucket             → SM_ERR_IO (not a missing key) "bucket 'b' does not exist"
 *   no response                  → SM_ERR_NETWORK / SM_ERR_TIMEOUT
 *   others                       → SM_ERR_IO "<op> failed [after N attempts]: HTTP s Code: Message"
 * retriable is set for what sm_s3_status_retriable accepts and transport
 * errors.  The secret key never reaches this function. */
sm_err_t sm_s3_fail(sm_error_t *e, const sm_s3_failure_t *f);

/* ---- the store (s3.c, s3_http.c) ---- */

typedef struct sm_s3_store {
    sm_store_t base;
    char *bucket;
    char *prefix;   /* "" or "a/b" (no trailing '/') */
    char *base_url; /* "http://host:port/bucket" or "https://bucket.host" */
    char *region;
    char *key_id; /* NULL = anonymous */
    char *secret; /* never printed */
    char *token;  /* NULL when none */
    char *sigv4;  /* "aws:amz:<region>:s3" */
    bool tls_no_verify;
    long connect_timeout_ms, stall_timeout_ms, request_timeout_ms;
    int max_attempts;
    long retry_base_ms, retry_budget_ms;
    size_t part_size;
    int parts_in_flight;
    size_t get_split; /* gets larger than this go in parallel ranges */
    size_t get_part;  /* the size of those ranges */
    pthread_mutex_t pool_mu;
    void **pool; /* idle CURL handles */
    size_t pool_count;
} sm_s3_store_t;

#define SM_S3_POOL_MAX 16
#define SM_S3_ERRBODY_MAX (64 * 1024) /* kept of an error response */
#define SM_S3_XMLBODY_MAX (32u * 1024 * 1024)

typedef struct sm_s3_call sm_s3_call_t;

/* Called by sm_s3_call once per attempt, on the first bytes of a 2xx body,
 * with the response headers already in the call (status, content_length,
 * range_total, etag).  It may change the call's request fields for later
 * attempts (if_match).  A failure (with e filled) ends the call with that
 * error, not retried. */
typedef sm_err_t (*sm_s3_body_hook)(sm_s3_call_t *c, void *arg, sm_error_t *e);

/* One request.  The caller fills the request part; sm_s3_call fills the
 * response part. */
struct sm_s3_call {
    const char *method; /* "GET", "HEAD", "PUT", "POST", "DELETE" */
    const char *op;     /* for messages; NULL = method */
    const char *key;    /* store key (relative to the prefix); NULL = bucket */
    const char *query;  /* canonical query (sorted, encoded), no '?'; NULL = none */
    const void *body;   /* PUT/POST body */
    size_t body_len;
    const char *range;       /* "bytes=a-b" or NULL */
    bool if_none_match;      /* If-None-Match: * */
    const char *if_match;    /* If-Match: <etag>, or NULL */
    sm_s3_body_hook on_body; /* or NULL */
    void *on_body_arg;
    const char *content_type; /* or NULL */
    bool error_in_200;        /* a 200 body may be an <Error> (CompleteMultipartUpload);
                                 the body is then only scanned, never stored */
    /* where a 2xx body goes: out (bounded by out_max, 0 = no bound) or dst */
    sm_buf_t *out;
    size_t out_max;
    uint8_t *dst;
    size_t dst_len;
    uint64_t dst_skip; /* bytes to drop first (a 200 to a ranged GET) */
    /* response */
    long status;
    size_t got; /* bytes stored in dst */
    uint64_t content_length;
    bool has_length;
    int64_t mtime_ms;
    uint64_t range_total; /* object size from Content-Range, 0 when absent */
    bool has_range_total;
    char etag[128];
    char code[64];     /* S3 <Code> of an error response */
    char message[256]; /* S3 <Message> */
    int attempts;
    bool over_limit; /* the body passed out_max */
};

/* Runs the call, retrying transient failures.  Returns SM_OK whenever a
 * final HTTP response arrived (whatever its status: the caller judges it;
 * call->code/message hold an error body's fields).  Fails when retries
 * are exhausted or a transport error is not worth retrying (with the
 * message of sm_s3_fail), with SM_ERR_LIMIT when a body passed out_max, or
 * SM_ERR_NOMEM. */
sm_err_t sm_s3_call(sm_s3_store_t *s, sm_s3_call_t *c, sm_error_t *e);

/* The error for a final response the caller did not expect (see
 * sm_s3_fail), naming the call's key. */
sm_err_t sm_s3_call_fail(sm_s3_store_t *s, const sm_s3_call_t *c, sm_error_t *e);

/* "s3://bucket/prefix/key" into buf (cut to cap). */
void sm_s3_uri(const sm_s3_store_t *s, const char *key, char *buf, size_t cap);

/* The full S3 key prefix/key (owned by the caller), NULL without memory. */
char *sm_s3_full_key(const sm_s3_store_t *s, const char *key);

/* A 404 that means a missing key (not NoSuchBucket). */
bool sm_s3_missing_key(const sm_s3_call_t *c);

/* SM_ERR_NOT_FOUND "<store>: no object '<key>'". */
sm_err_t sm_s3_not_found(sm_s3_store_t *s, const char *key, sm_error_t *e);

/* Asks the kernel for transparent huge pages under the 2 MiB-aligned part
 * of a large fresh buffer about to be filled: 64 MiB of 4 KiB pages cost
 * 16384 page faults, more CPU than copying the bytes.  Only a hint. */
void sm_s3_huge_pages(void *p, size_t n);

/* Releases the pool's handles (at close). */
void sm_s3_pool_free(sm_s3_store_t *s);

/* ---- large gets (s3_get.c) ---- */

/* The whole object into out (the store's get): one GET, or for an object
 * larger than s->get_split, parallel ranged GETs into one allocation.
 * Semantics of sm_store_ops_t.get. */
sm_err_t sm_s3_get_object(sm_s3_store_t *s, const char *key, size_t max_bytes, sm_buf_t *out,
                          sm_error_t *e);

/* Bytes [offset, offset+len) into dst for len > s->get_split, in parallel
 * ranged GETs; *got and *size as sm_store_ops_t.get_range.  *fallback is
 * set (and nothing else is done) when the server ignored the Range header
 * or sent no ETag: the caller then reads the range in one GET. */
sm_err_t sm_s3_get_range_split(sm_s3_store_t *s, const char *key, uint64_t offset, size_t len,
                               uint8_t *dst, size_t *got, uint64_t *size, bool *fallback,
                               sm_error_t *e);

/* The writer (s3_writer.c). */
sm_err_t sm_s3_writer_open(sm_store_t *st, const char *key, unsigned flags, sm_store_writer_t **out,
                           sm_error_t *e);

#endif
