/* Unit tests of the PostgreSQL COPY BINARY decoder, fed hand-built byte
 * streams (no server), and of the server-free helpers of connect/pg. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "columnar/text.h"
#include "connect/pg.h"
#include "connect/pg_int.h"
#include "core/buf.h"
#include "core/mem.h"

/* ---- stream builder ---------------------------------------------------- */

static void put16(sm_buf_t *b, int v)
{
    uint8_t x[2] = {(uint8_t)((unsigned)v >> 8), (uint8_t)v};
    sm_buf_append(b, x, 2, NULL);
}
static void put32(sm_buf_t *b, int64_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    sm_buf_append(b, x, 4, NULL);
}
static void put64(sm_buf_t *b, int64_t v)
{
    put32(b, (int64_t)((uint64_t)v >> 32));
    put32(b, (int64_t)(uint32_t)v);
}
static void header(sm_buf_t *b)
{
    sm_buf_append(b, "PGCOPY\n\377\r\n\0", 11, NULL);
    put32(b, 0);
    put32(b, 0);
}
static void trailer(sm_buf_t *b)
{
    put16(b, -1);
}
static void fnull(sm_buf_t *b)
{
    put32(b, -1);
}
static void fbytes(sm_buf_t *b, const void *p, size_t n)
{
    put32(b, (int64_t)n);
    sm_buf_append(b, p, n, NULL);
}
static void fstr(sm_buf_t *b, const char *s)
{
    fbytes(b, s, strlen(s));
}
static void fi16(sm_buf_t *b, int v)
{
    put32(b, 2);
    put16(b, v);
}
static void fi32(sm_buf_t *b, int64_t v)
{
    put32(b, 4);
    put32(b, v);
}
static void fi64(sm_buf_t *b, int64_t v)
{
    put32(b, 8);
    put64(b, v);
}
static void ff4(sm_buf_t *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    fi32(b, u);
}
static void ff8(sm_buf_t *b, double f)
{
    int64_t u;
    memcpy(&u, &f, 8);
    fi64(b, u);
}
static void fbool(sm_buf_t *b, int v)
{
    uint8_t x = (uint8_t)v;
    fbytes(b, &x, 1);
}

/* PostgreSQL's numeric send format of a decimal text ("-12.345", "NaN",
 * "Infinity", "-Infinity"). */
static void fnum(sm_buf_t *b, const char *s)
{
    if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
        put32(b, 8);
        put16(b, 0);
        put16(b, 0);
        put16(b, !strcmp(s, "NaN") ? 0xC000 : s[0] == '-' ? 0xF000 : 0xD000);
        put16(b, 0);
        return;
    }
    int neg = *s == '-';
    if (neg)
        s++;
    const char *dot = strchr(s, '.');
    size_t ni = dot ? (size_t)(dot - s) : strlen(s), nf = dot ? strlen(dot + 1) : 0;
    char digits[400];
    size_t pad_i = (4 - ni % 4) % 4, pad_f = (4 - nf % 4) % 4, n = 0;
    for (size_t i = 0; i < pad_i; i++)
        digits[n++] = '0';
    memcpy(digits + n, s, ni);
    n += ni;
    if (dot)
        memcpy(digits + n, dot + 1, nf);
    n += nf;
    for (size_t i = 0; i < pad_f; i++)
        digits[n++] = '0';
    int groups[100], ng = (int)(n / 4);
    for (int g = 0; g < ng; g++)
        groups[g] = (digits[4 * g] - '0') * 1000 + (digits[4 * g + 1] - '0') * 100 +
                    (digits[4 * g + 2] - '0') * 10 + (digits[4 * g + 3] - '0');
    int weight = (int)((ni + pad_i) / 4) - 1, first = 0, last = ng;
    while (first < last && groups[first] == 0) {
        first++;
        weight--;
    }
    while (last > first && groups[last - 1] == 0)
        last--;
    if (first == last) {
        weight = 0;
        neg = 0;
    }
    put32(b, 8 + 2 * (last - first));
    put16(b, last - first);
    put16(b, weight);
    put16(b, neg ? 0x4000 : 0);
    put16(b, (int)nf);
    for (int g = first; g < last; g++)
        put16(b, groups[g]);
}

/* ---- decoding harness ---------------------------------------------------- */

typedef struct sink {
    sm_batch_t *all; /* every row received, copied */
    int batches;
    size_t max_batch;
    sm_err_t fail_with; /* the callback fails with this on its first call */
} sink_t;

static sm_err_t on_batch(void *ud, sm_batch_t *b, sm_error_t *e)
{
    sink_t *s = ud;
    s->batches++;
    if (b->nrows > s->max_batch)
        s->max_batch = b->nrows;
    if (s->fail_with)
        return sm_error_set(e, s->fail_with, "sink refuses");
    for (size_t i = 0; i < b->ncols; i++) {
        sm_err_t rc = sm_vector_append_range(s->all->cols[i], b->cols[i], 0, b->nrows, e);
        if (rc)
            return rc;
    }
    return sm_batch_sync(s->all, e);
}

/* Decodes the stream fed in pieces at the given cut points (sorted, may be
 * empty); the rows land in sink->all. */
static sm_err_t decode_cuts(const sm_pg_schema_t *sc, const uint8_t *p, size_t n,
                            const size_t *cuts, size_t ncuts, size_t batch_rows, sink_t *sink,
                            sm_error_t *e)
{
    memset(sink, 0, sizeof *sink);
    sm_err_t rc = sm_batch_new(sc->type, 0, &sink->all, e);
    if (rc)
        return rc;
    sm_pg_decoder_t *d;
    rc = sm_pg_decoder_new(sc, "t", batch_rows, on_batch, sink, &d, e);
    if (rc)
        return rc;
    size_t at = 0;
    for (size_t i = 0; i <= ncuts && !rc; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        rc = sm_pg_decoder_feed(d, p + at, end - at, e);
        at = end;
    }
    if (!rc)
        rc = sm_pg_decoder_finish(d, e);
    sm_pg_decoder_free(d);
    return rc;
}

