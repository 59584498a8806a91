/*
 * exec/fn_date.c — date and time functions, in a UTC session time zone.
 *
 * Datetime patterns (to_date, to_timestamp, date_format, unix_timestamp,
 * from_unixtime) support Spark's common letters: yyyy/yy year, M/MM month,
 * MMM/MMMM month name, d/dd day, D day of year, H/HH hour, h/hh 12-hour
 * hour, a AM/PM, m/mm minute, s/ss second, S.. fraction, E/EEE/EEEE day
 * name, and 'quoted' literal text.  When parsing, a doubled letter needs
 * exactly that many digits, a single letter takes one or two, and the
 * whole text must be consumed.  current_date/current_timestamp come from
 * the evaluation context (fixed once per query).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/str.h"
#include "exec/expr_int.h"

enum {
    D_ADD,
    D_SUB,
    D_DIFF,
    D_TRUNC_TS,
    D_TRUNC_DATE,
    D_YEAR,
    D_QUARTER,
    D_MONTH,
    D_DAY,
    D_DOW,
    D_DOY,
    D_HOUR,
    D_MINUTE,
    D_SECOND,
    D_CUR_DATE,
    D_CUR_TS,
    D_TO_DATE,
    D_TO_TS,
    D_FORMAT,
    D_UNIX_TS,
    D_FROM_UNIX,
    D_MAKE_DATE,
    D_LAST_DAY,
    D_ADD_MONTHS,
};

static const char *months[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};
static const char *wdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                              "Friday", "Saturday", "Sunday"};

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ISO day of week 0 = Monday of a day count (1970-01-01 was a Thursday). */
static int iso_wday(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

sm_err_t sm_fn_date_format(int64_t us, const char *pat, size_t plen, sm_buf_t *out, sm_error_t *e)
{
    int64_t days = fdiv(us, SM_US_PER_DAY), tod = us - days * SM_US_PER_DAY;
    int64_t y;
    int mo, d;
    sm_civil_from_days(days, &y, &mo, &d);
    int hh = (int)(tod / 3600000000LL), mi = (int)(tod / 60000000LL % 60);
    int ss = (int)(tod / 1000000 % 60), frac = (int)(tod % 1000000);
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < plen;) {
        char c = pat[i];
        size_t n = 1;
        while (i + n < plen && pat[i + n] == c)
            n++;
        if (c == '\'') {
            size_t j = i + 1;
            if (n >= 2 && n % 2 == 0) {
                rc = sm_buf_append_byte(out, '\'', e);
                i += 2;
                continue;
            }
            while (j < plen && pat[j] != '\'')
                j++;
            rc = sm_buf_append(out, pat + i + 1, j - i - 1, e);
            i = j + 1;
            continue;
        }
        int w = (int)n;
        switch (c) {
        case 'y':
        case 'u':
            if (n == 2)
                rc = sm_buf_printf(out, e, "%02d", (int)(((y % 100) + 100) % 100));
            else
                rc = sm_buf_printf(out, e, "%0*" PRId64, w, y);
            break;
        case 'M':
        case 'L':
            if (n >= 4)
                rc = sm_buf_append_str(out, months[mo - 1], e);
            else if (n == 3)
                rc = sm_buf_append(out, months[mo - 1], 3, e);
            else
                rc = sm_buf_printf(out, e, "%0*d", w, mo);
            break;
        case 'd':
            rc = sm_buf_printf(out, e, "%0*d", w, d);
            break;
        case 'D':
            rc = sm_buf_printf(out, e, "%0*d", w, (int)(days - sm_days_from_civil(y, 1, 1) + 1));
            break;
        case 'H':
            rc = sm_buf_printf(out, e, "%0*d", w, hh);
            break;
        case 'h':
            rc = sm_buf_printf(out, e, "%0*d", w, hh % 12 == 0 ? 12 : hh % 12);
            break;
        case 'm':
            rc = sm_buf_printf(out, e, "%0*d", w, mi);
            break;
        case 's':
            rc = sm_buf_printf(out, e, "%0*d", w, ss);
            break;
        case 'S': {
            char f[8];
            snprintf(f, sizeof f, "%06d", frac);
            for (size_t k = 0; !rc && k < n; k++)
                rc = sm_buf_append_byte(out, k < 6 ? (uint8_t)f[k] : '0', e);
            break;
        }
        case 'a':
            rc = sm_buf_append_str(out, hh < 12 ? "AM" : "PM", e);
            break;
        case 'E':
            if (n >= 4)
                rc = sm_buf_append_str(out, wdays[iso_wday(days)], e);
            else
                rc = sm_buf_append(out, wdays[iso_wday(days)], 3, e);
            break;
        default:
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "datetime pattern letter '%c' is not supported", c);
            rc = sm_buf_append(out, pat + i, n, e);
            break;
        }
        i += n;
    }
    return rc;
}

