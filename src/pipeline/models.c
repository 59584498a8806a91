#include "pipeline/models.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/pool.h"
#include "delta/snapshot.h"
#include "sql/parser.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_bronze(const sm_project_t *p, const char *name)
{
    if (strncmp(name, "bronze.", 7) != 0)
        return false;
    for (size_t i = 0; i < p->nbronze; i++)
        if (strcmp(p->bronze[i].name, name + 7) == 0)
            return true;
    return false;
}

static bool table_exists(sm_lake_t *lake, const char *name)
{
    if (!lake)
        return false;
    sm_lake_table_t t;
    if (sm_lake_resolve(lake, name, &t, NULL))
        return false;
    sm_delta_snapshot_t *s = NULL;
    bool ok = sm_delta_snapshot_load(t.store, t.prefix, NULL, &s, NULL) == SM_OK;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return ok;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Appends a copy of name to the array unless it holds it already. */
static sm_err_t push_unique(char ***arr, size_t *n, const char *name, sm_error_t *e)
{
    for (size_t k = 0; k < *n; k++)
        if (strcmp((*arr)[k], name) == 0)
            return SM_OK;
    char **g = sm_realloc(*arr, (*n + 2) * sizeof *g);
    if (!g)
        return sm_error_nomem(e, "model inputs");
    *arr = g;
    if (!(g[*n] = sm_strdup(name)))
        return sm_error_nomem(e, "model inputs");
    (*n)++;
    return SM_OK;
}

/* A lake table a check reads, unless it is one of the model's inputs or
 * its own table. */
static sm_err_t add_read(const sm_model_t *m, sm_model_node_t *node, const char *name,
                         sm_error_t *e)
{
    char full[600];
    snprintf(full, sizeof full, "%s", name);
    lower(full);
    if (strcmp(full, m->name) == 0)
        return SM_OK;
    for (size_t k = 0; k < node->ninputs; k++)
        if (strcmp(node->inputs[k], full) == 0)
            return SM_OK;
    return push_unique(&node->reads, &node->nreads, full, e);
}

/* The other tables the model's checks read: a relationships target, the
 * tables of a sql check.  They order a parallel run (a check sees what a
 * sequential run would have shown it); a check whose SQL does not parse
 * reads nothing here and fails when it runs. */
static sm_err_t check_reads(const sm_model_t *m, sm_model_node_t *node, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < m->nchecks; i++) {
        const sm_check_t *c = &m->checks[i];
        if (c->kind == SM_CHECK_RELATIONSHIPS && c->to)
            rc = add_read(m, node, c->to, e);
        if (c->kind != SM_CHECK_SQL || !c->sql)
            continue;
        sm_sql_ast_t *ast = NULL;
        sm_error_t ignored;
        if (sm_sql_parse_script((sm_str_t){c->sql, strlen(c->sql)}, NULL, &ast, &ignored)) {
            sm_sql_ast_free(ast);
            continue;
        }
        for (size_t s = 0; !rc && s < ast->nstmts; s++) {
            sm_sql_name_t *names;
            size_t n;
            if (sm_sql_list_tables(ast, ast->stmts[s], &names, &n, &ignored))
                continue;
            for (size_t k = 0; !rc && k < n; k++) {
                if (names[k].nparts != 2 || strcmp(names[k].parts[0].name, "delta") == 0)
                    continue;
                char full[600];
                snprintf(full, sizeof full, "%s.%s", names[k].parts[0].name,
                         names[k].parts[1].name);
                rc = add_read(m, node, full, e);
            }
        }
        sm_sql_ast_free(ast);
    }
    if (!rc && node->nreads)
        qsort(node->reads, node->nreads, sizeof *node->reads, cmp_str);
    return rc;
}

