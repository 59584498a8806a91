/*
 * parquet/enc_rle.c — bit packing and the RLE / bit-packed hybrid.
 *
 * Speed: bit-packed groups are unpacked by one function per (output type,
 * bit width), each with the width as a compile-time constant so that the
 * eight shifts and masks of a group unroll into straight-line code reading
 * 64-bit little-endian words.  Those fast loops may read up to 8 bytes past
 * a group, so they only run where that much input is left; the last groups
 * of a range are copied into a zero-padded scratch block first.
 */
#include "parquet/encoding.h"

#include <string.h>

#include "core/mem.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet/encoding assumes a little-endian host"
#endif

/* ---------------------------------------------------------------- */
/* Varints and widths                                                */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_uleb_get(const uint8_t *in, size_t len, size_t *pos, uint64_t *out, sm_error_t *e)
{
    size_t p = *pos;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= len)
            return sm_error_set(e, SM_ERR_CORRUPT, "varint at offset %zu: truncated", *pos);
        uint8_t b = in[p++];
        if (shift == 63 && (b & 0x7e))
            return sm_error_set(e, SM_ERR_CORRUPT, "varint at offset %zu: does not fit 64 bits",
                                *pos);
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pos = p;
            *out = v;
            return SM_OK;
        }
    }
    return sm_error_set(e, SM_ERR_CORRUPT, "varint at offset %zu: longer than 10 bytes", *pos);
}

size_t sm_pq_uleb_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

int sm_pq_bit_width(uint64_t max_value)
{
    return max_value ? 64 - __builtin_clzll(max_value) : 0;
}

/* ---------------------------------------------------------------- */
/* Unpacking: one function per (type, width)                         */
/* ---------------------------------------------------------------- */

/* Bits [bit, bit+bw) of in, bw <= 32; reads 8 bytes at in + bit/8. */
static inline __attribute__((always_inline)) uint32_t bits32(const uint8_t *in, unsigned bit,
                                                             unsigned bw)
{
    uint64_t w;
    memcpy(&w, in + (bit >> 3), 8);
    return (uint32_t)((w >> (bit & 7)) & (((uint64_t)1 << bw) - 1));
}

/* Bits [bit, bit+bw) of in, bw <= 64; reads up to 9 bytes at in + bit/8. */
static inline __attribute__((always_inline)) uint64_t bits64(const uint8_t *in, unsigned bit,
                                                             unsigned bw)
{
    unsigned s = bit & 7;
    uint64_t w;
    memcpy(&w, in + (bit >> 3), 8);
    w >>= s;
    if (bw + s > 64)
        w |= (uint64_t)in[(bit >> 3) + 8] << (64 - s);
    return bw == 64 ? w : (w & (((uint64_t)1 << (bw & 63)) - 1));
}

/* Each up<T>_<BW>(in, out, ng) unpacks ng groups of 8 values; the caller
 * guarantees ng*BW + 8 readable bytes at in. */
#define DEF_UP(T, NAME, BW, GET)                                                                   \
    static void NAME##_##BW(const uint8_t *in, T *out, size_t ng)                                  \
    {                                                                                              \
        for (size_t g = 0; g < ng; g++) {                                                          \
            _Pragma("GCC unroll 8") for (unsigned i = 0; i < 8; i++) out[i] =                      \
                (T)GET(in, i * (BW), (BW));                                                        \
            in += (BW);                                                                            \
            out += 8;                                                                              \
        }                                                                                          \
    }

#define DEF_UP8(BW) DEF_UP(uint8_t, up8, BW, bits32)
#define DEF_UP16(BW) DEF_UP(uint16_t, up16, BW, bits32)
#define DEF_UP32(BW) DEF_UP(uint32_t, up32, BW, bits32)
#define DEF_UP64(BW) DEF_UP(uint64_t, up64, BW, bits64)

/* The repetition lists, kept by hand: clang-format does not settle on them. */
/* clang-format off */
#define REP8(M) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8)
#define REP16(M) REP8(M) M(9) M(10) M(11) M(12) M(13) M(14) M(15) M(16)
#define REP32(M) REP16(M) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) \
    M(25) M(26) M(27) M(28) M(29) M(30) M(31) M(32)
