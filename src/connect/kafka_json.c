/*
 * connect/kafka_json — a small strict JSON scanner and the decoder of JSON
 * event values into columnar rows (see kafka.h).
 *
 * The scanner works on (pointer, end) and never reads past end; every
 * loop advances by at least one byte or stops, and nesting is bounded by
 * SM_KAFKA_JSON_MAX_DEPTH, so corrupt input ends in an error, never a
 * crash or a hang.  Strings without escapes are referenced in place;
 * escaped ones are decoded into a per-message scratch buffer.  A row is
 * first decoded into per-field slots and appended to the columns only when
 * the whole message is good, so a dead letter leaves no trace in `out`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/text.h"
#include "connect/kafka.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

#define DEFAULT_MAX_VALUE (1024 * 1024)
#define DEAD_LETTERS_MAX 65536
#define QUOTE_MAX 40

/* ---- scanner ------------------------------------------------------------------ */

typedef struct scan {
    const uint8_t *start, *p, *end;
    sm_buf_t *scratch; /* escaped strings are decoded here */
    char *reason;      /* SM_KAFKA_REASON_MAX bytes */
    int depth;
} scan_t;

/* A string token: bytes in the input (scratch == false) or at scratch
 * offset off (its buffer may move while decoding goes on). */
typedef struct str_tok {
    const uint8_t *p;
    size_t off, n;
    bool in_scratch;
} str_tok_t;

/* A number token: its text, and whether it is an integer (no fraction,
 * no exponent). */
typedef struct num_tok {
    const uint8_t *p;
    size_t n;
    bool is_int;
} num_tok_t;

static int syntax(scan_t *s, const uint8_t *at, const char *why)
{
    snprintf(s->reason, SM_KAFKA_REASON_MAX, "invalid JSON at byte %zu: %s",
             (size_t)(at - s->start), why);
    return -1;
}

static inline void ws(scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int hex4(const uint8_t *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(uint8_t *o, unsigned cp)
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

/* Decodes the escapes of a string whose raw body is [body, end_quote) into
 * the scratch buffer (the body was already checked by scan_string). */
static int unescape(scan_t *s, const uint8_t *body, const uint8_t *q, str_tok_t *t, sm_error_t *e)
{
    size_t need = (size_t)(q - body);
    if (sm_buf_reserve(s->scratch, need, e))
        return -2;
    t->in_scratch = true;
    t->off = s->scratch->len;
    uint8_t *o = s->scratch->data + s->scratch->len;
    const uint8_t *p = body;
    while (p < q) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        uint8_t c = p[1];
        p += 2;
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '/':
            *o++ = '/';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        default: { /* 'u', validated */
            unsigned cp = 0, lo = 0xDC00;
            hex4(p, &cp);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                hex4(p + 2, &lo);
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* a \u escape (6 or 12 input bytes) never yields more bytes
             * than it takes, so `need` is enough */
            o += utf8_put(o, cp);
        }
        }
    }
    t->n = (size_t)(o - (s->scratch->data + t->off));
    s->scratch->len += t->n;
    s->scratch->data[s->scratch->len] = 0;
    return 0;
}

/* s->p is at the opening quote.  On success s->p is past the closing
 * quote.  Returns 0, -1 (syntax, reason set) or -2 (memory, e set).
 * t may be NULL (skip, but still validate). */