static sm_err_t decode(const sm_pg_schema_t *sc, const sm_buf_t *s, sink_t *sink, sm_error_t *e)
{
    return decode_cuts(sc, s->data, s->len, NULL, 0, 0, sink, e);
}

static void sink_free(sink_t *s)
{
    sm_batch_free(s->all);
    s->all = NULL;
}

static sm_pg_schema_t *schema_of(size_t n, const uint32_t *oids, const int32_t *mods)
{
    sm_pg_schema_t *s = NULL;
    sm_error_t e;
    if (sm_pg_schema_builtin(n, NULL, oids, mods, NULL, &s, &e))
        fprintf(stderr, "schema: %s\n", e.msg);
    return s;
}

static const char *str_at(const sm_vector_t *v, size_t i, char *buf, size_t cap)
{
    size_t n;
    const char *s = sm_vector_get_str(v, i, &n);
    snprintf(buf, cap, "%.*s", (int)n, s);
    return buf;
}

static int32_t numeric_mod(int p, int s)
{
    return (int32_t)(((p << 16) | (s & 0x7ff)) + 4);
}

/* ---- tests ---------------------------------------------------------------- */

enum { NSCALAR = 19 };
static const uint32_t scalar_oids[NSCALAR] = {16,  21,   23,   20,   700,  701,  25,
                                              17,  1082, 1083, 1114, 1184, 2950, 3802,
                                              114, 26,   1042, 1700, 1043};

/* Row 0: values; row 1: all NULL; row 2: other values. */
static void scalar_stream(sm_buf_t *b)
{
    header(b);
    static const uint8_t uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                     0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    put16(b, NSCALAR);
    fbool(b, 1);
    fi16(b, -32768);
    fi32(b, 2147483647);
    fi64(b, INT64_MIN);
    ff4(b, 1.5f);
    ff8(b, -0.1);
    fstr(b, "héllo");
    fbytes(b, "\0\1\2\377", 4);
    fi32(b, 0);                         /* 2000-01-01 */
    fi64(b, INT64_C(45296500000));      /* 12:34:56.5 */
    fi64(b, 0);                         /* 2000-01-01 00:00:00 */
    fi64(b, -INT64_C(946684800000000)); /* 1970-01-01 00:00:00 */
    fbytes(b, uuid, 16);
    fbytes(b, "\1{\"a\": 1}", 9);
    fstr(b, "[1, 2]");
    fi32(b, 4000000000LL);
    fstr(b, "ab  ");
    fnum(b, "-123.45");
    fstr(b, "");
    put16(b, NSCALAR);
    for (int i = 0; i < NSCALAR; i++)
        fnull(b);
    put16(b, NSCALAR);
    fbool(b, 0);
    fi16(b, 32767);
    fi32(b, -2147483647 - 1);
    fi64(b, INT64_MAX);
    ff4(b, -INFINITY);
    ff8(b, NAN);
    fstr(b, "x");
    fbytes(b, "", 0);
    fi32(b, -10957);        /* 1970-01-01 */
    fi64(b, SM_US_PER_DAY); /* 24:00:00 */
    fi64(b, INT64_C(1));    /* 2000-01-01 00:00:00.000001 */
    fi64(b, -INT64_C(1));   /* 1999-12-31 23:59:59.999999 */
    fbytes(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    fbytes(b, "\1", 1);
    fstr(b, "null");
    fi32(b, 0);
    fstr(b, "z");
    fnum(b, "0");
    fstr(b, "x y");
    trailer(b);
}

static void test_scalars(void)
{
    int32_t mods[NSCALAR];
    for (int i = 0; i < NSCALAR; i++)
        mods[i] = -1;
    mods[17] = numeric_mod(10, 2);
    sm_pg_schema_t *sc = schema_of(NSCALAR, scalar_oids, mods);
    CHECK(sc != NULL);
    if (!sc)
        return;
    char tn[512];
    CHECK_EQ_STR(sm_type_name(sc->type, tn, sizeof tn),
                 "struct<c0:boolean,c1:smallint,c2:int,c3:bigint,c4:float,c5:double,c6:string,"
                 "c7:binary,c8:date,c9:string,c10:timestamp,c11:timestamp,c12:string,c13:string,"
                 "c14:string,c15:bigint,c16:string,c17:decimal(10,2),c18:string>");
    CHECK_EQ_INT(sc->type->fields[17].type->kind, SM_TYPE_DECIMAL);
    CHECK_EQ_INT(sc->type->fields[17].type->precision, 10);
    CHECK_EQ_INT(sc->type->fields[10].type->kind, SM_TYPE_TIMESTAMP_TZ);
    sm_buf_t s = SM_BUF_INIT;
    scalar_stream(&s);
    sink_t k;
    sm_error_t e;
    CHECK_OK(decode(sc, &s, &k, &e), &e);
    sm_batch_t *b = k.all;
    CHECK_EQ_INT(b->nrows, 3);
    CHECK_EQ_INT(k.batches, 1);
    char buf[128];
    if (b->nrows == 3) {
        CHECK(sm_vector_get_bool(b->cols[0], 0) && !sm_vector_get_bool(b->cols[0], 2));
        CHECK_EQ_INT(sm_vector_get_i16(b->cols[1], 0), -32768);
        CHECK_EQ_INT(sm_vector_get_i16(b->cols[1], 2), 32767);
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[2], 0), 2147483647);
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[2], 2), INT32_MIN);
        CHECK(sm_vector_get_i64(b->cols[3], 0) == INT64_MIN);
        CHECK(sm_vector_get_i64(b->cols[3], 2) == INT64_MAX);
        CHECK(sm_vector_get_f32(b->cols[4], 0) == 1.5f);
        CHECK(isinf(sm_vector_get_f32(b->cols[4], 2)) && sm_vector_get_f32(b->cols[4], 2) < 0);
        CHECK(sm_vector_get_f64(b->cols[5], 0) == -0.1);
        CHECK(isnan(sm_vector_get_f64(b->cols[5], 2)));
        CHECK_EQ_STR(str_at(b->cols[6], 0, buf, sizeof buf), "héllo");
        size_t n;
        const uint8_t *by = sm_vector_get_bytes(b->cols[7], 0, &n);
        CHECK(n == 4 && memcmp(by, "\0\1\2\377", 4) == 0);
        sm_vector_get_bytes(b->cols[7], 2, &n);
        CHECK_EQ_INT(n, 0);
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[8], 0), 10957);
        CHECK_EQ_INT(sm_vector_get_i32(b->cols[8], 2), 0);
        CHECK_EQ_STR(str_at(b->cols[9], 0, buf, sizeof buf), "12:34:56.5");
        CHECK_EQ_STR(str_at(b->cols[9], 2, buf, sizeof buf), "24:00:00");
        CHECK(sm_vector_get_i64(b->cols[10], 0) == INT64_C(946684800000000));
        CHECK(sm_vector_get_i64(b->cols[10], 2) == INT64_C(946684800000001));
        CHECK(sm_vector_get_i64(b->cols[11], 0) == 0);
        CHECK(sm_vector_get_i64(b->cols[11], 2) == INT64_C(946684799999999));
        CHECK_EQ_STR(str_at(b->cols[12], 0, buf, sizeof buf),
                     "12345678-9abc-def0-0123-456789abcdef");
        CHECK_EQ_STR(str_at(b->cols[12], 2, buf, sizeof buf),
                     "00000000-0000-0000-0000-000000000000");
        CHECK_EQ_STR(str_at(b->cols[13], 0, buf, sizeof buf), "{\"a\": 1}");
        CHECK_EQ_STR(str_at(b->cols[13], 2, buf, sizeof buf), "");
        CHECK_EQ_STR(str_at(b->cols[14], 0, buf, sizeof buf), "[1, 2]");
        CHECK(sm_vector_get_i64(b->cols[15], 0) == 4000000000LL);
        CHECK_EQ_STR(str_at(b->cols[16], 0, buf, sizeof buf), "ab  ");
        CHECK(sm_vector_get_i128(b->cols[17], 0) == -12345);
        CHECK(sm_vector_get_i128(b->cols[17], 2) == 0);
        CHECK_EQ_STR(str_at(b->cols[18], 0, buf, sizeof buf), "");
        for (int c = 0; c < NSCALAR; c++) {
            CHECK(!sm_vector_is_null(b->cols[c], 0));
            CHECK(sm_vector_is_null(b->cols[c], 1));
            CHECK(!sm_vector_is_null(b->cols[c], 2));
        }
    }
    sink_free(&k);
    sm_buf_free(&s);
    sm_pg_schema_free(sc);
}

