/*
 * exec/fn_cond.c — conditional functions.  coalesce, if, nullif, ifnull,
 * nvl, nvl2, isnull, isnotnull, mod and pmod are desugared by
 * sm_expr_call() (expr_func.c) into CASE / COALESCE / IS NULL / '%'
 * nodes; they are listed here so the registry knows their names.
 * nanvl(a, b) is evaluated here: b when a is NaN, else a.
 */
#include <math.h>

#include "exec/expr_int.h"

static sm_err_t desugared(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,
                          sm_type_t **result, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_INTERNAL, "%s is desugared by sm_expr_call", fn->name);
}

static sm_err_t no_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_INTERNAL, "%s has no evaluator", fc->x->u.call.fn->name);
}

static sm_err_t nanvl_resolve(const sm_func_t *fn, sm_expr_t *const *args, size_t n,
                              sm_type_t **want, sm_type_t **result, sm_error_t *e)
{
    return sm_fn_resolve_sig(fn, "dd:d", args, n, want, result, e);
}

static sm_err_t nanvl_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    double *po = (double *)(void *)fc->out->values;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        bool na = sm_vector_is_null(fc->args[0], i);
        double a = sm_vector_get_f64(fc->args[0], i);
        if (!na && !isnan(a)) {
            po[i] = a;
        } else if (na || sm_vector_is_null(fc->args[1], i)) {
            sm_expr_out_null(fc->out, i);
        } else {
            po[i] = sm_vector_get_f64(fc->args[1], i);
        }
    }
    (void)e;
    return SM_OK;
}

#define DS(name, lo, hi)                                                                           \
    {                                                                                              \
        name, 0, lo, hi, desugared, no_eval, 0                                                     \
    }
const sm_func_t sm_fn_cond[] = {
    DS("coalesce", 1, -1), DS("if", 3, 3),     DS("iff", 3, 3),
    DS("nullif", 2, 2),    DS("ifnull", 2, 2), DS("nvl", 2, 2),
    DS("nvl2", 3, 3),      DS("isnull", 1, 1), DS("isnotnull", 1, 1),
    DS("mod", 2, 2),       DS("pmod", 2, 2),   {"nanvl", 0, 2, 2, nanvl_resolve, nanvl_eval, 0},
};
const size_t sm_fn_cond_count = sizeof sm_fn_cond / sizeof sm_fn_cond[0];
