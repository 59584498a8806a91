/* The Parquet scan on a pool: files split into row-group pieces (fewer
 * files than pool slots) or read whole, with projections, repeated columns
 * and row-group pruning, must return exactly the rows of the serial scan,
 * in the same order; and the rows written (the oracle: the generator's
 * values) when nothing is pruned.  A missing file is an error, not a
 * crash or a short result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "core/pool.h"
#include "exec/op_scan.h"
#include "parquet/writer.h"
#include "scan_files.h"

static sm_store_t *store;
static char dir[] = "/tmp/smelt-scan-par-XXXXXX";
static const char *SCHEMA = "struct<id:bigint,s:string,v:double>";

static uint64_t rs = 12345;
static uint64_t rnd(void)
{
    return check_rand(&rs);
}

static sm_type_t *schema_of(void)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    if (sm_type_parse(SCHEMA, strlen(SCHEMA), &t, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    return t;
}

/* Rows [base, base + n) of the data: id = row number, s a few strings
 * (some NULL), v a double. */
static sm_batch_t *make_rows(sm_type_t *schema, int64_t base, size_t n)
{
    sm_batch_t *b = NULL;
    sm_error_t e;
    CHECK_OK(sm_batch_new(schema, n ? n : 1, &b, &e), &e);
    for (size_t i = 0; i < n; i++) {
        int64_t id = base + (int64_t)i;
        char s[32];
        snprintf(s, sizeof s, "s%llu", (unsigned long long)(rnd() % 50));
        CHECK(!sm_vector_append_i64(b->cols[0], id, &e));
        if (id % 13 == 0)
            CHECK(!sm_vector_append_null(b->cols[1], &e));
        else
            CHECK(!sm_vector_append_str(b->cols[1], s, &e));
        CHECK(!sm_vector_append_f64(b->cols[2], (double)(rnd() % 100000) / 7.0, &e));
    }
    CHECK_OK(sm_batch_sync(b, &e), &e);
    return b;
}

/* Writes `key` with rows [base, base + n) in row groups of rg_rows; the
 * rows are appended to *all (the oracle). */
static void write_file(const char *key, int64_t base, size_t n, size_t rg_rows, sm_batch_t *all)
{
    sm_type_t *schema = schema_of();
    sm_error_t e;
    sm_pq_writer_t *w = NULL;
    sm_pq_writer_opts_t o = {.codec = SM_PQ_CODEC_SNAPPY, .row_group_rows = rg_rows};
    CHECK_OK(sm_pq_writer_open(store, key, schema, &o, &w, &e), &e);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 1000 ? n - done : 1000;
        sm_batch_t *b = make_rows(schema, base + (int64_t)done, k);
        CHECK_OK(sm_pq_writer_write(w, b, &e), &e);
        for (size_t c = 0; c < 3; c++)
            CHECK_OK(sm_vector_append_range(all->cols[c], b->cols[c], 0, k, &e), &e);
        sm_batch_free(b);
        done += k;
    }
    CHECK_OK(sm_pq_writer_close(w, NULL, &e), &e);
    sm_pq_writer_free(w);
    sm_type_free(schema);
}

static sm_scan_files_t files_of(const char *const *keys, size_t n)
{
    return tu_scan_files(schema_of(), keys, n);
}

/* Scans keys with the given pool (NULL: serial) into one batch of the
 * projected columns; returns NULL (and the error in *rc/e) on failure. */
static sm_batch_t *scan(const char *const *keys, size_t nkeys, sm_pool_t *pool,
                        const uint32_t *cols, size_t ncols, const sm_scan_pred_t *preds,
                        size_t npreds, sm_err_t *rc, sm_error_t *e)
{
    sm_exec_ctx_t ctx = {.pool = pool};
    sm_scan_files_t f = files_of(keys, nkeys);
    sm_op_t *op = NULL;
    sm_batch_t *out = NULL;
    if ((*rc = sm_op_scan_new(&ctx, store, &f, cols, ncols, preds, npreds, &op, e)))
        return NULL;
    if ((*rc = sm_op_open(op, e)) == SM_OK)
        *rc = sm_batch_new(op->schema, 1024, &out, e);
    while (!*rc) {
        sm_batch_t *b = NULL;
        if ((*rc = sm_op_next(op, &b, e)) || !b)
            break;
        for (size_t c = 0; c < ncols && !*rc; c++)
            *rc = sm_vector_append_range(out->cols[c], b->cols[c], 0, b->nrows, e);
        sm_batch_free(b);
    }
    if (!*rc)
        *rc = sm_batch_sync(out, e);
    sm_op_free(op);
    if (*rc) {
        sm_batch_free(out);
        return NULL;
    }
    return out;
}

static bool same_rows(const sm_batch_t *a, const sm_batch_t *b)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols) {
        fprintf(stderr, "  %zu rows x %zu cols vs %zu x %zu\n", a->nrows, a->ncols, b->nrows,
                b->ncols);
        return false;
    }
    for (size_t c = 0; c < a->ncols; c++)
        if (!sm_vector_equal(a->cols[c], b->cols[c])) {
            fprintf(stderr, "  column %zu differs\n", c);
            return false;
        }
    return true;
}

