/* smelt run — ingest the project's sources into bronze (silver and gold
 * models join when the SQL engine lands), with a summary table, and record
 * the run in _smelt.runs. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "delta/commit.h"
#include "core/yaml.h"
#include "delta/snapshot.h"
#include "pipeline/bronze.h"
#include "pipeline/checks.h"
#include "pipeline/models.h"
#include "pipeline/project.h"
#include "pipeline/runlog.h"
#include "sql/query.h"

/* What one table's run leaves for the run log. */
typedef struct run_item {
    char model[600];
    char input[640];
    const char *inputs[1];
    int64_t versions[64];
    char error[SM_ERROR_MSG_MAX];
    char *checks; /* the checks' outcomes (owned), NULL without checks */
} run_item_t;

static int64_t table_version(sm_lake_t *lake, const char *name)
{
    sm_lake_table_t t;
    if (sm_lake_resolve(lake, name, &t, NULL))
        return -1;
    sm_delta_snapshot_t *s = NULL;
    int64_t v =
        sm_delta_snapshot_load(t.store, t.prefix, NULL, &s, NULL) == SM_OK ? s->version : -1;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return v;
}

/* The project's text dashboard (project.dashboard in smelt.yaml): a list of
 * {title, sql, empty} panels, each printed as a table — the reference
 * notebook's closing print-out. */
static void print_dashboard(const sm_cli_ctx_t *ctx, sm_lake_t *lake, sm_pool_t *pool)
{
    const sm_yaml_node_t *proj = sm_config_section(ctx->config, "project");
    const sm_yaml_node_t *dash =
        proj && proj->kind == SM_YAML_MAPPING ? sm_yaml_map_get(proj, "dashboard") : NULL;
    if (!dash || dash->kind != SM_YAML_SEQUENCE)
        return;
    for (size_t i = 0; i < sm_yaml_count(dash); i++) {
        const sm_yaml_node_t *panel = sm_yaml_seq_at(dash, i);
        const char *title = "", *sql = NULL, *empty = "(no rows)";
        const sm_yaml_node_t *n;
        if (panel->kind != SM_YAML_MAPPING)
            continue;
        if ((n = sm_yaml_map_get(panel, "title")))
            sm_yaml_get_str(n, &title, NULL);
        if ((n = sm_yaml_map_get(panel, "sql")))
            sm_yaml_get_str(n, &sql, NULL);
        if ((n = sm_yaml_map_get(panel, "empty")))
            sm_yaml_get_str(n, &empty, NULL);
        if (!sql)
            continue;
        printf("\n== %s\n", title);
        sm_query_opts_t qo = {.pool = pool, .read_only = true};
        sm_query_result_t r = {0};
        sm_error_t e;
        if (sm_query_run(lake, sql, &qo, NULL, NULL, &r, &e) != SM_OK || !r.schema || r.rows == 0) {
            printf("%s\n", empty);
        } else {
            fflush(stdout);
            sm_cli_print("run", SM_PRINT_TABLE, r.schema, (const sm_batch_t *const *)r.batches,
                         r.nbatches);
        }
        sm_query_result_free(&r);
    }
}

