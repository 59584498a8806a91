/*
 * parquet/reader — a Parquet file as a stream of columnar batches.
 *
 * What it is for: the scan side of every query and of Delta log replay
 * (checkpoints).  A reader opens one file through an object store (or
 * bytes in memory), decodes its footer and schema, and yields batches of
 * the projected top-level columns in file order.
 *
 * How it reads (the byte traffic matters: the file may be on S3):
 *   open   1 head (size) + 1 ranged read of the last 64 KiB; a second read
 *          only when the footer is larger.  Footer → schema
 *          (parquet/schema.h).  Encrypted footers and encrypted columns
 *          are refused (SM_ERR_UNSUPPORTED naming the column).
 *   rows   row groups are pruned first with the caller's predicates
 *          (statistics; see sm_pq_pred_t).  For each kept row group, one
 *          ranged read per projected leaf column chunk, of exactly
 *          [min(dictionary_page_offset, data_page_offset),
 *           + total_compressed_size), checked against the file size.
 *          Unprojected columns are never read.
 *   pages  decompressed one page at a time: DATA_PAGE (v1, RLE or
 *          BIT_PACKED levels), DATA_PAGE_V2 (levels uncompressed, values
 *          compressed iff is_compressed, empty payloads), at most one
 *          DICTIONARY_PAGE first, INDEX_PAGE skipped.  Encodings PLAIN,
 *          PLAIN_DICTIONARY/RLE_DICTIONARY (indices bounds-checked), RLE
 *          (booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 *          DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT.  Values are converted as
 *          the leaf's sm_pq_conv_t says (INT96 → µs, ms/ns → µs, narrow
 *          ints range-checked, unsigned widened, decimals → sm_i128,
 *          FLOAT16 → float).  Page CRCs are checked when opts.verify_crc.
 *   nested record assembly from definition/repetition levels into Arrow
 *          layout (struct, list incl. legacy forms, map, any nesting);
 *          null and empty lists stay distinct.
 *
 * Batches: at most opts.batch_rows rows (default SM_BATCH_ROWS); a batch
 * never spans two row groups (so a file of tiny row groups yields small
 * batches).  Memory stays around one row group's projected column chunks
 * (compressed) plus one decompressed page per column plus the batch.
 *
 * Errors: corrupt input (values that run out early, short level streams,
 * more values than the row group says, bad offsets, bad dictionary
 * indices) is SM_ERR_CORRUPT with a message naming the file, the column
 * path, the row group and the page offset.  Every loop is bounded by
 * counts from headers that are validated against byte sizes; hard limits:
 * SM_PQ_CODEC_MAX_PAGE per page, opts.max_chunk_bytes per column chunk,
 * opts.max_batch_levels level entries per column per batch.
 *
 * Ownership: the reader owns its source (closed by sm_pq_reader_close).
 * Batches handed out by sm_pq_reader_next belong to the caller
 * (sm_batch_free) and borrow nothing from the reader.  Strings in opts are
 * copied at open; predicate literal vectors are only used during open.
 * Threads: a reader belongs to one thread at a time; distinct readers may
 * run in parallel (the store is thread-safe).
 */
#ifndef SM_PARQUET_READER_H
#define SM_PARQUET_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/vector.h"
#include "core/err.h"
#include "parquet/meta.h"
#include "parquet/schema.h"
#include "store/store.h"

/* ---- sources: where the bytes come from ------------------------------- */

/* A random-access byte source (small vtable).  read fills dst with exactly
 * len bytes at offset (SM_ERR_CORRUPT/IO... otherwise).  close releases ctx
 * (may be NULL).  `size` is the file size, `name` is used in messages. */
typedef struct sm_pq_source {
    sm_err_t (*read)(void *ctx, uint64_t offset, size_t len, void *dst, sm_error_t *e);
    void (*close)(void *ctx);
    void *ctx;
    uint64_t size;
    const char *name;
} sm_pq_source_t;

/* ---- predicates for row-group pruning --------------------------------- */

typedef enum sm_pq_pred_op {
    SM_PQ_PRED_EQ,
    SM_PQ_PRED_LT,
    SM_PQ_PRED_LE,
    SM_PQ_PRED_GT,
    SM_PQ_PRED_GE,
    SM_PQ_PRED_IN,          /* column equals one of the rows of values */
    SM_PQ_PRED_IS_NULL,     /* values unused */
    SM_PQ_PRED_IS_NOT_NULL, /* values unused */
} sm_pq_pred_op_t;

/* One simple predicate on a top-level column; an array of them is ANDed.
 * The literal(s) are rows of `values` (row 0 for comparisons, every row
 * for IN) of a type comparable with the column: integers (any width),
 * floats, decimals (any scale), dates, timestamps, strings/binary, bools.
 * Predicates whose column is nested, whose literal is NULL or of another
 * family, or whose column has no usable statistics never prune.  A
 * predicate naming a column that does not exist is SM_ERR_NOT_FOUND. */
