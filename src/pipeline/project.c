#include "pipeline/project.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/yaml.h"
#include "connect/files.h"
#include "pipeline/checks.h"

#define MAX_MODEL_BYTES (4u << 20)

static char *dup_node(const sm_yaml_node_t *n, sm_error_t *e, sm_err_t *rc)
{
    const char *s;
    if ((*rc = sm_yaml_get_str(n, &s, e)))
        return NULL;
    char *d = sm_strdup(s);
    if (!d)
        *rc = sm_error_nomem(e, "project");
    return d;
}

static bool plain_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static sm_err_t add_table(sm_project_t *p, const char *source, const sm_yaml_node_t *t,
                          sm_error_t *e)
{
    static const char *const keys[] = {"name", "as", "mode", "column", NULL};
    sm_bronze_table_t bt = {.mode = SM_INGEST_FULL};
    sm_err_t rc = SM_OK;
    const sm_yaml_node_t *name_node = t, *as = NULL, *mode = NULL, *col = NULL;
    if (t->kind == SM_YAML_MAPPING) {
        if ((rc = sm_yaml_check_keys(t, keys, "a source table", e)))
            return rc;
        name_node = sm_yaml_map_get(t, "name");
        as = sm_yaml_map_get(t, "as");
        mode = sm_yaml_map_get(t, "mode");
        col = sm_yaml_map_get(t, "column");
        if (!name_node)
            return sm_yaml_error(e, t, SM_ERR_INVALID, "a source table needs a \"name\"");
    }
    if (!(bt.source = sm_strdup(source)) || !(bt.table = dup_node(name_node, e, &rc)))
        goto fail;
    const char *bname = strrchr(bt.table, '.') ? strrchr(bt.table, '.') + 1 : bt.table;
    bt.name = as ? dup_node(as, e, &rc) : sm_strdup(bname);
    if (!bt.name) {
        rc = rc ? rc : sm_error_nomem(e, "project");
        goto fail;
    }
    if (!plain_name(bt.name)) {
        rc = sm_yaml_error(e, as ? as : name_node, SM_ERR_INVALID,
                           "\"%s\" cannot name a bronze table (letters, digits, _ and -)", bt.name);
        goto fail;
    }
    if (mode) {
        const char *m;
        if ((rc = sm_yaml_get_str(mode, &m, e)))
            goto fail;
        if (strcmp(m, "incremental") == 0)
            bt.mode = SM_INGEST_INCREMENTAL;
        else if (strcmp(m, "full") != 0) {
            rc = sm_yaml_error(e, mode, SM_ERR_INVALID,
                               "mode must be full or incremental, not \"%s\"", m);
            goto fail;
        }
    }
    if (bt.mode == SM_INGEST_INCREMENTAL && !col) {
        rc = sm_yaml_error(e, t, SM_ERR_INVALID,
                           "an incremental table needs a \"column\" (updated_at, an id)");
        goto fail;
    }
    if (col && !(bt.column = dup_node(col, e, &rc)))
        goto fail;
    for (size_t i = 0; i < p->nbronze; i++) {
        if (strcmp(p->bronze[i].name, bt.name) == 0) {
            rc = sm_yaml_error(e, name_node, SM_ERR_INVALID, "bronze.%s is fed twice", bt.name);
            goto fail;
        }
    }
    sm_bronze_table_t *nb = sm_realloc(p->bronze, (p->nbronze + 1) * sizeof *nb);
    if (!nb) {
        rc = sm_error_nomem(e, "project");
        goto fail;
    }
    p->bronze = nb;
    p->bronze[p->nbronze++] = bt;
    return SM_OK;
fail:
    if (!rc)
        rc = sm_error_nomem(e, "project");
    sm_free(bt.source);
    sm_free(bt.table);
    sm_free(bt.name);
    sm_free(bt.column);
    return rc;
}

static sm_err_t get_char(const sm_yaml_node_t *n, char *out, sm_error_t *e)
{
    const char *s;
    sm_err_t rc = sm_yaml_get_str(n, &s, e);
    if (rc)
        return rc;
    if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0)
        s = "\t";
    if (strlen(s) != 1 || (unsigned char)s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r')
        return sm_yaml_error(e, n, SM_ERR_INVALID, "expected one ASCII character, got \"%s\"", s);
    *out = s[0];
    return SM_OK;
}

