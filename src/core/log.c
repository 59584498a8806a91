#include "core/log.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

#define MSG_MAX SM_LOG_MSG_MAX
#define VAL_MAX SM_LOG_VALUE_MAX
#define KV_MAX SM_LOG_KV_MAX
#define SECRETS_MAX 256
#define SECRET_LEN_MAX 4096
#define MASK "***"

struct sm_log {
    pthread_mutex_t mu; /* guards everything below but `level` */
    atomic_int level;
    sm_log_format_t format;
    FILE *file; /* NULL = stderr */
    bool color;
    sm_log_sink_fn sink;
    void *sink_ctx;
    sm_clock_fn now_ms;
    void *clock_ctx;
    char **secrets; /* longest first, so a secret containing another wins */
    size_t *secret_lens;
    size_t n_secrets;
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_colors[] = {"\x1b[1;31m", "\x1b[33m", "\x1b[36m", "\x1b[90m"};

/* ---- setup ------------------------------------------------------------ */

static bool want_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    int fd = fileno(f);
    return fd >= 0 && isatty(fd);
}

sm_err_t sm_log_new(sm_log_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_log_t *log = sm_calloc(1, sizeof *log);
    if (!log)
        return sm_error_nomem(e, "logger");
    if (pthread_mutex_init(&log->mu, NULL) != 0) {
        sm_free(log);
        return sm_error_set(e, SM_ERR_INTERNAL, "logger: cannot create mutex");
    }
    atomic_init(&log->level, SM_LOG_INFO);
    log->format = SM_LOG_TEXT;
    log->color = want_color(stderr);
    log->now_ms = sm_clock_wall_ms_fn;
    *out = log;
    return SM_OK;
}

void sm_log_free(sm_log_t *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n_secrets; i++) {
        volatile char *p = log->secrets[i];
        while (*p)
            *p++ = 0;
        sm_free(log->secrets[i]);
    }
    sm_free(log->secrets);
    sm_free(log->secret_lens);
    pthread_mutex_destroy(&log->mu);
    sm_free(log);
}

sm_err_t sm_log_level_parse(const char *s, sm_log_level_t *out, sm_error_t *e)
{
    for (int i = 0; s && i <= SM_LOG_DEBUG; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (sm_log_level_t)i;
            return SM_OK;
        }
    }
    return sm_error_set(e, SM_ERR_INVALID,
                        "unknown log level '%.64s' (expected error|warn|info|debug)",
                        s ? s : "(null)");
}

sm_err_t sm_log_format_parse(const char *s, sm_log_format_t *out, sm_error_t *e)
{
    if (s && strcmp(s, "text") == 0) {
        *out = SM_LOG_TEXT;
        return SM_OK;
    }
    if (s && strcmp(s, "json") == 0) {
        *out = SM_LOG_JSON;
        return SM_OK;
    }
    return sm_error_set(e, SM_ERR_INVALID, "unknown log format '%.64s' (expected text|json)",
                        s ? s : "(null)");
}

const char *sm_log_level_name(sm_log_level_t level)
{
    if ((unsigned)level > SM_LOG_DEBUG)
        return "?";
    return level_names[level];
}

void sm_log_set_level(sm_log_t *log, sm_log_level_t level)
{
    if (log && (unsigned)level <= SM_LOG_DEBUG)
        atomic_store_explicit(&log->level, (int)level, memory_order_relaxed);
}

sm_log_level_t sm_log_get_level(const sm_log_t *log)
{
    if (!log)
        return SM_LOG_ERROR;
    return (sm_log_level_t)atomic_load_explicit(&((sm_log_t *)log)->level, memory_order_relaxed);
}

bool sm_log_enabled(const sm_log_t *log, sm_log_level_t level)
{
    return log && (unsigned)level <= SM_LOG_DEBUG && (int)level <= (int)sm_log_get_level(log);
}

