/* Producer and consumer source against librdkafka's in-process mock
 * cluster (connect/kafka_produce.c, kafka_consume.c, kafka_mock.c). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "columnar/batch.h"
#include "connect/kafka.h"

#define SEED 42
#define TS_BASE INT64_C(1714557600000) /* 2024-05-01T10:00:00Z */
#define TOPIC "ventes-temps-reel"

static sm_kafka_mock_t *mock;

static sm_kafka_conf_t mock_conf(void)
{
    return (sm_kafka_conf_t){.mock = mock, .timeout_ms = 10000};
}

typedef struct totals {
    int64_t count[SM_KAFKA_NCOUNTRIES];
    int64_t cents[SM_KAFKA_NCOUNTRIES];
    int64_t rows, dead, min_id, max_id, id_sum;
    int64_t first_offset;
} totals_t;

/* What events [first, last] of SEED must add up to, computed from the
 * generator alone. */
static totals_t expected(int64_t first, int64_t last)
{
    totals_t t = {.min_id = first, .max_id = last, .first_offset = -1};
    for (int64_t id = first; id <= last; id++) {
        sm_kafka_event_t ev;
        sm_kafka_event_make(SEED, id, 0, &ev);
        t.count[ev.pays]++;
        t.cents[ev.pays] += ev.montant_cents;
        t.rows++;
        t.id_sum += id;
    }
    return t;
}

/* Reads the consumer until it is at the end (bounded), decoding every
 * batch, and adds up per country. */
static totals_t consume_all(sm_kafka_consumer_t *c, size_t max_batch)
{
    totals_t t = {.min_id = INT64_MAX, .max_id = INT64_MIN, .first_offset = -1};
    sm_error_t e;
    sm_type_t *schema = sm_kafka_event_schema(false);
    sm_kafka_json_decoder_t *d = NULL;
    sm_batch_t *b = NULL;
    sm_kafka_batch_t mb = SM_KAFKA_BATCH_INIT;
    sm_kafka_dead_letters_t dl = SM_KAFKA_DEAD_LETTERS_INIT;
    CHECK_OK(sm_kafka_json_decoder_new(schema, 0, &d, &e), &e);
    CHECK_OK(sm_batch_new(schema, 0, &b, &e), &e);
    for (int iter = 0; iter < 400 && d && b; iter++) {
        sm_err_t rc = sm_kafka_consumer_poll(c, &mb, 500, &e);
        CHECK_OK(rc, &e);
        if (rc)
            break;
        CHECK(mb.n <= max_batch);
        if (mb.n && t.first_offset < 0)
            t.first_offset = mb.msgs[0].offset;
        sm_batch_reset(b);
        CHECK_OK(sm_kafka_json_decode_batch(d, &mb, b, &dl, &e), &e);
        for (size_t i = 0; i < b->nrows; i++) {
            size_t n;
            const char *p = sm_vector_get_str(b->cols[2], i, &n);
            int k = -1;
            for (int j = 0; j < SM_KAFKA_NCOUNTRIES; j++)
                if (strlen(sm_kafka_countries[j]) == n && memcmp(p, sm_kafka_countries[j], n) == 0)
                    k = j;
            CHECK(k >= 0);
            if (k < 0)
                continue;
            int64_t id = sm_vector_get_i64(b->cols[0], i);
            t.count[k]++;
            t.cents[k] += llround(sm_vector_get_f64(b->cols[3], i) * 100);
            t.id_sum += id;
            t.min_id = id < t.min_id ? id : t.min_id;
            t.max_id = id > t.max_id ? id : t.max_id;
            t.rows++;
        }
        if (mb.n == 0 && sm_kafka_consumer_at_end(c))
            break;
    }
    t.dead = (int64_t)dl.n;
    sm_kafka_batch_free(&mb);
    sm_kafka_dead_letters_free(&dl);
    sm_batch_free(b);
    sm_kafka_json_decoder_free(d);
    sm_type_free(schema);
    return t;
}

