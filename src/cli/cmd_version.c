/* smelt version — the version of smelt and of the libraries it runs on. */
#include <getopt.h>
#include <stdio.h>
#include <xxhash.h>
#include <yaml.h>

#include "cli/commands.h"

int sm_cmd_version(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = sm_cli_getopt("version", argc, argv, "h", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt version\n\nPrints smelt's version and the versions of the "
                   "libraries it was built with.\n");
            return SM_EXIT_OK;
        }
        return SM_EXIT_USAGE;
    }
    if (optind < argc)
        return sm_cli_usage_error("version", "unexpected argument \"%s\"", argv[optind]);
    printf("smelt %s\n", SMELT_VERSION);
    printf("  libyaml %s\n", yaml_get_version_string());
    printf("  xxhash  %u\n", XXH_versionNumber());
    (void)ctx;
    return SM_EXIT_OK;
}
