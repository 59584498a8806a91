/*
 * serve/json — a small streaming JSON writer into an sm_buf_t.
 *
 * Errors are sticky: the first failure (buffer limit, out of memory,
 * nesting deeper than SM_JW_MAX_DEPTH, a value where a key is due) is kept
 * and later calls do nothing; sm_jw_finish returns it.  So a writer is
 * used without checking every call:
 *
 *     sm_jw_t w; sm_jw_init(&w, &buf, e);
 *     sm_jw_obj(&w); sm_jw_key(&w, "n"); sm_jw_int(&w, 3); sm_jw_end(&w);
 *     rc = sm_jw_finish(&w);
 *
 * Strings escape " \ and control characters, and also < > & U+2028
 * U+2029 (as \u escapes) so the output is inert inside HTML; invalid
 * UTF-8 becomes U+FFFD.  Non-finite doubles are written as null.
 * A writer belongs to one thread.
 */
#ifndef SM_SERVE_JSON_H
#define SM_SERVE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define SM_JW_MAX_DEPTH 32

typedef struct sm_jw {
    sm_buf_t *b;
    sm_error_t *e;
    sm_err_t err;
    int depth;
    bool need_comma[SM_JW_MAX_DEPTH + 1];
    bool is_obj[SM_JW_MAX_DEPTH + 1];
    bool want_value; /* a key was written; its value is due */
} sm_jw_t;

void sm_jw_init(sm_jw_t *w, sm_buf_t *b, sm_error_t *e);
void sm_jw_obj(sm_jw_t *w);
void sm_jw_arr(sm_jw_t *w);
/* Closes the innermost object or array. */
void sm_jw_end(sm_jw_t *w);
void sm_jw_key(sm_jw_t *w, const char *k);
/* NULL writes null. */
void sm_jw_str(sm_jw_t *w, const char *s);
void sm_jw_strn(sm_jw_t *w, const char *s, size_t n);
void sm_jw_int(sm_jw_t *w, int64_t v);
void sm_jw_uint(sm_jw_t *w, uint64_t v);
void sm_jw_double(sm_jw_t *w, double v);
void sm_jw_bool(sm_jw_t *w, bool v);
void sm_jw_null(sm_jw_t *w);
/* A value that is already JSON text (trusted: written by smelt). */
void sm_jw_raw(sm_jw_t *w, const char *json, size_t n);
/* A key and its value in one call (object members). */
void sm_jw_kstr(sm_jw_t *w, const char *k, const char *s);
void sm_jw_kint(sm_jw_t *w, const char *k, int64_t v);
void sm_jw_kuint(sm_jw_t *w, const char *k, uint64_t v);
void sm_jw_kdouble(sm_jw_t *w, const char *k, double v);
void sm_jw_kbool(sm_jw_t *w, const char *k, bool v);
/* The first error, or SM_ERR_INTERNAL when containers are left open. */
sm_err_t sm_jw_finish(sm_jw_t *w);

/* Appends s[0..n) as a JSON string literal (quotes included), escaped as
 * described above. */
sm_err_t sm_jw_escape(sm_buf_t *b, const char *s, size_t n, sm_error_t *e);

#endif