/* The tables a model's query reads, as lower-case "layer.table". */
static sm_err_t model_inputs(const sm_project_t *p, sm_lake_t *lake, const sm_model_t *m,
                             sm_model_node_t *node, sm_error_t *e)
{
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_script((sm_str_t){m->sql, strlen(m->sql)}, NULL, &ast, e);
    if (rc) {
        sm_error_wrap(e, "%s", m->path);
        return rc;
    }
    if (ast->nstmts != 1) {
        sm_sql_ast_free(ast);
        return sm_error_set(e, SM_ERR_INVALID, "%s: a model is one query, found %zu statements",
                            m->path, ast->nstmts);
    }
    sm_sql_name_t *names;
    size_t n;
    if ((rc = sm_sql_list_tables(ast, ast->stmts[0], &names, &n, e))) {
        sm_sql_ast_free(ast);
        return rc;
    }
    node->inputs = sm_calloc(n + 1, sizeof *node->inputs);
    if (!node->inputs) {
        sm_sql_ast_free(ast);
        return sm_error_nomem(e, "model inputs");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_sql_name_t *nm = &names[i];
        if (nm->nparts == 2 && strcmp(nm->parts[0].name, "delta") == 0)
            continue; /* delta.`path`: outside the project */
        if (nm->nparts != 2) {
            rc = sm_error_set(e, SM_ERR_INVALID,
                              "%s: line %u, column %u: a model reads lake tables as layer.table",
                              m->path, nm->parts[0].pos.line, nm->parts[0].pos.col);
            break;
        }
        char full[600];
        snprintf(full, sizeof full, "%s.%s", nm->parts[0].name, nm->parts[1].name);
        lower(full);
        bool dup = false;
        for (size_t k = 0; k < node->ninputs; k++)
            dup |= strcmp(node->inputs[k], full) == 0;
        if (dup)
            continue;
        if (!sm_project_model(p, full) && !is_bronze(p, full) && !table_exists(lake, full)) {
            rc = sm_error_set(e, SM_ERR_NOT_FOUND,
                              "%s: line %u, column %u: table %s is not a model, not a bronze table "
                              "of the project, and not in the lake",
                              m->path, nm->parts[0].pos.line, nm->parts[0].pos.col, full);
            break;
        }
        if (!(node->inputs[node->ninputs++] = sm_strdup(full)))
            rc = sm_error_nomem(e, "model inputs");
    }
    sm_sql_ast_free(ast);
    if (!rc && node->ninputs)
        qsort(node->inputs, node->ninputs, sizeof *node->inputs, cmp_str);
    if (!rc)
        rc = check_reads(m, node, e);
    return rc;
}

static void free_node(sm_model_node_t *n)
{
    for (size_t i = 0; i < n->ninputs; i++)
        sm_free(n->inputs[i]);
    sm_free(n->inputs);
    for (size_t i = 0; i < n->nreads; i++)
        sm_free(n->reads[i]);
    sm_free(n->reads);
}

