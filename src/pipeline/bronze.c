#include "pipeline/bronze.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "connect/pg.h"
#include "pipeline/bronze_read.h"
#include "core/mem.h"
#include "delta/snapshot.h"
#include "delta/write.h"

typedef struct ingest {
    sm_delta_write_t *w;
    sm_type_t *schema;           /* pg columns + the three added */
    sm_vector_t *ts, *src, *day; /* constant columns, grown to a batch */
    int64_t now_us;
    int32_t today;
    const char *label; /* _source: "postgresql", "csv", "jsonl", "parquet", "http" */
} ingest_t;

static sm_err_t grow_constants(ingest_t *g, size_t n, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    while (!rc && g->ts->len < n) {
        if (!(rc = sm_vector_append_i64(g->ts, g->now_us, e)) &&
            !(rc = sm_vector_append_str(g->src, g->label, e)))
            rc = sm_vector_append_i32(g->day, g->today, e);
    }
    return rc;
}

static sm_err_t on_batch(void *ud, sm_batch_t *b, sm_error_t *e)
{
    ingest_t *g = ud;
    sm_err_t rc = grow_constants(g, b->nrows, e);
    if (rc)
        return rc;
    size_t n = b->ncols + 3;
    sm_vector_t **cols = sm_calloc(n, sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "bronze batch");
    for (size_t i = 0; !rc && i < b->ncols; i++)
        rc = sm_vector_view(b->cols[i], &cols[i], e);
    if (!rc)
        rc = sm_vector_slice(g->ts, 0, b->nrows, &cols[b->ncols], e);
    if (!rc)
        rc = sm_vector_slice(g->src, 0, b->nrows, &cols[b->ncols + 1], e);
    if (!rc)
        rc = sm_vector_slice(g->day, 0, b->nrows, &cols[b->ncols + 2], e);
    sm_batch_t *out = NULL;
    if (!rc)
        rc = sm_batch_from_vectors(g->schema, cols, n, &out, e);
    else
        for (size_t i = 0; i < n; i++)
            sm_vector_free(cols[i]);
    sm_free(cols);
    if (!rc)
        rc = sm_delta_write_batch(g->w, out, e);
    sm_batch_free(out);
    return rc;
}

/* ---- the pipelined write of a PostgreSQL table ------------------------------
 *
 * The connection's thread reads and decodes the COPY stream; a writer
 * thread adds the technical columns and encodes into Parquet (the costlier
 * half).  Full batches travel through a queue of at most PIPE_DEPTH; their
 * columns are taken from the decoder's batch by exchanging them for empty
 * builders from a pool of recycled batches (no copy, no allocation once
 * the pool is warm).  A writer failure is reported to the reader at its
 * next hand-off (the read stops, nothing is committed); a reader failure
 * stops the writer.  The writer thread opens the Delta writer (pipe.open,
 * while the first rows arrive) and uses it until it is joined, then the
 * caller's thread commits or aborts it. */

#define PIPE_DEPTH 4
/* Parquet pages of 128 KiB instead of the writer's 1 MiB: the writer
 * thread encodes and compresses them while the COPY runs, so that closing
 * the file after the last row (on the caller's thread, while nothing else
 * runs) has only the last partial page of each column left to do.  Snappy
 * compresses in 64 KiB blocks anyway, so the file hardly grows. */
#define BRONZE_PAGE_BYTES ((size_t)128 << 10)

typedef struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ingest_t *g;
    sm_type_t *schema;            /* the decoder's batches' (pg) schema */
    sm_batch_t *full[PIPE_DEPTH]; /* FIFO of batches for the writer */
    size_t head, nfull;
    sm_batch_t *spare[PIPE_DEPTH + 1]; /* empty batches for the reader */
    size_t nspare, made;
    bool done;   /* the reader hands off no more batches */
    sm_err_t rc; /* the writer's first failure, its message in err */
    sm_error_t err;
    /* run by the writer thread before its first batch (opening the Delta
     * writer, while the reader already receives rows); NULL = none */
    sm_err_t (*open)(void *arg, sm_error_t *e);
    void *open_arg;
} pipe_t;

