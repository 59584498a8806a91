#include "delta/commit.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/uuid.h"
#include "delta/log.h"

int64_t sm_delta_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_blind_append(const sm_delta_action_t *acts, size_t n, bool read_table)
{
    if (read_table)
        return false;
    for (size_t i = 0; i < n; i++)
        if (acts[i].kind == SM_DELTA_REMOVE || acts[i].kind == SM_DELTA_METADATA ||
            acts[i].kind == SM_DELTA_PROTOCOL)
            return false;
    return true;
}

/* The commitInfo line, then every action. */
static sm_err_t build_commit(const sm_delta_action_t *acts, size_t n,
                             const sm_delta_commit_opts_t *opts, int64_t read_version, int64_t now,
                             sm_buf_t *out, sm_error_t *e)
{
    char txn_id[SM_UUID_STR_LEN + 1];
    sm_err_t rc = sm_uuid4(txn_id, e);
    if (rc)
        return rc;
    json_t *params = NULL;
    if (opts->operation_params) {
        params = json_loads(opts->operation_params, 0, NULL);
        if (!json_is_object(params)) {
            json_decref(params);
            return sm_error_set(e, SM_ERR_INTERNAL,
                                "commit: operation parameters are not a JSON object");
        }
    } else {
        params = json_object();
    }
    json_t *ci = json_pack("{s:I,s:s,s:o,s:b,s:s,s:s}", "timestamp", (json_int_t)now, "operation",
                           opts->operation ? opts->operation : "WRITE", "operationParameters",
                           params, "isBlindAppend", is_blind_append(acts, n, opts->read_table),
                           "engineInfo", "smelt/" SMELT_VERSION, "txnId", txn_id);
    if (ci && read_version >= 0)
        json_object_set_new(ci, "readVersion", json_integer(read_version));
    if (ci && opts->operation_metrics) {
        json_t *m = json_loads(opts->operation_metrics, 0, NULL);
        if (!json_is_object(m)) {
            json_decref(m);
            json_decref(ci);
            return sm_error_set(e, SM_ERR_INTERNAL,
                                "commit: operation metrics are not a JSON object");
        }
        json_object_set_new(ci, "operationMetrics", m);
    }
    json_t *line = ci ? json_pack("{s:o}", "commitInfo", ci) : NULL;
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(line);
    if (!text)
        return sm_error_nomem(e, "commitInfo");
    rc = sm_buf_append_str(out, text, e);
    free(text); /* jansson's */
    if (!rc)
        rc = sm_buf_append_byte(out, '\n', e);
    for (size_t i = 0; !rc && i < n; i++) {
        if (acts[i].kind == SM_DELTA_COMMIT_INFO)
            continue; /* we write our own */
        rc = sm_delta_action_write(&acts[i], out, e);
    }
    return rc;
}

static bool ours_removes(const sm_delta_action_t *acts, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (acts[i].kind == SM_DELTA_REMOVE && strcmp(acts[i].u.remove.path, path) == 0)
            return true;
    return false;
}

static bool ours_txn(const sm_delta_action_t *acts, size_t n, const char *app_id)
{
    for (size_t i = 0; i < n; i++)
        if (acts[i].kind == SM_DELTA_TXN && strcmp(acts[i].u.txn.app_id, app_id) == 0)
            return true;
    return false;
}

/* Reads the winning commit `version` and decides whether ours still holds. */
static sm_err_t check_winner(sm_store_t *st, const char *table, int64_t version,
                             const sm_delta_action_t *acts, size_t n,
                             const sm_delta_commit_opts_t *opts, sm_error_t *e)
{
    char name[26], key[SM_STORE_KEY_MAX + 1];
    sm_delta_commit_name(version, name);
    sm_err_t rc = sm_delta_log_key(table, name, key, sizeof key, e);
    if (rc)
        return rc;
    sm_buf_t b = SM_BUF_INIT;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_delta_action_t *w;
    size_t wn;
    if ((rc = sm_store_get(st, key, SM_DELTA_MAX_COMMIT_BYTES, &b, e)) ||
        (rc = sm_delta_parse_commit(key, b.data, b.len, &arena, &w, &wn, e)))
        goto out;
    for (size_t i = 0; i < wn && !rc; i++) {
        const sm_delta_action_t *a = &w[i];
        const char *why = NULL;
        if (a->kind == SM_DELTA_METADATA || a->kind == SM_DELTA_PROTOCOL)
            why = "the table's metadata or protocol changed";
        else if (a->kind == SM_DELTA_TXN && ours_txn(acts, n, a->u.txn.app_id))
            why = "another writer committed the same application transaction";
        else if (a->kind == SM_DELTA_REMOVE && ours_removes(acts, n, a->u.remove.path))
            why = "another writer removed a file this commit removes";
        else if (opts->read_table && ((a->kind == SM_DELTA_ADD && a->u.add.data_change) ||
                                      (a->kind == SM_DELTA_REMOVE && a->u.remove.data_change)))
            why = "another writer changed data this commit read";
        if (why)
            rc = sm_error_set(e, SM_ERR_CONFLICT,
                              "commit to %s%s%s conflicts with version %" PRId64 ": %s",
                              sm_store_location(st), table[0] ? "/" : "", table, version, why);
    }
out:
    sm_arena_free(&arena);
    sm_buf_free(&b);
    return rc;
}

sm_err_t sm_delta_commit(sm_store_t *st, const char *table, int64_t read_version,
                         const sm_delta_action_t *acts, size_t n,
                         const sm_delta_commit_opts_t *opts, int64_t *version, sm_error_t *e)
{
    static const sm_delta_commit_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    int max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 100;
    int64_t now = opts->now_ms ? opts->now_ms : sm_delta_now_ms();
    sm_buf_t text = SM_BUF_INIT;
    sm_err_t rc = build_commit(acts, n, opts, read_version, now, &text, e);
    if (rc)
        goto out;
    int64_t v = read_version + 1;
    for (int attempt = 1;; attempt++) {
        char name[26], key[SM_STORE_KEY_MAX + 1];
        sm_delta_commit_name(v, name);
        if ((rc = sm_delta_log_key(table, name, key, sizeof key, e)))
            goto out;
        rc = sm_store_put_if_absent(st, key, text.data, text.len, e);
        if (rc == SM_OK) {
            *version = v;
            goto out;
        }
        if (rc != SM_ERR_EXISTS)
            goto out;
        if (read_version < 0) {
            rc = sm_error_set(e, SM_ERR_CONFLICT, "cannot create %s%s%s: the table already exists",
                              sm_store_location(st), table[0] ? "/" : "", table);
            goto out;
        }
        if (attempt >= max_attempts) {
            rc = sm_error_set(e, SM_ERR_LIMIT,
                              "commit to %s%s%s lost the race %d times in a row; giving up",
                              sm_store_location(st), table[0] ? "/" : "", table, attempt);
            goto out;
        }
        if ((rc = check_winner(st, table, v, acts, n, opts, e)))
            goto out;
        v++;
    }
out:
    sm_buf_free(&text);
    return rc;
}
