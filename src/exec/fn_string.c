/*
 * exec/fn_string.c — string functions.  Positions and lengths count
 * characters (UTF-8 code points), never bytes, as Spark does.  Case
 * mapping (upper, lower, initcap) is ASCII only: other letters are kept
 * (Spark maps all of Unicode).  trim/ltrim/rtrim remove spaces (U+0020)
 * only, as Spark.  Regular expressions: see expr_like.c for the dialect.
 */
#include <inttypes.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "exec/expr_int.h"

enum {
    S_UPPER,
    S_LOWER,
    S_TRIM,
    S_LTRIM,
    S_RTRIM,
    S_LENGTH,
    S_SUBSTR,
    S_CONCAT,
    S_CONCAT_WS,
    S_REPLACE,
    S_SPLIT_PART,
    S_REGEXP_EXTRACT,
    S_REGEXP_REPLACE,
    S_LPAD,
    S_RPAD,
    S_INSTR,
    S_LEFT,
    S_RIGHT,
    S_INITCAP,
    S_REVERSE,
    S_REPEAT,
    S_ASCII,
};

static size_t cp_len(const char *s, size_t n)
{
    size_t len;
    sm_str_utf8_decode(s, n, &len);
    return len ? len : 1;
}

static size_t nchars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i += cp_len(s + i, n - i))
        c++;
    return c;
}

/* Byte offset of character index ci (clamped to n). */
static size_t char_off(const char *s, size_t n, int64_t ci)
{
    size_t i = 0;
    while (ci > 0 && i < n) {
        i += cp_len(s + i, n - i);
        ci--;
    }
    return i > n ? n : i;
}

static const char *arg_str(const sm_fcall_t *fc, size_t k, size_t i, size_t *len)
{
    return sm_vector_get_str(fc->args[k], i, len);
}

static int64_t arg_int(const sm_fcall_t *fc, size_t k, size_t i)
{
    return sm_vector_get_i32(fc->args[k], i);
}

/* Spark's substringSQL(pos, length) as a byte range. */
static void substr_range(const char *s, size_t n, int64_t pos, int64_t length, size_t *b0,
                         size_t *b1)
{
    int64_t len = (int64_t)nchars(s, n);
    int64_t start = pos > 0 ? pos - 1 : (pos < 0 ? len + pos : 0);
    int64_t end = start + length;
    if (start < 0)
        start = 0;
    if (start >= end) {
        *b0 = *b1 = 0;
        return;
    }
    *b0 = char_off(s, n, start);
    *b1 = char_off(s, n, end);
}

static sm_err_t put(const sm_fcall_t *fc, size_t i, const void *p, size_t n, sm_error_t *e)
{
    if (n > SM_EXPR_STR_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "function %s: result of %zu bytes is too long",
                            fc->x->u.call.fn->name, n);
    return sm_expr_out_str(fc->out, i, p, n, e);
}

/* Appends `count` characters of pad (cycled) into b. */
static sm_err_t pad_into(sm_buf_t *b, const char *pad, size_t pn, int64_t count, sm_error_t *e)
{
    size_t pi = 0;
    sm_err_t rc = SM_OK;
    while (!rc && count-- > 0) {
        size_t l = cp_len(pad + pi, pn - pi);
        rc = sm_buf_append(b, pad + pi, l, e);
        pi += l;
        if (pi >= pn)
            pi = 0;
    }
    return rc;
}

static sm_err_t regex_for(const sm_fcall_t *fc, size_t i, sm_regex_t **re, const char **last,
                          size_t *last_n, sm_error_t *e)
{
    size_t pn;
    const char *p = arg_str(fc, 1, i, &pn);
    if (*re && pn == *last_n && memcmp(p, *last, pn) == 0)
        return SM_OK;
    sm_regex_free(*re);
    *re = NULL;
    *last = p;
    *last_n = pn;
    return sm_regex_compile(p, pn, re, e);
}

/* regexp_replace replacement: $n group references, \x escapes. */
static sm_err_t expand(sm_buf_t *b, const char *rep, size_t rn, const char *s, const long *m,
                       int ng, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t k = 0; !rc && k < rn; k++) {
        if (rep[k] == '\\' && k + 1 < rn) {
            rc = sm_buf_append_byte(b, (uint8_t)rep[++k], e);
        } else if (rep[k] == '$' && k + 1 < rn && rep[k + 1] >= '0' && rep[k + 1] <= '9') {
            int g = rep[++k] - '0';
            if (g > ng)
                return sm_error_set(e, SM_ERR_INVALID, "regexp_replace: no group %d", g);
            if (m[2 * g] >= 0)
                rc = sm_buf_append(b, s + m[2 * g], (size_t)(m[2 * g + 1] - m[2 * g]), e);
        } else {
            rc = sm_buf_append_byte(b, (uint8_t)rep[k], e);
        }
    }
    return rc;
}

