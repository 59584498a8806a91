/* Sort, top-N, limit, union all, values and spill files. */
#include <unistd.h>

#include "exec/spill.h"
#include "test_op_util.h"

static const sm_exec_ctx_t plain = {0};

static const char *const people[] = {
    "3",  "carol", "1.5",      //
    "1",  "alice", NULL,       //
    NULL, "dave",  "NaN",      //
    "2",  "bob",   "-0.0",     //
    "1",  "alan",  "0.0",      //
    NULL, "eve",   "-1",       //
    "2",  "",      "Infinity", //
};
#define PEOPLE "struct<id:int,name:string,x:double>"

static sm_op_t *sorted(const sm_exec_ctx_t *ctx, const sm_sort_key_t *k, size_t nk, size_t per)
{
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_sort_new(ctx, tu_values(ctx, PEOPLE, people, 7, per), k, nk, &op, &e), &e);
    return op;
}

static void test_sort_nulls_and_stability(void)
{
    /* ASC default: NULLS FIRST; equal keys keep input order (stable). */
    sm_sort_key_t k1[] = {sm_sort_key_default(0, false)};
    CHECK_ROWS(sorted(&plain, k1, 1, 3), 0,
               "NULL|dave|NaN;NULL|eve|-1.0;1|alice|NULL;1|alan|0.0;2|bob|-0.0;2||Infinity;"
               "3|carol|1.5");
    /* DESC default: NULLS LAST. */
    sm_sort_key_t k2[] = {sm_sort_key_default(0, true)};
    CHECK_ROWS(sorted(&plain, k2, 1, 2), 0,
               "3|carol|1.5;2|bob|-0.0;2||Infinity;1|alice|NULL;1|alan|0.0;NULL|dave|NaN;"
               "NULL|eve|-1.0");
    /* Explicit ASC NULLS LAST then name DESC. */
    sm_sort_key_t k3[] = {{0, false, false}, {1, true, false}};
    CHECK_ROWS(sorted(&plain, k3, 2, 0), 0,
               "1|alice|NULL;1|alan|0.0;2|bob|-0.0;2||Infinity;3|carol|1.5;NULL|eve|-1.0;"
               "NULL|dave|NaN");
}

static void test_sort_floats_strings(void)
{
    /* NaN above +Infinity; -0.0 equals 0.0 (stable: bob before alan). */
    sm_sort_key_t k[] = {sm_sort_key_default(2, false)};
    CHECK_ROWS(sorted(&plain, k, 1, 7), 0,
               "1|alice|NULL;NULL|eve|-1.0;2|bob|-0.0;1|alan|0.0;3|carol|1.5;2||Infinity;"
               "NULL|dave|NaN");
    /* Strings by unsigned bytes: "" first, then by byte value. */
    static const char *const s[] = {"b", "\xc3\xa9", "B", "", "a\x01", "a", NULL};
    sm_op_t *op = NULL;
    sm_error_t e;
    sm_sort_key_t ks[] = {sm_sort_key_default(0, false)};
    CHECK_OK(sm_op_sort_new(&plain, tu_values(&plain, "struct<s:string>", s, 7, 2), ks, 1, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "NULL;;B;a;a\x01;b;\xc3\xa9");
}

/* Keys alike in their first 16 bytes (what entries compare as integers)
 * and differing after, keys that are prefixes of others, empty and NULL
 * strings, with a second key descending and many ties: against a
 * reference sort of the same rows (string bytes, then the number
 * descending, then arrival). */
enum { LP_N = 3000 };
static char lp_s[LP_N][40];
static int lp_i[LP_N];
static bool lp_null[LP_N];

static int lp_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    if (lp_null[a] != lp_null[b])
        return lp_null[a] ? -1 : 1; /* ASC: NULLS FIRST */
    int c = lp_null[a] ? 0 : strcmp(lp_s[a], lp_s[b]);
    if (!c)
        c = lp_i[a] > lp_i[b] ? -1 : lp_i[a] < lp_i[b];
    if (!c)
        c = a < b ? -1 : a > b;
    return c;
}