static void check_totals(const totals_t *got, const totals_t *want)
{
    CHECK_EQ_INT(got->rows, want->rows);
    CHECK_EQ_INT(got->id_sum, want->id_sum);
    if (want->rows) {
        CHECK_EQ_INT(got->min_id, want->min_id);
        CHECK_EQ_INT(got->max_id, want->max_id);
    }
    for (int k = 0; k < SM_KAFKA_NCOUNTRIES; k++) {
        CHECK_EQ_INT(got->count[k], want->count[k]);
        CHECK_EQ_INT(got->cents[k], want->cents[k]);
    }
}

static sm_kafka_consumer_t *open_consumer(sm_kafka_start_kind_t start, int64_t ts,
                                          const sm_kafka_offset_t *offs, size_t noffs,
                                          size_t max_messages, size_t max_bytes)
{
    sm_error_t e;
    sm_kafka_consume_opts_t o = {.conf = mock_conf(),
                                 .topic = TOPIC,
                                 .start = start,
                                 .start_ts_ms = ts,
                                 .offsets = offs,
                                 .noffsets = noffs,
                                 .max_messages = max_messages,
                                 .max_bytes = max_bytes};
    sm_kafka_consumer_t *c = NULL;
    CHECK_OK(sm_kafka_consumer_new(&o, &c, &e), &e);
    return c;
}

static void test_produce_and_consume(void)
{
    sm_error_t e;
    sm_kafka_produce_summary_t sum;
    sm_kafka_produce_opts_t o = {
        .conf = mock_conf(), .count = 1000, .seed = SEED, .ts_base_ms = TS_BASE};
    CHECK_OK(sm_kafka_produce_events(&o, &sum, &e), &e);
    CHECK_EQ_INT(sum.sent, 1000);
    CHECK_EQ_INT(sum.acked, 1000);
    CHECK_EQ_INT(sum.failed, 0);
    CHECK_EQ_INT(sum.first_id, 1);
    CHECK_EQ_INT(sum.last_id, 1000);
    CHECK(sum.topic_created);
    CHECK(sum.elapsed_s > 0 && sum.rate > 0);
    CHECK_EQ_STR(sum.first_error, "");
    int parts = 0;
    sm_kafka_conf_t conf = mock_conf();
    CHECK_OK(sm_kafka_topic_partitions(&conf, TOPIC, &parts, &e), &e);
    CHECK_EQ_INT(parts, 1);
    bool created = true;
    CHECK_OK(sm_kafka_topic_ensure(&conf, TOPIC, 3, 1, &created, &e), &e);
    CHECK(!created);

    sm_kafka_consumer_t *c = open_consumer(SM_KAFKA_START_EARLIEST, 0, NULL, 0, 256, 0);
    if (!c)
        return;
    CHECK_EQ_INT(sm_kafka_consumer_npartitions(c), 1);
    CHECK_EQ_INT(sm_kafka_consumer_partition(c, 0), 0);
    CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 0);
    int64_t lag = -1, lo = -1, hi = -1;
    CHECK_OK(sm_kafka_consumer_lag(c, &lag, &e), &e);
    CHECK_EQ_INT(lag, 1000);
    totals_t got = consume_all(c, 256), want = expected(1, 1000);
    check_totals(&got, &want);
    CHECK_EQ_INT(got.dead, 0);
    CHECK_EQ_INT(got.first_offset, 0);
    CHECK(sm_kafka_consumer_at_end(c));
    CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 1000);
    CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 7), -1);
    CHECK_OK(sm_kafka_consumer_watermarks(c, 0, &lo, &hi, &e), &e);
    CHECK_EQ_INT(lo, 0);
    CHECK_EQ_INT(hi, 1000);
    CHECK_OK(sm_kafka_consumer_lag(c, &lag, &e), &e);
    CHECK_EQ_INT(lag, 0);
    /* an empty poll at the end returns quickly with nothing */
    sm_kafka_batch_t mb = SM_KAFKA_BATCH_INIT;
    CHECK_OK(sm_kafka_consumer_poll(c, &mb, 0, &e), &e);
    CHECK_EQ_INT(mb.n, 0);
    sm_kafka_batch_free(&mb);
    sm_kafka_consumer_free(c);
}

