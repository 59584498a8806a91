#include "sql/parser.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sql/lexer.h"

typedef sm_sql_token_t tok_t;

typedef struct parser {
    sm_str_t src;
    const tok_t *t;
    size_t nt, i;
    sm_arena_t *a;
    sm_sql_limits_t lim;
    size_t depth, height, nodes;
    size_t alias_tok;              /* index + 1 of the last token read as an implicit alias */
    const sm_sql_token_t *neg_tok; /* a '-' read before the number about to be parsed */
    sm_err_t rc;
    sm_error_t *e;
} P;

/* Binary operator precedence levels (higher binds tighter). */
enum { PREC_CMP = 1, PREC_BITOR, PREC_BITXOR, PREC_BITAND, PREC_ADD, PREC_MUL };

/* ---- tokens -------------------------------------------------------------- */

static const tok_t *cur(const P *p)
{
    return &p->t[p->i];
}

static const tok_t *ahead(const P *p, size_t k)
{
    size_t j = p->i + k;
    return &p->t[j < p->nt ? j : p->nt - 1];
}

static void adv(P *p)
{
    if (p->i + 1 < p->nt)
        p->i++;
}

static bool is(const P *p, sm_sql_tok_kind_t k)
{
    return cur(p)->kind == k;
}

static bool tok_kw(const tok_t *t, sm_sql_kw_t kw)
{
    return t->kind == SM_SQL_TOK_IDENT && t->kw == kw;
}

static bool is_kw(const P *p, sm_sql_kw_t kw)
{
    return tok_kw(cur(p), kw);
}

static bool accept(P *p, sm_sql_tok_kind_t k)
{
    if (!is(p, k))
        return false;
    adv(p);
    return true;
}

static bool accept_kw(P *p, sm_sql_kw_t kw)
{
    if (!is_kw(p, kw))
        return false;
    adv(p);
    return true;
}

static sm_sql_pos_t pos_of(const tok_t *t)
{
    return (sm_sql_pos_t){.line = t->line, .col = t->col, .off = t->off};
}

/* A word usable as a name, unless it is a keyword with one of `forbid`. */
static bool ident_ok(const tok_t *t, unsigned forbid)
{
    return t->kind == SM_SQL_TOK_QIDENT ||
           (t->kind == SM_SQL_TOK_IDENT && !(sm_sql_keyword_flags((sm_sql_kw_t)t->kw) & forbid));
}

static bool query_start(const tok_t *t)
{
    return tok_kw(t, SM_SQL_KW_SELECT) || tok_kw(t, SM_SQL_KW_WITH) || tok_kw(t, SM_SQL_KW_VALUES);
}

/* At "(": does a query follow, possibly after more "("? */
static bool paren_query(const P *p)
{
    size_t k = 0;
    while (ahead(p, k)->kind == SM_SQL_TOK_LPAREN)
        k++;
    return k > 0 && query_start(ahead(p, k));
}

/* ---- errors -------------------------------------------------------------- */

static const char *const suggest_words[] = {
    "SELECT",   "FROM",      "WHERE",       "GROUP",     "HAVING",    "ORDER",     "LIMIT",
    "OFFSET",   "JOIN",      "LEFT",        "RIGHT",     "INNER",     "OUTER",     "FULL",
    "CROSS",    "USING",     "UNION",       "INTERSECT", "EXCEPT",    "DISTINCT",  "BETWEEN",
    "LIKE",     "CASE",      "WHEN",        "THEN",      "ELSE",      "VALUES",    "INSERT",
    "INTO",     "UPDATE",    "DELETE",      "MERGE",     "CREATE",    "TABLE",     "EXPLAIN",
    "DESCRIBE", "PARTITION", "PARTITIONED", "OVER",      "NULLS",     "MATCHED",   "WITH",
    "SHOW",     "TABLES",    "OVERWRITE",   "PRECEDING", "FOLLOWING", "UNBOUNDED", "CURRENT",
};

static const char *suggest(const P *p, const tok_t *t)
{
    if (t->kind != SM_SQL_TOK_IDENT || t->kw != SM_SQL_KW_NONE || t->len < 4)
        return NULL;
    return sm_str_did_you_mean(sm_str_make(p->src.p + t->off, t->len), suggest_words,
                               sizeof suggest_words / sizeof suggest_words[0]);
}