static int scan_string(scan_t *s, str_tok_t *t, sm_error_t *e)
{
    const uint8_t *body = ++s->p, *p = body, *end = s->end;
    bool escaped = false;
    for (;;) {
        /* fast path over plain ASCII */
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            return syntax(s, p, "unterminated string");
        uint8_t c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (end - p < 2)
                return syntax(s, end, "unterminated string");
            uint8_t x = p[1];
            if (x == 'u') {
                unsigned cp, lo;
                if (end - p < 6 || hex4(p + 2, &cp))
                    return syntax(s, p, "invalid \\u escape (4 hex digits expected)");
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return syntax(s, p, "invalid \\u escape: lone low surrogate");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return syntax(s, p,
                                      "invalid \\u escape: high surrogate without low surrogate");
                    p += 12;
                } else {
                    p += 6;
                }
            } else if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' ||
                       x == 'r' || x == 't') {
                p += 2;
            } else {
                return syntax(s, p, "invalid escape in string");
            }
            escaped = true;
            continue;
        }
        if (c < 0x20)
            return syntax(s, p, "control character in string (must be escaped)");
        size_t len;
        if (sm_str_utf8_decode((const char *)p, (size_t)(end - p), &len) < 0)
            return syntax(s, p, "invalid UTF-8 in string");
        p += len;
    }
    s->p = p + 1;
    if (!t)
        return 0;
    if (!escaped) {
        t->in_scratch = false;
        t->p = body;
        t->n = (size_t)(p - body);
        return 0;
    }
    return unescape(s, body, p, t, e);
}

static inline bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(scan_t *s, num_tok_t *t)
{
    const uint8_t *p = s->p, *end = s->end, *b = p;
    bool is_int = true;
    if (p < end && *p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return syntax(s, p, "invalid number (digit expected)");
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return syntax(s, p, "invalid number (leading zero)");
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return syntax(s, p, "invalid number (digit expected after '.')");
        while (p < end && is_digit(*p))
            p++;
        is_int = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return syntax(s, p, "invalid number (digit expected in exponent)");
        while (p < end && is_digit(*p))
            p++;
        is_int = false;
    }
    t->p = b;
    t->n = (size_t)(p - b);
    t->is_int = is_int;
    s->p = p;
    return 0;
}

static int scan_literal(scan_t *s, const char *lit, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) {
        /* point at the first byte that differs */
        const uint8_t *p = s->p;
        size_t i = 0;
        while (p + i < s->end && i < n && p[i] == (uint8_t)lit[i])
            i++;
        if (p + i >= s->end)
            return syntax(s, s->end, "unexpected end of input");
        return syntax(s, p + i, "invalid literal");
    }
    s->p += n;
    return 0;
}

static int skip_value(scan_t *s, sm_error_t *e);

