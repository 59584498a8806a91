/*
 * connect/csv — the CSV reader: a record tokenizer over the chunked input
 * window, schema inference over a sample, and conversion of fields into
 * column vectors (rules in files.h).
 *
 * Tokenizing: parse_record() looks for one whole record starting at the
 * window's pos.  When the record is cut by the end of the window (and the
 * file goes on) it answers P_MORE; the caller reads another chunk and the
 * record is tokenized again from its start, so quoted fields, CRLF pairs
 * and delimiters split across chunks need no state.  A record is at most
 * max_record bytes (the window is bounded), and every loop advances.
 * Fields are (offset, length) pairs into the window, valid until the next
 * fill; quoted fields with doubled quotes or escapes are unescaped into a
 * scratch buffer when read.
 */
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "connect/files_int.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

enum { P_ERR = -1, P_MORE = 0, P_OK = 1 };

typedef struct csv_field {
    size_t start; /* window offset of the raw field (its quote, if any) */
    size_t off;   /* window offset of the content */
    size_t len;   /* content length */
    bool quoted;  /* started with a quote */
    bool escaped; /* has doubled quotes or escapes to undo */
} csv_field_t;

typedef struct csv {
    sm_file_in_t in; /* first: see files_int.h */
    sm_file_ropts_t ro;
    sm_type_t *schema;
    size_t ncols;
    bool trailing; /* the header ended with a delimiter */
    csv_field_t *f;
    size_t nf, fcap;
    size_t rec_start, rec_end; /* the current record in the window */
    uint64_t line;             /* line where the next record starts */
    uint64_t rec_line;         /* line where the current record starts */
    uint64_t rec_lines;        /* line breaks in it, its end included */
    bool bom_checked;
    bool done;
    uint64_t bad_rows;
    sm_buf_t scratch;
    uint8_t us[256]; /* ends an unquoted field: delimiter, CR, LF */
    uint8_t qs[256]; /* stops the quoted scan: quote, escape, LF */
} csv_t;

/* ---- tokenizing ------------------------------------------------------- */

static sm_err_t at_error(csv_t *c, sm_error_t *e, sm_err_t code, size_t at, const char *fmt,
                         const char *what)
{
    uint64_t line, col;
    sm_file_linecol(c->in.buf + c->rec_start, at - c->rec_start, c->rec_line, 1, &line, &col);
    char msg[600];
    snprintf(msg, sizeof msg, fmt, what ? what : "");
    return sm_error_set(e, code, "%s:%llu:%llu: %s", c->in.name, (unsigned long long)line,
                        (unsigned long long)col, msg);
}

static int add_field(csv_t *c, size_t start, size_t off, size_t len, bool quoted, bool escaped,
                     sm_error_t *e)
{
    const sm_file_opts_t *o = &c->ro.o;
    if (len > o->max_field_bytes) {
        char lim[64];
        snprintf(lim, sizeof lim, "%zu", o->max_field_bytes);
        at_error(c, e, SM_ERR_LIMIT, start, "field is longer than the limit of %s bytes", lim);
        return P_ERR;
    }
    if (c->nf >= o->max_columns) {
        char lim[64];
        snprintf(lim, sizeof lim, "%zu", o->max_columns);
        at_error(c, e, SM_ERR_LIMIT, start, "row has more than %s fields", lim);
        return P_ERR;
    }
    if (c->nf == c->fcap) {
        size_t ncap = c->fcap ? c->fcap * 2 : 16;
        csv_field_t *nf = sm_realloc(c->f, ncap * sizeof *nf);
        if (!nf) {
            sm_error_nomem(e, "CSV fields");
            return P_ERR;
        }
        c->f = nf;
        c->fcap = ncap;
    }
    c->f[c->nf++] = (csv_field_t){start, off, len, quoted, escaped};
    return P_OK;
}

/* Scans a quoted field from p (just after its opening quote).  On P_OK
 * *pp is past the closing quote and *len the content's length. */
