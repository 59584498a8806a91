/*
 * store/store — object stores: where the lake's bytes live.
 *
 * An object store maps keys to immutable byte objects, as S3 does.  The
 * Delta and Parquet layers see only this interface; backends are small
 * vtables (store_int.h): the local filesystem (store/local.c) and, later,
 * S3 (store/s3.c).
 *
 * Keys are '/'-separated relative paths ("bronze/orders/_delta_log/
 * 00000000000000000000.json"), at most SM_STORE_KEY_MAX bytes of UTF-8 or
 * any other bytes except NUL.  A key never escapes the store's root: empty,
 * absolute ("/x"), "." or ".." segments, empty segments ("a//b", "a/") and
 * names reserved for temporary files (".<name>.tmp-<pid>-<random>") are
 * rejected with SM_ERR_INVALID naming the key.
 *
 * Semantics every backend keeps (the S3 ones):
 *  - put replaces the whole object atomically: a reader sees the old or the
 *    new bytes, never a mix (local: temp file, fsync, rename, fsync dir).
 *  - put_if_absent never overwrites: of two racing writers exactly one wins
 *    and the other gets SM_ERR_EXISTS (local: link(2) of a fsynced temp
 *    file).  Delta commits rely on it.
 *  - list is recursive over all keys under a prefix (no directories), sorted
 *    by bytes, in pages of at most SM_STORE_LIST_MAX keys.
 *  - delete of an absent key succeeds.
 *  - directories (local) are created as needed and never reported; empty
 *    ones are left behind by delete and are harmless.
 *
 * Locations: "/abs/dir", "relative/dir", "file:///abs/dir" (local),
 * "s3://bucket/prefix" and "s3a://bucket/prefix" (S3).
 *
 * S3 (store/s3.c): objects are <prefix>/<key> in the bucket, reached over
 * HTTP(S) with libcurl and signed with AWS Signature V4.  Endpoint, region
 * and credentials come from sm_store_opts_t, else from the standard AWS
 * variables.  Transient failures (5xx, 429/SlowDown, timeouts, broken
 * connections) are retried with exponential backoff and jitter, bounded in
 * count and total time.  Secrets never appear in messages.  The streaming
 * writer is a multipart upload with several parts in flight (worker
 * threads), or one PUT at commit when the object is smaller than a part.
 * list pages by start-after, so next_token is the last key of the page.
 * A get of a large object (or a large range) asks for its first
 * get_split_size bytes and, once the reply's Content-Range shows more,
 * fetches the rest as parallel ranged GETs straight into the destination
 * (If-Match on the first reply's ETag: an object replaced meanwhile is an
 * error, never a mix of old and new bytes); see store/s3_get.c.
 *
 * Ownership: sm_store_open returns a store the caller frees with
 * sm_store_close, after every writer opened from it is committed or
 * aborted.  Results (buffers, lists) belong to the caller.
 * Threads: a store may be used by several threads at once (the local store
 * holds nothing but its root path; the S3 store keeps a mutex-guarded pool
 * of curl handles, one per request in progress).  A writer belongs to one thread at a
 * time.
 */
#ifndef SM_STORE_STORE_H
#define SM_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define SM_STORE_KEY_MAX 1024  /* bytes, as S3 */
#define SM_STORE_LIST_MAX 1000 /* keys per list page, as S3 */

typedef struct sm_store sm_store_t;
typedef struct sm_store_writer sm_store_writer_t;

/* ---- locations ---- */

typedef enum sm_location_kind {
    SM_LOCATION_LOCAL = 1,
    SM_LOCATION_S3 = 2,
} sm_location_kind_t;

/* A parsed location.  Strings are owned by the struct
 * (sm_store_location_free).
 *   local: path   — absolute, normalized ("/a/b", no trailing '/', no "."
 *                   or empty segments; "/" for the root directory)
 *   s3:    bucket — S3 bucket name rules (3..63 of [a-z0-9.-])
 *          prefix — key prefix without leading or trailing '/', "" for the
 *                   whole bucket */
typedef struct sm_location {
    sm_location_kind_t kind;
    char *path;
    char *bucket;
    char *prefix;
} sm_location_t;

/* Parses `text`.  Relative paths are made absolute against the current
 * directory.  file:// URIs take an empty host or "localhost" and are
 * percent-decoded.  Errors: SM_ERR_INVALID with the reason (empty text,
 * "s3://" without a bucket, bad bucket name, '..' in an s3 prefix, query or
 * fragment, bad %-escape), SM_ERR_UNSUPPORTED for other schemes,
 * SM_ERR_NOMEM, SM_ERR_IO (no current directory).  On failure *loc is
 * zeroed. */
sm_err_t sm_store_location_parse(const char *text, sm_location_t *loc, sm_error_t *e);
void sm_store_location_free(sm_location_t *loc);

/* ---- opening ---- */