static void *pipe_writer(void *arg)
{
    pipe_t *p = arg;
    sm_error_t oerr = {0};
    sm_err_t orc = p->open ? p->open(p->open_arg, &oerr) : SM_OK;
    pthread_mutex_lock(&p->mu);
    if (orc && !p->rc) {
        p->rc = orc; /* the reader stops at its next hand-off */
        p->err = oerr;
    }
    for (;;) {
        while (!p->nfull && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->nfull)
            break;
        sm_batch_t *b = p->full[p->head];
        p->head = (p->head + 1) % PIPE_DEPTH;
        p->nfull--;
        bool failed = p->rc != SM_OK;
        pthread_mutex_unlock(&p->mu);
        sm_error_t err = {0};
        sm_err_t rc = failed ? SM_OK : on_batch(p->g, b, &err);
        sm_batch_reset(b);
        pthread_mutex_lock(&p->mu);
        if (rc && !p->rc) {
            p->rc = rc;
            p->err = err;
        }
        p->spare[p->nspare++] = b;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The decoder's callback: hands the batch's rows to the writer thread. */
static sm_err_t pipe_handoff(void *ud, sm_batch_t *b, sm_error_t *e)
{
    pipe_t *p = ud;
    sm_err_t rc = SM_OK;
    sm_batch_t *s = NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->rc)
            break;
        if (p->nspare) {
            s = p->spare[--p->nspare];
            break;
        }
        if (p->made < PIPE_DEPTH + 1) { /* grow the pool (outside the lock) */
            p->made++;
            pthread_mutex_unlock(&p->mu);
            rc = sm_batch_new(p->schema, b->nrows, &s, e);
            pthread_mutex_lock(&p->mu);
            if (rc)
                p->made--;
            break;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
    if (!rc && p->rc) {
        rc = p->rc;
        if (e)
            *e = p->err;
    }
    if (rc) {
        if (s)
            p->spare[p->nspare++] = s;
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    /* the rows move to s; b keeps s's empty builders (the decoder resets
     * b after this call) */
    for (size_t i = 0; i < b->ncols; i++) {
        sm_vector_t *v = b->cols[i];
        b->cols[i] = s->cols[i];
        s->cols[i] = v;
    }
    s->nrows = b->nrows;
    while (p->nfull == PIPE_DEPTH)
        pthread_cond_wait(&p->cv, &p->mu); /* the writer always drains */
    p->full[(p->head + p->nfull) % PIPE_DEPTH] = s;
    p->nfull++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return SM_OK;
}

/* Commits what g's writer holds (the writer is spent, whatever the
 * outcome) and fills res with its rows, version and bytes. */
static sm_err_t commit(ingest_t *g, sm_bronze_result_t *res, sm_error_t *e)
{
    sm_delta_write_result_t wr;
    sm_delta_write_t *w = g->w;
    g->w = NULL;
    sm_err_t rc = sm_delta_write_commit(w, &wr, e);
    if (!rc) {
        res->rows = wr.rows;
        res->version = wr.version;
        res->bytes = wr.bytes_added;
    }
    return rc;
}

static sm_err_t pipe_start(pipe_t *p, ingest_t *g, sm_type_t *schema,
                           sm_err_t (*open)(void *arg, sm_error_t *e), void *open_arg,
                           pthread_t *th, sm_error_t *e)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->schema = schema;
    p->open = open;
    p->open_arg = open_arg;
    if (pthread_mutex_init(&p->mu, NULL))
        return sm_error_set(e, SM_ERR_NOMEM, "bronze writer: cannot make a mutex");
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        return sm_error_set(e, SM_ERR_NOMEM, "bronze writer: cannot make a condition variable");
    }
    if (pthread_create(th, NULL, pipe_writer, p)) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return sm_error_set(e, SM_ERR_NOMEM, "bronze writer: cannot start a thread");
    }
    return SM_OK;
}

/* Ends the hand-offs, waits for the writer, frees the pool; returns the
 * writer's failure (with its message in e) unless read_rc already failed. */
