/* serve/pages — the HTML pages (dashboard, lake browser, stream monitor,
 * SQL console, runs) and the rendering helpers they share with the
 * report. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/print.h"
#include "columnar/text.h"
#include "core/mem.h"
#include "core/str.h"
#include "serve/lineage.h"
#include "serve/serve_int.h"
#include "serve/svg.h"

/* Sticky-error appenders: each does nothing once rc is set. */
#define P(...)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_buf_printf(b, e, __VA_ARGS__);                                                 \
    } while (0)
#define S(str)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_buf_append_str(b, (str), e);                                                   \
    } while (0)
#define H(str)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_html_str(b, (str), e);                                                         \
    } while (0)

#define PREVIEW_ROWS 50
#define CELL_MAX 2000 /* bytes of one cell shown in a page */
#define SQL_PAGE_ROWS 1000

static sm_err_t chart(sm_buf_t *b, int kind, const char *title, const sm_prov_series_t *s,
                      size_t max_items, const char *empty, const char *id, sm_error_t *e)
{
    sm_svg_chart_t c = {.title = title,
                        .labels = s->labels,
                        .values = s->values,
                        .n = s->n > max_items ? max_items : s->n,
                        .empty_msg = empty,
                        .id = id};
    if (kind == 0)
        return sm_svg_hbar(b, &c, e);
    if (kind == 1)
        return sm_svg_donut(b, &c, e);
    return sm_svg_vbar(b, &c, e);
}

sm_err_t sm_serve_render_live_chart(sm_buf_t *b, const sm_prov_stream_t *st, sm_error_t *e)
{
    static const sm_prov_series_t none = {0};
    return chart(b, 2, "Live revenue by country", st ? &st->live : &none, SM_SVG_MAX_ITEMS,
                 "Waiting for live data\xE2\x80\xA6", "live-svg", e);
}

static sm_err_t kpi(sm_buf_t *b, const char *id, const char *label, const char *shown, double raw,
                    sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    P("<div class=\"kpi\"><div class=\"kpi-label\">%s</div>"
      "<div class=\"kpi-value\" id=\"%s\" data-value=\"",
      label, id);
    if (isfinite(raw))
        P("%.17g", raw);
    P("\">%s</div></div>", shown);
    return rc;
}

sm_err_t sm_serve_render_grid(sm_buf_t *b, const sm_prov_grid_t *g, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (!g || g->ncols == 0) {
        S("<p class=\"muted\">No rows.</p>");
        return rc;
    }
    S("<div class=\"table-wrap\"><table class=\"data\"><thead><tr>");
    for (size_t c = 0; c < g->ncols; c++) {
        P("<th%s>", g->numeric && g->numeric[c] ? " class=\"num\"" : "");
        H(g->cols[c]);
        S("</th>");
    }
    S("</tr></thead><tbody>");
    for (size_t r = 0; r < g->nrows; r++) {
        S("<tr>");
        for (size_t c = 0; c < g->ncols; c++) {
            const char *v = g->cells[r * g->ncols + c];
            P("<td%s>", g->numeric && g->numeric[c] ? " class=\"num\"" : "");
            if (v)
                H(v);
            else
                S("<span class=\"null\">NULL</span>");
            S("</td>");
        }
        S("</tr>");
    }
    S("</tbody></table></div>");
    return rc;
}

sm_err_t sm_serve_render_dashboard(sm_buf_t *b, const sm_prov_dashboard_t *d,
                                   const sm_prov_stream_t *st, bool live_updates, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    char rev[64], orders[64], cust[64], vip[64];
    sm_html_fmt_num(d->total_revenue, 2, rev, sizeof rev);
    sm_html_fmt_num((double)d->orders, 0, orders, sizeof orders);
    sm_html_fmt_num((double)d->customers, 0, cust, sizeof cust);
    sm_html_fmt_num(d->vip_share * 100, 1, vip, sizeof vip);
    if (strcmp(vip, "n/a") != 0)
        strncat(vip, "%", sizeof vip - strlen(vip) - 1);
    S("<h1>Sales dashboard</h1>\n");
    if (!d->has_data)
        S("<p class=\"notice\">No gold tables yet: run the pipeline (<code>smelt run</code>) "
          "and reload.</p>\n");
    S("<section class=\"kpis\">");
    if (!rc)
        rc = kpi(b, "kpi-revenue", "Total revenue", rev, d->total_revenue, e);
    if (!rc)
        rc = kpi(b, "kpi-orders", "Orders", orders, (double)d->orders, e);
    if (!rc)
        rc = kpi(b, "kpi-customers", "Customers", cust, (double)d->customers, e);
    if (!rc)
        rc = kpi(b, "kpi-vip", "VIP share", vip, d->vip_share, e);
    S("</section>\n<section class=\"charts\">\n");
    S("<figure class=\"card\" id=\"card-countries\"><figcaption>Top 10 countries by revenue"
      "</figcaption>");
    if (!rc)
        rc = chart(b, 0, "Top 10 countries by revenue", &d->top_countries, 10, NULL, NULL, e);
    S("</figure>\n<figure class=\"card\" id=\"card-segments\"><figcaption>Customer segments"
      "</figcaption>");
    if (!rc)
        rc = chart(b, 1, "Customer segments", &d->segments, SIZE_MAX, NULL, NULL, e);
    S("</figure>\n<figure class=\"card\" id=\"card-categories\"><figcaption>Revenue by product "
      "category</figcaption>");
    if (!rc)
        rc = chart(b, 2, "Revenue by product category", &d->categories, SM_SVG_MAX_ITEMS, NULL,
                   NULL, e);
    S("</figure>\n<figure class=\"card\" id=\"card-live\"");
    if (live_updates)
        S(" data-live=\"/api/stream/events\"");
    S("><figcaption>Live streaming revenue by country <span class=\"badge\" id=\"live-state\">");
    H(st && st->state ? st->state : "no stream");
    S("</span></figcaption><div class=\"live-chart\" id=\"live-chart\">");
    if (!rc)
        rc = sm_serve_render_live_chart(b, st, e);
    S("</div></figure>\n</section>\n<section class=\"card wide\"><h2>RFM segments</h2>");
    if (!rc)
        rc = sm_serve_render_grid(b, &d->rfm, e);
    S("</section>\n");
    return rc;
}

