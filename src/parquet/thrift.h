/*
 * parquet/thrift — the Thrift compact protocol, as Parquet uses it.
 *
 * Parquet stores its footer (FileMetaData) and every page header as Thrift
 * structs in the compact protocol (apache/thrift
 * doc/specs/thrift-compact-protocol.md).  This module is the wire layer
 * only: a bounded reader, a skipper for fields we do not know, and a writer.
 * parquet/meta knows the Parquet structs built on top of it.
 *
 * Wire summary:
 *
 *   field header   (delta << 4) | type     when 1 <= id - last_id <= 15
 *                  type, zigzag-varint i16 id   otherwise (long form)
 *   stop           0x00 (ends a struct)
 *   bool field     the value is the type nibble: 1 = true, 2 = false
 *   i8             one byte
 *   i16/i32/i64    zigzag, then ULEB128 varint (at most 10 bytes)
 *   double         8 bytes little-endian
 *   binary         varint length, then the bytes
 *   list/set       (n << 4) | elem when n <= 14, else 0xF0 | elem + varint n
 *   map            0x00 when empty, else varint n + (key << 4 | value)
 *   bool element   one byte: 1 = true; 0 or 2 = false (writers differ)
 *   uuid           16 bytes
 *
 * The list element code for bool is 2 in the spec but Java writes 1: the
 * reader accepts both.
 *
 * Reader invariants: it never reads outside [data, data + len); every
 * varint is at most 10 bytes; a list or map count is checked against the
 * bytes left (each element takes at least one byte); a binary length is
 * checked against the bytes left; structs, lists and maps nest at most
 * SM_PQ_THRIFT_MAX_DEPTH deep.  Errors are SM_ERR_CORRUPT (or SM_ERR_LIMIT
 * for the depth limit) and name the byte offset, counted from the start of
 * the range given to sm_pq_tr_init().  Binary values are returned as
 * pointers into the input: the reader never allocates.
 *
 * Writer: appends to a caller-owned sm_buf_t.  Its error is sticky: after
 * the first failure (out of memory, buffer limit, nesting too deep) every
 * later call does nothing and returns the same code, so a long run of
 * writes can be checked once at the end with sm_pq_tw_status().
 *
 * Threads: a reader or writer belongs to one thread at a time.
 */
#ifndef SM_PARQUET_THRIFT_H
#define SM_PARQUET_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Compact protocol type codes (field types; element types are the same
 * except that a bool element is SM_PQ_TC_BOOL_FALSE, or TRUE from Java). */
enum {
    SM_PQ_TC_STOP = 0,
    SM_PQ_TC_BOOL_TRUE = 1,
    SM_PQ_TC_BOOL_FALSE = 2,
    SM_PQ_TC_I8 = 3,
    SM_PQ_TC_I16 = 4,
    SM_PQ_TC_I32 = 5,
    SM_PQ_TC_I64 = 6,
    SM_PQ_TC_DOUBLE = 7,
    SM_PQ_TC_BINARY = 8,
    SM_PQ_TC_LIST = 9,
    SM_PQ_TC_SET = 10,
    SM_PQ_TC_MAP = 11,
    SM_PQ_TC_STRUCT = 12,
    SM_PQ_TC_UUID = 13,
};

/* A bool read from a field header is reported with this type code (so the
 * caller does not have to test for two codes). */
#define SM_PQ_TC_BOOL SM_PQ_TC_BOOL_TRUE

/* How deep structs, lists and maps may nest (Parquet needs about 6). */
#define SM_PQ_THRIFT_MAX_DEPTH 64

/* ---- reader ---------------------------------------------------------- */

typedef struct sm_pq_tr {
    const uint8_t *data;
    size_t len;
    size_t pos;                              /* next byte to read */
    int depth;                               /* open structs + lists + maps */
    int nstruct;                             /* open structs */
    int16_t last_id[SM_PQ_THRIFT_MAX_DEPTH]; /* per open struct */
    int bool_pending;                        /* a bool field header was read */
    bool bool_value;                         /* ... and this is its value */
} sm_pq_tr_t;

/* Starts reading `len` bytes at `data` (borrowed; must outlive the reader). */
void sm_pq_tr_init(sm_pq_tr_t *r, const void *data, size_t len);

/* Bytes consumed so far (the offset of the next byte). */
size_t sm_pq_tr_offset(const sm_pq_tr_t *r);

/* Enters a struct (the caller has just read its field header, or it is the
 * top-level struct).  SM_ERR_LIMIT when nesting is too deep. */
sm_err_t sm_pq_tr_struct_begin(sm_pq_tr_t *r, sm_error_t *e);
/* Leaves the struct whose stop field has just been read. */
void sm_pq_tr_struct_end(sm_pq_tr_t *r);

/* Reads the next field header of the current struct.  *type is
 * SM_PQ_TC_STOP at the end of the struct (then *id is 0), SM_PQ_TC_BOOL for
 * a bool field (read its value with sm_pq_tr_bool), else the type code.
 * Unknown type codes are SM_ERR_CORRUPT. */
sm_err_t sm_pq_tr_field(sm_pq_tr_t *r, int *type, int16_t *id, sm_error_t *e);

/* Value readers.  Integer readers take the type code the value was written
 * with (field type or list element type) and accept any integer width
 * (i8/i16/i32/i64), checking that the value fits the result; other types
 * are SM_ERR_CORRUPT. */
