/*
 * connect/kafka_consume — the consumer source: partitions assigned from a
 * start position (or a consumer group), bounded batches of messages,
 * positions and lag (see kafka.h).
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "connect/kafka_int.h"
#include "core/clock.h"
#include "core/mem.h"

#define DEFAULT_MAX_BYTES (16u * 1024 * 1024)

typedef struct part {
    int32_t partition;
    int64_t next; /* next offset to read; -1 unknown */
    bool eof;     /* reached the end since the last message */
    bool assigned;
} part_t;

struct sm_kafka_consumer {
    sm_kafka_opaque_t op; /* first: see kafka_int.h */
    rd_kafka_t *rk;
    char *topic;
    bool group;
    part_t *parts;
    size_t nparts;
    size_t max_messages, max_bytes;
    int timeout_ms;
    rd_kafka_message_t *pending; /* fetched but did not fit the last batch */
    bool end_confirmed;          /* the broker confirmed the end; no message since */
};

static part_t *find_part(const sm_kafka_consumer_t *c, int32_t partition)
{
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i].partition == partition)
            return &c->parts[i];
    return NULL;
}

static sm_err_t load_partitions(sm_kafka_consumer_t *c, sm_error_t *e)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(c->rk, 1, NULL, &md, c->timeout_ms);
    if (err)
        return sm_kafka_error(e, err, "Kafka metadata request");
    sm_err_t rc = sm_error_set(e, SM_ERR_NOT_FOUND, "Kafka topic \"%s\" does not exist", c->topic);
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strcmp(t->topic, c->topic) != 0 || t->err || t->partition_cnt <= 0)
            continue;
        c->parts = sm_calloc((size_t)t->partition_cnt, sizeof *c->parts);
        if (!c->parts) {
            rc = sm_error_nomem(e, "Kafka partitions");
            break;
        }
        c->nparts = (size_t)t->partition_cnt;
        for (int k = 0; k < t->partition_cnt; k++)
            c->parts[k] =
                (part_t){.partition = t->partitions[k].id, .next = -1, .assigned = !c->group};
        rc = SM_OK;
        if (e)
            sm_error_clear(e);
        break;
    }
    rd_kafka_metadata_destroy(md);
    return rc;
}

/* Resolves the start offset of every partition and assigns them. */
static sm_err_t assign_start(sm_kafka_consumer_t *c, const sm_kafka_consume_opts_t *o,
                             sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->nparts);
    if (!l)
        return sm_error_nomem(e, "Kafka partition list");
    for (size_t i = 0; i < c->nparts; i++) {
        part_t *p = &c->parts[i];
        int64_t lo, hi;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(c->rk, c->topic, p->partition,
                                                                   &lo, &hi, c->timeout_ms);
        if (err) {
            rc = sm_kafka_error(e, err, "Kafka topic \"%s\" partition %d: watermarks", c->topic,
                                (int)p->partition);
            goto out;
        }
        p->next = lo;
        if (o->start == SM_KAFKA_START_LATEST)
            p->next = hi;
        else if (o->start == SM_KAFKA_START_TIMESTAMP)
            p->next = -2; /* resolved below */
        else if (o->start == SM_KAFKA_START_OFFSETS) {
            for (size_t k = 0; k < o->noffsets; k++)
                if (o->offsets[k].partition == p->partition)
                    p->next = o->offsets[k].offset;
            if (p->next < 0) {
                rc = sm_error_set(e, SM_ERR_INVALID,
                                  "Kafka topic \"%s\" partition %d: start offset %lld is negative",
                                  c->topic, (int)p->partition, (long long)p->next);
                goto out;
            }
        }
        rd_kafka_topic_partition_list_add(l, c->topic, p->partition)->offset =
            o->start == SM_KAFKA_START_TIMESTAMP ? o->start_ts_ms : p->next;
    }
    if (o->start == SM_KAFKA_START_TIMESTAMP) {
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(c->rk, l, c->timeout_ms);
        if (err) {
            rc = sm_kafka_error(e, err, "Kafka topic \"%s\": offsets for time %lld", c->topic,
                                (long long)o->start_ts_ms);
            goto out;
        }
        for (int i = 0; i < l->cnt; i++) {
            part_t *p = find_part(c, l->elems[i].partition);
            if (l->elems[i].err) {
                rc = sm_kafka_error(e, l->elems[i].err,
                                    "Kafka topic \"%s\" partition %d: offset for time", c->topic,
                                    (int)l->elems[i].partition);
                goto out;
            }
            if (l->elems[i].offset < 0) { /* no message that late: start at the end */
                int64_t lo, hi;
                rd_kafka_resp_err_t we = rd_kafka_query_watermark_offsets(
                    c->rk, c->topic, l->elems[i].partition, &lo, &hi, c->timeout_ms);
                if (we) {
                    rc = sm_kafka_error(e, we, "Kafka topic \"%s\" partition %d: watermarks",
                                        c->topic, (int)l->elems[i].partition);
                    goto out;
                }
                l->elems[i].offset = hi;
            }
            if (p)
                p->next = l->elems[i].offset;
        }
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, l);
    if (err)
        rc = sm_kafka_error(e, err, "Kafka topic \"%s\": assigning partitions", c->topic);
