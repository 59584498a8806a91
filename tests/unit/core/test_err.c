/* Unit tests for core/err. */
#include <errno.h>

#include "check.h"
#include "core/err.h"

static void test_set_and_clear(void)
{
    sm_error_t e;
    CHECK_EQ_INT(sm_error_set(&e, SM_ERR_PARSE, "bad token %d at %s", 7, "1:2"), SM_ERR_PARSE);
    CHECK_EQ_INT(e.code, SM_ERR_PARSE);
    CHECK(!e.retriable);
    CHECK_EQ_STR(e.msg, "bad token 7 at 1:2");
    e.retriable = true;
    sm_error_set(&e, SM_ERR_IO, "again");
    CHECK(!e.retriable); /* set starts a fresh error */
    sm_error_clear(&e);
    CHECK_EQ_INT(e.code, SM_OK);
    CHECK(!e.retriable);
    CHECK_EQ_STR(e.msg, "");
    sm_error_set(&e, SM_ERR_INVALID, "%s", "");
    CHECK_EQ_STR(e.msg, "");
}

static void test_null_error_pointer(void)
{
    sm_error_clear(NULL);
    CHECK_EQ_INT(sm_error_set(NULL, SM_ERR_CORRUPT, "x %d", 1), SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_error_errno(NULL, ENOENT, "open %s", "f"), SM_ERR_IO);
    CHECK_EQ_INT(sm_error_errno(NULL, ENOMEM, "open"), SM_ERR_NOMEM);
    CHECK_EQ_INT(sm_error_nomem(NULL, "thing"), SM_ERR_NOMEM);
    /* wrap has no code to return without an error object */
    CHECK_EQ_INT(sm_error_wrap(NULL, "ctx"), SM_ERR_INTERNAL);
}

static void test_wrap(void)
{
    sm_error_t e;
    sm_error_set(&e, SM_ERR_CORRUPT, "truncated");
    e.retriable = true;
    CHECK_EQ_INT(sm_error_wrap(&e, "page header at offset %d", 4), SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_error_wrap(&e, "%s", "part-0.parquet"), SM_ERR_CORRUPT);
    CHECK_EQ_STR(e.msg, "part-0.parquet: page header at offset 4: truncated");
    CHECK_EQ_INT(e.code, SM_ERR_CORRUPT);
    CHECK(e.retriable); /* wrap keeps the flag */
    /* wrapping a message that is already at the maximum keeps it bounded */
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sm_error_set(&e, SM_ERR_IO, "%s", big);
    sm_error_wrap(&e, "ctx");
    CHECK_EQ_INT(strlen(e.msg), SM_ERROR_MSG_MAX - 1);
    CHECK(strncmp(e.msg, "ctx: aaa", 8) == 0);
    CHECK(strcmp(e.msg + SM_ERROR_MSG_MAX - 4, "...") == 0);
    /* a context longer than the message size */
    sm_error_set(&e, SM_ERR_IO, "inner");
    sm_error_wrap(&e, "%s", big);
    CHECK_EQ_INT(strlen(e.msg), SM_ERROR_MSG_MAX - 1);
    CHECK(strcmp(e.msg + SM_ERROR_MSG_MAX - 4, "...") == 0);
}

static void test_truncation(void)
{
    sm_error_t e;
    char s[SM_ERROR_MSG_MAX + 100];
    /* exactly MSG_MAX - 1 characters fit without "..." */
    memset(s, 'x', SM_ERROR_MSG_MAX - 1);
    s[SM_ERROR_MSG_MAX - 1] = '\0';
    sm_error_set(&e, SM_ERR_LIMIT, "%s", s);
    CHECK_EQ_INT(strlen(e.msg), SM_ERROR_MSG_MAX - 1);
    CHECK(e.msg[SM_ERROR_MSG_MAX - 2] == 'x');
    /* one more and it is cut with "..." */
    memset(s, 'x', SM_ERROR_MSG_MAX);
    s[SM_ERROR_MSG_MAX] = '\0';
    sm_error_set(&e, SM_ERR_LIMIT, "%s", s);
    CHECK_EQ_INT(strlen(e.msg), SM_ERROR_MSG_MAX - 1);
    CHECK(strcmp(e.msg + SM_ERROR_MSG_MAX - 4, "...") == 0);
    CHECK(e.msg[SM_ERROR_MSG_MAX - 5] == 'x');
    /* never half a UTF-8 character before the "..." : é is 2 bytes, 日 is 3 */
    for (int shift = 0; shift < 4; shift++) {
        size_t o = 0;
        for (int i = 0; i < shift; i++)
            s[o++] = 'a';
        while (o + 3 < sizeof s - 1) {
            memcpy(s + o, "\xe6\x97\xa5", 3);
            o += 3;
        }
        s[o] = '\0';
        sm_error_set(&e, SM_ERR_LIMIT, "%s", s);
        size_t len = strlen(e.msg);
        CHECK(len >= SM_ERROR_MSG_MAX - 6 && len <= SM_ERROR_MSG_MAX - 1);
        CHECK(strcmp(e.msg + len - 3, "...") == 0);
        CHECK((len - 3 - (size_t)shift) % 3 == 0); /* whole characters only */
    }
    memset(s, 0, sizeof s);
    for (size_t o = 0; o + 2 < sizeof s - 1; o += 2)
        memcpy(s + o, "\xc3\xa9", 2);
    sm_error_set(&e, SM_ERR_LIMIT, "%s", s);
    CHECK(strlen(e.msg) % 2 == 1); /* even-length é run + "..." */
}

