#include "parquet/thrift.h"

#include <string.h>

/* ---- reader ---------------------------------------------------------- */

void sm_pq_tr_init(sm_pq_tr_t *r, const void *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = data ? len : 0;
}

size_t sm_pq_tr_offset(const sm_pq_tr_t *r)
{
    return r->pos;
}

static size_t left(const sm_pq_tr_t *r)
{
    return r->len - r->pos;
}

static sm_err_t truncated(const sm_pq_tr_t *r, const char *what, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_CORRUPT,
                        "thrift: truncated %s at offset %zu (input is %zu bytes)", what, r->pos,
                        r->len);
}

static sm_err_t read_byte(sm_pq_tr_t *r, uint8_t *b, const char *what, sm_error_t *e)
{
    if (r->pos >= r->len)
        return truncated(r, what, e);
    *b = r->data[r->pos++];
    return SM_OK;
}

/* ULEB128, at most 10 bytes, must fit 64 bits. */
static sm_err_t read_uvarint(sm_pq_tr_t *r, uint64_t *v, sm_error_t *e)
{
    size_t start = r->pos;
    uint64_t x = 0;
    for (int i = 0; i < 10; i++) {
        if (r->pos >= r->len)
            return truncated(r, "varint", e);
        uint8_t b = r->data[r->pos++];
        if (i == 9 && b > 1)
            return sm_error_set(e, SM_ERR_CORRUPT, "thrift: varint at offset %zu overflows 64 bits",
                                start);
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return SM_OK;
        }
    }
    return sm_error_set(e, SM_ERR_CORRUPT, "thrift: varint at offset %zu is longer than 10 bytes",
                        start);
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static int valid_type(int t)
{
    return t >= SM_PQ_TC_BOOL_TRUE && t <= SM_PQ_TC_UUID;
}

sm_err_t sm_pq_tr_struct_begin(sm_pq_tr_t *r, sm_error_t *e)
{
    if (r->depth >= SM_PQ_THRIFT_MAX_DEPTH)
        return sm_error_set(e, SM_ERR_LIMIT, "thrift: nesting deeper than %d at offset %zu",
                            SM_PQ_THRIFT_MAX_DEPTH, r->pos);
    r->last_id[r->nstruct++] = 0;
    r->depth++;
    r->bool_pending = 0;
    return SM_OK;
}

void sm_pq_tr_struct_end(sm_pq_tr_t *r)
{
    if (r->nstruct > 0) {
        r->nstruct--;
        r->depth--;
    }
    r->bool_pending = 0;
}

sm_err_t sm_pq_tr_field(sm_pq_tr_t *r, int *type, int16_t *id, sm_error_t *e)
{
    r->bool_pending = 0;
    if (r->nstruct <= 0)
        return sm_error_set(e, SM_ERR_INTERNAL, "thrift: field read outside a struct");
    size_t at = r->pos;
    uint8_t b = 0;
    sm_err_t rc = read_byte(r, &b, "field header", e);
    if (rc)
        return rc;
    if (b == 0) {
        *type = SM_PQ_TC_STOP;
        *id = 0;
        return SM_OK;
    }
    int t = b & 0x0f, delta = b >> 4;
    if (!valid_type(t))
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: unknown field type %d at offset %zu", t,
                            at);
    int16_t *last = &r->last_id[r->nstruct - 1];
    int fid;
    if (delta) {
        fid = *last + delta;
        if (fid > INT16_MAX)
            return sm_error_set(e, SM_ERR_CORRUPT, "thrift: field id overflows at offset %zu", at);
    } else {
        uint64_t u = 0;
        rc = read_uvarint(r, &u, e);
        if (rc)
            return rc;
        int64_t v = unzigzag(u);
        if (v < INT16_MIN || v > INT16_MAX)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "thrift: field id %lld out of range at offset %zu", (long long)v,
                                at);
        fid = (int)v;
    }
    *last = (int16_t)fid;
    *id = (int16_t)fid;
    if (t == SM_PQ_TC_BOOL_TRUE || t == SM_PQ_TC_BOOL_FALSE) {
        r->bool_pending = 1;
        r->bool_value = t == SM_PQ_TC_BOOL_TRUE;
        t = SM_PQ_TC_BOOL;
    }
    *type = t;
    return SM_OK;
}