/* Quotes a token as written, at most 40 bytes (cut on a character). */
static void quote_tok(const P *p, const tok_t *t, char *buf, size_t cap)
{
    size_t n = t->len;
    const char *s = p->src.p + t->off;
    bool cut = n > 40;
    if (cut) {
        n = 40;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(buf, cap, "\"%.*s%s\"", (int)n, s, cut ? "..." : "");
}

static sm_err_t fail_at(P *p, const tok_t *t, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static sm_err_t fail_at(P *p, const tok_t *t, sm_err_t code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->rc = sm_error_set(p->e, code, "line %u, column %u: %s", t->line, t->col, msg);
    return p->rc;
}

/* "expected <what>, found <token>" at the current token. */
static sm_err_t expected(P *p, const char *what)
{
    const tok_t *t = cur(p);
    if (t->kind == SM_SQL_TOK_EOF)
        return fail_at(p, t, SM_ERR_PARSE, "unexpected end of input (expected %s)", what);
    char found[64], hint[128] = "";
    quote_tok(p, t, found, sizeof found);
    const char *s = suggest(p, t);
    if (s) {
        snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", s);
    } else if (p->alias_tok && p->alias_tok == p->i) {
        const tok_t *al = &p->t[p->i - 1];
        s = suggest(p, al);
        if (s)
            snprintf(hint, sizeof hint, " (\"%.*s\" was read as an alias; did you mean \"%s\"?)",
                     (int)al->len, p->src.p + al->off, s);
    }
    return fail_at(p, t, SM_ERR_PARSE, "expected %s, found %s%s", what, found, hint);
}

static sm_err_t expect(P *p, sm_sql_tok_kind_t k, const char *what)
{
    return accept(p, k) ? SM_OK : expected(p, what);
}

static sm_err_t expect_kw(P *p, sm_sql_kw_t kw, const char *what)
{
    return accept_kw(p, kw) ? SM_OK : expected(p, what);
}

/* ---- limits and allocation ----------------------------------------------- */

static sm_err_t enter(P *p)
{
    if (++p->depth > p->lim.max_depth)
        return fail_at(p, cur(p), SM_ERR_LIMIT, "nesting deeper than %zu levels", p->lim.max_depth);
    if (++p->height > p->lim.max_height)
        return fail_at(p, cur(p), SM_ERR_LIMIT, "expression nested deeper than %zu levels",
                       p->lim.max_height);
    return SM_OK;
}

static void leave(P *p)
{
    p->depth--;
    p->height--;
}

/* One more link in a left-associative chain (a + b + c ...). */
static sm_err_t chain(P *p, size_t *links)
{
    (*links)++;
    if (++p->height > p->lim.max_height)
        return fail_at(p, cur(p), SM_ERR_LIMIT, "expression nested deeper than %zu levels",
                       p->lim.max_height);
    return SM_OK;
}

static bool count_node(P *p)
{
    if (++p->nodes > p->lim.max_nodes) {
        fail_at(p, cur(p), SM_ERR_LIMIT, "statement too large (more than %zu syntax nodes)",
                p->lim.max_nodes);
        return false;
    }
    return true;
}

static void *nomem(P *p)
{
    p->rc = sm_error_nomem(p->e, "SQL syntax tree");
    return NULL;
}

static sm_err_t oom(P *p)
{
    nomem(p);
    return p->rc;
}

static sm_sql_expr_t *mk_expr(P *p, sm_sql_expr_kind_t kind, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_expr_t *x = sm_sql_expr_new(p->a, kind, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_table_t *mk_table(P *p, sm_sql_table_kind_t kind, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_table_t *x = sm_sql_table_new(p->a, kind, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_body_t *mk_body(P *p, sm_sql_body_kind_t kind, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_body_t *x = sm_sql_body_new(p->a, kind, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_query_t *mk_query(P *p, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_query_t *x = sm_sql_query_new(p->a, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_type_t *mk_type(P *p, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_type_t *x = sm_sql_type_new(p->a, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_window_t *mk_window(P *p, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_window_t *x = sm_sql_window_new(p->a, pos_of(t));
    return x ? x : nomem(p);
}

static sm_sql_stmt_t *mk_stmt(P *p, sm_sql_stmt_kind_t kind, const tok_t *t)
{
    if (!count_node(p))
        return NULL;
    sm_sql_stmt_t *x = sm_sql_stmt_new(p->a, kind, pos_of(t));
    return x ? x : nomem(p);
}

#define NEW_OR_FAIL(var, call)                                                                     \
    do {                                                                                           \
        if (!((var) = (call)))                                                                     \
            return p->rc;                                                                          \
    } while (0)

/* Grows an arena array to hold n + 1 elements (old copies are left in the
 * arena: at most twice the final size). */
static void *grow(P *p, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    if (!count_node(p))
        return NULL;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *na = sm_arena_alloc(p->a, ncap * elem);
    if (!na)
        return nomem(p);
    if (n)
        memcpy(na, arr, n * elem);
    *cap = ncap;
    return na;
}

#define PUSH(arr, n, cap, val)                                                                     \
    do {                                                                                           \
        void *g_ = grow(p, (arr), (n), &(cap), sizeof *(arr));                                     \
        if (!g_)                                                                                   \
            return p->rc;                                                                          \
        (arr) = g_;                                                                                \
        (arr)[(n)++] = (val);                                                                      \
    } while (0)

#define TRY(call)                                                                                  \
    do {                                                                                           \
        sm_err_t rc_ = (call);                                                                     \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static sm_err_t make_ident(P *p, const tok_t *t, sm_sql_ident_t *out)
{
    out->name = sm_sql_token_ident(p->src, t, p->a);
    if (!out->name) {
        nomem(p);
        return p->rc;
    }
    out->pos = pos_of(t);
    out->quoted = t->kind == SM_SQL_TOK_QIDENT;
    return SM_OK;
}

/* A name part that must not be a keyword with `forbid` flags. */
static sm_err_t parse_ident(P *p, unsigned forbid, const char *what, sm_sql_ident_t *out)
{
    if (!ident_ok(cur(p), forbid))
        return expected(p, what);
    TRY(make_ident(p, cur(p), out));
    adv(p);
    return SM_OK;
}

/* ( a, b, ... ) */
static sm_err_t parse_ident_list(P *p, const char *what, sm_sql_ident_t **out, size_t *n)
{
    size_t cap = 0;
    TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\""));
    do {
        sm_sql_ident_t id;
        TRY(parse_ident(p, SM_SQL_KWF_EXPR, what, &id));
        PUSH(*out, *n, cap, id);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the column list");
}

/* a.b.c — the first part must not be a reserved word; stops before ".*". */
static sm_err_t parse_name(P *p, const char *what, sm_sql_name_t *out)
{
    size_t cap = 0;
    sm_sql_ident_t id;
    out->parts = NULL;
    out->nparts = 0;
    TRY(parse_ident(p, SM_SQL_KWF_EXPR, what, &id));
    PUSH(out->parts, out->nparts, cap, id);
    while (is(p, SM_SQL_TOK_DOT) &&
           (ahead(p, 1)->kind == SM_SQL_TOK_IDENT || ahead(p, 1)->kind == SM_SQL_TOK_QIDENT)) {
        adv(p);
        TRY(parse_ident(p, 0, "a name after \".\"", &id));
        PUSH(out->parts, out->nparts, cap, id);
    }
    return SM_OK;
}

static sm_err_t parse_table_name(P *p, sm_sql_name_t *out)
{
    const tok_t *t = cur(p);
    TRY(parse_name(p, "a table name", out));
    if (out->nparts > 3)
        return fail_at(p, t, SM_ERR_PARSE,
                       "table name has %zu parts (at most 3: catalog.layer.table)", out->nparts);
    return SM_OK;
}

/* ---- forward declarations ------------------------------------------------ */

static sm_err_t parse_expr(P *p, sm_sql_expr_t **out);
static sm_err_t parse_binary(P *p, int minprec, sm_sql_expr_t **out);
static sm_err_t parse_unary(P *p, sm_sql_expr_t **out);
static sm_err_t parse_query(P *p, sm_sql_query_t **out);
static sm_err_t parse_type(P *p, sm_sql_type_t **out);
static sm_err_t parse_table_primary(P *p, sm_sql_table_t **out);
static sm_err_t parse_stmt(P *p, sm_sql_stmt_t **out);

/* expr, expr, ... into a new array */
static sm_err_t parse_expr_list(P *p, sm_sql_expr_t ***out, size_t *n)
{
    size_t cap = 0;
    do {
        sm_sql_expr_t *x = NULL;
        TRY(parse_expr(p, &x));
        PUSH(*out, *n, cap, x);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return SM_OK;
}

/* ---- types ---------------------------------------------------------------- */

static sm_err_t parse_type_args(P *p, sm_sql_type_t *ty)
{
    size_t cap = 0, fcap = 0, nf = 0;
    bool is_struct = strcmp(ty->name, "struct") == 0;
    adv(p); /* < */
    if (is_struct && accept(p, SM_SQL_TOK_GT))
        return SM_OK;
    do {
        if (is_struct) {
            sm_sql_ident_t f;
            TRY(parse_ident(p, 0, "a struct field name", &f));
            PUSH(ty->fields, nf, fcap, f);
            accept(p, SM_SQL_TOK_COLON);
        }
        sm_sql_type_t *arg = NULL;
        TRY(parse_type(p, &arg));
        PUSH(ty->args, ty->nargs, cap, arg);
    } while (accept(p, SM_SQL_TOK_COMMA));
    size_t want = strcmp(ty->name, "array") == 0 ? 1 : strcmp(ty->name, "map") == 0 ? 2 : 0;
    if (want && ty->nargs != want)
        return fail_at(p, cur(p), SM_ERR_PARSE, "%s<...> takes %zu type%s, found %zu", ty->name,
                       want, want == 1 ? "" : "s", ty->nargs);
    return expect(p, SM_SQL_TOK_GT, "\">\" to close the type");
}

static sm_err_t parse_type_params(P *p, sm_sql_type_t *ty)
{
    adv(p); /* ( */
    do {
        const tok_t *t = cur(p);
        uint64_t v;
        if (t->kind != SM_SQL_TOK_NUMBER || t->num_flags || t->suffix ||
            sm_str_to_u64(sm_str_make(p->src.p + t->off, t->len), &v, NULL) || v > INT32_MAX)
            return expected(p, "a type size (an integer)");
        if (ty->nparams == 2)
            return fail_at(p, t, SM_ERR_PARSE, "a type takes at most 2 sizes");
        ty->params[ty->nparams++] = (int64_t)v;
        adv(p);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the type size");
}

static sm_err_t parse_type(P *p, sm_sql_type_t **out)
{
    const tok_t *t = cur(p);
    if (t->kind != SM_SQL_TOK_IDENT && t->kind != SM_SQL_TOK_QIDENT)
        return expected(p, "a type name");
    TRY(enter(p));
    sm_sql_type_t *ty = NULL;
    NEW_OR_FAIL(ty, mk_type(p, t));
    char *name = sm_sql_token_ident(p->src, t, p->a);
    if (!name)
        return oom(p);
    sm_str_lower(name, strlen(name));
    ty->name = name;
    adv(p);
    if (is(p, SM_SQL_TOK_NE) && !strcmp(name, "struct"))
        adv(p); /* struct<> lexes as "<>" */
    else if (is(p, SM_SQL_TOK_LT) &&
             (!strcmp(name, "array") || !strcmp(name, "map") || !strcmp(name, "struct")))
        TRY(parse_type_args(p, ty));
    else if (is(p, SM_SQL_TOK_LPAREN))
        TRY(parse_type_params(p, ty));
    leave(p);
    *out = ty;
    return SM_OK;
}

/* ---- literals -------------------------------------------------------------- */

static sm_err_t number_text(P *p, const tok_t *t, bool neg, sm_str_t *out)
{
    size_t len = t->len - (t->suffix == 'B' ? 2 : t->suffix ? 1 : 0);
    char *s = sm_arena_alloc(p->a, len + 2);
    if (!s)
        return oom(p);
    size_t k = 0;
    if (neg)
        s[k++] = '-';
    memcpy(s + k, p->src.p + t->off, len);
    s[k + len] = '\0';
    *out = sm_str_make(s, k + len);
    return SM_OK;
}

static sm_err_t int_literal(P *p, const tok_t *t, bool neg, sm_sql_literal_t *lit)
{
    sm_str_t digits = sm_str_make(lit->text.p + neg, lit->text.n - neg);
    uint64_t mag;
    if (sm_str_to_u64(digits, &mag, NULL) != SM_OK) {
        if (t->suffix == 0) { /* beyond 64 bits: a decimal(38,0) at most */
            lit->kind = SM_SQL_LIT_DECIMAL;
            return SM_OK;
        }
        return fail_at(p, t, SM_ERR_PARSE, "%s literal out of range",
                       t->suffix == 'Y'   ? "tinyint"
                       : t->suffix == 'S' ? "smallint"
                                          : "bigint");
    }
    int64_t lo, hi;
    switch (t->suffix) {
    case 'Y':
        lit->kind = SM_SQL_LIT_TINYINT;
        lo = INT8_MIN;
        hi = INT8_MAX;
        break;
    case 'S':
        lit->kind = SM_SQL_LIT_SMALLINT;
        lo = INT16_MIN;
        hi = INT16_MAX;
        break;
    case 'L':
        lit->kind = SM_SQL_LIT_BIGINT;
        lo = INT64_MIN;
        hi = INT64_MAX;
        break;
    default:
        lo = INT32_MIN;
        hi = INT32_MAX;
        lit->kind = SM_SQL_LIT_INT;
        if (neg ? mag > (uint64_t)INT32_MAX + 1 : mag > INT32_MAX) {
            lit->kind = SM_SQL_LIT_BIGINT;
            lo = INT64_MIN;
            hi = INT64_MAX;
        }
        if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > INT64_MAX) {
            lit->kind = SM_SQL_LIT_DECIMAL;
            return SM_OK;
        }
    }
    if (neg ? mag > (uint64_t)(-(lo + 1)) + 1 : mag > (uint64_t)hi)
        return fail_at(p, t, SM_ERR_PARSE, "%s literal out of range",
                       t->suffix == 'Y'   ? "tinyint"
                       : t->suffix == 'S' ? "smallint"
                                          : "bigint");
    lit->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return SM_OK;
}

/* A number, negated when neg_tok (the '-' before it) is not NULL. */
static sm_err_t parse_number(P *p, const tok_t *neg_tok, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    bool neg = neg_tok != NULL;
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LITERAL, neg ? neg_tok : t));
    sm_sql_literal_t *lit = &x->u.lit;
    TRY(number_text(p, t, neg, &lit->text));
    lit->suffix = t->suffix;
    bool integral = !(t->num_flags & (SM_SQL_NUM_DOT | SM_SQL_NUM_EXP));
    if (t->suffix == 'B' ||
        (!t->suffix && (t->num_flags & SM_SQL_NUM_DOT) && !(t->num_flags & SM_SQL_NUM_EXP))) {
        lit->kind = SM_SQL_LIT_DECIMAL;
    } else if (integral && t->suffix != 'D' && t->suffix != 'F') {
        TRY(int_literal(p, t, neg, lit));
    } else {
        lit->kind = t->suffix == 'F' ? SM_SQL_LIT_FLOAT : SM_SQL_LIT_DOUBLE;
        if (sm_str_to_double(lit->text, &lit->d, NULL) != SM_OK ||
            (lit->kind == SM_SQL_LIT_FLOAT && fabs(lit->d) > FLT_MAX))
            return fail_at(p, t, SM_ERR_PARSE, "%s literal out of range",
                           lit->kind == SM_SQL_LIT_FLOAT ? "float" : "double");
    }
    adv(p);
    *out = x;
    return SM_OK;
}

/* One or more adjacent string tokens ('a' 'b' is 'ab', as in Spark). */
static sm_err_t parse_string_value(P *p, sm_str_t *out)
{
    sm_err_t rc = sm_sql_token_string(p->src, cur(p), p->a, out, p->e);
    if (rc)
        return p->rc = rc;
    adv(p);
    while (is(p, SM_SQL_TOK_STRING)) {
        sm_str_t more;
        if ((rc = sm_sql_token_string(p->src, cur(p), p->a, &more, p->e)))
            return p->rc = rc;
        char *s = sm_arena_alloc(p->a, out->n + more.n + 1);
        if (!s)
            return oom(p);
        memcpy(s, out->p, out->n);
        memcpy(s + out->n, more.p, more.n);
        s[out->n + more.n] = '\0';
        *out = sm_str_make(s, out->n + more.n);
        adv(p);
    }
    return SM_OK;
}

static sm_err_t parse_string_lit(P *p, sm_sql_lit_kind_t kind, const tok_t *start,
                                 sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LITERAL, start));
    x->u.lit.kind = kind;
    TRY(parse_string_value(p, &x->u.lit.text));
    *out = x;
    return SM_OK;
}

static int nibble(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static sm_err_t parse_hex(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LITERAL, t));
    const char *h = p->src.p + t->off + 2;
    size_t nh = t->len - 3, nb = (nh + 1) / 2;
    char *b = sm_arena_alloc(p->a, nb + 1);
    if (!b)
        return oom(p);
    size_t j = 0;
    for (size_t k = 0; k < nb; k++) {
        int hi = 0; /* an odd count of digits gets a leading 0 nibble */
        if (k > 0 || !(nh & 1))
            hi = nibble(h[j++]);
        b[k] = (char)(hi * 16 + nibble(h[j++]));
    }
    b[nb] = '\0';
    x->u.lit.kind = SM_SQL_LIT_BINARY;
    x->u.lit.text = sm_str_make(b, nb);
    adv(p);
    *out = x;
    return SM_OK;
}

static const struct {
    const char *word, *unit;
} interval_units[] = {
    {"YEAR", "YEAR"},
    {"YEARS", "YEAR"},
    {"MONTH", "MONTH"},
    {"MONTHS", "MONTH"},
    {"WEEK", "WEEK"},
    {"WEEKS", "WEEK"},
    {"DAY", "DAY"},
    {"DAYS", "DAY"},
    {"HOUR", "HOUR"},
    {"HOURS", "HOUR"},
    {"MINUTE", "MINUTE"},
    {"MINUTES", "MINUTE"},
    {"SECOND", "SECOND"},
    {"SECONDS", "SECOND"},
    {"MILLISECOND", "MILLISECOND"},
    {"MILLISECONDS", "MILLISECOND"},
    {"MICROSECOND", "MICROSECOND"},
    {"MICROSECONDS", "MICROSECOND"},
};
#define NUNITS (sizeof interval_units / sizeof interval_units[0])

static const char *interval_unit(const P *p, const tok_t *t)
{
    if (t->kind != SM_SQL_TOK_IDENT)
        return NULL;
    sm_str_t w = sm_str_make(p->src.p + t->off, t->len);
    for (size_t k = 0; k < NUNITS; k++)
        if (sm_str_eq_nocase(w, sm_str_c(interval_units[k].word)))
            return interval_units[k].unit;
    return NULL;
}

static sm_err_t expect_unit(P *p, const char **unit)
{
    *unit = interval_unit(p, cur(p));
    if (*unit) {
        adv(p);
        return SM_OK;
    }
    const tok_t *t = cur(p);
    if (t->kind == SM_SQL_TOK_IDENT) {
        const char *words[NUNITS];
        for (size_t k = 0; k < NUNITS; k++)
            words[k] = interval_units[k].word;
        const char *s = sm_str_did_you_mean(sm_str_make(p->src.p + t->off, t->len), words, NUNITS);
        if (s)
            return fail_at(p, t, SM_ERR_PARSE,
                           "unknown interval unit \"%.*s\" (did you mean \"%s\"?)", (int)t->len,
                           p->src.p + t->off, s);
    }
    return expected(p, "an interval unit (YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND...)");
}

/* Does "[+-] (number|string) unit" start at the current token? */
static bool interval_part_follows(const P *p)
{
    size_t k = 0;
    if (is(p, SM_SQL_TOK_PLUS) || is(p, SM_SQL_TOK_MINUS))
        k++;
    sm_sql_tok_kind_t kind = ahead(p, k)->kind;
    return (kind == SM_SQL_TOK_NUMBER || kind == SM_SQL_TOK_STRING) &&
           interval_unit(p, ahead(p, k + 1));
}

static sm_err_t parse_interval_part(P *p, sm_sql_interval_part_t *part)
{
    bool neg = false;
    if (is(p, SM_SQL_TOK_PLUS) || is(p, SM_SQL_TOK_MINUS)) {
        neg = is(p, SM_SQL_TOK_MINUS);
        adv(p);
    }
    const tok_t *t = cur(p);
    if (t->kind == SM_SQL_TOK_NUMBER) {
        if (t->suffix)
            return fail_at(p, t, SM_ERR_PARSE, "an interval value takes no type suffix");
        TRY(number_text(p, t, neg, &part->value));
        adv(p);
    } else if (t->kind == SM_SQL_TOK_STRING) {
        TRY(parse_string_value(p, &part->value));
        part->quoted = true;
        if (neg) {
            char *s = sm_arena_alloc(p->a, part->value.n + 2);
            if (!s)
                return oom(p);
            s[0] = '-';
            memcpy(s + 1, part->value.p, part->value.n + 1);
            part->value = sm_str_make(s, part->value.n + 1);
        }
    } else {
        return expected(p, "an interval value (a number or a string)");
    }
    return SM_OK;
}

static sm_err_t parse_interval(P *p, sm_sql_expr_t **out)
{
    const tok_t *start = cur(p);
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LITERAL, start));
    sm_sql_literal_t *lit = &x->u.lit;
    lit->kind = SM_SQL_LIT_INTERVAL;
    adv(p); /* INTERVAL */
    size_t cap = 0;
    do {
        sm_sql_interval_part_t part = {0};
        TRY(parse_interval_part(p, &part));
        if (lit->nparts == 0 && part.quoted && !interval_unit(p, cur(p))) {
            PUSH(lit->parts, lit->nparts, cap, part); /* INTERVAL '3 days' */
            break;
        }
        TRY(expect_unit(p, &part.unit));
        PUSH(lit->parts, lit->nparts, cap, part);
        if (lit->nparts == 1 && part.quoted && accept_kw(p, SM_SQL_KW_TO)) {
            TRY(expect_unit(p, &lit->to_unit));
            break;
        }
    } while (interval_part_follows(p));
    *out = x;
    return SM_OK;
}

/* ---- primary expressions ----------------------------------------------------- */

static sm_err_t parse_case(P *p, sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_CASE, cur(p)));
    adv(p); /* CASE */
    if (is_kw(p, SM_SQL_KW_END))
        return expected(p, "WHEN in CASE");
    if (!is_kw(p, SM_SQL_KW_WHEN))
        TRY(parse_expr(p, &x->u.case_.operand));
    size_t wcap = 0, tcap = 0, n = 0;
    do {
        sm_sql_expr_t *w = NULL, *th = NULL;
        TRY(expect_kw(p, SM_SQL_KW_WHEN, "WHEN in CASE"));
        TRY(parse_expr(p, &w));
        TRY(expect_kw(p, SM_SQL_KW_THEN, "THEN after the WHEN condition"));
        TRY(parse_expr(p, &th));
        PUSH(x->u.case_.whens, x->u.case_.nwhens, wcap, w);
        PUSH(x->u.case_.thens, n, tcap, th);
    } while (is_kw(p, SM_SQL_KW_WHEN));
    if (accept_kw(p, SM_SQL_KW_ELSE))
        TRY(parse_expr(p, &x->u.case_.else_));
    TRY(expect_kw(p, SM_SQL_KW_END, "END to close CASE"));
    *out = x;
    return SM_OK;
}

static sm_err_t parse_cast(P *p, sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_CAST, cur(p)));
    x->u.cast.try_ = is_kw(p, SM_SQL_KW_TRY_CAST);
    adv(p);
    adv(p); /* ( */
    TRY(parse_expr(p, &x->u.cast.arg));
    TRY(expect_kw(p, SM_SQL_KW_AS, "AS in CAST"));
    TRY(parse_type(p, &x->u.cast.type));
    TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" to close CAST"));
    *out = x;
    return SM_OK;
}

