/*
 * delta_crash — the programs of the crash-safety and concurrency tests
 * (tests/delta/test_crash.sh).  LOCATION is a directory or an s3:// URI
 * (S3 settings from the AWS_* variables).
 *
 *   delta_crash write LOCATION TABLE ROWS
 *       appends batches forever: each commit adds ROWS rows whose column
 *       `v` is the version the commit becomes (the test kills it with
 *       SIGKILL at random moments).
 *   delta_crash check LOCATION TABLE ROWS
 *       the table must read as exactly one committed version: the snapshot
 *       loads, every commit file of the log parses completely (no partial
 *       commit), and for every version 0..latest there are exactly ROWS
 *       rows with that `v` and no others.  Prints "ok <version> <rows>".
 *   delta_crash concurrent LOCATION TABLE PROCS EACH
 *       PROCS processes commit EACH blind appends each, all at once; then
 *       every commit must be there exactly once with contiguous versions.
 * Exit status 0 on success, 1 on a failed check or error (one line on
 * stderr).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/hashtable.h"
#include "core/mem.h"
#include "delta/commit.h"
#include "delta/log.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/write.h"

static int fail(const char *what, const sm_error_t *e)
{
    fprintf(stderr, "FAIL %s: %s\n", what, e ? e->msg : "");
    return 1;
}

static int64_t latest(sm_store_t *st, const char *table, sm_error_t *e)
{
    sm_delta_snapshot_t *s = NULL;
    sm_err_t rc = sm_delta_snapshot_load(st, table, NULL, &s, e);
    int64_t v = rc == SM_OK ? s->version : rc == SM_ERR_NOT_FOUND ? -1 : -2;
    sm_delta_snapshot_free(s);
    return v;
}

static int do_write(sm_store_t *st, const char *table, int rows)
{
    const char *text = "struct<v:bigint,i:bigint,pad:string>";
    sm_type_t *schema = NULL;
    sm_error_t e;
    if (sm_type_parse(text, strlen(text), &schema, &e))
        return fail("schema", &e);
    for (;;) {
        int64_t v = latest(st, table, &e) + 1;
        if (v < 0)
            return fail("load", &e);
        sm_delta_write_opts_t o = {.parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
        sm_delta_write_t *w = NULL;
        sm_batch_t *b = NULL;
        sm_delta_write_result_t res;
        sm_err_t rc = sm_delta_write_open(st, table, schema, &o, &w, &e);
        if (!rc)
            rc = sm_batch_new(schema, (size_t)rows, &b, &e);
        for (int i = 0; !rc && i < rows; i++) {
            char vs[32], is[32];
            snprintf(vs, sizeof vs, "%" PRId64, v);
            snprintf(is, sizeof is, "%d", i);
            const char *cells[] = {vs, is, "some padding to make the files less tiny"};
            rc = sm_batch_append_row(b, cells, &e);
        }
        if (!rc)
            rc = sm_delta_write_batch(w, b, &e);
        if (!rc) {
            rc = sm_delta_write_commit(w, &res, &e);
            w = NULL;
        }
        sm_delta_write_abort(w);
        sm_batch_free(b);
        if (rc)
            return fail("write", &e);
        if (res.version != v) {
            fprintf(stderr, "FAIL committed version %" PRId64 ", expected %" PRId64 "\n",
                    res.version, v);
            return 1;
        }
    }
}

/* Every commit file parses to its end. */
static int check_log(sm_store_t *st, const char *table, int64_t version)
{
    sm_error_t e;
    sm_delta_log_t log;
    if (sm_delta_log_list(st, table, &log, &e))
        return fail("list", &e);
    int status = 0;
    for (size_t i = 0; i < log.ncommits && !status; i++) {
        char name[26], key[SM_STORE_KEY_MAX + 1];
        sm_delta_commit_name(log.commits[i].version, name);
        sm_buf_t b = SM_BUF_INIT;
        sm_arena_t a;
        sm_arena_init(&a, 0);
        sm_delta_action_t *acts;
        size_t n;
        if (sm_delta_log_key(table, name, key, sizeof key, &e) ||
            sm_store_get(st, key, 0, &b, &e) ||
            sm_delta_parse_commit(key, b.data, b.len, &a, &acts, &n, &e))
            status = fail("commit file", &e);
        else if (b.len == 0 || b.data[b.len - 1] != '\n' || n < 2)
            status = fail(key, NULL);
        if (log.commits[i].version > version)
            status = fail("a commit past the snapshot's version", NULL);
        sm_buf_free(&b);
        sm_arena_free(&a);
    }
    sm_delta_log_free(&log);
    return status;
}

