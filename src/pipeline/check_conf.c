/* pipeline/check_conf — smelt.yaml's models.<name>.checks into sm_check_t
 * (the format is in pipeline/project.h). */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pipeline/checks.h"

static char *dup_str(const char *s, sm_error_t *e, sm_err_t *rc)
{
    char *d = sm_strdup(s);
    if (!d)
        *rc = sm_error_nomem(e, "checks");
    return d;
}

/* A column name: anything printable without a backtick (it is quoted). */
static sm_err_t get_column(const sm_yaml_node_t *n, char **out, sm_error_t *e)
{
    const char *s;
    sm_err_t rc = sm_yaml_get_str(n, &s, e);
    if (rc)
        return rc;
    if (!*s || strchr(s, '`'))
        return sm_yaml_error(e, n, SM_ERR_INVALID, "\"%s\" is not a column name", s);
    return (*out = dup_str(s, e, &rc)) ? SM_OK : rc;
}

/* [a, b] or a single name: into c->cols. */
static sm_err_t get_columns(sm_check_t *c, const sm_yaml_node_t *n, sm_error_t *e)
{
    size_t k = n->kind == SM_YAML_SEQUENCE ? sm_yaml_count(n) : 1;
    if (n->kind == SM_YAML_MAPPING || k == 0)
        return sm_yaml_error(e, n, SM_ERR_INVALID, "expected a column or a list of columns");
    if (!(c->cols = sm_calloc(k, sizeof *c->cols)))
        return sm_error_nomem(e, "checks");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < k; i++) {
        rc = get_column(n->kind == SM_YAML_SEQUENCE ? sm_yaml_seq_at(n, i) : n, &c->cols[i], e);
        if (!rc)
            c->ncols++;
    }
    return rc;
}

static bool is_number(const char *s)
{
    double d;
    return sm_yaml_scan_double(s, &d, NULL) == SM_OK;
}

/* A YAML scalar as a SQL literal: unquoted numbers stay numbers, the rest
 * are strings ('' doubled). */
static sm_err_t sql_literal(const sm_yaml_node_t *n, char **out, sm_error_t *e)
{
    const char *s;
    sm_err_t rc = sm_yaml_get_str(n, &s, e);
    if (rc)
        return rc;
    sm_buf_t b = SM_BUF_INIT;
    if (!n->u.scalar.quoted && is_number(s)) {
        rc = sm_buf_append_str(&b, s, e);
    } else {
        rc = sm_buf_append_byte(&b, '\'', e);
        for (const char *p = s; !rc && *p; p++)
            rc = *p == '\''   ? sm_buf_append_str(&b, "''", e)
                 : *p == '\\' ? sm_buf_append_str(&b, "\\\\", e)
                              : sm_buf_append_byte(&b, (uint8_t)*p, e);
        if (!rc)
            rc = sm_buf_append_byte(&b, '\'', e);
    }
    if (rc) {
        sm_buf_free(&b);
        return rc;
    }
    *out = (char *)sm_buf_detach(&b, NULL);
    return SM_OK;
}

