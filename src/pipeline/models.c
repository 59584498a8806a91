#include "pipeline/models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "delta/snapshot.h"
#include "sql/parser.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_bronze(const sm_project_t *p, const char *name)
{
    if (strncmp(name, "bronze.", 7) != 0)
        return false;
    for (size_t i = 0; i < p->nbronze; i++)
        if (strcmp(p->bronze[i].name, name + 7) == 0)
            return true;
    return false;
}

static bool table_exists(sm_lake_t *lake, const char *name)
{
    if (!lake)
        return false;
    sm_lake_table_t t;
    if (sm_lake_resolve(lake, name, &t, NULL))
        return false;
    sm_delta_snapshot_t *s = NULL;
    bool ok = sm_delta_snapshot_load(t.store, t.prefix, NULL, &s, NULL) == SM_OK;
    sm_delta_snapshot_free(s);
    sm_lake_table_free(&t);
    return ok;
}

/* The tables a model's query reads, as lower-case "layer.table". */
static sm_err_t model_inputs(const sm_project_t *p, sm_lake_t *lake, const sm_model_t *m,
                             sm_model_node_t *node, sm_error_t *e)
{
    sm_sql_ast_t *ast = NULL;
    sm_err_t rc = sm_sql_parse_script((sm_str_t){m->sql, strlen(m->sql)}, NULL, &ast, e);
    if (rc) {
        sm_error_wrap(e, "%s", m->path);
        return rc;
    }
    if (ast->nstmts != 1) {
        sm_sql_ast_free(ast);
        return sm_error_set(e, SM_ERR_INVALID, "%s: a model is one query, found %zu statements",
                            m->path, ast->nstmts);
    }
    sm_sql_name_t *names;
    size_t n;
    if ((rc = sm_sql_list_tables(ast, ast->stmts[0], &names, &n, e))) {
        sm_sql_ast_free(ast);
        return rc;
    }
    node->inputs = sm_calloc(n + 1, sizeof *node->inputs);
    if (!node->inputs) {
        sm_sql_ast_free(ast);
        return sm_error_nomem(e, "model inputs");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const sm_sql_name_t *nm = &names[i];
        if (nm->nparts == 2 && strcmp(nm->parts[0].name, "delta") == 0)
            continue; /* delta.`path`: outside the project */
        if (nm->nparts != 2) {
            rc = sm_error_set(e, SM_ERR_INVALID,
                              "%s: line %u, column %u: a model reads lake tables as layer.table",
                              m->path, nm->parts[0].pos.line, nm->parts[0].pos.col);
            break;
        }
        char full[600];
        snprintf(full, sizeof full, "%s.%s", nm->parts[0].name, nm->parts[1].name);
        for (char *c = full; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        bool dup = false;
        for (size_t k = 0; k < node->ninputs; k++)
            dup |= strcmp(node->inputs[k], full) == 0;
        if (dup)
            continue;
        if (!sm_project_model(p, full) && !is_bronze(p, full) && !table_exists(lake, full)) {
            rc = sm_error_set(e, SM_ERR_NOT_FOUND,
                              "%s: line %u, column %u: table %s is not a model, not a bronze table "
                              "of the project, and not in the lake",
                              m->path, nm->parts[0].pos.line, nm->parts[0].pos.col, full);
            break;
        }
        if (!(node->inputs[node->ninputs++] = sm_strdup(full)))
            rc = sm_error_nomem(e, "model inputs");
    }
    sm_sql_ast_free(ast);
    if (!rc && node->ninputs)
        qsort(node->inputs, node->ninputs, sizeof *node->inputs, cmp_str);
    return rc;
}

static void free_node(sm_model_node_t *n)
{
    for (size_t i = 0; i < n->ninputs; i++)
        sm_free(n->inputs[i]);
    sm_free(n->inputs);
}

sm_err_t sm_models_plan(const sm_project_t *p, sm_lake_t *lake, sm_model_plan_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    size_t n = p->nmodels;
    sm_model_node_t *nodes = sm_calloc(n + 1, sizeof *nodes);
    int *state = sm_calloc(n + 1, sizeof *state); /* 0 todo, 1 placed */
    out->order = sm_calloc(n + 1, sizeof *out->order);
    sm_err_t rc = (!nodes || !state || !out->order) ? sm_error_nomem(e, "model plan") : SM_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        nodes[i].model = &p->models[i];
        if (p->models[i].streaming)
            state[i] = 2; /* run by the stream runner, not here */
        else
            rc = model_inputs(p, lake, &p->models[i], &nodes[i], e);
    }
    size_t batch_models = 0;
    for (size_t i = 0; i < n; i++)
        batch_models += state[i] == 0;
    /* Kahn's algorithm over model → model edges, in name order for a stable
     * plan */
    while (!rc && out->n < batch_models) {
        bool progress = false;
        for (size_t i = 0; i < n; i++) {
            if (state[i])
                continue;
            bool ready = true;
            for (size_t k = 0; ready && k < nodes[i].ninputs; k++)
                for (size_t j = 0; j < n; j++)
                    if (!state[j] && j != i && strcmp(p->models[j].name, nodes[i].inputs[k]) == 0)
                        ready = false;
            bool self = false;
            for (size_t k = 0; k < nodes[i].ninputs; k++)
                self |= strcmp(nodes[i].inputs[k], p->models[i].name) == 0;
            if (self) {
                rc = sm_error_set(e, SM_ERR_INVALID, "%s reads its own table %s", p->models[i].path,
                                  p->models[i].name);
                break;
            }
            if (ready) {
                state[i] = 1;
                out->order[out->n++] = nodes[i];
                memset(&nodes[i], 0, sizeof nodes[i]);
                progress = true;
            }
        }
        if (!rc && !progress) {
            char files[2048] = "";
            size_t used = 0;
            for (size_t i = 0; i < n && used < sizeof files; i++)
                if (!state[i])
                    used += (size_t)snprintf(files + used, sizeof files - used, "%s%s",
                                             used ? ", " : "", p->models[i].path);
            rc = sm_error_set(e, SM_ERR_INVALID, "the models form a cycle: %s", files);
        }
    }
    for (size_t i = 0; nodes && i < n; i++)
        free_node(&nodes[i]);
    sm_free(nodes);
    sm_free(state);
    if (rc)
        sm_models_plan_free(out);
    return rc;
}

