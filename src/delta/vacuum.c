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
#include "delta/cleanup.h"
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
    if ((rc = sm_store_each(st, &(sm_store_list_opts_t){.prefix = prefix}, data_entry, &dp, e)))
        goto out;
    if (opts->clean_log) {
        int64_t lr_ms = opts->log_retain_hours >= 0 ? (int64_t)(opts->log_retain_hours * 3600000.0)
                                                    : sm_delta_log_retention_ms(snap);
        sm_delta_log_cleanup_t lc;
        rc = sm_delta_log_cleanup(st, table, now - lr_ms, true, &lc, e);
        res->log_checkpoint = lc.start;
        res->log_files = lc.files; /* moved */
        res->nlog_files = lc.nfiles;
        if (rc)
            goto out;
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
