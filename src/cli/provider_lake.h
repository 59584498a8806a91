/*
 * cli/provider_lake — the web UI's data provider over a real lake: tables
 * and their snapshots, previews through the Delta scan, the dashboard from
 * the gold tables of the Northwind project, the live table from the
 * stream's Delta sink, read-only SQL for the console, and _smelt.runs.
 *
 * Ownership: the provider borrows the lake, which must outlive it.
 * Threads: the server calls it one call at a time (serve/provider.h).
 */
#ifndef SM_CLI_PROVIDER_LAKE_H
#define SM_CLI_PROVIDER_LAKE_H

#include "lake/lake.h"
#include "serve/provider.h"

typedef struct sm_lake_provider {
    sm_lake_t *lake;
    /* The dashboard is computed at most once a second and copied out of
     * this cache otherwise (the server serialises provider calls).  Zero
     * these fields before use; sm_lake_provider_free releases them. */
    sm_arena_t cache;
    sm_prov_dashboard_t dash;
    int64_t dash_ms; /* when dash was computed; 0 = never */
} sm_lake_provider_t;

/* Releases the provider's cache (the lake is the caller's). */
void sm_lake_provider_free(sm_lake_provider_t *lp);

/* A provider whose context is lp (which must outlive it). */
sm_provider_t sm_lake_provider(sm_lake_provider_t *lp);

#endif
