/* Window functions against hand-computed answers; frames; spilling;
 * ntile over a whole table within a tiny budget. */
#include "test_op_util.h"

static const sm_exec_ctx_t plain = {0};

#define EMP "struct<dept:string,name:string,sal:int>"
static const char *const emp[] = {
    "a",  "ann", "300", //
    "b",  "bob", "100", //
    "a",  "al",  "100", //
    "a",  "amy", "200", //
    "b",  "ben", "100", //
    "a",  "abe", "200", //
    NULL, "nil", NULL,  //
    "b",  "bea", NULL,  //
};

static sm_win_frame_t dflt = {.is_default = true};

static sm_op_t *win(const sm_exec_ctx_t *ctx, const sm_win_fn_t *f, size_t nf, size_t per)
{
    uint32_t part[] = {0};
    sm_sort_key_t ord[] = {sm_sort_key_default(2, false)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(
        sm_op_window_new(ctx, tu_values(ctx, EMP, emp, 8, per), part, 1, ord, 1, f, nf, &op, &e),
        &e);
    return op;
}

static void test_ranking(void)
{
    sm_win_fn_t f[] = {{SM_WIN_ROW_NUMBER, -1, 0, -1, false, {0}, "rn"},
                       {SM_WIN_RANK, -1, 0, -1, false, {0}, "rk"},
                       {SM_WIN_DENSE_RANK, -1, 0, -1, false, {0}, "dr"},
                       {SM_WIN_NTILE, -1, 2, -1, false, {0}, "nt"}};
    /* Sorted by dept (NULL first), then sal ASC NULLS FIRST, stable. */
    const char *expect = "NULL|nil|NULL|1|1|1|1;"
                         "a|al|100|1|1|1|1;a|amy|200|2|2|2|1;a|abe|200|3|2|2|2;a|ann|300|4|4|3|2;"
                         "b|bea|NULL|1|1|1|1;b|bob|100|2|2|2|1;b|ben|100|3|2|2|2";
    for (size_t per = 1; per <= 8; per += 3)
        CHECK_ROWS(win(&plain, f, 4, per), 0, expect);
}

static void test_ntile_uneven(void)
{
    /* 7 rows into 5 buckets: 2,2,1,1,1. */
    static const char *const v[] = {"1", "2", "3", "4", "5", "6", "7"};
    sm_win_fn_t f[] = {{SM_WIN_NTILE, -1, 5, -1, false, {0}, "nt"}};
    sm_sort_key_t ord[] = {sm_sort_key_default(0, false)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_window_new(&plain, tu_values(&plain, "struct<x:int>", v, 7, 3), NULL, 0, ord, 1,
                              f, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "1|1;2|1;3|2;4|2;5|3;6|4;7|5");
    /* more buckets than rows: one row each */
    sm_win_fn_t g[] = {{SM_WIN_NTILE, -1, 10, -1, false, {0}, "nt"}};
    CHECK_OK(sm_op_window_new(&plain, tu_values(&plain, "struct<x:int>", v, 3, 3), NULL, 0, ord, 1,
                              g, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "1|1;2|2;3|3");
    sm_win_fn_t bad[] = {{SM_WIN_NTILE, -1, 0, -1, false, {0}, "nt"}};
    CHECK(sm_op_window_new(&plain, tu_values(&plain, "struct<x:int>", v, 3, 3), NULL, 0, ord, 1,
                           bad, 1, &op, &e) == SM_ERR_INVALID);
}

static void test_lag_lead_first_last(void)
{
    sm_win_fn_t f[] = {{SM_WIN_LAG, 2, 1, -1, false, dflt, "lag1"},
                       {SM_WIN_LEAD, 2, 2, 2, false, dflt, "lead2"},
                       {SM_WIN_FIRST_VALUE, 1, 0, -1, false, dflt, "fv"},
                       {SM_WIN_LAST_VALUE, 1, 0, -1, false, dflt, "lv"},
                       {SM_WIN_FIRST_VALUE, 2, 0, -1, true, dflt, "fvn"}};
    /* Default frame with ORDER BY: up to the current row's last peer. */
    CHECK_ROWS(win(&plain, f, 5, 3), 0,
               "NULL|nil|NULL|NULL|NULL|nil|nil|NULL;"
               "a|al|100|NULL|200|al|al|100;a|amy|200|100|300|al|abe|100;"
               "a|abe|200|200|200|al|abe|100;a|ann|300|200|300|al|ann|100;"
               "b|bea|NULL|NULL|100|bea|bea|NULL;b|bob|100|NULL|100|bea|ben|100;"
               "b|ben|100|100|100|bea|ben|100");
}

static void test_frames(void)
{
    sm_win_frame_t run = {
        .rows = true, .start = SM_BOUND_UNBOUNDED_PRECEDING, .end = SM_BOUND_CURRENT_ROW};
    sm_win_frame_t slide = {.rows = true,
                            .start = SM_BOUND_PRECEDING,
                            .start_n = 1,
                            .end = SM_BOUND_FOLLOWING,
                            .end_n = 1};
    sm_win_frame_t rest = {
        .rows = true, .start = SM_BOUND_CURRENT_ROW, .end = SM_BOUND_UNBOUNDED_FOLLOWING};
    sm_win_frame_t whole = {
        .rows = false, .start = SM_BOUND_UNBOUNDED_PRECEDING, .end = SM_BOUND_UNBOUNDED_FOLLOWING};
    sm_win_frame_t before = {
        .rows = true, .start = SM_BOUND_UNBOUNDED_PRECEDING, .end = SM_BOUND_PRECEDING, .end_n = 1};
    sm_win_fn_t f[] = {{SM_WIN_SUM, 2, 0, -1, false, dflt, "range_sum"},
                       {SM_WIN_SUM, 2, 0, -1, false, run, "rows_sum"},
                       {SM_WIN_AVG, 2, 0, -1, false, slide, "slide_avg"},
                       {SM_WIN_MAX, 1, 0, -1, false, rest, "rest_max"},
                       {SM_WIN_COUNT_STAR, -1, 0, -1, false, whole, "n"},
                       {SM_WIN_MIN, 2, 0, -1, false, before, "min_before"},
                       {SM_WIN_COUNT, 2, 0, -1, false, dflt, "cnt"}};
    CHECK_ROWS(win(&plain, f, 7, 2), 0,
               "NULL|nil|NULL|NULL|NULL|NULL|nil|1|NULL|0;"
               "a|al|100|100|100|150.0|ann|4|NULL|1;"
               "a|amy|200|500|300|166.66666666666666|ann|4|100|3;"
               "a|abe|200|500|500|233.33333333333334|ann|4|100|3;"
               "a|ann|300|800|800|250.0|ann|4|100|4;"
               "b|bea|NULL|NULL|NULL|100.0|bob|3|NULL|0;"
               "b|bob|100|200|100|100.0|bob|3|NULL|2;"
               "b|ben|100|200|200|100.0|ben|3|100|2");
    /* RANGE with an offset is refused; so are invalid bounds. */
    sm_win_frame_t rng = {
        .rows = false, .start = SM_BOUND_PRECEDING, .start_n = 1, .end = SM_BOUND_CURRENT_ROW};
    sm_win_fn_t g[] = {{SM_WIN_SUM, 2, 0, -1, false, rng, "x"}};
    uint32_t part[] = {0};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK(sm_op_window_new(&plain, tu_values(&plain, EMP, emp, 8, 2), part, 1, NULL, 0, g, 1, &op,
                           &e) == SM_ERR_UNSUPPORTED);
}

static void test_no_order_whole_partition(void)
{
    sm_win_fn_t f[] = {{SM_WIN_SUM, 2, 0, -1, false, dflt, "s"},
                       {SM_WIN_RANK, -1, 0, -1, false, dflt, "r"},
                       {SM_WIN_ROW_NUMBER, -1, 0, -1, false, dflt, "rn"}};
    uint32_t part[] = {0};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_window_new(&plain, tu_values(&plain, EMP, emp, 8, 3), part, 1, NULL, 0, f, 3,
                              &op, &e),
             &e);
    CHECK_ROWS(op, 0,
               "NULL|nil|NULL|NULL|1|1;a|ann|300|800|1|1;a|al|100|800|1|2;a|amy|200|800|1|3;"
               "a|abe|200|800|1|4;b|bob|100|200|1|1;b|ben|100|200|1|2;b|bea|NULL|200|1|3");
    /* Empty input: no rows. */
    CHECK_OK(sm_op_window_new(&plain, tu_values(&plain, EMP, emp, 0, 3), part, 1, NULL, 0, f, 3,
                              &op, &e),
             &e);
    CHECK_ROWS(op, 0, "");
}

/* Spilling (tiny budget) gives the same answers as in memory. */
static void test_spill_same_result(void)
{
    enum { N = 20000 };
    char(*cells)[16] = calloc(N * 3, 16);
    const char **p = calloc(N * 3, sizeof *p);
    for (size_t r = 0; r < N; r++) {
        snprintf(cells[3 * r], 16, "%d", (int)(tu_rand() % 3));
        p[3 * r] = cells[3 * r];
        snprintf(cells[3 * r + 1], 16, "%d", (int)(tu_rand() % 500));
        p[3 * r + 1] = tu_rand() % 10 ? cells[3 * r + 1] : NULL;
        snprintf(cells[3 * r + 2], 16, "%zu", r);
        p[3 * r + 2] = cells[3 * r + 2];
    }
    sm_win_frame_t slide = {.rows = true,
                            .start = SM_BOUND_PRECEDING,
                            .start_n = 2,
                            .end = SM_BOUND_FOLLOWING,
                            .end_n = 1};
    sm_win_fn_t f[] = {{SM_WIN_ROW_NUMBER, -1, 0, -1, false, dflt, "rn"},
                       {SM_WIN_RANK, -1, 0, -1, false, dflt, "rk"},
                       {SM_WIN_DENSE_RANK, -1, 0, -1, false, dflt, "dr"},
                       {SM_WIN_NTILE, -1, 7, -1, false, dflt, "nt"},
                       {SM_WIN_SUM, 1, 0, -1, false, dflt, "s"},
                       {SM_WIN_MAX, 1, 0, -1, false, slide, "m"},
                       {SM_WIN_LAG, 2, 3, -1, false, dflt, "lg"}};
    uint32_t part[] = {0};
    sm_sort_key_t ord[] = {sm_sort_key_default(1, true), sm_sort_key_default(2, false)};
    const char *sch = "struct<g:int,v:int,seq:int>";
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_window_new(&plain, tu_values(&plain, sch, p, N, 1000), part, 1, ord, 1, f, 7,
                              &op, &e),
             &e);
    char *mem = tu_run(op, 0);
    sm_budget_t budget;
    sm_budget_init(&budget, 32 << 10);
    sm_exec_ctx_t tiny = {.budget = &budget};
    CHECK_OK(
        sm_op_window_new(&tiny, tu_values(&tiny, sch, p, N, 1000), part, 1, ord, 1, f, 7, &op, &e),
        &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_collect(op, &b, &e), &e);
    CHECK(op->stats.spill_files > 0);              /* the partition went to disk */
    CHECK(op->children[0]->stats.spill_files > 0); /* and the sort spilled */
    char *sp = tu_rows(b, 0);
    CHECK(strcmp(mem, sp) == 0);
    CHECK(strncmp(mem, "0|499|", 6) == 0);
    sm_batch_free(b);
    sm_op_free(op);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    free(mem);
    free(sp);
    free(cells);
    free(p);
}

/* ntile over a whole table of 200k rows with a 64 KiB budget. */
static void test_ntile_whole_table_budget(void)
{
    enum { N = 200000 };
    sm_type_t *t = tu_schema("struct<x:bigint>");
    size_t nb = N / 4096 + 1;
    sm_batch_t **bs = calloc(nb, sizeof *bs);
    sm_error_t e;
    for (size_t i = 0; i < nb; i++) {
        sm_batch_new(t, 4096, &bs[i], &e);
        for (size_t r = 0; r < 4096 && i * 4096 + r < N; r++)
            sm_vector_append_i64(bs[i]->cols[0], (int64_t)((i * 4096 + r) * 7919 % N), &e);
        sm_batch_sync(bs[i], &e);
    }
    sm_budget_t budget;
    sm_budget_init(&budget, 64 << 10);
    sm_exec_ctx_t ctx = {.budget = &budget};
    sm_op_t *src = NULL, *op = NULL;
    CHECK_OK(sm_op_values_new(&ctx, t, bs, nb, &src, &e), &e);
    sm_win_fn_t f[] = {{SM_WIN_NTILE, -1, 3, -1, false, {0}, "nt"}};
    sm_sort_key_t ord[] = {sm_sort_key_default(0, false)};
    CHECK_OK(sm_op_window_new(&ctx, src, NULL, 0, ord, 1, f, 1, &op, &e), &e);
    CHECK_OK(sm_op_open(op, &e), &e);
    sm_batch_t *b = NULL;
    int64_t seen = 0, counts[4] = {0}, prev = -1;
    int ok = 1;
    while (sm_op_next(op, &b, &e) == SM_OK && b) {
        for (size_t r = 0; r < b->nrows; r++) {
            int64_t x = sm_vector_get_i64(b->cols[0], r);
            if (x != prev + 1)
                ok = 0;
            prev = x;
            counts[sm_vector_get_i32(b->cols[1], r)]++;
            seen++;
        }
        sm_batch_free(b);
    }
    CHECK(ok);
    CHECK_EQ_INT(seen, N);
    /* 200000 = 3 * 66666 + 2: the first two buckets get one extra row */
    CHECK_EQ_INT(counts[1], 66667);
    CHECK_EQ_INT(counts[2], 66667);
    CHECK_EQ_INT(counts[3], 66666);
    CHECK(budget.peak < (size_t)4 << 20);
    sm_op_free(op);
    sm_type_free(t);
    free(bs);
}

int main(void)
{
    RUN(test_ranking);
    RUN(test_ntile_uneven);
    RUN(test_lag_lead_first_last);
    RUN(test_frames);
    RUN(test_no_order_whole_partition);
    RUN(test_spill_same_result);
    RUN(test_ntile_whole_table_budget);
    return check_summary();
}
