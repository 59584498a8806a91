#include "core/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const names[SM_ERR__COUNT] = {
    [SM_OK] = "ok",
    [SM_ERR_NOMEM] = "out of memory",
    [SM_ERR_INVALID] = "invalid",
    [SM_ERR_PARSE] = "parse error",
    [SM_ERR_CORRUPT] = "corrupt",
    [SM_ERR_UNSUPPORTED] = "unsupported",
    [SM_ERR_IO] = "i/o error",
    [SM_ERR_NOT_FOUND] = "not found",
    [SM_ERR_EXISTS] = "already exists",
    [SM_ERR_CONFLICT] = "conflict",
    [SM_ERR_NETWORK] = "network error",
    [SM_ERR_TIMEOUT] = "timeout",
    [SM_ERR_LIMIT] = "limit exceeded",
    [SM_ERR_OVERFLOW] = "overflow",
    [SM_ERR_CANCELLED] = "cancelled",
    [SM_ERR_INTERNAL] = "internal error",
};

const char *sm_err_name(sm_err_t code)
{
    if ((unsigned)code >= SM_ERR__COUNT)
        return "unknown error";
    return names[code];
}

void sm_error_clear(sm_error_t *e)
{
    if (!e)
        return;
    e->code = SM_OK;
    e->retriable = false;
    e->msg[0] = '\0';
}

/* Errors are one line of printable text: fold control characters (newlines,
 * tabs, escape sequences from outside data) into spaces, and mark a truncated
 * message with "...", never leaving half a UTF-8 sequence before it. */
static void tidy(char *msg, int written)
{
    for (unsigned char *p = (unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (written < SM_ERROR_MSG_MAX)
        return;
    size_t cut = SM_ERROR_MSG_MAX - 4, k = cut;
    while (k > 0 && cut - k < 3 && ((unsigned char)msg[k - 1] & 0xc0) == 0x80)
        k--;
    unsigned char lead = k > 0 ? (unsigned char)msg[k - 1] : 0;
    if (lead >= 0xc0) {
        size_t seq = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (k - 1 + seq > cut)
            cut = k - 1;
    }
    memcpy(msg + cut, "...", 4);
}

sm_err_t sm_error_setv(sm_error_t *e, sm_err_t code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    /* Format into a copy first: the arguments may point into e->msg. */
    char tmp[SM_ERROR_MSG_MAX];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) {
        tmp[0] = '\0';
        n = 0;
    }
    e->code = code;
    e->retriable = false;
    memcpy(e->msg, tmp, sizeof tmp);
    tidy(e->msg, n);
    return code;
}

sm_err_t sm_error_set(sm_error_t *e, sm_err_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_error_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}

sm_err_t sm_error_errno(sm_error_t *e, int errnum, const char *fmt, ...)
{
    sm_err_t code = errnum == ENOMEM ? SM_ERR_NOMEM : SM_ERR_IO;
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    sm_error_setv(e, code, fmt, ap);
    va_end(ap);
    size_t len = strlen(e->msg);
    int n = snprintf(e->msg + len, sizeof e->msg - len, ": %s", strerror(errnum));
    tidy(e->msg, (int)len + (n < 0 ? 0 : n));
    return code;
}

sm_err_t sm_error_wrap(sm_error_t *e, const char *fmt, ...)
{
    if (!e)
        return SM_ERR_INTERNAL;
    char ctx[SM_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int c = vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    if (c < 0)
        return e->code;
    char old[SM_ERROR_MSG_MAX];
    memcpy(old, e->msg, sizeof old);
    int n = snprintf(e->msg, sizeof e->msg, "%s: %s", ctx, old);
    tidy(e->msg, n < 0 ? 0 : n);
    return e->code;
}

sm_err_t sm_error_nomem(sm_error_t *e, const char *what)
{
    return sm_error_set(e, SM_ERR_NOMEM, "out of memory (%s)", what);
}
