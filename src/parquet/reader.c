/* parquet/reader — open, projection, row groups and batches (reader.h). */
#include "parquet/reader.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/reader_int.h"

#define TAIL_BYTES (64u * 1024)
#define DEFAULT_MAX_CHUNK ((size_t)2 << 30)
#define DEFAULT_MAX_LEVELS ((size_t)16 << 20)

typedef struct proj_col {
    uint32_t column;     /* top-level column index in the file schema */
    uint32_t first_leaf; /* its leaves: [first_leaf, first_leaf + nleaves) */
    uint32_t nleaves;
    uint32_t slot; /* index of its first leaf in cols/streams/chunks */
} proj_col_t;

struct sm_pq_reader {
    sm_pq_source_t src;
    char *name;
    uint64_t bytes_read;
    uint8_t *tail; /* the last bytes of the file, read at open */
    size_t tail_len;
    sm_arena_t arena;
    sm_pq_file_meta_t fm;
    sm_pq_schema_t schema;
    sm_type_t *out_type;
    proj_col_t *proj;
    uint32_t nproj, nslots;
    sm_pqr_col_t *cols;       /* nslots */
    sm_pqr_stream_t *streams; /* nslots */
    uint8_t **chunks;         /* nslots; kept for the next row group */
    size_t *chunk_caps;       /* nslots: bytes allocated for chunks[i] */
    bool *keep;               /* per row group */
    uint32_t nkept;
    int64_t rows_kept;
    uint32_t rg; /* next row group to look at, or the active one */
    bool rg_active;
    int64_t rg_left;
    size_t batch_rows;
    size_t max_chunk;
    bool pad_816; /* old parquet-mr: chunk sizes miss the dictionary header */
    sm_pqr_limits_t lim;
    sm_err_t failed;
    sm_error_t err;
};

/* ---- sources ----------------------------------------------------------- */

typedef struct mem_src {
    const uint8_t *data;
    size_t len;
} mem_src_t;

static sm_err_t mem_read(void *ctx, uint64_t off, size_t len, void *dst, sm_error_t *e)
{
    mem_src_t *m = ctx;
    if (off > m->len || len > m->len - off)
        return sm_error_set(e, SM_ERR_CORRUPT, "read of [%llu, +%zu) past the end (%zu bytes)",
                            (unsigned long long)off, len, m->len);
    if (len)
        memcpy(dst, m->data + off, len);
    return SM_OK;
}

static void mem_close(void *ctx)
{
    sm_free(ctx);
}

typedef struct store_src {
    sm_store_t *st;
    char *key;
} store_src_t;

static sm_err_t store_read(void *ctx, uint64_t off, size_t len, void *dst, sm_error_t *e)
{
    store_src_t *s = ctx;
    return sm_store_get_range(s->st, s->key, off, len, dst, 0, NULL, e);
}

static void store_close(void *ctx)
{
    store_src_t *s = ctx;
    if (s) {
        sm_free(s->key);
        sm_free(s);
    }
}

static sm_err_t src_read(sm_pq_reader_t *r, uint64_t off, size_t len, void *dst, sm_error_t *e)
{
    sm_err_t rc = r->src.read(r->src.ctx, off, len, dst, e);
    if (rc)
        return sm_error_wrap(e, "%s", r->name) ? rc : rc;
    r->bytes_read += len;
    return SM_OK;
}

/* ---- opening ------------------------------------------------------------ */

static sm_err_t read_footer(sm_pq_reader_t *r, sm_error_t *e)
{
    uint64_t size = r->src.size;
    if (size < 12)
        return sm_error_set(e, SM_ERR_CORRUPT, "%s: %llu bytes is too small for a Parquet file",
                            r->name, (unsigned long long)size);
    size_t tail_len = size < TAIL_BYTES ? (size_t)size : TAIL_BYTES;
    uint8_t *tail = sm_malloc(tail_len);
    if (!tail)
        return sm_error_nomem(e, "parquet footer");
    sm_err_t rc = src_read(r, size - tail_len, tail_len, tail, e);
    uint32_t flen = 0;
    if (!rc && (rc = sm_pq_footer_len(tail + tail_len - 8, &flen, e)))
        sm_error_wrap(e, "%s", r->name);
    if (!rc && (uint64_t)flen + 8 > tail_len) {
        if ((uint64_t)flen + 12 > size) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: footer of %u bytes in a file of %llu bytes",
                              r->name, flen, (unsigned long long)size);
        } else {
            sm_free(tail);
            tail_len = (size_t)flen + 8;
            if (!(tail = sm_malloc(tail_len)))
                return sm_error_nomem(e, "parquet footer");
            rc = src_read(r, size - tail_len, tail_len, tail, e);
        }
    }
    if (!rc && (rc = sm_pq_footer_parse_tail(tail, tail_len, size, &r->arena, &r->fm, e)))
        sm_error_wrap(e, "%s", r->name);
    if (rc) {
        sm_free(tail);
        return rc;
    }
    r->tail = tail; /* kept: chunks inside it need no second read */
    r->tail_len = tail_len;
    return SM_OK;
}

