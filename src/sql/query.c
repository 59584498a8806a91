/* sql/query — statements: parse, bind, plan, run; SHOW, DESCRIBE, EXPLAIN
 * and writes (CREATE TABLE AS, INSERT) into Delta tables. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/str.h"
#include "delta/write.h"
#include "sql/dml_int.h"
#include "sql/parser.h"
#include "sql/plan_int.h"
#include "sql/query.h"

/* ---- the statement context ------------------------------------------------ */

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t nc_ = (cap) ? (cap)*2 : 8;                                                      \
            void *na_ = sm_realloc((arr), nc_ * sizeof *(arr));                                    \
            if (!na_)                                                                              \
                goto nomem;                                                                        \
            (arr) = na_;                                                                           \
            (cap) = nc_;                                                                           \
        }                                                                                          \
    } while (0)

sm_type_t *sm_qctx_keep_type(sm_qctx_t *q, sm_type_t *t)
{
    if (!t)
        return NULL;
    GROW(q->types, q->ntypes, q->captypes);
    q->types[q->ntypes++] = t;
    return t;
nomem:
    sm_type_free(t);
    return NULL;
}

sm_err_t sm_qctx_keep_snap(sm_qctx_t *q, sm_delta_snapshot_t *s, sm_error_t *e)
{
    GROW(q->snaps, q->nsnaps, q->capsnaps);
    q->snaps[q->nsnaps++] = s;
    return SM_OK;
nomem:
    sm_delta_snapshot_free(s);
    return sm_error_nomem(e, "query");
}

sm_err_t sm_qctx_keep_table(sm_qctx_t *q, sm_lake_table_t *t, sm_error_t *e)
{
    GROW(q->tables, q->ntables, q->captables);
    q->tables[q->ntables++] = t;
    return SM_OK;
nomem:
    sm_lake_table_free(t);
    return sm_error_nomem(e, "query");
}

sm_err_t sm_qctx_keep_store(sm_qctx_t *q, sm_store_t *s, sm_error_t *e)
{
    GROW(q->stores, q->nstores, q->capstores);
    q->stores[q->nstores++] = s;
    return SM_OK;
nomem:
    sm_store_close(s);
    return sm_error_nomem(e, "query");
}

sm_err_t sm_qctx_keep_vec(sm_qctx_t *q, sm_vector_t *v, sm_error_t *e)
{
    GROW(q->vecs, q->nvecs, q->capvecs);
    q->vecs[q->nvecs++] = v;
    return SM_OK;
nomem:
    sm_vector_free(v);
    return sm_error_nomem(e, "query");
}

sm_err_t sm_qctx_on_free(sm_qctx_t *q, void (*fn)(void *), void *arg, sm_error_t *e)
{
    GROW(q->cleanups, q->ncleanups, q->capcleanups);
    q->cleanups[q->ncleanups].fn = fn;
    q->cleanups[q->ncleanups++].arg = arg;
    return SM_OK;
nomem:
    fn(arg);
    return sm_error_nomem(e, "query");
}

void *sm_qctx_alloc(sm_qctx_t *q, size_t n)
{
    return sm_arena_calloc(&q->arena, n ? n : 1);
}

char *sm_qctx_strdup(sm_qctx_t *q, const char *s)
{
    return sm_arena_strdup(&q->arena, s ? s : "");
}

static void qctx_init(sm_qctx_t *q, sm_lake_t *lake, const sm_query_opts_t *o)
{
    memset(q, 0, sizeof *q);
    sm_arena_init(&q->arena, 0);
    bool ansi = !(o && o->legacy_arith);
    sm_expr_pool_init(&q->pool, ansi);
    q->lake = lake;
    q->now_us = o && o->now_us ? o->now_us : sm_clock_wall_ms() * 1000;
    sm_budget_init(&q->budget, o ? o->memory_limit : 0);
    q->exec.budget = o && o->budget ? o->budget : &q->budget;
    q->exec.pool = o ? o->pool : NULL;
    q->exec.tmpdir = o ? o->tmpdir : NULL;
    q->exec.ansi = ansi;
    sm_expr_ctx_init(&q->ectx, ansi, q->now_us);
}

static void qctx_free(sm_qctx_t *q)
{
    for (size_t i = q->ncleanups; i-- > 0;)
        q->cleanups[i].fn(q->cleanups[i].arg);
    sm_free(q->cleanups);
    for (size_t i = 0; i < q->nvecs; i++)
        sm_vector_free(q->vecs[i]);
    sm_free(q->vecs);
    for (size_t i = 0; i < q->nsnaps; i++)
        sm_delta_snapshot_free(q->snaps[i]);
    sm_free(q->snaps);
    for (size_t i = 0; i < q->ntables; i++)
        sm_lake_table_free(q->tables[i]);
    sm_free(q->tables);
    for (size_t i = 0; i < q->nstores; i++)
        sm_store_close(q->stores[i]);
    sm_free(q->stores);
    sm_expr_ctx_free(&q->ectx);
    sm_expr_pool_free(&q->pool);
    for (size_t i = 0; i < q->ntypes; i++)
        sm_type_free(q->types[i]);
    sm_free(q->types);
    sm_arena_free(&q->arena);
}

