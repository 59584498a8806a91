#include "delta/write.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "columnar/print.h"
#include "columnar/text.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "delta/checkpoint.h"
#include "delta/cleanup.h"
#include "delta/commit.h"
#include "delta/schema.h"
#include "delta/stats.h"

#define DEFAULT_TARGET_BYTES ((uint64_t)128 << 20)
#define MAX_PARTITIONS 10000

/* A finished data file, waiting for the commit. */
typedef struct done_file {
    char *path; /* relative to the table */
    uint64_t size;
    int64_t rows;
    char *stats;   /* JSON */
    uint32_t part; /* index of its partition */
} done_file_t;

/* The rows of one partition value combination. */
typedef struct part {
    char *key;          /* "c1=v1/c2=v2" (escaped), "" when unpartitioned */
    char **values;      /* one per partition column; NULL = null */
    sm_pq_writer_t *pw; /* the open file, or NULL */
    char *pw_path;
} part_t;

struct sm_delta_write {
    sm_store_t *st;
    char *table;
    sm_delta_write_opts_t opts;
    sm_delta_snapshot_t *snap; /* NULL when creating */
    sm_type_t *schema;         /* the rows' schema (all columns) */
    sm_type_t *data_schema;    /* without partition columns */
    bool creating, schema_changed, skip;
    char **pcols; /* partition column names */
    size_t npcols;
    size_t *pidx; /* their indices in schema */
    size_t *didx; /* data column indices in schema */
    size_t ndata;
    part_t *parts;
    size_t nparts;
    sm_buf_t files; /* done_file_t */
    int64_t rows;
    bool failed;
};

static const char *codec_suffix(sm_pq_codec_id_t c)
{
    switch (c) {
    case SM_PQ_CODEC_SNAPPY:
        return ".snappy";
    case SM_PQ_CODEC_ZSTD:
        return ".zstd";
    case SM_PQ_CODEC_GZIP:
        return ".gz";
    case SM_PQ_CODEC_LZ4_RAW:
        return ".lz4raw";
    case SM_PQ_CODEC_BROTLI:
        return ".br";
    default:
        return "";
    }
}

sm_err_t sm_delta_partition_escape(const char *value, sm_buf_t *out, sm_error_t *e)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        unsigned char c = *p;
        bool esc = c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
        sm_err_t rc;
        if (esc) {
            char t[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sm_buf_append(out, t, 3, e);
        } else {
            rc = sm_buf_append_byte(out, c, e);
        }
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Delta's partition value text of row i of v (NULL for a null). */
static sm_err_t partition_text(const sm_vector_t *v, size_t i, char **out, sm_error_t *e)
{
    *out = NULL;
    if (sm_vector_is_null(v, i))
        return SM_OK;
    char tmp[64];
    const char *s = tmp;
    size_t n;
    switch (v->type->kind) {
    case SM_TYPE_STRING:
        s = sm_vector_get_str(v, i, &n);
        *out = sm_strndup(s, n);
        return *out ? SM_OK : sm_error_nomem(e, "partition value");
    case SM_TYPE_BOOL:
        s = sm_vector_get_bool(v, i) ? "true" : "false";
        break;
    case SM_TYPE_INT8:
        snprintf(tmp, sizeof tmp, "%d", sm_vector_get_i8(v, i));
        break;
    case SM_TYPE_INT16:
        snprintf(tmp, sizeof tmp, "%d", sm_vector_get_i16(v, i));
        break;
    case SM_TYPE_INT32:
        snprintf(tmp, sizeof tmp, "%" PRId32, sm_vector_get_i32(v, i));
        break;
    case SM_TYPE_INT64:
        snprintf(tmp, sizeof tmp, "%" PRId64, sm_vector_get_i64(v, i));
        break;
    case SM_TYPE_DATE:
        sm_fmt_date(sm_vector_get_i32(v, i), tmp);
        break;
    case SM_TYPE_DECIMAL:
        sm_fmt_decimal(sm_vector_get_i128(v, i), v->type->scale, tmp);
        break;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        sm_fmt_timestamp(sm_vector_get_i64(v, i), SM_TS_TEXT, tmp);
        break;
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "cannot partition by a %s column",
                            sm_type_kind_name(v->type->kind));
    }
    *out = sm_strdup(s);
    return *out ? SM_OK : sm_error_nomem(e, "partition value");
}

