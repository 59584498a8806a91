/*
 * tests/connect/pg_check — the PostgreSQL source against a real server
 * (run by tests/connect/test_pg.sh, which starts PostgreSQL, loads
 * Northwind and sets PG*).  Every value smelt decodes is compared with
 * PostgreSQL's own text rendering (read with plain libpq in text mode) or
 * with aggregates PostgreSQL computes.  Prints "N passed, N failed".
 *
 * Usage: pg_check [PSQL_COPY_SECONDS]   (for the speed comparison line)
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "columnar/text.h"
#include "connect/pg.h"
#include "core/buf.h"
#include "core/mem.h"

static int passed, failed;

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static PGconn *ref; /* plain libpq, text mode: the reference */

static PGresult *ref_query(const char *sql)
{
    PGresult *r = PQexec(ref, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "reference query failed: %s: %s", sql, PQerrorMessage(ref));
        failed++;
    }
    return r;
}

/* One text value of the reference (owned copy; NULL for SQL NULL). */
static char *ref_value(const char *sql)
{
    PGresult *r = ref_query(sql);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The resident set size now, in KiB (Linux /proc). */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * 4;
}

/* ---- collecting batches ------------------------------------------------ */

typedef struct collect {
    sm_batch_t *all;
    int batches;
} collect_t;

static sm_err_t collect_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    collect_t *c = ud;
    c->batches++;
    if (!c->all && sm_batch_new(b->schema, 0, &c->all, e))
        return e->code;
    for (size_t i = 0; i < b->ncols; i++) {
        sm_err_t rc = sm_vector_append_range(c->all->cols[i], b->cols[i], 0, b->nrows, e);
        if (rc)
            return rc;
    }
    return sm_batch_sync(c->all, e);
}

/* ---- comparing a decoded value with PostgreSQL's text -------------------- */

/* Splits a one-dimensional array text "{a,"b c",NULL}" into elements
 * (unquoted; NULL pointers for NULL).  Returns the count or -1. */
static int split_array(const char *s, char **out, int max)
{
    if (*s != '{')
        return -1;
    s++;
    int n = 0;
    if (*s == '}')
        return 0;
    for (;;) {
        if (n >= max)
            return -1;
        char buf[4096];
        size_t o = 0;
        bool quoted = false;
        if (*s == '"') {
            quoted = true;
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1])
                    s++;
                if (o + 1 < sizeof buf)
                    buf[o++] = *s;
            }
            if (*s == '"')
                s++;
        } else {
            for (; *s && *s != ',' && *s != '}'; s++)
                if (o + 1 < sizeof buf)
                    buf[o++] = *s;
        }
        buf[o] = '\0';
        out[n++] = !quoted && strcmp(buf, "NULL") == 0 ? NULL : strdup(buf);
        if (*s == ',') {
            s++;
            continue;
        }
        return *s == '}' ? n : -1;
    }
}

