/* Unit tests of the JSON event decoder and scanner (connect/kafka_json.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "columnar/batch.h"
#include "columnar/text.h"
#include "connect/kafka.h"
#include "core/mem.h"

typedef struct fixture {
    sm_type_t *schema;
    sm_kafka_json_decoder_t *d;
    sm_batch_t *b;
    sm_kafka_dead_letters_t dl;
} fixture_t;

static void fx_open(fixture_t *f, sm_type_t *schema)
{
    sm_error_t e;
    memset(f, 0, sizeof *f);
    f->schema = schema;
    CHECK(schema != NULL);
    CHECK_OK(sm_kafka_json_decoder_new(schema, 0, &f->d, &e), &e);
    CHECK_OK(sm_batch_new(schema, 0, &f->b, &e), &e);
}

static void fx_close(fixture_t *f)
{
    sm_kafka_json_decoder_free(f->d);
    sm_batch_free(f->b);
    sm_type_free(f->schema);
    sm_kafka_dead_letters_free(&f->dl);
}

/* Decodes s; returns 1 when it became a dead letter. */
static int dec(fixture_t *f, const char *s)
{
    sm_error_t e;
    bool dead = false;
    CHECK_OK(sm_kafka_json_decode(f->d, (const uint8_t *)s, strlen(s), 0, (int64_t)f->dl.n + 100,
                                  f->b, &f->dl, &dead, &e),
             &e);
    return dead;
}

static const char *last_reason(const fixture_t *f)
{
    return f->dl.n ? f->dl.items[f->dl.n - 1].reason : "(none)";
}

static sm_type_t *str_schema(void)
{
    return sm_type_struct(
        (sm_field_t[]){{"s", sm_type_string(), true}, {"d", sm_type_float64(), true}}, 2);
}

/* ---- events -------------------------------------------------------------------------- */

static void test_event_roundtrip(void)
{
    fixture_t f;
    fx_open(&f, sm_kafka_event_schema(false));
    int64_t base = INT64_C(1714557600000); /* 2024-05-01T10:00:00Z */
    double sum = 0;
    for (int64_t id = 1; id <= 500; id++) {
        sm_kafka_event_t ev;
        char js[SM_KAFKA_EVENT_JSON_MAX];
        sm_kafka_event_make(7, id, base + id, &ev);
        CHECK(ev.montant_cents >= 1000 && ev.montant_cents <= 10000);
        CHECK(ev.pays >= 0 && ev.pays < SM_KAFKA_NCOUNTRIES);
        sm_kafka_json_validate((const uint8_t *)js, sm_kafka_event_json(&ev, js), NULL);
        CHECK_EQ_INT(dec(&f, js), 0);
        sum += (double)ev.montant_cents;
    }
    CHECK_EQ_INT(f.b->nrows, 500);
    CHECK_EQ_INT(f.dl.n, 0);
    double got = 0;
    for (size_t i = 0; i < 500; i++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(7, (int64_t)i + 1, 0, &ev);
        CHECK_EQ_INT(sm_vector_get_i64(f.b->cols[0], i), (int64_t)i + 1);
        CHECK_EQ_INT(sm_vector_get_i64(f.b->cols[1], i), (base + (int64_t)i + 1) * 1000);
        size_t n;
        const char *p = sm_vector_get_str(f.b->cols[2], i, &n);
        CHECK(n == strlen(sm_kafka_countries[ev.pays]) &&
              memcmp(p, sm_kafka_countries[ev.pays], n) == 0);
        CHECK_EQ_INT(llround(sm_vector_get_f64(f.b->cols[3], i) * 100), ev.montant_cents);
        p = sm_vector_get_str(f.b->cols[4], i, &n);
        CHECK(n == 9 && memcmp(p, "vente_web", 9) == 0);
        got += sm_vector_get_f64(f.b->cols[3], i) * 100;
    }
    CHECK(fabs(got - sum) < 1e-6);
    fx_close(&f);
}

