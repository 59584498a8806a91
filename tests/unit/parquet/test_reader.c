/* Unit tests for parquet/reader: hand-built files (pages through the meta
 * encoder and the encodings), corrupt input, projection byte counts,
 * row-group pruning, allocation failures, and corpus files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mem.h"
#include "parquet/encoding.h"
#include "parquet/meta.h"
#include "parquet/reader.h"

/* ---- building tiny files ------------------------------------------------ */

typedef struct page {
    sm_pq_page_type_t type;
    int32_t num_values;
    sm_pq_encoding_t encoding;
    sm_buf_t body;
} page_t;

typedef struct rg_spec {
    int64_t num_rows;
    page_t pages[4];
    int npages;
    bool stats;
    int64_t min, max, nulls;
} rg_spec_t;

/* A one-column file: root + leaf element, row groups as given. */
static void build_file(const sm_pq_schema_elem_t *elems, uint32_t nelems, rg_spec_t *rgs,
                       uint32_t nrg, sm_buf_t *out)
{
    sm_error_t e;
    static sm_pq_row_group_t row_groups[8];
    static sm_pq_column_chunk_t chunks[8];
    static const char *path[4];
    static sm_pq_column_order_t order = {.kind = SM_PQ_ORDER_TYPE_DEFINED};
    static sm_pq_encoding_t encs[] = {SM_PQ_ENC_PLAIN, SM_PQ_ENC_RLE};
    memset(row_groups, 0, sizeof row_groups);
    memset(chunks, 0, sizeof chunks);
    uint32_t np = 0;
    for (uint32_t i = 1; i < nelems && np < 4; i++)
        path[np++] = elems[i].name;
    sm_buf_append(out, "PAR1", 4, &e);
    const sm_pq_schema_elem_t *leaf = &elems[nelems - 1];
    for (uint32_t g = 0; g < nrg; g++) {
        size_t start = out->len;
        int64_t nv = 0, dict_off = -1, data_off = -1;
        for (int p = 0; p < rgs[g].npages; p++) {
            page_t *pg = &rgs[g].pages[p];
            sm_pq_page_header_t ph = {.type = pg->type,
                                      .uncompressed_page_size = (int32_t)pg->body.len,
                                      .compressed_page_size = (int32_t)pg->body.len};
            if (pg->type == SM_PQ_PAGE_DICTIONARY) {
                ph.has_dictionary_page_header = true;
                ph.dictionary_page_header.num_values = pg->num_values;
                ph.dictionary_page_header.encoding = SM_PQ_ENC_PLAIN;
                if (dict_off < 0)
                    dict_off = (int64_t)out->len;
            } else {
                ph.has_data_page_header = true;
                ph.data_page_header.num_values = pg->num_values;
                ph.data_page_header.encoding = pg->encoding;
                ph.data_page_header.definition_level_encoding = SM_PQ_ENC_RLE;
                ph.data_page_header.repetition_level_encoding = SM_PQ_ENC_RLE;
                nv += pg->num_values;
                if (data_off < 0)
                    data_off = (int64_t)out->len;
            }
            CHECK_OK(sm_pq_page_header_encode(&ph, out, &e), &e);
            sm_buf_append(out, pg->body.data, pg->body.len, &e);
            sm_buf_free(&pg->body);
        }
        sm_pq_column_meta_t *md = &chunks[g].meta_data;
        chunks[g].has_meta_data = true;
        chunks[g].has_file_offset = true;
        md->type = leaf->type;
        md->num_encodings = 2;
        md->encodings = encs;
        md->path_len = np;
        md->path = path;
        md->codec = SM_PQ_CODEC_UNCOMPRESSED;
        md->num_values = nv;
        md->total_compressed_size = md->total_uncompressed_size = (int64_t)(out->len - start);
        md->data_page_offset = data_off < 0 ? (int64_t)start : data_off;
        if (dict_off >= 0) {
            md->has_dictionary_page_offset = true;
            md->dictionary_page_offset = dict_off;
        }
        if (rgs[g].stats) {
            md->has_statistics = true;
            sm_pq_stats_t *st = &md->statistics;
            st->has_min_value = st->has_max_value = st->has_null_count = true;
            st->min_value.ptr = (const uint8_t *)&rgs[g].min;
            st->min_value.len = 8;
            st->max_value.ptr = (const uint8_t *)&rgs[g].max;
            st->max_value.len = 8;
            st->null_count = rgs[g].nulls;
        }
        row_groups[g].num_columns = 1;
        row_groups[g].columns = &chunks[g];
        row_groups[g].num_rows = rgs[g].num_rows;
        row_groups[g].total_byte_size = md->total_uncompressed_size;
    }
    int64_t rows = 0;
    for (uint32_t g = 0; g < nrg; g++)
        rows += rgs[g].num_rows;
    sm_pq_file_meta_t fm = {.version = 1,
                            .num_schema = nelems,
                            .schema = (sm_pq_schema_elem_t *)elems,
                            .num_rows = rows,
                            .num_row_groups = nrg,
                            .row_groups = row_groups,
                            .created_by = "smelt test",
                            .has_column_orders = true,
                            .num_column_orders = 1,
                            .column_orders = &order};
    CHECK_OK(sm_pq_footer_append(&fm, out, &e), &e);
}

