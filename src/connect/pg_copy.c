/* connect/pg_copy — the COPY BINARY stream decoder (format in pg.h).
 *
 * Bytes arrive in chunks split anywhere.  Whole tuples are decoded in place
 * from the chunk, in one pass that checks each field's bounds as it goes
 * (libpq hands over one tuple per CopyData message, so this is the path
 * of nearly every row); a tuple found cut by a chunk boundary has the
 * values it appended dropped again, is gathered in `carry` (at most one
 * tuple, SM_PG_MAX_TUPLE_BYTES), scanned until whole and decoded from
 * there.  The scan of a partial tuple resumes where it stopped, so feeding
 * a tuple one byte at a time stays linear. */
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "connect/pg_int.h"
#include "core/buf.h"
#include "core/mem.h"

#define HEADER_BYTES 19     /* signature 11 + flags 4 + extension length 4 */
#define PG_EPOCH_DAYS 10957 /* 1970-01-01 → 2000-01-01 */
#define PG_EPOCH_US INT64_C(946684800000000)
#define MAX_ARRAY_DIMS 6 /* PostgreSQL's MAXDIM */

static const uint8_t signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};

enum { ST_HEADER, ST_HEADER_EXT, ST_TUPLES, ST_DONE, ST_FAILED };
enum { SCAN_MORE, SCAN_TUPLE, SCAN_TRAILER, SCAN_ERROR };

struct sm_pg_decoder {
    const sm_pg_schema_t *schema;
    char *what;
    size_t batch_rows;
    sm_pg_batch_fn on_batch;
    void *ud;
    sm_batch_t *batch;
    size_t batch_bytes; /* wire bytes of the tuples in the batch */
    uint64_t rows;      /* rows decoded so far */
    uint64_t offset;    /* stream offset of carry[0] (or of the next byte) */
    int state;
    sm_err_t failed;
    uint32_t ext_left; /* header extension bytes still to skip */
    sm_buf_t carry;
    size_t scan_off; /* resumable scan of the tuple in carry */
    size_t scan_fields;
};

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* ---- errors ---------------------------------------------------------- */

/* Where a value sits, for messages. */
typedef struct ctx {
    sm_pg_decoder_t *d;
    size_t col;
    uint64_t off; /* stream offset of the field's bytes */
} ctx_t;

__attribute__((format(printf, 4, 5))) static sm_err_t fail(const ctx_t *c, sm_err_t code,
                                                           sm_error_t *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char rows[32];
    sm_pg_fmt_count(c->d->rows + 1, rows);
    return sm_error_set(e, code, "%s: column \"%s\" row %s (byte offset %llu): %s", c->d->what,
                        c->d->schema->cols[c->col].name, rows, (unsigned long long)c->off, msg);
}

__attribute__((format(printf, 4, 5))) static sm_err_t
stream_fail(sm_pg_decoder_t *d, uint64_t off, sm_error_t *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char rows[32];
    sm_pg_fmt_count(d->rows, rows);
    return sm_error_set(e, SM_ERR_CORRUPT,
                        "%s: corrupt COPY stream at byte offset %llu after %s rows: %s", d->what,
                        (unsigned long long)off, rows, msg);
}

/* ---- values ---------------------------------------------------------- */

static sm_err_t want_len(const ctx_t *c, size_t len, size_t want, const char *tname, sm_error_t *e)
{
    if (len == want)
        return SM_OK;
    return fail(c, SM_ERR_CORRUPT, e, "%s value of %zu bytes, expected %zu", tname, len, want);
}

