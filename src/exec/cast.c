/*
 * exec/cast.c — CAST and TRY_CAST between Spark's atomic types.
 *
 *   to string     Spark's text forms: true/false, 1.0E10 and 0.1 for
 *                 doubles (Java's Double.toString), decimals keep their
 *                 scale (1.50), dates 2024-01-02, timestamps
 *                 2024-01-02 03:04:05.5 (UTC session), binary as bytes.
 *   to integers   from strings: whitespace trimmed, [+-]digits (legacy
 *                 mode also accepts and truncates a fraction: '1.9' -> 1);
 *                 from fractional numbers: truncation toward zero; from
 *                 timestamps: whole seconds (floor).  Out of range: an
 *                 error (ANSI), Java's narrowing (legacy), NULL (TRY_CAST).
 *   to decimal    HALF_UP to the target scale; floats go through their
 *                 shortest decimal form (Java's BigDecimal.valueOf).
 *   to date       'yyyy', 'yyyy-[m]m', 'yyyy-[m]m-[d]d', optionally
 *                 followed by ' ' or 'T' and anything; timestamps drop
 *                 their time of day.
 *   to timestamp  ISO forms (sm_parse_timestamp), a zone converts to UTC;
 *                 dates at midnight; numbers are seconds since the epoch.
 *   to boolean    t/true/y/yes/1 and f/false/n/no/0; numbers: non-zero.
 *   to binary     a string's bytes.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/text.h"
#include "core/str.h"
#include "exec/expr_int.h"

static sm_err_t bad(const sm_value_t *in, const sm_type_t *to, sm_err_t code, const char *why,
                    sm_error_t *e)
{
    char tn[64], fn[64], val[64];
    sm_buf_t b = SM_BUF_INIT;
    sm_type_t *ft = sm_value_type(in);
    if (in->kind == SM_TYPE_STRING)
        snprintf(val, sizeof val, "'%.*s%s'", (int)(in->u.s.n > 40 ? 40 : in->u.s.n), in->u.s.p,
                 in->u.s.n > 40 ? "..." : "");
    else if (sm_value_format_text(in, &b, NULL) == SM_OK && b.data)
        snprintf(val, sizeof val, "%s", (const char *)b.data);
    else
        snprintf(val, sizeof val, "?");
    sm_buf_free(&b);
    sm_err_t rc = sm_error_set(e, code, "cannot cast %s of type %s to %s: %s", val,
                               ft ? sm_type_name(ft, fn, sizeof fn) : "?",
                               sm_type_name(to, tn, sizeof tn), why);
    sm_type_free(ft);
    return rc;
}

static void int_range(sm_type_kind_t k, int64_t *lo, int64_t *hi)
{
    switch (k) {
    case SM_TYPE_INT8:
        *lo = INT8_MIN, *hi = INT8_MAX;
        break;
    case SM_TYPE_INT16:
        *lo = INT16_MIN, *hi = INT16_MAX;
        break;
    case SM_TYPE_INT32:
        *lo = INT32_MIN, *hi = INT32_MAX;
        break;
    default:
        *lo = INT64_MIN, *hi = INT64_MAX;
        break;
    }
}

static int64_t narrow(sm_type_kind_t k, int64_t v)
{
    switch (k) {
    case SM_TYPE_INT8:
        return (int8_t)v;
    case SM_TYPE_INT16:
        return (int16_t)v;
    case SM_TYPE_INT32:
        return (int32_t)v;
    default:
        return v;
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Spark's string -> date: yyyy[-m[m][-d[d]]] then optionally ' ' or 'T'
 * and anything. */
