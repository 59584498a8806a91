/*
 * delta_gen — builds a Delta table with smelt's writer for the interop tier
 * and prints the rows it should hold at the end as JSON lines.
 *   delta_gen TABLE_DIR > expected.jsonl
 * Steps: create (partitioned by country), append, an idempotent append
 * whose txn is then replayed (must be skipped), a dynamic partition
 * overwrite of one country, and a plain append — 14 commits in all, so a
 * checkpoint is written at version 10.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/columnar.h"
#include "delta/snapshot.h"
#include "delta/write.h"

static const char *SCHEMA = "struct<id:bigint,country:string,amount:decimal(10,2),"
                            "day:date,note:string,tags:array<string>>";
static const char *COUNTRIES[] = {"FRANCE", "GERMANY", "USA", "UK"};

/* The rows we expect at the end, as JSON lines, by id. */
static char *expected[100000];

static sm_err_t write_step(sm_store_t *st, sm_type_t *schema, sm_delta_mode_t mode, int64_t first,
                           int64_t n, const char *only_country, const char *txn, int64_t txn_v,
                           bool remember, sm_error_t *e)
{
    const char *pby[] = {"country"};
    sm_delta_write_opts_t o = {.mode = mode,
                               .partition_by = pby,
                               .npartition_by = 1,
                               .txn_app_id = txn,
                               .txn_version = txn_v,
                               .parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
    sm_delta_write_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_delta_write_open(st, "sales", schema, &o, &w, e);
    if (!rc)
        rc = sm_batch_new(schema, (size_t)n, &b, e);
    for (int64_t i = first; !rc && i < first + n; i++) {
        const char *c = only_country ? only_country : COUNTRIES[i % 4];
        char amount[32], day[16], note[32];
        snprintf(amount, sizeof amount, "%" PRId64 ".%02d", i * 3 % 1000, (int)(i % 100));
        snprintf(day, sizeof day, "2026-11-%02d", (int)(i % 28) + 1);
        snprintf(note, sizeof note, "n%" PRId64, i);
        const char *cells[] = {NULL, c, amount, day, i % 7 ? note : NULL, NULL};
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, i);
        cells[0] = id;
        rc = sm_batch_append_row(b, cells, e);
        if (!rc && remember) {
            char line[256];
            snprintf(
                line, sizeof line,
                "{\"id\":%s,\"country\":\"%s\",\"amount\":\"%s\",\"day\":\"%s\",\"note\":%s%s%s}",
                id, c, amount, day, i % 7 ? "\"" : "", i % 7 ? note : "null", i % 7 ? "\"" : "");
            free(expected[i]);
            expected[i] = strdup(line);
        }
    }
    if (!rc)
        rc = sm_delta_write_batch(w, b, e);
    sm_batch_free(b);
    sm_delta_write_result_t res;
    if (!rc) {
        rc = sm_delta_write_commit(w, &res, e);
        w = NULL;
        if (!rc)
            fprintf(stderr,
                    "delta_gen: version %" PRId64 ", %" PRId64 " files added, %" PRId64
                    " removed\n",
                    res.version, res.files_added, res.files_removed);
    }
    sm_delta_write_abort(w);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: delta_gen DIR\n");
        return 2;
    }
    sm_error_t e;
    sm_type_t *schema = NULL;
    sm_store_t *st = NULL;
    sm_err_t rc = sm_type_parse(SCHEMA, strlen(SCHEMA), &schema, &e);
    if (!rc)
        rc = sm_store_open(argv[1], &st, &e);
    /* v0: create with 400 rows */
    if (!rc)
        rc = write_step(st, schema, SM_DELTA_APPEND, 0, 400, NULL, NULL, 0, true, &e);
    /* v1..v8: appends of 50 rows each */
    for (int k = 0; !rc && k < 8; k++)
        rc = write_step(st, schema, SM_DELTA_APPEND, 400 + k * 50, 50, NULL, NULL, 0, true, &e);
    /* v9: an idempotent append (stream batch 1), then the same batch again: skipped */
    if (!rc)
        rc = write_step(st, schema, SM_DELTA_APPEND, 1000, 10, NULL, "stream-1", 1, true, &e);
    if (!rc)
        rc = write_step(st, schema, SM_DELTA_APPEND, 2000, 10, NULL, "stream-1", 1, false, &e);
    /* v10: replace the FRANCE partition with 5 new rows (ids 3000..3004) */
    if (!rc) {
        for (int64_t i = 0; i < 100000; i++) {
            if (expected[i] && strstr(expected[i], "\"FRANCE\"")) {
                free(expected[i]);
                expected[i] = NULL;
            }
        }
        rc = write_step(st, schema, SM_DELTA_OVERWRITE_PARTITIONS, 3000, 5, "FRANCE", NULL, 0, true,
                        &e);
    }
    /* v11..v13: more appends */
    for (int k = 0; !rc && k < 3; k++)
        rc = write_step(st, schema, SM_DELTA_APPEND, 4000 + k * 20, 20, NULL, NULL, 0, true, &e);
    if (rc) {
        fprintf(stderr, "delta_gen: %s\n", e.msg);
        return 1;
    }
    for (int64_t i = 0; i < 100000; i++) {
        if (expected[i]) {
            puts(expected[i]);
            free(expected[i]);
        }
    }
    sm_store_close(st);
    sm_type_free(schema);
    return 0;
}
