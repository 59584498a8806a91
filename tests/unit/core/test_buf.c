/* Unit tests for core/buf. */
#include <stdint.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"

static void test_append(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_buf_append(&b, "abc", 3, &e), &e);
    CHECK_OK(sm_buf_append_str(&b, "def", &e), &e);
    CHECK_OK(sm_buf_append_byte(&b, 'g', &e), &e);
    CHECK_OK(sm_buf_append(&b, NULL, 0, &e), &e);
    CHECK_EQ_INT(b.len, 7);
    CHECK_EQ_STR((char *)b.data, "abcdefg"); /* always NUL-terminated */
    CHECK(b.cap >= b.len);
    /* binary bytes, including NUL */
    CHECK_OK(sm_buf_append(&b, "\0\xff", 2, &e), &e);
    CHECK_EQ_INT(b.len, 9);
    CHECK(b.data[7] == 0 && b.data[8] == 0xff && b.data[9] == 0);
    /* growth across many doublings keeps the contents */
    for (int i = 0; i < 10000; i++)
        CHECK_OK(sm_buf_append_byte(&b, (uint8_t)('a' + i % 26), &e), &e);
    CHECK_EQ_INT(b.len, 10009);
    CHECK(b.data[9] == 'a' && b.data[10008] == (uint8_t)('a' + 9999 % 26));
    CHECK(b.data[b.len] == 0);
    sm_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    sm_buf_free(&b); /* twice is fine */
}

static void test_empty_append_allocates(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_buf_append(&b, "", 0, &e), &e);
    CHECK(b.data != NULL && b.data[0] == 0); /* usable as "" */
    sm_buf_free(&b);
}

static void test_printf(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_buf_printf(&b, &e, "%d-%s", 42, "x"), &e);
    CHECK_OK(sm_buf_printf(&b, &e, "|%05.1f", 3.14159), &e);
    CHECK_EQ_STR((char *)b.data, "42-x|003.1");
    CHECK_EQ_INT(b.len, 10);
    CHECK_OK(sm_buf_printf(&b, &e, "%s", ""), &e);
    CHECK_EQ_INT(b.len, 10);
    /* a long formatted string */
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_OK(sm_buf_printf(&b, &e, "[%s]", big), &e);
    CHECK_EQ_INT(b.len, 10 + 3001);
    CHECK(b.data[10] == '[' && b.data[b.len - 1] == ']' && b.data[b.len] == 0);
    sm_buf_free(&b);
}

static void test_reset_detach(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_buf_append_str(&b, "hello", &e), &e);
    size_t cap = b.cap;
    uint8_t *mem = b.data;
    sm_buf_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK(b.data == mem && b.cap == cap && b.data[0] == 0); /* memory kept */
    CHECK_OK(sm_buf_append_str(&b, "world", &e), &e);
    size_t len = 0;
    uint8_t *p = sm_buf_detach(&b, &len);
    CHECK_EQ_INT(len, 5);
    CHECK_EQ_STR((char *)p, "world");
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    sm_free(p);
    /* the detached buffer can be reused */
    CHECK_OK(sm_buf_append_str(&b, "again", &e), &e);
    p = sm_buf_detach(&b, NULL);
    CHECK_EQ_STR((char *)p, "again");
    sm_free(p);
    /* detaching a buffer that never allocated gives NULL and length 0 */
    len = 99;
    CHECK(sm_buf_detach(&b, &len) == NULL);
    CHECK_EQ_INT(len, 0);
    sm_buf_reset(&b); /* reset of an empty buffer is harmless */
}