/* PostgreSQL's numeric send format → unscaled value at t's scale. */
static sm_err_t decode_numeric(const ctx_t *c, const sm_type_t *t, const uint8_t *p, size_t len,
                               sm_i128 *out, sm_error_t *e)
{
    if (len < 8)
        return fail(c, SM_ERR_CORRUPT, e, "numeric value of %zu bytes, expected at least 8", len);
    size_t ndigits = rd16(p);
    int weight = (int16_t)rd16(p + 2);
    uint16_t sign = rd16(p + 4);
    if (len != 8 + 2 * ndigits)
        return fail(c, SM_ERR_CORRUPT, e, "numeric value of %zu bytes for %zu digits", len,
                    ndigits);
    if (sign == 0xC000)
        return fail(c, SM_ERR_UNSUPPORTED, e, "NaN cannot be stored in decimal(%d,%d)",
                    t->precision, t->scale);
    if (sign == 0xD000 || sign == 0xF000)
        return fail(c, SM_ERR_UNSUPPORTED, e, "%sInfinity cannot be stored in decimal(%d,%d)",
                    sign == 0xF000 ? "-" : "", t->precision, t->scale);
    if (sign != 0 && sign != 0x4000)
        return fail(c, SM_ERR_CORRUPT, e, "numeric sign word 0x%04x", sign);
    int scale = t->scale;
    sm_u128 limit = (sm_u128)sm_pow10_i128(t->precision);
    sm_u128 mag = 0;
    bool round = false;
    for (size_t i = 0; i < ndigits; i++) {
        uint32_t dg = rd16(p + 8 + 2 * i);
        if (dg >= 10000)
            return fail(c, SM_ERR_CORRUPT, e, "numeric digit %u out of range", dg);
        long k = 4L * (weight - (long)i) + scale; /* power of ten of this group's unit */
        if (k >= 0) {
            if (!dg)
                continue;
            if (k > SM_DECIMAL_MAX_PRECISION)
                goto overflow;
            sm_u128 p10 = (sm_u128)sm_pow10_i128((int)k);
            if (dg > (limit - 1 - mag) / p10)
                goto overflow;
            mag += dg * p10;
            continue;
        }
        /* The first group reaching below the scale decides the rounding
         * (half away from zero: only its first dropped digit matters). */
        if (k >= -4) {
            uint32_t q = (uint32_t)sm_pow10_i128((int)-k);
            uint32_t kept = dg / q;
            if (kept > limit - 1 - mag)
                goto overflow;
            mag += kept;
            round = (dg / (q / 10)) % 10 >= 5;
        }
        break;
    }
    if (round) {
        if (mag + 1 >= limit)
            goto overflow;
        mag++;
    }
    *out = sign == 0x4000 ? -(sm_i128)mag : (sm_i128)mag;
    return SM_OK;
overflow:
    return fail(c, SM_ERR_OVERFLOW, e, "numeric value does not fit decimal(%d,%d)", t->precision,
                t->scale);
}

/* "HH:MM:SS[.ffffff]" as PostgreSQL prints a time (trailing zeros cut). */
static size_t fmt_time(int64_t us, char out[24])
{
    int64_t s = us / 1000000, f = us % 1000000;
    int n = snprintf(out, 24, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    if (f) {
        n += snprintf(out + n, 24 - (size_t)n, ".%06d", (int)f);
        while (out[n - 1] == '0')
            n--;
        out[n] = '\0';
    }
    return (size_t)n;
}

static size_t fmt_uuid(const uint8_t *p, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[p[i] >> 4];
        out[o++] = hex[p[i] & 15];
    }
    out[o] = '\0';
    return o;
}

static sm_err_t decode_array(const ctx_t *c, const sm_pg_column_t *col, sm_vector_t *v,
                             const uint8_t *p, size_t len, sm_error_t *e);

