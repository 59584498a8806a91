#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "core/str.h"

/* ---- the registry ------------------------------------------------------ */

static const sm_config_setting_t builtin[] = {
    {.key = "lake",
     .env = "SMELT_LAKE",
     .def = "./lake",
     .type = SM_CONFIG_STRING,
     .help = "where the lake lives: a directory or s3://bucket/prefix"},
    {.key = "log.level",
     .env = "SMELT_LOG_LEVEL",
     .def = "warn",
     .type = SM_CONFIG_ENUM,
     .choices = "error|warn|info|debug",
     .help = "how much smelt logs"},
    {.key = "log.format",
     .env = "SMELT_LOG_FORMAT",
     .def = "text",
     .type = SM_CONFIG_ENUM,
     .choices = "text|json",
     .help = "log lines as readable text or one JSON object per line"},
    {.key = "kafka.bootstrap",
     .env = "SMELT_KAFKA_BOOTSTRAP",
     .type = SM_CONFIG_STRING,
     .help = "Kafka bootstrap servers host:port[,...]; unset = the in-process mock cluster"},
    {.key = "postgres.url",
     .env = "SMELT_POSTGRES_URL",
     .type = SM_CONFIG_STRING,
     .url_secret = true,
     .help = "PostgreSQL connection string (libpq URI or key=value); unset = libpq's PG* "
             "variables"},
    {.key = "s3.endpoint",
     .env = "AWS_ENDPOINT_URL",
     .type = SM_CONFIG_STRING,
     .help = "S3 endpoint URL (MinIO: http://127.0.0.1:9000); unset = AWS"},
    {.key = "s3.region",
     .env = "AWS_REGION",
     .env_fallback = "AWS_DEFAULT_REGION",
     .def = "us-east-1",
     .type = SM_CONFIG_STRING,
     .help = "S3 region used for request signing"},
    {.key = "s3.access_key_id",
     .env = "AWS_ACCESS_KEY_ID",
     .type = SM_CONFIG_STRING,
     .secret = true,
     .help = "S3 access key id"},
    {.key = "s3.secret_access_key",
     .env = "AWS_SECRET_ACCESS_KEY",
     .type = SM_CONFIG_STRING,
     .secret = true,
     .help = "S3 secret access key"},
    {.key = "serve.listen",
     .env = "SMELT_SERVE_LISTEN",
     .def = "127.0.0.1:8080",
     .type = SM_CONFIG_STRING,
     .help = "address:port the web UI listens on"},
    {.key = "serve.token",
     .env = "SMELT_SERVE_TOKEN",
     .type = SM_CONFIG_STRING,
     .secret = true,
     .help = "bearer token the web UI and API require; unset = no token"},
    {.key = "memory.budget",
     .env = "SMELT_MEMORY_BUDGET",
     .def = "1GiB",
     .type = SM_CONFIG_SIZE,
     .help = "memory queries may use before spilling or failing"},
    {.key = "run.jobs",
     .env = "SMELT_RUN_JOBS",
     .def = "0",
     .type = SM_CONFIG_INT,
     .min = 0,
     .max = 1024,
     .help = "tables `smelt run` builds at once; 0 = the number of cores"},
};

static const char *const builtin_sections[] = {"project", "sources", "bronze", "models",
                                               "streams", "checks",  "layers", NULL};

const sm_config_setting_t *sm_config_settings(size_t *count)
{
    *count = sizeof builtin / sizeof builtin[0];
    return builtin;
}

const char *const *sm_config_section_names(void)
{
    return builtin_sections;
}

/* ---- the configuration ------------------------------------------------- */

typedef struct value {
    bool set;
    char *text;  /* owned; canonical for bool and enum */
    int64_t num; /* parsed: int, bytes, ms, bool 0/1 */
    char *where; /* owned source text ("env SMELT_LAKE", "smelt.yaml:3:7") */
} value_t;

struct sm_config {
    const sm_config_setting_t *settings;
    size_t count;
    const char *const *sections;
    value_t *vals; /* count * SM_CONFIG__LAYERS */
    sm_yaml_doc_t *doc;
    char *file;
};

static const char *const no_sections[] = {NULL};

static value_t *val(const sm_config_t *cfg, size_t i, sm_config_origin_t layer)
{
    return &cfg->vals[i * SM_CONFIG__LAYERS + layer];
}

