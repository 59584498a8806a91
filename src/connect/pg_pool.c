/* connect/pg_pool — PostgreSQL connections kept across the reads of a run
 * (contracts in pg.h, "a pool of connections"). */
#include <pthread.h>
#include <string.h>

#include "connect/pg.h"
#include "core/mem.h"

/* One key: a conninfo and connect options, its idle connections and how
 * many of its connections exist (idle or out). */
typedef struct pool_key {
    char *conninfo; /* owned; "" for NULL */
    sm_pg_conn_opts_t opts;
    sm_pg_conn_t **idle; /* owned: max_per_key slots */
    size_t nidle, nopen;
    struct pool_key *next;
} pool_key_t;

/* A connection that is out, and the key it was got for (connections carry
 * no back-pointer, so put finds its key here). */
typedef struct out_conn {
    sm_pg_conn_t *c;
    pool_key_t *k;
} out_conn_t;

struct sm_pg_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a connection was given back */
    size_t max_per_key;
    size_t opened;
    pool_key_t *keys;
    out_conn_t *outs; /* owned: the connections out, nout of cap */
    size_t nout, capout;
};

sm_err_t sm_pg_pool_new(size_t max_per_key, sm_pg_pool_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_pg_pool_t *p = sm_calloc(1, sizeof *p);
    if (!p)
        return sm_error_nomem(e, "PostgreSQL connection pool");
    p->max_per_key = max_per_key ? max_per_key : 1;
    if (pthread_mutex_init(&p->mu, NULL)) {
        sm_free(p);
        return sm_error_set(e, SM_ERR_NOMEM, "PostgreSQL connection pool: cannot make a mutex");
    }
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        sm_free(p);
        return sm_error_set(e, SM_ERR_NOMEM,
                            "PostgreSQL connection pool: cannot make a condition variable");
    }
    *out = p;
    return SM_OK;
}

void sm_pg_pool_free(sm_pg_pool_t *p)
{
    if (!p)
        return;
    for (pool_key_t *k = p->keys, *next; k; k = next) {
        next = k->next;
        for (size_t i = 0; i < k->nidle; i++)
            sm_pg_close(k->idle[i]);
        sm_free(k->idle);
        sm_free(k->conninfo);
        sm_free(k);
    }
    sm_free(p->outs);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    sm_free(p);
}

/* Records c as out for k; false when out of memory.  Lock held. */
static bool note_out(sm_pg_pool_t *p, sm_pg_conn_t *c, pool_key_t *k)
{
    if (p->nout == p->capout) {
        size_t cap = p->capout ? p->capout * 2 : 8;
        out_conn_t *o = sm_realloc(p->outs, cap * sizeof *o);
        if (!o)
            return false;
        p->outs = o;
        p->capout = cap;
    }
    p->outs[p->nout++] = (out_conn_t){c, k};
    return true;
}

static bool same_opts(const sm_pg_conn_opts_t *a, const sm_pg_conn_opts_t *b)
{
    return a->connect_timeout_s == b->connect_timeout_s &&
           a->types.timestamp_ntz == b->types.timestamp_ntz &&
           a->types.numeric_precision == b->types.numeric_precision &&
           a->types.numeric_scale == b->types.numeric_scale;
}

/* The key of (conninfo, opts), made when new; NULL when out of memory.
 * Called with the lock held. */
static pool_key_t *find_key(sm_pg_pool_t *p, const char *conninfo, const sm_pg_conn_opts_t *opts)
{
    for (pool_key_t *k = p->keys; k; k = k->next)
        if (strcmp(k->conninfo, conninfo) == 0 && same_opts(&k->opts, opts))
            return k;
    pool_key_t *k = sm_calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->conninfo = sm_strdup(conninfo);
    k->idle = sm_calloc(p->max_per_key, sizeof *k->idle);
    if (!k->conninfo || !k->idle) {
        sm_free(k->conninfo);
        sm_free(k->idle);
        sm_free(k);
        return NULL;
    }
    k->opts = *opts;
    k->next = p->keys;
    p->keys = k;
    return k;
}

sm_err_t sm_pg_pool_get(sm_pg_pool_t *p, const char *conninfo, const sm_pg_conn_opts_t *opts,
                        sm_pg_conn_t **out, bool *reused, sm_error_t *e)
{
    *out = NULL;
    if (reused)
        *reused = false;
    sm_pg_conn_opts_t o = opts ? *opts : (sm_pg_conn_opts_t){.types = SM_PG_TYPES_DEFAULT};
    const char *ci = conninfo ? conninfo : "";
    pthread_mutex_lock(&p->mu);
    pool_key_t *k = find_key(p, ci, &o);
    if (!k) {
        pthread_mutex_unlock(&p->mu);
        return sm_error_nomem(e, "PostgreSQL connection pool");
    }
    while (k->nidle || k->nopen >= p->max_per_key) {
        if (!k->nidle) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        sm_pg_conn_t *c = k->idle[k->nidle - 1];
        if (!note_out(p, c, k)) {
            pthread_mutex_unlock(&p->mu);
            return sm_error_nomem(e, "PostgreSQL connection pool");
        }
        k->nidle--;
        pthread_mutex_unlock(&p->mu);
        /* the server may have dropped it while it sat idle: no round trip
         * spent to find out (see sm_pg_reusable) */
        if (sm_pg_reusable(c)) {
            *out = c;
            if (reused)
                *reused = true;
            return SM_OK;
        }
        sm_pg_pool_put(p, c, true);
        pthread_mutex_lock(&p->mu);
    }
    k->nopen++; /* the slot is ours while we connect (outside the lock) */
    pthread_mutex_unlock(&p->mu);
    sm_pg_conn_t *c = NULL;
    sm_err_t rc = sm_pg_connect(conninfo, &o, &c, e);
    pthread_mutex_lock(&p->mu);
    if (!rc && !note_out(p, c, k))
        rc = sm_error_nomem(e, "PostgreSQL connection pool");
    if (rc) {
        k->nopen--;
        pthread_cond_broadcast(&p->cv);
    } else {
        p->opened++;
    }
    pthread_mutex_unlock(&p->mu);
    if (rc)
        sm_pg_close(c);
    else
        *out = c;
    return rc;
}

void sm_pg_pool_put(sm_pg_pool_t *p, sm_pg_conn_t *c, bool broken)
{
    if (!c)
        return;
    /* the health check talks to the server: outside the lock, on the
     * caller's thread, which still owns c */
    bool keep = !broken && sm_pg_reusable(c);
    pthread_mutex_lock(&p->mu);
    pool_key_t *k = NULL;
    for (size_t i = 0; i < p->nout; i++)
        if (p->outs[i].c == c) {
            k = p->outs[i].k;
            p->outs[i] = p->outs[--p->nout];
            break;
        }
    if (k && keep && k->nidle < p->max_per_key) {
        k->idle[k->nidle++] = c;
        c = NULL;
    } else if (k) {
        k->nopen--;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    sm_pg_close(c); /* lost, busy, or not one of ours */
}

size_t sm_pg_pool_opened(sm_pg_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->opened;
    pthread_mutex_unlock(&p->mu);
    return n;
}