static bool float_eq(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

/* Does row i of v equal PostgreSQL's text pg (NULL = SQL NULL)?  On a
 * mismatch, why holds our rendering. */
static bool cell_eq(const sm_vector_t *v, size_t i, const char *pg, char *why, size_t cap)
{
    bool null = sm_vector_is_null(v, i);
    if (!pg || null) {
        snprintf(why, cap, "%s", null ? "NULL" : "(a value)");
        return !pg && null;
    }
    char buf[SM_FMT_TIMESTAMP_MAX + SM_FMT_DECIMAL_MAX];
    const sm_type_t *t = v->type;
    switch (t->kind) {
    case SM_TYPE_BOOL:
        snprintf(why, cap, "%s", sm_vector_get_bool(v, i) ? "t" : "f");
        return strcmp(why, pg) == 0;
    case SM_TYPE_INT16:
    case SM_TYPE_INT32:
    case SM_TYPE_INT64: {
        long long x = t->kind == SM_TYPE_INT16   ? sm_vector_get_i16(v, i)
                      : t->kind == SM_TYPE_INT32 ? sm_vector_get_i32(v, i)
                                                 : sm_vector_get_i64(v, i);
        snprintf(why, cap, "%lld", x);
        return strcmp(why, pg) == 0;
    }
    case SM_TYPE_FLOAT32: {
        float x = sm_vector_get_f32(v, i);
        snprintf(why, cap, "%.9g", (double)x);
        return float_eq(x, strtof(pg, NULL));
    }
    case SM_TYPE_FLOAT64: {
        double x = sm_vector_get_f64(v, i);
        snprintf(why, cap, "%.17g", x);
        return float_eq(x, strtod(pg, NULL));
    }
    case SM_TYPE_DECIMAL: {
        sm_i128 want;
        sm_fmt_decimal(sm_vector_get_i128(v, i), t->scale, buf);
        snprintf(why, cap, "%s", buf);
        if (sm_parse_decimal(pg, strlen(pg), t->precision, t->scale, &want, NULL))
            return false;
        return want == sm_vector_get_i128(v, i);
    }
    case SM_TYPE_STRING: {
        size_t n;
        const char *s = sm_vector_get_str(v, i, &n);
        snprintf(why, cap, "%.*s", (int)n, s);
        return strlen(pg) == n && memcmp(pg, s, n) == 0;
    }
    case SM_TYPE_BINARY: {
        size_t n, o = 2;
        const uint8_t *p = sm_vector_get_bytes(v, i, &n);
        char hex[8192] = "\\x";
        for (size_t k = 0; k < n && o + 3 < sizeof hex; k++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", p[k]);
        snprintf(why, cap, "%s", hex);
        return strcmp(hex, pg) == 0;
    }
    case SM_TYPE_DATE:
        sm_fmt_date(sm_vector_get_i32(v, i), buf);
        snprintf(why, cap, "%s", buf);
        return strcmp(buf, pg) == 0;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        sm_fmt_timestamp(sm_vector_get_i64(v, i), SM_TS_TEXT, buf);
        snprintf(why, cap, "%s", buf);
        size_t n = strlen(pg);
        if (n > 3 && strcmp(pg + n - 3, "+00") == 0)
            n -= 3;
        return strlen(buf) == n && memcmp(buf, pg, n) == 0;
    }
    case SM_TYPE_LIST: {
        char *el[256];
        int n = split_array(pg, el, 256);
        size_t s, e;
        sm_vector_list_range(v, i, &s, &e);
        bool ok = n >= 0 && (size_t)n == e - s;
        snprintf(why, cap, "array of %zu elements", e - s);
        for (int k = 0; k < n; k++) {
            if (ok && !cell_eq(sm_vector_child(v, 0), s + (size_t)k, el[k], why, cap))
                ok = false;
            free(el[k]);
        }
        return ok;
    }
    default:
        snprintf(why, cap, "kind %d not compared", (int)t->kind);
        return false;
    }
}

/* Reads sql with smelt (sm_pg_read_query) and with plain libpq in text
 * mode, and compares every value.  Returns the decoded row count. */
static size_t compare_query(sm_pg_conn_t *c, const char *sql, const char *what)
{
    collect_t col = {0};
    sm_pg_read_result_t res;
    sm_error_t e;
    sm_err_t rc = sm_pg_read_query(c, sql, what, NULL, collect_cb, &col, &res, &e);
    EXPECT(rc == SM_OK, "%s: %s", what, e.msg);
    PGresult *r = ref_query(sql);
    size_t rows = 0;
    if (!rc && col.all && PQresultStatus(r) == PGRES_TUPLES_OK) {
        EXPECT((size_t)PQntuples(r) == col.all->nrows, "%s: %d rows vs %zu", what, PQntuples(r),
               col.all->nrows);
        EXPECT((size_t)PQnfields(r) == col.all->ncols, "%s: columns", what);
        int bad = 0;
        for (size_t row = 0; row < col.all->nrows && row < (size_t)PQntuples(r); row++) {
            for (size_t k = 0; k < col.all->ncols; k++) {
                const char *pg =
                    PQgetisnull(r, (int)row, (int)k) ? NULL : PQgetvalue(r, (int)row, (int)k);
                char why[8192];
                if (!cell_eq(col.all->cols[k], row, pg, why, sizeof why)) {
                    if (bad++ < 10)
                        fprintf(stderr, "  %s row %zu column %s: smelt %s, PostgreSQL %s\n", what,
                                row + 1, PQfname(r, (int)k), why, pg ? pg : "NULL");
                }
            }
        }
        EXPECT(bad == 0, "%s: %d values differ", what, bad);
        rows = col.all->nrows;
    } else if (!rc && !col.all) {
        EXPECT(PQntuples(r) == 0, "%s: no batches but %d rows", what, PQntuples(r));
    }
    PQclear(r);
    sm_batch_free(col.all);
    sm_pg_read_result_free(&res);
    return rows;
}

/* ---- Northwind ------------------------------------------------------------- */

typedef struct stats {
    uint64_t rows;
    size_t ncols;
    uint64_t nonnull[64];
    double sum[64];   /* numeric kinds, dates (days), lengths */
    double price_qty; /* order_details: sum(unit_price * quantity) */
    int price, qty;   /* column indexes, -1 if absent */
} stats_t;

static sm_err_t stats_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    stats_t *s = ud;
    s->ncols = b->ncols;
    for (size_t k = 0; k < b->ncols && k < 64; k++) {
        const sm_vector_t *v = b->cols[k];
        for (size_t i = 0; i < b->nrows; i++) {
            if (sm_vector_is_null(v, i))
                continue;
            s->nonnull[k]++;
            size_t n;
            switch (v->type->kind) {
            case SM_TYPE_INT16:
                s->sum[k] += sm_vector_get_i16(v, i);
                break;
            case SM_TYPE_INT32:
            case SM_TYPE_DATE:
                s->sum[k] += sm_vector_get_i32(v, i);
                break;
            case SM_TYPE_INT64:
                s->sum[k] += (double)sm_vector_get_i64(v, i);
                break;
            case SM_TYPE_FLOAT32:
                s->sum[k] += sm_vector_get_f32(v, i);
                break;
            case SM_TYPE_FLOAT64:
                s->sum[k] += sm_vector_get_f64(v, i);
                break;
            case SM_TYPE_STRING:
            case SM_TYPE_BINARY:
                sm_vector_get_bytes(v, i, &n);
                s->sum[k] += (double)n;
                break;
            default:
                break;
            }
        }
    }
    if (s->price >= 0)
        for (size_t i = 0; i < b->nrows; i++)
            s->price_qty += (double)sm_vector_get_f32(b->cols[s->price], i) *
                            sm_vector_get_i16(b->cols[s->qty], i);
    s->rows += b->nrows;
    (void)e;
    return SM_OK;
}

