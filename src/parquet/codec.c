/* parquet/codec — one small vtable per Parquet compression codec. */
#include "parquet/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "core/mem.h"

/* The codec's part: compress into dst (cap bytes, at least the bound) and
 * report the size; decompress into dst (room for `expected` bytes) and
 * report how many bytes came out (a result larger than `expected` is the
 * codec's own error).  Size checks common to all live in the wrappers. */
typedef struct codec_vt {
    const char *label; /* for messages: "SNAPPY page: ..." */
    size_t (*bound)(const sm_pq_codec_t *c, size_t n);
    sm_err_t (*compress)(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                         size_t *written, sm_error_t *e);
    sm_err_t (*decompress)(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t expected, size_t *got, sm_error_t *e);
} codec_vt;

struct sm_pq_codec {
    const codec_vt *vt;
    sm_pq_codec_id_t id;
    int level;
    ZSTD_CCtx *zcc;  /* zstd, lazily */
    ZSTD_DCtx *zdc;  /* zstd, lazily */
    z_stream *defl;  /* gzip, lazily; deflateReset between pages */
    z_stream *infl;  /* gzip, lazily; inflateReset between pages */
    void *lz4_state; /* lz4 / lz4_raw compression state, lazily */
};

/* ---- library allocators routed through core/mem ---- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    size_t n;
    if (!sm_size_mul(items, size, &n))
        return Z_NULL;
    return sm_malloc(n);
}

static void z_free(voidpf opaque, voidpf p)
{
    sm_free(p);
}

static void *br_alloc(void *opaque, size_t n)
{
    return sm_malloc(n);
}

static void br_free(void *opaque, void *p)
{
    sm_free(p);
}

static sm_err_t too_big(const sm_pq_codec_t *c, size_t expected, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_CORRUPT,
                        "%s page: decompresses to more than the %zu bytes the header says",
                        c->vt->label, expected);
}

/* ---- UNCOMPRESSED ---- */

static size_t plain_bound(const sm_pq_codec_t *c, size_t n)
{
    return n;
}

static sm_err_t plain_compress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                               size_t cap, size_t *written, sm_error_t *e)
{
    if (n)
        memcpy(dst, src, n);
    *written = n;
    return SM_OK;
}

static sm_err_t plain_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                 size_t expected, size_t *got, sm_error_t *e)
{
    if (n > expected)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "UNCOMPRESSED page: holds %zu bytes, header says %zu", n, expected);
    if (n)
        memcpy(dst, src, n);
    *got = n;
    return SM_OK;
}

/* ---- SNAPPY (raw block format) ---- */

static size_t snappy_bound(const sm_pq_codec_t *c, size_t n)
{
    return snappy_max_compressed_length(n);
}

static sm_err_t snappy_compress_fn(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                   size_t cap, size_t *written, sm_error_t *e)
{
    static const char empty[1];
    size_t len = cap;
    if (snappy_compress(n ? (const char *)src : empty, n, (char *)dst, &len) != SNAPPY_OK)
        return sm_error_set(e, SM_ERR_INTERNAL, "SNAPPY: compression of %zu bytes failed", n);
    *written = len;
    return SM_OK;
}

static sm_err_t snappy_decompress_fn(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                     size_t expected, size_t *got, sm_error_t *e)
{
    size_t len;
    if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
        return sm_error_set(e, SM_ERR_CORRUPT, "SNAPPY page: bad length header");
    if (len != expected) {
        *got = len; /* the wrapper reports the mismatch */
        return SM_OK;
    }
    char dummy[1];
    size_t out_len = expected;
    if (snappy_uncompress((const char *)src, n, expected ? (char *)dst : dummy, &out_len) !=
        SNAPPY_OK)
        return sm_error_set(e, SM_ERR_CORRUPT, "SNAPPY page: corrupt compressed data");
    *got = out_len;
    return SM_OK;
}

/* ---- GZIP (RFC 1952 on write; gzip or zlib, concatenated members on read) ---- */

static size_t gzip_bound(const sm_pq_codec_t *c, size_t n)
{
    /* compressBound covers the 6-byte zlib wrapper; gzip's is 18. */
    return compressBound((uLong)n) + 12;
}

