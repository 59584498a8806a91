/* Unit tests for sql/parser and the sql/ast printer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sql/parser.h"

static char out_text[65536];

/* Parses a script and prints its statements joined by "; " — or
 * "ERR: <message>".  Also checks that the printed text parses back to the
 * same printed text (the printer's round-trip promise). */
static const char *canon(const char *sql)
{
    sm_error_t e;
    sm_sql_ast_t *ast;
    if (sm_sql_parse_script(sm_str_c(sql), NULL, &ast, &e) != SM_OK) {
        snprintf(out_text, sizeof out_text, "ERR: %s", e.msg);
        return out_text;
    }
    sm_buf_t b = SM_BUF_INIT;
    for (size_t k = 0; k < ast->nstmts; k++) {
        if (k)
            sm_buf_append_str(&b, "; ", &e);
        CHECK_OK(sm_sql_print_stmt(&b, ast->stmts[k], &e), &e);
    }
    sm_sql_ast_free(ast);
    snprintf(out_text, sizeof out_text, "%s", b.len ? (char *)b.data : "");
    /* round trip */
    sm_sql_ast_t *again;
    if (sm_sql_parse_script(sm_str_c(out_text), NULL, &again, &e) != SM_OK) {
        fprintf(stderr, "round trip failed to parse: %s\n  text: %s\n", e.msg, out_text);
        CHECK(!"round trip parse");
    } else {
        sm_buf_t b2 = SM_BUF_INIT;
        for (size_t k = 0; k < again->nstmts; k++) {
            if (k)
                sm_buf_append_str(&b2, "; ", &e);
            sm_sql_print_stmt(&b2, again->stmts[k], &e);
        }
        if (strcmp(b2.len ? (char *)b2.data : "", out_text) != 0) {
            fprintf(stderr, "round trip differs:\n  1: %s\n  2: %s\n", out_text, (char *)b2.data);
            CHECK(!"round trip same");
        }
        sm_buf_free(&b2);
        sm_sql_ast_free(again);
    }
    sm_buf_free(&b);
    return out_text;
}

static const char *canon_expr(const char *sql)
{
    static char buf[8192];
    sm_error_t e;
    sm_sql_ast_t *ast;
    if (sm_sql_parse_expr(sm_str_c(sql), NULL, &ast, &e) != SM_OK) {
        snprintf(buf, sizeof buf, "ERR: %s", e.msg);
        return buf;
    }
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_sql_print_expr(&b, ast->expr, &e), &e);
    snprintf(buf, sizeof buf, "%s", (char *)b.data);
    sm_buf_free(&b);
    sm_sql_ast_free(ast);
    return buf;
}

#define Q(sql, want) CHECK_EQ_STR(canon(sql), want)
#define X(sql, want) CHECK_EQ_STR(canon_expr(sql), want)

#define REF1                                                                                       \
    "SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,\n"      \
    "       p.product_name AS produit, cat.category_name AS categorie, od.quantity, "              \
    "od.unit_price,\n"                                                                             \
    "       round(od.unit_price * od.quantity * (1 - od.discount), 2) AS montant_final\n"          \
    "FROM bronze.order_details od\n"                                                               \
    "LEFT JOIN bronze.orders o USING (order_id)\n"                                                 \
    "LEFT JOIN bronze.products p ON od.product_id = p.product_id\n"                                \
    "LEFT JOIN bronze.categories cat ON p.category_id = cat.category_id\n"                         \
    "LEFT JOIN bronze.customers c ON o.customer_id = c.customer_id;\n"
#define REF2                                                                                       \
    "SELECT client, max(order_date) AS last_order, count(DISTINCT order_id) AS frequency,\n"       \
    "       sum(montant_final) AS monetary,\n"                                                     \
    "       CASE WHEN sum(montant_final) > 5000 THEN 'VIP' ELSE 'Standard' END AS segment\n"       \
    "FROM silver.master_ventes GROUP BY client;\n"
#define REF3                                                                                       \
    "WITH rfm AS (SELECT client, datediff(current_date(), max(order_date)) AS recency,\n"          \
    "                    count(DISTINCT order_id) AS frequency, sum(montant_final) AS "            \
    "monetary\n"                                                                                   \
    "             FROM silver.master_ventes GROUP BY client)\n"                                    \
    "SELECT client, ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY "          \
    "frequency) AS f,\n"                                                                           \
    "       ntile(5) OVER (ORDER BY monetary) AS m FROM rfm ORDER BY client NULLS LAST LIMIT "     \
    "10;\n"
#define REF4                                                                                       \
    "SELECT pays, sum(montant) AS total_ventes_live, count(*) AS nb_transactions\n"                \
    "FROM ventes GROUP BY pays ORDER BY total_ventes_live DESC;\n"

static void test_reference_queries(void)
{
    Q(REF1, "SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays, "
            "p.product_name AS produit, cat.category_name AS categorie, od.quantity, "
            "od.unit_price, round(((od.unit_price * od.quantity) * (1 - od.discount)), 2) AS "
            "montant_final FROM bronze.order_details AS od LEFT JOIN bronze.orders AS o USING "
            "(order_id) LEFT JOIN bronze.products AS p ON (od.product_id = p.product_id) LEFT "
            "JOIN bronze.categories AS cat ON (p.category_id = cat.category_id) LEFT JOIN "
            "bronze.customers AS c ON (o.customer_id = c.customer_id)");
    Q(REF2, "SELECT client, max(order_date) AS last_order, count(DISTINCT order_id) AS frequency, "
            "sum(montant_final) AS monetary, CASE WHEN (sum(montant_final) > 5000) THEN 'VIP' "
            "ELSE 'Standard' END AS segment FROM silver.master_ventes GROUP BY client");
    Q(REF3, "WITH rfm AS (SELECT client, datediff(current_date(), max(order_date)) AS recency, "
            "count(DISTINCT order_id) AS frequency, sum(montant_final) AS monetary FROM "
            "silver.master_ventes GROUP BY client) SELECT client, ntile(5) OVER (ORDER BY "
            "recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f, ntile(5) OVER (ORDER "
            "BY monetary) AS m FROM rfm ORDER BY client NULLS LAST LIMIT 10");
    Q(REF4, "SELECT pays, sum(montant) AS total_ventes_live, count(*) AS nb_transactions FROM "
            "ventes GROUP BY pays ORDER BY total_ventes_live DESC");
    /* all four as one script */
    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_script(sm_str_c(REF1 REF2 REF3 REF4), NULL, &ast, &e), &e);
    CHECK_EQ_INT(ast->nstmts, 4);
    CHECK_EQ_INT(ast->stmts[1]->pos.line, 9);
    CHECK(strncmp(ast->stmts[1]->text.p, "SELECT client", 13) == 0);
    CHECK(ast->stmts[1]->text.p[ast->stmts[1]->text.n - 1] == 't'); /* "... BY client" */
    sm_sql_ast_free(ast);
}

