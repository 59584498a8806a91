/*
 * connect/kafka — the Kafka side of smelt: a producer of synthetic sales
 * events, a consumer source that reads partitions from a chosen position,
 * a fast decoder of JSON events into columnar batches, and an in-process
 * mock cluster (librdkafka's) used when no broker is configured.
 *
 * Flow of the streaming reference pipeline (SEED.md phase 3):
 *
 *   producer:  sm_kafka_produce_events(opts) → topic `ventes-temps-reel`
 *              (created if absent) ← events {"event_id", "timestamp",
 *              "pays", "montant", "type"}
 *   consumer:  sm_kafka_consumer_new(topic, start position) → loop
 *              sm_kafka_consumer_poll(batch of messages) →
 *              sm_kafka_json_decode_batch(schema) → columnar batch + dead
 *              letters; the caller stores sm_kafka_consumer_next_offset()
 *              of each partition with its commit (offsets live in the lake,
 *              never in Kafka: enable.auto.commit is always false).
 *
 * Connection settings (sm_kafka_conf_t): a bootstrap list "host:port,..."
 * or, when it is NULL/empty, the mock cluster named by `mock`.  With
 * neither, every constructor fails with SM_ERR_INVALID ("no Kafka bootstrap
 * servers configured"): the caller (CLI, pipeline) decides whether to start
 * a mock (sm_kafka_mock_start) as the embedded default.
 *
 * Limits: every buffer filled from the network is bounded — a consumer
 * batch holds at most max_messages messages and max_bytes bytes of keys and
 * values; a message larger than SM_KAFKA_MAX_MESSAGE_BYTES is never fetched
 * (fetch limits are set to it); the JSON decoder rejects a value longer
 * than its max_value_bytes (a dead letter, not an error) and nests at most
 * SM_KAFKA_JSON_MAX_DEPTH deep.  Every wait takes a timeout.
 *
 * Ownership: every object made by a _new/_start is owned by the caller and
 * released with its _free.  Messages in an sm_kafka_batch_t are borrowed
 * from librdkafka until the batch is reset, refilled or freed.  Strings in
 * option structs are borrowed for the duration of the call that takes them
 * (constructors copy what they keep).
 *
 * Threads: a producer, a consumer, a decoder and a batch each belong to one
 * thread at a time.  librdkafka runs its own background threads; logs from
 * them go to the sm_log_t in the conf (thread-safe), or nowhere when it is
 * NULL.  A mock cluster may be shared by any number of clients in the
 * process (its brokers listen on 127.0.0.1) and must outlive them.
 */
#ifndef SM_CONNECT_KAFKA_H
#define SM_CONNECT_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/err.h"
#include "core/log.h"

/* The reference topic and event values. */
#define SM_KAFKA_DEFAULT_TOPIC "ventes-temps-reel"
#define SM_KAFKA_EVENT_TYPE "vente_web"
#define SM_KAFKA_NCOUNTRIES 4
/* FRANCE, GERMANY, USA, UK (index = sm_kafka_event_t.pays). */
extern const char *const sm_kafka_countries[SM_KAFKA_NCOUNTRIES];

/* Largest message the consumer fetches and the producer sends. */
#define SM_KAFKA_MAX_MESSAGE_BYTES (1024 * 1024)
/* Nesting limit of the JSON scanner (objects + arrays). */
#define SM_KAFKA_JSON_MAX_DEPTH 64
/* Dead-letter reasons are cut to this many bytes (with the NUL). */
#define SM_KAFKA_REASON_MAX 256

/* ---- connection settings ------------------------------------------------ */

typedef struct sm_kafka_mock sm_kafka_mock_t;