static bool kind_is_numeric(sm_type_kind_t k)
{
    return sm_type_is_numeric(k);
}

sm_err_t sm_serve_render_result(sm_buf_t *b, const sm_prov_result_t *r, size_t max_rows,
                                sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_buf_t cell = SM_BUF_INIT;
    if (!r->schema || r->schema->nfields == 0) {
        S("<p class=\"muted\">The statement returned no columns.</p>");
        return rc;
    }
    const sm_type_t *sc = r->schema;
    S("<div class=\"table-wrap\"><table class=\"data\"><thead><tr>");
    for (uint32_t c = 0; c < sc->nfields; c++) {
        char tn[64];
        bool num = kind_is_numeric(sc->fields[c].type->kind);
        P("<th%s>", num ? " class=\"num\"" : "");
        H(sc->fields[c].name);
        S("<span class=\"type\">");
        H(sm_type_name(sc->fields[c].type, tn, sizeof tn));
        S("</span></th>");
    }
    S("</tr></thead><tbody>");
    size_t shown = 0;
    for (size_t bi = 0; bi < r->nbatches && shown < max_rows && !rc; bi++) {
        const sm_batch_t *bt = r->batches[bi];
        for (size_t i = 0; i < bt->nrows && shown < max_rows && !rc; i++, shown++) {
            S("<tr>");
            for (size_t c = 0; c < bt->ncols && !rc; c++) {
                const sm_vector_t *v = sm_batch_col(bt, c);
                P("<td%s>", kind_is_numeric(v->type->kind) ? " class=\"num\"" : "");
                if (sm_vector_is_null(v, i)) {
                    S("<span class=\"null\">NULL</span>");
                } else {
                    sm_buf_reset(&cell);
                    if (!rc)
                        rc = sm_print_value(v, i, SM_PRINT_STYLE_TEXT, &cell, e);
                    size_t n = cell.len > CELL_MAX
                                   ? sm_str_utf8_prefix_for_width(
                                         sm_str_make((char *)cell.data, CELL_MAX), CELL_MAX)
                                   : cell.len;
                    if (!rc)
                        rc = sm_html_escape(b, (const char *)cell.data, n, e);
                    if (n < cell.len)
                        S("\xE2\x80\xA6");
                }
                S("</td>");
            }
            S("</tr>");
        }
    }
    S("</tbody></table></div>");
    sm_buf_free(&cell);
    return rc;
}

/* The numeric value of row i of v; false when v's kind is not numeric. */
static bool as_double(const sm_vector_t *v, size_t i, double *out)
{
    if (sm_vector_is_null(v, i)) {
        *out = 0;
        return true;
    }
    switch (v->type->kind) {
    case SM_TYPE_INT8:
        *out = sm_vector_get_i8(v, i);
        return true;
    case SM_TYPE_INT16:
        *out = sm_vector_get_i16(v, i);
        return true;
    case SM_TYPE_INT32:
        *out = sm_vector_get_i32(v, i);
        return true;
    case SM_TYPE_INT64:
        *out = (double)sm_vector_get_i64(v, i);
        return true;
    case SM_TYPE_FLOAT32:
        *out = sm_vector_get_f32(v, i);
        return true;
    case SM_TYPE_FLOAT64:
        *out = sm_vector_get_f64(v, i);
        return true;
    case SM_TYPE_DECIMAL: {
        char tmp[SM_FMT_DECIMAL_MAX];
        size_t n = sm_fmt_decimal(sm_vector_get_i128(v, i), v->type->scale, tmp);
        return sm_parse_double(tmp, n, out, NULL) == SM_OK;
    }
    default:
        return false;
    }
}

