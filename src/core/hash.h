/*
 * core/hash — non-cryptographic hashing for hash tables, dictionaries,
 * group-by keys and partitioning.
 *
 * sm_hash_bytes is XXH3 64-bit (Debian's libxxhash): fast on any length
 * and stable across runs, machines and library versions (XXH3's output is
 * frozen since xxHash 0.8.0), so a hash may be persisted or compared
 * between processes.  sm_hash_u64 is the splitmix64 finalizer, a bijection
 * on 64-bit values with full avalanche, for integer keys.  sm_hash_combine
 * mixes two hashes in an order-dependent way (for multi-column keys).
 *
 * None of these resist deliberate collision attacks beyond what a secret
 * seed gives; never use them for security.
 *
 * Threads: pure functions, callable from any thread.
 */
#ifndef SM_CORE_HASH_H
#define SM_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

/* XXH3-64 of n bytes at p with a seed (seed 0 is plain XXH3_64bits).
 * p may be NULL when n is 0. */
static inline uint64_t sm_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

/* A fast integer mixer: splitmix64's finalizer of x + golden ratio.  A
 * bijection, so distinct inputs never collide in 64 bits. */
static inline uint64_t sm_hash_u64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Combines the hash so far (a) with the next hash (b); combine(a, b) and
 * combine(b, a) differ. */
static inline uint64_t sm_hash_combine(uint64_t a, uint64_t b)
{
    uint64_t r = (a << 23) | (a >> 41);
    return sm_hash_u64((r * 0xff51afd7ed558ccdULL) ^ b);
}

#endif
