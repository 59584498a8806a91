/*
 * cli — the smelt command: global options, then a git-style subcommand.
 *
 * Each subcommand lives in its own file cmd_<name>.c and is listed in
 * commands.def.  A command's run function gets the arguments after its
 * name (argv[0] is the command name) and returns an exit code:
 * 0 success, 1 failure (the reason already printed as one line), 2 usage.
 * This is the only layer allowed to print to the terminal directly and to
 * call exit().
 *
 * Settings: sm_cli_load() reads, in rising precedence, the defaults,
 * smelt.yaml (the --project directory or the current one), the environment
 * and the global flags, and creates the logger.  Commands that need no
 * settings (version, --help) never load them, so they stay instant.
 */
#ifndef SM_CLI_H
#define SM_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"

enum { SM_EXIT_OK = 0, SM_EXIT_FAIL = 1, SM_EXIT_USAGE = 2 };

/* The one symbol the commands library exports: main() of every command,
 * called by the launcher (cli/launcher.c) with the process's arguments. */
#define SM_CLI_EXPORT __attribute__((visibility("default")))
SM_CLI_EXPORT int sm_cli_main(int argc, char **argv);

typedef struct sm_cli_ctx {
    const char *prog;       /* "smelt" */
    const char *project;    /* --project DIR, or NULL */
    const char *lake;       /* --lake LOCATION, or NULL */
    const char *log_level;  /* --log-level, or NULL */
    const char *log_format; /* --log-format, or NULL */
    sm_config_t *config;    /* after sm_cli_load */
    sm_log_t *log;          /* after sm_cli_load */
} sm_cli_ctx_t;

typedef struct sm_cli_cmd {
    const char *name;
    const char *summary; /* one line for `smelt --help` */
    int (*run)(sm_cli_ctx_t *ctx, int argc, char **argv);
} sm_cli_cmd_t;

/* Loads settings and the logger once (later calls do nothing).  On
 * failure prints the reason and returns SM_EXIT_FAIL, else SM_EXIT_OK. */
int sm_cli_load(sm_cli_ctx_t *ctx);

/* Prints "smelt <cmd>: <message>" to stderr and returns SM_EXIT_FAIL. */
int sm_cli_fail(const char *cmd, const sm_error_t *e);
/* Prints "smelt <cmd>: <formatted>" plus a --help hint; returns SM_EXIT_USAGE. */
int sm_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long for a command, with our own one-line messages for unknown
 * options and missing arguments.  Returns the option, -1 at the end, or
 * '?' after printing the usage error (the caller returns SM_EXIT_USAGE). */
int sm_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                  const struct option *longopts);

/* Parses --format: "table", "csv" or "json"; -1 (after a usage message)
 * otherwise. */
int sm_cli_format(const char *cmd, const char *text);

#endif
