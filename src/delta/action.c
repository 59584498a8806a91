#include "delta/action.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Parsing context of one line: where we are, for error messages. */
typedef struct line_ctx {
    const char *name;
    size_t line;
    const char *action;
    sm_arena_t *arena;
    sm_error_t *e;
} line_ctx_t;

static sm_err_t fail(line_ctx_t *c, sm_err_t code, const char *fmt, const char *field)
{
    char what[256];
    snprintf(what, sizeof what, fmt, field);
    return sm_error_set(c->e, code, "%s:%zu: %s: %s", c->name, c->line, c->action, what);
}

static sm_err_t nomem(line_ctx_t *c)
{
    return sm_error_set(c->e, SM_ERR_NOMEM, "%s:%zu: out of memory", c->name, c->line);
}

static sm_err_t dup_str(line_ctx_t *c, const char *s, const char **out)
{
    *out = sm_arena_strdup(c->arena, s);
    return *out ? SM_OK : nomem(c);
}

/* A required or optional string field.  JSON null counts as absent. */
static sm_err_t get_str(line_ctx_t *c, json_t *obj, const char *key, bool required,
                        const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", key);
        return SM_OK;
    }
    if (!json_is_string(v))
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must be a string", key);
    return dup_str(c, json_string_value(v), out);
}

static sm_err_t get_i64(line_ctx_t *c, json_t *obj, const char *key, bool required, int64_t absent,
                        int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    *out = absent;
    if (!v || json_is_null(v)) {
        if (required)
            return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", key);
        return SM_OK;
    }
    if (!json_is_integer(v))
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must be an integer", key);
    *out = (int64_t)json_integer_value(v);
    return SM_OK;
}

static sm_err_t get_bool(line_ctx_t *c, json_t *obj, const char *key, bool required, bool *out)
{
    json_t *v = json_object_get(obj, key);
    *out = false;
    if (!v || json_is_null(v)) {
        if (required)
            return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", key);
        return SM_OK;
    }
    if (!json_is_boolean(v))
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must be true or false", key);
    *out = json_is_true(v);
    return SM_OK;
}

/* A JSON object of string → string|null. */
static sm_err_t get_kv(line_ctx_t *c, json_t *obj, const char *key, bool required,
                       sm_delta_kv_t **out, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", key);
        return SM_OK;
    }
    if (!json_is_object(v))
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must be an object", key);
    size_t count = json_object_size(v);
    if (count == 0)
        return SM_OK;
    sm_delta_kv_t *kv = sm_arena_alloc(c->arena, count * sizeof *kv);
    if (!kv)
        return nomem(c);
    const char *k;
    json_t *val;
    size_t i = 0;
    json_object_foreach(v, k, val)
    {
        if (!json_is_string(val) && !json_is_null(val))
            return fail(c, SM_ERR_CORRUPT, "values of \"%s\" must be strings or null", key);
        if (dup_str(c, k, &kv[i].key))
            return c->e ? c->e->code : SM_ERR_NOMEM;
        kv[i].value = NULL;
        if (json_is_string(val) && dup_str(c, json_string_value(val), &kv[i].value))
            return c->e ? c->e->code : SM_ERR_NOMEM;
        i++;
    }
    *out = kv;
    *n = i;
    return SM_OK;
}

static sm_err_t get_str_array(line_ctx_t *c, json_t *obj, const char *key, bool required,
                              const char ***out, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", key);
        return SM_OK;
    }
    if (!json_is_array(v))
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must be an array", key);
    size_t count = json_array_size(v);
    if (count == 0)
        return SM_OK;
    const char **arr = sm_arena_alloc(c->arena, count * sizeof *arr);
    if (!arr)
        return nomem(c);
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return fail(c, SM_ERR_CORRUPT, "elements of \"%s\" must be strings", key);
        if (dup_str(c, json_string_value(s), &arr[i]))
            return c->e ? c->e->code : SM_ERR_NOMEM;
    }
    *out = arr;
    *n = count;
    return SM_OK;
}