/* Decodes one non-NULL value of kind into v. */
static sm_err_t decode_value(const ctx_t *c, const sm_pg_column_t *col, sm_pg_kind_t kind,
                             sm_vector_t *v, const uint8_t *p, size_t len, sm_error_t *e)
{
    sm_err_t rc;
    switch (kind) {
    case SM_PG_BOOL:
        if ((rc = want_len(c, len, 1, "boolean", e)))
            return rc;
        if (p[0] > 1)
            return fail(c, SM_ERR_CORRUPT, e, "boolean byte 0x%02x", p[0]);
        return sm_vector_append_bool(v, p[0] == 1, e);
    case SM_PG_INT2:
        if ((rc = want_len(c, len, 2, "smallint", e)))
            return rc;
        return sm_vector_append_i16(v, (int16_t)rd16(p), e);
    case SM_PG_INT4:
        if ((rc = want_len(c, len, 4, "integer", e)))
            return rc;
        return sm_vector_append_i32(v, (int32_t)rd32(p), e);
    case SM_PG_INT8:
        if ((rc = want_len(c, len, 8, "bigint", e)))
            return rc;
        return sm_vector_append_i64(v, (int64_t)rd64(p), e);
    case SM_PG_OID:
        if ((rc = want_len(c, len, 4, "oid", e)))
            return rc;
        return sm_vector_append_i64(v, (int64_t)rd32(p), e);
    case SM_PG_FLOAT4: {
        if ((rc = want_len(c, len, 4, "real", e)))
            return rc;
        uint32_t bits = rd32(p);
        float f;
        memcpy(&f, &bits, 4);
        return sm_vector_append_f32(v, f, e);
    }
    case SM_PG_FLOAT8: {
        if ((rc = want_len(c, len, 8, "double precision", e)))
            return rc;
        uint64_t bits = rd64(p);
        double f;
        memcpy(&f, &bits, 8);
        return sm_vector_append_f64(v, f, e);
    }
    case SM_PG_NUMERIC: {
        sm_i128 x = 0;
        if ((rc = decode_numeric(c, v->type, p, len, &x, e)))
            return rc;
        return sm_vector_append_i128(v, x, e);
    }
    case SM_PG_TEXT:
    case SM_PG_BYTEA:
        return sm_vector_append_bytes(v, p, len, e);
    case SM_PG_CHAR: {
        if ((rc = want_len(c, len, 1, "\"char\"", e)))
            return rc;
        char s[5];
        size_t n = p[0] == 0 ? 0 : p[0] < 0x80 ? 1 : 4;
        if (n == 1)
            s[0] = (char)p[0];
        else if (n == 4)
            snprintf(s, sizeof s, "\\%03o", p[0]);
        return sm_vector_append_bytes(v, s, n, e);
    }
    case SM_PG_JSONB:
        if (len < 1 || p[0] != 1)
            return fail(c, SM_ERR_CORRUPT, e, "jsonb value without version byte 1");
        return sm_vector_append_bytes(v, p + 1, len - 1, e);
    case SM_PG_UUID: {
        if ((rc = want_len(c, len, 16, "uuid", e)))
            return rc;
        char s[37];
        return sm_vector_append_bytes(v, s, fmt_uuid(p, s), e);
    }
    case SM_PG_DATE: {
        if ((rc = want_len(c, len, 4, "date", e)))
            return rc;
        int32_t d = (int32_t)rd32(p);
        if (d == INT32_MAX || d == INT32_MIN)
            return fail(c, SM_ERR_UNSUPPORTED, e, "date %sinfinity cannot be stored",
                        d == INT32_MIN ? "-" : "");
        int64_t days = (int64_t)d + PG_EPOCH_DAYS;
        if (days > INT32_MAX)
            return fail(c, SM_ERR_OVERFLOW, e, "date out of range");
        return sm_vector_append_i32(v, (int32_t)days, e);
    }
    case SM_PG_TIME: {
        if ((rc = want_len(c, len, 8, "time", e)))
            return rc;
        int64_t us = (int64_t)rd64(p);
        if (us < 0 || us > SM_US_PER_DAY)
            return fail(c, SM_ERR_CORRUPT, e, "time of %lld microseconds", (long long)us);
        char s[24];
        return sm_vector_append_bytes(v, s, fmt_time(us, s), e);
    }
    case SM_PG_TIMESTAMP:
    case SM_PG_TIMESTAMPTZ: {
        if ((rc = want_len(c, len, 8, "timestamp", e)))
            return rc;
        int64_t ts = (int64_t)rd64(p), us;
        if (ts == INT64_MAX || ts == INT64_MIN)
            return fail(c, SM_ERR_UNSUPPORTED, e, "timestamp %sinfinity cannot be stored",
                        ts == INT64_MIN ? "-" : "");
        if (__builtin_add_overflow(ts, PG_EPOCH_US, &us))
            return fail(c, SM_ERR_OVERFLOW, e, "timestamp out of range");
        return sm_vector_append_i64(v, us, e);
    }
    case SM_PG_ARRAY:
        return decode_array(c, col, v, p, len, e);
    }
    return fail(c, SM_ERR_INTERNAL, e, "unknown decoder kind %d", (int)kind);
}