static const char *type_name(int t)
{
    switch (t) {
    case SM_PQ_TC_BOOL_TRUE:
    case SM_PQ_TC_BOOL_FALSE:
        return "bool";
    case SM_PQ_TC_I8:
        return "i8";
    case SM_PQ_TC_I16:
        return "i16";
    case SM_PQ_TC_I32:
        return "i32";
    case SM_PQ_TC_I64:
        return "i64";
    case SM_PQ_TC_DOUBLE:
        return "double";
    case SM_PQ_TC_BINARY:
        return "binary";
    case SM_PQ_TC_LIST:
        return "list";
    case SM_PQ_TC_SET:
        return "set";
    case SM_PQ_TC_MAP:
        return "map";
    case SM_PQ_TC_STRUCT:
        return "struct";
    case SM_PQ_TC_UUID:
        return "uuid";
    default:
        return "?";
    }
}

sm_err_t sm_pq_tr_int(sm_pq_tr_t *r, int type, int64_t *v, sm_error_t *e)
{
    size_t at = r->pos;
    if (type == SM_PQ_TC_I8) {
        uint8_t b = 0;
        sm_err_t rc = read_byte(r, &b, "i8", e);
        if (rc)
            return rc;
        *v = (int8_t)b;
        return SM_OK;
    }
    if (type != SM_PQ_TC_I16 && type != SM_PQ_TC_I32 && type != SM_PQ_TC_I64)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "thrift: expected an integer, found %s at offset %zu", type_name(type),
                            at);
    uint64_t u = 0;
    sm_err_t rc = read_uvarint(r, &u, e);
    if (rc)
        return rc;
    int64_t x = unzigzag(u);
    if ((type == SM_PQ_TC_I16 && (x < INT16_MIN || x > INT16_MAX)) ||
        (type == SM_PQ_TC_I32 && (x < INT32_MIN || x > INT32_MAX)))
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: %s value %lld out of range at offset %zu",
                            type_name(type), (long long)x, at);
    *v = x;
    return SM_OK;
}

static sm_err_t read_ranged(sm_pq_tr_t *r, int type, int64_t lo, int64_t hi, int64_t *v,
                            sm_error_t *e)
{
    size_t at = r->pos;
    sm_err_t rc = sm_pq_tr_int(r, type, v, e);
    if (rc)
        return rc;
    if (*v < lo || *v > hi)
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: integer %lld out of range at offset %zu",
                            (long long)*v, at);
    return SM_OK;
}

sm_err_t sm_pq_tr_i32(sm_pq_tr_t *r, int type, int32_t *v, sm_error_t *e)
{
    int64_t x = 0;
    sm_err_t rc = read_ranged(r, type, INT32_MIN, INT32_MAX, &x, e);
    *v = (int32_t)x;
    return rc;
}

sm_err_t sm_pq_tr_i16(sm_pq_tr_t *r, int type, int16_t *v, sm_error_t *e)
{
    int64_t x = 0;
    sm_err_t rc = read_ranged(r, type, INT16_MIN, INT16_MAX, &x, e);
    *v = (int16_t)x;
    return rc;
}

sm_err_t sm_pq_tr_i8(sm_pq_tr_t *r, int type, int8_t *v, sm_error_t *e)
{
    int64_t x = 0;
    sm_err_t rc = read_ranged(r, type, INT8_MIN, INT8_MAX, &x, e);
    *v = (int8_t)x;
    return rc;
}

sm_err_t sm_pq_tr_double(sm_pq_tr_t *r, double *v, sm_error_t *e)
{
    if (left(r) < 8)
        return truncated(r, "double", e);
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | r->data[r->pos + (size_t)i];
    r->pos += 8;
    memcpy(v, &u, sizeof *v);
    return SM_OK;
}

sm_err_t sm_pq_tr_bool(sm_pq_tr_t *r, bool *v, sm_error_t *e)
{
    if (r->bool_pending) {
        r->bool_pending = 0;
        *v = r->bool_value;
        return SM_OK;
    }
    size_t at = r->pos;
    uint8_t b = 0;
    sm_err_t rc = read_byte(r, &b, "bool", e);
    if (rc)
        return rc;
    if (b > 2)
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: bad bool byte %u at offset %zu", b, at);
    *v = b == 1;
    return SM_OK;
}

sm_err_t sm_pq_tr_binary(sm_pq_tr_t *r, const uint8_t **p, size_t *n, sm_error_t *e)
{
    size_t at = r->pos;
    uint64_t u = 0;
    sm_err_t rc = read_uvarint(r, &u, e);
    if (rc)
        return rc;
    if (u > INT32_MAX || u > left(r))
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "thrift: binary length %llu at offset %zu exceeds the %zu bytes left",
                            (unsigned long long)u, at, left(r));
    *p = r->data + r->pos;
    *n = (size_t)u;
    r->pos += (size_t)u;
    return SM_OK;
}