static void leaf_range(const sm_pq_node_t *n, uint32_t *lo, uint32_t *hi, bool *any)
{
    if (n->leaf >= 0) {
        uint32_t l = (uint32_t)n->leaf;
        if (!*any || l < *lo)
            *lo = l;
        if (!*any || l + 1 > *hi)
            *hi = l + 1;
        *any = true;
        return;
    }
    for (uint32_t i = 0; i < n->nchildren; i++)
        leaf_range(&n->children[i], lo, hi, any);
}

static sm_err_t add_proj(sm_pq_reader_t *r, uint32_t col, sm_error_t *e)
{
    for (uint32_t i = 0; i < r->nproj; i++)
        if (r->proj[i].column == col)
            return sm_error_set(e, SM_ERR_INVALID, "%s: column \"%s\" projected twice", r->name,
                                r->schema.columns[col].name);
    uint32_t lo = 0, hi = 0;
    bool any = false;
    leaf_range(&r->schema.columns[col], &lo, &hi, &any);
    proj_col_t *p = &r->proj[r->nproj++];
    p->column = col;
    p->first_leaf = lo;
    p->nleaves = any ? hi - lo : 0;
    p->slot = r->nslots;
    r->nslots += p->nleaves;
    return SM_OK;
}

static sm_err_t resolve_projection(sm_pq_reader_t *r, const sm_pq_reader_opts_t *o, sm_error_t *e)
{
    uint32_t ncols = r->schema.ncolumns;
    size_t want = ncols;
    if (o && o->columns && o->column_idx)
        return sm_error_set(e, SM_ERR_INVALID, "projection by name and by index at once");
    if (o && o->columns)
        want = o->ncolumns;
    else if (o && o->column_idx)
        want = o->ncolumn_idx;
    r->proj = sm_calloc(want ? want : 1, sizeof *r->proj);
    if (!r->proj)
        return sm_error_nomem(e, "parquet projection");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < want; i++) {
        int c = (int)i;
        if (o && o->columns) {
            c = sm_pq_schema_column(&r->schema, o->columns[i], o->ignore_case);
            if (c < 0)
                return sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no column \"%s\"", r->name,
                                    o->columns[i]);
        } else if (o && o->column_idx) {
            c = o->column_idx[i];
            if (c < 0 || (uint32_t)c >= ncols)
                return sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no column %d (the file has %u)",
                                    r->name, c, ncols);
        }
        rc = add_proj(r, (uint32_t)c, e);
    }
    if (rc)
        return rc;
    sm_field_t *fs = sm_calloc(r->nproj ? r->nproj : 1, sizeof *fs);
    if (!fs)
        return sm_error_nomem(e, "parquet projection");
    for (uint32_t i = 0; i < r->nproj; i++) {
        const sm_pq_node_t *n = &r->schema.columns[r->proj[i].column];
        fs[i].name = (char *)n->name;
        fs[i].type = sm_type_ref(n->type);
        fs[i].nullable = n->nullable;
    }
    r->out_type = sm_type_struct(fs, r->nproj);
    sm_free(fs);
    if (!r->out_type)
        return sm_error_nomem(e, "parquet projection");
    r->cols = sm_calloc(r->nslots ? r->nslots : 1, sizeof *r->cols);
    r->streams = sm_calloc(r->nslots ? r->nslots : 1, sizeof *r->streams);
    r->chunks = sm_calloc(r->nslots ? r->nslots : 1, sizeof *r->chunks);
    r->chunk_caps = sm_calloc(r->nslots ? r->nslots : 1, sizeof *r->chunk_caps);
    if (!r->cols || !r->streams || !r->chunks || !r->chunk_caps)
        return sm_error_nomem(e, "parquet projection");
    for (uint32_t i = 0; i < r->nproj; i++) {
        for (uint32_t k = 0; k < r->proj[i].nleaves; k++) {
            sm_pqr_col_t *col = &r->cols[r->proj[i].slot + k];
            col->leaf = &r->schema.leaves[r->proj[i].first_leaf + k];
            col->file = r->name;
            col->lim = &r->lim;
        }
    }
    return SM_OK;
}

