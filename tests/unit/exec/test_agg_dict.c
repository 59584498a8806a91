/* Hash aggregate over string keys carrying dictionary codes (columnar/
 * vector.h): the aggregate maps each dictionary entry to its group once and
 * then each row by its code.  Batches whose dictionaries assign the same
 * codes to different strings, batches without codes in between, a
 * dictionary coming back after another, NULL rows (whose code 0 is also a
 * real entry's code), slices at an offset, a filter's gather, a join in
 * between, many partitions and a spilling table.  The oracle is a plain
 * per-string tally computed here from the rows' bytes. */
#include "core/hash.h"
#include "exec/expr.h"
#include "test_op_util.h"

#define SCH "struct<k:string,v:bigint>"

static const sm_exec_ctx_t plain = {0};

static sm_dict_t *mkdict(const char *const *vals, size_t n)
{
    sm_error_t e;
    sm_type_t *t = sm_type_string();
    sm_vector_t *v = NULL;
    sm_dict_t *d = NULL;
    CHECK_OK(sm_vector_new(t, n, &v, &e), &e);
    for (size_t i = 0; i < n; i++)
        CHECK_OK(sm_vector_append_str(v, vals[i], &e), &e);
    CHECK_OK(sm_dict_new(v, &d, &e), &e);
    sm_type_free(t);
    return d;
}

/* A batch of n rows: k = entry codes[i] of d (-1: NULL), v = v0 + i; the
 * codes are attached unless bare (NULL rows get code 0). */
static sm_batch_t *mkbatch(sm_dict_t *d, const int *codes, size_t n, int64_t v0, bool bare)
{
    sm_error_t e;
    sm_type_t *s = tu_schema(SCH);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(s, n, &b, &e), &e);
    uint32_t *cc = sm_malloc((n ? n : 1) * sizeof *cc);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] < 0) {
            CHECK_OK(sm_vector_append_null(b->cols[0], &e), &e);
            cc[i] = 0;
        } else {
            size_t len;
            const char *p = sm_vector_get_str(d->values, (size_t)codes[i], &len);
            CHECK_OK(sm_vector_append_bytes(b->cols[0], p, len, &e), &e);
            cc[i] = (uint32_t)codes[i];
        }
        CHECK_OK(sm_vector_append_i64(b->cols[1], v0 + (int64_t)i, &e), &e);
    }
    b->nrows = n;
    if (bare)
        sm_free(cc);
    else
        sm_vector_set_dict(b->cols[0], d, cc, true);
    sm_type_free(s);
    return b;
}

/* ---- the oracle: a tally of (key, count, sum) ------------------------- */

typedef struct tally {
    char *key[4096];
    bool null[4096];
    long count[4096], sum[4096];
    size_t n;
} tally_t;

static void tally_add(tally_t *t, const sm_batch_t *b)
{
    for (size_t r = 0; r < b->nrows; r++) {
        bool isnull = sm_vector_is_null(b->cols[0], r);
        size_t len = 0;
        const char *p = isnull ? "" : sm_vector_get_str(b->cols[0], r, &len);
        size_t i = 0;
        for (; i < t->n; i++)
            if (t->null[i] == isnull &&
                (isnull || (strlen(t->key[i]) == len && memcmp(t->key[i], p, len) == 0)))
                break;
        if (i == t->n) {
            /* p is not NUL-terminated: copy exactly len bytes */
            t->key[i] = malloc(len + 1);
            CHECK(t->key[i] != NULL);
            if (!t->key[i])
                return;
            memcpy(t->key[i], p, len);
            t->key[i][len] = '\0';
            t->null[i] = isnull;
            t->n++;
        }
        t->count[i]++;
        t->sum[i] += sm_vector_get_i64(b->cols[1], r);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "key|count|sum" lines sorted and joined by ';' (as tu_run prints). */
static char *tally_text(tally_t *t)
{
    char **lines = calloc(t->n + 1, sizeof *lines);
    size_t total = 1;
    for (size_t i = 0; i < t->n; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s|%ld|%ld", t->null[i] ? "NULL" : t->key[i], t->count[i],
                 t->sum[i]);
        lines[i] = strdup(buf);
        total += strlen(buf) + 1;
        free(t->key[i]);
    }
    qsort(lines, t->n, sizeof *lines, cmp_str);
    char *s = malloc(total);
    s[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            strcat(s, ";");
        strcat(s, lines[i]);
        free(lines[i]);
    }
    free(lines);
    memset(t, 0, sizeof *t);
    return s;
}

/* GROUP BY k: count(*), sum(v) over the batches (ownership taken). */
static sm_op_t *agg_over(const sm_exec_ctx_t *ctx, sm_op_t *child)
{
    uint32_t k[] = {0};
    sm_agg_spec_t a[] = {{SM_AGG_COUNT_STAR, -1, -1, false, false, 0.5, 10000, NULL},
                         {SM_AGG_SUM, 1, -1, false, false, 0.5, 10000, NULL}};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_agg_new(ctx, child, k, 1, a, 2, &op, &e), &e);
    return op;
}

