/* smelt services — the real local stack (PostgreSQL with Northwind, Apache
 * Kafka, MinIO with buckets bronze/silver/gold) on 127.0.0.1 under one
 * state directory: what `docker compose up -d` was for the reference. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/buf.h"

extern char **environ;

typedef struct svc {
    const char *name;  /* the script's name */
    const char *label; /* as shown */
    int port;          /* the reference's default */
} svc_t;

static const svc_t SERVICES[] = {
    {"postgres", "PostgreSQL", 5432},
    {"kafka", "Kafka", 9092},
    {"minio", "MinIO", 9000},
};
#define NSVC (sizeof SERVICES / sizeof SERVICES[0])

/* The folder of the service scripts: $SMELT_SERVICES_DIR, the installed
 * share/smelt/services beside the binary, or the source tree's. */
static const char *scripts_dir(char *buf, size_t cap)
{
    const char *env = getenv("SMELT_SERVICES_DIR");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../share/smelt/services/postgres", exe);
            if (access(buf, X_OK) == 0) {
                snprintf(buf, cap, "%s/../share/smelt/services", exe);
                return buf;
            }
        }
    }
    return SMELT_SOURCE_SCRIPTS "/services";
}

/* Runs a service script; stdout goes to /dev/null unless `show`.  Returns
 * its exit status (127 when it could not start). */
static int run_script(const char *dir, const char *svc, const char *const *args, bool show)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, svc);
    const char *argv[16] = {path};
    size_t k = 1;
    for (; args[k - 1] && k < 15; k++)
        argv[k] = args[k - 1];
    argv[k] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!show)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "smelt services: cannot run %s: %s\n", path, strerror(rc));
        return 127;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void default_state(char *buf, size_t cap)
{
    snprintf(buf, cap, "/var/tmp/smelt-services-%u", (unsigned)getuid());
}

/* Appends every line of STATE/<svc>.env to out. */
static void append_env(const char *state, const char *svc, sm_buf_t *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.env", state, svc);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f))
        sm_buf_append_str(out, line, NULL);
    fclose(f);
}

static const char *env_value(const char *text, const char *key, char *buf, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t n = strcspn(p + kl + 1, "\n");
            snprintf(buf, cap, "%.*s", (int)n, p + kl + 1);
            return buf;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* STATE/smelt.env (all variables) and STATE/smelt.yaml (a fragment with
 * the same settings) for pointing a project at the stack. */
static int write_fragments(const char *state)
{
    sm_buf_t env = SM_BUF_INIT;
    for (size_t i = 0; i < NSVC; i++)
        append_env(state, SERVICES[i].name, &env);
    char path[PATH_MAX], a[512], b[512], c[512], d[512];
    snprintf(path, sizeof path, "%s/smelt.env", state);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "smelt services: cannot write %s: %s\n", path, strerror(errno));
        sm_buf_free(&env);
        return SM_EXIT_FAIL;
    }
    fputs((const char *)(env.data ? env.data : (uint8_t *)""), f);
    fclose(f);
    snprintf(path, sizeof path, "%s/smelt.yaml", state);
    f = fopen(path, "w");
    if (!f) {
        sm_buf_free(&env);
        return SM_EXIT_FAIL;
    }
    const char *text = (const char *)(env.data ? env.data : (uint8_t *)"");
    fprintf(f,
            "# Written by `smelt services up`: the local stack.  Merge into a project's\n"
            "# smelt.yaml, or `set -a; . %s/smelt.env; set +a` instead.\n",
            state);
    if (env_value(text, "SMELT_PG_URL", a, sizeof a))
        fprintf(f, "postgres:\n  url: %s\n", a);
    if (env_value(text, "SMELT_KAFKA_BOOTSTRAP", a, sizeof a))
        fprintf(f, "kafka:\n  bootstrap: %s\n", a);
    if (env_value(text, "AWS_ENDPOINT_URL", a, sizeof a) &&
        env_value(text, "AWS_ACCESS_KEY_ID", b, sizeof b) &&
        env_value(text, "AWS_SECRET_ACCESS_KEY", c, sizeof c) &&
        env_value(text, "AWS_REGION", d, sizeof d))
        fprintf(f,
                "s3:\n  endpoint: %s\n  region: %s\n  access_key_id: %s\n  secret_access_key: %s\n",
                a, d, b, c);
    fclose(f);
    sm_buf_free(&env);
    return SM_EXIT_OK;
}

static int up(const char *dir, const char *state, const int *ports)
{
    if (mkdir(state, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "smelt services: cannot create %s: %s\n", state, strerror(errno));
        return SM_EXIT_FAIL;
    }
    chmod(state, 0755); /* the PostgreSQL server runs as its own user */
    for (size_t i = 0; i < NSVC; i++) {
        const svc_t *s = &SERVICES[i];
        char port[16];
        snprintf(port, sizeof port, "%d", ports[i]);
        const char *install[] = {"install", NULL};
        const char *start[] = {"start", state, "--port", port, NULL};
        fprintf(stderr, "smelt services: %s on 127.0.0.1:%s ...\n", s->label, port);
        if (run_script(dir, s->name, install, false) != 0 ||
            run_script(dir, s->name, start, false) != 0) {
            fprintf(stderr, "smelt services: %s failed to start; its log is %s/%s.log\n", s->label,
                    state, s->name);
            return SM_EXIT_FAIL;
        }
    }
    const char *northwind[] = {"load-northwind", state, NULL};
    const char *buckets[] = {"mkbuckets", state, "bronze", "silver", "gold", NULL};
    if (run_script(dir, "postgres", northwind, false) != 0) {
        fprintf(stderr, "smelt services: loading Northwind failed; see %s/postgres.log\n", state);
        return SM_EXIT_FAIL;
    }
    if (run_script(dir, "minio", buckets, false) != 0) {
        fprintf(stderr, "smelt services: creating the buckets failed; see %s/minio.log\n", state);
        return SM_EXIT_FAIL;
    }
    int status = write_fragments(state);
    if (!status)
        printf("The stack is up.  Point a project at it with\n  set -a; . %s/smelt.env; set +a\n"
               "or merge %s/smelt.yaml into its smelt.yaml.\n",
               state, state);
    return status;
}

