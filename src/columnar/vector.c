#include "columnar/vector.h"

#include <math.h>

#include "core/hash.h"
#include "core/mem.h"

size_t sm_bits_count(const uint8_t *bits, size_t start, size_t n)
{
    size_t count = 0, i = start, end = start + n;
    while (i < end && (i & 7))
        count += sm_bit_get(bits, i++);
    while (i + 8 <= end) {
        count += (size_t)__builtin_popcount(bits[i >> 3]);
        i += 8;
    }
    while (i < end)
        count += sm_bit_get(bits, i++);
    return count;
}

static size_t bitmap_bytes(size_t bits)
{
    return bits / 8 + 1; /* one spare byte keeps (cap + 7) / 8 safe at any cap */
}

bool sm_vector_is_builder(const sm_vector_t *v)
{
    return v->offset == 0 && (!v->validity || (v->owns & SM_VEC_OWN_VALIDITY)) &&
           (!v->values || (v->owns & SM_VEC_OWN_VALUES)) &&
           (!v->offsets || (v->owns & SM_VEC_OWN_OFFSETS)) &&
           (!v->data || (v->owns & SM_VEC_OWN_DATA));
}

static sm_err_t not_builder(sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_INVALID, "cannot append to a read-only vector view");
}

/* ---- lifecycle -------------------------------------------------------- */

void sm_vector_free(sm_vector_t *v)
{
    if (!v)
        return;
    sm_vector_drop_dict(v);
    if (v->owns & SM_VEC_OWN_VALIDITY)
        sm_free(v->validity);
    if (v->owns & SM_VEC_OWN_VALUES)
        sm_free(v->values);
    if (v->owns & SM_VEC_OWN_OFFSETS)
        sm_free(v->offsets);
    if (v->owns & SM_VEC_OWN_DATA)
        sm_free(v->data);
    for (uint32_t k = 0; k < v->nchildren; k++)
        sm_vector_free(v->children[k]);
    sm_free(v->children);
    sm_type_free(v->type);
    sm_free(v);
}

/* A vector struct with its type and an (empty) children array. */
static sm_vector_t *alloc_shell(sm_type_t *type)
{
    sm_vector_t *v = sm_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->type = sm_type_ref(type);
    v->width = (uint8_t)sm_type_byte_width(type->kind);
    v->owns = SM_VEC_OWN_ALL;
    if (sm_type_is_nested(type->kind) && type->nfields) {
        v->children = sm_calloc(type->nfields, sizeof *v->children);
        if (!v->children) {
            sm_vector_free(v);
            return NULL;
        }
        v->nchildren = type->nfields;
    }
    return v;
}

/* Grows the own buffers of a builder to hold `need` rows. */
static sm_err_t grow(sm_vector_t *v, size_t need, sm_error_t *e)
{
    if (need <= v->cap && (v->offsets || !sm_type_has_offsets(v->type->kind)))
        return SM_OK;
    size_t cap = v->cap * 2 > need ? v->cap * 2 : need;
    if (cap < 8)
        cap = 8;
    size_t bytes;
    sm_type_kind_t kind = v->type->kind;
    if (v->width) {
        if (!sm_size_mul(cap, v->width, &bytes))
            return sm_error_set(e, SM_ERR_LIMIT, "vector of %zu rows is too large", cap);
        uint8_t *p = sm_realloc(v->values, bytes);
        if (!p)
            return sm_error_nomem(e, "vector values");
        v->values = p;
    } else if (kind == SM_TYPE_BOOL) {
        uint8_t *p = sm_realloc(v->values, bitmap_bytes(cap));
        if (!p)
            return sm_error_nomem(e, "vector values");
        v->values = p;
    }
    if (sm_type_has_offsets(kind)) {
        if (cap >= SM_VECTOR_MAX_BYTES)
            return sm_error_set(e, SM_ERR_LIMIT, "vector of %zu rows is too large", cap);
        bool fresh = !v->offsets;
        int32_t *p = sm_realloc(v->offsets, (cap + 1) * sizeof *p);
        if (!p)
            return sm_error_nomem(e, "vector offsets");
        v->offsets = p;
        if (fresh)
            p[0] = 0;
    }
    if (v->validity) {
        uint8_t *p = sm_realloc(v->validity, bitmap_bytes(cap));
        if (!p)
            return sm_error_nomem(e, "vector validity");
        v->validity = p;
    }
    v->cap = cap;
    return SM_OK;
}

