#include "columnar/text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ------------ */

int64_t sm_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void sm_civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = y + (*month <= 2);
}

bool sm_is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sm_days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && sm_is_leap_year(y) ? 29 : dim[m - 1];
}

/* ---- formatting ------------------------------------------------------- */

static size_t fmt_ymd(int64_t days, char *out)
{
    int64_t y;
    int m, d;
    sm_civil_from_days(days, &y, &m, &d);
    int n;
    if (y >= 0 && y <= 9999)
        n = snprintf(out, SM_FMT_DATE_MAX, "%04d-%02d-%02d", (int)y, m, d);
    else if (y > 9999)
        n = snprintf(out, SM_FMT_DATE_MAX, "+%lld-%02d-%02d", (long long)y, m, d);
    else
        n = snprintf(out, SM_FMT_DATE_MAX, "-%04lld-%02d-%02d", (long long)-y, m, d);
    return (size_t)n;
}

size_t sm_fmt_date(int32_t days, char out[SM_FMT_DATE_MAX])
{
    return fmt_ymd(days, out);
}

size_t sm_fmt_timestamp(int64_t us, sm_ts_style_t style, char out[SM_FMT_TIMESTAMP_MAX])
{
    int64_t rem = us % SM_US_PER_DAY;
    int64_t days = us / SM_US_PER_DAY;
    if (rem < 0) {
        rem += SM_US_PER_DAY;
        days--;
    }
    size_t n = fmt_ymd(days, out);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    n += (size_t)snprintf(out + n, SM_FMT_TIMESTAMP_MAX - n, "%c%02d:%02d:%02d",
                          style == SM_TS_TEXT ? ' ' : 'T', (int)(secs / 3600),
                          (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, "%06d", (int)frac);
        int k = 6;
        while (f[k - 1] == '0')
            k--;
        n += (size_t)snprintf(out + n, SM_FMT_TIMESTAMP_MAX - n, ".%.*s", k, f);
    }
    if (style == SM_TS_ISO_Z)
        out[n++] = 'Z';
    out[n] = '\0';
    return n;
}

/* Digits of u, most significant first, into d; returns the count. */
static size_t u128_digits(sm_u128 u, char *d)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    return n;
}

static sm_u128 abs_u128(sm_i128 v)
{
    return v < 0 ? (sm_u128)0 - (sm_u128)v : (sm_u128)v;
}

size_t sm_fmt_i128(sm_i128 v, char out[SM_FMT_DECIMAL_MAX])
{
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    n += u128_digits(abs_u128(v), out + n);
    out[n] = '\0';
    return n;
}

size_t sm_fmt_decimal(sm_i128 v, int scale, char out[SM_FMT_DECIMAL_MAX])
{
    char d[48];
    size_t nd = u128_digits(abs_u128(v), d), n = 0;
    if (scale < 0)
        scale = 0;
    if (scale > SM_DECIMAL_MAX_PRECISION)
        scale = SM_DECIMAL_MAX_PRECISION;
    size_t sc = (size_t)scale;
    if (v < 0)
        out[n++] = '-';
    if (nd <= sc) { /* 0.00ddd */
        out[n++] = '0';
        out[n++] = '.';
        for (size_t i = nd; i < sc; i++)
            out[n++] = '0';
        memcpy(out + n, d, nd);
        n += nd;
    } else {
        memcpy(out + n, d, nd - sc);
        n += nd - sc;
        if (sc) {
            out[n++] = '.';
            memcpy(out + n, d + nd - sc, sc);
            n += sc;
        }
    }
    out[n] = '\0';
    return n;
}

/* Java-style layout of shortest round-trip digits.  `mant` is "%.*e"
 * output that is known to round-trip. */
