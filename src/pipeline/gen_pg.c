/* pipeline/gen_pg — generated tables into PostgreSQL through COPY (text
 * format), all six in one transaction (see gen.h).  Uses libpq directly:
 * connect/pg reads; this is the one place that writes. */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "pipeline/gen.h"

/* COPY data is sent in chunks of about this size. */
#define COPY_CHUNK ((size_t)1 << 20)

/* libpq's message for the last failure, without its trailing newline. */
static sm_err_t pg_fail(PGconn *c, sm_error_t *e, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    sm_err_t code = PQstatus(c) == CONNECTION_OK ? SM_ERR_INVALID : SM_ERR_NETWORK;
    return sm_error_set(e, code, "PostgreSQL %s@%s:%s: %s: %s", PQdb(c) ? PQdb(c) : "",
                        PQhost(c) ? PQhost(c) : "", PQport(c) ? PQport(c) : "", what, msg);
}

/* "relation ... already exists, skipping" and the like: not for the
 * terminal. */
static void ignore_notice(void *arg, const char *msg)
{
    (void)arg, (void)msg;
}

static sm_err_t exec(PGconn *c, const char *sql, const char *what, sm_error_t *e)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? SM_OK : pg_fail(c, e, what);
}

/* The first cell of a one-row query, copied into out; "" for no row. */
static sm_err_t query1(PGconn *c, const char *sql, char *out, size_t cap, sm_error_t *e)
{
    PGresult *r = PQexec(c, sql);
    sm_err_t rc = SM_OK;
    out[0] = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pg_fail(c, e, sql);
    else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

/* Creates absent tables, widens order_id when needed, empties or checks. */
static sm_err_t prepare(PGconn *c, const sm_gen_opts_t *o, bool replace, sm_error_t *e)
{
    sm_buf_t sql = SM_BUF_INIT;
    char val[64];
    sm_err_t rc = SM_OK;
    for (int t = 0; !rc && t < SM_GEN_NTABLES; t++) {
        sm_buf_reset(&sql);
        if (!(rc = sm_gen_ddl((sm_gen_table_t)t, o->scale, &sql, e)))
            rc = exec(c, (const char *)sql.data, "creating the Northwind tables", e);
    }
    static const char *const with_order_id[] = {"orders", "order_details"};
    for (int i = 0; !rc && sm_gen_wide_ids(o->scale) && i < 2; i++) {
        sm_buf_reset(&sql);
        rc = sm_buf_printf(&sql, e,
                           "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = '%s'::regclass AND attname = 'order_id'",
                           with_order_id[i]);
        if (!rc)
            rc = query1(c, (const char *)sql.data, val, sizeof val, e);
        if (!rc && strcmp(val, "smallint") == 0) {
            sm_buf_reset(&sql);
            if (!(rc = sm_buf_printf(&sql, e, "ALTER TABLE %s ALTER COLUMN order_id TYPE integer",
                                     with_order_id[i])))
                rc = exec(c, (const char *)sql.data, "widening order_id to integer", e);
        }
    }
    if (!rc && replace)
        rc = exec(c,
                  "TRUNCATE categories, products, employees, customers, orders, order_details "
                  "CASCADE",
                  "emptying the Northwind tables", e);
    for (int t = 0; !rc && !replace && t < SM_GEN_NTABLES; t++) {
        sm_buf_reset(&sql);
        rc = sm_buf_printf(&sql, e, "SELECT EXISTS (SELECT 1 FROM %s)",
                           sm_gen_table_name((sm_gen_table_t)t));
        if (!rc)
            rc = query1(c, (const char *)sql.data, val, sizeof val, e);
        if (!rc && strcmp(val, "t") == 0)
            rc = sm_error_set(e, SM_ERR_EXISTS,
                              "PostgreSQL table %s already has rows (--replace empties it)",
                              sm_gen_table_name((sm_gen_table_t)t));
    }
    sm_buf_free(&sql);
    return rc;
}

typedef struct copy {
    PGconn *c;
    sm_buf_t buf;
    uint64_t bytes;
} copy_t;

static sm_err_t send_buf(copy_t *cp, sm_error_t *e)
{
    if (cp->buf.len == 0)
        return SM_OK;
    if (PQputCopyData(cp->c, (const char *)cp->buf.data, (int)cp->buf.len) != 1)
        return pg_fail(cp->c, e, "COPY");
    cp->bytes += cp->buf.len;
    sm_buf_reset(&cp->buf);
    return SM_OK;
}

static sm_err_t on_batch(void *ud, const sm_batch_t *b, sm_error_t *e)
{
    copy_t *cp = ud;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < b->nrows; i++) {
        rc = sm_gen_copy_text_row(b, i, &cp->buf, e);
        if (!rc && cp->buf.len >= COPY_CHUNK)
            rc = send_buf(cp, e);
    }
    return rc;
}

