#include "core/progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/mem.h"

#define LABEL_MAX 128
#define LINE_MAX_BYTES 512
#define BAR_WIDTH 20

struct sm_progress {
    atomic_uint_fast64_t rows, bytes;
    atomic_uint_fast64_t calls;
    atomic_int_fast64_t last_draw_ns;
    atomic_uint_fast64_t total_rows, total_bytes;
    pthread_mutex_t draw_mu; /* one drawer at a time; guards drawn/finished */
    bool visible;
    bool drawn; /* a partial line is on screen */
    bool finished;
    FILE *out;
    sm_clock_fn now_ns;
    void *clock_ctx;
    int64_t start_ns;
    int64_t interval_ns;
    uint64_t check_mask;
    unsigned width;
    char label[LABEL_MAX + 1];
};

/* ---- units ------------------------------------------------------------- */

char *sm_progress_format_bytes(uint64_t bytes, char *out, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(out, cap, "%u B", (unsigned)bytes);
        return out;
    }
    double v = (double)bytes / 1024;
    size_t u = 0;
    while (v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, "%.1f %s", v, units[u]);
    return out;
}

char *sm_progress_format_count(uint64_t n, char *out, size_t cap)
{
    static const char *const units[] = {"k", "M", "G", "T", "P", "E"};
    if (n < 1000) {
        snprintf(out, cap, "%u", (unsigned)n);
        return out;
    }
    double v = (double)n / 1000;
    size_t u = 0;
    while (v >= 999.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000;
        u++;
    }
    snprintf(out, cap, "%.1f%s", v, units[u]);
    return out;
}