/* Decodes one numeric text at decimal(p,s); returns the code. */
static sm_err_t one_numeric(const char *text, int p, int s, sm_i128 *out, sm_error_t *e)
{
    uint32_t oid = SM_PG_OID_NUMERIC;
    int32_t mod = numeric_mod(p, s);
    sm_pg_schema_t *sc = schema_of(1, &oid, &mod);
    sm_buf_t b = SM_BUF_INIT;
    header(&b);
    put16(&b, 1);
    fnum(&b, text);
    trailer(&b);
    sink_t k;
    sm_err_t rc = decode(sc, &b, &k, e);
    if (!rc)
        *out = sm_vector_get_i128(k.all->cols[0], 0);
    sink_free(&k);
    sm_buf_free(&b);
    sm_pg_schema_free(sc);
    return rc;
}

static void check_numeric(const char *text, int p, int s, const char *want)
{
    sm_i128 v = 0;
    sm_error_t e;
    sm_err_t rc = one_numeric(text, p, s, &v, &e);
    char got[SM_FMT_DECIMAL_MAX];
    if (rc) {
        fprintf(stderr, "numeric %s at (%d,%d): %s\n", text, p, s, e.msg);
        CHECK(rc == SM_OK);
        return;
    }
    sm_fmt_decimal(v, s, got);
    CHECK_EQ_STR(got, want);
}

