/*
 * serve/provider — what the web UI needs from the rest of smelt, as a
 * small vtable (the data provider).
 *
 * The server never touches the lake, the SQL engine or the stream runner
 * directly: every page and API call asks the provider.  The lead's real
 * provider sits over the lake and the SQL engine; tests use a fake one
 * with fixed data.  Any vtable entry may be NULL: the matching pages say
 * "not available" and the API answers 501.
 *
 * Ownership and lifetimes:
 *   - Calls that take an arena (sm_arena_t *a) allocate everything they
 *     return (strings, arrays) in that arena; the server frees the arena
 *     after the request.  Strings are NUL-terminated UTF-8; they may hold
 *     anything (the server escapes all output).
 *   - preview and query return rows as columnar batches in an
 *     sm_prov_result_t that the server owns afterwards and releases with
 *     sm_prov_result_free() (schema reference, batches, the array — all
 *     heap, sm_malloc'd).
 *   - On failure a call returns non-zero, fills e, and the server ignores
 *     (and frees) whatever was stored in *out.  SM_ERR_NOT_FOUND becomes
 *     HTTP 404, SM_ERR_INVALID / SM_ERR_PARSE 400, SM_ERR_UNSUPPORTED 501,
 *     anything else 500.
 *
 * Read-only: query must never change the lake (the provider runs it
 * read-only); the server also refuses anything but SELECT/WITH up front
 * (serve/sqlguard.c) as a second line of defence.
 *
 * Threads: unless the vtable sets thread_safe, the server calls the
 * provider under one mutex of its own, so a provider sees one call at a
 * time (from varying threads) and need not be thread-safe itself.  A
 * provider that sets thread_safe is called from several threads at once.
 * Calls should be quick; query is bounded by max_rows.
 *
 * The dashboard is not computed on the request path: the server's
 * refresher thread (serve/refresh.c) calls dashboard when data_version
 * changes (or at least once a minute; once a second when data_version is
 * NULL) and requests serve the last snapshot.
 */
#ifndef SM_SERVE_PROVIDER_H
#define SM_SERVE_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/arena.h"
#include "core/err.h"

/* One table of the lake, as listed by the lake browser.  Unknown numbers
 * are -1. */
typedef struct sm_prov_table {
    const char *layer; /* bronze, silver, gold, ... */
    const char *name;
    int64_t rows, bytes, files, version;
    int64_t modified_ms; /* last commit, ms since the epoch; -1 unknown */
} sm_prov_table_t;

typedef struct sm_prov_table_list {
    sm_prov_table_t *tables;
    size_t n;
} sm_prov_table_list_t;

typedef struct sm_prov_column {
    const char *name;
    const char *type; /* Spark SQL type text: "bigint", "decimal(10,2)" */
    bool nullable;
} sm_prov_column_t;

typedef struct sm_prov_file {
    const char *path;      /* relative to the table */
    const char *partition; /* "ingestion_date=2024-01-31" or NULL */
    int64_t bytes, rows;   /* -1 unknown */
} sm_prov_file_t;

typedef struct sm_prov_commit {
    int64_t version;
    int64_t ts_ms;
    const char *operation; /* WRITE, MERGE, ... */
    const char *detail;    /* short free text (parameters), may be NULL */
} sm_prov_commit_t;

typedef struct sm_prov_table_desc {
    const char *layer, *name, *location;
    int64_t rows, bytes, files, version; /* -1 unknown */
    sm_prov_column_t *columns;
    size_t ncolumns;
    const char **partition_columns;
    size_t npartition_columns;
    sm_prov_file_t *file_list;
    size_t nfile_list;
    sm_prov_commit_t *history; /* newest first */
    size_t nhistory;
} sm_prov_table_desc_t;

/* Rows answered by preview or query.  The server owns it once returned. */
typedef struct sm_prov_result {
    sm_type_t *schema;    /* STRUCT reference; NULL only when empty */
    sm_batch_t **batches; /* sm_malloc'd array of owned batches */
    size_t nbatches;
    int64_t total_rows; /* rows in the whole table/answer; -1 unknown */
    bool truncated;     /* query: more rows existed than max_rows */
} sm_prov_result_t;

