/* store/s3_writer — the streaming writer of the S3 store: a multipart
 * upload.
 *
 * Bytes collect in a part buffer (grown on demand up to part_size).  When
 * it is full and more bytes come, the upload is created (the first time:
 * CreateMultipartUpload) and the part goes to a worker thread (UploadPart);
 * up to parts_in_flight parts upload at once, each with its own buffer, and
 * a write waits for the oldest part when all slots are busy.  Commit sends
 * the last part (1..part_size bytes, so every other part is exactly
 * part_size >= 5 MiB), waits for all, and completes the upload
 * (CompleteMultipartUpload, with If-None-Match: * for SM_STORE_IF_ABSENT).
 * An object smaller than one part never starts an upload: commit sends it
 * as one PUT.  On any failure, or abort, the upload is aborted
 * (AbortMultipartUpload) so no parts are left behind.
 *
 * Threads: the writer belongs to its caller's thread; part threads touch
 * only their own slot (and the store's handle pool, which is locked).  A
 * slot is handed over by pthread_create and taken back by pthread_join.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "store/s3_int.h"

typedef struct s3_writer s3_writer;

typedef struct slot {
    s3_writer *w;
    uint8_t *data;
    size_t len, cap;
    int number; /* part number, 1-based */
    bool running;
    pthread_t thread;
    sm_err_t rc;
    sm_error_t err;
    char etag[128];
} slot;

struct s3_writer {
    sm_store_writer_t base;
    sm_s3_store_t *s;
    char *key;
    bool if_absent;
    uint8_t *cur;
    size_t cur_len, cur_cap;
    char *upload_id; /* url-encoded, NULL until the upload exists */
    slot *slots;
    int nslots, next_slot;
    char (*etags)[128]; /* etags[i] of part i+1 */
    int parts;          /* parts started */
};

static const sm_store_writer_ops_t writer_ops;

/* ---- one part ---- */

static void upload_part(slot *sl)
{
    s3_writer *w = sl->w;
    char query[2048];
    snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", sl->number, w->upload_id);
    sm_s3_call_t c = {.method = "PUT",
                      .op = "UploadPart",
                      .key = w->key,
                      .query = query,
                      .body = sl->data,
                      .body_len = sl->len};
    sm_error_clear(&sl->err);
    sl->rc = sm_s3_call(w->s, &c, &sl->err);
    if (sl->rc)
        return;
    if (c.status != 200) {
        sl->rc = sm_s3_call_fail(w->s, &c, &sl->err);
        return;
    }
    if (!c.etag[0]) {
        sl->rc = sm_error_set(&sl->err, SM_ERR_CORRUPT, "%s: UploadPart %d: no ETag in the reply",
                              w->s->base.location, sl->number);
        return;
    }
    memcpy(sl->etag, c.etag, sizeof sl->etag);
}

static void *part_thread(void *arg)
{
    upload_part(arg);
    return NULL;
}

/* Waits for the slot's part (if any) and records its ETag. */
static sm_err_t finish_slot(s3_writer *w, slot *sl, sm_error_t *e)
{
    if (!sl->running)
        return SM_OK;
    pthread_join(sl->thread, NULL);
    sl->running = false;
    if (sl->rc) {
        if (e)
            *e = sl->err;
        return sl->rc;
    }
    memcpy(w->etags[sl->number - 1], sl->etag, sizeof sl->etag);
    return SM_OK;
}

static sm_err_t finish_all(s3_writer *w, sm_error_t *e)
{
    sm_err_t first = SM_OK;
    for (int i = 0; i < w->nslots; i++) {
        sm_error_t sub;
        sm_err_t rc = finish_slot(w, &w->slots[i], &sub);
        if (rc && !first) {
            first = rc;
            if (e)
                *e = sub;
        }
    }
    return first;
}

