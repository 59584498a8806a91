#include "delta/optimize.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "columnar/print.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "delta/cleanup.h"
#include "delta/commit.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/stats.h"
#include "delta/write.h"

#define DEFAULT_TARGET ((uint64_t)128 << 20)
#define WRITE_ROWS 4096

/* One output file, waiting for the commit. */
typedef struct out_file {
    char *key;   /* store key */
    char *stats; /* JSON */
    uint64_t size;
    const sm_delta_file_t *like; /* a replaced file of the same partition */
} out_file_t;

typedef struct opt {
    sm_store_t *st;
    const sm_delta_snapshot_t *snap;
    const sm_delta_optimize_opts_t *o;
    sm_type_t *data_schema; /* the table's columns minus partition columns */
    int *sort_idx;          /* sort columns as indices in data_schema */
    size_t nsort;
    uint64_t target;
    sm_buf_t outs;    /* out_file_t */
    sm_buf_t removed; /* const sm_delta_file_t * */
    sm_delta_optimize_result_t *res;
} opt_t;

/* ---- planning ------------------------------------------------------------ */

/* The partition text of a file, "c1=v1/c2=..." (escaped as directories). */
static sm_err_t part_dir(const sm_delta_snapshot_t *snap, const sm_delta_file_t *f, sm_buf_t *out,
                         sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    for (size_t i = 0; i < snap->metadata.n_partition_columns && !rc; i++) {
        const char *col = snap->metadata.partition_columns[i], *v = NULL;
        for (size_t k = 0; k < f->n_partition_values; k++)
            if (strcmp(f->partition_values[k].key, col) == 0)
                v = f->partition_values[k].value;
        if ((rc = sm_buf_printf(out, e, "%s%s=", i ? "/" : "", col)))
            break;
        rc = v && v[0] ? sm_delta_partition_escape(v, out, e)
                       : sm_buf_append_str(out, "__HIVE_DEFAULT_PARTITION__", e);
    }
    if (!rc && !out->data)
        rc = sm_buf_append_str(out, "", e);
    return rc;
}

typedef struct cand {
    const sm_delta_file_t *f;
    char *part; /* partition text */
} cand_t;

static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    int c = strcmp(x->part, y->part);
    if (c)
        return c;
    if (x->f->size != y->f->size)
        return x->f->size < y->f->size ? -1 : 1;
    return strcmp(x->f->path, y->f->path);
}

/* ---- sorting ------------------------------------------------------------- */

static int cmp_value(const sm_vector_t *v, size_t i, size_t j)
{
    bool ni = sm_vector_is_null(v, i), nj = sm_vector_is_null(v, j);
    if (ni || nj)
        return ni == nj ? 0 : ni ? -1 : 1;
    switch (v->type->kind) {
    case SM_TYPE_BOOL:
        return (int)sm_vector_get_bool(v, i) - (int)sm_vector_get_bool(v, j);
    case SM_TYPE_INT8:
        return (sm_vector_get_i8(v, i) > sm_vector_get_i8(v, j)) -
               (sm_vector_get_i8(v, i) < sm_vector_get_i8(v, j));
    case SM_TYPE_INT16:
        return (sm_vector_get_i16(v, i) > sm_vector_get_i16(v, j)) -
               (sm_vector_get_i16(v, i) < sm_vector_get_i16(v, j));
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        return (sm_vector_get_i32(v, i) > sm_vector_get_i32(v, j)) -
               (sm_vector_get_i32(v, i) < sm_vector_get_i32(v, j));
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        return (sm_vector_get_i64(v, i) > sm_vector_get_i64(v, j)) -
               (sm_vector_get_i64(v, i) < sm_vector_get_i64(v, j));
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64: {
        double a =
            v->type->kind == SM_TYPE_FLOAT32 ? sm_vector_get_f32(v, i) : sm_vector_get_f64(v, i);
        double b =
            v->type->kind == SM_TYPE_FLOAT32 ? sm_vector_get_f32(v, j) : sm_vector_get_f64(v, j);
        if (a != a || b != b) /* NaN sorts last, as in Spark */
            return (a != a) - (b != b);
        return (a > b) - (a < b);
    }
    case SM_TYPE_DECIMAL:
        return (sm_vector_get_i128(v, i) > sm_vector_get_i128(v, j)) -
               (sm_vector_get_i128(v, i) < sm_vector_get_i128(v, j));
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY: {
        size_t la, lb;
        const uint8_t *a = sm_vector_get_bytes(v, i, &la), *b = sm_vector_get_bytes(v, j, &lb);
        int c = memcmp(a, b, la < lb ? la : lb);
        return c ? c : (la > lb) - (la < lb);
    }
    default:
        return 0;
    }
}