/* Where a query error points (1-based); 0 when unknown. */
typedef struct sm_prov_pos {
    int line, column;
} sm_prov_pos_t;

/* Labelled values for a chart.  labels[i] may be NULL (shown "NULL"). */
typedef struct sm_prov_series {
    const char **labels;
    double *values;
    size_t n;
} sm_prov_series_t;

/* A small table given as text (the RFM segment table).  cells holds
 * nrows * ncols entries, row-major; a NULL cell is SQL NULL.  numeric[c]
 * says whether column c is right-aligned. */
typedef struct sm_prov_grid {
    const char **cols;
    bool *numeric;
    size_t ncols;
    const char **cells;
    size_t nrows;
} sm_prov_grid_t;

typedef struct sm_prov_dashboard {
    bool has_data; /* false: the pipeline has not run yet */
    double total_revenue;
    int64_t orders, customers;
    double vip_share;               /* VIP customers / all customers, 0..1 */
    sm_prov_series_t top_countries; /* revenue, best first (<= 10 shown) */
    sm_prov_series_t segments;      /* customers per RFM segment */
    sm_prov_series_t categories;    /* revenue per product category */
    sm_prov_grid_t rfm;             /* the RFM table (top customers) */
} sm_prov_dashboard_t;

typedef struct sm_prov_stream {
    const char *state; /* "running", "idle", "stopped", "not configured" */
    bool running;
    uint64_t version;              /* changes whenever `live` changes (drives SSE) */
    const char *topic;             /* may be NULL */
    int64_t events;                /* events processed; -1 unknown */
    int64_t lag;                   /* messages behind; -1 unknown */
    int64_t batches;               /* micro-batches run; -1 unknown */
    int64_t last_batch_ms;         /* wall time of the last batch; -1 never */
    sm_prov_series_t live;         /* revenue by country; n == 0: waiting */
    sm_prov_series_t transactions; /* count by country (same labels) */
} sm_prov_stream_t;

typedef struct sm_prov_run {
    const char *id, *model, *status;       /* status: ok, failed, running, skipped */
    int64_t started_ms, duration_ms, rows; /* -1 unknown */
    const char **inputs;                   /* lineage: tables read */
    size_t ninputs;
    const char *output; /* table written; may be NULL */
    const char *error;  /* one line; NULL when none */
} sm_prov_run_t;

typedef struct sm_prov_run_list {
    sm_prov_run_t *runs; /* newest first */
    size_t n;
} sm_prov_run_list_t;

/* The stream monitor (/api/streams): the Kafka cluster's topics and each
 * stream query's position in them.  Unknown numbers are -1. */
typedef struct sm_prov_partition {
    int32_t partition;
    int64_t low, high; /* the topic's watermark offsets */
    int64_t committed; /* a stream's next offset to read (its checkpoint) */
    int64_t lag;       /* high - committed */
} sm_prov_partition_t;

typedef struct sm_prov_topic {
    const char *name;
    sm_prov_partition_t *parts; /* committed and lag are -1 here */
    size_t nparts;
    int64_t messages; /* sum of high - low */
} sm_prov_topic_t;

typedef struct sm_prov_stream_info {
    const char *name;                     /* the stream query (model) */
    const char *topic;                    /* the topic it reads; may be NULL */
    const char *sink, *dead_letter_table; /* may be NULL */
    int64_t batch;                        /* last batch logged; -1 never ran */
    int64_t last_batch_ms;                /* when it was logged */
    int64_t committed;                    /* sum over partitions of the next offsets to read */
    int64_t lag;                          /* sum of the partitions' lags; -1 without a broker */
    double
        events_per_s;  /* the last batch's events over the time since the one before; < 0 unknown */
    double latency_ms; /* last batch: offsets logged -> sink committed; < 0 unknown */
    int64_t dead_letters; /* rows in the dead-letter table */
    sm_prov_partition_t *parts;
    size_t nparts;
} sm_prov_stream_info_t;

typedef struct sm_prov_streams {
    bool broker_configured;   /* false: "no Kafka broker configured" */
    const char *bootstrap;    /* as configured; may be NULL */
    const char *broker_error; /* the broker did not answer: why; NULL when it did */
    sm_prov_topic_t *topics;
    size_t ntopics;
    sm_prov_stream_info_t *streams;
    size_t nstreams;
} sm_prov_streams_t;

