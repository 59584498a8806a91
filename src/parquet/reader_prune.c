/* parquet/reader_prune — row-group pruning from column statistics.
 *
 * Rules (parquet.thrift Statistics/ColumnOrder, INTEROP.md 2.5):
 *  - min_value/max_value are used only when the file's column_orders say
 *    TYPE_ORDER for the leaf; deprecated min/max only when those are
 *    absent, for signed-order types (ints, floats, bools, dates,
 *    timestamps, INT32/INT64 decimals), and when created_by is present;
 *  - BYTE_ARRAY/FLBA statistics are ignored when created_by is empty
 *    (PARQUET-251); strings compare as unsigned bytes; decimals by value;
 *  - a NaN bound is no bound; a +0.0 min counts as -0.0 and a -0.0 max as
 *    +0.0; INT96 statistics are never used;
 *  - absent or unreadable statistics never prune; only top-level flat
 *    columns are pruned on.
 */
#include <math.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/reader_int.h"

enum { CL_NONE, CL_INT, CL_DATE, CL_TS, CL_FLOAT, CL_BYTES, CL_BOOL };

typedef struct pval {
    int cl;
    sm_i128 i; /* CL_INT (unscaled), CL_DATE, CL_TS, CL_BOOL */
    int scale; /* CL_INT */
    double f;  /* CL_FLOAT */
    const uint8_t *b;
    size_t blen;
} pval_t;

static int class_of(sm_type_kind_t k)
{
    switch (k) {
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
    case SM_TYPE_DECIMAL:
        return CL_INT;
    case SM_TYPE_DATE:
        return CL_DATE;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return CL_TS;
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        return CL_FLOAT;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return CL_BYTES;
    case SM_TYPE_BOOL:
        return CL_BOOL;
    default:
        return CL_NONE;
    }
}

/* Row i of a vector as a comparable value; false for NULL or other kinds. */
static bool literal(const sm_vector_t *v, size_t i, pval_t *out)
{
    memset(out, 0, sizeof *out);
    if (!v || i >= v->len || sm_vector_is_null(v, i))
        return false;
    sm_type_kind_t k = v->type->kind;
    out->cl = class_of(k);
    switch (k) {
    case SM_TYPE_INT8:
        out->i = sm_vector_get_i8(v, i);
        break;
    case SM_TYPE_INT16:
        out->i = sm_vector_get_i16(v, i);
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        out->i = sm_vector_get_i32(v, i);
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        out->i = sm_vector_get_i64(v, i);
        break;
    case SM_TYPE_DECIMAL:
        out->i = sm_vector_get_i128(v, i);
        out->scale = v->type->scale;
        break;
    case SM_TYPE_FLOAT32:
        out->f = sm_vector_get_f32(v, i);
        break;
    case SM_TYPE_FLOAT64:
        out->f = sm_vector_get_f64(v, i);
        break;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        out->b = sm_vector_get_bytes(v, i, &out->blen);
        break;
    case SM_TYPE_BOOL:
        out->i = sm_vector_get_bool(v, i);
        break;
    default:
        return false;
    }
    if (out->cl == CL_FLOAT && isnan(out->f))
        return false;
    return out->cl != CL_NONE;
}

static bool scale_up(sm_i128 *x, int by)
{
    for (int k = 0; k < by; k++)
        if (__builtin_mul_overflow(*x, (sm_i128)10, x))
            return false;
    return true;
}