sm_err_t sm_serve_result_chart(sm_buf_t *b, const sm_prov_result_t *r, sm_arena_t *a, sm_error_t *e)
{
    if (!r->schema || r->schema->nfields < 2)
        return sm_error_set(e, SM_ERR_INVALID,
                            "a chart needs two columns (labels, then numbers); the result has %u",
                            r->schema ? r->schema->nfields : 0);
    if (!kind_is_numeric(r->schema->fields[1].type->kind))
        return sm_error_set(e, SM_ERR_INVALID, "column 2 (%s) is not numeric",
                            r->schema->fields[1].name);
    size_t n = sm_prov_result_rows(r);
    if (n > SM_SVG_MAX_ITEMS)
        n = SM_SVG_MAX_ITEMS;
    const char **labels = sm_arena_calloc(a, (n ? n : 1) * sizeof *labels);
    double *values = sm_arena_calloc(a, (n ? n : 1) * sizeof *values);
    if (!labels || !values)
        return sm_error_nomem(e, "chart");
    sm_buf_t cell = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    size_t k = 0;
    for (size_t bi = 0; bi < r->nbatches && k < n && !rc; bi++) {
        const sm_batch_t *bt = r->batches[bi];
        for (size_t i = 0; i < bt->nrows && k < n && !rc; i++, k++) {
            const sm_vector_t *v0 = sm_batch_col(bt, 0);
            if (sm_vector_is_null(v0, i)) {
                labels[k] = NULL;
            } else {
                sm_buf_reset(&cell);
                rc = sm_print_value(v0, i, SM_PRINT_STYLE_TEXT, &cell, e);
                if (!rc && !(labels[k] = sm_arena_strndup(a, (char *)cell.data, cell.len)))
                    rc = sm_error_nomem(e, "chart label");
            }
            if (!rc)
                as_double(sm_batch_col(bt, 1), i, &values[k]);
        }
    }
    sm_buf_free(&cell);
    if (rc)
        return rc;
    char title[160];
    snprintf(title, sizeof title, "%s by %s", r->schema->fields[1].name, r->schema->fields[0].name);
    sm_svg_chart_t c = {.title = title, .labels = labels, .values = values, .n = k};
    return n > 12 ? sm_svg_hbar(b, &c, e) : sm_svg_vbar(b, &c, e);
}

/* ---- pages ------------------------------------------------------------ */

static sm_err_t page_dashboard(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_serve_snap_t *sn = NULL;
    sm_prov_stream_t st = {0};
    bool have_st = false;
    sm_err_t rc = sm_serve_snap_get(s, &sn, e);
    if (!rc && s->prov.vt->stream_status) {
        sm_error_t e2;
        sm_serve_prov_lock(s);
        have_st = s->prov.vt->stream_status(s->prov.ctx, &rq->arena, &st, &e2) == SM_OK;
        sm_serve_prov_unlock(s);
    }
    if (!rc)
        rc = sm_html_page_begin(b, "Dashboard", SM_NAV_DASHBOARD, NULL, e);
    if (!rc)
        rc = sm_serve_render_dashboard(b, &sn->dash, have_st ? &st : NULL, true, e);
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    sm_serve_snap_release(sn);
    return rc;
}

static sm_err_t table_link(sm_buf_t *b, const char *layer, const char *name, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    S("<a href=\"/lake/");
    if (!rc)
        rc = sm_html_url_encode(b, layer, strlen(layer), e);
    S("/");
    if (!rc)
        rc = sm_html_url_encode(b, name, strlen(name), e);
    S("\">");
    H(layer);
    S(".");
    H(name);
    S("</a>");
    return rc;
}

static void num_or_dash(int64_t v, char *out, size_t cap)
{
    if (v < 0)
        snprintf(out, cap, "-");
    else
        sm_html_fmt_num((double)v, 0, out, cap);
}

