#include "core/pool.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"

/* A queued piece of work: a group's task, or a ticket that lets a worker
 * join one sm_pool_for loop. */
typedef enum node_kind { NODE_TASK, NODE_HELPER } node_kind_t;

typedef struct node {
    struct node *prev, *next;
    node_kind_t kind;
    bool queued; /* on the pool queue (helpers only; tasks are freed) */
    void *owner; /* sm_pool_group_t (task) or for_job_t (helper) */
    sm_pool_task_fn fn;
    void *arg;
} node_t;

typedef struct worker {
    sm_pool_t *pool;
    unsigned index;
} worker_t;

struct sm_pool {
    pthread_mutex_t mu;     /* guards the queue, groups' and jobs' counters */
    pthread_cond_t work_cv; /* queue not empty, or stopping */
    node_t *head, *tail;
    bool stopping;
    unsigned n_threads;
    pthread_t *threads;
    worker_t *workers;
};

struct sm_pool_group {
    sm_pool_t *pool;
    pthread_cond_t done_cv; /* pending dropped to 0 (with pool->mu) */
    size_t pending;         /* submitted and not finished (pool->mu) */
    atomic_bool cancelled;  /* skip tasks not started */
    atomic_bool by_user;    /* sm_pool_group_cancel was called */
    sm_err_t rc;            /* first error (pool->mu) */
    sm_error_t err;
};

typedef struct for_job {
    sm_pool_t *pool;
    sm_pool_for_fn fn;
    void *arg;
    size_t n, morsel;
    atomic_size_t next; /* first item not yet claimed */
    atomic_bool stop;   /* an error or a cancel: claim nothing more */
    atomic_bool cancelled;
    const atomic_bool *cancel;
    pthread_cond_t done_cv; /* running dropped to 0 (with pool->mu) */
    unsigned running;       /* helpers inside for_work (pool->mu) */
    sm_err_t rc;            /* first error (pool->mu when pool != NULL) */
    sm_error_t err;
} for_job_t;

unsigned sm_pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > SM_POOL_MAX_THREADS ? SM_POOL_MAX_THREADS : (unsigned)n;
}

unsigned sm_pool_threads(const sm_pool_t *pool)
{
    return pool ? pool->n_threads : 0;
}

unsigned sm_pool_slots(const sm_pool_t *pool)
{
    return sm_pool_threads(pool) + 1;
}

/* ---- queue (pool->mu held) -------------------------------------------- */

static void push(sm_pool_t *pool, node_t *nd)
{
    nd->next = NULL;
    nd->prev = pool->tail;
    if (pool->tail)
        pool->tail->next = nd;
    else
        pool->head = nd;
    pool->tail = nd;
    nd->queued = true;
}

static void unlink_node(sm_pool_t *pool, node_t *nd)
{
    if (nd->prev)
        nd->prev->next = nd->next;
    else
        pool->head = nd->next;
    if (nd->next)
        nd->next->prev = nd->prev;
    else
        pool->tail = nd->prev;
    nd->prev = nd->next = NULL;
    nd->queued = false;
}

/* The index of the calling thread: its worker number, or n_threads. */
static unsigned self_index(const sm_pool_t *pool)
{
    pthread_t me = pthread_self();
    for (unsigned i = 0; pool && i < pool->n_threads; i++)
        if (pthread_equal(pool->threads[i], me))
            return i;
    return sm_pool_threads(pool);
}

/* Keeps the first error: code rc with the task's message (or a generic
 * one when the task returned a code without filling its error). */
static void keep_first(sm_err_t *first, sm_error_t *first_err, sm_err_t rc, sm_error_t *err)
{
    if (*first)
        return;
    *first = rc;
    if (err->code == SM_OK || err->msg[0] == '\0')
        sm_error_set(err, rc, "task failed: %s", sm_err_name(rc));
    err->code = rc;
    memcpy(first_err, err, sizeof *err);
}

/* ---- running work ------------------------------------------------------ */

/* Claims and runs morsels until none are left or the loop stops. */
static void for_work(for_job_t *job, unsigned worker)
{
    sm_error_t err;
    for (;;) {
        if (atomic_load_explicit(&job->stop, memory_order_relaxed))
            return;
        if (job->cancel && atomic_load(job->cancel)) {
            atomic_store(&job->cancelled, true);
            atomic_store(&job->stop, true);
            return;
        }
        size_t begin = atomic_load(&job->next), end;
        do {
            if (begin >= job->n)
                return;
            end = begin + (job->n - begin < job->morsel ? job->n - begin : job->morsel);
        } while (!atomic_compare_exchange_weak(&job->next, &begin, end));
        sm_error_clear(&err);
        sm_err_t rc = job->fn(job->arg, begin, end, worker, &err);
        if (rc) {
            if (job->pool)
                pthread_mutex_lock(&job->pool->mu);
            keep_first(&job->rc, &job->err, rc, &err);
            if (job->pool)
                pthread_mutex_unlock(&job->pool->mu);
            atomic_store(&job->stop, true);
            return;
        }
    }
}