static sm_err_t create_upload(s3_writer *w, sm_error_t *e)
{
    sm_buf_t body = SM_BUF_INIT, id = SM_BUF_INIT;
    sm_s3_call_t c = {.method = "POST",
                      .op = "CreateMultipartUpload",
                      .key = w->key,
                      .query = "uploads=",
                      .content_type = "application/octet-stream",
                      .out = &body,
                      .out_max = 64 * 1024};
    sm_err_t rc = sm_s3_call(w->s, &c, e);
    if (rc)
        goto out;
    if (c.status != 200) {
        rc = sm_s3_call_fail(w->s, &c, e);
        goto out;
    }
    char raw[512];
    if (!sm_s3_xml_get(body.data ? (const char *)body.data : "", body.len, "UploadId", raw,
                       sizeof raw) ||
        !raw[0] || strlen(raw) >= sizeof raw - 1) {
        rc = sm_error_set(e, SM_ERR_CORRUPT, "%s/%s: CreateMultipartUpload: no usable UploadId",
                          w->s->base.location, w->key);
        goto out;
    }
    if ((rc = sm_s3_url_encode(&id, raw, strlen(raw), false, e)))
        goto out;
    w->upload_id = (char *)sm_buf_detach(&id, NULL);
out:
    sm_buf_free(&body);
    sm_buf_free(&id);
    return rc;
}

/* Hands the current buffer to a part slot and starts its upload. */
static sm_err_t send_part(s3_writer *w, sm_error_t *e)
{
    sm_err_t rc;
    if (!w->upload_id && (rc = create_upload(w, e)))
        return rc;
    if (w->parts >= 10000)
        return sm_error_set(e, SM_ERR_LIMIT, "%s/%s: more than 10000 parts (part size %zu)",
                            w->s->base.location, w->key, w->s->part_size);
    slot *sl = &w->slots[w->next_slot];
    w->next_slot = (w->next_slot + 1) % w->nslots;
    if ((rc = finish_slot(w, sl, e)))
        return rc;
    if (w->parts % 64 == 0) {
        char(*ne)[128] = sm_realloc(w->etags, (size_t)(w->parts + 64) * sizeof *ne);
        if (!ne)
            return sm_error_nomem(e, "S3 part list");
        w->etags = ne;
    }
    uint8_t *spare = sl->data;
    size_t spare_cap = sl->cap;
    sl->data = w->cur;
    sl->cap = w->cur_cap;
    sl->len = w->cur_len;
    sl->number = ++w->parts;
    w->cur = spare;
    w->cur_cap = spare_cap;
    w->cur_len = 0;
    sl->running = pthread_create(&sl->thread, NULL, part_thread, sl) == 0;
    if (!sl->running) { /* no thread: upload here */
        upload_part(sl);
        if (sl->rc) {
            if (e)
                *e = sl->err;
            return sl->rc;
        }
        memcpy(w->etags[sl->number - 1], sl->etag, sizeof sl->etag);
    }
    return SM_OK;
}

/* ---- writer ops ---- */

static sm_err_t w_write(sm_store_writer_t *base, const void *data, size_t n, sm_error_t *e)
{
    s3_writer *w = (s3_writer *)base;
    const uint8_t *p = data;
    size_t part = w->s->part_size;
    while (n > 0) {
        sm_err_t rc;
        if (w->cur_len == part && (rc = send_part(w, e)))
            return rc;
        if (w->cur_len == w->cur_cap) { /* grow: small objects stay small */
            size_t ncap = w->cur_cap ? w->cur_cap * 2 : 64 * 1024;
            if (ncap > part || ncap < w->cur_cap)
                ncap = part;
            uint8_t *nb = sm_realloc(w->cur, ncap);
            if (!nb)
                return sm_error_nomem(e, "S3 part buffer");
            w->cur = nb;
            w->cur_cap = ncap;
        }
        size_t k = w->cur_cap - w->cur_len;
        if (k > n)
            k = n;
        memcpy(w->cur + w->cur_len, p, k);
        w->cur_len += k;
        p += k;
        n -= k;
    }
    return SM_OK;
}

static void free_writer(s3_writer *w)
{
    for (int i = 0; w->slots && i < w->nslots; i++)
        sm_free(w->slots[i].data);
    sm_free(w->slots);
    sm_free(w->etags);
    sm_free(w->cur);
    sm_free(w->upload_id);
    sm_free(w->key);
    sm_free(w);
}