static bool parse_date_prefix(const char *s, size_t n, int32_t *out)
{
    sm_str_t t = sm_str_trim(sm_str_make(s, n));
    size_t i = 0;
    int sign = 1;
    if (i < t.n && (t.p[i] == '+' || t.p[i] == '-')) {
        sign = t.p[i] == '-' ? -1 : 1;
        i++;
    }
    int64_t part[3] = {0, 1, 1};
    int np = 0;
    while (np < 3) {
        size_t start = i;
        int64_t v = 0;
        while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9' && i - start < 9)
            v = v * 10 + (t.p[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || (np == 0 && digits < 4) || (np > 0 && digits > 2))
            return false;
        part[np++] = v;
        if (i < t.n && t.p[i] == '-' && np < 3) {
            i++;
            continue;
        }
        break;
    }
    if (i < t.n && !(np == 3 && (t.p[i] == ' ' || t.p[i] == 'T')))
        return false;
    int64_t y = sign * part[0];
    if (part[1] < 1 || part[1] > 12 || part[2] < 1 || part[2] > sm_days_in_month(y, (int)part[1]))
        return false;
    int64_t d = sm_days_from_civil(y, (int)part[1], (int)part[2]);
    if (d < INT32_MIN || d > INT32_MAX)
        return false;
    *out = (int32_t)d;
    return true;
}

static sm_err_t to_int(const sm_value_t *in, const sm_type_t *to, bool ansi, sm_value_t *out,
                       sm_error_t *e)
{
    int64_t lo, hi, v = 0;
    int_range(to->kind, &lo, &hi);
    switch (in->kind) {
    case SM_TYPE_BOOL:
        v = in->u.b;
        break;
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        v = in->u.i;
        break;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        v = floor_div(in->u.i, 1000000);
        break;
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64: {
        double d = trunc(in->u.d);
        if (isnan(d) || d < (double)lo || d >= -(double)lo) {
            if (ansi)
                return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
            /* Java: NaN -> 0, saturation to int/long, then narrowing. */
            int64_t wide_lo = to->kind == SM_TYPE_INT64 ? INT64_MIN : INT32_MIN;
            int64_t wide_hi = to->kind == SM_TYPE_INT64 ? INT64_MAX : INT32_MAX;
            v = isnan(d) ? 0 : d < 0 ? wide_lo : wide_hi;
            if (!isnan(d) && d > (double)wide_lo && d < (double)wide_hi)
                v = (int64_t)d;
            out->u.i = narrow(to->kind, v);
            return SM_OK;
        }
        v = (int64_t)d;
        break;
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 q = in->u.dec / sm_pow10_i128(in->scale);
        if (q < lo || q > hi) {
            if (ansi)
                return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
            out->u.i = narrow(to->kind, (int64_t)q);
            return SM_OK;
        }
        v = (int64_t)q;
        break;
    }
    case SM_TYPE_STRING: {
        sm_str_t t = sm_str_trim(sm_str_make(in->u.s.p, in->u.s.n));
        sm_error_t pe;
        sm_err_t rc = sm_str_to_i64(t, &v, &pe);
        if (rc == SM_ERR_OVERFLOW)
            return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
        if (rc) {
            /* Legacy mode accepts a fraction and truncates it. */
            size_t dot = sm_str_find_byte(t, '.');
            bool ok = false;
            if (!ansi && dot != SIZE_MAX) {
                sm_str_t ip = sm_str_sub(t, 0, dot), fp = sm_str_sub(t, dot + 1, t.n);
                bool digits = true;
                for (size_t i = 0; i < fp.n; i++)
                    digits &= fp.p[i] >= '0' && fp.p[i] <= '9';
                if (digits && ip.n == 1 && (ip.p[0] == '-' || ip.p[0] == '+'))
                    ip.n = 0, v = 0, ok = fp.n > 0;
                else if (digits && ip.n)
                    ok = sm_str_to_i64(ip, &v, NULL) == SM_OK;
            }
            if (!ok)
                return bad(in, to, SM_ERR_INVALID, "malformed number", e);
        }
        if (v < lo || v > hi)
            return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
        break;
    }
    default:
        return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
    }
    if (v < lo || v > hi) {
        if (ansi)
            return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
        v = narrow(to->kind, v);
    }
    out->u.i = v;
    return SM_OK;
}

static sm_err_t to_fp(const sm_value_t *in, const sm_type_t *to, sm_value_t *out, sm_error_t *e)
{
    bool f32 = to->kind == SM_TYPE_FLOAT32;
    double d = 0;
    switch (in->kind) {
    case SM_TYPE_BOOL:
        d = in->u.b;
        break;
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        d = f32 ? (double)(float)in->u.i : (double)in->u.i;
        break;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        d = (double)in->u.i / 1e6;
        break;
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        d = in->u.d;
        break;
    case SM_TYPE_DECIMAL:
        if (f32) {
            char buf[SM_FMT_DECIMAL_MAX];
            sm_fmt_decimal(in->u.dec, in->scale, buf);
            d = strtof(buf, NULL);
        } else {
            d = sm_expr_dec_to_double(in->u.dec, in->scale);
        }
        break;
    case SM_TYPE_STRING: {
        sm_err_t rc;
        if (f32) {
            float f;
            rc = sm_parse_float(in->u.s.p, in->u.s.n, &f, NULL);
            d = f;
        } else {
            rc = sm_parse_double(in->u.s.p, in->u.s.n, &d, NULL);
        }
        if (rc)
            return bad(in, to, SM_ERR_INVALID, "malformed number", e);
        break;
    }
    default:
        return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
    }
    out->u.d = f32 ? (double)(float)d : d;
    return SM_OK;
}

static sm_err_t to_dec(const sm_value_t *in, const sm_type_t *to, sm_value_t *out, sm_error_t *e)
{
    int p = to->precision, s = to->scale;
    sm_i128 v = 0;
    bool ok = true;
    switch (in->kind) {
    case SM_TYPE_BOOL:
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64: {
        sm_i128 x = in->kind == SM_TYPE_BOOL ? in->u.b : in->u.i;
        ok = sm_expr_dec_rescale(x, 0, s, &v);
        break;
    }
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        if (!isfinite(in->u.d))
            return bad(in, to, SM_ERR_INVALID, "not a finite number", e);
        ok = sm_expr_dec_from_double(in->u.d, p, s, &v);
        break;
    case SM_TYPE_DECIMAL:
        ok = sm_expr_dec_rescale(in->u.dec, in->scale, s, &v);
        break;
    case SM_TYPE_STRING: {
        sm_error_t pe;
        sm_err_t rc = sm_parse_decimal(in->u.s.p, in->u.s.n, p, s, &v, &pe);
        if (rc == SM_ERR_OVERFLOW)
            ok = false;
        else if (rc)
            return bad(in, to, SM_ERR_INVALID, "malformed number", e);
        break;
    }
    default:
        return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
    }
    if (!ok || !sm_decimal_fits(v, p))
        return bad(in, to, SM_ERR_OVERFLOW, "the value does not fit", e);
    out->u.dec = v;
    out->precision = (uint8_t)p;
    out->scale = (uint8_t)s;
    return SM_OK;
}

sm_err_t sm_cast_value(const sm_value_t *in, const sm_type_t *to, sm_buf_t *buf, sm_value_t *out,
                       sm_error_t *e)
{
    return sm_cast_value_ex(in, to, true, buf, out, e);
}

sm_err_t sm_cast_value_ex(const sm_value_t *in, const sm_type_t *to, bool ansi, sm_buf_t *buf,
                          sm_value_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    out->kind = to->kind;
    if (in->is_null || in->kind == SM_TYPE_NULL) {
        out->is_null = true;
        return SM_OK;
    }
    sm_err_t rc;
    switch (to->kind) {
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t start = buf->len;
        if ((rc = sm_value_format_text(in, buf, e)))
            return rc;
        out->u.s.p = (const char *)buf->data + start;
        out->u.s.n = buf->len - start;
        if (!buf->data)
            out->u.s.p = "";
        return SM_OK;
    }
    case SM_TYPE_BOOL:
        if (in->kind == SM_TYPE_STRING) {
            if (sm_parse_bool(in->u.s.p, in->u.s.n, &out->u.b, NULL))
                return bad(in, to, SM_ERR_INVALID, "not a boolean", e);
        } else if (in->kind == SM_TYPE_FLOAT32 || in->kind == SM_TYPE_FLOAT64) {
            out->u.b = in->u.d != 0;
        } else if (in->kind == SM_TYPE_DECIMAL) {
            out->u.b = in->u.dec != 0;
        } else if (in->kind == SM_TYPE_BOOL || sm_type_is_integer(in->kind)) {
            out->u.b = in->kind == SM_TYPE_BOOL ? in->u.b : in->u.i != 0;
        } else {
            return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
        }
        return SM_OK;
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        return to_int(in, to, ansi, out, e);
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        return to_fp(in, to, out, e);
    case SM_TYPE_DECIMAL:
        return to_dec(in, to, out, e);
    case SM_TYPE_DATE: {
        if (in->kind == SM_TYPE_DATE) {
            out->u.i = in->u.i;
        } else if (in->kind == SM_TYPE_TIMESTAMP || in->kind == SM_TYPE_TIMESTAMP_TZ) {
            out->u.i = floor_div(in->u.i, SM_US_PER_DAY);
        } else if (in->kind == SM_TYPE_STRING) {
            int32_t d;
            if (!parse_date_prefix(in->u.s.p, in->u.s.n, &d))
                return bad(in, to, SM_ERR_INVALID, "malformed date", e);
            out->u.i = d;
        } else {
            return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
        }
        return SM_OK;
    }
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        switch (in->kind) {
        case SM_TYPE_TIMESTAMP:
        case SM_TYPE_TIMESTAMP_TZ:
            out->u.i = in->u.i;
            return SM_OK;
        case SM_TYPE_DATE:
            out->u.i = in->u.i * SM_US_PER_DAY;
            return SM_OK;
        case SM_TYPE_STRING: {
            int32_t d;
            if (sm_parse_timestamp(in->u.s.p, in->u.s.n, &out->u.i, NULL, NULL) == SM_OK)
                return SM_OK;
            if (parse_date_prefix(in->u.s.p, in->u.s.n, &d) && !memchr(in->u.s.p, ':', in->u.s.n)) {
                out->u.i = (int64_t)d * SM_US_PER_DAY;
                return SM_OK;
            }
            return bad(in, to, SM_ERR_INVALID, "malformed timestamp", e);
        }
        case SM_TYPE_INT8:
        case SM_TYPE_INT16:
        case SM_TYPE_INT32:
        case SM_TYPE_INT64:
            if (__builtin_mul_overflow(in->u.i, (int64_t)1000000, &out->u.i))
                return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
            return SM_OK;
        case SM_TYPE_FLOAT32:
        case SM_TYPE_FLOAT64: {
            double us = in->u.d * 1e6;
            if (!isfinite(us) || us < -9.2e18 || us > 9.2e18)
                return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
            out->u.i = (int64_t)us;
            return SM_OK;
        }
        case SM_TYPE_DECIMAL: {
            sm_i128 us;
            if (!sm_expr_dec_rescale(in->u.dec, in->scale, 6, &us) || us < INT64_MIN ||
                us > INT64_MAX)
                return bad(in, to, SM_ERR_OVERFLOW, "out of range", e);
            out->u.i = (int64_t)us;
            return SM_OK;
        }
        default:
            return bad(in, to, SM_ERR_INVALID, "unsupported cast", e);
        }
    }
    default:
        return bad(in, to, SM_ERR_UNSUPPORTED, "unsupported cast", e);
    }
}