static sm_err_t get_path(line_ctx_t *c, json_t *obj, const char **out)
{
    const char *raw;
    sm_err_t rc = get_str(c, obj, "path", true, &raw);
    if (rc)
        return rc;
    sm_error_t pe;
    if (sm_delta_path_decode(raw, c->arena, out, &pe))
        return fail(c, pe.code, "%.200s", pe.msg);
    return SM_OK;
}

static sm_err_t parse_add(line_ctx_t *c, json_t *o, sm_delta_add_t *a)
{
    sm_err_t rc;
    if ((rc = get_path(c, o, &a->path)) ||
        (rc =
             get_kv(c, o, "partitionValues", true, &a->partition_values, &a->n_partition_values)) ||
        (rc = get_i64(c, o, "size", true, 0, &a->size)) ||
        (rc = get_i64(c, o, "modificationTime", true, 0, &a->modification_time)) ||
        (rc = get_bool(c, o, "dataChange", true, &a->data_change)) ||
        (rc = get_str(c, o, "stats", false, &a->stats)))
        return rc;
    if (a->size < 0)
        return fail(c, SM_ERR_CORRUPT, "field \"%s\" must not be negative", "size");
    json_t *dv = json_object_get(o, "deletionVector");
    a->deletion_vector = dv && !json_is_null(dv);
    return SM_OK;
}

static sm_err_t parse_remove(line_ctx_t *c, json_t *o, sm_delta_remove_t *r)
{
    sm_err_t rc;
    if ((rc = get_path(c, o, &r->path)) ||
        (rc = get_i64(c, o, "deletionTimestamp", false, 0, &r->deletion_timestamp)) ||
        (rc = get_bool(c, o, "dataChange", true, &r->data_change)) ||
        (rc = get_bool(c, o, "extendedFileMetadata", false, &r->extended_file_metadata)) ||
        (rc = get_kv(c, o, "partitionValues", false, &r->partition_values,
                     &r->n_partition_values)) ||
        (rc = get_i64(c, o, "size", false, -1, &r->size)))
        return rc;
    json_t *dv = json_object_get(o, "deletionVector");
    r->deletion_vector = dv && !json_is_null(dv);
    return SM_OK;
}

static sm_err_t parse_metadata(line_ctx_t *c, json_t *o, sm_delta_metadata_t *m)
{
    sm_err_t rc;
    if ((rc = get_str(c, o, "id", true, &m->id)) || (rc = get_str(c, o, "name", false, &m->name)) ||
        (rc = get_str(c, o, "description", false, &m->description)) ||
        (rc = get_str(c, o, "schemaString", false, &m->schema_string)) ||
        (rc = get_str_array(c, o, "partitionColumns", true, &m->partition_columns,
                            &m->n_partition_columns)) ||
        (rc = get_kv(c, o, "configuration", false, &m->configuration, &m->n_configuration)) ||
        (rc = get_i64(c, o, "createdTime", false, -1, &m->created_time)))
        return rc;
    json_t *fmt = json_object_get(o, "format");
    if (!fmt || !json_is_object(fmt))
        return fail(c, SM_ERR_CORRUPT, "missing required field \"%s\"", "format");
    return get_str(c, fmt, "provider", true, &m->provider);
}

static sm_err_t parse_protocol(line_ctx_t *c, json_t *o, sm_delta_protocol_t *p)
{
    int64_t r, w;
    sm_err_t rc;
    if ((rc = get_i64(c, o, "minReaderVersion", true, 0, &r)) ||
        (rc = get_i64(c, o, "minWriterVersion", true, 0, &w)) ||
        (rc = get_str_array(c, o, "readerFeatures", false, &p->reader_features,
                            &p->n_reader_features)) ||
        (rc = get_str_array(c, o, "writerFeatures", false, &p->writer_features,
                            &p->n_writer_features)))
        return rc;
    if (r < 1 || r > 1000 || w < 1 || w > 1000)
        return fail(c, SM_ERR_CORRUPT, "%s", "reader and writer versions must be 1 to 1000");
    p->min_reader_version = (int32_t)r;
    p->min_writer_version = (int32_t)w;
    return SM_OK;
}

