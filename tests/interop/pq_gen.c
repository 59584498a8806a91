/*
 * pq_gen — writes Parquet files with smelt's writer for the interop tier,
 * beside a JSON-lines rendering of the very same rows, so that another
 * engine's reading of the file can be compared with what we meant.
 *   pq_gen OUT_DIR ROWS SEED
 * Writes OUT_DIR/<variant>.parquet and OUT_DIR/<variant>.jsonl for several
 * writer option variants (codecs, dictionary on/off, page v1/v2, small
 * pages and row groups) over one table of every columnar type, nested
 * types included, with NULLs, empty strings and extreme values.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/columnar.h"
#include "parquet/writer.h"

static const char *SCHEMA =
    "struct<id:bigint not null,b:boolean,i8:tinyint,i16:smallint,i32:int,i64:bigint,"
    "f32:float,f64:double,d9:decimal(9,2),d18:decimal(18,4),d38:decimal(38,10),day:date,"
    "ts:timestamp,ntz:timestamp_ntz,s:string,lowcard:string,bin:binary,"
    "tags:array<string>,pt:struct<x:double,y:int not null>,attrs:map<string,bigint>,"
    "nest:array<struct<k:string,v:array<int>>>>";

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int chance(int pct)
{
    return (int)(next() % 100) < pct;
}

static sm_err_t fill(sm_batch_t *b, size_t rows, int64_t base, sm_error_t *e)
{
    static const char *countries[] = {"FRANCE", "GERMANY", "USA", "UK", "Brasil", "日本"};
    sm_err_t rc = SM_OK;
    for (size_t r = 0; r < rows && !rc; r++) {
        int64_t id = base + (int64_t)r;
        sm_vector_t **c = b->cols;
        int edge = (int)(id % 97);
        rc = sm_vector_append_i64(c[0], id, e);
#define OR_NULL(v, expr) (rc ? rc : (chance(15) ? sm_vector_append_null(v, e) : (expr)))
        rc = OR_NULL(c[1], sm_vector_append_bool(c[1], next() & 1, e));
        rc = OR_NULL(c[2], sm_vector_append_i8(c[2],
                                               edge == 1   ? INT8_MIN
                                               : edge == 2 ? INT8_MAX
                                                           : (int8_t)next(),
                                               e));
        rc = OR_NULL(c[3], sm_vector_append_i16(c[3], edge == 1 ? INT16_MIN : (int16_t)next(), e));
        rc = OR_NULL(c[4], sm_vector_append_i32(c[4],
                                                edge == 1   ? INT32_MIN
                                                : edge == 2 ? INT32_MAX
                                                            : (int32_t)next(),
                                                e));
        rc = OR_NULL(c[5], sm_vector_append_i64(c[5],
                                                edge == 1   ? INT64_MIN
                                                : edge == 2 ? INT64_MAX
                                                            : (int64_t)next(),
                                                e));
        float f = edge == 3   ? NAN
                  : edge == 4 ? -0.0f
                  : edge == 5 ? INFINITY
                              : (float)((int64_t)(next() % 2000000) - 1000000) / 7.0f;
        rc = OR_NULL(c[6], sm_vector_append_f32(c[6], f, e));
        double d = edge == 3   ? NAN
                   : edge == 4 ? -INFINITY
                   : edge == 5 ? 0.1
                               : (double)(int64_t)next() / 3.0;
        rc = OR_NULL(c[7], sm_vector_append_f64(c[7], d, e));
        rc = OR_NULL(
            c[8],
            sm_vector_append_i128(
                c[8],
                edge == 1 ? -999999999 : (sm_i128)((int64_t)(next() % 1999999999) - 999999999), e));
        rc = OR_NULL(c[9],
                     sm_vector_append_i128(c[9],
                                           (sm_i128)((int64_t)(next() % 1999999999999999999LL)) -
                                               999999999999999999LL,
                                           e));
        sm_i128 big = edge == 1   ? -(sm_pow10_i128(38) - 1)
                      : edge == 2 ? sm_pow10_i128(38) - 1
                                  : (sm_i128)(int64_t)next() * (sm_i128)(int64_t)next();
        rc = OR_NULL(c[10], sm_vector_append_i128(c[10], big, e));
        rc = OR_NULL(c[11], sm_vector_append_i32(c[11],
                                                 edge == 1   ? -719162
                                                 : edge == 2 ? 2932896
                                                             : (int32_t)(next() % 40000) - 10000,
                                                 e));
        int64_t ts = edge == 1 ? -62135596800000000LL
                               : (int64_t)(next() % 4000000000000000ULL) - 1000000000000000LL;
        rc = OR_NULL(c[12], sm_vector_append_i64(c[12], ts, e));
        rc = OR_NULL(c[13], sm_vector_append_i64(c[13], ts / 3, e));
        char s[64];
        int n = snprintf(s, sizeof s, "row-%" PRId64 "-%" PRIu64, id, next() % 1000);
        rc = OR_NULL(c[14], edge == 6 ? sm_vector_append_bytes(c[14], "", 0, e)
                                      : sm_vector_append_bytes(c[14], s, (size_t)n, e));
        rc = OR_NULL(c[15], sm_vector_append_str(c[15], countries[next() % 6], e));
        uint8_t bin[8];
        for (int k = 0; k < 8; k++)
            bin[k] = (uint8_t)next();
        rc = OR_NULL(c[16], sm_vector_append_bytes(c[16], bin, next() % 9, e));
        /* tags: array<string> */
        if (!rc && chance(15)) {
            rc = sm_vector_append_null(c[17], e);
        } else if (!rc) {
            int k = (int)(next() % 4);
            for (int j = 0; j < k && !rc; j++)
                rc = chance(10) ? sm_vector_append_null(c[17]->children[0], e)
                                : sm_vector_append_str(c[17]->children[0], countries[j], e);
            if (!rc)
                rc = sm_vector_append_list(c[17], e);
        }
        /* pt: struct<x double, y int not null> */
        if (!rc && chance(15)) {
            rc = sm_vector_append_null(c[18], e);
        } else if (!rc) {
            rc = chance(20) ? sm_vector_append_null(c[18]->children[0], e)
                            : sm_vector_append_f64(c[18]->children[0], (double)id / 8.0, e);
            if (!rc)
                rc = sm_vector_append_i32(c[18]->children[1], (int32_t)id, e);
            if (!rc)
                rc = sm_vector_append_struct(c[18], e);
        }
        /* attrs: map<string,bigint> */
        if (!rc && chance(15)) {
            rc = sm_vector_append_null(c[19], e);
        } else if (!rc) {
            sm_vector_t *ent = c[19]->children[0];
            int k = (int)(next() % 3);
            for (int j = 0; j < k && !rc; j++) {
                rc = sm_vector_append_str(ent->children[0], countries[j], e);
                if (!rc)
                    rc = chance(20) ? sm_vector_append_null(ent->children[1], e)
                                    : sm_vector_append_i64(ent->children[1], id * j, e);
                if (!rc)
                    rc = sm_vector_append_struct(ent, e);
            }
            if (!rc)
                rc = sm_vector_append_list(c[19], e);
        }
        /* nest: array<struct<k string, v array<int>>> */
        if (!rc && chance(15)) {
            rc = sm_vector_append_null(c[20], e);
        } else if (!rc) {
            sm_vector_t *st = c[20]->children[0];
            int k = (int)(next() % 3);
            for (int j = 0; j < k && !rc; j++) {
                if (chance(10)) {
                    rc = sm_vector_append_null(st, e);
                    continue;
                }
                rc = sm_vector_append_str(st->children[0], countries[(j + 2) % 6], e);
                sm_vector_t *lv = st->children[1];
                int m = (int)(next() % 3);
                for (int q = 0; q < m && !rc; q++)
                    rc = sm_vector_append_i32(lv->children[0], q * 11 + j, e);
                if (!rc)
                    rc = chance(10) ? sm_vector_append_null(lv, e) : sm_vector_append_list(lv, e);
                if (!rc)
                    rc = sm_vector_append_struct(st, e);
            }
            if (!rc)
                rc = sm_vector_append_list(c[20], e);
        }
    }
    if (!rc)
        rc = sm_batch_sync(b, e);
    return rc;
}

