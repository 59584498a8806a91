/* Unit tests for core/hashtable (sm_ht_t and sm_ht64_t). */
#include <stdlib.h>

#include "check.h"
#include "core/hash.h"
#include "core/hashtable.h"
#include "core/mem.h"

#define KEY(buf, i) (snprintf((buf), sizeof(buf), "key-%d", (int)(i)), (buf))

static sm_ht_t *new_table(const sm_ht_opts_t *opts)
{
    sm_error_t e;
    sm_ht_t *t = NULL;
    CHECK_OK(sm_ht_new(&t, opts, &e), &e);
    return t;
}

static uint64_t *put(sm_ht_t *t, const char *k, uint64_t v)
{
    sm_error_t e;
    uint64_t *slot = NULL;
    CHECK_OK(sm_ht_insert(t, k, strlen(k), &slot, NULL, &e), &e);
    if (slot)
        *slot = v;
    return slot;
}

static bool get(const sm_ht_t *t, const char *k, uint64_t *v)
{
    uint64_t *slot = sm_ht_find(t, k, strlen(k));
    if (slot)
        *v = *slot;
    return slot != NULL;
}

static void test_basic(void)
{
    sm_error_t e;
    sm_ht_t *t = new_table(NULL);
    CHECK_EQ_INT(sm_ht_count(t), 0);
    CHECK(sm_ht_find(t, "a", 1) == NULL);

    uint64_t *v;
    bool is_new = false;
    CHECK_OK(sm_ht_insert(t, "alpha", 5, &v, &is_new, &e), &e);
    CHECK(is_new);
    CHECK(*v == 0); /* new slots start at 0 */
    *v = 11;
    CHECK_OK(sm_ht_insert(t, "alpha", 5, &v, &is_new, &e), &e);
    CHECK(!is_new);
    CHECK(*v == 11);
    CHECK_EQ_INT(sm_ht_count(t), 1);

    /* keys are bytes: prefixes, embedded NULs and the empty key are distinct */
    put(t, "alph", 12);
    CHECK_OK(sm_ht_insert(t, "alpha\0x", 7, &v, &is_new, &e), &e);
    CHECK(is_new);
    *v = 13;
    CHECK_OK(sm_ht_insert(t, NULL, 0, &v, &is_new, &e), &e);
    CHECK(is_new);
    *v = 14;
    CHECK_OK(sm_ht_insert(t, "", 0, &v, &is_new, &e), &e);
    CHECK(!is_new);
    CHECK(*v == 14);
    CHECK_EQ_INT(sm_ht_count(t), 4);
    uint64_t got = 0;
    CHECK(get(t, "alpha", &got) && got == 11);
    CHECK(get(t, "alph", &got) && got == 12);
    CHECK(*sm_ht_find(t, "alpha\0x", 7) == 13);
    CHECK(*sm_ht_find(t, NULL, 0) == 14);
    CHECK(sm_ht_find(t, "alpha\0y", 7) == NULL);
    CHECK(sm_ht_hash(t, "abc", 3) == sm_hash_bytes("abc", 3, 0));

    /* remove */
    uint64_t old = 0;
    CHECK(sm_ht_remove(t, "alph", 4, &old));
    CHECK(old == 12);
    CHECK(!sm_ht_remove(t, "alph", 4, &old));
    CHECK(!sm_ht_remove(t, "zzz", 3, NULL));
    CHECK(sm_ht_remove(t, NULL, 0, NULL));
    CHECK_EQ_INT(sm_ht_count(t), 2);
    CHECK(!get(t, "alph", &got));
    CHECK(get(t, "alpha", &got) && got == 11);

    /* clear keeps the table usable */
    sm_ht_clear(t);
    CHECK_EQ_INT(sm_ht_count(t), 0);
    CHECK(!get(t, "alpha", &got));
    put(t, "beta", 2);
    CHECK(get(t, "beta", &got) && got == 2);
    sm_ht_free(t);
    sm_ht_free(NULL);
}

