#include "parquet/meta.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/thrift.h"

/* ---- enum names ------------------------------------------------------- */

#define NAME_OF(table, v)                                                                          \
    ((v) >= 0 && (size_t)(v) < sizeof(table) / sizeof((table)[0]) && (table)[(v)] ? (table)[(v)]   \
                                                                                  : "UNKNOWN")

const char *sm_pq_type_name(int v)
{
    static const char *const t[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                    "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return NAME_OF(t, v);
}

const char *sm_pq_converted_name(int v)
{
    static const char *const t[] = {"UTF8",
                                    "MAP",
                                    "MAP_KEY_VALUE",
                                    "LIST",
                                    "ENUM",
                                    "DECIMAL",
                                    "DATE",
                                    "TIME_MILLIS",
                                    "TIME_MICROS",
                                    "TIMESTAMP_MILLIS",
                                    "TIMESTAMP_MICROS",
                                    "UINT_8",
                                    "UINT_16",
                                    "UINT_32",
                                    "UINT_64",
                                    "INT_8",
                                    "INT_16",
                                    "INT_32",
                                    "INT_64",
                                    "JSON",
                                    "BSON",
                                    "INTERVAL"};
    return NAME_OF(t, v);
}

const char *sm_pq_repetition_name(int v)
{
    static const char *const t[] = {"REQUIRED", "OPTIONAL", "REPEATED", "VECTOR"};
    return NAME_OF(t, v);
}

const char *sm_pq_encoding_name(int v)
{
    static const char *const t[] = {"PLAIN",
                                    NULL,
                                    "PLAIN_DICTIONARY",
                                    "RLE",
                                    "BIT_PACKED",
                                    "DELTA_BINARY_PACKED",
                                    "DELTA_LENGTH_BYTE_ARRAY",
                                    "DELTA_BYTE_ARRAY",
                                    "RLE_DICTIONARY",
                                    "BYTE_STREAM_SPLIT"};
    return NAME_OF(t, v);
}

const char *sm_pq_page_type_name(int v)
{
    static const char *const t[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE", "DATA_PAGE_V2"};
    return NAME_OF(t, v);
}

static const char *unit_name(sm_pq_time_unit_t u)
{
    switch (u) {
    case SM_PQ_UNIT_MILLIS:
        return "MILLIS";
    case SM_PQ_UNIT_MICROS:
        return "MICROS";
    case SM_PQ_UNIT_NANOS:
        return "NANOS";
    default:
        return "UNKNOWN";
    }
}

char *sm_pq_logical_format(const sm_pq_logical_t *lt, char *out, size_t n)
{
    static const char *const simple[] = {
        [SM_PQ_LT_STRING] = "STRING",  [SM_PQ_LT_MAP] = "MAP",   [SM_PQ_LT_LIST] = "LIST",
        [SM_PQ_LT_ENUM] = "ENUM",      [SM_PQ_LT_DATE] = "DATE", [SM_PQ_LT_UNKNOWN] = "UNKNOWN",
        [SM_PQ_LT_JSON] = "JSON",      [SM_PQ_LT_BSON] = "BSON", [SM_PQ_LT_UUID] = "UUID",
        [SM_PQ_LT_FLOAT16] = "FLOAT16"};
    if (n == 0)
        return out;
    switch (lt->kind) {
    case SM_PQ_LT_NONE:
        out[0] = '\0';
        break;
    case SM_PQ_LT_DECIMAL:
        snprintf(out, n, "DECIMAL(%d,%d)", (int)lt->precision, (int)lt->scale);
        break;
    case SM_PQ_LT_TIME:
    case SM_PQ_LT_TIMESTAMP:
        snprintf(out, n, "%s(%s,%s)", lt->kind == SM_PQ_LT_TIME ? "TIME" : "TIMESTAMP",
                 unit_name(lt->unit), lt->is_adjusted_to_utc ? "utc" : "local");
        break;
    case SM_PQ_LT_INTEGER:
        snprintf(out, n, "INTEGER(%d,%s)", (int)lt->bit_width,
                 lt->is_signed ? "signed" : "unsigned");
        break;
    case SM_PQ_LT_OTHER:
        snprintf(out, n, "OTHER(%d)", (int)lt->other_id);
        break;
    default:
        if ((size_t)lt->kind < sizeof simple / sizeof simple[0] && simple[lt->kind])
            snprintf(out, n, "%s", simple[lt->kind]);
        else
            snprintf(out, n, "?(%d)", (int)lt->kind);
        break;
    }
    return out;
}

/* ---- decoder plumbing ------------------------------------------------- */

typedef struct dec {
    sm_pq_tr_t r;
    sm_arena_t *arena; /* NULL: binary values are borrowed from the input */
    size_t budget;     /* arena bytes this decode may still take */
    sm_error_t *e;
} dec_t;

#define TRY(x)                                                                                     \
    do {                                                                                           \
        rc = (x);                                                                                  \
        if (rc)                                                                                    \
            goto out;                                                                              \
    } while (0)

static const char *tname(int t)
{
    switch (t) {
    case SM_PQ_TC_BOOL:
    case SM_PQ_TC_BOOL_FALSE:
        return "bool";
    case SM_PQ_TC_I8:
    case SM_PQ_TC_I16:
    case SM_PQ_TC_I32:
    case SM_PQ_TC_I64:
        return "integer";
    case SM_PQ_TC_DOUBLE:
        return "double";
    case SM_PQ_TC_BINARY:
        return "binary";
    case SM_PQ_TC_LIST:
        return "list";
    case SM_PQ_TC_SET:
        return "set";
    case SM_PQ_TC_MAP:
        return "map";
    case SM_PQ_TC_STRUCT:
        return "struct";
    case SM_PQ_TC_UUID:
        return "uuid";
    default:
        return "?";
    }
}

static size_t at(const dec_t *d)
{
    return sm_pq_tr_offset(&d->r);
}

/* The field `name` (id) has type t; it must be `want`. */
static sm_err_t expect(dec_t *d, int t, int want, const char *name, int id)
{
    if (t == want || (want == SM_PQ_TC_LIST && t == SM_PQ_TC_SET))
        return SM_OK;
    return sm_error_set(d->e, SM_ERR_CORRUPT, "field %s (%d) is a %s, expected %s at offset %zu",
                        name, id, tname(t), tname(want), at(d));
}

static sm_err_t nonneg(dec_t *d, int64_t v, const char *name, int id)
{
    if (v >= 0)
        return SM_OK;
    return sm_error_set(d->e, SM_ERR_CORRUPT, "field %s (%d) is negative (%lld) before offset %zu",
                        name, id, (long long)v, at(d));
}

/* Every required field (bit i of `need` = id i) was seen. */
static sm_err_t required(dec_t *d, uint32_t seen, uint32_t need, const char *const *names,
                         size_t start)
{
    uint32_t miss = need & ~seen;
    if (!miss)
        return SM_OK;
    int id = __builtin_ctz(miss);
    return sm_error_set(d->e, SM_ERR_CORRUPT, "required field %s (%d) missing at offset %zu",
                        names[id], id, start);
}

static sm_err_t dalloc(dec_t *d, size_t count, size_t size, void **out)
{
    size_t n = 0;
    *out = NULL;
    if (!d->arena)
        return sm_error_set(d->e, SM_ERR_INTERNAL, "metadata decode needs an arena");
    if (!sm_size_mul(count, size, &n) || n > d->budget)
        return sm_error_set(d->e, SM_ERR_LIMIT,
                            "metadata at offset %zu expands beyond %zu bytes of memory", at(d),
                            d->budget);
    d->budget -= n;
    *out = sm_arena_calloc(d->arena, n ? n : 1);
    if (!*out)
        return sm_error_nomem(d->e, "parquet metadata");
    return SM_OK;
}

/* A string field: a NUL-terminated arena copy. */
static sm_err_t dstr(dec_t *d, int t, const char *name, int id, const char **s, size_t *len)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    sm_err_t rc = expect(d, t, SM_PQ_TC_BINARY, name, id);
    if (!rc)
        rc = sm_pq_tr_binary(&d->r, &p, &n, d->e);
    if (rc)
        return rc;
    char *c;
    rc = dalloc(d, 1, n + 1, (void **)&c);
    if (rc)
        return rc;
    if (n)
        memcpy(c, p, n);
    c[n] = '\0';
    *s = c;
    if (len)
        *len = n;
    return SM_OK;
}

/* A binary field: an arena copy, or borrowed without an arena. */
static sm_err_t dbytes(dec_t *d, int t, const char *name, int id, sm_pq_bytes_t *b)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    sm_err_t rc = expect(d, t, SM_PQ_TC_BINARY, name, id);
    if (!rc)
        rc = sm_pq_tr_binary(&d->r, &p, &n, d->e);
    if (rc)
        return rc;
    if (!d->arena) {
        b->ptr = p;
        b->len = n;
        return SM_OK;
    }
    uint8_t *copy;
    rc = dalloc(d, 1, n + 1, (void **)&copy);
    if (rc)
        return rc;
    if (n)
        memcpy(copy, p, n);
    copy[n] = 0;
    b->ptr = copy;
    b->len = n;
    return SM_OK;
}