static sm_op_t *values(const sm_exec_ctx_t *ctx, sm_batch_t **bs, size_t n)
{
    sm_type_t *s = tu_schema(SCH);
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_values_new(ctx, s, bs, n, &op, &e), &e);
    sm_type_free(s);
    return op;
}

/* Aggregates the batches under ctx and checks the result against the
 * tally of the same rows; frees the batches. */
static void check_agg(const sm_exec_ctx_t *ctx, sm_batch_t **bs, size_t n)
{
    static tally_t t;
    for (size_t i = 0; i < n; i++)
        tally_add(&t, bs[i]);
    char *want = tally_text(&t);
    char *got = tu_run(agg_over(ctx, values(ctx, bs, n)), 1);
    CHECK_EQ_STR(got, want);
    free(got);
    free(want);
}

static const char *const d1v[] = {"x", "y", "z"};
static const char *const d2v[] = {"z", "x", "w"}; /* the same codes, other strings */

/* The same batches, under each context: two dictionaries, a bare batch, the
 * first dictionary again, NULLs. */
static void run_mixed(const sm_exec_ctx_t *ctx)
{
    sm_dict_t *d1 = mkdict(d1v, 3), *d2 = mkdict(d2v, 3);
    int c1[] = {0, 1, 2, 0, 0, 1}, c2[] = {0, 0, 1, 2, 2, 2, 0}, c3[] = {2, 1, 0},
        c4[] = {-1, 0, -1, 2, 0, -1};
    sm_batch_t *bs[5] = {mkbatch(d1, c1, 6, 1, false), mkbatch(d2, c2, 7, 100, false),
                         mkbatch(d1, c3, 3, 1000, true), mkbatch(d1, c1, 6, 10000, false),
                         mkbatch(d1, c4, 6, 100000, false)};
    check_agg(ctx, bs, 5);
    /* a dictionary whose codes read as another's would count z under x */
    sm_batch_t *only[2] = {mkbatch(d2, c2, 7, 100, false), mkbatch(d1, c1, 6, 1, false)};
    CHECK_ROWS(agg_over(ctx, values(ctx, only, 2)), 1, "w|3|312;x|4|112;y|2|8;z|4|310");
    sm_dict_unref(d1);
    sm_dict_unref(d2);
}

static void test_dictionaries_do_not_mix(void)
{
    sm_error_t e;
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 4, &e), &e);
    sm_exec_ctx_t par = {.pool = pool};
    run_mixed(&plain);
    run_mixed(&par);
    sm_pool_free(pool);
}

/* Slices at an offset (codes are indexed by physical row) and a filter's
 * gather (a new vector: no codes) in front of the aggregate. */
static void test_slices_and_gather(void)
{
    sm_error_t e;
    sm_dict_t *d1 = mkdict(d1v, 3), *d2 = mkdict(d2v, 3);
    int c[40];
    for (int i = 0; i < 40; i++)
        c[i] = (i * 7 + i / 5) % 4 - 1; /* -1 (NULL), 0, 1, 2 */
    sm_batch_t *p1 = mkbatch(d1, c, 40, 0, false), *p2 = mkbatch(d2, c, 40, 500, false);
    sm_batch_t *bs[3];
    CHECK_OK(sm_batch_slice(p1, 3, 17, &bs[0], &e), &e);
    CHECK_OK(sm_batch_slice(p2, 11, 29, &bs[1], &e), &e);
    CHECK_OK(sm_batch_slice(p1, 25, 15, &bs[2], &e), &e);
    CHECK(bs[0]->cols[0]->dict == d1 && bs[0]->cols[0]->codes == p1->cols[0]->codes);
    CHECK_EQ_INT(bs[1]->cols[0]->offset, 11);
    check_agg(&plain, bs, 3);

    /* every other row of each parent, gathered the way a filter does */
    uint32_t sel[20];
    for (uint32_t i = 0; i < 20; i++)
        sel[i] = 2 * i + 1;
    sm_batch_t *g[2];
    sm_batch_t *parents[2] = {p1, p2};
    for (int k = 0; k < 2; k++) {
        sm_vector_t *cols[2];
        for (int c2 = 0; c2 < 2; c2++)
            CHECK_OK(sm_expr_gather(parents[k]->cols[c2], sel, 20, &cols[c2], &e), &e);
        CHECK(cols[0]->dict == NULL);
        CHECK_OK(sm_batch_from_vectors(parents[k]->schema, cols, 2, &g[k], &e), &e);
    }
    check_agg(&plain, g, 2);
    /* mutation drops the attachment */
    sm_vector_t *v = NULL;
    CHECK_OK(sm_vector_copy(p1->cols[0], &v, &e), &e);
    CHECK(v->dict == NULL);
    sm_vector_free(v);
    CHECK(p2->cols[0]->dict == d2);
    sm_vector_truncate(p2->cols[0], 30);
    CHECK(p2->cols[0]->dict == NULL && p2->cols[0]->codes == NULL);
    sm_batch_free(p1);
    sm_batch_free(p2);
    sm_dict_unref(d1);
    sm_dict_unref(d2);
}

