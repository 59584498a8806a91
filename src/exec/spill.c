/* exec/spill — temp files of columnar batches (format in spill.h). */
#include "exec/spill.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "exec/op_int.h"

#define SPILL_BUF (1u << 20)
#define HDR 24
#define COLHDR 48

struct sm_spill {
    int fd;
    sm_buf_t wbuf;    /* pending writes */
    uint64_t size;    /* bytes in the file (flushed) */
    uint64_t *frames; /* file offset of each batch frame */
    size_t nframes, cap;
    uint64_t rows;
    size_t rd;     /* next frame to read */
    uint8_t *rbuf; /* one frame being decoded */
    size_t rbuf_cap;
};

sm_err_t sm_spill_new(const char *dir, sm_spill_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!dir) {
        dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = "/tmp";
    }
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/smelt-spill-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return sm_error_set(e, SM_ERR_INVALID, "spill directory name is too long");
    sm_spill_t *f = sm_calloc(1, sizeof *f);
    if (!f)
        return sm_error_nomem(e, "spill file");
    f->fd = mkstemp(path);
    if (f->fd < 0) {
        int err = errno;
        sm_free(f);
        return sm_error_errno(e, err, "creating a spill file in %s", dir);
    }
    unlink(path);
    *out = f;
    return SM_OK;
}

void sm_spill_close(sm_spill_t *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    sm_buf_free(&f->wbuf);
    sm_free(f->frames);
    sm_free(f->rbuf);
    sm_free(f);
}

size_t sm_spill_batches(const sm_spill_t *f)
{
    return f->nframes;
}
uint64_t sm_spill_rows(const sm_spill_t *f)
{
    return f->rows;
}
uint64_t sm_spill_bytes(const sm_spill_t *f)
{
    return f->size + f->wbuf.len;
}

static sm_err_t flush(sm_spill_t *f, sm_error_t *e)
{
    size_t done = 0;
    while (done < f->wbuf.len) {
        ssize_t w = pwrite(f->fd, f->wbuf.data + done, f->wbuf.len - done, (off_t)(f->size + done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sm_error_errno(e, errno, "writing a spill file");
        }
        done += (size_t)w;
    }
    f->size += f->wbuf.len;
    sm_buf_reset(&f->wbuf);
    return SM_OK;
}

static void put64(uint8_t *p, uint64_t x)
{
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)(x >> (8 * k));
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int k = 7; k >= 0; k--)
        x = x << 8 | p[k];
    return x;
}
static void put32(uint8_t *p, uint32_t x)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(x >> (8 * k));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get64((const uint8_t[8]){p[0], p[1], p[2], p[3], 0, 0, 0, 0});
}

/* Appends n bits of src starting at bit off, packed from bit 0. */
static sm_err_t put_bits(sm_buf_t *b, const uint8_t *src, size_t off, size_t n, sm_error_t *e)
{
    size_t nbytes = (n + 7) / 8;
    if (off % 8 == 0)
        return sm_buf_append(b, src + off / 8, nbytes, e);
    sm_err_t rc = sm_buf_reserve(b, nbytes, e);
    if (rc)
        return rc;
    uint8_t *d = b->data + b->len;
    memset(d, 0, nbytes);
    for (size_t k = 0; k < n; k++)
        if (sm_bit_get(src, off + k))
            sm_bit_set(d, k);
    b->len += nbytes;
    return SM_OK;
}

