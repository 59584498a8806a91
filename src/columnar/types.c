#include "columnar/types.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"

/* ---- singletons ------------------------------------------------------- */

#define STATIC_TYPE(k)                                                                             \
    {                                                                                              \
        .kind = (k), .refs = -1                                                                    \
    }
static sm_type_t fixed_types[SM_TYPE__COUNT] = {
    [SM_TYPE_NULL] = STATIC_TYPE(SM_TYPE_NULL),
    [SM_TYPE_BOOL] = STATIC_TYPE(SM_TYPE_BOOL),
    [SM_TYPE_INT8] = STATIC_TYPE(SM_TYPE_INT8),
    [SM_TYPE_INT16] = STATIC_TYPE(SM_TYPE_INT16),
    [SM_TYPE_INT32] = STATIC_TYPE(SM_TYPE_INT32),
    [SM_TYPE_INT64] = STATIC_TYPE(SM_TYPE_INT64),
    [SM_TYPE_FLOAT32] = STATIC_TYPE(SM_TYPE_FLOAT32),
    [SM_TYPE_FLOAT64] = STATIC_TYPE(SM_TYPE_FLOAT64),
    [SM_TYPE_DATE] = STATIC_TYPE(SM_TYPE_DATE),
    [SM_TYPE_TIMESTAMP] = STATIC_TYPE(SM_TYPE_TIMESTAMP),
    [SM_TYPE_TIMESTAMP_TZ] = STATIC_TYPE(SM_TYPE_TIMESTAMP_TZ),
    [SM_TYPE_STRING] = STATIC_TYPE(SM_TYPE_STRING),
    [SM_TYPE_BINARY] = STATIC_TYPE(SM_TYPE_BINARY),
};

sm_type_t *sm_type_of_kind(sm_type_kind_t kind)
{
    if ((unsigned)kind >= SM_TYPE__COUNT || kind == SM_TYPE_DECIMAL || sm_type_is_nested(kind))
        return NULL;
    return &fixed_types[kind];
}

sm_type_t *sm_type_null(void)
{
    return &fixed_types[SM_TYPE_NULL];
}
sm_type_t *sm_type_bool(void)
{
    return &fixed_types[SM_TYPE_BOOL];
}
sm_type_t *sm_type_int8(void)
{
    return &fixed_types[SM_TYPE_INT8];
}
sm_type_t *sm_type_int16(void)
{
    return &fixed_types[SM_TYPE_INT16];
}
sm_type_t *sm_type_int32(void)
{
    return &fixed_types[SM_TYPE_INT32];
}
sm_type_t *sm_type_int64(void)
{
    return &fixed_types[SM_TYPE_INT64];
}
sm_type_t *sm_type_float32(void)
{
    return &fixed_types[SM_TYPE_FLOAT32];
}
sm_type_t *sm_type_float64(void)
{
    return &fixed_types[SM_TYPE_FLOAT64];
}
sm_type_t *sm_type_date(void)
{
    return &fixed_types[SM_TYPE_DATE];
}
sm_type_t *sm_type_timestamp(void)
{
    return &fixed_types[SM_TYPE_TIMESTAMP];
}
sm_type_t *sm_type_timestamp_tz(void)
{
    return &fixed_types[SM_TYPE_TIMESTAMP_TZ];
}
sm_type_t *sm_type_string(void)
{
    return &fixed_types[SM_TYPE_STRING];
}
sm_type_t *sm_type_binary(void)
{
    return &fixed_types[SM_TYPE_BINARY];
}

/* ---- construction and lifetime ---------------------------------------- */

static sm_type_t *alloc_type(sm_type_kind_t kind, size_t nfields)
{
    sm_type_t *t = sm_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->kind = kind;
    t->refs = 1;
    if (nfields) {
        t->fields = sm_calloc(nfields, sizeof *t->fields);
        if (!t->fields) {
            sm_free(t);
            return NULL;
        }
    }
    t->nfields = (uint32_t)nfields;
    return t;
}