/* EXTRACT(field FROM e) is date_part('FIELD', e). */
static sm_err_t parse_extract(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_expr_t *x = NULL, *field = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_FUNC, t));
    adv(p);
    adv(p); /* ( */
    if (cur(p)->kind != SM_SQL_TOK_IDENT)
        return expected(p, "a field name in EXTRACT (YEAR, MONTH, DAY...)");
    NEW_OR_FAIL(field, mk_expr(p, SM_SQL_EXPR_LITERAL, cur(p)));
    field->u.lit.kind = SM_SQL_LIT_STRING;
    char *f = sm_sql_token_ident(p->src, cur(p), p->a);
    if (!f)
        return oom(p);
    sm_str_upper(f, strlen(f));
    field->u.lit.text = sm_str_c(f);
    adv(p);
    TRY(expect_kw(p, SM_SQL_KW_FROM, "FROM in EXTRACT"));
    sm_sql_expr_t *arg = NULL;
    TRY(parse_expr(p, &arg));
    TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" to close EXTRACT"));
    sm_sql_expr_t **args = sm_arena_alloc(p->a, 2 * sizeof *args);
    sm_sql_ident_t *part = sm_arena_calloc(p->a, sizeof *part);
    if (!args || !part)
        return oom(p);
    args[0] = field;
    args[1] = arg;
    part->name = "date_part";
    part->pos = pos_of(t);
    x->u.func.name = (sm_sql_name_t){.parts = part, .nparts = 1};
    x->u.func.args = args;
    x->u.func.nargs = 2;
    *out = x;
    return SM_OK;
}

static sm_err_t parse_sort_list(P *p, sm_sql_sort_t **out, size_t *n)
{
    size_t cap = 0;
    do {
        sm_sql_sort_t s = {0};
        TRY(parse_expr(p, &s.expr));
        if (accept_kw(p, SM_SQL_KW_ASC))
            s.dir = SM_SQL_SORT_ASC;
        else if (accept_kw(p, SM_SQL_KW_DESC))
            s.dir = SM_SQL_SORT_DESC;
        if (accept_kw(p, SM_SQL_KW_NULLS)) {
            if (accept_kw(p, SM_SQL_KW_FIRST))
                s.nulls = SM_SQL_NULLS_FIRST;
            else if (accept_kw(p, SM_SQL_KW_LAST))
                s.nulls = SM_SQL_NULLS_LAST;
            else
                return expected(p, "FIRST or LAST after NULLS");
        }
        PUSH(*out, *n, cap, s);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return SM_OK;
}

static sm_err_t parse_bound(P *p, sm_sql_bound_t *b)
{
    if (accept_kw(p, SM_SQL_KW_UNBOUNDED)) {
        if (accept_kw(p, SM_SQL_KW_PRECEDING))
            b->kind = SM_SQL_BOUND_UNBOUNDED_PRECEDING;
        else if (accept_kw(p, SM_SQL_KW_FOLLOWING))
            b->kind = SM_SQL_BOUND_UNBOUNDED_FOLLOWING;
        else
            return expected(p, "PRECEDING or FOLLOWING after UNBOUNDED");
        return SM_OK;
    }
    if (is_kw(p, SM_SQL_KW_CURRENT) && tok_kw(ahead(p, 1), SM_SQL_KW_ROW)) {
        adv(p);
        adv(p);
        b->kind = SM_SQL_BOUND_CURRENT_ROW;
        return SM_OK;
    }
    TRY(parse_binary(p, PREC_CMP, &b->offset));
    if (accept_kw(p, SM_SQL_KW_PRECEDING))
        b->kind = SM_SQL_BOUND_PRECEDING;
    else if (accept_kw(p, SM_SQL_KW_FOLLOWING))
        b->kind = SM_SQL_BOUND_FOLLOWING;
    else
        return expected(p, "PRECEDING or FOLLOWING after the frame offset");
    return SM_OK;
}

static sm_err_t parse_window(P *p, sm_sql_window_t **out)
{
    const tok_t *t = cur(p);
    TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\" after OVER (named windows are not supported)"));
    sm_sql_window_t *w = NULL;
    NEW_OR_FAIL(w, mk_window(p, t));
    if (accept_kw(p, SM_SQL_KW_PARTITION) || accept_kw(p, SM_SQL_KW_DISTRIBUTE)) {
        TRY(expect_kw(p, SM_SQL_KW_BY, "BY after PARTITION"));
        TRY(parse_expr_list(p, &w->partition, &w->npartition));
    }
    if (accept_kw(p, SM_SQL_KW_ORDER) || accept_kw(p, SM_SQL_KW_SORT)) {
        TRY(expect_kw(p, SM_SQL_KW_BY, "BY after ORDER"));
        TRY(parse_sort_list(p, &w->order, &w->norder));
    }
    if (is_kw(p, SM_SQL_KW_ROWS) || is_kw(p, SM_SQL_KW_RANGE)) {
        w->unit = is_kw(p, SM_SQL_KW_ROWS) ? SM_SQL_FRAME_ROWS : SM_SQL_FRAME_RANGE;
        adv(p);
        if (accept_kw(p, SM_SQL_KW_BETWEEN)) {
            w->between = true;
            TRY(parse_bound(p, &w->start));
            TRY(expect_kw(p, SM_SQL_KW_AND, "AND in the window frame"));
            TRY(parse_bound(p, &w->end));
        } else {
            TRY(parse_bound(p, &w->start));
        }
    }
    TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the window specification"));
    *out = w;
    return SM_OK;
}