/* Opens the store at a location text (see sm_store_location_parse).  A
 * local root need not exist yet (it is created by the first put) but must
 * be a directory if it does.  S3 stores take their settings from the
 * environment (see sm_store_opts_t).  *out is NULL on failure. */
sm_err_t sm_store_open(const char *location, sm_store_t **out, sm_error_t *e);
sm_err_t sm_store_open_location(const sm_location_t *loc, sm_store_t **out, sm_error_t *e);

/* How an S3 store addresses its bucket. */
typedef enum sm_store_s3_style {
    SM_STORE_S3_AUTO = 0, /* path-style with an endpoint (MinIO) or a dotted
                             bucket name, virtual-hosted on AWS */
    SM_STORE_S3_PATH,     /* http://endpoint/bucket/key */
    SM_STORE_S3_VIRTUAL,  /* http://bucket.endpoint/key */
} sm_store_s3_style_t;

/* Options of sm_store_open_ex; a zeroed struct means "all defaults".
 * Strings are borrowed for the call only (the store copies them).  A NULL
 * string is taken from the environment:
 *   endpoint          AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS
 *                     (https://s3.<region>.amazonaws.com)
 *   region            AWS_REGION, AWS_DEFAULT_REGION, else "us-east-1"
 *   access_key_id     AWS_ACCESS_KEY_ID      (none: unsigned requests)
 *   secret_access_key AWS_SECRET_ACCESS_KEY
 *   session_token     AWS_SESSION_TOKEN      (optional)
 * An empty string ("") means "none" and is not looked up.  Local stores
 * ignore the options. */
typedef struct sm_store_opts {
    const char *endpoint; /* "http://127.0.0.1:9000"; scheme required */
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    sm_store_s3_style_t style;
    bool tls_no_verify;      /* skip TLS certificate checks (default: verify) */
    long connect_timeout_ms; /* 0 = 10 s */
    long stall_timeout_ms;   /* no byte moved for this long: 0 = 30 s */
    long request_timeout_ms; /* one attempt, whole: 0 = no limit */
    int max_attempts;        /* per request, first try included: 0 = 5 */
    long retry_base_ms;      /* first backoff: 0 = 100 ms (doubles, max 5 s) */
    long retry_budget_ms;    /* give up retrying after: 0 = 120 s */
    size_t part_size;        /* multipart part: 0 = 8 MiB; at least 5 MiB */
    int parts_in_flight;     /* parallel part uploads per writer, and parallel
                                range requests per large get: 0 = 4 */
    size_t get_split_size;   /* a get of more bytes than this runs as parallel
                                ranged GETs: 0 = 16 MiB, SIZE_MAX = never */
    size_t get_part_size;    /* the ranges of such a get: 0 = 8 MiB; at least
                                64 KiB */
} sm_store_opts_t;

/* Like sm_store_open with explicit options (opts may be NULL = defaults).
 * S3 errors: SM_ERR_INVALID for a bad endpoint or options (a secret
 * without a key id, a part size below 5 MiB), SM_ERR_NOMEM.  No request is
 * made: a missing bucket or bad credentials show at the first call. */
sm_err_t sm_store_open_ex(const char *location, const sm_store_opts_t *opts, sm_store_t **out,
                          sm_error_t *e);
sm_err_t sm_store_open_location_ex(const sm_location_t *loc, const sm_store_opts_t *opts,
                                   sm_store_t **out, sm_error_t *e);

/* Releases the store.  NULL is allowed. */
void sm_store_close(sm_store_t *st);

/* The store's location as text ("/abs/dir", "s3://bucket/prefix"), for
 * messages.  Valid until sm_store_close. */
const char *sm_store_location(const sm_store_t *st);

/* ---- keys ---- */

/* Checks a key of `len` bytes (which may contain NUL bytes when it came
 * from outside: they are rejected).  SM_ERR_INVALID naming the key. */
sm_err_t sm_store_key_check(const char *key, size_t len, sm_error_t *e);

/* ---- objects ---- */

typedef struct sm_store_info {
    uint64_t size;
    int64_t mtime_ms; /* last modification, ms since the Unix epoch */
} sm_store_info_t;

/* Reads the whole object into out, replacing its contents.  Fails with
 * SM_ERR_LIMIT when the object is larger than max_bytes (0 = no limit
 * other than out->limit), SM_ERR_NOT_FOUND when absent, SM_ERR_IO.  On
 * failure out is empty. */
sm_err_t sm_store_get(sm_store_t *st, const char *key, size_t max_bytes, sm_buf_t *out,
                      sm_error_t *e);

/* flags for sm_store_get_range */
#define SM_STORE_SHORT_OK 1u /* fewer bytes at the end of the object is fine */

