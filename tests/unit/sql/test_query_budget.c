/* sm_query_opts_t.budget: queries given one shared budget (the jobs of
 * `smelt run`) reserve what their operators hold from it, ignore their own
 * memory_limit, and give everything back when they end; results are those
 * of a query with a budget of its own. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/pool.h"
#include "sql/query.h"

static const char *SQL = "SELECT count(DISTINCT x % 1000), sum(x) FROM "
                         "(SELECT a * 100 + b AS x FROM "
                         "(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) t(a), "
                         "(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) u(b)) v";

static void run(const sm_query_opts_t *qo, int64_t *distinct, int64_t *sum)
{
    sm_error_t e;
    sm_query_result_t r;
    memset(&r, 0, sizeof r);
    *distinct = *sum = -1;
    CHECK_OK(sm_query_run(NULL, SQL, qo, NULL, NULL, &r, &e), &e);
    if (r.nbatches == 1 && r.batches[0]->nrows == 1) {
        *distinct = sm_vector_get_i64(r.batches[0]->cols[0], 0);
        *sum = sm_vector_get_i64(r.batches[0]->cols[1], 0);
    }
    sm_query_result_free(&r);
}

static void test_shared(void)
{
    sm_error_t e;
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_budget_t shared;
    sm_budget_init(&shared, (size_t)64 << 20);
    int64_t d0, s0, d, s;
    sm_query_opts_t own = {.pool = pool, .memory_limit = (size_t)64 << 20};
    run(&own, &d0, &s0);
    CHECK_EQ_INT(d0, 100);
    CHECK_EQ_INT(s0, 45450);
    CHECK_EQ_INT(shared.peak, 0);
    sm_query_opts_t qo = {.pool = pool, .budget = &shared, .memory_limit = 1};
    for (int i = 0; i < 3; i++) {
        run(&qo, &d, &s);
        CHECK_EQ_INT(d, d0);
        CHECK_EQ_INT(s, s0);
    }
    CHECK(shared.peak > 0); /* the aggregate reserved from the shared budget */
    CHECK_EQ_INT(sm_budget_used(&shared), 0);
    sm_pool_free(pool);
}

int main(void)
{
    RUN(test_shared);
    return check_summary();
}
