#include "delta/schema.h"

#include "core/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct ctx {
    sm_delta_schema_info_t *info;
    sm_error_t *e;
    char path[512]; /* JSON path of the node being parsed, for messages */
} ctx_t;

static sm_err_t bad(ctx_t *c, const char *what)
{
    return sm_error_set(c->e, SM_ERR_CORRUPT, "schema: %s: %s", c->path[0] ? c->path : "(root)",
                        what);
}

static size_t push(ctx_t *c, const char *fmt, const char *s, size_t i)
{
    size_t len = strlen(c->path);
    char tmp[128];
    snprintf(tmp, sizeof tmp, fmt, s, i);
    snprintf(c->path + len, sizeof c->path - len, "%s", tmp);
    return len;
}

static sm_err_t parse_type(ctx_t *c, json_t *j, int depth, sm_type_t **out);

static sm_type_t *primitive(const char *name)
{
    static const struct {
        const char *name;
        sm_type_t *(*make)(void);
    } prims[] = {
        {"string", sm_type_string},
        {"long", sm_type_int64},
        {"integer", sm_type_int32},
        {"short", sm_type_int16},
        {"byte", sm_type_int8},
        {"float", sm_type_float32},
        {"double", sm_type_float64},
        {"boolean", sm_type_bool},
        {"binary", sm_type_binary},
        {"date", sm_type_date},
        {"timestamp", sm_type_timestamp_tz},
        {"timestamp_ntz", sm_type_timestamp},
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (strcmp(name, prims[i].name) == 0)
            return prims[i].make();
    return NULL;
}

static sm_err_t parse_primitive(ctx_t *c, const char *name, sm_type_t **out)
{
    sm_type_t *t = primitive(name);
    if (t) {
        *out = t;
        return SM_OK;
    }
    int p, s, n = 0;
    if (sscanf(name, "decimal(%d,%d)%n", &p, &s, &n) == 2 && name[n] == '\0') {
        if (!(*out = sm_type_decimal(p, s)))
            return bad(c, "decimal precision must be 1..38 and scale 0..precision");
        return SM_OK;
    }
    /* Kernel also accepts spaces: "decimal(10, 2)". */
    if (sscanf(name, "decimal(%d, %d)%n", &p, &s, &n) == 2 && name[n] == '\0') {
        if (!(*out = sm_type_decimal(p, s)))
            return bad(c, "decimal precision must be 1..38 and scale 0..precision");
        return SM_OK;
    }
    char msg[160];
    if (strcmp(name, "variant") == 0)
        snprintf(msg, sizeof msg, "the variant type is not supported");
    else
        snprintf(msg, sizeof msg, "unknown type \"%.100s\"", name);
    return sm_error_set(c->e, strcmp(name, "variant") == 0 ? SM_ERR_UNSUPPORTED : SM_ERR_CORRUPT,
                        "schema: %s: %s", c->path[0] ? c->path : "(root)", msg);
}

static bool get_bool(json_t *o, const char *key, bool dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static void scan_metadata(ctx_t *c, json_t *md)
{
    if (!json_is_object(md) || !c->info)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(md, k, v)
    {
        if (strncmp(k, "delta.columnMapping.", 20) == 0)
            c->info->has_column_mapping = true;
        else if (strcmp(k, "delta.invariants") == 0)
            c->info->has_invariants = true;
        else if (strcmp(k, "delta.generationExpression") == 0)
            c->info->has_generated = true;
    }
}

static sm_err_t parse_struct(ctx_t *c, json_t *j, int depth, sm_type_t **out)
{
    json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields))
        return bad(c, "a struct needs a \"fields\" array");
    size_t n = json_array_size(fields);
    sm_field_t *fs = sm_calloc(n ? n : 1, sizeof *fs);
    if (!fs)
        return sm_error_nomem(c->e, "schema fields");
    sm_err_t rc = SM_OK;
    size_t i;
    for (i = 0; i < n; i++) {
        size_t mark = push(c, "%sfields[%zu]", c->path[0] ? "." : "", i);
        json_t *f = json_array_get(fields, i);
        json_t *name = json_object_get(f, "name");
        if (!json_is_object(f) || !json_is_string(name)) {
            rc = bad(c, "a field needs a string \"name\"");
        } else {
            fs[i].name = (char *)json_string_value(name);
            fs[i].nullable = get_bool(f, "nullable", true);
            scan_metadata(c, json_object_get(f, "metadata"));
            push(c, "%s", ".type", 0);
            rc = parse_type(c, json_object_get(f, "type"), depth + 1, &fs[i].type);
        }
        c->path[mark] = '\0';
        if (rc)
            break;
    }
    if (rc) {
        for (size_t k = 0; k < i; k++)
            sm_type_free(fs[k].type);
        sm_free(fs);
        return rc;
    }
    *out = sm_type_struct(fs, n); /* copies names, takes the types */
    sm_free(fs);
    return *out ? SM_OK : sm_error_nomem(c->e, "schema struct");
}

