#include "check.h"

#include "columnar/batch.h"
#include "columnar/text.h"
#include "core/mem.h"

static sm_type_t *schema3(void)
{
    return sm_type_struct((sm_field_t[]){{"id", sm_type_int64(), false},
                                         {"name", sm_type_string(), true},
                                         {"price", sm_type_decimal(6, 2), true}},
                          3);
}

static void test_rows(void)
{
    sm_error_t e;
    sm_type_t *s = schema3();
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(s, 0, &b, &e), &e);
    CHECK_EQ_INT(b->ncols, 3);
    CHECK_EQ_INT(b->nrows, 0);
    CHECK_EQ_INT(sm_batch_col(b, 0)->cap, SM_BATCH_ROWS);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"1", "alice", "12.5"}, &e), &e);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"2", NULL, NULL}, &e), &e);
    CHECK_EQ_INT(b->nrows, 2);
    CHECK(sm_vector_get_i128(sm_batch_col(b, 2), 0) == 1250);
    CHECK(sm_vector_is_null(sm_batch_col(b, 1), 1));

    /* a bad cell: no column changes, the message names row and column */
    sm_err_t rc = sm_batch_append_row(b, (const char *[]){"3", "bob", "12345.678"}, &e);
    CHECK_EQ_INT(rc, SM_ERR_OVERFLOW);
    CHECK(strstr(e.msg, "row 2, column 'price': invalid decimal '12345.678'") != NULL);
    CHECK_EQ_INT(b->nrows, 2);
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT(sm_batch_col(b, i)->len, 2);
    CHECK_EQ_INT(sm_batch_col(b, 1)->data_len, 5);

    /* column-wise appends + sync */
    CHECK_OK(sm_vector_append_i64(sm_batch_col(b, 0), 3, &e), &e);
    CHECK_EQ_INT(sm_batch_sync(b, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "column 1 ('name') has 2 rows, column 0 has 3") != NULL);
    CHECK_EQ_INT(b->nrows, 2);
    CHECK_OK(sm_vector_append_str(sm_batch_col(b, 1), "c", &e), &e);
    CHECK_OK(sm_vector_append_null(sm_batch_col(b, 2), &e), &e);
    CHECK_OK(sm_batch_sync(b, &e), &e);
    CHECK_EQ_INT(b->nrows, 3);

    /* project: reorder and repeat, zero-copy */
    sm_batch_t *p = NULL;
    CHECK_OK(sm_batch_project(b, (const size_t[]){2, 0, 0}, 3, &p, &e), &e);
    CHECK_EQ_INT(p->ncols, 3);
    CHECK_EQ_INT(p->nrows, 3);
    CHECK_EQ_STR(p->schema->fields[0].name, "price");
    CHECK_EQ_STR(p->schema->fields[2].name, "id");
    CHECK(!p->schema->fields[1].nullable);
    CHECK(sm_batch_col(p, 1)->values == sm_batch_col(b, 0)->values);
    CHECK(sm_vector_equal(sm_batch_col(p, 0), sm_batch_col(b, 2)));
    sm_batch_free(p);
    CHECK_EQ_INT(sm_batch_project(b, (const size_t[]){3}, 1, &p, &e), SM_ERR_INVALID);
    CHECK(p == NULL);
    CHECK_OK(sm_batch_project(b, NULL, 0, &p, &e), &e);
    CHECK_EQ_INT(p->ncols, 0);
    sm_batch_free(p);

    /* slice */
    sm_batch_t *sl = NULL;
    CHECK_OK(sm_batch_slice(b, 1, 2, &sl, &e), &e);
    CHECK_EQ_INT(sl->nrows, 2);
    CHECK_EQ_INT(sm_vector_get_i64(sm_batch_col(sl, 0), 1), 3);
    CHECK(sm_vector_is_null(sm_batch_col(sl, 2), 0));
    sm_batch_free(sl);
    CHECK_EQ_INT(sm_batch_slice(b, 2, 2, &sl, &e), SM_ERR_INVALID);

    /* reset keeps capacity */
    sm_batch_reset(b);
    CHECK_EQ_INT(b->nrows, 0);
    CHECK_EQ_INT(sm_batch_col(b, 1)->len, 0);
    CHECK_EQ_INT(sm_batch_col(b, 0)->cap, SM_BATCH_ROWS);
    CHECK_OK(sm_batch_append_row(b, (const char *[]){"9", "z", "0"}, &e), &e);
    CHECK_EQ_INT(b->nrows, 1);
    CHECK(!sm_vector_is_null(sm_batch_col(b, 1), 0));
    sm_batch_free(b);
    sm_type_free(s);

    CHECK_EQ_INT(sm_batch_new(sm_type_int32(), 0, &b, &e), SM_ERR_INVALID);
    CHECK(b == NULL);
}

