/*
 * fuzz_sql_parser — SQL text through the lexer, the parser (script and
 * expression modes), the table lister and the printer.  Must never crash,
 * hang or leak, whatever the bytes.  Oracle: a parsed script printed back
 * to SQL must parse again (unless it then exceeds a limit, as printing adds
 * parentheses) and print to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "sql/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_err_t print_all(const sm_sql_ast_t *ast, sm_buf_t *b, sm_error_t *e)
{
    for (size_t k = 0; k < ast->nstmts; k++) {
        sm_err_t rc = sm_buf_append_str(b, k ? ";\n" : "", e);
        if (!rc)
            rc = sm_sql_print_stmt(b, ast->stmts[k], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_error_t e;
    sm_sql_ast_t *ast = NULL;
    sm_str_t src = sm_str_make((const char *)data, size);

    if (sm_sql_parse_expr(src, NULL, &ast, &e) == SM_OK) {
        sm_buf_t b = SM_BUF_INIT;
        sm_sql_print_expr(&b, ast->expr, &e);
        sm_buf_free(&b);
        sm_sql_ast_free(ast);
    }

    if (sm_sql_parse_script(src, NULL, &ast, &e) != SM_OK)
        return 0;
    for (size_t k = 0; k < ast->nstmts; k++) {
        sm_sql_name_t *names;
        size_t n;
        if (sm_sql_list_tables(ast, ast->stmts[k], &names, &n, &e) == SM_OK)
            for (size_t j = 0; j < n; j++)
                if (!names[j].nparts || !names[j].parts[0].name)
                    __builtin_trap();
    }
    sm_buf_t b1 = SM_BUF_INIT, b2 = SM_BUF_INIT;
    if (print_all(ast, &b1, &e) == SM_OK) {
        sm_sql_ast_t *again = NULL;
        sm_str_t text = sm_str_make((const char *)b1.data, b1.len);
        sm_err_t rc = sm_sql_parse_script(text, NULL, &again, &e);
        if (rc == SM_OK) {
            if (print_all(again, &b2, &e) == SM_OK &&
                (b1.len != b2.len || (b1.len && memcmp(b1.data, b2.data, b1.len) != 0))) {
                fprintf(stderr, "round trip differs:\n1: %s\n2: %s\n", (char *)b1.data,
                        (char *)b2.data);
                __builtin_trap();
            }
            sm_sql_ast_free(again);
        } else if (rc != SM_ERR_LIMIT) {
            fprintf(stderr, "printed SQL does not parse: %s\n%s\n", e.msg, (char *)b1.data);
            __builtin_trap();
        }
    }
    sm_buf_free(&b1);
    sm_buf_free(&b2);
    sm_sql_ast_free(ast);
    return 0;
}
