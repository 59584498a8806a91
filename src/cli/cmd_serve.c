/* smelt serve — the web UI over the lake; smelt report — the dashboard as
 * one self-contained HTML file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/provider_lake.h"
#include "serve/serve.h"

int sm_cmd_serve(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int c;
    const char *listen = NULL;
    while ((c = sm_cli_getopt("serve", argc, argv, "hl:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt serve [--listen HOST:PORT]\n\n"
                   "Serves the web UI (dashboard, lake browser, stream monitor, runs, and the\n"
                   "JSON API and /metrics behind them) over the lake, on 127.0.0.1:8080 by\n"
                   "default (serve.listen, SMELT_SERVE_LISTEN).  Binding anything but loopback\n"
                   "requires an access token: serve.token (SMELT_SERVE_TOKEN), or one is\n"
                   "generated and printed once.  Stops on Ctrl-C.\n");
            return SM_EXIT_OK;
        }
        if (c == 'l') {
            listen = optarg;
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (optind < argc)
        return sm_cli_usage_error("serve", "unexpected argument \"%s\"", argv[optind]);
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "serve", &lake);
    if (status)
        return status;
    sm_lake_provider_t lp = {.lake = lake};
    sm_provider_t prov = sm_lake_provider(&lp);
    const char *token = sm_config_get_str(ctx->config, "serve.token");
    sm_serve_opts_t so = {
        .listen = listen ? listen : sm_config_get_str(ctx->config, "serve.listen"),
        .token = token && token[0] ? token : NULL,
        .log = ctx->log,
    };
    sm_error_t e;
    if (sm_serve_run(&so, &prov, &e))
        status = sm_cli_fail("serve", &e);
    sm_lake_provider_free(&lp);
    sm_lake_close(lake);
    return status;
}

int sm_cmd_report(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"out", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int c;
    const char *out = NULL;
    while ((c = sm_cli_getopt("report", argc, argv, "ho:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt report --out FILE.html\n\n"
                   "Writes the dashboard (KPIs, charts, the RFM table) as one self-contained\n"
                   "HTML file — inline SVG and CSS, no script — to mail or archive.\n");
            return SM_EXIT_OK;
        }
        if (c == 'o') {
            out = optarg;
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (!out || optind < argc)
        return sm_cli_usage_error("report", "expected --out FILE.html");
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "report", &lake);
    if (status)
        return status;
    sm_lake_provider_t lp = {.lake = lake};
    sm_provider_t prov = sm_lake_provider(&lp);
    sm_buf_t html = SM_BUF_INIT;
    sm_error_t e;
    if (sm_serve_report(&prov, &html, &e)) {
        status = sm_cli_fail("report", &e);
    } else {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(html.data, 1, html.len, f) != html.len) {
            sm_error_errno(&e, errno, "cannot write %s", out);
            status = sm_cli_fail("report", &e);
        }
        if (f && fclose(f) != 0 && !status) {
            sm_error_errno(&e, errno, "cannot write %s", out);
            status = sm_cli_fail("report", &e);
        }
    }
    sm_buf_free(&html);
    sm_lake_provider_free(&lp);
    sm_lake_close(lake);
    return status;
}