/* Smallest encoding of one element of a type (for count checks). */
static size_t min_size(int t)
{
    if (t == SM_PQ_TC_DOUBLE)
        return 8;
    if (t == SM_PQ_TC_UUID)
        return 16;
    return 1;
}

static sm_err_t enter(sm_pq_tr_t *r, size_t at, sm_error_t *e)
{
    if (r->depth >= SM_PQ_THRIFT_MAX_DEPTH)
        return sm_error_set(e, SM_ERR_LIMIT, "thrift: nesting deeper than %d at offset %zu",
                            SM_PQ_THRIFT_MAX_DEPTH, at);
    r->depth++;
    return SM_OK;
}

static sm_err_t check_count(sm_pq_tr_t *r, uint64_t count, size_t each, const char *what, size_t at,
                            sm_error_t *e)
{
    if (count > INT32_MAX || count > left(r) / each)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "thrift: %s of %llu elements at offset %zu cannot fit in the %zu bytes "
                            "left",
                            what, (unsigned long long)count, at, left(r));
    return SM_OK;
}

sm_err_t sm_pq_tr_list_begin(sm_pq_tr_t *r, int *elem, uint32_t *count, sm_error_t *e)
{
    r->bool_pending = 0;
    size_t at = r->pos;
    uint8_t b = 0;
    sm_err_t rc = read_byte(r, &b, "list header", e);
    if (rc)
        return rc;
    int t = b & 0x0f;
    uint64_t n = b >> 4;
    if (n == 15) {
        rc = read_uvarint(r, &n, e);
        if (rc)
            return rc;
    }
    if (!valid_type(t) && !(t == 0 && n == 0))
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: unknown list element type %d at offset %zu",
                            t, at);
    rc = check_count(r, n, min_size(t), "list", at, e);
    if (rc)
        return rc;
    rc = enter(r, at, e);
    if (rc)
        return rc;
    *elem = t == SM_PQ_TC_BOOL_FALSE ? SM_PQ_TC_BOOL : t;
    *count = (uint32_t)n;
    return SM_OK;
}

void sm_pq_tr_list_end(sm_pq_tr_t *r)
{
    if (r->depth > 0)
        r->depth--;
}

sm_err_t sm_pq_tr_map_begin(sm_pq_tr_t *r, int *key, int *val, uint32_t *count, sm_error_t *e)
{
    r->bool_pending = 0;
    size_t at = r->pos;
    uint64_t n = 0;
    sm_err_t rc = read_uvarint(r, &n, e);
    if (rc)
        return rc;
    int k = 0, v = 0;
    if (n > 0) {
        uint8_t b = 0;
        rc = read_byte(r, &b, "map header", e);
        if (rc)
            return rc;
        k = b >> 4;
        v = b & 0x0f;
        if (!valid_type(k) || !valid_type(v))
            return sm_error_set(e, SM_ERR_CORRUPT, "thrift: unknown map types %d/%d at offset %zu",
                                k, v, at);
        rc = check_count(r, n, min_size(k) + min_size(v), "map", at, e);
        if (rc)
            return rc;
    }
    rc = enter(r, at, e);
    if (rc)
        return rc;
    *key = k == SM_PQ_TC_BOOL_FALSE ? SM_PQ_TC_BOOL : k;
    *val = v == SM_PQ_TC_BOOL_FALSE ? SM_PQ_TC_BOOL : v;
    *count = (uint32_t)n;
    return SM_OK;
}

void sm_pq_tr_map_end(sm_pq_tr_t *r)
{
    sm_pq_tr_list_end(r);
}

static sm_err_t skip_bytes(sm_pq_tr_t *r, size_t n, const char *what, sm_error_t *e)
{
    if (left(r) < n)
        return truncated(r, what, e);
    r->pos += n;
    return SM_OK;
}

