/* Unit tests for parquet/meta: the Parquet metadata structs through
 * encode/decode, hand-made corrupt inputs, and the real footers of
 * apache/parquet-testing. */
#include <dirent.h>
#include <stdlib.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"
#include "parquet/meta.h"
#include "parquet/thrift.h"

/* ---- a FileMetaData with every field smelt knows ---------------------- */

static sm_pq_schema_elem_t g_schema[8];
static sm_pq_encoding_t g_encodings[] = {SM_PQ_ENC_PLAIN, SM_PQ_ENC_RLE, SM_PQ_ENC_RLE_DICTIONARY};
static const char *g_path_a[] = {"a"};
static const char *g_path_b[] = {"b", "list", "element"};
static sm_pq_kv_t g_kv[] = {{.key = "k1", .value = "v1"}, {.key = "k2", .value = NULL}};
static sm_pq_page_enc_stats_t g_enc_stats[] = {{SM_PQ_PAGE_DICTIONARY, SM_PQ_ENC_PLAIN, 1},
                                               {SM_PQ_PAGE_DATA, SM_PQ_ENC_RLE_DICTIONARY, 3}};
static sm_pq_column_chunk_t g_cols[2];
static sm_pq_sorting_column_t g_sort[] = {{0, true, false}, {1, false, true}};
static sm_pq_row_group_t g_rgs[2];
static sm_pq_column_order_t g_orders[] = {{SM_PQ_ORDER_TYPE_DEFINED, 0},
                                          {SM_PQ_ORDER_IEEE_754_TOTAL, 0}};

static void fill_full(sm_pq_file_meta_t *fm)
{
    memset(g_schema, 0, sizeof g_schema);
    sm_pq_schema_elem_t *s = g_schema;
    s[0] = (sm_pq_schema_elem_t){.name = "schema",
                                 .has_num_children = true,
                                 .num_children = 7,
                                 .has_repetition = true,
                                 .repetition = SM_PQ_REQUIRED};
    s[1] = (sm_pq_schema_elem_t){.name = "s",
                                 .has_type = true,
                                 .type = SM_PQ_BYTE_ARRAY,
                                 .has_repetition = true,
                                 .repetition = SM_PQ_OPTIONAL,
                                 .has_converted_type = true,
                                 .converted_type = SM_PQ_CT_UTF8,
                                 .has_field_id = true,
                                 .field_id = -7,
                                 .logical = {.kind = SM_PQ_LT_STRING}};
    s[2] =
        (sm_pq_schema_elem_t){.name = "d",
                              .has_type = true,
                              .type = SM_PQ_FIXED_LEN_BYTE_ARRAY,
                              .has_type_length = true,
                              .type_length = 16,
                              .has_repetition = true,
                              .repetition = SM_PQ_REQUIRED,
                              .has_converted_type = true,
                              .converted_type = SM_PQ_CT_DECIMAL,
                              .has_scale = true,
                              .scale = 4,
                              .has_precision = true,
                              .precision = 38,
                              .logical = {.kind = SM_PQ_LT_DECIMAL, .scale = 4, .precision = 38}};
    s[3] = (sm_pq_schema_elem_t){.name = "ts",
                                 .has_type = true,
                                 .type = SM_PQ_INT64,
                                 .has_repetition = true,
                                 .repetition = SM_PQ_OPTIONAL,
                                 .has_converted_type = true,
                                 .converted_type = SM_PQ_CT_TIMESTAMP_MICROS,
                                 .logical = {.kind = SM_PQ_LT_TIMESTAMP,
                                             .is_adjusted_to_utc = true,
                                             .unit = SM_PQ_UNIT_MICROS}};
    s[4] = (sm_pq_schema_elem_t){
        .name = "t",
        .has_type = true,
        .type = SM_PQ_INT64,
        .has_repetition = true,
        .repetition = SM_PQ_OPTIONAL,
        .logical = {.kind = SM_PQ_LT_TIME, .is_adjusted_to_utc = false, .unit = SM_PQ_UNIT_NANOS}};
    s[5] = (sm_pq_schema_elem_t){
        .name = "i8",
        .has_type = true,
        .type = SM_PQ_INT32,
        .has_repetition = true,
        .repetition = SM_PQ_REPEATED,
        .has_converted_type = true,
        .converted_type = SM_PQ_CT_UINT_8,
        .logical = {.kind = SM_PQ_LT_INTEGER, .bit_width = 8, .is_signed = false}};
    s[6] = (sm_pq_schema_elem_t){
        .name = "ms",
        .has_type = true,
        .type = SM_PQ_INT32,
        .has_repetition = true,
        .repetition = SM_PQ_OPTIONAL,
        .logical = {.kind = SM_PQ_LT_TIME, .is_adjusted_to_utc = true, .unit = SM_PQ_UNIT_MILLIS}};
    s[7] = (sm_pq_schema_elem_t){.name = "",
                                 .has_type = true,
                                 .type = SM_PQ_FIXED_LEN_BYTE_ARRAY,
                                 .has_type_length = true,
                                 .type_length = 2,
                                 .has_repetition = true,
                                 .repetition = SM_PQ_OPTIONAL,
                                 .logical = {.kind = SM_PQ_LT_FLOAT16}};

    memset(g_cols, 0, sizeof g_cols);
    sm_pq_column_meta_t *m = &g_cols[0].meta_data;
    g_cols[0].has_file_offset = true;
    g_cols[0].file_offset = 0;
    g_cols[0].has_meta_data = true;
    m->type = SM_PQ_BYTE_ARRAY;
    m->num_encodings = 3;
    m->encodings = g_encodings;
    m->path_len = 1;
    m->path = g_path_a;
    m->codec = SM_PQ_CODEC_ZSTD;
    m->num_values = 1000;
    m->total_uncompressed_size = 123456789012LL;
    m->total_compressed_size = 4567;
    m->num_kv = 2;
    m->kv = g_kv;
    m->data_page_offset = 104;
    m->has_dictionary_page_offset = true;
    m->dictionary_page_offset = 4;
    m->has_index_page_offset = true;
    m->index_page_offset = 99;
    m->has_statistics = true;
    m->statistics = (sm_pq_stats_t){.has_max = true,
                                    .max = {(const uint8_t *)"zz", 2},
                                    .has_min = true,
                                    .min = {(const uint8_t *)"", 0},
                                    .has_null_count = true,
                                    .null_count = 0,
                                    .has_distinct_count = true,
                                    .distinct_count = 17,
                                    .has_max_value = true,
                                    .max_value = {(const uint8_t *)"zz\0z", 4},
                                    .has_min_value = true,
                                    .min_value = {(const uint8_t *)"a", 1},
                                    .has_is_max_value_exact = true,
                                    .is_max_value_exact = false,
                                    .has_is_min_value_exact = true,
                                    .is_min_value_exact = true,
                                    .has_nan_count = true,
                                    .nan_count = 3};
    m->has_encoding_stats = true;
    m->num_encoding_stats = 2;
    m->encoding_stats = g_enc_stats;
    m->has_bloom_filter_offset = true;
    m->bloom_filter_offset = 5000;
    m->has_bloom_filter_length = true;
    m->bloom_filter_length = 1024;
    g_cols[0].has_offset_index_offset = true;
    g_cols[0].offset_index_offset = 6000;
    g_cols[0].has_offset_index_length = true;
    g_cols[0].offset_index_length = 60;
    g_cols[0].has_column_index_offset = true;
    g_cols[0].column_index_offset = 6100;
    g_cols[0].has_column_index_length = true;
    g_cols[0].column_index_length = 70;

    g_cols[1].file_path = "other.parquet";
    g_cols[1].has_file_offset = true;
    g_cols[1].file_offset = 77;
    g_cols[1].has_meta_data = true;
    m = &g_cols[1].meta_data;
    m->type = SM_PQ_INT32;
    m->num_encodings = 1;
    m->encodings = g_encodings;
    m->path_len = 3;
    m->path = g_path_b;
    m->codec = SM_PQ_CODEC_UNCOMPRESSED;
    m->data_page_offset = 0;

    memset(g_rgs, 0, sizeof g_rgs);
    g_rgs[0] = (sm_pq_row_group_t){.num_columns = 2,
                                   .columns = g_cols,
                                   .total_byte_size = 9999,
                                   .num_rows = 1000,
                                   .has_sorting_columns = true,
                                   .num_sorting_columns = 2,
                                   .sorting_columns = g_sort,
                                   .has_file_offset = true,
                                   .file_offset = 4,
                                   .has_total_compressed_size = true,
                                   .total_compressed_size = 4567,
                                   .has_ordinal = true,
                                   .ordinal = 0};
    g_rgs[1] = (sm_pq_row_group_t){
        .num_columns = 0, .columns = NULL, .num_rows = 0, .has_ordinal = true, .ordinal = -2};

    memset(fm, 0, sizeof *fm);
    fm->version = 1;
    fm->num_schema = 8;
    fm->schema = g_schema;
    fm->num_rows = 1000;
    fm->num_row_groups = 2;
    fm->row_groups = g_rgs;
    fm->num_kv = 2;
    fm->kv = g_kv;
    fm->created_by = "smelt version 0.1.0 (build test)";
    fm->has_column_orders = true;
    fm->num_column_orders = 2;
    fm->column_orders = g_orders;
}

