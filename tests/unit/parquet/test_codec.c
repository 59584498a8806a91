/* Unit tests for parquet/codec: round trips, corrupt input, sizes, names,
 * allocation failures, and (when SMELT_PARQUET_TESTING names a checkout of
 * apache/parquet-testing's data/) the codec pages of its sample files. */
#include <lz4.h>
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "core/mem.h"
#include "parquet/codec.h"

static const int all_codecs[] = {SM_PQ_CODEC_UNCOMPRESSED, SM_PQ_CODEC_SNAPPY, SM_PQ_CODEC_GZIP,
                                 SM_PQ_CODEC_BROTLI,       SM_PQ_CODEC_LZ4,    SM_PQ_CODEC_ZSTD,
                                 SM_PQ_CODEC_LZ4_RAW};
#define N_CODECS (sizeof all_codecs / sizeof all_codecs[0])

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint8_t *random_bytes(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
    return p;
}

static uint8_t *compressible_bytes(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    static const char words[] = "Northwind order shipped to France; ";
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)words[(i + i / 977) % (sizeof words - 1)];
    return p;
}

/* Compresses with codec id/level, decompresses, compares; returns the
 * compressed size (0 on failure). */
static size_t round_trip(int id, int level, const uint8_t *src, size_t n)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    sm_buf_t out = SM_BUF_INIT;
    size_t packed = 0;
    CHECK_OK(sm_pq_codec_new(id, level, &c, &e), &e);
    if (!c)
        return 0;
    sm_err_t rc = sm_pq_codec_compress(c, src, n, &out, &e);
    CHECK_OK(rc, &e);
    CHECK(out.len <= sm_pq_codec_max_compressed_size(c, n));
    uint8_t *back = malloc(n ? n : 1);
    if (!rc) {
        rc = sm_pq_codec_decompress(c, out.data, out.len, back, n, &e);
        CHECK_OK(rc, &e);
        CHECK(rc || n == 0 || memcmp(back, src, n) == 0);
        /* The same context again (reused library state). */
        rc = sm_pq_codec_decompress(c, out.data, out.len, back, n, &e);
        CHECK_OK(rc, &e);
        if (!rc)
            packed = out.len ? out.len : 1;
    }
    if (rc)
        fprintf(stderr, "  codec %s, %zu bytes\n", sm_pq_codec_name(id), n);
    free(back);
    sm_buf_free(&out);
    sm_pq_codec_free(c);
    return packed;
}

static void test_round_trip_every_codec(void)
{
    size_t big = 1 << 20;
    uint8_t *rand_data = random_bytes(big), *text = compressible_bytes(big);
    for (size_t i = 0; i < N_CODECS; i++) {
        int id = all_codecs[i];
        CHECK(round_trip(id, 0, NULL, 0) > 0);
        CHECK(round_trip(id, 0, (const uint8_t *)"x", 1) > 0);
        CHECK(round_trip(id, 0, rand_data, big) > 0);
        size_t packed = round_trip(id, 0, text, big);
        CHECK(packed > 0);
        if (id != SM_PQ_CODEC_UNCOMPRESSED)
            CHECK(packed < big / 10);
        CHECK(round_trip(id, 0, text, 12345) > 0);
    }
    free(rand_data);
    free(text);
}

static void test_zstd_levels(void)
{
    size_t n = 1 << 20;
    uint8_t *text = compressible_bytes(n), *rand_data = random_bytes(n / 4);
    size_t l1 = round_trip(SM_PQ_CODEC_ZSTD, 1, text, n);
    size_t l19 = round_trip(SM_PQ_CODEC_ZSTD, 19, text, n);
    CHECK(l1 > 0 && l19 > 0);
    CHECK(l19 <= l1);
    CHECK(round_trip(SM_PQ_CODEC_ZSTD, 19, rand_data, n / 4) > 0);
    CHECK(round_trip(SM_PQ_CODEC_ZSTD, -5, text, n) > 0);
    CHECK(round_trip(SM_PQ_CODEC_GZIP, 1, text, n) > 0);
    CHECK(round_trip(SM_PQ_CODEC_GZIP, 9, text, n) > 0);
    CHECK(round_trip(SM_PQ_CODEC_BROTLI, 1, text, n) > 0);
    CHECK(round_trip(SM_PQ_CODEC_BROTLI, 11, text, 100000) > 0);
    free(text);
    free(rand_data);
}

