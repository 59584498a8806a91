/* Tests of the bronze ingest's on_read hook (pipeline/bronze.h): a files
 * source tells once its inputs are read, before anything is committed; a
 * read that fails never tells and commits nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "connect/files.h"
#include "delta/snapshot.h"
#include "lake/lake.h"
#include "pipeline/bronze.h"

typedef struct seen {
    sm_lake_t *lake;
    int calls;
    int64_t version_at_read; /* the table's version when on_read came; -1 = none */
} seen_t;

static int64_t version_of(sm_lake_t *lake, const char *name)
{
    sm_lake_table_t t;
    if (sm_lake_resolve(lake, name, &t, NULL))
        return -1;
    sm_delta_snapshot_t *s = NULL;
    int64_t v = -1;
    if (sm_delta_snapshot_load(t.store, t.prefix, NULL, &s, NULL) == SM_OK)
        v = s->version;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return v;
}

static void on_read(void *arg)
{
    seen_t *s = arg;
    s->calls++;
    s->version_at_read = version_of(s->lake, "bronze.people");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_on_read_comes_before_the_commit(void)
{
    char dir[] = "/tmp/smelt-bronze-release-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char csv[300], lakedir[300];
    snprintf(csv, sizeof csv, "%s/people.csv", dir);
    snprintf(lakedir, sizeof lakedir, "%s/lake", dir);
    write_file(csv, "id,name\n1,ada\n2,alan\n3,grace\n");
    sm_lake_t *lake = NULL;
    sm_error_t e;
    CHECK_OK(sm_lake_open(lakedir, NULL, &lake, &e), &e);
    sm_source_t src = {
        .name = "files", .kind = SM_SOURCE_FILES, .path = "people.csv", .format = SM_FILE_CSV};
    sm_bronze_table_t bt = {.source = "files", .table = "people.csv", .name = "people"};
    seen_t s = {.lake = lake, .version_at_read = -2};
    sm_bronze_opts_t o = {
        .project_dir = dir, .now_ms = 1700000000000, .on_read = on_read, .arg = &s};
    sm_bronze_result_t res;
    CHECK_OK(sm_bronze_ingest(lake, &src, &bt, &o, &res, &e), &e);
    CHECK_EQ_INT(res.rows, 3);
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_INT(s.version_at_read, -1); /* nothing committed yet then */
    CHECK_EQ_INT(version_of(lake, "bronze.people"), res.version);
    /* the second run: on_read sees the first version only */
    CHECK_OK(sm_bronze_ingest(lake, &src, &bt, &o, &res, &e), &e);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(s.version_at_read, 0);
    CHECK_EQ_INT(res.version, 1);
    /* a source that cannot be read: no on_read, the table keeps version 1 */
    sm_source_t missing = src;
    missing.path = "no_such_file.csv";
    CHECK(sm_bronze_ingest(lake, &missing, &bt, &o, &res, &e) != SM_OK);
    CHECK(strstr(e.msg, "bronze.people") != NULL);
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(version_of(lake, "bronze.people"), 1);
    /* without a hook */
    sm_bronze_opts_t plain = {.project_dir = dir, .now_ms = 1700000000000};
    CHECK_OK(sm_bronze_ingest(lake, &src, &bt, &plain, &res, &e), &e);
    CHECK_EQ_INT(res.version, 2);
    CHECK_EQ_INT(s.calls, 2);
    sm_lake_close(lake);
    CHECK(check_rm_tree(dir));
}

int main(void)
{
    RUN(test_on_read_comes_before_the_commit);
    return check_summary();
}
