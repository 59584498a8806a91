/*
 * exec/expr.c — the bound-expression pool, constructors (with Spark's
 * implicit casts), scalar values and the EXPLAIN printer.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"
#include "core/str.h"
#include "exec/expr_int.h"

/* ---- values ------------------------------------------------------------ */

sm_type_t *sm_value_type(const sm_value_t *v)
{
    if (v->kind == SM_TYPE_DECIMAL)
        return sm_type_decimal(v->precision ? v->precision : 1, v->scale);
    sm_type_t *t = sm_type_of_kind(v->kind);
    return t ? t : sm_type_null();
}

sm_err_t sm_value_from_vector(const sm_vector_t *vec, size_t i, sm_value_t *out, sm_error_t *e)
{
    sm_type_kind_t k = vec->type->kind;
    memset(out, 0, sizeof *out);
    out->kind = k;
    if (k == SM_TYPE_NULL || sm_vector_is_null(vec, i)) {
        out->is_null = true;
        if (k == SM_TYPE_DECIMAL) {
            out->precision = vec->type->precision;
            out->scale = vec->type->scale;
        }
        return SM_OK;
    }
    switch (k) {
    case SM_TYPE_BOOL:
        out->u.b = sm_vector_get_bool(vec, i);
        break;
    case SM_TYPE_INT8:
        out->u.i = sm_vector_get_i8(vec, i);
        break;
    case SM_TYPE_INT16:
        out->u.i = sm_vector_get_i16(vec, i);
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        out->u.i = sm_vector_get_i32(vec, i);
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        out->u.i = sm_vector_get_i64(vec, i);
        break;
    case SM_TYPE_FLOAT32:
        out->u.d = sm_vector_get_f32(vec, i);
        break;
    case SM_TYPE_FLOAT64:
        out->u.d = sm_vector_get_f64(vec, i);
        break;
    case SM_TYPE_DECIMAL:
        out->u.dec = sm_vector_get_i128(vec, i);
        out->precision = vec->type->precision;
        out->scale = vec->type->scale;
        break;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        out->u.s.p = sm_vector_get_str(vec, i, &out->u.s.n);
        break;
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "no scalar value for a %s column",
                            sm_type_kind_name(k));
    }
    return SM_OK;
}

sm_err_t sm_value_append(sm_vector_t *vec, const sm_value_t *v, sm_error_t *e)
{
    if (v->is_null)
        return sm_vector_append_null(vec, e);
    switch (vec->type->kind) {
    case SM_TYPE_BOOL:
        return sm_vector_append_bool(vec, v->u.b, e);
    case SM_TYPE_INT8:
        return sm_vector_append_i8(vec, (int8_t)v->u.i, e);
    case SM_TYPE_INT16:
        return sm_vector_append_i16(vec, (int16_t)v->u.i, e);
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        return sm_vector_append_i32(vec, (int32_t)v->u.i, e);
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return sm_vector_append_i64(vec, v->u.i, e);
    case SM_TYPE_FLOAT32:
        return sm_vector_append_f32(vec, (float)v->u.d, e);
    case SM_TYPE_FLOAT64:
        return sm_vector_append_f64(vec, v->u.d, e);
    case SM_TYPE_DECIMAL:
        return sm_vector_append_i128(vec, v->u.dec, e);
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return sm_vector_append_bytes(vec, v->u.s.p, v->u.s.n, e);
    default:
        return sm_error_set(e, SM_ERR_INVALID, "cannot append a value to a %s vector",
                            sm_type_kind_name(vec->type->kind));
    }
}

static int cmp_double(double a, double b)
{
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return (a > b) - (a < b);
}