static void test_levels_and_ids(void)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = (sm_pq_codec_t *)&e;
    CHECK_EQ_INT(sm_pq_codec_new(SM_PQ_CODEC_LZO, 0, &c, &e), SM_ERR_UNSUPPORTED);
    CHECK_EQ_STR(e.msg, "LZO compression is not supported");
    CHECK(c == NULL);
    CHECK_EQ_INT(sm_pq_codec_new(8, 0, &c, &e), SM_ERR_UNSUPPORTED);
    CHECK_EQ_INT(sm_pq_codec_new(-1, 0, &c, &e), SM_ERR_UNSUPPORTED);
    CHECK_EQ_INT(sm_pq_codec_new(SM_PQ_CODEC_SNAPPY, 3, &c, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_pq_codec_new(SM_PQ_CODEC_GZIP, 10, &c, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_pq_codec_new(SM_PQ_CODEC_BROTLI, 12, &c, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_pq_codec_new(SM_PQ_CODEC_ZSTD, 23, &c, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "zstd compression level 23") != NULL);

    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_ZSTD, 0, &c, &e), &e);
    CHECK_EQ_INT(sm_pq_codec_level(c), 1); /* Arrow's default */
    CHECK_EQ_INT(sm_pq_codec_id(c), SM_PQ_CODEC_ZSTD);
    sm_pq_codec_free(c);
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_GZIP, 0, &c, &e), &e);
    CHECK_EQ_INT(sm_pq_codec_level(c), 6);
    sm_pq_codec_free(c);
    sm_pq_codec_free(NULL);
}

