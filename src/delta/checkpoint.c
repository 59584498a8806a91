#include "delta/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "columnar/batch.h"
#include "parquet/writer.h"
#include "delta/log.h"

static const char *SCHEMA =
    "struct<"
    "txn:struct<appId:string,version:bigint,lastUpdated:bigint>,"
    "add:struct<path:string,partitionValues:map<string,string>,size:bigint,"
    "modificationTime:bigint,dataChange:boolean,stats:string,tags:map<string,string>>,"
    "remove:struct<path:string,deletionTimestamp:bigint,dataChange:boolean,"
    "extendedFileMetadata:boolean,partitionValues:map<string,string>,size:bigint>,"
    "metaData:struct<id:string,name:string,description:string,"
    "format:struct<provider:string,options:map<string,string>>,schemaString:string,"
    "partitionColumns:array<string>,configuration:map<string,string>,createdTime:bigint>,"
    "protocol:struct<minReaderVersion:int,minWriterVersion:int>>";

enum { C_TXN, C_ADD, C_REMOVE, C_META, C_PROTOCOL, NCOLS };

sm_type_t *sm_delta_checkpoint_schema(sm_error_t *e)
{
    sm_type_t *t = NULL;
    if (sm_type_parse(SCHEMA, strlen(SCHEMA), &t, e))
        return NULL;
    return t;
}

/* ---- appending values ---------------------------------------------------- */

static sm_err_t str_or_null(sm_vector_t *v, const char *s, sm_error_t *e)
{
    return s ? sm_vector_append_str(v, s, e) : sm_vector_append_null(v, e);
}

static sm_err_t kv_map(sm_vector_t *m, const sm_delta_kv_t *kv, size_t n, bool null_if_empty,
                       sm_error_t *e)
{
    if (null_if_empty && n == 0)
        return sm_vector_append_null(m, e);
    sm_vector_t *ent = sm_vector_child(m, 0);
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!(rc = sm_vector_append_str(ent->children[0], kv[i].key, e)) &&
            !(rc = str_or_null(ent->children[1], kv[i].value, e)))
            rc = sm_vector_append_struct(ent, e);
    }
    return rc ? rc : sm_vector_append_list(m, e);
}

/* A path as the log stores it: percent-encoded. */
static sm_err_t path_str(sm_vector_t *v, const char *path, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_delta_path_encode(path, &b, e);
    if (!rc)
        rc = sm_vector_append_bytes(v, b.data ? b.data : (const uint8_t *)"", b.len, e);
    sm_buf_free(&b);
    return rc;
}

/* Appends a row where only column `which` is set by `fill`. */
typedef sm_err_t (*fill_fn)(sm_vector_t *col, const void *x, sm_error_t *e);

static sm_err_t row(sm_batch_t *b, int which, fill_fn fill, const void *x, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (int c = 0; c < NCOLS && !rc; c++)
        rc = c == which ? fill(b->cols[c], x, e) : sm_vector_append_null(b->cols[c], e);
    return rc;
}

static sm_err_t fill_txn(sm_vector_t *v, const void *x, sm_error_t *e)
{
    const sm_delta_txn_t *t = x;
    sm_err_t rc;
    if ((rc = sm_vector_append_str(v->children[0], t->app_id, e)) ||
        (rc = sm_vector_append_i64(v->children[1], t->version, e)) ||
        (rc = t->last_updated >= 0 ? sm_vector_append_i64(v->children[2], t->last_updated, e)
                                   : sm_vector_append_null(v->children[2], e)))
        return rc;
    return sm_vector_append_struct(v, e);
}

static sm_err_t fill_add(sm_vector_t *v, const void *x, sm_error_t *e)
{
    const sm_delta_file_t *f = x;
    sm_err_t rc;
    if ((rc = path_str(v->children[0], f->path, e)) ||
        (rc = kv_map(v->children[1], f->partition_values, f->n_partition_values, false, e)) ||
        (rc = sm_vector_append_i64(v->children[2], f->size, e)) ||
        (rc = sm_vector_append_i64(v->children[3], f->modification_time, e)) ||
        (rc = sm_vector_append_bool(v->children[4], false,
                                    e)) || /* dataChange: false in checkpoints */
        (rc = str_or_null(v->children[5], f->stats, e)) ||
        (rc = sm_vector_append_null(v->children[6], e)))
        return rc;
    return sm_vector_append_struct(v, e);
}

static sm_err_t fill_remove(sm_vector_t *v, const void *x, sm_error_t *e)
{
    const sm_delta_remove_t *r = x;
    sm_err_t rc;
    if ((rc = path_str(v->children[0], r->path, e)) ||
        (rc = sm_vector_append_i64(v->children[1], r->deletion_timestamp, e)) ||
        (rc = sm_vector_append_bool(v->children[2], false, e)) ||
        (rc = sm_vector_append_bool(v->children[3], r->extended_file_metadata, e)) ||
        (rc = kv_map(v->children[4], r->partition_values, r->n_partition_values, true, e)) ||
        (rc = r->size >= 0 ? sm_vector_append_i64(v->children[5], r->size, e)
                           : sm_vector_append_null(v->children[5], e)))
        return rc;
    return sm_vector_append_struct(v, e);
}