typedef struct sm_kafka_conf {
    const char *bootstrap; /* "host:port[,host:port...]"; NULL/"" = use mock */
    sm_kafka_mock_t *mock; /* used when bootstrap is empty; may be NULL */
    const char *client_id; /* NULL = "smelt" */
    /* Extra librdkafka properties as name, value pairs ending with NULL
     * (e.g. {"security.protocol", "ssl", NULL}); may be NULL.  Applied last,
     * except that the consumer always forces enable.auto.commit=false. */
    const char *const *props;
    sm_log_t *log;  /* librdkafka's log lines go here; NULL = dropped */
    int timeout_ms; /* bound for metadata/admin/offset requests; 0 = 10000 */
} sm_kafka_conf_t;

/* ---- mock cluster ------------------------------------------------------- */

/* Starts librdkafka's in-process mock cluster with nbrokers (1..8) brokers
 * listening on 127.0.0.1 ephemeral ports.  *out is owned by the caller
 * (sm_kafka_mock_free), NULL on failure (SM_ERR_NOMEM, SM_ERR_NETWORK). */
sm_err_t sm_kafka_mock_start(int nbrokers, sm_kafka_mock_t **out, sm_error_t *e);
/* Its bootstrap list ("127.0.0.1:port,..."), valid while m lives. */
const char *sm_kafka_mock_bootstrap(const sm_kafka_mock_t *m);
/* Creates a topic (the mock has no CreateTopics admin request).
 * SM_ERR_EXISTS when it already exists, SM_ERR_INVALID for bad counts. */
sm_err_t sm_kafka_mock_create_topic(sm_kafka_mock_t *m, const char *topic, int partitions,
                                    int replication, sm_error_t *e);
/* Stops the brokers.  Every client using it must be freed first.  NULL ok. */
void sm_kafka_mock_free(sm_kafka_mock_t *m);

/* ---- topics --------------------------------------------------------------- */

/* Creates `topic` with the given partitions (>= 1) and replication
 * (>= 1) if it does not exist yet (CreateTopics through the Admin API; on
 * a mock cluster directly).  *created (may be NULL) says whether it was
 * made now.  An existing topic is left as it is, whatever its partition
 * count.  SM_ERR_NETWORK / SM_ERR_TIMEOUT when the cluster does not answer
 * within conf->timeout_ms, SM_ERR_INVALID for a bad name or counts. */
sm_err_t sm_kafka_topic_ensure(const sm_kafka_conf_t *conf, const char *topic, int partitions,
                               int replication, bool *created, sm_error_t *e);

/* Number of partitions of an existing topic (SM_ERR_NOT_FOUND if absent). */
sm_err_t sm_kafka_topic_partitions(const sm_kafka_conf_t *conf, const char *topic, int *partitions,
                                   sm_error_t *e);

/* ---- synthetic sales events ------------------------------------------- */

/* One event of the reference stream.  Its content is a pure function of
 * (seed, event_id), so a test can recompute exactly what was sent. */
typedef struct sm_kafka_event {
    int64_t event_id;
    int64_t ts_ms;         /* the "timestamp", ms since the epoch (UTC) */
    int pays;              /* index into sm_kafka_countries */
    int64_t montant_cents; /* 1000..10000 (uniform 10.00 .. 100.00) */
} sm_kafka_event_t;

/* The event `event_id` for `seed` (ts_ms is set by the caller). */
void sm_kafka_event_make(uint64_t seed, int64_t event_id, int64_t ts_ms, sm_kafka_event_t *ev);

/* Its JSON text, e.g. {"event_id": 7, "timestamp": "2024-05-01T10:00:00.123Z",
 * "pays": "USA", "montant": 42.05, "type": "vente_web"}.  Returns the
 * length written to out (NUL-terminated; 160 bytes always suffice). */
#define SM_KAFKA_EVENT_JSON_MAX 160
size_t sm_kafka_event_json(const sm_kafka_event_t *ev, char out[SM_KAFKA_EVENT_JSON_MAX]);

/* ---- producer -------------------------------------------------------------- */