static sm_err_t dbool(dec_t *d, int t, const char *name, int id, bool *v)
{
    sm_err_t rc = expect(d, t, SM_PQ_TC_BOOL, name, id);
    return rc ? rc : sm_pq_tr_bool(&d->r, v, d->e);
}

static sm_err_t di32(dec_t *d, int t, int32_t *v)
{
    return sm_pq_tr_i32(&d->r, t, v, d->e);
}

static sm_err_t di64(dec_t *d, int t, int64_t *v)
{
    return sm_pq_tr_int(&d->r, t, v, d->e);
}

/* An enum field (an i32) stored into an enum-typed member. */
#define DENUM(d, t, field)                                                                         \
    do {                                                                                           \
        int32_t v_;                                                                                \
        TRY(di32((d), (t), &v_));                                                                  \
        (field) = v_;                                                                              \
    } while (0)

static int is_int_type(int t)
{
    return t == SM_PQ_TC_I8 || t == SM_PQ_TC_I16 || t == SM_PQ_TC_I32 || t == SM_PQ_TC_I64;
}

/* A list field: checks its type and element type, allocates the array. */
static sm_err_t dlist(dec_t *d, int t, int elem_want, const char *name, int id, size_t elem_size,
                      uint32_t *count, void **arr)
{
    int elem = 0;
    sm_err_t rc = expect(d, t, SM_PQ_TC_LIST, name, id);
    if (!rc)
        rc = sm_pq_tr_list_begin(&d->r, &elem, count, d->e);
    if (rc)
        return rc;
    int ok = elem == elem_want || (elem_want == SM_PQ_TC_I32 && is_int_type(elem)) || *count == 0;
    if (!ok)
        return sm_error_set(d->e, SM_ERR_CORRUPT,
                            "field %s (%d) is a list of %s, expected %s at offset %zu", name, id,
                            tname(elem), tname(elem_want), at(d));
    if (elem_size == 0)
        return SM_OK;
    return dalloc(d, *count, elem_size, arr);
}

/* Thrift-generated readers skip a known field that arrives with another
 * wire type; so do we (some writers reused ids, e.g. ColumnMetaData 15 as a
 * list).  `types` holds one letter per field id from 1: i integer,
 * b binary, l list, s struct, o bool. */
static int wrong_type(const char *types, int id, int t)
{
    if (id < 1 || (size_t)id >= strlen(types))
        return 0;
    char c;
    switch (t) {
    case SM_PQ_TC_I8:
    case SM_PQ_TC_I16:
    case SM_PQ_TC_I32:
    case SM_PQ_TC_I64:
        c = 'i';
        break;
    case SM_PQ_TC_BINARY:
        c = 'b';
        break;
    case SM_PQ_TC_LIST:
    case SM_PQ_TC_SET:
        c = 'l';
        break;
    case SM_PQ_TC_STRUCT:
        c = 's';
        break;
    case SM_PQ_TC_BOOL:
        c = 'o';
        break;
    default:
        c = '?';
    }
    return types[id] != c;
}

/* The struct decoders.  Each wraps any failure with its struct's name. */

static sm_err_t skip_field(dec_t *d, int t)
{
    return sm_pq_tr_skip(&d->r, t, d->e);
}

/* A union member or marker that is an empty struct (StringType{}, ...):
 * its content is skipped for tolerance. */
static sm_err_t dempty(dec_t *d, int t, const char *name, int id)
{
    sm_err_t rc = expect(d, t, SM_PQ_TC_STRUCT, name, id);
    return rc ? rc : skip_field(d, t);
}

/* ---- Statistics ------------------------------------------------------- */

static sm_err_t dec_stats(dec_t *d, sm_pq_stats_t *s)
{
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-bbiibbooi", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(dbytes(d, t, "max", id, &s->max));
            s->has_max = true;
            break;
        case 2:
            TRY(dbytes(d, t, "min", id, &s->min));
            s->has_min = true;
            break;
        case 3:
            TRY(di64(d, t, &s->null_count));
            TRY(nonneg(d, s->null_count, "null_count", id));
            s->has_null_count = true;
            break;
        case 4:
            TRY(di64(d, t, &s->distinct_count));
            TRY(nonneg(d, s->distinct_count, "distinct_count", id));
            s->has_distinct_count = true;
            break;
        case 5:
            TRY(dbytes(d, t, "max_value", id, &s->max_value));
            s->has_max_value = true;
            break;
        case 6:
            TRY(dbytes(d, t, "min_value", id, &s->min_value));
            s->has_min_value = true;
            break;
        case 7:
            TRY(dbool(d, t, "is_max_value_exact", id, &s->is_max_value_exact));
            s->has_is_max_value_exact = true;
            break;
        case 8:
            TRY(dbool(d, t, "is_min_value_exact", id, &s->is_min_value_exact));
            s->has_is_min_value_exact = true;
            break;
        case 9:
            TRY(di64(d, t, &s->nan_count));
            TRY(nonneg(d, s->nan_count, "nan_count", id));
            s->has_nan_count = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
out:
    if (rc)
        sm_error_wrap(d->e, "Statistics");
    return rc;
}

/* ---- LogicalType -------------------------------------------------------- */

static sm_err_t dec_time_unit(dec_t *d, sm_pq_time_unit_t *u)
{
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    *u = SM_PQ_UNIT_NONE;
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (id >= 1 && id <= 3 && t == SM_PQ_TC_STRUCT)
            *u = (sm_pq_time_unit_t)id;
        else
            *u = SM_PQ_UNIT_NONE;
        TRY(skip_field(d, t));
    }
    sm_pq_tr_struct_end(&d->r);
out:
    if (rc)
        sm_error_wrap(d->e, "TimeUnit");
    return rc;
}

/* TimeType and TimestampType: {1: required bool isAdjustedToUTC,
 * 2: required TimeUnit unit}. */
static sm_err_t dec_time(dec_t *d, sm_pq_logical_t *lt, const char *sname)
{
    static const char *const names[] = {NULL, "isAdjustedToUTC", "unit"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-os", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        if (id == 1) {
            TRY(dbool(d, t, names[1], id, &lt->is_adjusted_to_utc));
            seen |= 1u << 1;
        } else if (id == 2) {
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[2], id));
            TRY(dec_time_unit(d, &lt->unit));
            seen |= 1u << 2;
        } else {
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x6, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "%s", sname);
    return rc;
}