static bool digits(const char *s, size_t n, size_t *pos, size_t min, size_t max, int64_t *v)
{
    size_t k = 0;
    *v = 0;
    while (*pos + k < n && k < max && s[*pos + k] >= '0' && s[*pos + k] <= '9')
        *v = *v * 10 + (s[*pos + k++] - '0');
    if (k < min)
        return false;
    *pos += k;
    return true;
}

sm_err_t sm_fn_date_parse(const char *s, size_t n, const char *pat, size_t plen, int64_t *us,
                          sm_error_t *e)
{
    int64_t y = 1970, mo = 1, d = 1, hh = 0, mi = 0, ss = 0, frac = 0, v;
    bool pm = false, has_ampm = false;
    size_t pos = 0;
    for (size_t i = 0; i < plen;) {
        char c = pat[i];
        size_t cnt = 1;
        while (i + cnt < plen && pat[i + cnt] == c)
            cnt++;
        bool ok = true;
        if (c == '\'') {
            size_t j = i + 1;
            while (j < plen && pat[j] != '\'')
                j++;
            size_t lit = j - i - 1;
            ok = pos + lit <= n && memcmp(s + pos, pat + i + 1, lit) == 0;
            pos += lit;
            i = j + 1;
            if (!ok)
                goto bad;
            continue;
        }
        size_t lo = cnt >= 2 ? cnt : 1, hi = cnt >= 2 ? cnt : 2;
        switch (c) {
        case 'y':
        case 'u':
            ok = digits(s, n, &pos, cnt == 2 ? 2 : cnt, cnt == 2 ? 2 : 9, &v);
            y = cnt == 2 ? 2000 + v : v;
            break;
        case 'M':
            if (cnt >= 3) {
                ok = false;
                for (int m = 0; m < 12 && !ok; m++) {
                    size_t l = cnt == 3 ? 3 : strlen(months[m]);
                    if (pos + l <= n &&
                        sm_str_eq_nocase(sm_str_make(s + pos, l), sm_str_make(months[m], l))) {
                        ok = true;
                        mo = m + 1;
                        pos += l;
                    }
                }
            } else {
                ok = digits(s, n, &pos, lo, hi, &mo);
            }
            break;
        case 'd':
            ok = digits(s, n, &pos, lo, hi, &d);
            break;
        case 'H':
        case 'h':
            ok = digits(s, n, &pos, lo, hi, &hh);
            break;
        case 'm':
            ok = digits(s, n, &pos, lo, hi, &mi);
            break;
        case 's':
            ok = digits(s, n, &pos, lo, hi, &ss);
            break;
        case 'S': {
            size_t before = pos;
            ok = digits(s, n, &pos, 1, cnt > 9 ? 9 : cnt, &frac);
            for (size_t k = pos - before; k < 6; k++)
                frac *= 10;
            for (size_t k = pos - before; k > 6; k--)
                frac /= 10;
            break;
        }
        case 'a':
            has_ampm = true;
            ok = pos + 2 <= n;
            if (ok) {
                pm = sm_str_eq_nocase(sm_str_make(s + pos, 2), SM_STR_LIT("PM"));
                ok = pm || sm_str_eq_nocase(sm_str_make(s + pos, 2), SM_STR_LIT("AM"));
                pos += 2;
            }
            break;
        default:
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "datetime pattern letter '%c' is not supported", c);
            ok = pos + cnt <= n && memcmp(s + pos, pat + i, cnt) == 0;
            pos += cnt;
            break;
        }
        if (!ok)
            goto bad;
        i += cnt;
    }
    if (pos != n)
        goto bad;
    if (has_ampm) {
        if (hh < 1 || hh > 12)
            goto bad;
        hh = hh % 12 + (pm ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || d < 1 || d > sm_days_in_month(y, (int)mo) || hh > 23 || mi > 59 ||
        ss > 59)
        goto bad;
    *us = sm_days_from_civil(y, (int)mo, (int)d) * SM_US_PER_DAY +
          ((hh * 60 + mi) * 60 + ss) * 1000000 + frac;
    return SM_OK;
bad:
    return sm_error_set(e, SM_ERR_PARSE, "cannot parse '%.*s' with the pattern '%.*s'",
                        (int)(n > 40 ? 40 : n), s, (int)(plen > 40 ? 40 : plen), pat);
}

