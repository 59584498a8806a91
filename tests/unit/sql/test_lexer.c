/* Unit tests for sql/lexer. */
#include <string.h>

#include "check.h"
#include "core/mem.h"
#include "sql/lexer.h"

typedef struct {
    sm_sql_token_t *t;
    size_t n;
    sm_error_t e;
    sm_err_t rc;
} lexed_t;

static lexed_t lex(const char *s)
{
    lexed_t l;
    l.rc = sm_sql_lex(sm_str_c(s), 0, &l.t, &l.n, &l.e);
    return l;
}

/* Checks one token's kind and position. */
#define TOK(l, k, kind_, line_, col_, off_, len_)                                                  \
    do {                                                                                           \
        CHECK_EQ_INT((l).t[k].kind, kind_);                                                        \
        CHECK_EQ_INT((l).t[k].line, line_);                                                        \
        CHECK_EQ_INT((l).t[k].col, col_);                                                          \
        CHECK_EQ_INT((l).t[k].off, off_);                                                          \
        CHECK_EQ_INT((l).t[k].len, len_);                                                          \
    } while (0)

static void test_keyword_table(void)
{
    /* sorted and unique, so the binary search finds every keyword */
    for (int k = 2; k < SM_SQL_KW__COUNT; k++)
        CHECK(strcmp(sm_sql_keyword_name((sm_sql_kw_t)(k - 1)),
                     sm_sql_keyword_name((sm_sql_kw_t)k)) < 0);
    for (int k = 1; k < SM_SQL_KW__COUNT; k++)
        CHECK_EQ_INT(sm_sql_keyword(sm_str_c(sm_sql_keyword_name((sm_sql_kw_t)k))), k);
    CHECK_EQ_INT(sm_sql_keyword(SM_STR_LIT("select")), SM_SQL_KW_SELECT);
    CHECK_EQ_INT(sm_sql_keyword(SM_STR_LIT("SeLeCt")), SM_SQL_KW_SELECT);
    CHECK_EQ_INT(sm_sql_keyword(SM_STR_LIT("selects")), SM_SQL_KW_NONE);
    CHECK_EQ_INT(sm_sql_keyword(SM_STR_LIT("")), SM_SQL_KW_NONE);
    CHECK_EQ_INT(sm_sql_keyword(SM_STR_LIT("type")), SM_SQL_KW_NONE);
    CHECK(sm_sql_keyword_flags(SM_SQL_KW_FROM) & SM_SQL_KWF_EXPR);
    CHECK(sm_sql_keyword_flags(SM_SQL_KW_LEFT) & SM_SQL_KWF_ALIAS);
    CHECK(!(sm_sql_keyword_flags(SM_SQL_KW_LEFT) & SM_SQL_KWF_EXPR));
    CHECK_EQ_INT(sm_sql_keyword_flags(SM_SQL_KW_DATE), 0);
    CHECK_EQ_STR(sm_sql_keyword_name(SM_SQL_KW_NONE), "");
    CHECK_EQ_STR(sm_sql_tok_kind_name(SM_SQL_TOK_LPAREN), "\"(\"");
    CHECK_EQ_STR(sm_sql_tok_kind_name(SM_SQL_TOK_EOF), "end of input");
}