static bool plain(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static sm_err_t load_kind(sm_check_t *c, const char *kind, const sm_yaml_node_t *v, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    const sm_yaml_node_t *n;
    if (strcmp(kind, "not_null") == 0 || strcmp(kind, "unique") == 0) {
        c->kind = kind[0] == 'n' ? SM_CHECK_NOT_NULL : SM_CHECK_UNIQUE;
        return get_columns(c, v, e);
    }
    if (strcmp(kind, "accepted_values") == 0) {
        static const char *const keys[] = {"column", "values", NULL};
        c->kind = SM_CHECK_ACCEPTED_VALUES;
        if ((rc = sm_yaml_check_keys(v, keys, "accepted_values", e)))
            return rc;
        const sm_yaml_node_t *col = sm_yaml_map_get(v, "column");
        const sm_yaml_node_t *vals = sm_yaml_map_get(v, "values");
        if (!col || !vals)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "accepted_values needs column and values");
        if (vals->kind != SM_YAML_SEQUENCE || sm_yaml_count(vals) == 0)
            return sm_yaml_error(e, vals, SM_ERR_INVALID, "values must be a non-empty list");
        if ((rc = get_columns(c, col, e)))
            return rc;
        if (c->ncols != 1)
            return sm_yaml_error(e, col, SM_ERR_INVALID, "accepted_values checks one column");
        if (!(c->values = sm_calloc(sm_yaml_count(vals), sizeof *c->values)))
            return sm_error_nomem(e, "checks");
        for (size_t i = 0; !rc && i < sm_yaml_count(vals); i++)
            if (!(rc = sql_literal(sm_yaml_seq_at(vals, i), &c->values[i], e)))
                c->nvalues++;
        return rc;
    }
    if (strcmp(kind, "relationships") == 0) {
        static const char *const keys[] = {"column", "to", "field", NULL};
        c->kind = SM_CHECK_RELATIONSHIPS;
        if ((rc = sm_yaml_check_keys(v, keys, "relationships", e)))
            return rc;
        const sm_yaml_node_t *col = sm_yaml_map_get(v, "column");
        const sm_yaml_node_t *to = sm_yaml_map_get(v, "to");
        n = sm_yaml_map_get(v, "field");
        if (!col || !to)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "relationships needs column and to");
        if ((rc = get_columns(c, col, e)))
            return rc;
        if (c->ncols != 1)
            return sm_yaml_error(e, col, SM_ERR_INVALID, "relationships checks one column");
        if ((rc = get_column(n ? n : col, &c->field, e)))
            return rc;
        const char *t;
        if ((rc = sm_yaml_get_str(to, &t, e)))
            return rc;
        const char *dot = strchr(t, '.');
        char layer[256];
        snprintf(layer, sizeof layer, "%.*s", dot ? (int)(dot - t) : 0, t);
        if (!dot || !plain(layer) || !plain(dot + 1))
            return sm_yaml_error(e, to, SM_ERR_INVALID,
                                 "to must name a table as layer.table, not \"%s\"", t);
        return (c->to = dup_str(t, e, &rc)) ? SM_OK : rc;
    }
    if (strcmp(kind, "row_count") == 0) {
        static const char *const keys[] = {"min", "max", NULL};
        c->kind = SM_CHECK_ROW_COUNT;
        c->min = c->max = -1;
        if ((rc = sm_yaml_check_keys(v, keys, "row_count", e)))
            return rc;
        if ((n = sm_yaml_map_get(v, "min")) && (rc = sm_yaml_get_int(n, 0, INT64_MAX, &c->min, e)))
            return rc;
        if ((n = sm_yaml_map_get(v, "max")) && (rc = sm_yaml_get_int(n, 0, INT64_MAX, &c->max, e)))
            return rc;
        if (c->min < 0 && c->max < 0)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "row_count needs min or max");
        if (c->max >= 0 && c->min > c->max)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "row_count: min is above max");
        return SM_OK;
    }
    if (strcmp(kind, "sql") == 0) {
        const char *s;
        c->kind = SM_CHECK_SQL;
        if ((rc = sm_yaml_get_str(v, &s, e)))
            return rc;
        if (!*s)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "an empty sql check");
        return (c->sql = dup_str(s, e, &rc)) ? SM_OK : rc;
    }
    return SM_ERR_NOT_FOUND;
}

/* The default label: kind(columns) / kind(column -> to.field) / kind. */
static sm_err_t make_label(sm_check_t *c, const char *kind, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_buf_printf(&b, e, "%s", kind);
    if (!rc && c->kind == SM_CHECK_RELATIONSHIPS)
        rc = sm_buf_printf(&b, e, "(%s -> %s.%s)", c->cols[0], c->to, c->field);
    else if (!rc && c->kind == SM_CHECK_ROW_COUNT)
        rc = c->max >= 0 ? sm_buf_printf(&b, e, "(%lld..%lld)",
                                         (long long)(c->min < 0 ? 0 : c->min), (long long)c->max)
                         : sm_buf_printf(&b, e, "(>= %lld)", (long long)c->min);
    else if (!rc && c->ncols) {
        for (size_t i = 0; !rc && i < c->ncols; i++)
            rc = sm_buf_printf(&b, e, "%s%s", i ? ", " : "(", c->cols[i]);
        if (!rc)
            rc = sm_buf_append_str(&b, ")", e);
    }
    if (rc) {
        sm_buf_free(&b);
        return rc;
    }
    c->label = (char *)sm_buf_detach(&b, NULL);
    return SM_OK;
}

