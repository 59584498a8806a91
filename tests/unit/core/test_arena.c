/* Unit tests for core/arena. */
#include <stdint.h>

#include "check.h"
#include "core/arena.h"
#include "core/mem.h"

static void test_alignment(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 0);
    CHECK_EQ_INT(a.block_size, 64 * 1024);
    size_t sizes[] = {1, 3, 16, 17, 0, 31, 100, 1, 7};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = sm_arena_alloc(&a, sizes[i]);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & 15) == 0);
        if (sizes[i])
            memset(p, 0xab, sizes[i]);
    }
    /* zero-size requests still get distinct pointers */
    void *z1 = sm_arena_alloc(&a, 0), *z2 = sm_arena_alloc(&a, 0);
    CHECK(z1 && z2 && z1 != z2);
    sm_arena_free(&a);
    CHECK(a.head == NULL && a.used_bytes == 0);
}

static void test_pieces_do_not_overlap(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 256);
    enum { N = 200 };
    unsigned char *ptrs[N];
    for (int i = 0; i < N; i++) {
        ptrs[i] = sm_arena_alloc(&a, (size_t)(i % 37) + 1);
        CHECK(ptrs[i] != NULL);
        memset(ptrs[i], i, (size_t)(i % 37) + 1);
    }
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i % 37 + 1; j++)
            bad += ptrs[i][j] != (unsigned char)i;
    CHECK_EQ_INT(bad, 0);
    sm_arena_free(&a);
}

static void test_big_allocations(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 1024);
    char *small = sm_arena_strdup(&a, "small");
    /* larger than a block: gets a block of its own */
    unsigned char *big = sm_arena_alloc(&a, 100000);
    CHECK(big != NULL);
    CHECK(((uintptr_t)big & 15) == 0);
    memset(big, 7, 100000);
    CHECK(big[99999] == 7);
    char *after = sm_arena_strdup(&a, "after");
    CHECK_EQ_STR(small, "small");
    CHECK_EQ_STR(after, "after");
    CHECK(a.used_bytes >= 100000 + 32);
    /* exactly one block */
    void *exact = sm_arena_alloc(&a, 1024);
    CHECK(exact != NULL);
    /* absurd sizes fail cleanly */
    CHECK(sm_arena_alloc(&a, SIZE_MAX) == NULL);
    CHECK(sm_arena_alloc(&a, SIZE_MAX - 8) == NULL);
    CHECK(sm_arena_strndup(&a, "x", SIZE_MAX) == NULL);
    sm_arena_free(&a);
}

static void test_reset_reuse(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 4096);
    void *first = sm_arena_alloc(&a, 100);
    for (int i = 0; i < 100; i++)
        CHECK(sm_arena_alloc(&a, 1000) != NULL); /* several blocks */
    sm_arena_alloc(&a, 50000);                   /* and a big one */
    sm_arena_reset(&a);
    CHECK_EQ_INT(a.used_bytes, 0);
    /* the first block is kept: the next allocation reuses it without malloc */
    sm_mem_fail_after(0);
    void *again = sm_arena_alloc(&a, 100);
    CHECK_EQ_INT(sm_mem_fail_after(0), 0);
    CHECK(again == first);
    /* a warm per-batch arena does not touch malloc */
    for (int round = 0; round < 10; round++) {
        sm_arena_reset(&a);
        for (int i = 0; i < 3; i++)
            CHECK(sm_arena_alloc(&a, 1000) != NULL);
    }
    CHECK_EQ_INT(sm_mem_fail_after(0), 0);
    sm_arena_free(&a);
    /* reset of an empty or freed arena is harmless */
    sm_arena_reset(&a);
    sm_arena_free(&a);
}

static void test_strdup_calloc(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 0);
    CHECK_EQ_STR(sm_arena_strdup(&a, "hello"), "hello");
    CHECK_EQ_STR(sm_arena_strdup(&a, ""), "");
    char *s = sm_arena_strndup(&a, "abcdef", 3);
    CHECK_EQ_STR(s, "abc");
    s = sm_arena_strndup(&a, "a\0b", 3);
    CHECK(s[0] == 'a' && s[1] == 0 && s[2] == 'b' && s[3] == 0);
    unsigned char *z = sm_arena_alloc(&a, 64);
    memset(z, 0xff, 64);
    sm_arena_reset(&a);
    z = sm_arena_calloc(&a, 64); /* reused memory comes back zeroed */
    int sum = 0;
    for (int i = 0; i < 64; i++)
        sum += z[i];
    CHECK_EQ_INT(sum, 0);
    sm_arena_free(&a);
}

static void test_alloc_failure(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 128);
    sm_mem_fail_after(1);
    CHECK(sm_arena_alloc(&a, 10) == NULL);
    sm_mem_fail_after(0);
    CHECK(a.head == NULL && a.used_bytes == 0);
    char *s = sm_arena_strdup(&a, "ok");
    CHECK_EQ_STR(s, "ok");
    size_t used = a.used_bytes;
    sm_mem_fail_after(1);
    CHECK(sm_arena_alloc(&a, 1000) == NULL);     /* needs a new block */
    CHECK(sm_arena_strndup(&a, "x", 1) != NULL); /* fits the current block: no malloc */
    sm_mem_fail_after(1);
    CHECK(sm_arena_calloc(&a, 500) == NULL);
    sm_mem_fail_after(0);
    CHECK(a.used_bytes == used + 16);
    CHECK_EQ_STR(s, "ok");
    sm_arena_free(&a);
}

int main(void)
{
    RUN(test_alignment);
    RUN(test_pieces_do_not_overlap);
    RUN(test_big_allocations);
    RUN(test_reset_reuse);
    RUN(test_strdup_calloc);
    RUN(test_alloc_failure);
    return check_summary();
}
