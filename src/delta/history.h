/*
 * delta/history — the commits of a table, newest first, from their
 * commitInfo actions (the `DESCRIBE HISTORY` of Spark).
 * Ownership: the caller frees the entries with sm_delta_history_free.
 */
#ifndef SM_DELTA_HISTORY_H
#define SM_DELTA_HISTORY_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef struct sm_delta_history_entry {
    int64_t version;
    int64_t timestamp_ms; /* commitInfo.timestamp, else the file's mtime */
    char *operation;      /* "WRITE", ... or "" */
    char *parameters;     /* operationParameters as JSON text, or "" */
    char *engine;         /* engineInfo, or "" */
    int64_t adds, removes;
    int64_t rows_added; /* sum of numRecords of added files with stats; -1 unknown */
} sm_delta_history_entry_t;

/* The `limit` newest commits (0 = all) of the table at `table` in st. */
sm_err_t sm_delta_history(sm_store_t *st, const char *table, size_t limit,
                          sm_delta_history_entry_t **out, size_t *n, sm_error_t *e);
void sm_delta_history_free(sm_delta_history_entry_t *h, size_t n);

#endif