static void test_start_positions(void)
{
    sm_error_t e;
    /* latest: only what is produced after the consumer started */
    sm_kafka_consumer_t *c = open_consumer(SM_KAFKA_START_LATEST, 0, NULL, 0, 0, 0);
    if (!c)
        return;
    CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 1000);
    sm_kafka_produce_summary_t sum;
    sm_kafka_produce_opts_t o = {.conf = mock_conf(),
                                 .count = 10,
                                 .seed = SEED,
                                 .start_id = 1001,
                                 .start_id_set = true,
                                 .ts_base_ms = TS_BASE + 100000};
    CHECK_OK(sm_kafka_produce_events(&o, &sum, &e), &e);
    CHECK(!sum.topic_created);
    CHECK_EQ_INT(sum.acked, 10);
    totals_t got = consume_all(c, SM_BATCH_ROWS), want = expected(1001, 1010);
    check_totals(&got, &want);
    CHECK_EQ_INT(got.first_offset, 1000);
    sm_kafka_consumer_free(c);

    /* a timestamp: librdkafka's mock cluster answers every timestamp
     * lookup with "none", so the consumer starts at the end; the real
     * lookup (event i stamped TS_BASE + i - 1) is checked against a real
     * broker in tests/kafka. */
    c = open_consumer(SM_KAFKA_START_TIMESTAMP, TS_BASE + 500, NULL, 0, 0, 0);
    if (c) {
        int64_t at = sm_kafka_consumer_next_offset(c, 0);
        CHECK(at == 500 || at == 1010);
        got = consume_all(c, SM_BATCH_ROWS);
        want = expected(at == 500 ? 501 : 1011, 1010);
        check_totals(&got, &want);
        sm_kafka_consumer_free(c);
    }
    /* a timestamp after the last message starts at the end */
    c = open_consumer(SM_KAFKA_START_TIMESTAMP, TS_BASE + 10000000, NULL, 0, 0, 0);
    if (c) {
        CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 1010);
        got = consume_all(c, SM_BATCH_ROWS);
        CHECK_EQ_INT(got.rows, 0);
        sm_kafka_consumer_free(c);
    }
    /* explicit offsets (as the stream engine resumes from the lake) */
    sm_kafka_offset_t off = {.partition = 0, .offset = 990};
    c = open_consumer(SM_KAFKA_START_OFFSETS, 0, &off, 1, 7, 0);
    if (c) {
        CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 990);
        got = consume_all(c, 7);
        want = expected(991, 1010);
        check_totals(&got, &want);
        CHECK_EQ_INT(got.first_offset, 990);
        CHECK_EQ_INT(sm_kafka_consumer_next_offset(c, 0), 1010);
        sm_kafka_consumer_free(c);
    }
    /* a negative explicit offset is refused */
    sm_kafka_consume_opts_t co = {.conf = mock_conf(),
                                  .topic = TOPIC,
                                  .start = SM_KAFKA_START_OFFSETS,
                                  .offsets = &off,
                                  .noffsets = 1};
    off.offset = -5;
    c = (void *)1;
    CHECK_EQ_INT(sm_kafka_consumer_new(&co, &c, &e), SM_ERR_INVALID);
    CHECK(c == NULL);
}