void sm_log_set_format(sm_log_t *log, sm_log_format_t format)
{
    if (!log)
        return;
    pthread_mutex_lock(&log->mu);
    log->format = format == SM_LOG_JSON ? SM_LOG_JSON : SM_LOG_TEXT;
    pthread_mutex_unlock(&log->mu);
}

void sm_log_set_file(sm_log_t *log, FILE *f)
{
    if (!log)
        return;
    pthread_mutex_lock(&log->mu);
    log->file = f;
    log->sink = NULL;
    log->sink_ctx = NULL;
    log->color = want_color(f ? f : stderr);
    pthread_mutex_unlock(&log->mu);
}

void sm_log_set_color(sm_log_t *log, bool on)
{
    if (!log)
        return;
    pthread_mutex_lock(&log->mu);
    log->color = on;
    pthread_mutex_unlock(&log->mu);
}

void sm_log_set_sink(sm_log_t *log, sm_log_sink_fn sink, void *ctx)
{
    if (!log)
        return;
    pthread_mutex_lock(&log->mu);
    log->sink = sink;
    log->sink_ctx = sink ? ctx : NULL;
    if (sink)
        log->color = false;
    else
        log->color = want_color(log->file ? log->file : stderr);
    pthread_mutex_unlock(&log->mu);
}

void sm_log_set_clock(sm_log_t *log, sm_clock_fn now_ms, void *ctx)
{
    if (!log)
        return;
    pthread_mutex_lock(&log->mu);
    log->now_ms = now_ms ? now_ms : sm_clock_wall_ms_fn;
    log->clock_ctx = now_ms ? ctx : NULL;
    pthread_mutex_unlock(&log->mu);
}

sm_err_t sm_log_add_secret(sm_log_t *log, const char *secret, sm_error_t *e)
{
    if (!log || !secret || !*secret)
        return SM_OK;
    size_t len = strnlen(secret, SECRET_LEN_MAX + 1);
    if (len > SECRET_LEN_MAX)
        return sm_error_set(e, SM_ERR_LIMIT, "log secret longer than %d bytes", SECRET_LEN_MAX);
    sm_err_t rc = SM_OK;
    pthread_mutex_lock(&log->mu);
    for (size_t i = 0; i < log->n_secrets; i++)
        if (strcmp(log->secrets[i], secret) == 0)
            goto out;
    if (log->n_secrets >= SECRETS_MAX) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "more than %d log secrets", SECRETS_MAX);
        goto out;
    }
    /* Grow both arrays first; a failure leaves the logger as it was. */
    size_t n = log->n_secrets + 1;
    char **grown = sm_realloc(log->secrets, n * sizeof *grown);
    if (grown)
        log->secrets = grown;
    size_t *lens = grown ? sm_realloc(log->secret_lens, n * sizeof *lens) : NULL;
    if (lens)
        log->secret_lens = lens;
    char *copy = lens ? sm_strndup(secret, len) : NULL;
    if (!copy) {
        rc = sm_error_nomem(e, "log secret");
        goto out;
    }
    size_t at = log->n_secrets;
    while (at > 0 && log->secret_lens[at - 1] < len) {
        log->secrets[at] = log->secrets[at - 1];
        log->secret_lens[at] = log->secret_lens[at - 1];
        at--;
    }
    log->secrets[at] = copy;
    log->secret_lens[at] = len;
    log->n_secrets = n;
out:
    pthread_mutex_unlock(&log->mu);
    return rc;
}

/* ---- redaction -------------------------------------------------------- */

/* Pass 1: registered secrets.  Caller holds the mutex (or log is NULL). */
static sm_err_t redact_secrets(const sm_log_t *log, const char *s, size_t n, sm_buf_t *out)
{
    sm_err_t rc = SM_OK;
    size_t i = 0, plain = 0;
    while (i < n && !rc) {
        size_t hit = 0;
        for (size_t k = 0; log && k < log->n_secrets && !hit; k++) {
            size_t len = log->secret_lens[k];
            if (len <= n - i && s[i] == log->secrets[k][0] &&
                memcmp(s + i, log->secrets[k], len) == 0)
                hit = len;
        }
        if (!hit) {
            i++;
            continue;
        }
        rc = sm_buf_append(out, s + plain, i - plain, NULL);
        if (!rc)
            rc = sm_buf_append_str(out, MASK, NULL);
        i += hit;
        plain = i;
    }
    if (!rc)
        rc = sm_buf_append(out, s + plain, n - plain, NULL);
    return rc;
}