static int bytes_eq(sm_pq_bytes_t b, const char *s, size_t n)
{
    return b.len == n && b.ptr && memcmp(b.ptr, s, n) == 0;
}

static void test_file_meta_round_trip(void)
{
    sm_pq_file_meta_t fm, out;
    sm_buf_t b = SM_BUF_INIT, b2 = SM_BUF_INIT;
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    fill_full(&fm);
    CHECK_OK(sm_pq_file_meta_encode(&fm, &b, &e), &e);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &out, &e), &e);

    CHECK_EQ_INT(out.version, 1);
    CHECK_EQ_INT(out.num_rows, 1000);
    CHECK_EQ_STR(out.created_by, "smelt version 0.1.0 (build test)");
    CHECK_EQ_INT(out.num_kv, 2);
    CHECK_EQ_STR(out.kv[0].key, "k1");
    CHECK_EQ_STR(out.kv[0].value, "v1");
    CHECK(out.kv[1].value == NULL);
    CHECK(out.has_column_orders && out.num_column_orders == 2);
    CHECK_EQ_INT(out.column_orders[0].kind, SM_PQ_ORDER_TYPE_DEFINED);
    CHECK_EQ_INT(out.column_orders[1].kind, SM_PQ_ORDER_IEEE_754_TOTAL);
    CHECK(!out.has_encryption_algorithm && !out.has_footer_signing_key_metadata);

    CHECK_EQ_INT(out.num_schema, 8);
    const sm_pq_schema_elem_t *s = out.schema;
    CHECK_EQ_STR(s[0].name, "schema");
    CHECK(s[0].has_num_children && s[0].num_children == 7 && !s[0].has_type);
    CHECK(s[1].has_type && s[1].type == SM_PQ_BYTE_ARRAY);
    CHECK(s[1].has_converted_type && s[1].converted_type == SM_PQ_CT_UTF8);
    CHECK_EQ_INT(s[1].logical.kind, SM_PQ_LT_STRING);
    CHECK(s[1].has_field_id && s[1].field_id == -7);
    CHECK(!s[1].has_type_length && !s[1].has_scale && !s[1].has_num_children);
    CHECK_EQ_INT(s[2].logical.kind, SM_PQ_LT_DECIMAL);
    CHECK_EQ_INT(s[2].logical.scale, 4);
    CHECK_EQ_INT(s[2].logical.precision, 38);
    CHECK(s[2].has_scale && s[2].scale == 4 && s[2].has_precision && s[2].precision == 38);
    CHECK(s[2].has_type_length && s[2].type_length == 16);
    CHECK_EQ_INT(s[3].logical.kind, SM_PQ_LT_TIMESTAMP);
    CHECK_EQ_INT(s[3].logical.unit, SM_PQ_UNIT_MICROS);
    CHECK(s[3].logical.is_adjusted_to_utc);
    CHECK_EQ_INT(s[3].converted_type, SM_PQ_CT_TIMESTAMP_MICROS);
    CHECK_EQ_INT(s[4].logical.kind, SM_PQ_LT_TIME);
    CHECK_EQ_INT(s[4].logical.unit, SM_PQ_UNIT_NANOS);
    CHECK(!s[4].logical.is_adjusted_to_utc && !s[4].has_converted_type);
    CHECK_EQ_INT(s[5].logical.kind, SM_PQ_LT_INTEGER);
    CHECK_EQ_INT(s[5].logical.bit_width, 8);
    CHECK(!s[5].logical.is_signed);
    CHECK_EQ_INT(s[5].repetition, SM_PQ_REPEATED);
    CHECK_EQ_INT(s[6].logical.unit, SM_PQ_UNIT_MILLIS);
    CHECK_EQ_STR(s[7].name, "");
    CHECK_EQ_INT(s[7].logical.kind, SM_PQ_LT_FLOAT16);

    CHECK_EQ_INT(out.num_row_groups, 2);
    const sm_pq_row_group_t *g = &out.row_groups[0];
    CHECK_EQ_INT(g->num_columns, 2);
    CHECK_EQ_INT(g->total_byte_size, 9999);
    CHECK_EQ_INT(g->num_rows, 1000);
    CHECK(g->has_sorting_columns && g->num_sorting_columns == 2);
    CHECK(g->sorting_columns[0].descending && !g->sorting_columns[0].nulls_first);
    CHECK(!g->sorting_columns[1].descending && g->sorting_columns[1].nulls_first);
    CHECK_EQ_INT(g->sorting_columns[1].column_idx, 1);
    CHECK(g->has_file_offset && g->file_offset == 4);
    CHECK(g->has_total_compressed_size && g->total_compressed_size == 4567);
    CHECK(g->has_ordinal && g->ordinal == 0);
    CHECK(out.row_groups[1].has_ordinal && out.row_groups[1].ordinal == -2);
    CHECK_EQ_INT(out.row_groups[1].num_columns, 0);
    CHECK(!out.row_groups[1].has_file_offset);

    const sm_pq_column_chunk_t *c = &g->columns[0];
    CHECK(c->file_path == NULL && c->has_file_offset && c->file_offset == 0);
    CHECK(c->has_meta_data);
    const sm_pq_column_meta_t *m = &c->meta_data;
    CHECK_EQ_INT(m->type, SM_PQ_BYTE_ARRAY);
    CHECK_EQ_INT(m->num_encodings, 3);
    CHECK_EQ_INT(m->encodings[2], SM_PQ_ENC_RLE_DICTIONARY);
    CHECK_EQ_INT(m->path_len, 1);
    CHECK_EQ_STR(m->path[0], "a");
    CHECK_EQ_INT(m->codec, SM_PQ_CODEC_ZSTD);
    CHECK_EQ_INT(m->num_values, 1000);
    CHECK(m->total_uncompressed_size == 123456789012LL);
    CHECK_EQ_INT(m->total_compressed_size, 4567);
    CHECK_EQ_INT(m->num_kv, 2);
    CHECK_EQ_STR(m->kv[1].key, "k2");
    CHECK_EQ_INT(m->data_page_offset, 104);
    CHECK(m->has_dictionary_page_offset && m->dictionary_page_offset == 4);
    CHECK(m->has_index_page_offset && m->index_page_offset == 99);
    CHECK(m->has_statistics);
    const sm_pq_stats_t *st = &m->statistics;
    CHECK(st->has_max && bytes_eq(st->max, "zz", 2));
    CHECK(st->has_min && bytes_eq(st->min, "", 0));
    CHECK(st->has_null_count && st->null_count == 0);
    CHECK(st->has_distinct_count && st->distinct_count == 17);
    CHECK(st->has_max_value && bytes_eq(st->max_value, "zz\0z", 4));
    CHECK(st->has_min_value && bytes_eq(st->min_value, "a", 1));
    CHECK(st->has_is_max_value_exact && !st->is_max_value_exact);
    CHECK(st->has_is_min_value_exact && st->is_min_value_exact);
    CHECK(st->has_nan_count && st->nan_count == 3);
    /* statistics bytes are arena copies, not pointers into the input */
    CHECK(!(st->max_value.ptr >= b.data && st->max_value.ptr < b.data + b.len));
    CHECK(m->has_encoding_stats && m->num_encoding_stats == 2);
    CHECK_EQ_INT(m->encoding_stats[1].page_type, SM_PQ_PAGE_DATA);
    CHECK_EQ_INT(m->encoding_stats[1].encoding, SM_PQ_ENC_RLE_DICTIONARY);
    CHECK_EQ_INT(m->encoding_stats[1].count, 3);
    CHECK(m->has_bloom_filter_offset && m->bloom_filter_offset == 5000);
    CHECK(m->has_bloom_filter_length && m->bloom_filter_length == 1024);
    CHECK(c->has_offset_index_offset && c->offset_index_offset == 6000);
    CHECK(c->has_offset_index_length && c->offset_index_length == 60);
    CHECK(c->has_column_index_offset && c->column_index_offset == 6100);
    CHECK(c->has_column_index_length && c->column_index_length == 70);
    CHECK(!c->has_crypto_metadata && !c->has_encrypted_column_metadata);

    c = &g->columns[1];
    CHECK_EQ_STR(c->file_path, "other.parquet");
    CHECK_EQ_INT(c->file_offset, 77);
    CHECK_EQ_INT(c->meta_data.path_len, 3);
    CHECK_EQ_STR(c->meta_data.path[2], "element");
    CHECK(!c->meta_data.has_statistics && !c->meta_data.has_encoding_stats);
    CHECK(!c->meta_data.has_dictionary_page_offset);

    /* decode(encode(x)) encodes to the same bytes */
    CHECK_OK(sm_pq_file_meta_encode(&out, &b2, &e), &e);
    CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);

    /* trailing bytes after the struct are refused */
    sm_buf_append_byte(&b, 0x00, &e);
    CHECK_EQ_INT(sm_pq_file_meta_decode(b.data, b.len, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "ends at offset") != NULL);
    CHECK(out.schema == NULL && out.num_schema == 0); /* zeroed on failure */

    sm_buf_free(&b);
    sm_buf_free(&b2);
    sm_arena_free(&arena);
}

