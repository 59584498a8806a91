/* delta/checkpoint_read — the rows of a Parquet checkpoint as log actions
 * (see sm_delta_checkpoint_read in checkpoint.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "delta/checkpoint.h"
#include "parquet/reader.h"

/* The action columns a checkpoint may hold that we read; "sidecar" marks a
 * v2 checkpoint whose file actions live elsewhere. */
enum { K_TXN, K_ADD, K_REMOVE, K_META, K_PROTOCOL, K_SIDECAR, NKINDS };
static const char *const KIND_NAMES[NKINDS] = {"txn",      "add",      "remove",
                                               "metaData", "protocol", "sidecar"};

typedef struct rd {
    const char *key;
    int64_t row; /* row number in the file, for messages */
    const char *action;
    sm_arena_t *arena;
    sm_error_t *e;
} rd_t;

static sm_err_t bad(rd_t *c, const char *field, const char *what)
{
    return sm_error_set(c->e, SM_ERR_CORRUPT, "%s: row %" PRId64 ": %s.%s %s", c->key, c->row,
                        c->action, field, what);
}

static const sm_vector_t *fld(const sm_vector_t *s, const char *name)
{
    int k = sm_type_field_index(s->type, name, strlen(name), false);
    return k < 0 ? NULL : s->children[k];
}

static sm_err_t get_str(rd_t *c, const sm_vector_t *s, size_t i, const char *name, bool required,
                        const char **out)
{
    const sm_vector_t *v = fld(s, name);
    *out = NULL;
    if (!v || sm_vector_is_null(v, i))
        return required ? bad(c, name, "is missing") : SM_OK;
    if (v->type->kind != SM_TYPE_STRING && v->type->kind != SM_TYPE_BINARY)
        return bad(c, name, "must be a string");
    size_t n;
    const char *p = sm_vector_get_str(v, i, &n);
    if (memchr(p, '\0', n))
        return bad(c, name, "contains a NUL byte");
    *out = sm_arena_strndup(c->arena, p, n);
    return *out ? SM_OK : sm_error_nomem(c->e, "checkpoint row");
}

static sm_err_t get_i64(rd_t *c, const sm_vector_t *s, size_t i, const char *name, bool required,
                        int64_t absent, int64_t *out)
{
    const sm_vector_t *v = fld(s, name);
    *out = absent;
    if (!v || sm_vector_is_null(v, i))
        return required ? bad(c, name, "is missing") : SM_OK;
    switch (v->type->kind) {
    case SM_TYPE_INT8:
        *out = sm_vector_get_i8(v, i);
        break;
    case SM_TYPE_INT16:
        *out = sm_vector_get_i16(v, i);
        break;
    case SM_TYPE_INT32:
        *out = sm_vector_get_i32(v, i);
        break;
    case SM_TYPE_INT64:
        *out = sm_vector_get_i64(v, i);
        break;
    default:
        return bad(c, name, "must be an integer");
    }
    return SM_OK;
}

static sm_err_t get_bool(rd_t *c, const sm_vector_t *s, size_t i, const char *name, bool *out)
{
    const sm_vector_t *v = fld(s, name);
    *out = false;
    if (!v || sm_vector_is_null(v, i))
        return SM_OK; /* dataChange is false in checkpoints anyway */
    if (v->type->kind != SM_TYPE_BOOL)
        return bad(c, name, "must be a boolean");
    *out = sm_vector_get_bool(v, i);
    return SM_OK;
}

/* A map<string,string> (partitionValues, configuration, options). */
static sm_err_t get_kv(rd_t *c, const sm_vector_t *s, size_t i, const char *name,
                       sm_delta_kv_t **out, size_t *n)
{
    const sm_vector_t *v = fld(s, name);
    *out = NULL;
    *n = 0;
    if (!v || sm_vector_is_null(v, i))
        return SM_OK;
    if (v->type->kind != SM_TYPE_MAP)
        return bad(c, name, "must be a map");
    const sm_vector_t *ent = v->children[0], *k = ent->children[0], *val = ent->children[1];
    if ((k->type->kind != SM_TYPE_STRING) ||
        (val->type->kind != SM_TYPE_STRING && val->type->kind != SM_TYPE_NULL))
        return bad(c, name, "must map strings to strings");
    size_t a, b;
    sm_vector_list_range(v, i, &a, &b);
    if (a == b)
        return SM_OK;
    sm_delta_kv_t *kv = sm_arena_alloc(c->arena, (b - a) * sizeof *kv);
    if (!kv)
        return sm_error_nomem(c->e, "checkpoint row");
    for (size_t j = a; j < b; j++) {
        size_t len;
        const char *p = sm_vector_get_str(k, j, &len);
        kv[j - a].key = sm_arena_strndup(c->arena, p, len);
        kv[j - a].value = NULL;
        if (val->type->kind == SM_TYPE_STRING && !sm_vector_is_null(val, j)) {
            p = sm_vector_get_str(val, j, &len);
            if (!(kv[j - a].value = sm_arena_strndup(c->arena, p, len)))
                return sm_error_nomem(c->e, "checkpoint row");
        }
        if (!kv[j - a].key)
            return sm_error_nomem(c->e, "checkpoint row");
    }
    *out = kv;
    *n = b - a;
    return SM_OK;
}