static int scan_quoted(csv_t *c, size_t *pp, size_t *len, bool *escaped, uint64_t *nl, size_t start,
                       sm_error_t *e)
{
    const uint8_t *buf = c->in.buf;
    size_t p = *pp, end = c->in.len, off = p;
    const uint8_t q = (uint8_t)c->ro.o.quote, esc = (uint8_t)c->ro.o.escape;
    for (;;) {
        while (p < end && !c->qs[buf[p]])
            p++;
        if (p >= end) {
            if (!c->in.eof)
                return P_MORE;
            at_error(c, e, SM_ERR_PARSE, start, "unterminated quoted field%s", NULL);
            return P_ERR;
        }
        uint8_t ch = buf[p];
        if (ch == '\n') {
            (*nl)++;
            p++;
            continue;
        }
        if (esc && ch == esc && esc != q) {
            if (p + 1 >= end) {
                if (!c->in.eof)
                    return P_MORE;
                at_error(c, e, SM_ERR_PARSE, start, "unterminated quoted field%s", NULL);
                return P_ERR;
            }
            if (buf[p + 1] == '\n')
                (*nl)++;
            p += 2;
            *escaped = true;
            continue;
        }
        /* a quote: doubled, or the closing one */
        if (p + 1 >= end && !c->in.eof)
            return P_MORE;
        if (p + 1 < end && buf[p + 1] == q) {
            p += 2;
            *escaped = true;
            continue;
        }
        *len = p - off;
        *pp = p + 1;
        return P_OK;
    }
}

/* One record from the window's pos: P_OK (fields in c->f, c->rec_end set,
 * c->line advanced), P_MORE, or P_ERR. */
static int parse_record(csv_t *c, sm_error_t *e)
{
    const uint8_t *buf = c->in.buf;
    size_t p = c->in.pos, end = c->in.len;
    const bool eof = c->in.eof;
    const uint8_t q = (uint8_t)c->ro.o.quote, d = (uint8_t)c->ro.o.delimiter;
    uint64_t nl = 0, term = 1;
    int r;
    c->nf = 0;
    c->rec_start = p;
    c->rec_line = c->line;
    for (;;) {
        size_t start = p, off, len;
        bool quoted = false, escaped = false;
        if (q && p < end && buf[p] == q) {
            quoted = true;
            off = ++p;
            if ((r = scan_quoted(c, &p, &len, &escaped, &nl, start, e)) != P_OK)
                return r;
            if (p < end && buf[p] != d && buf[p] != '\n' && buf[p] != '\r') {
                at_error(c, e, SM_ERR_PARSE, p,
                         "unexpected character after a closing quote%s (a quote inside a "
                         "quoted field must be doubled)",
                         NULL);
                return P_ERR;
            }
        } else {
            off = p;
            while (p < end && !c->us[buf[p]])
                p++;
            if (p >= end && !eof)
                return P_MORE;
            len = p - off;
        }
        if ((r = add_field(c, start, off, len, quoted, escaped, e)) != P_OK)
            return r;
        if (p >= end) {
            term = 0; /* the last record, without a line break */
            break;
        }
        uint8_t ch = buf[p];
        if (ch == d) {
            p++;
            continue;
        }
        if (ch == '\r') {
            if (p + 1 >= end && !eof)
                return P_MORE;
            p++;
            if (p < end && buf[p] == '\n')
                p++;
            break;
        }
        p++; /* '\n' */
        break;
    }
    c->rec_end = p;
    c->rec_lines = nl + term;
    return P_OK;
}

/* Reads another chunk; a record that outgrows the limit is an error. */
static sm_err_t more(csv_t *c, sm_error_t *e)
{
    sm_err_t rc = sm_file_in_fill(&c->in, e);
    if (rc == SM_ERR_LIMIT)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "%s:%llu: record is longer than the limit of %zu bytes", c->in.name,
                            (unsigned long long)c->line, c->in.max_record);
    return rc;
}

