/* Property tests for parquet/writer + parquet/reader: random schemas (every
 * columnar type, nesting to depth 3, nullable and required), random values
 * with extremes (INT64_MIN/MAX, NaN, ±inf, -0.0, empty strings, multibyte
 * UTF-8, long values, empty vs null lists, null structs, all-null columns),
 * written with random options (page v1/v2, dictionary on/off, every codec,
 * tiny pages and row groups) in slices of random size, read back and
 * compared value for value.  The footer's per-row-group statistics
 * (null_count, num_values, min/max in the spec's orders) are recomputed
 * here from the values and compared.
 *
 * Every file is also written on a pool of 3 threads and on a pool of 1
 * (opts.pool: chunks encoded column-parallel): those two must be the same
 * bytes, and the pooled file passes the same read-back and statistics
 * checks as the serial one.
 *
 * Deterministic: iteration i uses seed BASE + i.  SMELT_PQ_PROP_SEED=N runs
 * only seed N (and prints its schema), SMELT_PQ_PROP_ITERS=N changes the
 * count.  Seeds that once found a bug are kept in REGRESSION_SEEDS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "columnar/columnar.h"
#include "core/mem.h"
#include "core/pool.h"
#include "parquet/encoding.h"
#include "parquet/reader.h"
#include "parquet/writer.h"

/* ---- random numbers ------------------------------------------------------ */

static uint64_t rs;
static uint64_t rnd(void)
{
    return check_rand(&rs);
}
static unsigned below(unsigned n)
{
    return n ? (unsigned)(rnd() % n) : 0;
}
static bool pct(unsigned p)
{
    return below(100) < p;
}

/* ---- random schemas ------------------------------------------------------ */

static const sm_type_kind_t SCALARS[] = {
    SM_TYPE_BOOL,         SM_TYPE_INT8,      SM_TYPE_INT16,   SM_TYPE_INT32,
    SM_TYPE_INT64,        SM_TYPE_FLOAT32,   SM_TYPE_FLOAT64, SM_TYPE_DECIMAL,
    SM_TYPE_DATE,         SM_TYPE_TIMESTAMP, SM_TYPE_DECIMAL, SM_TYPE_TIMESTAMP,
    SM_TYPE_TIMESTAMP_TZ, SM_TYPE_STRING,    SM_TYPE_BINARY,  SM_TYPE_STRING,
};

static sm_type_t *rand_scalar(void)
{
    sm_type_kind_t k = SCALARS[below(sizeof SCALARS / sizeof SCALARS[0])];
    if (k == SM_TYPE_DECIMAL) {
        static const int precs[] = {1, 5, 9, 10, 18, 19, 25, 38};
        int p = precs[below(8)];
        return sm_type_decimal(p, (int)below((unsigned)p + 1));
    }
    return sm_type_of_kind(k);
}

static sm_type_t *rand_type(int depth)
{
    unsigned r = below(100);
    if (depth >= 3 || r < 60)
        return rand_scalar();
    if (r < 75) {
        sm_field_t f[3];
        char names[3][8];
        size_t n = 1 + below(3);
        for (size_t i = 0; i < n; i++) {
            snprintf(names[i], sizeof names[i], "f%zu", i);
            f[i] = (sm_field_t){names[i], rand_type(depth + 1), pct(70)};
        }
        return sm_type_struct(f, n);
    }
    if (r < 90)
        return sm_type_list_ex(rand_type(depth + 1), pct(60));
    return sm_type_map_ex(rand_scalar(), rand_type(depth + 1), pct(60));
}

/* ---- random values -------------------------------------------------------- */

typedef struct prof {
    unsigned null_pct; /* chance of NULL for a nullable value */
    unsigned edge_pct; /* chance of an extreme value */
    unsigned card;     /* 0 = any value, else values drawn from a small set */
    unsigned max_elems;
} prof_t;

static uint64_t pick(const prof_t *p)
{
    return p->card ? rnd() % p->card * 0x9E3779B97F4A7C15ull : rnd();
}

static sm_i128 dec_max(int precision)
{
    return sm_pow10_i128(precision) - 1;
}

