/* stream/progress — see progress.h. */
#include "stream/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store.h"
#include "stream/stream_int.h"

void sm_stream_progress_free(sm_stream_progress_t *p)
{
    if (!p)
        return;
    sm_free(p->parts);
    memset(p, 0, sizeof *p);
}

static int by_partition(const void *a, const void *b)
{
    int32_t x = ((const sm_stream_part_progress_t *)a)->partition,
            y = ((const sm_stream_part_progress_t *)b)->partition;
    return (x > y) - (x < y);
}

/* The mtimes of offsets/<batch>.json and of the one before it. */
static sm_err_t log_times(sm_store_t *st, const char *dir, int64_t batch, int64_t *last_ms,
                          int64_t *prev_ms, sm_error_t *e)
{
    char prefix[SM_STORE_KEY_MAX];
    snprintf(prefix, sizeof prefix, "%s/offsets/", dir);
    size_t plen = strlen(prefix);
    int64_t prev_batch = -1;
    *last_ms = *prev_ms = -1;
    sm_store_list_t page = {0};
    sm_store_list_opts_t lo = {.prefix = prefix};
    char *token = NULL;
    for (;;) {
        lo.token = token;
        sm_err_t rc = sm_store_list(st, &lo, &page, e);
        sm_free(token);
        token = NULL;
        if (rc)
            return rc;
        for (size_t i = 0; i < page.count; i++) {
            const char *k = page.entries[i].key + plen;
            char *end;
            long long v = strtoll(k, &end, 10);
            if (end == k || strcmp(end, ".json") != 0 || v < 0)
                continue;
            if (v == batch)
                *last_ms = page.entries[i].mtime_ms;
            else if (v < batch && v > prev_batch) {
                prev_batch = v;
                *prev_ms = page.entries[i].mtime_ms;
            }
        }
        bool more = page.truncated && page.next_token;
        if (more && !(token = sm_strdup(page.next_token))) {
            sm_store_list_free(&page);
            return sm_error_nomem(e, "list token");
        }
        sm_store_list_free(&page);
        if (!more)
            return SM_OK;
    }
}

sm_err_t sm_stream_progress_read(sm_lake_t *lake, const char *query_id, sm_stream_progress_t *out,
                                 sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    out->last_ms = out->prev_ms = -1;
    sm_lake_table_t ck;
    sm_err_t rc = sm_lake_resolve(lake, "_smelt.streams", &ck, e);
    if (rc)
        return rc;
    char dir[512];
    snprintf(dir, sizeof dir, "%s%s%s", ck.prefix, ck.prefix[0] ? "/" : "", query_id);
    sq_offsets_t o;
    bool found = false;
    rc = sq_offsets_last(ck.store, dir, &o, &found, e);
    if (!rc && found) {
        out->found = true;
        out->batch = o.batch;
        out->parts = sm_calloc(o.n + 1, sizeof *out->parts);
        if (!out->parts)
            rc = sm_error_nomem(e, "stream progress");
        for (size_t i = 0; !rc && i < o.n; i++) {
            out->parts[i] = (sm_stream_part_progress_t){o.ranges[i].partition, o.ranges[i].start,
                                                        o.ranges[i].end};
            out->events += o.ranges[i].end - o.ranges[i].start;
        }
        if (!rc) {
            out->nparts = o.n;
            qsort(out->parts, out->nparts, sizeof *out->parts, by_partition);
            rc = log_times(ck.store, dir, o.batch, &out->last_ms, &out->prev_ms, e);
        }
        sq_offsets_free(&o);
    }
    sm_lake_table_free(&ck);
    if (rc)
        sm_stream_progress_free(out);
    return rc;
}
