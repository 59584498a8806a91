#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"

sm_buf_t sm_buf_borrow(const void *data, size_t len)
{
    sm_buf_t b = {.data = (uint8_t *)data, .len = len, .cap = len, .borrowed = 1};
    return b;
}

sm_err_t sm_buf_reserve(sm_buf_t *b, size_t extra, sm_error_t *e)
{
    if (b->borrowed)
        return sm_error_set(e, SM_ERR_INTERNAL, "cannot grow a borrowed buffer");
    size_t need;
    /* need == SIZE_MAX would leave no room for the trailing NUL. */
    if (__builtin_add_overflow(b->len, extra, &need) || need == SIZE_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "buffer size overflows");
    if (b->limit && need > b->limit)
        return sm_error_set(e, SM_ERR_LIMIT, "buffer would exceed its limit of %zu bytes",
                            b->limit);
    if (need <= b->cap && b->data)
        return SM_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 - 1) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    if (b->limit && cap > b->limit)
        cap = b->limit;
    uint8_t *p = sm_realloc(b->data, cap + 1);
    if (!p)
        return sm_error_nomem(e, "buffer");
    b->data = p;
    b->cap = cap;
    b->data[b->len] = '\0';
    return SM_OK;
}

sm_err_t sm_buf_append(sm_buf_t *b, const void *p, size_t n, sm_error_t *e)
{
    sm_err_t rc = sm_buf_reserve(b, n, e);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SM_OK;
}

sm_err_t sm_buf_append_str(sm_buf_t *b, const char *s, sm_error_t *e)
{
    return sm_buf_append(b, s, strlen(s), e);
}

sm_err_t sm_buf_append_byte(sm_buf_t *b, uint8_t c, sm_error_t *e)
{
    return sm_buf_append(b, &c, 1, e);
}

sm_err_t sm_buf_vprintf(sm_buf_t *b, sm_error_t *e, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return sm_error_set(e, SM_ERR_INVALID, "bad format string");
    sm_err_t rc = sm_buf_reserve(b, (size_t)n, e);
    if (rc)
        return rc;
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return SM_OK;
}

sm_err_t sm_buf_printf(sm_buf_t *b, sm_error_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_err_t rc = sm_buf_vprintf(b, e, fmt, ap);
    va_end(ap);
    return rc;
}

void sm_buf_reset(sm_buf_t *b)
{
    b->len = 0;
    if (b->data && !b->borrowed)
        b->data[0] = '\0';
}

void sm_buf_free(sm_buf_t *b)
{
    if (!b->borrowed)
        sm_free(b->data);
    memset(b, 0, sizeof *b);
}

uint8_t *sm_buf_detach(sm_buf_t *b, size_t *len)
{
    if (b->borrowed) { /* not ours to give away: the caller would free it */
        if (len)
            *len = 0;
        return NULL;
    }
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}
