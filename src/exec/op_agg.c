/* exec/op_agg — hash aggregate: partition-parallel, hybrid spilling
 * (operator.h).
 *
 * Rows are split by key hash into P partitions (P = 4 x pool threads, rounded
 * to a power of two); each partition has its own table, updated by one
 * worker at a time, so no merge step is needed.  Without keys there is one
 * table, and its aggregates are updated side by side (one worker each).
 * A table whose reservation fails stops inserting new groups: rows of
 * groups it already has still update it, rows of new groups go to one of
 * 16 spill files by other hash bits.  Each spill file is aggregated later
 * by a fresh table, which may spill again (deeper hash bits), up to
 * MAX_DEPTH levels; past that the table ignores the budget.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/hashtable.h"
#include "core/mem.h"
#include "exec/agg.h"
#include "exec/op_int.h"
#include "exec/spill.h"

#define NBUCKET 16
#define MAX_DEPTH 6
#define CHUNK_BATCHES 8
#define RESERVE_STEP ((size_t)256 << 10)
#define PREFETCH 16 /* rows ahead whose hash slot is loaded early */

typedef struct agg_op agg_op_t;

typedef struct prep {
    sm_batch_t *b;
    uint64_t *hash;
    sm_buf_t keys;
    uint32_t *offs;
    uint32_t *psel;    /* rows grouped by partition (when there are several) */
    size_t pstart[65]; /* partition p: psel[pstart[p] .. pstart[p + 1]) */
} prep_t;

typedef struct table {
    agg_op_t *g;
    int depth;
    sm_ht64_t *ht64;
    sm_ht_t *ht;
    int64_t null_gid;
    size_t ngroups;
    sm_batch_t *keys; /* one row per group */
    sm_acc_t *acc;
    size_t reserved, key_bytes;
    bool spilling;
    sm_spill_t *files[NBUCKET];
    sm_batch_t *pend[NBUCKET];
    uint32_t *rows, *gids, *srows[NBUCKET];
    size_t nsrows[NBUCKET];
    size_t scap;
    /* g->str1 keys carrying dictionary codes: dmap[code] is the group of
     * entry `code` of dictionary dmap_id (UINT32_MAX: not looked up yet) */
    uint32_t *dmap;
    size_t dmap_cap;
    uint64_t dmap_id;
} table_t;

typedef struct work {
    sm_spill_t *f;
    int depth;
} work_t;

struct agg_op {
    sm_op_t *op;
    uint32_t *keys;
    size_t nkeys;
    sm_agg_spec_t *aggs;
    size_t naggs;
    sm_type_t *in_schema, *key_schema;
    bool fast64, global;
    bool str1; /* one STRING/BINARY key: its raw bytes are the table key */
    unsigned nparts, part_shift;
    /* run time */
    table_t **parts;
    size_t emit_part, emit_group;
    table_t *cur; /* table being emitted from the spill work list */
    work_t *work;
    size_t nwork, capwork;
    bool consumed;
};

/* ---- tables ---------------------------------------------------------------------- */

static void table_free(table_t *t)
{
    if (!t)
        return;
    sm_ht64_free(t->ht64);
    sm_ht_free(t->ht);
    sm_batch_free(t->keys);
    for (size_t i = 0; t->acc && i < t->g->naggs; i++)
        sm_acc_free(&t->acc[i]);
    sm_free(t->acc);
    for (int i = 0; i < NBUCKET; i++) {
        sm_spill_close(t->files[i]);
        sm_batch_free(t->pend[i]);
        sm_free(t->srows[i]);
    }
    sm_free(t->rows);
    sm_free(t->gids);
    sm_free(t->dmap);
    if (t->reserved)
        sm_op_mem_release(t->g->op, t->reserved);
    sm_free(t);
}

static sm_err_t table_new(agg_op_t *g, int depth, table_t **out, sm_error_t *e)
{
    *out = NULL;
    table_t *t = sm_calloc(1, sizeof *t);
    if (!t)
        return sm_error_nomem(e, "aggregate table");
    t->g = g;
    t->depth = depth;
    t->null_gid = -1;
    sm_err_t rc = sm_batch_new(g->key_schema, 16, &t->keys, e);
    if (!rc && !(t->acc = sm_calloc(g->naggs ? g->naggs : 1, sizeof *t->acc)))
        rc = sm_error_nomem(e, "aggregate states");
    for (size_t i = 0; !rc && i < g->naggs; i++) {
        const sm_agg_spec_t *s = &g->aggs[i];
        rc = sm_acc_init(&t->acc[i], s, s->arg >= 0 ? g->in_schema->fields[s->arg].type : NULL,
                         g->op->ctx && g->op->ctx->ansi, e);
    }
    if (!rc && g->fast64)
        rc = sm_ht64_new(&t->ht64, 0, 0, e);
    else if (!rc && !g->global) {
        sm_ht_opts_t o = {0};
        rc = sm_ht_new(&t->ht, &o, e);
    }
    if (rc) {
        table_free(t);
        return rc;
    }
    *out = t;
    return SM_OK;
}

