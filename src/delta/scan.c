#include "delta/scan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "columnar/text.h"
#include "core/mem.h"
#include "parquet/reader.h"

/* Where an output column comes from. */
typedef enum { SRC_FILE, SRC_PARTITION } src_kind_t;

struct sm_delta_scan {
    sm_store_t *st;
    const sm_delta_snapshot_t *snap;
    sm_type_t *schema; /* output columns */
    src_kind_t *src;   /* per output column */
    const sm_delta_file_t *files;
    size_t nfiles, next_file;
    size_t batch_rows;
    sm_pq_reader_t *r;    /* the open file, or NULL */
    int *file_col;        /* per output column: column of the reader's batches, -1 = NULL */
    sm_vector_t **consts; /* per partition column: its 1-row value for the open file */
    char key[SM_STORE_KEY_MAX + 1];
};

sm_err_t sm_delta_file_key(const sm_delta_snapshot_t *snap, const char *path, char *out, size_t cap,
                           sm_error_t *e)
{
    const char *colon = strchr(path, ':');
    if (path[0] == '/' || (colon && colon[1] == '/' && !memchr(path, '/', (size_t)(colon - path))))
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "data file \"%s\" is named by an absolute URI, which smelt does not "
                            "read",
                            path);
    int n = snprintf(out, cap, "%s%s%s", snap->table, snap->table[0] ? "/" : "", path);
    if (n < 0 || (size_t)n >= cap)
        return sm_error_set(e, SM_ERR_LIMIT, "data file key too long: \"%s\"", path);
    return SM_OK;
}

static bool is_partition_col(const sm_delta_snapshot_t *snap, const char *name)
{
    for (size_t i = 0; i < snap->metadata.n_partition_columns; i++)
        if (strcasecmp(snap->metadata.partition_columns[i], name) == 0)
            return true;
    return false;
}

sm_err_t sm_delta_scan_open(sm_store_t *st, const sm_delta_snapshot_t *snap,
                            const sm_delta_scan_opts_t *opts, sm_delta_scan_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_delta_scan_t *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "delta scan");
    s->st = st;
    s->snap = snap;
    s->schema = sm_type_ref(opts && opts->schema ? opts->schema : snap->schema);
    s->files = opts && opts->files ? opts->files : snap->files;
    s->nfiles = opts && opts->files ? opts->nfiles : snap->nfiles;
    s->batch_rows = opts && opts->batch_rows ? opts->batch_rows : SM_BATCH_ROWS;
    uint32_t n = s->schema->nfields;
    s->src = sm_calloc(n + 1, sizeof *s->src);
    s->file_col = sm_calloc(n + 1, sizeof *s->file_col);
    s->consts = sm_calloc(n + 1, sizeof *s->consts);
    if (!s->src || !s->file_col || !s->consts) {
        sm_delta_scan_close(s);
        return sm_error_nomem(e, "delta scan");
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *name = s->schema->fields[i].name;
        if (sm_type_field_index(snap->schema, name, strlen(name), true) < 0) {
            sm_delta_scan_close(s);
            return sm_error_set(e, SM_ERR_NOT_FOUND, "the table has no column \"%s\"", name);
        }
        s->src[i] = is_partition_col(snap, name) ? SRC_PARTITION : SRC_FILE;
    }
    *out = s;
    return SM_OK;
}

sm_type_t *sm_delta_scan_schema(const sm_delta_scan_t *s)
{
    return s->schema;
}

static void close_file(sm_delta_scan_t *s)
{
    sm_pq_reader_close(s->r);
    s->r = NULL;
    for (uint32_t i = 0; i < s->schema->nfields; i++) {
        sm_vector_free(s->consts[i]);
        s->consts[i] = NULL;
    }
}

void sm_delta_scan_close(sm_delta_scan_t *s)
{
    if (!s)
        return;
    if (s->consts)
        close_file(s);
    sm_free(s->src);
    sm_free(s->file_col);
    sm_free(s->consts);
    sm_type_free(s->schema);
    sm_free(s);
}

