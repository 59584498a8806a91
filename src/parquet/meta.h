/*
 * parquet/meta — the Parquet metadata structs (parquet-format
 * src/main/thrift/parquet.thrift) and their compact-protocol codec.
 *
 * File skeleton (parquet-format README):
 *
 *   OFFSET        SIZE  CONTENT
 *   0             4     "PAR1"
 *   4             ...   column chunks: [dictionary page] data pages, each
 *                       page = PageHeader (Thrift) + body
 *   F             N     FileMetaData (Thrift compact)
 *   F + N         4     N, little-endian u32
 *   F + N + 4     4     "PAR1"  ("PARE" = encrypted footer: unsupported)
 *
 * Only the parts smelt needs are decoded; every other field is skipped, so
 * files from newer writers still decode.  Unknown LogicalType or
 * ColumnOrder union members are skipped and flagged (kind ..._OTHER with
 * the field id), never an error.  Enum-typed fields hold whatever i32 the
 * file contained: a value outside the named constants is possible and is
 * the reader's to refuse.
 *
 * Known-but-odd files decode as they are, for the reader to judge:
 * dictionary_page_offset 0 with no dictionary (dict-page-offset-zero),
 * FileMetaData.num_rows disagreeing with the row groups
 * (repeated_no_annotation), a known field id arriving with another wire
 * type (skipped, as Thrift-generated readers do).
 *
 * Optional fields have a `has_x` flag; required fields are checked on
 * decode ("FileMetaData: required field num_rows (3) missing at offset N").
 * Sizes, counts and offsets that cannot be negative are checked too.
 *
 * Memory: decoded metadata lives in an arena owned by the caller.  Strings
 * are NUL-terminated copies in the arena; binary values (statistics) are
 * copies in the arena (also NUL-terminated, not counted in len).  Nothing
 * points into the input bytes, which may be freed after decoding — except
 * for sm_pq_page_header_decode with a NULL arena (see there).  The arena
 * grows by at most about 64 times the input size plus 1 MiB; a footer that
 * would expand further is refused (SM_ERR_LIMIT).
 *
 * Encoding appends to a caller-owned sm_buf_t and follows the interop rules
 * in shared INTEROP.md 2.2: fields in id order, ColumnChunk.file_offset
 * always written, optional fields only when has_x is set, LogicalType and
 * ConvertedType each written when the caller set them.
 *
 * Threads: all functions are reentrant; a decoded struct is read-only and
 * may be shared between threads as long as its arena lives.
 */
#ifndef SM_PARQUET_META_H
#define SM_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "parquet/codec.h"

/* ---- enums (values are the on-disk i32 values) ------------------------ */

typedef enum sm_pq_type {
    SM_PQ_BOOLEAN = 0,
    SM_PQ_INT32 = 1,
    SM_PQ_INT64 = 2,
    SM_PQ_INT96 = 3,
    SM_PQ_FLOAT = 4,
    SM_PQ_DOUBLE = 5,
    SM_PQ_BYTE_ARRAY = 6,
    SM_PQ_FIXED_LEN_BYTE_ARRAY = 7,
} sm_pq_type_t;

typedef enum sm_pq_converted {
    SM_PQ_CT_UTF8 = 0,
    SM_PQ_CT_MAP = 1,
    SM_PQ_CT_MAP_KEY_VALUE = 2,
    SM_PQ_CT_LIST = 3,
    SM_PQ_CT_ENUM = 4,
    SM_PQ_CT_DECIMAL = 5,
    SM_PQ_CT_DATE = 6,
    SM_PQ_CT_TIME_MILLIS = 7,
    SM_PQ_CT_TIME_MICROS = 8,
    SM_PQ_CT_TIMESTAMP_MILLIS = 9,
    SM_PQ_CT_TIMESTAMP_MICROS = 10,
    SM_PQ_CT_UINT_8 = 11,
    SM_PQ_CT_UINT_16 = 12,
    SM_PQ_CT_UINT_32 = 13,
    SM_PQ_CT_UINT_64 = 14,
    SM_PQ_CT_INT_8 = 15,
    SM_PQ_CT_INT_16 = 16,
    SM_PQ_CT_INT_32 = 17,
    SM_PQ_CT_INT_64 = 18,
    SM_PQ_CT_JSON = 19,
    SM_PQ_CT_BSON = 20,
    SM_PQ_CT_INTERVAL = 21,
} sm_pq_converted_t;

