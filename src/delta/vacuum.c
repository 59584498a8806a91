#include "delta/vacuum.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hashtable.h"
#include "core/mem.h"
#include "delta/checkpoint.h"
#include "delta/commit.h"
#include "delta/log.h"
#include "delta/snapshot.h"

bool sm_delta_parse_interval(const char *s, int64_t *ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"week", 7 * 86400000LL}, {"day", 86400000LL}, {"hour", 3600000LL},
                 {"minute", 60000LL},      {"second", 1000LL},  {"millisecond", 1LL}};
    while (isspace((unsigned char)*s))
        s++;
    if (strncasecmp(s, "interval", 8) == 0)
        s += 8;
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0 || n > 1000000000LL)
        return false;
    s = end;
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len && (s[len - 1] == 's' || s[len - 1] == 'S'))
        len--; /* plural */
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (len == strlen(units[i].unit) && strncasecmp(s, units[i].unit, len) == 0) {
            *ms = n * units[i].ms;
            return true;
        }
    }
    return false;
}

/* The retention of a table setting in hours, else `dflt`. */
static double setting_hours(const sm_delta_snapshot_t *snap, const char *key, double dflt)
{
    const char *v = sm_delta_snapshot_config(snap, key);
    int64_t ms;
    return v && sm_delta_parse_interval(v, &ms) ? (double)ms / 3600000.0 : dflt;
}

/* A result list (char **) growing by one string. */
static sm_err_t push(char ***arr, size_t *n, const char *s, sm_error_t *e)
{
    char **a = sm_realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return sm_error_nomem(e, "vacuum list");
    *arr = a;
    if (!(a[*n] = sm_strdup(s)))
        return sm_error_nomem(e, "vacuum list");
    (*n)++;
    return SM_OK;
}

void sm_delta_vacuum_result_free(sm_delta_vacuum_result_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nfiles; i++)
        sm_free(res->files[i]);
    for (size_t i = 0; i < res->nlog_files; i++)
        sm_free(res->log_files[i]);
    sm_free(res->files);
    sm_free(res->log_files);
    memset(res, 0, sizeof *res);
}

/* True when some segment of rel is hidden ('_' or '.' first, without '='). */
static bool hidden(const char *rel)
{
    const char *seg = rel;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (n && (seg[0] == '_' || seg[0] == '.') && !memchr(seg, '=', n))
            return true;
        if (!slash)
            return false;
        seg = slash + 1;
    }
}

static bool absolute(const char *path)
{
    const char *colon = strchr(path, ':');
    return path[0] == '/' ||
           (colon && colon[1] == '/' && !memchr(path, '/', (size_t)(colon - path)));
}

static sm_err_t add_valid(sm_ht_t *ht, const char *path, sm_error_t *e)
{
    if (absolute(path))
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "the log names the data file \"%s\" by an absolute URI; vacuum cannot "
                            "tell which files under the table belong to the table",
                            path);
    uint64_t *v;
    bool is_new;
    return sm_ht_insert(ht, path, strlen(path), &v, &is_new, e);
}

/* Calls fn(key, entry) for every object under prefix. */
typedef sm_err_t (*each_fn)(void *arg, const sm_store_entry_t *ent, sm_error_t *e);

static sm_err_t list_all(sm_store_t *st, const char *prefix, each_fn fn, void *arg, sm_error_t *e)
{
    sm_store_list_t page = {0};
    char *token = NULL;
    sm_err_t rc = SM_OK;
    for (;;) {
        sm_store_list_opts_t o = {.prefix = prefix[0] ? prefix : NULL, .token = token};
        rc = sm_store_list(st, &o, &page, e);
        sm_free(token);
        token = NULL;
        if (rc)
            break;
        for (size_t i = 0; i < page.count && !rc; i++)
            rc = fn(arg, &page.entries[i], e);
        if (rc || !page.truncated || !page.next_token)
            break;
        if (!(token = sm_strdup(page.next_token))) {
            rc = sm_error_nomem(e, "vacuum listing");
            break;
        }
    }
    sm_store_list_free(&page);
    sm_free(token);
    return rc;
}

