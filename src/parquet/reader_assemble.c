/* parquet/reader_assemble — record assembly: level streams → Arrow layout.
 *
 * Each leaf's stream holds, for one batch, its definition and repetition
 * levels (one entry per "slot") and its dense non-null values.  A node at
 * repetition context r (sm_pq_node_t.rep) whose nearest list ancestor has
 * entries at definition level D has one instance per stream entry j with
 * rep[j] <= r and def[j] >= D (D = 0 outside lists).  The instance is
 * non-null when def[j] >= node->def.  A list's elements are the entries
 * with rep <= entry_rep and def >= entry_def, and belong to the last
 * instance at or before them.  Every node reads the stream of its first
 * leaf; siblings must agree on instance counts (else SM_ERR_CORRUPT).
 */
#include <string.h>

#include "core/mem.h"
#include "parquet/reader_int.h"

typedef struct asm_ctx {
    sm_pqr_stream_t *streams;
    uint32_t first_leaf;
    sm_error_t *e;
} asm_ctx_t;

static sm_pqr_stream_t *stream_of(asm_ctx_t *c, const sm_pq_node_t *n)
{
    while (n->leaf < 0) {
        if (!n->nchildren)
            return NULL;
        n = &n->children[0];
    }
    return &c->streams[(uint32_t)n->leaf - c->first_leaf];
}

/* Entry indexes with rep <= r and def >= d; *out NULL means "every entry"
 * (no levels to filter on).  The caller frees *out. */
static sm_err_t positions(asm_ctx_t *c, const sm_pqr_stream_t *s, int r, int d, uint32_t **out,
                          size_t *n)
{
    *out = NULL;
    if (!s->rep && d == 0) {
        *n = s->n;
        return SM_OK;
    }
    uint32_t *p = sm_malloc((s->n ? s->n : 1) * sizeof *p);
    if (!p)
        return sm_error_nomem(c->e, "parquet record assembly");
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++) {
        int rj = s->rep ? s->rep[j] : 0, dj = s->def ? s->def[j] : 0;
        if (rj <= r && dj >= d)
            p[k++] = (uint32_t)j;
    }
    *out = p;
    *n = k;
    return SM_OK;
}

static inline int def_at(const sm_pqr_stream_t *s, const uint32_t *p, size_t k)
{
    return s->def ? s->def[p ? p[k] : k] : 0;
}

/* Validity bitmap of n instances (def >= level); NULL when all are valid. */
static sm_err_t validity(asm_ctx_t *c, const sm_pqr_stream_t *s, const uint32_t *p, size_t n,
                         size_t cap, int level, uint8_t **out, size_t *nulls)
{
    *out = NULL;
    *nulls = 0;
    if (level == 0 || !s->def)
        return SM_OK;
    size_t bad = 0;
    for (size_t k = 0; k < n; k++)
        bad += def_at(s, p, k) < level;
    if (!bad)
        return SM_OK;
    uint8_t *v = sm_calloc(cap / 8 + 1, 1);
    if (!v)
        return sm_error_nomem(c->e, "parquet validity");
    for (size_t k = 0; k < n; k++)
        if (def_at(s, p, k) >= level)
            sm_bit_set(v, k);
    *out = v;
    *nulls = bad;
    return SM_OK;
}

static sm_err_t corrupt(asm_ctx_t *c, const sm_pq_node_t *n, const char *what)
{
    return sm_error_set(c->e, SM_ERR_CORRUPT, "parquet column \"%s\": %s", n->name, what);
}

/* A vector of node's type with no children built yet. */
static sm_err_t shell(asm_ctx_t *c, const sm_pq_node_t *node, sm_type_t *type, sm_vector_t **out)
{
    sm_err_t rc = sm_vector_new(type, 0, out, c->e);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < (*out)->nchildren; i++) {
        sm_vector_free((*out)->children[i]);
        (*out)->children[i] = NULL;
    }
    (void)node;
    return SM_OK;
}

/* Spreads the k dense values of v over n slots (valid bits in `valid`),
 * in place, from the back. */