/* The partition value of column `name` in file f: NULL for null or "". */
static const char *part_value(const sm_delta_file_t *f, const char *name)
{
    for (size_t i = 0; i < f->n_partition_values; i++)
        if (strcasecmp(f->partition_values[i].key, name) == 0)
            return f->partition_values[i].value && f->partition_values[i].value[0]
                       ? f->partition_values[i].value
                       : NULL;
    return NULL;
}

static sm_err_t open_file(sm_delta_scan_t *s, const sm_delta_file_t *f, sm_error_t *e)
{
    sm_err_t rc = sm_delta_file_key(s->snap, f->path, s->key, sizeof s->key, e);
    if (rc)
        return rc;
    uint32_t n = s->schema->nfields;
    /* partition columns: one parsed value per file */
    for (uint32_t i = 0; i < n; i++) {
        if (s->src[i] != SRC_PARTITION)
            continue;
        const sm_field_t *fd = &s->schema->fields[i];
        const char *v = part_value(f, fd->name);
        if ((rc = sm_vector_new(fd->type, 1, &s->consts[i], e)))
            return rc;
        rc = v ? sm_vector_append_text(s->consts[i], v, strlen(v), e)
               : sm_vector_append_null(s->consts[i], e);
        if (rc) {
            sm_error_wrap(e, "%s: partition value of \"%s\"", s->key, fd->name);
            return rc;
        }
    }
    /* data columns: which of them the file has */
    if ((rc = sm_pq_reader_open(s->st, s->key, NULL, &s->r, e)))
        return rc;
    const sm_type_t *fs = sm_pq_reader_schema(s->r);
    int idx[256], *want = n <= 256 ? idx : sm_malloc(n * sizeof *want);
    size_t nwant = 0;
    if (!want)
        return sm_error_nomem(e, "delta scan");
    for (uint32_t i = 0; i < n; i++) {
        s->file_col[i] = -1;
        if (s->src[i] != SRC_FILE)
            continue;
        const char *name = s->schema->fields[i].name;
        int k = sm_type_field_index(fs, name, strlen(name), true);
        if (k < 0)
            continue; /* added after this file was written: NULL */
        s->file_col[i] = (int)nwant;
        want[nwant++] = k;
    }
    bool all = nwant == fs->nfields;
    for (size_t i = 0; all && i < nwant; i++)
        all = want[i] == (int)i;
    if (!all) {
        sm_pq_reader_close(s->r);
        s->r = NULL;
        sm_pq_reader_opts_t o = {
            .column_idx = want, .ncolumn_idx = nwant, .batch_rows = s->batch_rows};
        rc = sm_pq_reader_open(s->st, s->key, &o, &s->r, e);
    } else if (s->batch_rows != SM_BATCH_ROWS) {
        sm_pq_reader_close(s->r);
        s->r = NULL;
        sm_pq_reader_opts_t o = {.batch_rows = s->batch_rows};
        rc = sm_pq_reader_open(s->st, s->key, &o, &s->r, e);
    }
    if (want != idx)
        sm_free(want);
    return rc;
}

/* Exact conversions from a file column's type to the table's. */
static bool widen_ok(sm_type_kind_t from, sm_type_kind_t to)
{
    if (sm_type_is_integer(from) && sm_type_is_integer(to))
        return from <= to;
    if (sm_type_is_integer(from) && from <= SM_TYPE_INT32 && to == SM_TYPE_FLOAT64)
        return true;
    if (from == SM_TYPE_FLOAT32 && to == SM_TYPE_FLOAT64)
        return true;
    return (from == SM_TYPE_TIMESTAMP || from == SM_TYPE_TIMESTAMP_TZ) &&
           (to == SM_TYPE_TIMESTAMP || to == SM_TYPE_TIMESTAMP_TZ);
}

static int64_t int_at(const sm_vector_t *v, size_t i)
{
    switch (v->type->kind) {
    case SM_TYPE_INT8:
        return sm_vector_get_i8(v, i);
    case SM_TYPE_INT16:
        return sm_vector_get_i16(v, i);
    case SM_TYPE_INT32:
        return sm_vector_get_i32(v, i);
    default:
        return sm_vector_get_i64(v, i);
    }
}