static void test_one_line(void)
{
    sm_error_t e;
    sm_error_set(&e, SM_ERR_PARSE, "line one\nline two\r\n\ttab \x1b[31mred\x7f");
    CHECK_EQ_STR(e.msg, "line one line two   tab  [31mred ");
    sm_error_set(&e, SM_ERR_PARSE, "inner");
    sm_error_wrap(&e, "ctx\nwith newline");
    CHECK_EQ_STR(e.msg, "ctx with newline: inner");
    /* UTF-8 is kept */
    sm_error_set(&e, SM_ERR_PARSE, "caf\xc3\xa9");
    CHECK_EQ_STR(e.msg, "caf\xc3\xa9");
}

static void test_self_reference(void)
{
    /* arguments may point into the message being replaced */
    sm_error_t e;
    sm_error_set(&e, SM_ERR_IO, "disk full");
    sm_error_set(&e, SM_ERR_CONFLICT, "commit failed (%s)", e.msg);
    CHECK_EQ_STR(e.msg, "commit failed (disk full)");
    CHECK_EQ_INT(e.code, SM_ERR_CONFLICT);
}

static void test_errno_and_nomem(void)
{
    sm_error_t e;
    CHECK_EQ_INT(sm_error_errno(&e, ENOENT, "opening %s", "/x/y"), SM_ERR_IO);
    CHECK_EQ_INT(e.code, SM_ERR_IO);
    char want[256];
    snprintf(want, sizeof want, "opening /x/y: %s", strerror(ENOENT));
    CHECK_EQ_STR(e.msg, want);
    CHECK_EQ_INT(sm_error_errno(&e, ENOMEM, "mmap"), SM_ERR_NOMEM);
    CHECK_EQ_INT(e.code, SM_ERR_NOMEM);
    /* a long message still ends with "..." and stays in bounds */
    char big[1100];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sm_error_errno(&e, EACCES, "%s", big);
    CHECK_EQ_INT(strlen(e.msg), SM_ERROR_MSG_MAX - 1);
    CHECK(strcmp(e.msg + SM_ERROR_MSG_MAX - 4, "...") == 0);
    CHECK_EQ_INT(sm_error_nomem(&e, "row buffer"), SM_ERR_NOMEM);
    CHECK_EQ_STR(e.msg, "out of memory (row buffer)");
}

static void test_names(void)
{
    CHECK_EQ_STR(sm_err_name(SM_OK), "ok");
    CHECK_EQ_STR(sm_err_name(SM_ERR_PARSE), "parse error");
    CHECK_EQ_STR(sm_err_name(SM_ERR_INTERNAL), "internal error");
    CHECK_EQ_STR(sm_err_name(SM_ERR__COUNT), "unknown error");
    CHECK_EQ_STR(sm_err_name((sm_err_t)-1), "unknown error");
    for (int c = 0; c < SM_ERR__COUNT; c++)
        CHECK(sm_err_name((sm_err_t)c) != NULL && sm_err_name((sm_err_t)c)[0] != '\0');
}

int main(void)
{
    RUN(test_set_and_clear);
    RUN(test_null_error_pointer);
    RUN(test_wrap);
    RUN(test_truncation);
    RUN(test_one_line);
    RUN(test_self_reference);
    RUN(test_errno_and_nomem);
    RUN(test_names);
    return check_summary();
}