/* Writes rows [start, start + n) of v. */
static sm_err_t put_col(sm_buf_t *b, const sm_vector_t *v, size_t start, size_t n, sm_error_t *e)
{
    sm_type_kind_t kind = v->type->kind;
    size_t p = v->offset + start;
    size_t nulls = v->validity ? n - sm_bits_count(v->validity, p, n) : 0;
    if (kind == SM_TYPE_NULL)
        nulls = n;
    uint64_t vbytes = v->width ? (uint64_t)n * v->width : kind == SM_TYPE_BOOL ? (n + 7) / 8 : 0;
    bool offs = sm_type_has_offsets(kind);
    uint64_t dbytes = 0;
    if (offs && n)
        dbytes = (uint64_t)(v->offsets[p + n] - v->offsets[p]);
    uint8_t h[COLHDR] = {0};
    put64(h, n);
    put64(h + 8, nulls);
    h[16] = (uint8_t)kind;
    h[17] = nulls > 0 && kind != SM_TYPE_NULL;
    put32(h + 20, v->nchildren);
    put64(h + 24, vbytes);
    put64(h + 32, offs ? n + 1 : 0);
    put64(h + 40, (kind == SM_TYPE_STRING || kind == SM_TYPE_BINARY) ? dbytes : 0);
    sm_err_t rc = sm_buf_append(b, h, COLHDR, e);
    if (!rc && h[17])
        rc = put_bits(b, v->validity, p, n, e);
    if (!rc && v->width)
        rc = sm_buf_append(b, v->values + p * v->width, vbytes, e);
    if (!rc && kind == SM_TYPE_BOOL)
        rc = put_bits(b, v->values, p, n, e);
    if (!rc && offs) {
        rc = sm_buf_reserve(b, (n + 1) * 4, e);
        if (!rc) {
            int32_t base = n ? v->offsets[p] : 0;
            for (size_t k = 0; k <= n; k++)
                put32(b->data + b->len + 4 * k, n ? (uint32_t)(v->offsets[p + k] - base) : 0);
            b->len += (n + 1) * 4;
        }
    }
    if (!rc && (kind == SM_TYPE_STRING || kind == SM_TYPE_BINARY) && dbytes)
        rc = sm_buf_append(b, v->data + v->offsets[p], dbytes, e);
    if (kind == SM_TYPE_STRUCT)
        for (uint32_t k = 0; !rc && k < v->nchildren; k++)
            rc = put_col(b, v->children[k], start, n, e);
    if (kind == SM_TYPE_LIST || kind == SM_TYPE_MAP) {
        size_t a = n ? (size_t)v->offsets[p] : 0;
        if (!rc)
            rc = put_col(b, v->children[0], a, (size_t)dbytes, e);
    }
    return rc;
}

sm_err_t sm_spill_write(sm_spill_t *f, const sm_batch_t *bt, sm_error_t *e)
{
    sm_err_t rc;
    if (f->nframes == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        uint64_t *p = sm_realloc(f->frames, cap * sizeof *p);
        if (!p)
            return sm_error_nomem(e, "spill frame index");
        f->frames = p;
        f->cap = cap;
    }
    size_t at = f->wbuf.len;
    uint8_t h[HDR] = {'S', 'M', 'S', 'B'};
    put32(h + 4, (uint32_t)bt->ncols);
    put64(h + 8, bt->nrows);
    if ((rc = sm_buf_append(&f->wbuf, h, HDR, e)))
        return rc;
    for (size_t c = 0; c < bt->ncols; c++) {
        if ((rc = put_col(&f->wbuf, bt->cols[c], 0, bt->nrows, e))) {
            f->wbuf.len = at;
            return rc;
        }
    }
    put64(f->wbuf.data + at + 16, f->wbuf.len - at - HDR);
    f->frames[f->nframes++] = f->size + at;
    f->rows += bt->nrows;
    if (f->wbuf.len >= SPILL_BUF)
        return flush(f, e);
    return SM_OK;
}