/* The next record into c->f; *got false at the end of the file. */
static sm_err_t read_record(csv_t *c, bool *got, sm_error_t *e)
{
    sm_err_t rc;
    *got = false;
    for (;;) {
        sm_file_in_t *in = &c->in;
        if (!c->bom_checked) {
            if (in->len - in->pos < 3 && !in->eof) {
                if ((rc = more(c, e)))
                    return rc;
                continue;
            }
            if (in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
                in->pos += 3;
            c->bom_checked = true;
        }
        if (in->pos >= in->len) {
            if (in->eof)
                return SM_OK;
            if ((rc = more(c, e)))
                return rc;
            continue;
        }
        uint8_t ch = in->buf[in->pos];
        if (ch == '\n' || ch == '\r') { /* an empty line */
            if (ch == '\r' && in->pos + 1 >= in->len && !in->eof) {
                if ((rc = more(c, e)))
                    return rc;
                continue;
            }
            in->pos++;
            if (ch == '\r' && in->pos < in->len && in->buf[in->pos] == '\n')
                in->pos++;
            c->line++;
            continue;
        }
        if (c->ro.o.comment && ch == (uint8_t)c->ro.o.comment) {
            const uint8_t *nlp = memchr(in->buf + in->pos, '\n', in->len - in->pos);
            if (!nlp && !in->eof) {
                if ((rc = more(c, e)))
                    return rc;
                continue;
            }
            in->pos = nlp ? (size_t)(nlp - in->buf) + 1 : in->len;
            c->line++;
            continue;
        }
        int r = parse_record(c, e);
        if (r == P_ERR)
            return e ? e->code : SM_ERR_PARSE;
        if (r == P_MORE) {
            if (in->eof)
                return sm_error_set(e, SM_ERR_INTERNAL, "%s: CSV tokenizer stalled", in->name);
            if ((rc = more(c, e)))
                return rc;
            continue;
        }
        if (c->rec_end - c->rec_start > in->max_record)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "%s:%llu: record is longer than the limit of %zu bytes", in->name,
                                (unsigned long long)c->line, in->max_record);
        size_t bad;
        if (!sm_file_utf8_ok(in->buf + c->rec_start, c->rec_end - c->rec_start, &bad))
            return at_error(c, e, SM_ERR_PARSE, c->rec_start + bad,
                            "invalid UTF-8%s (files must be UTF-8 encoded)", NULL);
        c->line += c->rec_lines;
        in->pos = c->rec_end;
        *got = true;
        return SM_OK;
    }
}

/* The text of field i (unescaped when needed) and whether it is NULL
 * under the null_value rule (string columns; others also treat an empty
 * field as NULL). */
static sm_err_t field_text(csv_t *c, size_t i, const uint8_t **p, size_t *n, bool *is_null,
                           sm_error_t *e)
{
    const csv_field_t *f = &c->f[i];
    const uint8_t *s = c->in.buf + f->off;
    *is_null = !f->quoted && f->len == c->ro.null_len && memcmp(s, c->ro.null_value, f->len) == 0;
    if (!f->escaped) {
        *p = s;
        *n = f->len;
        return SM_OK;
    }
    sm_buf_reset(&c->scratch);
    sm_err_t rc = sm_buf_reserve(&c->scratch, f->len, e);
    if (rc)
        return rc;
    const uint8_t q = (uint8_t)c->ro.o.quote, esc = (uint8_t)c->ro.o.escape;
    uint8_t *o = c->scratch.data;
    size_t k = 0;
    for (size_t j = 0; j < f->len; j++) {
        if (((esc && s[j] == esc) || s[j] == q) && j + 1 < f->len)
            j++;
        o[k++] = s[j];
    }
    c->scratch.len = k;
    *p = o;
    *n = k;
    return SM_OK;
}

/* ---- values ----------------------------------------------------------- */

static bool fast_int(const uint8_t *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        if (++i == n)
            return false;
    }
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned dg = (unsigned)p[i] - '0';
        if (dg > 9)
            return false;
        v = v * 10 + dg;
    }
    *out = neg ? -v : v;
    return true;
}

static const char *expected(sm_type_kind_t k)
{
    switch (k) {
    case SM_TYPE_BOOL:
        return "a boolean";
    case SM_TYPE_DATE:
        return "a date (yyyy-MM-dd)";
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return "a timestamp (yyyy-MM-dd HH:MM:SS)";
    default:
        return sm_type_is_numeric(k) ? "a number" : "a value";
    }
}

static sm_err_t value_error(csv_t *c, size_t col, sm_err_t code, const uint8_t *p, size_t n,
                            sm_error_t *e)
{
    const sm_field_t *fd = &c->schema->fields[col];
    char q[200], tn[64], what[400];
    sm_file_quote(q, sizeof q, p, n);
    if (code == SM_ERR_OVERFLOW)
        snprintf(what, sizeof what, "value out of range for column \"%s\" (%s), got %s", fd->name,
                 sm_type_name(fd->type, tn, sizeof tn), q);
    else
        snprintf(what, sizeof what, "expected %s for column \"%s\", got %s",
                 expected(fd->type->kind), fd->name, q);
    return at_error(c, e, SM_ERR_PARSE, c->f[col].start, "%s", what);
}

