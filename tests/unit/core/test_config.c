#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"

/* A fake environment: NULL-terminated pairs name, value. */
static const char *fake_getenv(const char *name, void *ud)
{
    const char *const *env = ud;
    for (size_t i = 0; env[i]; i += 2)
        if (strcmp(env[i], name) == 0)
            return env[i + 1];
    return NULL;
}

static sm_err_t load_text(sm_config_t *cfg, const char *text, sm_error_t *e)
{
    sm_error_clear(e);
    return sm_config_load_buffer(cfg, "smelt.yaml", text, strlen(text), e);
}

static void test_defaults(void)
{
    sm_config_t *cfg = sm_config_new();
    CHECK(cfg != NULL);
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./lake");
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.level"), "warn");
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.format"), "text");
    CHECK_EQ_STR(sm_config_get_str(cfg, "s3.region"), "us-east-1");
    CHECK_EQ_STR(sm_config_get_str(cfg, "serve.listen"), "127.0.0.1:8080");
    CHECK_EQ_INT(sm_config_get_size(cfg, "memory.budget"), 1073741824);
    CHECK_EQ_STR(sm_config_get_str(cfg, "memory.budget"), "1GiB");
    CHECK(sm_config_get_str(cfg, "kafka.bootstrap") == NULL);
    CHECK_EQ_STR(sm_config_source(cfg, "kafka.bootstrap"), "default");
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), "default");
    CHECK(!sm_config_is_set(cfg, "lake"));
    CHECK(sm_config_source(cfg, "nope") == NULL);
    CHECK(sm_config_get_str(cfg, "nope") == NULL);
    CHECK(sm_config_get_str(cfg, NULL) == NULL);
    /* Getter of the wrong type: 0. */
    CHECK_EQ_INT(sm_config_get_int(cfg, "memory.budget"), 0);
    CHECK_EQ_INT(sm_config_get_duration(cfg, "lake"), 0);
    CHECK(sm_config_file(cfg) == NULL);
    CHECK(sm_config_section(cfg, "sources") == NULL);

    /* The registry is consistent: every setting has an env var and help. */
    size_t n;
    const sm_config_setting_t *s = sm_config_settings(&n);
    CHECK_EQ_INT(n, 13);
    for (size_t i = 0; i < n; i++) {
        CHECK(s[i].env != NULL);
        CHECK(s[i].help != NULL && *s[i].help);
    }
    CHECK_EQ_STR(sm_config_section_names()[0], "project");
    sm_config_free(cfg);
    sm_config_free(NULL);
}

/* flag > env > file > default, for every combination of layers. */
static void test_precedence(void)
{
    for (int mask = 0; mask < 8; mask++) {
        bool file = mask & 1, env = mask & 2, flag = mask & 4;
        sm_config_t *cfg = sm_config_new();
        sm_error_t e;
        if (file)
            CHECK_OK(load_text(cfg, "\nlake: from-file\nlog: {level: error}\n", &e), &e);
        const char *envv[] = {"SMELT_LAKE", "from-env", "SMELT_LOG_LEVEL", "error", NULL};
        if (env)
            CHECK_OK(sm_config_load_env(cfg, fake_getenv, envv, &e), &e);
        if (flag) {
            CHECK_OK(sm_config_set(cfg, "lake", "from-flag", SM_CONFIG_FROM_FLAG, &e), &e);
            CHECK_OK(sm_config_set(cfg, "log.level", "debug", SM_CONFIG_FROM_FLAG, &e), &e);
        }
        const char *lake = sm_config_get_str(cfg, "lake");
        const char *level = sm_config_get_str(cfg, "log.level");
        const char *src = sm_config_source(cfg, "lake");
        if (flag) {
            CHECK_EQ_STR(lake, "from-flag");
            CHECK_EQ_STR(level, "debug");
            CHECK_EQ_STR(src, "flag");
            CHECK_EQ_INT(sm_config_origin(cfg, "lake"), SM_CONFIG_FROM_FLAG);
        } else if (env) {
            CHECK_EQ_STR(lake, "from-env");
            CHECK_EQ_STR(level, "error");
            CHECK_EQ_STR(src, "env SMELT_LAKE");
            CHECK_EQ_STR(sm_config_source(cfg, "log.level"), "env SMELT_LOG_LEVEL");
            CHECK_EQ_INT(sm_config_origin(cfg, "lake"), SM_CONFIG_FROM_ENV);
        } else if (file) {
            CHECK_EQ_STR(lake, "from-file");
            CHECK_EQ_STR(level, "error");
            CHECK_EQ_STR(src, "smelt.yaml:2:7");
            CHECK_EQ_STR(sm_config_source(cfg, "log.level"), "smelt.yaml:3:14");
            CHECK_EQ_INT(sm_config_origin(cfg, "lake"), SM_CONFIG_FROM_FILE);
        } else {
            CHECK_EQ_STR(lake, "./lake");
            CHECK_EQ_STR(level, "warn");
            CHECK_EQ_STR(src, "default");
        }
        CHECK(sm_config_is_set(cfg, "lake") == (mask != 0));
        /* Settings no layer touched keep their default. */
        CHECK_EQ_STR(sm_config_get_str(cfg, "log.format"), "text");
        sm_config_free(cfg);
    }
}

