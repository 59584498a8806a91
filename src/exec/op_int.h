/*
 * exec/op_int — helpers shared by the operator implementations (private to
 * src/exec/op_*.c and agg*.c).
 *
 *  - key encoding: a row's key columns as bytes that compare with memcmp in
 *    ORDER BY order (per key ASC/DESC, NULLS FIRST/LAST), canonical for
 *    equality (-0.0 == 0.0, one NaN), so the same bytes serve hashing,
 *    grouping, joining and sorting;
 *  - row stores: batches kept by an operator, rows addressed by a packed
 *    reference (batch << 32 | row);
 *  - gather: appending referenced rows of many batches to builders.
 *
 * Threads: every function is reentrant; the objects belong to one thread.
 */
#ifndef SM_EXEC_OP_INT_H
#define SM_EXEC_OP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/buf.h"
#include "core/err.h"
#include "exec/operator.h"

/* ---- keys --------------------------------------------------------------- */

/* Appends the order-preserving encoding of row i of v.  SM_ERR_UNSUPPORTED
 * for MAP; buffer errors. */
sm_err_t sm_key_put(sm_buf_t *b, const sm_vector_t *v, size_t i, bool desc, bool nulls_first,
                    sm_error_t *e);
/* The keys of every row of a batch: into b (reset first), row r spans
 * [offs[r], offs[r+1]).  offs needs nrows + 1 entries.  With sort keys,
 * direction and null placement follow them; with plain column indexes,
 * ASC NULLS FIRST. */
sm_err_t sm_keys_sort(const sm_batch_t *batch, const sm_sort_key_t *keys, size_t nkeys, sm_buf_t *b,
                      uint32_t *offs, sm_error_t *e);
sm_err_t sm_keys_cols(const sm_batch_t *batch, const uint32_t *cols, size_t ncols, sm_buf_t *b,
                      uint32_t *offs, sm_error_t *e);
/* True when any of the columns cols is NULL at row r. */
bool sm_keys_any_null(const sm_batch_t *batch, const uint32_t *cols, size_t ncols, size_t r);

/* Compares two keys as memcmp, shorter first on a common prefix. */
static inline int sm_key_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t n = na < nb ? na : nb;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return na < nb ? -1 : na > nb;
}

/* ---- row stores ----------------------------------------------------------- */

#define SM_REF(b, r) (((uint64_t)(b) << 32) | (uint32_t)(r))
#define SM_REF_B(x) ((uint32_t)((x) >> 32))
#define SM_REF_R(x) ((uint32_t)(x))

typedef struct sm_rows {
    sm_batch_t **b;
    size_t nb, cap;
    size_t rows;
    size_t bytes; /* sm_batch_bytes of the batches */
} sm_rows_t;

/* Takes over batch (freed also on failure).  SM_ERR_NOMEM. */
sm_err_t sm_rows_add(sm_rows_t *s, sm_batch_t *batch, sm_error_t *e);
void sm_rows_free(sm_rows_t *s);

/* Estimated bytes a batch holds (values, offsets, data, validity). */
size_t sm_batch_bytes(const sm_batch_t *b);

/* Appends rows refs[0..n) of the store's batches, column by column, to the
 * builder batch out (same column types), and syncs it.  col_map, when not
 * NULL, names the store column that feeds out's column k (else k). */
sm_err_t sm_gather(sm_batch_t *out, size_t out_col0, const sm_rows_t *s, const uint32_t *col_map,
                   size_t ncols, const uint64_t *refs, size_t n, sm_error_t *e);
/* Appends rows sel[0..n) of vector src to dst (same type). */
sm_err_t sm_gather_vec(sm_vector_t *dst, const sm_vector_t *src, const uint32_t *sel, size_t n,
                       sm_error_t *e);
/* Appends n NULLs to dst. */
sm_err_t sm_append_nulls(sm_vector_t *dst, size_t n, sm_error_t *e);

/* Gives a builder a validity bitmap (all valid) if it has none. */
sm_err_t sm_vector_need_validity(sm_vector_t *v, sm_error_t *e);

/* A STRUCT schema of the fields of a (all) followed by those of b (all; b
 * may be NULL), nullable when `null_a` / `null_b`.  NULL on NOMEM. */
sm_type_t *sm_schema_concat(const sm_type_t *a, bool null_a, const sm_type_t *b, bool null_b);

/* The temp dir of a context. */
const char *sm_exec_tmpdir(const sm_exec_ctx_t *ctx);

/* Time between now and a start, for stats. */
int64_t sm_op_now(void);

#endif
