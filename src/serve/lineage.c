/* serve/lineage — see lineage.h. */
#include "serve/lineage.h"

#include <stdio.h>
#include <string.h>

#include "serve/html.h"
#include "serve/svg.h"

#define MARGIN 20.0
#define HEADER 28.0
#define COL_GAP 90.0
#define ROW_GAP 16.0
#define MAX_RANK 64

static const char *const LAYERS[] = {"source", "bronze", "silver", "gold"};
static const char *const FILLS[] = {"#E8F1F8", "#F3E3D3", "#ECEDEF", "#F8EFCF", "#EEEEEE"};
static const char *const STROKES[] = {"#0072B2", "#A0522D", "#7D7F83", "#B8860B", "#777777"};

/* 0..3 for source/bronze/silver/gold, -1 for anything else. */
static int layer_of(const char *name)
{
    if (strchr(name, ':'))
        return 0;
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    for (int i = 1; i < 4; i++)
        if (strlen(LAYERS[i]) == n && !strncmp(name, LAYERS[i], n))
            return i;
    return -1;
}

typedef struct builder {
    sm_lineage_t *g;
    int *rank;   /* per node: column before compaction */
    bool *fixed; /* rank comes from the layer name */
    double *key; /* ordering key inside a column */
} builder_t;

static size_t find_node(const sm_lineage_t *g, const char *name)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return i;
    return SIZE_MAX;
}

/* The index of name's node, added when new; SIZE_MAX when full. */
static size_t node(builder_t *b, const char *name)
{
    sm_lineage_t *g = b->g;
    size_t i = find_node(g, name);
    if (i != SIZE_MAX)
        return i;
    if (g->nnodes == SM_LINEAGE_MAX_NODES) {
        g->truncated = true;
        return SIZE_MAX;
    }
    i = g->nnodes++;
    int l = layer_of(name);
    g->nodes[i] = (sm_lineage_node_t){.name = name, .layer = l >= 0 ? LAYERS[l] : "other"};
    b->fixed[i] = l >= 0;
    b->rank[i] = l >= 0 ? l : 1;
    return i;
}

static void edge(builder_t *b, size_t from, size_t to, const sm_prov_run_t *r)
{
    sm_lineage_t *g = b->g;
    if (from == SIZE_MAX || to == SIZE_MAX)
        return;
    for (size_t k = 0; k < g->nedges; k++)
        if (g->edges[k].from == from && g->edges[k].to == to)
            return;
    if (g->nedges == SM_LINEAGE_MAX_EDGES) {
        g->truncated = true;
        return;
    }
    g->edges[g->nedges++] = (sm_lineage_edge_t){from, to, r->model, r->status};
}

/* True when node a goes above node b in their column. */
static bool before(const builder_t *bl, size_t a, size_t b)
{
    if (bl->key[a] != bl->key[b])
        return bl->key[a] < bl->key[b];
    return strcmp(bl->g->nodes[a].name, bl->g->nodes[b].name) < 0;
}

