/*
 * parquet/writer_int — the writer's private parts: the encoder of one
 * column chunk (writer_column.c) and the shredder that turns nested
 * vectors into levels (writer_shred.c).  Not for use outside parquet/.
 */
#ifndef SM_PARQUET_WRITER_INT_H
#define SM_PARQUET_WRITER_INT_H

#include "core/hashtable.h"
#include "parquet/schema.h"
#include "parquet/writer.h"

/* Min/max/null tracking in the physical domain of a leaf. */
typedef struct sm_pq_stat {
    bool has; /* a non-null, non-NaN value was seen */
    int64_t nulls;
    int64_t values;
    union {
        int64_t i; /* BOOLEAN, INT32, INT64 */
        double d;  /* FLOAT, DOUBLE */
        sm_i128 q; /* decimals in FIXED_LEN_BYTE_ARRAY */
    } min, max;
    sm_buf_t bmin, bmax; /* BYTE_ARRAY */
    uint64_t kmin, kmax; /* BYTE_ARRAY: first 8 bytes of bmin/bmax, big-endian, zero-padded */
} sm_pq_stat_t;

/* One entry of the cache in front of a fixed-width dictionary's hash table
 * (values outside the integer direct map): a value's bits and its index in
 * the chunk's dictionary, valid while gen is the column's current
 * generation (bumped when the dictionary is cleared). */
typedef struct sm_pq_dcache {
    uint64_t bits;
    uint32_t ix;
    uint32_t gen;
} sm_pq_dcache_t;

/* One entry of the cache in front of a byte-string dictionary: a value's
 * hash, length and index, and where its bytes are in dict_plain (the
 * comparison of a hit reads them there); valid while gen is the column's
 * current generation. */
typedef struct sm_pq_bcache {
    uint64_t hash;
    uint32_t off; /* offset of the value's bytes in dict_plain */
    uint32_t len;
    uint32_t ix;
    uint32_t gen;
} sm_pq_bcache_t;

/* The encoder of one leaf's column chunk within the current row group. */
typedef struct sm_pq_colw {
    const sm_pq_leaf_t *leaf;
    const sm_pq_writer_opts_t *opts;
    sm_pq_codec_t *codec; /* the codec of the thread running this encoder (set by the writer) */
    /* the page being filled */
    sm_buf_t def, rep; /* uint16 levels */
    size_t def_run;    /* levels after those in def, all max_def, not stored yet */
    size_t page_levels, page_nulls, page_rows;
    sm_buf_t plain; /* PLAIN values */
    sm_buf_t idx;   /* uint32 dictionary indices */
    /* the chunk's dictionary */
    bool dict_on, dict_in_chunk;
    sm_ht64_t *dict64;
    sm_pq_dcache_t *dcache; /* dict64's direct-mapped front (DCACHE_SLOTS entries) */
    sm_pq_bcache_t *bcache; /* dictb's direct-mapped front (BCACHE_SLOTS entries) */
    uint32_t dcache_gen;    /* entries of other generations in either cache are empty */
    /* integer leaves: values in [dmap_base, dmap_base + DMAP_SPAN), a window
     * set by the chunk's first value, are looked up in dmap (value - base →
     * dictionary index + 1, 0 = absent) instead of dict64; values outside
     * it always in dict64 */
    bool dmap_ok, dmap_set;
    int64_t dmap_base;
    uint32_t *dmap;
    size_t dmap_len; /* entries allocated (and zeroed) so far */
    sm_ht_t *dictb;  /* BYTE_ARRAY/FIXED_LEN: value -> index | (offset of its bytes in
                        dict_plain, or UINT32_MAX past 4 GiB) << 32 */
    sm_buf_t dict_plain;
    uint32_t dict_count;
    /* encoded pages of the chunk (dictionary page kept apart) */
    sm_buf_t pages;
    int64_t chunk_levels, pages_uncompressed;
    int32_t dict_pages, plain_pages;
    sm_pq_stat_t chunk, file;
    sm_buf_t scratch, comp;
    sm_buf_t packed; /* a page's bit-packed values (dictionary indices, booleans) */
    /* set by sm_pq_colw_seal: the chunk's last page is in `pages` and its
     * dictionary page (header + compressed values) in dict_page */
    bool sealed;
    sm_buf_t dict_page;
    size_t dict_header_len;
} sm_pq_colw_t;

sm_err_t sm_pq_colw_init(sm_pq_colw_t *c, const sm_pq_leaf_t *leaf, const sm_pq_writer_opts_t *opts,
                         sm_pq_codec_t *codec, sm_error_t *e);
void sm_pq_colw_free(sm_pq_colw_t *c);

/* Adds n levels and the non-null values they define: values are rows
 * idx[0..nv) of the leaf vector v (idx NULL = rows start..start+nv).  def
 * or rep may be NULL when the leaf has no such levels (then n == nv). */
sm_err_t sm_pq_colw_add(sm_pq_colw_t *c, const uint16_t *def, const uint16_t *rep, size_t n,
                        size_t rows, const sm_vector_t *v, const uint32_t *idx, size_t start,
                        size_t nv, sm_error_t *e);

/* Closes the current page if it is full (call at row boundaries). */
sm_err_t sm_pq_colw_maybe_flush(sm_pq_colw_t *c, sm_error_t *e);

/* Bytes buffered for the row group (pages + the open page + dictionary). */
size_t sm_pq_colw_buffered(const sm_pq_colw_t *c);

/* Closes the chunk's last page and builds its dictionary page, so that
 * sm_pq_colw_finish only copies bytes out.  The CPU-heavy half of ending a
 * chunk: encoders of different leaves may be sealed on different threads
 * at once (each uses only its own state and c->codec).  No rows may be
 * added between seal and finish. */
sm_err_t sm_pq_colw_seal(sm_pq_colw_t *c, sm_error_t *e);

/* Ends the chunk (sealing it first if needed): writes [dictionary page] + pages through `out` (the
 * store writer), fills the ColumnChunk (offsets relative to the file) with
 * memory from `arena`, and resets the encoder for the next row group. */
sm_err_t sm_pq_colw_finish(sm_pq_colw_t *c, sm_store_writer_t *out, sm_arena_t *arena,
                           sm_pq_column_chunk_t *cc, sm_error_t *e);

/* File-level statistics (after the last finish). */
void sm_pq_colw_file_stats(sm_pq_colw_t *c, sm_pq_leaf_stats_t *out);

/* Widens [*lo, *hi] to the leaf numbers under n (start with lo =
 * INT32_MAX, hi = -1; hi < lo afterwards means no leaf). */
void sm_pq_node_leaf_range(const sm_pq_node_t *n, int32_t *lo, int32_t *hi);

/* Shreds rows [0, v->len) of a top-level column vector into the levels and
 * value positions of every leaf under `node`, feeding each leaf's encoder
 * (cols indexed by leaf number). */
sm_err_t sm_pq_shred(const sm_pq_node_t *node, const sm_vector_t *v, sm_pq_colw_t *cols,
                     sm_error_t *e);

#endif
