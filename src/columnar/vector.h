/*
 * columnar/vector — one column of values in Apache Arrow's memory layout.
 *
 * Buffers (all indexed by physical row = offset + logical row):
 *   validity  bitmap, bit i (LSB first in each byte) 1 = row i is valid;
 *             NULL means every row is valid.  A vector of kind NULL always
 *             has a validity bitmap (all zeros) once it has rows.
 *   values    fixed-width kinds: one value per row (width from
 *             sm_type_byte_width(): int8..int64, float, double, int32 days,
 *             int64 microseconds, 16-byte little-endian sm_i128 decimals);
 *             BOOL: a bitmap like validity.
 *   offsets   STRING, BINARY, LIST, MAP: int32, len + 1 entries, never
 *             decreasing; row i spans [offsets[i], offsets[i+1]) of `data`
 *             (STRING/BINARY) or of the child's rows (LIST/MAP).  offsets[0]
 *             need not be 0.  An empty vector may have offsets == NULL.
 *   data      STRING/BINARY bytes (data_len bytes in use).
 *   children  STRUCT: one per field, each with the struct's length; child
 *             row i belongs to struct row i (a struct slice slices its
 *             children, so the struct's `offset` only applies to its own
 *             validity).  LIST: one child, the elements.  MAP: one child, a
 *             STRUCT of (key, value) entries, as in Arrow.
 * Null rows hold zeros in `values` and empty ranges in `offsets`, so
 * reading a null row is safe (but meaningless).
 *
 * Ownership: a vector owns its struct, its children and a reference to its
 * type.  Each buffer is owned (released by sm_vector_free) or borrowed (from
 * a decoded page, an mmap, another vector...), as the SM_VEC_OWN_* bits in
 * `owns` say; a borrowed buffer must outlive the vector.  A *builder* owns
 * every buffer it has and has offset 0; only builders grow (appends,
 * reserve).  Views (sm_vector_slice, sm_vector_wrap, sm_vector_view) borrow
 * and have cap == len, so appending to them fails with SM_ERR_INVALID.
 * Hand-made vectors may set the fields directly, keeping these invariants.
 *
 * Dictionary attachment (optional; see "dictionary codes" below): a vector
 * straight from a dictionary-encoded Parquet column chunk may also carry
 * `dict` (a reference to a shared, reference-counted sm_dict_t) and
 * `codes` (one uint32 per physical row: row i's value equals entry
 * codes[offset + i] of dict->values; a NULL row's code is 0 and
 * meaningless).  The attachment describes the values; it never replaces
 * them.  Only the producer attaches it; every operation that makes a new
 * vector (copy, gather, cast, append_range into a builder...) leaves it
 * off, every mutation of the vector (appends, reserve, set_len, truncate,
 * reset) drops it, and slices and views keep it (borrowing the codes, with
 * their own dict reference).  Codes are owned when SM_VEC_OWN_CODES is in
 * `owns`.  Whoever changes a vector's values in place some other way must
 * call sm_vector_drop_dict first.
 *
 * Threads: any number of threads may read a vector nobody is modifying; a
 * builder belongs to one thread.  sm_dict_t references may be taken and
 * released from any thread.
 */
#ifndef SM_COLUMNAR_VECTOR_H
#define SM_COLUMNAR_VECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "columnar/types.h"
#include "core/err.h"

/* Largest STRING/BINARY data buffer and largest child of a LIST/MAP. */
#define SM_VECTOR_MAX_BYTES ((size_t)INT32_MAX)

enum {
    SM_VEC_OWN_VALIDITY = 1,
    SM_VEC_OWN_VALUES = 2,
    SM_VEC_OWN_OFFSETS = 4,
    SM_VEC_OWN_DATA = 8,
    SM_VEC_OWN_ALL = 15,
    SM_VEC_OWN_CODES = 16, /* the dictionary codes (not part of ALL) */
};

typedef struct sm_vector sm_vector_t;
typedef struct sm_dict sm_dict_t;
struct sm_vector {
    sm_type_t *type;   /* a reference held by the vector */
    size_t len;        /* rows */
    size_t cap;        /* rows the buffers hold; == len for views */
    size_t offset;     /* physical row of logical row 0 (views only) */
    size_t null_count; /* NULL rows among the len */
    uint8_t *validity; /* NULL = all valid */
    uint8_t *values;   /* fixed-width values or BOOL bitmap */
    int32_t *offsets;  /* STRING, BINARY, LIST, MAP */
    uint8_t *data;     /* STRING, BINARY bytes */
    size_t data_len;   /* bytes of data in use (builders) */
    size_t data_cap;   /* bytes allocated for data (builders) */
    sm_vector_t **children;
    uint32_t nchildren;
    uint8_t width;         /* bytes per value of fixed-width kinds, else 0 */
    uint8_t owns;          /* SM_VEC_OWN_* bits */
    sm_dict_t *dict;       /* optional dictionary attachment (a reference) */
    const uint32_t *codes; /* with dict: one code per physical row */
};

