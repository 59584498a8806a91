/* delta/action: parsing and writing Delta log actions. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "core/mem.h"
#include "delta/action.h"

static sm_err_t parse_str(const char *text, sm_arena_t *a, sm_delta_action_t **acts, size_t *n,
                          sm_error_t *e)
{
    return sm_delta_parse_commit("_delta_log/00000000000000000001.json", (const uint8_t *)text,
                                 strlen(text), a, acts, n, e);
}

static void test_spark_commit(void)
{
    const char *text =
        "{\"commitInfo\":{\"timestamp\":1564524295023,\"operation\":\"CREATE TABLE\"}}\n"
        "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
        "{\"metaData\":{\"id\":\"22ef\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
        "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
        "\"partitionColumns\":[\"d\"],\"configuration\":{\"k\":\"v\"},\"createdTime\":7}}\n"
        "{\"add\":{\"path\":\"d=2024-01-01%2010%253A00/part-0.parquet\",\"partitionValues\":"
        "{\"d\":\"2024-01-01\",\"n\":null},\"size\":123,\"modificationTime\":5,\"dataChange\":true,"
        "\"stats\":\"{\\\"numRecords\\\":2}\",\"tags\":{\"x\":\"y\"}}}\n"
        "{\"txn\":{\"appId\":\"q1\",\"version\":3,\"lastUpdated\":200}}\n"
        "\n"
        "{\"domainMetadata\":{\"domain\":\"x\",\"configuration\":\"{}\",\"removed\":false}}\n";
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_error_t e;
    sm_delta_action_t *acts;
    size_t n;
    CHECK_OK(parse_str(text, &a, &acts, &n, &e), &e);
    CHECK_EQ_INT(n, 6);
    if (n == 6) {
        CHECK_EQ_INT(acts[0].kind, SM_DELTA_COMMIT_INFO);
        CHECK_EQ_INT(acts[0].u.commit_info.timestamp, 1564524295023);
        CHECK_EQ_STR(acts[0].u.commit_info.operation, "CREATE TABLE");
        CHECK_EQ_INT(acts[1].u.protocol.min_writer_version, 2);
        CHECK_EQ_STR(acts[2].u.metadata.id, "22ef");
        CHECK_EQ_STR(acts[2].u.metadata.provider, "parquet");
        CHECK_EQ_INT(acts[2].u.metadata.n_partition_columns, 1);
        CHECK_EQ_STR(acts[2].u.metadata.partition_columns[0], "d");
        CHECK_EQ_INT(acts[2].u.metadata.created_time, 7);
        const sm_delta_add_t *add = &acts[3].u.add;
        CHECK_EQ_INT(acts[3].kind, SM_DELTA_ADD);
        /* decoded exactly once: %25 becomes %, %20 a space */
        CHECK_EQ_STR(add->path, "d=2024-01-01 10%3A00/part-0.parquet");
        CHECK_EQ_INT(add->size, 123);
        CHECK(add->data_change);
        CHECK_EQ_STR(add->stats, "{\"numRecords\":2}");
        const char *v = "unset";
        CHECK(sm_delta_kv_find(add->partition_values, add->n_partition_values, "n", &v));
        CHECK(v == NULL);
        CHECK(!sm_delta_kv_find(add->partition_values, add->n_partition_values, "zz", NULL));
        CHECK_EQ_STR(acts[4].u.txn.app_id, "q1");
        CHECK_EQ_INT(acts[4].u.txn.version, 3);
        CHECK_EQ_INT(acts[5].kind, SM_DELTA_OTHER);
        CHECK_EQ_STR(acts[5].other_name, "domainMetadata");
    }
    sm_arena_free(&a);
}

static void expect_error(const char *text, const char *want)
{
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_error_t e;
    sm_delta_action_t *acts;
    size_t n;
    CHECK(parse_str(text, &a, &acts, &n, &e) != SM_OK);
    if (!strstr(e.msg, want))
        fprintf(stderr, "  message was: %s\n  wanted: %s\n", e.msg, want);
    CHECK(strstr(e.msg, want) != NULL);
    sm_arena_free(&a);
}

static void test_errors(void)
{
    expect_error("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n{\"add\":{}}",
                 "_delta_log/00000000000000000001.json:2: add: missing required field \"path\"");
    expect_error("{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":\"12\","
                 "\"modificationTime\":1,\"dataChange\":true}}",
                 ":1: add: field \"size\" must be an integer");
    expect_error("{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":-1,"
                 "\"modificationTime\":1,\"dataChange\":true}}",
                 "must not be negative");
    expect_error("{\"add\":{\"path\":\"a%zz\",\"partitionValues\":{},\"size\":1,"
                 "\"modificationTime\":1,\"dataChange\":true}}",
                 "bad percent-escape at offset 1");
    expect_error("{\"protocol\":{\"minReaderVersion\":1,", ":1:");
    expect_error("{\"protocol\":{\"minReaderVersion\":1,", "invalid JSON");
    expect_error("[1,2]", "exactly one key");
    expect_error("{\"a\":{},\"b\":{}}", "exactly one key");
    expect_error("{\"txn\":5}", "txn: the action's value must be an object");
    expect_error("{\"metaData\":{\"id\":\"x\",\"schemaString\":\"{}\",\"partitionColumns\":[]}}",
                 "missing required field \"format\"");
    expect_error("{\"protocol\":{\"minReaderVersion\":0,\"minWriterVersion\":2}}",
                 "versions must be 1 to 1000");
}