static void test_select(void)
{
    Q("select a, b from t", "SELECT a, b FROM t");
    Q("SELECT 1", "SELECT 1");
    Q("SELECT ALL a FROM t", "SELECT a FROM t");
    Q("SELECT DISTINCT *, t.*, x.y.* FROM t", "SELECT DISTINCT *, t.*, x.y.* FROM t");
    Q("SELECT a b, c AS d, e `f g` FROM t", "SELECT a AS b, c AS d, e AS `f g` FROM t");
    Q("SELECT type, date, year, count, comment, value, key, `select`, `a``b` FROM t",
      "SELECT type, date, year, count, comment, value, key, `select`, `a``b` FROM t");
    Q("SELECT t.type AS type, x AS date, y year FROM t",
      "SELECT t.type AS type, x AS date, y AS year FROM t");
    Q("SELECT a FROM t WHERE x > 1 GROUP BY 1, a + 1 HAVING count(*) > 2 "
      "ORDER BY a ASC NULLS FIRST, b DESC LIMIT 10 OFFSET 5",
      "SELECT a FROM t WHERE (x > 1) GROUP BY 1, (a + 1) HAVING (count(*) > 2) "
      "ORDER BY a ASC NULLS FIRST, b DESC LIMIT 10 OFFSET 5");
    Q("SELECT a FROM t GROUP BY ALL", "SELECT a FROM t GROUP BY ALL");
    Q("SELECT a FROM t GROUP BY ALL ORDER BY a", "SELECT a FROM t GROUP BY ALL ORDER BY a");
    Q("SELECT a FROM t LIMIT ALL", "SELECT a FROM t");
    Q("SELECT a FROM t OFFSET 3", "SELECT a FROM t OFFSET 3");
    Q("WITH a AS (SELECT 1), b (x) AS (SELECT * FROM a) SELECT * FROM b",
      "WITH a AS (SELECT 1), b(x) AS (SELECT * FROM a) SELECT * FROM b");
    Q("SELECT count(*) FILTER (WHERE x > 0) AS n FROM t",
      "SELECT count(*) FILTER (WHERE (x > 0)) AS n FROM t");
    Q("SELECT sum(x) OVER (PARTITION BY a, b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND "
      "CURRENT ROW) FROM t",
      "SELECT sum(x) OVER (PARTITION BY a, b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND "
      "CURRENT ROW) FROM t");
    Q("SELECT avg(x) OVER (ORDER BY d RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND 2 FOLLOWING), "
      "first(x) OVER (), lag(x, 1) OVER (PARTITION BY k ROWS UNBOUNDED PRECEDING), "
      "max(y) OVER (ORDER BY z ROWS BETWEEN 3 PRECEDING AND UNBOUNDED FOLLOWING) FROM t",
      "SELECT avg(x) OVER (ORDER BY d RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND 2 FOLLOWING), "
      "first(x) OVER (), lag(x, 1) OVER (PARTITION BY k ROWS UNBOUNDED PRECEDING), "
      "max(y) OVER (ORDER BY z ROWS BETWEEN 3 PRECEDING AND UNBOUNDED FOLLOWING) FROM t");
    Q("SELECT x::int, CAST(y AS decimal(10, 2)), TRY_CAST(z AS array<map<string,struct<a:int,b "
      "string>>>), CAST(w AS varchar(10)), CAST(v AS STRUCT<>) FROM t",
      "SELECT CAST(x AS int), CAST(y AS decimal(10,2)), TRY_CAST(z AS "
      "array<map<string,struct<a:int,b:string>>>), CAST(w AS varchar(10)), CAST(v AS struct) "
      "FROM t");
}

static void test_from(void)
{
    Q("SELECT * FROM delta.`/data/lake/t` x, delta.`s3://bucket/p/t`",
      "SELECT * FROM delta.`/data/lake/t` AS x, delta.`s3://bucket/p/t`");
    Q("SELECT * FROM cat.layer.t, layer.t AS u(a, b)",
      "SELECT * FROM cat.layer.t, layer.t AS u(a, b)");
    Q("SELECT * FROM read_parquet('a.parquet') p, read_csv('f.csv', header => true, delim => ';') "
      "AS c(a, b), read_json('x.json'), read_csv('y.csv', true)",
      "SELECT * FROM read_parquet('a.parquet') AS p, read_csv('f.csv', header => TRUE, delim => "
      "';') AS c(a, b), read_json('x.json'), read_csv('y.csv', TRUE)");
    Q("SELECT * FROM t VERSION AS OF 3 AS t1 JOIN u TIMESTAMP AS OF '2026-01-01' u1 ON t1.a = u1.a",
      "SELECT * FROM t VERSION AS OF 3 AS t1 JOIN u TIMESTAMP AS OF '2026-01-01' AS u1 ON "
      "(t1.a = u1.a)");
    Q("SELECT * FROM t FOR VERSION AS OF 2", "SELECT * FROM t VERSION AS OF 2");
    Q("SELECT * FROM a CROSS JOIN b LEFT SEMI JOIN c ON a.x = c.x LEFT ANTI JOIN d USING (x, y) "
      "FULL OUTER JOIN e ON TRUE RIGHT OUTER JOIN f ON 1 = 1 INNER JOIN g ON x JOIN h "
      "LEFT OUTER JOIN i ON y SEMI JOIN j ON z ANTI JOIN k ON w",
      "SELECT * FROM a CROSS JOIN b LEFT SEMI JOIN c ON (a.x = c.x) LEFT ANTI JOIN d USING (x, y) "
      "FULL JOIN e ON TRUE RIGHT JOIN f ON (1 = 1) JOIN g ON x JOIN h LEFT JOIN i ON y "
      "LEFT SEMI JOIN j ON z LEFT ANTI JOIN k ON w");
    /* explicit joins bind tighter than commas */
    Q("SELECT * FROM a, b JOIN c ON b.x = c.x, d", "SELECT * FROM a, b JOIN c ON (b.x = c.x), d");
    Q("SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x",
      "SELECT * FROM a JOIN (b JOIN c ON (b.x = c.x)) ON (a.x = b.x)");
    Q("SELECT * FROM (a, b) JOIN c", "SELECT * FROM (a, b) JOIN c");
    Q("SELECT * FROM (SELECT 1 AS x) sub, (VALUES (1, 2), (3, 4)) AS v(a, b), VALUES (5) AS w(c)",
      "SELECT * FROM (SELECT 1 AS x) AS sub, (VALUES (1, 2), (3, 4)) AS v(a, b), (VALUES (5)) "
      "AS w(c)");
    Q("SELECT * FROM ((SELECT 1) UNION (SELECT 2)) u",
      "SELECT * FROM (SELECT 1 UNION SELECT 2) AS u");
    /* keywords that end a FROM item are not aliases */
    Q("SELECT * FROM t left join u on t.a = u.a where x",
      "SELECT * FROM t LEFT JOIN u ON (t.a = u.a) WHERE x");
}