/* ---- evaluation -------------------------------------------------------- */

static bool is_time_kind(sm_type_kind_t k)
{
    return k == SM_TYPE_TIMESTAMP || k == SM_TYPE_TIMESTAMP_TZ;
}

/* Text to microseconds: with a pattern, or Spark's cast rules. */
static sm_err_t parse_text(const sm_fcall_t *fc, size_t i, bool has_fmt, int64_t *us, sm_error_t *e)
{
    sm_value_t v, r;
    sm_err_t rc = sm_value_from_vector(fc->args[0], i, &v, e);
    if (rc)
        return rc;
    if (v.kind == SM_TYPE_DATE) {
        *us = v.u.i * SM_US_PER_DAY;
        return SM_OK;
    }
    if (is_time_kind(v.kind)) {
        *us = v.u.i;
        return SM_OK;
    }
    if (has_fmt) {
        size_t pl;
        const char *p = sm_vector_get_str(fc->args[1], i, &pl);
        return sm_fn_date_parse(v.u.s.p, v.u.s.n, p, pl, us, e);
    }
    sm_buf_t buf = SM_BUF_INIT;
    rc = sm_cast_value(&v, sm_type_timestamp_tz(), &buf, &r, e);
    sm_buf_free(&buf);
    if (!rc)
        *us = r.u.i;
    return rc;
}

static sm_err_t trunc_ts(const char *f, size_t fn, int64_t us, bool date_only, int64_t *out,
                         bool *null)
{
    sm_str_t u = sm_str_make(f, fn);
    int64_t days = fdiv(us, SM_US_PER_DAY), y;
    int mo, d;
    sm_civil_from_days(days, &y, &mo, &d);
    *null = false;
#define IS(lit) sm_str_eq_nocase(u, SM_STR_LIT(lit))
    if (IS("year") || IS("yyyy") || IS("yy"))
        *out = sm_days_from_civil(y, 1, 1) * SM_US_PER_DAY;
    else if (IS("quarter"))
        *out = sm_days_from_civil(y, (mo - 1) / 3 * 3 + 1, 1) * SM_US_PER_DAY;
    else if (IS("month") || IS("mon") || IS("mm"))
        *out = sm_days_from_civil(y, mo, 1) * SM_US_PER_DAY;
    else if (IS("week"))
        *out = (days - iso_wday(days)) * SM_US_PER_DAY;
    else if (date_only)
        *null = true;
    else if (IS("day") || IS("dd"))
        *out = days * SM_US_PER_DAY;
    else if (IS("hour"))
        *out = fdiv(us, 3600000000LL) * 3600000000LL;
    else if (IS("minute"))
        *out = fdiv(us, 60000000LL) * 60000000LL;
    else if (IS("second"))
        *out = fdiv(us, 1000000LL) * 1000000LL;
    else if (IS("millisecond"))
        *out = fdiv(us, 1000LL) * 1000LL;
    else if (IS("microsecond"))
        *out = us;
    else
        *null = true;
#undef IS
    return SM_OK;
}