/*
 * What `smelt produce` fills:
 *   --topic T            topic            (default SM_KAFKA_DEFAULT_TOPIC)
 *   --rate N             rate             events/s, 0 = as fast as possible
 *   --count N            count            0 = unbounded (then duration)
 *   --duration S         duration_s       0 = unbounded (then count)
 *   --bootstrap H:P      conf.bootstrap   (else SMELT_KAFKA_BOOTSTRAP, else
 *                                          smelt.yaml, else a mock cluster)
 *   --seed N, --start-id N, --partitions N, --replication N, --no-key
 * With count and duration both 0 the producer stops only when *cancel
 * becomes nonzero (Ctrl-C).
 */
typedef struct sm_kafka_produce_summary sm_kafka_produce_summary_t;

typedef struct sm_kafka_produce_opts {
    sm_kafka_conf_t conf;
    const char *topic; /* NULL = SM_KAFKA_DEFAULT_TOPIC */
    int partitions;    /* for creation; 0 = 1 */
    int replication;   /* for creation; 0 = 1 */
    bool no_create;    /* do not try to create the topic */
    uint64_t count;    /* events to send; 0 = no count limit */
    double duration_s; /* stop after this long; 0 = no time limit */
    double rate;       /* events per second (token bucket); 0 = unlimited */
    int64_t start_id;  /* first event_id (default 0 → 1 when start_id_set is false) */
    bool start_id_set;
    uint64_t seed;        /* content seed */
    bool no_key;          /* false: key = pays; true: no key */
    int64_t ts_base_ms;   /* 0: timestamps are the wall clock at send time;
                             else event i gets ts_base_ms + (i - start_id) */
    int flush_timeout_ms; /* final flush bound; 0 = 30000 */
    volatile int *cancel; /* may be NULL; nonzero stops sending */
    /* Called about every progress_every events sent (0 = never) with the
     * running summary; may be NULL. */
    void (*on_progress)(void *ctx, const sm_kafka_produce_summary_t *s);
    void *progress_ctx;
    uint64_t progress_every;
} sm_kafka_produce_opts_t;

struct sm_kafka_produce_summary {
    uint64_t sent;    /* handed to librdkafka */
    uint64_t acked;   /* delivery reports without error */
    uint64_t failed;  /* delivery reports with an error, or never reported */
    double elapsed_s; /* from the first send to the end of the flush */
    double rate;      /* acked / elapsed_s */
    int64_t first_id; /* event_id of the first event sent */
    int64_t last_id;  /* event_id of the last event sent (first_id - 1 if none) */
    bool topic_created;
    char first_error[SM_KAFKA_REASON_MAX]; /* first delivery error, or "" */
};

/* Produces the reference events (idempotent producer, acks=all) and waits
 * for their delivery reports (bounded by flush_timeout_ms).  Fills *sum
 * (may be NULL) in every case.  Returns SM_OK when every sent event was
 * acked; SM_ERR_NETWORK when some failed or timed out (sum says how many),
 * SM_ERR_CANCELLED never (cancelling just stops early: SM_OK). */
sm_err_t sm_kafka_produce_events(const sm_kafka_produce_opts_t *opts,
                                 sm_kafka_produce_summary_t *sum, sm_error_t *e);

/* A message to produce as it is (tests salt topics with malformed ones). */
typedef struct sm_kafka_raw_msg {
    const void *key; /* may be NULL */
    size_t key_len;
    const void *value; /* may be NULL (a tombstone) */
    size_t value_len;
    int32_t partition; /* -1 = partitioner */
} sm_kafka_raw_msg_t;

/* Produces n raw messages to topic (which is not created: use
 * sm_kafka_topic_ensure first) in order, and waits for all delivery
 * reports (bounded by conf->timeout_ms).  SM_ERR_NETWORK if any failed. */
sm_err_t sm_kafka_produce_raw(const sm_kafka_conf_t *conf, const char *topic,
                              const sm_kafka_raw_msg_t *msgs, size_t n, sm_error_t *e);

/* ---- consumer source ----------------------------------------------------------- */