int sm_value_cmp(const sm_value_t *a, const sm_value_t *b)
{
    switch (a->kind) {
    case SM_TYPE_BOOL:
        return (int)a->u.b - (int)b->u.b;
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        return cmp_double(a->u.d, b->u.d);
    case SM_TYPE_DECIMAL: {
        sm_i128 x = a->u.dec, y = b->u.dec;
        if (a->scale != b->scale) {
            int s = a->scale > b->scale ? a->scale : b->scale;
            if (!sm_expr_dec_rescale(x, a->scale, s, &x) ||
                !sm_expr_dec_rescale(y, b->scale, s, &y))
                return cmp_double(sm_expr_dec_to_double(a->u.dec, a->scale),
                                  sm_expr_dec_to_double(b->u.dec, b->scale));
        }
        return (x > y) - (x < y);
    }
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return sm_str_cmp(sm_str_make(a->u.s.p, a->u.s.n), sm_str_make(b->u.s.p, b->u.s.n));
    default:
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

sm_err_t sm_value_format_text(const sm_value_t *v, sm_buf_t *out, sm_error_t *e)
{
    char tmp[SM_FMT_TIMESTAMP_MAX + SM_FMT_DECIMAL_MAX];
    size_t n;
    if (v->is_null)
        return sm_buf_append_str(out, "NULL", e);
    switch (v->kind) {
    case SM_TYPE_BOOL:
        return sm_buf_append_str(out, v->u.b ? "true" : "false", e);
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        return sm_buf_printf(out, e, "%" PRId64, v->u.i);
    case SM_TYPE_FLOAT32:
        n = sm_fmt_float((float)v->u.d, tmp);
        break;
    case SM_TYPE_FLOAT64:
        n = sm_fmt_double(v->u.d, tmp);
        break;
    case SM_TYPE_DECIMAL:
        n = sm_fmt_decimal(v->u.dec, v->scale, tmp);
        break;
    case SM_TYPE_DATE:
        n = sm_fmt_date((int32_t)v->u.i, tmp);
        break;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        n = sm_fmt_timestamp(v->u.i, SM_TS_TEXT, tmp);
        break;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return sm_buf_append(out, v->u.s.p, v->u.s.n, e);
    default:
        return sm_buf_append_str(out, "NULL", e);
    }
    return sm_buf_append(out, tmp, n, e);
}

sm_err_t sm_value_format_sql(const sm_value_t *v, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (v->is_null)
        return sm_buf_append_str(out, "NULL", e);
    switch (v->kind) {
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        rc = sm_buf_append_str(out, v->kind == SM_TYPE_BINARY ? "X'" : "'", e);
        for (size_t i = 0; !rc && i < v->u.s.n; i++) {
            unsigned char c = (unsigned char)v->u.s.p[i];
            if (v->kind == SM_TYPE_BINARY)
                rc = sm_buf_printf(out, e, "%02X", c);
            else if (c == '\'')
                rc = sm_buf_append_str(out, "''", e);
            else
                rc = sm_buf_append_byte(out, c, e);
        }
        return rc ? rc : sm_buf_append_byte(out, '\'', e);
    case SM_TYPE_DATE:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        rc = sm_buf_append_str(out,
                               v->kind == SM_TYPE_DATE        ? "DATE '"
                               : v->kind == SM_TYPE_TIMESTAMP ? "TIMESTAMP_NTZ '"
                                                              : "TIMESTAMP '",
                               e);
        if (!rc)
            rc = sm_value_format_text(v, out, e);
        return rc ? rc : sm_buf_append_byte(out, '\'', e);
    default:
        return sm_value_format_text(v, out, e);
    }
}

/* ---- pool -------------------------------------------------------------- */

void sm_expr_pool_init(sm_expr_pool_t *p, bool ansi)
{
    memset(p, 0, sizeof *p);
    sm_arena_init(&p->arena, 0);
    p->ansi = ansi;
}

void sm_expr_pool_free(sm_expr_pool_t *p)
{
    for (sm_expr_t *x = p->nodes; x; x = x->pool_next) {
        sm_type_free(x->type);
        if (x->kind == SM_EXPR_LIKE && x->u.like.pat)
            sm_like_free(x->u.like.pat);
    }
    sm_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

sm_expr_t *sm_expr_node(sm_expr_pool_t *p, sm_expr_kind_t kind, sm_type_t *type, size_t nargs)
{
    if (!type)
        return NULL;
    sm_expr_t *x = sm_arena_calloc(&p->arena, sizeof *x);
    if (!x)
        return NULL;
    if (nargs && !(x->args = sm_arena_calloc(&p->arena, nargs * sizeof *x->args)))
        return NULL;
    x->kind = kind;
    x->type = sm_type_ref(type);
    x->nargs = (uint32_t)nargs;
    x->id = p->nnodes++;
    x->pool_next = p->nodes;
    p->nodes = x;
    return x;
}

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "expression");
}

static bool any_fail(sm_expr_t *const *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (args[i]->may_fail)
            return true;
    return false;
}

static bool same_type(const sm_type_t *a, const sm_type_t *b)
{
    return sm_type_equal_ex(a, b, SM_TYPE_EQ_IGNORE_NULLABLE | SM_TYPE_EQ_IGNORE_NAMES);
}

sm_err_t sm_expr_column(sm_expr_pool_t *p, uint32_t index, sm_type_t *type, bool nullable,
                        const char *name, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_t *x = sm_expr_node(p, SM_EXPR_COLUMN, type, 0);
    if (!x)
        return nomem(e);
    x->nullable = nullable;
    x->u.col.index = index;
    if (name && !(x->u.col.name = sm_arena_strdup(&p->arena, name)))
        return nomem(e);
    *out = x;
    return SM_OK;
}

sm_err_t sm_expr_literal(sm_expr_pool_t *p, const sm_value_t *v, sm_type_t *type, sm_expr_t **out,
                         sm_error_t *e)
{
    sm_type_t *own = NULL;
    if (!type)
        type = own = sm_value_type(v);
    sm_expr_t *x = sm_expr_node(p, SM_EXPR_LITERAL, type, 0);
    sm_type_free(own);
    if (!x)
        return nomem(e);
    x->u.lit = *v;
    x->u.lit.kind = x->type->kind;
    if (x->type->kind == SM_TYPE_DECIMAL) {
        x->u.lit.precision = x->type->precision;
        x->u.lit.scale = x->type->scale;
    }
    if (!v->is_null && (v->kind == SM_TYPE_STRING || v->kind == SM_TYPE_BINARY)) {
        char *s = sm_arena_strndup(&p->arena, v->u.s.p ? v->u.s.p : "", v->u.s.n);
        if (!s)
            return nomem(e);
        x->u.lit.u.s.p = s;
    }
    x->nullable = v->is_null;
    *out = x;
    return SM_OK;
}

/* Folds CAST(literal) at bind time; returns false when it cannot. */
static bool fold_cast(sm_expr_pool_t *p, sm_expr_t *x, sm_type_t *type, bool try_cast,
                      sm_expr_t **out)
{
    sm_buf_t buf = SM_BUF_INIT;
    sm_value_t v;
    bool ok = false;
    if (x->u.lit.is_null) {
        v = sm_value_null(type->kind);
        ok = sm_expr_literal(p, &v, type, out, NULL) == SM_OK;
    } else if (sm_cast_value_ex(&x->u.lit, type, p->ansi || try_cast, &buf, &v, NULL) == SM_OK) {
        ok = sm_expr_literal(p, &v, type, out, NULL) == SM_OK;
    } else if (try_cast || !p->ansi) {
        v = sm_value_null(type->kind);
        ok = sm_expr_literal(p, &v, type, out, NULL) == SM_OK;
    }
    sm_buf_free(&buf);
    return ok;
}

sm_err_t sm_expr_cast(sm_expr_pool_t *p, sm_expr_t *x, sm_type_t *type, bool try_cast,
                      sm_expr_t **out, sm_error_t *e)
{
    if (same_type(x->type, type)) {
        *out = x;
        return SM_OK;
    }
    if (!sm_cast_allowed(x->type, type)) {
        char n1[64], n2[64];
        return sm_error_set(e, SM_ERR_INVALID, "cannot cast %s to %s",
                            sm_type_name(x->type, n1, sizeof n1),
                            sm_type_name(type, n2, sizeof n2));
    }
    if (x->kind == SM_EXPR_LITERAL && fold_cast(p, x, type, try_cast, out))
        return SM_OK;
    sm_expr_t *c = sm_expr_node(p, SM_EXPR_CAST, type, 1);
    if (!c)
        return nomem(e);
    c->args[0] = x;
    c->u.try_cast = try_cast;
    c->nullable = x->nullable || try_cast || !p->ansi || x->type->kind == SM_TYPE_STRING;
    c->may_fail = !try_cast || x->may_fail;
    *out = c;
    return SM_OK;
}

sm_err_t sm_expr_coerce(sm_expr_pool_t *p, sm_expr_t *x, sm_type_t *type, sm_expr_t **out,
                        sm_error_t *e)
{
    if (same_type(x->type, type)) {
        *out = x;
        return SM_OK;
    }
    return sm_expr_cast(p, x, type, false, out, e);
}

static sm_err_t need_bool(sm_expr_pool_t *p, sm_expr_t *x, const char *what, sm_expr_t **out,
                          sm_error_t *e)
{
    if (x->type->kind != SM_TYPE_BOOL && x->type->kind != SM_TYPE_NULL) {
        char n1[64];
        return sm_error_set(e, SM_ERR_INVALID, "%s: expected a boolean, got %s", what,
                            sm_type_name(x->type, n1, sizeof n1));
    }
    return sm_expr_coerce(p, x, sm_type_bool(), out, e);
}

/* Digits of an integer literal, for decimal arithmetic with literals. */
static sm_type_t *literal_decimal(const sm_expr_t *x)
{
    if (x->kind == SM_EXPR_LITERAL && !x->u.lit.is_null && sm_type_is_integer(x->type->kind)) {
        int64_t v = x->u.lit.u.i;
        uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        int digits = 1;
        while (m >= 10) {
            m /= 10;
            digits++;
        }
        return sm_type_decimal(digits, 0);
    }
    return sm_expr_int_as_decimal(x->type->kind);
}

static sm_err_t arith(sm_expr_pool_t *p, sm_expr_op_t op, sm_expr_t *a, sm_expr_t *b,
                      sm_expr_t **out, sm_error_t *e)
{
    sm_type_t *r = NULL, *ta = NULL, *tb = NULL;
    sm_err_t rc;
    sm_type_kind_t ka = a->type->kind, kb = b->type->kind;
    if ((ka == SM_TYPE_DATE || kb == SM_TYPE_DATE) && (op == SM_OP_ADD || op == SM_OP_SUB) &&
        (sm_type_is_integer(ka) || sm_type_is_integer(kb))) {
        sm_expr_t *args[2] = {ka == SM_TYPE_DATE ? a : b, ka == SM_TYPE_DATE ? b : a};
        return sm_expr_call(p, op == SM_OP_ADD ? "date_add" : "date_sub", args, 2, out, e);
    }
    bool fl = false;
    for (int k = 0; k < 2; k++) {
        sm_type_kind_t kk = (k ? b : a)->type->kind;
        fl |= kk == SM_TYPE_FLOAT32 || kk == SM_TYPE_FLOAT64 || kk == SM_TYPE_STRING;
    }
    bool dec = (ka == SM_TYPE_DECIMAL || kb == SM_TYPE_DECIMAL) && !fl;
    if (dec && (!sm_type_is_numeric(ka) || !sm_type_is_numeric(kb)))
        dec = false;
    if (dec && op != SM_OP_IDIV) {
        /* Operands keep their own scale: the kernel aligns them.  An
         * integer literal counts with its own digits (Spark). */
        ta = a->type->kind == SM_TYPE_DECIMAL ? sm_type_ref(a->type) : literal_decimal(a);
        tb = b->type->kind == SM_TYPE_DECIMAL ? sm_type_ref(b->type) : literal_decimal(b);
        if (ta && tb)
            r = sm_expr_decimal_result(op, ta->precision, ta->scale, tb->precision, tb->scale);
        if (!r) {
            rc = nomem(e);
            goto out;
        }
    } else if ((rc = sm_expr_arith_type(op, a->type, b->type, &r, e))) {
        return rc;
    } else if (dec) {
        sm_type_t *da =
            a->type->kind == SM_TYPE_DECIMAL ? sm_type_ref(a->type) : literal_decimal(a);
        sm_type_t *db =
            b->type->kind == SM_TYPE_DECIMAL ? sm_type_ref(b->type) : literal_decimal(b);
        if (da && db && sm_expr_common_type(da, db, true, &ta, e) == SM_OK)
            tb = sm_type_ref(ta);
        sm_type_free(da);
        sm_type_free(db);
    } else if (op == SM_OP_IDIV) {
        ta = sm_type_int64();
        tb = sm_type_int64();
    } else if (op == SM_OP_DIV) {
        ta = sm_type_float64();
        tb = sm_type_float64();
    } else {
        ta = sm_type_ref(r);
        tb = sm_type_ref(r);
    }
    sm_expr_t *x = NULL;
    if (!ta || !tb) {
        rc = nomem(e);
        goto out;
    }
    if ((rc = sm_expr_coerce(p, a, ta, &a, e)) || (rc = sm_expr_coerce(p, b, tb, &b, e)))
        goto out;
    if (!(x = sm_expr_node(p, SM_EXPR_ARITH, r, 2))) {
        rc = nomem(e);
        goto out;
    }
    x->args[0] = a;
    x->args[1] = b;
    x->u.op = op;
    x->nullable = a->nullable || b->nullable || op == SM_OP_DIV || op == SM_OP_MOD ||
                  op == SM_OP_IDIV || r->kind == SM_TYPE_DECIMAL || !p->ansi;
    bool float_res = r->kind == SM_TYPE_FLOAT32 || r->kind == SM_TYPE_FLOAT64;
    x->may_fail = a->may_fail || b->may_fail || !float_res || op == SM_OP_DIV || op == SM_OP_MOD ||
                  op == SM_OP_IDIV;
    *out = x;
out:
    sm_type_free(r);
    sm_type_free(ta);
    sm_type_free(tb);
    return rc;
}

static sm_err_t logic(sm_expr_pool_t *p, sm_expr_kind_t kind, sm_expr_t *a, sm_expr_t *b,
                      sm_expr_t **out, sm_error_t *e)
{
    const char *what = kind == SM_EXPR_AND ? "AND" : "OR";
    sm_err_t rc;
    if ((rc = need_bool(p, a, what, &a, e)) || (rc = need_bool(p, b, what, &b, e)))
        return rc;
    sm_expr_t *x = sm_expr_node(p, kind, sm_type_bool(), 2);
    if (!x)
        return nomem(e);
    x->args[0] = a;
    x->args[1] = b;
    x->nullable = a->nullable || b->nullable;
    x->may_fail = a->may_fail || b->may_fail;
    *out = x;
    return SM_OK;
}

sm_err_t sm_expr_binary(sm_expr_pool_t *p, sm_expr_op_t op, sm_expr_t *a, sm_expr_t *b,
                        sm_expr_t **out, sm_error_t *e)
{
    switch (op) {
    case SM_OP_AND:
        return logic(p, SM_EXPR_AND, a, b, out, e);
    case SM_OP_OR:
        return logic(p, SM_EXPR_OR, a, b, out, e);
    case SM_OP_CONCAT: {
        sm_expr_t *args[2] = {a, b};
        return sm_expr_call(p, "concat", args, 2, out, e);
    }
    case SM_OP_ADD:
    case SM_OP_SUB:
    case SM_OP_MUL:
    case SM_OP_DIV:
    case SM_OP_MOD:
    case SM_OP_IDIV:
        return arith(p, op, a, b, out, e);
    default:
        break;
    }
    sm_type_t *t = NULL;
    sm_err_t rc = sm_expr_common_type(a->type, b->type, true, &t, e);
    if (rc)
        return rc;
    if (t->kind == SM_TYPE_NULL) {
        sm_type_free(t);
        t = sm_type_bool();
    }
    if (sm_type_is_nested(t->kind)) {
        sm_type_free(t);
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "comparison of %s values",
                            sm_type_kind_name(t->kind));
    }
    if (!(rc = sm_expr_coerce(p, a, t, &a, e)) && !(rc = sm_expr_coerce(p, b, t, &b, e))) {
        sm_expr_t *x = sm_expr_node(p, SM_EXPR_CMP, sm_type_bool(), 2);
        if (!x) {
            rc = nomem(e);
        } else {
            x->args[0] = a;
            x->args[1] = b;
            x->u.op = op;
            x->nullable = op != SM_OP_EQ_NS && (a->nullable || b->nullable);
            x->may_fail = a->may_fail || b->may_fail;
            *out = x;
        }
    }
    sm_type_free(t);
    return rc;
}

