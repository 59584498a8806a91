#include "sql/ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql/lexer.h"

/* ---- constructors ---------------------------------------------------------- */

sm_sql_expr_t *sm_sql_expr_new(sm_arena_t *a, sm_sql_expr_kind_t kind, sm_sql_pos_t pos)
{
    sm_sql_expr_t *x = sm_arena_calloc(a, sizeof *x);
    if (x) {
        x->kind = kind;
        x->pos = pos;
    }
    return x;
}

sm_sql_table_t *sm_sql_table_new(sm_arena_t *a, sm_sql_table_kind_t kind, sm_sql_pos_t pos)
{
    sm_sql_table_t *t = sm_arena_calloc(a, sizeof *t);
    if (t) {
        t->kind = kind;
        t->pos = pos;
    }
    return t;
}

sm_sql_body_t *sm_sql_body_new(sm_arena_t *a, sm_sql_body_kind_t kind, sm_sql_pos_t pos)
{
    sm_sql_body_t *b = sm_arena_calloc(a, sizeof *b);
    if (b) {
        b->kind = kind;
        b->pos = pos;
    }
    return b;
}

sm_sql_query_t *sm_sql_query_new(sm_arena_t *a, sm_sql_pos_t pos)
{
    sm_sql_query_t *q = sm_arena_calloc(a, sizeof *q);
    if (q)
        q->pos = pos;
    return q;
}

sm_sql_stmt_t *sm_sql_stmt_new(sm_arena_t *a, sm_sql_stmt_kind_t kind, sm_sql_pos_t pos)
{
    sm_sql_stmt_t *s = sm_arena_calloc(a, sizeof *s);
    if (s) {
        s->kind = kind;
        s->pos = pos;
    }
    return s;
}

sm_sql_type_t *sm_sql_type_new(sm_arena_t *a, sm_sql_pos_t pos)
{
    sm_sql_type_t *t = sm_arena_calloc(a, sizeof *t);
    if (t)
        t->pos = pos;
    return t;
}

sm_sql_window_t *sm_sql_window_new(sm_arena_t *a, sm_sql_pos_t pos)
{
    sm_sql_window_t *w = sm_arena_calloc(a, sizeof *w);
    if (w)
        w->pos = pos;
    return w;
}

const char *sm_sql_binop_name(sm_sql_binop_t op)
{
    static const char *const names[] = {
        [SM_SQL_BINOP_OR] = "OR",    [SM_SQL_BINOP_AND] = "AND",  [SM_SQL_BINOP_EQ] = "=",
        [SM_SQL_BINOP_NE] = "<>",    [SM_SQL_BINOP_LT] = "<",     [SM_SQL_BINOP_LE] = "<=",
        [SM_SQL_BINOP_GT] = ">",     [SM_SQL_BINOP_GE] = ">=",    [SM_SQL_BINOP_NSEQ] = "<=>",
        [SM_SQL_BINOP_BITOR] = "|",  [SM_SQL_BINOP_BITXOR] = "^", [SM_SQL_BINOP_BITAND] = "&",
        [SM_SQL_BINOP_ADD] = "+",    [SM_SQL_BINOP_SUB] = "-",    [SM_SQL_BINOP_CONCAT] = "||",
        [SM_SQL_BINOP_MUL] = "*",    [SM_SQL_BINOP_DIV] = "/",    [SM_SQL_BINOP_MOD] = "%",
        [SM_SQL_BINOP_IDIV] = "DIV",
    };
    return (unsigned)op < sizeof names / sizeof names[0] && names[op] ? names[op] : "?";
}

/* ---- printer --------------------------------------------------------------- */

/* Output with a sticky error: after the first failure nothing more is
 * written and every function just returns. */
typedef struct pr {
    sm_buf_t *b;
    sm_error_t *e;
    sm_err_t rc;
} pr_t;

static void putn(pr_t *w, const char *s, size_t n)
{
    if (!w->rc)
        w->rc = sm_buf_append(w->b, s, n, w->e);
}

static void put(pr_t *w, const char *s)
{
    putn(w, s, strlen(s));
}