static sm_err_t fail_or_null(const sm_fcall_t *fc, size_t i, sm_err_t rc, sm_error_t *e)
{
    if (rc == SM_ERR_NOMEM || fc->ctx->ansi)
        return sm_error_wrap(e, "function %s", fc->x->u.call.fn->name), rc;
    sm_expr_out_null(fc->out, i);
    return SM_OK;
}

static sm_err_t date_row(const sm_fcall_t *fc, size_t i, sm_buf_t *b, sm_error_t *e)
{
    int op = fc->x->u.call.fn->op;
    sm_vector_t *out = fc->out;
    int32_t *o32 = (int32_t *)(void *)out->values;
    int64_t *o64 = (int64_t *)(void *)out->values;
    const sm_vector_t *a0 = fc->x->nargs ? fc->args[0] : NULL;
    int64_t y;
    int mo, d;
    sm_err_t rc = SM_OK;
    switch (op) {
    case D_ADD:
    case D_SUB: {
        int64_t r = sm_vector_get_i32(a0, i) +
                    (op == D_ADD ? 1 : -1) * (int64_t)sm_vector_get_i32(fc->args[1], i);
        if (r < INT32_MIN || r > INT32_MAX)
            return sm_error_set(e, SM_ERR_OVERFLOW, "function %s: date out of range",
                                fc->x->u.call.fn->name);
        o32[i] = (int32_t)r;
        return SM_OK;
    }
    case D_DIFF:
        o32[i] = (int32_t)((int64_t)sm_vector_get_i32(a0, i) - sm_vector_get_i32(fc->args[1], i));
        return SM_OK;
    case D_YEAR:
    case D_QUARTER:
    case D_MONTH:
    case D_DAY:
    case D_DOW:
    case D_DOY: {
        int32_t days = sm_vector_get_i32(a0, i);
        sm_civil_from_days(days, &y, &mo, &d);
        o32[i] = op == D_YEAR      ? (int32_t)y
                 : op == D_QUARTER ? (mo - 1) / 3 + 1
                 : op == D_MONTH   ? mo
                 : op == D_DAY     ? d
                 : op == D_DOW     ? (iso_wday(days) + 1) % 7 + 1
                                   : (int32_t)(days - sm_days_from_civil(y, 1, 1) + 1);
        return SM_OK;
    }
    case D_HOUR:
    case D_MINUTE:
    case D_SECOND: {
        int64_t us = sm_vector_get_i64(a0, i);
        int64_t tod = us - fdiv(us, SM_US_PER_DAY) * SM_US_PER_DAY;
        o32[i] = (int32_t)(op == D_HOUR     ? tod / 3600000000LL
                           : op == D_MINUTE ? tod / 60000000LL % 60
                                            : tod / 1000000 % 60);
        return SM_OK;
    }
    case D_CUR_DATE:
        o32[i] = fc->ctx->current_date;
        return SM_OK;
    case D_CUR_TS:
        o64[i] = fc->ctx->current_ts;
        return SM_OK;
    case D_TRUNC_TS:
    case D_TRUNC_DATE: {
        size_t fl;
        bool null;
        const sm_vector_t *fv = op == D_TRUNC_TS ? a0 : fc->args[1];
        const sm_vector_t *tv = op == D_TRUNC_TS ? fc->args[1] : a0;
        const char *f = sm_vector_get_str(fv, i, &fl);
        int64_t us =
            op == D_TRUNC_TS ? sm_vector_get_i64(tv, i) : sm_vector_get_i32(tv, i) * SM_US_PER_DAY;
        int64_t r = 0;
        trunc_ts(f, fl, us, op == D_TRUNC_DATE, &r, &null);
        if (null)
            sm_expr_out_null(out, i);
        else if (op == D_TRUNC_TS)
            o64[i] = r;
        else
            o32[i] = (int32_t)fdiv(r, SM_US_PER_DAY);
        return SM_OK;
    }
    case D_TO_DATE:
    case D_TO_TS: {
        int64_t us;
        if ((rc = parse_text(fc, i, fc->x->nargs > 1, &us, e)))
            return fail_or_null(fc, i, rc, e);
        if (op == D_TO_TS)
            o64[i] = us;
        else
            o32[i] = (int32_t)fdiv(us, SM_US_PER_DAY);
        return SM_OK;
    }
    case D_UNIX_TS: {
        int64_t us = fc->ctx->current_ts;
        if (fc->x->nargs) {
            sm_value_t v;
            if ((rc = sm_value_from_vector(a0, i, &v, e)))
                return rc;
            if (v.kind == SM_TYPE_STRING) {
                size_t pl = 19;
                const char *p = "yyyy-MM-dd HH:mm:ss";
                if (fc->x->nargs > 1)
                    p = sm_vector_get_str(fc->args[1], i, &pl);
                if ((rc = sm_fn_date_parse(v.u.s.p, v.u.s.n, p, pl, &us, e)))
                    return fail_or_null(fc, i, rc, e);
            } else if ((rc = parse_text(fc, i, false, &us, e))) {
                return rc;
            }
        }
        o64[i] = fdiv(us, 1000000);
        return SM_OK;
    }
    case D_FORMAT:
    case D_FROM_UNIX: {
        size_t pl = 19;
        const char *p = "yyyy-MM-dd HH:mm:ss";
        int64_t us;
        if (op == D_FORMAT) {
            us = sm_vector_get_i64(a0, i);
            p = sm_vector_get_str(fc->args[1], i, &pl);
        } else {
            int64_t secs = sm_vector_get_i64(a0, i);
            if (__builtin_mul_overflow(secs, (int64_t)1000000, &us))
                return sm_error_set(e, SM_ERR_OVERFLOW,
                                    "function from_unixtime: %" PRId64 " seconds is out of range",
                                    secs);
            if (fc->x->nargs > 1)
                p = sm_vector_get_str(fc->args[1], i, &pl);
        }
        sm_buf_reset(b);
        if ((rc = sm_fn_date_format(us, p, pl, b, e)))
            return rc;
        return sm_expr_out_str(out, i, b->data ? (const char *)b->data : "", b->len, e);
    }
    case D_MAKE_DATE: {
        int64_t yy = sm_vector_get_i32(a0, i), mm = sm_vector_get_i32(fc->args[1], i),
                dd = sm_vector_get_i32(fc->args[2], i);
        if (mm < 1 || mm > 12 || dd < 1 || yy < -290000 || yy > 290000 ||
            dd > sm_days_in_month(yy, (int)mm)) {
            if (fc->ctx->ansi)
                return sm_error_set(e, SM_ERR_INVALID,
                                    "function make_date: invalid date %" PRId64 "-%" PRId64
                                    "-%" PRId64,
                                    yy, mm, dd);
            sm_expr_out_null(out, i);
            return SM_OK;
        }
        o32[i] = (int32_t)sm_days_from_civil(yy, (int)mm, (int)dd);
        return SM_OK;
    }
    case D_LAST_DAY: {
        sm_civil_from_days(sm_vector_get_i32(a0, i), &y, &mo, &d);
        o32[i] = (int32_t)sm_days_from_civil(y, mo, sm_days_in_month(y, mo));
        return SM_OK;
    }
    case D_ADD_MONTHS: {
        sm_civil_from_days(sm_vector_get_i32(a0, i), &y, &mo, &d);
        int64_t m = y * 12 + (mo - 1) + sm_vector_get_i32(fc->args[1], i);
        int64_t ny = fdiv(m, 12);
        int nm = (int)(m - ny * 12) + 1;
        int nd = d > sm_days_in_month(ny, nm) ? sm_days_in_month(ny, nm) : d;
        o32[i] = (int32_t)sm_days_from_civil(ny, nm, nd);
        return SM_OK;
    }
    }
    return SM_OK;
}