/* Insertion sort (n <= SM_LINEAGE_MAX_NODES; qsort has no context). */
static void sort_column(const builder_t *bl, size_t *order, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && before(bl, v, order[j - 1])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/* Columns from ranks (unused ones dropped), then rows in each column
 * ordered by the mean row of the node's inputs, then positions. */
static void layout(builder_t *b, size_t *order)
{
    sm_lineage_t *g = b->g;
    /* unknown layers: one column right of their rightmost input; bounded
     * passes, so a cycle cannot loop */
    for (size_t pass = 0; pass < g->nnodes; pass++) {
        bool changed = false;
        for (size_t k = 0; k < g->nedges; k++) {
            size_t u = g->edges[k].from, v = g->edges[k].to;
            if (!b->fixed[v] && b->rank[v] <= b->rank[u] && b->rank[u] < MAX_RANK) {
                b->rank[v] = b->rank[u] + 1;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
    bool used[MAX_RANK + 1] = {0};
    for (size_t i = 0; i < g->nnodes; i++)
        used[b->rank[i]] = true;
    int map[MAX_RANK + 1], ncol = 0;
    for (int r = 0; r <= MAX_RANK; r++)
        map[r] = used[r] ? ncol++ : -1;
    g->ncolumns = ncol;
    for (size_t i = 0; i < g->nnodes; i++) {
        g->nodes[i].column = map[b->rank[i]];
        g->nodes[i].row = -1;
    }
    /* column by column, left to right: rows of the inputs are known */
    int maxrows = 0;
    for (int c = 0; c < ncol; c++) {
        size_t n = 0;
        for (size_t i = 0; i < g->nnodes; i++) {
            if (g->nodes[i].column != c)
                continue;
            double sum = 0;
            int cnt = 0;
            for (size_t k = 0; k < g->nedges; k++) {
                const sm_lineage_node_t *u = &g->nodes[g->edges[k].from];
                if (g->edges[k].to == i && u->row >= 0 && u->column < c) {
                    sum += u->row;
                    cnt++;
                }
            }
            b->key[i] = cnt ? sum / cnt : 1e9; /* unfed boxes after fed ones */
            order[n++] = i;
        }
        sort_column(b, order, n);
        for (size_t r = 0; r < n; r++)
            g->nodes[order[r]].row = (int)r;
        if ((int)n > maxrows)
            maxrows = (int)n;
    }
    for (size_t i = 0; i < g->nnodes; i++) {
        sm_lineage_node_t *nd = &g->nodes[i];
        nd->w = SM_LINEAGE_BOX_W;
        nd->h = SM_LINEAGE_BOX_H;
        nd->x = MARGIN + nd->column * (SM_LINEAGE_BOX_W + COL_GAP);
        nd->y = MARGIN + HEADER + nd->row * (SM_LINEAGE_BOX_H + ROW_GAP);
    }
    g->width = ncol ? 2 * MARGIN + ncol * SM_LINEAGE_BOX_W + (ncol - 1) * COL_GAP : 0;
    g->height =
        maxrows ? 2 * MARGIN + HEADER + maxrows * (SM_LINEAGE_BOX_H + ROW_GAP) - ROW_GAP : 0;
}

sm_err_t sm_lineage_build(const sm_prov_run_list_t *runs, sm_arena_t *a, sm_lineage_t *out,
                          sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    out->nodes = sm_arena_calloc(a, SM_LINEAGE_MAX_NODES * sizeof *out->nodes);
    out->edges = sm_arena_calloc(a, SM_LINEAGE_MAX_EDGES * sizeof *out->edges);
    builder_t b = {.g = out,
                   .rank = sm_arena_calloc(a, SM_LINEAGE_MAX_NODES * sizeof(int)),
                   .fixed = sm_arena_calloc(a, SM_LINEAGE_MAX_NODES * sizeof(bool)),
                   .key = sm_arena_calloc(a, SM_LINEAGE_MAX_NODES * sizeof(double))};
    size_t *order = sm_arena_calloc(a, SM_LINEAGE_MAX_NODES * sizeof(size_t));
    const char **seen = runs->n ? sm_arena_calloc(a, runs->n * sizeof(char *)) : NULL;
    if (!out->nodes || !out->edges || !b.rank || !b.fixed || !b.key || !order || (runs->n && !seen))
        return sm_error_nomem(e, "lineage graph");
    size_t nseen = 0;
    for (size_t i = 0; i < runs->n; i++) {
        const sm_prov_run_t *r = &runs->runs[i];
        const char *outname = r->output ? r->output : r->model;
        if (!outname || !*outname)
            continue;
        bool dup = false; /* an older run of an output already drawn */
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = !strcmp(seen[k], outname);
        if (dup)
            continue;
        seen[nseen++] = outname;
        size_t to = node(&b, outname);
        for (size_t k = 0; k < r->ninputs; k++)
            if (r->inputs[k] && *r->inputs[k])
                edge(&b, node(&b, r->inputs[k]), to, r);
    }
    layout(&b, order);
    return SM_OK;
}

static size_t layer_index(const char *layer)
{
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(layer, LAYERS[i]))
            return i;
    return 4;
}

#define OUT(...)                                                                                   \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_buf_printf(b, e, __VA_ARGS__);                                                 \
    } while (0)
#define ESC(s)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = sm_html_str(b, (s), e);                                                           \
    } while (0)

sm_err_t sm_lineage_svg(const sm_lineage_t *g, sm_buf_t *b, sm_error_t *e)
{
    if (!g->nnodes)
        return sm_svg_empty(b, "Lineage", "No runs yet: the lineage appears after `smelt run`.",
                            "lineage", e);
    sm_err_t rc = SM_OK;
    OUT("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" id=\"lineage\" "
        "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
        "aria-label=\"Lineage: %zu tables, %zu links\" font-family=\"sans-serif\" "
        "font-size=\"12\" data-nodes=\"%zu\" data-edges=\"%zu\"><title>Lineage</title>"
        "<defs><marker id=\"lineage-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555555\"/></marker></defs>",
        g->width, g->height, g->width, g->height, g->nnodes, g->nedges, g->nnodes, g->nedges);
    /* column titles: the layer of the column's first box */
    for (int c = 0; c < g->ncolumns && !rc; c++) {
        const char *title = NULL;
        for (size_t i = 0; i < g->nnodes && !title; i++)
            if (g->nodes[i].column == c)
                title = g->nodes[i].layer;
        OUT("<text class=\"col\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
            "font-weight=\"bold\" fill=\"#444444\">%s</text>",
            MARGIN + c * (SM_LINEAGE_BOX_W + COL_GAP) + SM_LINEAGE_BOX_W / 2, MARGIN + 12,
            title ? title : "");
    }
    for (size_t k = 0; k < g->nedges && !rc; k++) {
        const sm_lineage_node_t *u = &g->nodes[g->edges[k].from], *v = &g->nodes[g->edges[k].to];
        double x1 = u->x + u->w, y1 = u->y + u->h / 2, x2 = v->x, y2 = v->y + v->h / 2;
        double dx = (x2 - x1) / 2;
        if (dx < 40)
            dx = 40;
        bool failed = g->edges[k].status && !strcmp(g->edges[k].status, "failed");
        OUT("<path class=\"edge%s\" data-from=\"", failed ? " failed" : "");
        ESC(u->name);
        OUT("\" data-to=\"");
        ESC(v->name);
        OUT("\" d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\" "
            "stroke-width=\"1.5\" marker-end=\"url(#lineage-arrow)\"><title>",
            x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2, failed ? "#D55E00" : "#555555");
        ESC(u->name);
        OUT(" \xE2\x86\x92 ");
        ESC(v->name);
        if (g->edges[k].model) {
            OUT(" (");
            ESC(g->edges[k].model);
            OUT(")");
        }
        OUT("</title></path>");
    }
    for (size_t i = 0; i < g->nnodes && !rc; i++) {
        const sm_lineage_node_t *n = &g->nodes[i];
        size_t li = layer_index(n->layer);
        OUT("<g class=\"node layer-%s\" data-name=\"", n->layer);
        ESC(n->name);
        OUT("\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"5\" "
            "fill=\"%s\" stroke=\"%s\"/>",
            n->x, n->y, n->w, n->h, FILLS[li], STROKES[li]);
        char attrs[128];
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\" fill=\"#222222\"", n->x + 8,
                 n->y + n->h / 2 + 4);
        if (!rc)
            rc = sm_svg_text_fit(b, attrs, n->name, 12, n->w - 16, e);
        OUT("</g>");
    }
    if (g->truncated)
        OUT("<text x=\"%.1f\" y=\"%.1f\" fill=\"#D55E00\">(truncated)</text>", MARGIN,
            g->height - 4);
    OUT("</svg>");
    return rc;
}