static sm_err_t load_check(sm_check_t *c, const sm_yaml_node_t *n, sm_error_t *e)
{
    static const char *const kinds[] = {"not_null",      "unique",    "accepted_values",
                                        "relationships", "row_count", "sql"};
    static const char *const keys[] = {
        "not_null", "unique", "accepted_values", "relationships", "row_count",
        "sql",      "name",   "severity",        "on_fail",       NULL};
    sm_err_t rc = SM_OK;
    char where[512];
    snprintf(where, sizeof where, "%s:%u:%u", n->file ? n->file : "smelt.yaml", n->line, n->column);
    if (!(c->where = dup_str(where, e, &rc)))
        return rc;
    if ((rc = sm_yaml_check_keys(n, keys, "a check", e)))
        return rc;
    const char *kind = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const sm_yaml_node_t *v = sm_yaml_map_get(n, kinds[i]);
        if (!v)
            continue;
        if (kind)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "a check has one kind (%s or %s)", kind,
                                 kinds[i]);
        kind = kinds[i];
        if ((rc = load_kind(c, kind, v, e)))
            return rc;
    }
    if (!kind)
        return sm_yaml_error(e, n, SM_ERR_INVALID,
                             "a check needs a kind: not_null, unique, accepted_values, "
                             "relationships, row_count or sql");
    const sm_yaml_node_t *v;
    const char *s;
    if ((v = sm_yaml_map_get(n, "severity"))) {
        if ((rc = sm_yaml_get_str(v, &s, e)))
            return rc;
        if (strcmp(s, "warn") != 0 && strcmp(s, "error") != 0)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "severity must be error or warn, not \"%s\"",
                                 s);
        c->warn = s[0] == 'w';
    }
    if ((v = sm_yaml_map_get(n, "on_fail"))) {
        if ((rc = sm_yaml_get_str(v, &s, e)))
            return rc;
        if (strcmp(s, "quarantine") != 0 && strcmp(s, "fail") != 0)
            return sm_yaml_error(e, v, SM_ERR_INVALID,
                                 "on_fail must be fail or quarantine, not \"%s\"", s);
        c->quarantine = s[0] == 'q';
        if (c->quarantine && c->warn)
            return sm_yaml_error(e, v, SM_ERR_INVALID,
                                 "severity warn keeps the rows: it cannot quarantine them");
        if (c->quarantine && c->kind == SM_CHECK_ROW_COUNT)
            return sm_yaml_error(e, v, SM_ERR_INVALID, "row_count has no bad rows to quarantine");
    }
    if ((v = sm_yaml_map_get(n, "name"))) {
        if ((rc = sm_yaml_get_str(v, &s, e)))
            return rc;
        return (c->label = dup_str(s, e, &rc)) ? SM_OK : rc;
    }
    return make_label(c, kind, e);
}

sm_err_t sm_checks_load(sm_project_t *p, const sm_yaml_node_t *models, sm_error_t *e)
{
    static const char *const keys[] = {"checks", NULL};
    if (models->kind != SM_YAML_MAPPING)
        return sm_yaml_error(e, models, SM_ERR_INVALID,
                             "models must be a mapping of model names (layer.name) to settings");
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < sm_yaml_count(models); i++) {
        const sm_yaml_pair_t *kv = sm_yaml_map_at(models, i);
        const char *name;
        if ((rc = sm_yaml_get_str(kv->key, &name, e)))
            break;
        sm_model_t *m = (sm_model_t *)sm_project_model(p, name);
        if (!m) {
            const char *dot = strchr(name, '.');
            rc = sm_yaml_error(e, kv->key, SM_ERR_NOT_FOUND,
                               "no model %s (expected the file models/%.*s/%s.sql)", name,
                               dot ? (int)(dot - name) : 0, name, dot ? dot + 1 : name);
            break;
        }
        if (sm_yaml_is_null(kv->value))
            continue;
        if ((rc = sm_yaml_check_keys(kv->value, keys, "a model's settings", e)))
            break;
        const sm_yaml_node_t *checks = sm_yaml_map_get(kv->value, "checks");
        if (!checks || sm_yaml_is_null(checks))
            continue;
        if (checks->kind != SM_YAML_SEQUENCE) {
            rc = sm_yaml_error(e, checks, SM_ERR_INVALID, "checks must be a list");
            break;
        }
        size_t n = sm_yaml_count(checks);
        if (!(m->checks = sm_calloc(n + 1, sizeof *m->checks))) {
            rc = sm_error_nomem(e, "checks");
            break;
        }
        for (size_t k = 0; !rc && k < n; k++) {
            m->nchecks++;
            rc = load_check(&m->checks[k], sm_yaml_seq_at(checks, k), e);
        }
    }
    return rc;
}

void sm_checks_free(sm_check_t *checks, size_t n)
{
    for (size_t i = 0; checks && i < n; i++) {
        sm_check_t *c = &checks[i];
        for (size_t k = 0; k < c->ncols; k++)
            sm_free(c->cols[k]);
        sm_free(c->cols);
        for (size_t k = 0; k < c->nvalues; k++)
            sm_free(c->values[k]);
        sm_free(c->values);
        sm_free(c->label);
        sm_free(c->where);
        sm_free(c->to);
        sm_free(c->field);
        sm_free(c->sql);
    }
    sm_free(checks);
}
