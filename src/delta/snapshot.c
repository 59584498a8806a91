#include "delta/snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashtable.h"
#include "core/mem.h"
#include "delta/checkpoint.h"
#include "delta/log.h"
#include "delta/schema.h"

/* Replay state: live files and tombstones are arrays with a path → slot
 * index; a slot's `live` flag says whether it still counts. */
typedef struct slot {
    sm_delta_file_t file;
    sm_delta_remove_t remove;
    bool live;
    bool dv; /* the add carries a deletion vector */
} slot_t;

typedef struct replay {
    sm_delta_snapshot_t *snap;
    sm_ht_t *files;   /* path → index in adds */
    sm_ht_t *tombs;   /* path → index in removes */
    sm_buf_t adds;    /* slot_t */
    sm_buf_t removes; /* slot_t */
    sm_buf_t txns;    /* sm_delta_txn_t */
    bool has_protocol, has_metadata;
    bool deletion_vectors; /* a live file has a deletion vector (set by finish) */
    /* Reading a checkpoint: its rows are a set, where an add and a remove of
     * one path are different files (another deletion vector) and both count. */
    bool in_checkpoint;
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
        slot_t s = {.live = true,
                    .dv = x->deletion_vector,
                    .file = {.path = x->path,
                             .partition_values = x->partition_values,
                             .n_partition_values = x->n_partition_values,
                             .size = x->size,
                             .modification_time = x->modification_time,
                             .stats = x->stats}};
        if (!r->in_checkpoint)
            kill_slot(r->tombs, &r->removes, x->path);
        return put_slot(r, r->files, &r->adds, x->path, &s);
    }
    case SM_DELTA_REMOVE: {
        slot_t s = {.live = true, .remove = a->u.remove};
        if (!r->in_checkpoint)
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
    /* Order inside a commit carries no meaning: a remove and an add of the
     * same path (a new deletion vector) leave the add live, so removes go
     * first. */
    for (size_t i = 0; !rc && i < n; i++)
        if (acts[i].kind != SM_DELTA_ADD)
            rc = apply(r, &acts[i]);
    for (size_t i = 0; !rc && i < n; i++)
        if (acts[i].kind == SM_DELTA_ADD)
            rc = apply(r, &acts[i]);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const sm_delta_file_t *)a)->path, ((const sm_delta_file_t *)b)->path);
}

/* Reader features that do not change how data files are read, or whose
 * use is checked where it matters: deletion vectors are refused when a live
 * file carries one, column mapping when its mode is not "none". */
static bool reader_feature_ok(const char *f)
{
    static const char *ok[] = {"timestampNtz",     "vacuumProtocolCheck", "checkpointProtection",
                               "domainMetadata",   "appendOnly",          "invariants",
                               "checkConstraints", "changeDataFeed",      "generatedColumns",
                               "identityColumns",  "inCommitTimestamp",   "rowTracking",
                               "v2Checkpoint",     "deletionVectors",     "columnMapping"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(f, ok[i]) == 0)
            return true;
    return false;
}

