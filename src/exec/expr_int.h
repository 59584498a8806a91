/*
 * exec/expr_int.h — private helpers shared by the expression files
 * (expr*.c, fn_*.c, cast.c).  Not for other modules.
 *
 * Result slots: each node id of a pool has, in an evaluation context, one
 * slot holding a hand-made vector (owns = 0: its buffers belong to the
 * slot) that is refilled at each evaluation.  sm_expr_out_prepare() sizes
 * it for n rows with every row valid; writers clear validity bits for NULL
 * rows, write fixed-width values at their row, and append strings in
 * increasing row order with sm_expr_out_str(); sm_expr_out_finish() closes
 * string offsets and counts NULLs (validity becomes NULL when none).
 * Threads: as exec/expr.h.
 */
#ifndef SM_EXEC_EXPR_INT_H
#define SM_EXEC_EXPR_INT_H

#include "exec/expr.h"

struct sm_expr_slot {
    sm_vector_t v;
    uint8_t *valid;
    size_t valid_cap; /* bytes */
    uint8_t *values;
    size_t values_cap; /* bytes */
    int32_t *offsets;
    size_t offsets_cap; /* entries */
    uint8_t *data;
    size_t data_cap;
    size_t filled;     /* LITERAL: rows already holding the constant */
    const void *owner; /* LITERAL: the node whose constant is held */
};

/* Row loop over a selection (sel NULL: all n rows). */
#define SM_ROWS(sel, nsel, n) ((sel) ? (nsel) : (n))
#define SM_ROW(sel, k) ((sel) ? (size_t)(sel)[k] : (k))

/* Maximum bytes of one string result (Spark's limit is 2 GiB per value;
 * ours per vector is SM_VECTOR_MAX_BYTES). */
#define SM_EXPR_STR_MAX ((size_t)1 << 30)

sm_err_t sm_expr_out_prepare(sm_expr_ctx_t *ctx, const sm_expr_t *x, size_t n, sm_vector_t **out,
                             sm_error_t *e);
/* Same for a slot of an arbitrary type keyed by (x->id, aux): aux 1.. gives
 * extra scratch vectors for a node. */
sm_err_t sm_expr_out_prepare_type(sm_expr_ctx_t *ctx, uint32_t id, sm_type_t *type, size_t n,
                                  sm_vector_t **out, sm_error_t *e);
void sm_expr_out_finish(sm_vector_t *v);
sm_err_t sm_expr_out_str(sm_vector_t *v, size_t row, const void *p, size_t len, sm_error_t *e);
/* Reserves room for `extra` more string bytes and returns where they go
 * (fill then call sm_expr_out_str_commit). */
sm_err_t sm_expr_out_str_reserve(sm_vector_t *v, size_t extra, uint8_t **dst, sm_error_t *e);
void sm_expr_out_str_commit(sm_vector_t *v, size_t row, size_t len);
static inline void sm_expr_out_null(sm_vector_t *v, size_t row)
{
    sm_bit_clear(v->validity, row);
}
static inline bool sm_expr_out_valid(const sm_vector_t *v, size_t row)
{
    return sm_bit_get(v->validity, row);
}
/* dst[0..n) bits &= validity of src (offset-aware). */
void sm_expr_and_validity(uint8_t *dst, const sm_vector_t *src, size_t n);
/* Writes value val (of the vector's kind, or NULL) at row. */
sm_err_t sm_expr_out_value(sm_vector_t *v, size_t row, const sm_value_t *val, sm_error_t *e);

/* The constant value of argument k of x when it is a literal, else NULL. */
static inline const sm_value_t *sm_expr_const_arg(const sm_expr_t *x, size_t k)
{
    return (k < x->nargs && x->args[k]->kind == SM_EXPR_LITERAL) ? &x->args[k]->u.lit : NULL;
}

/* Node allocation in a pool (type: a new reference is taken). */
sm_expr_t *sm_expr_node(sm_expr_pool_t *p, sm_expr_kind_t kind, sm_type_t *type, size_t nargs);
/* x cast implicitly to type (x itself when already of that type). */
sm_err_t sm_expr_coerce(sm_expr_pool_t *p, sm_expr_t *x, sm_type_t *type, sm_expr_t **out,
                        sm_error_t *e);

/* ---- casts (cast.c) ---------------------------------------------------- */

/* Casts one non-NULL value to `to`.  Strings produced go to *buf (reset by
 * the caller) and out borrows them.  Returns SM_OK, or an error: with
 * `ansi` false and for try casts the caller turns errors into NULL. */