static void test_bounded_batches(void)
{
    /* at most 600 bytes per batch: every batch stays under it and nothing
     * is lost at the boundaries */
    sm_kafka_consumer_t *c = open_consumer(SM_KAFKA_START_EARLIEST, 0, NULL, 0, 1000, 600);
    if (!c)
        return;
    sm_error_t e;
    sm_kafka_batch_t mb = SM_KAFKA_BATCH_INIT;
    int64_t total = 0, expect_off = 0;
    int batches = 0, bad_order = 0;
    for (int i = 0; i < 2000 && total < 1010; i++) {
        CHECK_OK(sm_kafka_consumer_poll(c, &mb, 500, &e), &e);
        CHECK(mb.bytes <= 600);
        size_t bytes = 0;
        for (size_t k = 0; k < mb.n; k++) {
            bytes += mb.msgs[k].value_len + mb.msgs[k].key_len;
            bad_order += mb.msgs[k].offset != expect_off++;
            CHECK(mb.msgs[k].key != NULL && mb.msgs[k].key_len >= 2);
            CHECK(mb.msgs[k].timestamp_ms >= TS_BASE);
        }
        CHECK_EQ_INT(bytes, mb.bytes);
        total += (int64_t)mb.n;
        batches += mb.n > 0;
    }
    CHECK_EQ_INT(total, 1010);
    CHECK_EQ_INT(bad_order, 0);
    CHECK(batches >= 1010 / 6);
    sm_kafka_batch_free(&mb);
    sm_kafka_consumer_free(c);
}

static void test_dead_letters(void)
{
    sm_error_t e;
    sm_kafka_conf_t conf = mock_conf();
    bool created = false;
    CHECK_OK(sm_kafka_topic_ensure(&conf, "salted", 1, 1, &created, &e), &e);
    CHECK(created);
    static const char *vals[] = {
        "{\"event_id\": 1, \"pays\": \"UK\", \"montant\": 10.5, \"type\": \"vente_web\"}",
        "{\"event_id\": 2, \"pays\": \"UK\", \"montant\": \"abc\"}",
        "{\"event_id\": 3, \"pays\": ",
        "{\"event_id\": 4, \"montant\": 20.25}",
        "{\"event_id\": 5, \"pays\": \"\xff\xfe\"}",
        NULL,
        "{\"event_id\": 7, \"pays\": \"FRANCE\", \"montant\": 1e1}",
    };
    sm_kafka_raw_msg_t msgs[7];
    for (int i = 0; i < 7; i++)
        msgs[i] = (sm_kafka_raw_msg_t){
            .value = vals[i], .value_len = vals[i] ? strlen(vals[i]) : 0, .partition = -1};
    CHECK_OK(sm_kafka_produce_raw(&conf, "salted", msgs, 7, &e), &e);
    sm_kafka_consume_opts_t o = {.conf = conf, .topic = "salted"};
    sm_kafka_consumer_t *c = NULL;
    CHECK_OK(sm_kafka_consumer_new(&o, &c, &e), &e);
    if (!c)
        return;
    sm_type_t *schema = sm_kafka_event_schema(true);
    sm_kafka_json_decoder_t *d = NULL;
    sm_batch_t *b = NULL;
    CHECK_OK(sm_kafka_json_decoder_new(schema, 0, &d, &e), &e);
    CHECK_OK(sm_batch_new(schema, 0, &b, &e), &e);
    sm_kafka_batch_t mb = SM_KAFKA_BATCH_INIT;
    sm_kafka_dead_letters_t dl = SM_KAFKA_DEAD_LETTERS_INIT;
    for (int i = 0; i < 50 && !sm_kafka_consumer_at_end(c); i++) {
        CHECK_OK(sm_kafka_consumer_poll(c, &mb, 200, &e), &e);
        CHECK_OK(sm_kafka_json_decode_batch(d, &mb, b, &dl, &e), &e);
    }
    CHECK_EQ_INT(b->nrows, 3);
    if (b->nrows == 3) {
        CHECK_EQ_INT(sm_vector_get_i64(b->cols[0], 0), 1);
        CHECK_EQ_INT(sm_vector_get_i64(b->cols[0], 1), 4);
        CHECK(sm_vector_is_null(b->cols[2], 1)); /* missing → NULL, not a dead letter */
        CHECK(sm_vector_is_null(b->cols[1], 1));
        CHECK(sm_vector_get_f64(b->cols[3], 1) == 20.25);
        CHECK(sm_vector_get_f64(b->cols[3], 2) == 10.0);
    }
    CHECK_EQ_INT(dl.n, 4);
    if (dl.n == 4) {
        CHECK_EQ_INT(dl.items[0].offset, 1);
        CHECK_EQ_STR(dl.items[0].reason, "field \"montant\": expected a number, got \"abc\"");
        CHECK_EQ_INT(dl.items[1].offset, 2);
        CHECK_EQ_STR(dl.items[1].reason, "invalid JSON at byte 24: unexpected end of input");
        CHECK_EQ_STR((const char *)dl.items[1].raw, vals[2]);
        CHECK_EQ_INT(dl.items[2].offset, 4);
        CHECK_EQ_STR(dl.items[2].reason, "invalid JSON at byte 25: invalid UTF-8 in string");
        CHECK_EQ_INT(dl.items[3].offset, 5);
        CHECK_EQ_STR(dl.items[3].reason, "message has no value");
        CHECK_EQ_INT(dl.items[3].partition, 0);
    }
    sm_kafka_batch_free(&mb);
    sm_kafka_dead_letters_free(&dl);
    sm_batch_free(b);
    sm_kafka_json_decoder_free(d);
    sm_type_free(schema);
    sm_kafka_consumer_free(c);
}

