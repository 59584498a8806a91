/* The Parquet file writer: row groups of column chunks, then the footer. */
#include "parquet/writer.h"

#include <string.h>

#include "core/mem.h"
#include "core/pool.h"
#include "parquet/writer_int.h"

#define DEFAULT_RG_ROWS ((size_t)1 << 20)
#define DEFAULT_RG_BYTES ((size_t)128 << 20)

struct sm_pq_writer {
    sm_store_t *store;
    char *key;
    sm_type_t *schema;
    sm_pq_writer_opts_t opts;
    sm_store_writer_t *out;
    sm_pq_codec_t **codecs; /* one per pool slot (1 without a pool) */
    unsigned ncodecs;
    uint32_t *col_leaf; /* leaves of top-level column c: [col_leaf[c], col_leaf[c + 1]) */
    sm_arena_t arena;   /* schema elements, footer metadata */
    sm_pq_schema_elem_t *elems;
    uint32_t nelems;
    sm_pq_schema_t pqs;
    sm_pq_colw_t *cols;    /* one per leaf */
    sm_buf_t row_groups;   /* sm_pq_row_group_t */
    int64_t rows, rg_rows; /* rows accepted; rows encoded into the open row group */
    /* with a pool: rows are copied into chunks (pend[fill]); a full chunk
     * is encoded by a task of `group` while the next one fills */
    sm_batch_t *pend[2];
    int fill;
    sm_pool_group_t *group;
    bool inflight;         /* pend[1 - fill] is being encoded */
    size_t rg_assigned;    /* rows of the open row group: encoded, in flight, pending */
    size_t known_buffered; /* buffered() when the last chunk was settled */
    struct shred_job *job; /* the in-flight chunk */
    sm_pq_leaf_stats_t *stats;
    bool closed, failed;
};

const char *sm_pq_created_by(void)
{
    return "smelt version " SMELT_VERSION " (build " SMELT_VERSION ")";
}

sm_err_t sm_pq_writer_open(sm_store_t *st, const char *key, sm_type_t *schema,
                           const sm_pq_writer_opts_t *opts, sm_pq_writer_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_pq_writer_t *w = sm_calloc(1, sizeof *w);
    if (!w)
        return sm_error_nomem(e, "parquet writer");
    sm_arena_init(&w->arena, 16 * 1024);
    sm_err_t rc;
    w->store = st;
    w->schema = sm_type_ref(schema);
    if (opts)
        w->opts = *opts;
    else
        w->opts.codec = SM_PQ_CODEC_SNAPPY;
    if (!(w->key = sm_strdup(key))) {
        rc = sm_error_nomem(e, "parquet writer");
        goto fail;
    }
    if ((rc = sm_pq_schema_for_type(schema, &w->arena, &w->elems, &w->nelems, &w->pqs, e)))
        goto fail;
    w->ncodecs = w->opts.pool ? sm_pool_slots(w->opts.pool) : 1;
    w->codecs = sm_calloc(w->ncodecs, sizeof *w->codecs);
    w->cols = sm_calloc(w->pqs.nleaves ? w->pqs.nleaves : 1, sizeof *w->cols);
    w->col_leaf = sm_calloc(w->pqs.ncolumns + 1, sizeof *w->col_leaf);
    if (!w->codecs || !w->cols || !w->col_leaf) {
        rc = sm_error_nomem(e, "parquet writer");
        goto fail;
    }
    /* the caller's codec now; the other threads' when they first encode */
    if ((rc = sm_pq_codec_new(w->opts.codec, w->opts.level, &w->codecs[0], e)))
        goto fail;
    for (uint32_t c = 0; c < w->pqs.ncolumns; c++) {
        /* leaves are numbered in file order: each column's are contiguous */
        int32_t lo = INT32_MAX, hi = -1;
        sm_pq_node_leaf_range(&w->pqs.columns[c], &lo, &hi);
        w->col_leaf[c + 1] = hi >= lo ? (uint32_t)hi + 1 : w->col_leaf[c];
    }
    for (uint32_t i = 0; i < w->pqs.nleaves; i++)
        if ((rc = sm_pq_colw_init(&w->cols[i], &w->pqs.leaves[i], &w->opts, w->codecs[0], e)))
            goto fail;
    if ((rc = sm_store_writer_open(st, key, w->opts.if_absent ? SM_STORE_IF_ABSENT : 0, &w->out,
                                   e)) ||
        (rc = sm_store_writer_write(w->out, "PAR1", 4, e)))
        goto fail;
    *out = w;
    return SM_OK;
fail:
    sm_pq_writer_free(w);
    return rc;
}