typedef struct variant {
    const char *name;
    sm_pq_writer_opts_t opts;
} variant_t;

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pq_gen OUT_DIR ROWS SEED\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t rows = strtoull(argv[2], NULL, 10);
    uint64_t seed = strtoull(argv[3], NULL, 10);
    variant_t variants[] = {
        {"snappy", {.codec = SM_PQ_CODEC_SNAPPY}},
        {"zstd", {.codec = SM_PQ_CODEC_ZSTD, .level = 3}},
        {"none_plain", {.codec = SM_PQ_CODEC_UNCOMPRESSED, .no_dictionary = true}},
        {"gzip_v2", {.codec = SM_PQ_CODEC_GZIP, .page_v2 = true}},
        {"small_pages",
         {.codec = SM_PQ_CODEC_SNAPPY,
          .page_bytes = 700,
          .row_group_rows = 1000,
          .dictionary_bytes = 300}},
        /* the parallel column encoders (opts.pool, set below) */
        {"pool_zstd", {.codec = SM_PQ_CODEC_ZSTD, .row_group_rows = 2500}},
        {"pool_small_pages",
         {.codec = SM_PQ_CODEC_SNAPPY,
          .page_bytes = 700,
          .row_group_rows = 1000,
          .dictionary_bytes = 300}},
    };
    sm_pool_t *pool = NULL;
    sm_error_t e;
    sm_type_t *schema = NULL;
    if (sm_type_parse(SCHEMA, strlen(SCHEMA), &schema, &e)) {
        fprintf(stderr, "pq_gen: %s\n", e.msg);
        return 1;
    }
    if (sm_pool_new(&pool, 2, &e)) {
        fprintf(stderr, "pq_gen: %s\n", e.msg);
        return 1;
    }
    for (size_t vi = 0; vi < sizeof variants / sizeof variants[0]; vi++)
        if (strncmp(variants[vi].name, "pool_", 5) == 0)
            variants[vi].opts.pool = pool;
    sm_store_t *st = NULL;
    if (sm_store_open(dir, &st, &e)) {
        fprintf(stderr, "pq_gen: %s\n", e.msg);
        return 1;
    }
    int status = 0;
    for (size_t vi = 0; vi < sizeof variants / sizeof variants[0]; vi++) {
        rng = seed * 2654435761u + 1;
        char key[256], path[4096];
        snprintf(key, sizeof key, "%s.parquet", variants[vi].name);
        snprintf(path, sizeof path, "%s/%s.jsonl", dir, variants[vi].name);
        sm_pq_writer_t *w = NULL;
        FILE *jf = fopen(path, "w");
        sm_err_t rc = jf ? sm_pq_writer_open(st, key, schema, &variants[vi].opts, &w, &e)
                         : sm_error_set(&e, SM_ERR_IO, "cannot write %s", path);
        for (size_t done = 0; !rc && done < rows;) {
            size_t n = rows - done < 3000 ? rows - done : 3000;
            sm_batch_t *b = NULL;
            sm_buf_t json = SM_BUF_INIT;
            if (!(rc = sm_batch_new(schema, n, &b, &e)) && !(rc = fill(b, n, (int64_t)done, &e)) &&
                !(rc = sm_pq_writer_write(w, b, &e)) && !(rc = sm_print_json_rows(b, &json, &e)))
                fwrite(json.data, 1, json.len, jf);
            sm_buf_free(&json);
            sm_batch_free(b);
            done += n;
        }
        uint64_t size = 0;
        if (!rc)
            rc = sm_pq_writer_close(w, &size, &e);
        sm_pq_writer_free(w);
        if (jf)
            fclose(jf);
        if (rc) {
            fprintf(stderr, "pq_gen %s: %s\n", variants[vi].name, e.msg);
            status = 1;
        } else {
            printf("%s.parquet %" PRIu64 " bytes\n", variants[vi].name, size);
        }
    }
    sm_store_close(st);
    sm_pool_free(pool);
    sm_type_free(schema);
    return status;
}
