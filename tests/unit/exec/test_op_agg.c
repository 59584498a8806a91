/* Hash aggregate: every aggregate, NULL groups, empty input, global
 * aggregation, DISTINCT, FILTER, overflow, spilling, parallel partitions,
 * randomized differential test against a nested-loop reference. */
#include <math.h>

#include "test_op_util.h"

static const sm_exec_ctx_t plain = {0};
static const sm_exec_ctx_t legacy = {.ansi = false};
static const sm_exec_ctx_t ansi = {.ansi = true};

#define SALES "struct<g:string,k:bigint,x:int,d:decimal(10,2),f:double,s:string,m:boolean>"
static const char *const sales[] = {
    "a",  "1",  "10", "1.50",  "1.0", "pear",  "true",  //
    "b",  "2",  NULL, "2.25",  "2.0", "apple", "true",  //
    "a",  "1",  "30", NULL,    "4.0", "fig",   "false", //
    NULL, NULL, "5",  "0.10",  NULL,  NULL,    "true",  //
    "b",  "2",  "7",  "-1.00", "NaN", "kiwi",  NULL,    //
    NULL, NULL, NULL, NULL,    "3.0", "zz",    "true",  //
    "c",  "3",  NULL, NULL,    NULL,  NULL,    "false", //
};

static sm_op_t *agg(const sm_exec_ctx_t *ctx, const uint32_t *keys, size_t nk,
                    const sm_agg_spec_t *a, size_t na, size_t nrows, size_t per)
{
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(
        sm_op_hash_agg_new(ctx, tu_values(ctx, SALES, sales, nrows, per), keys, nk, a, na, &op, &e),
        &e);
    return op;
}

#define A(kind, arg)                                                                               \
    {                                                                                              \
        kind, arg, -1, false, false, 0.5, 10000, NULL                                              \
    }

static void test_group_by_string_with_null_group(void)
{
    uint32_t k[] = {0};
    sm_agg_spec_t a[] = {A(SM_AGG_COUNT_STAR, -1), A(SM_AGG_COUNT, 2), A(SM_AGG_SUM, 2),
                         A(SM_AGG_SUM, 3),         A(SM_AGG_AVG, 2),   A(SM_AGG_MIN, 5),
                         A(SM_AGG_MAX, 5)};
    CHECK_ROWS(agg(&plain, k, 1, a, 7, 7, 2), 1,
               "NULL|2|1|5|0.10|5.0|zz|zz;a|2|2|40|1.50|20.0|fig|pear;"
               "b|2|1|7|1.25|7.0|apple|kiwi;c|1|0|NULL|NULL|NULL|NULL|NULL");
    /* The bigint fast path groups NULL keys together too. */
    uint32_t k64[] = {1};
    CHECK_ROWS(agg(&plain, k64, 1, a, 7, 7, 3), 1,
               "1|2|2|40|1.50|20.0|fig|pear;2|2|1|7|1.25|7.0|apple|kiwi;"
               "3|1|0|NULL|NULL|NULL|NULL|NULL;NULL|2|1|5|0.10|5.0|zz|zz");
    /* Two keys. */
    uint32_t k2[] = {0, 6};
    sm_agg_spec_t c[] = {A(SM_AGG_COUNT_STAR, -1)};
    CHECK_ROWS(agg(&plain, k2, 2, c, 1, 7, 1), 1,
               "NULL|true|2;a|false|1;a|true|1;b|NULL|1;b|true|1;c|false|1");
}

