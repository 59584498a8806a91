/* Hash join: every join type, both build sides, NULL keys, empty inputs,
 * duplicates (many-to-many), residual predicates, nested loops, grace
 * spilling, parallel probe, randomized differential test against nested
 * loops. */
#include "test_op_util.h"

static const sm_exec_ctx_t plain = {0};

#define L "struct<id:int,lv:string>"
#define R "struct<rid:int,rv:string>"
static const char *const lrows[] = {"1", "a", "2", "b", "2", "c", NULL, "n", "4", "d"};
static const char *const rrows[] = {"2", "x", "2", "y", "3", "z", NULL, "m", "1", "w"};

static sm_op_t *join(const sm_exec_ctx_t *ctx, sm_join_type_t t, bool build_left, size_t nl,
                     size_t nr, sm_join_filter_fn f)
{
    uint32_t lk[] = {0}, rk[] = {0};
    sm_join_spec_t s = {t, lk, rk, 1, build_left, f, NULL, NULL};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_join_new(ctx, tu_values(ctx, L, lrows, nl, 2),
                                 tu_values(ctx, R, rrows, nr, 2), &s, &op, &e),
             &e);
    return op;
}

static const char *const expect_all[][2] = {
    [SM_JOIN_INNER] = {"inner", "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|x;2|c|2|y"},
    [SM_JOIN_LEFT] = {"left",
                      "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|x;2|c|2|y;4|d|NULL|NULL;NULL|n|NULL|NULL"},
    [SM_JOIN_RIGHT] = {"right",
                       "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|x;2|c|2|y;NULL|NULL|3|z;NULL|NULL|NULL|m"},
    [SM_JOIN_FULL] = {"full", "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|x;2|c|2|y;4|d|NULL|NULL;NULL|NULL|3|z;"
                              "NULL|NULL|NULL|m;NULL|n|NULL|NULL"},
    [SM_JOIN_SEMI] = {"semi", "1|a;2|b;2|c"},
    [SM_JOIN_ANTI] = {"anti", "4|d;NULL|n"},
};

static void test_join_types_both_build_sides(void)
{
    for (int t = SM_JOIN_INNER; t <= SM_JOIN_ANTI; t++)
        for (int bl = 0; bl < 2; bl++)
            CHECK_ROWS(join(&plain, (sm_join_type_t)t, bl, 5, 5, NULL), 1, expect_all[t][1]);
}

static void test_join_empty_sides(void)
{
    for (int bl = 0; bl < 2; bl++) {
        CHECK_ROWS(join(&plain, SM_JOIN_INNER, bl, 0, 5, NULL), 1, "");
        CHECK_ROWS(join(&plain, SM_JOIN_INNER, bl, 5, 0, NULL), 1, "");
        CHECK_ROWS(join(&plain, SM_JOIN_LEFT, bl, 2, 0, NULL), 1, "1|a|NULL|NULL;2|b|NULL|NULL");
        CHECK_ROWS(join(&plain, SM_JOIN_LEFT, bl, 0, 2, NULL), 1, "");
        CHECK_ROWS(join(&plain, SM_JOIN_RIGHT, bl, 0, 1, NULL), 1, "NULL|NULL|2|x");
        CHECK_ROWS(join(&plain, SM_JOIN_FULL, bl, 0, 0, NULL), 1, "");
        CHECK_ROWS(join(&plain, SM_JOIN_FULL, bl, 1, 1, NULL), 1, "1|a|NULL|NULL;NULL|NULL|2|x");
        CHECK_ROWS(join(&plain, SM_JOIN_SEMI, bl, 3, 0, NULL), 1, "");
        CHECK_ROWS(join(&plain, SM_JOIN_ANTI, bl, 3, 0, NULL), 1, "1|a;2|b;2|c");
        CHECK_ROWS(join(&plain, SM_JOIN_ANTI, bl, 0, 3, NULL), 1, "");
        /* One row each side. */
        CHECK_ROWS(join(&plain, SM_JOIN_INNER, bl, 1, 1, NULL), 1, "");
    }
}

