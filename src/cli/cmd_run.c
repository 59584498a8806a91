/* smelt run — ingest the project's sources into bronze and build its SQL
 * models, in parallel where the DAG allows (pipeline/models.h), with a
 * status line on a terminal, a summary table in dependency order, and the
 * run recorded in _smelt.runs (one commit, written by this thread). */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/progress.h"
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

/* What one table's run leaves for the summary and the run log (written
 * by the worker running it, read once it has ended). */
typedef struct run_item {
    char model[600];
    char input[640];
    const char *inputs[1];
    int64_t versions[64];
    char error[SM_ERROR_MSG_MAX];
    char *checks;   /* the checks' outcomes (owned), NULL without checks */
    char *warnings; /* warning lines of checks with severity warn (owned) */
    int64_t started_ms;
    double seconds;
    int64_t rows, version;
    char status[64]; /* ok | failed | skipped | "ok, N quarantined" */
} run_item_t;

/* One `smelt run`: what the jobs share (read-only while they run). */
typedef struct run_ctx {
    sm_lake_t *lake;
    const sm_project_t *p;
    const sm_bronze_table_t **bts; /* the bronze jobs' tables, by job index */
    sm_models_job_t *jobs;
    run_item_t *items; /* by job index */
    const char *conninfo;
    sm_pg_pool_t *pg; /* PostgreSQL connections shared by the bronze jobs */
    int64_t now;
    const char *run_id;
    sm_query_opts_t qo; /* shared pool and memory budget */
    int failures;       /* the calling thread's count */
    bool tty;           /* a status line is drawn on stderr */
    bool drawn;
} run_ctx_t;

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

/* A bronze job's source is read: its worker slot may serve the next job. */
static void release_job(void *arg)
{
    sm_models_release(arg);
}

/* A bronze job: one source table into bronze.<name>. */
static sm_err_t run_bronze(run_ctx_t *r, size_t i, sm_error_t *e)
{
    const sm_bronze_table_t *bt = r->bts[i];
    run_item_t *it = &r->items[i];
    const sm_source_t *src = sm_project_source(r->p, bt->source);
    if (src->kind == SM_SOURCE_POSTGRES)
        snprintf(it->input, sizeof it->input, "postgres:%s.%s", bt->source, bt->table);
    else
        snprintf(it->input, sizeof it->input, "%s:%s", /* never the headers */
                 src->kind == SM_SOURCE_HTTP ? "http" : "files", bt->table);
    it->inputs[0] = it->input;
    it->started_ms = sm_clock_wall_ms();
    uint64_t t0 = (uint64_t)sm_clock_mono_ns();
    sm_bronze_result_t res;
    /* the connection comes from the run's pool: one per source and worker;
     * once the source is read the job gives its worker slot back, so that
     * the next job reads while this one finishes its file and commits */
    sm_bronze_opts_t bo = {.project_dir = r->p->dir,
                           .conninfo = r->conninfo,
                           .pool = r->pg,
                           .now_ms = r->now,
                           .on_read = release_job,
                           .arg = &r->jobs[i]};
    sm_err_t rc = sm_bronze_ingest(r->lake, src, bt, &bo, &res, e);
    it->seconds = (double)((uint64_t)sm_clock_mono_ns() - t0) / 1e9;
    it->rows = rc ? -1 : res.rows;
    it->version = rc ? -1 : res.version;
    snprintf(it->status, sizeof it->status, "%s", rc ? "failed" : "ok");
    if (rc)
        snprintf(it->error, sizeof it->error, "%s", e->msg);
    return rc;
}

/* The warning lines of checks with severity warn that found bad rows. */
static char *warnings(const run_item_t *it, const sm_checked_run_t *cr)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < cr->nresults; i++)
        if (strcmp(cr->results[i].outcome, "warn") == 0)
            rc =
                sm_buf_printf(&b, &e, "smelt run: warning: %s: check %s at %s: %llu bad rows%s%s\n",
                              it->model, cr->results[i].check->label, cr->results[i].check->where,
                              (unsigned long long)cr->results[i].bad,
                              cr->results[i].examples[0] ? ", e.g. " : "", cr->results[i].examples);
    char *out = !rc && b.len ? (char *)sm_buf_detach(&b, NULL) : NULL;
    sm_buf_free(&b);
    return out;
}