static sm_err_t gen_string(sm_vector_t *v, const prof_t *p, sm_error_t *e)
{
    static const char *specials[] = {"",  "é",    "日本語", "\xf0\x9f\x98\x80 emoji",
                                     "a", "\x7f", "zzzz"};
    char buf[6000];
    size_t n;
    if (pct(p->edge_pct)) {
        unsigned k = below(9);
        if (k < 7)
            return sm_vector_append_str(v, specials[k], e);
        n = 200 + below(5000); /* a long value */
        memset(buf, 'x', n);
        buf[n - 1] = (char)('a' + below(26));
        return sm_vector_append_bytes(v, buf, n, e);
    }
    uint64_t x = pick(p);
    int len = snprintf(buf, sizeof buf, "s%llu", (unsigned long long)(x % 100000));
    if (x & 1)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "-ü%u", (unsigned)(x >> 40) % 97);
    return sm_vector_append_bytes(v, buf, (size_t)len, e);
}

static sm_err_t gen_binary(sm_vector_t *v, const prof_t *p, sm_error_t *e)
{
    uint8_t buf[64];
    uint64_t x = pick(p);
    size_t n = pct(p->edge_pct) ? 0 : x % 17;
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i % 3 == 0 ? 0xFF : i % 3 == 1 ? 0x00 : (x >> (i * 3)));
    return sm_vector_append_bytes(v, buf, n, e);
}

static sm_err_t gen_value(sm_vector_t *v, bool nullable, const prof_t *p, sm_error_t *e);

static sm_err_t gen_scalar(sm_vector_t *v, const prof_t *p, sm_error_t *e)
{
    bool edge = pct(p->edge_pct);
    unsigned ek = below(4);
    uint64_t x = pick(p);
    switch (v->type->kind) {
    case SM_TYPE_BOOL:
        return sm_vector_append_bool(v, x & 1, e);
    case SM_TYPE_INT8:
        return sm_vector_append_i8(v, edge ? (ek & 1 ? INT8_MIN : INT8_MAX) : (int8_t)x, e);
    case SM_TYPE_INT16:
        return sm_vector_append_i16(v, edge ? (ek & 1 ? INT16_MIN : INT16_MAX) : (int16_t)x, e);
    case SM_TYPE_INT32:
        return sm_vector_append_i32(v, edge ? (ek & 1 ? INT32_MIN : INT32_MAX) : (int32_t)x, e);
    case SM_TYPE_DATE:
        return sm_vector_append_i32(v, edge ? (ek & 1 ? -719162 : 2932896) : (int32_t)(x % 50000),
                                    e);
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return sm_vector_append_i64(v,
                                    edge ? (ek == 0   ? INT64_MIN
                                            : ek == 1 ? INT64_MAX
                                            : ek == 2 ? 0
                                                      : -1)
                                         : (int64_t)x,
                                    e);
    case SM_TYPE_FLOAT32: {
        static const float fe[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 3.4e38f, -1.4e-45f};
        float f = edge ? fe[below(7)] : (float)(int32_t)x / 1024.0f;
        return sm_vector_append_f32(v, f, e);
    }
    case SM_TYPE_FLOAT64: {
        static const double de[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1.7e308, -4.9e-324};
        double d = edge ? de[below(7)] : (double)(int64_t)x / 65536.0;
        return sm_vector_append_f64(v, d, e);
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 m = dec_max(v->type->precision);
        sm_i128 q;
        if (edge)
            q = ek == 0 ? m : ek == 1 ? -m : 0;
        else
            q = (sm_i128)(((sm_u128)x << 64 | rnd()) % (sm_u128)(m + 1)) * ((x >> 7) & 1 ? -1 : 1);
        return sm_vector_append_i128(v, q, e);
    }
    case SM_TYPE_STRING:
        return gen_string(v, p, e);
    case SM_TYPE_BINARY:
        return gen_binary(v, p, e);
    default:
        return sm_error_set(e, SM_ERR_INTERNAL, "gen_scalar: kind %d", v->type->kind);
    }
}

