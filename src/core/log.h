/*
 * core/log — the logger: levelled, one line per event, secrets redacted.
 *
 * A logger (sm_log_t) is an object the caller passes around; there is no
 * global logger.  The CLI makes one per process.  A NULL logger is valid
 * everywhere and discards everything, so library code never has to check.
 *
 * Each event becomes exactly one line, in one of two formats:
 *
 *   text  2026-11-24T23:04:53.123Z warn  store: retrying PUT s3://b/k (503) attempt=2
 *   json  {"ts":"2026-11-24T23:04:53.123Z","level":"warn","module":"store",
 *          "msg":"retrying PUT s3://b/k (503)","attempt":2}
 *
 * In text, the level is padded to five characters and coloured only when
 * the output FILE is a terminal and NO_COLOR is unset or empty; control
 * characters in the message are shown escaped (\n, \t, \x1b) so a message
 * can never forge a second line.  In JSON every string is escaped and
 * invalid UTF-8 becomes U+FFFD, so each line is one valid JSON object.
 * Lines are bounded: the message is cut at SM_LOG_MSG_MAX bytes, each
 * string value at SM_LOG_VALUE_MAX (a cut ends in "..."), and fields past
 * SM_LOG_KV_MAX are dropped.
 *
 * Redaction: every string registered with sm_log_add_secret is replaced by
 * "***" wherever it appears in a message or a string value, and, whatever
 * was registered, the password of a URI (scheme://user:PASS@host) and the
 * value of key=value parameters whose key is password, passwd, pwd,
 * X-Amz-Signature, X-Amz-Credential, or ends in "secret" or "token"
 * (case-insensitive; in query strings and libpq conninfo strings alike)
 * are replaced by "***".
 *
 * Output goes to a FILE (stderr by default) or to a sink callback.  Lines
 * are written whole, one fwrite per line under the logger's mutex, so lines
 * from different threads never interleave.
 *
 * Threads: sm_log and friends, sm_log_enabled, sm_log_set_level and
 * sm_log_add_secret may be called from any thread at any time.  The other
 * setters are meant for setup, but are also safe (they take the mutex).
 * sm_log_free must not race with any other call.
 */
#ifndef SM_CORE_LOG_H
#define SM_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/clock.h"
#include "core/err.h"

/* Most severe first: a logger at level L writes events at L and above. */
typedef enum sm_log_level {
    SM_LOG_ERROR = 0,
    SM_LOG_WARN,
    SM_LOG_INFO,
    SM_LOG_DEBUG,
} sm_log_level_t;

typedef enum sm_log_format {
    SM_LOG_TEXT = 0,
    SM_LOG_JSON,
} sm_log_format_t;

/* Hard limits on one event (before escaping). */
#define SM_LOG_MSG_MAX (16 * 1024)
#define SM_LOG_VALUE_MAX (4 * 1024)
#define SM_LOG_KV_MAX 64

typedef struct sm_log sm_log_t;

/* A structured field.  Keys are trusted (written by smelt code, not taken
 * from outside) but are escaped anyway; string values are redacted. */
typedef enum sm_log_kv_kind {
    SM_LOG_KV_STR = 0,
    SM_LOG_KV_INT,
    SM_LOG_KV_DOUBLE,
    SM_LOG_KV_BOOL,
} sm_log_kv_kind_t;

typedef struct sm_log_kv {
    const char *key;
    sm_log_kv_kind_t kind;
    const char *str; /* SM_LOG_KV_STR; NULL prints as null */
    int64_t i64;     /* SM_LOG_KV_INT, SM_LOG_KV_BOOL (0 = false) */
    double f64;      /* SM_LOG_KV_DOUBLE; NaN/inf print as null */
} sm_log_kv_t;

#define SM_KV_STR(k, v) ((sm_log_kv_t){.key = (k), .kind = SM_LOG_KV_STR, .str = (v)})
#define SM_KV_INT(k, v) ((sm_log_kv_t){.key = (k), .kind = SM_LOG_KV_INT, .i64 = (int64_t)(v)})
#define SM_KV_DOUBLE(k, v) ((sm_log_kv_t){.key = (k), .kind = SM_LOG_KV_DOUBLE, .f64 = (v)})
#define SM_KV_BOOL(k, v) ((sm_log_kv_t){.key = (k), .kind = SM_LOG_KV_BOOL, .i64 = !!(v)})

/* Receives each finished line instead of the FILE: `line` is NUL-terminated
 * and has no trailing newline (len excludes it).  Called with the logger's
 * mutex held, one line at a time; it must not log to the same logger. */