static void test_minimal_meta(void)
{
    /* zero row groups is legal (Spark writes such files) */
    sm_pq_schema_elem_t root = {.name = "spark_schema", .has_num_children = true};
    sm_pq_file_meta_t fm = {.version = 1, .num_schema = 1, .schema = &root};
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    CHECK_OK(sm_pq_footer_append(&fm, &b, &e), &e);
    /* version 1, schema list of 1, num_rows 0, row_groups list of 0, stop */
    const uint8_t want[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0x0c, 's',  'p', 'a',
                            'r',  'k',  '_',  's',  'c',  'h',  'e',  'm', 'a',
                            0x15, 0x00, 0x00, 0x16, 0x00, 0x19, 0x0c, 0x00};
    CHECK_EQ_INT(b.len, sizeof want + 8);
    CHECK(memcmp(b.data, want, sizeof want) == 0);
    CHECK(memcmp(b.data + sizeof want, "\x1a\x00\x00\x00PAR1", 8) == 0);
    /* a whole "file": PAR1 + footer */
    sm_buf_t f = SM_BUF_INIT;
    sm_buf_append(&f, "PAR1", 4, &e);
    sm_buf_append(&f, b.data, b.len, &e);
    sm_pq_file_meta_t out;
    CHECK_OK(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), &e);
    CHECK_EQ_INT(out.num_row_groups, 0);
    CHECK_EQ_INT(out.num_schema, 1);
    CHECK_EQ_STR(out.schema[0].name, "spark_schema");
    CHECK(out.created_by == NULL && !out.has_column_orders);
    sm_buf_free(&b);
    sm_buf_free(&f);
    sm_arena_free(&arena);
}

/* ---- PageHeader ---------------------------------------------------------- */