static sm_err_t gzip_stream(z_stream **zs, bool inflating, int level, sm_error_t *e)
{
    if (*zs)
        return inflating ? (inflateReset(*zs) == Z_OK ? SM_OK : SM_ERR_INTERNAL)
                         : (deflateReset(*zs) == Z_OK ? SM_OK : SM_ERR_INTERNAL);
    z_stream *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "gzip stream");
    s->zalloc = z_alloc;
    s->zfree = z_free;
    /* windowBits 15 + 16: gzip wrapper; + 32: detect gzip or zlib. */
    int rc = inflating ? inflateInit2(s, 15 + 32)
                       : deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        sm_free(s);
        if (rc == Z_MEM_ERROR)
            return sm_error_nomem(e, "gzip stream");
        return sm_error_set(e, SM_ERR_INTERNAL, "GZIP: zlib init failed (%d)", rc);
    }
    *zs = s;
    return SM_OK;
}

static sm_err_t gzip_compress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                              size_t cap, size_t *written, sm_error_t *e)
{
    sm_err_t rc = gzip_stream(&c->defl, false, c->level, e);
    if (rc)
        return rc == SM_ERR_INTERNAL ? sm_error_set(e, rc, "GZIP: deflateReset failed") : rc;
    z_stream *s = c->defl;
    static const uint8_t empty[1];
    s->next_in = (Bytef *)(n ? src : empty);
    s->avail_in = (uInt)n;
    s->next_out = dst;
    s->avail_out = (uInt)cap;
    int zr = deflate(s, Z_FINISH);
    if (zr == Z_MEM_ERROR)
        return sm_error_nomem(e, "gzip compression");
    if (zr != Z_STREAM_END)
        return sm_error_set(e, SM_ERR_INTERNAL, "GZIP: deflate of %zu bytes failed (%d)", n, zr);
    *written = cap - s->avail_out;
    return SM_OK;
}

static sm_err_t gzip_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                size_t expected, size_t *got, sm_error_t *e)
{
    sm_err_t rc = gzip_stream(&c->infl, true, 0, e);
    if (rc)
        return rc == SM_ERR_INTERNAL ? sm_error_set(e, rc, "GZIP: inflateReset failed") : rc;
    z_stream *s = c->infl;
    uint8_t dummy[1];
    s->next_in = (Bytef *)src;
    s->avail_in = (uInt)n;
    s->next_out = expected ? dst : dummy;
    s->avail_out = (uInt)expected;
    for (;;) {
        int zr = inflate(s, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            if (s->avail_in == 0)
                break;
            /* Another gzip member follows: decode it into the same output. */
            if (inflateReset(s) != Z_OK)
                return sm_error_set(e, SM_ERR_INTERNAL, "GZIP: inflateReset failed");
            continue;
        }
        if (zr == Z_OK)
            continue; /* progress was made */
        if (zr == Z_MEM_ERROR)
            return sm_error_nomem(e, "gzip decompression");
        if (zr == Z_BUF_ERROR && s->avail_out == 0)
            return too_big(c, expected, e);
        if (zr == Z_BUF_ERROR)
            return sm_error_set(e, SM_ERR_CORRUPT, "GZIP page: truncated after %zu bytes of output",
                                expected - s->avail_out);
        return sm_error_set(e, SM_ERR_CORRUPT, "GZIP page: %s at input offset %zu",
                            s->msg ? s->msg : "corrupt data", n - s->avail_in);
    }
    *got = expected - s->avail_out;
    return SM_OK;
}

/* ---- LZ4_RAW (one block) and legacy LZ4 (Hadoop framing) ---- */

static size_t lz4_raw_bound(const sm_pq_codec_t *c, size_t n)
{
    return (size_t)LZ4_compressBound((int)n);
}