static void test_sort_long_prefixes(void)
{
    static const char *const heads[] = {"",
                                        "a",
                                        "abcdefghijklmno",
                                        "abcdefghijklmnop",
                                        "abcdefghijklmnopq",
                                        "abcdefghijklmnopqrstuvwxyz"};
    static char num[LP_N][16], idx[LP_N][16];
    static const char *cells[LP_N * 3];
    size_t order[LP_N];
    for (size_t r = 0; r < LP_N; r++) {
        const char *h = heads[tu_rand() % 6];
        size_t tail = tu_rand() % 3;
        snprintf(lp_s[r], sizeof lp_s[r], "%s%.*s", h, (int)tail, tu_rand() % 2 ? "ba" : "ab");
        lp_null[r] = tu_rand() % 29 == 0;
        lp_i[r] = (int)(tu_rand() % 5) - 2;
        snprintf(num[r], sizeof num[r], "%d", lp_i[r]);
        snprintf(idx[r], sizeof idx[r], "%zu", r);
        cells[3 * r] = lp_null[r] ? NULL : lp_s[r];
        cells[3 * r + 1] = num[r];
        cells[3 * r + 2] = idx[r];
        order[r] = r;
    }
    qsort(order, LP_N, sizeof *order, lp_cmp);
    char *want = malloc(LP_N * 64), *w = want;
    for (size_t k = 0; k < LP_N; k++) {
        size_t r = order[k];
        w += sprintf(w, "%s%s|%d|%zu", k ? ";" : "", lp_null[r] ? "NULL" : lp_s[r], lp_i[r], r);
    }
    sm_sort_key_t keys[] = {sm_sort_key_default(0, false), sm_sort_key_default(1, true)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_sort_new(&plain,
                            tu_values(&plain, "struct<s:string,i:int,r:int>", cells, LP_N, 700),
                            keys, 2, &op, &e),
             &e);
    char *got = tu_run(op, 0);
    CHECK_EQ_STR(got, want);
    free(got);
    free(want);
}

static void test_sort_empty_one(void)
{
    sm_op_t *op = NULL;
    sm_error_t e;
    sm_sort_key_t k[] = {sm_sort_key_default(0, false)};
    CHECK_OK(sm_op_sort_new(&plain, tu_values(&plain, PEOPLE, people, 0, 1), k, 1, &op, &e), &e);
    CHECK_ROWS(op, 0, "");
    CHECK_OK(sm_op_sort_new(&plain, tu_values(&plain, PEOPLE, people, 1, 1), k, 1, &op, &e), &e);
    CHECK_ROWS(op, 0, "3|carol|1.5");
    /* A bad key column. */
    sm_sort_key_t bad[] = {sm_sort_key_default(9, false)};
    CHECK(sm_op_sort_new(&plain, tu_values(&plain, PEOPLE, people, 1, 1), bad, 1, &op, &e) ==
          SM_ERR_INVALID);
}

/* Random rows (int key with NULLs, string, seq) sorted in memory and with a
 * tiny budget must agree, and agree with a reference insertion sort. */