static sm_err_t check_protocol(replay_t *r, const char *where)
{
    const sm_delta_protocol_t *p = &r->snap->protocol;
    const char *mode = sm_delta_snapshot_config(r->snap, "delta.columnMapping.mode");
    if (mode && strcmp(mode, "none") != 0)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: column mapping (columnMapping feature, mode \"%s\") is not "
                            "supported",
                            where, mode);
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
    size_t n = r->adds.len / sizeof(slot_t);
    for (size_t i = 0; i < n; i++)
        r->deletion_vectors |= slots(&r->adds)[i].live && slots(&r->adds)[i].dv;
    if (r->deletion_vectors)
        return sm_error_set(r->e, SM_ERR_UNSUPPORTED,
                            "%s: the table uses deletion vectors (deletionVectors feature), which "
                            "smelt does not read yet",
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

/* ---- choosing what to read ----------------------------------------------- */

/* Index of commit `v` in the sorted listing, or -1. */
static ptrdiff_t commit_index(const sm_delta_log_t *log, int64_t v)
{
    size_t lo = 0, hi = log->ncommits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->commits[mid].version < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < log->ncommits && log->commits[lo].version == v ? (ptrdiff_t)lo : -1;
}

/* The first version in [from, to] without a commit file, or -1 when every
 * commit is there. */
static int64_t first_missing(const sm_delta_log_t *log, int64_t from, int64_t to)
{
    if (from > to)
        return -1;
    ptrdiff_t i = commit_index(log, from);
    if (i < 0)
        return from;
    for (int64_t v = from; v <= to; v++, i++)
        if ((size_t)i >= log->ncommits || log->commits[i].version != v)
            return v;
    return -1;
}

/* A version the log knows of (a commit or a complete checkpoint) and the
 * time it was committed. */
typedef struct known {
    int64_t version, ts;
} known_t;

/* Every known version in order, with file modification times made strictly
 * increasing as Spark does, so every version has its own instant.  The
 * caller frees *out (sm_free). */
static sm_err_t known_versions(const sm_delta_log_t *log, known_t **out, size_t *n, sm_error_t *e)
{
    known_t *k = sm_malloc((log->ncommits + log->ncheckpoints + 1) * sizeof *k);
    if (!k)
        return sm_error_nomem(e, "delta versions");
    size_t i = 0, j = 0, m = 0;
    while (i < log->ncommits || j < log->ncheckpoints) {
        const sm_delta_checkpoint_file_t *c = j < log->ncheckpoints ? &log->checkpoints[j] : NULL;
        if (c && !c->complete) {
            j++;
            continue;
        }
        known_t x;
        if (i < log->ncommits && (!c || log->commits[i].version <= c->version)) {
            x = (known_t){log->commits[i].version, log->commits[i].mtime_ms};
            i++;
        } else {
            x = (known_t){c->version, c->mtime_ms};
            j++;
        }
        if (m && k[m - 1].version == x.version)
            continue; /* the commit of that version came first and gives its time */
        if (m && x.ts <= k[m - 1].ts)
            x.ts = k[m - 1].ts + 1;
        k[m++] = x;
    }
    *out = k;
    *n = m;
    return SM_OK;
}

/* The version to load, from `at` and what the log holds. */
static sm_err_t pick_version(const sm_delta_log_t *log, const sm_delta_at_t *at, const char *where,
                             int64_t *version, int64_t *ts, sm_error_t *e)
{
    known_t *k = NULL;
    size_t n = 0;
    sm_err_t rc = known_versions(log, &k, &n, e);
    if (rc)
        return rc;
    if (n == 0) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "%s: the log holds no complete commit or checkpoint",
                          where);
        goto out;
    }
    int64_t first = k[0].version, last = k[n - 1].version;
    ptrdiff_t chosen = -1;
    for (size_t i = 0; i < n; i++) {
        bool take = !at || at->kind == SM_DELTA_AT_LATEST ||
                    (at->kind == SM_DELTA_AT_VERSION && k[i].version <= at->version) ||
                    (at->kind == SM_DELTA_AT_TIMESTAMP && k[i].ts <= at->timestamp_ms);
        if (take)
            chosen = (ptrdiff_t)i;
    }
    if (at && at->kind == SM_DELTA_AT_VERSION) {
        if (at->version > last || at->version < 0) {
            rc = sm_error_set(e, SM_ERR_NOT_FOUND,
                              "%s: version %" PRId64
                              " does not exist: the log has versions %" PRId64 " to %" PRId64,
                              where, at->version, first, last);
            goto out;
        }
        if (at->version < first) {
            rc = sm_error_set(e, SM_ERR_NOT_FOUND,
                              "%s: version %" PRId64 " is older than the oldest version the log "
                              "still holds (%" PRId64 "): it was cleaned up",
                              where, at->version, first);
            goto out;
        }
        /* a version in a gap is reported as a missing commit by pick_base */
        *version = at->version;
        *ts = chosen >= 0 && k[chosen].version == at->version ? k[chosen].ts : 0;
        goto out;
    }
    if (chosen < 0) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND,
                          "%s: no version was committed at or before that timestamp "
                          "(the oldest the log holds is version %" PRId64 ")",
                          where, first);
        goto out;
    }
    *version = k[chosen].version;
    *ts = k[chosen].ts;
