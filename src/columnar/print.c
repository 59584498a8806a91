#include "columnar/print.h"

#include <math.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one code point at s (n > 0 bytes left).  Returns the bytes used
 * (>= 1); an invalid sequence yields U+FFFD for one byte. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if (len > n)
        goto invalid;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            goto invalid;
        v = (v << 6) | (s[k] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        goto invalid;
    *cp = v;
    return len;
invalid:
    *cp = 0xfffd;
    return 1;
}

typedef struct range {
    uint32_t lo, hi;
} range_t;

static const range_t zero_width[] = {
    {0x0300, 0x036f},   {0x0483, 0x0489},   {0x0591, 0x05bd}, {0x05bf, 0x05bf}, {0x05c1, 0x05c2},
    {0x05c4, 0x05c5},   {0x05c7, 0x05c7},   {0x0610, 0x061a}, {0x064b, 0x065f}, {0x0670, 0x0670},
    {0x06d6, 0x06dc},   {0x06df, 0x06e4},   {0x06e7, 0x06e8}, {0x06ea, 0x06ed}, {0x0900, 0x0902},
    {0x093a, 0x093a},   {0x093c, 0x093c},   {0x0941, 0x0948}, {0x094d, 0x094d}, {0x0951, 0x0957},
    {0x0e31, 0x0e31},   {0x0e34, 0x0e3a},   {0x0e47, 0x0e4e}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},
    {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064}, {0x20d0, 0x20ff}, {0x302a, 0x302d},
    {0x3099, 0x309a},   {0xfe00, 0xfe0f},   {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0x1f3fb, 0x1f3ff},
    {0xe0001, 0xe007f}, {0xe0100, 0xe01ef},
};

static const range_t wide[] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
    {0x23f0, 0x23f0},   {0x23f3, 0x23f3},   {0x25fd, 0x25fe},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
    {0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},   {0x26ce, 0x26ce},
    {0x26d4, 0x26d4},   {0x26ea, 0x26ea},   {0x26f2, 0x26f3},   {0x26f5, 0x26f5},
    {0x26fa, 0x26fa},   {0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
    {0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27b0, 0x27b0},   {0x27bf, 0x27bf},
    {0x2b1b, 0x2b1c},   {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},
    {0x3041, 0x3247},   {0x3250, 0x4dbf},   {0x4e00, 0xa4cf},   {0xa960, 0xa97f},
    {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},   {0xfe30, 0xfe6f},
    {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x16fe0, 0x16fe4}, {0x17000, 0x18aff},
    {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf}, {0x1f18e, 0x1f18e},
    {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f320}, {0x1f32d, 0x1f335},
    {0x1f337, 0x1f37c}, {0x1f37e, 0x1f393}, {0x1f3a0, 0x1f3ca}, {0x1f3cf, 0x1f3d3},
    {0x1f3e0, 0x1f3f0}, {0x1f3f4, 0x1f3f4}, {0x1f3f8, 0x1f43e}, {0x1f440, 0x1f440},
    {0x1f442, 0x1f4fc}, {0x1f4ff, 0x1f53d}, {0x1f54b, 0x1f54e}, {0x1f550, 0x1f567},
    {0x1f57a, 0x1f57a}, {0x1f595, 0x1f596}, {0x1f5a4, 0x1f5a4}, {0x1f5fb, 0x1f64f},
    {0x1f680, 0x1f6c5}, {0x1f6cc, 0x1f6cc}, {0x1f6d0, 0x1f6d2}, {0x1f6d5, 0x1f6d7},
    {0x1f6eb, 0x1f6ec}, {0x1f6f4, 0x1f6fc}, {0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f93a},
    {0x1f93c, 0x1f945}, {0x1f947, 0x1f9ff}, {0x1fa70, 0x1faff}, {0x20000, 0x2fffd},
    {0x30000, 0x3fffd},
};

static bool in_ranges(uint32_t cp, const range_t *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static int cp_width(uint32_t cp)
{
    if (cp < 0x300)
        return 1;
    if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
        return 0;
    if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
        return 2;
    return 1;
}

size_t sm_print_display_width(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t w = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        i += utf8_next(p + i, n - i, &cp);
        w += (size_t)cp_width(cp);
    }
    return w;
}

/* ---- small encoders --------------------------------------------------- */