static sm_err_t gen_value(sm_vector_t *v, bool nullable, const prof_t *p, sm_error_t *e)
{
    if (nullable && pct(p->null_pct))
        return sm_vector_append_null(v, e);
    sm_err_t rc = SM_OK;
    const sm_type_t *t = v->type;
    switch (t->kind) {
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; k < t->nfields && !rc; k++)
            rc = gen_value(v->children[k], t->fields[k].nullable, p, e);
        return rc ? rc : sm_vector_append_struct(v, e);
    case SM_TYPE_LIST: {
        unsigned n = below(p->max_elems + 1);
        for (unsigned j = 0; j < n && !rc; j++)
            rc = gen_value(v->children[0], t->fields[0].nullable, p, e);
        return rc ? rc : sm_vector_append_list(v, e);
    }
    case SM_TYPE_MAP: {
        sm_vector_t *ent = v->children[0];
        const sm_type_t *et = ent->type;
        unsigned n = below(p->max_elems + 1);
        for (unsigned j = 0; j < n && !rc; j++) {
            rc = gen_scalar(ent->children[0], p, e);
            if (!rc)
                rc = gen_value(ent->children[1], et->fields[1].nullable, p, e);
            if (!rc)
                rc = sm_vector_append_struct(ent, e);
        }
        return rc ? rc : sm_vector_append_list(v, e);
    }
    default:
        return gen_scalar(v, p, e);
    }
}

/* ---- statistics recomputed from the values ------------------------------- */

typedef struct leaf_acc {
    int64_t nulls, values;
    bool has;
    int64_t imin, imax;
    double dmin, dmax;
    sm_i128 qmin, qmax;
    const uint8_t *bmin, *bmax;
    size_t bminn, bmaxn;
} leaf_acc_t;

static int ucmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (an > bn) - (an < bn);
}

static void acc_leaf_value(leaf_acc_t *a, const sm_vector_t *v, size_t i)
{
    a->values++;
    switch (v->type->kind) {
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64: {
        double d =
            v->type->kind == SM_TYPE_FLOAT32 ? sm_vector_get_f32(v, i) : sm_vector_get_f64(v, i);
        if (isnan(d))
            return;
        if (!a->has || d < a->dmin || (d == 0 && a->dmin == 0 && signbit(d)))
            a->dmin = d;
        if (!a->has || d > a->dmax || (d == 0 && a->dmax == 0 && !signbit(d)))
            a->dmax = d;
        break;
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 q = sm_vector_get_i128(v, i);
        if (!a->has || q < a->qmin)
            a->qmin = q;
        if (!a->has || q > a->qmax)
            a->qmax = q;
        break;
    }
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t n;
        const uint8_t *p = sm_vector_get_bytes(v, i, &n);
        if (!a->has || ucmp(p, n, a->bmin, a->bminn) < 0) {
            a->bmin = p;
            a->bminn = n;
        }
        if (!a->has || ucmp(p, n, a->bmax, a->bmaxn) > 0) {
            a->bmax = p;
            a->bmaxn = n;
        }
        break;
    }
    default: {
        int64_t x;
        switch (v->type->kind) {
        case SM_TYPE_BOOL:
            x = sm_vector_get_bool(v, i);
            break;
        case SM_TYPE_INT8:
            x = sm_vector_get_i8(v, i);
            break;
        case SM_TYPE_INT16:
            x = sm_vector_get_i16(v, i);
            break;
        case SM_TYPE_INT32:
        case SM_TYPE_DATE:
            x = sm_vector_get_i32(v, i);
            break;
        default:
            x = sm_vector_get_i64(v, i);
            break;
        }
        if (!a->has || x < a->imin)
            a->imin = x;
        if (!a->has || x > a->imax)
            a->imax = x;
        break;
    }
    }
    a->has = true;
}

/* One level with def < max for every leaf under node. */
static void acc_absent(const sm_pq_node_t *node, leaf_acc_t *acc)
{
    if (node->leaf >= 0) {
        acc[node->leaf].nulls++;
        return;
    }
    for (uint32_t k = 0; k < node->nchildren; k++)
        acc_absent(&node->children[k], acc);
}