static sm_err_t lz4_block(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                          size_t *written, sm_error_t *e)
{
    if (!c->lz4_state) {
        c->lz4_state = sm_malloc((size_t)LZ4_sizeofState());
        if (!c->lz4_state)
            return sm_error_nomem(e, "lz4 state");
    }
    if (cap > (size_t)LZ4_MAX_INPUT_SIZE + 1024)
        cap = (size_t)LZ4_MAX_INPUT_SIZE + 1024;
    static const char empty[1];
    int r = LZ4_compress_fast_extState(c->lz4_state, n ? (const char *)src : empty, (char *)dst,
                                       (int)n, (int)cap, 1);
    if (r <= 0)
        return sm_error_set(e, SM_ERR_INTERNAL, "%s: compression of %zu bytes failed", c->vt->label,
                            n);
    *written = (size_t)r;
    return SM_OK;
}

/* Decompresses one LZ4 block of n bytes into at most cap bytes; returns the
 * size, or -1 when the block is corrupt or would not fit. */
static long lz4_block_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    uint8_t dummy[1];
    if (n > (size_t)INT32_MAX || cap > (size_t)INT32_MAX)
        return -1;
    int r = LZ4_decompress_safe((const char *)src, (char *)(cap ? dst : dummy), (int)n, (int)cap);
    return r < 0 ? -1 : r;
}

static sm_err_t lz4_raw_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                   size_t expected, size_t *got, sm_error_t *e)
{
    long r = lz4_block_decode(src, n, dst, expected);
    if (r < 0)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "%s page: corrupt compressed data or larger than the %zu bytes the "
                            "header says",
                            c->vt->label, expected);
    *got = (size_t)r;
    return SM_OK;
}

static size_t lz4_hadoop_bound(const sm_pq_codec_t *c, size_t n)
{
    size_t b = lz4_raw_bound(c, n);
    return b ? b + 8 : 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes one Hadoop frame, as Arrow does. */
static sm_err_t lz4_hadoop_compress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                    size_t cap, size_t *written, sm_error_t *e)
{
    size_t len = 0;
    sm_err_t rc = lz4_block(c, src, n, dst + 8, cap - 8, &len, e);
    if (rc)
        return rc;
    put_be32(dst, (uint32_t)n);
    put_be32(dst + 4, (uint32_t)len);
    *written = len + 8;
    return SM_OK;
}

/* Hadoop framing: frames of (u32 BE raw size, u32 BE compressed size,
 * block) filling the input exactly.  Returns the total size, or -1 when the
 * input is not Hadoop-framed (Arrow's TryDecompressHadoop). */
static long lz4_hadoop_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    size_t total = 0;
    while (n >= 8) {
        uint32_t raw = get_be32(src), packed = get_be32(src + 4);
        src += 8;
        n -= 8;
        if (packed > n || raw > cap - total)
            return -1;
        long r = lz4_block_decode(src, packed, dst + total, cap - total);
        if (r < 0 || (uint32_t)r != raw)
            return -1;
        src += packed;
        n -= packed;
        total += raw;
    }
    return n == 0 ? (long)total : -1;
}

static sm_err_t lz4_hadoop_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                      size_t expected, size_t *got, sm_error_t *e)
{
    long r = lz4_hadoop_decode(src, n, dst, expected);
    if (r >= 0 && (size_t)r == expected) {
        *got = (size_t)r;
        return SM_OK;
    }
    /* Older parquet-cpp wrote a bare LZ4 block under this codec id. */
    return lz4_raw_decompress(c, src, n, dst, expected, got, e);
}

/* ---- ZSTD ---- */

static size_t zstd_bound(const sm_pq_codec_t *c, size_t n)
{
    return ZSTD_compressBound(n);
}

static sm_err_t zstd_compress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                              size_t cap, size_t *written, sm_error_t *e)
{
    if (!c->zcc && !(c->zcc = ZSTD_createCCtx()))
        return sm_error_nomem(e, "zstd compression context");
    size_t r = ZSTD_compressCCtx(c->zcc, dst, cap, src, n, c->level);
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
            return sm_error_nomem(e, "zstd compression");
        return sm_error_set(e, SM_ERR_INTERNAL, "ZSTD: compression of %zu bytes failed: %s", n,
                            ZSTD_getErrorName(r));
    }
    *written = r;
    return SM_OK;
}