sm_err_t sm_pq_tr_int(sm_pq_tr_t *r, int type, int64_t *v, sm_error_t *e);
sm_err_t sm_pq_tr_i32(sm_pq_tr_t *r, int type, int32_t *v, sm_error_t *e);
sm_err_t sm_pq_tr_i16(sm_pq_tr_t *r, int type, int16_t *v, sm_error_t *e);
sm_err_t sm_pq_tr_i8(sm_pq_tr_t *r, int type, int8_t *v, sm_error_t *e);
sm_err_t sm_pq_tr_double(sm_pq_tr_t *r, double *v, sm_error_t *e);
/* A bool: the pending value of a bool field header, or else one element
 * byte (1 true; 0 or 2 false; anything else is SM_ERR_CORRUPT). */
sm_err_t sm_pq_tr_bool(sm_pq_tr_t *r, bool *v, sm_error_t *e);
/* A binary/string: *p points into the input, *n bytes (*n <= INT32_MAX). */
sm_err_t sm_pq_tr_binary(sm_pq_tr_t *r, const uint8_t **p, size_t *n, sm_error_t *e);

/* Reads a list (or set) header: element type code (a bool element reports
 * SM_PQ_TC_BOOL) and count, checked against the bytes left.  Enters one
 * nesting level; call sm_pq_tr_list_end after the elements. */
sm_err_t sm_pq_tr_list_begin(sm_pq_tr_t *r, int *elem, uint32_t *count, sm_error_t *e);
void sm_pq_tr_list_end(sm_pq_tr_t *r);

/* Reads a map header (key and value types are 0 for an empty map).  Enters
 * one nesting level; call sm_pq_tr_map_end after the pairs. */
sm_err_t sm_pq_tr_map_begin(sm_pq_tr_t *r, int *key, int *val, uint32_t *count, sm_error_t *e);
void sm_pq_tr_map_end(sm_pq_tr_t *r);

/* Skips one value of the given field type (after sm_pq_tr_field), nested
 * structs, lists and maps included.  A skipped bool field consumes its
 * pending value. */
sm_err_t sm_pq_tr_skip(sm_pq_tr_t *r, int type, sm_error_t *e);

/* ---- writer ---------------------------------------------------------- */

typedef struct sm_pq_tw {
    sm_buf_t *out;                           /* borrowed, appended to */
    sm_error_t *e;                           /* borrowed, may be NULL */
    sm_err_t rc;                             /* sticky: first failure */
    int nstruct;                             /* open structs */
    int16_t last_id[SM_PQ_THRIFT_MAX_DEPTH]; /* per open struct */
} sm_pq_tw_t;

/* Starts writing at the end of `out`; failures are reported into `e`. */
void sm_pq_tw_init(sm_pq_tw_t *w, sm_buf_t *out, sm_error_t *e);
/* SM_OK, or the first failure of any call since init. */
sm_err_t sm_pq_tw_status(const sm_pq_tw_t *w);

/* Opens a struct (after its field header, or at top level). */
sm_err_t sm_pq_tw_struct_begin(sm_pq_tw_t *w);
/* Writes the stop field and closes the struct. */
sm_err_t sm_pq_tw_struct_end(sm_pq_tw_t *w);

/* A field header: short form when the id is 1..15 above the previous id in
 * this struct, long form otherwise.  Use sm_pq_tw_field_bool for bools. */
sm_err_t sm_pq_tw_field(sm_pq_tw_t *w, int type, int16_t id);
/* A bool field: header only, the value in the type nibble. */
sm_err_t sm_pq_tw_field_bool(sm_pq_tw_t *w, int16_t id, bool v);

/* Values (as list elements or after a field header). */
sm_err_t sm_pq_tw_i8(sm_pq_tw_t *w, int8_t v);
sm_err_t sm_pq_tw_i16(sm_pq_tw_t *w, int16_t v);
sm_err_t sm_pq_tw_i32(sm_pq_tw_t *w, int32_t v);
sm_err_t sm_pq_tw_i64(sm_pq_tw_t *w, int64_t v);
sm_err_t sm_pq_tw_double(sm_pq_tw_t *w, double v);
sm_err_t sm_pq_tw_binary(sm_pq_tw_t *w, const void *p, size_t n);
/* A bool list element: 1 for true, 2 for false (what Thrift's C++ and Java
 * libraries write and what every reader accepts). */
sm_err_t sm_pq_tw_bool(sm_pq_tw_t *w, bool v);

/* A list header (elem is a type code; SM_PQ_TC_BOOL_FALSE for bools) in
 * short form for count <= 14, long form above. */
sm_err_t sm_pq_tw_list_begin(sm_pq_tw_t *w, int elem, uint32_t count);
/* A map header. */
sm_err_t sm_pq_tw_map_begin(sm_pq_tw_t *w, int key, int val, uint32_t count);

/* Shorthands: field header + value. */
sm_err_t sm_pq_tw_field_i8(sm_pq_tw_t *w, int16_t id, int8_t v);
sm_err_t sm_pq_tw_field_i16(sm_pq_tw_t *w, int16_t id, int16_t v);
sm_err_t sm_pq_tw_field_i32(sm_pq_tw_t *w, int16_t id, int32_t v);
sm_err_t sm_pq_tw_field_i64(sm_pq_tw_t *w, int16_t id, int64_t v);
sm_err_t sm_pq_tw_field_double(sm_pq_tw_t *w, int16_t id, double v);
sm_err_t sm_pq_tw_field_binary(sm_pq_tw_t *w, int16_t id, const void *p, size_t n);
/* A field holding an empty struct (Parquet's StringType{}, TYPE_ORDER...). */
sm_err_t sm_pq_tw_field_empty_struct(sm_pq_tw_t *w, int16_t id);

#endif
