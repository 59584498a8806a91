/*
 * sql/ast — the syntax tree of smelt's Spark SQL dialect, its constructors
 * and a printer that renders a tree back to SQL text.
 *
 * Shape: one tagged union per family of nodes —
 *   sm_sql_expr_t   expressions (literals, columns, operators, calls, ...)
 *   sm_sql_table_t  FROM items (table names, table functions, subqueries,
 *                   joins)
 *   sm_sql_body_t   query bodies (SELECT, VALUES, set operations, a
 *                   parenthesised query)
 *   sm_sql_query_t  WITH + body + ORDER BY/LIMIT/OFFSET
 *   sm_sql_stmt_t   statements
 * with plain child pointers and (pointer, count) arrays.  A NULL child means
 * "absent" (no WHERE, no alias...).  Names are NUL-terminated strings as
 * written (quotes removed, case kept: the binder resolves names
 * case-insensitively, as Spark does).  Every node carries the position
 * (line, column, byte offset) of the token that starts it — for binary
 * operators and predicates, of the operator keyword or symbol.
 *
 * Ownership: every node, array and string of a tree lives in one arena
 * (core/arena.h); sm_sql_ast_t (sql/parser.h) owns the arena of a parsed
 * text and frees it all at once.  Nodes are never freed one by one.
 *
 * The printer writes canonical SQL: expressions fully parenthesised
 * ("(a + (b * c))"), keywords upper case, names backquoted only when
 * needed, `x::t` written CAST(x AS t), string literals with backslash
 * escapes.  The output parses back to the same tree, so tests compare
 * printed text and EXPLAIN shows it.
 *
 * Threads: a finished tree is read-only and may be read by any thread.
 */
#ifndef SM_SQL_AST_H
#define SM_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

typedef struct sm_sql_pos {
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, in code points */
    uint32_t off;  /* byte offset in the parsed text */
} sm_sql_pos_t;

typedef struct sm_sql_expr sm_sql_expr_t;
typedef struct sm_sql_table sm_sql_table_t;
typedef struct sm_sql_body sm_sql_body_t;
typedef struct sm_sql_query sm_sql_query_t;
typedef struct sm_sql_stmt sm_sql_stmt_t;
typedef struct sm_sql_type sm_sql_type_t;
typedef struct sm_sql_window sm_sql_window_t;

typedef struct sm_sql_ident {
    const char *name; /* NULL: absent */
    sm_sql_pos_t pos;
    bool quoted; /* written `like this` */
} sm_sql_ident_t;

/* A possibly qualified name: t, bronze.orders, delta.`/p`, a.b.c */
typedef struct sm_sql_name {
    sm_sql_ident_t *parts;
    size_t nparts; /* 0: absent */
} sm_sql_name_t;

/* ---- types ------------------------------------------------------------- */

/* A type name as written: name is lower case ("int", "decimal", "array",
 * "map", "struct", or anything else — the binder checks it).  params hold
 * decimal(10,2) / varchar(10); args hold array<T> (1), map<K,V> (2) and
 * struct<a:T,...> (one per field, named by fields[i]). */
struct sm_sql_type {
    sm_sql_pos_t pos;
    const char *name;
    int64_t params[2];
    size_t nparams;
    sm_sql_type_t **args;
    sm_sql_ident_t *fields; /* struct only: nargs names */
    size_t nargs;
};

/* ---- expressions ------------------------------------------------------- */

typedef enum sm_sql_expr_kind {
    SM_SQL_EXPR_LITERAL,
    SM_SQL_EXPR_COLUMN,    /* u.column: a, t.a, db.t.a */
    SM_SQL_EXPR_STAR,      /* u.star: * or t.* (select lists only) */
    SM_SQL_EXPR_UNARY,     /* u.unary */
    SM_SQL_EXPR_BINARY,    /* u.binary */
    SM_SQL_EXPR_IS,        /* u.is */
    SM_SQL_EXPR_BETWEEN,   /* u.between */
    SM_SQL_EXPR_IN_LIST,   /* u.in (list) */
    SM_SQL_EXPR_IN_QUERY,  /* u.in (query) */
    SM_SQL_EXPR_EXISTS,    /* u.query */
    SM_SQL_EXPR_SUBQUERY,  /* u.query: a scalar subquery */
    SM_SQL_EXPR_LIKE,      /* u.like */
    SM_SQL_EXPR_CASE,      /* u.case_ */
    SM_SQL_EXPR_CAST,      /* u.cast (also x::t) */
    SM_SQL_EXPR_FUNC,      /* u.func */
    SM_SQL_EXPR_NAMED_ARG, /* u.named: name => value, in call arguments */
    SM_SQL_EXPR_SUBSCRIPT, /* u.subscript: a[i] */
    SM_SQL_EXPR_FIELD,     /* u.field: (expr).name after a non-name */
} sm_sql_expr_kind_t;