#define REP64(M) REP32(M) M(33) M(34) M(35) M(36) M(37) M(38) M(39) M(40) \
    M(41) M(42) M(43) M(44) M(45) M(46) M(47) M(48) M(49) M(50) M(51) M(52) \
    M(53) M(54) M(55) M(56) M(57) M(58) M(59) M(60) M(61) M(62) M(63) M(64)
/* clang-format on */

/* bw 1 into bytes: spread the 8 bits of a byte into 8 bytes at once. */
static void up8_1(const uint8_t *in, uint8_t *out, size_t ng)
{
    for (size_t g = 0; g < ng; g++) {
        uint64_t x = (in[g] * 0x0101010101010101ULL) & 0x8040201008040201ULL;
        x = ((x + 0x7f7f7f7f7f7f7f7fULL) >> 7) & 0x0101010101010101ULL;
        memcpy(out + 8 * g, &x, 8);
    }
}
DEF_UP8(2)
DEF_UP8(3)
DEF_UP8(4)
DEF_UP8(5)
DEF_UP8(6)
DEF_UP8(7)
DEF_UP8(8)
REP16(DEF_UP16)
REP32(DEF_UP32)
REP64(DEF_UP64)

#define TAB_ENTRY8(BW) up8_##BW,
#define TAB_ENTRY16(BW) up16_##BW,
#define TAB_ENTRY32(BW) up32_##BW,
#define TAB_ENTRY64(BW) up64_##BW,

typedef void (*up8_fn)(const uint8_t *, uint8_t *, size_t);
typedef void (*up16_fn)(const uint8_t *, uint16_t *, size_t);
typedef void (*up32_fn)(const uint8_t *, uint32_t *, size_t);
typedef void (*up64_fn)(const uint8_t *, uint64_t *, size_t);

static const up8_fn up8_tab[9] = {NULL, REP8(TAB_ENTRY8)};
static const up16_fn up16_tab[17] = {NULL, REP16(TAB_ENTRY16)};
static const up32_fn up32_tab[33] = {NULL, REP32(TAB_ENTRY32)};
static const up64_fn up64_tab[65] = {NULL, REP64(TAB_ENTRY64)};

/* groups<T>(in, avail, bw, out, ng): unpacks ng groups from in[0..avail).
 * Groups at least partly past avail read zeros for the missing bytes (the
 * caller has clipped the value count to what avail holds). */
#define DEF_GROUPS(T, NAME, TAB)                                                                   \
    static void NAME(const uint8_t *in, size_t avail, int bw, T *out, size_t ng)                   \
    {                                                                                              \
        if (bw == 0) {                                                                             \
            memset(out, 0, ng * 8 * sizeof(T));                                                    \
            return;                                                                                \
        }                                                                                          \
        size_t ubw = (size_t)bw, fast = avail >= 8 ? (avail - 8) / ubw : 0;                        \
        if (fast > ng)                                                                             \
            fast = ng;                                                                             \
        TAB[bw](in, out, fast);                                                                    \
        for (size_t g = fast; g < ng; g++) {                                                       \
            uint8_t tmp[64 + 16] = {0};                                                            \
            size_t at = g * ubw, have = avail > at ? avail - at : 0;                               \
            memcpy(tmp, in + at, have < ubw ? have : ubw);                                         \
            TAB[bw](tmp, out + 8 * g, 1);                                                          \
        }                                                                                          \
    }

DEF_GROUPS(uint8_t, groups8, up8_tab)
DEF_GROUPS(uint16_t, groups16, up16_tab)
DEF_GROUPS(uint32_t, groups32, up32_tab)
DEF_GROUPS(uint64_t, groups64, up64_tab)

static sm_err_t unpack_check(size_t len, int bw, int maxbw, size_t n, sm_error_t *e)
{
    if (bw < 0 || bw > maxbw)
        return sm_error_set(e, SM_ERR_INVALID, "bit width %d out of range 0..%d", bw, maxbw);
    size_t bits;
    if (!sm_size_mul(n, (size_t)bw, &bits) && n)
        return sm_error_set(e, SM_ERR_CORRUPT, "%zu values of %d bits overflow", n, bw);
    size_t need = bits / 8 + (bits % 8 != 0);
    if (len < need)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "bit-packed data of %zu values at %d bits needs %zu bytes, has %zu", n,
                            bw, need, len);
    return SM_OK;
}