static void test_keys_are_copied(void)
{
    sm_ht_t *t = new_table(NULL);
    char k[16] = "volatile";
    put(t, k, 1);
    memcpy(k, "changed!", 8); /* the table's copy must not change */
    uint64_t got = 0;
    CHECK(get(t, "volatile", &got) && got == 1);
    CHECK(!get(t, "changed!", &got));
    size_t cur = 0;
    sm_ht_entry_t ent;
    CHECK(sm_ht_next(t, &cur, &ent));
    CHECK(ent.key != (const void *)k);
    CHECK(ent.n == 8 && memcmp(ent.key, "volatile", 8) == 0);
    sm_ht_free(t);

    /* borrowed keys: the table stores the caller's pointer */
    sm_ht_opts_t o = {.borrow_keys = true};
    t = new_table(&o);
    static const char names[] = "customer";
    put(t, names, 5);
    cur = 0;
    CHECK(sm_ht_next(t, &cur, &ent));
    CHECK(ent.key == (const void *)names);
    CHECK(get(t, "customer", &got) && got == 5);
    sm_ht_free(t);
}

/* Every key collides: one hash value for all. */
static uint64_t constant_hash(const void *key, size_t n, uint64_t seed)
{
    (void)key;
    (void)n;
    return seed;
}

/* Two buckets only (the low bit): long interleaved runs that wrap around. */
static uint64_t two_bucket_hash(const void *key, size_t n, uint64_t seed)
{
    return (sm_hash_bytes(key, n, 0) & 1) ^ seed;
}

static void collisions_with(sm_ht_hash_fn fn, uint64_t seed, int nkeys)
{
    sm_ht_opts_t o = {.hash = fn, .seed = seed};
    sm_ht_t *t = new_table(&o);
    char k[32];
    for (int i = 0; i < nkeys; i++)
        put(t, KEY(k, i), (uint64_t)i * 3);
    CHECK_EQ_INT(sm_ht_count(t), nkeys);
    for (int i = 0; i < nkeys; i++) {
        uint64_t got = 0;
        CHECK(get(t, KEY(k, i), &got) && got == (uint64_t)i * 3);
    }
    /* remove every third key, from the middle of the runs */
    for (int i = 0; i < nkeys; i += 3) {
        KEY(k, i);
        CHECK(sm_ht_remove(t, k, strlen(k), NULL));
    }
    for (int i = 0; i < nkeys; i++) {
        uint64_t got = 0;
        bool present = get(t, KEY(k, i), &got);
        CHECK(present == (i % 3 != 0));
        if (present)
            CHECK(got == (uint64_t)i * 3);
    }
    /* re-insert: values restart at 0 */
    for (int i = 0; i < nkeys; i += 3) {
        bool is_new = false;
        uint64_t *v;
        sm_error_t e;
        KEY(k, i);
        CHECK_OK(sm_ht_insert(t, k, strlen(k), &v, &is_new, &e), &e);
        CHECK(is_new && *v == 0);
    }
    CHECK_EQ_INT(sm_ht_count(t), nkeys);
    sm_ht_free(t);
}

static void test_collisions(void)
{
    collisions_with(constant_hash, 0, 300);
    collisions_with(constant_hash, 15, 300);                   /* run wraps past the end */
    collisions_with(constant_hash, 0xffffffffffffffffULL, 50); /* home = last slot */
    collisions_with(two_bucket_hash, 0, 500);
    collisions_with(two_bucket_hash, 14, 500);
}

static void test_iteration(void)
{
    sm_ht_t *t = new_table(NULL);
    size_t cur = 0;
    sm_ht_entry_t ent;
    CHECK(!sm_ht_next(t, &cur, &ent)); /* empty */
    enum { N = 5000 };
    static unsigned char seen[N];
    char k[32];
    for (int i = 0; i < N; i++)
        put(t, KEY(k, i), (uint64_t)i);
    cur = 0;
    size_t visits = 0;
    while (sm_ht_next(t, &cur, &ent)) {
        visits++;
        uint64_t i = *ent.value;
        CHECK(i < N);
        if (i < N) {
            seen[i]++;
            KEY(k, i);
            CHECK(ent.n == strlen(k) && memcmp(ent.key, k, ent.n) == 0);
        }
        *ent.value += 1000000; /* changing values while iterating is allowed */
    }
    CHECK_EQ_INT(visits, N);
    int once = 0;
    for (int i = 0; i < N; i++)
        once += seen[i] == 1;
    CHECK_EQ_INT(once, N);
    CHECK(!sm_ht_next(t, &cur, &ent)); /* stays finished */
    uint64_t got = 0;
    CHECK(get(t, "key-42", &got) && got == 1000042);
    sm_ht_free(t);
}