static void test_page_headers(void)
{
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_buf_t b = SM_BUF_INIT;
    sm_pq_page_header_t ph, out;
    size_t used;

    /* v1 data page with crc and statistics, followed by a body */
    memset(&ph, 0, sizeof ph);
    ph.type = SM_PQ_PAGE_DATA;
    ph.uncompressed_page_size = 100;
    ph.compressed_page_size = 60;
    ph.has_crc = true;
    ph.crc = 0xdeadbeef;
    ph.has_data_page_header = true;
    ph.data_page_header = (sm_pq_data_page_header_t){
        .num_values = 10,
        .encoding = SM_PQ_ENC_RLE_DICTIONARY,
        .definition_level_encoding = SM_PQ_ENC_RLE,
        .repetition_level_encoding = SM_PQ_ENC_BIT_PACKED,
        .has_statistics = true,
        .statistics = {.has_null_count = true,
                       .null_count = 2,
                       .has_min_value = true,
                       .min_value = {(const uint8_t *)"\x01\x00\x00\x00", 4}}};
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    size_t hlen = b.len;
    sm_buf_append(&b, "BODY", 4, &e);
    CHECK_OK(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), &e);
    CHECK_EQ_INT(used, hlen);
    CHECK_EQ_INT(out.type, SM_PQ_PAGE_DATA);
    CHECK_EQ_INT(out.uncompressed_page_size, 100);
    CHECK_EQ_INT(out.compressed_page_size, 60);
    CHECK(out.has_crc && out.crc == 0xdeadbeef);
    CHECK(out.has_data_page_header && !out.has_dictionary_page_header &&
          !out.has_data_page_header_v2);
    CHECK_EQ_INT(out.data_page_header.num_values, 10);
    CHECK_EQ_INT(out.data_page_header.encoding, SM_PQ_ENC_RLE_DICTIONARY);
    CHECK_EQ_INT(out.data_page_header.definition_level_encoding, SM_PQ_ENC_RLE);
    CHECK_EQ_INT(out.data_page_header.repetition_level_encoding, SM_PQ_ENC_BIT_PACKED);
    CHECK(out.data_page_header.has_statistics);
    CHECK(out.data_page_header.statistics.has_null_count &&
          out.data_page_header.statistics.null_count == 2);
    CHECK(bytes_eq(out.data_page_header.statistics.min_value, "\x01\x00\x00\x00", 4));
    CHECK(!out.data_page_header.statistics.has_max_value);

    /* with no arena, statistics bytes are borrowed from the input */
    CHECK_OK(sm_pq_page_header_decode(b.data, b.len, NULL, &out, &used, &e), &e);
    const uint8_t *p = out.data_page_header.statistics.min_value.ptr;
    CHECK(p >= b.data && p < b.data + hlen);

    /* every truncation of the header fails cleanly */
    for (size_t n = 0; n < hlen; n++) {
        CHECK(sm_pq_page_header_decode(b.data, n, &arena, &out, &used, &e) != SM_OK);
        CHECK_EQ_INT(used, 0);
        CHECK_EQ_INT(out.type, 0);
    }

    /* dictionary page */
    sm_buf_reset(&b);
    memset(&ph, 0, sizeof ph);
    ph.type = SM_PQ_PAGE_DICTIONARY;
    ph.uncompressed_page_size = 8;
    ph.compressed_page_size = 8;
    ph.has_dictionary_page_header = true;
    ph.dictionary_page_header = (sm_pq_dict_page_header_t){
        .num_values = 2, .encoding = SM_PQ_ENC_PLAIN, .has_is_sorted = true, .is_sorted = true};
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    CHECK_OK(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), &e);
    CHECK_EQ_INT(used, b.len);
    CHECK(out.has_dictionary_page_header && out.dictionary_page_header.num_values == 2);
    CHECK(out.dictionary_page_header.has_is_sorted && out.dictionary_page_header.is_sorted);
    CHECK(!out.has_crc);

    /* v2 page: is_compressed false written, then absent (defaults to true) */
    for (int k = 0; k < 2; k++) {
        sm_buf_reset(&b);
        memset(&ph, 0, sizeof ph);
        ph.type = SM_PQ_PAGE_DATA_V2;
        ph.uncompressed_page_size = 50;
        ph.compressed_page_size = 40;
        ph.has_data_page_header_v2 = true;
        ph.data_page_header_v2 = (sm_pq_data_page_header_v2_t){
            .num_values = 30,
            .num_nulls = 5,
            .num_rows = 20,
            .encoding = SM_PQ_ENC_DELTA_BINARY_PACKED,
            .definition_levels_byte_length = 6,
            .repetition_levels_byte_length = 4,
            .has_is_compressed = k == 0,
            .is_compressed = false,
            .has_statistics = true,
            .statistics = {.has_max = true, .max = {(const uint8_t *)"m", 1}}};
        CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
        CHECK_OK(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), &e);
        const sm_pq_data_page_header_v2_t *v2 = &out.data_page_header_v2;
        CHECK(out.has_data_page_header_v2);
        CHECK_EQ_INT(v2->num_values, 30);
        CHECK_EQ_INT(v2->num_nulls, 5);
        CHECK_EQ_INT(v2->num_rows, 20);
        CHECK_EQ_INT(v2->encoding, SM_PQ_ENC_DELTA_BINARY_PACKED);
        CHECK_EQ_INT(v2->definition_levels_byte_length, 6);
        CHECK_EQ_INT(v2->repetition_levels_byte_length, 4);
        CHECK_EQ_INT(v2->has_is_compressed, k == 0);
        CHECK_EQ_INT(v2->is_compressed, k == 1);
        CHECK(v2->has_statistics && bytes_eq(v2->statistics.max, "m", 1));
    }

    /* v2 level lengths larger than the page */
    sm_buf_reset(&b);
    ph.data_page_header_v2.definition_levels_byte_length = 39;
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    CHECK_EQ_INT(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "level lengths") != NULL);
    /* num_nulls above num_values */
    sm_buf_reset(&b);
    ph.data_page_header_v2.definition_levels_byte_length = 1;
    ph.data_page_header_v2.num_nulls = 31;
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    CHECK_EQ_INT(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), SM_ERR_CORRUPT);

    /* a DATA_PAGE without its data_page_header */
    sm_buf_reset(&b);
    memset(&ph, 0, sizeof ph);
    ph.type = SM_PQ_PAGE_DATA;
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    CHECK_EQ_INT(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "PageHeader: DATA_PAGE page without data_page_header (5) at offset 0");
    /* an INDEX_PAGE needs nothing */
    sm_buf_reset(&b);
    ph.type = SM_PQ_PAGE_INDEX;
    ph.has_index_page_header = true;
    CHECK_OK(sm_pq_page_header_encode(&ph, &b, &e), &e);
    CHECK_OK(sm_pq_page_header_decode(b.data, b.len, &arena, &out, &used, &e), &e);
    CHECK(out.has_index_page_header);

    /* negative sizes: hand-made 15 00 15 01 ... */
    const uint8_t neg[] = {0x15, 0x00, 0x15, 0x01, 0x15, 0x02, 0x00};
    CHECK_EQ_INT(sm_pq_page_header_decode(neg, sizeof neg, &arena, &out, &used, &e),
                 SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "uncompressed_page_size (2) is negative") != NULL);
    /* missing compressed_page_size */
    const uint8_t miss[] = {0x15, 0x02, 0x15, 0x02, 0x00};
    CHECK_EQ_INT(sm_pq_page_header_decode(miss, sizeof miss, &arena, &out, &used, &e),
                 SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "PageHeader: required field compressed_page_size (3) missing at offset 0");
    /* encoding a negative size is refused */
    memset(&ph, 0, sizeof ph);
    ph.compressed_page_size = -1;
    CHECK_EQ_INT(sm_pq_page_header_encode(&ph, &b, &e), SM_ERR_INVALID);

    sm_buf_free(&b);
    sm_arena_free(&arena);
}

/* ---- hand-assembled FileMetaData ---------------------------------------- */

/* Writes FileMetaData fields 1-4 with one schema element (root "r"),
 * leaving out field `skip` (0 = none), then lets `extra` add fields. */
static void write_meta(sm_buf_t *b, int skip, void (*extra)(sm_pq_tw_t *))
{
    sm_pq_tw_t w;
    sm_pq_tw_init(&w, b, NULL);
    sm_pq_tw_struct_begin(&w);
    if (skip != 1)
        sm_pq_tw_field_i32(&w, 1, 1);
    if (skip != 2) {
        sm_pq_tw_field(&w, SM_PQ_TC_LIST, 2);
        sm_pq_tw_list_begin(&w, SM_PQ_TC_STRUCT, 1);
        sm_pq_tw_struct_begin(&w);
        sm_pq_tw_field_binary(&w, 4, "r", 1);
        sm_pq_tw_struct_end(&w);
    }
    if (skip != 3)
        sm_pq_tw_field_i64(&w, 3, 5);
    if (skip != 4) {
        sm_pq_tw_field(&w, SM_PQ_TC_LIST, 4);
        sm_pq_tw_list_begin(&w, SM_PQ_TC_STRUCT, 0);
    }
    if (extra)
        extra(&w);
    sm_pq_tw_struct_end(&w);
}

