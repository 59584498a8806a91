/*
 * connect/jsonl — the JSON lines and JSON array readers: record framing
 * over the chunked input window, schema inference, and conversion of
 * parsed records into column vectors (rules in files.h).
 *
 * Framing: JSON lines cut the window at line feeds; a JSON array is walked
 * with a small state machine ('[' value (',' value)* ']') and each element
 * is delimited by a string-aware bracket scan, then parsed on its own.  A
 * record cut by the end of the window is framed again after the next
 * chunk arrives; a record longer than max_record is SM_ERR_LIMIT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "connect/files_int.h"
#include "connect/jsonl_int.h"
#include "core/mem.h"
#include "core/str.h"

/* Inferred types, mutable while sampling. */
enum { I_NONE, I_BOOL, I_INT, I_DOUBLE, I_STRING, I_STRUCT, I_LIST };

typedef struct ity ity_t;
struct ity {
    int k;
    size_t nf, cap;
    char **names; /* STRUCT: owned */
    ity_t **kids; /* STRUCT: fields; LIST: kids[0] */
};

typedef struct jr {
    sm_file_in_t in; /* first: see files_int.h */
    sm_file_ropts_t ro;
    bool array;
    int state; /* array: 0 before '[', 1 after '[', 2 after a value, 3 after ',', 4 after ']' */
    sm_type_t *schema;
    sm_jp_t jp;
    sm_buf_t scratch;
    uint64_t line, col;         /* position of the window's pos */
    uint64_t rec_line, rec_col; /* the current record's start */
    size_t rec_off, rec_len;    /* in the window */
    bool bom_checked, done;
    uint64_t bad_rows;
    size_t nfields; /* inference: fields created so far */
} jr_t;

typedef struct jpath {
    const struct jpath *up;
    const char *name;
} jpath_t;

/* ---- messages --------------------------------------------------------- */

static sm_err_t rec_error(jr_t *r, sm_error_t *e, sm_err_t code, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static sm_err_t rec_error(jr_t *r, sm_error_t *e, sm_err_t code, size_t at, const char *fmt, ...)
{
    uint64_t line, col;
    sm_file_linecol(r->in.buf + r->rec_off, at, r->rec_line, r->rec_col, &line, &col);
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm_error_set(e, code, "%s:%llu:%llu: %s", r->in.name, (unsigned long long)line,
                        (unsigned long long)col, msg);
}

static void path_fmt(const jpath_t *p, char *out, size_t cap)
{
    if (!p || !p->up) {
        snprintf(out, cap, "%s", p ? p->name : "");
        return;
    }
    char up[300];
    path_fmt(p->up, up, sizeof up);
    snprintf(out, cap, "%s.%s", up, p->name);
}

static sm_err_t bad_row(jr_t *r, sm_err_t code, sm_error_t *e)
{
    if (!r->ro.o.skip_bad_rows || (code != SM_ERR_PARSE && code != SM_ERR_OVERFLOW))
        return code;
    r->bad_rows++;
    if (r->ro.o.on_bad_row)
        r->ro.o.on_bad_row(r->ro.o.bad_row_ctx, r->rec_line, e ? e->msg : "bad row",
                           r->in.buf + r->rec_off, r->rec_len);
    sm_error_clear(e);
    return SM_OK;
}

/* ---- framing ---------------------------------------------------------- */

static sm_err_t more(jr_t *r, sm_error_t *e)
{
    sm_err_t rc = sm_file_in_fill(&r->in, e);
    if (rc == SM_ERR_LIMIT)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "%s:%llu: record is longer than the limit of %zu bytes", r->in.name,
                            (unsigned long long)r->line, r->in.max_record);
    return rc;
}

static void advance(jr_t *r, size_t n)
{
    sm_file_linecol(r->in.buf + r->in.pos, n, r->line, r->col, &r->line, &r->col);
    r->in.pos += n;
}

/* Skips blanks; *at_end true when the file ends first. */
static sm_err_t skip_ws(jr_t *r, bool *at_end, sm_error_t *e)
{
    for (;;) {
        sm_file_in_t *in = &r->in;
        size_t p = in->pos;
        while (p < in->len && sm_str_isspace_ascii(in->buf[p]) && in->buf[p] != '\v' &&
               in->buf[p] != '\f')
            p++;
        advance(r, p - in->pos);
        if (in->pos < in->len || in->eof) {
            *at_end = in->pos >= in->len;
            return SM_OK;
        }
        sm_err_t rc = more(r, e);
        if (rc)
            return rc;
    }
}

