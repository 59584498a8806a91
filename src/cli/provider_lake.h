/*
 * cli/provider_lake — the web UI's data provider over a real lake: tables
 * and their snapshots, previews through the Delta scan, the dashboard from
 * the gold tables of the Northwind project, the live table from the
 * stream's Delta sink, read-only SQL for the console, and _smelt.runs.
 *
 * Ownership: the provider borrows the lake, which must outlive it.
 * Threads: it keeps no state of its own and is thread-safe (the lake's
 * resolution, snapshots and queries are), so the server calls it from
 * several threads at once.  The server's refresher caches the dashboard
 * and rebuilds it when data_version (the newest commits of the gold
 * tables it reads) changes.
 */
#ifndef SM_CLI_PROVIDER_LAKE_H
#define SM_CLI_PROVIDER_LAKE_H

#include "lake/lake.h"
#include "serve/provider.h"

/* A stream query the monitor reports on (strings borrowed). */
typedef struct sm_lake_stream {
    const char *name;         /* the query id: the streaming model's name */
    const char *topic;        /* the Kafka topic it reads */
    const char *sink;         /* layer.table; NULL = gold.<name>_live */
    const char *dead_letters; /* layer.table; NULL = <sink layer>._dead_letters_<name> */
} sm_lake_stream_t;

/* A PostgreSQL source the SQL console may query (strings borrowed). */
typedef struct sm_lake_pg_source {
    const char *name;     /* the console's target is "source:<name>" */
    const char *conninfo; /* libpq conninfo or URI; NULL = the PG* variables */
} sm_lake_pg_source_t;

typedef struct sm_lake_provider {
    sm_lake_t *lake;
    /* The stream monitor: the cluster (NULL/"" = none configured: the
     * monitor says so) and the project's stream queries; all borrowed. */
    const char *kafka_bootstrap;
    const sm_lake_stream_t *streams;
    size_t nstreams;
    /* The console's PostgreSQL targets; borrowed. */
    const sm_lake_pg_source_t *pg_sources;
    size_t npg_sources;
} sm_lake_provider_t;

/* Releases what the provider holds (nothing today; the lake is the
 * caller's). */
void sm_lake_provider_free(sm_lake_provider_t *lp);

/* A provider whose context is lp (which must outlive it). */
sm_provider_t sm_lake_provider(sm_lake_provider_t *lp);

#endif