static sm_err_t dec_decimal(dec_t *d, sm_pq_logical_t *lt)
{
    static const char *const names[] = {NULL, "scale", "precision"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-ii", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        if (id == 1) {
            TRY(di32(d, t, &lt->scale));
            seen |= 1u << 1;
        } else if (id == 2) {
            TRY(di32(d, t, &lt->precision));
            seen |= 1u << 2;
        } else {
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x6, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "DecimalType");
    return rc;
}

static sm_err_t dec_int_type(dec_t *d, sm_pq_logical_t *lt)
{
    static const char *const names[] = {NULL, "bitWidth", "isSigned"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-io", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        if (id == 1) {
            TRY(sm_pq_tr_i8(&d->r, t, &lt->bit_width, d->e));
            seen |= 1u << 1;
        } else if (id == 2) {
            TRY(dbool(d, t, names[2], id, &lt->is_signed));
            seen |= 1u << 2;
        } else {
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x6, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "IntType");
    return rc;
}

static sm_err_t dec_logical(dec_t *d, sm_pq_logical_t *lt)
{
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    memset(lt, 0, sizeof *lt);
    lt->kind = SM_PQ_LT_OTHER; /* an empty union is one we do not know */
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        memset(lt, 0, sizeof *lt);
        if (t != SM_PQ_TC_STRUCT) {
            TRY(skip_field(d, t));
            lt->kind = SM_PQ_LT_OTHER;
            lt->other_id = id;
            continue;
        }
        switch (id) {
        case SM_PQ_LT_STRING:
        case SM_PQ_LT_MAP:
        case SM_PQ_LT_LIST:
        case SM_PQ_LT_ENUM:
        case SM_PQ_LT_DATE:
        case SM_PQ_LT_UNKNOWN:
        case SM_PQ_LT_JSON:
        case SM_PQ_LT_BSON:
        case SM_PQ_LT_UUID:
        case SM_PQ_LT_FLOAT16:
            TRY(dempty(d, t, "LogicalType member", id));
            lt->kind = (sm_pq_logical_kind_t)id;
            break;
        case SM_PQ_LT_DECIMAL:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, "DECIMAL", id));
            TRY(dec_decimal(d, lt));
            lt->kind = SM_PQ_LT_DECIMAL;
            break;
        case SM_PQ_LT_TIME:
        case SM_PQ_LT_TIMESTAMP:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, id == SM_PQ_LT_TIME ? "TIME" : "TIMESTAMP", id));
            TRY(dec_time(d, lt, id == SM_PQ_LT_TIME ? "TimeType" : "TimestampType"));
            lt->kind = (sm_pq_logical_kind_t)id;
            break;
        case SM_PQ_LT_INTEGER:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, "INTEGER", id));
            TRY(dec_int_type(d, lt));
            lt->kind = SM_PQ_LT_INTEGER;
            break;
        default:
            TRY(skip_field(d, t));
            lt->kind = SM_PQ_LT_OTHER;
            lt->other_id = id;
        }
    }
    sm_pq_tr_struct_end(&d->r);
out:
    if (rc)
        sm_error_wrap(d->e, "LogicalType");
    return rc;
}

/* ---- SchemaElement ---------------------------------------------------- */

static sm_err_t dec_schema_elem(dec_t *d, sm_pq_schema_elem_t *s)
{
    static const char *const names[] = {
        NULL,        "type",         "type_length",    "repetition_type",
        "name",      "num_children", "converted_type", "scale",
        "precision", "field_id",     "logicalType"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iiibiiiiis", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            DENUM(d, t, s->type);
            s->has_type = true;
            break;
        case 2:
            TRY(di32(d, t, &s->type_length));
            TRY(nonneg(d, s->type_length, names[id], id));
            s->has_type_length = true;
            break;
        case 3:
            DENUM(d, t, s->repetition);
            s->has_repetition = true;
            break;
        case 4:
            TRY(dstr(d, t, names[id], id, &s->name, NULL));
            break;
        case 5:
            TRY(di32(d, t, &s->num_children));
            TRY(nonneg(d, s->num_children, names[id], id));
            s->has_num_children = true;
            break;
        case 6:
            DENUM(d, t, s->converted_type);
            s->has_converted_type = true;
            break;
        case 7:
            TRY(di32(d, t, &s->scale));
            s->has_scale = true;
            break;
        case 8:
            TRY(di32(d, t, &s->precision));
            s->has_precision = true;
            break;
        case 9:
            TRY(di32(d, t, &s->field_id));
            s->has_field_id = true;
            break;
        case 10:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            TRY(dec_logical(d, &s->logical));
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 10)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 1u << 4, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "SchemaElement");
    return rc;
}

/* ---- KeyValue ----------------------------------------------------------- */

static sm_err_t dec_kv(dec_t *d, sm_pq_kv_t *kv)
{
    static const char *const names[] = {NULL, "key", "value"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-bb", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        if (id == 1) {
            TRY(dstr(d, t, names[1], id, &kv->key, &kv->key_len));
            seen |= 1u << 1;
        } else if (id == 2) {
            TRY(dstr(d, t, names[2], id, &kv->value, &kv->value_len));
        } else {
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 1u << 1, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "KeyValue");
    return rc;
}

static sm_err_t dec_kv_list(dec_t *d, int t, const char *name, int id, uint32_t *n, sm_pq_kv_t **kv)
{
    sm_err_t rc;
    TRY(dlist(d, t, SM_PQ_TC_STRUCT, name, id, sizeof **kv, n, (void **)kv));
    for (uint32_t i = 0; i < *n; i++)
        TRY(dec_kv(d, &(*kv)[i]));
    sm_pq_tr_list_end(&d->r);
out:
    return rc;
}

/* ---- ColumnMetaData --------------------------------------------------- */

static sm_err_t dec_enc_stats(dec_t *d, sm_pq_page_enc_stats_t *s)
{
    static const char *const names[] = {NULL, "page_type", "encoding", "count"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iii", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            DENUM(d, t, s->page_type);
            break;
        case 2:
            DENUM(d, t, s->encoding);
            break;
        case 3:
            TRY(di32(d, t, &s->count));
            TRY(nonneg(d, s->count, names[id], id));
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 3)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0xe, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "PageEncodingStats");
    return rc;
}

