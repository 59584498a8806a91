/*
 * delta/action — the actions of the Delta Lake transaction log, parsed from
 * and written to their JSON form (one action per line of a commit file).
 *
 * Protocol: Delta reader version 1 / writer version 2 (PROTOCOL.md
 * "Actions").  Unknown action kinds and unknown fields are ignored, as the
 * protocol requires; missing required fields are errors that name the
 * file, the line and the field.
 *
 * Memory: every string and array of a parsed action lives in the arena the
 * caller passes in and is freed with it.  Parsing never keeps pointers into
 * the input bytes.  Paths in add/remove are percent-decoded once (the log
 * stores RFC 2396 URIs); the writer percent-encodes them again.
 * Threads: the functions are pure; one arena per thread.
 */
#ifndef SM_DELTA_ACTION_H
#define SM_DELTA_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

typedef enum sm_delta_kind {
    SM_DELTA_ADD,
    SM_DELTA_REMOVE,
    SM_DELTA_METADATA,
    SM_DELTA_PROTOCOL,
    SM_DELTA_TXN,
    SM_DELTA_COMMIT_INFO,
    SM_DELTA_OTHER, /* cdc, domainMetadata, checkpointMetadata, sidecar, unknown */
} sm_delta_kind_t;

/* A string → string-or-null map entry (partitionValues, configuration). */
typedef struct sm_delta_kv {
    const char *key;
    const char *value; /* NULL for JSON null */
} sm_delta_kv_t;

typedef struct sm_delta_add {
    const char *path; /* percent-decoded, relative to the table root or absolute */
    sm_delta_kv_t *partition_values;
    size_t n_partition_values;
    int64_t size;
    int64_t modification_time; /* ms since the epoch */
    bool data_change;
    const char *stats;    /* the stats JSON string as stored, or NULL */
    bool deletion_vector; /* the add carries a deletion vector (unsupported) */
} sm_delta_add_t;

typedef struct sm_delta_remove {
    const char *path;           /* percent-decoded */
    int64_t deletion_timestamp; /* ms; 0 when absent */
    bool data_change;
    bool extended_file_metadata;
    sm_delta_kv_t *partition_values;
    size_t n_partition_values;
    int64_t size; /* -1 when absent */
    bool deletion_vector;
} sm_delta_remove_t;

typedef struct sm_delta_metadata {
    const char *id;
    const char *name;          /* NULL when absent */
    const char *description;   /* NULL when absent */
    const char *provider;      /* format.provider, "parquet" */
    const char *schema_string; /* NULL when absent (the snapshot refuses such a table) */
    const char **partition_columns;
    size_t n_partition_columns;
    sm_delta_kv_t *configuration;
    size_t n_configuration;
    int64_t created_time; /* ms; -1 when absent */
} sm_delta_metadata_t;

typedef struct sm_delta_protocol {
    int32_t min_reader_version;
    int32_t min_writer_version;
    const char **reader_features; /* only at reader version 3 */
    size_t n_reader_features;
    const char **writer_features; /* only at writer version 7 */
    size_t n_writer_features;
} sm_delta_protocol_t;

typedef struct sm_delta_txn {
    const char *app_id;
    int64_t version;
    int64_t last_updated; /* ms; -1 when absent */
} sm_delta_txn_t;

typedef struct sm_delta_commit_info {
    int64_t timestamp;     /* ms; -1 when absent */
    const char *operation; /* NULL when absent */
    const char *json;      /* the whole commitInfo object, re-serialised */
} sm_delta_commit_info_t;

typedef struct sm_delta_action {
    sm_delta_kind_t kind;
    union {
        sm_delta_add_t add;
        sm_delta_remove_t remove;
        sm_delta_metadata_t metadata;
        sm_delta_protocol_t protocol;
        sm_delta_txn_t txn;
        sm_delta_commit_info_t commit_info;
    } u;
    const char *other_name; /* SM_DELTA_OTHER: the action's key ("cdc", ...) */
} sm_delta_action_t;

/* Hard limits on log input (a hand-edited or corrupt log cannot exhaust
 * memory). */
#define SM_DELTA_MAX_COMMIT_BYTES (256u * 1024 * 1024)
#define SM_DELTA_MAX_LINE_BYTES (64u * 1024 * 1024)

/* Parses a whole commit file (newline-delimited JSON).  `name` is used in
 * error messages only ("_delta_log/00000000000000000003.json").  On success
 * *out is an arena array of *n actions in file order.  On failure nothing
 * is returned and e says "<name>:<line>: <problem>". */
sm_err_t sm_delta_parse_commit(const char *name, const uint8_t *data, size_t len, sm_arena_t *arena,
                               sm_delta_action_t **out, size_t *n, sm_error_t *e);

/* Parses one action line (no newline).  line_no is for messages. */
sm_err_t sm_delta_parse_action(const char *name, size_t line_no, const char *line, size_t len,
                               sm_arena_t *arena, sm_delta_action_t *out, sm_error_t *e);

/* Appends the action as one JSON line (with the trailing newline) to out.
 * Writes every field the protocol and the engines we interoperate with
 * require (INTEROP.md 1.2); SM_DELTA_OTHER cannot be written. */
sm_err_t sm_delta_action_write(const sm_delta_action_t *a, sm_buf_t *out, sm_error_t *e);

/* Percent-decoding and encoding of add/remove paths.  decode fails on a
 * malformed escape; encode escapes everything but unreserved characters
 * and '/'.  Results are arena strings. */
sm_err_t sm_delta_path_decode(const char *s, sm_arena_t *arena, const char **out, sm_error_t *e);
sm_err_t sm_delta_path_encode(const char *s, sm_buf_t *out, sm_error_t *e);

/* Looks up a key in a kv array; returns true when present (value may be
 * NULL for a JSON null). */
bool sm_delta_kv_find(const sm_delta_kv_t *kv, size_t n, const char *key, const char **value);

/* The canonical commit file name for a version: 20 zero-padded digits +
 * ".json" (out must hold 26 bytes). */
void sm_delta_commit_name(int64_t version, char out[26]);

#endif
