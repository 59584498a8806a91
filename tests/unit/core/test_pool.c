/* core/pool: parallel for (sums, coverage, errors, cancel), groups
 * (independence, errors, cancel, reuse), pool of one, nested use,
 * allocation failures. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "core/mem.h"
#include "core/pool.h"

/* ---- sum ------------------------------------------------------------- */

typedef struct sum_job {
    unsigned slots;
    uint64_t *partial;      /* one per worker index */
    atomic_int *busy;       /* worker index in use right now */
    atomic_int index_clash; /* two morsels ran with one index at once */
    atomic_int bad_range;
    size_t morsel;
} sum_job_t;

static sm_err_t sum_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    sum_job_t *j = arg;
    if (worker >= j->slots || begin >= end || (j->morsel && end - begin > j->morsel)) {
        atomic_fetch_add(&j->bad_range, 1);
        return SM_OK;
    }
    if (atomic_exchange(&j->busy[worker], 1) != 0)
        atomic_fetch_add(&j->index_clash, 1);
    uint64_t s = 0;
    for (size_t i = begin; i < end; i++)
        s += i;
    j->partial[worker] += s;
    atomic_store(&j->busy[worker], 0);
    return SM_OK;
}

/* Sum of 0..n-1 through sm_pool_for. */
static uint64_t pool_sum(sm_pool_t *pool, size_t n, size_t morsel, sm_err_t *rc)
{
    sum_job_t j = {.slots = sm_pool_slots(pool), .morsel = morsel};
    j.partial = calloc(j.slots, sizeof *j.partial);
    j.busy = calloc(j.slots, sizeof *j.busy);
    sm_error_t e;
    *rc = sm_pool_for(pool, n, morsel, sum_fn, &j, NULL, &e);
    uint64_t total = 0;
    for (unsigned i = 0; i < j.slots; i++)
        total += j.partial[i];
    CHECK_EQ_INT(atomic_load(&j.index_clash), 0);
    CHECK_EQ_INT(atomic_load(&j.bad_range), 0);
    free(j.partial);
    free(j.busy);
    return total;
}

static uint64_t formula(uint64_t n)
{
    return n == 0 ? 0 : n * (n - 1) / 2;
}

typedef struct range {
    atomic_size_t covered;
    atomic_int morsels;
} range_t;

static sm_err_t range_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    range_t *r = arg;
    atomic_fetch_add(&r->covered, end - begin);
    atomic_fetch_add(&r->morsels, 1);
    return SM_OK;
}

static void test_sum(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    sm_err_t rc;
    CHECK_OK(sm_pool_new(&pool, 4, &e), &e);
    CHECK_EQ_INT(sm_pool_threads(pool), 4);
    CHECK_EQ_INT(sm_pool_slots(pool), 5);
    size_t n = 10000001; /* 0..10M */
    CHECK(pool_sum(pool, n, 4096, &rc) == formula(n));
    CHECK_EQ_INT(rc, SM_OK);
    CHECK(pool_sum(pool, n, 0, &rc) == formula(n));     /* automatic morsel */
    CHECK(pool_sum(pool, n, n + 5, &rc) == formula(n)); /* one morsel */
    CHECK(pool_sum(pool, 100000, 1, &rc) == formula(100000));
    CHECK(pool_sum(pool, 1, 0, &rc) == 0);
    CHECK(pool_sum(pool, 2, 1, &rc) == 1);
    CHECK(pool_sum(pool, 0, 10, &rc) == 0);
    CHECK_EQ_INT(rc, SM_OK);
    /* Ranges near SIZE_MAX: no overflow while claiming morsels. */
    range_t r = {0};
    CHECK_OK(sm_pool_for(pool, SIZE_MAX, SIZE_MAX / 4, range_fn, &r, NULL, &e), &e);
    CHECK(atomic_load(&r.covered) == SIZE_MAX);
    CHECK_EQ_INT(atomic_load(&r.morsels), 5);
    sm_pool_free(pool);

    /* No pool at all: everything on the caller, worker 0. */
    CHECK(pool_sum(NULL, 12345, 100, &rc) == formula(12345));
    CHECK_EQ_INT(rc, SM_OK);
    CHECK_EQ_INT(sm_pool_slots(NULL), 1);
    sm_pool_free(NULL);
}