static void test_names(void)
{
    sm_error_t e = {0};
    sm_pq_codec_id_t id;
    static const struct {
        const char *name;
        int id;
    } table[] = {{"none", 0}, {"uncompressed", 0}, {"UNCOMPRESSED", 0}, {"snappy", 1},
                 {"gzip", 2}, {"lzo", 3},          {"brotli", 4},       {"lz4", 5},
                 {"zstd", 6}, {"ZSTD", 6},         {"lz4_raw", 7},      {"LZ4_RAW", 7}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        id = (sm_pq_codec_id_t)99;
        CHECK_OK(sm_pq_codec_from_name(table[i].name, &id, &e), &e);
        CHECK_EQ_INT(id, table[i].id);
    }
    CHECK_EQ_INT(sm_pq_codec_from_name("lz4raw", &id, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "'lz4raw'") != NULL);
    CHECK_EQ_INT(sm_pq_codec_from_name("", &id, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_pq_codec_from_name(NULL, &id, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(sm_pq_codec_name(SM_PQ_CODEC_UNCOMPRESSED), "uncompressed");
    CHECK_EQ_STR(sm_pq_codec_name(SM_PQ_CODEC_SNAPPY), "snappy");
    CHECK_EQ_STR(sm_pq_codec_name(SM_PQ_CODEC_LZ4_RAW), "lz4_raw");
    CHECK_EQ_STR(sm_pq_codec_name(8), "unknown");
    CHECK_EQ_STR(sm_pq_codec_name(-1), "unknown");
    for (int i = 0; i < 8; i++) {
        CHECK_OK(sm_pq_codec_from_name(sm_pq_codec_name(i), &id, &e), &e);
        CHECK_EQ_INT(id, i);
    }
}

/* Compresses n bytes of text with codec id into *out. */
static sm_pq_codec_t *packed_text(int id, size_t n, sm_buf_t *out, uint8_t **src)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    CHECK_OK(sm_pq_codec_new(id, 0, &c, &e), &e);
    *src = compressible_bytes(n);
    CHECK_OK(sm_pq_codec_compress(c, *src, n, out, &e), &e);
    return c;
}

static void test_wrong_expected_size(void)
{
    size_t n = 5000;
    for (size_t i = 0; i < N_CODECS; i++) {
        int id = all_codecs[i];
        sm_buf_t out = SM_BUF_INIT;
        uint8_t *src;
        sm_pq_codec_t *c = packed_text(id, n, &out, &src);
        uint8_t *dst = malloc(n + 100);
        sm_error_t e = {0};
        CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, n - 1, &e), SM_ERR_CORRUPT);
        CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, n + 1, &e), SM_ERR_CORRUPT);
        CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, n + 100, &e),
                     SM_ERR_CORRUPT);
        CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, 0, &e), SM_ERR_CORRUPT);
        /* The context still works after the failures. */
        CHECK_OK(sm_pq_codec_decompress(c, out.data, out.len, dst, n, &e), &e);
        CHECK(memcmp(dst, src, n) == 0);
        free(dst);
        free(src);
        sm_buf_free(&out);
        sm_pq_codec_free(c);
    }
    /* The message names both sizes. */
    sm_buf_t out = SM_BUF_INIT;
    uint8_t *src, dst[200];
    sm_pq_codec_t *c = packed_text(SM_PQ_CODEC_SNAPPY, 100, &out, &src);
    sm_error_t e = {0};
    CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, 200, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "SNAPPY page: decompressed to 100 bytes, header says 200");
    sm_pq_codec_free(c);
    free(src);
    sm_buf_free(&out);

    c = packed_text(SM_PQ_CODEC_ZSTD, 100, &out, &src);
    CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, dst, 50, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "ZSTD page: decompressed to 100 bytes, header says 50");
    sm_pq_codec_free(c);
    free(src);
    sm_buf_free(&out);
}

static void test_limits(void)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    uint8_t tiny[16] = {0};
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_SNAPPY, 0, &c, &e), &e);
    /* A corrupt header asking for 2 GiB is refused before any work. */
    CHECK_EQ_INT(sm_pq_codec_decompress(c, tiny, 16, tiny, (size_t)2 << 30, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "limit") != NULL);
    CHECK_EQ_INT(sm_pq_codec_max_compressed_size(c, SM_PQ_CODEC_MAX_PAGE + 1), 0);
    CHECK(sm_pq_codec_max_compressed_size(c, 100) >= 100);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_EQ_INT(sm_pq_codec_compress(c, tiny, SM_PQ_CODEC_MAX_PAGE + 1, &out, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(out.len, 0);
    /* An output buffer with a limit too small for the bound. */
    out.limit = 10;
    CHECK_EQ_INT(sm_pq_codec_compress(c, tiny, 16, &out, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(out.len, 0);
    sm_buf_free(&out);
    /* Compressed bytes for an empty page. */
    CHECK_EQ_INT(sm_pq_codec_decompress(c, NULL, 0, tiny, 5, &e), SM_ERR_CORRUPT);
    CHECK_OK(sm_pq_codec_decompress(c, NULL, 0, NULL, 0, &e), &e);
    sm_pq_codec_free(c);
}

static void test_compress_appends(void)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_buf_append_str(&out, "HDR", &e), &e);
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_ZSTD, 0, &c, &e), &e);
    CHECK_OK(sm_pq_codec_compress(c, "hello hello hello", 17, &out, &e), &e);
    CHECK(memcmp(out.data, "HDR", 3) == 0);
    CHECK(out.len > 3);
    char back[17];
    CHECK_OK(sm_pq_codec_decompress(c, out.data + 3, out.len - 3, back, 17, &e), &e);
    CHECK(memcmp(back, "hello hello hello", 17) == 0);
    sm_pq_codec_free(c);
    sm_buf_free(&out);
}

