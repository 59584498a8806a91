/* serve/svg — bar, donut and empty-panel charts as SVG text. */
#include "serve/svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "serve/html.h"

#define FONT "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
#define C_TEXT "#3d434a"
#define C_MUTED "#6b7280"
#define C_GRID "#d9dde3"
#define C_BAR "#0072B2"
#define C_NEG "#D55E00"
#define LIMIT_ABS 1e300 /* values are clamped here for layout */

static const char *const PALETTE[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                      "#56B4E9", "#D55E00", "#F0E442", "#999999"};
#define NPALETTE 8

double sm_svg_text_width(const char *s, size_t n, double px)
{
    double w = 0;
    size_t i = 0;
    while (i < n) {
        size_t len;
        int32_t cp = sm_str_utf8_decode(s + i, n - i, &len);
        if (cp < 0)
            w += 1.0;
        else if (cp >= 'A' && cp <= 'Z')
            w += (cp == 'M' || cp == 'W') ? 0.9 : 0.7;
        else if (cp >= '0' && cp <= '9')
            w += 0.6;
        else if (cp == ' ' || cp == '.' || cp == ',' || cp == 'i' || cp == 'l' || cp == 'j' ||
                 cp == '\'' || cp == '|' || cp == ':')
            w += 0.3;
        else if (cp == 'm' || cp == 'w')
            w += 0.85;
        else if (cp < 0x80)
            w += 0.58;
        else
            w += sm_str_codepoint_width((uint32_t)cp) == 2 ? 1.0 : 0.7;
        i += len;
    }
    return w * px;
}

/* Bytes of s that fit max_px when followed by "…"; n when s fits whole. */
static size_t fit_prefix(const char *s, size_t n, double px, double max_px)
{
    if (sm_svg_text_width(s, n, px) <= max_px)
        return n;
    double room = max_px - px * 0.8; /* the ellipsis */
    size_t i = 0, last = 0;
    double w = 0;
    while (i < n) {
        size_t len;
        (void)sm_str_utf8_decode(s + i, n - i, &len);
        double cw = sm_svg_text_width(s + i, len, px);
        if (w + cw > room)
            break;
        w += cw;
        i += len;
        last = i;
    }
    return last;
}

/* <text ...>label</text>, cut to max_px with a <title> of the whole. */
sm_err_t sm_svg_text_fit(sm_buf_t *b, const char *attrs, const char *s, double px, double max_px,
                         sm_error_t *e)
{
    if (!s)
        s = "NULL";
    size_t n = strlen(s), keep = fit_prefix(s, n, px, max_px);
    sm_err_t rc = sm_buf_printf(b, e, "<text %s>", attrs);
    if (!rc && keep < n) {
        rc = sm_buf_append_str(b, "<title>", e);
        if (!rc)
            rc = sm_html_escape(b, s, n, e);
        if (!rc)
            rc = sm_buf_append_str(b, "</title>", e);
    }
    if (!rc)
        rc = sm_html_escape(b, s, keep, e);
    if (!rc && keep < n)
        rc = sm_buf_append_str(b, "\xE2\x80\xA6", e);
    if (!rc)
        rc = sm_buf_append_str(b, "</text>", e);
    return rc;
}

static double clampv(double v)
{
    if (!isfinite(v))
        return 0;
    return v > LIMIT_ABS ? LIMIT_ABS : (v < -LIMIT_ABS ? -LIMIT_ABS : v);
}

static sm_err_t open_svg(sm_buf_t *b, const char *kind, const char *title, const char *id, int w,
                         int h, size_t items, sm_error_t *e)
{
    sm_err_t rc = sm_buf_printf(b, e,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart %s\" "
                                "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                                "preserveAspectRatio=\"xMidYMid meet\" role=\"img\" "
                                "data-items=\"%zu\" font-family=\"%s\" font-size=\"12\"",
                                kind, w, h, w, h, items, FONT);
    if (!rc && id)
        rc = sm_buf_printf(b, e, " id=\"%s\"", id);
    if (!rc)
        rc = sm_buf_append_str(b, " aria-label=\"", e);
    if (!rc)
        rc = sm_html_str(b, title ? title : "chart", e);
    if (!rc)
        rc = sm_buf_append_str(b, "\"><title>", e);
    if (!rc)
        rc = sm_html_str(b, title ? title : "chart", e);
    if (!rc)
        rc = sm_buf_append_str(b, "</title>", e);
    return rc;
}