static void test_setops(void)
{
    /* INTERSECT binds tighter than UNION and EXCEPT */
    Q("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3", "SELECT 1 UNION (SELECT 2 INTERSECT SELECT 3)");
    Q("SELECT 1 INTERSECT SELECT 2 UNION SELECT 3", "SELECT 1 INTERSECT SELECT 2 UNION SELECT 3");
    Q("SELECT 1 EXCEPT SELECT 2 INTERSECT SELECT 3 INTERSECT SELECT 4",
      "SELECT 1 EXCEPT (SELECT 2 INTERSECT SELECT 3 INTERSECT SELECT 4)");
    Q("SELECT 1 UNION ALL SELECT 2 UNION DISTINCT SELECT 3 EXCEPT SELECT 4 MINUS SELECT 5",
      "SELECT 1 UNION ALL SELECT 2 UNION SELECT 3 EXCEPT SELECT 4 EXCEPT SELECT 5");
    Q("(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3",
      "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3");
    Q("SELECT 1 UNION (SELECT 2 UNION SELECT 3)", "SELECT 1 UNION (SELECT 2 UNION SELECT 3)");
    Q("SELECT 1 INTERSECT ALL SELECT 2 UNION (SELECT 3 ORDER BY 1 LIMIT 1) ORDER BY 1",
      "SELECT 1 INTERSECT ALL SELECT 2 UNION (SELECT 3 ORDER BY 1 LIMIT 1) ORDER BY 1");
    Q("((SELECT 1))", "SELECT 1");
    Q("VALUES (1, 'a'), (2, 'b') UNION VALUES 3", "VALUES (1, 'a'), (2, 'b') UNION VALUES (3)");

    /* the tree itself: UNION(1, INTERSECT(2, 3)) */
    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_statement(SM_STR_LIT("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3"), NULL,
                                    &ast, &e),
             &e);
    const sm_sql_body_t *b = ast->stmts[0]->u.query->body;
    CHECK_EQ_INT(b->kind, SM_SQL_BODY_SETOP);
    CHECK_EQ_INT(b->u.setop.op, SM_SQL_SETOP_UNION);
    CHECK(!b->u.setop.all);
    CHECK_EQ_INT(b->u.setop.left->kind, SM_SQL_BODY_SELECT);
    CHECK_EQ_INT(b->u.setop.right->kind, SM_SQL_BODY_SETOP);
    CHECK_EQ_INT(b->u.setop.right->u.setop.op, SM_SQL_SETOP_INTERSECT);
    CHECK_EQ_INT(b->pos.col, 10);
    sm_sql_ast_free(ast);
}

static void test_expressions(void)
{
    X("1 + 2 - 3 - 4", "(((1 + 2) - 3) - 4)");
    X("a * b / c % d DIV e", "((((a * b) / c) % d) DIV e)");
    X("-a * b", "((- a) * b)");
    X("- -1", "(- (-1))");
    X("-(1)", "(- (1))");
    X("-1::string", "CAST(-1 AS string)");
    X("a || b || c", "((a || b) || c)");
    X("a & b | c ^ d", "((a & b) | (c ^ d))");
    X("a + b & c", "((a + b) & c)");
    X("~a + +b", "((~ a) + (+ b))");
    X("! a", "(NOT a)");
    X("a = b IS NULL", "((a = b) IS NULL)");
    X("NOT a IS NOT NULL", "(NOT (a IS NOT NULL))");
    X("NOT NOT a", "(NOT (NOT a))");
    X("a IS TRUE OR b IS NOT FALSE OR c IS UNKNOWN",
      "(((a IS TRUE) OR (b IS NOT FALSE)) OR (c IS UNKNOWN))");
    X("a IS DISTINCT FROM b + 1", "(a IS DISTINCT FROM (b + 1))");
    X("a IS NOT DISTINCT FROM b", "(a IS NOT DISTINCT FROM b)");
    X("a BETWEEN 1 AND 2 AND b NOT BETWEEN x + 1 AND y",
      "((a BETWEEN 1 AND 2) AND (b NOT BETWEEN (x + 1) AND y))");
    X("a IN (1, 2, 3) OR b NOT IN (SELECT x FROM t)",
      "((a IN (1, 2, 3)) OR (b NOT IN (SELECT x FROM t)))");
    X("EXISTS (SELECT 1) AND NOT EXISTS (SELECT 2 FROM t)",
      "(EXISTS (SELECT 1) AND (NOT EXISTS (SELECT 2 FROM t)))");
    X("(SELECT max(x) FROM t) + 1", "((SELECT max(x) FROM t) + 1)");
    X("a LIKE 'x%' ESCAPE '!' OR b NOT ILIKE '%y' OR c RLIKE '^a' OR d REGEXP 'b'",
      "((((a LIKE 'x%' ESCAPE '!') OR (b NOT ILIKE '%y')) OR (c RLIKE '^a')) OR (d RLIKE 'b'))");
    X("CASE WHEN a THEN 1 WHEN b THEN 2 END", "CASE WHEN a THEN 1 WHEN b THEN 2 END");
    X("CASE x WHEN 1 THEN 'one' ELSE 'other' END", "CASE x WHEN 1 THEN 'one' ELSE 'other' END");
    X("a <=> b AND a == b AND a != b AND a <> b AND a < b AND a <= b AND a > b AND a >= b",
      "((((((((a <=> b) AND (a = b)) AND (a <> b)) AND (a <> b)) AND (a < b)) AND (a <= b)) AND "
      "(a > b)) AND (a >= b))");
    X("DATE '2026-01-01' + INTERVAL 3 DAYS", "(DATE '2026-01-01' + INTERVAL 3 DAY)");
    X("TIMESTAMP '2026-01-01 00:00:00' - INTERVAL '1-2' YEAR TO MONTH",
      "(TIMESTAMP '2026-01-01 00:00:00' - INTERVAL '1-2' YEAR TO MONTH)");
    X("INTERVAL 1 DAY 2 HOURS 30 MINUTES", "INTERVAL 1 DAY 2 HOUR 30 MINUTE");
    X("INTERVAL '3 days'", "INTERVAL '3 days'");
    X("INTERVAL -3 DAY - 1", "(INTERVAL -3 DAY - 1)");
    X("timestamp_ntz '2026-01-01'", "TIMESTAMP_NTZ '2026-01-01'");
    X("X'CAFE' || x'abc' || X''", "((X'CAFE' || X'0ABC') || X'')");
    X("NULL IS NULL AND TRUE AND FALSE", "(((NULL IS NULL) AND TRUE) AND FALSE)");
    X("current_date + current_timestamp() + CURRENT_DATE",
      "((current_date() + current_timestamp()) + CURRENT_DATE())");
    X("extract(YEAR FROM d)", "date_part('YEAR', d)");
    X("a[0] + m['k'] + f(x).field + s.a.b + (a).b + (1)[0]",
      "(((((a[0] + m['k']) + f(x).field) + s.a.b) + (a).b) + (1)[0])");
    X("count(*) + count(DISTINCT a, b) + count(ALL a) + f()",
      "(((count(*) + count(DISTINCT a, b)) + count(a)) + f())");
    X("x::decimal(10, 2)::string", "CAST(CAST(x AS decimal(10,2)) AS string)");
    X("a.`b c`.d", "a.`b c`.d");
    /* keywords usable as names where unambiguous */
    X("interval", "`interval`");
    X("date_add(date, 1) + year(timestamp)", "(date_add(date, 1) + year(timestamp))");
    X("if(a, b, c) + left(s, 2) + right(s, 1)", "((if(a, b, c) + left(s, 2)) + right(s, 1))");
    X("cast + exists(arr) + `cast`(x)", "((cast + exists(arr)) + `cast`(x))");
    X("type = 'sale' AND value > 0 AND key IS NOT NULL",
      "(((type = 'sale') AND (value > 0)) AND (key IS NOT NULL))");
    /* strings */
    X("'it''s' || 'a\\'b' || \"dq\" || 'tab\\there' || 'a' 'b' || r'raw\\n'",
      "((((('it\\'s' || 'a\\'b') || 'dq') || 'tab\\there') || 'ab') || 'raw\\\\n')");
    X("'\\u0001\\0'", "'\\u0001\\u0000'");
}