static void test_global_aggregation(void)
{
    sm_agg_spec_t a[] = {A(SM_AGG_COUNT_STAR, -1), A(SM_AGG_COUNT, 2), A(SM_AGG_SUM, 2),
                         A(SM_AGG_SUM, 4),         A(SM_AGG_AVG, 3),   A(SM_AGG_MIN, 4),
                         A(SM_AGG_MAX, 4)};
    /* Empty input: one row, count 0, sum NULL. */
    CHECK_ROWS(agg(&plain, NULL, 0, a, 7, 0, 1), 0, "0|0|NULL|NULL|NULL|NULL|NULL");
    /* sum(double) with NaN is NaN; max puts NaN above everything. */
    CHECK_ROWS(agg(&plain, NULL, 0, a, 7, 7, 2), 0, "7|4|52|NaN|0.712500|1.0|NaN");
    /* Grouped aggregation of empty input: no rows. */
    uint32_t k[] = {0};
    CHECK_ROWS(agg(&plain, k, 1, a, 7, 0, 1), 0, "");
}

static void test_statistics(void)
{
    static const char *const v[] = {"2", "4", "4", "4", "5", "5", "7", "9", NULL};
    sm_agg_spec_t a[] = {A(SM_AGG_STDDEV_POP, 0), A(SM_AGG_STDDEV_SAMP, 0), A(SM_AGG_VAR_POP, 0),
                         A(SM_AGG_VAR_SAMP, 0)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<x:double>", v, 9, 4), NULL, 0, a,
                                4, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "2.0|2.138089935299395|4.0|4.571428571428571");
    /* One value: samp is NULL, pop is 0; no values: all NULL. */
    CHECK_OK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<x:double>", v, 1, 4), NULL, 0, a,
                                4, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "0.0|NULL|0.0|NULL");
    CHECK_OK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<x:double>", v + 8, 1, 4), NULL, 0,
                                a, 4, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "NULL|NULL|NULL|NULL");
    /* Welford keeps precision with a large offset. */
    static const char *const big[] = {"1000000004", "1000000007", "1000000013", "1000000016"};
    sm_agg_spec_t vs[] = {A(SM_AGG_VAR_SAMP, 0)};
    CHECK_OK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<x:double>", big, 4, 4), NULL, 0,
                                vs, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "30.0");
}

static void test_percentile_first_last_collect(void)
{
    static const char *const v[] = {"a", "5", "a", "1",  "a", "4", "a", "2",
                                    "a", "3", "b", NULL, "b", "9", "c", NULL};
    sm_agg_spec_t a[] = {{SM_AGG_PERCENTILE_APPROX, 1, -1, false, false, 0.5, 10000, "p50"},
                         {SM_AGG_PERCENTILE_APPROX, 1, -1, false, false, 0.0, 10000, "p0"},
                         {SM_AGG_PERCENTILE_APPROX, 1, -1, false, false, 1.0, 10000, "p100"},
                         {SM_AGG_FIRST, 1, -1, false, false, 0, 0, NULL},
                         {SM_AGG_FIRST, 1, -1, false, true, 0, 0, NULL},
                         {SM_AGG_LAST, 1, -1, false, false, 0, 0, NULL},
                         {SM_AGG_COLLECT_LIST, 1, -1, false, false, 0, 0, NULL}};
    uint32_t k[] = {0};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<g:string,x:int>", v, 8, 3), k, 1,
                                a, 7, &op, &e),
             &e);
    CHECK_ROWS(
        op, 1,
        "a|3|1|5|5|5|3|[5, 1, 4, 2, 3];b|9|9|9|NULL|9|9|[9];c|NULL|NULL|NULL|NULL|NULL|NULL|[]");
    /* percentage out of range */
    sm_agg_spec_t bad[] = {{SM_AGG_PERCENTILE_APPROX, 1, -1, false, false, 1.5, 10000, NULL}};
    CHECK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<g:string,x:int>", v, 8, 3), k, 1,
                             bad, 1, &op, &e) == SM_ERR_INVALID);
    /* wrong argument type */
    sm_agg_spec_t bad2[] = {A(SM_AGG_SUM, 0)};
    CHECK(sm_op_hash_agg_new(&plain, tu_values(&plain, "struct<g:string,x:int>", v, 8, 3), k, 1,
                             bad2, 1, &op, &e) == SM_ERR_INVALID);
    CHECK(strstr(e.msg, "sum") != NULL);
}

