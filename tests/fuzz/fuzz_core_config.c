/*
 * fuzz_core_config — smelt.yaml bytes through the YAML tree builder, every
 * typed accessor, and the layered configuration (load, lookups, sections,
 * dump).  Must never crash, hang or leak, whatever the bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed[] = {"lake", "log", "name", "table", NULL};

/* Visits every node (aliases expanded: bounded by SM_YAML_MAX_NODES). */
static void walk(const sm_yaml_node_t *n, unsigned *sink)
{
    if (!n)
        return;
    sm_error_t e;
    *sink += n->line + n->column + (unsigned)sm_yaml_is_null(n);
    if (n->kind == SM_YAML_SCALAR) {
        const char *s;
        int64_t i;
        bool b;
        double d;
        sm_yaml_get_str(n, &s, &e);
        if (!sm_yaml_get_int(n, -1000, 1000, &i, &e))
            *sink += (unsigned)i;
        sm_yaml_get_bool(n, &b, &e);
        sm_yaml_get_double(n, &d, &e);
        sm_yaml_get_duration(n, &i, &e);
        sm_yaml_get_size(n, &i, &e);
        return;
    }
    sm_yaml_check_keys(n, allowed, "fuzz", &e);
    sm_yaml_get_int(n, 0, 1, &(int64_t){0}, &e);
    for (size_t k = 0; k < sm_yaml_count(n); k++) {
        if (n->kind == SM_YAML_SEQUENCE) {
            walk(sm_yaml_seq_at(n, k), sink);
        } else {
            const sm_yaml_pair_t *p = sm_yaml_map_at(n, k);
            walk(p->key, sink);
            walk(p->value, sink);
            *sink += sm_yaml_map_get(n, p->key->u.scalar.text) != NULL;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    volatile unsigned result = 0;
    unsigned sink = 0;
    sm_error_t e;
    sm_yaml_doc_t *doc = NULL;
    if (sm_yaml_parse("fuzz.yaml", data, size, &doc, &e) == SM_OK) {
        walk(doc->root, &sink);
        sm_yaml_free(doc);
    }

    sm_config_t *cfg = sm_config_new();
    if (!cfg)
        return 0;
    if (sm_config_load_buffer(cfg, "smelt.yaml", data, size, &e) == SM_OK) {
        size_t n;
        const sm_config_setting_t *s = sm_config_settings(&n);
        for (size_t i = 0; i < n; i++) {
            const char *v = sm_config_get_str(cfg, s[i].key);
            const char *src = sm_config_source(cfg, s[i].key);
            sink += (v ? (unsigned)v[0] : 0) + (unsigned)src[0];
        }
        sink += (unsigned)sm_config_get_size(cfg, "memory.budget");
        for (const char *const *sec = sm_config_section_names(); *sec; sec++)
            walk(sm_config_section(cfg, *sec), &sink);
        sm_buf_t out = SM_BUF_INIT;
        out.limit = 1 << 20;
        sm_config_dump(cfg, &out, &e);
        sink += (unsigned)out.len;
        sm_buf_free(&out);
    }
    sm_config_free(cfg);
    result = sink;
    (void)result;
    return 0;
}