typedef enum sm_kafka_start_kind {
    SM_KAFKA_START_EARLIEST = 0,
    SM_KAFKA_START_LATEST,
    SM_KAFKA_START_TIMESTAMP, /* first offset with a timestamp >= ts_ms */
    SM_KAFKA_START_OFFSETS,   /* explicit per partition */
} sm_kafka_start_kind_t;

typedef struct sm_kafka_offset {
    int32_t partition;
    int64_t offset; /* the next offset to read */
} sm_kafka_offset_t;

typedef struct sm_kafka_consume_opts {
    sm_kafka_conf_t conf;
    const char *topic;
    /* NULL: assign every partition of the topic directly (the streaming
     * engine's mode: positions come from the lake).  Else join this
     * consumer group (subscribe; partitions as the group assigns them;
     * the start position applies to partitions without a committed offset
     * — only EARLIEST/LATEST are allowed then). */
    const char *group_id;
    sm_kafka_start_kind_t start;
    int64_t start_ts_ms;              /* SM_KAFKA_START_TIMESTAMP */
    const sm_kafka_offset_t *offsets; /* SM_KAFKA_START_OFFSETS; partitions */
    size_t noffsets;                  /* not listed start at the earliest */
    size_t max_messages;              /* per poll; 0 = SM_BATCH_ROWS */
    size_t max_bytes;                 /* keys + values per poll; 0 = 16 MiB */
} sm_kafka_consume_opts_t;

/* One consumed message; key and value are borrowed (see sm_kafka_batch_t). */
typedef struct sm_kafka_msg {
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1 when the broker gave none */
    const uint8_t *key;   /* NULL when the message has no key */
    size_t key_len;
    const uint8_t *value; /* NULL for a tombstone */
    size_t value_len;
} sm_kafka_msg_t;

/* A batch of consumed messages, in the order received (per partition in
 * offset order).  Reuse one batch across polls. */
typedef struct sm_kafka_batch {
    sm_kafka_msg_t *msgs;
    size_t n;
    size_t bytes; /* sum of key_len + value_len */
    size_t cap;
    void **handles; /* rd_kafka_message_t *, released on reset */
} sm_kafka_batch_t;

#define SM_KAFKA_BATCH_INIT                                                                        \
    {                                                                                              \
        0                                                                                          \
    }
/* Releases the messages (their bytes become invalid), keeps the arrays. */
void sm_kafka_batch_reset(sm_kafka_batch_t *b);
/* Releases everything; the batch is empty and reusable afterwards. */
void sm_kafka_batch_free(sm_kafka_batch_t *b);

typedef struct sm_kafka_consumer sm_kafka_consumer_t;

/* Connects, looks up the topic's partitions (SM_ERR_NOT_FOUND when the
 * topic does not exist), resolves the start position (offsetsForTimes for
 * a timestamp; a timestamp after the last message starts at the end) and
 * assigns them, or subscribes with group_id.  *out is NULL on failure. */
sm_err_t sm_kafka_consumer_new(const sm_kafka_consume_opts_t *opts, sm_kafka_consumer_t **out,
                               sm_error_t *e);

/* Resets b and fills it with up to max_messages messages / max_bytes
 * bytes, waiting at most max_wait_ms in total (0 = take only what is
 * already fetched), and less when every partition reports its end.
 * Returns SM_OK with b->n == 0 when nothing came.
 * A message that would overflow max_bytes is kept for the next poll (a
 * single message larger than max_bytes is returned alone).  Errors:
 * SM_ERR_NETWORK for a broker error that librdkafka does not retry by
 * itself (e.g. unknown topic, offset out of range with no reset), with
 * the partition in the message; b then still holds the messages received
 * before the error (valid, in order) and next offsets cover them. */
sm_err_t sm_kafka_consumer_poll(sm_kafka_consumer_t *c, sm_kafka_batch_t *b, int max_wait_ms,
                                sm_error_t *e);