static sm_err_t page_lake(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_table_list_t l = {0};
    if (!s->prov.vt->list_tables)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "the lake browser is not available");
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->list_tables(s->prov.ctx, &rq->arena, &l, e);
    sm_serve_prov_unlock(s);
    if (!rc)
        rc = sm_html_page_begin(b, "Lake", SM_NAV_LAKE, NULL, e);
    S("<h1>Lake</h1>\n");
    if (l.n == 0)
        S("<p class=\"notice\">The lake has no tables yet.</p>");
    else
        S("<section class=\"card wide\"><div class=\"table-wrap\"><table class=\"data\" "
          "id=\"tables\"><thead><tr><th>Table</th><th class=\"num\">Rows</th><th "
          "class=\"num\">Files</th><th class=\"num\">Size</th><th class=\"num\">Version</th>"
          "<th>Last commit</th></tr></thead><tbody>");
    for (size_t i = 0; i < l.n && !rc; i++) {
        const sm_prov_table_t *t = &l.tables[i];
        char rows[48], files[48], size[48], ver[48], when[48];
        num_or_dash(t->rows, rows, sizeof rows);
        num_or_dash(t->files, files, sizeof files);
        sm_html_fmt_bytes(t->bytes, size, sizeof size);
        num_or_dash(t->version, ver, sizeof ver);
        sm_html_fmt_time(t->modified_ms, when, sizeof when);
        P("<tr><td class=\"layer-%s\">",
          (!strcmp(t->layer ? t->layer : "", "bronze") ||
           !strcmp(t->layer ? t->layer : "", "silver") || !strcmp(t->layer ? t->layer : "", "gold"))
              ? t->layer
              : "other");
        if (!rc)
            rc = table_link(b, t->layer ? t->layer : "", t->name ? t->name : "", e);
        P("</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
          "<td class=\"num\">%s</td><td>%s</td></tr>",
          rows, files, size, ver, when);
    }
    if (l.n)
        S("</tbody></table></div></section>\n");
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    return rc;
}

static uint64_t arg_u64(sm_req_t *rq, const char *key, uint64_t dflt, uint64_t max)
{
    const char *v = sm_req_arg(rq, key);
    uint64_t x;
    if (!v || sm_str_to_u64(sm_str_c(v), &x, NULL) != SM_OK)
        return dflt;
    return x > max ? max : x;
}

/* Rows [offset, offset + shown) of total, with links to the pages before
 * and after (as of `version`, -1: the latest). */
static sm_err_t pager(sm_buf_t *b, const char *layer, const char *name, int64_t version,
                      uint64_t offset, size_t shown, int64_t total, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    char from[48], to[48], tot[48], at[48] = "";
    if (version >= 0)
        snprintf(at, sizeof at, "&version=%" PRId64, version);
    sm_html_fmt_num((double)(shown ? offset + 1 : offset), 0, from, sizeof from);
    sm_html_fmt_num((double)(offset + shown), 0, to, sizeof to);
    num_or_dash(total, tot, sizeof tot);
    P("<nav class=\"pager\" data-layer=\"%s\" data-table=\"%s\" data-offset=\"%" PRIu64
      "\" data-limit=\"%d\" data-version=\"%" PRId64
      "\"><span class=\"range\">Rows %s\xE2\x80\x93%s of %s</span>",
      layer, name, offset, PREVIEW_ROWS, version, from, to, tot);
    if (offset > 0)
        P("<a class=\"prev\" href=\"/lake/%s/%s?offset=%" PRIu64 "%s\">\xE2\x86\x90 Previous</a>",
          layer, name, offset > PREVIEW_ROWS ? offset - PREVIEW_ROWS : 0, at);
    else
        S("<span class=\"prev disabled\">\xE2\x86\x90 Previous</span>");
    bool more = total < 0 ? shown == PREVIEW_ROWS : (int64_t)(offset + shown) < total;
    if (more)
        P("<a class=\"next\" href=\"/lake/%s/%s?offset=%" PRIu64 "%s\">Next \xE2\x86\x92</a>",
          layer, name, offset + shown, at);
    else
        S("<span class=\"next disabled\">Next \xE2\x86\x92</span>");
    S("</nav>");
    return rc;
}