static sm_err_t parse_txn(line_ctx_t *c, json_t *o, sm_delta_txn_t *t)
{
    sm_err_t rc;
    if ((rc = get_str(c, o, "appId", true, &t->app_id)) ||
        (rc = get_i64(c, o, "version", true, 0, &t->version)) ||
        (rc = get_i64(c, o, "lastUpdated", false, -1, &t->last_updated)))
        return rc;
    return SM_OK;
}

static sm_err_t parse_commit_info(line_ctx_t *c, json_t *o, sm_delta_commit_info_t *ci)
{
    sm_err_t rc;
    json_t *ts = json_object_get(o, "timestamp");
    ci->timestamp = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : -1;
    json_t *op = json_object_get(o, "operation");
    ci->operation = NULL;
    if (json_is_string(op) && (rc = dup_str(c, json_string_value(op), &ci->operation)))
        return rc;
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return nomem(c);
    ci->json = sm_arena_strdup(c->arena, text);
    free(text); /* allocated by jansson */
    return ci->json ? SM_OK : nomem(c);
}

sm_err_t sm_delta_parse_action(const char *name, size_t line_no, const char *line, size_t len,
                               sm_arena_t *arena, sm_delta_action_t *out, sm_error_t *e)
{
    line_ctx_t c = {.name = name, .line = line_no, .action = "action", .arena = arena, .e = e};
    if (len > SM_DELTA_MAX_LINE_BYTES)
        return sm_error_set(e, SM_ERR_LIMIT, "%s:%zu: line is %zu bytes, over the %u-byte limit",
                            name, line_no, len, SM_DELTA_MAX_LINE_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%d: invalid JSON: %s", name, line_no,
                            jerr.column, jerr.text);
    sm_err_t rc = SM_OK;
    memset(out, 0, sizeof *out);
    if (!json_is_object(root) || json_object_size(root) != 1) {
        rc = sm_error_set(e, SM_ERR_CORRUPT,
                          "%s:%zu: an action must be a JSON object with exactly one key", name,
                          line_no);
        goto out;
    }
    const char *key = json_object_iter_key(json_object_iter(root));
    json_t *body = json_object_iter_value(json_object_iter(root));
    c.action = key;
    if (!json_is_object(body)) {
        rc = fail(&c, SM_ERR_CORRUPT, "%s", "the action's value must be an object");
        goto out;
    }
    if (strcmp(key, "add") == 0) {
        out->kind = SM_DELTA_ADD;
        rc = parse_add(&c, body, &out->u.add);
    } else if (strcmp(key, "remove") == 0) {
        out->kind = SM_DELTA_REMOVE;
        rc = parse_remove(&c, body, &out->u.remove);
    } else if (strcmp(key, "metaData") == 0) {
        out->kind = SM_DELTA_METADATA;
        rc = parse_metadata(&c, body, &out->u.metadata);
    } else if (strcmp(key, "protocol") == 0) {
        out->kind = SM_DELTA_PROTOCOL;
        rc = parse_protocol(&c, body, &out->u.protocol);
    } else if (strcmp(key, "txn") == 0) {
        out->kind = SM_DELTA_TXN;
        rc = parse_txn(&c, body, &out->u.txn);
    } else if (strcmp(key, "commitInfo") == 0) {
        out->kind = SM_DELTA_COMMIT_INFO;
        rc = parse_commit_info(&c, body, &out->u.commit_info);
    } else {
        out->kind = SM_DELTA_OTHER;
        rc = dup_str(&c, key, &out->other_name);
    }
out:
    json_decref(root);
    return rc;
}