static void test_precedence(void)
{
    X("a OR b AND NOT c = d + e * f", "(a OR (b AND (NOT (c = (d + (e * f))))))");
    X("a AND b OR c AND d", "((a AND b) OR (c AND d))");
    X("NOT a AND b", "((NOT a) AND b)");
    X("a = 1 OR b BETWEEN 1 AND 3 AND c", "((a = 1) OR ((b BETWEEN 1 AND 3) AND c))");
    X("a + b < c * d", "((a + b) < (c * d))");
    X("a || b = c", "((a || b) = c)");
    X("-a::int", "(- CAST(a AS int))");
    X("a - -b", "(a - (- b))");
    X("(a OR b) AND c", "((a OR b) AND c)");
    X("a NOT LIKE b || 'x'", "(a NOT LIKE (b || 'x'))");
}

/* Checks the literal kind and integer value of a parsed expression. */
static void check_lit(const char *sql, sm_sql_lit_kind_t kind, int64_t i)
{
    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_expr(sm_str_c(sql), NULL, &ast, &e), &e);
    if (!ast)
        return;
    CHECK_EQ_INT(ast->expr->kind, SM_SQL_EXPR_LITERAL);
    CHECK_EQ_INT(ast->expr->u.lit.kind, kind);
    if (kind <= SM_SQL_LIT_BIGINT)
        CHECK_EQ_INT(ast->expr->u.lit.i, i);
    sm_sql_ast_free(ast);
}

static void test_literals(void)
{
    check_lit("0", SM_SQL_LIT_INT, 0);
    check_lit("2147483647", SM_SQL_LIT_INT, 2147483647);
    check_lit("-2147483648", SM_SQL_LIT_INT, INT32_MIN);
    check_lit("2147483648", SM_SQL_LIT_BIGINT, 2147483648LL);
    check_lit("-2147483649", SM_SQL_LIT_BIGINT, -2147483649LL);
    check_lit("9223372036854775807", SM_SQL_LIT_BIGINT, INT64_MAX);
    check_lit("-9223372036854775808", SM_SQL_LIT_BIGINT, INT64_MIN);
    check_lit("9223372036854775808", SM_SQL_LIT_DECIMAL, 0);
    check_lit("99999999999999999999999", SM_SQL_LIT_DECIMAL, 0);
    check_lit("10L", SM_SQL_LIT_BIGINT, 10);
    check_lit("-9223372036854775808L", SM_SQL_LIT_BIGINT, INT64_MIN);
    check_lit("127Y", SM_SQL_LIT_TINYINT, 127);
    check_lit("-128Y", SM_SQL_LIT_TINYINT, -128);
    check_lit("32767S", SM_SQL_LIT_SMALLINT, 32767);
    check_lit("-32768s", SM_SQL_LIT_SMALLINT, -32768);
    check_lit("1.5", SM_SQL_LIT_DECIMAL, 0);
    check_lit("1.5BD", SM_SQL_LIT_DECIMAL, 0);
    check_lit("10BD", SM_SQL_LIT_DECIMAL, 0);
    check_lit("1.5e3", SM_SQL_LIT_DOUBLE, 0);
    check_lit("1.5D", SM_SQL_LIT_DOUBLE, 0);
    check_lit("10D", SM_SQL_LIT_DOUBLE, 0);
    check_lit("1.5F", SM_SQL_LIT_FLOAT, 0);
    check_lit("'x'", SM_SQL_LIT_STRING, 0);
    check_lit("\"x\"", SM_SQL_LIT_STRING, 0);
    check_lit("DATE '2026-01-01'", SM_SQL_LIT_DATE, 0);
    check_lit("TIMESTAMP '2026-01-01'", SM_SQL_LIT_TIMESTAMP, 0);
    check_lit("TIMESTAMP_LTZ '2026-01-01'", SM_SQL_LIT_TIMESTAMP, 0);
    check_lit("X'00'", SM_SQL_LIT_BINARY, 0);
    check_lit("INTERVAL 3 DAYS", SM_SQL_LIT_INTERVAL, 0);
    check_lit("NULL", SM_SQL_LIT_NULL, 0);
    check_lit("true", SM_SQL_LIT_BOOL, 0);

    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_expr(SM_STR_LIT("-1.25e2D"), NULL, &ast, &e), &e);
    CHECK(ast->expr->u.lit.d == -125.0);
    CHECK_EQ_STR(ast->expr->u.lit.text.p, "-1.25e2");
    CHECK_EQ_INT(ast->expr->u.lit.suffix, 'D');
    sm_sql_ast_free(ast);
    CHECK_OK(sm_sql_parse_expr(SM_STR_LIT("'a\\0b' 'c'"), NULL, &ast, &e), &e);
    CHECK_EQ_INT(ast->expr->u.lit.text.n, 4);
    CHECK(memcmp(ast->expr->u.lit.text.p, "a\0bc", 4) == 0);
    sm_sql_ast_free(ast);
    CHECK_OK(sm_sql_parse_expr(SM_STR_LIT("X'1f2'"), NULL, &ast, &e), &e);
    CHECK_EQ_INT(ast->expr->u.lit.text.n, 2);
    CHECK(memcmp(ast->expr->u.lit.text.p, "\x01\xf2", 2) == 0);
    sm_sql_ast_free(ast);
    CHECK_OK(sm_sql_parse_expr(SM_STR_LIT("INTERVAL '1-2' YEAR TO MONTH"), NULL, &ast, &e), &e);
    CHECK_EQ_INT(ast->expr->u.lit.nparts, 1);
    CHECK_EQ_STR(ast->expr->u.lit.parts[0].unit, "YEAR");
    CHECK_EQ_STR(ast->expr->u.lit.to_unit, "MONTH");
    CHECK(ast->expr->u.lit.parts[0].quoted);
    sm_sql_ast_free(ast);
}