/* -1, 0, 1, or 2 when the values cannot be compared. */
static int cmp(const pval_t *a, const pval_t *b)
{
    if (a->cl != b->cl)
        return 2;
    switch (a->cl) {
    case CL_INT: {
        sm_i128 x = a->i, y = b->i;
        if (a->scale < b->scale && !scale_up(&x, b->scale - a->scale))
            return 2;
        if (b->scale < a->scale && !scale_up(&y, a->scale - b->scale))
            return 2;
        return x < y ? -1 : x > y;
    }
    case CL_DATE:
    case CL_TS:
    case CL_BOOL:
        return a->i < b->i ? -1 : a->i > b->i;
    case CL_FLOAT:
        if (isnan(a->f) || isnan(b->f))
            return 2;
        return a->f < b->f ? -1 : a->f > b->f;
    case CL_BYTES: {
        size_t n = a->blen < b->blen ? a->blen : b->blen;
        int c = n ? memcmp(a->b, b->b, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->blen < b->blen ? -1 : a->blen > b->blen;
    }
    }
    return 2;
}

/* A statistics value (plain-encoded physical bytes) of a leaf as pval. */
static bool stat_value(const sm_pq_leaf_t *leaf, const sm_pq_bytes_t *raw, pval_t *out)
{
    memset(out, 0, sizeof *out);
    sm_type_t *t = leaf->type;
    out->cl = class_of(t->kind);
    if (out->cl == CL_NONE || !raw->ptr || leaf->physical == SM_PQ_INT96)
        return false;
    if (out->cl == CL_BYTES) {
        out->b = raw->ptr;
        out->blen = raw->len;
        return true;
    }
    size_t pw;
    switch (leaf->physical) {
    case SM_PQ_BOOLEAN:
        if (raw->len != 1 || raw->ptr[0] > 1)
            return false;
        out->i = raw->ptr[0];
        return true;
    case SM_PQ_INT32:
    case SM_PQ_FLOAT:
        pw = 4;
        break;
    case SM_PQ_INT64:
    case SM_PQ_DOUBLE:
        pw = 8;
        break;
    case SM_PQ_FIXED_LEN_BYTE_ARRAY:
        pw = (size_t)leaf->type_length;
        break;
    case SM_PQ_BYTE_ARRAY:
        if (leaf->conv != SM_PQ_CONV_DECIMAL_BIN)
            return false;
        if (sm_pq_decimal_from_be(raw->ptr, raw->len, &out->i, NULL))
            return false;
        out->scale = t->scale;
        return true;
    default:
        return false;
    }
    if (raw->len != pw)
        return false;
    uint8_t val[16] = {0};
    if (sm_pqr_convert_fixed(leaf, raw->ptr, 1, val, NULL))
        return false;
    switch (t->kind) {
    case SM_TYPE_INT8:
        out->i = (int8_t)val[0];
        break;
    case SM_TYPE_INT16: {
        int16_t x;
        memcpy(&x, val, 2);
        out->i = x;
        break;
    }
    case SM_TYPE_INT32:
    case SM_TYPE_DATE: {
        int32_t x;
        memcpy(&x, val, 4);
        out->i = x;
        break;
    }
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        int64_t x;
        memcpy(&x, val, 8);
        out->i = x;
        break;
    }
    case SM_TYPE_DECIMAL:
        memcpy(&out->i, val, 16);
        out->scale = t->scale;
        break;
    case SM_TYPE_FLOAT32: {
        float x;
        memcpy(&x, val, 4);
        out->f = x;
        break;
    }
    case SM_TYPE_FLOAT64:
        memcpy(&out->f, val, 8);
        break;
    default:
        return false;
    }
    return !(out->cl == CL_FLOAT && isnan(out->f));
}

static bool signed_order(const sm_pq_leaf_t *leaf)
{
    switch (leaf->physical) {
    case SM_PQ_BOOLEAN:
    case SM_PQ_FLOAT:
    case SM_PQ_DOUBLE:
        return true;
    case SM_PQ_INT32:
    case SM_PQ_INT64:
        return leaf->conv != SM_PQ_CONV_UINT32 && leaf->conv != SM_PQ_CONV_UINT64 &&
               !(leaf->physical == SM_PQ_INT32 && leaf->elem &&
                 leaf->elem->logical.kind == SM_PQ_LT_INTEGER && !leaf->elem->logical.is_signed) &&
               !(leaf->elem && leaf->elem->has_converted_type &&
                 leaf->elem->converted_type >= SM_PQ_CT_UINT_8 &&
                 leaf->elem->converted_type <= SM_PQ_CT_UINT_64);
    default:
        return false;
    }
}

typedef struct bounds {
    bool has_min, has_max;
    pval_t min, max;
} bounds_t;