sm_err_t sm_expr_not(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    sm_err_t rc = need_bool(p, x, "NOT", &x, e);
    if (rc)
        return rc;
    sm_expr_t *n = sm_expr_node(p, SM_EXPR_NOT, sm_type_bool(), 1);
    if (!n)
        return nomem(e);
    n->args[0] = x;
    n->nullable = x->nullable;
    n->may_fail = x->may_fail;
    *out = n;
    return SM_OK;
}

sm_err_t sm_expr_negate(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    return sm_expr_call(p, "negative", &x, 1, out, e);
}

sm_err_t sm_expr_is_null(sm_expr_pool_t *p, sm_expr_t *x, bool negated, sm_expr_t **out,
                         sm_error_t *e)
{
    sm_expr_t *n = sm_expr_node(p, SM_EXPR_IS_NULL, sm_type_bool(), 1);
    if (!n)
        return nomem(e);
    n->args[0] = x;
    n->u.negated = negated;
    n->may_fail = x->may_fail;
    *out = n;
    return SM_OK;
}

sm_err_t sm_expr_between(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t *lo, sm_expr_t *hi,
                         bool negated, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_t *ge = NULL, *le = NULL, *both = NULL;
    sm_err_t rc;
    if ((rc = sm_expr_binary(p, SM_OP_GE, x, lo, &ge, e)) ||
        (rc = sm_expr_binary(p, SM_OP_LE, x, hi, &le, e)) ||
        (rc = sm_expr_binary(p, SM_OP_AND, ge, le, &both, e)))
        return rc;
    if (negated)
        return sm_expr_not(p, both, out, e);
    *out = both;
    return SM_OK;
}