static sm_err_t date_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); !rc && j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        if (sm_expr_out_valid(fc->out, i))
            rc = date_row(fc, i, &b, e);
    }
    sm_buf_free(&b);
    return rc;
}

/* to_date / to_timestamp / unix_timestamp: first argument string, date or
 * timestamp; optional pattern. */
static sm_err_t r_parse(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,
                        sm_type_t **result, sm_error_t *e)
{
    if (n) {
        sm_type_kind_t k = args[0]->type->kind;
        if (k != SM_TYPE_STRING && k != SM_TYPE_DATE && !is_time_kind(k) && k != SM_TYPE_NULL)
            return sm_fn_type_error(fn, 0, "a string, date or timestamp", args[0]->type, e);
        if (k == SM_TYPE_NULL)
            want[0] = sm_type_string();
    }
    if (n > 1)
        want[1] = sm_type_string();
    *result = fn->op == D_TO_DATE ? sm_type_date()
              : fn->op == D_TO_TS ? sm_type_timestamp_tz()
                                  : sm_type_int64();
    return SM_OK;
}

#define SIG(name, sig)                                                                             \
    static sm_err_t name(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,  \
                         sm_type_t **result, sm_error_t *e)                                        \
    {                                                                                              \
        return sm_fn_resolve_sig(fn, sig, args, n, want, result, e);                               \
    }
