/*
 * cli/help — `smelt --help`: the command list of commands.def and the
 * global options.  Compiled into both the launcher (which answers --help
 * and --version without loading the commands' libraries) and the commands
 * library.  Owns nothing.
 */
#ifndef SM_CLI_HELP_H
#define SM_CLI_HELP_H

#include <stdio.h>

/* Prints the top-level help to out. */
void sm_cli_print_help(FILE *out);

#endif