/* Whether row r has the same partition values as row r - 1 (then it goes
 * to the same partition without formatting its values again: runs of one
 * value, such as a bronze batch's ingestion date, cost a compare per row). */
static bool same_partition(const sm_delta_write_t *w, const sm_batch_t *b, size_t r)
{
    for (size_t i = 0; i < w->npcols; i++) {
        const sm_vector_t *v = b->cols[w->pidx[i]];
        bool n0 = sm_vector_is_null(v, r - 1), n1 = sm_vector_is_null(v, r);
        if (n0 != n1)
            return false;
        if (n0)
            continue;
        if (v->type->kind == SM_TYPE_STRING) {
            size_t l0, l1;
            const char *s0 = sm_vector_get_str(v, r - 1, &l0), *s1 = sm_vector_get_str(v, r, &l1);
            if (l0 != l1 || memcmp(s0, s1, l0) != 0)
                return false;
        } else if (v->type->kind == SM_TYPE_BOOL) {
            if (sm_vector_get_bool(v, r - 1) != sm_vector_get_bool(v, r))
                return false;
        } else if (v->width) {
            const uint8_t *x = v->values + (v->offset + r) * v->width;
            if (memcmp(x - v->width, x, v->width) != 0)
                return false;
        } else {
            return false; /* partition_text reports the unsupported kind */
        }
    }
    return true;
}

/* ---- opening -------------------------------------------------------------- */

static sm_err_t check_schema(sm_delta_write_t *w, sm_error_t *e)
{
    const sm_type_t *have = w->snap->schema, *want = w->schema;
    char a[256], b[256];
    if (sm_type_equal_ex(have, want, SM_TYPE_EQ_IGNORE_NULLABLE))
        return SM_OK;
    /* merge_schema: the table's columns first, then new nullable ones */
    bool prefix = want->nfields > have->nfields;
    for (uint32_t i = 0; prefix && i < have->nfields; i++)
        prefix = strcmp(have->fields[i].name, want->fields[i].name) == 0 &&
                 sm_type_equal_ex(have->fields[i].type, want->fields[i].type,
                                  SM_TYPE_EQ_IGNORE_NULLABLE);
    if (prefix) {
        if (!w->opts.merge_schema)
            return sm_error_set(
                e, SM_ERR_INVALID,
                "%s: the data has new column \"%s\"; write with merge-schema to add it", w->table,
                want->fields[have->nfields].name);
        for (uint32_t i = have->nfields; i < want->nfields; i++)
            if (!want->fields[i].nullable)
                return sm_error_set(e, SM_ERR_INVALID,
                                    "%s: new column \"%s\" must be nullable to be merged", w->table,
                                    want->fields[i].name);
        w->schema_changed = true;
        return SM_OK;
    }
    return sm_error_set(e, SM_ERR_INVALID, "%s: the data's schema %s does not match the table's %s",
                        w->table, sm_type_name(want, a, sizeof a), sm_type_name(have, b, sizeof b));
}