static sm_err_t zstd_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                size_t expected, size_t *got, sm_error_t *e)
{
    if (!c->zdc && !(c->zdc = ZSTD_createDCtx()))
        return sm_error_nomem(e, "zstd decompression context");
    uint8_t dummy[1];
    size_t r = ZSTD_decompressDCtx(c->zdc, expected ? dst : dummy, expected, src, n);
    if (ZSTD_isError(r)) {
        ZSTD_ErrorCode code = ZSTD_getErrorCode(r);
        if (code == ZSTD_error_dstSize_tooSmall) {
            unsigned long long fcs = ZSTD_getFrameContentSize(src, n);
            if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR)
                return sm_error_set(e, SM_ERR_CORRUPT,
                                    "ZSTD page: decompressed to %llu bytes, header says %zu", fcs,
                                    expected);
            return too_big(c, expected, e);
        }
        if (code == ZSTD_error_memory_allocation)
            return sm_error_nomem(e, "zstd decompression");
        return sm_error_set(e, SM_ERR_CORRUPT, "ZSTD page: %s", ZSTD_getErrorName(r));
    }
    *got = r;
    return SM_OK;
}

/* ---- BROTLI ---- */

static size_t brotli_bound(const sm_pq_codec_t *c, size_t n)
{
    return BrotliEncoderMaxCompressedSize(n);
}

static sm_err_t brotli_compress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                size_t cap, size_t *written, sm_error_t *e)
{
    /* The encoder gets the C library's allocator, not ours: Debian's
     * libbrotlienc calls exit() when an allocation fails, so fault injection
     * must not reach it. */
    BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        return sm_error_nomem(e, "brotli encoder");
    sm_err_t rc = SM_OK;
    if (!BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, (uint32_t)c->level) ||
        !BrotliEncoderSetParameter(s, BROTLI_PARAM_SIZE_HINT,
                                   n > (1u << 30) ? (1u << 30) : (uint32_t)n)) {
        rc = sm_error_set(e, SM_ERR_INTERNAL, "BROTLI: bad parameters");
        goto out;
    }
    size_t avail_in = n, avail_out = cap;
    const uint8_t *next_in = src;
    uint8_t *next_out = dst;
    while (!BrotliEncoderIsFinished(s)) {
        size_t before_in = avail_in, before_out = avail_out;
        if (!BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH, &avail_in, &next_in,
                                         &avail_out, &next_out, NULL)) {
            rc = sm_error_set(e, SM_ERR_INTERNAL, "BROTLI: compression of %zu bytes failed", n);
            goto out;
        }
        if (avail_in == before_in && avail_out == before_out && !BrotliEncoderIsFinished(s) &&
            !BrotliEncoderHasMoreOutput(s)) {
            rc = sm_error_set(e, SM_ERR_INTERNAL, "BROTLI: encoder made no progress");
            goto out;
        }
        if (avail_out == 0 && !BrotliEncoderIsFinished(s)) {
            rc = sm_error_set(e, SM_ERR_INTERNAL, "BROTLI: output exceeded its bound");
            goto out;
        }
    }
    *written = cap - avail_out;
out:
    BrotliEncoderDestroyInstance(s);
    return rc;
}

static sm_err_t brotli_decompress(sm_pq_codec_t *c, const uint8_t *src, size_t n, uint8_t *dst,
                                  size_t expected, size_t *got, sm_error_t *e)
{
    BrotliDecoderState *s = BrotliDecoderCreateInstance(br_alloc, br_free, NULL);
    if (!s)
        return sm_error_nomem(e, "brotli decoder");
    sm_err_t rc = SM_OK;
    uint8_t dummy[1];
    size_t avail_in = n, avail_out = expected;
    const uint8_t *next_in = src;
    uint8_t *next_out = expected ? dst : dummy;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
    switch (r) {
    case BROTLI_DECODER_RESULT_SUCCESS:
        if (avail_in != 0) {
            rc = sm_error_set(e, SM_ERR_CORRUPT, "BROTLI page: %zu bytes after the stream end",
                              avail_in);
            goto out;
        }
        *got = expected - avail_out;
        break;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        rc = too_big(c, expected, e);
        break;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
        rc = sm_error_set(e, SM_ERR_CORRUPT, "BROTLI page: truncated after %zu bytes of output",
                          expected - avail_out);
        break;
    default: {
        BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(s);
        if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
            code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
            rc = sm_error_nomem(e, "brotli decompression");
        else
            rc = sm_error_set(e, SM_ERR_CORRUPT, "BROTLI page: %s at input offset %zu",
                              BrotliDecoderErrorString(code), n - avail_in);
    }
    }
out:
    BrotliDecoderDestroyInstance(s);
    return rc;
}

