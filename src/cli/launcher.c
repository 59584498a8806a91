/*
 * cli/launcher — the smelt executable.  It answers `--help` and
 * `--version` itself and otherwise loads the commands library
 * (libsmelt-cli.so: every command with PostgreSQL, Kafka, curl, TLS and
 * HTTP-server libraries behind it) and calls sm_cli_main.  Loading those
 * libraries costs milliseconds, so the instant answers do not pay for it.
 *
 * The library is looked for beside the executable (the build tree), then
 * in ../lib/smelt relative to it (an installed tree).
 */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/help.h"

#define SM_CLI_LIBRARY "libsmelt-cli.so"

typedef int (*sm_cli_main_fn)(int argc, char **argv);

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        sm_cli_print_help(stdout);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
        printf("smelt %s\n", SMELT_VERSION);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "smelt: cannot find its own executable (/proc/self/exe)\n");
        return 1;
    }
    exe[n] = '\0';
    const char *dir = dirname(exe);
    static const char *const places[] = {"%s/" SM_CLI_LIBRARY, "%s/../lib/smelt/" SM_CLI_LIBRARY};
    char path[PATH_MAX + 64];
    void *lib = NULL;
    const char *why = "not found";
    for (size_t i = 0; !lib && i < sizeof places / sizeof places[0]; i++) {
        snprintf(path, sizeof path, places[i], dir);
        if (access(path, R_OK) != 0)
            continue;
        lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            why = dlerror();
    }
    if (!lib) {
        fprintf(stderr, "smelt: cannot load %s beside %s or in %s/../lib/smelt: %s\n",
                SM_CLI_LIBRARY, dir, dir, why);
        return 1;
    }
    sm_cli_main_fn run = (sm_cli_main_fn)dlsym(lib, "sm_cli_main");
    if (!run) {
        fprintf(stderr, "smelt: %s has no sm_cli_main: %s\n", path, dlerror());
        return 1;
    }
    return run(argc, argv);
}
