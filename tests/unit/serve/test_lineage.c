/* Unit tests for serve/lineage: the graph from runs (newest run per
 * output, every input -> output edge once), the layered layout (medallion
 * columns left to right, no two boxes overlapping), unknown layers and
 * cycles, the node limit, and the SVG (well-formed, escaped, one path per
 * edge). */
#include "check.h"
#include "core/arena.h"
#include "core/mem.h"
#include "serve/lineage.h"
#include "xmlcheck.h"

#define HOSTILE "gold.<b>&\"x'"

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static const sm_lineage_node_t *find(const sm_lineage_t *g, const char *name)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return &g->nodes[i];
    return NULL;
}

static bool has_edge(const sm_lineage_t *g, const char *from, const char *to)
{
    for (size_t k = 0; k < g->nedges; k++)
        if (!strcmp(g->nodes[g->edges[k].from].name, from) &&
            !strcmp(g->nodes[g->edges[k].to].name, to))
            return true;
    return false;
}

/* No two boxes intersect, and every box lies inside the drawing. */
static bool no_overlap(const sm_lineage_t *g)
{
    for (size_t i = 0; i < g->nnodes; i++) {
        const sm_lineage_node_t *a = &g->nodes[i];
        if (a->x < 0 || a->y < 0 || a->x + a->w > g->width || a->y + a->h > g->height)
            return false;
        for (size_t j = i + 1; j < g->nnodes; j++) {
            const sm_lineage_node_t *b = &g->nodes[j];
            if (a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
                b->y < a->y + a->h)
                return false;
        }
    }
    return true;
}

static char *svg_of(const sm_lineage_t *g)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_lineage_svg(g, &b, &e), &e);
    const char *why = xml_check((const char *)b.data, b.len);
    if (why)
        fprintf(stderr, "not well-formed (%s):\n%s\n", why, (char *)b.data);
    CHECK(why == NULL);
    return (char *)sm_buf_detach(&b, NULL);
}

static void test_medallion(void)
{
    static const char *src[] = {"postgres:northwind.orders"};
    static const char *bronze[] = {"bronze.orders", "bronze.customers", "bronze.products"};
    static const char *silver[] = {"silver.master"};
    static const char *old[] = {"bronze.products"};
    static const char *mart[] = {"gold.rfm", HOSTILE};
    sm_prov_run_t runs[] = {
        /* newest first */
        {.model = "mart.summary", .status = "ok", .inputs = mart, .ninputs = 2},
        {.model = "gold.rfm", .status = "ok", .inputs = silver, .ninputs = 1},
        {.model = HOSTILE, .status = "failed", .inputs = silver, .ninputs = 1},
        {.model = "silver.master", .status = "ok", .inputs = bronze, .ninputs = 3},
        {.model = "bronze.orders", .status = "ok", .inputs = src, .ninputs = 1},
        {.model = "gold.rfm", .status = "ok", .inputs = old, .ninputs = 1}, /* older: ignored */
    };
    sm_prov_run_list_t l = {runs, sizeof runs / sizeof runs[0]};
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_lineage_t g;
    sm_error_t e;
    CHECK_OK(sm_lineage_build(&l, &a, &g, &e), &e);
    CHECK_EQ_INT(g.nnodes, 8);
    CHECK_EQ_INT(g.nedges, 8);
    CHECK(has_edge(&g, "postgres:northwind.orders", "bronze.orders"));
    CHECK(has_edge(&g, "bronze.orders", "silver.master"));
    CHECK(has_edge(&g, "bronze.customers", "silver.master"));
    CHECK(has_edge(&g, "bronze.products", "silver.master"));
    CHECK(has_edge(&g, "silver.master", "gold.rfm"));
    CHECK(has_edge(&g, "silver.master", HOSTILE));
    CHECK(has_edge(&g, "gold.rfm", "mart.summary"));
    CHECK(has_edge(&g, HOSTILE, "mart.summary"));
    CHECK(!has_edge(&g, "bronze.products", "gold.rfm")); /* the older run */
    CHECK_EQ_INT(g.ncolumns, 5);
    CHECK_EQ_INT(find(&g, "postgres:northwind.orders")->column, 0);
    CHECK_EQ_INT(find(&g, "bronze.customers")->column, 1);
    CHECK_EQ_INT(find(&g, "silver.master")->column, 2);
    CHECK_EQ_INT(find(&g, "gold.rfm")->column, 3);
    CHECK_EQ_INT(find(&g, "mart.summary")->column, 4);
    CHECK(!strcmp(find(&g, "mart.summary")->layer, "other"));
    CHECK(!strcmp(find(&g, "silver.master")->layer, "silver"));
    CHECK(no_overlap(&g));
    /* every edge goes left to right */
    for (size_t k = 0; k < g.nedges; k++)
        CHECK(g.nodes[g.edges[k].from].x + g.nodes[g.edges[k].from].w < g.nodes[g.edges[k].to].x);
    char *svg = svg_of(&g);
    CHECK_EQ_INT(count(svg, "<path class=\"edge"), 8);
    CHECK_EQ_INT(count(svg, "<g class=\"node"), 8);
    CHECK_EQ_INT(count(svg, "class=\"edge failed\""), 1);
    CHECK(strstr(svg, "<b>") == NULL);
    CHECK(strstr(svg, "gold.&lt;b&gt;&amp;&quot;x&#39;") != NULL);
    CHECK(strstr(svg, ">bronze</text>") != NULL);
    sm_free(svg);
    sm_arena_free(&a);
}

