/*
 * exec/op_scan — table scans: the operators that turn files into batches.
 *
 * A scan reads a list of Parquet files (sm_scan_file_t) through a store and
 * returns batches of the projected columns of a table schema.  Columns are
 * either data columns (read from each file by name, case-insensitively) or
 * partition columns (a constant per file, parsed from the partition value
 * text into the column's type; a NULL value gives NULL).  Simple
 * predicates (sm_scan_pred_t) are handed to the Parquet reader for
 * row-group pruning; they never replace the filter the planner keeps above
 * the scan.
 *
 * Files are chosen up front:
 *   - sm_scan_files_delta: the live files of a Delta snapshot, skipping
 *     files whose partition values or statistics (min/max/nullCount of the
 *     add action's stats JSON) prove no row can satisfy the predicates;
 *   - sm_scan_files_glob: plain Parquet files named by a path or a glob
 *     (read_parquet('dir/part-*.parquet'), a wildcard in the last component).
 *
 * Parallelism: files are read on the context's pool, up to one piece per
 * pool slot in flight.  A piece is a whole file, or, when there are fewer
 * files than pool slots, a run of contiguous row groups of one file (up
 * to 2 * slots / files pieces per file, split by the row groups the
 * predicates keep; each piece's reader reads the footer again), so one
 * large file is decoded on every core.  Batches come out piece by piece,
 * which keeps the rows' order: batches of file i before those of file
 * i+1, and within a file in row-group order.
 *
 * Memory (read-ahead): a slot streams its piece: its reader stays open
 * across pool tasks, and a task decodes batches into the slot's queue
 * until the slot being drained holds cap / 4 or the others see the scan
 * hold 3/4 cap of decoded bytes not yet taken by its consumer, or the
 * query's budget refuses more; the consumer restarts stopped slots as it
 * takes batches (the others once the scan holds less than cap / 2).  cap
 * is an eighth of the query's memory budget, within [4 MiB, 64 MiB] (64
 * MiB when unlimited); queued batches are charged to the budget (the
 * scan's peak_mem in EXPLAIN ANALYZE).  So a scan holds at most cap plus
 * one batch per slot of decoded rows, plus each reader's current row
 * group of compressed column chunks, whatever the size of the files.
 *
 * Ownership: a file list (sm_scan_files_t) owns its strings; the scan
 * operator takes the list over.  The store is borrowed and must outlive the
 * operator.  Predicate literal vectors are borrowed until the operator is
 * freed.  Threads: an operator is driven by one thread; file tasks run on
 * pool workers (or on the consumer, while it waits for them), at most one
 * per slot at a time, each slot with its own reader; a slot's queue is
 * under its mutex, the held-bytes count is atomic.
 */
#ifndef SM_EXEC_OP_SCAN_H
#define SM_EXEC_OP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/types.h"
#include "columnar/vector.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "exec/operator.h"
#include "parquet/reader.h"
#include "store/store.h"

/* One simple predicate on column `column` (an index in the table schema):
 * column op values[0] (comparisons), column IN values (every row), or a
 * NULL test.  values has the column's type. */
typedef struct sm_scan_pred {
    uint32_t column;
    sm_pq_pred_op_t op;
    const sm_vector_t *values;
} sm_scan_pred_t;

typedef struct sm_scan_file {
    char *key;           /* store key of the Parquet file */
    int64_t size;        /* bytes (-1 unknown) */
    int64_t num_records; /* from statistics; -1 unknown */
    char **part_values;  /* one per partition column of the file list; NULL = NULL value */
} sm_scan_file_t;

typedef struct sm_scan_files {
    sm_type_t *schema; /* the table's columns (a reference) */
    char **part_cols;  /* partition column names (a subset of schema) */
    size_t npart_cols;
    sm_scan_file_t *files;
    size_t nfiles;
    size_t nfiles_total; /* before pruning */
    int64_t est_rows;    /* rows of the kept files (statistics, else a guess) */
    int64_t bytes;       /* bytes of the kept files */
} sm_scan_files_t;

void sm_scan_files_free(sm_scan_files_t *f);

/* The files of snap that may hold rows satisfying every predicate.  *out is
 * filled (free with sm_scan_files_free); SM_ERR_NOMEM, SM_ERR_UNSUPPORTED
 * for files outside the table (absolute URIs). */
sm_err_t sm_scan_files_delta(const sm_delta_snapshot_t *snap, const sm_scan_pred_t *preds,
                             size_t npreds, sm_scan_files_t *out, sm_error_t *e);

/* Plain Parquet files: `pattern` is a key in st (a file) or a key whose
 * last component holds * ? [..] wildcards, or a directory key (every
 * *.parquet below it).  The schema is that of the first file (sorted by
 * key).  SM_ERR_NOT_FOUND when nothing matches. */
sm_err_t sm_scan_files_glob(sm_store_t *st, const char *pattern, sm_scan_files_t *out,
                            sm_error_t *e);

/* A scan of files->files returning the columns cols[0..ncols) (indexes in
 * files->schema, any order); ncols may be 0 (batches of no columns that
 * still count rows).  Takes over *files (emptied, also on failure).
 * Output column names are the schema's. */
sm_err_t sm_op_scan_new(const sm_exec_ctx_t *ctx, sm_store_t *st, sm_scan_files_t *files,
                        const uint32_t *cols, size_t ncols, const sm_scan_pred_t *preds,
                        size_t npreds, sm_op_t **out, sm_error_t *e);

#endif