/* ---- results ---------------------------------------------------------------- */

void sm_query_result_free(sm_query_result_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nbatches; i++)
        sm_batch_free(res->batches[i]);
    sm_free(res->batches);
    sm_type_free(res->schema);
    memset(res, 0, sizeof *res);
    res->version = -1;
}

typedef struct sink {
    sm_query_batch_fn fn;
    void *arg;
    sm_query_result_t *res;
    size_t cap;
    uint64_t max_rows;
} sink_t;

/* Hands a batch to the sink (takes it over). */
static sm_err_t sink_put(sink_t *s, sm_batch_t *b, sm_error_t *e)
{
    s->res->rows += b->nrows;
    if (s->fn) {
        sm_err_t rc = s->fn(s->arg, b, e);
        sm_batch_free(b);
        return rc;
    }
    if (s->max_rows && s->res->rows > s->max_rows) {
        sm_batch_free(b);
        return sm_error_set(e, SM_ERR_LIMIT, "the result has more than %llu rows",
                            (unsigned long long)s->max_rows);
    }
    /* a kept batch must not borrow from operators that are freed soon */
    sm_vector_t **cols = sm_calloc(b->ncols ? b->ncols : 1, sizeof *cols);
    sm_err_t rc = cols ? SM_OK : sm_error_nomem(e, "query result");
    for (size_t i = 0; i < b->ncols && !rc; i++)
        rc = sm_vector_copy(b->cols[i], &cols[i], e);
    sm_batch_t *own = NULL;
    if (!rc && b->ncols)
        rc = sm_batch_from_vectors(b->schema, cols, b->ncols, &own, e);
    else if (!rc) {
        rc = sm_batch_new(b->schema, 1, &own, e);
        if (!rc)
            own->nrows = b->nrows;
    } else if (cols) {
        for (size_t i = 0; i < b->ncols; i++)
            sm_vector_free(cols[i]);
    }
    sm_free(cols);
    sm_batch_free(b);
    if (rc)
        return rc;
    b = own;
    if (s->res->nbatches == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        sm_batch_t **nb = sm_realloc(s->res->batches, cap * sizeof *nb);
        if (!nb) {
            sm_batch_free(b);
            return sm_error_nomem(e, "query result");
        }
        s->res->batches = nb;
        s->cap = cap;
    }
    s->res->batches[s->res->nbatches++] = b;
    return SM_OK;
}

static sm_err_t drain(sm_op_t *op, sink_t *s, sm_error_t *e)
{
    sm_err_t rc = sm_op_open(op, e);
    while (!rc) {
        sm_batch_t *b = NULL;
        rc = sm_op_next(op, &b, e);
        if (rc || !b)
            break;
        if (b->nrows == 0) {
            sm_batch_free(b);
            continue;
        }
        rc = s ? sink_put(s, b, e) : (sm_batch_free(b), SM_OK);
    }
    sm_op_close(op);
    return rc;
}

/* A result of text rows in one string column. */
static sm_err_t text_rows(sink_t *s, const char *const *cols, size_t ncols, const char **cells,
                          size_t nrows, sm_error_t *e)
{
    sm_field_t *f = sm_calloc(ncols, sizeof *f);
    if (!f)
        return sm_error_nomem(e, "result");
    for (size_t i = 0; i < ncols; i++)
        f[i] = (sm_field_t){(char *)cols[i], sm_type_string(), true};
    sm_type_t *schema = sm_type_struct(f, ncols);
    sm_free(f);
    if (!schema)
        return sm_error_nomem(e, "result");
    s->res->schema = schema;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_batch_new(schema, nrows, &b, e);
    for (size_t r = 0; r < nrows && !rc; r++)
        for (size_t c = 0; c < ncols && !rc; c++) {
            const char *v = cells[r * ncols + c];
            rc = v ? sm_vector_append_str(b->cols[c], v, e) : sm_vector_append_null(b->cols[c], e);
        }
    if (!rc)
        rc = sm_batch_sync(b, e);
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    if (nrows == 0) {
        sm_batch_free(b);
        return SM_OK;
    }
    return sink_put(s, b, e);
}

/* ---- statements ---------------------------------------------------------------- */

