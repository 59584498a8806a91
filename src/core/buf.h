/*
 * core/buf — a growable byte buffer.
 *
 * sm_buf_t owns `data` (sm_free'd by sm_buf_free) unless it was made with
 * sm_buf_borrow, in which case it must not grow or be freed.  `len` bytes
 * are valid; in an owned buffer data[len] is always a NUL byte (so a
 * buffer of text is also a C string).  A buffer may carry a hard maximum
 * (`limit`, 0 = none): growing past it fails with SM_ERR_LIMIT, which is
 * how every buffer filled from outside bytes is bounded.
 */
#ifndef SM_CORE_BUF_H
#define SM_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct sm_buf {
    uint8_t *data;
    size_t len;
    size_t cap;   /* usable bytes, not counting the trailing NUL */
    size_t limit; /* 0 = unbounded */
    int borrowed; /* 1: data belongs to someone else */
} sm_buf_t;

#define SM_BUF_INIT                                                                                \
    {                                                                                              \
        0                                                                                          \
    }

/* A read-only view of someone else's bytes. */
sm_buf_t sm_buf_borrow(const void *data, size_t len);

/* Makes room for `extra` more bytes.  On failure the buffer is unchanged. */
sm_err_t sm_buf_reserve(sm_buf_t *b, size_t extra, sm_error_t *e);
sm_err_t sm_buf_append(sm_buf_t *b, const void *p, size_t n, sm_error_t *e);
sm_err_t sm_buf_append_str(sm_buf_t *b, const char *s, sm_error_t *e);
sm_err_t sm_buf_append_byte(sm_buf_t *b, uint8_t c, sm_error_t *e);
sm_err_t sm_buf_printf(sm_buf_t *b, sm_error_t *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
sm_err_t sm_buf_vprintf(sm_buf_t *b, sm_error_t *e, const char *fmt, va_list ap);

/* Forgets the contents, keeps the memory. */
void sm_buf_reset(sm_buf_t *b);
/* Releases the memory (if owned) and zeroes the struct. */
void sm_buf_free(sm_buf_t *b);
/* Hands the bytes of an owned buffer to the caller (who must sm_free
 * them); b becomes empty. */
uint8_t *sm_buf_detach(sm_buf_t *b, size_t *len);

#endif