/* Folds the common type of n expressions into *t (a new reference). */
static sm_err_t common_of(sm_expr_t *const *xs, size_t n, bool for_compare, sm_type_t **t,
                          sm_error_t *e)
{
    sm_type_t *acc = sm_type_ref(xs[0]->type);
    for (size_t i = 1; i < n; i++) {
        sm_type_t *next = NULL;
        sm_err_t rc = sm_expr_common_type(acc, xs[i]->type, for_compare, &next, e);
        sm_type_free(acc);
        if (rc)
            return rc;
        acc = next;
    }
    *t = acc;
    return SM_OK;
}

sm_err_t sm_expr_in(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t *const *list, size_t n, bool negated,
                    sm_expr_t **out, sm_error_t *e)
{
    if (n == 0)
        return sm_error_set(e, SM_ERR_INVALID, "IN: empty list");
    sm_expr_t *node = sm_expr_node(p, SM_EXPR_IN, sm_type_bool(), n + 1);
    if (!node)
        return nomem(e);
    node->args[0] = x;
    for (size_t i = 0; i < n; i++)
        node->args[i + 1] = list[i];
    sm_type_t *t = NULL;
    sm_err_t rc = common_of(node->args, n + 1, true, &t, e);
    if (rc)
        return sm_error_wrap(e, "IN"), rc;
    for (size_t i = 0; !rc && i <= n; i++) {
        rc = sm_expr_coerce(p, node->args[i], t, &node->args[i], e);
        if (!rc)
            node->nullable |= node->args[i]->nullable;
    }
    sm_type_free(t);
    if (rc)
        return rc;
    node->u.negated = negated;
    node->may_fail = any_fail(node->args, n + 1);
    *out = node;
    return SM_OK;
}