static sm_err_t dec_column_meta(dec_t *d, sm_pq_column_meta_t *m)
{
    static const char *const names[] = {NULL,
                                        "type",
                                        "encodings",
                                        "path_in_schema",
                                        "codec",
                                        "num_values",
                                        "total_uncompressed_size",
                                        "total_compressed_size",
                                        "key_value_metadata",
                                        "data_page_offset",
                                        "index_page_offset",
                                        "dictionary_page_offset",
                                        "statistics",
                                        "encoding_stats",
                                        "bloom_filter_offset",
                                        "bloom_filter_length"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-illiiiiliiislii", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            DENUM(d, t, m->type);
            break;
        case 2: {
            int elem = 0;
            TRY(expect(d, t, SM_PQ_TC_LIST, names[id], id));
            TRY(sm_pq_tr_list_begin(&d->r, &elem, &m->num_encodings, d->e));
            TRY(dalloc(d, m->num_encodings, sizeof *m->encodings, (void **)&m->encodings));
            for (uint32_t i = 0; i < m->num_encodings; i++)
                DENUM(d, elem, m->encodings[i]);
            sm_pq_tr_list_end(&d->r);
            break;
        }
        case 3: {
            int elem = 0;
            TRY(expect(d, t, SM_PQ_TC_LIST, names[id], id));
            TRY(sm_pq_tr_list_begin(&d->r, &elem, &m->path_len, d->e));
            TRY(dalloc(d, m->path_len, sizeof *m->path, (void **)&m->path));
            for (uint32_t i = 0; i < m->path_len; i++)
                TRY(dstr(d, elem, names[id], id, &m->path[i], NULL));
            sm_pq_tr_list_end(&d->r);
            break;
        }
        case 4:
            DENUM(d, t, m->codec);
            break;
        case 5:
            TRY(di64(d, t, &m->num_values));
            TRY(nonneg(d, m->num_values, names[id], id));
            break;
        case 6:
            TRY(di64(d, t, &m->total_uncompressed_size));
            TRY(nonneg(d, m->total_uncompressed_size, names[id], id));
            break;
        case 7:
            TRY(di64(d, t, &m->total_compressed_size));
            TRY(nonneg(d, m->total_compressed_size, names[id], id));
            break;
        case 8:
            TRY(dec_kv_list(d, t, names[id], id, &m->num_kv, &m->kv));
            break;
        case 9:
            TRY(di64(d, t, &m->data_page_offset));
            TRY(nonneg(d, m->data_page_offset, names[id], id));
            break;
        case 10:
            TRY(di64(d, t, &m->index_page_offset));
            TRY(nonneg(d, m->index_page_offset, names[id], id));
            m->has_index_page_offset = true;
            break;
        case 11:
            TRY(di64(d, t, &m->dictionary_page_offset));
            TRY(nonneg(d, m->dictionary_page_offset, names[id], id));
            m->has_dictionary_page_offset = true;
            break;
        case 12:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&m->statistics, 0, sizeof m->statistics);
            TRY(dec_stats(d, &m->statistics));
            m->has_statistics = true;
            break;
        case 13:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *m->encoding_stats,
                      &m->num_encoding_stats, (void **)&m->encoding_stats));
            for (uint32_t i = 0; i < m->num_encoding_stats; i++)
                TRY(dec_enc_stats(d, &m->encoding_stats[i]));
            sm_pq_tr_list_end(&d->r);
            m->has_encoding_stats = true;
            break;
        case 14:
            TRY(di64(d, t, &m->bloom_filter_offset));
            TRY(nonneg(d, m->bloom_filter_offset, names[id], id));
            m->has_bloom_filter_offset = true;
            break;
        case 15:
            TRY(di32(d, t, &m->bloom_filter_length));
            TRY(nonneg(d, m->bloom_filter_length, names[id], id));
            m->has_bloom_filter_length = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 15)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    /* 1 type, 2 encodings, 3 path, 4 codec, 5-7 counts, 9 data_page_offset */
    TRY(required(d, seen, 0x2fe, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "ColumnMetaData");
    return rc;
}

/* ---- ColumnChunk, RowGroup -------------------------------------------- */

static sm_err_t dec_column_chunk(dec_t *d, sm_pq_column_chunk_t *c)
{
    static const char *const names[] = {NULL,
                                        "file_path",
                                        "file_offset",
                                        "meta_data",
                                        "offset_index_offset",
                                        "offset_index_length",
                                        "column_index_offset",
                                        "column_index_length",
                                        "crypto_metadata",
                                        "encrypted_column_metadata"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-bisiiiisb", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(dstr(d, t, names[id], id, &c->file_path, NULL));
            break;
        case 2:
            TRY(di64(d, t, &c->file_offset));
            TRY(nonneg(d, c->file_offset, names[id], id));
            c->has_file_offset = true;
            break;
        case 3:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&c->meta_data, 0, sizeof c->meta_data);
            TRY(dec_column_meta(d, &c->meta_data));
            c->has_meta_data = true;
            break;
        case 4:
            TRY(di64(d, t, &c->offset_index_offset));
            TRY(nonneg(d, c->offset_index_offset, names[id], id));
            c->has_offset_index_offset = true;
            break;
        case 5:
            TRY(di32(d, t, &c->offset_index_length));
            TRY(nonneg(d, c->offset_index_length, names[id], id));
            c->has_offset_index_length = true;
            break;
        case 6:
            TRY(di64(d, t, &c->column_index_offset));
            TRY(nonneg(d, c->column_index_offset, names[id], id));
            c->has_column_index_offset = true;
            break;
        case 7:
            TRY(di32(d, t, &c->column_index_length));
            TRY(nonneg(d, c->column_index_length, names[id], id));
            c->has_column_index_length = true;
            break;
        case 8:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            TRY(skip_field(d, t));
            c->has_crypto_metadata = true;
            break;
        case 9:
            TRY(expect(d, t, SM_PQ_TC_BINARY, names[id], id));
            TRY(skip_field(d, t));
            c->has_encrypted_column_metadata = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
    }
    sm_pq_tr_struct_end(&d->r);
out:
    if (rc)
        sm_error_wrap(d->e, "ColumnChunk");
    return rc;
}

static sm_err_t dec_sorting_column(dec_t *d, sm_pq_sorting_column_t *s)
{
    static const char *const names[] = {NULL, "column_idx", "descending", "nulls_first"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-ioo", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(di32(d, t, &s->column_idx));
            TRY(nonneg(d, s->column_idx, names[id], id));
            break;
        case 2:
            TRY(dbool(d, t, names[id], id, &s->descending));
            break;
        case 3:
            TRY(dbool(d, t, names[id], id, &s->nulls_first));
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 3)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0xe, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "SortingColumn");
    return rc;
}

static sm_err_t dec_row_group(dec_t *d, sm_pq_row_group_t *g)
{
    static const char *const names[] = {NULL,
                                        "columns",
                                        "total_byte_size",
                                        "num_rows",
                                        "sorting_columns",
                                        "file_offset",
                                        "total_compressed_size",
                                        "ordinal"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-liiliii", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *g->columns, &g->num_columns,
                      (void **)&g->columns));
            for (uint32_t i = 0; i < g->num_columns; i++)
                TRY(dec_column_chunk(d, &g->columns[i]));
            sm_pq_tr_list_end(&d->r);
            break;
        case 2:
            TRY(di64(d, t, &g->total_byte_size));
            TRY(nonneg(d, g->total_byte_size, names[id], id));
            break;
        case 3:
            TRY(di64(d, t, &g->num_rows));
            TRY(nonneg(d, g->num_rows, names[id], id));
            break;
        case 4:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *g->sorting_columns,
                      &g->num_sorting_columns, (void **)&g->sorting_columns));
            for (uint32_t i = 0; i < g->num_sorting_columns; i++)
                TRY(dec_sorting_column(d, &g->sorting_columns[i]));
            sm_pq_tr_list_end(&d->r);
            g->has_sorting_columns = true;
            break;
        case 5:
            TRY(di64(d, t, &g->file_offset));
            TRY(nonneg(d, g->file_offset, names[id], id));
            g->has_file_offset = true;
            break;
        case 6:
            TRY(di64(d, t, &g->total_compressed_size));
            TRY(nonneg(d, g->total_compressed_size, names[id], id));
            g->has_total_compressed_size = true;
            break;
        case 7:
            TRY(sm_pq_tr_i16(&d->r, t, &g->ordinal, d->e));
            g->has_ordinal = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 7)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0xe, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "RowGroup");
    return rc;
}

/* ---- ColumnOrder, FileMetaData ---------------------------------------- */

static sm_err_t dec_column_order(dec_t *d, sm_pq_column_order_t *o)
{
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    o->kind = SM_PQ_ORDER_OTHER;
    o->other_id = 0;
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (id >= 1 && id <= 3 && t == SM_PQ_TC_STRUCT) {
            o->kind = (sm_pq_order_kind_t)id;
            o->other_id = 0;
        } else {
            o->kind = SM_PQ_ORDER_OTHER;
            o->other_id = id;
        }
        TRY(skip_field(d, t));
    }
    sm_pq_tr_struct_end(&d->r);
out:
    if (rc)
        sm_error_wrap(d->e, "ColumnOrder");
    return rc;
}