typedef struct sort_ctx {
    const sm_batch_t *b;
    const int *idx;
    size_t n;
} sort_ctx_t;

static int cmp_rows(const void *a, const void *b, void *arg)
{
    const sort_ctx_t *c = arg;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    for (size_t k = 0; k < c->n; k++) {
        int r = cmp_value(c->b->cols[c->idx[k]], i, j);
        if (r)
            return r;
    }
    return (i > j) - (i < j); /* stable */
}

/* ---- rewriting one bin ----------------------------------------------------- */

static sm_err_t write_sorted(opt_t *p, sm_pq_writer_t *pw, const sm_batch_t *all, sm_error_t *e)
{
    uint32_t *perm = sm_malloc((all->nrows + 1) * sizeof *perm);
    if (!perm)
        return sm_error_nomem(e, "optimize sort");
    for (size_t i = 0; i < all->nrows; i++)
        perm[i] = (uint32_t)i;
    sort_ctx_t c = {all, p->sort_idx, p->nsort};
    qsort_r(perm, all->nrows, sizeof *perm, cmp_rows, &c);
    sm_err_t rc = SM_OK;
    sm_batch_t *b = NULL;
    for (size_t start = 0; start < all->nrows && !rc; start += WRITE_ROWS) {
        size_t n = all->nrows - start < WRITE_ROWS ? all->nrows - start : WRITE_ROWS;
        if ((rc = sm_batch_new(p->data_schema, n, &b, e)))
            break;
        for (size_t col = 0; col < all->ncols && !rc; col++)
            for (size_t r = 0; r < n && !rc; r++)
                rc = sm_vector_append_from(b->cols[col], all->cols[col], perm[start + r], e);
        if (!rc && !(rc = sm_batch_sync(b, e)))
            rc = sm_pq_writer_write(pw, b, e);
        sm_batch_free(b);
        b = NULL;
    }
    sm_free(perm);
    return rc;
}

