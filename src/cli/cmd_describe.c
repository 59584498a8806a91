/* smelt describe — a table's schema, partitioning, version and files. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "delta/snapshot.h"

static bool is_partition(const sm_delta_snapshot_t *s, const char *name)
{
    for (size_t i = 0; i < s->metadata.n_partition_columns; i++)
        if (strcmp(s->metadata.partition_columns[i], name) == 0)
            return true;
    return false;
}

static int print_files(const sm_delta_snapshot_t *s, int format)
{
    sm_batch_t *b =
        sm_cli_batch("describe", "struct<path:string,bytes:bigint,partition:string,stats:string>");
    if (!b)
        return SM_EXIT_FAIL;
    sm_error_t e;
    int status = SM_EXIT_OK;
    for (size_t i = 0; i < s->nfiles && !status; i++) {
        const sm_delta_file_t *f = &s->files[i];
        char size[32], part[512] = "";
        snprintf(size, sizeof size, "%" PRId64, f->size);
        size_t used = 0;
        for (size_t k = 0; k < f->n_partition_values && used < sizeof part; k++)
            used += (size_t)snprintf(part + used, sizeof part - used, "%s%s=%s", k ? "/" : "",
                                     f->partition_values[k].key,
                                     f->partition_values[k].value ? f->partition_values[k].value
                                                                  : "null");
        const char *cells[] = {f->path, size, part, f->stats};
        if (sm_batch_append_row(b, cells, &e))
            status = sm_cli_fail("describe", &e);
    }
    if (!status)
        status = sm_cli_print("describe", format, b->schema, (const sm_batch_t *const *)&b, 1);
    sm_batch_free(b);
    return status;
}

int sm_cmd_describe(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"version", required_argument, NULL, 'v'},
                                         {"files", no_argument, NULL, 'F'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    bool files = false;
    sm_delta_at_t at = {.kind = SM_DELTA_AT_LATEST};
    while ((c = sm_cli_getopt("describe", argc, argv, "hf:v:F", opts)) != -1) {
        if (c == 'h') {
            printf(
                "usage: smelt describe [--version N] [--files] [--format table|csv|json] TABLE\n\n"
                "Shows a table's columns (type, nullability, partitioning); with --files\n"
                "its live data files.  TABLE is layer.table in the lake, or\n"
                "delta.`/path/or/s3://uri` for any Delta table.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("describe", optarg)) >= 0)
            continue;
        if (c == 'F') {
            files = true;
            continue;
        }
        if (c == 'v') {
            char *end;
            at.kind = SM_DELTA_AT_VERSION;
            at.version = strtoll(optarg, &end, 10);
            if (*end || at.version < 0)
                return sm_cli_usage_error("describe",
                                          "--version takes a version number, not \"%s\"", optarg);
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return sm_cli_usage_error("describe", "expected one TABLE");
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "describe", &lake);
    if (status)
        return status;
    sm_error_t e;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *s = NULL;
    sm_batch_t *b = NULL;
    if (sm_lake_resolve(lake, argv[optind], &t, &e) ||
        sm_delta_snapshot_load(t.store, t.prefix, &at, &s, &e)) {
        status = sm_cli_fail("describe", &e);
        goto out;
    }
    if (files) {
        status = print_files(s, format);
        goto out;
    }
    if (format == SM_PRINT_TABLE)
        printf("%s  version %" PRId64 ", %zu files, %" PRId64 " bytes\n", t.location, s->version,
               s->nfiles, s->total_bytes);
    b = sm_cli_batch("describe",
                     "struct<column:string,type:string,nullable:boolean,partition:boolean>");
    for (uint32_t i = 0; b && i < s->schema->nfields; i++) {
        const sm_field_t *f = &s->schema->fields[i];
        char type[256];
        sm_type_name(f->type, type, sizeof type);
        const char *cells[] = {f->name, type, f->nullable ? "true" : "false",
                               is_partition(s, f->name) ? "true" : "false"};
        if (sm_batch_append_row(b, cells, &e)) {
            status = sm_cli_fail("describe", &e);
            goto out;
        }
    }
    status = b ? sm_cli_print("describe", format, b->schema, (const sm_batch_t *const *)&b, 1)
               : SM_EXIT_FAIL;
out:
    sm_batch_free(b);
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return status;
}
