/* Unit tests of sql/query.h: the run API (collect and callback modes),
 * read-only mode, streaming plans with EXPLAIN ANALYZE, binder errors with
 * positions, and allocation failures at every step of a query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "exec/expr.h"
#include "lake/lake.h"
#include "sql/query.h"

static char lake_dir[64];
static sm_lake_t *lake;

static int64_t cell_i64(const sm_query_result_t *r, size_t row, size_t col)
{
    for (size_t b = 0; b < r->nbatches; b++) {
        if (row < r->batches[b]->nrows) {
            sm_value_t v;
            if (sm_value_from_vector(r->batches[b]->cols[col], row, &v, NULL) || v.is_null)
                return -999;
            return v.u.i;
        }
        row -= r->batches[b]->nrows;
    }
    return -998;
}

static void test_collect(void)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    CHECK_OK(sm_query_run(lake, "CREATE TABLE n AS SELECT * FROM VALUES (1), (2), (3) AS v(x)",
                          NULL, NULL, NULL, &r, &e),
             &e);
    CHECK(r.version == 0);
    CHECK_EQ_INT(r.rows, 3);
    CHECK(strstr(r.message, "created default.n") != NULL);
    sm_query_result_free(&r);
    CHECK_OK(sm_query_run(lake, "SELECT sum(x) AS s, count(*) FROM n", NULL, NULL, NULL, &r, &e),
             &e);
    CHECK_EQ_INT(r.rows, 1);
    CHECK_EQ_INT(cell_i64(&r, 0, 0), 6);
    CHECK_EQ_INT(cell_i64(&r, 0, 1), 3);
    CHECK_EQ_STR(r.schema->fields[0].name, "s");
    CHECK_EQ_STR(r.schema->fields[1].name, "count(*)");
    sm_query_result_free(&r);
    sm_query_result_free(&r); /* twice is fine */
    /* a script: the last statement's result */
    CHECK_OK(sm_query_run(lake, "SELECT 1; SELECT 2 AS two;", NULL, NULL, NULL, &r, &e), &e);
    CHECK_EQ_STR(r.schema->fields[0].name, "two");
    CHECK_EQ_INT(cell_i64(&r, 0, 0), 2);
    sm_query_result_free(&r);
}

static sm_err_t count_rows(void *arg, const sm_batch_t *b, sm_error_t *e)
{
    (void)e;
    *(size_t *)arg += b->nrows;
    return SM_OK;
}

static sm_err_t stop_early(void *arg, const sm_batch_t *b, sm_error_t *e)
{
    (void)arg;
    (void)b;
    return sm_error_set(e, SM_ERR_CANCELLED, "enough");
}

static void test_callback(void)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    size_t n = 0;
    CHECK_OK(sm_query_run(lake, "SELECT x FROM n WHERE x > 1", NULL, count_rows, &n, &r, &e), &e);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(r.rows, 2);
    CHECK_EQ_INT(r.nbatches, 0);
    CHECK(r.schema != NULL);
    sm_query_result_free(&r);
    CHECK(sm_query_run(lake, "SELECT x FROM n", NULL, stop_early, NULL, &r, &e) ==
          SM_ERR_CANCELLED);
    CHECK_EQ_STR(e.msg, "enough");
    CHECK(r.schema == NULL && r.nbatches == 0);
}

static void test_read_only(void)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    sm_query_opts_t o = {.read_only = true};
    CHECK(sm_query_run(lake, "SELECT 1; DROP TABLE n", &o, NULL, NULL, &r, &e) == SM_ERR_PARSE ||
          e.code != SM_OK);
    CHECK(sm_query_run(lake, "SELECT 1;\nINSERT INTO n SELECT 4", &o, NULL, NULL, &r, &e) ==
          SM_ERR_INVALID);
    CHECK(strstr(e.msg, "line 2, column 1: read-only") != NULL);
    CHECK(strstr(e.msg, "INSERT") != NULL);
    CHECK_OK(sm_query_run(lake, "SHOW TABLES", &o, NULL, NULL, &r, &e), &e);
    CHECK_EQ_INT(r.rows, 1);
    sm_query_result_free(&r);
    CHECK_OK(sm_query_run(lake, "EXPLAIN SELECT * FROM n", &o, NULL, NULL, &r, &e), &e);
    sm_query_result_free(&r);
    /* nothing was inserted */
    CHECK_OK(sm_query_run(lake, "SELECT count(*) FROM n", NULL, NULL, NULL, &r, &e), &e);
    CHECK_EQ_INT(cell_i64(&r, 0, 0), 3);
    sm_query_result_free(&r);
}

static void test_stream_explain(void)
{
    sm_error_t e = {0};
    sm_query_t *q = NULL;
    CHECK_OK(
        sm_query_plan(lake, "SELECT x * 2 AS y FROM n WHERE x >= 2 ORDER BY y DESC", NULL, &q, &e),
        &e);
    if (!q)
        return;
    CHECK_EQ_STR(sm_query_schema(q)->fields[0].name, "y");
    sm_op_t *op = sm_query_root(q);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_collect(op, &b, &e), &e);
    CHECK(b && b->nrows == 2);
    if (b && b->nrows == 2) {
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[0], 0), 6);
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[0], 1), 4);
    }
    sm_batch_free(b);
    sm_buf_t x = SM_BUF_INIT;
    CHECK_OK(sm_query_explain(q, true, &x, &e), &e);
    CHECK(x.data && strstr((char *)x.data, "Scan default.n") != NULL);
    CHECK(x.data && strstr((char *)x.data, "rows=2") != NULL);
    CHECK(x.data && strstr((char *)x.data, "pushed=[x >= 2]") != NULL);
    sm_buf_free(&x);
    sm_query_free(q);
    sm_query_free(NULL);
    CHECK(sm_query_plan(lake, "INSERT INTO n SELECT 1", NULL, &q, &e) == SM_ERR_INVALID);
    CHECK(q == NULL);
}