static sm_err_t rewrite(opt_t *p, cand_t *bin, size_t n, sm_error_t *e)
{
    const sm_delta_snapshot_t *snap = p->snap;
    sm_delta_file_t *files = sm_malloc(n * sizeof *files);
    sm_buf_t key = SM_BUF_INIT, stats = SM_BUF_INIT;
    sm_pq_writer_t *pw = NULL;
    sm_delta_scan_t *scan = NULL;
    sm_batch_t *all = NULL, *b = NULL;
    char uuid[SM_UUID_STR_LEN + 1];
    out_file_t of = {.like = bin[0].f};
    sm_err_t rc;
    if (!files)
        return sm_error_nomem(e, "optimize");
    for (size_t i = 0; i < n; i++)
        files[i] = *bin[i].f;
    if ((rc = sm_uuid4(uuid, e)) ||
        (rc = sm_buf_printf(&key, e, "%s%s%s%spart-00000-%s-c000%s.parquet", snap->table,
                            snap->table[0] ? "/" : "", bin[0].part, bin[0].part[0] ? "/" : "", uuid,
                            p->o->parquet.codec == SM_PQ_CODEC_SNAPPY ? ".snappy" : "")))
        goto out;
    sm_pq_writer_opts_t po = p->o->parquet;
    po.if_absent = true;
    sm_delta_scan_opts_t so = {.schema = p->data_schema, .files = files, .nfiles = n};
    if ((rc = sm_pq_writer_open(p->st, (const char *)key.data, p->data_schema, &po, &pw, e)) ||
        (rc = sm_delta_scan_open(p->st, snap, &so, &scan, e)))
        goto out;
    if (p->nsort && (rc = sm_batch_new(p->data_schema, 0, &all, e)))
        goto out;
    while (!(rc = sm_delta_scan_next(scan, &b, e)) && b) {
        p->res->rows += (int64_t)b->nrows;
        if (all) {
            for (size_t c = 0; c < b->ncols && !rc; c++)
                rc = sm_vector_append_range(all->cols[c], b->cols[c], 0, b->nrows, e);
            if (!rc)
                rc = sm_batch_sync(all, e);
        } else {
            rc = sm_pq_writer_write(pw, b, e);
        }
        sm_batch_free(b);
        b = NULL;
        if (rc)
            goto out;
    }
    if (rc || (all && (rc = write_sorted(p, pw, all, e))))
        goto out;
    if ((rc = sm_pq_writer_close(pw, &of.size, e)))
        goto out;
    uint32_t nl;
    const sm_pq_leaf_stats_t *ls = sm_pq_writer_stats(pw, &nl);
    if ((rc = sm_delta_stats_json(p->data_schema, sm_pq_writer_rows(pw), ls, nl, &stats, e)))
        goto out;
    of.key = (char *)sm_buf_detach(&key, NULL);
    of.stats = (char *)sm_buf_detach(&stats, NULL);
    if ((rc = sm_buf_append(&p->outs, &of, sizeof of, e))) {
        sm_store_delete(p->st, of.key, NULL);
        sm_free(of.key);
        sm_free(of.stats);
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sm_buf_append(&p->removed, &bin[i].f, sizeof bin[i].f, e);
        p->res->bytes_removed += (uint64_t)bin[i].f->size;
    }
    p->res->files_removed += (int64_t)n;
    p->res->files_added++;
    p->res->bytes_added += of.size;
out:
    if (rc)
        sm_error_wrap(e, "rewriting %zu file(s) of partition \"%s\"", n, bin[0].part);
    sm_batch_free(b);
    sm_batch_free(all);
    sm_delta_scan_close(scan);
    sm_pq_writer_free(pw); /* aborts an unclosed file */
    sm_buf_free(&key);
    sm_buf_free(&stats);
    sm_free(files);
    return rc;
}

/* Bins of the candidates [a, b) of one partition (sorted by size). */
static sm_err_t pack(opt_t *p, cand_t *c, size_t n, sm_error_t *e)
{
    size_t start = 0;
    bool did = false;
    while (start < n) {
        uint64_t sum = (uint64_t)c[start].f->size;
        size_t end = start + 1;
        while (end < n && sum + (uint64_t)c[end].f->size <= p->target)
            sum += (uint64_t)c[end++].f->size;
        if (end - start >= 2 || p->nsort) {
            sm_err_t rc = rewrite(p, c + start, end - start, e);
            if (rc)
                return rc;
            did = true;
        }
        start = end;
    }
    p->res->partitions += did;
    return SM_OK;
}

/* ---- committing ------------------------------------------------------------ */

