/* tests/serve/fake_provider — see fake_provider.h. */
#include "fake_provider.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

#define MAX_LIVE 16

struct fake {
    pthread_mutex_t mu;
    bool empty;
    uint64_t data_version;  /* bumped by fake_set_empty */
    unsigned dash_delay_ms; /* the dashboard call sleeps this long */
    unsigned dash_calls;
    bool no_broker;
    char state[32];
    uint64_t version;
    int64_t events;
    size_t nlive;
    char live_label[MAX_LIVE][32];
    double live_value[MAX_LIVE], live_count[MAX_LIVE];
};

static const char *COUNTRIES[] = {"USA",    "GERMANY", "AUSTRIA",   "BRAZIL",
                                  "FRANCE", "UK",      "VENEZUELA", "SWEDEN",
                                  "CANADA", "IRELAND", "BELGIUM",   "DENMARK"};
static double COUNTRY_REV[] = {245584.61, 230284.63, 128003.84, 106925.78, 81358.32, 58971.31,
                               56810.63,  54495.14,  50196.29,  49979.91,  33824.86, 32661.02};
static const char *CATEGORIES[] = {"Beverages", "Dairy Products", "Confections", "Meat/Poultry",
                                   "Seafood",   "Condiments",     "Produce",     "Grains/Cereals"};
static double CATEGORY_REV[] = {267868.18, 234507.28, 167357.22, 163022.36,
                                131261.74, 106047.08, 99984.58,  95744.59};

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "fake provider");
}

static sm_prov_series_t series(sm_arena_t *a, const char **labels, const double *values, size_t n)
{
    sm_prov_series_t s = {0};
    s.labels = sm_arena_calloc(a, (n + 1) * sizeof *s.labels);
    s.values = sm_arena_calloc(a, (n + 1) * sizeof *s.values);
    if (!s.labels || !s.values)
        return (sm_prov_series_t){0};
    for (size_t i = 0; i < n; i++) {
        s.labels[i] = sm_arena_strdup(a, labels[i]);
        s.values[i] = values[i];
    }
    s.n = n;
    return s;
}

static sm_err_t list_tables(void *ctx, sm_arena_t *a, sm_prov_table_list_t *out, sm_error_t *e)
{
    static const sm_prov_table_t T[] = {
        {"bronze", "orders", 830, 31234, 1, 0, 1732492800000},
        {"bronze", "customers", 91, 9876, 1, 0, 1732492800000},
        {"silver", "master_ventes", FAKE_PREVIEW_ROWS, 81234, 2, 3, 1732496400000},
        {"gold", "rfm_analysis", 89, 5120, 1, 1, 1732500000000},
    };
    (void)ctx;
    out->tables = sm_arena_alloc(a, sizeof T);
    if (!out->tables)
        return nomem(e);
    memcpy(out->tables, T, sizeof T);
    out->n = 4;
    return SM_OK;
}

static sm_err_t describe_table(void *ctx, const char *layer, const char *name, sm_arena_t *a,
                               sm_prov_table_desc_t *out, sm_error_t *e)
{
    (void)ctx;
    if (strcmp(layer, "silver") != 0 || strcmp(name, "master_ventes") != 0)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "no table %s.%s", layer, name);
    static sm_prov_column_t cols[] = {{"order_id", "bigint", false},
                                      {"client", "string", true},
                                      {"pays", "string", true},
                                      {"montant_final", "double", true}};
    static const char *parts[] = {"ingestion_date"};
    static sm_prov_file_t files[] = {{"ingestion_date=2024-11-24/part-00000.snappy.parquet",
                                      "ingestion_date=2024-11-24", 40617, 60},
                                     {"ingestion_date=2024-11-25/part-00000.snappy.parquet",
                                      "ingestion_date=2024-11-25", 40617, 60}};
    static sm_prov_commit_t hist[] = {{3, 1732496400000, "WRITE", "mode=Overwrite"},
                                      {2, 1732410000000, "WRITE", "mode=Append"},
                                      {1, 1732400000000, "CREATE TABLE", NULL}};
    memset(out, 0, sizeof *out);
    out->layer = "silver";
    out->name = "master_ventes";
    out->location = "/lake/silver/master_ventes";
    out->rows = FAKE_PREVIEW_ROWS;
    out->bytes = 81234;
    out->files = 2;
    out->version = 3;
    out->columns = cols;
    out->ncolumns = 4;
    out->partition_columns = parts;
    out->npartition_columns = 1;
    out->file_list = files;
    out->nfile_list = 2;
    out->history = hist;
    out->nhistory = 3;
    (void)a;
    return SM_OK;
}

