#include "sql/lexer.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"

/* Keyword table, sorted by name (checked by the unit tests). */
static const struct kwent {
    const char *name;
    unsigned flags;
} kwtab[SM_SQL_KW__COUNT] = {{"", 0},
#define KW_ENT_(name, flags) {#name, flags},
                             SM_SQL_KEYWORDS(KW_ENT_)
#undef KW_ENT_
};

sm_sql_kw_t sm_sql_keyword(sm_str_t word)
{
    if (word.n == 0 || word.n > 20)
        return SM_SQL_KW_NONE;
    size_t lo = 1, hi = SM_SQL_KW__COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = sm_str_cmp_nocase(word, sm_str_c(kwtab[mid].name));
        if (c == 0)
            return (sm_sql_kw_t)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return SM_SQL_KW_NONE;
}

const char *sm_sql_keyword_name(sm_sql_kw_t kw)
{
    return (unsigned)kw < SM_SQL_KW__COUNT ? kwtab[kw].name : "";
}

unsigned sm_sql_keyword_flags(sm_sql_kw_t kw)
{
    return (unsigned)kw < SM_SQL_KW__COUNT ? kwtab[kw].flags : 0;
}

const char *sm_sql_tok_kind_name(sm_sql_tok_kind_t kind)
{
    static const char *const names[SM_SQL_TOK__COUNT] = {
        [SM_SQL_TOK_EOF] = "end of input",
        [SM_SQL_TOK_IDENT] = "identifier",
        [SM_SQL_TOK_QIDENT] = "quoted identifier",
        [SM_SQL_TOK_STRING] = "string",
        [SM_SQL_TOK_NUMBER] = "number",
        [SM_SQL_TOK_HEX] = "binary literal",
        [SM_SQL_TOK_LPAREN] = "\"(\"",
        [SM_SQL_TOK_RPAREN] = "\")\"",
        [SM_SQL_TOK_LBRACKET] = "\"[\"",
        [SM_SQL_TOK_RBRACKET] = "\"]\"",
        [SM_SQL_TOK_COMMA] = "\",\"",
        [SM_SQL_TOK_DOT] = "\".\"",
        [SM_SQL_TOK_SEMI] = "\";\"",
        [SM_SQL_TOK_COLON] = "\":\"",
        [SM_SQL_TOK_DCOLON] = "\"::\"",
        [SM_SQL_TOK_PLUS] = "\"+\"",
        [SM_SQL_TOK_MINUS] = "\"-\"",
        [SM_SQL_TOK_STAR] = "\"*\"",
        [SM_SQL_TOK_SLASH] = "\"/\"",
        [SM_SQL_TOK_PERCENT] = "\"%\"",
        [SM_SQL_TOK_CONCAT] = "\"||\"",
        [SM_SQL_TOK_AMP] = "\"&\"",
        [SM_SQL_TOK_PIPE] = "\"|\"",
        [SM_SQL_TOK_CARET] = "\"^\"",
        [SM_SQL_TOK_TILDE] = "\"~\"",
        [SM_SQL_TOK_BANG] = "\"!\"",
        [SM_SQL_TOK_EQ] = "\"=\"",
        [SM_SQL_TOK_EQEQ] = "\"==\"",
        [SM_SQL_TOK_NE] = "\"<>\"",
        [SM_SQL_TOK_BANGEQ] = "\"!=\"",
        [SM_SQL_TOK_LT] = "\"<\"",
        [SM_SQL_TOK_LE] = "\"<=\"",
        [SM_SQL_TOK_GT] = "\">\"",
        [SM_SQL_TOK_GE] = "\">=\"",
        [SM_SQL_TOK_NSEQ] = "\"<=>\"",
        [SM_SQL_TOK_ARROW] = "\"=>\"",
    };
    return (unsigned)kind < SM_SQL_TOK__COUNT && names[kind] ? names[kind] : "token";
}

/* ---- scanning ------------------------------------------------------------ */

