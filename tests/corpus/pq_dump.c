/*
 * pq_dump — prints every row of a Parquet file read by smelt's reader as
 * one JSON object per line, in the canonical rendering that
 * tests/corpus/pq_compare.py also produces from pyarrow:
 *   null, true/false, integers as numbers, floats with %.17g (NaN,
 *   Infinity, -Infinity as strings), decimals as exact strings, dates as
 *   day numbers, timestamps as microseconds, strings as JSON strings,
 *   binary as hex strings, lists as arrays, structs as objects, maps as
 *   arrays of [key, value].
 *
 *   pq_dump [--batch N] [--no-crc] [--columns a,b] FILE
 * Exit status 0 on success; 1 with "error: <message>" on stderr.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon_json.h"
#include <sys/stat.h>

#include "core/mem.h"
#include "parquet/reader.h"

int main(int argc, char **argv)
{
    sm_pq_reader_opts_t o = {.verify_crc = true};
    const char *path = NULL;
    char *cols[256];
    size_t ncols = 0;
    char *colbuf = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            o.batch_rows = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--no-crc")) {
            o.verify_crc = false;
        } else if (!strcmp(argv[i], "--columns") && i + 1 < argc) {
            colbuf = strdup(argv[++i]);
            for (char *t = strtok(colbuf, ","); t && ncols < 256; t = strtok(NULL, ","))
                cols[ncols++] = t;
            o.columns = (const char *const *)cols;
            o.ncolumns = ncols;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "usage: pq_dump [--batch N] [--no-crc] [--columns a,b] FILE\n");
        return 2;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s\n", path);
        return 1;
    }
    struct stat stt;
    fstat(fileno(f), &stt);
    size_t size = (size_t)stt.st_size;
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "error: cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    sm_error_t e = {0};
    sm_pq_reader_t *r = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    sm_err_t rc = sm_pq_reader_open_mem(data, size, base, &o, &r, &e);
    int status = 0;
    while (!rc) {
        sm_batch_t *b = NULL;
        rc = sm_pq_reader_next(r, &b, &e);
        if (rc || !b)
            break;
        for (size_t i = 0; i < b->nrows; i++) {
            putchar('{');
            for (size_t c = 0; c < b->ncols; c++) {
                if (c)
                    putchar(',');
                const char *name = b->schema->fields[c].name;
                canon_put_str((const uint8_t *)name, strlen(name));
                putchar(':');
                canon_put_value(b->cols[c], i);
            }
            printf("}\n");
        }
        sm_batch_free(b);
    }
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", e.msg);
        status = 1;
    }
    sm_pq_reader_close(r);
    free(data);
    free(colbuf);
    return status;
}
