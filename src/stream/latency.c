/*
 * stream/latency.c — the whole run's latency histogram (stream_int.h):
 * constant memory for a stream that runs for days, quantiles to 0.1 ms
 * below a second.
 */
#include <stdint.h>

#include "stream/stream_int.h"

void sq_latency_add(sq_latency_t *h, double ms)
{
    size_t b;
    if (!(ms > 0)) /* negative (clock skew) and NaN */
        b = 0;
    else if (ms < 1000.0)
        b = (size_t)(ms * 10.0);
    else if (ms < 100000.0)
        b = SQ_LAT_FINE + (size_t)((ms - 1000.0) / 10.0);
    else
        b = SQ_LAT_BUCKETS - 1;
    if (b >= SQ_LAT_BUCKETS)
        b = SQ_LAT_BUCKETS - 1;
    h->counts[b]++;
    if (!h->n || ms > h->max_ms)
        h->max_ms = ms > 0 ? ms : 0;
    h->n++;
}

/* The upper bound of bucket b in ms (the overflow bucket: the largest
 * latency seen). */
static double bucket_top(const sq_latency_t *h, size_t b)
{
    if (b < SQ_LAT_FINE)
        return (double)(b + 1) / 10.0;
    if (b < SQ_LAT_FINE + SQ_LAT_COARSE)
        return 1000.0 + (double)(b - SQ_LAT_FINE + 1) * 10.0;
    return h->max_ms;
}

double sq_latency_quantile(const sq_latency_t *h, double q)
{
    if (!h->n)
        return -1;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* the rank of the quantile among n sorted samples, 1-based */
    uint64_t rank = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;
    for (size_t b = 0; b < SQ_LAT_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= rank)
            return bucket_top(h, b);
    }
    return bucket_top(h, SQ_LAT_BUCKETS - 1);
}