static void test_distinct_and_filter(void)
{
    static const char *const v[] = {"a", "1",  "true", "a", "1", "true", "a", "2", "false",
                                    "a", NULL, "true", "b", "3", NULL,   "b", "3", "true"};
    sm_agg_spec_t a[] = {{SM_AGG_COUNT, 1, -1, true, false, 0, 0, "cd"},
                         {SM_AGG_SUM, 1, -1, true, false, 0, 0, "sd"},
                         {SM_AGG_COUNT_STAR, -1, 2, false, false, 0, 0, "cf"},
                         {SM_AGG_SUM, 1, 2, false, false, 0, 0, "sf"},
                         {SM_AGG_COUNT, 1, 2, true, false, 0, 0, "cdf"}};
    uint32_t k[] = {0};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(&plain,
                                tu_values(&plain, "struct<g:string,x:int,m:boolean>", v, 6, 4), k,
                                1, a, 5, &op, &e),
             &e);
    CHECK_ROWS(op, 1, "a|2|3|3|2|1;b|1|3|1|3|1");
    /* SELECT DISTINCT (NULLs are one value). */
    CHECK_OK(sm_op_distinct_new(
                 &plain, tu_values(&plain, "struct<g:string,x:int,m:boolean>", v, 6, 2), &op, &e),
             &e);
    CHECK_ROWS(op, 1, "a|1|true;a|2|false;a|NULL|true;b|3|NULL;b|3|true");
}

/* count(DISTINCT x) and sum(DISTINCT x) over integer kinds and dates
 * (compared as integers) and strings, with NULLs, negative values, runs of
 * rows repeating the previous row's group and value, and enough (group,
 * value) pairs to grow the set many times, with and without a FILTER;
 * expected values counted here by brute force. */
