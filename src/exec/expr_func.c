/*
 * exec/expr_func.c — the function registry: name -> definition, argument
 * type resolution, and sm_expr_call() which binds a call (inserting the
 * implicit casts the resolver asks for).  Aggregate and window function
 * names are reserved here (flagged) and evaluated by the operators.
 */
#include <string.h>

#include "core/str.h"
#include "exec/expr_int.h"

static sm_err_t no_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_INTERNAL, "%s is not a scalar function", fc->x->u.call.fn->name);
}

#define AGG(n)                                                                                     \
    {                                                                                              \
        n, SM_FUNC_AGGREGATE, 0, -1, NULL, no_eval, 0                                              \
    }
#define WIN(n)                                                                                     \
    {                                                                                              \
        n, SM_FUNC_WINDOW, 0, -1, NULL, no_eval, 0                                                 \
    }
static const sm_func_t reserved[] = {
    AGG("sum"),
    AGG("count"),
    AGG("avg"),
    AGG("mean"),
    AGG("min"),
    AGG("max"),
    AGG("first"),
    AGG("last"),
    AGG("first_value"),
    AGG("last_value"),
    AGG("collect_list"),
    AGG("collect_set"),
    AGG("stddev"),
    AGG("stddev_samp"),
    AGG("stddev_pop"),
    AGG("std"),
    AGG("variance"),
    AGG("var_samp"),
    AGG("var_pop"),
    AGG("approx_count_distinct"),
    AGG("any_value"),
    AGG("bool_and"),
    AGG("bool_or"),
    AGG("every"),
    AGG("median"),
    AGG("percentile"),
    AGG("percentile_approx"),
    AGG("count_if"),
    AGG("max_by"),
    AGG("min_by"),
    AGG("corr"),
    AGG("covar_pop"),
    AGG("covar_samp"),
    AGG("skewness"),
    AGG("kurtosis"),
    AGG("mode"),
    WIN("row_number"),
    WIN("rank"),
    WIN("dense_rank"),
    WIN("percent_rank"),
    WIN("cume_dist"),
    WIN("ntile"),
    WIN("lag"),
    WIN("lead"),
    WIN("nth_value"),
};
#undef AGG
#undef WIN

typedef struct table {
    const sm_func_t *fns;
    const size_t *count;
} table_t;

static const size_t reserved_count = sizeof reserved / sizeof reserved[0];

static const sm_func_t *entry(size_t i)
{
    const table_t tables[] = {{sm_fn_math, &sm_fn_math_count},
                              {sm_fn_string, &sm_fn_string_count},
                              {sm_fn_date, &sm_fn_date_count},
                              {sm_fn_cond, &sm_fn_cond_count},
                              {reserved, &reserved_count}};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (i < *tables[t].count)
            return &tables[t].fns[i];
        i -= *tables[t].count;
    }
    return NULL;
}

size_t sm_func_count(void)
{
    return sm_fn_math_count + sm_fn_string_count + sm_fn_date_count + sm_fn_cond_count +
           reserved_count;
}

const sm_func_t *sm_func_at(size_t i)
{
    return entry(i);
}

const sm_func_t *sm_func_lookup(const char *name, size_t len)
{
    sm_str_t s = sm_str_make(name, len);
    for (size_t i = 0, n = sm_func_count(); i < n; i++) {
        const sm_func_t *f = entry(i);
        if (sm_str_eq_nocase(s, sm_str_c(f->name)))
            return f;
    }
    return NULL;
}

bool sm_func_is_aggregate(const char *name, size_t len)
{
    const sm_func_t *f = sm_func_lookup(name, len);
    return f && (f->flags & SM_FUNC_AGGREGATE);
}

sm_err_t sm_fn_type_error(const sm_func_t *fn, size_t argi, const char *expected,
                          const sm_type_t *got, sm_error_t *e)
{
    char tn[64];
    return sm_error_set(e, SM_ERR_INVALID, "function %s: expected %s, got %s (argument %zu)",
                        fn->name, expected, sm_type_name(got, tn, sizeof tn), argi + 1);
}

static sm_type_t *sig_type(char c, const sm_type_t *arg0)
{
    switch (c) {
    case 'd':
        return sm_type_float64();
    case 'l':
        return sm_type_int64();
    case 'i':
        return sm_type_int32();
    case 's':
        return sm_type_string();
    case 'D':
        return sm_type_date();
    case 'T':
        return sm_type_timestamp_tz();
    case 'b':
        return sm_type_bool();
    case '0':
        return arg0 ? sm_type_ref((sm_type_t *)arg0) : sm_type_null();
    default:
        return NULL;
    }
}

