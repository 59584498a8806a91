#include "check.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "columnar/text.h"

static void has(const sm_error_t *e, const char *part)
{
    if (!strstr(e->msg, part)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", e->msg, part);
        CHECK(0);
    }
}

static const char *date_str(int32_t d)
{
    static char out[SM_FMT_DATE_MAX];
    sm_fmt_date(d, out);
    return out;
}

static void test_calendar(void)
{
    CHECK_EQ_STR(date_str(0), "1970-01-01");
    CHECK_EQ_STR(date_str(-1), "1969-12-31");
    CHECK_EQ_STR(date_str(31), "1970-02-01");
    CHECK_EQ_STR(date_str(11016), "2000-02-29");
    CHECK_EQ_STR(date_str(19782), "2024-02-29");
    CHECK_EQ_STR(date_str(-719162), "0001-01-01");
    CHECK_EQ_STR(date_str(2932896), "9999-12-31");
    CHECK_EQ_STR(date_str(2932897), "+10000-01-01");
    CHECK_EQ_STR(date_str(-719163), "0000-12-31");
    CHECK_EQ_STR(date_str(-719528), "0000-01-01");
    CHECK_EQ_STR(date_str(-719529), "-0001-12-31");
    CHECK_EQ_STR(date_str(INT32_MAX), "+5881580-07-11");
    CHECK_EQ_STR(date_str(INT32_MIN), "-5877641-06-23");
    CHECK_EQ_INT(sm_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(sm_days_from_civil(1, 1, 1), -719162);
    CHECK_EQ_INT(sm_days_from_civil(9999, 12, 31), 2932896);
    CHECK(sm_is_leap_year(2000));
    CHECK(!sm_is_leap_year(1900));
    CHECK(sm_is_leap_year(2024));
    CHECK(!sm_is_leap_year(2023));
    CHECK(sm_is_leap_year(0));
    CHECK(sm_is_leap_year(-4));
    CHECK_EQ_INT(sm_days_in_month(1900, 2), 28);
    CHECK_EQ_INT(sm_days_in_month(2000, 2), 29);
    CHECK_EQ_INT(sm_days_in_month(2023, 13), 0);

    /* Every day from 1000 BC to AD 12000 follows the previous one. */
    int64_t py;
    int pm, pd;
    sm_civil_from_days(-1100000, &py, &pm, &pd);
    int bad = 0;
    for (int64_t z = -1099999; z < 3700000; z++) {
        int64_t y;
        int m, d;
        sm_civil_from_days(z, &y, &m, &d);
        bool next_day = y == py && m == pm && d == pd + 1;
        bool next_month = y == py && m == pm + 1 && d == 1 && pd == sm_days_in_month(py, pm);
        bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
        if (!(next_day || next_month || next_year) || sm_days_from_civil(y, m, d) != z)
            bad++;
        py = y, pm = m, pd = d;
    }
    CHECK_EQ_INT(bad, 0);
}

static const char *ts_str(int64_t us, sm_ts_style_t style)
{
    static char out[SM_FMT_TIMESTAMP_MAX];
    sm_fmt_timestamp(us, style, out);
    return out;
}

static void test_fmt_timestamp(void)
{
    CHECK_EQ_STR(ts_str(0, SM_TS_TEXT), "1970-01-01 00:00:00");
    CHECK_EQ_STR(ts_str(0, SM_TS_ISO), "1970-01-01T00:00:00");
    CHECK_EQ_STR(ts_str(0, SM_TS_ISO_Z), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(ts_str(1, SM_TS_TEXT), "1970-01-01 00:00:00.000001");
    CHECK_EQ_STR(ts_str(-1, SM_TS_TEXT), "1969-12-31 23:59:59.999999");
    CHECK_EQ_STR(ts_str(1500000, SM_TS_ISO_Z), "1970-01-01T00:00:01.5Z");
    CHECK_EQ_STR(ts_str(1704164645123000, SM_TS_TEXT), "2024-01-02 03:04:05.123");
    CHECK_EQ_STR(ts_str(-62135596800000000, SM_TS_TEXT), "0001-01-01 00:00:00");
    CHECK_EQ_STR(ts_str(253402300799999999, SM_TS_ISO), "9999-12-31T23:59:59.999999");
    CHECK_EQ_STR(ts_str(INT64_MAX, SM_TS_ISO_Z), "+294247-01-10T04:00:54.775807Z");
    CHECK_EQ_STR(ts_str(INT64_MIN, SM_TS_TEXT), "-290308-12-21 19:59:05.224192");
}

static int64_t ts_parse(const char *s, bool *zone)
{
    sm_error_t e;
    int64_t us = 0;
    CHECK_OK(sm_parse_timestamp(s, strlen(s), &us, zone, &e), &e);
    return us;
}

static void test_parse_timestamp(void)
{
    bool zone = true;
    CHECK_EQ_INT(ts_parse("1970-01-01", &zone), 0);
    CHECK(!zone);
    CHECK_EQ_INT(ts_parse("2024-01-02 03:04:05.123", NULL), 1704164645123000);
    CHECK_EQ_INT(ts_parse("2024-01-02T03:04:05.123Z", &zone), 1704164645123000);
    CHECK(zone);
    CHECK_EQ_INT(ts_parse("2024-01-02T05:04:05.123+02:00", NULL), 1704164645123000);
    CHECK_EQ_INT(ts_parse("2024-01-02T00:04:05.123-0300", NULL), 1704164645123000);
    CHECK_EQ_INT(ts_parse("2024-01-02 03:04:05.123 UTC", NULL), 1704164645123000);
    CHECK_EQ_INT(ts_parse("  2024-01-02 03:04  ", NULL), 1704164640000000);
    CHECK_EQ_INT(ts_parse("1970-01-01 00:00:00.123456789", NULL), 123456);
    CHECK_EQ_INT(ts_parse("1969-12-31 23:59:59.999999", NULL), -1);
    CHECK_EQ_INT(ts_parse("+294247-01-10T04:00:54.775807", NULL), INT64_MAX);
    CHECK_EQ_INT(ts_parse("-290308-12-21 19:59:05.224192", NULL), INT64_MIN);
    /* Round trip through the text forms. */
    int64_t samples[] = {0,
                         1,
                         -1,
                         999999,
                         1704164645123456,
                         -62135596800000000,
                         INT64_MAX,
                         INT64_MIN,
                         951782400000000};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        CHECK_EQ_INT(ts_parse(ts_str(samples[i], SM_TS_TEXT), NULL), samples[i]);
        CHECK_EQ_INT(ts_parse(ts_str(samples[i], SM_TS_ISO_Z), NULL), samples[i]);
    }

    sm_error_t e;
    int64_t us;
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 24:00:00", 19, &us, NULL, &e), SM_ERR_PARSE);
    has(&e, "time of day out of range at offset 11");
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 03:60", 16, &us, NULL, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 03", 13, &us, NULL, &e), SM_ERR_PARSE);
    has(&e, "expected ':' after the hours at offset 13");
    const char *s = "2024-01-02 03:04:05.1234567891";
    CHECK_EQ_INT(sm_parse_timestamp(s, strlen(s), &us, NULL, &e), SM_ERR_PARSE);
    has(&e, "more than 9 fractional digits");
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 03:04:05.", 20, &us, NULL, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 03:04:05+25", 22, &us, NULL, &e), SM_ERR_PARSE);
    has(&e, "zone offset out of range");
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02 03:04:05 PST", 23, &us, NULL, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_timestamp("2024-01-02x", 11, &us, NULL, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_timestamp("+294247-01-10T04:00:54.775808", 29, &us, NULL, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_timestamp("+300000-01-01", 13, &us, NULL, &e), SM_ERR_OVERFLOW);
    has(&e, "timestamp out of range");
    CHECK_EQ_INT(sm_parse_timestamp("", 0, &us, NULL, &e), SM_ERR_PARSE);
}

