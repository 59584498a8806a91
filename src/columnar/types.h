/*
 * columnar/types — the logical types of smelt's columns (Spark SQL's types).
 *
 * A type is an immutable tree.  Kinds and their physical layout in a vector
 * (columnar/vector.h) follow Apache Arrow:
 *
 *   kind          Spark name      physical value
 *   NULL          void            nothing (every row is NULL)
 *   BOOL          boolean         1 bit, LSB-first bitmap
 *   INT8/16/32/64 tinyint/smallint/int/bigint
 *   FLOAT32/64    float/double    IEEE 754
 *   DECIMAL(p,s)  decimal(p,s)    16-byte two's complement sm_i128, little
 *                                 endian (Arrow decimal128), unscaled value
 *   DATE          date            int32 days since 1970-01-01
 *   TIMESTAMP     timestamp_ntz   int64 microseconds, no time zone
 *   TIMESTAMP_TZ  timestamp       int64 microseconds since the epoch, UTC
 *   STRING        string          int32 offsets + UTF-8 bytes
 *   BINARY        binary          int32 offsets + bytes
 *   STRUCT        struct<a:T,..>  one child per field
 *   LIST          array<T>        int32 offsets + one child (field "element")
 *   MAP           map<K,V>        int32 offsets + one child (field "entries",
 *                                 a STRUCT<key: K not null, value: V>)
 *
 * Every nested type keeps its children as fields (sm_field_t), so a vector's
 * children correspond one to one to its type's fields.  Nullability lives in
 * the fields: a struct field's `nullable`, a list's element field (Spark's
 * containsNull) and a map's value field (valueContainsNull).
 *
 * A schema is a STRUCT type: its fields are the columns (name, type,
 * nullable).
 *
 * Ownership: types are reference counted.  Every constructor returns a new
 * reference that the caller releases with sm_type_free(); sm_type_ref()
 * takes another reference.  The types of fixed kinds (sm_type_int64(), ...)
 * are static singletons: their constructors never fail and freeing them is
 * a no-op.  Constructors of nested types take ownership of the child types
 * passed in (also when they fail), so trees nest in one expression:
 *     sm_type_t *t = sm_type_map(sm_type_string(), sm_type_list(sm_type_int32()));
 * and a NULL child (an earlier failure) makes the parent NULL without leaks.
 *
 * Threads: a type is never modified after construction; any thread may read
 * it, and references may be taken and dropped from any thread (atomic count).
 */
#ifndef SM_COLUMNAR_TYPES_H
#define SM_COLUMNAR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* 128-bit signed integer: the unscaled value of a DECIMAL. */
__extension__ typedef __int128 sm_i128;
__extension__ typedef unsigned __int128 sm_u128;

#define SM_DECIMAL_MAX_PRECISION 38
/* Depth limit for nested types (parser and formatter). */
#define SM_TYPE_MAX_DEPTH 64

typedef enum sm_type_kind {
    SM_TYPE_NULL = 0,
    SM_TYPE_BOOL,
    SM_TYPE_INT8,
    SM_TYPE_INT16,
    SM_TYPE_INT32,
    SM_TYPE_INT64,
    SM_TYPE_FLOAT32,
    SM_TYPE_FLOAT64,
    SM_TYPE_DECIMAL,
    SM_TYPE_DATE,
    SM_TYPE_TIMESTAMP,    /* timestamp_ntz */
    SM_TYPE_TIMESTAMP_TZ, /* timestamp (UTC instant) */
    SM_TYPE_STRING,
    SM_TYPE_BINARY,
    SM_TYPE_STRUCT,
    SM_TYPE_LIST,
    SM_TYPE_MAP,
    SM_TYPE__COUNT
} sm_type_kind_t;

typedef struct sm_type sm_type_t;

typedef struct sm_field {
    char *name;      /* owned, NUL-terminated UTF-8 */
    sm_type_t *type; /* an owned reference */
    bool nullable;
} sm_field_t;

struct sm_type {
    sm_type_kind_t kind;
    uint8_t precision; /* DECIMAL: 1..38 */
    uint8_t scale;     /* DECIMAL: 0..precision */
    uint32_t nfields;  /* STRUCT: fields; LIST, MAP: 1 */
    sm_field_t *fields;
    int refs; /* atomic reference count; -1 for static singletons */
};

/* The types of fixed kinds: static singletons, never NULL. */
sm_type_t *sm_type_null(void);
sm_type_t *sm_type_bool(void);
sm_type_t *sm_type_int8(void);
sm_type_t *sm_type_int16(void);
sm_type_t *sm_type_int32(void);
sm_type_t *sm_type_int64(void);
sm_type_t *sm_type_float32(void);
sm_type_t *sm_type_float64(void);
sm_type_t *sm_type_date(void);
sm_type_t *sm_type_timestamp(void);    /* timestamp_ntz */
sm_type_t *sm_type_timestamp_tz(void); /* timestamp */
sm_type_t *sm_type_string(void);
sm_type_t *sm_type_binary(void);
/* The singleton of a fixed kind; NULL for DECIMAL, STRUCT, LIST, MAP. */
sm_type_t *sm_type_of_kind(sm_type_kind_t kind);

/* decimal(precision, scale).  NULL when out of memory or when precision is
 * not in 1..38 or scale not in 0..precision. */
sm_type_t *sm_type_decimal(int precision, int scale);