int sm_cmd_run(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    while ((c = sm_cli_getopt("run", argc, argv, "hf:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt run [--format table|csv|json] [TABLE...]\n\n"
                   "Runs the pipeline project (smelt.yaml in --project or the current\n"
                   "directory): every source table it lists is ingested into bronze.<name>,\n"
                   "then every SQL model models/<layer>/<name>.sql becomes the table\n"
                   "<layer>.<name>, in the order their inputs require.  Select with names:\n"
                   "bronze.orders, gold.rfm_analysis, +gold.x (with its upstream models),\n"
                   "silver.y+ (with its downstream models).  Prints a summary (table, rows,\n"
                   "seconds, version, status) and the project's dashboard panels, and\n"
                   "records the run in the lake table _smelt.runs.  A failing table keeps\n"
                   "its last good version and makes the run exit 1.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("run", optarg)) >= 0)
            continue;
        return SM_EXIT_USAGE;
    }
    int nsel = argc - optind;
    char **sel = argv + optind;
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "run", &lake);
    if (status)
        return status;
    sm_error_t e;
    sm_project_t *p = NULL;
    sm_batch_t *summary = NULL;
    run_item_t *items = NULL;
    sm_run_record_t *recs = NULL;
    size_t nrecs = 0;
    sm_model_plan_t plan = {0};
    sm_pool_t *pool = NULL;
    if (sm_project_load(ctx->config, &p, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    if (sm_models_plan(p, lake, &plan, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    for (int i = 0; i < nsel; i++) {
        bool known = false;
        const char *s0 = sel[i] + (sel[i][0] == '+');
        size_t l0 = strlen(s0);
        if (l0 && s0[l0 - 1] == '+')
            l0--;
        for (size_t k = 0; k < p->nbronze && !known; k++) {
            char name[600];
            snprintf(name, sizeof name, "bronze.%s", p->bronze[k].name);
            known = strcmp(name, sel[i]) == 0;
        }
        for (size_t k = 0; k < p->nmodels && !known; k++)
            known = strlen(p->models[k].name) == l0 && strncmp(p->models[k].name, s0, l0) == 0;
        if (!known) {
            status = sm_cli_usage_error("run", "the project has no table or model \"%s\"", sel[i]);
            goto out;
        }
    }
    /* a checks column when some model has checks (the layout stays as it
     * was for projects without) */
    bool any_checks = false;
    for (size_t k = 0; k < p->nmodels; k++)
        any_checks |= p->models[k].nchecks > 0;
    summary = sm_cli_batch(
        "run", any_checks ? "struct<table:string,rows:bigint,seconds:double,version:bigint,"
                            "status:string,checks:string>"
                          : "struct<table:string,rows:bigint,seconds:double,version:bigint,"
                            "status:string>");
    items = sm_calloc(p->nbronze + p->nmodels + 1, sizeof *items);
    recs = sm_calloc(p->nbronze + p->nmodels + 1, sizeof *recs);
    if (sm_pool_new(&pool, 0, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    char run_id[SM_UUID_STR_LEN + 1];
    if (!summary || !items || !recs || sm_uuid4(run_id, &e)) {
        if (!summary || !items || !recs)
            sm_error_nomem(&e, "run");
        status = sm_cli_fail("run", &e);
        goto out;
    }
    const char *conninfo = sm_config_get_str(ctx->config, "postgres.url");
    if (conninfo && !conninfo[0])
        conninfo = NULL;
    int64_t now = sm_delta_now_ms();
    int failures = 0;
    for (size_t k = 0; k < p->nbronze; k++) {
        const sm_bronze_table_t *bt = &p->bronze[k];
        run_item_t *it = &items[nrecs];
        snprintf(it->model, sizeof it->model, "bronze.%s", bt->name);
        bool wanted = nsel == 0;
        for (int i = 0; i < nsel; i++)
            wanted |= strcmp(sel[i], it->model) == 0;
        if (!wanted)
            continue;
        uint64_t t0 = sm_clock_mono_ns();
        sm_bronze_result_t r;
        const sm_source_t *src = sm_project_source(p, bt->source);
        sm_err_t rc = sm_bronze_ingest_ex(lake, p->dir, src, bt, conninfo, now, &r, &e);
        double secs = (double)(sm_clock_mono_ns() - t0) / 1e9;
        char rows[32], sec[32], ver[32];
        snprintf(rows, sizeof rows, "%" PRId64, r.rows);
        snprintf(sec, sizeof sec, "%.3f", secs);
        snprintf(ver, sizeof ver, "%" PRId64, r.version);
        const char *cells[] = {it->model,       rc ? NULL : rows,     sec,
                               rc ? NULL : ver, rc ? "failed" : "ok", NULL};
        if (src->kind == SM_SOURCE_POSTGRES)
            snprintf(it->input, sizeof it->input, "postgres:%s.%s", bt->source, bt->table);
        else
            snprintf(it->input, sizeof it->input, "%s:%s", /* never the headers */
                     src->kind == SM_SOURCE_HTTP ? "http" : "files", bt->table);
        it->inputs[0] = it->input;
        if (rc) {
            failures++;
            snprintf(it->error, sizeof it->error, "%s", e.msg);
            fprintf(stderr, "smelt run: %s\n", e.msg);
        }
        recs[nrecs++] = (sm_run_record_t){.model = it->model,
                                          .started_ms = now,
                                          .seconds = secs,
                                          .status = rc ? "failed" : "ok",
                                          .rows = rc ? -1 : r.rows,
                                          .output_version = rc ? -1 : r.version,
                                          .inputs = it->inputs,
                                          .ninputs = 1,
                                          .error = rc ? it->error : NULL};
        if (sm_batch_append_row(summary, cells, &e)) {
            status = sm_cli_fail("run", &e);
            goto out;
        }
    }
    /* the models, in dependency order */
    for (size_t k = 0; k < plan.n; k++) {
        const sm_model_node_t *mn = &plan.order[k];
        run_item_t *it = &items[nrecs];
        snprintf(it->model, sizeof it->model, "%s", mn->model->name);
        if (!sm_models_selected(&plan, it->model, sel, (size_t)nsel))
            continue;
        size_t nin = mn->ninputs < 64 ? mn->ninputs : 64;
        /* an input that failed in this run makes the model skip, keeping
         * its last good version */
        const char *failed_input = NULL;
        for (size_t i = 0; i < nin && !failed_input; i++)
            for (size_t r = 0; r < nrecs; r++)
                if (strcmp(recs[r].model, mn->inputs[i]) == 0 && strcmp(recs[r].status, "ok") != 0)
                    failed_input = mn->inputs[i];
        if (failed_input) {
            snprintf(it->error, sizeof it->error, "skipped: its input %s did not run",
                     failed_input);
            recs[nrecs++] = (sm_run_record_t){.model = it->model,
                                              .started_ms = now,
                                              .status = "skipped",
                                              .rows = -1,
                                              .output_version = -1,
                                              .inputs = (const char *const *)mn->inputs,
                                              .ninputs = nin,
                                              .error = it->error};
            const char *cells[] = {it->model, NULL, "0", NULL, "skipped", NULL};
            if (sm_batch_append_row(summary, cells, &e)) {
                status = sm_cli_fail("run", &e);
                goto out;
            }
            failures++;
            continue;
        }
        for (size_t i = 0; i < nin; i++)
            it->versions[i] = table_version(lake, mn->inputs[i]);
        uint64_t t0 = sm_clock_mono_ns();
        sm_query_opts_t qo = {.pool = pool,
                              .memory_limit =
                                  (size_t)sm_config_get_size(ctx->config, "memory.budget"),
                              .now_us = now * 1000};
        sm_checked_run_t cr;
        sm_err_t rc = sm_checks_run_model(lake, mn->model, &qo, run_id, &cr, &e);
        double secs = (double)(sm_clock_mono_ns() - t0) / 1e9;
        if (cr.nresults) {
            sm_buf_t cb = SM_BUF_INIT;
            sm_error_t ce;
            if (sm_checks_describe(&cr, &cb, &ce) == SM_OK)
                it->checks = (char *)sm_buf_detach(&cb, NULL);
            sm_buf_free(&cb);
        }
        char rows[32], sec[32], ver[32], quar[64] = "";
        snprintf(rows, sizeof rows, "%llu", (unsigned long long)cr.rows);
        snprintf(sec, sizeof sec, "%.3f", secs);
        snprintf(ver, sizeof ver, "%" PRId64, cr.version);
        if (!rc && cr.quarantine_version >= 0)
            snprintf(quar, sizeof quar, "ok, %llu quarantined", (unsigned long long)cr.quarantined);
        const char *cells[] = {it->model,
                               rc ? NULL : rows,
                               sec,
                               rc ? NULL : ver,
                               rc ? "failed" : quar[0] ? quar : "ok",
                               it->checks};
        if (rc) {
            failures++;
            snprintf(it->error, sizeof it->error, "%s: %s", mn->model->path, e.msg);
            fprintf(stderr, "smelt run: %s\n", it->error);
        } else {
            for (size_t i = 0; i < cr.nresults; i++)
                if (strcmp(cr.results[i].outcome, "warn") == 0)
                    fprintf(stderr, "smelt run: warning: %s: check %s at %s: %llu bad rows%s%s\n",
                            it->model, cr.results[i].check->label, cr.results[i].check->where,
                            (unsigned long long)cr.results[i].bad,
                            cr.results[i].examples[0] ? ", e.g. " : "", cr.results[i].examples);
        }
        recs[nrecs++] = (sm_run_record_t){.model = it->model,
                                          .started_ms = now,
                                          .seconds = secs,
                                          .status = rc ? "failed" : "ok",
                                          .rows = rc ? -1 : (int64_t)cr.rows,
                                          .output_version = rc ? -1 : cr.version,
                                          .inputs = (const char *const *)mn->inputs,
                                          .input_versions = it->versions,
                                          .ninputs = nin,
                                          .error = rc ? it->error : NULL,
                                          .checks = it->checks};
        sm_checked_run_free(&cr);
        if (sm_batch_append_row(summary, cells, &e)) {
            status = sm_cli_fail("run", &e);
            goto out;
        }
    }
    if (sm_runlog_append(lake, run_id, recs, nrecs, &e))
        fprintf(stderr, "smelt run: %s\n",
                e.msg); /* the data is committed; only the record is missing */
    status = sm_cli_print("run", format, summary->schema, (const sm_batch_t *const *)&summary, 1);
    if (!status && format == SM_PRINT_TABLE)
        print_dashboard(ctx, lake, pool);
    if (!status && failures)
        status = SM_EXIT_FAIL;
out:
    sm_models_plan_free(&plan);
    sm_pool_free(pool);
    for (size_t i = 0; items && i < nrecs; i++)
        sm_free(items[i].checks);
    sm_free(items);
    sm_free(recs);
    sm_batch_free(summary);
    sm_project_free(p);
    sm_lake_close(lake);
    return status;
}