static sm_err_t page_table(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    const char *layer = rq->path.layer, *name = rq->path.table; /* [A-Za-z0-9_-] only */
    sm_prov_table_desc_t d = {0};
    sm_prov_result_t r = {0};
    uint64_t offset = arg_u64(rq, "offset", 0, INT64_MAX);
    /* time travel: ?version=N previews the table as of version N */
    int64_t version =
        sm_req_arg(rq, "version") ? (int64_t)arg_u64(rq, "version", 0, INT64_MAX) : -1;
    if (!s->prov.vt->describe_table)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "the lake browser is not available");
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->describe_table(s->prov.ctx, layer, name, &rq->arena, &d, e);
    sm_error_t pe;
    sm_err_t prc = SM_ERR_UNSUPPORTED;
    sm_error_clear(&pe);
    if (!rc && s->prov.vt->preview)
        prc = s->prov.vt->preview(s->prov.ctx, layer, name, version, offset, PREVIEW_ROWS, &r, &pe);
    sm_serve_prov_unlock(s);
    char title[2 * SM_NAME_MAX + 2];
    snprintf(title, sizeof title, "%s.%s", layer, name);
    if (!rc)
        rc = sm_html_page_begin(b, title, SM_NAV_LAKE, NULL, e);
    char rows[48], files[48], size[48], ver[48];
    num_or_dash(d.rows, rows, sizeof rows);
    num_or_dash(d.files, files, sizeof files);
    sm_html_fmt_bytes(d.bytes, size, sizeof size);
    num_or_dash(d.version, ver, sizeof ver);
    P("<p class=\"crumbs\"><a href=\"/lake\">Lake</a> / %s</p><h1>%s</h1>", title, title);
    S("<p class=\"muted mono\">");
    H(d.location);
    P("</p><section class=\"kpis\"><div class=\"kpi\"><div class=\"kpi-label\">Rows</div>"
      "<div class=\"kpi-value\" id=\"t-rows\">%s</div></div><div class=\"kpi\"><div "
      "class=\"kpi-label\">Files</div><div class=\"kpi-value\">%s</div></div><div class=\"kpi\">"
      "<div class=\"kpi-label\">Size</div><div class=\"kpi-value\">%s</div></div><div "
      "class=\"kpi\"><div class=\"kpi-label\">Version</div><div class=\"kpi-value\">%s</div>"
      "</div></section>\n",
      rows, files, size, ver);
    /* preview with paging */
    S("<section class=\"card wide\" id=\"preview\"><h2>Preview</h2>");
    if (version >= 0)
        P("<p id=\"as-of\">As of version %" PRId64
          " &middot; <a href=\"/lake/%s/%s\">latest</a></p>",
          version, layer, name);
    if (prc == SM_OK) {
        size_t shown = sm_prov_result_rows(&r);
        if (!rc)
            rc = pager(b, layer, name, version, offset, shown,
                       r.total_rows >= 0 ? r.total_rows : (version >= 0 ? -1 : d.rows), e);
        S("<div id=\"preview-rows\">");
        if (!rc)
            rc = sm_serve_render_result(b, &r, PREVIEW_ROWS, e);
        S("</div>");
    } else {
        S("<p class=\"error\">");
        H(pe.msg[0] ? pe.msg : "preview not available");
        S("</p>");
    }
    S("</section>\n<div class=\"cols2\"><section class=\"card\"><h2>Schema</h2><div "
      "class=\"table-wrap\"><table class=\"data\" id=\"schema\"><thead><tr><th>Column</th>"
      "<th>Type</th><th>Nullable</th></tr></thead><tbody>");
    for (size_t i = 0; i < d.ncolumns && !rc; i++) {
        S("<tr><td class=\"mono\">");
        H(d.columns[i].name);
        S("</td><td class=\"mono\">");
        H(d.columns[i].type);
        P("</td><td>%s</td></tr>", d.columns[i].nullable ? "yes" : "no");
    }
    S("</tbody></table></div>");
    if (d.npartition_columns) {
        S("<p>Partitioned by ");
        for (size_t i = 0; i < d.npartition_columns; i++) {
            S(i ? ", <code>" : "<code>");
            H(d.partition_columns[i]);
            S("</code>");
        }
        S("</p>");
    }
    S("</section><section class=\"card\"><h2>History</h2><div class=\"table-wrap\"><table "
      "class=\"data\" id=\"history\"><thead><tr><th class=\"num\">Version</th><th>When</th>"
      "<th>Operation</th><th>Detail</th></tr></thead><tbody>");
    for (size_t i = 0; i < d.nhistory && !rc; i++) {
        char when[48];
        sm_html_fmt_time(d.history[i].ts_ms, when, sizeof when);
        /* each version links to the table as it was then */
        P("<tr><td class=\"num\"><a href=\"/lake/%s/%s?version=%" PRId64 "\">%" PRId64
          "</a></td><td>%s</td><td>",
          layer, name, d.history[i].version, d.history[i].version, when);
        H(d.history[i].operation);
        S("</td><td class=\"mono\">");
        H(d.history[i].detail);
        S("</td></tr>");
    }
    S("</tbody></table></div></section></div>\n<section class=\"card wide\"><h2>Files</h2><div "
      "class=\"table-wrap\"><table class=\"data\" id=\"files\"><thead><tr><th>Path</th>"
      "<th>Partition</th><th class=\"num\">Rows</th><th class=\"num\">Size</th></tr></thead>"
      "<tbody>");
    for (size_t i = 0; i < d.nfile_list && !rc; i++) {
        char fr[48], fs[48];
        num_or_dash(d.file_list[i].rows, fr, sizeof fr);
        sm_html_fmt_bytes(d.file_list[i].bytes, fs, sizeof fs);
        S("<tr><td class=\"mono\">");
        H(d.file_list[i].path);
        S("</td><td class=\"mono\">");
        H(d.file_list[i].partition);
        P("</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>", fr, fs);
    }
    S("</tbody></table></div></section>\n");
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    sm_prov_result_free(&r);
    return rc;
}

/* The Kafka part of the stream page: the broker state, each stream's
 * position and lag, and the topics' partitions. */