static sm_err_t row(const sm_fcall_t *fc, size_t i, sm_buf_t *b, sm_regex_t **re, const char **last,
                    size_t *last_n, sm_error_t *e)
{
    int op = fc->x->u.call.fn->op;
    size_t n = 0, n2 = 0;
    const char *s = fc->x->nargs ? arg_str(fc, 0, i, &n) : "";
    sm_err_t rc = SM_OK;
    sm_buf_reset(b);
    switch (op) {
    case S_UPPER:
    case S_LOWER:
    case S_INITCAP: {
        if ((rc = sm_buf_append(b, s, n, e)))
            return rc;
        char *p = (char *)b->data;
        if (op == S_UPPER)
            sm_str_upper(p, n);
        else
            sm_str_lower(p, n);
        if (op == S_INITCAP)
            for (size_t k = 0; k < n; k++)
                if (k == 0 || p[k - 1] == ' ')
                    p[k] = (char)sm_str_toupper_ascii((unsigned char)p[k]);
        return put(fc, i, b->data, n, e);
    }
    case S_TRIM:
    case S_LTRIM:
    case S_RTRIM: {
        size_t a = 0, z = n;
        if (op != S_RTRIM)
            while (a < z && s[a] == ' ')
                a++;
        if (op != S_LTRIM)
            while (z > a && s[z - 1] == ' ')
                z--;
        return put(fc, i, s + a, z - a, e);
    }
    case S_LENGTH:
        ((int32_t *)(void *)fc->out->values)[i] = (int32_t)nchars(s, n);
        return SM_OK;
    case S_ASCII:
        ((int32_t *)(void *)fc->out->values)[i] = n ? (int32_t)(unsigned char)s[0] : 0;
        return SM_OK;
    case S_SUBSTR:
    case S_LEFT:
    case S_RIGHT: {
        size_t b0, b1;
        int64_t k = arg_int(fc, 1, i);
        if (op == S_SUBSTR)
            substr_range(s, n, k, fc->x->nargs > 2 ? arg_int(fc, 2, i) : INT32_MAX, &b0, &b1);
        else if (k <= 0)
            b0 = b1 = 0;
        else if (op == S_LEFT)
            substr_range(s, n, 1, k, &b0, &b1);
        else
            substr_range(s, n, -k, k, &b0, &b1);
        return put(fc, i, s + b0, b1 - b0, e);
    }
    case S_CONCAT:
        for (uint32_t a = 0; !rc && a < fc->x->nargs; a++) {
            const char *p = arg_str(fc, a, i, &n2);
            rc = sm_buf_append(b, p, n2, e);
        }
        return rc ? rc : put(fc, i, b->data, b->len, e);
    case S_CONCAT_WS: {
        if (sm_vector_is_null(fc->args[0], i)) {
            sm_expr_out_null(fc->out, i);
            return SM_OK;
        }
        bool first = true;
        for (uint32_t a = 1; !rc && a < fc->x->nargs; a++) {
            if (sm_vector_is_null(fc->args[a], i))
                continue;
            const char *p = arg_str(fc, a, i, &n2);
            if (!first)
                rc = sm_buf_append(b, s, n, e);
            if (!rc)
                rc = sm_buf_append(b, p, n2, e);
            first = false;
        }
        return rc ? rc : put(fc, i, b->data, b->len, e);
    }
    case S_REPLACE: {
        size_t rn = 0;
        const char *search = arg_str(fc, 1, i, &n2);
        const char *rep = fc->x->nargs > 2 ? arg_str(fc, 2, i, &rn) : "";
        if (n2 == 0)
            return put(fc, i, s, n, e);
        size_t k = 0;
        while (!rc && k < n) {
            const char *hit = n - k >= n2 ? memmem(s + k, n - k, search, n2) : NULL;
            size_t stop = hit ? (size_t)(hit - s) : n;
            rc = sm_buf_append(b, s + k, stop - k, e);
            if (!rc && hit)
                rc = sm_buf_append(b, rep, rn, e);
            k = hit ? stop + n2 : n;
        }
        return rc ? rc : put(fc, i, b->data, b->len, e);
    }
    case S_SPLIT_PART: {
        const char *d = arg_str(fc, 1, i, &n2);
        int64_t part = arg_int(fc, 2, i);
        if (part == 0)
            return sm_error_set(e, SM_ERR_INVALID,
                                "function split_part: part number 0 is "
                                "invalid (parts count from 1, or -1 from "
                                "the end)");
        /* Collect part boundaries. */
        size_t starts[2] = {0, 0};
        int64_t count = 1;
        if (n2)
            for (const char *h = s; (h = memmem(h, n - (size_t)(h - s), d, n2)); h += n2)
                count++;
        int64_t want = part > 0 ? part - 1 : count + part;
        if (want < 0 || want >= count)
            return put(fc, i, "", 0, e);
        size_t k = 0;
        int64_t idx = 0;
        while (idx < want) {
            const char *h = memmem(s + k, n - k, d, n2);
            k = (size_t)(h - s) + n2;
            idx++;
        }
        starts[0] = k;
        const char *h = n2 ? memmem(s + k, n - k, d, n2) : NULL;
        starts[1] = h ? (size_t)(h - s) : n;
        return put(fc, i, s + starts[0], starts[1] - starts[0], e);
    }
    case S_REGEXP_EXTRACT:
    case S_REGEXP_REPLACE: {
        if ((rc = regex_for(fc, i, re, last, last_n, e)))
            return rc;
        sm_buf_t subj = SM_BUF_INIT;
        long m[20];
        if ((rc = sm_buf_append(&subj, s, n, e)) || (rc = sm_buf_append_byte(&subj, 0, e))) {
            sm_buf_free(&subj);
            return rc;
        }
        const char *z = (const char *)subj.data;
        int ng = sm_regex_groups(*re);
        if (op == S_REGEXP_EXTRACT) {
            int64_t g = fc->x->nargs > 2 ? arg_int(fc, 2, i) : 1;
            if (g < 0 || g > ng) {
                sm_buf_free(&subj);
                return sm_error_set(
                    e, SM_ERR_INVALID,
                    "function regexp_extract: the regex has %d group%s, group %" PRId64
                    " requested",
                    ng, ng == 1 ? "" : "s", g);
            }
            if (g < 10 && sm_regex_find(*re, z, n, 0, m, 10) && m[2 * g] >= 0)
                rc = put(fc, i, s + m[2 * g], (size_t)(m[2 * g + 1] - m[2 * g]), e);
            else
                rc = put(fc, i, "", 0, e);
            sm_buf_free(&subj);
            return rc;
        }
        size_t rn;
        const char *rep = arg_str(fc, 2, i, &rn);
        size_t k = 0;
        while (!rc && k <= n && sm_regex_find(*re, z, n, k, m, 10)) {
            size_t ms = (size_t)m[0], me = (size_t)m[1];
            rc = sm_buf_append(b, s + k, ms - k, e);
            if (!rc)
                rc = expand(b, rep, rn, s, m, ng < 9 ? ng : 9, e);
            if (me == ms) {
                if (ms < n && !rc)
                    rc = sm_buf_append(b, s + ms, cp_len(s + ms, n - ms), e);
                k = ms + (ms < n ? cp_len(s + ms, n - ms) : 1);
            } else {
                k = me;
            }
        }
        if (!rc && k < n)
            rc = sm_buf_append(b, s + k, n - k, e);
        sm_buf_free(&subj);
        return rc ? rc : put(fc, i, b->data, b->len, e);
    }
    case S_LPAD:
    case S_RPAD: {
        int64_t len = arg_int(fc, 1, i);
        size_t pn = 1;
        const char *pad = fc->x->nargs > 2 ? arg_str(fc, 2, i, &pn) : " ";
        if (len <= 0)
            return put(fc, i, "", 0, e);
        if (len > (int64_t)SM_EXPR_STR_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "function %s: length %" PRId64 " is too large",
                                fc->x->u.call.fn->name, len);
        int64_t have = (int64_t)nchars(s, n);
        if (have >= len || pn == 0) {
            size_t cut = have >= len ? char_off(s, n, len) : n;
            return put(fc, i, s, cut, e);
        }
        if (op == S_LPAD)
            rc = pad_into(b, pad, pn, len - have, e);
        if (!rc)
            rc = sm_buf_append(b, s, n, e);
        if (!rc && op == S_RPAD)
            rc = pad_into(b, pad, pn, len - have, e);
        return rc ? rc : put(fc, i, b->data, b->len, e);
    }
    case S_INSTR: {
        const char *sub = arg_str(fc, 1, i, &n2);
        const char *h = n2 == 0 ? s : memmem(s, n, sub, n2);
        ((int32_t *)(void *)fc->out->values)[i] = h ? (int32_t)nchars(s, (size_t)(h - s)) + 1 : 0;
        return SM_OK;
    }
    case S_REVERSE: {
        if ((rc = sm_buf_reserve(b, n, e)))
            return rc;
        for (size_t k = n; k > 0;) {
            size_t st = k - 1;
            while (st > 0 && ((unsigned char)s[st] & 0xC0) == 0x80 && k - st < 4)
                st--;
            rc = sm_buf_append(b, s + st, k - st, e);
            if (rc)
                return rc;
            k = st;
        }
        return put(fc, i, b->data, b->len, e);
    }
    case S_REPEAT: {
        int64_t times = arg_int(fc, 1, i);
        if (times > 0 && (uint64_t)times * n > SM_EXPR_STR_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "function repeat: result is too long");
        for (int64_t t = 0; !rc && t < times; t++)
            rc = sm_buf_append(b, s, n, e);
        return rc ? rc : put(fc, i, b->data ? (const char *)b->data : "", b->len, e);
    }
    }
    return SM_OK;
}

