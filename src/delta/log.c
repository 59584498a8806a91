#include "delta/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int64_t parse_version(const char *s)
{
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool sm_delta_log_is_commit(const char *name, int64_t *version)
{
    if (strlen(name) != 25 || !digits(name, 20) || strcmp(name + 20, ".json") != 0)
        return false;
    int64_t v = parse_version(name);
    if (v < 0)
        return false;
    *version = v;
    return true;
}

/* "<v>.checkpoint.parquet", "<v>.checkpoint.<o>.<p>.parquet",
 * "<v>.checkpoint.<uuid>.(json|parquet)". */
bool sm_delta_log_is_checkpoint(const char *name, int64_t *version, int *part, int *parts, bool *v2)
{
    size_t n = strlen(name);
    if (n < 20 + 12 || !digits(name, 20) || strncmp(name + 20, ".checkpoint.", 12) != 0)
        return false;
    int64_t v = parse_version(name);
    if (v < 0)
        return false;
    const char *rest = name + 32;
    *version = v;
    *part = *parts = 1;
    *v2 = false;
    if (strcmp(rest, "parquet") == 0)
        return true;
    if (strlen(rest) == 10 + 1 + 10 + 8 && digits(rest, 10) && rest[10] == '.' &&
        digits(rest + 11, 10) && strcmp(rest + 21, ".parquet") == 0) {
        *part = atoi(rest);
        *parts = atoi(rest + 11);
        return *part >= 1 && *parts >= 1 && *part <= *parts;
    }
    const char *dot = strrchr(rest, '.');
    if (dot && (strcmp(dot, ".json") == 0 || strcmp(dot, ".parquet") == 0)) {
        *v2 = true;
        return true;
    }
    return false;
}

sm_err_t sm_delta_log_key(const char *table, const char *name, char *out, size_t cap, sm_error_t *e)
{
    int n = snprintf(out, cap, "%s%s_delta_log/%s", table, table[0] ? "/" : "", name);
    if (n < 0 || (size_t)n >= cap)
        return sm_error_set(e, SM_ERR_LIMIT, "Delta log key too long for table \"%s\"", table);
    return SM_OK;
}

static int cmp_commit(const void *a, const void *b)
{
    int64_t x = ((const sm_delta_commit_file_t *)a)->version;
    int64_t y = ((const sm_delta_commit_file_t *)b)->version;
    return (x > y) - (x < y);
}

static int cmp_ckpt(const void *a, const void *b)
{
    const sm_delta_checkpoint_file_t *x = a, *y = b;
    if (x->version != y->version)
        return (x->version > y->version) - (x->version < y->version);
    return (x->parts > y->parts) - (x->parts < y->parts);
}

/* Multi-part sets: count parts per (version, parts); a set is complete when
 * every part is present. */
typedef struct part_seen {
    int64_t version;
    int parts;
    int seen;
    bool v2;
    int64_t mtime_ms;
} part_seen_t;

static sm_err_t note_checkpoint(sm_buf_t *sets, int64_t v, int parts, bool v2, int64_t mtime,
                                sm_error_t *e)
{
    part_seen_t *p = (part_seen_t *)sets->data;
    size_t n = sets->len / sizeof *p;
    for (size_t i = 0; i < n; i++) {
        if (p[i].version == v && p[i].parts == parts && p[i].v2 == v2) {
            p[i].seen++;
            if (mtime > p[i].mtime_ms)
                p[i].mtime_ms = mtime;
            return SM_OK;
        }
    }
    part_seen_t s = {.version = v, .parts = parts, .seen = 1, .v2 = v2, .mtime_ms = mtime};
    return sm_buf_append(sets, &s, sizeof s, e);
}

int64_t sm_delta_log_last_checkpoint(sm_store_t *st, const char *table, int *parts)
{
    char key[SM_STORE_KEY_MAX + 1];
    if (parts)
        *parts = 0;
    if (sm_delta_log_key(table, "_last_checkpoint", key, sizeof key, NULL))
        return -1;
    sm_buf_t b = SM_BUF_INIT;
    int64_t v = -1;
    if (sm_store_get(st, key, SM_DELTA_MAX_LAST_CHECKPOINT_BYTES, &b, NULL) == SM_OK && b.len) {
        json_t *j = json_loadb((const char *)b.data, b.len, 0, NULL);
        json_t *ver = json_object_get(j, "version");
        json_t *np = json_object_get(j, "parts");
        json_t *size = json_object_get(j, "size");
        bool ok = json_is_object(j) && json_is_integer(ver) && json_integer_value(ver) >= 0;
        if (np && !json_is_null(np))
            ok = ok && json_is_integer(np) && json_integer_value(np) >= 1 &&
                 json_integer_value(np) <= 9999999999LL;
        if (size && !json_is_null(size))
            ok = ok && json_is_integer(size) && json_integer_value(size) >= 0;
        if (ok) {
            v = (int64_t)json_integer_value(ver);
            if (parts && json_is_integer(np))
                *parts = json_integer_value(np) > 1000000 ? 1000000 : (int)json_integer_value(np);
        }
        json_decref(j);
    }
    sm_buf_free(&b);
    return v; /* an unreadable pointer is only a hint lost: list instead */
}

void sm_delta_checkpoint_name(int64_t version, int part, int parts, char out[64])
{
    if (parts <= 1)
        snprintf(out, 64, "%020" PRId64 ".checkpoint.parquet", version);
    else
        snprintf(out, 64, "%020" PRId64 ".checkpoint.%010d.%010d.parquet", version, part, parts);
}

/* What sm_delta_log_list_from gathers from the listing of _delta_log/. */
typedef struct list_pass {
    size_t plen;
    int64_t from;
    sm_buf_t commits; /* sm_delta_commit_file_t */
    sm_buf_t sets;    /* part_seen_t */
} list_pass_t;

static sm_err_t list_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    list_pass_t *lp = arg;
    const char *name = ent->key + lp->plen;
    if (strchr(name, '/'))
        return SM_OK; /* _sidecars/, _staged_commits/, ... */
    int64_t v;
    int part, parts;
    bool v2;
    if (sm_delta_log_is_commit(name, &v)) {
        if (v < lp->from)
            return SM_OK;
        sm_delta_commit_file_t c = {v, ent->mtime_ms, ent->size};
        return sm_buf_append(&lp->commits, &c, sizeof c, e);
    }
    if (sm_delta_log_is_checkpoint(name, &v, &part, &parts, &v2) && v >= lp->from)
        return note_checkpoint(&lp->sets, v, parts, v2, ent->mtime_ms, e);
    return SM_OK;
}

