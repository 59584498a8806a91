#include "cli/provider_lake.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/print.h"
#include "columnar/text.h"
#include "core/clock.h"
#include "core/mem.h"
#include "delta/commit.h"
#include "delta/history.h"
#include "delta/log.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "connect/kafka.h"
#include "connect/pg.h"
#include "sql/query.h"
#include "stream/progress.h"

/* ---- helpers ------------------------------------------------------------ */

static int64_t stats_rows(const char *stats)
{
    if (!stats)
        return -1;
    json_t *j = json_loads(stats, 0, NULL);
    json_t *n = json_object_get(j, "numRecords");
    int64_t v = json_is_integer(n) ? (int64_t)json_integer_value(n) : -1;
    json_decref(j);
    return v;
}

static int64_t snapshot_rows(const sm_delta_snapshot_t *s)
{
    int64_t total = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        int64_t r = stats_rows(s->files[i].stats);
        if (r < 0)
            return -1;
        total += r;
    }
    return total;
}

/* The table's snapshot at `version` (-1: the latest). */
static sm_err_t open_table_at(sm_lake_provider_t *lp, const char *layer, const char *name,
                              int64_t version, sm_lake_table_t *t, sm_delta_snapshot_t **snap,
                              sm_error_t *e)
{
    char full[600];
    snprintf(full, sizeof full, "%s.%s", layer, name);
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = version};
    sm_err_t rc = sm_lake_resolve(lp->lake, full, t, e);
    if (!rc)
        rc = sm_delta_snapshot_load(t->store, t->prefix, version >= 0 ? &at : NULL, snap, e);
    if (rc)
        sm_lake_table_free(t);
    return rc;
}

static sm_err_t open_table(sm_lake_provider_t *lp, const char *layer, const char *name,
                           sm_lake_table_t *t, sm_delta_snapshot_t **snap, sm_error_t *e)
{
    return open_table_at(lp, layer, name, -1, t, snap, e);
}

/* Every row of a table (small tables: gold, runs), or SM_ERR_NOT_FOUND. */
static sm_err_t read_all(sm_lake_provider_t *lp, const char *full, sm_prov_result_t *out,
                         sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    const char *dot = strchr(full, '.');
    char layer[256];
    snprintf(layer, sizeof layer, "%.*s", (int)(dot - full), full);
    sm_lake_table_t t;
    sm_delta_snapshot_t *s = NULL;
    sm_delta_scan_t *scan = NULL;
    sm_err_t rc = open_table(lp, layer, dot + 1, &t, &s, e);
    if (rc)
        return rc;
    rc = sm_delta_scan_open(t.store, s, NULL, &scan, e);
    while (!rc) {
        sm_batch_t *b = NULL;
        if ((rc = sm_delta_scan_next(scan, &b, e)) || !b)
            break;
        sm_batch_t **nb = sm_realloc(out->batches, (out->nbatches + 1) * sizeof *nb);
        if (!nb) {
            sm_batch_free(b);
            rc = sm_error_nomem(e, "table rows");
            break;
        }
        out->batches = nb;
        out->batches[out->nbatches++] = b;
    }
    if (!rc)
        out->schema = sm_type_ref(sm_delta_scan_schema(scan));
    else
        sm_prov_result_free(out);
    sm_delta_scan_close(scan);
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return rc;
}

static int col(const sm_prov_result_t *r, const char *name)
{
    return r->schema ? sm_type_field_index(r->schema, name, strlen(name), true) : -1;
}

static double num(const sm_vector_t *v, size_t i)
{
    if (sm_vector_is_null(v, i))
        return 0;
    switch (v->type->kind) {
    case SM_TYPE_INT32:
        return sm_vector_get_i32(v, i);
    case SM_TYPE_INT64:
        return (double)sm_vector_get_i64(v, i);
    case SM_TYPE_FLOAT32:
        return sm_vector_get_f32(v, i);
    case SM_TYPE_FLOAT64:
        return sm_vector_get_f64(v, i);
    case SM_TYPE_DECIMAL:
        return (double)sm_vector_get_i128(v, i) / (double)sm_pow10_i128(v->type->scale);
    default:
        return 0;
    }
}

static const char *text(sm_arena_t *a, const sm_vector_t *v, size_t i)
{
    if (sm_vector_is_null(v, i))
        return NULL;
    size_t n;
    const char *s = sm_vector_get_str(v, i, &n);
    return sm_arena_strndup(a, s, n);
}