sm_type_t *sm_type_decimal(int precision, int scale)
{
    if (precision < 1 || precision > SM_DECIMAL_MAX_PRECISION || scale < 0 || scale > precision)
        return NULL;
    sm_type_t *t = alloc_type(SM_TYPE_DECIMAL, 0);
    if (!t)
        return NULL;
    t->precision = (uint8_t)precision;
    t->scale = (uint8_t)scale;
    return t;
}

/* Fills field i of t; takes over `type` (freed on failure). */
static bool set_field(sm_type_t *t, size_t i, const char *name, sm_type_t *type, bool nullable)
{
    if (!type || !name) {
        sm_type_free(type);
        return false;
    }
    t->fields[i].name = sm_strdup(name);
    if (!t->fields[i].name) {
        sm_type_free(type);
        return false;
    }
    t->fields[i].type = type;
    t->fields[i].nullable = nullable;
    return true;
}

sm_type_t *sm_type_struct(const sm_field_t *fields, size_t n)
{
    sm_type_t *t = NULL;
    size_t i = 0;
    if (n > UINT32_MAX)
        goto fail;
    t = alloc_type(SM_TYPE_STRUCT, n);
    if (!t)
        goto fail;
    for (; i < n; i++)
        if (!set_field(t, i, fields[i].name, fields[i].type, fields[i].nullable)) {
            i++;
            goto fail;
        }
    return t;
fail:
    for (; i < n; i++)
        sm_type_free(fields[i].type);
    sm_type_free(t);
    return NULL;
}

sm_type_t *sm_type_list_ex(sm_type_t *elem, bool contains_null)
{
    sm_type_t *t = elem ? alloc_type(SM_TYPE_LIST, 1) : NULL;
    if (!t) {
        sm_type_free(elem);
        return NULL;
    }
    if (!set_field(t, 0, "element", elem, contains_null)) {
        sm_type_free(t);
        return NULL;
    }
    return t;
}

sm_type_t *sm_type_list(sm_type_t *elem)
{
    return sm_type_list_ex(elem, true);
}

sm_type_t *sm_type_map_ex(sm_type_t *key, sm_type_t *value, bool value_contains_null)
{
    sm_type_t *entries = NULL, *t = NULL;
    if (key && value)
        entries = sm_type_struct(
            (sm_field_t[]){{"key", key, false}, {"value", value, value_contains_null}}, 2);
    else {
        sm_type_free(key);
        sm_type_free(value);
    }
    t = entries ? alloc_type(SM_TYPE_MAP, 1) : NULL;
    if (!t) {
        sm_type_free(entries);
        return NULL;
    }
    if (!set_field(t, 0, "entries", entries, false)) {
        sm_type_free(t);
        return NULL;
    }
    return t;
}

sm_type_t *sm_type_map(sm_type_t *key, sm_type_t *value)
{
    return sm_type_map_ex(key, value, true);
}