static void clear_value(value_t *v)
{
    sm_free(v->text);
    sm_free(v->where);
    memset(v, 0, sizeof *v);
}

static void clear_layer(sm_config_t *cfg, sm_config_origin_t layer)
{
    for (size_t i = 0; i < cfg->count; i++)
        clear_value(val(cfg, i, layer));
}

static size_t find(const sm_config_t *cfg, const char *key)
{
    if (!cfg || !key)
        return SIZE_MAX;
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->settings[i].key, key) == 0)
            return i;
    return SIZE_MAX;
}

static const char *type_name(const sm_config_setting_t *s)
{
    switch (s->type) {
    case SM_CONFIG_INT:
        return "an integer";
    case SM_CONFIG_BOOL:
        return "true or false";
    case SM_CONFIG_SIZE:
        return "a size";
    case SM_CONFIG_DURATION:
        return "a duration";
    case SM_CONFIG_ENUM:
        return "one of the allowed values";
    default:
        return "a string";
    }
}

/* Checks text against the setting's type.  On success *canon is the text to
 * store (a static string for bool/enum, else text itself) and *num the
 * parsed number.  Messages never quote a secret. */
static sm_err_t parse_value(const sm_config_setting_t *s, const char *text, const char **canon,
                            int64_t *num, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    bool b = false;
    *canon = text;
    *num = 0;
    switch (s->type) {
    case SM_CONFIG_STRING:
        break;
    case SM_CONFIG_INT:
        rc = sm_yaml_scan_int(text, s->min, s->max, num, e);
        break;
    case SM_CONFIG_BOOL:
        rc = sm_yaml_scan_bool(text, &b, e);
        *num = b;
        *canon = b ? "true" : "false";
        break;
    case SM_CONFIG_SIZE:
        rc = sm_yaml_scan_size(text, num, e);
        break;
    case SM_CONFIG_DURATION:
        rc = sm_yaml_scan_duration(text, num, e);
        break;
    case SM_CONFIG_ENUM: {
        int64_t idx = 0;
        for (const char *c = s->choices; *c; idx++) {
            size_t n = strcspn(c, "|");
            if (sm_str_eq_nocase(sm_str_make(c, n), sm_str_c(text))) {
                *canon = c; /* points into s->choices: not NUL-ended */
                *num = idx;
                return SM_OK;
            }
            c += n + (c[n] == '|');
        }
        if (s->secret)
            return sm_error_set(e, SM_ERR_INVALID, "expected one of %s", s->choices);
        rc = sm_error_set(e, SM_ERR_INVALID, "expected one of %s, got \"%.48s%s\"", s->choices,
                          text, strlen(text) > 48 ? "..." : "");
        break;
    }
    }
    if (rc && s->secret)
        sm_error_set(e, rc, "expected %s (the value is secret and not shown)", type_name(s));
    return rc;
}

/* Copies the canonical text: for enums, the choice up to its '|'. */
static char *canon_copy(const sm_config_setting_t *s, const char *canon)
{
    if (s->type == SM_CONFIG_ENUM) {
        size_t n = strcspn(canon, "|");
        return sm_strndup(canon, n);
    }
    return sm_strdup(canon);
}

/* Validates and stores text into one layer's slot; the slot is unchanged on
 * failure.  The error has no context; callers add theirs. */
static sm_err_t store(sm_config_t *cfg, size_t i, sm_config_origin_t layer, const char *text,
                      const char *where, sm_error_t *e)
{
    const sm_config_setting_t *s = &cfg->settings[i];
    const char *canon;
    int64_t num;
    sm_err_t rc = parse_value(s, text, &canon, &num, e);
    if (rc)
        return rc;
    char *t = canon_copy(s, canon);
    char *w = sm_strdup(where);
    if (!t || !w) {
        sm_free(t);
        sm_free(w);
        return sm_error_nomem(e, "config value");
    }
    value_t *v = val(cfg, i, layer);
    clear_value(v);
    v->set = true;
    v->text = t;
    v->num = num;
    v->where = w;
    return SM_OK;
}

sm_config_t *sm_config_new_with(const sm_config_setting_t *settings, size_t count,
                                const char *const *sections)
{
    sm_config_t *cfg = sm_calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    cfg->settings = settings;
    cfg->count = count;
    cfg->sections = sections ? sections : no_sections;
    if (count) {
        cfg->vals = sm_calloc(count, SM_CONFIG__LAYERS * sizeof *cfg->vals);
        if (!cfg->vals)
            goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        if (!settings[i].def)
            continue;
        if (store(cfg, i, SM_CONFIG_FROM_DEFAULT, settings[i].def, "default", NULL))
            goto fail;
    }
    return cfg;
fail:
    sm_config_free(cfg);
    return NULL;
}