SIG(r_di_d, "Di:D")
SIG(r_dd_i, "DD:i")
SIG(r_st_t, "sT:T")
SIG(r_ds_d, "Ds:D")
SIG(r_d_i, "D:i")
SIG(r_t_i, "T:i")
SIG(r_d, ":D")
SIG(r_t, ":T")
SIG(r_ts_s, "Ts:s")
SIG(r_ls_s, "ls:s")
SIG(r_iii_d, "iii:D")
SIG(r_d_d, "D:D")
#undef SIG

#define NN SM_FUNC_NULL_IN_NULL_OUT
#define F(name, lo, hi, res, op)                                                                   \
    {                                                                                              \
        name, NN, lo, hi, res, date_eval, op                                                       \
    }
const sm_func_t sm_fn_date[] = {
    F("date_add", 2, 2, r_di_d, D_ADD),
    F("dateadd", 2, 2, r_di_d, D_ADD),
    F("date_sub", 2, 2, r_di_d, D_SUB),
    F("datediff", 2, 2, r_dd_i, D_DIFF),
    F("date_trunc", 2, 2, r_st_t, D_TRUNC_TS),
    F("trunc", 2, 2, r_ds_d, D_TRUNC_DATE),
    F("year", 1, 1, r_d_i, D_YEAR),
    F("quarter", 1, 1, r_d_i, D_QUARTER),
    F("month", 1, 1, r_d_i, D_MONTH),
    F("day", 1, 1, r_d_i, D_DAY),
    F("dayofmonth", 1, 1, r_d_i, D_DAY),
    F("dayofweek", 1, 1, r_d_i, D_DOW),
    F("dayofyear", 1, 1, r_d_i, D_DOY),
    F("hour", 1, 1, r_t_i, D_HOUR),
    F("minute", 1, 1, r_t_i, D_MINUTE),
    F("second", 1, 1, r_t_i, D_SECOND),
    F("current_date", 0, 0, r_d, D_CUR_DATE),
    F("curdate", 0, 0, r_d, D_CUR_DATE),
    F("current_timestamp", 0, 0, r_t, D_CUR_TS),
    F("now", 0, 0, r_t, D_CUR_TS),
    F("to_date", 1, 2, r_parse, D_TO_DATE),
    F("to_timestamp", 1, 2, r_parse, D_TO_TS),
    F("unix_timestamp", 0, 2, r_parse, D_UNIX_TS),
    F("date_format", 2, 2, r_ts_s, D_FORMAT),
    F("from_unixtime", 1, 2, r_ls_s, D_FROM_UNIX),
    F("make_date", 3, 3, r_iii_d, D_MAKE_DATE),
    F("last_day", 1, 1, r_d_d, D_LAST_DAY),
    F("add_months", 2, 2, r_di_d, D_ADD_MONTHS),
};
const size_t sm_fn_date_count = sizeof sm_fn_date / sizeof sm_fn_date[0];