/* Lossless numeric widening as a tight loop; false when not applicable. */
static bool cast_fast(const sm_vector_t *in, const uint32_t *sel, size_t nsel, size_t n,
                      sm_vector_t *out)
{
    sm_type_kind_t f = in->type->kind, t = out->type->kind;
    size_t cnt = SM_ROWS(sel, nsel, n);
#define WIDEN(FT, TT)                                                                              \
    do {                                                                                           \
        const FT *src = (const FT *)(const void *)in->values + in->offset;                         \
        TT *dst = (TT *)(void *)out->values;                                                       \
        if (!sel)                                                                                  \
            for (size_t i = 0; i < n; i++)                                                         \
                dst[i] = (TT)src[i];                                                               \
        else                                                                                       \
            for (size_t k = 0; k < cnt; k++)                                                       \
                dst[sel[k]] = (TT)src[sel[k]];                                                     \
        return true;                                                                               \
    } while (0)
    if (t == SM_TYPE_FLOAT64) {
        if (f == SM_TYPE_INT8)
            WIDEN(int8_t, double);
        if (f == SM_TYPE_INT16)
            WIDEN(int16_t, double);
        if (f == SM_TYPE_INT32)
            WIDEN(int32_t, double);
        if (f == SM_TYPE_INT64)
            WIDEN(int64_t, double);
        if (f == SM_TYPE_FLOAT32)
            WIDEN(float, double);
    } else if (t == SM_TYPE_FLOAT32) {
        if (f == SM_TYPE_INT8)
            WIDEN(int8_t, float);
        if (f == SM_TYPE_INT16)
            WIDEN(int16_t, float);
        if (f == SM_TYPE_INT32)
            WIDEN(int32_t, float);
        if (f == SM_TYPE_INT64)
            WIDEN(int64_t, float);
    } else if (t == SM_TYPE_INT64) {
        if (f == SM_TYPE_INT8)
            WIDEN(int8_t, int64_t);
        if (f == SM_TYPE_INT16)
            WIDEN(int16_t, int64_t);
        if (f == SM_TYPE_INT32)
            WIDEN(int32_t, int64_t);
    } else if (t == SM_TYPE_INT32) {
        if (f == SM_TYPE_INT8)
            WIDEN(int8_t, int32_t);
        if (f == SM_TYPE_INT16)
            WIDEN(int16_t, int32_t);
    } else if (t == SM_TYPE_INT16 && f == SM_TYPE_INT8) {
        WIDEN(int8_t, int16_t);
    }
#undef WIDEN
    return false;
}

