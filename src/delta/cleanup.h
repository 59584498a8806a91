/*
 * delta/cleanup — what a writer does after a commit so that a table
 * committed to forever stays cheap to read: checkpoints every
 * delta.checkpointInterval commits and expired-log clean-up
 * (PROTOCOL.md "Checkpoints", "Log Compaction"/"Metadata Cleanup";
 * Spark's delta.enableExpiredLogCleanup).
 *
 * Expired-log clean-up: C is the newest complete classic checkpoint whose
 * version was committed before the log horizon (now − the table's
 * delta.logRetentionDuration, else 30 days) and that reads back without
 * error.  Commits, checksums, compacted logs and checkpoints of versions
 * below C are deleted, oldest first; every version from C on stays
 * readable (checkpoint C and every commit after it are kept), and every
 * version below C was committed before the horizon.  Time travel to a
 * deleted version fails with SM_ERR_NOT_FOUND from the snapshot loader.
 * The log is read in version order only up to the first commit committed
 * at or after the horizon (commit times are taken to grow with versions,
 * as Delta assumes; where they do not, less is deleted, never more), so a
 * clean-up that has caught up lists a few files, not the whole log.
 * `_last_checkpoint` is never touched.  Data files are never deleted here
 * (that is vacuum's job).
 *
 * Table properties honoured: delta.checkpointInterval (a positive integer,
 * else 10), delta.logRetentionDuration (an interval, else 30 days),
 * delta.enableExpiredLogCleanup ("false" turns the clean-up after
 * checkpoints off; vacuum's clean_log still runs it).
 *
 * Ownership: the deleted-file list belongs to the caller
 * (sm_delta_log_cleanup_free).  Threads: any; the store may be shared.
 * Two writers cleaning the same log at once is harmless: they delete the
 * same expired files, and a delete of a file already gone is not an error
 * for the local store nor for S3.
 */
#ifndef SM_DELTA_CLEANUP_H
#define SM_DELTA_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "delta/checkpoint.h"
#include "delta/snapshot.h"
#include "store/store.h"

typedef struct sm_delta_log_cleanup {
    int64_t start; /* C, the checkpoint the log now starts at; -1 when none qualifies */
    char **files;  /* log files deleted (or, dry run, to delete), relative to the table */
    size_t nfiles;
} sm_delta_log_cleanup_t;

/* Deletes (dry_run: lists) the log files that precede the newest
 * checkpoint committed before `horizon_ms` (above).  On success *res holds
 * what went; on failure what was deleted before the failure is in *res
 * (always free it).  Errors: store errors (a failed delete stops). */
sm_err_t sm_delta_log_cleanup(sm_store_t *st, const char *table, int64_t horizon_ms, bool dry_run,
                              sm_delta_log_cleanup_t *res, sm_error_t *e);
void sm_delta_log_cleanup_free(sm_delta_log_cleanup_t *res);

/* The table's delta.checkpointInterval, else SM_DELTA_CHECKPOINT_INTERVAL
 * (also for a NULL snapshot or a value that is not a positive integer). */
int64_t sm_delta_checkpoint_interval(const sm_delta_snapshot_t *snap);

/* The table's delta.logRetentionDuration in ms, else 30 days. */
int64_t sm_delta_log_retention_ms(const sm_delta_snapshot_t *snap);

typedef struct sm_delta_after_commit {
    bool checkpointed;  /* a checkpoint of the version was written */
    int64_t log_start;  /* the log's first version after clean-up; -1 none ran */
    size_t log_deleted; /* log files deleted */
    char error[256];    /* why the checkpoint or the clean-up failed ("" if none) */
} sm_delta_after_commit_t;

/* Called by writers after committing `version` on top of `read` (the
 * snapshot the commit read, NULL when it created the table; its
 * delta.checkpointInterval decides).  When version is a positive multiple
 * of the interval: loads the version, writes its checkpoint, then, unless
 * the table sets delta.enableExpiredLogCleanup to false, cleans up the
 * expired log (now_ms 0 = the clock).  Never fails: the commit is durable
 * already, so a failure only costs readers time and is reported in
 * res->error. */
void sm_delta_after_commit(sm_store_t *st, const char *table, const sm_delta_snapshot_t *read,
                           int64_t version, int64_t now_ms, sm_delta_after_commit_t *res);

#endif
