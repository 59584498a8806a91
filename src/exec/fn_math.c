/*
 * exec/fn_math.c — numeric functions: round/bround, abs, floor, ceil,
 * sign, sqrt, cbrt, power, ln/log/log10/log2, exp, greatest, least,
 * negative, positive.  (mod and pmod are desugared in expr_func.c.)
 *
 * round(float|double, d) follows Spark exactly: the value (a float widened
 * to double) is taken at its shortest decimal form (Java's
 * BigDecimal.valueOf(double) = Double.toString), rounded HALF_UP at d
 * digits, and converted back with correct rounding (floatValue /
 * doubleValue).  So round(0.285f, 2) rounds "0.2849999964237213" -> 0.28,
 * while round(0.285d, 2) rounds "0.285" -> 0.29.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/text.h"
#include "exec/expr_int.h"

enum {
    M_ROUND,
    M_BROUND,
    M_ABS,
    M_FLOOR,
    M_CEIL,
    M_SIGN,
    M_SQRT,
    M_CBRT,
    M_LN,
    M_LOG10,
    M_LOG2,
    M_EXP,
    M_POW,
    M_LOG,
    M_GREATEST,
    M_LEAST,
    M_NEG,
    M_POS,
};

/* ---- round on the shortest decimal form -------------------------------- */

/* The common case of round_shortest without any text: |d| * 10^scale is
 * computed in double, which is within 2^-51 (relative) of the shortest
 * decimal form scaled, so when its fractional part is clearly away from
 * one half, rounding the shortest form goes the same way (HALF_UP and
 * HALF_EVEN agree there), and the integer q it gives, divided by the exact
 * 10^scale, is the correctly rounded double of "q e-scale" -- what strtod
 * returns.  For a float result the double quotient is narrowed, which is
 * the correct rounding unless it sits exactly on a float half-way point
 * (double rounding); that case, halves, huge and tiny values take the
 * exact path (false). */
static bool round_fast(double d, int scale, bool to_float, double *out)
{
    static const double P10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    if (scale < 0 || scale > 15)
        return false;
    double a = fabs(d) * P10[scale];
    if (!(a < 0x1p49) || a < 0x1p-900)
        return false;
    double fl = floor(a), fr = a - fl;
    if (fabs(fr - 0.5) <= a * 0x1p-46 + 0x1p-60)
        return false;
    double q = fr > 0.5 ? fl + 1 : fl;
    double r = q / P10[scale];
    if (to_float) {
        if (r != 0 && (r < 0x1p-125 || r > 0x1p127))
            return false;
        uint64_t bits;
        memcpy(&bits, &r, sizeof bits);
        if ((bits & 0x1fffffffu) == 0x10000000u)
            return false;
        r = (double)(float)r;
    }
    *out = d < 0 ? -r : r;
    return true;
}

/* d rounded at `scale` fractional digits (negative: tens, hundreds...) of
 * its shortest decimal form; HALF_UP or HALF_EVEN. */
static double round_shortest(double d, int scale, bool even, bool to_float)
{
    double fast;
    if (round_fast(d, scale, to_float, &fast))
        return fast;
    char buf[SM_FMT_FLOAT_MAX], digits[40];
    sm_fmt_double(d, buf);
    const char *p = buf;
    bool neg = *p == '-';
    if (neg)
        p++;
    int nd = 0, pt = 0;
    bool seen_point = false, leading = true;
    for (; *p && *p != 'E'; p++) {
        if (*p == '.') {
            seen_point = true;
            continue;
        }
        if (leading && *p == '0') {
            if (seen_point)
                pt--;
            continue;
        }
        leading = false;
        if (nd < 39)
            digits[nd++] = *p;
        if (!seen_point)
            pt++;
    }
    if (*p == 'E')
        pt += atoi(p + 1);
    while (nd > 0 && digits[nd - 1] == '0')
        nd--;
    if (nd == 0)
        return d;
    int keep = pt + scale;
    if (keep >= nd)
        return d;
    double zero = neg ? -0.0 : 0.0;
    if (keep < 0)
        return to_float ? (double)(float)zero : zero;
    int rd = digits[keep] - '0';
    bool up;
    if (!even) {
        up = rd >= 5;
    } else {
        bool rest = false;
        for (int i = keep + 1; i < nd; i++)
            rest |= digits[i] != '0';
        bool odd = keep > 0 && ((digits[keep - 1] - '0') & 1);
        up = rd > 5 || (rd == 5 && (rest || odd));
    }
    nd = keep;
    if (up) {
        int i = nd - 1;
        while (i >= 0 && digits[i] == '9')
            digits[i--] = '0';
        if (i >= 0) {
            digits[i]++;
        } else {
            memmove(digits + 1, digits, (size_t)nd);
            digits[0] = '1';
            nd++;
            pt++;
        }
    }
    if (nd == 0)
        return to_float ? (double)(float)zero : zero;
    char out[64];
    snprintf(out, sizeof out, "%s0.%.*se%d", neg ? "-" : "", nd, digits, pt);
    return to_float ? (double)strtof(out, NULL) : strtod(out, NULL);
}

