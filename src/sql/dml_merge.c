/* sql/dml_merge — MERGE INTO a Delta table (see dml_int.h).
 *
 * The source is bound, run and collected once, with a row number (__sid)
 * added: it is the build side.  Each target file is then streamed on its
 * own through  target LEFT JOIN source ON cond  and a clause number k per
 * joined row (0: the row stays as it is; i: clause i, the first whose
 * condition holds, in the order written).  A first pass counts; a file
 * where no clause applies is left alone; else a second pass writes the
 * rows that are not deleted, with the SET values of their clause.  A target
 * row matched by several source rows makes the join give more rows than
 * the file has: that is an error (Delta's rule) unless the only MATCHED
 * clause is an unconditional DELETE.  Source rows no target row matched
 * go through the NOT MATCHED clauses last (inserts). */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "sql/dml_int.h"

typedef struct merge {
    binder_t b;
    const sm_sql_stmt_t *st;
    sm_dml_target_t t;
    sm_dml_rewrite_t rw;
    sm_lp_t *src; /* VALUES: the collected source rows + __sid */
    scope_t ssc;  /* the source's names */
    scope_t sc0;  /* the scope of the bound source (names, cids of src0) */
    sm_lp_t *src0;
    sm_batch_t *sb; /* source rows + __sid */
    uint8_t *matched;
    size_t nsrc;
    size_t nclauses;
    bool delete_only; /* the only MATCHED clause: an unconditional DELETE */
    size_t nmatched_clauses;
} merge_t;

static sm_err_t nomem(sm_error_t *e)
{
    return sm_error_nomem(e, "MERGE");
}

static const sm_sql_merge_clause_t *clause(const merge_t *m, size_t i)
{
    return &m->st->u.merge.clauses[i];
}

static sm_err_t int_lit(merge_t *m, int64_t v, sm_expr_t **out, sm_error_t *e)
{
    sm_value_t val = {.kind = SM_TYPE_INT32, .u.i = v};
    return sm_expr_literal(&m->b.q->pool, &val, sm_type_int32(), out, e);
}

/* ---- the source ------------------------------------------------------------------ */

static void batch_free_cb(void *p)
{
    sm_batch_free(p);
}

/* A VALUES node over batch bt (schema: the source's columns + __sid), and
 * a scope giving the source's names to its columns. */
static sm_err_t values_node(merge_t *m, sm_batch_t *bt, sm_lp_t **out, scope_t *sc, sm_error_t *e)
{
    binder_t *b = &m->b;
    size_t n = bt->ncols;
    sm_lp_t *lp = sm_bind_lp_new(b, SM_LP_VALUES, n);
    sm_batch_t **arr = sm_qctx_alloc(b->q, sizeof *arr);
    if (!lp || !arr)
        return nomem(e);
    arr[0] = bt;
    lp->u.values.b = arr;
    lp->u.values.nb = 1;
    lp->u.values.schema = bt->schema;
    for (size_t i = 0; i < n; i++)
        lp->cols[i] = (sm_lcol_t){b->q->next_cid++, bt->schema->fields[i].name,
                                  bt->schema->fields[i].type, true};
    memset(sc, 0, sizeof *sc);
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < m->sc0.n && !rc; i++) {
        scol_t c = m->sc0.c[i];
        for (size_t k = 0; k < m->src0->ncols; k++)
            if (m->src0->cols[k].cid == c.cid) {
                c.cid = lp->cols[k].cid;
                c.nullable = true;
                rc = sm_bind_scope_push(b, sc, &c, e);
                break;
            }
    }
    *out = lp;
    return rc;
}