static int skip_container(scan_t *s, sm_error_t *e)
{
    uint8_t close = *s->p == '{' ? '}' : ']';
    bool obj = close == '}';
    if (++s->depth > SM_KAFKA_JSON_MAX_DEPTH)
        return syntax(s, s->p, "nesting deeper than 64 levels");
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    for (;;) {
        int rc;
        if (obj) {
            if (s->p >= s->end)
                return syntax(s, s->end, "unexpected end of input");
            if (*s->p != '"')
                return syntax(s, s->p, "object key (a string) expected");
            if ((rc = scan_string(s, NULL, e)))
                return rc;
            ws(s);
            if (s->p >= s->end)
                return syntax(s, s->end, "unexpected end of input");
            if (*s->p != ':')
                return syntax(s, s->p, "':' expected after object key");
            s->p++;
            ws(s);
        }
        if ((rc = skip_value(s, e)))
            return rc;
        ws(s);
        if (s->p >= s->end)
            return syntax(s, s->end, "unexpected end of input");
        if (*s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (*s->p == close) {
            s->p++;
            s->depth--;
            return 0;
        }
        return syntax(s, s->p, obj ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int skip_value(scan_t *s, sm_error_t *e)
{
    if (s->p >= s->end)
        return syntax(s, s->end, "unexpected end of input");
    num_tok_t n;
    switch (*s->p) {
    case '{':
    case '[':
        return skip_container(s, e);
    case '"':
        return scan_string(s, NULL, e);
    case 't':
        return scan_literal(s, "true", 4);
    case 'f':
        return scan_literal(s, "false", 5);
    case 'n':
        return scan_literal(s, "null", 4);
    default:
        if (*s->p == '-' || is_digit(*s->p))
            return scan_number(s, &n);
        return syntax(s, s->p, "value expected");
    }
}

sm_err_t sm_kafka_json_validate(const uint8_t *p, size_t len, sm_error_t *e)
{
    char reason[SM_KAFKA_REASON_MAX];
    sm_buf_t scratch = SM_BUF_INIT;
    scan_t s = {.start = p, .p = p, .end = p + len, .scratch = &scratch, .reason = reason};
    if (!p)
        s.start = s.p = s.end = (const uint8_t *)"";
    ws(&s);
    int rc = skip_value(&s, e);
    if (rc == 0) {
        ws(&s);
        if (s.p < s.end)
            rc = syntax(&s, s.p, "unexpected data after the value");
    }
    sm_buf_free(&scratch);
    if (rc == -2)
        return e ? e->code : SM_ERR_NOMEM;
    if (rc)
        return sm_error_set(e, SM_ERR_PARSE, "%s", reason);
    return SM_OK;
}

/* ---- numbers ----------------------------------------------------------------- */

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A JSON number (already validated) as a double, correctly rounded: the
 * exact fast path when the digits fit 2^53 and the power of ten is exact,
 * else strtod on a copy. */
static int num_to_double(const num_tok_t *t, sm_buf_t *tmp, double *out, sm_error_t *e)
{
    const uint8_t *p = t->p, *end = t->p + t->n;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    uint64_t m = 0;
    int digits = 0, exp10 = 0;
    for (; p < end && is_digit(*p); p++) {
        if (digits < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            if (m)
                digits++;
        } else {
            exp10++;
            digits++;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && is_digit(*p); p++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                if (m)
                    digits++;
                exp10--;
            } else {
                digits++;
            }
        }
    }
    if (p < end) { /* exponent */
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        int x = 0;
        for (; p < end; p++)
            if (x < 100000)
                x = x * 10 + (*p - '0');
        exp10 += eneg ? -x : x;
    }
    if (digits <= 15 && m < (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / pow10_tab[-exp10] : v * pow10_tab[exp10];
        *out = neg ? -v : v;
        return 0;
    }
    if (m == 0 && digits == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    sm_buf_reset(tmp);
    if (sm_buf_append(tmp, t->p, t->n, e))
        return -2;
    *out = strtod((const char *)tmp->data, NULL); /* ±HUGE_VAL / 0 on range */
    return 0;
}

/* An integer token into int64; -1 when out of range. */
static int num_to_i64(const num_tok_t *t, int64_t *out)
{
    const uint8_t *p = t->p, *end = t->p + t->n;
    bool neg = *p == '-';
    if (neg)
        p++;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* ---- decoder ------------------------------------------------------------------- */

enum { SLOT_MISSING = 0, SLOT_NULL, SLOT_SET };

typedef struct slot {
    uint8_t state;
    union {
        int64_t i;
        double f;
        sm_i128 d;
        bool b;
    } v;
    str_tok_t s;
} slot_t;

typedef struct dfield {
    const char *name;
    size_t name_len;
    sm_type_t *type;
    sm_type_kind_t kind;
    bool nullable;
} dfield_t;

struct sm_kafka_json_decoder {
    sm_type_t *schema;
    size_t nfields;
    dfield_t *fields;
    slot_t *slots;
    sm_buf_t scratch; /* unescaped strings of the current message */
    sm_buf_t tmp;     /* number and timestamp copies */
    size_t max_value;
    char reason[SM_KAFKA_REASON_MAX];
};

static bool kind_supported(sm_type_kind_t k)
{
    switch (k) {
    case SM_TYPE_BOOL:
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
    case SM_TYPE_DECIMAL:
    case SM_TYPE_DATE:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
    case SM_TYPE_STRING:
        return true;
    default:
        return false;
    }
}

sm_err_t sm_kafka_json_decoder_new(sm_type_t *schema, size_t max_value_bytes,
                                   sm_kafka_json_decoder_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!schema || schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "JSON event decoder: the schema must be a struct");
    for (uint32_t i = 0; i < schema->nfields; i++) {
        if (!kind_supported(schema->fields[i].type->kind)) {
            char tn[64];
            return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                "JSON event decoder: field \"%s\" has type %s, which JSON events "
                                "cannot fill (use string)",
                                schema->fields[i].name,
                                sm_type_name(schema->fields[i].type, tn, sizeof tn));
        }
    }
    sm_kafka_json_decoder_t *d = sm_calloc(1, sizeof *d);
    if (!d)
        return sm_error_nomem(e, "JSON event decoder");
    d->nfields = schema->nfields;
    d->fields = sm_calloc(d->nfields ? d->nfields : 1, sizeof *d->fields);
    d->slots = sm_calloc(d->nfields ? d->nfields : 1, sizeof *d->slots);
    if (!d->fields || !d->slots) {
        sm_kafka_json_decoder_free(d);
        return sm_error_nomem(e, "JSON event decoder");
    }
    d->schema = sm_type_ref(schema);
    for (size_t i = 0; i < d->nfields; i++) {
        const sm_field_t *f = &schema->fields[i];
        d->fields[i] = (dfield_t){.name = f->name,
                                  .name_len = strlen(f->name),
                                  .type = f->type,
                                  .kind = f->type->kind,
                                  .nullable = f->nullable};
    }
    d->max_value = max_value_bytes ? max_value_bytes : DEFAULT_MAX_VALUE;
    d->scratch.limit = d->max_value + 16;
    d->tmp.limit = d->max_value + 16;
    *out = d;
    return SM_OK;
}

void sm_kafka_json_decoder_free(sm_kafka_json_decoder_t *d)
{
    if (!d)
        return;
    sm_type_free(d->schema);
    sm_free(d->fields);
    sm_free(d->slots);
    sm_buf_free(&d->scratch);
    sm_buf_free(&d->tmp);
    sm_free(d);
}

static int find_field(const sm_kafka_json_decoder_t *d, const uint8_t *k, size_t n)
{
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].name_len == n && memcmp(d->fields[i].name, k, n) == 0)
            return (int)i;
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].name_len == n &&
            sm_str_eq_nocase(sm_str_make(d->fields[i].name, n), sm_str_make((const char *)k, n)))
            return (int)i;
    return -1;
}

