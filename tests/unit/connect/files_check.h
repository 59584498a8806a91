/*
 * tests/unit/connect/files_check.h — helpers shared by the file source
 * tests: read a whole in-memory source into "schema" + JSON lines text.
 */
#ifndef SM_TEST_FILES_CHECK_H
#define SM_TEST_FILES_CHECK_H

#include <stdlib.h>

#include "check.h"
#include "columnar/print.h"
#include "connect/files.h"
#include "core/mem.h"

/* Reads everything; *schema (sm_free) is the Spark type name and *rows
 * (sm_free) the JSON lines.  Returns the first error. */
static sm_err_t read_src(sm_file_source_t *src, char **schema, char **rows, sm_error_t *e)
{
    sm_buf_t s = SM_BUF_INIT, r = SM_BUF_INIT;
    sm_batch_t *b = NULL;
    size_t len;
    sm_err_t rc = sm_type_format(sm_file_source_schema(src), &s, e);
    while (!rc && !(rc = sm_file_source_next(src, &b, e)) && b) {
        rc = sm_print_json_rows(b, &r, e);
        sm_batch_free(b);
        b = NULL;
    }
    if (rc) {
        sm_buf_free(&s);
        sm_buf_free(&r);
        return rc;
    }
    if (!r.data)
        sm_buf_append(&r, "", 0, e);
    *schema = (char *)sm_buf_detach(&s, &len);
    *rows = (char *)sm_buf_detach(&r, &len);
    return SM_OK;
}

static sm_err_t read_mem(const char *data, size_t len, sm_file_format_t f, const sm_file_opts_t *o,
                         char **schema, char **rows, sm_error_t *e)
{
    sm_file_source_t *src = NULL;
    *schema = *rows = NULL;
    sm_err_t rc = sm_file_source_open_mem(data, len, o && o->name ? NULL : "t.csv", f, o, &src, e);
    if (!rc)
        rc = read_src(src, schema, rows, e);
    sm_file_source_close(src);
    return rc;
}

/* Expects success with the given schema and rows. */
#define EXPECT_READ(data, f, o, want_schema, want_rows)                                            \
    do {                                                                                           \
        sm_error_t e_;                                                                             \
        char *s_ = NULL, *r_ = NULL;                                                               \
        CHECK_OK(read_mem(data, strlen(data), f, o, &s_, &r_, &e_), &e_);                          \
        if (s_) {                                                                                  \
            CHECK_EQ_STR(s_, want_schema);                                                         \
            CHECK_EQ_STR(r_, want_rows);                                                           \
        }                                                                                          \
        sm_free(s_);                                                                               \
        sm_free(r_);                                                                               \
    } while (0)

/* Expects failure with code and message. */
#define EXPECT_FAIL(data, f, o, code, want_msg)                                                    \
    do {                                                                                           \
        sm_error_t e_;                                                                             \
        char *s_ = NULL, *r_ = NULL;                                                               \
        sm_err_t rc_ = read_mem(data, strlen(data), f, o, &s_, &r_, &e_);                          \
        CHECK_EQ_INT(rc_, code);                                                                   \
        if (rc_)                                                                                   \
            CHECK_EQ_STR(e_.msg, want_msg);                                                        \
        sm_free(s_);                                                                               \
        sm_free(r_);                                                                               \
    } while (0)

#endif