/* Label/value pairs from two columns of a result. */
static sm_err_t series(sm_arena_t *a, const sm_prov_result_t *r, const char *label,
                       const char *value, sm_prov_series_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    int lc = col(r, label), vc = col(r, value);
    if (lc < 0 || vc < 0)
        return SM_OK;
    size_t n = 0;
    for (size_t b = 0; b < r->nbatches; b++)
        n += r->batches[b]->nrows;
    out->labels = sm_arena_alloc(a, (n + 1) * sizeof *out->labels);
    out->values = sm_arena_alloc(a, (n + 1) * sizeof *out->values);
    if (!out->labels || !out->values)
        return sm_error_nomem(e, "chart series");
    for (size_t b = 0; b < r->nbatches; b++)
        for (size_t i = 0; i < r->batches[b]->nrows; i++) {
            out->labels[out->n] = text(a, r->batches[b]->cols[lc], i);
            out->values[out->n++] = num(r->batches[b]->cols[vc], i);
        }
    /* best first */
    for (size_t i = 1; i < out->n; i++)
        for (size_t j = i; j > 0 && out->values[j] > out->values[j - 1]; j--) {
            double v = out->values[j];
            out->values[j] = out->values[j - 1];
            out->values[j - 1] = v;
            const char *l = out->labels[j];
            out->labels[j] = out->labels[j - 1];
            out->labels[j - 1] = l;
        }
    return SM_OK;
}

/* ---- the vtable ----------------------------------------------------------- */

static sm_err_t list_tables(void *ctx, sm_arena_t *a, sm_prov_table_list_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    char **names = NULL;
    size_t n = 0;
    sm_err_t rc = sm_lake_list_tables(lp->lake, &names, &n, e);
    if (rc)
        return rc;
    out->tables = sm_arena_calloc(a, (n + 1) * sizeof *out->tables);
    out->n = 0;
    for (size_t i = 0; out->tables && i < n; i++) {
        const char *dot = strchr(names[i], '.');
        sm_prov_table_t *t = &out->tables[out->n];
        t->layer = sm_arena_strndup(a, names[i], (size_t)(dot - names[i]));
        t->name = sm_arena_strdup(a, dot + 1);
        t->rows = t->bytes = t->files = t->version = t->modified_ms = -1;
        sm_lake_table_t lt;
        sm_delta_snapshot_t *s = NULL;
        sm_error_t ie;
        if (open_table(lp, t->layer, t->name, &lt, &s, &ie) == SM_OK) {
            t->version = s->version;
            t->files = (int64_t)s->nfiles;
            t->bytes = s->total_bytes;
            t->rows = snapshot_rows(s);
            t->modified_ms = s->timestamp_ms;
            sm_delta_snapshot_free(s);
            sm_lake_table_free(&lt);
        }
        out->n++;
    }
    sm_lake_names_free(names, n);
    return out->tables ? SM_OK : sm_error_nomem(e, "table list");
}

static sm_err_t describe_table(void *ctx, const char *layer, const char *name, sm_arena_t *a,
                               sm_prov_table_desc_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    sm_lake_table_t t;
    sm_delta_snapshot_t *s = NULL;
    sm_err_t rc = open_table(lp, layer, name, &t, &s, e);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->layer = sm_arena_strdup(a, layer);
    out->name = sm_arena_strdup(a, name);
    out->location = sm_arena_strdup(a, t.location);
    out->version = s->version;
    out->files = (int64_t)s->nfiles;
    out->bytes = s->total_bytes;
    out->rows = snapshot_rows(s);
    out->ncolumns = s->schema->nfields;
    out->columns = sm_arena_calloc(a, (out->ncolumns + 1) * sizeof *out->columns);
    for (size_t i = 0; out->columns && i < out->ncolumns; i++) {
        char type[256];
        out->columns[i] = (sm_prov_column_t){
            sm_arena_strdup(a, s->schema->fields[i].name),
            sm_arena_strdup(a, sm_type_name(s->schema->fields[i].type, type, sizeof type)),
            s->schema->fields[i].nullable};
    }
    out->npartition_columns = s->metadata.n_partition_columns;
    out->partition_columns = sm_arena_calloc(a, (out->npartition_columns + 1) * sizeof(char *));
    for (size_t i = 0; out->partition_columns && i < out->npartition_columns; i++)
        out->partition_columns[i] = sm_arena_strdup(a, s->metadata.partition_columns[i]);
    size_t nf = s->nfiles < 200 ? s->nfiles : 200;
    out->file_list = sm_arena_calloc(a, (nf + 1) * sizeof *out->file_list);
    for (size_t i = 0; out->file_list && i < nf; i++) {
        const sm_delta_file_t *f = &s->files[i];
        char part[512] = "";
        size_t used = 0;
        for (size_t k = 0; k < f->n_partition_values && used < sizeof part; k++)
            used += (size_t)snprintf(part + used, sizeof part - used, "%s%s=%s", k ? "/" : "",
                                     f->partition_values[k].key,
                                     f->partition_values[k].value ? f->partition_values[k].value
                                                                  : "null");
        out->file_list[out->nfile_list++] =
            (sm_prov_file_t){sm_arena_strdup(a, f->path), part[0] ? sm_arena_strdup(a, part) : NULL,
                             f->size, stats_rows(f->stats)};
    }
    sm_delta_history_entry_t *h = NULL;
    size_t nh = 0;
    if (sm_delta_history(t.store, t.prefix, 50, &h, &nh, NULL) == SM_OK) {
        out->history = sm_arena_calloc(a, (nh + 1) * sizeof *out->history);
        for (size_t i = 0; out->history && i < nh; i++)
            out->history[out->nhistory++] = (sm_prov_commit_t){h[i].version, h[i].timestamp_ms,
                                                               sm_arena_strdup(a, h[i].operation),
                                                               sm_arena_strdup(a, h[i].parameters)};
        sm_delta_history_free(h, nh);
    }
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return SM_OK;
}