sm_err_t sm_vector_new(sm_type_t *type, size_t cap, sm_vector_t **out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *out = NULL;
    if (!type)
        return sm_error_set(e, SM_ERR_INVALID, "vector: no type");
    sm_vector_t *v = alloc_shell(type);
    if (!v)
        return sm_error_nomem(e, "vector");
    if ((cap || sm_type_has_offsets(type->kind)) && (rc = grow(v, cap, e)))
        goto out;
    for (uint32_t k = 0; k < v->nchildren; k++)
        if ((rc = sm_vector_new(type->fields[k].type, cap, &v->children[k], e)))
            goto out;
    *out = v;
    return SM_OK;
out:
    sm_vector_free(v);
    return rc;
}

sm_err_t sm_vector_wrap(sm_type_t *type, size_t len, const uint8_t *validity, const void *values,
                        const int32_t *offsets, const uint8_t *data, size_t data_len,
                        sm_vector_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!type || type->kind == SM_TYPE_NULL || sm_type_is_nested(type->kind))
        return sm_error_set(e, SM_ERR_INVALID, "vector_wrap: kind %s cannot be wrapped",
                            type ? sm_type_kind_name(type->kind) : "(none)");
    bool var = sm_type_has_offsets(type->kind);
    if (len && ((var && (!offsets || (!data && data_len))) || (!var && !values)))
        return sm_error_set(e, SM_ERR_INVALID, "vector_wrap: missing buffer");
    if (var && offsets && data_len > SM_VECTOR_MAX_BYTES)
        return sm_error_set(e, SM_ERR_LIMIT, "vector_wrap: %zu data bytes", data_len);
    if (var && offsets) {
        for (size_t i = 0; i <= len; i++) {
            if (offsets[i] < 0 || (size_t)offsets[i] > data_len ||
                (i && offsets[i] < offsets[i - 1]))
                return sm_error_set(e, SM_ERR_CORRUPT,
                                    "vector_wrap: offset %zu (%d) is out of order or past the "
                                    "%zu data bytes",
                                    i, (int)offsets[i], data_len);
        }
    }
    sm_vector_t *v = alloc_shell(type);
    if (!v)
        return sm_error_nomem(e, "vector");
    v->owns = 0;
    v->len = v->cap = len;
    v->validity = (uint8_t *)validity;
    v->values = (uint8_t *)values;
    v->offsets = (int32_t *)offsets;
    v->data = (uint8_t *)data;
    v->data_len = data_len;
    v->null_count = validity ? len - sm_bits_count(validity, 0, len) : 0;
    *out = v;
    return SM_OK;
}

sm_err_t sm_vector_slice(const sm_vector_t *v, size_t off, size_t len, sm_vector_t **out,
                         sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *out = NULL;
    if (off > v->len || len > v->len - off)
        return sm_error_set(e, SM_ERR_INVALID,
                            "slice [%zu, %zu+%zu) is outside a vector of %zu rows", off, off, len,
                            v->len);
    sm_vector_t *s = alloc_shell(v->type);
    if (!s)
        return sm_error_nomem(e, "vector slice");
    s->owns = 0;
    s->len = s->cap = len;
    s->offset = v->offset + off;
    s->validity = v->validity;
    s->values = v->values;
    s->offsets = v->offsets;
    s->data = v->data;
    s->data_len = v->data_len;
    if (v->dict)
        sm_vector_set_dict(s, v->dict, (uint32_t *)v->codes, false);
    if (v->null_count == 0 || !v->validity)
        s->null_count = 0;
    else if (v->null_count == v->len)
        s->null_count = len;
    else
        s->null_count = len - sm_bits_count(v->validity, s->offset, len);
    for (uint32_t k = 0; k < s->nchildren; k++) {
        const sm_vector_t *c = v->children[k];
        if (v->type->kind == SM_TYPE_STRUCT)
            rc = sm_vector_slice(c, off, len, &s->children[k], e);
        else
            rc = sm_vector_slice(c, 0, c->len, &s->children[k], e);
        if (rc) {
            sm_vector_free(s);
            return rc;
        }
    }
    *out = s;
    return SM_OK;
}