static sm_err_t parse_arg(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    if ((t->kind == SM_SQL_TOK_IDENT || t->kind == SM_SQL_TOK_QIDENT) &&
        ahead(p, 1)->kind == SM_SQL_TOK_ARROW) {
        sm_sql_expr_t *x = NULL;
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_NAMED_ARG, t));
        x->u.named.name = sm_sql_token_ident(p->src, t, p->a);
        if (!x->u.named.name)
            return oom(p);
        adv(p);
        adv(p);
        TRY(parse_expr(p, &x->u.named.value));
        *out = x;
        return SM_OK;
    }
    return parse_expr(p, out);
}

/* ( [DISTINCT] args ) for calls and table functions; at "(". */
static sm_err_t parse_args(P *p, sm_sql_expr_t ***args, size_t *nargs, bool *distinct, bool *star)
{
    size_t cap = 0;
    adv(p); /* ( */
    if (star && is(p, SM_SQL_TOK_STAR) && ahead(p, 1)->kind == SM_SQL_TOK_RPAREN) {
        adv(p);
        *star = true;
    } else if (!is(p, SM_SQL_TOK_RPAREN)) {
        if (distinct && accept_kw(p, SM_SQL_KW_DISTINCT))
            *distinct = true;
        else if (distinct)
            accept_kw(p, SM_SQL_KW_ALL);
        do {
            sm_sql_expr_t *x = NULL;
            TRY(parse_arg(p, &x));
            PUSH(*args, *nargs, cap, x);
        } while (accept(p, SM_SQL_TOK_COMMA));
    }
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after function arguments");
}

static sm_err_t parse_call(P *p, const tok_t *start, sm_sql_name_t name, sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_FUNC, start));
    x->u.func.name = name;
    TRY(parse_args(p, &x->u.func.args, &x->u.func.nargs, &x->u.func.distinct, &x->u.func.star));
    if (is_kw(p, SM_SQL_KW_FILTER) && ahead(p, 1)->kind == SM_SQL_TOK_LPAREN) {
        adv(p);
        adv(p);
        TRY(expect_kw(p, SM_SQL_KW_WHERE, "WHERE after FILTER ("));
        TRY(parse_expr(p, &x->u.func.filter));
        TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the FILTER condition"));
    }
    if (accept_kw(p, SM_SQL_KW_OVER))
        TRY(parse_window(p, &x->u.func.over));
    *out = x;
    return SM_OK;
}

static sm_err_t parse_paren(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    if (query_start(ahead(p, 1))) {
        sm_sql_expr_t *x = NULL;
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_SUBQUERY, t));
        adv(p);
        TRY(parse_query(p, &x->u.query));
        TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the subquery"));
        *out = x;
        return SM_OK;
    }
    adv(p);
    TRY(parse_expr(p, out));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" to close \"(\"");
}

static sm_err_t parse_name_expr(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_name_t name;
    TRY(parse_name(p, "an expression", &name));
    if (is(p, SM_SQL_TOK_LPAREN))
        return parse_call(p, t, name, out);
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_COLUMN, t));
    x->u.column = name;
    *out = x;
    return SM_OK;
}

static sm_err_t parse_keyword_primary(P *p, bool *done, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p), *t1 = ahead(p, 1);
    sm_sql_expr_t *x = NULL;
    *done = true;
    switch ((sm_sql_kw_t)t->kw) {
    case SM_SQL_KW_CASE:
        return parse_case(p, out);
    case SM_SQL_KW_CAST:
    case SM_SQL_KW_TRY_CAST:
        if (t1->kind == SM_SQL_TOK_LPAREN)
            return parse_cast(p, out);
        break;
    case SM_SQL_KW_EXTRACT:
        if (t1->kind == SM_SQL_TOK_LPAREN && ahead(p, 3)->kind == SM_SQL_TOK_IDENT &&
            ahead(p, 3)->kw == SM_SQL_KW_FROM)
            return parse_extract(p, out);
        break;
    case SM_SQL_KW_EXISTS:
        if (t1->kind == SM_SQL_TOK_LPAREN && query_start(ahead(p, 2))) {
            NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_EXISTS, t));
            adv(p);
            adv(p);
            TRY(parse_query(p, &x->u.query));
            TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the EXISTS subquery"));
            *out = x;
            return SM_OK;
        }
        break;
    case SM_SQL_KW_NULL:
    case SM_SQL_KW_TRUE:
    case SM_SQL_KW_FALSE:
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LITERAL, t));
        x->u.lit.kind = t->kw == SM_SQL_KW_NULL ? SM_SQL_LIT_NULL : SM_SQL_LIT_BOOL;
        x->u.lit.b = t->kw == SM_SQL_KW_TRUE;
        adv(p);
        *out = x;
        return SM_OK;
    case SM_SQL_KW_DATE:
    case SM_SQL_KW_TIMESTAMP:
    case SM_SQL_KW_TIMESTAMP_LTZ:
    case SM_SQL_KW_TIMESTAMP_NTZ:
        if (t1->kind == SM_SQL_TOK_STRING) {
            adv(p);
            return parse_string_lit(p,
                                    t->kw == SM_SQL_KW_DATE            ? SM_SQL_LIT_DATE
                                    : t->kw == SM_SQL_KW_TIMESTAMP_NTZ ? SM_SQL_LIT_TIMESTAMP_NTZ
                                                                       : SM_SQL_LIT_TIMESTAMP,
                                    t, out);
        }
        break;
    case SM_SQL_KW_INTERVAL:
        if (t1->kind == SM_SQL_TOK_NUMBER || t1->kind == SM_SQL_TOK_STRING ||
            ((t1->kind == SM_SQL_TOK_MINUS || t1->kind == SM_SQL_TOK_PLUS) &&
             (ahead(p, 2)->kind == SM_SQL_TOK_NUMBER || ahead(p, 2)->kind == SM_SQL_TOK_STRING)))
            return parse_interval(p, out);
        break;
    case SM_SQL_KW_CURRENT_DATE:
    case SM_SQL_KW_CURRENT_TIMESTAMP:
    case SM_SQL_KW_CURRENT_USER:
        if (t1->kind != SM_SQL_TOK_LPAREN) {
            sm_sql_ident_t *part = sm_arena_calloc(p->a, sizeof *part);
            if (!part)
                return oom(p);
            TRY(make_ident(p, t, part));
            NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_FUNC, t));
            x->u.func.name = (sm_sql_name_t){.parts = part, .nparts = 1};
            adv(p);
            *out = x;
            return SM_OK;
        }
        break;
    default:
        break;
    }
    *done = false;
    return SM_OK;
}

static sm_err_t parse_primary(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    const tok_t *neg_tok = p->neg_tok;
    p->neg_tok = NULL;
    switch ((sm_sql_tok_kind_t)t->kind) {
    case SM_SQL_TOK_NUMBER:
        return parse_number(p, neg_tok, out);
    case SM_SQL_TOK_STRING:
        return parse_string_lit(p, SM_SQL_LIT_STRING, t, out);
    case SM_SQL_TOK_HEX:
        return parse_hex(p, out);
    case SM_SQL_TOK_LPAREN:
        return parse_paren(p, out);
    case SM_SQL_TOK_IDENT: {
        bool done;
        TRY(parse_keyword_primary(p, &done, out));
        if (done)
            return SM_OK;
        return parse_name_expr(p, out);
    }
    case SM_SQL_TOK_QIDENT:
        return parse_name_expr(p, out);
    default:
        return expected(p, "an expression");
    }
}

static sm_err_t parse_postfix(P *p, sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL, *y = NULL;
    size_t links = 0;
    TRY(parse_primary(p, &x));
    for (;;) {
        const tok_t *t = cur(p);
        if (t->kind == SM_SQL_TOK_DCOLON) {
            NEW_OR_FAIL(y, mk_expr(p, SM_SQL_EXPR_CAST, t));
            adv(p);
            y->u.cast.arg = x;
            TRY(parse_type(p, &y->u.cast.type));
        } else if (t->kind == SM_SQL_TOK_LBRACKET) {
            NEW_OR_FAIL(y, mk_expr(p, SM_SQL_EXPR_SUBSCRIPT, t));
            adv(p);
            y->u.subscript.arg = x;
            TRY(parse_expr(p, &y->u.subscript.index));
            TRY(expect(p, SM_SQL_TOK_RBRACKET, "\"]\" after the subscript"));
        } else if (t->kind == SM_SQL_TOK_DOT) {
            NEW_OR_FAIL(y, mk_expr(p, SM_SQL_EXPR_FIELD, t));
            adv(p);
            y->u.field.arg = x;
            TRY(parse_ident(p, 0, "a field name after \".\"", &y->u.field.name));
        } else {
            break;
        }
        x = y;
        TRY(chain(p, &links));
    }
    p->height -= links;
    *out = x;
    return SM_OK;
}

static sm_err_t parse_unary(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_unop_t op;
    switch ((sm_sql_tok_kind_t)t->kind) {
    case SM_SQL_TOK_MINUS:
        if (ahead(p, 1)->kind == SM_SQL_TOK_NUMBER) {
            adv(p);
            p->neg_tok = t; /* -1 is one literal, as in Spark */
            return parse_postfix(p, out);
        }
        op = SM_SQL_UNOP_NEG;
        break;
    case SM_SQL_TOK_PLUS:
        op = SM_SQL_UNOP_PLUS;
        break;
    case SM_SQL_TOK_TILDE:
        op = SM_SQL_UNOP_BITNOT;
        break;
    default:
        return parse_postfix(p, out);
    }
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_UNARY, t));
    x->u.unary.op = op;
    adv(p);
    TRY(enter(p));
    TRY(parse_unary(p, &x->u.unary.arg));
    leave(p);
    *out = x;
    return SM_OK;
}