typedef enum sm_sql_lit_kind {
    SM_SQL_LIT_NULL,
    SM_SQL_LIT_BOOL,      /* b */
    SM_SQL_LIT_TINYINT,   /* i; 10Y */
    SM_SQL_LIT_SMALLINT,  /* i; 10S */
    SM_SQL_LIT_INT,       /* i; an integer that fits 32 bits */
    SM_SQL_LIT_BIGINT,    /* i; 10L or an integer that fits 64 bits */
    SM_SQL_LIT_DECIMAL,   /* text: 1.5, 1.5BD, or an integer beyond 64 bits */
    SM_SQL_LIT_FLOAT,     /* d; 1.5F */
    SM_SQL_LIT_DOUBLE,    /* d; 1.5e3, 1.5D */
    SM_SQL_LIT_STRING,    /* text (decoded, may hold NUL bytes) */
    SM_SQL_LIT_DATE,      /* text: DATE '2026-01-01' (unchecked) */
    SM_SQL_LIT_TIMESTAMP, /* text: TIMESTAMP '...' (unchecked) */
    SM_SQL_LIT_TIMESTAMP_NTZ,
    SM_SQL_LIT_BINARY,   /* text: the bytes of X'...' */
    SM_SQL_LIT_INTERVAL, /* interval */
} sm_sql_lit_kind_t;

/* One "<value> <unit>" of INTERVAL 1 DAY 2 HOURS or INTERVAL '1-2' YEAR. */
typedef struct sm_sql_interval_part {
    sm_str_t value;   /* number text with its sign, or the decoded string */
    bool quoted;      /* written as a string */
    const char *unit; /* upper case singular: "DAY"; NULL for INTERVAL '...' alone */
} sm_sql_interval_part_t;

typedef struct sm_sql_literal {
    sm_sql_lit_kind_t kind;
    bool b;
    int64_t i;
    double d;
    sm_str_t text;                 /* numbers: the digits as written with the sign, no suffix */
    char suffix;                   /* numbers: the suffix as written (0, L S Y D F, B for BD) */
    sm_sql_interval_part_t *parts; /* INTERVAL */
    size_t nparts;
    const char *to_unit; /* INTERVAL '1-2' YEAR TO MONTH: "MONTH" */
} sm_sql_literal_t;

typedef enum sm_sql_unop {
    SM_SQL_UNOP_NEG,    /* -x */
    SM_SQL_UNOP_PLUS,   /* +x */
    SM_SQL_UNOP_BITNOT, /* ~x */
    SM_SQL_UNOP_NOT,    /* NOT x, !x */
} sm_sql_unop_t;

typedef enum sm_sql_binop {
    SM_SQL_BINOP_OR,
    SM_SQL_BINOP_AND,
    SM_SQL_BINOP_EQ, /* = and == */
    SM_SQL_BINOP_NE, /* <> and != */
    SM_SQL_BINOP_LT,
    SM_SQL_BINOP_LE,
    SM_SQL_BINOP_GT,
    SM_SQL_BINOP_GE,
    SM_SQL_BINOP_NSEQ, /* <=> null-safe equality */
    SM_SQL_BINOP_BITOR,
    SM_SQL_BINOP_BITXOR,
    SM_SQL_BINOP_BITAND,
    SM_SQL_BINOP_ADD,
    SM_SQL_BINOP_SUB,
    SM_SQL_BINOP_CONCAT, /* || */
    SM_SQL_BINOP_MUL,
    SM_SQL_BINOP_DIV,  /* / */
    SM_SQL_BINOP_MOD,  /* % */
    SM_SQL_BINOP_IDIV, /* DIV: integer division */
} sm_sql_binop_t;

