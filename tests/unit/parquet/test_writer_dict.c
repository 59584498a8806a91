/* Unit tests of the Parquet writer's dictionary lookups (writer_column.c):
 * the cache in front of byte-string dictionaries (hash, length and bytes
 * compared, short strings by overlapping word loads), the cache in front
 * of fixed-width dictionaries, the direct map of integers, and the fall
 * back to PLAIN in the middle of a chunk (dictionary over budget, or mostly
 * unique values).
 *
 * Values are made to defeat the shortcuts: strings of every length from 1
 * to 40 that differ only in their middle byte (equal first and last 8
 * bytes), more distinct values per chunk than either cache has slots,
 * alternating with a few frequent ones so that no run shortcut applies,
 * integers inside and outside the direct map's window, doubles with NaN
 * and both zeros.  Files are written in slices of several sizes, in row
 * groups (each a new dictionary and a new cache generation), with the
 * default dictionary budget and with a 2 KiB one.
 *
 * Oracles: the input rows (every file must read back equal to them), the
 * per-chunk min/max computed here from the input for strings, integers
 * and doubles, and a PLAIN file (no dictionary) for the decimals' bounds.
 * The footer's encoding statistics must show that the dictionary was used,
 * and that it was given up part way through a chunk where expected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "parquet/encoding.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "pq_roundtrip.h"

static sm_store_t *store;

#define NROWS 40000
#define RG_ROWS 20000
#define NCOLS 7
#define NDISTINCT 3000 /* per chunk, more than either cache's 1024 slots */

enum { C_S, C_U, C_DEC, C_F64, C_I64, C_I32, C_N };

static sm_type_t *schema(void)
{
    return sm_type_struct(
        (sm_field_t[]){
            {"s", sm_type_string(), true},
            {"u", sm_type_string(), false},
            {"dec", sm_type_decimal(30, 4), true},
            {"f64", sm_type_float64(), true},
            {"i64", sm_type_int64(), true},
            {"i32", sm_type_int32(), false},
            {"n", sm_type_int32(), true},
        },
        NCOLS);
}

/* Value k of column s: length 1 + k % 40, every byte 'x' but the middle
 * one, which tells apart values of one length (k < 40 * 90). */
static size_t s_value(int k, char *buf)
{
    size_t n = 1 + (size_t)(k % 40);
    memset(buf, 'x', n);
    buf[n / 2] = (char)(33 + k / 40);
    return n;
}

/* Which value row r takes: odd rows walk all NDISTINCT values in a
 * scattered order, even rows take one of five frequent ones. */
static int pick(size_t r)
{
    return r % 2 ? (int)((r * 7919) % NDISTINCT) : (int)(r % 10) / 2;
}

static bool is_null(size_t r)
{
    return r % 89 == 11;
}

static sm_batch_t *make_rows(void)
{
    sm_error_t e = {0};
    sm_batch_t *b = NULL;
    sm_type_t *t = schema();
    sm_err_t rc = sm_batch_new(t, NROWS, &b, &e);
    sm_type_free(t);
    if (rc)
        return NULL;
    for (size_t r = 0; r < NROWS; r++) {
        int k = pick(r);
        sm_vector_t **c = b->cols;
        char s[64];
        if (is_null(r)) {
            CHECK_OK(sm_vector_append_null(c[C_S], &e), &e);
            CHECK_OK(sm_vector_append_null(c[C_DEC], &e), &e);
            CHECK_OK(sm_vector_append_null(c[C_F64], &e), &e);
            CHECK_OK(sm_vector_append_null(c[C_I64], &e), &e);
        } else {
            CHECK_OK(sm_vector_append_bytes(c[C_S], s, s_value(k, s), &e), &e);
            /* 2 * NDISTINCT decimals wider than 64 bits, some negative */
            sm_i128 q = (sm_i128)(k - 1000) * ((sm_i128)1 << 70) + (r % 4 == 1 ? 7 : 0);
            CHECK_OK(sm_vector_append_i128(c[C_DEC], q, &e), &e);
            double d = k == 7 ? NAN : k == 8 ? (r % 4 == 1 ? -0.0 : 0.0) : (k - 500) * 0.125;
            CHECK_OK(sm_vector_append_f64(c[C_F64], d, &e), &e);
            /* half inside the direct map's window, half far outside */
            int64_t x = k % 3 == 0 ? (int64_t)k << 40 : 1000000 + k;
            CHECK_OK(sm_vector_append_i64(c[C_I64], x, &e), &e);
        }
        /* unique keys: the dictionary is given up early in each chunk */
        int n = snprintf(s, sizeof s, "key-%08zu", r * 2654435761u % 100000007u);
        CHECK_OK(sm_vector_append_bytes(c[C_U], s, (size_t)n, &e), &e);
        /* descending, with a value below the window every 50 rows */
        CHECK_OK(sm_vector_append_i32(c[C_I32], r % 50 == 3 ? -5000000 : 900000 - (int)r, &e), &e);
        /* nullable, NULL only in ten rows of the second row group: pages
         * without a NULL (one run of definition levels) and one with */
        if (r >= 25000 && r < 25010)
            CHECK_OK(sm_vector_append_null(c[C_N], &e), &e);
        else
            CHECK_OK(sm_vector_append_i32(c[C_N], (int)(r % 3), &e), &e);
        b->nrows++;
    }
    return b;
}