static sm_err_t str_eval(const sm_fcall_t *fc, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_regex_t *re = NULL;
    const char *last = NULL;
    size_t last_n = 0;
    sm_err_t rc = SM_OK;
    for (size_t j = 0, cnt = SM_ROWS(fc->sel, fc->nsel, fc->n); !rc && j < cnt; j++) {
        size_t i = SM_ROW(fc->sel, j);
        if (!sm_expr_out_valid(fc->out, i))
            continue;
        rc = row(fc, i, &b, &re, &last, &last_n, e);
    }
    sm_regex_free(re);
    sm_buf_free(&b);
    return rc;
}

#define SIG(name, sig)                                                                             \
    static sm_err_t name(const sm_func_t *fn, sm_expr_t *const *args, size_t n, sm_type_t **want,  \
                         sm_type_t **result, sm_error_t *e)                                        \
    {                                                                                              \
        return sm_fn_resolve_sig(fn, sig, args, n, want, result, e);                               \
    }
SIG(r_s_s, "s:s")
SIG(r_s_i, "s:i")
SIG(r_substr, "sii:s")
SIG(r_concat, "s*:s")
SIG(r_sss, "sss:s")
SIG(r_ssi, "ssi:s")
SIG(r_sis, "sis:s")
SIG(r_ss_i, "ss:i")
SIG(r_si, "si:s")
#undef SIG