typedef enum sm_sql_is_kind {
    SM_SQL_IS_NULL,
    SM_SQL_IS_TRUE,
    SM_SQL_IS_FALSE,
    SM_SQL_IS_UNKNOWN,
    SM_SQL_IS_DISTINCT_FROM, /* u.is.other */
} sm_sql_is_kind_t;

typedef enum sm_sql_like_kind {
    SM_SQL_LIKE,
    SM_SQL_ILIKE,
    SM_SQL_RLIKE, /* RLIKE and REGEXP */
} sm_sql_like_kind_t;

typedef enum sm_sql_sort_dir {
    SM_SQL_SORT_DEFAULT,
    SM_SQL_SORT_ASC,
    SM_SQL_SORT_DESC
} sm_sql_sort_dir_t;
typedef enum sm_sql_nulls {
    SM_SQL_NULLS_DEFAULT,
    SM_SQL_NULLS_FIRST,
    SM_SQL_NULLS_LAST
} sm_sql_nulls_t;

typedef struct sm_sql_sort {
    sm_sql_expr_t *expr;
    sm_sql_sort_dir_t dir;
    sm_sql_nulls_t nulls;
} sm_sql_sort_t;

typedef enum sm_sql_frame_unit {
    SM_SQL_FRAME_NONE,
    SM_SQL_FRAME_ROWS,
    SM_SQL_FRAME_RANGE,
} sm_sql_frame_unit_t;

typedef enum sm_sql_bound_kind {
    SM_SQL_BOUND_UNBOUNDED_PRECEDING,
    SM_SQL_BOUND_PRECEDING, /* offset */
    SM_SQL_BOUND_CURRENT_ROW,
    SM_SQL_BOUND_FOLLOWING, /* offset */
    SM_SQL_BOUND_UNBOUNDED_FOLLOWING,
} sm_sql_bound_kind_t;

typedef struct sm_sql_bound {
    sm_sql_bound_kind_t kind;
    sm_sql_expr_t *offset; /* n PRECEDING / n FOLLOWING */
} sm_sql_bound_t;

/* OVER (PARTITION BY ... ORDER BY ... frame) */
struct sm_sql_window {
    sm_sql_pos_t pos;
    sm_sql_expr_t **partition;
    size_t npartition;
    sm_sql_sort_t *order;
    size_t norder;
    sm_sql_frame_unit_t unit; /* NONE: no frame written */
    bool between;             /* BETWEEN start AND end; otherwise start only */
    sm_sql_bound_t start, end;
};

struct sm_sql_expr {
    sm_sql_expr_kind_t kind;
    sm_sql_pos_t pos;
    union {
        sm_sql_literal_t lit;
        sm_sql_name_t column;
        sm_sql_name_t star; /* the qualifier; nparts 0 for a bare * */
        struct {
            sm_sql_unop_t op;
            sm_sql_expr_t *arg;
        } unary;
        struct {
            sm_sql_binop_t op;
            sm_sql_expr_t *left, *right;
        } binary;
        struct {
            sm_sql_is_kind_t what;
            bool negated; /* IS NOT ... */
            sm_sql_expr_t *arg, *other;
        } is;
        struct {
            bool negated;
            sm_sql_expr_t *arg, *low, *high;
        } between;
        struct {
            bool negated;
            sm_sql_expr_t *arg;
            sm_sql_expr_t **list; /* IN_LIST */
            size_t nlist;
            sm_sql_query_t *query; /* IN_QUERY */
        } in;
        sm_sql_query_t *query; /* EXISTS, SUBQUERY */
        struct {
            sm_sql_like_kind_t op;
            bool negated;
            sm_sql_expr_t *arg, *pattern, *escape; /* escape may be NULL */
        } like;
        struct {
            sm_sql_expr_t *operand; /* CASE x WHEN ...; NULL for CASE WHEN */
            sm_sql_expr_t **whens, **thens;
            size_t nwhens;
            sm_sql_expr_t *else_; /* may be NULL */
        } case_;
        struct {
            bool try_; /* TRY_CAST */
            sm_sql_expr_t *arg;
            sm_sql_type_t *type;
        } cast;
        struct {
            sm_sql_name_t name;
            sm_sql_expr_t **args;
            size_t nargs;
            bool distinct;         /* f(DISTINCT ...) */
            bool star;             /* count(*): nargs is 0 */
            sm_sql_expr_t *filter; /* FILTER (WHERE ...) */
            sm_sql_window_t *over; /* OVER (...) */
        } func;
        struct {
            const char *name;
            sm_sql_expr_t *value;
        } named;
        struct {
            sm_sql_expr_t *arg, *index;
        } subscript;
        struct {
            sm_sql_expr_t *arg;
            sm_sql_ident_t name;
        } field;
    } u;
};

