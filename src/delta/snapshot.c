#include "delta/snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashtable.h"
#include "core/mem.h"
#include "delta/log.h"
#include "delta/schema.h"

/* Replay state: live files and tombstones are arrays with a path → slot
 * index; a slot's `live` flag says whether it still counts. */
typedef struct slot {
    sm_delta_file_t file;
    sm_delta_remove_t remove;
    bool live;
} slot_t;

typedef struct replay {
    sm_delta_snapshot_t *snap;
    sm_ht_t *files;      /* path → index in adds */
    sm_ht_t *tombs;      /* path → index in removes */
    sm_buf_t adds;       /* slot_t */
    sm_buf_t removes;    /* slot_t */
    sm_buf_t txns;       /* sm_delta_txn_t */
    bool has_protocol, has_metadata;
    bool deletion_vectors;
    sm_error_t *e;
} replay_t;

static slot_t *slots(sm_buf_t *b)
{
    return (slot_t *)b->data;
}

static sm_err_t put_slot(replay_t *r, sm_ht_t *ht, sm_buf_t *arr, const char *path, slot_t *s)
{
    uint64_t *v;
    bool is_new;
    sm_err_t rc = sm_ht_insert(ht, path, strlen(path), &v, &is_new, r->e);
    if (rc)
        return rc;
    if (!is_new) {
        slots(arr)[*v] = *s;
        return SM_OK;
    }
    *v = arr->len / sizeof(slot_t);
    return sm_buf_append(arr, s, sizeof *s, r->e);
}

static void kill_slot(sm_ht_t *ht, sm_buf_t *arr, const char *path)
{
    uint64_t *v = sm_ht_find(ht, path, strlen(path));
    if (v)
        slots(arr)[*v].live = false;
}

static sm_err_t apply(replay_t *r, const sm_delta_action_t *a)
{
    sm_delta_snapshot_t *snap = r->snap;
    switch (a->kind) {
    case SM_DELTA_PROTOCOL:
        snap->protocol = a->u.protocol;
        r->has_protocol = true;
        return SM_OK;
    case SM_DELTA_METADATA:
        snap->metadata = a->u.metadata;
        r->has_metadata = true;
        return SM_OK;
    case SM_DELTA_TXN: {
        sm_delta_txn_t *t = (sm_delta_txn_t *)r->txns.data;
        size_t n = r->txns.len / sizeof *t;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(t[i].app_id, a->u.txn.app_id) == 0) {
                t[i] = a->u.txn;
                return SM_OK;
            }
        }
        return sm_buf_append(&r->txns, &a->u.txn, sizeof a->u.txn, r->e);
    }
    case SM_DELTA_ADD: {
        const sm_delta_add_t *x = &a->u.add;
        if (x->deletion_vector)
            r->deletion_vectors = true;
        slot_t s = {.live = true,
                    .file = {.path = x->path, .partition_values = x->partition_values,
                             .n_partition_values = x->n_partition_values, .size = x->size,
                             .modification_time = x->modification_time, .stats = x->stats}};
        kill_slot(r->tombs, &r->removes, x->path);
        return put_slot(r, r->files, &r->adds, x->path, &s);
    }
    case SM_DELTA_REMOVE: {
        slot_t s = {.live = true, .remove = a->u.remove};
        kill_slot(r->files, &r->adds, a->u.remove.path);
        return put_slot(r, r->tombs, &r->removes, a->u.remove.path, &s);
    }
    default:
        return SM_OK;
    }
}

static sm_err_t replay_commit(replay_t *r, sm_store_t *st, const char *table, int64_t version)
{
    char name[26], key[SM_STORE_KEY_MAX + 1];
    sm_delta_commit_name(version, name);
    sm_err_t rc = sm_delta_log_key(table, name, key, sizeof key, r->e);
    if (rc)
        return rc;
    sm_buf_t b = SM_BUF_INIT;
    rc = sm_store_get(st, key, SM_DELTA_MAX_COMMIT_BYTES, &b, r->e);
    if (rc) {
        sm_buf_free(&b);
        return rc;
    }
    sm_delta_action_t *acts;
    size_t n;
    rc = sm_delta_parse_commit(key, b.data, b.len, &r->snap->arena, &acts, &n, r->e);
    sm_buf_free(&b);
    for (size_t i = 0; !rc && i < n; i++)
        rc = apply(r, &acts[i]);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const sm_delta_file_t *)a)->path, ((const sm_delta_file_t *)b)->path);
}

