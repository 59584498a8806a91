/* smelt stream — run the project's streaming models (models/streaming/NAME.sql)
 * from Kafka, exactly once, into their Delta sinks and live tables; print a
 * line per micro-batch and, for available-now, the live table at the end
 * (the reference dashboard's "live sales by country" section). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/mem.h"
#include "pipeline/project.h"
#include "stream/stream.h"

/* The Delta sink of a continuous complete-mode stream: at most one commit
 * a second (sm_stream_opts_t.sink_interval_ms). */
#define CONTINUOUS_SINK_INTERVAL_MS 1000

int sm_cmd_stream(sm_cli_ctx_t *ctx, int argc, char **argv);

static volatile int stream_stop;

static void on_signal(int sig)
{
    (void)sig;
    stream_stop = 1;
}

typedef struct job {
    const sm_model_t *model;
    const char *name; /* without the layer */
    sm_stream_source_t own_src;
    const sm_stream_source_t *src;
    sm_stream_opts_t opts;
    sm_stream_t *s;
    sm_error_t e;
    sm_err_t rc;
    pthread_t thread;
    bool started;
} job_t;

static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;

static void on_batch(void *arg, const sm_stream_batch_info_t *b)
{
    const job_t *j = arg;
    char lag[32] = "?", wm[48] = "";
    if (b->lag >= 0)
        snprintf(lag, sizeof lag, "%lld", (long long)b->lag);
    if (b->watermark_ms >= 0) {
        char iso[SM_CLOCK_ISO_LEN];
        snprintf(wm, sizeof wm, ", watermark %s", sm_clock_format_iso(b->watermark_ms, iso));
    }
    pthread_mutex_lock(&print_mu);
    printf("%s: batch %lld%s: %llu events, %llu dead, %llu late, %llu rows -> %s%s%lld "
           "(%.1f ms, lag %s%s)\n",
           j->name, (long long)b->batch_id, b->rerun ? " (re-run after a restart)" : "",
           (unsigned long long)b->events, (unsigned long long)b->dead, (unsigned long long)b->late,
           (unsigned long long)b->rows_out, j->s ? sm_stream_sink(j->s) : "the sink",
           b->sink_version >= 0 ? " v" : " (already committed) v", (long long)b->sink_version,
           b->duration_ms, lag, wm);
    fflush(stdout);
    pthread_mutex_unlock(&print_mu);
}

static void *run_job(void *arg)
{
    job_t *j = arg;
    j->rc = sm_stream_run(j->s, &j->e);
    return NULL;
}

static const char *model_name(const sm_model_t *m)
{
    const char *dot = strchr(m->name, '.');
    return dot ? dot + 1 : m->name;
}

static bool selected(const sm_model_t *m, int n, char **sel)
{
    if (!n)
        return true;
    for (int i = 0; i < n; i++)
        if (strcmp(sel[i], m->name) == 0 || strcmp(sel[i], model_name(m)) == 0)
            return true;
    return false;
}

static void print_live(sm_cli_ctx_t *ctx, job_t *j, int format)
{
    sm_error_t e;
    sm_batch_t *live = NULL;
    uint64_t version = 0;
    sm_stream_metrics_t m;
    if (sm_stream_live(j->s, &live, &version, &m, &e)) {
        sm_cli_fail("stream", &e);
        return;
    }
    printf("\n== live: %s (sink %s, version %llu) ==\n", j->name, sm_stream_sink(j->s),
           (unsigned long long)version);
    if (!live || !live->nrows)
        printf("no live data yet\n");
    else
        sm_cli_print("stream", format, live->schema, (const sm_batch_t *const *)&live, 1);
    printf("%llu events, %.0f events/s, batch %.1f ms avg, latency p50 %.1f ms p99 %.1f ms, "
           "%llu dead letters (%s), %llu late, lag %lld\n",
           (unsigned long long)m.events_total, m.events_per_s_avg, m.batch_ms_avg,
           m.latency_run_p50_ms, m.latency_run_p99_ms, (unsigned long long)m.dead_letters_total,
           sm_stream_dead_letters(j->s), (unsigned long long)m.late_total, (long long)m.lag);
    sm_batch_free(live);
    (void)ctx;
}

