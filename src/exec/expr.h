/*
 * exec/expr — bound expressions: the typed IR the binder produces from the
 * SQL syntax tree, and its vectorized evaluator.
 *
 * A bound expression is a tree (or DAG: sharing a node is allowed) of
 * sm_expr_t nodes.  Every node has a columnar type (columnar/types.h) and a
 * nullability flag; the constructors apply Spark SQL's type rules
 * (docs/sql-types.md, exec/expr_types.c): they insert implicit casts,
 * compute decimal precision/scale and reject ill-typed calls with a
 * one-line message ("function round: expected a number, got string").
 * BETWEEN, NULLIF, IF, IFNULL/NVL and simple CASE are desugared into the
 * node kinds below.
 *
 * Evaluation is columnar: sm_expr_eval() computes a node over a whole batch
 * (optionally only the rows of a selection vector: strictly increasing
 * uint32 row indices) and returns a vector of batch->nrows rows whose
 * values are meaningful at the selected rows only (other rows hold
 * arbitrary, but safely readable, values).  Result vectors belong to the
 * evaluation context (sm_expr_ctx_t): their buffers are reused from batch
 * to batch, so a result stays valid until the same node is evaluated again
 * or the context is freed.  A result's null_count is 0 when no selected
 * row is NULL (it may over-count: it also counts unselected rows).
 * sm_expr_filter() evaluates a predicate straight into a selection vector.
 *
 * Semantics follow Spark 4 with ANSI mode on by default (ctx->ansi):
 * integer overflow, division by zero and invalid casts are errors naming the
 * value and the type; with ansi = false (Spark's legacy mode) integer
 * arithmetic wraps, x/0 and x%0 give NULL, decimal overflow gives NULL and
 * invalid casts give NULL.  TRY_CAST always gives NULL.  AND/OR use SQL's
 * three-valued logic and evaluate their right side only on rows the left
 * side did not decide (so `x <> 0 AND 10 / x > 1` never divides by zero).
 *
 * Ownership: nodes, names and literal bytes live in an sm_expr_pool_t (an
 * arena); nodes hold references to their types, released by
 * sm_expr_pool_free().  Constructors never take ownership of types passed
 * in (they take their own reference).  A context owns its result vectors.
 * Threads: a finished expression is read-only and may be evaluated by
 * several threads at once, each with its own context.  A pool and a context
 * belong to one thread at a time.
 */
#ifndef SM_EXEC_EXPR_H
#define SM_EXEC_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/types.h"
#include "columnar/vector.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

/* ---- scalar values ----------------------------------------------------- */

/* One typed value (or a NULL of a type).  Used for literals, statistics
 * (min/max pruning) and results of scalar subqueries.  Strings borrow
 * their bytes: from the pool for literals, from a vector otherwise. */
typedef struct sm_value {
    sm_type_kind_t kind; /* SM_TYPE_NULL: an untyped NULL */
    bool is_null;
    uint8_t precision, scale; /* DECIMAL */
    union {
        bool b;
        int64_t i;   /* INT8..INT64; DATE: days; TIMESTAMP[_TZ]: microseconds */
        double d;    /* FLOAT64; FLOAT32 (held exactly as a double) */
        sm_i128 dec; /* DECIMAL: unscaled */
        struct {
            const char *p;
            size_t n;
        } s; /* STRING, BINARY */
    } u;
} sm_value_t;

static inline sm_value_t sm_value_null(sm_type_kind_t kind)
{
    sm_value_t v = {.kind = kind, .is_null = true};
    return v;
}
static inline sm_value_t sm_value_bool(bool b)
{
    sm_value_t v = {.kind = SM_TYPE_BOOL, .u.b = b};
    return v;
}
static inline sm_value_t sm_value_int(sm_type_kind_t kind, int64_t i)
{
    sm_value_t v = {.kind = kind, .u.i = i};
    return v;
}
static inline sm_value_t sm_value_i64(int64_t i)
{
    return sm_value_int(SM_TYPE_INT64, i);
}
static inline sm_value_t sm_value_i32(int32_t i)
{
    return sm_value_int(SM_TYPE_INT32, i);
}
static inline sm_value_t sm_value_f64(double d)
{
    sm_value_t v = {.kind = SM_TYPE_FLOAT64, .u.d = d};
    return v;
}
static inline sm_value_t sm_value_f32(float f)
{
    sm_value_t v = {.kind = SM_TYPE_FLOAT32, .u.d = f};
    return v;
}
static inline sm_value_t sm_value_decimal(sm_i128 unscaled, int precision, int scale)
{
    sm_value_t v = {.kind = SM_TYPE_DECIMAL,
                    .precision = (uint8_t)precision,
                    .scale = (uint8_t)scale,
                    .u.dec = unscaled};
    return v;
}
static inline sm_value_t sm_value_str(const char *p, size_t n)
{
    sm_value_t v = {.kind = SM_TYPE_STRING, .u.s = {p, n}};
    return v;
}
static inline sm_value_t sm_value_date(int32_t days)
{
    return sm_value_int(SM_TYPE_DATE, days);
}
static inline sm_value_t sm_value_timestamp(int64_t us) /* timestamp (UTC instant) */
{
    return sm_value_int(SM_TYPE_TIMESTAMP_TZ, us);
}