sm_err_t sm_expr_like(sm_expr_pool_t *p, sm_like_kind_t kind, sm_expr_t *x, sm_expr_t *pattern,
                      char escape, bool negated, sm_expr_t **out, sm_error_t *e)
{
    static const char *names[] = {"LIKE", "ILIKE", "RLIKE"};
    sm_err_t rc;
    if (!escape)
        escape = '\\';
    if ((rc = sm_expr_coerce(p, x, sm_type_string(), &x, e)) ||
        (rc = sm_expr_coerce(p, pattern, sm_type_string(), &pattern, e)))
        return sm_error_wrap(e, "%s", names[kind]), rc;
    sm_expr_t *node = sm_expr_node(p, SM_EXPR_LIKE, sm_type_bool(), 2);
    if (!node)
        return nomem(e);
    node->args[0] = x;
    node->args[1] = pattern;
    node->u.like.kind = kind;
    node->u.like.negated = negated;
    node->u.like.escape = escape;
    node->nullable = x->nullable || pattern->nullable;
    node->may_fail = x->may_fail || pattern->may_fail || pattern->kind != SM_EXPR_LITERAL;
    if (pattern->kind == SM_EXPR_LITERAL && !pattern->u.lit.is_null) {
        if ((rc = sm_like_compile(p, kind, pattern->u.lit.u.s.p, pattern->u.lit.u.s.n, escape,
                                  &node->u.like.pat, e)))
            return rc;
    }
    *out = node;
    return SM_OK;
}