sm_err_t sm_print_base64(const void *data, size_t n, sm_buf_t *out, sm_error_t *e)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = data;
    sm_err_t rc = sm_buf_reserve(out, (n + 2) / 3 * 4, e);
    if (rc)
        return rc;
    char *o = (char *)out->data + out->len;
    size_t i = 0, k = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        o[k++] = abc[v >> 18];
        o[k++] = abc[(v >> 12) & 63];
        o[k++] = abc[(v >> 6) & 63];
        o[k++] = abc[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        o[k++] = abc[v >> 18];
        o[k++] = abc[(v >> 12) & 63];
        o[k++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        o[k++] = '=';
    }
    out->len += k;
    out->data[out->len] = '\0';
    return SM_OK;
}

sm_err_t sm_print_json_string(const void *s, size_t n, sm_buf_t *out, sm_error_t *e)
{
    const uint8_t *p = s;
    sm_err_t rc = sm_buf_append_byte(out, '"', e);
    size_t i = 0;
    while (!rc && i < n) {
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            rc = sm_buf_append(out, p + i, run - i, e);
            i = run;
            continue;
        }
        uint8_t c = p[i];
        uint32_t cp;
        if (c >= 0x80) {
            size_t k = utf8_next(p + i, n - i, &cp);
            if (cp == 0xfffd && k == 1 && !(n - i >= 3 && memcmp(p + i, "\xef\xbf\xbd", 3) == 0))
                rc = sm_buf_append_str(out, "\\ufffd", e);
            else
                rc = sm_buf_append(out, p + i, k, e);
            i += k;
            continue;
        }
        switch (c) {
        case '"':
            rc = sm_buf_append_str(out, "\\\"", e);
            break;
        case '\\':
            rc = sm_buf_append_str(out, "\\\\", e);
            break;
        case '\n':
            rc = sm_buf_append_str(out, "\\n", e);
            break;
        case '\r':
            rc = sm_buf_append_str(out, "\\r", e);
            break;
        case '\t':
            rc = sm_buf_append_str(out, "\\t", e);
            break;
        case '\b':
            rc = sm_buf_append_str(out, "\\b", e);
            break;
        case '\f':
            rc = sm_buf_append_str(out, "\\f", e);
            break;
        default:
            rc = sm_buf_printf(out, e, "\\u%04x", c);
        }
        i++;
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '"', e);
    return rc;
}

/* ---- values ----------------------------------------------------------- */

static sm_err_t render(const sm_vector_t *v, size_t i, sm_print_style_t style, bool nested,
                       sm_buf_t *out, sm_error_t *e);