/* The type of a value (a new reference; decimal(precision, scale) for
 * decimals, void for an untyped NULL).  NULL when out of memory. */
sm_type_t *sm_value_type(const sm_value_t *v);
/* Row i of vector vec as a value (strings borrow vec's bytes).  Nested
 * kinds are SM_ERR_UNSUPPORTED. */
sm_err_t sm_value_from_vector(const sm_vector_t *vec, size_t i, sm_value_t *out, sm_error_t *e);
/* Appends v to a builder of v's kind (or NULL).  SM_ERR_INVALID on a kind
 * mismatch, SM_ERR_NOMEM. */
sm_err_t sm_value_append(sm_vector_t *vec, const sm_value_t *v, sm_error_t *e);
/* Orders two non-NULL values of the same kind (decimals may differ in
 * scale): <0, 0, >0.  NaN is greater than every other float and equal to
 * itself (Spark).  Strings and binaries compare bytewise unsigned. */
int sm_value_cmp(const sm_value_t *a, const sm_value_t *b);
/* Appends the value as SQL literal text: numbers as Spark prints them
 * (1.0E10, 0.1, 12.50), strings quoted 'it''s',
 * DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05', NULL, true. */
sm_err_t sm_value_format_sql(const sm_value_t *v, sm_buf_t *out, sm_error_t *e);
/* Appends the value as Spark's CAST(v AS STRING) text (NULL -> "NULL"). */
sm_err_t sm_value_format_text(const sm_value_t *v, sm_buf_t *out, sm_error_t *e);

/* ---- expressions ------------------------------------------------------- */

typedef enum sm_expr_kind {
    SM_EXPR_COLUMN,   /* input column u.col.index */
    SM_EXPR_LITERAL,  /* u.lit */
    SM_EXPR_ARITH,    /* args[0] op args[1] (u.op) */
    SM_EXPR_CMP,      /* args[0] op args[1], same type (u.op) */
    SM_EXPR_AND,      /* args[0] AND args[1] */
    SM_EXPR_OR,       /* args[0] OR args[1] */
    SM_EXPR_NOT,      /* NOT args[0] */
    SM_EXPR_IS_NULL,  /* args[0] IS [NOT] NULL (u.negated) */
    SM_EXPR_CASE,     /* args: when0, then0, when1, then1, ..., [else] */
    SM_EXPR_CAST,     /* CAST / TRY_CAST args[0] AS type (u.try_cast) */
    SM_EXPR_IN,       /* args[0] [NOT] IN (args[1..]) (u.negated) */
    SM_EXPR_LIKE,     /* args[0] [NOT] LIKE|ILIKE|RLIKE args[1] (u.like) */
    SM_EXPR_COALESCE, /* first non-NULL of args */
    SM_EXPR_CALL,     /* u.call.fn(args) */
} sm_expr_kind_t;

typedef enum sm_expr_op {
    SM_OP_ADD,
    SM_OP_SUB,
    SM_OP_MUL,
    SM_OP_DIV,  /* '/': double or decimal */
    SM_OP_MOD,  /* '%' */
    SM_OP_IDIV, /* DIV: bigint */
    SM_OP_EQ,
    SM_OP_NE,
    SM_OP_LT,
    SM_OP_LE,
    SM_OP_GT,
    SM_OP_GE,
    SM_OP_EQ_NS, /* <=>: null-safe equality, never NULL */
    SM_OP_AND,
    SM_OP_OR,
    SM_OP_CONCAT, /* '||' */
} sm_expr_op_t;