sm_err_t sm_delta_log_list(sm_store_t *st, const char *table, sm_delta_log_t *log, sm_error_t *e)
{
    return sm_delta_log_list_from(st, table, 0, log, e);
}

sm_err_t sm_delta_log_list_from(sm_store_t *st, const char *table, int64_t from,
                                sm_delta_log_t *log, sm_error_t *e)
{
    memset(log, 0, sizeof *log);
    log->last_checkpoint = -1;
    if (from < 0)
        from = 0;
    log->listed_from = from;
    char prefix[SM_STORE_KEY_MAX + 1];
    sm_err_t rc = sm_delta_log_key(table, "", prefix, sizeof prefix, e);
    if (rc)
        return rc;
    list_pass_t lp = {
        .plen = strlen(prefix), .from = from, .commits = SM_BUF_INIT, .sets = SM_BUF_INIT};
    sm_buf_t ckpts = SM_BUF_INIT;
    char after[SM_STORE_KEY_MAX + 1];
    /* every name of a version >= from sorts after the 20 digits of from - 1
     * followed by '~' (above '.', which ends the names of version from - 1) */
    after[0] = '\0';
    if (from > 0) {
        int n = snprintf(after, sizeof after, "%s%020" PRId64 "~", prefix, from - 1);
        if (n < 0 || (size_t)n >= sizeof after) {
            rc = sm_error_set(e, SM_ERR_LIMIT, "Delta log key too long for table \"%s\"", table);
            goto out;
        }
    }
    sm_store_list_opts_t opts = {.prefix = prefix, .start_after = after[0] ? after : NULL};
    if ((rc = sm_store_each(st, &opts, list_entry, &lp, e)))
        goto out;
    part_seen_t *p = (part_seen_t *)lp.sets.data;
    for (size_t i = 0; i < lp.sets.len / sizeof *p; i++) {
        sm_delta_checkpoint_file_t c = {.version = p[i].version,
                                        .parts = p[i].parts,
                                        .complete = p[i].seen == p[i].parts,
                                        .v2 = p[i].v2,
                                        .mtime_ms = p[i].mtime_ms};
        if ((rc = sm_buf_append(&ckpts, &c, sizeof c, e)))
            goto out;
    }
    if (lp.commits.len == 0 && ckpts.len == 0) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "no Delta table at %s%s%s (no _delta_log)",
                          sm_store_location(st), table[0] ? "/" : "", table);
        goto out;
    }
    log->ncommits = lp.commits.len / sizeof(sm_delta_commit_file_t);
    log->commits = (sm_delta_commit_file_t *)sm_buf_detach(&lp.commits, NULL);
    log->ncheckpoints = ckpts.len / sizeof(sm_delta_checkpoint_file_t);
    log->checkpoints = (sm_delta_checkpoint_file_t *)sm_buf_detach(&ckpts, NULL);
    if (log->ncommits)
        qsort(log->commits, log->ncommits, sizeof *log->commits, cmp_commit);
    if (log->ncheckpoints)
        qsort(log->checkpoints, log->ncheckpoints, sizeof *log->checkpoints, cmp_ckpt);
    log->last_checkpoint = sm_delta_log_last_checkpoint(st, table, NULL);
out:
    sm_buf_free(&lp.commits);
    sm_buf_free(&ckpts);
    sm_buf_free(&lp.sets);
    if (rc)
        sm_delta_log_free(log);
    return rc;
}

void sm_delta_log_free(sm_delta_log_t *log)
{
    sm_free(log->commits);
    sm_free(log->checkpoints);
    memset(log, 0, sizeof *log);
    log->last_checkpoint = -1;
}