/* schema: {col: type, ...} → "struct<`col`:type,...>", checked by parsing. */
static sm_err_t load_schema(sm_source_t *src, const sm_yaml_node_t *n, sm_error_t *e)
{
    if (n->kind != SM_YAML_MAPPING || sm_yaml_count(n) == 0)
        return sm_yaml_error(e, n, SM_ERR_INVALID,
                             "schema must be a mapping of column names to types");
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_buf_append_str(&b, "struct<", e);
    for (size_t i = 0; !rc && i < sm_yaml_count(n); i++) {
        const sm_yaml_pair_t *kv = sm_yaml_map_at(n, i);
        const char *col, *type;
        if ((rc = sm_yaml_get_str(kv->key, &col, e)) || (rc = sm_yaml_get_str(kv->value, &type, e)))
            break;
        if (strchr(col, '`')) {
            rc = sm_yaml_error(e, kv->key, SM_ERR_INVALID, "a column name cannot hold '`'");
            break;
        }
        rc = sm_buf_printf(&b, e, "%s`%s`:%s", i ? "," : "", col, type);
        sm_type_t *t = NULL;
        if (!rc && sm_type_parse(type, strlen(type), &t, NULL) != SM_OK)
            rc = sm_yaml_error(e, kv->value, SM_ERR_INVALID, "unknown type \"%s\" for column %s",
                               type, col);
        sm_type_free(t);
    }
    if (!rc)
        rc = sm_buf_append_str(&b, ">", e);
    if (!rc) {
        sm_type_t *t = NULL;
        if (sm_type_parse((const char *)b.data, b.len, &t, NULL) != SM_OK)
            rc = sm_yaml_error(e, n, SM_ERR_INVALID, "this schema is not valid");
        sm_type_free(t);
    }
    if (rc) {
        sm_buf_free(&b);
        return rc;
    }
    src->schema = (char *)sm_buf_detach(&b, NULL);
    return SM_OK;
}

static sm_err_t load_headers(sm_source_t *src, const sm_yaml_node_t *n, sm_error_t *e)
{
    if (n->kind != SM_YAML_MAPPING)
        return sm_yaml_error(e, n, SM_ERR_INVALID, "headers must be a mapping of names to values");
    size_t k = sm_yaml_count(n);
    if (!(src->headers = sm_calloc(k + 1, sizeof *src->headers)))
        return sm_error_nomem(e, "project");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < k; i++) {
        const sm_yaml_pair_t *kv = sm_yaml_map_at(n, i);
        sm_source_header_t *h = &src->headers[src->nheaders];
        if (!(h->name = dup_node(kv->key, e, &rc)))
            break;
        src->nheaders++;
        if (!(h->value = dup_node(kv->value, e, &rc)))
            break;
        for (const char *c = h->name; *c; c++)
            if (*c <= ' ' || *c == ':' || (unsigned char)*c >= 0x7f)
                rc = sm_yaml_error(e, kv->key, SM_ERR_INVALID, "\"%s\" is not a header name",
                                   h->name);
        if (!rc && strpbrk(h->value, "\r\n"))
            rc = sm_yaml_error(e, kv->value, SM_ERR_INVALID, "a header value is one line");
    }
    return rc;
}

