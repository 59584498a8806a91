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
 *     sales_files:
 *       type: files                         # feeds bronze.sales_files (or `as:`)
 *       format: csv                         # csv | jsonl | json | parquet | auto
 *       path: data/sales-*.csv              # a file, a directory, a glob in the
 *                                           # last part; relative to the project;
 *                                           # or s3://bucket/key
 *       header: true                        # CSV: delimiter, quote, header,
 *       delimiter: ";"                      #   null_value, schema {col: type}
 *       schema: {id: int, amount: double}   # (explicit; else inferred)
 *     shop_api:
 *       type: http                          # feeds bronze.shop_api (or `as:`)
 *       url: http://127.0.0.1:8000/orders
 *       records: data                       # the array's key in an object page
 *       next: next                          # JSON field holding the next URL,
 *                                           #   or "link" for the Link header
 *       page_param: page                    # or: ?page=1,2,... until empty
 *       timeout: 30s                        # per request (default 30s)
 *       retries: 3                          # on 5xx / timeouts, with backoff
 *       max_bytes: 64MiB                    # the whole response (all pages)
 *       headers: {Authorization: "Bearer ${SHOP_TOKEN}"}   # ${VAR} from env
 *   models:                                 # data-quality checks per model
 *     silver.sales:
 *       checks:
 *         - not_null: [order_id, customer_id]
 *         - unique: [order_id, line]        # the combination; NULL keys skipped
 *         - accepted_values: {column: country, values: [FR, DE]}
 *         - relationships: {column: customer_id, to: bronze.customers,
 *                           field: customer_id}
 *         - row_count: {min: 1, max: 1000000}
 *         - sql: SELECT * FROM this WHERE amount < 0   # returns the bad rows
 *           name: no_negative_amount        # optional label
 *           severity: error                 # error (default) | warn
 *           on_fail: quarantine             # fail (default) | quarantine
 *   models/<layer>/<name>.sql               # model <layer>.<name>
 *   models/streaming/<name>.sql             # a streaming model (smelt stream)
 *
 * Checks (the dbt model: declared in smelt.yaml under models:, run by
 * pipeline/checks.h over the rows about to be committed): a check with
 * severity error and on_fail fail stops the model before its commit; with
 * on_fail quarantine its bad rows go to <layer>.<name>_quarantine and the
 * rest is committed; severity warn only reports (it never blocks nor moves
 * rows, so warn + quarantine is refused).  row_count cannot quarantine.
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
    SM_SOURCE_FILES, /* CSV / JSON lines / Parquet files, local or S3 */
    SM_SOURCE_HTTP,  /* a JSON HTTP API */
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

typedef struct sm_source_header {
    char *name;
    char *value; /* may hold ${VAR}: expanded from the environment at run time */
} sm_source_header_t;

typedef struct sm_source {
    char *name;
    sm_source_kind_t kind;
    char *url; /* postgres: NULL = the postgres.url setting / PG* variables; http: the URL */
    /* files */
    char *path;            /* as written (resolved against the project by the reader) */
    int format;            /* sm_file_format_t (connect/files.h) */
    bool no_header;        /* CSV */
    char delimiter, quote; /* CSV: 0 = defaults */
    char *null_value;      /* CSV: NULL = "" */
    char *schema;          /* "struct<...>" (validated at load), NULL = infer */
    /* http */
    char *records_key; /* NULL: the page is an array or JSON lines */
    char *next_field;  /* JSON field with the next page's URL; "link": the Link header */
    char *page_param;  /* page-number pagination; NULL = none */
    int64_t timeout_ms;
    int64_t retries;
    int64_t max_bytes;
    int64_t max_pages;
    sm_source_header_t *headers;
    size_t nheaders;
} sm_source_t;

typedef enum sm_check_kind {
    SM_CHECK_NOT_NULL = 1,
    SM_CHECK_UNIQUE,
    SM_CHECK_ACCEPTED_VALUES,
    SM_CHECK_RELATIONSHIPS,
    SM_CHECK_ROW_COUNT,
    SM_CHECK_SQL,
} sm_check_kind_t;

typedef struct sm_check {
    sm_check_kind_t kind;
    char *label; /* "not_null(order_id)", or the check's name: */
    char *where; /* "smelt.yaml:12:9", for messages */
    char **cols; /* not_null, unique; accepted_values / relationships: cols[0] */
    size_t ncols;
    char **values; /* accepted_values: SQL literals ('FR', 12) */
    size_t nvalues;
    char *to;         /* relationships: "layer.table" */
    char *field;      /* relationships: its column */
    int64_t min, max; /* row_count: -1 = no bound */
    char *sql;        /* sql: a query over `this` returning the bad rows */
    bool warn;        /* severity warn: report only */
    bool quarantine;  /* on_fail quarantine */
} sm_check_t;

typedef struct sm_model {
    char *name; /* "layer.name" */
    char *layer;
    char *path;         /* the SQL file */
    char *sql;          /* its text */
    bool streaming;     /* under models/streaming/: run by `smelt stream`, not `smelt run` */
    sm_check_t *checks; /* from smelt.yaml models.<name>.checks */
    size_t nchecks;
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