static sm_err_t fill_meta(sm_vector_t *v, const void *x, sm_error_t *e)
{
    const sm_delta_metadata_t *m = x;
    sm_vector_t *fmt = v->children[3], *pcols = v->children[5];
    sm_err_t rc;
    if ((rc = sm_vector_append_str(v->children[0], m->id, e)) ||
        (rc = str_or_null(v->children[1], m->name, e)) ||
        (rc = str_or_null(v->children[2], m->description, e)) ||
        (rc = sm_vector_append_str(fmt->children[0], m->provider ? m->provider : "parquet", e)) ||
        (rc = kv_map(fmt->children[1], NULL, 0, false, e)) ||
        (rc = sm_vector_append_struct(fmt, e)) ||
        (rc = str_or_null(v->children[4], m->schema_string, e)))
        return rc;
    for (size_t i = 0; i < m->n_partition_columns && !rc; i++)
        rc = sm_vector_append_str(sm_vector_child(pcols, 0), m->partition_columns[i], e);
    if (rc || (rc = sm_vector_append_list(pcols, e)) ||
        (rc = kv_map(v->children[6], m->configuration, m->n_configuration, false, e)) ||
        (rc = m->created_time >= 0 ? sm_vector_append_i64(v->children[7], m->created_time, e)
                                   : sm_vector_append_null(v->children[7], e)))
        return rc;
    return sm_vector_append_struct(v, e);
}

static sm_err_t fill_protocol(sm_vector_t *v, const void *x, sm_error_t *e)
{
    const sm_delta_protocol_t *p = x;
    sm_err_t rc;
    if ((rc = sm_vector_append_i32(v->children[0], p->min_reader_version, e)) ||
        (rc = sm_vector_append_i32(v->children[1], p->min_writer_version, e)))
        return rc;
    return sm_vector_append_struct(v, e);
}

/* ---- writing ------------------------------------------------------------- */

#define CHUNK 2048

sm_err_t sm_delta_checkpoint_write(sm_store_t *st, const sm_delta_snapshot_t *snap, sm_error_t *e)
{
    if (snap->protocol.min_reader_version > 1 || snap->protocol.min_writer_version > 2)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "checkpoints are written only for reader 1 / writer 2 tables");
    char name[64], key[SM_STORE_KEY_MAX + 1];
    snprintf(name, sizeof name, "%020" PRId64 ".checkpoint.parquet", snap->version);
    sm_err_t rc = sm_delta_log_key(snap->table, name, key, sizeof key, e);
    if (rc)
        return rc;
    sm_type_t *schema = sm_delta_checkpoint_schema(e);
    if (!schema)
        return e ? e->code : SM_ERR_INTERNAL;
    sm_pq_writer_opts_t po = {.codec = SM_PQ_CODEC_SNAPPY, .if_absent = true};
    sm_pq_writer_t *pw = NULL;
    sm_batch_t *b = NULL;
    int64_t rows = 0;
    if ((rc = sm_pq_writer_open(st, key, schema, &po, &pw, e)) ||
        (rc = sm_batch_new(schema, CHUNK, &b, e)))
        goto out;
    /* protocol, metaData, txns, adds, removes — flushed every CHUNK rows */
    size_t total = 2 + snap->ntxns + snap->nfiles + snap->ntombstones;
    for (size_t i = 0; i < total && !rc; i++) {
        size_t k = i;
        if (k == 0)
            rc = row(b, C_PROTOCOL, fill_protocol, &snap->protocol, e);
        else if (k == 1)
            rc = row(b, C_META, fill_meta, &snap->metadata, e);
        else if ((k -= 2) < snap->ntxns)
            rc = row(b, C_TXN, fill_txn, &snap->txns[k], e);
        else if ((k -= snap->ntxns) < snap->nfiles)
            rc = row(b, C_ADD, fill_add, &snap->files[k], e);
        else
            rc = row(b, C_REMOVE, fill_remove, &snap->tombstones[k - snap->nfiles], e);
        if (rc)
            break;
        rows++;
        if ((i + 1) % CHUNK == 0 || i + 1 == total) {
            if ((rc = sm_batch_sync(b, e)) || (rc = sm_pq_writer_write(pw, b, e)))
                break;
            sm_batch_reset(b);
        }
    }
    uint64_t size = 0;
    if (!rc) {
        rc = sm_pq_writer_close(pw, &size, e);
        if (rc == SM_ERR_EXISTS) /* another writer checkpointed this version */
            rc = SM_OK;
    }
    if (!rc) {
        char json[256], lkey[SM_STORE_KEY_MAX + 1];
        int n = snprintf(json, sizeof json,
                         "{\"version\":%" PRId64 ",\"size\":%" PRId64 ",\"sizeInBytes\":%" PRIu64
                         ",\"numOfAddFiles\":%zu}",
                         snap->version, rows, size, snap->nfiles);
        if (!(rc = sm_delta_log_key(snap->table, "_last_checkpoint", lkey, sizeof lkey, e)))
            rc = sm_store_put(st, lkey, json, (size_t)n, e);
    }
out:
    sm_batch_free(b);
    sm_pq_writer_free(pw);
    sm_type_free(schema);
    if (rc)
        sm_error_wrap(e, "checkpoint of %s at version %" PRId64, snap->table, snap->version);
    return rc;
}