static void test_distinct_integers_many_pairs(void)
{
    enum { N = 12000, G = 37 };
    static const char *const kinds[] = {"tinyint", "smallint", "int", "bigint", "date", "string"};
    static char cells[N][2][24];
    static const char *p[N * 3];
    static int64_t gv[N];
    static bool isnull[N];
    for (size_t kind = 0; kind < 6; kind++) {
        bool date = kind == 4, str = kind == 5;
        int64_t range = kind == 0 ? 250 : 5000;
        for (size_t r = 0; r < N; r++) {
            int64_t x = (int64_t)(tu_rand() % (uint64_t)range) - (kind == 0 ? 125 : 2500);
            if (kind == 3)
                x *= INT64_C(1000000007);
            gv[r] = x;
            isnull[r] = tu_rand() % 17 == 0;
            snprintf(cells[r][0], 24, "%zu", (size_t)(tu_rand() % G));
            if (r % 4 == 1) { /* a run: the previous row again */
                x = gv[r - 1];
                gv[r] = x;
                isnull[r] = isnull[r - 1];
                memcpy(cells[r][0], cells[r - 1][0], 24);
            }
            if (date) {
                char d[16];
                int32_t days = (int32_t)x + 19000;
                sm_fmt_date(days, d);
                snprintf(cells[r][1], 24, "%s", d);
            } else {
                snprintf(cells[r][1], 24, "%lld", (long long)x);
            }
            p[3 * r] = cells[r][0];
            p[3 * r + 1] = isnull[r] ? NULL : cells[r][1];
            p[3 * r + 2] = (r % 3) ? "true" : "false";
        }
        char sch[96];
        snprintf(sch, sizeof sch, "struct<g:int,x:%s,m:boolean>", kinds[kind]);
        sm_agg_spec_t a[] = {{SM_AGG_COUNT, 1, -1, true, false, 0, 0, "cd"},
                             {SM_AGG_COUNT, 1, 2, true, false, 0, 0, "cdf"},
                             {SM_AGG_SUM, 1, -1, true, false, 0, 0, "sd"}};
        size_t na = date || str ? 2 : 3;
        uint32_t k[] = {0};
        sm_op_t *op = NULL;
        sm_error_t e;
        CHECK_OK(
            sm_op_hash_agg_new(&plain, tu_values(&plain, sch, p, N, 1000), k, 1, a, na, &op, &e),
            &e);
        char *got = tu_run(op, 1);
        /* brute force */
        char *want = malloc(G * 96), *w = want;
        char **lines = malloc(G * sizeof *lines);
        size_t nl = 0;
        for (int g = 0; g < G; g++) {
            int64_t cd = 0, cdf = 0, sd = 0;
            bool any = false;
            for (size_t r = 0; r < N; r++) {
                if (atoi(cells[r][0]) != g)
                    continue;
                any = true;
                if (isnull[r])
                    continue;
                bool first = true, first_f = r % 3 != 0;
                for (size_t q = 0; q < r && (first || first_f); q++) {
                    if (isnull[q] || atoi(cells[q][0]) != g || gv[q] != gv[r])
                        continue;
                    first = false;
                    if (q % 3)
                        first_f = false;
                }
                cd += first;
                cdf += first_f;
                if (first)
                    sd += gv[r];
            }
            if (!any)
                continue;
            char line[96];
            if (date || str)
                snprintf(line, sizeof line, "%d|%lld|%lld", g, (long long)cd, (long long)cdf);
            else if (cd)
                snprintf(line, sizeof line, "%d|%lld|%lld|%lld", g, (long long)cd, (long long)cdf,
                         (long long)sd);
            else
                snprintf(line, sizeof line, "%d|0|0|NULL", g);
            lines[nl++] = strdup(line);
        }
        qsort(lines, nl, sizeof *lines, tu_strcmp);
        *w = 0;
        for (size_t i = 0; i < nl; i++) {
            w += sprintf(w, "%s%s", i ? ";" : "", lines[i]);
            free(lines[i]);
        }
        free(lines);
        CHECK(strcmp(got, want) == 0);
        if (strcmp(got, want))
            fprintf(stderr, "%s:\n got %.200s\nwant %.200s\n", kinds[kind], got, want);
        free(got);
        free(want);
    }
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_gv(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* count(DISTINCT x) over bigints in the shapes the DISTINCT state handles
 * in different ways: ascending ids (a dense array growing upwards),
 * descending ids (growing downwards), a value shared by several groups
 * (pairs beside the array), a far value after many (the array's values
 * move to the pair set), int64's extremes (no wrap-around); grouped and
 * global; checked against sorting the (group, value) pairs. */
static void test_distinct_dense_and_sparse(void)
{
    enum { N = 9000, G = 5 };
    static char cells[N][2][24];
    static const char *p[N * 2];
    static int64_t gv[N][2];
    uint64_t rng = tu_rng; /* the tests after this one see the same numbers */
    for (int shape = 0; shape < 5; shape++) {
        for (size_t r = 0; r < N; r++) {
            int64_t g = (int64_t)(tu_rand() % G), x;
            switch (shape) {
            case 0: /* ascending order ids, a few lines each, one group each */
                x = 10248 + (int64_t)r / 3;
                g = (x * 7) % G;
                break;
            case 1: /* descending, with negative values, shared across groups */
                x = 500 - (int64_t)r / 2;
                break;
            case 2: /* dense first, then far values (past the array's limit) */
                x = r < N / 2 ? (int64_t)(r % 4000) : (int64_t)(tu_rand() % 7) * INT64_C(1) << 40;
                break;
            case 3: /* int64's extremes and their neighbours */
            {
                static const int64_t ex[] = {
                    INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, -1, 0, 1};
                x = ex[tu_rand() % 7];
                break;
            }
            default: /* random values in a range wider than the first array */
                x = (int64_t)(tu_rand() % 300000) - 150000;
                break;
            }
            gv[r][0] = g;
            gv[r][1] = x;
            snprintf(cells[r][0], 24, "%lld", (long long)g);
            snprintf(cells[r][1], 24, "%lld", (long long)x);
            p[2 * r] = cells[r][0];
            p[2 * r + 1] = cells[r][1];
        }
        qsort(gv, N, sizeof gv[0], cmp_gv);
        int64_t per[G] = {0}, all = 0;
        for (size_t r = 0; r < N; r++)
            if (!r || gv[r][0] != gv[r - 1][0] || gv[r][1] != gv[r - 1][1])
                per[gv[r][0]]++;
        int64_t *vals = malloc(N * sizeof *vals);
        for (size_t r = 0; r < N; r++)
            vals[r] = gv[r][1];
        qsort(vals, N, sizeof *vals, cmp_i64);
        for (size_t r = 0; r < N; r++)
            all += !r || vals[r] != vals[r - 1];
        free(vals);
        sm_agg_spec_t a[] = {{SM_AGG_COUNT, 1, -1, true, false, 0, 0, "cd"}};
        uint32_t k[] = {0};
        sm_error_t e;
        sm_op_t *op = NULL;
        CHECK_OK(sm_op_hash_agg_new(&plain,
                                    tu_values(&plain, "struct<g:bigint,x:bigint>", p, N, 1024), k,
                                    1, a, 1, &op, &e),
                 &e);
        char want[256], *w = want;
        for (int g = 0; g < G; g++)
            if (per[g])
                w += sprintf(w, "%s%d|%lld", w == want ? "" : ";", g, (long long)per[g]);
        char *got = tu_run(op, 1);
        CHECK_EQ_STR(got, want);
        free(got);
        CHECK_OK(sm_op_hash_agg_new(&plain,
                                    tu_values(&plain, "struct<g:bigint,x:bigint>", p, N, 1024),
                                    NULL, 0, a, 1, &op, &e),
                 &e);
        snprintf(want, sizeof want, "%lld", (long long)all);
        got = tu_run(op, 0);
        CHECK_EQ_STR(got, want);
        if (strcmp(got, want))
            fprintf(stderr, "shape %d\n", shape);
        free(got);
    }
    tu_rng = rng;
}

static void test_overflow(void)
{
    static const char *const big[] = {"9223372036854775807", "1"};
    sm_agg_spec_t a[] = {A(SM_AGG_SUM, 0)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(&ansi, tu_values(&ansi, "struct<x:bigint>", big, 2, 1), NULL, 0, a,
                                1, &op, &e),
             &e);
    char *got = tu_run(op, 0);
    CHECK(strncmp(got, "ERROR: sum overflows bigint", 27) == 0);
    free(got);
    /* Legacy mode wraps, as Spark does. */
    CHECK_OK(sm_op_hash_agg_new(&legacy, tu_values(&legacy, "struct<x:bigint>", big, 2, 1), NULL, 0,
                                a, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "-9223372036854775808");
    /* decimal(38,0): sum is decimal(38,0); 2 * 6e37 overflows. */
    static const char *const dec[] = {"60000000000000000000000000000000000000",
                                      "60000000000000000000000000000000000000"};
    CHECK_OK(sm_op_hash_agg_new(&ansi, tu_values(&ansi, "struct<x:decimal(38,0)>", dec, 2, 1), NULL,
                                0, a, 1, &op, &e),
             &e);
    got = tu_run(op, 0);
    CHECK(strncmp(got, "ERROR: sum overflows decimal(38,0)", 34) == 0);
    free(got);
    CHECK_OK(sm_op_hash_agg_new(&legacy, tu_values(&legacy, "struct<x:decimal(38,0)>", dec, 2, 1),
                                NULL, 0, a, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "NULL");
    /* decimal(30,2) sums into decimal(38,2) without overflow, avg into
     * decimal(34,6) rounded half up. */
    static const char *const d2[] = {"0.01", "0.02", "0.02"};
    sm_agg_spec_t b[] = {A(SM_AGG_SUM, 0), A(SM_AGG_AVG, 0)};
    CHECK_OK(sm_op_hash_agg_new(&ansi, tu_values(&ansi, "struct<x:decimal(30,2)>", d2, 3, 1), NULL,
                                0, b, 2, &op, &e),
             &e);
    CHECK(strcmp(op->schema->fields[0].type->precision == 38 ? "ok" : "no", "ok") == 0);
    CHECK_EQ_INT(op->schema->fields[1].type->precision, 34);
    CHECK_EQ_INT(op->schema->fields[1].type->scale, 6);
    CHECK_ROWS(op, 0, "0.05|0.016667");
    static const char *const neg[] = {"-0.01", "-0.02", "-0.02"};
    CHECK_OK(sm_op_hash_agg_new(&ansi, tu_values(&ansi, "struct<x:decimal(30,2)>", neg, 3, 1), NULL,
                                0, b, 2, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "-0.05|-0.016667");
}

/* ---- randomized differential test --------------------------------------------------- */

enum { RN = 20000 };
static char rcells[RN * 3][24];
static const char *rptr[RN * 3];

/* Random rows (a, b, x): a in [0, ngroups) or NULL, b one of nstrings
 * strings (NULL too when nstrings > 3), x or NULL. */
static void make_random_ex(int ngroups, int nstrings)
{
    for (size_t r = 0; r < RN; r++) {
        uint64_t x = tu_rand();
        if (x % 13 == 0)
            rptr[3 * r] = NULL;
        else {
            snprintf(rcells[3 * r], 24, "%d", (int)(x % (uint64_t)ngroups));
            rptr[3 * r] = rcells[3 * r];
        }
        uint64_t y = tu_rand();
        /* varying lengths, the empty string included */
        snprintf(rcells[3 * r + 1], 24, "%.*sk%d", (int)(y % 7), "zzzzzzz",
                 (int)(y % (uint64_t)nstrings));
        if (nstrings > 3 && y % 11 == 0)
            rcells[3 * r + 1][0] = 0;
        rptr[3 * r + 1] = nstrings > 3 && y % 17 == 0 ? NULL : rcells[3 * r + 1];
        if (tu_rand() % 9 == 0)
            rptr[3 * r + 2] = NULL;
        else {
            snprintf(rcells[3 * r + 2], 24, "%d", (int)(tu_rand() % 1000) - 500);
            rptr[3 * r + 2] = rcells[3 * r + 2];
        }
    }
}

static void make_random(int ngroups)
{
    make_random_ex(ngroups, 3);
}

/* NULL-safe string equality of two cells. */
static int same_cell(const char *x, const char *y)
{
    return (!x && !y) || (x && y && !strcmp(x, y));
}

/* Reference: for each distinct key in first-seen order, a nested loop.
 * mode 0: key (a, b); 1: a alone; 2: b alone. */
static char *reference_mode(int mode)
{
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    char **lines = calloc(RN, sizeof *lines);
    size_t nl = 0;
    char *seen = calloc(RN, 1);
    for (size_t i = 0; i < RN; i++) {
        if (seen[i])
            continue;
        long cnt = 0, cx = 0, sum = 0, mn = 0, mx = 0;
        for (size_t j = i; j < RN; j++) {
            int same = (mode == 2 || same_cell(rptr[3 * i], rptr[3 * j])) &&
                       (mode == 1 || same_cell(rptr[3 * i + 1], rptr[3 * j + 1]));
            if (!same)
                continue;
            seen[j] = 1;
            cnt++;
            if (rptr[3 * j + 2]) {
                long x = atol(rptr[3 * j + 2]);
                if (!cx || x < mn)
                    mn = x;
                if (!cx || x > mx)
                    mx = x;
                cx++;
                sum += x;
            }
        }
        char line[128], key[64];
        const char *ka = rptr[3 * i] ? rptr[3 * i] : "NULL",
                   *kb = rptr[3 * i + 1] ? rptr[3 * i + 1] : "NULL";
        if (mode == 0)
            snprintf(key, sizeof key, "%s|%s", ka, kb);
        else
            snprintf(key, sizeof key, "%s", mode == 1 ? ka : kb);
        if (cx)
            snprintf(line, sizeof line, "%s|%ld|%ld|%ld|%ld|%ld", key, cnt, cx, sum, mn, mx);
        else
            snprintf(line, sizeof line, "%s|%ld|0|NULL|NULL|NULL", key, cnt);
        lines[nl++] = strdup(line);
    }
    qsort(lines, nl, sizeof *lines, tu_strcmp);
    out[0] = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t n = strlen(lines[i]);
        if (len + n + 2 > cap)
            out = realloc(out, cap *= 2);
        if (i)
            out[len++] = ';';
        memcpy(out + len, lines[i], n + 1);
        len += n;
        free(lines[i]);
    }
    free(lines);
    free(seen);
    return out;
}

static char *reference(void)
{
    return reference_mode(0);
}

static void differential_keys(const sm_exec_ctx_t *ctx, const char *schema, const uint32_t *k,
                              size_t nk, const char *expect, int want_spill)
{
    sm_agg_spec_t a[] = {A(SM_AGG_COUNT_STAR, -1), A(SM_AGG_COUNT, 2), A(SM_AGG_SUM, 2),
                         A(SM_AGG_MIN, 2), A(SM_AGG_MAX, 2)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(ctx, tu_values(ctx, schema, rptr, RN, 1000), k, nk, a, 5, &op, &e),
             &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_collect(op, &b, &e), &e);
    if (want_spill)
        CHECK(op->stats.spill_files > 0);
    else
        CHECK_EQ_INT(op->stats.spill_files, 0);
    char *got = b ? tu_rows(b, 1) : strdup("");
    CHECK(strcmp(got, expect) == 0);
    if (strcmp(got, expect))
        fprintf(stderr, "got %.200s\nexp %.200s\n", got, expect);
    free(got);
    sm_batch_free(b);
    sm_op_free(op);
}

static void differential(const sm_exec_ctx_t *ctx, const char *schema, const char *expect,
                         int want_spill)
{
    uint32_t k[] = {0, 1};
    differential_keys(ctx, schema, k, 2, expect, want_spill);
}

/* One key: the integer fast path (int, smallint keys: any width) and
 * the raw-bytes path of one string key, against the nested-loop reference,
 * in one thread, in parallel, spilling.  min/max of int and bigint
 * arguments take their fast paths too. */
static void test_single_key_fast_paths_differential(void)
{
    static const char *const schemas[] = {"struct<a:int,b:string,x:int>",
                                          "struct<a:smallint,b:string,x:bigint>"};
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    for (int t = 0; t < 2; t++) {
        make_random_ex(t ? 3000 : 5, t ? 3000 : 4);
        for (int mode = 1; mode <= 2; mode++) {
            char *ref = reference_mode(mode);
            uint32_t k[] = {mode == 1 ? 0 : 1};
            for (size_t si = 0; si < sizeof schemas / sizeof *schemas; si++) {
                differential_keys(&plain, schemas[si], k, 1, ref, 0);
                sm_budget_t budget;
                sm_budget_init(&budget, 32 << 10);
                sm_exec_ctx_t both = {.pool = pool, .budget = &budget};
                differential_keys(&both, schemas[si], k, 1, ref, t == 1);
                CHECK_EQ_INT(sm_budget_used(&budget), 0);
            }
            free(ref);
        }
    }
    sm_pool_free(pool);
}

static void test_random_differential_spill_parallel(void)
{
    int sizes[] = {5, 3000};
    for (int t = 0; t < 2; t++) {
        make_random(sizes[t]);
        char *ref = reference();
        const char *sch = "struct<a:int,b:string,x:int>";
        differential(&plain, sch, ref, 0);
        sm_budget_t budget;
        sm_budget_init(&budget, 32 << 10);
        sm_exec_ctx_t tiny = {.budget = &budget};
        differential(&tiny, sch, ref, sizes[t] > 100);
        CHECK_EQ_INT(sm_budget_used(&budget), 0);
        sm_pool_t *pool = NULL;
        sm_error_t e;
        CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
        sm_exec_ctx_t par = {.pool = pool};
        differential(&par, sch, ref, 0);
        sm_budget_init(&budget, 32 << 10);
        sm_exec_ctx_t both = {.pool = pool, .budget = &budget};
        differential(&both, sch, ref, sizes[t] > 100);
        sm_pool_free(pool);
        free(ref);
    }
}

/* The bigint fast path spills and runs in parallel too. */
static void test_fast_path_spill(void)
{
    enum { N = 50000 };
    sm_type_t *t = tu_schema("struct<k:bigint,x:double>");
    sm_batch_t **bs = calloc(N / 1000, sizeof *bs);
    sm_error_t e;
    for (int i = 0; i < N / 1000; i++) {
        sm_batch_new(t, 1000, &bs[i], &e);
        for (int r = 0; r < 1000; r++) {
            int64_t k = (i * 1000 + r) % 7001;
            if (k == 0)
                sm_vector_append_null(bs[i]->cols[0], &e);
            else
                sm_vector_append_i64(bs[i]->cols[0], k, &e);
            sm_vector_append_f64(bs[i]->cols[1], 1.0, &e);
        }
        sm_batch_sync(bs[i], &e);
    }
    sm_budget_t budget;
    sm_budget_init(&budget, 64 << 10);
    sm_pool_t *pool = NULL;
    sm_pool_new(&pool, 2, &e);
    sm_exec_ctx_t ctx = {.budget = &budget, .pool = pool};
    sm_op_t *src = NULL, *op = NULL;
    CHECK_OK(sm_op_values_new(&ctx, t, bs, N / 1000, &src, &e), &e);
    uint32_t k[] = {0};
    sm_agg_spec_t a[] = {A(SM_AGG_SUM, 1), A(SM_AGG_COUNT_STAR, -1)};
    CHECK_OK(sm_op_hash_agg_new(&ctx, src, k, 1, a, 2, &op, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_collect(op, &b, &e), &e);
    CHECK(op->stats.spill_files > 0);
    CHECK_EQ_INT(b->nrows, 7001);
    double total = 0;
    int64_t cnt = 0, nulls = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        total += sm_vector_get_f64(b->cols[1], r);
        cnt += sm_vector_get_i64(b->cols[2], r);
        nulls += sm_vector_is_null(b->cols[0], r);
    }
    CHECK(total == N);
    CHECK_EQ_INT(cnt, N);
    CHECK_EQ_INT(nulls, 1);
    sm_batch_free(b);
    sm_op_free(op);
    sm_pool_free(pool);
    sm_type_free(t);
    free(bs);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
}

static void test_alloc_failures(void)
{
    uint32_t k[] = {0};
    sm_agg_spec_t a[] = {A(SM_AGG_COUNT_STAR, -1),
                         A(SM_AGG_MIN, 5),
                         A(SM_AGG_SUM, 3),
                         {SM_AGG_COUNT, 2, -1, true, false, 0, 0, NULL}};
    for (long n = 1; n < 300; n += 3) {
        sm_op_t *src = tu_values(&plain, SALES, sales, 7, 2), *op = NULL;
        sm_error_t e;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_op_hash_agg_new(&plain, src, k, 1, a, 4, &op, &e);
        sm_batch_t *b = NULL;
        if (!rc)
            rc = sm_op_collect(op, &b, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        if (rc && rc != SM_ERR_NOMEM)
            fprintf(stderr, "n=%ld rc=%d %s\n", n, rc, e.msg);
        sm_batch_free(b);
        sm_op_free(op);
    }
}

int main(void)
{
    RUN(test_group_by_string_with_null_group);
    RUN(test_global_aggregation);
    RUN(test_statistics);
    RUN(test_percentile_first_last_collect);
    RUN(test_distinct_and_filter);
    RUN(test_distinct_integers_many_pairs);
    RUN(test_distinct_dense_and_sparse);
    RUN(test_overflow);
    RUN(test_random_differential_spill_parallel);
    RUN(test_single_key_fast_paths_differential);
    RUN(test_fast_path_spill);
    RUN(test_alloc_failures);
    return check_summary();
}
