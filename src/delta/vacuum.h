/*
 * delta/vacuum — deleting what no retained version of a table needs
 * (Spark's VACUUM, plus the log clean-up Spark does after checkpoints).
 *
 * Data files: the horizon is now − retention.  A file under the table is
 * deleted when it is not referenced by the latest snapshot (live files) nor
 * by a tombstone newer than the horizon (files of versions still within
 * retention), AND it was last modified before the horizon (a newer file
 * that the log does not know may belong to a writer still in flight).
 * Never deleted: anything under `_delta_log/`, and hidden folders or files
 * (a name starting with '_' or '.', unless it holds '=' as a partition
 * folder may).  Retention defaults to the table's
 * delta.deletedFileRetentionDuration, else 7 days; a shorter one is refused
 * unless forced (Spark's retentionDurationCheck), since a reader of an old
 * version, or a writer in flight, may still need the files.
 *
 * Log clean-up (clean_log): the expired-log clean-up of delta/cleanup.h
 * with the table's delta.logRetentionDuration (else 30 days) or
 * log_retain_hours; every version from the checkpoint the log then starts
 * at stays readable.
 *
 * A dry run deletes nothing and reports what would go.  Files named by an
 * absolute URI in the log make vacuum refuse (SM_ERR_UNSUPPORTED): it could
 * not tell whether a file under the table is one of them.
 *
 * Ownership: the result's arrays belong to the caller
 * (sm_delta_vacuum_result_free).  Threads: any; the store may be shared.
 */
#ifndef SM_DELTA_VACUUM_H
#define SM_DELTA_VACUUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define SM_DELTA_DEFAULT_RETAIN_HOURS 168.0     /* 7 days */
#define SM_DELTA_DEFAULT_LOG_RETAIN_HOURS 720.0 /* 30 days */

typedef struct sm_delta_vacuum_opts {
    double retain_hours;     /* < 0: the table's setting, else 168 */
    bool force;              /* allow a retention below that */
    bool dry_run;            /* list, delete nothing */
    bool clean_log;          /* also delete expired log files */
    double log_retain_hours; /* < 0: the table's delta.logRetentionDuration, else 720 */
    int64_t now_ms;          /* 0 = the clock */
} sm_delta_vacuum_opts_t;

typedef struct sm_delta_vacuum_result {
    int64_t version;     /* the snapshot vacuumed */
    double retain_hours; /* the retention applied */
    char **files; /* data files deleted (or, dry run, to delete): keys relative to the table */
    size_t nfiles;
    uint64_t bytes;
    char **log_files; /* log files deleted (or to delete), relative to the table */
    size_t nlog_files;
    int64_t log_checkpoint; /* C, the checkpoint the log now starts at; -1 when none */
} sm_delta_vacuum_result_t;

/* Vacuums the table at `table` in st.  Errors: SM_ERR_INVALID for a
 * retention below the safety threshold without force ("retention of 1
 * hours is below the table's 168 hours..."), snapshot errors, store errors
 * (a failed delete stops the run; what was deleted is in *res). */
sm_err_t sm_delta_vacuum(sm_store_t *st, const char *table, const sm_delta_vacuum_opts_t *opts,
                         sm_delta_vacuum_result_t *res, sm_error_t *e);
void sm_delta_vacuum_result_free(sm_delta_vacuum_result_t *res);

/* Parses a Delta interval setting ("interval 7 days", "168 hours",
 * "interval 1 week"; units week, day, hour, minute, second, millisecond,
 * singular or plural) into milliseconds.  Returns false when malformed. */
bool sm_delta_parse_interval(const char *s, int64_t *ms);

#endif
