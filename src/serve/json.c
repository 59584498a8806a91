/* serve/json — the streaming JSON writer. */
#include "serve/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/str.h"

sm_err_t sm_jw_escape(sm_buf_t *b, const char *s, size_t n, sm_error_t *e)
{
    static const char hex[] = "0123456789abcdef";
    sm_err_t rc = sm_buf_append_byte(b, '"', e);
    size_t i = 0, run = 0;
    while (i < n && rc == SM_OK) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        const char *rep = NULL;
        size_t skip = 1;
        if (c < 0x80) {
            if (c == '"')
                rep = "\\\"";
            else if (c == '\\')
                rep = "\\\\";
            else if (c == '\n')
                rep = "\\n";
            else if (c == '\r')
                rep = "\\r";
            else if (c == '\t')
                rep = "\\t";
            else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
                snprintf(tmp, sizeof tmp, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                rep = tmp;
            }
        } else {
            int32_t cp = sm_str_utf8_decode(s + i, n - i, &skip);
            if (cp < 0)
                rep = "\\ufffd";
            else if (cp == 0x2028)
                rep = "\\u2028";
            else if (cp == 0x2029)
                rep = "\\u2029";
        }
        if (rep) {
            rc = sm_buf_append(b, s + run, i - run, e);
            if (!rc)
                rc = sm_buf_append_str(b, rep, e);
            run = i + skip;
        }
        i += skip;
    }
    if (!rc)
        rc = sm_buf_append(b, s + run, n - run, e);
    if (!rc)
        rc = sm_buf_append_byte(b, '"', e);
    return rc;
}

void sm_jw_init(sm_jw_t *w, sm_buf_t *b, sm_error_t *e)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->e = e;
}

/* Writes the separator due before a value; false when the writer failed
 * or a key is due instead. */
static bool before_value(sm_jw_t *w)
{
    if (w->err)
        return false;
    if (w->is_obj[w->depth] && w->depth > 0 && !w->want_value) {
        w->err = sm_error_set(w->e, SM_ERR_INTERNAL, "json writer: value where a key is due");
        return false;
    }
    if (!w->want_value && w->need_comma[w->depth]) {
        w->err = sm_buf_append_byte(w->b, ',', w->e);
        if (w->err)
            return false;
    }
    w->need_comma[w->depth] = true;
    w->want_value = false;
    return true;
}

static void open_container(sm_jw_t *w, bool obj)
{
    if (!before_value(w))
        return;
    if (w->depth >= SM_JW_MAX_DEPTH) {
        w->err = sm_error_set(w->e, SM_ERR_LIMIT, "json writer: nesting deeper than %d",
                              SM_JW_MAX_DEPTH);
        return;
    }
    w->err = sm_buf_append_byte(w->b, obj ? '{' : '[', w->e);
    w->depth++;
    w->is_obj[w->depth] = obj;
    w->need_comma[w->depth] = false;
}

void sm_jw_obj(sm_jw_t *w)
{
    open_container(w, true);
}

void sm_jw_arr(sm_jw_t *w)
{
    open_container(w, false);
}

void sm_jw_end(sm_jw_t *w)
{
    if (w->err)
        return;
    if (w->depth == 0 || w->want_value) {
        w->err = sm_error_set(w->e, SM_ERR_INTERNAL, "json writer: unbalanced end");
        return;
    }
    w->err = sm_buf_append_byte(w->b, w->is_obj[w->depth] ? '}' : ']', w->e);
    w->depth--;
}

void sm_jw_key(sm_jw_t *w, const char *k)
{
    if (w->err)
        return;
    if (w->depth == 0 || !w->is_obj[w->depth] || w->want_value) {
        w->err = sm_error_set(w->e, SM_ERR_INTERNAL, "json writer: key outside an object");
        return;
    }
    if (w->need_comma[w->depth])
        w->err = sm_buf_append_byte(w->b, ',', w->e);
    if (!w->err)
        w->err = sm_jw_escape(w->b, k, strlen(k), w->e);
    if (!w->err)
        w->err = sm_buf_append_byte(w->b, ':', w->e);
    w->need_comma[w->depth] = true;
    w->want_value = true;
}

void sm_jw_strn(sm_jw_t *w, const char *s, size_t n)
{
    if (before_value(w))
        w->err = sm_jw_escape(w->b, s, n, w->e);
}

void sm_jw_str(sm_jw_t *w, const char *s)
{
    if (!s)
        sm_jw_null(w);
    else
        sm_jw_strn(w, s, strlen(s));
}

void sm_jw_int(sm_jw_t *w, int64_t v)
{
    if (before_value(w))
        w->err = sm_buf_printf(w->b, w->e, "%" PRId64, v);
}

void sm_jw_uint(sm_jw_t *w, uint64_t v)
{
    if (before_value(w))
        w->err = sm_buf_printf(w->b, w->e, "%" PRIu64, v);
}

void sm_jw_double(sm_jw_t *w, double v)
{
    if (!isfinite(v)) {
        sm_jw_null(w);
        return;
    }
    if (before_value(w)) {
        if (v == floor(v) && fabs(v) < 9e15)
            w->err = sm_buf_printf(w->b, w->e, "%.0f", v);
        else {
            char tmp[SM_FMT_FLOAT_MAX]; /* shortest round-trip digits: 0.1, 1.0E-5 */
            size_t n = sm_fmt_double(v, tmp);
            w->err = sm_buf_append(w->b, tmp, n, w->e);
        }
    }
}

void sm_jw_bool(sm_jw_t *w, bool v)
{
    if (before_value(w))
        w->err = sm_buf_append_str(w->b, v ? "true" : "false", w->e);
}

void sm_jw_null(sm_jw_t *w)
{
    if (before_value(w))
        w->err = sm_buf_append_str(w->b, "null", w->e);
}

void sm_jw_raw(sm_jw_t *w, const char *json, size_t n)
{
    if (before_value(w))
        w->err = sm_buf_append(w->b, json, n, w->e);
}

void sm_jw_kstr(sm_jw_t *w, const char *k, const char *s)
{
    sm_jw_key(w, k);
    sm_jw_str(w, s);
}

void sm_jw_kint(sm_jw_t *w, const char *k, int64_t v)
{
    sm_jw_key(w, k);
    sm_jw_int(w, v);
}

void sm_jw_kuint(sm_jw_t *w, const char *k, uint64_t v)
{
    sm_jw_key(w, k);
    sm_jw_uint(w, v);
}

void sm_jw_kdouble(sm_jw_t *w, const char *k, double v)
{
    sm_jw_key(w, k);
    sm_jw_double(w, v);
}

void sm_jw_kbool(sm_jw_t *w, const char *k, bool v)
{
    sm_jw_key(w, k);
    sm_jw_bool(w, v);
}

sm_err_t sm_jw_finish(sm_jw_t *w)
{
    if (!w->err && (w->depth != 0 || w->want_value))
        w->err =
            sm_error_set(w->e, SM_ERR_INTERNAL, "json writer: %d container(s) left open", w->depth);
    return w->err;
}