sm_err_t sm_vector_view(const sm_vector_t *v, sm_vector_t **out, sm_error_t *e)
{
    return sm_vector_slice(v, 0, v->len, out, e);
}

sm_err_t sm_vector_copy(const sm_vector_t *v, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *c = NULL;
    sm_err_t rc = sm_vector_new(v->type, v->len, &c, e);
    if (!rc)
        rc = sm_vector_append_range(c, v, 0, v->len, e);
    if (rc) {
        sm_vector_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

void sm_vector_reset(sm_vector_t *v)
{
    sm_vector_drop_dict(v);
    if (!sm_vector_is_builder(v)) {
        if (v->owns & SM_VEC_OWN_VALIDITY)
            sm_free(v->validity);
        if (v->owns & SM_VEC_OWN_VALUES)
            sm_free(v->values);
        if (v->owns & SM_VEC_OWN_OFFSETS)
            sm_free(v->offsets);
        if (v->owns & SM_VEC_OWN_DATA)
            sm_free(v->data);
        v->validity = v->values = v->data = NULL;
        v->offsets = NULL;
        v->owns = SM_VEC_OWN_ALL;
        v->offset = 0;
        v->cap = 0;
        v->data_cap = 0;
    }
    v->len = 0;
    v->null_count = 0;
    v->data_len = 0;
    if (v->offsets)
        v->offsets[0] = 0;
    for (uint32_t k = 0; k < v->nchildren; k++)
        sm_vector_reset(v->children[k]);
}

/* ---- building --------------------------------------------------------- */

static sm_err_t room(sm_vector_t *v, size_t extra, sm_error_t *e)
{
    if (v->dict)
        sm_vector_drop_dict(v);
    if (!sm_vector_is_builder(v))
        return not_builder(e);
    if (extra > SIZE_MAX / 4 - v->len)
        return sm_error_set(e, SM_ERR_LIMIT, "vector too large");
    return grow(v, v->len + extra, e);
}

sm_err_t sm_vector_reserve(sm_vector_t *v, size_t extra, sm_error_t *e)
{
    sm_err_t rc = room(v, extra, e);
    if (!rc && v->type->kind == SM_TYPE_STRUCT)
        for (uint32_t k = 0; !rc && k < v->nchildren; k++)
            rc = sm_vector_reserve(v->children[k], extra, e);
    return rc;
}

sm_err_t sm_vector_reserve_data(sm_vector_t *v, size_t extra, sm_error_t *e)
{
    if (!sm_vector_is_builder(v))
        return not_builder(e);
    if (extra > SM_VECTOR_MAX_BYTES - v->data_len)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "string data of a vector would exceed %zu bytes (row %zu)",
                            SM_VECTOR_MAX_BYTES, v->len);
    size_t need = v->data_len + extra;
    if (need <= v->data_cap && v->data)
        return SM_OK;
    size_t cap = v->data_cap * 2 > need ? v->data_cap * 2 : need;
    if (cap < 64)
        cap = 64;
    if (cap > SM_VECTOR_MAX_BYTES)
        cap = SM_VECTOR_MAX_BYTES;
    uint8_t *p = sm_realloc(v->data, cap);
    if (!p)
        return sm_error_nomem(e, "vector string data");
    v->data = p;
    v->data_cap = cap;
    return SM_OK;
}

/* Makes sure a builder with room for its rows has a validity bitmap. */
static sm_err_t need_validity(sm_vector_t *v, sm_error_t *e)
{
    if (v->validity)
        return SM_OK;
    v->validity = sm_malloc(bitmap_bytes(v->cap));
    if (!v->validity)
        return sm_error_nomem(e, "vector validity");
    memset(v->validity, 0xff, bitmap_bytes(v->cap));
    v->owns |= SM_VEC_OWN_VALIDITY;
    return SM_OK;
}

sm_err_t sm_vector_prepare_append(sm_vector_t *v, int width, sm_error_t *e)
{
    sm_type_kind_t kind = v->type->kind;
    bool ok = width == 0 ? kind == SM_TYPE_BOOL : v->width == width;
    if (!ok)
        return sm_error_set(e, SM_ERR_INVALID, "cannot append a %d-byte value to a %s vector",
                            width, sm_type_kind_name(kind));
    return room(v, 1, e);
}

sm_err_t sm_vector_append_null(sm_vector_t *v, sm_error_t *e)
{
    sm_err_t rc = room(v, 1, e);
    if (!rc)
        rc = need_validity(v, e);
    if (rc)
        return rc;
    size_t i = v->len;
    sm_type_kind_t kind = v->type->kind;
    if (kind == SM_TYPE_STRUCT) {
        for (uint32_t k = 0; k < v->nchildren; k++) {
            if ((rc = sm_vector_append_null(v->children[k], e))) {
                for (uint32_t j = 0; j < k; j++)
                    sm_vector_truncate(v->children[j], i);
                return rc;
            }
        }
    } else if (kind == SM_TYPE_BOOL) {
        sm_bit_clear(v->values, i);
    } else if (v->width) {
        memset(v->values + i * v->width, 0, v->width);
    } else if (v->offsets) {
        v->offsets[i + 1] = v->offsets[i];
    }
    sm_bit_clear(v->validity, i);
    v->len++;
    v->null_count++;
    return SM_OK;
}

sm_err_t sm_vector_append_bytes(sm_vector_t *v, const void *p, size_t n, sm_error_t *e)
{
    sm_type_kind_t kind = v->type->kind;
    if (kind != SM_TYPE_STRING && kind != SM_TYPE_BINARY)
        return sm_error_set(e, SM_ERR_INVALID, "cannot append bytes to a %s vector",
                            sm_type_kind_name(kind));
    sm_err_t rc = room(v, 1, e);
    if (!rc)
        rc = sm_vector_reserve_data(v, n, e);
    if (rc)
        return rc;
    if (n)
        memcpy(v->data + v->data_len, p, n);
    v->data_len += n;
    v->offsets[v->len + 1] = (int32_t)v->data_len;
    if (v->validity)
        sm_bit_set(v->validity, v->len);
    v->len++;
    return SM_OK;
}

sm_err_t sm_vector_append_str(sm_vector_t *v, const char *s, sm_error_t *e)
{
    return sm_vector_append_bytes(v, s, strlen(s), e);
}

sm_err_t sm_vector_append_list(sm_vector_t *v, sm_error_t *e)
{
    sm_type_kind_t kind = v->type->kind;
    if (kind != SM_TYPE_LIST && kind != SM_TYPE_MAP)
        return sm_error_set(e, SM_ERR_INVALID, "cannot close a list row of a %s vector",
                            sm_type_kind_name(kind));
    sm_err_t rc = room(v, 1, e);
    if (rc)
        return rc;
    size_t n = v->children[0]->len;
    if (n > SM_VECTOR_MAX_BYTES)
        return sm_error_set(e, SM_ERR_LIMIT, "a list vector would hold more than %zu elements",
                            SM_VECTOR_MAX_BYTES);
    if (n < (size_t)v->offsets[v->len])
        return sm_error_set(e, SM_ERR_INVALID, "list child shrank below the previous row");
    v->offsets[v->len + 1] = (int32_t)n;
    if (v->validity)
        sm_bit_set(v->validity, v->len);
    v->len++;
    return SM_OK;
}

sm_err_t sm_vector_append_struct(sm_vector_t *v, sm_error_t *e)
{
    if (v->type->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "cannot close a struct row of a %s vector",
                            sm_type_kind_name(v->type->kind));
    for (uint32_t k = 0; k < v->nchildren; k++)
        if (v->children[k]->len != v->len + 1)
            return sm_error_set(e, SM_ERR_INVALID,
                                "struct row %zu: field '%s' has %zu rows, expected %zu", v->len,
                                v->type->fields[k].name, v->children[k]->len, v->len + 1);
    sm_err_t rc = room(v, 1, e);
    if (rc)
        return rc;
    if (v->validity)
        sm_bit_set(v->validity, v->len);
    v->len++;
    return SM_OK;
}

static void copy_bits(uint8_t *dst, size_t doff, const uint8_t *src, size_t soff, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (sm_bit_get(src, soff + k))
            sm_bit_set(dst, doff + k);
        else
            sm_bit_clear(dst, doff + k);
    }
}

