/*
 * core/pool — a fixed set of worker threads, task groups, parallel for.
 *
 * A pool owns N worker threads (N = online cores unless the caller says
 * otherwise, at least 1) and one FIFO queue of work.  Two ways to use it:
 *
 *   - Groups: sm_pool_group_new, sm_pool_submit(g, fn, arg) any number of
 *     times, then sm_pool_wait(g), which returns once every task of *that*
 *     group has finished (other callers' tasks are not waited for) and
 *     reports the first error a task returned.  A failed task cancels the
 *     group: its tasks that have not started yet are skipped.
 *
 *   - sm_pool_for(pool, n, morsel, fn, arg): splits [0, n) into morsels of
 *     `morsel` items and calls fn(arg, begin, end, worker) on them in
 *     parallel, blocking until all are done.  The calling thread works too.
 *
 * No waiting thread ever sits idle while work it waits for is still
 * queued: sm_pool_wait runs its group's queued tasks itself, and
 * sm_pool_for claims morsels itself.  So a pool of one thread always makes
 * progress, and tasks may submit and wait for sub-tasks, or run nested
 * sm_pool_for loops, without deadlock.  Waiting uses condition variables,
 * never spinning.
 *
 * Worker index: fn of sm_pool_for gets `worker` in [0, sm_pool_slots(pool)):
 * the pool's threads are 0..N-1 and a thread outside the pool is N.  Within
 * one sm_pool_for call no two morsels run at the same time with the same
 * index, so per-worker scratch arrays of sm_pool_slots() entries are safe.
 *
 * Ownership: the caller owns the pool and the groups it makes, and keeps
 * each `arg` alive until the wait returns.  Every group must be waited for
 * (and freed) before sm_pool_free.
 * Threads: sm_pool_submit, sm_pool_wait, sm_pool_for and the cancel calls
 * may be used from any thread, including from inside tasks.  One group
 * is waited for by one thread at a time.  sm_pool_new/sm_pool_free by
 * the owner only, and sm_pool_free never from inside a task.
 */
#ifndef SM_CORE_POOL_H
#define SM_CORE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct sm_pool sm_pool_t;
typedef struct sm_pool_group sm_pool_group_t;

/* A task: returns SM_OK or an error code and fills e (which is never
 * NULL and starts cleared). */
typedef sm_err_t (*sm_pool_task_fn)(void *arg, sm_error_t *e);

/* A morsel of a parallel loop: items [begin, end) on worker `worker`. */
typedef sm_err_t (*sm_pool_for_fn)(void *arg, size_t begin, size_t end, unsigned worker,
                                   sm_error_t *e);

/* Most threads a pool may have. */
#define SM_POOL_MAX_THREADS 1024

/* Online processors (sysconf(_SC_NPROCESSORS_ONLN)), at least 1. */
unsigned sm_pool_cores(void);

/* Starts a pool of n_threads workers; 0 means sm_pool_cores().  More than
 * SM_POOL_MAX_THREADS is SM_ERR_INVALID.  Fails with SM_ERR_NOMEM, or
 * SM_ERR_INTERNAL when a thread cannot be started; *out is NULL then and
 * nothing is left running. */
sm_err_t sm_pool_new(sm_pool_t **out, unsigned n_threads, sm_error_t *e);

/* Runs what is still queued, stops the workers and frees the pool.  NULL
 * is ignored. */
void sm_pool_free(sm_pool_t *pool);

/* Number of worker threads. */
unsigned sm_pool_threads(const sm_pool_t *pool);
/* Number of distinct worker indexes: sm_pool_threads() + 1. */
unsigned sm_pool_slots(const sm_pool_t *pool);

/* A new, empty group on pool.  SM_ERR_NOMEM (and *out = NULL) on failure. */
sm_err_t sm_pool_group_new(sm_pool_group_t **out, sm_pool_t *pool, sm_error_t *e);
/* Frees a group that has no unfinished tasks (wait first).  NULL ignored. */
void sm_pool_group_free(sm_pool_group_t *g);

/* Queues fn(arg) in group g.  Fails only with SM_ERR_NOMEM, in which case
 * nothing was queued.  If the group is already cancelled, the task is
 * counted but skipped. */
sm_err_t sm_pool_submit(sm_pool_group_t *g, sm_pool_task_fn fn, void *arg, sm_error_t *e);

/* Waits until every task submitted to g so far has finished or been
 * skipped, running queued tasks of g on the calling thread meanwhile.
 * Returns the first error a task returned (its message in e), or
 * SM_ERR_CANCELLED if the group was cancelled by sm_pool_group_cancel and
 * no task failed, else SM_OK.  Afterwards the group is reset (no error,
 * not cancelled) and may be used again. */
sm_err_t sm_pool_wait(sm_pool_group_t *g, sm_error_t *e);

/* Asks g to stop: tasks not yet started are skipped.  Running tasks may
 * poll sm_pool_group_cancelled() and return early. */
void sm_pool_group_cancel(sm_pool_group_t *g);
bool sm_pool_group_cancelled(const sm_pool_group_t *g);

/* Calls fn over [0, n) in morsels of `morsel` items (0 picks a size that
 * gives each slot about 4 morsels) on the pool's workers and the calling
 * thread; returns when all morsels are done.  The first error a morsel
 * returns stops the loop (morsels not yet started are not run) and is
 * returned with its message in e.  `cancel`, when not NULL, is read
 * between morsels; once true the loop stops and returns SM_ERR_CANCELLED.
 * n == 0 returns SM_OK without calling fn.  pool may be NULL: everything
 * runs on the caller (worker index 0). */
sm_err_t sm_pool_for(sm_pool_t *pool, size_t n, size_t morsel, sm_pool_for_fn fn, void *arg,
                     const atomic_bool *cancel, sm_error_t *e);

#endif