static sm_err_t dec_file_meta(dec_t *d, sm_pq_file_meta_t *fm)
{
    static const char *const names[] = {NULL,
                                        "version",
                                        "schema",
                                        "num_rows",
                                        "row_groups",
                                        "key_value_metadata",
                                        "created_by",
                                        "column_orders",
                                        "encryption_algorithm",
                                        "footer_signing_key_metadata"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-ilillblsb", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(di32(d, t, &fm->version));
            break;
        case 2:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *fm->schema, &fm->num_schema,
                      (void **)&fm->schema));
            for (uint32_t i = 0; i < fm->num_schema; i++)
                TRY(dec_schema_elem(d, &fm->schema[i]));
            sm_pq_tr_list_end(&d->r);
            break;
        case 3:
            TRY(di64(d, t, &fm->num_rows));
            TRY(nonneg(d, fm->num_rows, names[id], id));
            break;
        case 4:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *fm->row_groups,
                      &fm->num_row_groups, (void **)&fm->row_groups));
            for (uint32_t i = 0; i < fm->num_row_groups; i++)
                TRY(dec_row_group(d, &fm->row_groups[i]));
            sm_pq_tr_list_end(&d->r);
            break;
        case 5:
            TRY(dec_kv_list(d, t, names[id], id, &fm->num_kv, &fm->kv));
            break;
        case 6:
            TRY(dstr(d, t, names[id], id, &fm->created_by, NULL));
            break;
        case 7:
            TRY(dlist(d, t, SM_PQ_TC_STRUCT, names[id], id, sizeof *fm->column_orders,
                      &fm->num_column_orders, (void **)&fm->column_orders));
            for (uint32_t i = 0; i < fm->num_column_orders; i++)
                TRY(dec_column_order(d, &fm->column_orders[i]));
            sm_pq_tr_list_end(&d->r);
            fm->has_column_orders = true;
            break;
        case 8:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            TRY(skip_field(d, t));
            fm->has_encryption_algorithm = true;
            break;
        case 9:
            TRY(expect(d, t, SM_PQ_TC_BINARY, names[id], id));
            TRY(skip_field(d, t));
            fm->has_footer_signing_key_metadata = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 9)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x1e, names, start));
    if (fm->num_schema == 0) {
        rc = sm_error_set(d->e, SM_ERR_CORRUPT, "schema is empty (no root element) at offset %zu",
                          start);
        goto out;
    }
out:
    if (rc)
        sm_error_wrap(d->e, "FileMetaData");
    return rc;
}

static void dec_init(dec_t *d, const void *data, size_t len, sm_arena_t *arena, sm_error_t *e)
{
    sm_pq_tr_init(&d->r, data, len);
    d->arena = arena;
    d->e = e;
    /* 64x the input plus 1 MiB: ample for real footers, bounded for hostile ones */
    d->budget = len > (SIZE_MAX - (1u << 20)) / 64 ? SIZE_MAX : len * 64 + (1u << 20);
}

sm_err_t sm_pq_file_meta_decode(const void *data, size_t len, sm_arena_t *arena,
                                sm_pq_file_meta_t *fm, sm_error_t *e)
{
    dec_t d;
    sm_err_t rc;
    memset(fm, 0, sizeof *fm);
    if (!arena)
        return sm_error_set(e, SM_ERR_INVALID, "FileMetaData: decoding needs an arena");
    dec_init(&d, data, len, arena, e);
    rc = dec_file_meta(&d, fm);
    if (!rc && d.r.pos != len)
        rc = sm_error_set(e, SM_ERR_CORRUPT,
                          "FileMetaData: ends at offset %zu but the footer is %zu bytes", d.r.pos,
                          len);
    if (rc)
        memset(fm, 0, sizeof *fm);
    return rc;
}

/* ---- footer ------------------------------------------------------------- */

sm_err_t sm_pq_footer_len(const uint8_t last8[8], uint32_t *footer_len, sm_error_t *e)
{
    const uint8_t *magic = last8 + 4;
    *footer_len = 0;
    if (memcmp(magic, "PARE", 4) == 0)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "encrypted Parquet footer (PARE) is not supported");
    if (memcmp(magic, "PAR1", 4) != 0)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "not a Parquet file: no PAR1 magic at the end (found %02x %02x %02x "
                            "%02x)",
                            magic[0], magic[1], magic[2], magic[3]);
    uint32_t n = (uint32_t)last8[0] | (uint32_t)last8[1] << 8 | (uint32_t)last8[2] << 16 |
                 (uint32_t)last8[3] << 24;
    if (n > SM_PQ_FOOTER_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "Parquet footer of %u bytes exceeds the limit of %u",
                            n, SM_PQ_FOOTER_MAX);
    *footer_len = n;
    return SM_OK;
}

sm_err_t sm_pq_footer_parse_tail(const void *tail, size_t len, uint64_t file_size,
                                 sm_arena_t *arena, sm_pq_file_meta_t *fm, sm_error_t *e)
{
    const uint8_t *b = tail;
    uint32_t flen;
    memset(fm, 0, sizeof *fm);
    if (len > file_size)
        return sm_error_set(e, SM_ERR_INVALID, "footer tail of %zu bytes is longer than the file",
                            len);
    if (file_size < 12 || len < 8)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "not a Parquet file: %llu bytes is too small (need at least 12)",
                            (unsigned long long)file_size);
    sm_err_t rc = sm_pq_footer_len(b + len - 8, &flen, e);
    if (rc)
        return rc;
    if ((uint64_t)flen + 12 > file_size)
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "Parquet footer length %u does not fit in a file of %llu bytes", flen,
                            (unsigned long long)file_size);
    if ((size_t)flen + 8 > len)
        return sm_error_set(e, SM_ERR_INVALID,
                            "Parquet footer of %u bytes needs a tail of %u bytes, got %zu", flen,
                            flen + 8, len);
    if (len == file_size && memcmp(b, "PAR1", 4) != 0)
        return sm_error_set(e, SM_ERR_CORRUPT, "not a Parquet file: no PAR1 magic at the start");
    size_t off = len - 8 - flen;
    rc = sm_pq_file_meta_decode(b + off, flen, arena, fm, e);
    if (rc)
        sm_error_wrap(e, "Parquet footer at file offset %llu",
                      (unsigned long long)(file_size - 8 - flen));
    return rc;
}

sm_err_t sm_pq_footer_parse(const void *bytes, size_t len, sm_arena_t *arena, sm_pq_file_meta_t *fm,
                            sm_error_t *e)
{
    return sm_pq_footer_parse_tail(bytes, len, len, arena, fm, e);
}

/* ---- PageHeader --------------------------------------------------------- */

static sm_err_t dec_data_page_header(dec_t *d, sm_pq_data_page_header_t *h)
{
    static const char *const names[] = {NULL,
                                        "num_values",
                                        "encoding",
                                        "definition_level_encoding",
                                        "repetition_level_encoding",
                                        "statistics"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iiiis", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(di32(d, t, &h->num_values));
            TRY(nonneg(d, h->num_values, names[id], id));
            break;
        case 2:
            DENUM(d, t, h->encoding);
            break;
        case 3:
            DENUM(d, t, h->definition_level_encoding);
            break;
        case 4:
            DENUM(d, t, h->repetition_level_encoding);
            break;
        case 5:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&h->statistics, 0, sizeof h->statistics);
            TRY(dec_stats(d, &h->statistics));
            h->has_statistics = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 5)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x1e, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "DataPageHeader");
    return rc;
}

static sm_err_t dec_dict_page_header(dec_t *d, sm_pq_dict_page_header_t *h)
{
    static const char *const names[] = {NULL, "num_values", "encoding", "is_sorted"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iio", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(di32(d, t, &h->num_values));
            TRY(nonneg(d, h->num_values, names[id], id));
            break;
        case 2:
            DENUM(d, t, h->encoding);
            break;
        case 3:
            TRY(dbool(d, t, names[id], id, &h->is_sorted));
            h->has_is_sorted = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 3)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x6, names, start));
out:
    if (rc)
        sm_error_wrap(d->e, "DictionaryPageHeader");
    return rc;
}