static bool binop_of(const tok_t *t, sm_sql_binop_t *op, int *prec)
{
    static const struct {
        uint8_t tok;
        uint8_t op;
        uint8_t prec;
    } tab[] = {
        {SM_SQL_TOK_EQ, SM_SQL_BINOP_EQ, PREC_CMP},
        {SM_SQL_TOK_EQEQ, SM_SQL_BINOP_EQ, PREC_CMP},
        {SM_SQL_TOK_NE, SM_SQL_BINOP_NE, PREC_CMP},
        {SM_SQL_TOK_BANGEQ, SM_SQL_BINOP_NE, PREC_CMP},
        {SM_SQL_TOK_LT, SM_SQL_BINOP_LT, PREC_CMP},
        {SM_SQL_TOK_LE, SM_SQL_BINOP_LE, PREC_CMP},
        {SM_SQL_TOK_GT, SM_SQL_BINOP_GT, PREC_CMP},
        {SM_SQL_TOK_GE, SM_SQL_BINOP_GE, PREC_CMP},
        {SM_SQL_TOK_NSEQ, SM_SQL_BINOP_NSEQ, PREC_CMP},
        {SM_SQL_TOK_PIPE, SM_SQL_BINOP_BITOR, PREC_BITOR},
        {SM_SQL_TOK_CARET, SM_SQL_BINOP_BITXOR, PREC_BITXOR},
        {SM_SQL_TOK_AMP, SM_SQL_BINOP_BITAND, PREC_BITAND},
        {SM_SQL_TOK_PLUS, SM_SQL_BINOP_ADD, PREC_ADD},
        {SM_SQL_TOK_MINUS, SM_SQL_BINOP_SUB, PREC_ADD},
        {SM_SQL_TOK_CONCAT, SM_SQL_BINOP_CONCAT, PREC_ADD},
        {SM_SQL_TOK_STAR, SM_SQL_BINOP_MUL, PREC_MUL},
        {SM_SQL_TOK_SLASH, SM_SQL_BINOP_DIV, PREC_MUL},
        {SM_SQL_TOK_PERCENT, SM_SQL_BINOP_MOD, PREC_MUL},
    };
    if (tok_kw(t, SM_SQL_KW_DIV)) {
        *op = SM_SQL_BINOP_IDIV;
        *prec = PREC_MUL;
        return true;
    }
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (tab[k].tok == t->kind) {
            *op = (sm_sql_binop_t)tab[k].op;
            *prec = tab[k].prec;
            return true;
        }
    }
    return false;
}

/* Precedence climbing over the binary operators from minprec up. */
static sm_err_t parse_binary(P *p, int minprec, sm_sql_expr_t **out)
{
    sm_sql_expr_t *left = NULL;
    size_t links = 0;
    TRY(parse_unary(p, &left));
    for (;;) {
        sm_sql_binop_t op;
        int prec;
        const tok_t *t = cur(p);
        if (!binop_of(t, &op, &prec) || prec < minprec)
            break;
        sm_sql_expr_t *x = NULL;
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_BINARY, t));
        adv(p);
        TRY(chain(p, &links));
        x->u.binary.op = op;
        x->u.binary.left = left;
        TRY(parse_binary(p, prec + 1, &x->u.binary.right));
        left = x;
    }
    p->height -= links;
    *out = left;
    return SM_OK;
}

/* IN ( list ) or IN ( query ), at "(". */
static sm_err_t parse_in(P *p, sm_sql_expr_t *x)
{
    TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\" after IN"));
    if (query_start(cur(p))) {
        x->kind = SM_SQL_EXPR_IN_QUERY;
        TRY(parse_query(p, &x->u.in.query));
    } else {
        TRY(parse_expr_list(p, &x->u.in.list, &x->u.in.nlist));
    }
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the IN list");
}

static sm_err_t parse_is(P *p, sm_sql_expr_t *x)
{
    x->kind = SM_SQL_EXPR_IS;
    adv(p); /* IS */
    x->u.is.negated = accept_kw(p, SM_SQL_KW_NOT);
    if (accept_kw(p, SM_SQL_KW_NULL))
        x->u.is.what = SM_SQL_IS_NULL;
    else if (accept_kw(p, SM_SQL_KW_TRUE))
        x->u.is.what = SM_SQL_IS_TRUE;
    else if (accept_kw(p, SM_SQL_KW_FALSE))
        x->u.is.what = SM_SQL_IS_FALSE;
    else if (accept_kw(p, SM_SQL_KW_UNKNOWN))
        x->u.is.what = SM_SQL_IS_UNKNOWN;
    else if (accept_kw(p, SM_SQL_KW_DISTINCT)) {
        x->u.is.what = SM_SQL_IS_DISTINCT_FROM;
        TRY(expect_kw(p, SM_SQL_KW_FROM, "FROM after IS DISTINCT"));
        TRY(parse_binary(p, PREC_CMP, &x->u.is.other));
    } else {
        return expected(p, "NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS");
    }
    return SM_OK;
}

/* One predicate after a value, or *matched = false when none follows. */
static sm_err_t parse_one_predicate(P *p, sm_sql_expr_t *arg, bool *matched, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    size_t save = p->i;
    bool neg = false;
    *matched = true;
    if (is_kw(p, SM_SQL_KW_IS)) {
        NEW_OR_FAIL(*out, mk_expr(p, SM_SQL_EXPR_IS, t));
        (*out)->u.is.arg = arg;
        return parse_is(p, *out);
    }
    if (is_kw(p, SM_SQL_KW_NOT)) {
        neg = true;
        adv(p);
    }
    const tok_t *op = cur(p);
    sm_sql_expr_t *x = NULL;
    if (tok_kw(op, SM_SQL_KW_BETWEEN)) {
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_BETWEEN, op));
        adv(p);
        x->u.between.negated = neg;
        x->u.between.arg = arg;
        TRY(parse_binary(p, PREC_CMP, &x->u.between.low));
        TRY(expect_kw(p, SM_SQL_KW_AND, "AND in BETWEEN"));
        TRY(parse_binary(p, PREC_CMP, &x->u.between.high));
    } else if (tok_kw(op, SM_SQL_KW_IN)) {
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_IN_LIST, op));
        adv(p);
        x->u.in.negated = neg;
        x->u.in.arg = arg;
        TRY(parse_in(p, x));
    } else if (tok_kw(op, SM_SQL_KW_LIKE) || tok_kw(op, SM_SQL_KW_ILIKE) ||
               tok_kw(op, SM_SQL_KW_RLIKE) || tok_kw(op, SM_SQL_KW_REGEXP)) {
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_LIKE, op));
        adv(p);
        x->u.like.op = op->kw == SM_SQL_KW_LIKE    ? SM_SQL_LIKE
                       : op->kw == SM_SQL_KW_ILIKE ? SM_SQL_ILIKE
                                                   : SM_SQL_RLIKE;
        x->u.like.negated = neg;
        x->u.like.arg = arg;
        TRY(parse_binary(p, PREC_CMP, &x->u.like.pattern));
        if (accept_kw(p, SM_SQL_KW_ESCAPE)) {
            if (!is(p, SM_SQL_TOK_STRING))
                return expected(p, "a string after ESCAPE");
            TRY(parse_string_lit(p, SM_SQL_LIT_STRING, cur(p), &x->u.like.escape));
        }
    } else {
        p->i = save; /* a NOT that is not ours */
        *matched = false;
        return SM_OK;
    }
    *out = x;
    return SM_OK;
}

static sm_err_t parse_predicate(P *p, sm_sql_expr_t **out)
{
    sm_sql_expr_t *x = NULL;
    size_t links = 0;
    TRY(parse_binary(p, PREC_CMP, &x));
    for (;;) {
        bool matched;
        sm_sql_expr_t *y = NULL;
        TRY(parse_one_predicate(p, x, &matched, &y));
        if (!matched)
            break;
        x = y;
        TRY(chain(p, &links));
    }
    p->height -= links;
    *out = x;
    return SM_OK;
}

static sm_err_t parse_not(P *p, sm_sql_expr_t **out)
{
    const tok_t *t = cur(p);
    if (!tok_kw(t, SM_SQL_KW_NOT) && t->kind != SM_SQL_TOK_BANG)
        return parse_predicate(p, out);
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_UNARY, t));
    x->u.unary.op = SM_SQL_UNOP_NOT;
    adv(p);
    TRY(enter(p));
    TRY(parse_not(p, &x->u.unary.arg));
    leave(p);
    *out = x;
    return SM_OK;
}

/* AND (or_level false) and OR (or_level true) chains. */
static sm_err_t parse_logic(P *p, bool or_level, sm_sql_expr_t **out)
{
    sm_sql_expr_t *left = NULL;
    size_t links = 0;
    sm_sql_kw_t kw = or_level ? SM_SQL_KW_OR : SM_SQL_KW_AND;
    TRY(or_level ? parse_logic(p, false, &left) : parse_not(p, &left));
    while (is_kw(p, kw)) {
        sm_sql_expr_t *x = NULL;
        NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_BINARY, cur(p)));
        adv(p);
        TRY(chain(p, &links));
        x->u.binary.op = or_level ? SM_SQL_BINOP_OR : SM_SQL_BINOP_AND;
        x->u.binary.left = left;
        TRY(or_level ? parse_logic(p, false, &x->u.binary.right)
                     : parse_not(p, &x->u.binary.right));
        left = x;
    }
    p->height -= links;
    *out = left;
    return SM_OK;
}

static sm_err_t parse_expr(P *p, sm_sql_expr_t **out)
{
    TRY(enter(p));
    TRY(parse_logic(p, true, out));
    leave(p);
    return SM_OK;
}

/* ---- FROM ---------------------------------------------------------------- */

/* [AS] alias [(cols)] */
static sm_err_t parse_alias(P *p, sm_sql_ident_t *alias, sm_sql_ident_t **cols, size_t *ncols)
{
    if (accept_kw(p, SM_SQL_KW_AS)) {
        TRY(parse_ident(p, SM_SQL_KWF_EXPR, "an alias after AS", alias));
    } else if (ident_ok(cur(p), SM_SQL_KWF_ALIAS | SM_SQL_KWF_EXPR)) {
        TRY(parse_ident(p, 0, "an alias", alias));
        p->alias_tok = p->i;
    } else {
        return SM_OK;
    }
    if (cols && is(p, SM_SQL_TOK_LPAREN))
        TRY(parse_ident_list(p, "a column alias", cols, ncols));
    return SM_OK;
}

static sm_err_t parse_values_body(P *p, sm_sql_body_t **out);

static sm_err_t parse_table_name_ref(P *p, sm_sql_table_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_name_t name;
    TRY(parse_name(p, "a table name", &name));
    sm_sql_table_t *tb = NULL;
    if (is(p, SM_SQL_TOK_LPAREN)) {
        NEW_OR_FAIL(tb, mk_table(p, SM_SQL_TABLE_FUNC, t));
        tb->u.func.name = name;
        TRY(parse_args(p, &tb->u.func.args, &tb->u.func.nargs, NULL, NULL));
    } else {
        if (name.nparts > 3)
            return fail_at(p, t, SM_ERR_PARSE,
                           "table name has %zu parts (at most 3: catalog.layer.table)",
                           name.nparts);
        NEW_OR_FAIL(tb, mk_table(p, SM_SQL_TABLE_NAME, t));
        tb->u.table.name = name;
        size_t k = tok_kw(cur(p), SM_SQL_KW_FOR) ? 1 : 0;
        const tok_t *w = ahead(p, k);
        if ((tok_kw(w, SM_SQL_KW_VERSION) || tok_kw(w, SM_SQL_KW_TIMESTAMP)) &&
            tok_kw(ahead(p, k + 1), SM_SQL_KW_AS) && tok_kw(ahead(p, k + 2), SM_SQL_KW_OF)) {
            tb->u.table.travel =
                w->kw == SM_SQL_KW_VERSION ? SM_SQL_TRAVEL_VERSION : SM_SQL_TRAVEL_TIMESTAMP;
            p->i += k + 3;
            TRY(parse_binary(p, PREC_CMP, &tb->u.table.as_of));
        }
    }
    *out = tb;
    return SM_OK;
}