static void test_sort_spill_differential(void)
{
    enum { N = 30000 };
    char(*cells)[24] = calloc(N * 3, 24);
    const char **ptr = calloc(N * 3, sizeof *ptr);
    for (size_t r = 0; r < N; r++) {
        uint64_t x = tu_rand();
        if (x % 10 == 0)
            ptr[3 * r] = NULL;
        else {
            snprintf(cells[3 * r], 24, "%d", (int)(x % 200) - 100);
            ptr[3 * r] = cells[3 * r];
        }
        snprintf(cells[3 * r + 1], 24, "s%llu", (unsigned long long)(tu_rand() % 50));
        ptr[3 * r + 1] = cells[3 * r + 1];
        snprintf(cells[3 * r + 2], 24, "%zu", r);
        ptr[3 * r + 2] = cells[3 * r + 2];
    }
    const char *sch = "struct<k:int,s:string,seq:int>";
    sm_sort_key_t k[] = {sm_sort_key_default(0, true), sm_sort_key_default(1, false)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_sort_new(&plain, tu_values(&plain, sch, ptr, N, 1000), k, 2, &op, &e), &e);
    char *mem = tu_run(op, 0);

    sm_budget_t budget;
    sm_budget_init(&budget, 16 << 10);
    /* a spill directory of its own: other tests spill into /tmp meanwhile */
    char spill_dir[] = "/tmp/smelt-sort-spill-XXXXXX";
    CHECK(mkdtemp(spill_dir) != NULL);
    sm_exec_ctx_t tiny = {.budget = &budget, .tmpdir = spill_dir};
    CHECK_OK(sm_op_sort_new(&tiny, tu_values(&tiny, sch, ptr, N, 100), k, 2, &op, &e), &e);
    CHECK_OK(sm_op_open(op, &e), &e);
    sm_batch_t *all = NULL, *b = NULL;
    sm_batch_new(op->schema, 0, &all, &e);
    while (sm_op_next(op, &b, &e) == SM_OK && b) {
        for (size_t c = 0; c < 3; c++)
            sm_vector_append_range(all->cols[c], b->cols[c], 0, b->nrows, &e);
        all->nrows += b->nrows;
        sm_batch_free(b);
    }
    CHECK(op->stats.spill_files > 100); /* more than MAX_FANIN runs: multi-pass merge */
    CHECK(op->stats.spill_bytes > 0);
    CHECK_EQ_INT(tu_spill_files(spill_dir), 0);
    sm_op_free(op);
    CHECK_EQ_INT(tu_spill_files(spill_dir), 0);
    CHECK(rmdir(spill_dir) == 0); /* empty: nothing was left behind */
    CHECK_EQ_INT(sm_budget_used(&budget), 0);
    char *spilled = tu_rows(all, 0);
    CHECK(strcmp(mem, spilled) == 0);
    if (strcmp(mem, spilled)) {
        size_t i = 0;
        while (mem[i] == spilled[i])
            i++;
        fprintf(stderr, "differ at %zu: mem ...%.80s\n spilled ...%.80s\n", i,
                mem + (i > 40 ? i - 40 : 0), spilled + (i > 40 ? i - 40 : 0));
    }
    sm_batch_free(all);

    /* Reference: stable insertion of (key desc nulls last, s asc). */
    size_t *idx = calloc(N, sizeof *idx);
    for (size_t i = 0; i < N; i++)
        idx[i] = i;
    /* merge sort by comparator, stable */
    size_t *tmp = calloc(N, sizeof *tmp);
    for (size_t w = 1; w < N; w *= 2)
        for (size_t lo = 0; lo < N; lo += 2 * w) {
            size_t mid = lo + w < N ? lo + w : N, hi = lo + 2 * w < N ? lo + 2 * w : N;
            size_t a = lo, bb = mid, o = lo;
            while (a < mid || bb < hi) {
                int take_a;
                if (a >= mid)
                    take_a = 0;
                else if (bb >= hi)
                    take_a = 1;
                else {
                    const char *ka = ptr[3 * idx[a]], *kb = ptr[3 * idx[bb]];
                    int c;
                    if (!ka && !kb)
                        c = 0;
                    else if (!ka)
                        c = 1;
                    else if (!kb)
                        c = -1;
                    else
                        c = atoi(kb) - atoi(ka);
                    if (!c)
                        c = strcmp(ptr[3 * idx[a] + 1], ptr[3 * idx[bb] + 1]);
                    take_a = c <= 0;
                }
                tmp[o++] = take_a ? idx[a++] : idx[bb++];
            }
            memcpy(idx + lo, tmp + lo, (hi - lo) * sizeof *idx);
        }
    size_t cap = (size_t)N * 40;
    char *ref = calloc(cap, 1), *p = ref;
    for (size_t i = 0; i < N; i++) {
        size_t r = idx[i];
        p += sprintf(p, "%s%s|%s|%s", i ? ";" : "", ptr[3 * r] ? ptr[3 * r] : "NULL",
                     ptr[3 * r + 1], ptr[3 * r + 2]);
    }
    CHECK(strcmp(mem, ref) == 0);
    free(ref);
    free(idx);
    free(tmp);
    free(mem);
    free(spilled);
    free(cells);
    free(ptr);
}