/* Checks every projected chunk's metadata against the schema. */
static sm_err_t check_chunks(sm_pq_reader_t *r, sm_error_t *e)
{
    for (uint32_t g = 0; g < r->fm.num_row_groups; g++) {
        const sm_pq_row_group_t *rg = &r->fm.row_groups[g];
        if (rg->num_columns != r->schema.nleaves)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "%s: row group %u has %u column chunks, the schema %u leaves",
                                r->name, g, rg->num_columns, r->schema.nleaves);
        if (rg->num_rows < 0)
            return sm_error_set(e, SM_ERR_CORRUPT, "%s: row group %u has %lld rows", r->name, g,
                                (long long)rg->num_rows);
        for (uint32_t s = 0; s < r->nslots; s++) {
            const sm_pq_leaf_t *leaf = r->cols[s].leaf;
            const sm_pq_column_chunk_t *cc = &rg->columns[leaf - r->schema.leaves];
            if (cc->has_crypto_metadata || cc->has_encrypted_column_metadata || !cc->has_meta_data)
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "%s: encrypted column \"%s\" is not supported", r->name,
                                    leaf->path);
            if (cc->file_path)
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "%s: column \"%s\" lives in another file (%s)", r->name,
                                    leaf->path, cc->file_path);
            const sm_pq_column_meta_t *md = &cc->meta_data;
            if ((int)md->type != (int)leaf->physical)
                return sm_error_set(e, SM_ERR_CORRUPT,
                                    "%s: column \"%s\" is %s in row group %u but %s in the schema",
                                    r->name, leaf->path, sm_pq_type_name(md->type), g,
                                    sm_pq_type_name(leaf->physical));
            if (md->codec == SM_PQ_CODEC_LZO)
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "%s: column \"%s\": LZO compression is not supported", r->name,
                                    leaf->path);
            if ((int)md->codec < 0 || (int)md->codec > SM_PQ_CODEC_LZ4_RAW)
                return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                    "%s: column \"%s\": unknown compression codec %d", r->name,
                                    leaf->path, (int)md->codec);
        }
    }
    return SM_OK;
}

/* parquet-mr up to 1.2.8 left the dictionary page header out of
 * total_compressed_size (PARQUET-816, IMPALA-694); Arrow reads up to 100
 * bytes more for such writers, and so do we. */
static bool needs_816_padding(const char *created_by)
{
    if (!created_by || strncmp(created_by, "parquet-mr", 10) != 0)
        return false;
    const char *v = strstr(created_by, " version ");
    if (!v)
        return true;
    int a = 0, b = 0, c = 0;
    if (sscanf(v + 9, "%d.%d.%d", &a, &b, &c) < 2)
        return true;
    return a < 1 || (a == 1 && (b < 2 || (b == 2 && c < 9)));
}

