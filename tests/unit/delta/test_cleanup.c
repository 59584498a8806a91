/* delta/cleanup: checkpoints every delta.checkpointInterval commits and
 * expired-log clean-up after them, through the writer, over the local
 * store; and the memory a long run of sink commits keeps. */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
/* <sanitizer/allocator_interface.h>, which not every compiler ships */
size_t __sanitizer_get_current_allocated_bytes(void);
#define HEAP_IN_USE 1
#elif defined(__GLIBC__)
#include <malloc.h>
#define HEAP_IN_USE 1
#endif

#include "check.h"
#include "core/mem.h"
#include "delta/cleanup.h"
#include "delta/log.h"
#include "delta/snapshot.h"
#include "delta/vacuum.h"
#include "delta/write.h"

static char dir[256];
static sm_store_t *st;

/* Writes one row (id) to `table`; `config` (n entries) is set with it. */
static int64_t put(const char *table, sm_delta_mode_t mode, int id, const sm_delta_kv_t *config,
                   size_t nconfig, sm_delta_write_result_t *res)
{
    static const char *schema_text = "struct<id:bigint,note:string>";
    sm_error_t e;
    sm_type_t *schema = NULL;
    sm_delta_write_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_delta_write_result_t r = {.version = -1};
    char ids[24];
    snprintf(ids, sizeof ids, "%d", id);
    const char *cells[] = {ids, "a note long enough to make the file a file"};
    sm_delta_write_opts_t o = {.mode = mode,
                               .set_config = config,
                               .nset_config = nconfig,
                               .txn_app_id = "q",
                               .txn_version = id,
                               .operation = "STREAMING UPDATE"};
    sm_err_t rc = sm_type_parse(schema_text, strlen(schema_text), &schema, &e);
    if (!rc)
        rc = sm_delta_write_open(st, table, schema, &o, &w, &e);
    if (!rc)
        rc = sm_batch_new(schema, 0, &b, &e);
    if (!rc)
        rc = sm_batch_append_row(b, cells, &e);
    if (!rc)
        rc = sm_delta_write_batch(w, b, &e);
    if (!rc) {
        rc = sm_delta_write_commit(w, &r, &e);
        w = NULL;
    }
    CHECK_OK(rc, &e);
    sm_delta_write_abort(w);
    sm_batch_free(b);
    sm_type_free(schema);
    if (res)
        *res = r;
    return r.version;
}

