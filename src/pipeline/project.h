/*
 * pipeline/project — a pipeline project: smelt.yaml's sources (and which
 * of their tables feed bronze, and how) plus the SQL models under models/.
 *
 *   sources:
 *     northwind:
 *       type: postgres
 *       url: postgresql://user@host/app    # optional: postgres.url / PG* variables
 *       tables:
 *         - orders                          # full copy into bronze.orders
 *         - name: order_details
 *         - name: orders
 *           as: orders_incremental          # the bronze table's name
 *           mode: incremental               # only rows past the high-water mark
 *           column: order_id
 *   models/<layer>/<name>.sql               # model <layer>.<name>
 *   models/streaming/<name>.sql             # a streaming model (smelt stream)
 *
 * Every problem in smelt.yaml is reported as file:line:column.
 * Ownership: a project owns everything it holds (sm_project_free); it
 * borrows the configuration it was loaded from, which must outlive it.
 * Threads: read-only after loading.
 */
#ifndef SM_PIPELINE_PROJECT_H
#define SM_PIPELINE_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

typedef enum sm_source_kind {
    SM_SOURCE_POSTGRES = 1,
} sm_source_kind_t;

typedef enum sm_ingest_mode {
    SM_INGEST_FULL = 0,    /* the whole table, replacing today's partition */
    SM_INGEST_INCREMENTAL, /* rows past the high-water mark, appended */
} sm_ingest_mode_t;

typedef struct sm_bronze_table {
    char *source; /* the source's name */
    char *table;  /* in the source ("name" or "schema.name") */
    char *name;   /* the bronze table: bronze.<name> */
    sm_ingest_mode_t mode;
    char *column; /* incremental: the monotonic column */
} sm_bronze_table_t;

typedef struct sm_source {
    char *name;
    sm_source_kind_t kind;
    char *url; /* NULL = the postgres.url setting / libpq's PG* variables */
} sm_source_t;

typedef struct sm_model {
    char *name; /* "layer.name" */
    char *layer;
    char *path;     /* the SQL file */
    char *sql;      /* its text */
    bool streaming; /* under models/streaming/: run by `smelt stream`, not `smelt run` */
} sm_model_t;

typedef struct sm_project {
    char *dir; /* the project directory */
    sm_source_t *sources;
    size_t nsources;
    sm_bronze_table_t *bronze;
    size_t nbronze;
    sm_model_t *models; /* sorted by name */
    size_t nmodels;
} sm_project_t;

/* Loads the project described by cfg (its smelt.yaml and the models/ folder
 * beside it; the current directory when no file was loaded). */
sm_err_t sm_project_load(const sm_config_t *cfg, sm_project_t **out, sm_error_t *e);
void sm_project_free(sm_project_t *p);

const sm_source_t *sm_project_source(const sm_project_t *p, const char *name);
const sm_model_t *sm_project_model(const sm_project_t *p, const char *name);

#endif
