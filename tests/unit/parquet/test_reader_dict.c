/* Unit tests of the dictionary codes the Parquet reader attaches to string
 * columns read from dictionary-encoded pages (columnar/vector.h): files
 * written by our writer with several row groups (a new dictionary each),
 * small pages, NULLs, and a column whose dictionary outgrows its limit so
 * that its chunks switch to PLAIN pages part way.  Every attached code
 * must name the dictionary entry equal to the row's bytes; each row group
 * has its own dictionary identity; a batch holding any PLAIN-decoded value
 * has no codes; non-string and nested columns never have them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "pq_roundtrip.h"

static sm_store_t *store;

#define NROWS 6000
#define RG_ROWS 2000

static const char *const names[] = {"Beverages", "Seafood", "", "Produce", "Dairy Products"};

static sm_batch_t *make_rows(void)
{
    sm_error_t e = {0};
    sm_batch_t *b = NULL;
    sm_type_t *t = sm_type_struct(
        (sm_field_t[]){
            {"s", sm_type_string(), true},
            {"big", sm_type_string(), true},
            {"n", sm_type_int32(), true},
            {"l", sm_type_list(sm_type_string()), true},
        },
        4);
    CHECK_OK(sm_batch_new(t, NROWS, &b, &e), &e);
    sm_type_free(t);
    for (size_t r = 0; r < NROWS; r++) {
        size_t rg = r / RG_ROWS;
        sm_vector_t **c = b->cols;
        /* each row group meets the names in another order: other codes */
        if (r % 13 == 4)
            CHECK_OK(sm_vector_append_null(c[0], &e), &e);
        else
            CHECK_OK(sm_vector_append_str(c[0], names[(r * 3 + rg * 2) % 5], &e), &e);
        char s[64];
        /* few values at first, then many distinct ones: the dictionary
         * outgrows its limit and later pages are PLAIN */
        snprintf(s, sizeof s, "value-%06zu-with-a-tail",
                 r % RG_ROWS < 700 ? r % 7 : r * 7919 % 100003);
        if (r % 11 == 3)
            CHECK_OK(sm_vector_append_null(c[1], &e), &e);
        else
            CHECK_OK(sm_vector_append_str(c[1], s, &e), &e);
        CHECK_OK(sm_vector_append_i32(c[2], (int32_t)(r % 5), &e), &e);
        CHECK_OK(sm_vector_append_str(sm_vector_child(c[3], 0), names[r % 5], &e), &e);
        CHECK_OK(sm_vector_append_list(c[3], &e), &e);
        b->nrows++;
    }
    return b;
}

/* Checks the attachment of column v (if any) against its bytes; returns
 * true when v has codes. */