static void test_million(void)
{
    enum { N = 1000000 };
    sm_error_t e;
    sm_ht_t *t = new_table(NULL);
    char k[32];
    for (int i = 0; i < N; i++) {
        uint64_t *v;
        bool is_new = false;
        int n = snprintf(k, sizeof k, "k%d", i);
        CHECK_OK(sm_ht_insert(t, k, (size_t)n, &v, &is_new, &e), &e);
        if (!is_new) {
            CHECK(is_new);
            break;
        }
        *v = (uint64_t)i;
        /* interleaved removes: every 7th key goes again right away */
        if (i % 7 == 0)
            CHECK(sm_ht_remove(t, k, (size_t)n, NULL));
    }
    CHECK_EQ_INT(sm_ht_count(t), N - (N + 6) / 7);
    long bad = 0;
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        uint64_t *v = sm_ht_find(t, k, (size_t)n);
        if (i % 7 == 0)
            bad += v != NULL;
        else
            bad += v == NULL || *v != (uint64_t)i;
    }
    CHECK_EQ_INT(bad, 0);
    /* absent keys */
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof k, "absent%d", i);
        bad += sm_ht_find(t, k, (size_t)n) != NULL;
    }
    CHECK_EQ_INT(bad, 0);
    /* remove everything; the table ends empty with no leftovers */
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        bad += sm_ht_remove(t, k, (size_t)n, NULL) != (i % 7 != 0);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(sm_ht_count(t), 0);
    size_t cur = 0;
    sm_ht_entry_t ent;
    CHECK(!sm_ht_next(t, &cur, &ent));
    sm_ht_free(t);
}

