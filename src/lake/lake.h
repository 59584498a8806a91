/*
 * lake — the catalog: where a lake's layers and tables live, and how a
 * table name becomes a store and a key prefix.
 *
 *   layer.table          <lake>/<layer>/<table>     (silver.master_ventes)
 *   table                <lake>/default/<table>
 *   delta.`LOCATION`     the Delta table at LOCATION (a directory or an
 *                        s3:// URI), as in Spark
 * Layers are the folders of the lake root (bronze, silver, gold, _smelt,
 * and any other); a table is a folder holding a `_delta_log/`.  A layer may
 * be mapped elsewhere (three buckets, as in the reference system) with
 * sm_lake_map_layer.
 *
 * Ownership: a lake owns its stores; a resolved sm_lake_table_t borrows
 * its store from the lake (or owns one opened for a delta.`...` location)
 * and is released with sm_lake_table_free.  Threads: resolution and
 * listing may run from several threads; mapping layers may not.
 */
#ifndef SM_LAKE_LAKE_H
#define SM_LAKE_LAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "store/store.h"

typedef struct sm_lake sm_lake_t;

typedef struct sm_lake_table {
    sm_store_t *store; /* where the table lives */
    char *prefix;      /* the table's key prefix in the store ("" = its root) */
    char *name;        /* "layer.table", or the location for delta.`...` */
    char *location;    /* "<store location>/<prefix>", for messages */
    bool owns_store;
} sm_lake_table_t;

/* Opens the lake at `location` (directory or s3:// URI); opts may be NULL
 * (S3 settings from the environment). */
sm_err_t sm_lake_open(const char *location, const sm_store_opts_t *opts, sm_lake_t **out,
                      sm_error_t *e);
void sm_lake_close(sm_lake_t *lake);
const char *sm_lake_location(const sm_lake_t *lake);

/* Puts a layer somewhere else (e.g. "bronze" → "s3://bronze"). */
sm_err_t sm_lake_map_layer(sm_lake_t *lake, const char *layer, const char *location, sm_error_t *e);

/* Resolves a table name (see above).  Names are case-sensitive like
 * folders; a name that is not a valid identifier path is SM_ERR_INVALID.
 * The table need not exist (writers create it). */
sm_err_t sm_lake_resolve(sm_lake_t *lake, const char *name, sm_lake_table_t *out, sm_error_t *e);
void sm_lake_table_free(sm_lake_table_t *t);

/* The existing tables of the lake, as "layer.table" names sorted; *names
 * is an array of n strings the caller frees with sm_lake_names_free. */
sm_err_t sm_lake_list_tables(sm_lake_t *lake, char ***names, size_t *n, sm_error_t *e);
void sm_lake_names_free(char **names, size_t n);

#endif