/* ndim, has-null flags, element OID, ndim × (size, lower bound), then the
 * elements as (int32 length | -1, bytes). */
static sm_err_t decode_array(const ctx_t *c, const sm_pg_column_t *col, sm_vector_t *v,
                             const uint8_t *p, size_t len, sm_error_t *e)
{
    if (len < 12)
        return fail(c, SM_ERR_CORRUPT, e, "array value of %zu bytes, expected at least 12", len);
    int32_t ndim = (int32_t)rd32(p);
    uint32_t eoid = rd32(p + 8);
    if (ndim < 0 || ndim > MAX_ARRAY_DIMS)
        return fail(c, SM_ERR_CORRUPT, e, "array with %d dimensions", (int)ndim);
    if (col->elem_oid && eoid != col->elem_oid)
        return fail(c, SM_ERR_CORRUPT, e, "array element type OID %u, expected %u", eoid,
                    col->elem_oid);
    if (ndim == 0) {
        if (len != 12)
            return fail(c, SM_ERR_CORRUPT, e, "empty array with %zu trailing bytes", len - 12);
        return sm_vector_append_list(v, e);
    }
    if (ndim > 1)
        return fail(c, SM_ERR_UNSUPPORTED, e,
                    "%d-dimensional array: only one-dimensional arrays can be read (flatten it "
                    "in the query, e.g. with unnest or array_to_json)",
                    (int)ndim);
    if (len < 20)
        return fail(c, SM_ERR_CORRUPT, e, "array header of %zu bytes", len);
    int32_t nelem = (int32_t)rd32(p + 12);
    if (nelem < 0 || (size_t)nelem > (len - 20) / 4)
        return fail(c, SM_ERR_CORRUPT, e, "array of %d elements in %zu bytes", (int)nelem, len);
    sm_vector_t *child = sm_vector_child(v, 0);
    size_t o = 20;
    ctx_t ec = *c;
    for (int32_t i = 0; i < nelem; i++) {
        if (len - o < 4)
            return fail(c, SM_ERR_CORRUPT, e, "array element %d truncated", (int)i + 1);
        int32_t elen = (int32_t)rd32(p + o);
        o += 4;
        sm_err_t rc;
        if (elen == -1) {
            rc = sm_vector_append_null(child, e);
        } else {
            if (elen < 0 || (size_t)elen > len - o)
                return fail(c, SM_ERR_CORRUPT, e, "array element %d of %d bytes, %zu left",
                            (int)i + 1, (int)elen, len - o);
            ec.off = c->off + o;
            rc = decode_value(&ec, col, col->elem_kind, child, p + o, (size_t)elen, e);
            o += (size_t)elen;
        }
        if (rc)
            return rc;
    }
    if (o != len)
        return fail(c, SM_ERR_CORRUPT, e, "array with %zu trailing bytes", len - o);
    return sm_vector_append_list(v, e);
}

/* ---- tuples ---------------------------------------------------------- */

/* Scans the tuple at p[0..n) from the resume point (*off, *nf).  SCAN_TUPLE
 * sets *off to the tuple's size; SCAN_MORE saves the resume point. */