/* ---- the table ---- */

static const codec_vt vt_plain = {"UNCOMPRESSED", plain_bound, plain_compress, plain_decompress};
static const codec_vt vt_snappy = {"SNAPPY", snappy_bound, snappy_compress_fn,
                                   snappy_decompress_fn};
static const codec_vt vt_gzip = {"GZIP", gzip_bound, gzip_compress, gzip_decompress};
static const codec_vt vt_brotli = {"BROTLI", brotli_bound, brotli_compress, brotli_decompress};
static const codec_vt vt_lz4 = {"LZ4", lz4_hadoop_bound, lz4_hadoop_compress,
                                lz4_hadoop_decompress};
static const codec_vt vt_zstd = {"ZSTD", zstd_bound, zstd_compress, zstd_decompress};
static const codec_vt vt_lz4_raw = {"LZ4_RAW", lz4_raw_bound, lz4_block, lz4_raw_decompress};

static const char *const names[] = {"uncompressed", "snappy", "gzip", "lzo",
                                    "brotli",       "lz4",    "zstd", "lz4_raw"};

static sm_err_t check_level(int id, int level, int *resolved, sm_error_t *e)
{
    int lo = 0, hi = 0, def = 0;
    switch (id) {
    case SM_PQ_CODEC_ZSTD:
        lo = ZSTD_minCLevel(), hi = ZSTD_maxCLevel(), def = 1; /* as Arrow */
        break;
    case SM_PQ_CODEC_GZIP:
        lo = 1, hi = 9, def = 6;
        break;
    case SM_PQ_CODEC_BROTLI:
        lo = 1, hi = BROTLI_MAX_QUALITY, def = 8;
        break;
    default:
        if (level != 0)
            return sm_error_set(e, SM_ERR_INVALID, "%s compression has no level (got %d)",
                                names[id], level);
        *resolved = 0;
        return SM_OK;
    }
    if (level == 0) {
        *resolved = def;
        return SM_OK;
    }
    if (level < lo || level > hi)
        return sm_error_set(e, SM_ERR_INVALID, "%s compression level %d out of range %d..%d",
                            names[id], level, lo, hi);
    *resolved = level;
    return SM_OK;
}

sm_err_t sm_pq_codec_new(int id, int level, sm_pq_codec_t **out, sm_error_t *e)
{
    *out = NULL;
    const codec_vt *vt;
    switch (id) {
    case SM_PQ_CODEC_UNCOMPRESSED:
        vt = &vt_plain;
        break;
    case SM_PQ_CODEC_SNAPPY:
        vt = &vt_snappy;
        break;
    case SM_PQ_CODEC_GZIP:
        vt = &vt_gzip;
        break;
    case SM_PQ_CODEC_LZO:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "LZO compression is not supported");
    case SM_PQ_CODEC_BROTLI:
        vt = &vt_brotli;
        break;
    case SM_PQ_CODEC_LZ4:
        vt = &vt_lz4;
        break;
    case SM_PQ_CODEC_ZSTD:
        vt = &vt_zstd;
        break;
    case SM_PQ_CODEC_LZ4_RAW:
        vt = &vt_lz4_raw;
        break;
    default:
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "unknown Parquet compression codec %d", id);
    }
    int resolved = 0;
    sm_err_t rc = check_level(id, level, &resolved, e);
    if (rc)
        return rc;
    sm_pq_codec_t *c = sm_calloc(1, sizeof *c);
    if (!c)
        return sm_error_nomem(e, "codec context");
    c->vt = vt;
    c->id = (sm_pq_codec_id_t)id;
    c->level = resolved;
    *out = c;
    return SM_OK;
}

