/*
 * core/mem — the one door to the heap.
 *
 * Every allocation in smelt goes through sm_malloc/sm_calloc/sm_realloc and
 * is released with sm_free.  They return NULL on failure and never abort:
 * out-of-memory is an ordinary error for the caller to report.
 *
 * Fault injection (curl's "torture" idea): sm_mem_fail_after(n) makes the
 * n-th allocation from now on fail, so tests can prove that every failure
 * path cleans up.  The counter is process-wide and atomic; it is a test
 * hook only and costs one relaxed atomic load per allocation.
 */
#ifndef SM_CORE_MEM_H
#define SM_CORE_MEM_H

#include <stddef.h>

void *sm_malloc(size_t n);
void *sm_calloc(size_t count, size_t size);
/* On failure the old block is left untouched and still owned by the caller. */
void *sm_realloc(void *p, size_t n);
void sm_free(void *p);
/* As sm_calloc, but every page of the block is written (zeroed) now: for
 * large tables then filled in random order, where a fresh page that is read
 * before it is written faults twice (once for the shared zero page, once to
 * copy it, with a TLB flush on every thread). */
void *sm_calloc_touched(size_t count, size_t size);

/* Duplicates a NUL-terminated string, or the first n bytes of s (adding a
 * NUL).  The result is owned by the caller (sm_free).  NULL on failure. */
char *sm_strdup(const char *s);
char *sm_strndup(const char *s, size_t n);

/* Multiplies a*b into *out; returns 0 when it overflows size_t. */
int sm_size_mul(size_t a, size_t b, size_t *out);

/* Test hook: the n-th allocation from now fails (1 = the next one);
 * 0 turns injection off.  Returns how many allocations ran since the last
 * call (lets a test count the allocations of an operation). */
long sm_mem_fail_after(long n);

#endif
