/*
 * kafka_check — the C side of the Kafka integration tier (test_kafka.sh).
 *
 *   kafka_check produce BOOTSTRAP TOPIC COUNT SEED TS_BASE_MS
 *       sends events 1..COUNT; prints "sent N acked N failed N rate R"
 *   kafka_check expect SEED FIRST LAST
 *       prints the totals events FIRST..LAST must add up to
 *   kafka_check consume BOOTSTRAP TOPIC START [ARG]
 *       START: earliest | latest | timestamp MS | offset N (partition 0);
 *       reads to the end, decodes, prints the totals and "first_offset N"
 *   kafka_check bench-decode N
 *       decodes N events held in memory; prints events/s
 *
 * Totals are printed one country per line, "PAYS COUNT CENTS", sorted by
 * name, then "rows N" and "dead N".  Every loop is bounded.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/batch.h"
#include "connect/kafka.h"
#include "core/clock.h"
#include "core/mem.h"

typedef struct totals {
    int64_t count[SM_KAFKA_NCOUNTRIES], cents[SM_KAFKA_NCOUNTRIES];
    int64_t rows, dead, first_offset;
} totals_t;

static void print_totals(const totals_t *t)
{
    static const int order[SM_KAFKA_NCOUNTRIES] = {0, 1, 3, 2}; /* FRANCE GERMANY UK USA */
    for (int i = 0; i < SM_KAFKA_NCOUNTRIES; i++) {
        int k = order[i];
        printf("%s %lld %lld\n", sm_kafka_countries[k], (long long)t->count[k],
               (long long)t->cents[k]);
    }
    printf("rows %lld\ndead %lld\n", (long long)t->rows, (long long)t->dead);
}

static int64_t arg_i64(const char *s)
{
    return strtoll(s, NULL, 10);
}

static int cmd_expect(uint64_t seed, int64_t first, int64_t last)
{
    totals_t t = {0};
    for (int64_t id = first; id <= last; id++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(seed, id, 0, &ev);
        t.count[ev.pays]++;
        t.cents[ev.pays] += ev.montant_cents;
        t.rows++;
    }
    print_totals(&t);
    return 0;
}

static int cmd_produce(const char *bs, const char *topic, int64_t count, uint64_t seed,
                       int64_t ts_base)
{
    sm_error_t e;
    sm_kafka_produce_summary_t s;
    sm_kafka_produce_opts_t o = {.conf = {.bootstrap = bs, .timeout_ms = 20000},
                                 .topic = topic,
                                 .count = (uint64_t)count,
                                 .seed = seed,
                                 .ts_base_ms = ts_base,
                                 .flush_timeout_ms = 60000};
    sm_err_t rc = sm_kafka_produce_events(&o, &s, &e);
    printf("sent %llu acked %llu failed %llu created %d rate %.0f\n", (unsigned long long)s.sent,
           (unsigned long long)s.acked, (unsigned long long)s.failed, (int)s.topic_created, s.rate);
    if (rc)
        fprintf(stderr, "kafka_check produce: %s\n", e.msg);
    return rc ? 1 : 0;
}