static sm_pq_writer_t *write_file(const char *key, const sm_batch_t *b, bool dict,
                                  size_t dict_bytes, size_t slice)
{
    sm_pq_writer_opts_t o = {.codec = SM_PQ_CODEC_SNAPPY,
                             .no_dictionary = !dict,
                             .dictionary_bytes = dict_bytes,
                             .page_bytes = dict_bytes ? 4096 : 0, /* small budget, small pages */
                             .row_group_rows = RG_ROWS};
    return pq_write_slices(store, key, b, &o, slice);
}

static bool same_bytes(const sm_pq_bytes_t *a, const void *p, size_t n)
{
    return a->len == n && (n == 0 || memcmp(a->ptr, p, n) == 0);
}

/* Bounds of rows [lo, hi) of column s, computed from the input. */
static void s_bounds(const sm_batch_t *b, size_t lo, size_t hi, sm_buf_t *min, sm_buf_t *max)
{
    bool has = false;
    for (size_t r = lo; r < hi; r++) {
        if (is_null(r))
            continue;
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(b->cols[C_S], r, &n);
        for (int m = 0; m < 2; m++) {
            sm_buf_t *o = m ? max : min;
            size_t k = n < o->len ? n : o->len;
            int c = k ? memcmp(p, o->data, k) : 0;
            if (!c)
                c = (n > o->len) - (n < o->len);
            if (!has || (m ? c > 0 : c < 0)) {
                sm_buf_reset(o);
                sm_error_t e = {0};
                CHECK_OK(sm_buf_append(o, p, n, &e), &e);
            }
        }
        has = true;
    }
}

/* Checks the footer of key: per chunk, the bounds of s, f64, i64 and i32
 * against the input and of dec against the PLAIN file's; whether the
 * dictionary was used and whether it was given up inside chunks (u always
 * when falls_back, s when s_falls_back too: the writer decides after each
 * slice it is given, so not within a chunk given whole). */