/* The next offset to read in a partition: the offset after the last
 * message returned by poll, or the resolved start offset (-1 when not yet
 * known, e.g. in group mode before the first message). */
int64_t sm_kafka_consumer_next_offset(const sm_kafka_consumer_t *c, int32_t partition);

/* The partitions this consumer reads (assign mode: all of the topic's). */
size_t sm_kafka_consumer_npartitions(const sm_kafka_consumer_t *c);
int32_t sm_kafka_consumer_partition(const sm_kafka_consumer_t *c, size_t i);

/* True when every partition read has been read to its end: each one
 * reported EOF since its last message, the high watermarks of the latest
 * fetch responses agree, and the broker confirms that the next offset is
 * its high watermark (one watermark request per partition, made only when
 * the rest says so, and remembered until the next message arrives).  An
 * available-now trigger stops here.  A broker that does not answer makes
 * it false. */
bool sm_kafka_consumer_at_end(sm_kafka_consumer_t *c);

/* Low and high watermarks of a partition, asked of the broker. */
sm_err_t sm_kafka_consumer_watermarks(sm_kafka_consumer_t *c, int32_t partition, int64_t *low,
                                      int64_t *high, sm_error_t *e);
/* Messages not yet read over all partitions: sum of high watermark minus
 * next offset (next offset unknown counts from the low watermark). */
sm_err_t sm_kafka_consumer_lag(sm_kafka_consumer_t *c, int64_t *lag, sm_error_t *e);
/* The same from the high watermarks of the latest fetch responses, with
 * no request to the broker (cheap enough for every batch); -1 when a
 * partition has had no fetch response yet. */
int64_t sm_kafka_consumer_lag_cached(sm_kafka_consumer_t *c);

/* Leaves the group (if any) and disconnects.  NULL ok. */
/* Moves an assigned (not group) consumer to offs (partitions not listed
 * keep their position); what was fetched for the old positions is
 * dropped.  Cheaper than a new consumer: no new connection. */
sm_err_t sm_kafka_consumer_seek(sm_kafka_consumer_t *c, const sm_kafka_offset_t *offs, size_t n,
                                sm_error_t *e);
void sm_kafka_consumer_free(sm_kafka_consumer_t *c);

/* ---- JSON events → columnar ----------------------------------------------------- */

/* A message that could not be decoded. */
typedef struct sm_kafka_dead_letter {
    int32_t partition;
    int64_t offset;
    uint8_t *raw; /* a copy of the value (owned by the list), NUL-terminated */
    size_t raw_len;
    char reason[SM_KAFKA_REASON_MAX];
} sm_kafka_dead_letter_t;

typedef struct sm_kafka_dead_letters {
    sm_kafka_dead_letter_t *items;
    size_t n, cap;
} sm_kafka_dead_letters_t;

#define SM_KAFKA_DEAD_LETTERS_INIT                                                                 \
    {                                                                                              \
        0                                                                                          \
    }
void sm_kafka_dead_letters_reset(sm_kafka_dead_letters_t *dl);
void sm_kafka_dead_letters_free(sm_kafka_dead_letters_t *dl);

typedef struct sm_kafka_json_decoder sm_kafka_json_decoder_t;

/* A decoder for values that are JSON objects, into rows of `schema` (a
 * STRUCT; a reference is taken).  Field kinds accepted: boolean (JSON
 * true/false), tinyint..bigint (JSON integers in range), float/double
 * (any JSON number), decimal (a JSON number, rounded half-up to the scale;
 * too many digits is a type error), string (a JSON string), date and
 * timestamp/timestamp_ntz (a JSON string in ISO-8601; a zone Z or ±HH:MM
 * converts to UTC microseconds).  Nested kinds, binary and void:
 * SM_ERR_UNSUPPORTED naming the field.  Keys match field names exactly,
 * else ignoring ASCII case; unknown keys are skipped (still validated); a
 * repeated key keeps its last value.  A missing key or a JSON null gives
 * NULL — a dead letter when the field is NOT NULL.
 * max_value_bytes: larger values are dead letters (0 = 1 MiB). */
