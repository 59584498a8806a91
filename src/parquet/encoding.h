/*
 * parquet/encoding — Parquet value and level encodings on raw arrays.
 *
 * What it is for: turning the bytes of a (decompressed) Parquet page into
 * plain C arrays and back.  It knows nothing of schemas, pages or vectors:
 * callers hand in a byte range and a value count and get arrays out.
 *
 *   RLE / bit-packed hybrid (levels, dictionary indices, RLE booleans)
 *       run := varint(len<<1) value[ceil(bw/8) LE]          (RLE run)
 *            | varint((len/8)<<1 | 1) groups[len/8 * bw B]  (bit-packed)
 *       8 values per group, packed LSB first; optional u32 LE length prefix.
 *   PLAIN        fixed-width LE values; BOOLEAN bit-packed LSB first;
 *                BYTE_ARRAY = u32 LE length + bytes; INT96 = u64 LE
 *                nanoseconds-of-day + u32 LE Julian day.
 *   DELTA_BINARY_PACKED
 *       header := varint(block) varint(miniblocks) varint(total)
 *                 zigzag-varint(first)
 *       block  := zigzag-varint(min_delta) u8 width[miniblocks]
 *                 miniblock bodies (values_per_miniblock * width bits each)
 *   DELTA_LENGTH_BYTE_ARRAY  DELTA_BINARY_PACKED lengths, then the bytes.
 *   DELTA_BYTE_ARRAY         DELTA_BINARY_PACKED prefix lengths, then the
 *                            suffixes as DELTA_LENGTH_BYTE_ARRAY.
 *   BYTE_STREAM_SPLIT        byte k of value i at k*N + i (N values).
 *
 * Invariants and safety: every decoder is given the exact byte range it may
 * read and a value count (or an output capacity); it never reads outside
 * the range, never writes more values than asked, never loops without
 * consuming input, and reports corrupt input as an error whose message
 * names the byte offset (relative to the start of the range it was given;
 * callers prefix page/file context with sm_error_wrap).  Arithmetic on
 * untrusted values is done in unsigned types (wrap-around where the format
 * says so).  Byte-array outputs are Arrow-style: int32 offsets (n + 1 of
 * them) into one contiguous data buffer.  The host must be little-endian.
 *
 * Ownership: input bytes are borrowed and must outlive the decoder that
 * points into them.  Output arrays are the caller's.  Decoders that
 * allocate (DLBA, DBA) say so and have a _free.  Encoders append to a
 * caller-owned sm_buf_t.
 *
 * Threads: no shared state; a decoder or encoder belongs to one thread at
 * a time, distinct ones may run in parallel.
 */
#ifndef SM_PQ_ENCODING_H
#define SM_PQ_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* ------------------------------------------------------------------ */
/* Bit packing                                                         */
/* ------------------------------------------------------------------ */

/* ULEB128 varint (RLE run headers, DELTA headers).  get reads at
 * in[*pos] (at most 10 bytes, the value must fit 64 bits), advances *pos;
 * SM_ERR_CORRUPT naming the offset for a truncated or overlong varint.
 * put writes at most 10 bytes and returns how many. */
sm_err_t sm_pq_uleb_get(const uint8_t *in, size_t len, size_t *pos, uint64_t *out, sm_error_t *e);
size_t sm_pq_uleb_put(uint8_t *out, uint64_t v);

/* Number of bits needed to store max_value (0 for 0, 64 for UINT64_MAX). */
int sm_pq_bit_width(uint64_t max_value);

/* Unpacks n values of bw bits (LSB first, the RLE-hybrid order) from
 * in[0..len).  bw must be 0..32 (unpack32) or 0..64 (unpack64).  Fails with
 * SM_ERR_CORRUPT when len < ceil(n*bw/8), SM_ERR_INVALID for a bad bw;
 * out is then unspecified. */
sm_err_t sm_pq_unpack32(const uint8_t *in, size_t len, int bw, uint32_t *out, size_t n,
                        sm_error_t *e);