/* type: files / http — one source, one bronze table (bronze.<name>, or as:). */
static sm_err_t load_single(sm_project_t *p, sm_source_t *src, const sm_yaml_node_t *s,
                            sm_error_t *e)
{
    static const char *const fkeys[] = {"type",      "as",    "format",     "path",   "header",
                                        "delimiter", "quote", "null_value", "schema", NULL};
    static const char *const hkeys[] = {"type",      "as",         "url",     "records",
                                        "next",      "page_param", "timeout", "retries",
                                        "max_bytes", "max_pages",  "headers", NULL};
    bool files = src->kind == SM_SOURCE_FILES;
    sm_err_t rc = sm_yaml_check_keys(s, files ? fkeys : hkeys, "a source", e);
    const sm_yaml_node_t *n;
    if (rc)
        return rc;
    if (files) {
        if (!(n = sm_yaml_map_get(s, "path")))
            return sm_yaml_error(e, s, SM_ERR_INVALID, "a files source needs a \"path\"");
        if (!(src->path = dup_node(n, e, &rc)))
            return rc;
        src->format = SM_FILE_AUTO;
        if ((n = sm_yaml_map_get(s, "format"))) {
            const char *f;
            sm_file_format_t ff;
            if ((rc = sm_yaml_get_str(n, &f, e)))
                return rc;
            if (sm_file_format_parse(f, &ff, NULL) != SM_OK)
                return sm_yaml_error(e, n, SM_ERR_INVALID,
                                     "format must be csv, jsonl, json, parquet or auto, not \"%s\"",
                                     f);
            src->format = (int)ff;
        }
        bool header = true;
        if ((n = sm_yaml_map_get(s, "header")) && (rc = sm_yaml_get_bool(n, &header, e)))
            return rc;
        src->no_header = !header;
        if ((n = sm_yaml_map_get(s, "delimiter")) && (rc = get_char(n, &src->delimiter, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "quote")) && (rc = get_char(n, &src->quote, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "null_value")) && !(src->null_value = dup_node(n, e, &rc)))
            return rc;
        if ((n = sm_yaml_map_get(s, "schema")) && (rc = load_schema(src, n, e)))
            return rc;
    } else {
        if (!(n = sm_yaml_map_get(s, "url")))
            return sm_yaml_error(e, s, SM_ERR_INVALID, "an http source needs a \"url\"");
        if (!(src->url = dup_node(n, e, &rc)))
            return rc;
        if (strncmp(src->url, "http://", 7) != 0 && strncmp(src->url, "https://", 8) != 0)
            return sm_yaml_error(e, n, SM_ERR_INVALID, "url must start with http:// or https://");
        if ((n = sm_yaml_map_get(s, "records")) && !(src->records_key = dup_node(n, e, &rc)))
            return rc;
        if ((n = sm_yaml_map_get(s, "next")) && !(src->next_field = dup_node(n, e, &rc)))
            return rc;
        if ((n = sm_yaml_map_get(s, "page_param")) && !(src->page_param = dup_node(n, e, &rc)))
            return rc;
        if (src->next_field && src->page_param)
            return sm_yaml_error(e, n, SM_ERR_INVALID,
                                 "paginate by next or by page_param, not both");
        src->timeout_ms = 30000;
        src->retries = 3;
        src->max_bytes = 64ll << 20;
        src->max_pages = 10000;
        if ((n = sm_yaml_map_get(s, "timeout")) &&
            (rc = sm_yaml_get_duration(n, &src->timeout_ms, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "retries")) &&
            (rc = sm_yaml_get_int(n, 0, 20, &src->retries, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "max_bytes")) && (rc = sm_yaml_get_size(n, &src->max_bytes, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "max_pages")) &&
            (rc = sm_yaml_get_int(n, 1, 1000000, &src->max_pages, e)))
            return rc;
        if ((n = sm_yaml_map_get(s, "headers")) && (rc = load_headers(src, n, e)))
            return rc;
    }
    /* the bronze table it feeds: a mapping {name: <source>, as: ...} */
    const sm_yaml_node_t *as = sm_yaml_map_get(s, "as");
    sm_bronze_table_t bt = {.mode = SM_INGEST_FULL};
    bt.source = sm_strdup(src->name);
    bt.table = sm_strdup(files ? src->path : src->url);
    bt.name = as ? dup_node(as, e, &rc) : sm_strdup(src->name);
    if (!bt.source || !bt.table || !bt.name) {
        rc = rc ? rc : sm_error_nomem(e, "project");
        goto fail;
    }
    if (!plain_name(bt.name)) {
        rc = sm_yaml_error(e, as ? as : s, SM_ERR_INVALID,
                           "\"%s\" cannot name a bronze table (letters, digits, _ and -)", bt.name);
        goto fail;
    }
    for (size_t i = 0; i < p->nbronze; i++) {
        if (strcmp(p->bronze[i].name, bt.name) == 0) {
            rc = sm_yaml_error(e, as ? as : s, SM_ERR_INVALID, "bronze.%s is fed twice", bt.name);
            goto fail;
        }
    }
    sm_bronze_table_t *nb = sm_realloc(p->bronze, (p->nbronze + 1) * sizeof *nb);
    if (!nb) {
        rc = sm_error_nomem(e, "project");
        goto fail;
    }
    p->bronze = nb;
    p->bronze[p->nbronze++] = bt;
    return SM_OK;
fail:
    sm_free(bt.source);
    sm_free(bt.table);
    sm_free(bt.name);
    return rc;
}

