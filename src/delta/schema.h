/*
 * delta/schema — Delta's schemaString (Spark's JSON schema) ↔ columnar types.
 *
 *   {"type":"struct","fields":[{"name":"id","type":"long","nullable":true,
 *    "metadata":{}}, ...]}
 *
 * Primitive names: string long integer short byte float double boolean
 * binary date timestamp timestamp_ntz decimal(p,s); nested: struct, array
 * (elementType, containsNull), map (keyType, valueType, valueContainsNull).
 * `timestamp` is an instant (SM_TYPE_TIMESTAMP_TZ), `timestamp_ntz` a local
 * date-time (SM_TYPE_TIMESTAMP).  Field metadata is accepted and ignored,
 * except column mapping (delta.columnMapping.*), which smelt refuses by
 * name, and invariants (delta.invariants), which are reported so writers
 * can refuse them.
 *
 * Ownership: a parsed schema is a new sm_type_t reference (STRUCT) that the
 * caller frees with sm_type_free().  Threads: pure functions.
 */
#ifndef SM_DELTA_SCHEMA_H
#define SM_DELTA_SCHEMA_H

#include <stdbool.h>

#include "columnar/types.h"
#include "core/buf.h"
#include "core/err.h"

typedef struct sm_delta_schema_info {
    bool has_invariants;     /* some field carries delta.invariants */
    bool has_column_mapping; /* some field carries delta.columnMapping.* */
    bool has_generated;      /* generated columns (delta.generationExpression) */
} sm_delta_schema_info_t;

/* Parses a schemaString into a STRUCT type.  info may be NULL.  Errors name
 * the JSON path of the problem: `schema: fields[2].type: unknown type
 * "interval"`. */
sm_err_t sm_delta_schema_parse(const char *json, sm_type_t **out, sm_delta_schema_info_t *info,
                               sm_error_t *e);

/* Appends the schemaString of a STRUCT type (always with "metadata":{}). */
sm_err_t sm_delta_schema_write(const sm_type_t *schema, sm_buf_t *out, sm_error_t *e);

#endif
