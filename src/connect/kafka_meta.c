/*
 * connect/kafka_meta — a Kafka cluster's topics, partitions and their
 * low/high watermark offsets, for the stream monitor (see kafka.h).
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "connect/kafka_int.h"
#include "core/mem.h"

void sm_kafka_meta_free(sm_kafka_meta_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ntopics; i++) {
        sm_free(m->topics[i].name);
        sm_free(m->topics[i].parts);
    }
    sm_free(m->topics);
    memset(m, 0, sizeof *m);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sm_kafka_topic_meta_t *)a)->name,
                  ((const sm_kafka_topic_meta_t *)b)->name);
}

static int by_partition(const void *a, const void *b)
{
    int32_t x = ((const sm_kafka_partition_meta_t *)a)->partition,
            y = ((const sm_kafka_partition_meta_t *)b)->partition;
    return (x > y) - (x < y);
}

/* Copies one topic of the metadata answer, with its watermarks. */
static sm_err_t add_topic(rd_kafka_t *rk, const struct rd_kafka_metadata_topic *t, int timeout_ms,
                          size_t *budget, sm_kafka_meta_t *m, sm_error_t *e)
{
    sm_kafka_topic_meta_t *tm = &m->topics[m->ntopics];
    size_t np = t->partition_cnt > 0 ? (size_t)t->partition_cnt : 0;
    if (np > *budget) {
        np = *budget;
        m->truncated = true;
    }
    *budget -= np;
    memset(tm, 0, sizeof *tm);
    tm->name = sm_strdup(t->topic);
    tm->parts = sm_calloc(np + 1, sizeof *tm->parts);
    if (!tm->name || !tm->parts) {
        sm_free(tm->name);
        sm_free(tm->parts);
        return sm_error_nomem(e, "Kafka metadata");
    }
    m->ntopics++;
    for (size_t i = 0; i < np; i++) {
        const struct rd_kafka_metadata_partition *p = &t->partitions[i];
        sm_kafka_partition_meta_t *pm = &tm->parts[tm->nparts++];
        pm->partition = p->id;
        pm->leader = p->leader;
        int64_t lo = -1, hi = -1;
        if (rd_kafka_query_watermark_offsets(rk, t->topic, p->id, &lo, &hi, timeout_ms) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
            lo = hi = -1;
        pm->low = lo;
        pm->high = hi;
    }
    qsort(tm->parts, tm->nparts, sizeof *tm->parts, by_partition);
    return SM_OK;
}

sm_err_t sm_kafka_meta_read(const sm_kafka_conf_t *conf, const char *topic, sm_kafka_meta_t *out,
                            sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    sm_kafka_opaque_t op = {.log = conf->log};
    rd_kafka_conf_t *rc = NULL;
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_t *rkt = NULL;
    const struct rd_kafka_metadata *md = NULL;
    int timeout_ms = sm_kafka_conf_timeout(conf);
    sm_err_t err = sm_kafka_rdconf_new(conf, &op, NULL, &rc, e);
    if (!err)
        err = sm_kafka_handle_new(RD_KAFKA_PRODUCER, rc, &rk, e);
    if (err)
        return err;
    if (topic && !(rkt = rd_kafka_topic_new(rk, topic, NULL))) {
        err = sm_kafka_error(e, rd_kafka_last_error(), "Kafka topic \"%s\"", topic);
        goto out;
    }
    rd_kafka_resp_err_t re = rd_kafka_metadata(rk, topic ? 0 : 1, rkt, &md, timeout_ms);
    if (re) {
        err = sm_kafka_error(e, re, "Kafka metadata request");
        goto out;
    }
    out->nbrokers = md->broker_cnt;
    size_t want = md->topic_cnt > 0 ? (size_t)md->topic_cnt : 0;
    if (want > SM_KAFKA_META_MAX_TOPICS) {
        want = SM_KAFKA_META_MAX_TOPICS;
        out->truncated = true;
    }
    out->topics = sm_calloc(want + 1, sizeof *out->topics);
    if (!out->topics) {
        err = sm_error_nomem(e, "Kafka metadata");
        goto out;
    }
    size_t budget = SM_KAFKA_META_MAX_PARTITIONS;
    for (size_t i = 0; i < want && !err; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (topic && strcmp(t->topic, topic) != 0)
            continue;
        if (!topic && strncmp(t->topic, "__", 2) == 0)
            continue; /* __consumer_offsets and friends */
        if (t->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
            t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t->partition_cnt <= 0)
            continue;
        err = add_topic(rk, t, timeout_ms, &budget, out, e);
    }
    if (!err && topic && out->ntopics == 0)
        err = sm_error_set(e, SM_ERR_NOT_FOUND, "Kafka topic \"%s\" does not exist", topic);
    if (!err)
        qsort(out->topics, out->ntopics, sizeof *out->topics, by_name);
out:
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk)
        rd_kafka_destroy(rk);
    if (err)
        sm_kafka_meta_free(out);
    return err;
}
