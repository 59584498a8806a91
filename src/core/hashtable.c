/* core/hashtable — the byte-string-keyed table (sm_ht_t).  See hashtable.h.
 * The int64-keyed table is in hashtable64.c. */
#include "core/hashtable.h"

#include <string.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/mem.h"

typedef struct slot {
    uint64_t hash;
    const void *key; /* NULL: empty slot */
    size_t n;
    uint64_t value;
} slot_t;

struct sm_ht {
    slot_t *slots;
    size_t cap; /* power of two */
    size_t count;
    size_t max_count;
    uint64_t seed;
    sm_ht_hash_fn hash;
    bool borrow_keys;
    sm_arena_t keys; /* copies of keys unless borrow_keys */
};

#define MIN_CAP 16

static uint64_t default_hash(const void *key, size_t n, uint64_t seed)
{
    return sm_hash_bytes(key, n, seed);
}

/* The smallest power-of-two capacity keeping `count` entries at load <= 3/4;
 * 0 when it would not fit in memory. */
static size_t cap_for(size_t count)
{
    size_t cap = MIN_CAP;
    while (cap / 4 * 3 < count) {
        if (cap > SIZE_MAX / 2 / sizeof(slot_t))
            return 0;
        cap *= 2;
    }
    return cap;
}

/* Slots are filled in random order (and probed before written): their
 * pages are written now, one fault each. */
static slot_t *alloc_slots(size_t cap)
{
    return cap ? sm_calloc_touched(cap, sizeof(slot_t)) : NULL;
}

sm_err_t sm_ht_new(sm_ht_t **out, const sm_ht_opts_t *opts, sm_error_t *e)
{
    sm_ht_opts_t o = opts ? *opts : (sm_ht_opts_t){0};
    *out = NULL;
    sm_ht_t *t = sm_calloc(1, sizeof *t);
    if (!t)
        return sm_error_nomem(e, "hash table");
    t->cap = cap_for(o.initial_count);
    t->slots = alloc_slots(t->cap);
    if (!t->slots) {
        sm_free(t);
        return sm_error_nomem(e, "hash table slots");
    }
    t->max_count = o.max_count;
    t->seed = o.seed;
    t->hash = o.hash ? o.hash : default_hash;
    t->borrow_keys = o.borrow_keys;
    sm_arena_init(&t->keys, 0);
    *out = t;
    return SM_OK;
}

void sm_ht_free(sm_ht_t *t)
{
    if (!t)
        return;
    sm_arena_free(&t->keys);
    sm_free(t->slots);
    sm_free(t);
}

uint64_t sm_ht_hash(const sm_ht_t *t, const void *key, size_t n)
{
    return t->hash(n ? key : "", n, t->seed);
}

/* The slot holding key, or the empty slot where it would go.  Terminates
 * because the load factor keeps at least one slot empty. */
static size_t probe(const sm_ht_t *t, const void *key, size_t n, uint64_t h, bool *found)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const slot_t *s = &t->slots[i];
        if (!s->key) {
            *found = false;
            return i;
        }
        if (s->hash == h && s->n == n && (n == 0 || memcmp(s->key, key, n) == 0)) {
            *found = true;
            return i;
        }
    }
}

uint64_t *sm_ht_find_hashed(const sm_ht_t *t, const void *key, size_t n, uint64_t hash)
{
    bool found;
    size_t i = probe(t, key, n, hash, &found);
    return found ? &t->slots[i].value : NULL;
}

void sm_ht_prefetch(const sm_ht_t *t, uint64_t hash)
{
    __builtin_prefetch(&t->slots[hash & (t->cap - 1)]);
}

void sm_ht_prefetch_key(const sm_ht_t *t, uint64_t hash)
{
    const slot_t *s = &t->slots[hash & (t->cap - 1)];
    if (s->key && s->hash == hash)
        __builtin_prefetch(s->key);
}

uint64_t *sm_ht_find(const sm_ht_t *t, const void *key, size_t n)
{
    return sm_ht_find_hashed(t, key, n, sm_ht_hash(t, key, n));
}

/* Moves every entry into a new array of new_cap slots.  On failure the table
 * is untouched. */
