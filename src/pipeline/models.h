/*
 * pipeline/models — the project's SQL models in run order.
 *
 * A model is models/<layer>/<name>.sql, one query; it becomes the Delta
 * table <layer>.<name> (CREATE OR REPLACE TABLE … AS, a whole-table
 * overwrite in one commit).  Its inputs are the tables its query names
 * (CTE names excluded); an input that is another model orders the run.
 * An input that is neither a model, a bronze table of the project, nor an
 * existing lake table is an error naming the file and the position; a cycle
 * is an error naming the files in it.
 *
 * Running (sm_models_run): the jobs of one `smelt run` (bronze tables,
 * then the selected models in plan order) on a bounded number of workers.
 * A job starts once every job it needs has succeeded and every job it
 * runs after has ended; a failed or skipped need skips it (transitively),
 * and independent branches keep running.  Among ready jobs the lowest
 * index starts first, so one worker runs them in index order.
 *
 * Releasing (sm_models_release): a running job whose remaining work no
 * longer needs its worker slot (a bronze table whose source read is over,
 * only finishing its file and committing) may give the slot back; the
 * next ready job then starts while the released one keeps running on its
 * thread.  A released job still runs until its function returns: its
 * state stays RUNNING, jobs that need or run after it wait for its end,
 * and its outcome is reported as any other's.  At most min(workers,
 * jobs − workers) jobs are released at once (the run has a thread for
 * each, on top of one per worker); a release beyond that is refused and
 * the job keeps its slot.
 *
 * Ownership: a plan owns its arrays and borrows the project (which must
 * outlive it); a job array owns its index arrays and borrows names.
 * Threads: a plan is read-only after building.  sm_models_run is called by
 * one thread; its job function runs on worker threads (several at once),
 * its done and tick callbacks on the calling thread only.
 */
#ifndef SM_PIPELINE_MODELS_H
#define SM_PIPELINE_MODELS_H

#include <stddef.h>

#include "core/err.h"
#include "lake/lake.h"
#include "pipeline/project.h"

typedef struct sm_model_node {
    const sm_model_t *model;
    char **inputs; /* "layer.table", sorted, unique */
    size_t ninputs;
    char **reads; /* other tables its checks read (relationships, sql), sorted */
    size_t nreads;
} sm_model_node_t;

typedef struct sm_model_plan {
    sm_model_node_t *order; /* run order: every input model comes first */
    size_t n;
} sm_model_plan_t;

/* Orders the models of p.  `lake` (may be NULL) is asked whether a table
 * that is not produced by the project exists already. */
sm_err_t sm_models_plan(const sm_project_t *p, sm_lake_t *lake, sm_model_plan_t *out,
                        sm_error_t *e);
void sm_models_plan_free(sm_model_plan_t *plan);

/* Selection: true when model `name` is selected by the selectors (NULL or
 * none = all).  A selector is a model name, "+name" (it and everything
 * upstream), or "name+" (it and everything downstream). */
bool sm_models_selected(const sm_model_plan_t *plan, const char *name, char *const *sel,
                        size_t nsel);

/* ---- running jobs in parallel where the DAG allows ---------------------- */

typedef enum sm_job_state {
    SM_JOB_WAITING = 0,
    SM_JOB_RUNNING,
    SM_JOB_OK,
    SM_JOB_FAILED,
    SM_JOB_SKIPPED,
} sm_job_state_t;

typedef struct sm_models_job {
    const char *name;            /* "bronze.orders", "gold.x" (borrowed) */
    const sm_model_node_t *node; /* the model; NULL for a bronze table */
    size_t *needs;               /* earlier jobs whose output it reads */
    size_t nneeds;
    size_t *after; /* earlier jobs its checks read, or whose quarantine
                    * table it reads: ordering only */
    size_t nafter;
    /* set by sm_models_run */
    sm_job_state_t state;
    size_t skipped_by; /* SKIPPED: the need that failed or was skipped;
                        * SIZE_MAX: the run stopped before it (see below) */
    bool released;     /* gave its worker slot back (sm_models_release) */
    void *sched;       /* private: the run the job belongs to while it runs */
} sm_models_job_t;

/* The jobs of one run: bronze.<name> for each of the nbronze names (in
 * that order), then the models of plan selected by sel (sm_models_selected)
 * in plan order.  Free with sm_models_jobs_free; SM_ERR_NOMEM on failure. */
sm_err_t sm_models_jobs(const sm_model_plan_t *plan, char *const *bronze, size_t nbronze,
                        char *const *sel, size_t nsel, sm_models_job_t **out, size_t *n,
                        sm_error_t *e);
void sm_models_jobs_free(sm_models_job_t *jobs, size_t n);

/* A snapshot for a status line. */
typedef struct sm_models_status {
    size_t done, total;
    const char *running[4]; /* the first running jobs, by index */
    size_t nrunning;        /* all running jobs (may exceed 4) */
    double seconds;         /* since sm_models_run started */
} sm_models_status_t;

typedef struct sm_models_run_opts {
    unsigned workers; /* jobs at once; 0 = cores; capped by the job count */
    /* runs job i on a worker thread; SM_OK = the job succeeded.  e is the
     * worker's own (the caller keeps what it needs of it). */
    sm_err_t (*run)(void *arg, size_t i, sm_error_t *e);
    /* job i ended (ok, failed or skipped); on the calling thread; may be
     * NULL */
    void (*done)(void *arg, size_t i);
    /* when jobs start or end, and every tick_ms (0 = 100) while they run; on the calling thread;
     * may be NULL */
    void (*tick)(void *arg, const sm_models_status_t *st);
    unsigned tick_ms;
    void *arg;
} sm_models_run_opts_t;

/* Runs every job (see the top of this file), returning when all have
 * ended.  A job's failure is its state, not an error: the return is
 * SM_OK then.  Only the scheduler failing (no memory, no thread) is an
 * error: jobs running finish, jobs not started become SKIPPED with
 * skipped_by SIZE_MAX (each still reported to done), and e says why. */
sm_err_t sm_models_run(sm_models_job_t *jobs, size_t n, const sm_models_run_opts_t *o,
                       sm_error_t *e);

/* Called by a running job (from its run function, on its worker thread)
 * when what is left of it need not hold a worker slot: the scheduler may
 * start the next ready job at once.  Returns true when the slot was given
 * back; false when the job is not running in sm_models_run, released it
 * already, or `workers` jobs are released already (it keeps its slot and
 * may try again).  Nothing else about the job changes (see the top). */
bool sm_models_release(sm_models_job_t *job);

#endif