sm_err_t sm_pq_unpack64(const uint8_t *in, size_t len, int bw, uint64_t *out, size_t n,
                        sm_error_t *e);

/* Packs n values into ceil(n*bw/8) bytes at out (bits above bw are
 * ignored; the last byte is zero-padded).  Cannot fail. */
void sm_pq_pack32(const uint32_t *in, size_t n, int bw, uint8_t *out);
void sm_pq_pack64(const uint64_t *in, size_t n, int bw, uint8_t *out);

/* ------------------------------------------------------------------ */
/* RLE / bit-packed hybrid                                             */
/* ------------------------------------------------------------------ */

/* Decoder state; treat the fields as private. */
typedef struct sm_pq_rle_decoder {
    const uint8_t *data; /* borrowed: the runs */
    size_t len;
    size_t pos;         /* next run header or next undecoded bit-packed group */
    size_t base;        /* added to offsets in error messages */
    size_t run_at;      /* offset of the current run's header */
    uint64_t run_left;  /* undecoded values left in the current run */
    uint64_t run_claim; /* values the current run's header claims */
    uint32_t value;     /* the repeated value of an RLE run */
    int bit_width;
    int is_rle;
    int truncated; /* current bit-packed run is cut short by the end of data */
    unsigned group_pos, group_len;
    uint32_t group[8]; /* decoded, not yet delivered values of one group */
} sm_pq_rle_decoder_t;

/* Starts decoding the runs in data[0..len) with bit width bw (0..32).
 * Fails (SM_ERR_INVALID) only for a bad bit width. */
sm_err_t sm_pq_rle_init(sm_pq_rle_decoder_t *d, const uint8_t *data, size_t len, int bw,
                        sm_error_t *e);

/* Same for data that starts with a u32 LE byte length (v1 levels, RLE
 * booleans).  *consumed receives 4 + that length: where the next section
 * of the page starts.  Fails with SM_ERR_CORRUPT if the length runs past
 * len. */
sm_err_t sm_pq_rle_init_prefixed(sm_pq_rle_decoder_t *d, const uint8_t *data, size_t len, int bw,
                                 size_t *consumed, sm_error_t *e);

/* Decodes exactly the next n values.  A run longer than needed is kept for
 * the next call.  Fails with SM_ERR_CORRUPT (offset in the message) when
 * the data ends before n values or a run is malformed, SM_ERR_INVALID when
 * the bit width is too wide for the output type (get8: bw <= 8, get16: bw
 * <= 16).  On failure out[0..n) is unspecified and the decoder must not be
 * used again.  Every decoded value is < 2^bw. */
sm_err_t sm_pq_rle_get32(sm_pq_rle_decoder_t *d, uint32_t *out, size_t n, sm_error_t *e);
sm_err_t sm_pq_rle_get16(sm_pq_rle_decoder_t *d, uint16_t *out, size_t n, sm_error_t *e);
sm_err_t sm_pq_rle_get8(sm_pq_rle_decoder_t *d, uint8_t *out, size_t n, sm_error_t *e);

/* Skips the next n values, with the same checks as get. */
sm_err_t sm_pq_rle_skip(sm_pq_rle_decoder_t *d, size_t n, sm_error_t *e);

/* One-shot: decodes n values of runs in data[0..len) into out. */
sm_err_t sm_pq_rle_decode32(const uint8_t *data, size_t len, int bw, uint32_t *out, size_t n,
                            sm_error_t *e);

/* Checks that each of n dictionary indices is < dict_len
 * (SM_ERR_CORRUPT naming the first bad index otherwise). */
sm_err_t sm_pq_check_indices(const uint32_t *idx, size_t n, uint32_t dict_len, sm_error_t *e);

/* Upper bound of the encoded size of n values at bit width bw (without a
 * length prefix); SIZE_MAX if it overflows. */
size_t sm_pq_rle_max_size(size_t n, int bw);

