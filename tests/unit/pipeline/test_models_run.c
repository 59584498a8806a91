/* Tests of the parallel run of a plan (pipeline/models.c): the jobs built
 * from a plan, the order with one worker, skips behind a failure, ordering
 * by the tables checks read, real concurrency with two workers, the
 * status ticks, and jobs that give their worker slot back early. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/clock.h"
#include "core/mem.h"
#include "pipeline/models.h"
#include "sql/query.h"

typedef struct trace {
    atomic_int seq;
    int started[16], ended[16]; /* sequence numbers */
    bool fail[16];
    atomic_int arrived; /* jobs waiting for each other (concurrency) */
    int rendezvous;     /* how many must arrive; 0 = none */
    unsigned sleep_ms;  /* each job sleeps this long */
    size_t done_order[16];
    size_t ndone;
    int ticks;
    size_t max_running;
    const char *running0;
} trace_t;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static sm_err_t job(void *arg, size_t i, sm_error_t *e)
{
    trace_t *t = arg;
    t->started[i] = atomic_fetch_add(&t->seq, 1);
    if (t->rendezvous) {
        /* wait (at most 10 s) for the others: only concurrent jobs meet */
        atomic_fetch_add(&t->arrived, 1);
        for (int k = 0; k < 1000 && atomic_load(&t->arrived) < t->rendezvous; k++)
            sleep_ms(10);
    }
    if (t->sleep_ms)
        sleep_ms(t->sleep_ms);
    t->ended[i] = atomic_fetch_add(&t->seq, 1);
    if (t->fail[i])
        return sm_error_set(e, SM_ERR_INVALID, "job %zu fails", i);
    if (t->rendezvous && atomic_load(&t->arrived) < t->rendezvous)
        return sm_error_set(e, SM_ERR_INVALID, "job %zu ran alone", i);
    return SM_OK;
}

static void done(void *arg, size_t i)
{
    trace_t *t = arg;
    t->done_order[t->ndone++] = i;
}

static void tick(void *arg, const sm_models_status_t *st)
{
    trace_t *t = arg;
    t->ticks++;
    if (st->nrunning > t->max_running)
        t->max_running = st->nrunning;
    if (st->nrunning)
        t->running0 = st->running[0];
}

/* A diamond 0 → {1, 2} → 3 and a chain 4 → 5. */
static size_t n1[] = {0}, n2[] = {0}, n3[] = {1, 2}, n5[] = {4};
static void diamond(sm_models_job_t *j)
{
    memset(j, 0, 6 * sizeof *j);
    const char *names[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++)
        j[i].name = names[i];
    j[1] = (sm_models_job_t){.name = "b", .needs = n1, .nneeds = 1};
    j[2] = (sm_models_job_t){.name = "c", .needs = n2, .nneeds = 1};
    j[3] = (sm_models_job_t){.name = "d", .needs = n3, .nneeds = 2};
    j[5] = (sm_models_job_t){.name = "f", .needs = n5, .nneeds = 1};
}

static void test_one_worker_runs_in_index_order(void)
{
    sm_models_job_t j[6];
    diamond(j);
    trace_t t = {0};
    sm_models_run_opts_t o = {.workers = 1, .run = job, .done = done, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 6, &o, &e), &e);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(j[i].state, SM_JOB_OK);
        CHECK_EQ_INT(t.started[i], 2 * i);
        CHECK_EQ_INT(t.ended[i], 2 * i + 1);
        CHECK_EQ_INT(t.done_order[i], i);
    }
    CHECK_EQ_INT(t.ndone, 6);
}