sm_err_t sm_pq_unpack32(const uint8_t *in, size_t len, int bw, uint32_t *out, size_t n,
                        sm_error_t *e)
{
    sm_err_t rc = unpack_check(len, bw, 32, n, e);
    if (rc)
        return rc;
    size_t ng = n / 8, tail = n % 8;
    groups32(in, len, bw, out, ng);
    if (tail) {
        uint32_t tmp[8];
        size_t at = ng * (size_t)bw;
        groups32(in + at, len - at, bw, tmp, 1);
        memcpy(out + ng * 8, tmp, tail * sizeof tmp[0]);
    }
    return SM_OK;
}

sm_err_t sm_pq_unpack64(const uint8_t *in, size_t len, int bw, uint64_t *out, size_t n,
                        sm_error_t *e)
{
    sm_err_t rc = unpack_check(len, bw, 64, n, e);
    if (rc)
        return rc;
    size_t ng = n / 8, tail = n % 8;
    groups64(in, len, bw, out, ng);
    if (tail) {
        uint64_t tmp[8];
        size_t at = ng * (size_t)bw;
        groups64(in + at, len - at, bw, tmp, 1);
        memcpy(out + ng * 8, tmp, tail * sizeof tmp[0]);
    }
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* Packing                                                           */
/* ---------------------------------------------------------------- */

/* Packs n values (< 2^bw, bw <= 32) at w; returns the end (ceil(n*bw/8)
 * bytes written). */
#define DEF_PACK(T, NAME)                                                                          \
    static uint8_t *NAME(const T *v, size_t n, int bw, uint8_t *w)                                 \
    {                                                                                              \
        uint64_t acc = 0, mask = ((uint64_t)1 << bw) - 1;                                          \
        unsigned nb = 0;                                                                           \
        for (size_t i = 0; i < n; i++) {                                                           \
            acc |= ((uint64_t)v[i] & mask) << nb;                                                  \
            nb += (unsigned)bw;                                                                    \
            if (nb >= 32) {                                                                        \
                uint32_t lo = (uint32_t)acc;                                                       \
                memcpy(w, &lo, 4);                                                                 \
                w += 4;                                                                            \
                acc >>= 32;                                                                        \
                nb -= 32;                                                                          \
            }                                                                                      \
        }                                                                                          \
        for (; nb > 0; nb = nb > 8 ? nb - 8 : 0) {                                                 \
            *w++ = (uint8_t)acc;                                                                   \
            acc >>= 8;                                                                             \
        }                                                                                          \
        return w;                                                                                  \
    }

DEF_PACK(uint32_t, pack32)

/* pk<T>_<BW>(v, w, ng): packs ng whole groups of 8 values into ng*BW
 * bytes, with the width a compile-time constant (as for unpacking). */
#define DEF_PK(T, NAME, BW)                                                                        \
    static void NAME##_##BW(const T *v, uint8_t *w, size_t ng)                                     \
    {                                                                                              \
        const uint64_t mask = ((uint64_t)1 << (BW)) - 1;                                           \
        for (size_t g = 0; g < ng; g++, v += 8) {                                                  \
            uint64_t acc = 0;                                                                      \
            unsigned nb = 0;                                                                       \
            _Pragma("GCC unroll 8") for (unsigned i = 0; i < 8; i++)                               \
            {                                                                                      \
                acc |= ((uint64_t)v[i] & mask) << nb;                                              \
                nb += (BW);                                                                        \
                if (nb >= 32) {                                                                    \
                    uint32_t lo = (uint32_t)acc;                                                   \
                    memcpy(w, &lo, 4);                                                             \
                    w += 4;                                                                        \
                    acc >>= 32;                                                                    \
                    nb -= 32;                                                                      \
                }                                                                                  \
            }                                                                                      \
            for (; nb; nb -= 8) {                                                                  \
                *w++ = (uint8_t)acc;                                                               \
                acc >>= 8;                                                                         \
            }                                                                                      \
        }                                                                                          \
    }
#define DEF_PK8(BW) DEF_PK(uint8_t, pk8, BW)
#define DEF_PK16(BW) DEF_PK(uint16_t, pk16, BW)
#define DEF_PK32(BW) DEF_PK(uint32_t, pk32, BW)
REP8(DEF_PK8)
REP16(DEF_PK16)
REP32(DEF_PK32)
#define PK_ENTRY8(BW) pk8_##BW,
#define PK_ENTRY16(BW) pk16_##BW,
#define PK_ENTRY32(BW) pk32_##BW,
typedef void (*pk8_fn)(const uint8_t *, uint8_t *, size_t);
typedef void (*pk16_fn)(const uint16_t *, uint8_t *, size_t);
typedef void (*pk32_fn)(const uint32_t *, uint8_t *, size_t);
static const pk8_fn pk8_tab[9] = {NULL, REP8(PK_ENTRY8)};
static const pk16_fn pk16_tab[17] = {NULL, REP16(PK_ENTRY16)};
static const pk32_fn pk32_tab[33] = {NULL, REP32(PK_ENTRY32)};

void sm_pq_pack32(const uint32_t *in, size_t n, int bw, uint8_t *out)
{
    if (bw <= 0)
        return;
    pack32(in, n, bw > 32 ? 32 : bw, out);
}

void sm_pq_pack64(const uint64_t *in, size_t n, int bw, uint8_t *out)
{
    if (bw <= 0)
        return;
    if (bw > 64)
        bw = 64;
    unsigned __int128 acc = 0;
    uint64_t mask = bw == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);
    unsigned nb = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (unsigned __int128)(in[i] & mask) << nb;
        nb += (unsigned)bw;
        if (nb >= 64) {
            uint64_t lo = (uint64_t)acc;
            memcpy(out, &lo, 8);
            out += 8;
            acc >>= 64;
            nb -= 64;
        }
    }
    for (; nb > 0; nb = nb > 8 ? nb - 8 : 0) {
        *out++ = (uint8_t)acc;
        acc >>= 8;
    }
}

