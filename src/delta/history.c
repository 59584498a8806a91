#include "delta/history.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "delta/action.h"
#include "delta/log.h"

static char *dup_or_empty(const char *s)
{
    return sm_strdup(s ? s : "");
}

static int64_t num_records(const char *stats)
{
    if (!stats)
        return -1;
    json_t *j = json_loads(stats, 0, NULL);
    json_t *n = json_object_get(j, "numRecords");
    int64_t v = json_is_integer(n) ? (int64_t)json_integer_value(n) : -1;
    json_decref(j);
    return v;
}

static sm_err_t read_entry(sm_store_t *st, const char *table, const sm_delta_commit_file_t *cf,
                           sm_delta_history_entry_t *h, sm_error_t *e)
{
    char name[26], key[SM_STORE_KEY_MAX + 1];
    sm_delta_commit_name(cf->version, name);
    sm_err_t rc = sm_delta_log_key(table, name, key, sizeof key, e);
    sm_buf_t b = SM_BUF_INIT;
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_delta_action_t *acts = NULL;
    size_t n = 0;
    if (!rc)
        rc = sm_store_get(st, key, SM_DELTA_MAX_COMMIT_BYTES, &b, e);
    if (!rc)
        rc = sm_delta_parse_commit(key, b.data, b.len, &a, &acts, &n, e);
    memset(h, 0, sizeof *h);
    h->version = cf->version;
    h->timestamp_ms = cf->mtime_ms;
    const char *op = NULL, *engine = NULL;
    char *params = NULL;
    for (size_t i = 0; !rc && i < n; i++) {
        const sm_delta_action_t *x = &acts[i];
        if (x->kind == SM_DELTA_ADD) {
            h->adds++;
            int64_t r = num_records(x->u.add.stats);
            if (h->rows_added >= 0)
                h->rows_added = r < 0 ? -1 : h->rows_added + r;
        } else if (x->kind == SM_DELTA_REMOVE) {
            h->removes++;
        } else if (x->kind == SM_DELTA_COMMIT_INFO) {
            const sm_delta_commit_info_t *ci = &x->u.commit_info;
            if (ci->timestamp >= 0)
                h->timestamp_ms = ci->timestamp;
            op = ci->operation;
            json_t *j = json_loads(ci->json, 0, NULL);
            json_t *p = json_object_get(j, "operationParameters");
            json_t *en = json_object_get(j, "engineInfo");
            if (p)
                params = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (json_is_string(en))
                engine = sm_arena_strdup(&a, json_string_value(en));
            json_decref(j);
        }
    }
    if (!rc) {
        h->operation = dup_or_empty(op);
        h->parameters = dup_or_empty(params);
        h->engine = dup_or_empty(engine);
        if (!h->operation || !h->parameters || !h->engine)
            rc = sm_error_nomem(e, "history");
    }
    free(params); /* jansson's */
    sm_arena_free(&a);
    sm_buf_free(&b);
    return rc;
}

sm_err_t sm_delta_history(sm_store_t *st, const char *table, size_t limit,
                          sm_delta_history_entry_t **out, size_t *n, sm_error_t *e)
{
    *out = NULL;
    *n = 0;
    sm_delta_log_t log;
    sm_err_t rc = sm_delta_log_list(st, table, &log, e);
    if (rc)
        return rc;
    size_t count = log.ncommits;
    if (limit && count > limit)
        count = limit;
    sm_delta_history_entry_t *h = sm_calloc(count ? count : 1, sizeof *h);
    if (!h) {
        sm_delta_log_free(&log);
        return sm_error_nomem(e, "history");
    }
    size_t done = 0;
    for (; done < count && !rc; done++)
        rc = read_entry(st, table, &log.commits[log.ncommits - 1 - done], &h[done], e);
    sm_delta_log_free(&log);
    if (rc) {
        sm_delta_history_free(h, done);
        return rc;
    }
    *out = h;
    *n = count;
    return SM_OK;
}

void sm_delta_history_free(sm_delta_history_entry_t *h, size_t n)
{
    for (size_t i = 0; h && i < n; i++) {
        sm_free(h[i].operation);
        sm_free(h[i].parameters);
        sm_free(h[i].engine);
    }
    sm_free(h);
}