sm_err_t sm_svg_empty(sm_buf_t *b, const char *title, const char *msg, const char *id,
                      sm_error_t *e)
{
    const int w = 640, h = 200;
    sm_err_t rc = open_svg(b, "empty", title, id, w, h, 0, e);
    if (!rc)
        rc = sm_buf_printf(b, e,
                           "<rect class=\"panel\" x=\"1\" y=\"1\" width=\"%d\" height=\"%d\" "
                           "rx=\"8\" fill=\"none\" stroke=\"%s\" stroke-dasharray=\"6 4\"/>",
                           w - 2, h - 2, C_GRID);
    if (!rc)
        rc = sm_svg_text_fit(b,
                             "class=\"msg\" x=\"320\" y=\"106\" text-anchor=\"middle\" "
                             "font-size=\"16\" fill=\"" C_MUTED "\"",
                             msg ? msg : "No data", 16, w - 40, e);
    if (!rc)
        rc = sm_buf_append_str(b, "</svg>", e);
    return rc;
}

/* Nice axis: ticks covering [lo, hi] with a step of 1, 2 or 5 x 10^k. */
typedef struct axis {
    double lo, hi, step;
    int nticks;
} axis_t;

static axis_t nice_axis(double lo, double hi)
{
    axis_t a;
    if (lo > 0)
        lo = 0;
    if (hi < 0)
        hi = 0;
    if (hi - lo <= 0 || !isfinite(hi - lo)) {
        if (!isfinite(hi - lo)) { /* +-1e300: keep the layout finite */
            lo /= 4;
            hi /= 4;
        }
        if (hi - lo <= 0)
            hi = lo + 1;
    }
    double raw = (hi - lo) / 4, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    a.lo = floor(lo / step) * step;
    a.hi = ceil(hi / step) * step;
    if (a.hi <= a.lo)
        a.hi = a.lo + step;
    a.step = step;
    a.nticks = (int)llround((a.hi - a.lo) / step) + 1;
    if (a.nticks > 12) { /* rounding at extreme magnitudes */
        a.nticks = 2;
        a.step = a.hi - a.lo;
    }
    return a;
}

static void minmax(const double *v, size_t n, double *lo, double *hi)
{
    *lo = 0;
    *hi = 0;
    for (size_t i = 0; i < n; i++) {
        double x = clampv(v[i]);
        if (x < *lo)
            *lo = x;
        if (x > *hi)
            *hi = x;
    }
}

static void value_text(double v, char *out, size_t cap)
{
    if (!isfinite(v))
        snprintf(out, cap, "n/a");
    else
        sm_html_fmt_compact(v, out, cap);
}

/* <title> body for a bar: "label: 1,234.50". */
static sm_err_t bar_tip(sm_buf_t *b, const char *label, double v, sm_error_t *e)
{
    char num[64];
    sm_html_fmt_num(v, fabs(v) < 1e15 && v != floor(v) ? 2 : 0, num, sizeof num);
    sm_err_t rc = sm_buf_append_str(b, "<title>", e);
    if (!rc)
        rc = sm_html_str(b, label ? label : "NULL", e);
    if (!rc)
        rc = sm_buf_printf(b, e, ": %s</title>", num);
    return rc;
}

