/*
 * parquet/reader_int — private pieces of the Parquet reader shared by
 * reader.c (open, projection, row groups, batches), reader_page.c (one
 * column chunk: pages, levels, values), reader_assemble.c (record
 * assembly) and reader_prune.c (statistics).  Not for other modules.
 *
 * A column chunk reader (sm_pqr_col_t) walks the pages of one leaf's chunk
 * in one row group and appends, per batch, level entries and the dense
 * (non-null) values of the leaf, already converted to the leaf's columnar
 * type, to a stream (sm_pqr_stream_t).  Assembly turns the streams of a
 * top-level column into its vector.
 */
#ifndef SM_PARQUET_READER_INT_H
#define SM_PARQUET_READER_INT_H

#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/reader.h"

#define SM_PQR_PEND_CAP 4096

/* Limits shared by the column readers of one file. */
typedef struct sm_pqr_limits {
    size_t max_page;   /* decompressed page bytes */
    size_t max_levels; /* level entries per column per batch */
    size_t max_bytes;  /* string bytes per column per batch */
    bool verify_crc;
} sm_pqr_limits_t;

/* Level entries and dense values of one leaf for one batch. */
typedef struct sm_pqr_stream {
    uint16_t *def, *rep; /* NULL when the leaf has no such levels */
    size_t n, cap;       /* entries */
    sm_vector_t *vals;   /* builder of the leaf's type: dense non-null values */
    sm_buf_t data;       /* STRING/BINARY bytes of vals (moved into vals at the end) */
    /* Flat STRING/BINARY leaves: codes[i] is vals row i's entry in `dict`
     * while every value so far came from that one dictionary (codes_state
     * 1; 0: no values yet; 2: some value did not, so no codes). */
    uint32_t *codes;
    size_t codes_cap;
    sm_dict_t *dict; /* a reference */
    int codes_state;
} sm_pqr_stream_t;

/* A level stream of one page (RLE hybrid or the deprecated BIT_PACKED). */
typedef struct sm_pqr_levels {
    int kind; /* 0 none (all zero), 1 RLE, 2 BIT_PACKED (MSB first) */
    sm_pq_rle_decoder_t rle;
    const uint8_t *bp;
    size_t bp_len;
    uint64_t bp_bit;
    int bw;
} sm_pqr_levels_t;

typedef struct sm_pqr_col {
    const sm_pq_leaf_t *leaf;
    const char *file; /* for messages */
    const sm_pqr_limits_t *lim;
    uint32_t rg;
    /* the chunk */
    uint8_t *chunk;
    size_t chunk_len, pos;
    uint64_t chunk_off; /* file offset of chunk[0] */
    sm_pq_codec_t *codec;
    int codec_id;
    int64_t stop_values; /* >= 0: the chunk ends after this many level entries */
    int64_t seen_values; /* level entries of the data pages started so far */
    /* dictionary (converted to the leaf's type); dref owns it */
    sm_vector_t *dict;
    sm_dict_t *dref;
    sm_buf_t dict_data;
    bool data_seen;
    /* the current data page */
    uint64_t page_off;
    sm_buf_t page; /* decompressed bytes (when compressed) */
    int64_t left;  /* level entries left in the page */
    int encoding;
    bool values_ready; /* the value decoder below is initialised */
    const uint8_t *vals;
    size_t vals_len, vpos, bool_bit;
    sm_pqr_levels_t def_dec, rep_dec;
    sm_pq_rle_decoder_t idx; /* dictionary indices, RLE booleans */
    sm_pq_delta_decoder_t delta;
    sm_pq_dlba_decoder_t dlba;
    sm_pq_dba_decoder_t dba;
    bool dlba_live, dba_live;
    size_t bss_next;
    /* scratch */
    sm_buf_t scratch;
    /* pending levels (repeated leaves) */
    uint16_t pdef[SM_PQR_PEND_CAP], prep[SM_PQR_PEND_CAP];
    size_t ppos, plen;
    bool started; /* the first record of the chunk has been seen */
} sm_pqr_col_t;

/* Prepares col for a chunk held in chunk[0..len) (borrowed) at file offset
 * off; codec contexts are kept between chunks of the same codec. */
sm_err_t sm_pqr_col_start(sm_pqr_col_t *col, uint32_t rg, uint8_t *chunk, size_t len, uint64_t off,
                          int codec, sm_error_t *e);
/* Appends exactly nrec records (level entries and dense values) to s. */
sm_err_t sm_pqr_col_take(sm_pqr_col_t *col, size_t nrec, sm_pqr_stream_t *s, sm_error_t *e);
/* Checks that the chunk holds no more values. */
sm_err_t sm_pqr_col_finish(sm_pqr_col_t *col, sm_error_t *e);
/* Releases page state (not the codec); col can start another chunk. */
void sm_pqr_col_reset(sm_pqr_col_t *col);
void sm_pqr_col_free(sm_pqr_col_t *col);

/* Streams. */
sm_err_t sm_pqr_stream_init(sm_pqr_stream_t *s, const sm_pq_leaf_t *leaf, size_t cap,
                            size_t max_bytes, sm_error_t *e);
void sm_pqr_stream_free(sm_pqr_stream_t *s);
/* Moves the string bytes into s->vals (end of decoding). */
void sm_pqr_stream_seal(sm_pqr_stream_t *s);

/* Builds the vector of top-level column `col` from the streams of its
 * leaves (streams[i] is leaf first_leaf + i).  *out owned by the caller.
 * SM_ERR_CORRUPT when the leaves' levels disagree. */
sm_err_t sm_pqr_assemble(const sm_pq_node_t *col, sm_pqr_stream_t *streams, uint32_t first_leaf,
                         size_t nrows, sm_vector_t **out, sm_error_t *e);

/* Converts n physical fixed-width values (raw, in the leaf's physical
 * layout) to the leaf's columnar values at out. */
sm_err_t sm_pqr_convert_fixed(const sm_pq_leaf_t *leaf, const uint8_t *raw, size_t n, void *out,
                              sm_error_t *e);
/* Half-precision float to float. */
float sm_pqr_half_to_float(uint16_t h);

/* Decides which row groups the predicates keep: keep[i] for each row
 * group.  SM_ERR_NOT_FOUND for an unknown column. */
sm_err_t sm_pqr_prune(const sm_pq_file_meta_t *fm, const sm_pq_schema_t *s,
                      const sm_pq_pred_t *preds, size_t npreds, bool ignore_case, bool *keep,
                      sm_error_t *e);

#endif