sm_err_t sm_expr_case(sm_expr_pool_t *p, sm_expr_t *operand, sm_expr_t *const *whens,
                      sm_expr_t *const *thens, size_t n, sm_expr_t *els, sm_expr_t **out,
                      sm_error_t *e)
{
    if (n == 0)
        return sm_error_set(e, SM_ERR_INVALID, "CASE without WHEN");
    size_t nargs = 2 * n + (els ? 1 : 0);
    sm_expr_t *node = sm_expr_node(p, SM_EXPR_CASE, sm_type_null(), nargs);
    if (!node)
        return nomem(e);
    sm_err_t rc = SM_OK;
    sm_expr_t **branches = sm_arena_alloc(&p->arena, (n + 1) * sizeof *branches);
    if (!branches)
        return nomem(e);
    for (size_t i = 0; i < n; i++) {
        sm_expr_t *w = whens[i];
        if (operand && (rc = sm_expr_binary(p, SM_OP_EQ, operand, w, &w, e)))
            return sm_error_wrap(e, "CASE"), rc;
        if ((rc = need_bool(p, w, "CASE WHEN", &w, e)))
            return rc;
        node->args[2 * i] = w;
        branches[i] = thens[i];
    }
    if (els)
        branches[n] = els;
    sm_type_t *t = NULL;
    if ((rc = common_of(branches, n + (els ? 1 : 0), false, &t, e)))
        return sm_error_wrap(e, "CASE branches"), rc;
    node->nullable = !els;
    for (size_t i = 0; !rc && i < n + (els ? 1 : 0); i++) {
        sm_expr_t *c;
        rc = sm_expr_coerce(p, branches[i], t, &c, e);
        if (!rc) {
            node->args[i < n ? 2 * i + 1 : 2 * n] = c;
            node->nullable |= c->nullable;
        }
    }
    if (!rc) {
        sm_type_free(node->type);
        node->type = t;
        t = NULL;
        node->may_fail = any_fail(node->args, nargs);
        *out = node;
    }
    sm_type_free(t);
    return rc;
}