/* The source batch with a row number column appended; takes over bt. */
static sm_err_t with_sid(merge_t *m, sm_batch_t *bt, sm_batch_t **out, sm_error_t *e)
{
    size_t n = bt->ncols;
    sm_field_t *f = sm_calloc(n + 1, sizeof *f);
    sm_vector_t **cols = sm_calloc(n + 1, sizeof *cols);
    sm_type_t *schema = NULL;
    sm_err_t rc = SM_OK;
    *out = NULL;
    if (!f || !cols) {
        rc = nomem(e);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        f[i] = bt->schema->fields[i];
        f[i].type = sm_type_ref(f[i].type); /* sm_type_struct takes the fields' types */
    }
    f[n] = (sm_field_t){"__sid", sm_type_int64(), false};
    if (!(schema = sm_type_struct(f, n + 1))) {
        rc = nomem(e);
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++)
        rc = sm_vector_copy(bt->cols[i], &cols[i], e);
    if (!rc)
        rc = sm_vector_new(sm_type_int64(), bt->nrows, &cols[n], e);
    for (size_t r = 0; r < bt->nrows && !rc; r++)
        rc = sm_vector_append_i64(cols[n], (int64_t)r, e);
    if (!rc) {
        rc = sm_batch_from_vectors(schema, cols, n + 1, out, e);
        memset(cols, 0, (n + 1) * sizeof *cols); /* taken over */
    }
out:
    for (size_t i = 0; cols && i <= n; i++)
        sm_vector_free(cols[i]);
    sm_free(cols);
    sm_free(f);
    sm_type_free(schema);
    sm_batch_free(bt);
    (void)m;
    return rc;
}

static sm_err_t load_source(merge_t *m, sm_error_t *e)
{
    binder_t *b = &m->b;
    sm_op_t *op = NULL;
    sm_batch_t *bt = NULL;
    sm_err_t rc = sm_bind_from_item(b, m->st->u.merge.source, &m->src0, &m->sc0, e);
    if (!rc)
        rc = sm_plan_build(b->q, m->src0, &op, NULL, e);
    if (!rc)
        rc = sm_plan_collect(op, &bt, e);
    sm_op_free(op);
    if (!rc)
        rc = with_sid(m, bt, &m->sb, e);
    if (!rc)
        rc = sm_qctx_on_free(b->q, batch_free_cb, m->sb, e);
    if (rc)
        return rc;
    m->nsrc = m->sb->nrows;
    m->matched = sm_qctx_alloc(b->q, m->nsrc + 1);
    if (!m->matched)
        return nomem(e);
    return values_node(m, m->sb, &m->src, &m->ssc, e);
}

/* ---- binding clause parts ----------------------------------------------------------- */

/* The source column named like target column f (UPDATE SET * / INSERT *). */
static sm_err_t by_name(merge_t *m, const scope_t *ssc, const sm_field_t *f, sm_sql_pos_t pos,
                        sm_expr_t **out, sm_error_t *e)
{
    for (size_t i = 0; i < ssc->n; i++) {
        const scol_t *c = &ssc->c[i];
        if (c->hidden || !sm_str_eq_nocase(sm_str_c(c->name), sm_str_c(f->name)))
            continue;
        sm_err_t rc = sm_expr_column(&m->b.q->pool, c->cid, c->type, true, c->name, out, e);
        if (!rc && !sm_type_equal_ex((*out)->type, f->type, SM_TYPE_EQ_IGNORE_NULLABLE))
            rc = sm_expr_cast(&m->b.q->pool, *out, f->type, false, out, e);
        if (rc)
            return sm_bind_err(pos, e, rc, "column \"%s\": %s", f->name, e ? e->msg : "");
        return SM_OK;
    }
    return sm_bind_err(pos, e, SM_ERR_NOT_FOUND,
                       "the MERGE source has no column \"%s\" for the target's column", f->name);
}

/* The value clause i gives target column c (NULL *out: the column keeps
 * its value / is NULL for an insert). */