static bool ends_authority(char c)
{
    return c == '\0' || c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ',' || c == ';' ||
           c == ')';
}

/* Pass 2: scheme://user:PASSWORD@host → scheme://user:***@host. */
static sm_err_t redact_uris(const char *s, size_t n, sm_buf_t *out)
{
    sm_err_t rc = SM_OK;
    size_t i = 0, plain = 0;
    while (!rc && i + 3 <= n) {
        if (memcmp(s + i, "://", 3) != 0) {
            i++;
            continue;
        }
        size_t start = i + 3, end = start, at = 0, colon = 0;
        bool have_at = false, have_colon = false;
        while (end < n && !ends_authority(s[end])) {
            if (s[end] == '@') {
                at = end;
                have_at = true;
            }
            end++;
        }
        for (size_t k = start; have_at && k < at; k++) {
            if (s[k] == ':') {
                colon = k;
                have_colon = true;
                break;
            }
        }
        bool masked = have_colon && at - colon - 1 == 3 && memcmp(s + colon + 1, MASK, 3) == 0;
        if (have_colon && at > colon + 1 && !masked) {
            rc = sm_buf_append(out, s + plain, colon + 1 - plain, NULL);
            if (!rc)
                rc = sm_buf_append_str(out, MASK, NULL);
            plain = at;
        }
        i = end > start ? end : start;
    }
    if (!rc)
        rc = sm_buf_append(out, s + plain, n - plain, NULL);
    return rc;
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

static bool key_is_secret(const char *k, size_t len)
{
    static const char *const exact[] = {"password", "passwd", "pwd", "X-Amz-Signature",
                                        "X-Amz-Credential"};
    static const char *const suffix[] = {"password", "secret", "token"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strlen(exact[i]) == len && strncasecmp(k, exact[i], len) == 0)
            return true;
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        size_t sl = strlen(suffix[i]);
        if (len >= sl && strncasecmp(k + len - sl, suffix[i], sl) == 0)
            return true;
    }
    return false;
}

static bool ends_value(char c)
{
    return c == '&' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == '"' ||
           c == '\'' || c == ',' || c == ';' || c == ')' || c == '>';
}

/* Pass 3: password=VALUE, X-Amz-Signature=VALUE, ... → key=***.  A value in
 * single quotes (libpq conninfo: password='a b') keeps its quotes. */
static sm_err_t redact_params(const char *s, size_t n, sm_buf_t *out)
{
    sm_err_t rc = SM_OK;
    size_t plain = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (s[i] != '=')
            continue;
        size_t k = i;
        while (k > 0 && is_key_char(s[k - 1]))
            k--;
        if (k == i || !key_is_secret(s + k, i - k))
            continue;
        size_t vs = i + 1, ve = vs;
        bool quoted = vs < n && s[vs] == '\'';
        if (quoted) {
            vs++;
            ve = vs;
            while (ve < n && s[ve] != '\'')
                ve += (s[ve] == '\\' && ve + 1 < n) ? 2 : 1;
            if (ve > n)
                ve = n;
        } else {
            while (ve < n && !ends_value(s[ve]))
                ve++;
        }
        if (ve == vs || (ve - vs == 3 && memcmp(s + vs, MASK, 3) == 0))
            continue;
        rc = sm_buf_append(out, s + plain, vs - plain, NULL);
        if (!rc)
            rc = sm_buf_append_str(out, MASK, NULL);
        plain = ve;
        i = ve > 0 ? ve - 1 : 0;
    }
    if (!rc)
        rc = sm_buf_append(out, s + plain, n - plain, NULL);
    return rc;
}