int sm_cmd_stream(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"trigger", required_argument, NULL, 't'},
                                         {"output-mode", required_argument, NULL, 'o'},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"max-batch", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    sm_stream_trigger_t trigger = {SM_STREAM_AVAILABLE_NOW, 0};
    sm_stream_output_t output = SM_STREAM_COMPLETE;
    bool trigger_set = false, output_set = false;
    const char *bootstrap = NULL;
    size_t max_batch = 0;
    int c, format = SM_PRINT_TABLE;
    sm_error_t e;
    while ((c = sm_cli_getopt("stream", argc, argv, "ht:o:b:m:f:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt stream [MODEL...] [--trigger "
                   "available-now|interval:DURATION|continuous]\n"
                   "                    [--output-mode complete|update|append] [--bootstrap H:P]\n"
                   "                    [--max-batch N] [--format table|csv|json]\n\n"
                   "Runs the streaming models (models/streaming/*.sql) of the project over their\n"
                   "Kafka stream sources (smelt.yaml `streams:`; without one, a model reading\n"
                   "`ventes` gets the reference topic ventes-temps-reel).  Each micro-batch is\n"
                   "committed exactly once to the model's Delta sink (gold.<model>_live unless\n"
                   "configured) with its offsets in _smelt/streams/<model>/; a killed run resumes\n"
                   "where it stopped.  Malformed events go to <layer>._dead_letters_<model>.\n"
                   "available-now (default) reads what is there and stops, then prints the live\n"
                   "table; interval and continuous run until Ctrl-C (continuous: the live table\n"
                   "follows every batch, a complete-mode Delta sink is committed once a second\n"
                   "and at the end).  Flags override smelt.yaml.\n"
                   "Without a Kafka bootstrap an in-process mock cluster is used (empty, and its\n"
                   "data lives only as long as the command).\n");
            return SM_EXIT_OK;
        }
        if (c == 't') {
            if (sm_stream_trigger_parse(optarg, &trigger, &e))
                return sm_cli_usage_error("stream", "--trigger: %s", e.msg);
            trigger_set = true;
        } else if (c == 'o') {
            if (sm_stream_output_parse(optarg, &output, &e))
                return sm_cli_usage_error("stream", "--output-mode: %s", e.msg);
            output_set = true;
        } else if (c == 'b') {
            bootstrap = optarg;
        } else if (c == 'm') {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 1 || v > 100000000)
                return sm_cli_usage_error("stream",
                                          "--max-batch: expected 1..100000000, got \"%s\"", optarg);
            max_batch = (size_t)v;
        } else if (c == 'f' && (format = sm_cli_format("stream", optarg)) >= 0) {
            continue;
        } else {
            return SM_EXIT_USAGE;
        }
    }
    int nsel = argc - optind;
    char **sel = argv + optind;
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "stream", &lake);
    if (status)
        return status;
    sm_project_t *p = NULL;
    sm_stream_conf_t sc = {0};
    sm_kafka_mock_t *mock = NULL;
    job_t *jobs = NULL;
    size_t njobs = 0;
    if (sm_project_load(ctx->config, &p, &e) || sm_stream_conf_load(ctx->config, &sc, &e)) {
        status = sm_cli_fail("stream", &e);
        goto out;
    }
    jobs = sm_calloc(p->nmodels + 1, sizeof *jobs);
    if (!jobs) {
        status = SM_EXIT_FAIL;
        goto out;
    }
    for (size_t i = 0; i < p->nmodels; i++)
        if (strcmp(p->models[i].layer, "streaming") == 0 && selected(&p->models[i], nsel, sel))
            jobs[njobs++].model = &p->models[i];
    for (int i = 0; i < nsel; i++) {
        bool known = false;
        for (size_t k = 0; k < njobs && !known; k++)
            known = strcmp(sel[i], jobs[k].model->name) == 0 ||
                    strcmp(sel[i], model_name(jobs[k].model)) == 0;
        if (!known) {
            status =
                sm_cli_usage_error("stream", "the project has no streaming model \"%s\"", sel[i]);
            goto out;
        }
    }
    if (!njobs) {
        fprintf(stderr,
                "smelt stream: the project has no streaming models (models/streaming/*.sql)\n");
        status = SM_EXIT_FAIL;
        goto out;
    }
    /* a stream that runs until stopped keeps a flat resident size over days
     * (stream.h); a bounded available-now run keeps the default allocator,
     * which serves it faster.  Before any thread starts. */
    for (size_t k = 0; k < njobs; k++) {
        const sm_stream_model_conf_t *mc = sm_stream_conf_model(&sc, model_name(jobs[k].model));
        sm_stream_trigger_t t = trigger_set || !mc || !mc->has_trigger ? trigger : mc->trigger;
        if (t.kind != SM_STREAM_AVAILABLE_NOW) {
            sm_stream_tune_allocator();
            break;
        }
    }
    if (!bootstrap)
        bootstrap = sm_config_get_str(ctx->config, "kafka.bootstrap");
    if (!bootstrap || !bootstrap[0]) {
        if (sm_kafka_mock_start(1, &mock, &e)) {
            status = sm_cli_fail("stream", &e);
            goto out;
        }
        bootstrap = NULL;
        fprintf(stderr, "smelt stream: no Kafka bootstrap configured: using an in-process mock "
                        "cluster (empty; its data lives only for this process)\n");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (size_t k = 0; k < njobs; k++) {
        job_t *j = &jobs[k];
        j->name = model_name(j->model);
        char srcname[256];
        if (sm_stream_model_source(j->model->sql, srcname, sizeof srcname, &e)) {
            sm_error_wrap(&e, "%s", j->model->path);
            status = sm_cli_fail("stream", &e);
            goto out;
        }
        j->src = sm_stream_conf_source(&sc, srcname);
        if (!j->src) {
            if (sm_stream_source_default(srcname, &j->own_src, &e)) {
                status = sm_cli_fail("stream", &e);
                goto out;
            }
            j->src = &j->own_src;
        }
        if (mock && sm_kafka_mock_create_topic(mock, j->src->topic, 1, 1, &e) &&
            e.code != SM_ERR_EXISTS) {
            status = sm_cli_fail("stream", &e);
            goto out;
        }
        const sm_stream_model_conf_t *mc = sm_stream_conf_model(&sc, j->name);
        sm_stream_opts_t *o = &j->opts;
        *o = (sm_stream_opts_t){
            .query_id = j->name,
            .sql = j->model->sql,
            .source = j->src,
            .kafka = {.bootstrap = bootstrap, .mock = mock, .log = ctx->log},
            .lake = lake,
            .sink = mc ? mc->sink : NULL,
            .dead_letters = mc ? mc->dead_letters : NULL,
            .late_table = mc ? mc->late_table : NULL,
            .output = output_set || !mc || !mc->has_output ? output : mc->output,
            .trigger = trigger_set || !mc || !mc->has_trigger ? trigger : mc->trigger,
            .watermark_ms = mc ? mc->watermark_ms : -1,
            .log_retention_ms = mc ? mc->log_retention_ms : 0,
            .file_retention_ms = mc ? mc->file_retention_ms : 0,
            .vacuum_ms = mc ? mc->vacuum_ms : 0,
            .max_batch_events = max_batch,
            .cancel = &stream_stop,
            /* continuous batches run every few ms: the live table follows
             * each one, the Delta sink (complete mode) once a second */
            .sink_interval_ms = CONTINUOUS_SINK_INTERVAL_MS,
            .on_batch = on_batch,
            .batch_ctx = j,
            .log = ctx->log};
        if (o->trigger.kind != SM_STREAM_CONTINUOUS)
            o->sink_interval_ms = 0;
        if (sm_stream_open(o, &j->s, &e)) {
            status = sm_cli_fail("stream", &e);
            goto out;
        }
    }
    /* one thread per model; available-now models finish by themselves */
    for (size_t k = 0; k < njobs; k++) {
        if (pthread_create(&jobs[k].thread, NULL, run_job, &jobs[k]) == 0)
            jobs[k].started = true;
        else
            run_job(&jobs[k]);
    }
    for (size_t k = 0; k < njobs; k++) {
        if (jobs[k].started)
            pthread_join(jobs[k].thread, NULL);
        jobs[k].started = false;
        if (jobs[k].rc) {
            sm_cli_fail("stream", &jobs[k].e);
            status = SM_EXIT_FAIL;
        }
    }
    for (size_t k = 0; k < njobs; k++)
        print_live(ctx, &jobs[k], format);
out:
    for (size_t k = 0; jobs && k < njobs; k++) {
        sm_stream_free(jobs[k].s);
        if (jobs[k].src == &jobs[k].own_src)
            sm_stream_source_free(&jobs[k].own_src);
    }
    sm_free(jobs);
    sm_kafka_mock_free(mock);
    sm_stream_conf_free(&sc);
    sm_project_free(p);
    sm_lake_close(lake);
    return status;
}