static sm_err_t render_hex(const uint8_t *p, size_t n, sm_buf_t *out, sm_error_t *e)
{
    static const char hex[] = "0123456789ABCDEF";
    sm_err_t rc = sm_buf_append_byte(out, '[', e);
    for (size_t k = 0; !rc && k < n; k++) {
        char t[3] = {' ', hex[p[k] >> 4], hex[p[k] & 15]};
        rc = k ? sm_buf_append(out, t, 3, e) : sm_buf_append(out, t + 1, 2, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, ']', e);
    return rc;
}

static sm_err_t render_struct(const sm_vector_t *v, size_t i, sm_print_style_t style, sm_buf_t *out,
                              sm_error_t *e)
{
    bool json = style == SM_PRINT_STYLE_JSON;
    sm_err_t rc = sm_buf_append_byte(out, '{', e);
    for (uint32_t k = 0; !rc && k < v->nchildren; k++) {
        if (k)
            rc = sm_buf_append_str(out, json ? "," : ", ", e);
        if (!rc && json) {
            const char *name = v->type->fields[k].name;
            rc = sm_print_json_string(name, strlen(name), out, e);
            if (!rc)
                rc = sm_buf_append_byte(out, ':', e);
        }
        if (!rc)
            rc = render(v->children[k], i, style, true, out, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '}', e);
    return rc;
}

static sm_err_t render_list(const sm_vector_t *v, size_t i, sm_print_style_t style, sm_buf_t *out,
                            sm_error_t *e)
{
    bool json = style == SM_PRINT_STYLE_JSON;
    size_t a, b;
    sm_vector_list_range(v, i, &a, &b);
    const sm_vector_t *c = v->children[0];
    sm_err_t rc = sm_buf_append_byte(out, '[', e);
    for (size_t k = a; !rc && k < b; k++) {
        if (k > a)
            rc = sm_buf_append_str(out, json ? "," : ", ", e);
        if (!rc)
            rc = render(c, k, style, true, out, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, ']', e);
    return rc;
}

static sm_err_t render_map(const sm_vector_t *v, size_t i, sm_print_style_t style, sm_buf_t *out,
                           sm_error_t *e)
{
    bool json = style == SM_PRINT_STYLE_JSON;
    size_t a, b;
    sm_vector_list_range(v, i, &a, &b);
    const sm_vector_t *keys = v->children[0]->children[0], *vals = v->children[0]->children[1];
    sm_buf_t key = SM_BUF_INIT;
    sm_err_t rc = sm_buf_append_byte(out, '{', e);
    for (size_t k = a; !rc && k < b; k++) {
        if (k > a)
            rc = sm_buf_append_str(out, json ? "," : ", ", e);
        if (rc)
            break;
        if (json) {
            sm_buf_reset(&key);
            rc = render(keys, k, SM_PRINT_STYLE_TEXT, true, &key, e);
            if (!rc)
                rc = sm_print_json_string(key.data, key.len, out, e);
            if (!rc)
                rc = sm_buf_append_byte(out, ':', e);
        } else {
            rc = render(keys, k, style, true, out, e);
            if (!rc)
                rc = sm_buf_append_str(out, " -> ", e);
        }
        if (!rc)
            rc = render(vals, k, style, true, out, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '}', e);
    sm_buf_free(&key);
    return rc;
}

static sm_err_t render_real(double x, bool single, sm_print_style_t style, sm_buf_t *out,
                            sm_error_t *e)
{
    char t[SM_FMT_FLOAT_MAX];
    size_t n = single ? sm_fmt_float((float)x, t) : sm_fmt_double(x, t);
    if (style == SM_PRINT_STYLE_JSON && !isfinite(x))
        return sm_print_json_string(t, n, out, e);
    return sm_buf_append(out, t, n, e);
}

static sm_err_t render(const sm_vector_t *v, size_t i, sm_print_style_t style, bool nested,
                       sm_buf_t *out, sm_error_t *e)
{
    if (sm_vector_is_null(v, i) || v->type->kind == SM_TYPE_NULL) {
        if (style == SM_PRINT_STYLE_JSON)
            return sm_buf_append_str(out, "null", e);
        if (style == SM_PRINT_STYLE_CSV)
            return SM_OK;
        return sm_buf_append_str(out, nested ? "null" : "NULL", e);
    }
    bool json = style == SM_PRINT_STYLE_JSON, text = style == SM_PRINT_STYLE_TEXT;
    char t[SM_FMT_DECIMAL_MAX > SM_FMT_TIMESTAMP_MAX ? SM_FMT_DECIMAL_MAX : SM_FMT_TIMESTAMP_MAX];
    size_t n;
    switch (v->type->kind) {
    case SM_TYPE_BOOL:
        return sm_buf_append_str(out, sm_vector_get_bool(v, i) ? "true" : "false", e);
    case SM_TYPE_INT8:
        return sm_buf_printf(out, e, "%d", (int)sm_vector_get_i8(v, i));
    case SM_TYPE_INT16:
        return sm_buf_printf(out, e, "%d", (int)sm_vector_get_i16(v, i));
    case SM_TYPE_INT32:
        return sm_buf_printf(out, e, "%d", (int)sm_vector_get_i32(v, i));
    case SM_TYPE_INT64:
        return sm_buf_printf(out, e, "%lld", (long long)sm_vector_get_i64(v, i));
    case SM_TYPE_FLOAT32:
        return render_real(sm_vector_get_f32(v, i), true, style, out, e);
    case SM_TYPE_FLOAT64:
        return render_real(sm_vector_get_f64(v, i), false, style, out, e);
    case SM_TYPE_DECIMAL:
        n = sm_fmt_decimal(sm_vector_get_i128(v, i), v->type->scale, t);
        return sm_buf_append(out, t, n, e);
    case SM_TYPE_DATE:
        n = sm_fmt_date(sm_vector_get_i32(v, i), t);
        return json ? sm_print_json_string(t, n, out, e) : sm_buf_append(out, t, n, e);
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        sm_ts_style_t ts = text                                    ? SM_TS_TEXT
                           : v->type->kind == SM_TYPE_TIMESTAMP_TZ ? SM_TS_ISO_Z
                                                                   : SM_TS_ISO;
        n = sm_fmt_timestamp(sm_vector_get_i64(v, i), ts, t);
        return json ? sm_print_json_string(t, n, out, e) : sm_buf_append(out, t, n, e);
    }
    case SM_TYPE_STRING: {
        size_t len;
        const char *s = sm_vector_get_str(v, i, &len);
        return json ? sm_print_json_string(s, len, out, e) : sm_buf_append(out, s, len, e);
    }
    case SM_TYPE_BINARY: {
        size_t len;
        const uint8_t *p = sm_vector_get_bytes(v, i, &len);
        if (text)
            return render_hex(p, len, out, e);
        sm_err_t rc = json ? sm_buf_append_byte(out, '"', e) : SM_OK;
        if (!rc)
            rc = sm_print_base64(p, len, out, e);
        if (!rc && json)
            rc = sm_buf_append_byte(out, '"', e);
        return rc;
    }
    case SM_TYPE_STRUCT:
    case SM_TYPE_LIST:
    case SM_TYPE_MAP:
        if (style == SM_PRINT_STYLE_CSV)
            style = SM_PRINT_STYLE_JSON;
        if (v->type->kind == SM_TYPE_STRUCT)
            return render_struct(v, i, style, out, e);
        if (v->type->kind == SM_TYPE_LIST)
            return render_list(v, i, style, out, e);
        return render_map(v, i, style, out, e);
    default:
        return sm_error_set(e, SM_ERR_INTERNAL, "cannot print a %s value",
                            sm_type_kind_name(v->type->kind));
    }
}

sm_err_t sm_print_value(const sm_vector_t *v, size_t i, sm_print_style_t style, sm_buf_t *out,
                        sm_error_t *e)
{
    if (i >= v->len)
        return sm_error_set(e, SM_ERR_INVALID, "row %zu of a vector of %zu rows", i, v->len);
    return render(v, i, style, false, out, e);
}

/* ---- CSV -------------------------------------------------------------- */

static sm_err_t csv_field(const uint8_t *p, size_t n, bool is_null, sm_buf_t *out, sm_error_t *e)
{
    if (is_null)
        return SM_OK;
    bool quote = n == 0 || p[0] == ' ' || p[n - 1] == ' ' || p[0] == '\t' || p[n - 1] == '\t';
    for (size_t k = 0; !quote && k < n; k++)
        quote = p[k] == ',' || p[k] == '"' || p[k] == '\n' || p[k] == '\r';
    if (!quote)
        return sm_buf_append(out, p, n, e);
    sm_err_t rc = sm_buf_append_byte(out, '"', e);
    size_t start = 0;
    for (size_t k = 0; !rc && k < n; k++)
        if (p[k] == '"') {
            rc = sm_buf_append(out, p + start, k + 1 - start, e); /* includes the quote */
            if (!rc)
                rc = sm_buf_append_byte(out, '"', e);
            start = k + 1;
        }
    if (!rc)
        rc = sm_buf_append(out, p + start, n - start, e);
    if (!rc)
        rc = sm_buf_append_byte(out, '"', e);
    return rc;
}

sm_err_t sm_print_csv_header(const sm_type_t *schema, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (uint32_t k = 0; !rc && k < schema->nfields; k++) {
        const char *name = schema->fields[k].name;
        if (k)
            rc = sm_buf_append_byte(out, ',', e);
        if (!rc)
            rc = csv_field((const uint8_t *)name, strlen(name), false, out, e);
    }
    if (!rc)
        rc = sm_buf_append_byte(out, '\n', e);
    return rc;
}

sm_err_t sm_print_csv_rows(const sm_batch_t *b, sm_buf_t *out, sm_error_t *e)
{
    sm_buf_t cell = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    for (size_t r = 0; !rc && r < b->nrows; r++) {
        for (size_t k = 0; !rc && k < b->ncols; k++) {
            const sm_vector_t *v = b->cols[k];
            sm_buf_reset(&cell);
            if (k)
                rc = sm_buf_append_byte(out, ',', e);
            if (!rc)
                rc = render(v, r, SM_PRINT_STYLE_CSV, false, &cell, e);
            if (!rc)
                rc = csv_field(cell.data, cell.len,
                               sm_vector_is_null(v, r) || v->type->kind == SM_TYPE_NULL, out, e);
        }
        if (!rc)
            rc = sm_buf_append_byte(out, '\n', e);
    }
    sm_buf_free(&cell);
    return rc;
}

/* ---- JSON lines ------------------------------------------------------- */

sm_err_t sm_print_json_rows(const sm_batch_t *b, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t r = 0; !rc && r < b->nrows; r++) {
        rc = sm_buf_append_byte(out, '{', e);
        for (size_t k = 0; !rc && k < b->ncols; k++) {
            const char *name = b->schema->fields[k].name;
            if (k)
                rc = sm_buf_append_byte(out, ',', e);
            if (!rc)
                rc = sm_print_json_string(name, strlen(name), out, e);
            if (!rc)
                rc = sm_buf_append_byte(out, ':', e);
            if (!rc)
                rc = render(b->cols[k], r, SM_PRINT_STYLE_JSON, false, out, e);
        }
        if (!rc)
            rc = sm_buf_append_str(out, "}\n", e);
    }
    return rc;
}

/* ---- table ------------------------------------------------------------ */

/* Makes text printable on one line: control characters become escapes,
 * invalid UTF-8 becomes U+FFFD. */
static sm_err_t sanitize(const uint8_t *p, size_t n, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < n;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (cp < 0x20 || cp == 0x7f) {
            const char *esc = cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : cp == '\r' ? "\\r" : NULL;
            rc = esc ? sm_buf_append_str(out, esc, e) : sm_buf_printf(out, e, "\\x%02X", cp);
        } else if (cp == 0xfffd && k == 1) {
            rc = sm_buf_append_str(out, "\xef\xbf\xbd", e);
        } else {
            rc = sm_buf_append(out, p + i, k, e);
        }
        i += k;
    }
    return rc;
}

/* Bytes of the longest prefix of s that fits in `cols` columns. */
static size_t fit_prefix(const char *s, size_t n, size_t cols, size_t *used)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t w = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        size_t cw = (size_t)cp_width(cp);
        if (w + cw > cols)
            break;
        w += cw;
        i += k;
    }
    *used = w;
    return i;
}

