/*
 * sql/lexer — turns SQL text (smelt's Spark SQL dialect) into tokens.
 *
 * The whole input is lexed up front into an array of tokens ending with one
 * SM_SQL_TOK_EOF token.  A token does not copy its text: it records its
 * byte offset and length in the source, its 1-based line and column
 * (columns count UTF-8 code points) and, for words, the keyword it spells.
 * Values (string contents, backquoted names) are decoded on demand with
 * sm_sql_token_string / sm_sql_token_ident, which resolve escapes.
 *
 * Lexical rules (Spark SQL):
 *   - words: [A-Za-z_][A-Za-z0-9_]* (bytes >= 0x80 count as letters, so
 *     UTF-8 names work); keywords are recognised case-insensitively but a
 *     word is always an IDENT token: whether a keyword is usable as a name
 *     is the parser's business (see SM_SQL_KWF_*);
 *   - `quoted identifiers` with `` for a backquote inside;
 *   - 'strings' and "strings" (both are strings in Spark), with backslash
 *     escapes and a doubled quote for the quote itself; r'raw' strings;
 *   - X'hex' binary literals;
 *   - numbers: 12, 1.5, .5, 1., 1.5e3, with an optional suffix L S Y D F BD;
 *   - comments: -- to end of line, and nested block comments.
 * The input must be valid UTF-8 and contain no NUL byte outside strings.
 *
 * Errors are one line: "line 2, column 7: unterminated string literal".
 *
 * Ownership: the token array returned by sm_sql_lex belongs to the caller
 * (sm_free).  Threads: pure functions, callable from any thread.
 */
#ifndef SM_SQL_LEXER_H
#define SM_SQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

typedef enum sm_sql_tok_kind {
    SM_SQL_TOK_EOF = 0,
    SM_SQL_TOK_IDENT,  /* word, possibly a keyword (see kw) */
    SM_SQL_TOK_QIDENT, /* `backquoted identifier` */
    SM_SQL_TOK_STRING, /* 'x' or "x" or r'x' */
    SM_SQL_TOK_NUMBER, /* see num_flags and suffix */
    SM_SQL_TOK_HEX,    /* X'0AFF' */
    SM_SQL_TOK_LPAREN,
    SM_SQL_TOK_RPAREN,
    SM_SQL_TOK_LBRACKET,
    SM_SQL_TOK_RBRACKET,
    SM_SQL_TOK_COMMA,
    SM_SQL_TOK_DOT,
    SM_SQL_TOK_SEMI,
    SM_SQL_TOK_COLON,
    SM_SQL_TOK_DCOLON, /* :: */
    SM_SQL_TOK_PLUS,
    SM_SQL_TOK_MINUS,
    SM_SQL_TOK_STAR,
    SM_SQL_TOK_SLASH,
    SM_SQL_TOK_PERCENT,
    SM_SQL_TOK_CONCAT, /* || */
    SM_SQL_TOK_AMP,
    SM_SQL_TOK_PIPE,
    SM_SQL_TOK_CARET,
    SM_SQL_TOK_TILDE,
    SM_SQL_TOK_BANG,   /* ! (means NOT) */
    SM_SQL_TOK_EQ,     /* = */
    SM_SQL_TOK_EQEQ,   /* == */
    SM_SQL_TOK_NE,     /* <> */
    SM_SQL_TOK_BANGEQ, /* != */
    SM_SQL_TOK_LT,
    SM_SQL_TOK_LE,
    SM_SQL_TOK_GT,
    SM_SQL_TOK_GE,
    SM_SQL_TOK_NSEQ,  /* <=> */
    SM_SQL_TOK_ARROW, /* => (named arguments) */
    SM_SQL_TOK__COUNT
} sm_sql_tok_kind_t;

/* Keyword flags: what a keyword may NOT be used as when written bare. */
#define SM_SQL_KWF_EXPR 1u  /* not a column name in an expression */
#define SM_SQL_KWF_ALIAS 2u /* not an alias without AS */
#define SM_SQL_KWF_QUOTE 4u /* the printer backquotes it when used as a name */