static sm_err_t dec_data_page_header_v2(dec_t *d, sm_pq_data_page_header_v2_t *h)
{
    static const char *const names[] = {NULL,
                                        "num_values",
                                        "num_nulls",
                                        "num_rows",
                                        "encoding",
                                        "definition_levels_byte_length",
                                        "repetition_levels_byte_length",
                                        "is_compressed",
                                        "statistics"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    h->is_compressed = true;
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iiiiiios", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            TRY(di32(d, t, &h->num_values));
            TRY(nonneg(d, h->num_values, names[id], id));
            break;
        case 2:
            TRY(di32(d, t, &h->num_nulls));
            TRY(nonneg(d, h->num_nulls, names[id], id));
            break;
        case 3:
            TRY(di32(d, t, &h->num_rows));
            TRY(nonneg(d, h->num_rows, names[id], id));
            break;
        case 4:
            DENUM(d, t, h->encoding);
            break;
        case 5:
            TRY(di32(d, t, &h->definition_levels_byte_length));
            TRY(nonneg(d, h->definition_levels_byte_length, names[id], id));
            break;
        case 6:
            TRY(di32(d, t, &h->repetition_levels_byte_length));
            TRY(nonneg(d, h->repetition_levels_byte_length, names[id], id));
            break;
        case 7:
            TRY(dbool(d, t, names[id], id, &h->is_compressed));
            h->has_is_compressed = true;
            break;
        case 8:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&h->statistics, 0, sizeof h->statistics);
            TRY(dec_stats(d, &h->statistics));
            h->has_statistics = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 8)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0x7e, names, start));
    if (h->num_nulls > h->num_values) {
        rc = sm_error_set(d->e, SM_ERR_CORRUPT,
                          "num_nulls %d exceeds num_values %d in the header at offset %zu",
                          (int)h->num_nulls, (int)h->num_values, start);
        goto out;
    }
out:
    if (rc)
        sm_error_wrap(d->e, "DataPageHeaderV2");
    return rc;
}

static sm_err_t dec_page_header(dec_t *d, sm_pq_page_header_t *ph)
{
    static const char *const names[] = {NULL,
                                        "type",
                                        "uncompressed_page_size",
                                        "compressed_page_size",
                                        "crc",
                                        "data_page_header",
                                        "index_page_header",
                                        "dictionary_page_header",
                                        "data_page_header_v2"};
    sm_err_t rc;
    int t = 0;
    int16_t id = 0;
    uint32_t seen = 0;
    size_t start = at(d);
    TRY(sm_pq_tr_struct_begin(&d->r, d->e));
    for (;;) {
        TRY(sm_pq_tr_field(&d->r, &t, &id, d->e));
        if (t == SM_PQ_TC_STOP)
            break;
        if (wrong_type("-iiiissss", id, t)) {
            TRY(skip_field(d, t));
            continue;
        }
        switch (id) {
        case 1:
            DENUM(d, t, ph->type);
            break;
        case 2:
            TRY(di32(d, t, &ph->uncompressed_page_size));
            TRY(nonneg(d, ph->uncompressed_page_size, names[id], id));
            break;
        case 3:
            TRY(di32(d, t, &ph->compressed_page_size));
            TRY(nonneg(d, ph->compressed_page_size, names[id], id));
            break;
        case 4: {
            int32_t crc = 0;
            TRY(di32(d, t, &crc));
            ph->crc = (uint32_t)crc;
            ph->has_crc = true;
            break;
        }
        case 5:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&ph->data_page_header, 0, sizeof ph->data_page_header);
            TRY(dec_data_page_header(d, &ph->data_page_header));
            ph->has_data_page_header = true;
            break;
        case 6:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            TRY(skip_field(d, t));
            ph->has_index_page_header = true;
            break;
        case 7:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&ph->dictionary_page_header, 0, sizeof ph->dictionary_page_header);
            TRY(dec_dict_page_header(d, &ph->dictionary_page_header));
            ph->has_dictionary_page_header = true;
            break;
        case 8:
            TRY(expect(d, t, SM_PQ_TC_STRUCT, names[id], id));
            memset(&ph->data_page_header_v2, 0, sizeof ph->data_page_header_v2);
            TRY(dec_data_page_header_v2(d, &ph->data_page_header_v2));
            ph->has_data_page_header_v2 = true;
            break;
        default:
            TRY(skip_field(d, t));
        }
        if (id >= 1 && id <= 8)
            seen |= 1u << id;
    }
    sm_pq_tr_struct_end(&d->r);
    TRY(required(d, seen, 0xe, names, start));
    int sub = ph->type == SM_PQ_PAGE_DATA         ? 5
              : ph->type == SM_PQ_PAGE_DICTIONARY ? 7
              : ph->type == SM_PQ_PAGE_DATA_V2    ? 8
                                                  : 0;
    if (sub && !(seen & (1u << sub))) {
        rc = sm_error_set(d->e, SM_ERR_CORRUPT, "%s page without %s (%d) at offset %zu",
                          sm_pq_page_type_name(ph->type), names[sub], sub, start);
        goto out;
    }
    if (sub == 8) {
        const sm_pq_data_page_header_v2_t *v2 = &ph->data_page_header_v2;
        int64_t levels =
            (int64_t)v2->definition_levels_byte_length + v2->repetition_levels_byte_length;
        if (levels > ph->compressed_page_size || levels > ph->uncompressed_page_size) {
            rc = sm_error_set(d->e, SM_ERR_CORRUPT,
                              "v2 level lengths (%lld bytes) exceed the page size at offset %zu",
                              (long long)levels, start);
            goto out;
        }
    }
out:
    if (rc)
        sm_error_wrap(d->e, "PageHeader");
    return rc;
}

sm_err_t sm_pq_page_header_decode(const void *data, size_t len, sm_arena_t *arena,
                                  sm_pq_page_header_t *ph, size_t *used, sm_error_t *e)
{
    dec_t d;
    memset(ph, 0, sizeof *ph);
    *used = 0;
    dec_init(&d, data, len, arena, e);
    sm_err_t rc = dec_page_header(&d, ph);
    if (rc) {
        memset(ph, 0, sizeof *ph);
        return rc;
    }
    *used = d.r.pos;
    return SM_OK;
}

/* ---- encoding ----------------------------------------------------------- */

static sm_err_t bad(sm_pq_tw_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static sm_err_t bad(sm_pq_tw_t *w, const char *fmt, ...)
{
    if (w->rc)
        return w->rc;
    va_list ap;
    va_start(ap, fmt);
    w->rc = sm_error_setv(w->e, SM_ERR_INVALID, fmt, ap);
    va_end(ap);
    return w->rc;
}

static void enc_str(sm_pq_tw_t *w, int16_t id, const char *s, const char *what)
{
    if (!s) {
        bad(w, "cannot encode %s: it is NULL", what);
        return;
    }
    sm_pq_tw_field_binary(w, id, s, strlen(s));
}

static void enc_bytes(sm_pq_tw_t *w, int16_t id, const sm_pq_bytes_t *b)
{
    if (!b->ptr && b->len)
        bad(w, "cannot encode statistics bytes: NULL pointer");
    else
        sm_pq_tw_field_binary(w, id, b->ptr, b->len);
}

static void enc_stats(sm_pq_tw_t *w, int16_t fid, const sm_pq_stats_t *s)
{
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, fid);
    sm_pq_tw_struct_begin(w);
    if (s->has_max)
        enc_bytes(w, 1, &s->max);
    if (s->has_min)
        enc_bytes(w, 2, &s->min);
    if (s->has_null_count)
        sm_pq_tw_field_i64(w, 3, s->null_count);
    if (s->has_distinct_count)
        sm_pq_tw_field_i64(w, 4, s->distinct_count);
    if (s->has_max_value)
        enc_bytes(w, 5, &s->max_value);
    if (s->has_min_value)
        enc_bytes(w, 6, &s->min_value);
    if (s->has_is_max_value_exact)
        sm_pq_tw_field_bool(w, 7, s->is_max_value_exact);
    if (s->has_is_min_value_exact)
        sm_pq_tw_field_bool(w, 8, s->is_min_value_exact);
    if (s->has_nan_count)
        sm_pq_tw_field_i64(w, 9, s->nan_count);
    sm_pq_tw_struct_end(w);
}

