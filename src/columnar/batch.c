#include "columnar/batch.h"

#include "columnar/text.h"
#include "core/mem.h"

static sm_batch_t *alloc_batch(sm_type_t *schema, size_t ncols)
{
    sm_batch_t *b = sm_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cols = sm_calloc(ncols ? ncols : 1, sizeof *b->cols);
    if (!b->cols) {
        sm_free(b);
        return NULL;
    }
    b->schema = sm_type_ref(schema);
    b->ncols = ncols;
    return b;
}

void sm_batch_free(sm_batch_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ncols; i++)
        sm_vector_free(b->cols[i]);
    sm_free(b->cols);
    sm_type_free(b->schema);
    sm_free(b);
}

sm_err_t sm_batch_new(sm_type_t *schema, size_t cap, sm_batch_t **out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *out = NULL;
    if (!schema || schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "a batch schema must be a struct type");
    sm_batch_t *b = alloc_batch(schema, schema->nfields);
    if (!b)
        return sm_error_nomem(e, "batch");
    for (size_t i = 0; i < b->ncols; i++)
        if ((rc = sm_vector_new(schema->fields[i].type, cap ? cap : SM_BATCH_ROWS, &b->cols[i],
                                e))) {
            sm_batch_free(b);
            return rc;
        }
    *out = b;
    return SM_OK;
}

static sm_err_t check_cols(const sm_type_t *schema, sm_vector_t **cols, size_t ncols, size_t *nrows,
                           sm_error_t *e)
{
    if (!schema || schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "a batch schema must be a struct type");
    if (ncols != schema->nfields)
        return sm_error_set(e, SM_ERR_INVALID, "batch: %zu columns for a schema of %u fields",
                            ncols, schema->nfields);
    for (size_t i = 0; i < ncols; i++) {
        if (!cols[i] || !sm_type_equal_ex(cols[i]->type, schema->fields[i].type,
                                          SM_TYPE_EQ_IGNORE_NAMES | SM_TYPE_EQ_IGNORE_NULLABLE))
            return sm_error_set(e, SM_ERR_INVALID, "batch: column %zu ('%s') has the wrong type", i,
                                schema->fields[i].name);
        if (i && cols[i]->len != cols[0]->len)
            return sm_error_set(e, SM_ERR_INVALID,
                                "batch: column %zu ('%s') has %zu rows, column 0 has %zu", i,
                                schema->fields[i].name, cols[i]->len, cols[0]->len);
    }
    *nrows = ncols ? cols[0]->len : 0;
    return SM_OK;
}

sm_err_t sm_batch_from_vectors(sm_type_t *schema, sm_vector_t **cols, size_t ncols,
                               sm_batch_t **out, sm_error_t *e)
{
    size_t nrows = 0;
    sm_batch_t *b = NULL;
    *out = NULL;
    sm_err_t rc = check_cols(schema, cols, ncols, &nrows, e);
    if (!rc && !(b = alloc_batch(schema, ncols)))
        rc = sm_error_nomem(e, "batch");
    if (rc) {
        for (size_t i = 0; i < ncols; i++)
            sm_vector_free(cols[i]);
        return rc;
    }
    for (size_t i = 0; i < ncols; i++)
        b->cols[i] = cols[i];
    b->nrows = nrows;
    *out = b;
    return SM_OK;
}

sm_err_t sm_batch_sync(sm_batch_t *b, sm_error_t *e)
{
    size_t nrows = 0;
    sm_err_t rc = check_cols(b->schema, b->cols, b->ncols, &nrows, e);
    if (!rc)
        b->nrows = nrows;
    return rc;
}

sm_err_t sm_batch_append_row(sm_batch_t *b, const char *const *cells, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    size_t i = 0;
    for (; i < b->ncols; i++) {
        sm_vector_t *v = b->cols[i];
        if (cells[i])
            rc = sm_vector_append_text(v, cells[i], strlen(cells[i]), e);
        else
            rc = sm_vector_append_null(v, e);
        if (rc) {
            sm_error_wrap(e, "row %zu, column '%s'", b->nrows, b->schema->fields[i].name);
            break;
        }
    }
    if (rc) {
        for (size_t j = 0; j < i; j++)
            sm_vector_truncate(b->cols[j], b->nrows);
        return rc;
    }
    b->nrows++;
    return SM_OK;
}

sm_err_t sm_batch_project(const sm_batch_t *b, const size_t *idx, size_t n, sm_batch_t **out,
                          sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_type_t *schema = NULL;
    sm_batch_t *p = NULL;
    sm_field_t *fields = NULL;
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= b->ncols)
            return sm_error_set(e, SM_ERR_INVALID, "project: column %zu of a batch of %zu", idx[i],
                                b->ncols);
    fields = sm_calloc(n ? n : 1, sizeof *fields);
    if (!fields)
        return sm_error_nomem(e, "batch projection");
    for (size_t i = 0; i < n; i++) {
        fields[i] = b->schema->fields[idx[i]];
        fields[i].type = sm_type_ref(fields[i].type);
    }
    schema = sm_type_struct(fields, n); /* takes the type references */
    sm_free(fields);
    if (!schema || !(p = alloc_batch(schema, n))) {
        rc = sm_error_nomem(e, "batch projection");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = sm_vector_view(b->cols[idx[i]], &p->cols[i], e)))
            goto out;
    p->nrows = b->nrows;
    *out = p;
    p = NULL;
out:
    sm_batch_free(p);
    sm_type_free(schema);
    return rc;
}

sm_err_t sm_batch_slice(const sm_batch_t *b, size_t off, size_t len, sm_batch_t **out,
                        sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *out = NULL;
    if (off > b->nrows || len > b->nrows - off)
        return sm_error_set(e, SM_ERR_INVALID,
                            "slice [%zu, %zu+%zu) is outside a batch of %zu rows", off, off, len,
                            b->nrows);
    sm_batch_t *s = alloc_batch(b->schema, b->ncols);
    if (!s)
        return sm_error_nomem(e, "batch slice");
    for (size_t i = 0; i < b->ncols; i++)
        if ((rc = sm_vector_slice(b->cols[i], off, len, &s->cols[i], e))) {
            sm_batch_free(s);
            return rc;
        }
    s->nrows = len;
    *out = s;
    return SM_OK;
}

void sm_batch_reset(sm_batch_t *b)
{
    for (size_t i = 0; i < b->ncols; i++)
        sm_vector_reset(b->cols[i]);
    b->nrows = 0;
}