static void extra_unknown_fields(sm_pq_tw_t *w)
{
    /* fields a newer writer might add: skipped */
    sm_pq_tw_field(w, SM_PQ_TC_MAP, 50);
    sm_pq_tw_map_begin(w, SM_PQ_TC_I32, SM_PQ_TC_STRUCT, 1);
    sm_pq_tw_i32(w, 1);
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_bool(w, 1, true);
    sm_pq_tw_struct_end(w);
    sm_pq_tw_field_double(w, 51, 3.5);
    sm_pq_tw_field_bool(w, 52, false);
}

static void extra_encryption(sm_pq_tw_t *w)
{
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 8);
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 1); /* AES_GCM_V1 */
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_binary(w, 1, "aad", 3);
    sm_pq_tw_struct_end(w);
    sm_pq_tw_struct_end(w);
    sm_pq_tw_field_binary(w, 9, "key", 3);
}

static void extra_column_orders(sm_pq_tw_t *w)
{
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 7);
    sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, 3);
    sm_pq_tw_struct_begin(w); /* unknown member 9 */
    sm_pq_tw_field_empty_struct(w, 9);
    sm_pq_tw_struct_end(w);
    sm_pq_tw_struct_begin(w); /* empty union */
    sm_pq_tw_struct_end(w);
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_empty_struct(w, 3);
    sm_pq_tw_struct_end(w);
}

static void extra_string_version(sm_pq_tw_t *w)
{
    sm_pq_tw_field_binary(w, 1, "1", 1); /* version as a string */
}

static void extra_int_created_by(sm_pq_tw_t *w)
{
    sm_pq_tw_field_i32(w, 6, 42); /* created_by as an integer */
}

static void test_hand_made_meta(void)
{
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_buf_t b = SM_BUF_INIT;
    sm_pq_file_meta_t fm;

    static const char *const missing[] = {
        NULL, "FileMetaData: required field version (1) missing at offset 0",
        "FileMetaData: required field schema (2) missing at offset 0",
        "FileMetaData: required field num_rows (3) missing at offset 0",
        "FileMetaData: required field row_groups (4) missing at offset 0"};
    for (int k = 1; k <= 4; k++) {
        sm_buf_reset(&b);
        write_meta(&b, k, NULL);
        CHECK_EQ_INT(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), SM_ERR_CORRUPT);
        CHECK_EQ_STR(e.msg, missing[k]);
    }

    sm_buf_reset(&b);
    write_meta(&b, 0, extra_unknown_fields);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), &e);
    CHECK_EQ_INT(fm.num_rows, 5);
    CHECK_EQ_STR(fm.schema[0].name, "r");

    sm_buf_reset(&b);
    write_meta(&b, 0, extra_encryption);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), &e);
    CHECK(fm.has_encryption_algorithm && fm.has_footer_signing_key_metadata);
    sm_buf_t b2 = SM_BUF_INIT;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b2, &e), SM_ERR_INVALID);

    sm_buf_reset(&b);
    write_meta(&b, 0, extra_column_orders);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), &e);
    CHECK_EQ_INT(fm.num_column_orders, 3);
    CHECK_EQ_INT(fm.column_orders[0].kind, SM_PQ_ORDER_OTHER);
    CHECK_EQ_INT(fm.column_orders[0].other_id, 9);
    CHECK_EQ_INT(fm.column_orders[1].kind, SM_PQ_ORDER_OTHER);
    CHECK_EQ_INT(fm.column_orders[2].kind, SM_PQ_ORDER_INT96_TIMESTAMP);

    /* a known field with another wire type is skipped, as Thrift-generated
     * readers do: a string version counts as no version */
    sm_buf_reset(&b);
    write_meta(&b, 1, extra_string_version);
    CHECK_EQ_INT(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, missing[1]);
    sm_buf_reset(&b);
    write_meta(&b, 0, extra_int_created_by);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e), &e);
    CHECK(fm.created_by == NULL);

    /* an empty schema list */
    const uint8_t empty_schema[] = {0x15, 0x02, 0x19, 0x0c, 0x16, 0x00, 0x19, 0x0c, 0x00};
    CHECK_EQ_INT(sm_pq_file_meta_decode(empty_schema, sizeof empty_schema, &arena, &fm, &e),
                 SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "schema is empty") != NULL);
    /* negative num_rows */
    const uint8_t neg_rows[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0x01, 'r',
                                0x00, 0x16, 0x01, 0x19, 0x0c, 0x00};
    CHECK_EQ_INT(sm_pq_file_meta_decode(neg_rows, sizeof neg_rows, &arena, &fm, &e),
                 SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "num_rows (3) is negative (-1)") != NULL);
    /* a schema list holding i32s */
    const uint8_t wrong_elem[] = {0x15, 0x02, 0x19, 0x15, 0x02, 0x00};
    CHECK_EQ_INT(sm_pq_file_meta_decode(wrong_elem, sizeof wrong_elem, &arena, &fm, &e),
                 SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "list of integer, expected struct") != NULL);
    /* a missing name, nested: the message names both structs */
    const uint8_t no_name[] = {0x15, 0x02, 0x19, 0x1c, 0x15, 0x02,
                               0x00, 0x16, 0x00, 0x19, 0x0c, 0x00};
    CHECK_EQ_INT(sm_pq_file_meta_decode(no_name, sizeof no_name, &arena, &fm, &e), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "FileMetaData: SchemaElement: required field name (4) missing at offset 4");
    sm_buf_free(&b);
    sm_buf_free(&b2);
    sm_arena_free(&arena);
}

/* A schema element carrying a logical type union member `id` holding an
 * empty struct (or, for id 16 VARIANT, a struct with a field). */
