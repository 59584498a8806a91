/* core/progress: units, exact forced-on output with a fake clock, rate
 * and ETA, redraw throttling, silence when off / in CI / piped, width,
 * threads. */
#include <fcntl.h>
#include <poll.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "core/progress.h"

#define SEC 1000000000LL
#define MIB (1024 * 1024)

typedef struct fake_clock {
    int64_t now;
    int reads;
} fake_clock_t;

static int64_t fake_now(void *ctx)
{
    fake_clock_t *c = ctx;
    c->reads++;
    return c->now;
}

typedef struct capture {
    FILE *f;
    char *mem;
    size_t size;
} capture_t;

static void cap_open(capture_t *c)
{
    c->mem = NULL;
    c->size = 0;
    c->f = open_memstream(&c->mem, &c->size);
}

static const char *cap_text(capture_t *c)
{
    fflush(c->f);
    return c->mem ? c->mem : "";
}

static void cap_close(capture_t *c)
{
    fclose(c->f);
    free(c->mem);
}

static void test_units(void)
{
    char b[32];
    CHECK_EQ_STR(sm_progress_format_bytes(0, b, sizeof b), "0 B");
    CHECK_EQ_STR(sm_progress_format_bytes(1023, b, sizeof b), "1023 B");
    CHECK_EQ_STR(sm_progress_format_bytes(1024, b, sizeof b), "1.0 KiB");
    CHECK_EQ_STR(sm_progress_format_bytes(1536, b, sizeof b), "1.5 KiB");
    CHECK_EQ_STR(sm_progress_format_bytes(1048524, b, sizeof b), "1023.9 KiB");
    CHECK_EQ_STR(sm_progress_format_bytes(1048566, b, sizeof b), "1.0 MiB");
    CHECK_EQ_STR(sm_progress_format_bytes(57 * (uint64_t)MIB + MIB / 10, b, sizeof b), "57.1 MiB");
    CHECK_EQ_STR(sm_progress_format_bytes(5ULL << 30, b, sizeof b), "5.0 GiB");
    CHECK_EQ_STR(sm_progress_format_bytes(3ULL << 40, b, sizeof b), "3.0 TiB");
    CHECK_EQ_STR(sm_progress_format_bytes(UINT64_MAX, b, sizeof b), "16.0 EiB");
    CHECK_EQ_STR(sm_progress_format_count(0, b, sizeof b), "0");
    CHECK_EQ_STR(sm_progress_format_count(999, b, sizeof b), "999");
    CHECK_EQ_STR(sm_progress_format_count(1000, b, sizeof b), "1.0k");
    CHECK_EQ_STR(sm_progress_format_count(123456, b, sizeof b), "123.5k");
    CHECK_EQ_STR(sm_progress_format_count(999950, b, sizeof b), "1.0M");
    CHECK_EQ_STR(sm_progress_format_count(1234567, b, sizeof b), "1.2M");
    CHECK_EQ_STR(sm_progress_format_count(4200000000ULL, b, sizeof b), "4.2G");
    CHECK_EQ_STR(sm_progress_format_count(UINT64_MAX, b, sizeof b), "18.4E");
    CHECK_EQ_STR(sm_progress_format_duration(0, b, sizeof b), "0s");
    CHECK_EQ_STR(sm_progress_format_duration(-5, b, sizeof b), "0s");
    CHECK_EQ_STR(sm_progress_format_duration(NAN, b, sizeof b), "0s");
    CHECK_EQ_STR(sm_progress_format_duration(59.9, b, sizeof b), "59s");
    CHECK_EQ_STR(sm_progress_format_duration(60, b, sizeof b), "1m00s");
    CHECK_EQ_STR(sm_progress_format_duration(3599, b, sizeof b), "59m59s");
    CHECK_EQ_STR(sm_progress_format_duration(3723, b, sizeof b), "1h02m03s");
    CHECK_EQ_STR(sm_progress_format_duration(1e12, b, sizeof b), "99999h59m59s");
    CHECK_EQ_STR(sm_progress_format_duration(INFINITY, b, sizeof b), "99999h59m59s");
    /* Small buffers are cut, never overrun. */
    char tiny[4];
    CHECK_EQ_STR(sm_progress_format_bytes(1536, tiny, sizeof tiny), "1.5");
    CHECK_EQ_STR(sm_progress_format_duration(3723, tiny, sizeof tiny), "1h0");
}

