#include "cli/output.h"

#include "core/yaml.h"

#include <stdio.h>
#include <string.h>

int sm_cli_print(const char *cmd, int format, const sm_type_t *schema,
                 const sm_batch_t *const *batches, size_t n)
{
    sm_buf_t out = SM_BUF_INIT;
    sm_error_t e;
    sm_err_t rc = sm_print_batches((sm_print_format_t)format, schema, batches, n, NULL, &out, &e);
    if (!rc && out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = sm_error_set(&e, SM_ERR_IO, "cannot write to standard output");
    sm_buf_free(&out);
    return rc ? sm_cli_fail(cmd, &e) : SM_EXIT_OK;
}

sm_batch_t *sm_cli_batch(const char *cmd, const char *schema)
{
    sm_error_t e;
    sm_type_t *t = NULL;
    sm_batch_t *b = NULL;
    if (sm_type_parse(schema, strlen(schema), &t, &e) || sm_batch_new(t, 0, &b, &e)) {
        sm_cli_fail(cmd, &e);
        b = NULL;
    }
    sm_type_free(t);
    return b;
}

/* A setting, or NULL when it is unset or empty (so the store falls back to
 * its own defaults). */
static const char *setting(const sm_config_t *cfg, const char *key)
{
    const char *s = sm_config_get_str(cfg, key);
    return s && s[0] ? s : NULL;
}

int sm_cli_open_lake(sm_cli_ctx_t *ctx, const char *cmd, sm_lake_t **lake)
{
    int status = sm_cli_load(ctx);
    if (status)
        return status;
    sm_error_t e;
    const char *loc = sm_config_get_str(ctx->config, "lake");
    /* a relative lake written in smelt.yaml is relative to that file, so a
     * project runs the same from any directory */
    char resolved[4096];
    const char *file = sm_config_file(ctx->config);
    if (loc && loc[0] != '/' && !strstr(loc, "://") && file &&
        sm_config_origin(ctx->config, "lake") == SM_CONFIG_FROM_FILE) {
        const char *slash = strrchr(file, '/');
        if (slash) {
            snprintf(resolved, sizeof resolved, "%.*s/%s", (int)(slash - file), file, loc);
            loc = resolved;
        }
    }
    sm_store_opts_t opts = {
        .endpoint = setting(ctx->config, "s3.endpoint"),
        .region = setting(ctx->config, "s3.region"),
        .access_key_id = setting(ctx->config, "s3.access_key_id"),
        .secret_access_key = setting(ctx->config, "s3.secret_access_key"),
    };
    if (sm_lake_open(loc, &opts, lake, &e))
        return sm_cli_fail(cmd, &e);
    /* layers elsewhere: `layers: {bronze: s3://bronze, ...}` (the reference's
     * three buckets) */
    const sm_yaml_node_t *layers = sm_config_section(ctx->config, "layers");
    if (layers && !sm_yaml_is_null(layers)) {
        sm_err_t rc = layers->kind == SM_YAML_MAPPING
                          ? SM_OK
                          : sm_yaml_error(&e, layers, SM_ERR_INVALID,
                                          "layers must map layer names to locations");
        for (size_t i = 0; !rc && i < sm_yaml_count(layers); i++) {
            const sm_yaml_pair_t *p = sm_yaml_map_at(layers, i);
            const char *name, *where;
            if (!(rc = sm_yaml_get_str(p->key, &name, &e)) &&
                !(rc = sm_yaml_get_str(p->value, &where, &e)))
                rc = sm_lake_map_layer(*lake, name, where, &e);
        }
        if (rc) {
            sm_lake_close(*lake);
            *lake = NULL;
            return sm_cli_fail(cmd, &e);
        }
    }
    return SM_EXIT_OK;
}