static void test_every_kind(void)
{
    lexed_t l = lex("SELECT `a``b` 'x' 12 X'0f' ( ) [ ] , . ; : :: + - * / %\n"
                    "|| & | ^ ~ ! = == <> != < <= > >= <=> =>");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 36);
    TOK(l, 0, SM_SQL_TOK_IDENT, 1, 1, 0, 6);
    CHECK_EQ_INT(l.t[0].kw, SM_SQL_KW_SELECT);
    TOK(l, 1, SM_SQL_TOK_QIDENT, 1, 8, 7, 6);
    TOK(l, 2, SM_SQL_TOK_STRING, 1, 15, 14, 3);
    TOK(l, 3, SM_SQL_TOK_NUMBER, 1, 19, 18, 2);
    TOK(l, 4, SM_SQL_TOK_HEX, 1, 22, 21, 5);
    static const sm_sql_tok_kind_t punct[] = {
        SM_SQL_TOK_LPAREN, SM_SQL_TOK_RPAREN,  SM_SQL_TOK_LBRACKET, SM_SQL_TOK_RBRACKET,
        SM_SQL_TOK_COMMA,  SM_SQL_TOK_DOT,     SM_SQL_TOK_SEMI,     SM_SQL_TOK_COLON,
        SM_SQL_TOK_DCOLON, SM_SQL_TOK_PLUS,    SM_SQL_TOK_MINUS,    SM_SQL_TOK_STAR,
        SM_SQL_TOK_SLASH,  SM_SQL_TOK_PERCENT, SM_SQL_TOK_CONCAT,   SM_SQL_TOK_AMP,
        SM_SQL_TOK_PIPE,   SM_SQL_TOK_CARET,   SM_SQL_TOK_TILDE,    SM_SQL_TOK_BANG,
        SM_SQL_TOK_EQ,     SM_SQL_TOK_EQEQ,    SM_SQL_TOK_NE,       SM_SQL_TOK_BANGEQ,
        SM_SQL_TOK_LT,     SM_SQL_TOK_LE,      SM_SQL_TOK_GT,       SM_SQL_TOK_GE,
        SM_SQL_TOK_NSEQ,   SM_SQL_TOK_ARROW,
    };
    for (size_t k = 0; k < sizeof punct / sizeof punct[0] && 5 + k < l.n; k++)
        CHECK_EQ_INT(l.t[5 + k].kind, punct[k]);
    TOK(l, 5, SM_SQL_TOK_LPAREN, 1, 28, 27, 1);
    TOK(l, 13, SM_SQL_TOK_DCOLON, 1, 44, 43, 2);
    TOK(l, 19, SM_SQL_TOK_CONCAT, 2, 1, 56, 2); /* first token of line 2 */
    TOK(l, 33, SM_SQL_TOK_NSEQ, 2, 35, 90, 3);
    TOK(l, 34, SM_SQL_TOK_ARROW, 2, 39, 94, 2);
    TOK(l, 35, SM_SQL_TOK_EOF, 2, 41, 96, 0);
    sm_free(l.t);
}

static void test_empty_and_space(void)
{
    lexed_t l = lex("");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 1);
    TOK(l, 0, SM_SQL_TOK_EOF, 1, 1, 0, 0);
    sm_free(l.t);
    l = lex("  -- only a comment\n /* and /* nested */ one */\t\r\n");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 1);
    TOK(l, 0, SM_SQL_TOK_EOF, 3, 1, 50, 0);
    sm_free(l.t);
    l = lex("a--b\nc/**/d");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 4);
    TOK(l, 1, SM_SQL_TOK_IDENT, 2, 1, 5, 1);
    TOK(l, 2, SM_SQL_TOK_IDENT, 2, 6, 10, 1);
    sm_free(l.t);
}

static void test_utf8_columns(void)
{
    /* columns count code points, offsets count bytes */
    lexed_t l = lex("'été' catégorie x");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 4);
    TOK(l, 0, SM_SQL_TOK_STRING, 1, 1, 0, 7);
    TOK(l, 1, SM_SQL_TOK_IDENT, 1, 7, 8, 10);
    TOK(l, 2, SM_SQL_TOK_IDENT, 1, 17, 19, 1);
    sm_free(l.t);
}

static void test_numbers(void)
{
    static const struct {
        const char *text;
        unsigned flags;
        char suffix;
    } cases[] = {
        {"12", 0, 0},
        {"1.5", SM_SQL_NUM_DOT, 0},
        {".5", SM_SQL_NUM_DOT, 0},
        {"1.", SM_SQL_NUM_DOT, 0},
        {"1.5e3", SM_SQL_NUM_DOT | SM_SQL_NUM_EXP, 0},
        {"1E-3", SM_SQL_NUM_EXP, 0},
        {"10L", 0, 'L'},
        {"10s", 0, 'S'},
        {"10Y", 0, 'Y'},
        {"1.5D", SM_SQL_NUM_DOT, 'D'},
        {"1.5f", SM_SQL_NUM_DOT, 'F'},
        {"1.5BD", SM_SQL_NUM_DOT, 'B'},
        {"7bd", 0, 'B'},
        {"1e3D", SM_SQL_NUM_EXP, 'D'},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        lexed_t l = lex(cases[k].text);
        CHECK_OK(l.rc, &l.e);
        CHECK_EQ_INT(l.n, 2);
        CHECK_EQ_INT(l.t[0].kind, SM_SQL_TOK_NUMBER);
        CHECK_EQ_INT(l.t[0].len, strlen(cases[k].text));
        CHECK_EQ_INT(l.t[0].num_flags, cases[k].flags);
        CHECK_EQ_INT(l.t[0].suffix, cases[k].suffix);
        sm_free(l.t);
    }
    /* a dot not followed by a digit is punctuation */
    lexed_t l = lex("t.a");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_INT(l.t[1].kind, SM_SQL_TOK_DOT);
    sm_free(l.t);
    static const char *const bad[] = {"12abc", "1.5L", "1e", "1e+", "3x", "1.5Y"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        l = lex(bad[k]);
        CHECK_EQ_INT(l.rc, SM_ERR_PARSE);
        CHECK(l.t == NULL);
        CHECK(strstr(l.e.msg, "line 1, column 1: malformed number") == l.e.msg);
    }
}

