/*
 * tests/unit/exec/test_op_util.h — helpers for the operator tests: batches
 * from text rows, operator trees over them, results as text.
 */
#ifndef SM_TEST_OP_UTIL_H
#define SM_TEST_OP_UTIL_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "columnar/print.h"
#include "columnar/text.h"
#include "core/mem.h"
#include "exec/operator.h"

#define NUL_CELL ((const char *)0)

/* A schema from a type string: "struct<a:int,b:string>". */
static inline sm_type_t *tu_schema(const char *s)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    if (sm_type_parse(s, strlen(s), &t, &e)) {
        fprintf(stderr, "bad schema %s: %s\n", s, e.msg);
        exit(2);
    }
    return t;
}

/* A batch of rows given as text: cells is nrows * ncols strings (NULL
 * pointer = SQL NULL). */
static inline sm_batch_t *tu_batch(sm_type_t *schema, const char *const *cells, size_t nrows)
{
    sm_batch_t *b = NULL;
    sm_error_t e;
    if (sm_batch_new(schema, nrows, &b, &e)) {
        fprintf(stderr, "batch: %s\n", e.msg);
        exit(2);
    }
    for (size_t r = 0; r < nrows; r++)
        if (sm_batch_append_row(b, cells + r * schema->nfields, &e)) {
            fprintf(stderr, "row %zu: %s\n", r, e.msg);
            exit(2);
        }
    return b;
}

/* A values operator over the rows, split into batches of `per` rows (0: one
 * batch). */
static inline sm_op_t *tu_values(const sm_exec_ctx_t *ctx, const char *schema_s,
                                 const char *const *cells, size_t nrows, size_t per)
{
    sm_type_t *schema = tu_schema(schema_s);
    size_t nb = per ? (nrows + per - 1) / per : 1;
    if (nrows == 0)
        nb = 0;
    sm_batch_t **bs = sm_calloc(nb + 1, sizeof *bs);
    size_t nc = schema->nfields;
    for (size_t i = 0; i < nb; i++) {
        size_t from = per ? i * per : 0,
               n = per ? (nrows - from < per ? nrows - from : per) : nrows;
        bs[i] = tu_batch(schema, cells + from * nc, n);
    }
    sm_op_t *op = NULL;
    sm_error_t e;
    if (sm_op_values_new(ctx, schema, bs, nb, &op, &e)) {
        fprintf(stderr, "values: %s\n", e.msg);
        exit(2);
    }
    sm_free(bs);
    sm_type_free(schema);
    return op;
}

static inline int tu_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of a batch as "a|b|c" lines joined by ';' (sorted when asked).
 * Returned string is malloc'd. */
static inline char *tu_rows(const sm_batch_t *b, int sorted)
{
    char **lines = calloc(b->nrows + 1, sizeof *lines);
    size_t total = 1;
    for (size_t r = 0; r < b->nrows; r++) {
        sm_buf_t buf = SM_BUF_INIT;
        for (size_t c = 0; c < b->ncols; c++) {
            if (c)
                sm_buf_append_byte(&buf, '|', NULL);
            sm_print_value(b->cols[c], r, SM_PRINT_STYLE_TEXT, &buf, NULL);
        }
        sm_buf_append_byte(&buf, 0, NULL);
        lines[r] = strdup((char *)buf.data);
        total += strlen(lines[r]) + 1;
        sm_buf_free(&buf);
    }
    if (sorted)
        qsort(lines, b->nrows, sizeof *lines, tu_strcmp);
    char *s = malloc(total), *p = s;
    for (size_t r = 0; r < b->nrows; r++) {
        size_t l = strlen(lines[r]);
        if (r)
            *p++ = ';';
        memcpy(p, lines[r], l);
        p += l;
        free(lines[r]);
    }
    *p = 0;
    free(lines);
    return s;
}

/* Runs op to the end and returns its rows as text (sorted or not); frees
 * op.  On an error returns "ERROR: <message>". */
static inline char *tu_run(sm_op_t *op, int sorted)
{
    sm_batch_t *b = NULL;
    sm_error_t e = {0};
    char *s;
    if (sm_op_collect(op, &b, &e)) {
        s = malloc(strlen(e.msg) + 8);
        sprintf(s, "ERROR: %s", e.msg);
    } else {
        s = tu_rows(b, sorted);
    }
    sm_batch_free(b);
    sm_op_free(op);
    return s;
}

#define CHECK_ROWS(op, sorted, expect)                                                             \
    do {                                                                                           \
        char *got_ = tu_run(op, sorted);                                                           \
        CHECK_EQ_STR(got_, expect);                                                                \
        free(got_);                                                                                \
    } while (0)

/* Counts files named smelt-spill-* in dir (0 when they were cleaned up:
 * they are unlinked at once, so this should always be 0). */
#include <dirent.h>
static inline int tu_spill_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        return 0;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, "smelt-spill-", 12) == 0)
            n++;
    closedir(d);
    return n;
}

/* xorshift for the randomized tests */
static uint64_t tu_rng = 88172645463325252ULL;
static inline uint64_t tu_rand(void)
{
    tu_rng ^= tu_rng << 13;
    tu_rng ^= tu_rng >> 7;
    tu_rng ^= tu_rng << 17;
    return tu_rng;
}

#endif