sm_config_t *sm_config_new(void)
{
    size_t n;
    const sm_config_setting_t *s = sm_config_settings(&n);
    return sm_config_new_with(s, n, builtin_sections);
}

void sm_config_free(sm_config_t *cfg)
{
    if (!cfg)
        return;
    if (cfg->vals)
        for (int l = 0; l < SM_CONFIG__LAYERS; l++)
            clear_layer(cfg, (sm_config_origin_t)l);
    sm_free(cfg->vals);
    sm_yaml_free(cfg->doc);
    sm_free(cfg->file);
    sm_free(cfg);
}

/* ---- suggestions ------------------------------------------------------- */

#define MAX_CANDS 256
#define MAX_KEY 128

typedef struct cands {
    const char *list[MAX_CANDS];
    char store[MAX_CANDS][MAX_KEY];
    size_t n;
} cands_t;

static void cand_add(cands_t *c, const char *p, size_t len)
{
    if (c->n == MAX_CANDS || len >= MAX_KEY)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->list[i]) == len && memcmp(c->list[i], p, len) == 0)
            return;
    memcpy(c->store[c->n], p, len);
    c->store[c->n][len] = '\0';
    c->list[c->n] = c->store[c->n];
    c->n++;
}

/* The names a key may have below `prefix` ("" = top level): every setting
 * key and every group of keys, relative to prefix, plus the sections at
 * the top.  Returns the closest one to word, or NULL. */
static const char *suggest(const sm_config_t *cfg, const char *prefix, const char *word, cands_t *c)
{
    size_t pl = strlen(prefix);
    c->n = 0;
    for (size_t i = 0; i < cfg->count; i++) {
        const char *k = cfg->settings[i].key;
        if (pl) {
            if (strncmp(k, prefix, pl) != 0 || k[pl] != '.')
                continue;
            k += pl + 1;
        }
        for (const char *d = strchr(k, '.'); d; d = strchr(d + 1, '.'))
            cand_add(c, k, (size_t)(d - k));
        cand_add(c, k, strlen(k));
    }
    if (!pl)
        for (size_t i = 0; cfg->sections[i]; i++)
            cand_add(c, cfg->sections[i], strlen(cfg->sections[i]));
    return sm_str_did_you_mean(sm_str_c(word), c->list, c->n);
}

/* ---- the file layer ---------------------------------------------------- */

static bool is_section(const sm_config_t *cfg, const char *name)
{
    for (size_t i = 0; cfg->sections[i]; i++)
        if (strcmp(cfg->sections[i], name) == 0)
            return true;
    return false;
}

/* True when some setting key starts with "<full>.". */
static bool is_group(const sm_config_t *cfg, const char *full)
{
    size_t n = strlen(full);
    for (size_t i = 0; i < cfg->count; i++)
        if (strncmp(cfg->settings[i].key, full, n) == 0 && cfg->settings[i].key[n] == '.')
            return true;
    return false;
}

static sm_err_t load_setting(sm_config_t *cfg, size_t i, const sm_yaml_node_t *k,
                             const sm_yaml_node_t *v, sm_error_t *e)
{
    const sm_config_setting_t *s = &cfg->settings[i];
    value_t *old = val(cfg, i, SM_CONFIG_FROM_FILE);
    if (old->set)
        return sm_yaml_error(e, k, SM_ERR_INVALID, "%s is set twice (first at %s)", s->key,
                             old->where);
    if (sm_yaml_is_null(v))
        return SM_OK;
    if (v->kind != SM_YAML_SCALAR)
        return sm_yaml_error(e, v, SM_ERR_INVALID, "%s: expected %s, got a %s", s->key,
                             type_name(s), sm_yaml_kind_name(v));
    char where[512];
    snprintf(where, sizeof where, "%s:%u:%u", v->file, v->line, v->column);
    sm_err_t rc = store(cfg, i, SM_CONFIG_FROM_FILE, v->u.scalar.text, where, e);
    if (rc && rc != SM_ERR_NOMEM)
        sm_error_wrap(e, "%s: %s", where, s->key);
    return rc;
}