static const char *str_value(const char *src)
{
    static char buf[256];
    sm_arena_t a;
    sm_arena_init(&a, 0);
    lexed_t l = lex(src);
    buf[0] = '\0';
    if (l.rc == SM_OK && l.t[0].kind == SM_SQL_TOK_STRING) {
        sm_str_t v;
        sm_error_t e;
        if (sm_sql_token_string(sm_str_c(src), &l.t[0], &a, &v, &e) == SM_OK) {
            size_t n = v.n < sizeof buf - 1 ? v.n : sizeof buf - 1;
            memcpy(buf, v.p, n);
            buf[n] = '\0';
            for (size_t k = 0; k < n; k++) /* show NULs */
                if (buf[k] == '\0')
                    buf[k] = '@';
        } else {
            snprintf(buf, sizeof buf, "ERR: %s", e.msg);
        }
    } else if (l.rc) {
        snprintf(buf, sizeof buf, "ERR: %s", l.e.msg);
    }
    sm_free(l.t);
    sm_arena_free(&a);
    return buf;
}

static void test_strings(void)
{
    CHECK_EQ_STR(str_value("'abc'"), "abc");
    CHECK_EQ_STR(str_value("''"), "");
    CHECK_EQ_STR(str_value("'it''s'"), "it's");
    CHECK_EQ_STR(str_value("\"dq\"\"x\""), "dq\"x");
    CHECK_EQ_STR(str_value("\"it's\""), "it's");
    CHECK_EQ_STR(str_value("'a\\'b'"), "a'b");
    CHECK_EQ_STR(str_value("'\\n\\t\\r\\b\\\\'"), "\n\t\r\b\\");
    CHECK_EQ_STR(str_value("'\\Z'"), "\x1A");
    CHECK_EQ_STR(str_value("'\\%\\_'"), "\\%\\_");
    CHECK_EQ_STR(str_value("'\\q'"), "q");
    CHECK_EQ_STR(str_value("'a\\0b'"), "a@b");
    CHECK_EQ_STR(str_value("'\\101\\351'"), "A\xC3\xA9"); /* octal: code points */
    CHECK_EQ_STR(str_value("'\\u00e9\\U0001F600'"), "\xC3\xA9\xF0\x9F\x98\x80");
    CHECK_EQ_STR(str_value("'\\é'"), "é");
    CHECK_EQ_STR(str_value("r'a\\nb'"), "a\\nb");
    CHECK_EQ_STR(str_value("R\"x\\\"\""), "ERR: line 1, column 1: unterminated string literal");
    CHECK_EQ_STR(str_value("'\\uD800'"), "ERR: line 1, column 2: invalid \\u escape");
    CHECK_EQ_STR(str_value("'\\u12'"), "ERR: line 1, column 2: invalid \\u escape");
    CHECK_EQ_STR(str_value("'\\U00110000'"), "ERR: line 1, column 2: invalid \\U escape");
    CHECK_EQ_STR(str_value("'abc"), "ERR: line 1, column 1: unterminated string literal");
    CHECK_EQ_STR(str_value("'abc\\'"), "ERR: line 1, column 1: unterminated string literal");
    CHECK_EQ_STR(str_value("\n  'x"), "ERR: line 2, column 3: unterminated string literal");
}

static void test_quoted_identifiers(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 0);
    const char *src = "`a``b` `/data/s3://x y` plain";
    lexed_t l = lex(src);
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_STR(sm_sql_token_ident(sm_str_c(src), &l.t[0], &a), "a`b");
    CHECK_EQ_STR(sm_sql_token_ident(sm_str_c(src), &l.t[1], &a), "/data/s3://x y");
    CHECK_EQ_STR(sm_sql_token_ident(sm_str_c(src), &l.t[2], &a), "plain");
    sm_free(l.t);
    sm_arena_free(&a);
    l = lex("``");
    CHECK_EQ_STR(l.e.msg, "line 1, column 1: empty quoted identifier ``");
    l = lex("x `abc");
    CHECK_EQ_STR(l.e.msg, "line 1, column 3: unterminated quoted identifier");
    l = lex(" `a\\` b");
    CHECK_EQ_INT(l.rc, SM_OK); /* backslash is not an escape in backquotes */
    sm_free(l.t);
}

