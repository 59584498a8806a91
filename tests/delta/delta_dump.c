/*
 * delta_dump — prints every row of a Delta table read by smelt (snapshot +
 * delta/scan) as one JSON object per line, in the canonical rendering that
 * tests/corpus/pq_compare.py produces from pyarrow (and
 * tests/delta/delta_compare.py from delta-rs):
 *   null, true/false, integers as numbers, floats with %.17g (NaN,
 *   Infinity, -Infinity as strings), decimals as exact strings, dates as
 *   day numbers, timestamps as microseconds, strings as JSON strings,
 *   binary as hex strings, lists as arrays, structs as objects, maps as
 *   arrays of [key, value].
 *
 *   delta_dump [--version N] [--batch N] [--count | --files]
 *              [--optimize [--sort-by COL]] [--vacuum] LOCATION
 * --count prints only "<version> <rows>"; --files prints "version <v>" and
 * then the live data files' paths (percent-decoded), one per line, sorted.
 * --optimize compacts the table first (delta/optimize, 1 MiB target,
 * optionally sorted by one column); --vacuum then deletes every file no
 * longer referenced and the log before the newest checkpoint (retention 0,
 * forced) — for the interop tests of smelt's maintenance commits.  Exit status 0 on success; 1
 * with "error: <message>" on stderr.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon_json.h"

#include "delta/commit.h"
#include "delta/optimize.h"
#include "delta/scan.h"
#include "delta/vacuum.h"
#include "delta/snapshot.h"
int main(int argc, char **argv)
{
    const char *loc = NULL;
    sm_delta_at_t at = {.kind = SM_DELTA_AT_LATEST};
    sm_delta_scan_opts_t so = {0};
    bool count = false, files = false, optimize = false, vacuum = false;
    const char *sort_by = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version") && i + 1 < argc) {
            at.kind = SM_DELTA_AT_VERSION;
            at.version = strtoll(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            so.batch_rows = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--count")) {
            count = true;
        } else if (!strcmp(argv[i], "--files")) {
            files = true;
        } else if (!strcmp(argv[i], "--optimize")) {
            optimize = true;
        } else if (!strcmp(argv[i], "--vacuum")) {
            vacuum = true;
        } else if (!strcmp(argv[i], "--sort-by") && i + 1 < argc) {
            sort_by = argv[++i];
        } else {
            loc = argv[i];
        }
    }
    if (!loc) {
        fprintf(stderr,
                "usage: delta_dump [--version N] [--batch N] [--count | --files] LOCATION\n");
        return 2;
    }
    sm_error_t e = {0};
    sm_store_t *st = NULL;
    sm_delta_snapshot_t *snap = NULL;
    sm_delta_scan_t *scan = NULL;
    int64_t rows = 0;
    sm_err_t rc = sm_store_open(loc, &st, &e);
    if (!rc && optimize) {
        sm_delta_optimize_opts_t oo = {.target_bytes = 1 << 20,
                                       .sort_by = &sort_by,
                                       .nsort_by = sort_by ? 1 : 0,
                                       .parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
        sm_delta_optimize_result_t r;
        rc = sm_delta_optimize(st, "", &oo, &r, &e);
        if (!rc)
            fprintf(stderr, "optimize: version %" PRId64 ", %" PRId64 " files into %" PRId64 "\n",
                    r.version, r.files_removed, r.files_added);
    }
    if (!rc && vacuum) {
        sm_delta_vacuum_opts_t vo = {.retain_hours = 0,
                                     .force = true,
                                     .clean_log = true,
                                     .log_retain_hours = 0,
                                     .now_ms = sm_delta_now_ms() + 1000};
        sm_delta_vacuum_result_t r;
        rc = sm_delta_vacuum(st, "", &vo, &r, &e);
        if (!rc)
            fprintf(stderr, "vacuum: %zu data files, %zu log files\n", r.nfiles, r.nlog_files);
        sm_delta_vacuum_result_free(&r);
    }
    if (!rc)
        rc = sm_delta_snapshot_load(st, "", &at, &snap, &e);
    if (!rc && files) {
        printf("version %" PRId64 "\n", snap->version);
        for (size_t i = 0; i < snap->nfiles; i++) /* sorted by path */
            printf("%s\n", snap->files[i].path);
    }
    if (!rc && !files)
        rc = sm_delta_scan_open(st, snap, &so, &scan, &e);
    while (!rc && !files) {
        sm_batch_t *b = NULL;
        rc = sm_delta_scan_next(scan, &b, &e);
        if (rc || !b)
            break;
        rows += (int64_t)b->nrows;
        for (size_t i = 0; !count && i < b->nrows; i++) {
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
    if (!rc && count)
        printf("%" PRId64 " %" PRId64 "\n", snap->version, rows);
    int status = 0;
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", e.msg);
        status = 1;
    }
    sm_delta_scan_close(scan);
    sm_delta_snapshot_free(snap);
    sm_store_close(st);
    return status;
}