/* Where the SQL console can run a query besides the lake ("lake"): e.g.
 * id "source:northwind", label "PostgreSQL source northwind". */
typedef struct sm_prov_target {
    const char *id, *label;
} sm_prov_target_t;

typedef struct sm_prov_target_list {
    sm_prov_target_t *targets;
    size_t n;
} sm_prov_target_list_t;

/* A gauge for /metrics: `name{label_key="label_value"} value`.  Names must
 * match [a-zA-Z_:][a-zA-Z0-9_:]* (others are skipped); label_key may be
 * NULL.  Gauges with the same name must be adjacent. */
typedef struct sm_prov_gauge {
    const char *name, *help;
    const char *label_key, *label_value;
    double value;
} sm_prov_gauge_t;

typedef struct sm_prov_gauge_list {
    sm_prov_gauge_t *gauges;
    size_t n;
} sm_prov_gauge_list_t;

typedef struct sm_provider_vt {
    sm_err_t (*list_tables)(void *ctx, sm_arena_t *a, sm_prov_table_list_t *out, sm_error_t *e);
    /* SM_ERR_NOT_FOUND for an unknown table. */
    sm_err_t (*describe_table)(void *ctx, const char *layer, const char *name, sm_arena_t *a,
                               sm_prov_table_desc_t *out, sm_error_t *e);
    /* Rows [offset, offset + limit) of the table in its natural order, as
     * of `version` (-1: the latest; SM_ERR_NOT_FOUND for a version the
     * table does not have). */
    sm_err_t (*preview)(void *ctx, const char *layer, const char *name, int64_t version,
                        uint64_t offset, size_t limit, sm_prov_result_t *out, sm_error_t *e);
    /* Runs one read-only statement; at most max_rows rows (truncated set
     * when there were more).  On a syntax or binding error fills *pos. */
    sm_err_t (*query)(void *ctx, const char *sql, size_t max_rows, sm_prov_result_t *out,
                      sm_prov_pos_t *pos, sm_error_t *e);
    sm_err_t (*dashboard)(void *ctx, sm_arena_t *a, sm_prov_dashboard_t *out, sm_error_t *e);
    sm_err_t (*stream_status)(void *ctx, sm_arena_t *a, sm_prov_stream_t *out, sm_error_t *e);
    sm_err_t (*runs)(void *ctx, sm_arena_t *a, sm_prov_run_list_t *out, sm_error_t *e);
    sm_err_t (*gauges)(void *ctx, sm_arena_t *a, sm_prov_gauge_list_t *out, sm_error_t *e);
    /* A cheap token (no data read: a _delta_log listing at most) that
     * changes whenever what dashboard returns may have changed. */
    sm_err_t (*data_version)(void *ctx, uint64_t *out, sm_error_t *e);
    /* The console's other targets (not "lake"). */
    sm_err_t (*targets)(void *ctx, sm_arena_t *a, sm_prov_target_list_t *out, sm_error_t *e);
    /* Runs one read-only statement on a target listed by targets, as query
     * does for the lake: in a READ ONLY transaction with a statement
     * timeout, at most max_rows rows.  SM_ERR_NOT_FOUND for an unknown
     * target; on an error in the statement fills *pos. */
    sm_err_t (*query_target)(void *ctx, const char *target, const char *sql, size_t max_rows,
                             sm_prov_result_t *out, sm_prov_pos_t *pos, sm_error_t *e);
    /* The stream monitor; no broker configured is not an error. */
    sm_err_t (*streams)(void *ctx, sm_arena_t *a, sm_prov_streams_t *out, sm_error_t *e);
    /* True when every entry may be called from several threads at once. */
    bool thread_safe;
} sm_provider_vt_t;

typedef struct sm_provider {
    const sm_provider_vt_t *vt;
    void *ctx;
} sm_provider_t;

/* Releases what a result holds and zeroes it.  NULL ok. */
void sm_prov_result_free(sm_prov_result_t *r);

/* Total rows held by the batches of r. */
size_t sm_prov_result_rows(const sm_prov_result_t *r);

#endif
