/* exec/op_scan_parquet — the scan operator over a list of Parquet files
 * (partition columns added as constants), and read_parquet's file lists. */
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columnar/batch.h"
#include "columnar/text.h"
#include "core/mem.h"
#include "core/pool.h"
#include "core/str.h"
#include "exec/op_scan.h"

void sm_scan_files_free(sm_scan_files_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nfiles; i++) {
        sm_free(f->files[i].key);
        if (f->files[i].part_values) {
            for (size_t k = 0; k < f->npart_cols; k++)
                sm_free(f->files[i].part_values[k]);
            sm_free(f->files[i].part_values);
        }
    }
    sm_free(f->files);
    for (size_t k = 0; k < f->npart_cols; k++)
        sm_free(f->part_cols[k]);
    sm_free(f->part_cols);
    sm_type_free(f->schema);
    memset(f, 0, sizeof *f);
}

/* ---- the operator ------------------------------------------------------ */

#define SCAN_AHEAD_MIN ((size_t)4 << 20)
#define SCAN_AHEAD_MAX ((size_t)64 << 20)

/* A unit of reading: row groups [rg_first, rg_first + rg_count) of a file
 * (rg_count 0 = all of it).  Pieces are in file order, then row-group
 * order, so handing batches out piece by piece keeps the rows' order. */
typedef struct piece {
    size_t file;
    uint32_t rg_first, rg_count;
} piece_t;

/* A decoded batch waiting for the consumer, with the bytes charged for it. */
typedef struct queued {
    sm_batch_t *b;
    size_t bytes;
} queued_t;

/* A slot streams one piece at a time.  Its reader lives across tasks: a
 * task decodes batches into the queue until the scan holds `cap` bytes
 * ahead of its consumer (or the consumer waits for this slot), then
 * returns; the consumer submits the next task as it takes batches.
 * Fields marked (task) are touched by the running task only, and by the
 * consumer only while no task of the slot is running. */
typedef struct slot {
    sm_pool_group_t *group;
    struct scan *s;
    bool busy;           /* holds a piece whose batches are not all taken */
    bool running;        /* a task was submitted and not yet waited for */
    size_t piece;        /* index of the piece it reads */
    sm_pq_reader_t *r;   /* (task) the piece's reader once opened */
    bool opened, done;   /* (task) reader opened; piece read to the end */
    atomic_bool want;    /* the consumer waits: stop after the next batch */
    atomic_bool stopped; /* the task has returned (also set under mu) */
    bool started;        /* the task has begun (under mu) */
    pthread_cond_t cv;   /* a batch was queued, or the task returned */
    pthread_mutex_t mu;  /* guards q */
    queued_t *q;         /* ring of decoded batches */
    size_t qhead, qlen, qcap;
    size_t qbytes; /* bytes charged for the queued batches (under mu) */
    sm_error_t err;
    sm_err_t rc;
} slot_t;

typedef struct col_src {
    int part;      /* >= 0: partition column index in files->part_cols */
    int read_pos;  /* position among the columns the reader returns */
    uint32_t tcol; /* table column */
} col_src_t;

typedef struct scan {
    sm_store_t *st;
    sm_scan_files_t files;
    col_src_t *cols;
    size_t ncols;
    char **read_names; /* data columns read from the files */
    size_t nread;
    sm_pq_pred_t *preds; /* on read columns only */
    size_t npreds;
    sm_type_t *schema; /* output */
    slot_t *slots;
    size_t nslots;
    piece_t *pieces;
    size_t npieces;
    size_t next_piece;   /* next piece to submit */
    size_t cur;          /* slot being drained */
    _Atomic size_t head; /* == cur, for the tasks */
    sm_pool_t *pool;
    sm_op_t *op;         /* for memory accounting */
    size_t cap;          /* read-ahead bound in bytes */
    _Atomic size_t held; /* decoded bytes queued in all slots */
} scan_t;