static void check_northwind_table(sm_pg_conn_t *c, const char *table, uint64_t want_rows)
{
    stats_t s;
    memset(&s, 0, sizeof s);
    s.price = s.qty = -1;
    if (!strcmp(table, "order_details")) {
        s.price = 2;
        s.qty = 3;
    }
    sm_pg_read_result_t res;
    sm_error_t e;
    sm_err_t rc = sm_pg_read_table(c, table, NULL, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_OK, "read %s: %s", table, e.msg);
    if (rc)
        return;
    EXPECT(res.rows == want_rows && s.rows == want_rows, "%s: %llu rows, want %llu", table,
           (unsigned long long)res.rows, (unsigned long long)want_rows);
    /* Per column: count(col) and a sum PostgreSQL computes. */
    for (size_t k = 0; k < res.schema->ncols; k++) {
        const sm_pg_column_t *pc = &res.schema->cols[k];
        const sm_type_t *t = res.schema->type->fields[k].type;
        const char *agg;
        switch (t->kind) {
        case SM_TYPE_STRING:
        case SM_TYPE_BINARY:
            agg = "sum(octet_length(%s))";
            break;
        case SM_TYPE_DATE:
            agg = "sum(%s - DATE '1970-01-01')";
            break;
        default:
            agg = "sum(%s::float8)";
        }
        char q[512], a[128], ident[128];
        snprintf(ident, sizeof ident, "\"%s\"", pc->name);
        snprintf(a, sizeof a, agg, ident);
        snprintf(q, sizeof q, "SELECT count(%s)::text || ' ' || coalesce(%s, 0)::text FROM %s",
                 ident, a, table);
        char *got = ref_value(q);
        unsigned long long cnt = 0;
        double sum = 0;
        if (got)
            sscanf(got, "%llu %lf", &cnt, &sum);
        EXPECT(cnt == s.nonnull[k], "%s.%s: count %llu vs smelt %llu", table, pc->name, cnt,
               (unsigned long long)s.nonnull[k]);
        EXPECT(fabs(sum - s.sum[k]) <= 1e-9 * fabs(sum) + 1e-6, "%s.%s: sum %.17g vs smelt %.17g",
               table, pc->name, sum, s.sum[k]);
        free(got);
    }
    if (s.price >= 0) {
        char *got = ref_value("SELECT sum(unit_price::float8 * quantity) FROM order_details");
        double want = got ? strtod(got, NULL) : -1;
        EXPECT(fabs(want - s.price_qty) <= 1e-9 * want, "sum(unit_price*quantity) %.17g vs %.17g",
               want, s.price_qty);
        printf("order_details: sum(unit_price*quantity) = %.2f (PostgreSQL %.2f)\n", s.price_qty,
               want);
        free(got);
    }
    sm_pg_read_result_free(&res);
}

static void check_northwind(sm_pg_conn_t *c)
{
    static const struct {
        const char *table;
        uint64_t rows;
    } tables[] = {{"orders", 830},   {"order_details", 2155}, {"products", 77},
                  {"customers", 91}, {"employees", 9},        {"categories", 8}};
    for (size_t i = 0; i < 6; i++) {
        check_northwind_table(c, tables[i].table, tables[i].rows);
        char q[128];
        snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY 1, 2", tables[i].table);
        size_t n = compare_query(c, q, tables[i].table);
        EXPECT(n == tables[i].rows, "%s: every value compared (%zu rows)", tables[i].table, n);
    }
    /* Table reads keep NOT NULL; names and types come through. */
    collect_t col = {0};
    sm_pg_read_result_t res;
    sm_error_t e;
    sm_err_t rc = sm_pg_read_table(c, "public.orders", NULL, collect_cb, &col, &res, &e);
    EXPECT(rc == SM_OK, "public.orders: %s", e.msg);
    if (!rc) {
        char tn[1024];
        sm_type_name(res.schema->type, tn, sizeof tn);
        EXPECT(strncmp(tn,
                       "struct<order_id:smallint,customer_id:string,employee_id:smallint,"
                       "order_date:date,",
                       60) == 0,
               "orders schema %s", tn);
        EXPECT(!res.schema->type->fields[0].nullable && res.schema->type->fields[1].nullable,
               "orders nullability");
        EXPECT(col.batches == 1, "830 rows in one batch (%d)", col.batches);
        /* Known values of order 10248. */
        sm_batch_t *b = col.all;
        bool found = false;
        for (size_t i = 0; b && i < b->nrows; i++) {
            if (sm_vector_get_i16(b->cols[0], i) != 10248)
                continue;
            found = true;
            size_t n;
            const char *cust = sm_vector_get_str(b->cols[1], i, &n);
            EXPECT(n == 5 && !memcmp(cust, "VINET", 5), "order 10248 customer");
            char d[SM_FMT_DATE_MAX];
            sm_fmt_date(sm_vector_get_i32(b->cols[3], i), d);
            EXPECT(!strcmp(d, "1996-07-04"), "order 10248 date %s", d);
            EXPECT(sm_vector_get_f32(b->cols[7], i) == 32.38f, "order 10248 freight");
        }
        EXPECT(found, "order 10248 present");
    }
    sm_batch_free(col.all);
    sm_pg_read_result_free(&res);
}

/* ---- incremental reads --------------------------------------------------- */

static void check_incremental(sm_pg_conn_t *c)
{
    sm_pg_read_opts_t o = {.max_column = "order_id"};
    sm_pg_read_result_t res;
    sm_error_t e;
    stats_t s = {.price = -1};
    sm_err_t rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_OK && res.rows == 830, "full read with high-water mark: %s", e.msg);
    EXPECT(res.max_value && !strcmp(res.max_value, "11077"), "max %s", res.max_value);
    sm_pg_read_result_free(&res);

    o.filter_column = "order_id";
    o.filter_value = "11000";
    memset(&s, 0, sizeof s);
    s.price = -1;
    rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    char *want = ref_value("SELECT count(*) FROM orders WHERE order_id > 11000");
    EXPECT(rc == SM_OK && want && res.rows == strtoull(want, NULL, 10),
           "incremental rows %llu vs %s: %s", (unsigned long long)res.rows, want, e.msg);
    EXPECT(res.max_value && !strcmp(res.max_value, "11077"), "incremental max %s", res.max_value);
    free(want);
    sm_pg_read_result_free(&res);

    /* A watermark on a date column, and nothing new. */
    o.filter_column = o.max_column = "order_date";
    o.filter_value = "1998-05-06";
    rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_OK && res.rows == 0 && res.max_value == NULL, "nothing after the last date");
    sm_pg_read_result_free(&res);
    o.filter_value = "1998-05-01";
    rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_OK && res.rows > 0 && res.max_value && !strcmp(res.max_value, "1998-05-06"),
           "date watermark: %s", rc ? e.msg : res.max_value);
    sm_pg_read_result_free(&res);

    /* A query source with a filter (wrapped as a subquery). */
    o.filter_column = o.max_column = "n";
    o.filter_value = "7";
    rc = sm_pg_read_query(c, "SELECT generate_series(1, 10) AS n;", "gs", &o, stats_cb, &s, &res,
                          &e);
    EXPECT(rc == SM_OK && res.rows == 3 && res.max_value && !strcmp(res.max_value, "10"),
           "query watermark: %s", e.msg);
    sm_pg_read_result_free(&res);

    /* Identifiers and literals cannot inject SQL. */
    o.filter_column = "order_id\" > 0 OR \"order_id";
    o.max_column = NULL;
    o.filter_value = "0";
    rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "does not exist"), "quoted identifier: %s", e.msg);
    o.filter_column = "order_id";
    o.filter_value = "0' OR '1'='1";
    rc = sm_pg_read_table(c, "orders", &o, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "invalid input syntax"), "quoted literal: %s",
           e.msg);
    rc = sm_pg_read_table(c, "orders; DROP TABLE orders", NULL, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_ERR_INVALID, "quoted table name: %s", e.msg);
    rc = sm_pg_read_table(c, "no_such_table", NULL, stats_cb, &s, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "no_such_table"), "missing table: %s", e.msg);
    EXPECT(res.schema == NULL && res.rows == 0, "failed read leaves an empty result");
}