static sm_err_t pad(sm_buf_t *out, size_t n, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t k = 0; !rc && k < n; k++)
        rc = sm_buf_append_byte(out, ' ', e);
    return rc;
}

/* "| " + text padded to width (cut with an ellipsis past maxw) + " ". */
static sm_err_t emit_cell(sm_buf_t *out, const char *s, size_t n, size_t width, size_t maxw,
                          bool right, sm_error_t *e)
{
    size_t w = sm_print_display_width(s, n);
    bool cut = w > maxw;
    if (cut)
        n = fit_prefix(s, n, maxw - 1, &w), w += 1;
    sm_err_t rc = sm_buf_append_str(out, "| ", e);
    if (!rc && right)
        rc = pad(out, width - w, e);
    if (!rc)
        rc = sm_buf_append(out, s, n, e);
    if (!rc && cut)
        rc = sm_buf_append_str(out, "\xe2\x80\xa6", e);
    if (!rc && !right)
        rc = pad(out, width - w, e);
    if (!rc)
        rc = sm_buf_append_byte(out, ' ', e);
    return rc;
}

static sm_err_t emit_border(sm_buf_t *out, const size_t *widths, size_t ncols, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t k = 0; !rc && k < ncols; k++) {
        rc = sm_buf_append_byte(out, '+', e);
        for (size_t j = 0; !rc && j < widths[k] + 2; j++)
            rc = sm_buf_append_byte(out, '-', e);
    }
    if (!rc)
        rc = sm_buf_append_str(out, "+\n", e);
    return rc;
}