typedef struct sm_pq_pred {
    const char *column; /* name, or NULL to use column_index */
    int column_index;   /* top-level column index when column is NULL */
    sm_pq_pred_op_t op;
    const sm_vector_t *values;
} sm_pq_pred_t;

/* ---- options ---------------------------------------------------------- */

typedef struct sm_pq_reader_opts {
    /* Projection: top-level columns by name (columns/ncolumns) or by index
     * (column_idx/ncolumn_idx), in the order wanted; neither = all. */
    const char *const *columns;
    size_t ncolumns;
    const int *column_idx;
    size_t ncolumn_idx;
    bool ignore_case; /* ASCII case-insensitive column names */
    const sm_pq_pred_t *preds;
    size_t npreds;
    size_t batch_rows;       /* 0 = SM_BATCH_ROWS */
    bool verify_crc;         /* check page CRCs when present */
    size_t max_chunk_bytes;  /* 0 = 2 GiB: largest column chunk read */
    size_t max_page_bytes;   /* 0 = SM_PQ_CODEC_MAX_PAGE: largest decompressed page */
    size_t max_batch_bytes;  /* 0 = 2 GiB: string bytes per column per batch */
    size_t max_batch_levels; /* 0 = 16 Mi: level entries per column per batch */
    /* Row-group range: only row groups [row_group_first, row_group_first +
     * row_group_count) of the file are read (count 0 = every one from
     * first on); a range past the end selects nothing.  Lets several
     * readers of one file split it (a parallel scan); predicates still
     * prune within the range. */
    uint32_t row_group_first;
    uint32_t row_group_count;
} sm_pq_reader_opts_t;

typedef struct sm_pq_reader sm_pq_reader_t;

/* ---- lifecycle -------------------------------------------------------- */

/* Opens `key` in `store` (borrowed: must outlive the reader).  opts may be
 * NULL (all columns, no predicates).  On failure *out is NULL and e says
 * why, e.g. "part-0.parquet: encrypted column \"ssn\" is not supported";
 * SM_ERR_NOT_FOUND for an unknown projected column. */
sm_err_t sm_pq_reader_open(sm_store_t *store, const char *key, const sm_pq_reader_opts_t *opts,
                           sm_pq_reader_t **out, sm_error_t *e);

/* Opens bytes in memory (borrowed: must outlive the reader); name is used
 * in messages (may be NULL). */
sm_err_t sm_pq_reader_open_mem(const void *data, size_t len, const char *name,
                               const sm_pq_reader_opts_t *opts, sm_pq_reader_t **out,
                               sm_error_t *e);

/* Opens any source.  The reader takes the source over (its close is
 * called by sm_pq_reader_close, or here on failure). */
sm_err_t sm_pq_reader_open_source(const sm_pq_source_t *src, const sm_pq_reader_opts_t *opts,
                                  sm_pq_reader_t **out, sm_error_t *e);

/* Releases everything.  NULL is allowed. */
void sm_pq_reader_close(sm_pq_reader_t *r);

/* ---- reading ---------------------------------------------------------- */

/* The next batch of projected rows in *out (owned by the caller), or SM_OK
 * with *out NULL at the end.  After a failure the reader only reports
 * that failure again. */
sm_err_t sm_pq_reader_next(sm_pq_reader_t *r, sm_batch_t **out, sm_error_t *e);

/* ---- introspection ---------------------------------------------------- */

/* The schema of the batches (STRUCT of the projected columns). */
sm_type_t *sm_pq_reader_schema(const sm_pq_reader_t *r);
/* The file's decoded footer and full schema (valid while r lives). */
const sm_pq_file_meta_t *sm_pq_reader_meta(const sm_pq_reader_t *r);
const sm_pq_schema_t *sm_pq_reader_file_schema(const sm_pq_reader_t *r);
/* Rows in the file (footer) and rows in the row groups kept by pruning. */
int64_t sm_pq_reader_num_rows(const sm_pq_reader_t *r);
int64_t sm_pq_reader_rows_selected(const sm_pq_reader_t *r);
/* Row groups in the file, and how many the predicates kept; whether row
 * group i is kept. */
uint32_t sm_pq_reader_row_groups(const sm_pq_reader_t *r);
uint32_t sm_pq_reader_row_groups_selected(const sm_pq_reader_t *r);
bool sm_pq_reader_row_group_selected(const sm_pq_reader_t *r, uint32_t i);
/* Bytes read from the source so far (footer included). */
uint64_t sm_pq_reader_bytes_read(const sm_pq_reader_t *r);

#endif