/* Quotes at most QUOTE_MAX bytes of [p, p+n) into out, non-printable bytes
 * as \xNN, with "..." when cut. */
static void quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < QUOTE_MAX && o + 5 < cap; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7F)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
    }
    if (n > QUOTE_MAX && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
}

static const char *expected_what(sm_type_kind_t k)
{
    switch (k) {
    case SM_TYPE_BOOL:
        return "true or false";
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        return "an integer";
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
    case SM_TYPE_DECIMAL:
        return "a number";
    case SM_TYPE_DATE:
        return "an ISO-8601 date string";
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return "an ISO-8601 timestamp string";
    default:
        return "a string";
    }
}

/* A type error for field f; the offending value is the raw input
 * [vb, ve) (or an object/array, named). */
static int type_error(sm_kafka_json_decoder_t *d, const dfield_t *f, const uint8_t *vb,
                      const uint8_t *ve, const char *detail)
{
    char got[QUOTE_MAX * 4 + 8];
    if (*vb == '{')
        snprintf(got, sizeof got, "an object");
    else if (*vb == '[')
        snprintf(got, sizeof got, "an array");
    else
        quote(got, sizeof got, vb, (size_t)(ve - vb));
    if (detail)
        snprintf(d->reason, sizeof d->reason, "field \"%s\": %s %s", f->name, got, detail);
    else
        snprintf(d->reason, sizeof d->reason, "field \"%s\": expected %s, got %s", f->name,
                 expected_what(f->kind), got);
    return -1;
}

static const char *str_bytes(const sm_kafka_json_decoder_t *d, const str_tok_t *t)
{
    return t->in_scratch ? (const char *)d->scratch.data + t->off : (const char *)t->p;
}