static sm_err_t clause_value(merge_t *m, size_t i, uint32_t c, scope_t *sc, const scope_t *ssc,
                             sm_expr_t **out, sm_error_t *e)
{
    const sm_sql_merge_clause_t *cl = clause(m, i);
    const sm_field_t *f = &m->t.snap->schema->fields[c];
    *out = NULL;
    switch (cl->action) {
    case SM_SQL_MERGE_UPDATE_STAR:
    case SM_SQL_MERGE_INSERT_STAR:
        return by_name(m, ssc, f, cl->pos, out, e);
    case SM_SQL_MERGE_UPDATE:
        for (size_t k = 0; k < cl->nassigns; k++) {
            uint32_t col = 0;
            sm_err_t rc =
                sm_dml_column(&m->t, &cl->assigns[k].column, cl->assigns[k].value->pos, &col, e);
            if (rc)
                return rc;
            if (col == c)
                return sm_dml_bind_value(&m->b, sc, cl->assigns[k].value, f, out, e);
        }
        return SM_OK;
    case SM_SQL_MERGE_INSERT:
        for (size_t k = 0; k < cl->nvalues; k++) {
            bool hit = cl->ncols ? sm_str_eq_nocase(sm_str_c(cl->cols[k].name), sm_str_c(f->name))
                                 : k == c;
            if (hit)
                return sm_dml_bind_value(&m->b, sc, cl->values[k], f, out, e);
        }
        return SM_OK;
    case SM_SQL_MERGE_DELETE:
        return SM_OK;
    }
    return SM_OK;
}

static sm_err_t check_clauses(merge_t *m, sm_error_t *e)
{
    const sm_type_t *ts = m->t.snap->schema;
    size_t nm = 0;
    for (size_t i = 0; i < m->nclauses; i++) {
        const sm_sql_merge_clause_t *cl = clause(m, i);
        if (cl->match == SM_SQL_MERGE_MATCHED)
            nm++;
        if (cl->match == SM_SQL_MERGE_NOT_MATCHED_BY_SOURCE &&
            cl->action == SM_SQL_MERGE_UPDATE_STAR)
            return sm_bind_err(cl->pos, e, SM_ERR_INVALID,
                               "WHEN NOT MATCHED BY SOURCE cannot UPDATE SET * (there is no "
                               "source row)");
        if (cl->action == SM_SQL_MERGE_INSERT) {
            if (cl->ncols && cl->ncols != cl->nvalues)
                return sm_bind_err(cl->pos, e, SM_ERR_INVALID,
                                   "INSERT names %zu columns but gives %zu values", cl->ncols,
                                   cl->nvalues);
            if (!cl->ncols && cl->nvalues != ts->nfields)
                return sm_bind_err(cl->pos, e, SM_ERR_INVALID,
                                   "INSERT gives %zu values for the %u columns of %s", cl->nvalues,
                                   ts->nfields, m->t.name);
            for (size_t k = 0; k < cl->ncols; k++) {
                sm_sql_name_t n = {.parts = &cl->cols[k], .nparts = 1};
                uint32_t col = 0;
                sm_err_t rc = sm_dml_column(&m->t, &n, cl->cols[k].pos, &col, e);
                if (rc)
                    return rc;
            }
        }
        for (size_t k = 0; k < cl->nassigns; k++) {
            uint32_t col = 0;
            sm_err_t rc =
                sm_dml_column(&m->t, &cl->assigns[k].column, cl->assigns[k].value->pos, &col, e);
            if (rc)
                return rc;
        }
    }
    m->nmatched_clauses = nm;
    m->delete_only = false;
    for (size_t i = 0; i < m->nclauses; i++) {
        const sm_sql_merge_clause_t *cl = clause(m, i);
        if (cl->match == SM_SQL_MERGE_MATCHED)
            m->delete_only = nm == 1 && cl->action == SM_SQL_MERGE_DELETE && !cl->cond;
    }
    return SM_OK;
}

/* ---- one target file ------------------------------------------------------------------ */

/* The clause number of a joined row: CASE WHEN <by-source i> ... WHEN
 * <matched i> ... ELSE 0 END, each guarded by whether the row matched. */