typedef void (*sm_log_sink_fn)(void *ctx, sm_log_level_t level, const char *line, size_t len);

/* Makes a logger: level info, text format, writing to stderr (colour when
 * stderr is a terminal and NO_COLOR is unset), real wall clock.
 * Returns SM_ERR_NOMEM (and *out = NULL) when memory is short.
 * Free it with sm_log_free. */
sm_err_t sm_log_new(sm_log_t **out, sm_error_t *e);

/* Releases the logger and its copies of the secrets (wiped first).  It
 * does not close the FILE.  NULL is ignored. */
void sm_log_free(sm_log_t *log);

/* "error", "warn", "info", "debug" (exactly, lower case) to a level.
 * Anything else: SM_ERR_INVALID naming the bad value and the valid ones;
 * *out is left unchanged then. */
sm_err_t sm_log_level_parse(const char *s, sm_log_level_t *out, sm_error_t *e);
/* "text" or "json"; anything else is SM_ERR_INVALID. */
sm_err_t sm_log_format_parse(const char *s, sm_log_format_t *out, sm_error_t *e);
/* "error", "warn", "info", "debug"; "?" for values out of range. */
const char *sm_log_level_name(sm_log_level_t level);

void sm_log_set_level(sm_log_t *log, sm_log_level_t level);
/* SM_LOG_ERROR for a NULL logger. */
sm_log_level_t sm_log_get_level(const sm_log_t *log);
/* Whether an event at `level` would be written (false for NULL), so a
 * caller can skip costly preparation of a debug message. */
bool sm_log_enabled(const sm_log_t *log, sm_log_level_t level);

void sm_log_set_format(sm_log_t *log, sm_log_format_t format);
/* Writes lines to f (not owned; NULL means stderr) and drops any sink.
 * Re-decides colour: on when f is a terminal and NO_COLOR is unset. */
void sm_log_set_file(sm_log_t *log, FILE *f);
/* Forces colour of the text format on or off (after sm_log_set_file). */
void sm_log_set_color(sm_log_t *log, bool on);
/* Sends lines to sink instead of the FILE (no colour).  A NULL sink goes
 * back to the FILE. */
void sm_log_set_sink(sm_log_t *log, sm_log_sink_fn sink, void *ctx);
/* Replaces the wall clock: now_ms(ctx) returns milliseconds since the
 * epoch.  NULL restores the real clock. */
void sm_log_set_clock(sm_log_t *log, sm_clock_fn now_ms, void *ctx);

/* Registers a secret to redact from now on (the logger keeps a copy).
 * Empty strings and NULL are ignored (SM_OK).  Returns SM_ERR_NOMEM when
 * the copy cannot be made, or SM_ERR_LIMIT past 256 secrets or 4 KiB per
 * secret.  A NULL logger is SM_OK (nothing is ever written). */
sm_err_t sm_log_add_secret(sm_log_t *log, const char *secret, sm_error_t *e);

/* Writes one event if `level` passes the logger's level.  module names the
 * part of smelt speaking ("store", "delta"); NULL or "" leaves it out.
 * Never fails: if memory runs out the event is replaced by a short
 * "log: event dropped" line. */
void sm_log(sm_log_t *log, sm_log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sm_logv(sm_log_t *log, sm_log_level_t level, const char *module, const char *fmt, va_list ap);

/* The same, with n_kv structured fields appended (kv may be NULL when
 * n_kv is 0).  In text they print as ` key=value` (strings quoted and
 * escaped when they contain spaces, quotes, '=' or control characters);
 * in JSON as members of the object after "msg". */
void sm_log_kv(sm_log_t *log, sm_log_level_t level, const char *module, const sm_log_kv_t *kv,
               size_t n_kv, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void sm_log_kvv(sm_log_t *log, sm_log_level_t level, const char *module, const sm_log_kv_t *kv,
                size_t n_kv, const char *fmt, va_list ap);

/* Shorthands for sm_log at a fixed level. */
void sm_log_error(sm_log_t *log, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sm_log_warn(sm_log_t *log, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sm_log_info(sm_log_t *log, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sm_log_debug(sm_log_t *log, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Applies the logger's redaction (registered secrets, URI passwords,
 * secret parameters) to s and returns a new string the caller frees with
 * sm_free, or NULL when memory is short.  With a NULL logger only the
 * pattern rules apply.  Useful for error messages shown outside the log. */
char *sm_log_redact(sm_log_t *log, const char *s);

#endif