static sm_progress_t *new_bar(capture_t *c, fake_clock_t *clk, sm_progress_opts_t o)
{
    sm_progress_t *p = NULL;
    sm_error_t e;
    o.out = c->f;
    o.now_ns = fake_now;
    o.clock_ctx = clk;
    CHECK_OK(sm_progress_new(&p, &o, &e), &e);
    return p;
}

static void test_forced_on(void)
{
    capture_t c;
    fake_clock_t clk = {0};
    cap_open(&c);
    sm_progress_t *p =
        new_bar(&c, &clk,
                (sm_progress_opts_t){
                    .label = "load", .total_rows = 4000, .mode = SM_PROGRESS_ON, .check_every = 1});
    CHECK(sm_progress_visible(p));
    sm_progress_add(p, 1000, MIB); /* t=0: not yet */
    CHECK_EQ_STR(cap_text(&c), "");
    clk.now = 1 * SEC;
    sm_progress_add(p, 0, 0);
    CHECK_EQ_STR(cap_text(&c), "\rload [#####...............]  25%  1.0k/4.0k rows  1.0 MiB  "
                               "1.0k rows/s  1.0 MiB/s  1s  ETA 3s\x1b[K");
    size_t before = c.size;
    clk.now = 1 * SEC + 50000000; /* 50 ms later: too soon */
    sm_progress_add(p, 500, 0);
    sm_progress_tick(p);
    CHECK_EQ_INT(strlen(cap_text(&c)), before);
    clk.now = 2 * SEC;
    sm_progress_add(p, 500, MIB);
    CHECK(strstr(cap_text(&c) + before,
                 "\rload [##########..........]  50%  2.0k/4.0k rows  "
                 "2.0 MiB  1.0k rows/s  1.0 MiB/s  2s  ETA 2s\x1b[K") == cap_text(&c) + before);
    before = strlen(cap_text(&c));
    clk.now = 4 * SEC;
    sm_progress_add(p, 2000, 2 * MIB);
    sm_progress_finish(p);
    CHECK_EQ_INT(sm_progress_rows(p), 4000);
    CHECK_EQ_INT(sm_progress_bytes(p), 4 * MIB);
    const char *tail = cap_text(&c) + before;
    /* The add at t=4s drew 100%; then the final line replaced it. */
    CHECK(strstr(tail, "[####################] 100%  4.0k/4.0k rows") != NULL);
    const char *fin = "\r\x1b[Kload done: 4.0k rows, 4.0 MiB in 4s (1.0k rows/s, 1.0 MiB/s)\n";
    CHECK(strlen(tail) >= strlen(fin) && strcmp(tail + strlen(tail) - strlen(fin), fin) == 0);
    before = strlen(cap_text(&c));
    sm_progress_finish(p); /* idempotent */
    clk.now = 10 * SEC;
    sm_progress_add(p, 1, 1); /* nothing drawn after finish */
    sm_progress_tick(p);
    CHECK_EQ_INT(strlen(cap_text(&c)), before);
    sm_progress_free(p);
    CHECK_EQ_INT(strlen(cap_text(&c)), before); /* finished: nothing to clear */
    cap_close(&c);
}