#define NN SM_FUNC_NULL_IN_NULL_OUT
#define SAFE (SM_FUNC_NULL_IN_NULL_OUT | SM_FUNC_NEVER_FAILS)
#define F(name, flags, lo, hi, res, op)                                                            \
    {                                                                                              \
        name, flags, lo, hi, res, str_eval, op                                                     \
    }
const sm_func_t sm_fn_string[] = {
    F("upper", SAFE, 1, 1, r_s_s, S_UPPER),
    F("ucase", SAFE, 1, 1, r_s_s, S_UPPER),
    F("lower", SAFE, 1, 1, r_s_s, S_LOWER),
    F("lcase", SAFE, 1, 1, r_s_s, S_LOWER),
    F("initcap", SAFE, 1, 1, r_s_s, S_INITCAP),
    F("trim", SAFE, 1, 1, r_s_s, S_TRIM),
    F("ltrim", SAFE, 1, 1, r_s_s, S_LTRIM),
    F("rtrim", SAFE, 1, 1, r_s_s, S_RTRIM),
    F("length", SAFE, 1, 1, r_s_i, S_LENGTH),
    F("char_length", SAFE, 1, 1, r_s_i, S_LENGTH),
    F("character_length", SAFE, 1, 1, r_s_i, S_LENGTH),
    F("ascii", SAFE, 1, 1, r_s_i, S_ASCII),
    F("substring", NN, 2, 3, r_substr, S_SUBSTR),
    F("substr", NN, 2, 3, r_substr, S_SUBSTR),
    F("left", NN, 2, 2, r_si, S_LEFT),
    F("right", NN, 2, 2, r_si, S_RIGHT),
    F("concat", NN, 0, -1, r_concat, S_CONCAT),
    F("concat_ws", 0, 1, -1, r_concat, S_CONCAT_WS),
    F("replace", NN, 2, 3, r_sss, S_REPLACE),
    F("split_part", NN, 3, 3, r_ssi, S_SPLIT_PART),
    F("regexp_extract", NN, 2, 3, r_ssi, S_REGEXP_EXTRACT),
    F("regexp_replace", NN, 3, 3, r_sss, S_REGEXP_REPLACE),
    F("lpad", NN, 2, 3, r_sis, S_LPAD),
    F("rpad", NN, 2, 3, r_sis, S_RPAD),
    F("instr", NN, 2, 2, r_ss_i, S_INSTR),
    F("reverse", SAFE, 1, 1, r_s_s, S_REVERSE),
    F("repeat", NN, 2, 2, r_si, S_REPEAT),
};
const size_t sm_fn_string_count = sizeof sm_fn_string / sizeof sm_fn_string[0];
