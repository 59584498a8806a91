/*
 * core/err — error codes and the error object every fallible call fills.
 *
 * A function that can fail returns an sm_err_t (SM_OK is 0) and, when it
 * fails, fills the sm_error_t the caller passed in.  The error object is a
 * fixed-size value (no allocation, so it works when memory is exhausted);
 * as an error travels up, each layer may prefix context with
 * sm_error_wrap(): "reading bronze/orders: part-0.parquet: page header at
 * offset 4: truncated".
 *
 * Ownership: the caller owns the sm_error_t (usually on its stack).  A NULL
 * error pointer is allowed everywhere and means "I only want the code".
 * Threads: an sm_error_t belongs to one thread at a time.
 */
#ifndef SM_CORE_ERR_H
#define SM_CORE_ERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum sm_err {
    SM_OK = 0,
    SM_ERR_NOMEM,       /* an allocation failed */
    SM_ERR_INVALID,     /* bad argument or bad input from outside */
    SM_ERR_PARSE,       /* input text or bytes could not be parsed */
    SM_ERR_CORRUPT,     /* a file or stream is internally inconsistent */
    SM_ERR_UNSUPPORTED, /* valid input using a feature we do not implement */
    SM_ERR_IO,          /* the operating system refused a read or write */
    SM_ERR_NOT_FOUND,   /* a file, table, column or key does not exist */
    SM_ERR_EXISTS,      /* put-if-absent lost: the object is already there */
    SM_ERR_CONFLICT,    /* a concurrent writer made our change impossible */
    SM_ERR_NETWORK,     /* a remote peer could not be reached or broke off */
    SM_ERR_TIMEOUT,     /* an operation ran past its deadline */
    SM_ERR_LIMIT,       /* a hard size or count limit was exceeded */
    SM_ERR_OVERFLOW,    /* an arithmetic result does not fit its type */
    SM_ERR_CANCELLED,   /* the work was cancelled by the caller */
    SM_ERR_INTERNAL,    /* a broken invariant: a bug in smelt */
    SM_ERR__COUNT
} sm_err_t;

#define SM_ERROR_MSG_MAX 1024

typedef struct sm_error {
    sm_err_t code;
    bool retriable;             /* trying the same call again may succeed */
    char msg[SM_ERROR_MSG_MAX]; /* NUL-terminated, human-readable, one line */
} sm_error_t;

/* Resets *e to "no error".  e may be NULL. */
void sm_error_clear(sm_error_t *e);

/* Sets code and a printf-formatted message; returns code so that callers
 * can write `return sm_error_set(e, SM_ERR_PARSE, "...")`.  e may be NULL.
 * Newlines in the formatted text are replaced by spaces (errors are one
 * line; likewise every other control character).  The message is truncated with "..." if it is too
 * long. */
sm_err_t sm_error_set(sm_error_t *e, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
sm_err_t sm_error_setv(sm_error_t *e, sm_err_t code, const char *fmt, va_list ap);

/* Like sm_error_set, appending ": strerror(errnum)". */
sm_err_t sm_error_errno(sm_error_t *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes context to an existing error: "<context>: <old message>".
 * Keeps code and retriable flag; returns e's code (SM_ERR_INTERNAL when e
 * is NULL, so callers holding the real code should return that). */
sm_err_t sm_error_wrap(sm_error_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Out-of-memory shortcut: sets SM_ERR_NOMEM with "out of memory (<what>)". */
sm_err_t sm_error_nomem(sm_error_t *e, const char *what);

/* A short stable name for a code ("parse", "io", ...). */
const char *sm_err_name(sm_err_t code);

#endif
