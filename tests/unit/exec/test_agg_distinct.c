/* Hash aggregate with many groups: count(DISTINCT v), sum(v), max(v) and
 * count(*) per key, over inputs that make every state grow many times
 * (group arrays, key tables, the DISTINCT value set in its dense and its
 * pair form, growing up and down), with values repeated across batches,
 * NULL values, values shared by several groups, integer and string keys,
 * 4- and 8-byte values, one or several partitions and a budget small
 * enough to spill.  The oracle is computed here: the (key, value) pairs
 * sorted and counted. */
#include "exec/expr.h"
#include "test_op_util.h"

enum { NK = 20000 };

/* The shapes of value sequences. */
typedef enum { ASCENDING, DESCENDING, SCATTERED, EXTREME } shape_t;

typedef struct oracle {
    long long cnt[NK], sum[NK], max[NK];
    bool any[NK];
    long long *pk, *pv; /* non-NULL (key, value) rows */
    size_t np, cap;
} oracle_t;

static void oracle_row(oracle_t *o, int k, bool vnull, long long v)
{
    o->cnt[k]++;
    if (vnull)
        return;
    o->sum[k] += v;
    if (!o->any[k] || v > o->max[k])
        o->max[k] = v;
    o->any[k] = true;
    if (o->np == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 1024;
        o->pk = realloc(o->pk, o->cap * sizeof *o->pk);
        o->pv = realloc(o->pv, o->cap * sizeof *o->pv);
    }
    o->pk[o->np] = k;
    o->pv[o->np++] = v;
}

static long long *sort_pairs;
static int cmp_pair(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    long long ka = sort_pairs[2 * a], kb = sort_pairs[2 * b];
    if (ka != kb)
        return ka < kb ? -1 : 1;
    long long va = sort_pairs[2 * a + 1], vb = sort_pairs[2 * b + 1];
    return va < vb ? -1 : va > vb;
}

/* Sorts lines[0..n) as text and joins them with ';' (frees them). */
static char *join_sorted(char **lines, size_t n)
{
    qsort(lines, n, sizeof *lines, tu_strcmp);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(lines[i]) + 1;
    char *s = malloc(total), *p = s;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        if (i)
            *p++ = ';';
        memcpy(p, lines[i], l);
        p += l;
        free(lines[i]);
    }
    *p = 0;
    free(lines);
    return s;
}

/* "key|distinct|sum|max|count" lines of the groups that occurred, sorted
 * as text and joined by ';' (as tu_run prints them). */
static char *oracle_text(oracle_t *o, bool str_keys)
{
    static long long dcnt[NK];
    memset(dcnt, 0, sizeof dcnt);
    sort_pairs = malloc((2 * o->np + 1) * sizeof *sort_pairs);
    size_t *idx = malloc((o->np + 1) * sizeof *idx);
    for (size_t i = 0; i < o->np; i++) {
        sort_pairs[2 * i] = o->pk[i];
        sort_pairs[2 * i + 1] = o->pv[i];
        idx[i] = i;
    }
    qsort(idx, o->np, sizeof *idx, cmp_pair);
    for (size_t i = 0; i < o->np; i++) {
        size_t a = idx[i], b = i ? idx[i - 1] : 0;
        if (!i || sort_pairs[2 * a] != sort_pairs[2 * b] ||
            sort_pairs[2 * a + 1] != sort_pairs[2 * b + 1])
            dcnt[sort_pairs[2 * a]]++;
    }
    free(idx);
    free(sort_pairs);
    char **lines = calloc(NK + 1, sizeof *lines);
    size_t n = 0;
    for (int k = 0; k < NK; k++) {
        if (!o->cnt[k])
            continue;
        char buf[160], mx[32], sm[32];
        snprintf(mx, sizeof mx, o->any[k] ? "%lld" : "NULL", o->max[k]);
        snprintf(sm, sizeof sm, o->any[k] ? "%lld" : "NULL", o->sum[k]);
        snprintf(buf, sizeof buf, "%s%d|%lld|%s|%s|%lld", str_keys ? "client " : "", k, dcnt[k], sm,
                 mx, o->cnt[k]);
        lines[n] = strdup(buf);
        n++;
    }
    return join_sorted(lines, n);
}

/* The value of row i under a shape (v is 4 bytes wide when
 * narrow).  Each value mostly belongs to one key (as an order id belongs
 * to one customer); every 7th row repeats a value of an earlier batch,
 * every 11th gives its value to a second key. */
static long long value_of(shape_t s, size_t i, bool narrow)
{
    long long base = (long long)(i / 3); /* runs of 3 rows share a value */
    switch (s) {
    case ASCENDING:
        return 1000 + base;
    case DESCENDING:
        return 5000000 - base;
    case SCATTERED:
        return (long long)((uint64_t)base * 2654435761u % (narrow ? 2000000000u : 4000000000000u));
    case EXTREME:
    default:
        return (i % 2 ? (narrow ? INT32_MAX : INT64_MAX) - base
                      : (narrow ? INT32_MIN : INT64_MIN) + base) /
               (narrow ? 1 : 1024); /* sums stay in range */
    }
}