static sm_err_t render_kafka(sm_buf_t *b, const sm_prov_streams_t *m, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    S("<section class=\"card wide\" id=\"kafka\"><h2>Kafka</h2>");
    if (!m->broker_configured) {
        S("<p class=\"notice\" id=\"kafka-state\" data-state=\"no-broker\">No Kafka broker "
          "configured (set <code>kafka.bootstrap</code> or SMELT_KAFKA_BOOTSTRAP): topic offsets "
          "and lag are not available.</p>");
    } else if (m->broker_error) {
        S("<p class=\"error\" id=\"kafka-state\" data-state=\"unreachable\">Broker <code>");
        H(m->bootstrap ? m->bootstrap : "");
        S("</code> did not answer: ");
        H(m->broker_error);
        S("</p>");
    } else {
        S("<p class=\"muted\" id=\"kafka-state\" data-state=\"ok\">Broker <code>");
        H(m->bootstrap ? m->bootstrap : "");
        S("</code></p>");
    }
    S("<h3>Streams</h3><div class=\"table-wrap\"><table class=\"data\" id=\"streams\"><thead>"
      "<tr><th>Stream</th><th>Topic</th><th class=\"num\">Batch</th><th class=\"num\">"
      "Committed</th><th class=\"num\">Lag</th><th class=\"num\">Events/s</th><th "
      "class=\"num\">Latency</th><th class=\"num\">Dead letters</th><th>Last batch</th></tr>"
      "</thead><tbody>");
    if (!m->nstreams)
        S("<tr><td colspan=\"9\" class=\"muted\">No streaming models in the project.</td></tr>");
    for (size_t i = 0; i < m->nstreams && !rc; i++) {
        const sm_prov_stream_info_t *si = &m->streams[i];
        char bat[48], com[48], lag[48], eps[48] = "-", lat[48] = "-", dl[48], when[48];
        num_or_dash(si->batch, bat, sizeof bat);
        num_or_dash(si->committed, com, sizeof com);
        num_or_dash(si->lag, lag, sizeof lag);
        num_or_dash(si->dead_letters, dl, sizeof dl);
        if (si->events_per_s >= 0)
            sm_html_fmt_num(si->events_per_s, 1, eps, sizeof eps);
        if (si->latency_ms >= 0)
            snprintf(lat, sizeof lat, "%.0f ms", si->latency_ms);
        sm_html_fmt_time(si->last_batch_ms, when, sizeof when);
        S("<tr><td class=\"mono\">");
        H(si->name);
        S("</td><td class=\"mono\">");
        H(si->topic ? si->topic : "-");
        P("</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
          "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s"
          "</td></tr>",
          bat, com, lag, eps, lat, dl, when);
    }
    S("</tbody></table></div>");
    if (m->ntopics) {
        S("<h3>Topics</h3><div class=\"table-wrap\"><table class=\"data\" id=\"topics\"><thead>"
          "<tr><th>Topic</th><th class=\"num\">Partition</th><th class=\"num\">Low</th><th "
          "class=\"num\">High (end offset)</th><th class=\"num\">Messages</th></tr></thead>"
          "<tbody>");
        for (size_t i = 0; i < m->ntopics && !rc; i++) {
            const sm_prov_topic_t *t = &m->topics[i];
            for (size_t k = 0; k < t->nparts && !rc; k++) {
                char lo[48], hi[48], n[48];
                num_or_dash(t->parts[k].low, lo, sizeof lo);
                num_or_dash(t->parts[k].high, hi, sizeof hi);
                num_or_dash(t->parts[k].high >= 0 && t->parts[k].low >= 0
                                ? t->parts[k].high - t->parts[k].low
                                : -1,
                            n, sizeof n);
                S("<tr><td class=\"mono\">");
                H(t->name);
                P("</td><td class=\"num\">%d</td><td class=\"num\">%s</td><td class=\"num\">%s"
                  "</td><td class=\"num\">%s</td></tr>",
                  (int)t->parts[k].partition, lo, hi, n);
            }
        }
        S("</tbody></table></div>");
    }
    S("</section>");
    return rc;
}