/* ---- bitmaps ---------------------------------------------------------- */

static inline bool sm_bit_get(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}
static inline void sm_bit_set(uint8_t *bits, size_t i)
{
    bits[i >> 3] |= (uint8_t)(1u << (i & 7));
}
static inline void sm_bit_clear(uint8_t *bits, size_t i)
{
    bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}
/* Number of set bits among bits [start, start + n). */
size_t sm_bits_count(const uint8_t *bits, size_t start, size_t n);

/* ---- lifecycle -------------------------------------------------------- */

/* A new empty builder of `type` (a new reference is taken; the caller
 * keeps its own) with room for cap rows (and children, recursively).
 * Fails with SM_ERR_NOMEM (or SM_ERR_INVALID for a NULL type); *out is
 * NULL then.  Free with sm_vector_free. */
sm_err_t sm_vector_new(sm_type_t *type, size_t cap, sm_vector_t **out, sm_error_t *e);

/* A zero-copy view over someone else's buffers for a non-nested kind other
 * than NULL: validity (may be NULL), values (fixed width and BOOL),
 * offsets + data (STRING, BINARY; data_len bytes).  Buffers are borrowed
 * and must outlive the view; values must be aligned to their width.
 * null_count is computed from validity.  Offsets are checked (monotonic,
 * within data_len) so a corrupt page cannot make accessors read out of
 * bounds: SM_ERR_CORRUPT then. */
sm_err_t sm_vector_wrap(sm_type_t *type, size_t len, const uint8_t *validity, const void *values,
                        const int32_t *offsets, const uint8_t *data, size_t data_len,
                        sm_vector_t **out, sm_error_t *e);

/* Rows [off, off + len) of v as a zero-copy view borrowing v's buffers (v
 * must outlive it and not grow meanwhile).  SM_ERR_INVALID when the range
 * is outside v; SM_ERR_NOMEM. */
sm_err_t sm_vector_slice(const sm_vector_t *v, size_t off, size_t len, sm_vector_t **out,
                         sm_error_t *e);
/* All of v as a view (sm_vector_slice(v, 0, v->len, ...)). */
sm_err_t sm_vector_view(const sm_vector_t *v, sm_vector_t **out, sm_error_t *e);

/* A deep, compact copy: a builder owning all its buffers, offset 0,
 * offsets rebased to 0.  *out is NULL on failure. */
sm_err_t sm_vector_copy(const sm_vector_t *v, sm_vector_t **out, sm_error_t *e);

/* Empties v, keeping its memory (builders).  A view drops its borrowed
 * buffers and becomes an empty builder. */
void sm_vector_reset(sm_vector_t *v);
/* Releases v, its owned buffers, its children and its type reference.
 * NULL ok. */
void sm_vector_free(sm_vector_t *v);

/* True when v may grow (owns all its buffers, offset 0). */
bool sm_vector_is_builder(const sm_vector_t *v);

/* ---- building --------------------------------------------------------- */

/* Makes room for `extra` more rows (not for string bytes or list
 * elements; children of a STRUCT grow too).  SM_ERR_INVALID on a view,
 * SM_ERR_NOMEM (v unchanged and still valid). */
sm_err_t sm_vector_reserve(sm_vector_t *v, size_t extra, sm_error_t *e);
/* Makes room for `extra` more bytes of STRING/BINARY data.  SM_ERR_LIMIT
 * past SM_VECTOR_MAX_BYTES. */
sm_err_t sm_vector_reserve_data(sm_vector_t *v, size_t extra, sm_error_t *e);

/* The slow path of the inline appends: checks that v's kind stores values
 * of `width` bytes (0 = BOOL) and makes room for one row. */
sm_err_t sm_vector_prepare_append(sm_vector_t *v, int width, sm_error_t *e);

/* Appends a NULL row (any kind; a STRUCT also appends NULL to each child,
 * a LIST/MAP appends an empty range).  SM_ERR_NOMEM / SM_ERR_INVALID. */
sm_err_t sm_vector_append_null(sm_vector_t *v, sm_error_t *e);

/* Appends a value of the physical width of v's kind; a mismatch (e.g.
 * append_i32 to a bigint vector) is SM_ERR_INVALID.  The integer appends
 * serve DATE (i32), TIMESTAMP[_TZ] (i64); append_i128 serves DECIMAL
 * (no precision check: see sm_decimal_fits in columnar/text.h). */