static int cmd_consume(const char *bs, const char *topic, const char *start, const char *arg)
{
    sm_error_t e;
    sm_kafka_offset_t off = {0, 0};
    sm_kafka_consume_opts_t o = {
        .conf = {.bootstrap = bs, .timeout_ms = 20000}, .topic = topic, .max_messages = 1000};
    if (strcmp(start, "latest") == 0)
        o.start = SM_KAFKA_START_LATEST;
    else if (strcmp(start, "timestamp") == 0 && arg) {
        o.start = SM_KAFKA_START_TIMESTAMP;
        o.start_ts_ms = arg_i64(arg);
    } else if (strcmp(start, "offset") == 0 && arg) {
        o.start = SM_KAFKA_START_OFFSETS;
        off.offset = arg_i64(arg);
        o.offsets = &off;
        o.noffsets = 1;
    }
    sm_kafka_consumer_t *c = NULL;
    if (sm_kafka_consumer_new(&o, &c, &e)) {
        fprintf(stderr, "kafka_check consume: %s\n", e.msg);
        return 1;
    }
    totals_t t = {.first_offset = -1};
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_kafka_json_decoder_t *d = NULL;
    sm_batch_t *b = NULL;
    sm_kafka_batch_t mb = SM_KAFKA_BATCH_INIT;
    sm_kafka_dead_letters_t dl = SM_KAFKA_DEAD_LETTERS_INIT;
    int rc = 1;
    if (sm_kafka_json_decoder_new(schema, 0, &d, &e) || sm_batch_new(schema, 0, &b, &e))
        goto out;
    int64_t t_end = sm_clock_mono_ns() + INT64_C(120) * 1000000000;
    while (sm_clock_mono_ns() < t_end) {
        if (sm_kafka_consumer_poll(c, &mb, 1000, &e))
            goto out;
        if (mb.n && t.first_offset < 0)
            t.first_offset = mb.msgs[0].offset;
        sm_batch_reset(b);
        sm_kafka_dead_letters_reset(&dl);
        if (sm_kafka_json_decode_batch(d, &mb, b, &dl, &e))
            goto out;
        t.dead += (int64_t)dl.n;
        for (size_t i = 0; i < b->nrows; i++) {
            size_t n;
            const char *p = sm_vector_get_str(b->cols[2], i, &n);
            for (int k = 0; k < SM_KAFKA_NCOUNTRIES; k++)
                if (strlen(sm_kafka_countries[k]) == n &&
                    memcmp(p, sm_kafka_countries[k], n) == 0) {
                    t.count[k]++;
                    t.cents[k] += llround(sm_vector_get_f64(b->cols[3], i) * 100);
                }
            t.rows++;
        }
        if (mb.n == 0 && sm_kafka_consumer_at_end(c)) {
            rc = 0;
            break;
        }
    }
    if (rc)
        sm_error_set(&e, SM_ERR_TIMEOUT, "did not reach the end of \"%s\" in 120 s", topic);
    print_totals(&t);
    printf("first_offset %lld\nnext_offset %lld\n", (long long)t.first_offset,
           (long long)sm_kafka_consumer_next_offset(c, 0));
out:
    if (rc)
        fprintf(stderr, "kafka_check consume: %s\n", e.msg);
    sm_kafka_batch_free(&mb);
    sm_kafka_dead_letters_free(&dl);
    sm_batch_free(b);
    sm_kafka_json_decoder_free(d);
    sm_type_free(schema);
    sm_kafka_consumer_free(c);
    return rc;
}

static int cmd_bench(int64_t n)
{
    sm_error_t e;
    /* the events as one buffer of JSON texts (what a consumer batch holds) */
    size_t cap = (size_t)n * SM_KAFKA_EVENT_JSON_MAX, used = 0;
    char *buf = sm_malloc(cap);
    size_t *off = sm_malloc(((size_t)n + 1) * sizeof *off);
    if (!buf || !off)
        return 1;
    int64_t ts = sm_clock_wall_ms();
    for (int64_t i = 0; i < n; i++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(1, i + 1, ts + i, &ev);
        off[i] = used;
        used += sm_kafka_event_json(&ev, buf + used);
    }
    off[n] = used;
    sm_type_t *schema[2] = {sm_kafka_event_schema(false), sm_kafka_event_schema(true)};
    for (int s = 0; s < 2; s++) {
        sm_kafka_json_decoder_t *d;
        sm_batch_t *b;
        if (sm_kafka_json_decoder_new(schema[s], 0, &d, &e) || sm_batch_new(schema[s], 0, &b, &e))
            return 1;
        int64_t t0 = sm_clock_mono_ns(), rows = 0;
        for (int64_t i = 0; i < n; i++) {
            if (b->nrows == SM_BATCH_ROWS) {
                rows += (int64_t)b->nrows;
                sm_batch_reset(b);
            }
            if (sm_kafka_json_decode(d, (const uint8_t *)buf + off[i], off[i + 1] - off[i], 0, i, b,
                                     NULL, NULL, &e))
                return 1;
        }
        rows += (int64_t)b->nrows;
        double secs = (double)(sm_clock_mono_ns() - t0) / 1e9;
        printf(
            "decode (timestamp as %s): %lld events, %.1f MB in %.3f s: %.0f events/s, %.0f MB/s\n",
            s ? "string" : "timestamp", (long long)rows, (double)used / 1e6, secs,
            (double)rows / secs, (double)used / 1e6 / secs);
        sm_batch_free(b);
        sm_kafka_json_decoder_free(d);
        sm_type_free(schema[s]);
    }
    sm_free(buf);
    sm_free(off);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && strcmp(argv[1], "produce") == 0)
        return cmd_produce(argv[2], argv[3], arg_i64(argv[4]), (uint64_t)arg_i64(argv[5]),
                           arg_i64(argv[6]));
    if (argc >= 5 && strcmp(argv[1], "expect") == 0)
        return cmd_expect((uint64_t)arg_i64(argv[2]), arg_i64(argv[3]), arg_i64(argv[4]));
    if (argc >= 5 && strcmp(argv[1], "consume") == 0)
        return cmd_consume(argv[2], argv[3], argv[4], argc >= 6 ? argv[5] : NULL);
    if (argc >= 3 && strcmp(argv[1], "bench-decode") == 0)
        return cmd_bench(arg_i64(argv[2]));
    fprintf(stderr, "usage: see the comment at the top of tests/kafka/kafka_check.c\n");
    return 2;
}
