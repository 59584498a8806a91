#include "core/arena.h"

#include <stdint.h>
#include <string.h>

#include "core/mem.h"

struct sm_arena_block {
    sm_arena_block_t *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    _Alignas(16) unsigned char data[];
};

#define ALIGN 16u

void sm_arena_init(sm_arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->used_bytes = 0;
}

static sm_arena_block_t *new_block(size_t size)
{
    if (size > SIZE_MAX - sizeof(sm_arena_block_t))
        return NULL;
    sm_arena_block_t *b = sm_malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *sm_arena_alloc(sm_arena_t *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need == 0)
        need = ALIGN;
    sm_arena_block_t *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > a->block_size ? need : a->block_size;
        sm_arena_block_t *nb = new_block(size);
        if (!nb)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used_bytes += need;
    return p;
}

void *sm_arena_calloc(sm_arena_t *a, size_t n)
{
    void *p = sm_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *sm_arena_strndup(sm_arena_t *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = sm_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sm_arena_strdup(sm_arena_t *a, const char *s)
{
    return sm_arena_strndup(a, s, strlen(s));
}

void sm_arena_reset(sm_arena_t *a)
{
    /* Keep the oldest block (usually the default size) for reuse. */
    sm_arena_block_t *b = a->head, *keep = NULL;
    while (b) {
        sm_arena_block_t *next = b->next;
        if (!next && b->size == a->block_size)
            keep = b;
        else
            sm_free(b);
        b = next;
    }
    if (keep)
        keep->used = 0;
    a->head = keep;
    a->used_bytes = 0;
}

void sm_arena_free(sm_arena_t *a)
{
    sm_arena_block_t *b = a->head;
    while (b) {
        sm_arena_block_t *next = b->next;
        sm_free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}
