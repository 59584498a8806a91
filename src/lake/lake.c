#include "lake/lake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define MAX_LAYERS 32

typedef struct layer_map {
    char *layer;
    sm_store_t *store;
} layer_map_t;

struct sm_lake {
    sm_store_t *root;
    sm_store_opts_t opts;
    bool has_opts;
    layer_map_t maps[MAX_LAYERS];
    size_t nmaps;
};

sm_err_t sm_lake_open(const char *location, const sm_store_opts_t *opts, sm_lake_t **out,
                      sm_error_t *e)
{
    *out = NULL;
    sm_lake_t *l = sm_calloc(1, sizeof *l);
    if (!l)
        return sm_error_nomem(e, "lake");
    if (opts) {
        l->opts = *opts;
        l->has_opts = true;
    }
    sm_err_t rc = sm_store_open_ex(location, opts, &l->root, e);
    if (rc) {
        sm_free(l);
        return rc;
    }
    *out = l;
    return SM_OK;
}

void sm_lake_close(sm_lake_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nmaps; i++) {
        sm_free(l->maps[i].layer);
        sm_store_close(l->maps[i].store);
    }
    sm_store_close(l->root);
    sm_free(l);
}

const char *sm_lake_location(const sm_lake_t *l)
{
    return sm_store_location(l->root);
}

