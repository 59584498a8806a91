/* stream/source — the `streams` section of smelt.yaml: stream sources and
 * per-model settings (see stream.h), and the small parsers for triggers,
 * output modes and durations. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/str.h"
#include "stream/stream.h"

sm_err_t sm_stream_duration_parse(const char *text, int64_t *ms, sm_error_t *e)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1},           {"millisecond", 1},  {"milliseconds", 1}, {"msec", 1},
                 {"s", 1000},         {"sec", 1000},       {"secs", 1000},      {"second", 1000},
                 {"seconds", 1000},   {"m", 60000},        {"min", 60000},      {"mins", 60000},
                 {"minute", 60000},   {"minutes", 60000},  {"h", 3600000},      {"hour", 3600000},
                 {"hours", 3600000},  {"d", 86400000},     {"day", 86400000},   {"days", 86400000},
                 {"week", 604800000}, {"weeks", 604800000}};
    const char *p = text ? text : "";
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        goto bad;
    int64_t n = 0;
    while (isdigit((unsigned char)*p)) {
        if (n > INT64_MAX / 10 / 1000)
            goto bad;
        n = n * 10 + (*p++ - '0');
    }
    while (isspace((unsigned char)*p))
        p++;
    size_t len = strlen(p);
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].unit) == len && strncasecmp(p, units[i].unit, len) == 0) {
            if (n <= 0 || n > INT64_MAX / units[i].ms / 1000)
                goto bad;
            *ms = n * units[i].ms;
            return SM_OK;
        }
    }
bad:
    return sm_error_set(e, SM_ERR_INVALID,
                        "bad duration \"%s\" (expected e.g. 10 seconds, 500ms, 1 minute)",
                        text ? text : "");
}

sm_err_t sm_stream_trigger_parse(const char *text, sm_stream_trigger_t *out, sm_error_t *e)
{
    if (text && strcmp(text, "available-now") == 0) {
        *out = (sm_stream_trigger_t){SM_STREAM_AVAILABLE_NOW, 0};
        return SM_OK;
    }
    if (text && strcmp(text, "continuous") == 0) {
        *out = (sm_stream_trigger_t){SM_STREAM_CONTINUOUS, 0};
        return SM_OK;
    }
    if (text && strncmp(text, "interval:", 9) == 0) {
        int64_t ms;
        if (sm_stream_duration_parse(text + 9, &ms, NULL) == SM_OK) {
            *out = (sm_stream_trigger_t){SM_STREAM_INTERVAL, ms};
            return SM_OK;
        }
    }
    return sm_error_set(
        e, SM_ERR_INVALID,
        "bad trigger \"%s\" (expected available-now, interval:DURATION or continuous)",
        text ? text : "");
}

sm_err_t sm_stream_output_parse(const char *text, sm_stream_output_t *out, sm_error_t *e)
{
    static const char *names[] = {"complete", "update", "append"};
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, names[i]) == 0) {
            *out = (sm_stream_output_t)i;
            return SM_OK;
        }
    return sm_error_set(e, SM_ERR_INVALID,
                        "bad output mode \"%s\" (expected complete, update or append)",
                        text ? text : "");
}

const char *sm_stream_output_name(sm_stream_output_t o)
{
    return o == SM_STREAM_UPDATE ? "update" : o == SM_STREAM_APPEND ? "append" : "complete";
}

/* ISO-8601 "2024-05-01T10:00:00[.123][Z|+02:00]" (or a space for T) to ms. */
static bool parse_iso_ms(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return false;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m2 = 0;
        if (sscanf(p + 1, "%2d:%2d:%lf%n", &h, &mi, &sec, &m2) != 3)
            return false;
        p += 1 + m2;
    }
    int64_t off = 0;
    if (*p == 'Z')
        p++;
    else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
            return false;
        off = (int64_t)(oh * 60 + om) * 60000 * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
        return false;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    int64_t t = (int64_t)timegm(&tm);
    *ms = t * 1000 + (int64_t)(sec * 1000 + 0.5) - off;
    return true;
}

static sm_err_t get_str(const sm_yaml_node_t *m, const char *key, char **out, sm_error_t *e)
{
    const sm_yaml_node_t *v = sm_yaml_map_get(m, key);
    if (!v || sm_yaml_is_null(v))
        return SM_OK;
    const char *s;
    sm_err_t rc = sm_yaml_get_str(v, &s, e);
    if (rc)
        return rc;
    *out = sm_strdup(s);
    return *out ? SM_OK : sm_error_nomem(e, "streams");
}