/* Copies the own values (not validity) of rows [start, start+n) of src. */
static sm_err_t append_values(sm_vector_t *dst, const sm_vector_t *src, size_t start, size_t n,
                              sm_error_t *e)
{
    size_t s = src->offset + start, d = dst->len;
    sm_err_t rc = SM_OK;
    switch (dst->type->kind) {
    case SM_TYPE_NULL:
        return SM_OK;
    case SM_TYPE_BOOL:
        copy_bits(dst->values, d, src->values, s, n);
        return SM_OK;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        int32_t a = src->offsets[s], b = src->offsets[s + n];
        size_t base = dst->data_len;
        if ((rc = sm_vector_reserve_data(dst, (size_t)(b - a), e)))
            return rc;
        if (b > a)
            memcpy(dst->data + base, src->data + a, (size_t)(b - a));
        dst->data_len += (size_t)(b - a);
        for (size_t k = 1; k <= n; k++)
            dst->offsets[d + k] = (int32_t)(src->offsets[s + k] - a + (int32_t)base);
        return SM_OK;
    }
    case SM_TYPE_LIST:
    case SM_TYPE_MAP: {
        int32_t a = src->offsets[s], b = src->offsets[s + n];
        size_t base = dst->children[0]->len;
        if ((size_t)(b - a) > SM_VECTOR_MAX_BYTES - base)
            return sm_error_set(e, SM_ERR_LIMIT, "a list vector would hold more than %zu elements",
                                SM_VECTOR_MAX_BYTES);
        rc = sm_vector_append_range(dst->children[0], src->children[0], (size_t)a, (size_t)(b - a),
                                    e);
        if (rc)
            return rc;
        for (size_t k = 1; k <= n; k++)
            dst->offsets[d + k] = (int32_t)(src->offsets[s + k] - a + (int32_t)base);
        return SM_OK;
    }
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; !rc && k < dst->nchildren; k++)
            rc = sm_vector_append_range(dst->children[k], src->children[k], start, n, e);
        return rc;
    default:
        if (n)
            memcpy(dst->values + d * dst->width, src->values + s * src->width, n * dst->width);
        return SM_OK;
    }
}