static void test_round_trip(void)
{
    sm_delta_kv_t pv[] = {{"country", "FRANCE"}, {"day", NULL}};
    const char *pcols[] = {"country", "day"};
    sm_delta_action_t in[5] = {0};
    in[0].kind = SM_DELTA_PROTOCOL;
    in[0].u.protocol.min_reader_version = 1;
    in[0].u.protocol.min_writer_version = 2;
    in[1].kind = SM_DELTA_METADATA;
    in[1].u.metadata = (sm_delta_metadata_t){.id = "abc",
                                             .provider = "parquet",
                                             .schema_string = "{\"type\":\"struct\",\"fields\":[]}",
                                             .partition_columns = pcols,
                                             .n_partition_columns = 2,
                                             .created_time = 42};
    in[2].kind = SM_DELTA_ADD;
    in[2].u.add = (sm_delta_add_t){.path = "country=FRANCE/a b:c%.parquet",
                                   .partition_values = pv,
                                   .n_partition_values = 2,
                                   .size = 99,
                                   .modification_time = 5,
                                   .data_change = true,
                                   .stats = "{\"numRecords\":1}"};
    in[3].kind = SM_DELTA_REMOVE;
    in[3].u.remove = (sm_delta_remove_t){.path = "old é.parquet",
                                         .deletion_timestamp = 9,
                                         .data_change = true,
                                         .extended_file_metadata = true,
                                         .size = 10};
    in[4].kind = SM_DELTA_TXN;
    in[4].u.txn = (sm_delta_txn_t){.app_id = "stream-1", .version = 17, .last_updated = 3};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    for (int i = 0; i < 5; i++)
        CHECK_OK(sm_delta_action_write(&in[i], &b, &e), &e);
    /* what the log holds is escaped exactly once */
    CHECK(strstr((char *)b.data, "\"path\":\"country%3DFRANCE/a%20b%3Ac%25.parquet\"") != NULL);
    CHECK(strstr((char *)b.data, "\"day\":null") != NULL);
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_delta_action_t *out;
    size_t n;
    CHECK_OK(sm_delta_parse_commit("x.json", b.data, b.len, &a, &out, &n, &e), &e);
    CHECK_EQ_INT(n, 5);
    if (n == 5) {
        CHECK_EQ_STR(out[1].u.metadata.partition_columns[1], "day");
        CHECK_EQ_STR(out[2].u.add.path, "country=FRANCE/a b:c%.parquet");
        CHECK_EQ_INT(out[2].u.add.size, 99);
        CHECK_EQ_STR(out[2].u.add.stats, "{\"numRecords\":1}");
        CHECK_EQ_STR(out[3].u.remove.path, "old é.parquet");
        CHECK_EQ_INT(out[3].u.remove.size, 10);
        CHECK_EQ_INT(out[4].u.txn.version, 17);
    }
    sm_arena_free(&a);
    sm_buf_free(&b);
}

static void test_commit_name(void)
{
    char name[26];
    sm_delta_commit_name(0, name);
    CHECK_EQ_STR(name, "00000000000000000000.json");
    sm_delta_commit_name(1234567, name);
    CHECK_EQ_STR(name, "00000000000001234567.json");
}

/* Every commit file of the conformance corpus parses (a JSON log written by
 * Spark or delta-rs). */
static int parse_dir(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int bad = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            bad += parse_dir(path, files);
            continue;
        }
        size_t len = strlen(de->d_name);
        size_t dlen = strlen(dir);
        if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0 || dlen < 10 ||
            strcmp(dir + dlen - 10, "_delta_log") != 0)
            continue;
        if (strspn(de->d_name, "0123456789") != 20)
            continue;
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *data = malloc((size_t)st.st_size + 1);
        size_t got = data ? fread(data, 1, (size_t)st.st_size, f) : 0;
        fclose(f);
        sm_arena_t a;
        sm_arena_init(&a, 0);
        sm_error_t e;
        sm_delta_action_t *acts;
        size_t n;
        if (sm_delta_parse_commit(path, data, got, &a, &acts, &n, &e) != SM_OK) {
            fprintf(stderr, "corpus: %s\n", e.msg);
            bad++;
        }
        ++*files;
        sm_arena_free(&a);
        free(data);
    }
    closedir(d);
    return bad;
}

static void test_corpus(void)
{
    const char *src = getenv("SMELT_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/data/delta-tables", src ? src : ".");
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("SKIPPED: delta-tables corpus not found at %s\n", dir);
        return;
    }
    int files = 0;
    CHECK_EQ_INT(parse_dir(dir, &files), 0);
    CHECK(files > 100);
    printf("corpus: %d commit files parsed\n", files);
}

static void test_alloc_failures(void)
{
    const char *text = "{\"add\":{\"path\":\"p%20q\",\"partitionValues\":{\"a\":\"1\"},\"size\":1,"
                       "\"modificationTime\":1,\"dataChange\":true,\"stats\":\"{}\"}}\n";
    for (long k = 1; k < 40; k++) {
        sm_arena_t a;
        sm_arena_init(&a, 64);
        sm_error_t e;
        sm_delta_action_t *acts;
        size_t n;
        sm_mem_fail_after(k);
        sm_err_t rc = parse_str(text, &a, &acts, &n, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        sm_arena_free(&a);
    }
}

int main(void)
{
    RUN(test_spark_commit);
    RUN(test_errors);
    RUN(test_round_trip);
    RUN(test_commit_name);
    RUN(test_corpus);
    RUN(test_alloc_failures);
    return check_summary();
}