static void test_event_json_text(void)
{
    char js[SM_KAFKA_EVENT_JSON_MAX];
    sm_kafka_event_t ev = {
        .event_id = 7, .ts_ms = INT64_C(1714557600123), .pays = 2, .montant_cents = 4250};
    sm_kafka_event_json(&ev, js);
    CHECK_EQ_STR(js, "{\"event_id\": 7, \"timestamp\": \"2024-05-01T10:00:00.123Z\", \"pays\": "
                     "\"USA\", \"montant\": 42.5, \"type\": \"vente_web\"}");
    ev.montant_cents = 4205;
    sm_kafka_event_json(&ev, js);
    CHECK(strstr(js, "\"montant\": 42.05,") != NULL);
    ev.montant_cents = 10000;
    sm_kafka_event_json(&ev, js);
    CHECK(strstr(js, "\"montant\": 100.0,") != NULL);
    /* the same seed and id always give the same event; another seed another */
    sm_kafka_event_t a, b, c;
    sm_kafka_event_make(1, 5, 0, &a);
    sm_kafka_event_make(1, 5, 0, &b);
    sm_kafka_event_make(2, 5, 0, &c);
    CHECK(a.pays == b.pays && a.montant_cents == b.montant_cents);
    int differ = 0;
    for (int64_t id = 0; id < 20; id++) {
        sm_kafka_event_make(1, id, 0, &a);
        sm_kafka_event_make(2, id, 0, &c);
        differ += a.montant_cents != c.montant_cents;
    }
    CHECK(differ > 10);
    /* all four countries and the whole amount range are reached */
    int seen[4] = {0};
    int64_t lo = 100000, hi = 0;
    for (int64_t id = 0; id < 20000; id++) {
        sm_kafka_event_make(3, id, 0, &a);
        seen[a.pays]++;
        lo = a.montant_cents < lo ? a.montant_cents : lo;
        hi = a.montant_cents > hi ? a.montant_cents : hi;
    }
    for (int i = 0; i < 4; i++)
        CHECK(seen[i] > 4500 && seen[i] < 5500);
    CHECK(lo <= 1003 && hi >= 9997);
}

/* ---- nulls and dead letters ----------------------------------------------------------- */

static void test_nulls(void)
{
    fixture_t f;
    fx_open(&f, sm_kafka_event_schema(true));
    CHECK_EQ_INT(dec(&f, "{\"event_id\": 1}"), 0);
    CHECK_EQ_INT(dec(&f, "{\"event_id\": null, \"pays\": null, \"montant\": null}"), 0);
    CHECK_EQ_INT(dec(&f, " {} "), 0);
    CHECK_EQ_INT(f.b->nrows, 3);
    CHECK(!sm_vector_is_null(f.b->cols[0], 0));
    for (size_t c = 1; c < 5; c++)
        CHECK(sm_vector_is_null(f.b->cols[c], 0));
    for (size_t c = 0; c < 5; c++) {
        CHECK(sm_vector_is_null(f.b->cols[c], 1));
        CHECK(sm_vector_is_null(f.b->cols[c], 2));
        CHECK_EQ_INT(f.b->cols[c]->len, 3);
    }
    CHECK_EQ_INT(f.dl.n, 0);
    fx_close(&f);
}

