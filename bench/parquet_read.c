/* bench/parquet — the read phase: every column of the file, all batches. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "parquet/reader.h"

int bench_read(const char *path, const char *codec);

int bench_read(const char *path, const char *codec)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *key = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    sm_error_t e;
    sm_store_t *st = NULL;
    sm_pq_reader_t *r = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (sm_store_open(dir, &st, &e) || sm_pq_reader_open(st, key, NULL, &r, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    int64_t rows = 0;
    for (;;) {
        sm_batch_t *batch = NULL;
        if (sm_pq_reader_next(r, &batch, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        if (!batch)
            break;
        rows += (int64_t)batch->nrows;
        sm_batch_free(batch);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    uint64_t bytes = sm_pq_reader_bytes_read(r);
    sm_pq_reader_close(r);
    sm_store_close(st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"engine\":\"smelt\",\"phase\":\"read\",\"codec\":\"%s\",\"rows\":%" PRId64
           ",\"seconds\":%.4f,\"bytes\":%" PRIu64 ",\"peak_rss_kb\":%ld}\n",
           codec, rows, (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
           bytes, ru.ru_maxrss);
    return 0;
}