/* Decodes the value at s->p for field f into slot. */
static int field_value(sm_kafka_json_decoder_t *d, scan_t *s, const dfield_t *f, slot_t *sl,
                       sm_error_t *e)
{
    const uint8_t *vb = s->p;
    int rc;
    uint8_t c = *vb;
    if (c == 'n') {
        if ((rc = scan_literal(s, "null", 4)))
            return rc;
        sl->state = SLOT_NULL;
        return 0;
    }
    if (c == '{' || c == '[') {
        if ((rc = skip_value(s, e)))
            return rc;
        return type_error(d, f, vb, s->p, NULL);
    }
    if (c == '"') {
        str_tok_t t;
        if ((rc = scan_string(s, &t, e)))
            return rc;
        if (f->kind == SM_TYPE_STRING) {
            sl->s = t;
            sl->state = SLOT_SET;
            return 0;
        }
        if (f->kind == SM_TYPE_DATE || f->kind == SM_TYPE_TIMESTAMP ||
            f->kind == SM_TYPE_TIMESTAMP_TZ) {
            const char *b = str_bytes(d, &t);
            sm_error_t pe;
            sm_err_t prc;
            /* dates and timestamps are short printable ASCII: anything
             * else is a type error without asking the parser */
            if (t.n > 64)
                return type_error(d, f, vb, s->p, NULL);
            for (size_t i = 0; i < t.n; i++)
                if ((uint8_t)b[i] < 0x20 || (uint8_t)b[i] > 0x7E)
                    return type_error(d, f, vb, s->p, NULL);
            if (f->kind == SM_TYPE_DATE) {
                int32_t days;
                prc = sm_parse_date(b, t.n, &days, &pe);
                sl->v.i = days;
            } else {
                prc = sm_parse_timestamp(b, t.n, &sl->v.i, NULL, &pe);
            }
            if (prc)
                return type_error(d, f, vb, s->p, NULL);
            sl->state = SLOT_SET;
            return 0;
        }
        return type_error(d, f, vb, s->p, NULL);
    }
    if (c == 't' || c == 'f') {
        bool v = c == 't';
        if ((rc = scan_literal(s, v ? "true" : "false", v ? 4 : 5)))
            return rc;
        if (f->kind != SM_TYPE_BOOL)
            return type_error(d, f, vb, s->p, NULL);
        sl->v.b = v;
        sl->state = SLOT_SET;
        return 0;
    }
    if (c == '-' || is_digit(c)) {
        num_tok_t n;
        if ((rc = scan_number(s, &n)))
            return rc;
        switch (f->kind) {
        case SM_TYPE_INT8:
        case SM_TYPE_INT16:
        case SM_TYPE_INT32:
        case SM_TYPE_INT64: {
            if (!n.is_int)
                return type_error(d, f, vb, s->p, NULL);
            int64_t v;
            static const int64_t lim[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
            int64_t mx = lim[f->kind - SM_TYPE_INT8];
            if (num_to_i64(&n, &v) || v > mx || v < -mx - 1) {
                char msg[64];
                snprintf(msg, sizeof msg, "is out of range for %s", sm_type_kind_name(f->kind));
                return type_error(d, f, vb, s->p, msg);
            }
            sl->v.i = v;
            break;
        }
        case SM_TYPE_FLOAT32:
        case SM_TYPE_FLOAT64:
            if (num_to_double(&n, &d->tmp, &sl->v.f, e))
                return -2;
            break;
        case SM_TYPE_DECIMAL: {
            sm_error_t pe;
            if (sm_parse_decimal((const char *)n.p, n.n, f->type->precision, f->type->scale,
                                 &sl->v.d, &pe)) {
                char msg[64];
                snprintf(msg, sizeof msg, "does not fit decimal(%d,%d)", f->type->precision,
                         f->type->scale);
                return type_error(d, f, vb, s->p, msg);
            }
            break;
        }
        default:
            return type_error(d, f, vb, s->p, NULL);
        }
        sl->state = SLOT_SET;
        return 0;
    }
    return syntax(s, s->p, "value expected");
}

/* Parses the message into the slots.  0 ok, -1 dead letter (d->reason),
 * -2 error (e). */
static int parse_row(sm_kafka_json_decoder_t *d, const uint8_t *p, size_t len, sm_error_t *e)
{
    scan_t s = {.start = p, .p = p, .end = p + len, .scratch = &d->scratch, .reason = d->reason};
    int rc;
    ws(&s);
    if (s.p >= s.end)
        return syntax(&s, s.end, "unexpected end of input");
    if (*s.p != '{') {
        uint8_t c0 = *s.p;
        const char *what = c0 == '[' ? "an array" : c0 == '"' ? "a string" : NULL;
        if (!what && (rc = skip_value(&s, e)))
            return rc;
        if (!what)
            what = (c0 == 't' || c0 == 'f') ? "a boolean" : c0 == 'n' ? "null" : "a number";
        snprintf(d->reason, sizeof d->reason, "expected a JSON object, got %s", what);
        return -1;
    }
    s.depth = 1;
    s.p++;
    ws(&s);
    if (s.p < s.end && *s.p == '}') {
        s.p++;
    } else {
        for (;;) {
            if (s.p >= s.end)
                return syntax(&s, s.end, "unexpected end of input");
            if (*s.p != '"')
                return syntax(&s, s.p, "object key (a string) expected");
            str_tok_t k;
            if ((rc = scan_string(&s, &k, e)))
                return rc;
            int fi = find_field(d, (const uint8_t *)str_bytes(d, &k), k.n);
            ws(&s);
            if (s.p >= s.end)
                return syntax(&s, s.end, "unexpected end of input");
            if (*s.p != ':')
                return syntax(&s, s.p, "':' expected after object key");
            s.p++;
            ws(&s);
            if (s.p >= s.end)
                return syntax(&s, s.end, "unexpected end of input");
            if (fi >= 0)
                rc = field_value(d, &s, &d->fields[fi], &d->slots[fi], e);
            else
                rc = skip_value(&s, e);
            if (rc)
                return rc;
            ws(&s);
            if (s.p >= s.end)
                return syntax(&s, s.end, "unexpected end of input");
            if (*s.p == ',') {
                s.p++;
                ws(&s);
                continue;
            }
            if (*s.p == '}') {
                s.p++;
                break;
            }
            return syntax(&s, s.p, "',' or '}' expected");
        }
    }
    ws(&s);
    if (s.p < s.end)
        return syntax(&s, s.p, "unexpected data after the object");
    for (size_t i = 0; i < d->nfields; i++) {
        if (d->slots[i].state != SLOT_SET && !d->fields[i].nullable) {
            snprintf(d->reason, sizeof d->reason, "field \"%s\": %s, but the field is NOT NULL",
                     d->fields[i].name, d->slots[i].state == SLOT_NULL ? "null" : "missing");
            return -1;
        }
    }
    return 0;
}

static sm_err_t append_slot(sm_kafka_json_decoder_t *d, const dfield_t *f, const slot_t *sl,
                            sm_vector_t *v, sm_error_t *e)
{
    if (sl->state != SLOT_SET)
        return sm_vector_append_null(v, e);
    switch (f->kind) {
    case SM_TYPE_BOOL:
        return sm_vector_append_bool(v, sl->v.b, e);
    case SM_TYPE_INT8:
        return sm_vector_append_i8(v, (int8_t)sl->v.i, e);
    case SM_TYPE_INT16:
        return sm_vector_append_i16(v, (int16_t)sl->v.i, e);
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        return sm_vector_append_i32(v, (int32_t)sl->v.i, e);
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return sm_vector_append_i64(v, sl->v.i, e);
    case SM_TYPE_FLOAT32:
        return sm_vector_append_f32(v, (float)sl->v.f, e);
    case SM_TYPE_FLOAT64:
        return sm_vector_append_f64(v, sl->v.f, e);
    case SM_TYPE_DECIMAL:
        return sm_vector_append_i128(v, sl->v.d, e);
    default:
        return sm_vector_append_bytes(v, str_bytes(d, &sl->s), sl->s.n, e);
    }
}

static sm_err_t add_dead(sm_kafka_json_decoder_t *d, sm_kafka_dead_letters_t *dl,
                         const uint8_t *value, size_t len, int32_t partition, int64_t offset,
                         sm_error_t *e)
{
    if (!dl)
        return SM_OK;
    if (dl->n >= DEAD_LETTERS_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "more than %d dead letters in one batch",
                            DEAD_LETTERS_MAX);
    if (dl->n == dl->cap) {
        size_t nc = dl->cap ? dl->cap * 2 : 16;
        sm_kafka_dead_letter_t *ni = sm_realloc(dl->items, nc * sizeof *ni);
        if (!ni)
            return sm_error_nomem(e, "dead letters");
        dl->items = ni;
        dl->cap = nc;
    }
    size_t keep = len < d->max_value ? len : d->max_value;
    sm_kafka_dead_letter_t *x = &dl->items[dl->n];
    x->raw = sm_malloc(keep + 1);
    if (!x->raw)
        return sm_error_nomem(e, "dead letter");
    if (keep)
        memcpy(x->raw, value, keep);
    x->raw[keep] = 0;
    x->raw_len = keep;
    x->partition = partition;
    x->offset = offset;
    snprintf(x->reason, sizeof x->reason, "%s", d->reason);
    dl->n++;
    return SM_OK;
}

sm_err_t sm_kafka_json_decode(sm_kafka_json_decoder_t *d, const uint8_t *value, size_t len,
                              int32_t partition, int64_t offset, sm_batch_t *out,
                              sm_kafka_dead_letters_t *dl, bool *dead, sm_error_t *e)
{
    if (dead)
        *dead = false;
    if (out->ncols != d->nfields)
        return sm_error_set(e, SM_ERR_INVALID,
                            "JSON event decoder: batch has %zu columns, schema %zu", out->ncols,
                            d->nfields);
    sm_buf_reset(&d->scratch);
    memset(d->slots, 0, d->nfields * sizeof *d->slots);
    int rc;
    if (!value) {
        snprintf(d->reason, sizeof d->reason, "message has no value");
        rc = -1;
    } else if (len > d->max_value) {
        snprintf(d->reason, sizeof d->reason, "message of %zu bytes exceeds the limit of %zu bytes",
                 len, d->max_value);
        rc = -1;
    } else {
        rc = parse_row(d, value, len, e);
    }
    if (rc == -2)
        return e ? e->code : SM_ERR_NOMEM;
    if (rc == -1) {
        if (dead)
            *dead = true;
        return add_dead(d, dl, value, value ? len : 0, partition, offset, e);
    }
    size_t row = out->nrows;
    for (size_t i = 0; i < d->nfields; i++) {
        sm_err_t arc = append_slot(d, &d->fields[i], &d->slots[i], out->cols[i], e);
        if (arc) {
            for (size_t j = 0; j <= i; j++)
                if (out->cols[j]->len > row)
                    sm_vector_truncate(out->cols[j], row);
            return arc;
        }
    }
    out->nrows = row + 1;
    return SM_OK;
}

sm_err_t sm_kafka_json_decode_batch(sm_kafka_json_decoder_t *d, const sm_kafka_batch_t *msgs,
                                    sm_batch_t *out, sm_kafka_dead_letters_t *dl, sm_error_t *e)
{
    for (size_t i = 0; i < msgs->n; i++) {
        const sm_kafka_msg_t *m = &msgs->msgs[i];
        sm_err_t rc = sm_kafka_json_decode(d, m->value, m->value_len, m->partition, m->offset, out,
                                           dl, NULL, e);
        if (rc)
            return sm_error_wrap(e, "partition %d offset %lld", (int)m->partition,
                                 (long long)m->offset);
    }
    return SM_OK;
}

void sm_kafka_dead_letters_reset(sm_kafka_dead_letters_t *dl)
{
    for (size_t i = 0; i < dl->n; i++)
        sm_free(dl->items[i].raw);
    dl->n = 0;
}

void sm_kafka_dead_letters_free(sm_kafka_dead_letters_t *dl)
{
    sm_kafka_dead_letters_reset(dl);
    sm_free(dl->items);
    *dl = (sm_kafka_dead_letters_t)SM_KAFKA_DEAD_LETTERS_INIT;
}