/* ---- the SQL console ------------------------------------------------------- */

static void check_console(sm_pg_conn_t *c)
{
    collect_t col = {0};
    sm_pg_read_result_t res;
    sm_error_t e;
    sm_err_t rc = sm_pg_query_batches(c, "SELECT * FROM orders ORDER BY order_id ;\n", 10,
                                      collect_cb, &col, &res, &e);
    EXPECT(rc == SM_OK && res.rows == 10 && col.all && col.all->nrows == 10, "console: %s", e.msg);
    if (col.all)
        EXPECT(sm_vector_get_i16(col.all->cols[0], 0) == 10248, "console order");
    sm_batch_free(col.all);
    sm_pg_read_result_free(&res);
    rc = sm_pg_query_batches(c, "DELETE FROM orders RETURNING order_id", 0, NULL, NULL, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "read-only"), "console refuses writes: %s", e.msg);
    rc = sm_pg_query_batches(c, "SELECT 1; DROP TABLE orders", 0, NULL, NULL, &res, &e);
    EXPECT(rc == SM_ERR_INVALID, "console refuses two statements: %s", e.msg);
    rc = sm_pg_query_batches(c, "SELECT 1) TO STDOUT; DROP TABLE orders; COPY (SELECT 1", 0, NULL,
                             NULL, &res, &e);
    EXPECT(rc == SM_ERR_INVALID, "console cannot break out of COPY: %s", e.msg);
    char *n = ref_value("SELECT count(*) FROM orders");
    EXPECT(n && !strcmp(n, "830"), "orders untouched (%s)", n);
    free(n);
    rc = sm_pg_query_batches(c, "SELECT 1/0 AS x", 0, NULL, NULL, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "division by zero"), "server error: %s", e.msg);
    rc = sm_pg_query_batches(c, "SELEC 1", 0, NULL, NULL, &res, &e);
    EXPECT(rc == SM_ERR_INVALID && strstr(e.msg, "syntax error"), "syntax error: %s", e.msg);
    /* The connection is still usable after errors. */
    rc = sm_pg_query_batches(c, "SELECT 42 AS answer", 0, NULL, NULL, &res, &e);
    EXPECT(rc == SM_OK && res.rows == 1, "usable after errors: %s", e.msg);
    sm_pg_read_result_free(&res);
}

/* ---- every supported type -------------------------------------------------- */