static void enc_unit(sm_pq_tw_t *w, sm_pq_time_unit_t u)
{
    if (u < SM_PQ_UNIT_MILLIS || u > SM_PQ_UNIT_NANOS) {
        bad(w, "cannot encode a time unit of %d", (int)u);
        return;
    }
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 2);
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_empty_struct(w, (int16_t)u);
    sm_pq_tw_struct_end(w);
}

static void enc_logical(sm_pq_tw_t *w, const sm_pq_logical_t *lt)
{
    int16_t kind = (int16_t)lt->kind;
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 10);
    sm_pq_tw_struct_begin(w);
    switch (lt->kind) {
    case SM_PQ_LT_STRING:
    case SM_PQ_LT_MAP:
    case SM_PQ_LT_LIST:
    case SM_PQ_LT_ENUM:
    case SM_PQ_LT_DATE:
    case SM_PQ_LT_UNKNOWN:
    case SM_PQ_LT_JSON:
    case SM_PQ_LT_BSON:
    case SM_PQ_LT_UUID:
    case SM_PQ_LT_FLOAT16:
        sm_pq_tw_field_empty_struct(w, kind);
        break;
    case SM_PQ_LT_DECIMAL:
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, kind);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_i32(w, 1, lt->scale);
        sm_pq_tw_field_i32(w, 2, lt->precision);
        sm_pq_tw_struct_end(w);
        break;
    case SM_PQ_LT_TIME:
    case SM_PQ_LT_TIMESTAMP:
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, kind);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_bool(w, 1, lt->is_adjusted_to_utc);
        enc_unit(w, lt->unit);
        sm_pq_tw_struct_end(w);
        break;
    case SM_PQ_LT_INTEGER:
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, kind);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_i8(w, 1, lt->bit_width);
        sm_pq_tw_field_bool(w, 2, lt->is_signed);
        sm_pq_tw_struct_end(w);
        break;
    default:
        bad(w, "cannot encode logical type kind %d", (int)lt->kind);
        return;
    }
    sm_pq_tw_struct_end(w);
}

static void enc_schema_elem(sm_pq_tw_t *w, const sm_pq_schema_elem_t *s)
{
    sm_pq_tw_struct_begin(w);
    if (s->has_type)
        sm_pq_tw_field_i32(w, 1, (int32_t)s->type);
    if (s->has_type_length)
        sm_pq_tw_field_i32(w, 2, s->type_length);
    if (s->has_repetition)
        sm_pq_tw_field_i32(w, 3, (int32_t)s->repetition);
    enc_str(w, 4, s->name, "SchemaElement.name");
    if (s->has_num_children)
        sm_pq_tw_field_i32(w, 5, s->num_children);
    if (s->has_converted_type)
        sm_pq_tw_field_i32(w, 6, (int32_t)s->converted_type);
    if (s->has_scale)
        sm_pq_tw_field_i32(w, 7, s->scale);
    if (s->has_precision)
        sm_pq_tw_field_i32(w, 8, s->precision);
    if (s->has_field_id)
        sm_pq_tw_field_i32(w, 9, s->field_id);
    if (s->logical.kind != SM_PQ_LT_NONE)
        enc_logical(w, &s->logical);
    sm_pq_tw_struct_end(w);
}

static void enc_kv_list(sm_pq_tw_t *w, int16_t id, uint32_t n, const sm_pq_kv_t *kv)
{
    if (n && !kv) {
        bad(w, "cannot encode key_value_metadata: NULL array");
        return;
    }
    sm_pq_tw_field(w, SM_PQ_TC_LIST, id);
    sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        sm_pq_tw_struct_begin(w);
        if (!kv[i].key)
            bad(w, "cannot encode KeyValue: NULL key");
        else
            sm_pq_tw_field_binary(w, 1, kv[i].key,
                                  kv[i].key_len ? kv[i].key_len : strlen(kv[i].key));
        if (kv[i].value)
            sm_pq_tw_field_binary(w, 2, kv[i].value,
                                  kv[i].value_len ? kv[i].value_len : strlen(kv[i].value));
        sm_pq_tw_struct_end(w);
    }
}

static void enc_column_meta(sm_pq_tw_t *w, const sm_pq_column_meta_t *m)
{
    sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 3);
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_i32(w, 1, (int32_t)m->type);
    if ((m->num_encodings && !m->encodings) || (m->path_len && !m->path)) {
        bad(w, "cannot encode ColumnMetaData: NULL encodings or path");
        return;
    }
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 2);
    sm_pq_tw_list_begin(w, SM_PQ_TC_I32, m->num_encodings);
    for (uint32_t i = 0; i < m->num_encodings; i++)
        sm_pq_tw_i32(w, (int32_t)m->encodings[i]);
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 3);
    sm_pq_tw_list_begin(w, SM_PQ_TC_BINARY, m->path_len);
    for (uint32_t i = 0; i < m->path_len; i++) {
        if (!m->path[i])
            bad(w, "cannot encode ColumnMetaData: NULL path element");
        else
            sm_pq_tw_binary(w, m->path[i], strlen(m->path[i]));
    }
    sm_pq_tw_field_i32(w, 4, (int32_t)m->codec);
    sm_pq_tw_field_i64(w, 5, m->num_values);
    sm_pq_tw_field_i64(w, 6, m->total_uncompressed_size);
    sm_pq_tw_field_i64(w, 7, m->total_compressed_size);
    if (m->num_kv)
        enc_kv_list(w, 8, m->num_kv, m->kv);
    sm_pq_tw_field_i64(w, 9, m->data_page_offset);
    if (m->has_index_page_offset)
        sm_pq_tw_field_i64(w, 10, m->index_page_offset);
    if (m->has_dictionary_page_offset)
        sm_pq_tw_field_i64(w, 11, m->dictionary_page_offset);
    if (m->has_statistics)
        enc_stats(w, 12, &m->statistics);
    if (m->has_encoding_stats) {
        if (m->num_encoding_stats && !m->encoding_stats) {
            bad(w, "cannot encode encoding_stats: NULL array");
            return;
        }
        sm_pq_tw_field(w, SM_PQ_TC_LIST, 13);
        sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, m->num_encoding_stats);
        for (uint32_t i = 0; i < m->num_encoding_stats; i++) {
            const sm_pq_page_enc_stats_t *s = &m->encoding_stats[i];
            sm_pq_tw_struct_begin(w);
            sm_pq_tw_field_i32(w, 1, (int32_t)s->page_type);
            sm_pq_tw_field_i32(w, 2, (int32_t)s->encoding);
            sm_pq_tw_field_i32(w, 3, s->count);
            sm_pq_tw_struct_end(w);
        }
    }
    if (m->has_bloom_filter_offset)
        sm_pq_tw_field_i64(w, 14, m->bloom_filter_offset);
    if (m->has_bloom_filter_length)
        sm_pq_tw_field_i32(w, 15, m->bloom_filter_length);
    sm_pq_tw_struct_end(w);
}

static void enc_column_chunk(sm_pq_tw_t *w, const sm_pq_column_chunk_t *c)
{
    if (c->has_crypto_metadata || c->has_encrypted_column_metadata) {
        bad(w, "cannot encode an encrypted column chunk");
        return;
    }
    sm_pq_tw_struct_begin(w);
    if (c->file_path)
        sm_pq_tw_field_binary(w, 1, c->file_path, strlen(c->file_path));
    /* required in the IDL: Thrift-generated readers reject chunks without it */
    sm_pq_tw_field_i64(w, 2, c->file_offset);
    if (c->has_meta_data)
        enc_column_meta(w, &c->meta_data);
    if (c->has_offset_index_offset)
        sm_pq_tw_field_i64(w, 4, c->offset_index_offset);
    if (c->has_offset_index_length)
        sm_pq_tw_field_i32(w, 5, c->offset_index_length);
    if (c->has_column_index_offset)
        sm_pq_tw_field_i64(w, 6, c->column_index_offset);
    if (c->has_column_index_length)
        sm_pq_tw_field_i32(w, 7, c->column_index_length);
    sm_pq_tw_struct_end(w);
}