static const char *sig_name(char c)
{
    switch (c) {
    case 'n':
        return "a number";
    case 'd':
        return "a double";
    case 'l':
        return "a bigint";
    case 'i':
        return "an int";
    case 's':
        return "a string";
    case 'D':
        return "a date";
    case 'T':
        return "a timestamp";
    case 'b':
        return "a boolean";
    default:
        return "a value";
    }
}

sm_err_t sm_fn_resolve_sig(const sm_func_t *fn, const char *sig, sm_expr_t *const *args, size_t n,
                           sm_type_t **want, sm_type_t **result, sm_error_t *e)
{
    const char *colon = strchr(sig, ':');
    size_t nsig = (size_t)(colon - sig);
    for (size_t i = 0; i < n; i++) {
        char c;
        if (i < nsig && sig[i] != '*')
            c = sig[i];
        else if (nsig >= 2 && sig[nsig - 1] == '*')
            c = sig[nsig - 2];
        else
            c = sig[nsig - 1];
        const sm_type_t *t = args[i]->type;
        if (c == 'a')
            continue;
        if (c == 'n') {
            if (!sm_type_is_numeric(t->kind) && t->kind != SM_TYPE_NULL)
                return sm_fn_type_error(fn, i, "a number", t, e);
            if (t->kind == SM_TYPE_NULL)
                want[i] = sm_type_float64();
            continue;
        }
        sm_type_t *w = sig_type(c, NULL);
        if (!w)
            return sm_error_set(e, SM_ERR_INTERNAL, "bad signature %s", sig);
        if (!sm_cast_implicit(t, w)) {
            sm_type_free(w);
            return sm_fn_type_error(fn, i, sig_name(c), t, e);
        }
        want[i] = w;
    }
    *result = sig_type(colon[1], n ? args[0]->type : NULL);
    if (!*result)
        return sm_error_nomem(e, "function type");
    return SM_OK;
}

/* CASE WHEN cond THEN a ELSE b END. */
static sm_err_t if_expr(sm_expr_pool_t *p, sm_expr_t *cond, sm_expr_t *a, sm_expr_t *b,
                        sm_expr_t **out, sm_error_t *e)
{
    return sm_expr_case(p, NULL, &cond, &a, 1, b, out, e);
}