static void test_topn_limit(void)
{
    sm_op_t *op = NULL;
    sm_error_t e;
    sm_sort_key_t k[] = {sm_sort_key_default(0, false)};
    CHECK_OK(sm_op_topn_new(&plain, tu_values(&plain, PEOPLE, people, 7, 2), k, 1, 3, 0, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "NULL|dave|NaN;NULL|eve|-1.0;1|alice|NULL");
    CHECK_OK(sm_op_topn_new(&plain, tu_values(&plain, PEOPLE, people, 7, 2), k, 1, 2, 3, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "1|alan|0.0;2|bob|-0.0");
    CHECK_OK(sm_op_topn_new(&plain, tu_values(&plain, PEOPLE, people, 7, 2), k, 1, 0, 0, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "");
    CHECK_OK(sm_op_topn_new(&plain, tu_values(&plain, PEOPLE, people, 7, 2), k, 1, 100, 5, &op, &e),
             &e);
    CHECK_ROWS(op, 0, "2||Infinity;3|carol|1.5");
    /* Limit and offset. */
    CHECK_OK(sm_op_limit_new(&plain, tu_values(&plain, PEOPLE, people, 7, 2), 3, 2, &op, &e), &e);
    CHECK_ROWS(op, 0, "NULL|dave|NaN;2|bob|-0.0;1|alan|0.0");
    CHECK_OK(
        sm_op_limit_new(&plain, tu_values(&plain, PEOPLE, people, 7, 3), SM_LIMIT_NONE, 6, &op, &e),
        &e);
    CHECK_ROWS(op, 0, "2||Infinity");
    CHECK_OK(sm_op_limit_new(&plain, tu_values(&plain, PEOPLE, people, 7, 3), 0, 0, &op, &e), &e);
    CHECK_ROWS(op, 0, "");
}

/* Top-N over many rows agrees with sort + limit. */
static void test_topn_random(void)
{
    enum { N = 20000 };
    char(*cells)[24] = calloc(N * 2, 24);
    const char **ptr = calloc(N * 2, sizeof *ptr);
    for (size_t r = 0; r < N; r++) {
        snprintf(cells[2 * r], 24, "%d", (int)(tu_rand() % 1000));
        ptr[2 * r] = tu_rand() % 7 ? cells[2 * r] : NULL;
        snprintf(cells[2 * r + 1], 24, "%zu", r);
        ptr[2 * r + 1] = cells[2 * r + 1];
    }
    const char *sch = "struct<k:int,seq:int>";
    sm_sort_key_t k[] = {sm_sort_key_default(0, true)};
    sm_op_t *a = NULL, *b = NULL, *s = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_topn_new(&plain, tu_values(&plain, sch, ptr, N, 4096), k, 1, 5000, 10, &a, &e),
             &e);
    CHECK_OK(sm_op_sort_new(&plain, tu_values(&plain, sch, ptr, N, 4096), k, 1, &s, &e), &e);
    CHECK_OK(sm_op_limit_new(&plain, s, 5000, 10, &b, &e), &e);
    char *x = tu_run(a, 0), *y = tu_run(b, 0);
    CHECK(strcmp(x, y) == 0);
    free(x);
    free(y);
    free(cells);
    free(ptr);
}

static void test_union_all_and_explain(void)
{
    sm_op_t *ch[2] = {tu_values(&plain, PEOPLE, people, 2, 1),
                      tu_values(&plain, PEOPLE, people, 1, 1)};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_union_all_new(&plain, ch, 2, &op, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_op_collect(op, &b, &e), &e);
    CHECK_EQ_INT(b->nrows, 3);
    sm_batch_free(b);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_op_explain(op, &out, &e), &e);
    CHECK(strstr((char *)out.data, "UnionAll rows=3 batches=3") != NULL);
    CHECK(strstr((char *)out.data, "\n  Values rows=2") != NULL);
    sm_buf_free(&out);
    sm_op_free(op);
    /* Mismatched inputs. */
    sm_op_t *bad[2] = {tu_values(&plain, PEOPLE, people, 2, 1),
                       tu_values(&plain, "struct<a:int>", people, 0, 1)};
    CHECK(sm_op_union_all_new(&plain, bad, 2, &op, &e) == SM_ERR_INVALID);
}

static void test_spill_roundtrip(void)
{
    sm_type_t *t = tu_schema("struct<a:int,s:string,d:decimal(20,2),b:boolean,l:array<string>,"
                             "st:struct<x:bigint,y:string>,n:void>");
    sm_batch_t *b = NULL;
    sm_error_t e;
    CHECK_OK(sm_batch_new(t, 0, &b, &e), &e);
    for (int r = 0; r < 5000; r++) {
        char a[16], d[32];
        snprintf(a, sizeof a, "%d", r);
        snprintf(d, sizeof d, "%d.%02d", r * 7, r % 100);
        sm_vector_append_i32(b->cols[0], r, &e);
        if (r % 3)
            sm_vector_append_str(b->cols[1], a, &e);
        else
            sm_vector_append_null(b->cols[1], &e);
        sm_vector_append_text(b->cols[2], d, strlen(d), &e);
        if (r % 5)
            sm_vector_append_bool(b->cols[3], r % 2, &e);
        else
            sm_vector_append_null(b->cols[3], &e);
        for (int k = 0; k < r % 3; k++)
            sm_vector_append_str(b->cols[4]->children[0], a, &e);
        sm_vector_append_list(b->cols[4], &e);
        sm_vector_append_i64(b->cols[5]->children[0], r, &e);
        sm_vector_append_str(b->cols[5]->children[1], "x", &e);
        sm_vector_append_struct(b->cols[5], &e);
        sm_vector_append_null(b->cols[6], &e);
    }
    CHECK_OK(sm_batch_sync(b, &e), &e);
    sm_spill_t *f = NULL;
    CHECK_OK(sm_spill_new(NULL, &f, &e), &e);
    sm_batch_t *s1 = NULL, *s2 = NULL;
    sm_batch_slice(b, 3, 4000, &s1, &e); /* unaligned offset */
    sm_batch_slice(b, 0, 0, &s2, &e);
    CHECK_OK(sm_spill_write(f, b, &e), &e);
    CHECK_OK(sm_spill_write(f, s1, &e), &e);
    CHECK_OK(sm_spill_write(f, s2, &e), &e);
    CHECK_OK(sm_spill_rewind(f, &e), &e);
    CHECK_EQ_INT(sm_spill_batches(f), 3);
    CHECK_EQ_INT(sm_spill_rows(f), 9000);
    sm_batch_t *r = NULL;
    CHECK_OK(sm_spill_read(f, t, &r, &e), &e);
    for (size_t c = 0; r && c < b->ncols; c++)
        CHECK(sm_vector_equal(r->cols[c], b->cols[c]));
    sm_batch_free(r);
    CHECK_OK(sm_spill_read(f, t, &r, &e), &e);
    for (size_t c = 0; r && c < b->ncols; c++)
        CHECK(sm_vector_equal(r->cols[c], s1->cols[c]));
    sm_batch_free(r);
    CHECK_OK(sm_spill_read(f, t, &r, &e), &e);
    CHECK(r && r->nrows == 0);
    sm_batch_free(r);
    CHECK_OK(sm_spill_read(f, t, &r, &e), &e);
    CHECK(r == NULL);
    CHECK_OK(sm_spill_read_at(f, 1, t, &r, &e), &e);
    CHECK(r && r->nrows == 4000);
    sm_batch_free(r);
    CHECK(sm_spill_read_at(f, 3, t, &r, &e) == SM_ERR_INVALID);
    /* A schema that does not match is corrupt, not a crash. */
    sm_type_t *other = tu_schema("struct<a:string,s:string,d:decimal(20,2),b:boolean,"
                                 "l:array<string>,st:struct<x:bigint,y:string>,n:void>");
    CHECK(sm_spill_read_at(f, 0, other, &r, &e) == SM_ERR_CORRUPT);
    sm_type_free(other);
    sm_spill_close(f);
    /* A directory that does not exist. */
    CHECK(sm_spill_new("/nonexistent/dir", &f, &e) == SM_ERR_IO);
    CHECK(strstr(e.msg, "/nonexistent/dir") != NULL);
    sm_batch_free(s1);
    sm_batch_free(s2);
    sm_batch_free(b);
    sm_type_free(t);
}

/* Allocation failures anywhere in a spilling sort are errors, not crashes
 * or leaks (the sanitizer build checks leaks). */
static void test_sort_alloc_failures(void)
{
    sm_sort_key_t k[] = {sm_sort_key_default(1, false)};
    for (long n = 1; n < 400; n += 7) {
        sm_budget_t budget;
        sm_budget_init(&budget, 256);
        sm_exec_ctx_t tiny = {.budget = &budget};
        sm_op_t *op = NULL;
        sm_error_t e;
        sm_op_t *src = tu_values(&tiny, PEOPLE, people, 7, 2);
        sm_mem_fail_after(n);
        sm_err_t rc = sm_op_sort_new(&tiny, src, k, 1, &op, &e);
        sm_batch_t *b = NULL;
        if (!rc)
            rc = sm_op_collect(op, &b, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        sm_batch_free(b);
        sm_op_free(op);
    }
}

int main(void)
{
    RUN(test_sort_nulls_and_stability);
    RUN(test_sort_floats_strings);
    RUN(test_sort_empty_one);
    RUN(test_sort_spill_differential);
    RUN(test_topn_limit);
    RUN(test_topn_random);
    RUN(test_sort_long_prefixes);
    RUN(test_union_all_and_explain);
    RUN(test_spill_roundtrip);
    RUN(test_sort_alloc_failures);
    return check_summary();
}