sm_err_t sm_cast_value(const sm_value_t *in, const sm_type_t *to, sm_buf_t *buf, sm_value_t *out,
                       sm_error_t *e);
/* Same; ansi false applies legacy narrowing (wrap-around) to numbers. */
sm_err_t sm_cast_value_ex(const sm_value_t *in, const sm_type_t *to, bool ansi, sm_buf_t *buf,
                          sm_value_t *out, sm_error_t *e);
/* Evaluates a CAST node over in. */
sm_err_t sm_cast_eval(const sm_expr_t *x, sm_vector_t *in, const uint32_t *sel, size_t nsel,
                      size_t n, sm_expr_ctx_t *ctx, sm_vector_t *out, sm_error_t *e);

/* ---- decimals (expr_dec.c) --------------------------------------------- */

/* v (scale from) at scale to, HALF_UP when digits are dropped.  false on
 * overflow of 38 digits. */
bool sm_expr_dec_rescale(sm_i128 v, int from, int to, sm_i128 *out);
/* Exact a*b (scales sa+sb) rounded HALF_UP to scale rs; false when the
 * result has more than rp digits. */
bool sm_expr_dec_mul(sm_i128 a, int sa, sm_i128 b, int sb, int rp, int rs, sm_i128 *out);
/* a/b rounded HALF_UP to scale rs (b != 0); false when over rp digits. */
bool sm_expr_dec_div(sm_i128 a, int sa, sm_i128 b, int sb, int rp, int rs, sm_i128 *out);
/* The decimal value nearest to d at scale s (HALF_UP on the shortest
 * decimal repr of d, as Java's BigDecimal.valueOf); false when it does not
 * fit p digits or d is not finite. */
bool sm_expr_dec_from_double(double d, int p, int s, sm_i128 *out);
double sm_expr_dec_to_double(sm_i128 v, int s);

/* ---- functions (fn_*.c) ------------------------------------------------ */

extern const sm_func_t sm_fn_math[];
extern const size_t sm_fn_math_count;
extern const sm_func_t sm_fn_string[];
extern const size_t sm_fn_string_count;
extern const sm_func_t sm_fn_date[];
extern const size_t sm_fn_date_count;
extern const sm_func_t sm_fn_cond[];
extern const size_t sm_fn_cond_count;

/* Generic resolvers.  `sig` strings list argument kinds, one letter each:
 * n number (any numeric kept), d double, l bigint, i int, s string,
 * D date, T timestamp, b boolean, a any; upper-case result after ':'. */
sm_err_t sm_fn_resolve_sig(const sm_func_t *fn, const char *sig, sm_expr_t *const *args, size_t n,
                           sm_type_t **want, sm_type_t **result, sm_error_t *e);
/* "function f: expected a number, got string" style error. */
sm_err_t sm_fn_type_error(const sm_func_t *fn, size_t argi, const char *expected,
                          const sm_type_t *got, sm_error_t *e);

/* Datetime patterns (fn_date.c): formats us (UTC) with a Spark pattern. */
sm_err_t sm_fn_date_format(int64_t us, const char *pat, size_t plen, sm_buf_t *out, sm_error_t *e);
/* Parses text with a Spark pattern into microseconds; SM_ERR_PARSE. */
sm_err_t sm_fn_date_parse(const char *s, size_t n, const char *pat, size_t plen, int64_t *us,
                          sm_error_t *e);

/* LIKE (expr_like.c). */
sm_err_t sm_like_compile(sm_expr_pool_t *p, sm_like_kind_t kind, const char *pat, size_t n,
                         char escape, sm_like_pat_t **out, sm_error_t *e);
/* 1 match, 0 no match, -1 error (regex). */
int sm_like_match(const sm_like_pat_t *pat, const char *s, size_t n, sm_buf_t *scratch);
void sm_like_free(sm_like_pat_t *pat);

/* Regex helpers for regexp_extract/replace (expr_like.c): a compiled
 * POSIX extended regex. */
typedef struct sm_regex sm_regex_t;
sm_err_t sm_regex_compile(const char *pat, size_t n, sm_regex_t **out, sm_error_t *e);
void sm_regex_free(sm_regex_t *r);
/* Finds the first match in s[from..n) (s NUL-terminated at n); fills
 * m[2g], m[2g+1] with the (start, end) byte offsets of groups g < nm (at
 * most 10; -1 for unmatched).  Returns true when found. */
bool sm_regex_find(const sm_regex_t *r, const char *s, size_t n, size_t from, long *m, int nm);
int sm_regex_groups(const sm_regex_t *r);

#endif