typedef enum sm_pq_repetition {
    SM_PQ_REQUIRED = 0,
    SM_PQ_OPTIONAL = 1,
    SM_PQ_REPEATED = 2,
} sm_pq_repetition_t;

typedef enum sm_pq_encoding {
    SM_PQ_ENC_PLAIN = 0,
    SM_PQ_ENC_PLAIN_DICTIONARY = 2,
    SM_PQ_ENC_RLE = 3,
    SM_PQ_ENC_BIT_PACKED = 4,
    SM_PQ_ENC_DELTA_BINARY_PACKED = 5,
    SM_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    SM_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    SM_PQ_ENC_RLE_DICTIONARY = 8,
    SM_PQ_ENC_BYTE_STREAM_SPLIT = 9,
} sm_pq_encoding_t;

/* CompressionCodec: sm_pq_codec_id_t and sm_pq_codec_name() in parquet/codec.h. */

typedef enum sm_pq_page_type {
    SM_PQ_PAGE_DATA = 0,
    SM_PQ_PAGE_INDEX = 1,
    SM_PQ_PAGE_DICTIONARY = 2,
    SM_PQ_PAGE_DATA_V2 = 3,
} sm_pq_page_type_t;

/* Names as in parquet.thrift ("INT32", "RLE_DICTIONARY", "DATA_PAGE_V2"...);
 * "UNKNOWN" for a value outside the enum.  Static strings. */
const char *sm_pq_type_name(int v);
const char *sm_pq_converted_name(int v);
const char *sm_pq_repetition_name(int v);
const char *sm_pq_encoding_name(int v);
const char *sm_pq_page_type_name(int v);

/* ---- small pieces ----------------------------------------------------- */

/* Bytes in the arena (or borrowed, see sm_pq_page_header_decode). */
typedef struct sm_pq_bytes {
    const uint8_t *ptr; /* NULL only when len == 0 and the value is absent */
    size_t len;
} sm_pq_bytes_t;

/* KeyValue {1: required string key, 2: optional string value}. */
typedef struct sm_pq_kv {
    const char *key;   /* never NULL after decode */
    const char *value; /* NULL when absent */
    size_t key_len, value_len;
} sm_pq_kv_t;

/* ---- LogicalType ------------------------------------------------------- */

typedef enum sm_pq_logical_kind {
    SM_PQ_LT_NONE = 0, /* no logicalType field */
    SM_PQ_LT_STRING = 1,
    SM_PQ_LT_MAP = 2,
    SM_PQ_LT_LIST = 3,
    SM_PQ_LT_ENUM = 4,
    SM_PQ_LT_DECIMAL = 5,
    SM_PQ_LT_DATE = 6,
    SM_PQ_LT_TIME = 7,
    SM_PQ_LT_TIMESTAMP = 8,
    SM_PQ_LT_INTEGER = 10,
    SM_PQ_LT_UNKNOWN = 11, /* parquet's NullType: always null */
    SM_PQ_LT_JSON = 12,
    SM_PQ_LT_BSON = 13,
    SM_PQ_LT_UUID = 14,
    SM_PQ_LT_FLOAT16 = 15,
    SM_PQ_LT_OTHER = 1000, /* a member smelt does not know: see other_id */
} sm_pq_logical_kind_t;

typedef enum sm_pq_time_unit {
    SM_PQ_UNIT_NONE = 0, /* an empty or unknown TimeUnit union */
    SM_PQ_UNIT_MILLIS = 1,
    SM_PQ_UNIT_MICROS = 2,
    SM_PQ_UNIT_NANOS = 3,
} sm_pq_time_unit_t;