static sm_err_t name_text(const sm_sql_name_t *n, char *out, size_t cap)
{
    out[0] = 0;
    if (n->nparts == 2 && sm_str_eq_nocase(sm_str_c(n->parts[0].name), sm_str_c("delta"))) {
        snprintf(out, cap, "delta.`%s`", n->parts[1].name);
        return SM_OK;
    }
    for (size_t i = 0; i < n->nparts; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? "." : "", n->parts[i].name);
    }
    return SM_OK;
}

static sm_err_t pos_err(sm_sql_pos_t pos, sm_error_t *e, sm_err_t code, const char *msg)
{
    return sm_error_set(e, code, "line %u, column %u: %s", pos.line, pos.col, msg);
}

static sm_err_t run_select(sm_qctx_t *q, const sm_sql_query_t *query, sink_t *s, sm_error_t *e)
{
    sm_lp_t *lp = NULL;
    sm_op_t *op = NULL;
    sm_err_t rc = sm_bind_query(q, query, &lp, e);
    if (rc)
        return rc;
    rc = sm_plan_build(q, lp, &op, NULL, e);
    if (rc)
        return rc;
    s->res->schema = sm_plan_schema(lp);
    if (!s->res->schema) {
        sm_op_free(op);
        return sm_error_nomem(e, "result schema");
    }
    rc = drain(op, s, e);
    sm_op_free(op);
    return rc;
}

static sm_err_t run_explain(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    const sm_sql_stmt_t *in = st->u.explain.stmt;
    if (in->kind != SM_SQL_STMT_QUERY)
        return pos_err(in->pos, e, SM_ERR_UNSUPPORTED, "EXPLAIN supports queries only");
    sm_lp_t *lp = NULL;
    sm_op_t *op = NULL;
    sm_xnode_t *x = NULL;
    sm_buf_t buf = SM_BUF_INIT;
    const char **lines = NULL;
    sm_err_t rc = sm_bind_query(q, in->u.query, &lp, e);
    if (!rc)
        rc = sm_plan_build(q, lp, &op, &x, e);
    if (!rc && st->u.explain.analyze)
        rc = drain(op, NULL, e);
    if (!rc)
        rc = sm_plan_explain(x, st->u.explain.analyze, &buf, e);
    if (!rc) {
        size_t n = 0;
        for (size_t i = 0; i < buf.len; i++)
            n += buf.data[i] == '\n';
        lines = sm_calloc(n ? n : 1, sizeof *lines);
        if (!lines)
            rc = sm_error_nomem(e, "explain");
        char *p = (char *)buf.data;
        for (size_t i = 0; !rc && i < n; i++) {
            char *nl = strchr(p, '\n');
            *nl = 0;
            lines[i] = p;
            p = nl + 1;
        }
        const char *col = "plan";
        if (!rc)
            rc = text_rows(s, &col, 1, lines, n, e);
    }
    sm_free(lines);
    sm_buf_free(&buf);
    sm_op_free(op);
    return rc;
}