/* An array<string> (partitionColumns, reader/writerFeatures). */
static sm_err_t get_strs(rd_t *c, const sm_vector_t *s, size_t i, const char *name,
                         const char ***out, size_t *n)
{
    const sm_vector_t *v = fld(s, name);
    *out = NULL;
    *n = 0;
    if (!v || sm_vector_is_null(v, i))
        return SM_OK;
    if (v->type->kind != SM_TYPE_LIST || v->children[0]->type->kind != SM_TYPE_STRING)
        return bad(c, name, "must be an array of strings");
    const sm_vector_t *el = v->children[0];
    size_t a, b;
    sm_vector_list_range(v, i, &a, &b);
    const char **arr = sm_arena_alloc(c->arena, (b - a + 1) * sizeof *arr);
    if (!arr)
        return sm_error_nomem(c->e, "checkpoint row");
    for (size_t j = a; j < b; j++) {
        if (sm_vector_is_null(el, j))
            return bad(c, name, "holds a null element");
        size_t len;
        const char *p = sm_vector_get_str(el, j, &len);
        if (!(arr[j - a] = sm_arena_strndup(c->arena, p, len)))
            return sm_error_nomem(c->e, "checkpoint row");
    }
    *out = arr;
    *n = b - a;
    return SM_OK;
}

static sm_err_t get_path(rd_t *c, const sm_vector_t *s, size_t i, const char **out)
{
    const char *raw;
    sm_err_t rc = get_str(c, s, i, "path", true, &raw);
    if (rc)
        return rc;
    sm_error_t pe;
    if (sm_delta_path_decode(raw, c->arena, out, &pe))
        return bad(c, "path", pe.msg);
    return SM_OK;
}

static bool has_dv(const sm_vector_t *s, size_t i)
{
    const sm_vector_t *dv = fld(s, "deletionVector");
    return dv && !sm_vector_is_null(dv, i);
}

