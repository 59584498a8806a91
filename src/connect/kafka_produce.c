/*
 * connect/kafka_produce — topics (create if absent), the synthetic sales
 * events of the reference stream, and the producer (see kafka.h).
 */
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "columnar/types.h"
#include "connect/kafka_int.h"
#include "core/clock.h"
#include "core/mem.h"

/* ---- topics ------------------------------------------------------------------ */

/* 1: topic present (partition count in *np), 0: absent, <0: error in e. */
static int topic_lookup(rd_kafka_t *rk, const char *topic, int timeout_ms, int *np, sm_error_t *e)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (err) {
        sm_kafka_error(e, err, "Kafka metadata request");
        return -1;
    }
    int found = 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strcmp(t->topic, topic) == 0 && t->err == 0 && t->partition_cnt > 0) {
            found = 1;
            if (np)
                *np = t->partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(md);
    return found;
}

static sm_err_t admin_handle(const sm_kafka_conf_t *conf, sm_kafka_opaque_t *op, rd_kafka_t **rk,
                             sm_error_t *e)
{
    rd_kafka_conf_t *rc;
    sm_err_t err = sm_kafka_rdconf_new(conf, op, NULL, &rc, e);
    if (err)
        return err;
    return sm_kafka_handle_new(RD_KAFKA_PRODUCER, rc, rk, e);
}

sm_err_t sm_kafka_topic_partitions(const sm_kafka_conf_t *conf, const char *topic, int *partitions,
                                   sm_error_t *e)
{
    sm_kafka_opaque_t op = {0};
    rd_kafka_t *rk;
    sm_err_t err = admin_handle(conf, &op, &rk, e);
    if (err)
        return err;
    int r = topic_lookup(rk, topic, sm_kafka_conf_timeout(conf), partitions, e);
    rd_kafka_destroy(rk);
    if (r < 0)
        return e ? e->code : SM_ERR_NETWORK;
    if (r == 0)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "Kafka topic \"%s\" does not exist", topic);
    return SM_OK;
}

static sm_err_t create_admin(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                             int timeout_ms, bool *created, sm_error_t *e)
{
    char errstr[512];
    sm_err_t rc = SM_OK;
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(topic, partitions, replication, errstr, sizeof errstr);
    if (!nt)
        return sm_error_set(e, SM_ERR_INVALID, "Kafka topic \"%s\": %s", topic, errstr);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_event_t *ev = NULL;
    if (!q || !ao) {
        rc = sm_error_nomem(e, "Kafka admin request");
        goto out;
    }
    rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, errstr, sizeof errstr);
    rd_kafka_AdminOptions_set_operation_timeout(ao, timeout_ms, errstr, sizeof errstr);
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    if (!ev) {
        rc = sm_error_set(e, SM_ERR_TIMEOUT, "creating Kafka topic \"%s\": no answer in %d ms",
                          topic, timeout_ms);
        goto out;
    }
    if (rd_kafka_event_error(ev)) {
        rc = sm_kafka_error(e, rd_kafka_event_error(ev), "creating Kafka topic \"%s\"", topic);
        goto out;
    }
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t te = rd_kafka_topic_result_error(tr[i]);
        if (te == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            continue; /* somebody else made it meanwhile */
        if (te) {
            const char *msg = rd_kafka_topic_result_error_string(tr[i]);
            rc = sm_kafka_error(e, te, "creating Kafka topic \"%s\"%s%s", topic, msg ? ": " : "",
                                msg ? msg : "");
            goto out;
        }
        *created = true;
    }
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (ao)
        rd_kafka_AdminOptions_destroy(ao);
    if (q)
        rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