/* ---- FROM items -------------------------------------------------------- */

typedef enum sm_sql_table_kind {
    SM_SQL_TABLE_NAME,  /* u.table */
    SM_SQL_TABLE_FUNC,  /* u.func: read_parquet('...') */
    SM_SQL_TABLE_QUERY, /* u.query: (SELECT ...) AS t, VALUES ... AS t */
    SM_SQL_TABLE_JOIN,  /* u.join */
} sm_sql_table_kind_t;

typedef enum sm_sql_join_kind {
    SM_SQL_JOIN_INNER,
    SM_SQL_JOIN_LEFT,
    SM_SQL_JOIN_RIGHT,
    SM_SQL_JOIN_FULL,
    SM_SQL_JOIN_CROSS,
    SM_SQL_JOIN_SEMI,  /* LEFT SEMI */
    SM_SQL_JOIN_ANTI,  /* LEFT ANTI */
    SM_SQL_JOIN_COMMA, /* FROM a, b: a cross join written with a comma */
} sm_sql_join_kind_t;

typedef enum sm_sql_travel {
    SM_SQL_TRAVEL_NONE,
    SM_SQL_TRAVEL_VERSION,   /* VERSION AS OF expr */
    SM_SQL_TRAVEL_TIMESTAMP, /* TIMESTAMP AS OF expr */
} sm_sql_travel_t;

struct sm_sql_table {
    sm_sql_table_kind_t kind;
    sm_sql_pos_t pos;
    sm_sql_ident_t alias;        /* name NULL: none (always none for joins) */
    sm_sql_ident_t *col_aliases; /* t(a, b) */
    size_t ncol_aliases;
    union {
        struct {
            sm_sql_name_t name;
            sm_sql_travel_t travel;
            sm_sql_expr_t *as_of;
        } table;
        struct {
            sm_sql_name_t name;
            sm_sql_expr_t **args; /* NAMED_ARG for header => true */
            size_t nargs;
        } func;
        sm_sql_query_t *query;
        struct {
            sm_sql_join_kind_t kind;
            sm_sql_table_t *left, *right;
            sm_sql_expr_t *on;      /* may be NULL */
            sm_sql_ident_t *using_; /* USING (a, b) */
            size_t nusing;
        } join;
    } u;
};

/* ---- queries ----------------------------------------------------------- */

typedef struct sm_sql_select_item {
    sm_sql_expr_t *expr; /* may be a STAR */
    sm_sql_ident_t alias;
} sm_sql_select_item_t;

typedef struct sm_sql_select {
    bool distinct;
    sm_sql_select_item_t *items;
    size_t nitems;
    sm_sql_table_t *from; /* NULL: SELECT without FROM */
    sm_sql_expr_t *where;
    sm_sql_expr_t **group_by; /* expressions, positions (literal ints), aliases */
    size_t ngroup_by;
    bool group_all; /* GROUP BY ALL */
    sm_sql_expr_t *having;
} sm_sql_select_t;

typedef struct sm_sql_row {
    sm_sql_expr_t **values;
    size_t nvalues;
} sm_sql_row_t;

typedef enum sm_sql_body_kind {
    SM_SQL_BODY_SELECT, /* u.select */
    SM_SQL_BODY_VALUES, /* u.values */
    SM_SQL_BODY_SETOP,  /* u.setop */
    SM_SQL_BODY_QUERY,  /* u.query: ( query ) with its own WITH/ORDER BY/LIMIT */
} sm_sql_body_kind_t;

typedef enum sm_sql_setop_kind {
    SM_SQL_SETOP_UNION,
    SM_SQL_SETOP_INTERSECT,
    SM_SQL_SETOP_EXCEPT, /* EXCEPT and MINUS */
} sm_sql_setop_kind_t;