static sm_pq_schema_elem_t root_elem(int children)
{
    return (sm_pq_schema_elem_t){
        .name = "schema", .has_num_children = true, .num_children = children};
}

static sm_pq_schema_elem_t leaf_elem(const char *name, sm_pq_type_t t, sm_pq_repetition_t rep)
{
    return (sm_pq_schema_elem_t){
        .name = name, .has_type = true, .type = t, .has_repetition = true, .repetition = rep};
}

/* A v1 data page body: optional def levels (bit width bw) + PLAIN int64s. */
static page_t i64_page(const int64_t *vals, size_t nvals, const uint32_t *defs, size_t ndefs,
                       int bw)
{
    sm_error_t e;
    page_t p = {.type = SM_PQ_PAGE_DATA, .encoding = SM_PQ_ENC_PLAIN};
    if (defs)
        sm_pq_rle_encode_prefixed(defs, ndefs, bw, &p.body, &e);
    sm_pq_plain_put_fixed(vals, nvals, 8, &p.body, &e);
    p.num_values = (int32_t)(defs ? ndefs : nvals);
    return p;
}

/* Reads every batch; returns the total rows, -1 on error (message in e). */
static long read_all(const sm_buf_t *file, const sm_pq_reader_opts_t *o, sm_error_t *e,
                     int64_t *sum)
{
    sm_pq_reader_t *r = NULL;
    long rows = 0;
    if (sum)
        *sum = 0;
    if (sm_pq_reader_open_mem(file->data, file->len, "t.parquet", o, &r, e))
        return -1;
    for (;;) {
        sm_batch_t *b = NULL;
        if (sm_pq_reader_next(r, &b, e)) {
            rows = -1;
            break;
        }
        if (!b)
            break;
        rows += (long)b->nrows;
        if (sum && b->ncols && b->cols[0]->type->kind == SM_TYPE_INT64)
            for (size_t i = 0; i < b->nrows; i++)
                if (!sm_vector_is_null(b->cols[0], i))
                    *sum += sm_vector_get_i64(b->cols[0], i);
        sm_batch_free(b);
    }
    sm_pq_reader_close(r);
    return rows;
}

/* ---- tests -------------------------------------------------------------- */

static void test_required_int64(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_REQUIRED)};
    int64_t v1[] = {1, 2, 3}, v2[] = {4, 5};
    rg_spec_t rg = {.num_rows = 5, .npages = 2};
    rg.pages[0] = i64_page(v1, 3, NULL, 0, 0);
    rg.pages[1] = i64_page(v2, 2, NULL, 0, 0);
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, &rg, 1, &f);
    sm_error_t e = {0};
    int64_t sum;
    sm_pq_reader_opts_t o = {.batch_rows = 2};
    CHECK_EQ_INT(read_all(&f, &o, &e, &sum), 5);
    CHECK_EQ_INT(sum, 15);
    sm_buf_free(&f);
}