/* Runs a node just taken off the queue.  Called and returns with
 * pool->mu held; drops it while the work runs. */
static void run_node(sm_pool_t *pool, node_t *nd, unsigned worker)
{
    if (nd->kind == NODE_HELPER) {
        for_job_t *job = nd->owner;
        job->running++;
        pthread_mutex_unlock(&pool->mu);
        for_work(job, worker);
        pthread_mutex_lock(&pool->mu);
        if (--job->running == 0)
            pthread_cond_signal(&job->done_cv);
        return;
    }
    sm_pool_group_t *g = nd->owner;
    sm_pool_task_fn fn = nd->fn;
    void *arg = nd->arg;
    pthread_mutex_unlock(&pool->mu);
    sm_free(nd);
    sm_error_t err;
    sm_error_clear(&err);
    sm_err_t rc = atomic_load(&g->cancelled) ? SM_OK : fn(arg, &err);
    pthread_mutex_lock(&pool->mu);
    if (rc) {
        keep_first(&g->rc, &g->err, rc, &err);
        atomic_store(&g->cancelled, true);
    }
    if (--g->pending == 0)
        pthread_cond_broadcast(&g->done_cv);
}

static void *worker_main(void *p)
{
    worker_t *w = p;
    sm_pool_t *pool = w->pool;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->head && !pool->stopping)
            pthread_cond_wait(&pool->work_cv, &pool->mu);
        node_t *nd = pool->head;
        if (!nd)
            break; /* stopping, and the queue is drained */
        unlink_node(pool, nd);
        run_node(pool, nd, w->index);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* ---- the pool ---------------------------------------------------------- */

static void stop_and_join(sm_pool_t *pool, unsigned started)
{
    pthread_mutex_lock(&pool->mu);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(pool->threads[i], NULL);
}

sm_err_t sm_pool_new(sm_pool_t **out, unsigned n_threads, sm_error_t *e)
{
    *out = NULL;
    if (n_threads == 0)
        n_threads = sm_pool_cores();
    if (n_threads > SM_POOL_MAX_THREADS)
        return sm_error_set(e, SM_ERR_INVALID, "thread pool: %u threads requested, at most %d",
                            n_threads, SM_POOL_MAX_THREADS);
    sm_err_t rc = SM_OK;
    unsigned started = 0;
    bool mu_ok = false, cv_ok = false;
    sm_pool_t *pool = sm_calloc(1, sizeof *pool);
    if (!pool)
        return sm_error_nomem(e, "thread pool");
    pool->threads = sm_calloc(n_threads, sizeof *pool->threads);
    pool->workers = sm_calloc(n_threads, sizeof *pool->workers);
    if (!pool->threads || !pool->workers) {
        rc = sm_error_nomem(e, "thread pool");
        goto out;
    }
    mu_ok = pthread_mutex_init(&pool->mu, NULL) == 0;
    cv_ok = mu_ok && pthread_cond_init(&pool->work_cv, NULL) == 0;
    if (!cv_ok) {
        rc = sm_error_set(e, SM_ERR_INTERNAL, "thread pool: cannot create mutex or condition");
        goto out;
    }
    pool->n_threads = n_threads;
    for (; started < n_threads; started++) {
        pool->workers[started] = (worker_t){pool, started};
        int err =
            pthread_create(&pool->threads[started], NULL, worker_main, &pool->workers[started]);
        if (err) {
            rc = sm_error_set(e, SM_ERR_INTERNAL, "thread pool: starting thread %u of %u: %s",
                              started + 1, n_threads, strerror(err));
            goto out;
        }
    }
out:
    if (rc) {
        if (cv_ok) {
            stop_and_join(pool, started);
            pthread_cond_destroy(&pool->work_cv);
        }
        if (mu_ok)
            pthread_mutex_destroy(&pool->mu);
        sm_free(pool->threads);
        sm_free(pool->workers);
        sm_free(pool);
        return rc;
    }
    *out = pool;
    return SM_OK;
}

void sm_pool_free(sm_pool_t *pool)
{
    if (!pool)
        return;
    stop_and_join(pool, pool->n_threads);
    pthread_cond_destroy(&pool->work_cv);
    pthread_mutex_destroy(&pool->mu);
    sm_free(pool->threads);
    sm_free(pool->workers);
    sm_free(pool);
}

/* ---- groups ------------------------------------------------------------ */

sm_err_t sm_pool_group_new(sm_pool_group_t **out, sm_pool_t *pool, sm_error_t *e)
{
    *out = NULL;
    if (!pool)
        return sm_error_set(e, SM_ERR_INVALID, "task group needs a pool");
    sm_pool_group_t *g = sm_calloc(1, sizeof *g);
    if (!g)
        return sm_error_nomem(e, "task group");
    if (pthread_cond_init(&g->done_cv, NULL) != 0) {
        sm_free(g);
        return sm_error_set(e, SM_ERR_INTERNAL, "task group: cannot create condition");
    }
    g->pool = pool;
    atomic_init(&g->cancelled, false);
    atomic_init(&g->by_user, false);
    *out = g;
    return SM_OK;
}

