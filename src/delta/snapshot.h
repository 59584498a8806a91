/*
 * delta/snapshot — the state of a Delta table at one version: protocol,
 * metadata, schema, the live data files, application transaction versions
 * and tombstones, reconstructed by replaying the log (PROTOCOL.md "Action
 * Reconciliation").
 *
 * Where replay starts (PROTOCOL.md "Checkpoints"): the latest version is
 * found by reading `_last_checkpoint` (validated) and listing the log from
 * the version it names; when it is missing, invalid, or names a checkpoint
 * that is not there (or does not read), the whole log is listed.  The
 * state is then read from the newest complete classic checkpoint (single
 * or multi-part; incomplete sets are ignored) at or below the target
 * version whose following commits are all present, and the JSON commits
 * after it are replayed; a checkpoint that fails to read makes the load
 * fall back to an older one or to the JSON commits from version 0.
 * UUID-named (v2) checkpoints are used only by failing with "v2
 * checkpoints (v2Checkpoint feature) are not supported" when nothing else
 * reaches the version.  A version whose commits were cleaned up and that
 * no checkpoint covers is SM_ERR_NOT_FOUND saying so.  Inside one commit a
 * remove and an add of the same path (a new deletion vector) leave the
 * add live; inside a checkpoint both count.
 *
 * Reader support: reader version 1, and 3 with the features that do not
 * change how files are read (timestampNtz, vacuumProtocolCheck,
 * checkpointProtection, domainMetadata, v2Checkpoint with JSON commits...).
 * Deletion vectors are refused when a live file carries one, column
 * mapping when its mode is not "none", and type widening, variant and
 * unknown features always, with SM_ERR_UNSUPPORTED naming the feature.
 *
 * Ownership: sm_delta_snapshot_load returns a snapshot the caller frees
 * with sm_delta_snapshot_free; all of its strings and arrays live in its
 * arena.  The schema is an owned type reference.  Threads: read-only after
 * loading; the store may be shared.
 */
#ifndef SM_DELTA_SNAPSHOT_H
#define SM_DELTA_SNAPSHOT_H

#include <stdint.h>

#include "columnar/types.h"
#include "core/arena.h"
#include "core/err.h"
#include "delta/action.h"
#include "store/store.h"

/* Which version to load. */
typedef enum sm_delta_at_kind {
    SM_DELTA_AT_LATEST = 0,
    SM_DELTA_AT_VERSION,   /* `VERSION AS OF n` */
    SM_DELTA_AT_TIMESTAMP, /* `TIMESTAMP AS OF t`: the last version committed at or before t */
} sm_delta_at_kind_t;

typedef struct sm_delta_at {
    sm_delta_at_kind_t kind;
    int64_t version;      /* SM_DELTA_AT_VERSION */
    int64_t timestamp_ms; /* SM_DELTA_AT_TIMESTAMP */
} sm_delta_at_t;

typedef struct sm_delta_file {
    const char *path; /* percent-decoded, relative to the table (or absolute URI) */
    sm_delta_kv_t *partition_values;
    size_t n_partition_values;
    int64_t size;
    int64_t modification_time;
    const char *stats; /* JSON string or NULL */
} sm_delta_file_t;

typedef struct sm_delta_snapshot {
    char *table; /* key prefix of the table in the store */
    int64_t version;
    int64_t timestamp_ms; /* commit time of `version` */
    sm_delta_protocol_t protocol;
    sm_delta_metadata_t metadata;
    sm_type_t *schema;      /* STRUCT of every column, partition columns included */
    sm_delta_file_t *files; /* live files, sorted by path */
    size_t nfiles;
    sm_delta_txn_t *txns; /* latest version per appId */
    size_t ntxns;
    sm_delta_remove_t *tombstones;
    size_t ntombstones;
    int64_t total_bytes;
    sm_arena_t arena;
} sm_delta_snapshot_t;

/* Loads the table `table` (a key prefix in st; "" for the store root) at
 * `at` (NULL = latest).  Errors: SM_ERR_NOT_FOUND (no table, or the
 * version does not exist — "version 7 does not exist: the log has
 * versions 0 to 5" — or was cleaned up), SM_ERR_CORRUPT (a bad log file,
 * naming it and the line or row; a commit missing from the middle of the
 * log), SM_ERR_UNSUPPORTED (a protocol feature).  *out is NULL on
 * failure. */
sm_err_t sm_delta_snapshot_load(sm_store_t *st, const char *table, const sm_delta_at_t *at,
                                sm_delta_snapshot_t **out, sm_error_t *e);

void sm_delta_snapshot_free(sm_delta_snapshot_t *snap);

/* The last committed version of an application's transaction, or -1. */
int64_t sm_delta_snapshot_txn_version(const sm_delta_snapshot_t *snap, const char *app_id);

/* A configuration value of the table's metadata, or NULL. */
const char *sm_delta_snapshot_config(const sm_delta_snapshot_t *snap, const char *key);

#endif