static void acc_visit(const sm_pq_node_t *node, const sm_vector_t *v, size_t i, leaf_acc_t *acc)
{
    if (sm_vector_is_null(v, i)) {
        acc_absent(node, acc);
        return;
    }
    if (node->leaf >= 0) {
        acc_leaf_value(&acc[node->leaf], v, i);
        return;
    }
    size_t s, end;
    switch (v->type->kind) {
    case SM_TYPE_STRUCT:
        for (uint32_t k = 0; k < node->nchildren; k++)
            acc_visit(&node->children[k], v->children[k], i, acc);
        return;
    case SM_TYPE_LIST:
        sm_vector_list_range(v, i, &s, &end);
        if (s == end)
            acc_absent(node, acc);
        for (size_t j = s; j < end; j++)
            acc_visit(&node->children[0], v->children[0], j, acc);
        return;
    default: /* MAP */
        sm_vector_list_range(v, i, &s, &end);
        if (s == end)
            acc_absent(node, acc);
        for (size_t j = s; j < end; j++) {
            acc_visit(&node->children[0], v->children[0]->children[0], j, acc);
            acc_visit(&node->children[1], v->children[0]->children[1], j, acc);
        }
        return;
    }
}

static int64_t le_int(const sm_pq_bytes_t *b)
{
    if (b->len == 1)
        return b->ptr[0];
    if (b->len == 4) {
        int32_t x;
        memcpy(&x, b->ptr, 4);
        return x;
    }
    int64_t x = 0;
    if (b->len == 8)
        memcpy(&x, b->ptr, 8);
    return x;
}

/* Compares one column chunk's footer statistics with the recomputed ones;
 * returns false (after printing why) on a mismatch. */
static bool stats_match(const sm_pq_leaf_t *leaf, const sm_pq_column_meta_t *m, const leaf_acc_t *a,
                        uint32_t rg)
{
    const sm_pq_stats_t *s = &m->statistics;
    const char *why = NULL;
    if (!m->has_statistics || !s->has_null_count || s->null_count != a->nulls)
        why = "null_count";
    else if (m->num_values != a->nulls + a->values)
        why = "num_values";
    else if (s->has_min_value != a->has || s->has_max_value != a->has)
        why = "presence of min/max";
    if (why || !a->has)
        goto done;
    switch (leaf->type->kind) {
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64: {
        double mn, mx;
        if (leaf->physical == SM_PQ_FLOAT) {
            float f, g;
            if (s->min_value.len != 4 || s->max_value.len != 4) {
                why = "float bound size";
                break;
            }
            memcpy(&f, s->min_value.ptr, 4);
            memcpy(&g, s->max_value.ptr, 4);
            mn = f;
            mx = g;
        } else {
            if (s->min_value.len != 8 || s->max_value.len != 8) {
                why = "double bound size";
                break;
            }
            memcpy(&mn, s->min_value.ptr, 8);
            memcpy(&mx, s->max_value.ptr, 8);
        }
        /* spec: a zero min is written -0.0, a zero max +0.0 */
        if (mn != a->dmin || mx != a->dmax || (mn == 0 && !signbit(mn)) || (mx == 0 && signbit(mx)))
            why = "float min/max";
        break;
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 mn, mx;
        sm_error_t e;
        if (leaf->physical == SM_PQ_FIXED_LEN_BYTE_ARRAY) {
            if (sm_pq_decimal_from_be(s->min_value.ptr, s->min_value.len, &mn, &e) ||
                sm_pq_decimal_from_be(s->max_value.ptr, s->max_value.len, &mx, &e)) {
                why = "decimal bound bytes";
                break;
            }
        } else {
            mn = le_int(&s->min_value);
            mx = le_int(&s->max_value);
        }
        if (mn != a->qmin || mx != a->qmax)
            why = "decimal min/max";
        break;
    }
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        if (ucmp(s->min_value.ptr, s->min_value.len, a->bmin, a->bminn) != 0 ||
            ucmp(s->max_value.ptr, s->max_value.len, a->bmax, a->bmaxn) != 0)
            why = "byte array min/max";
        break;
    default:
        if (le_int(&s->min_value) != a->imin || le_int(&s->max_value) != a->imax)
            why = "integer min/max";
        break;
    }
done:
    if (why)
        fprintf(stderr,
                "  row group %u column \"%s\": statistics %s differ (nulls %lld/%lld, "
                "values %lld)\n",
                rg, leaf->path, why, (long long)s->null_count, (long long)a->nulls,
                (long long)a->values);
    return !why;
}

/* ---- one iteration ----------------------------------------------------------- */

static const char *tmpdir;
static sm_store_t *store;
static sm_pool_t *pool, *pool1; /* for the parallel writes: 3 threads, 1 */

