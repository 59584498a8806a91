#include "delta/cleanup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "delta/checkpoint.h"
#include "delta/commit.h"
#include "delta/log.h"
#include "delta/vacuum.h"

void sm_delta_log_cleanup_free(sm_delta_log_cleanup_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nfiles; i++)
        sm_free(res->files[i]);
    sm_free(res->files);
    memset(res, 0, sizeof *res);
    res->start = -1;
}

int64_t sm_delta_checkpoint_interval(const sm_delta_snapshot_t *snap)
{
    const char *v = snap ? sm_delta_snapshot_config(snap, "delta.checkpointInterval") : NULL;
    if (!v)
        return SM_DELTA_CHECKPOINT_INTERVAL;
    char *end;
    long long n = strtoll(v, &end, 10);
    return end != v && !*end && n > 0 ? (int64_t)n : SM_DELTA_CHECKPOINT_INTERVAL;
}

int64_t sm_delta_log_retention_ms(const sm_delta_snapshot_t *snap)
{
    const char *v = snap ? sm_delta_snapshot_config(snap, "delta.logRetentionDuration") : NULL;
    int64_t ms;
    return v && sm_delta_parse_interval(v, &ms)
               ? ms
               : (int64_t)(SM_DELTA_DEFAULT_LOG_RETAIN_HOURS * 3600000.0);
}

/* ---- which files go ------------------------------------------------------ */

/* One pass over the log in key order (= version order: names start with
 * 20 digits; ".<v>.crc" files sort before them all), stopping at the first
 * commit committed at or after the horizon: what follows it cannot be
 * expired (a checkpoint of version v sorts before v's commit).  So the
 * pass reads only the expired part of the log plus one entry, not the
 * whole log, once the clean-up has caught up. */
typedef struct seen_file {
    char *rel;       /* relative to the table */
    int64_t version; /* the newest version it holds */
} seen_file_t;

typedef struct seen_ckpt {
    int64_t version;
    int parts, seen;
    bool v2;
    int64_t mtime_ms;
} seen_ckpt_t;

typedef struct log_pass {
    size_t plen; /* the key prefix up to and including "_delta_log/" */
    size_t tlen; /* the table's prefix ("<table>/" or "") */
    int64_t horizon;
    bool stopped;
    sm_buf_t files;   /* seen_file_t: every deletable log file seen */
    sm_buf_t ckpts;   /* seen_ckpt_t: classic checkpoints, by version */
    sm_buf_t commits; /* int64_t pairs: version, commit time */
} log_pass_t;