/* ---- coverage -------------------------------------------------------- */

typedef struct visit {
    atomic_int *seen;
} visit_t;

static sm_err_t visit_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    visit_t *v = arg;
    for (size_t i = begin; i < end; i++)
        atomic_fetch_add(&v->seen[i], 1);
    return SM_OK;
}

static void test_each_index_once(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 3, &e), &e);
    const size_t n = 100003;
    size_t morsels[] = {1, 7, 1000, 0, n - 1, n, n + 1};
    for (size_t m = 0; m < sizeof morsels / sizeof morsels[0]; m++) {
        visit_t v = {calloc(n, sizeof(atomic_int))};
        CHECK_OK(sm_pool_for(pool, n, morsels[m], visit_fn, &v, NULL, &e), &e);
        int wrong = 0;
        for (size_t i = 0; i < n; i++)
            wrong += atomic_load(&v.seen[i]) != 1;
        CHECK_EQ_INT(wrong, 0);
        free(v.seen);
    }
    sm_pool_free(pool);
}

/* ---- errors and cancel ----------------------------------------------- */

typedef struct fail_job {
    size_t bad; /* the item that fails */
    int fill_msg;
    atomic_long done; /* items processed */
    atomic_bool *cancel_at_half;
    size_t n;
} fail_job_t;

static sm_err_t fail_fn(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    fail_job_t *j = arg;
    for (size_t i = begin; i < end; i++) {
        if (i == j->bad) {
            if (j->fill_msg)
                return sm_error_set(e, SM_ERR_CORRUPT, "bad item %zu", i);
            return SM_ERR_CORRUPT;
        }
        if (j->cancel_at_half && (size_t)atomic_fetch_add(&j->done, 1) == j->n / 2)
            atomic_store(j->cancel_at_half, true);
    }
    if (!j->cancel_at_half)
        atomic_fetch_add(&j->done, (long)(end - begin));
    return SM_OK;
}