/* All three passes over s[0..n) into out (reset first).  Caller holds the
 * mutex when log is not NULL. */
static sm_err_t redact(const sm_log_t *log, const char *s, size_t n, sm_buf_t *out)
{
    sm_buf_t a = SM_BUF_INIT, b = SM_BUF_INIT;
    sm_buf_reset(out);
    sm_err_t rc = redact_secrets(log, s, n, &a);
    if (!rc)
        rc = redact_uris((const char *)a.data, a.len, &b);
    if (!rc)
        rc = redact_params((const char *)b.data, b.len, out);
    sm_buf_free(&a);
    sm_buf_free(&b);
    return rc;
}

char *sm_log_redact(sm_log_t *log, const char *s)
{
    sm_buf_t out = SM_BUF_INIT;
    if (!s)
        return NULL;
    if (log)
        pthread_mutex_lock(&log->mu);
    sm_err_t rc = redact(log, s, strlen(s), &out);
    if (!rc && !out.data)
        rc = sm_buf_reserve(&out, 0, NULL);
    if (log)
        pthread_mutex_unlock(&log->mu);
    if (rc) {
        sm_buf_free(&out);
        return NULL;
    }
    return (char *)sm_buf_detach(&out, NULL);
}

/* ---- escaping --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A JSON string, quotes included. */
static sm_err_t json_str(sm_buf_t *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    sm_err_t rc = sm_buf_append_byte(b, '"', NULL);
    for (size_t i = 0; i < n && !rc;) {
        unsigned char c = u[i];
        const char *esc = NULL;
        char tmp[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            break;
        }
        if (!esc && (c < 0x20 || c == 0x7f)) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        }
        if (esc) {
            rc = sm_buf_append_str(b, esc, NULL);
            i++;
            continue;
        }
        size_t len = utf8_len(u + i, n - i);
        if (len == 0) {
            rc = sm_buf_append_str(b, "\\ufffd", NULL);
            i++;
        } else {
            rc = sm_buf_append(b, u + i, len, NULL);
            i += len;
        }
    }
    if (!rc)
        rc = sm_buf_append_byte(b, '"', NULL);
    return rc;
}

/* Text format: control characters shown as \n, \t, \xNN; quoted adds
 * surrounding quotes and escapes '"' and '\\'. */
static sm_err_t text_str(sm_buf_t *b, const char *s, size_t n, bool quoted)
{
    sm_err_t rc = quoted ? sm_buf_append_byte(b, '"', NULL) : SM_OK;
    size_t plain = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        bool special = c < 0x20 || c == 0x7f || (quoted && (c == '"' || c == '\\'));
        if (!special)
            continue;
        char tmp[8];
        if (c == '\n')
            strcpy(tmp, "\\n");
        else if (c == '\r')
            strcpy(tmp, "\\r");
        else if (c == '\t')
            strcpy(tmp, "\\t");
        else if (c == '"' || c == '\\')
            snprintf(tmp, sizeof tmp, "\\%c", c);
        else
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        rc = sm_buf_append(b, s + plain, i - plain, NULL);
        if (!rc)
            rc = sm_buf_append_str(b, tmp, NULL);
        plain = i + 1;
    }
    if (!rc)
        rc = sm_buf_append(b, s + plain, n - plain, NULL);
    if (!rc && quoted)
        rc = sm_buf_append_byte(b, '"', NULL);
    return rc;
}

static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return true;
    }
    return false;
}

/* ---- one event -------------------------------------------------------- */

/* Cuts s to at most max bytes on a UTF-8 boundary; returns the new length
 * and whether it was cut. */