static const int CODECS[] = {SM_PQ_CODEC_UNCOMPRESSED, SM_PQ_CODEC_SNAPPY,  SM_PQ_CODEC_GZIP,
                             SM_PQ_CODEC_ZSTD,         SM_PQ_CODEC_LZ4_RAW, SM_PQ_CODEC_BROTLI,
                             SM_PQ_CODEC_LZ4};

static size_t rand_rows(void)
{
    unsigned r = below(100);
    if (r < 8)
        return 0;
    if (r < 16)
        return 1;
    if (r < 60)
        return 2 + below(60);
    if (r < 95)
        return 60 + below(1500);
    if (r < 98)
        return 3000 + below(6000);
    return 17000 + below(8000); /* past the dictionary's give-up point */
}

/* Whether two files of the test store hold the same bytes. */
static bool same_bytes(const char *a, const char *b)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", tmpdir, a);
    snprintf(pb, sizeof pb, "%s/%s", tmpdir, b);
    return check_same_file(pa, pb);
}

static bool check_file(const char *key, sm_type_t *schema, const sm_batch_t *in, size_t ncols,
                       size_t rows, char names[][8], const sm_pq_writer_opts_t *wopts);

/* Runs one seed; returns true when everything matched. */
static bool run_seed(uint64_t seed, bool verbose)
{
    rs = seed;
    sm_error_t e = {0};
    bool ok = false;
    char key[64], pkey[64], p1key[64];
    snprintf(key, sizeof key, "p-%llu.parquet", (unsigned long long)seed);
    snprintf(pkey, sizeof pkey, "p-%llu-pool.parquet", (unsigned long long)seed);
    snprintf(p1key, sizeof p1key, "p-%llu-pool1.parquet", (unsigned long long)seed);
    size_t *slices = NULL, nslices = 0;
    /* schema */
    size_t ncols = 1 + below(5);
    sm_field_t fields[5];
    char names[5][8];
    bool all_null[5];
    for (size_t i = 0; i < ncols; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        fields[i] = (sm_field_t){names[i], rand_type(1), pct(70)};
        all_null[i] = fields[i].nullable && pct(8);
    }
    sm_type_t *schema = sm_type_struct(fields, ncols);
    prof_t prof = {.null_pct = (unsigned[]){0, 5, 20, 60}[below(4)],
                   .edge_pct = (unsigned[]){0, 5, 30}[below(3)],
                   .card = pct(40) ? 1 + below(20) : 0,
                   .max_elems = (unsigned[]){0, 1, 3, 6}[below(4)]};
    size_t rows = rand_rows();
    sm_pq_writer_opts_t o = {.codec = CODECS[below(sizeof CODECS / sizeof CODECS[0])],
                             .page_v2 = pct(40),
                             .no_dictionary = pct(30),
                             .row_group_rows = pct(40) ? 1 + below(700) : 0,
                             .page_bytes = pct(50) ? 1 + below(3000) : 0,
                             .dictionary_bytes = pct(30) ? 1 + below(400) : 0,
                             .row_group_bytes = pct(15) ? 1 + below(20000) : 0};
    if (o.codec == SM_PQ_CODEC_ZSTD && pct(50))
        o.level = 1 + (int)below(9);
    char tname[512] = "";
    sm_type_name(schema, tname, sizeof tname);
    if (verbose)
        fprintf(stderr,
                "seed %llu: %s rows=%zu codec=%d v2=%d nodict=%d rg=%zu page=%zu dict=%zu "
                "null%%=%u edge%%=%u card=%u elems=%u\n",
                (unsigned long long)seed, tname, rows, (int)o.codec, o.page_v2, o.no_dictionary,
                o.row_group_rows, o.page_bytes, o.dictionary_bytes, prof.null_pct, prof.edge_pct,
                prof.card, prof.max_elems);

    sm_batch_t *in = NULL, *part = NULL;
    sm_pq_writer_t *w = NULL;
    sm_err_t rc = sm_batch_new(schema, rows, &in, &e);
    for (size_t i = 0; i < ncols && !rc; i++)
        for (size_t j = 0; j < rows && !rc; j++)
            rc = all_null[i] ? sm_vector_append_null(in->cols[i], &e)
                             : gen_value(in->cols[i], fields[i].nullable, &prof, &e);
    if (!rc)
        rc = sm_batch_sync(in, &e);
    if (rc)
        goto out;

    /* write in slices of random size (views with offsets), serially and on
     * the two pools */
    slices = sm_calloc(rows + 2, sizeof *slices);
    if (!slices) {
        rc = sm_error_nomem(&e, "test");
        goto out;
    }
    for (size_t done = 0; done < rows;) {
        size_t n = pct(30) ? rows - done : 1 + below((unsigned)(rows - done));
        slices[nslices++] = n;
        done += n;
    }
    bool empty_batch = rows == 0 && pct(50); /* an empty batch is fine too */
    if (empty_batch)
        slices[nslices++] = 0;
    for (int par = 0; par < 3 && !rc; par++) {
        sm_pq_writer_opts_t wo = o;
        wo.pool = par == 0 ? NULL : par == 1 ? pool : pool1;
        if ((rc = sm_pq_writer_open(store,
                                    par == 0   ? key
                                    : par == 1 ? pkey
                                               : p1key,
                                    schema, &wo, &w, &e)))
            goto out;
        for (size_t k = 0, done = 0; k < nslices && !rc; done += slices[k++]) {
            if (!(rc = sm_batch_slice(in, done, slices[k], &part, &e)))
                rc = sm_pq_writer_write(w, part, &e);
            sm_batch_free(part);
            part = NULL;
        }
        if (rc || (rc = sm_pq_writer_close(w, NULL, &e)))
            goto out;
        sm_pq_writer_free(w);
        w = NULL;
    }
    if (!same_bytes(pkey, p1key)) {
        fprintf(stderr, "  the files written on pools of 3 and 1 threads differ\n");
        goto out;
    }
    for (int which = 0; which < 2; which++)
        if (!check_file(which ? pkey : key, schema, in, ncols, rows, names, &o))
            goto out;
    ok = true;
out:
    if (rc)
        fprintf(stderr, "  error: %s\n", e.msg);
    if (!ok && !verbose)
        fprintf(stderr, "seed %llu failed: %s rows=%zu codec=%d v2=%d nodict=%d\n",
                (unsigned long long)seed, tname, rows, (int)o.codec, o.page_v2, o.no_dictionary);
    sm_pq_writer_free(w);
    sm_batch_free(in);
    sm_type_free(schema);
    sm_store_delete(store, key, &e);
    sm_store_delete(store, pkey, &e);
    sm_store_delete(store, p1key, &e);
    sm_free(slices);
    return ok;
}

