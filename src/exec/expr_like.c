/*
 * exec/expr_like.c — LIKE / ILIKE patterns and regular expressions.
 *
 * LIKE: '%' any run of characters, '_' one character (a whole UTF-8 code
 * point), the escape character (default '\') makes the next '%', '_' or
 * escape literal; escaping any other character is an error, as in Spark.
 * ILIKE folds ASCII letters only (Spark folds all of Unicode).
 *
 * Regular expressions (RLIKE, regexp_extract, regexp_replace) use POSIX
 * extended syntax through <regex.h> (glibc), not Java's: \d and \D are
 * translated to [0-9] / [^0-9], a leading (?i) turns on case-insensitive
 * matching, and glibc understands \w \W \s \S \b; lazy quantifiers (*?),
 * lookaround and other Java-only syntax are rejected when compiling.
 * Matching stops at a NUL byte inside a value.
 */
#include <regex.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "exec/expr_int.h"

enum { LK_LIT, LK_ONE, LK_ANY };

struct sm_like_pat {
    sm_like_kind_t kind;
    size_t n;
    uint8_t *op;  /* LK_* per element */
    uint8_t *lit; /* the byte of LK_LIT elements */
    sm_regex_t *re;
};

struct sm_regex {
    regex_t re;
    int ngroups;
};

void sm_like_free(sm_like_pat_t *pat)
{
    if (!pat)
        return;
    sm_regex_free(pat->re);
    sm_free(pat->op);
    sm_free(pat->lit);
    sm_free(pat);
}

sm_err_t sm_like_compile(sm_expr_pool_t *p, sm_like_kind_t kind, const char *s, size_t n,
                         char escape, sm_like_pat_t **out, sm_error_t *e)
{
    (void)p;
    *out = NULL;
    sm_like_pat_t *pat = sm_calloc(1, sizeof *pat);
    if (!pat)
        return sm_error_nomem(e, "LIKE pattern");
    pat->kind = kind;
    if (kind == SM_RLIKE) {
        sm_err_t rc = sm_regex_compile(s, n, &pat->re, e);
        if (rc) {
            sm_like_free(pat);
            return rc;
        }
        *out = pat;
        return SM_OK;
    }
    pat->op = sm_malloc(n + 1);
    pat->lit = sm_malloc(n + 1);
    if (!pat->op || !pat->lit) {
        sm_like_free(pat);
        return sm_error_nomem(e, "LIKE pattern");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == escape) {
            if (i + 1 >= n || (s[i + 1] != '%' && s[i + 1] != '_' && s[i + 1] != escape)) {
                sm_like_free(pat);
                return sm_error_set(e, SM_ERR_INVALID,
                                    "LIKE pattern '%.*s': the escape character must be followed "
                                    "by '%%', '_' or itself (at offset %zu)",
                                    (int)(n > 40 ? 40 : n), s, i);
            }
            c = s[++i];
            pat->op[k] = LK_LIT;
        } else if (c == '%') {
            if (k && pat->op[k - 1] == LK_ANY)
                continue;
            pat->op[k] = LK_ANY;
        } else if (c == '_') {
            pat->op[k] = LK_ONE;
        } else {
            pat->op[k] = LK_LIT;
        }
        pat->lit[k] = (uint8_t)(kind == SM_ILIKE ? sm_str_tolower_ascii((unsigned char)c) : c);
        k++;
    }
    pat->n = k;
    *out = pat;
    return SM_OK;
}

static size_t cp_len(const uint8_t *s, size_t n)
{
    size_t len;
    if (sm_str_utf8_decode((const char *)s, n, &len) < 0 && len == 0)
        return 1;
    return len ? len : 1;
}

static inline uint8_t fold(const sm_like_pat_t *pat, uint8_t c)
{
    return pat->kind == SM_ILIKE ? (uint8_t)sm_str_tolower_ascii(c) : c;
}

int sm_like_match(const sm_like_pat_t *pat, const char *str, size_t n, sm_buf_t *scratch)
{
    if (pat->kind == SM_RLIKE) {
        sm_buf_reset(scratch);
        if (sm_buf_append(scratch, str, n, NULL) || sm_buf_append_byte(scratch, 0, NULL))
            return -1;
        long m[2];
        return sm_regex_find(pat->re, (const char *)scratch->data, n, 0, m, 1) ? 1 : 0;
    }
    const uint8_t *s = (const uint8_t *)str;
    size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0, np = pat->n;
    while (si < n) {
        if (pi < np && pat->op[pi] == LK_ONE) {
            si += cp_len(s + si, n - si);
            pi++;
        } else if (pi < np && pat->op[pi] == LK_LIT && fold(pat, s[si]) == pat->lit[pi]) {
            si++;
            pi++;
        } else if (pi < np && pat->op[pi] == LK_ANY) {
            star = pi++;
            mark = si;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            mark += cp_len(s + mark, n - mark);
            si = mark;
        } else {
            return 0;
        }
    }
    while (pi < np && pat->op[pi] == LK_ANY)
        pi++;
    return pi == np;
}

