/*
 * tests/sql/run_sqltest — runs sqllogictest-style files against a fresh
 * temporary lake (tables are `default.<name>`).
 *
 *   # a comment
 *   statement ok
 *   CREATE TABLE t AS VALUES (1, 'a'), (2, NULL)
 *
 *   statement error unknown column "contry" (did you mean "country"?)
 *   SELECT contry FROM t
 *
 *   query rowsort            (or: query — rows in the order returned)
 *   SELECT col1, col2 FROM t
 *   ----
 *   1	a
 *   2	NULL
 *
 * Records are separated by blank lines; a statement may span lines.
 * Cells are Spark's CAST(x AS STRING) text, NULL as NULL, separated by a
 * tab; `query error <text>` expects a failure whose message contains text.
 * In statements, ${DATA} stands for the data/ directory next to the test
 * file (input files for read_csv / read_json).
 * Usage: run_sqltest FILE...   Exit status 1 when a record fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/pool.h"
#include "exec/expr.h"
#include "lake/lake.h"
#include "sql/query.h"

static int passed, failed;

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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The result as lines of tab-separated cells. */
static char **result_lines(const sm_query_result_t *r, size_t *n)
{
    char **lines = calloc(r->rows + 1, sizeof *lines);
    size_t k = 0;
    for (size_t bi = 0; bi < r->nbatches; bi++) {
        const sm_batch_t *b = r->batches[bi];
        for (size_t row = 0; row < b->nrows; row++) {
            sm_buf_t line = SM_BUF_INIT;
            for (size_t c = 0; c < b->ncols; c++) {
                if (c)
                    sm_buf_append_byte(&line, '\t', NULL);
                sm_value_t v;
                if (sm_vector_is_null(b->cols[c], row))
                    sm_buf_append_str(&line, "NULL", NULL);
                else if (sm_value_from_vector(b->cols[c], row, &v, NULL) == SM_OK) {
                    if (v.kind == SM_TYPE_STRING && v.u.s.n == 0)
                        sm_buf_append_str(&line, "(empty)", NULL);
                    else
                        sm_value_format_text(&v, &line, NULL);
                } else
                    sm_buf_append_str(&line, "?", NULL);
            }
            sm_buf_append_byte(&line, 0, NULL);
            size_t len;
            lines[k++] = (char *)sm_buf_detach(&line, &len);
        }
    }
    *n = k;
    return lines;
}

static void fail(const char *file, int line, const char *sql, const char *why)
{
    failed++;
    fprintf(stderr, "%s:%d: FAILED\n  %s\n  %s\n", file, line, sql, why);
}