static sm_err_t clause_no(merge_t *m, scope_t *all, sm_expr_t **out, sm_error_t *e)
{
    binder_t *b = &m->b;
    sm_expr_pool_t *p = &b->q->pool;
    sm_expr_t **whens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *whens);
    sm_expr_t **thens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *thens);
    sm_expr_t *zero = NULL;
    size_t n = 0;
    if (!whens || !thens)
        return nomem(e);
    sm_err_t rc = int_lit(m, 0, &zero, e);
    for (int pass = 0; pass < 2 && !rc; pass++)
        for (size_t i = 0; i < m->nclauses && !rc; i++) {
            const sm_sql_merge_clause_t *cl = clause(m, i);
            sm_sql_merge_match_t want =
                pass == 0 ? SM_SQL_MERGE_NOT_MATCHED_BY_SOURCE : SM_SQL_MERGE_MATCHED;
            if (cl->match != want)
                continue;
            sm_expr_t *sid = NULL, *guard = NULL, *cond = NULL;
            rc = sm_bind_lcol_ref(b, &m->src->cols[m->src->ncols - 1], &sid, e);
            if (!rc)
                rc = sm_expr_is_null(p, sid, pass == 1, &guard, e);
            if (!rc)
                rc = sm_dml_bind_cond(b, all, cl->cond, "a WHEN condition", &cond, e);
            if (!rc)
                rc = sm_expr_binary(p, SM_OP_AND, guard, cond, &whens[n], e);
            if (!rc)
                rc = int_lit(m, (int64_t)i + 1, &thens[n++], e);
        }
    if (rc)
        return rc;
    if (!n) {
        *out = zero;
        return SM_OK;
    }
    return sm_expr_case(p, NULL, whens, thens, n, zero, out, e);
}

/* target LEFT JOIN source ON cond, then its columns + k; *jout the join. */
static sm_err_t joined(merge_t *m, size_t fi, sm_lp_t **out, sm_lp_t **scan, scope_t *all,
                       sm_error_t *e)
{
    binder_t *b = &m->b;
    scope_t tsc = {0};
    sm_lp_t *j = NULL;
    sm_expr_t *on = NULL, *k = NULL;
    memset(all, 0, sizeof *all);
    sm_err_t rc = sm_dml_scan(b, &m->t, fi, scan, &tsc, e);
    for (size_t i = 0; i < tsc.n && !rc; i++)
        rc = sm_bind_scope_push(b, all, &tsc.c[i], e);
    for (size_t i = 0; i < m->ssc.n && !rc; i++)
        rc = sm_bind_scope_push(b, all, &m->ssc.c[i], e);
    if (!rc) {
        ectx_t cx = {.b = b, .sc = all, .clause = "the MERGE condition"};
        rc = sm_bind_expr(&cx, m->st->u.merge.on, &on, e);
    }
    if (rc)
        return rc;
    if (on->type->kind != SM_TYPE_BOOL)
        return sm_bind_err(m->st->u.merge.on->pos, e, SM_ERR_INVALID,
                           "the MERGE condition must be boolean");
    if ((rc = sm_bind_join_node(b, SM_JOIN_LEFT, *scan, m->src, on, &j, e)) ||
        (rc = clause_no(m, all, &k, e)))
        return rc;
    sm_lp_t *pa = sm_bind_lp_new(b, SM_LP_PROJECT, j->ncols + 1);
    if (!pa || !(pa->u.exprs = sm_qctx_alloc(b->q, (j->ncols + 1) * sizeof *pa->u.exprs)))
        return nomem(e);
    pa->in[0] = j;
    for (size_t i = 0; i < j->ncols && !rc; i++) {
        pa->cols[i] = j->cols[i];
        rc = sm_bind_lcol_ref(b, &j->cols[i], &pa->u.exprs[i], e);
    }
    pa->cols[j->ncols] = (sm_lcol_t){b->q->next_cid++, "__k", k->type, false};
    pa->u.exprs[j->ncols] = k;
    *out = pa;
    return rc;
}

/* A projection of node's columns picked by cid (cids[0..n)). */
static sm_err_t pick(binder_t *b, sm_lp_t *node, const sm_lcol_t *cols, size_t n, sm_lp_t **out,
                     sm_error_t *e)
{
    sm_lp_t *p = sm_bind_lp_new(b, SM_LP_PROJECT, n);
    if (!p || !(p->u.exprs = sm_qctx_alloc(b->q, (n + 1) * sizeof *p->u.exprs)))
        return nomem(e);
    p->in[0] = node;
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        p->cols[i] = cols[i];
        p->cols[i].cid = b->q->next_cid++;
        rc = sm_bind_lcol_ref(b, &cols[i], &p->u.exprs[i], e);
    }
    *out = p;
    return rc;
}