static sm_err_t parse_from(P *p, sm_sql_table_t **out);

static sm_err_t parse_table_primary(P *p, sm_sql_table_t **out)
{
    const tok_t *t = cur(p);
    sm_sql_table_t *tb = NULL;
    if (t->kind == SM_SQL_TOK_LPAREN && !paren_query(p)) {
        adv(p);
        TRY(enter(p));
        TRY(parse_from(p, out));
        leave(p);
        return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the joined tables");
    }
    if (t->kind == SM_SQL_TOK_LPAREN) {
        NEW_OR_FAIL(tb, mk_table(p, SM_SQL_TABLE_QUERY, t));
        adv(p);
        TRY(parse_query(p, &tb->u.query));
        TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the subquery"));
    } else if (tok_kw(t, SM_SQL_KW_VALUES)) {
        NEW_OR_FAIL(tb, mk_table(p, SM_SQL_TABLE_QUERY, t));
        NEW_OR_FAIL(tb->u.query, mk_query(p, t));
        TRY(enter(p));
        TRY(parse_values_body(p, &tb->u.query->body));
        leave(p);
    } else if (ident_ok(t, SM_SQL_KWF_EXPR)) {
        TRY(parse_table_name_ref(p, &tb));
    } else {
        return expected(p, "a table name or a \"(\" subquery");
    }
    TRY(parse_alias(p, &tb->alias, &tb->col_aliases, &tb->ncol_aliases));
    *out = tb;
    return SM_OK;
}

/* The join keywords at the current token, consumed; false when none. */
static bool parse_join_kind(P *p, sm_sql_join_kind_t *kind)
{
    size_t k = 0;
    const tok_t *t = cur(p);
    sm_sql_join_kind_t j = SM_SQL_JOIN_INNER;
    switch ((sm_sql_kw_t)t->kw) {
    case SM_SQL_KW_JOIN:
        break;
    case SM_SQL_KW_INNER:
        k = 1;
        break;
    case SM_SQL_KW_CROSS:
        j = SM_SQL_JOIN_CROSS;
        k = 1;
        break;
    case SM_SQL_KW_SEMI:
        j = SM_SQL_JOIN_SEMI;
        k = 1;
        break;
    case SM_SQL_KW_ANTI:
        j = SM_SQL_JOIN_ANTI;
        k = 1;
        break;
    case SM_SQL_KW_LEFT:
    case SM_SQL_KW_RIGHT:
    case SM_SQL_KW_FULL:
        j = t->kw == SM_SQL_KW_LEFT    ? SM_SQL_JOIN_LEFT
            : t->kw == SM_SQL_KW_RIGHT ? SM_SQL_JOIN_RIGHT
                                       : SM_SQL_JOIN_FULL;
        k = 1;
        if (tok_kw(ahead(p, 1), SM_SQL_KW_OUTER)) {
            k = 2;
        } else if (t->kw == SM_SQL_KW_LEFT && tok_kw(ahead(p, 1), SM_SQL_KW_SEMI)) {
            j = SM_SQL_JOIN_SEMI;
            k = 2;
        } else if (t->kw == SM_SQL_KW_LEFT && tok_kw(ahead(p, 1), SM_SQL_KW_ANTI)) {
            j = SM_SQL_JOIN_ANTI;
            k = 2;
        }
        break;
    default:
        return false;
    }
    if (t->kind != SM_SQL_TOK_IDENT || !tok_kw(ahead(p, k), SM_SQL_KW_JOIN))
        return false;
    p->i += k + 1;
    *kind = j;
    return true;
}

static sm_err_t parse_join_tree(P *p, sm_sql_table_t **out)
{
    sm_sql_table_t *left = NULL;
    size_t links = 0;
    TRY(parse_table_primary(p, &left));
    for (;;) {
        const tok_t *t = cur(p);
        sm_sql_join_kind_t kind;
        if (!parse_join_kind(p, &kind))
            break;
        sm_sql_table_t *j = NULL;
        NEW_OR_FAIL(j, mk_table(p, SM_SQL_TABLE_JOIN, t));
        TRY(chain(p, &links));
        j->u.join.kind = kind;
        j->u.join.left = left;
        TRY(parse_table_primary(p, &j->u.join.right));
        if (kind != SM_SQL_JOIN_CROSS && accept_kw(p, SM_SQL_KW_ON)) {
            TRY(parse_expr(p, &j->u.join.on));
        } else if (kind != SM_SQL_JOIN_CROSS && accept_kw(p, SM_SQL_KW_USING)) {
            if (!is(p, SM_SQL_TOK_LPAREN))
                return expected(p, "\"(\" after USING");
            TRY(parse_ident_list(p, "a column name", &j->u.join.using_, &j->u.join.nusing));
        }
        left = j;
    }
    p->height -= links;
    *out = left;
    return SM_OK;
}

/* Comma-separated FROM items; explicit joins bind tighter than commas. */
static sm_err_t parse_from(P *p, sm_sql_table_t **out)
{
    sm_sql_table_t *left = NULL;
    size_t links = 0;
    TRY(parse_join_tree(p, &left));
    while (is(p, SM_SQL_TOK_COMMA)) {
        sm_sql_table_t *j = NULL;
        NEW_OR_FAIL(j, mk_table(p, SM_SQL_TABLE_JOIN, cur(p)));
        adv(p);
        TRY(chain(p, &links));
        j->u.join.kind = SM_SQL_JOIN_COMMA;
        j->u.join.left = left;
        TRY(parse_join_tree(p, &j->u.join.right));
        left = j;
    }
    p->height -= links;
    *out = left;
    return SM_OK;
}

/* ---- queries ---------------------------------------------------------------- */

/* *, t.*, db.t.* as a select item (or false when none starts here). */
static sm_err_t parse_star_item(P *p, bool *matched, sm_sql_expr_t **out)
{
    size_t k = 0;
    while ((ahead(p, k)->kind == SM_SQL_TOK_IDENT || ahead(p, k)->kind == SM_SQL_TOK_QIDENT) &&
           ahead(p, k + 1)->kind == SM_SQL_TOK_DOT)
        k += 2;
    *matched = ahead(p, k)->kind == SM_SQL_TOK_STAR;
    if (!*matched)
        return SM_OK;
    sm_sql_expr_t *x = NULL;
    NEW_OR_FAIL(x, mk_expr(p, SM_SQL_EXPR_STAR, cur(p)));
    size_t cap = 0;
    while (!is(p, SM_SQL_TOK_STAR)) {
        sm_sql_ident_t id;
        TRY(make_ident(p, cur(p), &id));
        PUSH(x->u.star.parts, x->u.star.nparts, cap, id);
        adv(p);
        adv(p);
    }
    adv(p);
    *out = x;
    return SM_OK;
}

static sm_err_t parse_select_items(P *p, sm_sql_select_t *s)
{
    size_t cap = 0;
    do {
        sm_sql_select_item_t item = {0};
        bool star;
        TRY(parse_star_item(p, &star, &item.expr));
        if (!star) {
            TRY(parse_expr(p, &item.expr));
            TRY(parse_alias(p, &item.alias, NULL, NULL));
        }
        PUSH(s->items, s->nitems, cap, item);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return SM_OK;
}

/* GROUP BY ALL: ALL followed by what may end the clause. */
static bool group_all_follows(const P *p)
{
    if (!is_kw(p, SM_SQL_KW_ALL))
        return false;
    const tok_t *t = ahead(p, 1);
    if (t->kind == SM_SQL_TOK_EOF || t->kind == SM_SQL_TOK_SEMI || t->kind == SM_SQL_TOK_RPAREN)
        return true;
    return t->kind == SM_SQL_TOK_IDENT &&
           (sm_sql_keyword_flags((sm_sql_kw_t)t->kw) & SM_SQL_KWF_ALIAS);
}

static sm_err_t parse_select(P *p, sm_sql_body_t **out)
{
    sm_sql_body_t *b = NULL;
    NEW_OR_FAIL(b, mk_body(p, SM_SQL_BODY_SELECT, cur(p)));
    sm_sql_select_t *s = &b->u.select;
    adv(p); /* SELECT */
    if (accept_kw(p, SM_SQL_KW_DISTINCT))
        s->distinct = true;
    else
        accept_kw(p, SM_SQL_KW_ALL);
    TRY(parse_select_items(p, s));
    if (accept_kw(p, SM_SQL_KW_FROM))
        TRY(parse_from(p, &s->from));
    if (accept_kw(p, SM_SQL_KW_WHERE))
        TRY(parse_expr(p, &s->where));
    if (accept_kw(p, SM_SQL_KW_GROUP)) {
        TRY(expect_kw(p, SM_SQL_KW_BY, "BY after GROUP"));
        if (group_all_follows(p)) {
            adv(p);
            s->group_all = true;
        } else {
            TRY(parse_expr_list(p, &s->group_by, &s->ngroup_by));
        }
    }
    if (accept_kw(p, SM_SQL_KW_HAVING))
        TRY(parse_expr(p, &s->having));
    *out = b;
    return SM_OK;
}

static sm_err_t parse_values_body(P *p, sm_sql_body_t **out)
{
    sm_sql_body_t *b = NULL;
    NEW_OR_FAIL(b, mk_body(p, SM_SQL_BODY_VALUES, cur(p)));
    adv(p); /* VALUES */
    size_t cap = 0;
    do {
        sm_sql_row_t row = {0};
        if (accept(p, SM_SQL_TOK_LPAREN)) {
            TRY(parse_expr_list(p, &row.values, &row.nvalues));
            TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the row values"));
        } else {
            size_t vcap = 0;
            sm_sql_expr_t *x = NULL;
            TRY(parse_expr(p, &x));
            PUSH(row.values, row.nvalues, vcap, x);
        }
        PUSH(b->u.values.rows, b->u.values.nrows, cap, row);
    } while (accept(p, SM_SQL_TOK_COMMA));
    *out = b;
    return SM_OK;
}

static sm_err_t parse_set_primary(P *p, sm_sql_body_t **out)
{
    const tok_t *t = cur(p);
    if (tok_kw(t, SM_SQL_KW_SELECT))
        return parse_select(p, out);
    if (tok_kw(t, SM_SQL_KW_VALUES))
        return parse_values_body(p, out);
    if (t->kind != SM_SQL_TOK_LPAREN)
        return expected(p, "SELECT, VALUES or \"(\"");
    adv(p);
    sm_sql_query_t *q = NULL;
    TRY(parse_query(p, &q));
    TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the query"));
    if (!q->nctes && !q->norder_by && !q->limit && !q->offset) {
        *out = q->body; /* plain parentheses: the tree shape keeps the grouping */
        return SM_OK;
    }
    NEW_OR_FAIL(*out, mk_body(p, SM_SQL_BODY_QUERY, t));
    (*out)->u.query = q;
    return SM_OK;
}

/* INTERSECT (tighter) or UNION / EXCEPT / MINUS chains. */
static sm_err_t parse_set_level(P *p, bool intersect, sm_sql_body_t **out)
{
    sm_sql_body_t *left = NULL;
    size_t links = 0;
    TRY(intersect ? parse_set_primary(p, &left) : parse_set_level(p, true, &left));
    for (;;) {
        const tok_t *t = cur(p);
        sm_sql_setop_kind_t op;
        if (intersect && tok_kw(t, SM_SQL_KW_INTERSECT))
            op = SM_SQL_SETOP_INTERSECT;
        else if (!intersect && tok_kw(t, SM_SQL_KW_UNION))
            op = SM_SQL_SETOP_UNION;
        else if (!intersect && (tok_kw(t, SM_SQL_KW_EXCEPT) || tok_kw(t, SM_SQL_KW_MINUS)))
            op = SM_SQL_SETOP_EXCEPT;
        else
            break;
        sm_sql_body_t *b = NULL;
        NEW_OR_FAIL(b, mk_body(p, SM_SQL_BODY_SETOP, t));
        adv(p);
        TRY(chain(p, &links));
        b->u.setop.op = op;
        b->u.setop.all = accept_kw(p, SM_SQL_KW_ALL);
        if (!b->u.setop.all)
            accept_kw(p, SM_SQL_KW_DISTINCT);
        b->u.setop.left = left;
        TRY(intersect ? parse_set_primary(p, &b->u.setop.right)
                      : parse_set_level(p, true, &b->u.setop.right));
        left = b;
    }
    p->height -= links;
    *out = left;
    return SM_OK;
}

static sm_err_t parse_ctes(P *p, sm_sql_query_t *q)
{
    size_t cap = 0;
    adv(p); /* WITH */
    do {
        sm_sql_cte_t c = {0};
        TRY(parse_ident(p, SM_SQL_KWF_EXPR, "a name for the WITH query", &c.name));
        if (is(p, SM_SQL_TOK_LPAREN))
            TRY(parse_ident_list(p, "a column name", &c.cols, &c.ncols));
        TRY(expect_kw(p, SM_SQL_KW_AS, "AS after the WITH query name"));
        TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\" before the WITH query"));
        TRY(parse_query(p, &c.query));
        TRY(expect(p, SM_SQL_TOK_RPAREN, "\")\" after the WITH query"));
        PUSH(q->ctes, q->nctes, cap, c);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return SM_OK;
}

