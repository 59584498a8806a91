/* The Parquet scan's read-ahead is bounded: with a small memory budget, a
 * scan over files of many row groups whose consumer stops pulling holds
 * (and charges to the budget) at most about an eighth of the budget
 * (the floor being 4 MiB) and reads only a part of the files from the
 * store (bytes read counted by the kernel: /proc/self/io rchar), while
 * it still returns every row written, in order, and gives back every
 * byte it charged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "core/pool.h"
#include "exec/op_scan.h"
#include "parquet/writer.h"
#include "scan_files.h"

static sm_store_t *store;
static char dir[] = "/tmp/smelt-scan-ahead-XXXXXX";
static const char *SCHEMA = "struct<id:bigint,s:string,v:double>";

#define NFILES 4
#define FILE_ROWS 250000
#define RG_ROWS 25000
#define CAP ((size_t)4 << 20) /* the scan's floor for a 16 MiB budget */

static const char *const KEYS[NFILES] = {"a.parquet", "b.parquet", "c.parquet", "d.parquet"};
static uint64_t file_bytes;

static sm_type_t *schema_of(void)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    CHECK_OK(sm_type_parse(SCHEMA, strlen(SCHEMA), &t, &e), &e);
    return t;
}

/* Rows [base, base + n): id = row number, s a string of 8-40 bytes that
 * depends on id, v = id / 4. */
static sm_batch_t *make_rows(sm_type_t *schema, int64_t base, size_t n)
{
    sm_batch_t *b = NULL;
    sm_error_t e;
    CHECK_OK(sm_batch_new(schema, n, &b, &e), &e);
    for (size_t i = 0; i < n; i++) {
        int64_t id = base + (int64_t)i;
        char s[64];
        snprintf(s, sizeof s, "row-%lld-%.*s", (long long)id, (int)(id % 29),
                 "abcdefghijklmnopqrstuvwxyz0123");
        CHECK(!sm_vector_append_i64(b->cols[0], id, &e));
        CHECK(!sm_vector_append_str(b->cols[1], s, &e));
        CHECK(!sm_vector_append_f64(b->cols[2], (double)id / 4, &e));
    }
    CHECK_OK(sm_batch_sync(b, &e), &e);
    return b;
}

static void write_files(void)
{
    sm_type_t *schema = schema_of();
    sm_error_t e;
    for (size_t f = 0; f < NFILES; f++) {
        sm_pq_writer_t *w = NULL;
        sm_pq_writer_opts_t o = {.codec = SM_PQ_CODEC_SNAPPY, .row_group_rows = RG_ROWS};
        CHECK_OK(sm_pq_writer_open(store, KEYS[f], schema, &o, &w, &e), &e);
        for (size_t done = 0; done < FILE_ROWS; done += 5000) {
            sm_batch_t *b = make_rows(schema, (int64_t)(f * FILE_ROWS + done), 5000);
            CHECK_OK(sm_pq_writer_write(w, b, &e), &e);
            sm_batch_free(b);
        }
        CHECK_OK(sm_pq_writer_close(w, NULL, &e), &e);
        sm_pq_writer_free(w);
        sm_store_info_t info;
        CHECK_OK(sm_store_head(store, KEYS[f], &info, &e), &e);
        file_bytes += info.size;
    }
    sm_type_free(schema);
}

