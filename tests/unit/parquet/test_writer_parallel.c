/* The Parquet writer on a pool (opts.pool) with files large enough for many
 * chunks (64 Ki rows or ~16 MiB each): pools of 1, 2 and 4 threads write
 * the same bytes; the file reads back equal to the rows written; 4096-row
 * batches give the pool-less writer's bytes; row groups keep their row
 * limit and are cut by bytes too; an error in a chunk fails the write
 * (or close) and leaves no file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "core/pool.h"
#include "parquet/reader.h"
#include "parquet/writer.h"

static sm_store_t *store;
static char dir[] = "/tmp/smelt-pq-par-XXXXXX";
static sm_pool_t *pools[3]; /* 1, 2, 4 threads */

static uint64_t rs;
static uint64_t rnd(void)
{
    return check_rand(&rs);
}

static sm_type_t *parse(const char *s)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    if (sm_type_parse(s, strlen(s), &t, &e)) {
        fprintf(stderr, "%s: %s\n", s, e.msg);
        exit(2);
    }
    return t;
}

/* n rows of struct<id:bigint not null,k:int,s:string,l:array<int>,d:double>;
 * strings of up to `slen` bytes. */
static sm_batch_t *make(sm_type_t *schema, size_t n, size_t slen, bool null_in_id)
{
    sm_batch_t *b = NULL;
    sm_error_t e;
    CHECK_OK(sm_batch_new(schema, n, &b, &e), &e);
    char *buf = sm_malloc(slen + 1);
    for (size_t i = 0; i < n; i++) {
        sm_vector_t **c = b->cols;
        uint64_t r = rnd();
        if (null_in_id && i == n / 2)
            CHECK(!sm_vector_append_null(c[0], &e));
        else
            CHECK(!sm_vector_append_i64(c[0], (int64_t)(r >> 8), &e));
        if (r % 7 == 0)
            CHECK(!sm_vector_append_null(c[1], &e));
        else
            CHECK(!sm_vector_append_i32(c[1], (int32_t)(r % 100), &e));
        size_t len = slen ? (size_t)(rnd() % slen) : 0;
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)('a' + (r >> (k % 32)) % 26);
        if (r % 11 == 0)
            CHECK(!sm_vector_append_null(c[2], &e));
        else
            CHECK(!sm_vector_append_bytes(c[2], buf, len, &e));
        size_t ne = (size_t)(r % 4); /* 0: an empty list; 3: a NULL list */
        if (ne == 3) {
            CHECK(!sm_vector_append_null(c[3], &e));
        } else {
            for (size_t k = 0; k < ne; k++)
                CHECK(!sm_vector_append_i32(sm_vector_child(c[3], 0), (int32_t)(r >> (8 * k)) & 255,
                                            &e));
            CHECK(!sm_vector_append_list(c[3], &e));
        }
        CHECK(!sm_vector_append_f64(c[4], (double)(r % 1000) / 8.0, &e));
    }
    sm_free(buf);
    CHECK_OK(sm_batch_sync(b, &e), &e);
    return b;
}

/* Writes `in` to key in batches of `per` rows (0: random sizes from the
 * seed) with the given pool; returns the writer's result. */
static sm_err_t write_file(const char *key, const sm_batch_t *in, size_t per, uint64_t seed,
                           sm_pq_writer_opts_t o, sm_pool_t *pool, sm_error_t *e)
{
    o.pool = pool;
    sm_pq_writer_t *w = NULL;
    sm_err_t rc = sm_pq_writer_open(store, key, in->schema, &o, &w, e);
    uint64_t save = rs;
    rs = seed;
    for (size_t done = 0; !rc && done < in->nrows;) {
        size_t n = per ? per : 1 + (size_t)(rnd() % 9000);
        if (n > in->nrows - done)
            n = in->nrows - done;
        sm_batch_t *part = NULL;
        if (!(rc = sm_batch_slice(in, done, n, &part, e)))
            rc = sm_pq_writer_write(w, part, e);
        sm_batch_free(part);
        done += n;
    }
    rs = save;
    if (!rc)
        rc = sm_pq_writer_close(w, NULL, e);
    sm_pq_writer_free(w);
    return rc;
}

static bool same_bytes(const char *a, const char *b)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    return check_same_file(pa, pb);
}

/* Reads key back: rows equal to in; every row group within rg_rows. */
static bool reads_back(const char *key, const sm_batch_t *in, size_t rg_rows, uint32_t *ngroups)
{
    sm_error_t e;
    sm_pq_reader_t *r = NULL;
    sm_batch_t *got = NULL;
    bool ok = false;
    if (sm_pq_reader_open(store, key, NULL, &r, &e) ||
        sm_batch_new(in->schema, in->nrows, &got, &e)) {
        fprintf(stderr, "  %s: %s\n", key, e.msg);
        goto out;
    }
    for (;;) {
        sm_batch_t *b = NULL;
        if (sm_pq_reader_next(r, &b, &e)) {
            fprintf(stderr, "  %s: %s\n", key, e.msg);
            goto out;
        }
        if (!b)
            break;
        for (size_t c = 0; c < in->ncols; c++)
            CHECK(!sm_vector_append_range(got->cols[c], b->cols[c], 0, b->nrows, &e));
        sm_batch_free(b);
    }
    CHECK(!sm_batch_sync(got, &e));
    ok = got->nrows == in->nrows;
    for (size_t c = 0; ok && c < in->ncols; c++)
        if (!sm_vector_equal(got->cols[c], in->cols[c])) {
            fprintf(stderr, "  %s: column %zu differs\n", key, c);
            ok = false;
        }
    const sm_pq_file_meta_t *fm = sm_pq_reader_meta(r);
    *ngroups = fm->num_row_groups;
    for (uint32_t g = 0; g < fm->num_row_groups; g++)
        if (fm->row_groups[g].num_rows <= 0 || (size_t)fm->row_groups[g].num_rows > rg_rows) {
            fprintf(stderr, "  %s: row group %u has %lld rows\n", key, g,
                    (long long)fm->row_groups[g].num_rows);
            ok = false;
        }
out:
    sm_batch_free(got);
    sm_pq_reader_close(r);
    return ok;
}