static sm_err_t page_stream(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_stream_t st = {0};
    if (!s->prov.vt->stream_status)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "the stream monitor is not available");
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->stream_status(s->prov.ctx, &rq->arena, &st, e);
    sm_serve_prov_unlock(s);
    if (!rc)
        rc = sm_html_page_begin(b, "Stream", SM_NAV_STREAM, NULL, e);
    char ev[48], lag[48], bat[48], when[48];
    num_or_dash(st.events, ev, sizeof ev);
    num_or_dash(st.lag, lag, sizeof lag);
    num_or_dash(st.batches, bat, sizeof bat);
    sm_html_fmt_time(st.last_batch_ms, when, sizeof when);
    S("<h1>Stream monitor</h1><p class=\"muted\">Topic <code>");
    H(st.topic ? st.topic : "-");
    S("</code></p><section class=\"kpis\"><div class=\"kpi\"><div class=\"kpi-label\">State"
      "</div><div class=\"kpi-value\" id=\"s-state\" data-field=\"state\">");
    H(st.state ? st.state : "unknown");
    P("</div></div><div class=\"kpi\"><div class=\"kpi-label\">Events</div><div "
      "class=\"kpi-value\" id=\"s-events\" data-field=\"events\">%s</div></div><div "
      "class=\"kpi\"><div class=\"kpi-label\">Lag</div><div class=\"kpi-value\" id=\"s-lag\" "
      "data-field=\"lag\">%s</div></div><div class=\"kpi\"><div class=\"kpi-label\">Batches"
      "</div><div class=\"kpi-value\" id=\"s-batches\" data-field=\"batches\">%s</div></div>"
      "</section><p class=\"muted\">Last batch: <span data-field=\"last_batch\">%s</span></p>",
      ev, lag, bat, when);
    S("<section class=\"card wide\" id=\"card-live\" data-live=\"/api/stream/events\"><h2>"
      "Live revenue by country <span class=\"badge\" id=\"live-state\">");
    H(st.state ? st.state : "unknown");
    S("</span></h2><div class=\"live-chart\" id=\"live-chart\">");
    if (!rc)
        rc = sm_serve_render_live_chart(b, &st, e);
    S("</div></section><section class=\"card wide\"><h2>By country</h2><div "
      "class=\"table-wrap\"><table class=\"data\" id=\"live-table\"><thead><tr><th>Country</th>"
      "<th class=\"num\">Revenue</th><th class=\"num\">Transactions</th></tr></thead><tbody>");
    for (size_t i = 0; i < st.live.n && !rc; i++) {
        char v[48], t[48] = "-";
        sm_html_fmt_num(st.live.values[i], 2, v, sizeof v);
        if (i < st.transactions.n)
            sm_html_fmt_num(st.transactions.values[i], 0, t, sizeof t);
        S("<tr><td>");
        H(st.live.labels[i] ? st.live.labels[i] : "NULL");
        P("</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>", v, t);
    }
    S("</tbody></table></div></section>");
    if (!rc && s->prov.vt->streams) {
        sm_prov_streams_t m = {0};
        sm_error_t me;
        sm_serve_prov_lock(s);
        sm_err_t mrc = s->prov.vt->streams(s->prov.ctx, &rq->arena, &m, &me);
        sm_serve_prov_unlock(s);
        if (mrc) {
            S("<section class=\"card wide\" id=\"kafka\"><p class=\"error\">");
            H(me.msg);
            S("</p></section>");
        } else {
            rc = render_kafka(b, &m, e);
        }
    }
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    return rc;
}

static sm_err_t page_sql(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    const char *q = sm_req_arg(rq, "q"), *target = sm_req_arg(rq, "target");
    sm_prov_target_list_t tl = {0};
    if (s->prov.vt->targets) {
        sm_error_t te;
        sm_serve_prov_lock(s);
        if (s->prov.vt->targets(s->prov.ctx, &rq->arena, &tl, &te) != SM_OK)
            memset(&tl, 0, sizeof tl);
        sm_serve_prov_unlock(s);
    }
    sm_err_t rc = sm_html_page_begin(b, "SQL", SM_NAV_SQL, NULL, e);
    S("<h1>SQL console</h1><p class=\"muted\">Read-only: SELECT and WITH queries over the "
      "lake, e.g. <code>SELECT pays, sum(montant_final) FROM silver.master_ventes GROUP BY pays"
      "</code>.</p><form class=\"card wide sql-form\" id=\"sql-form\" method=\"get\" "
      "action=\"/sql\"><textarea name=\"q\" id=\"sql-text\" rows=\"6\" spellcheck=\"false\" "
      "aria-label=\"SQL query\">");
    H(q ? q : "");
    S("</textarea><div class=\"actions\"><label>Target <select name=\"target\" "
      "id=\"sql-target\"><option value=\"lake\">the lake</option>");
    for (size_t i = 0; i < tl.n && !rc; i++) {
        bool sel = target && !strcmp(target, tl.targets[i].id);
        S("<option value=\"");
        H(tl.targets[i].id);
        S(sel ? "\" selected>" : "\">");
        H(tl.targets[i].label);
        S("</option>");
    }
    S("</select></label><button type=\"submit\" id=\"sql-run\">Run</button>"
      "<button type=\"button\" id=\"sql-chart\" class=\"secondary\" hidden>Chart</button>"
      "<span class=\"muted\" id=\"sql-status\"></span></div></form>"
      "<section class=\"card wide\" id=\"sql-result\">");
    if (q && *q && !rc) {
        sm_prov_result_t r = {0};
        sm_prov_pos_t pos = {0};
        sm_error_t qe;
        sm_error_clear(&qe);
        sm_err_t qrc = sm_serve_run_sql(s, target, q, SQL_PAGE_ROWS, &r, &pos, &qe);
        if (qrc) {
            S("<p class=\"error\" id=\"sql-error\">");
            H(qe.msg);
            if (pos.line > 0)
                P(" (line %d, column %d)", pos.line, pos.column);
            S("</p>");
        } else {
            char n[48];
            sm_html_fmt_num((double)sm_prov_result_rows(&r), 0, n, sizeof n);
            P("<p class=\"muted\">%s row(s)%s</p>", n, r.truncated ? ", truncated" : "");
            if (!rc)
                rc = sm_serve_render_result(b, &r, SQL_PAGE_ROWS, e);
        }
        sm_prov_result_free(&r);
    } else {
        S("<p class=\"muted\">Results appear here.</p>");
    }
    S("</section><section class=\"card wide\" id=\"sql-chart-box\" hidden></section>");
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    return rc;
}