static size_t table_bytes(const table_t *t)
{
    size_t per = 24 + 8; /* hash slot + key row */
    size_t s = t->key_bytes + sm_batch_bytes(t->keys) + t->dmap_cap * sizeof *t->dmap;
    for (size_t i = 0; i < t->g->naggs; i++)
        s += t->acc[i].var_bytes, per += sm_acc_group_bytes(&t->acc[i]);
    return s + per * t->ngroups;
}

static sm_err_t scratch(table_t *t, size_t n, sm_error_t *e)
{
    if (n <= t->scap)
        return SM_OK;
    size_t cap = n < SM_BATCH_ROWS ? SM_BATCH_ROWS : n;
    uint32_t *a = sm_realloc(t->rows, cap * 4), *b = a ? sm_realloc(t->gids, cap * 4) : NULL;
    if (a)
        t->rows = a;
    if (b)
        t->gids = b;
    if (!a || !b)
        return sm_error_nomem(e, "aggregate scratch");
    for (int k = 0; k < NBUCKET; k++) {
        uint32_t *p = sm_realloc(t->srows[k], cap * 4);
        if (!p)
            return sm_error_nomem(e, "aggregate scratch");
        t->srows[k] = p;
    }
    t->scap = cap;
    return SM_OK;
}

static sm_err_t new_group(table_t *t, const sm_batch_t *b, size_t r, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t k = 0; !rc && k < t->g->nkeys; k++)
        rc = sm_vector_append_from(t->keys->cols[k], b->cols[t->g->keys[k]], r, e);
    if (!rc)
        t->keys->nrows++;
    for (size_t i = 0; !rc && i < t->g->naggs; i++)
        rc = sm_acc_grow(&t->acc[i], t->ngroups + 1, e);
    if (!rc)
        t->ngroups++;
    return rc;
}

static unsigned bucket_of(uint64_t h, int depth)
{
    return (unsigned)(h >> (40 - 4 * depth)) & (NBUCKET - 1);
}

/* Sends the rows listed in srows to the spill files. */
static sm_err_t spill_rows(table_t *t, const sm_batch_t *b, sm_error_t *e)
{
    agg_op_t *g = t->g;
    sm_err_t rc = SM_OK;
    for (int k = 0; !rc && k < NBUCKET; k++) {
        size_t n = t->nsrows[k];
        if (!n)
            continue;
        if (!t->pend[k] && (rc = sm_batch_new(g->in_schema, SM_BATCH_ROWS, &t->pend[k], e)))
            break;
        sm_batch_t *p = t->pend[k];
        for (size_t c = 0; !rc && c < p->ncols; c++)
            rc = sm_gather_vec(p->cols[c], b->cols[c], t->srows[k], n, e);
        if (!rc)
            p->nrows += n;
        if (!rc && p->nrows >= SM_BATCH_ROWS) {
            if (!t->files[k] && (rc = sm_spill_new(sm_exec_tmpdir(g->op->ctx), &t->files[k], e)))
                break;
            uint64_t before = sm_spill_bytes(t->files[k]);
            rc = sm_spill_write(t->files[k], p, e);
            __atomic_add_fetch(&g->op->stats.spill_bytes, sm_spill_bytes(t->files[k]) - before,
                               __ATOMIC_RELAXED);
            sm_batch_reset(p);
        }
    }
    return rc;
}

static sm_err_t flush_spills(table_t *t, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (int k = 0; !rc && k < NBUCKET; k++) {
        if (!t->pend[k] || !t->pend[k]->nrows)
            continue;
        if (!t->files[k] && (rc = sm_spill_new(sm_exec_tmpdir(t->g->op->ctx), &t->files[k], e)))
            break;
        uint64_t before = sm_spill_bytes(t->files[k]);
        rc = sm_spill_write(t->files[k], t->pend[k], e);
        __atomic_add_fetch(&t->g->op->stats.spill_bytes, sm_spill_bytes(t->files[k]) - before,
                           __ATOMIC_RELAXED);
        sm_batch_reset(t->pend[k]);
    }
    return rc;
}

/* Charges the table's growth to the budget; switches to spilling when the
 * budget refuses. */
static void account(table_t *t)
{
    size_t now = table_bytes(t);
    if (now <= t->reserved)
        return;
    size_t want = now - t->reserved + RESERVE_STEP;
    if (t->g->global || t->depth >= MAX_DEPTH || t->spilling) {
        sm_op_mem_force(t->g->op, want);
    } else if (!sm_op_mem_try(t->g->op, want)) {
        sm_op_mem_force(t->g->op, want);
        t->spilling = true;
    }
    t->reserved += want;
}

/* Row r of a fast64 key column (any integer, date or timestamp), widened. */
static int64_t int_key(const sm_vector_t *v, size_t r)
{
    switch (v->width) {
    case 1:
        return sm_vector_get_i8(v, r);
    case 2:
        return sm_vector_get_i16(v, r);
    case 4:
        return sm_vector_get_i32(v, r);
    default:
        return sm_vector_get_i64(v, r);
    }
}

/* The group of row r, whose key bytes are key[0..kn) with hash h: found in
 * the table, or made.  *gid is set, or — when the table spills and the key
 * is new — the row goes to its spill bucket and *spilled is true. */
