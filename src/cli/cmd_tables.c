/* smelt tables — the lake's Delta tables with their version, files and size. */
#include <inttypes.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "delta/snapshot.h"

int sm_cmd_tables(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    while ((c = sm_cli_getopt("tables", argc, argv, "hf:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt tables [--format table|csv|json]\n\n"
                   "Lists the Delta tables of the lake (--lake, SMELT_LAKE or smelt.yaml) as\n"
                   "layer.table names, with their current version, live files, bytes and rows.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("tables", optarg)) >= 0)
            continue;
        return SM_EXIT_USAGE;
    }
    if (optind < argc)
        return sm_cli_usage_error("tables", "unexpected argument \"%s\"", argv[optind]);
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "tables", &lake);
    if (status)
        return status;
    sm_error_t e;
    char **names = NULL;
    size_t n = 0;
    sm_batch_t *b = NULL;
    if (sm_lake_list_tables(lake, &names, &n, &e)) {
        status = sm_cli_fail("tables", &e);
        goto out;
    }
    b = sm_cli_batch("tables", "struct<table:string,version:bigint,files:bigint,bytes:bigint>");
    if (!b) {
        status = SM_EXIT_FAIL;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sm_lake_table_t t;
        sm_delta_snapshot_t *s = NULL;
        if (sm_lake_resolve(lake, names[i], &t, &e) ||
            sm_delta_snapshot_load(t.store, t.prefix, NULL, &s, &e)) {
            fprintf(stderr, "smelt tables: %s: %s\n", names[i], e.msg);
            sm_lake_table_free(&t);
            continue;
        }
        char v[32], f[32], by[32];
        snprintf(v, sizeof v, "%" PRId64, s->version);
        snprintf(f, sizeof f, "%zu", s->nfiles);
        snprintf(by, sizeof by, "%" PRId64, s->total_bytes);
        const char *cells[] = {names[i], v, f, by};
        sm_err_t rc = sm_batch_append_row(b, cells, &e);
        sm_delta_snapshot_free(s);
        sm_lake_table_free(&t);
        if (rc) {
            status = sm_cli_fail("tables", &e);
            goto out;
        }
    }
    status = sm_cli_print("tables", format, b->schema, (const sm_batch_t *const *)&b, 1);
out:
    sm_batch_free(b);
    sm_lake_names_free(names, n);
    sm_lake_close(lake);
    return status;
}