sm_err_t sm_models_plan(const sm_project_t *p, sm_lake_t *lake, sm_model_plan_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    size_t n = p->nmodels;
    sm_model_node_t *nodes = sm_calloc(n + 1, sizeof *nodes);
    int *state = sm_calloc(n + 1, sizeof *state); /* 0 todo, 1 placed */
    out->order = sm_calloc(n + 1, sizeof *out->order);
    sm_err_t rc = (!nodes || !state || !out->order) ? sm_error_nomem(e, "model plan") : SM_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        nodes[i].model = &p->models[i];
        if (p->models[i].streaming)
            state[i] = 2; /* run by the stream runner, not here */
        else
            rc = model_inputs(p, lake, &p->models[i], &nodes[i], e);
    }
    size_t batch_models = 0;
    for (size_t i = 0; i < n; i++)
        batch_models += state[i] == 0;
    /* Kahn's algorithm over model → model edges, in name order for a stable
     * plan */
    while (!rc && out->n < batch_models) {
        bool progress = false;
        for (size_t i = 0; i < n; i++) {
            if (state[i])
                continue;
            bool ready = true;
            for (size_t k = 0; ready && k < nodes[i].ninputs; k++)
                for (size_t j = 0; j < n; j++)
                    if (!state[j] && j != i && strcmp(p->models[j].name, nodes[i].inputs[k]) == 0)
                        ready = false;
            bool self = false;
            for (size_t k = 0; k < nodes[i].ninputs; k++)
                self |= strcmp(nodes[i].inputs[k], p->models[i].name) == 0;
            if (self) {
                rc = sm_error_set(e, SM_ERR_INVALID, "%s reads its own table %s", p->models[i].path,
                                  p->models[i].name);
                break;
            }
            if (ready) {
                state[i] = 1;
                out->order[out->n++] = nodes[i];
                memset(&nodes[i], 0, sizeof nodes[i]);
                progress = true;
            }
        }
        if (!rc && !progress) {
            char files[2048] = "";
            size_t used = 0;
            for (size_t i = 0; i < n && used < sizeof files; i++)
                if (!state[i])
                    used += (size_t)snprintf(files + used, sizeof files - used, "%s%s",
                                             used ? ", " : "", p->models[i].path);
            rc = sm_error_set(e, SM_ERR_INVALID, "the models form a cycle: %s", files);
        }
    }
    for (size_t i = 0; nodes && i < n; i++)
        free_node(&nodes[i]);
    sm_free(nodes);
    sm_free(state);
    if (rc)
        sm_models_plan_free(out);
    return rc;
}

void sm_models_plan_free(sm_model_plan_t *plan)
{
    for (size_t i = 0; plan->order && i < plan->n; i++)
        free_node(&plan->order[i]);
    sm_free(plan->order);
    memset(plan, 0, sizeof *plan);
}

static int index_of(const sm_model_plan_t *plan, const char *name)
{
    for (size_t i = 0; i < plan->n; i++)
        if (strcmp(plan->order[i].model->name, name) == 0)
            return (int)i;
    return -1;
}

/* Is `from` upstream of `to` (reachable through inputs)? */
static bool upstream(const sm_model_plan_t *plan, int from, int to, int depth)
{
    if (from == to)
        return true;
    if (depth > (int)plan->n)
        return false;
    const sm_model_node_t *t = &plan->order[to];
    for (size_t k = 0; k < t->ninputs; k++) {
        int j = index_of(plan, t->inputs[k]);
        if (j >= 0 && upstream(plan, from, j, depth + 1))
            return true;
    }
    return false;
}

bool sm_models_selected(const sm_model_plan_t *plan, const char *name, char *const *sel,
                        size_t nsel)
{
    if (!sel || nsel == 0)
        return true;
    int me = index_of(plan, name);
    for (size_t i = 0; i < nsel; i++) {
        const char *s = sel[i];
        size_t len = strlen(s);
        bool up = s[0] == '+', down = len > 1 && s[len - 1] == '+';
        char base[600];
        snprintf(base, sizeof base, "%.*s", (int)(len - up - down), s + up);
        if (strcmp(base, name) == 0)
            return true;
        int b = index_of(plan, base);
        if (b < 0 || me < 0)
            continue;
        if (up && upstream(plan, me, b, 0))
            return true;
        if (down && upstream(plan, b, me, 0))
            return true;
    }
    return false;
}

/* ---- the jobs of a run ---------------------------------------------------- */

static int job_index(const sm_models_job_t *jobs, size_t upto, const char *name)
{
    for (size_t j = 0; j < upto; j++)
        if (strcmp(jobs[j].name, name) == 0)
            return (int)j;
    return -1;
}

/* The earlier jobs among names, as indexes (an array of at most n). */
static sm_err_t link_jobs(const sm_models_job_t *jobs, size_t upto, char *const *names, size_t n,
                          size_t **out, size_t *nout, sm_error_t *e)
{
    *nout = 0;
    if (!(*out = sm_calloc(n + 1, sizeof **out)))
        return sm_error_nomem(e, "run jobs");
    for (size_t k = 0; k < n; k++) {
        int j = job_index(jobs, upto, names[k]);
        if (j >= 0)
            (*out)[(*nout)++] = (size_t)j;
    }
    return SM_OK;
}