/* The length of the JSON value starting at s (string- and bracket-aware),
 * or 0 when it does not end within n bytes. */
static size_t extent(const uint8_t *s, size_t n)
{
    size_t depth = 0, p = 0;
    bool in_str = false;
    for (; p < n; p++) {
        uint8_t c = s[p];
        if (in_str) {
            if (c == '\\')
                p++;
            else if (c == '"') {
                in_str = false;
                if (depth == 0)
                    return p + 1;
            }
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (depth == 0)
                return p; /* a scalar ended by the array's ']' */
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && (c == ',' || sm_str_isspace_ascii(c)))
            return p;
    }
    return 0;
}

static sm_err_t next_line(jr_t *r, bool *got, sm_error_t *e)
{
    sm_err_t rc;
    for (;;) {
        sm_file_in_t *in = &r->in;
        if (in->pos >= in->len) {
            if (in->eof)
                return SM_OK;
            if ((rc = more(r, e)))
                return rc;
            continue;
        }
        const uint8_t *nl = memchr(in->buf + in->pos, '\n', in->len - in->pos);
        if (!nl && !in->eof) {
            if ((rc = more(r, e)))
                return rc;
            continue;
        }
        size_t end = nl ? (size_t)(nl - in->buf) : in->len;
        r->rec_off = in->pos;
        r->rec_len = end - in->pos;
        r->rec_line = r->line;
        r->rec_col = 1;
        in->pos = nl ? end + 1 : end;
        r->line++;
        if (r->rec_len > in->max_record)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "%s:%llu: line is longer than the limit of %zu bytes", in->name,
                                (unsigned long long)r->rec_line, in->max_record);
        size_t k = 0;
        while (k < r->rec_len && sm_str_isspace_ascii(in->buf[r->rec_off + k]))
            k++;
        if (k == r->rec_len)
            continue; /* a blank line */
        *got = true;
        return SM_OK;
    }
}

static sm_err_t array_error(jr_t *r, sm_error_t *e, const char *why)
{
    return sm_error_set(e, SM_ERR_PARSE, "%s:%llu:%llu: invalid JSON: %s", r->in.name,
                        (unsigned long long)r->line, (unsigned long long)r->col, why);
}

static sm_err_t next_element(jr_t *r, bool *got, sm_error_t *e)
{
    sm_err_t rc;
    bool at_end;
    for (;;) {
        sm_file_in_t *in = &r->in;
        if ((rc = skip_ws(r, &at_end, e)))
            return rc;
        uint8_t c = at_end ? 0 : in->buf[in->pos];
        switch (r->state) {
        case 0:
            if (c != '[')
                return array_error(r, e, "expected '[' (a JSON array of objects)");
            advance(r, 1);
            r->state = 1;
            continue;
        case 2:
            if (c == ',') {
                advance(r, 1);
                r->state = 3;
                continue;
            }
            if (c == ']') {
                advance(r, 1);
                r->state = 4;
                continue;
            }
            return array_error(r, e,
                               at_end ? "unexpected end of input in the array"
                                      : "expected ',' or ']' in the array");
        case 4:
            if (!at_end)
                return array_error(r, e, "unexpected data after the array");
            return SM_OK;
        default: /* 1, 3: a value (or ']' after '[') */
            if (at_end)
                return array_error(r, e, "unexpected end of input in the array");
            if (c == ']' && r->state == 1) {
                advance(r, 1);
                r->state = 4;
                continue;
            }
            break;
        }
        size_t n = extent(in->buf + in->pos, in->len - in->pos);
        if (n == 0 && !in->eof) {
            if ((rc = more(r, e)))
                return rc;
            continue;
        }
        if (n == 0)
            n = in->len - in->pos; /* the parser says what is wrong */
        if (n == 0)
            n = 1;
        if (n > in->max_record)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "%s:%llu: array element is longer than the limit of %zu bytes",
                                in->name, (unsigned long long)r->line, in->max_record);
        r->rec_off = in->pos;
        r->rec_len = n;
        r->rec_line = r->line;
        r->rec_col = r->col;
        advance(r, n);
        r->state = 2;
        *got = true;
        return SM_OK;
    }
}

