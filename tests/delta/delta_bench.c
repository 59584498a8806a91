/*
 * delta_bench — how long loading a Delta snapshot takes (scripts/bench
 * delta).  Builds two tables of COMMITS commits (default 1000), each commit
 * adding one file with statistics: one with a checkpoint every 10 commits
 * (as smelt's writer does), one with JSON commits only; then loads the
 * latest snapshot of each RUNS times and prints the median and best times.
 *   delta_bench DIR [COMMITS] [RUNS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delta/checkpoint.h"
#include "delta/commit.h"
#include "delta/snapshot.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int build(sm_store_t *st, const char *table, int commits, bool checkpoints)
{
    sm_error_t e;
    sm_delta_action_t acts[2] = {{.kind = SM_DELTA_PROTOCOL}, {.kind = SM_DELTA_METADATA}};
    acts[0].u.protocol = (sm_delta_protocol_t){.min_reader_version = 1, .min_writer_version = 2};
    acts[1].u.metadata = (sm_delta_metadata_t){
        .id = "bench",
        .provider = "parquet",
        .created_time = 1,
        .schema_string =
            "{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\","
            "\"nullable\":true,\"metadata\":{}},{\"name\":\"name\",\"type\":\"string\","
            "\"nullable\":true,\"metadata\":{}}]}"};
    int64_t v;
    if (sm_delta_commit(st, table, -1, acts, 2, NULL, &v, &e)) {
        fprintf(stderr, "create: %s\n", e.msg);
        return 1;
    }
    for (int i = 1; i < commits; i++) {
        char path[96], stats[256];
        snprintf(path, sizeof path, "part-%05d-5e7ab2c1-8d4f-4f6b-9a57-%012d-c000.snappy.parquet",
                 i, i);
        snprintf(stats, sizeof stats,
                 "{\"numRecords\":1000,\"minValues\":{\"id\":%d,\"name\":\"a%d\"},\"maxValues\":"
                 "{\"id\":%d,\"name\":\"z%d\"},\"nullCount\":{\"id\":0,\"name\":3}}",
                 i * 1000, i, i * 1000 + 999, i);
        sm_delta_action_t a = {.kind = SM_DELTA_ADD};
        a.u.add = (sm_delta_add_t){.path = path,
                                   .size = 123456,
                                   .modification_time = 1,
                                   .data_change = true,
                                   .stats = stats};
        if (sm_delta_commit(st, table, i - 1, &a, 1, NULL, &v, &e)) {
            fprintf(stderr, "commit: %s\n", e.msg);
            return 1;
        }
        if (checkpoints && v % SM_DELTA_CHECKPOINT_INTERVAL == 0) {
            sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = v};
            sm_delta_snapshot_t *s = NULL;
            if (sm_delta_snapshot_load(st, table, &at, &s, &e) ||
                sm_delta_checkpoint_write(st, s, &e)) {
                fprintf(stderr, "checkpoint: %s\n", e.msg);
                sm_delta_snapshot_free(s);
                return 1;
            }
            sm_delta_snapshot_free(s);
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int measure(sm_store_t *st, const char *table, int runs, const char *label, int commits)
{
    double *t = calloc((size_t)runs, sizeof *t);
    sm_error_t e;
    size_t nfiles = 0;
    for (int r = 0; t && r < runs; r++) {
        double t0 = now_ms();
        sm_delta_snapshot_t *s = NULL;
        if (sm_delta_snapshot_load(st, table, NULL, &s, &e)) {
            fprintf(stderr, "load: %s\n", e.msg);
            free(t);
            return 1;
        }
        t[r] = now_ms() - t0;
        nfiles = s->nfiles;
        sm_delta_snapshot_free(s);
    }
    if (!t)
        return 1;
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("delta snapshot load, %d commits %-26s %zu files: median %7.2f ms, best %7.2f ms\n",
           commits, label, nfiles, t[runs / 2], t[0]);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: delta_bench DIR [COMMITS] [RUNS]\n");
        return 2;
    }
    int commits = argc > 2 ? atoi(argv[2]) : 1000, runs = argc > 3 ? atoi(argv[3]) : 20;
    if (commits < 2 || runs < 1)
        return 2;
    sm_store_t *st = NULL;
    sm_error_t e;
    if (sm_store_open(argv[1], &st, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    int rc = build(st, "with-checkpoints", commits, true) ||
             build(st, "json-only", commits, false) ||
             measure(st, "with-checkpoints", runs, "(checkpoint every 10):", commits) ||
             measure(st, "json-only", runs, "(JSON commits only):", commits);
    sm_store_close(st);
    return rc;
}