static sm_err_t preview(void *ctx, const char *layer, const char *name, int64_t version,
                        uint64_t offset, size_t limit, sm_prov_result_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    sm_lake_table_t t;
    sm_delta_snapshot_t *s = NULL;
    sm_delta_scan_t *scan = NULL;
    sm_err_t rc = open_table_at(lp, layer, name, version, &t, &s, e);
    if (rc)
        return rc;
    out->total_rows = snapshot_rows(s);
    rc = sm_delta_scan_open(t.store, s, NULL, &scan, e);
    uint64_t seen = 0;
    size_t kept = 0;
    while (!rc && kept < limit) {
        sm_batch_t *b = NULL;
        if ((rc = sm_delta_scan_next(scan, &b, e)) || !b)
            break;
        uint64_t start = seen, end = seen + b->nrows;
        seen = end;
        if (end <= offset) {
            sm_batch_free(b);
            continue;
        }
        size_t from = offset > start ? (size_t)(offset - start) : 0;
        size_t take = b->nrows - from;
        if (take > limit - kept)
            take = limit - kept;
        sm_batch_t *slice = NULL;
        sm_batch_t *copy = NULL;
        /* a slice borrows from b: copy it so b can go */
        rc = sm_batch_slice(b, from, take, &slice, e);
        if (!rc) {
            sm_vector_t **cols = sm_calloc(slice->ncols + 1, sizeof *cols);
            for (size_t k = 0; cols && !rc && k < slice->ncols; k++)
                rc = sm_vector_copy(slice->cols[k], &cols[k], e);
            if (!cols)
                rc = sm_error_nomem(e, "preview");
            if (!rc)
                rc = sm_batch_from_vectors(slice->schema, cols, slice->ncols, &copy, e);
            else
                for (size_t k = 0; cols && k < slice->ncols; k++)
                    sm_vector_free(cols[k]);
            sm_free(cols);
        }
        sm_batch_free(slice);
        sm_batch_free(b);
        if (rc)
            break;
        sm_batch_t **nb = sm_realloc(out->batches, (out->nbatches + 1) * sizeof *nb);
        if (!nb) {
            sm_batch_free(copy);
            rc = sm_error_nomem(e, "preview");
            break;
        }
        out->batches = nb;
        out->batches[out->nbatches++] = copy;
        kept += take;
    }
    if (!rc)
        out->schema = sm_type_ref(sm_delta_scan_schema(scan));
    else
        sm_prov_result_free(out);
    sm_delta_scan_close(scan);
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return rc;
}