static void check_footer(const char *key, const char *plain_key, const sm_batch_t *b,
                         bool falls_back, bool s_falls_back)
{
    sm_error_t e = {0};
    sm_pq_reader_t *r = NULL, *rp = NULL;
    CHECK_OK(sm_pq_reader_open(store, key, NULL, &r, &e), &e);
    CHECK_OK(sm_pq_reader_open(store, plain_key, NULL, &rp, &e), &e);
    if (!r || !rp) {
        sm_pq_reader_close(r);
        sm_pq_reader_close(rp);
        return;
    }
    const sm_pq_file_meta_t *fm = sm_pq_reader_meta(r), *pm = sm_pq_reader_meta(rp);
    CHECK_EQ_INT(fm->num_row_groups, NROWS / RG_ROWS);
    sm_buf_t min = {0}, max = {0};
    for (uint32_t g = 0; g < fm->num_row_groups && g < pm->num_row_groups; g++) {
        const sm_pq_row_group_t *rg = &fm->row_groups[g];
        size_t lo = (size_t)g * RG_ROWS, hi = lo + RG_ROWS;
        CHECK_EQ_INT(rg->num_columns, NCOLS);
        /* encodings: counts of dictionary-encoded and PLAIN data pages */
        for (uint32_t c = 0; c < rg->num_columns; c++) {
            const sm_pq_column_meta_t *m = &rg->columns[c].meta_data;
            int dict = 0, plain = 0;
            for (uint32_t i = 0; i < m->num_encoding_stats; i++) {
                const sm_pq_page_enc_stats_t *es = &m->encoding_stats[i];
                if (es->page_type != SM_PQ_PAGE_DATA)
                    continue;
                if (es->encoding == SM_PQ_ENC_RLE_DICTIONARY)
                    dict += es->count;
                else if (es->encoding == SM_PQ_ENC_PLAIN)
                    plain += es->count;
            }
            CHECK(dict > 0); /* every column starts with its dictionary */
            if (c == C_U)    /* unique keys: given up after 16384 values */
                CHECK_EQ_INT(plain > 0, falls_back);
            if (c == C_S) {
                s_falls_back = s_falls_back && falls_back;
                if (s_falls_back != (plain > 0))
                    fprintf(stderr, "%s: row group %u: s has %d PLAIN pages\n", key, g, plain);
                CHECK_EQ_INT(plain > 0, s_falls_back);
            }
        }
        const sm_pq_stats_t *st;
        /* s */
        s_bounds(b, lo, hi, &min, &max);
        st = &rg->columns[C_S].meta_data.statistics;
        CHECK(same_bytes(&st->min_value, min.data, min.len));
        CHECK(same_bytes(&st->max_value, max.data, max.len));
        int64_t nulls = 0;
        for (size_t x = lo; x < hi; x++)
            nulls += is_null(x);
        CHECK_EQ_INT(st->null_count, nulls);
        /* f64: -0.0 is the smallest zero, NaN is left out */
        double dmin = INFINITY, dmax = -INFINITY;
        int64_t imin = INT64_MAX, imax = INT64_MIN;
        int32_t jmin = INT32_MAX, jmax = INT32_MIN;
        for (size_t x = lo; x < hi; x++) {
            int32_t j = sm_vector_get_i32(b->cols[C_I32], x);
            jmin = j < jmin ? j : jmin;
            jmax = j > jmax ? j : jmax;
            if (is_null(x))
                continue;
            double d = sm_vector_get_f64(b->cols[C_F64], x);
            if (!isnan(d)) {
                dmin = d < dmin ? d : dmin;
                dmax = d > dmax ? d : dmax;
            }
            int64_t i = sm_vector_get_i64(b->cols[C_I64], x);
            imin = i < imin ? i : imin;
            imax = i > imax ? i : imax;
        }
        st = &rg->columns[C_F64].meta_data.statistics;
        CHECK(same_bytes(&st->min_value, &dmin, 8));
        CHECK(same_bytes(&st->max_value, &dmax, 8));
        st = &rg->columns[C_I64].meta_data.statistics;
        CHECK(same_bytes(&st->min_value, &imin, 8));
        CHECK(same_bytes(&st->max_value, &imax, 8));
        st = &rg->columns[C_I32].meta_data.statistics;
        CHECK(same_bytes(&st->min_value, &jmin, 4));
        CHECK(same_bytes(&st->max_value, &jmax, 4));
        /* dec: as the PLAIN file's */
        const sm_pq_stats_t *sp = &pm->row_groups[g].columns[C_DEC].meta_data.statistics;
        st = &rg->columns[C_DEC].meta_data.statistics;
        CHECK(st->has_min_value && st->has_max_value);
        CHECK(same_bytes(&st->min_value, sp->min_value.ptr, sp->min_value.len));
        CHECK(same_bytes(&st->max_value, sp->max_value.ptr, sp->max_value.len));
    }
    sm_buf_free(&min);
    sm_buf_free(&max);
    sm_pq_reader_close(r);
    sm_pq_reader_close(rp);
}

static void check_reads_back(const char *key, const sm_batch_t *b)
{
    pq_check_reads_back(store, key, b);
}