/* Residual: lv < rv as strings (keeps b-x, b-y, c-x, c-y, a-w) minus
 * pairs where lv = 'c' and rv = 'x'. */
static sm_err_t residual(void *arg, const sm_batch_t *pairs, unsigned worker, uint32_t *sel,
                         size_t *nsel, sm_error_t *e)
{
    size_t n = 0;
    for (size_t r = 0; r < pairs->nrows; r++) {
        size_t a, b;
        const char *lv = sm_vector_get_str(pairs->cols[1], r, &a);
        const char *rv = sm_vector_get_str(pairs->cols[3], r, &b);
        if (sm_vector_is_null(pairs->cols[1], r) || sm_vector_is_null(pairs->cols[3], r))
            continue;
        if (a == 1 && b == 1 && lv[0] == 'c' && rv[0] == 'x')
            continue;
        sel[n++] = (uint32_t)r;
    }
    *nsel = n;
    return SM_OK;
}

static void test_join_residual(void)
{
    for (int bl = 0; bl < 2; bl++) {
        CHECK_ROWS(join(&plain, SM_JOIN_INNER, bl, 5, 5, residual), 1,
                   "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|y");
        CHECK_ROWS(join(&plain, SM_JOIN_FULL, bl, 5, 5, residual), 1,
                   "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|y;4|d|NULL|NULL;NULL|NULL|3|z;"
                   "NULL|NULL|NULL|m;NULL|n|NULL|NULL");
        CHECK_ROWS(join(&plain, SM_JOIN_SEMI, bl, 5, 5, residual), 1, "1|a;2|b;2|c");
    }
}

static sm_err_t only_rx(void *arg, const sm_batch_t *pairs, unsigned worker, uint32_t *sel,
                        size_t *nsel, sm_error_t *e)
{
    size_t n = 0, len;
    for (size_t r = 0; r < pairs->nrows; r++)
        if (!sm_vector_is_null(pairs->cols[3], r) &&
            sm_vector_get_str(pairs->cols[3], r, &len)[0] == 'x')
            sel[n++] = (uint32_t)r;
    *nsel = n;
    return SM_OK;
}

static void test_join_residual_changes_matches(void)
{
    /* Left row c matches only 2|x..; with rv = 'x' only, LEFT keeps a, d, n
     * unmatched; ANTI gives them. */
    for (int bl = 0; bl < 2; bl++) {
        CHECK_ROWS(join(&plain, SM_JOIN_LEFT, bl, 5, 5, only_rx), 1,
                   "1|a|NULL|NULL;2|b|2|x;2|c|2|x;4|d|NULL|NULL;NULL|n|NULL|NULL");
        CHECK_ROWS(join(&plain, SM_JOIN_ANTI, bl, 5, 5, only_rx), 1, "1|a;4|d;NULL|n");
        CHECK_ROWS(join(&plain, SM_JOIN_RIGHT, bl, 5, 5, only_rx), 1,
                   "2|b|2|x;2|c|2|x;NULL|NULL|1|w;NULL|NULL|2|y;NULL|NULL|3|z;NULL|NULL|NULL|m");
    }
}

static void test_cross_and_nested_loop(void)
{
    sm_join_spec_t s = {SM_JOIN_CROSS, NULL, NULL, 0, false, NULL, NULL, NULL};
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_hash_join_new(&plain, tu_values(&plain, L, lrows, 2, 1),
                                 tu_values(&plain, R, rrows, 3, 2), &s, &op, &e),
             &e);
    CHECK_ROWS(op, 1, "1|a|2|x;1|a|2|y;1|a|3|z;2|b|2|x;2|b|2|y;2|b|3|z");
    /* A non-equi LEFT join as a nested loop with a residual. */
    sm_join_spec_t s2 = {SM_JOIN_LEFT, NULL, NULL, 0, true, only_rx, NULL, NULL};
    CHECK_OK(sm_op_hash_join_new(&plain, tu_values(&plain, L, lrows, 5, 1),
                                 tu_values(&plain, R, rrows, 5, 2), &s2, &op, &e),
             &e);
    CHECK_ROWS(op, 1, "1|a|2|x;2|b|2|x;2|c|2|x;4|d|2|x;NULL|n|2|x");
    /* Mismatched key types are refused. */
    uint32_t lk[] = {1}, rk[] = {0};
    sm_join_spec_t s3 = {SM_JOIN_INNER, lk, rk, 1, false, NULL, NULL, NULL};
    CHECK(sm_op_hash_join_new(&plain, tu_values(&plain, L, lrows, 5, 1),
                              tu_values(&plain, R, rrows, 5, 2), &s3, &op, &e) == SM_ERR_INVALID);
}

