/*
 * delta/write — writing rows into a Delta table: data files (Parquet, one
 * per partition and size limit) and one atomic commit.
 *
 *   open  → loads the latest snapshot (or prepares to create the table),
 *           checks the schema, and the txn (appId, version) when given;
 *   batch → rows are routed to partition writers (hive-style directories
 *           `col=value/`, partition columns not stored in the files),
 *           rolling to a new file past target_file_bytes;
 *   commit→ protocol + metaData when creating (or when merge_schema added
 *           columns), removes for the files an overwrite replaces, adds
 *           with statistics, the txn, in ONE commit (delta/commit.c).
 *
 * Modes: APPEND; OVERWRITE (every live file is removed); and
 * OVERWRITE_PARTITIONS — Spark's dynamic partition overwrite: only the
 * partitions the new rows fall into are replaced (the bronze layer's
 * "a same-day re-run replaces that day").
 *
 * Failure leaves the table as it was: data files already written are
 * deleted (best effort; otherwise they are unreferenced and vacuum removes
 * them).  A txn already committed (txn_version <= the table's) makes commit
 * a no-op that reports version -1 and deletes the files written.
 *
 * Ownership: the writer holds a schema reference and its snapshot; commit
 * and abort free it.  Threads: one thread at a time.
 */
#ifndef SM_DELTA_WRITE_H
#define SM_DELTA_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "parquet/writer.h"
#include "store/store.h"

typedef enum sm_delta_mode {
    SM_DELTA_APPEND = 0,
    SM_DELTA_OVERWRITE,
    SM_DELTA_OVERWRITE_PARTITIONS,
    SM_DELTA_REWRITE, /* copy-on-write DML: remove_files are replaced by the rows written */
} sm_delta_mode_t;

typedef struct sm_delta_write_opts {
    sm_delta_mode_t mode;
    const char *const *partition_by; /* when creating; must match an existing table's */
    size_t npartition_by;
    bool merge_schema; /* accept new nullable columns (Delta's mergeSchema) */
    /* Table configuration entries to set (or replace) in the same commit,
     * e.g. an ingestion high-water mark; NULL/0 = none.  Copied at commit. */
    const sm_delta_kv_t *set_config;
    size_t nset_config;
    const char *txn_app_id; /* idempotent writes: skip when already committed */
    int64_t txn_version;
    const char *operation;      /* commitInfo operation; default "WRITE" */
    const char *table_name;     /* metaData.name when creating */
    uint64_t target_file_bytes; /* 0 = 128 MiB */
    sm_pq_writer_opts_t parquet;
    int64_t now_ms; /* 0 = clock */
    /* SM_DELTA_REWRITE (DELETE / UPDATE / MERGE): the live files of the
     * snapshot at read_version that the rows written replace; they are
     * removed (dataChange true) in the same commit, which is made on top of
     * read_version and fails with SM_ERR_CONFLICT when any data changed
     * since.  The table must exist.  Borrowed until commit (it may be
     * filled after open); entries whose path is NULL are skipped. */
    const sm_delta_file_t *remove_files;
    size_t nremove_files;
    int64_t read_version;
    const char *operation_params;  /* commitInfo operationParameters (JSON object); NULL: mode */
    const char *operation_metrics; /* commitInfo operationMetrics (JSON object); NULL: none */
} sm_delta_write_opts_t;

typedef struct sm_delta_write sm_delta_write_t;

typedef struct sm_delta_write_result {
    int64_t version; /* committed version; -1 when the txn was already there */
    int64_t rows;
    int64_t files_added;
    int64_t files_removed;
    uint64_t bytes_added;
    bool checkpointed;          /* a checkpoint was written after the commit */
    char checkpoint_error[256]; /* why a due checkpoint failed ("" if none) */
} sm_delta_write_result_t;

sm_err_t sm_delta_write_open(sm_store_t *st, const char *table, sm_type_t *schema,
                             const sm_delta_write_opts_t *opts, sm_delta_write_t **out,
                             sm_error_t *e);

/* Appends rows (a batch with the writer's schema).  After a failure only
 * abort is allowed. */
sm_err_t sm_delta_write_batch(sm_delta_write_t *w, const sm_batch_t *batch, sm_error_t *e);

/* Finishes the files and commits; frees the writer whatever happens. */
sm_err_t sm_delta_write_commit(sm_delta_write_t *w, sm_delta_write_result_t *res, sm_error_t *e);

/* Deletes what was written and frees the writer.  NULL is allowed. */
void sm_delta_write_abort(sm_delta_write_t *w);

/* Hive-style escaping of a partition value for a directory name. */
sm_err_t sm_delta_partition_escape(const char *value, sm_buf_t *out, sm_error_t *e);

#endif
