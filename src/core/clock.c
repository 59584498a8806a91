#include "core/clock.h"

#include <time.h>

int64_t sm_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sm_clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sm_clock_mono_ns_fn(void *ctx)
{
    (void)ctx;
    return sm_clock_mono_ns();
}

int64_t sm_clock_wall_ms_fn(void *ctx)
{
    (void)ctx;
    return sm_clock_wall_ms();
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm),
 * so no locale, time zone or gmtime_r range limit is involved. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Writes v as exactly `width` decimal digits, then `sep`; returns the end. */
static char *digits(char *p, unsigned v, int width, char sep)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    p[width] = sep;
    return p + width + 1;
}

char *sm_clock_format_iso(int64_t wall_ms, char *out)
{
    /* Clamp to 0000-01-01 .. 9999-12-31 so the output width is fixed. */
    const int64_t min_ms = -62167219200000LL, max_ms = 253402300799999LL;
    if (wall_ms < min_ms)
        wall_ms = min_ms;
    if (wall_ms > max_ms)
        wall_ms = max_ms;
    int64_t ms = wall_ms % 1000, secs = wall_ms / 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = out;
    p = digits(p, (unsigned)y, 4, '-');
    p = digits(p, m, 2, '-');
    p = digits(p, d, 2, 'T');
    p = digits(p, (unsigned)(sod / 3600), 2, ':');
    p = digits(p, (unsigned)(sod / 60 % 60), 2, ':');
    p = digits(p, (unsigned)(sod % 60), 2, '.');
    p = digits(p, (unsigned)ms, 3, 'Z');
    *p = '\0';
    return out;
}
