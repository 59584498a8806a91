/* smelt history — a table's commits, newest first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "columnar/text.h"
#include "delta/history.h"

int sm_cmd_history(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    long limit = 0;
    while ((c = sm_cli_getopt("history", argc, argv, "hf:n:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt history [--limit N] [--format table|csv|json] TABLE\n\n"
                   "Lists the commits of a Delta table, newest first: version, time,\n"
                   "operation, its parameters, files added and removed, rows added.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("history", optarg)) >= 0)
            continue;
        if (c == 'n') {
            char *end;
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1)
                return sm_cli_usage_error("history", "--limit takes a positive number, not \"%s\"",
                                          optarg);
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return sm_cli_usage_error("history", "expected one TABLE");
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "history", &lake);
    if (status)
        return status;
    sm_error_t e;
    sm_lake_table_t t = {0};
    sm_delta_history_entry_t *h = NULL;
    size_t n = 0;
    sm_batch_t *b = NULL;
    if (sm_lake_resolve(lake, argv[optind], &t, &e) ||
        sm_delta_history(t.store, t.prefix, (size_t)limit, &h, &n, &e)) {
        status = sm_cli_fail("history", &e);
        goto out;
    }
    b = sm_cli_batch("history", "struct<version:bigint,timestamp:timestamp,operation:string,"
                                "parameters:string,added:bigint,removed:bigint,rows:bigint>");
    for (size_t i = 0; b && i < n; i++) {
        char v[32], ts[SM_FMT_TIMESTAMP_MAX], add[32], rm[32], rows[32];
        snprintf(v, sizeof v, "%" PRId64, h[i].version);
        sm_fmt_timestamp(h[i].timestamp_ms * 1000, SM_TS_ISO_Z, ts);
        snprintf(add, sizeof add, "%" PRId64, h[i].adds);
        snprintf(rm, sizeof rm, "%" PRId64, h[i].removes);
        snprintf(rows, sizeof rows, "%" PRId64, h[i].rows_added);
        const char *cells[] = {
            v, ts, h[i].operation, h[i].parameters, add, rm, h[i].rows_added >= 0 ? rows : NULL};
        if (sm_batch_append_row(b, cells, &e)) {
            status = sm_cli_fail("history", &e);
            goto out;
        }
    }
    status = b ? sm_cli_print("history", format, b->schema, (const sm_batch_t *const *)&b, 1)
               : SM_EXIT_FAIL;
out:
    sm_batch_free(b);
    sm_delta_history_free(h, n);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return status;
}