static void run_file(const char *path, sm_lake_t *lake, sm_pool_t *pool)
{
    char *text = slurp(path);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        failed++;
        return;
    }
    char *p = text;
    int lineno = 0;
    sm_query_opts_t opts = {.pool = pool, .now_us = 1767225600000000LL /* 2026-01-01 */};
    while (*p) {
        /* read one record: header line, then lines until a blank line */
        char *lines[4096];
        int nl = 0, start = 0;
        while (*p) {
            char *nlp = strchr(p, '\n');
            if (nlp)
                *nlp = 0;
            lineno++;
            bool blank = strspn(p, " \t\r") == strlen(p);
            if (p[0] == '#' && nl == 0) {
                p = nlp ? nlp + 1 : p + strlen(p);
                continue;
            }
            if (blank) {
                p = nlp ? nlp + 1 : p + strlen(p);
                if (nl)
                    break;
                continue;
            }
            if (nl == 0)
                start = lineno;
            if (nl < 4096)
                lines[nl++] = p;
            p = nlp ? nlp + 1 : p + strlen(p);
        }
        if (!nl)
            continue;
        const char *hdr = lines[0];
        sm_buf_t sql = SM_BUF_INIT;
        int i = 1;
        for (; i < nl && strcmp(lines[i], "----") != 0; i++) {
            for (const char *c = lines[i]; *c;) {
                if (strncmp(c, "${DATA}", 7) == 0) {
                    const char *slash = strrchr(path, '/');
                    if (slash)
                        sm_buf_append(&sql, path, (size_t)(slash - path + 1), NULL);
                    sm_buf_append_str(&sql, "data", NULL);
                    c += 7;
                } else {
                    sm_buf_append_byte(&sql, (uint8_t)*c++, NULL);
                }
            }
            sm_buf_append_byte(&sql, '\n', NULL);
        }
        const char *q = sql.data ? (const char *)sql.data : "";
        bool is_query = strncmp(hdr, "query", 5) == 0;
        const char *err = strstr(hdr, " error");
        bool rowsort = strstr(hdr, "rowsort") != NULL;
        sm_query_result_t res;
        sm_error_t e = {0};
        sm_err_t rc = sm_query_run(lake, q, &opts, NULL, NULL, &res, &e);
        if (err) {
            const char *want = err + 6;
            while (*want == ' ')
                want++;
            if (!rc)
                fail(path, start, q, "expected an error, but it succeeded");
            else if (*want && !strstr(e.msg, want)) {
                char why[1400];
                snprintf(why, sizeof why, "error \"%s\" does not contain \"%s\"", e.msg, want);
                fail(path, start, q, why);
            } else
                passed++;
        } else if (rc) {
            char why[1200];
            snprintf(why, sizeof why, "error: %s", e.msg);
            fail(path, start, q, why);
        } else if (!is_query) {
            passed++;
        } else {
            size_t ngot = 0;
            char **got = result_lines(&res, &ngot);
            size_t nwant = i < nl ? (size_t)(nl - i - 1) : 0;
            char **want = lines + i + 1;
            char **wsorted = calloc(nwant + 1, sizeof *wsorted);
            memcpy(wsorted, want, nwant * sizeof *want);
            if (rowsort) {
                qsort(got, ngot, sizeof *got, cmp_str);
                qsort(wsorted, nwant, sizeof *wsorted, cmp_str);
            }
            bool ok = ngot == nwant;
            for (size_t k = 0; ok && k < nwant; k++)
                ok = strcmp(got[k], wsorted[k]) == 0;
            if (ok)
                passed++;
            else {
                sm_buf_t why = SM_BUF_INIT;
                sm_buf_printf(&why, NULL, "expected %zu rows, got %zu:\n", nwant, ngot);
                for (size_t k = 0; k < ngot && k < 50; k++)
                    sm_buf_printf(&why, NULL, "    got  %s%s\n", got[k],
                                  k < nwant && strcmp(got[k], wsorted[k]) ? "   <-- differs" : "");
                for (size_t k = 0; k < nwant && k < 50; k++)
                    sm_buf_printf(&why, NULL, "    want %s\n", wsorted[k]);
                fail(path, start, q, (const char *)why.data);
                sm_buf_free(&why);
            }
            for (size_t k = 0; k < ngot; k++)
                sm_free(got[k]);
            free(got);
            free(wsorted);
        }
        sm_query_result_free(&res);
        sm_buf_free(&sql);
    }
    sm_free(text);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: run_sqltest FILE.test...\n");
        return 2;
    }
    sm_error_t e = {0};
    sm_pool_t *pool = NULL;
    if (sm_pool_new(&pool, 2, &e)) {
        fprintf(stderr, "pool: %s\n", e.msg);
        return 1;
    }
    for (int a = 1; a < argc; a++) {
        char dir[] = "/tmp/smelt-sqltest-XXXXXX";
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        sm_lake_t *lake = NULL;
        if (sm_lake_open(dir, NULL, &lake, &e)) {
            fprintf(stderr, "lake: %s\n", e.msg);
            return 1;
        }
        run_file(argv[a], lake, pool);
        sm_lake_close(lake);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    sm_pool_free(pool);
    printf("sql: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