static sm_err_t setup_columns(sm_delta_write_t *w, sm_error_t *e)
{
    const char *const *pc = w->opts.partition_by;
    size_t np = w->opts.npartition_by;
    if (w->snap) {
        const sm_delta_metadata_t *m = &w->snap->metadata;
        if (np) {
            bool same = np == m->n_partition_columns;
            for (size_t i = 0; same && i < np; i++)
                same = strcmp(pc[i], m->partition_columns[i]) == 0;
            if (!same)
                return sm_error_set(e, SM_ERR_INVALID,
                                    "%s: the table is partitioned differently than requested",
                                    w->table);
        }
        pc = m->partition_columns;
        np = m->n_partition_columns;
    }
    const sm_type_t *s = w->schema;
    w->npcols = np;
    w->pcols = sm_calloc(np + 1, sizeof *w->pcols);
    w->pidx = sm_calloc(np + 1, sizeof *w->pidx);
    w->didx = sm_calloc(s->nfields + 1, sizeof *w->didx);
    sm_field_t *fs = sm_calloc(s->nfields + 1, sizeof *fs);
    if (!w->pcols || !w->pidx || !w->didx || !fs) {
        sm_free(fs);
        return sm_error_nomem(e, "delta writer");
    }
    for (size_t i = 0; i < np; i++) {
        int k = sm_type_field_index(s, pc[i], strlen(pc[i]), false);
        if (k < 0 || sm_type_is_nested(s->fields[k].type->kind)) {
            sm_free(fs);
            return sm_error_set(e, SM_ERR_INVALID, "%s: partition column \"%s\" %s", w->table,
                                pc[i], k < 0 ? "is not in the data" : "must be a primitive column");
        }
        w->pidx[i] = (size_t)k;
        if (!(w->pcols[i] = sm_strdup(pc[i]))) {
            sm_free(fs);
            return sm_error_nomem(e, "delta writer");
        }
    }
    for (uint32_t k = 0; k < s->nfields; k++) {
        bool is_part = false;
        for (size_t i = 0; i < np; i++)
            is_part |= w->pidx[i] == k;
        if (is_part)
            continue;
        w->didx[w->ndata] = k;
        fs[w->ndata] = s->fields[k];
        fs[w->ndata].type = sm_type_ref(s->fields[k].type);
        w->ndata++;
    }
    if (w->ndata == 0) {
        sm_free(fs);
        return sm_error_set(e, SM_ERR_INVALID, "%s: a table needs at least one data column",
                            w->table);
    }
    w->data_schema = sm_type_struct(fs, w->ndata);
    sm_free(fs);
    return w->data_schema ? SM_OK : sm_error_nomem(e, "delta writer");
}

sm_err_t sm_delta_write_open(sm_store_t *st, const char *table, sm_type_t *schema,
                             const sm_delta_write_opts_t *opts, sm_delta_write_t **out,
                             sm_error_t *e)
{
    *out = NULL;
    sm_delta_write_t *w = sm_calloc(1, sizeof *w);
    if (!w)
        return sm_error_nomem(e, "delta writer");
    w->st = st;
    if (opts)
        w->opts = *opts;
    else
        w->opts.parquet.codec = SM_PQ_CODEC_SNAPPY;
    w->schema = sm_type_ref(schema);
    sm_err_t rc;
    if (!(w->table = sm_strdup(table))) {
        rc = sm_error_nomem(e, "delta writer");
        goto fail;
    }
    if (schema->kind != SM_TYPE_STRUCT) {
        rc = sm_error_set(e, SM_ERR_INVALID, "%s: rows must be a struct", table);
        goto fail;
    }
    rc = sm_delta_snapshot_load(st, table, NULL, &w->snap, e);
    if (rc == SM_ERR_NOT_FOUND) { /* no table yet: this write creates it */
        w->creating = true;
        rc = SM_OK;
    }
    if (rc)
        goto fail;
    if (w->opts.mode == SM_DELTA_REWRITE && w->creating) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "%s: the table to rewrite does not exist", table);
        goto fail;
    }
    if (w->snap && (rc = check_schema(w, e)))
        goto fail;
    if ((rc = setup_columns(w, e)))
        goto fail;
    if (w->snap && w->opts.txn_app_id &&
        sm_delta_snapshot_txn_version(w->snap, w->opts.txn_app_id) >= w->opts.txn_version)
        w->skip = true;
    *out = w;
    return SM_OK;
fail:
    sm_delta_write_abort(w);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