/* Multi-column string keys (generic path). */
static void test_multi_key(void)
{
    static const char *const a[] = {"x", "1", "A", "x", "2", "B", "y", "1", "C", NULL, "1", "D"};
    static const char *const b[] = {"x", "1", "P", "x", "1", "Q", "y", "2", "R", NULL, "1", "S"};
    uint32_t k[] = {0, 1};
    sm_join_spec_t s = {SM_JOIN_FULL, k, k, 2, false, NULL, NULL, NULL};
    sm_op_t *op = NULL;
    sm_error_t e;
    const char *sch = "struct<s:string,n:bigint,v:string>";
    CHECK_OK(sm_op_hash_join_new(&plain, tu_values(&plain, sch, a, 4, 3),
                                 tu_values(&plain, sch, b, 4, 3), &s, &op, &e),
             &e);
    CHECK_ROWS(op, 1,
               "NULL|1|D|NULL|NULL|NULL;NULL|NULL|NULL|NULL|1|S;NULL|NULL|NULL|y|2|R;"
               "x|1|A|x|1|P;x|1|A|x|1|Q;x|2|B|NULL|NULL|NULL;y|1|C|NULL|NULL|NULL");
}

/* ---- randomized differential, spilled, parallel ------------------------------------- */

enum { NL = 4000, NR = 3000 };
static char lc[NL * 2][16], rc_[NR * 2][16];
static const char *lp[NL * 2], *rp[NR * 2];

static void gen(const char **p, char (*c)[16], size_t n, int keys)
{
    for (size_t r = 0; r < n; r++) {
        if (tu_rand() % 11 == 0)
            p[2 * r] = NULL;
        else {
            snprintf(c[2 * r], 16, "%d", (int)(tu_rand() % (uint64_t)keys));
            p[2 * r] = c[2 * r];
        }
        snprintf(c[2 * r + 1], 16, "%zu", r);
        p[2 * r + 1] = c[2 * r + 1];
    }
}

static char *nested_loop_ref(sm_join_type_t t)
{
    size_t cap = 1 << 16, nl = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *rm = calloc(NR, 1);
    char line[64];
#define ADD(...)                                                                                   \
    do {                                                                                           \
        snprintf(line, sizeof line, __VA_ARGS__);                                                  \
        if (nl == cap)                                                                             \
            lines = realloc(lines, (cap *= 2) * sizeof *lines);                                    \
        lines[nl++] = strdup(line);                                                                \
    } while (0)
    for (size_t i = 0; i < NL; i++) {
        int m = 0;
        for (size_t j = 0; j < NR; j++) {
            if (!lp[2 * i] || !rp[2 * j] || strcmp(lp[2 * i], rp[2 * j]))
                continue;
            /* residual: (lseq + rseq) % 3 != 0 */
            if ((atoi(lp[2 * i + 1]) + atoi(rp[2 * j + 1])) % 3 == 0)
                continue;
            m = 1;
            rm[j] = 1;
            if (t != SM_JOIN_SEMI && t != SM_JOIN_ANTI)
                ADD("%s|%s|%s|%s", lp[2 * i], lp[2 * i + 1], rp[2 * j], rp[2 * j + 1]);
        }
        const char *k = lp[2 * i] ? lp[2 * i] : "NULL";
        if (!m && (t == SM_JOIN_LEFT || t == SM_JOIN_FULL))
            ADD("%s|%s|NULL|NULL", k, lp[2 * i + 1]);
        if ((m && t == SM_JOIN_SEMI) || (!m && t == SM_JOIN_ANTI))
            ADD("%s|%s", k, lp[2 * i + 1]);
    }
    if (t == SM_JOIN_RIGHT || t == SM_JOIN_FULL)
        for (size_t j = 0; j < NR; j++)
            if (!rm[j])
                ADD("NULL|NULL|%s|%s", rp[2 * j] ? rp[2 * j] : "NULL", rp[2 * j + 1]);
#undef ADD
    qsort(lines, nl, sizeof *lines, tu_strcmp);
    size_t len = 0;
    for (size_t i = 0; i < nl; i++)
        len += strlen(lines[i]) + 1;
    char *out = malloc(len + 1);
    out[0] = 0;
    char *p = out;
    for (size_t i = 0; i < nl; i++) {
        p += sprintf(p, "%s%s", i ? ";" : "", lines[i]);
        free(lines[i]);
    }
    free(lines);
    free(rm);
    return out;
}