static void test_numeric(void)
{
    check_numeric("0", 10, 2, "0.00");
    check_numeric("-0.0001", 10, 4, "-0.0001");
    check_numeric("-0.0001", 10, 2, "0.00");
    check_numeric("123456789.123", 38, 3, "123456789.123");
    check_numeric("123456789.123", 38, 18, "123456789.123000000000000000");
    check_numeric("0.00000000000000000001", 38, 2, "0.00");
    check_numeric("0.00000000000000000001", 38, 20, "0.00000000000000000001");
    check_numeric("99999999999999999999999999999999999999", 38, 0,
                  "99999999999999999999999999999999999999");
    check_numeric("-99999999999999999999999999999999999999", 38, 0,
                  "-99999999999999999999999999999999999999");
    check_numeric("0.005", 10, 2, "0.01");
    check_numeric("-0.005", 10, 2, "-0.01");
    check_numeric("0.0049", 10, 2, "0.00");
    check_numeric("1.23456", 10, 4, "1.2346");
    check_numeric("1.99995", 10, 4, "2.0000");
    check_numeric("12345678.5", 10, 0, "12345679");
    check_numeric("10000", 5, 0, "10000");
    check_numeric("1000000000000", 38, 0, "1000000000000");
    check_numeric("0.000100020003", 20, 12, "0.000100020003");
    check_numeric("7.77775", 10, 4, "7.7778");

    sm_i128 v;
    sm_error_t e;
    CHECK_EQ_INT(one_numeric("99999999999999999999999999999999999999", 38, 4, &v, &e),
                 SM_ERR_OVERFLOW);
    CHECK(strstr(e.msg, "column \"c0\" row 1") != NULL);
    CHECK(strstr(e.msg, "decimal(38,4)") != NULL);
    CHECK_EQ_INT(one_numeric("100000", 5, 0, &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(one_numeric("99999.5", 5, 0, &v, &e), SM_ERR_OVERFLOW); /* rounds to 100000 */
    CHECK_EQ_INT(one_numeric("1"
                             "00000000000000000000000000000000000000000",
                             38, 0, &v, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(one_numeric("NaN", 10, 2, &v, &e), SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "NaN") != NULL && strstr(e.msg, "\"c0\"") != NULL);
    CHECK_EQ_INT(one_numeric("Infinity", 10, 2, &v, &e), SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "Infinity") != NULL);
    CHECK_EQ_INT(one_numeric("-Infinity", 10, 2, &v, &e), SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "-Infinity") != NULL);

    /* Corrupt numerics: digit >= 10000, bad sign, length mismatch. */
    uint32_t oid = SM_PG_OID_NUMERIC;
    int32_t mod = numeric_mod(10, 2);
    sm_pg_schema_t *sc = schema_of(1, &oid, &mod);
    const uint8_t bad[][10] = {
        {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, /* digit 10000 */
        {0, 1, 0, 0, 0x12, 0, 0, 0, 0, 1},    /* sign 0x1200 */
        {0, 2, 0, 0, 0, 0, 0, 0, 0, 1},       /* 2 digits in 10 bytes */
    };
    for (size_t i = 0; i < 3; i++) {
        sm_buf_t b = SM_BUF_INIT;
        header(&b);
        put16(&b, 1);
        fbytes(&b, bad[i], 10);
        trailer(&b);
        sink_t k;
        CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
        sink_free(&k);
        sm_buf_free(&b);
    }
    sm_pg_schema_free(sc);
}

static void test_char(void)
{
    uint32_t oid = SM_PG_OID_CHAR;
    sm_pg_schema_t *sc = schema_of(1, &oid, NULL);
    sm_buf_t b = SM_BUF_INIT;
    header(&b);
    const char *vals[] = {"a", "\0", "\200", "\377"};
    for (int i = 0; i < 4; i++) {
        put16(&b, 1);
        fbytes(&b, vals[i], 1);
    }
    put16(&b, 1);
    fbytes(&b, "ab", 2);
    trailer(&b);
    sink_t k;
    sm_error_t e;
    /* Batches of one row, so the rows before the bad one arrive. */
    CHECK_EQ_INT(decode_cuts(sc, b.data, b.len, NULL, 0, 1, &k, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "row 5") != NULL);
    char buf[16];
    if (k.all && k.all->nrows == 4) {
        CHECK_EQ_STR(str_at(k.all->cols[0], 0, buf, sizeof buf), "a");
        CHECK_EQ_STR(str_at(k.all->cols[0], 1, buf, sizeof buf), "");
        CHECK_EQ_STR(str_at(k.all->cols[0], 2, buf, sizeof buf), "\\200");
        CHECK_EQ_STR(str_at(k.all->cols[0], 3, buf, sizeof buf), "\\377");
    } else {
        CHECK(0);
    }
    sink_free(&k);
    sm_buf_free(&b);
    sm_pg_schema_free(sc);
}

static void test_numeric_typmods(void)
{
    uint32_t oids[4] = {1700, 1700, 1700, 1231};
    int32_t mods[4] = {-1, numeric_mod(50, 10), numeric_mod(5, -2), numeric_mod(7, 3)};
    sm_pg_schema_t *sc = schema_of(4, oids, mods);
    CHECK(sc != NULL);
    if (!sc)
        return;
    char tn[128];
    CHECK_EQ_STR(sm_type_name(sc->type, tn, sizeof tn),
                 "struct<c0:decimal(38,18),c1:decimal(38,10),c2:decimal(7,0),c3:array<decimal(7,"
                 "3)>>");
    sm_pg_schema_free(sc);
    sm_pg_types_t t = {true, 20, 4};
    uint32_t o2[3] = {1700, 1114, 1184};
    CHECK_OK(sm_pg_schema_builtin(3, (const char *[]){"n", "ts", "tz"}, o2, NULL, &t, &sc, NULL),
             &(sm_error_t){0});
    if (sc) {
        CHECK_EQ_STR(sm_type_name(sc->type, tn, sizeof tn),
                     "struct<n:decimal(20,4),ts:timestamp_ntz,tz:timestamp>");
        sm_pg_schema_free(sc);
    }
    sm_error_t e;
    uint32_t bad = 600; /* point */
    CHECK_EQ_INT(sm_pg_schema_builtin(1, (const char *[]){"p"}, &bad, NULL, NULL, &sc, &e),
                 SM_ERR_UNSUPPORTED);
    CHECK(sc == NULL);
    CHECK(strstr(e.msg, "\"p\"") != NULL && strstr(e.msg, "600") != NULL);
}

/* Dates: PostgreSQL days since 2000-01-01. */
static void test_dates_times(void)
{
    uint32_t oids[3] = {1082, 1114, 1083};
    sm_pg_schema_t *sc = schema_of(3, oids, NULL);
    struct {
        int y, m, d;
    } dates[] = {{2000, 1, 1}, {1970, 1, 1}, {1, 1, 1}, {9999, 12, 31}, {1999, 12, 31}};
    sm_buf_t b = SM_BUF_INIT;
    header(&b);
    for (int i = 0; i < 5; i++) {
        int64_t days = sm_days_from_civil(dates[i].y, dates[i].m, dates[i].d);
        put16(&b, 3);
        fi32(&b, days - 10957);
        fi64(&b, (days - 10957) * SM_US_PER_DAY + INT64_C(1000000) * 3661 + 7);
        fi64(&b, i == 4 ? 1 : 3661 * INT64_C(1000000));
    }
    trailer(&b);
    sink_t k;
    sm_error_t e;
    CHECK_OK(decode(sc, &b, &k, &e), &e);
    const char *want_d[] = {"2000-01-01", "1970-01-01", "0001-01-01", "9999-12-31", "1999-12-31"};
    const char *want_ts[] = {"2000-01-01 01:01:01.000007", "1970-01-01 01:01:01.000007",
                             "0001-01-01 01:01:01.000007", "9999-12-31 01:01:01.000007",
                             "1999-12-31 01:01:01.000007"};
    if (k.all && k.all->nrows == 5) {
        for (int i = 0; i < 5; i++) {
            char s[SM_FMT_TIMESTAMP_MAX];
            sm_fmt_date(sm_vector_get_i32(k.all->cols[0], (size_t)i), s);
            CHECK_EQ_STR(s, want_d[i]);
            sm_fmt_timestamp(sm_vector_get_i64(k.all->cols[1], (size_t)i), SM_TS_TEXT, s);
            CHECK_EQ_STR(s, want_ts[i]);
        }
        char buf[32];
        CHECK_EQ_STR(str_at(k.all->cols[2], 0, buf, sizeof buf), "01:01:01");
        CHECK_EQ_STR(str_at(k.all->cols[2], 4, buf, sizeof buf), "00:00:00.000001");
    } else {
        CHECK(0);
    }
    sink_free(&k);
    sm_buf_free(&b);

    /* ±infinity and out-of-range times are errors naming column and row. */
    struct {
        int col;
        int64_t v;
        sm_err_t want;
        const char *needle;
    } bad[] = {{0, INT32_MAX, SM_ERR_UNSUPPORTED, "date infinity"},
               {0, INT32_MIN, SM_ERR_UNSUPPORTED, "date -infinity"},
               {1, INT64_MAX, SM_ERR_UNSUPPORTED, "timestamp infinity"},
               {1, INT64_MIN, SM_ERR_UNSUPPORTED, "timestamp -infinity"},
               {1, INT64_MAX - 5, SM_ERR_OVERFLOW, "out of range"},
               {2, -1, SM_ERR_CORRUPT, "time of -1"},
               {2, SM_US_PER_DAY + 1, SM_ERR_CORRUPT, "time of"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_buf_t s = SM_BUF_INIT;
        header(&s);
        put16(&s, 3);
        fi32(&s, 0);
        fi64(&s, 0);
        fi64(&s, 0);
        put16(&s, 3);
        if (bad[i].col == 0)
            fi32(&s, bad[i].v);
        else
            fnull(&s);
        if (bad[i].col == 1)
            fi64(&s, bad[i].v);
        else
            fnull(&s);
        if (bad[i].col == 2)
            fi64(&s, bad[i].v);
        else
            fnull(&s);
        trailer(&s);
        CHECK_EQ_INT(decode(sc, &s, &k, &e), bad[i].want);
        CHECK(strstr(e.msg, bad[i].needle) != NULL);
        CHECK(strstr(e.msg, "row 2") != NULL);
        sink_free(&k);
        sm_buf_free(&s);
    }
    sm_pg_schema_free(sc);
}

/* One array value: ndim 1, elements given as (len, bytes) already encoded. */
static void array_header(sm_buf_t *v, int ndim, int hasnull, uint32_t eoid, int nelem)
{
    put32(v, ndim);
    put32(v, hasnull);
    put32(v, eoid);
    for (int d = 0; d < ndim; d++) {
        put32(v, nelem);
        put32(v, 1);
    }
}

static void farray(sm_buf_t *b, const sm_buf_t *v)
{
    fbytes(b, v->data, v->len);
}

static void test_arrays(void)
{
    uint32_t oids[3] = {1007, 1009, 1231};
    int32_t mods[3] = {-1, -1, numeric_mod(6, 2)};
    sm_pg_schema_t *sc = schema_of(3, oids, mods);
    sm_buf_t b = SM_BUF_INIT, v = SM_BUF_INIT;
    header(&b);
    /* row 1: {1,NULL,3}, {"a",NULL,""}, {1.5,NULL} */
    put16(&b, 3);
    array_header(&v, 1, 1, 23, 3);
    fi32(&v, 1);
    fnull(&v);
    fi32(&v, 3);
    farray(&b, &v);
    sm_buf_reset(&v);
    array_header(&v, 1, 1, 25, 3);
    fstr(&v, "a");
    fnull(&v);
    fstr(&v, "");
    farray(&b, &v);
    sm_buf_reset(&v);
    array_header(&v, 1, 1, 1700, 2);
    fnum(&v, "1.5");
    fnull(&v);
    farray(&b, &v);
    sm_buf_reset(&v);
    /* row 2: {}, NULL, {} */
    put16(&b, 3);
    array_header(&v, 0, 0, 23, 0);
    farray(&b, &v);
    sm_buf_reset(&v);
    fnull(&b);
    array_header(&v, 0, 0, 1700, 0);
    farray(&b, &v);
    sm_buf_reset(&v);
    trailer(&b);
    sink_t k;
    sm_error_t e;
    CHECK_OK(decode(sc, &b, &k, &e), &e);
    if (k.all && k.all->nrows == 2) {
        sm_vector_t *a = k.all->cols[0], *ch = sm_vector_child(a, 0);
        size_t s0, e0;
        sm_vector_list_range(a, 0, &s0, &e0);
        CHECK_EQ_INT(e0 - s0, 3);
        CHECK_EQ_INT(sm_vector_get_i32(ch, s0), 1);
        CHECK(sm_vector_is_null(ch, s0 + 1));
        CHECK_EQ_INT(sm_vector_get_i32(ch, s0 + 2), 3);
        sm_vector_list_range(a, 1, &s0, &e0);
        CHECK_EQ_INT(e0 - s0, 0);
        CHECK(!sm_vector_is_null(a, 1));
        CHECK(sm_vector_is_null(k.all->cols[1], 1));
        sm_vector_t *t = sm_vector_child(k.all->cols[1], 0);
        char buf[16];
        CHECK_EQ_STR(str_at(t, 0, buf, sizeof buf), "a");
        CHECK(sm_vector_is_null(t, 1));
        CHECK_EQ_STR(str_at(t, 2, buf, sizeof buf), "");
        sm_vector_t *n = sm_vector_child(k.all->cols[2], 0);
        CHECK(sm_vector_get_i128(n, 0) == 150);
        CHECK(sm_vector_is_null(n, 1));
    } else {
        CHECK(0);
    }
    sink_free(&k);

    /* Bad arrays: 2-D (unsupported), wrong element OID, too many elements,
     * trailing bytes, negative dims. */
    for (int c = 0; c < 5; c++) {
        sm_buf_reset(&b);
        sm_buf_reset(&v);
        header(&b);
        put16(&b, 3);
        if (c == 0) {
            array_header(&v, 2, 0, 23, 1);
            fi32(&v, 1);
        } else if (c == 1) {
            array_header(&v, 1, 0, 20, 1);
            fi64(&v, 1);
        } else if (c == 2) {
            array_header(&v, 1, 0, 23, 1000);
            fi32(&v, 1);
        } else if (c == 3) {
            array_header(&v, 1, 0, 23, 1);
            fi32(&v, 1);
            put32(&v, 0);
        } else {
            array_header(&v, 1, 0, 23, 0);
            memcpy(v.data, "\xff\xff\xff\xff", 4);
        }
        farray(&b, &v);
        fnull(&b);
        fnull(&b);
        trailer(&b);
        sm_err_t rc = decode(sc, &b, &k, &e);
        CHECK_EQ_INT(rc, c == 0 ? SM_ERR_UNSUPPORTED : SM_ERR_CORRUPT);
        CHECK(strstr(e.msg, "column \"c0\" row 1") != NULL);
        if (c == 0)
            CHECK(strstr(e.msg, "2-dimensional") != NULL);
        sink_free(&k);
    }
    sm_buf_free(&v);
    sm_buf_free(&b);
    sm_pg_schema_free(sc);
}

/* A stream with many rows and every kind, to cut and truncate. */
static void rich_stream(sm_buf_t *b, int rows)
{
    header(b);
    for (int r = 0; r < rows; r++) {
        put16(b, 6);
        if (r % 3 == 0)
            fnull(b);
        else
            fi64(b, r * INT64_C(1000003));
        fstr(b, r % 2 ? "some text" : "");
        fnum(b, r % 2 ? "-12.3456" : "9999.99");
        sm_buf_t v = SM_BUF_INIT;
        array_header(&v, 1, 1, 25, 2);
        fstr(&v, "e");
        fnull(&v);
        if (r % 4 == 0)
            fnull(b);
        else
            farray(b, &v);
        sm_buf_free(&v);
        fbytes(b, "\1[true]", 7);
        fi32(b, r);
    }
    trailer(b);
}

static const uint32_t rich_oids[6] = {20, 25, 1700, 1009, 3802, 1082};

static bool same_batches(const sm_batch_t *a, const sm_batch_t *b)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols)
        return false;
    for (size_t i = 0; i < a->ncols; i++)
        if (!sm_vector_equal(a->cols[i], b->cols[i]))
            return false;
    return true;
}

static void test_chunk_boundaries(void)
{
    int32_t mods[6] = {-1, -1, numeric_mod(8, 2), -1, -1, -1};
    sm_pg_schema_t *sc = schema_of(6, rich_oids, mods);
    sm_buf_t s = SM_BUF_INIT;
    rich_stream(&s, 7);
    sink_t ref, k;
    sm_error_t e;
    CHECK_OK(decode(sc, &s, &ref, &e), &e);
    CHECK_EQ_INT(ref.all->nrows, 7);
    int bad = 0;
    /* One cut anywhere, and batches of 2 rows so flushes meet cuts. */
    for (size_t cut = 0; cut <= s.len; cut++) {
        for (size_t br = 2; br <= 3; br++) {
            sm_err_t rc = decode_cuts(sc, s.data, s.len, &cut, 1, br, &k, &e);
            if (rc || !same_batches(ref.all, k.all) || k.max_batch > br) {
                if (!bad++)
                    fprintf(stderr, "cut at %zu (batch %zu): %s\n", cut, br, rc ? e.msg : "diff");
            }
            sink_free(&k);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* Two cuts at every pair of a stride, and one byte at a time. */
    for (size_t a = 0; a <= s.len; a += 3) {
        for (size_t c = a; c <= s.len; c += 5) {
            size_t cuts[2] = {a, c};
            if (decode_cuts(sc, s.data, s.len, cuts, 2, 0, &k, &e) || !same_batches(ref.all, k.all))
                bad++;
            sink_free(&k);
        }
    }
    CHECK_EQ_INT(bad, 0);
    size_t *every = malloc(s.len * sizeof *every);
    for (size_t i = 0; i < s.len; i++)
        every[i] = i;
    CHECK_OK(decode_cuts(sc, s.data, s.len, every, s.len, 0, &k, &e), &e);
    CHECK(k.all && same_batches(ref.all, k.all));
    sink_free(&k);
    free(every);
    sink_free(&ref);
    sm_buf_free(&s);
    sm_pg_schema_free(sc);
}

static void test_truncation_and_corruption(void)
{
    int32_t mods[6] = {-1, -1, numeric_mod(8, 2), -1, -1, -1};
    sm_pg_schema_t *sc = schema_of(6, rich_oids, mods);
    sm_buf_t s = SM_BUF_INIT;
    rich_stream(&s, 4);
    sink_t k;
    sm_error_t e;
    int not_err = 0, no_offset = 0;
    for (size_t len = 0; len < s.len; len++) {
        sm_err_t rc = decode_cuts(sc, s.data, len, NULL, 0, 0, &k, &e);
        if (rc != SM_ERR_CORRUPT)
            not_err++;
        else if (!strstr(e.msg, "byte offset"))
            no_offset++;
        sink_free(&k);
    }
    CHECK_EQ_INT(not_err, 0);
    CHECK_EQ_INT(no_offset, 0);
    /* Each byte replaced by a few values: an error or a success, never a
     * crash (ASan/UBSan run this). */
    uint8_t *copy = malloc(s.len);
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (size_t i = 0; i < s.len; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(copy, s.data, s.len);
            copy[i] = vals[v];
            decode_cuts(sc, copy, s.len, NULL, 0, 0, &k, &e);
            sink_free(&k);
        }
    }
    free(copy);
    sm_buf_free(&s);
    sm_pg_schema_free(sc);
}

static void test_stream_errors(void)
{
    uint32_t oid = 23;
    sm_pg_schema_t *sc = schema_of(1, &oid, NULL);
    sink_t k;
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;

    /* Not a binary COPY stream. */
    sm_buf_append_str(&b, "1\t2\n\\.\n and some more text", NULL);
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "signature") != NULL);
    sink_free(&k);

    /* OIDs flag, unknown critical flag, header extension skipped. */
    sm_buf_reset(&b);
    sm_buf_append(&b, "PGCOPY\n\377\r\n\0", 11, NULL);
    put32(&b, 1 << 16);
    put32(&b, 0);
    trailer(&b);
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_UNSUPPORTED);
    sink_free(&k);
    b.data[11] = 0x80;
    b.data[12] = 0;
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
    sink_free(&k);
    sm_buf_reset(&b);
    sm_buf_append(&b, "PGCOPY\n\377\r\n\0", 11, NULL);
    put32(&b, 0xffff); /* non-critical bits are ignored */
    put32(&b, 5);
    sm_buf_append(&b, "\xff\xff\xff\xff\xff", 5, NULL);
    put16(&b, 1);
    fi32(&b, 42);
    trailer(&b);
    CHECK_OK(decode(sc, &b, &k, &e), &e);
    CHECK(k.all->nrows == 1 && sm_vector_get_i32(k.all->cols[0], 0) == 42);
    sink_free(&k);
    /* ...also when cut inside the extension. */
    for (size_t cut = 0; cut < b.len; cut++) {
        CHECK_OK(decode_cuts(sc, b.data, b.len, &cut, 1, 0, &k, &e), &e);
        sink_free(&k);
    }

    struct {
        int what;
        const char *needle;
    } cases[] = {{0, "after the trailer"}, {1, "tuple of 2 fields"},  {2, "length -2"},
                 {3, "exceeds"},           {4, "integer value of 8"}, {5, "tuple of -5 fields"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_buf_reset(&b);
        header(&b);
        put16(&b, 1);
        fi32(&b, 1);
        switch (cases[i].what) {
        case 0:
            trailer(&b);
            put16(&b, 1);
            break;
        case 1:
            put16(&b, 2);
            break;
        case 2:
            put16(&b, 1);
            put32(&b, -2);
            break;
        case 3:
            put16(&b, 1);
            put32(&b, 0x40000000);
            break;
        case 4:
            put16(&b, 1);
            fi64(&b, 1);
            break;
        case 5:
            put16(&b, -5);
            break;
        }
        trailer(&b);
        CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
        if (!strstr(e.msg, cases[i].needle))
            fprintf(stderr, "case %d: %s\n", cases[i].what, e.msg);
        CHECK(strstr(e.msg, cases[i].needle) != NULL);
        sink_free(&k);
    }
    /* The error names the source, and a failed decoder refuses more. */
    CHECK(strncmp(e.msg, "t: ", 3) == 0);
    sm_pg_decoder_t *d;
    CHECK_OK(sm_pg_decoder_new(sc, "orders", 0, NULL, NULL, &d, &e), &e);
    CHECK_EQ_INT(sm_pg_decoder_feed(d, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 30, &e),
                 SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "orders: corrupt COPY stream at byte offset 0") != NULL);
    CHECK_EQ_INT(sm_pg_decoder_feed(d, "", 1, &e), SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_pg_decoder_finish(d, &e), SM_ERR_CORRUPT);
    sm_pg_decoder_free(d);

    /* An empty stream, a stream with no rows. */
    sm_buf_reset(&b);
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "inside the header") != NULL);
    sink_free(&k);
    header(&b);
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "without its trailer") != NULL);
    sink_free(&k);
    trailer(&b);
    CHECK_OK(decode(sc, &b, &k, &e), &e);
    CHECK_EQ_INT(k.all->nrows, 0);
    CHECK_EQ_INT(k.batches, 0);
    sink_free(&k);

    /* NULL in a NOT NULL column. */
    sc->cols[0].nullable = false;
    sm_buf_reset(&b);
    header(&b);
    put16(&b, 1);
    fnull(&b);
    trailer(&b);
    CHECK_EQ_INT(decode(sc, &b, &k, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "NOT NULL") != NULL);
    sink_free(&k);
    sc->cols[0].nullable = true;
    sm_buf_free(&b);
    sm_pg_schema_free(sc);
}