static inline sm_err_t group_of(table_t *t, const sm_batch_t *b, uint32_t r, const uint8_t *key,
                                size_t kn, uint64_t h, uint64_t *gid, bool *spilled, sm_error_t *e)
{
    *spilled = false;
    uint64_t *slot = sm_ht_find_hashed(t->ht, key, kn, h);
    if (slot) {
        *gid = *slot;
        return SM_OK;
    }
    if (t->spilling) {
        unsigned bk = bucket_of(h, t->depth);
        t->srows[bk][t->nsrows[bk]++] = r;
        *spilled = true;
        return SM_OK;
    }
    bool fresh;
    sm_err_t rc = sm_ht_insert_hashed(t->ht, key, kn, h, &slot, &fresh, e);
    if (rc)
        return rc;
    *slot = *gid = t->ngroups;
    t->key_bytes += kn;
    return new_group(t, b, r, e);
}

/* The key column of a g->str1 batch when it carries dictionary codes
 * (straight from a dictionary-encoded Parquet chunk), else NULL. */
static const sm_vector_t *dict_key(const agg_op_t *g, const sm_batch_t *b)
{
    const sm_vector_t *kv = b->cols[g->keys[0]];
    if (!g->str1 || !kv->dict || !kv->codes || kv->dict->values->type->kind != kv->type->kind)
        return NULL;
    return kv;
}

/* The group of NULL-keyed row r in *gid (made on first use), or *spilled
 * when a spilling table has no NULL group yet: the row then goes to its
 * spill list. */
static sm_err_t null_group(table_t *t, const prep_t *pp, uint32_t r, uint32_t *gid, bool *spilled,
                           sm_error_t *e)
{
    *spilled = false;
    if (t->null_gid < 0) {
        if (t->spilling) {
            unsigned bk = bucket_of(pp->hash[r], t->depth);
            t->srows[bk][t->nsrows[bk]++] = r;
            *spilled = true;
            return SM_OK;
        }
        sm_err_t rc = new_group(t, pp->b, r, e);
        if (rc)
            return rc;
        t->null_gid = (int64_t)t->ngroups - 1;
    }
    *gid = (uint32_t)t->null_gid;
    return SM_OK;
}

/* feed_str1 for a key column with dictionary codes: each dictionary entry
 * is looked up in the table once (its group cached in t->dmap, by code),
 * then every row of that code takes the cached group. */
static sm_err_t feed_dict(table_t *t, const prep_t *pp, const sm_vector_t *kv, const uint32_t *sel,
                          size_t n, size_t *m, sm_error_t *e)
{
    const sm_batch_t *b = pp->b;
    const sm_vector_t *dv = kv->dict->values;
    sm_err_t rc;
    if (t->dmap_id != kv->dict->id || t->dmap_cap < dv->len) {
        if (t->dmap_cap < dv->len) {
            uint32_t *p = sm_realloc(t->dmap, dv->len * sizeof *p);
            if (!p)
                return sm_error_nomem(e, "aggregate dictionary groups");
            t->dmap = p;
            t->dmap_cap = dv->len;
        }
        memset(t->dmap, 0xff, dv->len * sizeof *t->dmap);
        t->dmap_id = kv->dict->id;
    }
    const uint32_t *codes = kv->codes + kv->offset;
    uint32_t *dmap = t->dmap;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t r = sel ? sel[j] : (uint32_t)j;
        if (kv->null_count && sm_vector_is_null(kv, r)) {
            uint32_t ngid;
            bool spilled;
            if ((rc = null_group(t, pp, r, &ngid, &spilled, e)))
                return rc;
            if (!spilled) {
                t->rows[k] = r;
                t->gids[k++] = ngid;
            }
            continue;
        }
        uint32_t c = codes[r], gid = dmap[c];
        if (gid == UINT32_MAX) {
            size_t kn;
            const uint8_t *key = sm_vector_get_bytes(dv, c, &kn);
            uint64_t g64;
            bool spilled;
            if ((rc = group_of(t, b, r, kn ? key : (const uint8_t *)"", kn, pp->hash[r], &g64,
                               &spilled, e)))
                return rc;
            if (spilled)
                continue;
            gid = dmap[c] = (uint32_t)g64;
        }
        t->rows[k] = r;
        t->gids[k++] = gid;
    }
    *m = k;
    return SM_OK;
}

/* The group of each row sel[0..n) of a batch with one STRING/BINARY key
 * (g->str1): the table is keyed by the value's raw bytes (equal bytes,
 * equal key; NULL has its own group, null_gid).  Rows with a group go to
 * t->rows/t->gids (*m of them), rows of new groups of a spilling table to
 * the spill lists. */