static int do_check(sm_store_t *st, const char *table, int rows)
{
    sm_error_t e;
    sm_delta_snapshot_t *s = NULL;
    sm_delta_scan_t *sc = NULL;
    if (sm_delta_snapshot_load(st, table, NULL, &s, &e)) {
        if (e.code == SM_ERR_NOT_FOUND && strstr(e.msg, "no _delta_log")) {
            printf("ok -1 0 (no commit yet)\n");
            return 0;
        }
        return fail("snapshot", &e);
    }
    int64_t *count = sm_calloc((size_t)s->version + 1, sizeof *count), total = 0;
    int status = count ? 0 : fail("out of memory", NULL);
    if (!status && sm_delta_scan_open(st, s, NULL, &sc, &e))
        status = fail("scan", &e);
    for (sm_batch_t *b = NULL; !status;) {
        if (sm_delta_scan_next(sc, &b, &e)) {
            status = fail("scan", &e);
            break;
        }
        if (!b)
            break;
        for (size_t i = 0; i < b->nrows && !status; i++) {
            int64_t v = sm_vector_get_i64(b->cols[0], i);
            if (v < 0 || v > s->version) {
                fprintf(stderr,
                        "FAIL row of uncommitted version %" PRId64 " (table at %" PRId64 ")\n", v,
                        s->version);
                status = 1;
            } else {
                count[v]++;
            }
        }
        total += (int64_t)b->nrows;
        sm_batch_free(b);
    }
    for (int64_t v = 0; !status && v <= s->version; v++) {
        if (count[v] != rows) {
            fprintf(stderr, "FAIL version %" PRId64 " has %" PRId64 " rows, expected %d\n", v,
                    count[v], rows);
            status = 1;
        }
    }
    if (!status)
        status = check_log(st, table, s->version);
    if (!status)
        printf("ok %" PRId64 " %" PRId64 "\n", s->version, total);
    sm_free(count);
    sm_delta_scan_close(sc);
    sm_delta_snapshot_free(s);
    return status;
}

static int do_concurrent(const char *loc, const char *table, int procs, int each)
{
    sm_store_t *st = NULL;
    sm_error_t e;
    if (sm_store_open(loc, &st, &e))
        return fail("store", &e);
    sm_delta_action_t acts[2] = {{.kind = SM_DELTA_PROTOCOL}, {.kind = SM_DELTA_METADATA}};
    acts[0].u.protocol = (sm_delta_protocol_t){.min_reader_version = 1, .min_writer_version = 2};
    acts[1].u.metadata = (sm_delta_metadata_t){
        .id = "concurrent",
        .provider = "parquet",
        .created_time = 1,
        .schema_string = "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\","
                         "\"nullable\":true,\"metadata\":{}}]}"};
    int64_t v;
    sm_delta_commit_opts_t co = {.operation = "CREATE TABLE"};
    if (sm_delta_commit(st, table, -1, acts, 2, &co, &v, &e))
        return fail("create", &e);
    sm_store_close(st);
    pid_t *pids = sm_calloc((size_t)procs, sizeof *pids);
    for (int p = 0; pids && p < procs; p++) {
        if ((pids[p] = fork()) != 0)
            continue;
        sm_store_t *cst = NULL;
        if (sm_store_open(loc, &cst, &e))
            _exit(fail("child store", &e));
        for (int i = 0; i < each; i++) {
            char path[64];
            snprintf(path, sizeof path, "p%d-%d.parquet", p, i);
            sm_delta_action_t a = {.kind = SM_DELTA_ADD};
            a.u.add = (sm_delta_add_t){
                .path = path, .size = 1, .modification_time = 1, .data_change = true};
            /* read version 0: every commit must retry past the others */
            if (sm_delta_commit(cst, table, 0, &a, 1, NULL, &v, &e))
                _exit(fail("child commit", &e));
        }
        sm_store_close(cst);
        _exit(0);
    }
    int status = pids ? 0 : 1;
    for (int p = 0; pids && p < procs; p++) {
        int ws;
        waitpid(pids[p], &ws, 0);
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            status = 1;
    }
    sm_free(pids);
    if (status)
        return fail("a child failed", NULL);
    if (sm_store_open(loc, &st, &e))
        return fail("store", &e);
    sm_delta_snapshot_t *s = NULL;
    if (sm_delta_snapshot_load(st, table, NULL, &s, &e))
        status = fail("snapshot", &e);
    else if (s->version != (int64_t)procs * each || s->nfiles != (size_t)procs * (size_t)each)
        status = fail("versions or files lost or doubled", NULL);
    else
        printf("ok %" PRId64 " commits from %d processes\n", s->version, procs);
    sm_delta_snapshot_free(s);
    sm_store_close(st);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "concurrent") == 0)
        return do_concurrent(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (argc != 5 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(stderr, "usage: delta_crash write|check LOCATION TABLE ROWS\n"
                        "       delta_crash concurrent LOCATION TABLE PROCS EACH\n");
        return 2;
    }
    sm_store_t *st = NULL;
    sm_error_t e;
    if (sm_store_open(argv[2], &st, &e))
        return fail("store", &e);
    int rows = atoi(argv[4]);
    int status =
        strcmp(argv[1], "write") == 0 ? do_write(st, argv[3], rows) : do_check(st, argv[3], rows);
    sm_store_close(st);
    return status;
}