static sm_err_t parse_type(ctx_t *c, json_t *j, int depth, sm_type_t **out)
{
    *out = NULL;
    if (depth > MAX_DEPTH)
        return bad(c, "types are nested too deeply");
    if (json_is_string(j))
        return parse_primitive(c, json_string_value(j), out);
    if (!json_is_object(j))
        return bad(c, "a type must be a string or an object");
    json_t *tj = json_object_get(j, "type");
    const char *kind = json_is_string(tj) ? json_string_value(tj) : "";
    sm_err_t rc;
    if (strcmp(kind, "struct") == 0)
        return parse_struct(c, j, depth, out);
    if (strcmp(kind, "array") == 0) {
        sm_type_t *elem;
        size_t mark = push(c, "%s", ".elementType", 0);
        rc = parse_type(c, json_object_get(j, "elementType"), depth + 1, &elem);
        c->path[mark] = '\0';
        if (rc)
            return rc;
        *out = sm_type_list_ex(elem, get_bool(j, "containsNull", true));
        return *out ? SM_OK : sm_error_nomem(c->e, "schema array");
    }
    if (strcmp(kind, "map") == 0) {
        sm_type_t *k, *v;
        size_t mark = push(c, "%s", ".keyType", 0);
        rc = parse_type(c, json_object_get(j, "keyType"), depth + 1, &k);
        c->path[mark] = '\0';
        if (rc)
            return rc;
        mark = push(c, "%s", ".valueType", 0);
        rc = parse_type(c, json_object_get(j, "valueType"), depth + 1, &v);
        c->path[mark] = '\0';
        if (rc) {
            sm_type_free(k);
            return rc;
        }
        *out = sm_type_map_ex(k, v, get_bool(j, "valueContainsNull", true));
        return *out ? SM_OK : sm_error_nomem(c->e, "schema map");
    }
    return bad(c, "an object type must be struct, array or map");
}

sm_err_t sm_delta_schema_parse(const char *json, sm_type_t **out, sm_delta_schema_info_t *info,
                               sm_error_t *e)
{
    *out = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sm_error_set(e, SM_ERR_CORRUPT, "schema: invalid JSON at column %d: %s", jerr.column,
                            jerr.text);
    ctx_t c = {.info = info, .e = e};
    sm_err_t rc;
    json_t *tj = json_object_get(root, "type");
    if (!json_is_string(tj) || strcmp(json_string_value(tj), "struct") != 0)
        rc = bad(&c, "the schema must be a struct");
    else
        rc = parse_struct(&c, root, 0, out);
    json_decref(root);
    return rc;
}

/* ---- writing ---------------------------------------------------------- */

static json_t *type_json(const sm_type_t *t, int depth);

static json_t *struct_json(const sm_type_t *t, int depth)
{
    json_t *fields = json_array();
    json_t *o = json_pack("{s:s,s:o}", "type", "struct", "fields", fields);
    if (!o)
        return NULL;
    for (uint32_t i = 0; i < t->nfields; i++) {
        json_t *ft = type_json(t->fields[i].type, depth + 1);
        json_t *f = ft ? json_pack("{s:s,s:o,s:b,s:{}}", "name", t->fields[i].name, "type", ft,
                                   "nullable", t->fields[i].nullable, "metadata")
                       : NULL;
        if (!f || json_array_append_new(fields, f)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *type_json(const sm_type_t *t, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    char name[48];
    switch (t->kind) {
    case SM_TYPE_BOOL:
        return json_string("boolean");
    case SM_TYPE_INT8:
        return json_string("byte");
    case SM_TYPE_INT16:
        return json_string("short");
    case SM_TYPE_INT32:
        return json_string("integer");
    case SM_TYPE_INT64:
        return json_string("long");
    case SM_TYPE_FLOAT32:
        return json_string("float");
    case SM_TYPE_FLOAT64:
        return json_string("double");
    case SM_TYPE_DATE:
        return json_string("date");
    case SM_TYPE_TIMESTAMP:
        return json_string("timestamp_ntz");
    case SM_TYPE_TIMESTAMP_TZ:
        return json_string("timestamp");
    case SM_TYPE_STRING:
        return json_string("string");
    case SM_TYPE_BINARY:
        return json_string("binary");
    case SM_TYPE_DECIMAL:
        snprintf(name, sizeof name, "decimal(%d,%d)", t->precision, t->scale);
        return json_string(name);
    case SM_TYPE_STRUCT:
        return struct_json(t, depth);
    case SM_TYPE_LIST: {
        json_t *elem = type_json(sm_type_list_elem(t), depth + 1);
        return elem ? json_pack("{s:s,s:o,s:b}", "type", "array", "elementType", elem,
                                "containsNull", t->fields[0].nullable)
                    : NULL;
    }
    case SM_TYPE_MAP: {
        json_t *k = type_json(sm_type_map_key(t), depth + 1);
        json_t *v = k ? type_json(sm_type_map_value(t), depth + 1) : NULL;
        if (!v) {
            json_decref(k);
            return NULL;
        }
        return json_pack("{s:s,s:o,s:o,s:b}", "type", "map", "keyType", k, "valueType", v,
                         "valueContainsNull", t->fields[0].type->fields[1].nullable);
    }
    default:
        return NULL; /* NULL type has no Delta form */
    }
}

sm_err_t sm_delta_schema_write(const sm_type_t *schema, sm_buf_t *out, sm_error_t *e)
{
    if (schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "a Delta schema must be a struct");
    json_t *j = struct_json(schema, 0);
    if (!j)
        return sm_error_set(e, SM_ERR_INVALID,
                            "schema cannot be written as Delta (a void column, or out of memory)");
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!text)
        return sm_error_nomem(e, "schema string");
    sm_err_t rc = sm_buf_append_str(out, text, e);
    free(text); /* jansson's allocation */
    return rc;
}