static void test_batches_and_callback(void)
{
    uint32_t oid = 20;
    sm_pg_schema_t *sc = schema_of(1, &oid, NULL);
    sm_buf_t b = SM_BUF_INIT;
    header(&b);
    int n = 2 * SM_BATCH_ROWS + 5;
    for (int i = 0; i < n; i++) {
        put16(&b, 1);
        fi64(&b, i);
    }
    trailer(&b);
    sink_t k;
    sm_error_t e;
    CHECK_OK(decode(sc, &b, &k, &e), &e);
    CHECK_EQ_INT(k.batches, 3);
    CHECK_EQ_INT(k.max_batch, SM_BATCH_ROWS);
    CHECK_EQ_INT(k.all->nrows, n);
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += sm_vector_get_i64(k.all->cols[0], (size_t)i);
    CHECK_EQ_INT(sum, (int64_t)n * (n - 1) / 2);
    sink_free(&k);

    /* A callback error stops the stream with that error. */
    sm_pg_decoder_t *d;
    k.fail_with = SM_ERR_IO;
    k.batches = 0;
    CHECK_OK(sm_pg_decoder_new(sc, "t", 0, on_batch, &k, &d, &e), &e);
    CHECK_EQ_INT(sm_pg_decoder_feed(d, b.data, b.len, &e), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "sink refuses");
    CHECK_EQ_INT(k.batches, 1);
    CHECK_EQ_INT(sm_pg_decoder_rows(d), SM_BATCH_ROWS);
    sm_pg_decoder_free(d);
    sm_buf_free(&b);
    sm_pg_schema_free(sc);
}

