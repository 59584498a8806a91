/*
 * pipeline/runlog — the lake's record of pipeline runs: the Delta table
 * `_smelt.runs`, one row per model (or bronze table) per run.
 *
 *   run_id string         one id per `smelt run`
 *   model string          "bronze.orders", "gold.rfm_analysis"
 *   started_at timestamp
 *   seconds double
 *   status string         ok | failed | skipped
 *   rows bigint           rows written (NULL when failed)
 *   output_version bigint the version committed (NULL when failed)
 *   inputs array<string>  tables read ("postgres:northwind.orders" for sources)
 *   input_versions array<bigint>  their versions, in the same order (NULL for sources)
 *   error string          one line, NULL when ok
 *   checks string         data-quality checks and their outcomes:
 *                         "not_null(id) pass; unique(id) fail 2 (e.g. 7, 9)";
 *                         NULL without checks (added later: older logs gain
 *                         it by schema merge, their rows read NULL)
 *
 * Lineage is queryable with SQL and shown by the web UI.  Writing the log
 * never fails a run: errors are returned for the caller to report.
 */
#ifndef SM_PIPELINE_RUNLOG_H
#define SM_PIPELINE_RUNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

typedef struct sm_run_record {
    const char *model;
    int64_t started_ms;
    double seconds;
    const char *status;
    int64_t rows;           /* -1 = NULL */
    int64_t output_version; /* -1 = NULL */
    const char *const *inputs;
    const int64_t *input_versions; /* -1 = NULL; may be NULL */
    size_t ninputs;
    const char *error;  /* NULL when ok */
    const char *checks; /* NULL: the model has no checks */
} sm_run_record_t;

/* Appends the records of one run to _smelt.runs (created on first use). */
sm_err_t sm_runlog_append(sm_lake_t *lake, const char *run_id, const sm_run_record_t *recs,
                          size_t n, sm_error_t *e);

#endif