static sm_err_t dashboard(void *ctx, sm_arena_t *a, sm_prov_dashboard_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    sm_prov_result_t tot = {0}, top = {0}, rfm = {0}, cat = {0};
    sm_error_t ie;
    if (read_all(lp, "gold.total_revenue", &tot, &ie) != SM_OK)
        return SM_OK; /* the pipeline has not run yet: has_data stays false */
    sm_err_t rc = SM_OK;
    if (tot.nbatches && tot.batches[0]->nrows) {
        int c1 = col(&tot, "total_revenue"), c2 = col(&tot, "orders"), c3 = col(&tot, "customers");
        out->has_data = true;
        if (c1 >= 0)
            out->total_revenue = num(tot.batches[0]->cols[c1], 0);
        if (c2 >= 0)
            out->orders = (int64_t)num(tot.batches[0]->cols[c2], 0);
        if (c3 >= 0)
            out->customers = (int64_t)num(tot.batches[0]->cols[c3], 0);
    }
    if (read_all(lp, "gold.top_countries", &top, &ie) == SM_OK)
        rc = series(a, &top, "pays", "revenue", &out->top_countries, e);
    if (!rc && read_all(lp, "gold.revenue_by_category", &cat, &ie) == SM_OK)
        rc = series(a, &cat, "categorie", "revenue", &out->categories, e);
    if (!rc && read_all(lp, "gold.rfm_analysis", &rfm, &ie) == SM_OK) {
        int seg = col(&rfm, "segment");
        int64_t vip = 0, all = 0;
        for (size_t b = 0; seg >= 0 && b < rfm.nbatches; b++)
            for (size_t i = 0; i < rfm.batches[b]->nrows; i++) {
                const char *sg = text(a, rfm.batches[b]->cols[seg], i);
                all++;
                vip += sg && strcmp(sg, "VIP") == 0;
            }
        out->vip_share = all ? (double)vip / (double)all : 0;
        static const char *labels[] = {"VIP", "Standard"};
        out->segments.labels = sm_arena_alloc(a, 2 * sizeof(char *));
        out->segments.values = sm_arena_alloc(a, 2 * sizeof(double));
        if (out->segments.labels && out->segments.values) {
            out->segments.labels[0] = labels[0];
            out->segments.labels[1] = labels[1];
            out->segments.values[0] = (double)vip;
            out->segments.values[1] = (double)(all - vip);
            out->segments.n = 2;
        }
        /* the RFM table: the 10 best customers by monetary value */
        static const char *cols[] = {"client", "last_order", "frequency", "monetary", "segment"};
        static const bool numeric[] = {false, false, true, true, false};
        sm_prov_grid_t *g = &out->rfm;
        g->cols = (const char **)cols;
        g->numeric = (bool *)numeric;
        g->ncols = 5;
        sm_prov_series_t by_money;
        rc = series(a, &rfm, "client", "monetary", &by_money, e);
        size_t n = by_money.n < 10 ? by_money.n : 10;
        g->cells = sm_arena_calloc(a, (n * 5 + 1) * sizeof(char *));
        for (size_t r = 0; !rc && g->cells && r < n; r++) {
            /* find the row of this client */
            for (size_t b = 0; b < rfm.nbatches; b++)
                for (size_t i = 0; i < rfm.batches[b]->nrows; i++) {
                    const char *cl = text(a, rfm.batches[b]->cols[col(&rfm, "client")], i);
                    if (!cl || !by_money.labels[r] || strcmp(cl, by_money.labels[r]) != 0)
                        continue;
                    for (int k = 0; k < 5; k++) {
                        int ci = col(&rfm, cols[k]);
                        if (ci < 0)
                            continue;
                        const sm_vector_t *v = rfm.batches[b]->cols[ci];
                        sm_type_kind_t kind = v->type->kind;
                        if ((kind == SM_TYPE_FLOAT64 || kind == SM_TYPE_FLOAT32) &&
                            !sm_vector_is_null(v, i)) {
                            char money[64]; /* money: two decimals */
                            snprintf(money, sizeof money, "%.2f", num(v, i));
                            g->cells[r * 5 + (size_t)k] = sm_arena_strdup(a, money);
                            continue;
                        }
                        sm_buf_t cell = SM_BUF_INIT;
                        if (sm_print_value(v, i, SM_PRINT_STYLE_TEXT, &cell, NULL) == SM_OK &&
                            cell.data)
                            g->cells[r * 5 + (size_t)k] = sm_arena_strdup(a, (char *)cell.data);
                        sm_buf_free(&cell);
                    }
                }
        }
        g->nrows = n;
    }
    sm_prov_result_free(&tot);
    sm_prov_result_free(&top);
    sm_prov_result_free(&cat);
    sm_prov_result_free(&rfm);
    return rc;
}

static sm_err_t runs(void *ctx, sm_arena_t *a, sm_prov_run_list_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    sm_prov_result_t r = {0};
    sm_error_t ie;
    if (read_all(lp, "_smelt.runs", &r, &ie) != SM_OK)
        return SM_OK; /* no run yet */
    size_t n = 0;
    for (size_t b = 0; b < r.nbatches; b++)
        n += r.batches[b]->nrows;
    out->runs = sm_arena_calloc(a, (n + 1) * sizeof *out->runs);
    if (!out->runs) {
        sm_prov_result_free(&r);
        return sm_error_nomem(e, "runs");
    }
    int c_id = col(&r, "run_id"), c_model = col(&r, "model"), c_status = col(&r, "status"),
        c_start = col(&r, "started_at"), c_sec = col(&r, "seconds"), c_rows = col(&r, "rows"),
        c_in = col(&r, "inputs"), c_err = col(&r, "error");
    for (size_t b = 0; b < r.nbatches; b++) {
        const sm_batch_t *bt = r.batches[b];
        for (size_t i = 0; i < bt->nrows; i++) {
            sm_prov_run_t *run = &out->runs[n - 1 - out->n]; /* newest first */
            run->id = text(a, bt->cols[c_id], i);
            run->model = text(a, bt->cols[c_model], i);
            run->status = text(a, bt->cols[c_status], i);
            run->started_ms = sm_vector_get_i64(bt->cols[c_start], i) / 1000;
            run->duration_ms = (int64_t)(num(bt->cols[c_sec], i) * 1000);
            run->rows = sm_vector_is_null(bt->cols[c_rows], i)
                            ? -1
                            : sm_vector_get_i64(bt->cols[c_rows], i);
            run->output = run->model;
            run->error = text(a, bt->cols[c_err], i);
            size_t s0, s1;
            sm_vector_list_range(bt->cols[c_in], i, &s0, &s1);
            run->inputs = sm_arena_calloc(a, (s1 - s0 + 1) * sizeof(char *));
            for (size_t k = s0; run->inputs && k < s1; k++)
                run->inputs[run->ninputs++] = text(a, sm_vector_child(bt->cols[c_in], 0), k);
            out->n++;
        }
    }
    sm_prov_result_free(&r);
    return SM_OK;
}