sm_type_t *sm_type_ref(sm_type_t *t)
{
    if (t && __atomic_load_n(&t->refs, __ATOMIC_RELAXED) >= 0)
        __atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void sm_type_free(sm_type_t *t)
{
    if (!t || __atomic_load_n(&t->refs, __ATOMIC_RELAXED) < 0)
        return;
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (uint32_t i = 0; i < t->nfields; i++) {
        sm_free(t->fields[i].name);
        sm_type_free(t->fields[i].type);
    }
    sm_free(t->fields);
    sm_free(t);
}

sm_type_t *sm_type_copy(const sm_type_t *t)
{
    if (!t)
        return NULL;
    if (__atomic_load_n(&t->refs, __ATOMIC_RELAXED) < 0)
        return (sm_type_t *)t;
    sm_type_t *c = alloc_type(t->kind, t->nfields);
    if (!c)
        return NULL;
    c->precision = t->precision;
    c->scale = t->scale;
    for (uint32_t i = 0; i < t->nfields; i++) {
        sm_type_t *ft = sm_type_copy(t->fields[i].type);
        if (!set_field(c, i, t->fields[i].name, ft, t->fields[i].nullable)) {
            sm_type_free(c);
            return NULL;
        }
    }
    return c;
}

/* ---- comparison ------------------------------------------------------- */

bool sm_type_equal_ex(const sm_type_t *a, const sm_type_t *b, unsigned flags)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->nfields != b->nfields)
        return false;
    if (a->kind == SM_TYPE_DECIMAL && (a->precision != b->precision || a->scale != b->scale))
        return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
        const sm_field_t *fa = &a->fields[i], *fb = &b->fields[i];
        if (!(flags & SM_TYPE_EQ_IGNORE_NULLABLE) && fa->nullable != fb->nullable)
            return false;
        if (!(flags & SM_TYPE_EQ_IGNORE_NAMES) && a->kind == SM_TYPE_STRUCT &&
            strcmp(fa->name, fb->name) != 0)
            return false;
        if (!sm_type_equal_ex(fa->type, fb->type, flags))
            return false;
    }
    return true;
}

bool sm_type_equal(const sm_type_t *a, const sm_type_t *b)
{
    return sm_type_equal_ex(a, b, 0);
}