/* Reader features that do not change how data files are read. */
static bool reader_feature_ok(const char *f)
{
    static const char *ok[] = {"timestampNtz", "vacuumProtocolCheck", "checkpointProtection",
                               "domainMetadata", "appendOnly", "invariants", "checkConstraints",
                               "changeDataFeed", "generatedColumns", "identityColumns",
                               "inCommitTimestamp", "rowTracking", "v2Checkpoint"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(f, ok[i]) == 0)
            return true;
    return false;
}

static sm_err_t check_protocol(replay_t *r, const char *where)
{
    const sm_delta_protocol_t *p = &r->snap->protocol;
    if (p->min_reader_version == 2)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: reader version 2 (column mapping) is not supported", where);
    if (p->min_reader_version > 3)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: Delta reader version %d is not supported (smelt reads 1 and 3)",
                            where, p->min_reader_version);
    if (p->min_reader_version == 3) {
        for (size_t i = 0; i < p->n_reader_features; i++)
            if (!reader_feature_ok(p->reader_features[i]))
                return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                                    "%s: the Delta reader feature \"%s\" is not supported", where,
                                    p->reader_features[i]);
    }
    if (r->deletion_vectors)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: the table uses deletion vectors, which smelt does not read yet",
                            where);
    return SM_OK;
}

static sm_err_t finish(replay_t *r, const char *where)
{
    sm_delta_snapshot_t *snap = r->snap;
    sm_err_t rc;
    if (!r->has_protocol)
        return sm_error_set(r->e, SM_ERR_CORRUPT, "%s: the log has no protocol action", where);
    if (!r->has_metadata)
        return sm_error_set(r->e, SM_ERR_CORRUPT, "%s: the log has no metaData action", where);
    if ((rc = check_protocol(r, where)))
        return rc;
    if (!snap->metadata.schema_string)
        return sm_error_set(r->e, SM_ERR_CORRUPT, "%s: the table's metaData has no schemaString",
                            where);
    sm_delta_schema_info_t info;
    if ((rc = sm_delta_schema_parse(snap->metadata.schema_string, &snap->schema, &info, r->e))) {
        sm_error_wrap(r->e, "%s", where);
        return rc;
    }
    const char *mode = sm_delta_snapshot_config(snap, "delta.columnMapping.mode");
    if (mode && strcmp(mode, "none") != 0)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: column mapping (mode \"%s\") is not supported", where, mode);
    /* live files, sorted */
    size_t n = r->adds.len / sizeof(slot_t), live = 0;
    snap->files = sm_arena_alloc(&snap->arena, (n ? n : 1) * sizeof(sm_delta_file_t));
    if (!snap->files)
        return sm_error_nomem(r->e, "snapshot files");
    for (size_t i = 0; i < n; i++) {
        slot_t *s = &slots(&r->adds)[i];
        if (!s->live)
            continue;
        snap->files[live++] = s->file;
        snap->total_bytes += s->file.size;
    }
    snap->nfiles = live;
    qsort(snap->files, live, sizeof *snap->files, cmp_file);
    n = r->removes.len / sizeof(slot_t);
    snap->tombstones = sm_arena_alloc(&snap->arena, (n ? n : 1) * sizeof(sm_delta_remove_t));
    if (!snap->tombstones)
        return sm_error_nomem(r->e, "snapshot tombstones");
    for (size_t i = 0; i < n; i++)
        if (slots(&r->removes)[i].live)
            snap->tombstones[snap->ntombstones++] = slots(&r->removes)[i].remove;
    snap->ntxns = r->txns.len / sizeof(sm_delta_txn_t);
    snap->txns = sm_arena_alloc(&snap->arena, r->txns.len ? r->txns.len : 1);
    if (!snap->txns)
        return sm_error_nomem(r->e, "snapshot txns");
    if (r->txns.len)
        memcpy(snap->txns, r->txns.data, r->txns.len);
    return SM_OK;
}