sm_err_t sm_vector_append_range(sm_vector_t *dst, const sm_vector_t *src, size_t start, size_t n,
                                sm_error_t *e)
{
    if (!sm_type_equal_ex(dst->type, src->type,
                          SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE)) {
        char a[128], b[128];
        return sm_error_set(e, SM_ERR_INVALID, "cannot append %s rows to a %s vector",
                            sm_type_name(src->type, b, sizeof b),
                            sm_type_name(dst->type, a, sizeof a));
    }
    if (start > src->len || n > src->len - start)
        return sm_error_set(e, SM_ERR_INVALID, "rows [%zu, %zu+%zu) are outside a vector of %zu",
                            start, start, n, src->len);
    size_t old = dst->len;
    sm_err_t rc = room(dst, n, e);
    if (rc)
        return rc;
    size_t valid = src->validity ? sm_bits_count(src->validity, src->offset + start, n) : n;
    if (valid < n && (rc = need_validity(dst, e)))
        return rc;
    if ((rc = append_values(dst, src, start, n, e))) {
        sm_vector_truncate(dst, old);
        return rc;
    }
    if (dst->validity) {
        if (valid < n)
            copy_bits(dst->validity, old, src->validity, src->offset + start, n);
        else
            for (size_t k = 0; k < n; k++)
                sm_bit_set(dst->validity, old + k);
    }
    dst->len += n;
    dst->null_count += n - valid;
    return SM_OK;
}

