/* pipeline/bronze_read — files and HTTP pages for bronze (contract in
 * pipeline/bronze_read.h). */
#include "pipeline/bronze_read.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/http.h"
#include "core/mem.h"

#define MAX_FILES 100000

struct sm_bronze_reader {
    const sm_source_t *src;
    sm_store_t *store;
    char **keys;
    size_t nkeys, next;
    sm_type_t *schema; /* the first source's, for the others */
    sm_http_result_t http;
    bool is_http;
    const char *label;
};

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static sm_err_t add_key(sm_bronze_reader_t *r, const char *key, sm_error_t *e)
{
    if (r->nkeys >= MAX_FILES)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: more than %d files", r->src->path, MAX_FILES);
    char **nk = sm_realloc(r->keys, (r->nkeys + 1) * sizeof *nk);
    if (!nk)
        return sm_error_nomem(e, "file list");
    r->keys = nk;
    if (!(r->keys[r->nkeys] = sm_strdup(key)))
        return sm_error_nomem(e, "file list");
    r->nkeys++;
    return SM_OK;
}

static bool hidden(const char *key)
{
    const char *base = strrchr(key, '/') ? strrchr(key, '/') + 1 : key;
    return base[0] == '_' || base[0] == '.';
}

typedef struct list_ctx {
    sm_bronze_reader_t *r;
    const char *pattern;
} list_ctx_t;

/* Keeps one listed key if it is a readable file (matching the pattern). */
static sm_err_t list_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    list_ctx_t *c = arg;
    const char *k = ent->key;
    if (hidden(k))
        return SM_OK;
    if (c->pattern ? (strchr(k, '/') || fnmatch(c->pattern, k, 0) != 0)
                   : (c->r->src->format == SM_FILE_AUTO &&
                      sm_file_format_detect(NULL, k, &(sm_file_format_t){0}, NULL) != SM_OK))
        return SM_OK;
    return add_key(c->r, k, e);
}

/* Lists the store: keys matching pattern (NULL = every readable file;
 * with a pattern only direct children). */
static sm_err_t list(sm_bronze_reader_t *r, const char *pattern, sm_error_t *e)
{
    list_ctx_t c = {.r = r, .pattern = pattern};
    sm_err_t rc = sm_store_each(r->store, &(sm_store_list_opts_t){0}, list_entry, &c, e);
    if (!rc && r->nkeys > 1)
        qsort(r->keys, r->nkeys, sizeof *r->keys, cmp_key);
    return rc;
}

static sm_err_t open_files(sm_bronze_reader_t *r, const char *dir, sm_error_t *e)
{
    const char *path = r->src->path;
    char full[4096];
    if (strstr(path, "://") || path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else
        snprintf(full, sizeof full, "%s/%s", dir, path);
    char *slash = strrchr(full, '/');
    const char *last = slash ? slash + 1 : full;
    sm_err_t rc;
    if (strpbrk(last, "*?[")) {
        /* a glob in the last component */
        char parent[4096];
        snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - full) : 1,
                 slash ? full : ".");
        if ((rc = sm_store_open(parent[0] ? parent : "/", &r->store, e)))
            return rc;
        rc = list(r, last, e);
    } else {
        /* a file (its parent as the store) or a directory */
        char parent[4096];
        snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - full) : 1,
                 slash ? full : ".");
        sm_store_info_t info;
        if ((rc = sm_store_open(parent[0] ? parent : "/", &r->store, e)))
            return rc;
        if (*last && sm_store_head(r->store, last, &info, NULL) == SM_OK) {
            rc = add_key(r, last, e);
        } else {
            sm_store_close(r->store);
            r->store = NULL;
            if ((rc = sm_store_open(full, &r->store, e)))
                return rc;
            rc = list(r, NULL, e);
        }
    }
    if (!rc && r->nkeys == 0)
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no file matches", path);
    return rc;
}

