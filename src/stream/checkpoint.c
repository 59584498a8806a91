/* stream/checkpoint — the write-ahead offsets log and the state files of a
 * streaming query, under <dir> = "<_smelt prefix>/streams/<query>":
 *
 *   offsets/<batch>.json   {"batch":7,"watermark_us":null|N,
 *                           "offsets":[{"partition":0,"start":120,"end":180}]}
 *   state/<batch>.parquet  rows of the query's state schema; key-value
 *                          metadata smelt.stream.max_event_us = N|none
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "stream/stream_int.h"

#define SQ_OFFSETS_MAX_BYTES (1024 * 1024)

void sq_offsets_free(sq_offsets_t *o)
{
    sm_free(o->ranges);
    memset(o, 0, sizeof *o);
}

sm_err_t sq_offsets_write(sm_store_t *st, const char *dir, const sq_offsets_t *o, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    char key[SM_STORE_KEY_MAX];
    snprintf(key, sizeof key, "%s/offsets/%" PRId64 ".json", dir, o->batch);
    sm_err_t rc = sm_buf_printf(&b, e, "{\"batch\":%" PRId64 ",\"watermark_us\":", o->batch);
    if (!rc)
        rc = o->watermark_us == INT64_MIN ? sm_buf_append_str(&b, "null", e)
                                          : sm_buf_printf(&b, e, "%" PRId64, o->watermark_us);
    if (!rc)
        rc = sm_buf_append_str(&b, ",\"offsets\":[", e);
    for (size_t i = 0; i < o->n && !rc; i++)
        rc = sm_buf_printf(
            &b, e, "%s{\"partition\":%" PRId32 ",\"start\":%" PRId64 ",\"end\":%" PRId64 "}",
            i ? "," : "", o->ranges[i].partition, o->ranges[i].start, o->ranges[i].end);
    if (!rc)
        rc = sm_buf_append_str(&b, "]}\n", e);
    if (!rc)
        rc = sm_store_put_if_absent(st, key, b.data, b.len, e);
    sm_buf_free(&b);
    return rc;
}

static sm_err_t parse_offsets(const char *key, const sm_buf_t *b, sq_offsets_t *o, sm_error_t *e)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)b->data, b->len, 0, &je);
    sm_err_t rc = SM_OK;
    if (!root)
        return sm_error_set(e, SM_ERR_CORRUPT, "%s: line %d: %s", key, je.line, je.text);
    json_t *batch = json_object_get(root, "batch"), *wm = json_object_get(root, "watermark_us");
    json_t *arr = json_object_get(root, "offsets");
    if (!json_is_integer(batch) || !json_is_array(arr) ||
        (wm && !json_is_null(wm) && !json_is_integer(wm)) ||
        json_array_size(arr) > SQ_MAX_PARTITIONS) {
        rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: not an offsets log entry", key);
        goto out;
    }
    o->batch = json_integer_value(batch);
    o->watermark_us = json_is_integer(wm) ? json_integer_value(wm) : INT64_MIN;
    o->n = json_array_size(arr);
    o->ranges = sm_calloc(o->n + 1, sizeof *o->ranges);
    if (!o->ranges) {
        rc = sm_error_nomem(e, "offsets");
        goto out;
    }
    for (size_t i = 0; i < o->n; i++) {
        json_t *it = json_array_get(arr, i);
        json_t *p = json_object_get(it, "partition"), *s = json_object_get(it, "start"),
               *en = json_object_get(it, "end");
        if (!json_is_integer(p) || !json_is_integer(s) || !json_is_integer(en) ||
            json_integer_value(s) < 0 || json_integer_value(en) < json_integer_value(s)) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: offsets entry %zu is not a range", key, i);
            goto out;
        }
        o->ranges[i] = (sq_range_t){(int32_t)json_integer_value(p), json_integer_value(s),
                                    json_integer_value(en)};
    }
out:
    json_decref(root);
    if (rc)
        sq_offsets_free(o);
    return rc;
}

sm_err_t sq_offsets_read(sm_store_t *st, const char *dir, int64_t batch, sq_offsets_t *o,
                         sm_error_t *e)
{
    memset(o, 0, sizeof *o);
    char key[SM_STORE_KEY_MAX];
    snprintf(key, sizeof key, "%s/offsets/%" PRId64 ".json", dir, batch);
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_store_get(st, key, SQ_OFFSETS_MAX_BYTES, &b, e);
    if (!rc)
        rc = parse_offsets(key, &b, o, e);
    sm_buf_free(&b);
    if (!rc && o->batch != batch)
        rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: holds batch %" PRId64, key, o->batch);
    if (rc)
        sq_offsets_free(o);
    return rc;
}

/* What sq_offsets_last gathers from the listing of offsets/. */
typedef struct offsets_scan {
    size_t plen;
    int64_t best, second, best_ms, second_ms, first;
} offsets_scan_t;