static sm_err_t mod3(void *arg, const sm_batch_t *pairs, unsigned worker, uint32_t *sel,
                     size_t *nsel, sm_error_t *e)
{
    size_t n = 0;
    for (size_t r = 0; r < pairs->nrows; r++)
        if ((sm_vector_get_i32(pairs->cols[1], r) + sm_vector_get_i32(pairs->cols[3], r)) % 3)
            sel[n++] = (uint32_t)r;
    *nsel = n;
    return SM_OK;
}

static void test_random_differential(void)
{
    gen(lp, lc, NL, 800);
    gen(rp, rc_, NR, 800);
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    /* An int key (the direct integer path) and a string key (the raw-bytes
     * path of one string key): the same rows, the same answers. */
    static const char *const schemas[] = {"struct<k:int,seq:int>", "struct<k:string,seq:int>"};
    for (int si = 0; si < 2; si++)
        for (int t = SM_JOIN_INNER; t <= SM_JOIN_ANTI; t++) {
            const char *ls = schemas[si], *rs = schemas[si];
            char *ref = nested_loop_ref((sm_join_type_t)t);
            for (int mode = 0; mode < 4; mode++) {
                sm_budget_t budget;
                sm_budget_init(&budget, 16 << 10);
                sm_exec_ctx_t ctx = {.budget = (mode & 1) ? &budget : NULL,
                                     .pool = (mode & 2) ? pool : NULL};
                uint32_t k[] = {0};
                sm_join_spec_t s = {(sm_join_type_t)t, k, k, 1, mode == 1, mod3, NULL, NULL};
                sm_op_t *op = NULL;
                CHECK_OK(sm_op_hash_join_new(&ctx, tu_values(&ctx, ls, lp, NL, 500),
                                             tu_values(&ctx, rs, rp, NR, 300), &s, &op, &e),
                         &e);
                sm_batch_t *b = NULL;
                CHECK_OK(sm_op_collect(op, &b, &e), &e);
                if (mode & 1)
                    CHECK(op->stats.spill_files > 0);
                char *got = tu_rows(b, 1);
                CHECK(strcmp(got, ref) == 0);
                if (strcmp(got, ref))
                    fprintf(stderr, "type %d mode %d: got %.120s\n  exp %.120s\n", t, mode, got,
                            ref);
                free(got);
                sm_batch_free(b);
                sm_op_free(op);
                CHECK_EQ_INT(sm_budget_used(&budget), 0);
            }
            free(ref);
        }
    sm_pool_free(pool);
}

/* Lookup joins in a chain, as a star schema's master view does:
 *   facts LEFT JOIN dim2 ON fk2 = k2 LEFT JOIN dim1 ON fk1 = k1
 * with some facts missing dim2 or having a NULL fk2, and every fact finding
 * its dim1 row (so the second join receives whole batches where every row
 * matches, whose columns it takes over instead of copying), for each integer
 * key kind the joins compare directly (smallint, int, bigint, date), with
 * and without a pool, and as INNER joins.  Expected rows are computed here
 * from the generating rule. */