/* Reads `key` back and checks its rows against `in` and its footer
 * statistics against ones recomputed from the values. */
static bool check_file(const char *key, sm_type_t *schema, const sm_batch_t *in, size_t ncols,
                       size_t rows, char names[][8], const sm_pq_writer_opts_t *wopts)
{
    sm_error_t e = {0};
    sm_err_t rc = SM_OK;
    bool ok = false;
    sm_batch_t *got = NULL;
    sm_pq_reader_t *r = NULL;
    leaf_acc_t *acc = NULL;
    const sm_pq_writer_opts_t o = *wopts;

    /* read back */
    sm_pq_reader_opts_t ro = {.batch_rows = pct(50) ? 1 + below(500) : 0, .verify_crc = true};
    if ((rc = sm_pq_reader_open(store, key, &ro, &r, &e)))
        goto out;
    if (!sm_type_equal(sm_pq_reader_schema(r), schema)) {
        char g[512];
        fprintf(stderr, "  schema read back differs: %s\n",
                sm_type_name(sm_pq_reader_schema(r), g, sizeof g));
        goto out;
    }
    if ((rc = sm_batch_new(schema, rows, &got, &e)))
        goto out;
    for (;;) {
        sm_batch_t *b = NULL;
        if ((rc = sm_pq_reader_next(r, &b, &e)) || !b)
            break;
        for (size_t i = 0; i < ncols && !rc; i++)
            rc = sm_vector_append_range(got->cols[i], b->cols[i], 0, b->nrows, &e);
        sm_batch_free(b);
    }
    if (rc || (rc = sm_batch_sync(got, &e)))
        goto out;
    if (got->nrows != rows) {
        fprintf(stderr, "  read %zu rows, wrote %zu\n", got->nrows, rows);
        goto out;
    }
    bool same = true;
    for (size_t i = 0; i < ncols; i++) {
        if (!sm_vector_equal(in->cols[i], got->cols[i])) {
            fprintf(stderr, "  column %s differs after the round trip\n", names[i]);
            same = false;
        }
    }
    if (!same)
        goto out;

    /* footer statistics, row group by row group */
    const sm_pq_file_meta_t *fm = sm_pq_reader_meta(r);
    const sm_pq_schema_t *fs = sm_pq_reader_file_schema(r);
    acc = sm_calloc(fs->nleaves ? fs->nleaves : 1, sizeof *acc);
    if (!acc) {
        rc = sm_error_nomem(&e, "test");
        goto out;
    }
    if (fm->num_rows != (int64_t)rows) {
        fprintf(stderr, "  footer num_rows %lld\n", (long long)fm->num_rows);
        goto out;
    }
    size_t row0 = 0;
    for (uint32_t g = 0; g < fm->num_row_groups; g++) {
        const sm_pq_row_group_t *rg = &fm->row_groups[g];
        size_t nr = (size_t)rg->num_rows;
        if (nr == 0 || row0 + nr > rows || (o.row_group_rows && nr > o.row_group_rows) ||
            rg->num_columns != fs->nleaves) {
            fprintf(stderr, "  row group %u has %zu rows\n", g, nr);
            goto out;
        }
        memset(acc, 0, fs->nleaves * sizeof *acc);
        for (uint32_t c = 0; c < fs->ncolumns; c++)
            for (size_t j = row0; j < row0 + nr; j++)
                acc_visit(&fs->columns[c], in->cols[c], j, acc);
        for (uint32_t l = 0; l < fs->nleaves; l++)
            if (!stats_match(&fs->leaves[l], &rg->columns[l].meta_data, &acc[l], g))
                goto out;
        row0 += nr;
    }
    if (row0 != rows) {
        fprintf(stderr, "  row groups hold %zu rows\n", row0);
        goto out;
    }
    ok = true;
out:
    if (rc)
        fprintf(stderr, "  %s: error: %s\n", key, e.msg);
    else if (!ok)
        fprintf(stderr, "  in %s\n", key);
    sm_free(acc);
    sm_pq_reader_close(r);
    sm_batch_free(got);
    return ok;
}

