/* Unit tests of the whole-run latency histogram: quantiles against the
 * exact ones of a sorted sample set, bucket edges, skew and overflow. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "core/mem.h"
#include "stream/stream_int.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_empty(void)
{
    sq_latency_t *h = sm_calloc(1, sizeof *h);
    CHECK(h != NULL);
    CHECK(sq_latency_quantile(h, 0.5) == -1);
    sq_latency_add(h, 3.0);
    CHECK(fabs(sq_latency_quantile(h, 0.0) - 3.1) < 1e-9);
    CHECK(fabs(sq_latency_quantile(h, 1.0) - 3.1) < 1e-9);
    sm_free(h);
}

/* Against the exact quantile of the same samples: the histogram's answer
 * is the top of the exact value's bucket (0.1 ms below 1 s, 10 ms above). */
static void test_against_sorted(void)
{
    enum { N = 20000 };
    sq_latency_t *h = sm_calloc(1, sizeof *h);
    double *v = sm_malloc(N * sizeof *v);
    CHECK(h && v);
    srand(7);
    for (int i = 0; i < N; i++) {
        /* mostly a few ms, a tail into seconds */
        v[i] =
            (i % 100 == 0) ? 1000.0 + (double)(rand() % 5000) : (double)(rand() % 40000) / 1000.0;
        sq_latency_add(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_double);
    const double qs[] = {0.0, 0.5, 0.9, 0.99, 0.999, 1.0};
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        double exact = v[(size_t)(qs[k] * (N - 1))];
        double got = sq_latency_quantile(h, qs[k]);
        double width = exact < 1000.0 ? 0.1 : 10.0;
        CHECK(got >= exact - 1e-9);
        CHECK(got <= exact + width + 1e-9);
    }
    CHECK(h->n == N);
    sm_free(v);
    sm_free(h);
}

static void test_edges(void)
{
    sq_latency_t *h = sm_calloc(1, sizeof *h);
    CHECK(h != NULL);
    sq_latency_add(h, -5.0); /* clock skew: counted as 0 */
    CHECK(fabs(sq_latency_quantile(h, 0.5) - 0.1) < 1e-9);
    sq_latency_add(h, NAN);
    sq_latency_add(h, 999.99);
    sq_latency_add(h, 1000.0);
    sq_latency_add(h, 99999.0);
    sq_latency_add(h, 1e12); /* overflow bucket: quantiles there are the max */
    CHECK(h->n == 6);
    CHECK(fabs(sq_latency_quantile(h, 1.0) - 1e12) < 1e-3);
    CHECK(fabs(sq_latency_quantile(h, 0.0) - 0.1) < 1e-9);
    CHECK(h->counts[SQ_LAT_FINE - 1] == 1);
    CHECK(h->counts[SQ_LAT_FINE] == 1);
    CHECK(h->counts[SQ_LAT_BUCKETS - 2] == 1);
    CHECK(h->counts[SQ_LAT_BUCKETS - 1] == 1);
    sm_free(h);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_against_sorted);
    RUN(test_edges);
    return check_summary();
}