static sm_err_t put_value(csv_t *c, sm_vector_t *v, size_t col, sm_error_t *e)
{
    const uint8_t *p;
    size_t n;
    bool is_null;
    sm_err_t rc = field_text(c, col, &p, &n, &is_null, e);
    if (rc)
        return rc;
    sm_type_kind_t k = v->type->kind;
    if (k == SM_TYPE_STRING || k == SM_TYPE_BINARY)
        return is_null ? sm_vector_append_null(v, e) : sm_vector_append_bytes(v, p, n, e);
    if (is_null || n == 0)
        return sm_vector_append_null(v, e);
    int64_t x;
    if (k == SM_TYPE_INT64 && fast_int(p, n, &x))
        return sm_vector_append_i64(v, x, e);
    if (k == SM_TYPE_INT32 && fast_int(p, n, &x) && x >= INT32_MIN && x <= INT32_MAX)
        return sm_vector_append_i32(v, (int32_t)x, e);
    sm_error_t pe;
    rc = sm_vector_append_text(v, (const char *)p, n, &pe);
    if (rc == SM_ERR_PARSE || rc == SM_ERR_OVERFLOW)
        return value_error(c, col, rc, p, n, e);
    if (rc && e)
        *e = pe;
    return rc;
}

/* ---- inference -------------------------------------------------------- */

/* Candidate types in lattice order; STRING absorbs everything. */
enum { T_NONE, T_BOOL, T_INT, T_BIGINT, T_DOUBLE, T_DATE, T_TS, T_STRING };

static bool is_digit(uint8_t ch)
{
    return ch >= '0' && ch <= '9';
}

static bool looks_double(const uint8_t *p, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    while (i < n && is_digit(p[i]))
        i++, digits++;
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && is_digit(p[i]))
            i++, digits++;
    }
    if (!digits)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < n && is_digit(p[i]))
            i++, ed++;
        if (!ed)
            return false;
    }
    return i == n;
}

