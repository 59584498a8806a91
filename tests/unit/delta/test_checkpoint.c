/* delta/checkpoint: reading checkpoints back (classic, multi-part, v2
 * refused), _last_checkpoint validation and fall-backs, cleaned-up logs,
 * time travel limits, special characters, allocation failures. */
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "delta/checkpoint.h"
#include "delta/log.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/write.h"

static char dir[256];

static sm_store_t *open_store(void)
{
    sm_store_t *st = NULL;
    sm_error_t e;
    CHECK_OK(sm_store_open(dir, &st, &e), &e);
    return st;
}

/* Appends rows id first..first+n-1 with partition value part. */
static int64_t append(sm_store_t *st, const char *table, int first, int n, const char *part)
{
    sm_type_t *schema = NULL;
    const char *s = "struct<id:bigint,p:string>";
    sm_error_t e;
    CHECK_OK(sm_type_parse(s, strlen(s), &schema, &e), &e);
    const char *pby[] = {"p"};
    sm_delta_write_opts_t o = {.partition_by = pby, .npartition_by = 1};
    sm_delta_write_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_delta_write_result_t res = {.version = -1};
    sm_err_t rc = sm_delta_write_open(st, table, schema, &o, &w, &e);
    if (!rc)
        rc = sm_batch_new(schema, 0, &b, &e);
    for (int i = first; !rc && i < first + n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%d", i);
        const char *cells[] = {id, part};
        rc = sm_batch_append_row(b, cells, &e);
    }
    if (!rc)
        rc = sm_delta_write_batch(w, b, &e);
    if (!rc) {
        rc = sm_delta_write_commit(w, &res, &e);
        w = NULL;
    }
    CHECK_OK(rc, &e);
    sm_delta_write_abort(w);
    sm_batch_free(b);
    sm_type_free(schema);
    return res.version;
}

static int64_t count_rows(sm_store_t *st, const sm_delta_snapshot_t *snap)
{
    sm_delta_scan_t *sc = NULL;
    sm_error_t e;
    int64_t rows = 0;
    CHECK_OK(sm_delta_scan_open(st, snap, NULL, &sc, &e), &e);
    for (sm_batch_t *b = NULL; sc && sm_delta_scan_next(sc, &b, &e) == SM_OK && b;) {
        rows += (int64_t)b->nrows;
        sm_batch_free(b);
    }
    sm_delta_scan_close(sc);
    return rows;
}

static void rm_commit(const char *table, int64_t v)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/_delta_log/%020" PRId64 ".json", dir, table, v);
    CHECK(unlink(path) == 0);
}

static void put(sm_store_t *st, const char *key, const char *text)
{
    sm_error_t e;
    CHECK_OK(sm_store_put(st, key, text, strlen(text), &e), &e);
}

static void copy(sm_store_t *st, const char *from, const char *to)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_store_get(st, from, 0, &b, &e), &e);
    CHECK_OK(sm_store_put(st, to, b.data, b.len, &e), &e);
    sm_buf_free(&b);
}