static sm_err_t load_source(const char *name, const sm_yaml_node_t *m, sm_stream_source_t *s,
                            sm_error_t *e)
{
    static const char *const keys[] = {
        "type",      "topic", "format", "schema", "timestamp_field", "starting_offsets",
        "watermark", NULL};
    sm_err_t rc = sm_yaml_check_keys(m, keys, "stream source", e);
    if (rc)
        return rc;
    s->name = sm_strdup(name);
    s->watermark_ms = -1;
    s->start = SM_KAFKA_START_EARLIEST;
    if (!s->name)
        return sm_error_nomem(e, "streams");
    char *fmt = NULL, *schema = NULL, *start = NULL;
    if ((rc = get_str(m, "topic", &s->topic, e)) || (rc = get_str(m, "format", &fmt, e)) ||
        (rc = get_str(m, "schema", &schema, e)) ||
        (rc = get_str(m, "timestamp_field", &s->timestamp_field, e)) ||
        (rc = get_str(m, "starting_offsets", &start, e)))
        goto out;
    if (!s->topic && !(s->topic = sm_strdup(SM_KAFKA_DEFAULT_TOPIC))) {
        rc = sm_error_nomem(e, "streams");
        goto out;
    }
    if (fmt && strcmp(fmt, "json") != 0) {
        rc = sm_yaml_error(e, sm_yaml_map_get(m, "format"), SM_ERR_UNSUPPORTED,
                           "stream %s: format \"%s\" is not supported (json is)", name, fmt);
        goto out;
    }
    if (schema) {
        if ((rc = sm_type_parse(schema, strlen(schema), &s->schema, e))) {
            rc = sm_yaml_error(e, sm_yaml_map_get(m, "schema"), rc, "stream %s: schema: %s", name,
                               e ? e->msg : "");
            goto out;
        }
        if (s->schema->kind != SM_TYPE_STRUCT) {
            rc = sm_yaml_error(e, sm_yaml_map_get(m, "schema"), SM_ERR_INVALID,
                               "stream %s: the schema must be a struct<...>", name);
            goto out;
        }
    } else if (!(s->schema = sm_kafka_event_schema(false))) {
        rc = sm_error_nomem(e, "schema");
        goto out;
    }
    if (s->timestamp_field &&
        sm_type_field_index(s->schema, s->timestamp_field, strlen(s->timestamp_field), true) < 0) {
        rc = sm_yaml_error(e, sm_yaml_map_get(m, "timestamp_field"), SM_ERR_INVALID,
                           "stream %s: timestamp_field \"%s\" is not in the schema", name,
                           s->timestamp_field);
        goto out;
    }
    if (start) {
        if (strcmp(start, "earliest") == 0)
            s->start = SM_KAFKA_START_EARLIEST;
        else if (strcmp(start, "latest") == 0)
            s->start = SM_KAFKA_START_LATEST;
        else if (parse_iso_ms(start, &s->start_ts_ms))
            s->start = SM_KAFKA_START_TIMESTAMP;
        else {
            rc = sm_yaml_error(e, sm_yaml_map_get(m, "starting_offsets"), SM_ERR_INVALID,
                               "stream %s: starting_offsets: expected earliest, latest or an "
                               "ISO-8601 time, got \"%s\"",
                               name, start);
            goto out;
        }
    }
    const sm_yaml_node_t *wm = sm_yaml_map_get(m, "watermark");
    if (wm && !sm_yaml_is_null(wm) && (rc = sm_yaml_get_duration(wm, &s->watermark_ms, e)))
        goto out;
out:
    sm_free(fmt);
    sm_free(schema);
    sm_free(start);
    return rc;
}

static sm_err_t load_model(const char *name, const sm_yaml_node_t *m, sm_stream_model_conf_t *c,
                           sm_error_t *e)
{
    static const char *const keys[] = {
        "type",         "sink",          "output_mode",    "trigger", "watermark", "late_events",
        "dead_letters", "log_retention", "file_retention", "vacuum",  NULL};
    sm_err_t rc = sm_yaml_check_keys(m, keys, "stream model", e);
    if (rc)
        return rc;
    c->name = sm_strdup(name);
    c->watermark_ms = -1;
    if (!c->name)
        return sm_error_nomem(e, "streams");
    char *out = NULL, *trig = NULL, *late = NULL;
    if ((rc = get_str(m, "sink", &c->sink, e)) || (rc = get_str(m, "output_mode", &out, e)) ||
        (rc = get_str(m, "trigger", &trig, e)) || (rc = get_str(m, "late_events", &late, e)) ||
        (rc = get_str(m, "dead_letters", &c->dead_letters, e)))
        goto done;
    if (out && (rc = sm_stream_output_parse(out, &c->output, e))) {
        rc = sm_yaml_error(e, sm_yaml_map_get(m, "output_mode"), rc, "%s", e ? e->msg : "");
        goto done;
    }
    c->has_output = out != NULL;
    if (trig && (rc = sm_stream_trigger_parse(trig, &c->trigger, e))) {
        rc = sm_yaml_error(e, sm_yaml_map_get(m, "trigger"), rc, "%s", e ? e->msg : "");
        goto done;
    }
    c->has_trigger = trig != NULL;
    if (late && strcmp(late, "drop") != 0) {
        c->late_table = late;
        late = NULL;
    }
    const sm_yaml_node_t *wm = sm_yaml_map_get(m, "watermark");
    if (wm && !sm_yaml_is_null(wm) && (rc = sm_yaml_get_duration(wm, &c->watermark_ms, e)))
        goto done;
    static const char *const hk[] = {"log_retention", "file_retention", "vacuum"};
    int64_t *hv[] = {&c->log_retention_ms, &c->file_retention_ms, &c->vacuum_ms};
    for (size_t i = 0; i < 3 && !rc; i++) {
        const sm_yaml_node_t *n = sm_yaml_map_get(m, hk[i]);
        if (n && !sm_yaml_is_null(n))
            rc = sm_yaml_get_duration(n, hv[i], e);
    }
done:
    sm_free(out);
    sm_free(trig);
    sm_free(late);
    return rc;
}