static void test_for_errors(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    fail_job_t j = {.bad = 5000, .fill_msg = 1, .n = 1000000};
    CHECK_EQ_INT(sm_pool_for(pool, j.n, 100, fail_fn, &j, NULL, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "bad item 5000");
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    CHECK(atomic_load(&j.done) < (long)j.n); /* stopped early */

    fail_job_t j2 = {.bad = 0, .fill_msg = 0, .n = 10};
    CHECK_EQ_INT(sm_pool_for(pool, j2.n, 1, fail_fn, &j2, NULL, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "task failed: corrupt");
    CHECK_EQ_INT(sm_pool_for(pool, j2.n, 1, fail_fn, &j2, NULL, NULL), SM_ERR_CORRUPT);

    /* Cancelled from inside, half way. */
    atomic_bool cancel = false;
    fail_job_t j3 = {.bad = SIZE_MAX, .n = 1000000, .cancel_at_half = &cancel};
    CHECK_EQ_INT(sm_pool_for(pool, j3.n, 1000, fail_fn, &j3, &cancel, &e), SM_ERR_CANCELLED);
    CHECK_EQ_STR(e.msg, "parallel loop cancelled");
    CHECK(atomic_load(&j3.done) < (long)j3.n);

    /* Cancelled before it starts: fn never runs. */
    fail_job_t j4 = {.bad = 0, .fill_msg = 1, .n = 100};
    CHECK_EQ_INT(sm_pool_for(pool, j4.n, 1, fail_fn, &j4, &cancel, &e), SM_ERR_CANCELLED);
    /* Not cancelled and nothing to do. */
    atomic_store(&cancel, false);
    CHECK_EQ_INT(sm_pool_for(pool, 0, 1, fail_fn, &j4, &cancel, &e), SM_OK);
    sm_pool_free(pool);
}

/* ---- groups ---------------------------------------------------------- */

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
    atomic_int started, finished;
} gate_t;

static sm_err_t gated_task(void *arg, sm_error_t *e)
{
    gate_t *g = arg;
    atomic_fetch_add(&g->started, 1);
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    atomic_fetch_add(&g->finished, 1);
    return SM_OK;
}

static sm_err_t count_task(void *arg, sm_error_t *e)
{
    atomic_fetch_add((atomic_int *)arg, 1);
    return SM_OK;
}

static void test_groups_independent(void)
{
    sm_pool_t *pool = NULL;
    sm_pool_group_t *slow = NULL, *fast = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    CHECK_OK(sm_pool_group_new(&slow, pool, &e), &e);
    CHECK_OK(sm_pool_group_new(&fast, pool, &e), &e);
    gate_t gate = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    /* Both workers get stuck in the slow group... */
    CHECK_OK(sm_pool_submit(slow, gated_task, &gate, &e), &e);
    CHECK_OK(sm_pool_submit(slow, gated_task, &gate, &e), &e);
    /* ...yet the fast group finishes: its waiter runs its tasks. */
    atomic_int count = 0;
    for (int i = 0; i < 50; i++)
        CHECK_OK(sm_pool_submit(fast, count_task, &count, &e), &e);
    CHECK_OK(sm_pool_wait(fast, &e), &e);
    CHECK_EQ_INT(atomic_load(&count), 50);
    CHECK_EQ_INT(atomic_load(&gate.finished), 0);
    /* An empty group waits for nothing. */
    CHECK_OK(sm_pool_wait(fast, &e), &e);

    pthread_mutex_lock(&gate.mu);
    gate.open = 1;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    CHECK_OK(sm_pool_wait(slow, &e), &e);
    CHECK_EQ_INT(atomic_load(&gate.finished), 2);
    sm_pool_group_free(slow);
    sm_pool_group_free(fast);
    sm_pool_group_free(NULL);
    sm_pool_free(pool);
}

typedef struct numbered {
    int i;
    atomic_int *ran;
} numbered_t;

static sm_err_t failing_task(void *arg, sm_error_t *e)
{
    numbered_t *t = arg;
    atomic_fetch_add(t->ran, 1);
    if (t->i == 3)
        return sm_error_set(e, SM_ERR_IO, "task %d: disk on fire", t->i);
    return SM_OK;
}

static void test_group_errors(void)
{
    sm_pool_t *pool = NULL;
    sm_pool_group_t *g = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    CHECK_OK(sm_pool_group_new(&g, pool, &e), &e);
    atomic_int ran = 0;
    numbered_t tasks[20];
    for (int i = 0; i < 20; i++) {
        tasks[i] = (numbered_t){i, &ran};
        CHECK_OK(sm_pool_submit(g, failing_task, &tasks[i], &e), &e);
    }
    CHECK_EQ_INT(sm_pool_wait(g, &e), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "task 3: disk on fire");
    CHECK(atomic_load(&ran) >= 4 && atomic_load(&ran) <= 20);

    /* The group is reset by the wait and can be used again. */
    CHECK(!sm_pool_group_cancelled(g));
    atomic_store(&ran, 0);
    CHECK_OK(sm_pool_submit(g, failing_task, &tasks[0], &e), &e);
    CHECK_OK(sm_pool_wait(g, &e), &e);
    CHECK_EQ_INT(atomic_load(&ran), 1);

    /* Cancel: tasks not started are skipped. */
    sm_pool_group_cancel(g);
    CHECK(sm_pool_group_cancelled(g));
    atomic_int count = 0;
    for (int i = 0; i < 10; i++)
        CHECK_OK(sm_pool_submit(g, count_task, &count, &e), &e);
    CHECK_EQ_INT(sm_pool_wait(g, &e), SM_ERR_CANCELLED);
    CHECK_EQ_STR(e.msg, "task group cancelled");
    CHECK_EQ_INT(atomic_load(&count), 0);
    CHECK_OK(sm_pool_wait(g, &e), &e);
    sm_pool_group_cancel(NULL);
    CHECK(!sm_pool_group_cancelled(NULL));

    sm_pool_group_t *none = (sm_pool_group_t *)1;
    CHECK_EQ_INT(sm_pool_group_new(&none, NULL, &e), SM_ERR_INVALID);
    CHECK(none == NULL);
    sm_pool_group_free(g);
    sm_pool_free(pool);
}

/* ---- pool of one, nesting -------------------------------------------- */

typedef struct nest {
    sm_pool_t *pool;
    atomic_long total;
} nest_t;

static sm_err_t inner_for(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    nest_t *n = arg;
    atomic_fetch_add(&n->total, (long)(end - begin));
    return SM_OK;
}

static sm_err_t outer_for(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    nest_t *n = arg;
    for (size_t i = begin; i < end; i++) {
        sm_err_t rc = sm_pool_for(n->pool, 1000, 10, inner_for, n, NULL, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t child_task(void *arg, sm_error_t *e)
{
    atomic_fetch_add(&((nest_t *)arg)->total, 1);
    return SM_OK;
}

/* A task that submits 5 children to its own group and waits for them. */
static sm_err_t parent_task(void *arg, sm_error_t *e)
{
    nest_t *n = arg;
    sm_pool_group_t *g = NULL;
    sm_err_t rc = sm_pool_group_new(&g, n->pool, e);
    for (int i = 0; rc == SM_OK && i < 5; i++)
        rc = sm_pool_submit(g, child_task, n, e);
    sm_err_t wrc = g ? sm_pool_wait(g, e) : SM_OK;
    sm_pool_group_free(g);
    return rc ? rc : wrc;
}

static void run_nesting(unsigned threads)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, threads, &e), &e);
    nest_t n = {.pool = pool};
    CHECK_OK(sm_pool_for(pool, 20, 1, outer_for, &n, NULL, &e), &e);
    CHECK_EQ_INT(atomic_load(&n.total), 20 * 1000);

    atomic_store(&n.total, 0);
    sm_pool_group_t *g = NULL;
    CHECK_OK(sm_pool_group_new(&g, pool, &e), &e);
    for (int i = 0; i < 8; i++)
        CHECK_OK(sm_pool_submit(g, parent_task, &n, &e), &e);
    CHECK_OK(sm_pool_wait(g, &e), &e);
    CHECK_EQ_INT(atomic_load(&n.total), 8 * 5);
    sm_pool_group_free(g);

    sm_err_t rc;
    CHECK(pool_sum(pool, 1000000, 333, &rc) == formula(1000000));
    sm_pool_free(pool);
}

static void test_pool_of_one(void)
{
    run_nesting(1);
}

static void test_nesting_many(void)
{
    run_nesting(3);
}

static void test_sizes(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    unsigned cores = sm_pool_cores();
    CHECK(cores >= 1);
    CHECK_OK(sm_pool_new(&pool, 0, &e), &e);
    CHECK_EQ_INT(sm_pool_threads(pool), cores);
    sm_pool_free(pool);
    CHECK_EQ_INT(sm_pool_new(&pool, SM_POOL_MAX_THREADS + 1, &e), SM_ERR_INVALID);
    CHECK(pool == NULL);
    CHECK_OK(sm_pool_new(&pool, 16, &e), &e); /* more threads than cores */
    sm_err_t rc;
    CHECK(pool_sum(pool, 1000000, 0, &rc) == formula(1000000));
    sm_pool_free(pool);
}

static void test_alloc_failures(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    for (long k = 1; k <= 3; k++) {
        sm_mem_fail_after(k);
        CHECK_EQ_INT(sm_pool_new(&pool, 2, &e), SM_ERR_NOMEM);
        sm_mem_fail_after(0);
        CHECK(pool == NULL);
    }
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_pool_group_t *g = NULL;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_pool_group_new(&g, pool, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_OK(sm_pool_group_new(&g, pool, &e), &e);
    atomic_int count = 0;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_pool_submit(g, count_task, &count, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_OK(sm_pool_wait(g, &e), &e); /* nothing was queued */
    CHECK_EQ_INT(atomic_load(&count), 0);
    /* sm_pool_for without memory for helpers still completes, alone. */
    sm_err_t rc;
    sm_mem_fail_after(1);
    CHECK(pool_sum(pool, 100000, 10, &rc) == formula(100000));
    sm_mem_fail_after(0);
    CHECK_EQ_INT(rc, SM_OK);
    sm_pool_group_free(g);
    sm_pool_free(pool);
}

int main(void)
{
    RUN(test_sum);
    RUN(test_each_index_once);
    RUN(test_for_errors);
    RUN(test_groups_independent);
    RUN(test_group_errors);
    RUN(test_pool_of_one);
    RUN(test_nesting_many);
    RUN(test_sizes);
    RUN(test_alloc_failures);
    return check_summary();
}