typedef enum sm_like_kind {
    SM_LIKE,
    SM_ILIKE,
    SM_RLIKE,
} sm_like_kind_t;

typedef struct sm_func sm_func_t;
typedef struct sm_like_pat sm_like_pat_t;
typedef struct sm_expr sm_expr_t;

struct sm_expr {
    sm_expr_kind_t kind;
    sm_type_t *type; /* a reference held by the pool */
    bool nullable;
    bool may_fail; /* evaluation can raise an error (this node or below) */
    uint32_t id;   /* slot in an evaluation context: unique in its pool */
    uint32_t nargs;
    sm_expr_t **args;
    union {
        struct {
            uint32_t index;   /* input column */
            const char *name; /* for printing; may be NULL */
        } col;
        sm_value_t lit;
        sm_expr_op_t op;
        bool negated;  /* IS_NULL: IS NOT NULL; IN: NOT IN */
        bool try_cast; /* CAST */
        struct {
            sm_like_kind_t kind;
            bool negated;
            char escape;
            sm_like_pat_t *pat; /* precompiled when args[1] is a literal */
        } like;
        struct {
            const sm_func_t *fn;
            int64_t iarg; /* a constant argument folded at bind time */
        } call;
    } u;
    sm_expr_t *pool_next; /* every node of a pool, for freeing */
};

/* The arena that owns expression nodes. */
typedef struct sm_expr_pool {
    sm_arena_t arena;
    uint32_t nnodes;
    sm_expr_t *nodes;    /* list through pool_next */
    sm_like_pat_t *pats; /* compiled patterns to release */
    bool ansi;           /* type rules of ANSI mode (Spark 4 default) */
} sm_expr_pool_t;

void sm_expr_pool_init(sm_expr_pool_t *p, bool ansi);
/* Frees every node, type reference and pattern of the pool. */
void sm_expr_pool_free(sm_expr_pool_t *p);

/*
 * Constructors.  Each returns SM_OK and sets *out, or fails with
 * SM_ERR_NOMEM, or SM_ERR_INVALID for an ill-typed expression (message
 * names the operator/function and the types).  Arguments are nodes of the
 * same pool; on failure nothing needs releasing (the pool owns all).
 */
sm_err_t sm_expr_column(sm_expr_pool_t *p, uint32_t index, sm_type_t *type, bool nullable,
                        const char *name, sm_expr_t **out, sm_error_t *e);
/* A literal; string bytes are copied into the pool.  A NULL of `type`
 * when v->is_null (type may then be NULL for void). `type` may be NULL
 * for non-null values: it is derived from the value. */
sm_err_t sm_expr_literal(sm_expr_pool_t *p, const sm_value_t *v, sm_type_t *type, sm_expr_t **out,
                         sm_error_t *e);
/* CAST(x AS type) / TRY_CAST.  Casting to the same type returns x.
 * SM_ERR_INVALID when Spark does not allow the cast. */
sm_err_t sm_expr_cast(sm_expr_pool_t *p, sm_expr_t *x, sm_type_t *type, bool try_cast,
                      sm_expr_t **out, sm_error_t *e);
/* a op b with Spark's implicit casts (arithmetic, comparison, AND/OR, ||). */
sm_err_t sm_expr_binary(sm_expr_pool_t *p, sm_expr_op_t op, sm_expr_t *a, sm_expr_t *b,
                        sm_expr_t **out, sm_error_t *e);
sm_err_t sm_expr_not(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t **out, sm_error_t *e);
/* Unary minus (Spark's negative()). */
sm_err_t sm_expr_negate(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t **out, sm_error_t *e);
sm_err_t sm_expr_is_null(sm_expr_pool_t *p, sm_expr_t *x, bool negated, sm_expr_t **out,
                         sm_error_t *e);
/* x [NOT] BETWEEN lo AND hi, desugared to (x >= lo AND x <= hi). */
sm_err_t sm_expr_between(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t *lo, sm_expr_t *hi,
                         bool negated, sm_expr_t **out, sm_error_t *e);
/* x [NOT] IN (list[0..n)), n >= 1. */
sm_err_t sm_expr_in(sm_expr_pool_t *p, sm_expr_t *x, sm_expr_t *const *list, size_t n, bool negated,
                    sm_expr_t **out, sm_error_t *e);