struct sm_sql_body {
    sm_sql_body_kind_t kind;
    sm_sql_pos_t pos;
    union {
        sm_sql_select_t select;
        struct {
            sm_sql_row_t *rows;
            size_t nrows;
        } values;
        struct {
            sm_sql_setop_kind_t op;
            bool all; /* UNION ALL; false for UNION / UNION DISTINCT */
            sm_sql_body_t *left, *right;
        } setop;
        sm_sql_query_t *query;
    } u;
};

typedef struct sm_sql_cte {
    sm_sql_ident_t name;
    sm_sql_ident_t *cols; /* WITH t(a, b) AS (...) */
    size_t ncols;
    sm_sql_query_t *query;
} sm_sql_cte_t;

struct sm_sql_query {
    sm_sql_pos_t pos;
    sm_sql_cte_t *ctes;
    size_t nctes;
    sm_sql_body_t *body;
    sm_sql_sort_t *order_by;
    size_t norder_by;
    sm_sql_expr_t *limit;  /* NULL: none (also for LIMIT ALL) */
    sm_sql_expr_t *offset; /* NULL: none */
};

/* ---- statements -------------------------------------------------------- */

typedef enum sm_sql_stmt_kind {
    SM_SQL_STMT_QUERY,        /* u.query */
    SM_SQL_STMT_CREATE_TABLE, /* u.create */
    SM_SQL_STMT_INSERT,       /* u.insert */
    SM_SQL_STMT_DELETE,       /* u.delete_ */
    SM_SQL_STMT_UPDATE,       /* u.update */
    SM_SQL_STMT_MERGE,        /* u.merge */
    SM_SQL_STMT_EXPLAIN,      /* u.explain */
    SM_SQL_STMT_SHOW_TABLES,  /* u.show */
    SM_SQL_STMT_DESCRIBE,     /* u.describe */
} sm_sql_stmt_kind_t;

typedef struct sm_sql_column_def {
    sm_sql_ident_t name;
    sm_sql_type_t *type;
    bool not_null;
    const char *comment; /* NULL: none */
} sm_sql_column_def_t;

/* SET col = value (UPDATE, MERGE); col may be qualified (t.col). */
typedef struct sm_sql_assign {
    sm_sql_name_t column;
    sm_sql_expr_t *value;
} sm_sql_assign_t;

/* PARTITION (col = value, col2): value NULL for a dynamic partition. */
typedef struct sm_sql_partval {
    sm_sql_ident_t column;
    sm_sql_expr_t *value;
} sm_sql_partval_t;

typedef enum sm_sql_merge_match {
    SM_SQL_MERGE_MATCHED,
    SM_SQL_MERGE_NOT_MATCHED, /* [BY TARGET] */
    SM_SQL_MERGE_NOT_MATCHED_BY_SOURCE,
} sm_sql_merge_match_t;

typedef enum sm_sql_merge_action {
    SM_SQL_MERGE_UPDATE,      /* assigns */
    SM_SQL_MERGE_UPDATE_STAR, /* UPDATE SET * */
    SM_SQL_MERGE_DELETE,
    SM_SQL_MERGE_INSERT,      /* cols (may be 0) + values */
    SM_SQL_MERGE_INSERT_STAR, /* INSERT * */
} sm_sql_merge_action_t;

typedef struct sm_sql_merge_clause {
    sm_sql_pos_t pos;
    sm_sql_merge_match_t match;
    sm_sql_expr_t *cond; /* WHEN ... AND cond; may be NULL */
    sm_sql_merge_action_t action;
    sm_sql_assign_t *assigns;
    size_t nassigns;
    sm_sql_ident_t *cols;
    size_t ncols;
    sm_sql_expr_t **values;
    size_t nvalues;
} sm_sql_merge_clause_t;