static bool log_has(const char *table, const char *name)
{
    char path[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s/_delta_log/%s", dir, table, name);
    return stat(path, &sb) == 0;
}

static bool commit_file(const char *table, int64_t v)
{
    char name[64];
    snprintf(name, sizeof name, "%020" PRId64 ".json", v);
    return log_has(table, name);
}

static bool checkpoint_file(const char *table, int64_t v)
{
    char name[64];
    sm_delta_checkpoint_name(v, 1, 1, name);
    return log_has(table, name);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t live_rows(const char *table, int64_t version, sm_err_t *rc_out, sm_error_t *e)
{
    sm_delta_at_t at = {.kind = version < 0 ? SM_DELTA_AT_LATEST : SM_DELTA_AT_VERSION,
                        .version = version};
    sm_delta_snapshot_t *s = NULL;
    sm_err_t rc = sm_delta_snapshot_load(st, table, &at, &s, e);
    int64_t n = rc ? -1 : (int64_t)s->nfiles;
    sm_delta_snapshot_free(s);
    *rc_out = rc;
    return n;
}

/* delta.checkpointInterval decides where checkpoints go; a table without
 * it checkpoints every 10; nothing expires under the default retention. */
static void test_interval(void)
{
    sm_delta_kv_t cfg[] = {{"delta.checkpointInterval", "3"}};
    for (int i = 0; i <= 10; i++)
        put("every3", SM_DELTA_APPEND, i, i == 0 ? cfg : NULL, i == 0 ? 1 : 0, NULL);
    CHECK(checkpoint_file("every3", 3));
    CHECK(checkpoint_file("every3", 6));
    CHECK(checkpoint_file("every3", 9));
    CHECK(!checkpoint_file("every3", 10));
    CHECK(commit_file("every3", 0)); /* 30 days of retention: all kept */
    for (int i = 0; i <= 10; i++)
        put("default", SM_DELTA_APPEND, i, NULL, 0, NULL);
    CHECK(!checkpoint_file("default", 3));
    CHECK(checkpoint_file("default", 10));
    CHECK(commit_file("default", 0));
    sm_delta_snapshot_t *s = NULL;
    sm_error_t e;
    CHECK_OK(sm_delta_snapshot_load(st, "every3", NULL, &s, &e), &e);
    CHECK_EQ_INT(sm_delta_checkpoint_interval(s), 3);
    CHECK_EQ_INT(sm_delta_log_retention_ms(s), 30LL * 86400000);
    sm_delta_snapshot_free(s);
    CHECK_EQ_INT(sm_delta_checkpoint_interval(NULL), SM_DELTA_CHECKPOINT_INTERVAL);
}

/* A short delta.logRetentionDuration: after each checkpoint, the log
 * files before the newest expired checkpoint go; the table reads the same,
 * every version from that checkpoint on travels, older ones say why not;
 * no data file is deleted. */
static void test_expired_logs(void)
{
    const char *t = "short";
    sm_delta_kv_t cfg[] = {{"delta.checkpointInterval", "5"},
                           {"delta.logRetentionDuration", "interval 1 millisecond"}};
    sm_delta_write_result_t r;
    for (int i = 0; i <= 27; i++) {
        put(t, SM_DELTA_APPEND, i, i == 0 ? cfg : NULL, i == 0 ? 2 : 0, &r);
        CHECK_EQ_STR(r.checkpoint_error, "");
        sleep_ms(2);
    }
    /* at 25, the checkpoint 25 (or, if it was committed within the last
     * millisecond, 20) was the newest expired one */
    CHECK(checkpoint_file(t, 25));
    CHECK(commit_file(t, 25) && commit_file(t, 26) && commit_file(t, 27));
    for (int v = 0; v < 20; v++)
        CHECK(!commit_file(t, v));
    CHECK(!checkpoint_file(t, 5) && !checkpoint_file(t, 10) && !checkpoint_file(t, 15));
    CHECK(log_has(t, "_last_checkpoint"));
    sm_error_t e;
    sm_err_t rc;
    CHECK_EQ_INT(live_rows(t, -1, &rc, &e), 28);
    CHECK_OK(rc, &e);
    CHECK_EQ_INT(live_rows(t, 26, &rc, &e), 27);
    CHECK_OK(rc, &e);
    CHECK_EQ_INT(live_rows(t, 3, &rc, &e), -1);
    CHECK_EQ_INT(rc, SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "version 3") != NULL);
    /* the data files of every version are still there */
    sm_delta_log_t log;
    CHECK_OK(sm_delta_log_list(st, t, &log, &e), &e);
    CHECK(log.ncommits <= 8);
    sm_delta_log_free(&log);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test $(ls %s/%s/*.parquet | wc -l) -eq 28", dir, t);
    CHECK(system(cmd) == 0);
}

/* Turned off by delta.enableExpiredLogCleanup=false: checkpoints still. */
static void test_cleanup_off(void)
{
    const char *t = "keep";
    sm_delta_kv_t cfg[] = {{"delta.checkpointInterval", "5"},
                           {"delta.logRetentionDuration", "interval 1 millisecond"},
                           {"delta.enableExpiredLogCleanup", "false"}};
    for (int i = 0; i <= 10; i++) {
        put(t, SM_DELTA_APPEND, i, i == 0 ? cfg : NULL, i == 0 ? 3 : 0, NULL);
        sleep_ms(2);
    }
    CHECK(checkpoint_file(t, 5) && checkpoint_file(t, 10));
    for (int v = 0; v <= 10; v++)
        CHECK(commit_file(t, v));
}

/* The clean-up alone, with a horizon between two checkpoints: a dry run
 * lists what a real one deletes; the checkpoint after the horizon is not
 * the start. */
static void test_horizon(void)
{
    const char *t = "horizon";
    sm_delta_kv_t cfg[] = {{"delta.checkpointInterval", "5"}};
    for (int i = 0; i <= 16; i++) {
        put(t, SM_DELTA_APPEND, i, i == 0 ? cfg : NULL, i == 0 ? 1 : 0, NULL);
        sleep_ms(3);
    }
    sm_delta_log_t log;
    sm_error_t e;
    CHECK_OK(sm_delta_log_list(st, t, &log, &e), &e);
    CHECK_EQ_INT(log.ncommits, 17);
    int64_t horizon = log.ncommits == 17 ? log.commits[12].mtime_ms : 0;
    sm_delta_log_free(&log);
    sm_delta_log_cleanup_t lc;
    CHECK_OK(sm_delta_log_cleanup(st, t, horizon, true, &lc, &e), &e);
    CHECK_EQ_INT(lc.start, 10);
    CHECK_EQ_INT(lc.nfiles, 10 + 1); /* commits 0..9 and checkpoint 5 */
    sm_delta_log_cleanup_free(&lc);
    CHECK(commit_file(t, 0));
    CHECK_OK(sm_delta_log_cleanup(st, t, horizon, false, &lc, &e), &e);
    CHECK_EQ_INT(lc.nfiles, 11);
    sm_delta_log_cleanup_free(&lc);
    CHECK(!commit_file(t, 9) && !checkpoint_file(t, 5));
    CHECK(commit_file(t, 10) && checkpoint_file(t, 10) && checkpoint_file(t, 15));
    sm_err_t rc;
    CHECK_EQ_INT(live_rows(t, 10, &rc, &e), 11);
    CHECK_EQ_INT(live_rows(t, 9, &rc, &e), -1);
    CHECK_EQ_INT(rc, SM_ERR_NOT_FOUND);
    CHECK_EQ_INT(live_rows(t, -1, &rc, &e), 17);
}

#ifdef HEAP_IN_USE
/* Bytes allocated and not freed (the sanitizer's allocator, or glibc's). */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}
#endif

/* A stream sink: the whole table overwritten once per commit, as complete
 * mode does, with a short log retention.  The heap in use after 300 more
 * commits is no bigger than after the first 100 (16 KiB of slack; it is
 * byte for byte the same today): nothing is kept per commit, and the log
 * stays short (checkpoints and clean-up every 10 commits). */
static void test_sink_commits_bounded(void)
{
    const char *t = "sink";
    sm_delta_kv_t cfg[] = {{"delta.logRetentionDuration", "interval 1 millisecond"}};
    size_t after100 = 0, after400 = 0;
    for (int i = 0; i < 400; i++) {
        put(t, SM_DELTA_OVERWRITE, i, i == 0 ? cfg : NULL, i == 0 ? 1 : 0, NULL);
#ifdef HEAP_IN_USE
        if (i == 99)
            after100 = heap_in_use();
        if (i == 399)
            after400 = heap_in_use();
#endif
    }
#ifdef HEAP_IN_USE
    printf("heap in use after 100 commits: %zu bytes, after 400: %zu bytes\n", after100, after400);
    CHECK(after400 <= after100 + 16 * 1024);
#else
    (void)after100;
    (void)after400;
#endif
    sm_delta_log_t log;
    sm_error_t e;
    CHECK_OK(sm_delta_log_list(st, t, &log, &e), &e);
    CHECK(log.ncommits <= 2 * SM_DELTA_CHECKPOINT_INTERVAL);
    CHECK(log.ncheckpoints <= 2);
    sm_delta_log_free(&log);
    sm_err_t rc;
    CHECK_EQ_INT(live_rows(t, -1, &rc, &e), 1);
}

int main(int argc, char **argv)
{
    (void)argc;
#if defined(HEAP_IN_USE) && !defined(__SANITIZE_ADDRESS__)
    /* glibc's per-thread cache holds freed chunks that mallinfo counts as
     * in use (it fills up over the first few hundred commits): run again
     * without it, so that the heap in use is exact */
    if (!getenv("GLIBC_TUNABLES")) {
        setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
        execv("/proc/self/exe", argv);
    }
#else
    (void)argv;
#endif
    snprintf(dir, sizeof dir, "/tmp/smelt-test-cleanup-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    sm_error_t e;
    if (sm_store_open(dir, &st, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    RUN(test_interval);
    RUN(test_expired_logs);
    RUN(test_cleanup_off);
    RUN(test_horizon);
    RUN(test_sink_commits_bounded);
    sm_store_close(st);
    if (!check_rm_tree(dir))
        return 1;
    return check_summary();
}
