/*
 * pipeline/models — the project's SQL models in run order.
 *
 * A model is models/<layer>/<name>.sql, one query; it becomes the Delta
 * table <layer>.<name> (CREATE OR REPLACE TABLE … AS, a whole-table
 * overwrite in one commit).  Its inputs are the tables its query names
 * (CTE names excluded); an input that is another model orders the run.
 * An input that is neither a model, a bronze table of the project, nor an
 * existing lake table is an error naming the file and the position; a cycle
 * is an error naming the files in it.
 *
 * Ownership: a plan owns its arrays and borrows the project (which must
 * outlive it).  Threads: read-only after building.
 */
#ifndef SM_PIPELINE_MODELS_H
#define SM_PIPELINE_MODELS_H

#include <stddef.h>

#include "core/err.h"
#include "lake/lake.h"
#include "pipeline/project.h"

typedef struct sm_model_node {
    const sm_model_t *model;
    char **inputs; /* "layer.table", sorted, unique */
    size_t ninputs;
} sm_model_node_t;

typedef struct sm_model_plan {
    sm_model_node_t *order; /* run order: every input model comes first */
    size_t n;
} sm_model_plan_t;

/* Orders the models of p.  `lake` (may be NULL) is asked whether a table
 * that is not produced by the project exists already. */
sm_err_t sm_models_plan(const sm_project_t *p, sm_lake_t *lake, sm_model_plan_t *out,
                        sm_error_t *e);
void sm_models_plan_free(sm_model_plan_t *plan);

/* Selection: true when model `name` is selected by the selectors (NULL or
 * none = all).  A selector is a model name, "+name" (it and everything
 * upstream), or "name+" (it and everything downstream). */
bool sm_models_selected(const sm_model_plan_t *plan, const char *name, char *const *sel,
                        size_t nsel);

#endif