/* ---------------------------------------------------------------- */
/* RLE / bit-packed hybrid decoder                                   */
/* ---------------------------------------------------------------- */

sm_err_t sm_pq_rle_init(sm_pq_rle_decoder_t *d, const uint8_t *data, size_t len, int bw,
                        sm_error_t *e)
{
    memset(d, 0, sizeof *d);
    if (bw < 0 || bw > 32)
        return sm_error_set(e, SM_ERR_INVALID, "RLE bit width %d out of range 0..32", bw);
    d->data = data;
    d->len = len;
    d->bit_width = bw;
    return SM_OK;
}

sm_err_t sm_pq_rle_init_prefixed(sm_pq_rle_decoder_t *d, const uint8_t *data, size_t len, int bw,
                                 size_t *consumed, sm_error_t *e)
{
    memset(d, 0, sizeof *d);
    if (len < 4)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "RLE length prefix at offset 0: needs 4 bytes, has %zu", len);
    uint32_t n;
    memcpy(&n, data, 4);
    if (n > len - 4)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "RLE length prefix at offset 0 says %u bytes, only %zu follow", n,
                            len - 4);
    sm_err_t rc = sm_pq_rle_init(d, data + 4, n, bw, e);
    if (rc)
        return rc;
    d->base = 4;
    if (consumed)
        *consumed = 4 + (size_t)n;
    return SM_OK;
}