static sm_err_t find_part(sm_delta_write_t *w, char **values, size_t *out, sm_error_t *e)
{
    sm_buf_t key = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < w->npcols && !rc; i++) {
        if ((rc = sm_buf_printf(&key, e, "%s%s=", i ? "/" : "", w->pcols[i])))
            break;
        rc = values[i] ? sm_delta_partition_escape(values[i], &key, e)
                       : sm_buf_append_str(&key, "__HIVE_DEFAULT_PARTITION__", e);
    }
    if (!rc && !key.data)
        rc = sm_buf_append_str(&key, "", e);
    if (rc)
        goto out;
    for (size_t p = 0; p < w->nparts; p++) {
        if (strcmp(w->parts[p].key, (char *)key.data) == 0) {
            *out = p;
            goto out;
        }
    }
    if (w->nparts >= MAX_PARTITIONS) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "%s: more than %d partitions in one write", w->table,
                          MAX_PARTITIONS);
        goto out;
    }
    part_t *np = sm_realloc(w->parts, (w->nparts + 1) * sizeof *np);
    if (!np) {
        rc = sm_error_nomem(e, "delta partitions");
        goto out;
    }
    w->parts = np;
    part_t *p = &w->parts[w->nparts];
    memset(p, 0, sizeof *p);
    p->key = (char *)sm_buf_detach(&key, NULL);
    p->values = sm_calloc(w->npcols + 1, sizeof *p->values);
    if (!p->values) {
        sm_free(p->key);
        rc = sm_error_nomem(e, "delta partitions");
        goto out;
    }
    for (size_t i = 0; i < w->npcols; i++) {
        p->values[i] = values[i];
        values[i] = NULL; /* taken over */
    }
    *out = w->nparts++;
out:
    sm_buf_free(&key);
    return rc;
}

static sm_err_t finish_file(sm_delta_write_t *w, size_t pi, sm_error_t *e)
{
    part_t *p = &w->parts[pi];
    if (!p->pw)
        return SM_OK;
    uint64_t size = 0;
    sm_pq_writer_t *pw = p->pw;
    p->pw = NULL;
    sm_err_t rc = sm_pq_writer_close(pw, &size, e);
    done_file_t f = {
        .path = p->pw_path, .size = size, .rows = sm_pq_writer_rows(pw), .part = (uint32_t)pi};
    p->pw_path = NULL;
    sm_buf_t stats = SM_BUF_INIT;
    if (!rc) {
        uint32_t nl;
        const sm_pq_leaf_stats_t *ls = sm_pq_writer_stats(pw, &nl);
        rc = sm_delta_stats_json(w->data_schema, f.rows, ls, nl, &stats, e);
    }
    sm_pq_writer_free(pw);
    if (!rc) {
        f.stats = (char *)sm_buf_detach(&stats, NULL);
        rc = sm_buf_append(&w->files, &f, sizeof f, e);
    }
    if (rc) {
        sm_store_delete(w->st, f.path, NULL);
        sm_free(f.path);
        sm_free(f.stats);
    }
    sm_buf_free(&stats);
    return rc;
}

static sm_err_t open_file(sm_delta_write_t *w, size_t pi, sm_error_t *e)
{
    part_t *p = &w->parts[pi];
    char uuid[SM_UUID_STR_LEN + 1];
    sm_err_t rc = sm_uuid4(uuid, e);
    if (rc)
        return rc;
    size_t nfile = w->files.len / sizeof(done_file_t);
    char rel[1024], key[SM_STORE_KEY_MAX + 1];
    int n = snprintf(rel, sizeof rel, "%s%spart-%05zu-%s-c000%s.parquet", p->key,
                     p->key[0] ? "/" : "", nfile, uuid, codec_suffix(w->opts.parquet.codec));
    int m = snprintf(key, sizeof key, "%s%s%s", w->table, w->table[0] ? "/" : "", rel);
    if (n < 0 || (size_t)n >= sizeof rel || m < 0 || (size_t)m >= sizeof key)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: partition path too long", w->table);
    if (!(p->pw_path = sm_strdup(key)))
        return sm_error_nomem(e, "delta writer");
    sm_pq_writer_opts_t po = w->opts.parquet;
    po.if_absent = true;
    return sm_pq_writer_open(w->st, key, w->data_schema, &po, &p->pw, e);
}