/* Corrupt, truncated and random input: an error, never a crash or a hang. */
static void test_corrupt_input(void)
{
    size_t n = 20000;
    uint8_t *dst = malloc(n);
    for (size_t i = 0; i < N_CODECS; i++) {
        int id = all_codecs[i];
        sm_buf_t out = SM_BUF_INIT;
        uint8_t *src;
        sm_pq_codec_t *c = packed_text(id, n, &out, &src);
        sm_error_t e = {0};
        /* Truncations. */
        for (size_t cut = 1; cut < out.len; cut += 1 + out.len / 17) {
            sm_err_t rc = sm_pq_codec_decompress(c, out.data, out.len - cut, dst, n, &e);
            CHECK(rc == SM_ERR_CORRUPT);
        }
        /* Flipped bytes: must not crash; if it "succeeds", the size is right. */
        int failures = 0;
        for (int k = 0; k < 200; k++) {
            uint8_t *bad = malloc(out.len);
            memcpy(bad, out.data, out.len);
            size_t at = rnd() % out.len;
            bad[at] ^= (uint8_t)(1 + rnd() % 255);
            sm_err_t rc = sm_pq_codec_decompress(c, bad, out.len, dst, n, &e);
            CHECK(rc == SM_OK || rc == SM_ERR_CORRUPT);
            failures += rc != SM_OK;
            free(bad);
        }
        if (id != SM_PQ_CODEC_UNCOMPRESSED)
            CHECK(failures > 0);
        /* Random garbage. */
        for (int k = 0; k < 100; k++) {
            size_t len = 1 + rnd() % 3000;
            uint8_t *junk = random_bytes(len);
            sm_err_t rc = sm_pq_codec_decompress(c, junk, len, dst, n, &e);
            CHECK(rc == SM_ERR_CORRUPT);
            free(junk);
        }
        free(src);
        sm_buf_free(&out);
        sm_pq_codec_free(c);
    }
    free(dst);
}

/* Two gzip members back to back decode as one stream (as
 * concatenated_gzip_members.parquet has them); a zlib stream is accepted. */
static void test_gzip_members(void)
{
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_GZIP, 0, &c, &e), &e);
    const char *a = "first member, ", *b = "second member";
    CHECK_OK(sm_pq_codec_compress(c, a, strlen(a), &out, &e), &e);
    CHECK(out.data[0] == 0x1f && out.data[1] == 0x8b); /* RFC 1952 magic */
    CHECK_OK(sm_pq_codec_compress(c, b, strlen(b), &out, &e), &e);
    size_t n = strlen(a) + strlen(b);
    char back[64];
    CHECK_OK(sm_pq_codec_decompress(c, out.data, out.len, back, n, &e), &e);
    CHECK(memcmp(back, "first member, second member", n) == 0);
    /* An empty member in the middle too. */
    sm_buf_t three = SM_BUF_INIT;
    CHECK_OK(sm_pq_codec_compress(c, a, strlen(a), &three, &e), &e);
    CHECK_OK(sm_pq_codec_compress(c, NULL, 0, &three, &e), &e);
    CHECK_OK(sm_pq_codec_compress(c, b, strlen(b), &three, &e), &e);
    CHECK_OK(sm_pq_codec_decompress(c, three.data, three.len, back, n, &e), &e);
    CHECK(memcmp(back, "first member, second member", n) == 0);
    /* Trailing garbage after a member is corrupt. */
    CHECK_OK(sm_buf_append(&out, "xx", 2, &e), &e);
    CHECK_EQ_INT(sm_pq_codec_decompress(c, out.data, out.len, back, n, &e), SM_ERR_CORRUPT);
    /* zlib-wrapped deflate. */
    uint8_t z[128];
    uLongf zlen = sizeof z;
    CHECK(compress2(z, &zlen, (const Bytef *)a, strlen(a), 6) == Z_OK);
    CHECK_OK(sm_pq_codec_decompress(c, z, zlen, back, strlen(a), &e), &e);
    CHECK(memcmp(back, a, strlen(a)) == 0);
    sm_buf_free(&out);
    sm_buf_free(&three);
    sm_pq_codec_free(c);
}