static void test_empty_and_cycle(void)
{
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_lineage_t g;
    sm_error_t e;
    sm_prov_run_list_t none = {0};
    CHECK_OK(sm_lineage_build(&none, &a, &g, &e), &e);
    CHECK_EQ_INT(g.nnodes, 0);
    char *svg = svg_of(&g);
    CHECK(strstr(svg, "No runs yet") != NULL);
    sm_free(svg);

    static const char *ia[] = {"x.b"}, *ib[] = {"x.a"};
    sm_prov_run_t runs[] = {{.model = "x.a", .inputs = ia, .ninputs = 1},
                            {.model = "x.b", .inputs = ib, .ninputs = 1}};
    sm_prov_run_list_t l = {runs, 2};
    CHECK_OK(sm_lineage_build(&l, &a, &g, &e), &e); /* terminates */
    CHECK_EQ_INT(g.nnodes, 2);
    CHECK_EQ_INT(g.nedges, 2);
    CHECK(no_overlap(&g));
    svg = svg_of(&g);
    sm_free(svg);
    sm_arena_free(&a);
}

static void test_many(void)
{
    enum { N = 300 };
    static char names[N][32];
    static const char *inputs[N];
    static sm_prov_run_t runs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "%s.t%03d", i % 3 == 0 ? "bronze" : "silver", i);
        inputs[i] = i ? names[i - 1] : NULL;
        runs[i] = (sm_prov_run_t){.model = names[i], .inputs = &inputs[i], .ninputs = i ? 1 : 0};
    }
    sm_prov_run_list_t l = {runs, N};
    sm_arena_t a;
    sm_arena_init(&a, 0);
    sm_lineage_t g;
    sm_error_t e;
    CHECK_OK(sm_lineage_build(&l, &a, &g, &e), &e);
    CHECK(g.truncated);
    CHECK_EQ_INT(g.nnodes, SM_LINEAGE_MAX_NODES);
    CHECK(no_overlap(&g));
    char *svg = svg_of(&g);
    CHECK(strstr(svg, "(truncated)") != NULL);
    sm_free(svg);
    sm_arena_free(&a);
}

int main(void)
{
    RUN(test_medallion);
    RUN(test_empty_and_cycle);
    RUN(test_many);
    return check_summary();
}