/* in_field: the value follows a field header (a bool then has no bytes). */
static sm_err_t skip_value(sm_pq_tr_t *r, int type, int in_field, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    uint64_t u = 0;
    switch (type) {
    case SM_PQ_TC_BOOL_TRUE:
    case SM_PQ_TC_BOOL_FALSE:
        if (in_field && r->bool_pending) {
            r->bool_pending = 0;
            return SM_OK;
        }
        return skip_bytes(r, 1, "bool", e);
    case SM_PQ_TC_I8:
        return skip_bytes(r, 1, "i8", e);
    case SM_PQ_TC_I16:
    case SM_PQ_TC_I32:
    case SM_PQ_TC_I64:
        return read_uvarint(r, &u, e);
    case SM_PQ_TC_DOUBLE:
        return skip_bytes(r, 8, "double", e);
    case SM_PQ_TC_UUID:
        return skip_bytes(r, 16, "uuid", e);
    case SM_PQ_TC_BINARY: {
        const uint8_t *p = NULL;
        size_t n = 0;
        return sm_pq_tr_binary(r, &p, &n, e);
    }
    case SM_PQ_TC_LIST:
    case SM_PQ_TC_SET: {
        int elem = 0;
        uint32_t n = 0;
        rc = sm_pq_tr_list_begin(r, &elem, &n, e);
        for (uint32_t i = 0; !rc && i < n; i++)
            rc = skip_value(r, elem, 0, e);
        if (!rc)
            sm_pq_tr_list_end(r);
        return rc;
    }
    case SM_PQ_TC_MAP: {
        int k = 0, v = 0;
        uint32_t n = 0;
        rc = sm_pq_tr_map_begin(r, &k, &v, &n, e);
        for (uint32_t i = 0; !rc && i < n; i++) {
            rc = skip_value(r, k, 0, e);
            if (!rc)
                rc = skip_value(r, v, 0, e);
        }
        if (!rc)
            sm_pq_tr_map_end(r);
        return rc;
    }
    case SM_PQ_TC_STRUCT: {
        rc = sm_pq_tr_struct_begin(r, e);
        while (!rc) {
            int t = 0;
            int16_t id = 0;
            rc = sm_pq_tr_field(r, &t, &id, e);
            if (rc || t == SM_PQ_TC_STOP)
                break;
            rc = skip_value(r, t, 1, e);
        }
        if (!rc)
            sm_pq_tr_struct_end(r);
        return rc;
    }
    default:
        return sm_error_set(e, SM_ERR_CORRUPT, "thrift: cannot skip unknown type %d at offset %zu",
                            type, r->pos);
    }
}

sm_err_t sm_pq_tr_skip(sm_pq_tr_t *r, int type, sm_error_t *e)
{
    return skip_value(r, type, 1, e);
}

/* ---- writer ---------------------------------------------------------- */

void sm_pq_tw_init(sm_pq_tw_t *w, sm_buf_t *out, sm_error_t *e)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->e = e;
}

sm_err_t sm_pq_tw_status(const sm_pq_tw_t *w)
{
    return w->rc;
}

static sm_err_t put(sm_pq_tw_t *w, const void *p, size_t n)
{
    if (w->rc)
        return w->rc;
    w->rc = sm_buf_append(w->out, p, n, w->e);
    return w->rc;
}

static sm_err_t put_byte(sm_pq_tw_t *w, uint8_t b)
{
    return put(w, &b, 1);
}