static void test_chained_lookup_joins(void)
{
    enum { NF = 5000, ND1 = 97, ND2 = 40 };
    static const char *const kinds[] = {"smallint", "int", "bigint", "date"};
    static char fc[NF][3][16], d1c[ND1][3][16], d2c[ND2][2][16];
    static const char *fp[NF * 3], *d1p[ND1 * 3], *d2p[ND2 * 2];
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    for (size_t kind = 0; kind < 4; kind++) {
        bool date = kind == 3;
#define KEY(buf, v)                                                                                \
    (date ? snprintf(buf, 16, "2024-01-%02d", (int)(v) + 1) : snprintf(buf, 16, "%d", (int)(v)))
        /* dates only take 28 distinct values: keep the keys unique. */
        size_t nd1 = date ? 28 : ND1, nd2 = date ? 20 : ND2;
        for (size_t r = 0; r < NF; r++) {
            KEY(fc[r][0], r % nd1);
            fp[3 * r] = fc[r][0];
            snprintf(fc[r][1], 16, "f%zu", r);
            fp[3 * r + 1] = fc[r][1];
            fp[3 * r + 2] = NULL;
            if (r % 13) {
                KEY(fc[r][2], (r * 7) % 28);
                fp[3 * r + 2] = fc[r][2];
            }
        }
        for (size_t r = 0; r < nd1; r++) {
            KEY(d1c[r][0], r);
            snprintf(d1c[r][1], 16, "name%zu", r);
            snprintf(d1c[r][2], 16, "%zu", r * 3);
            for (int c = 0; c < 3; c++)
                d1p[3 * r + c] = d1c[r][c];
        }
        for (size_t r = 0; r < nd2; r++) {
            KEY(d2c[r][0], r);
            snprintf(d2c[r][1], 16, "cat%zu", r);
            d2p[2 * r] = d2c[r][0];
            d2p[2 * r + 1] = d2c[r][1];
        }
        char fs[96], d1s[96], d2s[96];
        snprintf(fs, sizeof fs, "struct<fk1:%s,name:string,fk2:%s>", kinds[kind], kinds[kind]);
        snprintf(d1s, sizeof d1s, "struct<k1:%s,n1:string,x:int>", kinds[kind]);
        snprintf(d2s, sizeof d2s, "struct<k2:%s,n2:string>", kinds[kind]);
        for (int mode = 0; mode < 4; mode++) {
            bool inner = mode & 1;
            sm_join_type_t t = inner ? SM_JOIN_INNER : SM_JOIN_LEFT;
            sm_exec_ctx_t ctx = {.pool = (mode & 2) ? pool : NULL};
            uint32_t a1[] = {0}, b1[] = {0}, a2[] = {2}, b2[] = {0};
            sm_join_spec_t s1 = {t, a1, b1, 1, false, NULL, NULL, NULL};
            sm_join_spec_t s2 = {t, a2, b2, 1, false, NULL, NULL, NULL};
            sm_op_t *j1 = NULL, *j2 = NULL;
            CHECK_OK(sm_op_hash_join_new(&ctx, tu_values(&ctx, fs, fp, NF, 1000),
                                         tu_values(&ctx, d2s, d2p, nd2, 0), &s2, &j1, &e),
                     &e);
            CHECK_OK(sm_op_hash_join_new(&ctx, j1, tu_values(&ctx, d1s, d1p, nd1, 0), &s1, &j2, &e),
                     &e);
            char *got = tu_run(j2, 1);
            /* expected */
            char **lines = malloc(NF * sizeof *lines);
            size_t nl = 0, len = 1;
            for (size_t r = 0; r < NF; r++) {
                size_t k1 = r % nd1;
                bool has2 = r % 13 && (r * 7) % 28 < nd2;
                if (inner && !has2)
                    continue;
                char line[160], k2[16] = "NULL", n2[16] = "NULL";
                if (has2) {
                    KEY(k2, (r * 7) % 28);
                    snprintf(n2, sizeof n2, "cat%zu", (r * 7) % 28);
                }
                snprintf(line, sizeof line, "%s|f%zu|%s|%s|%s|%s|name%zu|%zu", fc[r][0], r,
                         fp[3 * r + 2] ? fp[3 * r + 2] : "NULL", k2, n2, d1c[k1][0], k1, k1 * 3);
                lines[nl++] = strdup(line);
                len += strlen(line) + 1;
            }
#undef KEY
            qsort(lines, nl, sizeof *lines, tu_strcmp);
            char *want = malloc(len), *w = want;
            *w = 0;
            for (size_t i = 0; i < nl; i++) {
                w += sprintf(w, "%s%s", i ? ";" : "", lines[i]);
                free(lines[i]);
            }
            free(lines);
            CHECK(strcmp(got, want) == 0);
            if (strcmp(got, want))
                fprintf(stderr, "%s mode %d:\n got %.200s\nwant %.200s\n", kinds[kind], mode, got,
                        want);
            free(got);
            free(want);
        }
    }
    sm_pool_free(pool);
}

