/* Shredding (the Dremel encoding): a column's vectors → per-leaf definition
 * levels, repetition levels and positions of the non-null values. */
#include <string.h>

#include "core/mem.h"
#include "parquet/writer_int.h"

typedef struct leafbuf {
    sm_buf_t def, rep, idx;
    const sm_vector_t *vec; /* the leaf's vector in this batch */
    size_t n, nv;           /* levels, values */
} leafbuf_t;

typedef struct shred {
    leafbuf_t *lb; /* indexed by leaf - first */
    int32_t first;
    sm_error_t *e;
} shred_t;

void sm_pq_node_leaf_range(const sm_pq_node_t *n, int32_t *lo, int32_t *hi)
{
    if (n->leaf >= 0) {
        if (n->leaf < *lo)
            *lo = n->leaf;
        if (n->leaf > *hi)
            *hi = n->leaf;
        return;
    }
    for (uint32_t k = 0; k < n->nchildren; k++)
        sm_pq_node_leaf_range(&n->children[k], lo, hi);
}

static inline sm_err_t push(shred_t *s, int32_t leaf, int16_t def, int16_t rep, const uint32_t *ix)
{
    leafbuf_t *b = &s->lb[leaf - s->first];
    uint16_t d = (uint16_t)def, r = (uint16_t)rep;
    sm_err_t rc = sm_buf_append(&b->def, &d, sizeof d, s->e);
    if (!rc)
        rc = sm_buf_append(&b->rep, &r, sizeof r, s->e);
    if (!rc && ix) {
        rc = sm_buf_append(&b->idx, ix, sizeof *ix, s->e);
        b->nv++;
    }
    b->n++;
    return rc;
}

static sm_err_t emit_nulls(shred_t *s, const sm_pq_node_t *n, int16_t def, int16_t rep)
{
    if (n->leaf >= 0)
        return push(s, n->leaf, def, rep, NULL);
    for (uint32_t k = 0; k < n->nchildren; k++) {
        sm_err_t rc = emit_nulls(s, &n->children[k], def, rep);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Binds every leaf under n to its vector (the vectors of a batch form the
 * same tree as the nodes). */
static sm_err_t bind(shred_t *s, const sm_pq_node_t *n, const sm_vector_t *v)
{
    if (n->leaf >= 0) {
        s->lb[n->leaf - s->first].vec = v;
        return SM_OK;
    }
    const sm_type_t *t = v->type;
    if (t->kind == SM_TYPE_MAP) {
        const sm_vector_t *entries = v->children[0];
        sm_err_t rc = bind(s, &n->children[0], entries->children[0]);
        return rc ? rc : bind(s, &n->children[1], entries->children[1]);
    }
    if (v->nchildren != n->nchildren)
        return sm_error_set(s->e, SM_ERR_INVALID,
                            "parquet writer: column \"%s\": vector shape differs "
                            "from the schema",
                            n->name);
    for (uint32_t k = 0; k < n->nchildren; k++) {
        sm_err_t rc = bind(s, &n->children[k], v->children[k]);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t walk(shred_t *s, const sm_pq_node_t *n, const sm_vector_t *v, size_t i, int16_t rep)
{
    if (sm_vector_is_null(v, i)) {
        if (!n->nullable)
            return sm_error_set(s->e, SM_ERR_INVALID, "NULL in the non-nullable column \"%s\"",
                                n->name);
        return emit_nulls(s, n, (int16_t)(n->def - 1), rep);
    }
    if (n->leaf >= 0) {
        uint32_t ix = (uint32_t)i;
        return push(s, n->leaf, n->def, rep, &ix);
    }
    sm_err_t rc = SM_OK;
    switch (v->type->kind) {
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; k < n->nchildren && !rc; k++)
            rc = walk(s, &n->children[k], v->children[k], i, rep);
        return rc;
    case SM_TYPE_LIST:
    case SM_TYPE_MAP: {
        size_t start, end;
        sm_vector_list_range(v, i, &start, &end);
        if (start == end)
            return emit_nulls(s, n, n->def, rep);
        bool is_map = v->type->kind == SM_TYPE_MAP;
        const sm_vector_t *child = v->children[0];
        for (size_t j = start; j < end && !rc; j++) {
            int16_t r = j == start ? rep : n->entry_rep;
            if (is_map) {
                rc = walk(s, &n->children[0], child->children[0], j, r);
                if (!rc)
                    rc = walk(s, &n->children[1], child->children[1], j, r);
            } else {
                rc = walk(s, &n->children[0], child, j, r);
            }
        }
        return rc;
    }
    default:
        return sm_error_set(s->e, SM_ERR_INTERNAL, "parquet writer: unexpected nested kind");
    }
}

/* A top-level primitive column: levels straight from the validity bitmap. */
static sm_err_t shred_flat(const sm_pq_node_t *node, const sm_vector_t *v, sm_pq_colw_t *c,
                           sm_error_t *e)
{
    size_t n = v->len;
    if (v->null_count == 0 || !v->validity)
        return sm_pq_colw_add(c, NULL, NULL, n, n, v, NULL, 0, n, e);
    if (!node->nullable)
        return sm_error_set(e, SM_ERR_INVALID, "NULL in the non-nullable column \"%s\"",
                            node->name);
    uint16_t *def = sm_malloc(n * sizeof *def + 1);
    uint32_t *idx = sm_malloc(n * sizeof *idx + 1);
    sm_err_t rc = SM_OK;
    if (!def || !idx) {
        rc = sm_error_nomem(e, "parquet levels");
        goto out;
    }
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        bool valid = !sm_vector_is_null(v, i);
        def[i] = valid;
        idx[nv] = (uint32_t)i;
        nv += valid;
    }
    rc = sm_pq_colw_add(c, def, NULL, n, n, v, idx, 0, nv, e);
out:
    sm_free(def);
    sm_free(idx);
    return rc;
}

sm_err_t sm_pq_shred(const sm_pq_node_t *node, const sm_vector_t *v, sm_pq_colw_t *cols,
                     sm_error_t *e)
{
    if (node->leaf >= 0)
        return shred_flat(node, v, &cols[node->leaf], e);
    int32_t lo = INT32_MAX, hi = -1;
    sm_pq_node_leaf_range(node, &lo, &hi);
    if (hi < lo)
        return SM_OK;
    shred_t s = {.first = lo, .e = e};
    s.lb = sm_calloc((size_t)(hi - lo + 1), sizeof *s.lb);
    if (!s.lb)
        return sm_error_nomem(e, "parquet shredding");
    sm_err_t rc = bind(&s, node, v);
    for (size_t i = 0; !rc && i < v->len; i++)
        rc = walk(&s, node, v, i, 0);
    for (int32_t l = lo; !rc && l <= hi; l++) {
        leafbuf_t *b = &s.lb[l - lo];
        rc = sm_pq_colw_add(&cols[l], (const uint16_t *)b->def.data, (const uint16_t *)b->rep.data,
                            b->n, v->len, b->vec, (const uint32_t *)b->idx.data, 0, b->nv, e);
    }
    for (int32_t l = lo; l <= hi; l++) {
        sm_buf_free(&s.lb[l - lo].def);
        sm_buf_free(&s.lb[l - lo].rep);
        sm_buf_free(&s.lb[l - lo].idx);
    }
    sm_free(s.lb);
    return rc;
}