typedef struct data_pass {
    size_t plen;
    sm_ht_t *valid;
    int64_t horizon;
    sm_delta_vacuum_result_t *res;
} data_pass_t;

static sm_err_t data_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    data_pass_t *p = arg;
    const char *rel = ent->key + p->plen;
    if (!rel[0] || strncmp(rel, "_delta_log/", 11) == 0 || hidden(rel))
        return SM_OK;
    if (sm_ht_find(p->valid, rel, strlen(rel)) || ent->mtime_ms >= p->horizon)
        return SM_OK;
    p->res->bytes += ent->size;
    return push(&p->res->files, &p->res->nfiles, rel, e);
}

/* ---- log clean-up ------------------------------------------------------- */

typedef struct log_pass {
    size_t plen;   /* up to and including "_delta_log/" */
    int64_t below; /* delete versions < below */
    sm_delta_vacuum_result_t *res;
    const char *table_prefix; /* "<table>/" or "" */
} log_pass_t;

static bool digits20(const char *s)
{
    for (int i = 0; i < 20; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static sm_err_t log_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    log_pass_t *p = arg;
    const char *name = ent->key + p->plen;
    if (strchr(name, '/') || strlen(name) < 21)
        return SM_OK; /* _sidecars/, _staged_commits/, _last_checkpoint... */
    const char *vname = name[0] == '.' ? name + 1 : name; /* ".<v>.json.crc" */
    if (!digits20(vname) || vname[20] != '.')
        return SM_OK;
    int64_t v = strtoll(vname, NULL, 10);
    const char *rest = vname + 21;
    /* <x>.<y>.compacted.json covers x..y: deletable only when y < below */
    if (digits20(rest) && strcmp(rest + 20, ".compacted.json") == 0)
        v = strtoll(rest, NULL, 10);
    else if (strcmp(rest, "json") != 0 && strcmp(rest, "crc") != 0 &&
             strcmp(rest, "json.crc") != 0 && strncmp(rest, "checkpoint.", 11) != 0)
        return SM_OK;
    if (v >= p->below)
        return SM_OK;
    return push(&p->res->log_files, &p->res->nlog_files, ent->key + strlen(p->table_prefix), e);
}

static sm_err_t noop_action(void *arg, const sm_delta_action_t *a)
{
    (void)arg;
    (void)a;
    return SM_OK;
}

/* The checkpoint the log may start at: newest complete classic checkpoint
 * committed before the horizon that reads back; -1 when none. */
static sm_err_t log_start(sm_store_t *st, const char *table, int64_t horizon, int64_t *out,
                          sm_error_t *e)
{
    *out = -1;
    sm_delta_log_t log;
    sm_err_t rc = sm_delta_log_list(st, table, &log, e);
    if (rc)
        return rc;
    for (size_t i = log.ncheckpoints; i-- > 0 && *out < 0;) {
        const sm_delta_checkpoint_file_t *c = &log.checkpoints[i];
        if (!c->complete || c->v2)
            continue;
        /* its commit time: the commit file's, else the checkpoint's */
        int64_t t = c->mtime_ms;
        for (size_t k = 0; k < log.ncommits; k++)
            if (log.commits[k].version == c->version)
                t = log.commits[k].mtime_ms;
        if (t >= horizon)
            continue;
        bool ok = true;
        sm_arena_t arena;
        sm_arena_init(&arena, 0);
        for (int p = 1; p <= c->parts && ok; p++) {
            char name[64], key[SM_STORE_KEY_MAX + 1];
            sm_delta_checkpoint_name(c->version, p, c->parts, name);
            ok = sm_delta_log_key(table, name, key, sizeof key, NULL) == SM_OK &&
                 sm_delta_checkpoint_read(st, key, &arena, noop_action, NULL, NULL) == SM_OK;
        }
        sm_arena_free(&arena);
        if (ok)
            *out = c->version;
    }
    sm_delta_log_free(&log);
    return SM_OK;
}

/* ---- vacuum --------------------------------------------------------------- */

static sm_err_t delete_all(sm_store_t *st, const char *table, char **rel, size_t n, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        char key[SM_STORE_KEY_MAX + 1];
        int k = snprintf(key, sizeof key, "%s%s%s", table, table[0] ? "/" : "", rel[i]);
        if (k < 0 || (size_t)k >= sizeof key)
            return sm_error_set(e, SM_ERR_LIMIT, "vacuum: key too long: %s", rel[i]);
        sm_err_t rc = sm_store_delete(st, key, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

sm_err_t sm_delta_vacuum(sm_store_t *st, const char *table, const sm_delta_vacuum_opts_t *opts,
                         sm_delta_vacuum_result_t *res, sm_error_t *e)
{
    static const sm_delta_vacuum_opts_t defaults = {.retain_hours = -1, .log_retain_hours = -1};
    if (!opts)
        opts = &defaults;
    memset(res, 0, sizeof *res);
    res->log_checkpoint = -1;
    sm_delta_snapshot_t *snap = NULL;
    sm_ht_t *valid = NULL;
    sm_err_t rc = sm_delta_snapshot_load(st, table, NULL, &snap, e);
    if (rc)
        return rc;
    res->version = snap->version;
    int64_t now = opts->now_ms ? opts->now_ms : sm_delta_now_ms();
    double threshold =
        setting_hours(snap, "delta.deletedFileRetentionDuration", SM_DELTA_DEFAULT_RETAIN_HOURS);
    double retain = opts->retain_hours >= 0 ? opts->retain_hours : threshold;
    res->retain_hours = retain;
    if (!isfinite(retain) || retain > 1e9) {
        rc = sm_error_set(e, SM_ERR_INVALID, "retention of %g hours is out of range", retain);
        goto out;
    }
    if (retain < threshold && !opts->force) {
        rc = sm_error_set(e, SM_ERR_INVALID,
                          "a retention of %g hours is below the table's %g hours "
                          "(delta.deletedFileRetentionDuration): readers of older versions and "
                          "writers still running may need those files (force to go ahead anyway)",
                          retain, threshold);
        goto out;
    }
    int64_t horizon = now - (int64_t)(retain * 3600000.0);
    /* files the log still needs */
    if ((rc = sm_ht_new(&valid, NULL, e)))
        goto out;
    for (size_t i = 0; i < snap->nfiles && !rc; i++)
        rc = add_valid(valid, snap->files[i].path, e);
    for (size_t i = 0; i < snap->ntombstones && !rc; i++)
        if (snap->tombstones[i].deletion_timestamp >= horizon || absolute(snap->tombstones[i].path))
            rc = add_valid(valid, snap->tombstones[i].path, e);
    if (rc)
        goto out;
    char prefix[SM_STORE_KEY_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s%s", table, table[0] ? "/" : "");
    data_pass_t dp = {.plen = strlen(prefix), .valid = valid, .horizon = horizon, .res = res};
    if ((rc = list_all(st, prefix, data_entry, &dp, e)))
        goto out;
    if (opts->clean_log) {
        double lr = opts->log_retain_hours >= 0 ? opts->log_retain_hours
                                                : setting_hours(snap, "delta.logRetentionDuration",
                                                                SM_DELTA_DEFAULT_LOG_RETAIN_HOURS);
        int64_t lh = now - (int64_t)(lr * 3600000.0);
        if ((rc = log_start(st, table, lh, &res->log_checkpoint, e)))
            goto out;
        if (res->log_checkpoint > 0) {
            char lp[SM_STORE_KEY_MAX + 1];
            if ((rc = sm_delta_log_key(table, "", lp, sizeof lp, e)))
                goto out;
            log_pass_t lpass = {.plen = strlen(lp),
                                .below = res->log_checkpoint,
                                .res = res,
                                .table_prefix = prefix};
            if ((rc = list_all(st, lp, log_entry, &lpass, e)))
                goto out;
        }
    }
    if (!opts->dry_run) {
        if ((rc = delete_all(st, table, res->files, res->nfiles, e)))
            goto out;
        /* oldest first, so that a failure midway leaves a readable prefix */
        rc = delete_all(st, table, res->log_files, res->nlog_files, e);
    }
out:
    if (rc)
        sm_error_wrap(e, "vacuum %s%s%s", sm_store_location(st), table[0] ? "/" : "", table);
    sm_ht_free(valid);
    sm_delta_snapshot_free(snap);
    return rc;
}