static sm_err_t round_resolve(const sm_func_t *fn, sm_expr_t *const *args, size_t n,
                              sm_type_t **want, sm_type_t **result, sm_error_t *e)
{
    const sm_type_t *t = args[0]->type;
    if (!sm_type_is_numeric(t->kind) && t->kind != SM_TYPE_NULL)
        return sm_fn_type_error(fn, 0, "a number", t, e);
    int s = 0;
    if (n == 2) {
        const sm_value_t *c = args[1]->kind == SM_EXPR_LITERAL ? &args[1]->u.lit : NULL;
        if (!c || !sm_type_is_integer(c->kind))
            return sm_error_set(e, SM_ERR_INVALID,
                                "function %s: the scale must be a constant integer", fn->name);
        s = c->is_null ? 0 : (int)c->u.i;
        want[1] = sm_type_int32();
    }
    if (t->kind == SM_TYPE_NULL) {
        want[0] = sm_type_float64();
        *result = sm_type_float64();
    } else if (t->kind == SM_TYPE_DECIMAL) {
        int p = t->precision, ts = t->scale, ild = p - ts + 1;
        if (s < 0) {
            int np = ild > -s + 1 ? ild : -s + 1;
            *result = sm_type_decimal(np > 38 ? 38 : np, 0);
        } else {
            int ns = ts < s ? ts : s;
            *result = sm_type_decimal(ild + ns > 38 ? 38 : ild + ns, ns);
        }
    } else {
        *result = sm_type_ref((sm_type_t *)t);
    }
    return *result ? SM_OK : sm_error_nomem(e, "round");
}

static sm_err_t int_overflow(const sm_fcall_t *fc, sm_error_t *e)
{
    char tn[64];
    return sm_error_set(e, SM_ERR_OVERFLOW, "function %s: the result does not fit %s",
                        fc->x->u.call.fn->name, sm_type_name(fc->x->type, tn, sizeof tn));
}

static bool fits_kind(sm_type_kind_t k, int64_t v)
{
    switch (k) {
    case SM_TYPE_INT8:
        return v >= INT8_MIN && v <= INT8_MAX;
    case SM_TYPE_INT16:
        return v >= INT16_MIN && v <= INT16_MAX;
    case SM_TYPE_INT32:
        return v >= INT32_MIN && v <= INT32_MAX;
    default:
        return true;
    }
}

