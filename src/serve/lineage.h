/*
 * serve/lineage — the lineage graph of the lake from the run log
 * (_smelt.runs: inputs -> model -> output), laid out in layers from left
 * to right (sources, bronze, silver, gold, then anything else by its
 * depth) and drawn as SVG: one box per table, one arrow per
 * input -> output pair.
 *
 * Rules: each output's newest run (runs come newest first) defines its
 * inputs; a table's layer is its name's prefix before the first '.'
 * ("postgres:db.t" names a source); other tables sit one column right of
 * their rightmost input.  Only columns in use are drawn.  Inside a column
 * boxes are stacked top to bottom, ordered by the mean row of their
 * inputs (then by name), so boxes never overlap.  At most
 * SM_LINEAGE_MAX_NODES tables and SM_LINEAGE_MAX_EDGES arrows are kept
 * (truncated is set beyond).  Every label is escaped and cut to its box.
 *
 * Ownership: everything a graph holds lives in the arena given to
 * sm_lineage_build (names are borrowed from the run list, which must
 * outlive the graph).  No state; any thread.
 */
#ifndef SM_SERVE_LINEAGE_H
#define SM_SERVE_LINEAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "serve/provider.h"

#define SM_LINEAGE_MAX_NODES 256
#define SM_LINEAGE_MAX_EDGES 1024
#define SM_LINEAGE_BOX_W 200.0
#define SM_LINEAGE_BOX_H 30.0

typedef struct sm_lineage_node {
    const char *name;
    const char *layer; /* "source", "bronze", "silver", "gold", or "other" */
    int column;        /* 0-based, among the columns drawn */
    int row;
    double x, y, w, h; /* the box, in SVG user units */
} sm_lineage_node_t;

typedef struct sm_lineage_edge {
    size_t from, to;    /* node indices */
    const char *model;  /* the model whose run drew it */
    const char *status; /* that run's status; may be NULL */
} sm_lineage_edge_t;

typedef struct sm_lineage {
    sm_lineage_node_t *nodes;
    size_t nnodes;
    sm_lineage_edge_t *edges;
    size_t nedges;
    int ncolumns;
    double width, height;
    bool truncated;
} sm_lineage_t;

/* Builds and lays out the graph of runs into *out (arena a). */
sm_err_t sm_lineage_build(const sm_prov_run_list_t *runs, sm_arena_t *a, sm_lineage_t *out,
                          sm_error_t *e);

/* Appends the graph as one <svg class="lineage"> element: column titles,
 * <path class="edge" data-from data-to> arrows, and <g class="node">
 * boxes with the table name.  An empty graph draws the "no runs" panel. */
sm_err_t sm_lineage_svg(const sm_lineage_t *g, sm_buf_t *b, sm_error_t *e);

#endif