static void test_statements(void)
{
    Q("CREATE TABLE silver.t USING delta PARTITIONED BY (d) AS SELECT * FROM bronze.x",
      "CREATE TABLE silver.t USING delta PARTITIONED BY (d) AS SELECT * FROM bronze.x");
    Q("CREATE OR REPLACE TABLE t (a int NOT NULL, b string COMMENT 'hi', c decimal(10,2)) "
      "USING delta PARTITIONED BY (a) LOCATION 's3://b/p' COMMENT 'tbl'",
      "CREATE OR REPLACE TABLE t (a int NOT NULL, b string COMMENT 'hi', c decimal(10,2)) "
      "USING delta PARTITIONED BY (a) LOCATION 's3://b/p' COMMENT 'tbl'");
    Q("create table if not exists t as select 1", "CREATE TABLE IF NOT EXISTS t AS SELECT 1");
    Q("CREATE TABLE t (type string, date date, `order` int)",
      "CREATE TABLE t (type string, date date, `order` int)");
    Q("INSERT INTO t (a, b) VALUES (1, 2), (3, 4)", "INSERT INTO t (a, b) VALUES (1, 2), (3, 4)");
    Q("INSERT INTO TABLE t SELECT * FROM u", "INSERT INTO t SELECT * FROM u");
    Q("INSERT INTO t (SELECT 1)", "INSERT INTO t SELECT 1");
    Q("INSERT OVERWRITE TABLE t PARTITION (d = '2026-01-01', h) SELECT * FROM u",
      "INSERT OVERWRITE t PARTITION (d = '2026-01-01', h) SELECT * FROM u");
    Q("INSERT INTO t WITH a AS (SELECT 1) SELECT * FROM a",
      "INSERT INTO t WITH a AS (SELECT 1) SELECT * FROM a");
    Q("DELETE FROM t WHERE a = 1", "DELETE FROM t WHERE (a = 1)");
    Q("DELETE FROM t AS x", "DELETE FROM t AS x");
    Q("UPDATE t SET a = 1, b = b + 1 WHERE c IS NULL",
      "UPDATE t SET a = 1, b = (b + 1) WHERE (c IS NULL)");
    Q("UPDATE t x SET x.a = 1", "UPDATE t AS x SET x.a = 1");
    Q("MERGE INTO tgt AS t USING src s ON t.id = s.id WHEN MATCHED AND s.del THEN DELETE "
      "WHEN MATCHED THEN UPDATE SET t.v = s.v, t.w = 1 WHEN NOT MATCHED THEN INSERT (id, v) "
      "VALUES (s.id, s.v)",
      "MERGE INTO tgt AS t USING src AS s ON (t.id = s.id) WHEN MATCHED AND s.del THEN DELETE "
      "WHEN MATCHED THEN UPDATE SET t.v = s.v, t.w = 1 WHEN NOT MATCHED THEN INSERT (id, v) "
      "VALUES (s.id, s.v)");
    Q("MERGE INTO tgt USING (SELECT * FROM src) s ON tgt.id = s.id WHEN MATCHED THEN UPDATE SET * "
      "WHEN NOT MATCHED BY TARGET THEN INSERT * WHEN NOT MATCHED BY SOURCE AND tgt.old THEN "
      "DELETE WHEN NOT MATCHED BY SOURCE THEN UPDATE SET gone = true",
      "MERGE INTO tgt USING (SELECT * FROM src) AS s ON (tgt.id = s.id) WHEN MATCHED THEN UPDATE "
      "SET * WHEN NOT MATCHED THEN INSERT * WHEN NOT MATCHED BY SOURCE AND tgt.old THEN DELETE "
      "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET gone = TRUE");
    Q("EXPLAIN SELECT 1; EXPLAIN ANALYZE SELECT * FROM t; EXPLAIN EXTENDED DELETE FROM t",
      "EXPLAIN SELECT 1; EXPLAIN ANALYZE SELECT * FROM t; EXPLAIN EXTENDED DELETE FROM t");
    Q("SHOW TABLES; SHOW TABLES IN bronze; SHOW TABLES FROM x LIKE 'a*'; SHOW TABLES 'b*'",
      "SHOW TABLES; SHOW TABLES IN bronze; SHOW TABLES IN x LIKE 'a*'; SHOW TABLES LIKE 'b*'");
    Q("DESCRIBE t; DESCRIBE TABLE bronze.t; DESC EXTENDED t; DESCRIBE table",
      "DESCRIBE TABLE t; DESCRIBE TABLE bronze.t; DESCRIBE TABLE EXTENDED t; DESCRIBE TABLE "
      "`table`");
    Q("VALUES (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')");
    Q("VALUES 1, 2, 3", "VALUES (1), (2), (3)");
    Q(";;SELECT 1;;SELECT 2;", "SELECT 1; SELECT 2");
    Q("", "");
    Q("-- comment only\n", "");
    Q("SELECT /* a /* nested */ comment */ 1 -- tail", "SELECT 1");

    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_statement(SM_STR_LIT("SELECT 1;"), NULL, &ast, &e), &e);
    CHECK_EQ_INT(ast->nstmts, 1);
    CHECK_EQ_STR(ast->stmts[0]->text.p, "SELECT 1");
    sm_sql_ast_free(ast);
    CHECK_EQ_INT(sm_sql_parse_statement(SM_STR_LIT("SELECT 1; SELECT 2"), NULL, &ast, &e),
                 SM_ERR_PARSE);
    CHECK(ast == NULL);
    CHECK_EQ_STR(e.msg, "line 1, column 11: expected end of input after the statement (only one "
                        "statement is allowed), found \"SELECT\"");
    CHECK_EQ_INT(sm_sql_parse_statement(SM_STR_LIT(" ; "), NULL, &ast, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "line 1, column 4: unexpected end of input (expected a statement)");
    CHECK_EQ_INT(sm_sql_parse_expr(SM_STR_LIT("a b"), NULL, &ast, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg,
                 "line 1, column 3: expected end of input after the expression, found \"b\"");
}

static void test_ast_shape(void)
{
    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_statement(
                 SM_STR_LIT("SELECT a.b AS x, count(*)\n  FROM bronze.orders o\n WHERE x >= 1"),
                 NULL, &ast, &e),
             &e);
    const sm_sql_stmt_t *s = ast->stmts[0];
    CHECK_EQ_INT(s->kind, SM_SQL_STMT_QUERY);
    const sm_sql_select_t *sel = &s->u.query->body->u.select;
    CHECK_EQ_INT(sel->nitems, 2);
    const sm_sql_expr_t *c = sel->items[0].expr;
    CHECK_EQ_INT(c->kind, SM_SQL_EXPR_COLUMN);
    CHECK_EQ_INT(c->u.column.nparts, 2);
    CHECK_EQ_STR(c->u.column.parts[1].name, "b");
    CHECK_EQ_INT(c->u.column.parts[1].pos.col, 10);
    CHECK_EQ_STR(sel->items[0].alias.name, "x");
    CHECK_EQ_INT(sel->items[0].alias.pos.col, 15);
    CHECK(sel->items[1].expr->u.func.star);
    CHECK_EQ_INT(sel->items[1].expr->u.func.nargs, 0);
    CHECK_EQ_INT(sel->from->kind, SM_SQL_TABLE_NAME);
    CHECK_EQ_INT(sel->from->pos.line, 2);
    CHECK_EQ_INT(sel->from->pos.col, 8);
    CHECK_EQ_INT(sel->from->pos.off, 33);
    CHECK_EQ_STR(sel->from->alias.name, "o");
    CHECK_EQ_INT(sel->where->kind, SM_SQL_EXPR_BINARY);
    CHECK_EQ_INT(sel->where->u.binary.op, SM_SQL_BINOP_GE);
    CHECK_EQ_INT(sel->where->pos.line, 3); /* the operator */
    CHECK_EQ_INT(sel->where->pos.col, 10);
    CHECK(ast->nnodes > 5);
    sm_sql_ast_free(ast);
    sm_sql_ast_free(NULL);

    /* identifiers keep their case; keywords do not matter */
    CHECK_OK(sm_sql_parse_expr(SM_STR_LIT("MyCol + `Other Col`"), NULL, &ast, &e), &e);
    CHECK_EQ_STR(ast->expr->u.binary.left->u.column.parts[0].name, "MyCol");
    CHECK(!ast->expr->u.binary.left->u.column.parts[0].quoted);
    CHECK_EQ_STR(ast->expr->u.binary.right->u.column.parts[0].name, "Other Col");
    CHECK(ast->expr->u.binary.right->u.column.parts[0].quoted);
    sm_sql_ast_free(ast);
}