static sm_err_t expand(asm_ctx_t *c, sm_vector_t *v, uint8_t *valid, size_t n, size_t nulls)
{
    size_t k = v->len;
    if (n > v->cap) {
        sm_err_t rc = sm_vector_reserve(v, n - v->len, c->e);
        if (rc)
            return rc;
    }
    if (valid) {
        /* the bitmap must cover the capacity */
        uint8_t *p = sm_realloc(valid, v->cap / 8 + 1);
        if (!p)
            return sm_error_nomem(c->e, "parquet validity");
        valid = p;
    }
    size_t j = k;
    sm_type_kind_t kind = v->type->kind;
    if (kind == SM_TYPE_BOOL) {
        for (size_t i = n; i-- > 0;) {
            if (sm_bit_get(valid, i) && sm_bit_get(v->values, --j))
                sm_bit_set(v->values, i);
            else
                sm_bit_clear(v->values, i);
        }
    } else if (kind == SM_TYPE_STRING || kind == SM_TYPE_BINARY) {
        int32_t *o = v->offsets;
        o[n] = o[k];
        for (size_t i = n; i-- > 0;) {
            if (sm_bit_get(valid, i))
                o[i] = o[--j];
            else
                o[i] = o[i + 1];
        }
    } else if (v->width) {
        size_t w = v->width;
        for (size_t i = n; i-- > 0;) {
            if (sm_bit_get(valid, i)) {
                if (--j != i)
                    memcpy(v->values + i * w, v->values + j * w, w);
            } else {
                memset(v->values + i * w, 0, w);
            }
        }
    }
    v->validity = valid;
    v->owns |= SM_VEC_OWN_VALIDITY;
    v->len = n;
    v->null_count = nulls;
    return SM_OK;
}

static sm_err_t build(asm_ctx_t *c, const sm_pq_node_t *node, int d, sm_vector_t **out);

static sm_err_t build_leaf(asm_ctx_t *c, const sm_pq_node_t *node, int d, sm_vector_t **out)
{
    sm_pqr_stream_t *s = stream_of(c, node);
    uint32_t *p = NULL;
    uint8_t *valid = NULL;
    size_t n, nulls;
    sm_err_t rc = positions(c, s, node->rep, d, &p, &n);
    if (rc)
        return rc;
    if ((rc = validity(c, s, p, n, n, node->def, &valid, &nulls)))
        goto out;
    if (n - nulls != s->vals->len) {
        rc = corrupt(c, node, "definition levels and value count disagree");
        goto out;
    }
    if (valid) {
        rc = expand(c, s->vals, valid, n, nulls);
        valid = NULL;
        if (rc)
            goto out;
    }
    *out = s->vals;
    s->vals = NULL;
out:
    sm_free(valid);
    sm_free(p);
    return rc;
}

/* LIST/MAP offsets of n instances p over the elements q[0..m). */
static sm_err_t offsets(asm_ctx_t *c, const sm_pq_node_t *node, const sm_pqr_stream_t *s,
                        const uint32_t *p, size_t n, const uint32_t *q, size_t m, int32_t *o)
{
    size_t j = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t at = p ? p[k] : (uint32_t)k;
        while (j < m && q[j] < at)
            j++;
        if (k == 0 && j != 0)
            return corrupt(c, node, "list elements before the first record");
        o[k] = (int32_t)j;
        if (def_at(s, p, k) < node->entry_def) {
            uint32_t next = k + 1 < n ? (p ? p[k + 1] : (uint32_t)k + 1) : UINT32_MAX;
            if (j < m && q[j] < next)
                return corrupt(c, node, "elements in a null or empty list");
        }
    }
    o[n] = (int32_t)m;
    return SM_OK;
}