static void putf(pr_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(pr_t *w, const char *fmt, ...)
{
    if (w->rc)
        return;
    va_list ap;
    va_start(ap, fmt);
    w->rc = sm_buf_vprintf(w->b, w->e, fmt, ap);
    va_end(ap);
}

static bool plain_word(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80))
        return false;
    for (const char *q = s; *q; q++) {
        c = (unsigned char)*q;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static void put_quoted_ident(pr_t *w, const char *s)
{
    put(w, "`");
    for (const char *q = s; *q; q++) {
        if (*q == '`')
            put(w, "``");
        else
            putn(w, q, 1);
    }
    put(w, "`");
}

static void ident(pr_t *w, const char *s)
{
    if (plain_word(s) && !sm_sql_keyword_flags(sm_sql_keyword(sm_str_c(s))))
        put(w, s);
    else
        put_quoted_ident(w, s);
}

/* Function names: keywords only matter when they would start other
 * syntax before "(". */
static void func_ident(pr_t *w, const char *s)
{
    sm_sql_kw_t kw = sm_sql_keyword(sm_str_c(s));
    if (plain_word(s) && !(sm_sql_keyword_flags(kw) & SM_SQL_KWF_EXPR) && kw != SM_SQL_KW_CAST &&
        kw != SM_SQL_KW_TRY_CAST)
        put(w, s);
    else
        put_quoted_ident(w, s);
}

static void name(pr_t *w, const sm_sql_name_t *n, bool func)
{
    for (size_t k = 0; k < n->nparts; k++) {
        if (k)
            put(w, ".");
        if (func)
            func_ident(w, n->parts[k].name);
        else
            ident(w, n->parts[k].name);
    }
}

static void ident_list(pr_t *w, const sm_sql_ident_t *ids, size_t n)
{
    put(w, "(");
    for (size_t k = 0; k < n; k++) {
        if (k)
            put(w, ", ");
        ident(w, ids[k].name);
    }
    put(w, ")");
}

static void string_lit(pr_t *w, sm_str_t s)
{
    put(w, "'");
    for (size_t k = 0; k < s.n; k++) {
        unsigned char c = (unsigned char)s.p[k];
        switch (c) {
        case '\'':
            put(w, "\\'");
            break;
        case '\\':
            put(w, "\\\\");
            break;
        case '\n':
            put(w, "\\n");
            break;
        case '\t':
            put(w, "\\t");
            break;
        case '\r':
            put(w, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                putf(w, "\\u%04X", c);
            else
                putn(w, s.p + k, 1);
        }
    }
    put(w, "'");
}

static void cstring_lit(pr_t *w, const char *s)
{
    string_lit(w, sm_str_c(s));
}

static void expr(pr_t *w, const sm_sql_expr_t *x);
static void query(pr_t *w, const sm_sql_query_t *q);
static void table(pr_t *w, const sm_sql_table_t *t);
static void stmt(pr_t *w, const sm_sql_stmt_t *s);

static void type(pr_t *w, const sm_sql_type_t *t)
{
    if (plain_word(t->name))
        put(w, t->name);
    else
        put_quoted_ident(w, t->name);
    if (t->nparams) {
        put(w, "(");
        for (size_t k = 0; k < t->nparams; k++)
            putf(w, "%s%lld", k ? "," : "", (long long)t->params[k]);
        put(w, ")");
    }
    if (t->nargs) {
        put(w, "<");
        for (size_t k = 0; k < t->nargs; k++) {
            if (k)
                put(w, ",");
            if (t->fields) {
                ident(w, t->fields[k].name);
                put(w, ":");
            }
            type(w, t->args[k]);
        }
        put(w, ">");
    }
}

static void expr_list(pr_t *w, sm_sql_expr_t *const *xs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            put(w, ", ");
        expr(w, xs[k]);
    }
}

static bool numeric_lit(const sm_sql_expr_t *x)
{
    return x->kind == SM_SQL_EXPR_LITERAL && x->u.lit.kind >= SM_SQL_LIT_TINYINT &&
           x->u.lit.kind <= SM_SQL_LIT_DOUBLE;
}

static void literal(pr_t *w, const sm_sql_literal_t *l)
{
    switch (l->kind) {
    case SM_SQL_LIT_NULL:
        put(w, "NULL");
        return;
    case SM_SQL_LIT_BOOL:
        put(w, l->b ? "TRUE" : "FALSE");
        return;
    case SM_SQL_LIT_TINYINT:
    case SM_SQL_LIT_SMALLINT:
    case SM_SQL_LIT_INT:
    case SM_SQL_LIT_BIGINT:
    case SM_SQL_LIT_DECIMAL:
    case SM_SQL_LIT_FLOAT:
    case SM_SQL_LIT_DOUBLE:
        putn(w, l->text.p, l->text.n);
        if (l->suffix)
            put(w, l->suffix == 'B' ? "BD" : (char[]){l->suffix, 0});
        return;
    case SM_SQL_LIT_STRING:
        string_lit(w, l->text);
        return;
    case SM_SQL_LIT_DATE:
        put(w, "DATE ");
        string_lit(w, l->text);
        return;
    case SM_SQL_LIT_TIMESTAMP:
        put(w, "TIMESTAMP ");
        string_lit(w, l->text);
        return;
    case SM_SQL_LIT_TIMESTAMP_NTZ:
        put(w, "TIMESTAMP_NTZ ");
        string_lit(w, l->text);
        return;
    case SM_SQL_LIT_BINARY:
        put(w, "X'");
        for (size_t k = 0; k < l->text.n; k++)
            putf(w, "%02X", (unsigned char)l->text.p[k]);
        put(w, "'");
        return;
    case SM_SQL_LIT_INTERVAL:
        put(w, "INTERVAL");
        for (size_t k = 0; k < l->nparts; k++) {
            put(w, " ");
            if (l->parts[k].quoted)
                string_lit(w, l->parts[k].value);
            else
                putn(w, l->parts[k].value.p, l->parts[k].value.n);
            if (l->parts[k].unit)
                putf(w, " %s", l->parts[k].unit);
        }
        if (l->to_unit)
            putf(w, " TO %s", l->to_unit);
        return;
    }
}

static void sort_list(pr_t *w, const sm_sql_sort_t *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            put(w, ", ");
        expr(w, s[k].expr);
        if (s[k].dir != SM_SQL_SORT_DEFAULT)
            put(w, s[k].dir == SM_SQL_SORT_ASC ? " ASC" : " DESC");
        if (s[k].nulls != SM_SQL_NULLS_DEFAULT)
            put(w, s[k].nulls == SM_SQL_NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST");
    }
}

static void bound(pr_t *w, const sm_sql_bound_t *b)
{
    switch (b->kind) {
    case SM_SQL_BOUND_UNBOUNDED_PRECEDING:
        put(w, "UNBOUNDED PRECEDING");
        break;
    case SM_SQL_BOUND_UNBOUNDED_FOLLOWING:
        put(w, "UNBOUNDED FOLLOWING");
        break;
    case SM_SQL_BOUND_CURRENT_ROW:
        put(w, "CURRENT ROW");
        break;
    case SM_SQL_BOUND_PRECEDING:
    case SM_SQL_BOUND_FOLLOWING:
        expr(w, b->offset);
        put(w, b->kind == SM_SQL_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
        break;
    }
}

static void window(pr_t *w, const sm_sql_window_t *win)
{
    const char *sep = "";
    put(w, "(");
    if (win->npartition) {
        put(w, "PARTITION BY ");
        expr_list(w, win->partition, win->npartition);
        sep = " ";
    }
    if (win->norder) {
        put(w, sep);
        put(w, "ORDER BY ");
        sort_list(w, win->order, win->norder);
        sep = " ";
    }
    if (win->unit != SM_SQL_FRAME_NONE) {
        put(w, sep);
        put(w, win->unit == SM_SQL_FRAME_ROWS ? "ROWS " : "RANGE ");
        if (win->between) {
            put(w, "BETWEEN ");
            bound(w, &win->start);
            put(w, " AND ");
            bound(w, &win->end);
        } else {
            bound(w, &win->start);
        }
    }
    put(w, ")");
}

static void func(pr_t *w, const sm_sql_expr_t *x)
{
    name(w, &x->u.func.name, true);
    put(w, "(");
    if (x->u.func.star)
        put(w, "*");
    if (x->u.func.distinct)
        put(w, "DISTINCT ");
    expr_list(w, x->u.func.args, x->u.func.nargs);
    put(w, ")");
    if (x->u.func.filter) {
        put(w, " FILTER (WHERE ");
        expr(w, x->u.func.filter);
        put(w, ")");
    }
    if (x->u.func.over) {
        put(w, " OVER ");
        window(w, x->u.func.over);
    }
}

static void case_expr(pr_t *w, const sm_sql_expr_t *x)
{
    put(w, "CASE");
    if (x->u.case_.operand) {
        put(w, " ");
        expr(w, x->u.case_.operand);
    }
    for (size_t k = 0; k < x->u.case_.nwhens; k++) {
        put(w, " WHEN ");
        expr(w, x->u.case_.whens[k]);
        put(w, " THEN ");
        expr(w, x->u.case_.thens[k]);
    }
    if (x->u.case_.else_) {
        put(w, " ELSE ");
        expr(w, x->u.case_.else_);
    }
    put(w, " END");
}

/* The operand of a postfix [i] or .field, in parentheses unless it is
 * already a postfix-safe form. */
static void postfix_arg(pr_t *w, const sm_sql_expr_t *x, bool column_ok)
{
    bool bare = x->kind == SM_SQL_EXPR_FUNC || x->kind == SM_SQL_EXPR_SUBSCRIPT ||
                x->kind == SM_SQL_EXPR_FIELD || x->kind == SM_SQL_EXPR_CAST ||
                (column_ok && x->kind == SM_SQL_EXPR_COLUMN);
    if (!bare)
        put(w, "(");
    expr(w, x);
    if (!bare)
        put(w, ")");
}

static void predicate(pr_t *w, const sm_sql_expr_t *x)
{
    static const char *const is_names[] = {"NULL", "TRUE", "FALSE", "UNKNOWN", "DISTINCT FROM"};
    static const char *const like_names[] = {"LIKE", "ILIKE", "RLIKE"};
    put(w, "(");
    switch (x->kind) {
    case SM_SQL_EXPR_IS:
        expr(w, x->u.is.arg);
        putf(w, " IS %s%s", x->u.is.negated ? "NOT " : "", is_names[x->u.is.what]);
        if (x->u.is.other) {
            put(w, " ");
            expr(w, x->u.is.other);
        }
        break;
    case SM_SQL_EXPR_BETWEEN:
        expr(w, x->u.between.arg);
        put(w, x->u.between.negated ? " NOT BETWEEN " : " BETWEEN ");
        expr(w, x->u.between.low);
        put(w, " AND ");
        expr(w, x->u.between.high);
        break;
    case SM_SQL_EXPR_IN_LIST:
    case SM_SQL_EXPR_IN_QUERY:
        expr(w, x->u.in.arg);
        put(w, x->u.in.negated ? " NOT IN (" : " IN (");
        if (x->kind == SM_SQL_EXPR_IN_LIST)
            expr_list(w, x->u.in.list, x->u.in.nlist);
        else
            query(w, x->u.in.query);
        put(w, ")");
        break;
    case SM_SQL_EXPR_LIKE:
        expr(w, x->u.like.arg);
        putf(w, " %s%s ", x->u.like.negated ? "NOT " : "", like_names[x->u.like.op]);
        expr(w, x->u.like.pattern);
        if (x->u.like.escape) {
            put(w, " ESCAPE ");
            expr(w, x->u.like.escape);
        }
        break;
    default:
        break;
    }
    put(w, ")");
}

static void expr(pr_t *w, const sm_sql_expr_t *x)
{
    static const char *const unops[] = {"- ", "+ ", "~ ", "NOT "};
    switch (x->kind) {
    case SM_SQL_EXPR_LITERAL:
        literal(w, &x->u.lit);
        break;
    case SM_SQL_EXPR_COLUMN:
        name(w, &x->u.column, false);
        break;
    case SM_SQL_EXPR_STAR:
        name(w, &x->u.star, false);
        put(w, x->u.star.nparts ? ".*" : "*");
        break;
    case SM_SQL_EXPR_UNARY: {
        bool wrap = x->u.unary.op == SM_SQL_UNOP_NEG && numeric_lit(x->u.unary.arg);
        put(w, "(");
        put(w, unops[x->u.unary.op]);
        put(w, wrap ? "(" : "");
        expr(w, x->u.unary.arg);
        put(w, wrap ? "))" : ")");
        break;
    }
    case SM_SQL_EXPR_BINARY:
        put(w, "(");
        expr(w, x->u.binary.left);
        putf(w, " %s ", sm_sql_binop_name(x->u.binary.op));
        expr(w, x->u.binary.right);
        put(w, ")");
        break;
    case SM_SQL_EXPR_IS:
    case SM_SQL_EXPR_BETWEEN:
    case SM_SQL_EXPR_IN_LIST:
    case SM_SQL_EXPR_IN_QUERY:
    case SM_SQL_EXPR_LIKE:
        predicate(w, x);
        break;
    case SM_SQL_EXPR_EXISTS:
    case SM_SQL_EXPR_SUBQUERY:
        put(w, x->kind == SM_SQL_EXPR_EXISTS ? "EXISTS (" : "(");
        query(w, x->u.query);
        put(w, ")");
        break;
    case SM_SQL_EXPR_CASE:
        case_expr(w, x);
        break;
    case SM_SQL_EXPR_CAST:
        put(w, x->u.cast.try_ ? "TRY_CAST(" : "CAST(");
        expr(w, x->u.cast.arg);
        put(w, " AS ");
        type(w, x->u.cast.type);
        put(w, ")");
        break;
    case SM_SQL_EXPR_FUNC:
        func(w, x);
        break;
    case SM_SQL_EXPR_NAMED_ARG:
        ident(w, x->u.named.name);
        put(w, " => ");
        expr(w, x->u.named.value);
        break;
    case SM_SQL_EXPR_SUBSCRIPT:
        postfix_arg(w, x->u.subscript.arg, true);
        put(w, "[");
        expr(w, x->u.subscript.index);
        put(w, "]");
        break;
    case SM_SQL_EXPR_FIELD:
        postfix_arg(w, x->u.field.arg, false);
        put(w, ".");
        ident(w, x->u.field.name.name);
        break;
    }
}

static void alias(pr_t *w, const sm_sql_ident_t *a, const sm_sql_ident_t *cols, size_t ncols)
{
    if (!a->name)
        return;
    put(w, " AS ");
    ident(w, a->name);
    if (ncols)
        ident_list(w, cols, ncols);
}

static void join(pr_t *w, const sm_sql_table_t *t)
{
    static const char *const kinds[] = {
        [SM_SQL_JOIN_INNER] = " JOIN ",          [SM_SQL_JOIN_LEFT] = " LEFT JOIN ",
        [SM_SQL_JOIN_RIGHT] = " RIGHT JOIN ",    [SM_SQL_JOIN_FULL] = " FULL JOIN ",
        [SM_SQL_JOIN_CROSS] = " CROSS JOIN ",    [SM_SQL_JOIN_SEMI] = " LEFT SEMI JOIN ",
        [SM_SQL_JOIN_ANTI] = " LEFT ANTI JOIN ", [SM_SQL_JOIN_COMMA] = ", ",
    };
    bool comma = t->u.join.kind == SM_SQL_JOIN_COMMA;
    const sm_sql_table_t *l = t->u.join.left, *r = t->u.join.right;
    bool wrap_l = !comma && l->kind == SM_SQL_TABLE_JOIN && l->u.join.kind == SM_SQL_JOIN_COMMA;
    bool wrap_r = r->kind == SM_SQL_TABLE_JOIN && (!comma || r->u.join.kind == SM_SQL_JOIN_COMMA);
    put(w, wrap_l ? "(" : "");
    table(w, l);
    put(w, wrap_l ? ")" : "");
    put(w, kinds[t->u.join.kind]);
    put(w, wrap_r ? "(" : "");
    table(w, r);
    put(w, wrap_r ? ")" : "");
    if (t->u.join.on) {
        put(w, " ON ");
        expr(w, t->u.join.on);
    } else if (t->u.join.nusing) {
        put(w, " USING ");
        ident_list(w, t->u.join.using_, t->u.join.nusing);
    }
}

static void table(pr_t *w, const sm_sql_table_t *t)
{
    switch (t->kind) {
    case SM_SQL_TABLE_NAME:
        name(w, &t->u.table.name, false);
        if (t->u.table.travel != SM_SQL_TRAVEL_NONE) {
            put(w, t->u.table.travel == SM_SQL_TRAVEL_VERSION ? " VERSION AS OF "
                                                              : " TIMESTAMP AS OF ");
            expr(w, t->u.table.as_of);
        }
        break;
    case SM_SQL_TABLE_FUNC:
        name(w, &t->u.func.name, true);
        put(w, "(");
        expr_list(w, t->u.func.args, t->u.func.nargs);
        put(w, ")");
        break;
    case SM_SQL_TABLE_QUERY:
        put(w, "(");
        query(w, t->u.query);
        put(w, ")");
        break;
    case SM_SQL_TABLE_JOIN:
        join(w, t);
        return;
    }
    alias(w, &t->alias, t->col_aliases, t->ncol_aliases);
}

static void select_body(pr_t *w, const sm_sql_select_t *s)
{
    put(w, s->distinct ? "SELECT DISTINCT " : "SELECT ");
    for (size_t k = 0; k < s->nitems; k++) {
        if (k)
            put(w, ", ");
        expr(w, s->items[k].expr);
        alias(w, &s->items[k].alias, NULL, 0);
    }
    if (s->from) {
        put(w, " FROM ");
        table(w, s->from);
    }
    if (s->where) {
        put(w, " WHERE ");
        expr(w, s->where);
    }
    if (s->group_all) {
        put(w, " GROUP BY ALL");
    } else if (s->ngroup_by) {
        put(w, " GROUP BY ");
        expr_list(w, s->group_by, s->ngroup_by);
    }
    if (s->having) {
        put(w, " HAVING ");
        expr(w, s->having);
    }
}

static void body(pr_t *w, const sm_sql_body_t *b);

static void setop(pr_t *w, const sm_sql_body_t *b)
{
    static const char *const ops[] = {" UNION ", " INTERSECT ", " EXCEPT "};
    const sm_sql_body_t *l = b->u.setop.left, *r = b->u.setop.right;
    /* INTERSECT binds tighter: a looser left operand needs parentheses;
     * a right operand that is a set operation always gets them. */
    bool wrap_l = l->kind == SM_SQL_BODY_SETOP && b->u.setop.op == SM_SQL_SETOP_INTERSECT &&
                  l->u.setop.op != SM_SQL_SETOP_INTERSECT;
    bool wrap_r = r->kind == SM_SQL_BODY_SETOP;
    put(w, wrap_l ? "(" : "");
    body(w, l);
    put(w, wrap_l ? ")" : "");
    put(w, ops[b->u.setop.op]);
    put(w, b->u.setop.all ? "ALL " : "");
    put(w, wrap_r ? "(" : "");
    body(w, r);
    put(w, wrap_r ? ")" : "");
}

static void body(pr_t *w, const sm_sql_body_t *b)
{
    switch (b->kind) {
    case SM_SQL_BODY_SELECT:
        select_body(w, &b->u.select);
        break;
    case SM_SQL_BODY_VALUES:
        put(w, "VALUES ");
        for (size_t k = 0; k < b->u.values.nrows; k++) {
            put(w, k ? ", (" : "(");
            expr_list(w, b->u.values.rows[k].values, b->u.values.rows[k].nvalues);
            put(w, ")");
        }
        break;
    case SM_SQL_BODY_SETOP:
        setop(w, b);
        break;
    case SM_SQL_BODY_QUERY:
        put(w, "(");
        query(w, b->u.query);
        put(w, ")");
        break;
    }
}

static void query(pr_t *w, const sm_sql_query_t *q)
{
    for (size_t k = 0; k < q->nctes; k++) {
        put(w, k ? ", " : "WITH ");
        ident(w, q->ctes[k].name.name);
        if (q->ctes[k].ncols)
            ident_list(w, q->ctes[k].cols, q->ctes[k].ncols);
        put(w, " AS (");
        query(w, q->ctes[k].query);
        put(w, ")");
    }
    if (q->nctes)
        put(w, " ");
    body(w, q->body);
    if (q->norder_by) {
        put(w, " ORDER BY ");
        sort_list(w, q->order_by, q->norder_by);
    }
    if (q->limit) {
        put(w, " LIMIT ");
        expr(w, q->limit);
    }
    if (q->offset) {
        put(w, " OFFSET ");
        expr(w, q->offset);
    }
}

/* ---- statements ------------------------------------------------------------ */

static void create(pr_t *w, const sm_sql_stmt_t *s)
{
    put(w, s->u.create.or_replace ? "CREATE OR REPLACE TABLE " : "CREATE TABLE ");
    put(w, s->u.create.if_not_exists ? "IF NOT EXISTS " : "");
    name(w, &s->u.create.name, false);
    for (size_t k = 0; k < s->u.create.ncols; k++) {
        const sm_sql_column_def_t *c = &s->u.create.cols[k];
        put(w, k ? ", " : " (");
        ident(w, c->name.name);
        put(w, " ");
        type(w, c->type);
        put(w, c->not_null ? " NOT NULL" : "");
        if (c->comment) {
            put(w, " COMMENT ");
            cstring_lit(w, c->comment);
        }
    }
    put(w, s->u.create.ncols ? ")" : "");
    if (s->u.create.using_) {
        put(w, " USING ");
        ident(w, s->u.create.using_);
    }
    if (s->u.create.npartitioned_by) {
        put(w, " PARTITIONED BY ");
        ident_list(w, s->u.create.partitioned_by, s->u.create.npartitioned_by);
    }
    if (s->u.create.location) {
        put(w, " LOCATION ");
        cstring_lit(w, s->u.create.location);
    }
    if (s->u.create.comment) {
        put(w, " COMMENT ");
        cstring_lit(w, s->u.create.comment);
    }
    if (s->u.create.as_query) {
        put(w, " AS ");
        query(w, s->u.create.as_query);
    }
}

static void insert(pr_t *w, const sm_sql_stmt_t *s)
{
    put(w, s->u.insert.overwrite ? "INSERT OVERWRITE " : "INSERT INTO ");
    name(w, &s->u.insert.table, false);
    for (size_t k = 0; k < s->u.insert.npartition; k++) {
        const sm_sql_partval_t *pv = &s->u.insert.partition[k];
        put(w, k ? ", " : " PARTITION (");
        ident(w, pv->column.name);
        if (pv->value) {
            put(w, " = ");
            expr(w, pv->value);
        }
    }
    put(w, s->u.insert.npartition ? ")" : "");
    if (s->u.insert.ncols) {
        put(w, " ");
        ident_list(w, s->u.insert.cols, s->u.insert.ncols);
    }
    put(w, " ");
    query(w, s->u.insert.query);
}

static void assigns(pr_t *w, const sm_sql_assign_t *a, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        put(w, k ? ", " : "");
        name(w, &a[k].column, false);
        put(w, " = ");
        expr(w, a[k].value);
    }
}

static void merge_clause(pr_t *w, const sm_sql_merge_clause_t *c)
{
    static const char *const match[] = {" WHEN MATCHED", " WHEN NOT MATCHED",
                                        " WHEN NOT MATCHED BY SOURCE"};
    put(w, match[c->match]);
    if (c->cond) {
        put(w, " AND ");
        expr(w, c->cond);
    }
    put(w, " THEN ");
    switch (c->action) {
    case SM_SQL_MERGE_UPDATE:
        put(w, "UPDATE SET ");
        assigns(w, c->assigns, c->nassigns);
        break;
    case SM_SQL_MERGE_UPDATE_STAR:
        put(w, "UPDATE SET *");
        break;
    case SM_SQL_MERGE_DELETE:
        put(w, "DELETE");
        break;
    case SM_SQL_MERGE_INSERT_STAR:
        put(w, "INSERT *");
        break;
    case SM_SQL_MERGE_INSERT:
        put(w, "INSERT ");
        if (c->ncols) {
            ident_list(w, c->cols, c->ncols);
            put(w, " ");
        }
        put(w, "VALUES (");
        expr_list(w, c->values, c->nvalues);
        put(w, ")");
        break;
    }
}

static void merge(pr_t *w, const sm_sql_stmt_t *s)
{
    put(w, "MERGE INTO ");
    name(w, &s->u.merge.target, false);
    alias(w, &s->u.merge.target_alias, NULL, 0);
    put(w, " USING ");
    bool wrap = s->u.merge.source->kind == SM_SQL_TABLE_JOIN;
    put(w, wrap ? "(" : "");
    table(w, s->u.merge.source);
    put(w, wrap ? ")" : "");
    put(w, " ON ");
    expr(w, s->u.merge.on);
    for (size_t k = 0; k < s->u.merge.nclauses; k++)
        merge_clause(w, &s->u.merge.clauses[k]);
}

static void stmt(pr_t *w, const sm_sql_stmt_t *s)
{
    switch (s->kind) {
    case SM_SQL_STMT_QUERY:
        query(w, s->u.query);
        break;
    case SM_SQL_STMT_CREATE_TABLE:
        create(w, s);
        break;
    case SM_SQL_STMT_INSERT:
        insert(w, s);
        break;
    case SM_SQL_STMT_DELETE:
        put(w, "DELETE FROM ");
        name(w, &s->u.delete_.table, false);
        alias(w, &s->u.delete_.alias, NULL, 0);
        if (s->u.delete_.where) {
            put(w, " WHERE ");
            expr(w, s->u.delete_.where);
        }
        break;
    case SM_SQL_STMT_UPDATE:
        put(w, "UPDATE ");
        name(w, &s->u.update.table, false);
        alias(w, &s->u.update.alias, NULL, 0);
        put(w, " SET ");
        assigns(w, s->u.update.set, s->u.update.nset);
        if (s->u.update.where) {
            put(w, " WHERE ");
            expr(w, s->u.update.where);
        }
        break;
    case SM_SQL_STMT_MERGE:
        merge(w, s);
        break;
    case SM_SQL_STMT_EXPLAIN:
        put(w, "EXPLAIN ");
        put(w, s->u.explain.analyze ? "ANALYZE " : "");
        put(w, s->u.explain.extended ? "EXTENDED " : "");
        stmt(w, s->u.explain.stmt);
        break;
    case SM_SQL_STMT_SHOW_TABLES:
        put(w, "SHOW TABLES");
        if (s->u.show.in.nparts) {
            put(w, " IN ");
            name(w, &s->u.show.in, false);
        }
        if (s->u.show.like) {
            put(w, " LIKE ");
            cstring_lit(w, s->u.show.like);
        }
        break;
    case SM_SQL_STMT_DESCRIBE:
        put(w, s->u.describe.extended ? "DESCRIBE TABLE EXTENDED " : "DESCRIBE TABLE ");
        name(w, &s->u.describe.table, false);
        break;
    }
}

/* ---- public wrappers ------------------------------------------------------- */

#define PRINT_WITH(fn, node)                                                                       \
    pr_t w = {.b = b, .e = e, .rc = SM_OK};                                                        \
    fn(&w, node);                                                                                  \
    return w.rc

sm_err_t sm_sql_print_expr(sm_buf_t *b, const sm_sql_expr_t *x, sm_error_t *e)
{
    PRINT_WITH(expr, x);
}

sm_err_t sm_sql_print_type(sm_buf_t *b, const sm_sql_type_t *t, sm_error_t *e)
{
    PRINT_WITH(type, t);
}

sm_err_t sm_sql_print_table(sm_buf_t *b, const sm_sql_table_t *t, sm_error_t *e)
{
    PRINT_WITH(table, t);
}

sm_err_t sm_sql_print_query(sm_buf_t *b, const sm_sql_query_t *q, sm_error_t *e)
{
    PRINT_WITH(query, q);
}

sm_err_t sm_sql_print_stmt(sm_buf_t *b, const sm_sql_stmt_t *s, sm_error_t *e)
{
    PRINT_WITH(stmt, s);
}

sm_err_t sm_sql_print_name(sm_buf_t *b, const sm_sql_name_t *n, sm_error_t *e)
{
    pr_t w = {.b = b, .e = e, .rc = SM_OK};
    name(&w, n, false);
    return w.rc;
}

sm_err_t sm_sql_print_ident(sm_buf_t *b, const char *s, sm_error_t *e)
{
    PRINT_WITH(ident, s);
}