static void test_dead_letters(void)
{
    fixture_t f;
    fx_open(&f, sm_kafka_event_schema(false));
    static const struct {
        const char *in, *reason;
    } cases[] = {
        {"{\"event_id\": 1, \"montant\": \"abc\"}",
         "field \"montant\": expected a number, got \"abc\""},
        {"{\"event_id\": 1.5}", "field \"event_id\": expected an integer, got 1.5"},
        {"{\"event_id\": 1e3}", "field \"event_id\": expected an integer, got 1e3"},
        {"{\"event_id\": 9223372036854775808}",
         "field \"event_id\": 9223372036854775808 is out of range for bigint"},
        {"{\"event_id\": \"7\"}", "field \"event_id\": expected an integer, got \"7\""},
        {"{\"pays\": 12}", "field \"pays\": expected a string, got 12"},
        {"{\"pays\": {\"a\": 1}}", "field \"pays\": expected a string, got an object"},
        {"{\"pays\": [1, 2]}", "field \"pays\": expected a string, got an array"},
        {"{\"pays\": true}", "field \"pays\": expected a string, got true"},
        {"{\"timestamp\": \"yesterday\"}",
         "field \"timestamp\": expected an ISO-8601 timestamp string, got \"yesterday\""},
        {"{\"timestamp\": \"1@0?12-m-&5-\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f"
         "\x7f\x7f\x7f\x7f"
         "01T10:0_web\"}",
         "field \"timestamp\": expected an ISO-8601 timestamp string, got "
         "\"1@0?12-m-&5-\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F\\x7F"
         "\\x7F\\x7F\\x7F\\x7F01T10:0_w..."},
        {"{\"timestamp\": 1714557600}",
         "field \"timestamp\": expected an ISO-8601 timestamp string, got 1714557600"},
        {"{\"event_id\": 1, \"pays\": \"FR\" \"x\"}",
         "invalid JSON at byte 29: ',' or '}' expected"},
        {"{\"pays\": \"\xff\"}", "invalid JSON at byte 10: invalid UTF-8 in string"},
        {"{\"pays\": \"\xc3\"}", "invalid JSON at byte 10: invalid UTF-8 in string"},
        {"{\"pays\": \"\xed\xa0\x80\"}", "invalid JSON at byte 10: invalid UTF-8 in string"},
        {"{\"pays\": \"\xc0\xaf\"}", "invalid JSON at byte 10: invalid UTF-8 in string"},
        {"{\"event_id\": 1,}", "invalid JSON at byte 15: object key (a string) expected"},
        {"{\"event_id\" 1}", "invalid JSON at byte 12: ':' expected after object key"},
        {"{\"event_id\": 01}", "invalid JSON at byte 14: invalid number (leading zero)"},
        {"{\"montant\": 1.}", "invalid JSON at byte 14: invalid number (digit expected after '.')"},
        {"{\"montant\": .5}", "invalid JSON at byte 12: value expected"},
        {"{\"montant\": -}", "invalid JSON at byte 13: invalid number (digit expected)"},
        {"{\"montant\": 1e}",
         "invalid JSON at byte 14: invalid number (digit expected in exponent)"},
        {"{\"montant\": +1}", "invalid JSON at byte 12: value expected"},
        {"{\"montant\": NaN}", "invalid JSON at byte 12: value expected"},
        {"{\"x\": tru}", "invalid JSON at byte 9: invalid literal"},
        {"{\"x\": nul", "invalid JSON at byte 9: unexpected end of input"},
        {"{\"pays\": \"a\tb\"}",
         "invalid JSON at byte 11: control character in string (must be escaped)"},
        {"{\"pays\": \"a\\qb\"}", "invalid JSON at byte 11: invalid escape in string"},
        {"{} x", "invalid JSON at byte 3: unexpected data after the object"},
        {"[1]", "expected a JSON object, got an array"},
        {"\"x\"", "expected a JSON object, got a string"},
        {"42", "expected a JSON object, got a number"},
        {"null", "expected a JSON object, got null"},
        {"", "invalid JSON at byte 0: unexpected end of input"},
        {"   ", "invalid JSON at byte 3: unexpected end of input"},
        {"{", "invalid JSON at byte 1: unexpected end of input"},
        {"{\"pays\": \"abc", "invalid JSON at byte 13: unterminated string"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        size_t before = f.dl.n;
        CHECK_EQ_INT(dec(&f, cases[i].in), 1);
        CHECK_EQ_INT(f.dl.n, before + 1);
        CHECK_EQ_STR(last_reason(&f), cases[i].reason);
        CHECK_EQ_INT(f.dl.items[before].raw_len, strlen(cases[i].in));
        CHECK(memcmp(f.dl.items[before].raw, cases[i].in, strlen(cases[i].in)) == 0);
        CHECK_EQ_INT(f.dl.items[before].offset, (int64_t)before + 100);
    }
    /* no partial rows: the batch is empty and every column too */
    CHECK_EQ_INT(f.b->nrows, 0);
    for (size_t c = 0; c < 5; c++)
        CHECK_EQ_INT(f.b->cols[c]->len, 0);
    /* a good row after the dead letters lands */
    CHECK_EQ_INT(dec(&f, "{\"event_id\": 3, \"montant\": 12.5}"), 0);
    CHECK_EQ_INT(f.b->nrows, 1);
    CHECK(sm_vector_get_f64(f.b->cols[3], 0) == 12.5);

    /* tombstones and oversized values */
    sm_error_t e;
    bool dead = false;
    CHECK_OK(sm_kafka_json_decode(f.d, NULL, 0, 2, 9, f.b, &f.dl, &dead, &e), &e);
    CHECK(dead);
    CHECK_EQ_STR(last_reason(&f), "message has no value");
    CHECK_EQ_INT(f.dl.items[f.dl.n - 1].partition, 2);
    sm_kafka_json_decoder_t *small;
    CHECK_OK(sm_kafka_json_decoder_new(f.schema, 10, &small, &e), &e);
    const char *big = "{\"event_id\": 12345}";
    CHECK_OK(
        sm_kafka_json_decode(small, (const uint8_t *)big, strlen(big), 0, 1, f.b, &f.dl, &dead, &e),
        &e);
    CHECK(dead);
    CHECK_EQ_STR(last_reason(&f), "message of 19 bytes exceeds the limit of 10 bytes");
    CHECK_EQ_INT(f.dl.items[f.dl.n - 1].raw_len, 10);
    sm_kafka_json_decoder_free(small);
    sm_kafka_dead_letters_reset(&f.dl);
    CHECK_EQ_INT(f.dl.n, 0);
    fx_close(&f);
}

static void test_not_null_fields(void)
{
    fixture_t f;
    fx_open(&f,
            sm_type_struct(
                (sm_field_t[]){{"id", sm_type_int64(), false}, {"v", sm_type_string(), true}}, 2));
    CHECK_EQ_INT(dec(&f, "{\"v\": \"x\"}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"id\": missing, but the field is NOT NULL");
    CHECK_EQ_INT(dec(&f, "{\"id\": null}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"id\": null, but the field is NOT NULL");
    CHECK_EQ_INT(dec(&f, "{\"id\": 4}"), 0);
    CHECK_EQ_INT(f.b->nrows, 1);
    fx_close(&f);
}

/* ---- scanner edge cases ----------------------------------------------------------------- */

static void check_str(fixture_t *f, const char *in, const char *want, size_t want_len)
{
    size_t row = f->b->nrows;
    CHECK_EQ_INT(dec(f, in), 0);
    if (f->b->nrows != row + 1)
        return;
    size_t n;
    const char *p = sm_vector_get_str(f->b->cols[0], row, &n);
    CHECK_EQ_INT(n, want_len);
    CHECK(n == want_len && memcmp(p, want, n) == 0);
}

static void test_strings(void)
{
    fixture_t f;
    fx_open(&f, str_schema());
    check_str(&f, "{\"s\": \"plain\"}", "plain", 5);
    check_str(&f, "{\"s\": \"\"}", "", 0);
    check_str(&f, "{\"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", "a\"b\\c/d\b\f\n\r\t", 12);
    check_str(&f, "{\"s\": \"\\u00e9t\\u00C9\"}", "\xc3\xa9t\xc3\x89", 5);
    check_str(&f, "{\"s\": \"\\u20AC\"}", "\xe2\x82\xac", 3);
    check_str(&f, "{\"s\": \"\\uD83D\\uDE00!\"}", "\xf0\x9f\x98\x80!", 5);
    check_str(&f, "{\"s\": \"\\u0000x\"}", "\0x", 2);
    check_str(&f, "{\"s\": \"d\xc3\xa9j\xc3\xa0 \xf0\x9f\x98\x80 \xe2\x82\xac\"}",
              "d\xc3\xa9j\xc3\xa0 \xf0\x9f\x98\x80 \xe2\x82\xac", 15);
    /* keys with escapes, other case, duplicates (last wins), unknown fields */
    check_str(&f, "{\"\\u0073\": \"esc\"}", "esc", 3);
    check_str(&f, "{\"S\": \"upper\"}", "upper", 5);
    check_str(&f, "{\"s\": \"first\", \"s\": \"last\"}", "last", 4);
    check_str(&f,
              "{\"other\": {\"a\": [1, 2.5e3, \"x\", null, true, false, {}], \"b\": []}, "
              "\"s\": \"after\"}",
              "after", 5);
    check_str(&f, "{\"s\":\"\\u00e9\",\"s\":\"\\\\\"}", "\\", 1);
    check_str(&f, " \t\r\n{ \"s\" : \"ws\" } \n", "ws", 2);
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"{\"s\": \"\\uD800\"}",
         "invalid JSON at byte 7: invalid \\u escape: high surrogate without low surrogate"},
        {"{\"s\": \"\\uD800\\u0041\"}",
         "invalid JSON at byte 7: invalid \\u escape: high surrogate without low surrogate"},
        {"{\"s\": \"\\uDC00\"}", "invalid JSON at byte 7: invalid \\u escape: lone low surrogate"},
        {"{\"s\": \"\\u12G4\"}",
         "invalid JSON at byte 7: invalid \\u escape (4 hex digits expected)"},
        {"{\"s\": \"\\u12\"}",
         "invalid JSON at byte 7: invalid \\u escape (4 hex digits expected)"},
        {"{\"s\": \"\\", "invalid JSON at byte 8: unterminated string"},
        {"{\"\xff\": 1}", "invalid JSON at byte 2: invalid UTF-8 in string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(dec(&f, bad[i].in), 1);
        CHECK_EQ_STR(last_reason(&f), bad[i].reason);
    }
    fx_close(&f);
}

static double dec_double(fixture_t *f, const char *num, int *dead)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "{\"d\": %s}", num);
    size_t row = f->b->nrows;
    *dead = dec(f, buf);
    if (*dead || f->b->nrows != row + 1)
        return NAN;
    return sm_vector_get_f64(f->b->cols[1], row);
}

