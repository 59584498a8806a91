/* sql/dml — DELETE and UPDATE on Delta tables, and what MERGE shares with
 * them: the target, its candidate files, binding conditions and values,
 * and the copy-on-write rewrite committed in one Delta commit (see
 * dml_int.h). */
#include <stdio.h>
#include <string.h>

#include "columnar/print.h"
#include "core/mem.h"
#include "core/str.h"
#include "delta/scan.h"
#include "sql/dml_int.h"

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "DML");
}

/* ---- the target ------------------------------------------------------------ */

sm_err_t sm_dml_target_load(sm_qctx_t *q, const sm_sql_name_t *n, const sm_sql_ident_t *alias,
                            sm_sql_pos_t pos, sm_dml_target_t *t, sm_error_t *e)
{
    memset(t, 0, sizeof *t);
    sm_delta_snapshot_t *snap = NULL;
    sm_err_t rc = sm_qctx_load_table(q, n, &t->lt, &snap, e);
    if (rc)
        return sm_bind_err(pos, e, rc, "%s", e ? e->msg : "cannot load the table");
    char name[1024] = "";
    for (size_t i = 0; i < n->nparts; i++) {
        size_t l = strlen(name);
        snprintf(name + l, sizeof name - l, "%s%s", i ? "." : "", n->parts[i].name);
    }
    t->name = sm_qctx_strdup(q, t->lt->name ? t->lt->name : name);
    if (!t->name)
        return nomem(e);
    if (!snap)
        return sm_bind_err(pos, e, SM_ERR_NOT_FOUND, "table \"%s\" not found", t->name);
    t->snap = snap;
    t->qual = alias && alias->name ? alias->name : n->parts[n->nparts - 1].name;
    if ((!alias || !alias->name) && n->nparts >= 2) {
        char q2[512];
        snprintf(q2, sizeof q2, "%s.%s", n->parts[n->nparts - 2].name,
                 n->parts[n->nparts - 1].name);
        if (!(t->qual2 = sm_qctx_strdup(q, q2)))
            return nomem(e);
    }
    return SM_OK;
}

sm_err_t sm_dml_scan(binder_t *b, const sm_dml_target_t *t, size_t fi, sm_lp_t **out, scope_t *sc,
                     sm_error_t *e)
{
    const sm_delta_snapshot_t *snap = t->snap;
    if (fi != SIZE_MAX) {
        /* a view of the snapshot with that one file (borrows everything) */
        sm_delta_snapshot_t *v = sm_qctx_alloc(b->q, sizeof *v);
        if (!v)
            return nomem(e);
        *v = *snap;
        v->files = &snap->files[fi];
        v->nfiles = 1;
        snap = v;
    }
    return sm_bind_snapshot_scan(b, t->lt->store, snap, t->name, t->qual, t->qual2, out, sc, e);
}

sm_err_t sm_dml_bind_cond(binder_t *b, scope_t *sc, const sm_sql_expr_t *a, const char *clause,
                          sm_expr_t **out, sm_error_t *e)
{
    sm_expr_pool_t *p = &b->q->pool;
    sm_value_t v = {.kind = SM_TYPE_BOOL, .u.b = a == NULL};
    sm_expr_t *lit = NULL, *x = NULL;
    sm_err_t rc = sm_expr_literal(p, &v, sm_type_bool(), &lit, e);
    if (rc || !a) {
        *out = lit;
        return rc;
    }
    ectx_t cx = {.b = b, .sc = sc, .clause = clause};
    if ((rc = sm_bind_expr(&cx, a, &x, e)))
        return rc;
    if (x->type->kind == SM_TYPE_NULL && (rc = sm_expr_cast(p, x, sm_type_bool(), false, &x, e)))
        return rc;
    if (x->type->kind != SM_TYPE_BOOL)
        return sm_bind_err(a->pos, e, SM_ERR_INVALID, "%s must be boolean, not %s", clause,
                           sm_type_kind_name(x->type->kind));
    return sm_expr_coalesce(p, (sm_expr_t *[]){x, lit}, 2, out, e);
}

