/* cli/help — the top-level help text (see help.h). */
#include "cli/help.h"

static const struct {
    const char *name, *summary;
} commands[] = {
#define SM_CLI_COMMAND(name, summary, fn) {name, summary},
#include "cli/commands.def"
#undef SM_CLI_COMMAND
};

void sm_cli_print_help(FILE *out)
{
    fprintf(out,
            "smelt %s — a medallion data lake in one program\n\n"
            "usage: smelt [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
            "commands:\n",
            SMELT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nglobal options:\n"
            "  --project DIR        pipeline project (default: the current directory)\n"
            "  --lake LOCATION      lake root: a directory or s3://bucket/prefix (SMELT_LAKE)\n"
            "  --log-level LEVEL    error, warn, info or debug (SMELT_LOG_LEVEL; default warn)\n"
            "  --log-format FORMAT  text or json (SMELT_LOG_FORMAT; default text)\n"
            "  -h, --help           this help; `smelt COMMAND --help` for a command\n"
            "  -V, --version        print the version\n\n"
            "Exit status: 0 success, 1 failure, 2 usage error.  See smelt(1).\n");
}