/* x [NOT] LIKE/ILIKE/RLIKE pattern [ESCAPE esc] (esc 0 = default '\\').
 * A literal pattern is compiled now (SM_ERR_INVALID for a bad one). */
sm_err_t sm_expr_like(sm_expr_pool_t *p, sm_like_kind_t kind, sm_expr_t *x, sm_expr_t *pattern,
                      char escape, bool negated, sm_expr_t **out, sm_error_t *e);
/* CASE [operand] WHEN w THEN t ... [ELSE els] END (els may be NULL). */
sm_err_t sm_expr_case(sm_expr_pool_t *p, sm_expr_t *operand, sm_expr_t *const *whens,
                      sm_expr_t *const *thens, size_t n, sm_expr_t *els, sm_expr_t **out,
                      sm_error_t *e);
sm_err_t sm_expr_coalesce(sm_expr_pool_t *p, sm_expr_t *const *args, size_t n, sm_expr_t **out,
                          sm_error_t *e);
/* A function call by name (case-insensitive): scalar functions of the
 * registry, including coalesce, nullif, if, ifnull, nvl, nvl2 (desugared).
 * SM_ERR_NOT_FOUND "unknown function foo"; SM_ERR_INVALID for aggregate
 * and window names (the operators handle those), wrong argument counts
 * and types. */
sm_err_t sm_expr_call(sm_expr_pool_t *p, const char *name, sm_expr_t *const *args, size_t n,
                      sm_expr_t **out, sm_error_t *e);

/* Appends SQL-ish text for EXPLAIN: (a + b), CAST(x AS bigint),
 * CASE WHEN ... END, round(x, 2), col names or #index. */
sm_err_t sm_expr_format(const sm_expr_t *x, sm_buf_t *out, sm_error_t *e);

/* ---- type rules (exec/expr_types.c, docs/sql-types.md) ----------------- */

/* The result type of a decimal operation (+ - * / %) on decimal(p1,s1)
 * and decimal(p2,s2) with Spark's rules and the 38-digit cap
 * (adjustPrecisionScale).  NULL when out of memory. */
sm_type_t *sm_expr_decimal_result(sm_expr_op_t op, int p1, int s1, int p2, int s2);
/* The decimal type an integer kind widens to (tinyint -> decimal(3,0),
 * smallint (5,0), int (10,0), bigint (20,0)); NULL for other kinds. */
sm_type_t *sm_expr_int_as_decimal(sm_type_kind_t k);
/* The type two operands are converted to: for_compare (comparisons, IN)
 * casts a string to the other side's type; otherwise (CASE branches,
 * COALESCE, greatest/least) a string and another atomic type meet at
 * string (Spark's findWiderTypeForTwo).  *out is a new reference;
 * SM_ERR_INVALID when there is none. */
sm_err_t sm_expr_common_type(const sm_type_t *a, const sm_type_t *b, bool for_compare,
                             sm_type_t **out, sm_error_t *e);
/* The result type of an arithmetic operator on these operand types
 * (before implicit casts), or SM_ERR_INVALID. */
sm_err_t sm_expr_arith_type(sm_expr_op_t op, const sm_type_t *a, const sm_type_t *b,
                            sm_type_t **out, sm_error_t *e);
/* True when Spark allows CAST(from AS to) (explicit cast). */
bool sm_cast_allowed(const sm_type_t *from, const sm_type_t *to);
/* True when a value of `from` is converted to `to` implicitly (function
 * arguments). */
bool sm_cast_implicit(const sm_type_t *from, const sm_type_t *to);

/* ---- evaluation -------------------------------------------------------- */

typedef struct sm_expr_slot sm_expr_slot_t;

/* Per-thread evaluation state.  Set the public fields after init. */
typedef struct sm_expr_ctx {
    bool ansi;            /* Spark 4 ANSI semantics (default true) */
    int32_t current_date; /* days: current_date() of this query */
    int64_t current_ts;   /* microseconds UTC: current_timestamp() */
    sm_arena_t scratch;   /* per batch: reset by sm_expr_ctx_reset */
    sm_expr_slot_t **slots;
    uint32_t nslots;
} sm_expr_ctx_t;

/* now_us: the query's start time (microseconds since the epoch, UTC),
 * fixing current_date/current_timestamp. */
void sm_expr_ctx_init(sm_expr_ctx_t *ctx, bool ansi, int64_t now_us);
/* Releases the scratch memory of the previous batch (results stay). */
void sm_expr_ctx_reset(sm_expr_ctx_t *ctx);
void sm_expr_ctx_free(sm_expr_ctx_t *ctx);