static sm_err_t feed_str1(table_t *t, const prep_t *pp, const uint32_t *sel, size_t n, size_t *m,
                          sm_error_t *e)
{
    const sm_batch_t *b = pp->b;
    const sm_vector_t *kv = b->cols[t->g->keys[0]];
    const uint8_t *pkey = NULL;
    size_t pkn = 0, k = 0;
    uint32_t pgid = 0;
    sm_err_t rc;
    for (size_t j = 0; j < n; j++) {
        uint32_t r = sel ? sel[j] : (uint32_t)j;
        uint64_t gid;
        if (j + PREFETCH < n)
            sm_ht_prefetch(t->ht, pp->hash[sel ? sel[j + PREFETCH] : j + PREFETCH]);
        if (j + PREFETCH / 2 < n)
            sm_ht_prefetch_key(t->ht, pp->hash[sel ? sel[j + PREFETCH / 2] : j + PREFETCH / 2]);
        if (kv->null_count && sm_vector_is_null(kv, r)) {
            uint32_t ngid;
            bool spilled;
            if ((rc = null_group(t, pp, r, &ngid, &spilled, e)))
                return rc;
            if (!spilled) {
                t->rows[k] = r;
                t->gids[k++] = ngid;
            }
            continue;
        }
        size_t kn;
        const uint8_t *key = sm_vector_get_bytes(kv, r, &kn);
        if (!kn)
            key = (const uint8_t *)"";
        if (pkey && kn == pkn && memcmp(key, pkey, kn) == 0) {
            t->rows[k] = r;
            t->gids[k++] = pgid;
            continue;
        }
        pkey = NULL;
        bool spilled;
        if ((rc = group_of(t, b, r, key, kn, pp->hash[r], &gid, &spilled, e)))
            return rc;
        if (spilled)
            continue;
        pkey = key;
        pkn = kn;
        pgid = (uint32_t)gid;
        t->rows[k] = r;
        t->gids[k++] = (uint32_t)gid;
    }
    *m = k;
    return SM_OK;
}

/* Feeds the rows sel[0..n) of a prepared batch into table t. */
static sm_err_t table_feed(table_t *t, const prep_t *pp, const uint32_t *sel, size_t n,
                           sm_error_t *e)
{
    agg_op_t *g = t->g;
    const sm_batch_t *b = pp->b;
    sm_err_t rc = scratch(t, n, e);
    if (rc)
        return rc;
    size_t m = 0;
    memset(t->nsrows, 0, sizeof t->nsrows);
    if (g->global) {
        for (size_t j = 0; j < n; j++) {
            t->rows[j] = sel ? sel[j] : (uint32_t)j;
            t->gids[j] = 0;
        }
        m = n;
    } else if (g->fast64) {
        const sm_vector_t *kv = b->cols[g->keys[0]];
        for (size_t j = 0; j < n; j++) {
            uint32_t r = sel ? sel[j] : (uint32_t)j;
            int64_t gid;
            if (sm_vector_is_null(kv, r)) {
                uint32_t ngid;
                bool spilled;
                if ((rc = null_group(t, pp, r, &ngid, &spilled, e)))
                    return rc;
                if (spilled)
                    continue;
                gid = ngid;
            } else {
                int64_t key = int_key(kv, r);
                uint64_t *slot = sm_ht64_find(t->ht64, key);
                if (slot) {
                    gid = (int64_t)*slot;
                } else if (t->spilling) {
                    unsigned k = bucket_of(pp->hash[r], t->depth);
                    t->srows[k][t->nsrows[k]++] = r;
                    continue;
                } else {
                    bool fresh;
                    if ((rc = sm_ht64_insert(t->ht64, key, &slot, &fresh, e)))
                        return rc;
                    *slot = t->ngroups;
                    gid = (int64_t)t->ngroups;
                    if ((rc = new_group(t, b, r, e)))
                        return rc;
                }
            }
            t->rows[m] = r;
            t->gids[m++] = (uint32_t)gid;
        }
    } else if (g->str1) {
        const sm_vector_t *dk = dict_key(g, b);
        rc = dk ? feed_dict(t, pp, dk, sel, n, &m, e) : feed_str1(t, pp, sel, n, &m, e);
        if (rc)
            return rc;
    } else {
        /* The row before, when it found its group: a row with the same key
         * bytes belongs to that group without a lookup. */
        const uint8_t *pkey = NULL;
        size_t pkn = 0;
        uint32_t pgid = 0;
        for (size_t j = 0; j < n; j++) {
            uint32_t r = sel ? sel[j] : (uint32_t)j;
            const uint8_t *key = pp->keys.data + pp->offs[r];
            size_t kn = pp->offs[r + 1] - pp->offs[r];
            if (pkey && kn == pkn && memcmp(key, pkey, kn) == 0) {
                t->rows[m] = r;
                t->gids[m++] = pgid;
                continue;
            }
            pkey = NULL;
            uint64_t gid;
            bool spilled;
            if ((rc = group_of(t, b, r, key, kn, pp->hash[r], &gid, &spilled, e)))
                return rc;
            if (spilled)
                continue;
            pkey = key;
            pkn = kn;
            pgid = (uint32_t)gid;
            t->rows[m] = r;
            t->gids[m++] = (uint32_t)gid;
        }
    }
    for (size_t i = 0; i < g->naggs; i++)
        if ((rc = sm_acc_update(&t->acc[i], b, t->rows, t->gids, m, e)))
            return rc;
    if ((rc = spill_rows(t, b, e)))
        return rc;
    account(t);
    return SM_OK;
}

/* ---- preparing batches ------------------------------------------------------------ */

static void prep_free(prep_t *p)
{
    sm_batch_free(p->b);
    sm_free(p->hash);
    sm_free(p->offs);
    sm_free(p->psel);
    sm_buf_free(&p->keys);
    memset(p, 0, sizeof *p);
}