static sm_err_t copy_table(PGconn *c, const sm_gen_opts_t *o, sm_gen_table_t t, int64_t *rows,
                           uint64_t *bytes, sm_error_t *e)
{
    copy_t cp = {.c = c, .buf = SM_BUF_INIT};
    sm_type_t *schema = NULL;
    sm_buf_t sql = SM_BUF_INIT;
    sm_err_t rc = sm_gen_schema(t, o->scale, &schema, e);
    if (!rc)
        rc = sm_buf_printf(&sql, e, "COPY %s (", sm_gen_table_name(t));
    for (uint32_t i = 0; !rc && i < schema->nfields; i++)
        rc = sm_buf_printf(&sql, e, "%s%s", i ? ", " : "", schema->fields[i].name);
    if (!rc)
        rc = sm_buf_append_str(&sql, ") FROM STDIN", e);
    if (!rc) {
        PGresult *r = PQexec(c, (const char *)sql.data);
        if (PQresultStatus(r) != PGRES_COPY_IN)
            rc = pg_fail(c, e, "starting COPY");
        PQclear(r);
    }
    if (rc)
        goto out;
    rc = sm_gen_table(t, o, on_batch, &cp, rows, e);
    if (!rc)
        rc = send_buf(&cp, e);
    if (PQputCopyEnd(c, rc ? "generation failed" : NULL) != 1 && !rc)
        rc = pg_fail(c, e, "ending COPY");
    PGresult *r;
    while ((r = PQgetResult(c))) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(c, e, "COPY");
        PQclear(r);
    }
    *bytes = cp.bytes;
out:
    if (rc)
        sm_error_wrap(e, "loading %s", sm_gen_table_name(t));
    sm_buf_free(&sql);
    sm_buf_free(&cp.buf);
    sm_type_free(schema);
    return rc;
}

sm_err_t sm_gen_to_postgres(const char *conninfo, const sm_gen_opts_t *o, bool replace,
                            sm_gen_result_t *res, sm_error_t *e)
{
    sm_gen_result_t r;
    memset(&r, 0, sizeof r);
    if (o->scale < 1 || o->scale > SM_GEN_MAX_SCALE)
        return sm_error_set(e, SM_ERR_INVALID, "generator: scale %lld is outside 1..%d",
                            (long long)o->scale, SM_GEN_MAX_SCALE);
    PGconn *c = PQconnectdb(conninfo ? conninfo : "");
    sm_err_t rc = SM_OK;
    if (!c) {
        rc = sm_error_nomem(e, "PostgreSQL connection");
        goto out;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        rc = pg_fail(c, e, "connecting");
        goto out;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    if (PQsetClientEncoding(c, "UTF8") != 0) {
        rc = pg_fail(c, e, "setting client_encoding");
        goto out;
    }
    rc = exec(c, "SET DateStyle = ISO; BEGIN", "starting the transaction", e);
    if (!rc)
        rc = prepare(c, o, replace, e);
    for (int t = 0; !rc && t < SM_GEN_NTABLES; t++) {
        int64_t t0 = sm_clock_mono_ns();
        rc = copy_table(c, o, (sm_gen_table_t)t, &r.rows[t], &r.bytes[t], e);
        r.seconds[t] = (double)(sm_clock_mono_ns() - t0) / 1e9;
    }
    if (!rc)
        rc = exec(c, "COMMIT", "committing", e);
out:
    if (res)
        *res = r;
    if (c)
        PQfinish(c);
    return rc;
}
