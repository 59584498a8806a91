/* delta/snapshot: log replay over the local store. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "delta/log.h"
#include "delta/snapshot.h"

static char tmpdir[256];

static void put(sm_store_t *st, const char *key, const char *text)
{
    sm_error_t e;
    CHECK_OK(sm_store_put(st, key, text, strlen(text), &e), &e);
}

#define PROTO "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
#define META                                                                                       \
    "{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"            \
    "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\","     \
    "\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","                    \
    "\"partitionColumns\":[],\"configuration\":{}}}\n"
#define ADD(p)                                                                                     \
    "{\"add\":{\"path\":\"" p "\",\"partitionValues\":{},\"size\":10,\"modificationTime\":1,"      \
    "\"dataChange\":true}}\n"
#define REMOVE(p) "{\"remove\":{\"path\":\"" p "\",\"deletionTimestamp\":5,\"dataChange\":true}}\n"

static sm_store_t *fresh_store(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/smelt-test-snapshot-XXXXXX");
    if (!mkdtemp(tmpdir))
        return NULL;
    sm_store_t *st = NULL;
    sm_error_t e;
    CHECK_OK(sm_store_open(tmpdir, &st, &e), &e);
    return st;
}

static void test_replay(void)
{
    sm_store_t *st = fresh_store();
    if (!st)
        return;
    put(st, "t/_delta_log/00000000000000000000.json", PROTO META ADD("a.parquet"));
    put(st, "t/_delta_log/00000000000000000001.json",
        ADD("b.parquet") "{\"txn\":{\"appId\":\"s\",\"version\":4,\"lastUpdated\":1}}\n");
    put(st, "t/_delta_log/00000000000000000002.json",
        REMOVE("a.parquet") ADD("c%20d.parquet") "{\"txn\":{\"appId\":\"s\",\"version\":5}}\n");
    put(st, "t/_delta_log/00000000000000000002.crc", "ignored");
    sm_error_t e;
    sm_delta_snapshot_t *s = NULL;
    CHECK_OK(sm_delta_snapshot_load(st, "t", NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->version, 2);
        CHECK_EQ_INT(s->nfiles, 2);
        CHECK_EQ_STR(s->files[0].path, "b.parquet");
        CHECK_EQ_STR(s->files[1].path, "c d.parquet");
        CHECK_EQ_INT(s->ntombstones, 1);
        CHECK_EQ_INT(sm_delta_snapshot_txn_version(s, "s"), 5);
        CHECK_EQ_INT(sm_delta_snapshot_txn_version(s, "other"), -1);
        CHECK_EQ_INT(s->total_bytes, 20);
        CHECK_EQ_INT(s->schema->nfields, 1);
        sm_delta_snapshot_free(s);
    }
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = 1};
    CHECK_OK(sm_delta_snapshot_load(st, "t", &at, &s, &e), &e);
    if (s) {
        CHECK_EQ_INT(s->nfiles, 2);
        CHECK_EQ_STR(s->files[0].path, "a.parquet");
        CHECK_EQ_INT(sm_delta_snapshot_txn_version(s, "s"), 4);
        sm_delta_snapshot_free(s);
    }
    at.version = 9;
    CHECK(sm_delta_snapshot_load(st, "t", &at, &s, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "version 9 does not exist: the log has versions 0 to 2") != NULL);
    CHECK(sm_delta_snapshot_load(st, "nope", NULL, &s, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no Delta table at") != NULL);
    /* a corrupt line names the file and line */
    put(st, "t/_delta_log/00000000000000000003.json", ADD("e.parquet") "{\"add\":{\"path\":1}}\n");
    CHECK(sm_delta_snapshot_load(st, "t", NULL, &s, &e) == SM_ERR_CORRUPT);
    CHECK(
        strstr(e.msg,
               "t/_delta_log/00000000000000000003.json:2: add: field \"path\" must be a string") !=
        NULL);
    /* an unsupported protocol names the feature */
    put(st, "u/_delta_log/00000000000000000000.json",
        "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":"
        "[\"deletionVectors\",\"fancy\"],\"writerFeatures\":[\"deletionVectors\"]}}\n" META);
    CHECK(sm_delta_snapshot_load(st, "u", NULL, &s, &e) == SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "reader feature \"fancy\" is not supported") != NULL);
    /* the deletionVectors feature alone is fine until a live file has one */
    put(st, "d/_delta_log/00000000000000000000.json",
        "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":"
        "[\"deletionVectors\"],\"writerFeatures\":[\"deletionVectors\"]}}\n" META ADD("a"));
    CHECK_OK(sm_delta_snapshot_load(st, "d", NULL, &s, &e), &e);
    sm_delta_snapshot_free(s);
    put(st, "d/_delta_log/00000000000000000001.json",
        REMOVE(
            "a") "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":10,"
                 "\"modificationTime\":1,\"dataChange\":true,\"deletionVector\":{\"storageType\":"
                 "\"u\","
                 "\"pathOrInlineDv\":\"x\",\"offset\":1,\"sizeInBytes\":3,\"cardinality\":1}}}\n");
    CHECK(sm_delta_snapshot_load(st, "d", NULL, &s, &e) == SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "deletion vectors (deletionVectors feature)") != NULL);
    put(st, "d/_delta_log/00000000000000000002.json", REMOVE("a"));
    CHECK_OK(sm_delta_snapshot_load(st, "d", NULL, &s, &e), &e);
    if (s)
        CHECK_EQ_INT(s->nfiles, 0);
    sm_delta_snapshot_free(s);
    /* column mapping by name */
    put(st, "m/_delta_log/00000000000000000000.json",
        "{\"protocol\":{\"minReaderVersion\":2,\"minWriterVersion\":5}}\n"
        "{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
        "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
        "\"partitionColumns\":[],\"configuration\":{\"delta.columnMapping.mode\":\"name\"}}}\n");
    CHECK(sm_delta_snapshot_load(st, "m", NULL, &s, &e) == SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "column mapping (columnMapping feature, mode \"name\")") != NULL);
    /* a gap in the log */
    put(st, "g/_delta_log/00000000000000000000.json", PROTO META);
    put(st, "g/_delta_log/00000000000000000002.json", ADD("x"));
    CHECK(sm_delta_snapshot_load(st, "g", NULL, &s, &e) == SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "commit 1 is missing") != NULL);
    sm_store_close(st);
    CHECK(check_rm_tree(tmpdir));
}

int main(void)
{
    RUN(test_replay);
    return check_summary();
}
