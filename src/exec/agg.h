/*
 * exec/agg — aggregate accumulators: the states of one aggregate function
 * for many groups (struct of arrays indexed by group number), updated a
 * batch at a time and finished into a result vector.  Used by the hash
 * aggregate (one accumulator per aggregate per partition table) and by
 * window frames (group 0, reset and refilled per frame).
 *
 * Semantics (Spark SQL):
 *   count(*), count(x)     bigint, never NULL
 *   sum                    int kinds -> bigint (overflow: an error in ANSI
 *                          mode, wraps otherwise); float/double -> double;
 *                          decimal(p,s) -> decimal(min(38,p+10),s) (overflow:
 *                          an error in ANSI mode, NULL otherwise); NULL when
 *                          no non-NULL input
 *   avg                    double; decimal(p,s) -> decimal(min(38,p+4),
 *                          min(38,s+4)) rounded half up
 *   min, max               any orderable kind (not MAP); NaN above all
 *   stddev_samp/pop,
 *   var_samp/pop           double, Welford's algorithm; samp is NULL for
 *                          fewer than 2 values
 *   percentile_approx      exact: sorts the group's values and returns the
 *                          one at rank max(1, ceil(p * n)) (what Spark's
 *                          summaries return when they hold every value);
 *                          numeric, date and timestamp kinds
 *   first, last            the first/last row's value (NULL included unless
 *                          ignore_nulls)
 *   collect_list           array of the non-NULL values (non-nested kinds)
 * DISTINCT feeds each group only the first occurrence of each non-NULL
 * value; FILTER skips rows whose mask is not TRUE.
 *
 * Ownership: an accumulator holds references to its types and owns its
 * arrays.  Threads: one thread at a time per accumulator.
 */
#ifndef SM_EXEC_AGG_H
#define SM_EXEC_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "core/buf.h"
#include "core/hashtable.h"
#include "exec/operator.h"

typedef struct sm_acc {
    sm_agg_spec_t spec;
    sm_type_t *in_type; /* NULL for count(*) */
    sm_type_t *out_type;
    bool ansi;
    size_t ngroups, cap;
    int64_t *n;   /* rows counted; first/last: 0 unset, 1 value, 2 NULL */
    uint8_t *val; /* w bytes per group */
    size_t w;
    double *mean, *m2; /* Welford */
    sm_buf_t *vb;      /* per group: string value or list of values */
    uint8_t *ovf;      /* sum/avg overflowed (non-ANSI: NULL result) */
    sm_ht_t *seen;     /* DISTINCT: (group, value) pairs seen */
    /* DISTINCT of an integer, date or timestamp: the (group, value) pairs
     * in an open-addressing set of pairs_cap (a power of two) slots,
     * instead of `seen` (then NULL). */
    struct sm_acc_pair *pairs;
    size_t pairs_cap, pairs_n;
    /* ... and, while those values stay in a compact range (dense_off
     * false), dense[v - dense_lo] (dense_cap entries, NULL before the
     * first value) is 1 + the first group seen with value v (0: none);
     * only pairs of v with other groups go to `pairs`. */
    uint32_t *dense;
    int64_t dense_lo;
    size_t dense_cap, dense_n;
    bool dense_off;
    sm_buf_t scratch;
    uint64_t *hs; /* DISTINCT strings: a batch's row hashes (hs_cap) */
    size_t hs_cap;
    size_t var_bytes; /* bytes held in vb and seen (memory accounting) */
} sm_acc_t;

/* Sets up an accumulator for spec over input column type in_type (NULL for
 * count(*)).  SM_ERR_INVALID for a type the aggregate does not take. */
sm_err_t sm_acc_init(sm_acc_t *a, const sm_agg_spec_t *spec, const sm_type_t *in_type, bool ansi,
                     sm_error_t *e);
void sm_acc_free(sm_acc_t *a);

/* Makes room for groups [0, ngroups) (new ones empty).  SM_ERR_NOMEM. */
sm_err_t sm_acc_grow(sm_acc_t *a, size_t ngroups, sm_error_t *e);
/* Fixed bytes per group (for memory accounting). */
size_t sm_acc_group_bytes(const sm_acc_t *a);

/* Feeds rows rows[0..n) of batch b into groups gids[0..n).  The argument
 * and mask columns come from a->spec.  SM_ERR_OVERFLOW (ANSI sum),
 * SM_ERR_NOMEM. */
sm_err_t sm_acc_update(sm_acc_t *a, const sm_batch_t *b, const uint32_t *rows, const uint32_t *gids,
                       size_t n, sm_error_t *e);
/* Appends the results of groups [g0, g0 + n) to out (of a->out_type). */
sm_err_t sm_acc_finish(sm_acc_t *a, size_t g0, size_t n, sm_vector_t *out, sm_error_t *e);
/* Empties group g (window frames). */
void sm_acc_reset(sm_acc_t *a, size_t g);

/* Compares two values of a fixed-width kind (or BOOL stored as a byte):
 * <0, 0, >0; NaN above everything, -0.0 == 0.0. */
int sm_acc_cmp_fixed(sm_type_kind_t kind, const void *x, const void *y);

#endif