static const char *SCHEMA = "struct<id:bigint not null,k:int,s:string,l:array<int>,d:double>";

static void run_case(const char *name, size_t rows, size_t slen, sm_pq_writer_opts_t o)
{
    sm_type_t *schema = parse(SCHEMA);
    rs = rows * 31 + slen;
    sm_batch_t *in = make(schema, rows, slen, false);
    sm_error_t e;
    char keys[3][64];
    for (int p = 0; p < 3; p++) {
        snprintf(keys[p], sizeof keys[p], "%s-pool%d.parquet", name, p);
        CHECK_OK(write_file(keys[p], in, 0, 99, o, pools[p], &e), &e);
    }
    CHECK(same_bytes(keys[0], keys[1]));
    CHECK(same_bytes(keys[0], keys[2]));
    uint32_t ng = 0;
    size_t lim = o.row_group_rows ? o.row_group_rows : (size_t)1 << 20;
    CHECK(reads_back(keys[2], in, lim, &ng));
    if (o.row_group_bytes)
        CHECK(ng > rows / lim + 1); /* some row groups were cut by bytes */
    /* 4096-row batches: the pool-less writer's file */
    if (!o.row_group_bytes && lim % 4096 == 0) {
        char k1[64], k2[64];
        snprintf(k1, sizeof k1, "%s-4096.parquet", name);
        snprintf(k2, sizeof k2, "%s-4096-pool.parquet", name);
        CHECK_OK(write_file(k1, in, 4096, 0, o, NULL, &e), &e);
        CHECK_OK(write_file(k2, in, 4096, 0, o, pools[1], &e), &e);
        CHECK(same_bytes(k1, k2));
        sm_store_delete(store, k1, &e);
        sm_store_delete(store, k2, &e);
    }
    for (int p = 0; p < 3; p++)
        sm_store_delete(store, keys[p], &e);
    sm_batch_free(in);
    sm_type_free(schema);
}

static void test_many_chunks(void)
{
    run_case("many", 300000, 12, (sm_pq_writer_opts_t){.codec = SM_PQ_CODEC_SNAPPY});
}

static void test_row_limit_not_multiple(void)
{
    run_case("rows", 150000, 12,
             (sm_pq_writer_opts_t){.codec = SM_PQ_CODEC_ZSTD, .row_group_rows = 70001});
}

static void test_byte_cuts_and_big_chunks(void)
{
    /* ~40 MB of strings: chunks cut at ~16 MiB; row groups at 4 MB */
    run_case("bytes", 40000, 2000,
             (sm_pq_writer_opts_t){.codec = SM_PQ_CODEC_UNCOMPRESSED, .row_group_bytes = 4u << 20});
}

static void test_error_in_chunk(void)
{
    /* a NULL in the non-nullable id is found by the chunk's task: the write
     * or the close fails, and no file is left */
    sm_type_t *schema = parse(SCHEMA);
    rs = 5;
    sm_batch_t *in = make(schema, 100000, 4, true);
    sm_error_t e;
    sm_pq_writer_opts_t o = {.pool = pools[2]};
    sm_pq_writer_t *w = NULL;
    CHECK_OK(sm_pq_writer_open(store, "bad.parquet", schema, &o, &w, &e), &e);
    sm_err_t rc = SM_OK;
    for (size_t done = 0; !rc && done < in->nrows; done += 10000) {
        sm_batch_t *part = NULL;
        if (!(rc = sm_batch_slice(in, done, 10000, &part, &e)))
            rc = sm_pq_writer_write(w, part, &e);
        sm_batch_free(part);
    }
    if (!rc)
        rc = sm_pq_writer_close(w, NULL, &e);
    CHECK_EQ_INT(rc, SM_ERR_INVALID);
    CHECK(strstr(e.msg, "\"id\"") != NULL);
    sm_pq_writer_free(w);
    sm_store_info_t info;
    CHECK(sm_store_head(store, "bad.parquet", &info, NULL) != SM_OK);
    sm_batch_free(in);
    sm_type_free(schema);
}

int main(void)
{
    sm_error_t e;
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    static const unsigned threads[3] = {1, 2, 4};
    for (int p = 0; p < 3; p++)
        if (sm_pool_new(&pools[p], threads[p], &e)) {
            fprintf(stderr, "pool: %s\n", e.msg);
            return 1;
        }
    RUN(test_many_chunks);
    RUN(test_row_limit_not_multiple);
    RUN(test_byte_cuts_and_big_chunks);
    RUN(test_error_in_chunk);
    for (int p = 0; p < 3; p++)
        sm_pool_free(pools[p]);
    sm_store_close(store);
    rmdir(dir);
    return check_summary();
}