#define SM_VECTOR_APPEND_FIXED(name, ctype, w)                                                     \
    static inline sm_err_t sm_vector_append_##name(sm_vector_t *v, ctype x, sm_error_t *e)         \
    {                                                                                              \
        if (v->len >= v->cap || v->width != (w)) {                                                 \
            sm_err_t rc_ = sm_vector_prepare_append(v, (w), e);                                    \
            if (rc_)                                                                               \
                return rc_;                                                                        \
        }                                                                                          \
        memcpy(v->values + v->len * (w), &x, (w));                                                 \
        if (v->validity)                                                                           \
            sm_bit_set(v->validity, v->len);                                                       \
        v->len++;                                                                                  \
        return SM_OK;                                                                              \
    }
SM_VECTOR_APPEND_FIXED(i8, int8_t, 1)
SM_VECTOR_APPEND_FIXED(i16, int16_t, 2)
SM_VECTOR_APPEND_FIXED(i32, int32_t, 4)
SM_VECTOR_APPEND_FIXED(i64, int64_t, 8)
SM_VECTOR_APPEND_FIXED(f32, float, 4)
SM_VECTOR_APPEND_FIXED(f64, double, 8)
SM_VECTOR_APPEND_FIXED(i128, sm_i128, 16)
#undef SM_VECTOR_APPEND_FIXED

static inline sm_err_t sm_vector_append_bool(sm_vector_t *v, bool x, sm_error_t *e)
{
    if (v->len >= v->cap || v->type->kind != SM_TYPE_BOOL) {
        sm_err_t rc = sm_vector_prepare_append(v, 0, e);
        if (rc)
            return rc;
    }
    if (x)
        sm_bit_set(v->values, v->len);
    else
        sm_bit_clear(v->values, v->len);
    if (v->validity)
        sm_bit_set(v->validity, v->len);
    v->len++;
    return SM_OK;
}

/* Appends n bytes to a STRING or BINARY vector (no UTF-8 check).
 * SM_ERR_INVALID for other kinds, SM_ERR_LIMIT, SM_ERR_NOMEM. */
sm_err_t sm_vector_append_bytes(sm_vector_t *v, const void *p, size_t n, sm_error_t *e);
/* The same with a NUL-terminated string. */
sm_err_t sm_vector_append_str(sm_vector_t *v, const char *s, sm_error_t *e);

/* LIST / MAP: closes one row whose elements are the child rows appended
 * since the previous row was closed (append to sm_vector_child(v, 0); for
 * a MAP append keys to its child 0 and values to its child 1 and close
 * each entry with sm_vector_append_struct).  SM_ERR_LIMIT past INT32_MAX
 * elements. */
sm_err_t sm_vector_append_list(sm_vector_t *v, sm_error_t *e);
/* STRUCT: closes one valid row after one value was appended to every
 * child.  SM_ERR_INVALID if a child's length is not len + 1. */
sm_err_t sm_vector_append_struct(sm_vector_t *v, sm_error_t *e);

/* Appends row i of src (same type, ignoring names and nullability) to the
 * builder dst, deep.  SM_ERR_INVALID on a type mismatch or a view. */
sm_err_t sm_vector_append_from(sm_vector_t *dst, const sm_vector_t *src, size_t i, sm_error_t *e);
/* Appends rows [start, start + n) of src. */
sm_err_t sm_vector_append_range(sm_vector_t *dst, const sm_vector_t *src, size_t start, size_t n,
                                sm_error_t *e);

/* Sets the length of a builder whose buffers the caller filled directly
 * (len <= cap; offsets/data/children must already be consistent) and
 * recounts nulls.  SM_ERR_INVALID when len > cap or v is a view. */
sm_err_t sm_vector_set_len(sm_vector_t *v, size_t len, sm_error_t *e);
/* Drops rows from the end of a builder: keeps the first len rows
 * (len <= v->len), trimming data and children to match. */
void sm_vector_truncate(sm_vector_t *v, size_t len);

/* ---- reading (hot paths, inline; i must be < v->len) ------------------ */