struct sm_sql_stmt {
    sm_sql_stmt_kind_t kind;
    sm_sql_pos_t pos;
    sm_str_t text; /* the statement's source text (in the arena) */
    union {
        sm_sql_query_t *query;
        struct {
            bool or_replace, if_not_exists;
            sm_sql_name_t name;
            sm_sql_column_def_t *cols; /* CREATE TABLE t (a int, ...) */
            size_t ncols;
            const char *using_; /* USING delta; NULL: none */
            sm_sql_ident_t *partitioned_by;
            size_t npartitioned_by;
            const char *location;     /* LOCATION '...'; NULL: none */
            const char *comment;      /* COMMENT '...'; NULL: none */
            sm_sql_query_t *as_query; /* AS query; NULL: none */
        } create;
        struct {
            bool overwrite; /* INSERT OVERWRITE */
            sm_sql_name_t table;
            sm_sql_partval_t *partition;
            size_t npartition;
            sm_sql_ident_t *cols;
            size_t ncols;
            sm_sql_query_t *query; /* VALUES rows are a query too */
        } insert;
        struct {
            sm_sql_name_t table;
            sm_sql_ident_t alias;
            sm_sql_expr_t *where;
        } delete_;
        struct {
            sm_sql_name_t table;
            sm_sql_ident_t alias;
            sm_sql_assign_t *set;
            size_t nset;
            sm_sql_expr_t *where;
        } update;
        struct {
            sm_sql_name_t target;
            sm_sql_ident_t target_alias;
            sm_sql_table_t *source; /* a table name or a subquery, with alias */
            sm_sql_expr_t *on;
            sm_sql_merge_clause_t *clauses;
            size_t nclauses;
        } merge;
        struct {
            bool analyze;  /* EXPLAIN ANALYZE: run it and show timings */
            bool extended; /* EXPLAIN EXTENDED / FORMATTED */
            sm_sql_stmt_t *stmt;
        } explain;
        struct {
            sm_sql_name_t in; /* SHOW TABLES IN bronze; nparts 0: none */
            const char *like; /* SHOW TABLES LIKE 'x*'; NULL: none */
        } show;
        struct {
            sm_sql_name_t table;
            bool extended;
        } describe;
    } u;
};

/* ---- constructors -------------------------------------------------------- */
/* Zero-filled nodes of the given kind at pos, allocated in the arena; NULL
 * when out of memory.  Used by the parser and by later passes that rewrite
 * trees in the same arena. */
sm_sql_expr_t *sm_sql_expr_new(sm_arena_t *a, sm_sql_expr_kind_t kind, sm_sql_pos_t pos);
sm_sql_table_t *sm_sql_table_new(sm_arena_t *a, sm_sql_table_kind_t kind, sm_sql_pos_t pos);
sm_sql_body_t *sm_sql_body_new(sm_arena_t *a, sm_sql_body_kind_t kind, sm_sql_pos_t pos);
sm_sql_query_t *sm_sql_query_new(sm_arena_t *a, sm_sql_pos_t pos);
sm_sql_stmt_t *sm_sql_stmt_new(sm_arena_t *a, sm_sql_stmt_kind_t kind, sm_sql_pos_t pos);
sm_sql_type_t *sm_sql_type_new(sm_arena_t *a, sm_sql_pos_t pos);
sm_sql_window_t *sm_sql_window_new(sm_arena_t *a, sm_sql_pos_t pos);

/* ---- printing ------------------------------------------------------------ */
/* Append canonical SQL to b.  Errors: those of sm_buf (SM_ERR_NOMEM,
 * SM_ERR_LIMIT when b has a limit); b then holds a prefix of the text. */
sm_err_t sm_sql_print_expr(sm_buf_t *b, const sm_sql_expr_t *x, sm_error_t *e);
sm_err_t sm_sql_print_type(sm_buf_t *b, const sm_sql_type_t *t, sm_error_t *e);
sm_err_t sm_sql_print_table(sm_buf_t *b, const sm_sql_table_t *t, sm_error_t *e);
sm_err_t sm_sql_print_query(sm_buf_t *b, const sm_sql_query_t *q, sm_error_t *e);
sm_err_t sm_sql_print_stmt(sm_buf_t *b, const sm_sql_stmt_t *s, sm_error_t *e);
/* A qualified name, parts backquoted when needed: bronze.orders,
 * delta.`/data/t`. */
sm_err_t sm_sql_print_name(sm_buf_t *b, const sm_sql_name_t *n, sm_error_t *e);
/* One identifier, backquoted when it is not a plain word or is a keyword
 * that cannot stand bare. */
sm_err_t sm_sql_print_ident(sm_buf_t *b, const char *name, sm_error_t *e);

/* Name of a binary operator as written canonically ("+", "AND", "DIV"). */
const char *sm_sql_binop_name(sm_sql_binop_t op);

#endif
