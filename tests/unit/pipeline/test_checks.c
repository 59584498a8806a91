/* Tests of smelt.yaml's checks and sources (pipeline/check_conf.c,
 * project.c): what is read, and errors as file:line:column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "pipeline/checks.h"
#include "pipeline/project.h"

static char dir[64];

static sm_err_t load(const char *yaml, sm_project_t **p, sm_config_t **cfg, sm_error_t *e)
{
    char name[128];
    snprintf(name, sizeof name, "%s/smelt.yaml", dir);
    *cfg = sm_config_new();
    *p = NULL;
    sm_err_t rc = sm_config_load_buffer(*cfg, name, yaml, strlen(yaml), e);
    if (!rc)
        rc = sm_project_load(*cfg, p, e);
    return rc;
}

static void expect_error(const char *yaml, const char *msg)
{
    sm_project_t *p;
    sm_config_t *cfg;
    sm_error_t e = {0};
    CHECK(load(yaml, &p, &cfg, &e) != SM_OK);
    const char *m = strstr(e.msg, "smelt.yaml:");
    CHECK_EQ_STR(m ? m : e.msg, msg);
    sm_project_free(p);
    sm_config_free(cfg);
}

static void test_checks_read(void)
{
    sm_project_t *p;
    sm_config_t *cfg;
    sm_error_t e;
    CHECK_OK(load("models:\n"
                  "  silver.sales:\n"
                  "    checks:\n"
                  "      - not_null: id\n"
                  "      - unique: [id, line]\n"
                  "      - accepted_values: {column: c, values: [FR, 'it''s', 12, '7']}\n"
                  "        severity: warn\n"
                  "      - relationships: {column: cid, to: bronze.customers}\n"
                  "        on_fail: quarantine\n"
                  "      - row_count: {max: 10}\n"
                  "      - sql: SELECT * FROM this WHERE amount < 0\n"
                  "        name: positive\n",
                  &p, &cfg, &e),
             &e);
    const sm_model_t *m = p ? sm_project_model(p, "silver.sales") : NULL;
    CHECK(m && m->nchecks == 6);
    if (m && m->nchecks == 6) {
        CHECK_EQ_STR(m->checks[0].label, "not_null(id)");
        CHECK_EQ_STR(m->checks[1].label, "unique(id, line)");
        CHECK_EQ_INT(m->checks[2].nvalues, 4);
        CHECK_EQ_STR(m->checks[2].values[1], "'it''s'");
        CHECK_EQ_STR(m->checks[2].values[2], "12");
        CHECK_EQ_STR(m->checks[2].values[3], "'7'");
        CHECK(m->checks[2].warn && !m->checks[2].quarantine);
        CHECK_EQ_STR(m->checks[3].label, "relationships(cid -> bronze.customers.cid)");
        CHECK(m->checks[3].quarantine);
        CHECK_EQ_STR(m->checks[4].label, "row_count(0..10)");
        CHECK_EQ_STR(m->checks[5].label, "positive");
        CHECK(strstr(m->checks[0].where, "smelt.yaml:4:9") != NULL);
    }
    sm_project_free(p);
    sm_config_free(cfg);
}

static void test_check_errors(void)
{
    expect_error("models:\n  silver.nope:\n    checks: []\n",
                 "smelt.yaml:2:3: no model silver.nope (expected the file models/silver/nope.sql)");
    expect_error("models:\n  silver.sales:\n    checks:\n      - {not_null: [a], unique: [a]}\n",
                 "smelt.yaml:4:33: a check has one kind (not_null or unique)");
    expect_error("models:\n  silver.sales:\n    checks:\n      - name: x\n",
                 "smelt.yaml:4:9: a check needs a kind: not_null, unique, accepted_values, "
                 "relationships, row_count or sql");
    expect_error("models:\n  silver.sales:\n    checks:\n      - row_count: {}\n",
                 "smelt.yaml:4:20: row_count needs min or max");
    expect_error("models:\n  silver.sales:\n    checks:\n      - row_count: {min: 1}\n"
                 "        on_fail: quarantine\n",
                 "smelt.yaml:5:18: row_count has no bad rows to quarantine");
    expect_error("models:\n  silver.sales:\n    checks:\n      - not_null: [a]\n"
                 "        severity: fatal\n",
                 "smelt.yaml:5:19: severity must be error or warn, not \"fatal\"");
    expect_error("models:\n  silver.sales:\n    checks:\n"
                 "      - relationships: {column: a, to: customers}\n",
                 "smelt.yaml:4:40: to must name a table as layer.table, not \"customers\"");
    expect_error("models:\n  silver.sales:\n    checks:\n      - not_null: [\"a`b\"]\n",
                 "smelt.yaml:4:20: \"a`b\" is not a column name");
}

static void test_source_errors(void)
{
    expect_error("sources:\n  f:\n    type: files\n    format: xml\n    path: a\n",
                 "smelt.yaml:4:13: format must be csv, jsonl, json, parquet or auto, not \"xml\"");
    expect_error("sources:\n  f:\n    type: files\n",
                 "smelt.yaml:3:5: a files source needs a \"path\"");
    expect_error("sources:\n  f:\n    type: files\n    path: a\n    delimiter: ab\n",
                 "smelt.yaml:5:16: expected one ASCII character, got \"ab\"");
    expect_error("sources:\n  f:\n    type: files\n    path: a\n    schema: {id: integr}\n",
                 "smelt.yaml:5:18: unknown type \"integr\" for column id");
    expect_error("sources:\n  h:\n    type: http\n    url: ftp://x\n",
                 "smelt.yaml:4:10: url must start with http:// or https://");
    expect_error(
        "sources:\n  h:\n    type: http\n    url: http://x\n    timeout: soon\n",
        "smelt.yaml:5:14: expected a duration like \"30s\", \"5m\", \"1h\" or \"250ms\", got "
        "\"soon\"");
    expect_error("sources:\n  h:\n    type: http\n    url: http://x\n    next: next\n"
                 "    page_param: page\n",
                 "smelt.yaml:6:17: paginate by next or by page_param, not both");
    expect_error("sources:\n  h:\n    type: kafka\n",
                 "smelt.yaml:3:11: unknown source type \"kafka\" (known: postgres, files, http)");
}

static void test_sources_read(void)
{
    sm_project_t *p;
    sm_config_t *cfg;
    sm_error_t e;
    CHECK_OK(load("sources:\n"
                  "  sales:\n    type: files\n    path: d/*.csv\n    delimiter: ';'\n"
                  "    header: false\n    schema: {id: int, amount: 'decimal(10,2)'}\n    as: s\n"
                  "  api:\n    type: http\n    url: https://x/y\n    records: data\n"
                  "    max_bytes: 1MiB\n    headers: {X-Key: '${K}'}\n",
                  &p, &cfg, &e),
             &e);
    if (p) {
        CHECK_EQ_INT(p->nbronze, 2);
        CHECK_EQ_STR(p->bronze[0].name, "s");
        CHECK_EQ_STR(p->bronze[1].name, "api");
        CHECK_EQ_STR(p->sources[0].schema, "struct<`id`:int,`amount`:decimal(10,2)>");
        CHECK(p->sources[0].no_header && p->sources[0].delimiter == ';');
        CHECK_EQ_INT(p->sources[1].max_bytes, 1 << 20);
        CHECK_EQ_INT(p->sources[1].retries, 3);
        CHECK_EQ_STR(p->sources[1].headers[0].value, "${K}");
    }
    sm_project_free(p);
    sm_config_free(cfg);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/smelt-checks-unit-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/models", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/models/silver", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/models/silver/sales.sql", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fputs("SELECT 1 AS id\n", f);
    fclose(f);
    RUN(test_checks_read);
    RUN(test_check_errors);
    RUN(test_source_errors);
    RUN(test_sources_read);
    unlink(path);
    snprintf(path, sizeof path, "%s/models/silver", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/models", dir);
    rmdir(path);
    rmdir(dir);
    return check_summary();
}
