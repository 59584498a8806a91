/* delta/commit: put-if-absent commits, conflict detection, retries across
 * processes. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "delta/commit.h"
#include "delta/snapshot.h"

static char dir[256];

static sm_store_t *open_store(void)
{
    sm_store_t *st = NULL;
    sm_error_t e;
    CHECK_OK(sm_store_open(dir, &st, &e), &e);
    return st;
}

static sm_delta_action_t add(const char *path)
{
    sm_delta_action_t a = {.kind = SM_DELTA_ADD};
    a.u.add =
        (sm_delta_add_t){.path = path, .size = 1, .modification_time = 1, .data_change = true};
    return a;
}

static void create(sm_store_t *st, const char *table)
{
    sm_delta_action_t acts[2] = {{.kind = SM_DELTA_PROTOCOL}, {.kind = SM_DELTA_METADATA}};
    acts[0].u.protocol = (sm_delta_protocol_t){.min_reader_version = 1, .min_writer_version = 2};
    acts[1].u.metadata = (sm_delta_metadata_t){
        .id = "t-id",
        .provider = "parquet",
        .created_time = 1,
        .schema_string = "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\","
                         "\"nullable\":true,\"metadata\":{}}]}"};
    sm_error_t e;
    int64_t v = -1;
    sm_delta_commit_opts_t o = {.operation = "CREATE TABLE"};
    CHECK_OK(sm_delta_commit(st, table, -1, acts, 2, &o, &v, &e), &e);
    CHECK_EQ_INT(v, 0);
    /* creating twice is a conflict */
    CHECK(sm_delta_commit(st, table, -1, acts, 2, &o, &v, &e) == SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "already exists") != NULL);
}

static void test_conflicts(void)
{
    sm_store_t *st = open_store();
    if (!st)
        return;
    create(st, "c");
    sm_error_t e;
    int64_t v;
    sm_delta_action_t a1 = add("one.parquet"), a2 = add("two.parquet");
    /* two blind appends read at version 0: the second retries at 2 */
    CHECK_OK(sm_delta_commit(st, "c", 0, &a1, 1, NULL, &v, &e), &e);
    CHECK_EQ_INT(v, 1);
    CHECK_OK(sm_delta_commit(st, "c", 0, &a2, 1, NULL, &v, &e), &e);
    CHECK_EQ_INT(v, 2);
    /* an overwrite that read version 0 conflicts with those appends */
    sm_delta_action_t ow[2] = {{.kind = SM_DELTA_REMOVE}, add("three.parquet")};
    ow[0].u.remove = (sm_delta_remove_t){.path = "one.parquet", .data_change = true};
    sm_delta_commit_opts_t o = {
        .operation = "WRITE", .operation_params = "{\"mode\":\"Overwrite\"}", .read_table = true};
    CHECK(sm_delta_commit(st, "c", 0, ow, 2, &o, &v, &e) == SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "conflicts with version 1: another writer changed data this commit read") !=
          NULL);
    /* the same overwrite on top of the latest version succeeds */
    CHECK_OK(sm_delta_commit(st, "c", 2, ow, 2, &o, &v, &e), &e);
    CHECK_EQ_INT(v, 3);
    /* two removes of the same file conflict even without reading */
    sm_delta_action_t rm = {.kind = SM_DELTA_REMOVE};
    rm.u.remove = (sm_delta_remove_t){.path = "one.parquet", .data_change = false};
    CHECK(sm_delta_commit(st, "c", 2, &rm, 1, NULL, &v, &e) == SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "removed a file this commit removes") != NULL);
    /* the same application transaction twice */
    sm_delta_action_t tx[2] = {{.kind = SM_DELTA_TXN}, add("four.parquet")};
    tx[0].u.txn = (sm_delta_txn_t){.app_id = "stream", .version = 1, .last_updated = 1};
    CHECK_OK(sm_delta_commit(st, "c", 3, tx, 2, NULL, &v, &e), &e);
    CHECK(sm_delta_commit(st, "c", 3, tx, 2, NULL, &v, &e) == SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "same application transaction") != NULL);
    sm_delta_snapshot_t *s = NULL;
    CHECK_OK(sm_delta_snapshot_load(st, "c", NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->version, 4);
        CHECK_EQ_INT(s->nfiles, 3); /* two, three, four */
        CHECK_EQ_INT(sm_delta_snapshot_txn_version(s, "stream"), 1);
    }
    sm_delta_snapshot_free(s);
    sm_store_close(st);
}

/* Several processes append at once: every commit lands, versions are
 * contiguous, no file is lost or doubled. */
static void test_concurrent_appends(void)
{
    sm_store_t *st = open_store();
    if (!st)
        return;
    create(st, "p");
    sm_store_close(st);
    enum { PROCS = 6, EACH = 15 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            sm_store_t *cst = NULL;
            if (sm_store_open(dir, &cst, NULL))
                _exit(2);
            for (int i = 0; i < EACH; i++) {
                char path[64];
                snprintf(path, sizeof path, "p%d-%d.parquet", p, i);
                sm_delta_action_t a = add(path);
                int64_t v;
                sm_error_t ce;
                /* read version 0 on purpose: every commit must retry past the others */
                if (sm_delta_commit(cst, "p", 0, &a, 1, NULL, &v, &ce)) {
                    fprintf(stderr, "child %d: %s\n", p, ce.msg);
                    _exit(1);
                }
            }
            sm_store_close(cst);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        waitpid(pids[p], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    st = open_store();
    sm_error_t e;
    sm_delta_snapshot_t *s = NULL;
    CHECK_OK(sm_delta_snapshot_load(st, "p", NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->version, PROCS * EACH);
        CHECK_EQ_INT(s->nfiles, PROCS * EACH);
    }
    sm_delta_snapshot_free(s);
    sm_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/smelt-test-commit-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_conflicts);
    RUN(test_concurrent_appends);
    if (!check_rm_tree(dir))
        return 1;
    return check_summary();
}