/* Appends the RLE-hybrid encoding of vals[0..n) at bit width bw (0..32):
 * runs of >= 8 equal values become RLE runs, the rest bit-packed runs of
 * whole groups of 8 (the last group zero-padded).  bw 0 emits one RLE run
 * header (varint(n<<1)) when n > 0.  Fails with SM_ERR_INVALID when a
 * value does not fit in bw bits or bw is out of range, SM_ERR_NOMEM /
 * SM_ERR_LIMIT when out cannot grow; out keeps its old length then. */
sm_err_t sm_pq_rle_encode(const uint32_t *vals, size_t n, int bw, sm_buf_t *out, sm_error_t *e);
sm_err_t sm_pq_rle_encode16(const uint16_t *vals, size_t n, int bw, sm_buf_t *out, sm_error_t *e);
sm_err_t sm_pq_rle_encode8(const uint8_t *vals, size_t n, int bw, sm_buf_t *out, sm_error_t *e);
/* Same, preceded by the u32 LE byte length (v1 levels, RLE booleans). */
sm_err_t sm_pq_rle_encode_prefixed(const uint32_t *vals, size_t n, int bw, sm_buf_t *out,
                                   sm_error_t *e);
sm_err_t sm_pq_rle_encode16_prefixed(const uint16_t *vals, size_t n, int bw, sm_buf_t *out,
                                     sm_error_t *e);
/* Appends n copies of v (n > 0), preceded by the u32 LE byte length when
 * prefixed: the same bytes as sm_pq_rle_encode[_prefixed] of those values
 * (one RLE run), without the values in memory.  Fails as those do. */
sm_err_t sm_pq_rle_encode_repeat(uint32_t v, size_t n, int bw, bool prefixed, sm_buf_t *out,
                                 sm_error_t *e);

/* ------------------------------------------------------------------ */
/* PLAIN                                                               */
/* ------------------------------------------------------------------ */
/* Decoders read at in[*pos], check that in[0..len) holds all n values
 * (SM_ERR_CORRUPT naming the offset otherwise, *pos unchanged) and advance
 * *pos past them on success. */

/* BOOLEAN: values bit_off .. bit_off+n of the bit-packed run starting at
 * in[*pos], one 0/1 byte per value.  *pos is not advanced (booleans do not
 * end on byte boundaries): the caller keeps bit_off and, at the end, skips
 * ceil(total/8) bytes. */
sm_err_t sm_pq_plain_get_bools(const uint8_t *in, size_t len, size_t pos, size_t bit_off, size_t n,
                               uint8_t *out, sm_error_t *e);
/* Same, into an LSB-first bitmap at bit out_off (Arrow validity/bool
 * layout); other bits of the bitmap are preserved. */
sm_err_t sm_pq_plain_get_bool_bits(const uint8_t *in, size_t len, size_t pos, size_t bit_off,
                                   size_t n, uint8_t *bitmap, size_t out_off, sm_error_t *e);

/* Fixed-width values of `width` bytes (INT32 4, INT64 8, FLOAT 4, DOUBLE 8,
 * INT96 12, FLBA type_length) copied to out (n * width bytes). */
sm_err_t sm_pq_plain_get_fixed(const uint8_t *in, size_t len, size_t *pos, size_t n, size_t width,
                               void *out, sm_error_t *e);
sm_err_t sm_pq_plain_get_i32(const uint8_t *in, size_t len, size_t *pos, size_t n, int32_t *out,
                             sm_error_t *e);
sm_err_t sm_pq_plain_get_i64(const uint8_t *in, size_t len, size_t *pos, size_t n, int64_t *out,
                             sm_error_t *e);
sm_err_t sm_pq_plain_get_float(const uint8_t *in, size_t len, size_t *pos, size_t n, float *out,
                               sm_error_t *e);
sm_err_t sm_pq_plain_get_double(const uint8_t *in, size_t len, size_t *pos, size_t n, double *out,
                                sm_error_t *e);

/* INT96 timestamps converted to microseconds since 1970-01-01 UTC
 * (sub-microsecond digits truncated).  SM_ERR_CORRUPT when nanoseconds-of-
 * day is outside [0, 86400e9), SM_ERR_OVERFLOW when the instant does not
 * fit int64 microseconds; the message names the value index. */