sm_err_t sm_kafka_topic_ensure(const sm_kafka_conf_t *conf, const char *topic, int partitions,
                               int replication, bool *created, sm_error_t *e)
{
    bool made = false;
    if (created)
        *created = false;
    if (!topic || !topic[0] || strlen(topic) > 249 || partitions < 1 || replication < 1)
        return sm_error_set(e, SM_ERR_INVALID,
                            "Kafka topic \"%s\": need a name of 1..249 characters, partitions "
                            ">= 1 and replication >= 1 (got %d, %d)",
                            topic ? topic : "", partitions, replication);
    sm_kafka_opaque_t op = {0};
    rd_kafka_t *rk;
    sm_err_t rc = admin_handle(conf, &op, &rk, e);
    if (rc)
        return rc;
    int timeout = sm_kafka_conf_timeout(conf);
    int r = topic_lookup(rk, topic, timeout, NULL, e);
    if (r < 0) {
        rc = e ? e->code : SM_ERR_NETWORK;
        goto out;
    }
    if (r == 1)
        goto out;
    if (conf->mock && !(conf->bootstrap && conf->bootstrap[0])) {
        rc = sm_kafka_mock_create_topic(conf->mock, topic, partitions, replication, e);
        if (rc == SM_ERR_EXISTS)
            rc = SM_OK;
        else if (!rc)
            made = true;
    } else {
        rc = create_admin(rk, topic, partitions, replication, timeout, &made, e);
    }
    if (rc)
        goto out;
    /* wait (bounded) until the metadata shows the topic */
    int64_t deadline = sm_clock_mono_ns() + (int64_t)timeout * 1000000;
    for (;;) {
        r = topic_lookup(rk, topic, timeout, NULL, e);
        if (r == 1)
            break;
        if (r < 0 || sm_clock_mono_ns() > deadline) {
            rc = r < 0 ? (e ? e->code : SM_ERR_NETWORK)
                       : sm_error_set(e, SM_ERR_TIMEOUT,
                                      "Kafka topic \"%s\" was created but is not visible after "
                                      "%d ms",
                                      topic, timeout);
            goto out;
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
out:
    rd_kafka_destroy(rk);
    if (created)
        *created = made && !rc;
    return rc;
}

/* ---- events ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

void sm_kafka_event_make(uint64_t seed, int64_t event_id, int64_t ts_ms, sm_kafka_event_t *ev)
{
    uint64_t r = splitmix64(splitmix64(seed) ^ (uint64_t)event_id);
    ev->event_id = event_id;
    ev->ts_ms = ts_ms;
    ev->pays = (int)((r >> 40) % SM_KAFKA_NCOUNTRIES);
    ev->montant_cents = 1000 + (int64_t)((r & 0xFFFFFFFFu) % 9001u);
}

size_t sm_kafka_event_json(const sm_kafka_event_t *ev, char out[SM_KAFKA_EVENT_JSON_MAX])
{
    char ts[SM_CLOCK_ISO_LEN], amount[32];
    sm_clock_format_iso(ev->ts_ms, ts);
    long long whole = ev->montant_cents / 100, frac = ev->montant_cents % 100;
    /* as Python prints round(x, 2): 42.5, 42.05, 42.0 */
    if (frac % 10 == 0)
        snprintf(amount, sizeof amount, "%lld.%lld", whole, frac / 10);
    else
        snprintf(amount, sizeof amount, "%lld.%02lld", whole, frac);
    int n = snprintf(out, SM_KAFKA_EVENT_JSON_MAX,
                     "{\"event_id\": %lld, \"timestamp\": \"%s\", \"pays\": \"%s\", "
                     "\"montant\": %s, \"type\": \"" SM_KAFKA_EVENT_TYPE "\"}",
                     (long long)ev->event_id, ts, sm_kafka_countries[ev->pays], amount);
    return n < 0                                 ? 0
           : (size_t)n < SM_KAFKA_EVENT_JSON_MAX ? (size_t)n
                                                 : SM_KAFKA_EVENT_JSON_MAX - 1;
}

sm_type_t *sm_kafka_event_schema(bool ts_as_string)
{
    return sm_type_struct(
        (sm_field_t[]){
            {"event_id", sm_type_int64(), true},
            {"timestamp", ts_as_string ? sm_type_string() : sm_type_timestamp_tz(), true},
            {"pays", sm_type_string(), true},
            {"montant", sm_type_float64(), true},
            {"type", sm_type_string(), true}},
        5);
}

/* ---- producer ---------------------------------------------------------------- */

typedef struct producer {
    sm_kafka_opaque_t op; /* first: see kafka_int.h */
    rd_kafka_t *rk;
    uint64_t acked, failed;
    char first_error[SM_KAFKA_REASON_MAX];
} producer_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    producer_t *p = opaque;
    if (m->err) {
        if (!p->failed)
            snprintf(p->first_error, sizeof p->first_error, "%s", rd_kafka_err2str(m->err));
        p->failed++;
    } else {
        p->acked++;
    }
}