static void test_parse_date(void)
{
    sm_error_t e;
    int32_t d = 7;
    CHECK_OK(sm_parse_date("1970-01-01", 10, &d, &e), &e);
    CHECK_EQ_INT(d, 0);
    CHECK_OK(sm_parse_date(" 2000-2-29\n", 11, &d, &e), &e);
    CHECK_EQ_INT(d, 11016);
    CHECK_OK(sm_parse_date("0001-01-01", 10, &d, &e), &e);
    CHECK_EQ_INT(d, -719162);
    CHECK_OK(sm_parse_date("9999-12-31", 10, &d, &e), &e);
    CHECK_EQ_INT(d, 2932896);
    CHECK_OK(sm_parse_date("+10000-01-01", 12, &d, &e), &e);
    CHECK_EQ_INT(d, 2932897);
    CHECK_OK(sm_parse_date("-0001-12-31", 11, &d, &e), &e);
    CHECK_EQ_INT(d, -719529);
    CHECK_OK(sm_parse_date("+5881580-07-11", 14, &d, &e), &e);
    CHECK_EQ_INT(d, INT32_MAX);
    CHECK_OK(sm_parse_date("-5877641-06-23", 14, &d, &e), &e);
    CHECK_EQ_INT(d, INT32_MIN);
    /* Only len bytes are read. */
    CHECK_OK(sm_parse_date("2024-01-019", 10, &d, &e), &e);
    CHECK_EQ_INT(d, 19723);

    d = 7;
    CHECK_EQ_INT(sm_parse_date("2024-13-01", 10, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid date '2024-13-01': month must be 1..12 at offset 5");
    CHECK_EQ_INT(d, 7);
    CHECK_EQ_INT(sm_parse_date("2023-02-29", 10, &d, &e), SM_ERR_PARSE);
    has(&e, "day out of range for the month at offset 8");
    CHECK_EQ_INT(sm_parse_date("1900-02-29", 10, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("2024-04-31", 10, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("2024-01-00", 10, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("24-01-01", 8, &d, &e), SM_ERR_PARSE);
    has(&e, "expected a year of at least 4 digits at offset 0");
    CHECK_EQ_INT(sm_parse_date("2024/01/01", 10, &d, &e), SM_ERR_PARSE);
    has(&e, "expected '-' after the year at offset 4");
    CHECK_EQ_INT(sm_parse_date("2024-01-01 10:00", 16, &d, &e), SM_ERR_PARSE);
    has(&e, "unexpected text after the date at offset 10");
    CHECK_EQ_INT(sm_parse_date("", 0, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("   ", 3, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("2024-1", 6, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_date("+5881580-07-12", 14, &d, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_date("99999999999999999-01-01", 23, &d, &e), SM_ERR_OVERFLOW);
    /* Control characters are escaped in messages. */
    CHECK_EQ_INT(sm_parse_date("20\x01"
                               "4-01-01",
                               10, &d, &e),
                 SM_ERR_PARSE);
    has(&e, "'20\\x014-01-01'");
}

static const char *dec_str(sm_i128 v, int scale)
{
    static char out[SM_FMT_DECIMAL_MAX];
    sm_fmt_decimal(v, scale, out);
    return out;
}

static sm_i128 dec_max(void)
{
    return sm_pow10_i128(38) - 1;
}

static void test_fmt_decimal(void)
{
    CHECK_EQ_STR(dec_str(12345, 2), "123.45");
    CHECK_EQ_STR(dec_str(-5, 2), "-0.05");
    CHECK_EQ_STR(dec_str(0, 2), "0.00");
    CHECK_EQ_STR(dec_str(0, 0), "0");
    CHECK_EQ_STR(dec_str(7, 0), "7");
    CHECK_EQ_STR(dec_str(-100, 1), "-10.0");
    CHECK_EQ_STR(dec_str(dec_max(), 0), "99999999999999999999999999999999999999");
    CHECK_EQ_STR(dec_str(-dec_max(), 38), "-0.99999999999999999999999999999999999999");
    CHECK_EQ_STR(dec_str(1, 38), "0.00000000000000000000000000000000000001");
    CHECK_EQ_STR(dec_str(-dec_max(), 10), "-9999999999999999999999999999.9999999999");
    char out[SM_FMT_DECIMAL_MAX];
    sm_i128 min = (sm_i128)((sm_u128)1 << 127);
    sm_fmt_i128(min, out);
    CHECK_EQ_STR(out, "-170141183460469231731687303715884105728");
    CHECK_EQ_STR(dec_str(min, 38), "-1.70141183460469231731687303715884105728");
}

static sm_i128 dec_parse(const char *s, int p, int sc)
{
    sm_error_t e;
    sm_i128 v = -12345;
    CHECK_OK(sm_parse_decimal(s, strlen(s), p, sc, &v, &e), &e);
    return v;
}

static void test_parse_decimal(void)
{
    CHECK(dec_parse("123.45", 10, 2) == 12345);
    CHECK(dec_parse("-123.45", 10, 2) == -12345);
    CHECK(dec_parse("+1", 10, 2) == 100);
    CHECK(dec_parse("1.005", 5, 2) == 101);
    CHECK(dec_parse("1.004999", 5, 2) == 100);
    CHECK(dec_parse("-1.005", 5, 2) == -101);
    CHECK(dec_parse("0.5", 1, 0) == 1);
    CHECK(dec_parse("0.4", 1, 0) == 0);
    CHECK(dec_parse("0.05", 2, 1) == 1);
    CHECK(dec_parse("1e3", 6, 0) == 1000);
    CHECK(dec_parse("1.5E-1", 3, 2) == 15);
    CHECK(dec_parse("12345e-2", 5, 2) == 12345);
    CHECK(dec_parse(".5", 1, 1) == 5);
    CHECK(dec_parse("5.", 1, 0) == 5);
    CHECK(dec_parse("0000.0000", 1, 0) == 0);
    CHECK(dec_parse("-0", 1, 0) == 0);
    CHECK(dec_parse("  42  ", 2, 0) == 42);
    CHECK(dec_parse("0.000000000000000000000000000000000000000000001", 38, 38) == 0);
    CHECK(dec_parse("1e-1000000000000", 38, 10) == 0);
    CHECK(dec_parse("00000000000000000000000000000000000000000000001", 1, 0) == 1);
    CHECK(dec_parse("99999999999999999999999999999999999999", 38, 0) == dec_max());
    CHECK(dec_parse("-99999999999999999999999999999999999999", 38, 0) == -dec_max());
    CHECK(dec_parse("-0.99999999999999999999999999999999999999", 38, 38) == -dec_max());
    char nines[64] = "9.";
    memset(nines + 2, '9', 37);
    strcpy(nines + 39, "4");
    CHECK(dec_parse(nines, 38, 37) == dec_max()); /* 9.(37 nines)4 rounds down */
    nines[39] = '5';
    sm_i128 ov;
    sm_error_t e0;
    CHECK_EQ_INT(sm_parse_decimal(nines, strlen(nines), 38, 37, &ov, &e0), SM_ERR_OVERFLOW);
    /* Round trip of extremes at every scale. */
    for (int sc = 0; sc <= 38; sc++) {
        const char *s = dec_str(-dec_max(), sc);
        CHECK(dec_parse(s, 38, sc) == -dec_max());
        s = dec_str(dec_max(), sc);
        CHECK(dec_parse(s, 38, sc) == dec_max());
    }

    sm_error_t e;
    sm_i128 v;
    CHECK_EQ_INT(sm_parse_decimal("99.995", 6, 4, 2, &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_STR(e.msg, "invalid decimal '99.995': value needs more digits than the precision "
                        "at offset 0");
    CHECK_EQ_INT(sm_parse_decimal("100", 3, 2, 0, &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_decimal("999999999999999999999999999999999999999", 39, 38, 0, &v, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_decimal("1e100000000000", 14, 38, 0, &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_decimal("1", 1, 38, 38, &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_decimal("abc", 3, 10, 2, &v, &e), SM_ERR_PARSE);
    has(&e, "expected digits at offset 0");
    CHECK_EQ_INT(sm_parse_decimal("1.2.3", 5, 10, 2, &v, &e), SM_ERR_PARSE);
    has(&e, "unexpected character in a number at offset 3");
    CHECK_EQ_INT(sm_parse_decimal("1e", 2, 10, 2, &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_decimal("", 0, 10, 2, &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_decimal("-", 1, 10, 2, &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_decimal(".", 1, 10, 2, &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_decimal("1 2", 3, 10, 2, &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_decimal("1", 1, 0, 0, &v, &e), SM_ERR_INVALID);
    CHECK(sm_decimal_fits(dec_max(), 38));
    CHECK(!sm_decimal_fits(dec_max() + 1, 38));
    CHECK(!sm_decimal_fits(-100, 2));
    CHECK(sm_decimal_fits(-99, 2));
}

static const char *dbl_str(double x)
{
    static char out[SM_FMT_FLOAT_MAX];
    sm_fmt_double(x, out);
    return out;
}

static const char *flt_str(float x)
{
    static char out[SM_FMT_FLOAT_MAX];
    sm_fmt_float(x, out);
    return out;
}

static void test_fmt_float(void)
{
    CHECK_EQ_STR(dbl_str(0.1), "0.1");
    CHECK_EQ_STR(dbl_str(1.0), "1.0");
    CHECK_EQ_STR(dbl_str(0.0), "0.0");
    CHECK_EQ_STR(dbl_str(-0.0), "-0.0");
    CHECK_EQ_STR(dbl_str(100.0), "100.0");
    CHECK_EQ_STR(dbl_str(123.456), "123.456");
    CHECK_EQ_STR(dbl_str(-2.5), "-2.5");
    CHECK_EQ_STR(dbl_str(1234567.0), "1234567.0");
    CHECK_EQ_STR(dbl_str(9999999.5), "9999999.5");
    CHECK_EQ_STR(dbl_str(1e7), "1.0E7");
    CHECK_EQ_STR(dbl_str(12345678.9), "1.23456789E7");
    CHECK_EQ_STR(dbl_str(0.001), "0.001");
    CHECK_EQ_STR(dbl_str(0.0001), "1.0E-4");
    CHECK_EQ_STR(dbl_str(1.5e-5), "1.5E-5");
    CHECK_EQ_STR(dbl_str(1e20), "1.0E20");
    CHECK_EQ_STR(dbl_str(1.0 / 3), "0.3333333333333333");
    CHECK_EQ_STR(dbl_str(0.1 + 0.2), "0.30000000000000004");
    CHECK_EQ_STR(dbl_str(DBL_MAX), "1.7976931348623157E308");
    CHECK_EQ_STR(dbl_str(5e-324), "5.0E-324"); /* shortest; Java says 4.9E-324 */
    CHECK_EQ_STR(dbl_str(NAN), "NaN");
    CHECK_EQ_STR(dbl_str(INFINITY), "Infinity");
    CHECK_EQ_STR(dbl_str(-INFINITY), "-Infinity");
    CHECK_EQ_STR(flt_str(0.1f), "0.1");
    CHECK_EQ_STR(flt_str(1.0f / 3), "0.33333334");
    CHECK_EQ_STR(flt_str(FLT_MAX), "3.4028235E38");
    CHECK_EQ_STR(flt_str(16777216.0f), "1.6777216E7");
    CHECK_EQ_STR(flt_str(-0.0f), "-0.0");

    /* Shortest form reads back exactly, for many values. */
    srand(42);
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        const char *s = dbl_str(x);
        double y = 0;
        sm_error_t e;
        if (sm_parse_double(s, strlen(s), &y, &e) || memcmp(&x, &y, sizeof x) != 0)
            bad++;
        float f = (float)x;
        if (!isfinite(f))
            continue;
        s = flt_str(f);
        float g = 0;
        if (sm_parse_float(s, strlen(s), &g, &e) || memcmp(&f, &g, sizeof f) != 0)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_parse_numbers(void)
{
    sm_error_t e;
    int64_t i;
    CHECK_OK(sm_parse_int("9223372036854775807", 19, INT64_MIN, INT64_MAX, &i, &e), &e);
    CHECK(i == INT64_MAX);
    CHECK_OK(sm_parse_int("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &i, &e), &e);
    CHECK(i == INT64_MIN);
    CHECK_OK(sm_parse_int(" +12 ", 5, 0, 100, &i, &e), &e);
    CHECK_EQ_INT(i, 12);
    CHECK_EQ_INT(sm_parse_int("9223372036854775808", 19, INT64_MIN, INT64_MAX, &i, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_int("-9223372036854775809", 20, INT64_MIN, INT64_MAX, &i, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_int("99999999999999999999999", 23, INT64_MIN, INT64_MAX, &i, &e),
                 SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_parse_int("128", 3, INT8_MIN, INT8_MAX, &i, &e), SM_ERR_OVERFLOW);
    has(&e, "integer out of range for the type");
    CHECK_EQ_INT(sm_parse_int("12a", 3, INT8_MIN, INT8_MAX, &i, &e), SM_ERR_PARSE);
    has(&e, "at offset 2");
    CHECK_EQ_INT(sm_parse_int("", 0, INT8_MIN, INT8_MAX, &i, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_int("-", 1, INT8_MIN, INT8_MAX, &i, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_int("1.0", 3, INT8_MIN, INT8_MAX, &i, &e), SM_ERR_PARSE);

    double d;
    CHECK_OK(sm_parse_double("1e3", 3, &d, &e), &e);
    CHECK(d == 1000);
    CHECK_OK(sm_parse_double("-.5", 3, &d, &e), &e);
    CHECK(d == -0.5);
    CHECK_OK(sm_parse_double("NaN", 3, &d, &e), &e);
    CHECK(isnan(d));
    CHECK_OK(sm_parse_double("-Infinity", 9, &d, &e), &e);
    CHECK(isinf(d) && d < 0);
    CHECK_OK(sm_parse_double("inf", 3, &d, &e), &e);
    CHECK(isinf(d) && d > 0);
    CHECK_OK(sm_parse_double("1e999", 5, &d, &e), &e);
    CHECK(isinf(d));
    CHECK_EQ_INT(sm_parse_double("0x10", 4, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_double("nan(1)", 6, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_double("1e", 2, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_double(".", 1, &d, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_double("", 0, &d, &e), SM_ERR_PARSE);
    char longnum[600];
    memset(longnum, '1', sizeof longnum);
    CHECK_EQ_INT(sm_parse_double(longnum, sizeof longnum, &d, &e), SM_ERR_PARSE);

    bool b;
    const char *yes[] = {"true", "TRUE", "t", "Yes", "y", "1", " true "};
    const char *no[] = {"false", "F", "no", "N", "0"};
    for (size_t k = 0; k < 7; k++) {
        b = false;
        CHECK_OK(sm_parse_bool(yes[k], strlen(yes[k]), &b, &e), &e);
        CHECK(b);
    }
    for (size_t k = 0; k < 5; k++) {
        b = true;
        CHECK_OK(sm_parse_bool(no[k], strlen(no[k]), &b, &e), &e);
        CHECK(!b);
    }
    CHECK_EQ_INT(sm_parse_bool("maybe", 5, &b, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_parse_bool("", 0, &b, &e), SM_ERR_PARSE);
}

static void test_append_text(void)
{
    sm_error_t e;
    sm_type_t *types[] = {sm_type_bool(),      sm_type_int8(),         sm_type_int16(),
                          sm_type_int32(),     sm_type_int64(),        sm_type_float32(),
                          sm_type_float64(),   sm_type_decimal(6, 2),  sm_type_date(),
                          sm_type_timestamp(), sm_type_timestamp_tz(), sm_type_string()};
    const char *vals[] = {"true",
                          "-128",
                          "32767",
                          "7",
                          "-9",
                          "0.1",
                          "2.5",
                          "1234.567",
                          "2024-02-29",
                          "2024-01-02 03:04:05",
                          "2024-01-02T03:04:05Z",
                          " x "};
    for (size_t k = 0; k < 12; k++) {
        sm_vector_t *v = NULL;
        CHECK_OK(sm_vector_new(types[k], 1, &v, &e), &e);
        CHECK_OK(sm_vector_append_text(v, vals[k], strlen(vals[k]), &e), &e);
        CHECK_EQ_INT(v->len, 1);
        if (k != 11) {
            CHECK_EQ_INT(sm_vector_append_text(v, "zzz", 3, &e), SM_ERR_PARSE);
            CHECK_EQ_INT(v->len, 1);
        }
        sm_vector_free(v);
        sm_type_free(types[k]);
    }
    sm_vector_t *v = NULL;
    sm_type_t *dt = sm_type_decimal(6, 2);
    CHECK_OK(sm_vector_new(dt, 0, &v, &e), &e);
    CHECK_OK(sm_vector_append_text(v, "1234.565", 8, &e), &e);
    CHECK(sm_vector_get_i128(v, 0) == 123457);
    sm_vector_free(v);
    sm_type_free(dt);
    CHECK_OK(sm_vector_new(sm_type_timestamp_tz(), 0, &v, &e), &e);
    CHECK_OK(sm_vector_append_text(v, "1970-01-01T01:00:00+01:00", 25, &e), &e);
    CHECK_EQ_INT(sm_vector_get_i64(v, 0), 0);
    sm_vector_free(v);
    CHECK_OK(sm_vector_new(sm_type_string(), 0, &v, &e), &e);
    CHECK_OK(sm_vector_append_text(v, " x ", 3, &e), &e);
    size_t n;
    const char *str = sm_vector_get_str(v, 0, &n);
    CHECK(n == 3 && memcmp(str, " x ", 3) == 0); /* strings are not trimmed */
    sm_vector_free(v);
    CHECK_OK(sm_vector_new(sm_type_int16(), 0, &v, &e), &e);
    CHECK_EQ_INT(sm_vector_append_text(v, "32768", 5, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(v->len, 0);
    sm_vector_free(v);
    sm_type_t *l = sm_type_list(sm_type_int32());
    CHECK_OK(sm_vector_new(l, 0, &v, &e), &e);
    CHECK_EQ_INT(sm_vector_append_text(v, "[1]", 3, &e), SM_ERR_UNSUPPORTED);
    sm_vector_free(v);
    sm_type_free(l);
}

/* Random text never crashes a parser or makes it read past len. */
static void test_garbage(void)
{
    static const char alphabet[] = "0123456789-+:.eEtTzZ U\t x";
    srand(7);
    int unexpected = 0;
    for (int i = 0; i < 200000; i++) {
        char buf[48];
        size_t n = (size_t)(rand() % 40);
        for (size_t k = 0; k < n; k++)
            buf[k] = alphabet[rand() % (int)(sizeof alphabet - 1)];
        char *heap = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(heap, buf, n);
        sm_error_t e;
        int32_t d;
        int64_t us, iv;
        sm_i128 dec;
        double x;
        bool b;
        sm_err_t rc[6] = {
            sm_parse_date(heap, n, &d, &e),
            sm_parse_timestamp(heap, n, &us, NULL, &e),
            sm_parse_decimal(heap, n, 1 + rand() % 38, 0, &dec, &e),
            sm_parse_int(heap, n, INT64_MIN, INT64_MAX, &iv, &e),
            sm_parse_double(heap, n, &x, &e),
            sm_parse_bool(heap, n, &b, &e),
        };
        for (int k = 0; k < 6; k++)
            if (rc[k] != SM_OK && rc[k] != SM_ERR_PARSE && rc[k] != SM_ERR_OVERFLOW)
                unexpected++;
        free(heap);
    }
    CHECK_EQ_INT(unexpected, 0);
}

int main(void)
{
    RUN(test_calendar);
    RUN(test_fmt_timestamp);
    RUN(test_parse_timestamp);
    RUN(test_parse_date);
    RUN(test_fmt_decimal);
    RUN(test_parse_decimal);
    RUN(test_fmt_float);
    RUN(test_parse_numbers);
    RUN(test_append_text);
    RUN(test_garbage);
    return check_summary();
}