static void test_hex(void)
{
    lexed_t l = lex("X'' x'0aF'");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_INT(l.t[0].kind, SM_SQL_TOK_HEX);
    CHECK_EQ_INT(l.t[1].kind, SM_SQL_TOK_HEX);
    sm_free(l.t);
    l = lex("X'0g'");
    CHECK_EQ_STR(l.e.msg, "line 1, column 1: binary literal X'...' holds a non-hex digit");
    l = lex("X'00");
    CHECK_EQ_STR(l.e.msg, "line 1, column 1: unterminated binary literal");
    /* X followed by something else is a word */
    l = lex("x y");
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.t[0].kind, SM_SQL_TOK_IDENT);
    sm_free(l.t);
}

static void test_errors(void)
{
    lexed_t l = lex("SELECT a $ b");
    CHECK_EQ_INT(l.rc, SM_ERR_PARSE);
    CHECK_EQ_STR(l.e.msg, "line 1, column 10: unexpected character \"$\"");
    l = lex("a\n  /* x /* y */");
    CHECK_EQ_STR(l.e.msg, "line 2, column 3: unterminated comment");
    l = lex("a \x01");
    CHECK_EQ_STR(l.e.msg, "line 1, column 3: unexpected character \\x01");
    const char nul[] = "a \0 b";
    l.rc = sm_sql_lex(sm_str_make(nul, 5), 0, &l.t, &l.n, &l.e);
    CHECK_EQ_STR(l.e.msg, "line 1, column 3: unexpected character \\x00");
    l = lex("ab\n c\xff");
    CHECK_EQ_INT(l.rc, SM_ERR_PARSE);
    CHECK_EQ_STR(l.e.msg, "line 2, column 3: invalid UTF-8");
    CHECK(l.t == NULL);
    /* a NUL inside a string is kept */
    const char nulstr[] = "'a\0b'";
    l.rc = sm_sql_lex(sm_str_make(nulstr, 5), 0, &l.t, &l.n, &l.e);
    CHECK_OK(l.rc, &l.e);
    sm_free(l.t);
    const char nulid[] = "`a\0b`";
    l.rc = sm_sql_lex(sm_str_make(nulid, 5), 0, &l.t, &l.n, &l.e);
    CHECK_EQ_STR(l.e.msg, "line 1, column 1: quoted identifier holds a NUL byte");
}

static void test_limits(void)
{
    lexed_t l;
    l.rc = sm_sql_lex(SM_STR_LIT("SELECT 1"), 8, &l.t, &l.n, &l.e);
    CHECK_OK(l.rc, &l.e);
    sm_free(l.t);
    l.rc = sm_sql_lex(SM_STR_LIT("SELECT 12"), 8, &l.t, &l.n, &l.e);
    CHECK_EQ_INT(l.rc, SM_ERR_LIMIT);
    CHECK_EQ_STR(l.e.msg, "SQL text of 9 bytes exceeds the limit of 8 bytes");
    CHECK(l.t == NULL);
    /* allocation failure: no leak, clean error */
    sm_mem_fail_after(1);
    l = lex("SELECT a FROM t");
    sm_mem_fail_after(0);
    CHECK_EQ_INT(l.rc, SM_ERR_NOMEM);
    CHECK(l.t == NULL);
    /* many tokens: the array grows */
    static char big[30001];
    for (size_t k = 0; k < 30000; k += 2) {
        big[k] = 'a';
        big[k + 1] = ',';
    }
    l = lex(big);
    CHECK_OK(l.rc, &l.e);
    CHECK_EQ_INT(l.n, 30001);
    sm_free(l.t);
}

static void test_position(void)
{
    uint32_t line, col;
    sm_sql_position(SM_STR_LIT("ab\ncé\nx"), 6, &line, &col);
    CHECK_EQ_INT(line, 2);
    CHECK_EQ_INT(col, 3);
    sm_sql_position(SM_STR_LIT(""), 0, &line, &col);
    CHECK_EQ_INT(line, 1);
    CHECK_EQ_INT(col, 1);
}

int main(void)
{
    RUN(test_keyword_table);
    RUN(test_every_kind);
    RUN(test_empty_and_space);
    RUN(test_utf8_columns);
    RUN(test_numbers);
    RUN(test_strings);
    RUN(test_quoted_identifiers);
    RUN(test_hex);
    RUN(test_errors);
    RUN(test_limits);
    RUN(test_position);
    return check_summary();
}