static sm_type_t *schema2(const char *n0, sm_type_t *t0, const char *n1, sm_type_t *t1)
{
    sm_field_t f[2] = {{(char *)n0, t0, true}, {(char *)n1, t1, true}};
    return sm_type_struct(f, 2);
}

/* A result with one batch built from text rows. */
static sm_err_t make_result(sm_type_t *schema, const char *const *cells, size_t nrows,
                            sm_prov_result_t *out, sm_error_t *e)
{
    sm_batch_t *b = NULL;
    memset(out, 0, sizeof *out);
    if (!schema)
        return nomem(e);
    sm_err_t rc = sm_batch_new(schema, nrows ? nrows : 1, &b, e);
    for (size_t r = 0; !rc && r < nrows; r++)
        rc = sm_batch_append_row(b, cells + r * schema->nfields, e);
    if (!rc) {
        out->batches = sm_malloc(sizeof *out->batches);
        if (!out->batches)
            rc = nomem(e);
    }
    if (rc) {
        sm_batch_free(b);
        sm_type_free(schema);
        return rc;
    }
    out->batches[0] = b;
    out->nbatches = 1;
    out->schema = schema; /* the batch took its own reference */
    out->total_rows = (int64_t)nrows;
    return SM_OK;
}

static sm_err_t preview(void *ctx, const char *layer, const char *name, int64_t version,
                        uint64_t offset, size_t limit, sm_prov_result_t *out, sm_error_t *e)
{
    (void)ctx;
    if (strcmp(layer, "silver") != 0 || strcmp(name, "master_ventes") != 0)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "no table %s.%s", layer, name);
    /* versions 0..3 (the latest): version v holds the first
     * FAKE_PREVIEW_ROWS - FAKE_ROWS_PER_VERSION * (3 - v) rows */
    if (version > 3)
        return sm_error_set(e, SM_ERR_NOT_FOUND, "silver.master_ventes has no version %lld",
                            (long long)version);
    size_t all =
        FAKE_PREVIEW_ROWS - (version >= 0 ? FAKE_ROWS_PER_VERSION * (size_t)(3 - version) : 0);
    size_t n = offset >= all ? 0 : all - (size_t)offset;
    if (n > limit)
        n = limit;
    sm_field_t f[4] = {{"order_id", sm_type_int64(), false},
                       {"client", sm_type_string(), true},
                       {"pays", sm_type_string(), true},
                       {"montant_final", sm_type_float64(), true}};
    sm_type_t *schema = sm_type_struct(f, 4);
    const char **cells = sm_calloc(n * 4 + 1, sizeof *cells);
    char(*text)[2][32] = sm_calloc(n + 1, sizeof *text);
    sm_err_t rc = SM_OK;
    if (!cells || !text) {
        sm_type_free(schema);
        rc = nomem(e);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t row = (size_t)offset + i;
        snprintf(text[i][0], 32, "%zu", 10248 + row);
        snprintf(text[i][1], 32, "%.2f", 10.5 * (double)(row % 17) + 0.25);
        cells[i * 4] = text[i][0];
        cells[i * 4 + 1] = row == 3 ? FAKE_HOSTILE : (row % 7 == 5 ? NULL : "Client");
        cells[i * 4 + 2] = COUNTRIES[row % 12];
        cells[i * 4 + 3] = text[i][1];
    }
    rc = make_result(schema, cells, n, out, e);
    if (!rc)
        out->total_rows = (int64_t)all;
out:
    sm_free(cells);
    sm_free(text);
    return rc;
}

static sm_err_t query(void *ctx, const char *sql, size_t max_rows, sm_prov_result_t *out,
                      sm_prov_pos_t *pos, sm_error_t *e)
{
    (void)ctx;
    if (strstr(sql, "syntax_error")) {
        pos->line = 1;
        pos->column = 8;
        return sm_error_set(e, SM_ERR_PARSE, "syntax error at or near 'syntax_error'");
    }
    if (strstr(sql, "no_such_table"))
        return sm_error_set(e, SM_ERR_NOT_FOUND, "table no_such_table not found");
    size_t n = 12 > max_rows ? max_rows : 12;
    const char *cells[24];
    char vals[12][32];
    for (size_t i = 0; i < n; i++) {
        snprintf(vals[i], 32, "%.2f", COUNTRY_REV[i]);
        cells[2 * i] = COUNTRIES[i];
        cells[2 * i + 1] = vals[i];
    }
    sm_err_t rc = make_result(schema2("pays", sm_type_string(), "revenue", sm_type_float64()),
                              cells, n, out, e);
    if (!rc)
        out->truncated = n < 12;
    return rc;
}