static size_t layout_real(const char *sci, double ax, bool neg, char *out)
{
    char d[24];
    size_t nd = 0, n = 0;
    const char *p = sci;
    if (*p == '-')
        p++;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof d)
            d[nd++] = *p;
    int exp = (*p) ? atoi(p + 1) : 0;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    if (neg)
        out[n++] = '-';
    if (ax >= 1e-3 && ax < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                out[n++] = (size_t)i < nd ? d[i] : '0';
            out[n++] = '.';
            if ((size_t)exp + 1 < nd) {
                memcpy(out + n, d + exp + 1, nd - (size_t)exp - 1);
                n += nd - (size_t)exp - 1;
            } else {
                out[n++] = '0';
            }
        } else {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = 0; i < -exp - 1; i++)
                out[n++] = '0';
            memcpy(out + n, d, nd);
            n += nd;
        }
    } else {
        out[n++] = d[0];
        out[n++] = '.';
        if (nd > 1) {
            memcpy(out + n, d + 1, nd - 1);
            n += nd - 1;
        } else {
            out[n++] = '0';
        }
        n += (size_t)snprintf(out + n, SM_FMT_FLOAT_MAX - n, "E%d", exp);
    }
    out[n] = '\0';
    return n;
}

static size_t fmt_special(double x, char *out)
{
    const char *s = isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
    if (x == 0)
        s = signbit(x) ? "-0.0" : "0.0";
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

size_t sm_fmt_double(double x, char out[SM_FMT_FLOAT_MAX])
{
    if (!isfinite(x) || x == 0)
        return fmt_special(x, out);
    char sci[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(sci, sizeof sci, "%.*e", p - 1, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    return layout_real(sci, fabs(x), x < 0, out);
}

size_t sm_fmt_float(float x, char out[SM_FMT_FLOAT_MAX])
{
    if (!isfinite(x) || x == 0)
        return fmt_special(x, out);
    char sci[40];
    for (int p = 1; p <= 9; p++) {
        snprintf(sci, sizeof sci, "%.*e", p - 1, (double)x);
        if (strtof(sci, NULL) == x)
            break;
    }
    return layout_real(sci, fabs((double)x), x < 0, out);
}

/* ---- parsing helpers -------------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Narrows [*s, *s+*len) to the text without surrounding whitespace; returns
 * the offset of the first byte kept. */
static size_t trim(const char **s, size_t *len)
{
    size_t a = 0, b = *len;
    while (a < b && is_space((*s)[a]))
        a++;
    while (b > a && is_space((*s)[b - 1]))
        b--;
    *s += a;
    *len = b - a;
    return a;
}

/* The input, quoted and shortened for an error message. */
static const char *quote(const char *s, size_t len, char *buf, size_t cap)
{
    size_t n = 0, i = 0;
    buf[n++] = '\'';
    for (; i < len && n + 9 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", c);
        else
            buf[n++] = (char)c;
    }
    if (i < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n++] = '\'';
    buf[n] = '\0';
    return buf;
}

static sm_err_t bad(sm_error_t *e, sm_err_t code, const char *what, const char *s0, size_t len0,
                    size_t at, const char *why)
{
    char q[64];
    return sm_error_set(e, code, "invalid %s %s: %s at offset %zu", what,
                        quote(s0, len0, q, sizeof q), why, at);
}

/* Reads 1..max digits at *pos; returns the count (0 if none). */
static int read_digits(const char *s, size_t len, size_t *pos, int max, int64_t *v)
{
    int n = 0;
    int64_t x = 0;
    while (*pos < len && is_digit(s[*pos]) && n < max) {
        x = x * 10 + (s[*pos] - '0');
        (*pos)++;
        n++;
    }
    *v = x;
    return n;
}

typedef struct text_in {
    const char *s0; /* the untrimmed input, for messages */
    size_t len0;
    size_t base; /* offset of s within s0 */
    const char *what;
    sm_error_t *e;
} text_in_t;

static sm_err_t fail(const text_in_t *t, sm_err_t code, size_t at, const char *why)
{
    return bad(t->e, code, t->what, t->s0, t->len0, t->base + at, why);
}

/* Parses the date at s[*pos..]; leaves *pos after it. */
static sm_err_t parse_date_at(const text_in_t *t, const char *s, size_t len, size_t *pos,
                              int64_t *days)
{
    size_t p = *pos;
    bool neg = false;
    if (p < len && (s[p] == '+' || s[p] == '-'))
        neg = s[p++] == '-';
    size_t ystart = p;
    int64_t y, m, d;
    int ny = read_digits(s, len, &p, 12, &y);
    if (ny < 4)
        return fail(t, SM_ERR_PARSE, ystart, "expected a year of at least 4 digits");
    if (p < len && is_digit(s[p]))
        return fail(t, SM_ERR_OVERFLOW, ystart, "year out of range");
    if (p >= len || s[p] != '-')
        return fail(t, SM_ERR_PARSE, p, "expected '-' after the year");
    p++;
    size_t mstart = p;
    if (!read_digits(s, len, &p, 2, &m))
        return fail(t, SM_ERR_PARSE, p, "expected a month");
    if (m < 1 || m > 12)
        return fail(t, SM_ERR_PARSE, mstart, "month must be 1..12");
    if (p >= len || s[p] != '-')
        return fail(t, SM_ERR_PARSE, p, "expected '-' after the month");
    p++;
    size_t dstart = p;
    if (!read_digits(s, len, &p, 2, &d))
        return fail(t, SM_ERR_PARSE, p, "expected a day");
    if (neg)
        y = -y;
    if (y > 6000000 || y < -6000000)
        return fail(t, SM_ERR_OVERFLOW, ystart, "year out of range");
    if (d < 1 || d > sm_days_in_month(y, (int)m))
        return fail(t, SM_ERR_PARSE, dstart, "day out of range for the month");
    *days = sm_days_from_civil(y, (int)m, (int)d);
    *pos = p;
    return SM_OK;
}

sm_err_t sm_parse_date(const char *s, size_t len, int32_t *out, sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "date", .e = e};
    t.base = trim(&s, &len);
    size_t pos = 0;
    int64_t days;
    sm_err_t rc = parse_date_at(&t, s, len, &pos, &days);
    if (rc)
        return rc;
    if (pos != len)
        return fail(&t, SM_ERR_PARSE, pos, "unexpected text after the date");
    if (days < INT32_MIN || days > INT32_MAX)
        return fail(&t, SM_ERR_OVERFLOW, 0, "date out of range");
    *out = (int32_t)days;
    return SM_OK;
}

/* Zone at s[*pos..]: Z, UTC, [+-]HH[:MM], [+-]HHMM; offset in seconds. */
static sm_err_t parse_zone(const text_in_t *t, const char *s, size_t len, size_t *pos,
                           int64_t *offset_s)
{
    size_t p = *pos;
    while (p < len && s[p] == ' ')
        p++;
    if (p < len && (s[p] == 'Z' || s[p] == 'z')) {
        *offset_s = 0;
        *pos = p + 1;
        return SM_OK;
    }
    if (len - p >= 3 && strncasecmp(s + p, "UTC", 3) == 0) {
        *offset_s = 0;
        *pos = p + 3;
        return SM_OK;
    }
    if (p >= len || (s[p] != '+' && s[p] != '-'))
        return fail(t, SM_ERR_PARSE, p, "unexpected text after the time");
    bool neg = s[p++] == '-';
    size_t hstart = p;
    int64_t h, m = 0;
    int nh = read_digits(s, len, &p, 2, &h);
    if (!nh)
        return fail(t, SM_ERR_PARSE, p, "expected zone hours");
    if (p < len && s[p] == ':')
        p++;
    if (p < len && is_digit(s[p]) && read_digits(s, len, &p, 2, &m) != 2)
        return fail(t, SM_ERR_PARSE, p, "expected two digits of zone minutes");
    if (h > 18 || m > 59)
        return fail(t, SM_ERR_PARSE, hstart, "zone offset out of range");
    *offset_s = (neg ? -1 : 1) * (h * 3600 + m * 60);
    *pos = p;
    return SM_OK;
}

sm_err_t sm_parse_timestamp(const char *s, size_t len, int64_t *out, bool *has_zone, sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "timestamp", .e = e};
    t.base = trim(&s, &len);
    size_t p = 0;
    int64_t days, h = 0, mi = 0, sec = 0, frac_us = 0, zone = 0;
    bool zoned = false;
    sm_err_t rc = parse_date_at(&t, s, len, &p, &days);
    if (rc)
        return rc;
    if (p < len && (s[p] == ' ' || s[p] == 'T' || s[p] == 't')) {
        p++;
        size_t at = p;
        if (!read_digits(s, len, &p, 2, &h))
            return fail(&t, SM_ERR_PARSE, p, "expected hours");
        if (p >= len || s[p] != ':')
            return fail(&t, SM_ERR_PARSE, p, "expected ':' after the hours");
        p++;
        if (!read_digits(s, len, &p, 2, &mi))
            return fail(&t, SM_ERR_PARSE, p, "expected minutes");
        if (p < len && s[p] == ':') {
            p++;
            if (!read_digits(s, len, &p, 2, &sec))
                return fail(&t, SM_ERR_PARSE, p, "expected seconds");
            if (p < len && s[p] == '.') {
                p++;
                int nf = 0;
                while (p < len && is_digit(s[p])) {
                    if (nf < 6)
                        frac_us = frac_us * 10 + (s[p] - '0');
                    if (++nf > 9)
                        return fail(&t, SM_ERR_PARSE, p, "more than 9 fractional digits");
                    p++;
                }
                if (!nf)
                    return fail(&t, SM_ERR_PARSE, p, "expected fractional seconds");
                for (int k = nf; k < 6; k++)
                    frac_us *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return fail(&t, SM_ERR_PARSE, at, "time of day out of range");
    }
    if (p < len) {
        if ((rc = parse_zone(&t, s, len, &p, &zone)))
            return rc;
        zoned = true;
        if (p != len)
            return fail(&t, SM_ERR_PARSE, p, "unexpected text after the timestamp");
    }
    int64_t tod = ((h * 60 + mi) * 60 + sec - zone) * 1000000 + frac_us, us;
    if (days < 0) { /* midnight of the earliest day is below INT64_MIN; its end is not */
        days++;
        tod -= SM_US_PER_DAY;
    }
    if (__builtin_mul_overflow(days, SM_US_PER_DAY, &us) || __builtin_add_overflow(us, tod, &us))
        return fail(&t, SM_ERR_OVERFLOW, 0, "timestamp out of range");
    *out = us;
    if (has_zone)
        *has_zone = zoned;
    return SM_OK;
}

sm_i128 sm_pow10_i128(int n)
{
    sm_i128 r = 1;
    for (int i = 0; i < n && i < 38; i++)
        r *= 10;
    return r;
}

bool sm_decimal_fits(sm_i128 v, int precision)
{
    if (precision >= 39)
        return true;
    return abs_u128(v) < (sm_u128)sm_pow10_i128(precision);
}

sm_err_t sm_parse_decimal(const char *s, size_t len, int precision, int scale, sm_i128 *out,
                          sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "decimal", .e = e};
    if (precision < 1 || precision > SM_DECIMAL_MAX_PRECISION || scale < 0 || scale > precision)
        return sm_error_set(e, SM_ERR_INVALID, "decimal(%d,%d) is not a valid decimal type",
                            precision, scale);
    t.base = trim(&s, &len);
    size_t p = 0;
    bool neg = false;
    if (p < len && (s[p] == '+' || s[p] == '-'))
        neg = s[p++] == '-';
    /* Mantissa: remember where the significant digits are. */
    size_t mstart = p, first_sig = SIZE_MAX;
    int64_t nd = 0, nfrac = 0, ndigits = 0;
    bool dot = false;
    for (; p < len; p++) {
        char c = s[p];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (!is_digit(c))
            break;
        ndigits++;
        if (dot)
            nfrac++;
        if (first_sig == SIZE_MAX && c != '0')
            first_sig = p;
        if (first_sig != SIZE_MAX)
            nd++;
    }
    size_t mend = p;
    if (!ndigits)
        return fail(&t, SM_ERR_PARSE, mstart, "expected digits");
    int64_t exp = 0;
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        bool eneg = false;
        if (p < len && (s[p] == '+' || s[p] == '-'))
            eneg = s[p++] == '-';
        size_t es = p;
        while (p < len && is_digit(s[p])) {
            if (exp < 100000000)
                exp = exp * 10 + (s[p] - '0');
            p++;
        }
        if (p == es)
            return fail(&t, SM_ERR_PARSE, p, "expected exponent digits");
        if (eneg)
            exp = -exp;
    }
    if (p != len)
        return fail(&t, SM_ERR_PARSE, p, "unexpected character in a number");
    if (nd == 0) {
        *out = 0;
        return SM_OK;
    }
    /* value = D * 10^(exp - nfrac); result = round(D * 10^k), keep digits. */
    int64_t k = exp - nfrac + scale;
    int64_t keep = nd + k;
    if (keep > precision)
        return fail(&t, SM_ERR_OVERFLOW, mstart, "value needs more digits than the precision");
    sm_i128 acc = 0;
    int round_digit = 0;
    int64_t j = 0;
    for (size_t q = first_sig; q < mend && j <= keep; q++) {
        if (s[q] == '.')
            continue;
        if (j < keep)
            acc = acc * 10 + (s[q] - '0');
        else
            round_digit = s[q] - '0';
        j++;
    }
    for (; j < keep; j++)
        acc *= 10;
    if (round_digit >= 5)
        acc++;
    if (!sm_decimal_fits(acc, precision))
        return fail(&t, SM_ERR_OVERFLOW, mstart, "value needs more digits than the precision");
    *out = neg ? -acc : acc;
    return SM_OK;
}

sm_err_t sm_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out,
                      sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "integer", .e = e};
    t.base = trim(&s, &len);
    size_t p = 0;
    bool neg = false;
    if (p < len && (s[p] == '+' || s[p] == '-'))
        neg = s[p++] == '-';
    size_t start = p;
    uint64_t u = 0;
    bool over = false;
    for (; p < len && is_digit(s[p]); p++) {
        if (u > (UINT64_MAX - 9) / 10)
            over = true;
        else
            u = u * 10 + (uint64_t)(s[p] - '0');
    }
    if (p == start)
        return fail(&t, SM_ERR_PARSE, p, "expected digits");
    if (p != len)
        return fail(&t, SM_ERR_PARSE, p, "unexpected character in an integer");
    int64_t v;
    if (over || u > (uint64_t)INT64_MAX + neg)
        return fail(&t, SM_ERR_OVERFLOW, start, "integer out of range");
    v = neg ? (int64_t)(0 - u) : (int64_t)u;
    if (v < min || v > max)
        return fail(&t, SM_ERR_OVERFLOW, start, "integer out of range for the type");
    *out = v;
    return SM_OK;
}

