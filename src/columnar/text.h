/*
 * columnar/text — the textual forms of single values, both ways.
 *
 * Formatting writes into a caller's char array of the documented size
 * (NUL-terminated) and returns the length; it cannot fail.  Parsing takes
 * (pointer, length) — the text need not be NUL-terminated — ignores ASCII
 * whitespace around the value (as Spark's casts do) and fails with
 * SM_ERR_PARSE (malformed text) or SM_ERR_OVERFLOW (well-formed but out of
 * range), with a one-line message quoting the input and naming the offset
 * of the problem.  Parsers never read past `len` and never loop on bad
 * input.
 *
 * Forms:
 *   date        YYYY-MM-DD; years outside 0000..9999 are written with a
 *               sign: +10000-01-01, -0001-12-31 (proleptic Gregorian
 *               calendar, any int32 day count).
 *   timestamp   SM_TS_TEXT: "YYYY-MM-DD HH:MM:SS[.ffffff]" (Spark's show()
 *               and cast-to-string form in a UTC session; the fraction has
 *               its trailing zeros removed).  SM_TS_ISO: the same with 'T'
 *               between date and time (ISO-8601, for timestamp_ntz).
 *               SM_TS_ISO_Z: ISO with a trailing 'Z' (for timestamp, a UTC
 *               instant).
 *   decimal     exact, with exactly `scale` fractional digits: 123.45,
 *               -0.05, 7 (scale 0).
 *   float       the shortest digits that read back to the same value, laid
 *               out as Java's Double.toString (Spark's show): 0.1, 1.0,
 *               -0.0, 1234567.0, 1.0E7, 1.0E-5, NaN, Infinity, -Infinity.
 *
 * All dates use the proleptic Gregorian calendar on days since
 * 1970-01-01 (negative before), valid for every int32 day.
 * Threads: all functions are reentrant.
 */
#ifndef SM_COLUMNAR_TEXT_H
#define SM_COLUMNAR_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/types.h"
#include "columnar/vector.h"
#include "core/err.h"

#define SM_FMT_DATE_MAX 16      /* "-5877641-06-23" + NUL fits */
#define SM_FMT_TIMESTAMP_MAX 40 /* "+294247-01-10T04:00:54.775807Z" + NUL fits */
#define SM_FMT_DECIMAL_MAX 48   /* sign, 39 digits, point, leading 0, NUL */
#define SM_FMT_FLOAT_MAX 32

#define SM_US_PER_DAY INT64_C(86400000000)

typedef enum sm_ts_style {
    SM_TS_TEXT,  /* 2024-01-02 03:04:05.5 */
    SM_TS_ISO,   /* 2024-01-02T03:04:05.5 */
    SM_TS_ISO_Z, /* 2024-01-02T03:04:05.5Z */
} sm_ts_style_t;

/* ---- calendar --------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day
 * 1..31; not validated). */
int64_t sm_days_from_civil(int64_t year, int month, int day);
/* The date of a day count. */
void sm_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
bool sm_is_leap_year(int64_t year);
/* Days in a month (1..12) of a year. */
int sm_days_in_month(int64_t year, int month);

/* ---- formatting ------------------------------------------------------- */

size_t sm_fmt_date(int32_t days, char out[SM_FMT_DATE_MAX]);
/* us: microseconds since 1970-01-01 00:00:00 (UTC for a tz timestamp). */
size_t sm_fmt_timestamp(int64_t us, sm_ts_style_t style, char out[SM_FMT_TIMESTAMP_MAX]);
/* The unscaled value v with `scale` (0..38) fractional digits. */
size_t sm_fmt_decimal(sm_i128 v, int scale, char out[SM_FMT_DECIMAL_MAX]);
size_t sm_fmt_double(double x, char out[SM_FMT_FLOAT_MAX]);
size_t sm_fmt_float(float x, char out[SM_FMT_FLOAT_MAX]);
/* Decimal digits of a 128-bit integer (with '-' when negative). */
size_t sm_fmt_i128(sm_i128 v, char out[SM_FMT_DECIMAL_MAX]);

/* ---- parsing ---------------------------------------------------------- */

/* [+-]YYYY-M[M]-D[D] with a year of 4 or more digits.  Checks month and
 * day (leap years included).  SM_ERR_OVERFLOW outside int32 days. */
sm_err_t sm_parse_date(const char *s, size_t len, int32_t *out, sm_error_t *e);

/* A date, optionally followed by ' ' or 'T' and HH:MM[:SS[.fraction]]
 * (fraction up to 9 digits, truncated to microseconds), optionally followed
 * by a zone: Z, UTC, or [+-]HH[:MM] / [+-]HHMM.  A zone converts the
 * result to UTC; *has_zone (may be NULL) says whether one was present.
 * SM_ERR_OVERFLOW outside the int64 microsecond range. */
sm_err_t sm_parse_timestamp(const char *s, size_t len, int64_t *out, bool *has_zone, sm_error_t *e);

/* [+-]digits[.digits][(e|E)[+-]digits] into an unscaled value with `scale`
 * fractional digits, rounding half away from zero (Spark's HALF_UP) when
 * the text has more.  SM_ERR_OVERFLOW when the result needs more than
 * `precision` digits (1..38). */
sm_err_t sm_parse_decimal(const char *s, size_t len, int precision, int scale, sm_i128 *out,
                          sm_error_t *e);

/* [+-]digits; SM_ERR_OVERFLOW outside [min, max]. */
sm_err_t sm_parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out,
                      sm_error_t *e);
/* A decimal or exponent number, or NaN / Infinity / -Infinity / Inf
 * (case-insensitive).  Hex floats are rejected.  Out-of-range values become
 * ±Infinity as in Spark. */
sm_err_t sm_parse_double(const char *s, size_t len, double *out, sm_error_t *e);
/* The same rounded once to float (strtof): the inverse of sm_fmt_float. */
sm_err_t sm_parse_float(const char *s, size_t len, float *out, sm_error_t *e);
/* true/false, t/f, yes/no, y/n, 1/0 (case-insensitive). */
sm_err_t sm_parse_bool(const char *s, size_t len, bool *out, sm_error_t *e);

/* True when |v| < 10^precision. */
bool sm_decimal_fits(sm_i128 v, int precision);
/* 10^n for n in 0..38. */
sm_i128 sm_pow10_i128(int n);

/* Parses text as a value of v's kind and appends it (the parsers above;
 * STRING and BINARY take the bytes as they are, without trimming).  Nested
 * kinds and NULL are SM_ERR_UNSUPPORTED.  On failure v is unchanged. */
sm_err_t sm_vector_append_text(sm_vector_t *v, const char *s, size_t len, sm_error_t *e);

#endif