/* Bytes a vector's buffers take (its capacity, children included). */
static size_t vector_bytes(const sm_vector_t *v)
{
    if (!v)
        return 0;
    size_t n = v->cap, b = 0;
    if (v->validity)
        b += (n + 7) / 8;
    if (v->values)
        b += v->width ? n * v->width : (n + 7) / 8;
    if (v->offsets)
        b += (n + 1) * sizeof *v->offsets;
    b += v->data ? (v->data_cap > v->data_len ? v->data_cap : v->data_len) : 0;
    for (uint32_t i = 0; i < v->nchildren; i++)
        b += vector_bytes(v->children[i]);
    return b;
}

static size_t batch_bytes(const sm_batch_t *b)
{
    size_t n = sizeof *b + b->ncols * sizeof *b->cols;
    for (size_t c = 0; c < b->ncols; c++)
        n += sizeof(sm_vector_t) + vector_bytes(b->cols[c]);
    return n;
}

/* Appends b (charged `bytes`) to the slot's queue; frees b on failure. */
static sm_err_t slot_push(slot_t *sl, sm_batch_t *b, size_t bytes, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    pthread_mutex_lock(&sl->mu);
    if (sl->qlen == sl->qcap) {
        size_t cap = sl->qcap ? sl->qcap * 2 : 16;
        queued_t *nq = sm_malloc(cap * sizeof *nq);
        if (!nq) {
            rc = sm_error_nomem(e, "scan batches");
            goto out;
        }
        for (size_t i = 0; i < sl->qlen; i++)
            nq[i] = sl->q[(sl->qhead + i) % sl->qcap];
        sm_free(sl->q);
        sl->q = nq;
        sl->qcap = cap;
        sl->qhead = 0;
    }
    sl->q[(sl->qhead + sl->qlen) % sl->qcap] = (queued_t){b, bytes};
    sl->qlen++;
    sl->qbytes += bytes;
    pthread_cond_signal(&sl->cv);
out:
    pthread_mutex_unlock(&sl->mu);
    if (rc)
        sm_batch_free(b);
    return rc;
}

/* Takes the oldest queued batch (false when the queue is empty). */
static bool slot_pop(slot_t *sl, queued_t *out)
{
    bool got = false;
    pthread_mutex_lock(&sl->mu);
    if (sl->qlen) {
        *out = sl->q[sl->qhead];
        sl->qhead = (sl->qhead + 1) % sl->qcap;
        sl->qlen--;
        sl->qbytes -= out->bytes;
        got = true;
    }
    pthread_mutex_unlock(&sl->mu);
    return got;
}

/* Gives back what a queued batch was charged. */
static void uncharge(scan_t *s, size_t bytes)
{
    atomic_fetch_sub(&s->held, bytes);
    sm_op_mem_release(s->op, bytes);
}
/* A vector of n copies of the partition value text (NULL: NULLs). */
static sm_err_t const_vector(sm_type_t *t, const char *text, size_t n, sm_vector_t **out,
                             sm_error_t *e)
{
    sm_vector_t *one = NULL, *v = NULL;
    sm_err_t rc = sm_vector_new(t, 1, &one, e);
    if (rc)
        return rc;
    if (text)
        rc = sm_vector_append_text(one, text, strlen(text), e);
    else
        rc = sm_vector_append_null(one, e);
    if (rc) {
        sm_error_wrap(e, "partition value \"%s\"", text ? text : "");
        goto out;
    }
    rc = sm_vector_new(t, n ? n : 1, &v, e);
    if (rc)
        goto out;
    for (size_t i = 0; i < n && !rc; i++)
        rc = sm_vector_append_from(v, one, 0, e);
out:
    sm_vector_free(one);
    if (rc) {
        sm_vector_free(v);
        v = NULL;
    }
    *out = v;
    return rc;
}