void sm_models_plan_free(sm_model_plan_t *plan)
{
    for (size_t i = 0; plan->order && i < plan->n; i++)
        free_node(&plan->order[i]);
    sm_free(plan->order);
    memset(plan, 0, sizeof *plan);
}

static int index_of(const sm_model_plan_t *plan, const char *name)
{
    for (size_t i = 0; i < plan->n; i++)
        if (strcmp(plan->order[i].model->name, name) == 0)
            return (int)i;
    return -1;
}

/* Is `from` upstream of `to` (reachable through inputs)? */
static bool upstream(const sm_model_plan_t *plan, int from, int to, int depth)
{
    if (from == to)
        return true;
    if (depth > (int)plan->n)
        return false;
    const sm_model_node_t *t = &plan->order[to];
    for (size_t k = 0; k < t->ninputs; k++) {
        int j = index_of(plan, t->inputs[k]);
        if (j >= 0 && upstream(plan, from, j, depth + 1))
            return true;
    }
    return false;
}

bool sm_models_selected(const sm_model_plan_t *plan, const char *name, char *const *sel,
                        size_t nsel)
{
    if (!sel || nsel == 0)
        return true;
    int me = index_of(plan, name);
    for (size_t i = 0; i < nsel; i++) {
        const char *s = sel[i];
        size_t len = strlen(s);
        bool up = s[0] == '+', down = len > 1 && s[len - 1] == '+';
        char base[600];
        snprintf(base, sizeof base, "%.*s", (int)(len - up - down), s + up);
        if (strcmp(base, name) == 0)
            return true;
        int b = index_of(plan, base);
        if (b < 0 || me < 0)
            continue;
        if (up && upstream(plan, me, b, 0))
            return true;
        if (down && upstream(plan, b, me, 0))
            return true;
    }
    return false;
}