static sm_err_t hash_batch(agg_op_t *g, prep_t *p, sm_error_t *e)
{
    size_t n = p->b->nrows;
    if (g->global)
        return SM_OK;
    p->hash = sm_malloc((n ? n : 1) * sizeof *p->hash);
    if (!p->hash)
        return sm_error_nomem(e, "aggregate hashes");
    if (g->fast64) {
        const sm_vector_t *kv = p->b->cols[g->keys[0]];
        for (size_t r = 0; r < n; r++)
            p->hash[r] = sm_hash_u64((uint64_t)int_key(kv, r));
        if (kv->null_count)
            for (size_t r = 0; r < n; r++)
                if (sm_vector_is_null(kv, r))
                    p->hash[r] = 0;
        return SM_OK;
    }
    const sm_vector_t *dk = dict_key(g, p->b);
    if (dk) {
        /* Each row's hash is its dictionary entry's, computed once per
         * dictionary (the same as hashing the row's bytes below). */
        const uint64_t *dh;
        sm_err_t rc = sm_dict_hashes(dk->dict, &dh, e);
        if (rc)
            return rc;
        const uint32_t *codes = dk->codes + dk->offset;
        for (size_t r = 0; r < n; r++)
            p->hash[r] = dh[codes[r]];
        if (dk->null_count)
            for (size_t r = 0; r < n; r++)
                if (sm_vector_is_null(dk, r))
                    p->hash[r] = 0;
        return SM_OK;
    }
    if (g->str1) {
        /* The raw bytes hash directly (no key encoding); a run of equal
         * strings hashes once; NULL rows hash to 0 (their own group). */
        const sm_vector_t *kv = p->b->cols[g->keys[0]];
        const uint8_t *prev = NULL;
        size_t prev_n = 0;
        for (size_t r = 0; r < n; r++) {
            if (kv->null_count && sm_vector_is_null(kv, r)) {
                p->hash[r] = 0;
                prev = NULL;
                continue;
            }
            size_t kn;
            const uint8_t *k = sm_vector_get_bytes(kv, r, &kn);
            if (prev && kn == prev_n && memcmp(k, prev, kn) == 0) {
                p->hash[r] = p->hash[r - 1];
                continue;
            }
            p->hash[r] = sm_hash_bytes(kn ? k : (const uint8_t *)"", kn, 0);
            prev = k;
            prev_n = kn;
        }
        return SM_OK;
    }
    p->offs = sm_malloc((n + 1) * sizeof *p->offs);
    if (!p->offs)
        return sm_error_nomem(e, "aggregate keys");
    sm_err_t rc = sm_keys_cols(p->b, g->keys, g->nkeys, &p->keys, p->offs, e);
    if (rc)
        return rc;
    for (size_t r = 0; r < n; r++) {
        size_t kn = p->offs[r + 1] - p->offs[r];
        /* A run of equal keys (sorted or clustered input) hashes once. */
        if (r && p->offs[r] - p->offs[r - 1] == kn &&
            memcmp(p->keys.data + p->offs[r], p->keys.data + p->offs[r - 1], kn) == 0) {
            p->hash[r] = p->hash[r - 1];
            continue;
        }
        p->hash[r] = sm_hash_bytes(kn ? p->keys.data + p->offs[r] : (const uint8_t *)"", kn, 0);
    }
    return SM_OK;
}

/* Hashes a batch and, with several partitions, groups its rows by
 * partition (a counting sort). */
static sm_err_t prep_batch(agg_op_t *g, prep_t *p, sm_error_t *e)
{
    sm_err_t rc = hash_batch(g, p, e);
    if (rc || g->nparts == 1)
        return rc;
    size_t n = p->b->nrows;
    if (!(p->psel = sm_malloc((n ? n : 1) * sizeof *p->psel)))
        return sm_error_nomem(e, "aggregate partitions");
    /* four sets of counters: a run of rows of one partition (few groups)
     * does not chain every increment on the one before */
    const uint64_t *h = p->hash;
    unsigned shift = g->part_shift;
    uint32_t c4[4][64] = {{0}};
    size_t r = 0;
    for (; r + 4 <= n; r += 4) {
        c4[0][h[r] >> shift]++;
        c4[1][h[r + 1] >> shift]++;
        c4[2][h[r + 2] >> shift]++;
        c4[3][h[r + 3] >> shift]++;
    }
    for (; r < n; r++)
        c4[0][h[r] >> shift]++;
    size_t cnt[65] = {0};
    for (unsigned k = 0; k < g->nparts; k++)
        cnt[k + 1] = cnt[k] + c4[0][k] + c4[1][k] + c4[2][k] + c4[3][k];
    memcpy(p->pstart, cnt, sizeof cnt);
    uint32_t *psel = p->psel;
    for (r = 0; r < n; r++)
        psel[cnt[h[r] >> shift]++] = (uint32_t)r;
    return SM_OK;
}

typedef struct chunk {
    agg_op_t *g;
    prep_t *pp;
    size_t n;
} chunk_t;

/* Without keys and with several aggregates: aggregate i of the one table
 * takes every batch of the chunk (rows and gids: every row, group 0); each
 * accumulator is updated by one worker, in batch order. */