static sm_err_t open_common(sm_pq_reader_t *r, const sm_pq_reader_opts_t *o, sm_error_t *e)
{
    sm_err_t rc;
    r->batch_rows = o && o->batch_rows ? o->batch_rows : SM_BATCH_ROWS;
    r->lim.max_page = o && o->max_page_bytes && o->max_page_bytes < SM_PQ_CODEC_MAX_PAGE
                          ? o->max_page_bytes
                          : SM_PQ_CODEC_MAX_PAGE;
    r->max_chunk = o && o->max_chunk_bytes ? o->max_chunk_bytes : DEFAULT_MAX_CHUNK;
    r->lim.max_levels = o && o->max_batch_levels ? o->max_batch_levels : DEFAULT_MAX_LEVELS;
    r->lim.max_bytes = o && o->max_batch_bytes && o->max_batch_bytes < SM_VECTOR_MAX_BYTES
                           ? o->max_batch_bytes
                           : SM_VECTOR_MAX_BYTES;
    r->lim.verify_crc = o && o->verify_crc;
    if (r->lim.max_levels < r->batch_rows)
        r->lim.max_levels = r->batch_rows;
    if ((rc = read_footer(r, e)))
        return rc;
    r->pad_816 = needs_816_padding(r->fm.created_by);
    if ((rc = sm_pq_schema_from_file(&r->fm, &r->schema, e)))
        return sm_error_wrap(e, "%s", r->name) ? rc : rc;
    if ((rc = resolve_projection(r, o, e)))
        return rc;
    if ((rc = check_chunks(r, e)))
        return rc;
    r->keep = sm_calloc(r->fm.num_row_groups ? r->fm.num_row_groups : 1, sizeof *r->keep);
    if (!r->keep)
        return sm_error_nomem(e, "parquet row groups");
    if ((rc = sm_pqr_prune(&r->fm, &r->schema, o ? o->preds : NULL, o ? o->npreds : 0,
                           o && o->ignore_case, r->keep, e)))
        return sm_error_wrap(e, "%s", r->name) ? rc : rc;
    if (o && (o->row_group_first || o->row_group_count)) {
        uint64_t first = o->row_group_first;
        uint64_t end = o->row_group_count ? first + o->row_group_count : UINT64_MAX;
        for (uint32_t g = 0; g < r->fm.num_row_groups; g++)
            if (g < first || g >= end)
                r->keep[g] = false;
    }
    for (uint32_t g = 0; g < r->fm.num_row_groups; g++) {
        if (r->keep[g]) {
            r->nkept++;
            int64_t n = r->fm.row_groups[g].num_rows;
            if (__builtin_add_overflow(r->rows_kept, n, &r->rows_kept))
                return sm_error_set(e, SM_ERR_CORRUPT, "%s: row counts overflow", r->name);
        }
    }
    return SM_OK;
}

sm_err_t sm_pq_reader_open_source(const sm_pq_source_t *src, const sm_pq_reader_opts_t *opts,
                                  sm_pq_reader_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_pq_reader_t *r = sm_calloc(1, sizeof *r);
    if (!r) {
        if (src->close)
            src->close(src->ctx);
        return sm_error_nomem(e, "parquet reader");
    }
    r->src = *src;
    sm_arena_init(&r->arena, 64 * 1024);
    r->name = sm_strdup(src->name ? src->name : "(parquet)");
    sm_err_t rc = r->name ? open_common(r, opts, e) : sm_error_nomem(e, "parquet reader");
    if (rc) {
        sm_pq_reader_close(r);
        return rc;
    }
    *out = r;
    return SM_OK;
}

sm_err_t sm_pq_reader_open_mem(const void *data, size_t len, const char *name,
                               const sm_pq_reader_opts_t *opts, sm_pq_reader_t **out, sm_error_t *e)
{
    *out = NULL;
    mem_src_t *m = sm_malloc(sizeof *m);
    if (!m)
        return sm_error_nomem(e, "parquet reader");
    m->data = data;
    m->len = len;
    sm_pq_source_t src = {.read = mem_read,
                          .close = mem_close,
                          .ctx = m,
                          .size = len,
                          .name = name ? name : "(memory)"};
    return sm_pq_reader_open_source(&src, opts, out, e);
}

sm_err_t sm_pq_reader_open(sm_store_t *store, const char *key, const sm_pq_reader_opts_t *opts,
                           sm_pq_reader_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_store_info_t info;
    sm_err_t rc = sm_store_head(store, key, &info, e);
    if (rc)
        return rc;
    store_src_t *s = sm_calloc(1, sizeof *s);
    if (!s || !(s->key = sm_strdup(key))) {
        sm_free(s);
        return sm_error_nomem(e, "parquet reader");
    }
    s->st = store;
    sm_pq_source_t src = {
        .read = store_read, .close = store_close, .ctx = s, .size = info.size, .name = key};
    return sm_pq_reader_open_source(&src, opts, out, e);
}