/* A model job: its query (and checks) into <layer>.<name>. */
static sm_err_t run_model(run_ctx_t *r, size_t i, sm_error_t *e)
{
    const sm_model_node_t *mn = r->jobs[i].node;
    run_item_t *it = &r->items[i];
    size_t nin = mn->ninputs < 64 ? mn->ninputs : 64;
    /* its inputs have ended (the scheduler's order), so these versions are
     * the ones the query reads */
    for (size_t k = 0; k < nin; k++)
        it->versions[k] = table_version(r->lake, mn->inputs[k]);
    it->started_ms = sm_clock_wall_ms();
    uint64_t t0 = (uint64_t)sm_clock_mono_ns();
    sm_checked_run_t cr;
    sm_err_t rc = sm_checks_run_model(r->lake, mn->model, &r->qo, r->run_id, &cr, e);
    it->seconds = (double)((uint64_t)sm_clock_mono_ns() - t0) / 1e9;
    if (cr.nresults) {
        sm_buf_t cb = SM_BUF_INIT;
        sm_error_t ce;
        if (sm_checks_describe(&cr, &cb, &ce) == SM_OK)
            it->checks = (char *)sm_buf_detach(&cb, NULL);
        sm_buf_free(&cb);
    }
    it->rows = rc ? -1 : (int64_t)cr.rows;
    it->version = rc ? -1 : cr.version;
    if (rc) {
        snprintf(it->status, sizeof it->status, "failed");
        snprintf(it->error, sizeof it->error, "%s: %s", mn->model->path, e->msg);
    } else if (cr.quarantine_version >= 0) {
        snprintf(it->status, sizeof it->status, "ok, %llu quarantined",
                 (unsigned long long)cr.quarantined);
    } else {
        snprintf(it->status, sizeof it->status, "ok");
    }
    if (!rc)
        it->warnings = warnings(it, &cr);
    sm_checked_run_free(&cr);
    return rc;
}

/* On a worker thread. */
static sm_err_t run_job(void *arg, size_t i, sm_error_t *e)
{
    run_ctx_t *r = arg;
    return r->jobs[i].node ? run_model(r, i, e) : run_bronze(r, i, e);
}

static void clear_status(run_ctx_t *r)
{
    if (r->drawn)
        fputs("\r\033[K", stderr);
    r->drawn = false;
}

/* On the calling thread: the live status line (a terminal only). */
static void draw_status(void *arg, const sm_models_status_t *st)
{
    run_ctx_t *r = arg;
    if (!r->tty)
        return;
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
    char line[1024], dur[32];
    int len = snprintf(line, sizeof line, "smelt run: %zu/%zu done", st->done, st->total);
    for (size_t k = 0; k < st->nrunning && k < 4 && len < (int)sizeof line; k++)
        len += snprintf(line + len, sizeof line - (size_t)len, "%s%s", k ? ", " : ", running ",
                        st->running[k]);
    if (st->nrunning > 4 && len < (int)sizeof line)
        len += snprintf(line + len, sizeof line - (size_t)len, " (+%zu)", st->nrunning - 4);
    if (len < (int)sizeof line)
        snprintf(line + len, sizeof line - (size_t)len, ", %s",
                 sm_progress_format_duration(st->seconds, dur, sizeof dur));
    if (width > 1 && strlen(line) > width - 1)
        line[width - 1] = '\0';
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    r->drawn = true;
}

/* On the calling thread, as each job ends: its error or warnings. */
static void job_done(void *arg, size_t i)
{
    run_ctx_t *r = arg;
    const sm_models_job_t *j = &r->jobs[i];
    run_item_t *it = &r->items[i];
    if (j->state == SM_JOB_SKIPPED) {
        snprintf(it->status, sizeof it->status, "skipped");
        it->started_ms = sm_clock_wall_ms();
        if (j->skipped_by == SIZE_MAX)
            snprintf(it->error, sizeof it->error, "skipped: the run stopped before it");
        else
            snprintf(it->error, sizeof it->error, "skipped: its input %s did not run",
                     r->jobs[j->skipped_by].name);
    }
    if (j->state != SM_JOB_OK)
        r->failures++;
    if (j->state == SM_JOB_FAILED || it->warnings) {
        clear_status(r);
        if (j->state == SM_JOB_FAILED)
            fprintf(stderr, "smelt run: %s\n", it->error);
        if (it->warnings)
            fputs(it->warnings, stderr);
    }
}