static bool digits20(const char *s)
{
    for (int i = 0; i < 20; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static sm_err_t note_ckpt(log_pass_t *p, const char *name, int64_t mtime, sm_error_t *e)
{
    int64_t v;
    int part, parts;
    bool v2;
    if (!sm_delta_log_is_checkpoint(name, &v, &part, &parts, &v2))
        return SM_OK;
    seen_ckpt_t *c = (seen_ckpt_t *)p->ckpts.data;
    size_t n = p->ckpts.len / sizeof *c;
    for (size_t i = n; i-- > 0 && c[i].version == v;) {
        if (c[i].parts == parts && c[i].v2 == v2) {
            c[i].seen++;
            c[i].mtime_ms = mtime > c[i].mtime_ms ? mtime : c[i].mtime_ms;
            return SM_OK;
        }
    }
    seen_ckpt_t nc = {.version = v, .parts = parts, .seen = 1, .v2 = v2, .mtime_ms = mtime};
    return sm_buf_append(&p->ckpts, &nc, sizeof nc, e);
}

/* Log files: "<v>.json", "<v>.crc", ".<v>.json.crc", "<v>.checkpoint.*",
 * "<x>.<y>.compacted.json" (holding versions up to y).  Folders
 * (_sidecars/, _staged_commits/) and other names are left alone. */
static sm_err_t log_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    log_pass_t *p = arg;
    const char *name = ent->key + p->plen;
    if (strchr(name, '/') || strlen(name) < 21)
        return SM_OK;
    const char *vname = name[0] == '.' ? name + 1 : name;
    if (!digits20(vname) || vname[20] != '.')
        return SM_OK;
    int64_t v = strtoll(vname, NULL, 10);
    const char *rest = vname + 21;
    sm_err_t rc = SM_OK;
    if (digits20(rest) && strcmp(rest + 20, ".compacted.json") == 0)
        v = strtoll(rest, NULL, 10);
    else if (strcmp(rest, "json") == 0 && vname == name) {
        if (ent->mtime_ms >= p->horizon) {
            p->stopped = true;
            return SM_ERR_CANCELLED; /* stops the listing */
        }
        int64_t c[2] = {v, ent->mtime_ms};
        rc = sm_buf_append(&p->commits, c, sizeof c, e);
    } else if (strncmp(rest, "checkpoint.", 11) == 0 && vname == name)
        rc = note_ckpt(p, name, ent->mtime_ms, e);
    else if (strcmp(rest, "crc") != 0 && strcmp(rest, "json.crc") != 0)
        return SM_OK;
    if (rc)
        return rc;
    seen_file_t f = {.rel = sm_strdup(ent->key + p->tlen), .version = v};
    if (!f.rel || (rc = sm_buf_append(&p->files, &f, sizeof f, e))) {
        sm_free(f.rel);
        return rc ? rc : sm_error_nomem(e, "log clean-up list");
    }
    return SM_OK;
}

static sm_err_t noop_action(void *arg, const sm_delta_action_t *a)
{
    (void)arg;
    (void)a;
    return SM_OK;
}

/* The checkpoint the log may start at: the newest complete classic
 * checkpoint seen (so committed before the horizon) that reads back; -1
 * when none. */
static int64_t log_start(sm_store_t *st, const char *table, const log_pass_t *p)
{
    const seen_ckpt_t *c = (const seen_ckpt_t *)p->ckpts.data;
    const int64_t *cm = (const int64_t *)p->commits.data;
    size_t k = p->commits.len / (2 * sizeof *cm);
    for (size_t i = p->ckpts.len / sizeof *c; i-- > 0;) {
        if (c[i].v2 || c[i].seen != c[i].parts)
            continue;
        /* its commit time: the commit file's, else the checkpoint's */
        int64_t t = c[i].mtime_ms;
        while (k > 0 && cm[2 * (k - 1)] > c[i].version)
            k--;
        if (k > 0 && cm[2 * (k - 1)] == c[i].version)
            t = cm[2 * (k - 1) + 1];
        if (t >= p->horizon)
            continue;
        bool ok = true;
        sm_arena_t arena;
        sm_arena_init(&arena, 0);
        for (int part = 1; part <= c[i].parts && ok; part++) {
            char name[64], key[SM_STORE_KEY_MAX + 1];
            sm_delta_checkpoint_name(c[i].version, part, c[i].parts, name);
            ok = sm_delta_log_key(table, name, key, sizeof key, NULL) == SM_OK &&
                 sm_delta_checkpoint_read(st, key, &arena, noop_action, NULL, NULL) == SM_OK;
        }
        sm_arena_free(&arena);
        if (ok)
            return c[i].version;
    }
    return -1;
}

sm_err_t sm_delta_log_cleanup(sm_store_t *st, const char *table, int64_t horizon_ms, bool dry_run,
                              sm_delta_log_cleanup_t *res, sm_error_t *e)
{
    memset(res, 0, sizeof *res);
    res->start = -1;
    log_pass_t p = {.tlen = table[0] ? strlen(table) + 1 : 0,
                    .horizon = horizon_ms,
                    .files = SM_BUF_INIT,
                    .ckpts = SM_BUF_INIT,
                    .commits = SM_BUF_INIT};
    char lp[SM_STORE_KEY_MAX + 1];
    sm_err_t rc = sm_delta_log_key(table, "", lp, sizeof lp, e);
    if (rc)
        goto out;
    p.plen = strlen(lp);
    rc = sm_store_each(st, &(sm_store_list_opts_t){.prefix = lp}, log_entry, &p, e);
    if (rc == SM_ERR_CANCELLED && p.stopped)
        rc = SM_OK;
    if (rc)
        goto out;
    res->start = log_start(st, table, &p);
    /* the files below the start, in key order: oldest first, so that a
     * failure midway leaves a log that still starts somewhere readable */
    seen_file_t *f = (seen_file_t *)p.files.data;
    size_t nf = p.files.len / sizeof *f;
    if (res->start > 0 && nf && !(res->files = sm_calloc(nf, sizeof *res->files))) {
        rc = sm_error_nomem(e, "log clean-up list");
        goto out;
    }
    for (size_t i = 0; i < nf && res->start > 0; i++) {
        if (f[i].version >= res->start)
            continue;
        res->files[res->nfiles++] = f[i].rel;
        f[i].rel = NULL;
    }
    for (size_t i = 0; i < res->nfiles && !rc && !dry_run; i++) {
        char key[SM_STORE_KEY_MAX + 1];
        int n = snprintf(key, sizeof key, "%s%s%s", table, table[0] ? "/" : "", res->files[i]);
        if (n < 0 || (size_t)n >= sizeof key)
            rc = sm_error_set(e, SM_ERR_LIMIT, "log clean-up: key too long: %s", res->files[i]);
        else
            rc = sm_store_delete(st, key, e);
        if (rc) { /* keep only what went */
            for (size_t k = i; k < res->nfiles; k++)
                sm_free(res->files[k]);
            res->nfiles = i;
        }
    }
out:
    for (size_t i = 0; i < p.files.len / sizeof(seen_file_t); i++)
        sm_free(((seen_file_t *)p.files.data)[i].rel);
    sm_buf_free(&p.files);
    sm_buf_free(&p.ckpts);
    sm_buf_free(&p.commits);
    if (rc)
        sm_error_wrap(e, "log clean-up of %s%s%s", sm_store_location(st), table[0] ? "/" : "",
                      table);
    return rc;
}

/* ---- after a commit -------------------------------------------------------- */

void sm_delta_after_commit(sm_store_t *st, const char *table, const sm_delta_snapshot_t *read,
                           int64_t version, int64_t now_ms, sm_delta_after_commit_t *res)
{
    memset(res, 0, sizeof *res);
    res->log_start = -1;
    if (version <= 0 || version % sm_delta_checkpoint_interval(read) != 0)
        return;
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = version};
    sm_delta_snapshot_t *snap = NULL;
    sm_error_t e;
    sm_delta_log_cleanup_t lc = {.start = -1};
    if (sm_delta_snapshot_load(st, table, &at, &snap, &e) ||
        sm_delta_checkpoint_write(st, snap, &e))
        goto fail;
    res->checkpointed = true;
    const char *on = sm_delta_snapshot_config(snap, "delta.enableExpiredLogCleanup");
    if (on && strcasecmp(on, "false") == 0)
        goto out;
    int64_t now = now_ms ? now_ms : sm_delta_now_ms();
    sm_err_t rc =
        sm_delta_log_cleanup(st, table, now - sm_delta_log_retention_ms(snap), false, &lc, &e);
    res->log_start = lc.start;
    res->log_deleted = lc.nfiles;
    if (!rc)
        goto out;
fail:
    snprintf(res->error, sizeof res->error, "%.255s", e.msg);
out:
    sm_delta_log_cleanup_free(&lc);
    sm_delta_snapshot_free(snap);
}