static void test_group(void)
{
    sm_error_t e;
    sm_kafka_consume_opts_t o = {
        .conf = mock_conf(), .topic = TOPIC, .group_id = "smelt-test", .max_messages = 500};
    sm_kafka_consumer_t *c = NULL;
    CHECK_OK(sm_kafka_consumer_new(&o, &c, &e), &e);
    if (!c)
        return;
    totals_t got = {0};
    for (int i = 0; i < 6 && got.rows < 1010; i++) { /* joining takes a few seconds */
        totals_t t = consume_all(c, 500);
        for (int k = 0; k < SM_KAFKA_NCOUNTRIES; k++) {
            got.count[k] += t.count[k];
            got.cents[k] += t.cents[k];
        }
        got.rows += t.rows;
        got.id_sum += t.id_sum;
    }
    totals_t want = expected(1, 1010);
    got.min_id = 1;
    got.max_id = 1010;
    check_totals(&got, &want);
    sm_kafka_consumer_free(c);
    o.start = SM_KAFKA_START_TIMESTAMP;
    CHECK_EQ_INT(sm_kafka_consumer_new(&o, &c, &e), SM_ERR_INVALID);
}

static void test_rate_and_limits(void)
{
    sm_error_t e;
    sm_kafka_produce_summary_t sum;
    /* 60 events at 400/s: at least (60 - burst 4 - 1) / 400 s */
    sm_kafka_produce_opts_t o = {
        .conf = mock_conf(), .topic = "rated", .count = 60, .rate = 400, .seed = 1};
    CHECK_OK(sm_kafka_produce_events(&o, &sum, &e), &e);
    CHECK_EQ_INT(sum.acked, 60);
    CHECK(sum.elapsed_s >= 0.13);
    CHECK(sum.elapsed_s < 5);
    /* a duration with no count */
    o.count = 0;
    o.duration_s = 0.4;
    o.rate = 100;
    CHECK_OK(sm_kafka_produce_events(&o, &sum, &e), &e);
    CHECK(sum.sent >= 25 && sum.sent <= 50);
    CHECK_EQ_INT(sum.acked, sum.sent);
    CHECK_EQ_INT(sum.last_id - sum.first_id + 1, sum.sent);
    /* cancelled before the first event */
    volatile int cancel = 1;
    o.cancel = &cancel;
    o.duration_s = 0;
    CHECK_OK(sm_kafka_produce_events(&o, &sum, &e), &e);
    CHECK_EQ_INT(sum.sent, 0);
    CHECK_EQ_INT(sum.last_id, sum.first_id - 1);
    o.cancel = NULL;
    o.rate = -1;
    CHECK_EQ_INT(sm_kafka_produce_events(&o, &sum, &e), SM_ERR_INVALID);
}