static void test_failure_skips_downstream_only(void)
{
    for (unsigned w = 1; w <= 3; w++) {
        sm_models_job_t j[6];
        diamond(j);
        trace_t t = {0};
        t.fail[1] = true;
        sm_models_run_opts_t o = {.workers = w, .run = job, .done = done, .arg = &t};
        sm_error_t e;
        CHECK_OK(sm_models_run(j, 6, &o, &e), &e);
        CHECK_EQ_INT(j[0].state, SM_JOB_OK);
        CHECK_EQ_INT(j[1].state, SM_JOB_FAILED);
        CHECK_EQ_INT(j[2].state, SM_JOB_OK);
        CHECK_EQ_INT(j[3].state, SM_JOB_SKIPPED);
        CHECK_EQ_INT(j[3].skipped_by, 1);
        CHECK_EQ_INT(j[4].state, SM_JOB_OK);
        CHECK_EQ_INT(j[5].state, SM_JOB_OK);
        CHECK_EQ_INT(t.ndone, 6); /* every job reported once */
        int seen = 0;
        for (size_t k = 0; k < t.ndone; k++)
            seen |= 1 << t.done_order[k];
        CHECK_EQ_INT(seen, 63);
    }
    /* a skip is transitive, and the first job failing skips a whole chain */
    sm_models_job_t j[6];
    diamond(j);
    trace_t t = {0};
    t.fail[0] = true;
    sm_models_run_opts_t o = {.workers = 2, .run = job, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 6, &o, &e), &e);
    CHECK_EQ_INT(j[1].state, SM_JOB_SKIPPED);
    CHECK_EQ_INT(j[2].state, SM_JOB_SKIPPED);
    CHECK_EQ_INT(j[3].state, SM_JOB_SKIPPED);
    CHECK(j[3].skipped_by == 1 || j[3].skipped_by == 2);
    CHECK_EQ_INT(j[5].state, SM_JOB_OK);
}

static void test_after_orders_without_skipping(void)
{
    /* job 1 reads job 0 in a check only: it waits for 0 to end, and runs
     * even though 0 failed */
    size_t after[] = {0};
    sm_models_job_t j[2] = {{.name = "slow"}, {.name = "checked", .after = after, .nafter = 1}};
    trace_t t = {.sleep_ms = 50};
    t.fail[0] = true;
    sm_models_run_opts_t o = {.workers = 2, .run = job, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 2, &o, &e), &e);
    CHECK_EQ_INT(j[0].state, SM_JOB_FAILED);
    CHECK_EQ_INT(j[1].state, SM_JOB_OK);
    CHECK(t.started[1] > t.ended[0]);
}

static void test_two_workers_run_at_once(void)
{
    /* two independent jobs meet only if they run at the same time; with
     * one worker they cannot (each times out alone and fails) */
    sm_models_job_t j[3] = {{.name = "x"}, {.name = "y"}, {.name = "z"}};
    trace_t t = {.rendezvous = 2};
    sm_models_run_opts_t o = {.workers = 2, .run = job, .tick = tick, .tick_ms = 5, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 2, &o, &e), &e);
    CHECK_EQ_INT(j[0].state, SM_JOB_OK);
    CHECK_EQ_INT(j[1].state, SM_JOB_OK);
    /* the cap: more workers than jobs still runs each once */
    trace_t u = {0};
    sm_models_run_opts_t o8 = {.workers = 8, .run = job, .arg = &u};
    CHECK_OK(sm_models_run(j, 3, &o8, &e), &e);
    CHECK_EQ_INT(atomic_load(&u.seq), 6);
}

static void test_ticks_show_the_running_job(void)
{
    sm_models_job_t j[1] = {{.name = "gold.slow"}};
    trace_t t = {.sleep_ms = 300};
    sm_models_run_opts_t o = {.workers = 1, .run = job, .tick = tick, .tick_ms = 20, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 1, &o, &e), &e);
    CHECK(t.ticks >= 3);
    CHECK_EQ_INT(t.max_running, 1);
    CHECK(t.running0 && strcmp(t.running0, "gold.slow") == 0);
    CHECK_OK(sm_models_run(NULL, 0, &o, &e), &e); /* nothing to do */
}