static sm_err_t load_sources(sm_project_t *p, const sm_yaml_node_t *sources, sm_error_t *e)
{
    static const char *const keys[] = {"type", "url", "tables", NULL};
    if (sources->kind != SM_YAML_MAPPING)
        return sm_yaml_error(e, sources, SM_ERR_INVALID,
                             "sources must be a mapping of names to sources");
    size_t n = sm_yaml_count(sources);
    p->sources = sm_calloc(n ? n : 1, sizeof *p->sources);
    if (!p->sources)
        return sm_error_nomem(e, "project");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_yaml_pair_t *kv = sm_yaml_map_at(sources, i);
        const sm_yaml_node_t *s = kv->value;
        sm_source_t *src = &p->sources[p->nsources];
        if (s->kind != SM_YAML_MAPPING) {
            rc = sm_yaml_error(e, s, SM_ERR_INVALID, "a source is a mapping (type: ...)");
            break;
        }
        if (!(src->name = dup_node(kv->key, e, &rc)))
            break;
        p->nsources++;
        const sm_yaml_node_t *type = sm_yaml_map_get(s, "type");
        const char *ts;
        if (!type) {
            rc = sm_yaml_error(e, s, SM_ERR_INVALID,
                               "source \"%s\" needs a type (postgres, files, http)", src->name);
            break;
        }
        if ((rc = sm_yaml_get_str(type, &ts, e)))
            break;
        if (strcmp(ts, "files") == 0 || strcmp(ts, "file") == 0 || strcmp(ts, "http") == 0) {
            src->kind = ts[0] == 'f' ? SM_SOURCE_FILES : SM_SOURCE_HTTP;
            rc = load_single(p, src, s, e);
            continue;
        }
        if (strcmp(ts, "postgres") != 0 && strcmp(ts, "postgresql") != 0) {
            rc = sm_yaml_error(e, type, SM_ERR_UNSUPPORTED,
                               "unknown source type \"%s\" (known: postgres, files, http)", ts);
            break;
        }
        if ((rc = sm_yaml_check_keys(s, keys, "a source", e)))
            break;
        src->kind = SM_SOURCE_POSTGRES;
        const sm_yaml_node_t *url = sm_yaml_map_get(s, "url");
        if (url && !sm_yaml_is_null(url) && !(src->url = dup_node(url, e, &rc)))
            break;
        const sm_yaml_node_t *tables = sm_yaml_map_get(s, "tables");
        if (!tables)
            continue;
        if (tables->kind != SM_YAML_SEQUENCE) {
            rc = sm_yaml_error(e, tables, SM_ERR_INVALID, "tables must be a list");
            break;
        }
        for (size_t k = 0; k < sm_yaml_count(tables) && !rc; k++)
            rc = add_table(p, src->name, sm_yaml_seq_at(tables, k), e);
    }
    return rc;
}

static sm_err_t read_file(const char *path, char **out, sm_error_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_error_errno(e, errno, "%s", path);
    sm_buf_t b = SM_BUF_INIT;
    b.limit = MAX_MODEL_BYTES;
    char chunk[8192];
    size_t n;
    sm_err_t rc = SM_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sm_buf_append(&b, chunk, n, e);
    if (!rc && ferror(f))
        rc = sm_error_errno(e, errno, "%s", path);
    fclose(f);
    if (!rc && !b.data)
        rc = sm_buf_append_str(&b, "", e);
    if (rc) {
        sm_buf_free(&b);
        return rc == SM_ERR_LIMIT ? sm_error_set(e, rc, "%s: a model is limited to %u bytes", path,
                                                 MAX_MODEL_BYTES)
                                  : rc;
    }
    *out = (char *)sm_buf_detach(&b, NULL);
    return SM_OK;
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(((const sm_model_t *)a)->name, ((const sm_model_t *)b)->name);
}

