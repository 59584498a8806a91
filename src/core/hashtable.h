/*
 * core/hashtable — open-addressing hash tables: byte-string keys (sm_ht_t)
 * and 64-bit integer keys (sm_ht64_t), each mapping to a uint64_t value.
 *
 * Used for Parquet dictionaries (string -> index), symbol tables and
 * hash aggregation (group key -> group number).  A pointer value can be
 * stored as (uint64_t)(uintptr_t)p.
 *
 * Layout: a power-of-two array of slots, linear probing, load factor at most
 * 3/4 (the table doubles before an insert would pass it), and deletion by
 * backward shift, so there are no tombstones and lookups of absent keys stay
 * short after many removals.  sm_ht_t keeps each key's 64-bit hash in its
 * slot: probes compare hashes before bytes, and growth never rehashes keys.
 *
 * Ownership of keys (sm_ht_t): by default the table copies every new key
 * into its own arena; the copy lives until sm_ht_clear or sm_ht_free (a
 * removed key's bytes are not reclaimed before then).  With
 * opts.borrow_keys the table stores the caller's pointer instead, and the
 * caller must keep those bytes alive and unchanged while the key is in the
 * table.  Key pointers returned by sm_ht_next follow the same rule.
 *
 * Value pointers (uint64_t *) returned by find/insert/next point into the
 * slot array: they are valid only until the next insert, remove, reserve or
 * clear on that table.
 *
 * Failure: growth that cannot allocate returns SM_ERR_NOMEM and leaves the
 * table exactly as it was, still usable.  Lookups never fail.
 *
 * Threads: a table may be read (find, count, next) from several threads at
 * once; any change needs exclusive access.  No locking inside.
 */
#ifndef SM_CORE_HASHTABLE_H
#define SM_CORE_HASHTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* ---- byte-string keys -------------------------------------------------- */

typedef struct sm_ht sm_ht_t;

/* A hash function for keys; the default is sm_hash_bytes (XXH3). */
typedef uint64_t (*sm_ht_hash_fn)(const void *key, size_t n, uint64_t seed);

typedef struct sm_ht_opts {
    size_t initial_count; /* entries to hold before the first growth (0: a few) */
    size_t max_count;     /* inserting a new key beyond this: SM_ERR_LIMIT (0: none) */
    uint64_t seed;        /* hash seed */
    bool borrow_keys;     /* true: store the caller's key pointers, do not copy */
    sm_ht_hash_fn hash;   /* NULL: sm_hash_bytes.  Tests use a constant
                             function to force every key to collide. */
} sm_ht_opts_t;

/* One entry seen by sm_ht_next. */
typedef struct sm_ht_entry {
    const void *key; /* never NULL (an empty key points at "") */
    size_t n;
    uint64_t *value;
} sm_ht_entry_t;

/* Creates an empty table (opts may be NULL for defaults).  On failure *out is
 * NULL and SM_ERR_NOMEM is returned.  Free with sm_ht_free. */
sm_err_t sm_ht_new(sm_ht_t **out, const sm_ht_opts_t *opts, sm_error_t *e);
/* Frees the table, its slots and its copies of keys.  t may be NULL. */
void sm_ht_free(sm_ht_t *t);

/* The hash the table uses for key (for the _hashed variants, which let a
 * caller hash a whole column at once and then probe). */
uint64_t sm_ht_hash(const sm_ht_t *t, const void *key, size_t n);

/* The value slot of key, or NULL when absent.  key may be NULL if n is 0. */
uint64_t *sm_ht_find(const sm_ht_t *t, const void *key, size_t n);
uint64_t *sm_ht_find_hashed(const sm_ht_t *t, const void *key, size_t n, uint64_t hash);
/* A hint: starts loading the slot where a key of this hash is looked for
 * (batch probes call it some rows ahead).  Changes nothing; any hash. */
void sm_ht_prefetch(const sm_ht_t *t, uint64_t hash);
/* A second hint, some rows after sm_ht_prefetch of the same hash: when the
 * key's home slot holds a key of this hash, starts loading that key's bytes
 * (which a lookup compares).  Reads the slot; changes nothing; any hash. */
void sm_ht_prefetch_key(const sm_ht_t *t, uint64_t hash);

/* Inserts key if it is absent (with value 0).  Either way *value points to
 * the key's value slot and *is_new (may be NULL) says whether it was just
 * inserted.  Fails with SM_ERR_NOMEM (growth or key copy failed) or
 * SM_ERR_LIMIT (opts.max_count reached); the table is then unchanged and
 * *value is NULL. */
sm_err_t sm_ht_insert(sm_ht_t *t, const void *key, size_t n, uint64_t **value, bool *is_new,
                      sm_error_t *e);
/* Same with hash == sm_ht_hash(t, key, n) computed by the caller. */
sm_err_t sm_ht_insert_hashed(sm_ht_t *t, const void *key, size_t n, uint64_t hash, uint64_t **value,
                             bool *is_new, sm_error_t *e);

/* Removes key; returns whether it was present, storing its value in
 * *old_value (may be NULL). */
bool sm_ht_remove(sm_ht_t *t, const void *key, size_t n, uint64_t *old_value);

size_t sm_ht_count(const sm_ht_t *t);
/* Removes every entry, keeps the slot array, releases the key copies. */
void sm_ht_clear(sm_ht_t *t);
/* Grows so that `count` entries fit without further growth. */
sm_err_t sm_ht_reserve(sm_ht_t *t, size_t count, sm_error_t *e);

/* Iteration in slot order (unspecified, but stable while the table does not
 * change).  Start with *cursor = 0; each call fills *out and returns true,
 * false once every entry was visited.  Do not insert or remove while
 * iterating (changing *out->value is fine). */
bool sm_ht_next(const sm_ht_t *t, size_t *cursor, sm_ht_entry_t *out);

/* ---- int64 keys --------------------------------------------------------- */

/* Same design specialised for int64_t keys: 16-byte slots {key, value}, no
 * stored hash (sm_hash_u64 is cheaper than loading one), no key copies.  Any
 * int64_t is a valid key. */
typedef struct sm_ht64 sm_ht64_t;

/* initial_count: entries to hold before the first growth (0: a few). */
sm_err_t sm_ht64_new(sm_ht64_t **out, size_t initial_count, uint64_t seed, sm_error_t *e);
void sm_ht64_free(sm_ht64_t *t);

uint64_t *sm_ht64_find(const sm_ht64_t *t, int64_t key);
/* As sm_ht_insert: *value is the slot (0 for a new key); NOMEM leaves the
 * table unchanged. */
sm_err_t sm_ht64_insert(sm_ht64_t *t, int64_t key, uint64_t **value, bool *is_new, sm_error_t *e);
bool sm_ht64_remove(sm_ht64_t *t, int64_t key, uint64_t *old_value);
size_t sm_ht64_count(const sm_ht64_t *t);
void sm_ht64_clear(sm_ht64_t *t);
sm_err_t sm_ht64_reserve(sm_ht64_t *t, size_t count, sm_error_t *e);
/* Iteration as sm_ht_next. */
bool sm_ht64_next(const sm_ht64_t *t, size_t *cursor, int64_t *key, uint64_t **value);

#endif
