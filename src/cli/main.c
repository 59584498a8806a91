/* smelt — the commands' entry point (sm_cli_main, called by the launcher):
 * global options, then dispatch to a subcommand. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/help.h"

static const sm_cli_cmd_t commands[] = {
#define SM_CLI_COMMAND(name, summary, fn) {name, summary, fn},
#include "cli/commands.def"
#undef SM_CLI_COMMAND
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int sm_cli_fail(const char *cmd, const sm_error_t *e)
{
    fprintf(stderr, "smelt %s: %s\n", cmd, e && e->msg[0] ? e->msg : "failed");
    return SM_EXIT_FAIL;
}

int sm_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "smelt%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see `smelt %s%s--help`)\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    return SM_EXIT_USAGE;
}

SM_CLI_EXPORT int sm_cli_main(int argc, char **argv)
{
    sm_cli_ctx_t ctx = {.prog = "smelt"};
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"project", required_argument, NULL, 'p'},
        {"lake", required_argument, NULL, 'l'},
        {"log-level", required_argument, NULL, 'L'},
        {"log-format", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    /* "+": stop at the first non-option, which is the command. */
    while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            sm_cli_print_help(stdout);
            return SM_EXIT_OK;
        case 'V':
            printf("smelt %s\n", SMELT_VERSION);
            return SM_EXIT_OK;
        case 'p':
            ctx.project = optarg;
            break;
        case 'l':
            ctx.lake = optarg;
            break;
        case 'L':
            ctx.log_level = optarg;
            break;
        case 'F':
            ctx.log_format = optarg;
            break;
        case ':':
            return sm_cli_usage_error(NULL, "option %s needs a value", argv[optind - 1]);
        default:
            return sm_cli_usage_error(NULL, "unknown global option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        sm_cli_print_help(stderr);
        return SM_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int first = optind;
            optind = 0; /* glibc: 0 re-initialises getopt for the command */
            int status = commands[i].run(&ctx, argc - first, argv + first);
            sm_log_free(ctx.log);
            sm_config_free(ctx.config);
            return status;
        }
    }
    return sm_cli_usage_error(NULL, "unknown command \"%s\"", name);
}