/* Turns a reader batch into an output batch (partition constants added). */
static sm_err_t shape(scan_t *s, const sm_scan_file_t *f, sm_batch_t *in, sm_batch_t **out,
                      sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    size_t n = in->nrows;
    sm_vector_t **cols = NULL;
    *out = NULL;
    if (s->ncols) {
        cols = sm_calloc(s->ncols, sizeof *cols);
        if (!cols) {
            rc = sm_error_nomem(e, "scan batch");
            goto out;
        }
    }
    for (size_t c = 0; c < s->ncols; c++) {
        const col_src_t *cs = &s->cols[c];
        sm_type_t *t = s->schema->fields[c].type;
        if (cs->part >= 0) {
            rc = const_vector(t, f->part_values ? f->part_values[cs->part] : NULL, n, &cols[c], e);
        } else if (cs->read_pos < 0) {
            rc = sm_vector_copy(cols[-1 - cs->read_pos], &cols[c], e);
        } else {
            sm_vector_t *v = in->cols[cs->read_pos];
            if (!sm_type_equal_ex(v->type, t,
                                  SM_TYPE_EQ_IGNORE_NULLABLE | SM_TYPE_EQ_IGNORE_NAMES)) {
                char a[64], b[64];
                rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                                  "%s: column \"%s\" has type %s in the file but %s in the table",
                                  f->key, s->schema->fields[c].name,
                                  sm_type_name(v->type, a, sizeof a), sm_type_name(t, b, sizeof b));
            } else {
                cols[c] = v;
                in->cols[cs->read_pos] = NULL;
            }
        }
        if (rc)
            goto out;
    }
    if (s->ncols) {
        rc = sm_batch_from_vectors(s->schema, cols, s->ncols, out, e);
        sm_free(cols);
        cols = NULL;
        if (rc)
            goto out;
    } else {
        rc = sm_batch_new(s->schema, 1, out, e);
        if (rc)
            goto out;
        (*out)->nrows = n;
    }
out:
    if (cols) {
        for (size_t c = 0; c < s->ncols; c++)
            sm_vector_free(cols[c]);
        sm_free(cols);
    }
    sm_batch_free(in);
    return rc;
}

/* Opens the reader of the slot's piece (sl->done when there is nothing
 * to read: a table of no columns). */
static sm_err_t open_piece(slot_t *sl, sm_error_t *e)
{
    scan_t *s = sl->s;
    const piece_t *pc = &s->pieces[sl->piece];
    const sm_scan_file_t *f = &s->files.files[pc->file];
    const char *one = NULL;
    sm_pq_reader_opts_t o = {.ignore_case = true,
                             .preds = s->preds,
                             .npreds = s->npreds,
                             .row_group_first = pc->rg_first,
                             .row_group_count = pc->rg_count};
    sl->opened = true;
    if (s->nread) {
        o.columns = (const char *const *)s->read_names;
        o.ncolumns = s->nread;
    } else {
        /* only partition columns or none: still count rows with one column */
        if (!s->files.schema->nfields) {
            sl->done = true;
            return SM_OK;
        }
        size_t k = 0;
        for (; k < s->files.schema->nfields; k++) {
            bool part = false;
            for (size_t p = 0; p < s->files.npart_cols; p++)
                if (strcmp(s->files.part_cols[p], s->files.schema->fields[k].name) == 0)
                    part = true;
            if (!part)
                break;
        }
        if (k == s->files.schema->nfields)
            return sm_error_set(e, SM_ERR_UNSUPPORTED,
                                "%s: a table of partition columns only cannot be scanned", f->key);
        one = s->files.schema->fields[k].name;
        o.columns = &one;
        o.ncolumns = 1;
    }
    return sm_pq_reader_open(s->st, f->key, &o, &sl->r, e);
}

/* A pool task: decodes more of the slot's piece into its queue.  After at
 * least one batch (so the consumer always gets one) it stops when the
 * budget refuses more, when the consumer waits for it to return, when the
 * slot is drained and holds cap / 4 itself, or when it is not and the scan
 * holds 3/4 cap; also at the end of the piece and when cancelled.  So the
 * scan holds at most cap plus one batch per slot. */