/* Output batches hold at most SM_BATCH_ROWS rows, also for a many-to-many
 * blow-up. */
static void test_batch_size_bound(void)
{
    enum { N = 300 };
    const char **p = calloc(N * 2, sizeof *p);
    for (size_t r = 0; r < N; r++) {
        p[2 * r] = "7";
        p[2 * r + 1] = "v";
    }
    uint32_t k[] = {0};
    sm_join_spec_t s = {SM_JOIN_INNER, k, k, 1, false, NULL, NULL, NULL};
    sm_op_t *op = NULL;
    sm_error_t e;
    const char *sch = "struct<k:bigint,v:string>";
    CHECK_OK(sm_op_hash_join_new(&plain, tu_values(&plain, sch, p, N, 0),
                                 tu_values(&plain, sch, p, N, 0), &s, &op, &e),
             &e);
    CHECK_OK(sm_op_open(op, &e), &e);
    sm_batch_t *b = NULL;
    size_t total = 0;
    while (sm_op_next(op, &b, &e) == SM_OK && b) {
        CHECK(b->nrows <= SM_BATCH_ROWS && b->nrows > 0);
        total += b->nrows;
        sm_batch_free(b);
    }
    CHECK_EQ_INT(total, N * N);
    sm_op_free(op);
    free(p);
}

/* The rows of expect (';'-separated, fields '|'-separated) with only the
 * fields flagged in keep, sorted as tu_rows sorts them. */
static char *kept_rows(const char *expect, const uint8_t *keep)
{
    size_t len = strlen(expect);
    char *buf = malloc(len + 1), *out = malloc(len + 1), **lines = calloc(len + 1, sizeof *lines);
    size_t nl = 0;
    memcpy(buf, expect, len + 1);
    for (char *row = len ? buf : NULL, *next; row; row = next) {
        next = strchr(row, ';');
        if (next)
            *next++ = 0;
        char *line = malloc(strlen(row) + 1), *q = line;
        size_t f = 0;
        for (char *fld = row, *nf; fld; fld = nf, f++) {
            nf = strchr(fld, '|');
            if (nf)
                *nf++ = 0;
            if (keep[f])
                q += sprintf(q, "%s%s", q == line ? "" : "|", fld);
        }
        *q = 0;
        lines[nl++] = line;
    }
    qsort(lines, nl, sizeof *lines, tu_strcmp);
    char *p = out;
    *p = 0;
    for (size_t i = 0; i < nl; i++) {
        p += sprintf(p, "%s%s", i ? ";" : "", lines[i]);
        free(lines[i]);
    }
    free(lines);
    free(buf);
    return out;
}

/* spec.keep: only the flagged columns come out, for every join type (SEMI
 * and ANTI ignore it), both build sides, with and without a residual that
 * reads dropped columns, probing on a pool and through grace spilling. */