static const char *const producer_props[] = {
    "enable.idempotence",
    "true",
    "acks",
    "all",
    "linger.ms",
    "5",
    "message.timeout.ms",
    "30000",
    "queue.buffering.max.messages",
    "100000",
    NULL,
};

static sm_err_t producer_open(const sm_kafka_conf_t *conf, producer_t *p, sm_error_t *e)
{
    memset(p, 0, sizeof *p);
    rd_kafka_conf_t *rc;
    sm_err_t err = sm_kafka_rdconf_new(conf, &p->op, producer_props, &rc, e);
    if (err)
        return err;
    rd_kafka_conf_set_dr_msg_cb(rc, dr_cb);
    return sm_kafka_handle_new(RD_KAFKA_PRODUCER, rc, &p->rk, e);
}

/* Sends one message, waiting (serving delivery reports) while the local
 * queue is full, at most wait_ms. */
static sm_err_t send_one(producer_t *p, const char *topic, int32_t partition, const void *key,
                         size_t klen, const void *val, size_t vlen, int64_t ts_ms, int wait_ms,
                         sm_error_t *e)
{
    int64_t deadline = sm_clock_mono_ns() + (int64_t)wait_ms * 1000000;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY((void *)key, klen),
            RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_TIMESTAMP(ts_ms), RD_KAFKA_V_END);
        if (!err)
            return SM_OK;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return sm_kafka_error(e, err, "producing to Kafka topic \"%s\"", topic);
        if (sm_clock_mono_ns() > deadline)
            return sm_error_set(e, SM_ERR_TIMEOUT,
                                "producing to Kafka topic \"%s\": local queue full for %d ms "
                                "(broker unreachable?)",
                                topic, wait_ms);
        rd_kafka_poll(p->rk, 20);
    }
}

/* Flushes (bounded) and returns how many messages never got a report. */
static uint64_t producer_flush(producer_t *p, int timeout_ms)
{
    rd_kafka_flush(p->rk, timeout_ms);
    rd_kafka_poll(p->rk, 0);
    int left = rd_kafka_outq_len(p->rk);
    return left > 0 ? (uint64_t)left : 0;
}

static double now_s(void)
{
    return (double)sm_clock_mono_ns() / 1e9;
}