typedef struct sm_pq_logical {
    sm_pq_logical_kind_t kind;
    int16_t other_id;         /* SM_PQ_LT_OTHER: the union field id */
    int32_t scale, precision; /* DECIMAL */
    bool is_adjusted_to_utc;  /* TIME, TIMESTAMP */
    sm_pq_time_unit_t unit;   /* TIME, TIMESTAMP */
    int8_t bit_width;         /* INTEGER: 8, 16, 32, 64 */
    bool is_signed;           /* INTEGER */
} sm_pq_logical_t;

/* Formats a logical type for display: "TIMESTAMP(MICROS,utc)",
 * "DECIMAL(10,2)", "INTEGER(16,signed)", "" for NONE.  Always
 * NUL-terminates (truncating) when n > 0; returns out. */
char *sm_pq_logical_format(const sm_pq_logical_t *lt, char *out, size_t n);

/* ---- SchemaElement ----------------------------------------------------- */

typedef struct sm_pq_schema_elem {
    const char *name; /* required */
    bool has_type, has_type_length, has_repetition, has_num_children;
    bool has_converted_type, has_scale, has_precision, has_field_id;
    sm_pq_type_t type;
    int32_t type_length;
    sm_pq_repetition_t repetition;
    int32_t num_children; /* >= 0 */
    sm_pq_converted_t converted_type;
    int32_t scale, precision, field_id;
    sm_pq_logical_t logical; /* kind NONE when absent */
} sm_pq_schema_elem_t;

/* ---- Statistics -------------------------------------------------------- */

typedef struct sm_pq_stats {
    bool has_max, has_min, has_null_count, has_distinct_count;
    bool has_max_value, has_min_value, has_is_max_value_exact, has_is_min_value_exact;
    bool has_nan_count;
    sm_pq_bytes_t max, min;                      /* 1, 2: deprecated, signed order */
    int64_t null_count, distinct_count;          /* 3, 4 */
    sm_pq_bytes_t max_value, min_value;          /* 5, 6 */
    bool is_max_value_exact, is_min_value_exact; /* 7, 8 */
    int64_t nan_count;                           /* 9 */
} sm_pq_stats_t;

/* ---- column chunks and row groups ------------------------------------- */

typedef struct sm_pq_page_enc_stats {
    sm_pq_page_type_t page_type;
    sm_pq_encoding_t encoding;
    int32_t count;
} sm_pq_page_enc_stats_t;

typedef struct sm_pq_column_meta {
    sm_pq_type_t type;      /* 1 */
    uint32_t num_encodings; /* 2 (may be 0 in old files) */
    sm_pq_encoding_t *encodings;
    uint32_t path_len; /* 3 */
    const char **path;
    sm_pq_codec_id_t codec;          /* 4 */
    int64_t num_values;              /* 5, nulls included */
    int64_t total_uncompressed_size; /* 6, page headers included */
    int64_t total_compressed_size;   /* 7 */
    uint32_t num_kv;                 /* 8 */
    sm_pq_kv_t *kv;
    int64_t data_page_offset; /* 9 */
    bool has_index_page_offset, has_dictionary_page_offset, has_statistics;
    bool has_encoding_stats, has_bloom_filter_offset, has_bloom_filter_length;
    int64_t index_page_offset;      /* 10 */
    int64_t dictionary_page_offset; /* 11 */
    sm_pq_stats_t statistics;       /* 12 */
    uint32_t num_encoding_stats;    /* 13 */
    sm_pq_page_enc_stats_t *encoding_stats;
    int64_t bloom_filter_offset; /* 14 */
    int32_t bloom_filter_length; /* 15 */
} sm_pq_column_meta_t;

typedef struct sm_pq_column_chunk {
    const char *file_path; /* 1, NULL when absent */
    bool has_file_offset;  /* 2: required, but some writers leave it out */
    int64_t file_offset;
    bool has_meta_data; /* 3: absent only in encrypted files */
    sm_pq_column_meta_t meta_data;
    bool has_offset_index_offset, has_offset_index_length;
    bool has_column_index_offset, has_column_index_length;
    int64_t offset_index_offset;        /* 4 */
    int32_t offset_index_length;        /* 5 */
    int64_t column_index_offset;        /* 6 */
    int32_t column_index_length;        /* 7 */
    bool has_crypto_metadata;           /* 8: the column is encrypted */
    bool has_encrypted_column_metadata; /* 9 */
} sm_pq_column_chunk_t;

