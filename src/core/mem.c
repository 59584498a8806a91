#include "core/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown; /* 0 = injection off */
static atomic_long alloc_count;

static int injected_failure(void)
{
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    /* Decrement only while positive, so racing threads can neither skip
     * the failure nor drive the counter below zero. */
    while (left > 0)
        if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
            return left == 1;
    return 0;
}

long sm_mem_fail_after(long n)
{
    atomic_store(&fail_countdown, n < 0 ? 0 : n);
    return atomic_exchange(&alloc_count, 0);
}

void *sm_malloc(size_t n)
{
    if (injected_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *sm_calloc(size_t count, size_t size)
{
    if (injected_failure())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL; /* checked here too: sanitizer builds abort instead */
    return calloc(count, size);
}

void *sm_calloc_touched(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    /* calloc (which skips zeroing fresh pages), then a write to every page
     * (volatile: a compiler may turn malloc + memset into calloc) */
    volatile char *p = sm_calloc(count, size);
    for (size_t i = 0; p && i < total; i += 4096)
        p[i] = 0;
    return (void *)p;
}

void *sm_realloc(void *p, size_t n)
{
    if (injected_failure())
        return NULL;
    return realloc(p, n ? n : 1);
}

void sm_free(void *p)
{
    free(p);
}

char *sm_strndup(const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = sm_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sm_strdup(const char *s)
{
    return sm_strndup(s, strlen(s));
}

int sm_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