/* The next record parsed into r->jp (root is an object); *got false at
 * the end.  A bad record is an error or (skip_bad_rows) skipped. */
static sm_err_t next_record(jr_t *r, bool *got, sm_error_t *e)
{
    for (;;) {
        sm_err_t rc;
        *got = false;
        if (!r->bom_checked) {
            sm_file_in_t *in = &r->in;
            while (in->len - in->pos < 3 && !in->eof)
                if ((rc = more(r, e)))
                    return rc;
            if (in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
                in->pos += 3;
            r->bom_checked = true;
        }
        rc = r->array ? next_element(r, got, e) : next_line(r, got, e);
        if (rc || !*got)
            return rc;
        const uint8_t *s = r->in.buf + r->rec_off;
        int pr = sm_jsonl_parse(&r->jp, s, r->rec_len, e);
        if (pr == -2)
            return SM_ERR_NOMEM;
        if (pr == 0 && r->jp.nodes[0].kind != SM_J_OBJ) {
            pr = -1;
            r->jp.why = "expected a JSON object";
            r->jp.at = r->jp.nodes[0].off;
        }
        if (pr == 0)
            return SM_OK;
        rec_error(r, e, SM_ERR_PARSE, r->jp.at, "invalid JSON: %s", r->jp.why);
        if ((rc = bad_row(r, SM_ERR_PARSE, e)))
            return rc;
    }
}

/* ---- inference -------------------------------------------------------- */

static void ity_clear(ity_t *t)
{
    for (size_t i = 0; i < t->nf; i++) {
        if (t->names)
            sm_free(t->names[i]);
        ity_clear(t->kids[i]);
        sm_free(t->kids[i]);
    }
    sm_free(t->names);
    sm_free(t->kids);
    t->names = NULL;
    t->kids = NULL;
    t->nf = t->cap = 0;
}

static sm_err_t ity_add(jr_t *r, ity_t *t, const sm_jstr_t *name, sm_error_t *e)
{
    if (t->nf == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        char **nn = sm_realloc(t->names, ncap * sizeof *nn);
        if (!nn)
            return sm_error_nomem(e, "JSON schema");
        t->names = nn;
        ity_t **nk = sm_realloc(t->kids, ncap * sizeof *nk);
        if (!nk)
            return sm_error_nomem(e, "JSON schema");
        t->kids = nk;
        t->cap = ncap;
    }
    ity_t *kid = sm_calloc(1, sizeof *kid);
    char *nm = name ? sm_strndup((const char *)name->p, name->n) : NULL;
    if (!kid || (name && !nm)) {
        sm_free(kid);
        sm_free(nm);
        return sm_error_nomem(e, "JSON schema");
    }
    t->names[t->nf] = nm;
    t->kids[t->nf++] = kid;
    r->nfields++;
    return SM_OK;
}

static int kind_of(const sm_jnode_t *n)
{
    switch (n->kind) {
    case SM_J_TRUE:
    case SM_J_FALSE:
        return I_BOOL;
    case SM_J_NUM:
        if (n->is_int) {
            int64_t x;
            if (sm_parse_int((const char *)n->str.p, n->str.n, INT64_MIN, INT64_MAX, &x, NULL))
                return I_DOUBLE;
            return I_INT;
        }
        return I_DOUBLE;
    case SM_J_STR:
        return I_STRING;
    case SM_J_OBJ:
        return I_STRUCT;
    case SM_J_ARR:
        return I_LIST;
    default:
        return I_NONE;
    }
}

static sm_err_t merge(jr_t *r, ity_t *t, size_t idx, sm_error_t *e)
{
    const sm_jnode_t *n = &r->jp.nodes[idx];
    int k = kind_of(n);
    if (k == I_NONE || t->k == I_STRING)
        return SM_OK;
    if (t->k == I_NONE) {
        t->k = k;
    } else if (t->k != k) {
        if ((t->k == I_INT || t->k == I_DOUBLE) && (k == I_INT || k == I_DOUBLE))
            t->k = I_DOUBLE;
        else {
            ity_clear(t);
            t->k = I_STRING;
        }
        return SM_OK;
    }
    sm_err_t rc;
    if (k == I_LIST) {
        if (!t->nf && (rc = ity_add(r, t, NULL, e)))
            return rc;
        for (size_t c = n->first, i = 0; i < n->n; i++, c = r->jp.nodes[c].next)
            if ((rc = merge(r, t->kids[0], c, e)))
                return rc;
        return SM_OK;
    }
    if (k != I_STRUCT)
        return SM_OK;
    size_t i = 0;
    for (size_t c = n->first; i < n->n; i++, c = r->jp.nodes[c].next) {
        const sm_jstr_t *key = &r->jp.nodes[c].key;
        size_t f = SIZE_MAX;
        if (i < t->nf && strlen(t->names[i]) == key->n && !memcmp(t->names[i], key->p, key->n))
            f = i;
        for (size_t j = 0; f == SIZE_MAX && j < t->nf; j++)
            if (strlen(t->names[j]) == key->n && !memcmp(t->names[j], key->p, key->n))
                f = j;
        if (f == SIZE_MAX) {
            if (r->nfields >= r->ro.o.max_columns)
                return rec_error(r, e, SM_ERR_LIMIT, r->jp.nodes[c].off,
                                 "more than %zu fields in the inferred schema",
                                 r->ro.o.max_columns);
            if ((rc = ity_add(r, t, key, e)))
                return rc;
            f = t->nf - 1;
        }
        if ((rc = merge(r, t->kids[f], c, e)))
            return rc;
    }
    return SM_OK;
}

static sm_type_t *ity_type(const ity_t *t)
{
    switch (t->k) {
    case I_BOOL:
        return sm_type_bool();
    case I_INT:
        return sm_type_int64();
    case I_DOUBLE:
        return sm_type_float64();
    case I_LIST:
        return sm_type_list(t->nf ? ity_type(t->kids[0]) : sm_type_string());
    case I_STRUCT: {
        sm_field_t *f = sm_calloc(t->nf + 1, sizeof *f);
        if (!f)
            return NULL;
        for (size_t i = 0; i < t->nf; i++)
            f[i] = (sm_field_t){t->names[i], ity_type(t->kids[i]), true};
        sm_type_t *st = sm_type_struct(f, t->nf);
        sm_free(f);
        return st;
    }
    default:
        return sm_type_string();
    }
}

static sm_err_t infer(jr_t *r, sm_error_t *e)
{
    ity_t top = {.k = I_STRUCT};
    sm_err_t rc = SM_OK;
    for (size_t rows = 0; rows < r->ro.o.infer_rows; rows++) {
        bool got;
        if ((rc = next_record(r, &got, e)) || !got)
            break;
        if ((rc = merge(r, &top, 0, e)))
            break;
    }
    if (!rc) {
        r->schema = ity_type(&top);
        if (!r->schema)
            rc = sm_error_nomem(e, "JSON schema");
    }
    ity_clear(&top);
    return rc;
}

/* ---- values ----------------------------------------------------------- */

static sm_err_t put(jr_t *r, sm_vector_t *v, size_t idx, const jpath_t *path, sm_error_t *e);

static sm_err_t type_error(jr_t *r, const sm_jnode_t *n, const jpath_t *path, sm_vector_t *v,
                           sm_err_t code, sm_error_t *e)
{
    char q[200], tn[64], where[300];
    sm_file_quote(q, sizeof q, r->in.buf + r->rec_off + n->off, n->end - n->off);
    path_fmt(path, where, sizeof where);
    sm_type_name(v->type, tn, sizeof tn);
    sm_type_kind_t k = v->type->kind;
    const char *want = k == SM_TYPE_BOOL                                     ? "a boolean"
                       : sm_type_is_numeric(k)                               ? "a number"
                       : k == SM_TYPE_DATE                                   ? "a date string"
                       : k == SM_TYPE_TIMESTAMP || k == SM_TYPE_TIMESTAMP_TZ ? "a timestamp string"
                       : k == SM_TYPE_STRUCT || k == SM_TYPE_MAP             ? "an object"
                       : k == SM_TYPE_LIST                                   ? "an array"
                                                                             : "a string";
    if (code == SM_ERR_OVERFLOW)
        return rec_error(r, e, SM_ERR_PARSE, n->off,
                         "value out of range for field \"%s\" (%s), got %s", where, tn, q);
    return rec_error(r, e, SM_ERR_PARSE, n->off, "expected %s for field \"%s\" (%s), got %s", want,
                     where, tn, q);
}

/* The member of object node `obj` for field `name`: exact, then ignoring
 * case; `hint` is tried first.  0 when absent (node 0 is never a member). */
static size_t member(const jr_t *r, const sm_jnode_t *obj, const char *name, size_t hint)
{
    size_t len = strlen(name), c = obj->first, found = 0, nocase = 0;
    for (size_t i = 0; i < obj->n; i++, c = r->jp.nodes[c].next) {
        const sm_jstr_t *k = &r->jp.nodes[c].key;
        if (k->n != len)
            continue;
        if (!memcmp(k->p, name, len)) {
            if (i == hint)
                return c;
            found = c; /* the last of repeated keys wins */
        } else if (!nocase && sm_str_eq_nocase(sm_str_make((const char *)k->p, k->n),
                                               sm_str_make(name, len))) {
            nocase = c;
        }
    }
    return found ? found : nocase;
}

static sm_err_t put_struct(jr_t *r, sm_vector_t *v, const sm_jnode_t *n, const jpath_t *path,
                           sm_error_t *e)
{
    const sm_type_t *t = v->type;
    for (uint32_t f = 0; f < t->nfields; f++) {
        jpath_t sub = {path, t->fields[f].name};
        size_t c = member(r, n, t->fields[f].name, f);
        sm_err_t rc =
            c ? put(r, v->children[f], c, &sub, e) : sm_vector_append_null(v->children[f], e);
        if (rc)
            return rc;
    }
    return sm_vector_append_struct(v, e);
}

static sm_err_t put_scalar(jr_t *r, sm_vector_t *v, const sm_jnode_t *n, const jpath_t *path,
                           sm_error_t *e)
{
    sm_type_kind_t k = v->type->kind;
    bool ok = false;
    if (k == SM_TYPE_BOOL)
        ok = n->kind == SM_J_TRUE || n->kind == SM_J_FALSE;
    else if (sm_type_is_integer(k))
        ok = n->kind == SM_J_NUM && n->is_int;
    else if (sm_type_is_numeric(k))
        ok = n->kind == SM_J_NUM;
    else if (k == SM_TYPE_DATE || k == SM_TYPE_TIMESTAMP || k == SM_TYPE_TIMESTAMP_TZ ||
             k == SM_TYPE_BINARY)
        ok = n->kind == SM_J_STR;
    if (!ok)
        return type_error(r, n, path, v, SM_ERR_PARSE, e);
    if (k == SM_TYPE_BOOL)
        return sm_vector_append_bool(v, n->kind == SM_J_TRUE, e);
    if (k == SM_TYPE_INT64 && n->str.n <= 18) {
        int64_t x = 0;
        bool neg = n->str.p[0] == '-';
        for (size_t i = neg; i < n->str.n; i++)
            x = x * 10 + (n->str.p[i] - '0');
        return sm_vector_append_i64(v, neg ? -x : x, e);
    }
    sm_error_t pe;
    sm_err_t rc = sm_vector_append_text(v, (const char *)n->str.p, n->str.n, &pe);
    if (rc == SM_ERR_PARSE || rc == SM_ERR_OVERFLOW)
        return type_error(r, n, path, v, rc, e);
    if (rc && e)
        *e = pe;
    return rc;
}

static sm_err_t put(jr_t *r, sm_vector_t *v, size_t idx, const jpath_t *path, sm_error_t *e)
{
    const sm_jnode_t *n = &r->jp.nodes[idx];
    sm_type_kind_t k = v->type->kind;
    sm_err_t rc;
    if (n->kind == SM_J_NULL || k == SM_TYPE_NULL)
        return sm_vector_append_null(v, e);
    switch (k) {
    case SM_TYPE_STRING:
        if (n->kind == SM_J_STR)
            return sm_vector_append_bytes(v, n->str.p, n->str.n, e);
        return sm_vector_append_bytes(v, r->in.buf + r->rec_off + n->off, n->end - n->off, e);
    case SM_TYPE_STRUCT:
        if (n->kind != SM_J_OBJ)
            return type_error(r, n, path, v, SM_ERR_PARSE, e);
        return put_struct(r, v, n, path, e);
    case SM_TYPE_LIST:
        if (n->kind != SM_J_ARR)
            return type_error(r, n, path, v, SM_ERR_PARSE, e);
        for (size_t c = n->first, i = 0; i < n->n; i++, c = r->jp.nodes[c].next)
            if ((rc = put(r, v->children[0], c, path, e)))
                return rc;
        return sm_vector_append_list(v, e);
    case SM_TYPE_MAP: {
        if (n->kind != SM_J_OBJ)
            return type_error(r, n, path, v, SM_ERR_PARSE, e);
        sm_vector_t *ent = v->children[0];
        for (size_t c = n->first, i = 0; i < n->n; i++, c = r->jp.nodes[c].next) {
            const sm_jstr_t *key = &r->jp.nodes[c].key;
            sm_error_t pe;
            if (sm_vector_append_text(ent->children[0], (const char *)key->p, key->n, &pe))
                return rec_error(r, e, SM_ERR_PARSE, r->jp.nodes[c].off,
                                 "map key does not fit its type: %s", pe.msg);
            if ((rc = put(r, ent->children[1], c, path, e)) ||
                (rc = sm_vector_append_struct(ent, e)))
                return rc;
        }
        return sm_vector_append_list(v, e);
    }
    default:
        return put_scalar(r, v, n, path, e);
    }
}

static sm_err_t append_row(jr_t *r, sm_batch_t *b, sm_error_t *e)
{
    const sm_jnode_t *root = &r->jp.nodes[0];
    const sm_type_t *t = r->schema;
    sm_err_t rc = SM_OK;
    for (uint32_t f = 0; f < t->nfields && !rc; f++) {
        jpath_t path = {NULL, t->fields[f].name};
        size_t c = member(r, root, t->fields[f].name, f);
        rc = c ? put(r, b->cols[f], c, &path, e) : sm_vector_append_null(b->cols[f], e);
    }
    if (rc) {
        for (size_t j = 0; j < b->ncols; j++)
            sm_vector_truncate(b->cols[j], b->nrows);
        return bad_row(r, rc, e);
    }
    b->nrows++;
    return SM_OK;
}

/* ---- the reader ------------------------------------------------------- */

static void jr_close(void *self)
{
    jr_t *r = self;
    if (!r)
        return;
    sm_file_in_free(&r->in);
    sm_free(r->ro.null_value);
    sm_type_free(r->schema);
    sm_free(r->jp.nodes);
    sm_buf_free(&r->scratch);
    sm_free(r);
}

static sm_err_t jr_next(void *self, sm_batch_t **out, sm_error_t *e)
{
    jr_t *r = self;
    sm_batch_t *b = NULL;
    *out = NULL;
    if (r->done)
        return SM_OK;
    sm_err_t rc = sm_batch_new(r->schema, r->ro.o.batch_rows, &b, e);
    if (rc)
        return rc;
    while (b->nrows < r->ro.o.batch_rows) {
        bool got;
        if ((rc = next_record(r, &got, e)))
            break;
        if (!got) {
            r->done = true;
            break;
        }
        if ((rc = append_row(r, b, e)))
            break;
    }
    if (rc || b->nrows == 0) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

static void rewind_all(jr_t *r)
{
    sm_file_in_rewind(&r->in);
    r->line = r->col = 1;
    r->state = 0;
    r->bom_checked = false;
    r->bad_rows = 0;
}

sm_err_t sm_jsonl_reader_open(sm_file_in_t *in, const sm_file_ropts_t *ro, sm_type_t *schema,
                              bool array, sm_file_reader_t *out, sm_error_t *e)
{
    jr_t *r = sm_calloc(1, sizeof *r);
    if (!r) {
        sm_file_in_free(in);
        return sm_error_nomem(e, "JSON reader");
    }
    r->in = *in;
    memset(in, 0, sizeof *in);
    r->ro = *ro;
    r->ro.null_value = NULL;
    r->array = array;
    r->jp.scratch = &r->scratch;
    rewind_all(r);
    sm_err_t rc = SM_OK;
    if (schema) {
        r->schema = sm_type_ref(schema);
    } else {
        if ((rc = infer(r, e)))
            goto out;
        rewind_all(r);
    }
    out->self = r;
    out->next = jr_next;
    out->close = jr_close;
    out->schema = r->schema;
    out->bad_rows = &r->bad_rows;
out:
    if (rc)
        jr_close(r);
    return rc;
}