static sm_err_t special(sm_expr_pool_t *p, const char *name, sm_expr_t *const *args, size_t n,
                        sm_expr_t **out, bool *done, sm_error_t *e)
{
    sm_str_t s = sm_str_c(name);
    *done = true;
    if (sm_str_eq_nocase(s, SM_STR_LIT("coalesce")))
        return sm_expr_coalesce(p, args, n, out, e);
    if (sm_str_eq_nocase(s, SM_STR_LIT("ifnull")) || sm_str_eq_nocase(s, SM_STR_LIT("nvl"))) {
        if (n != 2)
            return sm_error_set(e, SM_ERR_INVALID, "function %s: expected 2 arguments, got %zu",
                                name, n);
        return sm_expr_coalesce(p, args, n, out, e);
    }
    if (sm_str_eq_nocase(s, SM_STR_LIT("if")) || sm_str_eq_nocase(s, SM_STR_LIT("iff"))) {
        if (n != 3)
            return sm_error_set(e, SM_ERR_INVALID, "function if: expected 3 arguments, got %zu", n);
        return if_expr(p, args[0], args[1], args[2], out, e);
    }
    if (sm_str_eq_nocase(s, SM_STR_LIT("nullif"))) {
        if (n != 2)
            return sm_error_set(e, SM_ERR_INVALID, "function nullif: expected 2 arguments, got %zu",
                                n);
        sm_expr_t *eq, *null;
        sm_value_t nv = sm_value_null(args[0]->type->kind);
        sm_err_t rc;
        if ((rc = sm_expr_binary(p, SM_OP_EQ, args[0], args[1], &eq, e)) ||
            (rc = sm_expr_literal(p, &nv, args[0]->type, &null, e)))
            return rc;
        return if_expr(p, eq, null, args[0], out, e);
    }
    if (sm_str_eq_nocase(s, SM_STR_LIT("nvl2"))) {
        if (n != 3)
            return sm_error_set(e, SM_ERR_INVALID, "function nvl2: expected 3 arguments, got %zu",
                                n);
        sm_expr_t *nn;
        sm_err_t rc = sm_expr_is_null(p, args[0], true, &nn, e);
        return rc ? rc : if_expr(p, nn, args[1], args[2], out, e);
    }
    if (sm_str_eq_nocase(s, SM_STR_LIT("isnull")) || sm_str_eq_nocase(s, SM_STR_LIT("isnotnull"))) {
        if (n != 1)
            return sm_error_set(e, SM_ERR_INVALID, "function %s: expected 1 argument, got %zu",
                                name, n);
        return sm_expr_is_null(p, args[0], sm_str_eq_nocase(s, SM_STR_LIT("isnotnull")), out, e);
    }
    if (sm_str_eq_nocase(s, SM_STR_LIT("mod")) || sm_str_eq_nocase(s, SM_STR_LIT("pmod"))) {
        if (n != 2)
            return sm_error_set(e, SM_ERR_INVALID, "function %s: expected 2 arguments, got %zu",
                                name, n);
        sm_expr_t *r, *neg, *zero, *sum, *fix;
        sm_err_t rc = sm_expr_binary(p, SM_OP_MOD, args[0], args[1], &r, e);
        if (rc || sm_str_eq_nocase(s, SM_STR_LIT("mod"))) {
            if (!rc)
                *out = r;
            return rc;
        }
        /* pmod: r = a % b; CASE WHEN r < 0 THEN (r + b) % b ELSE r END */
        sm_value_t z = sm_value_i32(0);
        if ((rc = sm_expr_literal(p, &z, NULL, &zero, e)) ||
            (rc = sm_expr_binary(p, SM_OP_LT, r, zero, &neg, e)) ||
            (rc = sm_expr_binary(p, SM_OP_ADD, r, args[1], &sum, e)) ||
            (rc = sm_expr_binary(p, SM_OP_MOD, sum, args[1], &fix, e)))
            return rc;
        return if_expr(p, neg, fix, r, out, e);
    }
    *done = false;
    return SM_OK;
}

sm_err_t sm_expr_call(sm_expr_pool_t *p, const char *name, sm_expr_t *const *args, size_t n,
                      sm_expr_t **out, sm_error_t *e)
{
    bool done;
    sm_err_t rc = special(p, name, args, n, out, &done, e);
    if (done)
        return rc;
    const sm_func_t *fn = sm_func_lookup(name, strlen(name));
    if (!fn)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "unknown function %s", name);
    if (fn->flags & (SM_FUNC_AGGREGATE | SM_FUNC_WINDOW))
        return sm_error_set(e, SM_ERR_INVALID, "%s is %s function, not allowed here", fn->name,
                            (fn->flags & SM_FUNC_AGGREGATE) ? "an aggregate" : "a window");
    if ((int)n < fn->min_args || (fn->max_args >= 0 && (int)n > fn->max_args)) {
        if (fn->min_args == fn->max_args)
            return sm_error_set(e, SM_ERR_INVALID, "function %s: expected %d argument%s, got %zu",
                                fn->name, fn->min_args, fn->min_args == 1 ? "" : "s", n);
        return sm_error_set(e, SM_ERR_INVALID, "function %s: expected %d to %d arguments, got %zu",
                            fn->name, fn->min_args, fn->max_args, n);
    }
    sm_type_t *wantv[8] = {0}, **want = wantv, *result = NULL;
    if (n > 8 && !(want = sm_arena_calloc(&p->arena, n * sizeof *want)))
        return sm_error_nomem(e, "function call");
    sm_expr_t *x = NULL;
    rc = fn->resolve(fn, args, n, want, &result, e);
    if (!rc && !(x = sm_expr_node(p, SM_EXPR_CALL, result, n)))
        rc = sm_error_nomem(e, "function call");
    for (size_t i = 0; !rc && i < n; i++) {
        x->args[i] = args[i];
        if (want[i])
            rc = sm_expr_coerce(p, args[i], want[i], &x->args[i], e);
    }
    for (size_t i = 0; i < n; i++)
        sm_type_free(want[i]);
    sm_type_free(result);
    if (rc)
        return rc;
    x->u.call.fn = fn;
    x->nullable = true;
    x->may_fail = true;
    *out = x;
    return SM_OK;
}