static int scan(sm_pg_decoder_t *d, const uint8_t *p, size_t n, size_t *off, size_t *nf,
                sm_error_t *e)
{
    size_t o = *off, f = *nf, ncols = d->schema->ncols;
    if (o == 0) {
        if (n < 2)
            return SCAN_MORE;
        int16_t cnt = (int16_t)rd16(p);
        if (cnt == -1) {
            *off = 2;
            return SCAN_TRAILER;
        }
        if (cnt < 0 || (size_t)cnt != ncols) {
            stream_fail(d, d->offset, e, "tuple of %d fields, expected %zu", (int)cnt, ncols);
            return SCAN_ERROR;
        }
        o = 2;
    }
    while (f < ncols) {
        if (n - o < 4)
            goto more;
        int32_t len = (int32_t)rd32(p + o);
        if (len < -1) {
            stream_fail(d, d->offset + o, e, "field %zu has length %d", f + 1, (int)len);
            return SCAN_ERROR;
        }
        if (len > 0 && (size_t)len > SM_PG_MAX_FIELD_BYTES) {
            stream_fail(d, d->offset + o, e, "field %zu of %d bytes exceeds the %zu-byte limit",
                        f + 1, (int)len, SM_PG_MAX_FIELD_BYTES);
            return SCAN_ERROR;
        }
        size_t flen = len < 0 ? 0 : (size_t)len;
        if (o + 4 + flen > SM_PG_MAX_TUPLE_BYTES) {
            stream_fail(d, d->offset + o, e, "tuple exceeds the %zu-byte limit",
                        SM_PG_MAX_TUPLE_BYTES);
            return SCAN_ERROR;
        }
        if (n - o - 4 < flen)
            goto more;
        o += 4 + flen;
        f++;
    }
    *off = o;
    return SCAN_TUPLE;
more:
    *off = o;
    *nf = f;
    return SCAN_MORE;
}

static sm_err_t flush(sm_pg_decoder_t *d, sm_error_t *e)
{
    if (!d->batch->nrows)
        return SM_OK;
    sm_err_t rc = d->on_batch ? d->on_batch(d->ud, d->batch, e) : SM_OK;
    sm_batch_reset(d->batch);
    d->batch_bytes = 0;
    return rc;
}

/* Counts a decoded row of n wire bytes; hands the batch out when full. */
static sm_err_t end_row(sm_pg_decoder_t *d, size_t n, sm_error_t *e)
{
    d->batch->nrows++;
    d->rows++;
    d->batch_bytes += n;
    if (d->batch->nrows >= d->batch_rows || d->batch_bytes >= SM_PG_BATCH_MAX_BYTES)
        return flush(d, e);
    return SM_OK;
}

/* Decodes field i (length len, bytes at p + o) of the row being built. */
static inline sm_err_t decode_field(sm_pg_decoder_t *d, size_t i, int32_t len, const uint8_t *p,
                                    size_t o, sm_error_t *e)
{
    const sm_pg_column_t *col = &d->schema->cols[i];
    sm_vector_t *v = d->batch->cols[i];
    ctx_t c = {d, i, d->offset + o};
    if (len < 0) {
        if (!col->nullable)
            return fail(&c, SM_ERR_CORRUPT, e, "NULL in a NOT NULL column");
        return sm_vector_append_null(v, e);
    }
    return decode_value(&c, col, col->kind, v, p + o, (size_t)len, e);
}

/* Decodes a complete, scanned tuple of size n into the batch. */
static sm_err_t decode_tuple(sm_pg_decoder_t *d, const uint8_t *p, size_t n, sm_error_t *e)
{
    size_t o = 2;
    for (size_t i = 0; i < d->schema->ncols; i++) {
        int32_t len = (int32_t)rd32(p + o);
        o += 4;
        sm_err_t rc = decode_field(d, i, len, p, o, e);
        if (rc)
            return rc;
        if (len > 0)
            o += (size_t)len;
    }
    return end_row(d, n, e);
}

/* The common case in one pass: decodes the tuple starting at p (n bytes
 * there, nothing carried) while checking its bounds as scan() does.  *r
 * is SCAN_TUPLE (*size = its bytes), SCAN_TRAILER (*size = 2) or
 * SCAN_MORE when the n bytes hold only part of it: the values already
 * appended for it are dropped again and the caller carries the bytes
 * (scan() then resumes from the tuple's start).  A failure returns its
 * code (e filled). */