static void test_alloc_failure(void)
{
    sm_error_t e;
    sm_ht_t *t = NULL;
    /* creation: the struct, then the slots */
    for (long fail = 1; fail <= 2; fail++) {
        sm_mem_fail_after(fail);
        CHECK_EQ_INT(sm_ht_new(&t, NULL, &e), SM_ERR_NOMEM);
        sm_mem_fail_after(0);
        CHECK(t == NULL);
        CHECK_EQ_INT(e.code, SM_ERR_NOMEM);
    }
    t = new_table(NULL); /* 16 slots: growth on the 13th key */
    char k[32];
    for (int i = 0; i < 12; i++)
        put(t, KEY(k, i), (uint64_t)i + 100);
    /* the 13th key needs to grow: fail that allocation */
    uint64_t *v = (uint64_t *)1;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_ht_insert(t, "key-12", 6, &v, NULL, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(v == NULL);
    CHECK(strstr(e.msg, "out of memory") != NULL);
    CHECK_EQ_INT(sm_ht_count(t), 12);
    uint64_t got = 0;
    for (int i = 0; i < 12; i++)
        CHECK(get(t, KEY(k, i), &got) && got == (uint64_t)i + 100);
    CHECK(!get(t, "key-12", &got));
    /* existing keys can still be found through insert without allocating */
    sm_mem_fail_after(1);
    CHECK_OK(sm_ht_insert(t, "key-3", 5, &v, NULL, &e), &e);
    sm_mem_fail_after(0);
    CHECK(*v == 103);
    /* no growth needed, but the key copy fails (the arena needs its first block) */
    sm_ht_t *t2 = new_table(NULL);
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_ht_insert(t2, "x", 1, &v, NULL, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(sm_ht_count(t2), 0);
    CHECK(sm_ht_find(t2, "x", 1) == NULL);
    put(t2, "x", 1);
    CHECK_EQ_INT(sm_ht_count(t2), 1);
    sm_mem_fail_after(1); /* the empty key needs no copy */
    CHECK_OK(sm_ht_insert(t2, "", 0, &v, NULL, &e), &e);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(sm_ht_count(t2), 2);
    sm_ht_free(t2);
    /* and then it works */
    put(t, "key-12", 112);
    CHECK(get(t, "key-12", &got) && got == 112);
    CHECK_EQ_INT(sm_ht_count(t), 13);
    /* reserve failure leaves the table as it was */
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_ht_reserve(t, 100000, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(get(t, "key-5", &got) && got == 105);
    CHECK_EQ_INT(sm_ht_reserve(t, SIZE_MAX, &e), SM_ERR_NOMEM);
    CHECK_OK(sm_ht_reserve(t, 1000, &e), &e);
    CHECK(get(t, "key-5", &got) && got == 105);
    sm_ht_free(t);
}

static void test_max_count(void)
{
    sm_error_t e;
    sm_ht_opts_t o = {.max_count = 3, .initial_count = 3};
    sm_ht_t *t = new_table(&o);
    put(t, "a", 1);
    put(t, "b", 2);
    put(t, "c", 3);
    uint64_t *v;
    CHECK_EQ_INT(sm_ht_insert(t, "d", 1, &v, NULL, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "full (3 entries)") != NULL);
    CHECK_OK(sm_ht_insert(t, "a", 1, &v, NULL, &e), &e); /* existing: fine */
    CHECK(sm_ht_remove(t, "a", 1, NULL));
    CHECK_OK(sm_ht_insert(t, "d", 1, &v, NULL, &e), &e);
    CHECK_EQ_INT(sm_ht_count(t), 3);
    sm_ht_free(t);
}

static void test_hashed_variants(void)
{
    sm_error_t e;
    sm_ht_opts_t o = {.seed = 1234};
    sm_ht_t *t = new_table(&o);
    uint64_t h = sm_ht_hash(t, "col", 3);
    CHECK(h == sm_hash_bytes("col", 3, 1234));
    uint64_t *v;
    bool is_new;
    CHECK_OK(sm_ht_insert_hashed(t, "col", 3, h, &v, &is_new, &e), &e);
    *v = 9;
    CHECK(is_new);
    CHECK(*sm_ht_find_hashed(t, "col", 3, h) == 9);
    CHECK(*sm_ht_find(t, "col", 3) == 9);
    sm_ht_free(t);
}

/* ---- sm_ht64_t ---- */

static void test_ht64_basic(void)
{
    sm_error_t e;
    sm_ht64_t *t = NULL;
    CHECK_OK(sm_ht64_new(&t, 0, 0, &e), &e);
    CHECK_EQ_INT(sm_ht64_count(t), 0);
    CHECK(sm_ht64_find(t, 0) == NULL);
    CHECK(sm_ht64_find(t, INT64_MIN) == NULL);
    int64_t keys[] = {0, 1, -1, INT64_MIN, INT64_MAX, INT64_MIN + 1, 42};
    size_t nk = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < nk; i++) {
        uint64_t *v;
        bool is_new = false;
        CHECK_OK(sm_ht64_insert(t, keys[i], &v, &is_new, &e), &e);
        CHECK(is_new && *v == 0);
        *v = i + 10;
    }
    CHECK_EQ_INT(sm_ht64_count(t), nk);
    for (size_t i = 0; i < nk; i++) {
        uint64_t *v = sm_ht64_find(t, keys[i]);
        CHECK(v && *v == i + 10);
        bool is_new = true;
        CHECK_OK(sm_ht64_insert(t, keys[i], &v, &is_new, &e), &e);
        CHECK(!is_new && *v == i + 10);
    }
    /* iteration sees INT64_MIN too */
    size_t cur = 0, visits = 0;
    int64_t k;
    uint64_t *v;
    unsigned mask = 0;
    while (sm_ht64_next(t, &cur, &k, &v)) {
        visits++;
        for (size_t i = 0; i < nk; i++)
            if (keys[i] == k && *v == i + 10)
                mask |= 1u << i;
    }
    CHECK_EQ_INT(visits, nk);
    CHECK_EQ_INT(mask, (1u << nk) - 1);
    CHECK(!sm_ht64_next(t, &cur, &k, &v));

    uint64_t old = 0;
    CHECK(sm_ht64_remove(t, INT64_MIN, &old) && old == 13);
    CHECK(!sm_ht64_remove(t, INT64_MIN, &old));
    CHECK(sm_ht64_find(t, INT64_MIN) == NULL);
    CHECK(sm_ht64_remove(t, -1, &old) && old == 12);
    CHECK(!sm_ht64_remove(t, 12345, NULL));
    CHECK_EQ_INT(sm_ht64_count(t), nk - 2);
    sm_ht64_clear(t);
    CHECK_EQ_INT(sm_ht64_count(t), 0);
    CHECK(sm_ht64_find(t, 42) == NULL);
    cur = 0;
    CHECK(!sm_ht64_next(t, &cur, &k, &v));
    sm_ht64_free(t);
    sm_ht64_free(NULL);
}

/* Keys whose home slot in a 16-slot table is `home` (forced collisions). */
static size_t colliding_keys(uint64_t seed, size_t home, int64_t *out, size_t n)
{
    size_t got = 0;
    for (int64_t k = 1; got < n; k++)
        if ((sm_hash_u64((uint64_t)k ^ seed) & 15) == home)
            out[got++] = k;
    return got;
}

static void test_ht64_collisions(void)
{
    sm_error_t e;
    for (size_t home = 0; home < 16; home += 15) { /* start and wrap-around */
        sm_ht64_t *t = NULL;
        CHECK_OK(sm_ht64_new(&t, 0, 77, &e), &e);
        int64_t keys[12];
        colliding_keys(77, home, keys, 12); /* 12 fit without growth */
        for (int i = 0; i < 12; i++) {
            uint64_t *v;
            CHECK_OK(sm_ht64_insert(t, keys[i], &v, NULL, &e), &e);
            *v = (uint64_t)i;
        }
        for (int i = 0; i < 12; i += 2)
            CHECK(sm_ht64_remove(t, keys[i], NULL));
        for (int i = 0; i < 12; i++) {
            uint64_t *v = sm_ht64_find(t, keys[i]);
            if (i % 2)
                CHECK(v && *v == (uint64_t)i);
            else
                CHECK(v == NULL);
        }
        sm_ht64_free(t);
    }
}

static void test_ht64_million(void)
{
    enum { N = 1000000 };
    sm_error_t e;
    sm_ht64_t *t = NULL;
    CHECK_OK(sm_ht64_new(&t, 0, 5, &e), &e);
    long bad = 0;
    for (int64_t i = 0; i < N; i++) {
        int64_t key = i * 1000003 - 500000000; /* negative and positive */
        uint64_t *v;
        bool is_new = false;
        if (sm_ht64_insert(t, key, &v, &is_new, &e) != SM_OK || !is_new) {
            bad++;
            break;
        }
        *v = (uint64_t)i;
        if (i % 5 == 0)
            bad += !sm_ht64_remove(t, key, NULL);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(sm_ht64_count(t), N - N / 5);
    for (int64_t i = 0; i < N; i++) {
        uint64_t *v = sm_ht64_find(t, i * 1000003 - 500000000);
        bad += (i % 5 == 0) ? v != NULL : (v == NULL || *v != (uint64_t)i);
    }
    CHECK_EQ_INT(bad, 0);
    size_t cur = 0, visits = 0;
    int64_t k;
    uint64_t *v;
    while (sm_ht64_next(t, &cur, &k, &v))
        visits++;
    CHECK_EQ_INT(visits, N - N / 5);
    sm_ht64_free(t);
}

static void test_ht64_alloc_failure(void)
{
    sm_error_t e;
    sm_ht64_t *t = NULL;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_ht64_new(&t, 0, 0, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(2);
    CHECK_EQ_INT(sm_ht64_new(&t, 0, 0, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(t == NULL);
    CHECK_OK(sm_ht64_new(&t, 0, 0, &e), &e);
    for (int64_t i = 0; i < 12; i++) {
        uint64_t *v;
        CHECK_OK(sm_ht64_insert(t, i, &v, NULL, &e), &e);
        *v = (uint64_t)(i * i);
    }
    uint64_t *v = (uint64_t *)1;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_ht64_insert(t, 12, &v, NULL, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(v == NULL);
    CHECK_EQ_INT(sm_ht64_count(t), 12);
    CHECK(sm_ht64_find(t, 12) == NULL);
    for (int64_t i = 0; i < 12; i++) {
        uint64_t *w = sm_ht64_find(t, i);
        CHECK(w && *w == (uint64_t)(i * i));
    }
    /* INT64_MIN never needs memory */
    sm_mem_fail_after(1);
    CHECK_OK(sm_ht64_insert(t, INT64_MIN, &v, NULL, &e), &e);
    sm_mem_fail_after(0);
    CHECK_OK(sm_ht64_insert(t, 12, &v, NULL, &e), &e);
    CHECK_EQ_INT(sm_ht64_count(t), 14);
    CHECK_EQ_INT(sm_ht64_reserve(t, SIZE_MAX, &e), SM_ERR_NOMEM);
    CHECK_OK(sm_ht64_reserve(t, 10000, &e), &e);
    CHECK(sm_ht64_find(t, 11) && *sm_ht64_find(t, 11) == 121);
    sm_ht64_free(t);
}

int main(void)
{
    RUN(test_basic);
    RUN(test_keys_are_copied);
    RUN(test_collisions);
    RUN(test_iteration);
    RUN(test_million);
    RUN(test_alloc_failure);
    RUN(test_max_count);
    RUN(test_hashed_variants);
    RUN(test_ht64_basic);
    RUN(test_ht64_collisions);
    RUN(test_ht64_million);
    RUN(test_ht64_alloc_failure);
    return check_summary();
}