static sm_err_t write_rows(sm_delta_write_t *w, size_t pi, const sm_batch_t *data, sm_error_t *e)
{
    part_t *p = &w->parts[pi];
    sm_err_t rc;
    if (!p->pw && (rc = open_file(w, pi, e)))
        return rc;
    if ((rc = sm_pq_writer_write(p->pw, data, e)))
        return rc;
    uint64_t target = w->opts.target_file_bytes ? w->opts.target_file_bytes : DEFAULT_TARGET_BYTES;
    if (sm_pq_writer_bytes(p->pw) >= target)
        return finish_file(w, pi, e);
    return SM_OK;
}

/* The data columns of rows sel[0..n) of a batch (all rows when sel NULL). */
static sm_err_t data_batch(sm_delta_write_t *w, const sm_batch_t *b, const uint32_t *sel, size_t n,
                           sm_batch_t **out, sm_error_t *e)
{
    sm_vector_t **cols = sm_calloc(w->ndata, sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "delta writer");
    sm_err_t rc = SM_OK;
    for (size_t c = 0; c < w->ndata && !rc; c++) {
        const sm_vector_t *src = b->cols[w->didx[c]];
        if (!sel) {
            rc = sm_vector_view(src, &cols[c], e);
            continue;
        }
        if ((rc = sm_vector_new(w->data_schema->fields[c].type, n, &cols[c], e)))
            break;
        for (size_t i = 0; i < n && !rc; i++)
            rc = sm_vector_append_from(cols[c], src, sel[i], e);
    }
    if (!rc)
        rc = sm_batch_from_vectors(w->data_schema, cols, w->ndata, out, e);
    else
        for (size_t c = 0; c < w->ndata; c++)
            sm_vector_free(cols[c]);
    sm_free(cols);
    return rc;
}

sm_err_t sm_delta_write_batch(sm_delta_write_t *w, const sm_batch_t *batch, sm_error_t *e)
{
    if (w->failed)
        return sm_error_set(e, SM_ERR_INTERNAL, "delta writer: write after a failure");
    if (w->skip || batch->nrows == 0)
        return SM_OK;
    if (!sm_type_equal_ex(batch->schema, w->schema, SM_TYPE_EQ_IGNORE_NULLABLE)) {
        w->failed = true;
        return sm_error_set(e, SM_ERR_INVALID, "%s: batch schema differs from the writer's",
                            w->table);
    }
    sm_err_t rc = SM_OK;
    sm_batch_t *data = NULL;
    uint32_t *sel = NULL;
    char **vals = sm_calloc(w->npcols + 1, sizeof *vals);
    size_t *row_part = sm_malloc(batch->nrows * sizeof *row_part);
    if (!vals || !row_part) {
        rc = sm_error_nomem(e, "delta writer");
        goto out;
    }
    /* partition of every row */
    for (size_t r = 0; r < batch->nrows && !rc; r++) {
        if (r > 0 && w->npcols > 0 && same_partition(w, batch, r)) {
            row_part[r] = row_part[r - 1];
            continue;
        }
        for (size_t i = 0; i < w->npcols && !rc; i++)
            rc = partition_text(batch->cols[w->pidx[i]], r, &vals[i], e);
        if (!rc)
            rc = find_part(w, vals, &row_part[r], e);
        for (size_t i = 0; i < w->npcols; i++) {
            sm_free(vals[i]);
            vals[i] = NULL;
        }
        if (w->npcols == 0 && !rc) { /* one partition: every row */
            for (size_t k = r + 1; k < batch->nrows; k++)
                row_part[k] = row_part[r];
            break;
        }
    }
    if (rc)
        goto out;
    bool single = true;
    for (size_t r = 1; r < batch->nrows; r++)
        single &= row_part[r] == row_part[0];
    if (single) {
        if (!(rc = data_batch(w, batch, NULL, batch->nrows, &data, e)))
            rc = write_rows(w, row_part[0], data, e);
        goto out;
    }
    sel = sm_malloc(batch->nrows * sizeof *sel);
    if (!sel) {
        rc = sm_error_nomem(e, "delta writer");
        goto out;
    }
    for (size_t p = 0; p < w->nparts && !rc; p++) {
        size_t n = 0;
        for (size_t r = 0; r < batch->nrows; r++)
            if (row_part[r] == p)
                sel[n++] = (uint32_t)r;
        if (!n)
            continue;
        sm_batch_t *part = NULL;
        if (!(rc = data_batch(w, batch, sel, n, &part, e)))
            rc = write_rows(w, p, part, e);
        sm_batch_free(part);
    }
out:
    if (!rc)
        w->rows += (int64_t)batch->nrows;
    else
        w->failed = true;
    sm_batch_free(data);
    sm_free(sel);
    sm_free(vals);
    sm_free(row_part);
    return rc;
}