/* Jobs from a plan: needs from the query, after from the checks. */
static void test_jobs_from_a_plan(void)
{
    sm_check_t rel = {.kind = SM_CHECK_RELATIONSHIPS, .to = "SILVER.dim", .cols = NULL};
    sm_check_t sql = {.kind = SM_CHECK_SQL,
                      .sql = "SELECT * FROM this WHERE id NOT IN "
                             "(SELECT id FROM silver.other)"};
    sm_check_t checks[] = {rel, sql};
    sm_model_t models[] = {
        {.name = "gold.top",
         .layer = "gold",
         .path = "models/gold/top.sql",
         .sql = "SELECT * FROM silver.fact JOIN bronze.t USING (id)",
         .checks = checks,
         .nchecks = 2},
        {.name = "silver.dim",
         .layer = "silver",
         .path = "models/silver/dim.sql",
         .sql = "SELECT id FROM bronze.t"},
        {.name = "silver.fact",
         .layer = "silver",
         .path = "models/silver/fact.sql",
         .sql = "SELECT id FROM bronze.t"},
        {.name = "silver.other",
         .layer = "silver",
         .path = "models/silver/other.sql",
         .sql = "SELECT id FROM bronze.t"},
    };
    sm_bronze_table_t bt = {.source = "s", .table = "t", .name = "t"};
    sm_project_t p = {.dir = ".", .bronze = &bt, .nbronze = 1, .models = models, .nmodels = 4};
    sm_model_plan_t plan;
    sm_error_t e;
    CHECK_OK(sm_models_plan(&p, NULL, &plan, &e), &e);
    CHECK_EQ_INT(plan.n, 4);
    CHECK_EQ_STR(plan.order[3].model->name, "gold.top");
    CHECK_EQ_INT(plan.order[3].nreads, 2);
    CHECK_EQ_STR(plan.order[3].reads[0], "silver.dim");
    CHECK_EQ_STR(plan.order[3].reads[1], "silver.other");
    char *bronze[] = {"bronze.t"};
    sm_models_job_t *jobs;
    size_t n;
    CHECK_OK(sm_models_jobs(&plan, bronze, 1, NULL, 0, &jobs, &n, &e), &e);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_STR(jobs[0].name, "bronze.t");
    CHECK(jobs[0].node == NULL);
    CHECK_EQ_STR(jobs[4].name, "gold.top");
    CHECK_EQ_INT(jobs[4].nneeds, 2); /* bronze.t and silver.fact */
    CHECK_EQ_INT(jobs[4].needs[0], 0);
    CHECK_EQ_STR(jobs[jobs[4].needs[1]].name, "silver.fact");
    CHECK_EQ_INT(jobs[4].nafter, 2);
    CHECK_EQ_STR(jobs[jobs[4].after[0]].name, "silver.dim");
    CHECK_EQ_STR(jobs[jobs[4].after[1]].name, "silver.other");
    sm_models_jobs_free(jobs, n);
    /* a selection: only gold.top and what it needs that runs */
    char *sel[] = {"gold.top"};
    CHECK_OK(sm_models_jobs(&plan, NULL, 0, sel, 1, &jobs, &n, &e), &e);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(jobs[0].nneeds, 0);
    CHECK_EQ_INT(jobs[0].nafter, 0);
    sm_models_jobs_free(jobs, n);
    sm_models_plan_free(&plan);
}

/* Reading <model>_quarantine waits for that model (ordering only). */
static void test_quarantine_reader_waits(void)
{
    char dir[] = "/tmp/smelt-models-run-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sm_lake_t *lake = NULL;
    sm_error_t e;
    CHECK_OK(sm_lake_open(dir, NULL, &lake, &e), &e);
    sm_query_result_t r = {0};
    CHECK_OK(
        sm_query_run(lake, "CREATE TABLE silver.dim_quarantine (id INT)", NULL, NULL, NULL, &r, &e),
        &e);
    sm_query_result_free(&r);
    sm_model_t models[] = {
        {.name = "silver.dim", .layer = "silver", .path = "d.sql", .sql = "SELECT 1 AS id"},
        {.name = "silver.zq",
         .layer = "silver",
         .path = "q.sql",
         .sql = "SELECT id FROM silver.dim_quarantine"},
    };
    sm_project_t p = {.dir = ".", .models = models, .nmodels = 2};
    sm_model_plan_t plan;
    CHECK_OK(sm_models_plan(&p, lake, &plan, &e), &e);
    sm_models_job_t *jobs = NULL;
    size_t n = 0;
    CHECK_OK(sm_models_jobs(&plan, NULL, 0, NULL, 0, &jobs, &n, &e), &e);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(jobs[1].nneeds, 0);
    CHECK_EQ_INT(jobs[1].nafter, 1);
    CHECK_EQ_INT(jobs[1].nafter ? jobs[1].after[0] : 9, 0);
    sm_models_jobs_free(jobs, n);
    sm_models_plan_free(&plan);
    sm_lake_close(lake);
    CHECK(check_rm_tree(dir));
}

/* ---- releasing a worker slot (sm_models_release) ------------------------- */

