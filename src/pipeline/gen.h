/*
 * pipeline/gen — Northwind-shaped data of any size (`smelt gen northwind`).
 *
 * Six tables with exactly the columns and PostgreSQL types of the real
 * Northwind tables (examples/data/northwind), so the example models run
 * unchanged on them:
 *   categories     8          the real ones
 *   products       77         the real names, suppliers, categories, prices
 *   employees      9          the real ones
 *   customers      91 x N     countries in the real proportions (USA 13,
 *                             France 11, Germany 11, Brazil 9, ... of 91)
 *   orders         830 x N    dates spread 1996-07-04..1998-05-06, in
 *                             order_id order; customers skewed (a few buy
 *                             much more than most), employees and shippers
 *                             weighted as in the real orders
 *   order_details  ~2155 x N  1..6 distinct products per order; unit_price
 *                             the product's price (80% of it before 1997,
 *                             as in the real data), quantity 1..130 skewed
 *                             low, discount in {0, .05, .1, .15, .2, .25}
 * One exception to "the real types": order_id is smallint in the real
 * tables; when the scale's order ids pass 32767 (N > 27) it is integer
 * (sm_gen_wide_ids), in the DDL and in the columnar schema alike.
 *
 * Determinism: every value is a pure function of (seed, table, row): the
 * same seed and scale give the same rows whatever the output and batch
 * size.  Row i of customers and order k of orders/order_details are
 * computed independently, so generation streams: memory is one batch.
 *
 * Outputs: batches to a callback (sm_gen_table), bronze Delta tables of a
 * lake with the columns `smelt run` adds (sm_gen_to_bronze), or a
 * PostgreSQL database through COPY (sm_gen_to_postgres).
 *
 * Ownership: batches handed to callbacks are borrowed for the call.
 * Threads: no global state; any thread may call, one generation per call.
 */
#ifndef SM_PIPELINE_GEN_H
#define SM_PIPELINE_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/buf.h"
#include "core/err.h"
#include "lake/lake.h"

/* Largest scale: customer ids are 5 letters (26^5 = 11,881,376 > 91 N). */
#define SM_GEN_MAX_SCALE 100000

/* The tables, in the order they are generated and loaded (referenced
 * tables first). */
typedef enum sm_gen_table {
    SM_GEN_CATEGORIES = 0,
    SM_GEN_PRODUCTS,
    SM_GEN_EMPLOYEES,
    SM_GEN_CUSTOMERS,
    SM_GEN_ORDERS,
    SM_GEN_ORDER_DETAILS,
    SM_GEN_NTABLES
} sm_gen_table_t;

typedef struct sm_gen_opts {
    int64_t scale;     /* 1..SM_GEN_MAX_SCALE */
    uint64_t seed;     /* any value; 0 is a seed like the others */
    size_t batch_rows; /* rows per batch handed out; 0 = SM_BATCH_ROWS */
} sm_gen_opts_t;

typedef struct sm_gen_result {
    int64_t rows[SM_GEN_NTABLES];
    uint64_t bytes[SM_GEN_NTABLES]; /* bronze: Parquet bytes; postgres: COPY bytes */
    double seconds[SM_GEN_NTABLES];
} sm_gen_result_t;

/* Called with each batch of a table (at most batch_rows rows, the last
 * one possibly fewer; never empty).  Borrowed for the call.  A non-zero
 * return (with e filled) stops the generation with that error. */
typedef sm_err_t (*sm_gen_batch_fn)(void *ud, const sm_batch_t *batch, sm_error_t *e);

/* "categories", "order_details"...; NULL for an out-of-range value. */
const char *sm_gen_table_name(sm_gen_table_t t);

/* True when order_id must be integer rather than smallint at this scale. */
bool sm_gen_wide_ids(int64_t scale);

/* Rows of t at the scale for every table but order_details, whose count
 * depends on the seed (about 2155 x scale): -1 for it. */
int64_t sm_gen_rows(sm_gen_table_t t, int64_t scale);

/* The columnar schema of t's rows (a STRUCT of the PostgreSQL columns as
 * connect/pg maps them, every field nullable as bronze has them).  *out
 * is a new reference (sm_type_free); NULL on failure (SM_ERR_NOMEM,
 * SM_ERR_INVALID for a bad table or scale). */
sm_err_t sm_gen_schema(sm_gen_table_t t, int64_t scale, sm_type_t **out, sm_error_t *e);

/* Appends "CREATE TABLE IF NOT EXISTS <t> (...)" (the Northwind DDL with
 * its primary key; order_id integer when sm_gen_wide_ids) to out.
 * SM_ERR_INVALID for a bad table, SM_ERR_NOMEM. */
sm_err_t sm_gen_ddl(sm_gen_table_t t, int64_t scale, sm_buf_t *out, sm_error_t *e);

/* Generates every row of t, in order, handing batches to fn.  *rows (may
 * be NULL) gets the rows generated, also on failure.  SM_ERR_INVALID for
 * a scale outside 1..SM_GEN_MAX_SCALE or a bad table; SM_ERR_NOMEM;
 * fn's error. */
sm_err_t sm_gen_table(sm_gen_table_t t, const sm_gen_opts_t *o, sm_gen_batch_fn fn, void *ud,
                      int64_t *rows, sm_error_t *e);

/* Writes the six tables into bronze.<table> of the lake as `smelt run`
 * would (columns + _ingestion_timestamp, _source "postgresql" and the
 * partition _ingestion_date of now_ms's day, replacing that day's
 * partition), one commit per table, streaming.  On failure the table
 * being written keeps its last version (tables already written stay
 * written) and the message names the table.  res (may be NULL) gets rows,
 * Parquet bytes and seconds per table. */
sm_err_t sm_gen_to_bronze(sm_lake_t *lake, const sm_gen_opts_t *o, int64_t now_ms,
                          sm_gen_result_t *res, sm_error_t *e);

/* Loads the six tables into the PostgreSQL database of conninfo (libpq
 * conninfo or URI; NULL or "" = the PG* environment) in ONE transaction:
 * creates absent tables with the Northwind DDL, widens order_id to
 * integer when existing tables need it, then COPYs the rows (text
 * format).  replace: TRUNCATE the six tables first (CASCADE: rows of
 * other tables referencing them go too); without it a table that already
 * has rows is SM_ERR_EXISTS naming it.  Failure commits nothing:
 * SM_ERR_NETWORK (connection; the password never appears), SM_ERR_INVALID
 * with the server's message.  res (may be NULL) gets rows, COPY bytes
 * and seconds per table. */
sm_err_t sm_gen_to_postgres(const char *conninfo, const sm_gen_opts_t *o, bool replace,
                            sm_gen_result_t *res, sm_error_t *e);

/* Formats one row of a batch as a line of COPY text format (tab between
 * fields, \N for NULL, backslash escapes, float as the shortest text
 * that reads back to the same value, bytea as \\x hex) appended to out.
 * SM_ERR_NOMEM; SM_ERR_UNSUPPORTED for a column kind the generator never
 * makes. */
sm_err_t sm_gen_copy_text_row(const sm_batch_t *b, size_t row, sm_buf_t *out, sm_error_t *e);

#endif
