/*
 * connect/jsonl_parse — a strict JSON (RFC 8259) parser of one record
 * (a line or an array element) into a flat tree of nodes.
 *
 * The nodes live in one growable array and refer to each other by index
 * (first child, next sibling), so growing the array never invalidates a
 * reference.  Strings without escapes stay in the input; escaped ones are
 * decoded into the scratch buffer, reserved up front to the record's size
 * (a decoded string is never longer than its source), so it never moves
 * during a parse.  Every loop advances or stops, nesting is bounded by
 * SM_FILE_JSON_MAX_DEPTH, and nothing reads past the end.
 */
#include <string.h>

#include "connect/files.h"
#include "connect/jsonl_int.h"
#include "core/mem.h"
#include "core/str.h"

static int fail(sm_jp_t *j, size_t at, const char *why)
{
    j->at = at;
    j->why = why;
    return -1;
}

static int new_node(sm_jp_t *j, int kind, size_t off, size_t *idx, sm_error_t *e)
{
    if (j->nn == j->ncap) {
        size_t ncap = j->ncap ? j->ncap * 2 : 64;
        sm_jnode_t *nn = sm_realloc(j->nodes, ncap * sizeof *nn);
        if (!nn) {
            sm_error_nomem(e, "JSON nodes");
            return -2;
        }
        j->nodes = nn;
        j->ncap = ncap;
    }
    *idx = j->nn++;
    sm_jnode_t *n = &j->nodes[*idx];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->off = off;
    return 0;
}

static void ws(sm_jp_t *j)
{
    while (j->p < j->n) {
        uint8_t c = j->s[j->p];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        j->p++;
    }
}

