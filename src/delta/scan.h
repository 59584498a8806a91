/*
 * delta/scan — the rows of a Delta snapshot as batches of the table's
 * schema: each live data file read in turn, partition columns filled from
 * the file's partitionValues, and columns a file does not have (added
 * later with merge-schema) filled with NULL.
 *
 * This is the delta layer's own simple scan, for tools, tests, optimize
 * and the conformance corpus: no pruning, no parallelism (the SQL engine's
 * scan is exec/op_scan).  Data columns are matched by name, ignoring ASCII
 * case as Spark does.  A file column whose type differs from the table's
 * is converted when the conversion is exact (narrower integers and floats
 * to wider, timestamp ↔ timestamp_ntz); any other difference is
 * SM_ERR_UNSUPPORTED naming the file and the column.  Files named by an
 * absolute URI are SM_ERR_UNSUPPORTED.
 *
 * Ownership: the scan borrows the store and the snapshot (both must
 * outlive it); batches handed out belong to the caller.  Threads: one
 * thread at a time per scan.
 */
#ifndef SM_DELTA_SCAN_H
#define SM_DELTA_SCAN_H

#include <stddef.h>

#include "columnar/batch.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "store/store.h"

typedef struct sm_delta_scan_opts {
    /* The columns wanted, a STRUCT whose fields are columns of the table
     * (by name; partition columns allowed).  NULL = snap->schema. */
    sm_type_t *schema;
    /* The files to read (borrowed); NULL = every live file of the snapshot. */
    const sm_delta_file_t *files;
    size_t nfiles;
    size_t batch_rows; /* 0 = SM_BATCH_ROWS */
} sm_delta_scan_opts_t;

typedef struct sm_delta_scan sm_delta_scan_t;

/* Prepares a scan (no file is opened yet).  opts may be NULL.
 * SM_ERR_NOT_FOUND for a wanted column the table lacks; SM_ERR_NOMEM. */
sm_err_t sm_delta_scan_open(sm_store_t *st, const sm_delta_snapshot_t *snap,
                            const sm_delta_scan_opts_t *opts, sm_delta_scan_t **out, sm_error_t *e);

/* The next batch (owned by the caller), or SM_OK with *out NULL at the
 * end.  Errors name the data file. */
sm_err_t sm_delta_scan_next(sm_delta_scan_t *s, sm_batch_t **out, sm_error_t *e);

/* The schema of the batches (borrowed from the scan). */
sm_type_t *sm_delta_scan_schema(const sm_delta_scan_t *s);

/* Releases the scan.  NULL is allowed. */
void sm_delta_scan_close(sm_delta_scan_t *s);

/* The store key of a data file of the snapshot ("<table>/<path>") into
 * out (cap bytes).  SM_ERR_UNSUPPORTED for an absolute URI, SM_ERR_LIMIT
 * when it does not fit. */
sm_err_t sm_delta_file_key(const sm_delta_snapshot_t *snap, const char *path, char *out, size_t cap,
                           sm_error_t *e);

#endif