/* Reads bytes [offset, offset+len) of the object into dst (room for len
 * bytes) and stores the count in *got (may be NULL).  Without
 * SM_STORE_SHORT_OK a range that runs past the end of the object fails
 * with SM_ERR_CORRUPT naming the range and the object size; with it, *got
 * tells how many bytes there were (0 when offset is at or past the end).
 * SM_ERR_NOT_FOUND, SM_ERR_IO. */
sm_err_t sm_store_get_range(sm_store_t *st, const char *key, uint64_t offset, size_t len, void *dst,
                            unsigned flags, size_t *got, sm_error_t *e);

/* Writes the whole object (replacing any old one) atomically.  n may be 0.
 * SM_ERR_IO, SM_ERR_NOMEM; on failure the old object (if any) is intact
 * and no temporary file is left. */
sm_err_t sm_store_put(sm_store_t *st, const char *key, const void *data, size_t n, sm_error_t *e);

/* Like sm_store_put, but only when no object has the key: otherwise
 * SM_ERR_EXISTS naming the key, and the existing object is untouched. */
sm_err_t sm_store_put_if_absent(sm_store_t *st, const char *key, const void *data, size_t n,
                                sm_error_t *e);

/* Size and modification time.  SM_ERR_NOT_FOUND when absent (a local
 * directory is not an object either). */
sm_err_t sm_store_head(sm_store_t *st, const char *key, sm_store_info_t *out, sm_error_t *e);

/* Deletes the object; an absent key is not an error.  SM_ERR_IO. */
sm_err_t sm_store_delete(sm_store_t *st, const char *key, sm_error_t *e);

/* ---- listing ---- */

typedef struct sm_store_entry {
    char *key; /* full key, relative to the store's root */
    uint64_t size;
    int64_t mtime_ms;
} sm_store_entry_t;

/* One page of keys.  Owned by the caller: sm_store_list_free. */
typedef struct sm_store_list {
    sm_store_entry_t *entries;
    size_t count;
    bool truncated;   /* more keys follow: call again with next_token */
    char *next_token; /* opaque; NULL when !truncated */
} sm_store_list_t;

typedef struct sm_store_list_opts {
    const char *prefix;      /* keys starting with these bytes; NULL or "" = all */
    const char *start_after; /* keys strictly after this one; NULL = from the start */
    const char *token;       /* next_token of the previous page; NULL = first page */
    size_t max_keys;         /* 0 or more than SM_STORE_LIST_MAX = SM_STORE_LIST_MAX */
} sm_store_list_opts_t;

/* Lists one page of keys in byte order, recursively under the prefix (a
 * prefix need not end at a '/': "part-" matches "part-0.parquet").
 * Temporary files of in-flight puts are never listed.  The prefix must not
 * contain '.' or '..' segments or start with '/'.  *out is reset first;
 * on failure it is empty.  SM_ERR_INVALID, SM_ERR_IO, SM_ERR_NOMEM. */
sm_err_t sm_store_list(sm_store_t *st, const sm_store_list_opts_t *opts, sm_store_list_t *out,
                       sm_error_t *e);
void sm_store_list_free(sm_store_list_t *list);

/* Calls fn for every key sm_store_list would list with opts (prefix,
 * start_after; token and max_keys are ignored), page after page, in byte
 * order.  Stops at the first non-zero return of fn, which is returned, or
 * at a store error.  The entry is valid only during the call. */
typedef sm_err_t (*sm_store_each_fn)(void *arg, const sm_store_entry_t *ent, sm_error_t *e);
sm_err_t sm_store_each(sm_store_t *st, const sm_store_list_opts_t *opts, sm_store_each_fn fn,
                       void *arg, sm_error_t *e);

/* ---- streaming writes ---- */

/* flags for sm_store_writer_open */
#define SM_STORE_IF_ABSENT 1u /* commit fails with SM_ERR_EXISTS if the key exists */

/* Starts writing an object that becomes visible only at commit (local: a
 * temporary file renamed into place; S3: a multipart upload).  *out is
 * owned by the caller until commit or abort, which free it; NULL on
 * failure. */
sm_err_t sm_store_writer_open(sm_store_t *st, const char *key, unsigned flags,
                              sm_store_writer_t **out, sm_error_t *e);

/* Appends n bytes.  After a failure the writer can only be aborted. */
sm_err_t sm_store_writer_write(sm_store_writer_t *w, const void *data, size_t n, sm_error_t *e);

/* Bytes written so far (the offset the next write lands at). */
uint64_t sm_store_writer_offset(const sm_store_writer_t *w);

/* Makes the object visible (durably) and frees the writer, whatever the
 * outcome; on failure nothing is visible and nothing is left behind.
 * SM_ERR_EXISTS (with SM_STORE_IF_ABSENT), SM_ERR_IO. */
sm_err_t sm_store_writer_commit(sm_store_writer_t *w, sm_error_t *e);

/* Throws the bytes away and frees the writer.  NULL is allowed. */
void sm_store_writer_abort(sm_store_writer_t *w);

#endif