static sm_err_t decode_direct(sm_pg_decoder_t *d, const uint8_t *p, size_t n, int *r, size_t *size,
                              sm_error_t *e)
{
    size_t ncols = d->schema->ncols, o = 2, i = 0;
    *r = SCAN_MORE;
    if (n < 2)
        return SM_OK;
    int16_t cnt = (int16_t)rd16(p);
    if (cnt == -1) {
        *size = 2;
        *r = SCAN_TRAILER;
        return SM_OK;
    }
    if (cnt < 0 || (size_t)cnt != ncols)
        return stream_fail(d, d->offset, e, "tuple of %d fields, expected %zu", (int)cnt, ncols);
    for (; i < ncols; i++) {
        if (n - o < 4)
            goto more;
        int32_t len = (int32_t)rd32(p + o);
        if (len < -1)
            return stream_fail(d, d->offset + o, e, "field %zu has length %d", i + 1, (int)len);
        size_t flen = len < 0 ? 0 : (size_t)len;
        if (flen > SM_PG_MAX_FIELD_BYTES)
            return stream_fail(d, d->offset + o, e,
                               "field %zu of %d bytes exceeds the %zu-byte limit", i + 1, (int)len,
                               SM_PG_MAX_FIELD_BYTES);
        if (o + 4 + flen > SM_PG_MAX_TUPLE_BYTES)
            return stream_fail(d, d->offset + o, e, "tuple exceeds the %zu-byte limit",
                               SM_PG_MAX_TUPLE_BYTES);
        if (n - o - 4 < flen)
            goto more;
        o += 4;
        sm_err_t rc = decode_field(d, i, len, p, o, e);
        if (rc)
            return rc;
        o += flen;
    }
    *size = o;
    *r = SCAN_TUPLE;
    return end_row(d, o, e);
more:
    for (size_t k = 0; k < i; k++)
        sm_vector_truncate(d->batch->cols[k], d->batch->nrows);
    return SM_OK;
}

/* ---- header ---------------------------------------------------------- */

static sm_err_t parse_header(sm_pg_decoder_t *d, const uint8_t *h, sm_error_t *e)
{
    if (memcmp(h, signature, sizeof signature) != 0)
        return stream_fail(d, 0, e, "missing PGCOPY signature (not a binary COPY stream)");
    uint32_t flags = rd32(h + 11);
    if (flags & (1u << 16))
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "%s: COPY stream includes OIDs", d->what);
    if (flags >> 17)
        return stream_fail(d, 11, e, "unknown critical header flags 0x%08x", flags);
    d->ext_left = rd32(h + 15);
    d->state = d->ext_left ? ST_HEADER_EXT : ST_TUPLES;
    d->offset = HEADER_BYTES;
    return SM_OK;
}

/* ---- public ---------------------------------------------------------- */

sm_err_t sm_pg_decoder_new(const sm_pg_schema_t *schema, const char *what, size_t batch_rows,
                           sm_pg_batch_fn on_batch, void *ud, sm_pg_decoder_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!schema || !schema->type || schema->ncols == 0)
        return sm_error_set(e, SM_ERR_INVALID, "COPY decoder needs a schema with columns");
    sm_pg_decoder_t *d = sm_calloc(1, sizeof *d);
    if (!d)
        return sm_error_nomem(e, "COPY decoder");
    d->schema = schema;
    d->batch_rows = batch_rows ? batch_rows : SM_BATCH_ROWS;
    d->on_batch = on_batch;
    d->ud = ud;
    d->carry.limit = SM_PG_MAX_TUPLE_BYTES;
    d->what = sm_strdup(what ? what : "query");
    sm_err_t rc = d->what ? SM_OK : sm_error_nomem(e, "COPY decoder");
    if (!rc)
        rc = sm_batch_new(schema->type, d->batch_rows, &d->batch, e);
    if (rc) {
        sm_pg_decoder_free(d);
        return rc;
    }
    *out = d;
    return SM_OK;
}

void sm_pg_decoder_free(sm_pg_decoder_t *d)
{
    if (!d)
        return;
    sm_batch_free(d->batch);
    sm_buf_free(&d->carry);
    sm_free(d->what);
    sm_free(d);
}

uint64_t sm_pg_decoder_rows(const sm_pg_decoder_t *d)
{
    return d->rows;
}