/* --jobs, else the run.jobs setting; 0 = the cores. */
static int parse_jobs(const char *s, unsigned *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > SM_POOL_MAX_THREADS)
        return sm_cli_usage_error("run", "--jobs wants a number from 1 to %d, got \"%s\"",
                                  SM_POOL_MAX_THREADS, s);
    *out = (unsigned)v;
    return 0;
}

/* A summary row and a run-log record for job i. */
static sm_err_t record(run_ctx_t *r, size_t i, sm_batch_t *summary, sm_run_record_t *rec,
                       sm_error_t *e)
{
    const sm_models_job_t *j = &r->jobs[i];
    run_item_t *it = &r->items[i];
    bool ok = j->state == SM_JOB_OK;
    char rows[32], sec[32], ver[32];
    snprintf(rows, sizeof rows, "%" PRId64, it->rows);
    snprintf(sec, sizeof sec, "%.3f", j->state == SM_JOB_SKIPPED ? 0.0 : it->seconds);
    snprintf(ver, sizeof ver, "%" PRId64, it->version);
    const char *cells[] = {it->model,       ok ? rows : NULL, sec,
                           ok ? ver : NULL, it->status,       it->checks};
    size_t nin = j->node ? (j->node->ninputs < 64 ? j->node->ninputs : 64)
                         : it->inputs[0] != NULL; /* a bronze job never started has none */
    *rec = (sm_run_record_t){.model = it->model,
                             .started_ms = it->started_ms,
                             .seconds = j->state == SM_JOB_SKIPPED ? 0.0 : it->seconds,
                             .status = j->state == SM_JOB_SKIPPED ? "skipped"
                                       : ok                       ? "ok"
                                                                  : "failed",
                             .rows = ok ? it->rows : -1,
                             .output_version = ok ? it->version : -1,
                             .inputs = j->node ? (const char *const *)j->node->inputs : it->inputs,
                             .input_versions =
                                 j->node && j->state != SM_JOB_SKIPPED ? it->versions : NULL,
                             .ninputs = nin,
                             .error = ok ? NULL : it->error,
                             .checks = it->checks};
    return sm_batch_append_row(summary, cells, e);
}

