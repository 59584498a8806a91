/*
 * serve/html — escaping for every output context, number formatting for
 * people, and the page shell shared by the server's pages and the report.
 *
 * Escaping contract: sm_html_escape output is safe in HTML text, in a
 * quoted attribute value (either quote) and in SVG/XML text: & < > " '
 * become entities, invalid UTF-8 and control bytes other than TAB, LF and
 * CR become U+FFFD (so inline SVG stays well-formed XML).  Only trusted
 * text written by smelt itself goes out unescaped.
 *
 * No state: every function may be called from any thread.
 */
#ifndef SM_SERVE_HTML_H
#define SM_SERVE_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Appends s[0..n) escaped (see above).  Buffer errors only. */
sm_err_t sm_html_escape(sm_buf_t *b, const char *s, size_t n, sm_error_t *e);
/* The same for a NUL-terminated string; NULL appends nothing. */
sm_err_t sm_html_str(sm_buf_t *b, const char *s, sm_error_t *e);

/* Appends s[0..n) percent-encoded for a URL path segment or query value:
 * A-Z a-z 0-9 - . _ ~ kept, every other byte %XX. */
sm_err_t sm_html_url_encode(sm_buf_t *b, const char *s, size_t n, sm_error_t *e);

/* Decodes a query-string value: %XX and '+' (space).  SM_ERR_INVALID for a
 * malformed escape or an encoded NUL; the output buffer's limit bounds it
 * (SM_ERR_LIMIT). */
sm_err_t sm_html_url_decode(const char *s, size_t n, sm_buf_t *out, sm_error_t *e);

/* v with thousands separators and `decimals` (0..6) fractional digits:
 * "1,234,567.89", "-12", "n/a" for NaN/Inf.  Always NUL-terminates out
 * (cap >= 8). */
void sm_html_fmt_num(double v, int decimals, char *out, size_t cap);
/* Short form for chart labels: 950, 1.2k, 3.46M, 7.1B, 2.0T, 1.5e+15. */
void sm_html_fmt_compact(double v, char *out, size_t cap);
/* Bytes for people: "512 B", "1.5 KiB", "3.2 GiB"; "-" when negative. */
void sm_html_fmt_bytes(int64_t v, char *out, size_t cap);
/* Milliseconds since the epoch as "2024-01-31 10:00:05 UTC"; "-" when
 * negative. */
void sm_html_fmt_time(int64_t ms, char *out, size_t cap);

typedef enum sm_html_nav {
    SM_NAV_NONE = 0,
    SM_NAV_DASHBOARD,
    SM_NAV_LAKE,
    SM_NAV_STREAM,
    SM_NAV_SQL,
    SM_NAV_RUNS,
} sm_html_nav_t;

/* Opens a page: doctype, head (title escaped; the stylesheet linked as
 * /static/style.css, or inline_css put in a <style> element for the
 * self-contained report), the top bar with navigation (`nav` marked
 * current; no links when inline_css is set) and <main>. */
sm_err_t sm_html_page_begin(sm_buf_t *b, const char *title, sm_html_nav_t nav,
                            const char *inline_css, sm_error_t *e);
/* Closes <main>, adds /static/app.js when with_script, ends the page. */
sm_err_t sm_html_page_end(sm_buf_t *b, bool with_script, sm_error_t *e);

#endif