static bool date_prefix(const uint8_t *p, size_t n)
{
    if (n < 10 || p[4] != '-' || p[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(p[i]))
            return false;
    return true;
}

static int classify(const uint8_t *p, size_t n)
{
    if (n == 4 && sm_str_eq_nocase(sm_str_make((const char *)p, n), SM_STR_LIT("true")))
        return T_BOOL;
    if (n == 5 && sm_str_eq_nocase(sm_str_make((const char *)p, n), SM_STR_LIT("false")))
        return T_BOOL;
    size_t i = (n && (p[0] == '+' || p[0] == '-')) ? 1 : 0, j = i;
    while (j < n && is_digit(p[j]))
        j++;
    if (j == n && j > i) {
        int64_t x;
        if (sm_parse_int((const char *)p, n, INT32_MIN, INT32_MAX, &x, NULL) == SM_OK)
            return T_INT;
        if (sm_parse_int((const char *)p, n, INT64_MIN, INT64_MAX, &x, NULL) == SM_OK)
            return T_BIGINT;
        return T_DOUBLE;
    }
    if (looks_double(p, n))
        return T_DOUBLE;
    if (date_prefix(p, n)) {
        int32_t d;
        int64_t ts;
        if (n == 10)
            return sm_parse_date((const char *)p, n, &d, NULL) == SM_OK ? T_DATE : T_STRING;
        if (n >= 16 && (p[10] == 'T' || p[10] == ' ') &&
            sm_parse_timestamp((const char *)p, n, &ts, NULL, NULL) == SM_OK)
            return T_TS;
    }
    return T_STRING;
}

static int merge(int a, int b)
{
    if (a == T_NONE || a == b)
        return b;
    if (b == T_NONE)
        return a;
    bool na = a >= T_INT && a <= T_DOUBLE, nb = b >= T_INT && b <= T_DOUBLE;
    if (na && nb)
        return a > b ? a : b;
    if ((a == T_DATE || a == T_TS) && (b == T_DATE || b == T_TS))
        return T_TS;
    return T_STRING;
}

static sm_type_t *type_of(int t)
{
    switch (t) {
    case T_BOOL:
        return sm_type_bool();
    case T_INT:
        return sm_type_int32();
    case T_BIGINT:
        return sm_type_int64();
    case T_DOUBLE:
        return sm_type_float64();
    case T_DATE:
        return sm_type_date();
    case T_TS:
        return sm_type_timestamp_tz();
    default:
        return sm_type_string();
    }
}

/* A ragged row: an error, or a skipped bad row. */
static sm_err_t ragged(csv_t *c, bool *skip, sm_error_t *e);

/* Whether the current record has the right number of fields. */
static bool fits(const csv_t *c)
{
    if (c->nf == c->ncols)
        return true;
    const csv_field_t *last = &c->f[c->nf - 1];
    return c->trailing && c->nf == c->ncols + 1 && !last->quoted && last->len == 0;
}

static sm_err_t report_bad(csv_t *c, sm_err_t code, sm_error_t *e)
{
    if (!c->ro.o.skip_bad_rows || (code != SM_ERR_PARSE && code != SM_ERR_OVERFLOW))
        return code;
    c->bad_rows++;
    if (c->ro.o.on_bad_row)
        c->ro.o.on_bad_row(c->ro.o.bad_row_ctx, c->rec_line, e ? e->msg : "bad row",
                           c->in.buf + c->rec_start, c->rec_end - c->rec_start);
    sm_error_clear(e);
    return SM_OK;
}

static sm_err_t ragged(csv_t *c, bool *skip, sm_error_t *e)
{
    uint64_t line, col;
    sm_file_linecol(c->in.buf + c->rec_start, 0, c->rec_line, 1, &line, &col);
    sm_error_set(e, SM_ERR_PARSE, "%s:%llu:1: row has %zu fields, expected %zu", c->in.name,
                 (unsigned long long)line, c->nf, c->ncols);
    *skip = true;
    return report_bad(c, SM_ERR_PARSE, e);
}

static sm_err_t infer(csv_t *c, bool have_first, char **names, sm_error_t *e)
{
    int *t = NULL;
    char(*nm)[24] = NULL;
    sm_field_t *fields = NULL;
    sm_err_t rc = SM_OK;
    size_t rows = 0;
    bool got = have_first;
    if (!got && (rc = read_record(c, &got, e)))
        return rc;
    if (!names)
        c->ncols = got ? c->nf : 0;
    t = sm_calloc(c->ncols + 1, sizeof *t);
    fields = sm_calloc(c->ncols + 1, sizeof *fields);
    if (!t || !fields) {
        rc = sm_error_nomem(e, "CSV inference");
        goto out;
    }
    while (got && rows < c->ro.o.infer_rows) {
        bool skip = false;
        if (!fits(c) && (rc = ragged(c, &skip, e)))
            goto out;
        for (size_t i = 0; !skip && i < c->ncols; i++) {
            if (t[i] == T_STRING)
                continue;
            const uint8_t *p;
            size_t n;
            bool is_null;
            if ((rc = field_text(c, i, &p, &n, &is_null, e)))
                goto out;
            if (is_null || n == 0)
                continue;
            t[i] = merge(t[i], classify(p, n));
        }
        rows++;
        if ((rc = read_record(c, &got, e)))
            goto out;
    }
    if (!names && !(nm = sm_calloc(c->ncols + 1, sizeof *nm))) {
        rc = sm_error_nomem(e, "CSV inference");
        goto out;
    }
    for (size_t i = 0; i < c->ncols; i++) {
        if (!names)
            snprintf(nm[i], sizeof nm[i], "_c%zu", i);
        fields[i] = (sm_field_t){names ? names[i] : nm[i], type_of(t[i]), true};
    }
    c->schema = sm_type_struct(fields, c->ncols);
    if (!c->schema)
        rc = sm_error_nomem(e, "CSV schema");
out:
    sm_free(t);
    sm_free(nm);
    sm_free(fields);
    return rc;
}

/* Header names: unescaped, empty → _c<i>, repeats → name_<i>. */
static sm_err_t header_names(csv_t *c, char ***out, sm_error_t *e)
{
    size_t n = c->ncols;
    char **names = sm_calloc(n + 1, sizeof *names);
    if (!names)
        return sm_error_nomem(e, "CSV header");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const uint8_t *p;
        size_t len;
        bool is_null;
        if ((rc = field_text(c, i, &p, &len, &is_null, e)))
            break;
        char buf[32];
        if (len == 0) {
            snprintf(buf, sizeof buf, "_c%zu", i);
            p = (const uint8_t *)buf;
            len = strlen(buf);
        }
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strlen(names[j]) == len && memcmp(names[j], p, len) == 0;
        sm_buf_t b = SM_BUF_INIT;
        if ((rc = sm_buf_append(&b, p, len, e)) ||
            (dup && (rc = sm_buf_printf(&b, e, "_%zu", i)))) {
            sm_buf_free(&b);
            break;
        }
        names[i] = (char *)sm_buf_detach(&b, &len);
        if (!names[i])
            rc = sm_error_nomem(e, "CSV header");
    }
    if (rc) {
        for (size_t i = 0; i < n; i++)
            sm_free(names[i]);
        sm_free(names);
        return rc;
    }
    *out = names;
    return SM_OK;
}