static sm_err_t round_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    const sm_value_t *c = sm_expr_const_arg(fc->x, 1);
    bool even = fc->x->u.call.fn->op == M_BROUND;
    sm_vector_t *in = fc->args[0], *out = fc->out;
    if (c && c->is_null) {
        memset(out->validity, 0, (fc->n + 7) / 8);
        return SM_OK;
    }
    int s = c ? (int)c->u.i : 0;
    sm_type_kind_t k = fc->x->type->kind;
    if (k == SM_TYPE_FLOAT64 && in->type->kind == SM_TYPE_FLOAT64) {
        /* what the loop below does for doubles, without sm_value_t */
        const double *x = (const double *)(const void *)in->values + in->offset;
        double *y = (double *)(void *)out->values;
        for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
            size_t i = SM_ROW(fc->sel, j);
            if (!sm_expr_out_valid(out, i))
                continue;
            if (in->null_count && sm_vector_is_null(in, i))
                sm_expr_out_null(out, i);
            else
                y[i] = isfinite(x[i]) ? round_shortest(x[i], s, even, false) : x[i];
        }
        return SM_OK;
    }
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        if (!sm_expr_out_valid(out, i))
            continue;
        sm_value_t v, r;
        sm_err_t rc = sm_value_from_vector(in, i, &v, e);
        if (rc)
            return rc;
        r = v;
        if (k == SM_TYPE_FLOAT32 || k == SM_TYPE_FLOAT64) {
            if (isfinite(v.u.d))
                r.u.d = round_shortest(v.u.d, s, even, k == SM_TYPE_FLOAT32);
        } else if (k == SM_TYPE_DECIMAL) {
            sm_i128 q;
            int ts = in->type->scale;
            int target = s < ts ? s : ts;
            if (!sm_expr_dec_rescale(v.u.dec, ts, target, &q) && target >= 0)
                return int_overflow(fc, e);
            if (even && target < ts) {
                /* HALF_EVEN: redo the rounding step exactly. */
                sm_i128 d = sm_pow10_i128(ts - target), qq = v.u.dec / d, rr = v.u.dec % d;
                sm_i128 ar = rr < 0 ? -rr : rr, half = d - ar;
                if (ar > half || (ar == half && (qq % 2 != 0)))
                    qq += v.u.dec < 0 ? -1 : 1;
                q = qq;
            }
            if (target < 0)
                q *= sm_pow10_i128(-target);
            if (!sm_decimal_fits(q, fc->x->type->precision)) {
                if (fc->ctx->ansi)
                    return int_overflow(fc, e);
                sm_expr_out_null(out, i);
                continue;
            }
            r.u.dec = q;
        } else if (s < 0) {
            if (-s > 18) {
                r.u.i = 0;
            } else {
                int64_t d = 1;
                for (int t = 0; t < -s; t++)
                    d *= 10;
                int64_t q = v.u.i / d, rem = v.u.i % d, ar = rem < 0 ? -rem : rem;
                if (even ? (ar > d - ar || (ar == d - ar && (q & 1))) : ar >= d - ar)
                    q += v.u.i < 0 ? -1 : 1;
                __int128 wide = (__int128)q * d;
                if (wide > INT64_MAX || wide < INT64_MIN || !fits_kind(k, (int64_t)wide)) {
                    if (fc->ctx->ansi)
                        return int_overflow(fc, e);
                    wide = (int64_t)(uint64_t)wide;
                }
                r.u.i = (int64_t)wide;
            }
        }
        if ((rc = sm_expr_out_value(out, i, &r, e)))
            return rc;
    }
    return SM_OK;
}

/* ---- other functions --------------------------------------------------- */

static sm_err_t num_resolve(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,
                            sm_type_t **result, sm_error_t *e)
{
    const sm_type_t *t = args[0]->type;
    if (!sm_type_is_numeric(t->kind) && t->kind != SM_TYPE_NULL)
        return sm_fn_type_error(fn, 0, "a number", t, e);
    if (t->kind == SM_TYPE_NULL) {
        want[0] = sm_type_float64();
        t = want[0];
    }
    switch (fn->op) {
    case M_FLOOR:
    case M_CEIL:
        if (t->kind == SM_TYPE_DECIMAL) {
            int p = t->precision - t->scale + 1;
            *result =
                t->scale == 0 ? sm_type_ref((sm_type_t *)t) : sm_type_decimal(p > 38 ? 38 : p, 0);
        } else {
            *result = sm_type_int64();
        }
        break;
    default: /* abs, negative, positive */
        *result = sm_type_ref((sm_type_t *)t);
        break;
    }
    return *result ? SM_OK : sm_error_nomem(e, fn->name);
}