out:
    sm_free(k);
    return rc;
}

/* Where replay of `target` starts: the newest complete classic checkpoint
 * at or below target, below `below`, followed by every commit up to target
 * (*base = its version), else every commit from 0 (*base = -1). */
static sm_err_t pick_base(const sm_delta_log_t *log, int64_t target, int64_t below,
                          const char *where, int64_t *base, int *parts, sm_error_t *e)
{
    int64_t newest_any = -1;
    bool v2_usable = false;
    for (size_t i = log->ncheckpoints; i-- > 0;) {
        const sm_delta_checkpoint_file_t *c = &log->checkpoints[i];
        if (!c->complete || c->version > target)
            continue;
        bool covers = first_missing(log, c->version + 1, target) < 0;
        if (c->v2) {
            v2_usable |= covers;
            continue;
        }
        if (newest_any < 0)
            newest_any = c->version;
        if (c->version >= below || !covers)
            continue;
        *base = c->version;
        *parts = c->parts;
        return SM_OK;
    }
    if (log->listed_from == 0 && first_missing(log, 0, target) < 0) {
        *base = -1;
        *parts = 0;
        return SM_OK;
    }
    if (below != INT64_MAX) /* the checkpoints that would do failed to read */
        return SM_ERR_CORRUPT;
    if (v2_usable)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "%s: version %" PRId64 " can only be read from a v2 checkpoint: v2 "
                            "checkpoints (v2Checkpoint feature) are not supported",
                            where, target);
    /* the first commit missing after the newest checkpoint at or below
     * target: cleaned up when a checkpoint at or after it (or the start of
     * the log) shows the log was truncated there, else a hole in the log */
    int64_t from = newest_any >= 0 ? newest_any + 1 : 0;
    int64_t miss = first_missing(log, from, target);
    if (miss < 0)
        miss = from;
    int64_t after = -1; /* oldest complete classic checkpoint >= miss */
    for (size_t i = 0; i < log->ncheckpoints && after < 0; i++)
        if (log->checkpoints[i].complete && !log->checkpoints[i].v2 &&
            log->checkpoints[i].version >= miss)
            after = log->checkpoints[i].version;
    bool truncated = after >= 0 || (log->ncommits && log->commits[0].version > miss);
    if (!truncated)
        return sm_error_set(e, SM_ERR_CORRUPT, "%s: commit %" PRId64 " is missing from the log",
                            where, miss);
    if (after >= 0)
        return sm_error_set(e, SM_ERR_NOT_FOUND,
                            "%s: version %" PRId64 " cannot be read: commit %" PRId64
                            " was cleaned up (the oldest readable version after it is %" PRId64 ")",
                            where, target, miss, after);
    return sm_error_set(e, SM_ERR_NOT_FOUND,
                        "%s: version %" PRId64 " cannot be read: commits before version %" PRId64
                        " were cleaned up and no checkpoint covers them",
                        where, target, log->commits[0].version);
}

/* ---- replaying ----------------------------------------------------------- */

static sm_err_t apply_cb(void *arg, const sm_delta_action_t *a)
{
    return apply(arg, a);
}

static sm_err_t replay_checkpoint(replay_t *r, sm_store_t *st, const char *table, int64_t version,
                                  int parts)
{
    for (int p = 1; p <= parts; p++) {
        char name[64], key[SM_STORE_KEY_MAX + 1];
        sm_delta_checkpoint_name(version, p, parts, name);
        sm_err_t rc = sm_delta_log_key(table, name, key, sizeof key, r->e);
        r->in_checkpoint = true;
        if (!rc)
            rc = sm_delta_checkpoint_read(st, key, &r->snap->arena, apply_cb, r, r->e);
        r->in_checkpoint = false;
        if (rc)
            return rc;
    }
    return SM_OK;
}

static void replay_free(replay_t *r)
{
    sm_ht_free(r->files);
    sm_ht_free(r->tombs);
    sm_buf_free(&r->adds);
    sm_buf_free(&r->removes);
    sm_buf_free(&r->txns);
}