sm_err_t sm_stream_conf_load(const sm_config_t *cfg, sm_stream_conf_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    const sm_yaml_node_t *sec = cfg ? sm_config_section(cfg, "streams") : NULL;
    if (!sec)
        return SM_OK;
    if (sec->kind != SM_YAML_MAPPING)
        return sm_yaml_error(e, sec, SM_ERR_INVALID, "streams: expected a mapping of names");
    size_t n = sm_yaml_count(sec);
    out->sources = sm_calloc(n + 1, sizeof *out->sources);
    out->models = sm_calloc(n + 1, sizeof *out->models);
    if (!out->sources || !out->models) {
        sm_stream_conf_free(out);
        return sm_error_nomem(e, "streams");
    }
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_yaml_pair_t *p = sm_yaml_map_at(sec, i);
        const char *name = p->key->u.scalar.text;
        if (p->value->kind != SM_YAML_MAPPING) {
            rc = sm_yaml_error(e, p->value, SM_ERR_INVALID, "streams.%s: expected a mapping", name);
            break;
        }
        const sm_yaml_node_t *t = sm_yaml_map_get(p->value, "type");
        const char *type = t && t->kind == SM_YAML_SCALAR ? t->u.scalar.text : NULL;
        if (type && strcmp(type, "kafka") == 0)
            rc = load_source(name, p->value, &out->sources[out->nsources++], e);
        else if (type && strcmp(type, "model") == 0)
            rc = load_model(name, p->value, &out->models[out->nmodels++], e);
        else
            rc = sm_yaml_error(e, t ? t : p->value, SM_ERR_INVALID,
                               "streams.%s: type must be kafka (a source) or model (settings of "
                               "a streaming model)",
                               name);
    }
    if (rc)
        sm_stream_conf_free(out);
    return rc;
}

void sm_stream_conf_free(sm_stream_conf_t *c)
{
    for (size_t i = 0; c->sources && i < c->nsources; i++)
        sm_stream_source_free(&c->sources[i]);
    for (size_t i = 0; c->models && i < c->nmodels; i++) {
        sm_stream_model_conf_t *m = &c->models[i];
        sm_free(m->name);
        sm_free(m->sink);
        sm_free(m->late_table);
        sm_free(m->dead_letters);
    }
    sm_free(c->sources);
    sm_free(c->models);
    memset(c, 0, sizeof *c);
}

const sm_stream_source_t *sm_stream_conf_source(const sm_stream_conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->nsources; i++)
        if (sm_str_eq_nocase(sm_str_c(c->sources[i].name), sm_str_c(name)))
            return &c->sources[i];
    return NULL;
}

const sm_stream_model_conf_t *sm_stream_conf_model(const sm_stream_conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->nmodels; i++)
        if (strcmp(c->models[i].name, name) == 0)
            return &c->models[i];
    return NULL;
}

sm_err_t sm_stream_source_default(const char *name, sm_stream_source_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    out->name = sm_strdup(name);
    out->topic = sm_strdup(SM_KAFKA_DEFAULT_TOPIC);
    out->timestamp_field = sm_strdup("timestamp");
    out->schema = sm_kafka_event_schema(false);
    out->start = SM_KAFKA_START_EARLIEST;
    out->watermark_ms = -1;
    if (!out->name || !out->topic || !out->timestamp_field || !out->schema) {
        sm_stream_source_free(out);
        return sm_error_nomem(e, "stream source");
    }
    return SM_OK;
}

void sm_stream_source_free(sm_stream_source_t *s)
{
    sm_free(s->name);
    sm_free(s->topic);
    sm_free(s->timestamp_field);
    sm_type_free(s->schema);
    memset(s, 0, sizeof *s);
}