/* ---- regular expressions ----------------------------------------------- */

/* Java -> POSIX: \d, \D, (?i); rejects lazy quantifiers and lookaround. */
static sm_err_t translate(const char *s, size_t n, sm_buf_t *out, int *flags, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    size_t i = 0;
    bool in_class = false;
    if (n >= 4 && memcmp(s, "(?i)", 4) == 0) {
        *flags |= REG_ICASE;
        i = 4;
    }
    for (; !rc && i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && (s[i + 1] == 'd' || s[i + 1] == 'D')) {
            if (in_class)
                rc = sm_buf_append_str(out, "0-9", e);
            else
                rc = sm_buf_append_str(out, s[i + 1] == 'd' ? "[0-9]" : "[^0-9]", e);
            i++;
            continue;
        }
        if (c == '\\' && i + 1 < n) {
            rc = sm_buf_append(out, s + i, 2, e);
            i++;
            continue;
        }
        if (c == '[')
            in_class = true;
        else if (c == ']')
            in_class = false;
        if (!in_class && (c == '*' || c == '+' || c == '?' || c == '}') && i + 1 < n &&
            (s[i + 1] == '?' || s[i + 1] == '+') && !(c == '?' && i > 0 && s[i - 1] == '('))
            return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                "regular expression '%.*s': lazy and possessive quantifiers are "
                                "not supported (POSIX syntax)",
                                (int)(n > 40 ? 40 : n), s);
        if (!in_class && c == '(' && i + 1 < n && s[i + 1] == '?')
            return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                "regular expression '%.*s': (?...) groups are not supported "
                                "(POSIX syntax)",
                                (int)(n > 40 ? 40 : n), s);
        rc = sm_buf_append_byte(out, (uint8_t)c, e);
    }
    return rc;
}

sm_err_t sm_regex_compile(const char *pat, size_t n, sm_regex_t **out, sm_error_t *e)
{
    *out = NULL;
    if (memchr(pat, 0, n))
        return sm_error_set(e, SM_ERR_INVALID, "regular expression contains a NUL byte");
    sm_buf_t buf = SM_BUF_INIT;
    buf.limit = 1 << 20;
    int flags = REG_EXTENDED;
    sm_err_t rc = translate(pat, n, &buf, &flags, e);
    if (!rc)
        rc = sm_buf_append_byte(&buf, 0, e);
    if (rc) {
        sm_buf_free(&buf);
        return rc;
    }
    sm_regex_t *r = sm_calloc(1, sizeof *r);
    if (!r) {
        sm_buf_free(&buf);
        return sm_error_nomem(e, "regular expression");
    }
    int err = regcomp(&r->re, (const char *)buf.data, flags);
    sm_buf_free(&buf);
    if (err) {
        char msg[128];
        regerror(err, &r->re, msg, sizeof msg);
        sm_free(r);
        return sm_error_set(e, SM_ERR_INVALID, "regular expression '%.*s': %s",
                            (int)(n > 40 ? 40 : n), pat, msg);
    }
    r->ngroups = (int)r->re.re_nsub;
    *out = r;
    return SM_OK;
}

void sm_regex_free(sm_regex_t *r)
{
    if (!r)
        return;
    regfree(&r->re);
    sm_free(r);
}

int sm_regex_groups(const sm_regex_t *r)
{
    return r->ngroups;
}

bool sm_regex_find(const sm_regex_t *r, const char *s, size_t n, size_t from, long *m, int nm)
{
    regmatch_t pm[10];
    if (nm > 10)
        nm = 10;
    if (from > n)
        return false;
    if (regexec(&r->re, s + from, (size_t)nm, pm, from > 0 ? REG_NOTBOL : 0) != 0)
        return false;
    for (int g = 0; g < nm; g++) {
        m[2 * g] = pm[g].rm_so < 0 ? -1 : (long)(pm[g].rm_so + (regoff_t)from);
        m[2 * g + 1] = pm[g].rm_eo < 0 ? -1 : (long)(pm[g].rm_eo + (regoff_t)from);
    }
    return true;
}