/* Consumes header bytes; returns bytes used. */
static sm_err_t feed_header(sm_pg_decoder_t *d, const uint8_t **p, size_t *n, sm_error_t *e)
{
    if (d->state == ST_HEADER) {
        size_t take = HEADER_BYTES - d->carry.len;
        if (take > *n)
            take = *n;
        sm_err_t rc = sm_buf_append(&d->carry, *p, take, e);
        if (rc)
            return rc;
        *p += take;
        *n -= take;
        if (d->carry.len < HEADER_BYTES)
            return SM_OK;
        rc = parse_header(d, d->carry.data, e);
        sm_buf_reset(&d->carry);
        return rc;
    }
    size_t take = d->ext_left < *n ? d->ext_left : *n;
    *p += take;
    *n -= take;
    d->ext_left -= (uint32_t)take;
    d->offset += take;
    if (!d->ext_left)
        d->state = ST_TUPLES;
    return SM_OK;
}

/* Continues the tuple in carry with bytes from *p. */
static sm_err_t feed_carry(sm_pg_decoder_t *d, const uint8_t **p, size_t *n, sm_error_t *e)
{
    for (;;) {
        int r = scan(d, d->carry.data, d->carry.len, &d->scan_off, &d->scan_fields, e);
        if (r == SCAN_ERROR)
            return e ? e->code : SM_ERR_CORRUPT;
        if (r == SCAN_MORE) {
            if (!*n)
                return SM_OK;
            /* Append what the scan needs next: the rest of the current
             * header or field (at least one byte). */
            size_t have = d->carry.len - d->scan_off, need;
            if (d->scan_off == 0)
                need = 2 - have;
            else if (have < 4)
                need = 4 - have;
            else
                need = 4 + (size_t)(int32_t)rd32(d->carry.data + d->scan_off) - have;
            if (need > *n)
                need = *n;
            sm_err_t rc = sm_buf_append(&d->carry, *p, need, e);
            if (rc)
                return rc;
            *p += need;
            *n -= need;
            continue;
        }
        size_t size = d->scan_off;
        sm_err_t rc = SM_OK;
        if (r == SCAN_TUPLE)
            rc = decode_tuple(d, d->carry.data, size, e);
        else
            d->state = ST_DONE;
        d->offset += size;
        sm_buf_reset(&d->carry);
        d->scan_off = d->scan_fields = 0;
        return rc;
    }
}

sm_err_t sm_pg_decoder_feed(sm_pg_decoder_t *d, const void *data, size_t n, sm_error_t *e)
{
    if (d->state == ST_FAILED)
        return sm_error_set(e, d->failed, "%s: COPY decoder used after an error", d->what);
    const uint8_t *p = data;
    sm_err_t rc = SM_OK;
    while (n > 0 && !rc) {
        if (d->state == ST_HEADER || d->state == ST_HEADER_EXT) {
            rc = feed_header(d, &p, &n, e);
        } else if (d->state == ST_DONE) {
            rc = stream_fail(d, d->offset, e, "%zu bytes after the trailer", n);
        } else if (d->carry.len) {
            rc = feed_carry(d, &p, &n, e);
        } else {
            size_t off = 0;
            int r = SCAN_MORE;
            if ((rc = decode_direct(d, p, n, &r, &off, e))) {
                break;
            } else if (r == SCAN_MORE) {
                if ((rc = sm_buf_append(&d->carry, p, n, e)))
                    break;
                d->scan_off = 0;
                d->scan_fields = 0;
                n = 0;
            } else {
                if (r == SCAN_TRAILER)
                    d->state = ST_DONE;
                d->offset += off;
                p += off;
                n -= off;
            }
        }
    }
    if (rc) {
        d->state = ST_FAILED;
        d->failed = rc;
    }
    return rc;
}

sm_err_t sm_pg_decoder_finish(sm_pg_decoder_t *d, sm_error_t *e)
{
    if (d->state == ST_FAILED)
        return sm_error_set(e, d->failed, "%s: COPY decoder used after an error", d->what);
    sm_err_t rc;
    if (d->state != ST_DONE)
        rc = stream_fail(d, d->offset + d->carry.len, e, "stream ends %s",
                         d->state == ST_TUPLES
                             ? (d->carry.len ? "inside a tuple" : "without its trailer")
                             : "inside the header");
    else
        rc = flush(d, e);
    if (rc) {
        d->state = ST_FAILED;
        d->failed = rc;
    }
    return rc;
}