sm_err_t sm_kafka_json_decoder_new(sm_type_t *schema, size_t max_value_bytes,
                                   sm_kafka_json_decoder_t **out, sm_error_t *e);
void sm_kafka_json_decoder_free(sm_kafka_json_decoder_t *d);

/* Decodes one value: appends one row to every column of `out` (a batch of
 * the decoder's schema; out->nrows is updated) or, when the value is not
 * valid JSON or does not fit the schema, appends nothing to `out` and adds
 * a dead letter to dl (with partition and offset as given), and returns
 * SM_OK.  *dead (may be NULL) says which happened.  Errors: SM_ERR_NOMEM,
 * SM_ERR_LIMIT (a column or the dead-letter list is full); the row is then
 * not appended and out stays consistent. */
sm_err_t sm_kafka_json_decode(sm_kafka_json_decoder_t *d, const uint8_t *value, size_t len,
                              int32_t partition, int64_t offset, sm_batch_t *out,
                              sm_kafka_dead_letters_t *dl, bool *dead, sm_error_t *e);

/* Decodes every message of a consumed batch (a tombstone is a dead
 * letter "message has no value"). */
sm_err_t sm_kafka_json_decode_batch(sm_kafka_json_decoder_t *d, const sm_kafka_batch_t *msgs,
                                    sm_batch_t *out, sm_kafka_dead_letters_t *dl, sm_error_t *e);

/* The reference event schema: struct<event_id:bigint, timestamp:timestamp,
 * pays:string, montant:double, type:string> (timestamp as string when
 * ts_as_string).  A new reference, NULL when out of memory. */
sm_type_t *sm_kafka_event_schema(bool ts_as_string);

/* Validates one JSON text (any value at the top, RFC 8259 strictly, with
 * the depth limit).  SM_OK, or SM_ERR_PARSE with "invalid JSON at byte N:
 * why" in e. */
sm_err_t sm_kafka_json_validate(const uint8_t *p, size_t len, sm_error_t *e);

/* ---- cluster metadata (kafka_meta.c) ------------------------------------ */

/* Most topics and partitions (in all) one metadata answer may describe. */
#define SM_KAFKA_META_MAX_TOPICS 1024
#define SM_KAFKA_META_MAX_PARTITIONS 8192

typedef struct sm_kafka_partition_meta {
    int32_t partition;
    int32_t leader;    /* broker id, -1 when none */
    int64_t low, high; /* watermarks: first offset kept, next offset to be written;
                        * -1 when the query for them failed */
} sm_kafka_partition_meta_t;

typedef struct sm_kafka_topic_meta {
    char *name;
    sm_kafka_partition_meta_t *parts; /* sorted by partition */
    size_t nparts;
} sm_kafka_topic_meta_t;

typedef struct sm_kafka_meta {
    sm_kafka_topic_meta_t *topics; /* sorted by name; internal topics ("__...") left out */
    size_t ntopics;
    int nbrokers;
    bool truncated; /* more topics or partitions than the limits above */
} sm_kafka_meta_t;

/* Reads the cluster's topics (or only `topic` when not NULL; an absent one
 * gives SM_ERR_NOT_FOUND) with each partition's leader and low/high
 * watermark offsets.  Every request is bounded by conf->timeout_ms.
 * SM_ERR_INVALID when conf names no cluster, SM_ERR_NETWORK /
 * SM_ERR_TIMEOUT when it does not answer.  *out is owned by the caller
 * (sm_kafka_meta_free), empty on failure. */
sm_err_t sm_kafka_meta_read(const sm_kafka_conf_t *conf, const char *topic, sm_kafka_meta_t *out,
                            sm_error_t *e);
/* Releases what m holds and zeroes it.  NULL ok. */
void sm_kafka_meta_free(sm_kafka_meta_t *m);

#endif
