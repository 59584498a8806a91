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
#include "pipeline/bronze.h"
#include "pipeline/project.h"
#include "pipeline/runlog.h"

/* What one table's run leaves for the run log. */
typedef struct run_item {
    char model[600];
    char input[640];
    const char *inputs[1];
    char error[SM_ERROR_MSG_MAX];
} run_item_t;

static bool selected(const char *name, int argc, char **argv)
{
    if (argc == 0)
        return true;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

int sm_cmd_run(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, {"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    while ((c = sm_cli_getopt("run", argc, argv, "hf:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt run [--format table|csv|json] [TABLE...]\n\n"
                   "Runs the pipeline project (smelt.yaml in --project or the current\n"
                   "directory): every source table it lists is ingested into bronze.<name>.\n"
                   "Name tables (bronze.orders ...) to run only those.  Prints a summary:\n"
                   "table, rows, seconds, version, status; records the run in the lake\n"
                   "table _smelt.runs.  A failing table keeps its last good version and\n"
                   "makes the run exit 1.\n");
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
    if (sm_project_load(ctx->config, &p, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    for (int i = 0; i < nsel; i++) {
        bool known = false;
        for (size_t k = 0; k < p->nbronze && !known; k++) {
            char name[600];
            snprintf(name, sizeof name, "bronze.%s", p->bronze[k].name);
            known = strcmp(name, sel[i]) == 0;
        }
        if (!known) {
            status = sm_cli_usage_error("run", "the project has no table \"%s\"", sel[i]);
            goto out;
        }
    }
    summary = sm_cli_batch("run", "struct<table:string,rows:bigint,seconds:double,version:bigint,status:string>");
    items = sm_calloc(p->nbronze + 1, sizeof *items);
    recs = sm_calloc(p->nbronze + 1, sizeof *recs);
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
        if (!selected(it->model, nsel, sel))
            continue;
        uint64_t t0 = sm_clock_mono_ns();
        sm_bronze_result_t r;
        sm_err_t rc = sm_bronze_ingest(lake, sm_project_source(p, bt->source), bt, conninfo, now, &r, &e);
        double secs = (double)(sm_clock_mono_ns() - t0) / 1e9;
        char rows[32], sec[32], ver[32];
        snprintf(rows, sizeof rows, "%" PRId64, r.rows);
        snprintf(sec, sizeof sec, "%.3f", secs);
        snprintf(ver, sizeof ver, "%" PRId64, r.version);
        const char *cells[] = {it->model, rc ? NULL : rows, sec, rc ? NULL : ver, rc ? "failed" : "ok"};
        snprintf(it->input, sizeof it->input, "postgres:%s.%s", bt->source, bt->table);
        it->inputs[0] = it->input;
        if (rc) {
            failures++;
            snprintf(it->error, sizeof it->error, "%s", e.msg);
            fprintf(stderr, "smelt run: %s\n", e.msg);
        }
        recs[nrecs++] = (sm_run_record_t){.model = it->model, .started_ms = now, .seconds = secs,
                                          .status = rc ? "failed" : "ok", .rows = rc ? -1 : r.rows,
                                          .output_version = rc ? -1 : r.version, .inputs = it->inputs,
                                          .ninputs = 1, .error = rc ? it->error : NULL};
        if (sm_batch_append_row(summary, cells, &e)) {
            status = sm_cli_fail("run", &e);
            goto out;
        }
    }
    if (sm_runlog_append(lake, run_id, recs, nrecs, &e))
        fprintf(stderr, "smelt run: %s\n", e.msg); /* the data is committed; only the record is missing */
    status = sm_cli_print("run", format, summary->schema, (const sm_batch_t *const *)&summary, 1);
    if (!status && failures)
        status = SM_EXIT_FAIL;
out:
    sm_free(items);
    sm_free(recs);
    sm_batch_free(summary);
    sm_project_free(p);
    sm_lake_close(lake);
    return status;
}