static bool ident(const char *s, size_t n)
{
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

sm_err_t sm_lake_map_layer(sm_lake_t *l, const char *layer, const char *location, sm_error_t *e)
{
    if (!ident(layer, strlen(layer)))
        return sm_error_set(e, SM_ERR_INVALID, "bad layer name \"%s\"", layer);
    if (l->nmaps >= MAX_LAYERS)
        return sm_error_set(e, SM_ERR_LIMIT, "more than %d mapped layers", MAX_LAYERS);
    sm_store_t *st = NULL;
    sm_err_t rc = sm_store_open_ex(location, l->has_opts ? &l->opts : NULL, &st, e);
    if (rc)
        return rc;
    char *name = sm_strdup(layer);
    if (!name) {
        sm_store_close(st);
        return sm_error_nomem(e, "lake");
    }
    l->maps[l->nmaps++] = (layer_map_t){name, st};
    return SM_OK;
}

static sm_store_t *layer_store(const sm_lake_t *l, const char *layer, size_t n)
{
    for (size_t i = 0; i < l->nmaps; i++)
        if (strlen(l->maps[i].layer) == n && memcmp(l->maps[i].layer, layer, n) == 0)
            return l->maps[i].store;
    return NULL;
}

static sm_err_t fill(sm_lake_table_t *t, sm_store_t *st, bool owns, const char *prefix,
                     const char *name, sm_error_t *e)
{
    t->store = st;
    t->owns_store = owns;
    t->prefix = sm_strdup(prefix);
    t->name = sm_strdup(name);
    size_t n = strlen(sm_store_location(st)) + strlen(prefix) + 2;
    t->location = sm_malloc(n);
    if (!t->prefix || !t->name || !t->location) {
        sm_lake_table_free(t);
        return sm_error_nomem(e, "table name");
    }
    snprintf(t->location, n, "%s%s%s", sm_store_location(st), prefix[0] ? "/" : "", prefix);
    return SM_OK;
}

sm_err_t sm_lake_resolve(sm_lake_t *l, const char *name, sm_lake_table_t *t, sm_error_t *e)
{
    memset(t, 0, sizeof *t);
    size_t n = strlen(name);
    /* delta.`LOCATION` */
    if (n > 8 && strncmp(name, "delta.`", 7) == 0 && name[n - 1] == '`') {
        char *loc = sm_strndup(name + 7, n - 8);
        if (!loc)
            return sm_error_nomem(e, "table name");
        sm_store_t *st = NULL;
        sm_err_t rc = sm_store_open_ex(loc, l->has_opts ? &l->opts : NULL, &st, e);
        if (!rc && (rc = fill(t, st, true, "", loc, e)))
            st = NULL; /* fill freed it through the table */
        sm_free(loc);
        if (rc)
            sm_store_close(st);
        return rc;
    }
    const char *dot = strchr(name, '.');
    const char *layer = "default", *table = name;
    size_t llen = 7;
    if (dot) {
        layer = name;
        llen = (size_t)(dot - name);
        table = dot + 1;
    }
    if (!ident(layer, llen) || !ident(table, strlen(table)))
        return sm_error_set(
            e, SM_ERR_INVALID,
            "bad table name \"%s\": expected layer.table (letters, digits, _ and -) "
            "or delta.`location`",
            name);
    char prefix[600], full[600];
    sm_store_t *st = layer_store(l, layer, llen);
    if (st)
        snprintf(prefix, sizeof prefix, "%s", table);
    else
        snprintf(prefix, sizeof prefix, "%.*s/%s", (int)llen, layer, table);
    snprintf(full, sizeof full, "%.*s.%s", (int)llen, layer, table);
    return fill(t, st ? st : l->root, false, prefix, full, e);
}

void sm_lake_table_free(sm_lake_table_t *t)
{
    if (t->owns_store)
        sm_store_close(t->store);
    sm_free(t->prefix);
    sm_free(t->name);
    sm_free(t->location);
    memset(t, 0, sizeof *t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What scan's visitor needs: the listed prefix, the fixed layer (mapped
 * layers) or NULL, the names found so far and the last one added. */
typedef struct scan_ctx {
    const char *prefix;
    const char *layer_fixed;
    sm_buf_t *names;
    char last[600];
} scan_ctx_t;

/* Adds "layer.table" for one "<pre><table>/_delta_log/..." key (and
 * nothing for other keys); keys come in byte order, so repeats are
 * adjacent. */
static sm_err_t scan_entry(void *arg, const sm_store_entry_t *ent, sm_error_t *e)
{
    scan_ctx_t *c = arg;
    const char *k = ent->key + strlen(c->prefix);
    const char *log = strstr(k, "/_delta_log/");
    if (!log)
        return SM_OK;
    /* layer/table/_delta_log/... or table/_delta_log/... for mapped layers */
    char name[600];
    int len = (int)(log - k);
    if (c->layer_fixed) {
        if (memchr(k, '/', (size_t)len))
            return SM_OK;
        snprintf(name, sizeof name, "%s.%.*s", c->layer_fixed, len, k);
    } else {
        const char *slash = memchr(k, '/', (size_t)len);
        if (!slash || memchr(slash + 1, '/', (size_t)(log - slash - 1)))
            return SM_OK;
        snprintf(name, sizeof name, "%.*s.%.*s", (int)(slash - k), k, (int)(log - slash - 1),
                 slash + 1);
    }
    if (strcmp(name, c->last) == 0)
        return SM_OK;
    snprintf(c->last, sizeof c->last, "%s", name);
    char *copy = sm_strdup(name);
    sm_err_t rc =
        copy ? sm_buf_append(c->names, &copy, sizeof copy, e) : sm_error_nomem(e, "table list");
    if (rc)
        sm_free(copy);
    return rc;
}

/* Adds "layer.table" for every "<pre><table>/_delta_log/" key under st. */
static sm_err_t scan(sm_store_t *st, const char *prefix, const char *layer_fixed, sm_buf_t *names,
                     sm_error_t *e)
{
    scan_ctx_t c = {.prefix = prefix, .layer_fixed = layer_fixed, .names = names};
    sm_store_list_opts_t o = {.prefix = prefix};
    return sm_store_each(st, &o, scan_entry, &c, e);
}

sm_err_t sm_lake_list_tables(sm_lake_t *l, char ***out, size_t *n, sm_error_t *e)
{
    *out = NULL;
    *n = 0;
    sm_buf_t names = SM_BUF_INIT;
    sm_err_t rc = scan(l->root, "", NULL, &names, e);
    for (size_t i = 0; !rc && i < l->nmaps; i++)
        rc = scan(l->maps[i].store, "", l->maps[i].layer, &names, e);
    size_t count = names.len / sizeof(char *);
    char **arr = (char **)names.data;
    if (rc) {
        sm_lake_names_free(arr, count);
        names.data = NULL;
        sm_buf_free(&names);
        return rc;
    }
    if (count)
        qsort(arr, count, sizeof *arr, cmp_str);
    /* dedupe */
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (k && strcmp(arr[k - 1], arr[i]) == 0)
            sm_free(arr[i]);
        else
            arr[k++] = arr[i];
    }
    *out = (char **)sm_buf_detach(&names, NULL);
    *n = k;
    return SM_OK;
}

void sm_lake_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        sm_free(names[i]);
    sm_free(names);
}
