/*
 * columnar — umbrella header of the in-memory columnar format.
 *
 * The module has one header per concept; include this one to get them all:
 *   columnar/types.h   logical types (Spark SQL names), schemas as STRUCTs
 *   columnar/vector.h  one column in Arrow's memory layout, builders, views
 *   columnar/batch.h   a schema + equal-length columns (SM_BATCH_ROWS)
 *   columnar/text.h    textual forms of values: dates, timestamps,
 *                      decimals, floats (format and parse)
 *   columnar/print.h   batches as an aligned table, CSV or JSON lines
 * Dependencies: core only.  Threads: see each header.
 */
#ifndef SM_COLUMNAR_COLUMNAR_H
#define SM_COLUMNAR_COLUMNAR_H

#include "columnar/batch.h"
#include "columnar/print.h"
#include "columnar/text.h"
#include "columnar/types.h"
#include "columnar/vector.h"

#endif