/* A join between the scan and the aggregate: its output vectors are new. */
static void test_join_between(void)
{
    sm_error_t e;
    sm_dict_t *d1 = mkdict(d1v, 3), *d2 = mkdict(d2v, 3);
    int c1[] = {0, 1, 2, 0, -1, 1}, c2[] = {0, 0, 1, 2, 2, -1, 0};
    sm_batch_t *l[2] = {mkbatch(d1, c1, 6, 1, false), mkbatch(d2, c2, 7, 100, false)};
    /* right side: keys y and z, once each */
    int rc1[] = {1, 2};
    sm_batch_t *r[1] = {mkbatch(d1, rc1, 2, 0, false)};
    uint32_t keys[] = {0};
    sm_join_spec_t s = {.type = SM_JOIN_INNER, .left_keys = keys, .right_keys = keys, .nkeys = 1};
    sm_op_t *j = NULL;
    CHECK_OK(sm_op_hash_join_new(&plain, values(&plain, l, 2), values(&plain, r, 1), &s, &j, &e),
             &e);
    /* left rows with k in (y, z): y 2+6; z 3, and 100, 101, 106 (d2's code 0) */
    CHECK_ROWS(agg_over(&plain, j), 1, "y|2|8;z|4|310");
    sm_dict_unref(d1);
    sm_dict_unref(d2);
}

/* Many entries, several partitions, a budget small enough to spill: rows
 * of new groups go to spill files and come back without codes. */
static void test_spilling_table(void)
{
    sm_error_t e;
    enum { NV = 3000, NB = 6, ROWS = 2000 };
    char **vals = malloc(NV * sizeof *vals);
    for (int i = 0; i < NV; i++) {
        vals[i] = malloc(32);
        snprintf(vals[i], 32, "key-%05d-%s", (i * 37) % NV, i % 3 ? "long-ish tail" : "t");
    }
    sm_dict_t *d[2] = {mkdict((const char *const *)vals, NV),
                       mkdict((const char *const *)vals + NV / 2, NV / 2)};
    sm_batch_t *bs[NB];
    int *c = malloc(ROWS * sizeof *c);
    for (int b = 0; b < NB; b++) {
        int n = b % 2 ? NV / 2 : NV;
        for (int i = 0; i < ROWS; i++)
            c[i] = (int)(tu_rand() % (uint64_t)n) - (i % 97 == 0);
        bs[b] = mkbatch(d[b % 2], c, ROWS, b * ROWS, b == 4);
    }
    sm_pool_t *pool = NULL;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    sm_budget_t budget;
    sm_budget_init(&budget, 32 << 10);
    sm_exec_ctx_t tiny = {.pool = pool, .budget = &budget};
    static tally_t t;
    for (int b = 0; b < NB; b++)
        tally_add(&t, bs[b]);
    char *want = tally_text(&t);
    sm_op_t *op = agg_over(&tiny, values(&tiny, bs, NB));
    char *got = tu_run(op, 1);
    CHECK_EQ_STR(got, want);
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    free(got);
    free(want);
    sm_pool_free(pool);
    for (int i = 0; i < NV; i++)
        free(vals[i]);
    free(vals);
    free(c);
    sm_dict_unref(d[0]);
    sm_dict_unref(d[1]);
}

/* Dictionary hashes equal the hashes of the entries' bytes. */
static void test_dict_hashes(void)
{
    sm_error_t e;
    const char *const v[] = {"", "a", "bb"};
    sm_dict_t *d = mkdict(v, 3);
    const uint64_t *h = NULL, *h2 = NULL;
    CHECK_OK(sm_dict_hashes(d, &h, &e), &e);
    CHECK_OK(sm_dict_hashes(d, &h2, &e), &e);
    CHECK(h == h2);
    CHECK(h[0] == sm_hash_bytes("", 0, 0));
    CHECK(h[2] == sm_hash_bytes("bb", 2, 0));
    sm_dict_t *d2 = mkdict(v, 3);
    CHECK(d2->id != d->id);
    sm_dict_unref(d);
    sm_dict_unref(d2);
}

int main(void)
{
    RUN(test_dict_hashes);
    RUN(test_dictionaries_do_not_mix);
    RUN(test_slices_and_gather);
    RUN(test_join_between);
    RUN(test_spilling_table);
    return check_summary();
}
