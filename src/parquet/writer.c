/* The Parquet file writer: row groups of column chunks, then the footer. */
#include "parquet/writer.h"

#include <string.h>

#include "core/mem.h"
#include "parquet/writer_int.h"

#define DEFAULT_RG_ROWS ((size_t)1 << 20)
#define DEFAULT_RG_BYTES ((size_t)128 << 20)

struct sm_pq_writer {
    sm_store_t *store;
    char *key;
    sm_type_t *schema;
    sm_pq_writer_opts_t opts;
    sm_store_writer_t *out;
    sm_pq_codec_t *codec;
    sm_arena_t arena; /* schema elements, footer metadata */
    sm_pq_schema_elem_t *elems;
    uint32_t nelems;
    sm_pq_schema_t pqs;
    sm_pq_colw_t *cols;  /* one per leaf */
    sm_buf_t row_groups; /* sm_pq_row_group_t */
    int64_t rows, rg_rows;
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
    if ((rc = sm_pq_schema_for_type(schema, &w->arena, &w->elems, &w->nelems, &w->pqs, e)) ||
        (rc = sm_pq_codec_new(w->opts.codec, w->opts.level, &w->codec, e)))
        goto fail;
    w->cols = sm_calloc(w->pqs.nleaves ? w->pqs.nleaves : 1, sizeof *w->cols);
    if (!w->cols) {
        rc = sm_error_nomem(e, "parquet writer");
        goto fail;
    }
    for (uint32_t i = 0; i < w->pqs.nleaves; i++)
        if ((rc = sm_pq_colw_init(&w->cols[i], &w->pqs.leaves[i], &w->opts, w->codec, e)))
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

static sm_err_t flush_row_group(sm_pq_writer_t *w, sm_error_t *e)
{
    if (w->rg_rows == 0)
        return SM_OK;
    uint32_t n = w->pqs.nleaves;
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
    size_t rg_rows = w->opts.row_group_rows ? w->opts.row_group_rows : DEFAULT_RG_ROWS;
    size_t rg_bytes = w->opts.row_group_bytes ? w->opts.row_group_bytes : DEFAULT_RG_BYTES;
    sm_err_t rc = SM_OK;
    size_t done = 0;
    while (done < batch->nrows && !rc) {
        /* cut the batch where the row group fills up */
        size_t take = batch->nrows - done;
        if ((size_t)w->rg_rows + take > rg_rows)
            take = rg_rows - (size_t)w->rg_rows;
        for (size_t c = 0; c < batch->ncols && !rc; c++) {
            const sm_vector_t *v = batch->cols[c];
            sm_vector_t *slice = NULL;
            if (done || take != batch->nrows) {
                if ((rc = sm_vector_slice(v, done, take, &slice, e)))
                    break;
                v = slice;
            }
            rc = sm_pq_shred(&w->pqs.columns[c], v, w->cols, e);
            sm_vector_free(slice);
            if (rc)
                sm_error_wrap(e, "parquet writer %s", w->key);
        }
        for (uint32_t i = 0; i < w->pqs.nleaves && !rc; i++)
            rc = sm_pq_colw_maybe_flush(&w->cols[i], e);
        if (rc)
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
    return (w->out ? sm_store_writer_offset(w->out) : 0) + buffered(w);
}

sm_err_t sm_pq_writer_close(sm_pq_writer_t *w, uint64_t *size, sm_error_t *e)
{
    if (w->closed || w->failed)
        return sm_error_set(e, SM_ERR_INTERNAL, "parquet writer: close after close or failure");
    sm_err_t rc = flush_row_group(w, e);
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
    sm_store_writer_abort(w->out);
    if (w->cols)
        for (uint32_t i = 0; i < w->pqs.nleaves; i++)
            sm_pq_colw_free(&w->cols[i]);
    sm_free(w->cols);
    sm_free(w->stats);
    sm_pq_codec_free(w->codec);
    sm_pq_schema_free(&w->pqs);
    sm_buf_free(&w->row_groups);
    sm_arena_free(&w->arena);
    sm_type_free(w->schema);
    sm_free(w->key);
    sm_free(w);
}