static sm_err_t load_map(sm_config_t *cfg, const sm_yaml_node_t *map, const char *prefix,
                         sm_error_t *e)
{
    for (size_t p = 0; p < map->u.map.count; p++) {
        const sm_yaml_node_t *k = map->u.map.pairs[p].key;
        const sm_yaml_node_t *v = map->u.map.pairs[p].value;
        const char *name = k->u.scalar.text;
        char full[MAX_KEY];
        int n = snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", name);
        bool fits = n > 0 && (size_t)n < sizeof full && *name;
        size_t i = fits ? find(cfg, full) : SIZE_MAX;
        sm_err_t rc = SM_OK;
        if (i != SIZE_MAX) {
            rc = load_setting(cfg, i, k, v, e);
        } else if (fits && is_group(cfg, full)) {
            if (sm_yaml_is_null(v))
                continue;
            if (v->kind != SM_YAML_MAPPING)
                return sm_yaml_error(e, v, SM_ERR_INVALID, "%s: expected a mapping, got a %s", full,
                                     sm_yaml_kind_name(v));
            rc = load_map(cfg, v, full, e);
        } else if (!*prefix && is_section(cfg, name)) {
            continue; /* read later through sm_config_section */
        } else {
            cands_t *c = sm_malloc(sizeof *c);
            const char *best = c ? suggest(cfg, prefix, name, c) : NULL;
            char q[64];
            snprintf(q, sizeof q, "%s", name);
            sm_yaml_error(e, k, SM_ERR_INVALID, "unknown key \"%s%s\"%s%s%s%s%s", q,
                          strlen(name) >= sizeof q ? "..." : "", *prefix ? " in " : "", prefix,
                          best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
            sm_free(c);
            return SM_ERR_INVALID;
        }
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Forgets the file layer, its document and its name. */
static void drop_file(sm_config_t *cfg)
{
    clear_layer(cfg, SM_CONFIG_FROM_FILE);
    sm_yaml_free(cfg->doc);
    cfg->doc = NULL;
    sm_free(cfg->file);
    cfg->file = NULL;
}

/* Takes ownership of doc: fills the file layer from it. */
static sm_err_t load_doc(sm_config_t *cfg, sm_yaml_doc_t *doc, sm_error_t *e)
{
    drop_file(cfg);
    sm_err_t rc = SM_OK;
    const sm_yaml_node_t *root = doc->root;
    if (root && !sm_yaml_is_null(root)) {
        if (root->kind != SM_YAML_MAPPING) {
            rc = sm_yaml_error(e, root, SM_ERR_INVALID,
                               "expected a mapping of settings at the top, got a %s",
                               sm_yaml_kind_name(root));
            goto out;
        }
        rc = load_map(cfg, root, "", e);
        if (rc)
            goto out;
    }
    cfg->file = sm_strdup(doc->file);
    if (!cfg->file) {
        rc = sm_error_nomem(e, "config file name");
        goto out;
    }
    cfg->doc = doc;
    doc = NULL;
out:
    if (rc)
        clear_layer(cfg, SM_CONFIG_FROM_FILE);
    sm_yaml_free(doc);
    return rc;
}

sm_err_t sm_config_load_buffer(sm_config_t *cfg, const char *name, const void *data, size_t len,
                               sm_error_t *e)
{
    sm_yaml_doc_t *doc = NULL;
    sm_err_t rc = sm_yaml_parse(name, data, len, &doc, e);
    if (rc) {
        drop_file(cfg);
        return rc;
    }
    return load_doc(cfg, doc, e);
}

sm_err_t sm_config_load_file(sm_config_t *cfg, const char *path, bool must_exist, sm_error_t *e)
{
    sm_yaml_doc_t *doc = NULL;
    sm_err_t rc = sm_yaml_load_file(path, &doc, e);
    if (rc) {
        drop_file(cfg);
        if (rc == SM_ERR_NOT_FOUND && !must_exist) {
            sm_error_clear(e);
            return SM_OK;
        }
        return rc;
    }
    return load_doc(cfg, doc, e);
}

sm_err_t sm_config_load_project(sm_config_t *cfg, const char *project, sm_error_t *e)
{
    if (!project)
        return sm_config_load_file(cfg, "smelt.yaml", false, e);
    struct stat st;
    if (stat(project, &st) != 0) {
        if (errno == ENOENT)
            return sm_error_set(e, SM_ERR_NOT_FOUND, "project %s: no such file or directory",
                                project);
        return sm_error_errno(e, errno, "project %s", project);
    }
    if (!S_ISDIR(st.st_mode))
        return sm_config_load_file(cfg, project, true, e);
    size_t n = strlen(project);
    char *path = sm_malloc(n + sizeof "/smelt.yaml");
    if (!path)
        return sm_error_nomem(e, "project path");
    memcpy(path, project, n);
    bool slash = n && project[n - 1] == '/';
    strcpy(path + n, slash ? "smelt.yaml" : "/smelt.yaml");
    sm_err_t rc = sm_config_load_file(cfg, path, true, e);
    sm_free(path);
    return rc;
}

/* ---- environment and flags --------------------------------------------- */

static const char *real_getenv(const char *name, void *ud)
{
    (void)ud;
    return getenv(name);
}

sm_err_t sm_config_load_env(sm_config_t *cfg, sm_config_getenv_fn getenv_fn, void *ud,
                            sm_error_t *e)
{
    if (!getenv_fn)
        getenv_fn = real_getenv;
    clear_layer(cfg, SM_CONFIG_FROM_ENV);
    for (size_t i = 0; i < cfg->count; i++) {
        const sm_config_setting_t *s = &cfg->settings[i];
        const char *name = s->env;
        const char *v = name ? getenv_fn(name, ud) : NULL;
        if ((!v || !*v) && s->env_fallback) {
            name = s->env_fallback;
            v = getenv_fn(name, ud);
        }
        if (!v || !*v)
            continue;
        char where[256];
        snprintf(where, sizeof where, "env %s", name);
        sm_err_t rc = store(cfg, i, SM_CONFIG_FROM_ENV, v, where, e);
        if (rc) {
            if (rc != SM_ERR_NOMEM)
                sm_error_wrap(e, "environment %s", name);
            clear_layer(cfg, SM_CONFIG_FROM_ENV);
            return rc;
        }
    }
    return SM_OK;
}

sm_err_t sm_config_set(sm_config_t *cfg, const char *key, const char *value,
                       sm_config_origin_t origin, sm_error_t *e)
{
    static const char *const where[SM_CONFIG__LAYERS] = {"default", "file", "env", "flag"};
    if ((unsigned)origin >= SM_CONFIG__LAYERS || origin == SM_CONFIG_FROM_DEFAULT)
        return sm_error_set(e, SM_ERR_INVALID, "sm_config_set: bad origin %d", (int)origin);
    size_t i = find(cfg, key);
    if (i == SIZE_MAX) {
        cands_t *c = sm_malloc(sizeof *c);
        const char *best = c && key ? suggest(cfg, "", key, c) : NULL;
        sm_error_set(e, SM_ERR_NOT_FOUND, "unknown setting \"%.64s\"%s%s%s", key ? key : "",
                     best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
        sm_free(c);
        return SM_ERR_NOT_FOUND;
    }
    if (!value) {
        clear_value(val(cfg, i, origin));
        return SM_OK;
    }
    sm_err_t rc = store(cfg, i, origin, value, where[origin], e);
    if (rc && rc != SM_ERR_NOMEM)
        sm_error_wrap(e, "%s", key);
    return rc;
}

/* ---- lookups ----------------------------------------------------------- */

/* The effective value of setting i, or NULL when no layer has one. */
static const value_t *effective(const sm_config_t *cfg, size_t i, sm_config_origin_t *from)
{
    for (int l = SM_CONFIG__LAYERS - 1; l >= 0; l--) {
        const value_t *v = val(cfg, i, (sm_config_origin_t)l);
        if (v->set) {
            if (from)
                *from = (sm_config_origin_t)l;
            return v;
        }
    }
    return NULL;
}

static const value_t *lookup(const sm_config_t *cfg, const char *key, int type)
{
    size_t i = find(cfg, key);
    if (i == SIZE_MAX || (type >= 0 && cfg->settings[i].type != (sm_config_type_t)type))
        return NULL;
    return effective(cfg, i, NULL);
}

const char *sm_config_get_str(const sm_config_t *cfg, const char *key)
{
    const value_t *v = lookup(cfg, key, -1);
    return v ? v->text : NULL;
}

int64_t sm_config_get_int(const sm_config_t *cfg, const char *key)
{
    const value_t *v = lookup(cfg, key, SM_CONFIG_INT);
    return v ? v->num : 0;
}

bool sm_config_get_bool(const sm_config_t *cfg, const char *key)
{
    const value_t *v = lookup(cfg, key, SM_CONFIG_BOOL);
    return v ? v->num != 0 : false;
}

int64_t sm_config_get_size(const sm_config_t *cfg, const char *key)
{
    const value_t *v = lookup(cfg, key, SM_CONFIG_SIZE);
    return v ? v->num : 0;
}

int64_t sm_config_get_duration(const sm_config_t *cfg, const char *key)
{
    const value_t *v = lookup(cfg, key, SM_CONFIG_DURATION);
    return v ? v->num : 0;
}

sm_config_origin_t sm_config_origin(const sm_config_t *cfg, const char *key)
{
    size_t i = find(cfg, key);
    sm_config_origin_t from = SM_CONFIG_FROM_DEFAULT;
    if (i != SIZE_MAX)
        effective(cfg, i, &from);
    return from;
}

bool sm_config_is_set(const sm_config_t *cfg, const char *key)
{
    return sm_config_origin(cfg, key) != SM_CONFIG_FROM_DEFAULT;
}

const char *sm_config_source(const sm_config_t *cfg, const char *key)
{
    size_t i = find(cfg, key);
    if (i == SIZE_MAX)
        return NULL;
    const value_t *v = effective(cfg, i, NULL);
    return v ? v->where : "default";
}

const sm_yaml_node_t *sm_config_section(const sm_config_t *cfg, const char *name)
{
    if (!cfg || !cfg->doc || !name || !is_section(cfg, name))
        return NULL;
    const sm_yaml_node_t *n = sm_yaml_map_get(cfg->doc->root, name);
    return sm_yaml_is_null(n) ? NULL : n;
}

const char *sm_config_file(const sm_config_t *cfg)
{
    return cfg ? cfg->file : NULL;
}

/* ---- dump -------------------------------------------------------------- */

/* Appends text with control bytes escaped (a dump is one line a setting). */
static sm_err_t append_clean(sm_buf_t *out, const char *s, size_t n, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        sm_err_t rc = c < 0x20 || c == 0x7f ? sm_buf_printf(out, e, "\\x%02x", c)
                                            : sm_buf_append_byte(out, c, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* A connection string with its password masked: the password of a URI's
 * user info (scheme://user:PASSWORD@host) and any password=VALUE. */
static sm_err_t append_url_redacted(sm_buf_t *out, const char *s, sm_error_t *e)
{
    const char *scheme = strstr(s, "://");
    size_t i = 0, n = strlen(s);
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memrchr(auth, '@', alen);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            sm_err_t rc = append_clean(out, s, (size_t)(colon + 1 - s), e);
            if (!rc)
                rc = sm_buf_append_str(out, "***", e);
            if (rc)
                return rc;
            i = (size_t)(at - s);
        }
    }
    while (i < n) {
        const char *pw = strstr(s + i, "password=");
        size_t upto = pw ? (size_t)(pw - s) + 9 : n;
        sm_err_t rc = append_clean(out, s + i, upto - i, e);
        if (rc)
            return rc;
        i = upto;
        if (pw) {
            if ((rc = sm_buf_append_str(out, "***", e)))
                return rc;
            i += strcspn(s + i, " &");
        }
    }
    return SM_OK;
}

sm_err_t sm_config_dump(const sm_config_t *cfg, sm_buf_t *out, sm_error_t *e)
{
    for (size_t i = 0; i < cfg->count; i++) {
        const sm_config_setting_t *s = &cfg->settings[i];
        const value_t *v = effective(cfg, i, NULL);
        sm_err_t rc = sm_buf_printf(out, e, "%-22s = ", s->key);
        if (rc)
            return rc;
        if (!v)
            rc = sm_buf_append_str(out, "(not set)", e);
        else if (s->secret)
            rc = sm_buf_append_str(out, "***", e);
        else if (s->url_secret)
            rc = append_url_redacted(out, v->text, e);
        else
            rc = append_clean(out, v->text, strlen(v->text), e);
        if (!rc)
            rc = sm_buf_append_str(out, "  # ", e);
        if (!rc)
            rc = append_clean(out, v ? v->where : "default", strlen(v ? v->where : "default"), e);
        if (!rc)
            rc = sm_buf_append_byte(out, '\n', e);
        if (rc)
            return rc;
    }
    return SM_OK;
}