void sm_pq_codec_free(sm_pq_codec_t *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zcc);
    ZSTD_freeDCtx(c->zdc);
    if (c->defl) {
        deflateEnd(c->defl);
        sm_free(c->defl);
    }
    if (c->infl) {
        inflateEnd(c->infl);
        sm_free(c->infl);
    }
    sm_free(c->lz4_state);
    sm_free(c);
}

sm_pq_codec_id_t sm_pq_codec_id(const sm_pq_codec_t *c)
{
    return c->id;
}

int sm_pq_codec_level(const sm_pq_codec_t *c)
{
    return c->level;
}

size_t sm_pq_codec_max_compressed_size(const sm_pq_codec_t *c, size_t n)
{
    if (n > SM_PQ_CODEC_MAX_PAGE)
        return 0;
    return c->vt->bound(c, n);
}

sm_err_t sm_pq_codec_compress(sm_pq_codec_t *c, const void *src, size_t n, sm_buf_t *out,
                              sm_error_t *e)
{
    if (n > SM_PQ_CODEC_MAX_PAGE)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: page of %zu bytes exceeds the %zu-byte limit",
                            c->vt->label, n, SM_PQ_CODEC_MAX_PAGE);
    size_t bound = c->vt->bound(c, n);
    if (bound == 0 && n > 0)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: cannot compress %zu bytes", c->vt->label, n);
    sm_err_t rc = sm_buf_reserve(out, bound, e);
    if (rc)
        return rc;
    size_t written = 0;
    rc = c->vt->compress(c, src, n, out->data + out->len, bound, &written, e);
    if (rc)
        return rc;
    out->len += written;
    out->data[out->len] = '\0';
    return SM_OK;
}

sm_err_t sm_pq_codec_decompress(sm_pq_codec_t *c, const void *src, size_t n, void *dst,
                                size_t expected, sm_error_t *e)
{
    if (expected > SM_PQ_CODEC_MAX_PAGE)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "%s page: header says %zu bytes uncompressed, over the %zu-byte limit",
                            c->vt->label, expected, SM_PQ_CODEC_MAX_PAGE);
    if (n > SM_PQ_CODEC_MAX_PAGE)
        return sm_error_set(e, SM_ERR_LIMIT,
                            "%s page: %zu compressed bytes, over the %zu-byte limit", c->vt->label,
                            n, SM_PQ_CODEC_MAX_PAGE);
    if (n == 0 && expected == 0)
        return SM_OK; /* an empty page, whatever the codec */
    if (n == 0)
        return sm_error_set(e, SM_ERR_CORRUPT, "%s page: no compressed bytes, header says %zu",
                            c->vt->label, expected);
    size_t got = 0;
    sm_err_t rc = c->vt->decompress(c, src, n, dst, expected, &got, e);
    if (rc)
        return rc;
    if (got != expected)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "%s page: decompressed to %zu bytes, header says %zu", c->vt->label,
                            got, expected);
    return SM_OK;
}

const char *sm_pq_codec_name(int id)
{
    if (id < 0 || id >= (int)(sizeof names / sizeof names[0]))
        return "unknown";
    return names[id];
}

sm_err_t sm_pq_codec_from_name(const char *name, sm_pq_codec_id_t *out, sm_error_t *e)
{
    if (name && strcasecmp(name, "none") == 0) {
        *out = SM_PQ_CODEC_UNCOMPRESSED;
        return SM_OK;
    }
    for (int i = 0; name && i < (int)(sizeof names / sizeof names[0]); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            *out = (sm_pq_codec_id_t)i;
            return SM_OK;
        }
    }
    return sm_error_set(e, SM_ERR_INVALID,
                        "unknown compression codec '%s' (expected none, snappy, gzip, brotli, "
                        "lz4, lz4_raw or zstd)",
                        name ? name : "(null)");
}
