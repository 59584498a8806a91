/* serve/api — the JSON API behind the pages (docs/api.md). */
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "columnar/print.h"
#include "core/str.h"
#include "serve/lineage.h"
#include "serve/serve_int.h"
#include "serve/svg.h"

#define API_PREVIEW_MAX 500
#define API_QUERY_DEFAULT 1000
#define API_QUERY_MAX 10000

static void jw_i64_or_null(sm_jw_t *w, const char *k, int64_t v)
{
    sm_jw_key(w, k);
    if (v < 0)
        sm_jw_null(w);
    else
        sm_jw_int(w, v);
}

static void jw_series(sm_jw_t *w, const char *k, const sm_prov_series_t *s)
{
    sm_jw_key(w, k);
    sm_jw_arr(w);
    for (size_t i = 0; i < s->n; i++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "label", s->labels[i]);
        sm_jw_kdouble(w, "value", s->values[i]);
        sm_jw_end(w);
    }
    sm_jw_end(w);
}

/* Columns, then rows as arrays of JSON values (columnar/print JSON forms). */
static void jw_result(sm_jw_t *w, const sm_prov_result_t *r, sm_buf_t *tmp)
{
    sm_jw_key(w, "columns");
    sm_jw_arr(w);
    for (uint32_t c = 0; r->schema && c < r->schema->nfields; c++) {
        char tn[128];
        sm_jw_obj(w);
        sm_jw_kstr(w, "name", r->schema->fields[c].name);
        sm_jw_kstr(w, "type", sm_type_name(r->schema->fields[c].type, tn, sizeof tn));
        sm_jw_kbool(w, "numeric", sm_type_is_numeric(r->schema->fields[c].type->kind));
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_key(w, "rows");
    sm_jw_arr(w);
    for (size_t bi = 0; bi < r->nbatches && !w->err; bi++) {
        const sm_batch_t *b = r->batches[bi];
        for (size_t i = 0; i < b->nrows && !w->err; i++) {
            sm_jw_arr(w);
            for (size_t c = 0; c < b->ncols && !w->err; c++) {
                const sm_vector_t *v = sm_batch_col(b, c);
                if (sm_vector_is_null(v, i)) {
                    sm_jw_null(w);
                    continue;
                }
                sm_buf_reset(tmp);
                sm_err_t rc = sm_print_value(v, i, SM_PRINT_STYLE_JSON, tmp, w->e);
                if (rc)
                    w->err = rc;
                else
                    sm_jw_raw(w, (const char *)tmp->data, tmp->len);
            }
            sm_jw_end(w);
        }
    }
    sm_jw_end(w);
    sm_jw_kuint(w, "row_count", sm_prov_result_rows(r));
    jw_i64_or_null(w, "total_rows", r->total_rows);
    sm_jw_kbool(w, "truncated", r->truncated);
}

sm_err_t sm_serve_error_json(sm_buf_t *b, unsigned status, const char *msg,
                             const sm_prov_pos_t *pos, sm_error_t *e)
{
    sm_jw_t w;
    sm_jw_init(&w, b, e);
    sm_jw_obj(&w);
    sm_jw_key(&w, "error");
    sm_jw_obj(&w);
    sm_jw_key(&w, "status");
    sm_jw_int(&w, status);
    sm_jw_key(&w, "message");
    sm_jw_str(&w, msg);
    if (pos && pos->line > 0) {
        sm_jw_key(&w, "line");
        sm_jw_int(&w, pos->line);
        sm_jw_key(&w, "column");
        sm_jw_int(&w, pos->column);
    }
    sm_jw_end(&w);
    sm_jw_end(&w);
    return sm_jw_finish(&w);
}

static void jw_stream(sm_jw_t *w, const sm_prov_stream_t *st)
{
    sm_jw_obj(w);
    sm_jw_kstr(w, "state", st->state);
    sm_jw_kbool(w, "running", st->running);
    sm_jw_kuint(w, "version", st->version);
    sm_jw_kstr(w, "topic", st->topic);
    jw_i64_or_null(w, "events", st->events);
    jw_i64_or_null(w, "lag", st->lag);
    jw_i64_or_null(w, "batches", st->batches);
    jw_i64_or_null(w, "last_batch_ms", st->last_batch_ms);
    jw_series(w, "live", &st->live);
    jw_series(w, "transactions", &st->transactions);
    sm_jw_end(w);
}

sm_err_t sm_serve_sse_event(const sm_prov_stream_t *st, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_str(out, "event: live\ndata: ", e);
    sm_jw_t w;
    if (rc)
        return rc;
    sm_jw_init(&w, out, e); /* JSON has no raw newlines: one data line */
    jw_stream(&w, st);
    rc = sm_jw_finish(&w);
    if (!rc)
        rc = sm_buf_append_str(out, "\n\n", e);
    return rc;
}

#define PROV_CALL(fn, ...)                                                                         \
    do {                                                                                           \
        if (!s->prov.vt->fn)                                                                       \
            return sm_error_set(e, SM_ERR_UNSUPPORTED, "%s is not available", #fn);                \
        sm_serve_prov_lock(s);                                                                     \
        rc = s->prov.vt->fn(s->prov.ctx, __VA_ARGS__);                                             \
        sm_serve_prov_unlock(s);                                                                   \
        if (rc)                                                                                    \
            return rc;                                                                             \
    } while (0)

sm_err_t sm_serve_dashboard_json(const sm_prov_dashboard_t *d, sm_buf_t *out, sm_error_t *e)
{
    sm_jw_t jw, *w = &jw;
    sm_jw_init(w, out, e);
    sm_jw_obj(w);
    sm_jw_kbool(w, "has_data", d->has_data);
    sm_jw_key(w, "kpis");
    sm_jw_obj(w);
    sm_jw_kdouble(w, "total_revenue", d->total_revenue);
    sm_jw_kint(w, "orders", d->orders);
    sm_jw_kint(w, "customers", d->customers);
    sm_jw_kdouble(w, "vip_share", d->vip_share);
    sm_jw_end(w);
    jw_series(w, "top_countries", &d->top_countries);
    jw_series(w, "segments", &d->segments);
    jw_series(w, "categories", &d->categories);
    sm_jw_key(w, "rfm");
    sm_jw_obj(w);
    sm_jw_key(w, "columns");
    sm_jw_arr(w);
    for (size_t c = 0; c < d->rfm.ncols; c++)
        sm_jw_str(w, d->rfm.cols[c]);
    sm_jw_end(w);
    sm_jw_key(w, "rows");
    sm_jw_arr(w);
    for (size_t r = 0; r < d->rfm.nrows; r++) {
        sm_jw_arr(w);
        for (size_t c = 0; c < d->rfm.ncols; c++)
            sm_jw_str(w, d->rfm.cells[r * d->rfm.ncols + c]);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    sm_jw_end(w);
    return sm_jw_finish(w);
}

/* The snapshot's body, serialised once by the refresher, sent as it is. */
static sm_err_t api_dashboard(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_serve_snap_t *sn = NULL;
    sm_err_t rc = sm_serve_snap_get(rq->srv, &sn, e);
    if (rc)
        return rc;
    rs->ctype = "application/json";
    rs->snap_body = sn; /* the reference goes with the response */
    return SM_OK;
}

static sm_err_t api_tables(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_table_list_t l = {0};
    sm_err_t rc;
    PROV_CALL(list_tables, &rq->arena, &l, e);
    sm_jw_obj(w);
    sm_jw_key(w, "tables");
    sm_jw_arr(w);
    for (size_t i = 0; i < l.n; i++) {
        const sm_prov_table_t *t = &l.tables[i];
        sm_jw_obj(w);
        sm_jw_kstr(w, "layer", t->layer);
        sm_jw_kstr(w, "name", t->name);
        jw_i64_or_null(w, "rows", t->rows);
        jw_i64_or_null(w, "bytes", t->bytes);
        jw_i64_or_null(w, "files", t->files);
        jw_i64_or_null(w, "version", t->version);
        jw_i64_or_null(w, "modified_ms", t->modified_ms);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    return SM_OK;
}

static sm_err_t api_table(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_table_desc_t d = {0};
    sm_err_t rc;
    PROV_CALL(describe_table, rq->path.layer, rq->path.table, &rq->arena, &d, e);
    sm_jw_obj(w);
    sm_jw_kstr(w, "layer", d.layer ? d.layer : rq->path.layer);
    sm_jw_kstr(w, "name", d.name ? d.name : rq->path.table);
    sm_jw_kstr(w, "location", d.location);
    jw_i64_or_null(w, "rows", d.rows);
    jw_i64_or_null(w, "bytes", d.bytes);
    jw_i64_or_null(w, "files", d.files);
    jw_i64_or_null(w, "version", d.version);
    sm_jw_key(w, "schema");
    sm_jw_arr(w);
    for (size_t i = 0; i < d.ncolumns; i++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "name", d.columns[i].name);
        sm_jw_kstr(w, "type", d.columns[i].type);
        sm_jw_kbool(w, "nullable", d.columns[i].nullable);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_key(w, "partition_columns");
    sm_jw_arr(w);
    for (size_t i = 0; i < d.npartition_columns; i++)
        sm_jw_str(w, d.partition_columns[i]);
    sm_jw_end(w);
    sm_jw_key(w, "files_list");
    sm_jw_arr(w);
    for (size_t i = 0; i < d.nfile_list; i++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "path", d.file_list[i].path);
        sm_jw_kstr(w, "partition", d.file_list[i].partition);
        jw_i64_or_null(w, "bytes", d.file_list[i].bytes);
        jw_i64_or_null(w, "rows", d.file_list[i].rows);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_key(w, "history");
    sm_jw_arr(w);
    for (size_t i = 0; i < d.nhistory; i++) {
        sm_jw_obj(w);
        sm_jw_kint(w, "version", d.history[i].version);
        jw_i64_or_null(w, "ts_ms", d.history[i].ts_ms);
        sm_jw_kstr(w, "operation", d.history[i].operation);
        sm_jw_kstr(w, "detail", d.history[i].detail);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    return SM_OK;
}

static sm_err_t parse_u64_arg(sm_req_t *rq, const char *key, uint64_t dflt, uint64_t max,
                              uint64_t *out, sm_error_t *e)
{
    const char *v = sm_req_arg(rq, key);
    *out = dflt;
    if (!v)
        return SM_OK;
    if (sm_str_to_u64(sm_str_c(v), out, NULL) != SM_OK || *out > max)
        return sm_error_set(e, SM_ERR_INVALID, "%s must be an integer in 0..%" PRIu64, key, max);
    return SM_OK;
}

static sm_err_t api_rows(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    uint64_t offset, limit, version;
    sm_err_t rc = parse_u64_arg(rq, "offset", 0, INT64_MAX, &offset, e);
    if (!rc)
        rc = parse_u64_arg(rq, "limit", 50, API_PREVIEW_MAX, &limit, e);
    /* time travel: the table as of a version (absent: the latest) */
    bool at = sm_req_arg(rq, "version") != NULL;
    if (!rc)
        rc = parse_u64_arg(rq, "version", 0, INT64_MAX, &version, e);
    if (rc)
        return rc;
    sm_prov_result_t r = {0};
    if (!s->prov.vt->preview)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "preview is not available");
    sm_serve_prov_lock(s);
    rc = s->prov.vt->preview(s->prov.ctx, rq->path.layer, rq->path.table,
                             at ? (int64_t)version : -1, offset, (size_t)limit, &r, e);
    sm_serve_prov_unlock(s);
    if (!rc) {
        sm_buf_t tmp = SM_BUF_INIT;
        sm_jw_obj(w);
        sm_jw_kuint(w, "offset", offset);
        sm_jw_kuint(w, "limit", limit);
        if (at)
            sm_jw_kuint(w, "version", version);
        jw_result(w, &r, &tmp);
        sm_jw_end(w);
        sm_buf_free(&tmp);
    }
    sm_prov_result_free(&r);
    return rc;
}

/* Reads {"sql": "...", "max_rows": N, "target": "..."} from the request
 * body (target optional, also taken from the query string). */
static sm_err_t parse_query_body(sm_req_t *rq, const char **sql, uint64_t *max_rows,
                                 const char **target, sm_error_t *e)
{
    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sm_error_set(e, SM_ERR_INVALID, "request body is not JSON: %s (line %d, column %d)",
                            jerr.text, jerr.line, jerr.column);
    sm_err_t rc = SM_OK;
    json_t *js = json_object_get(root, "sql"), *jm = json_object_get(root, "max_rows"),
           *jt = json_object_get(root, "target");
    *max_rows = API_QUERY_DEFAULT;
    *target = sm_req_arg(rq, "target");
    if (!json_is_object(root) || !json_is_string(js)) {
        rc = sm_error_set(e, SM_ERR_INVALID, "request body must be {\"sql\": \"...\"}");
    } else if (jm && (!json_is_integer(jm) || json_integer_value(jm) < 1 ||
                      json_integer_value(jm) > API_QUERY_MAX)) {
        rc = sm_error_set(e, SM_ERR_INVALID, "max_rows must be an integer in 1..%d", API_QUERY_MAX);
    } else if (jt && !json_is_string(jt)) {
        rc = sm_error_set(e, SM_ERR_INVALID, "target must be a string");
    } else {
        if (jm)
            *max_rows = (uint64_t)json_integer_value(jm);
        size_t n = json_string_length(js);
        if (jt && !(*target = sm_arena_strndup(&rq->arena, json_string_value(jt),
                                               strnlen(json_string_value(jt), 256))))
            rc = sm_error_nomem(e, "query target");
        else if (memchr(json_string_value(js), 0, n))
            rc = sm_error_set(e, SM_ERR_INVALID, "sql contains a NUL character");
        else if (!(*sql = sm_arena_strndup(&rq->arena, json_string_value(js), n)))
            rc = sm_error_nomem(e, "query text");
    }
    json_decref(root);
    return rc;
}

sm_err_t sm_serve_run_sql(sm_serve_t *s, const char *target, const char *sql, size_t max_rows,
                          sm_prov_result_t *r, sm_prov_pos_t *pos, sm_error_t *e)
{
    char why[256];
    sm_err_t rc;
    if (!sm_serve_sql_readonly(sql, strlen(sql), why, sizeof why))
        return sm_error_set(e, SM_ERR_INVALID, "%s", why);
    bool lake = !target || !*target || !strcmp(target, "lake");
    if (lake && !s->prov.vt->query)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "queries are not available");
    if (!lake && strncmp(target, "source:", 7) != 0)
        return sm_error_set(e, SM_ERR_INVALID,
                            "unknown query target (expected lake or source:<name>)");
    if (!lake && !s->prov.vt->query_target)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "queries on sources are not available");
    sm_serve_prov_lock(s);
    rc = lake ? s->prov.vt->query(s->prov.ctx, sql, max_rows, r, pos, e)
              : s->prov.vt->query_target(s->prov.ctx, target, sql, max_rows, r, pos, e);
    sm_serve_prov_unlock(s);
    return rc;
}

/* Runs the body's query; on a query error fills *pos. */
static sm_err_t run_query(sm_req_t *rq, sm_prov_result_t *r, sm_prov_pos_t *pos, sm_error_t *e)
{
    const char *sql = NULL, *target = NULL;
    uint64_t max_rows = 0;
    sm_err_t rc = parse_query_body(rq, &sql, &max_rows, &target, e);
    if (rc)
        return rc;
    return sm_serve_run_sql(rq->srv, target, sql, (size_t)max_rows, r, pos, e);
}

/* {"targets": [{"id": "lake", "label": ...}, ...]}: where the console can
 * run a query. */
static sm_err_t api_targets(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_target_list_t l = {0};
    sm_err_t rc;
    if (s->prov.vt->targets) {
        sm_serve_prov_lock(s);
        rc = s->prov.vt->targets(s->prov.ctx, &rq->arena, &l, e);
        sm_serve_prov_unlock(s);
        if (rc)
            return rc;
    }
    sm_jw_obj(w);
    sm_jw_key(w, "targets");
    sm_jw_arr(w);
    sm_jw_obj(w);
    sm_jw_kstr(w, "id", "lake");
    sm_jw_kstr(w, "label", "the lake");
    sm_jw_end(w);
    for (size_t i = 0; i < l.n; i++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "id", l.targets[i].id);
        sm_jw_kstr(w, "label", l.targets[i].label);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    return SM_OK;
}

static sm_err_t api_query(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_prov_result_t r = {0};
    sm_prov_pos_t pos = {0};
    sm_err_t rc = run_query(rq, &r, &pos, e);
    if (rc) {
        /* a query the user got wrong (unknown column or table included) is
         * a 400; only the server's own failures are 5xx */
        unsigned st = sm_serve_status_for(rc);
        if (st == 404)
            st = 400;
        sm_prov_result_free(&r);
        rs->status = st;
        rs->ctype = "application/json";
        return sm_serve_error_json(&rs->body, st, e ? e->msg : "query failed", &pos, e);
    }
    sm_buf_t tmp = SM_BUF_INIT;
    sm_jw_t w;
    sm_jw_init(&w, &rs->body, e);
    sm_jw_obj(&w);
    jw_result(&w, &r, &tmp);
    sm_jw_end(&w);
    rc = sm_jw_finish(&w);
    sm_buf_free(&tmp);
    sm_prov_result_free(&r);
    return rc;
}

static sm_err_t api_query_chart(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_prov_result_t r = {0};
    sm_prov_pos_t pos = {0};
    sm_err_t rc = run_query(rq, &r, &pos, e);
    if (!rc)
        rc = sm_serve_result_chart(&rs->body, &r, &rq->arena, e);
    sm_prov_result_free(&r);
    if (rc) {
        unsigned st = sm_serve_status_for(rc);
        sm_buf_reset(&rs->body);
        rs->status = st;
        rs->ctype = "application/json";
        return sm_serve_error_json(&rs->body, st, e ? e->msg : "chart failed", &pos, e);
    }
    rs->ctype = "image/svg+xml";
    return SM_OK;
}

static sm_err_t api_chart(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_err_t rc;
    rs->ctype = "image/svg+xml";
    if (!strcmp(rq->path.chart, "live")) {
        sm_prov_stream_t st = {0};
        PROV_CALL(stream_status, &rq->arena, &st, e);
        return sm_serve_render_live_chart(&rs->body, &st, e);
    }
    sm_serve_snap_t *sn = NULL;
    if ((rc = sm_serve_snap_get(s, &sn, e)))
        return rc;
    const sm_prov_dashboard_t *d = &sn->dash;
    sm_svg_chart_t c = {0};
    if (!strcmp(rq->path.chart, "top_countries")) {
        c = (sm_svg_chart_t){"Top 10 countries by revenue",
                             d->top_countries.labels,
                             d->top_countries.values,
                             d->top_countries.n > 10 ? 10 : d->top_countries.n,
                             NULL,
                             NULL};
        rc = sm_svg_hbar(&rs->body, &c, e);
    } else if (!strcmp(rq->path.chart, "segments")) {
        c = (sm_svg_chart_t){
            "Customer segments", d->segments.labels, d->segments.values, d->segments.n, NULL, NULL};
        rc = sm_svg_donut(&rs->body, &c, e);
    } else {
        c = (sm_svg_chart_t){"Revenue by product category",
                             d->categories.labels,
                             d->categories.values,
                             d->categories.n,
                             NULL,
                             NULL};
        rc = sm_svg_vbar(&rs->body, &c, e);
    }
    sm_serve_snap_release(sn);
    return rc;
}

static sm_err_t api_runs(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_run_list_t l = {0};
    sm_err_t rc;
    PROV_CALL(runs, &rq->arena, &l, e);
    sm_jw_obj(w);
    sm_jw_key(w, "runs");
    sm_jw_arr(w);
    for (size_t i = 0; i < l.n; i++) {
        const sm_prov_run_t *r = &l.runs[i];
        sm_jw_obj(w);
        sm_jw_kstr(w, "id", r->id);
        sm_jw_kstr(w, "model", r->model);
        sm_jw_kstr(w, "status", r->status);
        jw_i64_or_null(w, "started_ms", r->started_ms);
        jw_i64_or_null(w, "duration_ms", r->duration_ms);
        jw_i64_or_null(w, "rows", r->rows);
        sm_jw_key(w, "inputs");
        sm_jw_arr(w);
        for (size_t k = 0; k < r->ninputs; k++)
            sm_jw_str(w, r->inputs[k]);
        sm_jw_end(w);
        sm_jw_kstr(w, "output", r->output);
        sm_jw_kstr(w, "error", r->error);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    return SM_OK;
}

static void jw_parts(sm_jw_t *w, const sm_prov_partition_t *p, size_t n, bool with_stream)
{
    sm_jw_key(w, "partitions");
    sm_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        sm_jw_obj(w);
        sm_jw_kint(w, "partition", p[i].partition);
        jw_i64_or_null(w, "low", p[i].low);
        jw_i64_or_null(w, "high", p[i].high);
        if (with_stream) {
            jw_i64_or_null(w, "committed", p[i].committed);
            jw_i64_or_null(w, "lag", p[i].lag);
        }
        sm_jw_end(w);
    }
    sm_jw_end(w);
}

static void jw_double_or_null(sm_jw_t *w, const char *k, double v)
{
    sm_jw_key(w, k);
    if (v < 0)
        sm_jw_null(w);
    else
        sm_jw_double(w, v);
}

/* The stream monitor: broker state, topics with their watermarks, and
 * each stream's committed offsets, lag, rate, latency, dead letters. */
static sm_err_t api_streams(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_streams_t m = {0};
    sm_err_t rc;
    PROV_CALL(streams, &rq->arena, &m, e);
    sm_jw_obj(w);
    sm_jw_key(w, "kafka");
    sm_jw_obj(w);
    sm_jw_kstr(w, "state",
               !m.broker_configured ? "no broker configured"
               : m.broker_error     ? "unreachable"
                                    : "ok");
    sm_jw_kbool(w, "configured", m.broker_configured);
    sm_jw_kstr(w, "bootstrap", m.bootstrap && m.bootstrap[0] ? m.bootstrap : NULL);
    sm_jw_kstr(w, "error", m.broker_error);
    sm_jw_end(w);
    sm_jw_key(w, "topics");
    sm_jw_arr(w);
    for (size_t i = 0; i < m.ntopics; i++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "name", m.topics[i].name);
        sm_jw_kint(w, "messages", m.topics[i].messages);
        jw_parts(w, m.topics[i].parts, m.topics[i].nparts, false);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_key(w, "streams");
    sm_jw_arr(w);
    for (size_t i = 0; i < m.nstreams; i++) {
        const sm_prov_stream_info_t *si = &m.streams[i];
        sm_jw_obj(w);
        sm_jw_kstr(w, "name", si->name);
        sm_jw_kstr(w, "topic", si->topic);
        sm_jw_kstr(w, "sink", si->sink);
        sm_jw_kstr(w, "dead_letter_table", si->dead_letter_table);
        jw_i64_or_null(w, "batch", si->batch);
        jw_i64_or_null(w, "last_batch_ms", si->last_batch_ms);
        jw_i64_or_null(w, "committed", si->committed);
        jw_i64_or_null(w, "lag", si->lag);
        jw_double_or_null(w, "events_per_s", si->events_per_s);
        jw_double_or_null(w, "latency_ms", si->latency_ms);
        jw_i64_or_null(w, "dead_letters", si->dead_letters);
        jw_parts(w, si->parts, si->nparts, true);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_end(w);
    return SM_OK;
}

/* {"nodes": [...], "edges": [...], "columns": N, "truncated": b}: the
 * lineage graph of the run log with its layout. */
static sm_err_t api_lineage(sm_req_t *rq, sm_jw_t *w, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_prov_run_list_t l = {0};
    sm_lineage_t g;
    sm_err_t rc;
    PROV_CALL(runs, &rq->arena, &l, e);
    if ((rc = sm_lineage_build(&l, &rq->arena, &g, e)))
        return rc;
    sm_jw_obj(w);
    sm_jw_key(w, "nodes");
    sm_jw_arr(w);
    for (size_t i = 0; i < g.nnodes; i++) {
        const sm_lineage_node_t *n = &g.nodes[i];
        sm_jw_obj(w);
        sm_jw_kstr(w, "id", n->name);
        sm_jw_kstr(w, "layer", n->layer);
        sm_jw_kint(w, "column", n->column);
        sm_jw_kint(w, "row", n->row);
        sm_jw_kdouble(w, "x", n->x);
        sm_jw_kdouble(w, "y", n->y);
        sm_jw_kdouble(w, "width", n->w);
        sm_jw_kdouble(w, "height", n->h);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_key(w, "edges");
    sm_jw_arr(w);
    for (size_t k = 0; k < g.nedges; k++) {
        sm_jw_obj(w);
        sm_jw_kstr(w, "from", g.nodes[g.edges[k].from].name);
        sm_jw_kstr(w, "to", g.nodes[g.edges[k].to].name);
        sm_jw_kstr(w, "model", g.edges[k].model);
        sm_jw_kstr(w, "status", g.edges[k].status);
        sm_jw_end(w);
    }
    sm_jw_end(w);
    sm_jw_kint(w, "columns", g.ncolumns);
    sm_jw_kdouble(w, "width", g.width);
    sm_jw_kdouble(w, "height", g.height);
    sm_jw_kbool(w, "truncated", g.truncated);
    sm_jw_end(w);
    return SM_OK;
}

sm_err_t sm_serve_api(sm_req_t *rq, sm_resp_t *rs, sm_error_t *e)
{
    sm_serve_t *s = rq->srv;
    sm_jw_t w;
    sm_err_t rc = SM_OK;
    sm_jw_init(&w, &rs->body, e);
    rs->ctype = "application/json";
    switch (rq->path.route) {
    case R_API_HEALTH:
        sm_jw_obj(&w);
        sm_jw_key(&w, "status");
        sm_jw_str(&w, "ok");
        sm_jw_key(&w, "version");
        sm_jw_str(&w, SMELT_VERSION);
        sm_jw_key(&w, "auth");
        sm_jw_bool(&w, s->token[0] != '\0');
        sm_jw_end(&w);
        break;
    case R_API_DASHBOARD:
        return api_dashboard(rq, rs, e);
    case R_API_TABLES:
        rc = api_tables(rq, &w, e);
        break;
    case R_API_TABLE:
        rc = api_table(rq, &w, e);
        break;
    case R_API_ROWS:
        rc = api_rows(rq, &w, e);
        break;
    case R_API_QUERY:
        return api_query(rq, rs, e);
    case R_API_QUERY_CHART:
        return api_query_chart(rq, rs, e);
    case R_API_CHART:
        return api_chart(rq, rs, e);
    case R_API_RUNS:
        rc = api_runs(rq, &w, e);
        break;
    case R_API_LINEAGE:
        rc = api_lineage(rq, &w, e);
        break;
    case R_API_STREAMS:
        rc = api_streams(rq, &w, e);
        break;
    case R_API_TARGETS:
        rc = api_targets(rq, &w, e);
        break;
    case R_API_STREAM: {
        sm_prov_stream_t st = {0};
        PROV_CALL(stream_status, &rq->arena, &st, e);
        jw_stream(&w, &st);
        break;
    }
    case R_API_EVENTS:
        if (!s->prov.vt->stream_status)
            return sm_error_set(e, SM_ERR_UNSUPPORTED, "the stream monitor is not available");
        rs->sse = true;
        return SM_OK;
    case R_METRICS: {
        sm_prov_gauge_list_t g = {0};
        rs->ctype = "text/plain; version=0.0.4; charset=utf-8";
        if (s->prov.vt->gauges) {
            sm_error_t ge;
            sm_serve_prov_lock(s);
            if (s->prov.vt->gauges(s->prov.ctx, &rq->arena, &g, &ge) != SM_OK)
                memset(&g, 0, sizeof g); /* metrics still answer without them */
            sm_serve_prov_unlock(s);
        }
        return sm_metrics_render(&s->metrics, &g, atomic_load(&s->sse_clients), &rs->body, e);
    }
    default:
        return sm_error_set(e, SM_ERR_NOT_FOUND, "no such API route");
    }
    if (rc)
        return rc;
    return sm_jw_finish(&w);
}