static void test_numbers(void)
{
    fixture_t f;
    fx_open(&f, str_schema());
    int dead;
    static const char *nums[] = {"0",
                                 "-0",
                                 "1",
                                 "-1",
                                 "0.1",
                                 "0.3",
                                 "57.31",
                                 "100.0",
                                 "1e22",
                                 "1e23",
                                 "1.7976931348623157e308",
                                 "2.2250738585072014e-308",
                                 "5e-324",
                                 "123456789012345678901234567890",
                                 "9007199254740993",
                                 "0.000001234",
                                 "1E+2",
                                 "1e-2",
                                 "12345678901234567890e-10",
                                 "-2.5E-3",
                                 "4.9406564584124654e-324",
                                 "0.1e1",
                                 "1.5e300"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        double got = dec_double(&f, nums[i], &dead), want = strtod(nums[i], NULL);
        CHECK_EQ_INT(dead, 0);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
        if (memcmp(&got, &want, sizeof got) != 0)
            fprintf(stderr, "  number %s: got %.17g want %.17g\n", nums[i], got, want);
    }
    double x = dec_double(&f, "1e400", &dead);
    CHECK(!dead && isinf(x) && x > 0);
    x = dec_double(&f, "-1e400", &dead);
    CHECK(!dead && isinf(x) && x < 0);
    x = dec_double(&f, "1e-400", &dead);
    CHECK(!dead && x == 0);
    x = dec_double(&f, "1e99999999999", &dead);
    CHECK(!dead && isinf(x));
    /* a 4000-digit number */
    char big[4100];
    memset(big, '9', 4000);
    big[4000] = 0;
    x = dec_double(&f, big, &dead);
    CHECK(!dead && isinf(x));
    memcpy(big, "0.", 2);
    x = dec_double(&f, big, &dead);
    CHECK(!dead && x == 1.0);
    /* random numbers: the fast path agrees with strtod bit for bit */
    srand(12345);
    int mismatches = 0;
    for (int i = 0; i < 20000; i++) {
        char nb[64];
        int digits = 1 + rand() % 18, fr = rand() % (digits + 1), ex = rand() % 60 - 30;
        size_t k = 0;
        if (rand() & 1)
            nb[k++] = '-';
        nb[k++] = (char)('1' + rand() % 9);
        for (int j = 1; j < digits; j++) {
            if (j == digits - fr)
                nb[k++] = '.';
            nb[k++] = (char)('0' + rand() % 10);
        }
        if (rand() & 1)
            k += (size_t)snprintf(nb + k, sizeof nb - k, "e%d", ex);
        nb[k] = 0;
        if (nb[k - 1] == '.')
            continue;
        double g = dec_double(&f, nb, &dead), w = strtod(nb, NULL);
        if (dead || memcmp(&g, &w, sizeof g) != 0) {
            if (mismatches++ < 5)
                fprintf(stderr, "  number %s: got %.17g want %.17g\n", nb, g, w);
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    fx_close(&f);

    /* integer widths, decimal, boolean, date */
    fx_open(&f, sm_type_struct((sm_field_t[]){{"i8", sm_type_int8(), true},
                                              {"i32", sm_type_int32(), true},
                                              {"dec", sm_type_decimal(5, 2), true},
                                              {"b", sm_type_bool(), true},
                                              {"day", sm_type_date(), true},
                                              {"f", sm_type_float32(), true},
                                              {"ts", sm_type_timestamp(), true}},
                               7));
    CHECK_EQ_INT(dec(&f,
                     "{\"i8\": -128, \"i32\": 2147483647, \"dec\": 123.456, \"b\": true, "
                     "\"day\": \"2024-02-29\", \"f\": 0.5, \"ts\": \"2024-05-01T12:00:00+02:00\"}"),
                 0);
    CHECK_EQ_INT(f.b->nrows, 1);
    CHECK_EQ_INT(sm_vector_get_i8(f.b->cols[0], 0), -128);
    CHECK_EQ_INT(sm_vector_get_i32(f.b->cols[1], 0), 2147483647);
    CHECK(sm_vector_get_i128(f.b->cols[2], 0) == 12346);
    CHECK(sm_vector_get_bool(f.b->cols[3], 0));
    CHECK_EQ_INT(sm_vector_get_i32(f.b->cols[4], 0), sm_days_from_civil(2024, 2, 29));
    CHECK(sm_vector_get_f32(f.b->cols[5], 0) == 0.5f);
    CHECK_EQ_INT(sm_vector_get_i64(f.b->cols[6], 0), INT64_C(1714557600000000));
    CHECK_EQ_INT(dec(&f, "{\"i8\": 128}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"i8\": 128 is out of range for tinyint");
    CHECK_EQ_INT(dec(&f, "{\"i32\": -2147483649}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"i32\": -2147483649 is out of range for int");
    CHECK_EQ_INT(dec(&f, "{\"dec\": 1234.5}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"dec\": 1234.5 does not fit decimal(5,2)");
    CHECK_EQ_INT(dec(&f, "{\"b\": 1}"), 1);
    CHECK_EQ_STR(last_reason(&f), "field \"b\": expected true or false, got 1");
    CHECK_EQ_INT(dec(&f, "{\"day\": \"2023-02-29\"}"), 1);
    CHECK_EQ_STR(last_reason(&f),
                 "field \"day\": expected an ISO-8601 date string, got \"2023-02-29\"");
    CHECK_EQ_INT(dec(&f, "{\"i8\": -0, \"b\": false}"), 0);
    CHECK_EQ_INT(sm_vector_get_i8(f.b->cols[0], 1), 0);
    CHECK(!sm_vector_get_bool(f.b->cols[3], 1));
    fx_close(&f);
}

static void test_nesting(void)
{
    fixture_t f;
    fx_open(&f, str_schema());
    char buf[300];
    /* 63 nested arrays inside the top object: depth 64, fine */
    size_t k = (size_t)snprintf(buf, sizeof buf, "{\"x\": ");
    for (int i = 0; i < 63; i++)
        buf[k++] = '[';
    for (int i = 0; i < 63; i++)
        buf[k++] = ']';
    snprintf(buf + k, sizeof buf - k, ", \"s\": \"ok\"}");
    CHECK_EQ_INT(dec(&f, buf), 0);
    k = (size_t)snprintf(buf, sizeof buf, "{\"x\": ");
    for (int i = 0; i < 64; i++)
        buf[k++] = '[';
    for (int i = 0; i < 64; i++)
        buf[k++] = ']';
    snprintf(buf + k, sizeof buf - k, "}");
    CHECK_EQ_INT(dec(&f, buf), 1);
    CHECK_EQ_STR(last_reason(&f), "invalid JSON at byte 69: nesting deeper than 64 levels");
    /* a million opening brackets: an error, not a stack overflow */
    size_t n = 1000000;
    uint8_t *deep = malloc(n);
    memset(deep, '[', n);
    sm_error_t e;
    CHECK_EQ_INT(sm_kafka_json_validate(deep, n, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid JSON at byte 64: nesting deeper than 64 levels");
    memset(deep, '{', 1);
    bool dead;
    CHECK_OK(sm_kafka_json_decode(f.d, deep, n, 0, 0, f.b, &f.dl, &dead, &e), &e);
    CHECK(dead);
    free(deep);
    /* validate: any top-level value */
    const char *arr = " [1, \"a\", {\"b\": null}] ";
    CHECK_OK(sm_kafka_json_validate((const uint8_t *)arr, strlen(arr), &e), &e);
    CHECK_OK(sm_kafka_json_validate((const uint8_t *)"-0.5e+3", 7, &e), &e);
    CHECK_EQ_INT(sm_kafka_json_validate((const uint8_t *)"[1,]", 4, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid JSON at byte 3: value expected");
    CHECK_EQ_INT(sm_kafka_json_validate(NULL, 0, &e), SM_ERR_PARSE);
    fx_close(&f);
}

/* Every proper prefix of a valid message is an error, never a crash
 * (each prefix sits in a buffer of exactly its size, so ASan sees any
 * over-read). */
static void test_truncated(void)
{
    fixture_t f;
    fx_open(&f, sm_kafka_event_schema(false));
    const char *msg = "{\"event_id\": -12, \"timestamp\": \"2024-05-01T10:00:00.5+01:30\", "
                      "\"pays\": \"FR\\u00c9\\uD83D\\uDE00\\n\", \"montant\": 1.25e1, \"type\": "
                      "\"vente_web\", \"extra\": [true, false, null, {\"k\": [1, -2.5E-3]}]}";
    size_t n = strlen(msg);
    sm_error_t e;
    CHECK_OK(sm_kafka_json_validate((const uint8_t *)msg, n, &e), &e);
    CHECK_EQ_INT(dec(&f, msg), 0);
    CHECK_EQ_INT(sm_vector_get_i64(f.b->cols[1], 0), INT64_C(1714552200500000));
    CHECK(sm_vector_get_f64(f.b->cols[3], 0) == 12.5);
    int bad = 0;
    for (size_t len = 0; len < n; len++) {
        uint8_t *p = malloc(len ? len : 1);
        memcpy(p, msg, len);
        bool dead = false;
        CHECK_OK(sm_kafka_json_decode(f.d, p, len, 0, (int64_t)len, f.b, &f.dl, &dead, &e), &e);
        bad += !dead;
        CHECK_EQ_INT(sm_kafka_json_validate(p, len, &e), SM_ERR_PARSE);
        free(p);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(f.b->nrows, 1);
    CHECK_EQ_INT(f.dl.n, n);
    for (size_t i = 0; i < f.dl.n; i++)
        CHECK(strncmp(f.dl.items[i].reason, "invalid JSON at byte ", 21) == 0);
    fx_close(&f);
}

/* ---- schema and allocation failures -------------------------------------------------- */

static void test_schema_errors(void)
{
    sm_error_t e;
    sm_kafka_json_decoder_t *d = (void *)1;
    sm_type_t *t = sm_type_struct((sm_field_t[]){{"a", sm_type_list(sm_type_int32()), true}}, 1);
    CHECK_EQ_INT(sm_kafka_json_decoder_new(t, 0, &d, &e), SM_ERR_UNSUPPORTED);
    CHECK(d == NULL);
    CHECK_EQ_STR(e.msg, "JSON event decoder: field \"a\" has type array<int>, which JSON events "
                        "cannot fill (use string)");
    sm_type_free(t);
    CHECK_EQ_INT(sm_kafka_json_decoder_new(sm_type_int32(), 0, &d, &e), SM_ERR_INVALID);
    /* a batch of another shape */
    sm_type_t *s = sm_kafka_event_schema(false), *o = str_schema();
    sm_batch_t *b;
    CHECK_OK(sm_kafka_json_decoder_new(s, 0, &d, &e), &e);
    CHECK_OK(sm_batch_new(o, 0, &b, &e), &e);
    CHECK_EQ_INT(sm_kafka_json_decode(d, (const uint8_t *)"{}", 2, 0, 0, b, NULL, NULL, &e),
                 SM_ERR_INVALID);
    sm_batch_free(b);
    sm_kafka_json_decoder_free(d);
    sm_type_free(s);
    sm_type_free(o);
}

static void test_alloc_failures(void)
{
    const char *msg = "{\"event_id\": 5, \"timestamp\": \"2024-05-01T10:00:00Z\", \"pays\": "
                      "\"GER\\u004dANY\", \"montant\": 3.5, \"type\": \"vente_web\"}";
    int ok_at = 0;
    for (long n = 1; n < 200 && !ok_at; n++) {
        sm_error_t e;
        sm_type_t *s = sm_kafka_event_schema(false);
        sm_kafka_json_decoder_t *d = NULL;
        sm_batch_t *b = NULL;
        sm_kafka_dead_letters_t dl = SM_KAFKA_DEAD_LETTERS_INIT;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_kafka_json_decoder_new(s, 0, &d, &e);
        if (!rc)
            rc = sm_batch_new(s, 1, &b, &e);
        for (int i = 0; !rc && i < 3; i++)
            rc = sm_kafka_json_decode(d, (const uint8_t *)msg, strlen(msg), 0, i, b, &dl, NULL, &e);
        if (!rc)
            rc = sm_kafka_json_decode(d, (const uint8_t *)"{", 1, 0, 9, b, &dl, NULL, &e);
        sm_mem_fail_after(0);
        if (rc) {
            CHECK(rc == SM_ERR_NOMEM);
            if (b) /* the batch stays consistent */
                for (size_t c = 0; c < b->ncols; c++)
                    CHECK_EQ_INT(b->cols[c]->len, b->nrows);
        } else {
            ok_at = (int)n;
            CHECK_EQ_INT(b->nrows, 3);
            CHECK_EQ_INT(dl.n, 1);
        }
        sm_kafka_dead_letters_free(&dl);
        sm_batch_free(b);
        sm_kafka_json_decoder_free(d);
        sm_type_free(s);
    }
    CHECK(ok_at > 1);
}

int main(void)
{
    RUN(test_event_roundtrip);
    RUN(test_event_json_text);
    RUN(test_nulls);
    RUN(test_dead_letters);
    RUN(test_not_null_fields);
    RUN(test_strings);
    RUN(test_numbers);
    RUN(test_nesting);
    RUN(test_truncated);
    RUN(test_schema_errors);
    RUN(test_alloc_failures);
    return check_summary();
}