static sm_err_t dashboard(void *ctx, sm_arena_t *a, sm_prov_dashboard_t *out, sm_error_t *e)
{
    fake_t *f = ctx;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->mu);
    bool empty = f->empty;
    unsigned delay = f->dash_delay_ms;
    f->dash_calls++;
    pthread_mutex_unlock(&f->mu);
    if (delay) {
        struct timespec ts = {.tv_sec = delay / 1000, .tv_nsec = (long)(delay % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    if (empty)
        return SM_OK;
    out->has_data = true;
    out->total_revenue = FAKE_TOTAL_REVENUE;
    out->orders = FAKE_ORDERS;
    out->customers = FAKE_CUSTOMERS;
    out->vip_share = (double)FAKE_VIP / FAKE_CUSTOMERS;
    out->top_countries = series(a, COUNTRIES, COUNTRY_REV, 12);
    const char *seg[] = {"VIP", "Standard"};
    double segv[] = {FAKE_VIP, FAKE_CUSTOMERS - FAKE_VIP};
    out->segments = series(a, seg, segv, 2);
    out->categories = series(a, CATEGORIES, CATEGORY_REV, 8);
    static const char *cols[] = {"client", "last_order", "frequency", "monetary", "segment"};
    static bool numeric[] = {false, false, true, true, false};
    static const char *cells[] = {
        "QUICK-Stop",
        "1998-04-14",
        "28",
        "110277.31",
        "VIP",
        "Ernst Handel",
        "1998-05-05",
        "30",
        "104874.98",
        "VIP",
        FAKE_HOSTILE,
        "1998-04-30",
        "19",
        "104361.95",
        "VIP",
        "Rattlesnake Canyon Grocery",
        "1998-05-06",
        "18",
        "51097.80",
        "VIP",
        "Centro comercial Moctezuma",
        "1996-07-18",
        "1",
        "100.80",
        "Standard",
    };
    out->rfm = (sm_prov_grid_t){cols, numeric, 5, cells, 5};
    return SM_OK;
}

static sm_err_t stream_status(void *ctx, sm_arena_t *a, sm_prov_stream_t *out, sm_error_t *e)
{
    fake_t *f = ctx;
    const char *labels[MAX_LIVE];
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nlive; i++)
        labels[i] = f->live_label[i];
    out->state = sm_arena_strdup(a, f->state);
    out->running = strcmp(f->state, "running") == 0;
    out->version = f->version;
    out->topic = "ventes-temps-reel";
    out->events = f->events;
    out->lag = 0;
    out->batches = f->events ? 1 + f->events / 10 : 0;
    out->last_batch_ms = f->events ? 1732500000000 + f->events * 100 : -1;
    out->live = series(a, labels, f->live_value, f->nlive);
    out->transactions = series(a, labels, f->live_count, f->nlive);
    pthread_mutex_unlock(&f->mu);
    if (!out->state || (f->nlive && (!out->live.labels || !out->transactions.labels)))
        return nomem(e);
    return SM_OK;
}

static sm_err_t runs(void *ctx, sm_arena_t *a, sm_prov_run_list_t *out, sm_error_t *e)
{
    static const char *in1[] = {"bronze.orders", "bronze.order_details", "bronze.products",
                                "bronze.categories", "bronze.customers"};
    static const char *in2[] = {"silver.master_ventes"};
    static sm_prov_run_t R[] = {
        {"r3", "gold.rfm_analysis", "ok", 1732500000000, 412, 89, in2, 1, "gold.rfm_analysis",
         NULL},
        {"r2", "silver.master_ventes", "ok", 1732496400000, 1530, 2155, in1, 5,
         "silver.master_ventes", NULL},
        {"r1", "gold.bad_model", "failed", 1732490000000, 12, -1, in2, 1, NULL,
         "binding: column 'x' not found at line 3, column 8"},
    };
    (void)ctx;
    (void)a;
    (void)e;
    out->runs = R;
    out->n = 3;
    return SM_OK;
}

static sm_err_t gauges(void *ctx, sm_arena_t *a, sm_prov_gauge_list_t *out, sm_error_t *e)
{
    static sm_prov_gauge_t G[] = {
        {"smelt_lake_tables", "Tables in the lake.", NULL, NULL, 4},
        {"smelt_table_rows", "Rows per table.", "table", "silver.master_ventes", 120},
        {"smelt_table_rows", "Rows per table.", "table", "we\"ird\\name\n", 7},
        {"bad name!", "skipped", NULL, NULL, 1},
    };
    (void)ctx;
    (void)a;
    (void)e;
    out->gauges = G;
    out->n = 4;
    return SM_OK;
}

static sm_err_t data_version(void *ctx, uint64_t *out, sm_error_t *e)
{
    fake_t *f = ctx;
    (void)e;
    pthread_mutex_lock(&f->mu);
    *out = f->data_version;
    pthread_mutex_unlock(&f->mu);
    return SM_OK;
}

/* One topic of 2 partitions [0, 120) and [5, 80); the stream read up to
 * 100 and 80: lag 20 and 0. */
static sm_err_t streams(void *ctx, sm_arena_t *a, sm_prov_streams_t *out, sm_error_t *e)
{
    fake_t *f = ctx;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->mu);
    bool none = f->no_broker;
    pthread_mutex_unlock(&f->mu);
    static sm_prov_partition_t tparts[] = {{0, 0, 120, -1, -1}, {1, 5, 80, -1, -1}};
    static sm_prov_partition_t sparts[] = {{0, 0, 120, 100, 20}, {1, 5, 80, 80, 0}};
    static sm_prov_partition_t sparts_nb[] = {{0, -1, -1, 100, -1}, {1, -1, -1, 80, -1}};
    static sm_prov_topic_t topics[] = {{"ventes-temps-reel", tparts, 2, 195}};
    sm_prov_stream_info_t *si = sm_arena_calloc(a, sizeof *si);
    if (!si)
        return nomem(e);
    *si = (sm_prov_stream_info_t){.name = "ventes_par_pays",
                                  .topic = "ventes-temps-reel",
                                  .sink = "gold.ventes_par_pays_live",
                                  .dead_letter_table = FAKE_HOSTILE,
                                  .batch = 7,
                                  .last_batch_ms = 1732500000000,
                                  .committed = 180,
                                  .lag = none ? -1 : 20,
                                  .events_per_s = 12.5,
                                  .latency_ms = 35,
                                  .dead_letters = 3,
                                  .parts = none ? sparts_nb : sparts,
                                  .nparts = 2};
    out->broker_configured = !none;
    out->bootstrap = none ? NULL : "127.0.0.1:9092";
    out->topics = none ? NULL : topics;
    out->ntopics = none ? 0 : 1;
    out->streams = si;
    out->nstreams = 1;
    return SM_OK;
}

