/* sql/plan_feed — pipelining an operator tree into a sink (plan_int.h).
 *
 * A write (CREATE TABLE AS, INSERT) alternates between pulling a batch
 * from the plan and encoding it; run one after the other, a core idles
 * while the other works.  Here a pool task pulls batches into a small
 * queue while the calling thread hands queued ones to the sink.
 *
 * The task may not start at once: the pool's threads may all be busy (with
 * other queries' tasks).  The calling thread then claims it: a task that
 * has not started START_WAIT_NS after the sink first ran dry is marked
 * taken and the calling thread pulls the rest itself, as without a pool;
 * the task, when it runs, sees the mark and returns.  So the tree is always driven by exactly one
 * thread at a time, and no batch waits for a busy pool.
 *
 * Ownership: batches in the queue belong to the feed until popped (freed
 * when the feed stops early).  Threads: the tree is pulled by the task
 * (state RUNNING) or by the caller (state TAKEN), never both; the queue,
 * state and flags are under mu.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "sql/plan_int.h"

#define FEED_DEPTH 4          /* batches pulled ahead of the sink, at most */
#define START_WAIT_NS 5000000 /* how long the task may take to start */

enum { QUEUED, RUNNING, TAKEN };

typedef struct feed {
    sm_op_t *op;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sm_batch_t *q[FEED_DEPTH];
    size_t head, n;
    int state;
    bool done; /* the task stopped: end of input, error or stop */
    bool stop; /* the sink failed: the task stops pulling */
    sm_err_t rc;
    sm_error_t err;
} feed_t;

/* The pool task: pulls the tree into the queue unless the caller took it. */
static sm_err_t feed_task(void *arg, sm_error_t *e)
{
    (void)e;
    feed_t *f = arg;
    pthread_mutex_lock(&f->mu);
    if (f->state != QUEUED) {
        pthread_mutex_unlock(&f->mu);
        return SM_OK;
    }
    f->state = RUNNING;
    pthread_mutex_unlock(&f->mu);
    for (;;) {
        sm_batch_t *b = NULL;
        sm_error_t err;
        sm_error_clear(&err);
        sm_err_t rc = sm_op_next(f->op, &b, &err);
        if (!rc && b && !b->nrows) {
            sm_batch_free(b);
            continue;
        }
        pthread_mutex_lock(&f->mu);
        while (!rc && b && f->n == FEED_DEPTH && !f->stop)
            pthread_cond_wait(&f->cv, &f->mu);
        if (rc || !b || f->stop) {
            sm_batch_free(b);
            f->rc = rc;
            if (rc)
                f->err = err;
            f->done = true;
            pthread_cond_broadcast(&f->cv);
            pthread_mutex_unlock(&f->mu);
            return SM_OK;
        }
        f->q[(f->head + f->n++) % FEED_DEPTH] = b;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
    }
}

/* The serial loop: the calling thread pulls and sinks. */
static sm_err_t pull_all(sm_op_t *op, sm_plan_sink_fn sink, void *arg, sm_error_t *e)
{
    for (;;) {
        sm_batch_t *b = NULL;
        sm_err_t rc = sm_op_next(op, &b, e);
        if (rc || !b)
            return rc;
        if (!b->nrows) {
            sm_batch_free(b);
            continue;
        }
        if ((rc = sink(arg, b, e)))
            return rc;
    }
}

sm_err_t sm_plan_feed(sm_pool_t *pool, sm_op_t *op, sm_plan_sink_fn sink, void *arg, sm_error_t *e)
{
    if (!pool)
        return pull_all(op, sink, arg, e);
    sm_pool_group_t *g = NULL;
    feed_t *f = sm_calloc(1, sizeof *f);
    if (!f)
        return sm_error_nomem(e, "write pipeline");
    f->op = op;
    f->state = QUEUED;
    if (pthread_mutex_init(&f->mu, NULL)) {
        sm_free(f);
        return sm_error_set(e, SM_ERR_INTERNAL, "write pipeline: cannot create a mutex");
    }
    if (pthread_cond_init(&f->cv, NULL)) {
        pthread_mutex_destroy(&f->mu);
        sm_free(f);
        return sm_error_set(e, SM_ERR_INTERNAL, "write pipeline: cannot create a condition");
    }
    sm_err_t rc = sm_pool_group_new(&g, pool, e);
    if (!rc && (rc = sm_pool_submit(g, feed_task, f, e))) {
        sm_pool_group_free(g);
        g = NULL;
    }
    if (rc) {
        /* no task: pull here */
        f->state = TAKEN;
        rc = pull_all(op, sink, arg, e);
    }
    bool serial = rc != SM_OK, waited = false;
    pthread_mutex_lock(&f->mu);
    while (!rc && !serial) {
        if (f->n) {
            sm_batch_t *b = f->q[f->head];
            f->head = (f->head + 1) % FEED_DEPTH;
            f->n--;
            pthread_cond_broadcast(&f->cv);
            pthread_mutex_unlock(&f->mu);
            rc = sink(arg, b, e);
            pthread_mutex_lock(&f->mu);
        } else if (f->done) {
            if (f->rc) {
                rc = f->rc;
                if (e)
                    *e = f->err;
            }
            break;
        } else if (f->state == QUEUED && waited) {
            /* no pool thread free: pull the rest on this thread */
            f->state = TAKEN;
            serial = true;
        } else if (f->state == QUEUED) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += START_WAIT_NS;
            if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&f->cv, &f->mu, &t);
            waited = true;
        } else {
            pthread_cond_wait(&f->cv, &f->mu);
        }
    }
    if (rc) {
        f->stop = true;
        if (f->state == QUEUED)
            f->state = TAKEN;
    }
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    if (serial && !rc)
        rc = pull_all(op, sink, arg, e);
    if (g) {
        /* the task has stopped (or returns at once when it starts) */
        sm_error_t we;
        sm_error_clear(&we);
        (void)sm_pool_wait(g, &we);
        sm_pool_group_free(g);
    }
    for (size_t i = 0; i < f->n; i++)
        sm_batch_free(f->q[(f->head + i) % FEED_DEPTH]);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    sm_free(f);
    return rc;
}
