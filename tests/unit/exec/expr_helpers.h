/*
 * tests/unit/exec/expr_helpers.h — small helpers shared by the expression
 * tests: build a batch from text rows, bind column references by position,
 * evaluate and render results as "v1|v2|NULL" text.
 */
#ifndef SM_TEST_EXPR_HELPERS_H
#define SM_TEST_EXPR_HELPERS_H

#include <math.h>
#include <time.h>
#include <stdlib.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "exec/expr.h"

/* A batch of `ncols` columns typed by Spark names, rows given as text
 * cells (NULL = SQL NULL), row-major. */
static sm_batch_t *mk_batch(const char *const *types, size_t ncols, const char *const *cells,
                            size_t nrows)
{
    sm_field_t f[16];
    char names[16][24];
    for (size_t c = 0; c < ncols; c++) {
        sm_type_t *t = NULL;
        if (sm_type_parse(types[c], strlen(types[c]), &t, NULL))
            return NULL;
        snprintf(names[c], sizeof names[c], "c%zu", c);
        f[c].name = names[c];
        f[c].type = t;
        f[c].nullable = true;
    }
    sm_type_t *schema = sm_type_struct(f, ncols);
    sm_batch_t *b = NULL;
    sm_error_t e;
    if (sm_batch_new(schema, 0, &b, &e)) {
        sm_type_free(schema);
        return NULL;
    }
    sm_type_free(schema);
    for (size_t r = 0; r < nrows; r++)
        if (sm_batch_append_row(b, cells + r * ncols, &e)) {
            fprintf(stderr, "mk_batch: %s\n", e.msg);
            sm_batch_free(b);
            return NULL;
        }
    return b;
}

static sm_expr_t *col(sm_expr_pool_t *p, const sm_batch_t *b, uint32_t i)
{
    sm_expr_t *x = NULL;
    sm_expr_column(p, i, b->cols[i]->type, true, b->schema->fields[i].name, &x, NULL);
    return x;
}

static sm_expr_t *lit_i(sm_expr_pool_t *p, int64_t v)
{
    sm_expr_t *x = NULL;
    sm_value_t val = sm_value_i32((int32_t)v);
    if (v > INT32_MAX || v < INT32_MIN)
        val = sm_value_i64(v);
    sm_expr_literal(p, &val, NULL, &x, NULL);
    return x;
}

static sm_expr_t *lit_d(sm_expr_pool_t *p, double v)
{
    sm_expr_t *x = NULL;
    sm_value_t val = sm_value_f64(v);
    sm_expr_literal(p, &val, NULL, &x, NULL);
    return x;
}

static sm_expr_t *lit_s(sm_expr_pool_t *p, const char *s)
{
    sm_expr_t *x = NULL;
    sm_value_t val = sm_value_str(s, strlen(s));
    sm_expr_literal(p, &val, NULL, &x, NULL);
    return x;
}

static sm_expr_t *lit_null(sm_expr_pool_t *p)
{
    sm_expr_t *x = NULL;
    sm_value_t val = sm_value_null(SM_TYPE_NULL);
    sm_expr_literal(p, &val, NULL, &x, NULL);
    return x;
}

static sm_expr_t *bin(sm_expr_pool_t *p, sm_expr_op_t op, sm_expr_t *a, sm_expr_t *b)
{
    sm_expr_t *x = NULL;
    sm_error_t e;
    if (!a || !b)
        return NULL;
    if (sm_expr_binary(p, op, a, b, &x, &e))
        fprintf(stderr, "bin: %s\n", e.msg);
    return x;
}

static sm_expr_t *call(sm_expr_pool_t *p, const char *name, sm_expr_t **args, size_t n)
{
    sm_expr_t *x = NULL;
    sm_error_t e;
    for (size_t i = 0; i < n; i++)
        if (!args[i])
            return NULL;
    if (sm_expr_call(p, name, args, n, &x, &e))
        fprintf(stderr, "call %s: %s\n", name, e.msg);
    return x;
}

/* Renders the selected rows of v as "a|b|NULL". */
static char *render(const sm_vector_t *v, const uint32_t *sel, size_t nsel)
{
    static char out[8192];
    sm_buf_t b = SM_BUF_INIT;
    size_t cnt = sel ? nsel : v->len;
    for (size_t k = 0; k < cnt; k++) {
        size_t i = sel ? sel[k] : k;
        sm_value_t val;
        if (k)
            sm_buf_append_byte(&b, '|', NULL);
        if (sm_value_from_vector(v, i, &val, NULL) == SM_OK)
            sm_value_format_text(&val, &b, NULL);
    }
    snprintf(out, sizeof out, "%s", b.data ? (const char *)b.data : "");
    sm_buf_free(&b);
    return out;
}

/* Evaluates x over b (all rows) and renders; an error renders as
 * "ERR: message". */
static char *eval_str(sm_expr_t *x, const sm_batch_t *b, sm_expr_ctx_t *ctx)
{
    static char err[1100];
    if (!x)
        return "NOEXPR";
    sm_vector_t *v;
    sm_error_t e;
    if (sm_expr_eval(x, b, NULL, 0, ctx, &v, &e)) {
        snprintf(err, sizeof err, "ERR: %s", e.msg);
        return err;
    }
    return render(v, NULL, 0);
}

static char *type_str(const sm_expr_t *x)
{
    static char t[96];
    if (!x)
        return "NOEXPR";
    return (char *)sm_type_name(x->type, t, sizeof t);
}

#endif