/* Rows whose clause number is not one of a DELETE (or, for inserts,
 * whose clause number is not 0). */
static sm_err_t keep_filter(merge_t *m, sm_lp_t **node, bool inserts, sm_error_t *e)
{
    binder_t *b = &m->b;
    sm_lp_t *in = *node;
    const sm_lcol_t *kc = &in->cols[in->ncols - 1];
    sm_expr_t **lits = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *lits);
    size_t n = 0;
    if (!lits)
        return nomem(e);
    sm_err_t rc = SM_OK;
    if (inserts)
        rc = int_lit(m, 0, &lits[n++], e);
    for (size_t i = 0; i < m->nclauses && !rc && !inserts; i++)
        if (clause(m, i)->action == SM_SQL_MERGE_DELETE)
            rc = int_lit(m, (int64_t)i + 1, &lits[n++], e);
    if (rc || n == 0)
        return rc;
    sm_expr_t *k = NULL, *pred = NULL;
    if ((rc = sm_bind_lcol_ref(b, kc, &k, e)) ||
        (rc = sm_expr_in(&b->q->pool, k, lits, n, true, &pred, e)))
        return rc;
    sm_lp_t *f = sm_bind_lp_new(b, SM_LP_FILTER, 0);
    if (!f)
        return nomem(e);
    f->in[0] = in;
    f->cols = in->cols;
    f->ncols = in->ncols;
    f->u.pred = pred;
    *node = f;
    return SM_OK;
}

/* The table's columns: CASE k WHEN i THEN <clause i's value> ... ELSE
 * <old value, or NULL for inserts> END. */
static sm_err_t new_values(merge_t *m, sm_lp_t *node, const sm_lp_t *scan, scope_t *sc,
                           const scope_t *ssc, sm_lp_t **out, sm_error_t *e)
{
    binder_t *b = &m->b;
    sm_expr_pool_t *p = &b->q->pool;
    const sm_type_t *ts = m->t.snap->schema;
    const sm_lcol_t *kc = &node->cols[node->ncols - 1];
    sm_lp_t *pr = sm_bind_lp_new(b, SM_LP_PROJECT, ts->nfields);
    sm_expr_t **whens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *whens);
    sm_expr_t **thens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *thens);
    if (!pr || !whens || !thens ||
        !(pr->u.exprs = sm_qctx_alloc(b->q, ts->nfields * sizeof *pr->u.exprs)))
        return nomem(e);
    pr->in[0] = node;
    sm_err_t rc = SM_OK;
    for (uint32_t c = 0; c < ts->nfields && !rc; c++) {
        const sm_field_t *f = &ts->fields[c];
        sm_expr_t *els = NULL, *x = NULL;
        size_t n = 0;
        if (scan)
            rc = sm_bind_lcol_ref(b, &scan->cols[c], &els, e);
        else {
            sm_value_t nv = sm_value_null(f->type->kind);
            rc = sm_expr_literal(p, &nv, f->type, &els, e);
        }
        for (size_t i = 0; i < m->nclauses && !rc; i++) {
            const sm_sql_merge_clause_t *cl = clause(m, i);
            bool ins = cl->match == SM_SQL_MERGE_NOT_MATCHED;
            if (ins == (scan != NULL) || cl->action == SM_SQL_MERGE_DELETE)
                continue;
            sm_expr_t *v = NULL, *k = NULL, *lit = NULL;
            rc = clause_value(m, i, c, sc, ssc, &v, e);
            if (rc || !v)
                continue;
            if (!(rc = sm_bind_lcol_ref(b, kc, &k, e)) &&
                !(rc = int_lit(m, (int64_t)i + 1, &lit, e)))
                rc = sm_expr_binary(p, SM_OP_EQ, k, lit, &whens[n], e);
            thens[n++] = v;
        }
        if (!rc && n)
            rc = sm_expr_case(p, NULL, whens, thens, n, els, &x, e);
        else
            x = els;
        if (!rc && !sm_type_equal_ex(x->type, f->type, SM_TYPE_EQ_IGNORE_NULLABLE))
            rc = sm_expr_cast(p, x, f->type, false, &x, e);
        pr->u.exprs[c] = x;
        pr->cols[c] = (sm_lcol_t){b->q->next_cid++, f->name, f->type, true};
    }
    *out = pr;
    return rc;
}