/* The version to load, from `at` and the listed commits. */
static sm_err_t pick_version(const sm_delta_log_t *log, const sm_delta_at_t *at, const char *where,
                             int64_t *version, int64_t *ts, sm_error_t *e)
{
    if (log->ncommits == 0)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "%s: the log holds only checkpoints, which smelt cannot read yet",
                            where);
    int64_t first = log->commits[0].version, last = log->commits[log->ncommits - 1].version;
    /* commit times: file modification times, made strictly increasing as
     * Spark does, so every version has its own instant */
    int64_t prev = INT64_MIN;
    int64_t chosen = -1, chosen_ts = 0;
    for (size_t i = 0; i < log->ncommits; i++) {
        int64_t t = log->commits[i].mtime_ms;
        if (prev != INT64_MIN && t <= prev)
            t = prev + 1;
        prev = t;
        const sm_delta_commit_file_t *c = &log->commits[i];
        bool take = !at || at->kind == SM_DELTA_AT_LATEST ||
                    (at->kind == SM_DELTA_AT_VERSION && c->version <= at->version) ||
                    (at->kind == SM_DELTA_AT_TIMESTAMP && t <= at->timestamp_ms);
        if (take) {
            chosen = c->version;
            chosen_ts = t;
        }
    }
    if (at && at->kind == SM_DELTA_AT_VERSION && chosen != at->version)
        return sm_error_set(e, SM_ERR_NOT_FOUND,
                            "%s: version %" PRId64 " does not exist: the log has versions %" PRId64
                            " to %" PRId64,
                            where, at->version, first, last);
    if (chosen < 0)
        return sm_error_set(e, SM_ERR_NOT_FOUND,
                            "%s: no version was committed at or before that timestamp "
                            "(the first is version %" PRId64 ")",
                            where, first);
    *version = chosen;
    *ts = chosen_ts;
    return SM_OK;
}

sm_err_t sm_delta_snapshot_load(sm_store_t *st, const char *table, const sm_delta_at_t *at,
                                sm_delta_snapshot_t **out, sm_error_t *e)
{
    *out = NULL;
    char where[SM_STORE_KEY_MAX + 256];
    snprintf(where, sizeof where, "Delta table %s%s%s", sm_store_location(st), table[0] ? "/" : "",
             table);
    sm_delta_log_t log;
    sm_err_t rc = sm_delta_log_list(st, table, &log, e);
    if (rc)
        return rc;
    sm_delta_snapshot_t *snap = sm_calloc(1, sizeof *snap);
    replay_t r = {.snap = snap, .e = e};
    if (!snap) {
        rc = sm_error_nomem(e, "snapshot");
        goto out;
    }
    sm_arena_init(&snap->arena, 64 * 1024);
    snap->table = sm_arena_strdup(&snap->arena, table);
    if (!snap->table) {
        rc = sm_error_nomem(e, "snapshot");
        goto out;
    }
    if ((rc = pick_version(&log, at, where, &snap->version, &snap->timestamp_ms, e)))
        goto out;
    if (log.commits[0].version != 0) {
        rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                          "%s: commits before version %" PRId64
                          " were cleaned up; reading from checkpoints is not supported yet",
                          where, log.commits[0].version);
        goto out;
    }
    if ((rc = sm_ht_new(&r.files, NULL, e)) || (rc = sm_ht_new(&r.tombs, NULL, e)))
        goto out;
    for (size_t i = 0; i < log.ncommits && log.commits[i].version <= snap->version; i++) {
        if (log.commits[i].version != (int64_t)i) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "%s: commit %zu is missing from the log", where, i);
            goto out;
        }
        if ((rc = replay_commit(&r, st, table, log.commits[i].version)))
            goto out;
    }
    rc = finish(&r, where);
out:
    sm_ht_free(r.files);
    sm_ht_free(r.tombs);
    sm_buf_free(&r.adds);
    sm_buf_free(&r.removes);
    sm_buf_free(&r.txns);
    sm_delta_log_free(&log);
    if (rc) {
        sm_delta_snapshot_free(snap);
        return rc;
    }
    *out = snap;
    return SM_OK;
}

void sm_delta_snapshot_free(sm_delta_snapshot_t *snap)
{
    if (!snap)
        return;
    sm_type_free(snap->schema);
    sm_arena_free(&snap->arena);
    sm_free(snap);
}

int64_t sm_delta_snapshot_txn_version(const sm_delta_snapshot_t *snap, const char *app_id)
{
    for (size_t i = 0; i < snap->ntxns; i++)
        if (strcmp(snap->txns[i].app_id, app_id) == 0)
            return snap->txns[i].version;
    return -1;
}

const char *sm_delta_snapshot_config(const sm_delta_snapshot_t *snap, const char *key)
{
    const char *v = NULL;
    if (sm_delta_kv_find(snap->metadata.configuration, snap->metadata.n_configuration, key, &v))
        return v;
    return NULL;
}
