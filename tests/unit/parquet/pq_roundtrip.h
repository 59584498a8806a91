/* Test helpers shared by the Parquet writer tests: write a batch in slices
 * and read a file back against the batch it was written from.
 * Include after check.h.  Failures are reported through CHECK; nothing is
 * left allocated. */
#ifndef SM_TEST_PQ_ROUNDTRIP_H
#define SM_TEST_PQ_ROUNDTRIP_H

#include <stdio.h>

#include "columnar/columnar.h"
#include "core/mem.h"
#include "parquet/reader.h"
#include "parquet/writer.h"

/* Writes b to key in slices of `slice` rows with options o; returns the
 * closed writer (for its statistics; the caller frees it), NULL if it
 * could not be opened. */
static inline sm_pq_writer_t *pq_write_slices(sm_store_t *st, const char *key, const sm_batch_t *b,
                                              const sm_pq_writer_opts_t *o, size_t slice)
{
    sm_error_t e = {0};
    sm_pq_writer_t *w = NULL;
    CHECK_OK(sm_pq_writer_open(st, key, b->schema, o, &w, &e), &e);
    sm_vector_t **cols = sm_calloc(b->ncols ? b->ncols : 1, sizeof *cols);
    CHECK(cols != NULL);
    if (!w || !cols) {
        sm_free(cols);
        return w;
    }
    for (size_t at = 0; at < b->nrows; at += slice) {
        size_t n = b->nrows - at < slice ? b->nrows - at : slice;
        for (size_t i = 0; i < b->ncols; i++)
            CHECK_OK(sm_vector_slice(b->cols[i], at, n, &cols[i], &e), &e);
        sm_batch_t *part = NULL;
        CHECK_OK(sm_batch_from_vectors(b->schema, cols, b->ncols, &part, &e), &e);
        CHECK_OK(sm_pq_writer_write(w, part, &e), &e);
        sm_batch_free(part);
    }
    sm_free(cols);
    CHECK_OK(sm_pq_writer_close(w, NULL, &e), &e);
    return w;
}

/* Reads key back and compares every column with b. */
static inline void pq_check_reads_back(sm_store_t *st, const char *key, const sm_batch_t *b)
{
    sm_error_t e = {0};
    sm_pq_reader_t *r = NULL;
    CHECK_OK(sm_pq_reader_open(st, key, NULL, &r, &e), &e);
    sm_vector_t **got = sm_calloc(b->ncols ? b->ncols : 1, sizeof *got);
    CHECK(got != NULL);
    if (!r || !got) {
        sm_free(got);
        sm_pq_reader_close(r);
        return;
    }
    for (size_t i = 0; i < b->ncols; i++)
        CHECK_OK(sm_vector_new(b->cols[i]->type, 0, &got[i], &e), &e);
    sm_batch_t *x = NULL;
    sm_err_t rc;
    while (!(rc = sm_pq_reader_next(r, &x, &e)) && x) {
        for (size_t i = 0; i < b->ncols; i++)
            CHECK_OK(sm_vector_append_range(got[i], x->cols[i], 0, x->nrows, &e), &e);
        sm_batch_free(x);
    }
    CHECK_EQ_INT(rc, SM_OK);
    for (size_t i = 0; i < b->ncols; i++) {
        if (!sm_vector_equal(got[i], b->cols[i]))
            fprintf(stderr, "%s: column %zu differs\n", key, i);
        CHECK(sm_vector_equal(got[i], b->cols[i]));
        sm_vector_free(got[i]);
    }
    sm_free(got);
    sm_pq_reader_close(r);
}

#endif