/* X(name, flags): every keyword the parser knows. */
#define SM_SQL_KEYWORDS(X)                                                                         \
    X(ALL, SM_SQL_KWF_ALIAS)                                                                       \
    X(ANALYZE, 0)                                                                                  \
    X(AND, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                     \
    X(ANTI, SM_SQL_KWF_ALIAS)                                                                      \
    X(AS, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(ASC, SM_SQL_KWF_ALIAS)                                                                       \
    X(BETWEEN, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                 \
    X(BY, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(CASE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(CAST, 0)                                                                                     \
    X(CLUSTER, SM_SQL_KWF_ALIAS)                                                                   \
    X(COMMENT, 0)                                                                                  \
    X(CREATE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                  \
    X(CROSS, SM_SQL_KWF_ALIAS)                                                                     \
    X(CURRENT, 0)                                                                                  \
    X(CURRENT_DATE, SM_SQL_KWF_QUOTE)                                                              \
    X(CURRENT_TIMESTAMP, SM_SQL_KWF_QUOTE)                                                         \
    X(CURRENT_USER, SM_SQL_KWF_QUOTE)                                                              \
    X(DATE, 0)                                                                                     \
    X(DELETE, 0)                                                                                   \
    X(DESC, SM_SQL_KWF_ALIAS)                                                                      \
    X(DESCRIBE, 0)                                                                                 \
    X(DISTINCT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                \
    X(DISTRIBUTE, SM_SQL_KWF_ALIAS)                                                                \
    X(DIV, SM_SQL_KWF_ALIAS)                                                                       \
    X(ELSE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(END, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                     \
    X(ESCAPE, SM_SQL_KWF_ALIAS)                                                                    \
    X(EXCEPT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                  \
    X(EXISTS, 0)                                                                                   \
    X(EXPLAIN, 0)                                                                                  \
    X(EXTENDED, 0)                                                                                 \
    X(EXTRACT, 0)                                                                                  \
    X(FALSE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(FILTER, SM_SQL_KWF_ALIAS)                                                                    \
    X(FIRST, 0)                                                                                    \
    X(FOLLOWING, 0)                                                                                \
    X(FOR, SM_SQL_KWF_ALIAS)                                                                       \
    X(FORMATTED, 0)                                                                                \
    X(FROM, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(FULL, SM_SQL_KWF_ALIAS)                                                                      \
    X(GROUP, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(HAVING, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                  \
    X(IF, 0)                                                                                       \
    X(ILIKE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(IN, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(INNER, SM_SQL_KWF_ALIAS)                                                                     \
    X(INSERT, 0)                                                                                   \
    X(INTERSECT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                               \
    X(INTERVAL, SM_SQL_KWF_QUOTE)                                                                  \
    X(INTO, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(IS, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(JOIN, SM_SQL_KWF_ALIAS)                                                                      \
    X(LAST, 0)                                                                                     \
    X(LATERAL, SM_SQL_KWF_ALIAS)                                                                   \
    X(LEFT, SM_SQL_KWF_ALIAS)                                                                      \
    X(LIKE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(LIMIT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(LOCATION, 0)                                                                                 \
    X(MATCHED, 0)                                                                                  \
    X(MERGE, 0)                                                                                    \
    X(MINUS, SM_SQL_KWF_ALIAS)                                                                     \
    X(NATURAL, SM_SQL_KWF_ALIAS)                                                                   \
    X(NOT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                     \
    X(NULL, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(NULLS, SM_SQL_KWF_ALIAS)                                                                     \
    X(OF, 0)                                                                                       \
    X(OFFSET, SM_SQL_KWF_ALIAS)                                                                    \
    X(ON, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(OR, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                      \
    X(ORDER, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(OUTER, SM_SQL_KWF_ALIAS)                                                                     \
    X(OVER, SM_SQL_KWF_ALIAS)                                                                      \
    X(OVERWRITE, 0)                                                                                \
    X(PARTITION, SM_SQL_KWF_ALIAS)                                                                 \
    X(PARTITIONED, 0)                                                                              \
    X(PRECEDING, 0)                                                                                \
    X(QUALIFY, SM_SQL_KWF_ALIAS)                                                                   \
    X(RANGE, 0)                                                                                    \
    X(REGEXP, SM_SQL_KWF_ALIAS)                                                                    \
    X(REPLACE, 0)                                                                                  \
    X(RIGHT, SM_SQL_KWF_ALIAS)                                                                     \
    X(RLIKE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(ROW, 0)                                                                                      \
    X(ROWS, 0)                                                                                     \
    X(SELECT, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                  \
    X(SEMI, SM_SQL_KWF_ALIAS)                                                                      \
    X(SET, SM_SQL_KWF_ALIAS)                                                                       \
    X(SHOW, 0)                                                                                     \
    X(SORT, SM_SQL_KWF_ALIAS)                                                                      \
    X(SOURCE, 0)                                                                                   \
    X(TABLE, SM_SQL_KWF_ALIAS)                                                                     \
    X(TABLES, 0)                                                                                   \
    X(TARGET, 0)                                                                                   \
    X(THEN, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(TIMESTAMP, 0)                                                                                \
    X(TIMESTAMP_LTZ, 0)                                                                            \
    X(TIMESTAMP_NTZ, 0)                                                                            \
    X(TO, 0)                                                                                       \
    X(TRUE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(TRY_CAST, 0)                                                                                 \
    X(UNBOUNDED, 0)                                                                                \
    X(UNION, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(UNKNOWN, 0)                                                                                  \
    X(UPDATE, 0)                                                                                   \
    X(USING, SM_SQL_KWF_ALIAS)                                                                     \
    X(VALUES, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                  \
    X(VERSION, 0)                                                                                  \
    X(WHEN, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                    \
    X(WHERE, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)                                                   \
    X(WINDOW, SM_SQL_KWF_ALIAS)                                                                    \
    X(WITH, SM_SQL_KWF_EXPR | SM_SQL_KWF_ALIAS)

typedef enum sm_sql_kw {
    SM_SQL_KW_NONE = 0,
#define SM_SQL_KW_ENUM_(name, flags) SM_SQL_KW_##name,
    SM_SQL_KEYWORDS(SM_SQL_KW_ENUM_)
#undef SM_SQL_KW_ENUM_
        SM_SQL_KW__COUNT
} sm_sql_kw_t;

/* num_flags of a NUMBER token */
#define SM_SQL_NUM_DOT 1u /* has a decimal point */
#define SM_SQL_NUM_EXP 2u /* has an exponent */

typedef struct sm_sql_token {
    uint8_t kind;      /* sm_sql_tok_kind_t */
    uint8_t num_flags; /* NUMBER: SM_SQL_NUM_* */
    char suffix;       /* NUMBER: 0 or 'L','S','Y','D','F', 'B' for BD (upper case);
                          STRING: 'r' for a raw string */
    uint16_t kw;       /* IDENT: sm_sql_kw_t, SM_SQL_KW_NONE for a plain word */
    uint32_t off;      /* byte offset of the first byte */
    uint32_t len;      /* bytes, including quotes and the number suffix */
    uint32_t line;     /* 1-based */
    uint32_t col;      /* 1-based, in code points */
} sm_sql_token_t;

/* Lexes src (at most max_bytes bytes; 0 means SM_SQL_MAX_INPUT) into a new
 * array *toks of *ntoks tokens, the last being EOF (positioned just after
 * the last byte).  On failure returns SM_ERR_PARSE (bad input, message
 * "line L, column C: ..."), SM_ERR_LIMIT (input too large) or SM_ERR_NOMEM,
 * and *toks is NULL.  The caller frees *toks with sm_free. */
#define SM_SQL_MAX_INPUT ((size_t)1 << 20)
sm_err_t sm_sql_lex(sm_str_t src, size_t max_bytes, sm_sql_token_t **toks, size_t *ntoks,
                    sm_error_t *e);

/* The keyword spelled by word (case-insensitive), SM_SQL_KW_NONE if none. */
sm_sql_kw_t sm_sql_keyword(sm_str_t word);
/* Upper-case name of a keyword ("SELECT"); "" for SM_SQL_KW_NONE. */
const char *sm_sql_keyword_name(sm_sql_kw_t kw);
/* SM_SQL_KWF_* flags of a keyword (0 for NONE). */
unsigned sm_sql_keyword_flags(sm_sql_kw_t kw);
/* A short name for a token kind: "identifier", "string", "\"(\"", ... */
const char *sm_sql_tok_kind_name(sm_sql_tok_kind_t kind);

/* Decodes a STRING token of src into arena memory: escapes resolved
 * (\n \t \r \b \0 \Z \\ \' \" \uXXXX \UXXXXXXXX, octal \ooo as a code
 * point, \% and \_ kept with their backslash, any other \c gives c), a
 * doubled quote gives one quote; raw strings are taken as is.  The result
 * is NUL-terminated (and may contain NUL bytes) and valid UTF-8.
 * SM_ERR_PARSE for a bad \u escape (surrogate or beyond U+10FFFF),
 * SM_ERR_NOMEM. */
sm_err_t sm_sql_token_string(sm_str_t src, const sm_sql_token_t *t, sm_arena_t *a, sm_str_t *out,
                             sm_error_t *e);
/* The name an IDENT or QIDENT token spells, NUL-terminated in the arena
 * (backquotes removed, `` turned into `).  NULL when out of memory. */
char *sm_sql_token_ident(sm_str_t src, const sm_sql_token_t *t, sm_arena_t *a);

/* Line and column (1-based, columns in code points) of byte offset off. */
void sm_sql_position(sm_str_t src, size_t off, uint32_t *line, uint32_t *col);

#endif