typedef struct rel {
    sm_models_job_t *jobs;
    atomic_int seq;
    int started[8], ended[8]; /* sequence numbers; -1 = never */
    bool release[8];          /* the job gives its slot back first */
    bool sets_go[8];          /* the job lets the released ones end */
    bool fail[8];             /* the job fails (after its release) */
    bool released_ok[8], again_ok[8], saw_go[8];
    bool returned[8];
    atomic_bool go;
    atomic_int in_flight, max_in_flight;
    size_t done_order[8];
    size_t ndone;
    bool done_early; /* done() came for a job that had not returned */
} rel_t;

static void rel_init(rel_t *t, sm_models_job_t *jobs)
{
    memset(t, 0, sizeof *t);
    t->jobs = jobs;
    for (int i = 0; i < 8; i++)
        t->started[i] = t->ended[i] = -1;
}

/* A released job waits (at most 5 s) for a later job to set go: it ends
 * having seen go only if that job ran while it was still running. */
static sm_err_t rel_job(void *arg, size_t i, sm_error_t *e)
{
    rel_t *t = arg;
    int now = atomic_fetch_add(&t->in_flight, 1) + 1;
    int max = atomic_load(&t->max_in_flight);
    while (now > max && !atomic_compare_exchange_weak(&t->max_in_flight, &max, now))
        ;
    t->started[i] = atomic_fetch_add(&t->seq, 1);
    if (t->sets_go[i])
        atomic_store(&t->go, true);
    if (t->release[i]) {
        t->released_ok[i] = sm_models_release(&t->jobs[i]);
        t->again_ok[i] = sm_models_release(&t->jobs[i]); /* once only */
        if (!t->released_ok[i])
            atomic_store(&t->go, true); /* refused: it holds the slot */
        for (int k = 0; k < 500 && !atomic_load(&t->go); k++)
            sleep_ms(10);
        t->saw_go[i] = atomic_load(&t->go);
    }
    t->ended[i] = atomic_fetch_add(&t->seq, 1);
    atomic_fetch_sub(&t->in_flight, 1);
    t->returned[i] = true;
    if (t->fail[i])
        return sm_error_set(e, SM_ERR_INVALID, "job %zu fails after its release", i);
    return SM_OK;
}

static void rel_done(void *arg, size_t i)
{
    rel_t *t = arg;
    if (t->jobs[i].state != SM_JOB_SKIPPED && !t->returned[i])
        t->done_early = true;
    t->done_order[t->ndone++] = i;
}

static void test_release_starts_the_next_job(void)
{
    /* one worker: job 1 can only run while job 0 still runs if job 0 gave
     * its slot back */
    sm_models_job_t j[2] = {{.name = "bronze.big"}, {.name = "bronze.next"}};
    rel_t t;
    rel_init(&t, j);
    t.release[0] = true;
    t.sets_go[1] = true;
    sm_models_run_opts_t o = {.workers = 1, .run = rel_job, .done = rel_done, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 2, &o, &e), &e);
    CHECK(t.released_ok[0]);
    CHECK(!t.again_ok[0]);
    CHECK(t.saw_go[0]);
    CHECK(t.started[1] > t.started[0]);
    CHECK(t.started[1] < t.ended[0]);
    CHECK_EQ_INT(j[0].state, SM_JOB_OK);
    CHECK_EQ_INT(j[1].state, SM_JOB_OK);
    CHECK(j[0].released);
    CHECK(!j[1].released);
    CHECK_EQ_INT(t.ndone, 2);
    CHECK(!t.done_early);
    /* outside a run there is no slot to give back */
    CHECK(!sm_models_release(&j[0]));
    CHECK(!sm_models_release(NULL));
    /* without a release the same run is sequential */
    rel_init(&t, j);
    t.sets_go[1] = true;
    CHECK_OK(sm_models_run(j, 2, &o, &e), &e);
    CHECK(t.started[1] > t.ended[0]);
    CHECK(!j[0].released);
}

static void test_released_job_still_orders_its_dependents(void)
{
    /* 1 needs 0, 2 runs after 0, 3 is free: with one worker, 3 runs while
     * the released 0 finishes; 1 and 2 start only after 0 ended */
    size_t need0[] = {0};
    sm_models_job_t j[4] = {{.name = "bronze.a"},
                            {.name = "silver.a", .needs = need0, .nneeds = 1},
                            {.name = "silver.b", .after = need0, .nafter = 1},
                            {.name = "bronze.b"}};
    rel_t t;
    rel_init(&t, j);
    t.release[0] = true;
    t.sets_go[3] = true;
    sm_models_run_opts_t o = {.workers = 1, .run = rel_job, .done = rel_done, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 4, &o, &e), &e);
    CHECK(t.released_ok[0]);
    CHECK(t.saw_go[0]);
    CHECK(t.started[3] < t.ended[0]);
    CHECK(t.started[1] > t.ended[0]);
    CHECK(t.started[2] > t.ended[0]);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(j[i].state, SM_JOB_OK);
    CHECK_EQ_INT(t.ndone, 4);
    CHECK(!t.done_early);
}