/* Builds the snapshot of `target` from checkpoint `base` (-1: none) and the
 * commits after it.  *ckpt_failed tells that the checkpoint could not be
 * read (the caller may try an older one). */
static sm_err_t build(sm_store_t *st, const char *table, int64_t target, int64_t ts, int64_t base,
                      int parts, const char *where, sm_delta_snapshot_t **out, bool *ckpt_failed,
                      sm_error_t *e)
{
    *out = NULL;
    *ckpt_failed = false;
    sm_delta_snapshot_t *snap = sm_calloc(1, sizeof *snap);
    replay_t r = {.snap = snap, .e = e};
    sm_err_t rc;
    if (!snap)
        return sm_error_nomem(e, "snapshot");
    sm_arena_init(&snap->arena, 64 * 1024);
    snap->version = target;
    snap->timestamp_ms = ts;
    if (!(snap->table = sm_arena_strdup(&snap->arena, table))) {
        rc = sm_error_nomem(e, "snapshot");
        goto out;
    }
    if ((rc = sm_ht_new(&r.files, NULL, e)) || (rc = sm_ht_new(&r.tombs, NULL, e)))
        goto out;
    if (base >= 0 && (rc = replay_checkpoint(&r, st, table, base, parts))) {
        *ckpt_failed = rc != SM_ERR_NOMEM && rc != SM_ERR_UNSUPPORTED;
        goto out;
    }
    for (int64_t v = base + 1; v <= target; v++)
        if ((rc = replay_commit(&r, st, table, v)))
            goto out;
    rc = finish(&r, where);
out:
    replay_free(&r);
    if (rc) {
        sm_delta_snapshot_free(snap);
        return rc;
    }
    *out = snap;
    return SM_OK;
}

static sm_err_t load_listed(sm_store_t *st, const char *table, const sm_delta_log_t *log,
                            const sm_delta_at_t *at, const char *where, sm_delta_snapshot_t **out,
                            sm_error_t *e)
{
    int64_t target = -1, ts = 0, base = -1, below = INT64_MAX;
    int parts = 0;
    sm_err_t rc = pick_version(log, at, where, &target, &ts, e);
    if (rc)
        return rc;
    sm_error_t first_err = {0};
    for (;;) {
        bool failed;
        sm_err_t prc = pick_base(log, target, below, where, &base, &parts, e);
        if (prc == SM_ERR_CORRUPT && below != INT64_MAX) {
            /* no other way to the version: report the checkpoint's failure */
            if (e)
                *e = first_err;
            return first_err.code ? first_err.code : SM_ERR_CORRUPT;
        }
        if (prc)
            return prc;
        rc = build(st, table, target, ts, base, parts, where, out, &failed, e);
        if (!rc || !failed)
            return rc;
        if (below == INT64_MAX && e)
            first_err = *e;
        if (below == INT64_MAX && !e)
            first_err.code = rc;
        below = base; /* try an older checkpoint, or the JSON commits */
    }
}

sm_err_t sm_delta_snapshot_load(sm_store_t *st, const char *table, const sm_delta_at_t *at,
                                sm_delta_snapshot_t **out, sm_error_t *e)
{
    *out = NULL;
    char where[SM_STORE_KEY_MAX + 256];
    snprintf(where, sizeof where, "Delta table %s%s%s", sm_store_location(st), table[0] ? "/" : "",
             table);
    /* the latest version: start listing at the checkpoint _last_checkpoint
     * names; when that does not work out, list the whole log */
    bool latest = !at || at->kind == SM_DELTA_AT_LATEST;
    int64_t from = latest ? sm_delta_log_last_checkpoint(st, table, NULL) : -1;
    if (from < 0)
        from = 0;
    for (;;) {
        sm_delta_log_t log;
        sm_err_t rc = sm_delta_log_list_from(st, table, from, &log, e);
        if (!rc) {
            rc = load_listed(st, table, &log, at, where, out, e);
            sm_delta_log_free(&log);
        }
        if (rc && from > 0 && rc != SM_ERR_NOMEM) {
            from = 0;
            continue;
        }
        return rc;
    }
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
