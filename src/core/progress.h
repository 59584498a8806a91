/*
 * core/progress — a progress line for long work, on the terminal only.
 *
 *   load bronze.orders [######..............]  31%  1.2M/3.9M rows  57.1 MiB
 *       123.4k rows/s  5.8 MiB/s  10s  ETA 22s
 *
 * (one line, redrawn in place with \r).  It is drawn only when the output
 * is a terminal and the CI environment variable is unset (or "", "0",
 * "false"): silent in CI and when piped.  The decision can be forced on or
 * off (SM_PROGRESS_ON/OFF), which is how tests capture it into a memory
 * FILE; the clock can be injected too.
 *
 * Updating is cheap enough for a hot loop: sm_progress_add is two relaxed
 * atomic adds, plus, every `check_every` calls, one clock read; the line
 * is redrawn at most once per interval (100 ms by default) by whichever
 * thread notices first (the others never block on it).  Counters keep
 * running when the bar is silent, so sm_progress_rows() is always right.
 * sm_progress_finish writes a final summary line ending in a newline.
 *
 * Ownership: the caller owns the sm_progress_t; the FILE is borrowed.
 * Threads: sm_progress_add, sm_progress_tick and the getters may be called
 * from any thread (pool workers) at once; new/set_total/finish/free by the
 * owner.  A NULL sm_progress_t is accepted everywhere and does nothing.
 */
#ifndef SM_CORE_PROGRESS_H
#define SM_CORE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/clock.h"
#include "core/err.h"

typedef struct sm_progress sm_progress_t;

typedef enum sm_progress_mode {
    SM_PROGRESS_AUTO = 0, /* draw when out is a terminal and CI is not set */
    SM_PROGRESS_OFF,
    SM_PROGRESS_ON,
} sm_progress_mode_t;

typedef struct sm_progress_opts {
    const char *label;    /* what is being done; copied (at most 128 bytes) */
    uint64_t total_rows;  /* 0 = unknown */
    uint64_t total_bytes; /* 0 = unknown */
    FILE *out;            /* NULL = stderr; borrowed */
    sm_progress_mode_t mode;
    sm_clock_fn now_ns; /* monotonic nanoseconds; NULL = sm_clock_mono_ns */
    void *clock_ctx;
    unsigned interval_ms; /* least time between redraws; 0 = 100 */
    unsigned check_every; /* read the clock every N adds (rounded up to a
                           * power of two); 0 = 64 */
    unsigned width;       /* line width; 0 = the terminal's, none if unknown */
} sm_progress_opts_t;

/* Whether SM_PROGRESS_AUTO would draw on f: f is a terminal and CI is
 * unset, empty, "0" or "false". */
bool sm_progress_auto_enabled(FILE *f);

/* Starts timing now.  opts may be NULL (all defaults).  Fails only with
 * SM_ERR_NOMEM (*out = NULL).  Free with sm_progress_free. */
sm_err_t sm_progress_new(sm_progress_t **out, const sm_progress_opts_t *opts, sm_error_t *e);

/* Counts rows and bytes done; may redraw (see above). */
void sm_progress_add(sm_progress_t *p, uint64_t rows, uint64_t bytes);
/* Reads the clock now and redraws if the interval has passed. */
void sm_progress_tick(sm_progress_t *p);
/* Sets or changes the totals (0 = unknown). */
void sm_progress_set_total(sm_progress_t *p, uint64_t total_rows, uint64_t total_bytes);

uint64_t sm_progress_rows(const sm_progress_t *p);
uint64_t sm_progress_bytes(const sm_progress_t *p);
/* Whether this bar draws at all (mode and terminal decision). */
bool sm_progress_visible(const sm_progress_t *p);

/* Writes the final line ("load bronze.orders done: 3.9M rows, 190.2 MiB
 * in 32s (121.9k rows/s, 5.9 MiB/s)\n") when visible, replacing the
 * partial line; nothing is drawn afterwards.  A second call does nothing. */
void sm_progress_finish(sm_progress_t *p);

/* Frees p.  A bar left unfinished has its line cleared, so the next
 * message (an error, usually) starts on a clean line.  NULL ignored. */
void sm_progress_free(sm_progress_t *p);

/* Human units, written into out (cap bytes, always NUL-terminated);
 * return out.  Bytes in binary units: "512 B", "1.5 KiB", "2.0 MiB",
 * "3.4 GiB" ... "EiB".  Counts in SI: "999", "1.2k", "3.4M", "5.6G" ...
 * Durations: "0s", "59s", "1m05s", "2h03m04s". */
char *sm_progress_format_bytes(uint64_t bytes, char *out, size_t cap);
char *sm_progress_format_count(uint64_t n, char *out, size_t cap);
char *sm_progress_format_duration(double seconds, char *out, size_t cap);

#endif