sm_err_t sm_vector_append_from(sm_vector_t *dst, const sm_vector_t *src, size_t i, sm_error_t *e)
{
    return sm_vector_append_range(dst, src, i, 1, e);
}

sm_err_t sm_vector_set_len(sm_vector_t *v, size_t len, sm_error_t *e)
{
    sm_vector_drop_dict(v);
    if (!sm_vector_is_builder(v))
        return not_builder(e);
    if (len > v->cap)
        return sm_error_set(e, SM_ERR_INVALID, "vector length %zu exceeds its capacity %zu", len,
                            v->cap);
    if (v->offsets && (v->type->kind == SM_TYPE_STRING || v->type->kind == SM_TYPE_BINARY)) {
        if (v->offsets[len] < 0 || (size_t)v->offsets[len] > v->data_cap)
            return sm_error_set(e, SM_ERR_INVALID, "vector offsets point past its data");
        v->data_len = (size_t)v->offsets[len];
    }
    v->len = len;
    v->null_count = v->validity ? len - sm_bits_count(v->validity, 0, len) : 0;
    return SM_OK;
}

void sm_vector_truncate(sm_vector_t *v, size_t len)
{
    sm_vector_drop_dict(v);
    if (len > v->len)
        return;
    sm_type_kind_t kind = v->type->kind;
    if (kind == SM_TYPE_STRUCT) {
        for (uint32_t k = 0; k < v->nchildren; k++)
            sm_vector_truncate(v->children[k], len);
    } else if (v->offsets && (kind == SM_TYPE_LIST || kind == SM_TYPE_MAP)) {
        sm_vector_truncate(v->children[0], (size_t)v->offsets[v->offset + len]);
    } else if (v->offsets) {
        v->data_len = (size_t)v->offsets[v->offset + len];
    }
    v->len = len;
    v->null_count = v->validity ? len - sm_bits_count(v->validity, v->offset, len) : 0;
}

/* ---- equality --------------------------------------------------------- */

static bool row_equal(const sm_vector_t *a, size_t i, const sm_vector_t *b, size_t j)
{
    bool na = sm_vector_is_null(a, i), nb = sm_vector_is_null(b, j);
    if (na || nb)
        return na == nb;
    switch (a->type->kind) {
    case SM_TYPE_NULL:
        return true;
    case SM_TYPE_BOOL:
        return sm_vector_get_bool(a, i) == sm_vector_get_bool(b, j);
    case SM_TYPE_FLOAT32: {
        float x = sm_vector_get_f32(a, i), y = sm_vector_get_f32(b, j);
        return x == y || (isnan(x) && isnan(y));
    }
    case SM_TYPE_FLOAT64: {
        double x = sm_vector_get_f64(a, i), y = sm_vector_get_f64(b, j);
        return x == y || (isnan(x) && isnan(y));
    }
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t la, lb;
        const uint8_t *pa = sm_vector_get_bytes(a, i, &la), *pb = sm_vector_get_bytes(b, j, &lb);
        return la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
    }
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; k < a->nchildren; k++)
            if (!row_equal(a->children[k], i, b->children[k], j))
                return false;
        return true;
    case SM_TYPE_LIST:
    case SM_TYPE_MAP: {
        size_t as, ae, bs, be;
        sm_vector_list_range(a, i, &as, &ae);
        sm_vector_list_range(b, j, &bs, &be);
        if (ae - as != be - bs)
            return false;
        for (size_t k = 0; k < ae - as; k++)
            if (!row_equal(a->children[0], as + k, b->children[0], bs + k))
                return false;
        return true;
    }
    default:
        return memcmp(a->values + (a->offset + i) * a->width,
                      b->values + (b->offset + j) * b->width, a->width) == 0;
    }
}