static void test_optional_nulls(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_OPTIONAL)};
    int64_t v[] = {7, 8};
    uint32_t d[] = {0, 1, 0, 0, 1, 0};
    rg_spec_t rg = {.num_rows = 6, .npages = 1};
    rg.pages[0] = i64_page(v, 2, d, 6, 1);
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, &rg, 1, &f);
    sm_error_t e = {0};
    sm_pq_reader_t *r;
    CHECK_OK(sm_pq_reader_open_mem(f.data, f.len, "t", NULL, &r, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_pq_reader_next(r, &b, &e), &e);
    CHECK(b && b->nrows == 6);
    if (b) {
        sm_vector_t *c = b->cols[0];
        CHECK_EQ_INT(c->null_count, 4);
        CHECK(sm_vector_is_null(c, 0) && !sm_vector_is_null(c, 1) && sm_vector_is_null(c, 5));
        CHECK_EQ_INT(sm_vector_get_i64(c, 1), 7);
        CHECK_EQ_INT(sm_vector_get_i64(c, 4), 8);
        CHECK_EQ_INT(sm_vector_get_i64(c, 0), 0); /* null slots hold zeros */
    }
    sm_batch_free(b);
    CHECK_OK(sm_pq_reader_next(r, &b, &e), &e);
    CHECK(b == NULL);
    sm_pq_reader_close(r);
    sm_buf_free(&f);
}

static void test_short_and_long_chunks(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_REQUIRED)};
    int64_t v[] = {1, 2, 3};
    sm_error_t e = {0};
    /* the row group claims 4 rows, the page holds 3 */
    rg_spec_t rg = {.num_rows = 4, .npages = 1};
    rg.pages[0] = i64_page(v, 3, NULL, 0, 0);
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, &rg, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "t.parquet") && strstr(e.msg, "column \"a\"") &&
          strstr(e.msg, "row group 0") && strstr(e.msg, "offset"));
    sm_buf_free(&f);
    /* the row group claims 2 rows, the page holds 3 */
    rg_spec_t rg2 = {.num_rows = 2, .npages = 1};
    rg2.pages[0] = i64_page(v, 3, NULL, 0, 0);
    build_file(el, 2, &rg2, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "more values"));
    sm_buf_free(&f);
    /* the page says 3 values but holds the bytes of 2 */
    rg_spec_t rg3 = {.num_rows = 3, .npages = 1};
    rg3.pages[0] = i64_page(v, 2, NULL, 0, 0);
    rg3.pages[0].num_values = 3;
    build_file(el, 2, &rg3, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    sm_buf_free(&f);
    /* a definition level above the maximum */
    sm_pq_schema_elem_t el2[] = {root_elem(1),
                                 {.name = "g",
                                  .has_repetition = true,
                                  .repetition = SM_PQ_OPTIONAL,
                                  .has_num_children = true,
                                  .num_children = 1},
                                 leaf_elem("a", SM_PQ_INT64, SM_PQ_OPTIONAL)};
    uint32_t d[] = {2, 3, 2};
    rg_spec_t rg4 = {.num_rows = 3, .npages = 1};
    rg4.pages[0] = i64_page(v, 2, d, 3, 2);
    build_file(el2, 3, &rg4, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK(strstr(e.msg, "exceeds the column's maximum"));
    sm_buf_free(&f);
}

static page_t dict_page(const int64_t *vals, int n)
{
    sm_error_t e;
    page_t p = {.type = SM_PQ_PAGE_DICTIONARY, .num_values = n};
    sm_pq_plain_put_fixed(vals, (size_t)n, 8, &p.body, &e);
    return p;
}

static page_t idx_page(const uint32_t *idx, int n, int bw)
{
    sm_error_t e;
    page_t p = {.type = SM_PQ_PAGE_DATA, .num_values = n, .encoding = SM_PQ_ENC_RLE_DICTIONARY};
    sm_buf_append_byte(&p.body, (uint8_t)bw, &e);
    sm_pq_rle_encode(idx, (size_t)n, bw, &p.body, &e);
    return p;
}

static void test_dictionary(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_REQUIRED)};
    int64_t dv[] = {100, 200, 300};
    uint32_t idx[] = {2, 0, 1, 1, 2};
    sm_error_t e = {0};
    int64_t sum;
    rg_spec_t rg = {.num_rows = 5, .npages = 2};
    rg.pages[0] = dict_page(dv, 3);
    rg.pages[1] = idx_page(idx, 5, 2);
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, &rg, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, &sum), 5);
    CHECK_EQ_INT(sum, 1100);
    sm_buf_free(&f);
    /* an index past the dictionary */
    uint32_t bad[] = {0, 3};
    rg_spec_t rg2 = {.num_rows = 2, .npages = 2};
    rg2.pages[0] = dict_page(dv, 3);
    rg2.pages[1] = idx_page(bad, 2, 2);
    build_file(el, 2, &rg2, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    sm_buf_free(&f);
    /* two dictionary pages */
    rg_spec_t rg3 = {.num_rows = 2, .npages = 3};
    rg3.pages[0] = dict_page(dv, 3);
    rg3.pages[1] = dict_page(dv, 3);
    rg3.pages[2] = idx_page(idx, 2, 2);
    build_file(el, 2, &rg3, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK(strstr(e.msg, "more than one dictionary"));
    sm_buf_free(&f);
    /* indices without a dictionary */
    rg_spec_t rg4 = {.num_rows = 2, .npages = 1};
    rg4.pages[0] = idx_page(idx, 2, 2);
    build_file(el, 2, &rg4, 1, &f);
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), -1);
    CHECK(strstr(e.msg, "no dictionary page"));
    sm_buf_free(&f);
}