/* ---- tests ----------------------------------------------------------------- */

/* Seeds that once failed, each kept after its bug in src/parquet/ was fixed
 * (none so far: 3000 seeds pass; seed 0 stays as a smoke case). */
static const uint64_t REGRESSION_SEEDS[] = {0};

static void test_regressions(void)
{
    for (size_t i = 0; i < sizeof REGRESSION_SEEDS / sizeof REGRESSION_SEEDS[0]; i++)
        CHECK(run_seed(REGRESSION_SEEDS[i], false));
}

static void test_random(void)
{
    const char *one = getenv("SMELT_PQ_PROP_SEED");
    if (one) {
        CHECK(run_seed(strtoull(one, NULL, 10), true));
        return;
    }
    const char *it = getenv("SMELT_PQ_PROP_ITERS");
    unsigned iters = it ? (unsigned)atoi(it) : 300;
    unsigned failed = 0;
    for (unsigned i = 0; i < iters; i++)
        if (!run_seed(1000 + i, false))
            failed++;
    if (failed)
        fprintf(stderr, "%u of %u seeds failed\n", failed, iters);
    CHECK_EQ_INT(failed, 0);
}

int main(void)
{
    char dir[] = "/tmp/smelt-pq-prop-XXXXXX";
    sm_error_t e;
    if (!mkdtemp(dir) || sm_store_open(dir, &store, &e)) {
        fprintf(stderr, "cannot make a temporary store in /tmp\n");
        return 1;
    }
    tmpdir = dir;
    if (sm_pool_new(&pool, 3, &e) || sm_pool_new(&pool1, 1, &e)) {
        fprintf(stderr, "cannot start a pool: %s\n", e.msg);
        return 1;
    }
    RUN(test_regressions);
    RUN(test_random);
    sm_pool_free(pool);
    sm_pool_free(pool1);
    sm_store_close(store);
    rmdir(tmpdir);
    return check_summary();
}