/* Legacy LZ4: Hadoop frames (one or several), and the bare block fallback. */
static void test_lz4_legacy(void)
{
    sm_error_t e = {0};
    sm_pq_codec_t *lz4 = NULL, *raw = NULL;
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_LZ4, 0, &lz4, &e), &e);
    CHECK_OK(sm_pq_codec_new(SM_PQ_CODEC_LZ4_RAW, 0, &raw, &e), &e);
    size_t n = 10000;
    uint8_t *src = compressible_bytes(n), *dst = malloc(n);

    /* What we write is Hadoop-framed: sizes big-endian in front. */
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_pq_codec_compress(lz4, src, n, &out, &e), &e);
    CHECK(out.data[0] == 0 && out.data[1] == 0 && out.data[2] == 0x27 && out.data[3] == 0x10);
    uint32_t clen = (uint32_t)out.data[4] << 24 | (uint32_t)out.data[5] << 16 |
                    (uint32_t)out.data[6] << 8 | out.data[7];
    CHECK_EQ_INT(clen, out.len - 8);
    /* LZ4_RAW does not understand the frame. */
    CHECK_EQ_INT(sm_pq_codec_decompress(raw, out.data, out.len, dst, n, &e), SM_ERR_CORRUPT);

    /* A bare block (older parquet-cpp) read through the LZ4 codec. */
    sm_buf_t bare = SM_BUF_INIT;
    CHECK_OK(sm_pq_codec_compress(raw, src, n, &bare, &e), &e);
    memset(dst, 0, n);
    CHECK_OK(sm_pq_codec_decompress(lz4, bare.data, bare.len, dst, n, &e), &e);
    CHECK(memcmp(dst, src, n) == 0);

    /* Two Hadoop frames of 4000 and 6000 bytes. */
    sm_buf_t two = SM_BUF_INIT;
    size_t parts[2] = {4000, 6000}, at = 0;
    for (int k = 0; k < 2; k++) {
        char block[8000];
        int len = LZ4_compress_default((const char *)src + at, block, (int)parts[k], 8000);
        CHECK(len > 0);
        uint8_t hdr[8] = {0, 0, (uint8_t)(parts[k] >> 8), (uint8_t)parts[k],
                          0, 0, (uint8_t)(len >> 8),      (uint8_t)len};
        CHECK_OK(sm_buf_append(&two, hdr, 8, &e), &e);
        CHECK_OK(sm_buf_append(&two, block, (size_t)len, &e), &e);
        at += parts[k];
    }
    memset(dst, 0, n);
    CHECK_OK(sm_pq_codec_decompress(lz4, two.data, two.len, dst, n, &e), &e);
    CHECK(memcmp(dst, src, n) == 0);
    /* A frame whose declared size lies. */
    two.data[3] ^= 1;
    CHECK_EQ_INT(sm_pq_codec_decompress(lz4, two.data, two.len, dst, n, &e), SM_ERR_CORRUPT);

    sm_buf_free(&out);
    sm_buf_free(&bare);
    sm_buf_free(&two);
    free(src);
    free(dst);
    sm_pq_codec_free(lz4);
    sm_pq_codec_free(raw);
}

/* Every allocation of new + compress + decompress fails in turn: each
 * failure is reported (NOMEM), nothing leaks (ASan), and the next try works. */
