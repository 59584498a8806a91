/* delta/write: rows go to their partitions when consecutive rows share
 * partition values (the writer reuses the previous row's partition without
 * formatting its values again).  Runs of one value, NULL runs, strings of
 * one length differing in content, dates, a batch that is a slice of a
 * larger one (non-zero offset): every row read back through the scan must
 * carry the partition values its id says, and each partition holds its
 * own rows only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "columnar/text.h"
#include "core/mem.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/write.h"

static char dir[256];

#define NROWS 600

/* Partition values of row id: runs of varying length. */
static const char *p_of(int id, char buf[8])
{
    int k = (id / 7 + id / 50) % 5;
    if (k == 4)
        return NULL;
    snprintf(buf, 8, "a%c", "bcdx"[k]); /* "ab" "ac" "ad" "ax": one length */
    return buf;
}
static const char *d_of(int id)
{
    return (id / 13) % 3 == 0 ? "2024-01-01" : (id / 13) % 3 == 1 ? "2024-01-02" : NULL;
}

static void test_runs(void)
{
    sm_store_t *st = NULL;
    sm_error_t e = {0};
    CHECK_OK(sm_store_open(dir, &st, &e), &e);
    sm_type_t *schema = NULL;
    const char *s = "struct<id:int,p:string,d:date>";
    CHECK_OK(sm_type_parse(s, strlen(s), &schema, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(schema, 0, &b, &e), &e);
    for (int i = 0; i < NROWS; i++) {
        char id[16], pb[8];
        snprintf(id, sizeof id, "%d", i);
        const char *cells[] = {id, p_of(i, pb), d_of(i)};
        CHECK_OK(sm_batch_append_row(b, cells, &e), &e);
    }
    const char *pby[] = {"p", "d"};
    sm_delta_write_opts_t o = {.partition_by = pby, .npartition_by = 2};
    sm_delta_write_t *w = NULL;
    CHECK_OK(sm_delta_write_open(st, "t", schema, &o, &w, &e), &e);
    /* two slices: the second starts mid-run, at a non-zero offset */
    size_t cut = 333;
    for (int part = 0; w && part < 2; part++) {
        size_t at = part ? cut : 0, n = part ? NROWS - cut : cut;
        sm_vector_t *cols[3] = {0};
        for (size_t i = 0; i < 3; i++)
            CHECK_OK(sm_vector_slice(b->cols[i], at, n, &cols[i], &e), &e);
        sm_batch_t *sl = NULL;
        CHECK_OK(sm_batch_from_vectors(schema, cols, 3, &sl, &e), &e);
        CHECK_OK(sm_delta_write_batch(w, sl, &e), &e);
        sm_batch_free(sl);
    }
    sm_delta_write_result_t res;
    CHECK_OK(sm_delta_write_commit(w, &res, &e), &e);
    CHECK_EQ_INT(res.rows, NROWS);

    sm_delta_snapshot_t *snap = NULL;
    CHECK_OK(sm_delta_snapshot_load(st, "t", NULL, &snap, &e), &e);
    /* 4 string values + NULL, 2 dates + NULL: at most 15 partitions, each
     * file in exactly one of them */
    CHECK(snap && snap->nfiles >= 10 && snap->nfiles <= 15);
    sm_delta_scan_t *sc = NULL;
    CHECK_OK(sm_delta_scan_open(st, snap, NULL, &sc, &e), &e);
    int seen = 0;
    bool got[NROWS] = {0};
    sm_err_t rc = SM_OK;
    for (sm_batch_t *x = NULL; sc && (rc = sm_delta_scan_next(sc, &x, &e)) == SM_OK && x;) {
        const sm_vector_t *vid = NULL, *vp = NULL, *vd = NULL;
        for (size_t c = 0; c < x->ncols; c++) {
            const char *name = x->schema->fields[c].name;
            if (!strcmp(name, "id"))
                vid = x->cols[c];
            else if (!strcmp(name, "p"))
                vp = x->cols[c];
            else if (!strcmp(name, "d"))
                vd = x->cols[c];
        }
        CHECK(vid && vp && vd);
        for (size_t r = 0; vid && vp && vd && r < x->nrows; r++) {
            int id = sm_vector_get_i32(vid, r);
            CHECK(id >= 0 && id < NROWS && !got[id]);
            if (id < 0 || id >= NROWS)
                continue;
            got[id] = true;
            seen++;
            char pb[8], db[16];
            const char *want_p = p_of(id, pb), *want_d = d_of(id);
            CHECK_EQ_INT(sm_vector_is_null(vp, r), want_p == NULL);
            if (want_p && !sm_vector_is_null(vp, r)) {
                size_t n;
                const char *g = sm_vector_get_str(vp, r, &n);
                CHECK(n == strlen(want_p) && memcmp(g, want_p, n) == 0);
            }
            CHECK_EQ_INT(sm_vector_is_null(vd, r), want_d == NULL);
            if (want_d && !sm_vector_is_null(vd, r)) {
                sm_fmt_date(sm_vector_get_i32(vd, r), db);
                CHECK_EQ_STR(db, want_d);
            }
        }
        sm_batch_free(x);
    }
    CHECK_EQ_INT(rc, SM_OK);
    CHECK_EQ_INT(seen, NROWS);
    sm_delta_scan_close(sc);
    sm_delta_snapshot_free(snap);
    sm_batch_free(b);
    sm_type_free(schema);
    sm_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/smelt-delta-parts-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_runs);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