out:
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

sm_err_t sm_kafka_consumer_new(const sm_kafka_consume_opts_t *o, sm_kafka_consumer_t **out,
                               sm_error_t *e)
{
    *out = NULL;
    if (!o->topic || !o->topic[0])
        return sm_error_set(e, SM_ERR_INVALID, "Kafka consumer: no topic");
    if (o->group_id && o->start != SM_KAFKA_START_EARLIEST && o->start != SM_KAFKA_START_LATEST)
        return sm_error_set(e, SM_ERR_INVALID,
                            "Kafka consumer group \"%s\": only earliest or latest starts are "
                            "possible (use assignment for timestamps and offsets)",
                            o->group_id);
    if (o->start == SM_KAFKA_START_OFFSETS && o->noffsets && !o->offsets)
        return sm_error_set(e, SM_ERR_INVALID, "Kafka consumer: offsets missing");
    sm_kafka_consumer_t *c = sm_calloc(1, sizeof *c);
    if (!c)
        return sm_error_nomem(e, "Kafka consumer");
    sm_err_t rc = SM_OK;
    c->topic = sm_strdup(o->topic);
    if (!c->topic) {
        rc = sm_error_nomem(e, "Kafka consumer");
        goto out;
    }
    c->group = o->group_id != NULL;
    c->max_messages = o->max_messages ? o->max_messages : SM_BATCH_ROWS;
    c->max_bytes = o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
    c->timeout_ms = sm_kafka_conf_timeout(&o->conf);
    char maxmsg[32];
    snprintf(maxmsg, sizeof maxmsg, "%d", SM_KAFKA_MAX_MESSAGE_BYTES);
    const char *reset = o->start == SM_KAFKA_START_LATEST    ? "latest"
                        : o->start == SM_KAFKA_START_OFFSETS ? "error"
                                                             : "earliest";
    const char *const base[] = {
        /* assignment mode needs a group id for librdkafka's consumer
         * queue, but never joins or commits */
        "group.id",
        o->group_id ? o->group_id : "smelt-assign",
        "auto.offset.reset",
        reset,
        "enable.partition.eof",
        "true",
        "fetch.message.max.bytes",
        maxmsg,
        /* The prefetch queue.  When it reaches either limit, librdkafka
         * (2.0) stops fetching and backs off for up to a second: with
         * 100,000-event batches the old limits (100,000 messages, 16 MB)
         * were hit on every batch, and a 500,000-event topic took 1.15 s
         * instead of 0.31 s, at 90 MB instead of 110 MB peak RSS.  32 MB
         * still stalled some runs: 1M events took 0.79-1.40 s, and 0.62-0.71 s
         * with 64 MB (peak RSS 95-159 MB against 182-234 MB; 128 MB gained
         * nothing more).  A stream that keeps up never fills it. */
        "fetch.max.bytes",
        "8388608",
        "queued.max.messages.kbytes",
        "65536",
        "queued.min.messages",
        "1000000",
        "fetch.error.backoff.ms",
        "50",
        /* how long the broker holds a fetch that finds nothing: the end of
         * a partition is seen (and a consumer closes) this much sooner
         * than with the default 500 ms */
        "fetch.wait.max.ms",
        "100",
        "allow.auto.create.topics",
        "false",
        NULL,
    };
    rd_kafka_conf_t *rc_conf;
    rc = sm_kafka_rdconf_new(&o->conf, &c->op, base, &rc_conf, e);
    if (rc)
        goto out;
    /* offsets live in the lake, whatever the user's extra properties say */
    char err[256];
    rd_kafka_conf_set(rc_conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(rc_conf, "enable.auto.offset.store", "false", err, sizeof err);
    rc = sm_kafka_handle_new(RD_KAFKA_CONSUMER, rc_conf, &c->rk, e);
    if (rc)
        goto out;
    rd_kafka_poll_set_consumer(c->rk);
    rc = load_partitions(c, e);
    if (rc)
        goto out;
    if (c->group) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        if (!l) {
            rc = sm_error_nomem(e, "Kafka subscription");
            goto out;
        }
        rd_kafka_topic_partition_list_add(l, c->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t ke = rd_kafka_subscribe(c->rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (ke)
            rc = sm_kafka_error(e, ke, "Kafka consumer group \"%s\": subscribing to \"%s\"",
                                o->group_id, c->topic);
    } else {
        rc = assign_start(c, o, e);
    }
out:
    if (rc) {
        sm_kafka_consumer_free(c);
        return rc;
    }
    *out = c;
    return SM_OK;
}

sm_err_t sm_kafka_consumer_seek(sm_kafka_consumer_t *c, const sm_kafka_offset_t *offs, size_t n,
                                sm_error_t *e)
{
    if (c->group)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "Kafka topic \"%s\": a group member cannot be moved", c->topic);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->nparts);
    if (!l)
        return sm_error_nomem(e, "Kafka partition list");
    for (size_t i = 0; i < c->nparts; i++) {
        part_t *p = &c->parts[i];
        for (size_t k = 0; k < n; k++)
            if (offs[k].partition == p->partition)
                p->next = offs[k].offset;
        p->eof = false;
        rd_kafka_topic_partition_list_add(l, c->topic, p->partition)->offset = p->next;
    }
    /* a new assignment drops what was fetched for the old positions */
    if (c->pending) {
        rd_kafka_message_destroy(c->pending);
        c->pending = NULL;
    }
    c->end_confirmed = false;
    rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return err ? sm_kafka_error(e, err, "Kafka topic \"%s\": moving to new offsets", c->topic)
               : SM_OK;
}

