/*
 * delta/stats — the per-file statistics JSON of an add action
 * (PROTOCOL.md "Per-file Statistics"; INTEROP.md 1.5), built from the
 * Parquet writer's leaf statistics:
 *   {"numRecords":N,"minValues":{...},"maxValues":{...},"nullCount":{...}}
 * Nested structs mirror the schema.  Bounds are always safe for skipping:
 * strings longer than 32 characters keep a prefix as minimum and no
 * maximum; timestamps are written at millisecond precision, the minimum
 * rounded down and the maximum up; floats skip NaN and infinities; booleans,
 * binary, arrays and maps carry only null counts (or nothing).
 * Threads: pure functions.
 */
#ifndef SM_DELTA_STATS_H
#define SM_DELTA_STATS_H

#include "columnar/types.h"
#include "core/buf.h"
#include "core/err.h"
#include "parquet/writer.h"

/* Appends the stats JSON for a file of `num_records` rows whose data
 * columns are `schema` (a STRUCT, partition columns excluded) and whose
 * leaves' statistics are `leaves` (as sm_pq_writer_stats returns them). */
sm_err_t sm_delta_stats_json(const sm_type_t *schema, int64_t num_records,
                             const sm_pq_leaf_stats_t *leaves, uint32_t nleaves, sm_buf_t *out,
                             sm_error_t *e);

#endif