static const char *err_of(const char *sql)
{
    static char buf[1024];
    sm_error_t e;
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_script(sm_str_c(sql), NULL, &ast, &e);
    CHECK(rc != SM_OK);
    CHECK(ast == NULL);
    snprintf(buf, sizeof buf, "%s", rc ? e.msg : "(no error)");
    if (!rc)
        sm_sql_ast_free(ast);
    return buf;
}

#define E(sql, want) CHECK_EQ_STR(err_of(sql), want)

static void test_errors(void)
{
    E("SELECT count(a FROM t",
      "line 1, column 16: expected \")\" after function arguments, found \"FROM\"");
    E("SELECT a\n  FROM t\n WHERE b = )", "line 3, column 12: expected an expression, found \")\"");
    E("SELECT a FROM t WHERE",
      "line 1, column 22: unexpected end of input (expected an expression)");
    E("SELEC a FROM t",
      "line 1, column 1: expected a statement (SELECT, WITH, VALUES, CREATE, INSERT, UPDATE, "
      "DELETE, MERGE, EXPLAIN, SHOW, DESCRIBE), found \"SELEC\" (did you mean \"SELECT\"?)");
    E("SELECT a FORM t",
      "line 1, column 15: expected \";\" or end of input after the statement, found \"t\" "
      "(\"FORM\" was read as an alias; did you mean \"FROM\"?)");
    E("SELECT a FROM t WHER x = 1",
      "line 1, column 22: expected \";\" or end of input after the statement, found \"x\" "
      "(\"WHER\" was read as an alias; did you mean \"WHERE\"?)");
    E("SELECT a FROM t ORDR BY a",
      "line 1, column 22: expected \";\" or end of input after the statement, found \"BY\" "
      "(\"ORDR\" was read as an alias; did you mean \"ORDER\"?)");
    E("SELECT a, FROM t", "line 1, column 11: expected an expression, found \"FROM\"");
    E("SELECT (a + b FROM t", "line 1, column 15: expected \")\" to close \"(\", found \"FROM\"");
    E("SELECT 'abc", "line 1, column 8: unterminated string literal");
    E("SELECT a FROM t /* open", "line 1, column 17: unterminated comment");
    E("SELECT CASE WHEN a THEN 1 FROM t",
      "line 1, column 27: expected END to close CASE, found \"FROM\"");
    E("SELECT CASE END", "line 1, column 13: expected WHEN in CASE, found \"END\"");
    E("SELECT CAST(a int) FROM t", "line 1, column 15: expected AS in CAST, found \"int\"");
    E("SELECT CAST(a AS ) FROM t", "line 1, column 18: expected a type name, found \")\"");
    E("SELECT CAST(a AS map<int>) FROM t", "line 1, column 25: map<...> takes 2 types, found 1");
    E("SELECT a FROM t GROUP client",
      "line 1, column 23: expected BY after GROUP, found \"client\"");
    E("SELECT a FROM t ORDER BY a NULLS MIDDLE",
      "line 1, column 34: expected FIRST or LAST after NULLS, found \"MIDDLE\"");
    E("SELECT * FROM t JOIN u USING a",
      "line 1, column 30: expected \"(\" after USING, found \"a\"");
    E("SELECT * FROM t JOIN",
      "line 1, column 21: unexpected end of input (expected a table name or "
      "a \"(\" subquery)");
    E("INSERT t VALUES (1)",
      "line 1, column 8: expected INTO or OVERWRITE after INSERT, found \"t\"");
    E("INSERT INTO t VALUE (1)", "line 1, column 15: expected a query or VALUES after the table "
                                 "name, found \"VALUE\" (did you mean \"VALUES\"?)");
    E("CREATE VIEW v AS SELECT 1", "line 1, column 8: expected TABLE after CREATE (only tables can "
                                   "be created), found \"VIEW\"");
    E("CREATE OR REPLACE TABLE IF NOT EXISTS t AS SELECT 1",
      "line 1, column 25: OR REPLACE and IF NOT EXISTS cannot be used together");
    E("CREATE TABLE t USING delta USING parquet", "line 1, column 28: USING given twice");
    E("CREATE TABLE t (a int) AS SELECT 1", "line 1, column 27: CREATE TABLE ... AS takes its "
                                            "columns from the query, not a column list");
    E("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN INSERT *",
      "line 1, column 53: expected UPDATE or DELETE after THEN, found \"INSERT\"");
    E("MERGE INTO t USING s ON t.a = s.a", "line 1, column 34: unexpected end of input (expected "
                                           "WHEN)");
    E("SELECT a FROM a.b.c.d",
      "line 1, column 15: table name has 4 parts (at most 3: catalog.layer.table)");
    E("SELECT 128Y", "line 1, column 8: tinyint literal out of range");
    E("SELECT 99999999999999999999L", "line 1, column 8: bigint literal out of range");
    E("SELECT 1e999", "line 1, column 8: double literal out of range");
    E("SELECT 1e39F", "line 1, column 8: float literal out of range");
    E("SELECT 12abc", "line 1, column 8: malformed number \"12abc\"");
    E("SELECT INTERVAL 3 DAYZ",
      "line 1, column 19: unknown interval unit \"DAYZ\" (did you mean \"DAY\"?)");
    E("SELECT INTERVAL 3", "line 1, column 18: unexpected end of input (expected an interval unit "
                           "(YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND...))");
    E("SELECT a FROM t; garbage",
      "line 1, column 18: expected a statement (SELECT, WITH, VALUES, CREATE, INSERT, UPDATE, "
      "DELETE, MERGE, EXPLAIN, SHOW, DESCRIBE), found \"garbage\"");
    E("SELECT x FROM t WHERE a IN ()", "line 1, column 29: expected an expression, found \")\"");
    E("SELECT sum(x) OVER w FROM t", "line 1, column 20: expected \"(\" after OVER (named windows "
                                     "are not supported), found \"w\"");
    E("SELECT sum(x) OVER (ROWS 1) FROM t", "line 1, column 27: expected PRECEDING or FOLLOWING "
                                            "after the frame offset, found \")\"");
    E("SELECT a $ b", "line 1, column 10: unexpected character \"$\"");
    E("SELECT a FROM (SELECT 1", "line 1, column 24: unexpected end of input (expected \")\" after "
                                 "the subquery)");
    E("SELECT 1 UNION", "line 1, column 15: unexpected end of input (expected SELECT, VALUES or "
                        "\"(\")");
    E("SELECT '\\u12'", "line 1, column 9: invalid \\u escape");
    E("SELECT a FROM t WHERE a NOT 1", "line 1, column 25: expected \";\" or end of input after "
                                       "the statement, found \"NOT\"");
    E("SELECT a IS 3", "line 1, column 13: expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM "
                       "after IS, found \"3\"");
    E("SELECT 'x' || 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' FROM",
      "line 1, column 76: unexpected end of input (expected a table name or a \"(\" subquery)");
    E("SELECT a b c", "line 1, column 12: expected \";\" or end of input after the statement, "
                      "found \"c\"");
    E("SELECT 1 +\n 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' 'x' x y",
      "line 2, column 60: expected \";\" or end of input after the statement, found \"y\"");
    E("UPDATE t SET a 1", "line 1, column 16: expected \"=\" after the column name, found \"1\"");
    E("DELETE t", "line 1, column 8: expected FROM after DELETE, found \"t\"");
    E("SELECT \xff", "line 1, column 8: invalid UTF-8");
    E("WITH a AS SELECT 1 SELECT 2",
      "line 1, column 11: expected \"(\" before the WITH query, found \"SELECT\"");
}