static sm_err_t acc_task(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    (void)worker;
    chunk_t *c = arg;
    table_t *t = c->g->parts[0];
    for (size_t i = begin; i < end; i++)
        for (size_t k = 0; k < c->n; k++) {
            const sm_batch_t *b = c->pp[k].b;
            sm_err_t rc = sm_acc_update(&t->acc[i], b, t->rows, t->gids, b->nrows, e);
            if (rc)
                return rc;
        }
    return SM_OK;
}

/* The global (keyless) aggregate of one chunk, its aggregates in parallel. */
static sm_err_t global_chunk(chunk_t *c, sm_pool_t *pool, sm_error_t *e)
{
    table_t *t = c->g->parts[0];
    size_t most = 0;
    for (size_t k = 0; k < c->n; k++)
        if (c->pp[k].b->nrows > most)
            most = c->pp[k].b->nrows;
    sm_err_t rc = scratch(t, most, e);
    if (rc)
        return rc;
    for (size_t j = 0; j < most; j++) {
        t->rows[j] = (uint32_t)j;
        t->gids[j] = 0;
    }
    rc = sm_pool_for(pool, c->g->naggs, 1, acc_task, c, NULL, e);
    if (!rc)
        account(t);
    return rc;
}

static sm_err_t prep_task(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    chunk_t *c = arg;
    for (size_t i = begin; i < end; i++) {
        sm_err_t rc = prep_batch(c->g, &c->pp[i], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t part_task(void *arg, size_t begin, size_t end, unsigned worker, sm_error_t *e)
{
    chunk_t *c = arg;
    agg_op_t *g = c->g;
    for (size_t p = begin; p < end; p++) {
        table_t *t = g->parts[p];
        for (size_t i = 0; i < c->n; i++) {
            prep_t *pp = &c->pp[i];
            size_t n = pp->b->nrows;
            if (g->nparts == 1) {
                sm_err_t rc = table_feed(t, pp, NULL, n, e);
                if (rc)
                    return rc;
                continue;
            }
            sm_err_t rc =
                table_feed(t, pp, pp->psel + pp->pstart[p], pp->pstart[p + 1] - pp->pstart[p], e);
            if (rc)
                return rc;
        }
    }
    return SM_OK;
}

static sm_err_t push_work(agg_op_t *g, sm_spill_t *f, int depth, sm_error_t *e)
{
    if (g->nwork == g->capwork) {
        size_t cap = g->capwork ? 2 * g->capwork : 16;
        work_t *w = sm_realloc(g->work, cap * sizeof *w);
        if (!w) {
            sm_spill_close(f);
            return sm_error_nomem(e, "aggregate spill list");
        }
        g->work = w;
        g->capwork = cap;
    }
    g->work[g->nwork++] = (work_t){f, depth};
    g->op->stats.spill_files++;
    return SM_OK;
}

static sm_err_t hand_over_spills(agg_op_t *g, table_t *t, sm_error_t *e)
{
    sm_err_t rc = flush_spills(t, e);
    for (int k = 0; !rc && k < NBUCKET; k++) {
        if (!t->files[k])
            continue;
        sm_spill_t *f = t->files[k];
        t->files[k] = NULL;
        if (!(rc = sm_spill_rewind(f, e)))
            rc = push_work(g, f, t->depth + 1, e);
        else
            sm_spill_close(f);
    }
    return rc;
}

/* Reads the whole input into the partition tables. */
static sm_err_t consume(agg_op_t *g, sm_error_t *e)
{
    sm_op_t *op = g->op;
    sm_pool_t *pool = op->ctx ? op->ctx->pool : NULL;
    prep_t pp[CHUNK_BATCHES];
    memset(pp, 0, sizeof pp);
    sm_err_t rc = SM_OK;
    bool done = false;
    while (!rc && !done) {
        size_t n = 0;
        while (n < (pool ? CHUNK_BATCHES : 1)) {
            sm_batch_t *b = NULL;
            if ((rc = sm_op_next(op->children[0], &b, e)))
                break;
            if (!b) {
                done = true;
                break;
            }
            if (!b->nrows) {
                sm_batch_free(b);
                continue;
            }
            pp[n++].b = b;
        }
        chunk_t c = {g, pp, n};
        if (!rc && n && g->global && pool && g->naggs > 1)
            rc = global_chunk(&c, pool, e);
        else if (!rc && n)
            rc = sm_pool_for(n > 1 ? pool : NULL, n, 1, prep_task, &c, NULL, e);
        if (!rc && n && !(g->global && pool && g->naggs > 1))
            rc = sm_pool_for(g->nparts > 1 ? pool : NULL, g->nparts, 1, part_task, &c, NULL, e);
        for (size_t i = 0; i < n; i++)
            prep_free(&pp[i]);
    }
    for (unsigned p = 0; !rc && p < g->nparts; p++)
        rc = hand_over_spills(g, g->parts[p], e);
    return rc;
}

/* Aggregates one spill file into g->cur. */
static sm_err_t run_work(agg_op_t *g, sm_error_t *e)
{
    work_t w = g->work[--g->nwork];
    sm_err_t rc = table_new(g, w.depth, &g->cur, e);
    while (!rc) {
        prep_t pp = {0};
        if ((rc = sm_spill_read(w.f, g->in_schema, &pp.b, e)) || !pp.b)
            break;
        if (!(rc = prep_batch(g, &pp, e)))
            rc = table_feed(g->cur, &pp, NULL, pp.b->nrows, e);
        prep_free(&pp);
    }
    sm_spill_close(w.f);
    if (!rc)
        rc = hand_over_spills(g, g->cur, e);
    return rc;
}

/* ---- operator ---------------------------------------------------------------------- */

static void agg_close(sm_op_t *op)
{
    agg_op_t *g = op->impl;
    for (unsigned p = 0; g->parts && p < g->nparts; p++)
        table_free(g->parts[p]);
    sm_free(g->parts);
    g->parts = NULL;
    table_free(g->cur);
    g->cur = NULL;
    for (size_t i = 0; i < g->nwork; i++)
        sm_spill_close(g->work[i].f);
    sm_free(g->work);
    g->work = NULL;
    g->nwork = g->capwork = 0;
}

static sm_err_t agg_open(sm_op_t *op, sm_error_t *e)
{
    agg_op_t *g = op->impl;
    g->op = op;
    g->emit_part = g->emit_group = 0;
    g->consumed = false;
    sm_err_t rc = sm_op_open(op->children[0], e);
    if (!rc && !(g->parts = sm_calloc(g->nparts, sizeof *g->parts)))
        rc = sm_error_nomem(e, "aggregate partitions");
    for (unsigned p = 0; !rc && p < g->nparts; p++)
        rc = table_new(g, 0, &g->parts[p], e);
    if (!rc && g->global) {
        g->parts[0]->ngroups = 1;
        for (size_t i = 0; !rc && i < g->naggs; i++)
            rc = sm_acc_grow(&g->parts[0]->acc[i], 1, e);
    }
    return rc;
}

/* Up to SM_BATCH_ROWS groups of t from g->emit_group. */
static sm_err_t emit(agg_op_t *g, table_t *t, sm_batch_t **out, sm_error_t *e)
{
    size_t n = t->ngroups - g->emit_group;
    if (n > SM_BATCH_ROWS)
        n = SM_BATCH_ROWS;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_batch_new(g->op->schema, n, &b, e);
    for (size_t k = 0; !rc && k < g->nkeys; k++)
        rc = sm_vector_append_range(b->cols[k], t->keys->cols[k], g->emit_group, n, e);
    for (size_t i = 0; !rc && i < g->naggs; i++)
        rc = sm_acc_finish(&t->acc[i], g->emit_group, n, b->cols[g->nkeys + i], e);
    if (!rc)
        rc = sm_batch_sync(b, e);
    if (!rc && g->nkeys + g->naggs == 0)
        b->nrows = n;
    if (rc) {
        sm_batch_free(b);
        return rc;
    }
    g->emit_group += n;
    *out = b;
    return SM_OK;
}

static sm_err_t agg_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    agg_op_t *g = op->impl;
    sm_err_t rc;
    if (!g->consumed) {
        if ((rc = consume(g, e)))
            return rc;
        g->consumed = true;
    }
    for (;;) {
        table_t *t = NULL;
        if (g->emit_part < g->nparts)
            t = g->parts[g->emit_part];
        else
            t = g->cur;
        if (t && g->emit_group < t->ngroups)
            return emit(g, t, out, e);
        /* This table is done: free it and move on. */
        if (g->emit_part < g->nparts) {
            table_free(t);
            g->parts[g->emit_part++] = NULL;
        } else {
            table_free(g->cur);
            g->cur = NULL;
            if (!g->nwork)
                return SM_OK;
            if ((rc = run_work(g, e)))
                return rc;
        }
        g->emit_group = 0;
    }
}

static void agg_destroy(sm_op_t *op)
{
    agg_op_t *g = op->impl;
    if (!g)
        return;
    sm_free(g->keys);
    for (size_t i = 0; g->aggs && i < g->naggs; i++)
        sm_free((char *)g->aggs[i].name);
    sm_free(g->aggs);
    sm_type_free(g->in_schema);
    sm_type_free(g->key_schema);
    sm_free(g);
}

static const sm_op_vtable_t agg_vt = {"HashAggregate", agg_open, agg_next, agg_close, agg_destroy};

static const char *default_name(sm_agg_kind_t k)
{
    static const char *n[] = {"count(1)",
                              "count",
                              "sum",
                              "avg",
                              "min",
                              "max",
                              "stddev_samp",
                              "stddev_pop",
                              "var_samp",
                              "var_pop",
                              "percentile_approx",
                              "first",
                              "last",
                              "collect_list"};
    return k < SM_AGG__COUNT ? n[k] : "agg";
}

sm_err_t sm_op_hash_agg_new(const sm_exec_ctx_t *ctx, sm_op_t *child, const uint32_t *keys,
                            size_t nkeys, const sm_agg_spec_t *aggs, size_t naggs, sm_op_t **out,
                            sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    sm_field_t *f = NULL;
    sm_type_t *schema = NULL;
    agg_op_t *g = sm_calloc(1, sizeof *g);
    if (!g) {
        sm_op_free(child);
        return sm_error_nomem(e, "aggregate");
    }
    const sm_type_t *in = child->schema;
    g->in_schema = sm_type_ref(child->schema);
    g->nkeys = nkeys;
    g->naggs = naggs;
    g->global = nkeys == 0;
    g->keys = sm_calloc(nkeys + 1, sizeof *g->keys);
    g->aggs = sm_calloc(naggs + 1, sizeof *g->aggs);
    f = sm_calloc(nkeys + naggs + 1, sizeof *f);
    if (!g->keys || !g->aggs || !f) {
        rc = sm_error_nomem(e, "aggregate");
        goto out;
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k] >= in->nfields) {
            rc = sm_error_set(e, SM_ERR_INVALID, "aggregate: key column %u out of range", keys[k]);
            goto out;
        }
        g->keys[k] = keys[k];
        f[k] = in->fields[keys[k]];
        f[k].type = sm_type_ref(f[k].type);
    }
    for (size_t i = 0; i < naggs; i++) {
        const sm_agg_spec_t *s = &aggs[i];
        if ((s->arg >= 0 && (uint32_t)s->arg >= in->nfields) ||
            (s->arg < 0 && s->kind != SM_AGG_COUNT_STAR) ||
            (s->filter >= 0 && ((uint32_t)s->filter >= in->nfields ||
                                in->fields[s->filter].type->kind != SM_TYPE_BOOL))) {
            rc = sm_error_set(e, SM_ERR_INVALID, "aggregate %zu: bad argument or filter column", i);
            goto out;
        }
        if (s->kind == SM_AGG_PERCENTILE_APPROX && !(s->percentile >= 0 && s->percentile <= 1)) {
            rc = sm_error_set(e, SM_ERR_INVALID,
                              "percentile_approx: percentage must be between 0.0 and 1.0");
            goto out;
        }
        g->aggs[i] = *s;
        g->aggs[i].name = NULL;
        sm_type_t *rt = NULL;
        if ((rc =
                 sm_agg_result_type(s->kind, s->arg >= 0 ? in->fields[s->arg].type : NULL, &rt, e)))
            goto out;
        f[nkeys + i].type = rt;
        f[nkeys + i].nullable = true;
        g->aggs[i].name = sm_strdup(s->name ? s->name : default_name(s->kind));
        if (!g->aggs[i].name) {
            rc = sm_error_nomem(e, "aggregate name");
            goto out;
        }
        f[nkeys + i].name = (char *)g->aggs[i].name;
        if (s->kind == SM_AGG_COUNT || s->kind == SM_AGG_COUNT_STAR)
            f[nkeys + i].nullable = false;
    }
    {
        for (size_t k = 0; k < nkeys; k++)
            sm_type_ref(f[k].type);
        g->key_schema = sm_type_struct(f, nkeys);
        for (size_t i = 0; i < nkeys + naggs; i++)
            sm_type_ref(f[i].type);
        schema = sm_type_struct(f, nkeys + naggs);
        if (!schema || !g->key_schema) {
            rc = sm_error_nomem(e, "aggregate schema");
            goto out;
        }
    }
    sm_type_kind_t k0 = nkeys == 1 ? in->fields[keys[0]].type->kind : SM_TYPE_NULL;
    g->fast64 = nkeys == 1 && (sm_type_is_integer(k0) || k0 == SM_TYPE_DATE ||
                               k0 == SM_TYPE_TIMESTAMP || k0 == SM_TYPE_TIMESTAMP_TZ);
    g->str1 = nkeys == 1 && (k0 == SM_TYPE_STRING || k0 == SM_TYPE_BINARY);
    g->nparts = 1;
    if (ctx && ctx->pool && nkeys > 0) {
        /* four partitions per thread: the workers claim them one at a
         * time, so a few large groups (8 categories, say, unevenly spread
         * by hash) still keep every thread busy */
        unsigned th = sm_pool_threads(ctx->pool);
        while (g->nparts < 4 * th && g->nparts < 64)
            g->nparts *= 2;
    }
    g->part_shift = 64;
    for (unsigned p = g->nparts; p > 1; p >>= 1)
        g->part_shift--;
    if (g->nparts == 1)
        g->part_shift = 63; /* unused */
out:
    if (f)
        for (size_t i = 0; i < nkeys + naggs; i++)
            sm_type_free(f[i].type);
    sm_free(f);
    if (rc) {
        sm_type_free(schema);
        agg_destroy(&(sm_op_t){.impl = g});
        sm_op_free(child);
        return rc;
    }
    rc = sm_op_make(&agg_vt, ctx, schema, &child, 1, g, out, e);
    sm_type_free(schema);
    if (!rc)
        g->op = *out;
    return rc;
}

sm_err_t sm_op_distinct_new(const sm_exec_ctx_t *ctx, sm_op_t *child, sm_op_t **out, sm_error_t *e)
{
    size_t n = child->schema->nfields;
    uint32_t *keys = sm_calloc(n + 1, sizeof *keys);
    if (!keys) {
        sm_op_free(child);
        return sm_error_nomem(e, "distinct");
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint32_t)i;
    sm_err_t rc = sm_op_hash_agg_new(ctx, child, keys, n, NULL, 0, out, e);
    sm_free(keys);
    return rc;
}
