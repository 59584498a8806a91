/*
 * tests/lib/canon_json — prints columnar values in the canonical JSON that
 * the corpus comparers (tests/corpus/pq_compare.py, tests/delta/
 * delta_compare.py) also produce from pyarrow and delta-rs:
 *   null, true/false, integers as numbers, floats with %.17g (NaN,
 *   Infinity, -Infinity as strings), decimals as exact strings, dates as
 *   day numbers, timestamps as microseconds, strings as JSON strings,
 *   binary as hex strings, lists as arrays, structs as objects, maps as
 *   arrays of [key, value].
 * Writes to stdout.  Shared by the pq_dump and delta_dump test tools.
 */
#include "canon_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void canon_put_str(const uint8_t *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_double(double d)
{
    if (isnan(d))
        printf("\"NaN\"");
    else if (isinf(d))
        printf(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        printf("%.17g", d);
}

static void put_decimal(sm_i128 v, int scale)
{
    char digits[64];
    int n = 0;
    bool neg = v < 0;
    sm_u128 u = neg ? (sm_u128)0 - (sm_u128)v : (sm_u128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale)
        digits[n++] = '0';
    putchar('"');
    if (neg)
        putchar('-');
    for (int i = n - 1; i >= 0; i--) {
        putchar(digits[i]);
        if (i == scale && scale > 0)
            putchar('.');
    }
    putchar('"');
}

void canon_put_value(const sm_vector_t *v, size_t i)
{
    if (sm_vector_is_null(v, i)) {
        printf("null");
        return;
    }
    size_t len, a, b;
    const uint8_t *p;
    switch (v->type->kind) {
    case SM_TYPE_NULL:
        printf("null");
        break;
    case SM_TYPE_BOOL:
        printf(sm_vector_get_bool(v, i) ? "true" : "false");
        break;
    case SM_TYPE_INT8:
        printf("%d", sm_vector_get_i8(v, i));
        break;
    case SM_TYPE_INT16:
        printf("%d", sm_vector_get_i16(v, i));
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        printf("%" PRId32, sm_vector_get_i32(v, i));
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        printf("%" PRId64, sm_vector_get_i64(v, i));
        break;
    case SM_TYPE_FLOAT32:
        put_double(sm_vector_get_f32(v, i));
        break;
    case SM_TYPE_FLOAT64:
        put_double(sm_vector_get_f64(v, i));
        break;
    case SM_TYPE_DECIMAL:
        put_decimal(sm_vector_get_i128(v, i), v->type->scale);
        break;
    case SM_TYPE_STRING:
        p = sm_vector_get_bytes(v, i, &len);
        canon_put_str(p, len);
        break;
    case SM_TYPE_BINARY:
        p = sm_vector_get_bytes(v, i, &len);
        putchar('"');
        for (size_t k = 0; k < len; k++)
            printf("%02x", p[k]);
        putchar('"');
        break;
    case SM_TYPE_STRUCT:
        putchar('{');
        for (uint32_t k = 0; k < v->nchildren; k++) {
            if (k)
                putchar(',');
            const char *name = v->type->fields[k].name;
            canon_put_str((const uint8_t *)name, strlen(name));
            putchar(':');
            canon_put_value(v->children[k], i);
        }
        putchar('}');
        break;
    case SM_TYPE_LIST:
        sm_vector_list_range(v, i, &a, &b);
        putchar('[');
        for (size_t k = a; k < b; k++) {
            if (k > a)
                putchar(',');
            canon_put_value(v->children[0], k);
        }
        putchar(']');
        break;
    case SM_TYPE_MAP: {
        sm_vector_list_range(v, i, &a, &b);
        const sm_vector_t *ent = v->children[0];
        putchar('[');
        for (size_t k = a; k < b; k++) {
            if (k > a)
                putchar(',');
            putchar('[');
            canon_put_value(ent->children[0], k);
            putchar(',');
            canon_put_value(ent->children[1], k);
            putchar(']');
        }
        putchar(']');
        break;
    }
    default:
        printf("\"?\"");
        break;
    }
}
