/* Settings and logger of one smelt invocation. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "columnar/print.h"

int sm_cli_load(sm_cli_ctx_t *ctx)
{
    if (ctx->config)
        return SM_EXIT_OK;
    sm_error_t e;
    sm_config_t *cfg = sm_config_new();
    sm_log_t *log = NULL;
    if (!cfg) {
        sm_error_nomem(&e, "configuration");
        return sm_cli_fail("config", &e);
    }
    sm_err_t rc = sm_config_load_project(cfg, ctx->project, &e);
    if (!rc)
        rc = sm_config_load_env(cfg, NULL, NULL, &e);
    if (!rc && ctx->lake)
        rc = sm_config_set(cfg, "lake", ctx->lake, SM_CONFIG_FROM_FLAG, &e);
    if (!rc && ctx->log_level)
        rc = sm_config_set(cfg, "log.level", ctx->log_level, SM_CONFIG_FROM_FLAG, &e);
    if (!rc && ctx->log_format)
        rc = sm_config_set(cfg, "log.format", ctx->log_format, SM_CONFIG_FROM_FLAG, &e);
    if (!rc)
        rc = sm_log_new(&log, &e);
    if (!rc) {
        sm_log_level_t level;
        sm_log_format_t format;
        if (!(rc = sm_log_level_parse(sm_config_get_str(cfg, "log.level"), &level, &e)) &&
            !(rc = sm_log_format_parse(sm_config_get_str(cfg, "log.format"), &format, &e))) {
            sm_log_set_level(log, level);
            sm_log_set_format(log, format);
        }
    }
    /* secrets never reach the log */
    static const char *const secrets[] = {"s3.secret_access_key", "serve.token"};
    for (size_t i = 0; !rc && i < sizeof secrets / sizeof secrets[0]; i++) {
        const char *s = sm_config_get_str(cfg, secrets[i]);
        if (s && s[0])
            rc = sm_log_add_secret(log, s, &e);
    }
    if (rc) {
        sm_log_free(log);
        sm_config_free(cfg);
        return sm_cli_fail("config", &e);
    }
    ctx->config = cfg;
    ctx->log = log;
    return SM_EXIT_OK;
}

int sm_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts)
{
    char spec[128];
    /* ':' first: a missing argument returns ':' so we can say so */
    snprintf(spec, sizeof spec, ":%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c == '?') {
        const char *bad = argv[optind - 1];
        if (optopt)
            sm_cli_usage_error(cmd, "unknown option -%c", optopt);
        else
            sm_cli_usage_error(cmd, "unknown option %s", bad);
        return '?';
    }
    if (c == ':') {
        sm_cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        return '?';
    }
    return c;
}

int sm_cli_format(const char *cmd, const char *text)
{
    if (strcmp(text, "table") == 0)
        return SM_PRINT_TABLE;
    if (strcmp(text, "csv") == 0)
        return SM_PRINT_CSV;
    if (strcmp(text, "json") == 0)
        return SM_PRINT_JSON;
    sm_cli_usage_error(cmd, "--format must be table, csv or json, not \"%s\"", text);
    return -1;
}
