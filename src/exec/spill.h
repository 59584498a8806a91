/*
 * exec/spill — temp files of columnar batches for operators that outgrow
 * their memory budget (hash aggregate, hash join, sort, window).
 *
 * A spill file is created in the context's temp dir (mkstemp) and unlinked
 * at once, so it disappears when closed — also when the process fails or
 * is killed.  It is written sequentially (buffered), then read back
 * sequentially (sm_spill_read) or by batch number (sm_spill_read_at).  The
 * reader is given the schema; the file does not store types, only enough
 * to check that what it reads matches them.  Every length read back is
 * checked against the frame and the file size, so a damaged file is
 * SM_ERR_CORRUPT, never a crash.
 *
 * Format (all integers little endian), a sequence of batch frames:
 *
 *   batch frame
 *   OFFSET SIZE  FIELD
 *   0      4     magic "SMSB"
 *   4      4     ncols
 *   8      8     nrows
 *   16     8     payload bytes P (the column records that follow)
 *   24     P     ncols column records
 *
 *   column record (recursive)
 *   OFFSET SIZE  FIELD
 *   0      8     len: rows of this vector
 *   8      8     null_count
 *   16     1     type kind (sm_type_kind_t), checked against the schema
 *   17     1     has_validity (0/1)
 *   18     2     zero
 *   20     4     nchildren
 *   24     8     V: bytes of values (len * width; BOOL: ceil(len / 8))
 *   32     8     O: offsets entries (len + 1 for STRING, BINARY, LIST, MAP;
 *                   rebased so the first is 0), else 0
 *   40     8     D: bytes of data (STRING, BINARY)
 *   48     ...   validity (ceil(len / 8) bytes when has_validity), values
 *                (V), offsets (4 * O), data (D), then the nchildren child
 *                records (STRUCT: len rows each; LIST/MAP: the element rows)
 *
 * Ownership: the caller owns the file handle (sm_spill_close).  Batches
 * read back are new, compact and owned by the caller.
 * Threads: one thread at a time per file.
 */
#ifndef SM_EXEC_SPILL_H
#define SM_EXEC_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/err.h"

typedef struct sm_spill sm_spill_t;

/* Largest batch frame a reader accepts (a frame is one batch). */
#define SM_SPILL_MAX_FRAME ((uint64_t)1 << 34)

/* Creates an empty, already unlinked file in dir (NULL: $TMPDIR or /tmp).
 * SM_ERR_IO (naming the directory), SM_ERR_NOMEM. */
sm_err_t sm_spill_new(const char *dir, sm_spill_t **out, sm_error_t *e);
/* Appends a batch (any rows, including 0).  SM_ERR_IO, SM_ERR_NOMEM,
 * SM_ERR_UNSUPPORTED for a NULL-kind column with rows that are valid. */
sm_err_t sm_spill_write(sm_spill_t *f, const sm_batch_t *b, sm_error_t *e);
/* Ends writing and positions the reader at the first batch (may be called
 * again to read from the start once more). */
sm_err_t sm_spill_rewind(sm_spill_t *f, sm_error_t *e);
/* The next batch (a new builder batch of schema), or NULL at the end.
 * SM_ERR_CORRUPT, SM_ERR_IO, SM_ERR_NOMEM. */
sm_err_t sm_spill_read(sm_spill_t *f, sm_type_t *schema, sm_batch_t **out, sm_error_t *e);
/* Batch number k (0-based) of a rewound file.  SM_ERR_INVALID past the
 * end. */
sm_err_t sm_spill_read_at(sm_spill_t *f, size_t k, sm_type_t *schema, sm_batch_t **out,
                          sm_error_t *e);
size_t sm_spill_batches(const sm_spill_t *f);
uint64_t sm_spill_rows(const sm_spill_t *f);
uint64_t sm_spill_bytes(const sm_spill_t *f);
/* Closes (and so deletes) the file.  NULL ok. */
void sm_spill_close(sm_spill_t *f);

#endif