static void test_zero_row_groups(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_OPTIONAL)};
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, NULL, 0, &f);
    sm_error_t e = {0};
    CHECK_EQ_INT(read_all(&f, NULL, &e, NULL), 0);
    sm_buf_free(&f);
}

/* optional list<optional int32>: [1,2], null, [], [null], [3] */
static void test_list_levels(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1),
                                {.name = "a",
                                 .has_repetition = true,
                                 .repetition = SM_PQ_OPTIONAL,
                                 .has_num_children = true,
                                 .num_children = 1,
                                 .has_converted_type = true,
                                 .converted_type = SM_PQ_CT_LIST,
                                 .logical = {.kind = SM_PQ_LT_LIST}},
                                {.name = "list",
                                 .has_repetition = true,
                                 .repetition = SM_PQ_REPEATED,
                                 .has_num_children = true,
                                 .num_children = 1},
                                leaf_elem("element", SM_PQ_INT32, SM_PQ_OPTIONAL)};
    uint32_t rep[] = {0, 1, 0, 0, 0, 0}, def[] = {3, 3, 0, 1, 2, 3};
    int32_t vals[] = {1, 2, 3};
    sm_error_t e = {0};
    page_t p = {.type = SM_PQ_PAGE_DATA, .num_values = 6, .encoding = SM_PQ_ENC_PLAIN};
    sm_pq_rle_encode_prefixed(rep, 6, 1, &p.body, &e);
    sm_pq_rle_encode_prefixed(def, 6, 2, &p.body, &e);
    sm_pq_plain_put_fixed(vals, 3, 4, &p.body, &e);
    rg_spec_t rg = {.num_rows = 5, .npages = 1};
    rg.pages[0] = p;
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 4, &rg, 1, &f);
    for (size_t batch = 1; batch <= 5; batch += 4) {
        sm_pq_reader_opts_t o = {.batch_rows = batch};
        sm_pq_reader_t *r;
        CHECK_OK(sm_pq_reader_open_mem(f.data, f.len, "t", &o, &r, &e), &e);
        sm_vector_t *all = NULL;
        sm_batch_t *b = NULL;
        while (sm_pq_reader_next(r, &b, &e) == SM_OK && b) {
            if (!all)
                sm_vector_new(b->cols[0]->type, 8, &all, &e);
            CHECK_OK(sm_vector_append_range(all, b->cols[0], 0, b->nrows, &e), &e);
            sm_batch_free(b);
        }
        CHECK_EQ_INT(e.code, SM_OK);
        CHECK(all && all->len == 5);
        if (all && all->len == 5) {
            size_t s, t;
            sm_vector_list_range(all, 0, &s, &t);
            CHECK_EQ_INT(t - s, 2);
            CHECK_EQ_INT(sm_vector_get_i32(all->children[0], s + 1), 2);
            CHECK(sm_vector_is_null(all, 1));
            CHECK(!sm_vector_is_null(all, 2));
            sm_vector_list_range(all, 2, &s, &t);
            CHECK_EQ_INT(t - s, 0);
            sm_vector_list_range(all, 3, &s, &t);
            CHECK_EQ_INT(t - s, 1);
            CHECK(sm_vector_is_null(all->children[0], s));
            sm_vector_list_range(all, 4, &s, &t);
            CHECK_EQ_INT(sm_vector_get_i32(all->children[0], s), 3);
        }
        sm_vector_free(all);
        sm_pq_reader_close(r);
    }
    sm_buf_free(&f);
}