static sm_err_t load_models(sm_project_t *p, sm_error_t *e)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/models", p->dir);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? SM_OK : sm_error_errno(e, errno, "%s", dir);
    sm_err_t rc = SM_OK;
    sm_buf_t models = SM_BUF_INIT;
    struct dirent *layer;
    while (!rc && (layer = readdir(d))) {
        if (layer->d_name[0] == '.' || !plain_name(layer->d_name))
            continue;
        char ldir[4352];
        snprintf(ldir, sizeof ldir, "%s/%s", dir, layer->d_name);
        DIR *ld = opendir(ldir);
        if (!ld)
            continue; /* a file, not a layer folder */
        struct dirent *f;
        while (!rc && (f = readdir(ld))) {
            size_t len = strlen(f->d_name);
            if (len < 5 || strcmp(f->d_name + len - 4, ".sql") != 0 || f->d_name[0] == '.')
                continue;
            char base[256];
            snprintf(base, sizeof base, "%.*s", (int)(len - 4), f->d_name);
            if (!plain_name(base)) {
                rc = sm_error_set(e, SM_ERR_INVALID,
                                  "%s/%s: a model file name must be letters, digits, _ and -", ldir,
                                  f->d_name);
                break;
            }
            sm_model_t m = {0};
            char name[600], path[4700];
            snprintf(name, sizeof name, "%s.%s", layer->d_name, base);
            snprintf(path, sizeof path, "%s/%s", ldir, f->d_name);
            m.name = sm_strdup(name);
            m.layer = sm_strdup(layer->d_name);
            m.path = sm_strdup(path);
            if (!m.name || !m.layer || !m.path)
                rc = sm_error_nomem(e, "project");
            m.streaming = strcmp(layer->d_name, "streaming") == 0;
            if (!rc)
                rc = read_file(path, &m.sql, e);
            if (!rc)
                rc = sm_buf_append(&models, &m, sizeof m, e);
            if (rc) {
                sm_free(m.name);
                sm_free(m.layer);
                sm_free(m.path);
                sm_free(m.sql);
            }
        }
        closedir(ld);
    }
    closedir(d);
    p->models = (sm_model_t *)models.data;
    p->nmodels = models.len / sizeof(sm_model_t);
    models.data = NULL;
    if (p->nmodels)
        qsort(p->models, p->nmodels, sizeof *p->models, cmp_model);
    return rc;
}

sm_err_t sm_project_load(const sm_config_t *cfg, sm_project_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_project_t *p = sm_calloc(1, sizeof *p);
    if (!p)
        return sm_error_nomem(e, "project");
    const char *file = sm_config_file(cfg);
    char dir[4096] = ".";
    if (file) {
        snprintf(dir, sizeof dir, "%s", file);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
    }
    sm_err_t rc = SM_OK;
    if (!(p->dir = sm_strdup(dir)))
        rc = sm_error_nomem(e, "project");
    const sm_yaml_node_t *sources = sm_config_section(cfg, "sources");
    if (!rc && sources && !sm_yaml_is_null(sources))
        rc = load_sources(p, sources, e);
    for (size_t i = 0; !rc && i < p->nbronze; i++)
        if (!sm_project_source(p, p->bronze[i].source))
            rc = sm_error_set(e, SM_ERR_INTERNAL, "unknown source %s", p->bronze[i].source);
    if (!rc)
        rc = load_models(p, e);
    const sm_yaml_node_t *models = sm_config_section(cfg, "models");
    if (!rc && models && !sm_yaml_is_null(models))
        rc = sm_checks_load(p, models, e);
    if (rc) {
        sm_project_free(p);
        return rc;
    }
    *out = p;
    return SM_OK;
}

void sm_project_free(sm_project_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nsources; i++) {
        sm_free(p->sources[i].name);
        sm_free(p->sources[i].url);
        sm_free(p->sources[i].path);
        sm_free(p->sources[i].null_value);
        sm_free(p->sources[i].schema);
        sm_free(p->sources[i].records_key);
        sm_free(p->sources[i].next_field);
        sm_free(p->sources[i].page_param);
        for (size_t k = 0; k < p->sources[i].nheaders; k++) {
            sm_free(p->sources[i].headers[k].name);
            sm_free(p->sources[i].headers[k].value);
        }
        sm_free(p->sources[i].headers);
    }
    sm_free(p->sources);
    for (size_t i = 0; i < p->nbronze; i++) {
        sm_free(p->bronze[i].source);
        sm_free(p->bronze[i].table);
        sm_free(p->bronze[i].name);
        sm_free(p->bronze[i].column);
    }
    sm_free(p->bronze);
    for (size_t i = 0; i < p->nmodels; i++) {
        sm_free(p->models[i].name);
        sm_free(p->models[i].layer);
        sm_free(p->models[i].path);
        sm_free(p->models[i].sql);
        sm_checks_free(p->models[i].checks, p->models[i].nchecks);
    }
    sm_free(p->models);
    sm_free(p->dir);
    sm_free(p);
}

const sm_source_t *sm_project_source(const sm_project_t *p, const char *name)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i].name, name) == 0)
            return &p->sources[i];
    return NULL;
}

const sm_model_t *sm_project_model(const sm_project_t *p, const char *name)
{
    for (size_t i = 0; i < p->nmodels; i++)
        if (strcmp(p->models[i].name, name) == 0)
            return &p->models[i];
    return NULL;
}
