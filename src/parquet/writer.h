/*
 * parquet/writer — columnar batches → a Parquet file in an object store.
 *
 * What it writes (INTEROP.md 2.1–2.5): "PAR1", then per row group one
 * column chunk per leaf: an optional dictionary page (PLAIN values) and
 * data pages v1 (or v2 on request) holding RLE levels and PLAIN or
 * RLE_DICTIONARY values, each page compressed on its own; then the footer
 * (FileMetaData with schema, row groups, statistics, encoding_stats,
 * key-value metadata, created_by "smelt version X", TYPE_ORDER column
 * orders) and "PAR1".  A chunk's dictionary falls back to PLAIN when it
 * outgrows dictionary_bytes; later pages of that chunk are PLAIN.
 * Statistics follow the spec's orders: signed for integers, decimals and
 * dates, unsigned bytes for strings, NaN never a bound, ±0.0 widened.
 *
 * Memory: the writer buffers the encoded, compressed pages of one row
 * group (bounded by row_group_bytes / row_group_rows) and streams each
 * finished row group to the store, so memory stays about one row group
 * whatever the file's size.
 *
 * Atomicity: the object appears only when sm_pq_writer_close succeeds
 * (store writer commit); sm_pq_writer_abort (or any failure) leaves
 * nothing behind.
 *
 * Parallelism: with opts.pool, written rows are copied into chunks (at
 * most 64 Ki rows or about 16 MiB, never across a row group's row limit).
 * A full chunk is encoded by a pool task — its top-level columns in
 * parallel, 4096 rows at a time, each leaf's encoder with the codec of the
 * thread running it — while the caller fills the next chunk; at most one
 * chunk is in flight.  Row groups are cut between chunks (row limit, or
 * row_group_bytes reached after a chunk); ending one closes the chunks'
 * last pages and builds their dictionary pages on the pool, then the
 * calling thread writes the chunks in leaf order.  The bytes depend only
 * on the rows and options, never on the pool's size or timing; they may
 * differ from a pool-less write only in where pages end and where
 * row_group_bytes cuts row groups (4096-row batches, a row_group_rows
 * that is a multiple of 4096 and no byte cut give the same file).  Memory: two chunks of rows
 * plus one row group of encoded pages.  sm_pq_writer_bytes does not count
 * the chunks not yet encoded; a chunk's error surfaces at the next write
 * or close.
 *
 * Ownership: the writer takes a reference to the schema and owns
 * everything else it allocates; sm_pq_writer_close and _abort free it.
 * The pool is borrowed and must outlive the writer.
 * Threads: one thread at a time per writer (which may itself be a task
 * of opts.pool: the pool's waits run queued work, never deadlock).
 */
#ifndef SM_PARQUET_WRITER_H
#define SM_PARQUET_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/types.h"
#include "core/err.h"
#include "core/pool.h"
#include "parquet/codec.h"
#include "parquet/meta.h"
#include "store/store.h"

typedef struct sm_pq_writer_opts {
    sm_pq_codec_id_t codec;  /* default SNAPPY (the reference system's) */
    int level;               /* codec level, 0 = its default */
    size_t row_group_rows;   /* 0 = 1,048,576 */
    size_t row_group_bytes;  /* 0 = 128 MiB of encoded data */
    size_t page_bytes;       /* 0 = 1 MiB of values per page */
    size_t dictionary_bytes; /* 0 = 1 MiB; fall back to PLAIN beyond */
    bool no_dictionary;      /* PLAIN only */
    bool page_v2;            /* DATA_PAGE_V2 instead of v1 */
    bool if_absent;          /* fail with SM_ERR_EXISTS when the key exists */
    const sm_pq_kv_t *kv;    /* key-value metadata (copied) */
    uint32_t nkv;
    sm_pool_t *pool; /* encode on this pool (borrowed; see Parallelism); NULL = calling thread */
} sm_pq_writer_opts_t;

/* Statistics of one leaf column over the whole file, in Parquet's plain
 * encoding of the physical type (for BYTE_ARRAY the bytes themselves; for
 * decimals in FIXED_LEN_BYTE_ARRAY big-endian two's complement). */
typedef struct sm_pq_leaf_stats {
    const char *path;      /* dotted path of the leaf in the file schema */
    const sm_type_t *type; /* columnar type of the leaf */
    int64_t null_count;
    int64_t num_values;
    bool has_min_max;       /* false when every value was null or NaN */
    sm_pq_bytes_t min, max; /* valid until the writer is freed */
} sm_pq_leaf_stats_t;

typedef struct sm_pq_writer sm_pq_writer_t;

/* Starts writing `key` in `st` with rows of `schema` (a STRUCT).  opts may
 * be NULL for defaults.  *out is NULL on failure. */
sm_err_t sm_pq_writer_open(sm_store_t *st, const char *key, sm_type_t *schema,
                           const sm_pq_writer_opts_t *opts, sm_pq_writer_t **out, sm_error_t *e);

/* Appends the rows of a batch whose schema equals the writer's (field
 * names and types; a non-nullable column holding a NULL is SM_ERR_INVALID
 * naming the column).  After a failure only sm_pq_writer_abort is allowed. */
sm_err_t sm_pq_writer_write(sm_pq_writer_t *w, const sm_batch_t *batch, sm_error_t *e);

/* Rows written so far. */
int64_t sm_pq_writer_rows(const sm_pq_writer_t *w);

/* Bytes the file holds so far: written row groups plus the encoded pages
 * buffered for the open one (the size the file would about have now; with
 * a pool, as of the last chunk encoded). */
uint64_t sm_pq_writer_bytes(const sm_pq_writer_t *w);

/* Finishes the file and makes it visible.  *size (may be NULL) receives
 * the file's size in bytes.  Statistics stay readable through
 * sm_pq_writer_stats until sm_pq_writer_free. */
sm_err_t sm_pq_writer_close(sm_pq_writer_t *w, uint64_t *size, sm_error_t *e);

/* Per-leaf statistics after a successful close: *n leaves in schema order. */
const sm_pq_leaf_stats_t *sm_pq_writer_stats(const sm_pq_writer_t *w, uint32_t *n);

/* Releases a closed writer; aborts (deletes the partial object) when it was
 * not closed.  NULL is allowed. */
void sm_pq_writer_free(sm_pq_writer_t *w);

/* The created_by string smelt writes. */
const char *sm_pq_created_by(void);

#endif