static sm_err_t parse_query(P *p, sm_sql_query_t **out)
{
    sm_sql_query_t *q = NULL;
    TRY(enter(p));
    NEW_OR_FAIL(q, mk_query(p, cur(p)));
    if (is_kw(p, SM_SQL_KW_WITH))
        TRY(parse_ctes(p, q));
    TRY(parse_set_level(p, false, &q->body));
    if (accept_kw(p, SM_SQL_KW_ORDER)) {
        TRY(expect_kw(p, SM_SQL_KW_BY, "BY after ORDER"));
        TRY(parse_sort_list(p, &q->order_by, &q->norder_by));
    }
    if (accept_kw(p, SM_SQL_KW_LIMIT) && !accept_kw(p, SM_SQL_KW_ALL))
        TRY(parse_expr(p, &q->limit));
    if (accept_kw(p, SM_SQL_KW_OFFSET))
        TRY(parse_expr(p, &q->offset));
    leave(p);
    *out = q;
    return SM_OK;
}

/* ---- statements ------------------------------------------------------------ */

static sm_err_t parse_string_const(P *p, const char *what, const char **out)
{
    if (!is(p, SM_SQL_TOK_STRING))
        return expected(p, what);
    sm_str_t s;
    TRY(parse_string_value(p, &s));
    *out = s.p;
    return SM_OK;
}

static sm_err_t parse_column_defs(P *p, sm_sql_column_def_t **out, size_t *n)
{
    size_t cap = 0;
    adv(p); /* ( */
    do {
        sm_sql_column_def_t c = {0};
        TRY(parse_ident(p, SM_SQL_KWF_EXPR, "a column name", &c.name));
        TRY(parse_type(p, &c.type));
        if (accept_kw(p, SM_SQL_KW_NOT)) {
            TRY(expect_kw(p, SM_SQL_KW_NULL, "NULL after NOT"));
            c.not_null = true;
        }
        if (accept_kw(p, SM_SQL_KW_COMMENT))
            TRY(parse_string_const(p, "a string after COMMENT", &c.comment));
        PUSH(*out, *n, cap, c);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the column definitions");
}

static sm_err_t parse_create_clauses(P *p, sm_sql_stmt_t *s)
{
    for (;;) {
        const tok_t *t = cur(p);
        bool dup;
        if (accept_kw(p, SM_SQL_KW_USING)) {
            dup = s->u.create.using_ != NULL;
            sm_sql_ident_t id;
            TRY(parse_ident(p, 0, "a table format after USING (delta)", &id));
            s->u.create.using_ = id.name;
        } else if (accept_kw(p, SM_SQL_KW_PARTITIONED)) {
            dup = s->u.create.partitioned_by != NULL;
            TRY(expect_kw(p, SM_SQL_KW_BY, "BY after PARTITIONED"));
            if (!is(p, SM_SQL_TOK_LPAREN))
                return expected(p, "\"(\" after PARTITIONED BY");
            TRY(parse_ident_list(p, "a column name", &s->u.create.partitioned_by,
                                 &s->u.create.npartitioned_by));
        } else if (accept_kw(p, SM_SQL_KW_LOCATION)) {
            dup = s->u.create.location != NULL;
            TRY(parse_string_const(p, "a string after LOCATION", &s->u.create.location));
        } else if (accept_kw(p, SM_SQL_KW_COMMENT)) {
            dup = s->u.create.comment != NULL;
            TRY(parse_string_const(p, "a string after COMMENT", &s->u.create.comment));
        } else {
            return SM_OK;
        }
        if (dup)
            return fail_at(p, t, SM_ERR_PARSE, "%s given twice",
                           sm_sql_keyword_name((sm_sql_kw_t)t->kw));
    }
}

static sm_err_t parse_create(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* CREATE */
    if (accept_kw(p, SM_SQL_KW_OR)) {
        TRY(expect_kw(p, SM_SQL_KW_REPLACE, "REPLACE after CREATE OR"));
        s->u.create.or_replace = true;
    }
    TRY(expect_kw(p, SM_SQL_KW_TABLE, "TABLE after CREATE (only tables can be created)"));
    const tok_t *t = cur(p);
    if (accept_kw(p, SM_SQL_KW_IF)) {
        TRY(expect_kw(p, SM_SQL_KW_NOT, "NOT after IF"));
        TRY(expect_kw(p, SM_SQL_KW_EXISTS, "EXISTS after IF NOT"));
        s->u.create.if_not_exists = true;
        if (s->u.create.or_replace)
            return fail_at(p, t, SM_ERR_PARSE,
                           "OR REPLACE and IF NOT EXISTS cannot be used together");
    }
    TRY(parse_table_name(p, &s->u.create.name));
    if (is(p, SM_SQL_TOK_LPAREN))
        TRY(parse_column_defs(p, &s->u.create.cols, &s->u.create.ncols));
    TRY(parse_create_clauses(p, s));
    if (accept_kw(p, SM_SQL_KW_AS)) {
        if (s->u.create.ncols)
            return fail_at(
                p, cur(p), SM_ERR_PARSE,
                "CREATE TABLE ... AS takes its columns from the query, not a column list");
        TRY(parse_query(p, &s->u.create.as_query));
    }
    return SM_OK;
}

static sm_err_t parse_partition_spec(P *p, sm_sql_stmt_t *s)
{
    size_t cap = 0;
    TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\" after PARTITION"));
    do {
        sm_sql_partval_t pv = {0};
        TRY(parse_ident(p, SM_SQL_KWF_EXPR, "a partition column", &pv.column));
        if (accept(p, SM_SQL_TOK_EQ) || accept(p, SM_SQL_TOK_EQEQ))
            TRY(parse_expr(p, &pv.value));
        PUSH(s->u.insert.partition, s->u.insert.npartition, cap, pv);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the partition values");
}

static sm_err_t parse_insert(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* INSERT */
    if (accept_kw(p, SM_SQL_KW_OVERWRITE))
        s->u.insert.overwrite = true;
    else if (!accept_kw(p, SM_SQL_KW_INTO))
        return expected(p, "INTO or OVERWRITE after INSERT");
    accept_kw(p, SM_SQL_KW_TABLE);
    TRY(parse_table_name(p, &s->u.insert.table));
    if (accept_kw(p, SM_SQL_KW_PARTITION))
        TRY(parse_partition_spec(p, s));
    if (is(p, SM_SQL_TOK_LPAREN) && !paren_query(p))
        TRY(parse_ident_list(p, "a column name", &s->u.insert.cols, &s->u.insert.ncols));
    if (!query_start(cur(p)) && !is(p, SM_SQL_TOK_LPAREN))
        return expected(p, "a query or VALUES after the table name");
    return parse_query(p, &s->u.insert.query);
}

static sm_err_t parse_assigns(P *p, sm_sql_assign_t **out, size_t *n)
{
    size_t cap = 0;
    do {
        sm_sql_assign_t a = {0};
        TRY(parse_name(p, "a column name", &a.column));
        if (!accept(p, SM_SQL_TOK_EQ) && !accept(p, SM_SQL_TOK_EQEQ))
            return expected(p, "\"=\" after the column name");
        TRY(parse_expr(p, &a.value));
        PUSH(*out, *n, cap, a);
    } while (accept(p, SM_SQL_TOK_COMMA));
    return SM_OK;
}

static sm_err_t parse_delete(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* DELETE */
    TRY(expect_kw(p, SM_SQL_KW_FROM, "FROM after DELETE"));
    TRY(parse_table_name(p, &s->u.delete_.table));
    TRY(parse_alias(p, &s->u.delete_.alias, NULL, NULL));
    if (accept_kw(p, SM_SQL_KW_WHERE))
        TRY(parse_expr(p, &s->u.delete_.where));
    return SM_OK;
}

static sm_err_t parse_update(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* UPDATE */
    TRY(parse_table_name(p, &s->u.update.table));
    TRY(parse_alias(p, &s->u.update.alias, NULL, NULL));
    TRY(expect_kw(p, SM_SQL_KW_SET, "SET after the table name"));
    TRY(parse_assigns(p, &s->u.update.set, &s->u.update.nset));
    if (accept_kw(p, SM_SQL_KW_WHERE))
        TRY(parse_expr(p, &s->u.update.where));
    return SM_OK;
}

static sm_err_t parse_merge_action(P *p, sm_sql_merge_clause_t *c)
{
    bool matched = c->match != SM_SQL_MERGE_NOT_MATCHED;
    if (matched && accept_kw(p, SM_SQL_KW_UPDATE)) {
        TRY(expect_kw(p, SM_SQL_KW_SET, "SET after UPDATE"));
        if (accept(p, SM_SQL_TOK_STAR)) {
            c->action = SM_SQL_MERGE_UPDATE_STAR;
            return SM_OK;
        }
        c->action = SM_SQL_MERGE_UPDATE;
        return parse_assigns(p, &c->assigns, &c->nassigns);
    }
    if (matched && accept_kw(p, SM_SQL_KW_DELETE)) {
        c->action = SM_SQL_MERGE_DELETE;
        return SM_OK;
    }
    if (matched)
        return expected(p, "UPDATE or DELETE after THEN");
    TRY(expect_kw(p, SM_SQL_KW_INSERT, "INSERT after THEN in WHEN NOT MATCHED"));
    if (accept(p, SM_SQL_TOK_STAR)) {
        c->action = SM_SQL_MERGE_INSERT_STAR;
        return SM_OK;
    }
    c->action = SM_SQL_MERGE_INSERT;
    if (is(p, SM_SQL_TOK_LPAREN))
        TRY(parse_ident_list(p, "a column name", &c->cols, &c->ncols));
    TRY(expect_kw(p, SM_SQL_KW_VALUES, "VALUES after INSERT"));
    TRY(expect(p, SM_SQL_TOK_LPAREN, "\"(\" after VALUES"));
    TRY(parse_expr_list(p, &c->values, &c->nvalues));
    return expect(p, SM_SQL_TOK_RPAREN, "\")\" after the values");
}

