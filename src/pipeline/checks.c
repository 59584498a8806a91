/* pipeline/checks — running a model with its data-quality checks (the
 * contract is in pipeline/checks.h). */
#include "pipeline/checks.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "delta/snapshot.h"

#define EXAMPLE_COLS 4

typedef struct runner {
    sm_lake_t *lake;
    const sm_query_opts_t *qo;
    const sm_model_t *m;
    char stage[700]; /* the staging table */
    char with[800];  /* "WITH this AS (SELECT * FROM <stage>) " */
} runner_t;

static sm_err_t quote_ident(sm_buf_t *b, const char *s, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_byte(b, '`', e);
    for (; !rc && *s; s++)
        rc = *s == '`' ? sm_buf_append_str(b, "``", e) : sm_buf_append_byte(b, (uint8_t)*s, e);
    return rc ? rc : sm_buf_append_byte(b, '`', e);
}

/* Runs sql, returning the first column of the first row as an integer. */
static sm_err_t run_count(const runner_t *r, const char *sql, uint64_t *out, sm_error_t *e)
{
    sm_query_result_t qr = {0};
    sm_err_t rc = sm_query_run(r->lake, sql, r->qo, NULL, NULL, &qr, e);
    *out = 0;
    if (!rc && qr.nbatches && qr.batches[0]->nrows && !sm_vector_is_null(qr.batches[0]->cols[0], 0))
        *out = (uint64_t)sm_vector_get_i64(qr.batches[0]->cols[0], 0);
    sm_query_result_free(&qr);
    return rc;
}

/* The query selecting the bad rows of `this` (without the WITH), or
 * nothing for row_count. */
static sm_err_t bad_rows_sql(const sm_check_t *c, sm_buf_t *b, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    switch (c->kind) {
    case SM_CHECK_NOT_NULL:
        rc = sm_buf_append_str(b, "SELECT * FROM this WHERE ", e);
        for (size_t i = 0; !rc && i < c->ncols; i++) {
            if (i)
                rc = sm_buf_append_str(b, " OR ", e);
            if (!rc)
                rc = quote_ident(b, c->cols[i], e);
            if (!rc)
                rc = sm_buf_append_str(b, " IS NULL", e);
        }
        return rc;
    case SM_CHECK_ACCEPTED_VALUES:
        if ((rc = sm_buf_append_str(b, "SELECT * FROM this WHERE ", e)) ||
            (rc = quote_ident(b, c->cols[0], e)) ||
            (rc = sm_buf_append_str(b, " IS NOT NULL AND ", e)) ||
            (rc = quote_ident(b, c->cols[0], e)) || (rc = sm_buf_append_str(b, " NOT IN (", e)))
            return rc;
        for (size_t i = 0; !rc && i < c->nvalues; i++)
            rc = sm_buf_printf(b, e, "%s%s", i ? ", " : "", c->values[i]);
        return rc ? rc : sm_buf_append_str(b, ")", e);
    case SM_CHECK_RELATIONSHIPS:
        if ((rc = sm_buf_append_str(b, "SELECT * FROM this WHERE ", e)) ||
            (rc = quote_ident(b, c->cols[0], e)) ||
            (rc = sm_buf_append_str(b, " IS NOT NULL AND ", e)) ||
            (rc = quote_ident(b, c->cols[0], e)) ||
            (rc = sm_buf_append_str(b, " NOT IN (SELECT ", e)) ||
            (rc = quote_ident(b, c->field, e)) ||
            (rc = sm_buf_printf(b, e, " FROM %s WHERE ", c->to)) ||
            (rc = quote_ident(b, c->field, e)))
            return rc;
        return sm_buf_append_str(b, " IS NOT NULL)", e);
    case SM_CHECK_UNIQUE:
        /* rows whose key combination occurs more than once; NULL keys are
         * not compared (as in dbt) */
        rc = sm_buf_append_str(b, "SELECT * FROM this WHERE EXISTS (SELECT 1 FROM (SELECT ", e);
        for (size_t i = 0; !rc && i < c->ncols; i++) {
            if (i)
                rc = sm_buf_append_str(b, ", ", e);
            if (!rc)
                rc = quote_ident(b, c->cols[i], e);
        }
        if (!rc)
            rc = sm_buf_append_str(
                b, " FROM this GROUP BY ALL HAVING count(*) > 1) AS _smelt_dup WHERE ", e);
        for (size_t i = 0; !rc && i < c->ncols; i++) {
            if (i)
                rc = sm_buf_append_str(b, " AND ", e);
            if (!rc)
                rc = sm_buf_append_str(b, "_smelt_dup.", e);
            if (!rc)
                rc = quote_ident(b, c->cols[i], e);
            if (!rc)
                rc = sm_buf_append_str(b, " = this.", e);
            if (!rc)
                rc = quote_ident(b, c->cols[i], e);
        }
        return rc ? rc : sm_buf_append_str(b, ")", e);
    case SM_CHECK_SQL:
        return sm_buf_append_str(b, c->sql, e);
    case SM_CHECK_ROW_COUNT:
        break;
    }
    return SM_OK;
}

