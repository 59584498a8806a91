/*
 * fuzz_connect_csv — any bytes through the CSV reader (connect/csv.c):
 * the first byte picks options (chunk size, escape, header, skip bad
 * rows, comment), the rest is the file.  Must never crash, hang or leak;
 * every batch must have columns of equal length, and reading with a
 * 1 MiB chunk and a tiny chunk must agree on success and row count.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "connect/files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(const uint8_t *data, size_t size, const sm_file_opts_t *o, uint64_t *rows)
{
    sm_file_source_t *src = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_file_source_open_mem(data, size, "f.csv", SM_FILE_CSV, o, &src, NULL);
    while (!rc && !(rc = sm_file_source_next(src, &b, NULL)) && b) {
        for (size_t c = 0; c < b->ncols; c++)
            if (b->cols[c]->len != b->nrows)
                abort();
        if (b->nrows == 0 || b->nrows > o->batch_rows)
            abort();
        sm_batch_free(b);
    }
    *rows = src ? sm_file_source_rows(src) : 0;
    sm_file_source_close(src);
    return rc != SM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t k = data[0];
    sm_file_opts_t o = {
        .chunk_bytes = 1 + (k & 7),
        .batch_rows = 3,
        .escape = (k & 8) ? '\\' : 0,
        .no_header = (k & 16) != 0,
        .skip_bad_rows = (k & 32) != 0,
        .comment = (k & 64) ? '#' : 0,
        .max_record_bytes = 512,
        .max_columns = 64,
    };
    uint64_t r1, r2;
    int f1 = run(data + 1, size - 1, &o, &r1);
    o.chunk_bytes = 1 << 20;
    int f2 = run(data + 1, size - 1, &o, &r2);
    if (f1 != f2 || (!f1 && r1 != r2))
        abort();
    return 0;
}
