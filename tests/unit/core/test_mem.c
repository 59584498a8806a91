/* Unit tests for core/mem: the allocation wrappers and fault injection. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "core/mem.h"

static void test_basic_allocation(void)
{
    sm_mem_fail_after(0);
    char *p = sm_malloc(10);
    CHECK(p != NULL);
    memset(p, 1, 10);
    p = sm_realloc(p, 100);
    CHECK(p != NULL && p[9] == 1);
    sm_free(p);
    int *z = sm_calloc(8, sizeof *z);
    CHECK(z != NULL);
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += z[i];
    CHECK_EQ_INT(sum, 0);
    sm_free(z);
    /* zero sizes still give a unique, freeable pointer */
    void *a = sm_malloc(0), *b = sm_calloc(0, 4), *c = sm_calloc(4, 0);
    CHECK(a && b && c);
    void *d = sm_realloc(NULL, 0);
    CHECK(d != NULL);
    sm_free(a);
    sm_free(b);
    sm_free(c);
    sm_free(d);
    sm_free(NULL);
}

static void test_calloc_overflow(void)
{
    CHECK(sm_calloc(SIZE_MAX / 2, 4) == NULL);
    size_t out = 0;
    CHECK(sm_size_mul(3, 4, &out) && out == 12);
    CHECK(!sm_size_mul(SIZE_MAX / 2, 3, &out));
    CHECK(sm_size_mul(0, SIZE_MAX, &out) && out == 0);
}

static void test_strdup(void)
{
    char *s = sm_strdup("hello");
    CHECK_EQ_STR(s, "hello");
    sm_free(s);
    s = sm_strdup("");
    CHECK_EQ_STR(s, "");
    sm_free(s);
    s = sm_strndup("abcdef", 3);
    CHECK_EQ_STR(s, "abc");
    sm_free(s);
    s = sm_strndup("a\0b", 3); /* bytes, not C-string semantics */
    CHECK(s && s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0');
    sm_free(s);
    CHECK(sm_strndup("x", SIZE_MAX) == NULL); /* n + 1 would wrap */
}

static void test_fail_injection_counter(void)
{
    sm_mem_fail_after(0);
    /* n = 1: the very next allocation fails, and only that one */
    sm_mem_fail_after(1);
    CHECK(sm_malloc(8) == NULL);
    void *p = sm_malloc(8);
    CHECK(p != NULL);
    sm_free(p);

    /* n = 3: two succeed, the third fails, later ones succeed again */
    sm_mem_fail_after(3);
    void *a = sm_malloc(8), *b = sm_calloc(1, 8), *c = sm_malloc(8), *d = sm_malloc(8);
    CHECK(a != NULL && b != NULL);
    CHECK(c == NULL);
    CHECK(d != NULL);
    sm_free(a);
    sm_free(b);
    sm_free(d);

    /* every allocating function counts: calloc, realloc, strdup */
    sm_mem_fail_after(1);
    CHECK(sm_calloc(2, 2) == NULL);
    char *s = sm_strdup("keep");
    sm_mem_fail_after(1);
    CHECK(sm_realloc(s, 1000) == NULL);
    CHECK_EQ_STR(s, "keep"); /* a failed realloc leaves the old block intact */
    sm_mem_fail_after(1);
    CHECK(sm_strdup("x") == NULL);
    sm_mem_fail_after(1);
    CHECK(sm_strndup("xy", 1) == NULL);
    sm_free(s);

    /* 0 turns injection off, negative counts as 0 */
    sm_mem_fail_after(2);
    sm_mem_fail_after(0);
    for (int i = 0; i < 5; i++) {
        p = sm_malloc(1);
        CHECK(p != NULL);
        sm_free(p);
    }
    sm_mem_fail_after(-5);
    p = sm_malloc(1);
    CHECK(p != NULL);
    sm_free(p);
    /* sm_free is not an allocation and does not move the countdown */
    p = sm_malloc(1);
    sm_mem_fail_after(2);
    sm_free(p);
    sm_free(NULL);
    p = sm_malloc(1);
    CHECK(p != NULL);
    CHECK(sm_malloc(1) == NULL);
    sm_free(p);
    sm_mem_fail_after(0);
}

static void test_alloc_counting(void)
{
    sm_mem_fail_after(0); /* resets the count */
    void *a = sm_malloc(1), *b = sm_calloc(1, 1);
    a = sm_realloc(a, 2);
    sm_free(a);
    sm_free(b);
    CHECK_EQ_INT(sm_mem_fail_after(0), 3); /* malloc, calloc, realloc */
    CHECK_EQ_INT(sm_mem_fail_after(0), 0); /* the count restarts */
    /* failed allocations are counted too */
    sm_mem_fail_after(1);
    CHECK(sm_malloc(1) == NULL);
    CHECK_EQ_INT(sm_mem_fail_after(0), 1);
    /* the torture pattern: count an operation's allocations, then fail
     * each one in turn */
    sm_mem_fail_after(0);
    char *x = sm_strdup("a"), *y = sm_strdup("b");
    sm_free(x);
    sm_free(y);
    long n = sm_mem_fail_after(0);
    CHECK_EQ_INT(n, 2);
    for (long i = 1; i <= n; i++) {
        sm_mem_fail_after(i);
        x = sm_strdup("a");
        y = sm_strdup("b");
        CHECK((x == NULL) == (i == 1));
        CHECK((y == NULL) == (i == 2));
        sm_free(x);
        sm_free(y);
    }
    sm_mem_fail_after(0);
}

int main(void)
{
    RUN(test_basic_allocation);
    RUN(test_calloc_overflow);
    RUN(test_strdup);
    RUN(test_fail_injection_counter);
    RUN(test_alloc_counting);
    return check_summary();
}