/* Builds nb batches of per rows; fills the oracle. */
static sm_batch_t **make_input(oracle_t *o, shape_t shape, bool str_keys, bool narrow, size_t nb,
                               size_t per)
{
    sm_error_t e;
    char sch[64];
    snprintf(sch, sizeof sch, "struct<k:%s,v:%s>", str_keys ? "string" : "bigint",
             narrow ? "int" : "bigint");
    sm_type_t *s = tu_schema(sch);
    sm_batch_t **bs = calloc(nb + 1, sizeof *bs);
    for (size_t b = 0; b < nb; b++) {
        CHECK_OK(sm_batch_new(s, per, &bs[b], &e), &e);
        for (size_t j = 0; j < per; j++) {
            size_t i = b * per + j;
            /* keys: runs of 3 rows per value, a value's rows go to one key
             * spread over all NK keys */
            size_t src = i % 7 == 6 && i >= per + 16 ? i - per - 3 * (i % 5) : i;
            long long v = value_of(shape, src, narrow);
            int k = (int)((src / 3) * 40503u % NK);
            if (i % 11 == 10)
                k = (k + 1 + (int)(i % 13)) % NK;
            bool vnull = i % 17 == 16;
            if (str_keys) {
                char kb[32];
                snprintf(kb, sizeof kb, "client %d", k);
                CHECK_OK(sm_vector_append_str(bs[b]->cols[0], kb, &e), &e);
            } else {
                CHECK_OK(sm_vector_append_i64(bs[b]->cols[0], k, &e), &e);
            }
            if (vnull)
                CHECK_OK(sm_vector_append_null(bs[b]->cols[1], &e), &e);
            else if (narrow)
                CHECK_OK(sm_vector_append_i32(bs[b]->cols[1], (int32_t)v, &e), &e);
            else
                CHECK_OK(sm_vector_append_i64(bs[b]->cols[1], v, &e), &e);
            oracle_row(o, k, vnull, v);
        }
        bs[b]->nrows = per;
    }
    sm_type_free(s);
    return bs;
}

static sm_op_t *agg_over(const sm_exec_ctx_t *ctx, sm_batch_t **bs, size_t nb, bool str_keys,
                         bool narrow)
{
    sm_error_t e;
    char sch[64];
    snprintf(sch, sizeof sch, "struct<k:%s,v:%s>", str_keys ? "string" : "bigint",
             narrow ? "int" : "bigint");
    sm_type_t *s = tu_schema(sch);
    sm_op_t *src = NULL, *op = NULL;
    CHECK_OK(sm_op_values_new(ctx, s, bs, nb, &src, &e), &e);
    sm_type_free(s);
    uint32_t k[] = {0};
    sm_agg_spec_t a[] = {{SM_AGG_COUNT, 1, -1, true, false, 0.5, 10000, NULL},
                         {SM_AGG_SUM, 1, -1, false, false, 0.5, 10000, NULL},
                         {SM_AGG_MAX, 1, -1, false, false, 0.5, 10000, NULL},
                         {SM_AGG_COUNT_STAR, -1, -1, false, false, 0.5, 10000, NULL}};
    CHECK_OK(sm_op_hash_agg_new(ctx, src, k, 1, a, 4, &op, &e), &e);
    return op;
}

/* Runs one shape under ctx and compares with the oracle. */
static void run_shape(const sm_exec_ctx_t *ctx, shape_t shape, bool str_keys, bool narrow,
                      size_t nb, size_t per)
{
    static oracle_t o;
    free(o.pk);
    free(o.pv);
    memset(&o, 0, sizeof o);
    sm_batch_t **bs = make_input(&o, shape, str_keys, narrow, nb, per);
    char *want = oracle_text(&o, str_keys);
    char *got = tu_run(agg_over(ctx, bs, nb, str_keys, narrow), 1);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "shape %d str %d narrow %d: differs\n", (int)shape, str_keys, narrow);
    CHECK(strcmp(got, want) == 0);
    free(got);
    free(want);
    free(bs);
}

static void test_single_table(void)
{
    static const sm_exec_ctx_t plain = {0};
    for (int s = ASCENDING; s <= EXTREME; s++) {
        run_shape(&plain, (shape_t)s, false, false, 40, 4096);
        run_shape(&plain, (shape_t)s, false, true, 40, 4096);
    }
    run_shape(&plain, ASCENDING, true, false, 40, 4096);
    run_shape(&plain, SCATTERED, true, true, 40, 4096);
}

static void test_partitions(void)
{
    sm_error_t e;
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 4, &e), &e);
    sm_exec_ctx_t par = {.pool = pool};
    for (int s = ASCENDING; s <= EXTREME; s++)
        run_shape(&par, (shape_t)s, s % 2 == 1, s >= SCATTERED, 60, 4096);
    sm_pool_free(pool);
}

/* A budget far below the groups' size: new groups spill (several levels)
 * and their DISTINCT states are rebuilt from the spilled rows. */
static void test_spilling(void)
{
    sm_error_t e;
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_budget_t budget;
    sm_budget_init(&budget, 64 << 10);
    sm_exec_ctx_t tiny = {.pool = pool, .budget = &budget};
    run_shape(&tiny, ASCENDING, false, false, 30, 4096);
    run_shape(&tiny, SCATTERED, true, true, 30, 4096);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    sm_pool_free(pool);
}

int main(void)
{
    RUN(test_single_table);
    RUN(test_partitions);
    RUN(test_spilling);
    return check_summary();
}