static void test_dictionary_lookups(void)
{
    sm_batch_t *b = make_rows();
    CHECK(b != NULL);
    if (!b)
        return;
    sm_pq_writer_free(write_file("plain.parquet", b, false, 0, NROWS));
    check_reads_back("plain.parquet", b);
    static const size_t slices[] = {NROWS, 1, 7, 1000, 4099};
    for (size_t si = 0; si < sizeof slices / sizeof slices[0]; si++) {
        /* the default budget holds s's ~3000 values; 2 KiB does not, and
         * the dictionary is given up part way through each chunk */
        for (int small = 0; small < 2; small++) {
            sm_pq_writer_free(write_file("dict.parquet", b, true, small ? 2048 : 0, slices[si]));
            check_reads_back("dict.parquet", b);
            check_footer("dict.parquet", "plain.parquet", b, slices[si] < RG_ROWS, small);
            sm_store_delete(store, "dict.parquet", NULL);
        }
    }
    sm_store_delete(store, "plain.parquet", NULL);
    sm_batch_free(b);
}

/* Two values that collide in either cache's slot but differ (and values
 * that only differ past the first and last 8 bytes) must keep their own
 * dictionary indices: alternating pairs of near-equal strings. */
static void test_near_equal_strings(void)
{
    sm_error_t e = {0};
    sm_type_t *t = sm_type_struct((sm_field_t[]){{"s", sm_type_string(), false}}, 1);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(t, 0, &b, &e), &e);
    sm_type_free(t);
    if (!b)
        return;
    char s[48];
    for (size_t r = 0; r < 5000; r++) {
        size_t n = 1 + (r / 2) % 47;
        memset(s, 'q', n);
        /* r and r + 1 differ in one byte somewhere inside */
        if (r % 2)
            s[(r / 2 * 13) % n] = 'Q';
        CHECK_OK(sm_vector_append_bytes(b->cols[0], s, n, &e), &e);
        b->nrows++;
    }
    for (size_t slice = 3; slice < 5000; slice *= 40) {
        sm_pq_writer_free(write_file("near.parquet", b, true, 0, slice));
        check_reads_back("near.parquet", b);
        sm_store_delete(store, "near.parquet", NULL);
    }
    sm_batch_free(b);
}

/* The writer's levels of a page without NULLs come from
 * sm_pq_rle_encode_repeat: the same bytes as the encoder given the values,
 * and they decode back. */
static void test_repeat_encoding(void)
{
    sm_error_t e = {0};
    static const size_t ns[] = {1, 7, 8, 9, 100, 65537};
    uint32_t *vals = sm_malloc(65537 * sizeof *vals);
    CHECK(vals != NULL);
    if (!vals)
        return;
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
        for (int bw = 0; bw <= 32; bw += bw < 3 ? 1 : 7) {
            uint32_t v = bw ? (uint32_t)((UINT64_C(1) << bw) - 1) : 0;
            for (size_t i = 0; i < ns[ni]; i++)
                vals[i] = v;
            for (int prefixed = 0; prefixed < 2; prefixed++) {
                sm_buf_t a = {0}, b = {0};
                CHECK_OK(prefixed ? sm_pq_rle_encode_prefixed(vals, ns[ni], bw, &a, &e)
                                  : sm_pq_rle_encode(vals, ns[ni], bw, &a, &e),
                         &e);
                CHECK_OK(sm_pq_rle_encode_repeat(v, ns[ni], bw, prefixed, &b, &e), &e);
                CHECK_EQ_INT(a.len, b.len);
                CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
                if (!prefixed) {
                    uint32_t *got = sm_calloc(ns[ni], sizeof *got);
                    CHECK(got != NULL);
                    if (got) {
                        CHECK_OK(sm_pq_rle_decode32(b.data, b.len, bw, got, ns[ni], &e), &e);
                        CHECK(memcmp(got, vals, ns[ni] * sizeof *got) == 0);
                    }
                    sm_free(got);
                }
                sm_buf_free(&a);
                sm_buf_free(&b);
            }
        }
    }
    /* a value wider than the bit width is refused */
    sm_buf_t b = {0};
    CHECK_EQ_INT(sm_pq_rle_encode_repeat(4, 10, 2, false, &b, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(b.len, 0);
    sm_buf_free(&b);
    sm_free(vals);
}

int main(void)
{
    char dir[] = "/tmp/smelt-pq-dict-XXXXXX";
    sm_error_t e = {0};
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    RUN(test_dictionary_lookups);
    RUN(test_near_equal_strings);
    RUN(test_repeat_encoding);
    sm_store_close(store);
    check_rm_tree(dir);
    return check_summary();
}