static const char *alltypes_sql =
    "DROP TABLE IF EXISTS smelt_alltypes; DROP TYPE IF EXISTS smelt_mood CASCADE;"
    "DROP DOMAIN IF EXISTS smelt_posint CASCADE; DROP DOMAIN IF EXISTS smelt_money CASCADE;"
    "DROP DOMAIN IF EXISTS smelt_tags CASCADE;"
    "CREATE TYPE smelt_mood AS ENUM ('sad', 'ok', 'very happy');"
    "CREATE DOMAIN smelt_posint AS integer CHECK (VALUE > 0);"
    "CREATE DOMAIN smelt_money AS numeric(12,2);"
    "CREATE DOMAIN smelt_tags AS text[];"
    "CREATE TABLE smelt_alltypes (id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8,"
    " f4 float4, f8 float8, n102 numeric(10,2), n380 numeric(38,0), nfree numeric,"
    " n3810 numeric(38,10), nneg numeric(5,-2), t text, vc varchar(10), bc char(5), nm name,"
    " ch \"char\", o oid, by bytea, d date, tm time, ts timestamp, tz timestamptz, u uuid,"
    " j json, jb jsonb, m smelt_mood, dp smelt_posint, dm smelt_money, dt smelt_tags,"
    " a_i4 int4[], a_i8 int8[], a_t text[], a_n numeric(6,2)[], a_d date[], a_m smelt_mood[],"
    " a_b bool[], a_f8 float8[], a_f4 float4[], a_tz timestamptz[], a_u uuid[],"
    " a_dp smelt_posint[], a_jb jsonb[], a_by bytea[], a_tm time[], a_vc varchar(3)[]);"
    "INSERT INTO smelt_alltypes VALUES"
    " (1, true, 12, 1234, 123456789012, 1.5, 3.141592653589793, 12345678.91, 42, 3.14159,"
    "  -0.0000000001, 12300, 'hello', 'varchar', 'ab', 'pg_name', 'x', 4000000000, '\\x00ff10',"
    "  '2024-02-29', '12:34:56.789', '2024-02-29 12:34:56.123456', '2024-02-29 23:00:00+05',"
    "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2,  3]}', '{\"k\": [1, 2, 3], \"a\": "
    "null}',"
    "  'very happy', 7, 1234567890.12, '{x,y}',"
    "  '{1,NULL,3}', '{-9223372036854775808,9223372036854775807}', "
    "'{a,\"b,c\",\"\",NULL,\"NULL\",\"q\\\"uote\",\"back\\\\slash\",\" sp \"}',"
    "  '{1.25,NULL,-9999.99}', '{2000-01-01,NULL,1970-01-01}', '{sad,\"very happy\"}',"
    "  '{t,f,NULL}', '{1.5,NaN,Infinity,-Infinity,-0,1e300,5e-324}', '{1.5,3.4028235e38,1e-45}',"
    "  '{\"2024-01-01 00:00:00+00\",NULL}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{1,2}',"
    "  '{\"{}\",\"[1, \\\"x\\\"]\"}', '{\"\\\\x00\",NULL}', '{00:00:00,24:00:00,23:59:59.999999}', "
    "'{abc,\"a \"}'),"
    " (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL),"
    " (3, false, -32768, -2147483648, -9223372036854775808, '-Infinity', 'NaN', -99999999.99,"
    "  -99999999999999999999999999999999999999, 99999999999999999999.999999999999999999,"
    "  9999999999999999999999999999.9999999999, -9999900, '', '', '', '', '', 0, '',"
    "  '0001-01-01', '00:00:00', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00',"
    "  '00000000-0000-0000-0000-000000000000', 'null', '[]', 'sad', 1, -0.01, '{}',"
    "  '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', "
    "'{}'),"
    " (4, true, 32767, 2147483647, 9223372036854775807, 'Infinity', '-0', 0.00, 0,"
    "  -0.000000000000000001, 0.0000000001, 0, E'unicod\\u00e9 \\U0001F600 \\t tab\\nnewline',"
    "  'exactly10c', 'abcde', repeat('n', 63), 'z', 4294967295, decode(repeat('ab', 1000), 'hex'),"
    "  '9999-12-31', '24:00:00', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00',"
    "  'ffffffff-ffff-ffff-ffff-ffffffffffff', '\"s\"', '{\"deep\": {\"x\": [true, false, null]}}',"
    "  'ok', 2147483647, 9999999999.99, '{NULL}',"
    "  '{NULL,NULL}', NULL, '{NULL}', '{0}', '{9999-12-31}', '{ok}', '{NULL}', '{0}', '{0}',"
    "  '{\"9999-12-31 23:59:59.999999+00\"}', '{NULL}', '{NULL}', '{null}', '{\"\"}', '{NULL}', "
    "'{\"\"}'),"
    " (5, false, 0, 0, 0, 1e-45, 2.2250738585072014e-308, 0.01, 1, 1e-18, 0.00000000005,"
    "  -100, repeat('long ', 20000), NULL, ' ', NULL, '\\200', NULL, NULL, '1970-01-01',"
    "  '00:00:00.000001', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00',"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";

static void check_alltypes(sm_pg_conn_t *c)
{
    sm_error_t e;
    sm_err_t rc = sm_pg_exec(c, alltypes_sql, &e);
    EXPECT(rc == SM_OK, "create alltypes: %s", e.msg);
    if (rc)
        return;
    size_t n = compare_query(c, "SELECT * FROM smelt_alltypes ORDER BY id", "smelt_alltypes");
    EXPECT(n == 5, "alltypes rows %zu", n);

    /* The mapped schema. */
    sm_pg_schema_t *s = NULL;
    rc = sm_pg_describe(c, "SELECT * FROM smelt_alltypes", &s, &e);
    EXPECT(rc == SM_OK, "describe alltypes: %s", e.msg);
    if (!rc) {
        char tn[2048];
        sm_type_name(s->type, tn, sizeof tn);
        const char *want =
            "struct<id:int,b:boolean,i2:smallint,i4:int,i8:bigint,f4:float,f8:double,"
            "n102:decimal(10,2),n380:decimal(38,0),nfree:decimal(38,18),n3810:decimal(38,10),"
            "nneg:decimal(7,0),t:string,vc:string,bc:string,nm:string,ch:string,o:bigint,"
            "by:binary,d:date,tm:string,ts:timestamp,tz:timestamp,u:string,j:string,jb:string,"
            "m:string,dp:int,dm:decimal(12,2),dt:array<string>,a_i4:array<int>,"
            "a_i8:array<bigint>,a_t:array<string>,a_n:array<decimal(6,2)>,a_d:array<date>,"
            "a_m:array<string>,a_b:array<boolean>,a_f8:array<double>,a_f4:array<float>,"
            "a_tz:array<timestamp>,a_u:array<string>,a_dp:array<int>,a_jb:array<string>,"
            "a_by:array<binary>,a_tm:array<string>,a_vc:array<string>>";
        EXPECT(strcmp(tn, want) == 0, "alltypes schema\n  got  %s\n  want %s", tn, want);
        EXPECT(s->cols[26].kind == SM_PG_TEXT && strcmp(s->cols[26].type_name, "smelt_mood") == 0,
               "enum type name %s", s->cols[26].type_name);
        sm_pg_schema_free(s);
    }
    /* timestamp_ntz on request. */
    sm_pg_conn_opts_t o = {.types = {true, 0, -1}};
    sm_pg_conn_t *c2 = NULL;
    rc = sm_pg_connect(NULL, &o, &c2, &e);
    EXPECT(rc == SM_OK, "second connection: %s", e.msg);
    if (!rc) {
        rc = sm_pg_describe(c2, "SELECT ts, tz FROM smelt_alltypes", &s, &e);
        EXPECT(rc == SM_OK && s->type->fields[0].type->kind == SM_TYPE_TIMESTAMP &&
                   s->type->fields[1].type->kind == SM_TYPE_TIMESTAMP_TZ,
               "timestamp_ntz mapping");
        sm_pg_schema_free(s);
        sm_pg_close(c2);
    }

    /* Values that cannot be stored: clear errors naming column and row. */
    static const struct {
        const char *sql, *needle1, *needle2;
        sm_err_t code;
    } bad[] = {
        {"SELECT x FROM (VALUES (1.5::numeric), ('NaN'::numeric)) v(x)", "\"x\" row 2", "NaN",
         SM_ERR_UNSUPPORTED},
        {"SELECT 'Infinity'::numeric AS x", "\"x\" row 1", "Infinity", SM_ERR_UNSUPPORTED},
        {"SELECT 1e20::numeric AS big", "\"big\" row 1", "decimal(38,18)", SM_ERR_OVERFLOW},
        {"SELECT 'infinity'::date AS d", "\"d\" row 1", "infinity", SM_ERR_UNSUPPORTED},
        {"SELECT '-infinity'::timestamptz AS t", "\"t\" row 1", "-infinity", SM_ERR_UNSUPPORTED},
        {"SELECT ARRAY[[1,2],[3,4]] AS m", "\"m\" row 1", "2-dimensional", SM_ERR_UNSUPPORTED},
        {"SELECT point(1,2) AS p", "\"p\"", "type point", SM_ERR_UNSUPPORTED},
        {"SELECT interval '1 day' AS iv", "\"iv\"", "type interval", SM_ERR_UNSUPPORTED},
        {"SELECT ARRAY[interval '1 day'] AS ivs", "\"ivs\"", "interval[]", SM_ERR_UNSUPPORTED},
        {"SELECT '12:00+02'::timetz AS tt", "\"tt\"", "time with time zone", SM_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_pg_read_result_t res;
        rc = sm_pg_read_query(c, bad[i].sql, "q", NULL, NULL, NULL, &res, &e);
        EXPECT(rc == bad[i].code && strstr(e.msg, bad[i].needle1) && strstr(e.msg, bad[i].needle2),
               "%s: got %d: %s", bad[i].sql, (int)rc, e.msg);
    }
    /* A table with an unsupported column. */
    sm_pg_exec(c, "DROP TABLE IF EXISTS smelt_geo; CREATE TABLE smelt_geo (id int, where_ point)",
               NULL);
    rc = sm_pg_read_table(c, "smelt_geo", NULL, NULL, NULL, NULL, &e);
    EXPECT(rc == SM_ERR_UNSUPPORTED && strstr(e.msg, "smelt_geo: column \"where_\"") &&
               strstr(e.msg, "point"),
           "unsupported table column: %s", e.msg);
    printf("unsupported type message: %s\n", e.msg);
}

/* ---- a million rows, bounded memory ---------------------------------------- */

typedef struct big {
    long rss_peak; /* KiB, sampled at every batch */
    uint64_t rows;
    int64_t sum;
    size_t text_bytes;
    int64_t days;
} big_t;

static sm_err_t big_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    big_t *g = ud;
    for (size_t i = 0; i < b->nrows; i++) {
        size_t n;
        g->sum += sm_vector_get_i64(b->cols[0], i);
        sm_vector_get_bytes(b->cols[2], i, &n);
        g->text_bytes += n;
        g->days += sm_vector_get_i32(b->cols[3], i);
    }
    g->rows += b->nrows;
    long rss = rss_kb();
    if (rss > g->rss_peak)
        g->rss_peak = rss;
    (void)e;
    return SM_OK;
}

