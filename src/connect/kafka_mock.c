/*
 * connect/kafka_mock — librdkafka's in-process mock cluster, the embedded
 * default when no Kafka bootstrap servers are configured (see kafka.h).
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>

#include "connect/kafka_int.h"
#include "core/mem.h"

sm_err_t sm_kafka_mock_start(int nbrokers, sm_kafka_mock_t **out, sm_error_t *e)
{
    *out = NULL;
    if (nbrokers < 1 || nbrokers > 8)
        return sm_error_set(e, SM_ERR_INVALID, "Kafka mock cluster: %d brokers (1..8 allowed)",
                            nbrokers);
    sm_kafka_mock_t *m = sm_calloc(1, sizeof *m);
    if (!m)
        return sm_error_nomem(e, "Kafka mock cluster");
    /* The owning handle never connects: give it a dummy bootstrap so that
     * librdkafka does not warn about a missing one. */
    sm_kafka_conf_t conf = {.bootstrap = "127.0.0.1:1", .client_id = "smelt-mock"};
    rd_kafka_conf_t *rc = NULL;
    sm_err_t err = sm_kafka_rdconf_new(&conf, &m->op, NULL, &rc, e);
    if (!err)
        err = sm_kafka_handle_new(RD_KAFKA_PRODUCER, rc, &m->rk, e);
    if (err) {
        sm_free(m);
        return err;
    }
    m->cluster = rd_kafka_mock_cluster_new(m->rk, nbrokers);
    if (!m->cluster) {
        rd_kafka_destroy(m->rk);
        sm_free(m);
        return sm_error_set(e, SM_ERR_NETWORK,
                            "Kafka mock cluster: could not start %d brokers on 127.0.0.1",
                            nbrokers);
    }
    *out = m;
    return SM_OK;
}

const char *sm_kafka_mock_bootstrap(const sm_kafka_mock_t *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->cluster);
}

sm_err_t sm_kafka_mock_create_topic(sm_kafka_mock_t *m, const char *topic, int partitions,
                                    int replication, sm_error_t *e)
{
    if (!topic || !topic[0] || partitions < 1 || replication < 1)
        return sm_error_set(e, SM_ERR_INVALID,
                            "Kafka mock cluster: topic \"%s\" with %d partitions, replication %d",
                            topic ? topic : "", partitions, replication);
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(m->cluster, topic, partitions, replication);
    if (err)
        return sm_kafka_error(e, err, "Kafka mock cluster: creating topic \"%s\"", topic);
    return SM_OK;
}

void sm_kafka_mock_free(sm_kafka_mock_t *m)
{
    if (!m)
        return;
    rd_kafka_mock_cluster_destroy(m->cluster);
    rd_kafka_destroy(m->rk);
    sm_free(m);
}