/* ---- committing ------------------------------------------------------------- */

static void free_files(sm_delta_write_t *w, bool delete_objects)
{
    done_file_t *f = (done_file_t *)w->files.data;
    size_t n = w->files.len / sizeof *f;
    for (size_t i = 0; i < n; i++) {
        if (delete_objects)
            sm_store_delete(w->st, f[i].path, NULL);
        sm_free(f[i].path);
        sm_free(f[i].stats);
    }
    sm_buf_free(&w->files);
}

static sm_delta_kv_t *part_kv(sm_delta_write_t *w, sm_arena_t *a, const part_t *p)
{
    sm_delta_kv_t *kv = sm_arena_alloc(a, (w->npcols + 1) * sizeof *kv);
    if (!kv)
        return NULL;
    for (size_t i = 0; i < w->npcols; i++)
        kv[i] = (sm_delta_kv_t){w->pcols[i], p->values[i]};
    return kv;
}

/* True when a live file's partition values equal one written partition. */
static bool replaced(const sm_delta_write_t *w, const sm_delta_file_t *f)
{
    for (size_t p = 0; p < w->nparts; p++) {
        bool same = true;
        for (size_t i = 0; same && i < w->npcols; i++) {
            const char *v = NULL;
            bool has =
                sm_delta_kv_find(f->partition_values, f->n_partition_values, w->pcols[i], &v);
            const char *mine = w->parts[p].values[i];
            if (has && v && !v[0])
                v = NULL; /* an empty string reads as null */
            same = (!v && !mine) || (v && mine && strcmp(v, mine) == 0);
        }
        if (same)
            return true;
    }
    return false;
}