static sm_err_t open_http(sm_bronze_reader_t *r, sm_error_t *e)
{
    const sm_source_t *s = r->src;
    char **lines = sm_calloc(s->nheaders + 1, sizeof *lines);
    sm_err_t rc = lines ? SM_OK : sm_error_nomem(e, "http headers");
    for (size_t i = 0; !rc && i < s->nheaders; i++) {
        /* ${VAR} from the environment; the value is a secret: never logged */
        sm_buf_t b = SM_BUF_INIT;
        rc = sm_buf_printf(&b, e, "%s: ", s->headers[i].name);
        for (const char *p = s->headers[i].value; !rc && *p;) {
            const char *end;
            if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}'))) {
                char var[256];
                snprintf(var, sizeof var, "%.*s", (int)(end - p - 2), p + 2);
                const char *v = getenv(var);
                if (!v)
                    rc = sm_error_set(e, SM_ERR_INVALID,
                                      "source %s: header %s needs the environment variable %s",
                                      s->name, s->headers[i].name, var);
                else
                    rc = sm_buf_append_str(&b, v, e);
                p = end + 1;
            } else {
                rc = sm_buf_append_byte(&b, (uint8_t)*p++, e);
            }
        }
        if (!rc && strpbrk((const char *)b.data, "\r\n"))
            rc = sm_error_set(e, SM_ERR_INVALID, "source %s: header %s holds a line break", s->name,
                              s->headers[i].name);
        if (rc)
            sm_buf_free(&b);
        else
            lines[i] = (char *)sm_buf_detach(&b, NULL);
    }
    sm_http_opts_t o = {.records_key = s->records_key,
                        .next_field = s->next_field,
                        .page_param = s->page_param,
                        .timeout_ms = s->timeout_ms,
                        .retries = (int)s->retries,
                        .max_bytes = s->max_bytes,
                        .max_pages = s->max_pages,
                        .headers = (const char *const *)lines,
                        .nheaders = s->nheaders};
    const char *b = getenv("SMELT_HTTP_BACKOFF_MS"); /* tests: faster retries */
    if (b)
        o.backoff_ms = atoll(b);
    if (!rc)
        rc = sm_http_fetch(s->url, &o, &r->http, e);
    for (size_t i = 0; lines && i < s->nheaders; i++) {
        if (lines[i])
            memset(lines[i], 0, strlen(lines[i]));
        sm_free(lines[i]);
    }
    sm_free(lines);
    r->nkeys = 1;
    return rc;
}

sm_err_t sm_bronze_reader_open(const char *project_dir, const sm_source_t *src,
                               sm_bronze_reader_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_bronze_reader_t *r = sm_calloc(1, sizeof *r);
    if (!r)
        return sm_error_nomem(e, "bronze reader");
    r->src = src;
    r->is_http = src->kind == SM_SOURCE_HTTP;
    r->label = r->is_http ? "http" : sm_file_format_name((sm_file_format_t)src->format);
    sm_err_t rc = r->is_http ? open_http(r, e) : open_files(r, project_dir, e);
    if (!rc && src->schema && (rc = sm_type_parse(src->schema, strlen(src->schema), &r->schema, e)))
        sm_error_wrap(e, "source %s: schema", src->name);
    if (rc) {
        sm_bronze_reader_close(r);
        return rc;
    }
    *out = r;
    return SM_OK;
}

sm_err_t sm_bronze_reader_next(sm_bronze_reader_t *r, sm_file_source_t **out, sm_error_t *e)
{
    *out = NULL;
    if (r->next >= r->nkeys)
        return SM_OK;
    const sm_source_t *s = r->src;
    sm_file_opts_t o = {.schema = r->schema,
                        .no_header = s->no_header,
                        .delimiter = s->delimiter,
                        .quote = s->quote,
                        .null_value = s->null_value};
    sm_err_t rc;
    if (r->is_http) {
        rc =
            sm_file_source_open_mem(r->http.jsonl, r->http.len, s->name, SM_FILE_JSONL, &o, out, e);
    } else {
        sm_file_format_t f = (sm_file_format_t)s->format;
        const char *key = r->keys[r->next];
        if (f == SM_FILE_AUTO && (rc = sm_file_format_detect(r->store, key, &f, e)))
            return rc;
        if (r->next == 0)
            r->label = sm_file_format_name(f);
        rc = sm_file_source_open(r->store, key, f, &o, out, e);
    }
    if (!rc && !r->schema) {
        r->schema = sm_type_ref(sm_file_source_schema(*out));
    }
    r->next++;
    return rc;
}

const char *sm_bronze_reader_label(const sm_bronze_reader_t *r)
{
    return r->label;
}

size_t sm_bronze_reader_count(const sm_bronze_reader_t *r)
{
    return r->nkeys;
}

void sm_bronze_reader_close(sm_bronze_reader_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; !r->is_http && i < r->nkeys; i++)
        sm_free(r->keys[i]);
    sm_free(r->keys);
    sm_free(r->http.jsonl);
    sm_type_free(r->schema);
    sm_store_close(r->store);
    sm_free(r);
}
