/*
 * tests/unit/check.h — the smallest useful unit-test harness.
 *
 *   static void test_thing(void) { CHECK(x == 1); CHECK_EQ_INT(a, b); }
 *   int main(void) { RUN(test_thing); return check_summary(); }
 *
 * A failed CHECK prints file:line and the expression, and the test goes on
 * (so one run shows every failure).  check_summary() prints
 * "unit: N passed, N failed" and returns the exit status.
 */
#ifndef SM_TEST_CHECK_H
#define SM_TEST_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failed_in_test, check_passed_tests, check_failed_tests;
static long check_count;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            check_failed_in_test = 1;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        int64_t check_a_ = (int64_t)(a), check_b_ = (int64_t)(b);                                  \
        check_count++;                                                                             \
        if (check_a_ != check_b_) {                                                                \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s == %s (%" PRId64 " vs %" PRId64 ")\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                               \
            check_failed_in_test = 1;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        check_count++;                                                                             \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                           \
            fprintf(stderr,                                                                        \
                    "%s:%d: CHECK_EQ_STR failed: %s == %s\n  got:      \"%s\"\n"                   \
                    "  expected: \"%s\"\n",                                                        \
                    __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",                    \
                    check_b_ ? check_b_ : "(null)");                                               \
            check_failed_in_test = 1;                                                              \
        }                                                                                          \
    } while (0)

/* The call succeeded (returned SM_OK); on failure prints the error object. */
#define CHECK_OK(call, errp)                                                                       \
    do {                                                                                           \
        check_count++;                                                                             \
        if ((call) != 0) {                                                                         \
            fprintf(stderr, "%s:%d: CHECK_OK failed: %s: %s\n", __FILE__, __LINE__, #call,         \
                    (errp)->msg);                                                                  \
            check_failed_in_test = 1;                                                              \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        check_failed_in_test = 0;                                                                  \
        fn();                                                                                      \
        if (check_failed_in_test) {                                                                \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
            check_failed_tests++;                                                                  \
        } else {                                                                                   \
            check_passed_tests++;                                                                  \
        }                                                                                          \
    } while (0)

/* The next value of a deterministic random stream (splitmix64) whose
 * state is *state: the same seed gives the same values on every run. */
static inline uint64_t check_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Whether the files at paths a and b hold the same bytes (false when
 * either cannot be read). */
static inline bool check_same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = false;
    if (fa && fb) {
        int ca, cb;
        do {
            ca = getc(fa);
            cb = getc(fb);
        } while (ca == cb && ca != EOF);
        same = ca == cb;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Deletes a test's scratch directory and everything under it; true when
 * that worked. */
static inline bool check_rm_tree(const char *dir)
{
    char cmd[4200];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return n > 0 && (size_t)n < sizeof cmd && system(cmd) == 0;
}

static inline int check_summary(void)
{
    printf("(%ld checks)\nunit: %d passed, %d failed\n", check_count, check_passed_tests,
           check_failed_tests);
    return check_failed_tests ? 1 : 0;
}

#endif