/* Reads the next run header. */
static sm_err_t next_run(sm_pq_rle_decoder_t *d, sm_error_t *e)
{
    if (d->truncated)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "bit-packed run at offset %zu claims %llu values but the data ends "
                            "at offset %zu",
                            d->base + d->run_at, (unsigned long long)d->run_claim,
                            d->base + d->len);
    if (d->pos >= d->len)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "RLE-hybrid data ends at offset %zu but more values are needed",
                            d->base + d->len);
    uint64_t h;
    d->run_at = d->pos;
    if (sm_pq_uleb_get(d->data, d->len, &d->pos, &h, NULL))
        return sm_error_set(e, SM_ERR_CORRUPT, "RLE-hybrid run header at offset %zu: bad varint",
                            d->base + d->run_at);
    size_t avail = d->len - d->pos;
    uint64_t cnt = h >> 1, bw = (uint64_t)d->bit_width;
    if (h & 1) { /* bit-packed: cnt groups of 8 */
        d->is_rle = 0;
        d->run_claim = cnt > (UINT64_MAX >> 4) ? UINT64_MAX : cnt * 8;
        if (bw == 0) {
            d->run_left = d->run_claim;
        } else if (cnt > avail / bw) {
            d->truncated = 1;
            d->run_left = (avail / bw) * 8 + ((avail % bw) * 8) / bw;
        } else {
            d->run_left = cnt * 8;
        }
        return SM_OK;
    }
    size_t nbytes = (size_t)(bw + 7) / 8;
    if (avail < nbytes)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "RLE run at offset %zu: value truncated (needs %zu bytes, has %zu)",
                            d->base + d->run_at, nbytes, avail);
    uint64_t v = 0;
    for (size_t i = 0; i < nbytes; i++)
        v |= (uint64_t)d->data[d->pos + i] << (8 * i);
    if (v >> bw)
        return sm_error_set(e, SM_ERR_CORRUPT, "RLE run at offset %zu: value %llu exceeds %d bits",
                            d->base + d->run_at, (unsigned long long)v, d->bit_width);
    d->pos += nbytes;
    d->is_rle = 1;
    d->value = (uint32_t)v;
    d->run_left = d->run_claim = cnt;
    return SM_OK;
}

/* Moves past ng whole bit-packed groups. */
static void skip_groups(sm_pq_rle_decoder_t *d, size_t ng)
{
    size_t bytes = ng * (size_t)d->bit_width, avail = d->len - d->pos;
    d->pos += bytes < avail ? bytes : avail;
    d->run_left -= ng * 8;
}

/* Decodes the next (possibly partial) group of a bit-packed run into
 * d->group. */
static void load_group(sm_pq_rle_decoder_t *d)
{
    groups32(d->data + d->pos, d->len - d->pos, d->bit_width, d->group, 1);
    unsigned k = d->run_left < 8 ? (unsigned)d->run_left : 8;
    d->group_pos = 0;
    d->group_len = k;
    d->run_left -= k;
    size_t avail = d->len - d->pos, bw = (size_t)d->bit_width;
    d->pos += bw < avail ? bw : avail;
}

#define DEF_RLE_GET(NAME, T, GROUPS, MAXBW)                                                        \
    sm_err_t NAME(sm_pq_rle_decoder_t *d, T *out, size_t n, sm_error_t *e)                         \
    {                                                                                              \
        if (d->bit_width > (MAXBW))                                                                \
            return sm_error_set(e, SM_ERR_INVALID, "RLE bit width %d too wide for %d-bit output",  \
                                d->bit_width, (int)(8 * sizeof(T)));                               \
        size_t done = 0;                                                                           \
        while (done < n) {                                                                         \
            if (d->group_pos < d->group_len) {                                                     \
                size_t k = d->group_len - d->group_pos;                                            \
                if (k > n - done)                                                                  \
                    k = n - done;                                                                  \
                for (size_t i = 0; i < k; i++)                                                     \
                    out[done + i] = (T)d->group[d->group_pos + i];                                 \
                d->group_pos += (unsigned)k;                                                       \
                done += k;                                                                         \
                continue;                                                                          \
            }                                                                                      \
            if (d->run_left == 0) {                                                                \
                sm_err_t rc = next_run(d, e);                                                      \
                if (rc)                                                                            \
                    return rc;                                                                     \
                continue;                                                                          \
            }                                                                                      \
            size_t want = n - done;                                                                \
            if (want > d->run_left)                                                                \
                want = (size_t)d->run_left;                                                        \
            if (d->is_rle) {                                                                       \
                T v = (T)d->value, *o = out + done;                                                \
                for (size_t i = 0; i < want; i++)                                                  \
                    o[i] = v;                                                                      \
                d->run_left -= want;                                                               \
                done += want;                                                                      \
                continue;                                                                          \
            }                                                                                      \
            size_t ng = want / 8;                                                                  \
            if (ng) {                                                                              \
                GROUPS(d->data + d->pos, d->len - d->pos, d->bit_width, out + done, ng);           \
                skip_groups(d, ng);                                                                \
                done += ng * 8;                                                                    \
            } else {                                                                               \
                load_group(d);                                                                     \
            }                                                                                      \
        }                                                                                          \
        return SM_OK;                                                                              \
    }

