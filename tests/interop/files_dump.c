/*
 * files_dump — reads a CSV / JSON lines / JSON array / Parquet file with
 * smelt's file sources (connect/files.h), for the interop tier.
 *   files_dump FILE [FORMAT]        schema on the first line, then JSON lines
 *   files_dump --bench FILE [N]     reads FILE N times (default 3) and prints
 *                                   the best "MB/s rows" without output
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "columnar/print.h"
#include "connect/files.h"
#include "core/mem.h"

static int split(const char *path, char **dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    *dir = slash ? sm_strndup(path, (size_t)(slash - path)) : sm_strdup(".");
    *base = slash ? slash + 1 : path;
    return *dir ? 0 : -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    bool bench = argc > 1 && strcmp(argv[1], "--bench") == 0;
    if (argc < 2 + bench) {
        fprintf(stderr, "usage: files_dump [--bench] FILE [FORMAT|N]\n");
        return 2;
    }
    char *dir = NULL;
    const char *base;
    sm_store_t *st = NULL;
    sm_error_t e;
    sm_file_format_t f = SM_FILE_AUTO;
    int status = 1;
    if (split(argv[1 + bench], &dir, &base) || sm_store_open(dir, &st, &e))
        goto out;
    if (!bench && argc > 2 && sm_file_format_parse(argv[2], &f, &e))
        goto out;
    int reps = bench && argc > 3 ? atoi(argv[3]) : (bench ? 3 : 1);
    double best = 1e30;
    uint64_t rows = 0, bytes = 0;
    for (int r = 0; r < reps; r++) {
        sm_file_source_t *src = NULL;
        sm_batch_t *b = NULL;
        sm_buf_t out = SM_BUF_INIT;
        double t0 = now();
        sm_err_t rc = sm_file_source_open(st, base, f, NULL, &src, &e);
        if (!rc && !bench) {
            rc = sm_type_format(sm_file_source_schema(src), &out, &e);
            if (!rc) {
                fwrite(out.data, 1, out.len, stdout);
                fputc('\n', stdout);
            }
        }
        while (!rc && !(rc = sm_file_source_next(src, &b, &e)) && b) {
            if (!bench) {
                sm_buf_reset(&out);
                rc = sm_print_json_rows(b, &out, &e);
                fwrite(out.data, 1, out.len, stdout);
            }
            sm_batch_free(b);
        }
        if (src) {
            rows = sm_file_source_rows(src);
            bytes = sm_file_source_bytes_read(src);
        }
        sm_file_source_close(src);
        sm_buf_free(&out);
        if (rc)
            goto out;
        double t = now() - t0;
        best = t < best ? t : best;
    }
    if (bench)
        printf("%.1f MB/s %llu rows %.3f s (%llu bytes read incl. inference)\n",
               (double)bytes / best / 1e6, (unsigned long long)rows, best,
               (unsigned long long)bytes);
    status = 0;
out:
    if (status)
        fprintf(stderr, "files_dump: %s\n", e.msg);
    sm_store_close(st);
    sm_free(dir);
    return status;
}