static void test_nomem(void)
{
    int32_t mods[6] = {-1, -1, numeric_mod(8, 2), -1, -1, -1};
    sm_pg_schema_t *sc = schema_of(6, rich_oids, mods);
    sm_buf_t s = SM_BUF_INIT;
    rich_stream(&s, 5);
    size_t cut = 40;
    int ok = 0, wrong = 0;
    for (long n = 1; n < 400 && !ok; n++) {
        sm_pg_decoder_t *d = NULL;
        sm_error_t e;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_pg_decoder_new(sc, "t", 2, NULL, NULL, &d, &e);
        if (!rc)
            rc = sm_pg_decoder_feed(d, s.data, cut, &e);
        if (!rc)
            rc = sm_pg_decoder_feed(d, s.data + cut, s.len - cut, &e);
        if (!rc)
            rc = sm_pg_decoder_finish(d, &e);
        sm_mem_fail_after(0);
        if (!rc)
            ok = 1;
        else if (rc != SM_ERR_NOMEM)
            wrong++;
        sm_pg_decoder_free(d);
    }
    CHECK(ok);
    CHECK_EQ_INT(wrong, 0);
    sm_pg_schema_t *x = NULL;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_pg_schema_builtin(6, NULL, rich_oids, mods, NULL, &x, NULL), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(x == NULL);
    sm_buf_free(&s);
    sm_pg_schema_free(sc);
}