static sm_err_t read_more(void *arg, sm_error_t *e)
{
    slot_t *sl = arg;
    scan_t *s = sl->s;
    const sm_scan_file_t *f = &s->files.files[s->pieces[sl->piece].file];
    sm_err_t rc = SM_OK;
    pthread_mutex_lock(&sl->mu);
    sl->started = true;
    pthread_mutex_unlock(&sl->mu);
    if (!sl->opened && (rc = open_piece(sl, e)))
        goto out;
    while (!sl->done) {
        if (sl->group && sm_pool_group_cancelled(sl->group))
            break;
        sm_batch_t *b = NULL, *ob = NULL;
        if ((rc = sm_pq_reader_next(sl->r, &b, e)))
            break;
        if (!b) {
            sl->done = true;
            sm_pq_reader_close(sl->r);
            sl->r = NULL;
            break;
        }
        if ((rc = shape(s, f, b, &ob, e)))
            break;
        size_t bytes = batch_bytes(ob);
        bool room = sm_op_mem_try(s->op, bytes);
        if (!room)
            sm_op_mem_force(s->op, bytes);
        size_t held = atomic_fetch_add(&s->held, bytes) + bytes;
        if ((rc = slot_push(sl, ob, bytes, e))) {
            uncharge(s, bytes);
            break;
        }
        if (!room || atomic_load(&sl->want))
            break;
        /* the slot being drained keeps going until it alone holds a
         * quarter of cap (others' bytes would otherwise hold it to a batch
         * per task); the others stop at three quarters of cap in all */
        if (atomic_load(&s->head) == (size_t)(sl - s->slots)) {
            pthread_mutex_lock(&sl->mu);
            bool full = sl->qbytes >= s->cap / 4;
            pthread_mutex_unlock(&sl->mu);
            if (full)
                break;
        } else if (held >= s->cap / 4 * 3) {
            break;
        }
    }
out:
    pthread_mutex_lock(&sl->mu);
    atomic_store(&sl->stopped, true);
    pthread_cond_signal(&sl->cv);
    pthread_mutex_unlock(&sl->mu);
    return rc;
}

/* Starts a task on the slot (inline, one batch at a time, without a pool). */
static sm_err_t slot_run(scan_t *s, slot_t *sl, sm_error_t *e)
{
    atomic_store(&sl->stopped, false);
    sl->started = false; /* no task of the slot runs now */
    if (!s->pool) {
        atomic_store(&sl->want, true);
        sl->rc = read_more(sl, &sl->err);
        return SM_OK;
    }
    sm_err_t rc = sm_pool_submit(sl->group, read_more, sl, e);
    if (!rc)
        sl->running = true;
    return rc;
}

/* Waits for the slot's task; its error stays in the slot. */
static void slot_wait(slot_t *sl)
{
    if (!sl->running)
        return;
    sm_error_t err;
    sm_error_clear(&err);
    sm_err_t rc = sm_pool_wait(sl->group, &err);
    sl->running = false;
    if (rc && !sl->rc) {
        sl->rc = rc;
        sl->err = err;
    }
}

/* Frees what the slot holds (queued batches, the reader). */
static void slot_clear(scan_t *s, slot_t *sl)
{
    queued_t q;
    while (slot_pop(sl, &q)) {
        uncharge(s, q.bytes);
        sm_batch_free(q.b);
    }
    sm_pq_reader_close(sl->r);
    sl->r = NULL;
    sl->opened = sl->done = false;
}

/* Gives the slot the next piece and starts reading it. */
static sm_err_t slot_submit(scan_t *s, slot_t *sl, sm_error_t *e)
{
    if (s->next_piece >= s->npieces)
        return SM_OK;
    sl->piece = s->next_piece++;
    sl->busy = true;
    sl->opened = sl->done = false;
    sl->rc = SM_OK;
    sm_error_clear(&sl->err);
    return slot_run(s, sl, e);
}

/* Restarts slots whose task stopped for lack of room once the scan holds
 * less than half of cap (so that each restart decodes a fair share, not a
 * batch); the slot being drained (head) is restarted whenever it stopped. */