sm_err_t sm_delta_parse_commit(const char *name, const uint8_t *data, size_t len, sm_arena_t *arena,
                               sm_delta_action_t **out, size_t *n, sm_error_t *e)
{
    *out = NULL;
    *n = 0;
    if (len > SM_DELTA_MAX_COMMIT_BYTES)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: commit file is %zu bytes, over the limit", name,
                            len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    lines++;
    sm_delta_action_t *acts = sm_arena_alloc(arena, lines * sizeof *acts);
    if (!acts)
        return sm_error_nomem(e, "delta commit actions");
    size_t count = 0, line_no = 0, start = 0;
    while (start < len) {
        const uint8_t *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;
        line_no++;
        size_t l = end, s = start;
        while (s < l && (data[s] == ' ' || data[s] == '\t' || data[s] == '\r'))
            s++;
        while (l > s && (data[l - 1] == ' ' || data[l - 1] == '\t' || data[l - 1] == '\r'))
            l--;
        if (l > s) {
            sm_err_t rc = sm_delta_parse_action(name, line_no, (const char *)data + s, l - s, arena,
                                                &acts[count], e);
            if (rc)
                return rc;
            count++;
        }
        start = end + 1;
    }
    *out = acts;
    *n = count;
    return SM_OK;
}

/* ---- writing ---------------------------------------------------------- */