static void test_errors_long_token(void)
{
    /* the quoted token is cut at 40 bytes, on a character boundary */
    E("SELECT 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxéééééé yy",
      "line 1, column 56: expected \";\" or end of input after the statement, found \"yy\"");
    E("SELECT 1 x 'éééééééééééééééééééééééééééééééééééééééé'",
      "line 1, column 12: expected \";\" or end of input after the statement, found "
      "\"'ééééééééééééééééééé...\"");
}

static sm_err_t parse_with(const char *sql, size_t depth, size_t height, size_t nodes,
                           sm_error_t *e)
{
    sm_sql_limits_t lim = {.max_depth = depth, .max_height = height, .max_nodes = nodes};
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_script(sm_str_c(sql), &lim, &ast, e);
    sm_sql_ast_free(ast);
    return rc;
}

static char *repeat(const char *pre, const char *mid, size_t n, const char *post)
{
    size_t lp = strlen(pre), lm = strlen(mid), lq = strlen(post);
    char *s = malloc(lp + lm * n + lq + 1);
    memcpy(s, pre, lp);
    for (size_t k = 0; k < n; k++)
        memcpy(s + lp + k * lm, mid, lm);
    memcpy(s + lp + n * lm, post, lq + 1);
    return s;
}

static void test_limits(void)
{
    sm_error_t e;
    /* nesting depth: parentheses */
    char *s = repeat("SELECT ", "(", 190, "1");
    char *t = repeat(s, ")", 190, "");
    CHECK_OK(parse_with(t, 0, 0, 0, &e), &e);
    free(s);
    free(t);
    s = repeat("SELECT ", "(", 100000, "1");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    CHECK_EQ_STR(e.msg, "line 1, column 207: nesting deeper than 200 levels");
    free(s);
    /* other recursive forms hit the same limit, never the stack */
    static const char *const mids[] = {"NOT ", "- ",     "(SELECT ",   "CAST(",
                                       "f(",   "x IN (", "CASE WHEN ", "EXPLAIN "};
    for (size_t k = 0; k < sizeof mids / sizeof mids[0]; k++) {
        s = repeat(k == 7 ? "" : "SELECT ", mids[k], 50000, "1");
        CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
        CHECK(strstr(e.msg, "nesting deeper than 200 levels") != NULL);
        free(s);
    }
    s = repeat("SELECT * FROM ", "(", 50000, "t");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    free(s);
    s = repeat("SELECT CAST(x AS ", "array<", 50000, "int");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    free(s);
    /* a custom depth */
    CHECK_EQ_INT(parse_with("SELECT ((1))", 3, 0, 0, &e), SM_ERR_LIMIT);
    CHECK_OK(parse_with("SELECT ((1))", 4, 0, 0, &e), &e);
    /* long chains: fine up to the height limit, then an error */
    s = repeat("SELECT 1", " + 1", 1500, "");
    CHECK_OK(parse_with(s, 0, 0, 0, &e), &e);
    free(s);
    s = repeat("SELECT 1", " + 1", 100000, "");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "expression nested deeper than 2000 levels") != NULL);
    free(s);
    s = repeat("SELECT 1", " UNION SELECT 1", 3000, "");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    free(s);
    s = repeat("SELECT * FROM t", " JOIN t", 3000, "");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    free(s);
    /* long flat lists are not deep */
    s = repeat("SELECT 1", ", 1", 100000, "");
    CHECK_OK(parse_with(s, 0, 0, 0, &e), &e);
    /* ... but count as nodes */
    CHECK_EQ_INT(parse_with(s, 0, 0, 1000, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "statement too large (more than 1000 syntax nodes)") != NULL);
    free(s);
    /* input size */
    s = repeat("SELECT 1", " ", (1 << 20), "");
    CHECK_EQ_INT(parse_with(s, 0, 0, 0, &e), SM_ERR_LIMIT);
    CHECK_EQ_STR(e.msg, "SQL text of 1048584 bytes exceeds the limit of 1048576 bytes");
    free(s);
    sm_sql_limits_t lim = {.max_bytes = 4};
    sm_sql_ast_t *ast;
    CHECK_EQ_INT(sm_sql_parse_expr(SM_STR_LIT("1 + 1"), &lim, &ast, &e), SM_ERR_LIMIT);
}

