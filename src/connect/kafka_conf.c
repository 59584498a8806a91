/*
 * connect/kafka_conf — librdkafka configuration and error mapping shared by
 * the producer, the consumer and the topic helpers (see kafka_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "connect/kafka_int.h"
#include "core/mem.h"

const char *const sm_kafka_countries[SM_KAFKA_NCOUNTRIES] = {"FRANCE", "GERMANY", "USA", "UK"};

const char *sm_kafka_conf_bootstrap(const sm_kafka_conf_t *conf, sm_error_t *e)
{
    if (conf->bootstrap && conf->bootstrap[0])
        return conf->bootstrap;
    if (conf->mock)
        return sm_kafka_mock_bootstrap(conf->mock);
    sm_error_set(e, SM_ERR_INVALID,
                 "no Kafka bootstrap servers configured (set SMELT_KAFKA_BOOTSTRAP or "
                 "--bootstrap HOST:PORT)");
    return NULL;
}

int sm_kafka_conf_timeout(const sm_kafka_conf_t *conf)
{
    return conf->timeout_ms > 0 ? conf->timeout_ms : SM_KAFKA_DEFAULT_TIMEOUT_MS;
}

/* librdkafka's log lines (syslog levels) into the smelt logger. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    sm_kafka_opaque_t *op = rd_kafka_opaque(rk);
    if (!op || !op->log)
        return;
    sm_log_level_t l = level <= LOG_ERR       ? SM_LOG_ERROR
                       : level <= LOG_WARNING ? SM_LOG_WARN
                       : level <= LOG_INFO    ? SM_LOG_INFO
                                              : SM_LOG_DEBUG;
    sm_log(op->log, l, "kafka", "%s: %s", fac, buf);
}

static sm_err_t set_prop(rd_kafka_conf_t *c, const char *k, const char *v, sm_error_t *e)
{
    char err[512];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        return sm_error_set(e, SM_ERR_INVALID, "Kafka setting %s: %s", k, err);
    return SM_OK;
}

static sm_err_t set_pairs(rd_kafka_conf_t *c, const char *const *kv, sm_error_t *e)
{
    for (size_t i = 0; kv && kv[i]; i += 2) {
        if (!kv[i + 1])
            return sm_error_set(e, SM_ERR_INVALID, "Kafka setting %s has no value", kv[i]);
        sm_err_t rc = set_prop(c, kv[i], kv[i + 1], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

sm_err_t sm_kafka_rdconf_new(const sm_kafka_conf_t *conf, sm_kafka_opaque_t *opaque,
                             const char *const *base, rd_kafka_conf_t **out, sm_error_t *e)
{
    *out = NULL;
    const char *bs = sm_kafka_conf_bootstrap(conf, e);
    if (!bs)
        return SM_ERR_INVALID;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!c)
        return sm_error_nomem(e, "Kafka configuration");
    sm_err_t rc = set_prop(c, "bootstrap.servers", bs, e);
    if (!rc)
        rc = set_prop(c, "client.id", conf->client_id ? conf->client_id : "smelt", e);
    if (!rc)
        rc = set_prop(c, "log.connection.close", "false", e);
    if (!rc)
        rc = set_pairs(c, base, e);
    if (!rc)
        rc = set_pairs(c, conf->props, e);
    if (rc) {
        rd_kafka_conf_destroy(c);
        return rc;
    }
    if (opaque) {
        opaque->log = conf->log;
        rd_kafka_conf_set_opaque(c, opaque);
    }
    rd_kafka_conf_set_log_cb(c, log_cb);
    *out = c;
    return SM_OK;
}

sm_err_t sm_kafka_handle_new(rd_kafka_type_t type, rd_kafka_conf_t *rdconf, rd_kafka_t **out,
                             sm_error_t *e)
{
    char err[512];
    *out = rd_kafka_new(type, rdconf, err, sizeof err);
    if (!*out) {
        rd_kafka_conf_destroy(rdconf);
        return sm_error_set(e, SM_ERR_INVALID, "Kafka client: %s", err);
    }
    return SM_OK;
}

sm_err_t sm_kafka_error(sm_error_t *e, rd_kafka_resp_err_t err, const char *fmt, ...)
{
    sm_err_t code;
    bool retriable = false;
    switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        code = SM_ERR_TIMEOUT;
        retriable = true;
        break;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        code = SM_ERR_NOT_FOUND;
        break;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
        code = SM_ERR_EXISTS;
        break;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
        code = SM_ERR_INVALID;
        break;
    case RD_KAFKA_RESP_ERR__NOENT:
        code = SM_ERR_NOT_FOUND;
        break;
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
        code = SM_ERR_UNSUPPORTED;
        break;
    default:
        code = SM_ERR_NETWORK;
        retriable = true;
    }
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    sm_error_set(e, code, "%s: %s", what, rd_kafka_err2str(err));
    if (e)
        e->retriable = retriable;
    return code;
}