/* Counts rows of file fi and whether any clause applies. */
static sm_err_t file_pass1(merge_t *m, size_t fi, int64_t *counts, bool *touched, bool *dup,
                           sm_error_t *e)
{
    binder_t *b = &m->b;
    scope_t all;
    sm_lp_t *pa = NULL, *scan = NULL, *root = NULL;
    sm_op_t *op = NULL;
    int64_t nrows = 0, joined_rows = 0, dummy;
    sm_err_t rc = joined(m, fi, &pa, &scan, &all, e);
    if (rc)
        return rc;
    /* __sid and __k */
    const sm_lcol_t two[2] = {pa->cols[pa->ncols - 2], pa->cols[pa->ncols - 1]};
    if ((rc = pick(b, pa, two, 2, &root, e)) || (rc = sm_plan_build(b->q, root, &op, NULL, e)))
        return rc;
    *touched = false;
    rc = sm_op_open(op, e);
    while (!rc) {
        sm_batch_t *bt = NULL;
        rc = sm_op_next(op, &bt, e);
        if (rc || !bt)
            break;
        joined_rows += (int64_t)bt->nrows;
        for (size_t r = 0; r < bt->nrows; r++) {
            if (!sm_vector_is_null(bt->cols[0], r)) {
                int64_t sid = sm_vector_get_i64(bt->cols[0], r);
                if (sid >= 0 && (size_t)sid < m->nsrc)
                    m->matched[sid] = 1;
            }
            int32_t k = sm_vector_get_i32(bt->cols[1], r);
            if (k > 0 && (size_t)k <= m->nclauses) {
                counts[k - 1]++;
                *touched = true;
            }
        }
        sm_batch_free(bt);
    }
    sm_op_close(op);
    sm_op_free(op);
    if (rc)
        return rc;
    /* rows of the file: a scan that reads no column */
    scope_t sc = {0};
    sm_lp_t *s2 = NULL, *cnt = NULL;
    sm_expr_t *t = NULL;
    op = NULL;
    rc = sm_dml_scan(b, &m->t, fi, &s2, &sc, e);
    if (!rc)
        rc = sm_dml_bind_cond(b, &sc, NULL, "", &t, e);
    if (rc)
        return rc;
    cnt = sm_bind_lp_new(b, SM_LP_PROJECT, 1);
    if (!cnt || !(cnt->u.exprs = sm_qctx_alloc(b->q, sizeof *cnt->u.exprs)))
        return nomem(e);
    cnt->in[0] = s2;
    cnt->u.exprs[0] = t;
    cnt->cols[0] = (sm_lcol_t){b->q->next_cid++, "t", t->type, false};
    rc = sm_plan_build(b->q, cnt, &op, NULL, e);
    if (!rc)
        rc = sm_dml_count(op, SIZE_MAX, &nrows, &dummy, e);
    sm_op_free(op);
    *dup = joined_rows > nrows;
    return rc;
}

static sm_err_t plan_file(merge_t *m, size_t fi, sm_op_t **op, sm_error_t *e);

static sm_err_t file_rewrite(merge_t *m, size_t fi, int64_t *written, sm_error_t *e)
{
    sm_op_t *op = NULL;
    sm_err_t rc = plan_file(m, fi, &op, e);
    if (!rc)
        rc = sm_dml_rewrite_rows(&m->rw, op, written, e);
    sm_op_free(op);
    return rc;
}

/* Dry run: the plans of the first file built and freed. */
static sm_err_t plan_file(merge_t *m, size_t fi, sm_op_t **op, sm_error_t *e)
{
    scope_t all;
    sm_lp_t *pa = NULL, *scan = NULL, *root = NULL;
    sm_err_t rc = joined(m, fi, &pa, &scan, &all, e);
    if (!rc)
        rc = keep_filter(m, &pa, false, e);
    if (!rc)
        rc = new_values(m, pa, scan, &all, &m->ssc, &root, e);
    if (!rc)
        rc = sm_plan_build(m->b.q, root, op, NULL, e);
    return rc;
}

