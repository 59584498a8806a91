/* serve/html — escaping, number formatting and the page shell. */
#include "serve/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

sm_err_t sm_html_escape(sm_buf_t *b, const char *s, size_t n, sm_error_t *e)
{
    size_t i = 0, run = 0; /* s[run..i) is pending plain text */
    sm_err_t rc = SM_OK;
    while (i < n && rc == SM_OK) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t skip = 1;
        if (c < 0x80) {
            switch (c) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&#39;";
                break;
            default:
                if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                    rep = REPLACEMENT;
            }
        } else if (sm_str_utf8_decode(s + i, n - i, &skip) < 0) {
            rep = REPLACEMENT;
        }
        if (rep) {
            rc = sm_buf_append(b, s + run, i - run, e);
            if (rc == SM_OK)
                rc = sm_buf_append_str(b, rep, e);
            run = i + skip;
        }
        i += skip;
    }
    if (rc == SM_OK)
        rc = sm_buf_append(b, s + run, n - run, e);
    return rc;
}

sm_err_t sm_html_str(sm_buf_t *b, const char *s, sm_error_t *e)
{
    return s ? sm_html_escape(b, s, strlen(s), e) : SM_OK;
}

sm_err_t sm_html_url_encode(sm_buf_t *b, const char *s, size_t n, sm_error_t *e)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        char tmp[3] = {'%', hex[c >> 4], hex[c & 15]};
        sm_err_t rc = keep ? sm_buf_append_byte(b, c, e) : sm_buf_append(b, tmp, 3, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sm_err_t sm_html_url_decode(const char *s, size_t n, sm_buf_t *out, sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return sm_error_set(e, SM_ERR_INVALID, "bad %%-escape at offset %zu", i);
            c = hi * 16 + lo;
            if (c == 0)
                return sm_error_set(e, SM_ERR_INVALID, "encoded NUL at offset %zu", i);
            i += 2;
        } else if (c == 0) {
            return sm_error_set(e, SM_ERR_INVALID, "NUL at offset %zu", i);
        }
        sm_err_t rc = sm_buf_append_byte(out, (uint8_t)c, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

void sm_html_fmt_num(double v, int decimals, char *out, size_t cap)
{
    if (cap < 8)
        return;
    if (!isfinite(v) || fabs(v) >= 1e18) {
        if (!isfinite(v))
            snprintf(out, cap, "n/a");
        else
            snprintf(out, cap, "%.3g", v);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    const char *p = raw;
    size_t o = 0;
    if (*p == '-') {
        /* "-0.00" after rounding: drop the sign */
        bool all_zero = true;
        for (const char *q = p + 1; *q; q++)
            if (*q >= '1' && *q <= '9')
                all_zero = false;
        if (!all_zero && o + 1 < cap)
            out[o++] = '-';
        p++;
    }
    size_t int_len = strcspn(p, ".");
    for (size_t i = 0; i < int_len && o + 1 < cap; i++) {
        if (i > 0 && (int_len - i) % 3 == 0 && o + 2 < cap)
            out[o++] = ',';
        out[o++] = p[i];
    }
    for (const char *q = p + int_len; *q && o + 1 < cap; q++)
        out[o++] = *q;
    out[o] = '\0';
}

void sm_html_fmt_compact(double v, char *out, size_t cap)
{
    static const char *suffix[] = {"", "k", "M", "B", "T"};
    if (!isfinite(v)) {
        snprintf(out, cap, "n/a");
        return;
    }
    double a = fabs(v);
    if (a < 1000) {
        if (a == floor(a))
            snprintf(out, cap, "%.0f", v);
        else
            snprintf(out, cap, "%.*f", a < 9.995 ? 2 : (a < 99.95 ? 1 : 0), v);
        return;
    }
    int k = 0;
    while (a >= 999.95 && k < 4) {
        a /= 1000;
        v /= 1000;
        k++;
    }
    if (a >= 999.95) {
        snprintf(out, cap, "%.1e", v * 1e12);
        return;
    }
    /* decimals by the rounded magnitude: 99.96k is "100k", not "100.0k" */
    snprintf(out, cap, "%.*f%s", a < 9.995 ? 2 : (a < 99.95 ? 1 : 0), v, suffix[k]);
}

void sm_html_fmt_bytes(int64_t v, char *out, size_t cap)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (v < 0) {
        snprintf(out, cap, "-");
        return;
    }
    double x = (double)v;
    int u = 0;
    while (x >= 1024 && u < 6) {
        x /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%lld B", (long long)v);
    else
        snprintf(out, cap, "%.1f %s", x, unit[u]);
}

void sm_html_fmt_time(int64_t ms, char *out, size_t cap)
{
    if (ms < 0) {
        snprintf(out, cap, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, cap, "-");
}

static const struct {
    sm_html_nav_t nav;
    const char *href, *label;
} NAV[] = {
    {SM_NAV_DASHBOARD, "/", "Dashboard"}, {SM_NAV_LAKE, "/lake", "Lake"},
    {SM_NAV_STREAM, "/stream", "Stream"}, {SM_NAV_SQL, "/sql", "SQL"},
    {SM_NAV_RUNS, "/runs", "Runs"},
};

sm_err_t sm_html_page_begin(sm_buf_t *b, const char *title, sm_html_nav_t nav,
                            const char *inline_css, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_str(b,
                                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                    "<meta charset=\"utf-8\">\n"
                                    "<meta name=\"viewport\" content=\"width=device-width, "
                                    "initial-scale=1\">\n<meta name=\"color-scheme\" "
                                    "content=\"light dark\">\n<title>",
                                    e);
    if (!rc)
        rc = sm_html_str(b, title, e);
    if (!rc)
        rc = sm_buf_append_str(b, " · smelt</title>\n", e);
    if (!rc && inline_css) {
        rc = sm_buf_append_str(b, "<style>\n", e);
        if (!rc)
            rc = sm_buf_append_str(b, inline_css, e);
        if (!rc)
            rc = sm_buf_append_str(b, "</style>\n", e);
    } else if (!rc) {
        rc = sm_buf_append_str(b,
                               "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                               "<link rel=\"icon\" href=\"/static/favicon.svg\" "
                               "type=\"image/svg+xml\">\n",
                               e);
    }
    if (!rc)
        rc = sm_buf_append_str(b,
                               "</head>\n<body>\n<header class=\"top\"><span class=\"brand\">"
                               "<span class=\"logo\" aria-hidden=\"true\"></span>smelt</span>",
                               e);
    if (!rc && !inline_css) {
        rc = sm_buf_append_str(b, "<nav>", e);
        for (size_t i = 0; !rc && i < sizeof NAV / sizeof NAV[0]; i++)
            rc = sm_buf_printf(b, e, "<a href=\"%s\"%s>%s</a>", NAV[i].href,
                               NAV[i].nav == nav ? " class=\"current\" aria-current=\"page\"" : "",
                               NAV[i].label);
        if (!rc)
            rc = sm_buf_append_str(b, "</nav>", e);
    }
    if (!rc)
        rc = sm_buf_append_str(b, "</header>\n<main>\n", e);
    return rc;
}

sm_err_t sm_html_page_end(sm_buf_t *b, bool with_script, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_str(b, "</main>\n", e);
    if (!rc && with_script)
        rc = sm_buf_append_str(b, "<script src=\"/static/app.js\"></script>\n", e);
    if (!rc)
        rc = sm_buf_append_str(b, "</body>\n</html>\n", e);
    return rc;
}