/* The columns shown as examples: the check's own, else the first few of
 * the bad rows' schema. */
static sm_err_t example_expr(const runner_t *r, const sm_check_t *c, const char *bad, sm_buf_t *b,
                             size_t *ncols, sm_error_t *e)
{
    const char *names[EXAMPLE_COLS];
    size_t n = 0;
    sm_query_t *q = NULL;
    sm_buf_t sql = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    if (c->kind == SM_CHECK_UNIQUE || c->kind == SM_CHECK_ACCEPTED_VALUES ||
        c->kind == SM_CHECK_RELATIONSHIPS) {
        for (size_t i = 0; i < c->ncols && n < EXAMPLE_COLS; i++)
            names[n++] = c->cols[i];
    } else {
        rc = sm_buf_printf(&sql, e, "%sSELECT * FROM (%s) AS _smelt_bad", r->with, bad);
        if (!rc)
            rc = sm_query_plan(r->lake, (const char *)sql.data, r->qo, &q, e);
        const sm_type_t *t = rc ? NULL : sm_query_schema(q);
        for (uint32_t i = 0; t && i < t->nfields && n < EXAMPLE_COLS; i++)
            names[n++] = t->fields[i].name;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = sm_buf_append_str(b, i ? ", coalesce(CAST(" : "coalesce(CAST(", e)) ||
            (rc = quote_ident(b, names[i], e)))
            break;
        rc = sm_buf_append_str(b, " AS STRING), 'NULL')", e);
    }
    *ncols = n;
    sm_query_free(q);
    sm_buf_free(&sql);
    return rc;
}

/* Up to 3 example values of the bad rows: "a, b, c" or "(1, x), (2, y)".
 * Best effort: a failure leaves the examples empty. */
static void examples(const runner_t *r, const sm_check_t *c, const char *bad, char *out, size_t cap)
{
    sm_buf_t expr = SM_BUF_INIT, sql = SM_BUF_INIT;
    sm_query_result_t qr = {0};
    size_t ncols = 0;
    out[0] = '\0';
    if (example_expr(r, c, bad, &expr, &ncols, NULL) || !ncols ||
        sm_buf_printf(&sql, NULL, "%sSELECT %s FROM (%s) AS _smelt_bad LIMIT %d", r->with,
                      (const char *)expr.data, bad, SM_CHECK_EXAMPLES) ||
        sm_query_run(r->lake, (const char *)sql.data, r->qo, NULL, NULL, &qr, NULL))
        goto out;
    size_t used = 0, shown = 0;
    for (size_t bi = 0; bi < qr.nbatches; bi++) {
        const sm_batch_t *bt = qr.batches[bi];
        for (size_t row = 0; row < bt->nrows && shown < SM_CHECK_EXAMPLES; row++, shown++) {
            if (used + 4 >= cap)
                break;
            used += (size_t)snprintf(out + used, cap - used, "%s%s", shown ? ", " : "",
                                     ncols > 1 ? "(" : "");
            for (size_t k = 0; k < ncols && used < cap; k++) {
                size_t len;
                const char *s = sm_vector_get_str(bt->cols[k], row, &len);
                used += (size_t)snprintf(out + used, cap - used, "%s%.*s", k ? ", " : "",
                                         (int)(len > 40 ? 40 : len), s);
            }
            if (ncols > 1 && used < cap)
                used += (size_t)snprintf(out + used, cap - used, ")");
        }
    }
    if (used >= cap)
        out[cap - 1] = '\0';
out:
    sm_query_result_free(&qr);
    sm_buf_free(&expr);
    sm_buf_free(&sql);
}