static void get_bounds(const sm_pq_file_meta_t *fm, uint32_t leaf_idx, const sm_pq_leaf_t *leaf,
                       const sm_pq_stats_t *st, bounds_t *b)
{
    memset(b, 0, sizeof *b);
    bool named_writer = fm->created_by && fm->created_by[0];
    bool is_bin =
        leaf->physical == SM_PQ_BYTE_ARRAY || leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY;
    if (is_bin && !named_writer)
        return;
    bool type_order = fm->has_column_orders && leaf_idx < fm->num_column_orders &&
                      fm->column_orders[leaf_idx].kind == SM_PQ_ORDER_TYPE_DEFINED;
    if (type_order && (st->has_min_value || st->has_max_value)) {
        if (st->has_min_value)
            b->has_min = stat_value(leaf, &st->min_value, &b->min);
        if (st->has_max_value)
            b->has_max = stat_value(leaf, &st->max_value, &b->max);
    } else if (!st->has_min_value && !st->has_max_value && named_writer && signed_order(leaf)) {
        if (st->has_min)
            b->has_min = stat_value(leaf, &st->min, &b->min);
        if (st->has_max)
            b->has_max = stat_value(leaf, &st->max, &b->max);
    }
    if (b->has_min && b->min.cl == CL_FLOAT && b->min.f == 0)
        b->min.f = -0.0;
    if (b->has_max && b->max.cl == CL_FLOAT && b->max.f == 0)
        b->max.f = 0.0;
}

/* False when no row of the chunk can satisfy the predicate. */
static bool may_match(const sm_pq_pred_t *p, const sm_pq_file_meta_t *fm, uint32_t leaf_idx,
                      const sm_pq_leaf_t *leaf, const sm_pq_column_meta_t *md)
{
    if (!md->has_statistics)
        return true;
    const sm_pq_stats_t *st = &md->statistics;
    bool all_null = st->has_null_count && st->null_count == md->num_values && md->num_values > 0;
    if (p->op == SM_PQ_PRED_IS_NULL)
        return !(st->has_null_count && st->null_count == 0);
    if (p->op == SM_PQ_PRED_IS_NOT_NULL)
        return !all_null;
    if (all_null)
        return false;
    bounds_t b;
    get_bounds(fm, leaf_idx, leaf, st, &b);
    size_t nlit = p->op == SM_PQ_PRED_IN ? (p->values ? p->values->len : 0) : 1;
    if (p->op == SM_PQ_PRED_IN && nlit == 0)
        return true;
    for (size_t i = 0; i < nlit; i++) {
        pval_t lit;
        if (!literal(p->values, i, &lit))
            return true;                            /* NULL or incomparable literal: keep */
        int lo = b.has_min ? cmp(&lit, &b.min) : 2; /* lit vs min */
        int hi = b.has_max ? cmp(&lit, &b.max) : 2; /* lit vs max */
        bool out = false;
        switch (p->op) {
        case SM_PQ_PRED_EQ:
        case SM_PQ_PRED_IN:
            out = lo == -1 || hi == 1;
            break;
        case SM_PQ_PRED_LT:
            out = lo == -1 || lo == 0;
            break; /* min >= lit */
        case SM_PQ_PRED_LE:
            out = lo == -1;
            break; /* min > lit */
        case SM_PQ_PRED_GT:
            out = hi == 1 || hi == 0;
            break; /* max <= lit */
        case SM_PQ_PRED_GE:
            out = hi == 1;
            break; /* max < lit */
        default:
            break;
        }
        if (!out)
            return true;
    }
    return false;
}

sm_err_t sm_pqr_prune(const sm_pq_file_meta_t *fm, const sm_pq_schema_t *s,
                      const sm_pq_pred_t *preds, size_t npreds, bool ignore_case, bool *keep,
                      sm_error_t *e)
{
    for (uint32_t g = 0; g < fm->num_row_groups; g++)
        keep[g] = true;
    for (size_t k = 0; k < npreds; k++) {
        const sm_pq_pred_t *p = &preds[k];
        int c = p->column ? sm_pq_schema_column(s, p->column, ignore_case) : p->column_index;
        if (c < 0 || (uint32_t)c >= s->ncolumns)
            return sm_error_set(e, SM_ERR_NOT_FOUND, "predicate on an unknown column \"%s\"",
                                p->column ? p->column : "(by index)");
        const sm_pq_node_t *node = &s->columns[c];
        if (node->leaf < 0)
            continue;
        const sm_pq_leaf_t *leaf = &s->leaves[node->leaf];
        if (leaf->max_rep > 0)
            continue;
        for (uint32_t g = 0; g < fm->num_row_groups; g++) {
            const sm_pq_row_group_t *rg = &fm->row_groups[g];
            if (!keep[g] || (uint32_t)node->leaf >= rg->num_columns)
                continue;
            const sm_pq_column_chunk_t *cc = &rg->columns[node->leaf];
            if (!cc->has_meta_data)
                continue;
            if (!may_match(p, fm, (uint32_t)node->leaf, leaf, &cc->meta_data))
                keep[g] = false;
        }
    }
    return SM_OK;
}