static sm_err_t run_show(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    char **names = NULL;
    size_t n = 0;
    const char **cells = NULL;
    if (!q->lake)
        return sm_error_set(e, SM_ERR_INVALID, "SHOW TABLES needs a lake");
    sm_err_t rc = sm_lake_list_tables(q->lake, &names, &n, e);
    if (rc)
        return rc;
    cells = sm_calloc(2 * (n ? n : 1), sizeof *cells);
    char *buf = sm_calloc(1, 2 * (n ? n : 1) * 256);
    size_t k = 0;
    if (!cells || !buf)
        rc = sm_error_nomem(e, "show tables");
    const char *in = st->u.show.in.nparts ? st->u.show.in.parts[0].name : NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        char *ns = buf + (2 * k) * 256, *tn = buf + (2 * k + 1) * 256;
        const char *dot = strchr(names[i], '.');
        snprintf(ns, 256, "%.*s", dot ? (int)(dot - names[i]) : 0, names[i]);
        snprintf(tn, 256, "%s", dot ? dot + 1 : names[i]);
        if (in && !sm_str_eq_nocase(sm_str_c(in), sm_str_c(ns)))
            continue;
        if (st->u.show.like) {
            /* Spark: '*' any, '|' alternatives, case-insensitive */
            char pat[256];
            snprintf(pat, sizeof pat, "%s", st->u.show.like);
            bool m = false;
            char *save = NULL;
            for (char *alt = strtok_r(pat, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
                if (fnmatch(sm_str_trim(sm_str_c(alt)).p, tn, FNM_CASEFOLD) == 0)
                    m = true;
            if (!m)
                continue;
        }
        cells[2 * k] = ns;
        cells[2 * k + 1] = tn;
        k++;
    }
    const char *cols[] = {"namespace", "tableName"};
    if (!rc)
        rc = text_rows(s, cols, 2, cells, k, e);
    sm_free(cells);
    sm_free(buf);
    sm_lake_names_free(names, n);
    return rc;
}

static sm_err_t load_table(sm_qctx_t *q, const sm_sql_name_t *n, sm_sql_pos_t pos,
                           sm_lake_table_t **lt, sm_delta_snapshot_t **snap, sm_error_t *e)
{
    (void)pos;
    return sm_qctx_load_table(q, n, lt, snap, e);
}

sm_err_t sm_qctx_load_table(sm_qctx_t *q, const sm_sql_name_t *n, sm_lake_table_t **lt,
                            sm_delta_snapshot_t **snap, sm_error_t *e)
{
    char name[1024];
    name_text(n, name, sizeof name);
    *snap = NULL;
    if (!q->lake)
        return sm_error_set(e, SM_ERR_INVALID, "no lake to find \"%s\" in", name);
    *lt = sm_qctx_alloc(q, sizeof **lt);
    if (!*lt)
        return sm_error_nomem(e, "table");
    sm_err_t rc = sm_lake_resolve(q->lake, name, *lt, e);
    if (rc)
        return rc;
    rc = sm_qctx_keep_table(q, *lt, e);
    if (rc)
        return rc;
    sm_error_t e2;
    rc = sm_delta_snapshot_load((*lt)->store, (*lt)->prefix, NULL, snap, &e2);
    if (rc == SM_ERR_NOT_FOUND) {
        *snap = NULL;
        return SM_OK;
    }
    if (rc) {
        if (e)
            *e = e2;
        return rc;
    }
    return sm_qctx_keep_snap(q, *snap, e);
}

static sm_err_t run_describe(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    sm_lake_table_t *lt;
    sm_delta_snapshot_t *snap;
    sm_err_t rc = load_table(q, &st->u.describe.table, st->pos, &lt, &snap, e);
    if (rc)
        return rc;
    if (!snap) {
        char name[1024], msg[1100];
        name_text(&st->u.describe.table, name, sizeof name);
        snprintf(msg, sizeof msg, "table \"%s\" not found", name);
        return pos_err(st->pos, e, SM_ERR_NOT_FOUND, msg);
    }
    size_t n = snap->schema->nfields;
    const char **cells = sm_calloc(3 * (n ? n : 1), sizeof *cells);
    char *types = sm_calloc(n ? n : 1, 128);
    if (!cells || !types) {
        sm_free(cells);
        sm_free(types);
        return sm_error_nomem(e, "describe");
    }
    for (size_t i = 0; i < n; i++) {
        cells[3 * i] = snap->schema->fields[i].name;
        cells[3 * i + 1] = sm_type_name(snap->schema->fields[i].type, types + 128 * i, 128);
        cells[3 * i + 2] = NULL;
        for (size_t k = 0; k < snap->metadata.n_partition_columns; k++)
            if (strcmp(snap->metadata.partition_columns[k], cells[3 * i]) == 0)
                cells[3 * i + 2] = "partition column";
    }
    const char *cols[] = {"col_name", "data_type", "comment"};
    rc = text_rows(s, cols, 3, cells, n, e);
    sm_free(cells);
    sm_free(types);
    return rc;
}

/* sm_plan_sink_fn of write_rows: one batch into the Delta write. */
static sm_err_t write_sink(void *arg, sm_batch_t *b, sm_error_t *e)
{
    sm_err_t rc = sm_delta_write_batch(arg, b, e);
    sm_batch_free(b);
    return rc;
}

/* Writes the rows of op into the table (store, prefix); the plan is pulled
 * on the pool while the batches before are written (sm_plan_feed). */
static sm_err_t write_rows(sm_qctx_t *q, sm_op_t *op, sm_lake_table_t *lt, const char *name,
                           sm_delta_mode_t mode, const char *const *part, size_t npart,
                           const char *operation, sm_query_result_t *res, sm_error_t *e)
{
    sm_delta_write_opts_t o = {0};
    sm_delta_write_t *w = NULL;
    sm_delta_write_result_t wr = {0};
    o.mode = mode;
    o.partition_by = part;
    o.npartition_by = npart;
    o.operation = operation;
    o.table_name = name;
    o.now_ms = q->now_us / 1000;
    o.parquet.pool = q->exec.pool; /* column chunks encoded on the query's pool */
    /* snappy, as INSERT (dml.c), Spark and delta-rs: {0} meant uncompressed */
    o.parquet.codec = SM_PQ_CODEC_SNAPPY;
    sm_err_t rc = sm_delta_write_open(lt->store, lt->prefix, op->schema, &o, &w, e);
    if (rc)
        return rc;
    rc = sm_op_open(op, e);
    if (!rc)
        rc = sm_plan_feed(q->exec.pool, op, write_sink, w, e);
    sm_op_close(op);
    if (rc) {
        sm_delta_write_abort(w);
        return rc;
    }
    rc = sm_delta_write_commit(w, &wr, e);
    if (rc)
        return rc;
    res->rows = (uint64_t)wr.rows;
    res->version = wr.version;
    return SM_OK;
}

/* Plans query and, for INSERT, casts its columns to the table's by
 * position. */
static sm_err_t plan_for_table(sm_qctx_t *q, const sm_sql_query_t *query, const sm_type_t *target,
                               sm_sql_pos_t pos, sm_op_t **op, sm_error_t *e)
{
    sm_lp_t *lp = NULL;
    sm_err_t rc = sm_bind_query(q, query, &lp, e);
    if (rc)
        return rc;
    if (target) {
        if (target->nfields != lp->ncols) {
            char msg[200];
            snprintf(msg, sizeof msg, "the table has %u columns but the query gives %zu",
                     target->nfields, lp->ncols);
            return pos_err(pos, e, SM_ERR_INVALID, msg);
        }
        sm_lp_t *p = sm_qctx_alloc(q, sizeof *p);
        sm_lcol_t *cols = sm_qctx_alloc(q, (lp->ncols + 1) * sizeof *cols);
        sm_expr_t **xs = sm_qctx_alloc(q, (lp->ncols + 1) * sizeof *xs);
        if (!p || !cols || !xs)
            return sm_error_nomem(e, "insert");
        for (size_t i = 0; i < lp->ncols; i++) {
            const sm_field_t *f = &target->fields[i];
            rc = sm_expr_column(&q->pool, lp->cols[i].cid, lp->cols[i].type, lp->cols[i].nullable,
                                lp->cols[i].name, &xs[i], e);
            if (!rc && !sm_type_equal_ex(xs[i]->type, f->type, SM_TYPE_EQ_IGNORE_NULLABLE))
                rc = sm_expr_cast(&q->pool, xs[i], f->type, false, &xs[i], e);
            if (rc)
                return sm_error_wrap(e, "column %zu (%s)", i + 1, f->name);
            cols[i] = (sm_lcol_t){q->next_cid++, f->name, f->type, true};
        }
        p->kind = SM_LP_PROJECT;
        p->in[0] = lp;
        p->cols = cols;
        p->ncols = lp->ncols;
        p->u.exprs = xs;
        lp = p;
    } else {
        /* every column nullable in the new table's schema */
        for (size_t i = 0; i < lp->ncols; i++)
            lp->cols[i].nullable = true;
    }
    return sm_plan_build(q, lp, op, NULL, e);
}

static sm_err_t run_create(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    char name[1024];
    name_text(&st->u.create.name, name, sizeof name);
    if (st->u.create.location)
        return pos_err(st->pos, e, SM_ERR_UNSUPPORTED,
                       "CREATE TABLE ... LOCATION is not supported (name the table delta.`path`)");
    if (st->u.create.using_ && !sm_str_eq_nocase(sm_str_c(st->u.create.using_), sm_str_c("delta")))
        return pos_err(st->pos, e, SM_ERR_UNSUPPORTED, "only USING delta tables can be created");
    sm_lake_table_t *lt;
    sm_delta_snapshot_t *snap;
    sm_err_t rc = load_table(q, &st->u.create.name, st->pos, &lt, &snap, e);
    if (rc)
        return rc;
    if (snap && !st->u.create.or_replace) {
        if (st->u.create.if_not_exists) {
            snprintf(s->res->message, sizeof s->res->message, "table %s already exists", name);
            return SM_OK;
        }
        char msg[1100];
        snprintf(msg, sizeof msg, "table \"%s\" already exists", name);
        return pos_err(st->pos, e, SM_ERR_EXISTS, msg);
    }
    const char **part = sm_qctx_alloc(q, (st->u.create.npartitioned_by + 1) * sizeof *part);
    if (!part)
        return sm_error_nomem(e, "create");
    for (size_t i = 0; i < st->u.create.npartitioned_by; i++)
        part[i] = st->u.create.partitioned_by[i].name;
    sm_op_t *op = NULL;
    if (st->u.create.as_query) {
        rc = plan_for_table(q, st->u.create.as_query, NULL, st->pos, &op, e);
    } else {
        sm_field_t *f = sm_calloc(st->u.create.ncols + 1, sizeof *f);
        if (!f)
            return sm_error_nomem(e, "create");
        for (size_t i = 0; i < st->u.create.ncols && !rc; i++) {
            sm_type_t *t = NULL;
            sm_buf_t b = SM_BUF_INIT;
            rc = sm_sql_print_type(&b, st->u.create.cols[i].type, e);
            if (!rc)
                rc = sm_type_parse((const char *)b.data, b.len, &t, e);
            sm_buf_free(&b);
            f[i] = (sm_field_t){(char *)st->u.create.cols[i].name.name, t,
                                !st->u.create.cols[i].not_null};
        }
        sm_type_t *schema = rc ? NULL : sm_type_struct(f, st->u.create.ncols);
        if (rc)
            for (size_t i = 0; i < st->u.create.ncols; i++)
                sm_type_free(f[i].type);
        sm_free(f);
        if (rc)
            return rc;
        if (!schema)
            return sm_error_nomem(e, "create");
        rc = sm_op_values_new(&q->exec, schema, NULL, 0, &op, e);
        sm_type_free(schema);
    }
    if (rc)
        return rc;
    rc = write_rows(q, op, lt, name, snap ? SM_DELTA_OVERWRITE : SM_DELTA_APPEND, part,
                    st->u.create.npartitioned_by,
                    snap ? "CREATE OR REPLACE TABLE AS SELECT" : "CREATE TABLE AS SELECT", s->res,
                    e);
    sm_op_free(op);
    if (!rc)
        snprintf(s->res->message, sizeof s->res->message, "created %s (version %lld, %llu rows)",
                 lt->name ? lt->name : name, (long long)s->res->version,
                 (unsigned long long)s->res->rows);
    return rc;
}

static sm_err_t run_insert(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    char name[1024];
    name_text(&st->u.insert.table, name, sizeof name);
    if (st->u.insert.npartition || st->u.insert.ncols)
        return pos_err(st->pos, e, SM_ERR_UNSUPPORTED,
                       "INSERT with a PARTITION clause or a column list is not supported yet");
    sm_lake_table_t *lt;
    sm_delta_snapshot_t *snap;
    sm_err_t rc = load_table(q, &st->u.insert.table, st->pos, &lt, &snap, e);
    if (rc)
        return rc;
    if (!snap) {
        char msg[1100];
        snprintf(msg, sizeof msg, "table \"%s\" not found (CREATE TABLE it first)", name);
        return pos_err(st->pos, e, SM_ERR_NOT_FOUND, msg);
    }
    sm_op_t *op = NULL;
    rc = plan_for_table(q, st->u.insert.query, snap->schema, st->pos, &op, e);
    if (rc)
        return rc;
    rc = write_rows(q, op, lt, name, st->u.insert.overwrite ? SM_DELTA_OVERWRITE : SM_DELTA_APPEND,
                    snap->metadata.partition_columns, snap->metadata.n_partition_columns,
                    st->u.insert.overwrite ? "INSERT OVERWRITE" : "INSERT", s->res, e);
    sm_op_free(op);
    if (!rc)
        snprintf(s->res->message, sizeof s->res->message, "%s %llu rows into %s (version %lld)",
                 st->u.insert.overwrite ? "wrote" : "inserted", (unsigned long long)s->res->rows,
                 lt->name ? lt->name : name, (long long)s->res->version);
    return rc;
}

/* DELETE / UPDATE / MERGE: one row of counts, as Spark returns them. */
static sm_err_t run_dml(sm_qctx_t *q, const sm_sql_stmt_t *st, sink_t *s, sm_error_t *e)
{
    sm_dml_result_t r = {.version = -1};
    sm_err_t rc = st->kind == SM_SQL_STMT_DELETE   ? sm_dml_delete(q, st, &r, e)
                  : st->kind == SM_SQL_STMT_UPDATE ? sm_dml_update(q, st, &r, e)
                                                   : sm_dml_merge(q, st, &r, e);
    if (rc)
        return rc;
    bool merge = st->kind == SM_SQL_STMT_MERGE;
    int64_t affected = r.deleted + r.updated + r.inserted;
    const char *names[] = {"num_affected_rows", "num_updated_rows", "num_deleted_rows",
                           "num_inserted_rows"};
    int64_t vals[] = {affected, r.updated, r.deleted, r.inserted};
    size_t n = merge ? 4 : 1;
    sm_field_t f[4];
    for (size_t i = 0; i < n; i++)
        f[i] = (sm_field_t){(char *)names[i], sm_type_int64(), false};
    sm_type_t *schema = sm_type_struct(f, n);
    sm_batch_t *b = NULL;
    if (!schema)
        return sm_error_nomem(e, "result");
    s->res->schema = schema;
    rc = sm_batch_new(schema, 1, &b, e);
    for (size_t i = 0; i < n && !rc; i++)
        rc = sm_vector_append_i64(b->cols[i], vals[i], e);
    if (!rc)
        rc = sm_batch_sync(b, e);
    if (!rc)
        rc = sink_put(s, b, e);
    else
        sm_batch_free(b);
    if (rc)
        return rc;
    s->res->rows = (uint64_t)affected;
    s->res->version = r.version;
    char ver[64] = "no change";
    if (r.version >= 0)
        snprintf(ver, sizeof ver, "version %lld", (long long)r.version);
    if (merge)
        snprintf(s->res->message, sizeof s->res->message,
                 "merged into %s: %lld updated, %lld deleted, %lld inserted (%s)", r.table,
                 (long long)r.updated, (long long)r.deleted, (long long)r.inserted, ver);
    else
        snprintf(s->res->message, sizeof s->res->message, "%s %lld rows %s %s (%s)",
                 st->kind == SM_SQL_STMT_DELETE ? "deleted" : "updated", (long long)affected,
                 st->kind == SM_SQL_STMT_DELETE ? "from" : "in", r.table, ver);
    return SM_OK;
}

static bool is_read(const sm_sql_stmt_t *st)
{
    switch (st->kind) {
    case SM_SQL_STMT_QUERY:
    case SM_SQL_STMT_SHOW_TABLES:
    case SM_SQL_STMT_DESCRIBE:
        return true;
    case SM_SQL_STMT_EXPLAIN:
        return st->u.explain.stmt->kind == SM_SQL_STMT_QUERY;
    default:
        return false;
    }
}

static const char *stmt_word(const sm_sql_stmt_t *st)
{
    static const char *const W[] = {"SELECT", "CREATE TABLE", "INSERT",      "DELETE",  "UPDATE",
                                    "MERGE",  "EXPLAIN",      "SHOW TABLES", "DESCRIBE"};
    return (size_t)st->kind < sizeof W / sizeof *W ? W[st->kind] : "statement";
}

static sm_err_t run_stmt(sm_lake_t *lake, const sm_sql_stmt_t *st, const sm_query_opts_t *o,
                         sink_t *s, sm_error_t *e)
{
    sm_qctx_t q;
    qctx_init(&q, lake, o);
    q.sql = st->text.p;
    sm_err_t rc;
    switch (st->kind) {
    case SM_SQL_STMT_QUERY:
        rc = run_select(&q, st->u.query, s, e);
        break;
    case SM_SQL_STMT_EXPLAIN:
        rc = run_explain(&q, st, s, e);
        break;
    case SM_SQL_STMT_SHOW_TABLES:
        rc = run_show(&q, st, s, e);
        break;
    case SM_SQL_STMT_DESCRIBE:
        rc = run_describe(&q, st, s, e);
        break;
    case SM_SQL_STMT_CREATE_TABLE:
        rc = run_create(&q, st, s, e);
        break;
    case SM_SQL_STMT_INSERT:
        rc = run_insert(&q, st, s, e);
        break;
    case SM_SQL_STMT_DELETE:
    case SM_SQL_STMT_UPDATE:
    case SM_SQL_STMT_MERGE:
        rc = run_dml(&q, st, s, e);
        break;
    default: {
        char msg[128];
        snprintf(msg, sizeof msg, "%s is not supported yet", stmt_word(st));
        rc = pos_err(st->pos, e, SM_ERR_UNSUPPORTED, msg);
    }
    }
    qctx_free(&q);
    return rc;
}

sm_err_t sm_query_run(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                      sm_query_batch_fn on_batch, void *arg, sm_query_result_t *res, sm_error_t *e)
{
    sm_sql_ast_t *ast = NULL;
    memset(res, 0, sizeof *res);
    res->version = -1;
    sm_err_t rc = sm_sql_parse_script(sm_str_c(sql), NULL, &ast, e);
    if (rc)
        return rc;
    if (opts && opts->read_only)
        for (size_t i = 0; i < ast->nstmts; i++)
            if (!is_read(ast->stmts[i])) {
                char msg[160];
                snprintf(msg, sizeof msg, "read-only: only queries are allowed here (found %s)",
                         stmt_word(ast->stmts[i]));
                rc = pos_err(ast->stmts[i]->pos, e, SM_ERR_INVALID, msg);
                sm_sql_ast_free(ast);
                return rc;
            }
    for (size_t i = 0; i < ast->nstmts && !rc; i++) {
        bool last = i + 1 == ast->nstmts;
        sm_query_result_free(res);
        sink_t s = {last ? on_batch : NULL, arg, res, 0, opts ? opts->max_rows : 0};
        rc = run_stmt(lake, ast->stmts[i], opts, &s, e);
        if (rc && ast->nstmts > 1)
            sm_error_wrap(e, "statement %zu", i + 1);
    }
    sm_sql_ast_free(ast);
    if (rc)
        sm_query_result_free(res);
    return rc;
}

/* Binds and plans one statement; runs nothing but a MERGE source. */
static sm_err_t check_stmt(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_error_t *e)
{
    const sm_sql_query_t *query = NULL;
    sm_lake_table_t *lt;
    sm_delta_snapshot_t *snap = NULL;
    sm_err_t rc = SM_OK;
    switch (st->kind) {
    case SM_SQL_STMT_QUERY:
        query = st->u.query;
        break;
    case SM_SQL_STMT_EXPLAIN:
        if (st->u.explain.stmt->kind == SM_SQL_STMT_QUERY)
            query = st->u.explain.stmt->u.query;
        break;
    case SM_SQL_STMT_CREATE_TABLE:
        query = st->u.create.as_query;
        break;
    case SM_SQL_STMT_INSERT:
        rc = load_table(q, &st->u.insert.table, st->pos, &lt, &snap, e);
        if (!rc && snap) {
            sm_op_t *op = NULL;
            rc = plan_for_table(q, st->u.insert.query, snap->schema, st->pos, &op, e);
            sm_op_free(op);
        }
        return rc;
    case SM_SQL_STMT_DELETE:
    case SM_SQL_STMT_UPDATE:
    case SM_SQL_STMT_MERGE: {
        sm_dml_result_t r = {.version = -1};
        q->dry_run = true;
        return st->kind == SM_SQL_STMT_DELETE   ? sm_dml_delete(q, st, &r, e)
               : st->kind == SM_SQL_STMT_UPDATE ? sm_dml_update(q, st, &r, e)
                                                : sm_dml_merge(q, st, &r, e);
    }
    default:
        return SM_OK;
    }
    if (!query)
        return SM_OK;
    sm_op_t *op = NULL;
    sm_lp_t *lp = NULL;
    rc = sm_bind_query(q, query, &lp, e);
    if (!rc)
        rc = sm_plan_build(q, lp, &op, NULL, e);
    sm_op_free(op);
    return rc;
}

sm_err_t sm_query_check(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                        sm_error_t *e)
{
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_script(sm_str_c(sql), NULL, &ast, e);
    for (size_t i = 0; !rc && i < ast->nstmts; i++) {
        sm_qctx_t q;
        qctx_init(&q, lake, opts);
        q.sql = ast->stmts[i]->text.p;
        rc = check_stmt(&q, ast->stmts[i], e);
        qctx_free(&q);
    }
    sm_sql_ast_free(ast);
    return rc;
}

/* ---- streaming ----------------------------------------------------------------- */

struct sm_query {
    sm_qctx_t q;
    sm_sql_ast_t *ast;
    sm_op_t *op;
    sm_xnode_t *x;
    sm_type_t *schema;
};

sm_err_t sm_query_plan(sm_lake_t *lake, const char *sql, const sm_query_opts_t *opts,
                       sm_query_t **out, sm_error_t *e)
{
    sm_query_t *qq = sm_calloc(1, sizeof *qq);
    sm_lp_t *lp = NULL;
    *out = NULL;
    if (!qq)
        return sm_error_nomem(e, "query");
    qctx_init(&qq->q, lake, opts);
    sm_err_t rc = sm_sql_parse_statement(sm_str_c(sql), NULL, &qq->ast, e);
    if (rc)
        goto fail;
    const sm_sql_stmt_t *st = qq->ast->stmts[0];
    if (st->kind != SM_SQL_STMT_QUERY) {
        rc = pos_err(st->pos, e, SM_ERR_INVALID, "a query (SELECT, VALUES, WITH) is expected here");
        goto fail;
    }
    rc = sm_bind_query(&qq->q, st->u.query, &lp, e);
    if (!rc)
        rc = sm_plan_build(&qq->q, lp, &qq->op, &qq->x, e);
    if (!rc) {
        qq->schema = sm_plan_schema(lp);
        if (!qq->schema)
            rc = sm_error_nomem(e, "query");
    }
    if (rc)
        goto fail;
    *out = qq;
    return SM_OK;
fail:
    sm_query_free(qq);
    return rc;
}

sm_op_t *sm_query_root(sm_query_t *q)
{
    return q->op;
}

sm_type_t *sm_query_schema(const sm_query_t *q)
{
    return q->schema;
}

sm_err_t sm_query_explain(const sm_query_t *q, bool analyzed, sm_buf_t *out, sm_error_t *e)
{
    return sm_plan_explain(q->x, analyzed, out, e);
}

void sm_query_free(sm_query_t *q)
{
    if (!q)
        return;
    sm_op_free(q->op);
    qctx_free(&q->q);
    sm_sql_ast_free(q->ast);
    sm_type_free(q->schema);
    sm_free(q);
}