static void test_allocation_failures(void)
{
    size_t n = 70000;
    uint8_t *src = compressible_bytes(n), *dst = malloc(n);
    for (size_t i = 0; i < N_CODECS; i++) {
        int id = all_codecs[i];
        int done = 0;
        for (long k = 1; k < 10000 && !done; k++) {
            sm_error_t e = {0};
            sm_pq_codec_t *c = NULL;
            sm_buf_t out = SM_BUF_INIT;
            sm_mem_fail_after(k);
            sm_err_t rc = sm_pq_codec_new(id, 0, &c, &e);
            if (!rc)
                rc = sm_pq_codec_compress(c, src, n, &out, &e);
            if (!rc)
                rc = sm_pq_codec_decompress(c, out.data, out.len, dst, n, &e);
            sm_mem_fail_after(0);
            if (rc) {
                CHECK_EQ_INT(rc, SM_ERR_NOMEM);
                if (rc != SM_ERR_NOMEM)
                    fprintf(stderr, "  %s, failing allocation %ld: %s\n", sm_pq_codec_name(id), k,
                            e.msg);
            } else {
                CHECK(memcmp(dst, src, n) == 0);
                done = 1;
            }
            sm_buf_free(&out);
            sm_pq_codec_free(c);
        }
        CHECK(done);
    }
    free(src);
    free(dst);
}

/* ---- pages of apache/parquet-testing files ---- */

typedef struct {
    const uint8_t *p, *end;
    int bad;
} tin;

static uint64_t t_varint(tin *t)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (t->p >= t->end) {
            t->bad = 1;
            return 0;
        }
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    t->bad = 1;
    return 0;
}

