/* core/hashtable — the int64-keyed table (sm_ht64_t).  See hashtable.h.
 *
 * A slot is empty when its key is EMPTY_KEY.  The one real key equal to
 * EMPTY_KEY lives outside the array (has_empty_key / empty_value), so every
 * int64_t stays a valid key while slots need no flag byte. */
#include "core/hashtable.h"

#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

#define EMPTY_KEY INT64_MIN
#define MIN_CAP 16

typedef struct slot64 {
    int64_t key;
    uint64_t value;
} slot64_t;

struct sm_ht64 {
    slot64_t *slots;
    size_t cap;  /* power of two */
    size_t used; /* occupied slots (not counting the EMPTY_KEY entry) */
    uint64_t seed;
    bool has_empty_key;
    uint64_t empty_value;
};

static inline uint64_t hash64(const sm_ht64_t *t, int64_t key)
{
    return sm_hash_u64((uint64_t)key ^ t->seed);
}

static size_t cap_for(size_t count)
{
    size_t cap = MIN_CAP;
    while (cap / 4 * 3 < count) {
        if (cap > SIZE_MAX / 2 / sizeof(slot64_t))
            return 0;
        cap *= 2;
    }
    return cap;
}

static slot64_t *alloc_slots(size_t cap)
{
    if (!cap)
        return NULL;
    slot64_t *s = sm_malloc(cap * sizeof *s);
    if (s)
        for (size_t i = 0; i < cap; i++)
            s[i].key = EMPTY_KEY;
    return s;
}

sm_err_t sm_ht64_new(sm_ht64_t **out, size_t initial_count, uint64_t seed, sm_error_t *e)
{
    *out = NULL;
    sm_ht64_t *t = sm_calloc(1, sizeof *t);
    if (!t)
        return sm_error_nomem(e, "hash table");
    t->cap = cap_for(initial_count);
    t->slots = alloc_slots(t->cap);
    if (!t->slots) {
        sm_free(t);
        return sm_error_nomem(e, "hash table slots");
    }
    t->seed = seed;
    *out = t;
    return SM_OK;
}

void sm_ht64_free(sm_ht64_t *t)
{
    if (!t)
        return;
    sm_free(t->slots);
    sm_free(t);
}

/* The slot holding key, or the empty slot where it would go. */
static inline size_t probe(const sm_ht64_t *t, int64_t key, bool *found)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash64(t, key) & mask;; i = (i + 1) & mask) {
        int64_t k = t->slots[i].key;
        if (k == key) {
            *found = true;
            return i;
        }
        if (k == EMPTY_KEY) {
            *found = false;
            return i;
        }
    }
}

uint64_t *sm_ht64_find(const sm_ht64_t *t, int64_t key)
{
    if (key == EMPTY_KEY)
        return t->has_empty_key ? (uint64_t *)&t->empty_value : NULL;
    bool found;
    size_t i = probe(t, key, &found);
    return found ? &t->slots[i].value : NULL;
}

static sm_err_t rehash(sm_ht64_t *t, size_t new_cap, sm_error_t *e)
{
    slot64_t *slots = alloc_slots(new_cap);
    if (!slots)
        return sm_error_nomem(e, "growing hash table");
    size_t mask = new_cap - 1;
    for (size_t i = 0; i < t->cap; i++) {
        int64_t k = t->slots[i].key;
        /* the new slots are random writes: load them some entries ahead */
        if (i + 16 < t->cap && t->slots[i + 16].key != EMPTY_KEY)
            __builtin_prefetch(&slots[hash64(t, t->slots[i + 16].key) & mask], 1);
        if (k == EMPTY_KEY)
            continue;
        size_t j = hash64(t, k) & mask;
        while (slots[j].key != EMPTY_KEY)
            j = (j + 1) & mask;
        slots[j] = t->slots[i];
    }
    sm_free(t->slots);
    t->slots = slots;
    t->cap = new_cap;
    return SM_OK;
}

sm_err_t sm_ht64_reserve(sm_ht64_t *t, size_t count, sm_error_t *e)
{
    size_t cap = cap_for(count);
    if (!cap)
        return sm_error_set(e, SM_ERR_NOMEM, "out of memory (hash table of %zu entries)", count);
    return cap > t->cap ? rehash(t, cap, e) : SM_OK;
}

sm_err_t sm_ht64_insert(sm_ht64_t *t, int64_t key, uint64_t **value, bool *is_new, sm_error_t *e)
{
    bool found;
    *value = NULL;
    if (key == EMPTY_KEY) {
        found = t->has_empty_key;
        if (!found) {
            t->has_empty_key = true;
            t->empty_value = 0;
        }
        if (is_new)
            *is_new = !found;
        *value = &t->empty_value;
        return SM_OK;
    }
    size_t i = probe(t, key, &found);
    if (!found && t->used + 1 > t->cap / 4 * 3) {
        sm_err_t rc = sm_ht64_reserve(t, t->used + 1, e);
        if (rc)
            return rc;
        i = probe(t, key, &found);
    }
    if (!found) {
        t->slots[i].key = key;
        t->slots[i].value = 0;
        t->used++;
    }
    if (is_new)
        *is_new = !found;
    *value = &t->slots[i].value;
    return SM_OK;
}

bool sm_ht64_remove(sm_ht64_t *t, int64_t key, uint64_t *old_value)
{
    if (key == EMPTY_KEY) {
        if (!t->has_empty_key)
            return false;
        if (old_value)
            *old_value = t->empty_value;
        t->has_empty_key = false;
        return true;
    }
    bool found;
    size_t i = probe(t, key, &found);
    if (!found)
        return false;
    if (old_value)
        *old_value = t->slots[i].value;
    size_t mask = t->cap - 1;
    for (size_t j = (i + 1) & mask; t->slots[j].key != EMPTY_KEY; j = (j + 1) & mask) {
        size_t home = hash64(t, t->slots[j].key) & mask;
        bool stays = i < j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].key = EMPTY_KEY;
    t->used--;
    return true;
}

size_t sm_ht64_count(const sm_ht64_t *t)
{
    return t->used + (t->has_empty_key ? 1 : 0);
}

void sm_ht64_clear(sm_ht64_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        t->slots[i].key = EMPTY_KEY;
    t->used = 0;
    t->has_empty_key = false;
}

bool sm_ht64_next(const sm_ht64_t *t, size_t *cursor, int64_t *key, uint64_t **value)
{
    size_t i = *cursor;
    for (; i < t->cap; i++) {
        if (t->slots[i].key != EMPTY_KEY) {
            *key = t->slots[i].key;
            *value = &t->slots[i].value;
            *cursor = i + 1;
            return true;
        }
    }
    if (i == t->cap && t->has_empty_key) {
        *key = EMPTY_KEY;
        *value = (uint64_t *)&t->empty_value;
        *cursor = t->cap + 1;
        return true;
    }
    *cursor = t->cap + 1;
    return false;
}
