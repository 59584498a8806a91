/*
 * delta/commit — atomic commits to a Delta table with optimistic
 * concurrency (PROTOCOL.md "Commit protocol"; INTEROP.md 1.3).
 *
 * A writer reads a snapshot at version v, writes its data files, then
 * creates `_delta_log/<v+1>.json` with put-if-absent.  When another writer
 * got there first, the winning commits are read and checked against ours:
 *   - a metaData or protocol change            → conflict (metadata changed)
 *   - a txn with one of our appIds             → conflict (concurrent transaction)
 *   - a remove of a file we also remove        → conflict (concurrent delete)
 *   - if we read the table (overwrite, delete, merge): any data change
 *                                               → conflict (concurrent append/delete)
 * otherwise (e.g. append after append, optimize beside appends) we retry at
 * the next version.  A conflict is SM_ERR_CONFLICT with a message naming
 * the version and the reason; nothing of ours is in the log then (the
 * caller deletes its orphaned data files or leaves them to vacuum).
 *
 * The commit file always starts with a commitInfo (timestamp, operation,
 * operationParameters, readVersion, isBlindAppend, engineInfo, txnId).
 *
 * Ownership: the caller owns the actions.  Threads: any; the store may be
 * shared.
 */
#ifndef SM_DELTA_COMMIT_H
#define SM_DELTA_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "delta/action.h"
#include "store/store.h"

typedef struct sm_delta_commit_opts {
    const char *operation;         /* "WRITE", "CREATE TABLE", "DELETE", "OPTIMIZE", ... */
    const char *operation_params;  /* a JSON object as text, or NULL for {} */
    const char *operation_metrics; /* a JSON object as text, or NULL: not written */
    bool read_table;               /* the commit depends on the data it read */
    int max_attempts;              /* 0 = 100 */
    int64_t now_ms;                /* 0 = the clock */
} sm_delta_commit_opts_t;

/* Commits `n` actions on top of `read_version` (-1 when creating the table:
 * version 0 must then not exist).  On success *version is the version
 * written.  SM_ERR_CONFLICT as above; SM_ERR_LIMIT after max_attempts lost
 * races; store errors as they come. */
sm_err_t sm_delta_commit(sm_store_t *st, const char *table, int64_t read_version,
                         const sm_delta_action_t *acts, size_t n,
                         const sm_delta_commit_opts_t *opts, int64_t *version, sm_error_t *e);

/* The current time in ms since the epoch (the clock commits use). */
int64_t sm_delta_now_ms(void);

#endif