/* ---- the dashboard's data version ---------------------------------------- */

static const char *const DASHBOARD_TABLES[] = {"gold.total_revenue", "gold.top_countries",
                                               "gold.revenue_by_category", "gold.rfm_analysis"};

/* Mixes the newest commit (version and time) of one table into *h; a
 * missing table mixes a marker of its own. */
static void mix_table_version(sm_lake_provider_t *lp, const char *full, uint64_t *h)
{
    sm_lake_table_t t;
    sm_delta_log_t log = {0};
    int64_t v = -1, mtime = 0;
    sm_error_t e;
    if (sm_lake_resolve(lp->lake, full, &t, &e) == SM_OK) {
        int parts = 0;
        int64_t from = sm_delta_log_last_checkpoint(t.store, t.prefix, &parts);
        if (sm_delta_log_list_from(t.store, t.prefix, from < 0 ? 0 : from, &log, &e) == SM_OK &&
            log.ncommits) {
            v = log.commits[log.ncommits - 1].version;
            mtime = log.commits[log.ncommits - 1].mtime_ms;
        }
        sm_delta_log_free(&log);
        sm_lake_table_free(&t);
    }
    /* FNV-1a over the two numbers */
    uint64_t parts2[2] = {(uint64_t)v, (uint64_t)mtime};
    const unsigned char *p = (const unsigned char *)parts2;
    for (size_t i = 0; i < sizeof parts2; i++) {
        *h ^= p[i];
        *h *= 1099511628211ull;
    }
}

/* Changes whenever a commit lands in a table the dashboard reads. */
static sm_err_t data_version(void *ctx, uint64_t *out, sm_error_t *e)
{
    (void)e;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof DASHBOARD_TABLES / sizeof DASHBOARD_TABLES[0]; i++)
        mix_table_version(ctx, DASHBOARD_TABLES[i], &h);
    *out = h;
    return SM_OK;
}

void sm_lake_provider_free(sm_lake_provider_t *lp)
{
    (void)lp;
}

/* The SQL console: one read-only statement, at most max_rows rows. */
typedef struct console {
    sm_prov_result_t *out;
    size_t max_rows, rows;
} console_t;

/* Keeps a copy of each batch (borrowed during the call) up to max_rows;
 * stops the query (SM_ERR_CANCELLED) once more rows exist. */
static sm_err_t keep_batch(void *arg, const sm_batch_t *b, sm_error_t *e)
{
    console_t *c = arg;
    if (!c->out->schema)
        c->out->schema = sm_type_ref(b->schema);
    if (c->rows >= c->max_rows) {
        c->out->truncated = b->nrows > 0;
        return b->nrows ? SM_ERR_CANCELLED : SM_OK;
    }
    size_t take = b->nrows < c->max_rows - c->rows ? b->nrows : c->max_rows - c->rows;
    sm_vector_t **cols = sm_calloc(b->ncols + 1, sizeof *cols);
    sm_err_t rc = cols ? SM_OK : sm_error_nomem(e, "console rows");
    for (size_t k = 0; !rc && k < b->ncols; k++) {
        sm_vector_t *slice = NULL;
        if (!(rc = sm_vector_slice(b->cols[k], 0, take, &slice, e)))
            rc = sm_vector_copy(slice, &cols[k], e);
        sm_vector_free(slice);
    }
    sm_batch_t *copy = NULL;
    if (!rc)
        rc = sm_batch_from_vectors(b->schema, cols, b->ncols, &copy, e);
    else
        for (size_t k = 0; cols && k < b->ncols; k++)
            sm_vector_free(cols[k]);
    sm_free(cols);
    sm_batch_t **nb = rc ? NULL : sm_realloc(c->out->batches, (c->out->nbatches + 1) * sizeof *nb);
    if (!rc && !nb) {
        sm_batch_free(copy);
        rc = sm_error_nomem(e, "console rows");
    }
    if (rc)
        return rc;
    c->out->batches = nb;
    c->out->batches[c->out->nbatches++] = copy;
    c->rows += take;
    if (take < b->nrows) {
        c->out->truncated = true;
        return SM_ERR_CANCELLED;
    }
    return SM_OK;
}

static sm_err_t query(void *ctx, const char *sql, size_t max_rows, sm_prov_result_t *out,
                      sm_prov_pos_t *pos, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    console_t c = {.out = out, .max_rows = max_rows ? max_rows : 1000};
    sm_query_opts_t qo = {.read_only = true};
    sm_query_result_t r = {0};
    sm_err_t rc = sm_query_run(lp->lake, sql, &qo, keep_batch, &c, &r, e);
    if (rc == SM_ERR_CANCELLED && out->truncated)
        rc = SM_OK; /* stopped on purpose after max_rows */
    if (!rc && !out->schema && r.schema)
        out->schema = sm_type_ref(r.schema);
    out->total_rows = out->truncated ? -1 : (int64_t)c.rows;
    sm_query_result_free(&r);
    if (rc) {
        /* "line 3, column 14: ..." — hand the position to the console */
        int line = 0, col = 0;
        if (e && sscanf(e->msg, "line %d, column %d", &line, &col) == 2) {
            pos->line = line;
            pos->column = col;
        }
        sm_prov_result_free(out);
        return rc;
    }
    return SM_OK;
}

