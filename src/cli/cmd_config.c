/* smelt config — the effective settings and where each comes from. */
#include <stdio.h>

#include "cli/commands.h"

int sm_cmd_config(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = sm_cli_getopt("config", argc, argv, "h", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt config\n\n"
                   "Prints every setting with its effective value and its source: a flag,\n"
                   "an environment variable, smelt.yaml (file:line:column) or the default.\n"
                   "Secrets are shown as ***.  See docs/config.md.\n");
            return SM_EXIT_OK;
        }
        return SM_EXIT_USAGE;
    }
    if (optind < argc)
        return sm_cli_usage_error("config", "unexpected argument \"%s\"", argv[optind]);
    int status = sm_cli_load(ctx);
    if (status)
        return status;
    sm_buf_t out = SM_BUF_INIT;
    sm_error_t e;
    if (sm_config_dump(ctx->config, &out, &e)) {
        sm_buf_free(&out);
        return sm_cli_fail("config", &e);
    }
    fwrite(out.data, 1, out.len, stdout);
    sm_buf_free(&out);
    return SM_EXIT_OK;
}