static void test_shapes(void)
{
    capture_t c;
    fake_clock_t clk = {0};
    /* No total: no bar, no ETA; rows only. */
    cap_open(&c);
    sm_progress_t *p =
        new_bar(&c, &clk, (sm_progress_opts_t){.label = "scan", .mode = SM_PROGRESS_ON});
    sm_progress_add(p, 1500000, 0);
    clk.now = 3 * SEC;
    sm_progress_tick(p);
    CHECK_EQ_STR(cap_text(&c), "\rscan  1.5M rows  500.0k rows/s  3s\x1b[K");
    sm_progress_finish(p);
    CHECK(strstr(cap_text(&c), "scan done: 1.5M rows in 3s (500.0k rows/s)\n") != NULL);
    sm_progress_free(p);
    cap_close(&c);

    /* Bytes total only, no label. */
    cap_open(&c);
    clk.now = 0;
    p = new_bar(&c, &clk, (sm_progress_opts_t){.total_bytes = 10 * MIB, .mode = SM_PROGRESS_ON});
    sm_progress_add(p, 0, 5 * MIB);
    clk.now = 5 * SEC;
    sm_progress_tick(p);
    CHECK_EQ_STR(cap_text(&c), "\r[##########..........]  50%  5.0 MiB/10.0 MiB  1.0 MiB/s  5s  "
                               "ETA 5s\x1b[K");
    /* Unfinished bar: free clears the line. */
    sm_progress_free(p);
    CHECK(strstr(cap_text(&c), "ETA 5s\x1b[K\r\x1b[K") != NULL);
    cap_close(&c);

    /* Finish before any draw, at t=0: no rates, no clearing. */
    cap_open(&c);
    clk.now = 0;
    p = new_bar(&c, &clk, (sm_progress_opts_t){.label = "quick", .mode = SM_PROGRESS_ON});
    sm_progress_finish(p);
    CHECK_EQ_STR(cap_text(&c), "quick done: 0 rows in 0s\n");
    sm_progress_free(p);
    cap_close(&c);

    /* Width: the partial line is cut to width - 1. */
    cap_open(&c);
    clk.now = 0;
    p = new_bar(&c, &clk,
                (sm_progress_opts_t){.label = "a-long-label-\xc3\xa9\xc3\xa9",
                                     .total_rows = 10,
                                     .mode = SM_PROGRESS_ON,
                                     .width = 16});
    clk.now = SEC;
    sm_progress_tick(p);
    CHECK_EQ_STR(cap_text(&c), "\ra-long-label-\xc3\xa9\x1b[K");
    sm_progress_free(p);
    cap_close(&c);

    /* More done than the total: capped at 100%. */
    cap_open(&c);
    clk.now = 0;
    p = new_bar(&c, &clk, (sm_progress_opts_t){.total_rows = 10, .mode = SM_PROGRESS_ON});
    sm_progress_add(p, 25, 0);
    sm_progress_set_total(p, 20, 0);
    clk.now = SEC;
    sm_progress_tick(p);
    CHECK(strstr(cap_text(&c), "100%  25/20 rows") != NULL);
    CHECK(strstr(cap_text(&c), "ETA 0s") != NULL);
    sm_progress_free(p);
    cap_close(&c);
}

static void test_check_every(void)
{
    capture_t c;
    fake_clock_t clk = {0};
    cap_open(&c);
    sm_progress_t *p = new_bar(
        &c, &clk, (sm_progress_opts_t){.mode = SM_PROGRESS_ON, .check_every = 50}); /* -> 64 */
    clk.now = 10 * SEC;
    int reads = clk.reads;
    for (int i = 0; i < 63; i++)
        sm_progress_add(p, 1, 0);
    CHECK_EQ_INT(clk.reads, reads); /* the clock was not even read */
    CHECK_EQ_STR(cap_text(&c), "");
    sm_progress_add(p, 1, 0);
    CHECK_EQ_INT(clk.reads, reads + 1);
    CHECK(strstr(cap_text(&c), "64 rows") != NULL);
    sm_progress_free(p);
    cap_close(&c);
}