static sm_err_t parse_merge_clause(P *p, sm_sql_merge_clause_t *c)
{
    c->pos = pos_of(cur(p));
    TRY(expect_kw(p, SM_SQL_KW_WHEN, "WHEN"));
    if (accept_kw(p, SM_SQL_KW_NOT)) {
        c->match = SM_SQL_MERGE_NOT_MATCHED;
        TRY(expect_kw(p, SM_SQL_KW_MATCHED, "MATCHED after WHEN NOT"));
        if (accept_kw(p, SM_SQL_KW_BY)) {
            if (accept_kw(p, SM_SQL_KW_SOURCE))
                c->match = SM_SQL_MERGE_NOT_MATCHED_BY_SOURCE;
            else if (!accept_kw(p, SM_SQL_KW_TARGET))
                return expected(p, "TARGET or SOURCE after NOT MATCHED BY");
        }
    } else {
        TRY(expect_kw(p, SM_SQL_KW_MATCHED, "MATCHED or NOT MATCHED after WHEN"));
        c->match = SM_SQL_MERGE_MATCHED;
    }
    if (accept_kw(p, SM_SQL_KW_AND))
        TRY(parse_expr(p, &c->cond));
    TRY(expect_kw(p, SM_SQL_KW_THEN, "THEN"));
    return parse_merge_action(p, c);
}

static sm_err_t parse_merge(P *p, sm_sql_stmt_t *s)
{
    size_t cap = 0;
    adv(p); /* MERGE */
    TRY(expect_kw(p, SM_SQL_KW_INTO, "INTO after MERGE"));
    TRY(parse_table_name(p, &s->u.merge.target));
    TRY(parse_alias(p, &s->u.merge.target_alias, NULL, NULL));
    TRY(expect_kw(p, SM_SQL_KW_USING, "USING after the MERGE target"));
    TRY(parse_table_primary(p, &s->u.merge.source));
    TRY(expect_kw(p, SM_SQL_KW_ON, "ON after the MERGE source"));
    TRY(parse_expr(p, &s->u.merge.on));
    do {
        sm_sql_merge_clause_t c = {0};
        TRY(parse_merge_clause(p, &c));
        PUSH(s->u.merge.clauses, s->u.merge.nclauses, cap, c);
    } while (is_kw(p, SM_SQL_KW_WHEN));
    return SM_OK;
}

static sm_err_t parse_show(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* SHOW */
    TRY(expect_kw(p, SM_SQL_KW_TABLES, "TABLES after SHOW"));
    if (accept_kw(p, SM_SQL_KW_IN) || accept_kw(p, SM_SQL_KW_FROM))
        TRY(parse_name(p, "a layer name", &s->u.show.in));
    if (accept_kw(p, SM_SQL_KW_LIKE) || is(p, SM_SQL_TOK_STRING))
        TRY(parse_string_const(p, "a pattern string", &s->u.show.like));
    return SM_OK;
}

static sm_err_t parse_describe(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* DESCRIBE */
    if (is_kw(p, SM_SQL_KW_TABLE) && ahead(p, 1)->kind != SM_SQL_TOK_EOF &&
        ahead(p, 1)->kind != SM_SQL_TOK_SEMI && ahead(p, 1)->kind != SM_SQL_TOK_DOT)
        adv(p);
    if (is_kw(p, SM_SQL_KW_EXTENDED) || is_kw(p, SM_SQL_KW_FORMATTED)) {
        const tok_t *t1 = ahead(p, 1);
        if (t1->kind == SM_SQL_TOK_IDENT || t1->kind == SM_SQL_TOK_QIDENT) {
            adv(p);
            s->u.describe.extended = true;
        }
    }
    return parse_table_name(p, &s->u.describe.table);
}

static sm_err_t parse_explain(P *p, sm_sql_stmt_t *s)
{
    adv(p); /* EXPLAIN */
    for (;;) {
        if (accept_kw(p, SM_SQL_KW_ANALYZE))
            s->u.explain.analyze = true;
        else if (accept_kw(p, SM_SQL_KW_EXTENDED) || accept_kw(p, SM_SQL_KW_FORMATTED))
            s->u.explain.extended = true;
        else
            break;
    }
    TRY(enter(p));
    TRY(parse_stmt(p, &s->u.explain.stmt));
    leave(p);
    return SM_OK;
}

static sm_err_t parse_stmt_body(P *p, const tok_t *t, sm_sql_stmt_t **out)
{
    sm_sql_stmt_t *s = NULL;
    sm_sql_stmt_kind_t kind = SM_SQL_STMT_QUERY;
    sm_err_t (*fn)(P *, sm_sql_stmt_t *) = NULL;
    if (query_start(t) || t->kind == SM_SQL_TOK_LPAREN) {
        NEW_OR_FAIL(s, mk_stmt(p, SM_SQL_STMT_QUERY, t));
        *out = s;
        return parse_query(p, &s->u.query);
    }
    switch (t->kind == SM_SQL_TOK_IDENT ? (sm_sql_kw_t)t->kw : SM_SQL_KW_NONE) {
    case SM_SQL_KW_CREATE:
        kind = SM_SQL_STMT_CREATE_TABLE;
        fn = parse_create;
        break;
    case SM_SQL_KW_INSERT:
        kind = SM_SQL_STMT_INSERT;
        fn = parse_insert;
        break;
    case SM_SQL_KW_DELETE:
        kind = SM_SQL_STMT_DELETE;
        fn = parse_delete;
        break;
    case SM_SQL_KW_UPDATE:
        kind = SM_SQL_STMT_UPDATE;
        fn = parse_update;
        break;
    case SM_SQL_KW_MERGE:
        kind = SM_SQL_STMT_MERGE;
        fn = parse_merge;
        break;
    case SM_SQL_KW_EXPLAIN:
        kind = SM_SQL_STMT_EXPLAIN;
        fn = parse_explain;
        break;
    case SM_SQL_KW_SHOW:
        kind = SM_SQL_STMT_SHOW_TABLES;
        fn = parse_show;
        break;
    case SM_SQL_KW_DESC:
    case SM_SQL_KW_DESCRIBE:
        kind = SM_SQL_STMT_DESCRIBE;
        fn = parse_describe;
        break;
    default:
        return expected(p, "a statement (SELECT, WITH, VALUES, CREATE, INSERT, UPDATE, DELETE, "
                           "MERGE, EXPLAIN, SHOW, DESCRIBE)");
    }
    NEW_OR_FAIL(s, mk_stmt(p, kind, t));
    *out = s;
    return fn(p, s);
}

static sm_err_t parse_stmt(P *p, sm_sql_stmt_t **out)
{
    const tok_t *t = cur(p);
    TRY(parse_stmt_body(p, t, out));
    const tok_t *last = &p->t[p->i > 0 ? p->i - 1 : 0];
    size_t end = last->off + last->len;
    size_t n = end > t->off ? end - t->off : 0;
    char *text = sm_arena_strndup(p->a, p->src.p + t->off, n);
    if (!text)
        return oom(p);
    (*out)->text = sm_str_make(text, n);
    return SM_OK;
}

static sm_err_t parse_script(P *p, sm_sql_ast_t *ast, bool single)
{
    size_t cap = 0;
    for (;;) {
        while (accept(p, SM_SQL_TOK_SEMI))
            ;
        if (is(p, SM_SQL_TOK_EOF))
            break;
        if (single && ast->nstmts == 1)
            return expected(p, "end of input after the statement (only one statement is allowed)");
        sm_sql_stmt_t *s = NULL;
        TRY(parse_stmt(p, &s));
        PUSH(ast->stmts, ast->nstmts, cap, s);
        if (!is(p, SM_SQL_TOK_SEMI) && !is(p, SM_SQL_TOK_EOF))
            return expected(p, "\";\" or end of input after the statement");
    }
    if (single && ast->nstmts == 0)
        return expected(p, "a statement");
    return SM_OK;
}

/* ---- entry points ------------------------------------------------------------ */

enum mode { MODE_SCRIPT, MODE_STATEMENT, MODE_EXPR };

static sm_err_t run(sm_str_t sql, const sm_sql_limits_t *lim, enum mode mode, sm_sql_ast_t **out,
                    sm_error_t *e)
{
    *out = NULL;
    P p = {.src = sql, .e = e};
    if (lim)
        p.lim = *lim;
    if (!p.lim.max_depth)
        p.lim.max_depth = SM_SQL_MAX_DEPTH;
    if (!p.lim.max_height)
        p.lim.max_height = SM_SQL_MAX_HEIGHT;
    if (!p.lim.max_nodes)
        p.lim.max_nodes = SM_SQL_MAX_NODES;
    if (p.lim.max_height < p.lim.max_depth)
        p.lim.max_height = p.lim.max_depth;
    sm_sql_token_t *toks = NULL;
    size_t ntoks;
    sm_err_t rc = sm_sql_lex(sql, p.lim.max_bytes, &toks, &ntoks, e);
    if (rc)
        return rc;
    sm_sql_ast_t *ast = sm_calloc(1, sizeof *ast);
    if (!ast) {
        sm_free(toks);
        return sm_error_nomem(e, "SQL syntax tree");
    }
    sm_arena_init(&ast->arena, 0);
    p.t = toks;
    p.nt = ntoks;
    p.a = &ast->arena;
    if (mode == MODE_EXPR) {
        rc = parse_expr(&p, &ast->expr);
        if (!rc && !is(&p, SM_SQL_TOK_EOF))
            rc = expected(&p, "end of input after the expression");
    } else {
        rc = parse_script(&p, ast, mode == MODE_STATEMENT);
    }
    ast->nnodes = p.nodes;
    sm_free(toks);
    if (rc) {
        sm_sql_ast_free(ast);
        return rc;
    }
    *out = ast;
    return SM_OK;
}

sm_err_t sm_sql_parse_script(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                             sm_error_t *e)
{
    return run(sql, lim, MODE_SCRIPT, out, e);
}

sm_err_t sm_sql_parse_statement(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                                sm_error_t *e)
{
    return run(sql, lim, MODE_STATEMENT, out, e);
}

sm_err_t sm_sql_parse_expr(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                           sm_error_t *e)
{
    return run(sql, lim, MODE_EXPR, out, e);
}

void sm_sql_ast_free(sm_sql_ast_t *ast)
{
    if (!ast)
        return;
    sm_arena_free(&ast->arena);
    sm_free(ast);
}
