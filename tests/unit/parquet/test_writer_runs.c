/* Unit tests of the Parquet writer's dictionary shortcuts (a run of one
 * value repeats its index without a lookup; recently met values are found
 * in a cache in front of the dictionary, emptied with each row group's new
 * dictionary; integers near a chunk's first value are looked up in a
 * direct map, others in the hash table): columns with
 * constant values, runs crossing batch slices, nulls inside runs, values
 * equal in bits but not in kind (-0.0 after 0.0, NaN), strings of one length
 * differing in content, dense integers inside, below and above the direct
 * map's window.  The oracle is the same rows written PLAIN (no
 * dictionary, no run shortcut): both files must read back equal to the
 * input, and their per-leaf statistics (null count, value count, min, max)
 * must be identical. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "pq_roundtrip.h"

static sm_store_t *store;

#define NROWS 5000

static sm_type_t *schema(void)
{
    return sm_type_struct(
        (sm_field_t[]){
            {"i16", sm_type_int16(), true},
            {"i32", sm_type_int32(), true},
            {"i64", sm_type_int64(), true},
            {"f32", sm_type_float32(), true},
            {"f64", sm_type_float64(), true},
            {"day", sm_type_date(), true},
            {"ts", sm_type_timestamp_tz(), true},
            {"dec", sm_type_decimal(10, 2), true},
            {"s", sm_type_string(), true},
            {"konst", sm_type_string(), false},
            {"down", sm_type_int32(), true},
            {"wide", sm_type_int64(), true},
        },
        12);
}

/* Row r's value of a run pattern: runs whose lengths vary (1, 2, 3, ...,
 * 17, again) so that runs start and end anywhere relative to slices. */
static int run_of(size_t r)
{
    size_t k = 0, len = 1, at = 0;
    while (at + len <= r) {
        at += len;
        len = len % 17 + 1;
        k++;
    }
    return (int)(k % 23);
}

static sm_batch_t *make_rows(void)
{
    sm_error_t e = {0};
    sm_batch_t *b = NULL;
    sm_type_t *t = schema();
    if (sm_batch_new(t, NROWS, &b, &e)) {
        sm_type_free(t);
        return NULL;
    }
    sm_type_free(t);
    for (size_t r = 0; r < NROWS; r++) {
        int k = run_of(r);
        bool null = r % 97 == 5 || (r >= 1000 && r < 1010);
        sm_vector_t **c = b->cols;
        if (null) {
            for (int i = 0; i < 9; i++)
                sm_vector_append_null(c[i], &e);
        } else {
            sm_vector_append_i16(c[0], (int16_t)(k - 11), &e);
            sm_vector_append_i32(c[1], r < 2500 ? 42 : k * 1000, &e);
            sm_vector_append_i64(c[2], (int64_t)k << 40, &e);
            /* 0.0 then -0.0 are different bits: two dictionary entries */
            float f = k == 3 ? (r % 2 ? -0.0f : 0.0f) : k == 4 ? NAN : (float)k / 4;
            sm_vector_append_f32(c[3], f, &e);
            double d = k == 5 ? (r % 2 ? -0.0 : 0.0) : k == 6 ? -INFINITY : k * 1.5;
            sm_vector_append_f64(c[4], d, &e);
            sm_vector_append_i32(c[5], 20000 + k, &e);
            sm_vector_append_i64(c[6], INT64_C(1700000000000000) + k, &e);
            sm_vector_append_i128(c[7], (sm_i128)k * 12345 - 100000, &e);
            char s[16];
            /* one length, content differing in the last byte only */
            snprintf(s, sizeof s, "val-%02d", k);
            sm_vector_append_bytes(c[8], s, k == 7 ? 0 : strlen(s), &e);
        }
        sm_vector_append_str(c[9], "postgresql", &e);
        /* dense keys going down from the first value (inside the writer's
         * direct-map window), with outliers below it and far above it */
        sm_vector_append_i32(c[10],
                             r % 500 == 9   ? INT32_MIN
                             : r % 700 == 3 ? INT32_MAX
                                            : 300000 - (int)r * 3,
                             &e);
        /* ascending ids that leave the window (1 << 20 values) halfway,
         * and negative ones below it */
        sm_vector_append_i64(c[11], r % 2 ? (int64_t)r * 500 : -(int64_t)r, &e);
        b->nrows++;
    }
    return b;
}

/* Writes b in slices of `slice` rows into row groups of rg_rows (0 = the
 * default: one); returns the closed writer (for its statistics). */
static sm_pq_writer_t *write_file(const char *key, const sm_batch_t *b, bool dict, size_t slice,
                                  size_t rg_rows)
{
    sm_pq_writer_opts_t o = {
        .codec = SM_PQ_CODEC_SNAPPY, .no_dictionary = !dict, .row_group_rows = rg_rows};
    return pq_write_slices(store, key, b, &o, slice);
}

static void check_reads_back(const char *key, const sm_batch_t *b)
{
    pq_check_reads_back(store, key, b);
}

static bool bytes_eq(const sm_pq_bytes_t *a, const sm_pq_bytes_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

static void test_runs_match_plain(void)
{
    sm_batch_t *b = make_rows();
    CHECK(b != NULL);
    if (!b)
        return;
    static const size_t slices[] = {NROWS, 1, 7, 64, 1001};
    for (size_t si = 0; si < sizeof slices / sizeof slices[0]; si++) {
        /* small row groups: each chunk starts a new dictionary (and empties
         * the writer's cache of dictionary indices) */
        size_t rg = si % 2 ? 700 : 0;
        sm_pq_writer_t *wd = write_file("dict.parquet", b, true, slices[si], rg);
        sm_pq_writer_t *wp = write_file("plain.parquet", b, false, slices[si], rg);
        check_reads_back("dict.parquet", b);
        check_reads_back("plain.parquet", b);
        uint32_t nd = 0, np = 0;
        const sm_pq_leaf_stats_t *sd = wd ? sm_pq_writer_stats(wd, &nd) : NULL;
        const sm_pq_leaf_stats_t *sp = wp ? sm_pq_writer_stats(wp, &np) : NULL;
        CHECK_EQ_INT(nd, 12);
        CHECK_EQ_INT(np, 12);
        for (uint32_t i = 0; sd && sp && i < nd && i < np; i++) {
            CHECK_EQ_INT(sd[i].null_count, sp[i].null_count);
            CHECK_EQ_INT(sd[i].num_values, sp[i].num_values);
            CHECK_EQ_INT(sd[i].has_min_max, sp[i].has_min_max);
            if (!bytes_eq(&sd[i].min, &sp[i].min) || !bytes_eq(&sd[i].max, &sp[i].max))
                fprintf(stderr, "slice %zu: leaf %s: statistics differ\n", slices[si], sd[i].path);
            CHECK(bytes_eq(&sd[i].min, &sp[i].min));
            CHECK(bytes_eq(&sd[i].max, &sp[i].max));
        }
        sm_pq_writer_free(wd);
        sm_pq_writer_free(wp);
        sm_store_delete(store, "dict.parquet", NULL);
        sm_store_delete(store, "plain.parquet", NULL);
    }
    sm_batch_free(b);
}

int main(void)
{
    char dir[] = "/tmp/smelt-pq-runs-XXXXXX";
    sm_error_t e = {0};
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    RUN(test_runs_match_plain);
    sm_store_close(store);
    rmdir(dir);
    return check_summary();
}