static sm_err_t num_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    int op = fc->x->u.call.fn->op;
    sm_vector_t *in = fc->args[0], *out = fc->out;
    sm_type_kind_t ik = in->type->kind;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        if (!sm_expr_out_valid(out, i))
            continue;
        sm_value_t v, r;
        sm_err_t rc = sm_value_from_vector(in, i, &v, e);
        if (rc)
            return rc;
        r = v;
        r.kind = fc->x->type->kind;
        if (ik == SM_TYPE_FLOAT32 || ik == SM_TYPE_FLOAT64) {
            if (op == M_ABS)
                r.u.d = fabs(v.u.d);
            else if (op == M_NEG)
                r.u.d = -v.u.d;
            else if (op == M_FLOOR || op == M_CEIL) {
                double f = op == M_FLOOR ? floor(v.u.d) : ceil(v.u.d);
                /* Java's (long) conversion: NaN -> 0, saturating. */
                r.u.i = isnan(f)                      ? 0
                        : f >= 9.2233720368547758e18  ? INT64_MAX
                        : f <= -9.2233720368547758e18 ? INT64_MIN
                                                      : (int64_t)f;
            }
        } else if (ik == SM_TYPE_DECIMAL) {
            int s = in->type->scale;
            if (op == M_ABS && v.u.dec < 0)
                r.u.dec = -v.u.dec;
            else if (op == M_NEG)
                r.u.dec = -v.u.dec;
            else if (op == M_FLOOR || op == M_CEIL) {
                sm_i128 d = sm_pow10_i128(s), q = v.u.dec / d, m = v.u.dec % d;
                if (op == M_FLOOR && m < 0)
                    q--;
                if (op == M_CEIL && m > 0)
                    q++;
                r.u.dec = q;
                r.scale = 0;
                if (fc->x->type->kind == SM_TYPE_INT64)
                    r.u.i = (int64_t)q;
            }
        } else if (op == M_ABS || op == M_NEG) {
            if (op == M_NEG || v.u.i < 0) {
                int64_t x = -(uint64_t)v.u.i;
                if ((v.u.i == INT64_MIN || !fits_kind(ik, x)) && fc->ctx->ansi)
                    return int_overflow(fc, e);
                r.u.i = v.u.i == INT64_MIN ? INT64_MIN : x;
                if (!fits_kind(ik, x))
                    r.u.i = v.u.i; /* Java narrowing wraps back to itself */
            }
        }
        if ((rc = sm_expr_out_value(out, i, &r, e)))
            return rc;
    }
    return SM_OK;
}

static sm_err_t dbl_resolve(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,
                            sm_type_t **result, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        const sm_type_t *t = args[i]->type;
        if (!sm_type_is_numeric(t->kind) && t->kind != SM_TYPE_NULL && t->kind != SM_TYPE_STRING)
            return sm_fn_type_error(fn, i, "a number", t, e);
        want[i] = sm_type_float64();
    }
    *result = sm_type_float64();
    return SM_OK;
}

static sm_err_t dbl_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    int op = fc->x->u.call.fn->op;
    const sm_vector_t *a = fc->args[0], *b = fc->x->nargs > 1 ? fc->args[1] : NULL;
    double *po = (double *)(void *)fc->out->values;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        if (!sm_expr_out_valid(fc->out, i))
            continue;
        double x = sm_vector_get_f64(a, i), y = b ? sm_vector_get_f64(b, i) : 0, r = 0;
        bool null = false;
        switch (op) {
        case M_SIGN:
            r = isnan(x) ? x : (x > 0) - (x < 0);
            break;
        case M_SQRT:
            r = sqrt(x);
            break;
        case M_CBRT:
            r = cbrt(x);
            break;
        case M_LN:
        case M_LOG10:
        case M_LOG2:
            null = x <= 0;
            r = op == M_LN ? log(x) : op == M_LOG10 ? log10(x) : log2(x);
            break;
        case M_EXP:
            r = exp(x);
            break;
        case M_POW:
            r = pow(x, y);
            break;
        case M_LOG: /* log(base, x) */
            if (!b) {
                null = x <= 0;
                r = log(x);
            } else {
                null = x <= 0 || y <= 0;
                r = log(y) / log(x);
            }
            break;
        default:
            break;
        }
        if (null)
            sm_expr_out_null(fc->out, i);
        else
            po[i] = r;
    }
    (void)e;
    return SM_OK;
}

