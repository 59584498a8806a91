/*
 * bench/parquet — writes (and, when the reader is built, reads) a table of
 * N rows with smelt's Parquet code and prints one JSON line per phase:
 *   {"engine":"smelt","phase":"write","codec":"snappy","rows":N,
 *    "seconds":S,"bytes":B,"peak_rss_kb":K}
 * Columns (as the issue names them): id int64 key, x double, cat a
 * low-cardinality string, uid a unique string, day a date, n a nullable int.
 *   parquet write PATH ROWS CODEC      (codec: none|snappy|zstd, or zstd:LEVEL)
 *   parquet read PATH
 * Each invocation is one phase, so peak RSS is that phase's.
 * BENCH_PQ_THREADS=N writes on a pool of N threads (opts.pool; "threads"
 * in the JSON line); unset or 0: the calling thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "columnar/columnar.h"
#include "core/pool.h"
#include "parquet/writer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static const char *CATS[] = {"FRANCE", "GERMANY", "USA", "UK", "BRAZIL", "JAPAN", "ITALY", "SPAIN"};

static int fill(sm_batch_t *b, int64_t base, size_t n, sm_error_t *e)
{
    sm_vector_t **c = b->cols;
    for (size_t i = 0; i < n; i++) {
        int64_t id = base + (int64_t)i;
        char uid[32];
        int ul = snprintf(uid, sizeof uid, "u%012" PRId64, id * 7919 % 1000000007);
        if (sm_vector_append_i64(c[0], id, e) || sm_vector_append_f64(c[1], (double)id * 0.25, e) ||
            sm_vector_append_str(c[2], CATS[id % 8], e) ||
            sm_vector_append_bytes(c[3], uid, (size_t)ul, e) ||
            sm_vector_append_i32(c[4], (int32_t)(18000 + id % 3650), e) ||
            (id % 10 == 0 ? sm_vector_append_null(c[5], e)
                          : sm_vector_append_i32(c[5], (int32_t)(id % 1000), e)))
            return 1;
    }
    return sm_batch_sync(b, e) ? 1 : 0;
}

static int do_write(const char *path, int64_t rows, const char *codec)
{
    sm_error_t e;
    sm_type_t *schema = NULL;
    const char *s = "struct<id:bigint not null,x:double not null,cat:string not null,"
                    "uid:string not null,day:date not null,n:int>";
    sm_pq_codec_id_t cid;
    char cname[32];
    snprintf(cname, sizeof cname, "%s", codec);
    char *colon = strchr(cname, ':');
    int level = colon ? atoi(colon + 1) : 0;
    if (colon)
        *colon = '\0';
    if (sm_type_parse(s, strlen(s), &schema, &e) || sm_pq_codec_from_name(cname, &cid, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *key = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    sm_store_t *st = NULL;
    sm_pq_writer_t *w = NULL;
    sm_pq_writer_opts_t o = {.codec = cid, .level = level};
    const char *th = getenv("BENCH_PQ_THREADS");
    unsigned threads = th ? (unsigned)atoi(th) : 0;
    sm_pool_t *pool = NULL;
    if (threads && sm_pool_new(&pool, threads, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    o.pool = pool;
    if (sm_store_open(dir, &st, &e) || sm_pq_writer_open(st, key, schema, &o, &w, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    /* only the writer is timed: rows are generated between the clocks */
    double t = 0;
    sm_batch_t *b = NULL;
    if (sm_batch_new(schema, 8192, &b, &e))
        return 1;
    for (int64_t done = 0; done < rows;) {
        size_t n = rows - done < 8192 ? (size_t)(rows - done) : 8192;
        sm_batch_reset(b);
        if (fill(b, done, n, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double t0 = now();
        if (sm_pq_writer_write(w, b, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        t += now() - t0;
        done += (int64_t)n;
    }
    double t0 = now();
    uint64_t size = 0;
    if (sm_pq_writer_close(w, &size, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    t += now() - t0;
    printf("{\"engine\":\"smelt\",\"phase\":\"write\",\"codec\":\"%s\",\"rows\":%" PRId64
           ",\"seconds\":%.4f,\"bytes\":%" PRIu64 ",\"peak_rss_kb\":%ld,\"threads\":%u}\n",
           codec, rows, t, size, peak_kb(), threads);
    sm_pq_writer_free(w);
    sm_pool_free(pool);
    sm_batch_free(b);
    sm_store_close(st);
    sm_type_free(schema);
    return 0;
}

int bench_read(const char *path, const char *codec); /* bench/parquet_read.c */

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "write") == 0)
        return do_write(argv[2], strtoll(argv[3], NULL, 10), argv[4]);
    if (argc == 4 && strcmp(argv[1], "read") == 0)
        return bench_read(argv[2], argv[3]);
    fprintf(stderr, "usage: parquet write PATH ROWS CODEC | parquet read PATH CODEC\n");
    return 2;
}