/* ---- the reader ------------------------------------------------------- */

static void csv_close(void *self)
{
    csv_t *c = self;
    if (!c)
        return;
    sm_file_in_free(&c->in);
    sm_free(c->ro.null_value);
    sm_type_free(c->schema);
    sm_free(c->f);
    sm_buf_free(&c->scratch);
    sm_free(c);
}

static sm_err_t append_row(csv_t *c, sm_batch_t *b, sm_error_t *e)
{
    bool skip = false;
    sm_err_t rc = SM_OK;
    if (!fits(c))
        return ragged(c, &skip, e);
    for (size_t i = 0; i < c->ncols; i++) {
        if ((rc = put_value(c, b->cols[i], i, e))) {
            for (size_t j = 0; j < c->ncols; j++)
                sm_vector_truncate(b->cols[j], b->nrows);
            return report_bad(c, rc, e);
        }
    }
    b->nrows++;
    return SM_OK;
}

static sm_err_t csv_next(void *self, sm_batch_t **out, sm_error_t *e)
{
    csv_t *c = self;
    sm_batch_t *b = NULL;
    *out = NULL;
    if (c->done)
        return SM_OK;
    sm_err_t rc = sm_batch_new(c->schema, c->ro.o.batch_rows, &b, e);
    if (rc)
        return rc;
    while (b->nrows < c->ro.o.batch_rows) {
        bool got;
        if ((rc = read_record(c, &got, e)))
            break;
        if (!got) {
            c->done = true;
            break;
        }
        if ((rc = append_row(c, b, e)))
            break;
    }
    if (rc || b->nrows == 0) {
        sm_batch_free(b);
        return rc;
    }
    *out = b;
    return SM_OK;
}

static void tables(csv_t *c)
{
    const sm_file_opts_t *o = &c->ro.o;
    c->us[(uint8_t)o->delimiter] = c->us['\r'] = c->us['\n'] = 1;
    c->qs['\n'] = 1;
    if (o->quote)
        c->qs[(uint8_t)o->quote] = 1;
    if (o->escape)
        c->qs[(uint8_t)o->escape] = 1;
}

sm_err_t sm_csv_reader_open(sm_file_in_t *in, const sm_file_ropts_t *ro, sm_type_t *schema,
                            sm_file_reader_t *out, sm_error_t *e)
{
    char **names = NULL;
    size_t nnames = 0;
    csv_t *c = sm_calloc(1, sizeof *c);
    if (!c) {
        sm_file_in_free(in);
        return sm_error_nomem(e, "CSV reader");
    }
    c->in = *in;
    memset(in, 0, sizeof *in);
    c->ro = *ro;
    c->ro.null_value = sm_strdup(ro->null_value);
    c->line = 1;
    tables(c);
    sm_err_t rc = SM_OK;
    if (!c->ro.null_value) {
        rc = sm_error_nomem(e, "CSV reader");
        goto out;
    }
    bool got = false;
    if (!c->ro.o.no_header) {
        if ((rc = read_record(c, &got, e)))
            goto out;
        c->ncols = got ? c->nf : 0;
        if (got && c->nf > 1 && !c->f[c->nf - 1].quoted && c->f[c->nf - 1].len == 0) {
            c->trailing = true;
            c->ncols--;
        }
        if (!schema && (rc = header_names(c, &names, e)))
            goto out;
        nnames = names ? c->ncols : 0;
        got = false;
    }
    if (schema) {
        if (!c->ro.o.no_header && c->ncols != schema->nfields) {
            rc = sm_error_set(e, SM_ERR_INVALID, "%s:1: header has %zu columns, the schema has %u",
                              c->in.name, c->ncols, schema->nfields);
            goto out;
        }
        c->schema = sm_type_ref(schema);
        c->ncols = schema->nfields;
    } else {
        if ((rc = infer(c, got, names, e)))
            goto out;
        /* read again from the start */
        sm_file_in_rewind(&c->in);
        c->line = 1;
        c->bom_checked = false;
        c->bad_rows = 0;
        if (!c->ro.o.no_header && (rc = read_record(c, &got, e)))
            goto out;
    }
    out->self = c;
    out->next = csv_next;
    out->close = csv_close;
    out->schema = c->schema;
    out->bad_rows = &c->bad_rows;
out:
    for (size_t i = 0; i < nnames; i++)
        sm_free(names[i]);
    sm_free(names);
    if (rc)
        csv_close(c);
    return rc;
}