/* ---- inserts ------------------------------------------------------------------------- */

static sm_err_t inserts(merge_t *m, sm_dml_result_t *r, sm_error_t *e)
{
    binder_t *b = &m->b;
    bool any = false;
    for (size_t i = 0; i < m->nclauses; i++)
        any |= clause(m, i)->match == SM_SQL_MERGE_NOT_MATCHED;
    if (!any)
        return SM_OK;
    uint32_t *sel = sm_qctx_alloc(b->q, (m->nsrc + 1) * sizeof *sel);
    size_t n = 0;
    if (!sel)
        return nomem(e);
    for (size_t i = 0; i < m->nsrc; i++)
        if (!m->matched[i])
            sel[n++] = (uint32_t)i;
    if (!n && !b->q->dry_run)
        return SM_OK;
    /* the unmatched source rows */
    sm_vector_t **cols = sm_calloc(m->sb->ncols, sizeof *cols);
    sm_batch_t *ub = NULL;
    if (!cols)
        return nomem(e);
    sm_err_t rc = SM_OK;
    for (size_t c = 0; c < m->sb->ncols && !rc; c++)
        rc = sm_expr_gather(m->sb->cols[c], sel, n, &cols[c], e);
    if (!rc)
        rc = sm_batch_from_vectors(m->sb->schema, cols, m->sb->ncols, &ub, e);
    else
        for (size_t c = 0; c < m->sb->ncols; c++)
            sm_vector_free(cols[c]);
    sm_free(cols);
    if (!rc)
        rc = sm_qctx_on_free(b->q, batch_free_cb, ub, e);
    if (rc)
        return rc;
    /* VALUES(unmatched) + k, rows with a clause, the table's columns */
    sm_lp_t *v = NULL, *pa = NULL, *root = NULL;
    scope_t usc;
    sm_expr_pool_t *p = &b->q->pool;
    if ((rc = values_node(m, ub, &v, &usc, e)))
        return rc;
    sm_expr_t **whens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *whens);
    sm_expr_t **thens = sm_qctx_alloc(b->q, (m->nclauses + 1) * sizeof *thens);
    sm_expr_t *zero = NULL, *k = NULL;
    size_t nw = 0;
    if (!whens || !thens)
        return nomem(e);
    rc = int_lit(m, 0, &zero, e);
    for (size_t i = 0; i < m->nclauses && !rc; i++) {
        const sm_sql_merge_clause_t *cl = clause(m, i);
        if (cl->match != SM_SQL_MERGE_NOT_MATCHED)
            continue;
        rc = sm_dml_bind_cond(b, &usc, cl->cond, "a WHEN NOT MATCHED condition", &whens[nw], e);
        if (!rc)
            rc = int_lit(m, (int64_t)i + 1, &thens[nw++], e);
    }
    if (!rc)
        rc = sm_expr_case(p, NULL, whens, thens, nw, zero, &k, e);
    if (rc)
        return rc;
    pa = sm_bind_lp_new(b, SM_LP_PROJECT, v->ncols + 1);
    if (!pa || !(pa->u.exprs = sm_qctx_alloc(b->q, (v->ncols + 1) * sizeof *pa->u.exprs)))
        return nomem(e);
    pa->in[0] = v;
    for (size_t i = 0; i < v->ncols && !rc; i++) {
        pa->cols[i] = v->cols[i];
        rc = sm_bind_lcol_ref(b, &v->cols[i], &pa->u.exprs[i], e);
    }
    pa->cols[v->ncols] = (sm_lcol_t){b->q->next_cid++, "__k", k->type, false};
    pa->u.exprs[v->ncols] = k;
    sm_op_t *op = NULL;
    if (!rc)
        rc = keep_filter(m, &pa, true, e);
    if (!rc)
        rc = new_values(m, pa, NULL, &usc, &usc, &root, e);
    if (!rc)
        rc = sm_plan_build(b->q, root, &op, NULL, e);
    if (!rc && !b->q->dry_run)
        rc = sm_dml_rewrite_rows(&m->rw, op, &r->inserted, e);
    sm_op_free(op);
    return rc;
}

