/* Unit tests for core/hash. */
#include <stdlib.h>

#include "check.h"
#include "core/hash.h"

static void test_bytes_match_xxh3(void)
{
    /* sm_hash_bytes must be exactly XXH3-64, so hashes written to disk or
     * compared across processes stay stable. */
    CHECK(sm_hash_bytes("", 0, 0) == XXH3_64bits("", 0));
    CHECK(sm_hash_bytes(NULL, 0, 0) == XXH3_64bits(NULL, 0));
    CHECK(sm_hash_bytes("abc", 3, 0) == XXH3_64bits("abc", 3));
    CHECK(sm_hash_bytes("abc", 3, 42) == XXH3_64bits_withSeed("abc", 3, 42));
    /* The values published for XXH3-64 (frozen since xxHash 0.8.0). */
    CHECK(XXH3_64bits("", 0) == 0x2D06800538D394C2ULL);
    CHECK(sm_hash_bytes("", 0, 0) == 0x2D06800538D394C2ULL);
    CHECK(sm_hash_bytes("abc", 3, 0) == 0x78AF5F94892F3950ULL);
    /* Every length class of XXH3 (1-3, 4-8, 9-16, 17-128, 129-240, >240). */
    static unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 31 + 7);
    size_t lens[] = {1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        CHECK(sm_hash_bytes(buf, lens[i], 0) == XXH3_64bits(buf, lens[i]));
        CHECK(sm_hash_bytes(buf, lens[i], 7) == XXH3_64bits_withSeed(buf, lens[i], 7));
    }
}

static void test_bytes_properties(void)
{
    CHECK(sm_hash_bytes("abc", 3, 0) != sm_hash_bytes("abc", 3, 1)); /* seed matters */
    CHECK(sm_hash_bytes("abc", 3, 0) != sm_hash_bytes("abd", 3, 0));
    CHECK(sm_hash_bytes("abc", 3, 0) != sm_hash_bytes("abc", 2, 0));
    CHECK(sm_hash_bytes("a\0", 2, 0) != sm_hash_bytes("a", 1, 0));
    /* deterministic */
    CHECK(sm_hash_bytes("hello", 5, 9) == sm_hash_bytes("hello", 5, 9));
}

static void test_u64_mixer(void)
{
    /* Known splitmix64 outputs: the first values of the generator seeded
     * with 0 are mix(0 + k * golden), i.e. sm_hash_u64 of k * golden. */
    CHECK(sm_hash_u64(0) == 0xE220A8397B1DCDAFULL);
    CHECK(sm_hash_u64(0x9E3779B97F4A7C15ULL) == 0x6E789E6AA1B965F4ULL);
    /* Neighbouring integers land far apart: low bits differ about half of
     * the time. */
    int low_bit_changes = 0;
    for (uint64_t i = 0; i < 1000; i++)
        low_bit_changes += (int)((sm_hash_u64(i) ^ sm_hash_u64(i + 1)) & 1);
    CHECK(low_bit_changes > 400 && low_bit_changes < 600);
    /* Avalanche: flipping one input bit flips ~32 output bits on average. */
    long flips = 0;
    for (uint64_t i = 0; i < 64; i++) {
        uint64_t x = 0x0123456789ABCDEFULL * (i + 1);
        flips += __builtin_popcountll(sm_hash_u64(x) ^ sm_hash_u64(x ^ (1ULL << i)));
    }
    CHECK(flips > 64 * 26 && flips < 64 * 38);
    /* Buckets of a 1024-slot table fill evenly for sequential keys. */
    static int buckets[1024];
    for (uint64_t i = 0; i < 1024 * 16; i++)
        buckets[sm_hash_u64(i) & 1023]++;
    int max = 0;
    for (int i = 0; i < 1024; i++)
        max = buckets[i] > max ? buckets[i] : max;
    CHECK(max < 40);
}

static void test_combine(void)
{
    uint64_t a = sm_hash_bytes("x", 1, 0), b = sm_hash_bytes("y", 1, 0);
    CHECK(sm_hash_combine(a, b) != sm_hash_combine(b, a)); /* order matters */
    CHECK(sm_hash_combine(a, b) == sm_hash_combine(a, b));
    CHECK(sm_hash_combine(a, a) != 0);
    CHECK(sm_hash_combine(0, 0) != sm_hash_combine(0, 1));
    CHECK(sm_hash_combine(0, 1) != sm_hash_combine(1, 0));
    /* (1, 2) and (2, 1) as multi-column keys must differ; so must
     * (x, y, z) rotations. */
    uint64_t h1 = sm_hash_combine(sm_hash_combine(sm_hash_u64(1), sm_hash_u64(2)), sm_hash_u64(3));
    uint64_t h2 = sm_hash_combine(sm_hash_combine(sm_hash_u64(2), sm_hash_u64(3)), sm_hash_u64(1));
    CHECK(h1 != h2);
}

int main(void)
{
    RUN(test_bytes_match_xxh3);
    RUN(test_bytes_properties);
    RUN(test_u64_mixer);
    RUN(test_combine);
    return check_summary();
}