DEF_RLE_GET(sm_pq_rle_get8, uint8_t, groups8, 8)
DEF_RLE_GET(sm_pq_rle_get16, uint16_t, groups16, 16)
DEF_RLE_GET(sm_pq_rle_get32, uint32_t, groups32, 32)

sm_err_t sm_pq_rle_skip(sm_pq_rle_decoder_t *d, size_t n, sm_error_t *e)
{
    while (n) {
        if (d->group_pos < d->group_len) {
            size_t k = d->group_len - d->group_pos;
            if (k > n)
                k = n;
            d->group_pos += (unsigned)k;
            n -= k;
            continue;
        }
        if (d->run_left == 0) {
            sm_err_t rc = next_run(d, e);
            if (rc)
                return rc;
            continue;
        }
        size_t want = n < d->run_left ? n : (size_t)d->run_left;
        if (d->is_rle) {
            d->run_left -= want;
            n -= want;
        } else if (want >= 8) {
            skip_groups(d, want / 8);
            n -= want / 8 * 8;
        } else {
            load_group(d);
        }
    }
    return SM_OK;
}

sm_err_t sm_pq_rle_decode32(const uint8_t *data, size_t len, int bw, uint32_t *out, size_t n,
                            sm_error_t *e)
{
    sm_pq_rle_decoder_t d;
    sm_err_t rc = sm_pq_rle_init(&d, data, len, bw, e);
    if (rc)
        return rc;
    return sm_pq_rle_get32(&d, out, n, e);
}

sm_err_t sm_pq_check_indices(const uint32_t *idx, size_t n, uint32_t dict_len, sm_error_t *e)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= idx[i] >= dict_len;
    if (!bad)
        return SM_OK;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= dict_len)
            return sm_error_set(e, SM_ERR_CORRUPT,
                                "dictionary index %u at value %zu is out of range (dictionary "
                                "has %u entries)",
                                idx[i], i, dict_len);
    return SM_OK;
}

/* ---------------------------------------------------------------- */
/* RLE / bit-packed hybrid encoder                                   */
/* ---------------------------------------------------------------- */

#define RLE_MAX_RUN 0x7fffffffu /* values in one run */
#define RLE_MAX_GROUPS (RLE_MAX_RUN / 8)

size_t sm_pq_rle_max_size(size_t n, int bw)
{
    /* Every run but the last covers >= 8 values; each literal run costs a
     * 5-byte header at most, each RLE run 5 + 4 bytes; long runs split
     * every 2^28 groups. */
    size_t q = n / 8 + n / (1u << 27) + 4, per, out;
    per = 14 + (size_t)(bw < 0 ? 0 : bw);
    if (!sm_size_mul(q, per, &out))
        return SIZE_MAX;
    return out;
}

static uint8_t *put_rle(uint8_t *w, uint32_t v, size_t r, int bw)
{
    size_t nbytes = ((size_t)bw + 7) / 8;
    while (r) {
        size_t k = r < RLE_MAX_RUN ? r : RLE_MAX_RUN;
        w += sm_pq_uleb_put(w, (uint64_t)k << 1);
        for (size_t i = 0; i < nbytes; i++)
            *w++ = (uint8_t)(v >> (8 * i));
        r -= k;
    }
    return w;
}

/* Literal (bit-packed) runs of cnt values; the final group is padded.
 * bw > 0 here (bw 0 input is always one RLE run). */