sm_err_t sm_expr_coalesce(sm_expr_pool_t *p, sm_expr_t *const *args, size_t n, sm_expr_t **out,
                          sm_error_t *e)
{
    if (n == 0)
        return sm_error_set(e, SM_ERR_INVALID, "function coalesce: expected at least 1 argument");
    sm_type_t *t = NULL;
    sm_err_t rc = common_of(args, n, false, &t, e);
    if (rc)
        return sm_error_wrap(e, "function coalesce"), rc;
    sm_expr_t *node = sm_expr_node(p, SM_EXPR_COALESCE, t, n);
    if (!node) {
        sm_type_free(t);
        return nomem(e);
    }
    node->nullable = true;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = sm_expr_coerce(p, args[i], t, &node->args[i], e);
        if (!rc && !node->args[i]->nullable)
            node->nullable = false;
    }
    sm_type_free(t);
    if (rc)
        return rc;
    node->may_fail = any_fail(node->args, n);
    *out = node;
    return SM_OK;
}

/* ---- printer ----------------------------------------------------------- */

static const char *op_text(sm_expr_op_t op)
{
    static const char *t[] = {"+", "-",  "*", "/",  "%",   "div", "=",  "<>",
                              "<", "<=", ">", ">=", "<=>", "AND", "OR", "||"};
    return t[op];
}