sm_err_t sm_svg_hbar(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e)
{
    if (c->n == 0)
        return sm_svg_empty(b, c->title, c->empty_msg, c->id, e);
    size_t n = c->n > SM_SVG_MAX_ITEMS ? SM_SVG_MAX_ITEMS : c->n;
    const int w = 640, row = 28, top = 8, bottom = 28;
    const double x0 = 168, x1 = w - 64;
    int h = top + (int)n * row + bottom;
    double lo, hi;
    minmax(c->values, n, &lo, &hi);
    axis_t ax = nice_axis(lo, hi);
    double span = ax.hi - ax.lo;
#define XPOS(v) (x0 + ((v)-ax.lo) / span * (x1 - x0))
    sm_err_t rc = open_svg(b, "hbar", c->title, c->id, w, h, n, e);
    for (int t = 0; !rc && t < ax.nticks; t++) {
        double tv = ax.lo + t * ax.step, x = XPOS(tv);
        char lbl[32];
        sm_html_fmt_compact(fabs(tv) < ax.step * 1e-9 ? 0 : tv, lbl, sizeof lbl);
        rc = sm_buf_printf(b, e,
                           "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                           "stroke=\"%s\"/><text class=\"axis\" x=\"%.1f\" y=\"%d\" "
                           "text-anchor=\"middle\" font-size=\"11\" fill=\"%s\">%s</text>",
                           x, top, x, h - bottom + 4, C_GRID, x, h - 10, C_MUTED, lbl);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        double v = clampv(c->values[i]), y = top + (double)i * row;
        double xa = XPOS(0.0), xb = XPOS(v), bx = fmin(xa, xb), bw = fabs(xb - xa);
        const char *lbl = c->labels[i] ? c->labels[i] : "NULL";
        char attrs[160], val[48];
        snprintf(attrs, sizeof attrs,
                 "class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\"", x0 - 8,
                 y + row / 2.0 + 4, C_TEXT);
        rc = sm_svg_text_fit(b, attrs, lbl, 12, x0 - 12, e);
        if (!rc)
            rc = sm_buf_printf(b, e,
                               "<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                               "height=\"%d\" rx=\"2\" fill=\"%s\">",
                               v < 0 ? " neg" : "", bx, y + 5, bw < 0.5 && v != 0 ? 0.5 : bw,
                               row - 10, v < 0 ? C_NEG : C_BAR);
        if (!rc)
            rc = bar_tip(b, lbl, c->values[i], e);
        value_text(c->values[i], val, sizeof val);
        if (!rc)
            rc = sm_buf_printf(b, e,
                               "</rect><text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
                               "font-size=\"11\" fill=\"%s\">%s</text>",
                               (v < 0 ? xa : xb) + 4, y + row / 2.0 + 4, C_TEXT, val);
    }
    if (!rc)
        rc = sm_buf_printf(b, e,
                           "<line class=\"axisline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                           "y2=\"%d\" stroke=\"%s\"/></svg>",
                           XPOS(0.0), top, XPOS(0.0), h - bottom + 4, C_MUTED);
#undef XPOS
    return rc;
}

