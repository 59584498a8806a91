/* Hash join on one integer key: the direct-addressed (dense) table, taken
 * when the build keys span few values, and the hashed table otherwise.
 * Each key set is joined LEFT and INNER, building either side, with probe
 * keys below, inside (hits and holes) and above the build keys' range,
 * NULL keys, duplicate build keys, and the extremes of the key type, and
 * the rows are compared with those computed here by a nested loop. */
#include "test_op_util.h"

enum { NB_MAX = 64, NP = 300 };

typedef struct keyset {
    const char *name;
    const char *type; /* int or bigint */
    size_t nb;
    long long b[NB_MAX]; /* build keys; LLONG_MIN + 1 stands for NULL */
} keyset_t;

#define NK (-0x7fffffffffffffffLL)

static const keyset_t sets[] = {
    /* a span smaller than the table: dense */
    {"one key", "int", 1, {42}},
    {"dense 1..20 with duplicates", "bigint", 23, {1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12,
                                                   13, 14, 15, 16, 17, 18, 19, 20, 3, 3,  20}},
    {"dense negative with holes and NULL", "int", 8, {-10, -7, -3, 0, 2, NK, 5, -10}},
    {"dense int extremes", "int", 3, {2147483647, 2147483646, 2147483640}},
    {"dense int minimum", "int", 3, {-2147483647 - 1, -2147483647, -2147483640}},
    {"dense bigint maximum", "bigint", 3, {0x7fffffffffffffffLL, 0x7ffffffffffffff0LL, NK}},
    /* spans wider than the table: hashed */
    {"sparse", "bigint", 6, {1, 1000003, 2000006, -5000000, 1000003, 77}},
    {"bigint extremes", "bigint", 3, {-0x7fffffffffffffffLL - 1, 0x7fffffffffffffffLL, 0}},
    {"int extremes", "int", 4, {-2147483647 - 1, 2147483647, 0, -1}},
    {"only NULL", "bigint", 2, {NK, NK}},
};

/* Probe key p of a set: values around every build key, far outside, the
 * extremes of the type, and NULLs. */
static long long probe_key(const keyset_t *s, size_t p, bool *null)
{
    bool big = strcmp(s->type, "bigint") == 0;
    long long lo = big ? -0x7fffffffffffffffLL - 1 : -2147483647LL - 1;
    long long hi = big ? 0x7fffffffffffffffLL : 2147483647LL;
    *null = p % 17 == 5;
    long long base = s->b[p % s->nb];
    if (base == NK)
        base = 0;
    long long d = (long long)(p % 7) - 3;
    switch (p % 11) {
    case 0:
        return lo;
    case 1:
        return hi;
    case 2:
        return base > lo + 1000 ? base - 1000 : lo;
    case 3:
        return base < hi - 1000 ? base + 1000 : hi;
    default:
        if ((d < 0 && base < lo - d) || (d > 0 && base > hi - d))
            return base;
        return base + d;
    }
}

static void check_set(const keyset_t *s, sm_pool_t *pool)
{
    static char bc[NB_MAX][2][32], pc[NP][2][32];
    const char *bp[NB_MAX * 2], *pp[NP * 2];
    bool pnull[NP];
    long long pk[NP];
    for (size_t r = 0; r < s->nb; r++) {
        snprintf(bc[r][0], 32, "%lld", s->b[r]);
        snprintf(bc[r][1], 32, "b%zu", r);
        bp[2 * r] = s->b[r] == NK ? NULL : bc[r][0];
        bp[2 * r + 1] = bc[r][1];
    }
    for (size_t r = 0; r < NP; r++) {
        pk[r] = probe_key(s, r, &pnull[r]);
        snprintf(pc[r][0], 32, "%lld", pk[r]);
        snprintf(pc[r][1], 32, "p%zu", r);
        pp[2 * r] = pnull[r] ? NULL : pc[r][0];
        pp[2 * r + 1] = pc[r][1];
    }
    char ps[64], bs[64];
    snprintf(ps, sizeof ps, "struct<pk:%s,pv:string>", s->type);
    snprintf(bs, sizeof bs, "struct<bk:%s,bv:string>", s->type);
    for (int mode = 0; mode < 8; mode++) {
        bool inner = mode & 1, build_left = mode & 2;
        sm_exec_ctx_t ctx = {.pool = (mode & 4) ? pool : NULL};
        /* expected: probe rows (left) joined to build rows (right) */
        char **lines = malloc((NP * NB_MAX + NP) * sizeof *lines);
        size_t nl = 0, len = 1;
        for (size_t r = 0; r < NP; r++) {
            bool hit = false;
            for (size_t k = 0; k < s->nb && !pnull[r]; k++) {
                if (s->b[k] == NK || s->b[k] != pk[r])
                    continue;
                char line[128];
                snprintf(line, sizeof line, "%s|p%zu|%s|b%zu", pc[r][0], r, bc[k][0], k);
                lines[nl++] = strdup(line);
                hit = true;
            }
            if (!hit && !inner) {
                char line[128];
                snprintf(line, sizeof line, "%s|p%zu|NULL|NULL", pnull[r] ? "NULL" : pc[r][0], r);
                lines[nl++] = strdup(line);
            }
        }
        qsort(lines, nl, sizeof *lines, tu_strcmp);
        for (size_t i = 0; i < nl; i++)
            len += strlen(lines[i]) + 1;
        char *want = malloc(len), *w = want;
        *w = 0;
        for (size_t i = 0; i < nl; i++) {
            w += sprintf(w, "%s%s", i ? ";" : "", lines[i]);
            free(lines[i]);
        }
        free(lines);
        /* the left side is the probe rows; building it means a RIGHT join
         * of the swapped roles is not needed: LEFT keeps the left rows
         * whichever side is built */
        uint32_t lk[] = {0}, rk[] = {0};
        sm_join_spec_t spec = {
            inner ? SM_JOIN_INNER : SM_JOIN_LEFT, lk, rk, 1, build_left, NULL, NULL, NULL};
        sm_op_t *op = NULL;
        sm_error_t e;
        CHECK_OK(sm_op_hash_join_new(&ctx, tu_values(&ctx, ps, pp, NP, 64),
                                     tu_values(&ctx, bs, bp, s->nb, 5), &spec, &op, &e),
                 &e);
        char *got = tu_run(op, 1);
        CHECK_EQ_STR(got, want);
        if (strcmp(got, want))
            fprintf(stderr, "set '%s' mode %d\n", s->name, mode);
        free(got);
        free(want);
    }
}

static void test_dense_and_hashed_keys(void)
{
    sm_pool_t *pool = NULL;
    sm_error_t e;
    CHECK_OK(sm_pool_new(&pool, 2, &e), &e);
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        check_set(&sets[i], pool);
    sm_pool_free(pool);
}

int main(void)
{
    RUN(test_dense_and_hashed_keys);
    return check_summary();
}
