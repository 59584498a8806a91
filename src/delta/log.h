/*
 * delta/log — what a table's `_delta_log/` folder holds: commit versions,
 * checkpoints and `_last_checkpoint`, read through an object store.
 *
 * File names (PROTOCOL.md "Delta Log Entries", "Checkpoints"):
 *   00000000000000000007.json                      commit 7
 *   00000000000000000010.checkpoint.parquet        classic checkpoint
 *   00000000000000000010.checkpoint.0000000001.0000000002.parquet   part 1 of 2
 *   00000000000000000010.checkpoint.<uuid>.json|parquet   v2 checkpoint
 *   _last_checkpoint                                pointer (JSON)
 * Everything else (.crc files, compacted logs, _staged_commits/,
 * _sidecars/, temporary files) is ignored.
 *
 * Ownership: an sm_delta_log_t owns its arrays (sm_delta_log_free).
 * Threads: pure over the store (which may be shared).
 */
#ifndef SM_DELTA_LOG_H
#define SM_DELTA_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef struct sm_delta_commit_file {
    int64_t version;
    int64_t mtime_ms;
    uint64_t size;
} sm_delta_commit_file_t;

typedef struct sm_delta_checkpoint_file {
    int64_t version;
    int parts;        /* 1 for a classic checkpoint, n for multi-part */
    bool complete;    /* every part 1..parts is present */
    bool v2;          /* a UUID-named v2 checkpoint */
    int64_t mtime_ms; /* modification time of the newest part seen */
} sm_delta_checkpoint_file_t;

typedef struct sm_delta_log {
    sm_delta_commit_file_t *commits; /* sorted by version */
    size_t ncommits;
    sm_delta_checkpoint_file_t *checkpoints; /* sorted by version */
    size_t ncheckpoints;
    int64_t last_checkpoint; /* version in _last_checkpoint, -1 when absent or invalid */
    int64_t listed_from;     /* the listing holds versions >= this one (0: the whole log) */
} sm_delta_log_t;

/* Hard limit on the size of `_last_checkpoint` (it is a small JSON object). */
#define SM_DELTA_MAX_LAST_CHECKPOINT_BYTES (1u << 20)

/* Lists `<table>/_delta_log/` (table is a key prefix in the store, "" for
 * the store's root; no trailing '/').  A table with no log at all gives
 * SM_ERR_NOT_FOUND "no Delta table at <location>/<table> (no _delta_log)". */
sm_err_t sm_delta_log_list(sm_store_t *st, const char *table, sm_delta_log_t *log, sm_error_t *e);
/* The same, listing only the files of versions >= from (the commits and
 * checkpoints after a checkpoint: what loading the latest snapshot needs).
 * from 0 is a full listing.  Fails with SM_ERR_NOT_FOUND as above when
 * nothing at all is found from that version on. */
sm_err_t sm_delta_log_list_from(sm_store_t *st, const char *table, int64_t from,
                                sm_delta_log_t *log, sm_error_t *e);
void sm_delta_log_free(sm_delta_log_t *log);

/* Reads and validates `_delta_log/_last_checkpoint`: a JSON object whose
 * "version" is a non-negative integer and whose optional "parts" is a
 * positive integer (*parts = 0 when absent).  Returns the version, or -1
 * when the file is absent, too large, not JSON, or invalid — it is only a
 * hint, and readers then list the whole log. */
int64_t sm_delta_log_last_checkpoint(sm_store_t *st, const char *table, int *parts);

/* The file name of part `part` of `parts` of the classic checkpoint at
 * `version` ("<v>.checkpoint.parquet" when parts is 1); out holds 64 bytes. */
void sm_delta_checkpoint_name(int64_t version, int part, int parts, char out[64]);

/* The key of a log file: "<table>/_delta_log/<name>" into out (cap bytes).
 * SM_ERR_LIMIT when it does not fit. */
sm_err_t sm_delta_log_key(const char *table, const char *name, char *out, size_t cap,
                          sm_error_t *e);

/* Parses a checkpoint file name: classic "<v>.checkpoint.parquet" (part =
 * parts = 1), multi-part "<v>.checkpoint.<part>.<parts>.parquet", or v2
 * "<v>.checkpoint.<uuid>.json|parquet" (*v2 true).  False otherwise. */
bool sm_delta_log_is_checkpoint(const char *name, int64_t *version, int *part, int *parts,
                                bool *v2);

/* Parses a log file name.  Returns true for a commit (sets *version). */
bool sm_delta_log_is_commit(const char *name, int64_t *version);

#endif