sm_err_t sm_cast_eval(const sm_expr_t *x, sm_vector_t *in, const uint32_t *sel, size_t nsel,
                      size_t n, sm_expr_ctx_t *ctx, sm_vector_t *out, sm_error_t *e)
{
    if (in->type->kind == SM_TYPE_NULL) {
        memset(out->validity, 0, (n + 7) / 8);
        return SM_OK;
    }
    if (cast_fast(in, sel, nsel, n, out))
        return SM_OK;
    bool to_null = x->u.try_cast || !ctx->ansi;
    sm_buf_t buf = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    size_t cnt = SM_ROWS(sel, nsel, n);
    for (size_t k = 0; k < cnt; k++) {
        size_t i = SM_ROW(sel, k);
        if (!sm_bit_get(out->validity, i))
            continue;
        sm_value_t v, r;
        if ((rc = sm_value_from_vector(in, i, &v, e)))
            break;
        sm_buf_reset(&buf);
        rc = sm_cast_value_ex(&v, x->type, ctx->ansi || x->u.try_cast, &buf, &r, e);
        if (rc) {
            if (!to_null || rc == SM_ERR_NOMEM)
                break;
            rc = SM_OK;
            sm_bit_clear(out->validity, i);
            continue;
        }
        if ((rc = sm_expr_out_value(out, i, &r, e)))
            break;
    }
    sm_buf_free(&buf);
    return rc;
}