static sm_err_t convert(sm_vector_t *src, sm_type_t *to, const char *key, const char *col,
                        sm_vector_t **out, sm_error_t *e)
{
    *out = NULL;
    if (sm_type_equal_ex(src->type, to, SM_TYPE_EQ_IGNORE_NULLABLE | SM_TYPE_EQ_IGNORE_NAMES)) {
        *out = src;
        return SM_OK;
    }
    sm_type_kind_t fk = src->type->kind, tk = to->kind;
    if (!widen_ok(fk, tk)) {
        char a[128], b[128];
        sm_type_name(src->type, a, sizeof a);
        sm_type_name(to, b, sizeof b);
        sm_vector_free(src);
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "%s: column \"%s\" is %s in the file but %s in the table", key, col, a,
                            b);
    }
    sm_vector_t *v = NULL;
    sm_err_t rc = sm_vector_new(to, src->len, &v, e);
    for (size_t i = 0; !rc && i < src->len; i++) {
        if (sm_vector_is_null(src, i))
            rc = sm_vector_append_null(v, e);
        else if (tk == SM_TYPE_FLOAT64)
            rc = sm_vector_append_f64(v,
                                      fk == SM_TYPE_FLOAT32 ? (double)sm_vector_get_f32(src, i)
                                                            : (double)int_at(src, i),
                                      e);
        else if (tk == SM_TYPE_INT8)
            rc = sm_vector_append_i8(v, (int8_t)int_at(src, i), e);
        else if (tk == SM_TYPE_INT16)
            rc = sm_vector_append_i16(v, (int16_t)int_at(src, i), e);
        else if (tk == SM_TYPE_INT32)
            rc = sm_vector_append_i32(v, (int32_t)int_at(src, i), e);
        else
            rc = sm_vector_append_i64(v, int_at(src, i), e);
    }
    sm_vector_free(src);
    if (rc) {
        sm_vector_free(v);
        return rc;
    }
    *out = v;
    return SM_OK;
}

/* The output batch of one batch of the open file. */
static sm_err_t conform(sm_delta_scan_t *s, sm_batch_t *fb, sm_batch_t **out, sm_error_t *e)
{
    uint32_t n = s->schema->nfields;
    size_t rows = fb->nrows;
    sm_vector_t **cols = sm_calloc(n + 1, sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "delta scan");
    sm_err_t rc = SM_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        sm_type_t *t = s->schema->fields[i].type;
        if (s->file_col[i] >= 0) {
            sm_vector_t *src = fb->cols[s->file_col[i]];
            fb->cols[s->file_col[i]] = NULL; /* taken over */
            rc = convert(src, t, s->key, s->schema->fields[i].name, &cols[i], e);
            continue;
        }
        if ((rc = sm_vector_new(t, rows, &cols[i], e)))
            break;
        for (size_t r = 0; r < rows && !rc; r++)
            rc = s->consts[i] ? sm_vector_append_from(cols[i], s->consts[i], 0, e)
                              : sm_vector_append_null(cols[i], e);
    }
    if (!rc) {
        rc = sm_batch_from_vectors(s->schema, cols, n, out, e);
    } else {
        for (uint32_t i = 0; i < n; i++)
            sm_vector_free(cols[i]);
    }
    sm_free(cols);
    return rc;
}

sm_err_t sm_delta_scan_next(sm_delta_scan_t *s, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    for (;;) {
        sm_err_t rc;
        if (!s->r) {
            if (s->next_file >= s->nfiles)
                return SM_OK;
            const sm_delta_file_t *f = &s->files[s->next_file++];
            if ((rc = open_file(s, f, e))) {
                close_file(s);
                return rc;
            }
        }
        sm_batch_t *fb = NULL;
        if ((rc = sm_pq_reader_next(s->r, &fb, e)))
            return rc;
        if (!fb) {
            close_file(s);
            continue;
        }
        if (fb->nrows == 0) {
            sm_batch_free(fb);
            continue;
        }
        rc = conform(s, fb, out, e);
        sm_batch_free(fb);
        return rc;
    }
}