/* Evaluates check c over the staged rows: the number of bad rows. */
static sm_err_t evaluate(const runner_t *r, const sm_check_t *c, uint64_t total,
                         sm_check_result_t *res, sm_error_t *e)
{
    res->check = c;
    res->outcome = "pass";
    if (c->kind == SM_CHECK_ROW_COUNT) {
        bool out =
            (c->min >= 0 && total < (uint64_t)c->min) || (c->max >= 0 && total > (uint64_t)c->max);
        if (out) {
            res->bad = total;
            snprintf(res->examples, sizeof res->examples, "%" PRIu64 " rows", total);
            res->outcome = c->warn ? "warn" : "fail";
        }
        return SM_OK;
    }
    sm_buf_t bad = SM_BUF_INIT, sql = SM_BUF_INIT;
    sm_err_t rc = bad_rows_sql(c, &bad, e);
    if (!rc)
        rc = sm_buf_printf(&sql, e, "%sSELECT count(*) FROM (%s) AS _smelt_bad", r->with,
                           (const char *)bad.data);
    if (!rc)
        rc = run_count(r, (const char *)sql.data, &res->bad, e);
    if (rc)
        sm_error_wrap(e, "check %s at %s", c->label, c->where);
    if (!rc && res->bad) {
        examples(r, c, (const char *)bad.data, res->examples, sizeof res->examples);
        res->outcome = c->warn ? "warn" : c->quarantine ? "quarantined" : "fail";
    }
    sm_buf_free(&bad);
    sm_buf_free(&sql);
    return rc;
}

static int rm_empty(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        rmdir(path); /* only empty folders go */
    return 0;
}

/* Removes every object of a lake table (the staging table), and its empty
 * folders on a local disk. */
static void drop_table(sm_lake_t *lake, const char *name)
{
    sm_lake_table_t t = {0};
    if (sm_lake_resolve(lake, name, &t, NULL))
        return;
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%s%s", t.prefix, t.prefix[0] ? "/" : "");
    for (int round = 0; round < 1000; round++) {
        sm_store_list_t l = {0};
        sm_store_list_opts_t o = {.prefix = prefix};
        if (sm_store_list(t.store, &o, &l, NULL)) {
            sm_store_list_free(&l);
            break;
        }
        bool any = l.count > 0;
        for (size_t i = 0; i < l.count; i++)
            sm_store_delete(t.store, l.entries[i].key, NULL);
        sm_store_list_free(&l);
        if (!any)
            break;
    }
    if (t.location && !strstr(t.location, "://"))
        nftw(t.location, rm_empty, 16, FTW_DEPTH | FTW_PHYS);
    sm_lake_table_free(&t);
}

static sm_err_t ctas(const runner_t *r, const char *table, const char *body, uint64_t *rows,
                     int64_t *version, sm_error_t *e)
{
    sm_buf_t sql = SM_BUF_INIT;
    sm_query_result_t qr = {0};
    sm_err_t rc = sm_buf_printf(&sql, e, "CREATE OR REPLACE TABLE %s AS\n%s", table, body);
    if (!rc)
        rc = sm_query_run(r->lake, (const char *)sql.data, r->qo, NULL, NULL, &qr, e);
    if (!rc) {
        *rows = qr.rows;
        *version = qr.version;
    }
    sm_query_result_free(&qr);
    sm_buf_free(&sql);
    return rc;
}

static sm_err_t sql_string(sm_buf_t *b, const char *s, sm_error_t *e)
{
    sm_err_t rc = sm_buf_append_byte(b, '\'', e);
    for (; !rc && *s; s++)
        rc = *s == '\''   ? sm_buf_append_str(b, "''", e)
             : *s == '\\' ? sm_buf_append_str(b, "\\\\", e)
                          : sm_buf_append_byte(b, (uint8_t)*s, e);
    return rc ? rc : sm_buf_append_byte(b, '\'', e);
}

/* Quarantine: the bad rows of quarantine checks to <model>_quarantine
 * (replaced), the staged rows EXCEPT ALL those to the model. */
static sm_err_t commit_split(const runner_t *r, const char *run_id, sm_checked_run_t *out,
                             sm_error_t *e)
{
    sm_buf_t q = SM_BUF_INIT, good = SM_BUF_INIT, bad = SM_BUF_INIT;
    char qname[700];
    snprintf(qname, sizeof qname, "%s_quarantine", r->m->name);
    sm_err_t rc = sm_buf_append_str(&q, r->with, e);
    if (!rc)
        rc = sm_buf_printf(&good, e, "%sSELECT * FROM this", r->with);
    size_t nq = 0, ngood = 0;
    for (size_t i = 0; !rc && i < out->nresults; i++) {
        const sm_check_t *c = out->results[i].check;
        if (!c->quarantine)
            continue;
        sm_buf_reset(&bad);
        if ((rc = bad_rows_sql(c, &bad, e)) ||
            (rc = sm_buf_append_str(&q, nq ? "\nUNION ALL SELECT *, " : "SELECT *, ", e)) ||
            (rc = sql_string(&q, c->label, e)) || (rc = sm_buf_append_str(&q, " AS _check, ", e)) ||
            (rc = sql_string(&q, run_id, e)) ||
            (rc = sm_buf_printf(&q, e, " AS _run_id FROM (%s) AS _smelt_q%zu",
                                (const char *)bad.data, nq)))
            break;
        nq++;
        if (out->results[i].bad) {
            rc = sm_buf_printf(&good, e, "%sSELECT * FROM (%s) AS _smelt_g%zu",
                               ngood ? "\nUNION ALL " : "\nEXCEPT ALL (", (const char *)bad.data,
                               ngood);
            ngood++;
        }
    }
    if (!rc && ngood)
        rc = sm_buf_append_str(&good, ")", e);
    if (!rc) {
        rc = ctas(r, r->m->name, (const char *)good.data, &out->rows, &out->version, e);
        if (rc && ngood)
            sm_error_wrap(e, "setting quarantined rows aside (a sql check that quarantines must "
                             "return rows of this: SELECT * FROM this WHERE ...)");
    }
    if (!rc) {
        rc = ctas(r, qname, (const char *)q.data, &out->quarantined, &out->quarantine_version, e);
        if (rc)
            sm_error_wrap(e, "writing %s", qname);
    }
    sm_buf_free(&q);
    sm_buf_free(&good);
    sm_buf_free(&bad);
    return rc;
}