static sm_err_t rehash(sm_ht_t *t, size_t new_cap, sm_error_t *e)
{
    slot_t *slots = alloc_slots(new_cap);
    if (!slots)
        return sm_error_nomem(e, "growing hash table");
    size_t mask = new_cap - 1;
    for (size_t i = 0; i < t->cap; i++) {
        const slot_t *s = &t->slots[i];
        /* the new slots are random writes: load them some entries ahead */
        if (i + 16 < t->cap && s[16].key)
            __builtin_prefetch(&slots[s[16].hash & mask], 1);
        if (!s->key)
            continue;
        size_t j = s->hash & mask;
        while (slots[j].key)
            j = (j + 1) & mask;
        slots[j] = *s;
    }
    sm_free(t->slots);
    t->slots = slots;
    t->cap = new_cap;
    return SM_OK;
}

sm_err_t sm_ht_reserve(sm_ht_t *t, size_t count, sm_error_t *e)
{
    size_t cap = cap_for(count);
    if (!cap)
        return sm_error_set(e, SM_ERR_NOMEM, "out of memory (hash table of %zu entries)", count);
    return cap > t->cap ? rehash(t, cap, e) : SM_OK;
}

sm_err_t sm_ht_insert_hashed(sm_ht_t *t, const void *key, size_t n, uint64_t hash, uint64_t **value,
                             bool *is_new, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    bool found;
    *value = NULL;
    if (!n)
        key = "";
    size_t i = probe(t, key, n, hash, &found);
    if (found) {
        if (is_new)
            *is_new = false;
        *value = &t->slots[i].value;
        return SM_OK;
    }
    if (t->max_count && t->count >= t->max_count)
        return sm_error_set(e, SM_ERR_LIMIT, "hash table is full (%zu entries)", t->max_count);
    if (t->count + 1 > t->cap / 4 * 3) {
        rc = sm_ht_reserve(t, t->count + 1, e);
        if (rc)
            return rc;
        i = probe(t, key, n, hash, &found);
    }
    const void *stored = key; /* "" for an empty key: nothing to copy */
    if (!t->borrow_keys && n) {
        void *copy = sm_arena_alloc(&t->keys, n);
        if (!copy)
            return sm_error_nomem(e, "hash table key");
        memcpy(copy, key, n);
        stored = copy;
    }
    t->slots[i] = (slot_t){.hash = hash, .key = stored, .n = n, .value = 0};
    t->count++;
    if (is_new)
        *is_new = true;
    *value = &t->slots[i].value;
    return SM_OK;
}

sm_err_t sm_ht_insert(sm_ht_t *t, const void *key, size_t n, uint64_t **value, bool *is_new,
                      sm_error_t *e)
{
    return sm_ht_insert_hashed(t, key, n, sm_ht_hash(t, key, n), value, is_new, e);
}

bool sm_ht_remove(sm_ht_t *t, const void *key, size_t n, uint64_t *old_value)
{
    bool found;
    size_t i = probe(t, key, n, sm_ht_hash(t, key, n), &found);
    if (!found)
        return false;
    if (old_value)
        *old_value = t->slots[i].value;
    /* Backward shift: pull later members of the run into the hole unless
     * their home slot lies cyclically in (hole, j]. */
    size_t mask = t->cap - 1;
    for (size_t j = (i + 1) & mask; t->slots[j].key; j = (j + 1) & mask) {
        size_t home = t->slots[j].hash & mask;
        bool stays = i < j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = (slot_t){0};
    t->count--;
    return true;
}

size_t sm_ht_count(const sm_ht_t *t)
{
    return t->count;
}

void sm_ht_clear(sm_ht_t *t)
{
    memset(t->slots, 0, t->cap * sizeof(slot_t));
    t->count = 0;
    sm_arena_reset(&t->keys);
}

bool sm_ht_next(const sm_ht_t *t, size_t *cursor, sm_ht_entry_t *out)
{
    for (size_t i = *cursor; i < t->cap; i++) {
        slot_t *s = &t->slots[i];
        if (s->key) {
            out->key = s->key;
            out->n = s->n;
            out->value = &s->value;
            *cursor = i + 1;
            return true;
        }
    }
    *cursor = t->cap;
    return false;
}