static int status_of(const char *dir, const char *state)
{
    printf("%-12s %-10s %s\n", "SERVICE", "STATE", "WHERE");
    int down = 0;
    for (size_t i = 0; i < NSVC; i++) {
        const char *args[] = {"status", state, NULL};
        int rc = run_script(dir, SERVICES[i].name, args, false);
        char path[PATH_MAX], where[512] = "", buf[512];
        snprintf(path, sizeof path, "%s/%s.env", state, SERVICES[i].name);
        sm_buf_t env = SM_BUF_INIT;
        append_env(state, SERVICES[i].name, &env);
        const char *text = (const char *)(env.data ? env.data : (uint8_t *)"");
        const char *keys[] = {"SMELT_PG_URL", "SMELT_KAFKA_BOOTSTRAP", "AWS_ENDPOINT_URL"};
        if (env_value(text, keys[i], buf, sizeof buf))
            snprintf(where, sizeof where, "%s", buf);
        sm_buf_free(&env);
        printf("%-12s %-10s %s\n", SERVICES[i].label, rc == 0 ? "running" : "stopped",
               rc == 0 ? where : "");
        down += rc != 0;
    }
    return down ? SM_EXIT_FAIL : SM_EXIT_OK;
}

static int down_all(const char *dir, const char *state, bool purge)
{
    int status = SM_EXIT_OK;
    for (size_t i = NSVC; i-- > 0;) {
        const char *args[] = {purge ? "purge" : "stop", state, NULL};
        if (run_script(dir, SERVICES[i].name, args, false) != 0) {
            fprintf(stderr, "smelt services: stopping %s failed; its log is %s/%s.log\n",
                    SERVICES[i].label, state, SERVICES[i].name);
            status = SM_EXIT_FAIL;
        }
    }
    return status;
}

int sm_cmd_services(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"state", required_argument, NULL, 's'},
                                         {"purge", no_argument, NULL, 'P'},
                                         {"pg-port", required_argument, NULL, '1'},
                                         {"kafka-port", required_argument, NULL, '2'},
                                         {"minio-port", required_argument, NULL, '3'},
                                         {NULL, 0, NULL, 0}};
    int c;
    bool purge = false;
    char state[PATH_MAX];
    int ports[NSVC];
    for (size_t i = 0; i < NSVC; i++)
        ports[i] = SERVICES[i].port;
    default_state(state, sizeof state);
    (void)ctx;
    while ((c = sm_cli_getopt("services", argc, argv, "hs:", opts)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: smelt services up|status|down [--purge] [--state DIR]\n"
                   "                      [--pg-port N] [--kafka-port N] [--minio-port N]\n\n"
                   "Runs the real stack on 127.0.0.1 under one state directory (default\n"
                   "/var/tmp/smelt-services-UID): PostgreSQL with Northwind in database app\n"
                   "(port 5432, postgres/postgres), an Apache Kafka broker in KRaft mode\n"
                   "(9092), MinIO with buckets bronze, silver and gold (9000, console 9001,\n"
                   "minioadmin/minioadmin123).  `up` installs what is missing (cached in\n"
                   "~/.cache/smelt), waits until each answers, and writes smelt.env and a\n"
                   "smelt.yaml fragment into the state directory.  `down` stops everything\n"
                   "and keeps the data; `down --purge` deletes it too.\n");
            return SM_EXIT_OK;
        case 's':
            snprintf(state, sizeof state, "%s", optarg);
            break;
        case 'P':
            purge = true;
            break;
        case '1':
        case '2':
        case '3': {
            char *end;
            long p = strtol(optarg, &end, 10);
            if (*end || p < 1 || p > 65535)
                return sm_cli_usage_error("services", "a port is 1 to 65535, not \"%s\"", optarg);
            ports[c - '1'] = (int)p;
            break;
        }
        default:
            return SM_EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return sm_cli_usage_error("services", "expected up, status or down");
    char buf[PATH_MAX];
    const char *dir = scripts_dir(buf, sizeof buf);
    const char *verb = argv[optind];
    if (purge && strcmp(verb, "down") != 0)
        return sm_cli_usage_error("services", "--purge goes with down");
    if (strcmp(verb, "up") == 0)
        return up(dir, state, ports);
    if (strcmp(verb, "status") == 0)
        return status_of(dir, state);
    if (strcmp(verb, "down") == 0)
        return down_all(dir, state, purge);
    return sm_cli_usage_error("services", "unknown action \"%s\" (up, status, down)", verb);
}
