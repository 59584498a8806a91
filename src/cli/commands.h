/* cli/commands — the run function of every subcommand (see commands.def). */
#ifndef SM_CLI_COMMANDS_H
#define SM_CLI_COMMANDS_H

#include "cli/cli.h"

#define SM_CLI_COMMAND(name, summary, fn) int fn(sm_cli_ctx_t *ctx, int argc, char **argv);
#include "cli/commands.def"
#undef SM_CLI_COMMAND

#endif
