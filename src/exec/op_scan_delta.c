/* exec/op_scan_delta — the files of a Delta snapshot that a scan must read:
 * skipping by partition values and by the add actions' statistics. */
#include <jansson.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"
#include "core/str.h"
#include "exec/expr.h"
#include "exec/op_scan.h"

/* Parses text as a value of type t into a one-row vector (NULL text: a
 * NULL).  The caller frees *out. */
static sm_err_t text_value(sm_type_t *t, const char *text, sm_vector_t **out)
{
    sm_vector_t *v = NULL;
    sm_err_t rc = sm_vector_new(t, 1, &v, NULL);
    if (rc)
        return rc;
    rc = text ? sm_vector_append_text(v, text, strlen(text), NULL) : sm_vector_append_null(v, NULL);
    if (rc) {
        sm_vector_free(v);
        return rc;
    }
    *out = v;
    return SM_OK;
}

/* True when `x op lit` may hold for a value x (non-NULL) — used with
 * exact values (partition values). */
static bool cmp_ok(int c, sm_pq_pred_op_t op)
{
    switch (op) {
    case SM_PQ_PRED_EQ:
    case SM_PQ_PRED_IN:
        return c == 0;
    case SM_PQ_PRED_LT:
        return c < 0;
    case SM_PQ_PRED_LE:
        return c <= 0;
    case SM_PQ_PRED_GT:
        return c > 0;
    case SM_PQ_PRED_GE:
        return c >= 0;
    default:
        return true;
    }
}

/* May a file with the exact value v (partition value) satisfy pred? */
static bool exact_may(const sm_value_t *v, const sm_scan_pred_t *p)
{
    if (p->op == SM_PQ_PRED_IS_NULL)
        return v->is_null;
    if (p->op == SM_PQ_PRED_IS_NOT_NULL)
        return !v->is_null;
    if (v->is_null)
        return false;
    size_t n = p->op == SM_PQ_PRED_IN ? p->values->len : (p->values->len ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        sm_value_t lit;
        if (sm_value_from_vector(p->values, i, &lit, NULL) || lit.is_null)
            continue;
        if (lit.kind != v->kind)
            return true; /* cannot compare: keep */
        if (cmp_ok(sm_value_cmp(v, &lit), p->op))
            return true;
    }
    return n == 0;
}

/* A statistics value (JSON) of a column of type t, as a one-row vector. */
static sm_err_t json_value(sm_type_t *t, json_t *j, sm_vector_t **out)
{
    char buf[64];
    const char *text = NULL;
    if (json_is_string(j))
        text = json_string_value(j);
    else if (json_is_integer(j)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(j));
        text = buf;
    } else if (json_is_real(j)) {
        snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        text = buf;
    } else
        return SM_ERR_INVALID;
    return text_value(t, text, out);
}

/* May a file whose column has min mn, max mx satisfy pred?  Either bound
 * may be missing (NULL). */
static bool range_may(const sm_vector_t *mn, const sm_vector_t *mx, const sm_scan_pred_t *p)
{
    sm_value_t lo = {0}, hi = {0};
    bool has_lo = mn && !sm_value_from_vector(mn, 0, &lo, NULL) && !lo.is_null;
    bool has_hi = mx && !sm_value_from_vector(mx, 0, &hi, NULL) && !hi.is_null;
    size_t n = p->op == SM_PQ_PRED_IN ? p->values->len : (p->values->len ? 1 : 0);
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        sm_value_t lit;
        if (sm_value_from_vector(p->values, i, &lit, NULL) || lit.is_null)
            continue;
        if ((has_lo && lo.kind != lit.kind) || (has_hi && hi.kind != lit.kind))
            return true;
        bool ok = true;
        switch (p->op) {
        case SM_PQ_PRED_EQ:
        case SM_PQ_PRED_IN:
            ok = !(has_lo && sm_value_cmp(&lit, &lo) < 0) &&
                 !(has_hi && sm_value_cmp(&lit, &hi) > 0);
            break;
        case SM_PQ_PRED_LT:
            ok = !(has_lo && sm_value_cmp(&lo, &lit) >= 0);
            break;
        case SM_PQ_PRED_LE:
            ok = !(has_lo && sm_value_cmp(&lo, &lit) > 0);
            break;
        case SM_PQ_PRED_GT:
            ok = !(has_hi && sm_value_cmp(&hi, &lit) <= 0);
            break;
        case SM_PQ_PRED_GE:
            ok = !(has_hi && sm_value_cmp(&hi, &lit) < 0);
            break;
        default:
            break;
        }
        if (ok)
            return true;
    }
    return false;
}

