/*
 * core/arena — bump allocation for memory with one lifetime.
 *
 * An arena hands out pieces of large blocks and frees them all at once:
 * per query, per pipeline run, per batch (reset each batch).  Pieces are
 * never freed one by one.  The arena owns every block; sm_arena_free
 * releases them.  sm_arena_reset keeps the first block for reuse and frees
 * the rest, so a per-batch arena stops touching malloc once warm.
 * An arena is used by one thread at a time.
 */
#ifndef SM_CORE_ARENA_H
#define SM_CORE_ARENA_H

#include <stddef.h>

typedef struct sm_arena_block sm_arena_block_t;

typedef struct sm_arena {
    sm_arena_block_t *head; /* current block; older ones follow ->next */
    size_t block_size;      /* default size of new blocks */
    size_t used_bytes;      /* bytes handed out since the last reset */
} sm_arena_t;

/* block_size 0 picks 64 KiB. */
void sm_arena_init(sm_arena_t *a, size_t block_size);

/* Returns n bytes aligned to 16, or NULL when memory is exhausted.  The
 * memory lives until the next reset or free of the arena. */
void *sm_arena_alloc(sm_arena_t *a, size_t n);
/* Same, zero-filled. */
void *sm_arena_calloc(sm_arena_t *a, size_t n);
/* Copies n bytes (adding a NUL) into the arena; NULL when out of memory. */
char *sm_arena_strndup(sm_arena_t *a, const char *s, size_t n);
char *sm_arena_strdup(sm_arena_t *a, const char *s);

void sm_arena_reset(sm_arena_t *a);
void sm_arena_free(sm_arena_t *a);

#endif
