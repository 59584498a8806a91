/*
 * fuzz_sql_binder — SQL text through the parser, the binder and the
 * planner (sm_query_check: nothing runs but a MERGE source, nothing is
 * written) against a small lake made once per process: default.t1
 * (partitioned by g) and default.t2.  Must never crash, hang or leak,
 * whatever the bytes; errors are fine.  Oracle: the tables still hold
 * their rows afterwards (a check must never write).  The lake is made on
 * the first input and removed at exit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "lake/lake.h"
#include "sql/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_lake_t *lake;
static char dir[] = "/tmp/smelt-fuzz-binder-XXXXXX";

static void cleanup(void)
{
    sm_lake_close(lake);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_sql_binder: could not remove %s\n", dir);
}

static uint64_t count(const char *sql)
{
    sm_query_result_t res;
    sm_error_t e;
    if (sm_query_run(lake, sql, NULL, NULL, NULL, &res, &e) != SM_OK) {
        fprintf(stderr, "fuzz_sql_binder: %s: %s\n", sql, e.msg);
        abort();
    }
    uint64_t n = res.rows;
    sm_query_result_free(&res);
    return n;
}

/* The lake, made on the first input (the replay driver has no
 * LLVMFuzzerInitialize). */
static void setup(void)
{
    sm_error_t e;
    if (!mkdtemp(dir) || sm_lake_open(dir, NULL, &lake, &e) != SM_OK) {
        fprintf(stderr, "fuzz_sql_binder: no lake in %s\n", dir);
        abort();
    }
    atexit(cleanup);
    count("CREATE TABLE t1 PARTITIONED BY (g) AS SELECT * FROM VALUES "
          "(1, 'a', 1.5, DATE '2024-01-01', 'x'), (2, NULL, 2.5, DATE '2024-01-02', 'y'), "
          "(3, 'c', NULL, NULL, 'x') AS v(id, name, amount, day, g)");
    count("CREATE TABLE t2 AS SELECT * FROM VALUES (1, 10), (3, 30), (4, 40) AS v(id, n)");
    count("INSERT INTO t2 VALUES (5, NULL)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lake)
        setup();
    char *sql = sm_malloc(size + 1);
    if (!sql)
        return 0;
    memcpy(sql, data, size);
    sql[size] = 0;
    sm_error_t e;
    sm_query_opts_t o = {.memory_limit = 64u << 20, .max_rows = 100000};
    (void)sm_query_check(lake, sql, &o, &e);
    sm_free(sql);
    /* a check never writes */
    static unsigned n;
    if (++n % 256 == 0 && (count("SELECT * FROM t1") != 3 || count("SELECT * FROM t2") != 4))
        __builtin_trap();
    return 0;
}
