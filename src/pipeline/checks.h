/*
 * pipeline/checks — data-quality checks of a model, run over the rows
 * about to be committed.
 *
 * Declared in smelt.yaml under models.<layer>.<name>.checks (the format is
 * in pipeline/project.h).  Running a model with checks:
 *   1. its query is written to a staging table _smelt.stage_<run>_<layer>_<name>
 *      (the model's own table is not touched);
 *   2. every check is evaluated as SQL over the staged rows, visible as the
 *      relation `this`: not_null, accepted_values, relationships and unique
 *      select the bad rows of `this`, row_count counts `this`, and a sql
 *      check is the user's query (it may itself start with WITH);
 *   3. a failing check with severity error and on_fail fail stops here:
 *      nothing is committed, the model's table keeps its last good version,
 *      and the error names the model, the check (and where it is declared),
 *      the number of bad rows and up to 3 example values;
 *   4. otherwise bad rows of quarantine checks go to
 *      <layer>.<name>_quarantine (the model's columns plus _check, the
 *      check's label, and _run_id; one row per bad row and check; replaced
 *      at each run, so it holds the latest run's bad rows), and the model
 *      is committed with the staged rows EXCEPT ALL those rows (a sql check
 *      that quarantines must return rows of `this`: SELECT * FROM this ...);
 *   5. the staging table is removed, whatever happened.
 * A model without checks is one CREATE OR REPLACE TABLE ... AS (no staging).
 *
 * Ownership: results own their arrays (sm_checked_run_free) and borrow the
 * checks of the project.  Threads: one model per call; calls for different
 * models may run at once.
 */
#ifndef SM_PIPELINE_CHECKS_H
#define SM_PIPELINE_CHECKS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/yaml.h"
#include "lake/lake.h"
#include "pipeline/project.h"
#include "sql/query.h"

#define SM_CHECK_EXAMPLES 3

typedef struct sm_check_result {
    const sm_check_t *check;
    uint64_t bad;        /* bad rows (row_count: the row count when out of bounds) */
    char examples[256];  /* up to 3 example values: "ALFKI, (10248, 11), NULL" */
    const char *outcome; /* "pass", "warn", "fail", "quarantined" */
} sm_check_result_t;

typedef struct sm_checked_run {
    uint64_t rows;              /* rows committed to the model's table */
    int64_t version;            /* its new version (-1: nothing committed) */
    uint64_t quarantined;       /* rows written to the quarantine table */
    int64_t quarantine_version; /* -1: no quarantine table written */
    sm_check_result_t *results; /* one per check evaluated, in declaration order */
    size_t nresults;
} sm_checked_run_t;

/* Reads smelt.yaml's models: section (a mapping of model names to
 * {checks: [...]}) into the checks of p's models.  Errors are
 * file:line:column (an unknown model, an unknown check kind, a bad option). */
sm_err_t sm_checks_load(sm_project_t *p, const sm_yaml_node_t *models, sm_error_t *e);
/* Frees n checks and the array. */
void sm_checks_free(sm_check_t *checks, size_t n);

/* Runs model m (CREATE OR REPLACE TABLE m AS its query) with its checks as
 * described above.  qo is used for every statement; run_id names the
 * staging table and fills _run_id.  On a failing check returns
 * SM_ERR_INVALID ("check not_null(customer_id) at smelt.yaml:12:11 failed:
 * 2 bad rows, e.g. ...") with out->results filled, so the caller can
 * report every check.  out is always initialised; free it with
 * sm_checked_run_free. */
sm_err_t sm_checks_run_model(sm_lake_t *lake, const sm_model_t *m, const sm_query_opts_t *qo,
                             const char *run_id, sm_checked_run_t *out, sm_error_t *e);
void sm_checked_run_free(sm_checked_run_t *r);

/* One line describing the results: "not_null(id) pass; unique(id) fail 2
 * (e.g. 7, 9)"; empty when there were none. */
sm_err_t sm_checks_describe(const sm_checked_run_t *r, sm_buf_t *out, sm_error_t *e);

#endif