static void test_errors(void)
{
    sm_error_t e;
    sm_kafka_consumer_t *c = (void *)1;
    sm_kafka_consume_opts_t o = {.conf = mock_conf(), .topic = "no-such-topic"};
    CHECK_EQ_INT(sm_kafka_consumer_new(&o, &c, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_STR(e.msg, "Kafka topic \"no-such-topic\" does not exist");
    CHECK(c == NULL);
    int parts;
    sm_kafka_conf_t conf = mock_conf();
    CHECK_EQ_INT(sm_kafka_topic_partitions(&conf, "no-such-topic", &parts, &e), SM_ERR_NOT_FOUND);
    /* nothing configured */
    sm_kafka_conf_t none = {0};
    o.conf = none;
    CHECK_EQ_INT(sm_kafka_consumer_new(&o, &c, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "no Kafka bootstrap servers configured") != NULL);
    sm_kafka_produce_opts_t po = {.conf = none, .count = 1};
    CHECK_EQ_INT(sm_kafka_produce_events(&po, NULL, &e), SM_ERR_INVALID);
    /* bad counts and properties */
    CHECK_EQ_INT(sm_kafka_topic_ensure(&conf, "t", 0, 1, NULL, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_kafka_topic_ensure(&conf, "", 1, 1, NULL, &e), SM_ERR_INVALID);
    static const char *const props[] = {"no.such.property", "1", NULL};
    conf.props = props;
    CHECK_EQ_INT(sm_kafka_topic_ensure(&conf, "t", 1, 1, NULL, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "no.such.property") != NULL);
    /* an unreachable broker: a bounded failure, not a hang */
    sm_kafka_conf_t dead = {.bootstrap = "127.0.0.1:1", .timeout_ms = 1000};
    CHECK(sm_kafka_topic_ensure(&dead, "t", 1, 1, NULL, &e) != SM_OK);
    po.conf = dead;
    po.no_create = true;
    po.flush_timeout_ms = 1500;
    sm_kafka_produce_summary_t sum;
    static const char *const short_timeout[] = {"message.timeout.ms", "1000", NULL};
    po.conf.props = short_timeout;
    CHECK_EQ_INT(sm_kafka_produce_events(&po, &sum, &e), SM_ERR_NETWORK);
    CHECK_EQ_INT(sum.sent, 1);
    CHECK_EQ_INT(sum.failed, 1);
    CHECK_EQ_INT(sum.acked, 0);
    CHECK(sum.first_error[0] != 0);
    /* mock arguments */
    sm_kafka_mock_t *m = (void *)1;
    CHECK_EQ_INT(sm_kafka_mock_start(0, &m, &e), SM_ERR_INVALID);
    CHECK(m == NULL);
    CHECK_EQ_INT(sm_kafka_mock_create_topic(mock, TOPIC, 1, 1, &e), SM_ERR_EXISTS);
    CHECK_EQ_INT(sm_kafka_mock_create_topic(mock, "x", 0, 1, &e), SM_ERR_INVALID);
    sm_kafka_mock_free(NULL);
    sm_kafka_consumer_free(NULL);
}

int main(void)
{
    sm_error_t e;
    if (sm_kafka_mock_start(1, &mock, &e)) {
        fprintf(stderr, "mock cluster: %s\n", e.msg);
        return 1;
    }
    CHECK(strncmp(sm_kafka_mock_bootstrap(mock), "127.0.0.1:", 10) == 0);
    RUN(test_produce_and_consume);
    RUN(test_start_positions);
    RUN(test_bounded_batches);
    RUN(test_dead_letters);
    RUN(test_group);
    RUN(test_rate_and_limits);
    RUN(test_errors);
    sm_kafka_mock_free(mock);
    return check_summary();
}