static int hex4(const uint8_t *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(uint8_t *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at j->p (the opening quote): its bytes in *str. */
static int string(sm_jp_t *j, sm_jstr_t *str)
{
    const uint8_t *s = j->s;
    size_t p = j->p + 1, start = p;
    bool esc = false;
    for (;;) {
        if (p >= j->n)
            return fail(j, j->p, "unterminated string");
        uint8_t c = s[p];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(j, p, "control character in a string (must be escaped)");
        if (c == '\\') {
            esc = true;
            p += 2;
            continue;
        }
        if (c >= 0x80) {
            size_t len;
            if (sm_str_utf8_decode((const char *)s + p, j->n - p, &len) < 0)
                return fail(j, p, "invalid UTF-8 in a string");
            p += len;
            continue;
        }
        p++;
    }
    size_t q = p; /* the closing quote */
    j->p = q + 1;
    if (!esc) {
        *str = (sm_jstr_t){s + start, q - start};
        return 0;
    }
    uint8_t *o = j->scratch->data + j->scratch->len, *o0 = o;
    for (p = start; p < q;) {
        if (s[p] != '\\') {
            *o++ = s[p++];
            continue;
        }
        uint8_t c = s[p + 1];
        const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
        const char *m = NULL;
        for (const char *k = map; *k; k += 2)
            if ((uint8_t)*k == c) {
                m = k;
                break;
            }
        if (m) {
            *o++ = (uint8_t)m[1];
            p += 2;
            continue;
        }
        if (c != 'u')
            return fail(j, p, "invalid escape in a string");
        unsigned cp, lo;
        if (p + 6 > q || hex4(s + p + 2, &cp))
            return fail(j, p, "invalid \\u escape");
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (p + 6 > q || s[p] != '\\' || s[p + 1] != 'u' || hex4(s + p + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return fail(j, p - 6, "unpaired UTF-16 surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail(j, p - 6, "unpaired UTF-16 surrogate in a \\u escape");
        }
        o += put_utf8(o, cp);
    }
    *str = (sm_jstr_t){o0, (size_t)(o - o0)};
    j->scratch->len += (size_t)(o - o0);
    return 0;
}

static bool digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int number(sm_jp_t *j, sm_jnode_t *nd)
{
    const uint8_t *s = j->s;
    size_t p = j->p, n = j->n;
    bool is_int = true;
    if (p < n && s[p] == '-')
        p++;
    if (p >= n || !digit(s[p]))
        return fail(j, p, "invalid number");
    if (s[p] == '0')
        p++;
    else
        while (p < n && digit(s[p]))
            p++;
    if (p < n && s[p] == '.') {
        is_int = false;
        if (++p >= n || !digit(s[p]))
            return fail(j, p, "invalid number (digits must follow '.')");
        while (p < n && digit(s[p]))
            p++;
    }
    if (p < n && (s[p] == 'e' || s[p] == 'E')) {
        is_int = false;
        p++;
        if (p < n && (s[p] == '+' || s[p] == '-'))
            p++;
        if (p >= n || !digit(s[p]))
            return fail(j, p, "invalid number (digits must follow the exponent)");
        while (p < n && digit(s[p]))
            p++;
    }
    nd->is_int = is_int;
    nd->str = (sm_jstr_t){s + j->p, p - j->p};
    j->p = p;
    return 0;
}

static int value(sm_jp_t *j, size_t *out, sm_error_t *e);

static int container(sm_jp_t *j, size_t self, bool obj, sm_error_t *e)
{
    if (++j->depth > SM_FILE_JSON_MAX_DEPTH)
        return fail(j, j->p, "nesting is too deep");
    j->p++; /* { or [ */
    ws(j);
    char close = obj ? '}' : ']';
    size_t last = 0, count = 0;
    if (j->p < j->n && j->s[j->p] == close) {
        j->p++;
        j->depth--;
        return 0;
    }
    for (;;) {
        sm_jstr_t key = {0};
        if (obj) {
            if (j->p >= j->n || j->s[j->p] != '"')
                return fail(j, j->p, "expected a string key in object");
            int r = string(j, &key);
            if (r)
                return r;
            ws(j);
            if (j->p >= j->n || j->s[j->p] != ':')
                return fail(j, j->p, "expected ':' after an object key");
            j->p++;
            ws(j);
        }
        size_t kid;
        int r = value(j, &kid, e);
        if (r)
            return r;
        j->nodes[kid].key = key;
        if (count++ == 0)
            j->nodes[self].first = kid;
        else
            j->nodes[last].next = kid;
        last = kid;
        ws(j);
        if (j->p < j->n && j->s[j->p] == ',') {
            j->p++;
            ws(j);
            continue;
        }
        if (j->p < j->n && j->s[j->p] == close) {
            j->p++;
            break;
        }
        return fail(j, j->p,
                    obj ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
    }
    j->nodes[self].n = count;
    j->depth--;
    return 0;
}

static int literal(sm_jp_t *j, const char *word, int kind, size_t *out, sm_error_t *e)
{
    size_t len = strlen(word);
    if (j->n - j->p < len || memcmp(j->s + j->p, word, len) != 0)
        return fail(j, j->p, "unexpected character");
    int r = new_node(j, kind, j->p, out, e);
    j->p += len;
    if (!r)
        j->nodes[*out].end = j->p;
    return r;
}

static int value(sm_jp_t *j, size_t *out, sm_error_t *e)
{
    if (j->p >= j->n)
        return fail(j, j->p, "unexpected end of input");
    uint8_t c = j->s[j->p];
    int r;
    switch (c) {
    case '{':
    case '[':
        if ((r = new_node(j, c == '{' ? SM_J_OBJ : SM_J_ARR, j->p, out, e)))
            return r;
        if ((r = container(j, *out, c == '{', e)))
            return r;
        break;
    case '"': {
        sm_jstr_t s;
        if ((r = new_node(j, SM_J_STR, j->p, out, e)) || (r = string(j, &s)))
            return r;
        j->nodes[*out].str = s;
        break;
    }
    case 't':
        return literal(j, "true", SM_J_TRUE, out, e);
    case 'f':
        return literal(j, "false", SM_J_FALSE, out, e);
    case 'n':
        return literal(j, "null", SM_J_NULL, out, e);
    default:
        if (c != '-' && !digit(c))
            return fail(j, j->p, "unexpected character");
        if ((r = new_node(j, SM_J_NUM, j->p, out, e)) || (r = number(j, &j->nodes[*out])))
            return r;
        break;
    }
    j->nodes[*out].end = j->p;
    return 0;
}

int sm_jsonl_parse(sm_jp_t *j, const uint8_t *s, size_t n, sm_error_t *e)
{
    j->s = s;
    j->n = n;
    j->p = 0;
    j->nn = 0;
    j->depth = 0;
    j->why = NULL;
    sm_buf_reset(j->scratch);
    if (sm_buf_reserve(j->scratch, n, e))
        return -2;
    ws(j);
    size_t root;
    int r = value(j, &root, e);
    if (r)
        return r;
    ws(j);
    if (j->p < n)
        return fail(j, j->p, "unexpected data after the value");
    return 0;
}