static sm_err_t fmt_list(const sm_expr_t *const *xs, size_t n, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = sm_buf_append_str(out, ", ", e);
        if (!rc)
            rc = sm_expr_format(xs[i], out, e);
    }
    return rc;
}

sm_err_t sm_expr_format(const sm_expr_t *x, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    char tn[96];
    const sm_expr_t *const *a = (const sm_expr_t *const *)x->args;
#define P(s)                                                                                       \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_buf_append_str(out, (s), e);                                                   \
    } while (0)
#define X(node)                                                                                    \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_expr_format((node), out, e);                                                   \
    } while (0)
    switch (x->kind) {
    case SM_EXPR_COLUMN:
        if (x->u.col.name)
            P(x->u.col.name);
        else
            rc = sm_buf_printf(out, e, "#%u", x->u.col.index);
        break;
    case SM_EXPR_LITERAL:
        rc = sm_value_format_sql(&x->u.lit, out, e);
        break;
    case SM_EXPR_ARITH:
    case SM_EXPR_CMP:
        P("(");
        X(a[0]);
        P(" ");
        P(op_text(x->u.op));
        P(" ");
        X(a[1]);
        P(")");
        break;
    case SM_EXPR_AND:
    case SM_EXPR_OR:
        P("(");
        X(a[0]);
        P(x->kind == SM_EXPR_AND ? " AND " : " OR ");
        X(a[1]);
        P(")");
        break;
    case SM_EXPR_NOT:
        P("(NOT ");
        X(a[0]);
        P(")");
        break;
    case SM_EXPR_IS_NULL:
        P("(");
        X(a[0]);
        P(x->u.negated ? " IS NOT NULL)" : " IS NULL)");
        break;
    case SM_EXPR_CASE:
        P("CASE");
        for (uint32_t i = 0; i + 1 < x->nargs; i += 2) {
            P(" WHEN ");
            X(a[i]);
            P(" THEN ");
            X(a[i + 1]);
        }
        if (x->nargs % 2) {
            P(" ELSE ");
            X(a[x->nargs - 1]);
        }
        P(" END");
        break;
    case SM_EXPR_CAST:
        P(x->u.try_cast ? "TRY_CAST(" : "CAST(");
        X(a[0]);
        P(" AS ");
        P(sm_type_name(x->type, tn, sizeof tn));
        P(")");
        break;
    case SM_EXPR_IN:
        P("(");
        X(a[0]);
        P(x->u.negated ? " NOT IN (" : " IN (");
        if (!rc)
            rc = fmt_list(a + 1, x->nargs - 1, out, e);
        P("))");
        break;
    case SM_EXPR_LIKE: {
        static const char *kw[] = {" LIKE ", " ILIKE ", " RLIKE "};
        P("(");
        X(a[0]);
        P(x->u.like.negated ? " NOT" : "");
        P(kw[x->u.like.kind]);
        X(a[1]);
        P(")");
        break;
    }
    case SM_EXPR_COALESCE:
        P("coalesce(");
        if (!rc)
            rc = fmt_list(a, x->nargs, out, e);
        P(")");
        break;
    case SM_EXPR_CALL:
        P(x->u.call.fn->name);
        P("(");
        if (!rc)
            rc = fmt_list(a, x->nargs, out, e);
        P(")");
        break;
    }
#undef P
#undef X
    return rc;
}