static void test_errors(void)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    CHECK(sm_query_run(lake, "SELECT x\nFROM n\nWHERE  xx > 1", NULL, NULL, NULL, &r, &e) ==
          SM_ERR_NOT_FOUND);
    CHECK_EQ_STR(e.msg, "line 3, column 8: unknown column \"xx\" (did you mean \"x\"?)");
    CHECK(sm_query_run(lake, "SELECT a.x FROM n a JOIN n b ON a.x = b.x WHERE x = 1", NULL, NULL,
                       NULL, &r, &e) == SM_ERR_INVALID);
    CHECK(strstr(e.msg, "line 1, column 49: column \"x\" is ambiguous") != NULL);
    CHECK(sm_query_run(lake, "SELECT x, count(*) FROM n GROUP BY 2", NULL, NULL, NULL, &r, &e) ==
          SM_ERR_INVALID);
    CHECK(strstr(e.msg, "refers to an aggregate") != NULL);
    CHECK(sm_query_run(lake, "SELECT 1 +", NULL, NULL, NULL, &r, &e) == SM_ERR_PARSE);
    CHECK(sm_query_run(NULL, "SELECT * FROM n", NULL, NULL, NULL, &r, &e) == SM_ERR_NOT_FOUND);
    CHECK(sm_query_run(lake, "SELECT * FROM read_xml('x.xml')", NULL, NULL, NULL, &r, &e) ==
          SM_ERR_UNSUPPORTED);
    CHECK(sm_query_run(lake, "SELECT * FROM read_csv('no/such/x.csv')", NULL, NULL, NULL, &r, &e) !=
          SM_OK);
    CHECK(sm_query_run(lake, "SELECT 1 LIMIT -1", NULL, NULL, NULL, &r, &e) == SM_ERR_INVALID);
    CHECK(sm_query_run(lake, "UPDATE n SET nope = 1", NULL, NULL, NULL, &r, &e) ==
          SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "has no column \"nope\"") != NULL);
}

static void test_read_parquet(void)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT sum(x) FROM read_parquet('%s/default/n/*.parquet')",
             lake_dir);
    CHECK_OK(sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e), &e);
    CHECK_EQ_INT(cell_i64(&r, 0, 0), 6);
    sm_query_result_free(&r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s/default/n')", lake_dir);
    CHECK_OK(sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e), &e);
    CHECK_EQ_INT(cell_i64(&r, 0, 0), 3);
    sm_query_result_free(&r);
    snprintf(sql, sizeof sql, "SELECT * FROM read_parquet('%s/default/n/*.nothing')", lake_dir);
    CHECK(sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no file matches") != NULL);
}

/* Every allocation of a join + aggregate query fails in turn: the query
 * fails cleanly (no crash, no leak: the sanitizer build checks). */
static void alloc_sweep(const char *sql)
{
    sm_error_t e = {0};
    sm_query_result_t r;
    sm_mem_fail_after(0);
    CHECK_OK(sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e), &e);
    long total = sm_mem_fail_after(0);
    sm_query_result_free(&r);
    int failures = 0, oks = 0;
    long step = total > 3000 ? total / 3000 : 1;
    for (long k = 1; k <= total; k += step) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e);
        sm_mem_fail_after(0);
        if (rc)
            failures++;
        else
            oks++;
        sm_query_result_free(&r);
    }
    CHECK(failures > 0);
    printf("alloc failures: %ld allocations, %d failed runs, %d ok\n", total, failures, oks);
}

static void test_alloc_failures(void)
{
    alloc_sweep("WITH c AS (SELECT x, x % 2 AS p FROM n) SELECT c.p, upper('a') FROM c "
                "WHERE c.x > 1 ORDER BY 1 DESC LIMIT 5");
    if (getenv("SMELT_TORTURE_ALL"))
        alloc_sweep("WITH c AS (SELECT x, x % 2 AS p FROM n) "
                    "SELECT c.p, count(*), max(d.x) FROM c JOIN n d ON c.x = d.x "
                    "WHERE c.x > (SELECT min(x) FROM n) GROUP BY c.p ORDER BY 1");
}

int main(void)
{
    snprintf(lake_dir, sizeof lake_dir, "/tmp/smelt-bind-XXXXXX");
    if (!mkdtemp(lake_dir))
        return 1;
    sm_error_t e = {0};
    if (sm_lake_open(lake_dir, NULL, &lake, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    RUN(test_collect);
    RUN(test_callback);
    RUN(test_read_only);
    RUN(test_stream_explain);
    RUN(test_errors);
    RUN(test_read_parquet);
    RUN(test_alloc_failures);
    sm_lake_close(lake);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", lake_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", lake_dir);
    return check_summary();
}