static sm_err_t build_actions(sm_delta_write_t *w, sm_arena_t *a, sm_buf_t *acts, int64_t now,
                              sm_delta_write_result_t *res, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_delta_action_t act;
    if (w->creating) {
        memset(&act, 0, sizeof act);
        act.kind = SM_DELTA_PROTOCOL;
        act.u.protocol = (sm_delta_protocol_t){.min_reader_version = 1, .min_writer_version = 2};
        if ((rc = sm_buf_append(acts, &act, sizeof act, e)))
            return rc;
    }
    if (w->creating || w->schema_changed || w->opts.nset_config) {
        sm_buf_t schema = SM_BUF_INIT;
        char uuid[SM_UUID_STR_LEN + 1];
        if ((rc = sm_delta_schema_write(w->schema, &schema, e)) || (rc = sm_uuid4(uuid, e))) {
            sm_buf_free(&schema);
            return rc;
        }
        memset(&act, 0, sizeof act);
        act.kind = SM_DELTA_METADATA;
        sm_delta_metadata_t *m = &act.u.metadata;
        if (w->snap) {
            *m = w->snap->metadata;
        } else {
            m->id = sm_arena_strdup(a, uuid);
            m->name = w->opts.table_name;
            m->provider = "parquet";
            m->partition_columns = (const char **)w->pcols;
            m->n_partition_columns = w->npcols;
            m->created_time = now;
        }
        m->schema_string = sm_arena_strdup(a, (char *)schema.data);
        sm_buf_free(&schema);
        if (!m->schema_string || !m->id)
            return sm_error_nomem(e, "delta metadata");
        if (w->opts.nset_config) {
            /* the old configuration with the new entries set or replaced */
            size_t nold = m->n_configuration, n = 0;
            sm_delta_kv_t *kv = sm_arena_alloc(a, (nold + w->opts.nset_config) * sizeof *kv);
            if (!kv)
                return sm_error_nomem(e, "delta configuration");
            for (size_t i = 0; i < nold; i++)
                if (!sm_delta_kv_find(w->opts.set_config, w->opts.nset_config,
                                      m->configuration[i].key, NULL))
                    kv[n++] = m->configuration[i];
            for (size_t i = 0; i < w->opts.nset_config; i++) {
                kv[n].key = sm_arena_strdup(a, w->opts.set_config[i].key);
                kv[n].value = w->opts.set_config[i].value
                                  ? sm_arena_strdup(a, w->opts.set_config[i].value)
                                  : NULL;
                if (!kv[n].key || (w->opts.set_config[i].value && !kv[n].value))
                    return sm_error_nomem(e, "delta configuration");
                n++;
            }
            m->configuration = kv;
            m->n_configuration = n;
        }
        if ((rc = sm_buf_append(acts, &act, sizeof act, e)))
            return rc;
    }
    if (w->snap && w->opts.mode != SM_DELTA_APPEND) {
        bool rw = w->opts.mode == SM_DELTA_REWRITE;
        size_t nrm = rw ? w->opts.nremove_files : w->snap->nfiles;
        for (size_t i = 0; i < nrm && !rc; i++) {
            const sm_delta_file_t *f = rw ? &w->opts.remove_files[i] : &w->snap->files[i];
            if (!f->path)
                continue; /* a REWRITE slot left empty */
            if (w->opts.mode == SM_DELTA_OVERWRITE_PARTITIONS && !replaced(w, f))
                continue;
            memset(&act, 0, sizeof act);
            act.kind = SM_DELTA_REMOVE;
            act.u.remove = (sm_delta_remove_t){.path = f->path,
                                               .deletion_timestamp = now,
                                               .data_change = true,
                                               .extended_file_metadata = true,
                                               .partition_values = f->partition_values,
                                               .n_partition_values = f->n_partition_values,
                                               .size = f->size};
            rc = sm_buf_append(acts, &act, sizeof act, e);
            res->files_removed++;
        }
    }
    done_file_t *files = (done_file_t *)w->files.data;
    size_t nf = w->files.len / sizeof *files;
    size_t skip = strlen(w->table) + (w->table[0] ? 1 : 0);
    for (size_t i = 0; i < nf && !rc; i++) {
        memset(&act, 0, sizeof act);
        act.kind = SM_DELTA_ADD;
        sm_delta_kv_t *kv = part_kv(w, a, &w->parts[files[i].part]);
        if (!kv)
            return sm_error_nomem(e, "delta actions");
        act.u.add = (sm_delta_add_t){.path = files[i].path + skip,
                                     .partition_values = kv,
                                     .n_partition_values = w->npcols,
                                     .size = (int64_t)files[i].size,
                                     .modification_time = now,
                                     .data_change = true,
                                     .stats = files[i].stats};
        rc = sm_buf_append(acts, &act, sizeof act, e);
        res->files_added++;
        res->bytes_added += files[i].size;
    }
    if (!rc && w->opts.txn_app_id) {
        memset(&act, 0, sizeof act);
        act.kind = SM_DELTA_TXN;
        act.u.txn = (sm_delta_txn_t){
            .app_id = w->opts.txn_app_id, .version = w->opts.txn_version, .last_updated = now};
        rc = sm_buf_append(acts, &act, sizeof act, e);
    }
    return rc;
}