static sm_err_t commit(opt_t *p, sm_error_t *e)
{
    out_file_t *outs = (out_file_t *)p->outs.data;
    size_t nout = p->outs.len / sizeof *outs;
    const sm_delta_file_t **rm = (const sm_delta_file_t **)p->removed.data;
    size_t nrm = p->removed.len / sizeof *rm;
    int64_t now = p->o->now_ms ? p->o->now_ms : sm_delta_now_ms();
    sm_delta_action_t *acts = sm_calloc(nout + nrm + 1, sizeof *acts);
    sm_buf_t params = SM_BUF_INIT, zorder = SM_BUF_INIT;
    if (!acts)
        return sm_error_nomem(e, "optimize commit");
    size_t skip = strlen(p->snap->table) + (p->snap->table[0] ? 1 : 0), k = 0;
    for (size_t i = 0; i < nrm; i++) {
        acts[k].kind = SM_DELTA_REMOVE;
        acts[k++].u.remove = (sm_delta_remove_t){.path = rm[i]->path,
                                                 .deletion_timestamp = now,
                                                 .data_change = false,
                                                 .extended_file_metadata = true,
                                                 .partition_values = rm[i]->partition_values,
                                                 .n_partition_values = rm[i]->n_partition_values,
                                                 .size = rm[i]->size};
    }
    for (size_t i = 0; i < nout; i++) {
        acts[k].kind = SM_DELTA_ADD;
        acts[k++].u.add = (sm_delta_add_t){.path = outs[i].key + skip,
                                           .partition_values = outs[i].like->partition_values,
                                           .n_partition_values = outs[i].like->n_partition_values,
                                           .size = (int64_t)outs[i].size,
                                           .modification_time = now,
                                           .data_change = false,
                                           .stats = outs[i].stats};
    }
    sm_err_t rc = sm_buf_append_byte(&zorder, '[', e);
    for (size_t i = 0; !rc && i < p->o->nsort_by; i++) {
        if (i)
            rc = sm_buf_append_byte(&zorder, ',', e);
        if (!rc)
            rc = sm_print_json_string(p->o->sort_by[i], strlen(p->o->sort_by[i]), &zorder, e);
    }
    if (!rc && !(rc = sm_buf_append_byte(&zorder, ']', e)) &&
        !(rc = sm_buf_append_str(&params, "{\"predicate\":\"[]\",\"zOrderBy\":", e)) &&
        !(rc = sm_print_json_string(zorder.data, zorder.len, &params, e)))
        rc = sm_buf_printf(&params, e, ",\"targetSize\":\"%" PRIu64 "\"}", p->target);
    sm_delta_commit_opts_t co = {.operation = "OPTIMIZE",
                                 .operation_params = (const char *)params.data,
                                 .read_table = false, /* appends beside us are fine */
                                 .now_ms = now};
    if (!rc)
        rc = sm_delta_commit(p->st, p->snap->table, p->snap->version, acts, k, &co,
                             &p->res->version, e);
    sm_free(acts);
    sm_buf_free(&params);
    sm_buf_free(&zorder);
    return rc;
}

/* ---- entry --------------------------------------------------------------- */

static sm_err_t setup(opt_t *p, sm_error_t *e)
{
    const sm_delta_snapshot_t *snap = p->snap;
    const sm_type_t *s = snap->schema;
    if (snap->protocol.min_writer_version > 2)
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "optimize writes only to tables of Delta writer version 2 or lower "
                            "(this one needs %d)",
                            snap->protocol.min_writer_version);
    sm_field_t *fs = sm_calloc(s->nfields + 1, sizeof *fs);
    p->sort_idx = sm_calloc(p->o->nsort_by + 1, sizeof *p->sort_idx);
    if (!fs || !p->sort_idx) {
        sm_free(fs);
        return sm_error_nomem(e, "optimize");
    }
    size_t n = 0;
    for (uint32_t i = 0; i < s->nfields; i++) {
        bool part = false;
        for (size_t k = 0; k < snap->metadata.n_partition_columns; k++)
            part |= strcasecmp(snap->metadata.partition_columns[k], s->fields[i].name) == 0;
        if (part)
            continue;
        fs[n] = s->fields[i];
        fs[n++].type = sm_type_ref(s->fields[i].type);
    }
    p->data_schema = sm_type_struct(fs, n);
    sm_free(fs);
    if (!p->data_schema)
        return sm_error_nomem(e, "optimize");
    for (size_t k = 0; k < p->o->nsort_by; k++) {
        const char *name = p->o->sort_by[k];
        int di = sm_type_field_index(p->data_schema, name, strlen(name), true);
        if (di < 0) {
            if (sm_type_field_index(s, name, strlen(name), true) >= 0)
                continue; /* a partition column: constant within a file */
            return sm_error_set(e, SM_ERR_NOT_FOUND, "the table has no column \"%s\"", name);
        }
        if (sm_type_is_nested(p->data_schema->fields[di].type->kind))
            return sm_error_set(e, SM_ERR_INVALID, "cannot sort by the %s column \"%s\"",
                                sm_type_kind_name(p->data_schema->fields[di].type->kind), name);
        p->sort_idx[p->nsort++] = di;
    }
    return SM_OK;
}