static sm_vector_t *i64_literals(const int64_t *v, size_t n)
{
    sm_vector_t *x = NULL;
    sm_error_t e;
    sm_vector_new(sm_type_int64(), n, &x, &e);
    for (size_t i = 0; i < n; i++)
        sm_vector_append_i64(x, v[i], &e);
    return x;
}

static void test_pruning(void)
{
    sm_pq_schema_elem_t el[] = {root_elem(1), leaf_elem("a", SM_PQ_INT64, SM_PQ_OPTIONAL)};
    rg_spec_t rg[3];
    memset(rg, 0, sizeof rg);
    for (int g = 0; g < 3; g++) {
        int64_t v[10];
        uint32_t d[10];
        for (int i = 0; i < 10; i++) {
            v[i] = g * 10 + i;
            d[i] = 1;
        }
        rg[g] = (rg_spec_t){.num_rows = 10,
                            .npages = 1,
                            .stats = true,
                            .min = g * 10,
                            .max = g * 10 + 9,
                            .nulls = 0};
        rg[g].pages[0] = i64_page(v, 10, d, 10, 1);
    }
    sm_buf_t f = SM_BUF_INIT;
    build_file(el, 2, rg, 3, &f);
    struct {
        sm_pq_pred_op_t op;
        int64_t lit[2];
        size_t nlit;
        const char *keep;
        int64_t sum;
    } cases[] = {
        {SM_PQ_PRED_GE, {15}, 1, "011", 0},         {SM_PQ_PRED_EQ, {5}, 1, "100", 0},
        {SM_PQ_PRED_IN, {25, 3}, 2, "101", 0},      {SM_PQ_PRED_LT, {0}, 1, "000", 0},
        {SM_PQ_PRED_LE, {0}, 1, "100", 0},          {SM_PQ_PRED_GT, {29}, 1, "000", 0},
        {SM_PQ_PRED_LT, {10}, 1, "100", 0},         {SM_PQ_PRED_IS_NULL, {0}, 0, "000", 0},
        {SM_PQ_PRED_IS_NOT_NULL, {0}, 0, "111", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sm_vector_t *lit = i64_literals(cases[k].lit, cases[k].nlit ? cases[k].nlit : 1);
        sm_pq_pred_t pred = {.column = "a", .op = cases[k].op, .values = lit};
        sm_pq_reader_opts_t o = {.preds = &pred, .npreds = 1};
        sm_pq_reader_t *r;
        sm_error_t e = {0};
        CHECK_OK(sm_pq_reader_open_mem(f.data, f.len, "t", &o, &r, &e), &e);
        char got[4] = {0};
        for (uint32_t g = 0; g < 3; g++)
            got[g] = sm_pq_reader_row_group_selected(r, g) ? '1' : '0';
        if (strcmp(got, cases[k].keep))
            fprintf(stderr, "pruning case %zu: kept %s, expected %s\n", k, got, cases[k].keep);
        CHECK_EQ_STR(got, cases[k].keep);
        long rows = 0;
        sm_batch_t *b;
        while (sm_pq_reader_next(r, &b, &e) == SM_OK && b) {
            rows += (long)b->nrows;
            sm_batch_free(b);
        }
        long want = 0;
        for (int g = 0; g < 3; g++)
            want += cases[k].keep[g] == '1' ? 10 : 0;
        CHECK_EQ_INT(rows, want);
        CHECK_EQ_INT(sm_pq_reader_rows_selected(r), want);
        sm_pq_reader_close(r);
        sm_vector_free(lit);
    }
    /* a decimal literal compares by value; a string literal never prunes an int column */
    {
        sm_vector_t *dec = NULL, *str = NULL;
        sm_error_t e = {0};
        sm_type_t *dt = sm_type_decimal(10, 2);
        sm_vector_new(dt, 1, &dec, &e);
        sm_type_free(dt);
        sm_vector_append_i128(dec, 2550, &e); /* 25.50 */
        sm_vector_new(sm_type_string(), 1, &str, &e);
        sm_vector_append_str(str, "zzz", &e);
        sm_pq_pred_t preds[] = {{.column = "a", .op = SM_PQ_PRED_GT, .values = dec},
                                {.column = "a", .op = SM_PQ_PRED_GT, .values = str}};
        sm_pq_reader_opts_t o = {.preds = preds, .npreds = 2};
        sm_pq_reader_t *r;
        CHECK_OK(sm_pq_reader_open_mem(f.data, f.len, "t", &o, &r, &e), &e);
        CHECK_EQ_INT(sm_pq_reader_row_groups_selected(r), 1);
        CHECK(sm_pq_reader_row_group_selected(r, 2));
        sm_pq_reader_close(r);
        sm_vector_free(dec);
        sm_vector_free(str);
        sm_pq_pred_t unknown = {.column = "nope", .op = SM_PQ_PRED_IS_NULL};
        o = (sm_pq_reader_opts_t){.preds = &unknown, .npreds = 1};
        CHECK_EQ_INT(sm_pq_reader_open_mem(f.data, f.len, "t", &o, &r, &e), SM_ERR_NOT_FOUND);
        CHECK(r == NULL);
    }
    sm_buf_free(&f);
}

/* ---- corpus files ------------------------------------------------------- */

static uint8_t *load(const char *name, size_t *len)
{
    const char *src = getenv("SMELT_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/../shared/data/parquet-testing/%s", src ? src : "/work/main",
             name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(path, sizeof path, "/work/shared/data/parquet-testing/%s", name);
        f = fopen(path, "rb");
    }
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

typedef struct count_src {
    const uint8_t *data;
    size_t len;
    uint64_t bytes;
    int reads;
} count_src_t;

static sm_err_t count_read(void *ctx, uint64_t off, size_t len, void *dst, sm_error_t *e)
{
    count_src_t *c = ctx;
    if (off > c->len || len > c->len - off)
        return sm_error_set(e, SM_ERR_CORRUPT, "past the end");
    memcpy(dst, c->data + off, len);
    c->bytes += len;
    c->reads++;
    return SM_OK;
}

static void test_projection_bytes(void)
{
    size_t len;
    uint8_t *data = load("alltypes_tiny_pages_plain.parquet", &len);
    if (!data) {
        fprintf(stderr, "SKIP test_projection_bytes: corpus not found\n");
        return;
    }
    const char *cols[] = {"bool_col", "id"};
    count_src_t c = {.data = data, .len = len};
    sm_pq_source_t src = {.read = count_read, .ctx = &c, .size = len, .name = "tiny"};
    sm_pq_reader_opts_t o = {.columns = cols, .ncolumns = 2};
    sm_pq_reader_t *r;
    sm_error_t e = {0};
    CHECK_OK(sm_pq_reader_open_source(&src, &o, &r, &e), &e);
    const sm_pq_file_meta_t *fm = sm_pq_reader_meta(r);
    uint64_t want = 64 * 1024;
    for (uint32_t i = 0; i < fm->row_groups[0].num_columns; i++) {
        const char *p = fm->row_groups[0].columns[i].meta_data.path[0];
        if (!strcmp(p, "id") || !strcmp(p, "bool_col"))
            want += (uint64_t)fm->row_groups[0].columns[i].meta_data.total_compressed_size;
    }
    long rows = 0;
    int64_t idsum = 0;
    sm_batch_t *b;
    while (sm_pq_reader_next(r, &b, &e) == SM_OK && b) {
        CHECK_EQ_INT(b->ncols, 2);
        CHECK_EQ_STR(b->schema->fields[0].name, "bool_col");
        for (size_t i = 0; i < b->nrows; i++)
            idsum += sm_vector_get_i32(b->cols[1], i);
        rows += (long)b->nrows;
        sm_batch_free(b);
    }
    CHECK_EQ_INT(e.code, SM_OK);
    CHECK_EQ_INT(rows, 7300);
    CHECK_EQ_INT(idsum, 7299L * 7300 / 2);
    CHECK_EQ_INT(c.bytes, want);
    CHECK_EQ_INT(sm_pq_reader_bytes_read(r), want);
    CHECK(c.bytes < len / 4);
    CHECK_EQ_INT(c.reads, 3);
    sm_pq_reader_close(r);
    /* unknown columns */
    const char *bad[] = {"nope"};
    o.columns = bad;
    o.ncolumns = 1;
    CHECK_EQ_INT(sm_pq_reader_open_mem(data, len, "tiny", &o, &r, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "nope"));
    int idx[] = {20};
    sm_pq_reader_opts_t o2 = {.column_idx = idx, .ncolumn_idx = 1};
    CHECK_EQ_INT(sm_pq_reader_open_mem(data, len, "tiny", &o2, &r, &e), SM_ERR_NOT_FOUND);
    free(data);
}

/* Every prefix and many byte flips of real files: errors, never crashes. */
static void test_corrupt_files(void)
{
    const char *names[] = {"alltypes_plain.snappy.parquet", "nested_maps.snappy.parquet",
                           "datapage_v2.snappy.parquet", "nullable.impala.parquet",
                           "delta_length_byte_array.parquet"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t len;
        uint8_t *data = load(names[k], &len);
        if (!data)
            continue;
        sm_error_t e = {0};
        sm_buf_t whole = sm_buf_borrow(data, len);
        CHECK(read_all(&whole, NULL, &e, NULL) > 0);
        for (size_t cut = 0; cut < len; cut += 1 + cut / 16) {
            uint8_t *copy = malloc(cut + 1);
            memcpy(copy, data, cut);
            sm_buf_t t = sm_buf_borrow(copy, cut);
            CHECK_EQ_INT(read_all(&t, NULL, &e, NULL), -1);
            CHECK(e.code != SM_OK && e.msg[0]);
            free(copy);
        }
        srand(42 + (unsigned)k);
        uint8_t *copy = malloc(len);
        for (int round = 0; round < 600; round++) {
            memcpy(copy, data, len);
            int flips = 1 + rand() % 4;
            for (int i = 0; i < flips; i++)
                copy[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
            sm_buf_t t = sm_buf_borrow(copy, len);
            sm_pq_reader_opts_t o = {.batch_rows = 1 + (size_t)(rand() % 8)};
            read_all(&t, &o, &e, NULL); /* any outcome but a crash */
        }
        free(copy);
        free(data);
    }
}

static void test_alloc_failures(void)
{
    size_t len;
    uint8_t *data = load("nested_maps.snappy.parquet", &len);
    if (!data)
        return;
    sm_buf_t whole = sm_buf_borrow(data, len);
    sm_error_t e = {0};
    long want = read_all(&whole, NULL, &e, NULL);
    CHECK(want > 0);
    int failures = 0;
    for (long n = 1; n < 5000; n++) {
        sm_mem_fail_after(n);
        long got = read_all(&whole, NULL, &e, NULL);
        sm_mem_fail_after(0);
        if (got == want)
            break;
        CHECK_EQ_INT(got, -1);
        CHECK(e.code == SM_ERR_NOMEM || e.code == SM_ERR_CORRUPT);
        failures++;
    }
    CHECK(failures > 10);
    free(data);
}

static void test_store_open(void)
{
    const char *src = getenv("SMELT_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../shared/data/parquet-testing", src ? src : "/work/main");
    sm_store_t *st = NULL;
    sm_error_t e = {0};
    if (sm_store_open(dir, &st, &e)) {
        fprintf(stderr, "SKIP test_store_open: %s\n", e.msg);
        return;
    }
    sm_pq_reader_t *r = NULL;
    CHECK_OK(sm_pq_reader_open(st, "alltypes_plain.parquet", NULL, &r, &e), &e);
    if (r) {
        CHECK_EQ_INT(sm_pq_reader_num_rows(r), 8);
        sm_batch_t *b = NULL;
        CHECK_OK(sm_pq_reader_next(r, &b, &e), &e);
        CHECK(b && b->nrows == 8 && b->ncols == 11);
        sm_batch_free(b);
        sm_pq_reader_close(r);
    }
    CHECK_EQ_INT(sm_pq_reader_open(st, "missing.parquet", NULL, &r, &e), SM_ERR_NOT_FOUND);
    sm_store_close(st);
}

int main(void)
{
    RUN(test_required_int64);
    RUN(test_optional_nulls);
    RUN(test_short_and_long_chunks);
    RUN(test_dictionary);
    RUN(test_zero_row_groups);
    RUN(test_list_levels);
    RUN(test_pruning);
    RUN(test_projection_bytes);
    RUN(test_corrupt_files);
    RUN(test_alloc_failures);
    RUN(test_store_open);
    return check_summary();
}