static void test_released_jobs_are_bounded(void)
{
    /* one worker: one released job at most, so the second release is
     * refused (the first waits for it) and never more than two jobs run */
    sm_models_job_t j[5] = {
        {.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d"}, {.name = "e"}};
    rel_t t;
    rel_init(&t, j);
    for (int i = 0; i < 5; i++)
        t.release[i] = true;
    sm_models_run_opts_t o = {
        .workers = 1, .run = rel_job, .done = rel_done, .tick = NULL, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 5, &o, &e), &e);
    CHECK(t.released_ok[0]);
    CHECK(!t.released_ok[1]);
    CHECK(t.started[1] < t.ended[0]);
    CHECK(atomic_load(&t.max_in_flight) <= 2);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(j[i].state, SM_JOB_OK);
    CHECK_EQ_INT(t.ndone, 5);
    CHECK(!t.done_early);
    /* two workers, two released at most: at most four at once */
    sm_models_job_t k[8];
    memset(k, 0, sizeof k);
    const char *names[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    for (int i = 0; i < 8; i++)
        k[i].name = names[i];
    rel_init(&t, k);
    for (int i = 0; i < 8; i++)
        t.release[i] = true;
    o.workers = 2;
    CHECK_OK(sm_models_run(k, 8, &o, &e), &e);
    int refused = 0;
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(k[i].state, SM_JOB_OK);
        refused += !t.released_ok[i];
    }
    CHECK(refused >= 1);
    CHECK(atomic_load(&t.max_in_flight) <= 4);
    CHECK_EQ_INT(t.ndone, 8);
}

static void test_failure_after_release_skips_dependents(void)
{
    size_t need0[] = {0}, need1[] = {1};
    sm_models_job_t j[4] = {{.name = "bronze.bad"},
                            {.name = "silver.x", .needs = need0, .nneeds = 1},
                            {.name = "gold.y", .needs = need1, .nneeds = 1},
                            {.name = "bronze.ok"}};
    rel_t t;
    rel_init(&t, j);
    t.release[0] = true;
    t.fail[0] = true;
    t.sets_go[3] = true;
    sm_models_run_opts_t o = {.workers = 1, .run = rel_job, .done = rel_done, .arg = &t};
    sm_error_t e;
    CHECK_OK(sm_models_run(j, 4, &o, &e), &e);
    CHECK(t.released_ok[0]);
    CHECK(t.saw_go[0]);
    CHECK_EQ_INT(j[0].state, SM_JOB_FAILED);
    CHECK_EQ_INT(j[1].state, SM_JOB_SKIPPED);
    CHECK_EQ_INT(j[1].skipped_by, 0);
    CHECK_EQ_INT(j[2].state, SM_JOB_SKIPPED);
    CHECK_EQ_INT(j[2].skipped_by, 1);
    CHECK_EQ_INT(j[3].state, SM_JOB_OK);
    CHECK_EQ_INT(t.started[1], -1);
    CHECK_EQ_INT(t.started[2], -1);
    CHECK_EQ_INT(t.ndone, 4);
    int seen = 0;
    for (size_t k = 0; k < t.ndone; k++)
        seen |= 1 << t.done_order[k];
    CHECK_EQ_INT(seen, 15);
    CHECK(!t.done_early);
}

int main(void)
{
    RUN(test_one_worker_runs_in_index_order);
    RUN(test_failure_skips_downstream_only);
    RUN(test_after_orders_without_skipping);
    RUN(test_two_workers_run_at_once);
    RUN(test_ticks_show_the_running_job);
    RUN(test_jobs_from_a_plan);
    RUN(test_quarantine_reader_waits);
    RUN(test_release_starts_the_next_job);
    RUN(test_released_job_still_orders_its_dependents);
    RUN(test_released_jobs_are_bounded);
    RUN(test_failure_after_release_skips_dependents);
    return check_summary();
}