static sm_err_t parse_real(const char *s, size_t len, bool single, double *dout, float *fout,
                           sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "number", .e = e};
    t.base = trim(&s, &len);
    size_t p = 0;
    bool neg = false;
    if (p < len && (s[p] == '+' || s[p] == '-'))
        neg = s[p++] == '-';
    size_t w = len - p;
    const char *word = s + p;
    double special = 0;
    bool is_special = true;
    if ((w == 3 && strncasecmp(word, "nan", 3) == 0))
        special = NAN;
    else if ((w == 3 && strncasecmp(word, "inf", 3) == 0) ||
             (w == 8 && strncasecmp(word, "infinity", 8) == 0))
        special = neg ? -INFINITY : INFINITY;
    else
        is_special = false;
    if (is_special) {
        if (dout)
            *dout = special;
        if (fout)
            *fout = (float)special;
        return SM_OK;
    }
    size_t digits = 0;
    bool dot = false;
    for (; p < len; p++) {
        if (is_digit(s[p]))
            digits++;
        else if (s[p] == '.' && !dot)
            dot = true;
        else
            break;
    }
    if (!digits)
        return fail(&t, SM_ERR_PARSE, p, "expected digits");
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < len && (s[p] == '+' || s[p] == '-'))
            p++;
        size_t es = p;
        while (p < len && is_digit(s[p]))
            p++;
        if (p == es)
            return fail(&t, SM_ERR_PARSE, p, "expected exponent digits");
    }
    if (p != len)
        return fail(&t, SM_ERR_PARSE, p, "unexpected character in a number");
    char buf[512];
    if (len >= sizeof buf)
        return fail(&t, SM_ERR_PARSE, 0, "number text too long");
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (dout)
        *dout = strtod(buf, NULL);
    if (fout && single)
        *fout = strtof(buf, NULL);
    return SM_OK;
}

