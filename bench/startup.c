/*
 * bench/startup — how long a command takes to start and exit, measured over
 * many runs with posix_spawn + waitpid, printed beside yardsticks.
 *   startup RUNS -- CMD ARGS... [--- CMD ARGS...]...
 * Prints one table row per command: median and p90 wall time in ms.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_one(char **argv, double *ms)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t0 = now_ms();
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    waitpid(pid, &st, 0);
    *ms = now_ms() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void measure(int runs, char **argv)
{
    double *t = malloc(sizeof(double) * (size_t)runs);
    if (!t)
        return;
    for (int i = 0; i < runs; i++) {
        if (run_one(argv, &t[i]) != 0) {
            printf("| %-36s | %10s | %10s |\n", argv[0], "failed", "");
            free(t);
            return;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    char label[256] = "";
    for (char **a = argv; *a; a++) {
        const char *base = a == argv && strrchr(*a, '/') ? strrchr(*a, '/') + 1 : *a;
        if (strlen(label) + strlen(base) + 2 < sizeof label) {
            strcat(label, base);
            strcat(label, " ");
        }
    }
    printf("| %-36s | %10.2f | %10.2f |\n", label, t[runs / 2], t[runs * 9 / 10]);
    free(t);
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: startup RUNS -- CMD ARGS... [--- CMD ARGS...]...\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs < 1)
        runs = 1;
    printf("| %-36s | %10s | %10s |\n", "command", "median ms", "p90 ms");
    printf("|%.38s|%.12s|%.12s|\n", "--------------------------------------", "------------",
           "------------");
    int i = 3;
    while (i < argc) {
        int j = i;
        while (j < argc && strcmp(argv[j], "---") != 0)
            j++;
        argv[j < argc ? j : argc] = NULL;
        measure(runs, &argv[i]);
        i = j + 1;
    }
    return 0;
}