static void check_big(sm_pg_conn_t *c, double psql_s)
{
    big_t g = {0};
    sm_error_t e;
    long rss0 = rss_kb();
    double t0 = now_s();
    sm_pg_read_result_t res;
    sm_err_t rc = sm_pg_read_table(c, "smelt_bench_1m", NULL, big_cb, &g, &res, &e);
    double dt = now_s() - t0;
    long grow = g.rss_peak - rss0;
    EXPECT(rc == SM_OK && g.rows == 1000000, "1M rows: %s", e.msg);
    char *want = ref_value("SELECT sum(id)::text || ' ' || sum(octet_length(s)) || ' ' || "
                           "sum(d - DATE '1970-01-01') FROM smelt_bench_1m");
    char got[128];
    snprintf(got, sizeof got, "%lld %zu %lld", (long long)g.sum, g.text_bytes, (long long)g.days);
    EXPECT(want && !strcmp(want, got), "1M sums %s vs %s", got, want);
    free(want);
    /* The rows decode to ~90 MB: holding them all would break this. */
    EXPECT(rss0 > 0 && grow < 64 * 1024, "peak RSS grew by %ld KiB streaming 1M rows", grow);
    printf("1M rows (int8, float8, text(64), date): %.2f s, %.0f rows/s, peak RSS growth %ld KiB",
           dt, 1e6 / dt, grow);
    if (psql_s > 0)
        printf("; psql \\copy (format binary) to /dev/null: %.2f s", psql_s);
    printf("\n");
    sm_pg_read_result_free(&res);
}

/* ---- a backend killed mid-COPY ---------------------------------------------- */

typedef struct killer {
    int pid;
    int batches;
    bool killed;
} killer_t;

static sm_err_t kill_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    killer_t *k = ud;
    (void)b;
    (void)e;
    if (++k->batches == 3 && !k->killed) {
        char q[128];
        snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", k->pid);
        char *v = ref_value(q);
        k->killed = v && !strcmp(v, "t");
        free(v);
    }
    return SM_OK;
}

static void check_kill(sm_pg_conn_t *c)
{
    killer_t k = {sm_pg_backend_pid(c), 0, false};
    sm_error_t e;
    sm_pg_read_result_t res;
    double t0 = now_s();
    sm_err_t rc = sm_pg_read_query(c,
                                   "SELECT g AS i, md5(g::text) AS s FROM "
                                   "(SELECT generate_series(1, 30000000) AS g) x",
                                   "big_series", NULL, kill_cb, &k, &res, &e);
    EXPECT(k.killed, "pg_terminate_backend ran");
    EXPECT(rc == SM_ERR_NETWORK, "killed backend gives a network error (%d): %s", (int)rc, e.msg);
    EXPECT(strstr(e.msg, "PostgreSQL connection lost during COPY of big_series after ") != NULL,
           "message: %s", e.msg);
    EXPECT(res.rows == 0 && res.schema == NULL, "no partial success");
    EXPECT(now_s() - t0 < 60, "the kill is noticed promptly");
    printf("killed mid-COPY: %s\n", e.msg);
    /* The dead connection fails cleanly. */
    rc = sm_pg_exec(c, "SELECT 1", &e);
    EXPECT(rc == SM_ERR_NETWORK || rc == SM_ERR_INVALID, "dead connection: %s", e.msg);
}

