/*
 * delta/optimize — compaction of a table's small files (Spark's OPTIMIZE,
 * with an optional sort standing in for ZORDER BY).
 *
 * Per partition, the live files smaller than the target size are packed
 * (smallest first) into bins of at most the target size; each bin of two
 * or more files is rewritten as one new file.  With sort columns, every
 * file of the partition is a candidate and even a bin of one file is
 * rewritten, its rows sorted (ascending, nulls first).  Rows are read
 * through delta/scan (so files written before a merge-schema get NULLs for
 * the new columns) and written with statistics.
 *
 * All removes and adds go into ONE commit, operation "OPTIMIZE", every
 * action with dataChange=false.  The commit does not claim to depend on
 * the data it read beyond the files it replaces, so a concurrent append
 * does not conflict (the commit retries at the next version); a concurrent
 * writer that removed one of the replaced files does (SM_ERR_CONFLICT),
 * and then the new files are deleted.
 *
 * Memory: without sorting, one batch at a time plus the Parquet writer's
 * row group.  Sorting holds every row of one bin in memory, decoded: at
 * most the target size of compressed Parquet, typically 2-5 times that in
 * memory (a 128 MiB target needs about 0.3-0.7 GiB).  A smaller target
 * bounds it.
 *
 * Threads: one call at a time per table from this process (concurrent
 * writers in other processes are handled by the commit protocol).
 */
#ifndef SM_DELTA_OPTIMIZE_H
#define SM_DELTA_OPTIMIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "parquet/writer.h"
#include "store/store.h"

typedef struct sm_delta_optimize_opts {
    uint64_t target_bytes;      /* 0 = 128 MiB */
    const char *const *sort_by; /* column names, or NULL */
    size_t nsort_by;
    sm_pq_writer_opts_t parquet; /* codec etc. of the new files (zeroed = uncompressed) */
    int64_t now_ms;              /* 0 = the clock */
    /* Test hook: called after the new files are written, before the commit;
     * a non-zero return aborts the optimize. */
    sm_err_t (*before_commit)(void *arg, sm_error_t *e);
    void *arg;
} sm_delta_optimize_opts_t;

typedef struct sm_delta_optimize_result {
    int64_t version;    /* committed version; -1 when there was nothing to do */
    int64_t partitions; /* partitions rewritten */
    int64_t files_removed, files_added;
    uint64_t bytes_removed, bytes_added;
    int64_t rows; /* rows rewritten */
    bool checkpointed;
} sm_delta_optimize_result_t;

/* Optimizes the table at `table` in st.  opts may be NULL (128 MiB,
 * snappy, no sort).  Errors: SM_ERR_NOT_FOUND for an unknown sort column,
 * SM_ERR_INVALID for a nested sort column (a partition column is accepted
 * and changes nothing), SM_ERR_UNSUPPORTED for tables above writer version
 * 2, SM_ERR_CONFLICT as above, snapshot and store errors.  On failure
 * nothing is committed and the files written are deleted. */
sm_err_t sm_delta_optimize(sm_store_t *st, const char *table, const sm_delta_optimize_opts_t *opts,
                           sm_delta_optimize_result_t *res, sm_error_t *e);

#endif
