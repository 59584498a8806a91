#include "delta/stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/print.h"
#include "columnar/text.h"
#include "parquet/encoding.h"

#define STRING_PREFIX 32

static const sm_pq_leaf_stats_t *find_leaf(const sm_pq_leaf_stats_t *l, uint32_t n,
                                           const char *path)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(l[i].path, path) == 0)
            return &l[i];
    return NULL;
}

static int64_t le_int(const sm_pq_bytes_t *b)
{
    if (b->len == 4) {
        int32_t v;
        memcpy(&v, b->ptr, 4);
        return v;
    }
    int64_t v = 0;
    if (b->len == 8)
        memcpy(&v, b->ptr, 8);
    return v;
}

/* Byte length of the first `chars` UTF-8 characters of s. */
static size_t utf8_prefix(const uint8_t *s, size_t n, size_t chars, size_t *count)
{
    size_t i = 0, c = 0;
    while (i < n && c < chars) {
        i++;
        while (i < n && (s[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    while (i < n && c == chars && (s[i] & 0xC0) == 0x80)
        i++;
    *count = c;
    return i;
}

/* Appends the JSON of one bound; returns false (appending nothing) when the
 * bound must be left out. */
static sm_err_t bound(const sm_pq_leaf_stats_t *ls, bool is_max, sm_buf_t *out, bool *wrote,
                      sm_error_t *e)
{
    const sm_pq_bytes_t *b = is_max ? &ls->max : &ls->min;
    const sm_type_t *t = ls->type;
    char tmp[64];
    *wrote = false;
    switch (t->kind) {
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64:
        *wrote = true;
        return sm_buf_printf(out, e, "%" PRId64, le_int(b));
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64: {
        double d;
        if (b->len == 4) {
            float f;
            memcpy(&f, b->ptr, 4);
            d = f;
        } else {
            memcpy(&d, b->ptr, 8);
        }
        if (!isfinite(d))
            return SM_OK;
        *wrote = true;
        if (t->kind == SM_TYPE_FLOAT32)
            sm_fmt_float((float)d, tmp);
        else
            sm_fmt_double(d, tmp);
        return sm_buf_append_str(out, tmp, e);
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 q = 0;
        if (t->precision <= 18)
            q = le_int(b);
        else if (sm_pq_decimal_from_be(b->ptr, b->len, &q, e))
            return SM_OK;
        sm_fmt_decimal(q, t->scale, tmp);
        *wrote = true;
        return sm_buf_append_str(out, tmp, e);
    }
    case SM_TYPE_DATE:
        sm_fmt_date((int32_t)le_int(b), tmp);
        *wrote = true;
        return sm_buf_printf(out, e, "\"%s\"", tmp);
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        int64_t us = le_int(b);
        int64_t ms = us / 1000 - (us % 1000 < 0 ? 1 : 0); /* floor */
        if (is_max && ms * 1000 != us)
            ms++; /* round the maximum up */
        sm_fmt_timestamp(ms * 1000, t->kind == SM_TYPE_TIMESTAMP_TZ ? SM_TS_ISO_Z : SM_TS_ISO, tmp);
        /* millisecond precision: "YYYY-MM-DDTHH:MM:SS.sss[Z]" */
        char *dot = strchr(tmp, '.');
        char fixed[64];
        size_t date_len = dot ? (size_t)(dot - tmp) : strcspn(tmp, "Z");
        snprintf(fixed, sizeof fixed, "%.*s.%03d%s", (int)date_len, tmp,
                 (int)(((ms % 1000) + 1000) % 1000), t->kind == SM_TYPE_TIMESTAMP_TZ ? "Z" : "");
        *wrote = true;
        return sm_buf_printf(out, e, "\"%s\"", fixed);
    }
    case SM_TYPE_STRING: {
        size_t chars;
        size_t n = utf8_prefix(b->ptr, b->len, STRING_PREFIX, &chars);
        if (n < b->len && is_max)
            return SM_OK; /* a truncated maximum would be too low */
        *wrote = true;
        return sm_print_json_string(b->ptr, n, out, e);
    }
    default:
        return SM_OK; /* booleans, binary: no bounds */
    }
}

typedef enum { MIN, MAX, NULLS } part_t;

/* Appends `"name":value` pairs of one part for the fields of a struct;
 * returns in *any whether anything was appended. */
static sm_err_t fields(const sm_type_t *st, const char *prefix, part_t part,
                       const sm_pq_leaf_stats_t *leaves, uint32_t nleaves, sm_buf_t *out, bool *any,
                       int depth, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    *any = false;
    for (uint32_t i = 0; i < st->nfields && !rc; i++) {
        const sm_field_t *f = &st->fields[i];
        char path[1024];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
        size_t mark = out->len;
        if ((rc = sm_buf_append_str(out, *any ? "," : "", e)) ||
            (rc = sm_print_json_string(f->name, strlen(f->name), out, e)) ||
            (rc = sm_buf_append_byte(out, ':', e)))
            break;
        bool wrote = false;
        if (f->type->kind == SM_TYPE_STRUCT && depth < 16) {
            bool sub;
            size_t open = out->len;
            if ((rc = sm_buf_append_byte(out, '{', e)) ||
                (rc = fields(f->type, path, part, leaves, nleaves, out, &sub, depth + 1, e)) ||
                (rc = sm_buf_append_byte(out, '}', e)))
                break;
            wrote = sub;
            (void)open;
        } else if (!sm_type_is_nested(f->type->kind)) {
            const sm_pq_leaf_stats_t *ls = find_leaf(leaves, nleaves, path);
            if (ls && part == NULLS) {
                rc = sm_buf_printf(out, e, "%" PRId64, ls->null_count);
                wrote = true;
            } else if (ls && ls->has_min_max) {
                rc = bound(ls, part == MAX, out, &wrote, e);
            }
        }
        if (rc)
            break;
        if (wrote)
            *any = true;
        else
            out->len = mark; /* leave the field out */
    }
    return rc;
}

sm_err_t sm_delta_stats_json(const sm_type_t *schema, int64_t num_records,
                             const sm_pq_leaf_stats_t *leaves, uint32_t nleaves, sm_buf_t *out,
                             sm_error_t *e)
{
    static const char *names[] = {"minValues", "maxValues", "nullCount"};
    sm_err_t rc = sm_buf_printf(out, e, "{\"numRecords\":%" PRId64, num_records);
    for (int p = MIN; !rc && p <= NULLS; p++) {
        bool any;
        if ((rc = sm_buf_printf(out, e, ",\"%s\":{", names[p])) ||
            (rc = fields(schema, "", (part_t)p, leaves, nleaves, out, &any, 0, e)))
            break;
        rc = sm_buf_append_byte(out, '}', e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '}', e);
    return rc;
}
