/*
 * sql/parser — recursive-descent parser for smelt's Spark SQL dialect.
 *
 * Input: SQL text (a script of statements separated by ';', one
 * statement, or one expression).  Output: an sm_sql_ast_t that owns an
 * arena holding every node of the tree (sql/ast.h) — free it with
 * sm_sql_ast_free and every node goes with it.  Expressions use precedence
 * climbing with Spark's precedence, loosest first:
 *     OR; AND; NOT; IS / [NOT] BETWEEN / IN / LIKE / ILIKE / RLIKE;
 *     = == <> != < <= > >= <=>; |; ^; &; + - ||; * / % DIV;
 *     unary - + ~; postfix :: [] .field
 * Set operations: INTERSECT binds tighter than UNION / EXCEPT / MINUS,
 * which associate to the left.
 *
 * Errors are one line naming the place:
 *     line 3, column 14: expected ")" after function arguments, found "FROM"
 *     line 1, column 9: unexpected end of input (expected an expression)
 * The parser never crashes on any input: the input size, the nesting depth
 * (parentheses, subqueries, unary operators...), the height of the tree
 * (which also counts long left-associative chains such as a+b+c+...) and
 * the number of nodes are bounded (sm_sql_limits_t), each with a clear
 * SM_ERR_LIMIT error.  A tree is thus at most max_height deep, so passes
 * that walk it recursively need no further guard.
 *
 * Threads: parsing is pure and may run in any thread; a finished tree is
 * read-only (sm_sql_list_tables excepted: it allocates in the tree's arena).
 */
#ifndef SM_SQL_PARSER_H
#define SM_SQL_PARSER_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "sql/ast.h"

#define SM_SQL_MAX_DEPTH 200
#define SM_SQL_MAX_HEIGHT 2000
#define SM_SQL_MAX_NODES 500000

typedef struct sm_sql_limits {
    size_t max_bytes;  /* input size; 0: SM_SQL_MAX_INPUT (1 MiB) */
    size_t max_depth;  /* syntactic nesting; 0: SM_SQL_MAX_DEPTH */
    size_t max_height; /* tree height; 0: SM_SQL_MAX_HEIGHT */
    size_t max_nodes;  /* tree nodes; 0: SM_SQL_MAX_NODES */
} sm_sql_limits_t;

/* A parse result.  Everything it points to lives in `arena`. */
typedef struct sm_sql_ast {
    sm_arena_t arena;
    sm_sql_stmt_t **stmts; /* sm_sql_parse_script / _statement */
    size_t nstmts;
    sm_sql_expr_t *expr; /* sm_sql_parse_expr */
    size_t nnodes;       /* nodes created while parsing */
} sm_sql_ast_t;

/* Parses a script: zero or more statements separated by ';' (empty
 * statements and a trailing ';' are allowed).  lim may be NULL (defaults).
 * On success *out is a new tree to free with sm_sql_ast_free; on failure
 * *out is NULL and the error is SM_ERR_PARSE, SM_ERR_LIMIT or
 * SM_ERR_NOMEM. */
sm_err_t sm_sql_parse_script(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                             sm_error_t *e);
/* Same, but the text must hold exactly one statement (a trailing ';' is
 * allowed): nstmts is 1. */
sm_err_t sm_sql_parse_statement(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                                sm_error_t *e);
/* Parses one expression (for checks such as "amount > 0"): (*out)->expr. */
sm_err_t sm_sql_parse_expr(sm_str_t sql, const sm_sql_limits_t *lim, sm_sql_ast_t **out,
                           sm_error_t *e);
/* Frees the tree and everything in it; NULL is allowed. */
void sm_sql_ast_free(sm_sql_ast_t *ast);

/* The tables a statement reads, for building the pipeline DAG: every table
 * name in FROM clauses, joins, MERGE sources and subqueries anywhere
 * (including in expressions), in order of first appearance, each once
 * (names compared case-insensitively).  Not listed: names that refer to a
 * CTE in scope, table functions (read_parquet...), and the target a
 * statement writes (INSERT, CREATE, UPDATE, DELETE, MERGE targets;
 * DESCRIBE's table).  *out is an array in ast's arena (its names point into
 * the tree); *n may be 0.  SM_ERR_NOMEM on failure.  It allocates in the
 * arena, so one thread at a time per tree. */
sm_err_t sm_sql_list_tables(sm_sql_ast_t *ast, const sm_sql_stmt_t *st, sm_sql_name_t **out,
                            size_t *n, sm_error_t *e);

#endif