/* ---- the console on a PostgreSQL source -------------------------------------- */

#define PG_CONNECT_TIMEOUT_S 5
#define PG_STATEMENT_TIMEOUT_MS 10000

static sm_err_t targets(void *ctx, sm_arena_t *a, sm_prov_target_list_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    out->targets = sm_arena_calloc(a, (lp->npg_sources + 1) * sizeof *out->targets);
    if (!out->targets)
        return sm_error_nomem(e, "query targets");
    for (size_t i = 0; i < lp->npg_sources; i++) {
        char id[300], label[320];
        snprintf(id, sizeof id, "source:%s", lp->pg_sources[i].name);
        snprintf(label, sizeof label, "PostgreSQL source %s", lp->pg_sources[i].name);
        sm_prov_target_t *t = &out->targets[out->n++];
        t->id = sm_arena_strdup(a, id);
        t->label = sm_arena_strdup(a, label);
        if (!t->id || !t->label)
            return sm_error_nomem(e, "query targets");
    }
    return SM_OK;
}

static sm_err_t keep_pg_batch(void *ud, sm_batch_t *b, sm_error_t *e)
{
    return keep_batch(ud, b, e);
}

/* PostgreSQL reports "(at character N)": N counts characters (1-based)
 * of sql; turn it into line and column. */