static void test_env(void)
{
    sm_config_t *cfg = sm_config_new();
    sm_error_t e;
    const char *env1[] = {"AWS_DEFAULT_REGION",
                          "eu-west-3",
                          "SMELT_KAFKA_BOOTSTRAP",
                          "",
                          "SMELT_MEMORY_BUDGET",
                          "256MiB",
                          "SMELT_LOG_FORMAT",
                          "JSON",
                          NULL};
    CHECK_OK(sm_config_load_env(cfg, fake_getenv, env1, &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "s3.region"), "eu-west-3");
    CHECK_EQ_STR(sm_config_source(cfg, "s3.region"), "env AWS_DEFAULT_REGION");
    CHECK(sm_config_get_str(cfg, "kafka.bootstrap") == NULL); /* empty = unset */
    CHECK_EQ_INT(sm_config_get_size(cfg, "memory.budget"), 256 << 20);
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.format"), "json"); /* canonical */

    /* AWS_REGION wins over the fallback; reloading replaces the layer. */
    const char *env2[] = {"AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "eu-west-3", NULL};
    CHECK_OK(sm_config_load_env(cfg, fake_getenv, env2, &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "s3.region"), "us-west-2");
    CHECK_EQ_STR(sm_config_source(cfg, "s3.region"), "env AWS_REGION");
    CHECK_EQ_INT(sm_config_get_size(cfg, "memory.budget"), 1 << 30);

    /* A bad value names the variable and empties the layer. */
    const char *env3[] = {"SMELT_LAKE", "/x", "SMELT_LOG_LEVEL", "loud", NULL};
    CHECK_EQ_INT(sm_config_load_env(cfg, fake_getenv, env3, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(
        e.msg, "environment SMELT_LOG_LEVEL: expected one of error|warn|info|debug, got \"loud\"");
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./lake");
    CHECK_EQ_STR(sm_config_get_str(cfg, "s3.region"), "us-east-1");
    const char *env4[] = {"SMELT_MEMORY_BUDGET", "lots", NULL};
    CHECK_EQ_INT(sm_config_load_env(cfg, fake_getenv, env4, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "environment SMELT_MEMORY_BUDGET: expected a size like \"512\", "
                        "\"64KB\", \"64MB\" or \"1GiB\", got \"lots\"");

    /* The real environment. */
    setenv("SMELT_LAKE", "/from/real/env", 1);
    CHECK_OK(sm_config_load_env(cfg, NULL, NULL, &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "/from/real/env");
    unsetenv("SMELT_LAKE");
    sm_config_free(cfg);
}

static void test_file(void)
{
    sm_config_t *cfg = sm_config_new();
    sm_error_t e;
    CHECK_OK(load_text(cfg,
                       "lake: s3://bucket/lake\n"
                       "log:\n"
                       "  level: DEBUG\n"
                       "kafka.bootstrap: \"127.0.0.1:9092\"\n"
                       "memory: {budget: 512MB}\n"
                       "s3:\n"
                       "serve:\n"
                       "  listen:\n"
                       "sources:\n"
                       "  - name: pg\n"
                       "    table: orders\n"
                       "models: ~\n",
                       &e),
             &e);
    CHECK_EQ_STR(sm_config_file(cfg), "smelt.yaml");
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "s3://bucket/lake");
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), "smelt.yaml:1:7");
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.level"), "debug");
    CHECK_EQ_STR(sm_config_source(cfg, "log.level"), "smelt.yaml:3:10");
    CHECK_EQ_STR(sm_config_get_str(cfg, "kafka.bootstrap"), "127.0.0.1:9092");
    CHECK_EQ_STR(sm_config_source(cfg, "kafka.bootstrap"), "smelt.yaml:4:18");
    CHECK_EQ_INT(sm_config_get_size(cfg, "memory.budget"), 512000000);
    /* Null values leave settings unset. */
    CHECK_EQ_STR(sm_config_get_str(cfg, "serve.listen"), "127.0.0.1:8080");
    CHECK_EQ_STR(sm_config_source(cfg, "serve.listen"), "default");

    /* Sections come back as trees. */
    const sm_yaml_node_t *src = sm_config_section(cfg, "sources");
    CHECK(src && src->kind == SM_YAML_SEQUENCE);
    CHECK_EQ_INT(sm_yaml_count(src), 1);
    const sm_yaml_node_t *table = sm_yaml_map_get(sm_yaml_seq_at(src, 0), "table");
    CHECK_EQ_STR(table->u.scalar.text, "orders");
    CHECK_EQ_INT(table->line, 11);
    CHECK_EQ_INT(table->column, 12);
    CHECK(sm_config_section(cfg, "models") == NULL); /* null */
    CHECK(sm_config_section(cfg, "checks") == NULL); /* absent */
    CHECK(sm_config_section(cfg, "lake") == NULL);   /* not a section */
    CHECK(sm_config_section(cfg, NULL) == NULL);

    /* Loading again replaces the whole file layer. */
    CHECK_OK(load_text(cfg, "log.format: json\n", &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./lake");
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.format"), "json");
    CHECK(sm_config_section(cfg, "sources") == NULL);

    /* Empty files and null documents are fine. */
    CHECK_OK(load_text(cfg, "", &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.format"), "text");
    CHECK_OK(load_text(cfg, "# nothing\n---\n", &e), &e);
    sm_config_free(cfg);
}

/* Expects a failed load with the exact message, and an empty file layer. */
static void check_file_error(const char *text, sm_err_t code, const char *msg)
{
    sm_config_t *cfg = sm_config_new();
    sm_error_t e;
    CHECK_OK(load_text(cfg, "lake: before\nsources: []\n", &e), &e);
    CHECK_EQ_INT(load_text(cfg, text, &e), code);
    CHECK_EQ_STR(e.msg, msg);
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./lake");
    CHECK(sm_config_section(cfg, "sources") == NULL);
    CHECK(sm_config_file(cfg) == NULL);
    sm_config_free(cfg);
}

static void test_file_errors(void)
{
    check_file_error("lkae: /x\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: unknown key \"lkae\" (did you mean \"lake\"?)");
    check_file_error("lake: /x\nlog:\n  levle: info\n", SM_ERR_INVALID,
                     "smelt.yaml:3:3: unknown key \"levle\" in log (did you mean \"level\"?)");
    check_file_error("lgo:\n  level: info\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: unknown key \"lgo\" (did you mean \"log\"?)");
    check_file_error("soruces: []\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: unknown key \"soruces\" (did you mean \"sources\"?)");
    check_file_error("completely_different: 1\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: unknown key \"completely_different\"");
    check_file_error("log.levle: info\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: unknown key \"log.levle\" (did you mean \"log.level\"?)");
    check_file_error("lake: /x\nlog:\n  level: loud\n", SM_ERR_INVALID,
                     "smelt.yaml:3:10: log.level: expected one of error|warn|info|debug, got "
                     "\"loud\"");
    check_file_error("memory:\n  budget: lots\n", SM_ERR_INVALID,
                     "smelt.yaml:2:11: memory.budget: expected a size like \"512\", \"64KB\", "
                     "\"64MB\" or \"1GiB\", got \"lots\"");
    check_file_error("lake: [a, b]\n", SM_ERR_INVALID,
                     "smelt.yaml:1:7: lake: expected a string, got a sequence");
    check_file_error("log: debug\n", SM_ERR_INVALID,
                     "smelt.yaml:1:6: log: expected a mapping, got a scalar");
    check_file_error("- lake\n", SM_ERR_INVALID,
                     "smelt.yaml:1:1: expected a mapping of settings at the top, got a "
                     "sequence");
    check_file_error("log:\n  level: info\nlog.level: debug\n", SM_ERR_INVALID,
                     "smelt.yaml:3:1: log.level is set twice (first at smelt.yaml:2:10)");
    check_file_error("lake: a\nlake: b\n", SM_ERR_PARSE,
                     "smelt.yaml:2:1: duplicate key \"lake\" (first defined at 1:1)");
    check_file_error("lake: a\n  bad: indent\n", SM_ERR_PARSE,
                     "smelt.yaml:2:6: mapping values are not allowed in this context");
    check_file_error("log:\n  level:\n    deep: x\n", SM_ERR_INVALID,
                     "smelt.yaml:3:5: log.level: expected one of the allowed values, got a "
                     "mapping");
    check_file_error("\"\": x\n", SM_ERR_INVALID, "smelt.yaml:1:1: unknown key \"\"");
}

static void test_flags(void)
{
    sm_config_t *cfg = sm_config_new();
    sm_error_t e;
    CHECK_EQ_INT(sm_config_set(cfg, "lkae", "/x", SM_CONFIG_FROM_FLAG, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_STR(e.msg, "unknown setting \"lkae\" (did you mean \"lake\"?)");
    CHECK_EQ_INT(sm_config_set(cfg, "log.levl", "x", SM_CONFIG_FROM_FLAG, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_STR(e.msg, "unknown setting \"log.levl\" (did you mean \"log.level\"?)");
    CHECK_OK(sm_config_set(cfg, "log.level", "error", SM_CONFIG_FROM_FLAG, &e), &e);
    CHECK_EQ_INT(sm_config_set(cfg, "log.level", "loud", SM_CONFIG_FROM_FLAG, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "log.level: expected one of error|warn|info|debug, got \"loud\"");
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.level"), "error"); /* old value kept */
    CHECK_OK(sm_config_set(cfg, "log.level", NULL, SM_CONFIG_FROM_FLAG, &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "log.level"), "warn");
    CHECK_EQ_INT(sm_config_set(cfg, "lake", "x", SM_CONFIG_FROM_DEFAULT, &e), SM_ERR_INVALID);
    CHECK_OK(sm_config_set(cfg, "lake", "by-hand", SM_CONFIG_FROM_ENV, &e), &e);
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), "env");
    CHECK_EQ_INT(sm_config_set(cfg, "memory.budget", "-1", SM_CONFIG_FROM_FLAG, NULL),
                 SM_ERR_INVALID);
    sm_config_free(cfg);
}

static const sm_config_setting_t test_settings[] = {
    {.key = "threads",
     .env = "T_THREADS",
     .def = "4",
     .type = SM_CONFIG_INT,
     .min = 1,
     .max = 64,
     .help = "h"},
    {.key = "a.b.flag", .env = "T_FLAG", .def = "no", .type = SM_CONFIG_BOOL, .help = "h"},
    {.key = "a.b.timeout",
     .env = "T_TIMEOUT",
     .def = "30s",
     .type = SM_CONFIG_DURATION,
     .help = "h"},
    {.key = "a.pin",
     .env = "T_PIN",
     .type = SM_CONFIG_INT,
     .min = 0,
     .max = 9999,
     .secret = true,
     .help = "h"},
    {.key = "a.mode",
     .env = "T_MODE",
     .def = "x",
     .type = SM_CONFIG_ENUM,
     .choices = "x|y",
     .secret = true,
     .help = "h"},
};
static const char *const test_sections[] = {"extra", NULL};

static void test_custom_registry(void)
{
    sm_config_t *cfg = sm_config_new_with(test_settings, 5, test_sections);
    sm_error_t e;
    CHECK(cfg != NULL);
    CHECK_EQ_INT(sm_config_get_int(cfg, "threads"), 4);
    CHECK(!sm_config_get_bool(cfg, "a.b.flag"));
    CHECK_EQ_INT(sm_config_get_duration(cfg, "a.b.timeout"), 30000);
    CHECK_OK(load_text(cfg, "threads: 8\na:\n  b: {flag: on, timeout: 1m}\nextra: {x: 1}\n", &e),
             &e);
    CHECK_EQ_INT(sm_config_get_int(cfg, "threads"), 8);
    CHECK(sm_config_get_bool(cfg, "a.b.flag"));
    CHECK_EQ_STR(sm_config_get_str(cfg, "a.b.flag"), "true");
    CHECK_EQ_INT(sm_config_get_duration(cfg, "a.b.timeout"), 60000);
    CHECK(sm_config_section(cfg, "extra") != NULL);
    CHECK_EQ_INT(load_text(cfg, "threads: 65\n", &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:10: threads: expected an integer from 1 to 64, got \"65\"");
    CHECK_EQ_INT(load_text(cfg, "a: {b: {flg: 1}}\n", &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:9: unknown key \"flg\" in a.b (did you mean \"flag\"?)");
    /* Secret values are never quoted in errors. */
    CHECK_EQ_INT(load_text(cfg, "a: {pin: 12345678}\n", &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:10: a.pin: expected an integer (the value is secret and "
                        "not shown)");
    const char *env[] = {"T_MODE", "hunter2", NULL};
    CHECK_EQ_INT(sm_config_load_env(cfg, fake_getenv, env, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "environment T_MODE: expected one of x|y");
    CHECK(strstr(e.msg, "hunter2") == NULL);
    const char *env2[] = {"T_TIMEOUT", "5", NULL};
    CHECK_EQ_INT(sm_config_load_env(cfg, fake_getenv, env2, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "environment T_TIMEOUT: expected a duration") == e.msg);
    sm_config_free(cfg);

    /* A default that does not match its type is refused. */
    static const sm_config_setting_t broken[] = {
        {.key = "n", .def = "many", .type = SM_CONFIG_INT, .max = 10, .help = "h"}};
    CHECK(sm_config_new_with(broken, 1, NULL) == NULL);
    /* An empty registry works. */
    cfg = sm_config_new_with(NULL, 0, NULL);
    CHECK(cfg != NULL);
    CHECK_EQ_INT(load_text(cfg, "x: 1\n", &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:1: unknown key \"x\"");
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_config_dump(cfg, &out, &e), &e);
    CHECK_EQ_INT(out.len, 0);
    sm_config_free(cfg);
}

static void test_dump_hides_secrets(void)
{
    sm_config_t *cfg = sm_config_new();
    sm_error_t e;
    CHECK_OK(load_text(cfg,
                       "s3:\n  secret_access_key: FILESECRET\n"
                       "serve: {token: TOKENSECRET}\n"
                       "lake: \"tab\\there\"\n",
                       &e),
             &e);
    const char *env[] = {"AWS_ACCESS_KEY_ID", "AKIAENVSECRET", "SMELT_POSTGRES_URL",
                         "postgresql://smelt:PGSECRET@db:5432/nw?sslmode=off", NULL};
    CHECK_OK(sm_config_load_env(cfg, fake_getenv, env, &e), &e);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_config_dump(cfg, &out, &e), &e);
    const char *d = (const char *)out.data;
    CHECK(strstr(d, "FILESECRET") == NULL);
    CHECK(strstr(d, "TOKENSECRET") == NULL);
    CHECK(strstr(d, "AKIAENVSECRET") == NULL);
    CHECK(strstr(d, "PGSECRET") == NULL);
    CHECK(strstr(d, "s3.secret_access_key   = ***  # smelt.yaml:2:22\n") != NULL);
    CHECK(strstr(d, "serve.token            = ***  # smelt.yaml:3:16\n") != NULL);
    CHECK(strstr(d, "s3.access_key_id       = ***  # env AWS_ACCESS_KEY_ID\n") != NULL);
    CHECK(strstr(d, "postgres.url           = postgresql://smelt:***@db:5432/nw?sslmode=off  "
                    "# env SMELT_POSTGRES_URL\n") != NULL);
    CHECK(strstr(d, "lake                   = tab\\x09here  # smelt.yaml:4:7\n") != NULL);
    CHECK(strstr(d, "kafka.bootstrap        = (not set)  # default\n") != NULL);
    CHECK(strstr(d, "memory.budget          = 1GiB  # default\n") != NULL);
    /* One line per setting. */
    size_t lines = 0;
    for (size_t i = 0; i < out.len; i++)
        lines += out.data[i] == '\n';
    CHECK_EQ_INT(lines, 13);

    /* Keyword-form connection strings and password= in a URI. */
    sm_buf_reset(&out);
    CHECK_OK(sm_config_set(cfg, "postgres.url", "host=db user=u password=PGSECRET2 dbname=nw",
                           SM_CONFIG_FROM_FLAG, &e),
             &e);
    CHECK_OK(sm_config_dump(cfg, &out, &e), &e);
    CHECK(strstr((char *)out.data, "PGSECRET2") == NULL);
    CHECK(strstr((char *)out.data, "host=db user=u password=*** dbname=nw  # flag") != NULL);
    sm_buf_reset(&out);
    CHECK_OK(sm_config_set(cfg, "postgres.url", "postgres://u@db/nw?password=PGSECRET3&x=1",
                           SM_CONFIG_FROM_FLAG, &e),
             &e);
    CHECK_OK(sm_config_dump(cfg, &out, &e), &e);
    CHECK(strstr((char *)out.data, "PGSECRET3") == NULL);
    CHECK(strstr((char *)out.data, "postgres://u@db/nw?password=***&x=1") != NULL);
    sm_buf_free(&out);

    /* A bounded output buffer reports the limit. */
    sm_buf_t small = SM_BUF_INIT;
    small.limit = 40;
    CHECK_EQ_INT(sm_config_dump(cfg, &small, &e), SM_ERR_LIMIT);
    sm_buf_free(&small);
    sm_config_free(cfg);
}

static void test_files_on_disk(void)
{
    sm_error_t e;
    char dir[] = "/tmp/smelt-test-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], missing[128];
    snprintf(path, sizeof path, "%s/smelt.yaml", dir);
    snprintf(missing, sizeof missing, "%s/other.yaml", dir);

    sm_config_t *cfg = sm_config_new();
    /* Missing: fine unless named explicitly. */
    CHECK_OK(sm_config_load_file(cfg, missing, false, &e), &e);
    CHECK(sm_config_file(cfg) == NULL);
    CHECK_EQ_INT(sm_config_load_file(cfg, missing, true, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "other.yaml: no such file") != NULL);
    CHECK_EQ_INT(sm_config_load_project(cfg, dir, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "/smelt.yaml: no such file") != NULL);
    CHECK_EQ_INT(sm_config_load_project(cfg, missing, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no such file or directory") != NULL);

    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("# project\nlake: ./here\n", f);
    fclose(f);
    CHECK_OK(sm_config_load_project(cfg, dir, &e), &e);
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./here");
    CHECK_EQ_STR(sm_config_file(cfg), path);
    char want[160];
    snprintf(want, sizeof want, "%s:2:7", path);
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), want);
    CHECK_OK(sm_config_load_project(cfg, path, &e), &e); /* naming the file itself */
    CHECK_EQ_STR(sm_config_get_str(cfg, "lake"), "./here");

    /* No --project: ./smelt.yaml, optional. */
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK_OK(sm_config_load_project(cfg, NULL, &e), &e);
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), "smelt.yaml:2:7");
    unlink(path);
    CHECK_OK(sm_config_load_project(cfg, NULL, &e), &e);
    CHECK_EQ_STR(sm_config_source(cfg, "lake"), "default"); /* layer dropped */
    CHECK(chdir(cwd) == 0);
    rmdir(dir);
    sm_config_free(cfg);
}

/* Every allocation failure is reported (never a crash or a leak). */
static void test_alloc_failures(void)
{
    const char *text = "lake: /x\nlog: {level: debug}\nsources: [a]\nserve: {token: t}\n";
    const char *env[] = {"SMELT_LOG_FORMAT", "json", "AWS_REGION", "r", NULL};
    long total = 0;
    for (long n = 0;; n++) {
        sm_mem_fail_after(n);
        sm_error_t e;
        sm_err_t rc = SM_ERR_NOMEM;
        sm_buf_t out = SM_BUF_INIT;
        sm_config_t *cfg = sm_config_new();
        if (cfg) {
            rc = load_text(cfg, text, &e);
            if (!rc)
                rc = sm_config_load_env(cfg, fake_getenv, env, &e);
            if (!rc)
                rc = sm_config_set(cfg, "lake", "/flag", SM_CONFIG_FROM_FLAG, &e);
            if (!rc)
                rc = sm_config_dump(cfg, &out, &e);
        }
        long used = sm_mem_fail_after(0);
        sm_buf_free(&out);
        sm_config_free(cfg);
        if (n == 0) {
            CHECK_EQ_INT(rc, SM_OK);
            total = used;
            continue;
        }
        CHECK(rc == SM_ERR_NOMEM || (rc == SM_OK && n > total));
        if (n > total)
            break;
    }
    CHECK(total > 10);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_precedence);
    RUN(test_env);
    RUN(test_file);
    RUN(test_file_errors);
    RUN(test_flags);
    RUN(test_custom_registry);
    RUN(test_dump_hides_secrets);
    RUN(test_files_on_disk);
    RUN(test_alloc_failures);
    return check_summary();
}