sm_err_t sm_delta_write_commit(sm_delta_write_t *w, sm_delta_write_result_t *res, sm_error_t *e)
{
    sm_delta_write_result_t r = {.version = -1, .rows = w->rows};
    sm_err_t rc = SM_OK;
    if (w->failed) {
        rc = sm_error_set(e, SM_ERR_INTERNAL, "delta writer: commit after a failure");
        goto out;
    }
    for (size_t p = 0; p < w->nparts && !rc; p++)
        rc = finish_file(w, p, e);
    if (rc || w->skip)
        goto out;
    if (w->creating && w->files.len == 0 && w->rows == 0 && w->schema->nfields == 0) {
        rc = sm_error_set(e, SM_ERR_INVALID, "%s: cannot create a table without columns", w->table);
        goto out;
    }
    int64_t now = w->opts.now_ms ? w->opts.now_ms : sm_delta_now_ms();
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_buf_t acts = SM_BUF_INIT;
    rc = build_actions(w, &arena, &acts, now, &r, e);
    if (!rc) {
        /* {"mode":"Append","partitionBy":"[\"c1\",\"c2\"]"} as Spark writes it */
        sm_buf_t pb = SM_BUF_INIT, params = SM_BUF_INIT;
        rc = sm_buf_append_byte(&pb, '[', e);
        for (size_t i = 0; !rc && i < w->npcols; i++) {
            if (i)
                rc = sm_buf_append_byte(&pb, ',', e);
            if (!rc)
                rc = sm_print_json_string(w->pcols[i], strlen(w->pcols[i]), &pb, e);
        }
        if (!rc && w->opts.operation_params)
            rc = sm_buf_append_str(&params, w->opts.operation_params, e);
        else if (!rc && !(rc = sm_buf_append_byte(&pb, ']', e)) &&
                 !(rc = sm_buf_printf(&params, e, "{\"mode\":\"%s\",\"partitionBy\":",
                                      w->opts.mode == SM_DELTA_APPEND ? "Append" : "Overwrite")) &&
                 !(rc = sm_print_json_string(pb.data, pb.len, &params, e)))
            rc = sm_buf_append_byte(&params, '}', e);
        sm_buf_free(&pb);
        sm_delta_commit_opts_t co = {.operation = w->opts.operation ? w->opts.operation
                                                  : w->creating     ? "CREATE TABLE AS SELECT"
                                                                    : "WRITE",
                                     .operation_params = (const char *)params.data,
                                     .operation_metrics = w->opts.operation_metrics,
                                     .read_table = w->opts.mode != SM_DELTA_APPEND,
                                     .now_ms = now};
        int64_t read_version = w->snap ? w->snap->version : -1;
        if (w->opts.mode == SM_DELTA_REWRITE)
            read_version = w->opts.read_version;
        if (!rc)
            rc =
                sm_delta_commit(w->st, w->table, read_version, (const sm_delta_action_t *)acts.data,
                                acts.len / sizeof(sm_delta_action_t), &co, &r.version, e);
        sm_buf_free(&params);
    }
    if (!rc) {
        /* checkpoint and expired-log clean-up when due (delta/cleanup.h):
         * the commit is durable already, so failures are reported only */
        sm_delta_after_commit_t ac;
        sm_delta_after_commit(w->st, w->table, w->snap, r.version, 0, &ac);
        r.checkpointed = ac.checkpointed;
        snprintf(r.checkpoint_error, sizeof r.checkpoint_error, "%s", ac.error);
    }
    sm_buf_free(&acts);
    sm_arena_free(&arena);
out:
    /* the files belong to the table now, unless nothing was committed */
    free_files(w, rc != SM_OK || w->skip);
    if (res)
        *res = r;
    sm_delta_write_abort(w);
    return rc;
}

void sm_delta_write_abort(sm_delta_write_t *w)
{
    if (!w)
        return;
    for (size_t p = 0; p < w->nparts; p++) {
        part_t *pt = &w->parts[p];
        sm_pq_writer_free(pt->pw); /* aborts the open file */
        sm_free(pt->pw_path);
        sm_free(pt->key);
        for (size_t i = 0; pt->values && i < w->npcols; i++)
            sm_free(pt->values[i]);
        sm_free(pt->values);
    }
    sm_free(w->parts);
    free_files(w, true);
    for (size_t i = 0; w->pcols && i < w->npcols; i++)
        sm_free(w->pcols[i]);
    sm_free(w->pcols);
    sm_free(w->pidx);
    sm_free(w->didx);
    sm_type_free(w->data_schema);
    sm_type_free(w->schema);
    sm_delta_snapshot_free(w->snap);
    sm_free(w->table);
    sm_free(w);
}