static void test_limit(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 10;
    CHECK_OK(sm_buf_append(&b, "0123456789", 10, &e), &e); /* exactly the limit */
    CHECK(b.cap <= 10);
    CHECK_EQ_INT(sm_buf_append_byte(&b, 'x', &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(e.code, SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "limit of 10 bytes") != NULL);
    CHECK_EQ_INT(b.len, 10);
    CHECK_EQ_STR((char *)b.data, "0123456789"); /* intact */
    CHECK_EQ_INT(sm_buf_printf(&b, &e, "%d", 1), SM_ERR_LIMIT);
    CHECK_EQ_INT(b.len, 10);
    sm_buf_reset(&b);
    CHECK_OK(sm_buf_printf(&b, &e, "%s", "short"), &e);
    CHECK_EQ_INT(sm_buf_printf(&b, &e, "%s", "toolong"), SM_ERR_LIMIT);
    CHECK_EQ_STR((char *)b.data, "short");
    sm_buf_free(&b);

    /* a limit below the first growth step caps the capacity */
    sm_buf_t c = SM_BUF_INIT;
    c.limit = 3;
    CHECK_OK(sm_buf_append(&c, "ab", 2, &e), &e);
    CHECK(c.cap == 3);
    CHECK_EQ_INT(sm_buf_append(&c, "cd", 2, NULL), SM_ERR_LIMIT);
    sm_buf_free(&c);

    /* sizes that overflow or leave no room for the NUL */
    sm_buf_t d = SM_BUF_INIT;
    CHECK_OK(sm_buf_append(&d, "a", 1, &e), &e);
    CHECK_EQ_INT(sm_buf_reserve(&d, SIZE_MAX, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(sm_buf_reserve(&d, SIZE_MAX - 1, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(d.len, 1);
    CHECK_EQ_STR((char *)d.data, "a");
    sm_buf_free(&d);
    sm_buf_t f = SM_BUF_INIT;
    CHECK_EQ_INT(sm_buf_reserve(&f, SIZE_MAX, &e), SM_ERR_LIMIT);
    CHECK(f.data == NULL && f.cap == 0);
}

static void test_borrowed(void)
{
    sm_error_t e;
    const char text[] = "borrowed";
    sm_buf_t b = sm_buf_borrow(text, 8);
    CHECK(b.borrowed);
    CHECK_EQ_INT(b.len, 8);
    CHECK(b.data == (const uint8_t *)text);
    CHECK_EQ_INT(sm_buf_append_byte(&b, 'x', &e), SM_ERR_INTERNAL);
    CHECK(strstr(e.msg, "borrowed") != NULL);
    CHECK_EQ_INT(sm_buf_reserve(&b, 0, &e), SM_ERR_INTERNAL);
    CHECK_EQ_INT(sm_buf_printf(&b, &e, "x"), SM_ERR_INTERNAL);
    CHECK_EQ_INT(b.len, 8);
    CHECK_EQ_STR(text, "borrowed");
    /* detach refuses: the bytes are not the buffer's to give away */
    size_t len = 99;
    CHECK(sm_buf_detach(&b, &len) == NULL);
    CHECK_EQ_INT(len, 0);
    CHECK(b.data == (const uint8_t *)text);
    sm_buf_reset(&b); /* must not write into the borrowed bytes */
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_STR(text, "borrowed");
    sm_buf_free(&b); /* does not free the borrowed bytes */
    CHECK(b.data == NULL);
    CHECK_EQ_STR(text, "borrowed");
}

static void test_alloc_failure(void)
{
    sm_error_t e;
    sm_buf_t b = SM_BUF_INIT;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_buf_append_str(&b, "x", &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    CHECK(strstr(e.msg, "out of memory") != NULL);

    CHECK_OK(sm_buf_append_str(&b, "keep me", &e), &e);
    uint8_t *old = b.data;
    size_t cap = b.cap;
    char big[500];
    memset(big, 'q', sizeof big);
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_buf_append(&b, big, sizeof big, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(b.data == old && b.cap == cap && b.len == 7);
    CHECK_EQ_STR((char *)b.data, "keep me");
    sm_mem_fail_after(1);
    char huge[2000];
    memset(huge, 'h', sizeof huge);
    CHECK_EQ_INT(sm_buf_printf(&b, &e, "%.*s", 2000, huge), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(b.data == old && b.cap == cap && b.len == 7);
    CHECK_EQ_STR((char *)b.data, "keep me");
    /* and the buffer still works */
    CHECK_OK(sm_buf_append(&b, huge, sizeof huge, &e), &e);
    CHECK_EQ_INT(b.len, 2007);
    sm_buf_free(&b);
}

int main(void)
{
    RUN(test_append);
    RUN(test_empty_append_allocates);
    RUN(test_printf);
    RUN(test_reset_detach);
    RUN(test_limit);
    RUN(test_borrowed);
    RUN(test_alloc_failure);
    return check_summary();
}