static sm_err_t row_action(rd_t *c, int kind, const sm_vector_t *s, size_t i, sm_delta_action_t *a)
{
    sm_err_t rc = SM_OK;
    memset(a, 0, sizeof *a);
    c->action = KIND_NAMES[kind];
    switch (kind) {
    case K_TXN: {
        sm_delta_txn_t *t = &a->u.txn;
        a->kind = SM_DELTA_TXN;
        if ((rc = get_str(c, s, i, "appId", true, &t->app_id)) ||
            (rc = get_i64(c, s, i, "version", true, 0, &t->version)))
            return rc;
        return get_i64(c, s, i, "lastUpdated", false, -1, &t->last_updated);
    }
    case K_ADD: {
        sm_delta_add_t *x = &a->u.add;
        a->kind = SM_DELTA_ADD;
        if ((rc = get_path(c, s, i, &x->path)) ||
            (rc = get_kv(c, s, i, "partitionValues", &x->partition_values,
                         &x->n_partition_values)) ||
            (rc = get_i64(c, s, i, "size", true, 0, &x->size)) ||
            (rc = get_i64(c, s, i, "modificationTime", false, 0, &x->modification_time)) ||
            (rc = get_bool(c, s, i, "dataChange", &x->data_change)) ||
            (rc = get_str(c, s, i, "stats", false, &x->stats)))
            return rc;
        if (x->size < 0)
            return bad(c, "size", "must not be negative");
        x->deletion_vector = has_dv(s, i);
        return SM_OK;
    }
    case K_REMOVE: {
        sm_delta_remove_t *x = &a->u.remove;
        a->kind = SM_DELTA_REMOVE;
        if ((rc = get_path(c, s, i, &x->path)) ||
            (rc = get_i64(c, s, i, "deletionTimestamp", false, 0, &x->deletion_timestamp)) ||
            (rc = get_bool(c, s, i, "dataChange", &x->data_change)) ||
            (rc = get_bool(c, s, i, "extendedFileMetadata", &x->extended_file_metadata)) ||
            (rc = get_kv(c, s, i, "partitionValues", &x->partition_values,
                         &x->n_partition_values)) ||
            (rc = get_i64(c, s, i, "size", false, -1, &x->size)))
            return rc;
        x->deletion_vector = has_dv(s, i);
        return SM_OK;
    }
    case K_META: {
        sm_delta_metadata_t *m = &a->u.metadata;
        a->kind = SM_DELTA_METADATA;
        if ((rc = get_str(c, s, i, "id", true, &m->id)) ||
            (rc = get_str(c, s, i, "name", false, &m->name)) ||
            (rc = get_str(c, s, i, "description", false, &m->description)) ||
            (rc = get_str(c, s, i, "schemaString", false, &m->schema_string)) ||
            (rc = get_strs(c, s, i, "partitionColumns", &m->partition_columns,
                           &m->n_partition_columns)) ||
            (rc = get_kv(c, s, i, "configuration", &m->configuration, &m->n_configuration)) ||
            (rc = get_i64(c, s, i, "createdTime", false, -1, &m->created_time)))
            return rc;
        const sm_vector_t *fmt = fld(s, "format");
        m->provider = "parquet";
        if (fmt && fmt->type->kind == SM_TYPE_STRUCT && !sm_vector_is_null(fmt, i)) {
            if ((rc = get_str(c, fmt, i, "provider", false, &m->provider)))
                return rc;
            if (!m->provider)
                m->provider = "parquet";
        }
        return SM_OK;
    }
    case K_PROTOCOL: {
        sm_delta_protocol_t *p = &a->u.protocol;
        int64_t r, w;
        a->kind = SM_DELTA_PROTOCOL;
        if ((rc = get_i64(c, s, i, "minReaderVersion", true, 0, &r)) ||
            (rc = get_i64(c, s, i, "minWriterVersion", true, 0, &w)) ||
            (rc =
                 get_strs(c, s, i, "readerFeatures", &p->reader_features, &p->n_reader_features)) ||
            (rc = get_strs(c, s, i, "writerFeatures", &p->writer_features, &p->n_writer_features)))
            return rc;
        if (r < 1 || r > 1000 || w < 1 || w > 1000)
            return bad(c, "minReaderVersion", "and minWriterVersion must be 1 to 1000");
        p->min_reader_version = (int32_t)r;
        p->min_writer_version = (int32_t)w;
        return SM_OK;
    }
    default:
        return sm_error_set(c->e, SM_ERR_UNSUPPORTED,
                            "%s: v2 checkpoints (v2Checkpoint feature) are not supported: the "
                            "checkpoint refers to sidecar files",
                            c->key);
    }
}

sm_err_t sm_delta_checkpoint_read(sm_store_t *st, const char *key, sm_arena_t *arena,
                                  sm_delta_checkpoint_fn fn, void *arg, sm_error_t *e)
{
    sm_pq_reader_t *r = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_pq_reader_open(st, key, NULL, &r, e);
    if (rc)
        return rc;
    /* which action columns the file has (a missing column means null) */
    int idx[NKINDS], want[NKINDS], nwant = 0;
    const sm_type_t *fs = sm_pq_reader_schema(r);
    for (int k = 0; k < NKINDS; k++) {
        idx[k] = sm_type_field_index(fs, KIND_NAMES[k], strlen(KIND_NAMES[k]), false);
        if (idx[k] >= 0 && fs->fields[idx[k]].type->kind != SM_TYPE_STRUCT) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: checkpoint column \"%s\" is not a struct",
                              key, KIND_NAMES[k]);
            goto out;
        }
        if (idx[k] >= 0)
            want[nwant++] = idx[k];
    }
    if ((uint32_t)nwant < fs->nfields) { /* other columns: read only ours */
        sm_pq_reader_close(r);
        r = NULL;
        sm_pq_reader_opts_t o = {.column_idx = want, .ncolumn_idx = (size_t)nwant};
        if (nwant == 0)
            goto out; /* no action at all: an empty checkpoint */
        if ((rc = sm_pq_reader_open(st, key, &o, &r, e)))
            goto out;
        for (int k = 0, j = 0; k < NKINDS; k++)
            idx[k] = idx[k] >= 0 ? j++ : -1;
    }
    rd_t c = {.key = key, .arena = arena, .e = e};
    while (!(rc = sm_pq_reader_next(r, &b, e)) && b) {
        for (size_t i = 0; i < b->nrows && !rc; i++, c.row++) {
            for (int k = 0; k < NKINDS && !rc; k++) {
                if (idx[k] < 0 || sm_vector_is_null(b->cols[idx[k]], i))
                    continue;
                sm_delta_action_t a;
                if (!(rc = row_action(&c, k, b->cols[idx[k]], i, &a)))
                    rc = fn(arg, &a);
            }
        }
        sm_batch_free(b);
        b = NULL;
        if (rc)
            break;
    }
out:
    sm_batch_free(b);
    sm_pq_reader_close(r);
    return rc;
}