static void test_logical_types(void)
{
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    for (int id = 1; id <= 20; id++) {
        sm_buf_t b = SM_BUF_INIT;
        sm_pq_tw_t w;
        sm_pq_tw_init(&w, &b, &e);
        sm_pq_tw_struct_begin(&w);
        sm_pq_tw_field_binary(&w, 4, "x", 1);
        sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, 10);
        sm_pq_tw_struct_begin(&w);
        sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, (int16_t)id);
        sm_pq_tw_struct_begin(&w);
        if (id == 5) {
            sm_pq_tw_field_i32(&w, 1, 2);
            sm_pq_tw_field_i32(&w, 2, 9);
        } else if (id == 7 || id == 8) {
            sm_pq_tw_field_bool(&w, 1, true);
            sm_pq_tw_field(&w, SM_PQ_TC_STRUCT, 2);
            sm_pq_tw_struct_begin(&w);
            sm_pq_tw_field_empty_struct(&w, id == 7 ? 1 : 4); /* TIMESTAMP: unknown unit */
            sm_pq_tw_struct_end(&w);
        } else if (id == 10) {
            sm_pq_tw_field_i8(&w, 1, 64);
            sm_pq_tw_field_bool(&w, 2, true);
        } else if (id == 16) {
            sm_pq_tw_field_i8(&w, 1, 1);
        }
        sm_pq_tw_struct_end(&w);
        sm_pq_tw_struct_end(&w);
        sm_pq_tw_struct_end(&w);
        const uint8_t head[] = {0x15, 0x02, 0x19, 0x1c};
        /* decode the element through a full FileMetaData */
        sm_buf_t m = SM_BUF_INIT;
        sm_buf_append(&m, head, sizeof head, &e); /* version, schema: list of 1 */
        sm_buf_append(&m, b.data, b.len, &e);     /* the element */
        const uint8_t tail[] = {0x16, 0x00, 0x19, 0x0c, 0x00};
        sm_buf_append(&m, tail, sizeof tail, &e);
        sm_pq_file_meta_t fm;
        sm_err_t rc = sm_pq_file_meta_decode(m.data, m.len, &arena, &fm, &e);
        if (id == 9 || id >= 16) {
            CHECK_OK(rc, &e);
            CHECK_EQ_INT(fm.schema[0].logical.kind, SM_PQ_LT_OTHER);
            CHECK_EQ_INT(fm.schema[0].logical.other_id, id);
            /* an OTHER logical type cannot be written back */
            sm_buf_t x = SM_BUF_INIT;
            CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &x, &e), SM_ERR_INVALID);
            sm_buf_free(&x);
        } else {
            CHECK_OK(rc, &e);
            const sm_pq_logical_t *lt = &fm.schema[0].logical;
            CHECK_EQ_INT(lt->kind, id);
            if (id == 5)
                CHECK(lt->scale == 2 && lt->precision == 9);
            if (id == 7)
                CHECK(lt->unit == SM_PQ_UNIT_MILLIS && lt->is_adjusted_to_utc);
            if (id == 8)
                CHECK_EQ_INT(lt->unit, SM_PQ_UNIT_NONE);
            if (id == 10)
                CHECK(lt->bit_width == 64 && lt->is_signed);
            char txt[64];
            sm_pq_logical_format(lt, txt, sizeof txt);
            CHECK(txt[0] != '\0');
        }
        sm_buf_free(&m);
        sm_buf_free(&b);
    }
    /* DECIMAL without precision */
    const uint8_t dec[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0x01, 'x',  0x6c, 0x5c, 0x15,
                           0x02, 0x00, 0x00, 0x00, 0x16, 0x00, 0x19, 0x0c, 0x00};
    sm_pq_file_meta_t fm;
    CHECK_EQ_INT(sm_pq_file_meta_decode(dec, sizeof dec, &arena, &fm, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "DecimalType: required field precision (2) missing") != NULL);

    char txt[64];
    sm_pq_logical_t lt = {
        .kind = SM_PQ_LT_TIMESTAMP, .unit = SM_PQ_UNIT_MICROS, .is_adjusted_to_utc = true};
    CHECK_EQ_STR(sm_pq_logical_format(&lt, txt, sizeof txt), "TIMESTAMP(MICROS,utc)");
    lt = (sm_pq_logical_t){.kind = SM_PQ_LT_DECIMAL, .precision = 10, .scale = 2};
    CHECK_EQ_STR(sm_pq_logical_format(&lt, txt, sizeof txt), "DECIMAL(10,2)");
    lt = (sm_pq_logical_t){.kind = SM_PQ_LT_INTEGER, .bit_width = 16, .is_signed = true};
    CHECK_EQ_STR(sm_pq_logical_format(&lt, txt, sizeof txt), "INTEGER(16,signed)");
    CHECK_EQ_STR(sm_pq_logical_format(&lt, txt, 4), "INT");
    lt = (sm_pq_logical_t){.kind = SM_PQ_LT_NONE};
    CHECK_EQ_STR(sm_pq_logical_format(&lt, txt, sizeof txt), "");
    sm_arena_free(&arena);
}

static void test_names(void)
{
    CHECK_EQ_STR(sm_pq_type_name(SM_PQ_INT96), "INT96");
    CHECK_EQ_STR(sm_pq_type_name(SM_PQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
    CHECK_EQ_STR(sm_pq_type_name(8), "UNKNOWN");
    CHECK_EQ_STR(sm_pq_type_name(-1), "UNKNOWN");
    CHECK_EQ_STR(sm_pq_converted_name(SM_PQ_CT_TIMESTAMP_MICROS), "TIMESTAMP_MICROS");
    CHECK_EQ_STR(sm_pq_converted_name(SM_PQ_CT_INTERVAL), "INTERVAL");
    CHECK_EQ_STR(sm_pq_converted_name(22), "UNKNOWN");
    CHECK_EQ_STR(sm_pq_repetition_name(SM_PQ_REPEATED), "REPEATED");
    CHECK_EQ_STR(sm_pq_encoding_name(SM_PQ_ENC_RLE_DICTIONARY), "RLE_DICTIONARY");
    CHECK_EQ_STR(sm_pq_encoding_name(1), "UNKNOWN");
    CHECK_EQ_STR(sm_pq_encoding_name(SM_PQ_ENC_BYTE_STREAM_SPLIT), "BYTE_STREAM_SPLIT");
    CHECK_EQ_STR(sm_pq_page_type_name(SM_PQ_PAGE_DATA_V2), "DATA_PAGE_V2");
    CHECK_EQ_STR(sm_pq_page_type_name(4), "UNKNOWN");
}

/* ---- footer framing ------------------------------------------------------ */

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_footer_framing(void)
{
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_pq_file_meta_t fm;
    sm_buf_t f = SM_BUF_INIT;
    fill_full(&fm);
    sm_buf_append(&f, "PAR1", 4, &e);
    sm_buf_append(&f, "data", 4, &e);
    CHECK_OK(sm_pq_footer_append(&fm, &f, &e), &e);

    sm_pq_file_meta_t out;
    CHECK_OK(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), &e);
    CHECK_EQ_INT(out.num_rows, 1000);

    /* the tail alone, footer + 8 bytes */
    uint32_t flen;
    CHECK_OK(sm_pq_footer_len(f.data + f.len - 8, &flen, &e), &e);
    CHECK_EQ_INT(flen, f.len - 16);
    const uint8_t *tail = f.data + f.len - flen - 8;
    CHECK_OK(sm_pq_footer_parse_tail(tail, flen + 8, f.len, &arena, &out, &e), &e);
    CHECK_EQ_INT(out.num_row_groups, 2);
    /* a tail one byte too short */
    CHECK_EQ_INT(sm_pq_footer_parse_tail(tail + 1, flen + 7, f.len, &arena, &out, &e),
                 SM_ERR_INVALID);
    /* a file too small to hold the footer it claims */
    CHECK_EQ_INT(sm_pq_footer_parse_tail(tail, flen + 8, flen + 8, &arena, &out, &e),
                 SM_ERR_CORRUPT);

    /* bad leading magic */
    f.data[0] = 'X';
    CHECK_EQ_INT(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "no PAR1 magic at the start") != NULL);
    f.data[0] = 'P';
    /* encrypted footer */
    memcpy(f.data + f.len - 4, "PARE", 4);
    CHECK_EQ_INT(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), SM_ERR_UNSUPPORTED);
    CHECK_EQ_STR(e.msg, "encrypted Parquet footer (PARE) is not supported");
    /* other trailing magic */
    memcpy(f.data + f.len - 4, "PAR2", 4);
    CHECK_EQ_INT(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "not a Parquet file") != NULL);
    memcpy(f.data + f.len - 4, "PAR1", 4);
    /* footer length too big for the file, and over the hard limit */
    uint8_t *lenp = f.data + f.len - 8;
    put_le32(lenp, (uint32_t)(f.len - 11)); /* one more than fits */
    CHECK_EQ_INT(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "does not fit") != NULL);
    memcpy(lenp, "\xff\xff\xff\xff", 4);
    CHECK_EQ_INT(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e), SM_ERR_LIMIT);
    /* footer length one short: the struct decode fails (its start moved) */
    put_le32(lenp, flen - 1);
    CHECK(sm_pq_footer_parse(f.data, f.len, &arena, &out, &e) != SM_OK);
    CHECK(strstr(e.msg, "Parquet footer at file offset") == e.msg);

    /* tiny inputs */
    CHECK_EQ_INT(sm_pq_footer_parse("PAR1", 4, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_pq_footer_parse("", 0, &arena, &out, &e), SM_ERR_CORRUPT);
    const uint8_t empty_footer[] = {'P', 'A', 'R', '1', 0, 0, 0, 0, 'P', 'A', 'R', '1'};
    CHECK_EQ_INT(sm_pq_footer_parse(empty_footer, 12, &arena, &out, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "truncated") != NULL);
    sm_buf_free(&f);
    sm_arena_free(&arena);
}

