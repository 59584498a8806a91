/*
 * parquet/schema — a Parquet file's schema as smelt sees it: the columnar
 * type of its rows, and for every node the definition and repetition
 * levels that the reader's record assembly and the writer's shredding use
 * (the Dremel encoding, parquet-format README "Nested Encoding").
 *
 * Reading (sm_pq_schema_from_file): the flattened SchemaElement list of a
 * footer becomes a tree of sm_pq_node_t, one per columnar node:
 *   - a primitive leaf → a columnar scalar (INT32+DATE → date, INT96 →
 *     timestamp, BYTE_ARRAY+STRING → string, DECIMAL in any physical form
 *     → decimal(p,s), UINT_8/16/32 widened, UINT_64 → decimal(20,0), ...);
 *   - a LIST-annotated group → array, with the backward-compatibility
 *     rules of LogicalTypes.md for 2-level lists ("array", "<name>_tuple",
 *     a repeated primitive, a repeated group of several fields);
 *   - a MAP / MAP_KEY_VALUE group → map;
 *   - any other group → struct;
 *   - a repeated field outside LIST/MAP → array of it (required elements).
 * FLOAT16 is widened to float.  What smelt cannot represent (TIME, INTERVAL, decimal precision
 * over 38, unknown logical types on a leaf it cannot read as plain bytes)
 * is refused with SM_ERR_UNSUPPORTED naming the column path.
 *
 * Writing (sm_pq_schema_for_type): a columnar STRUCT becomes the schema
 * elements Spark writes (INTEROP.md 2.1, 2.4): nullable fields OPTIONAL,
 * three-level lists "list"/"element", maps "key_value" with a required
 * key, LogicalType plus the matching ConvertedType.
 *
 * Ownership: an sm_pq_schema_t owns its node tree, leaves and type (freed
 * by sm_pq_schema_free); it borrows nothing from the file metadata except
 * that leaves point at their SchemaElement (elem), valid while the file
 * metadata's arena lives.  Threads: read-only after construction.
 */
#ifndef SM_PARQUET_SCHEMA_H
#define SM_PARQUET_SCHEMA_H

#include <stdint.h>

#include "columnar/types.h"
#include "core/arena.h"
#include "core/err.h"
#include "parquet/meta.h"

/* How a leaf's physical values become columnar values. */
typedef enum sm_pq_conv {
    SM_PQ_CONV_NONE,        /* same width and meaning */
    SM_PQ_CONV_NARROW,      /* INT32 → int8/int16 (range-checked) */
    SM_PQ_CONV_UINT32,      /* INT32 holding uint32 → int64 */
    SM_PQ_CONV_UINT64,      /* INT64 holding uint64 → decimal(20,0) */
    SM_PQ_CONV_INT96,       /* INT96 → µs */
    SM_PQ_CONV_MILLIS,      /* INT64 ms → µs */
    SM_PQ_CONV_NANOS,       /* INT64 ns → µs (floor) */
    SM_PQ_CONV_DECIMAL_INT, /* INT32/INT64 unscaled → sm_i128 */
    SM_PQ_CONV_DECIMAL_BIN, /* big-endian two's complement bytes → sm_i128 */
    SM_PQ_CONV_DATE_MILLIS, /* INT64 ms → date (legacy DATE on INT64) */
    SM_PQ_CONV_FLOAT16,     /* 2-byte IEEE half → float32 */
} sm_pq_conv_t;

typedef struct sm_pq_leaf {
    const sm_pq_schema_elem_t *elem; /* in the file metadata (or writer arena) */
    const char *path;                /* dotted path in the file, e.g. "a.list.element" */
    const char **parts;              /* the path's components (names may hold '.') */
    uint32_t nparts;
    int16_t max_def, max_rep;
    sm_pq_type_t physical;
    int32_t type_length; /* FIXED_LEN_BYTE_ARRAY */
    sm_type_t *type;     /* columnar type of the values (borrowed from the tree) */
    sm_pq_conv_t conv;
} sm_pq_leaf_t;

typedef struct sm_pq_node sm_pq_node_t;
struct sm_pq_node {
    const char *name;
    sm_type_t *type; /* borrowed from sm_pq_schema_t.type */
    bool nullable;   /* the Parquet field is OPTIONAL */
    int16_t def;     /* definition level at which this node is present (non-null) */
    int16_t rep;     /* repetition level of this node's nearest repeated ancestor */
    /* LIST and MAP: a list entry exists at def >= entry_def; entries after
     * the first of a list have rep == entry_rep. */
    int16_t entry_def, entry_rep;
    uint32_t nchildren; /* STRUCT: fields; LIST: 1; MAP: 2 (key, value) */
    sm_pq_node_t *children;
    int32_t leaf; /* index into leaves for a scalar, else -1 */
};

typedef struct sm_pq_schema {
    sm_type_t *type;       /* STRUCT of the top-level columns (owned reference) */
    sm_pq_node_t *columns; /* one node per top-level column */
    uint32_t ncolumns;
    sm_pq_leaf_t *leaves; /* in file order: leaf i is column chunk i */
    uint32_t nleaves;
    sm_arena_t arena; /* nodes, leaves, paths */
} sm_pq_schema_t;

/* Builds the schema of a decoded footer.  On failure *s is empty and e
 * names the column path and the problem. */
sm_err_t sm_pq_schema_from_file(const sm_pq_file_meta_t *fm, sm_pq_schema_t *s, sm_error_t *e);

/* Builds the SchemaElement list for writing a STRUCT type: *elems (in
 * `arena`) has *n entries, [0] the root.  SM_ERR_UNSUPPORTED for the NULL
 * type; SM_ERR_INVALID for a non-struct. */
sm_err_t sm_pq_schema_elements(const sm_type_t *type, sm_arena_t *arena,
                               sm_pq_schema_elem_t **elems, uint32_t *n, sm_error_t *e);

/* Both at once, for the writer: the elements (in `arena`) and the schema
 * built from them. */
sm_err_t sm_pq_schema_for_type(const sm_type_t *type, sm_arena_t *arena,
                               sm_pq_schema_elem_t **elems, uint32_t *n, sm_pq_schema_t *s,
                               sm_error_t *e);

void sm_pq_schema_free(sm_pq_schema_t *s);

/* Index of a top-level column by name (ASCII case-insensitive when asked), or -1. */
int sm_pq_schema_column(const sm_pq_schema_t *s, const char *name, bool ignore_case);

#endif