bool sm_vector_equal(const sm_vector_t *a, const sm_vector_t *b)
{
    if (!sm_type_equal_ex(a->type, b->type, SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE))
        return false;
    if (a->len != b->len || a->null_count != b->null_count)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (!row_equal(a, i, b, i))
            return false;
    return true;
}

/* ---- dictionary codes ------------------------------------------------- */

static uint64_t dict_next_id = 1; /* atomic */

sm_err_t sm_dict_new(sm_vector_t *values, sm_dict_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!values || sm_type_is_nested(values->type->kind))
        return sm_error_set(e, SM_ERR_INVALID, "dictionary of a nested or missing vector");
    sm_dict_t *d = sm_calloc(1, sizeof *d);
    if (!d)
        return sm_error_nomem(e, "dictionary");
    d->values = values;
    d->id = __atomic_fetch_add(&dict_next_id, 1, __ATOMIC_RELAXED);
    d->refs = 1;
    *out = d;
    return SM_OK;
}

sm_dict_t *sm_dict_ref(sm_dict_t *d)
{
    if (d)
        __atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
    return d;
}

void sm_dict_unref(sm_dict_t *d)
{
    if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    sm_vector_free(d->values);
    sm_free(__atomic_load_n(&d->hashes, __ATOMIC_ACQUIRE));
    sm_free(d);
}

sm_err_t sm_dict_hashes(sm_dict_t *d, const uint64_t **out, sm_error_t *e)
{
    uint64_t *h = __atomic_load_n(&d->hashes, __ATOMIC_ACQUIRE);
    *out = h;
    if (h)
        return SM_OK;
    const sm_vector_t *v = d->values;
    if (v->type->kind != SM_TYPE_STRING && v->type->kind != SM_TYPE_BINARY)
        return sm_error_set(e, SM_ERR_INVALID, "hashes of a %s dictionary",
                            sm_type_kind_name(v->type->kind));
    h = sm_malloc((v->len ? v->len : 1) * sizeof *h);
    if (!h)
        return sm_error_nomem(e, "dictionary hashes");
    for (size_t i = 0; i < v->len; i++) {
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(v, i, &n);
        h[i] = sm_hash_bytes(n ? p : (const uint8_t *)"", n, 0);
    }
    /* Several threads may race here: the first to publish wins. */
    uint64_t *none = NULL;
    if (!__atomic_compare_exchange_n(&d->hashes, &none, h, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        sm_free(h);
        h = none;
    }
    *out = h;
    return SM_OK;
}

void sm_vector_set_dict(sm_vector_t *v, sm_dict_t *d, uint32_t *codes, bool own)
{
    sm_dict_t *ref = sm_dict_ref(d);
    sm_vector_drop_dict(v);
    v->dict = ref;
    v->codes = codes;
    if (own)
        v->owns |= SM_VEC_OWN_CODES;
}

void sm_vector_drop_dict(sm_vector_t *v)
{
    if (v->owns & SM_VEC_OWN_CODES)
        sm_free((void *)v->codes);
    v->owns &= (uint8_t)~SM_VEC_OWN_CODES;
    sm_dict_unref(v->dict);
    v->dict = NULL;
    v->codes = NULL;
}