static void pg_position(const char *msg, const char *sql, sm_prov_pos_t *pos)
{
    const char *at = strstr(msg, "(at character ");
    long ch = at ? strtol(at + 14, NULL, 10) : 0;
    if (ch <= 0)
        return;
    int line = 1, column = 1;
    long seen = 1;
    for (const unsigned char *p = (const unsigned char *)sql; *p && seen < ch; p++) {
        if ((*p & 0xC0) == 0x80)
            continue; /* a continuation byte: same character */
        seen++;
        if (*p == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
    pos->line = line;
    pos->column = column;
}

static sm_err_t query_target(void *ctx, const char *target, const char *sql, size_t max_rows,
                             sm_prov_result_t *out, sm_prov_pos_t *pos, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    const sm_lake_pg_source_t *src = NULL;
    for (size_t i = 0; i < lp->npg_sources && !src; i++)
        if (!strncmp(target, "source:", 7) && !strcmp(target + 7, lp->pg_sources[i].name))
            src = &lp->pg_sources[i];
    if (!src)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "no PostgreSQL source \"%s\" in the project",
                            strncmp(target, "source:", 7) ? target : target + 7);
    console_t c = {.out = out, .max_rows = max_rows ? max_rows : 1000};
    sm_pg_conn_opts_t co = {.connect_timeout_s = PG_CONNECT_TIMEOUT_S,
                            .types = SM_PG_TYPES_DEFAULT};
    sm_pg_conn_t *conn = NULL;
    char set[64];
    snprintf(set, sizeof set, "SET statement_timeout = %d", PG_STATEMENT_TIMEOUT_MS);
    sm_pg_read_result_t res = {0};
    sm_err_t rc = sm_pg_connect(src->conninfo, &co, &conn, e);
    if (!rc)
        rc = sm_pg_exec(conn, set, e);
    /* one row more than shown tells whether the answer was cut */
    if (!rc)
        rc = sm_pg_query_batches(conn, sql, (uint64_t)c.max_rows + 1, keep_pg_batch, &c, &res, e);
    if (rc == SM_ERR_CANCELLED && out->truncated)
        rc = SM_OK; /* stopped on purpose after max_rows */
    if (!rc && !out->schema && res.schema)
        out->schema = sm_type_ref(res.schema->type);
    out->total_rows = out->truncated ? -1 : (int64_t)c.rows;
    sm_pg_read_result_free(&res);
    sm_pg_close(conn);
    if (rc) {
        pg_position(e ? e->msg : "", sql, pos);
        sm_prov_result_free(out);
    }
    return rc;
}

/* The Delta sink a stream query commits to: its `sink:` setting, else
 * gold.<query>_live (as `smelt stream` resolves it). */
static void sink_name(const sm_lake_stream_t *ls, char *out, size_t cap)
{
    if (ls->sink)
        snprintf(out, cap, "%s", ls->sink);
    else
        snprintf(out, cap, "gold.%s_live", ls->name);
}

/* A stream whose last batch landed this recently is reported running. */
#define STREAM_RUNNING_MS 10000

/* The live table of the stream: the Delta sink of the project's first
 * stream query (gold.ventes_par_pays_live on topic ventes-temps-reel, the
 * reference's, when the project declares none) that `smelt stream`
 * commits each micro-batch to (another process), so the chart moves
 * whenever a batch lands; batches from the query's offsets log. */
static sm_err_t stream_status(void *ctx, sm_arena_t *a, sm_prov_stream_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    out->events = out->lag = out->batches = out->last_batch_ms = -1;
    const sm_lake_stream_t *ls = lp->nstreams ? &lp->streams[0] : NULL;
    char sink[300];
    if (ls)
        sink_name(ls, sink, sizeof sink);
    else
        snprintf(sink, sizeof sink, "gold.ventes_par_pays_live");
    const char *dot = strchr(sink, '.');
    char layer[128];
    snprintf(layer, sizeof layer, "%.*s", dot ? (int)(dot - sink) : 0, sink);
    out->topic = ls ? ls->topic : "ventes-temps-reel";
    out->state = ls ? "idle" : "not configured";
    sm_lake_table_t t;
    sm_delta_snapshot_t *s = NULL;
    if (!dot || open_table(lp, layer, dot + 1, &t, &s, NULL))
        return SM_OK;
    out->state = "idle";
    out->version = (uint64_t)s->version + 1;
    out->last_batch_ms = s->timestamp_ms;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    if (ls) {
        sm_stream_progress_t pg;
        sm_error_t pe;
        if (sm_stream_progress_read(lp->lake, ls->name, &pg, &pe) == SM_OK) {
            if (pg.found)
                out->batches = pg.batch + 1;
            sm_stream_progress_free(&pg);
        }
    }
    if (out->last_batch_ms >= 0 && sm_clock_wall_ms() - out->last_batch_ms < STREAM_RUNNING_MS) {
        out->state = "running";
        out->running = true;
    }
    sm_prov_result_t r = {0};
    sm_error_t ie;
    if (read_all(lp, sink, &r, &ie) == SM_OK) {
        sm_err_t rc = series(a, &r, "pays", "total_ventes_live", &out->live, e);
        if (!rc)
            rc = series(a, &r, "pays", "nb_transactions", &out->transactions, e);
        int64_t events = 0;
        for (size_t i = 0; i < out->transactions.n; i++)
            events += (int64_t)out->transactions.values[i];
        out->events = events;
        sm_prov_result_free(&r);
        return rc;
    }
    return SM_OK;
}

/* ---- the stream monitor --------------------------------------------------- */

#define MONITOR_KAFKA_TIMEOUT_MS 3000

/* Rows of a table from its snapshot's statistics, and its last commit
 * time; -1 for both when it does not exist. */
static void table_facts(sm_lake_provider_t *lp, const char *full, int64_t *rows, int64_t *ts_ms)
{
    *rows = *ts_ms = -1;
    const char *dot = strchr(full, '.');
    if (!dot)
        return;
    char layer[128];
    snprintf(layer, sizeof layer, "%.*s", (int)(dot - full), full);
    sm_lake_table_t t;
    sm_delta_snapshot_t *s = NULL;
    if (open_table(lp, layer, dot + 1, &t, &s, NULL) != SM_OK)
        return;
    *rows = snapshot_rows(s);
    *ts_ms = s->timestamp_ms;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
}

static const sm_kafka_topic_meta_t *meta_topic(const sm_kafka_meta_t *m, const char *name)
{
    for (size_t i = 0; name && i < m->ntopics; i++)
        if (!strcmp(m->topics[i].name, name))
            return &m->topics[i];
    return NULL;
}

static sm_err_t stream_one(sm_lake_provider_t *lp, const sm_lake_stream_t *ls,
                           const sm_kafka_meta_t *m, bool have_meta, sm_arena_t *a,
                           sm_prov_stream_info_t *si, sm_error_t *e)
{
    char sink[300], dead[300];
    sink_name(ls, sink, sizeof sink);
    const char *dot = strchr(sink, '.');
    if (ls->dead_letters)
        snprintf(dead, sizeof dead, "%s", ls->dead_letters);
    else
        snprintf(dead, sizeof dead, "%.*s._dead_letters_%s", dot ? (int)(dot - sink) : 4,
                 dot ? sink : "gold", ls->name);
    *si = (sm_prov_stream_info_t){.name = ls->name,
                                  .topic = ls->topic,
                                  .sink = sm_arena_strdup(a, sink),
                                  .dead_letter_table = sm_arena_strdup(a, dead),
                                  .batch = -1,
                                  .last_batch_ms = -1,
                                  .committed = -1,
                                  .lag = -1,
                                  .events_per_s = -1,
                                  .latency_ms = -1,
                                  .dead_letters = 0};
    int64_t rows, ts;
    table_facts(lp, dead, &rows, &ts);
    si->dead_letters = rows > 0 ? rows : 0;
    sm_stream_progress_t pg;
    sm_err_t rc = sm_stream_progress_read(lp->lake, ls->name, &pg, e);
    if (rc)
        return rc;
    const sm_kafka_topic_meta_t *tm = have_meta ? meta_topic(m, ls->topic) : NULL;
    if (pg.found) {
        si->batch = pg.batch;
        si->last_batch_ms = pg.last_ms;
        si->committed = 0;
        if (pg.prev_ms >= 0 && pg.last_ms > pg.prev_ms)
            si->events_per_s = (double)pg.events * 1000.0 / (double)(pg.last_ms - pg.prev_ms);
        table_facts(lp, sink, &rows, &ts);
        if (ts >= 0 && pg.last_ms >= 0 && ts >= pg.last_ms)
            si->latency_ms = (double)(ts - pg.last_ms);
    }
    /* one row per partition of the topic (or of the checkpoint without a broker) */
    size_t n = tm ? tm->nparts : pg.nparts;
    si->parts = sm_arena_calloc(a, (n + 1) * sizeof *si->parts);
    if (!si->parts || !si->sink || !si->dead_letter_table) {
        sm_stream_progress_free(&pg);
        return sm_error_nomem(e, "stream monitor");
    }
    if (tm)
        si->lag = 0;
    for (size_t i = 0; i < n; i++) {
        sm_prov_partition_t *p = &si->parts[si->nparts++];
        p->partition = tm ? tm->parts[i].partition : pg.parts[i].partition;
        p->low = tm ? tm->parts[i].low : -1;
        p->high = tm ? tm->parts[i].high : -1;
        p->committed = -1;
        for (size_t k = 0; k < pg.nparts; k++)
            if (pg.parts[k].partition == p->partition)
                p->committed = pg.parts[k].end;
        if (p->committed >= 0)
            si->committed += p->committed;
        /* never read: the whole retained topic is behind */
        int64_t from = p->committed >= 0 ? p->committed : p->low;
        p->lag = p->high >= 0 && from >= 0 ? (p->high > from ? p->high - from : 0) : -1;
        if (si->lag >= 0)
            si->lag = p->lag >= 0 ? si->lag + p->lag : -1;
    }
    sm_stream_progress_free(&pg);
    return SM_OK;
}

static sm_err_t streams(void *ctx, sm_arena_t *a, sm_prov_streams_t *out, sm_error_t *e)
{
    sm_lake_provider_t *lp = ctx;
    memset(out, 0, sizeof *out);
    sm_kafka_meta_t m = {0};
    bool have_meta = false;
    out->bootstrap = lp->kafka_bootstrap;
    out->broker_configured = lp->kafka_bootstrap && lp->kafka_bootstrap[0];
    if (out->broker_configured) {
        sm_kafka_conf_t kc = {.bootstrap = lp->kafka_bootstrap,
                              .client_id = "smelt-serve",
                              .timeout_ms = MONITOR_KAFKA_TIMEOUT_MS};
        sm_error_t ke;
        if (sm_kafka_meta_read(&kc, NULL, &m, &ke) == SM_OK)
            have_meta = true;
        else if (!(out->broker_error = sm_arena_strdup(a, ke.msg)))
            return sm_error_nomem(e, "stream monitor");
    }
    sm_err_t rc = SM_OK;
    out->topics = sm_arena_calloc(a, (m.ntopics + 1) * sizeof *out->topics);
    out->streams = sm_arena_calloc(a, (lp->nstreams + 1) * sizeof *out->streams);
    if (!out->topics || !out->streams)
        rc = sm_error_nomem(e, "stream monitor");
    for (size_t i = 0; !rc && i < m.ntopics; i++) {
        const sm_kafka_topic_meta_t *t = &m.topics[i];
        sm_prov_topic_t *pt = &out->topics[out->ntopics++];
        pt->name = sm_arena_strdup(a, t->name);
        pt->parts = sm_arena_calloc(a, (t->nparts + 1) * sizeof *pt->parts);
        if (!pt->name || !pt->parts) {
            rc = sm_error_nomem(e, "stream monitor");
            break;
        }
        for (size_t k = 0; k < t->nparts; k++) {
            pt->parts[pt->nparts++] = (sm_prov_partition_t){t->parts[k].partition, t->parts[k].low,
                                                            t->parts[k].high, -1, -1};
            if (t->parts[k].high >= 0 && t->parts[k].low >= 0)
                pt->messages += t->parts[k].high - t->parts[k].low;
        }
    }
    for (size_t i = 0; !rc && i < lp->nstreams; i++) {
        rc = stream_one(lp, &lp->streams[i], &m, have_meta, a, &out->streams[i], e);
        if (!rc)
            out->nstreams++;
    }
    sm_kafka_meta_free(&m);
    return rc;
}

static const sm_provider_vt_t VT = {
    .list_tables = list_tables,
    .describe_table = describe_table,
    .preview = preview,
    .query = query,
    .dashboard = dashboard,
    .stream_status = stream_status,
    .runs = runs,
    .data_version = data_version,
    .streams = streams,
    .targets = targets,
    .query_target = query_target,
    .thread_safe = true, /* no state of its own; the lake and queries are */
};

sm_provider_t sm_lake_provider(sm_lake_provider_t *lp)
{
    return (sm_provider_t){&VT, lp};
}
