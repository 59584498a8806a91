/* exec/op_setop — INTERSECT / EXCEPT [ALL] (operator.h).
 *
 * The right input's rows are counted in a byte-key table (the key encoding
 * of every column, so NULLs compare equal as SQL set operations require);
 * left rows stream through it.  Distinct variants remember which rows were
 * already returned in a second table.  The right side stays in memory (its
 * size is charged to the budget). */
#include <stdlib.h>
#include <string.h>

#include "core/hashtable.h"
#include "core/mem.h"
#include "exec/op_int.h"

typedef struct setop {
    sm_setop_kind_t kind;
    bool all;
    uint32_t *cols;
    size_t ncols;
    sm_ht_t *right, *seen;
    sm_buf_t kb;
    uint32_t *offs, *sel;
    size_t reserved;
    bool built;
} setop_t;

static void set_close(sm_op_t *op)
{
    setop_t *s = op->impl;
    sm_ht_free(s->right);
    sm_ht_free(s->seen);
    s->right = s->seen = NULL;
    sm_buf_free(&s->kb);
    sm_free(s->offs);
    sm_free(s->sel);
    s->offs = s->sel = NULL;
    if (s->reserved)
        sm_op_mem_release(op, s->reserved);
    s->reserved = 0;
}

static sm_err_t keys_of(setop_t *s, const sm_batch_t *b, sm_error_t *e)
{
    uint32_t *o = sm_realloc(s->offs, (b->nrows + 1) * 4);
    uint32_t *sel = o ? sm_realloc(s->sel, (b->nrows + 1) * 4) : NULL;
    if (o)
        s->offs = o;
    if (sel)
        s->sel = sel;
    if (!o || !sel)
        return sm_error_nomem(e, "set operation keys");
    return sm_keys_cols(b, s->cols, s->ncols, &s->kb, s->offs, e);
}

static sm_err_t set_open(sm_op_t *op, sm_error_t *e)
{
    setop_t *s = op->impl;
    s->built = false;
    sm_err_t rc = sm_op_open(op->children[0], e);
    if (!rc)
        rc = sm_op_open(op->children[1], e);
    sm_ht_opts_t o = {0};
    if (!rc)
        rc = sm_ht_new(&s->right, &o, e);
    if (!rc)
        rc = sm_ht_new(&s->seen, &o, e);
    while (!rc) {
        sm_batch_t *b = NULL;
        if ((rc = sm_op_next(op->children[1], &b, e)) || !b)
            break;
        if (!(rc = keys_of(s, b, e))) {
            size_t bytes = 0;
            for (size_t r = 0; !rc && r < b->nrows; r++) {
                uint64_t *v;
                bool fresh;
                size_t kn = s->offs[r + 1] - s->offs[r];
                rc = sm_ht_insert(s->right, s->kb.data + s->offs[r], kn, &v, &fresh, e);
                if (!rc) {
                    (*v)++;
                    if (fresh)
                        bytes += kn + 32;
                }
            }
            sm_op_mem_force(op, bytes);
            s->reserved += bytes;
        }
        sm_batch_free(b);
    }
    return rc;
}

static sm_err_t set_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    setop_t *s = op->impl;
    for (;;) {
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op->children[0], &b, e);
        if (rc || !b)
            return rc;
        size_t m = 0;
        if (!(rc = keys_of(s, b, e))) {
            for (size_t r = 0; !rc && r < b->nrows; r++) {
                const uint8_t *k = s->kb.data + s->offs[r];
                size_t kn = s->offs[r + 1] - s->offs[r];
                uint64_t *cnt = sm_ht_find(s->right, k, kn);
                bool keep;
                if (s->all) {
                    bool hit = cnt && *cnt > 0;
                    if (hit)
                        (*cnt)--;
                    keep = s->kind == SM_SETOP_INTERSECT ? hit : !hit;
                } else {
                    keep = s->kind == SM_SETOP_INTERSECT ? cnt != NULL : cnt == NULL;
                    if (keep) {
                        uint64_t *v;
                        bool fresh;
                        rc = sm_ht_insert(s->seen, k, kn, &v, &fresh, e);
                        keep = !rc && fresh;
                        if (fresh) {
                            sm_op_mem_force(op, kn + 32);
                            s->reserved += kn + 32;
                        }
                    }
                }
                if (keep)
                    s->sel[m++] = (uint32_t)r;
            }
        }
        if (!rc && m) {
            sm_batch_t *o = NULL;
            rc = sm_batch_new(op->schema, m, &o, e);
            for (size_t c = 0; !rc && c < o->ncols; c++)
                rc = sm_gather_vec(o->cols[c], b->cols[c], s->sel, m, e);
            if (!rc) {
                o->nrows = m;
                *out = o;
            } else {
                sm_batch_free(o);
            }
        }
        sm_batch_free(b);
        if (rc || *out)
            return rc;
    }
}

static void set_destroy(sm_op_t *op)
{
    setop_t *s = op->impl;
    if (s)
        sm_free(s->cols);
    sm_free(s);
}

static const sm_op_vtable_t set_vt = {"SetOp", set_open, set_next, set_close, set_destroy};

sm_err_t sm_op_setop_new(const sm_exec_ctx_t *ctx, sm_setop_kind_t kind, bool all, sm_op_t *left,
                         sm_op_t *right, sm_op_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    if (!sm_type_equal_ex(left->schema, right->schema,
                          SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE))
        rc = sm_error_set(e, SM_ERR_INVALID, "%s: the inputs have different column types",
                          kind == SM_SETOP_INTERSECT ? "intersect" : "except");
    for (uint32_t i = 0; !rc && i < left->schema->nfields; i++)
        if (left->schema->fields[i].type->kind == SM_TYPE_MAP)
            rc = sm_error_set(e, SM_ERR_INVALID, "set operations cannot compare map columns");
    setop_t *s = rc ? NULL : sm_calloc(1, sizeof *s);
    if (!rc && s)
        s->cols = sm_calloc(left->schema->nfields + 1, 4);
    if (!rc && (!s || !s->cols))
        rc = sm_error_nomem(e, "set operation");
    if (rc) {
        set_destroy(&(sm_op_t){.impl = s});
        sm_op_free(left);
        sm_op_free(right);
        return rc;
    }
    s->kind = kind;
    s->all = all;
    s->ncols = left->schema->nfields;
    for (size_t i = 0; i < s->ncols; i++)
        s->cols[i] = (uint32_t)i;
    sm_op_t *ch[2] = {left, right};
    return sm_op_make(&set_vt, ctx, left->schema, ch, 2, s, out, e);
}