sm_err_t sm_dml_bind_value(binder_t *b, scope_t *sc, const sm_sql_expr_t *a, const sm_field_t *col,
                           sm_expr_t **out, sm_error_t *e)
{
    ectx_t cx = {.b = b, .sc = sc, .clause = "SET"};
    sm_err_t rc = sm_bind_expr(&cx, a, out, e);
    if (rc)
        return rc;
    if (sm_type_equal_ex((*out)->type, col->type, SM_TYPE_EQ_IGNORE_NULLABLE))
        return SM_OK;
    rc = sm_expr_cast(&b->q->pool, *out, col->type, false, out, e);
    if (rc)
        return sm_bind_err(a->pos, e, rc, "column \"%s\": %s", col->name,
                           e ? e->msg : "cannot cast");
    return SM_OK;
}

sm_err_t sm_dml_column(const sm_dml_target_t *t, const sm_sql_name_t *name, sm_sql_pos_t pos,
                       uint32_t *out, sm_error_t *e)
{
    const char *c = name->parts[name->nparts - 1].name;
    int k = sm_type_field_index(t->snap->schema, c, strlen(c), true);
    if (k < 0)
        return sm_bind_err(pos, e, SM_ERR_NOT_FOUND, "table %s has no column \"%s\"", t->name, c);
    *out = (uint32_t)k;
    return SM_OK;
}

sm_err_t sm_dml_candidates(binder_t *b, const sm_dml_target_t *t, const sm_sql_expr_t *pred,
                           size_t **idx, size_t *n, sm_error_t *e)
{
    const sm_delta_snapshot_t *snap = t->snap;
    *n = 0;
    *idx = sm_qctx_alloc(b->q, (snap->nfiles + 1) * sizeof **idx);
    if (!*idx)
        return nomem(e);
    if (!pred) {
        for (size_t i = 0; i < snap->nfiles; i++)
            (*idx)[(*n)++] = i;
        return SM_OK;
    }
    scope_t sc = {0};
    sm_lp_t *scan = NULL;
    sm_expr_t *x = NULL;
    sm_err_t rc = sm_dml_scan(b, t, SIZE_MAX, &scan, &sc, e);
    if (!rc) {
        ectx_t cx = {.b = b, .sc = &sc, .clause = "WHERE"};
        rc = sm_bind_expr(&cx, pred, &x, e);
    }
    if (rc)
        return rc;
    sm_scan_files_t files;
    if ((rc = sm_plan_prune_files(b->q, scan, x, &files, e)))
        return rc;
    /* both lists follow the snapshot's (path) order */
    char key[SM_STORE_KEY_MAX + 1];
    size_t j = 0;
    for (size_t i = 0; i < snap->nfiles && j < files.nfiles && !rc; i++) {
        rc = sm_delta_file_key(snap, snap->files[i].path, key, sizeof key, e);
        if (!rc && strcmp(key, files.files[j].key) == 0) {
            (*idx)[(*n)++] = i;
            j++;
        }
    }
    if (!rc && j != files.nfiles)
        rc = sm_error_set(e, SM_ERR_INTERNAL, "DML: pruned files are not in the snapshot's order");
    sm_scan_files_free(&files);
    return rc;
}

sm_err_t sm_dml_count(sm_op_t *op, size_t col, int64_t *rows, int64_t *trues, sm_error_t *e)
{
    *rows = *trues = 0;
    sm_err_t rc = sm_op_open(op, e);
    while (!rc) {
        sm_batch_t *bt = NULL;
        rc = sm_op_next(op, &bt, e);
        if (rc || !bt)
            break;
        *rows += (int64_t)bt->nrows;
        if (col != SIZE_MAX)
            for (size_t i = 0; i < bt->nrows; i++)
                *trues +=
                    !sm_vector_is_null(bt->cols[col], i) && sm_vector_get_bool(bt->cols[col], i);
        sm_batch_free(bt);
    }
    sm_op_close(op);
    return rc;
}