static size_t buffered(const sm_pq_writer_t *w)
{
    size_t n = 0;
    for (uint32_t i = 0; i < w->pqs.nleaves; i++)
        n += sm_pq_colw_buffered(&w->cols[i]);
    return n;
}

/* Points the encoders of leaves [lo, hi) at the codec of `worker`, making
 * it on the worker's first use (a worker index is never used by two
 * morsels at once, so this needs no lock). */
static sm_err_t use_codec(sm_pq_writer_t *w, uint32_t lo, uint32_t hi, unsigned worker,
                          sm_error_t *e)
{
    if (worker >= w->ncodecs)
        return sm_error_set(e, SM_ERR_INTERNAL, "parquet writer: worker %u of %u", worker,
                            w->ncodecs);
    sm_err_t rc;
    if (!w->codecs[worker] &&
        (rc = sm_pq_codec_new(w->opts.codec, w->opts.level, &w->codecs[worker], e)))
        return rc;
    for (uint32_t i = lo; i < hi; i++)
        w->cols[i].codec = w->codecs[worker];
    return SM_OK;
}

/* A morsel of sealing: leaves [begin, end) on `worker`. */
static sm_err_t seal_leaves(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    sm_pq_writer_t *w = arg;
    sm_err_t rc = use_codec(w, (uint32_t)begin, (uint32_t)end, worker, e);
    if (rc)
        return rc;
    for (size_t i = begin; i < end; i++) {
        rc = sm_pq_colw_seal(&w->cols[i], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t flush_row_group(sm_pq_writer_t *w, sm_error_t *e)
{
    if (w->rg_rows == 0)
        return SM_OK;
    uint32_t n = w->pqs.nleaves;
    /* the last pages and dictionaries of every chunk on the pool, then the
     * chunks go out one after another in leaf order */
    sm_err_t src = sm_pool_for(w->opts.pool, n, 1, seal_leaves, w, NULL, e);
    if (src)
        return src;
    sm_pq_row_group_t rg = {.num_columns = n,
                            .num_rows = w->rg_rows,
                            .has_file_offset = true,
                            .has_total_compressed_size = true,
                            .has_ordinal = true};
    rg.columns = sm_arena_calloc(&w->arena, (n ? n : 1) * sizeof *rg.columns);
    if (!rg.columns)
        return sm_error_nomem(e, "parquet footer");
    rg.file_offset = (int64_t)sm_store_writer_offset(w->out);
    rg.ordinal = (int16_t)(w->row_groups.len / sizeof rg);
    for (uint32_t i = 0; i < n; i++) {
        sm_err_t rc = sm_pq_colw_finish(&w->cols[i], w->out, &w->arena, &rg.columns[i], e);
        if (rc)
            return rc;
        rg.total_byte_size += rg.columns[i].meta_data.total_uncompressed_size;
        rg.total_compressed_size += rg.columns[i].meta_data.total_compressed_size;
    }
    w->rg_rows = 0;
    return sm_buf_append(&w->row_groups, &rg, sizeof rg, e);
}

/* Rows [off, off + len) of a batch, handed to the column tasks, fed to
 * the encoders `sub` rows at a time (0: all at once). */
typedef struct shred_job {
    sm_pq_writer_t *w;
    const sm_batch_t *batch;
    size_t off, len, sub;
} shred_job_t;

/* A morsel of top-level columns [begin, end): shreds the job's rows of each
 * into its leaves' encoders and closes the pages that filled up.  Columns
 * share no state, so the bytes do not depend on which thread runs which. */
static sm_err_t shred_columns(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    shred_job_t *j = arg;
    sm_pq_writer_t *w = j->w;
    sm_err_t rc = SM_OK;
    size_t sub = j->sub ? j->sub : j->len;
    for (size_t c = begin; c < end && !rc; c++) {
        if ((rc = use_codec(w, w->col_leaf[c], w->col_leaf[c + 1], worker, e)))
            break;
        for (size_t off = 0; off < j->len && !rc; off += sub) {
            size_t n = j->len - off < sub ? j->len - off : sub;
            const sm_vector_t *v = j->batch->cols[c];
            sm_vector_t *slice = NULL;
            if (j->off + off || n != j->batch->nrows) {
                if ((rc = sm_vector_slice(v, j->off + off, n, &slice, e)))
                    break;
                v = slice;
            }
            rc = sm_pq_shred(&w->pqs.columns[c], v, w->cols, e);
            sm_vector_free(slice);
            for (uint32_t i = w->col_leaf[c]; i < w->col_leaf[c + 1] && !rc; i++)
                rc = sm_pq_colw_maybe_flush(&w->cols[i], e);
        }
        if (rc)
            sm_error_wrap(e, "parquet writer %s", w->key);
    }
    return rc;
}

/* ---- chunks: the writer on a pool ------------------------------------------ */

/* A chunk holds at most CHUNK_ROWS rows or about CHUNK_BYTES of values; its
 * encoders take SUB_ROWS rows at a time (pages are checked between). */
#define CHUNK_ROWS ((size_t)1 << 16)
#define CHUNK_BYTES ((size_t)16 << 20)
#define SUB_ROWS ((size_t)4096)

/* About the bytes of a vector's values. */
static size_t vec_bytes(const sm_vector_t *v)
{
    size_t n = v->len * 8 + (v->data ? v->data_len : 0);
    for (uint32_t k = 0; k < v->nchildren; k++)
        n += vec_bytes(v->children[k]);
    return n;
}

/* The task of a chunk: its columns on the pool (a nested loop). */
static sm_err_t encode_chunk(void *arg, sm_error_t *e)
{
    shred_job_t *j = arg;
    return sm_pool_for(j->w->opts.pool, j->batch->ncols, 1, shred_columns, j, NULL, e);
}

/* Waits for the chunk in flight, then cuts the row group when it is full
 * (rows or bytes).  Every decision is taken here, after a whole chunk, so
 * the file does not depend on the number of threads or their timing. */
static sm_err_t settle(sm_pq_writer_t *w, sm_error_t *e)
{
    if (!w->inflight)
        return SM_OK;
    w->inflight = false;
    sm_err_t rc = sm_pool_wait(w->group, e);
    if (rc)
        return rc;
    w->rg_rows += (int64_t)w->job->len;
    size_t rg_rows = w->opts.row_group_rows ? w->opts.row_group_rows : DEFAULT_RG_ROWS;
    size_t rg_bytes = w->opts.row_group_bytes ? w->opts.row_group_bytes : DEFAULT_RG_BYTES;
    if ((size_t)w->rg_rows >= rg_rows || buffered(w) >= rg_bytes) {
        w->rg_assigned -= (size_t)w->rg_rows;
        rc = flush_row_group(w, e);
    }
    w->known_buffered = buffered(w);
    return rc;
}

/* Settles the chunk in flight and starts encoding the pending one. */
static sm_err_t dispatch(sm_pq_writer_t *w, sm_error_t *e)
{
    sm_err_t rc = settle(w, e);
    sm_batch_t *b = w->pend[w->fill];
    if (rc || b->nrows == 0)
        return rc;
    *w->job = (shred_job_t){w, b, 0, b->nrows, SUB_ROWS};
    w->fill = 1 - w->fill;
    sm_batch_reset(w->pend[w->fill]); /* the chunk settled above */
    if ((rc = sm_pool_submit(w->group, encode_chunk, w->job, e)))
        return rc;
    w->inflight = true;
    return SM_OK;
}

/* sm_pq_writer_write on a pool: rows are copied into the pending chunk,
 * which is cut at CHUNK_ROWS, CHUNK_BYTES or the row group's row limit. */
static sm_err_t write_chunked(sm_pq_writer_t *w, const sm_batch_t *batch, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    size_t rg_rows = w->opts.row_group_rows ? w->opts.row_group_rows : DEFAULT_RG_ROWS;
    if (!w->group) {
        if ((rc = sm_pool_group_new(&w->group, w->opts.pool, e)) ||
            (rc = sm_batch_new(w->schema, CHUNK_ROWS, &w->pend[0], e)) ||
            (rc = sm_batch_new(w->schema, CHUNK_ROWS, &w->pend[1], e)))
            return rc;
        if (!(w->job = sm_calloc(1, sizeof *w->job)))
            return sm_error_nomem(e, "parquet writer");
    }
    for (size_t done = 0; done < batch->nrows && !rc;) {
        sm_batch_t *p = w->pend[w->fill];
        size_t take = batch->nrows - done;
        if (take > CHUNK_ROWS - p->nrows)
            take = CHUNK_ROWS - p->nrows;
        if (take > rg_rows - w->rg_assigned)
            take = rg_rows - w->rg_assigned;
        for (size_t c = 0; c < batch->ncols && !rc; c++)
            rc = sm_vector_append_range(p->cols[c], batch->cols[c], done, take, e);
        if (rc || (rc = sm_batch_sync(p, e)))
            break;
        done += take;
        w->rows += (int64_t)take;
        w->rg_assigned += take;
        size_t bytes = 0;
        for (size_t c = 0; c < p->ncols; c++)
            bytes += vec_bytes(p->cols[c]);
        if (p->nrows >= CHUNK_ROWS || w->rg_assigned >= rg_rows || bytes >= CHUNK_BYTES)
            rc = dispatch(w, e);
    }
    return rc;
}

sm_err_t sm_pq_writer_write(sm_pq_writer_t *w, const sm_batch_t *batch, sm_error_t *e)
{
    if (w->closed || w->failed)
        return sm_error_set(e, SM_ERR_INTERNAL, "parquet writer: write after close or failure");
    if (!sm_type_equal_ex(batch->schema, w->schema, SM_TYPE_EQ_IGNORE_NULLABLE)) {
        char a[256], b[256];
        w->failed = true;
        return sm_error_set(
            e, SM_ERR_INVALID, "parquet writer %s: batch schema %s differs from the file's %s",
            w->key, sm_type_name(batch->schema, a, sizeof a), sm_type_name(w->schema, b, sizeof b));
    }
    if (w->opts.pool && w->pqs.ncolumns) {
        sm_err_t prc = write_chunked(w, batch, e);
        if (prc)
            w->failed = true;
        return prc;
    }
    size_t rg_rows = w->opts.row_group_rows ? w->opts.row_group_rows : DEFAULT_RG_ROWS;
    size_t rg_bytes = w->opts.row_group_bytes ? w->opts.row_group_bytes : DEFAULT_RG_BYTES;
    sm_err_t rc = SM_OK;
    size_t done = 0;
    while (done < batch->nrows && !rc) {
        /* cut the batch where the row group fills up */
        size_t take = batch->nrows - done;
        if ((size_t)w->rg_rows + take > rg_rows)
            take = rg_rows - (size_t)w->rg_rows;
        shred_job_t job = {w, batch, done, take, 0};
        if ((rc = sm_pool_for(NULL, batch->ncols, 1, shred_columns, &job, NULL, e)))
            break;
        w->rg_rows += (int64_t)take;
        w->rows += (int64_t)take;
        done += take;
        if ((size_t)w->rg_rows >= rg_rows || buffered(w) >= rg_bytes)
            rc = flush_row_group(w, e);
    }
    if (rc)
        w->failed = true;
    return rc;
}

int64_t sm_pq_writer_rows(const sm_pq_writer_t *w)
{
    return w->rows;
}

uint64_t sm_pq_writer_bytes(const sm_pq_writer_t *w)
{
    /* the encoders are not read while a chunk is in flight */
    return (w->out ? sm_store_writer_offset(w->out) : 0) +
           (w->opts.pool ? w->known_buffered : buffered(w));
}

sm_err_t sm_pq_writer_close(sm_pq_writer_t *w, uint64_t *size, sm_error_t *e)
{
    if (w->closed || w->failed)
        return sm_error_set(e, SM_ERR_INTERNAL, "parquet writer: close after close or failure");
    sm_err_t rc = SM_OK;
    if (w->group && !(rc = dispatch(w, e))) /* the last chunk */
        rc = settle(w, e);
    if (!rc)
        rc = flush_row_group(w, e);
    uint32_t n = w->pqs.nleaves;
    sm_pq_column_order_t *orders = sm_arena_alloc(&w->arena, (n ? n : 1) * sizeof *orders);
    if (!rc && !orders)
        rc = sm_error_nomem(e, "parquet footer");
    for (uint32_t i = 0; !rc && i < n; i++)
        orders[i] = (sm_pq_column_order_t){.kind = SM_PQ_ORDER_TYPE_DEFINED};
    sm_pq_file_meta_t fm = {
        .version = 1,
        .num_schema = w->nelems,
        .schema = w->elems,
        .num_rows = w->rows,
        .num_row_groups = (uint32_t)(w->row_groups.len / sizeof(sm_pq_row_group_t)),
        .row_groups = (sm_pq_row_group_t *)w->row_groups.data,
        .num_kv = w->opts.nkv,
        .kv = (sm_pq_kv_t *)w->opts.kv,
        .created_by = sm_pq_created_by(),
        .has_column_orders = true,
        .num_column_orders = n,
        .column_orders = orders,
    };
    sm_buf_t footer = SM_BUF_INIT;
    if (!rc && !(rc = sm_pq_footer_append(&fm, &footer, e)))
        rc = sm_store_writer_write(w->out, footer.data, footer.len, e);
    uint64_t total = w->out ? sm_store_writer_offset(w->out) : 0;
    sm_buf_free(&footer);
    if (rc) {
        w->failed = true;
        return rc;
    }
    sm_store_writer_t *out = w->out;
    w->out = NULL;
    if ((rc = sm_store_writer_commit(out, e))) {
        w->failed = true;
        return rc;
    }
    w->closed = true;
    if (size)
        *size = total;
    w->stats = sm_calloc(n ? n : 1, sizeof *w->stats);
    if (!w->stats)
        return sm_error_nomem(e, "parquet statistics");
    for (uint32_t i = 0; i < n; i++)
        sm_pq_colw_file_stats(&w->cols[i], &w->stats[i]);
    return SM_OK;
}

const sm_pq_leaf_stats_t *sm_pq_writer_stats(const sm_pq_writer_t *w, uint32_t *n)
{
    *n = w->stats ? w->pqs.nleaves : 0;
    return w->stats;
}

void sm_pq_writer_free(sm_pq_writer_t *w)
{
    if (!w)
        return;
    if (w->group) {
        if (w->inflight) {
            sm_pool_group_cancel(w->group);
            sm_pool_wait(w->group, NULL);
        }
        sm_pool_group_free(w->group);
    }
    sm_batch_free(w->pend[0]);
    sm_batch_free(w->pend[1]);
    sm_free(w->job);
    sm_store_writer_abort(w->out);
    if (w->cols)
        for (uint32_t i = 0; i < w->pqs.nleaves; i++)
            sm_pq_colw_free(&w->cols[i]);
    sm_free(w->cols);
    sm_free(w->stats);
    if (w->codecs)
        for (unsigned i = 0; i < w->ncodecs; i++)
            sm_pq_codec_free(w->codecs[i]);
    sm_free(w->codecs);
    sm_free(w->col_leaf);
    sm_pq_schema_free(&w->pqs);
    sm_buf_free(&w->row_groups);
    sm_arena_free(&w->arena);
    sm_type_free(w->schema);
    sm_free(w->key);
    sm_free(w);
}