sm_err_t sm_svg_vbar(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e)
{
    if (c->n == 0)
        return sm_svg_empty(b, c->title, c->empty_msg, c->id, e);
    size_t n = c->n > SM_SVG_MAX_ITEMS ? SM_SVG_MAX_ITEMS : c->n;
    const int w = 640;
    const double x0 = 56, x1 = w - 12, top = 20, band = (x1 - x0) / (double)n;
    /* Flat labels when every label fits under its bar, else slanted. */
    double widest = 0;
    for (size_t i = 0; i < n; i++) {
        const char *l = c->labels[i] ? c->labels[i] : "NULL";
        widest = fmax(widest, sm_svg_text_width(l, strlen(l), 11));
    }
    bool slant = widest > band - 6;
    double label_room = slant ? 110 : band - 6;
    int bottom = slant ? 92 : 34, h = 280 + (slant ? 58 : 0);
    double y1 = h - bottom;
    double lo, hi;
    minmax(c->values, n, &lo, &hi);
    axis_t ax = nice_axis(lo, hi);
    double span = ax.hi - ax.lo;
    bool show_values = band >= 34;
#define YPOS(v) (y1 - ((v)-ax.lo) / span * (y1 - top))
    sm_err_t rc = open_svg(b, "vbar", c->title, c->id, w, h, n, e);
    for (int t = 0; !rc && t < ax.nticks; t++) {
        double tv = ax.lo + t * ax.step, y = YPOS(tv);
        char lbl[32];
        sm_html_fmt_compact(fabs(tv) < ax.step * 1e-9 ? 0 : tv, lbl, sizeof lbl);
        rc = sm_buf_printf(b, e,
                           "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"%s\"/><text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
                           "text-anchor=\"end\" font-size=\"11\" fill=\"%s\">%s</text>",
                           x0, y, x1, y, C_GRID, x0 - 6, y + 4, C_MUTED, lbl);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        double v = clampv(c->values[i]), cx = x0 + band * ((double)i + 0.5);
        double ya = YPOS(0.0), yb = YPOS(v), by = fmin(ya, yb), bh = fabs(yb - ya);
        double bw = fmin(band * 0.7, 80);
        const char *lbl = c->labels[i] ? c->labels[i] : "NULL";
        char attrs[200], val[48];
        rc = sm_buf_printf(b, e,
                           "<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" rx=\"2\" fill=\"%s\">",
                           v < 0 ? " neg" : "", cx - bw / 2, by, bw, bh < 0.5 && v != 0 ? 0.5 : bh,
                           v < 0 ? C_NEG : C_BAR);
        if (!rc)
            rc = bar_tip(b, lbl, c->values[i], e);
        if (!rc)
            rc = sm_buf_append_str(b, "</rect>", e);
        if (!rc && show_values) {
            value_text(c->values[i], val, sizeof val);
            rc = sm_buf_printf(b, e,
                               "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                               "font-size=\"11\" fill=\"%s\">%s</text>",
                               cx, v < 0 ? yb + 13 : yb - 4, C_TEXT, val);
        }
        if (slant)
            snprintf(attrs, sizeof attrs,
                     "class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\" "
                     "font-size=\"11\" transform=\"rotate(-40 %.1f %.1f)\"",
                     cx + 3, y1 + 14, C_TEXT, cx + 3, y1 + 14);
        else
            snprintf(attrs, sizeof attrs,
                     "class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" "
                     "font-size=\"11\"",
                     cx, y1 + 18, C_TEXT);
        if (!rc)
            rc = sm_svg_text_fit(b, attrs, lbl, 11, label_room, e);
    }
    if (!rc)
        rc = sm_buf_printf(b, e,
                           "<line class=\"axisline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                           "y2=\"%.1f\" stroke=\"%s\"/></svg>",
                           x0, YPOS(0.0), x1, YPOS(0.0), C_MUTED);
#undef YPOS
    return rc;
}

/* One donut slice from angle a0 to a1 (radians, clockwise from 12 o'clock). */
static sm_err_t slice(sm_buf_t *b, double cx, double cy, double r0, double r1, double a0, double a1,
                      int colour, sm_error_t *e)
{
    if (a1 - a0 >= 2 * M_PI - 1e-9) /* a whole ring: two half arcs each way */
        return sm_buf_printf(b, e,
                             "<path class=\"slice slice-%d\" fill=\"%s\" fill-rule=\"evenodd\" "
                             "d=\"M%.2f %.2fA%.2f %.2f 0 1 1 %.2f %.2fA%.2f %.2f 0 1 1 %.2f %.2fZ"
                             "M%.2f %.2fA%.2f %.2f 0 1 0 %.2f %.2fA%.2f %.2f 0 1 0 %.2f %.2fZ\">",
                             colour, PALETTE[colour], cx, cy - r1, r1, r1, cx, cy + r1, r1, r1, cx,
                             cy - r1, cx, cy - r0, r0, r0, cx, cy + r0, r0, r0, cx, cy - r0);
    int large = a1 - a0 > M_PI ? 1 : 0;
    double s0 = sin(a0), c0 = cos(a0), s1 = sin(a1), c1 = cos(a1);
    return sm_buf_printf(b, e,
                         "<path class=\"slice slice-%d\" fill=\"%s\" d=\"M%.2f %.2fA%.2f %.2f 0 %d "
                         "1 %.2f %.2fL%.2f %.2fA%.2f %.2f 0 %d 0 %.2f %.2fZ\">",
                         colour, PALETTE[colour], cx + r1 * s0, cy - r1 * c0, r1, r1, large,
                         cx + r1 * s1, cy - r1 * c1, cx + r0 * s1, cy - r0 * c1, r0, r0, large,
                         cx + r0 * s0, cy - r0 * c0);
}

#define DONUT_KEEP 7

