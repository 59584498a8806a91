/*
 * stream/progress — read-only view of a stream query's progress from its
 * checkpoint in the lake (_smelt/streams/<query>/offsets/, see stream.h),
 * for monitors (the web UI's stream page): the last batch, the offsets it
 * reads up to per partition (where the next batch starts: the stream's
 * committed position), and when the last two batches were logged.
 *
 * Never writes.  Ownership: sm_stream_progress_free releases *out.
 * Threads: pure over the lake (any thread).
 */
#ifndef SM_STREAM_PROGRESS_H
#define SM_STREAM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lake/lake.h"

typedef struct sm_stream_part_progress {
    int32_t partition;
    int64_t start, end; /* the last batch's range [start, end): end is the
                         * next offset the stream reads */
} sm_stream_part_progress_t;

typedef struct sm_stream_progress {
    bool found;                       /* false: the query has no offsets log yet */
    int64_t batch;                    /* the last batch logged */
    int64_t events;                   /* events in the last batch (sum of its ranges) */
    sm_stream_part_progress_t *parts; /* sorted by partition */
    size_t nparts;
    int64_t last_ms; /* when the last batch was logged (the log file's mtime) */
    int64_t prev_ms; /* the batch before it; -1 when none is kept */
} sm_stream_progress_t;

/* Reads the progress of query `query_id` (a stream model's name).  A
 * query that never ran gives SM_OK with found false.  Fails on a store
 * error or a corrupt log entry (SM_ERR_CORRUPT naming the file). */
sm_err_t sm_stream_progress_read(sm_lake_t *lake, const char *query_id, sm_stream_progress_t *out,
                                 sm_error_t *e);
void sm_stream_progress_free(sm_stream_progress_t *p);

#endif