static void scrub(const char *in, const char *want)
{
    char out[256];
    sm_pg_scrub_conninfo(in, out, sizeof out);
    CHECK_EQ_STR(out, want);
}

static void test_scrub(void)
{
    scrub("host=db password=s3cret user=u", "host=db password=*** user=u");
    scrub("password = 'a b\\' c' port=5", "password=*** port=5");
    scrub("passwordx=1 password=", "passwordx=1 password=***");
    scrub("postgresql://u:pw@h:5/db?sslmode=require&password=x&a=b",
          "postgresql://u:***@h:5/db?sslmode=require&password=***&a=b");
    scrub("postgres://u@h/db", "postgres://u@h/db");
    scrub("postgresql://u:p%40ss@h", "postgresql://u:***@h");
    scrub("postgresql://h/db?password=z", "postgresql://h/db?password=***");
    scrub(NULL, "");
    char small[8];
    sm_pg_scrub_conninfo("host=abcdefghij password=x", small, sizeof small);
    CHECK_EQ_STR(small, "host=ab");
    char n[32];
    CHECK_EQ_STR(sm_pg_fmt_count(0, n), "0");
    CHECK_EQ_STR(sm_pg_fmt_count(999, n), "999");
    CHECK_EQ_STR(sm_pg_fmt_count(1234, n), "1,234");
    CHECK_EQ_STR(sm_pg_fmt_count(1234567, n), "1,234,567");
    CHECK_EQ_STR(sm_pg_fmt_count(UINT64_MAX, n), "18,446,744,073,709,551,615");
}