sm_err_t sm_svg_donut(sm_buf_t *b, const sm_svg_chart_t *c, sm_error_t *e)
{
    /* Keep the positive items, the largest DONUT_KEEP in order of input
     * position; sum the rest into "Other". */
    size_t idx[DONUT_KEEP];
    size_t nk = 0, npos = 0;
    double total = 0, other = 0;
    for (size_t i = 0; i < c->n; i++) {
        double v = clampv(c->values[i]);
        if (v <= 0)
            continue;
        npos++;
        total += v;
        if (nk < DONUT_KEEP) {
            idx[nk++] = i;
            continue;
        }
        size_t min_k = 0; /* replace the smallest kept when v is larger */
        for (size_t k = 1; k < nk; k++)
            if (clampv(c->values[idx[k]]) < clampv(c->values[idx[min_k]]))
                min_k = k;
        if (v > clampv(c->values[idx[min_k]])) {
            other += clampv(c->values[idx[min_k]]);
            memmove(idx + min_k, idx + min_k + 1, (nk - min_k - 1) * sizeof idx[0]);
            idx[nk - 1] = i;
        } else {
            other += v;
        }
    }
    if (npos == 0 || !(total > 0) || !isfinite(total))
        return sm_svg_empty(b, c->title, c->n ? "No positive values" : c->empty_msg, c->id, e);
    size_t nitems = nk + (other > 0 ? 1 : 0);
    const int w = 640, row = 24;
    int h = (int)fmax(240, 40 + (double)nitems * row);
    const double cx = 120, cy = h / 2.0, r1 = 100, r0 = 60;
    sm_err_t rc = open_svg(b, "donut", c->title, c->id, w, h, nitems, e);
    double a = 0;
    for (size_t k = 0; !rc && k < nitems; k++) {
        bool is_other = k == nk;
        double v = is_other ? other : clampv(c->values[idx[k]]);
        const char *lbl = is_other ? "Other" : (c->labels[idx[k]] ? c->labels[idx[k]] : "NULL");
        double a1 = k + 1 == nitems ? 2 * M_PI : a + v / total * 2 * M_PI;
        char num[48], attrs[160], pct[16];
        snprintf(pct, sizeof pct, "%.1f%%", v / total * 100);
        rc = slice(b, cx, cy, r0, r1, a, a1, (int)(k % NPALETTE), e);
        if (!rc)
            rc = bar_tip(b, lbl, v, e);
        if (!rc)
            rc = sm_buf_append_str(b, "</path>", e);
        /* legend row: swatch, label, value, percentage */
        double ly = (h - (double)nitems * row) / 2 + (double)k * row;
        if (!rc)
            rc = sm_buf_printf(b, e,
                               "<rect class=\"swatch slice-%d\" x=\"250\" y=\"%.1f\" width=\"12\" "
                               "height=\"12\" rx=\"2\" fill=\"%s\"/>",
                               (int)(k % NPALETTE), ly + 4, PALETTE[k % NPALETTE]);
        snprintf(attrs, sizeof attrs, "class=\"lbl\" x=\"270\" y=\"%.1f\" fill=\"%s\"", ly + 14,
                 C_TEXT);
        if (!rc)
            rc = sm_svg_text_fit(b, attrs, lbl, 12, 200, e);
        sm_html_fmt_compact(v, num, sizeof num);
        if (!rc)
            rc = sm_buf_printf(b, e,
                               "<text class=\"val\" x=\"552\" y=\"%.1f\" text-anchor=\"end\" "
                               "fill=\"%s\">%s</text><text class=\"pct\" x=\"628\" y=\"%.1f\" "
                               "text-anchor=\"end\" font-weight=\"600\" fill=\"%s\">%s</text>",
                               ly + 14, C_TEXT, num, ly + 14, C_TEXT, pct);
        a = a1;
    }
    char tot[48];
    sm_html_fmt_compact(total, tot, sizeof tot);
    if (!rc)
        rc = sm_buf_printf(b, e,
                           "<text class=\"val total\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                           "font-size=\"20\" font-weight=\"600\" fill=\"%s\">%s</text>"
                           "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                           "font-size=\"11\" fill=\"%s\">total</text></svg>",
                           cx, cy + 4, C_TEXT, tot, cx, cy + 20, C_MUTED);
    return rc;
}