static sm_err_t pipe_finish(pipe_t *p, pthread_t th, sm_err_t read_rc, sm_error_t *e)
{
    pthread_mutex_lock(&p->mu);
    p->done = true;
    if (read_rc && !p->rc)
        p->rc = read_rc; /* the writer drops what is still queued */
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(th, NULL);
    sm_err_t rc = read_rc;
    if (!rc && p->rc) {
        rc = p->rc;
        if (e)
            *e = p->err;
    }
    for (size_t i = 0; i < p->nspare; i++)
        sm_batch_free(p->spare[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    return rc;
}

/* The pg schema plus _ingestion_timestamp, _source, _ingestion_date. */
static sm_type_t *bronze_schema(const sm_type_t *pg, sm_error_t *e)
{
    size_t n = pg->nfields + 3;
    sm_field_t *fs = sm_calloc(n, sizeof *fs);
    if (!fs) {
        sm_error_nomem(e, "bronze schema");
        return NULL;
    }
    for (uint32_t i = 0; i < pg->nfields; i++) {
        fs[i] = pg->fields[i];
        fs[i].type = sm_type_ref(pg->fields[i].type);
        fs[i].nullable = true; /* Spark writes every column nullable */
    }
    fs[pg->nfields] = (sm_field_t){"_ingestion_timestamp", sm_type_timestamp_tz(), true};
    fs[pg->nfields + 1] = (sm_field_t){"_source", sm_type_string(), true};
    fs[pg->nfields + 2] = (sm_field_t){"_ingestion_date", sm_type_date(), true};
    sm_type_t *t = sm_type_struct(fs, n);
    sm_free(fs);
    if (!t)
        sm_error_nomem(e, "bronze schema");
    return t;
}

static sm_err_t open_constants(ingest_t *g, sm_error_t *e)
{
    sm_err_t rc = sm_vector_new(sm_type_timestamp_tz(), 0, &g->ts, e);
    if (!rc)
        rc = sm_vector_new(sm_type_string(), 0, &g->src, e);
    if (!rc)
        rc = sm_vector_new(sm_type_date(), 0, &g->day, e);
    return rc;
}

/* Files and HTTP: every source of the reader into one commit that
 * replaces today's partition. */
static sm_err_t ingest_files(sm_lake_t *lake, const sm_source_t *src, const sm_bronze_table_t *bt,
                             const sm_bronze_opts_t *o, sm_bronze_result_t *res, sm_error_t *e)
{
    const char *project_dir = o->project_dir ? o->project_dir : ".";
    int64_t now_ms = o->now_ms;
    ingest_t g = {.now_us = now_ms * 1000, .today = (int32_t)(now_ms / 86400000)};
    char bname[600];
    snprintf(bname, sizeof bname, "bronze.%s", bt->name);
    sm_lake_table_t t = {0};
    sm_bronze_reader_t *rd = NULL;
    sm_file_source_t *fs = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_lake_resolve(lake, bname, &t, e);
    if (!rc)
        rc = sm_bronze_reader_open(project_dir, src, &rd, e);
    if (!rc)
        rc = sm_bronze_reader_next(rd, &fs, e);
    if (!rc) {
        g.label = sm_bronze_reader_label(rd);
        if (!(g.schema = bronze_schema(sm_file_source_schema(fs), e)))
            rc = e ? e->code : SM_ERR_NOMEM;
    }
    if (!rc)
        rc = open_constants(&g, e);
    if (!rc) {
        const char *pby[] = {"_ingestion_date"};
        sm_delta_write_opts_t wo = {
            .mode = SM_DELTA_OVERWRITE_PARTITIONS,
            .partition_by = pby,
            .npartition_by = 1,
            .operation = "WRITE",
            .table_name = bt->name,
            .now_ms = now_ms,
            .parquet = {.codec = SM_PQ_CODEC_SNAPPY},
        };
        rc = sm_delta_write_open(t.store, t.prefix, g.schema, &wo, &g.w, e);
    }
    while (!rc && fs) {
        while (!rc && !(rc = sm_file_source_next(fs, &b, e)) && b) {
            rc = on_batch(&g, b, e);
            sm_batch_free(b);
            b = NULL;
        }
        sm_file_source_close(fs);
        fs = NULL;
        if (!rc)
            rc = sm_bronze_reader_next(rd, &fs, e);
    }
    if (!rc && o->on_read) /* every input read: only the commit is left */
        o->on_read(o->arg);
    if (!rc)
        rc = commit(&g, res, e);
    if (rc)
        sm_error_wrap(e, "%s from %s", bname, src->name);
    sm_delta_write_abort(g.w);
    sm_file_source_close(fs);
    sm_bronze_reader_close(rd);
    sm_vector_free(g.ts);
    sm_vector_free(g.src);
    sm_vector_free(g.day);
    sm_type_free(g.schema);
    sm_lake_table_free(&t);
    return rc;
}

/* A PostgreSQL read in progress: once the read knows the columns (inside
 * its transaction, before the COPY) the pipe's writer thread starts and
 * opens the Delta writer while the COPY begins; the batches then go
 * through the pipe. */
typedef struct pg_ingest {
    pipe_t pipe;
    pthread_t th;
    bool started;      /* the pipe's writer thread runs: pipe_finish it */
    sm_type_t *pgtype; /* the read's columns (a reference) */
    ingest_t *g;
    const sm_lake_table_t *t;
    const sm_bronze_table_t *bt;
    sm_delta_kv_t *wm; /* the high-water mark committed with the rows */
    int64_t now_ms;
} pg_ingest_t;

/* On the pipe's writer thread, before its first batch: the Delta writer
 * (loading the table's snapshot overlaps the start of the COPY). */
static sm_err_t pg_open_writer(void *arg, sm_error_t *e)
{
    pg_ingest_t *pi = arg;
    const sm_bronze_table_t *bt = pi->bt;
    const char *pby[] = {"_ingestion_date"};
    sm_delta_write_opts_t wo = {
        .mode = bt->mode == SM_INGEST_FULL ? SM_DELTA_OVERWRITE_PARTITIONS : SM_DELTA_APPEND,
        .partition_by = pby,
        .npartition_by = 1,
        .operation = "WRITE",
        .table_name = bt->name,
        .now_ms = pi->now_ms,
        .parquet = {.codec = SM_PQ_CODEC_SNAPPY, .page_bytes = BRONZE_PAGE_BYTES},
        .set_config = bt->mode == SM_INGEST_INCREMENTAL ? pi->wm : NULL,
        .nset_config = bt->mode == SM_INGEST_INCREMENTAL ? 1 : 0,
    };
    return sm_delta_write_open(pi->t->store, pi->t->prefix, pi->g->schema, &wo, &pi->g->w, e);
}

static sm_err_t pg_on_schema(void *ud, const sm_pg_schema_t *pgs, sm_error_t *e)
{
    pg_ingest_t *pi = ud;
    ingest_t *g = pi->g;
    if (!(g->schema = bronze_schema(pgs->type, e)))
        return e ? e->code : SM_ERR_NOMEM;
    sm_err_t rc = open_constants(g, e);
    if (!rc) {
        pi->pgtype = sm_type_ref(pgs->type);
        if (!(rc = pipe_start(&pi->pipe, g, pi->pgtype, pg_open_writer, pi, &pi->th, e)))
            pi->started = true;
    }
    return rc;
}

static sm_err_t pg_on_batch(void *ud, sm_batch_t *b, sm_error_t *e)
{
    pg_ingest_t *pi = ud;
    return pipe_handoff(&pi->pipe, b, e);
}

/* Reads the table on a connection (from the pool when there is one) into
 * pi's writer; *conn is the connection to give back.  A reused connection
 * found lost before the read began (the server dropped it while it sat
 * idle) is closed and the read tried again on the next one, up to a fresh
 * connection. */
static sm_err_t read_pg(sm_pg_pool_t *pool, const char *conninfo, const char *table,
                        const sm_pg_read_opts_t *ro, pg_ingest_t *pi, sm_pg_conn_t **conn,
                        sm_pg_read_result_t *rr, sm_error_t *e)
{
    for (;;) {
        bool reused = false;
        sm_err_t rc = pool ? sm_pg_pool_get(pool, conninfo, NULL, conn, &reused, e)
                           : sm_pg_connect(conninfo, NULL, conn, e);
        if (rc)
            return rc;
        rc = sm_pg_read_table(*conn, table, ro, pg_on_batch, pi, rr, e);
        if (pi->started) {
            rc = pipe_finish(&pi->pipe, pi->th, rc, e);
            pi->started = false;
            return rc;
        }
        if (rc != SM_ERR_NETWORK || !reused || pi->g->schema) /* retried only before on_schema */
            return rc;
        sm_pg_pool_put(pool, *conn, true);
        *conn = NULL;
    }
}

sm_err_t sm_bronze_ingest(sm_lake_t *lake, const sm_source_t *src, const sm_bronze_table_t *bt,
                          const sm_bronze_opts_t *o, sm_bronze_result_t *res, sm_error_t *e)
{
    memset(res, 0, sizeof *res);
    if (src->kind != SM_SOURCE_POSTGRES)
        return ingest_files(lake, src, bt, o, res, e);
    sm_pg_pool_t *pool = o->pool;
    int64_t now_ms = o->now_ms;
    ingest_t g = {
        .now_us = now_ms * 1000, .today = (int32_t)(now_ms / 86400000), .label = "postgresql"};
    char bname[600];
    snprintf(bname, sizeof bname, "bronze.%s", bt->name);
    sm_lake_table_t t = {0};
    sm_pg_conn_t *conn = NULL;
    sm_pg_read_result_t rr = {0};
    /* incremental: the high-water mark kept in the table's configuration */
    char wm_key[300];
    snprintf(wm_key, sizeof wm_key, "smelt.watermark.%s", bt->column ? bt->column : "");
    char *old_wm = NULL;
    sm_delta_kv_t wm = {wm_key, NULL};
    sm_err_t rc = sm_lake_resolve(lake, bname, &t, e);
    if (!rc && bt->mode == SM_INGEST_INCREMENTAL) {
        sm_delta_snapshot_t *snap = NULL;
        if (sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, NULL) == SM_OK) {
            const char *v = sm_delta_snapshot_config(snap, wm_key);
            if (v && !(old_wm = sm_strdup(v)))
                rc = sm_error_nomem(e, "watermark");
        }
        sm_delta_snapshot_free(snap);
        wm.value = old_wm;
    }
    if (!rc) {
        sm_pg_read_opts_t ro = {.on_schema = pg_on_schema};
        if (bt->mode == SM_INGEST_INCREMENTAL) {
            ro.filter_column = old_wm ? bt->column : NULL;
            ro.filter_value = old_wm;
            ro.max_column = bt->column;
        }
        pg_ingest_t pi = {.g = &g, .t = &t, .bt = bt, .wm = &wm, .now_ms = now_ms};
        rc = read_pg(pool, src->url ? src->url : o->conninfo, bt->table, &ro, &pi, &conn, &rr, e);
        sm_type_free(pi.pgtype);
        if (!rc && rr.max_value)
            wm.value = rr.max_value; /* the new mark, committed with the rows */
    }
    if (!rc) {
        /* the read is over: the connection serves the next table while
         * this one's file is finished and committed */
        if (pool)
            sm_pg_pool_put(pool, conn, false);
        else
            sm_pg_close(conn);
        conn = NULL;
    }
    if (!rc && o->on_read)
        o->on_read(o->arg);
    if (!rc)
        rc = commit(&g, res, e);
    if (rc)
        sm_error_wrap(e, "%s from %s.%s", bname, src->name, bt->table);
    sm_delta_write_abort(g.w);
    sm_free(old_wm);
    sm_pg_read_result_free(&rr);
    if (pool) /* a lost connection is closed; one a failed read left idle is kept */
        sm_pg_pool_put(pool, conn, rc == SM_ERR_NETWORK);
    else
        sm_pg_close(conn);
    sm_vector_free(g.ts);
    sm_vector_free(g.src);
    sm_vector_free(g.day);
    sm_type_free(g.schema);
    sm_lake_table_free(&t);
    return rc;
}
