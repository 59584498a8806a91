/* smelt sql — query the lake: one statement or a script (`-f`), or an
 * interactive REPL with line editing and history when run on a terminal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/mem.h"
#include "core/pool.h"
#include "parquet/writer.h"
#include "sql/query.h"

typedef struct sql_out {
    int format;
    bool header_done;
    sm_pq_writer_t *pw; /* --output FILE.parquet */
    sm_store_t *pst;
    sm_buf_t buf;
} sql_out_t;

static sm_err_t read_all(FILE *f, const char *name, char **out, sm_error_t *e)
{
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 16u << 20;
    char chunk[65536];
    size_t n;
    sm_err_t rc = SM_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sm_buf_append(&b, chunk, n, e);
    if (!rc && ferror(f))
        rc = sm_error_errno(e, errno, "%s", name);
    if (!rc && !b.data)
        rc = sm_buf_append_str(&b, "", e);
    if (rc) {
        sm_buf_free(&b);
        return rc;
    }
    *out = (char *)sm_buf_detach(&b, NULL);
    return SM_OK;
}

/* Streams csv/json rows and Parquet output batch by batch. */
static sm_err_t on_batch(void *arg, const sm_batch_t *b, sm_error_t *e)
{
    sql_out_t *o = arg;
    if (o->pw)
        return sm_pq_writer_write(o->pw, b, e);
    sm_buf_reset(&o->buf);
    sm_err_t rc = SM_OK;
    if (o->format == SM_PRINT_CSV) {
        if (!o->header_done && !(rc = sm_print_csv_header(b->schema, &o->buf, e)))
            o->header_done = true;
        if (!rc)
            rc = sm_print_csv_rows(b, &o->buf, e);
    } else {
        rc = sm_print_json_rows(b, &o->buf, e);
    }
    if (!rc && o->buf.len && fwrite(o->buf.data, 1, o->buf.len, stdout) != o->buf.len)
        rc = sm_error_set(e, SM_ERR_IO, "cannot write to standard output");
    return rc;
}

static int run_sql(sm_lake_t *lake, const char *sql, int format, const char *output,
                   sm_pool_t *pool, const sm_cli_ctx_t *ctx)
{
    sm_query_opts_t qo = {.pool = pool,
                          .memory_limit = (size_t)sm_config_get_size(ctx->config, "memory.budget")};
    sm_query_result_t res = {0};
    sql_out_t o = {.format = format};
    sm_error_t e;
    int status = SM_EXIT_OK;
    bool stream = output || format != SM_PRINT_TABLE;
    if (output) {
        /* the result's schema is known only once the query runs: collect
         * into a Parquet writer opened on the first batch */
        stream = false;
    }
    sm_err_t rc = sm_query_run(lake, sql, &qo, stream ? on_batch : NULL, &o, &res, &e);
    if (!rc && output && res.schema) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", output);
        char *slash = strrchr(dir, '/');
        const char *key = slash ? strrchr(output, '/') + 1 : output;
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        uint64_t size = 0;
        if (!(rc = sm_store_open(dir, &o.pst, &e)) &&
            !(rc = sm_pq_writer_open(o.pst, key, res.schema, NULL, &o.pw, &e))) {
            for (size_t i = 0; !rc && i < res.nbatches; i++)
                rc = sm_pq_writer_write(o.pw, res.batches[i], &e);
            if (!rc)
                rc = sm_pq_writer_close(o.pw, &size, &e);
        }
        if (!rc)
            fprintf(stderr, "smelt sql: %llu rows written to %s\n", (unsigned long long)res.rows,
                    output);
    } else if (!rc && !stream && res.schema) {
        status = sm_cli_print("sql", format, res.schema, (const sm_batch_t *const *)res.batches,
                              res.nbatches);
    } else if (!rc && res.message[0]) {
        fprintf(stderr, "%s\n", res.message);
    }
    if (rc)
        status = sm_cli_fail("sql", &e);
    sm_pq_writer_free(o.pw);
    sm_store_close(o.pst);
    sm_buf_free(&o.buf);
    sm_query_result_free(&res);
    return status;
}

/* True when the text holds a complete statement: ends with ';' outside
 * quotes and comments (a simple scan). */