typedef struct lexer {
    const char *s;
    size_t n, i;
    uint32_t line, col;
    sm_error_t *e;
    sm_sql_token_t *toks;
    size_t ntoks, cap;
} lexer_t;

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int peek(const lexer_t *l, size_t ahead)
{
    return l->i + ahead < l->n ? (unsigned char)l->s[l->i + ahead] : -1;
}

/* Consumes one byte, keeping line and column up to date. */
static void bump(lexer_t *l)
{
    unsigned char c = (unsigned char)l->s[l->i++];
    if (c == '\n') {
        l->line++;
        l->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        l->col++;
    }
}

static sm_err_t lex_error(lexer_t *l, uint32_t line, uint32_t col, const char *msg)
{
    return sm_error_set(l->e, SM_ERR_PARSE, "line %u, column %u: %s", line, col, msg);
}

static sm_err_t push(lexer_t *l, sm_sql_tok_kind_t kind, size_t start, uint32_t line, uint32_t col)
{
    if (l->ntoks == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        sm_sql_token_t *nt = sm_realloc(l->toks, ncap * sizeof *nt);
        if (!nt)
            return sm_error_nomem(l->e, "SQL tokens");
        l->toks = nt;
        l->cap = ncap;
    }
    sm_sql_token_t *t = &l->toks[l->ntoks++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    t->off = (uint32_t)start;
    t->len = (uint32_t)(l->i - start);
    t->line = line;
    t->col = col;
    return SM_OK;
}

/* Skips whitespace and comments. */
static sm_err_t skip_space(lexer_t *l)
{
    for (;;) {
        int c = peek(l, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            bump(l);
        } else if (c == '-' && peek(l, 1) == '-') {
            while (l->i < l->n && l->s[l->i] != '\n')
                bump(l);
        } else if (c == '/' && peek(l, 1) == '*') {
            uint32_t line = l->line, col = l->col;
            size_t depth = 0;
            do {
                if (l->i >= l->n)
                    return lex_error(l, line, col, "unterminated comment");
                if (peek(l, 0) == '/' && peek(l, 1) == '*') {
                    bump(l);
                    bump(l);
                    depth++;
                } else if (peek(l, 0) == '*' && peek(l, 1) == '/') {
                    bump(l);
                    bump(l);
                    depth--;
                } else {
                    bump(l);
                }
            } while (depth > 0);
        } else {
            return SM_OK;
        }
    }
}

/* A quoted run ending at the matching quote q; a doubled quote stays
 * inside; backslash escapes the next byte unless raw. */
static sm_err_t scan_quoted(lexer_t *l, char q, bool raw, uint32_t line, uint32_t col,
                            const char *what)
{
    bump(l); /* opening quote */
    for (;;) {
        if (l->i >= l->n) {
            char msg[64];
            snprintf(msg, sizeof msg, "unterminated %s", what);
            return lex_error(l, line, col, msg);
        }
        char c = l->s[l->i];
        if (c == '\\' && !raw && q != '`' && l->i + 1 < l->n) {
            bump(l);
            bump(l);
        } else if (c == q) {
            bump(l);
            if (peek(l, 0) == q) {
                bump(l);
                continue;
            }
            return SM_OK;
        } else {
            bump(l);
        }
    }
}

static sm_err_t scan_number(lexer_t *l, size_t start, uint32_t line, uint32_t col)
{
    unsigned flags = 0;
    while (is_digit((unsigned char)peek(l, 0)))
        bump(l);
    if (peek(l, 0) == '.') {
        flags |= SM_SQL_NUM_DOT;
        bump(l);
        while (is_digit((unsigned char)peek(l, 0)))
            bump(l);
    }
    int c = peek(l, 0);
    if (c == 'e' || c == 'E') {
        int c1 = peek(l, 1), c2 = peek(l, 2);
        if (is_digit((unsigned char)c1) ||
            ((c1 == '+' || c1 == '-') && is_digit((unsigned char)c2))) {
            flags |= SM_SQL_NUM_EXP;
            bump(l);
            if (c1 == '+' || c1 == '-')
                bump(l);
            while (is_digit((unsigned char)peek(l, 0)))
                bump(l);
        }
    }
    char suffix = 0;
    size_t wstart = l->i;
    while (l->i < l->n && is_ident_char((unsigned char)l->s[l->i]))
        bump(l);
    size_t wlen = l->i - wstart;
    if (wlen > 0) {
        int s0 = sm_str_toupper_ascii((unsigned char)l->s[wstart]);
        bool integral = !(flags & (SM_SQL_NUM_DOT | SM_SQL_NUM_EXP));
        if (wlen == 1 && (s0 == 'D' || s0 == 'F'))
            suffix = (char)s0;
        else if (wlen == 1 && integral && (s0 == 'L' || s0 == 'S' || s0 == 'Y'))
            suffix = (char)s0;
        else if (wlen == 2 && s0 == 'B' && sm_str_toupper_ascii(l->s[wstart + 1]) == 'D')
            suffix = 'B';
        else {
            char msg[96];
            snprintf(msg, sizeof msg, "malformed number \"%.*s\"",
                     (int)(l->i - start > 40 ? 40 : l->i - start), l->s + start);
            return lex_error(l, line, col, msg);
        }
    }
    sm_err_t rc = push(l, SM_SQL_TOK_NUMBER, start, line, col);
    if (rc)
        return rc;
    l->toks[l->ntoks - 1].num_flags = (uint8_t)flags;
    l->toks[l->ntoks - 1].suffix = suffix;
    return SM_OK;
}

static sm_err_t scan_hex(lexer_t *l, size_t start, uint32_t line, uint32_t col)
{
    bump(l); /* X */
    sm_err_t rc = scan_quoted(l, '\'', true, line, col, "binary literal");
    if (rc)
        return rc;
    for (size_t k = start + 2; k + 1 < l->i; k++) {
        if (!is_hex((unsigned char)l->s[k]))
            return lex_error(l, line, col, "binary literal X'...' holds a non-hex digit");
    }
    return push(l, SM_SQL_TOK_HEX, start, line, col);
}

/* Punctuation and operators: longest match first. */
static sm_err_t scan_punct(lexer_t *l, size_t start, uint32_t line, uint32_t col)
{
    static const struct {
        const char *text;
        sm_sql_tok_kind_t kind;
    } ops[] = {
        {"<=>", SM_SQL_TOK_NSEQ},   {"<=", SM_SQL_TOK_LE},     {"<>", SM_SQL_TOK_NE},
        {">=", SM_SQL_TOK_GE},      {"==", SM_SQL_TOK_EQEQ},   {"=>", SM_SQL_TOK_ARROW},
        {"!=", SM_SQL_TOK_BANGEQ},  {"||", SM_SQL_TOK_CONCAT}, {"::", SM_SQL_TOK_DCOLON},
        {"(", SM_SQL_TOK_LPAREN},   {")", SM_SQL_TOK_RPAREN},  {"[", SM_SQL_TOK_LBRACKET},
        {"]", SM_SQL_TOK_RBRACKET}, {",", SM_SQL_TOK_COMMA},   {".", SM_SQL_TOK_DOT},
        {";", SM_SQL_TOK_SEMI},     {":", SM_SQL_TOK_COLON},   {"+", SM_SQL_TOK_PLUS},
        {"-", SM_SQL_TOK_MINUS},    {"*", SM_SQL_TOK_STAR},    {"/", SM_SQL_TOK_SLASH},
        {"%", SM_SQL_TOK_PERCENT},  {"&", SM_SQL_TOK_AMP},     {"|", SM_SQL_TOK_PIPE},
        {"^", SM_SQL_TOK_CARET},    {"~", SM_SQL_TOK_TILDE},   {"!", SM_SQL_TOK_BANG},
        {"=", SM_SQL_TOK_EQ},       {"<", SM_SQL_TOK_LT},      {">", SM_SQL_TOK_GT},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t len = strlen(ops[k].text);
        if (l->n - l->i >= len && memcmp(l->s + l->i, ops[k].text, len) == 0) {
            for (size_t j = 0; j < len; j++)
                bump(l);
            return push(l, ops[k].kind, start, line, col);
        }
    }
    unsigned char c = (unsigned char)l->s[l->i];
    char msg[64];
    if (c >= 0x21 && c < 0x7F)
        snprintf(msg, sizeof msg, "unexpected character \"%c\"", c);
    else
        snprintf(msg, sizeof msg, "unexpected character \\x%02X", c);
    return lex_error(l, line, col, msg);
}

static sm_err_t scan_token(lexer_t *l)
{
    size_t start = l->i;
    uint32_t line = l->line, col = l->col;
    unsigned char c = (unsigned char)l->s[l->i];
    int c1 = peek(l, 1);

    if ((c == 'x' || c == 'X') && c1 == '\'')
        return scan_hex(l, start, line, col);
    if ((c == 'r' || c == 'R') && (c1 == '\'' || c1 == '"')) {
        bump(l);
        sm_err_t rc = scan_quoted(l, (char)c1, true, line, col, "string literal");
        if (rc || (rc = push(l, SM_SQL_TOK_STRING, start, line, col)))
            return rc;
        l->toks[l->ntoks - 1].suffix = 'r';
        return SM_OK;
    }
    if (is_ident_start(c)) {
        while (l->i < l->n && is_ident_char((unsigned char)l->s[l->i]))
            bump(l);
        sm_err_t rc = push(l, SM_SQL_TOK_IDENT, start, line, col);
        if (rc)
            return rc;
        l->toks[l->ntoks - 1].kw =
            (uint16_t)sm_sql_keyword(sm_str_make(l->s + start, l->i - start));
        return SM_OK;
    }
    if (is_digit(c) || (c == '.' && is_digit((unsigned char)c1)))
        return scan_number(l, start, line, col);
    if (c == '\'' || c == '"') {
        sm_err_t rc = scan_quoted(l, (char)c, false, line, col, "string literal");
        return rc ? rc : push(l, SM_SQL_TOK_STRING, start, line, col);
    }
    if (c == '`') {
        sm_err_t rc = scan_quoted(l, '`', true, line, col, "quoted identifier");
        if (rc)
            return rc;
        if (l->i - start == 2)
            return lex_error(l, line, col, "empty quoted identifier ``");
        if (memchr(l->s + start, '\0', l->i - start))
            return lex_error(l, line, col, "quoted identifier holds a NUL byte");
        return push(l, SM_SQL_TOK_QIDENT, start, line, col);
    }
    return scan_punct(l, start, line, col);
}

void sm_sql_position(sm_str_t src, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t ln = 1, cl = 1;
    for (size_t k = 0; k < off && k < src.n; k++) {
        unsigned char c = (unsigned char)src.p[k];
        if (c == '\n') {
            ln++;
            cl = 1;
        } else if ((c & 0xC0) != 0x80) {
            cl++;
        }
    }
    *line = ln;
    *col = cl;
}

sm_err_t sm_sql_lex(sm_str_t src, size_t max_bytes, sm_sql_token_t **toks, size_t *ntoks,
                    sm_error_t *e)
{
    *toks = NULL;
    *ntoks = 0;
    if (max_bytes == 0)
        max_bytes = SM_SQL_MAX_INPUT;
    if (max_bytes > UINT32_MAX / 2)
        max_bytes = UINT32_MAX / 2;
    if (src.n > max_bytes)
        return sm_error_set(e, SM_ERR_LIMIT, "SQL text of %zu bytes exceeds the limit of %zu bytes",
                            src.n, max_bytes);
    size_t bad;
    if (!sm_str_utf8_valid(src, &bad)) {
        uint32_t line, col;
        sm_sql_position(src, bad, &line, &col);
        return sm_error_set(e, SM_ERR_PARSE, "line %u, column %u: invalid UTF-8", line, col);
    }
    lexer_t l = {.s = src.p, .n = src.n, .line = 1, .col = 1, .e = e};
    sm_err_t rc;
    for (;;) {
        if ((rc = skip_space(&l)))
            goto out;
        if (l.i >= l.n)
            break;
        if ((rc = scan_token(&l)))
            goto out;
    }
    rc = push(&l, SM_SQL_TOK_EOF, l.i, l.line, l.col);
out:
    if (rc) {
        sm_free(l.toks);
        return rc;
    }
    *toks = l.toks;
    *ntoks = l.ntoks;
    return SM_OK;
}

/* ---- decoding ------------------------------------------------------------ */

static size_t utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads n hex digits at s[*k..]; -1 when they are not all there. */
static long read_hex(const char *s, size_t end, size_t k, size_t n)
{
    if (end - k < n)
        return -1;
    long v = 0;
    for (size_t j = 0; j < n; j++) {
        int h = hexval(s[k + j]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

sm_err_t sm_sql_token_string(sm_str_t src, const sm_sql_token_t *t, sm_arena_t *a, sm_str_t *out,
                             sm_error_t *e)
{
    bool raw = t->suffix == 'r';
    size_t k = t->off + (raw ? 2 : 1), end = t->off + t->len - 1;
    char q = src.p[k - 1];
    /* Escapes never lengthen the text: \uXXXX (6 bytes) gives at most 3,
     * \UXXXXXXXX (10 bytes) at most 4, octal \ooo (4 bytes) at most 2. */
    char *d = sm_arena_alloc(a, end - k + 1);
    if (!d)
        return sm_error_nomem(e, "SQL string literal");
    size_t n = 0;
    while (k < end) {
        char c = src.p[k];
        if (c == q) { /* doubled quote */
            d[n++] = q;
            k += 2;
            continue;
        }
        if (c != '\\' || raw || k + 1 >= end) {
            d[n++] = c;
            k++;
            continue;
        }
        char x = src.p[k + 1];
        k += 2;
        long cp;
        switch (x) {
        case 'n':
            d[n++] = '\n';
            break;
        case 't':
            d[n++] = '\t';
            break;
        case 'r':
            d[n++] = '\r';
            break;
        case 'b':
            d[n++] = '\b';
            break;
        case 'Z':
            d[n++] = '\x1A';
            break;
        case '%':
        case '_':
            d[n++] = '\\';
            d[n++] = x;
            break;
        case 'u':
        case 'U':
            cp = read_hex(src.p, end, k, x == 'u' ? 4 : 8);
            if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                uint32_t line, col;
                sm_sql_position(src, k - 2, &line, &col);
                return sm_error_set(e, SM_ERR_PARSE, "line %u, column %u: invalid \\%c escape",
                                    line, col, x);
            }
            k += x == 'u' ? 4 : 8;
            n += utf8_put(d + n, (uint32_t)cp);
            break;
        default:
            if (x >= '0' && x <= '3' && end - k >= 2 && src.p[k] >= '0' && src.p[k] <= '7' &&
                src.p[k + 1] >= '0' && src.p[k + 1] <= '7') {
                cp = (x - '0') * 64 + (src.p[k] - '0') * 8 + (src.p[k + 1] - '0');
                k += 2;
                n += utf8_put(d + n, (uint32_t)cp);
            } else if (x == '0') {
                d[n++] = '\0';
            } else if ((unsigned char)x >= 0x80) {
                /* keep a whole UTF-8 sequence */
                d[n++] = x;
                while (k < end && ((unsigned char)src.p[k] & 0xC0) == 0x80)
                    d[n++] = src.p[k++];
            } else {
                d[n++] = x;
            }
        }
    }
    d[n] = '\0';
    *out = sm_str_make(d, n);
    return SM_OK;
}

char *sm_sql_token_ident(sm_str_t src, const sm_sql_token_t *t, sm_arena_t *a)
{
    if (t->kind != SM_SQL_TOK_QIDENT)
        return sm_arena_strndup(a, src.p + t->off, t->len);
    char *d = sm_arena_alloc(a, t->len);
    if (!d)
        return NULL;
    size_t n = 0;
    for (size_t k = t->off + 1; k < t->off + t->len - 1; k++) {
        d[n++] = src.p[k];
        if (src.p[k] == '`')
            k++;
    }
    d[n] = '\0';
    return d;
}