static const sm_provider_vt_t VT = {.list_tables = list_tables,
                                    .describe_table = describe_table,
                                    .preview = preview,
                                    .query = query,
                                    .dashboard = dashboard,
                                    .stream_status = stream_status,
                                    .runs = runs,
                                    .gauges = gauges,
                                    .data_version = data_version,
                                    .streams = streams};

fake_t *fake_new(void)
{
    fake_t *f = sm_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    snprintf(f->state, sizeof f->state, "idle");
    f->version = 1;
    return f;
}

void fake_free(fake_t *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    sm_free(f);
}

sm_provider_t fake_provider(fake_t *f)
{
    return (sm_provider_t){&VT, f};
}

void fake_add_live(fake_t *f, const char *country, double amount)
{
    pthread_mutex_lock(&f->mu);
    size_t i = 0;
    while (i < f->nlive && strcmp(f->live_label[i], country) != 0)
        i++;
    if (i == f->nlive && f->nlive < MAX_LIVE) {
        snprintf(f->live_label[i], sizeof f->live_label[i], "%s", country);
        f->live_value[i] = 0;
        f->live_count[i] = 0;
        f->nlive++;
    }
    if (i < f->nlive) {
        f->live_value[i] += amount;
        f->live_count[i] += 1;
    }
    f->events++;
    f->version++;
    snprintf(f->state, sizeof f->state, "running");
    pthread_mutex_unlock(&f->mu);
}

void fake_set_state(fake_t *f, const char *state)
{
    pthread_mutex_lock(&f->mu);
    snprintf(f->state, sizeof f->state, "%s", state);
    f->version++;
    pthread_mutex_unlock(&f->mu);
}

void fake_set_empty(fake_t *f, bool empty)
{
    pthread_mutex_lock(&f->mu);
    f->empty = empty;
    f->data_version++;
    pthread_mutex_unlock(&f->mu);
}

void fake_set_broker(fake_t *f, bool configured)
{
    pthread_mutex_lock(&f->mu);
    f->no_broker = !configured;
    pthread_mutex_unlock(&f->mu);
}

void fake_set_dashboard_delay(fake_t *f, unsigned ms)
{
    pthread_mutex_lock(&f->mu);
    f->dash_delay_ms = ms;
    pthread_mutex_unlock(&f->mu);
}

unsigned fake_dashboard_calls(fake_t *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned n = f->dash_calls;
    pthread_mutex_unlock(&f->mu);
    return n;
}