/* Ends the active row group.  The chunk buffers stay for the next one
 * (fresh multi-megabyte buffers per row group cost a page fault per 4 KiB
 * when glibc maps them anew). */
static void release_row_group(sm_pq_reader_t *r)
{
    for (uint32_t s = 0; s < r->nslots; s++)
        sm_pqr_col_reset(&r->cols[s]);
    r->rg_active = false;
}

void sm_pq_reader_close(sm_pq_reader_t *r)
{
    if (!r)
        return;
    if (r->cols && r->streams && r->chunks) {
        release_row_group(r);
        for (uint32_t s = 0; s < r->nslots; s++) {
            sm_pqr_col_free(&r->cols[s]);
            sm_pqr_stream_free(&r->streams[s]);
            sm_free(r->chunks[s]);
        }
    }
    sm_free(r->cols);
    sm_free(r->streams);
    sm_free(r->chunks);
    sm_free(r->chunk_caps);
    sm_free(r->proj);
    sm_free(r->keep);
    sm_type_free(r->out_type);
    sm_free(r->tail);
    sm_pq_schema_free(&r->schema);
    sm_arena_free(&r->arena);
    if (r->src.close)
        r->src.close(r->src.ctx);
    sm_free(r->name);
    sm_free(r);
}

/* ---- reading ------------------------------------------------------------ */

/* Fetches the projected chunks of row group g. */
static sm_err_t load_row_group(sm_pq_reader_t *r, uint32_t g, sm_error_t *e)
{
    const sm_pq_row_group_t *rg = &r->fm.row_groups[g];
    size_t max_chunk = r->max_chunk;
    for (uint32_t s = 0; s < r->nslots; s++) {
        sm_pqr_col_t *col = &r->cols[s];
        const sm_pq_column_meta_t *md = &rg->columns[col->leaf - r->schema.leaves].meta_data;
        int64_t start = md->data_page_offset, len = md->total_compressed_size;
        if (md->has_dictionary_page_offset && md->dictionary_page_offset > 0 &&
            md->dictionary_page_offset < start)
            start = md->dictionary_page_offset;
        if (start < 0 || len < 0 || (uint64_t)start > r->src.size ||
            (uint64_t)len > r->src.size - (uint64_t)start)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "%s: column \"%s\", row group %u: chunk [%lld, +%lld) lies outside "
                                "the file of %llu bytes",
                                r->name, col->leaf->path, g, (long long)start, (long long)len,
                                (unsigned long long)r->src.size);
        if (r->pad_816 && start >= 0 && len >= 0 && (uint64_t)start <= r->src.size &&
            (uint64_t)len <= r->src.size - (uint64_t)start) {
            uint64_t room = r->src.size - (uint64_t)start - (uint64_t)len;
            len += (int64_t)(room < 100 ? room : 100);
        }
        if ((uint64_t)len > max_chunk)
            return sm_error_set(e, SM_ERR_LIMIT,
                                "%s: column \"%s\", row group %u: chunk of %lld bytes is too large",
                                r->name, col->leaf->path, g, (long long)len);
        size_t need = len ? (size_t)len : 1;
        if (r->chunk_caps[s] < need) {
            sm_free(r->chunks[s]);
            r->chunk_caps[s] = 0;
            if (!(r->chunks[s] = sm_malloc(need)))
                return sm_error_nomem(e, "parquet column chunk");
            r->chunk_caps[s] = need;
        }
        uint64_t tail_at = r->src.size - r->tail_len;
        sm_err_t rc = SM_OK;
        if ((uint64_t)start >= tail_at)
            memcpy(r->chunks[s], r->tail + ((uint64_t)start - tail_at), (size_t)len);
        else
            rc = src_read(r, (uint64_t)start, (size_t)len, r->chunks[s], e);
        if (!rc)
            rc = sm_pqr_col_start(col, g, r->chunks[s], (size_t)len, (uint64_t)start, md->codec, e);
        if (!rc && r->pad_816)
            col->stop_values = md->num_values;
        if (rc)
            return rc;
    }
    r->rg_active = true;
    r->rg_left = rg->num_rows;
    return SM_OK;
}

