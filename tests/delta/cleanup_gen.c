/* cleanup_gen DIR — builds DIR/t, a Delta table of 28 one-row appends
 * (ids 0..27) with delta.checkpointInterval 5 and a log retention of one
 * millisecond, so that smelt's writer checkpoints at 5, 10, ... 25 and
 * cleans the log up after each checkpoint.  Prints the expected rows as
 * JSON lines ({"id":N,"note":"row N"}) on stdout, then checks with smelt's
 * own reader: the latest version has 28 rows, version 26 has 27, and
 * version 3 (cleaned up) fails with SM_ERR_NOT_FOUND, whose message goes
 * to stderr.  Exit 0 when all of that holds. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "delta/snapshot.h"
#include "delta/write.h"

static int put(sm_store_t *st, int id, sm_error_t *e)
{
    static const char *schema_text = "struct<id:bigint,note:string>";
    sm_delta_kv_t cfg[] = {{"delta.checkpointInterval", "5"},
                           {"delta.logRetentionDuration", "interval 1 millisecond"}};
    sm_delta_write_opts_t o = {.mode = SM_DELTA_APPEND,
                               .set_config = id == 0 ? cfg : NULL,
                               .nset_config = id == 0 ? 2 : 0};
    char ids[24], note[32];
    snprintf(ids, sizeof ids, "%d", id);
    snprintf(note, sizeof note, "row %d", id);
    const char *cells[] = {ids, note};
    sm_type_t *schema = NULL;
    sm_delta_write_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_delta_write_result_t r = {.version = -1};
    sm_err_t rc = sm_type_parse(schema_text, strlen(schema_text), &schema, e);
    if (!rc)
        rc = sm_delta_write_open(st, "t", schema, &o, &w, e);
    if (!rc)
        rc = sm_batch_new(schema, 0, &b, e);
    if (!rc)
        rc = sm_batch_append_row(b, cells, e);
    if (!rc)
        rc = sm_delta_write_batch(w, b, e);
    if (!rc) {
        rc = sm_delta_write_commit(w, &r, e);
        w = NULL;
    }
    sm_delta_write_abort(w);
    sm_batch_free(b);
    sm_type_free(schema);
    if (!rc && r.checkpoint_error[0])
        fprintf(stderr, "checkpoint after version %" PRId64 ": %s\n", r.version,
                r.checkpoint_error);
    return rc || r.checkpoint_error[0] ? 1 : 0;
}

/* Live files of `version` (-1 latest), or -1 with *rc set. */
static int64_t files_at(sm_store_t *st, int64_t version, sm_err_t *rc, sm_error_t *e)
{
    sm_delta_at_t at = {.kind = version < 0 ? SM_DELTA_AT_LATEST : SM_DELTA_AT_VERSION,
                        .version = version};
    sm_delta_snapshot_t *s = NULL;
    *rc = sm_delta_snapshot_load(st, "t", &at, &s, e);
    int64_t n = *rc ? -1 : (int64_t)s->nfiles;
    sm_delta_snapshot_free(s);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cleanup_gen DIR\n");
        return 2;
    }
    sm_error_t e;
    sm_store_t *st = NULL;
    if (sm_store_open(argv[1], &st, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < 28 && !bad; i++) {
        if ((bad = put(st, i, &e)))
            fprintf(stderr, "append %d: %s\n", i, e.msg);
        printf("{\"id\":%d,\"note\":\"row %d\"}\n", i, i);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    sm_err_t rc;
    int64_t n = files_at(st, -1, &rc, &e);
    if (n != 28) {
        fprintf(stderr, "smelt reads %" PRId64 " files at the latest version: %s\n", n,
                rc ? e.msg : "");
        bad = 1;
    }
    n = files_at(st, 26, &rc, &e);
    if (n != 27) {
        fprintf(stderr, "smelt reads %" PRId64 " files at version 26: %s\n", n, rc ? e.msg : "");
        bad = 1;
    }
    n = files_at(st, 3, &rc, &e);
    if (rc != SM_ERR_NOT_FOUND) {
        fprintf(stderr, "version 3 should be gone; got %" PRId64 " files\n", n);
        bad = 1;
    } else {
        fprintf(stderr, "%s\n", e.msg);
    }
    sm_store_close(st);
    return bad;
}