static sm_err_t offsets_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    (void)e;
    offsets_scan_t *sc = arg;
    const char *k = ent->key + sc->plen;
    char *end;
    long long v = strtoll(k, &end, 10);
    if (end == k || strcmp(end, ".json") != 0 || v < 0)
        return SM_OK;
    if (sc->first < 0 || v < sc->first)
        sc->first = v;
    if (v > sc->best) {
        sc->second = sc->best;
        sc->second_ms = sc->best_ms;
        sc->best = v;
        sc->best_ms = ent->mtime_ms;
    } else if (v > sc->second) {
        sc->second = v;
        sc->second_ms = ent->mtime_ms;
    }
    return SM_OK;
}

sm_err_t sq_offsets_last(sm_store_t *st, const char *dir, sq_offsets_t *o, bool *found,
                         int64_t mtimes[2], sm_error_t *e)
{
    memset(o, 0, sizeof *o);
    *found = false;
    char prefix[SM_STORE_KEY_MAX];
    snprintf(prefix, sizeof prefix, "%s/offsets/", dir);
    offsets_scan_t sc = {strlen(prefix), -1, -1, -1, -1, -1};
    sm_err_t rc =
        sm_store_each(st, &(sm_store_list_opts_t){.prefix = prefix}, offsets_entry, &sc, e);
    if (rc)
        return rc;
    if (mtimes) {
        mtimes[0] = sc.best_ms;
        mtimes[1] = sc.second_ms;
    }
    if (sc.best < 0)
        return SM_OK;
    if ((rc = sq_offsets_read(st, dir, sc.best, o, e)))
        return rc;
    o->first = sc.first;
    *found = true;
    return SM_OK;
}

/* ---- state files ---------------------------------------------------------- */

#define KV_MAX_EVENT "smelt.stream.max_event_us"

sm_err_t sq_state_save(sm_store_t *st, const char *dir, int64_t batch, const sq_state_t *s,
                       sm_error_t *e)
{
    char key[SM_STORE_KEY_MAX], val[32];
    snprintf(key, sizeof key, "%s/state/%" PRId64 ".parquet", dir, batch);
    if (s->max_event_us == INT64_MIN)
        snprintf(val, sizeof val, "none");
    else
        snprintf(val, sizeof val, "%" PRId64, s->max_event_us);
    sm_pq_kv_t kv = {.key = KV_MAX_EVENT,
                     .value = val,
                     .key_len = strlen(KV_MAX_EVENT),
                     .value_len = strlen(val)};
    sm_pq_writer_opts_t po = {.kv = &kv, .nkv = 1};
    sm_batch_t *b = NULL;
    sm_pq_writer_t *w = NULL;
    sm_err_t rc = sq_state_to_batch(s, &b, e);
    if (!rc)
        rc = sm_pq_writer_open(st, key, s->q->state_schema, &po, &w, e);
    if (!rc && b->nrows)
        rc = sm_pq_writer_write(w, b, e);
    if (!rc)
        rc = sm_pq_writer_close(w, NULL, e);
    sm_pq_writer_free(w);
    sm_batch_free(b);
    return rc;
}

sm_err_t sq_state_load(sm_store_t *st, const char *dir, int64_t batch, sq_state_t *s, sm_error_t *e)
{
    char key[SM_STORE_KEY_MAX];
    snprintf(key, sizeof key, "%s/state/%" PRId64 ".parquet", dir, batch);
    sq_state_clear(s);
    sm_pq_reader_t *r = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_pq_reader_open(st, key, NULL, &r, e);
    if (rc)
        return sm_error_wrap(e, "stream state of batch %" PRId64, batch);
    const sm_pq_file_meta_t *m = sm_pq_reader_meta(r);
    for (uint32_t i = 0; i < m->num_kv; i++) {
        if (m->kv[i].key_len == strlen(KV_MAX_EVENT) &&
            memcmp(m->kv[i].key, KV_MAX_EVENT, m->kv[i].key_len) == 0 && m->kv[i].value) {
            char v[32];
            snprintf(v, sizeof v, "%.*s", (int)m->kv[i].value_len, m->kv[i].value);
            s->max_event_us = strcmp(v, "none") == 0 ? INT64_MIN : strtoll(v, NULL, 10);
        }
    }
    while (!(rc = sm_pq_reader_next(r, &b, e)) && b) {
        rc = sq_state_add_rows(s, b, e);
        sm_batch_free(b);
        b = NULL;
        if (rc)
            break;
    }
    sm_pq_reader_close(r);
    if (rc)
        sm_error_wrap(e, "%s", key);
    return rc;
}
