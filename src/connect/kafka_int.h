/*
 * connect/kafka_int — private helpers shared by the kafka_*.c files:
 * building a librdkafka configuration from an sm_kafka_conf_t, mapping
 * librdkafka errors to sm_err_t, and the mock cluster's internals.
 *
 * Every librdkafka handle made here has as opaque a struct whose first
 * member is an sm_kafka_opaque_t, so the log callback (run on librdkafka's
 * threads) finds the sm_log_t.  Not for use outside src/connect/kafka_*.c.
 */
#ifndef SM_CONNECT_KAFKA_INT_H
#define SM_CONNECT_KAFKA_INT_H

#include <librdkafka/rdkafka.h>

#include "connect/kafka.h"

#define SM_KAFKA_DEFAULT_TIMEOUT_MS 10000

typedef struct sm_kafka_opaque {
    sm_log_t *log;
} sm_kafka_opaque_t;

/* The bootstrap list conf names (its own or its mock's), or NULL with an
 * SM_ERR_INVALID error when it names none. */
const char *sm_kafka_conf_bootstrap(const sm_kafka_conf_t *conf, sm_error_t *e);

/* conf->timeout_ms or the default. */
int sm_kafka_conf_timeout(const sm_kafka_conf_t *conf);

/* A new rd_kafka_conf_t with bootstrap, client id, log callback, the
 * opaque, then `base` (name, value pairs ending with NULL; may be NULL),
 * then conf->props.  *out is owned by the caller (rd_kafka_conf_destroy,
 * or given to rd_kafka_new).  SM_ERR_INVALID names a rejected property. */
sm_err_t sm_kafka_rdconf_new(const sm_kafka_conf_t *conf, sm_kafka_opaque_t *opaque,
                             const char *const *base, rd_kafka_conf_t **out, sm_error_t *e);

/* Creates a client handle of `type` from an rd_kafka_conf_t (consumed in
 * every case).  SM_ERR_INVALID / SM_ERR_NOMEM with librdkafka's reason. */
sm_err_t sm_kafka_handle_new(rd_kafka_type_t type, rd_kafka_conf_t *rdconf, rd_kafka_t **out,
                             sm_error_t *e);

/* Sets e from a librdkafka error code, "<what>: <librdkafka's message>",
 * and returns the mapped code. */
sm_err_t sm_kafka_error(sm_error_t *e, rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The handle that owns the mock cluster (for rd_kafka_mock_* calls). */
struct sm_kafka_mock {
    sm_kafka_opaque_t op;
    rd_kafka_t *rk;
    void *cluster; /* rd_kafka_mock_cluster_t * */
};

#endif
