/*
 * bench/s3 — PUT and GET throughput of smelt's S3 client against an S3
 * endpoint (AWS_* variables), one JSON line per operation:
 *   s3 put|get s3://bucket/key MIB [single]
 * put streams MIB MiB through the store's writer (multipart, parts in
 * flight); get reads the whole object back into memory (parallel ranged
 * GETs above the store's split size; "single": one GET stream).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "store/store.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if ((argc != 4 && !(argc == 5 && strcmp(argv[4], "single") == 0)) ||
        (strcmp(argv[1], "put") && strcmp(argv[1], "get"))) {
        fprintf(stderr, "usage: s3 put|get s3://bucket/key MIB [single]\n");
        return 2;
    }
    const char *uri = argv[2];
    size_t mib = strtoul(argv[3], NULL, 10);
    const char *slash = strchr(uri + 5, '/');
    if (strncmp(uri, "s3://", 5) != 0 || !slash) {
        fprintf(stderr, "s3: expected s3://bucket/key\n");
        return 2;
    }
    char loc[512];
    snprintf(loc, sizeof loc, "%.*s", (int)(slash - uri), uri);
    const char *key = slash + 1;
    sm_error_t e;
    sm_store_t *st = NULL;
    sm_store_opts_t opts = {0};
    if (argc == 5)
        opts.get_split_size = SIZE_MAX;
    if (sm_store_open_ex(loc, &opts, &st, &e)) {
        fprintf(stderr, "s3: %s\n", e.msg);
        return 1;
    }
    size_t bytes = mib << 20;
    double t0 = now(), t;
    sm_err_t rc;
    if (argv[1][0] == 'p') {
        static uint8_t chunk[1 << 20];
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (uint8_t)(i * 131u + 7u);
        sm_store_writer_t *w = NULL;
        rc = sm_store_writer_open(st, key, 0, &w, &e);
        for (size_t i = 0; !rc && i < mib; i++)
            rc = sm_store_writer_write(w, chunk, sizeof chunk, &e);
        if (!rc) {
            rc = sm_store_writer_commit(w, &e);
            w = NULL;
        }
        sm_store_writer_abort(w);
    } else {
        sm_buf_t b = SM_BUF_INIT;
        rc = sm_store_get(st, key, 0, &b, &e);
        bytes = b.len;
        sm_buf_free(&b);
    }
    t = now() - t0;
    sm_store_close(st);
    if (rc) {
        fprintf(stderr, "s3: %s\n", e.msg);
        return 1;
    }
    printf("{\"engine\":\"smelt\",\"op\":\"%s%s\",\"bytes\":%zu,\"seconds\":%.4f}\n", argv[1],
           argc == 5 ? "-single" : "", bytes, t);
    return 0;
}