typedef struct sm_pq_sorting_column {
    int32_t column_idx;
    bool descending, nulls_first;
} sm_pq_sorting_column_t;

typedef struct sm_pq_row_group {
    uint32_t num_columns; /* 1 */
    sm_pq_column_chunk_t *columns;
    int64_t total_byte_size; /* 2 */
    int64_t num_rows;        /* 3 */
    bool has_sorting_columns, has_file_offset, has_total_compressed_size, has_ordinal;
    uint32_t num_sorting_columns; /* 4 */
    sm_pq_sorting_column_t *sorting_columns;
    int64_t file_offset;           /* 5 */
    int64_t total_compressed_size; /* 6 */
    int16_t ordinal;               /* 7 */
} sm_pq_row_group_t;

/* ---- ColumnOrder and FileMetaData ------------------------------------- */

typedef enum sm_pq_order_kind {
    SM_PQ_ORDER_TYPE_DEFINED = 1,   /* TYPE_ORDER */
    SM_PQ_ORDER_IEEE_754_TOTAL = 2, /* IEEE_754_TOTAL_ORDER */
    SM_PQ_ORDER_INT96_TIMESTAMP = 3,
    SM_PQ_ORDER_OTHER = 1000, /* unknown (or empty) union: ignore min/max */
} sm_pq_order_kind_t;

typedef struct sm_pq_column_order {
    sm_pq_order_kind_t kind;
    int16_t other_id;
} sm_pq_column_order_t;

typedef struct sm_pq_file_meta {
    int32_t version;     /* 1 */
    uint32_t num_schema; /* 2: >= 1 after decode; [0] is the root */
    sm_pq_schema_elem_t *schema;
    int64_t num_rows;        /* 3 */
    uint32_t num_row_groups; /* 4 */
    sm_pq_row_group_t *row_groups;
    uint32_t num_kv; /* 5 */
    sm_pq_kv_t *kv;
    const char *created_by; /* 6, NULL when absent */
    bool has_column_orders; /* 7 */
    uint32_t num_column_orders;
    sm_pq_column_order_t *column_orders;
    /* 8, 9: set in encrypted files with a plaintext footer; smelt refuses
     * to read their columns (never written by the encoder). */
    bool has_encryption_algorithm, has_footer_signing_key_metadata;
} sm_pq_file_meta_t;

/* ---- PageHeader -------------------------------------------------------- */

typedef struct sm_pq_data_page_header {
    int32_t num_values; /* nulls included */
    sm_pq_encoding_t encoding;
    sm_pq_encoding_t definition_level_encoding;
    sm_pq_encoding_t repetition_level_encoding;
    bool has_statistics;
    sm_pq_stats_t statistics;
} sm_pq_data_page_header_t;

typedef struct sm_pq_dict_page_header {
    int32_t num_values;
    sm_pq_encoding_t encoding;
    bool has_is_sorted, is_sorted;
} sm_pq_dict_page_header_t;

typedef struct sm_pq_data_page_header_v2 {
    int32_t num_values, num_nulls, num_rows;
    sm_pq_encoding_t encoding;
    int32_t definition_levels_byte_length;
    int32_t repetition_levels_byte_length;
    bool has_is_compressed; /* when absent, is_compressed is true */
    bool is_compressed;
    bool has_statistics;
    sm_pq_stats_t statistics;
} sm_pq_data_page_header_v2_t;