/* sm_pg_connect reports a malformed conninfo without echoing its pieces. */
static void test_connect_errors(void)
{
    sm_pg_conn_t *c = (sm_pg_conn_t *)1;
    sm_error_t e;
    CHECK_EQ_INT(sm_pg_connect("host=x password=Zq9sEcr3t bogus", NULL, &c, &e), SM_ERR_INVALID);
    CHECK(c == NULL);
    CHECK(strstr(e.msg, "Zq9sEcr3t") == NULL);
    CHECK(strstr(e.msg, "connection string") != NULL);
    CHECK_EQ_INT(sm_pg_connect("postgresql://u:Zq9sEcr3t%zz@h/db", NULL, &c, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "Zq9sEcr3t") == NULL);
    /* Nothing listens on port 1: a network error naming where, no password. */
    sm_pg_conn_opts_t o = {.connect_timeout_s = 2};
    CHECK_EQ_INT(
        sm_pg_connect("host=127.0.0.1 port=1 dbname=app user=u password=Zq9sEcr3t", &o, &c, &e),
        SM_ERR_NETWORK);
    CHECK(strstr(e.msg, "127.0.0.1:1/app") != NULL);
    CHECK(strstr(e.msg, "Zq9sEcr3t") == NULL);
    CHECK(e.retriable);
    sm_pg_close(NULL);
}

int main(void)
{
    RUN(test_scalars);
    RUN(test_numeric);
    RUN(test_char);
    RUN(test_numeric_typmods);
    RUN(test_dates_times);
    RUN(test_arrays);
    RUN(test_chunk_boundaries);
    RUN(test_truncation_and_corruption);
    RUN(test_stream_errors);
    RUN(test_batches_and_callback);
    RUN(test_nomem);
    RUN(test_scrub);
    RUN(test_connect_errors);
    return check_summary();
}
