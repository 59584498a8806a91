/*
 * pipeline/bronze — a source table into its bronze Delta table.
 *
 * Rows stream from PostgreSQL (COPY BINARY, connect/pg.h) straight into
 * the Delta writer: memory stays about one batch plus one row group.  Each
 * row gains `_ingestion_timestamp` (the run's time), `_source` (the
 * source's type, "postgresql" as in the reference) and the partition
 * column `_ingestion_date`; a full ingest replaces today's partition only
 * (a same-day re-run replaces that day, other days stay).  An incremental
 * ingest reads rows past the high-water mark kept in the table's
 * configuration (smelt.watermark.<column>, PostgreSQL's text form of the
 * column's maximum) and appends them, updating the mark in the same commit
 * as the rows; a run that finds no new rows commits nothing new but the
 * unchanged mark.  Any failure (lost connection, unknown table,
 * unmappable type) commits nothing: the table keeps its last good version.
 *
 * Connections: sm_bronze_ingest takes them from a pool shared by
 * the tables of a run (one connection and authentication per source and
 * worker instead of one per table).  A read that succeeded gives its
 * connection back before the file is finished and committed, and tells
 * the caller so (sm_bronze_opts_t.on_read: a scheduler may start the next
 * table's read meanwhile).
 *
 * Threads: a PostgreSQL table is read and decoded on the caller's thread
 * while a writer thread it starts (and joins before returning) encodes the
 * batches into Parquet; the commit is made on the caller's thread.
 *
 * File and HTTP sources (pipeline/bronze_read.h) land the same way: every
 * file (or every page) of one run in one commit replacing today's
 * partition, `_source` being the format ("csv", "jsonl", "json",
 * "parquet") or "http".
 */
#ifndef SM_PIPELINE_BRONZE_H
#define SM_PIPELINE_BRONZE_H

#include <stdint.h>

#include "connect/pg.h"
#include "core/err.h"
#include "lake/lake.h"
#include "pipeline/project.h"

typedef struct sm_bronze_result {
    int64_t rows;
    int64_t version; /* committed version */
    uint64_t bytes;
} sm_bronze_result_t;

/* How to ingest one table (sm_bronze_ingest). */
typedef struct sm_bronze_opts {
    const char *project_dir; /* where a files source's paths start; NULL = "." */
    const char *conninfo;    /* when the source has no url; NULL = PG* variables */
    sm_pg_pool_t *pool;      /* PostgreSQL connections; NULL = one of its own */
    int64_t now_ms;          /* the run's time */
    /* Called at most once, on the caller's thread, when the source has been
     * read in full and only finishing the Parquet file and committing are
     * left: a PostgreSQL read's COPY is over and its connection is back in
     * the pool (or closed); a files or HTTP source's every input is read.
     * Not called when the read fails.  Nothing is committed yet: the
     * ingest may still fail, and the table is durable only once the
     * ingest returns SM_OK.  May be NULL. */
    void (*on_read)(void *arg);
    void *arg;
} sm_bronze_opts_t;

/* Ingests `bt` from `src` into bronze.<name> of the lake, as o says.  The
 * PostgreSQL connection is the source's url, else o->conninfo; it comes
 * from o->pool and goes back to it (pool NULL = a connection of its own,
 * closed at the end), so that the tables of one run share their source's
 * connections.  A failure leaves the pool usable: a lost connection is
 * closed, one a failed read left behind is rolled back and kept
 * (sm_pg_pool_put).  The connection goes back before on_read.  Any
 * thread; the pool serializes the use of each connection. */
sm_err_t sm_bronze_ingest(sm_lake_t *lake, const sm_source_t *src, const sm_bronze_table_t *bt,
                          const sm_bronze_opts_t *o, sm_bronze_result_t *res, sm_error_t *e);

#endif