typedef struct sm_pq_page_header {
    sm_pq_page_type_t type;          /* 1 */
    int32_t uncompressed_page_size;  /* 2, header excluded, >= 0 */
    int32_t compressed_page_size;    /* 3, header excluded, >= 0 */
    bool has_crc;                    /* 4 */
    uint32_t crc;                    /* CRC-32 of the on-disk body */
    bool has_data_page_header;       /* 5 */
    bool has_index_page_header;      /* 6 (empty) */
    bool has_dictionary_page_header; /* 7 */
    bool has_data_page_header_v2;    /* 8 */
    sm_pq_data_page_header_t data_page_header;
    sm_pq_dict_page_header_t dictionary_page_header;
    sm_pq_data_page_header_v2_t data_page_header_v2;
} sm_pq_page_header_t;

/* ---- decoding ---------------------------------------------------------- */

/* Largest footer accepted (the u32 length field allows 4 GiB). */
#define SM_PQ_FOOTER_MAX (256u * 1024 * 1024)

/* Reads the last 8 bytes of a file: checks the trailing magic and returns
 * the FileMetaData length.  "PARE" is SM_ERR_UNSUPPORTED ("encrypted
 * Parquet footer (PARE) is not supported"), other magic SM_ERR_CORRUPT, a
 * length above SM_PQ_FOOTER_MAX SM_ERR_LIMIT. */
sm_err_t sm_pq_footer_len(const uint8_t last8[8], uint32_t *footer_len, sm_error_t *e);

/* Decodes the footer of a whole file held in memory: checks "PAR1" at both
 * ends and the footer length, then decodes FileMetaData into *fm with all
 * memory from `arena`.  On failure *fm is zeroed and the arena may hold
 * partial data (reset or free it). */
sm_err_t sm_pq_footer_parse(const void *bytes, size_t len, sm_arena_t *arena, sm_pq_file_meta_t *fm,
                            sm_error_t *e);

/* Same, from the last `len` bytes of a file of `file_size` bytes (len <=
 * file_size).  The tail must hold the whole footer (footer_len + 8 bytes);
 * the leading magic is checked only when len == file_size. */
sm_err_t sm_pq_footer_parse_tail(const void *tail, size_t len, uint64_t file_size,
                                 sm_arena_t *arena, sm_pq_file_meta_t *fm, sm_error_t *e);

/* Decodes a FileMetaData struct occupying exactly `len` bytes (trailing
 * bytes are an error). */
sm_err_t sm_pq_file_meta_decode(const void *data, size_t len, sm_arena_t *arena,
                                sm_pq_file_meta_t *fm, sm_error_t *e);

/* Decodes the PageHeader at the start of data[0..len) and sets *used to the
 * bytes it took (the page body follows).  The header must say which
 * sub-header its type needs (DATA_PAGE: 5, DICTIONARY_PAGE: 7,
 * DATA_PAGE_V2: 8, with v2 level lengths within the page sizes).
 * With a NULL arena, statistics bytes point into `data` (borrowed, valid as
 * long as data is).  On failure *ph is zeroed. */
sm_err_t sm_pq_page_header_decode(const void *data, size_t len, sm_arena_t *arena,
                                  sm_pq_page_header_t *ph, size_t *used, sm_error_t *e);

/* ---- encoding ---------------------------------------------------------- */

/* Appends FileMetaData in compact protocol to out.  SM_ERR_INVALID for
 * values that cannot be written (a NULL name, path or array with a
 * non-zero count, an OTHER logical type or column order, a time unit
 * NONE, encryption flags, negative num_rows); out may then hold a partial
 * struct (truncate it to its old length).  SM_ERR_NOMEM/SM_ERR_LIMIT from
 * the buffer. */
sm_err_t sm_pq_file_meta_encode(const sm_pq_file_meta_t *fm, sm_buf_t *out, sm_error_t *e);

/* Appends FileMetaData + its u32 LE length + "PAR1": the end of a file. */
sm_err_t sm_pq_footer_append(const sm_pq_file_meta_t *fm, sm_buf_t *out, sm_error_t *e);

/* Appends a PageHeader (type, sizes, crc when has_crc, and the sub-headers
 * whose has_ flags are set). */
sm_err_t sm_pq_page_header_encode(const sm_pq_page_header_t *ph, sm_buf_t *out, sm_error_t *e);

#endif