static sm_err_t dry_run(merge_t *m, sm_error_t *e)
{
    sm_op_t *op = NULL;
    sm_dml_result_t r = {0};
    sm_err_t rc = m->t.snap->nfiles ? plan_file(m, 0, &op, e) : SM_OK;
    sm_op_free(op);
    return rc ? rc : inserts(m, &r, e);
}

/* ---- the statement ------------------------------------------------------------------- */

static sm_err_t params(merge_t *m)
{
    sm_buf_t x = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    static const char *const MATCH[] = {"matchedPredicates", "notMatchedPredicates",
                                        "notMatchedBySourcePredicates"};
    static const char *const ACT[] = {"update", "update", "delete", "insert", "insert"};
    for (int w = 0; w < 3 && !rc; w++) {
        rc = sm_buf_printf(&x, NULL, "%s\"%s\":\"[", w ? "," : "", MATCH[w]);
        bool first = true;
        for (size_t i = 0; i < m->nclauses && !rc; i++) {
            const sm_sql_merge_clause_t *cl = clause(m, i);
            if ((int)cl->match != w)
                continue;
            rc = sm_buf_printf(&x, NULL, "%s{\\\"actionType\\\":\\\"%s\\\"}", first ? "" : ",",
                               ACT[cl->action]);
            first = false;
        }
        if (!rc)
            rc = sm_buf_append_str(&x, "]\"", NULL);
    }
    if (!rc)
        m->rw.params = sm_dml_params(m->b.q, m->st->u.merge.on, (const char *)x.data);
    sm_buf_free(&x);
    return rc || !m->rw.params ? SM_ERR_NOMEM : SM_OK;
}

sm_err_t sm_dml_merge(sm_qctx_t *q, const sm_sql_stmt_t *st, sm_dml_result_t *r, sm_error_t *e)
{
    merge_t *m = sm_qctx_alloc(q, sizeof *m);
    if (!m)
        return nomem(e);
    m->b.q = q;
    m->st = st;
    m->nclauses = st->u.merge.nclauses;
    sm_err_t rc =
        sm_dml_target_load(q, &st->u.merge.target, &st->u.merge.target_alias, st->pos, &m->t, e);
    if (!rc)
        rc = check_clauses(m, e);
    if (!rc)
        rc = load_source(m, e);
    if (rc)
        return rc;
    sm_dml_rewrite_init(&m->rw, q, &m->t, "MERGE");
    if (params(m))
        return nomem(e);
    int64_t *counts = sm_qctx_alloc(q, (m->nclauses + 1) * sizeof *counts);
    if (!counts)
        return nomem(e);
    if (q->dry_run)
        return dry_run(m, e);
    for (size_t fi = 0; fi < m->t.snap->nfiles && !rc; fi++) {
        bool touched = false, dup = false;
        memset(counts, 0, m->nclauses * sizeof *counts);
        rc = file_pass1(m, fi, counts, &touched, &dup, e);
        if (!rc && dup && !m->delete_only && (m->nmatched_clauses || touched))
            rc = sm_bind_err(st->pos, e, SM_ERR_INVALID,
                             "MERGE: target row matched by more than one source row in %s "
                             "(file %s); make the source unique on the ON condition",
                             m->t.name, m->t.snap->files[fi].path);
        if (rc || !touched)
            continue;
        int64_t upd = 0, del = 0, written = 0;
        for (size_t i = 0; i < m->nclauses; i++) {
            if (clause(m, i)->action == SM_SQL_MERGE_DELETE)
                del += counts[i];
            else
                upd += counts[i];
        }
        sm_dml_rewrite_remove(&m->rw, fi);
        rc = file_rewrite(m, fi, &written, e);
        r->updated += upd;
        r->deleted += del;
        r->copied += written - upd;
    }
    if (!rc)
        rc = inserts(m, r, e);
    if (!rc)
        rc = sm_dml_rewrite_commit(&m->rw, r, e);
    sm_dml_rewrite_abort(&m->rw);
    return rc;
}