/* ---- the rewrite -------------------------------------------------------------- */

void sm_dml_rewrite_init(sm_dml_rewrite_t *rw, sm_qctx_t *q, const sm_dml_target_t *t,
                         const char *operation)
{
    memset(rw, 0, sizeof *rw);
    rw->operation = operation;
    rw->q = q;
    rw->t = t;
}

static sm_err_t removed_slots(sm_dml_rewrite_t *rw, sm_error_t *e)
{
    if (rw->removed)
        return SM_OK;
    size_t n = rw->t->snap->nfiles;
    rw->removed = sm_qctx_alloc(rw->q, (n + 1) * sizeof *rw->removed);
    return rw->removed ? SM_OK : nomem(e);
}

void sm_dml_rewrite_remove(sm_dml_rewrite_t *rw, size_t fi)
{
    if (removed_slots(rw, NULL))
        return; /* reported by the commit */
    if (!rw->removed[fi].path)
        rw->nremoved++;
    rw->removed[fi] = rw->t->snap->files[fi];
}

static sm_err_t open_writer(sm_dml_rewrite_t *rw, sm_error_t *e)
{
    if (rw->w)
        return SM_OK;
    sm_err_t rc = removed_slots(rw, e);
    if (rc)
        return rc;
    const sm_delta_snapshot_t *snap = rw->t->snap;
    sm_delta_write_opts_t o = {0};
    o.mode = SM_DELTA_REWRITE;
    o.remove_files = rw->removed;
    o.nremove_files = snap->nfiles;
    o.read_version = snap->version;
    o.now_ms = rw->q->now_us / 1000;
    o.operation = rw->operation;
    o.operation_params = rw->params;
    o.operation_metrics = rw->metrics;
    o.parquet.codec = SM_PQ_CODEC_SNAPPY;
    o.parquet.pool = rw->q->exec.pool; /* column chunks encoded on the query's pool */
    return sm_delta_write_open(rw->t->lt->store, rw->t->lt->prefix, snap->schema, &o, &rw->w, e);
}

sm_err_t sm_dml_rewrite_rows(sm_dml_rewrite_t *rw, sm_op_t *op, int64_t *rows, sm_error_t *e)
{
    sm_err_t rc = open_writer(rw, e);
    if (!rc)
        rc = sm_op_open(op, e);
    else
        return rc;
    while (!rc) {
        sm_batch_t *bt = NULL;
        rc = sm_op_next(op, &bt, e);
        if (rc || !bt)
            break;
        if (bt->nrows)
            rc = sm_delta_write_batch(rw->w, bt, e);
        *rows += (int64_t)bt->nrows;
        sm_batch_free(bt);
    }
    sm_op_close(op);
    return rc;
}

sm_err_t sm_dml_rewrite_commit(sm_dml_rewrite_t *rw, sm_dml_result_t *r, sm_error_t *e)
{
    const char *operation = rw->operation;
    r->version = -1;
    r->table = rw->t->name;
    r->files_removed = (int64_t)rw->nremoved;
    if (!rw->w && rw->nremoved == 0)
        return SM_OK; /* nothing changed: no commit */
    sm_err_t rc = open_writer(rw, e);
    if (rc)
        return rc;
    sm_delta_write_t *w = rw->w;
    rw->w = NULL;
    /* the writer borrows rw->metrics: fill it in place */
    if (strcmp(operation, "MERGE") == 0)
        snprintf(rw->metrics, sizeof rw->metrics,
                 "{\"numTargetFilesRemoved\":\"%lld\",\"numTargetRowsInserted\":\"%lld\","
                 "\"numTargetRowsUpdated\":\"%lld\",\"numTargetRowsDeleted\":\"%lld\","
                 "\"numTargetRowsCopied\":\"%lld\",\"numOutputRows\":\"%lld\"}",
                 (long long)rw->nremoved, (long long)r->inserted, (long long)r->updated,
                 (long long)r->deleted, (long long)r->copied,
                 (long long)(r->inserted + r->updated + r->copied));
    else
        snprintf(rw->metrics, sizeof rw->metrics,
                 "{\"numRemovedFiles\":\"%lld\",\"num%sRows\":\"%lld\",\"numCopiedRows\":\"%lld\"}",
                 (long long)rw->nremoved, strcmp(operation, "DELETE") == 0 ? "Deleted" : "Updated",
                 (long long)(strcmp(operation, "DELETE") == 0 ? r->deleted : r->updated),
                 (long long)r->copied);
    sm_delta_write_result_t wr = {0};
    rc = sm_delta_write_commit(w, &wr, e);
    if (rc)
        return rc;
    r->version = wr.version;
    r->files_added = wr.files_added;
    return SM_OK;
}