static bool codes_match(const sm_vector_t *v)
{
    if (!v->dict)
        return false;
    CHECK(v->codes != NULL);
    const sm_vector_t *d = v->dict->values;
    size_t bad = 0;
    for (size_t i = 0; i < v->len; i++) {
        if (sm_vector_is_null(v, i))
            continue;
        uint32_t c = v->codes[v->offset + i];
        if (c >= d->len) {
            bad++;
            continue;
        }
        size_t n1, n2;
        const uint8_t *a = sm_vector_get_bytes(v, i, &n1), *b = sm_vector_get_bytes(d, c, &n2);
        if (n1 != n2 || memcmp(a, b, n1) != 0)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    return true;
}

static void test_codes_follow_dictionaries(void)
{
    sm_error_t e = {0};
    sm_batch_t *rows = make_rows();
    sm_pq_writer_opts_t o = {.codec = SM_PQ_CODEC_SNAPPY,
                             .row_group_rows = RG_ROWS,
                             .page_bytes = 2048,
                             .dictionary_bytes = 4096};
    /* in slices: the writer checks its dictionary's size after each */
    sm_pq_writer_free(pq_write_slices(store, "d.parquet", rows, &o, 200));

    /* batches that straddle pages; a few batch sizes */
    size_t sizes[] = {333, 1000, 4096};
    for (size_t si = 0; si < 3; si++) {
        sm_pq_reader_opts_t ro = {.batch_rows = sizes[si]};
        sm_pq_reader_t *r = NULL;
        CHECK_OK(sm_pq_reader_open(store, "d.parquet", &ro, &r, &e), &e);
        uint64_t ids[64];
        size_t nids = 0, with_s = 0, batches = 0, with_big = 0, without_big = 0, seen = 0;
        for (;;) {
            sm_batch_t *b = NULL;
            CHECK_OK(sm_pq_reader_next(r, &b, &e), &e);
            if (!b)
                break;
            batches++;
            /* the values are the rows written */
            sm_batch_t *want = NULL;
            CHECK_OK(sm_batch_slice(rows, seen, b->nrows, &want, &e), &e);
            for (size_t c = 0; c < 4; c++)
                CHECK(sm_vector_equal(b->cols[c], want->cols[c]));
            sm_batch_free(want);
            seen += b->nrows;
            if (codes_match(b->cols[0])) {
                with_s++;
                uint64_t id = b->cols[0]->dict->id;
                if (nids == 0 || ids[nids - 1] != id)
                    ids[nids++] = id;
            }
            if (codes_match(b->cols[1]))
                with_big++;
            else
                without_big++;
            CHECK(b->cols[2]->dict == NULL);
            CHECK(b->cols[3]->dict == NULL && sm_vector_child(b->cols[3], 0)->dict == NULL);
            sm_batch_free(b);
        }
        sm_pq_reader_close(r);
        CHECK_EQ_INT(seen, NROWS);
        /* every batch of the small dictionary has codes, one dictionary
         * identity per row group, never one seen before */
        CHECK_EQ_INT(with_s, batches);
        CHECK_EQ_INT(nids, NROWS / RG_ROWS);
        for (size_t i = 0; i < nids; i++)
            for (size_t j = 0; j < i; j++)
                CHECK(ids[i] != ids[j]);
        /* the large column: codes while its pages were dictionary pages,
         * none for batches with a PLAIN value */
        CHECK(without_big > 0);
        if (sizes[si] < 1000)
            CHECK(with_big > 0);
    }
    sm_batch_free(rows);
    sm_store_delete(store, "d.parquet", NULL);
}

/* A slice of a vector with codes keeps them (indexed by physical row);
 * any change to the vector drops them. */
static void test_slice_and_drop(void)
{
    sm_error_t e = {0};
    sm_batch_t *rows = make_rows();
    sm_pq_writer_opts_t o = {.codec = SM_PQ_CODEC_UNCOMPRESSED};
    sm_pq_writer_t *w = NULL;
    CHECK_OK(sm_pq_writer_open(store, "s.parquet", rows->schema, &o, &w, &e), &e);
    CHECK_OK(sm_pq_writer_write(w, rows, &e), &e);
    CHECK_OK(sm_pq_writer_close(w, NULL, &e), &e);
    sm_pq_writer_free(w);
    sm_pq_reader_t *r = NULL;
    const char *cols[] = {"s"};
    sm_pq_reader_opts_t ro = {.columns = cols, .ncolumns = 1};
    CHECK_OK(sm_pq_reader_open(store, "s.parquet", &ro, &r, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_pq_reader_next(r, &b, &e), &e);
    CHECK(b && b->cols[0]->dict);
    if (b && b->cols[0]->dict) {
        sm_vector_t *s = NULL;
        CHECK_OK(sm_vector_slice(b->cols[0], 17, 100, &s, &e), &e);
        CHECK(s->dict == b->cols[0]->dict && s->codes == b->cols[0]->codes);
        CHECK(codes_match(s));
        sm_vector_free(s);
        sm_vector_t *v = b->cols[0];
        CHECK_OK(sm_vector_append_str(v, "Seafood", &e), &e);
        CHECK(v->dict == NULL && v->codes == NULL && !(v->owns & SM_VEC_OWN_CODES));
    }
    sm_batch_free(b);
    sm_pq_reader_close(r);
    sm_batch_free(rows);
    sm_store_delete(store, "s.parquet", NULL);
}

int main(void)
{
    char dir[] = "/tmp/smelt-pq-dict-XXXXXX";
    sm_error_t e = {0};
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    RUN(test_codes_follow_dictionaries);
    RUN(test_slice_and_drop);
    sm_store_close(store);
    rmdir(dir);
    return check_summary();
}