static size_t clip(const char *s, size_t n, size_t max, bool *cut)
{
    *cut = n > max;
    if (!*cut)
        return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

/* Redacts and clips one string value into `out` (which it resets). */
static sm_err_t prepare(const sm_log_t *log, const char *s, size_t n, size_t max, sm_buf_t *out)
{
    bool cut;
    n = clip(s, n, max, &cut);
    sm_err_t rc = redact(log, s, n, out);
    if (!rc && cut)
        rc = sm_buf_append_str(out, "...", NULL);
    if (!rc && !out->data)
        rc = sm_buf_reserve(out, 0, NULL);
    return rc;
}

static sm_err_t kv_value(const sm_log_t *log, sm_buf_t *line, const sm_log_kv_t *kv, bool json,
                         sm_buf_t *tmp)
{
    char num[64];
    switch (kv->kind) {
    case SM_LOG_KV_INT:
        snprintf(num, sizeof num, "%lld", (long long)kv->i64);
        return sm_buf_append_str(line, num, NULL);
    case SM_LOG_KV_DOUBLE:
        if (!isfinite(kv->f64))
            return sm_buf_append_str(line, "null", NULL);
        snprintf(num, sizeof num, "%.15g", kv->f64);
        return sm_buf_append_str(line, num, NULL);
    case SM_LOG_KV_BOOL:
        return sm_buf_append_str(line, kv->i64 ? "true" : "false", NULL);
    case SM_LOG_KV_STR:
    default:
        break;
    }
    if (!kv->str)
        return sm_buf_append_str(line, "null", NULL);
    sm_err_t rc = prepare(log, kv->str, strnlen(kv->str, VAL_MAX + 1), VAL_MAX, tmp);
    if (rc)
        return rc;
    const char *v = (const char *)tmp->data;
    if (json)
        return json_str(line, v, tmp->len);
    return text_str(line, v, tmp->len, needs_quotes(v, tmp->len));
}

static sm_err_t build_line(const sm_log_t *log, sm_buf_t *line, const char *ts,
                           sm_log_level_t level, const char *module, const char *msg,
                           size_t msg_len, const sm_log_kv_t *kv, size_t n_kv)
{
    sm_buf_t tmp = SM_BUF_INIT;
    bool json = log->format == SM_LOG_JSON;
    bool has_module = module && *module;
    const char *name = level_names[level];
    sm_err_t rc = prepare(log, msg, msg_len, MSG_MAX, &tmp);
    if (rc)
        goto out;
    if (json) {
        rc = sm_buf_printf(line, NULL, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, name);
        if (!rc && has_module) {
            rc = sm_buf_append_str(line, ",\"module\":", NULL);
            if (!rc)
                rc = json_str(line, module, strnlen(module, 64));
        }
        if (!rc)
            rc = sm_buf_append_str(line, ",\"msg\":", NULL);
        if (!rc)
            rc = json_str(line, (const char *)tmp.data, tmp.len);
    } else {
        if (log->color)
            rc = sm_buf_printf(line, NULL, "%s %s%s\x1b[0m%*s", ts, level_colors[level], name,
                               (int)(6 - strlen(name)), "");
        else
            rc = sm_buf_printf(line, NULL, "%s %-5s ", ts, name);
        if (!rc && has_module) {
            rc = text_str(line, module, strnlen(module, 64), false);
            if (!rc)
                rc = sm_buf_append_str(line, ": ", NULL);
        }
        if (!rc)
            rc = text_str(line, (const char *)tmp.data, tmp.len, false);
    }
    for (size_t i = 0; i < n_kv && i < KV_MAX && !rc; i++) {
        const char *key = kv[i].key ? kv[i].key : "";
        size_t klen = strnlen(key, 64);
        rc = sm_buf_append_byte(line, json ? ',' : ' ', NULL);
        if (!rc)
            rc = json ? json_str(line, key, klen) : text_str(line, key, klen, false);
        if (!rc)
            rc = sm_buf_append_byte(line, json ? ':' : '=', NULL);
        if (!rc)
            rc = kv_value(log, line, &kv[i], json, &tmp);
    }
    if (!rc && json)
        rc = sm_buf_append_byte(line, '}', NULL);
    if (!rc)
        rc = sm_buf_append_byte(line, '\n', NULL);
out:
    sm_buf_free(&tmp);
    return rc;
}

/* Writes one finished line (ending in '\n').  Caller holds the mutex. */
static void emit(sm_log_t *log, sm_log_level_t level, char *line, size_t len)
{
    if (log->sink) {
        line[len - 1] = '\0';
        log->sink(log->sink_ctx, level, line, len - 1);
        line[len - 1] = '\n';
        return;
    }
    FILE *f = log->file ? log->file : stderr;
    fwrite(line, 1, len, f);
    fflush(f);
}

static void emit_dropped(sm_log_t *log, const char *ts)
{
    char line[160];
    int n;
    if (log->format == SM_LOG_JSON)
        n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s\",\"level\":\"error\",\"module\":\"log\","
                     "\"msg\":\"event dropped (out of memory)\"}\n",
                     ts);
    else
        n = snprintf(line, sizeof line, "%s error log: event dropped (out of memory)\n", ts);
    if (n > 0 && (size_t)n < sizeof line)
        emit(log, SM_LOG_ERROR, line, (size_t)n);
}

