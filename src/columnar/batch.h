/*
 * columnar/batch — a batch of rows as columns: a schema plus one vector per
 * column, all of the same length.
 *
 * Batches are what flows between sources, operators and sinks (a few
 * thousand rows each; SM_BATCH_ROWS is the default capacity).
 *
 * Invariants: schema is a STRUCT type with ncols fields; cols[i]->type
 * equals schema field i's type (names and nullability aside) and
 * cols[i]->len == nrows for every column once the batch is in sync
 * (sm_batch_sync after appending column by column).
 *
 * Ownership: the batch holds a reference to its schema and owns its column
 * vectors (which may themselves be views borrowing from elsewhere: see
 * columnar/vector.h).  A projected or sliced batch borrows the buffers of
 * the batch it came from, which must outlive it.
 * Threads: like vectors — shared reading, one writer.
 */
#ifndef SM_COLUMNAR_BATCH_H
#define SM_COLUMNAR_BATCH_H

#include <stddef.h>

#include "columnar/types.h"
#include "columnar/vector.h"
#include "core/err.h"

#define SM_BATCH_ROWS 4096

typedef struct sm_batch {
    sm_type_t *schema; /* STRUCT; a reference held by the batch */
    size_t ncols;
    sm_vector_t **cols; /* owned */
    size_t nrows;
} sm_batch_t;

/* An empty batch of builders for schema (a STRUCT type; a new reference
 * is taken) with room for cap rows (0 = SM_BATCH_ROWS).  *out is NULL on
 * failure (SM_ERR_INVALID for a non-struct schema, SM_ERR_NOMEM). */
sm_err_t sm_batch_new(sm_type_t *schema, size_t cap, sm_batch_t **out, sm_error_t *e);

/* A batch made of existing vectors: takes ownership of the ncols vectors
 * in cols (freed also when this fails) and a new reference to schema.
 * SM_ERR_INVALID when the count, types or lengths do not match. */
sm_err_t sm_batch_from_vectors(sm_type_t *schema, sm_vector_t **cols, size_t ncols,
                               sm_batch_t **out, sm_error_t *e);

/* After appending to the columns directly: checks that every column has
 * the same length and sets nrows.  SM_ERR_INVALID otherwise (nrows is
 * left as it was). */
sm_err_t sm_batch_sync(sm_batch_t *b, sm_error_t *e);

/* Test and literal helper: appends one row given as text, one cell per
 * column (NULL pointer = SQL NULL), parsed with sm_vector_append_text.
 * On failure no column changes and the message names the column. */
sm_err_t sm_batch_append_row(sm_batch_t *b, const char *const *cells, sm_error_t *e);

/* A batch of the n columns idx[0..n) of b (any order, repeats allowed), as
 * zero-copy views; its schema has the chosen fields.  SM_ERR_INVALID for
 * an index out of range. */
sm_err_t sm_batch_project(const sm_batch_t *b, const size_t *idx, size_t n, sm_batch_t **out,
                          sm_error_t *e);
/* Rows [off, off + len) of b as zero-copy views. */
sm_err_t sm_batch_slice(const sm_batch_t *b, size_t off, size_t len, sm_batch_t **out,
                        sm_error_t *e);

/* Empties every column (keeping memory) and sets nrows to 0. */
void sm_batch_reset(sm_batch_t *b);
/* Frees the batch, its columns and its schema reference.  NULL ok. */
void sm_batch_free(sm_batch_t *b);

static inline sm_vector_t *sm_batch_col(const sm_batch_t *b, size_t i)
{
    return b->cols[i];
}

#endif