static void test_from_vectors(void)
{
    sm_error_t e;
    sm_type_t *s = sm_type_struct(
        (sm_field_t[]){{"a", sm_type_int32(), true}, {"b", sm_type_string(), true}}, 2);
    sm_vector_t *cols[2];
    CHECK_OK(sm_vector_new(sm_type_int32(), 0, &cols[0], &e), &e);
    CHECK_OK(sm_vector_new(sm_type_string(), 0, &cols[1], &e), &e);
    CHECK_OK(sm_vector_append_i32(cols[0], 5, &e), &e);
    CHECK_OK(sm_vector_append_str(cols[1], "x", &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_from_vectors(s, cols, 2, &b, &e), &e);
    CHECK_EQ_INT(b->nrows, 1);
    sm_batch_free(b);

    /* mismatches: the vectors are freed anyway (ASan checks) */
    CHECK_OK(sm_vector_new(sm_type_int32(), 0, &cols[0], &e), &e);
    CHECK_OK(sm_vector_new(sm_type_int64(), 0, &cols[1], &e), &e);
    CHECK_EQ_INT(sm_batch_from_vectors(s, cols, 2, &b, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "column 1 ('b') has the wrong type") != NULL);
    CHECK(b == NULL);
    CHECK_OK(sm_vector_new(sm_type_int32(), 0, &cols[0], &e), &e);
    CHECK_EQ_INT(sm_batch_from_vectors(s, cols, 1, &b, &e), SM_ERR_INVALID);
    CHECK_OK(sm_vector_new(sm_type_int32(), 0, &cols[0], &e), &e);
    CHECK_OK(sm_vector_new(sm_type_string(), 0, &cols[1], &e), &e);
    CHECK_OK(sm_vector_append_i32(cols[0], 5, &e), &e);
    CHECK_EQ_INT(sm_batch_from_vectors(s, cols, 2, &b, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "has 0 rows, column 0 has 1") != NULL);
    sm_type_free(s);
}

static void test_alloc_failures(void)
{
    sm_error_t e;
    sm_type_t *s = schema3();
    sm_batch_t *b = NULL;
    sm_mem_fail_after(0);
    CHECK_OK(sm_batch_new(s, 16, &b, &e), &e);
    long allocs = sm_mem_fail_after(0);
    sm_batch_free(b);
    for (long k = 1; k <= allocs; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_batch_new(s, 16, &b, &e);
        sm_mem_fail_after(0);
        CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        CHECK(b == NULL);
    }
    /* rows that need to grow the columns */
    CHECK_OK(sm_batch_new(s, 1, &b, &e), &e);
    int fails = 0;
    for (long k = 1; k <= 40; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = SM_OK;
        for (int r = 0; r < 20 && !rc; r++)
            rc = sm_batch_append_row(b, (const char *[]){"1", "some text", "1.25"}, &e);
        sm_mem_fail_after(0);
        if (rc) {
            fails++;
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            for (size_t i = 0; i < 3; i++)
                CHECK_EQ_INT(sm_batch_col(b, i)->len, b->nrows);
        }
    }
    CHECK(fails > 0);
    sm_batch_t *p = NULL;
    sm_mem_fail_after(2);
    CHECK_EQ_INT(sm_batch_project(b, (const size_t[]){1, 2}, 2, &p, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(p == NULL);
    sm_batch_free(b);
    sm_type_free(s);
}

int main(void)
{
    RUN(test_rows);
    RUN(test_from_vectors);
    RUN(test_alloc_failures);
    return check_summary();
}