/* Formats the printf part: at most MSG_MAX + 1 bytes are kept, so clip()
 * sees that a longer message was cut.  NULL when memory is short. */
static char *format_msg(const char *fmt, va_list ap, size_t *len)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    size_t keep = (size_t)n > MSG_MAX + 1 ? MSG_MAX + 1 : (size_t)n;
    char *msg = sm_malloc(keep + 1);
    if (!msg)
        return NULL;
    if (n > 0)
        vsnprintf(msg, keep + 1, fmt, ap);
    msg[keep] = '\0';
    *len = keep;
    return msg;
}

void sm_log_kvv(sm_log_t *log, sm_log_level_t level, const char *module, const sm_log_kv_t *kv,
                size_t n_kv, const char *fmt, va_list ap)
{
    if (!sm_log_enabled(log, level))
        return;
    if (!kv)
        n_kv = 0;
    size_t msg_len = 0;
    char *msg = format_msg(fmt ? fmt : "", ap, &msg_len);
    sm_buf_t line = SM_BUF_INIT;
    char ts[SM_CLOCK_ISO_LEN];
    pthread_mutex_lock(&log->mu);
    sm_clock_format_iso(log->now_ms(log->clock_ctx), ts);
    sm_err_t rc =
        msg ? build_line(log, &line, ts, level, module, msg, msg_len, kv, n_kv) : SM_ERR_NOMEM;
    if (rc)
        emit_dropped(log, ts);
    else
        emit(log, level, (char *)line.data, line.len);
    pthread_mutex_unlock(&log->mu);
    sm_buf_free(&line);
    sm_free(msg);
}

void sm_log_kv(sm_log_t *log, sm_log_level_t level, const char *module, const sm_log_kv_t *kv,
               size_t n_kv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_log_kvv(log, level, module, kv, n_kv, fmt, ap);
    va_end(ap);
}

void sm_logv(sm_log_t *log, sm_log_level_t level, const char *module, const char *fmt, va_list ap)
{
    sm_log_kvv(log, level, module, NULL, 0, fmt, ap);
}

void sm_log(sm_log_t *log, sm_log_level_t level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_log_kvv(log, level, module, NULL, 0, fmt, ap);
    va_end(ap);
}

#define LEVEL_SHORTHAND(fn, lvl)                                                                   \
    void fn(sm_log_t *log, const char *module, const char *fmt, ...)                               \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        sm_log_kvv(log, lvl, module, NULL, 0, fmt, ap);                                            \
        va_end(ap);                                                                                \
    }

LEVEL_SHORTHAND(sm_log_error, SM_LOG_ERROR)
LEVEL_SHORTHAND(sm_log_warn, SM_LOG_WARN)
LEVEL_SHORTHAND(sm_log_info, SM_LOG_INFO)
LEVEL_SHORTHAND(sm_log_debug, SM_LOG_DEBUG)