static sm_err_t page_runs(sm_req_t *rq, sm_buf_t *b, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_run_list_t l = {0};
    if (!s->prov.vt->runs)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "run history is not available");
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->runs(s->prov.ctx, &rq->arena, &l, e);
    sm_serve_prov_unlock(s);
    if (!rc)
        rc = sm_html_page_begin(b, "Runs", SM_NAV_RUNS, NULL, e);
    S("<h1>Runs and lineage</h1>");
    if (l.n == 0)
        S("<p class=\"notice\">No runs yet.</p>");
    if (!rc) {
        sm_lineage_t g;
        S("<section class=\"card wide\"><h2>Lineage</h2><div class=\"lineage-wrap\">");
        if (!rc)
            rc = sm_lineage_build(&l, &rq->arena, &g, e);
        if (!rc)
            rc = sm_lineage_svg(&g, b, e);
        S("</div></section>");
    }
    S("<section class=\"card wide\"><div class=\"table-wrap\"><table class=\"data\" id=\"runs\">"
      "<thead><tr><th>Started</th><th>Model</th><th>Status</th><th class=\"num\">Duration</th>"
      "<th class=\"num\">Rows</th><th>Lineage</th></tr></thead><tbody>");
    for (size_t i = 0; i < l.n && !rc; i++) {
        const sm_prov_run_t *r = &l.runs[i];
        char when[48], dur[48], rows[48];
        sm_html_fmt_time(r->started_ms, when, sizeof when);
        if (r->duration_ms < 0)
            snprintf(dur, sizeof dur, "-");
        else
            snprintf(dur, sizeof dur, "%.2f s", (double)r->duration_ms / 1000.0);
        num_or_dash(r->rows, rows, sizeof rows);
        const char *st = r->status ? r->status : "unknown";
        P("<tr><td>%s</td><td class=\"mono\">", when);
        H(r->model);
        P("</td><td><span class=\"status status-%s\">",
          (!strcmp(st, "ok") || !strcmp(st, "failed") || !strcmp(st, "running")) ? st : "other");
        H(st);
        P("</span></td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"lineage\">",
          dur, rows);
        for (size_t k = 0; k < r->ninputs; k++) {
            S("<code>");
            H(r->inputs[k]);
            S("</code> ");
        }
        if (r->output) {
            S("\xE2\x86\x92 <code>");
            H(r->output);
            S("</code>");
        }
        if (r->error) {
            S("<div class=\"error\">");
            H(r->error);
            S("</div>");
        }
        S("</td></tr>");
    }
    S("</tbody></table></div></section>");
    if (!rc)
        rc = sm_html_page_end(b, true, e);
    return rc;
}

sm_err_t sm_serve_error_page(sm_buf_t *b, unsigned status, const char *msg, sm_error_t *e)
{
    char title[32];
    snprintf(title, sizeof title, "Error %u", status);
    sm_err_t rc = sm_html_page_begin(b, title, SM_NAV_NONE, NULL, e);
    P("<h1>%s</h1><p class=\"error\">", title);
    H(msg);
    S("</p><p><a href=\"/\">Back to the dashboard</a></p>");
    if (!rc)
        rc = sm_html_page_end(b, false, e);
    return rc;
}

sm_err_t sm_serve_page(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_buf_t *b = &rs->body;
    switch (rq->path.route) {
    case R_DASHBOARD:
        return page_dashboard(rq, b, e);
    case R_LAKE:
        return page_lake(rq, b, e);
    case R_TABLE:
        return page_table(rq, b, e);
    case R_STREAM:
        return page_stream(rq, b, e);
    case R_SQL:
        return page_sql(rq, b, e);
    case R_RUNS:
        return page_runs(rq, b, e);
    case R_STATIC: {
        const sm_serve_asset_t *a = sm_serve_asset(rq->path.asset);
        if (!a)
            return sm_error_set(e, SM_ERR_NOT_FOUND, "no such asset");
        rs->ctype = a->ctype;
        rs->cacheable = true;
        return sm_buf_append(b, a->data, a->len, e);
    }
    default:
        return sm_error_set(e, SM_ERR_NOT_FOUND, "no such page");
    }
}