static void test_join_keep_columns(void)
{
    static const uint8_t masks[][4] = {{0, 1, 0, 1}, {1, 0, 0, 0}, {0, 0, 1, 1}, {0, 1, 1, 0}};
    static const char *const resid_expect[SM_JOIN_ANTI + 1] = {
        [SM_JOIN_INNER] = "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|y",
        [SM_JOIN_FULL] = "1|a|1|w;2|b|2|x;2|b|2|y;2|c|2|y;4|d|NULL|NULL;NULL|NULL|3|z;"
                         "NULL|NULL|NULL|m;NULL|n|NULL|NULL",
    };
    static const uint8_t all[4] = {1, 1, 1, 1};
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    for (int mode = 0; mode < 3; mode++) {
        sm_budget_t budget;
        sm_budget_init(&budget, 1);
        sm_exec_ctx_t ctx = {.budget = mode == 2 ? &budget : NULL, .pool = mode == 1 ? pool : NULL};
        for (size_t mi = 0; mi < sizeof masks / sizeof *masks; mi++)
            for (int t = SM_JOIN_INNER; t <= SM_JOIN_ANTI; t++)
                for (int bl = 0; bl < 2; bl++)
                    for (int f = 0; f < 2; f++) {
                        if (f && !resid_expect[t])
                            continue;
                        bool sa = t == SM_JOIN_SEMI || t == SM_JOIN_ANTI;
                        uint32_t lk[] = {0}, rk[] = {0};
                        sm_join_spec_t s = {(sm_join_type_t)t,   lk,   rk,       1, bl,
                                            f ? residual : NULL, NULL, masks[mi]};
                        sm_op_t *op = NULL;
                        CHECK_OK(sm_op_hash_join_new(&ctx, tu_values(&ctx, L, lrows, 5, 2),
                                                     tu_values(&ctx, R, rrows, 5, 2), &s, &op, &e),
                                 &e);
                        CHECK_EQ_INT(op->schema->nfields, sa ? 2
                                                             : masks[mi][0] + masks[mi][1] +
                                                                   masks[mi][2] + masks[mi][3]);
                        char *want =
                            kept_rows(f ? resid_expect[t] : expect_all[t][1], sa ? all : masks[mi]);
                        char *got = tu_run(op, 1);
                        CHECK_EQ_STR(got, want);
                        if (strcmp(got, want))
                            fprintf(stderr, "mode %d mask %zu type %d build_left %d filter %d\n",
                                    mode, mi, t, bl, f);
                        free(got);
                        free(want);
                        CHECK_EQ_INT(sm_budget_used(&budget), 0);
                    }
    }
    /* No column kept: refused. */
    static const uint8_t none[4] = {0};
    uint32_t lk[] = {0}, rk[] = {0};
    sm_join_spec_t s = {SM_JOIN_INNER, lk, rk, 1, false, NULL, NULL, none};
    sm_op_t *op = NULL;
    CHECK(sm_op_hash_join_new(&plain, tu_values(&plain, L, lrows, 5, 2),
                              tu_values(&plain, R, rrows, 5, 2), &s, &op, &e) == SM_ERR_INVALID);
    CHECK(op == NULL);
    sm_pool_free(pool);
}

static void test_alloc_failures(void)
{
    for (long n = 1; n < 400; n += 5) {
        sm_budget_t budget;
        sm_budget_init(&budget, 64);
        sm_exec_ctx_t ctx = {.budget = &budget};
        uint32_t lk[] = {0}, rk[] = {0};
        static const uint8_t keep[4] = {0, 1, 1, 0};
        sm_join_spec_t s = {SM_JOIN_FULL, lk, rk, 1, false, NULL, NULL, n % 2 ? keep : NULL};
        sm_op_t *l = tu_values(&ctx, L, lrows, 5, 2), *r = tu_values(&ctx, R, rrows, 5, 2),
                *op = NULL;
        sm_error_t e;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_op_hash_join_new(&ctx, l, r, &s, &op, &e);
        sm_batch_t *b = NULL;
        if (!rc)
            rc = sm_op_collect(op, &b, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        if (rc && rc != SM_ERR_NOMEM)
            fprintf(stderr, "n=%ld: %s\n", n, e.msg);
        sm_batch_free(b);
        sm_op_free(op);
    }
}

int main(void)
{
    RUN(test_join_types_both_build_sides);
    RUN(test_join_empty_sides);
    RUN(test_join_residual);
    RUN(test_join_residual_changes_matches);
    RUN(test_cross_and_nested_loop);
    RUN(test_multi_key);
    RUN(test_random_differential);
    RUN(test_chained_lookup_joins);
    RUN(test_batch_size_bound);
    RUN(test_join_keep_columns);
    RUN(test_alloc_failures);
    return check_summary();
}