static bool complete(const char *s)
{
    char q = 0;
    bool done = false;
    for (const char *p = s; *p; p++) {
        if (q) {
            if (*p == q)
                q = 0;
            continue;
        }
        if (*p == '\'' || *p == '"' || *p == '`') {
            q = *p;
            done = false;
        } else if (*p == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            if (!*p)
                break;
        } else if (*p == ';') {
            done = true;
        } else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            done = false;
        }
    }
    return done && !q;
}

static int repl(sm_lake_t *lake, int format, sm_pool_t *pool, const sm_cli_ctx_t *ctx)
{
    char hist[4096];
    const char *home = getenv("HOME");
    snprintf(hist, sizeof hist, "%s/.smelt_history", home ? home : ".");
    using_history();
    read_history(hist);
    printf("smelt %s SQL on %s — end statements with ';', Ctrl-D to leave\n", SMELT_VERSION,
           sm_lake_location(lake));
    sm_buf_t stmt = SM_BUF_INIT;
    for (;;) {
        char *line = readline(stmt.len ? "   ...> " : "smelt> ");
        if (!line)
            break;
        if (stmt.len)
            sm_buf_append_byte(&stmt, '\n', NULL);
        sm_buf_append_str(&stmt, line, NULL);
        free(line); /* libedit's allocation */
        if (!stmt.data || !complete((const char *)stmt.data))
            continue;
        add_history((const char *)stmt.data);
        run_sql(lake, (const char *)stmt.data, format, NULL, pool, ctx);
        sm_buf_reset(&stmt);
    }
    write_history(hist);
    sm_buf_free(&stmt);
    printf("\n");
    return SM_EXIT_OK;
}

int sm_cmd_sql(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'F'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    const char *file = NULL, *output = NULL;
    while ((c = sm_cli_getopt("sql", argc, argv, "hF:f:o:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt sql [--format table|csv|json] [--output FILE.parquet] \"SQL\"\n"
                   "       smelt sql [options] -f FILE.sql\n"
                   "       smelt sql                       (a REPL on a terminal; else SQL from "
                   "stdin)\n\n"
                   "Runs Spark SQL against the lake: tables by name (silver.master_ventes),\n"
                   "any Delta table as delta.`/path/or/s3://uri`, files with read_parquet('…').\n"
                   "Statements: SELECT, WITH, VALUES, EXPLAIN [ANALYZE], SHOW TABLES, DESCRIBE,\n"
                   "CREATE TABLE … AS, INSERT INTO / OVERWRITE.  A script runs statement by\n"
                   "statement; the last one's rows are printed (JSON: one object per line).\n"
                   "See docs/sql.md.\n");
            return SM_EXIT_OK;
        }
        if (c == 'F' && (format = sm_cli_format("sql", optarg)) >= 0)
            continue;
        if (c == 'f') {
            file = optarg;
            continue;
        }
        if (c == 'o') {
            output = optarg;
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (argc - optind > 1 || (file && argc - optind == 1))
        return sm_cli_usage_error("sql", "give one SQL text or -f FILE");
    sm_lake_t *lake = NULL;
    int status = sm_cli_open_lake(ctx, "sql", &lake);
    if (status)
        return status;
    sm_error_t e;
    sm_pool_t *pool = NULL;
    char *text = NULL;
    if (sm_pool_new(&pool, 0, &e)) {
        status = sm_cli_fail("sql", &e);
        goto out;
    }
    if (argc - optind == 1) {
        status = run_sql(lake, argv[optind], format, output, pool, ctx);
    } else if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            sm_error_errno(&e, errno, "%s", file);
            status = sm_cli_fail("sql", &e);
            goto out;
        }
        sm_err_t rc = read_all(f, file, &text, &e);
        fclose(f);
        status = rc ? sm_cli_fail("sql", &e) : run_sql(lake, text, format, output, pool, ctx);
    } else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        status = repl(lake, format, pool, ctx);
    } else {
        status = read_all(stdin, "standard input", &text, &e)
                     ? sm_cli_fail("sql", &e)
                     : run_sql(lake, text, format, output, pool, ctx);
    }
out:
    sm_free(text);
    sm_pool_free(pool);
    sm_lake_close(lake);
    return status;
}