/* Bytes this process has read through read(2)/pread(2) so far. */
static uint64_t rchar(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    unsigned long long v = 0;
    char line[128];
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "rchar: %llu", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static sm_scan_files_t files_of(void)
{
    return tu_scan_files(schema_of(), KEYS, NFILES);
}

/* Scans every file with a 16 MiB budget on pool (NULL: serial): after one
 * batch the consumer pauses until the scan stops reading; then it reads
 * the rest and checks every row. */
static void scan_bounded(sm_pool_t *pool)
{
    sm_error_t e;
    sm_budget_t budget;
    sm_budget_init(&budget, (size_t)16 << 20);
    sm_exec_ctx_t ctx = {.budget = &budget, .pool = pool};
    sm_scan_files_t f = files_of();
    static const uint32_t cols[] = {0, 1, 2};
    sm_op_t *op = NULL;
    CHECK_OK(sm_op_scan_new(&ctx, store, &f, cols, 3, NULL, 0, &op, &e), &e);
    if (!op)
        return;
    uint64_t before = rchar();
    CHECK_OK(sm_op_open(op, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_next(op, &b, &e), &e);
    CHECK(b != NULL);
    size_t one = b ? b->nrows : 0;
    int64_t want = 0;
    bool order = true;
    for (size_t i = 0; i < one; i++)
        order &= sm_vector_get_i64(b->cols[0], i) == want++;
    sm_batch_free(b);
    /* the consumer stalls: wait until the readers stop (at most 10 s) */
    uint64_t last = rchar();
    for (int quiet = 0, i = 0; quiet < 5 && i < 200; i++) {
        sleep_ms(50);
        uint64_t now = rchar();
        quiet = now - last < 4096 ? quiet + 1 : 0; /* reading /proc/self/io counts too */
        last = now;
    }
    uint64_t read = last - before;
    size_t held = sm_budget_used(&budget);
    fprintf(stderr, "  %s: read %llu of %llu bytes, holding %zu bytes (peak %zu)\n",
            pool ? "pool" : "serial", (unsigned long long)read, (unsigned long long)file_bytes,
            held, budget.peak);
    /* each slot has at most one row group's chunks loaded and the queued
     * batches are bounded by CAP (one batch past it per slot) */
    CHECK(read < file_bytes * 2 / 5);
    CHECK(held <= CAP + ((size_t)1 << 20));
    if (pool)
        CHECK(held >= CAP / 2); /* it did read ahead, and charged it */
    /* the rest: every row, in order */
    uint64_t rows = one;
    for (;;) {
        b = NULL;
        if (sm_op_next(op, &b, &e)) {
            CHECK_OK(SM_ERR_INTERNAL, &e);
            break;
        }
        if (!b)
            break;
        for (size_t i = 0; i < b->nrows; i++)
            order &= sm_vector_get_i64(b->cols[0], i) == want++;
        rows += b->nrows;
        sm_batch_free(b);
    }
    CHECK(order);
    CHECK_EQ_INT(rows, (uint64_t)NFILES * FILE_ROWS);
    CHECK(budget.peak <= CAP + ((size_t)1 << 20));
    CHECK(op->stats.mem_peak <= CAP + ((size_t)1 << 20));
    sm_op_close(op);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    sm_op_free(op);
}

static void test_bounded_serial(void)
{
    scan_bounded(NULL);
}

static void test_bounded_pool(void)
{
    sm_error_t e;
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        sm_pool_t *pool = NULL;
        CHECK_OK(sm_pool_new(&pool, threads, &e), &e);
        scan_bounded(pool);
        sm_pool_free(pool);
    }
}

/* Closing a scan in the middle (a LIMIT) stops its readers and gives
 * back what it charged. */
static void test_close_early(void)
{
    sm_error_t e;
    sm_budget_t budget;
    sm_budget_init(&budget, (size_t)16 << 20);
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_exec_ctx_t ctx = {.budget = &budget, .pool = pool};
    sm_scan_files_t f = files_of();
    static const uint32_t cols[] = {1};
    sm_op_t *op = NULL;
    CHECK_OK(sm_op_scan_new(&ctx, store, &f, cols, 1, NULL, 0, &op, &e), &e);
    CHECK_OK(sm_op_open(op, &e), &e);
    for (int i = 0; i < 3; i++) {
        sm_batch_t *b = NULL;
        CHECK_OK(sm_op_next(op, &b, &e), &e);
        CHECK(b != NULL);
        sm_batch_free(b);
    }
    sm_op_free(op);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    sm_pool_free(pool);
}

int main(void)
{
    sm_error_t e;
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    write_files();
    RUN(test_bounded_serial);
    RUN(test_bounded_pool);
    RUN(test_close_early);
    for (size_t i = 0; i < NFILES; i++)
        sm_store_delete(store, KEYS[i], &e);
    sm_store_close(store);
    rmdir(dir);
    return check_summary();
}
