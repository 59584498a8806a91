/* smelt optimize — compact a table's small files, optionally sorted. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/mem.h"
#include "delta/optimize.h"

int sm_cmd_optimize(sm_cli_ctx_t *ctx, int argc, char **argv);

/* "128MiB", "64MB", "1g", "1048576" → bytes; 0 when malformed. */
static uint64_t parse_size(const char *s)
{
    char *end;
    double n = strtod(s, &end);
    if (end == s || !(n > 0))
        return 0;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1024.0},
                 {"kb", 1000.0},
                 {"kib", 1024.0},
                 {"m", 1048576.0},
                 {"mb", 1e6},
                 {"mib", 1048576.0},
                 {"g", 1073741824.0},
                 {"gb", 1e9},
                 {"gib", 1073741824.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            double b = n * units[i].mult;
            return b >= 1 && b < 1e15 ? (uint64_t)b : 0;
        }
    }
    return 0;
}

int sm_cmd_optimize(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"sort-by", required_argument, NULL, 's'},
                                         {"target-size", required_argument, NULL, 't'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    sm_delta_optimize_opts_t oo = {.parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
    char *sortbuf = NULL;
    const char *cols[64];
    int c, format = SM_PRINT_TABLE, status;
    while ((c = sm_cli_getopt("optimize", argc, argv, "hs:t:f:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt optimize [--sort-by COL[,COL...]] [--target-size SIZE]\n"
                   "                      [--format table|csv|json] TABLE\n\n"
                   "Compacts the small files of each partition of TABLE into files of\n"
                   "about SIZE (default 128MiB; units B, KiB/K, MiB/M, GiB/G, KB, MB, GB)\n"
                   "in one commit that changes no data (concurrent appends go on).  With\n"
                   "--sort-by, every file of a partition is rewritten with its rows sorted\n"
                   "by those columns (one output file's rows are held in memory).\n");
            sm_free(sortbuf);
            return SM_EXIT_OK;
        }
        if (c == 's') {
            sm_free(sortbuf);
            if (!(sortbuf = sm_strdup(optarg)))
                return SM_EXIT_FAIL;
            oo.nsort_by = 0;
            for (char *save = NULL, *tok = strtok_r(sortbuf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                while (isspace((unsigned char)*tok))
                    tok++;
                if (!*tok)
                    continue;
                if (oo.nsort_by == sizeof cols / sizeof cols[0]) {
                    sm_free(sortbuf);
                    return sm_cli_usage_error("optimize", "--sort-by takes at most 64 columns");
                }
                cols[oo.nsort_by++] = tok;
            }
            oo.sort_by = cols;
            continue;
        }
        if (c == 't') {
            if (!(oo.target_bytes = parse_size(optarg))) {
                sm_free(sortbuf);
                return sm_cli_usage_error(
                    "optimize", "--target-size takes a size such as 128MiB, not \"%s\"", optarg);
            }
            continue;
        }
        if (c == 'f' && (format = sm_cli_format("optimize", optarg)) >= 0)
            continue;
        sm_free(sortbuf);
        return SM_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        sm_free(sortbuf);
        return sm_cli_usage_error("optimize", "expected one TABLE");
    }
    sm_lake_t *lake = NULL;
    if ((status = sm_cli_open_lake(ctx, "optimize", &lake))) {
        sm_free(sortbuf);
        return status;
    }
    sm_error_t e;
    sm_lake_table_t t = {0};
    sm_delta_optimize_result_t r;
    sm_batch_t *b = NULL;
    if (sm_lake_resolve(lake, argv[optind], &t, &e) ||
        sm_delta_optimize(t.store, t.prefix, &oo, &r, &e)) {
        status = sm_cli_fail("optimize", &e);
        goto out;
    }
    b = sm_cli_batch("optimize", "struct<version:bigint,partitions:bigint,files_removed:bigint,"
                                 "files_added:bigint,bytes_removed:bigint,bytes_added:bigint,"
                                 "rows:bigint>");
    char v[7][32];
    snprintf(v[0], 32, "%" PRId64, r.version);
    snprintf(v[1], 32, "%" PRId64, r.partitions);
    snprintf(v[2], 32, "%" PRId64, r.files_removed);
    snprintf(v[3], 32, "%" PRId64, r.files_added);
    snprintf(v[4], 32, "%" PRIu64, r.bytes_removed);
    snprintf(v[5], 32, "%" PRIu64, r.bytes_added);
    snprintf(v[6], 32, "%" PRId64, r.rows);
    const char *cells[] = {r.version >= 0 ? v[0] : NULL, v[1], v[2], v[3], v[4], v[5], v[6]};
    if (b && sm_batch_append_row(b, cells, &e)) {
        status = sm_cli_fail("optimize", &e);
        goto out;
    }
    status = b ? sm_cli_print("optimize", format, b->schema, (const sm_batch_t *const *)&b, 1)
               : SM_EXIT_FAIL;
    if (status == SM_EXIT_OK && format == SM_PRINT_TABLE && r.version < 0)
        fprintf(stderr, "optimize %s: nothing to compact\n", t.name);
out:
    sm_free(sortbuf);
    sm_batch_free(b);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return status;
}