static int set_new(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *kv_object(const sm_delta_kv_t *kv, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        if (set_new(o, kv[i].key, kv[i].value ? json_string(kv[i].value) : json_null())) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *str_array(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_string(s[i]))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *encoded_path(const char *path)
{
    sm_buf_t b = SM_BUF_INIT;
    json_t *s = NULL;
    if (sm_delta_path_encode(path, &b, NULL) == SM_OK)
        s = json_string((const char *)b.data);
    sm_buf_free(&b);
    return s;
}

static json_t *build(const sm_delta_action_t *a, const char **key)
{
    json_t *o = json_object();
    int bad = !o;
    switch (a->kind) {
    case SM_DELTA_ADD: {
        const sm_delta_add_t *x = &a->u.add;
        *key = "add";
        bad =
            bad || set_new(o, "path", encoded_path(x->path)) ||
            set_new(o, "partitionValues", kv_object(x->partition_values, x->n_partition_values)) ||
            set_new(o, "size", json_integer(x->size)) ||
            set_new(o, "modificationTime", json_integer(x->modification_time)) ||
            set_new(o, "dataChange", json_boolean(x->data_change)) ||
            (x->stats && set_new(o, "stats", json_string(x->stats)));
        break;
    }
    case SM_DELTA_REMOVE: {
        const sm_delta_remove_t *x = &a->u.remove;
        *key = "remove";
        bad = bad || set_new(o, "path", encoded_path(x->path)) ||
              set_new(o, "deletionTimestamp", json_integer(x->deletion_timestamp)) ||
              set_new(o, "dataChange", json_boolean(x->data_change)) ||
              set_new(o, "extendedFileMetadata", json_boolean(x->extended_file_metadata)) ||
              (x->extended_file_metadata &&
               (set_new(o, "partitionValues",
                        kv_object(x->partition_values, x->n_partition_values)) ||
                set_new(o, "size", json_integer(x->size))));
        break;
    }
    case SM_DELTA_METADATA: {
        const sm_delta_metadata_t *x = &a->u.metadata;
        json_t *fmt = json_object();
        *key = "metaData";
        bad = bad || !fmt ||
              set_new(fmt, "provider", json_string(x->provider ? x->provider : "parquet")) ||
              set_new(fmt, "options", json_object());
        bad = bad || set_new(o, "id", json_string(x->id)) ||
              (x->name && set_new(o, "name", json_string(x->name))) ||
              (x->description && set_new(o, "description", json_string(x->description))) ||
              set_new(o, "format", fmt) ||
              set_new(o, "schemaString", json_string(x->schema_string)) ||
              set_new(o, "partitionColumns",
                      str_array(x->partition_columns, x->n_partition_columns)) ||
              set_new(o, "configuration", kv_object(x->configuration, x->n_configuration)) ||
              (x->created_time >= 0 && set_new(o, "createdTime", json_integer(x->created_time)));
        break;
    }
    case SM_DELTA_PROTOCOL: {
        const sm_delta_protocol_t *x = &a->u.protocol;
        *key = "protocol";
        bad = bad || set_new(o, "minReaderVersion", json_integer(x->min_reader_version)) ||
              set_new(o, "minWriterVersion", json_integer(x->min_writer_version)) ||
              (x->reader_features &&
               set_new(o, "readerFeatures", str_array(x->reader_features, x->n_reader_features))) ||
              (x->writer_features &&
               set_new(o, "writerFeatures", str_array(x->writer_features, x->n_writer_features)));
        break;
    }
    case SM_DELTA_TXN: {
        const sm_delta_txn_t *x = &a->u.txn;
        *key = "txn";
        bad = bad || set_new(o, "appId", json_string(x->app_id)) ||
              set_new(o, "version", json_integer(x->version)) ||
              (x->last_updated >= 0 && set_new(o, "lastUpdated", json_integer(x->last_updated)));
        break;
    }
    case SM_DELTA_COMMIT_INFO: {
        const sm_delta_commit_info_t *x = &a->u.commit_info;
        *key = "commitInfo";
        json_decref(o);
        o = NULL;
        if (x->json) {
            o = json_loads(x->json, 0, NULL);
        } else {
            o = json_object();
            bad = !o ||
                  (x->timestamp >= 0 && set_new(o, "timestamp", json_integer(x->timestamp))) ||
                  (x->operation && set_new(o, "operation", json_string(x->operation)));
        }
        bad = bad || !o;
        break;
    }
    default:
        bad = 1;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

sm_err_t sm_delta_action_write(const sm_delta_action_t *a, sm_buf_t *out, sm_error_t *e)
{
    if (a->kind == SM_DELTA_OTHER)
        return sm_error_set(e, SM_ERR_INTERNAL, "cannot write a \"%s\" action",
                            a->other_name ? a->other_name : "unknown");
    const char *key = NULL;
    json_t *body = build(a, &key);
    if (!body)
        return sm_error_set(e, SM_ERR_NOMEM,
                            "out of memory (or a NULL field) writing a delta action");
    json_t *root = json_object();
    char *text = NULL;
    sm_err_t rc = SM_OK;
    if (!root || json_object_set_new(root, key, body)) {
        if (!root)
            json_decref(body);
        rc = sm_error_nomem(e, "delta action");
        goto out;
    }
    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        rc = sm_error_nomem(e, "delta action text");
        goto out;
    }
    if ((rc = sm_buf_append_str(out, text, e)) == SM_OK)
        rc = sm_buf_append_byte(out, '\n', e);
out:
    free(text); /* jansson's allocation */
    json_decref(root);
    return rc;
}

/* ---- paths and helpers ------------------------------------------------ */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

sm_err_t sm_delta_path_decode(const char *s, sm_arena_t *arena, const char **out, sm_error_t *e)
{
    size_t n = strlen(s);
    char *d = sm_arena_alloc(arena, n + 1);
    if (!d)
        return sm_error_nomem(e, "delta path");
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "bad percent-escape at offset %zu in path \"%s\"", i, s);
        if (hi == 0 && lo == 0)
            return sm_error_set(e, SM_ERR_CORRUPT, "path \"%s\" contains an encoded NUL byte", s);
        d[j++] = (char)(hi * 16 + lo);
        i += 2;
    }
    d[j] = '\0';
    *out = d;
    return SM_OK;
}

sm_err_t sm_delta_path_encode(const char *s, sm_buf_t *out, sm_error_t *e)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
                    ch == '/';
        sm_err_t rc;
        if (keep) {
            rc = sm_buf_append_byte(out, ch, e);
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            rc = sm_buf_append(out, esc, 3, e);
        }
        if (rc)
            return rc;
    }
    return SM_OK;
}

bool sm_delta_kv_find(const sm_delta_kv_t *kv, size_t n, const char *key, const char **value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].key, key) == 0) {
            if (value)
                *value = kv[i].value;
            return true;
        }
    }
    return false;
}

void sm_delta_commit_name(int64_t version, char out[26])
{
    snprintf(out, 26, "%020" PRId64 ".json", version);
}