static void enc_row_group(sm_pq_tw_t *w, const sm_pq_row_group_t *g)
{
    if ((g->num_columns && !g->columns) || (g->num_sorting_columns && !g->sorting_columns)) {
        bad(w, "cannot encode RowGroup: NULL columns");
        return;
    }
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 1);
    sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, g->num_columns);
    for (uint32_t i = 0; i < g->num_columns; i++)
        enc_column_chunk(w, &g->columns[i]);
    sm_pq_tw_field_i64(w, 2, g->total_byte_size);
    sm_pq_tw_field_i64(w, 3, g->num_rows);
    if (g->has_sorting_columns) {
        sm_pq_tw_field(w, SM_PQ_TC_LIST, 4);
        sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, g->num_sorting_columns);
        for (uint32_t i = 0; i < g->num_sorting_columns; i++) {
            sm_pq_tw_struct_begin(w);
            sm_pq_tw_field_i32(w, 1, g->sorting_columns[i].column_idx);
            sm_pq_tw_field_bool(w, 2, g->sorting_columns[i].descending);
            sm_pq_tw_field_bool(w, 3, g->sorting_columns[i].nulls_first);
            sm_pq_tw_struct_end(w);
        }
    }
    if (g->has_file_offset)
        sm_pq_tw_field_i64(w, 5, g->file_offset);
    if (g->has_total_compressed_size)
        sm_pq_tw_field_i64(w, 6, g->total_compressed_size);
    if (g->has_ordinal)
        sm_pq_tw_field_i16(w, 7, g->ordinal);
    sm_pq_tw_struct_end(w);
}

sm_err_t sm_pq_file_meta_encode(const sm_pq_file_meta_t *fm, sm_buf_t *out, sm_error_t *e)
{
    sm_pq_tw_t tw, *w = &tw;
    sm_pq_tw_init(w, out, e);
    if (fm->has_encryption_algorithm || fm->has_footer_signing_key_metadata)
        return bad(w, "cannot encode FileMetaData of an encrypted file");
    if ((fm->num_schema && !fm->schema) || (fm->num_row_groups && !fm->row_groups) ||
        (fm->num_column_orders && !fm->column_orders))
        return bad(w, "cannot encode FileMetaData: NULL array with a non-zero count");
    if (fm->num_rows < 0)
        return bad(w, "cannot encode FileMetaData: negative num_rows");
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_i32(w, 1, fm->version);
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 2);
    sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, fm->num_schema);
    for (uint32_t i = 0; i < fm->num_schema; i++)
        enc_schema_elem(w, &fm->schema[i]);
    sm_pq_tw_field_i64(w, 3, fm->num_rows);
    sm_pq_tw_field(w, SM_PQ_TC_LIST, 4);
    sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, fm->num_row_groups);
    for (uint32_t i = 0; i < fm->num_row_groups; i++)
        enc_row_group(w, &fm->row_groups[i]);
    if (fm->num_kv)
        enc_kv_list(w, 5, fm->num_kv, fm->kv);
    if (fm->created_by)
        sm_pq_tw_field_binary(w, 6, fm->created_by, strlen(fm->created_by));
    if (fm->has_column_orders) {
        sm_pq_tw_field(w, SM_PQ_TC_LIST, 7);
        sm_pq_tw_list_begin(w, SM_PQ_TC_STRUCT, fm->num_column_orders);
        for (uint32_t i = 0; i < fm->num_column_orders; i++) {
            const sm_pq_column_order_t *o = &fm->column_orders[i];
            if (o->kind < SM_PQ_ORDER_TYPE_DEFINED || o->kind > SM_PQ_ORDER_INT96_TIMESTAMP)
                return bad(w, "cannot encode column order kind %d", (int)o->kind);
            sm_pq_tw_struct_begin(w);
            sm_pq_tw_field_empty_struct(w, (int16_t)o->kind);
            sm_pq_tw_struct_end(w);
        }
    }
    return sm_pq_tw_struct_end(w);
}

sm_err_t sm_pq_footer_append(const sm_pq_file_meta_t *fm, sm_buf_t *out, sm_error_t *e)
{
    size_t start = out->len;
    sm_err_t rc = sm_pq_file_meta_encode(fm, out, e);
    if (rc)
        return rc;
    size_t n = out->len - start;
    if (n > UINT32_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "FileMetaData of %zu bytes is too large", n);
    uint8_t tail[8] = {
        (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24), 'P', 'A', 'R', '1'};
    return sm_buf_append(out, tail, sizeof tail, e);
}

sm_err_t sm_pq_page_header_encode(const sm_pq_page_header_t *ph, sm_buf_t *out, sm_error_t *e)
{
    sm_pq_tw_t tw, *w = &tw;
    sm_pq_tw_init(w, out, e);
    if (ph->uncompressed_page_size < 0 || ph->compressed_page_size < 0)
        return bad(w, "cannot encode PageHeader: negative page size");
    sm_pq_tw_struct_begin(w);
    sm_pq_tw_field_i32(w, 1, (int32_t)ph->type);
    sm_pq_tw_field_i32(w, 2, ph->uncompressed_page_size);
    sm_pq_tw_field_i32(w, 3, ph->compressed_page_size);
    if (ph->has_crc)
        sm_pq_tw_field_i32(w, 4, (int32_t)ph->crc);
    if (ph->has_data_page_header) {
        const sm_pq_data_page_header_t *h = &ph->data_page_header;
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 5);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_i32(w, 1, h->num_values);
        sm_pq_tw_field_i32(w, 2, (int32_t)h->encoding);
        sm_pq_tw_field_i32(w, 3, (int32_t)h->definition_level_encoding);
        sm_pq_tw_field_i32(w, 4, (int32_t)h->repetition_level_encoding);
        if (h->has_statistics)
            enc_stats(w, 5, &h->statistics);
        sm_pq_tw_struct_end(w);
    }
    if (ph->has_index_page_header)
        sm_pq_tw_field_empty_struct(w, 6);
    if (ph->has_dictionary_page_header) {
        const sm_pq_dict_page_header_t *h = &ph->dictionary_page_header;
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 7);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_i32(w, 1, h->num_values);
        sm_pq_tw_field_i32(w, 2, (int32_t)h->encoding);
        if (h->has_is_sorted)
            sm_pq_tw_field_bool(w, 3, h->is_sorted);
        sm_pq_tw_struct_end(w);
    }
    if (ph->has_data_page_header_v2) {
        const sm_pq_data_page_header_v2_t *h = &ph->data_page_header_v2;
        sm_pq_tw_field(w, SM_PQ_TC_STRUCT, 8);
        sm_pq_tw_struct_begin(w);
        sm_pq_tw_field_i32(w, 1, h->num_values);
        sm_pq_tw_field_i32(w, 2, h->num_nulls);
        sm_pq_tw_field_i32(w, 3, h->num_rows);
        sm_pq_tw_field_i32(w, 4, (int32_t)h->encoding);
        sm_pq_tw_field_i32(w, 5, h->definition_levels_byte_length);
        sm_pq_tw_field_i32(w, 6, h->repetition_levels_byte_length);
        if (h->has_is_compressed)
            sm_pq_tw_field_bool(w, 7, h->is_compressed);
        if (h->has_statistics)
            enc_stats(w, 8, &h->statistics);
        sm_pq_tw_struct_end(w);
    }
    return sm_pq_tw_struct_end(w);
}
