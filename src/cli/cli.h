/*
 * cli — the smelt command: global options, then a git-style subcommand.
 *
 * Each subcommand lives in its own file cmd_<name>.c and is listed in the
 * table in main.c.  A command's run function gets the arguments after its
 * name (argv[0] is the command name) and returns an exit code:
 * 0 success, 1 failure (the reason already printed as one line), 2 usage.
 * This is the only layer allowed to print to the terminal directly and to
 * call exit().
 */
#ifndef SM_CLI_H
#define SM_CLI_H

#include "core/err.h"

enum { SM_EXIT_OK = 0, SM_EXIT_FAIL = 1, SM_EXIT_USAGE = 2 };

typedef struct sm_cli_ctx {
    const char *prog;    /* "smelt" */
    const char *project; /* --project DIR, or NULL */
    const char *lake;    /* --lake LOCATION, or NULL */
} sm_cli_ctx_t;

typedef struct sm_cli_cmd {
    const char *name;
    const char *summary; /* one line for `smelt --help` */
    int (*run)(sm_cli_ctx_t *ctx, int argc, char **argv);
} sm_cli_cmd_t;

/* Prints "smelt <cmd>: <message>" to stderr and returns SM_EXIT_FAIL. */
int sm_cli_fail(const char *cmd, const sm_error_t *e);
/* Prints "smelt <cmd>: <formatted>" plus a --help hint; returns SM_EXIT_USAGE. */
int sm_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