static const char *tables_of(const char *sql)
{
    static char buf[1024];
    sm_error_t e;
    sm_sql_ast_t *ast;
    if (sm_sql_parse_statement(sm_str_c(sql), NULL, &ast, &e) != SM_OK) {
        snprintf(buf, sizeof buf, "ERR: %s", e.msg);
        return buf;
    }
    sm_sql_name_t *names;
    size_t n;
    CHECK_OK(sm_sql_list_tables(ast, ast->stmts[0], &names, &n, &e), &e);
    sm_buf_t b = SM_BUF_INIT;
    for (size_t k = 0; k < n; k++) {
        if (k)
            sm_buf_append_str(&b, " ", &e);
        sm_sql_print_name(&b, &names[k], &e);
    }
    snprintf(buf, sizeof buf, "%s", b.len ? (char *)b.data : "");
    sm_buf_free(&b);
    sm_sql_ast_free(ast);
    return buf;
}

#define T(sql, want) CHECK_EQ_STR(tables_of(sql), want)

static void test_list_tables(void)
{
    T(REF1,
      "bronze.order_details bronze.orders bronze.products bronze.categories bronze.customers");
    T(REF2, "silver.master_ventes");
    T(REF3, "silver.master_ventes"); /* rfm is a CTE */
    T(REF4, "ventes");
    T("SELECT 1", "");
    T("SELECT * FROM a JOIN A ON 1 = 1, b", "a b"); /* once, case-insensitive */
    T("SELECT * FROM x.a, a", "x.a a");
    T("SELECT (SELECT max(v) FROM s1) FROM t WHERE a IN (SELECT a FROM s2) AND EXISTS (SELECT 1 "
      "FROM s3) OR b = (SELECT 1 FROM s4 WHERE c IN (SELECT c FROM s5))",
      "t s1 s2 s3 s4 s5");
    T("SELECT * FROM (SELECT * FROM inner_t) q JOIN read_parquet('x') p ON q.a = p.a", "inner_t");
    T("SELECT * FROM delta.`/data/t` VERSION AS OF 3", "delta.`/data/t`");
    /* CTE scoping: a CTE hides a table of its name; later CTEs see earlier ones; a CTE does not
     * see itself (no recursion), so `a` inside the first CTE is the real table */
    T("WITH a AS (SELECT * FROM a), b AS (SELECT * FROM a JOIN c) SELECT * FROM b, a, d", "a c d");
    T("WITH x AS (SELECT 1) SELECT * FROM (WITH y AS (SELECT * FROM x) SELECT * FROM y, z)", "z");
    T("WITH x AS (SELECT 1) SELECT * FROM t WHERE a IN (SELECT * FROM x)", "t");
    T("SELECT * FROM x UNION SELECT * FROM y INTERSECT SELECT * FROM x", "x y");
    T("SELECT * FROM layer.x WHERE a IN (WITH layer AS (SELECT 1) SELECT * FROM layer)", "layer.x");
    T("INSERT INTO tgt SELECT * FROM src", "src");
    T("INSERT OVERWRITE tgt VALUES (1)", "");
    T("CREATE TABLE silver.t AS SELECT * FROM bronze.a", "bronze.a");
    T("CREATE TABLE t (a int)", "");
    T("DELETE FROM t WHERE a IN (SELECT a FROM u)", "u");
    T("UPDATE t SET a = (SELECT max(a) FROM u) WHERE b IN (SELECT b FROM v)", "u v");
    T("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "s");
    T("MERGE INTO t USING (SELECT * FROM s JOIN r) x ON t.id = x.id WHEN NOT MATCHED AND x.a IN "
      "(SELECT a FROM q) THEN INSERT *",
      "s r q");
    T("EXPLAIN SELECT * FROM silver.x", "silver.x");
    T("DESCRIBE bronze.t", "");
    T("SHOW TABLES", "");
    T("SELECT f(x) OVER (PARTITION BY (SELECT 1 FROM w)) FROM t", "t w");
}

static void test_alloc_failures(void)
{
    /* Each allocation in turn fails: clean SM_ERR_NOMEM, no leak (ASan). */
    const char *sql = REF3;
    long n;
    for (n = 1; n < 10000; n++) {
        sm_error_t e;
        sm_sql_ast_t *ast = NULL;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_sql_parse_script(sm_str_c(sql), NULL, &ast, &e);
        sm_mem_fail_after(0);
        if (rc == SM_OK) {
            sm_sql_name_t *names;
            size_t cnt;
            CHECK_OK(sm_sql_list_tables(ast, ast->stmts[0], &names, &cnt, &e), &e);
            sm_sql_ast_free(ast);
            break;
        }
        CHECK_EQ_INT(rc, SM_ERR_NOMEM);
        CHECK(ast == NULL);
    }
    CHECK(n > 2 && n < 10000);
    /* the printer reports a limited buffer */
    sm_error_t e;
    sm_sql_ast_t *ast;
    CHECK_OK(sm_sql_parse_statement(sm_str_c(sql), NULL, &ast, &e), &e);
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 20;
    CHECK_EQ_INT(sm_sql_print_stmt(&b, ast->stmts[0], &e), SM_ERR_LIMIT);
    CHECK(b.len <= 20);
    sm_buf_free(&b);
    sm_sql_ast_free(ast);
}

int main(void)
{
    RUN(test_reference_queries);
    RUN(test_select);
    RUN(test_from);
    RUN(test_setops);
    RUN(test_expressions);
    RUN(test_precedence);
    RUN(test_literals);
    RUN(test_statements);
    RUN(test_ast_shape);
    RUN(test_errors);
    RUN(test_errors_long_token);
    RUN(test_limits);
    RUN(test_list_tables);
    RUN(test_alloc_failures);
    return check_summary();
}