/* ---- encoder contract ----------------------------------------------------- */

static void test_encode_errors(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    sm_pq_file_meta_t fm;
    fill_full(&fm);
    g_schema[3].name = NULL;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "SchemaElement.name") != NULL);
    fill_full(&fm);
    g_schema[4].logical.unit = SM_PQ_UNIT_NONE;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);
    fill_full(&fm);
    fm.num_rows = -1;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);
    fill_full(&fm);
    fm.schema = NULL;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);
    fill_full(&fm);
    g_orders[1].kind = SM_PQ_ORDER_OTHER;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);
    g_orders[1].kind = SM_PQ_ORDER_IEEE_754_TOTAL;
    fill_full(&fm);
    g_cols[1].has_crypto_metadata = true;
    CHECK_EQ_INT(sm_pq_file_meta_encode(&fm, &b, &e), SM_ERR_INVALID);

    /* file_offset is written even when the caller left has_file_offset
     * unset, and the chunk decodes with has_file_offset set */
    fill_full(&fm);
    g_cols[0].has_file_offset = false;
    sm_buf_reset(&b);
    CHECK_OK(sm_pq_file_meta_encode(&fm, &b, &e), &e);
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_pq_file_meta_t out;
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &out, &e), &e);
    CHECK(out.row_groups[0].columns[0].has_file_offset);

    /* out of memory part way: every allocation in turn */
    fill_full(&fm);
    for (long n = 1; n < 20; n++) {
        sm_buf_t c = SM_BUF_INIT;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_pq_footer_append(&fm, &c, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        sm_buf_free(&c);
        if (rc == SM_OK)
            break;
    }
    sm_buf_free(&b);
    sm_arena_free(&arena);
}

/* ---- hostile inputs ------------------------------------------------------ */

static void test_memory_budget(void)
{
    /* a row group list of 20000 empty ColumnChunk structs: 20000 bytes of
     * input asking for 20000 * sizeof(ColumnChunk) bytes of memory */
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_buf_t b = SM_BUF_INIT;
    const uint32_t n = 20000;
    const uint8_t head[] = {0x15,
                            0x02,
                            0x19,
                            0x1c,
                            0x48,
                            0x01,
                            'r',
                            0x00,
                            0x16,
                            0x02,
                            0x19,
                            0x1c,
                            /* one row group */ 0x19,
                            0xfc};
    sm_buf_append(&b, head, sizeof head, &e);
    uint8_t v[5];
    size_t k = 0;
    uint32_t x = n;
    for (; x >= 0x80; x >>= 7)
        v[k++] = (uint8_t)(x | 0x80);
    v[k++] = (uint8_t)x;
    sm_buf_append(&b, v, k, &e);
    for (uint32_t i = 0; i < n; i++)
        sm_buf_append_byte(&b, 0x00, &e);
    sm_pq_file_meta_t fm;
    sm_err_t rc = sm_pq_file_meta_decode(b.data, b.len, &arena, &fm, &e);
    if (sizeof(sm_pq_column_chunk_t) * n > 64 * b.len + (1u << 20)) {
        CHECK_EQ_INT(rc, SM_ERR_LIMIT);
        CHECK(strstr(e.msg, "expands beyond") != NULL);
    } else {
        CHECK(rc != SM_OK);
    }
    CHECK(arena.used_bytes < 64 * b.len + (2u << 20));
    sm_buf_free(&b);
    sm_arena_free(&arena);
}

/* Every truncation and many byte flips of a footer: errors, never crashes. */
static void torture_footer(const uint8_t *meta, size_t len, const char *what)
{
    sm_error_t e;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_pq_file_meta_t fm;
    int bad = 0;
    for (size_t n = 0; n < len; n++) {
        if (sm_pq_file_meta_decode(meta, n, &arena, &fm, &e) == SM_OK || e.msg[0] == '\0')
            bad++;
        sm_arena_reset(&arena);
    }
    if (bad)
        fprintf(stderr, "%s: %d truncations decoded\n", what, bad);
    CHECK_EQ_INT(bad, 0);

    uint8_t *copy = sm_malloc(len ? len : 1);
    CHECK(copy != NULL);
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)len;
    for (int it = 0; it < 3000 && len; it++) {
        memcpy(copy, meta, len);
        int flips = 1 + it % 3;
        for (int f = 0; f < flips; f++) {
            seed = seed * 1664525u + 1013904223u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1664525u + 1013904223u;
            copy[pos] ^= (uint8_t)(1u << ((seed >> 13) % 8));
        }
        sm_err_t rc = sm_pq_file_meta_decode(copy, len, &arena, &fm, &e);
        CHECK(rc == SM_OK || e.msg[0] != '\0');
        if (rc == SM_OK) {
            /* whatever decoded must encode again (unless it is not ours) */
            sm_buf_t b = SM_BUF_INIT;
            sm_pq_file_meta_encode(&fm, &b, &e);
            sm_buf_free(&b);
        }
        sm_arena_reset(&arena);
    }
    sm_free(copy);
    sm_arena_free(&arena);
}

static void test_torture_synthetic(void)
{
    sm_pq_file_meta_t fm;
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    fill_full(&fm);
    CHECK_OK(sm_pq_file_meta_encode(&fm, &b, &e), &e);
    torture_footer(b.data, b.len, "synthetic");
    sm_buf_free(&b);
}

static void test_alloc_failures(void)
{
    sm_pq_file_meta_t fm, out;
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    fill_full(&fm);
    CHECK_OK(sm_pq_file_meta_encode(&fm, &b, &e), &e);
    /* a small block size so the arena allocates often */
    sm_arena_t arena;
    sm_arena_init(&arena, 256);
    sm_mem_fail_after(0);
    CHECK_OK(sm_pq_file_meta_decode(b.data, b.len, &arena, &out, &e), &e);
    sm_arena_free(&arena);
    long total = sm_mem_fail_after(0);
    CHECK(total > 3);
    for (long n = 1; n <= total; n++) {
        sm_arena_init(&arena, 256);
        sm_mem_fail_after(n);
        sm_err_t rc = sm_pq_file_meta_decode(b.data, b.len, &arena, &out, &e);
        sm_mem_fail_after(0);
        CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        CHECK(out.schema == NULL);
        sm_arena_free(&arena);
    }
    sm_buf_free(&b);
}