#define DEF_PUT_LIT(T, NAME, TAB)                                                                  \
    static uint8_t *NAME(uint8_t *w, const T *v, size_t cnt, int bw)                               \
    {                                                                                              \
        while (cnt) {                                                                              \
            size_t ng = (cnt + 7) / 8;                                                             \
            if (ng > RLE_MAX_GROUPS)                                                               \
                ng = RLE_MAX_GROUPS;                                                               \
            size_t k = ng * 8 < cnt ? ng * 8 : cnt, full = k / 8;                                  \
            w += sm_pq_uleb_put(w, ((uint64_t)ng << 1) | 1);                                       \
            TAB[bw](v, w, full);                                                                   \
            w += full * (size_t)bw;                                                                \
            if (k % 8) {                                                                           \
                T tmp[8] = {0};                                                                    \
                memcpy(tmp, v + full * 8, (k % 8) * sizeof(T));                                    \
                TAB[bw](tmp, w, 1);                                                                \
                w += (size_t)bw;                                                                   \
            }                                                                                      \
            v += k;                                                                                \
            cnt -= k;                                                                              \
        }                                                                                          \
        return w;                                                                                  \
    }

DEF_PUT_LIT(uint8_t, put_lit8, pk8_tab)
DEF_PUT_LIT(uint16_t, put_lit16, pk16_tab)
DEF_PUT_LIT(uint32_t, put_lit32, pk32_tab)

/* The run choice: a run of >= 8 equal values becomes an RLE run, after
 * the pending literal values are topped up to a whole group with values
 * borrowed from the run (when >= 8 remain, else the whole run stays
 * literal).  The last run of the input is RLE whatever its length once
 * topped-up literals leave any of it (never larger than bit-packing).  The scan for the
 * next run of 8 is a branch-light counter over the values. */
#define DEF_RLE_ENC(T, NAME, PUTLIT)                                                               \
    static uint8_t *NAME(const T *v, size_t n, int bw, uint8_t *w)                                 \
    {                                                                                              \
        size_t lit = 0, i = 0;                                                                     \
        while (i < n) {                                                                            \
            size_t k = i + 1, run = 1;                                                             \
            for (; k < n; k++) {                                                                   \
                run = (run & (0 - (size_t)(v[k] == v[k - 1]))) + 1;                                \
                if (run == 8)                                                                      \
                    break;                                                                         \
            }                                                                                      \
            if (k >= n)                                                                            \
                break;                                                                             \
            size_t s = k - 7, j = k + 1;                                                           \
            T x = v[s];                                                                            \
            while (j < n && v[j] == x)                                                             \
                j++;                                                                               \
            size_t pend = s - lit, b = pend % 8 ? 8 - pend % 8 : 0;                                \
            if (j - s - b < 8) {                                                                   \
                i = j;                                                                             \
                continue;                                                                          \
            }                                                                                      \
            s += b;                                                                                \
            w = PUTLIT(w, v + lit, s - lit, bw);                                                   \
            w = put_rle(w, (uint32_t)x, j - s, bw);                                                \
            lit = i = j;                                                                           \
        }                                                                                          \
        if (lit < n) {                                                                             \
            size_t s = n - 1;                                                                      \
            while (s > lit && v[s - 1] == v[n - 1])                                                \
                s--;                                                                               \
            size_t b = (s - lit) % 8 ? 8 - (s - lit) % 8 : 0;                                      \
            if (s + b < n) {                                                                       \
                w = PUTLIT(w, v + lit, s + b - lit, bw);                                           \
                return put_rle(w, (uint32_t)v[n - 1], n - s - b, bw);                              \
            }                                                                                      \
        }                                                                                          \
        return PUTLIT(w, v + lit, n - lit, bw);                                                    \
    }

DEF_RLE_ENC(uint8_t, rle_enc8, put_lit8)
DEF_RLE_ENC(uint16_t, rle_enc16, put_lit16)
DEF_RLE_ENC(uint32_t, rle_enc32, put_lit32)

/* Checks bw and that every value fits; returns the first misfit's index
 * through the error. */