static void test_cleaned_log(void)
{
    sm_store_t *st = open_store();
    if (!st)
        return;
    for (int v = 0; v < 25; v++)
        CHECK_EQ_INT(append(st, "t", v * 10, 10, v % 2 ? "a b/c" : "x"), v);
    sm_error_t e;
    sm_delta_snapshot_t *s = NULL, *full = NULL;
    CHECK_OK(sm_delta_snapshot_load(st, "t", NULL, &full, &e), &e);
    if (!full)
        goto out;
    CHECK_EQ_INT(full->version, 24);
    CHECK_EQ_INT(full->nfiles, 25);
    CHECK_EQ_INT(count_rows(st, full), 250);
    for (int v = 0; v < 20; v++)
        rm_commit("t", v);
    /* the latest version from checkpoint 20 + commits 21..24 */
    CHECK_OK(sm_delta_snapshot_load(st, "t", NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->version, 24);
        CHECK_EQ_INT(s->nfiles, 25);
        for (size_t i = 0; i < s->nfiles && i < full->nfiles; i++) {
            CHECK_EQ_STR(s->files[i].path, full->files[i].path); /* "p=a b%2Fc/..." decoded once */
            CHECK_EQ_INT(s->files[i].size, full->files[i].size);
            CHECK(s->files[i].stats && strstr(s->files[i].stats, "\"numRecords\":10"));
        }
        CHECK_EQ_STR(s->metadata.partition_columns[0], "p");
        CHECK_EQ_INT(count_rows(st, s), 250);
    }
    sm_delta_snapshot_free(s);
    /* version 20 from its checkpoint alone */
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = 20};
    CHECK_OK(sm_delta_snapshot_load(st, "t", &at, &s, &e), &e);
    if (s)
        CHECK_EQ_INT(s->nfiles, 21);
    sm_delta_snapshot_free(s);
    /* older versions are gone, with a clear error */
    at.version = 12;
    CHECK(sm_delta_snapshot_load(st, "t", &at, &s, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "version 12 cannot be read: commit 11 was cleaned up (the oldest readable "
                        "version after it is 20)"));
    at.version = 3;
    CHECK(sm_delta_snapshot_load(st, "t", &at, &s, &e) == SM_ERR_NOT_FOUND);
    at = (sm_delta_at_t){.kind = SM_DELTA_AT_TIMESTAMP, .timestamp_ms = 1};
    CHECK(sm_delta_snapshot_load(st, "t", &at, &s, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no version was committed at or before that timestamp"));

    /* _last_checkpoint: garbage, pointing at a missing checkpoint, stale */
    const char *bad[] = {"not json",
                         "{\"version\":-3}",
                         "{\"version\":90,\"size\":1}",
                         "{\"version\":10}",
                         "{\"version\":20,\"parts\":0}",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put(st, "t/_delta_log/_last_checkpoint", bad[i]);
        CHECK_OK(sm_delta_snapshot_load(st, "t", NULL, &s, &e), &e);
        if (s)
            CHECK_EQ_INT(s->nfiles, 25);
        sm_delta_snapshot_free(s);
    }
    CHECK_EQ_INT(sm_delta_log_last_checkpoint(st, "t", NULL), -1);
    put(st, "t/_delta_log/_last_checkpoint", "{\"version\":20,\"parts\":2,\"size\":5}");
    int parts = 0;
    CHECK_EQ_INT(sm_delta_log_last_checkpoint(st, "t", &parts), 20);
    CHECK_EQ_INT(parts, 2);

    /* allocation failures while loading from a checkpoint never crash or leak */
    for (long n = 1; n < 100000; n += n < 200 ? 1 : 37) {
        sm_mem_fail_after(n);
        sm_err_t rc = sm_delta_snapshot_load(st, "t", NULL, &s, &e);
        sm_mem_fail_after(0);
        sm_delta_snapshot_free(s);
        s = NULL;
        if (rc == SM_OK)
            break;
        CHECK(rc == SM_ERR_NOMEM || e.code == SM_ERR_NOMEM || strstr(e.msg, "out of memory"));
    }
out:
    sm_delta_snapshot_free(full);
    sm_store_close(st);
}

static void test_multipart_and_fallbacks(void)
{
    sm_store_t *st = open_store();
    if (!st)
        return;
    for (int v = 0; v < 12; v++)
        append(st, "m", v, 1, "x");
    sm_error_t e;
    sm_delta_snapshot_t *s = NULL;
    /* checkpoint 10 as a multi-part set of 2 (both parts hold every row:
     * reading an action twice changes nothing) */
    const char *c10 = "m/_delta_log/00000000000000000010.checkpoint.parquet";
    copy(st, c10, "m/_delta_log/00000000000000000010.checkpoint.0000000001.0000000002.parquet");
    copy(st, c10, "m/_delta_log/00000000000000000010.checkpoint.0000000002.0000000002.parquet");
    /* an incomplete set at 11 must be ignored */
    copy(st, c10, "m/_delta_log/00000000000000000011.checkpoint.0000000001.0000000003.parquet");
    CHECK_OK(sm_store_delete(st, c10, &e), &e);
    for (int v = 0; v < 10; v++)
        rm_commit("m", v);
    sm_delta_log_t log;
    CHECK_OK(sm_delta_log_list(st, "m", &log, &e), &e);
    CHECK_EQ_INT(log.ncheckpoints, 2);
    if (log.ncheckpoints == 2) {
        CHECK(log.checkpoints[0].complete && log.checkpoints[0].parts == 2);
        CHECK(!log.checkpoints[1].complete);
    }
    sm_delta_log_free(&log);
    CHECK_OK(sm_delta_snapshot_load(st, "m", NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->version, 11);
        CHECK_EQ_INT(s->nfiles, 12);
    }
    sm_delta_snapshot_free(s);
    /* a corrupt checkpoint with no other way to the version: a clear error */
    put(st, "m/_delta_log/00000000000000000010.checkpoint.0000000002.0000000002.parquet",
        "PAR1junk");
    CHECK(sm_delta_snapshot_load(st, "m", NULL, &s, &e) != SM_OK);
    CHECK(strstr(e.msg, "00000000000000000010.checkpoint.0000000002.0000000002.parquet"));

    /* a corrupt checkpoint whose commits are all there: replay the JSON */
    for (int v = 0; v < 11; v++)
        append(st, "j", v, 1, "x");
    put(st, "j/_delta_log/00000000000000000010.checkpoint.parquet", "garbage");
    CHECK_OK(sm_delta_snapshot_load(st, "j", NULL, &s, &e), &e);
    if (s)
        CHECK_EQ_INT(s->nfiles, 11);
    sm_delta_snapshot_free(s);

    /* only a v2 (UUID-named) checkpoint covers the version */
    for (int v = 0; v < 3; v++)
        append(st, "v", v, 1, "x");
    put(st,
        "v/_delta_log/00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json",
        "{}");
    rm_commit("v", 0);
    CHECK(sm_delta_snapshot_load(st, "v", NULL, &s, &e) == SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "v2 checkpoints (v2Checkpoint feature) are not supported"));
    /* a truncated log with no checkpoint: cleaned up */
    CHECK_OK(sm_store_delete(st,
                             "v/_delta_log/00000000000000000001.checkpoint."
                             "80a083e8-7026-4e79-81be-64bd76c43a11.json",
                             &e),
             &e);
    CHECK(sm_delta_snapshot_load(st, "v", NULL, &s, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "were cleaned up"));
    sm_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/smelt-test-ckpt-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_cleaned_log);
    RUN(test_multipart_and_fallbacks);
    if (!check_rm_tree(dir))
        return 1;
    return check_summary();
}