/* array<elem> with nullable elements.  Takes ownership of elem.  NULL when
 * elem is NULL or out of memory. */
sm_type_t *sm_type_list(sm_type_t *elem);
sm_type_t *sm_type_list_ex(sm_type_t *elem, bool contains_null);

/* map<key, value>; values nullable.  Takes ownership of key and value.
 * NULL when either is NULL or out of memory. */
sm_type_t *sm_type_map(sm_type_t *key, sm_type_t *value);
sm_type_t *sm_type_map_ex(sm_type_t *key, sm_type_t *value, bool value_contains_null);

/* struct<...> from n field descriptions: names are copied, the types are
 * taken over (all of them, also on failure).  NULL when a type or name is
 * NULL or out of memory.  n may be 0.  Example:
 *     sm_type_struct((sm_field_t[]){{"id", sm_type_int64(), false},
 *                                   {"name", sm_type_string(), true}}, 2) */
sm_type_t *sm_type_struct(const sm_field_t *fields, size_t n);

/* Another reference to t (returned).  t may be NULL. */
sm_type_t *sm_type_ref(sm_type_t *t);
/* Drops a reference; the tree is freed with its last reference.  NULL ok. */
void sm_type_free(sm_type_t *t);
/* A deep copy sharing nothing with t (static singletons are returned as
 * they are).  NULL when out of memory. */
sm_type_t *sm_type_copy(const sm_type_t *t);

/* Structural equality: kinds, decimal precision/scale, field names
 * (exactly) and nullability. */
bool sm_type_equal(const sm_type_t *a, const sm_type_t *b);
#define SM_TYPE_EQ_IGNORE_NULLABLE 1u /* do not compare nullable flags */
#define SM_TYPE_EQ_IGNORE_NAMES 2u    /* do not compare struct field names */
bool sm_type_equal_ex(const sm_type_t *a, const sm_type_t *b, unsigned flags);

/* Appends the Spark SQL name of t to out ("bigint", "decimal(10,2)",
 * "array<int>", "map<string,int>", "struct<a:int,b:string>").  Field names
 * that are not plain identifiers are quoted with backticks (`a b`, with a
 * backtick doubled), so the result parses back.  Nullability is not shown.
 * Fails with SM_ERR_NOMEM / SM_ERR_LIMIT from the buffer. */
sm_err_t sm_type_format(const sm_type_t *t, sm_buf_t *out, sm_error_t *e);
/* The same into a fixed buffer (for messages), truncated with "..." when
 * it does not fit.  Returns buf. */
const char *sm_type_name(const sm_type_t *t, char *buf, size_t cap);

/* Parses a Spark SQL type name (case-insensitive, spaces allowed between
 * tokens).  Accepted: boolean, tinyint|byte, smallint|short, int|integer,
 * bigint|long, float|real, double, decimal|dec|numeric [(p[,s])] (default
 * (10,0)), string, binary, date, timestamp, timestamp_ntz, timestamp_ltz
 * (= timestamp), void, array<T>, map<K,V>, struct<name:T,...> (a field may
 * be written `name T`, the name may be `back quoted`, and a field may end
 * with NOT NULL).  On success *out is a new reference.  On failure returns
 * SM_ERR_PARSE (or SM_ERR_NOMEM) with a message naming the offset, and
 * *out is NULL. */
sm_err_t sm_type_parse(const char *s, size_t len, sm_type_t **out, sm_error_t *e);

/* Bytes per value of a fixed-width kind (1, 2, 4, 8 or 16).  0 for BOOL
 * (bit-packed: 1 bit per value), NULL, STRING, BINARY and nested kinds. */
int sm_type_byte_width(sm_type_kind_t kind);
/* A short name of a kind: the Spark name for fixed kinds, else "decimal",
 * "struct", "array", "map". */
const char *sm_type_kind_name(sm_type_kind_t kind);

/* Index of the field called name (len bytes) in a STRUCT, or -1.
 * ignore_case compares ASCII letters case-insensitively (Spark's default). */
int sm_type_field_index(const sm_type_t *t, const char *name, size_t len, bool ignore_case);

static inline bool sm_type_is_integer(sm_type_kind_t k)
{
    return k >= SM_TYPE_INT8 && k <= SM_TYPE_INT64;
}
static inline bool sm_type_is_numeric(sm_type_kind_t k)
{
    return k >= SM_TYPE_INT8 && k <= SM_TYPE_DECIMAL;
}
static inline bool sm_type_is_nested(sm_type_kind_t k)
{
    return k == SM_TYPE_STRUCT || k == SM_TYPE_LIST || k == SM_TYPE_MAP;
}
/* STRING, BINARY, LIST and MAP carry an int32 offsets buffer. */
static inline bool sm_type_has_offsets(sm_type_kind_t k)
{
    return k == SM_TYPE_STRING || k == SM_TYPE_BINARY || k == SM_TYPE_LIST || k == SM_TYPE_MAP;
}
/* The element type of a LIST. */
static inline sm_type_t *sm_type_list_elem(const sm_type_t *t)
{
    return t->fields[0].type;
}
/* The key and value types of a MAP. */
static inline sm_type_t *sm_type_map_key(const sm_type_t *t)
{
    return t->fields[0].type->fields[0].type;
}
static inline sm_type_t *sm_type_map_value(const sm_type_t *t)
{
    return t->fields[0].type->fields[1].type;
}

#endif