sm_err_t sm_pq_plain_get_int96_micros(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                      int64_t *out, sm_error_t *e);

/* BYTE_ARRAY: offsets[0..n] (offsets[0] = data->len on entry, then
 * offsets[i+1] = offsets[i] + length of value i) and the bytes appended to
 * data.  Fails with SM_ERR_CORRUPT for a truncated value, SM_ERR_OVERFLOW
 * when data would pass INT32_MAX bytes, SM_ERR_LIMIT/NOMEM when data
 * cannot grow; data and *pos are then unchanged. */
sm_err_t sm_pq_plain_get_binary(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                int32_t *offsets, sm_buf_t *data, sm_error_t *e);
/* Walks n BYTE_ARRAY values without copying: starts[i] is the offset in
 * `in` of value i's bytes, lens[i] its length (either array may be NULL,
 * e.g. to skip values). */
sm_err_t sm_pq_plain_scan_binary(const uint8_t *in, size_t len, size_t *pos, size_t n,
                                 uint32_t *starts, uint32_t *lens, sm_error_t *e);

/* Encoders append to out; they fail only with SM_ERR_NOMEM/SM_ERR_LIMIT
 * (or as stated), leaving out's length unchanged. */
/* n 0/1 bytes (any non-zero byte is true), bit-packed LSB first. */
sm_err_t sm_pq_plain_put_bools(const uint8_t *vals, size_t n, sm_buf_t *out, sm_error_t *e);
/* n bits of an LSB-first bitmap starting at bit_off. */
sm_err_t sm_pq_plain_put_bool_bits(const uint8_t *bitmap, size_t bit_off, size_t n, sm_buf_t *out,
                                   sm_error_t *e);
sm_err_t sm_pq_plain_put_fixed(const void *vals, size_t n, size_t width, sm_buf_t *out,
                               sm_error_t *e);
/* Values i in [0, n): data[offsets[i] .. offsets[i+1]).  SM_ERR_INVALID
 * when an offset pair is decreasing. */
sm_err_t sm_pq_plain_put_binary(const int32_t *offsets, const uint8_t *data, size_t n,
                                sm_buf_t *out, sm_error_t *e);

/* INT96 <-> microseconds since the epoch for one 12-byte value.  The
 * decoder returns SM_ERR_CORRUPT / SM_ERR_OVERFLOW as described above
 * (e may be NULL).  Julian day 2440588 is 1970-01-01. */
#define SM_PQ_JULIAN_EPOCH_DAY 2440588
sm_err_t sm_pq_int96_to_micros(const uint8_t b[12], int64_t *out, sm_error_t *e);
void sm_pq_int96_from_micros(int64_t micros, uint8_t b[12]);

/* ------------------------------------------------------------------ */
/* Conversions readers and writers need                                */
/* ------------------------------------------------------------------ */

/* Big-endian two's complement (DECIMAL in FLBA / BYTE_ARRAY) of len bytes
 * to __int128.  len 0 is 0.  More than 16 bytes are accepted when the
 * extra leading bytes are pure sign extension, else SM_ERR_OVERFLOW. */
sm_err_t sm_pq_decimal_from_be(const uint8_t *b, size_t len, __int128 *out, sm_error_t *e);
/* Writes v as len big-endian two's complement bytes (1..16); fails with
 * SM_ERR_OVERFLOW when v does not fit in len bytes. */
sm_err_t sm_pq_decimal_to_be(__int128 v, size_t len, uint8_t *out, sm_error_t *e);
/* Fewest bytes holding every decimal of `precision` digits (1..38):
 * 1 → 1, 9 → 4, 18 → 8, 38 → 16; 0 for a precision out of range. */
int sm_pq_decimal_min_bytes(int precision);
/* Narrow INT32 to int8/int16 (INT(8)/INT(16) columns); SM_ERR_OVERFLOW
 * naming the first index out of range. */