static json_t *obj_get_nocase(json_t *obj, const char *name)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, name);
    if (v)
        return v;
    const char *k;
    json_object_foreach(obj, k, v)
    {
        if (sm_str_eq_nocase(sm_str_c(k), sm_str_c(name)))
            return v;
    }
    return NULL;
}

/* May the file with statistics `stats` hold rows satisfying p on column
 * field f?  Missing or unusable statistics keep the file. */
static bool stats_may(json_t *stats, const sm_field_t *f, const sm_scan_pred_t *p)
{
    if (!stats)
        return true;
    json_t *nrec = json_object_get(stats, "numRecords");
    json_t *nulls = obj_get_nocase(json_object_get(stats, "nullCount"), f->name);
    if (p->op == SM_PQ_PRED_IS_NULL)
        return !(json_is_integer(nulls) && json_integer_value(nulls) == 0);
    if (json_is_integer(nulls) && json_is_integer(nrec) &&
        json_integer_value(nulls) == json_integer_value(nrec))
        return false; /* every value is NULL */
    if (p->op == SM_PQ_PRED_IS_NOT_NULL)
        return true;
    sm_type_kind_t k = f->type->kind;
    /* timestamps are stored at ms precision, rounded safely; strings may be
     * truncated prefixes (a truncated max is absent): both stay safe. */
    if (!(sm_type_is_integer(k) || k == SM_TYPE_FLOAT32 || k == SM_TYPE_FLOAT64 ||
          k == SM_TYPE_DATE || k == SM_TYPE_STRING || k == SM_TYPE_TIMESTAMP ||
          k == SM_TYPE_TIMESTAMP_TZ))
        return true;
    json_t *jmn = obj_get_nocase(json_object_get(stats, "minValues"), f->name);
    json_t *jmx = obj_get_nocase(json_object_get(stats, "maxValues"), f->name);
    sm_vector_t *mn = NULL, *mx = NULL;
    if (jmn && json_value(f->type, jmn, &mn))
        mn = NULL;
    if (jmx && json_value(f->type, jmx, &mx))
        mx = NULL;
    if (k == SM_TYPE_STRING && mx) {
        /* a 32-character max might be a truncation: do not trust it */
        size_t n;
        sm_vector_get_str(mx, 0, &n);
        if (n >= 32) {
            sm_vector_free(mx);
            mx = NULL;
        }
    }
    bool may = range_may(mn, mx, p);
    sm_vector_free(mn);
    sm_vector_free(mx);
    return may;
}