static inline bool sm_vector_is_null(const sm_vector_t *v, size_t i)
{
    return v->validity && !sm_bit_get(v->validity, v->offset + i);
}
static inline bool sm_vector_get_bool(const sm_vector_t *v, size_t i)
{
    return sm_bit_get(v->values, v->offset + i);
}
static inline int8_t sm_vector_get_i8(const sm_vector_t *v, size_t i)
{
    return ((const int8_t *)v->values)[v->offset + i];
}
static inline int16_t sm_vector_get_i16(const sm_vector_t *v, size_t i)
{
    return ((const int16_t *)(const void *)v->values)[v->offset + i];
}
static inline int32_t sm_vector_get_i32(const sm_vector_t *v, size_t i)
{
    return ((const int32_t *)(const void *)v->values)[v->offset + i];
}
static inline int64_t sm_vector_get_i64(const sm_vector_t *v, size_t i)
{
    return ((const int64_t *)(const void *)v->values)[v->offset + i];
}
static inline float sm_vector_get_f32(const sm_vector_t *v, size_t i)
{
    return ((const float *)(const void *)v->values)[v->offset + i];
}
static inline double sm_vector_get_f64(const sm_vector_t *v, size_t i)
{
    return ((const double *)(const void *)v->values)[v->offset + i];
}
static inline sm_i128 sm_vector_get_i128(const sm_vector_t *v, size_t i)
{
    sm_i128 x;
    memcpy(&x, v->values + (v->offset + i) * 16, 16);
    return x;
}
/* STRING/BINARY row i: its bytes (not NUL-terminated) and length. */
static inline const uint8_t *sm_vector_get_bytes(const sm_vector_t *v, size_t i, size_t *len)
{
    int32_t a = v->offsets[v->offset + i], b = v->offsets[v->offset + i + 1];
    *len = (size_t)(b - a);
    return v->data + a;
}
static inline const char *sm_vector_get_str(const sm_vector_t *v, size_t i, size_t *len)
{
    return (const char *)sm_vector_get_bytes(v, i, len);
}
/* LIST/MAP row i: its elements are child rows [*start, *end). */
static inline void sm_vector_list_range(const sm_vector_t *v, size_t i, size_t *start, size_t *end)
{
    *start = (size_t)v->offsets[v->offset + i];
    *end = (size_t)v->offsets[v->offset + i + 1];
}
static inline sm_vector_t *sm_vector_child(const sm_vector_t *v, size_t k)
{
    return v->children[k];
}

/* ---- dictionary codes ------------------------------------------------- */

/* A dictionary: the distinct values of one dictionary-encoded column chunk
 * (a vector of the column's kind, no NULLs), shared by every vector
 * decoded from that chunk.  `id` is unique in the process for the
 * dictionary's life and beyond (a counter), so two dictionaries with equal
 * ids are the same dictionary: codes of vectors whose dicts have the same
 * id index the same values.  Immutable once made, except for the lazily
 * computed hashes (published atomically). */
struct sm_dict {
    sm_vector_t *values; /* owned */
    uint64_t id;
    unsigned refs;    /* atomic; private */
    uint64_t *hashes; /* atomic publication; private (sm_dict_hashes) */
};

/* A dictionary owning `values` (on success only; values must not be
 * modified afterwards), with one reference for the caller.  SM_ERR_NOMEM,
 * SM_ERR_INVALID for a NULL or nested values vector. */
sm_err_t sm_dict_new(sm_vector_t *values, sm_dict_t **out, sm_error_t *e);
/* A new reference to d (returned); NULL ok. */
sm_dict_t *sm_dict_ref(sm_dict_t *d);
/* Drops a reference; the last one frees the dictionary.  NULL ok. */
void sm_dict_unref(sm_dict_t *d);
/* The hashes of d's STRING/BINARY entries in *out (d->values->len of
 * them, owned by d): entry i hashes to sm_hash_bytes(bytes, len, 0) (an
 * empty entry as the bytes of "" — the hash the aggregate gives a key's
 * raw bytes).  Computed once and cached; any thread may call it.
 * SM_ERR_NOMEM, SM_ERR_INVALID for other kinds. */
sm_err_t sm_dict_hashes(sm_dict_t *d, const uint64_t **out, sm_error_t *e);

/* Attaches dictionary codes to v: takes a new reference to d and, when
 * own is true, ownership of codes (sm_malloc'd; v->offset + v->len
 * entries, each < d->values->len for a valid row).  Replaces any earlier
 * attachment.  The caller vouches that the codes describe v's values. */
void sm_vector_set_dict(sm_vector_t *v, sm_dict_t *d, uint32_t *codes, bool own);
/* Drops v's attachment (if any): v->dict and v->codes become NULL. */
void sm_vector_drop_dict(sm_vector_t *v);

/* Logical equality of two vectors: same kind tree (names and nullability
 * ignored), same length, same nulls, same values (floats compare by value
 * with NaN equal to NaN and -0.0 equal to 0.0). */
bool sm_vector_equal(const sm_vector_t *a, const sm_vector_t *b);

#endif