static sm_err_t read_batch(sm_pq_reader_t *r, size_t n, sm_batch_t **out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_vector_t **vecs = sm_calloc(r->nproj ? r->nproj : 1, sizeof *vecs);
    if (!vecs)
        return sm_error_nomem(e, "parquet batch");
    for (uint32_t i = 0; !rc && i < r->nproj; i++) {
        const proj_col_t *p = &r->proj[i];
        const sm_pq_node_t *node = &r->schema.columns[p->column];
        for (uint32_t k = 0; !rc && k < p->nleaves; k++) {
            sm_pqr_stream_t *s = &r->streams[p->slot + k];
            sm_pqr_col_t *col = &r->cols[p->slot + k];
            sm_pqr_stream_free(s);
            rc = sm_pqr_stream_init(s, col->leaf, col->leaf->max_rep ? 0 : n, r->lim.max_bytes, e);
            if (!rc)
                rc = sm_pqr_col_take(col, n, s, e);
            if (!rc)
                sm_pqr_stream_seal(s);
        }
        if (!rc)
            rc = sm_pqr_assemble(node, &r->streams[p->slot], p->first_leaf, n, &vecs[i], e);
        if (rc && e && !strstr(e->msg, r->name))
            sm_error_wrap(e, "%s: row group %u", r->name, r->rg);
        for (uint32_t k = 0; k < p->nleaves; k++)
            sm_pqr_stream_free(&r->streams[p->slot + k]);
    }
    if (rc) {
        for (uint32_t i = 0; i < r->nproj; i++)
            sm_vector_free(vecs[i]);
        sm_free(vecs);
        return rc;
    }
    rc = sm_batch_from_vectors(r->out_type, vecs, r->nproj, out, e);
    sm_free(vecs);
    if (!rc)
        (*out)->nrows = n;
    return rc;
}

sm_err_t sm_pq_reader_next(sm_pq_reader_t *r, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    if (r->failed) {
        if (e)
            *e = r->err;
        return r->failed;
    }
    sm_error_t local;
    sm_error_t *err = e ? e : &local;
    sm_err_t rc = SM_OK;
    while (!r->rg_active) {
        while (r->rg < r->fm.num_row_groups &&
               (!r->keep[r->rg] || r->fm.row_groups[r->rg].num_rows == 0))
            r->rg++;
        if (r->rg >= r->fm.num_row_groups)
            return SM_OK;
        if ((rc = load_row_group(r, r->rg, err)))
            goto fail;
    }
    size_t n = (uint64_t)r->rg_left < r->batch_rows ? (size_t)r->rg_left : r->batch_rows;
    if ((rc = read_batch(r, n, out, err)))
        goto fail;
    r->rg_left -= (int64_t)n;
    if (r->rg_left == 0) {
        for (uint32_t s = 0; !rc && s < r->nslots; s++)
            rc = sm_pqr_col_finish(&r->cols[s], err);
        release_row_group(r);
        r->rg++;
        if (rc) {
            sm_batch_free(*out);
            *out = NULL;
            goto fail;
        }
    }
    return SM_OK;
fail:
    release_row_group(r);
    r->failed = rc;
    r->err = *err;
    return rc;
}

/* ---- introspection -------------------------------------------------------- */

sm_type_t *sm_pq_reader_schema(const sm_pq_reader_t *r)
{
    return r->out_type;
}
const sm_pq_file_meta_t *sm_pq_reader_meta(const sm_pq_reader_t *r)
{
    return &r->fm;
}
const sm_pq_schema_t *sm_pq_reader_file_schema(const sm_pq_reader_t *r)
{
    return &r->schema;
}
int64_t sm_pq_reader_num_rows(const sm_pq_reader_t *r)
{
    return r->fm.num_rows;
}
int64_t sm_pq_reader_rows_selected(const sm_pq_reader_t *r)
{
    return r->rows_kept;
}
uint32_t sm_pq_reader_row_groups(const sm_pq_reader_t *r)
{
    return r->fm.num_row_groups;
}
uint32_t sm_pq_reader_row_groups_selected(const sm_pq_reader_t *r)
{
    return r->nkept;
}
bool sm_pq_reader_row_group_selected(const sm_pq_reader_t *r, uint32_t i)
{
    return i < r->fm.num_row_groups && r->keep[i];
}
uint64_t sm_pq_reader_bytes_read(const sm_pq_reader_t *r)
{
    return r->bytes_read;
}