sm_err_t sm_kafka_produce_events(const sm_kafka_produce_opts_t *o, sm_kafka_produce_summary_t *sum,
                                 sm_error_t *e)
{
    sm_kafka_produce_summary_t local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    int64_t id = o->start_id_set ? o->start_id : 1;
    sum->first_id = id;
    sum->last_id = id - 1;
    const char *topic = o->topic && o->topic[0] ? o->topic : SM_KAFKA_DEFAULT_TOPIC;
    if (o->rate < 0 || o->duration_s < 0 || !isfinite(o->rate) || !isfinite(o->duration_s))
        return sm_error_set(e, SM_ERR_INVALID, "produce: rate and duration must be >= 0");
    sm_err_t rc = SM_OK;
    if (!o->no_create) {
        rc = sm_kafka_topic_ensure(&o->conf, topic, o->partitions > 0 ? o->partitions : 1,
                                   o->replication > 0 ? o->replication : 1, &sum->topic_created, e);
        if (rc)
            return rc;
    }
    producer_t p;
    rc = producer_open(&o->conf, &p, e);
    if (rc)
        return rc;
    int flush_ms = o->flush_timeout_ms > 0 ? o->flush_timeout_ms : 30000;
    double t0 = now_s(), tokens = 1.0, last = t0;
    double burst = o->rate > 0 ? (o->rate / 100 > 1 ? o->rate / 100 : 1) : 0;
    uint64_t unreported = 0;
    while (!(o->count && sum->sent >= o->count)) {
        if (o->cancel && *o->cancel)
            break;
        double now = now_s();
        if (o->duration_s > 0 && now - t0 >= o->duration_s)
            break;
        if (o->rate > 0) { /* token bucket */
            tokens += (now - last) * o->rate;
            last = now;
            if (tokens > burst)
                tokens = burst;
            if (tokens < 1.0) {
                double wait = (1.0 - tokens) / o->rate * 1000.0;
                rd_kafka_poll(p.rk, wait < 1 ? 1 : wait > 100 ? 100 : (int)wait);
                continue;
            }
            tokens -= 1.0;
        }
        sm_kafka_event_t ev;
        int64_t ts = o->ts_base_ms ? o->ts_base_ms + (id - sum->first_id) : sm_clock_wall_ms();
        sm_kafka_event_make(o->seed, id, ts, &ev);
        char json[SM_KAFKA_EVENT_JSON_MAX];
        size_t n = sm_kafka_event_json(&ev, json);
        const char *key = o->no_key ? NULL : sm_kafka_countries[ev.pays];
        rc = send_one(&p, topic, RD_KAFKA_PARTITION_UA, key, key ? strlen(key) : 0, json, n, ts,
                      flush_ms, e);
        if (rc)
            break;
        sum->sent++;
        sum->last_id = id++;
        rd_kafka_poll(p.rk, 0);
        if (o->on_progress && o->progress_every && sum->sent % o->progress_every == 0) {
            sum->acked = p.acked;
            sum->failed = p.failed;
            sum->elapsed_s = now_s() - t0;
            sum->rate = sum->elapsed_s > 0 ? (double)sum->acked / sum->elapsed_s : 0;
            o->on_progress(o->progress_ctx, sum);
        }
    }
    unreported = producer_flush(&p, flush_ms);
    sum->acked = p.acked;
    sum->failed = p.failed + unreported;
    sum->elapsed_s = now_s() - t0;
    sum->rate = sum->elapsed_s > 0 ? (double)sum->acked / sum->elapsed_s : 0;
    snprintf(sum->first_error, sizeof sum->first_error, "%s",
             p.first_error[0] ? p.first_error
             : unreported     ? "delivery not confirmed before the flush timeout"
                              : "");
    char fatal[256];
    rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(p.rk, fatal, sizeof fatal);
    rd_kafka_destroy(p.rk);
    if (rc)
        return rc;
    if (ferr)
        return sm_error_set(e, SM_ERR_NETWORK, "Kafka producer: fatal error: %s", fatal);
    if (sum->failed)
        return sm_error_set(
            e, SM_ERR_NETWORK,
            "Kafka topic \"%s\": %llu of %llu events not delivered (first error: %s)", topic,
            (unsigned long long)sum->failed, (unsigned long long)sum->sent, sum->first_error);
    return SM_OK;
}

sm_err_t sm_kafka_produce_raw(const sm_kafka_conf_t *conf, const char *topic,
                              const sm_kafka_raw_msg_t *msgs, size_t n, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++)
        if (msgs[i].value_len > SM_KAFKA_MAX_MESSAGE_BYTES ||
            msgs[i].key_len > SM_KAFKA_MAX_MESSAGE_BYTES)
            return sm_error_set(e, SM_ERR_LIMIT, "message %zu is larger than %d bytes", i,
                                SM_KAFKA_MAX_MESSAGE_BYTES);
    producer_t p;
    sm_err_t rc = producer_open(conf, &p, e);
    if (rc)
        return rc;
    int timeout = sm_kafka_conf_timeout(conf);
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_kafka_raw_msg_t *m = &msgs[i];
        rc =
            send_one(&p, topic, m->partition < 0 ? RD_KAFKA_PARTITION_UA : m->partition, m->key,
                     m->key ? m->key_len : 0, m->value, m->value ? m->value_len : 0, 0, timeout, e);
        if (rc)
            sm_error_wrap(e, "message %zu", i);
        rd_kafka_poll(p.rk, 0);
    }
    uint64_t unreported = producer_flush(&p, timeout);
    uint64_t failed = p.failed + unreported;
    rd_kafka_destroy(p.rk);
    if (rc)
        return rc;
    if (failed)
        return sm_error_set(e, SM_ERR_NETWORK,
                            "Kafka topic \"%s\": %llu of %zu messages not delivered (%s)", topic,
                            (unsigned long long)failed, n,
                            p.first_error[0] ? p.first_error : "no delivery report in time");
    return SM_OK;
}
