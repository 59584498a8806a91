/* smelt gen northwind — Northwind-shaped data of any size, straight into
 * the lake's bronze tables or into PostgreSQL (pipeline/gen.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/config.h"
#include "pipeline/gen.h"

/* Declared here as well: commands.h declares it once commands.def lists
 * the command. */
int sm_cmd_gen(sm_cli_ctx_t *ctx, int argc, char **argv);

static void usage(void)
{
    printf("usage: smelt gen northwind --scale N [--seed S] [--to bronze|postgres] [--replace]\n"
           "                 [--format table|csv|json]\n\n"
           "Generates Northwind-shaped data: the real categories (8), products (77)\n"
           "and employees (9), customers x N (91 N, countries as in the real data),\n"
           "orders x N (830 N, 1996-07-04..1998-05-06) and about 2155 N order lines,\n"
           "with the real tables' columns and PostgreSQL types; the same seed gives\n"
           "the same rows.\n\n"
           "  --to bronze    (default) bronze.<table> of the lake, as `smelt run` would\n"
           "                 write them today (today's partition is replaced)\n"
           "  --to postgres  the database of postgres.url / SMELT_POSTGRES_URL or the\n"
           "                 PG* variables, through COPY in one transaction; absent\n"
           "                 tables are created; --replace empties the six tables first\n"
           "                 (otherwise tables that already have rows are an error)\n\n"
           "Prints the rows, bytes and seconds of each table.\n");
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int print_result(const char *to, int format, const sm_gen_result_t *r, double total)
{
    sm_batch_t *b =
        sm_cli_batch("gen", "struct<table:string,rows:bigint,bytes:bigint,seconds:double>");
    if (!b)
        return SM_EXIT_FAIL;
    char rows[32], bytes[32], secs[32], name[64];
    int64_t nrows = 0;
    uint64_t nbytes = 0;
    for (int t = 0; t < SM_GEN_NTABLES; t++) {
        snprintf(name, sizeof name, "%s%s", strcmp(to, "bronze") == 0 ? "bronze." : "",
                 sm_gen_table_name((sm_gen_table_t)t));
        snprintf(rows, sizeof rows, "%" PRId64, r->rows[t]);
        snprintf(bytes, sizeof bytes, "%" PRIu64, r->bytes[t]);
        snprintf(secs, sizeof secs, "%.3f", r->seconds[t]);
        const char *cells[] = {name, rows, bytes, secs};
        sm_batch_append_row(b, cells, NULL);
        nrows += r->rows[t];
        nbytes += r->bytes[t];
    }
    snprintf(rows, sizeof rows, "%" PRId64, nrows);
    snprintf(bytes, sizeof bytes, "%" PRIu64, nbytes);
    snprintf(secs, sizeof secs, "%.3f", total);
    const char *cells[] = {"total", rows, bytes, secs};
    sm_batch_append_row(b, cells, NULL);
    int status = sm_cli_print("gen", format, b->schema, (const sm_batch_t *const *)&b, 1);
    sm_batch_free(b);
    return status;
}

int sm_cmd_gen(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"scale", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"to", required_argument, NULL, 't'},
                                         {"replace", no_argument, NULL, 'r'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    bool replace = false, have_scale = false;
    const char *to = "bronze";
    sm_gen_opts_t go = {.scale = 1, .seed = 0};
    int64_t v;
    while ((c = sm_cli_getopt("gen", argc, argv, "hn:s:t:rf:", opts)) != -1) {
        switch (c) {
        case 'h':
            usage();
            return SM_EXIT_OK;
        case 'n':
            if (parse_i64(optarg, 1, SM_GEN_MAX_SCALE, &go.scale))
                return sm_cli_usage_error("gen", "--scale wants a whole number 1..%d, not \"%s\"",
                                          SM_GEN_MAX_SCALE, optarg);
            have_scale = true;
            break;
        case 's':
            if (parse_i64(optarg, 0, INT64_MAX, &v))
                return sm_cli_usage_error("gen", "--seed wants a whole number >= 0, not \"%s\"",
                                          optarg);
            go.seed = (uint64_t)v;
            break;
        case 't':
            if (strcmp(optarg, "bronze") && strcmp(optarg, "postgres"))
                return sm_cli_usage_error("gen", "--to is bronze or postgres, not \"%s\"", optarg);
            to = optarg;
            break;
        case 'r':
            replace = true;
            break;
        case 'f':
            if ((format = sm_cli_format("gen", optarg)) < 0)
                return SM_EXIT_USAGE;
            break;
        default:
            return SM_EXIT_USAGE;
        }
    }
    if (optind >= argc || strcmp(argv[optind], "northwind") != 0)
        return sm_cli_usage_error("gen", "the only data set is \"northwind\": smelt gen northwind "
                                         "--scale N");
    if (optind + 1 < argc)
        return sm_cli_usage_error("gen", "unexpected argument \"%s\"", argv[optind + 1]);
    if (!have_scale)
        return sm_cli_usage_error("gen", "--scale N is required");
    if (replace && strcmp(to, "postgres") != 0)
        return sm_cli_usage_error("gen", "--replace applies to --to postgres");

    sm_gen_result_t res;
    sm_error_t e;
    int64_t t0 = sm_clock_mono_ns();
    sm_err_t rc;
    if (strcmp(to, "bronze") == 0) {
        sm_lake_t *lake = NULL;
        int status = sm_cli_open_lake(ctx, "gen", &lake);
        if (status)
            return status;
        rc = sm_gen_to_bronze(lake, &go, 0, &res, &e);
        sm_lake_close(lake);
    } else {
        int status = sm_cli_load(ctx);
        if (status)
            return status;
        rc = sm_gen_to_postgres(sm_config_get_str(ctx->config, "postgres.url"), &go, replace, &res,
                                &e);
    }
    if (rc)
        return sm_cli_fail("gen", &e);
    return print_result(to, format, &res, (double)(sm_clock_mono_ns() - t0) / 1e9);
}