#define DEF_FITS(T, NAME)                                                                          \
    static sm_err_t NAME(const T *v, size_t n, int bw, sm_error_t *e)                              \
    {                                                                                              \
        if (bw < 0 || bw > 32)                                                                     \
            return sm_error_set(e, SM_ERR_INVALID, "RLE bit width %d out of range 0..32", bw);     \
        if ((size_t)bw >= 8 * sizeof(T))                                                           \
            return SM_OK;                                                                          \
        uint64_t all = 0;                                                                          \
        for (size_t i = 0; i < n; i++)                                                             \
            all |= v[i];                                                                           \
        if (!(all >> bw))                                                                          \
            return SM_OK;                                                                          \
        for (size_t i = 0; i < n; i++)                                                             \
            if ((uint64_t)v[i] >> bw)                                                              \
                return sm_error_set(e, SM_ERR_INVALID,                                             \
                                    "value %llu at index %zu does not fit in %d bits",             \
                                    (unsigned long long)v[i], i, bw);                              \
        return SM_OK;                                                                              \
    }

DEF_FITS(uint8_t, fits8)
DEF_FITS(uint16_t, fits16)
DEF_FITS(uint32_t, fits32)

/* Reserves room and returns where to write (after `prefix` bytes). */
static sm_err_t enc_reserve(sm_buf_t *out, size_t n, int bw, size_t prefix, sm_error_t *e)
{
    size_t max = sm_pq_rle_max_size(n, bw);
    if (max == SIZE_MAX || max > SIZE_MAX - prefix)
        return sm_error_set(e, SM_ERR_LIMIT, "RLE encoding of %zu values is too large", n);
    return sm_buf_reserve(out, max + prefix, e);
}

static sm_err_t enc_finish(sm_buf_t *out, uint8_t *w, int prefixed, sm_error_t *e)
{
    size_t start = out->len, total = (size_t)(w - (out->data + start));
    if (prefixed) {
        size_t body = total - 4;
        if (body > UINT32_MAX)
            return sm_error_set(e, SM_ERR_LIMIT, "RLE data of %zu bytes exceeds the u32 prefix",
                                body);
        uint32_t l = (uint32_t)body;
        memcpy(out->data + start, &l, 4);
    }
    out->len += total;
    out->data[out->len] = 0;
    return SM_OK;
}

#define DEF_RLE_PUBLIC(NAME, T, FITS, ENC, PREFIX)                                                 \
    sm_err_t NAME(const T *vals, size_t n, int bw, sm_buf_t *out, sm_error_t *e)                   \
    {                                                                                              \
        sm_err_t rc = FITS(vals, n, bw, e);                                                        \
        if (rc)                                                                                    \
            return rc;                                                                             \
        rc = enc_reserve(out, n, bw, (PREFIX), e);                                                 \
        if (rc)                                                                                    \
            return rc;                                                                             \
        uint8_t *w = ENC(vals, n, bw, out->data + out->len + (PREFIX));                            \
        return enc_finish(out, w, (PREFIX) != 0, e);                                               \
    }

DEF_RLE_PUBLIC(sm_pq_rle_encode, uint32_t, fits32, rle_enc32, 0)
DEF_RLE_PUBLIC(sm_pq_rle_encode16, uint16_t, fits16, rle_enc16, 0)
DEF_RLE_PUBLIC(sm_pq_rle_encode8, uint8_t, fits8, rle_enc8, 0)
DEF_RLE_PUBLIC(sm_pq_rle_encode_prefixed, uint32_t, fits32, rle_enc32, 4)
DEF_RLE_PUBLIC(sm_pq_rle_encode16_prefixed, uint16_t, fits16, rle_enc16, 4)

sm_err_t sm_pq_rle_encode_repeat(uint32_t v, size_t n, int bw, bool prefixed, sm_buf_t *out,
                                 sm_error_t *e)
{
    sm_err_t rc = fits32(&v, 1, bw, e);
    if (rc)
        return rc;
    /* each run of at most RLE_MAX_RUN values: a varint header and 4 bytes */
    size_t prefix = prefixed ? 4 : 0, runs = n / RLE_MAX_RUN + 1;
    if ((rc = sm_buf_reserve(out, prefix + runs * 14, e)))
        return rc;
    uint8_t *w = put_rle(out->data + out->len + prefix, v, n, bw);
    return enc_finish(out, w, prefixed, e);
}