sm_err_t sm_spill_rewind(sm_spill_t *f, sm_error_t *e)
{
    sm_err_t rc = flush(f, e);
    f->rd = 0;
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct cur {
    const uint8_t *p;
    size_t left;
} cur_t;

static sm_err_t corrupt(sm_error_t *e, const char *what)
{
    return sm_error_set(e, SM_ERR_CORRUPT, "spill file is damaged: %s", what);
}

static const uint8_t *take(cur_t *c, uint64_t n)
{
    if (n > c->left)
        return NULL;
    const uint8_t *p = c->p;
    c->p += n;
    c->left -= n;
    return p;
}

static sm_err_t get_col(cur_t *c, sm_type_t *type, sm_vector_t **out, sm_error_t *e)
{
    *out = NULL;
    const uint8_t *h = take(c, COLHDR);
    if (!h)
        return corrupt(e, "truncated column header");
    uint64_t n = get64(h), nulls = get64(h + 8), vbytes = get64(h + 24), noffs = get64(h + 32),
             dbytes = get64(h + 40);
    uint32_t nch = get32(h + 20);
    sm_type_kind_t kind = type->kind;
    if (h[16] != (uint8_t)kind || nch != type->nfields || n > INT32_MAX || nulls > n)
        return corrupt(e, "column header does not match the schema");
    int width = sm_type_byte_width(kind);
    uint64_t want_v = width ? n * (uint64_t)width : kind == SM_TYPE_BOOL ? (n + 7) / 8 : 0;
    bool offs = sm_type_has_offsets(kind);
    if (vbytes != want_v || noffs != (offs ? n + 1 : 0) ||
        (dbytes && kind != SM_TYPE_STRING && kind != SM_TYPE_BINARY))
        return corrupt(e, "column sizes do not match the schema");
    const uint8_t *valid = h[17] ? take(c, (n + 7) / 8) : NULL;
    const uint8_t *vals = take(c, vbytes);
    const uint8_t *op = take(c, noffs * 4);
    const uint8_t *data = take(c, dbytes);
    if ((h[17] && !valid) || !vals || !op || !data)
        return corrupt(e, "truncated column");
    sm_vector_t *v = NULL;
    sm_err_t rc = sm_vector_new(type, (size_t)n, &v, e);
    if (rc)
        return rc;
    if ((valid || kind == SM_TYPE_NULL) && n) {
        if ((rc = sm_vector_need_validity(v, e)))
            goto out;
        if (valid)
            memcpy(v->validity, valid, (n + 7) / 8);
        else
            memset(v->validity, 0, (n + 7) / 8);
    }
    if (vbytes)
        memcpy(v->values, vals, vbytes);
    if (offs) {
        int32_t prev = 0;
        for (uint64_t k = 0; k <= n; k++) {
            int32_t o = (int32_t)get32(op + 4 * k);
            if (o < prev || (k == 0 && o != 0))
                return sm_vector_free(v), corrupt(e, "offsets go backwards");
            v->offsets[k] = prev = o;
        }
        if ((kind == SM_TYPE_STRING || kind == SM_TYPE_BINARY) && (uint64_t)prev != dbytes)
            return sm_vector_free(v), corrupt(e, "offsets do not match the data");
    }
    if (dbytes) {
        if ((rc = sm_vector_reserve_data(v, dbytes, e)))
            goto out;
        memcpy(v->data, data, dbytes);
    }
    for (uint32_t k = 0; k < nch; k++) {
        sm_vector_t *ch = NULL;
        if ((rc = get_col(c, type->fields[k].type, &ch, e)))
            goto out;
        uint64_t want = kind == SM_TYPE_STRUCT ? n : (n ? (uint64_t)v->offsets[n] : 0);
        if (ch->len != want) {
            sm_vector_free(ch);
            rc = corrupt(e, "child length does not match its parent");
            goto out;
        }
        sm_vector_free(v->children[k]);
        v->children[k] = ch;
    }
    v->len = (size_t)n;
    v->data_len = (size_t)dbytes;
    v->null_count = v->validity ? (size_t)n - sm_bits_count(v->validity, 0, n) : 0;
    *out = v;
    return SM_OK;
out:
    sm_vector_free(v);
    return rc;
}

static sm_err_t read_frame(sm_spill_t *f, size_t k, sm_type_t *schema, sm_batch_t **out,
                           sm_error_t *e)
{
    uint64_t at = f->frames[k];
    uint64_t end = k + 1 < f->nframes ? f->frames[k + 1] : f->size;
    if (end < at + HDR || end - at > SM_SPILL_MAX_FRAME)
        return corrupt(e, "bad frame bounds");
    size_t len = (size_t)(end - at);
    if (len > f->rbuf_cap) {
        uint8_t *p = sm_realloc(f->rbuf, len);
        if (!p)
            return sm_error_nomem(e, "spill read buffer");
        f->rbuf = p;
        f->rbuf_cap = len;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(f->fd, f->rbuf + done, len - done, (off_t)(at + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sm_error_errno(e, errno, "reading a spill file");
        if (r == 0)
            return corrupt(e, "file is shorter than its index");
        done += (size_t)r;
    }
    const uint8_t *h = f->rbuf;
    if (memcmp(h, "SMSB", 4) != 0 || get64(h + 16) != len - HDR || get32(h + 4) != schema->nfields)
        return corrupt(e, "bad frame header");
    uint64_t nrows = get64(h + 8);
    cur_t c = {h + HDR, len - HDR};
    size_t ncols = schema->nfields;
    sm_vector_t **cols = sm_calloc(ncols ? ncols : 1, sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "spill batch");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < ncols && !rc; i++) {
        rc = get_col(&c, schema->fields[i].type, &cols[i], e);
        if (!rc && cols[i]->len != nrows)
            rc = corrupt(e, "column length differs from the batch");
    }
    if (rc) {
        for (size_t i = 0; i < ncols; i++)
            sm_vector_free(cols[i]);
        sm_free(cols);
        return rc;
    }
    rc = sm_batch_from_vectors(schema, cols, ncols, out, e);
    sm_free(cols);
    if (!rc && ncols == 0)
        (*out)->nrows = (size_t)nrows;
    return rc;
}

sm_err_t sm_spill_read(sm_spill_t *f, sm_type_t *schema, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    if (f->rd >= f->nframes)
        return SM_OK;
    sm_err_t rc = read_frame(f, f->rd, schema, out, e);
    if (!rc)
        f->rd++;
    return rc;
}

sm_err_t sm_spill_read_at(sm_spill_t *f, size_t k, sm_type_t *schema, sm_batch_t **out,
                          sm_error_t *e)
{
    *out = NULL;
    if (k >= f->nframes)
        return sm_error_set(e, SM_ERR_INVALID, "spill file has no batch %zu", k);
    return read_frame(f, k, schema, out, e);
}