static void abort_upload(s3_writer *w)
{
    if (!w->upload_id)
        return;
    char query[2048];
    snprintf(query, sizeof query, "uploadId=%s", w->upload_id);
    sm_s3_call_t c = {
        .method = "DELETE", .op = "AbortMultipartUpload", .key = w->key, .query = query};
    (void)sm_s3_call(w->s, &c, NULL); /* best effort: S3 lifecycle rules catch the rest */
}

static void w_abort(sm_store_writer_t *base)
{
    s3_writer *w = (s3_writer *)base;
    (void)finish_all(w, NULL);
    abort_upload(w);
    free_writer(w);
}

static sm_err_t complete(s3_writer *w, sm_error_t *e)
{
    sm_buf_t xml = SM_BUF_INIT;
    char query[2048];
    sm_err_t rc = sm_buf_append_str(&xml, "<CompleteMultipartUpload>", e);
    for (int i = 0; !rc && i < w->parts; i++) {
        rc = sm_buf_printf(&xml, e, "<Part><PartNumber>%d</PartNumber><ETag>", i + 1);
        for (const char *p = w->etags[i]; !rc && *p; p++) /* ETags hold quotes, no '<' or '&' */
            rc = *p == '&'   ? sm_buf_append_str(&xml, "&amp;", e)
                 : *p == '<' ? sm_buf_append_str(&xml, "&lt;", e)
                             : sm_buf_append_byte(&xml, (uint8_t)*p, e);
        if (!rc)
            rc = sm_buf_append_str(&xml, "</ETag></Part>", e);
    }
    if (!rc)
        rc = sm_buf_append_str(&xml, "</CompleteMultipartUpload>", e);
    if (rc)
        goto out;
    snprintf(query, sizeof query, "uploadId=%s", w->upload_id);
    sm_s3_call_t c = {.method = "POST",
                      .op = "CompleteMultipartUpload",
                      .key = w->key,
                      .query = query,
                      .body = xml.data,
                      .body_len = xml.len,
                      .content_type = "application/xml",
                      .if_none_match = w->if_absent,
                      .error_in_200 = true};
    if ((rc = sm_s3_call(w->s, &c, e)))
        goto out;
    if (c.status == 200)
        goto out;
    if (w->if_absent && c.status == 412)
        rc = sm_error_set(e, SM_ERR_EXISTS, "%s: object '%s' already exists", w->s->base.location,
                          w->key);
    else
        rc = sm_s3_call_fail(w->s, &c, e);
out:
    sm_buf_free(&xml);
    return rc;
}

static sm_err_t w_commit(sm_store_writer_t *base, sm_error_t *e)
{
    s3_writer *w = (s3_writer *)base;
    sm_s3_store_t *s = w->s;
    sm_err_t rc;
    if (!w->upload_id) { /* smaller than a part: one PUT */
        rc = s->base.ops->put(&s->base, w->key, w->cur ? w->cur : (const uint8_t *)"", w->cur_len,
                              w->if_absent, e);
        free_writer(w);
        return rc;
    }
    rc = send_part(w, e);
    sm_error_t sub;
    sm_err_t rc2 = finish_all(w, rc ? &sub : e);
    if (!rc)
        rc = rc2;
    if (!rc)
        rc = complete(w, e);
    if (rc)
        abort_upload(w);
    free_writer(w);
    return rc;
}

static const sm_store_writer_ops_t writer_ops = {
    .write = w_write,
    .commit = w_commit,
    .abort = w_abort,
};

sm_err_t sm_s3_writer_open(sm_store_t *st, const char *key, unsigned flags, sm_store_writer_t **out,
                           sm_error_t *e)
{
    sm_s3_store_t *s = (sm_s3_store_t *)st;
    s3_writer *w = sm_calloc(1, sizeof *w);
    if (!w)
        return sm_error_nomem(e, "S3 writer");
    w->base.ops = &writer_ops;
    w->s = s;
    w->if_absent = flags & SM_STORE_IF_ABSENT;
    w->nslots = s->parts_in_flight;
    w->key = sm_strdup(key);
    w->slots = sm_calloc((size_t)w->nslots, sizeof *w->slots);
    if (!w->key || !w->slots) {
        free_writer(w);
        return sm_error_nomem(e, "S3 writer");
    }
    for (int i = 0; i < w->nslots; i++)
        w->slots[i].w = w;
    *out = &w->base;
    return SM_OK;
}