sm_err_t sm_pq_narrow_i8(const int32_t *in, size_t n, int8_t *out, sm_error_t *e);
sm_err_t sm_pq_narrow_i16(const int32_t *in, size_t n, int16_t *out, sm_error_t *e);

/* ------------------------------------------------------------------ */
/* DELTA_BINARY_PACKED                                                 */
/* ------------------------------------------------------------------ */

#define SM_PQ_DELTA_MAX_MINIBLOCKS 256
#define SM_PQ_DELTA_MAX_BLOCK 65536

typedef struct sm_pq_delta_decoder {
    const uint8_t *data; /* borrowed */
    size_t len;
    size_t pos; /* next unread byte (block header or miniblock body) */
    size_t end; /* end of the last miniblock used so far */
    int is64;   /* INT64 (1) or INT32 (0) */
    uint32_t block_size, miniblocks, mb_size;
    uint64_t total; /* values in the stream (header) */
    uint64_t left;  /* values not yet delivered */
    uint64_t last;  /* last value produced, unsigned (wrap-around) */
    uint64_t min_delta;
    uint32_t mb_index; /* current miniblock in the block */
    uint32_t mb_left;  /* undecoded values left in the current miniblock */
    int first_pending; /* the header's first value is not yet delivered */
    unsigned buf_pos, buf_len;
    uint64_t buf[64]; /* decoded, not yet delivered values */
    uint8_t widths[SM_PQ_DELTA_MAX_MINIBLOCKS];
} sm_pq_delta_decoder_t;

/* Reads the header of a DELTA_BINARY_PACKED stream in data[0..len).
 * is64 selects INT64 (deltas up to 64 bits) or INT32 (up to 32 bits,
 * arithmetic mod 2^32).  Fails with SM_ERR_CORRUPT for a malformed or
 * truncated header, SM_ERR_UNSUPPORTED for a block of more than
 * SM_PQ_DELTA_MAX_BLOCK values or more than
 * SM_PQ_DELTA_MAX_MINIBLOCKS miniblocks.  d->total is the value count. */
sm_err_t sm_pq_delta_init(sm_pq_delta_decoder_t *d, const uint8_t *data, size_t len, int is64,
                          sm_error_t *e);
/* Decodes the next n values (n <= values left, else SM_ERR_CORRUPT).
 * get32 needs an INT32 decoder, get64 an INT64 one (SM_ERR_INVALID). */
sm_err_t sm_pq_delta_get32(sm_pq_delta_decoder_t *d, int32_t *out, size_t n, sm_error_t *e);
sm_err_t sm_pq_delta_get64(sm_pq_delta_decoder_t *d, int64_t *out, size_t n, sm_error_t *e);
sm_err_t sm_pq_delta_skip(sm_pq_delta_decoder_t *d, size_t n, sm_error_t *e);
/* Consumes any values left and sets *end to the offset just past the
 * stream (where the next section, e.g. DLBA bytes, starts). */
sm_err_t sm_pq_delta_finish(sm_pq_delta_decoder_t *d, size_t *end, sm_error_t *e);

/* Appends the DELTA_BINARY_PACKED encoding of v[0..n) (block 128, 4
 * miniblocks of 32).  Fails only with SM_ERR_NOMEM / SM_ERR_LIMIT. */
sm_err_t sm_pq_delta_encode32(const int32_t *v, size_t n, sm_buf_t *out, sm_error_t *e);
sm_err_t sm_pq_delta_encode64(const int64_t *v, size_t n, sm_buf_t *out, sm_error_t *e);

/* ------------------------------------------------------------------ */
/* DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY                        */
/* ------------------------------------------------------------------ */

/* Decodes all lengths up front (one int32 array of total+1 offsets, owned
 * by the decoder) and then hands out values.  The value bytes stay in the
 * page: value i is bytes[offsets[i] .. offsets[i+1]) (zero-copy access). */