int sm_type_field_index(const sm_type_t *t, const char *name, size_t len, bool ignore_case)
{
    if (!t || t->kind != SM_TYPE_STRUCT)
        return -1;
    for (uint32_t i = 0; i < t->nfields; i++) {
        const char *f = t->fields[i].name;
        if (strlen(f) != len)
            continue;
        if (ignore_case ? strncasecmp(f, name, len) == 0 : memcmp(f, name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* ---- kinds ------------------------------------------------------------ */

static const char *const kind_names[SM_TYPE__COUNT] = {
    [SM_TYPE_NULL] = "void",
    [SM_TYPE_BOOL] = "boolean",
    [SM_TYPE_INT8] = "tinyint",
    [SM_TYPE_INT16] = "smallint",
    [SM_TYPE_INT32] = "int",
    [SM_TYPE_INT64] = "bigint",
    [SM_TYPE_FLOAT32] = "float",
    [SM_TYPE_FLOAT64] = "double",
    [SM_TYPE_DECIMAL] = "decimal",
    [SM_TYPE_DATE] = "date",
    [SM_TYPE_TIMESTAMP] = "timestamp_ntz",
    [SM_TYPE_TIMESTAMP_TZ] = "timestamp",
    [SM_TYPE_STRING] = "string",
    [SM_TYPE_BINARY] = "binary",
    [SM_TYPE_STRUCT] = "struct",
    [SM_TYPE_LIST] = "array",
    [SM_TYPE_MAP] = "map",
};

const char *sm_type_kind_name(sm_type_kind_t kind)
{
    if ((unsigned)kind >= SM_TYPE__COUNT)
        return "?";
    return kind_names[kind];
}

int sm_type_byte_width(sm_type_kind_t kind)
{
    switch (kind) {
    case SM_TYPE_INT8:
        return 1;
    case SM_TYPE_INT16:
        return 2;
    case SM_TYPE_INT32:
    case SM_TYPE_FLOAT32:
    case SM_TYPE_DATE:
        return 4;
    case SM_TYPE_INT64:
    case SM_TYPE_FLOAT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return 8;
    case SM_TYPE_DECIMAL:
        return 16;
    default:
        return 0;
    }
}

/* ---- formatting ------------------------------------------------------- */

static bool plain_ident(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static sm_err_t format_name(const char *name, sm_buf_t *out, sm_error_t *e)
{
    if (plain_ident(name))
        return sm_buf_append_str(out, name, e);
    sm_err_t rc = sm_buf_append_byte(out, '`', e);
    for (const char *p = name; !rc && *p; p++) {
        if (*p == '`')
            rc = sm_buf_append_byte(out, '`', e);
        if (!rc)
            rc = sm_buf_append_byte(out, (uint8_t)*p, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '`', e);
    return rc;
}

static sm_err_t format_type(const sm_type_t *t, sm_buf_t *out, int depth, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (depth > SM_TYPE_MAX_DEPTH)
        return sm_error_set(e, SM_ERR_LIMIT, "type nests deeper than %d levels", SM_TYPE_MAX_DEPTH);
    switch (t->kind) {
    case SM_TYPE_DECIMAL:
        return sm_buf_printf(out, e, "decimal(%d,%d)", t->precision, t->scale);
    case SM_TYPE_LIST:
        rc = sm_buf_append_str(out, "array<", e);
        if (!rc)
            rc = format_type(sm_type_list_elem(t), out, depth + 1, e);
        break;
    case SM_TYPE_MAP:
        rc = sm_buf_append_str(out, "map<", e);
        if (!rc)
            rc = format_type(sm_type_map_key(t), out, depth + 1, e);
        if (!rc)
            rc = sm_buf_append_byte(out, ',', e);
        if (!rc)
            rc = format_type(sm_type_map_value(t), out, depth + 1, e);
        break;
    case SM_TYPE_STRUCT:
        rc = sm_buf_append_str(out, "struct<", e);
        for (uint32_t i = 0; !rc && i < t->nfields; i++) {
            if (i)
                rc = sm_buf_append_byte(out, ',', e);
            if (!rc)
                rc = format_name(t->fields[i].name, out, e);
            if (!rc)
                rc = sm_buf_append_byte(out, ':', e);
            if (!rc)
                rc = format_type(t->fields[i].type, out, depth + 1, e);
        }
        break;
    default:
        return sm_buf_append_str(out, sm_type_kind_name(t->kind), e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '>', e);
    return rc;
}

sm_err_t sm_type_format(const sm_type_t *t, sm_buf_t *out, sm_error_t *e)
{
    if (!t)
        return sm_error_set(e, SM_ERR_INVALID, "no type to format");
    return format_type(t, out, 0, e);
}

const char *sm_type_name(const sm_type_t *t, char *buf, size_t cap)
{
    sm_buf_t b = SM_BUF_INIT;
    if (!cap)
        return buf;
    if (!t || format_type(t, &b, 0, NULL)) {
        snprintf(buf, cap, "%s", t ? "?" : "(null)");
    } else if (b.len < cap) {
        memcpy(buf, b.data, b.len + 1);
    } else {
        snprintf(buf, cap, "%.*s...", cap > 4 ? (int)(cap - 4) : 0, (const char *)b.data);
    }
    sm_buf_free(&b);
    return buf;
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct parser {
    const char *s;
    size_t len, pos;
    sm_error_t *e;
} parser_t;

static void skip_ws(parser_t *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static sm_err_t perr(parser_t *p, const char *what)
{
    if (p->pos >= p->len)
        return sm_error_set(p->e, SM_ERR_PARSE, "type name: %s at offset %zu (end of input)", what,
                            p->pos);
    size_t rest = p->len - p->pos;
    return sm_error_set(p->e, SM_ERR_PARSE, "type name: %s at offset %zu (near '%.*s')", what,
                        p->pos, (int)(rest < 10 ? rest : 10), p->s + p->pos);
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads an identifier-like word at the cursor: its start and length. */
static size_t read_word(parser_t *p, const char **w)
{
    skip_ws(p);
    size_t start = p->pos;
    while (p->pos < p->len && is_word_char(p->s[p->pos]))
        p->pos++;
    *w = p->s + start;
    return p->pos - start;
}

static bool accept(parser_t *p, char c)
{
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static sm_err_t parse_type(parser_t *p, int depth, sm_type_t **out);

static sm_err_t parse_int(parser_t *p, int *v)
{
    skip_ws(p);
    size_t start = p->pos;
    long n = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        if (n < 1000)
            n = n * 10 + (p->s[p->pos] - '0');
        p->pos++;
    }
    if (p->pos == start)
        return perr(p, "expected a number");
    *v = (int)n;
    return SM_OK;
}

static sm_err_t parse_decimal_args(parser_t *p, sm_type_t **out)
{
    int prec = 10, scale = 0;
    size_t at = p->pos;
    sm_err_t rc;
    if (accept(p, '(')) {
        at = p->pos;
        if ((rc = parse_int(p, &prec)))
            return rc;
        if (accept(p, ',') && (rc = parse_int(p, &scale)))
            return rc;
        if (!accept(p, ')'))
            return perr(p, "expected ')' after decimal precision and scale");
    }
    if (prec < 1 || prec > SM_DECIMAL_MAX_PRECISION || scale > prec)
        return sm_error_set(p->e, SM_ERR_PARSE,
                            "type name: decimal(%d,%d) at offset %zu: precision must be 1..38 "
                            "and scale 0..precision",
                            prec, scale, at);
    *out = sm_type_decimal(prec, scale);
    return *out ? SM_OK : sm_error_nomem(p->e, "type");
}

/* Reads a struct field name: a word or a `quoted` name.  Returns a new
 * string in *name. */
static sm_err_t parse_field_name(parser_t *p, char **name)
{
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '`') {
        sm_buf_t b = SM_BUF_INIT;
        sm_err_t rc = SM_OK;
        size_t open = p->pos++;
        for (;;) {
            if (p->pos >= p->len) {
                sm_buf_free(&b);
                p->pos = open;
                return perr(p, "unterminated `quoted` field name");
            }
            char c = p->s[p->pos++];
            if (c == '`') {
                if (p->pos < p->len && p->s[p->pos] == '`')
                    p->pos++;
                else
                    break;
            }
            if ((rc = sm_buf_append_byte(&b, (uint8_t)c, p->e))) {
                sm_buf_free(&b);
                return rc;
            }
        }
        if (b.len == 0 || memchr(b.data, 0, b.len)) {
            sm_buf_free(&b);
            p->pos = open;
            return perr(p, "empty or invalid quoted field name");
        }
        *name = (char *)sm_buf_detach(&b, NULL);
        return SM_OK;
    }
    const char *w;
    size_t n = read_word(p, &w);
    if (!n)
        return perr(p, "expected a field name");
    *name = sm_strndup(w, n);
    return *name ? SM_OK : sm_error_nomem(p->e, "type");
}

/* Optional "NOT NULL" after a field type. */
static bool parse_not_null(parser_t *p)
{
    size_t save = p->pos;
    const char *w;
    size_t n = read_word(p, &w);
    if (word_is(w, n, "not")) {
        n = read_word(p, &w);
        if (word_is(w, n, "null"))
            return true;
    }
    p->pos = save;
    return false;
}

static sm_err_t parse_struct(parser_t *p, int depth, sm_type_t **out)
{
    sm_field_t *fields = NULL;
    size_t n = 0, cap = 0;
    sm_err_t rc = SM_OK;
    if (accept(p, '>'))
        goto done;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            sm_field_t *nf = sm_realloc(fields, ncap * sizeof *nf);
            if (!nf) {
                rc = sm_error_nomem(p->e, "type");
                goto out;
            }
            fields = nf;
            cap = ncap;
        }
        sm_field_t *f = &fields[n];
        f->type = NULL;
        f->nullable = true;
        if ((rc = parse_field_name(p, &f->name)))
            goto out;
        n++;
        accept(p, ':'); /* "name:type" or "name type" */
        if ((rc = parse_type(p, depth + 1, &f->type)))
            goto out;
        if (parse_not_null(p))
            f->nullable = false;
        if (accept(p, '>'))
            break;
        if (!accept(p, ',')) {
            rc = perr(p, "expected ',' or '>' in struct");
            goto out;
        }
    }
done:
    *out = sm_type_struct(fields, n);
    for (size_t i = 0; i < n; i++)
        sm_free(fields[i].name);
    sm_free(fields);
    return *out ? SM_OK : sm_error_nomem(p->e, "type");
out:
    for (size_t i = 0; i < n; i++) {
        sm_free(fields[i].name);
        sm_type_free(fields[i].type);
    }
    sm_free(fields);
    return rc;
}

static sm_err_t parse_type(parser_t *p, int depth, sm_type_t **out)
{
    *out = NULL;
    if (depth > SM_TYPE_MAX_DEPTH)
        return perr(p, "type nests too deeply");
    const char *w;
    size_t start = (skip_ws(p), p->pos);
    size_t n = read_word(p, &w);
    static const struct {
        const char *name;
        sm_type_kind_t kind;
    } simple[] = {
        {"boolean", SM_TYPE_BOOL},
        {"bool", SM_TYPE_BOOL},
        {"tinyint", SM_TYPE_INT8},
        {"byte", SM_TYPE_INT8},
        {"smallint", SM_TYPE_INT16},
        {"short", SM_TYPE_INT16},
        {"int", SM_TYPE_INT32},
        {"integer", SM_TYPE_INT32},
        {"bigint", SM_TYPE_INT64},
        {"long", SM_TYPE_INT64},
        {"float", SM_TYPE_FLOAT32},
        {"real", SM_TYPE_FLOAT32},
        {"double", SM_TYPE_FLOAT64},
        {"string", SM_TYPE_STRING},
        {"binary", SM_TYPE_BINARY},
        {"date", SM_TYPE_DATE},
        {"timestamp", SM_TYPE_TIMESTAMP_TZ},
        {"timestamp_ltz", SM_TYPE_TIMESTAMP_TZ},
        {"timestamp_ntz", SM_TYPE_TIMESTAMP},
        {"void", SM_TYPE_NULL},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (word_is(w, n, simple[i].name)) {
            *out = sm_type_of_kind(simple[i].kind);
            return SM_OK;
        }
    if (word_is(w, n, "decimal") || word_is(w, n, "dec") || word_is(w, n, "numeric"))
        return parse_decimal_args(p, out);
    bool is_array = word_is(w, n, "array"), is_map = word_is(w, n, "map");
    bool is_struct = word_is(w, n, "struct");
    if (!is_array && !is_map && !is_struct) {
        p->pos = start;
        return perr(p, n ? "unknown type" : "expected a type");
    }
    if (!accept(p, '<'))
        return perr(p, "expected '<'");
    if (is_struct)
        return parse_struct(p, depth, out);
    sm_type_t *a = NULL, *b = NULL;
    sm_err_t rc = parse_type(p, depth + 1, &a);
    if (rc)
        return rc;
    if (is_map) {
        if (!accept(p, ',')) {
            sm_type_free(a);
            return perr(p, "expected ',' between map key and value types");
        }
        if ((rc = parse_type(p, depth + 1, &b))) {
            sm_type_free(a);
            return rc;
        }
    }
    if (!accept(p, '>')) {
        sm_type_free(a);
        sm_type_free(b);
        return perr(p, "expected '>'");
    }
    *out = is_map ? sm_type_map(a, b) : sm_type_list(a);
    return *out ? SM_OK : sm_error_nomem(p->e, "type");
}

sm_err_t sm_type_parse(const char *s, size_t len, sm_type_t **out, sm_error_t *e)
{
    parser_t p = {.s = s, .len = len, .pos = 0, .e = e};
    *out = NULL;
    if (!s)
        return sm_error_set(e, SM_ERR_INVALID, "type name: no text");
    sm_type_t *t = NULL;
    sm_err_t rc = parse_type(&p, 0, &t);
    if (rc)
        return rc;
    skip_ws(&p);
    if (p.pos != p.len) {
        sm_type_free(t);
        return perr(&p, "unexpected text after the type");
    }
    *out = t;
    return SM_OK;
}