static sm_err_t minmax_resolve(const sm_func_t *fn, sm_expr_t *const *args, size_t n,
                               sm_type_t **want, sm_type_t **result, sm_error_t *e)
{
    sm_type_t *t = sm_type_ref(args[0]->type);
    for (size_t i = 1; i < n; i++) {
        sm_type_t *next;
        sm_err_t rc = sm_expr_common_type(t, args[i]->type, false, &next, e);
        sm_type_free(t);
        if (rc)
            return sm_error_wrap(e, "function %s", fn->name), rc;
        t = next;
    }
    for (size_t i = 0; i < n; i++)
        want[i] = sm_type_ref(t);
    *result = t;
    return SM_OK;
}

static sm_err_t minmax_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    bool greatest = fc->x->u.call.fn->op == M_GREATEST;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        sm_value_t best = sm_value_null(fc->x->type->kind), v;
        for (uint32_t a = 0; a < fc->x->nargs; a++) {
            sm_err_t rc = sm_value_from_vector(fc->args[a], i, &v, e);
            if (rc)
                return rc;
            if (v.is_null)
                continue;
            if (best.is_null || (sm_value_cmp(&v, &best) > 0) == greatest)
                if (best.is_null || sm_value_cmp(&v, &best) != 0)
                    best = v;
        }
        sm_err_t rc = sm_expr_out_value(fc->out, i, &best, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

#define F(name, flags, lo, hi, res, ev, op)                                                        \
    {                                                                                              \
        name, flags, lo, hi, res, ev, op                                                           \
    }
#define NN SM_FUNC_NULL_IN_NULL_OUT
const sm_func_t sm_fn_math[] = {
    F("round", NN, 1, 2, round_resolve, round_eval, M_ROUND),
    F("bround", NN, 1, 2, round_resolve, round_eval, M_BROUND),
    F("abs", NN, 1, 1, num_resolve, num_eval, M_ABS),
    F("negative", NN, 1, 1, num_resolve, num_eval, M_NEG),
    F("positive", NN, 1, 1, num_resolve, num_eval, M_POS),
    F("floor", NN, 1, 1, num_resolve, num_eval, M_FLOOR),
    F("ceil", NN, 1, 1, num_resolve, num_eval, M_CEIL),
    F("ceiling", NN, 1, 1, num_resolve, num_eval, M_CEIL),
    F("sign", NN, 1, 1, dbl_resolve, dbl_eval, M_SIGN),
    F("signum", NN, 1, 1, dbl_resolve, dbl_eval, M_SIGN),
    F("sqrt", NN, 1, 1, dbl_resolve, dbl_eval, M_SQRT),
    F("cbrt", NN, 1, 1, dbl_resolve, dbl_eval, M_CBRT),
    F("ln", NN, 1, 1, dbl_resolve, dbl_eval, M_LN),
    F("log10", NN, 1, 1, dbl_resolve, dbl_eval, M_LOG10),
    F("log2", NN, 1, 1, dbl_resolve, dbl_eval, M_LOG2),
    F("log", NN, 1, 2, dbl_resolve, dbl_eval, M_LOG),
    F("exp", NN, 1, 1, dbl_resolve, dbl_eval, M_EXP),
    F("power", NN, 2, 2, dbl_resolve, dbl_eval, M_POW),
    F("pow", NN, 2, 2, dbl_resolve, dbl_eval, M_POW),
    F("greatest", 0, 2, -1, minmax_resolve, minmax_eval, M_GREATEST),
    F("least", 0, 2, -1, minmax_resolve, minmax_eval, M_LEAST),
};
const size_t sm_fn_math_count = sizeof sm_fn_math / sizeof sm_fn_math[0];