/* ---- the parquet-testing corpus ----------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = n >= 0 ? sm_malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        sm_free(p);
        p = NULL;
    }
    fclose(f);
    *len = p ? (size_t)n : 0;
    return p;
}

static const char *corpus_dir(char *buf, size_t n)
{
    const char *src = getenv("SMELT_SOURCE_DIR");
    DIR *d;
    if (src) {
        snprintf(buf, n, "%s/../shared/data/parquet-testing", src);
        if ((d = opendir(buf))) {
            closedir(d);
            return buf;
        }
    }
    snprintf(buf, n, "/work/shared/data/parquet-testing");
    if ((d = opendir(buf))) {
        closedir(d);
        return buf;
    }
    return NULL;
}

static void check_alltypes_plain(const sm_pq_file_meta_t *fm)
{
    CHECK_EQ_INT(fm->num_rows, 8);
    CHECK_EQ_INT(fm->num_schema, 12);
    CHECK_EQ_INT(fm->schema[0].num_children, 11);
    CHECK_EQ_INT(fm->num_row_groups, 1);
    CHECK_EQ_INT(fm->row_groups[0].num_columns, 11);
    CHECK_EQ_INT(fm->row_groups[0].num_rows, 8);
    CHECK_EQ_STR(fm->schema[1].name, "id");
    CHECK_EQ_INT(fm->schema[1].type, SM_PQ_INT32);
    CHECK_EQ_INT(fm->schema[1].repetition, SM_PQ_OPTIONAL);
    CHECK_EQ_STR(fm->schema[11].name, "timestamp_col");
    CHECK_EQ_INT(fm->schema[11].type, SM_PQ_INT96);
    CHECK(fm->created_by && strncmp(fm->created_by, "impala version 1.3.0", 20) == 0);
    const sm_pq_column_meta_t *m = &fm->row_groups[0].columns[0].meta_data;
    CHECK_EQ_STR(m->path[0], "id");
    CHECK_EQ_INT(m->codec, SM_PQ_CODEC_UNCOMPRESSED);
    CHECK_EQ_INT(m->num_values, 8);
    for (uint32_t i = 0; i < fm->row_groups[0].num_columns; i++)
        CHECK_EQ_STR(fm->row_groups[0].columns[i].meta_data.path[0], fm->schema[i + 1].name);
}

/* Walks the column chunks of a decoded file and decodes the first page
 * header of each (at min(dictionary, data) offset). */
static int check_first_pages(const uint8_t *file, size_t len, const sm_pq_file_meta_t *fm,
                             sm_arena_t *arena)
{
    int pages = 0;
    for (uint32_t g = 0; g < fm->num_row_groups; g++) {
        for (uint32_t c = 0; c < fm->row_groups[g].num_columns; c++) {
            const sm_pq_column_chunk_t *cc = &fm->row_groups[g].columns[c];
            if (!cc->has_meta_data)
                continue;
            int64_t off = cc->meta_data.data_page_offset;
            if (cc->meta_data.has_dictionary_page_offset &&
                cc->meta_data.dictionary_page_offset > 0 &&
                cc->meta_data.dictionary_page_offset < off)
                off = cc->meta_data.dictionary_page_offset;
            if (off < 4 || (uint64_t)off >= len)
                continue;
            sm_pq_page_header_t ph;
            size_t used;
            sm_error_t e;
            sm_err_t rc =
                sm_pq_page_header_decode(file + off, len - (size_t)off, arena, &ph, &used, &e);
            if (rc) {
                fprintf(stderr, "  page header at %lld: %s\n", (long long)off, e.msg);
                return -1;
            }
            CHECK(used > 0 && ph.compressed_page_size >= 0);
            pages++;
        }
    }
    return pages;
}

static void test_corpus(void)
{
    char dir[4096];
    if (!corpus_dir(dir, sizeof dir)) {
        printf("SKIPPED: parquet-testing corpus not found\n");
        return;
    }
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int ok = 0, failed = 0, saw_alltypes = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 8 || strcmp(de->d_name + nl - 8, ".parquet") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        uint8_t *file = read_file(path, &len);
        CHECK(file != NULL);
        if (!file)
            continue;
        sm_arena_t arena;
        sm_arena_init(&arena, 0);
        sm_pq_file_meta_t fm;
        sm_error_t e;
        sm_err_t rc = sm_pq_footer_parse(file, len, &arena, &fm, &e);
        if (rc) {
            /* must be a clear error */
            printf("  %s: %s: %s\n", de->d_name, sm_err_name(rc), e.msg);
            CHECK(e.msg[0] != '\0');
            failed++;
        } else {
            ok++;
            CHECK(fm.num_schema >= 1);
            int64_t rows = 0;
            for (uint32_t g = 0; g < fm.num_row_groups; g++)
                rows += fm.row_groups[g].num_rows;
            if (rows != fm.num_rows) /* repeated_no_annotation says 0 */
                printf("  %s: num_rows %lld but row groups hold %lld\n", de->d_name,
                       (long long)fm.num_rows, (long long)rows);
            if (strcmp(de->d_name, "alltypes_plain.parquet") == 0) {
                check_alltypes_plain(&fm);
                saw_alltypes = 1;
            }
            if (check_first_pages(file, len, &fm, &arena) < 0) {
                fprintf(stderr, "  in %s\n", de->d_name);
                CHECK(0);
            }
            /* re-encode and decode again: the same bytes a second time */
            sm_buf_t b1 = SM_BUF_INIT, b2 = SM_BUF_INIT;
            if (sm_pq_file_meta_encode(&fm, &b1, &e) == SM_OK) {
                sm_pq_file_meta_t fm2;
                CHECK_OK(sm_pq_file_meta_decode(b1.data, b1.len, &arena, &fm2, &e), &e);
                CHECK_OK(sm_pq_file_meta_encode(&fm2, &b2, &e), &e);
                CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
                CHECK_EQ_INT(fm2.num_rows, fm.num_rows);
                CHECK_EQ_INT(fm2.num_schema, fm.num_schema);
            } else {
                printf("  %s: not re-encodable: %s\n", de->d_name, e.msg);
            }
            sm_buf_free(&b1);
            sm_buf_free(&b2);
            /* the footer through truncation and byte flips (small files) */
            if (len < 20000) {
                uint32_t flen;
                CHECK_OK(sm_pq_footer_len(file + len - 8, &flen, &e), &e);
                torture_footer(file + len - 8 - flen, flen, de->d_name);
                /* every truncated whole file fails */
                for (size_t n = 0; n < len; n += 1 + n / 16) {
                    sm_arena_reset(&arena);
                    if (sm_pq_footer_parse(file, n, &arena, &fm, &e) == SM_OK) {
                        /* only possible if the cut lands on an older footer */
                        CHECK(0);
                    }
                }
            }
        }
        sm_arena_free(&arena);
        sm_free(file);
    }
    closedir(d);
    printf("corpus: %d footers decoded, %d refused\n", ok, failed);
    CHECK(ok > 0);
    CHECK(saw_alltypes);
}

int main(void)
{
    RUN(test_file_meta_round_trip);
    RUN(test_minimal_meta);
    RUN(test_page_headers);
    RUN(test_hand_made_meta);
    RUN(test_logical_types);
    RUN(test_names);
    RUN(test_footer_framing);
    RUN(test_encode_errors);
    RUN(test_memory_budget);
    RUN(test_torture_synthetic);
    RUN(test_alloc_failures);
    RUN(test_corpus);
    return check_summary();
}