sm_err_t sm_parse_double(const char *s, size_t len, double *out, sm_error_t *e)
{
    return parse_real(s, len, false, out, NULL, e);
}

sm_err_t sm_parse_float(const char *s, size_t len, float *out, sm_error_t *e)
{
    return parse_real(s, len, true, NULL, out, e);
}

sm_err_t sm_parse_bool(const char *s, size_t len, bool *out, sm_error_t *e)
{
    text_in_t t = {.s0 = s, .len0 = len, .what = "boolean", .e = e};
    t.base = trim(&s, &len);
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < 5; i++) {
        if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0) {
            *out = true;
            return SM_OK;
        }
        if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0) {
            *out = false;
            return SM_OK;
        }
    }
    return fail(&t, SM_ERR_PARSE, 0, "expected true or false");
}

/* ---- vectors ---------------------------------------------------------- */

sm_err_t sm_vector_append_text(sm_vector_t *v, const char *s, size_t len, sm_error_t *e)
{
    sm_err_t rc;
    int64_t i = 0;
    const sm_type_t *ty = v->type;
    switch (ty->kind) {
    case SM_TYPE_BOOL: {
        bool b = false;
        rc = sm_parse_bool(s, len, &b, e);
        return rc ? rc : sm_vector_append_bool(v, b, e);
    }
    case SM_TYPE_INT8:
        rc = sm_parse_int(s, len, INT8_MIN, INT8_MAX, &i, e);
        return rc ? rc : sm_vector_append_i8(v, (int8_t)i, e);
    case SM_TYPE_INT16:
        rc = sm_parse_int(s, len, INT16_MIN, INT16_MAX, &i, e);
        return rc ? rc : sm_vector_append_i16(v, (int16_t)i, e);
    case SM_TYPE_INT32:
        rc = sm_parse_int(s, len, INT32_MIN, INT32_MAX, &i, e);
        return rc ? rc : sm_vector_append_i32(v, (int32_t)i, e);
    case SM_TYPE_INT64:
        rc = sm_parse_int(s, len, INT64_MIN, INT64_MAX, &i, e);
        return rc ? rc : sm_vector_append_i64(v, i, e);
    case SM_TYPE_FLOAT32: {
        float f = 0;
        rc = sm_parse_float(s, len, &f, e);
        return rc ? rc : sm_vector_append_f32(v, f, e);
    }
    case SM_TYPE_FLOAT64: {
        double d = 0;
        rc = sm_parse_double(s, len, &d, e);
        return rc ? rc : sm_vector_append_f64(v, d, e);
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 d = 0;
        rc = sm_parse_decimal(s, len, ty->precision, ty->scale, &d, e);
        return rc ? rc : sm_vector_append_i128(v, d, e);
    }
    case SM_TYPE_DATE: {
        int32_t d = 0;
        rc = sm_parse_date(s, len, &d, e);
        return rc ? rc : sm_vector_append_i32(v, d, e);
    }
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        rc = sm_parse_timestamp(s, len, &i, NULL, e);
        return rc ? rc : sm_vector_append_i64(v, i, e);
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return sm_vector_append_bytes(v, s, len, e);
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "cannot parse text into a %s vector",
                            sm_type_kind_name(ty->kind));
    }
}