static sm_err_t build_nested(asm_ctx_t *c, const sm_pq_node_t *node, int d, sm_vector_t **out)
{
    sm_pqr_stream_t *s = stream_of(c, node);
    uint32_t *p = NULL, *q = NULL;
    uint8_t *valid = NULL;
    size_t n, m = 0, nulls;
    sm_vector_t *v = NULL, *ent = NULL;
    sm_type_kind_t kind = node->type->kind;
    if (!s)
        return corrupt(c, node, "group without leaves");
    sm_err_t rc = positions(c, s, node->rep, d, &p, &n);
    if (rc)
        return rc;
    if ((rc = validity(c, s, p, n, n, node->nullable ? node->def : 0, &valid, &nulls)))
        goto out;
    if ((rc = shell(c, node, node->type, &v)))
        goto out;
    v->validity = valid;
    valid = NULL;
    v->null_count = nulls;
    if (kind == SM_TYPE_STRUCT) {
        v->len = v->cap = n;
        for (uint32_t i = 0; i < node->nchildren; i++) {
            if ((rc = build(c, &node->children[i], d, &v->children[i])))
                goto out;
            if (v->children[i]->len != n) {
                rc = corrupt(c, node, "struct fields have different row counts");
                goto out;
            }
        }
        goto done;
    }
    /* LIST or MAP */
    if ((rc = positions(c, s, node->entry_rep, node->entry_def, &q, &m)))
        goto out;
    if (!q && m) { /* cannot happen: entry_def > 0 */
        rc = corrupt(c, node, "list without levels");
        goto out;
    }
    int32_t *o = sm_realloc(v->offsets, (n + 1) * sizeof *o);
    if (!o) {
        rc = sm_error_nomem(c->e, "parquet list offsets");
        goto out;
    }
    v->offsets = o;
    v->len = v->cap = n;
    if ((rc = offsets(c, node, s, p, n, q, m, o)))
        goto out;
    if (kind == SM_TYPE_LIST) {
        if ((rc = build(c, &node->children[0], node->entry_def, &v->children[0])))
            goto out;
        if (v->children[0]->len != m) {
            rc = corrupt(c, node, "list element count disagrees with the levels");
            goto out;
        }
        goto done;
    }
    /* MAP: entries STRUCT<key, value> */
    if (node->nchildren != 2) {
        rc = corrupt(c, node, "map without key and value");
        goto out;
    }
    if ((rc = shell(c, node, node->type->fields[0].type, &ent)))
        goto out;
    ent->len = ent->cap = m;
    v->children[0] = ent;
    for (uint32_t i = 0; i < 2; i++) {
        if ((rc = build(c, &node->children[i], node->entry_def, &ent->children[i])))
            goto out;
        if (ent->children[i]->len != m) {
            rc = corrupt(c, node, "map keys and values disagree with the levels");
            goto out;
        }
    }
done:
    *out = v;
    v = NULL;
out:
    sm_vector_free(v);
    sm_free(valid);
    sm_free(p);
    sm_free(q);
    return rc;
}

static sm_err_t build(asm_ctx_t *c, const sm_pq_node_t *node, int d, sm_vector_t **out)
{
    *out = NULL;
    if (node->leaf >= 0)
        return build_leaf(c, node, d, out);
    return build_nested(c, node, d, out);
}

/* A top-level flat leaf whose every value of the batch came from one
 * dictionary: spreads the stream's dense codes over the rows of v (a NULL
 * row gets code 0) and attaches them (columnar/vector.h). */
static sm_err_t attach_codes(asm_ctx_t *c, sm_pqr_stream_t *s, sm_vector_t *v)
{
    if (s->codes_state != 1 || !s->dict || v->offset)
        return SM_OK;
    size_t n = v->len, k = n - v->null_count;
    if (n > s->codes_cap) {
        uint32_t *p = sm_realloc(s->codes, n * sizeof *p);
        if (!p)
            return sm_error_nomem(c->e, "parquet dictionary codes");
        s->codes = p;
        s->codes_cap = n;
    }
    uint32_t *codes = s->codes;
    if (v->null_count && v->validity) {
        for (size_t i = n; i-- > 0;)
            codes[i] = sm_bit_get(v->validity, i) ? codes[--k] : 0;
    }
    sm_vector_set_dict(v, s->dict, codes, true);
    s->codes = NULL;
    s->codes_cap = 0;
    return SM_OK;
}

sm_err_t sm_pqr_assemble(const sm_pq_node_t *col, sm_pqr_stream_t *streams, uint32_t first_leaf,
                         size_t nrows, sm_vector_t **out, sm_error_t *e)
{
    asm_ctx_t c = {.streams = streams, .first_leaf = first_leaf, .e = e};
    sm_err_t rc = build(&c, col, 0, out);
    if (rc)
        return rc;
    if ((*out)->len != nrows) {
        size_t got = (*out)->len;
        sm_vector_free(*out);
        *out = NULL;
        return sm_error_set(e, SM_ERR_CORRUPT, "parquet column \"%s\": %zu rows, expected %zu",
                            col->name, got, nrows);
    }
    if (col->leaf >= 0 &&
        (rc = attach_codes(&c, &streams[(uint32_t)col->leaf - first_leaf], *out))) {
        sm_vector_free(*out);
        *out = NULL;
    }
    return rc;
}