/* The sanitized TEXT form of a cell into cell (reset first). */
static sm_err_t cell_text(const sm_vector_t *v, size_t r, sm_buf_t *raw, sm_buf_t *cell,
                          sm_error_t *e)
{
    sm_buf_reset(raw);
    sm_buf_reset(cell);
    sm_err_t rc = render(v, r, SM_PRINT_STYLE_TEXT, false, raw, e);
    if (!rc)
        rc = sanitize(raw->data, raw->len, cell, e);
    return rc;
}

sm_err_t sm_print_table(const sm_type_t *schema, const sm_batch_t *const *batches, size_t nbatches,
                        const sm_print_opts_t *opts, sm_buf_t *out, sm_error_t *e)
{
    sm_print_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    if (!schema || schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "print: the schema must be a struct type");
    size_t ncols = schema->nfields, nrows = 0;
    size_t maxw = opts->max_width ? opts->max_width : SM_PRINT_DEFAULT_WIDTH;
    if (maxw < 2)
        maxw = 2;
    for (size_t b = 0; b < nbatches; b++) {
        if (batches[b]->ncols != ncols)
            return sm_error_set(e, SM_ERR_INVALID, "print: batch %zu has %zu columns, not %zu", b,
                                batches[b]->ncols, ncols);
        nrows += batches[b]->nrows;
    }
    sm_buf_t raw = SM_BUF_INIT, cell = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    size_t *widths = sm_calloc(ncols ? ncols : 1, sizeof *widths);
    bool *right = sm_calloc(ncols ? ncols : 1, sizeof *right);
    if (!widths || !right) {
        rc = sm_error_nomem(e, "table widths");
        goto out;
    }
    /* Pass 1: column widths. */
    for (size_t k = 0; !rc && k < ncols; k++) {
        right[k] = sm_type_is_numeric(schema->fields[k].type->kind);
        sm_buf_reset(&cell);
        const char *name = schema->fields[k].name;
        if (!opts->no_header && !(rc = sanitize((const uint8_t *)name, strlen(name), &cell, e))) {
            size_t w = sm_print_display_width((const char *)cell.data, cell.len);
            widths[k] = w > maxw ? maxw : w;
        }
        for (size_t b = 0; !rc && b < nbatches; b++)
            for (size_t r = 0; !rc && r < batches[b]->nrows; r++) {
                if ((rc = cell_text(batches[b]->cols[k], r, &raw, &cell, e)))
                    break;
                size_t w = sm_print_display_width((const char *)cell.data, cell.len);
                w = w > maxw ? maxw : w;
                if (w > widths[k])
                    widths[k] = w;
            }
    }
    /* Pass 2: the grid. */
    if (!rc && ncols)
        rc = emit_border(out, widths, ncols, e);
    if (!rc && ncols && !opts->no_header) {
        for (size_t k = 0; !rc && k < ncols; k++) {
            const char *name = schema->fields[k].name;
            sm_buf_reset(&cell);
            rc = sanitize((const uint8_t *)name, strlen(name), &cell, e);
            if (!rc)
                rc =
                    emit_cell(out, (const char *)cell.data, cell.len, widths[k], maxw, right[k], e);
        }
        if (!rc)
            rc = sm_buf_append_str(out, "|\n", e);
        if (!rc)
            rc = emit_border(out, widths, ncols, e);
    }
    for (size_t b = 0; !rc && ncols && b < nbatches; b++)
        for (size_t r = 0; !rc && r < batches[b]->nrows; r++) {
            for (size_t k = 0; !rc && k < ncols; k++) {
                rc = cell_text(batches[b]->cols[k], r, &raw, &cell, e);
                if (!rc)
                    rc = emit_cell(out, (const char *)cell.data, cell.len, widths[k], maxw,
                                   right[k], e);
            }
            if (!rc)
                rc = sm_buf_append_str(out, "|\n", e);
        }
    if (!rc && ncols && (nrows || opts->no_header))
        rc = emit_border(out, widths, ncols, e);
    if (!rc && !opts->no_footer)
        rc = sm_buf_printf(out, e, "(%zu row%s)\n", nrows, nrows == 1 ? "" : "s");
out:
    sm_free(widths);
    sm_free(right);
    sm_buf_free(&raw);
    sm_buf_free(&cell);
    return rc;
}

sm_err_t sm_print_batches(sm_print_format_t format, const sm_type_t *schema,
                          const sm_batch_t *const *batches, size_t nbatches,
                          const sm_print_opts_t *opts, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (format == SM_PRINT_TABLE)
        return sm_print_table(schema, batches, nbatches, opts, out, e);
    if (!schema || schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "print: the schema must be a struct type");
    if (format == SM_PRINT_CSV && !(opts && opts->no_header))
        rc = sm_print_csv_header(schema, out, e);
    for (size_t b = 0; !rc && b < nbatches; b++) {
        if (batches[b]->ncols != schema->nfields)
            return sm_error_set(e, SM_ERR_INVALID, "print: batch %zu has %zu columns, not %u", b,
                                batches[b]->ncols, schema->nfields);
        rc = format == SM_PRINT_CSV ? sm_print_csv_rows(batches[b], out, e)
                                    : sm_print_json_rows(batches[b], out, e);
    }
    return rc;
}
