/* smelt serve — the web UI over the lake; smelt report — the dashboard as
 * one self-contained HTML file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/provider_lake.h"
#include "core/mem.h"
#include "pipeline/project.h"
#include "serve/serve.h"
#include "stream/stream.h"

/* The project's stream queries for the monitor: each streaming model with
 * the topic of the source it reads (as `smelt stream` resolves them).  A
 * project that cannot be loaded has none (the rest of the UI still works). */
typedef struct monitor_conf {
    sm_project_t *project;
    sm_stream_conf_t sc;
    sm_stream_source_t *own; /* default sources, one per stream */
    sm_lake_stream_t *streams;
    size_t n;
    sm_lake_pg_source_t *pg; /* the console's PostgreSQL targets */
    size_t npg;
} monitor_conf_t;

static void monitor_conf_load(sm_cli_ctx_t *ctx, monitor_conf_t *mc)
{
    sm_error_t e;
    memset(mc, 0, sizeof *mc);
    const char *pg_url = sm_config_get_str(ctx->config, "postgres.url");
    bool loaded = sm_project_load(ctx->config, &mc->project, &e) == SM_OK;
    size_t ns = loaded ? mc->project->nsources : 0;
    if (!(mc->pg = sm_calloc(ns + 2, sizeof *mc->pg)))
        return;
    /* the project's postgres sources; else postgres.url alone as "postgres" */
    for (size_t i = 0; i < ns; i++)
        if (mc->project->sources[i].kind == SM_SOURCE_POSTGRES)
            mc->pg[mc->npg++] = (sm_lake_pg_source_t){
                mc->project->sources[i].name,
                mc->project->sources[i].url ? mc->project->sources[i].url : pg_url};
    if (!mc->npg && pg_url && pg_url[0])
        mc->pg[mc->npg++] = (sm_lake_pg_source_t){"postgres", pg_url};
    if (!loaded || sm_stream_conf_load(ctx->config, &mc->sc, &e))
        return;
    size_t nm = mc->project->nmodels;
    mc->streams = sm_calloc(nm + 1, sizeof *mc->streams);
    mc->own = sm_calloc(nm + 1, sizeof *mc->own);
    if (!mc->streams || !mc->own)
        return;
    for (size_t i = 0; i < nm; i++) {
        const sm_model_t *m = &mc->project->models[i];
        if (strcmp(m->layer, "streaming") != 0)
            continue;
        const char *dot = strchr(m->name, '.');
        const char *name = dot ? dot + 1 : m->name;
        char srcname[256];
        if (sm_stream_model_source(m->sql, srcname, sizeof srcname, &e))
            continue;
        const sm_stream_source_t *src = sm_stream_conf_source(&mc->sc, srcname);
        if (!src) {
            if (sm_stream_source_default(srcname, &mc->own[i], &e))
                continue;
            src = &mc->own[i];
        }
        const sm_stream_model_conf_t *mdc = sm_stream_conf_model(&mc->sc, name);
        mc->streams[mc->n++] = (sm_lake_stream_t){name, src->topic, mdc ? mdc->sink : NULL,
                                                  mdc ? mdc->dead_letters : NULL};
    }
}

static void monitor_conf_free(monitor_conf_t *mc)
{
    for (size_t i = 0; mc->own && mc->project && i < mc->project->nmodels; i++)
        sm_stream_source_free(&mc->own[i]);
    sm_free(mc->own);
    sm_free(mc->streams);
    sm_free(mc->pg);
    sm_stream_conf_free(&mc->sc);
    sm_project_free(mc->project);
}

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
    monitor_conf_t mc;
    monitor_conf_load(ctx, &mc);
    sm_lake_provider_t lp = {.lake = lake,
                             .kafka_bootstrap = sm_config_get_str(ctx->config, "kafka.bootstrap"),
                             .streams = mc.streams,
                             .nstreams = mc.n,
                             .pg_sources = mc.pg,
                             .npg_sources = mc.npg};
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
    monitor_conf_free(&mc);
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