void sm_dml_rewrite_abort(sm_dml_rewrite_t *rw)
{
    sm_delta_write_abort(rw->w);
    rw->w = NULL;
}

const char *sm_dml_params(sm_qctx_t *q, const sm_sql_expr_t *pred, const char *extra)
{
    /* Spark: {"predicate":"[\"(id > 5)\"]"}: a JSON array as a string */
    sm_buf_t sql = SM_BUF_INIT, arr = SM_BUF_INIT, j = SM_BUF_INIT;
    char *out = NULL;
    sm_err_t rc = sm_buf_append_byte(&arr, '[', NULL);
    if (!rc && pred && !(rc = sm_sql_print_expr(&sql, pred, NULL)))
        rc = sm_print_json_string(sql.data, sql.len, &arr, NULL);
    if (!rc)
        rc = sm_buf_append_byte(&arr, ']', NULL);
    if (!rc)
        rc = sm_buf_append_str(&j, "{\"predicate\":", NULL);
    if (!rc)
        rc = sm_print_json_string(arr.data, arr.len, &j, NULL);
    if (!rc)
        rc = sm_buf_printf(&j, NULL, "%s%s}", extra ? "," : "", extra ? extra : "");
    if (!rc)
        out = sm_qctx_strdup(q, (char *)j.data);
    sm_buf_free(&sql);
    sm_buf_free(&arr);
    sm_buf_free(&j);
    return out;
}

/* ---- DELETE ------------------------------------------------------------------ */

/* The plan of one file: [m] (count) or the rows where m is not TRUE. */
static sm_err_t delete_plan(binder_t *b, const sm_dml_target_t *t, size_t fi,
                            const sm_sql_stmt_t *st, bool rows, sm_op_t **op, sm_error_t *e)
{
    const sm_sql_expr_t *where = st->u.delete_.where;
    scope_t sc = {0};
    sm_lp_t *scan = NULL, *lp;
    sm_expr_t *m = NULL;
    sm_err_t rc = sm_dml_scan(b, t, fi, &scan, &sc, e);
    if (!rc)
        rc = sm_dml_bind_cond(b, &sc, where, "WHERE", &m, e);
    if (rc)
        return rc;
    if (rows) {
        if ((rc = sm_expr_not(&b->q->pool, m, &m, e)))
            return rc;
        lp = sm_bind_lp_new(b, SM_LP_FILTER, 0);
        if (!lp)
            return nomem(e);
        lp->cols = scan->cols;
        lp->ncols = scan->ncols;
        lp->u.pred = m;
    } else {
        lp = sm_bind_lp_new(b, SM_LP_PROJECT, 1);
        if (!lp || !(lp->u.exprs = sm_qctx_alloc(b->q, sizeof *lp->u.exprs)))
            return nomem(e);
        lp->u.exprs[0] = m;
        lp->cols[0] = (sm_lcol_t){b->q->next_cid++, "m", m->type, false};
    }
    lp->in[0] = scan;
    return sm_plan_build(b->q, lp, op, NULL, e);
}

typedef sm_err_t (*plan_fn)(binder_t *b, const sm_dml_target_t *t, size_t fi,
                            const sm_sql_stmt_t *st, bool rows, sm_op_t **op, sm_error_t *e);

