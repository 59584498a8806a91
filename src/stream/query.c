/* stream/query — compiles a streaming model (SQL text) against its source:
 * the narrow shape of stream.h, bound to exec/expr nodes. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "sql/parser.h"
#include "stream/stream_int.h"

#define SQ_MAX_ITEMS 256

typedef struct cctx {
    const sm_stream_source_t *src;
    sm_squery_t *q;
    const char *alias; /* the FROM alias, or NULL */
} cctx_t;

static sm_err_t perr(sm_error_t *e, sm_sql_pos_t pos, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sm_err_t perr(sm_error_t *e, sm_sql_pos_t pos, sm_err_t code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm_error_set(e, code, "line %u, column %u: %s", pos.line, pos.col, msg);
}

static bool name_is(const sm_sql_name_t *n, const char *s)
{
    return n->nparts == 1 && sm_str_eq_nocase(sm_str_c(n->parts[0].name), sm_str_c(s));
}

/* The printed text of an expression (for matching select items to GROUP BY
 * keys and for default column names), into a caller buffer. */
static sm_err_t expr_text(const sm_sql_expr_t *x, char *out, size_t cap, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_sql_print_expr(&b, x, e);
    if (!rc)
        snprintf(out, cap, "%s", b.data ? (const char *)b.data : "");
    sm_buf_free(&b);
    return rc;
}

static sm_err_t bind(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e);

static sm_err_t bind_column(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    const sm_sql_name_t *n = &x->u.column;
    const char *col = n->parts[n->nparts - 1].name;
    if (n->nparts > 2)
        return perr(e, x->pos, SM_ERR_INVALID, "column names have at most 2 parts");
    if (n->nparts == 2) {
        const char *q = n->parts[0].name;
        bool ok = sm_str_eq_nocase(sm_str_c(q), sm_str_c(c->src->name)) ||
                  (c->alias && sm_str_eq_nocase(sm_str_c(q), sm_str_c(c->alias)));
        if (!ok)
            return perr(e, x->pos, SM_ERR_NOT_FOUND, "unknown table \"%s\"", q);
    }
    const sm_type_t *s = c->src->schema;
    int i = sm_type_field_index(s, col, strlen(col), true);
    if (i < 0) {
        const char *cands[64];
        size_t nc = s->nfields < 64 ? s->nfields : 64;
        for (size_t k = 0; k < nc; k++)
            cands[k] = s->fields[k].name;
        const char *dym = sm_str_did_you_mean(sm_str_c(col), cands, nc);
        if (dym)
            return perr(e, x->pos, SM_ERR_NOT_FOUND, "unknown column \"%s\" (did you mean \"%s\"?)",
                        col, dym);
        return perr(e, x->pos, SM_ERR_NOT_FOUND, "unknown column \"%s\"", col);
    }
    return sm_expr_column(&c->q->pool, (uint32_t)i, s->fields[i].type, s->fields[i].nullable,
                          s->fields[i].name, out, e);
}

/* A decimal literal's text ("-12.50") as an sm_value; a double when it has
 * more than 38 digits. */
static sm_value_t decimal_value(sm_str_t t)
{
    sm_i128 v = 0;
    int digits = 0, scale = 0;
    bool neg = false, frac = false;
    for (size_t i = 0; i < t.n; i++) {
        char ch = t.p[i];
        if (ch == '-')
            neg = true;
        else if (ch == '.')
            frac = true;
        else if (ch >= '0' && ch <= '9') {
            if (digits >= 38)
                goto as_double;
            v = v * 10 + (ch - '0');
            if (digits || ch != '0' || frac)
                digits++;
            if (frac)
                scale++;
        } else {
            goto as_double;
        }
    }
    if (digits < scale)
        digits = scale;
    if (digits == 0)
        digits = 1;
    return sm_value_decimal(neg ? -v : v, digits, scale);
as_double:;
    double d = 0;
    (void)sm_str_to_double(t, &d, NULL);
    return sm_value_f64(d);
}

static sm_err_t bind_literal(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    const sm_sql_literal_t *l = &x->u.lit;
    sm_value_t v;
    sm_type_t *cast_to = NULL;
    switch (l->kind) {
    case SM_SQL_LIT_NULL:
        v = sm_value_null(SM_TYPE_NULL);
        return sm_expr_literal(&c->q->pool, &v, NULL, out, e);
    case SM_SQL_LIT_BOOL:
        v = sm_value_bool(l->b);
        break;
    case SM_SQL_LIT_TINYINT:
        v = sm_value_int(SM_TYPE_INT8, l->i);
        break;
    case SM_SQL_LIT_SMALLINT:
        v = sm_value_int(SM_TYPE_INT16, l->i);
        break;
    case SM_SQL_LIT_INT:
        v = sm_value_int(SM_TYPE_INT32, l->i);
        break;
    case SM_SQL_LIT_BIGINT:
        v = sm_value_i64(l->i);
        break;
    case SM_SQL_LIT_FLOAT:
        v = sm_value_f32((float)l->d);
        break;
    case SM_SQL_LIT_DOUBLE:
        v = sm_value_f64(l->d);
        break;
    case SM_SQL_LIT_DECIMAL:
        v = decimal_value(l->text);
        break;
    case SM_SQL_LIT_STRING:
        v = sm_value_str(l->text.p, l->text.n);
        break;
    case SM_SQL_LIT_DATE:
        v = sm_value_str(l->text.p, l->text.n);
        cast_to = sm_type_date();
        break;
    case SM_SQL_LIT_TIMESTAMP:
        v = sm_value_str(l->text.p, l->text.n);
        cast_to = sm_type_timestamp_tz();
        break;
    case SM_SQL_LIT_TIMESTAMP_NTZ:
        v = sm_value_str(l->text.p, l->text.n);
        cast_to = sm_type_timestamp();
        break;
    default:
        return perr(e, x->pos, SM_ERR_UNSUPPORTED, "this literal is not supported in streams");
    }
    sm_err_t rc = sm_expr_literal(&c->q->pool, &v, NULL, out, e);
    if (!rc && cast_to)
        rc = sm_expr_cast(&c->q->pool, *out, cast_to, false, out, e);
    return rc;
}

static sm_err_t bind_list(cctx_t *c, sm_sql_expr_t *const *xs, size_t n, sm_expr_t **out,
                          sm_error_t *e)
{
    for (size_t i = 0; i < n; i++) {
        sm_err_t rc = bind(c, xs[i], &out[i], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static const sm_expr_op_t binops[] = {
    [SM_SQL_BINOP_OR] = SM_OP_OR,      [SM_SQL_BINOP_AND] = SM_OP_AND,
    [SM_SQL_BINOP_EQ] = SM_OP_EQ,      [SM_SQL_BINOP_NE] = SM_OP_NE,
    [SM_SQL_BINOP_LT] = SM_OP_LT,      [SM_SQL_BINOP_LE] = SM_OP_LE,
    [SM_SQL_BINOP_GT] = SM_OP_GT,      [SM_SQL_BINOP_GE] = SM_OP_GE,
    [SM_SQL_BINOP_NSEQ] = SM_OP_EQ_NS, [SM_SQL_BINOP_ADD] = SM_OP_ADD,
    [SM_SQL_BINOP_SUB] = SM_OP_SUB,    [SM_SQL_BINOP_CONCAT] = SM_OP_CONCAT,
    [SM_SQL_BINOP_MUL] = SM_OP_MUL,    [SM_SQL_BINOP_DIV] = SM_OP_DIV,
    [SM_SQL_BINOP_MOD] = SM_OP_MOD,    [SM_SQL_BINOP_IDIV] = SM_OP_IDIV,
};

static sm_err_t bind_func(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    const sm_sql_name_t *n = &x->u.func.name;
    if (n->nparts != 1)
        return perr(e, x->pos, SM_ERR_NOT_FOUND, "unknown function");
    const char *name = n->parts[0].name;
    if (sm_func_is_aggregate(name, strlen(name)))
        return perr(e, x->pos, SM_ERR_UNSUPPORTED,
                    "aggregate %s() is only allowed at the top of a select item", name);
    if (name_is(n, "window"))
        return perr(e, x->pos, SM_ERR_INVALID, "window() belongs in GROUP BY and the select list");
    if (x->u.func.over || x->u.func.filter || x->u.func.distinct || x->u.func.star)
        return perr(e, x->pos, SM_ERR_UNSUPPORTED,
                    "%s: OVER, FILTER, DISTINCT and * are not "
                    "supported in streams",
                    name);
    if (x->u.func.nargs > 64)
        return perr(e, x->pos, SM_ERR_LIMIT, "%s: too many arguments", name);
    sm_expr_t *args[64];
    sm_err_t rc = bind_list(c, x->u.func.args, x->u.func.nargs, args, e);
    if (rc)
        return rc;
    rc = sm_expr_call(&c->q->pool, name, args, x->u.func.nargs, out, e);
    return rc ? perr(e, x->pos, rc, "%s", e ? e->msg : name) : SM_OK;
}

static sm_err_t bind_cast(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_t *arg;
    sm_err_t rc = bind(c, x->u.cast.arg, &arg, e);
    if (rc)
        return rc;
    sm_buf_t b = SM_BUF_INIT;
    sm_type_t *t = NULL;
    rc = sm_sql_print_type(&b, x->u.cast.type, e);
    if (!rc)
        rc = sm_type_parse((const char *)b.data, b.len, &t, e);
    sm_buf_free(&b);
    if (!rc)
        rc = sm_expr_cast(&c->q->pool, arg, t, x->u.cast.try_, out, e);
    sm_type_free(t);
    return rc ? perr(e, x->pos, rc, "%s", e ? e->msg : "bad cast") : SM_OK;
}

static sm_err_t bind(cctx_t *c, const sm_sql_expr_t *x, sm_expr_t **out, sm_error_t *e)
{
    sm_expr_pool_t *p = &c->q->pool;
    sm_expr_t *a, *b, *d;
    sm_err_t rc;
    switch (x->kind) {
    case SM_SQL_EXPR_COLUMN:
        return bind_column(c, x, out, e);
    case SM_SQL_EXPR_LITERAL:
        return bind_literal(c, x, out, e);
    case SM_SQL_EXPR_UNARY:
        if ((rc = bind(c, x->u.unary.arg, &a, e)))
            return rc;
        switch (x->u.unary.op) {
        case SM_SQL_UNOP_NOT:
            return sm_expr_not(p, a, out, e);
        case SM_SQL_UNOP_NEG:
            return sm_expr_negate(p, a, out, e);
        case SM_SQL_UNOP_PLUS:
            *out = a;
            return SM_OK;
        default:
            return perr(e, x->pos, SM_ERR_UNSUPPORTED, "operator ~ is not supported in streams");
        }
    case SM_SQL_EXPR_BINARY:
        if (x->u.binary.op == SM_SQL_BINOP_BITOR || x->u.binary.op == SM_SQL_BINOP_BITAND ||
            x->u.binary.op == SM_SQL_BINOP_BITXOR)
            return perr(e, x->pos, SM_ERR_UNSUPPORTED, "bitwise operators are not supported");
        if ((rc = bind(c, x->u.binary.left, &a, e)) || (rc = bind(c, x->u.binary.right, &b, e)))
            return rc;
        rc = sm_expr_binary(p, binops[x->u.binary.op], a, b, out, e);
        return rc ? perr(e, x->pos, rc, "%s", e ? e->msg : "bad operands") : SM_OK;
    case SM_SQL_EXPR_IS:
        if (x->u.is.what != SM_SQL_IS_NULL)
            return perr(e, x->pos, SM_ERR_UNSUPPORTED, "only IS [NOT] NULL is supported here");
        if ((rc = bind(c, x->u.is.arg, &a, e)))
            return rc;
        return sm_expr_is_null(p, a, x->u.is.negated, out, e);
    case SM_SQL_EXPR_BETWEEN:
        if ((rc = bind(c, x->u.between.arg, &a, e)) || (rc = bind(c, x->u.between.low, &b, e)) ||
            (rc = bind(c, x->u.between.high, &d, e)))
            return rc;
        return sm_expr_between(p, a, b, d, x->u.between.negated, out, e);
    case SM_SQL_EXPR_IN_LIST: {
        if (x->u.in.nlist > 1024)
            return perr(e, x->pos, SM_ERR_LIMIT, "IN list longer than 1024");
        sm_expr_t **list = sm_arena_alloc(&p->arena, x->u.in.nlist * sizeof *list + 1);
        if (!list)
            return sm_error_nomem(e, "IN list");
        if ((rc = bind(c, x->u.in.arg, &a, e)) ||
            (rc = bind_list(c, x->u.in.list, x->u.in.nlist, list, e)))
            return rc;
        rc = sm_expr_in(p, a, list, x->u.in.nlist, x->u.in.negated, out, e);
        return rc ? perr(e, x->pos, rc, "%s", e ? e->msg : "bad IN") : SM_OK;
    }
    case SM_SQL_EXPR_LIKE: {
        char esc = 0;
        if (x->u.like.escape) {
            const sm_sql_expr_t *ex = x->u.like.escape;
            if (ex->kind != SM_SQL_EXPR_LITERAL || ex->u.lit.kind != SM_SQL_LIT_STRING ||
                ex->u.lit.text.n != 1)
                return perr(e, ex->pos, SM_ERR_INVALID, "ESCAPE takes one character");
            esc = ex->u.lit.text.p[0];
        }
        if ((rc = bind(c, x->u.like.arg, &a, e)) || (rc = bind(c, x->u.like.pattern, &b, e)))
            return rc;
        sm_like_kind_t k = x->u.like.op == SM_SQL_ILIKE   ? SM_ILIKE
                           : x->u.like.op == SM_SQL_RLIKE ? SM_RLIKE
                                                          : SM_LIKE;
        return sm_expr_like(p, k, a, b, esc, x->u.like.negated, out, e);
    }
    case SM_SQL_EXPR_CASE: {
        size_t n = x->u.case_.nwhens;
        sm_expr_t **w = sm_arena_alloc(&p->arena, 2 * n * sizeof *w + 1);
        if (!w)
            return sm_error_nomem(e, "CASE");
        a = d = NULL;
        if ((x->u.case_.operand && (rc = bind(c, x->u.case_.operand, &a, e))) ||
            (rc = bind_list(c, x->u.case_.whens, n, w, e)) ||
            (rc = bind_list(c, x->u.case_.thens, n, w + n, e)) ||
            (x->u.case_.else_ && (rc = bind(c, x->u.case_.else_, &d, e))))
            return rc;
        return sm_expr_case(p, a, w, w + n, n, d, out, e);
    }
    case SM_SQL_EXPR_CAST:
        return bind_cast(c, x, out, e);
    case SM_SQL_EXPR_FUNC:
        return bind_func(c, x, out, e);
    default:
        return perr(e, x->pos, SM_ERR_UNSUPPORTED,
                    "this kind of expression is not supported in streaming models");
    }
}

/* ---- the select shape ---------------------------------------------------- */

static bool is_func(const sm_sql_expr_t *x, const char *name)
{
    return x->kind == SM_SQL_EXPR_FUNC && name_is(&x->u.func.name, name);
}

static int agg_kind(const sm_sql_expr_t *x)
{
    if (x->kind != SM_SQL_EXPR_FUNC || x->u.func.name.nparts != 1)
        return -1;
    const sm_sql_name_t *n = &x->u.func.name;
    if (name_is(n, "sum"))
        return SQ_SUM;
    if (name_is(n, "count"))
        return x->u.func.star ? SQ_COUNT_STAR : SQ_COUNT;
    if (name_is(n, "min"))
        return SQ_MIN;
    if (name_is(n, "max"))
        return SQ_MAX;
    if (name_is(n, "avg") || name_is(n, "mean"))
        return SQ_AVG;
    const char *s = n->parts[0].name;
    return sm_func_is_aggregate(s, strlen(s)) ? -2 : -1;
}

static sm_err_t compile_window(cctx_t *c, const sm_sql_expr_t *x, sm_error_t *e)
{
    sm_squery_t *q = c->q;
    if (q->windowed)
        return perr(e, x->pos, SM_ERR_UNSUPPORTED, "only one window() per query");
    size_t n = x->u.func.nargs;
    if (n < 2 || n > 3)
        return perr(e, x->pos, SM_ERR_INVALID,
                    "window(time_column, 'size'[, 'slide']) takes 2 or 3 arguments");
    const sm_sql_expr_t *col = x->u.func.args[0];
    if (col->kind != SM_SQL_EXPR_COLUMN)
        return perr(e, col->pos, SM_ERR_INVALID, "window(): the first argument must be a column");
    sm_expr_t *ce;
    sm_err_t rc = bind_column(c, col, &ce, e);
    if (rc)
        return rc;
    if (ce->type->kind != SM_TYPE_TIMESTAMP_TZ && ce->type->kind != SM_TYPE_TIMESTAMP)
        return perr(e, col->pos, SM_ERR_INVALID, "window(): %s is not a timestamp", ce->u.col.name);
    int64_t ms[2] = {0, 0};
    for (size_t i = 1; i < n; i++) {
        const sm_sql_expr_t *a = x->u.func.args[i];
        if (a->kind != SM_SQL_EXPR_LITERAL || a->u.lit.kind != SM_SQL_LIT_STRING)
            return perr(e, a->pos, SM_ERR_INVALID,
                        "window(): durations are strings ('10 seconds')");
        char txt[64];
        snprintf(txt, sizeof txt, "%.*s", (int)a->u.lit.text.n, a->u.lit.text.p);
        if ((rc = sm_stream_duration_parse(txt, &ms[i - 1], e)))
            return perr(e, a->pos, rc, "window(): %s", e ? e->msg : txt);
    }
    q->windowed = true;
    q->win_size_us = ms[0] * 1000;
    q->win_slide_us = (n == 3 ? ms[1] : ms[0]) * 1000;
    if (q->win_slide_us > q->win_size_us)
        return perr(e, x->pos, SM_ERR_INVALID, "window(): the slide must not exceed the size");
    q->ts_col = (int)ce->u.col.index;
    return SM_OK;
}

typedef struct gkey {
    char text[512];
} gkey_t;

static sm_err_t add_field(sm_field_t *f, size_t *nf, const char *name, sm_type_t *t, bool nullable)
{
    f[*nf].name = (char *)name;
    f[*nf].type = sm_type_ref(t);
    f[*nf].nullable = nullable;
    (*nf)++;
    return SM_OK;
}

static sm_err_t agg_compile(cctx_t *c, const sm_sql_expr_t *x, sq_agg_t *ag, sm_error_t *e)
{
    ag->kind = (sq_agg_kind_t)agg_kind(x);
    if (x->u.func.distinct || x->u.func.filter || x->u.func.over)
        return perr(e, x->pos, SM_ERR_UNSUPPORTED,
                    "DISTINCT, FILTER and OVER are not supported in streaming aggregates");
    if (ag->kind == SQ_COUNT_STAR) {
        ag->out_type = sm_type_int64();
        return SM_OK;
    }
    if (x->u.func.nargs != 1)
        return perr(e, x->pos, SM_ERR_INVALID, "aggregates take one argument");
    /* count(1) / count(literal) is count(*) */
    const sm_sql_expr_t *arg = x->u.func.args[0];
    if (ag->kind == SQ_COUNT && arg->kind == SM_SQL_EXPR_LITERAL &&
        arg->u.lit.kind != SM_SQL_LIT_NULL) {
        ag->kind = SQ_COUNT_STAR;
        ag->out_type = sm_type_int64();
        return SM_OK;
    }
    sm_err_t rc = bind(c, arg, &ag->arg, e);
    if (rc)
        return rc;
    sm_type_kind_t k = ag->arg->type->kind;
    bool integer = sm_type_is_integer(k), flt = k == SM_TYPE_FLOAT32 || k == SM_TYPE_FLOAT64;
    bool temporal = k == SM_TYPE_DATE || k == SM_TYPE_TIMESTAMP || k == SM_TYPE_TIMESTAMP_TZ;
    switch (ag->kind) {
    case SQ_COUNT:
        ag->out_type = sm_type_int64();
        return SM_OK;
    case SQ_SUM:
    case SQ_AVG:
        if (!integer && !flt)
            return perr(e, arg->pos, SM_ERR_UNSUPPORTED,
                        "%s() of %s is not supported in streams (numbers other than decimal)",
                        ag->kind == SQ_SUM ? "sum" : "avg", sm_type_kind_name(k));
        ag->as_int = integer && ag->kind == SQ_SUM;
        ag->out_type = ag->as_int ? sm_type_int64() : sm_type_float64();
        return SM_OK;
    default: /* min, max */
        if (!integer && !flt && !temporal)
            return perr(e, arg->pos, SM_ERR_UNSUPPORTED,
                        "min/max of %s is not supported in streams", sm_type_kind_name(k));
        ag->as_int = !flt;
        ag->out_type = sm_type_ref(ag->arg->type);
        return SM_OK;
    }
}

static sm_err_t build_schemas(sm_squery_t *q, char **names, sm_error_t *e)
{
    sm_field_t f[2 * SQ_MAX_ITEMS + 8];
    size_t nf = 0;
    char wbuf[2][300];
    for (size_t i = 0; i < q->nouts; i++) {
        const sq_out_t *o = &q->outs[i];
        switch (o->kind) {
        case SQ_OUT_KEY:
            add_field(f, &nf, names[i], q->keys[o->idx]->type, q->keys[o->idx]->nullable);
            break;
        case SQ_OUT_AGG: {
            const sq_agg_t *ag = &q->aggs[o->idx];
            bool nn = ag->kind == SQ_COUNT || ag->kind == SQ_COUNT_STAR;
            add_field(f, &nf, names[i], ag->out_type, !nn);
            break;
        }
        case SQ_OUT_WINDOW:
            snprintf(wbuf[0], sizeof wbuf[0], "%s_start", names[i]);
            snprintf(wbuf[1], sizeof wbuf[1], "%s_end", names[i]);
            add_field(f, &nf, wbuf[0], sm_type_timestamp_tz(), false);
            add_field(f, &nf, wbuf[1], sm_type_timestamp_tz(), false);
            break;
        case SQ_OUT_EXPR:
            add_field(f, &nf, names[i], q->proj[o->idx]->type, q->proj[o->idx]->nullable);
            break;
        }
    }
    q->out_schema = sm_type_struct(f, nf);
    if (!q->out_schema)
        return sm_error_nomem(e, "stream result schema");
    if (!q->aggregating)
        return SM_OK;
    /* state: _win_start, _updated, k<i>, a<i>_n, a<i>_i, a<i>_d */
    char nb[SQ_MAX_ITEMS * 4][16];
    size_t nn = 0;
    nf = 0;
    add_field(f, &nf, "_win_start", sm_type_int64(), false);
    add_field(f, &nf, "_updated", sm_type_int64(), false);
    for (size_t i = 0; i < q->nkeys; i++) {
        snprintf(nb[nn], sizeof nb[nn], "k%zu", i);
        add_field(f, &nf, nb[nn++], q->keys[i]->type, true);
    }
    for (size_t i = 0; i < q->naggs; i++) {
        static const char *suf[] = {"n", "i", "d"};
        for (int k = 0; k < 3; k++) {
            snprintf(nb[nn], sizeof nb[nn], "a%zu_%s", i, suf[k]);
            add_field(f, &nf, nb[nn++], k == 2 ? sm_type_float64() : sm_type_int64(), false);
        }
    }
    q->state_schema = sm_type_struct(f, nf);
    return q->state_schema ? SM_OK : sm_error_nomem(e, "stream state schema");
}

static sm_err_t compile_select(cctx_t *c, const sm_sql_select_t *s, sm_arena_t *ar, sm_error_t *e)
{
    sm_squery_t *q = c->q;
    sm_err_t rc;
    if (s->nitems > SQ_MAX_ITEMS || s->ngroup_by > SQ_MAX_ITEMS)
        return sm_error_set(e, SM_ERR_LIMIT, "more than %d select items or keys", SQ_MAX_ITEMS);
    if (s->distinct || s->having || s->group_all)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "DISTINCT, HAVING and GROUP BY ALL are not supported in streams");
    if (s->where && (rc = bind(c, s->where, &q->where, e)))
        return rc;
    bool has_agg = false;
    for (size_t i = 0; i < s->nitems; i++)
        if (agg_kind(s->items[i].expr) >= 0)
            has_agg = true;
    q->aggregating = has_agg || s->ngroup_by > 0;
    /* GROUP BY */
    gkey_t *gk = sm_arena_calloc(ar, (s->ngroup_by + 1) * sizeof *gk);
    q->keys = sm_arena_calloc(&q->pool.arena, (s->ngroup_by + 1) * sizeof *q->keys);
    if (!gk || !q->keys)
        return sm_error_nomem(e, "GROUP BY");
    for (size_t i = 0; i < s->ngroup_by; i++) {
        const sm_sql_expr_t *g = s->group_by[i];
        if (g->kind == SM_SQL_EXPR_LITERAL &&
            (g->u.lit.kind == SM_SQL_LIT_INT || g->u.lit.kind == SM_SQL_LIT_BIGINT)) {
            if (g->u.lit.i < 1 || (size_t)g->u.lit.i > s->nitems)
                return perr(e, g->pos, SM_ERR_INVALID,
                            "GROUP BY position %" PRId64 " is not in the select list", g->u.lit.i);
            g = s->items[g->u.lit.i - 1].expr;
        } else if (g->kind == SM_SQL_EXPR_COLUMN && g->u.column.nparts == 1) {
            for (size_t k = 0; k < s->nitems; k++)
                if (s->items[k].alias.name &&
                    sm_str_eq_nocase(sm_str_c(s->items[k].alias.name),
                                     sm_str_c(g->u.column.parts[0].name)) &&
                    sm_type_field_index(c->src->schema, g->u.column.parts[0].name,
                                        strlen(g->u.column.parts[0].name), true) < 0)
                    g = s->items[k].expr;
        }
        if (is_func(g, "window")) {
            if ((rc = compile_window(c, g, e)))
                return rc;
            continue;
        }
        if (agg_kind(g) != -1)
            return perr(e, g->pos, SM_ERR_INVALID, "aggregates are not allowed in GROUP BY");
        if ((rc = expr_text(g, gk[q->nkeys].text, sizeof gk[0].text, e)))
            return rc;
        if ((rc = bind(c, g, &q->keys[q->nkeys], e)))
            return rc;
        q->nkeys++;
    }
    /* select items */
    size_t cap = s->nitems + (c->src->schema->nfields) + 1;
    q->outs = sm_arena_calloc(&q->pool.arena, cap * sizeof *q->outs);
    q->aggs = sm_arena_calloc(&q->pool.arena, (s->nitems + 1) * sizeof *q->aggs);
    q->proj = sm_arena_calloc(&q->pool.arena, cap * sizeof *q->proj);
    char **names = sm_arena_calloc(ar, cap * sizeof *names);
    if (!q->outs || !q->aggs || !q->proj || !names)
        return sm_error_nomem(e, "select list");
    for (size_t i = 0; i < s->nitems; i++) {
        const sm_sql_select_item_t *it = &s->items[i];
        const sm_sql_expr_t *x = it->expr;
        char text[512];
        if (x->kind == SM_SQL_EXPR_STAR) {
            if (q->aggregating)
                return perr(e, x->pos, SM_ERR_INVALID, "* is not allowed in an aggregation");
            const sm_type_t *sc = c->src->schema;
            for (uint32_t k = 0; k < sc->nfields; k++) {
                if ((rc = sm_expr_column(&q->pool, k, sc->fields[k].type, sc->fields[k].nullable,
                                         sc->fields[k].name, &q->proj[q->nproj], e)))
                    return rc;
                names[q->nouts] = sc->fields[k].name;
                q->outs[q->nouts++] = (sq_out_t){SQ_OUT_EXPR, q->nproj++};
            }
            continue;
        }
        if ((rc = expr_text(x, text, sizeof text, e)))
            return rc;
        const char *name = it->alias.name;
        if (!name && x->kind == SM_SQL_EXPR_COLUMN)
            name = x->u.column.parts[x->u.column.nparts - 1].name;
        if (!name)
            name = sm_arena_strdup(ar, text);
        if (!name)
            return sm_error_nomem(e, "name");
        names[q->nouts] = (char *)name;
        int ak = agg_kind(x);
        if (ak == -2)
            return perr(
                e, x->pos, SM_ERR_UNSUPPORTED,
                "aggregate %s() is not supported in streams (sum, count, min, max, avg are)",
                x->u.func.name.parts[0].name);
        if (ak >= 0) {
            if ((rc = agg_compile(c, x, &q->aggs[q->naggs], e)))
                return rc;
            q->outs[q->nouts++] = (sq_out_t){SQ_OUT_AGG, q->naggs++};
            continue;
        }
        bool win = is_func(x, "window") ||
                   (x->kind == SM_SQL_EXPR_COLUMN && name_is(&x->u.column, "window") &&
                    sm_type_field_index(c->src->schema, "window", 6, true) < 0);
        if (win) {
            if (!q->windowed)
                return perr(e, x->pos, SM_ERR_INVALID,
                            "window in the select list needs window(...) in GROUP BY");
            if (!it->alias.name)
                names[q->nouts] = "window";
            q->outs[q->nouts++] = (sq_out_t){SQ_OUT_WINDOW, 0};
            continue;
        }
        if (q->aggregating) {
            size_t k = 0;
            while (k < q->nkeys && strcmp(gk[k].text, text) != 0)
                k++;
            if (k == q->nkeys)
                return perr(e, x->pos, SM_ERR_INVALID,
                            "%s must appear in GROUP BY or be inside an aggregate", text);
            q->outs[q->nouts++] = (sq_out_t){SQ_OUT_KEY, k};
            continue;
        }
        if ((rc = bind(c, x, &q->proj[q->nproj], e)))
            return rc;
        q->outs[q->nouts++] = (sq_out_t){SQ_OUT_EXPR, q->nproj++};
    }
    return build_schemas(q, names, e);
}

sm_err_t sq_compile(const char *sql, const sm_stream_source_t *src, sm_squery_t **out,
                    sm_error_t *e)
{
    *out = NULL;
    sm_sql_ast_t *ast = NULL;
    sm_arena_t ar;
    sm_arena_init(&ar, 0);
    sm_squery_t *q = sm_calloc(1, sizeof *q);
    if (!q)
        return sm_error_nomem(e, "stream query");
    sm_expr_pool_init(&q->pool, true);
    q->ts_col = -1;
    sm_err_t rc = sm_sql_parse_statement(sm_str_c(sql), NULL, &ast, e);
    if (rc)
        goto out;
    const sm_sql_stmt_t *st = ast->stmts[0];
    if (st->kind != SM_SQL_STMT_QUERY) {
        rc = sm_error_set(e, SM_ERR_INVALID, "a streaming model must be one SELECT");
        goto out;
    }
    const sm_sql_query_t *qq = st->u.query;
    if (qq->nctes || qq->norder_by || qq->limit || qq->offset ||
        qq->body->kind != SM_SQL_BODY_SELECT) {
        rc =
            perr(e, qq->pos, SM_ERR_UNSUPPORTED,
                 "streaming models are one SELECT without WITH, ORDER BY, LIMIT or set operations");
        goto out;
    }
    const sm_sql_select_t *s = &qq->body->u.select;
    const sm_sql_table_t *from = s->from;
    if (!from || from->kind != SM_SQL_TABLE_NAME || from->u.table.name.nparts != 1 ||
        !sm_str_eq_nocase(sm_str_c(from->u.table.name.parts[0].name), sm_str_c(src->name))) {
        rc = perr(e, from ? from->pos : qq->pos, SM_ERR_INVALID,
                  "a streaming model reads FROM its stream source \"%s\" (no joins)", src->name);
        goto out;
    }
    cctx_t c = {.src = src, .q = q, .alias = from->alias.name};
    if ((rc = compile_select(&c, s, &ar, e)))
        goto out;
    if (q->ts_col < 0 && src->timestamp_field) {
        int i = sm_type_field_index(src->schema, src->timestamp_field, strlen(src->timestamp_field),
                                    true);
        if (i >= 0 && (src->schema->fields[i].type->kind == SM_TYPE_TIMESTAMP_TZ ||
                       src->schema->fields[i].type->kind == SM_TYPE_TIMESTAMP))
            q->ts_col = i;
    }
out:
    sm_sql_ast_free(ast);
    sm_arena_free(&ar);
    if (rc) {
        sq_free(q);
        return rc;
    }
    *out = q;
    return SM_OK;
}

void sq_free(sm_squery_t *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->naggs; i++)
        sm_type_free(q->aggs[i].out_type);
    sm_type_free(q->out_schema);
    sm_type_free(q->state_schema);
    sm_expr_pool_free(&q->pool);
    sm_free(q);
}

sm_err_t sm_stream_model_source(const char *sql, char *out, size_t cap, sm_error_t *e)
{
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_statement(sm_str_c(sql), NULL, &ast, e);
    if (rc)
        return rc;
    const sm_sql_stmt_t *st = ast->stmts[0];
    const sm_sql_table_t *from = NULL;
    if (st->kind == SM_SQL_STMT_QUERY && st->u.query->body->kind == SM_SQL_BODY_SELECT)
        from = st->u.query->body->u.select.from;
    if (!from || from->kind != SM_SQL_TABLE_NAME || from->u.table.name.nparts != 1)
        rc = sm_error_set(e, SM_ERR_INVALID, "a streaming model is one SELECT ... FROM <stream>");
    else
        snprintf(out, cap, "%s", from->u.table.name.parts[0].name);
    sm_sql_ast_free(ast);
    return rc;
}