void sm_kafka_consumer_free(sm_kafka_consumer_t *c)
{
    if (!c)
        return;
    if (c->pending)
        rd_kafka_message_destroy(c->pending);
    if (c->rk) {
        rd_kafka_consumer_close(c->rk);
        rd_kafka_destroy(c->rk);
    }
    sm_free(c->parts);
    sm_free(c->topic);
    sm_free(c);
}

static bool transient(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
           err == RD_KAFKA_RESP_ERR__RESOLVE || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
           err == RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED;
}

static void refresh_assignment(sm_kafka_consumer_t *c)
{
    if (!c->group)
        return;
    rd_kafka_topic_partition_list_t *l = NULL;
    if (rd_kafka_assignment(c->rk, &l) || !l)
        return;
    for (size_t i = 0; i < c->nparts; i++)
        c->parts[i].assigned = false;
    for (int i = 0; i < l->cnt; i++) {
        part_t *p = find_part(c, l->elems[i].partition);
        if (p)
            p->assigned = true;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Cheap: every assigned partition reported EOF since its last message. */
static bool eof_everywhere(sm_kafka_consumer_t *c)
{
    refresh_assignment(c);
    size_t assigned = 0;
    for (size_t i = 0; i < c->nparts; i++) {
        if (!c->parts[i].assigned)
            continue;
        assigned++;
        if (!c->parts[i].eof)
            return false;
    }
    return assigned > 0 && !c->pending;
}

bool sm_kafka_consumer_at_end(sm_kafka_consumer_t *c)
{
    if (!eof_everywhere(c))
        return false;
    if (c->end_confirmed)
        return true;
    /* An EOF event may be older than messages fetched since: first the
     * high watermarks of the latest fetch responses (kept by librdkafka, no
     * request); only when they agree, ask the broker — a request that
     * queues behind the fetch the broker holds for fetch.wait.max.ms, so
     * it is made once and remembered until the next message. */
    for (size_t i = 0; i < c->nparts; i++) {
        part_t *p = &c->parts[i];
        int64_t lo = -1, hi = -1;
        if (p->assigned &&
            !rd_kafka_get_watermark_offsets(c->rk, c->topic, p->partition, &lo, &hi) && hi >= 0 &&
            p->next < hi) {
            p->eof = false;
            return false;
        }
    }
    for (size_t i = 0; i < c->nparts; i++) {
        part_t *p = &c->parts[i];
        int64_t lo, hi;
        if (!p->assigned)
            continue;
        if (rd_kafka_query_watermark_offsets(c->rk, c->topic, p->partition, &lo, &hi,
                                             c->timeout_ms) ||
            p->next < hi) {
            p->eof = false;
            return false;
        }
    }
    c->end_confirmed = true;
    return true;
}

static sm_err_t batch_grow(sm_kafka_batch_t *b, size_t want, sm_error_t *e)
{
    if (b->cap >= want)
        return SM_OK;
    sm_kafka_msg_t *m = sm_realloc(b->msgs, want * sizeof *m);
    if (!m)
        return sm_error_nomem(e, "Kafka message batch");
    b->msgs = m;
    void **h = sm_realloc(b->handles, want * sizeof *h);
    if (!h)
        return sm_error_nomem(e, "Kafka message batch");
    b->handles = h;
    b->cap = want;
    return SM_OK;
}

void sm_kafka_batch_reset(sm_kafka_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        rd_kafka_message_destroy(b->handles[i]);
    b->n = 0;
    b->bytes = 0;
}

void sm_kafka_batch_free(sm_kafka_batch_t *b)
{
    sm_kafka_batch_reset(b);
    sm_free(b->msgs);
    sm_free(b->handles);
    *b = (sm_kafka_batch_t)SM_KAFKA_BATCH_INIT;
}

sm_err_t sm_kafka_consumer_poll(sm_kafka_consumer_t *c, sm_kafka_batch_t *b, int max_wait_ms,
                                sm_error_t *e)
{
    sm_kafka_batch_reset(b);
    sm_err_t rc = batch_grow(b, c->max_messages, e);
    if (rc)
        return rc;
    int64_t deadline = sm_clock_mono_ns() + (int64_t)(max_wait_ms > 0 ? max_wait_ms : 0) * 1000000;
    while (b->n < c->max_messages) {
        rd_kafka_message_t *m = c->pending;
        c->pending = NULL;
        if (!m) {
            /* wait for the first message only: once one is here, take
             * what is already fetched and return, so a batch never waits
             * for a fuller one (latency) */
            int64_t left = (deadline - sm_clock_mono_ns()) / 1000000;
            m = rd_kafka_consumer_poll(c->rk, b->n == 0 && left > 0 ? (int)left : 0);
            if (!m)
                break;
        }
        if (m->err) {
            rd_kafka_resp_err_t err = m->err;
            int32_t pn = m->partition;
            if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                part_t *p = find_part(c, pn);
                if (p) {
                    p->eof = true;
                    if (p->next < 0)
                        p->next = m->offset;
                }
                rd_kafka_message_destroy(m);
                if (eof_everywhere(c))
                    break;
                continue;
            }
            if (transient(err)) {
                rd_kafka_message_destroy(m);
                if (sm_clock_mono_ns() >= deadline)
                    break;
                continue;
            }
            char what[256];
            snprintf(what, sizeof what, "%s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            rc = sm_kafka_error(e, err, "Kafka topic \"%s\" partition %d: %s", c->topic, (int)pn,
                                what);
            break;
        }
        size_t sz = m->len + m->key_len;
        if (b->n > 0 && b->bytes + sz > c->max_bytes) {
            c->pending = m;
            break;
        }
        rd_kafka_timestamp_type_t tt;
        int64_t ts = rd_kafka_message_timestamp(m, &tt);
        b->handles[b->n] = m;
        c->end_confirmed = false;
        b->msgs[b->n++] = (sm_kafka_msg_t){
            .partition = m->partition,
            .offset = m->offset,
            .timestamp_ms = tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts,
            .key = m->key,
            .key_len = m->key ? m->key_len : 0,
            .value = m->payload,
            .value_len = m->payload ? m->len : 0,
        };
        b->bytes += sz;
        part_t *p = find_part(c, m->partition);
        if (p) {
            p->next = m->offset + 1;
            p->eof = false;
        }
    }
    return rc;
}

int64_t sm_kafka_consumer_next_offset(const sm_kafka_consumer_t *c, int32_t partition)
{
    const part_t *p = find_part(c, partition);
    return p ? p->next : -1;
}

size_t sm_kafka_consumer_npartitions(const sm_kafka_consumer_t *c)
{
    return c->nparts;
}

int32_t sm_kafka_consumer_partition(const sm_kafka_consumer_t *c, size_t i)
{
    return i < c->nparts ? c->parts[i].partition : -1;
}

sm_err_t sm_kafka_consumer_watermarks(sm_kafka_consumer_t *c, int32_t partition, int64_t *low,
                                      int64_t *high, sm_error_t *e)
{
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(c->rk, c->topic, partition, low, high, c->timeout_ms);
    if (err)
        return sm_kafka_error(e, err, "Kafka topic \"%s\" partition %d: watermarks", c->topic,
                              (int)partition);
    return SM_OK;
}

int64_t sm_kafka_consumer_lag_cached(sm_kafka_consumer_t *c)
{
    int64_t total = 0;
    for (size_t i = 0; i < c->nparts; i++) {
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(c->rk, c->topic, c->parts[i].partition, &lo, &hi) ||
            hi < 0)
            return -1;
        int64_t from = c->parts[i].next >= 0 ? c->parts[i].next : lo;
        if (from < lo)
            from = lo;
        if (hi > from)
            total += hi - from;
    }
    return total;
}

sm_err_t sm_kafka_consumer_lag(sm_kafka_consumer_t *c, int64_t *lag, sm_error_t *e)
{
    int64_t total = 0;
    for (size_t i = 0; i < c->nparts; i++) {
        int64_t lo, hi;
        sm_err_t rc = sm_kafka_consumer_watermarks(c, c->parts[i].partition, &lo, &hi, e);
        if (rc)
            return rc;
        int64_t from = c->parts[i].next >= 0 ? c->parts[i].next : lo;
        if (from < lo)
            from = lo;
        if (hi > from)
            total += hi - from;
    }
    *lag = total;
    return SM_OK;
}
