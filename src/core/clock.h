/*
 * core/clock — the two clocks smelt reads, and how it prints time.
 *
 * Monotonic time (sm_clock_mono_ns) measures durations: it never jumps
 * when the wall clock is set.  Wall time (sm_clock_wall_ms) is what logs
 * and commit timestamps show, in milliseconds since 1970-01-01 UTC.
 * Modules that print or compare time take a clock function pointer
 * (sm_clock_fn) with a context so that tests can inject a fixed clock;
 * these are the defaults.
 *
 * No state, no allocation: every function may be called from any thread.
 */
#ifndef SM_CORE_CLOCK_H
#define SM_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* An injectable clock: returns a time in the unit its user documents
 * (nanoseconds for monotonic clocks, milliseconds for wall clocks). */
typedef int64_t (*sm_clock_fn)(void *ctx);

/* Nanoseconds from an arbitrary fixed origin; never goes backwards. */
int64_t sm_clock_mono_ns(void);

/* Milliseconds since the Unix epoch (UTC). */
int64_t sm_clock_wall_ms(void);

/* sm_clock_fn adapters for the two clocks above (ctx is ignored). */
int64_t sm_clock_mono_ns_fn(void *ctx);
int64_t sm_clock_wall_ms_fn(void *ctx);

/* "2026-11-24T23:04:53.123Z" plus the NUL. */
#define SM_CLOCK_ISO_LEN 25

/* Writes wall_ms (milliseconds since the epoch, UTC) as ISO 8601 with
 * milliseconds and a Z suffix into out (at least SM_CLOCK_ISO_LEN bytes).
 * Years outside 0..9999 are clamped to that range.  Returns out. */
char *sm_clock_format_iso(int64_t wall_ms, char *out);

#endif