static sm_err_t put_uvarint(sm_pq_tw_t *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return put(w, tmp, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (0 - (uint64_t)(v < 0));
}

static sm_err_t fail(sm_pq_tw_t *w, sm_err_t code, const char *msg)
{
    if (!w->rc)
        w->rc = sm_error_set(w->e, code, "thrift writer: %s", msg);
    return w->rc;
}

sm_err_t sm_pq_tw_struct_begin(sm_pq_tw_t *w)
{
    if (w->rc)
        return w->rc;
    if (w->nstruct >= SM_PQ_THRIFT_MAX_DEPTH)
        return fail(w, SM_ERR_LIMIT, "structs nested too deep");
    w->last_id[w->nstruct++] = 0;
    return SM_OK;
}

sm_err_t sm_pq_tw_struct_end(sm_pq_tw_t *w)
{
    if (w->rc)
        return w->rc;
    if (w->nstruct <= 0)
        return fail(w, SM_ERR_INTERNAL, "struct end without a struct");
    w->nstruct--;
    return put_byte(w, SM_PQ_TC_STOP);
}

sm_err_t sm_pq_tw_field(sm_pq_tw_t *w, int type, int16_t id)
{
    if (w->rc)
        return w->rc;
    if (w->nstruct <= 0)
        return fail(w, SM_ERR_INTERNAL, "field outside a struct");
    if (type <= SM_PQ_TC_STOP || type > SM_PQ_TC_UUID)
        return fail(w, SM_ERR_INTERNAL, "bad field type");
    int16_t *last = &w->last_id[w->nstruct - 1];
    int delta = (int)id - (int)*last;
    *last = id;
    if (delta > 0 && delta <= 15)
        return put_byte(w, (uint8_t)(delta << 4 | type));
    put_byte(w, (uint8_t)type);
    return put_uvarint(w, zigzag(id));
}

sm_err_t sm_pq_tw_field_bool(sm_pq_tw_t *w, int16_t id, bool v)
{
    return sm_pq_tw_field(w, v ? SM_PQ_TC_BOOL_TRUE : SM_PQ_TC_BOOL_FALSE, id);
}

sm_err_t sm_pq_tw_i8(sm_pq_tw_t *w, int8_t v)
{
    return put_byte(w, (uint8_t)v);
}

sm_err_t sm_pq_tw_i16(sm_pq_tw_t *w, int16_t v)
{
    return put_uvarint(w, zigzag(v));
}

sm_err_t sm_pq_tw_i32(sm_pq_tw_t *w, int32_t v)
{
    return put_uvarint(w, zigzag(v));
}

sm_err_t sm_pq_tw_i64(sm_pq_tw_t *w, int64_t v)
{
    return put_uvarint(w, zigzag(v));
}

sm_err_t sm_pq_tw_double(sm_pq_tw_t *w, double v)
{
    uint64_t u = 0;
    memcpy(&u, &v, sizeof u);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    return put(w, b, 8);
}

sm_err_t sm_pq_tw_binary(sm_pq_tw_t *w, const void *p, size_t n)
{
    if (w->rc)
        return w->rc;
    if (n > INT32_MAX)
        return fail(w, SM_ERR_LIMIT, "binary value longer than 2^31-1 bytes");
    put_uvarint(w, n);
    return n ? put(w, p, n) : w->rc;
}

sm_err_t sm_pq_tw_bool(sm_pq_tw_t *w, bool v)
{
    return put_byte(w, v ? 1 : 2);
}

sm_err_t sm_pq_tw_list_begin(sm_pq_tw_t *w, int elem, uint32_t count)
{
    if (w->rc)
        return w->rc;
    if (elem <= SM_PQ_TC_STOP || elem > SM_PQ_TC_UUID)
        return fail(w, SM_ERR_INTERNAL, "bad list element type");
    if (count > INT32_MAX)
        return fail(w, SM_ERR_LIMIT, "list longer than 2^31-1 elements");
    if (count < 15)
        return put_byte(w, (uint8_t)(count << 4 | (uint32_t)elem));
    put_byte(w, (uint8_t)(0xf0 | elem));
    return put_uvarint(w, count);
}

sm_err_t sm_pq_tw_map_begin(sm_pq_tw_t *w, int key, int val, uint32_t count)
{
    if (w->rc)
        return w->rc;
    if (count > INT32_MAX)
        return fail(w, SM_ERR_LIMIT, "map larger than 2^31-1 entries");
    if (count == 0)
        return put_byte(w, 0);
    if (key <= SM_PQ_TC_STOP || key > SM_PQ_TC_UUID || val <= SM_PQ_TC_STOP || val > SM_PQ_TC_UUID)
        return fail(w, SM_ERR_INTERNAL, "bad map key or value type");
    put_uvarint(w, count);
    return put_byte(w, (uint8_t)(key << 4 | val));
}

sm_err_t sm_pq_tw_field_i8(sm_pq_tw_t *w, int16_t id, int8_t v)
{
    sm_pq_tw_field(w, SM_PQ_TC_I8, id);
    return sm_pq_tw_i8(w, v);
}

sm_err_t sm_pq_tw_field_i16(sm_pq_tw_t *w, int16_t id, int16_t v)
{
    sm_pq_tw_field(w, SM_PQ_TC_I16, id);
    return sm_pq_tw_i16(w, v);
}

sm_err_t sm_pq_tw_field_i32(sm_pq_tw_t *w, int16_t id, int32_t v)
{
    sm_pq_tw_field(w, SM_PQ_TC_I32, id);
    return sm_pq_tw_i32(w, v);
}

sm_err_t sm_pq_tw_field_i64(sm_pq_tw_t *w, int16_t id, int64_t v)
{
    sm_pq_tw_field(w, SM_PQ_TC_I64, id);
    return sm_pq_tw_i64(w, v);
}

sm_err_t sm_pq_tw_field_double(sm_pq_tw_t *w, int16_t id, double v)
{
    sm_pq_tw_field(w, SM_PQ_TC_DOUBLE, id);
    return sm_pq_tw_double(w, v);
}

sm_err_t sm_pq_tw_field_binary(sm_pq_tw_t *w, int16_t id, const void *p, size_t n)
{
    sm_pq_tw_field(w, SM_PQ_TC_BINARY, id);
    return sm_pq_tw_binary(w, p, n);
}

sm_err_t sm_pq_tw_field_empty_struct(sm_pq_tw_t *w, int16_t id)
{
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, id);
    sm_pq_tw_struct_begin(w);
    return sm_pq_tw_struct_end(w);
}