sm_err_t sm_checks_run_model(sm_lake_t *lake, const sm_model_t *m, const sm_query_opts_t *qo,
                             const char *run_id, sm_checked_run_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    out->version = out->quarantine_version = -1;
    runner_t r = {.lake = lake, .qo = qo, .m = m};
    if (!m->nchecks)
        return ctas(&r, m->name, m->sql, &out->rows, &out->version, e);
    char id[9];
    snprintf(id, sizeof id, "%.8s", run_id);
    snprintf(r.stage, sizeof r.stage, "_smelt.stage_%s_%s", id, m->name);
    for (char *c = r.stage + 7; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            *c = '_';
    snprintf(r.with, sizeof r.with, "WITH this AS (SELECT * FROM %s)\n", r.stage);
    if (!(out->results = sm_calloc(m->nchecks, sizeof *out->results)))
        return sm_error_nomem(e, "checks");
    uint64_t total = 0;
    int64_t v;
    sm_err_t rc = ctas(&r, r.stage, m->sql, &total, &v, e);
    bool quarantine = false;
    for (size_t i = 0; !rc && i < m->nchecks; i++) {
        rc = evaluate(&r, &m->checks[i], total, &out->results[i], e);
        if (!rc)
            out->nresults++;
        quarantine |= m->checks[i].quarantine;
    }
    const sm_check_result_t *first = NULL;
    size_t nfail = 0;
    for (size_t i = 0; !rc && i < out->nresults; i++) {
        if (strcmp(out->results[i].outcome, "fail") == 0) {
            nfail++;
            if (!first)
                first = &out->results[i];
        }
    }
    if (first) {
        const sm_check_t *c = first->check;
        char more[64] = "";
        if (nfail > 1)
            snprintf(more, sizeof more, " (%zu more failing check%s)", nfail - 1,
                     nfail > 2 ? "s" : "");
        if (c->kind == SM_CHECK_ROW_COUNT)
            rc = sm_error_set(e, SM_ERR_INVALID,
                              "%s: check %s at %s failed: %" PRIu64 " rows%s; nothing committed",
                              m->name, c->label, c->where, first->bad, more);
        else
            rc = sm_error_set(e, SM_ERR_INVALID,
                              "%s: check %s at %s failed: %" PRIu64 " bad row%s%s%s%s; nothing "
                              "committed",
                              m->name, c->label, c->where, first->bad, first->bad == 1 ? "" : "s",
                              first->examples[0] ? ", e.g. " : "", first->examples, more);
    } else if (!rc && quarantine) {
        rc = commit_split(&r, run_id, out, e);
    } else if (!rc) {
        char body[800];
        snprintf(body, sizeof body, "SELECT * FROM %s", r.stage);
        rc = ctas(&r, m->name, body, &out->rows, &out->version, e);
    }
    drop_table(lake, r.stage);
    return rc;
}

void sm_checked_run_free(sm_checked_run_t *r)
{
    sm_free(r->results);
    memset(r, 0, sizeof *r);
}

sm_err_t sm_checks_describe(const sm_checked_run_t *r, sm_buf_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; !rc && i < r->nresults; i++) {
        const sm_check_result_t *c = &r->results[i];
        rc = sm_buf_printf(out, e, "%s%s %s", i ? "; " : "", c->check->label, c->outcome);
        if (!rc && c->bad)
            rc =
                sm_buf_printf(out, e, " %" PRIu64 "%s%s%s", c->bad, c->examples[0] ? " (e.g. " : "",
                              c->examples, c->examples[0] ? ")" : "");
    }
    return rc;
}
