/*
 * parquet/codec — page compression codecs.
 *
 * Parquet compresses each page on its own (data page v1: the whole body;
 * v2: the values only) with the column chunk's codec.  A codec context
 * (sm_pq_codec_t) wraps one codec behind a small vtable and keeps the
 * library state that is worth reusing between pages (ZSTD_CCtx/DCtx, zlib
 * streams), created lazily on first use.
 *
 *   id  name          format on disk
 *   --  ------------  ------------------------------------------------------
 *   0   uncompressed  the bytes themselves
 *   1   snappy        snappy raw block (not the framing format)
 *   2   gzip          RFC 1952 gzip; reading accepts concatenated members
 *                     (and a zlib header, as Arrow does)
 *   3   lzo           not supported: SM_ERR_UNSUPPORTED
 *   4   brotli        brotli stream (RFC 7932)
 *   5   lz4           legacy: Hadoop framing (u32 BE raw size, u32 BE
 *                     compressed size, LZ4 block, repeated); reading falls
 *                     back to a bare LZ4 block as older parquet-cpp wrote
 *   6   zstd          zstd frame(s) (RFC 8878)
 *   7   lz4_raw       one LZ4 block, no framing
 *
 * Ids are Parquet's CompressionCodec enum values, so they go to and come
 * from the file footer unchanged.
 *
 * Invariants: an uncompressed page is never larger than
 * SM_PQ_CODEC_MAX_PAGE bytes, both ways — a corrupt page header cannot make
 * us allocate or write more than that.  Decompression produces exactly the
 * size the page header announces, or fails.
 *
 * Ownership and threads: the caller owns the context (sm_pq_codec_free).
 * A context is used by one thread at a time; use one context per thread.
 * The functions that take only an id or a name are pure and thread-safe.
 */
#ifndef SM_PARQUET_CODEC_H
#define SM_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

typedef enum sm_pq_codec_id {
    SM_PQ_CODEC_UNCOMPRESSED = 0,
    SM_PQ_CODEC_SNAPPY = 1,
    SM_PQ_CODEC_GZIP = 2,
    SM_PQ_CODEC_LZO = 3,
    SM_PQ_CODEC_BROTLI = 4,
    SM_PQ_CODEC_LZ4 = 5,
    SM_PQ_CODEC_ZSTD = 6,
    SM_PQ_CODEC_LZ4_RAW = 7,
} sm_pq_codec_id_t;

/* Hard limit on one uncompressed (and one compressed) page: 1 GiB. */
#define SM_PQ_CODEC_MAX_PAGE ((size_t)1 << 30)

/* The level that means "the default": zstd 1 (Apache Arrow's default,
 * and on Parquet pages usually as small as level 3 and much faster), gzip
 * 6, brotli 8. */
#define SM_PQ_CODEC_DEFAULT_LEVEL 0

typedef struct sm_pq_codec sm_pq_codec_t;

/* Creates a context for codec `id` at `level`.
 * Levels: zstd ZSTD_minCLevel()..ZSTD_maxCLevel() (negative = faster),
 * gzip 1..9, brotli 1..11; 0 always means the default.  The other codecs
 * have no level and accept only 0.
 * Fails with SM_ERR_UNSUPPORTED for LZO ("LZO compression is not
 * supported") and for ids outside the enum, SM_ERR_INVALID for a level out
 * of range, SM_ERR_NOMEM.  On success *out is owned by the caller; on
 * failure *out is NULL. */
sm_err_t sm_pq_codec_new(int id, int level, sm_pq_codec_t **out, sm_error_t *e);

/* Releases the context and its library state.  NULL is allowed. */
void sm_pq_codec_free(sm_pq_codec_t *c);

sm_pq_codec_id_t sm_pq_codec_id(const sm_pq_codec_t *c);
/* The level actually used (the default resolved), 0 for codecs without. */
int sm_pq_codec_level(const sm_pq_codec_t *c);

/* Upper bound of the compressed size of n input bytes, or 0 when n is
 * larger than SM_PQ_CODEC_MAX_PAGE. */
size_t sm_pq_codec_max_compressed_size(const sm_pq_codec_t *c, size_t n);

/* Compresses src[0..n) and APPENDS the result to out (out->len grows by
 * the compressed size; earlier contents stay).  Reserves
 * sm_pq_codec_max_compressed_size(n) bytes first, so a buffer with a
 * `limit` must leave that much room.  n may be 0 (src may then be NULL).
 * Errors: SM_ERR_LIMIT (n > SM_PQ_CODEC_MAX_PAGE or out's limit),
 * SM_ERR_NOMEM, SM_ERR_INTERNAL (the library refused); out->len is then
 * unchanged. */
sm_err_t sm_pq_codec_compress(sm_pq_codec_t *c, const void *src, size_t n, sm_buf_t *out,
                              sm_error_t *e);

/* Decompresses src[0..n) into dst, which has room for exactly `expected`
 * bytes (the page header's uncompressed_page_size).  Succeeds only when
 * the data decompresses to exactly `expected` bytes.  n == 0 with
 * expected == 0 is an empty page for every codec.
 * Errors: SM_ERR_LIMIT (expected > SM_PQ_CODEC_MAX_PAGE), SM_ERR_CORRUPT
 * ("SNAPPY page: decompressed to X bytes, header says Y", or the library's
 * reason), SM_ERR_NOMEM.  On failure dst holds unspecified bytes. */
sm_err_t sm_pq_codec_decompress(sm_pq_codec_t *c, const void *src, size_t n, void *dst,
                                size_t expected, sm_error_t *e);

/* The lower-case name of a codec id ("snappy", "lz4_raw", "uncompressed"),
 * or "unknown".  Static storage. */
const char *sm_pq_codec_name(int id);

/* Parses a codec name, case-insensitively: "none" or "uncompressed",
 * "snappy", "gzip", "lzo", "brotli", "lz4", "zstd", "lz4_raw".
 * SM_ERR_INVALID naming the text when it is none of them. */
sm_err_t sm_pq_codec_from_name(const char *name, sm_pq_codec_id_t *out, sm_error_t *e);

#endif