int sm_cmd_run(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    unsigned njobs = 0;
    sm_budget_t run_budget; /* memory.budget, shared by every job's queries */
    bool jobs_flag = false;
    while ((c = sm_cli_getopt("run", argc, argv, "hf:j:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt run [--format table|csv|json] [--jobs N] [TABLE...]\n\n"
                   "Runs the pipeline project (smelt.yaml in --project or the current\n"
                   "directory): every source table it lists is ingested into bronze.<name>,\n"
                   "then every SQL model models/<layer>/<name>.sql becomes the table\n"
                   "<layer>.<name>, in the order their inputs require.  Select with names:\n"
                   "bronze.orders, gold.rfm_analysis, +gold.x (with its upstream models),\n"
                   "silver.y+ (with its downstream models).  Tables whose inputs are ready\n"
                   "run at the same time, on N workers (--jobs, else the run.jobs setting,\n"
                   "else the number of cores; --jobs 1 runs them one by one); a terminal\n"
                   "shows which are running.  Prints a summary (table, rows, seconds,\n"
                   "version, status) in dependency order and the project's dashboard\n"
                   "panels, and records the run in the lake table _smelt.runs.  A failing\n"
                   "table keeps its last good version, skips the models that read it, and\n"
                   "makes the run exit 1.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("run", optarg)) >= 0)
            continue;
        if (c == 'j') {
            if (parse_jobs(optarg, &njobs))
                return SM_EXIT_USAGE;
            jobs_flag = true;
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (!jobs_flag) {
        int64_t v = sm_config_get_int(ctx->config, "run.jobs");
        if (v < 0 || v > SM_POOL_MAX_THREADS)
            return sm_cli_usage_error("run", "run.jobs wants a number from 0 (the cores) to %d",
                                      SM_POOL_MAX_THREADS);
        njobs = (unsigned)v;
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
    run_ctx_t r = {.lake = lake};
    sm_run_record_t *recs = NULL;
    char **bnames = NULL;
    size_t nb = 0, njob = 0;
    sm_model_plan_t plan = {0};
    sm_pool_t *pool = NULL;
    if (sm_project_load(ctx->config, &p, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    r.p = p;
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
    size_t cap = p->nbronze + p->nmodels + 1;
    r.items = sm_calloc(cap, sizeof *r.items);
    r.bts = sm_calloc(cap, sizeof *r.bts);
    recs = sm_calloc(cap, sizeof *recs);
    bnames = sm_calloc(cap, sizeof *bnames);
    if (sm_pool_new(&pool, 0, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    char run_id[SM_UUID_STR_LEN + 1];
    if (!summary || !r.items || !r.bts || !recs || !bnames || sm_uuid4(run_id, &e)) {
        if (!summary || !r.items || !r.bts || !recs || !bnames)
            sm_error_nomem(&e, "run");
        status = sm_cli_fail("run", &e);
        goto out;
    }
    /* the jobs: the selected bronze tables, then the selected models */
    for (size_t k = 0; k < p->nbronze; k++) {
        run_item_t *it = &r.items[nb];
        snprintf(it->model, sizeof it->model, "bronze.%s", p->bronze[k].name);
        bool wanted = nsel == 0;
        for (int i = 0; i < nsel; i++)
            wanted |= strcmp(sel[i], it->model) == 0;
        if (!wanted)
            continue;
        r.bts[nb] = &p->bronze[k];
        bnames[nb] = it->model;
        nb++;
    }
    if (sm_models_jobs(&plan, bnames, nb, sel, (size_t)nsel, &r.jobs, &njob, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    for (size_t i = nb; i < njob; i++)
        snprintf(r.items[i].model, sizeof r.items[i].model, "%s", r.jobs[i].name);
    r.conninfo = sm_config_get_str(ctx->config, "postgres.url");
    if (r.conninfo && !r.conninfo[0])
        r.conninfo = NULL;
    r.now = sm_delta_now_ms();
    r.run_id = run_id;
    unsigned workers = njobs ? njobs : sm_pool_cores();
    if (workers > njob && njob > 0)
        workers = (unsigned)njob;
    /* One memory budget for the whole run, which the jobs running at once
     * share (reservations are atomic): a job running alone — the silver
     * join every gold model waits for — may use all of it, where a static
     * budget / workers split made it spill although nothing else ran. */
    sm_budget_init(&run_budget, (size_t)sm_config_get_size(ctx->config, "memory.budget"));
    r.qo = (sm_query_opts_t){.pool = pool, .budget = &run_budget, .now_us = r.now * 1000};
    if (sm_pg_pool_new(workers, &r.pg, &e)) {
        status = sm_cli_fail("run", &e);
        goto out;
    }
    r.tty = sm_progress_auto_enabled(stderr);
    sm_models_run_opts_t ro = {
        .workers = workers, .run = run_job, .done = job_done, .tick = draw_status, .arg = &r};
    sm_err_t src = sm_models_run(r.jobs, njob, &ro, &e);
    clear_status(&r);
    if (src)
        fprintf(stderr, "smelt run: %s\n", e.msg);
    for (size_t i = 0; i < njob; i++)
        if (record(&r, i, summary, &recs[i], &e)) {
            status = sm_cli_fail("run", &e);
            goto out;
        }
    /* one writer, one commit: every job's outcome, failures included */
    if (sm_runlog_append(lake, run_id, recs, njob, &e))
        fprintf(stderr, "smelt run: %s\n",
                e.msg); /* the data is committed; only the record is missing */
    status = sm_cli_print("run", format, summary->schema, (const sm_batch_t *const *)&summary, 1);
    if (!status && format == SM_PRINT_TABLE)
        print_dashboard(ctx, lake, pool);
    if (!status && (r.failures || src))
        status = SM_EXIT_FAIL;
out:
    sm_models_jobs_free(r.jobs, njob);
    sm_models_plan_free(&plan);
    sm_pg_pool_free(r.pg);
    sm_pool_free(pool);
    for (size_t i = 0; r.items && i < njob; i++) {
        sm_free(r.items[i].checks);
        sm_free(r.items[i].warnings);
    }
    sm_free(r.items);
    sm_free(r.bts);
    sm_free(bnames);
    sm_free(recs);
    sm_batch_free(summary);
    sm_project_free(p);
    sm_lake_close(lake);
    return status;
}