/* An input "<model>_quarantine" is written by that model's job: reading it
 * waits for the job (ordering only: a failed model leaves the last
 * quarantine version, as a sequential run would read). */
static sm_err_t after_quarantines(const sm_models_job_t *jobs, size_t upto,
                                  const sm_model_node_t *mn, sm_models_job_t *j, sm_error_t *e)
{
    static const char suffix[] = "_quarantine";
    for (size_t k = 0; k < mn->ninputs; k++) {
        size_t len = strlen(mn->inputs[k]);
        if (len <= sizeof suffix - 1 ||
            strcmp(mn->inputs[k] + len - (sizeof suffix - 1), suffix) != 0)
            continue;
        char base[600];
        snprintf(base, sizeof base, "%.*s", (int)(len - (sizeof suffix - 1)), mn->inputs[k]);
        int b = job_index(jobs, upto, base);
        if (b < 0)
            continue;
        size_t *g = sm_realloc(j->after, (j->nafter + 1) * sizeof *g);
        if (!g)
            return sm_error_nomem(e, "run jobs");
        j->after = g;
        j->after[j->nafter++] = (size_t)b;
    }
    return SM_OK;
}

sm_err_t sm_models_jobs(const sm_model_plan_t *plan, char *const *bronze, size_t nbronze,
                        char *const *sel, size_t nsel, sm_models_job_t **out, size_t *n,
                        sm_error_t *e)
{
    *n = 0;
    sm_models_job_t *jobs = sm_calloc(nbronze + plan->n + 1, sizeof *jobs);
    if (!(*out = jobs))
        return sm_error_nomem(e, "run jobs");
    for (size_t i = 0; i < nbronze; i++)
        jobs[(*n)++] = (sm_models_job_t){.name = bronze[i]};
    sm_err_t rc = SM_OK;
    for (size_t k = 0; !rc && k < plan->n; k++) {
        const sm_model_node_t *mn = &plan->order[k];
        if (!sm_models_selected(plan, mn->model->name, sel, nsel))
            continue;
        sm_models_job_t *j = &jobs[*n];
        *j = (sm_models_job_t){.name = mn->model->name, .node = mn};
        (*n)++;
        if (!(rc = link_jobs(jobs, *n - 1, mn->inputs, mn->ninputs, &j->needs, &j->nneeds, e)))
            rc = link_jobs(jobs, *n - 1, mn->reads, mn->nreads, &j->after, &j->nafter, e);
        if (!rc)
            rc = after_quarantines(jobs, *n - 1, mn, j, e);
    }
    if (rc) {
        sm_models_jobs_free(jobs, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void sm_models_jobs_free(sm_models_job_t *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++) {
        sm_free(jobs[i].needs);
        sm_free(jobs[i].after);
    }
    sm_free(jobs);
}

/* ---- the scheduler -------------------------------------------------------- */

typedef struct sched {
    sm_models_job_t *jobs;
    size_t n;
    const sm_models_run_opts_t *o;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job ended or gave its slot back */
    size_t *ended;     /* jobs ended but not yet reported to done() */
    size_t nended;
    size_t running;      /* jobs RUNNING: active + released */
    size_t active;       /* running jobs holding a worker slot */
    size_t released;     /* running jobs that gave their slot back */
    size_t max_released; /* the bound on released */
    bool kicked;         /* a slot was given back since the last wait */
} sched_t;

typedef struct slot {
    sched_t *d;
    size_t i;
} slot_t;

static sm_err_t job_task(void *arg, sm_error_t *e)
{
    (void)e; /* a job's failure is its state, never the group's */
    slot_t *s = arg;
    sched_t *d = s->d;
    sm_error_t je;
    sm_error_clear(&je);
    sm_err_t rc = d->o->run(d->o->arg, s->i, &je);
    pthread_mutex_lock(&d->mu);
    sm_models_job_t *j = &d->jobs[s->i];
    j->state = rc ? SM_JOB_FAILED : SM_JOB_OK;
    d->ended[d->nended++] = s->i;
    d->running--;
    if (j->released)
        d->released--;
    else
        d->active--;
    j->sched = NULL;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return SM_OK;
}

bool sm_models_release(sm_models_job_t *job)
{
    sched_t *d = job ? job->sched : NULL;
    if (!d)
        return false;
    bool ok = false;
    pthread_mutex_lock(&d->mu);
    if (job->state == SM_JOB_RUNNING && !job->released && d->released < d->max_released) {
        job->released = true;
        d->active--;
        d->released++;
        d->kicked = true;
        ok = true;
        pthread_cond_signal(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
    return ok;
}

static bool ended(sm_job_state_t s)
{
    return s == SM_JOB_OK || s == SM_JOB_FAILED || s == SM_JOB_SKIPPED;
}

/* Under the lock: skips the jobs whose needs failed, and says which job
 * may start next (SIZE_MAX: none now).  Needs come earlier in the array,
 * so one pass settles chains of skips. */
static size_t next_ready(sched_t *d)
{
    size_t pick = SIZE_MAX;
    for (size_t i = 0; i < d->n; i++) {
        sm_models_job_t *j = &d->jobs[i];
        if (j->state != SM_JOB_WAITING)
            continue;
        bool ready = true;
        for (size_t k = 0; k < j->nneeds; k++) {
            sm_job_state_t s = d->jobs[j->needs[k]].state;
            if (s == SM_JOB_FAILED || s == SM_JOB_SKIPPED) {
                j->state = SM_JOB_SKIPPED;
                j->skipped_by = j->needs[k];
                d->ended[d->nended++] = i;
                break;
            }
            ready &= s == SM_JOB_OK;
        }
        for (size_t k = 0; k < j->nafter; k++)
            ready &= ended(d->jobs[j->after[k]].state);
        if (j->state == SM_JOB_WAITING && ready && pick == SIZE_MAX)
            pick = i;
    }
    return pick;
}

static void status(sched_t *d, int64_t t0, sm_models_status_t *st)
{
    memset(st, 0, sizeof *st);
    st->total = d->n;
    for (size_t i = 0; i < d->n; i++) {
        sm_job_state_t s = d->jobs[i].state;
        st->done += ended(s);
        if (s == SM_JOB_RUNNING && st->nrunning++ < 4)
            st->running[st->nrunning - 1] = d->jobs[i].name;
    }
    st->seconds = (double)(sm_clock_mono_ns() - t0) / 1e9;
}

/* Under the lock: waits for a job to end or give its slot back, or until
 * tick_ms pass. */
static void wait_event(sched_t *d, unsigned tick_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)(tick_ms % 1000) * 1000000L;
    ts.tv_sec += tick_ms / 1000 + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    if (d->nended == 0 && !d->kicked)
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    d->kicked = false;
}

/* Under the lock: reports the ended jobs to done(), without the lock;
 * returns how many. */
static size_t report(sched_t *d, size_t *scratch)
{
    size_t count = 0;
    while (d->nended) {
        size_t n = d->nended;
        memcpy(scratch, d->ended, n * sizeof *scratch);
        d->nended = 0;
        count += n;
        pthread_mutex_unlock(&d->mu);
        for (size_t k = 0; k < n && d->o->done; k++)
            d->o->done(d->o->arg, scratch[k]);
        pthread_mutex_lock(&d->mu);
    }
    return count;
}

sm_err_t sm_models_run(sm_models_job_t *jobs, size_t n, const sm_models_run_opts_t *o,
                       sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i].state = SM_JOB_WAITING;
        jobs[i].released = false;
        jobs[i].sched = NULL;
    }
    if (n == 0)
        return SM_OK;
    unsigned workers = o->workers ? o->workers : sm_pool_cores();
    if (workers > n)
        workers = (unsigned)n;
    unsigned tick_ms = o->tick_ms ? o->tick_ms : 100;
    /* up to as many released jobs as workers, each on a thread of its own
     * (more threads than jobs would never run) */
    unsigned threads = workers * 2 < n ? workers * 2 : (unsigned)n;
    if (threads > SM_POOL_MAX_THREADS)
        threads = SM_POOL_MAX_THREADS;
    if (threads < workers)
        threads = workers; /* sm_pool_new names the limit */
    sched_t d = {.jobs = jobs, .n = n, .o = o, .max_released = threads - workers};
    slot_t *slots = sm_calloc(n, sizeof *slots);
    size_t *scratch = sm_calloc(n, sizeof *scratch);
    d.ended = sm_calloc(n, sizeof *d.ended);
    sm_pool_t *pool = NULL;
    sm_pool_group_t *g = NULL;
    sm_err_t rc = (!slots || !scratch || !d.ended) ? sm_error_nomem(e, "run jobs") : SM_OK;
    if (!rc)
        rc = sm_pool_new(&pool, threads, e);
    if (!rc)
        rc = sm_pool_group_new(&g, pool, e);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, &ca);
    pthread_condattr_destroy(&ca);
    int64_t t0 = sm_clock_mono_ns();
    int64_t last_tick = t0;
    size_t nended = 0;
    pthread_mutex_lock(&d.mu);
    while (!rc) {
        size_t i, before = nended;
        bool started = false;
        while (d.active < workers && (i = next_ready(&d)) != SIZE_MAX) {
            jobs[i].state = SM_JOB_RUNNING;
            jobs[i].sched = &d;
            started = true;
            d.running++;
            d.active++;
            slots[i] = (slot_t){&d, i};
            if ((rc = sm_pool_submit(g, job_task, &slots[i], e))) {
                jobs[i].state = SM_JOB_WAITING; /* stopped below */
                jobs[i].sched = NULL;
                d.running--;
                d.active--;
                break;
            }
        }
        if (!rc)
            next_ready(&d); /* skips behind a failure, even with no worker free */
        nended += report(&d, scratch);
        if (rc || nended == n)
            break;
        /* at once when jobs start or end (a short run still shows what
         * runs), and every tick_ms for the clock */
        if (o->tick && (started || nended != before ||
                        sm_clock_mono_ns() - last_tick >= (int64_t)tick_ms * 1000000)) {
            sm_models_status_t st;
            status(&d, t0, &st);
            last_tick = sm_clock_mono_ns();
            pthread_mutex_unlock(&d.mu);
            o->tick(o->arg, &st);
            pthread_mutex_lock(&d.mu);
        }
        wait_event(&d, tick_ms);
    }
    if (rc && d.ended && scratch) {
        /* the scheduler failed: what did not start is skipped, what runs
         * finishes */
        for (size_t i = 0; i < n; i++)
            if (jobs[i].state == SM_JOB_WAITING) {
                jobs[i].state = SM_JOB_SKIPPED;
                jobs[i].skipped_by = SIZE_MAX;
                d.ended[d.nended++] = i;
            }
        while (d.running) {
            report(&d, scratch);
            wait_event(&d, tick_ms);
        }
        report(&d, scratch);
    }
    pthread_mutex_unlock(&d.mu);
    for (size_t i = 0; rc && !(d.ended && scratch) && i < n; i++) {
        jobs[i].state = SM_JOB_SKIPPED; /* no memory to start anything */
        jobs[i].skipped_by = SIZE_MAX;
        if (o->done)
            o->done(o->arg, i);
    }
    if (g) {
        sm_error_t ignored;
        sm_pool_wait(g, &ignored);
        sm_pool_group_free(g);
    }
    sm_pool_free(pool);
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    sm_free(d.ended);
    sm_free(scratch);
    sm_free(slots);
    return rc;
}
