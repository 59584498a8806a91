/* smelt vacuum — delete the data files (and expired log files) that no
 * retained version of a table needs. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "delta/vacuum.h"

int sm_cmd_vacuum(sm_cli_ctx_t *ctx, int argc, char **argv);

int sm_cmd_vacuum(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"retain", required_argument, NULL, 'r'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"force", no_argument, NULL, 'F'},
                                         {"keep-log", no_argument, NULL, 'k'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    sm_delta_vacuum_opts_t vo = {.retain_hours = -1, .log_retain_hours = -1, .clean_log = true};
    int c, format = SM_PRINT_TABLE;
    while ((c = sm_cli_getopt("vacuum", argc, argv, "hr:nFkf:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt vacuum [--retain HOURS] [--dry-run] [--force] [--keep-log]\n"
                   "                    [--format table|csv|json] TABLE\n\n"
                   "Deletes the data files of TABLE that no version within the retention\n"
                   "period needs (default: the table's delta.deletedFileRetentionDuration,\n"
                   "else 168 hours), and the log files of versions older than the newest\n"
                   "checkpoint past the log retention (delta.logRetentionDuration, else 30\n"
                   "days; --keep-log keeps them).  Files written in the retention period\n"
                   "are never deleted.  A retention below 168 hours is refused without\n"
                   "--force: readers of older versions and running writers may need the\n"
                   "files.  --dry-run lists what would be deleted.\n");
            return SM_EXIT_OK;
        }
        if (c == 'r') {
            char *end;
            vo.retain_hours = strtod(optarg, &end);
            if (*end || end == optarg || !isfinite(vo.retain_hours) || vo.retain_hours < 0)
                return sm_cli_usage_error(
                    "vacuum", "--retain takes hours (a number >= 0), not \"%s\"", optarg);
            continue;
        }
        if (c == 'n' || c == 'F' || c == 'k') {
            vo.dry_run |= c == 'n';
            vo.force |= c == 'F';
            vo.clean_log &= c != 'k';
            continue;
        }
        if (c == 'f' && (format = sm_cli_format("vacuum", optarg)) >= 0)
            continue;
        return SM_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return sm_cli_usage_error("vacuum", "expected one TABLE");
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "vacuum", &lake);
    if (status)
        return status;
    sm_error_t e;
    sm_lake_table_t t = {0};
    sm_delta_vacuum_result_t r = {0};
    sm_batch_t *b = NULL;
    if (sm_lake_resolve(lake, argv[optind], &t, &e) ||
        sm_delta_vacuum(t.store, t.prefix, &vo, &r, &e)) {
        status = sm_cli_fail("vacuum", &e);
        goto out;
    }
    b = sm_cli_batch("vacuum", "struct<action:string,kind:string,file:string>");
    const char *action = vo.dry_run ? "would delete" : "deleted";
    for (size_t i = 0; b && i < r.nfiles + r.nlog_files; i++) {
        bool data = i < r.nfiles;
        const char *cells[] = {action, data ? "data" : "log",
                               data ? r.files[i] : r.log_files[i - r.nfiles]};
        if (sm_batch_append_row(b, cells, &e)) {
            status = sm_cli_fail("vacuum", &e);
            goto out;
        }
    }
    status = b ? sm_cli_print("vacuum", format, b->schema, (const sm_batch_t *const *)&b, 1)
               : SM_EXIT_FAIL;
    if (status == SM_EXIT_OK && format == SM_PRINT_TABLE)
        fprintf(stderr,
                "vacuum %s at version %" PRId64 ": %s %zu data file(s) (%" PRIu64
                " bytes) and %zu log file(s), retention %g hours\n",
                t.name, r.version, action, r.nfiles, r.bytes, r.nlog_files, r.retain_hours);
out:
    sm_batch_free(b);
    sm_delta_vacuum_result_free(&r);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return status;
}
