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
    int64_t mtimes[2];
    rc = sq_offsets_last(ck.store, dir, &o, &found, mtimes, e);
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
            out->last_ms = mtimes[0];
            out->prev_ms = mtimes[1];
        }
        sq_offsets_free(&o);
    }
    sm_lake_table_free(&ck);
    if (rc)
        sm_stream_progress_free(out);
    return rc;
}