sm_err_t sm_scan_files_delta(const sm_delta_snapshot_t *snap, const sm_scan_pred_t *preds,
                             size_t npreds, sm_scan_files_t *out, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    const sm_type_t *schema = snap->schema;
    size_t np = snap->metadata.n_partition_columns;
    sm_vector_t **pv = NULL;
    memset(out, 0, sizeof *out);
    out->schema = sm_type_ref(snap->schema);
    out->nfiles_total = snap->nfiles;
    out->part_cols = sm_calloc(np ? np : 1, sizeof *out->part_cols);
    out->files = sm_calloc(snap->nfiles ? snap->nfiles : 1, sizeof *out->files);
    pv = sm_calloc(np ? np : 1, sizeof *pv);
    if (!out->part_cols || !out->files || !pv) {
        rc = sm_error_nomem(e, "file list");
        goto out;
    }
    for (size_t k = 0; k < np; k++) {
        if (!(out->part_cols[k] = sm_strdup(snap->metadata.partition_columns[k]))) {
            rc = sm_error_nomem(e, "file list");
            goto out;
        }
        out->npart_cols++;
    }
    size_t tlen = snap->table ? strlen(snap->table) : 0;
    for (size_t i = 0; i < snap->nfiles; i++) {
        const sm_delta_file_t *df = &snap->files[i];
        bool keep = true;
        json_t *stats = NULL;
        if (strstr(df->path, "://") || df->path[0] == '/') {
            rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                              "data file \"%s\" lies outside the table (absolute paths are not "
                              "supported)",
                              df->path);
            goto out;
        }
        /* partition values, in part_cols order */
        const char *vals[64] = {0};
        for (size_t k = 0; k < np && k < 64; k++)
            for (size_t j = 0; j < df->n_partition_values; j++)
                if (sm_str_eq_nocase(sm_str_c(df->partition_values[j].key),
                                     sm_str_c(out->part_cols[k])))
                    vals[k] = df->partition_values[j].value;
        for (size_t q = 0; q < npreds && keep; q++) {
            if (preds[q].column >= schema->nfields)
                continue;
            const sm_field_t *f = &schema->fields[preds[q].column];
            int part = -1;
            for (size_t k = 0; k < np && k < 64; k++)
                if (sm_str_eq_nocase(sm_str_c(out->part_cols[k]), sm_str_c(f->name)))
                    part = (int)k;
            if (part >= 0) {
                sm_vector_t *v = NULL;
                const char *txt = vals[part];
                if (txt && !*txt && f->type->kind != SM_TYPE_STRING)
                    txt = NULL; /* "" is NULL for non-strings */
                if (text_value(f->type, txt, &v) == SM_OK) {
                    sm_value_t x;
                    if (sm_value_from_vector(v, 0, &x, NULL) == SM_OK)
                        keep = exact_may(&x, &preds[q]);
                    sm_vector_free(v);
                }
            } else {
                if (!stats && df->stats)
                    stats = json_loads(df->stats, 0, NULL);
                keep = stats_may(stats, f, &preds[q]);
            }
        }
        int64_t nrec = -1;
        if (keep && df->stats) {
            if (!stats)
                stats = json_loads(df->stats, 0, NULL);
            json_t *j = stats ? json_object_get(stats, "numRecords") : NULL;
            if (json_is_integer(j))
                nrec = (int64_t)json_integer_value(j);
        }
        if (stats)
            json_decref(stats);
        if (!keep)
            continue;
        sm_scan_file_t *f = &out->files[out->nfiles];
        size_t plen = strlen(df->path);
        f->key = sm_malloc(tlen + plen + 2);
        if (!f->key) {
            rc = sm_error_nomem(e, "file list");
            goto out;
        }
        if (tlen) {
            memcpy(f->key, snap->table, tlen);
            f->key[tlen] = '/';
            memcpy(f->key + tlen + 1, df->path, plen + 1);
        } else
            memcpy(f->key, df->path, plen + 1);
        f->size = df->size;
        f->num_records = nrec;
        out->nfiles++;
        if (np) {
            f->part_values = sm_calloc(np, sizeof *f->part_values);
            if (!f->part_values) {
                rc = sm_error_nomem(e, "file list");
                goto out;
            }
            for (size_t k = 0; k < np && k < 64; k++) {
                const char *txt = vals[k];
                /* Delta writes a NULL partition value as null (or ""). */
                if (txt && !*txt)
                    txt = NULL;
                if (txt && !(f->part_values[k] = sm_strdup(txt))) {
                    rc = sm_error_nomem(e, "file list");
                    goto out;
                }
            }
        }
        out->bytes += df->size > 0 ? df->size : 0;
        out->est_rows += nrec >= 0 ? nrec : (df->size > 0 ? df->size / 16 : 1000);
    }
out:
    sm_free(pv);
    if (rc)
        sm_scan_files_free(out);
    return rc;
}
