/*
 * tests/sql/dml_conflict — the commit path DELETE / UPDATE / MERGE use
 * (delta writer in SM_DELTA_REWRITE mode on top of the version read)
 * against a concurrent append: the rewrite must fail with SM_ERR_CONFLICT
 * and leave the table as the winner left it; without a race it commits and
 * the SQL statements see the result.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/write.h"
#include "lake/lake.h"
#include "sql/query.h"

static char dir[] = "/tmp/smelt-dmlconflict-XXXXXX";
static sm_lake_t *lake;

static int64_t run(const char *sql, sm_error_t *e)
{
    sm_query_result_t res;
    sm_err_t rc = sm_query_run(lake, sql, NULL, NULL, NULL, &res, e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", sql, e->msg);
        return -1;
    }
    int64_t n = (int64_t)res.rows;
    if (res.nbatches == 1 && res.batches[0]->nrows == 1 && res.batches[0]->ncols == 1 &&
        res.batches[0]->cols[0]->type->kind == SM_TYPE_INT64)
        n = sm_vector_get_i64(res.batches[0]->cols[0], 0);
    sm_query_result_free(&res);
    return n;
}

/* A rewrite of every live file of version `v` keeping no row (a DELETE
 * of all rows). */
static sm_err_t rewrite(sm_lake_table_t *lt, int64_t v, sm_error_t *e)
{
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = v};
    sm_delta_snapshot_t *snap = NULL;
    sm_err_t rc = sm_delta_snapshot_load(lt->store, lt->prefix, &at, &snap, e);
    if (rc)
        return rc;
    sm_delta_write_opts_t o = {0};
    o.mode = SM_DELTA_REWRITE;
    o.remove_files = snap->files;
    o.nremove_files = snap->nfiles;
    o.read_version = v;
    o.operation = "DELETE";
    sm_delta_write_t *w = NULL;
    rc = sm_delta_write_open(lt->store, lt->prefix, snap->schema, &o, &w, e);
    if (!rc)
        rc = sm_delta_write_commit(w, NULL, e);
    sm_delta_snapshot_free(snap);
    return rc;
}

static void test_race(void)
{
    sm_error_t e = {0};
    CHECK_EQ_INT(run("CREATE TABLE r AS SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(id, s)", &e),
                 2);
    CHECK_EQ_INT(run("INSERT INTO r VALUES (3, 'c')", &e), 1); /* version 1 */
    sm_lake_table_t lt;
    CHECK(sm_lake_resolve(lake, "r", &lt, &e) == SM_OK);
    /* a rewrite that read version 0 loses against the append of version 1 */
    sm_err_t rc = rewrite(&lt, 0, &e);
    CHECK_EQ_INT(rc, SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "conflicts with version 1") != NULL);
    CHECK_EQ_INT(run("SELECT count(*) FROM r", &e), 3);
    /* read at the latest version it commits */
    CHECK_EQ_INT(rewrite(&lt, 1, &e), SM_OK);
    CHECK_EQ_INT(run("SELECT count(*) FROM r", &e), 0);
    sm_lake_table_free(&lt);
    /* and the statements still work on top */
    CHECK_EQ_INT(run("INSERT INTO r VALUES (4, 'd'), (5, 'e')", &e), 2);
    CHECK_EQ_INT(run("DELETE FROM r WHERE id = 4", &e), 1);
    CHECK_EQ_INT(run("SELECT count(*) FROM r", &e), 1);
    CHECK_EQ_INT(run("SELECT count(*) FROM r VERSION AS OF 1", &e), 3);
}

int main(void)
{
    sm_error_t e = {0};
    if (!mkdtemp(dir) || sm_lake_open(dir, NULL, &lake, &e)) {
        fprintf(stderr, "lake: %s\n", e.msg);
        return 1;
    }
    RUN(test_race);
    sm_lake_close(lake);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