sm_err_t sm_delta_optimize(sm_store_t *st, const char *table, const sm_delta_optimize_opts_t *opts,
                           sm_delta_optimize_result_t *res, sm_error_t *e)
{
    static const sm_delta_optimize_opts_t defaults = {.parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
    memset(res, 0, sizeof *res);
    res->version = -1;
    opt_t p = {.st = st, .o = opts ? opts : &defaults, .res = res};
    p.target = p.o->target_bytes ? p.o->target_bytes : DEFAULT_TARGET;
    sm_delta_snapshot_t *snap = NULL;
    cand_t *c = NULL;
    size_t nc = 0;
    sm_err_t rc = sm_delta_snapshot_load(st, table, NULL, &snap, e);
    if (rc)
        return rc;
    p.snap = snap;
    if ((rc = setup(&p, e)))
        goto out;
    if (!(c = sm_calloc(snap->nfiles + 1, sizeof *c))) {
        rc = sm_error_nomem(e, "optimize");
        goto out;
    }
    for (size_t i = 0; i < snap->nfiles; i++) {
        const sm_delta_file_t *f = &snap->files[i];
        if (!p.nsort && (uint64_t)f->size >= p.target)
            continue; /* big enough already */
        sm_buf_t part = SM_BUF_INIT;
        if ((rc = part_dir(snap, f, &part, e))) {
            sm_buf_free(&part);
            goto out;
        }
        c[nc].f = f;
        c[nc++].part = (char *)sm_buf_detach(&part, NULL);
    }
    qsort(c, nc, sizeof *c, cmp_cand);
    for (size_t a = 0; a < nc && !rc;) {
        size_t b = a + 1;
        while (b < nc && strcmp(c[b].part, c[a].part) == 0)
            b++;
        rc = pack(&p, c + a, b - a, e);
        a = b;
    }
    if (rc || p.outs.len == 0)
        goto out;
    if (p.o->before_commit && (rc = p.o->before_commit(p.o->arg, e)))
        goto out;
    if ((rc = commit(&p, e)))
        goto out;
    sm_delta_after_commit_t ac; /* checkpoint and log clean-up when due */
    sm_delta_after_commit(st, table, p.snap, res->version, 0, &ac);
    res->checkpointed = ac.checkpointed;
out : {
    out_file_t *outs = (out_file_t *)p.outs.data;
    for (size_t i = 0; i < p.outs.len / sizeof *outs; i++) {
        if (rc)
            sm_store_delete(st, outs[i].key, NULL);
        sm_free(outs[i].key);
        sm_free(outs[i].stats);
    }
}
    if (rc) {
        res->version = -1;
        sm_error_wrap(e, "optimize %s%s%s", sm_store_location(st), table[0] ? "/" : "", table);
    }
    for (size_t i = 0; i < nc; i++)
        sm_free(c[i].part);
    sm_free(c);
    sm_buf_free(&p.outs);
    sm_buf_free(&p.removed);
    sm_free(p.sort_idx);
    sm_type_free(p.data_schema);
    sm_delta_snapshot_free(snap);
    return rc;
}