void sm_pool_group_free(sm_pool_group_t *g)
{
    if (!g)
        return;
    pthread_cond_destroy(&g->done_cv);
    sm_free(g);
}

sm_err_t sm_pool_submit(sm_pool_group_t *g, sm_pool_task_fn fn, void *arg, sm_error_t *e)
{
    node_t *nd = sm_calloc(1, sizeof *nd);
    if (!nd)
        return sm_error_nomem(e, "pool task");
    nd->kind = NODE_TASK;
    nd->owner = g;
    nd->fn = fn;
    nd->arg = arg;
    sm_pool_t *pool = g->pool;
    pthread_mutex_lock(&pool->mu);
    g->pending++;
    push(pool, nd);
    pthread_cond_signal(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);
    return SM_OK;
}

/* The first queued task of group g, or NULL.  pool->mu held. */
static node_t *find_task(sm_pool_t *pool, const sm_pool_group_t *g)
{
    for (node_t *nd = pool->head; nd; nd = nd->next)
        if (nd->kind == NODE_TASK && nd->owner == g)
            return nd;
    return NULL;
}

sm_err_t sm_pool_wait(sm_pool_group_t *g, sm_error_t *e)
{
    sm_pool_t *pool = g->pool;
    unsigned me = self_index(pool);
    pthread_mutex_lock(&pool->mu);
    while (g->pending > 0) {
        node_t *nd = find_task(pool, g);
        if (nd) {
            unlink_node(pool, nd);
            run_node(pool, nd, me);
        } else {
            pthread_cond_wait(&g->done_cv, &pool->mu);
        }
    }
    sm_err_t rc = g->rc;
    if (rc && e)
        memcpy(e, &g->err, sizeof *e);
    else if (!rc && atomic_load(&g->by_user))
        rc = sm_error_set(e, SM_ERR_CANCELLED, "task group cancelled");
    g->rc = SM_OK;
    sm_error_clear(&g->err);
    atomic_store(&g->cancelled, false);
    atomic_store(&g->by_user, false);
    pthread_mutex_unlock(&pool->mu);
    return rc;
}

void sm_pool_group_cancel(sm_pool_group_t *g)
{
    if (!g)
        return;
    atomic_store(&g->by_user, true);
    atomic_store(&g->cancelled, true);
}

bool sm_pool_group_cancelled(const sm_pool_group_t *g)
{
    return g && atomic_load(&((sm_pool_group_t *)g)->cancelled);
}

/* ---- parallel for ------------------------------------------------------ */

sm_err_t sm_pool_for(sm_pool_t *pool, size_t n, size_t morsel, sm_pool_for_fn fn, void *arg,
                     const atomic_bool *cancel, sm_error_t *e)
{
    if (n == 0)
        return SM_OK;
    unsigned slots = sm_pool_slots(pool);
    if (morsel == 0) {
        size_t parts = (size_t)slots * 4;
        morsel = (n - 1) / parts + 1;
    }
    size_t n_morsels = (n - 1) / morsel + 1;
    for_job_t job = {
        .pool = pool, .fn = fn, .arg = arg, .n = n, .morsel = morsel, .cancel = cancel};
    atomic_init(&job.next, 0);
    atomic_init(&job.stop, false);
    atomic_init(&job.cancelled, false);
    unsigned helpers = sm_pool_threads(pool);
    if (helpers > n_morsels - 1)
        helpers = (unsigned)(n_morsels - 1);
    node_t *nodes = NULL;
    if (helpers && pthread_cond_init(&job.done_cv, NULL) == 0) {
        nodes = sm_calloc(helpers, sizeof *nodes);
        if (!nodes)
            pthread_cond_destroy(&job.done_cv); /* no memory: the caller does it all */
    }
    if (nodes) {
        pthread_mutex_lock(&pool->mu);
        for (unsigned i = 0; i < helpers; i++) {
            nodes[i].kind = NODE_HELPER;
            nodes[i].owner = &job;
            push(pool, &nodes[i]);
        }
        pthread_cond_broadcast(&pool->work_cv);
        pthread_mutex_unlock(&pool->mu);
    }
    for_work(&job, self_index(pool));
    if (nodes) {
        /* Nothing left to claim: take back tickets no worker picked up,
         * then wait for the workers still inside a morsel. */
        pthread_mutex_lock(&pool->mu);
        for (unsigned i = 0; i < helpers; i++)
            if (nodes[i].queued)
                unlink_node(pool, &nodes[i]);
        while (job.running > 0)
            pthread_cond_wait(&job.done_cv, &pool->mu);
        pthread_mutex_unlock(&pool->mu);
        pthread_cond_destroy(&job.done_cv);
        sm_free(nodes);
    }
    if (job.rc) {
        if (e)
            memcpy(e, &job.err, sizeof *e);
        return job.rc;
    }
    if (atomic_load(&job.cancelled))
        return sm_error_set(e, SM_ERR_CANCELLED, "parallel loop cancelled");
    return SM_OK;
}
