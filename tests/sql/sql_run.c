/*
 * tests/sql/sql_run — a test tool around sm_query_run (until `smelt sql`
 * exists): runs SQL against a lake directory.
 *
 *   sql_run LAKE -e "SQL"            runs a script, prints the last result as CSV
 *   sql_run LAKE -f FILE [-t TABLE]  runs a file; with -t, as
 *                                    CREATE OR REPLACE TABLE TABLE AS <file>
 *   sql_run LAKE -q FILE             one query per line; each result is
 *                                    printed after a line "### <n>" (or
 *                                    "### <n> ERROR <message>")
 * Exit status 1 on an error (-e, -f).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/print.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/pool.h"
#include "lake/lake.h"
#include "sql/query.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sm_buf_t b = SM_BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sm_buf_append(&b, tmp, n, NULL);
    fclose(f);
    sm_buf_append_byte(&b, 0, NULL);
    return (char *)sm_buf_detach(&b, &n);
}

static int run(sm_lake_t *lake, const char *sql, sm_pool_t *pool, bool header, sm_error_t *e)
{
    sm_query_opts_t o = {.pool = pool};
    sm_query_result_t r;
    if (sm_query_run(lake, sql, &o, NULL, NULL, &r, e))
        return 1;
    sm_buf_t out = SM_BUF_INIT;
    if (r.schema) {
        sm_print_opts_t po = {.no_header = !header};
        sm_print_batches(SM_PRINT_CSV, r.schema, (const sm_batch_t *const *)r.batches, r.nbatches,
                         &po, &out, NULL);
    } else if (r.message[0]) {
        sm_buf_printf(&out, NULL, "%s\n", r.message);
    }
    if (out.len)
        fwrite(out.data, 1, out.len, stdout);
    sm_buf_free(&out);
    sm_query_result_free(&r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: sql_run LAKE (-e SQL | -f FILE [-t TABLE] | -q FILE)\n");
        return 2;
    }
    sm_error_t e = {0};
    sm_lake_t *lake = NULL;
    sm_pool_t *pool = NULL;
    int rc = 0;
    if (sm_lake_open(argv[1], NULL, &lake, &e) || sm_pool_new(&pool, 0, &e)) {
        fprintf(stderr, "sql_run: %s\n", e.msg);
        return 1;
    }
    if (strcmp(argv[2], "-e") == 0) {
        rc = run(lake, argv[3], pool, true, &e);
    } else if (strcmp(argv[2], "-f") == 0) {
        char *text = slurp(argv[3]);
        if (!text) {
            fprintf(stderr, "sql_run: cannot read %s\n", argv[3]);
            return 1;
        }
        if (argc >= 6 && strcmp(argv[4], "-t") == 0) {
            sm_buf_t b = SM_BUF_INIT;
            sm_buf_printf(&b, NULL, "CREATE OR REPLACE TABLE %s AS\n%s", argv[5], text);
            rc = run(lake, (const char *)b.data, pool, true, &e);
            sm_buf_free(&b);
        } else
            rc = run(lake, text, pool, true, &e);
        sm_free(text);
    } else if (strcmp(argv[2], "-q") == 0) {
        char *text = slurp(argv[3]);
        if (!text) {
            fprintf(stderr, "sql_run: cannot read %s\n", argv[3]);
            return 1;
        }
        int n = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            printf("### %d", n++);
            fflush(stdout);
            sm_error_clear(&e);
            sm_query_opts_t o = {.pool = pool};
            sm_query_result_t r;
            if (sm_query_run(lake, line, &o, NULL, NULL, &r, &e)) {
                printf(" ERROR %s\n", e.msg);
                continue;
            }
            printf("\n");
            sm_buf_t out = SM_BUF_INIT;
            sm_print_opts_t po = {.no_header = true};
            if (r.schema)
                sm_print_batches(SM_PRINT_CSV, r.schema, (const sm_batch_t *const *)r.batches,
                                 r.nbatches, &po, &out, NULL);
            if (out.len)
                fwrite(out.data, 1, out.len, stdout);
            sm_buf_free(&out);
            sm_query_result_free(&r);
        }
        sm_free(text);
    } else {
        fprintf(stderr, "sql_run: unknown option %s\n", argv[2]);
        rc = 2;
    }
    if (rc == 1)
        fprintf(stderr, "sql_run: %s\n", e.msg);
    sm_pool_free(pool);
    sm_lake_close(lake);
    return rc;
}
