/* core/str — strict parsing of numbers and booleans from slices. */
#include "core/str.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define QUOTE_MAX 40                  /* bytes of the input shown in a message */
#define QUOTE_BUF (QUOTE_MAX * 4 + 8) /* each byte may become \xNN, plus "..." */
#define DOUBLE_MAX_LEN 4096

/* The first QUOTE_MAX bytes of s, printable, for an error message. */
static const char *quote(char buf[QUOTE_BUF], sm_str_t s)
{
    size_t o = 0, n = s.n < QUOTE_MAX ? s.n : QUOTE_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", c);
    }
    if (s.n > n) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* "invalid <what> "<text>": unexpected 'x' at offset N" */
static sm_err_t bad_byte(sm_error_t *e, const char *what, sm_str_t s, size_t at)
{
    char q[QUOTE_BUF];
    unsigned char c = (unsigned char)s.p[at];
    if (c >= 0x20 && c < 0x7f)
        return sm_error_set(e, SM_ERR_PARSE, "invalid %s \"%s\": unexpected '%c' at offset %zu",
                            what, quote(q, s), c, at);
    return sm_error_set(e, SM_ERR_PARSE, "invalid %s \"%s\": unexpected byte 0x%02x at offset %zu",
                        what, quote(q, s), c, at);
}

static sm_err_t no_digits(sm_error_t *e, const char *what, sm_str_t s)
{
    char q[QUOTE_BUF];
    if (s.n == 0)
        return sm_error_set(e, SM_ERR_PARSE, "invalid %s: empty string", what);
    return sm_error_set(e, SM_ERR_PARSE, "invalid %s \"%s\": no digits", what, quote(q, s));
}

static sm_err_t out_of_range(sm_error_t *e, const char *what, sm_str_t s, const char *type)
{
    char q[QUOTE_BUF];
    return sm_error_set(e, SM_ERR_OVERFLOW, "%s \"%s\" is out of range for %s", what, quote(q, s),
                        type);
}

/* Checks that s[i..) is one or more digits; returns SIZE_MAX when it is,
 * else the offset of the first offending byte (s.n when there are none). */
static size_t digits_end(sm_str_t s, size_t i)
{
    if (i == s.n)
        return s.n;
    for (; i < s.n; i++)
        if ((unsigned)((unsigned char)s.p[i] - '0') > 9)
            return i;
    return SIZE_MAX;
}

/* Accumulates the (already validated) digits s[i..) into *v, failing when
 * the value exceeds limit. */
static bool accumulate(sm_str_t s, size_t i, uint64_t limit, uint64_t *v)
{
    uint64_t x = 0;
    for (; i < s.n; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');
        if (x > (limit - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

sm_err_t sm_str_to_i64(sm_str_t s, int64_t *out, sm_error_t *e)
{
    size_t i = 0;
    bool neg = false;
    if (s.n && (s.p[0] == '+' || s.p[0] == '-')) {
        neg = s.p[0] == '-';
        i = 1;
    }
    size_t bad = digits_end(s, i);
    if (bad == s.n)
        return no_digits(e, "integer", s);
    if (bad != SIZE_MAX)
        return bad_byte(e, "integer", s, bad);
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v;
    if (!accumulate(s, i, limit, &v))
        return out_of_range(e, "integer", s, "a 64-bit integer");
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return SM_OK;
}

sm_err_t sm_str_to_u64(sm_str_t s, uint64_t *out, sm_error_t *e)
{
    size_t i = 0;
    if (s.n && s.p[0] == '-') {
        char q[QUOTE_BUF];
        return sm_error_set(e, SM_ERR_PARSE,
                            "invalid unsigned integer \"%s\": a minus sign is not allowed",
                            quote(q, s));
    }
    if (s.n && s.p[0] == '+')
        i = 1;
    size_t bad = digits_end(s, i);
    if (bad == s.n)
        return no_digits(e, "unsigned integer", s);
    if (bad != SIZE_MAX)
        return bad_byte(e, "unsigned integer", s, bad);
    uint64_t v;
    if (!accumulate(s, i, UINT64_MAX, &v))
        return out_of_range(e, "unsigned integer", s, "an unsigned 64-bit integer");
    *out = v;
    return SM_OK;
}

static size_t skip_digits(sm_str_t s, size_t i)
{
    while (i < s.n && (unsigned)((unsigned char)s.p[i] - '0') <= 9)
        i++;
    return i;
}

/* inf, infinity, nan (any case) after an optional sign. */
static bool special_double(sm_str_t body, bool neg, double *out)
{
    if (sm_str_eq_nocase(body, SM_STR_LIT("inf")) ||
        sm_str_eq_nocase(body, SM_STR_LIT("infinity"))) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (sm_str_eq_nocase(body, SM_STR_LIT("nan"))) {
        *out = NAN;
        return true;
    }
    return false;
}

sm_err_t sm_str_to_double(sm_str_t s, double *out, sm_error_t *e)
{
    char q[QUOTE_BUF];
    if (s.n == 0)
        return no_digits(e, "number", s);
    if (s.n > DOUBLE_MAX_LEN)
        return sm_error_set(e, SM_ERR_LIMIT, "number \"%s\" is longer than %d bytes", quote(q, s),
                            DOUBLE_MAX_LEN);
    size_t i = 0;
    bool neg = false;
    if (s.p[0] == '+' || s.p[0] == '-') {
        neg = s.p[0] == '-';
        i = 1;
    }
    if (special_double(sm_str_sub(s, i, s.n), neg, out))
        return SM_OK;
    /* Grammar check first: strtod alone would accept hex, nan(...) and
     * leading spaces, and would stop silently at garbage. */
    size_t int_end = skip_digits(s, i), frac_end = int_end;
    if (int_end < s.n && s.p[int_end] == '.')
        frac_end = skip_digits(s, int_end + 1);
    size_t mantissa_digits = (int_end - i) + (frac_end > int_end ? frac_end - int_end - 1 : 0);
    if (mantissa_digits == 0)
        return frac_end < s.n ? bad_byte(e, "number", s, frac_end) : no_digits(e, "number", s);
    i = frac_end;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.n && (s.p[j] == '+' || s.p[j] == '-'))
            j++;
        size_t exp_end = skip_digits(s, j);
        if (exp_end == j) {
            if (j == s.n)
                return sm_error_set(e, SM_ERR_PARSE,
                                    "invalid number \"%s\": exponent has no digits", quote(q, s));
            return bad_byte(e, "number", s, j);
        }
        i = exp_end;
    }
    if (i < s.n)
        return bad_byte(e, "number", s, i);

    char buf[DOUBLE_MAX_LEN + 1];
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + s.n)
        return sm_error_set(e, SM_ERR_INTERNAL, "strtod disagrees on \"%s\"", quote(q, s));
    if (errno == ERANGE && isinf(v))
        return out_of_range(e, "number", s, "a double");
    *out = v;
    return SM_OK;
}

sm_err_t sm_str_to_bool(sm_str_t s, bool *out, sm_error_t *e)
{
    static const char *const yes[] = {"true", "yes", "on", "t", "y", "1"};
    static const char *const no[] = {"false", "no", "off", "f", "n", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (sm_str_eq_nocase(s, sm_str_c(yes[i]))) {
            *out = true;
            return SM_OK;
        }
        if (sm_str_eq_nocase(s, sm_str_c(no[i]))) {
            *out = false;
            return SM_OK;
        }
    }
    char q[QUOTE_BUF];
    return sm_error_set(e, SM_ERR_PARSE,
                        "invalid boolean \"%s\" (expected true/false, yes/no, on/off or 1/0)",
                        quote(q, s));
}
