/*
 * serve/svg — charts drawn as SVG text by smelt: horizontal bars,
 * vertical bars, a donut with percentages, and a "no data" panel.
 *
 * Every chart is a complete <svg> element with a viewBox (it scales to
 * any width: the page sets width:100%, height:auto), a <title> and an
 * aria-label, axes with "nice" ticks (bars), value labels, and a <title>
 * tooltip on every bar or slice.  Labels too wide for their room are cut
 * with "…" and keep the whole text in a <title>; label widths are
 * estimated per character, so text never overlaps.  All text is escaped
 * (serve/html.h).  Colours come from the Okabe–Ito colour-blind-safe
 * palette as presentation attributes (the page's CSS may restyle the
 * classes chart, bar, neg, axis, grid, lbl, val, slice-N for dark mode).
 *
 * Data rules: n == 0 draws the empty panel with c->empty_msg.  At most
 * SM_SVG_MAX_ITEMS items are drawn (bars); a donut keeps the 7 largest
 * and sums the rest into "Other".  Non-finite values are drawn as 0 and
 * labelled "n/a".  Bars handle negative values (a zero line); a donut
 * drops items <= 0 and shows the empty panel when none is left.
 * Each drawn bar is a <rect class="bar"> (so tests and scripts count
 * them); each slice a <path class="slice ...">.
 *
 * No state; any thread.
 */
#ifndef SM_SERVE_SVG_H
#define SM_SERVE_SVG_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define SM_SVG_MAX_ITEMS 50

typedef struct sm_svg_chart {
    const char *title;         /* accessible name; may be NULL */
    const char *const *labels; /* n labels; a NULL label shows "NULL" */
    const double *values;      /* n values */
    size_t n;
    const char *empty_msg; /* NULL = "No data" */
    const char *id;        /* optional id attribute (trusted text) */
} sm_svg_chart_t;

/* Appends a horizontal bar chart (categories down the left). */
sm_err_t sm_svg_hbar(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e);
/* Appends a vertical bar chart (categories along the bottom). */
sm_err_t sm_svg_vbar(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e);
/* Appends a donut with a legend giving values and percentages. */
sm_err_t sm_svg_donut(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e);
/* Appends the panel shown instead of a chart without data
 * (class "chart empty"). */
sm_err_t sm_svg_empty(sm_buf_t *b, const char *title, const char *msg, const char *id,
                      sm_error_t *e);

/* Appends <text ATTRS>s</text> (attrs is trusted text), s escaped and cut
 * with "…" to max_px at font size px, with a <title> holding the whole
 * text when cut.  A NULL s shows "NULL". */
sm_err_t sm_svg_text_fit(sm_buf_t *b, const char *attrs, const char *s, double px, double max_px,
                         sm_error_t *e);

/* Estimated width in pixels of UTF-8 text at font size px. */
double sm_svg_text_width(const char *s, size_t n, double px);

#endif