/* Evaluates x over batch b (NULL: a batch of one row and no columns, for
 * constant expressions), at the rows sel[0..nsel) (strictly increasing) or
 * at every row when sel is NULL (nsel is ignored then).  *out is a vector
 * of b->nrows rows owned by ctx (see above) or a column of b.  Errors:
 * SM_ERR_OVERFLOW, SM_ERR_INVALID (division by zero, bad cast: "cannot
 * cast 'abc' to int"), SM_ERR_NOMEM; *out is NULL then. */
sm_err_t sm_expr_eval(const sm_expr_t *x, const sm_batch_t *b, const uint32_t *sel, size_t nsel,
                      sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e);

/* Evaluates a boolean predicate and writes the rows (of sel, or of all
 * rows) where it is TRUE into out_sel (room for b->nrows entries; may be
 * the same array as sel), their count into *nout. */
sm_err_t sm_expr_filter(const sm_expr_t *x, const sm_batch_t *b, const uint32_t *sel, size_t nsel,
                        sm_expr_ctx_t *ctx, uint32_t *out_sel, size_t *nout, sm_error_t *e);

/* Evaluates a constant expression (no column references) to a value.
 * Strings borrow from ctx (valid until x is evaluated again). */
sm_err_t sm_expr_eval_const(const sm_expr_t *x, sm_expr_ctx_t *ctx, sm_value_t *out, sm_error_t *e);

/* A new compact builder holding rows sel[0..nsel) of v (all rows when sel
 * is NULL).  The caller frees it (sm_vector_free). */
sm_err_t sm_expr_gather(const sm_vector_t *v, const uint32_t *sel, size_t nsel, sm_vector_t **out,
                        sm_error_t *e);

/* ---- function registry (exec/expr_func.c) ------------------------------ */

enum {
    SM_FUNC_SCALAR = 0,
    SM_FUNC_AGGREGATE = 1,        /* reserved name: evaluated by the aggregate operator */
    SM_FUNC_WINDOW = 2,           /* reserved name: evaluated by the window operator */
    SM_FUNC_NULL_IN_NULL_OUT = 4, /* any NULL argument gives NULL */
    SM_FUNC_NONDETERMINISTIC = 8,
    SM_FUNC_NEVER_FAILS = 16, /* no error on any valid argument (so the planner may
                               * compute it on a join input: sql/plan.c) */
};

/* A call being evaluated: the function writes out's rows at sel. */
typedef struct sm_fcall {
    const sm_expr_t *x;       /* the call node */
    sm_vector_t *const *args; /* evaluated arguments (x->nargs) */
    const uint32_t *sel;      /* NULL: all rows */
    size_t nsel;              /* rows to compute */
    size_t n;                 /* rows of the batch */
    sm_expr_ctx_t *ctx;
    sm_vector_t *out; /* x->type, n rows; validity preset (all valid, or the
                         AND of the arguments' for NULL_IN_NULL_OUT) */
} sm_fcall_t;

/* Resolves argument types: fills want[i] with the type argument i must be
 * cast to (a new reference, or NULL to keep it) and *result (a new
 * reference).  args gives the argument nodes (for constant arguments). */
typedef sm_err_t (*sm_func_resolve_fn)(const sm_func_t *fn, sm_expr_t *const *args, size_t n,
                                       sm_type_t **want, sm_type_t **result, sm_error_t *e);
typedef sm_err_t (*sm_func_eval_fn)(const sm_fcall_t *fc, sm_error_t *e);

struct sm_func {
    const char *name;       /* lower case */
    unsigned flags;         /* SM_FUNC_* */
    int min_args, max_args; /* max -1: variadic */
    sm_func_resolve_fn resolve;
    sm_func_eval_fn eval;
    int op; /* a sub-operation for shared implementations */
};

/* The registry entry of a name (case-insensitive), or NULL. */
const sm_func_t *sm_func_lookup(const char *name, size_t len);
/* True for aggregate function names (sum, count, avg, min, max, ...). */
bool sm_func_is_aggregate(const char *name, size_t len);
/* Every registered function (scalar, then reserved aggregate and window
 * names), for listings ("SHOW FUNCTIONS"): i in 0..sm_func_count()-1. */
size_t sm_func_count(void);
const sm_func_t *sm_func_at(size_t i);

#endif