static void test_forced_off_and_auto(void)
{
    capture_t c;
    fake_clock_t clk = {0};
    cap_open(&c);
    sm_progress_t *p = new_bar(
        &c, &clk, (sm_progress_opts_t){.label = "x", .mode = SM_PROGRESS_OFF, .check_every = 1});
    CHECK(!sm_progress_visible(p));
    for (int i = 0; i < 1000; i++) {
        clk.now += SEC;
        sm_progress_add(p, 2, 3);
    }
    sm_progress_tick(p);
    sm_progress_finish(p);
    CHECK_EQ_INT(sm_progress_rows(p), 2000); /* still counted */
    CHECK_EQ_INT(sm_progress_bytes(p), 3000);
    sm_progress_free(p);
    CHECK_EQ_STR(cap_text(&c), "");

    /* AUTO on a pipe-like FILE (memory) is silent, CI or not. */
    unsetenv("CI");
    p = new_bar(&c, &clk, (sm_progress_opts_t){.check_every = 1});
    CHECK(!sm_progress_visible(p));
    clk.now += SEC;
    sm_progress_add(p, 1, 1);
    sm_progress_finish(p);
    sm_progress_free(p);
    CHECK_EQ_STR(cap_text(&c), "");
    CHECK(!sm_progress_auto_enabled(c.f));
    cap_close(&c);

    /* NULL everywhere. */
    sm_progress_add(NULL, 1, 1);
    sm_progress_tick(NULL);
    sm_progress_set_total(NULL, 1, 1);
    sm_progress_finish(NULL);
    sm_progress_free(NULL);
    CHECK_EQ_INT(sm_progress_rows(NULL), 0);
    CHECK_EQ_INT(sm_progress_bytes(NULL), 0);
    CHECK(!sm_progress_visible(NULL));

    /* Default options: writes to stderr only if it is a terminal. */
    sm_progress_t *d = NULL;
    sm_error_t e;
    CHECK_OK(sm_progress_new(&d, NULL, &e), &e);
    CHECK_EQ_INT(sm_progress_visible(d), sm_progress_auto_enabled(stderr));
    sm_progress_free(d);

    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_progress_new(&d, NULL, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(d == NULL);
}

/* On a real pseudo-terminal AUTO draws, unless CI says otherwise. */
static void test_auto_on_tty(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        printf("test_auto_on_tty: no pseudo-terminal, skipped\n");
        if (master >= 0)
            close(master);
        return;
    }
    FILE *tty = fopen(ptsname(master), "w");
    CHECK(tty != NULL);
    if (!tty) {
        close(master);
        return;
    }
    const char *off[] = {"1", "true", "yes"};
    for (size_t i = 0; i < 3; i++) {
        setenv("CI", off[i], 1);
        CHECK(!sm_progress_auto_enabled(tty));
    }
    const char *on[] = {"", "0", "false", "FALSE"};
    for (size_t i = 0; i < 4; i++) {
        setenv("CI", on[i], 1);
        CHECK(sm_progress_auto_enabled(tty));
    }
    unsetenv("CI");
    CHECK(sm_progress_auto_enabled(tty));

    fake_clock_t clk = {0};
    sm_progress_opts_t o = {.label = "tty", .out = tty, .now_ns = fake_now, .clock_ctx = &clk};
    sm_progress_t *p = NULL;
    sm_error_t e;
    setenv("CI", "1", 1);
    CHECK_OK(sm_progress_new(&p, &o, &e), &e);
    CHECK(!sm_progress_visible(p));
    sm_progress_free(p);
    unsetenv("CI");
    CHECK_OK(sm_progress_new(&p, &o, &e), &e);
    CHECK(sm_progress_visible(p));
    clk.now = SEC;
    sm_progress_add(p, 7, 0);
    sm_progress_tick(p);
    sm_progress_finish(p);
    sm_progress_free(p);
    char got[512];
    ssize_t n = 0, r;
    /* poll with a timeout: a missing line fails the test instead of hanging. */
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    while (n < (ssize_t)sizeof got - 1 && poll(&pfd, 1, 2000) > 0 &&
           (r = read(master, got + n, sizeof got - 1 - n)) > 0) {
        n += r;
        got[n] = '\0';
        if (strstr(got, "done"))
            break;
    }
    got[n > 0 ? n : 0] = '\0';
    CHECK(strstr(got, "\rtty  7 rows  7 rows/s  1s") != NULL);
    CHECK(strstr(got, "tty done: 7 rows in 1s (7 rows/s)") != NULL);
    fclose(tty);
    close(master);
}

typedef struct adder {
    sm_progress_t *p;
} adder_t;

static void *adder_main(void *arg)
{
    adder_t *a = arg;
    for (int i = 0; i < 200000; i++)
        sm_progress_add(a->p, 1, 10);
    return NULL;
}

static void test_threads(void)
{
    capture_t c;
    cap_open(&c);
    sm_progress_t *p = NULL;
    sm_error_t e;
    sm_progress_opts_t o = {.label = "mt",
                            .out = c.f,
                            .mode = SM_PROGRESS_ON,
                            .interval_ms = 1,
                            .check_every = 16,
                            .total_rows = 800000};
    CHECK_OK(sm_progress_new(&p, &o, &e), &e);
    pthread_t th[4];
    adder_t a = {p};
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, adder_main, &a);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    sm_progress_finish(p);
    CHECK_EQ_INT(sm_progress_rows(p), 800000);
    CHECK_EQ_INT(sm_progress_bytes(p), 8000000);
    sm_progress_free(p);
    const char *t = cap_text(&c);
    CHECK(strstr(t, "mt done: 800.0k rows, 7.6 MiB in ") != NULL);
    /* Every redraw is whole: each \r starts "mt [". */
    int bad = 0;
    for (const char *q = strchr(t, '\r'); q; q = strchr(q + 1, '\r'))
        bad += strncmp(q, "\rmt [", 5) != 0 && strncmp(q, "\r\x1b[Kmt done", 10) != 0;
    CHECK_EQ_INT(bad, 0);
    cap_close(&c);
}

int main(void)
{
    RUN(test_units);
    RUN(test_forced_on);
    RUN(test_shapes);
    RUN(test_check_every);
    RUN(test_forced_off_and_auto);
    RUN(test_auto_on_tty);
    RUN(test_threads);
    return check_summary();
}