static int64_t t_zigzag(tin *t)
{
    uint64_t v = t_varint(t);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void t_skip(tin *t, int type, int depth);

/* Reads a struct; stores i32 fields 1..8 into ints[] and descends into
 * struct fields listed in `into` (field id → ints of the sub-struct). */
static void t_struct(tin *t, int64_t *ints, int sub_id, int64_t *sub, int depth)
{
    int id = 0;
    while (!t->bad && t->p < t->end) {
        uint8_t h = *t->p++;
        if (h == 0)
            return;
        int type = h & 0x0f, delta = h >> 4;
        id = delta ? id + delta : (int)t_zigzag(t);
        if (type == 5 && id >= 1 && id <= 8 && ints)
            ints[id] = t_zigzag(t);
        else if ((type == 1 || type == 2) && id >= 1 && id <= 8 && ints)
            ints[id] = type == 1;
        else if (type == 12 && id == sub_id && sub)
            t_struct(t, sub, 0, NULL, depth + 1);
        else
            t_skip(t, type, depth + 1);
    }
    t->bad = 1;
}

static void t_skip(tin *t, int type, int depth)
{
    if (depth > 20) {
        t->bad = 1;
        return;
    }
    switch (type) {
    case 1:
    case 2:
        return;
    case 3:
        t->p++;
        return;
    case 4:
    case 5:
    case 6:
        t_varint(t);
        return;
    case 7:
        t->p += 8;
        return;
    case 8: {
        uint64_t n = t_varint(t);
        if (n > (uint64_t)(t->end - t->p))
            t->bad = 1;
        else
            t->p += n;
        return;
    }
    case 9:
    case 10: {
        uint8_t h = *t->p++;
        uint64_t n = h >> 4;
        if (n == 15)
            n = t_varint(t);
        for (uint64_t i = 0; i < n && !t->bad; i++)
            t_skip(t, h & 0x0f, depth + 1);
        return;
    }
    case 12:
        t_struct(t, NULL, 0, NULL, depth);
        return;
    default:
        t->bad = 1;
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

/* Decompresses every page of the file (pages are contiguous from offset 4
 * to the footer in these samples); returns the number of pages. */
static int decode_pages(const char *dir, const char *name, int codec_id, int *over_limit)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    uint8_t *file = read_file(path, &len);
    CHECK(file != NULL);
    if (!file)
        return 0;
    uint32_t footer = (uint32_t)file[len - 8] | (uint32_t)file[len - 7] << 8 |
                      (uint32_t)file[len - 6] << 16 | (uint32_t)file[len - 5] << 24;
    const uint8_t *end = file + len - 8 - footer;
    tin t = {file + 4, end, 0};
    sm_error_t e = {0};
    sm_pq_codec_t *c = NULL;
    CHECK_OK(sm_pq_codec_new(codec_id, 0, &c, &e), &e);
    int pages = 0;
    while (c && t.p < end && !t.bad) {
        int64_t f[9] = {0}, v2[9] = {0};
        v2[7] = 1; /* is_compressed defaults to true */
        t_struct(&t, f, 8, v2, 0);
        CHECK(!t.bad);
        size_t raw = (size_t)f[2], packed = (size_t)f[3];
        if (t.bad || packed > (size_t)(end - t.p))
            break;
        size_t levels = f[1] == 3 ? (size_t)(v2[5] + v2[6]) : 0; /* DATA_PAGE_V2 */
        uint8_t *dst = raw > SM_PQ_CODEC_MAX_PAGE ? NULL : malloc(raw + 1);
        if (!dst) {
            /* large_string_map.brotli has pages over our 1 GiB limit. */
            CHECK_EQ_INT(sm_pq_codec_decompress(c, t.p, packed, dst, raw, &e), SM_ERR_LIMIT);
            (*over_limit)++;
        } else if (f[1] == 3 && !v2[7]) {
            CHECK(packed == raw);
        } else {
            sm_err_t rc = sm_pq_codec_decompress(c, t.p + levels, packed - levels, dst + levels,
                                                 raw - levels, &e);
            CHECK_OK(rc, &e);
            if (rc)
                fprintf(stderr, "  %s page %d at offset %td\n", name, pages, t.p - file);
        }
        free(dst);
        t.p += packed;
        pages++;
    }
    sm_pq_codec_free(c);
    free(file);
    return pages;
}

static void test_parquet_testing_files(void)
{
    const char *dir = getenv("SMELT_PARQUET_TESTING");
    if (!dir || !*dir) {
        printf("parquet-testing pages: SKIPPED (set SMELT_PARQUET_TESTING to its data/ dir)\n");
        return;
    }
    int over = 0;
    CHECK(decode_pages(dir, "hadoop_lz4_compressed.parquet", SM_PQ_CODEC_LZ4, &over) > 0);
    CHECK(decode_pages(dir, "hadoop_lz4_compressed_larger.parquet", SM_PQ_CODEC_LZ4, &over) > 0);
    CHECK(decode_pages(dir, "non_hadoop_lz4_compressed.parquet", SM_PQ_CODEC_LZ4, &over) > 0);
    CHECK(decode_pages(dir, "lz4_raw_compressed.parquet", SM_PQ_CODEC_LZ4_RAW, &over) > 0);
    CHECK(decode_pages(dir, "lz4_raw_compressed_larger.parquet", SM_PQ_CODEC_LZ4_RAW, &over) > 0);
    CHECK(decode_pages(dir, "concatenated_gzip_members.parquet", SM_PQ_CODEC_GZIP, &over) > 0);
    CHECK(decode_pages(dir, "byte_stream_split.zstd.parquet", SM_PQ_CODEC_ZSTD, &over) > 0);
    CHECK(decode_pages(dir, "large_string_map.brotli.parquet", SM_PQ_CODEC_BROTLI, &over) > 0);
    CHECK(decode_pages(dir, "alltypes_plain.snappy.parquet", SM_PQ_CODEC_SNAPPY, &over) > 0);
    CHECK(over >= 1);
}

int main(void)
{
    RUN(test_round_trip_every_codec);
    RUN(test_zstd_levels);
    RUN(test_levels_and_ids);
    RUN(test_names);
    RUN(test_wrong_expected_size);
    RUN(test_limits);
    RUN(test_compress_appends);
    RUN(test_corrupt_input);
    RUN(test_gzip_members);
    RUN(test_lz4_legacy);
    RUN(test_allocation_failures);
    RUN(test_parquet_testing_files);
    return check_summary();
}