/* Dry run: both plans of the first candidate file, built and freed. */
static sm_err_t dry_run(binder_t *b, const sm_dml_target_t *t, const size_t *cand, size_t ncand,
                        const sm_sql_stmt_t *st, plan_fn fn, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (int rows = 0; rows < 2 && ncand && !rc; rows++) {
        sm_op_t *op = NULL;
        rc = fn(b, t, cand[0], st, rows, &op, e);
        sm_op_free(op);
    }
    return rc;
}

/* The copy-on-write pass shared by DELETE and UPDATE.  For each candidate
 * file, fn's count plan says how many of its rows match; a file with
 * matches is removed and rewritten with fn's rows plan, unless `deleting`
 * and every row matched (nothing of it stays).  Adds the matches to
 * *matched and the rows written to *written. */
static sm_err_t rewrite_matching(binder_t *b, const sm_dml_target_t *t, const size_t *cand,
                                 size_t ncand, const sm_sql_stmt_t *st, plan_fn fn, bool deleting,
                                 sm_dml_rewrite_t *rw, int64_t *matched, int64_t *written,
                                 sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t k = 0; k < ncand && !rc; k++) {
        size_t fi = cand[k];
        sm_op_t *op = NULL;
        int64_t nrows = 0, hit = 0, out = 0;
        rc = fn(b, t, fi, st, false, &op, e);
        if (!rc)
            rc = sm_dml_count(op, 0, &nrows, &hit, e);
        sm_op_free(op);
        if (rc || hit == 0)
            continue;
        sm_dml_rewrite_remove(rw, fi);
        *matched += hit;
        if (deleting && hit == nrows)
            continue; /* the whole file goes */
        op = NULL;
        rc = fn(b, t, fi, st, true, &op, e);
        if (!rc)
            rc = sm_dml_rewrite_rows(rw, op, &out, e);
        sm_op_free(op);
        *written += out;
        if (!rc && out != (deleting ? nrows - hit : nrows))
            rc = sm_error_set(e, SM_ERR_INTERNAL, "%s: %s changed while it was read", rw->operation,
                              t->snap->files[fi].path);
    }
    return rc;
}

sm_err_t sm_dml_delete(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e)
{
    binder_t b = {.q = q};
    sm_dml_target_t t;
    sm_dml_rewrite_t rw;
    const sm_sql_expr_t *where = st->u.delete_.where;
    size_t *cand = NULL, ncand = 0;
    sm_err_t rc = sm_dml_target_load(q, &st->u.delete_.table, &st->u.delete_.alias, st->pos, &t, e);
    if (rc)
        return rc;
    sm_dml_rewrite_init(&rw, q, &t, "DELETE");
    rw.params = sm_dml_params(q, where, NULL);
    if (!rw.params)
        return nomem(e);
    if ((rc = sm_dml_candidates(&b, &t, where, &cand, &ncand, e)))
        return rc;
    if (q->dry_run)
        return dry_run(&b, &t, cand, ncand, st, delete_plan, e);
    rc = rewrite_matching(&b, &t, cand, ncand, st, delete_plan, true, &rw, &r->deleted, &r->copied,
                          e);
    if (!rc)
        rc = sm_dml_rewrite_commit(&rw, r, e);
    sm_dml_rewrite_abort(&rw);
    return rc;
}

/* ---- UPDATE ------------------------------------------------------------------ */

/* The plan of one file: [m] (count), or every row with the SET values
 * where m is TRUE. */