/* ---- the connection pool ------------------------------------------------------ */

static sm_err_t count_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    (void)e;
    *(uint64_t *)ud += b->nrows;
    return SM_OK;
}

/* Fails the read at its first batch (mid-COPY when the rows fill more
 * than one batch). */
static sm_err_t fail_cb(void *ud, sm_batch_t *b, sm_error_t *e)
{
    (void)ud;
    (void)b;
    return sm_error_set(e, SM_ERR_INVALID, "stop here");
}

/* Whether the server still shows backend pid (the pool's connection). */
static bool backend_alive(int pid)
{
    char q[160];
    snprintf(q, sizeof q, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    char *v = ref_value(q);
    bool alive = v && strcmp(v, "1") == 0;
    free(v);
    return alive;
}

/* A read of orders on a connection from the pool: its row count, or -1. */
static int64_t pooled_read(sm_pg_pool_t *pool, const char *table, bool *reused, int *pid)
{
    sm_pg_conn_t *c = NULL;
    sm_error_t e;
    uint64_t n = 0;
    if (sm_pg_pool_get(pool, NULL, NULL, &c, reused, &e)) {
        fprintf(stderr, "pool get: %s\n", e.msg);
        return -1;
    }
    *pid = sm_pg_backend_pid(c);
    sm_err_t rc = sm_pg_read_table(c, table, NULL, count_cb, &n, NULL, &e);
    sm_pg_pool_put(pool, c, rc == SM_ERR_NETWORK);
    return rc ? -1 : (int64_t)n;
}

/* One connection serves reads one after another, whatever failed in
 * between: a missing table, an error from PostgreSQL mid-COPY, a COPY the
 * caller stopped; a connection the server dropped is replaced. */
static void check_pool(void)
{
    sm_pg_pool_t *pool = NULL;
    sm_error_t e;
    if (sm_pg_pool_new(2, &pool, &e)) {
        EXPECT(0, "pool: %s", e.msg);
        return;
    }
    bool reused = true;
    int pid = 0, pid2 = 0;
    EXPECT(pooled_read(pool, "orders", &reused, &pid) == 830, "first read");
    EXPECT(!reused, "the first connection is new");
    EXPECT(pooled_read(pool, "order_details", &reused, &pid2) == 2155, "second read");
    EXPECT(reused && pid2 == pid, "the second read reuses the connection (pid %d, %d)", pid, pid2);

    /* a missing table: the read fails, the connection stays */
    EXPECT(pooled_read(pool, "no_such_table", &reused, &pid2) == -1, "missing table fails");
    EXPECT(pooled_read(pool, "products", &reused, &pid2) == 77, "read after a missing table");
    EXPECT(reused && pid2 == pid, "same connection after a missing table");

    /* PostgreSQL fails the COPY after some rows were sent (division by
     * zero at row 150,000): the transaction is rolled back, the connection
     * serves the next read */
    PQclear(ref_query("CREATE OR REPLACE VIEW smelt_pool_bad AS SELECT i, 1 / (150000 - i) AS x "
                      "FROM generate_series(1, 200000) AS i"));
    PQclear(ref_query("CREATE OR REPLACE VIEW smelt_pool_big AS SELECT i, md5(i::text) AS s "
                      "FROM generate_series(1, 1000000) AS i"));
    EXPECT(pooled_read(pool, "smelt_pool_bad", &reused, &pid2) == -1, "a COPY error fails");
    EXPECT(pooled_read(pool, "customers", &reused, &pid2) == 91, "read after a COPY error");
    EXPECT(reused && pid2 == pid, "same connection after a COPY error");

    /* the caller stops the COPY (its callback fails): abandoned, usable */
    sm_pg_conn_t *c = NULL;
    if (sm_pg_pool_get(pool, NULL, NULL, &c, &reused, &e) == SM_OK) {
        sm_err_t rc = sm_pg_read_table(c, "smelt_pool_big", NULL, fail_cb, NULL, NULL, &e);
        EXPECT(rc == SM_ERR_INVALID, "the callback's error ends the read: %s", e.msg);
        EXPECT(sm_pg_reusable(c), "a stopped COPY leaves the connection reusable");
        sm_pg_pool_put(pool, c, false);
    }
    EXPECT(pooled_read(pool, "employees", &reused, &pid2) == 9, "read after a stopped COPY");
    EXPECT(reused && pid2 == pid, "same connection after a stopped COPY");
    EXPECT(sm_pg_pool_opened(pool) == 1, "one connection for all of it (%zu)",
           sm_pg_pool_opened(pool));

    /* the server drops the connection: it is found lost when given back */
    if (sm_pg_pool_get(pool, NULL, NULL, &c, &reused, &e) == SM_OK) {
        char q[128];
        snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", sm_pg_backend_pid(c));
        free(ref_value(q));
        for (int i = 0; i < 100 && backend_alive(pid); i++)
            nanosleep(&(struct timespec){0, 20000000}, NULL);
        EXPECT(!sm_pg_reusable(c), "a terminated connection is not reusable");
        sm_pg_pool_put(pool, c, false);
    }
    EXPECT(pooled_read(pool, "categories", &reused, &pid2) == 8, "read after the kill");
    EXPECT(!reused && pid2 != pid, "a fresh connection replaces the dropped one");
    EXPECT(sm_pg_pool_opened(pool) == 2, "two connections opened (%zu)", sm_pg_pool_opened(pool));

    /* dropped while idle in the pool: the next get passes it over */
    {
        char q[160];
        snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", pid2);
        free(ref_value(q));
        for (int i = 0; i < 100 && backend_alive(pid2); i++)
            nanosleep(&(struct timespec){0, 20000000}, NULL);
        int pid3 = 0;
        EXPECT(pooled_read(pool, "orders", &reused, &pid3) == 830, "read after an idle kill");
        EXPECT(!reused && pid3 != pid2, "a fresh connection replaces the one dropped while idle");
        pid2 = pid3;
    }
    EXPECT(sm_pg_pool_opened(pool) == 3, "three connections opened (%zu)", sm_pg_pool_opened(pool));

    /* at most max_per_key of one key exist: two out, both distinct */
    sm_pg_conn_t *a = NULL, *b = NULL;
    if (!sm_pg_pool_get(pool, NULL, NULL, &a, NULL, &e) &&
        !sm_pg_pool_get(pool, NULL, NULL, &b, NULL, &e)) {
        EXPECT(a != b && sm_pg_backend_pid(a) != sm_pg_backend_pid(b), "two connections at once");
        sm_pg_pool_put(pool, a, false);
        sm_pg_pool_put(pool, b, false);
        a = b = NULL;
    }
    sm_pg_pool_put(pool, a, false);
    EXPECT(sm_pg_pool_opened(pool) == 4, "four connections opened (%zu)", sm_pg_pool_opened(pool));
    sm_pg_pool_free(pool);
    PQclear(ref_query("DROP VIEW smelt_pool_bad; DROP VIEW smelt_pool_big"));
    printf("pool: %d passed so far\n", passed);
}

/* ---- connection errors ------------------------------------------------------- */

static void check_connect_errors(void)
{
    const char *port = getenv("PGPORT");
    char ci[256];
    sm_error_t e;
    sm_pg_conn_t *c = NULL;
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%s user=postgres dbname=app password=Wr0ngPass_7x",
             port);
    sm_err_t rc = sm_pg_connect(ci, NULL, &c, &e);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%s/app", port);
    EXPECT(rc == SM_ERR_NETWORK && c == NULL, "wrong password refused: %s", e.msg);
    EXPECT(!strstr(e.msg, "Wr0ngPass_7x"), "no password in: %s", e.msg);
    EXPECT(strstr(e.msg, where) && strstr(e.msg, "password authentication failed"),
           "names where and why: %s", e.msg);
    EXPECT(!e.retriable, "a wrong password is not retriable");
    printf("wrong password: %s\n", e.msg);
    snprintf(ci, sizeof ci, "postgresql://postgres:Wr0ngPass_7x@127.0.0.1:%s/app", port);
    rc = sm_pg_connect(ci, NULL, &c, &e);
    EXPECT(rc == SM_ERR_NETWORK && !strstr(e.msg, "Wr0ngPass_7x"), "URI: %s", e.msg);
    char scrubbed[256];
    sm_pg_scrub_conninfo(ci, scrubbed, sizeof scrubbed);
    EXPECT(!strstr(scrubbed, "Wr0ngPass_7x"), "scrubbed %s", scrubbed);
    /* The password from the environment. */
    char *saved = strdup(getenv("PGPASSWORD") ? getenv("PGPASSWORD") : "");
    setenv("PGPASSWORD", "Wr0ngEnvPass_9", 1);
    rc = sm_pg_connect(NULL, NULL, &c, &e);
    EXPECT(rc == SM_ERR_NETWORK && !strstr(e.msg, "Wr0ngEnvPass_9"), "env: %s", e.msg);
    setenv("PGPASSWORD", saved, 1);
    free(saved);
    /* No such database. */
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%s dbname=nope_db", port);
    rc = sm_pg_connect(ci, NULL, &c, &e);
    EXPECT(rc == SM_ERR_NETWORK && strstr(e.msg, "nope_db"), "no database: %s", e.msg);
    /* The session settings. */
    rc = sm_pg_connect(NULL, NULL, &c, &e);
    EXPECT(rc == SM_OK, "env connection: %s", e.msg);
    if (!rc) {
        sm_pg_read_result_t res;
        collect_t col = {0};
        rc = sm_pg_query_batches(c,
                                 "SELECT current_setting('application_name') || ',' || "
                                 "current_setting('client_encoding') || ',' || "
                                 "current_setting('DateStyle') || ',' || "
                                 "current_setting('TimeZone') || ',' || "
                                 "current_setting('extra_float_digits') AS s",
                                 0, collect_cb, &col, &res, &e);
        size_t n = 0;
        const char *s = rc || !col.all ? "" : sm_vector_get_str(col.all->cols[0], 0, &n);
        EXPECT(n && !strncmp(s, "smelt,UTF8,ISO, MDY,UTC,3", n), "settings %.*s", (int)n, s);
        sm_batch_free(col.all);
        sm_pg_read_result_free(&res);
        sm_pg_close(c);
    }
}

int main(int argc, char **argv)
{
    double psql_s = argc > 1 ? atof(argv[1]) : 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    ref = PQconnectdb("connect_timeout=10");
    if (PQstatus(ref) != CONNECTION_OK) {
        fprintf(stderr, "reference connection failed: %s", PQerrorMessage(ref));
        return 1;
    }
    PQclear(PQexec(ref, "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET extra_float_digits = 3;"
                        "SET bytea_output = 'hex'"));
    sm_pg_conn_t *c = NULL;
    sm_error_t e;
    if (sm_pg_connect(NULL, NULL, &c, &e)) {
        fprintf(stderr, "connect: %s\n", e.msg);
        return 1;
    }
    printf("connected to %s\n", sm_pg_where(c));
    check_northwind(c);
    check_incremental(c);
    check_console(c);
    check_alltypes(c);
    check_big(c, psql_s);
    check_kill(c);
    sm_pg_close(c);
    check_pool();
    check_connect_errors();
    PQfinish(ref);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