static sm_err_t refill(scan_t *s, sm_error_t *e)
{
    for (size_t i = 0; i < s->nslots; i++) {
        slot_t *sl = &s->slots[i];
        if (!sl->busy)
            continue;
        if (sl->running && atomic_load(&sl->stopped))
            slot_wait(sl);
        if (sl->running || sl->done || sl->rc || !s->pool)
            continue;
        if (i != s->cur && atomic_load(&s->held) >= s->cap / 2)
            continue;
        atomic_store(&sl->want, false);
        sm_err_t rc = slot_run(s, sl, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t add_piece(scan_t *s, size_t *cap, size_t file, uint32_t first, uint32_t count,
                          sm_error_t *e)
{
    if (s->npieces == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        piece_t *np = sm_realloc(s->pieces, nc * sizeof *np);
        if (!np)
            return sm_error_nomem(e, "scan pieces");
        s->pieces = np;
        *cap = nc;
    }
    s->pieces[s->npieces++] = (piece_t){file, first, count};
    return SM_OK;
}

/* Splits file i into up to `want` pieces of contiguous row groups, about
 * equal in the number of row groups the predicates keep (its footer is
 * read once more here).  A file of one kept row group stays one piece. */
static sm_err_t split_file(scan_t *s, size_t i, size_t want, size_t *cap, sm_error_t *e)
{
    sm_pq_reader_t *r = NULL;
    sm_pq_reader_opts_t o = {.ignore_case = true, .preds = s->preds, .npreds = s->npreds};
    if (s->nread) {
        o.columns = (const char *const *)s->read_names;
        o.ncolumns = s->nread;
    }
    uint32_t *kept = NULL;
    sm_err_t rc = sm_pq_reader_open(s->st, s->files.files[i].key, &o, &r, e);
    if (rc) { /* the read task reports it (a missing file, a bad footer) */
        sm_error_clear(e);
        return add_piece(s, cap, i, 0, 0, e);
    }
    uint32_t ng = sm_pq_reader_row_groups(r), nk = sm_pq_reader_row_groups_selected(r);
    if (nk < 2 || want < 2) {
        rc = add_piece(s, cap, i, 0, 0, e);
        goto out;
    }
    if (!(kept = sm_malloc(nk * sizeof *kept))) {
        rc = sm_error_nomem(e, "scan pieces");
        goto out;
    }
    uint32_t k = 0;
    for (uint32_t g = 0; g < ng && k < nk; g++)
        if (sm_pq_reader_row_group_selected(r, g))
            kept[k++] = g;
    size_t np = want < nk ? want : nk;
    for (size_t p = 0; p < np && !rc; p++) {
        uint32_t a = (uint32_t)(p * nk / np), b = (uint32_t)((p + 1) * nk / np);
        uint32_t first = p ? kept[a] : 0;
        uint32_t end = b < nk ? kept[b] : ng;
        rc = add_piece(s, cap, i, first, p + 1 < np ? end - first : 0, e);
    }
out:
    sm_free(kept);
    sm_pq_reader_close(r);
    return rc;
}

/* The pieces to read: whole files when there are enough of them to keep
 * every slot busy, else files split by row groups (a scan of one large
 * file then decodes several row groups at once). */
static sm_err_t make_pieces(scan_t *s, size_t nslots, sm_error_t *e)
{
    size_t cap = 0, n = s->files.nfiles;
    s->npieces = 0;
    for (size_t i = 0; i < n; i++) {
        sm_err_t rc = nslots > 1 && n < nslots ? split_file(s, i, (2 * nslots + n - 1) / n, &cap, e)
                                               : add_piece(s, &cap, i, 0, 0, e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* The scan's read-ahead bound: an eighth of the query's memory budget,
 * within [SCAN_AHEAD_MIN, SCAN_AHEAD_MAX] (the most when unlimited). */
static size_t ahead_cap(const sm_exec_ctx_t *ctx)
{
    size_t lim = ctx && ctx->budget ? ctx->budget->limit : 0;
    size_t cap = lim ? lim / 8 : SCAN_AHEAD_MAX;
    if (cap < SCAN_AHEAD_MIN)
        cap = SCAN_AHEAD_MIN;
    return cap > SCAN_AHEAD_MAX ? SCAN_AHEAD_MAX : cap;
}

static sm_err_t scan_open(sm_op_t *op, sm_error_t *e)
{
    scan_t *s = op->impl;
    s->op = op;
    s->cap = ahead_cap(op->ctx);
    atomic_store(&s->held, 0);
    s->pool = op->ctx ? op->ctx->pool : NULL;
    s->nslots = s->pool ? sm_pool_slots(s->pool) : 1;
    sm_err_t prc = make_pieces(s, s->nslots, e);
    if (prc)
        return prc;
    if (s->nslots > s->npieces)
        s->nslots = s->npieces ? s->npieces : 1;
    s->slots = sm_calloc(s->nslots, sizeof *s->slots);
    if (!s->slots)
        return sm_error_nomem(e, "scan slots");
    s->next_piece = s->cur = 0;
    atomic_store(&s->head, 0);
    for (size_t i = 0; i < s->nslots; i++) {
        s->slots[i].s = s;
        pthread_mutex_init(&s->slots[i].mu, NULL);
        pthread_cond_init(&s->slots[i].cv, NULL);
    }
    for (size_t i = 0; i < s->nslots; i++) {
        if (s->pool) {
            sm_err_t rc = sm_pool_group_new(&s->slots[i].group, s->pool, e);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; i < s->nslots; i++) {
        sm_err_t rc = slot_submit(s, &s->slots[i], e);
        if (rc)
            return rc;
    }
    return SM_OK;
}

static sm_err_t scan_next(sm_op_t *op, sm_batch_t **out, sm_error_t *e)
{
    scan_t *s = op->impl;
    *out = NULL;
    for (;;) {
        slot_t *sl = &s->slots[s->cur];
        if (!sl->busy)
            return SM_OK; /* every file done */
        queued_t q;
        if (slot_pop(sl, &q)) {
            uncharge(s, q.bytes);
            sm_err_t rc = refill(s, e);
            if (rc) {
                sm_batch_free(q.b);
                return rc;
            }
            *out = q.b;
            return SM_OK;
        }
        if (sl->running) {
            /* a running task: wait for its next batch; a task not begun
             * yet (the pool is busy): run it here, for one batch */
            pthread_mutex_lock(&sl->mu);
            while (!sl->qlen && sl->started && !atomic_load(&sl->stopped))
                pthread_cond_wait(&sl->cv, &sl->mu);
            bool idle = !sl->qlen;
            pthread_mutex_unlock(&sl->mu);
            if (idle) {
                atomic_store(&sl->want, true);
                slot_wait(sl);
            }
            continue;
        }
        if (sl->rc) {
            if (e)
                *e = sl->err;
            return sl->rc;
        }
        if (!sl->done) { /* stopped for lack of room: we need its rows now */
            atomic_store(&sl->want, true);
            sm_err_t rc = slot_run(s, sl, e);
            if (rc)
                return rc;
            continue;
        }
        sl->busy = false;
        slot_clear(s, sl);
        sm_err_t rc = slot_submit(s, sl, e);
        if (rc)
            return rc;
        s->cur = (s->cur + 1) % s->nslots;
        atomic_store(&s->head, s->cur);
        if (!s->slots[s->cur].busy && s->next_piece >= s->npieces) {
            /* find any busy slot left */
            size_t k = 0;
            for (; k < s->nslots && !s->slots[(s->cur + k) % s->nslots].busy; k++)
                ;
            if (k == s->nslots)
                return SM_OK;
            s->cur = (s->cur + k) % s->nslots;
            atomic_store(&s->head, s->cur);
        }
    }
}

static void scan_close(sm_op_t *op)
{
    scan_t *s = op->impl;
    for (size_t i = 0; s->slots && i < s->nslots; i++) {
        slot_t *sl = &s->slots[i];
        if (sl->group) {
            sm_pool_group_cancel(sl->group);
            sm_pool_wait(sl->group, NULL);
            sm_pool_group_free(sl->group);
        }
        slot_clear(s, sl);
        sm_free(sl->q);
        pthread_mutex_destroy(&sl->mu);
        pthread_cond_destroy(&sl->cv);
    }
    sm_free(s->slots);
    s->slots = NULL;
    s->nslots = 0;
    sm_free(s->pieces); /* after the tasks that read them stopped */
    s->pieces = NULL;
    s->npieces = 0;
}

static void scan_destroy(sm_op_t *op)
{
    scan_t *s = op->impl;
    if (!s)
        return;
    sm_scan_files_free(&s->files);
    sm_free(s->pieces);
    sm_free(s->cols);
    sm_free(s->read_names);
    sm_free(s->preds);
    sm_type_free(s->schema);
    sm_free(s);
    op->impl = NULL;
}

static const sm_op_vtable_t SCAN_VT = {"Scan", scan_open, scan_next, scan_close, scan_destroy};

sm_err_t sm_op_scan_new(const sm_exec_ctx_t *ctx, sm_store_t *st, sm_scan_files_t *files,
                        const uint32_t *cols, size_t ncols, const sm_scan_pred_t *preds,
                        size_t npreds, sm_op_t **out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_field_t *fields = NULL;
    scan_t *s = sm_calloc(1, sizeof *s);
    *out = NULL;
    if (!s) {
        sm_scan_files_free(files);
        return sm_error_nomem(e, "scan");
    }
    s->st = st;
    s->files = *files;
    memset(files, 0, sizeof *files);
    const sm_type_t *ts = s->files.schema;
    s->cols = sm_calloc(ncols ? ncols : 1, sizeof *s->cols);
    s->read_names = sm_calloc(ncols ? ncols : 1, sizeof *s->read_names);
    s->preds = sm_calloc(npreds ? npreds : 1, sizeof *s->preds);
    fields = sm_calloc(ncols ? ncols : 1, sizeof *fields);
    if (!s->cols || !s->read_names || !s->preds || !fields) {
        rc = sm_error_nomem(e, "scan");
        goto out;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (cols[c] >= ts->nfields) {
            rc = sm_error_set(e, SM_ERR_INVALID, "scan column %u out of range", cols[c]);
            goto out;
        }
        const sm_field_t *f = &ts->fields[cols[c]];
        s->cols[c].tcol = cols[c];
        s->cols[c].part = -1;
        for (size_t p = 0; p < s->files.npart_cols; p++)
            if (sm_str_eq_nocase(sm_str_c(s->files.part_cols[p]), sm_str_c(f->name)))
                s->cols[c].part = (int)p;
        if (s->cols[c].part < 0) {
            size_t k = 0;
            for (; k < s->nread; k++)
                if (strcmp(s->read_names[k], f->name) == 0)
                    break;
            if (k == s->nread)
                s->read_names[s->nread++] = f->name;
            s->cols[c].read_pos = (int)k;
        }
        fields[c] = (sm_field_t){f->name, sm_type_ref(f->type), true};
    }
    /* repeated read columns: mark the later uses as copies of the first */
    for (size_t c = 0; c < ncols; c++)
        for (size_t d = 0; d < c; d++)
            if (s->cols[c].part < 0 && s->cols[d].part < 0 &&
                s->cols[c].read_pos == s->cols[d].read_pos)
                s->cols[c].read_pos = -1 - (int)d;
    for (size_t i = 0; i < npreds; i++) {
        if (preds[i].column >= ts->nfields)
            continue;
        const char *name = ts->fields[preds[i].column].name;
        bool part = false;
        for (size_t p = 0; p < s->files.npart_cols; p++)
            if (sm_str_eq_nocase(sm_str_c(s->files.part_cols[p]), sm_str_c(name)))
                part = true;
        if (part)
            continue;
        s->preds[s->npreds++] = (sm_pq_pred_t){name, 0, preds[i].op, preds[i].values};
    }
    s->ncols = ncols;
    s->schema = sm_type_struct(fields, ncols);
    sm_free(fields);
    fields = NULL;
    if (!s->schema) {
        rc = sm_error_nomem(e, "scan schema");
        goto out;
    }
    rc = sm_op_make(&SCAN_VT, ctx, s->schema, NULL, 0, s, out, e);
    s = NULL; /* taken over (destroyed on failure) */
out:
    if (fields) {
        for (size_t c = 0; c < ncols; c++)
            sm_type_free(fields[c].type);
        sm_free(fields);
    }
    if (s) {
        sm_op_t tmp = {.impl = s};
        scan_destroy(&tmp);
    }
    return rc;
}

/* ---- read_parquet ------------------------------------------------------ */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const sm_scan_file_t *)a)->key, ((const sm_scan_file_t *)b)->key);
}

sm_err_t sm_scan_files_glob(sm_store_t *st, const char *pattern, sm_scan_files_t *out,
                            sm_error_t *e)
{
    sm_err_t rc;
    sm_store_list_t list = {0};
    sm_pq_reader_t *r = NULL;
    char *dir = NULL;
    memset(out, 0, sizeof *out);
    const char *slash = strrchr(pattern, '/');
    const char *base = slash ? slash + 1 : pattern;
    bool wild = strpbrk(base, "*?[") != NULL;
    sm_store_info_t info;
    if (!wild && sm_store_head(st, pattern, &info, NULL) == SM_OK) {
        out->files = sm_calloc(1, sizeof *out->files);
        if (!out->files || !(out->files[0].key = sm_strdup(pattern))) {
            rc = sm_error_nomem(e, "file list");
            goto out;
        }
        out->files[0].size = (int64_t)info.size;
        out->files[0].num_records = -1;
        out->nfiles = 1;
    } else {
        dir =
            wild ? sm_strndup(pattern, slash ? (size_t)(slash - pattern) : 0) : sm_strdup(pattern);
        if (!dir) {
            rc = sm_error_nomem(e, "file list");
            goto out;
        }
        size_t dl = strlen(dir);
        while (dl && dir[dl - 1] == '/')
            dir[--dl] = 0;
        char *pfx = sm_malloc(dl + 2);
        if (!pfx) {
            rc = sm_error_nomem(e, "file list");
            goto out;
        }
        memcpy(pfx, dir, dl);
        if (dl)
            pfx[dl++] = '/';
        pfx[dl] = 0;
        size_t cap = 0;
        char *token = NULL;
        for (;;) {
            sm_store_list_opts_t lo = {.prefix = pfx, .token = token};
            rc = sm_store_list(st, &lo, &list, e);
            sm_free(token);
            token = NULL;
            if (rc)
                break;
            for (size_t i = 0; i < list.count && !rc; i++) {
                const char *key = list.entries[i].key;
                const char *rel = key + dl;
                const char *kb = strrchr(key, '/');
                kb = kb ? kb + 1 : key;
                if (kb[0] == '_' || kb[0] == '.' || strstr(rel, "/_delta_log/") ||
                    strncmp(rel, "_delta_log/", 11) == 0)
                    continue;
                if (wild ? (strchr(rel, '/') || fnmatch(base, kb, 0) != 0)
                         : !sm_str_ends_with(sm_str_c(kb), sm_str_c(".parquet")))
                    continue;
                if (out->nfiles == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    sm_scan_file_t *nf = sm_realloc(out->files, nc * sizeof *nf);
                    if (!nf) {
                        rc = sm_error_nomem(e, "file list");
                        break;
                    }
                    out->files = nf;
                    cap = nc;
                }
                sm_scan_file_t *f = &out->files[out->nfiles];
                memset(f, 0, sizeof *f);
                if (!(f->key = sm_strdup(key))) {
                    rc = sm_error_nomem(e, "file list");
                    break;
                }
                f->size = (int64_t)list.entries[i].size;
                f->num_records = -1;
                out->nfiles++;
            }
            if (!rc && list.truncated && list.next_token) {
                token = sm_strdup(list.next_token);
                if (!token)
                    rc = sm_error_nomem(e, "file list");
            }
            bool more = !rc && token;
            sm_store_list_free(&list);
            if (!more)
                break;
        }
        sm_free(pfx);
        if (rc)
            goto out;
    }
    if (!out->nfiles) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "read_parquet: no file matches \"%s\"", pattern);
        goto out;
    }
    qsort(out->files, out->nfiles, sizeof *out->files, cmp_key);
    out->nfiles_total = out->nfiles;
    rc = sm_pq_reader_open(st, out->files[0].key, NULL, &r, e);
    if (rc)
        goto out;
    out->schema = sm_type_ref(sm_pq_reader_schema(r));
    for (size_t i = 0; i < out->nfiles; i++) {
        out->bytes += out->files[i].size > 0 ? out->files[i].size : 0;
    }
    out->est_rows = sm_pq_reader_num_rows(r) * (int64_t)out->nfiles;
out:
    sm_pq_reader_close(r);
    sm_store_list_free(&list);
    sm_free(dir);
    if (rc)
        sm_scan_files_free(out);
    return rc;
}