char *sm_progress_format_duration(double seconds, char *out, size_t cap)
{
    if (!(seconds > 0)) /* also NaN */
        seconds = 0;
    if (seconds > 359999999.0) /* 99999h59m59s */
        seconds = 359999999.0;
    long s = (long)seconds;
    if (s < 60)
        snprintf(out, cap, "%lds", s);
    else if (s < 3600)
        snprintf(out, cap, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, cap, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
    return out;
}

/* ---- the decision ------------------------------------------------------ */

bool sm_progress_auto_enabled(FILE *f)
{
    const char *ci = getenv("CI");
    if (ci && *ci && strcmp(ci, "0") != 0 && strcasecmp(ci, "false") != 0)
        return false;
    int fd = f ? fileno(f) : -1;
    return fd >= 0 && isatty(fd);
}

static unsigned terminal_width(FILE *f)
{
    struct winsize ws;
    int fd = fileno(f);
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------- */

sm_err_t sm_progress_new(sm_progress_t **out, const sm_progress_opts_t *opts, sm_error_t *e)
{
    static const sm_progress_opts_t defaults = {0};
    *out = NULL;
    if (!opts)
        opts = &defaults;
    sm_progress_t *p = sm_calloc(1, sizeof *p);
    if (!p)
        return sm_error_nomem(e, "progress bar");
    if (pthread_mutex_init(&p->draw_mu, NULL) != 0) {
        sm_free(p);
        return sm_error_set(e, SM_ERR_INTERNAL, "progress bar: cannot create mutex");
    }
    p->out = opts->out ? opts->out : stderr;
    p->now_ns = opts->now_ns ? opts->now_ns : sm_clock_mono_ns_fn;
    p->clock_ctx = opts->now_ns ? opts->clock_ctx : NULL;
    p->interval_ns = (int64_t)(opts->interval_ms ? opts->interval_ms : 100) * 1000000;
    uint64_t every = opts->check_every ? opts->check_every : 64, pow2 = 1;
    while (pow2 < every)
        pow2 <<= 1;
    p->check_mask = pow2 - 1;
    if (opts->mode == SM_PROGRESS_AUTO)
        p->visible = sm_progress_auto_enabled(p->out);
    else
        p->visible = opts->mode == SM_PROGRESS_ON;
    p->width = opts->width ? opts->width : terminal_width(p->out);
    if (opts->label)
        snprintf(p->label, sizeof p->label, "%s", opts->label);
    atomic_init(&p->rows, 0);
    atomic_init(&p->bytes, 0);
    atomic_init(&p->calls, 0);
    atomic_init(&p->total_rows, opts->total_rows);
    atomic_init(&p->total_bytes, opts->total_bytes);
    p->start_ns = p->now_ns(p->clock_ctx);
    atomic_init(&p->last_draw_ns, p->start_ns);
    *out = p;
    return SM_OK;
}

void sm_progress_free(sm_progress_t *p)
{
    if (!p)
        return;
    if (p->drawn && !p->finished) {
        fputs("\r\x1b[K", p->out);
        fflush(p->out);
    }
    pthread_mutex_destroy(&p->draw_mu);
    sm_free(p);
}

void sm_progress_set_total(sm_progress_t *p, uint64_t total_rows, uint64_t total_bytes)
{
    if (!p)
        return;
    atomic_store(&p->total_rows, total_rows);
    atomic_store(&p->total_bytes, total_bytes);
}

uint64_t sm_progress_rows(const sm_progress_t *p)
{
    return p ? atomic_load(&((sm_progress_t *)p)->rows) : 0;
}

uint64_t sm_progress_bytes(const sm_progress_t *p)
{
    return p ? atomic_load(&((sm_progress_t *)p)->bytes) : 0;
}

bool sm_progress_visible(const sm_progress_t *p)
{
    return p && p->visible;
}

/* ---- drawing ------------------------------------------------------------- */

typedef struct line {
    char buf[LINE_MAX_BYTES];
    size_t len;
} line_t;

static void put(line_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(line_t *l, const char *fmt, ...)
{
    if (l->len >= sizeof l->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->buf - l->len ? (size_t)n : sizeof l->buf - l->len - 1;
}

/* Renders the body of the line (no \r, no newline). */
static void render(const sm_progress_t *p, int64_t now, bool final, line_t *l)
{
    uint64_t rows = atomic_load(&((sm_progress_t *)p)->rows);
    uint64_t bytes = atomic_load(&((sm_progress_t *)p)->bytes);
    uint64_t trows = atomic_load(&((sm_progress_t *)p)->total_rows);
    uint64_t tbytes = atomic_load(&((sm_progress_t *)p)->total_bytes);
    double secs = (double)(now - p->start_ns) / 1e9;
    bool show_rows = rows || trows || !bytes, show_bytes = bytes || tbytes;
    char a[32], b[32];
    /* The fraction done, from rows when their total is known, else bytes. */
    double frac = -1;
    if (trows)
        frac = (double)rows / (double)trows;
    else if (tbytes)
        frac = (double)bytes / (double)tbytes;
    if (frac > 1)
        frac = 1;

    l->len = 0;
    l->buf[0] = '\0';
    put(l, "%s", p->label);
    if (final) {
        put(l, "%sdone:", p->label[0] ? " " : "");
        if (show_rows)
            put(l, " %s rows", sm_progress_format_count(rows, a, sizeof a));
        if (show_bytes)
            put(l, "%s %s", show_rows ? "," : "", sm_progress_format_bytes(bytes, b, sizeof b));
        put(l, " in %s", sm_progress_format_duration(secs, a, sizeof a));
    } else {
        if (frac >= 0) {
            int fill = (int)(frac * BAR_WIDTH);
            put(l, "%s[%.*s%.*s] %3d%%", p->label[0] ? " " : "", fill, "####################",
                BAR_WIDTH - fill, "....................", (int)(frac * 100));
        }
        if (show_rows) {
            if (trows)
                put(l, "  %s/%s rows", sm_progress_format_count(rows, a, sizeof a),
                    sm_progress_format_count(trows, b, sizeof b));
            else
                put(l, "  %s rows", sm_progress_format_count(rows, a, sizeof a));
        }
        if (show_bytes) {
            if (tbytes && !trows)
                put(l, "  %s/%s", sm_progress_format_bytes(bytes, a, sizeof a),
                    sm_progress_format_bytes(tbytes, b, sizeof b));
            else
                put(l, "  %s", sm_progress_format_bytes(bytes, a, sizeof a));
        }
    }
    if (secs > 0) {
        const char *sep = final ? " (" : "  ";
        if (show_rows) {
            put(l, "%s%s rows/s", sep,
                sm_progress_format_count((uint64_t)(rows / secs), a, sizeof a));
            sep = final ? ", " : "  ";
        }
        if (show_bytes)
            put(l, "%s%s/s", sep, sm_progress_format_bytes((uint64_t)(bytes / secs), a, sizeof a));
        if (final)
            put(l, ")");
    }
    if (!final) {
        put(l, "  %s", sm_progress_format_duration(secs, a, sizeof a));
        if (frac > 0 && secs > 0)
            put(l, "  ETA %s", sm_progress_format_duration(secs * (1 - frac) / frac, a, sizeof a));
    }
    /* Keep the line within the terminal, or \r redraws would scroll. */
    if (p->width && l->len > p->width - 1) {
        size_t k = p->width - 1;
        while (k > 0 && ((unsigned char)l->buf[k] & 0xc0) == 0x80)
            k--;
        l->len = k;
        l->buf[k] = '\0';
    }
}

/* Draws the partial line.  Caller holds draw_mu. */
static void draw(sm_progress_t *p, int64_t now)
{
    line_t l;
    render(p, now, false, &l);
    fprintf(p->out, "\r%s\x1b[K", l.buf);
    fflush(p->out);
    p->drawn = true;
    atomic_store(&p->last_draw_ns, now);
}

static void maybe_draw(sm_progress_t *p)
{
    int64_t now = p->now_ns(p->clock_ctx);
    if (now - atomic_load_explicit(&p->last_draw_ns, memory_order_relaxed) < p->interval_ns)
        return;
    if (pthread_mutex_trylock(&p->draw_mu) != 0)
        return; /* someone else is drawing */
    if (!p->finished && now - atomic_load(&p->last_draw_ns) >= p->interval_ns)
        draw(p, now);
    pthread_mutex_unlock(&p->draw_mu);
}

void sm_progress_add(sm_progress_t *p, uint64_t rows, uint64_t bytes)
{
    if (!p)
        return;
    atomic_fetch_add_explicit(&p->rows, rows, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->bytes, bytes, memory_order_relaxed);
    if (!p->visible)
        return;
    uint64_t c = atomic_fetch_add_explicit(&p->calls, 1, memory_order_relaxed) + 1;
    if ((c & p->check_mask) == 0)
        maybe_draw(p);
}

void sm_progress_tick(sm_progress_t *p)
{
    if (p && p->visible)
        maybe_draw(p);
}

void sm_progress_finish(sm_progress_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->draw_mu);
    if (!p->finished && p->visible) {
        line_t l;
        render(p, p->now_ns(p->clock_ctx), true, &l);
        fprintf(p->out, "%s%s\n", p->drawn ? "\r\x1b[K" : "", l.buf);
        fflush(p->out);
    }
    p->finished = true;
    pthread_mutex_unlock(&p->draw_mu);
}