typedef struct sm_pq_dlba_decoder {
    const uint8_t *bytes; /* borrowed: start of the concatenated values */
    int32_t *offsets;     /* owned, count + 1 entries */
    size_t count;         /* values in the stream */
    size_t next;          /* next value to hand out */
    size_t end;           /* offset in the input just past the stream */
} sm_pq_dlba_decoder_t;

/* Reads a DELTA_LENGTH_BYTE_ARRAY stream in data[0..len).  Fails with
 * SM_ERR_LIMIT when it holds more than max_values values, SM_ERR_CORRUPT
 * for negative lengths or bytes past len, SM_ERR_NOMEM.  On failure
 * nothing needs freeing; on success call sm_pq_dlba_free. */
sm_err_t sm_pq_dlba_init(sm_pq_dlba_decoder_t *d, const uint8_t *data, size_t len,
                         size_t max_values, sm_error_t *e);
/* Next n values as offsets[0..n] (offsets[0] = data->len on entry) plus
 * bytes appended to data.  Same failures as sm_pq_plain_get_binary,
 * and SM_ERR_CORRUPT when fewer than n values are left. */
sm_err_t sm_pq_dlba_get(sm_pq_dlba_decoder_t *d, size_t n, int32_t *offsets, sm_buf_t *data,
                        sm_error_t *e);
sm_err_t sm_pq_dlba_skip(sm_pq_dlba_decoder_t *d, size_t n, sm_error_t *e);
void sm_pq_dlba_free(sm_pq_dlba_decoder_t *d);

typedef struct sm_pq_dba_decoder {
    int32_t *prefix;          /* owned: prefix length of each value */
    sm_pq_dlba_decoder_t sfx; /* the suffixes */
    sm_buf_t prev;            /* owned: the previous value */
    size_t count, next;
    size_t end; /* offset just past the stream */
} sm_pq_dba_decoder_t;

/* Reads a DELTA_BYTE_ARRAY stream in data[0..len) (at most max_values
 * values; prefix and suffix counts must agree).  Errors as dlba_init. */
sm_err_t sm_pq_dba_init(sm_pq_dba_decoder_t *d, const uint8_t *data, size_t len, size_t max_values,
                        sm_error_t *e);
/* Next n values, rebuilt, as offsets + bytes appended to data.  Fails with
 * SM_ERR_CORRUPT when a prefix is longer than the previous value, plus
 * the failures of sm_pq_plain_get_binary. */
sm_err_t sm_pq_dba_get(sm_pq_dba_decoder_t *d, size_t n, int32_t *offsets, sm_buf_t *data,
                       sm_error_t *e);
sm_err_t sm_pq_dba_skip(sm_pq_dba_decoder_t *d, size_t n, sm_error_t *e);
void sm_pq_dba_free(sm_pq_dba_decoder_t *d);

/* Encoders for values given as offsets[0..n] into data. */
sm_err_t sm_pq_dlba_encode(const int32_t *offsets, const uint8_t *data, size_t n, sm_buf_t *out,
                           sm_error_t *e);
sm_err_t sm_pq_dba_encode(const int32_t *offsets, const uint8_t *data, size_t n, sm_buf_t *out,
                          sm_error_t *e);

/* ------------------------------------------------------------------ */
/* BYTE_STREAM_SPLIT                                                   */
/* ------------------------------------------------------------------ */

/* The stream in data[0..len) holds N = len / width values of `width`
 * bytes (4: FLOAT/INT32, 8: DOUBLE/INT64, or an FLBA type_length).
 * Decodes values start .. start+n into out (n * width bytes).  Fails with
 * SM_ERR_CORRUPT when len is not a multiple of width or start + n > N,
 * SM_ERR_INVALID for width 0. */
sm_err_t sm_pq_bss_get(const uint8_t *data, size_t len, size_t width, size_t start, size_t n,
                       void *out, sm_error_t *e);
/* Appends the BYTE_STREAM_SPLIT encoding of n values of width bytes. */
sm_err_t sm_pq_bss_put(const void *vals, size_t n, size_t width, sm_buf_t *out, sm_error_t *e);

#endif