static sm_err_t update_plan(binder_t *b, const sm_dml_target_t *t, size_t fi,
                            const sm_sql_stmt_t *st, bool rows, sm_op_t **op, sm_error_t *e)
{
    scope_t sc = {0};
    sm_lp_t *scan = NULL;
    sm_expr_t *m = NULL;
    const sm_type_t *ts = t->snap->schema;
    sm_err_t rc = sm_dml_scan(b, t, fi, &scan, &sc, e);
    if (!rc)
        rc = sm_dml_bind_cond(b, &sc, st->u.update.where, "WHERE", &m, e);
    if (rc)
        return rc;
    size_t n = rows ? ts->nfields : 1;
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_PROJECT, n);
    if (!lp || !(lp->u.exprs = sm_qctx_alloc(b->q, n * sizeof *lp->u.exprs)))
        return nomem(e);
    lp->in[0] = scan;
    if (!rows) {
        lp->u.exprs[0] = m;
        lp->cols[0] = (sm_lcol_t){b->q->next_cid++, "m", m->type, false};
        return sm_plan_build(b->q, lp, op, NULL, e);
    }
    bool first = true; /* m is used once; later CASEs bind it again */
    for (uint32_t c = 0; c < ts->nfields && !rc; c++) {
        const sm_field_t *f = &ts->fields[c];
        const sm_sql_assign_t *as = NULL;
        for (size_t i = 0; i < st->u.update.nset; i++) {
            uint32_t k = 0;
            if (sm_dml_column(t, &st->u.update.set[i].column, st->pos, &k, NULL) == SM_OK && k == c)
                as = &st->u.update.set[i];
        }
        sm_expr_t *old = NULL, *val = NULL, *x = NULL;
        rc = sm_bind_lcol_ref(b, &scan->cols[c], &old, e);
        if (rc || !as) {
            lp->u.exprs[c] = old;
            lp->cols[c] = (sm_lcol_t){b->q->next_cid++, f->name, f->type, true};
            continue;
        }
        if (!first)
            rc = sm_dml_bind_cond(b, &sc, st->u.update.where, "WHERE", &m, e);
        first = false;
        if (!rc)
            rc = sm_dml_bind_value(b, &sc, as->value, f, &val, e);
        if (!rc)
            rc = sm_expr_case(&b->q->pool, NULL, &m, &val, 1, old, &x, e);
        if (!rc && !sm_type_equal_ex(x->type, f->type, SM_TYPE_EQ_IGNORE_NULLABLE))
            rc = sm_expr_cast(&b->q->pool, x, f->type, false, &x, e);
        lp->u.exprs[c] = x;
        lp->cols[c] = (sm_lcol_t){b->q->next_cid++, f->name, f->type, true};
    }
    return rc ? rc : sm_plan_build(b->q, lp, op, NULL, e);
}

sm_err_t sm_dml_update(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e)
{
    binder_t b = {.q = q};
    sm_dml_target_t t;
    sm_dml_rewrite_t rw;
    size_t *cand = NULL, ncand = 0;
    sm_err_t rc = sm_dml_target_load(q, &st->u.update.table, &st->u.update.alias, st->pos, &t, e);
    if (rc)
        return rc;
    /* every SET names a column once */
    for (size_t i = 0; i < st->u.update.nset && !rc; i++) {
        uint32_t k = 0, k2 = 0;
        rc = sm_dml_column(&t, &st->u.update.set[i].column, st->u.update.set[i].value->pos, &k, e);
        for (size_t j = 0; j < i && !rc; j++)
            if (sm_dml_column(&t, &st->u.update.set[j].column, st->pos, &k2, NULL) == SM_OK &&
                k2 == k)
                rc = sm_bind_err(st->u.update.set[i].value->pos, e, SM_ERR_INVALID,
                                 "column \"%s\" is set twice", t.snap->schema->fields[k].name);
    }
    if (rc)
        return rc;
    sm_dml_rewrite_init(&rw, q, &t, "UPDATE");
    rw.params = sm_dml_params(q, st->u.update.where, NULL);
    if (!rw.params)
        return nomem(e);
    if ((rc = sm_dml_candidates(&b, &t, st->u.update.where, &cand, &ncand, e)))
        return rc;
    if (q->dry_run)
        return dry_run(&b, &t, cand, ncand, st, update_plan, e);
    int64_t written = 0;
    rc = rewrite_matching(&b, &t, cand, ncand, st, update_plan, false, &rw, &r->updated, &written,
                          e);
    r->copied += written - r->updated;
    if (!rc)
        rc = sm_dml_rewrite_commit(&rw, r, e);
    sm_dml_rewrite_abort(&rw);
    return rc;
}