static sm_batch_t *oracle;

static void test_split_matches_serial(void)
{
    /* big: 41 row groups; mid: 3; one: 1; none: no rows */
    write_file("big.parquet", 0, 20400, 500, oracle);
    write_file("mid.parquet", 20400, 3000, 1000, oracle);
    write_file("one.parquet", 23400, 700, 0, oracle);
    write_file("none.parquet", 24100, 0, 0, oracle);
    sm_error_t e;
    CHECK_OK(sm_batch_sync(oracle, &e), &e);
    const char *keys[] = {"big.parquet", "mid.parquet", "one.parquet", "none.parquet"};
    static const uint32_t all[] = {0, 1, 2};
    static const uint32_t proj[] = {2, 0, 2}; /* reordered, repeated */
    sm_err_t rc;
    for (unsigned threads = 1; threads <= 4; threads++) {
        sm_pool_t *pool = NULL;
        CHECK_OK(sm_pool_new(&pool, threads, &e), &e);
        /* every subset of the files, in order, so that some scans have
         * fewer files than slots (split) and some not */
        for (unsigned mask = 1; mask < 16; mask++) {
            const char *sel[4];
            size_t n = 0;
            for (unsigned k = 0; k < 4; k++)
                if (mask & (1u << k))
                    sel[n++] = keys[k];
            for (int p = 0; p < 2; p++) {
                const uint32_t *cols = p ? proj : all;
                sm_batch_t *ser = scan(sel, n, NULL, cols, 3, NULL, 0, &rc, &e);
                CHECK_OK(rc, &e);
                sm_batch_t *par = scan(sel, n, pool, cols, 3, NULL, 0, &rc, &e);
                CHECK_OK(rc, &e);
                if (ser && par && !same_rows(ser, par)) {
                    fprintf(stderr, "  threads %u files %#x projection %d\n", threads, mask, p);
                    CHECK(false);
                }
                sm_batch_free(ser);
                sm_batch_free(par);
            }
        }
        /* all four files, every column: exactly the rows written, in order */
        sm_batch_t *par = scan(keys, 4, pool, all, 3, NULL, 0, &rc, &e);
        CHECK_OK(rc, &e);
        if (par)
            CHECK(same_rows(par, oracle));
        sm_batch_free(par);
        sm_pool_free(pool);
    }
}

static void test_pruned_pieces(void)
{
    /* id >= 15000 keeps the tail of big.parquet's row groups (and the
     * other files): the pieces split only what is kept */
    sm_error_t e;
    sm_err_t rc;
    sm_type_t *bigint = NULL;
    CHECK_OK(sm_type_parse("bigint", 6, &bigint, &e), &e);
    sm_vector_t *lit = NULL;
    CHECK_OK(sm_vector_new(bigint, 1, &lit, &e), &e);
    CHECK_OK(sm_vector_append_i64(lit, 15000, &e), &e);
    sm_scan_pred_t pred = {.column = 0, .op = SM_PQ_PRED_GE, .values = lit};
    static const uint32_t all[] = {0, 1, 2};
    const char *keys[] = {"big.parquet", "mid.parquet"};
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    for (size_t n = 1; n <= 2; n++) {
        sm_batch_t *ser = scan(keys, n, NULL, all, 3, &pred, 1, &rc, &e);
        CHECK_OK(rc, &e);
        sm_batch_t *par = scan(keys, n, pool, all, 3, &pred, 1, &rc, &e);
        CHECK_OK(rc, &e);
        if (ser && par) {
            CHECK(same_rows(ser, par));
            /* pruning is by row group: ids from 15000 rounded down to 500 */
            CHECK_EQ_INT(ser->nrows, n == 1 ? 5400 : 8400);
            CHECK_EQ_INT(sm_vector_get_i64(par->cols[0], 0), 15000);
        }
        sm_batch_free(ser);
        sm_batch_free(par);
    }
    sm_pool_free(pool);
    sm_vector_free(lit);
    sm_type_free(bigint);
}

static void test_missing_file(void)
{
    sm_error_t e;
    sm_err_t rc;
    static const uint32_t all[] = {0, 1, 2};
    const char *keys[] = {"big.parquet", "gone.parquet"};
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_batch_t *par = scan(keys, 2, pool, all, 3, NULL, 0, &rc, &e);
    CHECK(par == NULL);
    CHECK(rc != SM_OK);
    CHECK(strstr(e.msg, "gone.parquet") != NULL);
    sm_pool_free(pool);
}

int main(void)
{
    sm_error_t e;
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    sm_type_t *schema = schema_of();
    CHECK_OK(sm_batch_new(schema, 1024, &oracle, &e), &e);
    sm_type_free(schema);
    RUN(test_split_matches_serial);
    RUN(test_pruned_pieces);
    RUN(test_missing_file);
    sm_batch_free(oracle);
    const char *keys[] = {"big.parquet", "mid.parquet", "one.parquet", "none.parquet"};
    for (size_t i = 0; i < 4; i++)
        sm_store_delete(store, keys[i], &e);
    sm_store_close(store);
    rmdir(dir);
    return check_summary();
}
